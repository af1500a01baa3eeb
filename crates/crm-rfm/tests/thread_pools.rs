#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `rfm_values_threaded` runs its parts on the caller's rayon pool: in a one-thread pool, a
//! three-thread pool and the default (global) pool it gives the same table as `rfm_values`,
//! for every number of parts.

use crm_rfm::model::chrono::{Duration, NaiveDate};
use crm_rfm::model::rust_decimal::Decimal;
use crm_rfm::model::{CustomerKey, Transaction};
use crm_rfm::{RfmOptions, RfmTable, rfm_values, rfm_values_threaded};

/// `n` rows over `keys` customers: purchases in cents, a few refunds, many same-day repeats.
fn data(n: usize, keys: u64) -> Vec<Transaction> {
    let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let d0 = NaiveDate::from_ymd_opt(2022, 1, 1).unwrap();
    (0..n)
        .map(|_| {
            let c = CustomerKey::from_index((next() % keys) as u32);
            let d = d0 + Duration::days((next() % 400) as i64);
            let cents = (next() % 50_000) as i64 + 1;
            let amount = if next() % 50 == 0 { -cents } else { cents };
            Transaction::from_signed(c, d, Decimal::new(amount, 2))
        })
        .collect()
}

fn threaded(tx: &[Transaction], o: &RfmOptions) -> Vec<RfmTable> {
    [2, 3, rayon::current_num_threads()]
        .iter()
        .map(|&parts| rfm_values_threaded(tx, o, parts).unwrap())
        .collect()
}

#[test]
fn results_do_not_depend_on_the_pool() -> Result<(), Box<dyn std::error::Error>> {
    // More rows than one run of two parts (2 x 2^20), so runs follow each other.
    let tx = data(2_300_000, 250_000);
    let o = RfmOptions::new(NaiveDate::from_ymd_opt(2023, 3, 1).unwrap());
    let one = rfm_values(&tx, &o)?;
    let default = threaded(&tx, &o);
    assert!(default.iter().all(|t| *t == one));
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let got = pool.install(|| threaded(&tx, &o));
        assert!(got == default, "{threads} threads: tables differ");
    }
    Ok(())
}
