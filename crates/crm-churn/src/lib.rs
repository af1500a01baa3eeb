//! # crm-churn
//!
//! Churn risk (to be filled by the churn issue): churn labels without leakage, features as of a
//! date, rule scores, logistic scores, scores from CLV models, Kaplan-Meier survival curves and
//! honest evaluation (ROC AUC, PR AUC, calibration, lift).

#![forbid(unsafe_code)]

pub use crm_model as model;
