//! Cohort retention matrix from a transaction CSV.
//!
//! Run: `cargo run --example retention_cohorts [FILE.csv] [week|month]`
//! (default: `examples/data/transactions.csv`, monthly cohorts). The file needs the columns
//! `customer_id,date,amount` (read with `crm_analytics::io::load_transactions`); a negative
//! amount is a return and is not activity.
//!
//! Each row is a cohort: the customers whose first purchase fell in that month. Column k is the
//! share of the cohort that bought in the k-th month after it (classic retention; column 0 is
//! always 100%). The second table is rolling retention: the share that bought in month k *or
//! later*, which never increases along a row. Reading down a column compares cohorts at the same
//! age: are newer customers sticking better than older ones?

use std::error::Error;

use crm_analytics::io::{ReadOptions, TransactionColumns, load_transactions};
use crm_analytics::metrics::engagement::{CohortPeriod, CohortRetention, cohort_matrix};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/data/transactions.csv"
        )
        .into()
    });
    let period = match args.next().as_deref() {
        Some("week") => CohortPeriod::Week,
        _ => CohortPeriod::Month,
    };

    let loaded = load_transactions(
        std::path::Path::new(&path),
        &TransactionColumns::default(),
        &ReadOptions::default(),
    )?;
    let (ids, tx) = (loaded.ids, loaded.transactions);

    let m = cohort_matrix(&tx, period)?;
    println!(
        "{} transactions, {} customers, {} cohorts ({:?})\n",
        tx.len(),
        ids.len(),
        m.cohorts.len(),
        period
    );
    for kind in [CohortRetention::Classic, CohortRetention::Rolling] {
        println!("{kind:?} retention, % of cohort:");
        let width = m.cohorts.first().map_or(0, |c| c.active.len()).min(12);
        print!("{:<10} {:>4}", "cohort", "size");
        for k in 0..width {
            print!(" {k:>5}");
        }
        println!();
        for c in &m.cohorts {
            print!("{:<10} {:>4}", c.start.to_string(), c.size);
            for r in c.rates(kind).iter().take(width) {
                print!(" {:>5.0}", 100.0 * r);
            }
            println!();
        }
        println!();
    }
    Ok(())
}
