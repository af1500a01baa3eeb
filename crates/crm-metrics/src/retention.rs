//! Customer retention and churn over a period.

use crm_model::chrono::NaiveDate;
use crm_model::{CustomerKey, Limits, ModelError, Period, TimeUnit};
use serde::Serialize;

use crate::error::{MetricsError, Result};

/// How customers who join and leave inside the same period count in the churn rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SamePeriodJoiners {
    /// Default, as ChartMogul and ProfitWell compute it: churn counts only customers present at
    /// the start; joiners who leave before the end appear in neither numerator nor denominator.
    #[default]
    Exclude,
    /// Everyone who could churn counts: `(lost from start + joined and left) / (S + N)`.
    Include,
}

impl crm_model::Named for SamePeriodJoiners {
    const CHOICES: &'static [crm_model::Choice<Self>] = &[
        crm_model::Choice::new(
            "exclude",
            SamePeriodJoiners::Exclude,
            "Excluded from churn, as ChartMogul and ProfitWell count (default).",
        ),
        crm_model::Choice::new(
            "include",
            SamePeriodJoiners::Include,
            "Included: (lost from start + joined and left) / (S + N).",
        ),
    ];
}

/// One customer's relationship: active from `start` (inclusive) until `end` (exclusive; `None`
/// while still active). A subscription, a contract, or "first purchase until lapse".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CustomerSpan {
    /// The customer.
    pub customer: CustomerKey,
    /// First active day.
    pub start: NaiveDate,
    /// First day no longer active, if it ended.
    pub end: Option<NaiveDate>,
}

impl CustomerSpan {
    /// A span.
    ///
    /// # Errors
    /// [`ModelError::DatesOutOfOrder`] when `end < start`.
    pub fn new(customer: CustomerKey, start: NaiveDate, end: Option<NaiveDate>) -> Result<Self> {
        if let Some(e) = end {
            if e < start {
                return Err(ModelError::DatesOutOfOrder {
                    field: "span start/end",
                    earlier: start,
                    later: e,
                }
                .into());
            }
        }
        Ok(CustomerSpan {
            customer,
            start,
            end,
        })
    }
    /// Active on `day`.
    #[must_use]
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.start <= day && self.end.is_none_or(|e| day < e)
    }
}

/// Mergeable retention counts over a period `[start, end)`.
///
/// Each customer is pushed once (one span per customer); the counts are sums, so any partition
/// of the customers merges to the single-pass result.
///
/// ```text
/// S = customers carried into the period (active on the day before it starts)
/// E = customers active on the last day of the period
/// N = customers whose span starts inside the period
/// R = customers of S still active on the last day (retained from the start)
/// J = customers who start and end inside the period (same-period joiners who left)
/// ```
///
/// Consecutive periods chain: the customers at the end of one are those carried into the next
/// (E of April = S of May), so a span ending on a period's first day (its last active day is
/// the day before) is lost in that period, as billing tools date such a churn (ChartMogul
/// books a subscription ending May 1 as May churn).
///
/// ```
/// use crm_analytics::metrics::retention::{CustomerSpan, RetentionState, SamePeriodJoiners};
/// use crm_analytics::model::{CustomerKey, Period};
/// use crm_analytics::model::chrono::NaiveDate;
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let q = Period::new(d(4, 1), d(7, 1))?;
/// let k = CustomerKey::from_index;
/// let spans = [
///     CustomerSpan::new(k(0), d(1, 1), None)?,            // retained
///     CustomerSpan::new(k(1), d(2, 1), Some(d(5, 1)))?,   // lost
///     CustomerSpan::new(k(2), d(3, 1), None)?,            // retained
///     CustomerSpan::new(k(3), d(4, 10), None)?,           // new, still active
///     CustomerSpan::new(k(4), d(5, 1), Some(d(6, 1)))?,   // joined and left
/// ];
/// let mut s = RetentionState::new(q);
/// for sp in &spans { s.push(sp); }
/// let r = s.finish()?;
/// let c = r.counts;
/// assert_eq!((c.start, c.end, c.new, c.retained), (3, 3, 2, 2));
/// assert!((r.count_retention - 1.0 / 3.0).abs() < 1e-12);   // (E - N) / S = (3 - 2) / 3
/// assert!((r.cohort_retention - 2.0 / 3.0).abs() < 1e-12);  // R / S
/// assert!((r.churn(SamePeriodJoiners::Exclude) - 1.0 / 3.0).abs() < 1e-12);
/// assert!((r.churn(SamePeriodJoiners::Include) - 2.0 / 5.0).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionState {
    period: Period,
    counts: RetentionCounts,
}

