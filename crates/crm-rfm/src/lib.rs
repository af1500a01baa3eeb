//! # crm-rfm
//!
//! RFM (recency, frequency, monetary) scoring and named segments (to be filled by the RFM
//! issue): n-tile scores with explicit tie policies, fit-and-apply cut points, segment maps as
//! data, and a per-segment report.

#![forbid(unsafe_code)]

pub use crm_model as model;
