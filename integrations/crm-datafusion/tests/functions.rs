#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Scalars equal the native functions on sample values; NULLs and bad input behave as documented
//! (NULLs skipped or propagated, bad values a named error, never a panic); registering does not
//! replace built-ins.

mod common;

use std::sync::Arc;

use common::{col, context, field, query, register_partitions};
use crm_analytics::clv::{BgNbd, History, PurchaseModel};
use crm_analytics::dedup::compare;
use crm_analytics::dedup::normalize::{self, EmailOptions};
use datafusion::arrow::array::{
    Array, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray, StructArray,
    UInt64Array,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};

const TEXTS: [&str; 10] = [
    " John.Smith@Example.COM ",
    "j.o.h.n+crm@googlemail.com",
    "not an email",
    "138 1234 5678",
    "(415) 555-2671",
    "Dr. JOHN  o'Reilly Jr.",
    "张伟",
    "ACME Holdings Co., Ltd.",
    "北京字节跳动科技有限公司",
    "",
];

fn texts_table(ctx: &datafusion::prelude::SessionContext) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("a", DataType::Utf8, true),
        Field::new("b", DataType::Utf8, true),
    ]));
    let a: StringArray = TEXTS.iter().map(|s| Some(*s)).chain([None]).collect();
    let b: StringArray = TEXTS
        .iter()
        .rev()
        .map(|s| Some(*s))
        .chain([Some("x")])
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(a), Arc::new(b)]).unwrap();
    register_partitions(ctx, "texts", schema, vec![vec![batch]]);
}

fn strings(b: &RecordBatch, i: usize) -> Vec<Option<String>> {
    let a = col::<StringArray>(b, i);
    (0..a.len())
        .map(|j| a.is_valid(j).then(|| a.value(j).to_string()))
        .collect()
}

fn floats(b: &RecordBatch, i: usize) -> Vec<Option<u64>> {
    let a = col::<Float64Array>(b, i);
    (0..a.len())
        .map(|j| a.is_valid(j).then(|| a.value(j).to_bits()))
        .collect()
}

#[test]
fn text_scalars_equal_native() {
    let ctx = context(2);
    texts_table(&ctx);
    let b = query(
        &ctx,
        "SELECT crm_norm_email(a), crm_norm_email(a, true), crm_norm_phone(a), \
                crm_norm_phone(a, 'US'), crm_norm_name(a), crm_norm_company(a), \
                crm_jaro_winkler(a, b), crm_levenshtein(a, b) FROM texts",
    )
    .unwrap();
    let pairs: Vec<(&str, &str)> = TEXTS
        .iter()
        .copied()
        .zip(TEXTS.iter().rev().copied())
        .collect();
    let null = |mut v: Vec<Option<String>>| {
        v.push(None);
        v
    };
    let fold = EmailOptions { fold_gmail: true };
    assert_eq!(
        strings(&b, 0),
        null(
            TEXTS
                .iter()
                .map(|s| normalize::email(s, EmailOptions::default()))
                .collect()
        )
    );
    assert_eq!(
        strings(&b, 1),
        null(TEXTS.iter().map(|s| normalize::email(s, fold)).collect())
    );
    assert_eq!(
        strings(&b, 2),
        null(TEXTS.iter().map(|s| normalize::phone(s, "CN")).collect())
    );
    assert_eq!(
        strings(&b, 3),
        null(TEXTS.iter().map(|s| normalize::phone(s, "US")).collect())
    );
    assert_eq!(
        strings(&b, 4),
        null(
            TEXTS
                .iter()
                .map(|s| Some(normalize::person_name(s)))
                .collect()
        )
    );
    assert_eq!(
        strings(&b, 5),
        null(TEXTS.iter().map(|s| Some(normalize::company(s))).collect())
    );
    let mut jw: Vec<Option<u64>> = pairs
        .iter()
        .map(|(a, b)| Some(compare::jaro_winkler(a, b).to_bits()))
        .collect();
    jw.push(None);
    assert_eq!(floats(&b, 6), jw);
    let mut lev: Vec<Option<u64>> = pairs
        .iter()
        .map(|(a, b)| Some(compare::levenshtein(a, b).to_bits()))
        .collect();
    lev.push(None);
    assert_eq!(floats(&b, 7), lev);
    // Spot values from the native docs.
    assert_eq!(strings(&b, 0)[0].as_deref(), Some("john.smith@example.com"));
    assert_eq!(strings(&b, 1)[1].as_deref(), Some("john@gmail.com"));
    assert_eq!(strings(&b, 2)[3].as_deref(), Some("+8613812345678"));
    assert_eq!(strings(&b, 3)[4].as_deref(), Some("+14155552671"));
}

