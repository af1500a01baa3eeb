#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Hand-computed cases and error paths.

use crm_rfm::model::chrono::NaiveDate;
use crm_rfm::model::rust_decimal::Decimal;
use crm_rfm::model::{CustomerKey, LateEvents, ModelError, SameDayPurchases, Transaction};
use crm_rfm::{
    CutPoints, MonetaryValue, RfmError, RfmModel, RfmOptions, RfmScore, SegmentMap, TiePolicy,
    analyze, rfm_values, score,
};

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, day).unwrap()
}

fn p(c: u32, date: NaiveDate, amount: i64) -> Transaction {
    Transaction::purchase(CustomerKey::from_index(c), date, Decimal::from(amount)).unwrap()
}

#[test]
fn fixed_thresholds_score_by_business_rules() {
    let tx = [
        p(0, d(6, 25), 10),
        p(1, d(3, 1), 500),
        p(1, d(1, 5), 700),
        p(2, d(1, 1), 5),
    ];
    let t = rfm_values(&tx, &RfmOptions::new(d(7, 1))).unwrap();
    // recency: 6, 122, 182 days.
    let r: Vec<u32> = t.customers.iter().map(|v| v.recency_days).collect();
    assert_eq!(r, vec![6, 122, 182]);
    let cuts = CutPoints {
        recency_days: vec![30.0, 90.0, 180.0, 365.0],
        frequency: vec![1.0, 2.0, 3.0, 5.0],
        monetary: vec![50.0, 100.0, 500.0, 1000.0],
    };
    let s = score(&t.customers, 5, &TiePolicy::Fixed(cuts.clone())).unwrap();
    assert_eq!(s[0], RfmScore { r: 5, f: 1, m: 1 });
    assert_eq!(s[1], RfmScore { r: 3, f: 2, m: 5 }); // 1200 > 1000
    assert_eq!(s[2], RfmScore { r: 2, f: 1, m: 1 }); // 182 in (180, 365]
    // Bins must agree with the thresholds.
    assert!(matches!(
        score(&t.customers, 4, &TiePolicy::Fixed(cuts)),
        Err(RfmError::InvalidCutPoints { .. })
    ));
}

#[test]
fn invalid_inputs_are_named_errors() {
    assert_eq!(score(&[], 5, &TiePolicy::ValueBased), Err(RfmError::Empty));
    let t = rfm_values(&[p(0, d(1, 1), 1)], &RfmOptions::new(d(1, 2))).unwrap();
    assert_eq!(
        score(&t.customers, 1, &TiePolicy::ValueBased),
        Err(RfmError::InvalidBins(1))
    );
    let bad = CutPoints {
        recency_days: vec![3.0, 1.0],
        frequency: vec![1.0, 2.0],
        monetary: vec![1.0, 2.0],
    };
    let e = RfmModel::new(bad).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cut points for recency_days: 1 comes after 3: not ascending"
    );
    let nan = CutPoints {
        recency_days: vec![1.0],
        frequency: vec![f64::NAN],
        monetary: vec![1.0],
    };
    assert!(RfmModel::new(nan).is_err());
    // A model read from JSON is validated.
    assert!(
        serde_json::from_str::<RfmModel>(
            r#"{"recency_days":[1,2],"frequency":[1],"monetary":[1,2]}"#
        )
        .is_err()
    );
    // The default map is for 5 levels.
    let e = SegmentMap::standard().compile(3).unwrap_err();
    assert!(
        e.to_string().contains("reaches past the 3 score levels"),
        "{e}"
    );
}

#[test]
fn late_transactions_rejected_with_record_or_excluded() {
    let tx = [p(0, d(1, 1), 1), p(1, d(3, 1), 1)];
    let e = rfm_values(&tx, &RfmOptions::new(d(2, 1))).unwrap_err();
    assert_eq!(
        e,
        RfmError::Model(
            ModelError::AfterObservationEnd {
                date: d(3, 1),
                end: d(2, 1)
            }
            .at_record(1)
        )
    );
    let t = rfm_values(
        &tx,
        &RfmOptions::new(d(2, 1)).late_events(LateEvents::Exclude),
    )
    .unwrap();
    assert_eq!((t.customers.len(), t.excluded_after_as_of), (1, 1));
}

