//! `crm summary`: per-customer purchase summary (x, t_x, T, monetary).

use std::path::PathBuf;

use clap::Args;
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::{
    LateEvents, ModelError, MonetaryBasis, SameDayPurchases, SummaryOptions, TimeUnit,
    summary_table,
};

use crate::args::{
    InputOptions, RowsOutput, TransactionColumns, among, print_notes, report_skipped,
};
use crate::error::{CliError, CliResult};
use crate::output;
use crm_analytics::io::load_transactions;
use crm_analytics::report::{listings, notes};

/// The time units of summaries and models: day, week, month.
pub fn units() -> impl clap::builder::TypedValueParser<Value = TimeUnit> {
    among(&[TimeUnit::Day, TimeUnit::Week, TimeUnit::Month])
}

/// Arguments of `crm summary`.
#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// Transaction file (CSV with a header unless --no-header).
    #[arg(long)]
    pub transactions: PathBuf,
    #[command(flatten)]
    pub columns: TransactionColumns,
    /// Last observed day, inclusive (YYYY-MM-DD).
    #[arg(long, value_parser = parse_day)]
    pub observation_end: NaiveDate,
    /// Also count each customer's purchases in (observation end, holdout end].
    #[arg(long, value_parser = parse_day)]
    pub holdout_end: Option<NaiveDate>,
    /// Unit of t_x and T.
    #[arg(long, value_parser = units(), default_value = "week")]
    pub unit: TimeUnit,
    /// Count same-day purchases separately instead of merging them into one occasion.
    #[arg(long)]
    pub separate_same_day: bool,
    /// Monetary value includes the first purchase (default: mean of repeat purchases only).
    #[arg(long)]
    pub monetary_include_first: bool,
    /// Leave out transactions after the end (holdout end if given) and report how many, instead of
    /// failing.
    #[arg(long)]
    pub exclude_after_end: bool,
    #[command(flatten)]
    pub out: RowsOutput,
    #[command(flatten)]
    pub input: InputOptions,
}

/// Parses a `YYYY-MM-DD` (or `YYYYMMDD`) command-line date.
pub fn parse_day(s: &str) -> Result<NaiveDate, String> {
    crm_analytics::model::parse_date("date", s).map_err(|e| e.to_string())
}

/// Runs `crm summary`.
pub fn run(a: &SummaryArgs) -> CliResult<()> {
    // Count models need no amounts: without an amount column, monetary values are left empty.
    let loaded = load_transactions(
        &a.transactions,
        &a.columns.columns_amount_optional(),
        &a.input.read(),
    )?;
    report_skipped(&loaded.skipped);
    let mut opts = SummaryOptions::new(a.observation_end, a.unit);
    if a.separate_same_day {
        opts = opts.same_day(SameDayPurchases::Separate);
    }
    if a.monetary_include_first {
        opts = opts.monetary(MonetaryBasis::AllMean);
    }
    if a.exclude_after_end {
        opts = opts.late_events(LateEvents::Exclude);
    }
    // Map a record index back to its file position for errors.
    let lib_err = |e: ModelError| {
        let late = matches!(&e, ModelError::AtRecord { source, .. }
            if matches!(**source, ModelError::AfterObservationEnd { .. }));
        match loaded.record_error(&a.transactions, &a.columns.date_column, &e) {
            Some(io) if late => io
                .with_note("use --exclude-after-end to leave such rows out")
                .into(),
            Some(io) => io.into(),
            None => CliError::Library(e.to_string()),
        }
    };
    let (tx, money) = (&loaded.transactions, loaded.has_amounts);
    let t = summary_table(tx, &loaded.ids, &opts, a.holdout_end, money).map_err(lib_err)?;
    print_notes(notes::left_out(
        t.excluded_after_end,
        "the end",
        t.non_purchases,
    ));
    print_notes(notes::first_seen_in_holdout(t.first_seen_in_holdout));
    let rows = t.rows;
    output::rows(a.out.output.as_ref(), a.out.format, &rows, || {
        listings::purchase_summaries(&rows, a.holdout_end.is_some())
    })
}
