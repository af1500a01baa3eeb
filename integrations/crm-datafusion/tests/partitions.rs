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

/// Splits `rows` at random places into MemTable partitions (empty partitions included).
fn split<T>(
    rows: &[T],
    cuts: &[proptest::sample::Index],
    batch: impl Fn(&[T]) -> RecordBatch,
) -> Vec<Vec<RecordBatch>> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c.index(rows.len() + 1)).collect();
    at.sort_unstable();
    let mut parts = Vec::new();
    let mut lo = 0;
    for &c in at.iter().chain(std::iter::once(&rows.len())) {
        parts.push(vec![batch(&rows[lo..c])]);
        lo = c;
    }
    parts
}

/// One order: customer, day offset from 2024-01-01, amount in cents.
#[derive(Debug, Clone, Copy)]
struct Order {
    customer: i64,
    day: i32,
    cents: i64,
}

fn order() -> impl Strategy<Value = Order> {
    (0i64..12, 0i32..120, 0i64..100_000).prop_map(|(customer, day, cents)| Order {
        customer,
        day,
        cents,
    })
}

const ORDER_EPOCH: i32 = 19_723; // 2024-01-01 as days since 1970-01-01

fn order_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("customer", DataType::Int64, false),
        Field::new("day", DataType::Date32, false),
        Field::new("amount", DataType::Decimal128(12, 2), false),
    ]))
}

fn order_batch(rows: &[Order]) -> RecordBatch {
    use datafusion::arrow::array::Date32Array;
    let amount =
        Decimal128Array::from(rows.iter().map(|r| i128::from(r.cents)).collect::<Vec<_>>())
            .with_precision_and_scale(12, 2)
            .unwrap();
    RecordBatch::try_new(
        order_schema(),
        vec![
            Arc::new(Int64Array::from_iter_values(
                rows.iter().map(|r| r.customer),
            )),
            Arc::new(Date32Array::from_iter_values(
                rows.iter().map(|r| ORDER_EPOCH + r.day),
            )),
            Arc::new(amount),
        ],
    )
    .unwrap()
}

fn day(offset: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono_days(offset)
}

fn chrono_days(d: i32) -> crm_analytics::model::chrono::TimeDelta {
    crm_analytics::model::chrono::TimeDelta::try_days(i64::from(d)).unwrap()
}

