//! # crm-analytics
//!
//! CRM analytics in Rust: one facade over the workspace's library crates.
//!
//! | module | crate | what it holds |
//! |---|---|---|
//! | [`model`] | `crm-model` | customers, transactions, interactions, surveys, MRR, funnels, time units, purchase summaries |
//! | [`metrics`] | `crm-metrics` | retention, churn, NPS/CSAT/CES, CAC, LTV, ARPU, AOV, cohorts, funnels |
//! | [`rfm`] | `crm-rfm` | RFM scores and named segments |
//! | [`clv`] | `crm-clv` | BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, sBG, Gamma-Gamma |
//! | [`dedup`] | `crm-dedup` | normalisation, blocking, matching, clustering, golden records |
//! | [`churn`] | `crm-churn` | churn labels, scores, survival curves, evaluation |
//! | [`demo`] | (this crate) | deterministic synthetic CRM data: customers with planted duplicates, BG/NBD purchases, surveys, tickets, MRR, funnel, spend |
//!
//! Depend on `crm-analytics` for everything, or on a single crate for a smaller tree.
//!
//! ```
//! use crm_analytics::model::{summarize, CustomerInterner, SummaryOptions, TimeUnit, Transaction};
//! use crm_analytics::model::chrono::NaiveDate;
//! let mut ids = CustomerInterner::new();
//! let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
//! let c = ids.intern("C-1")?;
//! let tx = [Transaction::purchase(c, d(1, 1), 10.into())?, Transaction::purchase(c, d(2, 1), 30.into())?];
//! let s = summarize(&tx, &SummaryOptions::new(d(3, 1), TimeUnit::Month))?;
//! assert_eq!((s.customers[0].frequency, s.customers[0].recency, s.customers[0].age), (1, 1.0, 2.0));
//! # Ok::<(), crm_analytics::model::ModelError>(())
//! ```

#![forbid(unsafe_code)]

pub mod demo;

pub use crm_churn as churn;
pub use crm_clv as clv;
pub use crm_dedup as dedup;
pub use crm_metrics as metrics;
pub use crm_model as model;
pub use crm_rfm as rfm;
