#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Random survey and order data split into random partitions: every aggregate equals the native
//! single pass exactly (`==` on the f64 bits), overall and per GROUP BY key.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{col, context, field, query, register_partitions};
use crm_analytics::metrics::satisfaction::{CesState, CsatState, NpsInterval, NpsState};
use crm_analytics::metrics::value::PurchaseState;
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::rust_decimal::{Decimal, RoundingStrategy};
use crm_analytics::model::{
    CesScore, CesVersion, CsatScale, CsatScore, CustomerKey, NpsScore, Transaction,
};
use datafusion::arrow::array::{
    Array, Decimal128Array, Float64Array, Int64Array, RecordBatch, StructArray, UInt64Array,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use proptest::prelude::*;

/// One survey answer / order row.
#[derive(Debug, Clone, Copy)]
struct Row {
    key: i64,
    nps: Option<i64>,
    csat: i64,
    ces: i64,
    cents: i64,
}

fn row() -> impl Strategy<Value = Row> {
    (
        0i64..4,
        proptest::option::weighted(0.9, 0i64..=10),
        1i64..=5,
        1i64..=7,
        0i64..1_000_000,
    )
        .prop_map(|(key, nps, csat, ces, cents)| Row {
            key,
            nps,
            csat,
            ces,
            cents,
        })
}

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("key", DataType::Int64, false),
        Field::new("nps", DataType::Int64, true),
        Field::new("csat", DataType::Int64, false),
        Field::new("ces", DataType::Int64, false),
        Field::new("amount", DataType::Decimal128(12, 2), false),
    ]))
}

fn batch(rows: &[Row]) -> RecordBatch {
    let amount =
        Decimal128Array::from(rows.iter().map(|r| i128::from(r.cents)).collect::<Vec<_>>())
            .with_precision_and_scale(12, 2)
            .unwrap();
    RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.key))),
            Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.nps))),
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.csat))),
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.ces))),
            Arc::new(amount),
        ],
    )
    .unwrap()
}

/// The native single-pass results of one set of rows.
struct Native {
    nps: Option<crm_analytics::metrics::satisfaction::Nps>,
    csat: crm_analytics::metrics::satisfaction::Csat,
    ces: crm_analytics::metrics::satisfaction::Ces,
    aov: Decimal,
}

fn native(rows: &[&Row]) -> Native {
    let mut nps = NpsState::new();
    let mut csat = CsatState::new(CsatScale::OneToFive);
    let mut ces = CesState::new(CesVersion::V2);
    let mut orders = PurchaseState::new();
    let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    for (i, r) in rows.iter().enumerate() {
        if let Some(s) = r.nps {
            nps.push(NpsScore::new(s as u8).unwrap());
        }
        csat.push(CsatScore::new(r.csat as u8, CsatScale::OneToFive).unwrap())
            .unwrap();
        ces.push(CesScore::new(r.ces as u8, CesVersion::V2).unwrap())
            .unwrap();
        let t = Transaction::purchase(
            CustomerKey::from_index(i as u32),
            day,
            Decimal::new(r.cents, 2),
        )
        .unwrap();
        orders.push(&t).unwrap();
    }
    Native {
        nps: (nps.n() > 0).then(|| nps.finish().unwrap()),
        csat: csat.finish().unwrap(),
        ces: ces.finish().unwrap(),
        aov: orders.finish().unwrap().aov,
    }
}

fn bits(a: &Float64Array, i: usize) -> Option<u64> {
    a.is_valid(i).then(|| a.value(i).to_bits())
}

fn f64_field(s: &StructArray, name: &str) -> Float64Array {
    field(s, name)
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap()
        .clone()
}

fn u64_field(s: &StructArray, name: &str) -> UInt64Array {
    field(s, name)
        .as_any()
        .downcast_ref::<UInt64Array>()
        .unwrap()
        .clone()
}

