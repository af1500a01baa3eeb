//! # crm-dedup
//!
//! Customer deduplication and record linkage (to be filled by the dedup issue): normalisation of
//! English and Chinese contact data, blocking, field comparison, Fellegi-Sunter probabilistic
//! matching, clustering, golden records with provenance, and evaluation against known truth.

#![forbid(unsafe_code)]

pub use crm_model as model;