/// The raw counts behind the retention figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RetentionCounts {
    /// S: carried into the period (active on the day before it starts).
    pub start: u64,
    /// E: active at the end (last day).
    pub end: u64,
    /// N: started inside the period.
    pub new: u64,
    /// R: of S, still active on the last day.
    pub retained: u64,
    /// J: started and ended inside the period.
    pub joined_and_left: u64,
}

impl RetentionState {
    /// An empty state for `period`.
    #[must_use]
    pub fn new(period: Period) -> Self {
        RetentionState {
            period,
            counts: RetentionCounts::default(),
        }
    }
    /// Adds one customer's span.
    pub fn push(&mut self, span: &CustomerSpan) {
        let first = self.period.start();
        let last = self.period.last_day();
        // Customers carried into the period: active on the day before it starts (E of the
        // period before), so no loss falls between two periods.
        let at_start = first.pred_opt().is_some_and(|d| span.active_on(d));
        let at_end = span.active_on(last);
        let is_new = self.period.contains(span.start);
        let c = &mut self.counts;
        c.start += u64::from(at_start);
        c.end += u64::from(at_end);
        c.new += u64::from(is_new);
        c.retained += u64::from(at_start && at_end);
        c.joined_and_left += u64::from(is_new && !at_end);
    }
    /// Combines two states over the same period.
    ///
    /// # Errors
    /// [`MetricsError::Incompatible`] for different periods.
    pub fn merge(&mut self, o: &RetentionState) -> Result<()> {
        if o.period != self.period {
            return Err(MetricsError::Incompatible {
                what: "retention periods",
                left: self.period.to_string(),
                right: o.period.to_string(),
            });
        }
        let (a, b) = (&mut self.counts, &o.counts);
        a.start += b.start;
        a.end += b.end;
        a.new += b.new;
        a.retained += b.retained;
        a.joined_and_left += b.joined_and_left;
        Ok(())
    }
    /// The counts so far.
    #[must_use]
    pub fn counts(&self) -> RetentionCounts {
        self.counts
    }
    /// The retention figures.
    ///
    /// # Errors
    /// [`MetricsError::ZeroDenominator`] when no customer was active at the start (S = 0).
    pub fn finish(&self) -> Result<Retention> {
        Retention::from_counts(self.counts)
    }
}

/// Retention over consecutive periods at once (a monthly or weekly series): one
/// [`RetentionState`] per period, each span pushed into every one. Mergeable like its states.
///
/// ```
/// use crm_analytics::metrics::retention::{CustomerSpan, RetentionSeries};
/// use crm_analytics::model::{CustomerKey, Limits, Period, TimeUnit};
/// use crm_analytics::model::chrono::NaiveDate;
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let q2 = Period::new(d(4, 1), d(7, 1))?;
/// let mut s = RetentionSeries::every(q2, TimeUnit::Month, &Limits::default())?;
/// let k = CustomerKey::from_index;
/// s.push(&CustomerSpan::new(k(0), d(1, 1), None)?);
/// s.push(&CustomerSpan::new(k(1), d(2, 1), Some(d(5, 1)))?); // lost in May
/// let months = s.finish();
/// assert_eq!(months.len(), 3);
/// let rates: Vec<f64> = months.iter().map(|(_, r)| r.as_ref().unwrap().cohort_retention).collect();
/// assert_eq!(rates, [1.0, 0.5, 1.0]);
/// assert_eq!(months[1].0, Period::new(d(5, 1), d(6, 1))?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionSeries {
    states: Vec<RetentionState>,
}

impl RetentionSeries {
    /// A series over `periods`, in order.
    #[must_use]
    pub fn new(periods: &[Period]) -> Self {
        RetentionSeries {
            states: periods.iter().map(|p| RetentionState::new(*p)).collect(),
        }
    }

