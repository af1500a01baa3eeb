//! `crm lifecycle`: lifecycle stages per customer, per stage, over time, and between two dates
//! (definitions in `crm_analytics::metrics::lifecycle`).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use crm_analytics::io::{OutputFormat, load_transactions, read_customers, write_rows};
use crm_analytics::metrics::lifecycle::{
    LifecycleRules, Stage, lifecycle_stages, period_ends, stage_counts, stage_counts_at,
    transitions,
};
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::model::{CustomerKey, Limits, TimeUnit};
use serde::Serialize;

use crate::args::{InputOptions, TransactionColumns, report_skipped};
use crate::cmd::summary::parse_day;
use crate::error::{CliError, CliResult};
use crate::output::{self, Format};

/// Period of a stages-over-time series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Every {
    /// Calendar weeks (Monday to Sunday).
    Week,
    /// Calendar months.
    Month,
}

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
    #[arg(long, value_enum, conflicts_with = "counts")]
    pub every: Option<Every>,
    /// One row per stage (stage,customers,share,revenue) instead of one per customer.
    #[arg(long)]
    pub counts: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputOptions,
}

/// One customer's row.
#[derive(Serialize)]
struct CustomerRow<'a> {
    customer_id: String,
    stage: &'a str,
    first_purchase: Option<NaiveDate>,
    last_purchase: Option<NaiveDate>,
    days_since_last: Option<u32>,
    purchase_days: u32,
    revenue: Decimal,
}

/// One stage's row.
#[derive(Serialize)]
struct CountRow {
    stage: &'static str,
    customers: u64,
    share: f64,
    revenue: Decimal,
}

/// Stage counts at one date.
#[derive(Serialize)]
struct DateRow {
    date: NaiveDate,
    lead: u64,
    new: u64,
    reactivated: u64,
    active: u64,
    silent: u64,
    churned: u64,
}

/// One cell of a transition matrix.
#[derive(Serialize)]
struct TransitionRow {
    from_stage: &'static str,
    to_stage: &'static str,
    customers: u64,
}

/// Runs `crm lifecycle`.
pub fn run(a: &LifecycleArgs) -> CliResult<()> {
    let lib = |e: crm_analytics::metrics::MetricsError| CliError::Library(e.to_string());
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
    let mut w = output::open(a.output.as_ref())?;
    let werr = output::write_err(a.output.as_ref());
    if let Some(from) = a.from {
        let t = transitions(tx, from, a.as_of, &rules, known.as_deref()).map_err(lib)?;
        let mut rows = Vec::new();
        for (i, before) in Stage::ALL.iter().enumerate() {
            for (j, after) in Stage::ALL.iter().enumerate() {
                rows.push(TransitionRow {
                    from_stage: before.name(),
                    to_stage: after.name(),
                    customers: t.counts[i][j],
                });
            }
        }
        for (j, after) in Stage::ALL.iter().enumerate() {
            rows.push(TransitionRow {
                from_stage: "none",
                to_stage: after.name(),
                customers: t.entered[j],
            });
        }
        emit(&mut w, a.format, &rows).map_err(&werr)?;
    } else if let Some(every) = a.every {
        let unit = match every {
            Every::Week => TimeUnit::Week,
            Every::Month => TimeUnit::Month,
        };
        let first = tx
            .iter()
            .map(|t| t.date())
            .min()
            .unwrap_or(a.as_of)
            .min(a.as_of);
        let dates = period_ends(first, a.as_of, unit, &Limits::default()).map_err(lib)?;
        let series = stage_counts_at(tx, &dates, &rules, known.as_deref()).map_err(lib)?;
        let rows: Vec<DateRow> = series
            .into_iter()
            .map(|(date, c)| DateRow {
                date,
                lead: c[0],
                new: c[1],
                reactivated: c[2],
                active: c[3],
                silent: c[4],
                churned: c[5],
            })
            .collect();
        emit(&mut w, a.format, &rows).map_err(&werr)?;
    } else {
        let mut stages = lifecycle_stages(tx, a.as_of, &rules, known.as_deref()).map_err(lib)?;
        // Rows in customer-id order, as the other per-customer outputs.
        let ids = &loaded.ids;
        stages.sort_by(|x, y| match (ids.id(x.customer), ids.id(y.customer)) {
            (Some(p), Some(q)) => p.natural_cmp(q),
            _ => x.customer.cmp(&y.customer),
        });
        if a.counts {
            let rows: Vec<CountRow> = stage_counts(&stages)
                .map_err(lib)?
                .into_iter()
                .map(|c| CountRow {
                    stage: c.stage.name(),
                    customers: c.customers,
                    share: c.share,
                    revenue: c.revenue.normalize(),
                })
                .collect();
            emit(&mut w, a.format, &rows).map_err(&werr)?;
        } else {
            let rows: Vec<CustomerRow<'_>> = stages
                .iter()
                .map(|r| CustomerRow {
                    customer_id: loaded
                        .ids
                        .id(r.customer)
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    stage: r.stage.name(),
                    first_purchase: r.first_purchase,
                    last_purchase: r.last_purchase,
                    days_since_last: r.days_since_last,
                    purchase_days: r.purchase_days,
                    revenue: r.revenue.normalize(),
                })
                .collect();
            emit(&mut w, a.format, &rows).map_err(&werr)?;
        }
    }
    w.flush().map_err(&werr)
}

/// Writes rows as CSV, JSON or an aligned table (the CSV cells, aligned).
fn emit<T: Serialize + Sync>(w: &mut dyn Write, format: Format, rows: &[T]) -> std::io::Result<()> {
    match format {
        Format::Csv => write_rows(w, OutputFormat::Csv, rows),
        Format::Json => write_rows(w, OutputFormat::Json, rows),
        Format::Table => {
            let mut text = Vec::new();
            write_rows(&mut text, OutputFormat::Csv, rows)?;
            let mut rd = csv::ReaderBuilder::new().from_reader(text.as_slice());
            let header: Vec<String> = rd.headers()?.iter().map(str::to_string).collect();
            let mut body = Vec::new();
            for r in rd.records() {
                body.push(r?.iter().map(str::to_string).collect::<Vec<_>>());
            }
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            w.write_all(output::table(&header, &body).as_bytes())
        }
    }
}
