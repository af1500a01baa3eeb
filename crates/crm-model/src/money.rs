//! Money: amounts are [`rust_decimal::Decimal`]; currencies are ISO 4217 codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// An ISO 4217 currency code such as `USD` or `CNY`: three ASCII letters, stored upper-case in
/// four bytes.
///
/// ```
/// use crm_analytics::model::Currency;
/// let c: Currency = "cny".parse()?;
/// assert_eq!(c.as_str(), "CNY");
/// assert!("US".parse::<Currency>().is_err());
/// # Ok::<(), crm_analytics::model::ModelError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// The code as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Always ASCII by construction.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl FromStr for Currency {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim().as_bytes();
        if t.len() != 3 || !t.iter().all(u8::is_ascii_alphabetic) {
            return Err(ModelError::InvalidCurrency(s.to_string()));
        }
        Ok(Currency([
            t[0].to_ascii_uppercase(),
            t[1].to_ascii_uppercase(),
            t[2].to_ascii_uppercase(),
        ]))
    }
}

impl TryFrom<String> for Currency {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_string()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.as_str())
    }
}

/// Checks that every `Some` currency in a stream agrees; `None` means "the data set's single,
/// unnamed currency" and agrees with anything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CurrencyGuard {
    seen: Option<Currency>,
}

impl CurrencyGuard {
    /// A guard that has seen nothing.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts `c` if it agrees with what was seen so far.
    ///
    /// # Errors
    /// [`ModelError::CurrencyMismatch`] when two different currencies meet.
    pub fn check(&mut self, c: Option<Currency>) -> Result<()> {
        match (self.seen, c) {
            (_, None) => Ok(()),
            (None, Some(c)) => {
                self.seen = Some(c);
                Ok(())
            }
            (Some(a), Some(b)) if a == b => Ok(()),
            (Some(a), Some(b)) => Err(ModelError::CurrencyMismatch {
                expected: a,
                found: b,
            }),
        }
    }

    /// The currency seen, if any.
    #[must_use]
    pub fn currency(&self) -> Option<Currency> {
        self.seen
    }
}

/// Converts an amount to `f64` for statistical models (the explicit boundary between exact money
/// and floating-point statistics).
#[must_use]
pub fn to_f64(amount: rust_decimal::Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    amount.to_f64().unwrap_or(f64::NAN)
}

/// `acc + value`, or [`ModelError::AmountOverflow`] naming `field` when the sum leaves the range
/// of `Decimal` (about ±7.9e28). The one place money is summed: every aggregate uses it so a
/// hostile file gives an error, never a panic.
///
/// ```
/// use crm_analytics::model::{checked_amount_add, ModelError};
/// use crm_analytics::model::rust_decimal::Decimal;
/// let big = Decimal::from_i128_with_scale(50_000_000_000_000_000_000_000_000_000, 0); // 5e28
/// assert_eq!(checked_amount_add(Decimal::ONE, Decimal::TWO, "revenue")?, Decimal::from(3));
/// assert!(matches!(checked_amount_add(big, big, "revenue"),
///                  Err(ModelError::AmountOverflow { field: "revenue", .. })));
/// # Ok::<(), ModelError>(())
/// ```
///
/// # Errors
/// [`ModelError::AmountOverflow`].
#[inline]
pub fn checked_amount_add(
    acc: rust_decimal::Decimal,
    value: rust_decimal::Decimal,
    field: &'static str,
) -> Result<rust_decimal::Decimal> {
    acc.checked_add(value)
        .ok_or(ModelError::AmountOverflow { field, value })
}

/// `acc - value`, or [`ModelError::AmountOverflow`] (see [`checked_amount_add`]).
///
/// # Errors
/// [`ModelError::AmountOverflow`].
#[inline]
pub fn checked_amount_sub(
    acc: rust_decimal::Decimal,
    value: rust_decimal::Decimal,
    field: &'static str,
) -> Result<rust_decimal::Decimal> {
    acc.checked_sub(value)
        .ok_or(ModelError::AmountOverflow { field, value })
}

/// `a * b`, or [`ModelError::AmountOverflow`] naming `field` (see [`checked_amount_add`]).
///
/// # Errors
/// [`ModelError::AmountOverflow`].
#[inline]
pub fn checked_amount_mul(
    a: rust_decimal::Decimal,
    b: rust_decimal::Decimal,
    field: &'static str,
) -> Result<rust_decimal::Decimal> {
    a.checked_mul(b)
        .ok_or(ModelError::AmountOverflow { field, value: b })
}

/// Sums `values` with [`checked_amount_add`]; the error is wrapped in
/// [`ModelError::AtRecord`] with the position of the value that overflowed.
///
/// # Errors
/// [`ModelError::AmountOverflow`] inside [`ModelError::AtRecord`].
pub fn checked_amount_sum(
    values: impl IntoIterator<Item = rust_decimal::Decimal>,
    field: &'static str,
) -> Result<rust_decimal::Decimal> {
    values
        .into_iter()
        .enumerate()
        .try_fold(rust_decimal::Decimal::ZERO, |acc, (i, v)| {
            checked_amount_add(acc, v, field).map_err(|e| e.at_record(i))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_rejects_mixing() {
        let mut g = CurrencyGuard::new();
        g.check(None).unwrap();
        g.check(Some("usd".parse().unwrap())).unwrap();
        g.check(None).unwrap();
        let e = g.check(Some("EUR".parse().unwrap())).unwrap_err();
        assert_eq!(
            e.to_string(),
            "currency EUR differs from USD used by earlier records"
        );
    }

    #[test]
    fn currency_serde() {
        let c: Currency = serde_json::from_str("\"eur\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"EUR\"");
        assert!(serde_json::from_str::<Currency>("\"E1R\"").is_err());
    }
}
