//! # crm-metrics
//!
//! Facade module: `crm_metrics` = `crm_analytics::metrics`. Depend on `crm-analytics` and use
//! `crm_analytics::metrics::...`, or on this crate alone for a smaller tree.
//!
//! Definitional CRM metrics, each with its formula, variants, edge cases, a worked example and a
//! reference in its API docs (the glossary is `docs/metrics.md`):
//!
//! | module | metrics |
//! |---|---|
//! | [`activity`] | the inactivity rule (lapsed after N days without a purchase, default 90) and activity spells inferred from purchases |
//! | [`retention`] | customer retention (count form (E-N)/S, cohort form), churn with or without same-period joiners |
//! | [`revenue`] | gross and net MRR churn, GRR, NRR, quick ratio from MRR movements |
//! | [`satisfaction`] | NPS with standard error, Wald / adjusted-Wald intervals and a two-sample test; CSAT (top-2-box with Wilson interval, mean with t interval); CES v1/v2 |
//! | [`acquisition`] | CAC blended / paid / per channel, CAC payback, LTV:CAC |
//! | [`value`] | ARPU, AOV, purchase frequency, repeat purchase rate, historical and formula CLV |
//! | [`engagement`] | active customers, cohort retention matrices, funnels, complaint and referral rates |
//! | [`stats`] | normal / t quantiles, Wilson interval, p-values |
//!
//! ## Mergeable state
//! Every aggregate has a state type with `push`, `merge` and `finish`: split the input across
//! threads or machines, build one state per part, merge, and `finish` gives exactly the
//! single-pass result (property-tested).
//!
//! ```
//! use crm_analytics::metrics::satisfaction::{NpsInterval, NpsState};
//! let (mut a, mut b) = (NpsState::new(), NpsState::new());
//! a.push_raw(&[10, 9, 7, 3])?;
//! b.push_raw(&[9, 6, 10, 8])?;
//! a.merge(&b);
//! let nps = a.finish()?;
//! assert_eq!(nps.score, 25.0);                       // 4 promoters, 2 detractors of 8
//! let ci = nps.interval(0.95, NpsInterval::AdjustedWald)?;
//! assert!(ci.low < ci.high);
//! # Ok::<(), crm_analytics::metrics::MetricsError>(())
//! ```
//!
//! ## Conventions
//! Zero denominators and empty input give a named [`MetricsError`] or a documented `None`, never
//! NaN or a panic. Money stays [`rust_decimal::Decimal`](crm_model::rust_decimal::Decimal);
//! statistics are `f64`. Where authorities disagree the variant is an enum with a documented
//! default ([`retention::SamePeriodJoiners`], [`satisfaction::NpsInterval`],
//! [`satisfaction::CsatMeasure`], [`value::ArpuDenominator`], [`value::FirstMargin`],
//! [`engagement::CohortRetention`], [`engagement::FunnelOrder`]).

#![forbid(unsafe_code)]

pub mod acquisition;
pub mod activity;
pub mod engagement;
mod error;
pub mod group;
pub mod lifecycle;
mod periods;
pub mod retention;
pub mod revenue;
pub mod satisfaction;
pub mod stats;
pub mod value;

pub use crm_model as model;
pub use error::{MetricsError, Result};
