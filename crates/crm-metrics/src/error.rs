//! The one error type of `crm-metrics`.

use crm_model::ModelError;

/// Everything that can go wrong computing a metric.
///
/// Zero denominators and empty input are named errors (never NaN); invalid data coming from the
/// model types is wrapped as [`MetricsError::Model`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// An error of the model data (out-of-range value, currency mismatch, ...).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A metric was asked of no observations.
    #[error("{metric}: no observations")]
    Empty {
        /// The metric.
        metric: &'static str,
    },
    /// A metric's denominator is zero.
    #[error("{metric}: denominator {denominator} is zero")]
    ZeroDenominator {
        /// The metric.
        metric: &'static str,
        /// What the denominator counts.
        denominator: &'static str,
    },
    /// A parameter is outside its valid range.
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Its value, as text.
        value: String,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// Two states of different configuration (scale, funnel, unit) were merged or combined.
    #[error("cannot combine {what}: {left} vs {right}")]
    Incompatible {
        /// What differs.
        what: &'static str,
        /// Left value.
        left: String,
        /// Right value.
        right: String,
    },
}

/// Result alias for this crate.
pub type Result<T, E = MetricsError> = std::result::Result<T, E>;

pub(crate) fn ratio(
    num: f64,
    den: f64,
    metric: &'static str,
    denominator: &'static str,
) -> Result<f64> {
    if den == 0.0 {
        Err(MetricsError::ZeroDenominator {
            metric,
            denominator,
        })
    } else {
        Ok(num / den)
    }
}

/// `e` with the index of the record it is about: a model error inside
/// [`ModelError::AtRecord`]; other errors unchanged.
pub(crate) fn at_record(e: MetricsError, index: usize) -> MetricsError {
    match e {
        MetricsError::Model(m) => MetricsError::Model(m.at_record(index)),
        other => other,
    }
}