fn transactions(rows: &[Order]) -> Vec<Transaction> {
    rows.iter()
        .map(|r| {
            Transaction::purchase(
                CustomerKey::from_index(r.customer as u32),
                day(r.day),
                Decimal::new(r.cents, 2),
            )
            .unwrap()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// crm_repeat_rate overall and crm_summary per customer equal the native single pass.
    #[test]
    fn orders_in_partitions_equal_native(
        rows in proptest::collection::vec(order(), 1..300),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
        target in 1usize..5,
    ) {
        use crm_analytics::model::{summarize, SummaryOptions, TimeUnit, to_f64};
        use datafusion::arrow::array::{Date32Array, UInt32Array};
        let ctx = context(target.max(2));
        register_partitions(&ctx, "o", order_schema(), split(&rows, &cuts, order_batch));
        let tx = transactions(&rows);

        // Repeat purchase rate: the native PurchaseState over every order.
        let mut state = PurchaseState::new();
        for t in &tx {
            state.push(t).unwrap();
        }
        let want = state.finish().unwrap().repeat_purchase_rate;
        let b = query(&ctx, "SELECT crm_repeat_rate(customer) FROM o").unwrap();
        prop_assert_eq!(col::<Float64Array>(&b, 0).value(0).to_bits(), want.to_bits());
        // Text keys give the same rate.
        let b = query(&ctx, "SELECT crm_repeat_rate(CAST(customer AS VARCHAR)) FROM o").unwrap();
        prop_assert_eq!(col::<Float64Array>(&b, 0).value(0).to_bits(), want.to_bits());

        // Purchase summaries per customer, in weeks, observed to day 130.
        let end = day(130);
        let native = summarize(&tx, &SummaryOptions::new(end, TimeUnit::Week)).unwrap();
        let b = query(
            &ctx,
            "SELECT customer, crm_summary(day, amount, DATE '2024-05-10', 'week') AS s \
             FROM o GROUP BY customer ORDER BY customer",
        )
        .unwrap();
        prop_assert_eq!(b.num_rows(), native.customers.len());
        let keys = col::<Int64Array>(&b, 0);
        let s = col::<StructArray>(&b, 1);
        let x = field(s, "x").as_any().downcast_ref::<UInt32Array>().unwrap();
        let first = field(s, "first_purchase").as_any().downcast_ref::<Date32Array>().unwrap();
        let spend = field(s, "total_spend").as_any().downcast_ref::<Decimal128Array>().unwrap();
        for (i, c) in native.customers.iter().enumerate() {
            prop_assert_eq!(keys.value(i) as usize, c.customer.index());
            prop_assert_eq!(x.value(i), c.frequency);
            prop_assert_eq!(f64_field(s, "t_x").value(i).to_bits(), c.recency.to_bits());
            prop_assert_eq!(f64_field(s, "T").value(i).to_bits(), c.age.to_bits());
            prop_assert_eq!(
                bits(&f64_field(s, "monetary"), i),
                c.monetary.map(|m| to_f64(m).to_bits())
            );
            prop_assert_eq!(day(first.value(i) - ORDER_EPOCH), c.first_purchase);
            prop_assert_eq!(Decimal::from_i128_with_scale(spend.value(i), 10), c.total_spend);
        }
    }

    /// crm_rfm_cuts equals `RfmModel::fit` on the same customers.
    #[test]
    fn rfm_cuts_in_partitions_equal_native(
        rows in proptest::collection::vec((0u32..400, 1u32..30, 0i64..500_000), 1..300),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
        target in 1usize..5,
        bins in 2u8..8,
    ) {
        use crm_analytics::rfm::{RfmModel, RfmValues};
        use datafusion::arrow::array::{ListArray, UInt32Array};
        let schema = Arc::new(Schema::new(vec![
            Field::new("r", DataType::UInt32, false),
            Field::new("f", DataType::UInt32, false),
            Field::new("m", DataType::Decimal128(12, 2), false),
        ]));
        let s2 = schema.clone();
        let batch = move |rows: &[(u32, u32, i64)]| {
            let m = Decimal128Array::from(rows.iter().map(|r| i128::from(r.2)).collect::<Vec<_>>())
                .with_precision_and_scale(12, 2)
                .unwrap();
            RecordBatch::try_new(
                s2.clone(),
                vec![
                    Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.0))),
                    Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.1))),
                    Arc::new(m),
                ],
            )
            .unwrap()
        };
        let ctx = context(target.max(2));
        register_partitions(&ctx, "v", schema, split(&rows, &cuts, batch));
        let values: Vec<RfmValues> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| RfmValues {
                customer: CustomerKey::from_index(i as u32),
                last_purchase: day(0),
                recency_days: r.0,
                frequency: r.1,
                monetary: Decimal::new(r.2, 2),
                total_spend: Decimal::new(r.2, 2),
            })
            .collect();
        let model = RfmModel::fit(&values, bins).unwrap();
        let b = query(&ctx, &format!("SELECT crm_rfm_cuts(r, f, m, {bins}) AS c FROM v")).unwrap();
        let s = col::<StructArray>(&b, 0);
        let list = |name: &str| -> Vec<u64> {
            let l = field(s, name).as_any().downcast_ref::<ListArray>().unwrap();
            let v = l.value(0);
            v.as_any().downcast_ref::<Float64Array>().unwrap().values().iter().map(|x| x.to_bits()).collect()
        };
        let c = model.cut_points();
        let want = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
        prop_assert_eq!(list("recency_days"), want(&c.recency_days));
        prop_assert_eq!(list("frequency"), want(&c.frequency));
        prop_assert_eq!(list("monetary"), want(&c.monetary));

        // Scores and segments through SQL equal the native model's.
        let b = query(
            &ctx,
            "WITH c AS (SELECT crm_rfm_cuts(r, f, m) AS c FROM v) \
             SELECT r, f, m, crm_rfm_score(r, f, m, c) AS s, \
                    crm_rfm_segment(crm_rfm_score(r, f, m, c)['r'], crm_rfm_score(r, f, m, c)['f'], \
                                    crm_rfm_score(r, f, m, c)['m']) AS seg \
             FROM v CROSS JOIN c",
        )
        .unwrap();
        let model5 = RfmModel::fit(&values, 5).unwrap();
        let map = crm_analytics::rfm::SegmentMap::standard();
        let (rs, fs) = (col::<UInt32Array>(&b, 0), col::<UInt32Array>(&b, 1));
        let ms = col::<Decimal128Array>(&b, 2);
        let sc = col::<StructArray>(&b, 3);
        let seg = col::<datafusion::arrow::array::StringArray>(&b, 4);
        let u8s = |n: &str| field(sc, n).as_any().downcast_ref::<datafusion::arrow::array::UInt8Array>().unwrap().clone();
        let (sr, sf, sm) = (u8s("r"), u8s("f"), u8s("m"));
        for i in 0..b.num_rows() {
            let v = RfmValues {
                recency_days: rs.value(i),
                frequency: fs.value(i),
                monetary: Decimal::from_i128_with_scale(ms.value(i), 2),
                ..values[0].clone()
            };
            let want = model5.score(&v);
            prop_assert_eq!((sr.value(i), sf.value(i), sm.value(i)), (want.r, want.f, want.m));
            prop_assert_eq!(seg.value(i), map.segment_of(&want));
        }
    }

    /// crm_retention and crm_churn_rate equal the native RetentionState, overall and per group.
    #[test]
    fn retention_in_partitions_equal_native(
        spans in proptest::collection::vec((0i64..3, 0i32..200, proptest::option::of(0i32..120)), 1..300),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
        target in 1usize..5,
    ) {
        use crm_analytics::metrics::retention::{CustomerSpan, RetentionState, SamePeriodJoiners};
        use crm_analytics::model::Period;
        use datafusion::arrow::array::Date32Array;
        let schema = Arc::new(Schema::new(vec![
            Field::new("g", DataType::Int64, false),
            Field::new("s", DataType::Date32, false),
            Field::new("e", DataType::Date32, true),
        ]));
        let s2 = schema.clone();
        // Spans start on day s and last `len` days (None: still active).
        let batch = move |rows: &[(i64, i32, Option<i32>)]| {
            RecordBatch::try_new(
                s2.clone(),
                vec![
                    Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
                    Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| ORDER_EPOCH + r.1))),
                    Arc::new(Date32Array::from_iter(rows.iter().map(|r| r.2.map(|l| ORDER_EPOCH + r.1 + l)))),
                ],
            )
            .unwrap()
        };
        let ctx = context(target.max(2));
        register_partitions(&ctx, "sp", schema, split(&spans, &cuts, batch));
        // The period [2024-03-01, 2024-06-01): days 60..152.
        let period = Period::new(day(60), day(152)).unwrap();
        let native = |g: Option<i64>| {
            let mut st = RetentionState::new(period);
            for (i, r) in spans.iter().enumerate() {
                if g.is_some_and(|g| g != r.0) {
                    continue;
                }
                let sp = CustomerSpan::new(
                    CustomerKey::from_index(i as u32),
                    day(r.1),
                    r.2.map(|l| day(r.1 + l)),
                )
                .unwrap();
                st.push(&sp);
            }
            st
        };
        let sql = "crm_retention(s, e, DATE '2024-03-01', DATE '2024-06-01') AS r, \
                   crm_churn_rate(s, e, DATE '2024-03-01', DATE '2024-06-01') AS c, \
                   crm_churn_rate(s, e, DATE '2024-03-01', DATE '2024-06-01', 'include') AS ci";
        let check = |b: &RecordBatch, first: usize, i: usize, st: &RetentionState| -> Result<(), TestCaseError> {
            let r = col::<StructArray>(b, first);
            let (c, ci) = (col::<Float64Array>(b, first + 1), col::<Float64Array>(b, first + 2));
            match st.finish() {
                Err(_) => {
                    prop_assert!(r.is_null(i) && c.is_null(i) && ci.is_null(i));
                }
                Ok(want) => {
                    let n = want.counts;
                    for (name, v) in [("start", n.start), ("end", n.end), ("new", n.new), ("retained", n.retained), ("joined_and_left", n.joined_and_left)] {
                        prop_assert_eq!(u64_field(r, name).value(i), v);
                    }
                    prop_assert_eq!(f64_field(r, "count_retention").value(i).to_bits(), want.count_retention.to_bits());
                    prop_assert_eq!(f64_field(r, "cohort_retention").value(i).to_bits(), want.cohort_retention.to_bits());
                    prop_assert_eq!(c.value(i).to_bits(), want.churn(SamePeriodJoiners::Exclude).to_bits());
                    prop_assert_eq!(ci.value(i).to_bits(), want.churn(SamePeriodJoiners::Include).to_bits());
                }
            }
            Ok(())
        };
        let b = query(&ctx, &format!("SELECT {sql} FROM sp")).unwrap();
        check(&b, 0, 0, &native(None))?;
        let b = query(&ctx, &format!("SELECT g, {sql} FROM sp GROUP BY g ORDER BY g")).unwrap();
        let keys = col::<Int64Array>(&b, 0);
        for i in 0..b.num_rows() {
            check(&b, 1, i, &native(Some(keys.value(i))))?;
        }
    }
}