#[test]
fn bgnbd_scalars_equal_native() {
    let ctx = context(2);
    let b = query(
        &ctx,
        "SELECT crm_bgnbd_p_alive(0.2426, 4.4136, 0.7929, 2.4259, 2, 30.43, 38.86), \
                crm_bgnbd_expected(0.2426, 4.4136, 0.7929, 2.4259, 2, 30.43, 38.86, 39), \
                crm_bgnbd_p_alive(0.2426, 4.4136, 0.7929, 2.4259, 0, 0, 38.86), \
                crm_bgnbd_p_alive(0.2426, 4.4136, 0.7929, 2.4259, NULL, 0, 38.86)",
    )
    .unwrap();
    let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259).unwrap();
    let h = History::new(2, 30.43, 38.86);
    assert_eq!(floats(&b, 0), vec![Some(m.p_alive(&h).to_bits())]);
    let e = m.conditional_expected_purchases(39.0, &h);
    assert!((e - 1.226).abs() < 1e-3);
    assert_eq!(floats(&b, 1), vec![Some(e.to_bits())]);
    assert_eq!(
        floats(&b, 2),
        vec![Some(m.p_alive(&History::new(0, 0.0, 38.86)).to_bits())]
    );
    assert_eq!(floats(&b, 3), vec![None]);
}

/// A one-column table `s(v)` of Float64 values (None = NULL) in two partitions.
fn values(ctx: &datafusion::prelude::SessionContext, v: &[Option<f64>]) {
    let schema = Arc::new(Schema::new(vec![Field::new("v", DataType::Float64, true)]));
    let half = v.len() / 2;
    let parts = [&v[..half], &v[half..]]
        .iter()
        .map(|p| {
            vec![
                RecordBatch::try_new(
                    schema.clone(),
                    vec![Arc::new(Float64Array::from(p.to_vec()))],
                )
                .unwrap(),
            ]
        })
        .collect();
    register_partitions(ctx, "s", schema, parts);
}

