#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue #14: money sums near the limit of `Decimal` (about 7.9e28) are errors naming the
//! record, never a panic; the states are left unchanged by a failed push or merge.

use crm_metrics::MetricsError;
use crm_metrics::acquisition::CacState;
use crm_metrics::revenue::{RevenueState, revenue};
use crm_metrics::value::{ClvInputs, FirstMargin, PurchaseState, formula_clv};
use crm_model::chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;
use crm_model::{
    AcquisitionSpend, CustomerKey, ModelError, MrrMovement, MrrMovementKind, Period, TimeUnit,
    Transaction,
};

fn big() -> Decimal {
    Decimal::from_i128_with_scale(50_000_000_000_000_000_000_000_000_000, 0) // 5e28
}

fn jan() -> Period {
    let d = |m| NaiveDate::from_ymd_opt(2024, m, 1).unwrap();
    Period::new(d(1), d(2)).unwrap()
}

fn is_overflow(e: &MetricsError) -> bool {
    matches!(e, MetricsError::Model(m) if matches!(m.root(), ModelError::AmountOverflow { .. }))
}

#[test]
fn mrr_movements_overflow_is_an_error_naming_the_record() {
    let day = NaiveDate::from_ymd_opt(2024, 1, 10).unwrap();
    let mv =
        |c| MrrMovement::new(CustomerKey::from_index(c), day, MrrMovementKind::New, big()).unwrap();
    let mut s = RevenueState::new(jan());
    s.push(&mv(0)).unwrap();
    let before = s;
    let e = s.push(&mv(1)).unwrap_err();
    assert!(is_overflow(&e), "{e}");
    assert_eq!(s, before, "a failed push leaves the state unchanged");
    let e = revenue(&[mv(0), mv(1)], jan(), Decimal::ONE).unwrap_err();
    assert!(
        matches!(
            &e,
            MetricsError::Model(ModelError::AtRecord { index: 1, .. })
        ),
        "{e}"
    );
    assert!(e.to_string().contains("record 1"), "{e}");
    // Merging two states of 5e28 each.
    let mut a = RevenueState::new(jan());
    a.push(&mv(0)).unwrap();
    let b = a;
    assert!(is_overflow(&a.merge(&b).unwrap_err()));
    assert_eq!(a, b);
    // Figures: starting MRR plus gains beyond the range.
    let e = a.finish(big()).unwrap_err();
    assert!(is_overflow(&e), "{e}");
}

#[test]
fn spend_overflow_is_an_error() {
    let sp = |ch: &str| AcquisitionSpend::new(ch, jan(), big(), true).unwrap();
    let mut s = CacState::new();
    s.push_spend(&sp("search")).unwrap();
    let before = s.clone();
    assert!(is_overflow(&s.push_spend(&sp("search")).unwrap_err()));
    assert_eq!(s, before);
    // Two channels each in range, their total is not.
    s.push_spend(&sp("social")).unwrap();
    s.push_customers("search", 1);
    assert!(is_overflow(&s.finish().unwrap_err()));
    let mut m = before.clone();
    assert!(is_overflow(&m.merge(&before).unwrap_err()));
    assert_eq!(m, before);
}

#[test]
fn purchase_revenue_overflow_is_an_error() {
    let day = NaiveDate::from_ymd_opt(2024, 1, 10).unwrap();
    let t = |c| Transaction::purchase(CustomerKey::from_index(c), day, big()).unwrap();
    let mut s = PurchaseState::new();
    s.push(&t(0)).unwrap();
    let before = s.clone();
    assert!(is_overflow(&s.push(&t(1)).unwrap_err()));
    assert_eq!(s, before);
    let mut m = before.clone();
    assert!(is_overflow(&m.merge(&before).unwrap_err()));
    assert_eq!(m, before);
    // Formula CLV with a margin near the limit.
    let x = ClvInputs {
        margin: big(),
        retention: Decimal::new(5, 1),
        discount: Decimal::ONE,
        unit: TimeUnit::Year,
    };
    assert!(is_overflow(
        &formula_clv(&x, FirstMargin::AtTimeZero).unwrap_err()
    ));
    assert!(formula_clv(&x, FirstMargin::AfterOnePeriod).is_ok());
}
