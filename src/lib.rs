//! # crm-analytics
//!
//! CRM analytics in Rust: one facade over the workspace's library crates.
//!
//! | module | crate | what it holds |
//! |---|---|---|
//! | [`model`] | `crm-model` | customers, transactions, interactions, surveys, MRR, funnels, time units, purchase summaries |
//! | [`metrics`] | `crm-metrics` | retention, churn, NPS/CSAT/CES, CAC, LTV, ARPU, AOV, cohorts, funnels |
//! | [`rfm`] | `crm-rfm` | RFM scores and named segments |
//! | [`clv`] | `crm-clv` | BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, sBG, Gamma-Gamma |
//! | [`dedup`] | `crm-dedup` | normalisation, blocking, matching, clustering, golden records |
//! | [`churn`] | `crm-churn` | churn labels, scores, survival curves, evaluation |
//! | [`io`] | `crm-io` | reading CSV (UTF-8 or GBK), Parquet and Arrow into the model types; writing result tables |
//! | [`report`] | `crm-report` | the report as typed data and its text, HTML and JSON renderers |
//! | [`demo`] | `crm-demo` | deterministic synthetic CRM data: customers with planted duplicates, BG/NBD purchases, surveys, tickets, MRR, funnel, spend; synthetic people with known duplicates (CRM contacts, FEBRL style) at any size |
//!
//! Depend on `crm-analytics` for everything, or on a single crate for a smaller tree.
//!
//! **Start with [`docs`]**: a tour of every capability through these paths (reading files,
//! purchase summaries, metrics, RFM, CLV, churn scores, deduplication, the report), each step a
//! short example that runs as a doc test. Runnable programs are in `examples/`.
//!
//! ```
//! use crm_analytics::model::{summarize, CustomerInterner, SummaryOptions, TimeUnit, Transaction};
//! use crm_analytics::model::chrono::NaiveDate;
//! let mut ids = CustomerInterner::new();
//! let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
//! let c = ids.intern("C-1")?;
//! let tx = [Transaction::purchase(c, d(1, 1), 10.into())?, Transaction::purchase(c, d(2, 1), 30.into())?];
//! let s = summarize(&tx, &SummaryOptions::new(d(3, 1), TimeUnit::Month))?;
//! assert_eq!((s.customers[0].frequency, s.customers[0].recency, s.customers[0].age), (1, 1.0, 2.0));
//! # Ok::<(), crm_analytics::model::ModelError>(())
//! ```