fn err(ctx: &datafusion::prelude::SessionContext, sql: &str) -> String {
    match query(ctx, sql) {
        Ok(b) => panic!("{sql}: expected an error, got {b:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn aggregates_skip_nulls_and_return_null_on_no_rows() {
    let ctx = context(2);
    values(
        &ctx,
        &[Some(5.0), None, Some(1.0), None, Some(4.0), Some(5.0)],
    );
    let b = query(
        &ctx,
        "SELECT crm_nps(v), crm_nps_detail(v), crm_csat(v), crm_ces(v), crm_aov(v) FROM s",
    )
    .unwrap();
    // NPS over 5, 1, 4, 5: 4 detractors -> -100.
    assert_eq!(col::<Float64Array>(&b, 0).value(0), -100.0);
    let d = col::<StructArray>(&b, 1);
    let n = field(d, "n")
        .as_any()
        .downcast_ref::<UInt64Array>()
        .unwrap();
    assert_eq!(n.value(0), 4);
    // CSAT: 3 of 4 in the top two boxes.
    let c = col::<StructArray>(&b, 2);
    let t2b = field(c, "top_two_box")
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap();
    assert_eq!(t2b.value(0), 0.75);
    // AOV of 5, 1, 4, 5 = 3.75.
    assert_eq!(col::<Decimal128Array>(&b, 4).value(0), 37_500_000_000);

    // No non-NULL row: NULL results (also per empty group and on an empty table).
    let b = query(
        &ctx,
        "SELECT crm_nps(v), crm_nps_detail(v), crm_csat(v), crm_ces(v), crm_aov(v), \
                crm_bgnbd_fit(v, v, v) FROM s WHERE v IS NULL",
    )
    .unwrap();
    assert_eq!(b.num_rows(), 1);
    for i in 0..6 {
        assert!(b.column(i).is_null(0), "column {i}");
    }
    // A single CES answer: mean, no interval.
    let b = query(&ctx, "SELECT crm_ces(v) FROM s WHERE v = 4").unwrap();
    let c = col::<StructArray>(&b, 0);
    assert!(field(c, "low").is_null(0) && field(c, "std_dev").is_null(0));
    assert!(field(c, "mean").is_valid(0));
}

#[test]
fn bad_values_are_named_errors() {
    let ctx = context(2);
    values(&ctx, &[Some(3.0), Some(11.0)]);
    let e = err(&ctx, "SELECT crm_nps(v) FROM s");
    assert!(e.contains("crm_nps") && e.contains("11"), "{e}");
    let e = err(&ctx, "SELECT crm_csat(v) FROM s");
    assert!(e.contains("crm_csat") && e.contains("11"), "{e}");
    let e = err(&ctx, "SELECT crm_ces(v) FROM s");
    assert!(e.contains("crm_ces") && e.contains("11"), "{e}");
    // Both rows are bad in the next ones; which is met first depends on the partitions.
    let either = |e: &str, a: &str, b: &str| e.contains(a) || e.contains(b);
    let e = err(&ctx, "SELECT crm_nps(v + 0.5) FROM s");
    assert!(e.contains("crm_nps") && either(&e, "3.5", "11.5"), "{e}");
    let e = err(&ctx, "SELECT crm_aov(v - 5) FROM s");
    assert!(e.contains("crm_aov") && e.contains("-2"), "{e}");
    let e = err(&ctx, "SELECT crm_nps(CAST(v AS VARCHAR)) FROM s");
    assert!(e.contains("crm_nps") && e.contains("numeric"), "{e}");
    let e = err(&ctx, "SELECT crm_nps(v, v) FROM s");
    assert!(e.contains("crm_nps") && e.contains("1 arguments"), "{e}");

    // BG/NBD: negative counts, t_x > T, bad parameters, too few customers.
    let e = err(&ctx, "SELECT crm_bgnbd_fit(v - 4, 0, 10) FROM s");
    assert!(e.contains("crm_bgnbd_fit") && e.contains("-1"), "{e}");
    let e = err(&ctx, "SELECT crm_bgnbd_fit(1, v + 20, 10) FROM s");
    assert!(e.contains("crm_bgnbd_fit") && either(&e, "23", "31"), "{e}");
    let e = err(&ctx, "SELECT crm_bgnbd_fit(1, 1, 10, -v) FROM s");
    assert!(e.contains("crm_bgnbd_fit") && e.contains("weight"), "{e}");
    let e = err(&ctx, "SELECT crm_bgnbd_fit(1, 1, 10) FROM s WHERE v = 3");
    assert!(e.contains("crm_bgnbd_fit"), "{e}");
    let e = err(
        &ctx,
        "SELECT crm_bgnbd_p_alive(-1, 4, 0.8, 2.4, 1, 1, v) FROM s",
    );
    assert!(e.contains("crm_bgnbd_p_alive") && e.contains("-1"), "{e}");
    let e = err(
        &ctx,
        "SELECT crm_bgnbd_p_alive(0.2, 4, 0.8, 2.4, -v, 1, 5) FROM s",
    );
    assert!(
        e.contains("crm_bgnbd_p_alive") && either(&e, "-3", "-11"),
        "{e}"
    );
    let e = err(
        &ctx,
        "SELECT crm_bgnbd_expected(0.2, 4, 0.8, 2.4, 1, 1, 5, -v) FROM s",
    );
    assert!(
        e.contains("crm_bgnbd_expected") && either(&e, "-3", "-11"),
        "{e}"
    );
    let e = err(
        &ctx,
        "SELECT crm_norm_phone('138 1234 5678', 'China') FROM s",
    );
    assert!(e.contains("crm_norm_phone") && e.contains("China"), "{e}");
    let e = err(&ctx, "SELECT crm_jaro_winkler(v, 'a') FROM s");
    assert!(e.contains("crm_jaro_winkler") && e.contains("text"), "{e}");
}

#[test]
fn register_keeps_builtins_and_is_idempotent() {
    let ctx = context(2);
    // Again: a no-op.
    crm_datafusion::register(&ctx).unwrap();
    // Built-ins with similar names still work as before.
    let b = query(
        &ctx,
        "SELECT levenshtein('kitten', 'sitting'), count(*) FROM (VALUES (1)) t(a)",
    )
    .unwrap();
    let lev = b
        .column(0)
        .as_any()
        .downcast_ref::<datafusion::arrow::array::Int32Array>();
    let lev64 = b.column(0).as_any().downcast_ref::<Int64Array>();
    assert!(
        lev.map(|a| a.value(0) == 3).unwrap_or(false)
            || lev64.map(|a| a.value(0) == 3).unwrap_or(false)
    );

    // A foreign function under one of our names: an error, nothing replaced.
    let ctx = datafusion::prelude::SessionContext::new();
    let other = datafusion::logical_expr::create_udf(
        "crm_levenshtein",
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Float64,
        datafusion::logical_expr::Volatility::Immutable,
        Arc::new(|_args| {
            Ok(datafusion::logical_expr::ColumnarValue::Scalar(
                1.0f64.into(),
            ))
        }),
    );
    ctx.register_udf(other);
    let e = crm_datafusion::register(&ctx).unwrap_err().to_string();
    assert!(e.contains("crm_levenshtein"), "{e}");
    assert!(datafusion::execution::FunctionRegistry::udaf(&ctx, "crm_nps").is_err());
}

/// The example of docs/distributed.md: NPS by region from a CSV file, struct fields by name, and
/// the BG/NBD fit joined back to its rows.
#[test]
fn docs_example_on_csv() {
    let dir = std::env::temp_dir().join(format!("crm-datafusion-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("surveys.csv");
    std::fs::write(
        &path,
        "respondent,region,score\n1,north,10\n2,north,9\n3,north,3\n4,south,7\n5,south,0\n6,south,\n",
    )
    .unwrap();
    let ctx = context(2);
    common::runtime()
        .block_on(ctx.register_csv(
            "surveys",
            path.to_str().unwrap(),
            datafusion::prelude::CsvReadOptions::new(),
        ))
        .unwrap();
    let b = query(
        &ctx,
        "SELECT region, crm_nps(score) AS nps, crm_nps_detail(score)['n'] AS answers
         FROM surveys GROUP BY region ORDER BY region",
    )
    .unwrap();
    let region = b.column(0).clone();
    let region = datafusion::arrow::compute::cast(&region, &DataType::Utf8).unwrap();
    let region = region.as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!((region.value(0), region.value(1)), ("north", "south"));
    let nps = col::<Float64Array>(&b, 1);
    // north: 2 promoters, 1 detractor of 3; south: 1 passive, 1 detractor (the empty cell is NULL).
    assert_eq!(nps.value(0), 100.0 * (2.0 / 3.0 - 1.0 / 3.0));
    assert_eq!(nps.value(1), -50.0);
    assert_eq!(col::<UInt64Array>(&b, 2).values().to_vec(), vec![3, 2]);

    let b = query(
        &ctx,
        "WITH fit AS (SELECT crm_bgnbd_fit(x, t_x, t) AS p FROM
             (VALUES (2, 30.43, 38.86), (1, 1.71, 38.86), (0, 0.0, 38.86), (0, 0.0, 38.86),
                     (3, 20.0, 38.86), (0, 0.0, 30.0)) s(x, t_x, t))
         SELECT crm_bgnbd_p_alive(p['r'], p['alpha'], p['a'], p['b'], 2, 30.43, 38.86) FROM fit",
    );
    // Six customers may or may not identify the model; either a value or a named error.
    match b {
        Ok(b) => assert_eq!(b.num_rows(), 1),
        Err(e) => assert!(e.to_string().contains("crm_bgnbd_fit"), "{e}"),
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn model_and_rfm_scalars_equal_native() {
    use crm_analytics::clv::{ClvOptions, GammaGamma, ParetoNbd, expected_clv};
    use crm_analytics::rfm::{RfmScore, SegmentMap};
    let ctx = context(2);
    let b = query(
        &ctx,
        "SELECT crm_pnbd_p_alive(0.553, 10.578, 0.606, 11.669, 2, 30.43, 38.86), \
                crm_pnbd_expected(0.553, 10.578, 0.606, 11.669, 2, 30.43, 38.86, 39), \
                crm_pnbd_p_alive(0.553, 10.578, 0.606, 11.669, NULL, 0, 38.86), \
                crm_gamma_gamma_spend(6.25, 3.74, 15.44, 2, 22.35), \
                crm_gamma_gamma_spend(6.25, 3.74, 15.44, 0, 0), \
                crm_clv(named_struct('r', 0.553, 'alpha', 10.578, 's', 0.606, 'beta', 11.669), \
                        2, 30.43, 38.86, 20.0, 39, 0.01, 4), \
                crm_clv(named_struct('r', 0.2426, 'alpha', 4.4136, 'a', 0.7929, 'b', 2.4259), \
                        2, 30.43, 38.86, 20.0, 39), \
                crm_clv(named_struct('r', 0.2426, 'alpha', 4.4136, 'a', 0.7929, 'b', 2.4259), \
                        2, 30.43, 38.86, NULL, 39)",
    )
    .unwrap();
    let p = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
    let h = History::new(2, 30.43, 38.86);
    assert_eq!(floats(&b, 0), vec![Some(p.p_alive(&h).to_bits())]);
    assert_eq!(
        floats(&b, 1),
        vec![Some(p.conditional_expected_purchases(39.0, &h).to_bits())]
    );
    assert_eq!(floats(&b, 2), vec![None]);
    let g = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
    assert_eq!(
        floats(&b, 3),
        vec![Some(
            g.conditional_expected_spend(2, 22.35).unwrap().to_bits()
        )]
    );
    assert_eq!(
        floats(&b, 4),
        vec![Some(
            g.conditional_expected_spend(0, 0.0).unwrap().to_bits()
        )]
    );
    let o = ClvOptions::new(39.0, 0.01, 4.0).unwrap();
    assert_eq!(
        floats(&b, 5),
        vec![Some(expected_clv(&p, &h, 20.0, &o).to_bits())]
    );
    let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259).unwrap();
    let o = ClvOptions::new(39.0, 0.0, 1.0).unwrap();
    assert_eq!(
        floats(&b, 6),
        vec![Some(expected_clv(&m, &h, 20.0, &o).to_bits())]
    );
    assert_eq!(floats(&b, 7), vec![None]);

    // Segments of every score on 1..=5 under each preset.
    for preset in ["default", "with-lost", "tiers"] {
        let map = SegmentMap::preset(preset).unwrap();
        let b = query(
            &ctx,
            &format!(
                "SELECT r, f, m, crm_rfm_segment(r, f, m, '{preset}') FROM \
                 (SELECT r.value AS r, f.value AS f, m.value AS m FROM generate_series(1, 5) r \
                  CROSS JOIN generate_series(1, 5) f CROSS JOIN generate_series(1, 5) m)"
            ),
        )
        .unwrap();
        assert_eq!(b.num_rows(), 125);
        let ints = |i: usize| {
            datafusion::arrow::compute::cast(b.column(i), &DataType::Int64)
                .unwrap()
                .as_any()
                .downcast_ref::<Int64Array>()
                .unwrap()
                .clone()
        };
        let (r, f, m) = (ints(0), ints(1), ints(2));
        let seg = strings(&b, 3);
        for (i, seg) in seg.iter().enumerate() {
            let s = RfmScore {
                r: r.value(i) as u8,
                f: f.value(i) as u8,
                m: m.value(i) as u8,
            };
            assert_eq!(seg.as_deref(), Some(map.segment_of(&s)), "{preset} {s:?}");
        }
    }
    let b = query(&ctx, "SELECT crm_rfm_segment(5, 5, NULL)").unwrap();
    assert_eq!(strings(&b, 0), vec![None]);
}

#[test]
fn new_aggregates_skip_nulls_and_name_bad_values() {
    let ctx = context(2);
    values(&ctx, &[Some(3.0), None, Some(11.0)]);
    // No row left: NULL.
    let b = query(
        &ctx,
        "SELECT crm_pnbd_fit(v, v, v), crm_gamma_gamma_fit(v, v), crm_repeat_rate(CAST(v AS BIGINT)), \
                crm_rfm_cuts(v, v, v), crm_summary(CAST(NULL AS DATE), v, DATE '2024-01-01'), \
                crm_retention(CAST(NULL AS DATE), NULL, DATE '2024-01-01', DATE '2024-02-01'), \
                crm_churn_rate(CAST(NULL AS DATE), NULL, DATE '2024-01-01', DATE '2024-02-01') \
         FROM s WHERE v IS NULL",
    )
    .unwrap();
    for i in 0..7 {
        assert!(b.column(i).is_null(0), "column {i}");
    }
    // Repeat rate over customers 3 and 11 with one order each, NULL skipped.
    let b = query(&ctx, "SELECT crm_repeat_rate(CAST(v AS BIGINT)) FROM s").unwrap();
    assert_eq!(floats(&b, 0), vec![Some(0.0f64.to_bits())]);

    let either = |e: &str, a: &str, b: &str| e.contains(a) || e.contains(b);
    let e = err(&ctx, "SELECT crm_pnbd_fit(v - 4, 0, 10) FROM s");
    assert!(e.contains("crm_pnbd_fit") && e.contains("-1"), "{e}");
    let e = err(&ctx, "SELECT crm_gamma_gamma_fit(1, -v) FROM s");
    assert!(
        e.contains("crm_gamma_gamma_fit") && either(&e, "-3", "-11"),
        "{e}"
    );
    let e = err(&ctx, "SELECT crm_rfm_cuts(v, 1, 1, 1) FROM s");
    assert!(e.contains("crm_rfm_cuts") && e.contains("bins"), "{e}");
    let e = err(&ctx, "SELECT crm_rfm_cuts(-v, 1, 1) FROM s");
    assert!(e.contains("crm_rfm_cuts") && either(&e, "-3", "-11"), "{e}");
    let e = err(&ctx, "SELECT crm_rfm_segment(v, 1, 1, 'nope') FROM s");
    assert!(e.contains("crm_rfm_segment") && e.contains("nope"), "{e}");
    let e = err(&ctx, "SELECT crm_rfm_segment(0, 1, 1) FROM s");
    assert!(e.contains("crm_rfm_segment") && e.contains('0'), "{e}");
    let e = err(
        &ctx,
        "SELECT crm_summary(DATE '2024-03-01', v, DATE '2024-02-01') FROM s",
    );
    assert!(e.contains("crm_summary") && e.contains("2024-03-01"), "{e}");
    let e = err(
        &ctx,
        "SELECT crm_summary(DATE '2024-01-01', -v, DATE '2024-02-01') FROM s",
    );
    assert!(e.contains("crm_summary") && either(&e, "-3", "-11"), "{e}");
    let e = err(
        &ctx,
        "SELECT crm_summary(DATE '2024-01-01', v, DATE '2024-02-01', 'fortnight') FROM s",
    );
    assert!(e.contains("crm_summary") && e.contains("fortnight"), "{e}");
    let e = err(
        &ctx,
        "SELECT crm_retention(DATE '2024-03-01', DATE '2024-02-01', DATE '2024-01-01', DATE '2024-06-01') FROM s",
    );
    assert!(e.contains("crm_retention"), "{e}");
    let e = err(
        &ctx,
        "SELECT crm_churn_rate(DATE '2024-01-01', NULL, DATE '2024-01-01', DATE '2024-06-01', 'sometimes') FROM s",
    );
    assert!(
        e.contains("crm_churn_rate") && e.contains("sometimes"),
        "{e}"
    );
    let e = err(&ctx, "SELECT crm_clv(v, 1, 1, 2, 1, 1) FROM s");
    assert!(e.contains("crm_clv") && e.contains("params"), "{e}");
    let e = err(
        &ctx,
        "SELECT crm_clv(named_struct('r', 0.5, 'alpha', 1.0, 's', 0.5, 'beta', 1.0), 1, 1, 2, 1, -v) FROM s",
    );
    assert!(e.contains("crm_clv") && e.contains("horizon"), "{e}");
}

#[test]
fn fs_weight_equals_native() {
    use crm_analytics::dedup::FieldKind;
    use crm_analytics::dedup::model::{FieldParams, FsModel};
    let field = |name: &str, m: [f64; 4], u: [f64; 4]| FieldParams {
        name: name.into(),
        kind: FieldKind::Email,
        term_frequency: false,
        m,
        u,
        u_random: u,
    };
    let model = FsModel {
        prior: 0.02,
        fields: vec![
            field("email", [0.9, 0.05, 0.03, 0.02], [0.001, 0.01, 0.1, 0.889]),
            field("phone", [0.7, 0.2, 0.05, 0.05], [0.002, 0.02, 0.2, 0.778]),
        ],
        em_iterations: 5,
        converged: true,
    };
    let json = serde_json::to_string(&model).unwrap().replace('\'', "''");
    let ctx = context(2);
    let b = query(
        &ctx,
        &format!(
            "SELECT l, crm_fs_weight('{json}', l) FROM (VALUES ([0, 0]), ([0, 3]), ([3, 4]), \
             ([2, NULL]), (NULL)) AS t(l)"
        ),
    )
    .unwrap();
    let want = [
        Some(model.weight_of_levels(&[0, 0]).to_bits()),
        Some(model.weight_of_levels(&[0, 3]).to_bits()),
        Some(model.weight_of_levels(&[3, 4]).to_bits()),
        Some(model.weight_of_levels(&[2, 4]).to_bits()),
        None,
    ];
    assert_eq!(floats(&b, 1), want.to_vec());
    let e = err(&ctx, &format!("SELECT crm_fs_weight('{json}', [0, 5])"));
    assert!(e.contains("crm_fs_weight") && e.contains('5'), "{e}");
    let e = err(&ctx, &format!("SELECT crm_fs_weight('{json}', [0])"));
    assert!(e.contains("crm_fs_weight") && e.contains("1 levels"), "{e}");
    let e = err(&ctx, "SELECT crm_fs_weight('{}', [0])");
    assert!(e.contains("crm_fs_weight") && e.contains("JSON"), "{e}");
}

/// With partial aggregation skipped (DataFusion's path for many groups), `crm_nps` and
/// `crm_nps_detail` per group still equal the native states: rows become states one by one
/// (`convert_to_state`) and merge.
#[test]
fn nps_by_many_groups_with_partial_aggregation_skipped() {
    use crm_analytics::metrics::satisfaction::NpsState;
    use crm_analytics::model::NpsScore;
    use datafusion::prelude::{SessionConfig, SessionContext};
    let config = SessionConfig::new()
        .with_target_partitions(3)
        .set_usize(
            "datafusion.execution.skip_partial_aggregation_probe_rows_threshold",
            1,
        )
        .set_str(
            "datafusion.execution.skip_partial_aggregation_probe_ratio_threshold",
            "0.0",
        );
    let ctx = SessionContext::new_with_config(config);
    crm_datafusion::register(&ctx).unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("g", DataType::Int64, false),
        Field::new("score", DataType::Int64, true),
    ]));
    let rows: Vec<(i64, Option<i64>)> = (0..3000i64)
        .map(|i| (i % 701, (i % 13 != 0).then_some((i * 7) % 11)))
        .collect();
    // Three partitions of small batches: the probe decides after the first batches.
    let parts = rows
        .chunks(1000)
        .map(|p| {
            p.chunks(50)
                .map(|c| {
                    RecordBatch::try_new(
                        schema.clone(),
                        vec![
                            Arc::new(Int64Array::from_iter_values(c.iter().map(|r| r.0))),
                            Arc::new(Int64Array::from_iter(c.iter().map(|r| r.1))),
                        ],
                    )
                    .unwrap()
                })
                .collect()
        })
        .collect();
    register_partitions(&ctx, "t", schema, parts);
    let b = query(
        &ctx,
        "SELECT g, crm_nps(score), crm_nps_detail(score)['n'] FROM t GROUP BY g ORDER BY g",
    )
    .unwrap();
    assert_eq!(b.num_rows(), 701);
    let g = col::<Int64Array>(&b, 0);
    let nps = col::<Float64Array>(&b, 1);
    let n = col::<UInt64Array>(&b, 2);
    for i in 0..b.num_rows() {
        let mut s = NpsState::new();
        for r in rows.iter().filter(|r| r.0 == g.value(i)) {
            if let Some(v) = r.1 {
                s.push(NpsScore::new(v as u8).unwrap());
            }
        }
        if s.n() == 0 {
            assert!(nps.is_null(i));
        } else {
            assert_eq!(nps.value(i).to_bits(), s.finish().unwrap().score.to_bits());
            assert_eq!(n.value(i), s.n());
        }
    }
}
