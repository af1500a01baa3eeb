//! # crm-clv
//!
//! Facade module: `crm_clv` = `crm_analytics::clv`. Depend on `crm-analytics` and use
//! `crm_analytics::clv::...`, or on this crate alone for a smaller tree.
//!
//! Probabilistic "buy till you die" customer-base models and the spend model: BG/NBD,
//! MBG/NBD, Pareto/NBD, BG/BB, shifted-beta-geometric (sBG) and Gamma-Gamma. Maximum-likelihood
//! fitting on grouped, weighted histories; P(alive), conditional expected purchases, churn
//! scores and expected customer lifetime value.
//!
//! ## Quick start
//! ```
//! use crm_analytics::clv::{BgNbd, FitOptions, Histories, History, PurchaseModel};
//! let truth = BgNbd::new(0.25, 4.0, 0.8, 2.5)?;
//! let ages = vec![39.0; 5_000];
//! let sim = truth.simulate(&ages, 7);
//! let data = Histories::from_weighted(sim.iter().map(|h| (*h, 1.0)))?;
//! let fit = BgNbd::fit(&data, &FitOptions::default())?;
//! assert!(fit.report.converged);
//! let p = fit.params.p_alive(&History::new(3, 20.0, 39.0));
//! assert!(p > 0.0 && p < 1.0);
//! # Ok::<(), crm_analytics::clv::ClvError>(())
//! ```
//!
//! ## Time units
//! The models have no unit of their own: t_x, T, horizons and the rate parameters (alpha,
//! beta, gamma scale) are all in the unit the data was summarised in. Fit in weeks, predict in
//! weeks.
//!
//! ## Parallelism
//! The BG/NBD, MBG/NBD and Pareto/NBD likelihoods on large inputs and the batch methods
//! ([`PurchaseModel::predict_batch`], [`PurchaseModel::discounted_purchases_if_alive_batch`],
//! [`predict_clv_batch`]) run on rayon: on the caller's pool inside `ThreadPool::install`, else
//! on rayon's global pool; the crate starts no threads of its own. Results do not depend on the
//! number of threads.
//!
//! ## Per-customer results
//! [`predict_rows`] (P(alive), expected purchases, P(no purchase)) and [`predict_clv_rows`]
//! (the same at the CLV horizon, with the discounted CLV per unit of spend, the Gamma-Gamma
//! spend and the CLV) take purchase summaries and return one row per customer that carries its
//! key, in input order. [`PurchaseModel::predict_batch`] and [`predict_clv_batch`] are the
//! low-level forms on [`History`] slices, with results parallel to the input.

#![forbid(unsafe_code)]
// Numerical code: `!(x > 0.0)` deliberately also rejects NaN, and index loops mirror the
// formulas (matrices, parameter vectors).
#![allow(clippy::neg_cmp_op_on_partial_ord, clippy::needless_range_loop)]

mod bg_family;
mod bgbb;
mod bgnbd;
mod clv;
mod data;
pub mod diagnostics;
mod discount;
mod error;
mod gamma_gamma;
pub mod intervals;
mod mbgnbd;
mod optim;
mod parallel;
mod pareto;
mod purchase;
pub mod rng;
mod rows;
mod saved;
mod sbg;
mod special;
mod tabulate;

pub use bgbb::BgBb;
pub use bgnbd::BgNbd;
pub use clv::{ClvPrediction, discounted_purchases_if_alive, expected_clv, predict_clv_batch};
pub use data::{Histories, History, MAX_TOTAL_WEIGHT};
pub use diagnostics::{Diagnostics, DiagnosticsOptions, diagnose};
pub use discount::{ClvOptions, unit_ratio};
pub use error::{ClvError, Result};
pub use gamma_gamma::{GammaGamma, Spends};
pub use intervals::{Interval, IntervalOptions, Intervals, PredictionInterval};
pub use mbgnbd::MbgNbd;
pub use optim::{Covariance, FitOptions, FitReport, Fitted};
pub use pareto::ParetoNbd;
pub use purchase::{Prediction, PurchaseModel};
pub use rows::{ClvRow, PredictionRow, predict_clv_rows, predict_rows};
pub use saved::{
    FitSummary, InputPrediction, ModelKind, NamedParams, PurchaseParams, SummaryInput,
};
pub use sbg::Sbg;

pub use crm_model as model;
