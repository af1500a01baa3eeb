#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Property tests: one segment per customer, scores in range, permutation invariance with
//! value-based ties, monotone F and M, merge = single pass.

use crm_rfm::model::chrono::{Duration, NaiveDate};
use crm_rfm::model::rust_decimal::Decimal;
use crm_rfm::model::{CustomerKey, SameDayPurchases, Transaction};
use crm_rfm::{RfmAccumulator, RfmOptions, SegmentMap, TiePolicy, analyze, rfm_values, score};
use proptest::prelude::*;

fn day(off: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Duration::days(off)
}

fn tx(rows: &[(u32, i64, i64)]) -> Vec<Transaction> {
    rows.iter()
        .map(|&(c, d, cents)| {
            Transaction::purchase(CustomerKey::from_index(c), day(d), Decimal::new(cents, 2))
                .unwrap()
        })
        .collect()
}

fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut s = seed | 1;
    for i in (1..v.len()).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v.swap(i, (s % (i as u64 + 1)) as usize);
    }
}

fn rows() -> impl Strategy<Value = Vec<(u32, i64, i64)>> {
    prop::collection::vec((0u32..40, 0i64..100, 0i64..20_000), 1..300)
}

fn policies() -> impl Strategy<Value = TiePolicy> {
    prop_oneof![Just(TiePolicy::ValueBased), Just(TiePolicy::RankFirst)]
}

proptest! {
    #[test]
    fn every_customer_gets_exactly_one_segment_and_scores_in_range(
        rows in rows(), bins in 2u8..=9, ties in policies(),
    ) {
        let t = rfm_values(&tx(&rows), &RfmOptions::new(day(100))).unwrap();
        let s = score(&t.customers, bins, &ties).unwrap();
        prop_assert_eq!(s.len(), t.customers.len());
        for x in &s {
            for v in [x.r, x.f, x.m] {
                prop_assert!((1..=bins).contains(&v));
            }
        }
        for map in [SegmentMap::standard(), SegmentMap::with_lost(), SegmentMap::tiers()] {
            if bins != 5 {
                continue;
            }
            let a = analyze(&t.customers, bins, &ties, &map).unwrap();
            prop_assert_eq!(a.segments.len(), t.customers.len());
            let total: u64 = a.report.segments.iter().map(|l| l.customers).sum();
            prop_assert_eq!(total, t.customers.len() as u64);
            for (sc, &seg) in a.scores.iter().zip(&a.segments) {
                prop_assert_eq!(a.segment_names[usize::from(seg)].as_str(), map.segment_of(sc));
            }
        }
    }

    #[test]
    fn value_based_is_invariant_under_permutation(rows in rows(), seed in any::<u64>(), bins in 2u8..=7) {
        let t = tx(&rows);
        let mut p = t.clone();
        shuffle(&mut p, seed);
        let o = RfmOptions::new(day(100)).same_day(SameDayPurchases::Merge);
        let a = rfm_values(&t, &o).unwrap();
        let b = rfm_values(&p, &o).unwrap();
        prop_assert_eq!(&a, &b);
        let sa = score(&a.customers, bins, &TiePolicy::ValueBased).unwrap();
        // Permute the customers themselves: each keeps its score.
        let mut idx: Vec<usize> = (0..a.customers.len()).collect();
        shuffle(&mut idx, seed ^ 0x9e37);
        let permuted: Vec<_> = idx.iter().map(|&i| a.customers[i].clone()).collect();
        let sp = score(&permuted, bins, &TiePolicy::ValueBased).unwrap();
        for (k, &i) in idx.iter().enumerate() {
            prop_assert_eq!(sp[k], sa[i]);
        }
        // Equal values, equal scores.
        for (x, sx) in a.customers.iter().zip(&sa) {
            for (y, sy) in a.customers.iter().zip(&sa) {
                if x.frequency == y.frequency { prop_assert_eq!(sx.f, sy.f); }
                if x.recency_days == y.recency_days { prop_assert_eq!(sx.r, sy.r); }
                if x.monetary == y.monetary { prop_assert_eq!(sx.m, sy.m); }
            }
        }
    }

    #[test]
    fn adding_a_purchase_never_lowers_f_or_m(
        rows in rows(), extra in (0u32..40, 0i64..100, 0i64..20_000), merge in any::<bool>(),
    ) {
        let same = if merge { SameDayPurchases::Merge } else { SameDayPurchases::Separate };
        let o = RfmOptions::new(day(100)).same_day(same);
        let before = rfm_values(&tx(&rows), &o).unwrap();
        let mut more = rows.clone();
        more.push(extra);
        let after = rfm_values(&tx(&more), &o).unwrap();
        let c = CustomerKey::from_index(extra.0);
        let a = after.customers.iter().find(|v| v.customer == c).unwrap();
        if let Some(b) = before.customers.iter().find(|v| v.customer == c) {
            prop_assert!(a.frequency >= b.frequency);
            prop_assert!(a.monetary >= b.monetary);
            prop_assert!(a.recency_days <= b.recency_days);
        }
        // Everyone else is unchanged.
        for b in before.customers.iter().filter(|v| v.customer != c) {
            prop_assert!(after.customers.contains(b));
        }
    }

    #[test]
    fn merge_equals_single_pass(rows in rows(), cut in 0usize..300, merge in any::<bool>()) {
        let same = if merge { SameDayPurchases::Merge } else { SameDayPurchases::Separate };
        let t = tx(&rows);
        let cut = cut.min(t.len());
        let mut one = RfmAccumulator::new(same);
        t.iter().for_each(|x| one.push(x).unwrap());
        let mut left = RfmAccumulator::new(same);
        let mut right = RfmAccumulator::new(same);
        t[..cut].iter().for_each(|x| left.push(x).unwrap());
        t[cut..].iter().for_each(|x| right.push(x).unwrap());
        right.merge(left).unwrap();
        let m = crm_rfm::MonetaryValue::Total;
        prop_assert_eq!(one.finish(Some(day(100)), m).unwrap(), right.finish(Some(day(100)), m).unwrap());
    }
}

