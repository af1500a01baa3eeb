//! Scoring every customer's churn risk as of a date with one of the three scorers (rules,
//! BG/NBD, logistic regression), from the transactions alone: the features, the fit or the
//! training, the scores, risk tiers and the reasons behind each score.

use chrono::{Days, NaiveDate};
use crm_clv::FitOptions;
use crm_model::{CustomerGroups, CustomerKey, Transaction};

use crate::error::{ChurnError, Result};
use crate::features::{Feature, FeatureMatrix, FeatureOptions, compute_features};
use crate::labels::noncontractual_labels_grouped;
use crate::logistic::{Contribution, LogisticModel, LogisticOptions};
use crate::model_scores::{bgnbd_scores, fit_bgnbd};
use crate::rules::{RiskTier, RuleSet};

/// The features of the logistic scorer: the purchase features.
pub const LOGISTIC_FEATURES: [Feature; 7] = Feature::PURCHASE;

/// Which scorer [`score_customers`] uses.
#[derive(Debug, Clone, PartialEq)]
pub enum Scorer {
    /// Rule points; tiers from the rule set.
    Rules(RuleSet),
    /// BG/NBD P(no purchase within the horizon), fitted on the history up to the as-of date
    /// (the optimiser's best point is used even when its strict convergence test fails: see
    /// [`ScoreNote::BgNbdNotConverged`]).
    BgNbd,
    /// Logistic regression trained on the window before: features as of (as-of - horizon),
    /// labels from (as-of - horizon, as-of].
    Logistic,
}

/// Options of [`score_customers`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreOptions {
    /// As-of date (inclusive): nothing after it is used.
    pub as_of: NaiveDate,
    /// Churn horizon in days (>= 1).
    pub horizon_days: u32,
    /// Probability from which a customer is high risk (BG/NBD and logistic).
    pub high_at: f64,
    /// Probability from which a customer is medium risk (BG/NBD and logistic).
    pub medium_at: f64,
}

/// Why a customer got its score.
#[derive(Debug, Clone, PartialEq)]
pub enum ScoreReasons {
    /// The names of the rules that fired.
    Rules(Vec<String>),
    /// The BG/NBD figures behind P(no purchase).
    BgNbd {
        /// P(alive) at the as-of date.
        p_alive: f64,
        /// Expected purchases within the horizon.
        expected_purchases: f64,
        /// Days since the last purchase.
        days_since_last_purchase: f64,
    },
    /// The (up to three) features pushing the churn log-odds up the most.
    Logistic(Vec<Contribution>),
}

/// One customer's score.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerScore {
    /// The customer.
    pub customer: CustomerKey,
    /// The score (rule points, or a probability of churn).
    pub score: f64,
    /// Risk tier.
    pub tier: RiskTier,
    /// Why.
    pub reasons: ScoreReasons,
}

/// Something the caller may want to tell the user about a scoring run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScoreNote {
    /// The BG/NBD fit stopped before its convergence test passed; the scores use the best
    /// parameters found.
    BgNbdNotConverged {
        /// Gradient norm at the best point.
        gradient_norm: f64,
    },
    /// The logistic model was trained on `customers` customers as of `train_as_of`, of whom
    /// `churned` churned by the as-of date.
    LogisticTrained {
        /// Training customers.
        customers: usize,
        /// Of them, churned.
        churned: usize,
        /// Feature date of the training window.
        train_as_of: NaiveDate,
    },
}

/// The scores of [`score_customers`] (in customer-key order) and notes about the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// One score per customer with a purchase on or before the as-of date.
    pub scores: Vec<CustomerScore>,
    /// Notes (convergence, training window).
    pub notes: Vec<ScoreNote>,
}