#[test]
fn refunds_do_not_count_and_same_day_merges() {
    let c = CustomerKey::from_index(0);
    let tx = [
        p(0, d(1, 1), 10),
        p(0, d(1, 1), 30),
        Transaction::new(
            c,
            d(1, 2),
            Decimal::from(5),
            crm_rfm::model::TransactionKind::Return,
        )
        .unwrap(),
    ];
    let t = rfm_values(&tx, &RfmOptions::new(d(1, 11))).unwrap();
    let v = &t.customers[0];
    assert_eq!(
        (v.recency_days, v.frequency, v.monetary, t.non_purchases),
        (10, 2, Decimal::from(40), 1)
    );
    let o = RfmOptions::new(d(1, 11))
        .same_day(SameDayPurchases::Merge)
        .monetary(MonetaryValue::MeanPerPurchase);
    let v = rfm_values(&tx, &o).unwrap().customers.remove(0);
    assert_eq!(
        (v.frequency, v.monetary, v.total_spend),
        (1, Decimal::from(40), Decimal::from(40))
    );
}

#[test]
fn report_by_hand() {
    // Four customers, 2 bins, value-based: recency 1, 1, 10, 20; frequency 1, 3, 1, 3;
    // spend 10, 30, 20, 40.
    let tx = [
        p(0, d(1, 30), 10),
        p(1, d(1, 30), 10),
        p(1, d(1, 20), 10),
        p(1, d(1, 10), 10),
        p(2, d(1, 21), 20),
        p(3, d(1, 11), 20),
        p(3, d(1, 5), 10),
        p(3, d(1, 1), 10),
    ];
    let t = rfm_values(&tx, &RfmOptions::new(d(1, 31))).unwrap();
    let map: SegmentMap = serde_json::from_str(
        r#"{"rules": [{"segment": "Active", "r": [2, 2]}], "fallback": "Lapsing"}"#,
    )
    .unwrap();
    let a = analyze(&t.customers, 2, &TiePolicy::ValueBased, &map).unwrap();
    // Recency median cut = (1 + 10) / 2 = 5.5: customers 0, 1 score R = 2.
    let names: Vec<&str> = a
        .segments
        .iter()
        .map(|&s| a.segment_names[usize::from(s)].as_str())
        .collect();
    assert_eq!(names, vec!["Active", "Active", "Lapsing", "Lapsing"]);
    let r = &a.report;
    assert_eq!((r.customers, r.revenue), (4, Decimal::from(100)));
    let active = &r.segments[0];
    assert_eq!((active.customers, active.revenue), (2, Decimal::from(40)));
    assert_eq!(active.customer_share, 0.5);
    assert_eq!(active.revenue_share, Some(0.4));
    assert_eq!(active.mean_recency_days, Some(1.0));
    assert_eq!(active.mean_frequency, Some(2.0));
    assert_eq!(active.mean_monetary, Some(20.0));
    let lapsing = &r.segments[1];
    assert_eq!(lapsing.mean_recency_days, Some(15.0));
    assert_eq!(lapsing.revenue_share, Some(0.6));
    // Maps round-trip through JSON.
    for m in [
        SegmentMap::standard(),
        SegmentMap::with_lost(),
        SegmentMap::tiers(),
        map,
    ] {
        let j = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<SegmentMap>(&j).unwrap(), m);
    }
}

#[test]
fn values_from_purchase_summaries_match_transactions() {
    use crm_rfm::model::{SummaryOptions, TimeUnit, summarize};
    let tx = [
        p(0, d(1, 2), 10),
        p(0, d(1, 2), 5),
        p(0, d(1, 20), 30),
        p(1, d(1, 9), 7),
    ];
    let as_of = d(1, 31);
    for same in [SameDayPurchases::Merge, SameDayPurchases::Separate] {
        let s = summarize(
            &tx,
            &SummaryOptions::new(as_of, TimeUnit::Day).same_day(same),
        )
        .unwrap();
        for m in [MonetaryValue::Total, MonetaryValue::MeanPerPurchase] {
            let from_s = crm_rfm::rfm_values_from_summaries(&s.customers, as_of, m).unwrap();
            let from_t = rfm_values(&tx, &RfmOptions::new(as_of).same_day(same).monetary(m))
                .unwrap()
                .customers;
            assert_eq!(from_s, from_t, "{same:?} {m:?}");
        }
    }
    // Customer 0: 11 days, 3 purchases (2 purchase days), 45 spent.
    let s = summarize(&tx, &SummaryOptions::new(as_of, TimeUnit::Day)).unwrap();
    let v = crm_rfm::rfm_values_from_summaries(&s.customers, as_of, MonetaryValue::Total).unwrap();
    assert_eq!(
        (v[0].recency_days, v[0].frequency, v[0].monetary),
        (11, 2, Decimal::from(45))
    );
    assert!(
        crm_rfm::rfm_values_from_summaries(&s.customers, d(1, 10), MonetaryValue::Total).is_err()
    );
}
