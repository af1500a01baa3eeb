//! Synthetic CRM data: generate a small demo data set and look at what was planted.
//!
//! Run: `cargo run --example demo_data [CUSTOMERS] [SEED]` (default 500 customers, seed 42).
//!
//! The generator (`crm_analytics::demo`) draws purchases from a BG/NBD process with Gamma-Gamma
//! spend and plants duplicate customer records whose truth it keeps; this example prints a few
//! records, how many duplicates there are, and how the purchase summary compares with the truth.

use std::error::Error;

use crm_analytics::demo::{DemoConfig, generate};
use crm_analytics::model::{SummaryOptions, TimeUnit, summarize};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let customers: usize = args.next().as_deref().unwrap_or("500").parse()?;
    let seed: u64 = args.next().as_deref().unwrap_or("42").parse()?;
    let data = generate(&DemoConfig {
        customers,
        seed,
        ..DemoConfig::default()
    })?;

    println!(
        "{} people, {} customer records, {} transactions, {} survey answers, {} tickets/complaints",
        data.truth.len(),
        data.customers.len(),
        data.transactions.len(),
        data.surveys.len(),
        data.interactions.len()
    );

    // Planted duplicates: records that share a person id.
    let mut shown = 0;
    let mut last = None;
    for (i, w) in data.person_of.windows(2).enumerate() {
        if w[0] == w[1] && shown < 3 && last != Some(w[0]) {
            last = Some(w[0]);
            let (a, b) = (&data.customers[i], &data.customers[i + 1]);
            println!("same person {}:", w[0]);
            for c in [a, b] {
                println!(
                    "  id {:>5}  {:<22} {:<34} {:<22} {}",
                    c.id.to_string(),
                    c.full_name.clone().unwrap_or_default(),
                    c.emails.first().cloned().unwrap_or_default(),
                    c.phones.first().cloned().unwrap_or_default(),
                    c.company.clone().unwrap_or_default()
                );
            }
            shown += 1;
        }
    }
    println!(
        "duplicate records: {}",
        data.customers.len() - data.truth.len()
    );

    // The purchase summary against the hidden truth.
    let s = summarize(
        &data.transactions,
        &SummaryOptions::new(data.config.end, TimeUnit::Week),
    )?;
    let mean_x = s
        .customers
        .iter()
        .map(|c| f64::from(c.frequency))
        .sum::<f64>()
        / s.customers.len() as f64;
    let dropped = data.truth.iter().filter(|t| t.dropout.is_some()).count();
    let mean_rate =
        data.truth.iter().map(|t| t.lambda_per_week).sum::<f64>() / data.truth.len() as f64;
    println!(
        "mean repeat purchases x = {mean_x:.2}; true mean purchase rate {mean_rate:.3}/week \
         (r / alpha = {:.3}); {dropped} of {} people dropped out before the end",
        data.config.btyd.r / data.config.btyd.alpha,
        data.truth.len()
    );
    Ok(())
}
