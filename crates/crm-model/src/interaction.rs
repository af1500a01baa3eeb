//! Interaction events: visits, calls, emails, chats, complaints, support tickets, referrals.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::{CustomerId, CustomerKey};

/// What kind of interaction happened. Complaints and tickets carry their resolution time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InteractionKind {
    /// A visit (web session, store visit).
    Visit,
    /// A phone call.
    Call,
    /// An email exchange.
    Email,
    /// A chat conversation.
    Chat,
    /// A complaint; `resolved_at` is `None` while unresolved.
    Complaint {
        /// When it was resolved.
        resolved_at: Option<NaiveDateTime>,
    },
    /// A support ticket opened at the event time; `resolved_at` is `None` while open.
    SupportTicket {
        /// When it was resolved.
        resolved_at: Option<NaiveDateTime>,
    },
    /// The customer referred someone.
    Referral {
        /// The referred customer, when known.
        referred: Option<CustomerId>,
    },
}

/// One interaction of a customer with the company.
///
/// ```
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::{CustomerKey, Interaction, InteractionKind};
/// let t = |d| NaiveDate::from_ymd_opt(2024, 3, d).unwrap().and_hms_opt(9, 0, 0).unwrap();
/// let ticket = Interaction::new(CustomerKey::from_index(1), t(1),
///     InteractionKind::SupportTicket { resolved_at: Some(t(3)) })?.with_channel("email");
/// assert_eq!(ticket.resolution_time().unwrap().num_days(), 2);
/// assert!(Interaction::new(CustomerKey::from_index(1), t(3),
///     InteractionKind::Complaint { resolved_at: Some(t(1)) }).is_err());
/// # Ok::<(), crm_analytics::model::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "InteractionRecord", into = "InteractionRecord")]
pub struct Interaction {
    customer: CustomerKey,
    at: NaiveDateTime,
    channel: Option<String>,
    kind: InteractionKind,
}

impl Interaction {
    /// An interaction at time `at`.
    ///
    /// # Errors
    /// [`ModelError::TimesOutOfOrder`] when a complaint or ticket is resolved before `at`.
    pub fn new(customer: CustomerKey, at: NaiveDateTime, kind: InteractionKind) -> Result<Self> {
        if let InteractionKind::Complaint {
            resolved_at: Some(r),
        }
        | InteractionKind::SupportTicket {
            resolved_at: Some(r),
        } = &kind
        {
            if *r < at {
                return Err(ModelError::TimesOutOfOrder {
                    field: "resolved_at",
                    earlier: at,
                    later: *r,
                });
            }
        }
        Ok(Interaction {
            customer,
            at,
            channel: None,
            kind,
        })
    }

    /// Sets the channel.
    #[must_use]
    pub fn with_channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = Some(channel.into());
        self
    }
    /// The customer.
    #[must_use]
    pub fn customer(&self) -> CustomerKey {
        self.customer
    }
    /// When it happened (for tickets and complaints: when opened).
    #[must_use]
    pub fn at(&self) -> NaiveDateTime {
        self.at
    }
    /// The channel, when recorded.
    #[must_use]
    pub fn channel(&self) -> Option<&str> {
        self.channel.as_deref()
    }
    /// The kind.
    #[must_use]
    pub fn kind(&self) -> &InteractionKind {
        &self.kind
    }
    /// True for complaints.
    #[must_use]
    pub fn is_complaint(&self) -> bool {
        matches!(self.kind, InteractionKind::Complaint { .. })
    }
    /// When a complaint or ticket was resolved (`None` if unresolved or not applicable).
    #[must_use]
    pub fn resolved_at(&self) -> Option<NaiveDateTime> {
        match self.kind {
            InteractionKind::Complaint { resolved_at }
            | InteractionKind::SupportTicket { resolved_at } => resolved_at,
            _ => None,
        }
    }
    /// Time from opening to resolution for resolved complaints and tickets.
    #[must_use]
    pub fn resolution_time(&self) -> Option<chrono::TimeDelta> {
        self.resolved_at().map(|r| r - self.at)
    }
}

/// Serialised form of an [`Interaction`]; converting back validates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionRecord {
    /// Customer key.
    pub customer: CustomerKey,
    /// Time.
    pub at: NaiveDateTime,
    /// Channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Kind.
    #[serde(flatten)]
    pub kind: InteractionKind,
}

impl TryFrom<InteractionRecord> for Interaction {
    type Error = ModelError;
    fn try_from(r: InteractionRecord) -> Result<Self> {
        let mut i = Interaction::new(r.customer, r.at, r.kind)?;
        i.channel = r.channel;
        Ok(i)
    }
}

impl From<Interaction> for InteractionRecord {
    fn from(i: Interaction) -> Self {
        InteractionRecord {
            customer: i.customer,
            at: i.at,
            channel: i.channel,
            kind: i.kind,
        }
    }
}
