//! Activity of a non-contractual customer base: the one inactivity definition shared by the
//! metrics, the churn models and the report.
//!
//! Without contracts nobody cancels; a customer is taken to have left once a fixed number of
//! days pass without a purchase. With `days` = 90 (the default):
//!
//! ```text
//! lapsed(last purchase, as_of)  <=>  as_of - last purchase >= 90 days   (whole days)
//! ```
//!
//! A purchase on `as_of` is 0 days ago; a customer whose last purchase was 89 days ago is still
//! active, at 90 days they have lapsed. An *activity spell* runs from a purchase until `days`
//! after the last purchase that follows within the window; it is the [`CustomerSpan`] that the
//! retention and churn formulas of [`crate::retention`] count.
//!
//! ```
//! use crm_metrics::activity::{activity_retention, Inactivity};
//! use crm_metrics::retention::SamePeriodJoiners;
//! use crm_metrics::model::chrono::NaiveDate;
//! use crm_metrics::model::{CustomerInterner, Period, Transaction};
//! let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
//! let mut ids = CustomerInterner::new();
//! let (a, b, c) = (ids.intern("a")?, ids.intern("b")?, ids.intern("c")?);
//! let tx = [
//!     Transaction::purchase(a, d(4, 15), 10.into())?, // active on June 1, buys again in June
//!     Transaction::purchase(a, d(6, 20), 10.into())?,
//!     Transaction::purchase(b, d(4, 1), 10.into())?,  // active on June 1, lapses June 30
//!     Transaction::purchase(c, d(6, 5), 10.into())?,  // joins in June
//! ];
//! let rule = Inactivity::default();                     // 90 days
//! assert!(rule.is_lapsed(d(4, 1), d(6, 30)));           // 90 days without a purchase
//! assert!(!rule.is_lapsed(d(4, 1), d(6, 29)));          // 89 days
//! let june = Period::new(d(6, 1), d(7, 1))?;
//! let r = activity_retention(&tx, june, d(6, 30), rule)?;
//! assert_eq!((r.counts.start, r.counts.end, r.counts.new), (2, 2, 1));
//! assert_eq!(r.cohort_retention, 0.5);                  // a stayed, b lapsed
//! assert_eq!(r.churn(SamePeriodJoiners::Exclude), 0.5);
//! # Ok::<(), crm_metrics::MetricsError>(())
//! ```

use crm_model::chrono::{Days, NaiveDate};
use crm_model::{CustomerGroups, Period, Transaction};

use crate::retention::{CustomerSpan, Retention, RetentionState};
use crate::{MetricsError, Result};

/// The inactivity rule: a customer has lapsed once `days` whole days have passed since their
/// last purchase (default 90).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Inactivity {
    days: u32,
}

impl Default for Inactivity {
    fn default() -> Self {
        Inactivity {
            days: Self::DEFAULT_DAYS,
        }
    }
}

impl Inactivity {
    /// The default window: 90 days.
    pub const DEFAULT_DAYS: u32 = 90;

    /// A rule with a window of `days` (at least 1).
    ///
    /// # Errors
    /// [`MetricsError::InvalidParameter`] for 0 days (everyone would have lapsed at once).
    pub fn new(days: u32) -> Result<Self> {
        if days == 0 {
            return Err(MetricsError::InvalidParameter {
                name: "inactivity days",
                value: "0".into(),
                reason: "must be at least 1",
            });
        }
        Ok(Inactivity { days })
    }

    /// The window in days.
    #[must_use]
    pub fn days(self) -> u32 {
        self.days
    }

    /// The day a customer whose last purchase was on `last` lapses (`None` past the calendar).
    #[must_use]
    pub fn lapse_date(self, last: NaiveDate) -> Option<NaiveDate> {
        last.checked_add_days(Days::new(u64::from(self.days)))
    }

    /// Whether a customer whose last purchase was on `last` has lapsed by `as_of`.
    #[must_use]
    pub fn is_lapsed(self, last: NaiveDate, as_of: NaiveDate) -> bool {
        self.lapse_date(last).is_some_and(|end| end <= as_of)
    }
}

/// One span per customer for `period`, from purchases on or before `as_of`: activity spells run
/// from a purchase until the lapse date of the last purchase that follows within the window;
/// the latest spell that is carried into the period (active on the day before it) or starts
/// inside it is used (a customer who lapses and comes back within one period counts as a
/// joiner). A spell still running at `as_of` has no end. Customers with no spell touching the
/// period are left out.
///
/// # Errors
/// [`MetricsError::Model`] when the transactions cannot be grouped by customer.
pub fn activity_spans(
    tx: &[Transaction],
    period: Period,
    as_of: NaiveDate,
    rule: Inactivity,
) -> Result<Vec<CustomerSpan>> {
    let mut out = Vec::new();
    spans_by_period(tx, &[period], as_of, rule, |_, span| out.push(span))?;
    Ok(out)
}

