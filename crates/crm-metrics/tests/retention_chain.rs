//! Retention over consecutive periods: counts chain (no loss falls between two periods), and the
//! one-pass series equals one call per period.
#![allow(clippy::unwrap_used)]

use crm_metrics::activity::{Inactivity, activity_retention, activity_retention_series};
use crm_metrics::retention::{CustomerSpan, RetentionSeries, RetentionState};
use crm_model::chrono::{Days, NaiveDate};
use crm_model::{CustomerKey, Period, TimeUnit, Transaction};
use proptest::prelude::*;

fn day(offset: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Days::new(u64::from(offset))
}

fn months(n: i64) -> Vec<Period> {
    (0..n)
        .map(|i| {
            let m = TimeUnit::Month;
            let s = m.add(day(0), i).unwrap();
            Period::new(s, m.add(s, 1).unwrap()).unwrap()
        })
        .collect()
}

#[test]
fn a_span_ending_on_the_first_of_a_month_is_lost_in_that_month() {
    // Active January 10 to April 30 (first inactive day May 1).
    let span = CustomerSpan::new(CustomerKey::from_index(0), day(9), Some(day(121))).unwrap();
    assert_eq!(day(121), NaiveDate::from_ymd_opt(2024, 5, 1).unwrap());
    let counts = |p: Period| {
        let mut s = RetentionState::new(p);
        s.push(&span);
        s.counts()
    };
    let m = months(5);
    let (april, may) = (counts(m[3]), counts(m[4]));
    assert_eq!((april.start, april.end, april.retained), (1, 1, 1));
    assert_eq!((may.start, may.end, may.retained), (1, 0, 0));
}

proptest! {
    #[test]
    fn counts_chain_and_the_series_equals_one_call_per_period(
        spans in prop::collection::vec((0u32..400, prop::option::of(0u32..200)), 1..60),
        buys in prop::collection::vec((0u32..20, 0u32..420), 1..120),
    ) {
        let periods = months(14);
        // Spans: E of each month equals S of the next.
        let spans: Vec<CustomerSpan> = spans
            .iter()
            .enumerate()
            .map(|(i, &(s, len))| {
                CustomerSpan::new(CustomerKey::from_index(i as u32), day(s), len.map(|l| day(s + l)))
                    .unwrap()
            })
            .collect();
        let counts: Vec<_> = periods
            .iter()
            .map(|p| {
                let mut st = RetentionState::new(*p);
                spans.iter().for_each(|sp| st.push(sp));
                st.counts()
            })
            .collect();
        for w in counts.windows(2) {
            prop_assert_eq!(w[0].end, w[1].start);
        }
        // The series is the per-period states, and merges like them.
        let (mut left, mut right) = (RetentionSeries::new(&periods), RetentionSeries::new(&periods));
        let mid = spans.len() / 2;
        spans[..mid].iter().for_each(|sp| left.push(sp));
        spans[mid..].iter().for_each(|sp| right.push(sp));
        left.merge(&right).unwrap();
        for ((_, r), c) in left.finish().iter().zip(&counts) {
            match r {
                Ok(r) => prop_assert_eq!(r.counts, *c),
                Err(_) => prop_assert_eq!(c.start, 0),
            }
        }
        // Purchases: the one-pass series equals per-period calls.
        let tx: Vec<Transaction> = buys
            .iter()
            .map(|&(c, d)| Transaction::purchase(CustomerKey::from_index(c), day(d), 1.into()).unwrap())
            .collect();
        let as_of = day(425);
        let series = activity_retention_series(&tx, &periods, as_of, Inactivity::default()).unwrap();
        for (p, got) in periods.iter().zip(&series) {
            let one = activity_retention(&tx, *p, as_of, Inactivity::default()).ok();
            prop_assert_eq!(got, &one);
        }
    }
}
