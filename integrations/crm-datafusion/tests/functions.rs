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
