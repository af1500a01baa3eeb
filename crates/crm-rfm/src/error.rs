//! The one error type of `crm-rfm`.

use crm_model::ModelError;

/// Everything that can go wrong while computing, scoring or segmenting RFM values.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RfmError {
    /// Invalid model data (a transaction after the as-of date, mixed currencies, ...).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// There is nothing to score: no customer has a purchase.
    #[error("no customers to score: the input holds no purchases")]
    Empty,
    /// The number of score levels is outside `2..=100`.
    #[error("bins: {0} is not a valid number of score levels (allowed: 2..=100)")]
    InvalidBins(usize),
    /// Cut points are not usable (wrong count, not finite, not ascending).
    #[error("cut points for {dimension}: {reason}")]
    InvalidCutPoints {
        /// `recency_days`, `frequency` or `monetary`.
        dimension: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A segment map is not usable with the chosen number of bins.
    #[error("segment map: {0}")]
    InvalidSegmentMap(String),
    /// Two slices that must have the same length do not.
    #[error("{what}: expected {expected} items, got {found}")]
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Actual length.
        found: usize,
    },
    /// A sum of amounts left the decimal range.
    #[error("{field}: sum of amounts overflows the decimal range")]
    Overflow {
        /// The field being summed.
        field: &'static str,
    },
}

/// Result alias for this crate.
pub type Result<T, E = RfmError> = std::result::Result<T, E>;
