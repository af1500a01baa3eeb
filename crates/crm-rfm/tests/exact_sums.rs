#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The accumulator's integer fast path gives exactly (value, scale and sign) the sums of plain
//! `Decimal::checked_add` in push order, for mixed scales, zeros, negative raw amounts and values
//! near the `i64` and 96-bit boundaries; merging, `push_all` and the threaded path agree.

use crm_rfm::model::chrono::{Duration, NaiveDate};
use crm_rfm::model::rust_decimal::Decimal;
use crm_rfm::model::{CustomerKey, SameDayPurchases, Transaction};
use crm_rfm::{MonetaryValue, RfmAccumulator, RfmOptions, rfm_values, rfm_values_threaded};
use proptest::prelude::*;

fn day(off: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Duration::days(off)
}

/// Bit-exact identity of a decimal: mantissa, scale, sign.
fn id(d: Decimal) -> (i128, u32, bool) {
    (d.mantissa(), d.scale(), d.is_sign_negative())
}

fn amount(kind: u8, m: i64, scale: u32) -> Decimal {
    let big = i128::from(i64::MAX);
    let mantissa: i128 = match kind % 8 {
        0..=2 => i128::from(m.rem_euclid(100_000)),
        3 => 0,
        4 => big - i128::from(m.rem_euclid(1000)),
        5 => big + 1 + i128::from(m.rem_euclid(1000)),
        6 => (1i128 << 95) + i128::from(m.rem_euclid(1 << 40)),
        _ => i128::from(m),
    };
    Decimal::from_i128_with_scale(mantissa, scale)
}

fn scale_of(s: u8) -> u32 {
    match s % 6 {
        0..=2 => 2,
        3 => 0,
        4 => 4,
        _ => 28,
    }
}

/// Plain reference: per-customer `Decimal::checked_add` from `Decimal::ZERO`, in order; `None`
/// at the first overflow (with its position).
fn reference(rows: &[(u32, Decimal)], keys: usize) -> Result<Vec<Decimal>, usize> {
    let mut sums = vec![Decimal::ZERO; keys];
    for (at, &(c, a)) in rows.iter().enumerate() {
        let s = &mut sums[c as usize];
        *s = s.checked_add(a).ok_or(at)?;
    }
    Ok(sums)
}

fn row_strategy(signed: bool) -> impl Strategy<Value = Vec<(u32, Decimal)>> {
    prop::collection::vec(
        (
            0u32..6,
            any::<u8>(),
            any::<i64>(),
            any::<u8>(),
            any::<bool>(),
        ),
        1..60,
    )
    .prop_map(move |v| {
        v.into_iter()
            .map(|(c, k, m, s, neg)| {
                let a = amount(k, m, scale_of(s));
                let a = if signed && neg { -a } else { a.abs() };
                (c, a)
            })
            .collect()
    })
}

