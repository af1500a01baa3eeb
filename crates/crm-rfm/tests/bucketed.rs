#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `push_all` / `rfm_values` / `rfm_values_threaded` (rows scattered into key buckets in runs of
//! about a million rows) equal pushing every row on its own with `RfmAccumulator::push`: across
//! run boundaries, with refunds, currencies, excluded late purchases, amounts at other scales or
//! too large for the compact rows, sums that overflow `i64` mid-run (deferred amounts), merged
//! same-day purchases, and with the same first error.

use crm_rfm::model::chrono::{Duration, NaiveDate};
use crm_rfm::model::rust_decimal::Decimal;
use crm_rfm::model::{
    Currency, CustomerKey, LateEvents, SameDayPurchases, Transaction, TransactionKind,
};
use crm_rfm::{
    MonetaryValue, RfmAccumulator, RfmOptions, RfmTable, RfmValues, rfm_values, rfm_values_threaded,
};

fn day(off: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, 1, 1).unwrap() + Duration::days(off)
}

fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}

/// The customer whose sum is pushed near `i64::MAX` by one large amount just before a run
/// boundary, so that the next run's small amounts overflow the compact sum.
const BIG: u32 = 3_000_000;
/// Position of that large amount: the last row of the second single-thread run (and of the
/// first two-thread run).
const BIG_AT: usize = (1 << 21) - 1;

/// `n` rows over `keys` customers (and a few far keys), mostly plain purchases in cents, with
/// `odd_per_mille` rows that must be pushed on their own among the first `odd_until`.
fn data(n: usize, keys: u64, odd_per_mille: u64, odd_until: usize, seed: u64) -> Vec<Transaction> {
    let mut next = rng(seed);
    let eur: Currency = "EUR".parse().unwrap();
    (0..n)
        .map(|i| {
            let r = next();
            let mut c = (r % keys) as u32;
            if r % 100_003 == 0 {
                c = 2_000_000 + (r % 1000) as u32; // beyond the estimated key range
            }
            let k = CustomerKey::from_index(c);
            let d = day((next() % 730) as i64);
            let units = (next() % 20_000) as i64 + 100;
            if i == BIG_AT {
                let big = Decimal::from_i128_with_scale(i128::from(i64::MAX - 1000), 2);
                return Transaction::purchase(CustomerKey::from_index(BIG), day(1), big).unwrap();
            }
            let t = match next() % 1000 {
                x if x < odd_per_mille && i < odd_until => match x % 4 {
                    0 => Transaction::purchase(k, d, Decimal::new(units, 3)),
                    1 => Transaction::purchase(k, d, Decimal::new(units << 32, 2)),
                    2 => Transaction::purchase(k, d, Decimal::ZERO),
                    _ => Transaction::purchase(k, d, Decimal::new(units, 0)),
                }
                .unwrap(),
                900..=904 => {
                    Transaction::new(k, d, Decimal::new(units, 2), TransactionKind::Refund).unwrap()
                }
                905..=909 => Transaction::purchase(k, day(800), Decimal::new(units, 2)).unwrap(),
                910..=914 => Transaction::purchase(k, d, Decimal::new(units, 2))
                    .unwrap()
                    .with_currency(eur),
                915 => Transaction::purchase(k, d, Decimal::new(0, 2)).unwrap(),
                _ => Transaction::purchase(k, d, Decimal::new(units, 2)).unwrap(),
            };
            if i > BIG_AT && r % 3 == 0 {
                // The big customer keeps buying after its large amount.
                return Transaction::purchase(
                    CustomerKey::from_index(BIG),
                    d,
                    Decimal::new(units, 2),
                )
                .unwrap();
            }
            t
        })
        .collect()
}

