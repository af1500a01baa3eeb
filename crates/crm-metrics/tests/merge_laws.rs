#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Monoid laws of the mergeable states: merge is associative, and merging with an empty state
//! changes nothing (checked on the finished results, which is what callers observe).

use crm_metrics::engagement::{CohortPeriod, CohortState, FunnelOrder, FunnelState};
use crm_metrics::retention::{CustomerSpan, RetentionState};
use crm_metrics::revenue::RevenueState;
use crm_metrics::satisfaction::CsatState;
use crm_metrics::value::PurchaseState;
use crm_model::chrono::{Duration, NaiveDate};
use crm_model::rust_decimal::Decimal;
use crm_model::{
    CsatScale, CsatScore, CustomerKey, Funnel, FunnelEvent, MrrMovement, MrrMovementKind, Period,
    Transaction,
};
use proptest::prelude::*;

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 1, 1).unwrap() + Duration::days(n)
}

/// Builds three states from three slices, then checks (a+b)+c == a+(b+c) == single pass and
/// a + empty == a, comparing with `eq` on the finished values.
macro_rules! laws {
    ($new:expr, $push:expr, $merge:expr, $finish:expr, $parts:expr) => {{
        let build = |xs: &[_]| {
            let mut s = $new;
            for x in xs {
                $push(&mut s, x);
            }
            s
        };
        let (a, b, c) = (build(&$parts[0]), build(&$parts[1]), build(&$parts[2]));
        let mut left = a.clone();
        $merge(&mut left, &b);
        $merge(&mut left, &c);
        let mut bc = b.clone();
        $merge(&mut bc, &c);
        let mut right = a.clone();
        $merge(&mut right, &bc);
        let all: Vec<_> = $parts.iter().flatten().cloned().collect();
        let single = build(&all);
        let mut with_empty = a.clone();
        $merge(&mut with_empty, &$new);
        prop_assert_eq!($finish(&left), $finish(&right));
        prop_assert_eq!($finish(&left), $finish(&single));
        prop_assert_eq!($finish(&with_empty), $finish(&a));
    }};
}

fn split<T: Clone>(v: &[T], i: usize, j: usize) -> [Vec<T>; 3] {
    let (i, j) = (i % (v.len() + 1), j % (v.len() + 1));
    let (i, j) = (i.min(j), i.max(j));
    [v[..i].to_vec(), v[i..j].to_vec(), v[j..].to_vec()]
}

proptest! {
    #[test]
    fn cohort_laws(rows in prop::collection::vec((0u32..40, 0i64..1500), 0..120),
                   i in 0usize..121, j in 0usize..121, week in any::<bool>()) {
        let p = if week { CohortPeriod::Week } else { CohortPeriod::Month };
        let tx: Vec<Transaction> = rows.iter()
            .map(|(c, d)| Transaction::purchase(CustomerKey::from_index(*c), day(*d), Decimal::ONE).unwrap())
            .collect();
        laws!(CohortState::new(p), |s: &mut CohortState, t| s.push(t).unwrap(),
              |s: &mut CohortState, o| s.merge(o).unwrap(), |s: &CohortState| s.finish().ok(),
              split(&tx, i, j));
    }

    #[test]
    fn revenue_laws(rows in prop::collection::vec((0usize..5, 0i64..10_000, 0i64..60), 0..80),
                    i in 0usize..81, j in 0usize..81) {
        let kinds = [MrrMovementKind::New, MrrMovementKind::Expansion, MrrMovementKind::Contraction,
                     MrrMovementKind::Churn, MrrMovementKind::Reactivation];
        let period = Period::new(day(10), day(40)).unwrap();
        let mv: Vec<MrrMovement> = rows.iter()
            .map(|(k, a, d)| MrrMovement::new(CustomerKey::from_index(0), day(*d), kinds[*k], Decimal::new(*a, 2)).unwrap())
            .collect();
        laws!(RevenueState::new(period), |s: &mut RevenueState, m| s.push(m).unwrap(),
              |s: &mut RevenueState, o| s.merge(o).unwrap(), |s: &RevenueState| s.totals(),
              split(&mv, i, j));
    }

    #[test]
    fn purchase_laws(rows in prop::collection::vec((0u32..30, -300i64..3000), 0..80),
                     i in 0usize..81, j in 0usize..81) {
        let tx: Vec<Transaction> = rows.iter()
            .map(|(c, a)| Transaction::from_signed(CustomerKey::from_index(*c), day(0), Decimal::new(*a, 2)))
            .collect();
        laws!(PurchaseState::new(), |s: &mut PurchaseState, t| s.push(t).unwrap(),
              |s: &mut PurchaseState, o| s.merge(o).unwrap(),
              |s: &PurchaseState| (s.finish().ok(), s.historical_clv(Decimal::new(3, 1)).ok()),
              split(&tx, i, j));
    }

    #[test]
    fn funnel_laws(rows in prop::collection::vec((0u32..15, 0usize..3, 0i64..200), 0..80),
                   i in 0usize..81, j in 0usize..81) {
        let f = Funnel::new(["a", "b", "c"]).unwrap();
        let t0 = day(0).and_hms_opt(0, 0, 0).unwrap();
        let ev: Vec<FunnelEvent> = rows.iter()
            .map(|(s, st, h)| FunnelEvent::new(CustomerKey::from_index(*s), ["a", "b", "c"][*st], t0 + Duration::hours(*h)).unwrap())
            .collect();
        laws!(FunnelState::new(f.clone()), |s: &mut FunnelState, e| s.push(e).unwrap(),
              |s: &mut FunnelState, o| s.merge(o).unwrap(),
              |s: &FunnelState| s.finish(FunnelOrder::Sequential).ok(), split(&ev, i, j));
    }

    #[test]
    fn csat_and_retention_laws(v in prop::collection::vec(1u8..=5, 0..80),
                               spans in prop::collection::vec((0i64..200, prop::option::of(0i64..100)), 0..80),
                               i in 0usize..81, j in 0usize..81) {
        let scores: Vec<CsatScore> = v.iter().map(|&x| CsatScore::new(x, CsatScale::OneToFive).unwrap()).collect();
        laws!(CsatState::new(CsatScale::OneToFive), |s: &mut CsatState, x: &CsatScore| s.push(*x).unwrap(),
              |s: &mut CsatState, o| s.merge(o).unwrap(), |s: &CsatState| s.finish().ok(),
              split(&scores, i, j));
        let period = Period::new(day(60), day(120)).unwrap();
        let sp: Vec<CustomerSpan> = spans.iter().enumerate()
            .map(|(k, (s, len))| CustomerSpan::new(CustomerKey::from_index(k as u32), day(*s), len.map(|l| day(s + l))).unwrap())
            .collect();
        laws!(RetentionState::new(period), |s: &mut RetentionState, x| s.push(x),
              |s: &mut RetentionState, o| s.merge(o).unwrap(), |s: &RetentionState| s.counts(),
              split(&sp, i, j));
    }
}