/// Checks row `i` of a result batch (columns: [key,] nps, nps_detail, csat, ces, aov) against
/// the native results.
fn check(b: &RecordBatch, first: usize, i: usize, n: &Native) {
    let nps = col::<Float64Array>(b, first);
    let detail = col::<StructArray>(b, first + 1);
    match &n.nps {
        None => {
            assert!(nps.is_null(i));
            assert!(detail.is_null(i));
        }
        Some(want) => {
            assert_eq!(bits(nps, i), Some(want.score.to_bits()));
            assert_eq!(u64_field(detail, "n").value(i), want.n);
            assert_eq!(u64_field(detail, "promoters").value(i), want.promoters);
            assert_eq!(u64_field(detail, "passives").value(i), want.passives);
            assert_eq!(u64_field(detail, "detractors").value(i), want.detractors);
            assert_eq!(
                f64_field(detail, "standard_error").value(i).to_bits(),
                want.standard_error.to_bits()
            );
            let ci = want.interval(0.95, NpsInterval::AdjustedWald).unwrap();
            assert_eq!(
                f64_field(detail, "low").value(i).to_bits(),
                ci.low.to_bits()
            );
            assert_eq!(
                f64_field(detail, "high").value(i).to_bits(),
                ci.high.to_bits()
            );
        }
    }
    let csat = col::<StructArray>(b, first + 2);
    assert_eq!(u64_field(csat, "n").value(i), n.csat.n);
    assert_eq!(u64_field(csat, "satisfied").value(i), n.csat.satisfied);
    assert_eq!(
        f64_field(csat, "top_two_box").value(i).to_bits(),
        n.csat.top_two_box.to_bits()
    );
    let w = n.csat.top_two_box_interval(0.95).unwrap();
    assert_eq!(f64_field(csat, "low").value(i).to_bits(), w.low.to_bits());
    assert_eq!(f64_field(csat, "high").value(i).to_bits(), w.high.to_bits());
    assert_eq!(
        f64_field(csat, "mean").value(i).to_bits(),
        n.csat.mean.to_bits()
    );
    assert_eq!(
        bits(&f64_field(csat, "std_dev"), i),
        n.csat.std_dev.map(f64::to_bits)
    );
    let ces = col::<StructArray>(b, first + 3);
    assert_eq!(u64_field(ces, "n").value(i), n.ces.n);
    assert_eq!(
        f64_field(ces, "mean").value(i).to_bits(),
        n.ces.mean.to_bits()
    );
    assert_eq!(
        bits(&f64_field(ces, "std_dev"), i),
        n.ces.std_dev.map(f64::to_bits)
    );
    let t = n.ces.mean_interval(0.95).ok();
    assert_eq!(bits(&f64_field(ces, "low"), i), t.map(|t| t.low.to_bits()));
    assert_eq!(
        bits(&f64_field(ces, "high"), i),
        t.map(|t| t.high.to_bits())
    );
    assert_eq!(
        f64_field(ces, "low_effort_share").value(i).to_bits(),
        n.ces.low_effort_share.to_bits()
    );
    let aov = col::<Decimal128Array>(b, first + 4);
    let want = n
        .aov
        .round_dp_with_strategy(10, RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(Decimal::from_i128_with_scale(aov.value(i), 10), want);
}

const AGGS: &str =
    "crm_nps(nps), crm_nps_detail(nps), crm_csat(csat), crm_ces(ces), crm_aov(amount)";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn partitions_equal_native_single_pass(
        rows in proptest::collection::vec(row(), 1..400),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
        target in 1usize..5,
    ) {
        // Random partitions: cut the rows at random places (empty partitions included).
        let mut at: Vec<usize> = cuts.iter().map(|c| c.index(rows.len() + 1)).collect();
        at.sort_unstable();
        let mut parts = Vec::new();
        let mut lo = 0;
        for &c in at.iter().chain(std::iter::once(&rows.len())) {
            parts.push(vec![batch(&rows[lo..c])]);
            lo = c;
        }
        let ctx = context(target.max(2));
        register_partitions(&ctx, "t", schema(), parts);

        let all: Vec<&Row> = rows.iter().collect();
        let b = query(&ctx, &format!("SELECT {AGGS} FROM t")).unwrap();
        prop_assert_eq!(b.num_rows(), 1);
        check(&b, 0, 0, &native(&all));

        let b = query(&ctx, &format!("SELECT key, {AGGS} FROM t GROUP BY key ORDER BY key")).unwrap();
        let mut groups: BTreeMap<i64, Vec<&Row>> = BTreeMap::new();
        for r in &rows {
            groups.entry(r.key).or_default().push(r);
        }
        prop_assert_eq!(b.num_rows(), groups.len());
        let keys = col::<Int64Array>(&b, 0);
        for (i, (k, g)) in groups.iter().enumerate() {
            prop_assert_eq!(keys.value(i), *k);
            check(&b, 1, i, &native(g));
        }
    }
}