#[test]
fn built_in_maps_cover_every_cell_once() {
    let all = |m: &SegmentMap| {
        for r in 1..=5 {
            for f in 1..=5 {
                for mm in 1..=5 {
                    let s = crm_rfm::RfmScore { r, f, m: mm };
                    let hits = m.rules.iter().filter(|x| x.matches(&s)).count();
                    assert!(hits >= 1, "{s:?} uncovered");
                }
            }
        }
    };
    let std = SegmentMap::standard();
    all(&std);
    all(&SegmentMap::with_lost());
    // tiers() leaves R 1-2 to its fallback, Churn warning.
    assert_eq!(
        SegmentMap::tiers().segment_of(&crm_rfm::RfmScore { r: 2, f: 5, m: 5 }),
        "Churn warning"
    );
    // The standard map's rules partition the grid: exactly one rule per cell.
    for r in 1..=5 {
        for f in 1..=5 {
            let s = crm_rfm::RfmScore { r, f, m: 3 };
            assert_eq!(std.rules.iter().filter(|x| x.matches(&s)).count(), 1);
        }
    }
}

#[test]
fn merge_remapped_equals_single_pass() {
    // Part B uses its own keys: B's key 0 is global key 2, B's key 1 is global key 0.
    let d = |x| day(x);
    let m = crm_rfm::MonetaryValue::Total;
    for same in [SameDayPurchases::Separate, SameDayPurchases::Merge] {
        let k = CustomerKey::from_index;
        let mut one = RfmAccumulator::new(same);
        let mut a = RfmAccumulator::new(same);
        let mut b = RfmAccumulator::new(same);
        for (acc, key, day_, amt) in [
            (0, 0, 1, 5),
            (0, 1, 2, 7),
            (1, 0, 3, 9),
            (1, 1, 1, 4),
            (1, 1, 1, 1),
        ] {
            let global = if acc == 0 { key } else { [2, 0][key as usize] };
            one.push_purchase(k(global), d(day_), Decimal::from(amt))
                .unwrap();
            let part = if acc == 0 { &mut a } else { &mut b };
            part.push_purchase(k(key), d(day_), Decimal::from(amt))
                .unwrap();
        }
        a.merge_remapped(b, &[k(2), k(0)]).unwrap();
        assert_eq!(
            a.finish(Some(d(10)), m).unwrap(),
            one.finish(Some(d(10)), m).unwrap()
        );
    }
}

