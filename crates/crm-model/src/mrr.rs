//! Subscription MRR movements.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::{Currency, CustomerKey};

/// The kind of change in monthly recurring revenue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MrrMovementKind {
    /// A new subscriber starts paying.
    New,
    /// An existing subscriber pays more (upgrade, seats).
    Expansion,
    /// An existing subscriber pays less (downgrade).
    Contraction,
    /// A subscriber stops paying entirely.
    Churn,
    /// A former (churned) subscriber starts paying again.
    Reactivation,
}

impl MrrMovementKind {
    /// +1 for movements that add MRR, -1 for those that remove it.
    #[must_use]
    pub const fn sign(self) -> i8 {
        match self {
            MrrMovementKind::New | MrrMovementKind::Expansion | MrrMovementKind::Reactivation => 1,
            MrrMovementKind::Contraction | MrrMovementKind::Churn => -1,
        }
    }
}

/// A change in a subscriber's MRR on a date. `amount` is the magnitude of the change.
///
/// ```
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::rust_decimal::Decimal;
/// use crm_analytics::model::{CustomerKey, MrrMovement, MrrMovementKind};
/// let d = NaiveDate::from_ymd_opt(2024, 2, 1).unwrap();
/// let m = MrrMovement::new(CustomerKey::from_index(0), d, MrrMovementKind::Contraction, Decimal::from(20))?;
/// assert_eq!(m.signed_amount(), Decimal::from(-20));
/// # Ok::<(), crm_analytics::model::ModelError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "MrrMovementRecord", into = "MrrMovementRecord")]
pub struct MrrMovement {
    customer: CustomerKey,
    date: NaiveDate,
    kind: MrrMovementKind,
    amount: Decimal,
    currency: Option<Currency>,
}

impl MrrMovement {
    /// A movement of magnitude `amount`.
    ///
    /// # Errors
    /// [`ModelError::NegativeAmount`] when `amount < 0` (the kind carries the direction).
    pub fn new(
        customer: CustomerKey,
        date: NaiveDate,
        kind: MrrMovementKind,
        amount: Decimal,
    ) -> Result<Self> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(ModelError::NegativeAmount {
                field: "mrr amount",
                value: amount,
            });
        }
        Ok(MrrMovement {
            customer,
            date,
            kind,
            amount,
            currency: None,
        })
    }
    /// Sets the currency.
    #[must_use]
    pub fn with_currency(mut self, c: Currency) -> Self {
        self.currency = Some(c);
        self
    }
    /// The subscriber.
    #[must_use]
    pub fn customer(&self) -> CustomerKey {
        self.customer
    }
    /// Effective date.
    #[must_use]
    pub fn date(&self) -> NaiveDate {
        self.date
    }
    /// Kind.
    #[must_use]
    pub fn kind(&self) -> MrrMovementKind {
        self.kind
    }
    /// Magnitude of the change.
    #[must_use]
    pub fn amount(&self) -> Decimal {
        self.amount
    }
    /// Change with sign: negative for contraction and churn.
    #[must_use]
    pub fn signed_amount(&self) -> Decimal {
        if self.kind.sign() < 0 {
            -self.amount
        } else {
            self.amount
        }
    }
    /// Currency, when recorded.
    #[must_use]
    pub fn currency(&self) -> Option<Currency> {
        self.currency
    }
}

/// Serialised form of an [`MrrMovement`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MrrMovementRecord {
    /// Subscriber.
    pub customer: CustomerKey,
    /// Date.
    pub date: NaiveDate,
    /// Kind.
    pub kind: MrrMovementKind,
    /// Magnitude.
    pub amount: Decimal,
    /// Currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
}

impl TryFrom<MrrMovementRecord> for MrrMovement {
    type Error = ModelError;
    fn try_from(r: MrrMovementRecord) -> Result<Self> {
        let mut m = MrrMovement::new(r.customer, r.date, r.kind, r.amount)?;
        m.currency = r.currency;
        Ok(m)
    }
}
impl From<MrrMovement> for MrrMovementRecord {
    fn from(m: MrrMovement) -> Self {
        MrrMovementRecord {
            customer: m.customer,
            date: m.date,
            kind: m.kind,
            amount: m.amount,
            currency: m.currency,
        }
    }
}
