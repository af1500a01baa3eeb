//! Rule scores: the practice the field starts with, kept as data.
//!
//! A [`RuleSet`] is a list of named conditions on [`CustomerFeatures`], each with a weight, plus
//! two thresholds that turn the weight of the fired rules into a [`RiskTier`]. It is plain serde
//! data, so a retention team can edit a JSON file instead of code:
//!
//! ```json
//! { "rules": [
//!     { "name": "no_order_90d",  "when": { "kind": "no_order_for_days", "days": 90 }, "weight": 2 },
//!     { "name": "complaint_30d", "when": { "kind": "complaint_in_last_days", "days": 30 }, "weight": 2 }
//!   ],
//!   "high_at": 3, "medium_at": 1 }
//! ```
//!
//! ```text
//! points = sum of the weights of the rules that fire
//! score  = points / sum of all weights            in [0, 1]
//! tier   = high if points >= high_at, medium if points >= medium_at, else low
//! ```
//!
//! Rules are transparent and need no labels, which is why teams start with them; they rank
//! coarsely (many ties), so measure them with [`crate::evaluate`] against a model score before
//! trusting them. Reference: Blattberg, Kim & Neslin (2008), *Database Marketing*, ch. 24.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{ChurnError, Result};
use crate::features::CustomerFeatures;

/// A condition on one customer's features.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Condition {
    /// No interaction for at least `days` days. Customers never contacted do not fire it
    /// (absent data is not evidence).
    NoContactForDays {
        /// Threshold in days.
        days: f64,
    },
    /// No purchase for at least `days` days (`recency_days >= days`).
    NoOrderForDays {
        /// Threshold in days.
        days: f64,
    },
    /// A complaint opened less than `days` days before the end of the as-of day
    /// (`days_since_complaint < days`).
    ComplaintInLastDays {
        /// Window in days.
        days: f64,
    },
    /// At least `at_least` complaints or tickets still open.
    UnresolvedTickets {
        /// Threshold.
        at_least: u32,
    },
    /// Falling frequency: purchases in the last trend window below `ratio` times the window
    /// before (which must have had at least one purchase).
    FallingFrequency {
        /// E.g. 0.5 = fewer than half as many purchases as before.
        ratio: f64,
    },
    /// Current gap at least `ratio` times the customer's usual gap (repeat buyers only).
    LateVersusUsualGap {
        /// E.g. 2.0 = twice the usual gap.
        ratio: f64,
    },
    /// Latest NPS answer at most `at_most` (e.g. 6 = a detractor).
    LowNps {
        /// Threshold on 0..=10.
        at_most: u8,
    },
    /// Latest CSAT answer at most `at_most` on the [0, 1] rescaled scale (0.25 = 2 on 1..5).
    LowCsat {
        /// Threshold on [0, 1].
        at_most: f64,
    },
}

impl Condition {
    /// True when the condition holds for `f`.
    #[must_use]
    pub fn holds(&self, f: &CustomerFeatures) -> bool {
        match *self {
            Condition::NoContactForDays { days } => f.days_since_contact.is_some_and(|d| d >= days),
            Condition::NoOrderForDays { days } => f.recency_days >= days,
            Condition::ComplaintInLastDays { days } => {
                f.days_since_complaint.is_some_and(|d| d < days)
            }
            Condition::UnresolvedTickets { at_least } => f.unresolved_tickets >= at_least,
            Condition::FallingFrequency { ratio } => {
                f.purchases_prev_window > 0
                    && f64::from(f.purchases_last_window)
                        < ratio * f64::from(f.purchases_prev_window)
            }
            Condition::LateVersusUsualGap { ratio } => f.gap_ratio.is_some_and(|g| g >= ratio),
            Condition::LowNps { at_most } => f.last_nps.is_some_and(|v| v <= at_most),
            Condition::LowCsat { at_most } => f.last_csat.is_some_and(|v| v <= at_most),
        }
    }
}

fn one() -> f64 {
    1.0
}

/// A named, weighted rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Name listed in a customer's reasons when the rule fires.
    pub name: String,
    /// The condition.
    pub when: Condition,
    /// Points added when it fires (default 1).
    #[serde(default = "one")]
    pub weight: f64,
}

/// Risk tier of a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RiskTier {
    /// Below `medium_at` points.
    Low,
    /// At least `medium_at` points.
    Medium,
    /// At least `high_at` points.
    High,
}

impl fmt::Display for RiskTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RiskTier::Low => "low",
            RiskTier::Medium => "medium",
            RiskTier::High => "high",
        })
    }
}

impl RiskTier {
    /// Tier of a probability-like score with cut-offs `high_at` and `medium_at` (used for model
    /// scores, where tiers come from the score rather than from rule points).
    #[must_use]
    pub fn from_score(score: f64, high_at: f64, medium_at: f64) -> Self {
        if score >= high_at {
            RiskTier::High
        } else if score >= medium_at {
            RiskTier::Medium
        } else {
            RiskTier::Low
        }
    }
}

/// Rules and tier thresholds (in points).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    /// The rules.
    pub rules: Vec<Rule>,
    /// Points from which a customer is high risk.
    pub high_at: f64,
    /// Points from which a customer is medium risk.
    pub medium_at: f64,
}

