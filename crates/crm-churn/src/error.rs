//! The one error type of `crm-churn`.

use crm_model::ModelError;

/// Everything that can go wrong while labelling, scoring, fitting or evaluating churn.
///
/// Messages name the input, the field and the offending value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ChurnError {
    /// An error in the model data (a transaction, an interaction, a survey response).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// An input that must not be empty was empty.
    #[error("{what}: input is empty")]
    Empty {
        /// Which input.
        what: &'static str,
    },
    /// Two inputs that must have one entry per customer have different lengths.
    #[error("{what}: lengths differ ({left} vs {right})")]
    LengthMismatch {
        /// Which pair of inputs.
        what: &'static str,
        /// Length of the first.
        left: usize,
        /// Length of the second.
        right: usize,
    },
    /// A value was NaN or infinite.
    #[error("{field}: value {value} at position {index} is not a finite number")]
    NotFinite {
        /// The field (score, feature name, ...).
        field: String,
        /// 0-based position of the value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A value lies outside its allowed range (e.g. a probability outside [0, 1]).
    #[error("{field}: value {value} at position {index} is outside {min}..={max}")]
    OutOfRange {
        /// The field.
        field: String,
        /// 0-based position.
        index: usize,
        /// The value.
        value: f64,
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value.
        max: f64,
    },
    /// The label window runs past the end of the observed data, so customers who did buy after
    /// the data ends would be labelled churned.
    #[error(
        "the churn window ({as_of}, {window_end}] runs past the data, observed until {observed_until}: \
         choose an as-of date and horizon that end by {observed_until}, or say when the data \
         really ends (observed until)"
    )]
    WindowNotObserved {
        /// The as-of date of the labels.
        as_of: chrono::NaiveDate,
        /// The last day of the label window (as-of + horizon).
        window_end: chrono::NaiveDate,
        /// The last day the data observes.
        observed_until: chrono::NaiveDate,
    },
    /// A parameter is invalid.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Why.
        reason: String,
    },
    /// Only one class is present in the labels, so the metric or model is undefined.
    #[error("{what}: every label is {class} (churned = true); it needs both churners and stayers")]
    OneClass {
        /// The metric or model.
        what: &'static str,
        /// The single label value present.
        class: bool,
    },
    /// An iterative fit did not converge.
    #[error("{what} did not converge in {iterations} iterations (last change {change:e})")]
    NoConvergence {
        /// The model.
        what: &'static str,
        /// Iterations run.
        iterations: usize,
        /// Size of the last step.
        change: f64,
    },
    /// A linear system was singular (e.g. a constant feature with no penalty, or perfect
    /// separation).
    #[error("{what}: the system is singular ({reason})")]
    Singular {
        /// The model.
        what: &'static str,
        /// Likely cause.
        reason: String,
    },
    /// Nobody to score or to train on: no customer bought on or before `as_of` (with
    /// `training`, the logistic scorer's training date: the as-of date minus the horizon).
    #[error("{}", no_customers_text(*as_of, *training))]
    NoCustomers {
        /// The date nobody bought by.
        as_of: chrono::NaiveDate,
        /// Whether it is the logistic scorer's training date.
        training: bool,
    },
    /// Training the logistic scorer of [`crate::score_customers`] on features as of
    /// `train_as_of` with labels up to `labels_until` failed.
    #[error(
        "training the logistic model on features as of {train_as_of} with labels up to {labels_until}: {source}"
    )]
    Training {
        /// The training features' as-of date (the as-of date minus the horizon).
        train_as_of: chrono::NaiveDate,
        /// The last day of the training labels (the as-of date).
        labels_until: chrono::NaiveDate,
        /// Why training failed.
        source: Box<ChurnError>,
    },
    /// A CLV model (BG/NBD) failed to fit or was given invalid histories.
    #[error("BG/NBD: {0}")]
    Clv(#[from] crm_clv::ClvError),
}

/// Result alias for this crate.
pub type Result<T, E = ChurnError> = std::result::Result<T, E>;

/// Checks that every value is finite, naming the field and position of the first that is not.
pub(crate) fn check_finite(field: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(index) => Err(ChurnError::NotFinite {
            field: field.to_string(),
            index,
            value: values[index],
        }),
    }
}

impl ChurnError {
    /// The model-data error inside, directly or through the BG/NBD fit (e.g. a transaction
    /// wrapped in [`ModelError::AtRecord`], which a reader maps back to its file line).
    #[must_use]
    pub fn model_error(&self) -> Option<&ModelError> {
        match self {
            ChurnError::Model(m) | ChurnError::Clv(crm_clv::ClvError::Model(m)) => Some(m),
            _ => None,
        }
    }
}

fn no_customers_text(as_of: chrono::NaiveDate, training: bool) -> String {
    match training {
        false => format!("no customer has a purchase on or before the as-of date {as_of}"),
        true => format!(
            "the logistic model trains on customers who bought by {as_of} (the as-of date minus the horizon); there are none"
        ),
    }
}
