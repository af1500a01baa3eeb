//! `crm report`: one overview (KPIs, segments, CLV, churn, duplicates, cohorts, funnel, NPS) of
//! whatever CRM files are given, as a table, JSON, and optionally a self-contained HTML file.

use std::path::PathBuf;

use clap::Args;
use crm_analytics::model::chrono::NaiveDate;

use crm_analytics::io::{DataFiles, ReadEvent, read_data_set, read_group_attributes};
use crm_analytics::report::model::Report;
use crm_analytics::report::{self, BuildOptions, notes};

use crate::args::{InputOptions, TransactionColumns, among, print_notes, report_skipped};
use crate::cmd::summary::parse_day;
use crate::error::{CliError, CliResult};
use crate::output::{self, Format};
use crate::progress::Progress;

/// Arguments of `crm report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Directory holding the standard files (transactions.csv, customers.csv, surveys.csv,
    /// interactions.csv, mrr_movements.csv, funnel_events.csv, spend.csv); files that do not
    /// exist are left out. Explicit file options override it.
    #[arg(long, required_unless_present = "transactions")]
    pub data: Option<PathBuf>,
    /// Transaction file (customer_id, date, amount; negative amounts are returns).
    #[arg(long)]
    pub transactions: Option<PathBuf>,
    /// Customer records (customer_id, full_name, email, phone, company, ...).
    #[arg(long)]
    pub customers: Option<PathBuf>,
    /// Survey answers (customer_id, date, type = nps|csat|ces, score).
    #[arg(long)]
    pub surveys: Option<PathBuf>,
    /// Interactions (customer_id, at, kind, channel, resolved_at).
    #[arg(long)]
    pub interactions: Option<PathBuf>,
    /// MRR movements (customer_id, date, kind, amount).
    #[arg(long)]
    pub mrr: Option<PathBuf>,
    /// Funnel events (subject_id, stage, at).
    #[arg(long)]
    pub funnel: Option<PathBuf>,
    /// Funnel stages in order, comma-separated (default: by decreasing number of subjects).
    #[arg(long, value_delimiter = ',')]
    pub funnel_stages: Option<Vec<String>>,
    /// Marketing spend (channel, month, amount, paid).
    #[arg(long)]
    pub spend: Option<PathBuf>,
    /// Reference day, inclusive (YYYY-MM-DD); default: the last transaction date. Later
    /// transactions are left out.
    #[arg(long, value_parser = parse_day)]
    pub as_of: Option<NaiveDate>,
    /// Key figures and monthly revenue per group of customers: their value of COLUMN in the
    /// customer file (repeatable).
    #[arg(long = "by", value_name = "COLUMN")]
    pub by: Vec<String>,
    /// Also write a self-contained HTML report with charts to this file.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Format of the report on stdout.
    #[arg(long, value_parser = among(&[Format::Table, Format::Json]), default_value = "table")]
    pub format: Format,
    /// Write the table/JSON to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub columns: TransactionColumns,
    #[command(flatten)]
    pub input: InputOptions,
}

/// Runs `crm report`.
pub fn run(a: &ReportArgs) -> CliResult<()> {
    let progress = Progress::new(a.quiet);
    let report = build(a, progress)?;
    write_outputs(a, &report)
}

/// The files to read: the explicit options, else the standard names in `--data`.
fn data_files(a: &ReportArgs) -> CliResult<DataFiles> {
    let explicit = DataFiles {
        transactions: a.transactions.clone().unwrap_or_default(),
        customers: a.customers.clone(),
        surveys: a.surveys.clone(),
        interactions: a.interactions.clone(),
        mrr: a.mrr.clone(),
        funnel: a.funnel.clone(),
        spend: a.spend.clone(),
    };
    Ok(DataFiles::resolve(a.data.as_deref(), explicit)?)
}

/// Loads the inputs and builds the report.
pub fn build(a: &ReportArgs, progress: Progress) -> CliResult<Report> {
    let files = data_files(a)?;
    let by = match a.by.is_empty() {
        true => None,
        false => {
            let (c, tx) = (files.customers.as_deref(), &files.transactions);
            let g = read_group_attributes(c, tx, "customer_id", &a.by, &a.input.read())?;
            print_notes(notes::first_row_attributes(g.changed, &a.by));
            Some(g.lookup)
        }
    };
    let mut spin = None;
    let mut inputs = read_data_set(
        &files,
        &a.columns.columns(),
        &a.input.read(),
        &mut |event| match event {
            ReadEvent::Start(kind) => spin = Some(progress.spinner(&format!("reading {kind}"))),
            ReadEvent::Row => {
                if let Some(s) = &spin {
                    s.inc(1);
                }
            }
            ReadEvent::Done(f) => {
                if let Some(s) = spin.take() {
                    s.finish_and_clear();
                }
                report_skipped(&f.skipped);
            }
        },
    )?;
    inputs.funnel_stages = a.funnel_stages.clone();

    let spin = progress.step("building the report");
    let report = report::build(
        &inputs,
        &BuildOptions {
            as_of: a.as_of,
            by,
            ..BuildOptions::default()
        },
        &mut |step| spin.set_message(format!("report: {step}")),
    )
    .map_err(|e| match e {
        report::ReportError::NoTransactions => CliError::Usage(e.to_string()),
        e => CliError::Library(e.to_string()),
    })?;
    spin.finish_and_clear();
    Ok(report)
}

/// Writes the table/JSON and the HTML file.
pub fn write_outputs(a: &ReportArgs, report: &Report) -> CliResult<()> {
    if let Some(h) = &a.html {
        if let Some(parent) = h.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(CliError::io(parent))?;
        }
        std::fs::write(h, report::html::render(report)).map_err(CliError::io(h))?;
    }
    output::write_with(a.output.as_ref(), |w| match a.format {
        Format::Json => output::json(w, report),
        Format::Csv | Format::Table => {
            w.write_all(report::table::render(report).as_bytes())?;
            match &a.html {
                Some(h) => writeln!(w, "\nHTML report: {}", h.display()),
                None => Ok(()),
            }
        }
    })
}
