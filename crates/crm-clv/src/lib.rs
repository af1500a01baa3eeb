//! # crm-clv
//!
//! Probabilistic customer-base models (to be filled by the CLV issue): BG/NBD, MBG/NBD,
//! Pareto/NBD, BG/BB, shifted-beta-geometric (sBG) and Gamma-Gamma; maximum-likelihood fitting,
//! P(alive), conditional expected purchases and expected customer lifetime value.

#![forbid(unsafe_code)]

pub use crm_model as model;
