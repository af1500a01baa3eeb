//! `crm lifecycle`: lifecycle stages per customer, per stage, over time, and between two dates
//! (definitions in `crm_analytics::metrics::lifecycle`).

use std::path::PathBuf;

use clap::Args;
use crm_analytics::io::{load_transactions, read_customers, read_group_attributes};
use crm_analytics::metrics::lifecycle::{
    LifecycleRules, lifecycle_stages, period_ends, stage_counts, stage_counts_at, transitions,
};
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::{CustomerKey, Limits, TimeUnit};
use crm_analytics::report::{drill, listings, notes};
use serde::Serialize;

use crate::args::{
    InputOptions, RowsOutput, TransactionColumns, among, print_notes, report_skipped,
};
use crate::cmd::summary::parse_day;
use crate::error::{CliError, CliResult};
use crate::output::{self, Format};

/// Arguments of `crm lifecycle`.
#[derive(Debug, Args)]
pub struct LifecycleArgs {
    /// Transaction file (CSV or Parquet).
    #[arg(long)]
    pub transactions: PathBuf,
    #[command(flatten)]
    pub columns: TransactionColumns,
    /// Date of the stages (YYYY-MM-DD); purchases after it are ignored.
    #[arg(long, value_parser = parse_day)]
    pub as_of: NaiveDate,
    /// A customer is new while their first purchase is fewer days ago than this.
    #[arg(long, default_value_t = 30)]
    pub new_days: u32,
    /// A customer is active while their last purchase is fewer days ago than this.
    #[arg(long, default_value_t = 30)]
    pub active_days: u32,
    /// A customer has churned once their last purchase is this many days ago or more.
    #[arg(long, default_value_t = 90)]
    pub churn_days: u32,
    /// Customer table (customer_id column): its customers without a purchase are leads.
    #[arg(long)]
    pub customers: Option<PathBuf>,
    /// Transition matrix from this date to --as-of (rows from_stage,to_stage,customers).
    #[arg(long, value_parser = parse_day, conflicts_with_all = ["every", "counts"])]
    pub from: Option<NaiveDate>,
    /// Stage counts at the end of every week or month up to --as-of (one row per date).
    #[arg(long, value_parser = among(&[TimeUnit::Week, TimeUnit::Month]), conflicts_with = "counts")]
    pub every: Option<TimeUnit>,
    /// With --counts: one block of stage rows per group of customers, by their value of COLUMN
    /// in --customers, or else in the transaction file (on their first row). Repeatable.
    #[arg(long = "by", value_name = "COLUMN", requires = "counts")]
    pub by: Vec<String>,
    /// One row per stage (stage,customers,share,revenue) instead of one per customer.
    #[arg(long)]
    pub counts: bool,
    #[command(flatten)]
    pub out: RowsOutput,
    #[command(flatten)]
    pub input: InputOptions,
}

/// Runs `crm lifecycle`.
pub fn run(a: &LifecycleArgs) -> CliResult<()> {
    let rules = LifecycleRules::new(a.new_days, a.active_days, a.churn_days)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let mut loaded = load_transactions(&a.transactions, &a.columns.columns(), &a.input.read())?;
    report_skipped(&loaded.skipped);
    let known: Option<Vec<CustomerKey>> = match &a.customers {
        Some(p) => {
            let c = read_customers(p, &a.input.read(), &mut loaded.ids, || {})?;
            report_skipped(&c.skipped);
            Some(c.rows.iter().map(|r| r.key).collect())
        }
        None => None,
    };
    let tx = &loaded.transactions;
    let out = a.out.output.as_ref();
    if let Some(from) = a.from {
        let t = transitions(tx, from, a.as_of, &rules, known.as_deref())?;
        emit(out, a.out.format, &listings::lifecycle_transitions(&t))
    } else if let Some(unit) = a.every {
        let first = tx.iter().map(|t| t.date()).min().unwrap_or(a.as_of);
        let dates = period_ends(first.min(a.as_of), a.as_of, unit, &Limits::default())?;
        let series = stage_counts_at(tx, &dates, &rules, known.as_deref())?;
        emit(out, a.out.format, &listings::lifecycle_series(&series))
    } else {
        let stages = lifecycle_stages(tx, a.as_of, &rules, known.as_deref())?;
        if !a.by.is_empty() {
            let (c, id) = (a.customers.as_deref(), &a.columns.customer_column);
            let g = read_group_attributes(c, &a.transactions, id, &a.by, &a.input.read())?;
            print_notes(notes::first_row_attributes(g.changed, &a.by));
            let l = g.lookup;
            let r = drill::lifecycle_counts_by(&stages, &loaded.ids, &l, Limits::default())?;
            print_notes(notes::drill(r.unmatched, 0, ""));
            let r = r.map(|c| listings::lifecycle_counts(&c));
            output::grouped_rows(out, a.out.format, &r.into_flat_rows())
        } else if a.counts {
            let counts = stage_counts(&stages)?;
            emit(out, a.out.format, &listings::lifecycle_counts(&counts))
        } else {
            emit(
                out,
                a.out.format,
                &listings::lifecycle_customers(&stages, &loaded.ids),
            )
        }
    }
}

fn emit<T: Serialize + Sync>(out: Option<&PathBuf>, format: Format, rows: &[T]) -> CliResult<()> {
    output::rows(out, format, rows, || {
        listings::serde_table(rows).map_or_else(|e| e.to_string(), |t| t.aligned())
    })
}