/// Scores every customer with a purchase on or before `opts.as_of`.
///
/// ```
/// use crm_analytics::churn::{RuleSet, ScoreOptions, Scorer, score_customers};
/// use crm_analytics::model::{CustomerKey, Transaction, chrono::NaiveDate, rust_decimal::Decimal};
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let tx = vec![
///     Transaction::purchase(CustomerKey::from_index(0), d(1, 5), Decimal::TEN)?,
///     Transaction::purchase(CustomerKey::from_index(1), d(6, 1), Decimal::TEN)?,
/// ];
/// let opts = ScoreOptions { as_of: d(6, 30), horizon_days: 90, high_at: 0.7, medium_at: 0.4 };
/// let s = score_customers(&tx, &Scorer::Rules(RuleSet::default()), &opts)?;
/// assert_eq!(s.scores.len(), 2);
/// assert!(s.scores[0].score >= s.scores[1].score); // the customer gone quiet scores higher
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`ChurnError::NoCustomers`] when no customer bought by the as-of date or, for the logistic
/// scorer, by the start of the training window (`training`); [`ChurnError::InvalidParameter`] for a horizon of 0 or reaching
/// before the calendar (`name` = `"horizon"`) and for tier thresholds outside [0, 1] or with
/// `medium_at > high_at` (`name` = `"tiers"`); a record-level [`ChurnError::Model`] (transaction
/// index in `AtRecord`); the fit's or training's own errors (training errors are
/// [`ChurnError::Training`]).
pub fn score_customers(tx: &[Transaction], scorer: &Scorer, opts: &ScoreOptions) -> Result<Scored> {
    if opts.horizon_days == 0 {
        return Err(ChurnError::InvalidParameter {
            name: "horizon",
            reason: "must be at least 1 day".into(),
        });
    }
    let unit = 0.0..=1.0;
    if !unit.contains(&opts.medium_at)
        || !unit.contains(&opts.high_at)
        || opts.medium_at > opts.high_at
    {
        return Err(ChurnError::InvalidParameter {
            name: "tiers",
            reason: format!(
                "medium_at {} and high_at {} must be in [0, 1] with medium_at <= high_at",
                opts.medium_at, opts.high_at
            ),
        });
    }
    let groups = CustomerGroups::new(tx)?;
    let features = compute_features(tx, &[], &[], &FeatureOptions::new(opts.as_of))?;
    if features.is_empty() {
        return Err(ChurnError::NoCustomers {
            as_of: opts.as_of,
            training: false,
        });
    }
    let tier = |p: f64| RiskTier::from_score(p, opts.high_at, opts.medium_at);
    let mut notes = Vec::new();
    let scores = match scorer {
        Scorer::Rules(rules) => (rules.score(&features)?.into_iter().zip(&features))
            .map(|(s, f)| CustomerScore {
                customer: f.customer,
                score: s.score,
                tier: s.tier,
                reasons: ScoreReasons::Rules(s.fired),
            })
            .collect(),
        Scorer::BgNbd => {
            let fit = fit_bgnbd(&features, &FitOptions::default().require_convergence(false))?;
            if !fit.report.converged {
                notes.push(ScoreNote::BgNbdNotConverged {
                    gradient_norm: fit.report.gradient_norm,
                });
            }
            let s = bgnbd_scores(&fit.params, &features, f64::from(opts.horizon_days), true)?;
            (s.iter().zip(&features))
                .map(|(s, f)| CustomerScore {
                    customer: f.customer,
                    score: s.p_no_purchase,
                    tier: tier(s.p_no_purchase),
                    reasons: ScoreReasons::BgNbd {
                        p_alive: s.p_alive,
                        expected_purchases: s.expected_purchases,
                        days_since_last_purchase: f.recency_days,
                    },
                })
                .collect()
        }
        Scorer::Logistic => {
            let horizon = opts.horizon_days;
            let train_as_of = (opts.as_of)
                .checked_sub_days(Days::new(u64::from(horizon)))
                .ok_or_else(|| ChurnError::InvalidParameter {
                    name: "horizon",
                    reason: "the as-of date minus the horizon is out of range".into(),
                })?;
            let train = compute_features(tx, &[], &[], &FeatureOptions::new(train_as_of))?;
            let labels: Vec<bool> =
                noncontractual_labels_grouped(tx, &groups, train_as_of, horizon)?
                    .iter()
                    .map(|l| l.churned)
                    .collect();
            if train.is_empty() {
                return Err(ChurnError::NoCustomers {
                    as_of: train_as_of,
                    training: true,
                });
            }
            let xtrain = FeatureMatrix::from_features(&train, &LOGISTIC_FEATURES);
            let m =
                LogisticModel::fit(&xtrain, &labels, &LogisticOptions::default()).map_err(|e| {
                    ChurnError::Training {
                        train_as_of,
                        labels_until: opts.as_of,
                        source: Box::new(e),
                    }
                })?;
            notes.push(ScoreNote::LogisticTrained {
                customers: train.len(),
                churned: labels.iter().filter(|&&c| c).count(),
                train_as_of,
            });
            let x = FeatureMatrix::from_features(&features, &LOGISTIC_FEATURES);
            let p = m.predict(&x)?;
            let mut rows = Vec::with_capacity(p.len());
            for (i, f) in features.iter().enumerate() {
                rows.push(CustomerScore {
                    customer: f.customer,
                    score: p[i],
                    tier: tier(p[i]),
                    reasons: ScoreReasons::Logistic(m.top_contributions(&x, i, 3)?),
                });
            }
            rows
        }
    };
    Ok(Scored { scores, notes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_model::rust_decimal::Decimal;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn history() -> Vec<Transaction> {
        let mut tx = Vec::new();
        for c in 0..60u32 {
            let n = c % 6;
            for k in 0..=n {
                let date = day(2023, 1 + (c % 5), 1) + Days::new(u64::from(k * (20 + c % 17)));
                tx.push(
                    Transaction::purchase(CustomerKey::from_index(c), date, Decimal::new(25, 0))
                        .unwrap(),
                );
            }
        }
        tx
    }

    fn opts(as_of: NaiveDate) -> ScoreOptions {
        ScoreOptions {
            as_of,
            horizon_days: 90,
            high_at: 0.7,
            medium_at: 0.4,
        }
    }

    #[test]
    fn empty_population_is_an_error() {
        let e = score_customers(&history(), &Scorer::BgNbd, &opts(day(2022, 1, 1))).unwrap_err();
        let as_of = day(2022, 1, 1);
        assert_eq!(
            e,
            ChurnError::NoCustomers {
                as_of,
                training: false
            }
        );
        assert!(
            e.to_string()
                .contains("on or before the as-of date 2022-01-01")
        );
    }

    #[test]
    fn tier_thresholds_are_checked() {
        let d = day(2023, 12, 31);
        for (medium_at, high_at) in [(0.8, 0.7), (-0.1, 0.5), (0.4, 1.5), (f64::NAN, 0.7)] {
            let o = ScoreOptions {
                medium_at,
                high_at,
                ..opts(d)
            };
            let e = score_customers(&history(), &Scorer::BgNbd, &o).unwrap_err();
            assert!(
                matches!(e, ChurnError::InvalidParameter { name: "tiers", .. }),
                "{e}"
            );
        }
        let o = ScoreOptions {
            medium_at: 0.5,
            high_at: 0.5,
            ..opts(d)
        };
        assert!(score_customers(&history(), &Scorer::BgNbd, &o).is_ok());
    }

    #[test]
    fn logistic_needs_a_training_window() {
        let e =
            score_customers(&history(), &Scorer::Logistic, &opts(day(2023, 1, 10))).unwrap_err();
        assert!(
            matches!(e, ChurnError::NoCustomers { training: true, .. }),
            "{e}"
        );
    }

    #[test]
    fn every_scorer_scores_every_customer_with_probabilities_in_range() {
        let tx = history();
        let o = opts(day(2023, 12, 31));
        for scorer in [
            Scorer::Rules(RuleSet::default()),
            Scorer::BgNbd,
            Scorer::Logistic,
        ] {
            let s = score_customers(&tx, &scorer, &o).unwrap();
            assert_eq!(s.scores.len(), 60);
            if !matches!(scorer, Scorer::Rules(_)) {
                assert!(s.scores.iter().all(|c| (0.0..=1.0).contains(&c.score)));
                for c in &s.scores {
                    assert_eq!(c.tier, RiskTier::from_score(c.score, 0.7, 0.4));
                }
            }
            if scorer == Scorer::Logistic {
                assert!(matches!(
                    s.notes[0],
                    ScoreNote::LogisticTrained { customers: 60, .. }
                ));
            }
        }
    }
}
