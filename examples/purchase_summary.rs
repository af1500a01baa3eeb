//! Per-customer purchase summaries (x, t_x, T, monetary) from a transaction CSV.
//!
//! Run: `cargo run --example purchase_summary [FILE.csv] [OBSERVATION_END]`
//! (default: `examples/data/transactions.csv`, observation end 2024-12-31). The file is read with
//! `crm_analytics::io::load_transactions` (columns `customer_id,date,amount`).
//!
//! The summary is the input of RFM, CLV and churn models:
//! - x   = repeat purchase days (same-day purchases merged),
//! - t_x = weeks from the first to the last purchase,
//! - T   = weeks from the first purchase to the observation end,
//! - monetary = mean value of the repeat purchase days.

use std::error::Error;

use crm_analytics::io::{ReadOptions, TransactionColumns, load_transactions};
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::{SummaryOptions, TimeUnit, summarize};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/data/transactions.csv"
        )
        .into()
    });
    let end: NaiveDate = args.next().as_deref().unwrap_or("2024-12-31").parse()?;

    // Strict reading: a malformed row stops with an error naming the file, line and column.
    let loaded = load_transactions(
        std::path::Path::new(&path),
        &TransactionColumns::default(),
        &ReadOptions::default(),
    )?;
    let (ids, tx) = (loaded.ids, loaded.transactions);

    let summary = summarize(&tx, &SummaryOptions::new(end, TimeUnit::Week))?;
    println!(
        "{} transactions, {} customers, observation end {end}\n",
        tx.len(),
        summary.customers.len()
    );
    println!(
        "{:<10} {:>3} {:>7} {:>7} {:>9}",
        "customer", "x", "t_x", "T", "monetary"
    );
    for c in summary.customers.iter().take(15) {
        let id = ids
            .id(c.customer)
            .map(ToString::to_string)
            .unwrap_or_default();
        let m = c
            .monetary
            .map_or("-".to_string(), |m| m.round_dp(2).to_string());
        println!(
            "{id:<10} {:>3} {:>7.2} {:>7.2} {m:>9}",
            c.frequency, c.recency, c.age
        );
    }
    let repeaters = summary.customers.iter().filter(|c| c.frequency > 0).count();
    println!(
        "\n{repeaters} of {} customers bought again (x > 0); customers with x = 0 have no repeat monetary value.",
        summary.customers.len()
    );
    Ok(())
}
