//! RFM segments from a transaction file: recency, frequency and monetary value per customer,
//! quintile scores, the standard 10-segment map, and the segment report.
//!
//! Run: `cargo run --release --example rfm_segments [FILE]`
//! - default: `examples/data/transactions.csv` (`customer_id,date,amount`);
//! - or CDNOW: `cargo run --release --example rfm_segments ../shared/data/cdnow/CDNOW_master.txt`
//!   (whitespace-separated `customer_id date number_of_cds dollar_value`, dates `YYYYMMDD`).
//!
//! As-of is the day after the last purchase; recency is reversed so that R = 5 is the most
//! recent fifth of customers.

use std::error::Error;

use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::model::{CustomerInterner, SameDayPurchases};
use crm_analytics::rfm::{MonetaryValue, RfmAccumulator, SegmentMap, TiePolicy, analyze};

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/data/transactions.csv"
        )
        .into()
    });
    let text = std::fs::read_to_string(&path)?;
    let mut ids = CustomerInterner::new();
    let mut acc = RfmAccumulator::new(SameDayPurchases::Separate);
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |what: &str| format!("{path}:{}: bad {what}", n + 1);
        // CSV `customer_id,date,amount`, or CDNOW `id YYYYMMDD cds dollars`.
        let (id, date, amount) = if line.contains(',') {
            let f: Vec<&str> = line.split(',').collect();
            let date = f.get(1).ok_or_else(|| bad("date"))?.trim();
            let amount = f.get(2).copied();
            (f[0], NaiveDate::parse_from_str(date, "%Y-%m-%d")?, amount)
        } else {
            let f: Vec<&str> = line.split_whitespace().collect();
            let date = f.get(1).ok_or_else(|| bad("date"))?;
            let amount = f.get(3).copied();
            (f[0], NaiveDate::parse_from_str(date, "%Y%m%d")?, amount)
        };
        let amount: Decimal = amount.ok_or_else(|| bad("amount"))?.trim().parse()?;
        let key = ids.intern(id)?;
        if amount.is_sign_negative() {
            acc.push_non_purchase();
        } else {
            acc.push_purchase(key, date, amount)?;
        }
    }
    let table = acc.finish(None, MonetaryValue::Total)?;
    let map = SegmentMap::standard();
    let a = analyze(&table.customers, 5, &TiePolicy::ValueBased, &map)?;
    println!(
        "{}: {} customers, as-of {}, revenue {}\n",
        path,
        a.report.customers,
        table.as_of,
        a.report.revenue.round_dp(2)
    );
    println!(
        "{:<20} {:>9} {:>7} {:>13} {:>7} {:>9} {:>7} {:>9}",
        "segment", "customers", "share", "revenue", "share", "recency", "freq", "monetary"
    );
    for s in &a.report.segments {
        let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.1}"));
        println!(
            "{:<20} {:>9} {:>6.1}% {:>13} {:>6.1}% {:>9} {:>7} {:>9}",
            s.segment,
            s.customers,
            100.0 * s.customer_share,
            s.revenue.round_dp(2),
            100.0 * s.revenue_share.unwrap_or(0.0),
            f(s.mean_recency_days),
            f(s.mean_frequency),
            f(s.mean_monetary),
        );
    }
    // The first customers with their cell and segment.
    println!(
        "\n{:<10} {:>7} {:>5} {:>10}  RFM  segment",
        "customer", "recency", "freq", "monetary"
    );
    for ((v, s), &g) in table
        .customers
        .iter()
        .zip(&a.scores)
        .zip(&a.segments)
        .take(8)
    {
        let id = ids
            .id(v.customer)
            .map(ToString::to_string)
            .unwrap_or_default();
        println!(
            "{id:<10} {:>7} {:>5} {:>10}  {}  {}",
            v.recency_days,
            v.frequency,
            v.monetary.round_dp(2),
            s.label(),
            a.segment_names[usize::from(g)]
        );
    }
    Ok(())
}