#[test]
fn threaded_equals_single_pass_and_reports_the_global_record() {
    let rows: Vec<(u32, i64, i64)> = (0..250_000u32)
        .map(|i| {
            (
                i.wrapping_mul(2_654_435_761) % 5000,
                i64::from(i % 90),
                i64::from(i % 977),
            )
        })
        .collect();
    let t = tx(&rows);
    let o = RfmOptions::new(day(100));
    let one = rfm_values(&t, &o).unwrap();
    for threads in [2, 3] {
        assert_eq!(crm_rfm::rfm_values_threaded(&t, &o, threads).unwrap(), one);
    }
    let e = crm_rfm::rfm_values_threaded(&t, &RfmOptions::new(day(50)), 2).unwrap_err();
    assert_eq!(e, rfm_values(&t, &RfmOptions::new(day(50))).unwrap_err());
    // The first late record is in the first part here; one in the second part keeps its index.
    let mut late = tx(&rows[..200_000]
        .iter()
        .map(|r| (r.0, r.1 % 40, r.2))
        .collect::<Vec<_>>());
    late.push(tx(&[(1, 80, 1)])[0].clone());
    let e = crm_rfm::rfm_values_threaded(&late, &RfmOptions::new(day(50)), 2).unwrap_err();
    assert_eq!(
        e.to_string(),
        "record 200000: date 2024-03-21 is after the observation end 2024-02-20"
    );
}

/// `analyze` (one fused pass) equals `score`, `Segmenter::classify_all` and `segment_report`
/// one after the other, for every tie policy.
#[test]
fn analyze_equals_its_steps() {
    let rows: Vec<(u32, i64, i64)> = (0..20_000u32)
        .map(|i| {
            (
                i.wrapping_mul(2_654_435_761) % 3000,
                i64::from(i % 97),
                i64::from(i % 1231),
            )
        })
        .collect();
    let t = rfm_values(&tx(&rows), &RfmOptions::new(day(100))).unwrap();
    let v = &t.customers;
    let map = SegmentMap::standard();
    let fixed = TiePolicy::Fixed(crm_rfm::CutPoints {
        recency_days: vec![10.0, 30.0, 60.0, 80.0],
        frequency: vec![3.0, 5.0, 7.0, 9.0],
        monetary: vec![10.0, 30.0, 50.0, 70.0],
    });
    for ties in [TiePolicy::ValueBased, TiePolicy::RankFirst, fixed] {
        let a = analyze(v, 5, &ties, &map).unwrap();
        let seg = map.compile(5).unwrap();
        let scores = score(v, 5, &ties).unwrap();
        let segments = seg.classify_all(&scores);
        let report = crm_rfm::segment_report(v, &segments, seg.names(), seg.fallback()).unwrap();
        assert_eq!(a.scores, scores);
        assert_eq!(a.segments, segments);
        assert_eq!(a.report, report);
    }
}

/// `analyze_rows` carries exactly `analyze`'s numbers, one row per input customer in input
/// order, each with its customer's key and values, for every tie policy.
#[test]
fn analyze_rows_equals_analyze() {
    let rows: Vec<(u32, i64, i64)> = (0..5_000u32)
        .map(|i| {
            (
                i.wrapping_mul(2_654_435_761) % 700,
                i64::from(i % 89),
                i64::from(i % 1013),
            )
        })
        .collect();
    let t = rfm_values(&tx(&rows), &RfmOptions::new(day(100))).unwrap();
    let mut v = t.customers;
    shuffle(&mut v, 7); // input order, not key order, must be kept
    let map = SegmentMap::with_lost();
    for ties in [TiePolicy::ValueBased, TiePolicy::RankFirst] {
        let a = analyze(&v, 5, &ties, &map).unwrap();
        let r = crm_rfm::analyze_rows(&v, 5, &ties, &map).unwrap();
        assert_eq!(r.rows.len(), v.len());
        assert_eq!(r.segment_names, a.segment_names);
        assert_eq!(r.report, a.report);
        for (i, row) in r.rows.iter().enumerate() {
            assert_eq!(row.customer, v[i].customer);
            assert_eq!(
                (row.recency_days, row.frequency, &row.monetary),
                (v[i].recency_days, v[i].frequency, &v[i].monetary)
            );
            assert_eq!(row.score(), a.scores[i]);
            assert_eq!(row.segment, a.segments[i]);
            assert_eq!(
                r.segment_name(row),
                a.segment_names[usize::from(a.segments[i])]
            );
        }
    }
}