/// A random customer history `(x, t_x, T)` on a grid of half weeks (so that histories repeat).
fn history() -> impl Strategy<Value = (u32, f64, f64)> {
    (0u32..8, 0u32..=60, 20u32..=78).prop_map(|(x, tx, t)| {
        let t = f64::from(t) / 2.0;
        let tx = if x == 0 {
            0.0
        } else {
            (f64::from(tx) / 2.0).min(t)
        };
        (x, tx, t)
    })
}

fn history_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("x", DataType::Int64, false),
        Field::new("t_x", DataType::Float64, false),
        Field::new("T", DataType::Float64, false),
        Field::new("z", DataType::Float64, false),
    ]))
}

/// Mean spend of a history: a function of its row so that equal spends repeat.
fn spend(i: usize, x: u32) -> f64 {
    if x == 0 {
        0.0
    } else {
        5.0 + (i % 17) as f64 * 1.25
    }
}

proptest! {
    // Few cases: each fits Pareto/NBD and Gamma-Gamma twice in a debug build (seconds a case).
    #![proptest_config(ProptestConfig::with_cases(3))]

    /// crm_pnbd_fit and crm_gamma_gamma_fit equal the native fits on the canonically ordered
    /// groups, whatever the partitioning (or fail, as natively).
    #[test]
    fn model_fits_in_partitions_equal_native(
        rows in proptest::collection::vec(history(), 20..150),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
        target in 1usize..5,
    ) {
        use crm_analytics::clv::{FitOptions, GammaGamma, Histories, History, ParetoNbd, Spends};
        let rows: Vec<(u32, f64, f64, f64)> = rows
            .iter()
            .enumerate()
            .map(|(i, &(x, tx, t))| (x, tx, t, spend(i, x)))
            .collect();
        let batch = |rows: &[(u32, f64, f64, f64)]| {
            RecordBatch::try_new(
                history_schema(),
                vec![
                    Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| i64::from(r.0)))),
                    Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.1))),
                    Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.2))),
                    Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.3))),
                ],
            )
            .unwrap()
        };
        let ctx = context(target.max(2));
        register_partitions(&ctx, "h", history_schema(), split(&rows, &cuts, batch));

        // Pareto/NBD on the histories sorted by (x, t_x, T).
        let mut sorted = rows.clone();
        sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.total_cmp(&b.2)));
        let data = Histories::from_weighted(sorted.iter().map(|r| (History::new(r.0, r.1, r.2), 1.0))).unwrap();
        let native = ParetoNbd::fit(&data, &FitOptions::default());
        let got = query(&ctx, r#"SELECT crm_pnbd_fit(x, t_x, "T") AS p FROM h"#);
        match native {
            Ok(fit) => {
                let b = got.unwrap();
                let s = col::<StructArray>(&b, 0);
                let p = fit.params;
                for (n, v) in [("r", p.r), ("alpha", p.alpha), ("s", p.s), ("beta", p.beta), ("log_likelihood", fit.report.log_likelihood)] {
                    prop_assert_eq!(f64_field(s, n).value(0).to_bits(), v.to_bits(), "{}", n);
                }
            }
            Err(e) => prop_assert!(got.is_err(), "native failed ({e}) but SQL did not"),
        }

        // Gamma-Gamma on the repeat buyers sorted by (x, zbar).
        let mut spends: Vec<(u32, f64)> = rows.iter().filter(|r| r.0 > 0).map(|r| (r.0, r.3)).collect();
        spends.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let x: Vec<u32> = spends.iter().map(|s| s.0).collect();
        let z: Vec<f64> = spends.iter().map(|s| s.1).collect();
        let native = Spends::from_slices(&x, &z, None).and_then(|d| GammaGamma::fit(&d, &FitOptions::default()));
        let got = query(&ctx, "SELECT crm_gamma_gamma_fit(x, z) AS g FROM h");
        match native {
            Ok(fit) => {
                let b = got.unwrap();
                let s = col::<StructArray>(&b, 0);
                let p = fit.params;
                for (n, v) in [("p", p.p), ("q", p.q), ("gamma", p.gamma), ("log_likelihood", fit.report.log_likelihood)] {
                    prop_assert_eq!(f64_field(s, n).value(0).to_bits(), v.to_bits(), "{}", n);
                }
            }
            Err(e) => {
                // No repeat buyer at all: NULL; otherwise the native error.
                match got {
                    Ok(b) if spends.is_empty() => prop_assert!(col::<StructArray>(&b, 0).is_null(0)),
                    Ok(_) => prop_assert!(false, "native failed ({e}) but SQL did not"),
                    Err(_) => {}
                }
            }
        }
    }
}
