//! The one error type of `crm-model`.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Everything that can be wrong with model data.
///
/// Messages name the field and the offending value; errors raised while processing a slice of
/// records are wrapped in [`ModelError::AtRecord`], which adds the record's position (0-based index
/// into the slice the caller passed) so the caller can map it back to a file line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// An identifier was empty or only whitespace.
    #[error("{field}: identifier is empty")]
    EmptyId {
        /// The field that held the identifier.
        field: &'static str,
    },
    /// An identifier holds a control character (NUL, a line break, escape, ...; tab is allowed
    /// inside an id), which would corrupt output and comparisons.
    #[error("{field}: identifier {value:?} holds the control character {ch:?}")]
    ControlCharInId {
        /// The field that held the identifier.
        field: &'static str,
        /// The identifier as given (trimmed).
        value: String,
        /// The first control character.
        ch: char,
    },
    /// A money amount was negative where only non-negative amounts are allowed.
    #[error("{field}: amount {value} is negative (use a refund/return kind for money going back)")]
    NegativeAmount {
        /// The field.
        field: &'static str,
        /// The value given.
        value: Decimal,
    },
    /// A floating-point value was NaN or infinite.
    #[error("{field}: value {value} is not a finite number")]
    NotFinite {
        /// The field.
        field: &'static str,
        /// The value given.
        value: f64,
    },
    /// A score or count lies outside its allowed range.
    #[error("{field}: value {value} is outside the allowed range {min}..={max}")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// The value given.
        value: f64,
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value.
        max: f64,
    },
    /// Two dates that must be ordered are not (e.g. a ticket resolved before it was opened, a
    /// period whose end is not after its start).
    #[error("{field}: {later} is before {earlier}")]
    DatesOutOfOrder {
        /// The field (or pair of fields).
        field: &'static str,
        /// The date that should come first.
        earlier: NaiveDate,
        /// The date that should come later but does not.
        later: NaiveDate,
    },
    /// Two timestamps that must be ordered are not (e.g. a ticket resolved before it was opened).
    #[error("{field}: {later} is before {earlier}")]
    TimesOutOfOrder {
        /// The field (or pair of fields).
        field: &'static str,
        /// The time that should come first.
        earlier: chrono::NaiveDateTime,
        /// The time that should come later but does not.
        later: chrono::NaiveDateTime,
    },
    /// A date string could not be parsed.
    #[error("{field}: cannot parse {value:?} as a date ({expected})")]
    UnparseableDate {
        /// The field.
        field: &'static str,
        /// The text given.
        value: String,
        /// What was expected, e.g. a format string.
        expected: String,
    },
    /// A number string could not be parsed.
    #[error("{field}: cannot parse {value:?} as a number")]
    UnparseableNumber {
        /// The field.
        field: &'static str,
        /// The text given.
        value: String,
    },
    /// An event lies after the observation end of a summary.
    #[error("date {date} is after the observation end {end}")]
    AfterObservationEnd {
        /// The event's date.
        date: NaiveDate,
        /// The observation end.
        end: NaiveDate,
    },
    /// Amounts in different currencies were about to be combined.
    #[error("currency {found} differs from {expected} used by earlier records")]
    CurrencyMismatch {
        /// Currency of the first records.
        expected: crate::Currency,
        /// Currency of this record.
        found: crate::Currency,
    },
    /// A currency code is not three ASCII letters.
    #[error("currency code {0:?} is not three ASCII letters (ISO 4217)")]
    InvalidCurrency(String),
    /// A value that must be unknown to a set is not (e.g. a funnel stage name not in the funnel).
    #[error("{field}: unknown value {value:?}")]
    Unknown {
        /// The field.
        field: &'static str,
        /// The value given.
        value: String,
    },
    /// A parameter combination is invalid (e.g. holdout end before calibration end).
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// A sum, difference or product of money amounts left the range of `Decimal`
    /// (magnitudes up to about 7.9e28). Raised by [`crate::checked_amount_add`] and friends;
    /// callers that process a slice wrap it in [`ModelError::AtRecord`].
    #[error("{field}: adding {value} overflows the decimal range (magnitudes up to 7.9e28)")]
    AmountOverflow {
        /// What was being summed.
        field: &'static str,
        /// The amount whose addition (or product) overflowed.
        value: Decimal,
    },
    /// A structure sized by the data (e.g. a cohort matrix over every period between the first
    /// and the last date) would exceed a [`crate::Limits`] value.
    #[error(
        "{what}: {needed} periods between the first and last date exceed the limit of {limit} \
         (a date far in the past or future? raise `Limits::{field}` to allow it)"
    )]
    LimitExceeded {
        /// What was being built.
        what: &'static str,
        /// The [`crate::Limits`] field that applies.
        field: &'static str,
        /// Periods the data needs.
        needed: u64,
        /// The limit.
        limit: u64,
    },
    /// A date computation left the representable calendar range.
    #[error("date arithmetic overflowed the calendar range")]
    DateOverflow,
    /// More distinct customers than a [`crate::CustomerKey`] can index (2^32 - 1).
    #[error("too many distinct customers for a 32-bit key")]
    TooManyCustomers,
    /// A purchase history (x, t_x, T) that breaks the summary invariants (see
    /// [`crate::check_history`]).
    #[error("{field} = {value}: {reason}")]
    InvalidHistory {
        /// The field at fault: `"t_x"` or `"T"`.
        field: &'static str,
        /// Its value.
        value: f64,
        /// Which invariant it breaks.
        reason: &'static str,
    },
    /// The error happened at record `index` of the input slice.
    #[error("record {index}: {source}")]
    AtRecord {
        /// 0-based position of the record in the input.
        index: usize,
        /// What was wrong with it.
        #[source]
        source: Box<ModelError>,
    },
}

impl ModelError {
    /// Wraps this error with the position of the record that caused it.
    #[must_use]
    pub fn at_record(self, index: usize) -> Self {
        ModelError::AtRecord {
            index,
            source: Box::new(self),
        }
    }

    /// The innermost error, without [`ModelError::AtRecord`] wrappers.
    #[must_use]
    pub fn root(&self) -> &ModelError {
        match self {
            ModelError::AtRecord { source, .. } => source.root(),
            other => other,
        }
    }
}

/// Result alias for this crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;
