#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Reference tests: published numbers reproduced by crm-metrics.

use std::collections::BTreeMap;

use crm_metrics::engagement::{CohortPeriod, cohort_matrix};
use crm_metrics::stats::{t_critical, wilson, z_critical};
use crm_metrics::value::{ClvInputs, FirstMargin, PurchaseState, formula_clv};
use crm_model::chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;
use crm_model::{TimeUnit, Transaction};

/// Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of
/// seven methods", Statistics in Medicine 17:857-872, Table II, method 3 (Wilson score, no
/// continuity correction), 95%.
#[test]
fn wilson_matches_newcombe_1998_table_ii() {
    for (x, n, lo, hi) in [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ] {
        let ci = wilson(x, n, 0.95).unwrap();
        assert!(
            (ci.low - lo).abs() < 5e-5 && (ci.high - hi).abs() < 5e-5,
            "{x}/{n}: {ci:?}"
        );
    }
}

/// Normal and Student-t critical values as printed in standard tables (e.g. Abramowitz & Stegun
/// 26.2 and 26.7).
#[test]
fn quantiles_match_tables() {
    assert!((z_critical(0.90).unwrap() - 1.644854).abs() < 1e-6);
    assert!((z_critical(0.99).unwrap() - 2.575829).abs() < 1e-6);
    assert!((t_critical(0.95, 9.0).unwrap() - 2.262157).abs() < 1e-5);
    assert!((t_critical(0.95, 29.0).unwrap() - 2.045230).abs() < 1e-5);
    assert!((t_critical(0.99, 4.0).unwrap() - 4.604095).abs() < 1e-5);
}

/// Gupta & Lehmann (2003, 2005): the margin multiple r / (1 + d - r) at a 10% discount rate is
/// 1.20, 1.75, 2.67 and 4.50 for retention 60%, 70%, 80% and 90%.
#[test]
fn margin_multiples_of_gupta_lehmann() {
    for (r, mult) in [(60, "1.20"), (70, "1.75"), (80, "2.67"), (90, "4.50")] {
        let x = ClvInputs {
            margin: Decimal::ONE,
            retention: Decimal::new(r, 2),
            discount: Decimal::new(10, 2),
            unit: TimeUnit::Year,
        };
        let v = formula_clv(&x, FirstMargin::AfterOnePeriod).unwrap();
        assert_eq!(v.round_dp(2), mult.parse::<Decimal>().unwrap(), "r = {r}%");
    }
}

fn cdnow_sample() -> Option<Vec<Transaction>> {
    let path = crm_testdata::shared_file("cdnow/CDNOW_sample.txt")?;
    let rows = crm_testdata::read_cdnow(&path);
    Some(crm_testdata::cdnow_transactions(&rows).0)
}

/// CDNOW sample, calibration period to 1997-09-30 with same-day purchases merged into one
/// order: 2,357 customers of whom 946 made a repeat purchase (Fader & Hardie 2013, "The
/// Gamma-Gamma model of monetary value": 946 repeat buyers; the FHL 2005 summary has x > 0 for
/// 946 customers).
#[test]
fn cdnow_repeat_purchase_rate() {
    let Some(tx) = cdnow_sample() else { return };
    let end = NaiveDate::from_ymd_opt(1997, 9, 30).unwrap();
    let mut orders: BTreeMap<(u32, NaiveDate), Decimal> = BTreeMap::new();
    for t in tx.iter().filter(|t| t.date() <= end) {
        *orders.entry((t.customer().get(), t.date())).or_default() += t.amount();
    }
    let mut s = PurchaseState::new();
    for ((c, d), amt) in orders {
        s.push(&Transaction::purchase(crm_model::CustomerKey::from_index(c), d, amt).unwrap())
            .unwrap();
    }
    let m = s.finish().unwrap();
    assert_eq!(m.customers, 2357);
    assert_eq!(m.repeat_customers, 946);
    assert!((m.repeat_purchase_rate - 946.0 / 2357.0).abs() < 1e-12);
}

/// The CDNOW cohort was acquired in the first quarter of 1997 (Fader, Hardie & Lee 2005): the
/// monthly cohort matrix has exactly three cohorts, January to March 1997, summing to 2,357, and
/// 18 monthly columns for January (1997-01 .. 1998-06).
#[test]
fn cdnow_cohorts_are_q1_1997() {
    let Some(tx) = cdnow_sample() else { return };
    let m = cohort_matrix(&tx, CohortPeriod::Month).unwrap();
    let starts: Vec<String> = m.cohorts.iter().map(|c| c.start.to_string()).collect();
    assert_eq!(starts, ["1997-01-01", "1997-02-01", "1997-03-01"]);
    assert_eq!(m.cohorts.iter().map(|c| c.size).sum::<u64>(), 2357);
    assert_eq!(m.cohorts[0].active.len(), 18);
}