    /// A series over the calendar periods of `unit` that overlap `range` (the first and the last
    /// may reach beyond it).
    ///
    /// # Errors
    /// [`ModelError::LimitExceeded`] for more periods than [`Limits::max_periods`] (weeks and
    /// days: [`Limits::max_weekly_periods`]).
    pub fn every(range: Period, unit: TimeUnit, limits: &Limits) -> Result<Self> {
        let periods = crate::periods::every(range, unit, limits, "retention series")?;
        Ok(Self::new(&periods))
    }

    /// Adds one customer's span to every period.
    pub fn push(&mut self, span: &CustomerSpan) {
        for s in &mut self.states {
            s.push(span);
        }
    }

    /// Combines two series over the same periods.
    ///
    /// # Errors
    /// [`MetricsError::Incompatible`] for different periods.
    pub fn merge(&mut self, o: &RetentionSeries) -> Result<()> {
        if o.states.len() != self.states.len() {
            return Err(MetricsError::Incompatible {
                what: "retention series",
                left: format!("{} periods", self.states.len()),
                right: format!("{} periods", o.states.len()),
            });
        }
        for (a, b) in self.states.iter_mut().zip(&o.states) {
            a.merge(b)?;
        }
        Ok(())
    }

    /// Each period with its figures ([`RetentionState::finish`]: an error for a period nobody
    /// was carried into).
    #[must_use]
    pub fn finish(&self) -> Vec<(Period, Result<Retention>)> {
        self.states.iter().map(|s| (s.period, s.finish())).collect()
    }
}

/// Customer retention and churn rates over one period.
///
/// ```text
/// count form  (Kotler):  CRR = (E - N) / S
/// cohort form:           CRR = R / S          (R = active at start and still active at end)
/// churn, joiners excluded (default; ChartMogul, ProfitWell): (S - R) / S
/// churn, joiners included:                                   (S - R + J) / (S + N)
/// ```
///
/// Since E = R + N - J, the count form equals (R - J) / S: the two forms agree when no
/// same-period joiner leaves (J = 0); otherwise the count form is lower by J / S. The count form can be
/// negative on inconsistent data; the cohort form and both churn rates lie in [0, 1].
/// Edge case: S = 0 is [`MetricsError::ZeroDenominator`]. References: Kotler & Keller,
/// "Marketing Management" (15th ed.), ch. 5; ChartMogul, "Customer churn rate" (help centre);
/// ProfitWell, "Churn rate" (knowledge base).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Retention {
    /// The counts.
    #[serde(flatten)]
    pub counts: RetentionCounts,
    /// (E - N) / S.
    pub count_retention: f64,
    /// R / S, in [0, 1].
    pub cohort_retention: f64,
}

impl Retention {
    /// Figures from counts.
    ///
    /// # Errors
    /// [`MetricsError::ZeroDenominator`] when S = 0; [`MetricsError::InvalidParameter`] when the
    /// counts are inconsistent (R > S, R > E or J > N).
    pub fn from_counts(counts: RetentionCounts) -> Result<Retention> {
        if counts.start == 0 {
            return Err(MetricsError::ZeroDenominator {
                metric: "customer retention",
                denominator: "customers at the start of the period (S)",
            });
        }
        if counts.retained > counts.start.min(counts.end) || counts.joined_and_left > counts.new {
            return Err(MetricsError::InvalidParameter {
                name: "retention counts",
                value: format!("{counts:?}"),
                reason: "need R <= S, R <= E and J <= N",
            });
        }
        let s = counts.start as f64;
        Ok(Retention {
            counts,
            count_retention: (counts.end as f64 - counts.new as f64) / s,
            cohort_retention: counts.retained as f64 / s,
        })
    }
    /// Customer churn rate under `variant`, in [0, 1].
    #[must_use]
    pub fn churn(&self, variant: SamePeriodJoiners) -> f64 {
        let c = &self.counts;
        let lost = (c.start - c.retained) as f64;
        match variant {
            SamePeriodJoiners::Exclude => lost / c.start as f64,
            SamePeriodJoiners::Include => {
                (lost + c.joined_and_left as f64) / (c.start + c.new) as f64
            }
        }
    }
}

