//! # crm-model
//!
//! Facade module: `crm_model` = `crm_analytics::model`. Depend on `crm-analytics` and use
//! `crm_analytics::model::...`, or on this crate alone for a smaller tree.
//!
//! The shared domain types of crm-analytics: customers and their contact points, transactions,
//! interactions, survey responses, subscription MRR movements, funnel events, acquisition spend,
//! time units and periods, and the per-customer purchase summary that RFM, CLV and churn models
//! start from.
//!
//! Every type is `serde`-serialisable and validated when constructed: a value that exists is a
//! valid value (an [`NpsScore`] is in 0..=10, a [`Transaction`] amount is not negative, a
//! [`Period`] ends after it starts). Errors are [`ModelError`], naming the field and value.
//!
//! ## Conventions
//! - Money is [`rust_decimal::Decimal`]; currencies are checked, never mixed silently.
//! - Time units are types ([`TimeUnit`]); periods are half-open `[start, end)`; no 30-day months.
//! - Customers are identified by a compact [`CustomerKey`] issued by a [`CustomerInterner`].
//!
//! ## Example
//! ```
//! use crm_analytics::model::chrono::NaiveDate;
//! use crm_analytics::model::rust_decimal::Decimal;
//! use crm_analytics::model::{summarize, CustomerInterner, SummaryOptions, TimeUnit, Transaction};
//!
//! let mut ids = CustomerInterner::new();
//! let day = |m, d| NaiveDate::from_ymd_opt(2024, m, d).unwrap();
//! let rows = [("alice", day(1, 5), "20.00"), ("bob", day(2, 1), "5.50"), ("alice", day(3, 9), "12.00")];
//! let mut tx = Vec::new();
//! for (id, date, amount) in rows {
//!     tx.push(Transaction::purchase(ids.intern(id)?, date, amount.parse().unwrap())?);
//! }
//! let summary = summarize(&tx, &SummaryOptions::new(day(3, 31), TimeUnit::Day))?;
//! let alice = &summary.customers[0];
//! assert_eq!(ids.id(alice.customer).unwrap().to_string(), "alice");
//! assert_eq!((alice.frequency, alice.recency, alice.age), (1, 64.0, 86.0));
//! # Ok::<(), crm_analytics::model::ModelError>(())
//! ```

#![forbid(unsafe_code)]

mod customer;
mod error;
mod fold;
mod funnel;
mod id;
mod interaction;
mod limits;
mod money;
mod mrr;
mod named;
mod summary;
mod survey;
mod time;
mod transaction;

pub use customer::{Customer, CustomerRecord, PostalAddress};
pub use error::{ModelError, Result};
pub use fold::{PurchaseFold, cents_amount};
pub use funnel::{
    AcquisitionSpend, AcquisitionSpendRecord, Funnel, FunnelEvent, FunnelEventRecord,
};
pub use id::{CustomerId, CustomerInterner, CustomerKey};
pub use interaction::{Interaction, InteractionKind, InteractionRecord};
pub use limits::Limits;
pub use money::{
    Currency, CurrencyGuard, checked_amount_add, checked_amount_mul, checked_amount_sub,
    checked_amount_sum, to_f64,
};
pub use mrr::{MrrMovement, MrrMovementKind, MrrMovementRecord};
pub use named::{Choice, Named};
pub use summary::{
    CustomerGroups, HoldoutSummaries, HoldoutSummary, LateEvents, MonetaryBasis, PurchaseSummaries,
    PurchaseSummary, SameDayPurchases, SummaryOptions, SummaryRow, SummaryTable, check_history,
    purchase_occasions, summarize, summarize_with_holdout, summary_table,
};
pub use survey::{
    CesScore, CesVersion, CsatScale, CsatScore, NpsCategory, NpsScore, SurveyAnswer, SurveyResponse,
};
pub use time::{Period, TimeUnit, parse_date};
pub use transaction::{Transaction, TransactionDetails, TransactionKind, TransactionRecord};

// Re-exported so downstream crates and users name the same versions.
pub use chrono;
pub use rust_decimal;
