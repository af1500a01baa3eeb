//! The crate's error type.

use crm_model::ModelError;

/// Errors of crm-clv.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClvError {
    /// An error of the shared domain model.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// One input record is invalid (e.g. `t_x > T`, a negative weight, a NaN).
    #[error("record {index}: field {field} = {value}: {reason}")]
    InvalidRecord {
        /// 0-based position of the record in the input.
        index: usize,
        /// The offending field (`x`, `t_x`, `T`, `weight`, `zbar`, ...).
        field: &'static str,
        /// The value given.
        value: f64,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// Input slices that must have one entry per customer have different lengths.
    #[error("length mismatch: {what} has {found} entries, expected {expected}")]
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// Its length.
        found: usize,
        /// The expected length.
        expected: usize,
    },
    /// The data cannot identify the model (e.g. no repeat purchase at all, a single customer).
    #[error("degenerate data for {model}: {reason}")]
    DegenerateData {
        /// The model being fitted.
        model: &'static str,
        /// What makes the data degenerate.
        reason: String,
    },
    /// A model parameter is invalid (not finite, not positive, out of the supported range).
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// The value given.
        value: f64,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// The optimiser stopped before reaching a stationary point.
    #[error(
        "{model} fit did not converge after {iterations} iterations (log-likelihood {log_likelihood}, gradient norm {gradient_norm:e}); try a penalty or other starting values"
    )]
    NotConverged {
        /// The model being fitted.
        model: &'static str,
        /// Iterations used.
        iterations: u64,
        /// Log-likelihood at the last point.
        log_likelihood: f64,
        /// Gradient norm (of the mean objective, in log-parameter space) at the last point.
        gradient_norm: f64,
    },
    /// A saved parameter file (JSON) that cannot be used: invalid JSON, parameters of another
    /// model, a parameter missing or not a number.
    #[error("{message}")]
    ParamsFile {
        /// Line of the JSON error, when known.
        line: Option<u64>,
        /// The field at fault (`"model"` or a parameter name), when known.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A numerical routine failed (overflow, a series that did not converge, a failed line search).
    #[error("numerical failure in {what}: {reason}")]
    Numerical {
        /// The routine.
        what: &'static str,
        /// What happened.
        reason: String,
    },
}

/// Result alias of this crate.
pub type Result<T, E = ClvError> = std::result::Result<T, E>;
