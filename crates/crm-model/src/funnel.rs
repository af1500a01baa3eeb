//! Funnels (ordered stage names as data), funnel events and acquisition spend.

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::{Currency, CustomerKey, Period};

/// An ordered list of distinct, non-empty stage names, e.g. visit → sign-up → trial → paid.
///
/// ```
/// use crm_analytics::model::Funnel;
/// let f = Funnel::new(["visit", "signup", "paid"])?;
/// assert_eq!(f.stage_index("signup"), Some(1));
/// assert!(Funnel::new(["a", "a"]).is_err());
/// # Ok::<(), crm_analytics::model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Funnel {
    stages: Vec<String>,
}

impl Funnel {
    /// A funnel from stage names in order.
    ///
    /// # Errors
    /// [`ModelError::EmptyId`] for an empty name or no stages; [`ModelError::InvalidParameter`]
    /// for a repeated name.
    pub fn new(stages: impl IntoIterator<Item = impl Into<String>>) -> Result<Self> {
        let stages: Vec<String> = stages
            .into_iter()
            .map(|s| s.into().trim().to_string())
            .collect();
        if stages.is_empty() || stages.iter().any(String::is_empty) {
            return Err(ModelError::EmptyId {
                field: "funnel stage",
            });
        }
        for (i, s) in stages.iter().enumerate() {
            if stages[..i].contains(s) {
                return Err(ModelError::InvalidParameter {
                    name: "funnel stages",
                    reason: format!("stage {s:?} appears twice"),
                });
            }
        }
        Ok(Funnel { stages })
    }
    /// Stage names in order.
    #[must_use]
    pub fn stages(&self) -> &[String] {
        &self.stages
    }

    /// A funnel whose stages are the stage names of `events` in order of first appearance
    /// (what a funnel export without a stage list implies).
    ///
    /// ```
    /// use crm_analytics::model::{CustomerKey, Funnel, FunnelEvent};
    /// use crm_analytics::model::chrono::NaiveDate;
    /// let at = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap().and_hms_opt(9, 0, 0).unwrap();
    /// let e = |c, s| FunnelEvent::new(CustomerKey::from_index(c), s, at);
    /// let events = [e(0, "visit")?, e(0, "signup")?, e(1, "visit")?, e(1, "buy")?];
    /// assert_eq!(Funnel::in_order_of_appearance(&events)?.stages(), ["visit", "signup", "buy"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`Funnel::new`]: no events (no stages).
    pub fn in_order_of_appearance(events: &[FunnelEvent]) -> Result<Self> {
        let mut order: Vec<&str> = Vec::new();
        for e in events {
            if !order.contains(&e.stage()) {
                order.push(e.stage());
            }
        }
        Funnel::new(order)
    }
    /// Position of a stage.
    #[must_use]
    pub fn stage_index(&self, name: &str) -> Option<usize> {
        self.stages.iter().position(|s| s == name.trim())
    }
}

impl TryFrom<Vec<String>> for Funnel {
    type Error = ModelError;
    fn try_from(v: Vec<String>) -> Result<Self> {
        Funnel::new(v)
    }
}
impl From<Funnel> for Vec<String> {
    fn from(f: Funnel) -> Self {
        f.stages
    }
}

/// A subject (lead or customer) reaching a named funnel stage at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FunnelEventRecord", into = "FunnelEventRecord")]
pub struct FunnelEvent {
    subject: CustomerKey,
    stage: Box<str>,
    at: NaiveDateTime,
}

/// Serialised form of a [`FunnelEvent`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelEventRecord {
    /// Lead or customer.
    pub subject: CustomerKey,
    /// Stage name.
    pub stage: String,
    /// Time reached.
    pub at: NaiveDateTime,
}

