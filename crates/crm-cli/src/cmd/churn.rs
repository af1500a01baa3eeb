//! `crm churn`: churn risk scores (`score`) and their honest evaluation (`evaluate`).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use crm_analytics::churn::{
    ChurnError, RuleSet, ScoreMatcher, ScoreOptions, Scorer, check_window_observed, evaluate,
    last_observed_day, noncontractual_labels_grouped, score_customers,
};
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::{CustomerGroups, Limits, TimeUnit};

use crate::args::{
    ByCustomer, InputOptions, RowsOutput, TransactionColumns, among, choice, print_notes,
    report_skipped,
};
use crate::cmd::summary::parse_day;
use crate::error::{CliError, CliResult};
use crate::output::{self, Format};
use crm_analytics::io::{
    IoError, LoadedTransactions, load_transactions, read_customer_values, read_json,
};
use crm_analytics::report::{drill, listings, notes, results};

/// Arguments of `crm churn`.
#[derive(Debug, Args)]
pub struct ChurnArgs {
    #[command(subcommand)]
    pub command: ChurnCommand,
}

/// `crm churn` subcommands.
#[derive(Debug, Subcommand)]
pub enum ChurnCommand {
    /// Score every customer's churn risk as of a date: customer_id,score,tier,reasons.
    Score(ScoreArgs),
    /// Evaluate a score file against what happened after the as-of date.
    Evaluate(EvaluateArgs),
}

/// Which score `crm churn score` computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Model {
    /// Rule points (default rules, or --rules FILE.json); reasons = the rules that fired.
    Rules,
    /// BG/NBD probability of no purchase within the horizon (fitted on the history up to
    /// --as-of); reasons = P(alive), expected purchases, days since the last purchase.
    Bgnbd,
    /// Logistic regression trained on the window before: features as of (as-of - horizon),
    /// labels from (as-of - horizon, as-of]; reasons = the top contributing features.
    Logistic,
}

/// Arguments of `crm churn score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Transaction file (CSV with a header unless --no-header).
    #[arg(long)]
    pub transactions: PathBuf,
    #[command(flatten)]
    pub columns: TransactionColumns,
    /// As-of date (inclusive, YYYY-MM-DD): nothing after it is used.
    #[arg(long, value_parser = parse_day)]
    pub as_of: NaiveDate,
    /// Scoring model.
    #[arg(long, value_enum, default_value = "rules")]
    pub model: Model,
    /// Churn horizon in days (churned = no purchase within it).
    #[arg(long, default_value_t = 90, value_parser = days())]
    pub horizon: u32,
    /// Rule set as JSON (see docs/churn.md); default: the built-in starter set.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// For bgnbd and logistic: probability from which a customer is high risk.
    #[arg(long, default_value_t = 0.7)]
    pub high_at: f64,
    /// For bgnbd and logistic: probability from which a customer is medium risk.
    #[arg(long, default_value_t = 0.4)]
    pub medium_at: f64,
    #[command(flatten)]
    pub out: RowsOutput,
    /// Tier counts per group of customers instead of one row per customer.
    #[command(flatten)]
    pub by: ByCustomer,
    /// Tier counts as of the end of each week, month or quarter up to --as-of, every date
    /// scored on its own (alone or per --by group).
    #[arg(long, value_parser = among(&[TimeUnit::Week, TimeUnit::Month, TimeUnit::Quarter]))]
    pub every: Option<TimeUnit>,
    #[command(flatten)]
    pub input: InputOptions,
}

/// Arguments of `crm churn evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// Score file with columns customer_id and score (e.g. from `crm churn score`).
    #[arg(long)]
    pub scores: PathBuf,
    /// Column of the score file holding the score.
    #[arg(long, default_value = "score")]
    pub score_column: String,
    /// Transaction file with the purchases after the as-of date.
    #[arg(long)]
    pub transactions: PathBuf,
    #[command(flatten)]
    pub columns: TransactionColumns,
    /// As-of date of the scores (inclusive).
    #[arg(long, value_parser = parse_day)]
    pub as_of: NaiveDate,
    /// Churn horizon in days.
    #[arg(long, value_parser = days())]
    pub horizon: u32,
    /// Last day the transaction file covers (default: its latest date): the window (as-of,
    /// as-of + horizon] must end by it, or customers who bought after the data ends would count
    /// as churned.
    #[arg(long, value_parser = parse_day)]
    pub observed_until: Option<NaiveDate>,
    /// Output format (table, or json with every figure).
    #[arg(long, value_parser = choice::<Format>(), default_value = "table")]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputOptions,
}

/// A number of days, at least 1.
fn days() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(1..)
}

