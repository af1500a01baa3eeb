#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue #14: one transaction dated 0001-01-01 or 9999-12-30 must not make a cohort matrix
//! allocate for every period in between (the process aborted); it is a named error with a
//! limit the caller can raise.

use crm_metrics::MetricsError;
use crm_metrics::engagement::{
    CohortPeriod, CohortState, cohort_matrix, cohort_matrix_with_limits,
};
use crm_model::chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;
use crm_model::{CustomerKey, Limits, ModelError, Transaction};

fn buy(c: u32, y: i32, m: u32, d: u32) -> Transaction {
    let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
    Transaction::purchase(CustomerKey::from_index(c), day, Decimal::ONE).unwrap()
}

fn limit_exceeded(e: &MetricsError) -> bool {
    matches!(e, MetricsError::Model(m) if matches!(m.root(), ModelError::LimitExceeded { .. }))
}

#[test]
fn far_dates_are_refused_not_allocated() {
    for p in [CohortPeriod::Month, CohortPeriod::Week] {
        for far in [buy(9, 1, 1, 1), buy(9, 9999, 12, 30)] {
            let tx = [buy(0, 2024, 1, 5), buy(1, 2024, 3, 9), far];
            let e = cohort_matrix(&tx, p).unwrap_err();
            assert!(limit_exceeded(&e), "{e}");
            assert!(
                matches!(
                    &e,
                    MetricsError::Model(ModelError::AtRecord { index: 2, .. })
                ),
                "{e}"
            );
            assert!(e.to_string().contains("max_"), "{e}");
        }
    }
    // The state is unchanged by the refused purchase and still finishes.
    let mut s = CohortState::new(CohortPeriod::Month);
    s.push(&buy(0, 2024, 1, 5)).unwrap();
    assert!(limit_exceeded(&s.push(&buy(1, 9999, 12, 30)).unwrap_err()));
    assert_eq!(s.finish().unwrap().cohorts.len(), 1);
    // Merging two states far apart is refused the same way.
    let mut far = CohortState::new(CohortPeriod::Month);
    far.push(&buy(1, 1, 1, 1)).unwrap();
    let before = s.clone();
    assert!(limit_exceeded(&s.merge(&far).unwrap_err()));
    assert_eq!(s, before);
}

#[test]
fn limits_can_be_raised_and_the_boundary_is_exact() {
    // 1200 months from 1925-01 to 2024-12: exactly the default.
    let tx = [buy(0, 1925, 1, 1), buy(1, 2024, 12, 31)];
    assert_eq!(
        cohort_matrix(&tx, CohortPeriod::Month)
            .unwrap()
            .cohorts
            .len(),
        2
    );
    let tx = [buy(0, 1924, 12, 31), buy(1, 2024, 12, 31)];
    assert!(cohort_matrix(&tx, CohortPeriod::Month).is_err());
    let wide = Limits {
        max_periods: 1201,
        ..Limits::default()
    };
    assert!(cohort_matrix_with_limits(&tx, CohortPeriod::Month, wide).is_ok());
    // Pre-sizing with a hostile range does not allocate either.
    let s = CohortState::with_range(
        CohortPeriod::Week,
        1_000_000,
        NaiveDate::from_ymd_opt(1, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(9999, 12, 30).unwrap(),
    );
    assert!(s.finish().is_err());
}
