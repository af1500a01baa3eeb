//! SaaS revenue retention from MRR movements: month by month GRR, NRR and quick ratio.
//!
//! Run: `cargo run --example saas_revenue [FILE.csv]`
//! (default: `examples/data/mrr_movements.csv`, columns `customer_id,date,kind,amount` with kind
//! one of new, expansion, contraction, churn, reactivation and a non-negative amount), read with
//! `crm_analytics::io::read_mrr_columns`.
//!
//! For each month:
//! - GRR (gross revenue retention) = (start MRR - churn - contraction) / start MRR, at most 100%;
//! - NRR (net revenue retention)   = (start MRR + expansion - churn - contraction) / start MRR, which
//!   exceeds 100% when existing customers grow faster than others leave;
//! - quick ratio = (new + expansion + reactivation) / (churn + contraction): above 4 is healthy
//!   growth, below 1 means the business is shrinking.
//!
//! Each month's state is built separately and the year is the merge of all twelve: the same
//! totals a single pass over the year would give.

use std::error::Error;
use std::path::Path;

use crm_analytics::io::{MrrColumns, ReadOptions, read_mrr_columns};
use crm_analytics::metrics::revenue::{RevenueMetrics, RevenueState};
use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::model::{CustomerInterner, MrrMovement, Period, TimeUnit};

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/data/mrr_movements.csv"
        )
        .into()
    });
    // Column names are configurable (`MrrColumns { kind: "type".into(), ..Default::default() }`);
    // the defaults are those of `mrr_movements.csv`.
    let mut ids = CustomerInterner::new();
    let moves = read_mrr_columns(
        Path::new(&path),
        &MrrColumns::default(),
        &ReadOptions::default(),
        &mut ids,
        || {},
    )?
    .rows;
    let first = moves
        .iter()
        .map(MrrMovement::date)
        .min()
        .ok_or("no movements")?;
    let last = moves
        .iter()
        .map(MrrMovement::date)
        .max()
        .ok_or("no movements")?;
    let span = Period::new(
        TimeUnit::Month.truncate(first),
        last.succ_opt().ok_or("date")?,
    )?;

    println!(
        "{:<8} {:>9} {:>7} {:>7} {:>7} {:>7} {:>9} {:>7} {:>7} {:>6}",
        "month", "start", "new", "expand", "contr", "churn", "end", "GRR%", "NRR%", "quick"
    );
    let mut mrr = Decimal::ZERO;
    let mut year_totals: Option<RevenueState> = None;
    for month in TimeUnit::Month.periods(span) {
        let mut s = RevenueState::new(month);
        for m in &moves {
            s.push(m)?;
        }
        let t = s.totals();
        let label = month.start().format("%Y-%m").to_string();
        match RevenueMetrics::from_totals(mrr, t) {
            Ok(r) => println!(
                "{label:<8} {:>9} {:>7} {:>7} {:>7} {:>7} {:>9} {:>7.1} {:>7.1} {:>6}",
                mrr,
                t.new,
                t.expansion,
                t.contraction,
                t.churn,
                r.ending_mrr,
                100.0 * r.grr,
                100.0 * r.nrr,
                r.quick_ratio.map_or("-".into(), |q| format!("{q:.1}"))
            ),
            // The first month starts from zero MRR: retention is undefined (no one to retain).
            Err(_) => println!(
                "{label:<8} {:>9} {:>7}   (no starting MRR: retention undefined)",
                mrr, t.new
            ),
        }
        mrr += t.new + t.expansion + t.reactivation - t.contraction - t.churn;
        // Re-key every month's state to the whole span so they can be merged into a year.
        let mut whole = RevenueState::new(span);
        for m in moves.iter().filter(|m| month.contains(m.date())) {
            whole.push(m)?;
        }
        match year_totals.as_mut() {
            None => year_totals = Some(whole),
            Some(y) => y.merge(&whole)?,
        }
    }
    if let Some(y) = year_totals {
        let t = y.totals();
        println!(
            "\nWhole span (merged from the monthly states): new {} expansion {} contraction {} churn {} reactivation {}; ending MRR {}.",
            t.new, t.expansion, t.contraction, t.churn, t.reactivation, mrr
        );
    }
    Ok(())
}