/// One customer's rule score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleScore {
    /// The customer.
    pub customer: crm_model::CustomerKey,
    /// Fired weight over total weight, in [0, 1].
    pub score: f64,
    /// Sum of the fired weights.
    pub points: f64,
    /// Risk tier.
    pub tier: RiskTier,
    /// Names of the rules that fired, in rule order.
    pub fired: Vec<String>,
}

impl Default for RuleSet {
    /// The starter set: no order for 90 days (2 points), a complaint in the last 30 days (2),
    /// an unresolved ticket (1), falling frequency (1: under half the purchases of the window
    /// before), twice the usual gap (1), no contact for 15 days (1), NPS at most 6 (1), CSAT at
    /// most 0.25 (1); high from 3 points, medium from 1.
    fn default() -> Self {
        let r = |name: &str, when, weight| Rule {
            name: name.into(),
            when,
            weight,
        };
        RuleSet {
            rules: vec![
                r(
                    "no_order_90d",
                    Condition::NoOrderForDays { days: 90.0 },
                    2.0,
                ),
                r(
                    "complaint_30d",
                    Condition::ComplaintInLastDays { days: 30.0 },
                    2.0,
                ),
                r(
                    "unresolved_ticket",
                    Condition::UnresolvedTickets { at_least: 1 },
                    1.0,
                ),
                r(
                    "falling_frequency",
                    Condition::FallingFrequency { ratio: 0.5 },
                    1.0,
                ),
                r(
                    "late_vs_usual_gap",
                    Condition::LateVersusUsualGap { ratio: 2.0 },
                    1.0,
                ),
                r(
                    "no_contact_15d",
                    Condition::NoContactForDays { days: 15.0 },
                    1.0,
                ),
                r("low_nps", Condition::LowNps { at_most: 6 }, 1.0),
                r("low_csat", Condition::LowCsat { at_most: 0.25 }, 1.0),
            ],
            high_at: 3.0,
            medium_at: 1.0,
        }
    }
}

impl RuleSet {
    /// Validates the set: at least one rule, unique names, finite non-negative weights with a
    /// positive total, finite thresholds with `medium_at <= high_at`.
    ///
    /// # Errors
    /// [`ChurnError::InvalidParameter`] naming the rule or threshold.
    pub fn check(&self) -> Result<()> {
        let bad = |reason: String| ChurnError::InvalidParameter {
            name: "rule set",
            reason,
        };
        if self.rules.is_empty() {
            return Err(bad("no rules".into()));
        }
        let mut names: Vec<&str> = self.rules.iter().map(|r| r.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(bad(format!("rule name {:?} appears twice", w[0])));
        }
        for r in &self.rules {
            if !(r.weight.is_finite() && r.weight >= 0.0) {
                return Err(bad(format!(
                    "rule {:?}: weight {} must be finite and >= 0",
                    r.name, r.weight
                )));
            }
        }
        if self.rules.iter().map(|r| r.weight).sum::<f64>() <= 0.0 {
            return Err(bad("the weights sum to 0".into()));
        }
        if !(self.high_at.is_finite()
            && self.medium_at.is_finite()
            && self.medium_at <= self.high_at)
        {
            return Err(bad(format!(
                "thresholds must be finite with medium_at <= high_at (got medium_at {}, high_at {})",
                self.medium_at, self.high_at
            )));
        }
        Ok(())
    }

    /// Scores every customer.
    ///
    /// # Errors
    /// As [`RuleSet::check`].
    ///
    /// ```
    /// use crm_analytics::model::chrono::NaiveDate;
    /// use crm_analytics::churn::{compute_features, FeatureOptions, RiskTier, RuleSet};
    /// use crm_analytics::model::{CustomerKey, Transaction};
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let (a, b) = (CustomerKey::from_index(0), CustomerKey::from_index(1));
    /// let tx = [
    ///     Transaction::purchase(a, d(1, 2), 10.into())?,   // silent for 120 days
    ///     Transaction::purchase(b, d(4, 20), 10.into())?,
    ///     Transaction::purchase(b, d(4, 25), 10.into())?,
    /// ];
    /// let f = compute_features(&tx, &[], &[], &FeatureOptions::new(d(5, 1)))?;
    /// let s = RuleSet::default().score(&f)?;
    /// // 120 days silent, and 1 purchase in the 90 days before the last 90 against 0 since.
    /// assert_eq!(s[0].fired, ["no_order_90d", "falling_frequency"]);
    /// assert_eq!((s[0].points, s[0].tier), (3.0, RiskTier::High));
    /// assert_eq!((s[1].points, s[1].tier), (0.0, RiskTier::Low));
    /// # Ok::<(), crm_analytics::churn::ChurnError>(())
    /// ```
    pub fn score(&self, features: &[CustomerFeatures]) -> Result<Vec<RuleScore>> {
        self.check()?;
        let total: f64 = self.rules.iter().map(|r| r.weight).sum();
        Ok(features
            .iter()
            .map(|f| {
                let mut points = 0.0;
                let mut fired = Vec::new();
                for r in &self.rules {
                    if r.when.holds(f) {
                        points += r.weight;
                        fired.push(r.name.clone());
                    }
                }
                let tier = if points >= self.high_at {
                    RiskTier::High
                } else if points >= self.medium_at {
                    RiskTier::Medium
                } else {
                    RiskTier::Low
                };
                RuleScore {
                    customer: f.customer,
                    score: (points / total).clamp(0.0, 1.0),
                    points,
                    tier,
                    fired,
                }
            })
            .collect())
    }
}
