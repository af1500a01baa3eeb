//! RFM segments from a transaction file: recency, frequency and monetary value per customer,
//! quintile scores, the standard 10-segment map, and the segment report.
//!
//! Run: `cargo run --release --example rfm_segments [FILE]`
//! - default: `examples/data/transactions.csv` (`customer_id,date,amount`);
//! - or CDNOW: `cargo run --release --example rfm_segments ../shared/data/cdnow/CDNOW_master.txt`
//!   (whitespace-separated `customer_id date number_of_cds dollar_value`, dates `YYYYMMDD`).
//!
//! The file is streamed into RFM accumulators by `crm_analytics::io::fold_purchases` (no row is
//! kept in memory; comma files are read in parallel parts and merged in file order).
//!
//! As-of is the day after the last purchase; recency is reversed so that R = 5 is the most
//! recent fifth of customers.

use std::error::Error;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use crm_analytics::io::{Delimiter, ReadOptions, TransactionColumns, fold_purchases};
use crm_analytics::model::SameDayPurchases;
use crm_analytics::rfm::{MonetaryValue, RfmAccumulator, SegmentMap, TiePolicy, analyze};

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/data/transactions.csv"
        )
        .into()
    });
    // A comma in the header: `customer_id,date,amount`; otherwise the CDNOW layout, columns
    // separated by runs of spaces, named by its header line.
    let mut header = String::new();
    BufReader::new(File::open(&path)?).read_line(&mut header)?;
    let (cols, opts) = if header.contains(',') {
        (TransactionColumns::default(), ReadOptions::default())
    } else {
        let cols = TransactionColumns {
            amount: Some("dollar_value".into()),
            ..TransactionColumns::default()
        };
        let opts = ReadOptions {
            delimiter: Delimiter::Whitespace,
            ..ReadOptions::default()
        };
        (cols, opts)
    };
    // Stream the purchases into RFM accumulators without keeping the rows (comma files in
    // parallel parts, merged in file order); a negative amount is a return, not a purchase.
    // `RfmAccumulator` is a `PurchaseFold`: the state the reader streams into.
    let folded = fold_purchases(Path::new(&path), &cols, &opts, None, || {
        RfmAccumulator::new(SameDayPurchases::Separate)
    })?;
    let (acc, ids) = (folded.state, folded.ids);
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