fn check(table: &crm_rfm::RfmTable, expected: &[Decimal], rows: &[(u32, Decimal)]) {
    let mut counts = vec![0u32; expected.len()];
    for &(c, _) in rows {
        counts[c as usize] += 1;
    }
    let got: Vec<_> = table
        .customers
        .iter()
        .map(|v| {
            (
                v.customer.index(),
                v.frequency,
                id(v.total_spend),
                id(v.monetary),
            )
        })
        .collect();
    let want: Vec<_> = expected
        .iter()
        .enumerate()
        .filter(|(i, _)| counts[*i] > 0)
        .map(|(i, d)| (i, counts[i], id(*d), id(*d)))
        .collect();
    assert_eq!(got, want);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn push_purchase_equals_decimal_sums(rows in row_strategy(true)) {
        let mut acc = RfmAccumulator::new(SameDayPurchases::Separate);
        let mut failed = None;
        for (at, &(c, a)) in rows.iter().enumerate() {
            if acc.push_purchase(CustomerKey::from_index(c), day(0), a).is_err() {
                failed = Some(at);
                break;
            }
        }
        match reference(&rows, 6) {
            Ok(sums) => {
                prop_assert_eq!(failed, None);
                check(&acc.finish(None, MonetaryValue::Total).unwrap(), &sums, &rows);
            }
            Err(at) => prop_assert_eq!(failed, Some(at)),
        }
    }

    #[test]
    fn push_all_and_merge_equal_decimal_sums(rows in row_strategy(false), cut in 0usize..60) {
        let tx: Vec<Transaction> = rows
            .iter()
            .map(|&(c, a)| Transaction::purchase(CustomerKey::from_index(c), day(0), a).unwrap())
            .collect();
        let mut acc = RfmAccumulator::new(SameDayPurchases::Separate);
        let r = acc.push_all(&tx);
        match reference(&rows, 6) {
            Ok(sums) => {
                prop_assert!(r.is_ok());
                check(&acc.finish(None, MonetaryValue::Total).unwrap(), &sums, &rows);
            }
            Err(at) => {
                let msg = r.unwrap_err().to_string();
                prop_assert!(msg.contains(&format!("{at}")), "{}", msg);
            }
        }
        // Merge: the reference adds the two partial Decimal sums.
        let cut = cut.min(rows.len());
        let (a, b) = rows.split_at(cut);
        if let (Ok(sa), Ok(sb)) = (reference(a, 6), reference(b, 6)) {
            let mut left = RfmAccumulator::new(SameDayPurchases::Separate);
            let mut right = RfmAccumulator::new(SameDayPurchases::Separate);
            left.push_all(&tx[..cut]).unwrap();
            right.push_all(&tx[cut..]).unwrap();
            // A customer with no rows in one part keeps the other part's sum unchanged.
            let has = |rows: &[(u32, Decimal)], c: usize| rows.iter().any(|r| r.0 as usize == c);
            let want: Option<Vec<Decimal>> = (0..6)
                .map(|c| match (has(a, c), has(b, c)) {
                    (true, true) => sa[c].checked_add(sb[c]),
                    (false, true) => Some(sb[c]),
                    _ => Some(sa[c]),
                })
                .collect();
            match (left.merge(right), want) {
                (Ok(()), Some(sums)) => {
                    check(&left.finish(None, MonetaryValue::Total).unwrap(), &sums, &rows);
                }
                (Err(_), None) => {}
                (got, want) => prop_assert!(false, "merge {:?} vs reference {:?}", got, want),
            }
        }
    }
}

/// Threaded (key ranges) = one thread = plain Decimal sums, on an input large enough to be
/// split, with mixed scales and sums beyond `i64`.
#[test]
fn threaded_equals_single_and_decimal_sums() {
    let mut s = 7u64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let keys = 5_000u32;
    let rows: Vec<(u32, i64, Decimal)> = (0..150_000)
        .map(|_| {
            let c = (next() % u64::from(keys)) as u32;
            let d = (next() % 700) as i64;
            let r = next();
            let a = match r % 50 {
                0 => Decimal::from_i128_with_scale(i128::from(i64::MAX / 3), 2),
                1 => Decimal::new((r % 1000) as i64, 0),
                2 => Decimal::new((r % 100_000) as i64, 3),
                3 => Decimal::ZERO,
                _ => Decimal::new((r % 20_000) as i64 + 100, 2),
            };
            (c, d, a)
        })
        .collect();
    let tx: Vec<Transaction> = rows
        .iter()
        .map(|&(c, d, a)| Transaction::purchase(CustomerKey::from_index(c), day(d), a).unwrap())
        .collect();
    let plain: Vec<(u32, Decimal)> = rows.iter().map(|&(c, _, a)| (c, a)).collect();
    let sums = reference(&plain, keys as usize).unwrap();
    let opts = RfmOptions::new(day(800));
    let one = rfm_values(&tx, &opts).unwrap();
    check(&one, &sums, &plain);
    for threads in [2, 3, 4] {
        assert_eq!(rfm_values_threaded(&tx, &opts, threads).unwrap(), one);
    }
    // A late transaction: the first failing record in slice order, whichever thread owns it.
    let mut late = tx.clone();
    late[120_000] =
        Transaction::purchase(CustomerKey::from_index(4_999), day(900), Decimal::ONE).unwrap();
    late[90_000] =
        Transaction::purchase(CustomerKey::from_index(1), day(901), Decimal::ONE).unwrap();
    let e1 = rfm_values(&late, &opts).unwrap_err().to_string();
    let e2 = rfm_values_threaded(&late, &opts, 2)
        .unwrap_err()
        .to_string();
    assert_eq!(e1, e2);
    assert!(e1.contains("90000"), "{e1}");
}