/// Runs `crm churn`.
pub fn run(a: &ChurnArgs) -> CliResult<()> {
    match &a.command {
        ChurnCommand::Score(s) => score(s),
        ChurnCommand::Evaluate(e) => evaluate_cmd(e),
    }
}

/// Maps a library error, naming the transaction row for record-level errors.
fn lib_err(
    path: &Path,
    loaded: &LoadedTransactions,
    column: &str,
) -> impl Fn(ChurnError) -> CliError {
    move |e| {
        let io = e
            .model_error()
            .and_then(|m| loaded.record_error(path, column, m));
        io.map_or_else(|| CliError::Library(e.to_string()), CliError::from)
    }
}

fn score(a: &ScoreArgs) -> CliResult<()> {
    let rules = match &a.rules {
        None => RuleSet::default(),
        Some(p) => {
            let rs: RuleSet = read_json(p, "a rule set")?;
            rs.check()
                .map_err(|e| IoError::input(p, None, None, e.to_string()))?;
            rs
        }
    };
    let loaded = load_transactions(&a.transactions, &a.columns.columns(), &a.input.read())?;
    report_skipped(&loaded.skipped);
    let scorer = match a.model {
        Model::Rules => Scorer::Rules(rules),
        Model::Bgnbd => Scorer::BgNbd,
        Model::Logistic => Scorer::Logistic,
    };
    let opts = ScoreOptions {
        as_of: a.as_of,
        horizon_days: a.horizon,
        high_at: a.high_at,
        medium_at: a.medium_at,
    };
    let l =
        a.by.lookup(&a.transactions, &a.columns.customer_column, &a.input)?;
    if let Some(unit) = a.every {
        let (tx, ids, limits) = (&loaded.transactions, &loaded.ids, Limits::default());
        let r = drill::churn_every(tx, ids, &scorer, &opts, unit, l.as_ref(), limits)?;
        print_notes(notes::drill(
            r.unmatched,
            r.empty,
            "date(s) with nobody to score",
        ));
        return output::grouped_rows(a.out.output.as_ref(), a.out.format, &r.into_rows());
    }
    let err = lib_err(&a.transactions, &loaded, &a.columns.amount_column);
    let scored = score_customers(&loaded.transactions, &scorer, &opts).map_err(|e| match e {
        ChurnError::NoCustomers { .. } | ChurnError::InvalidParameter { .. } => {
            CliError::Usage(e.to_string())
        }
        e => err(e),
    })?;
    print_notes(notes::churn_scores(&scored.notes, a.as_of));
    let rows = listings::churn_score_rows(&scored.scores, &loaded.ids);
    if let Some(l) = l {
        let r = drill::churn_by(&rows, &l, Limits::default())?;
        print_notes(notes::drill(r.unmatched, 0, ""));
        return output::grouped_rows(a.out.output.as_ref(), a.out.format, &r.into_rows());
    }
    output::rows(a.out.output.as_ref(), a.out.format, &rows, || {
        listings::churn_scores(&rows)
    })
}

fn evaluate_cmd(a: &EvaluateArgs) -> CliResult<()> {
    let loaded = load_transactions(&a.transactions, &a.columns.columns(), &a.input.read())?;
    report_skipped(&loaded.skipped);
    let err = lib_err(&a.transactions, &loaded, &a.columns.date_column);
    let observed = a
        .observed_until
        .or_else(|| last_observed_day(&loaded.transactions))
        .unwrap_or(a.as_of);
    check_window_observed(a.as_of, a.horizon, observed).map_err(|e| {
        CliError::Usage(format!(
            "{e} (--as-of {} --horizon {}; --observed-until D if the data covers later days)",
            a.as_of, a.horizon
        ))
    })?;
    let groups = CustomerGroups::new(&loaded.transactions)?;
    let labels = noncontractual_labels_grouped(&loaded.transactions, &groups, a.as_of, a.horizon)
        .map_err(&err)?;
    let mut matcher = ScoreMatcher::new(&labels);
    let skipped = read_customer_values(
        &a.scores,
        "customer_id",
        &a.score_column,
        &a.input.read(),
        |id, v| {
            (matcher.push(loaded.ids.get(id), v))
                .map_err(|_| format!("customer {id} is scored twice"))
        },
    )?;
    report_skipped(&skipped);
    let m = matcher.finish();
    print_notes(notes::score_matching(&m, a.as_of));
    let e = evaluate(&m.scores, &m.churned)?;
    output::json_or_text(a.output.as_ref(), a.format == Format::Json, &e, || {
        results::churn_evaluation(&e, a.as_of, a.horizon)
    })
}
