//! No panic on any input: parsers and constructors return errors for garbage.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crm_model::chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;
use crm_model::*;
use proptest::prelude::*;

proptest! {
    #[test]
    fn text_parsers_never_panic(s in ".{0,40}") {
        let _ = CustomerId::parse(&s);
        let _ = parse_date("date", &s);
        let _ = s.parse::<Currency>();
        let _ = s.parse::<TimeUnit>();
        let mut i = CustomerInterner::new();
        if let Ok(k) = i.intern(&s) {
            prop_assert_eq!(i.id(k).unwrap(), &CustomerId::parse(&s).unwrap());
        }
    }

    #[test]
    fn constructors_validate(v in any::<u8>(), cents in any::<i64>(), days in -100_000i64..100_000) {
        prop_assert_eq!(NpsScore::new(v).is_ok(), v <= 10);
        prop_assert_eq!(CsatScore::new(v, CsatScale::OneToSeven).is_ok(), (1..=7).contains(&v));
        prop_assert_eq!(CesScore::new(v, CesVersion::V1).is_ok(), (1..=5).contains(&v));
        let d = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        let amount = Decimal::new(cents, 2);
        let t = Transaction::purchase(CustomerKey::from_index(0), d, amount);
        prop_assert_eq!(t.is_ok(), cents >= 0);
        prop_assert_eq!(Transaction::from_signed(CustomerKey::from_index(0), d, amount).signed_amount(), amount);
        let e = d + crm_model::chrono::Duration::days(days);
        prop_assert_eq!(Period::new(d, e).is_ok(), days > 0);
        for u in TimeUnit::ALL {
            let _ = u.add(d, days);
            let _ = u.period_of(e);
        }
    }
}