impl FunnelEvent {
    /// An event.
    ///
    /// # Errors
    /// [`ModelError::EmptyId`] for an empty stage name.
    pub fn new(subject: CustomerKey, stage: &str, at: NaiveDateTime) -> Result<Self> {
        let stage = stage.trim();
        if stage.is_empty() {
            return Err(ModelError::EmptyId {
                field: "funnel stage",
            });
        }
        Ok(FunnelEvent {
            subject,
            stage: stage.into(),
            at,
        })
    }
    /// Lead or customer.
    #[must_use]
    pub fn subject(&self) -> CustomerKey {
        self.subject
    }
    /// Stage name.
    #[must_use]
    pub fn stage(&self) -> &str {
        &self.stage
    }
    /// Time reached.
    #[must_use]
    pub fn at(&self) -> NaiveDateTime {
        self.at
    }
}

impl TryFrom<FunnelEventRecord> for FunnelEvent {
    type Error = ModelError;
    fn try_from(r: FunnelEventRecord) -> Result<Self> {
        FunnelEvent::new(r.subject, &r.stage, r.at)
    }
}
impl From<FunnelEvent> for FunnelEventRecord {
    fn from(e: FunnelEvent) -> Self {
        FunnelEventRecord {
            subject: e.subject,
            stage: e.stage.into(),
            at: e.at,
        }
    }
}

/// Marketing / sales spend on acquiring customers through one channel over one period.
///
/// ```
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::rust_decimal::Decimal;
/// use crm_analytics::model::{AcquisitionSpend, Period};
/// let may = Period::new(NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
///                       NaiveDate::from_ymd_opt(2024, 6, 1).unwrap())?;
/// let s = AcquisitionSpend::new("paid_search", may, Decimal::from(12_000), true)?;
/// assert!(s.is_paid());
/// # Ok::<(), crm_analytics::model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "AcquisitionSpendRecord", into = "AcquisitionSpendRecord")]
pub struct AcquisitionSpend {
    channel: String,
    period: Period,
    amount: Decimal,
    paid: bool,
    currency: Option<Currency>,
}

/// Serialised form of [`AcquisitionSpend`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcquisitionSpendRecord {
    /// Channel name.
    pub channel: String,
    /// Period covered.
    pub period: Period,
    /// Amount spent.
    pub amount: Decimal,
    /// Paid media (true) or organic/sales cost (false).
    pub paid: bool,
    /// Currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
}

impl AcquisitionSpend {
    /// Spend on `channel` over `period`; `paid` marks paid media (for paid CAC).
    ///
    /// # Errors
    /// [`ModelError::EmptyId`] for an empty channel; [`ModelError::NegativeAmount`] for negative
    /// spend.
    pub fn new(channel: &str, period: Period, amount: Decimal, paid: bool) -> Result<Self> {
        if channel.trim().is_empty() {
            return Err(ModelError::EmptyId { field: "channel" });
        }
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(ModelError::NegativeAmount {
                field: "spend amount",
                value: amount,
            });
        }
        Ok(AcquisitionSpend {
            channel: channel.trim().to_string(),
            period,
            amount,
            paid,
            currency: None,
        })
    }
    /// Sets the currency.
    #[must_use]
    pub fn with_currency(mut self, c: Currency) -> Self {
        self.currency = Some(c);
        self
    }
    /// Channel.
    #[must_use]
    pub fn channel(&self) -> &str {
        &self.channel
    }
    /// Period.
    #[must_use]
    pub fn period(&self) -> Period {
        self.period
    }
    /// Amount.
    #[must_use]
    pub fn amount(&self) -> Decimal {
        self.amount
    }
    /// Paid media?
    #[must_use]
    pub fn is_paid(&self) -> bool {
        self.paid
    }
    /// Currency.
    #[must_use]
    pub fn currency(&self) -> Option<Currency> {
        self.currency
    }
}

impl TryFrom<AcquisitionSpendRecord> for AcquisitionSpend {
    type Error = ModelError;
    fn try_from(r: AcquisitionSpendRecord) -> Result<Self> {
        let mut s = AcquisitionSpend::new(&r.channel, r.period, r.amount, r.paid)?;
        s.currency = r.currency;
        Ok(s)
    }
}
impl From<AcquisitionSpend> for AcquisitionSpendRecord {
    fn from(s: AcquisitionSpend) -> Self {
        AcquisitionSpendRecord {
            channel: s.channel,
            period: s.period,
            amount: s.amount,
            paid: s.paid,
            currency: s.currency,
        }
    }
}
