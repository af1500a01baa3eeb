//! # crm-metrics
//!
//! Definitional CRM metrics (to be filled by the metrics issue): customer retention and churn
//! (count and cohort forms, with or without same-period joiners), revenue churn and retention from
//! MRR movements (GRR, NRR, quick ratio), NPS / CSAT / CES with confidence intervals, CAC and
//! payback, LTV:CAC, formula and historical CLV, ARPU, AOV, repeat purchase rate, cohort retention
//! matrices and funnels. Every aggregate will have a mergeable `push`/`merge`/`finish` state.

#![forbid(unsafe_code)]

pub use crm_model as model;
