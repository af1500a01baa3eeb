//! `crm report`: one overview (KPIs, segments, CLV, churn, duplicates, cohorts, funnel, NPS) of
//! whatever CRM files are given, as a table, JSON, and optionally a self-contained HTML file.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use crm_analytics::model::chrono::NaiveDate;

use crate::cmd::summary::parse_day;
use crate::datafiles::{self, Loaded, names};
use crate::error::{CliError, CliResult};
use crate::input::{InputOptions, TransactionColumns, load_transactions};
use crate::output;
use crate::progress::Progress;
use crate::report::model::{InputFile, Report};
use crate::report::{self, BuildOptions, Inputs};

/// Output format of the report on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned text for a terminal (at most 100 columns).
    Table,
    /// JSON with the same content (the view-model).
    Json,
}

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
    /// Also write a self-contained HTML report with charts to this file.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Format of the report on stdout.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
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

/// Resolves a file: the explicit option, else `DIR/name` when it exists.
fn pick(explicit: &Option<PathBuf>, dir: &Option<PathBuf>, name: &str) -> Option<PathBuf> {
    explicit
        .clone()
        .or_else(|| dir.as_ref().map(|d| d.join(name)).filter(|p| p.exists()))
}

fn file_info(kind: &str, path: &Path, rows: usize, skipped: u64) -> InputFile {
    InputFile {
        kind: kind.into(),
        path: path.display().to_string(),
        rows: rows as u64,
        skipped,
    }
}

/// Loads the inputs and builds the report.
pub fn build(a: &ReportArgs, progress: Progress) -> CliResult<Report> {
    let tx_path = pick(&a.transactions, &a.data, names::TRANSACTIONS).ok_or_else(|| {
        CliError::input(
            a.data
                .as_ref()
                .map_or_else(|| PathBuf::from("."), |d| d.join(names::TRANSACTIONS)),
            None,
            None,
            "transaction file not found (it is the one required input)",
        )
    })?;
    if !tx_path.exists() {
        return Err(CliError::Io {
            file: tx_path,
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let mut inputs = Inputs::default();
    let spin = progress.spinner("reading transactions");
    let loaded = load_transactions(&tx_path, &a.columns, &a.input)?;
    spin.finish_and_clear();
    loaded.skipped.report();
    inputs.files.push(file_info(
        "transactions",
        &tx_path,
        loaded.transactions.len(),
        loaded.skipped.count,
    ));
    inputs.transactions = loaded.transactions;
    // The transaction file's interner becomes the key space of every other file.
    inputs.ids = loaded.ids;

    macro_rules! optional_file {
        ($field:ident, $opt:expr, $name:expr, $kind:expr, $reader:expr) => {
            if let Some(p) = pick($opt, &a.data, $name) {
                let pb = progress.spinner(concat!("reading ", $kind));
                let l: Loaded<_> = $reader(&p, &mut inputs, &pb)?;
                pb.finish_and_clear();
                l.skipped.report();
                inputs
                    .files
                    .push(file_info($kind, &p, l.rows.len(), l.skipped.count));
                inputs.$field = Some(l.rows);
            }
        };
    }
    let opts = &a.input;
    optional_file!(
        customers,
        &a.customers,
        names::CUSTOMERS,
        "customers",
        |p: &Path, i: &mut Inputs, pb: &indicatif::ProgressBar| datafiles::read_customers(
            p,
            opts,
            &mut i.ids,
            || pb.inc(1)
        )
    );
    optional_file!(
        surveys,
        &a.surveys,
        names::SURVEYS,
        "surveys",
        |p: &Path, i: &mut Inputs, pb: &indicatif::ProgressBar| datafiles::read_surveys(
            p,
            opts,
            &mut i.ids,
            || pb.inc(1)
        )
    );
    optional_file!(
        interactions,
        &a.interactions,
        names::INTERACTIONS,
        "interactions",
        |p: &Path, i: &mut Inputs, pb: &indicatif::ProgressBar| datafiles::read_interactions(
            p,
            opts,
            &mut i.ids,
            || pb.inc(1)
        )
    );
    optional_file!(
        mrr,
        &a.mrr,
        names::MRR,
        "mrr_movements",
        |p: &Path, i: &mut Inputs, pb: &indicatif::ProgressBar| datafiles::read_mrr(
            p,
            opts,
            &mut i.ids,
            || pb.inc(1)
        )
    );
    optional_file!(
        funnel,
        &a.funnel,
        names::FUNNEL,
        "funnel_events",
        |p: &Path, i: &mut Inputs, pb: &indicatif::ProgressBar| datafiles::read_funnel(
            p,
            opts,
            &mut i.ids,
            || pb.inc(1)
        )
    );
    optional_file!(
        spend,
        &a.spend,
        names::SPEND,
        "spend",
        |p: &Path, _i: &mut Inputs, pb: &indicatif::ProgressBar| datafiles::read_spend(
            p,
            opts,
            || pb.inc(1)
        )
    );
    inputs.funnel_stages = a.funnel_stages.clone();

    let spin = progress.step("building the report");
    let report = report::build(
        &inputs,
        &BuildOptions {
            as_of: a.as_of,
            ..BuildOptions::default()
        },
        &mut |step| spin.set_message(format!("report: {step}")),
    )?;
    spin.finish_and_clear();
    Ok(report)
}

/// Writes the table/JSON and the HTML file.
pub fn write_outputs(a: &ReportArgs, report: &Report) -> CliResult<()> {
    if let Some(h) = &a.html {
        if let Some(parent) = h.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| CliError::Io {
                file: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(h, report::html::render(report)).map_err(|source| CliError::Io {
            file: h.clone(),
            source,
        })?;
    }
    let out_path = a.output.as_ref();
    let mut w = output::open(out_path)?;
    let werr = output::write_err(out_path);
    match a.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut w, report).map_err(|e| werr(e.into()))?;
            writeln!(w).map_err(&werr)?;
        }
        ReportFormat::Table => {
            w.write_all(report::table::render(report).as_bytes())
                .map_err(&werr)?;
            if let Some(h) = &a.html {
                writeln!(w, "\nHTML report: {}", h.display()).map_err(&werr)?;
            }
        }
    }
    w.flush().map_err(&werr)?;
    Ok(())
}
