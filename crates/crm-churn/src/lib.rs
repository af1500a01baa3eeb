//! # crm-churn
//!
//! Facade module: `crm_churn` = `crm_analytics::churn`. Depend on `crm-analytics` and use
//! `crm_analytics::churn::...`, or on this crate alone for a smaller tree.
//!
//! Churn risk a retention team can act on: who is likely to leave, how sure we are, and why.
//!
//! | step | items |
//! |---|---|
//! | labels | [`noncontractual_labels`], [`contractual_labels`], [`subscriptions_from_mrr`], [`time_split`] |
//! | features as of a date | [`compute_features`], [`CustomerFeatures`], [`Feature`], [`FeatureMatrix`] |
//! | rule scores | [`RuleSet`], [`Rule`], [`Condition`], [`RiskTier`] |
//! | logistic regression | [`LogisticModel`], [`LogisticOptions`], [`LogisticScore`], [`cross_validated_scores`], [`cross_validated_probabilities`] |
//! | model scores (crm-clv) | [`fit_bgnbd`], [`bgnbd_scores`] (P(no purchase), P(alive), expected purchases) |
//! | scoring every customer from transactions | [`score_customers`] with a [`Scorer`] (rules, BG/NBD, logistic), tiers and reasons |
//! | survival | [`KaplanMeier`], [`lifetimes_from_transactions`], [`lifetimes_from_subscriptions`] |
//! | scores from elsewhere, by customer | [`ScoreMatcher`] pairs them with labels into [`MatchedScores`] |
//! | evaluation | [`roc_auc`], [`pr_auc`], [`log_loss`], [`brier_score`], [`calibration_table`], [`cumulative_gains`], [`top_decile_lift`], [`precision_at_k`], [`evaluate`] |
//!
//! Each module's documentation carries the definitions and formulas ([`labels`], [`features`],
//! [`rules`], [`logistic`], [`model_scores`], [`survival`], [`matching`], [`eval`]); everything is also
//! re-exported at the crate root.
//!
//! Per-customer results are rows that carry the customer's key, in input order:
//! [`ChurnLabel`], [`RuleScore`], [`BgNbdScore`], [`LogisticScore`] (from
//! [`LogisticModel::score`] and [`cross_validated_scores`]) and [`LabelledSet::label_rows`].
//! [`LogisticModel::predict`] and [`cross_validated_probabilities`] are the low-level forms on a
//! [`FeatureMatrix`], with probabilities parallel to its rows.
//!
//! Conventions: `churned = true` is the positive class; a higher score means more likely to
//! churn; nothing computed "as of" a date looks past it. `docs/churn.md` explains which score to
//! use when and how to read AUC and lift.
//!
//! ```
//! use crm_analytics::model::chrono::NaiveDate;
//! use crm_analytics::churn::{compute_features, noncontractual_labels, roc_auc, FeatureOptions};
//! use crm_analytics::model::{CustomerKey, Transaction};
//! let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
//! let k = CustomerKey::from_index;
//! let tx = [
//!     Transaction::purchase(k(0), d(1, 3), 10.into())?,
//!     Transaction::purchase(k(1), d(3, 20), 10.into())?,
//!     Transaction::purchase(k(1), d(4, 20), 10.into())?,   // after as-of: a label, not a feature
//!     Transaction::purchase(k(2), d(2, 1), 10.into())?,
//! ];
//! let as_of = d(3, 31);
//! let f = compute_features(&tx, &[], &[], &FeatureOptions::new(as_of))?;
//! let y: Vec<bool> = noncontractual_labels(&tx, as_of, 60)?.iter().map(|l| l.churned).collect();
//! assert_eq!(y, [true, false, true]);
//! // Days since the last purchase ranks every churner above the stayer.
//! let recency: Vec<f64> = f.iter().map(|f| f.recency_days).collect();
//! assert_eq!(roc_auc(&recency, &y)?, 1.0);
//! # Ok::<(), crm_analytics::churn::ChurnError>(())
//! ```

#![forbid(unsafe_code)]

mod error;
pub mod eval;
pub mod features;
pub mod labels;
pub mod logistic;
pub mod matching;
pub mod model_scores;
pub mod rules;
pub mod score;
pub mod survival;

pub use crm_clv as clv;
pub use crm_model as model;
pub use error::{ChurnError, Result};
pub use eval::{
    CalibrationBin, Evaluation, GainPoint, brier_score, calibration_table, cumulative_gains,
    evaluate, log_loss, pr_auc, precision_at_k, roc_auc, top_decile_lift,
};
pub use features::{CustomerFeatures, Feature, FeatureMatrix, FeatureOptions, compute_features};
pub use labels::{
    ChurnLabel, LabelledSet, Subscription, TimeSplit, check_window_observed, contractual_labels,
    last_observed_day, noncontractual_labels, noncontractual_labels_grouped,
    subscriptions_from_mrr, time_split,
};
pub use logistic::{
    Contribution, LogisticModel, LogisticOptions, LogisticScore, cross_validated_probabilities,
    cross_validated_scores,
};
pub use matching::{MatchedScores, ScoreMatcher, ScoredTwice};
pub use model_scores::{BgNbdScore, DAYS_PER_WEEK, bgnbd_scores, fit_bgnbd};
pub use rules::{Condition, RiskTier, Rule, RuleScore, RuleSet};
pub use score::{
    CustomerScore, LOGISTIC_FEATURES, ScoreNote, ScoreOptions, ScoreReasons, Scored, Scorer,
    score_customers,
};
pub use survival::{
    ConfidenceBand, KaplanMeier, KmStep, Lifetime, lifetimes_from_subscriptions,
    lifetimes_from_transactions,
};
