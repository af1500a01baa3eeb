//! Cohort retention matrix from a transaction CSV.
//!
//! Run: `cargo run --example retention_cohorts [FILE.csv] [week|month]`
//! (default: `examples/data/transactions.csv`, monthly cohorts). The file needs the columns
//! `customer_id,date,amount`; a negative amount is a return and is not activity.
//!
//! Each row is a cohort: the customers whose first purchase fell in that month. Column k is the
//! share of the cohort that bought in the k-th month after it (classic retention; column 0 is
//! always 100%). The second table is rolling retention: the share that bought in month k *or
//! later*, which never increases along a row. Reading down a column compares cohorts at the same
//! age: are newer customers sticking better than older ones?

use std::error::Error;

use crm_analytics::metrics::engagement::{CohortPeriod, CohortRetention, cohort_matrix};
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::{CustomerInterner, Transaction};

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

    let mut ids = CustomerInterner::new();
    let mut tx = Vec::new();
    let mut reader = csv::Reader::from_path(&path)?;
    for (line, row) in reader.records().enumerate() {
        let row = row?;
        let err = |what: &str| format!("{path}:{}: bad {what}", line + 2);
        let key = ids.intern(row.get(0).ok_or_else(|| err("customer_id"))?)?;
        let date: NaiveDate = row.get(1).ok_or_else(|| err("date"))?.trim().parse()?;
        let amount = row.get(2).ok_or_else(|| err("amount"))?.trim().parse()?;
        tx.push(Transaction::from_signed(key, date, amount));
    }

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
