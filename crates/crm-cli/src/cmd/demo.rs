//! `crm demo`: generate a deterministic synthetic CRM data set, write its CSV files, and run
//! `crm report` on them.

use std::path::PathBuf;

use clap::Args;
use crm_analytics::demo::{DemoConfig, DemoData, DemoGenerator, spend};
use crm_analytics::io::{DataDirWriter, names};
use crm_analytics::model::chrono::NaiveDate;

use crate::args::{InputOptions, TransactionColumns, among};
use crate::cmd::report::{self, ReportArgs};
use crate::cmd::summary::parse_day;
use crate::error::{CliError, CliResult};
use crate::output::Format;
use crate::progress::Progress;

/// Arguments of `crm demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of customers (people who buy; duplicates and leads come on top).
    #[arg(long, default_value_t = 2_000)]
    pub customers: usize,
    /// Seed: the same seed gives the same data on every machine.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Directory for the CSV files (created if missing).
    #[arg(long, default_value = "crm-demo")]
    pub out: PathBuf,
    /// First day of the data.
    #[arg(long, value_parser = parse_day, default_value = "2023-01-01")]
    pub start: NaiveDate,
    /// Last day of the data (inclusive).
    #[arg(long, value_parser = parse_day, default_value = "2024-12-31")]
    pub end: NaiveDate,
    /// HTML report file (default: OUT/report.html).
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Format of the report on stdout.
    #[arg(long, value_parser = among(&[Format::Table, Format::Json]), default_value = "table")]
    pub format: Format,
    /// Open the HTML report in a browser afterwards (never fails the command).
    #[arg(long)]
    pub open: bool,
    /// Only write the CSV files; do not run the report.
    #[arg(long)]
    pub no_report: bool,
    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `crm demo`.
pub fn run(a: &DemoArgs) -> CliResult<()> {
    let progress = Progress::new(a.quiet);
    let config = DemoConfig {
        customers: a.customers,
        seed: a.seed,
        start: a.start,
        end: a.end,
        ..DemoConfig::default()
    };
    let generator = DemoGenerator::new(&config).map_err(|e| CliError::Usage(e.to_string()))?;
    let mut writers = DataDirWriter::create(&a.out, DemoData::id_of)?;
    let pb = progress.bar(a.customers as u64, "generating customers");
    for person in generator {
        let p = person?;
        let person_id = p.truth.person.to_string();
        writers.write_customers(&p.records, Some(&person_id))?;
        writers.write_transactions(&p.transactions)?;
        writers.write_surveys(&p.surveys)?;
        writers.write_interactions(&p.interactions)?;
        writers.write_mrr_movements(&p.mrr_movements)?;
        writers.write_funnel_events(&p.funnel_events)?;
        pb.inc(1);
    }
    pb.finish_and_clear();
    writers.write_spend(&spend(&config)?)?;
    writers.finish()?;
    if !a.quiet {
        let (n, seed, out) = (a.customers, a.seed, a.out.display());
        eprintln!(
            "wrote {n} customers (seed {seed}) to {out}/: {}",
            names::ALL.join(", ")
        );
    }
    if a.no_report {
        return Ok(());
    }
    let html = a.html.clone().unwrap_or_else(|| a.out.join("report.html"));
    let args = ReportArgs {
        data: Some(a.out.clone()),
        transactions: None,
        customers: None,
        surveys: None,
        interactions: None,
        mrr: None,
        funnel: None,
        funnel_stages: Some(
            crm_analytics::demo::FUNNEL_STAGES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
        spend: None,
        as_of: Some(a.end),
        by: Vec::new(),
        html: Some(html.clone()),
        format: a.format,
        output: None,
        quiet: a.quiet,
        columns: TransactionColumns {
            customer_column: "customer_id".into(),
            date_column: "date".into(),
            amount_column: "amount".into(),
            date_format: None,
        },
        // The demo's own files: comma-separated UTF-8 with decimal points, whatever the flags say.
        input: InputOptions::default(),
    };
    let built = report::build(&args, progress)?;
    report::write_outputs(&args, &built)?;
    if a.open && opener::open(&html).is_err() {
        eprintln!(
            "note: could not open a browser; open {} yourself",
            html.display()
        );
    }
    Ok(())
}