/// [`activity_spans`] for each of `periods` in one pass over the customers: `f` gets the index
/// of the period and each customer's span for it.
fn spans_by_period(
    tx: &[Transaction],
    periods: &[Period],
    as_of: NaiveDate,
    rule: Inactivity,
    mut f: impl FnMut(usize, CustomerSpan),
) -> Result<()> {
    let groups = CustomerGroups::new(tx)?;
    let mut dates: Vec<NaiveDate> = Vec::new();
    let mut spells: Vec<(NaiveDate, Option<NaiveDate>)> = Vec::new();
    for (key, idx) in groups.iter() {
        dates.clear();
        dates.extend(
            idx.iter()
                .filter_map(|&i| tx.get(i as usize))
                .filter(|t| t.is_purchase() && t.date() <= as_of)
                .map(Transaction::date),
        );
        dates.sort_unstable();
        dates.dedup();
        let Some((&first, rest)) = dates.split_first() else {
            continue;
        };
        spells.clear();
        let mut close = |start: NaiveDate, last: NaiveDate| {
            spells.push((start, rule.lapse_date(last).filter(|e| *e <= as_of)));
        };
        let (mut start, mut last) = (first, first);
        for &d in rest {
            // A purchase on the lapse day itself still continues the spell.
            if rule.lapse_date(last).is_some_and(|e| d <= e) {
                last = d;
            } else {
                close(start, last);
                start = d;
                last = d;
            }
        }
        close(start, last);
        for (i, period) in periods.iter().enumerate() {
            let chosen = spells.iter().rev().find(|(start, end)| {
                // Carried in: active on the day before the period (a lapse on its first day is
                // a loss in this period, as `RetentionState` counts it).
                let active_at_start =
                    *start < period.start() && end.is_none_or(|e| e >= period.start());
                active_at_start || period.contains(*start)
            });
            if let Some(&(s, e)) = chosen {
                f(i, CustomerSpan::new(key, s, e)?);
            }
        }
    }
    Ok(())
}

/// Retention and churn over each of `periods` (e.g. every month of a year) with activity
/// inferred from purchases on or before `as_of` by `rule`, in one pass over the customers: the
/// same figures as [`activity_retention`] per period, `None` for a period in which nobody was
/// active when it began.
///
/// ```
/// use crm_metrics::activity::{activity_retention, activity_retention_series, Inactivity};
/// use crm_metrics::model::chrono::NaiveDate;
/// use crm_metrics::model::{CustomerInterner, Period, Transaction};
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut ids = CustomerInterner::new();
/// let (a, b) = (ids.intern("a")?, ids.intern("b")?);
/// let tx = [
///     Transaction::purchase(a, d(1, 10), 10.into())?,
///     Transaction::purchase(a, d(3, 20), 10.into())?,
///     Transaction::purchase(b, d(2, 1), 10.into())?,
/// ];
/// let months: Vec<Period> = (1..=5).map(|m| Period::new(d(m, 1), d(m + 1, 1))).collect::<Result<_, _>>()?;
/// let series = activity_retention_series(&tx, &months, d(5, 31), Inactivity::default())?;
/// assert!(series[0].is_none()); // nobody was active before January
/// assert_eq!(series[1].as_ref().unwrap().cohort_retention, 1.0); // a kept buying
/// // b's 90 days run out on May 1: b is lost in May, a stays (lapses June 18).
/// assert_eq!(series[3].as_ref().unwrap().cohort_retention, 1.0);
/// assert_eq!(series[4].as_ref().unwrap().cohort_retention, 0.5);
/// for (p, r) in months.iter().zip(&series) {
///     assert_eq!(r.as_ref().ok_or(()), activity_retention(&tx, *p, d(5, 31), Inactivity::default()).as_ref().map_err(|_| ()));
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`MetricsError::Model`] when the transactions cannot be grouped by customer.
pub fn activity_retention_series(
    tx: &[Transaction],
    periods: &[Period],
    as_of: NaiveDate,
    rule: Inactivity,
) -> Result<Vec<Option<Retention>>> {
    let mut states: Vec<RetentionState> = periods.iter().map(|p| RetentionState::new(*p)).collect();
    spans_by_period(tx, periods, as_of, rule, |i, span| {
        if let Some(s) = states.get_mut(i) {
            s.push(&span);
        }
    })?;
    Ok(states.iter().map(|s| s.finish().ok()).collect())
}

/// Retention and churn over `period` with activity inferred from purchases by `rule`
/// ([`activity_spans`] fed to [`RetentionState`]).
///
/// # Errors
/// As [`activity_spans`]; [`MetricsError::ZeroDenominator`] when nobody was active when the
/// period began.
pub fn activity_retention(
    tx: &[Transaction],
    period: Period,
    as_of: NaiveDate,
    rule: Inactivity,
) -> Result<Retention> {
    let mut s = RetentionState::new(period);
    for sp in activity_spans(tx, period, as_of, rule)? {
        s.push(&sp);
    }
    s.finish()
}
