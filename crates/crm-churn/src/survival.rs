//! Kaplan-Meier survival curves of customer lifetimes with right censoring, median lifetime
//! and a Greenwood confidence band.
//!
//! ```text
//! at distinct times t_1 < t_2 < ...:  n_i = lifetimes >= t_i (at risk),  d_i = churns at t_i
//! S(t)        = prod_{t_i <= t} (1 - d_i / n_i)                   (S = 1 before t_1)
//! Greenwood   Var S(t) = S(t)^2 * sum_{t_i <= t} d_i / (n_i (n_i - d_i))
//! median      = the first t_i with S(t_i) <= 0.5                   (None if S stays above 0.5)
//! band, log-log (default; lifelines' "exponential Greenwood"):
//!   c = sum d_i / (n_i (n_i - d_i));   S^(exp(+-z sqrt(c) / ln S))
//!   i.e. exp(-exp(ln(-ln S) -+ z sqrt(c) / ln S)), always inside [0, 1]
//! band, plain: S +- z sqrt(Var S), clipped to [0, 1]
//! ```
//!
//! Censored lifetimes (still a customer at the end of observation) leave the risk set after
//! their time without counting as churn; a churn and a censoring at the same time: the churn
//! counts first (the censored customer is still at risk at that time), as in lifelines and R's
//! `survival`. Where S = 1 the band is [1, 1]; where S = 0 it is [0, 0].
//!
//! References: Kaplan & Meier (1958), *JASA* 53; Greenwood (1926); Kalbfleisch & Prentice
//! (2002), *The Statistical Analysis of Failure Time Data*, section 1.4 (log-log band).

use chrono::NaiveDate;
use crm_metrics::activity::Inactivity;
use crm_model::{CustomerGroups, CustomerKey, Transaction};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::error::{ChurnError, Result};
use crate::labels::Subscription;

/// How the confidence band is built from Greenwood's variance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfidenceBand {
    /// On the log(-log S) scale (lifelines' default; stays inside [0, 1]; default).
    #[default]
    LogLog,
    /// Symmetric `S +- z sd`, clipped to [0, 1].
    Plain,
}

/// One step of a Kaplan-Meier curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KmStep {
    /// The time (in the unit of the input durations).
    pub time: f64,
    /// Lifetimes still at risk just before `time`.
    pub at_risk: usize,
    /// Churns at `time`.
    pub events: usize,
    /// Censorings at `time`.
    pub censored: usize,
    /// S(time).
    pub survival: f64,
    /// Greenwood's variance of S(time).
    pub variance: f64,
    /// Lower end of the confidence band.
    pub lower: f64,
    /// Upper end of the confidence band.
    pub upper: f64,
}

/// A fitted Kaplan-Meier curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KaplanMeier {
    /// One step per distinct time (churn or censoring), ascending.
    pub steps: Vec<KmStep>,
    /// Number of lifetimes.
    pub n: usize,
    /// Number of observed churns.
    pub events: usize,
    /// Confidence level of the band (e.g. 0.95).
    pub level: f64,
    /// Band construction.
    pub band: ConfidenceBand,
}

impl KaplanMeier {
    /// Fits the curve to `durations` with `observed[i] = true` when lifetime `i` ended in churn
    /// (false = censored).
    ///
    /// # Errors
    /// [`ChurnError::Empty`], [`ChurnError::LengthMismatch`]; [`ChurnError::NotFinite`] or
    /// [`ChurnError::OutOfRange`] for a negative duration; [`ChurnError::InvalidParameter`] for
    /// a level outside (0, 1).
    ///
    /// ```
    /// use crm_analytics::churn::{ConfidenceBand, KaplanMeier};
    /// // Lifetimes 2, 3+, 4, 4, 6+ (+ = censored).
    /// let km = KaplanMeier::fit(&[2.0, 3.0, 4.0, 4.0, 6.0], &[true, false, true, true, false],
    ///                           0.95, ConfidenceBand::LogLog)?;
    /// assert_eq!(km.survival_at(2.0), 0.8);              // 1 - 1/5
    /// assert!((km.survival_at(4.0) - 0.8 * (1.0 - 2.0 / 3.0)).abs() < 1e-12);
    /// assert_eq!(km.median(), Some(4.0));
    /// # Ok::<(), crm_analytics::churn::ChurnError>(())
    /// ```
    pub fn fit(
        durations: &[f64],
        observed: &[bool],
        level: f64,
        band: ConfidenceBand,
    ) -> Result<Self> {
        if durations.is_empty() {
            return Err(ChurnError::Empty { what: "durations" });
        }
        if durations.len() != observed.len() {
            return Err(ChurnError::LengthMismatch {
                what: "durations vs observed",
                left: durations.len(),
                right: observed.len(),
            });
        }
        crate::error::check_finite("duration", durations)?;
        if let Some(index) = durations.iter().position(|&d| d < 0.0) {
            return Err(ChurnError::OutOfRange {
                field: "duration".into(),
                index,
                value: durations[index],
                min: 0.0,
                max: f64::INFINITY,
            });
        }
        if !(level > 0.0 && level < 1.0) {
            return Err(ChurnError::InvalidParameter {
                name: "level",
                reason: format!("confidence level must be in (0, 1), got {level}"),
            });
        }
        let z = Normal::standard().inverse_cdf(1.0 - (1.0 - level) / 2.0);
        let mut idx: Vec<usize> = (0..durations.len()).collect();
        idx.sort_by(|&a, &b| durations[a].total_cmp(&durations[b]));
        let n = durations.len();
        let mut at_risk = n;
        let mut s = 1.0;
        let mut c = 0.0;
        let mut steps = Vec::new();
        let mut i = 0;
        while i < n {
            let t = durations[idx[i]];
            let (mut d, mut cens) = (0usize, 0usize);
            while i < n && durations[idx[i]] == t {
                if observed[idx[i]] {
                    d += 1;
                } else {
                    cens += 1;
                }
                i += 1;
            }
            if d > 0 {
                s *= 1.0 - d as f64 / at_risk as f64;
                if at_risk > d {
                    c += d as f64 / (at_risk as f64 * (at_risk - d) as f64);
                }
            }
            let variance = if s > 0.0 { s * s * c } else { 0.0 };
            let (lower, upper) = if s >= 1.0 {
                (1.0, 1.0)
            } else if s <= 0.0 {
                (0.0, 0.0)
            } else {
                match band {
                    ConfidenceBand::LogLog => {
                        let ls = s.ln();
                        let h = z * c.sqrt() / ls; // negative
                        let lo = (-((-ls).ln() - h).exp()).exp();
                        let hi = (-((-ls).ln() + h).exp()).exp();
                        (lo, hi)
                    }
                    ConfidenceBand::Plain => {
                        let sd = variance.sqrt();
                        ((s - z * sd).max(0.0), (s + z * sd).min(1.0))
                    }
                }
            };
            steps.push(KmStep {
                time: t,
                at_risk,
                events: d,
                censored: cens,
                survival: s,
                variance,
                lower,
                upper,
            });
            at_risk -= d + cens;
        }
        Ok(KaplanMeier {
            events: observed.iter().filter(|&&o| o).count(),
            steps,
            n,
            level,
            band,
        })
    }