/// Every row pushed on its own, in order.
fn one_by_one(tx: &[Transaction], o: &RfmOptions) -> Result<RfmTable, String> {
    let mut acc = RfmAccumulator::new(o.same_day).cutoff(o.as_of, o.late_events);
    for (i, t) in tx.iter().enumerate() {
        acc.push(t).map_err(|e| e.at_record(i).to_string())?;
    }
    acc.finish(Some(o.as_of), o.monetary)
        .map_err(|e| e.to_string())
}

type Exact = (i128, u32);

fn ids(t: &RfmTable) -> Vec<(u32, u32, u32, Exact, Exact)> {
    let id = |d: Decimal| (d.mantissa(), d.scale());
    t.customers
        .iter()
        .map(|v: &RfmValues| {
            (
                v.customer.get(),
                v.recency_days,
                v.frequency,
                id(v.monetary),
                id(v.total_spend),
            )
        })
        .collect()
}

fn all_agree(tx: &[Transaction], o: &RfmOptions) {
    let want = one_by_one(tx, o).unwrap();
    let got = rfm_values(tx, o).unwrap();
    assert_eq!(ids(&got), ids(&want));
    assert_eq!(got, want);
    for threads in [2, 3] {
        assert_eq!(
            rfm_values_threaded(tx, o, threads).unwrap(),
            want,
            "{threads} threads"
        );
    }
}

#[test]
fn runs_across_boundaries_equal_row_by_row() {
    // Rows to push on their own only in the first run of two threads: the second one is
    // scattered by two threads, and the big customer's sum overflows there.
    let tx = data((1 << 21) + 300_000, 60_000, 1, 1_500_000, 11);
    let opts = RfmOptions::new(day(731)).late_events(LateEvents::Exclude);
    all_agree(&tx, &opts);
    let t = rfm_values(&tx, &opts).unwrap();
    assert!(t.excluded_after_as_of > 0 && t.non_purchases > 0);
    assert_eq!(t.currency.map(|c| c.to_string()), Some("EUR".into()));
    // The big customer's sum went past i64 after the run boundary.
    let big = t
        .customers
        .iter()
        .find(|v| v.customer.get() == BIG)
        .unwrap();
    assert!(big.total_spend.mantissa() > i128::from(i64::MAX));
    let merged = opts
        .same_day(SameDayPurchases::Merge)
        .monetary(MonetaryValue::MeanPerPurchase);
    all_agree(&tx, &merged);
}

#[test]
fn many_odd_rows_equal_row_by_row() {
    // About 3% of the rows at other scales or too large: past the limit of rows pushed on their
    // own, the rest of the slice goes row by row.
    let tx = data(400_000, 20_000, 30, usize::MAX, 5);
    let opts = RfmOptions::new(day(731)).late_events(LateEvents::Exclude);
    all_agree(&tx, &opts);
}

#[test]
fn first_error_in_slice_order() {
    let mut tx = data(2_300_000, 50_000, 1, usize::MAX, 3);
    let usd: Currency = "USD".parse().unwrap();
    let k = CustomerKey::from_index(5);
    // A currency mismatch in the second thread's share of the second two-thread run (rows
    // 2^21.., shares of 101,424 rows).
    tx[2_250_000] = Transaction::purchase(k, day(3), Decimal::ONE)
        .unwrap()
        .with_currency(usd);
    let opts = RfmOptions::new(day(900));
    let want = one_by_one(&tx, &opts).unwrap_err();
    assert!(want.contains("record 2250000"), "{want}");
    assert_eq!(rfm_values(&tx, &opts).unwrap_err().to_string(), want);
    assert_eq!(
        rfm_values_threaded(&tx, &opts, 2).unwrap_err().to_string(),
        want
    );
    // Late purchases rejected: the first one in slice order.
    let opts = RfmOptions::new(day(700));
    let want = one_by_one(&tx, &opts).unwrap_err();
    assert_eq!(rfm_values(&tx, &opts).unwrap_err().to_string(), want);
    for threads in [2, 3] {
        assert_eq!(
            rfm_values_threaded(&tx, &opts, threads)
                .unwrap_err()
                .to_string(),
            want
        );
    }
}