//! ## One error type
//!
//! Every crate has its own error enum; [`Error`] wraps each of them (and the decimal parse error
//! of `"12.50".parse::<Decimal>()`), so one function can call several crates and use `?`
//! throughout, returning [`Result`]:
//!
//! ```
//! use crm_analytics::clv::{predict_rows, BgNbd};
//! use crm_analytics::model::chrono::NaiveDate;
//! use crm_analytics::model::rust_decimal::Decimal;
//! use crm_analytics::model::{summarize, CustomerInterner, SummaryOptions, TimeUnit, Transaction};
//! use crm_analytics::rfm::{analyze_rows, rfm_values, RfmOptions, SegmentMap, TiePolicy};
//!
//! /// Every customer's id, RFM segment and P(alive) as of July 1, 2024.
//! fn segments_and_p_alive(
//!     orders: &[(&str, u32, u32, &str)],
//! ) -> crm_analytics::Result<Vec<(String, String, f64)>> {
//!     let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
//!     let mut ids = CustomerInterner::new();
//!     let mut tx = Vec::new();
//!     for &(id, m, day, amount) in orders {
//!         let amount: Decimal = amount.parse()?;                       // rust_decimal::Error
//!         tx.push(Transaction::purchase(ids.intern(id)?, d(m, day), amount)?); // ModelError
//!     }
//!     // crm-rfm: quintile scores and the standard segments, one row per customer.
//!     let values = rfm_values(&tx, &RfmOptions::new(d(7, 1)))?;        // RfmError
//!     let rfm = analyze_rows(&values.customers, 5, &TiePolicy::ValueBased, &SegmentMap::standard())?;
//!     // crm-clv: P(alive) under BG/NBD (published CDNOW parameters, weeks) on weekly summaries.
//!     let s = summarize(&tx, &SummaryOptions::new(d(7, 1), TimeUnit::Week))?; // ModelError
//!     let bg = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259)?;           // ClvError
//!     let mut p_alive = vec![f64::NAN; ids.len()];
//!     for row in predict_rows(&bg, &s.customers, 13.0)? {               // ClvError
//!         p_alive[row.customer.index()] = row.p_alive;
//!     }
//!     // Both results are rows that carry the customer key: join on it, print the id.
//!     Ok(rfm.rows.iter().map(|r| {
//!         let id = ids.id(r.customer).map(ToString::to_string).unwrap_or_default();
//!         (id, rfm.segment_name(r).to_string(), p_alive[r.customer.index()])
//!     }).collect())
//! }
//!
//! let orders = [
//!     ("ann", 6, 28, "120.00"), ("ann", 6, 1, "80.00"), ("ann", 5, 2, "60.00"),
//!     ("bob", 1, 3, "15.00"),
//!     ("cyd", 6, 20, "30.00"),
//!     ("dan", 2, 14, "200.00"), ("dan", 3, 1, "150.00"), ("dan", 3, 9, "90.00"),
//!     ("eve", 4, 30, "25.00"), ("eve", 5, 30, "20.00"),
//! ];
//! let rows = segments_and_p_alive(&orders)?;
//! let (id, segment, p) = &rows[0];
//! assert_eq!((id.as_str(), segment.as_str()), ("ann", "Champions")); // 3 days ago, 3 orders, 260
//! // Bought 3 days ago, yet P(alive) is 0.80, not 1: under BG/NBD a customer may drop out right
//! // after any purchase (on average with p = a / (a + b) = 0.25 at these parameters).
//! assert!((p - 0.800).abs() < 1e-3);
//! let (id, segment, p) = &rows[3];
//! assert_eq!((id.as_str(), segment.as_str()), ("dan", "At Risk"));   // big spender, silent since March
//! assert!((p - 0.258).abs() < 1e-3);                 // 3 orders in 3 weeks, then 16 weeks of silence
//! let (id, segment, p) = &rows[1];
//! assert_eq!((id.as_str(), segment.as_str(), *p), ("bob", "Hibernating", 1.0)); // BG/NBD: no repeat, P(alive) = 1
//! // A malformed amount stops the run with the decimal parse error, through the same `?`.
//! let err = segments_and_p_alive(&[("ann", 6, 28, "12,50")]).unwrap_err();
//! assert!(matches!(err, crm_analytics::Error::Decimal(_)));
//! # Ok::<(), crm_analytics::Error>(())
//! ```
//!
//! A malformed amount is an [`Error::Decimal`] naming the text's problem:
//!
//! ```
//! use crm_analytics::model::rust_decimal::Decimal;
//! fn amount(text: &str) -> crm_analytics::Result<Decimal> {
//!     Ok(text.parse::<Decimal>()?)
//! }
//! assert_eq!(amount("12.5")?, Decimal::new(125, 1));
//! assert!(matches!(amount("12,5"), Err(crm_analytics::Error::Decimal(_))));
//! # Ok::<(), crm_analytics::Error>(())
//! ```

#![forbid(unsafe_code)]

pub mod docs;

