//! Lifecycle stages, drilled down by region, and retention month by month.
//!
//! Run: `cargo run --example lifecycle_drill_down`
//!
//! Six customers of two regions buy over half a year. As of June 30 each is new, active,
//! reactivated, silent or churned (`crm_analytics::metrics::lifecycle`, default rules: new
//! under 30 days since the first purchase, active under 30 days since the last, churned from
//! 90 days); the stage counts are then split by region with one state per group
//! (`crm_analytics::report::drill`), and retention is computed for every month in one pass
//! (`crm_analytics::metrics::activity::activity_retention_series`).

use std::error::Error;

use crm_analytics::io::Lookup;
use crm_analytics::metrics::activity::{Inactivity, activity_retention_series};
use crm_analytics::metrics::lifecycle::{LifecycleRules, lifecycle_stages};
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::{CustomerInterner, Limits, Period, TimeUnit, Transaction};
use crm_analytics::report::drill::lifecycle_counts_by;

fn main() -> Result<(), Box<dyn Error>> {
    let day = |m, d| NaiveDate::from_ymd_opt(2024, m, d).ok_or("bad date");
    let mut ids = CustomerInterner::new();
    let mut tx = Vec::new();
    for (id, m, d, amount) in [
        ("ann", 6, 20, 40), // first purchase 10 days ago: new
        ("bob", 1, 10, 25), // bought in January, then nothing for months ...
        ("bob", 6, 25, 30), // ... and again 5 days ago: reactivated
        ("cyd", 5, 1, 12),  // buys regularly: active
        ("cyd", 6, 15, 12),
        ("dan", 4, 1, 80), // last purchase 41 days ago: silent
        ("dan", 5, 20, 15),
        ("eve", 1, 5, 60), // last purchase 121 days ago: churned
        ("eve", 3, 1, 20),
        ("fay", 2, 14, 9), // churned too
    ] {
        tx.push(Transaction::purchase(
            ids.intern(id)?,
            day(m, d)?,
            amount.into(),
        )?);
    }
    let as_of = day(6, 30)?;

    let rules = LifecycleRules::default();
    let stages = lifecycle_stages(&tx, as_of, &rules, None)?;
    println!("stages as of {as_of}:");
    for s in &stages {
        let id = ids
            .id(s.customer)
            .map(ToString::to_string)
            .unwrap_or_default();
        println!(
            "  {id:<4} {:<12} {:>3} days since the last purchase",
            s.stage.name(),
            s.days_since_last.unwrap_or(0)
        );
    }

    // The customer table's region of each customer (in an application: read it with
    // crm_analytics::io::read_customer_attributes from the customer file).
    let lookup = Lookup {
        key: "customer_id".into(),
        columns: vec!["region".into()],
        rows: [
            ("ann", "north"),
            ("bob", "north"),
            ("cyd", "north"),
            ("dan", "south"),
            ("eve", "south"),
            ("fay", "south"),
        ]
        .map(|(id, region)| (id.to_string(), vec![region.to_string()]))
        .into(),
    };
    let by_region = lifecycle_counts_by(&stages, &ids, &lookup, Limits::default())?;
    println!("\nstage counts by region:");
    for (key, counts) in &by_region.groups {
        let line: Vec<String> = counts
            .iter()
            .filter(|c| c.customers > 0)
            .map(|c| format!("{} {}", c.customers, c.stage.name()))
            .collect();
        println!("  {:<6} {}", key.join("/"), line.join(", "));
    }

    // Retention of each month: of the customers active before it (a purchase in the 90 days
    // before), the share still active at its end.
    let months: Vec<Period> = TimeUnit::Month
        .periods(Period::inclusive(day(1, 1)?, as_of)?)
        .collect();
    let series = activity_retention_series(&tx, &months, as_of, Inactivity::default())?;
    println!("\nretention by month (90-day inactivity):");
    for (p, r) in months.iter().zip(&series) {
        match r {
            Some(r) => println!(
                "  {}  {:>5.1}%  ({} of {} carried in stayed)",
                p.start().format("%Y-%m"),
                100.0 * r.cohort_retention,
                r.counts.retained,
                r.counts.start
            ),
            None => println!(
                "  {}     -   (nobody active before the month)",
                p.start().format("%Y-%m")
            ),
        }
    }
    Ok(())
}
