//! The crate's error: why a report could not be built at all.
//!
//! A section that lacks its input is not an error: it is listed in the report's `missing` list
//! with what it needs. Only inputs that leave nothing to report are errors.

/// Why a report could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The transactions are empty, so there is no as-of date and nothing to report.
    #[error("the transaction file has no rows: nothing to report")]
    NoTransactions,
    /// The purchase summaries behind every section could not be computed.
    #[error(transparent)]
    Model(#[from] crm_model::ModelError),
}

/// Result alias.
pub type Result<T, E = ReportError> = std::result::Result<T, E>;