/// Any error of the workspace's library crates, so that code calling several of them can use
/// `?` throughout.
///
/// Each variant wraps one crate's error unchanged (`Display` and `source` are the inner
/// error's), so matching on a variant gives back the crate's own error with everything it names
/// (which record, which field, which value). Converted with `?` through `From`.
///
/// ```
/// use crm_analytics::{model::ModelError, Error};
/// let e: Error = ModelError::DateOverflow.into();
/// assert!(matches!(e, Error::Model(ModelError::DateOverflow)));
/// assert_eq!(e.to_string(), "date arithmetic overflowed the calendar range");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Invalid model data (`crm-model`).
    #[error(transparent)]
    Model(#[from] crm_model::ModelError),
    /// A definitional metric could not be computed (`crm-metrics`).
    #[error(transparent)]
    Metrics(#[from] crm_metrics::MetricsError),
    /// RFM scoring or segmentation failed (`crm-rfm`).
    #[error(transparent)]
    Rfm(#[from] crm_rfm::RfmError),
    /// A customer-base model could not be fitted or evaluated (`crm-clv`).
    #[error(transparent)]
    Clv(#[from] crm_clv::ClvError),
    /// Deduplication failed (`crm-dedup`).
    #[error(transparent)]
    Dedup(#[from] crm_dedup::DedupError),
    /// A churn label, score or evaluation failed (`crm-churn`).
    #[error(transparent)]
    Churn(#[from] crm_churn::ChurnError),
    /// The synthetic data generator rejected its configuration ([`demo`]).
    #[error(transparent)]
    Demo(#[from] crm_demo::DemoError),
    /// A file could not be read or written, or its data is malformed ([`io`]; names the file,
    /// line or row, and column).
    #[error(transparent)]
    Io(#[from] crm_io::IoError),
    /// The report could not be built ([`report`]).
    #[error(transparent)]
    Report(#[from] crm_report::ReportError),
    /// Text is not a decimal number, e.g. `"12,5".parse::<Decimal>()` (money amounts are
    /// `rust_decimal::Decimal`).
    #[error("cannot parse a decimal number: {0}")]
    Decimal(#[from] rust_decimal::Error),
}

/// Result with the facade's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The README's code blocks, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use crm_churn as churn;
pub use crm_clv as clv;
pub use crm_dedup as dedup;
pub use crm_demo as demo;
pub use crm_io as io;
pub use crm_metrics as metrics;
pub use crm_model as model;
pub use crm_report as report;
pub use crm_rfm as rfm;

#[cfg(test)]
mod tests {
    use super::Error;
    use crm_model::ModelError;

    fn via_question_mark<E>(e: E) -> crate::Result<()>
    where
        Error: From<E>,
    {
        Err(e)?
    }

    /// Every crate's error converts with `?`, keeping its message and its variant.
    #[test]
    fn every_crate_error_converts() {
        let model = || ModelError::DateOverflow;
        let cases: Vec<(crate::Result<()>, String)> = vec![
            (via_question_mark(model()), model().to_string()),
            (
                via_question_mark(crm_metrics::MetricsError::Model(model())),
                crm_metrics::MetricsError::Model(model()).to_string(),
            ),
            (
                via_question_mark(crm_rfm::RfmError::Empty),
                crm_rfm::RfmError::Empty.to_string(),
            ),
            (
                via_question_mark(crm_clv::ClvError::Model(model())),
                crm_clv::ClvError::Model(model()).to_string(),
            ),
            (
                via_question_mark(crm_dedup::DedupError::NoFields),
                crm_dedup::DedupError::NoFields.to_string(),
            ),
            (
                via_question_mark(crm_churn::ChurnError::Empty { what: "scores" }),
                crm_churn::ChurnError::Empty { what: "scores" }.to_string(),
            ),
            (
                via_question_mark(crate::demo::DemoError::Model(model())),
                crate::demo::DemoError::Model(model()).to_string(),
            ),
        ];
        for (got, message) in cases {
            assert_eq!(got.unwrap_err().to_string(), message);
        }
        assert!(matches!(
            via_question_mark(crm_rfm::RfmError::Empty),
            Err(Error::Rfm(crm_rfm::RfmError::Empty))
        ));
        let bad = "1.2.3".parse::<rust_decimal::Decimal>().unwrap_err();
        let e = via_question_mark(bad.clone()).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("cannot parse a decimal number: {bad}")
        );
        assert!(std::error::Error::source(&e).is_some());
        assert!(matches!(e, Error::Decimal(ref d) if *d == bad));
    }

    /// The facade error can cross threads and be boxed (a service's error type).
    #[test]
    fn error_is_send_sync_static() {
        fn check<T: std::error::Error + Send + Sync + 'static>() {}
        check::<Error>();
    }
}
