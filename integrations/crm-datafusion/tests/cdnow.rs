#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Reference test: `crm_bgnbd_fit` on the CDNOW calibration summary equals the native BG/NBD fit
//! bit for bit and the published parameters (Fader, Hardie & Lee 2005) to 3 decimals, read from
//! the CSV file and from a table split into partitions.

mod common;

use common::{col, context, field, query, register_partitions};
use crm_analytics::clv::{BgNbd, FitOptions, Histories, History, PurchaseModel};
use crm_testdata::shared_file;
use datafusion::arrow::array::{Array, Float64Array, RecordBatch, StructArray};
use datafusion::prelude::CsvReadOptions;

const FILE: &str = "cdnow/cdnow_customers_summary_with_transactions.csv";

/// `(x, t_x, T)` per customer, in file order.
fn read(path: &std::path::Path) -> Vec<(u32, f64, f64)> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
        })
        .collect()
}

fn params(b: &RecordBatch) -> [f64; 5] {
    let s = col::<StructArray>(b, 0);
    ["r", "alpha", "a", "b", "log_likelihood"].map(|n| {
        field(s, n)
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap()
            .value(0)
    })
}

#[test]
fn bgnbd_fit_equals_native_and_published() {
    let Some(path) = shared_file(FILE) else {
        return;
    };
    let rows = read(&path);
    assert_eq!(rows.len(), 2357);

    // Native: the histories in the order crm_bgnbd_fit uses, (x, t_x, T) ascending.
    let mut sorted = rows.clone();
    sorted.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.total_cmp(&b.1))
            .then(a.2.total_cmp(&b.2))
    });
    let data = Histories::from_weighted(
        sorted
            .iter()
            .map(|&(x, t_x, t)| (History::new(x, t_x, t), 1.0)),
    )
    .unwrap();
    let fit = BgNbd::fit(&data, &FitOptions::default()).unwrap();
    let want = [
        fit.params.r,
        fit.params.alpha,
        fit.params.a,
        fit.params.b,
        fit.report.log_likelihood,
    ];

    // The native fit in file order (what `crm clv fit` does) agrees to well within 1e-9; the
    // canonical order is what makes the SQL result independent of partitioning.
    let in_file_order = Histories::from_weighted(
        rows.iter()
            .map(|&(x, t_x, t)| (History::new(x, t_x, t), 1.0)),
    )
    .unwrap();
    let file_fit = BgNbd::fit(&in_file_order, &FitOptions::default()).unwrap();
    for (a, b) in file_fit.params.to_vec().iter().zip(&want) {
        assert!(((a - b) / b).abs() < 1e-9, "{a} vs {b}");
    }
    eprintln!(
        "native file order {:?}, canonical order {:?} (bit-identical: {})",
        file_fit.params,
        fit.params,
        file_fit.params == fit.params
    );

    // DataFusion on the CSV file, and on a 4-partition table of the same rows.
    let ctx = context(4);
    common::runtime()
        .block_on(ctx.register_csv("cdnow", path.to_str().unwrap(), CsvReadOptions::new()))
        .unwrap();
    let sql = r#"SELECT crm_bgnbd_fit(x, t_x, "T") FROM cdnow"#;
    let from_csv = params(&query(&ctx, sql).unwrap());
    assert_eq!(
        from_csv.map(f64::to_bits),
        want.map(f64::to_bits),
        "{from_csv:?} vs {want:?}"
    );

    let all = query(&ctx, r#"SELECT x, t_x, "T" FROM cdnow"#).unwrap();
    let n = all.num_rows();
    let parts: Vec<Vec<RecordBatch>> = [(0, n / 3), (n / 3, n / 2), (n / 2, n)]
        .iter()
        .map(|&(lo, hi)| vec![all.slice(lo, hi - lo)])
        .collect();
    register_partitions(&ctx, "parts", all.schema(), parts);
    let from_parts =
        params(&query(&ctx, r#"SELECT crm_bgnbd_fit(x, t_x, "T") FROM parts"#).unwrap());
    assert_eq!(from_parts.map(f64::to_bits), want.map(f64::to_bits));

    // Weighted: one row per distinct history with its count gives the same fit.
    let grouped = query(
        &ctx,
        r#"SELECT crm_bgnbd_fit(x, t_x, "T", w) FROM
           (SELECT x, t_x, "T", CAST(COUNT(*) AS DOUBLE) AS w FROM cdnow GROUP BY x, t_x, "T")"#,
    )
    .unwrap();
    assert_eq!(params(&grouped).map(f64::to_bits), want.map(f64::to_bits));

    // The published estimates, to 3 decimals.
    let [r, alpha, a, b, ll] = from_csv;
    for (v, published) in [(r, 0.243), (alpha, 4.414), (a, 0.793), (b, 2.426)] {
        assert!((v - published).abs() < 5e-4, "{v} vs published {published}");
    }
    assert!((ll - -9582.4256).abs() < 0.01, "{ll}");

    // P(alive) and expected purchases through SQL at the fitted parameters equal native.
    let sql = format!(
        r#"SELECT x, t_x, "T",
                  crm_bgnbd_p_alive({r:?}, {alpha:?}, {a:?}, {b:?}, x, t_x, "T"),
                  crm_bgnbd_expected({r:?}, {alpha:?}, {a:?}, {b:?}, x, t_x, "T", 39.0)
           FROM cdnow"#
    );
    let out = query(&ctx, &sql).unwrap();
    let model = fit.params;
    let xs = datafusion::arrow::compute::cast(
        out.column(0),
        &datafusion::arrow::datatypes::DataType::Float64,
    )
    .unwrap();
    let xs = xs.as_any().downcast_ref::<Float64Array>().unwrap();
    let (t_x, t) = (col::<Float64Array>(&out, 1), col::<Float64Array>(&out, 2));
    let (p, e) = (col::<Float64Array>(&out, 3), col::<Float64Array>(&out, 4));
    assert_eq!(out.num_rows(), 2357);
    for i in 0..out.num_rows() {
        let h = History::new(xs.value(i) as u32, t_x.value(i), t.value(i));
        assert_eq!(p.value(i).to_bits(), model.p_alive(&h).to_bits());
        assert_eq!(
            e.value(i).to_bits(),
            model.conditional_expected_purchases(39.0, &h).to_bits()
        );
    }
    assert!(p.null_count() == 0);
}