    /// S(t): the step function, 1 before the first time.
    #[must_use]
    pub fn survival_at(&self, t: f64) -> f64 {
        let k = self.steps.partition_point(|s| s.time <= t);
        if k == 0 {
            1.0
        } else {
            self.steps[k - 1].survival
        }
    }

    /// Median lifetime: the first time with S <= 0.5; `None` when the curve stays above 0.5
    /// (more than half the customers outlive the observation).
    #[must_use]
    pub fn median(&self) -> Option<f64> {
        self.steps
            .iter()
            .find(|s| s.survival <= 0.5)
            .map(|s| s.time)
    }

    /// Confidence interval of the median (Brookmeyer & Crowley 1982, read off the band): the
    /// first times where the lower and the upper band reach 0.5; `None` for an end the band
    /// never reaches.
    #[must_use]
    pub fn median_band(&self) -> (Option<f64>, Option<f64>) {
        let first = |f: fn(&KmStep) -> f64| self.steps.iter().find(|s| f(s) <= 0.5).map(|s| s.time);
        (first(|s| s.lower), first(|s| s.upper))
    }
}

/// A customer lifetime: how long, and whether it ended in churn or is censored.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Lifetime {
    /// The customer.
    pub customer: CustomerKey,
    /// Duration in days.
    pub days: f64,
    /// True when the lifetime ended in (inferred or observed) churn; false = censored.
    pub churned: bool,
}

/// Non-contractual lifetimes as of a date, with churn inferred from inactivity:
///
/// ```text
/// churned  = as_of - last purchase >= inactivity_days   -> days = last purchase - first purchase
/// censored = otherwise                                   -> days = as_of - first purchase
/// ```
///
/// Churn is the shared inactivity rule of `crm_metrics::activity::Inactivity` (the same one
/// the report's retention uses). Only purchases on or before `as_of` count. The inferred churn date (the last purchase) is a
/// proxy: the true moment a silent customer left is never observed (see `docs/churn.md`).
///
/// # Errors
/// [`ChurnError::Model`] when grouping fails; [`ChurnError::InvalidParameter`] for
/// `inactivity_days` = 0.
pub fn lifetimes_from_transactions(
    tx: &[Transaction],
    as_of: NaiveDate,
    inactivity_days: u32,
) -> Result<Vec<Lifetime>> {
    let rule = Inactivity::new(inactivity_days).map_err(|e| ChurnError::InvalidParameter {
        name: "inactivity_days",
        reason: e.to_string(),
    })?;
    let groups = CustomerGroups::new(tx)?;
    let mut out = Vec::new();
    for (customer, idx) in groups.iter() {
        let mut range: Option<(NaiveDate, NaiveDate)> = None;
        for &i in idx {
            let Some(t) = tx.get(i as usize) else {
                continue;
            };
            if t.is_purchase() && t.date() <= as_of {
                let d = t.date();
                range = Some(range.map_or((d, d), |(a, b)| (a.min(d), b.max(d))));
            }
        }
        if let Some((first, last)) = range {
            let churned = rule.is_lapsed(last, as_of);
            let end = if churned { last } else { as_of };
            out.push(Lifetime {
                customer,
                days: (end - first).num_days() as f64,
                churned,
            });
        }
    }
    Ok(out)
}

/// Contractual lifetimes as of a date: subscriptions started on or before `as_of`; ended on or
/// before `as_of` = churned after `end - start` days, otherwise censored at `as_of - start`
/// (a cancellation after `as_of` is not known yet and is not used).
#[must_use]
pub fn lifetimes_from_subscriptions(
    subscriptions: &[Subscription],
    as_of: NaiveDate,
) -> Vec<Lifetime> {
    subscriptions
        .iter()
        .filter(|s| s.start <= as_of)
        .map(|s| match s.end {
            Some(e) if e <= as_of => Lifetime {
                customer: s.customer,
                days: (e - s.start).num_days().max(0) as f64,
                churned: true,
            },
            _ => Lifetime {
                customer: s.customer,
                days: (as_of - s.start).num_days() as f64,
                churned: false,
            },
        })
        .collect()
}