/// Retention over `period` from customer spans (one per customer).
///
/// ```
/// use crm_analytics::metrics::model::chrono::NaiveDate;
/// use crm_analytics::metrics::model::{CustomerKey, Period};
/// use crm_analytics::metrics::retention::{retention, CustomerSpan, SamePeriodJoiners};
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let k = CustomerKey::from_index;
/// let q2 = Period::new(d(4, 1), d(7, 1))?;
/// let spans = [
///     CustomerSpan::new(k(0), d(1, 1), None)?,               // A: carried in, stays
///     CustomerSpan::new(k(1), d(1, 1), Some(d(5, 1)))?,      // B: carried in, leaves in May
///     CustomerSpan::new(k(2), d(4, 10), None)?,              // C: joins in Q2, stays
///     CustomerSpan::new(k(3), d(4, 5), Some(d(4, 20)))?,     // D: joins and leaves in Q2
/// ];
/// let r = retention(&spans, q2)?;
/// // S = 2 (A, B), E = 2 (A, C), N = 2 (C, D), retained R = 1 (A).
/// assert_eq!(r.cohort_retention, 0.5);                        // R / S
/// assert_eq!(r.count_retention, 0.0);                         // (E - N) / S: D pulls it down
/// assert_eq!(r.churn(SamePeriodJoiners::Exclude), 0.5);       // lost / S = 1 / 2
/// assert_eq!(r.churn(SamePeriodJoiners::Include), 0.5);       // (1 + 1) / (2 + 2)
/// # Ok::<(), crm_analytics::metrics::MetricsError>(())
/// ```
///
/// # Errors
/// As [`RetentionState::finish`].
pub fn retention(spans: &[CustomerSpan], period: Period) -> Result<Retention> {
    let mut s = RetentionState::new(period);
    for sp in spans {
        s.push(sp);
    }
    s.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + crm_model::chrono::Duration::days(n)
    }

    proptest! {
        #[test]
        fn merge_equals_single_pass_and_bounds(
            raw in prop::collection::vec((0i64..100, prop::option::of(0i64..60)), 1..200),
            cut in 0usize..200) {
            let period = Period::new(d(30), d(60)).unwrap();
            let spans: Vec<CustomerSpan> = raw.iter().enumerate()
                .map(|(i, (s, len))| CustomerSpan::new(CustomerKey::from_index(i as u32), d(*s),
                    len.map(|l| d(s + l))).unwrap())
                .collect();
            let cut = cut % (spans.len() + 1);
            let mut all = RetentionState::new(period);
            let (mut a, mut b) = (RetentionState::new(period), RetentionState::new(period));
            for (i, sp) in spans.iter().enumerate() {
                all.push(sp);
                if i < cut { a.push(sp) } else { b.push(sp) }
            }
            a.merge(&b).unwrap();
            prop_assert_eq!(a, all);
            match all.finish() {
                Ok(r) => {
                    prop_assert!((0.0..=1.0).contains(&r.cohort_retention));
                    prop_assert!(r.count_retention <= r.cohort_retention + 1e-12);
                    for v in [SamePeriodJoiners::Exclude, SamePeriodJoiners::Include] {
                        prop_assert!((0.0..=1.0).contains(&r.churn(v)));
                    }
                    prop_assert!((r.churn(SamePeriodJoiners::Exclude) + r.cohort_retention - 1.0).abs() < 1e-12);
                }
                Err(e) => { let zero = matches!(e, MetricsError::ZeroDenominator { .. }); prop_assert!(zero); }
            }
        }
    }

    #[test]
    fn zero_start_is_error() {
        let p = Period::new(d(0), d(10)).unwrap();
        let sp = CustomerSpan::new(CustomerKey::from_index(0), d(5), None).unwrap();
        assert!(matches!(
            retention(&[sp], p),
            Err(MetricsError::ZeroDenominator { .. })
        ));
        assert!(CustomerSpan::new(CustomerKey::from_index(0), d(5), Some(d(4))).is_err());
    }
}
