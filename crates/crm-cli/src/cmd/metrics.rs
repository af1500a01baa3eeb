//! `crm metrics`: NPS, CSAT, retention, cohort matrices, revenue retention and funnels from CSV.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use crm_analytics::metrics::MetricsError;
use crm_analytics::metrics::engagement::{
    CohortPeriod, CohortRetention, FunnelOrder, FunnelState, cohort_matrix,
};
use crm_analytics::metrics::retention::{CustomerSpan, RetentionState, SamePeriodJoiners};
use crm_analytics::metrics::revenue::RevenueState;
use crm_analytics::metrics::satisfaction::{CsatState, NpsInterval, NpsState};
use crm_analytics::model::chrono::{Days, NaiveDate, NaiveTime};
use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::model::{
    CsatScale, CsatScore, CustomerInterner, Funnel, FunnelEvent, MrrMovement, MrrMovementKind,
    Period,
};
use serde::Serialize;
use serde_json::json;

use crate::args::{InputOptions, TransactionColumns, report_skipped};
use crate::cmd::summary::parse_day;
use crate::error::{CliError, CliResult};
use crate::output;
use crm_analytics::io::{
    AmountFormat, DateParser, IoError, Skipped, Table, load_transactions, parse_amount,
};

/// Output format of `crm metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricsFormat {
    /// JSON (default).
    Json,
    /// An aligned table for a terminal.
    Table,
}

/// Arguments of `crm metrics`.
#[derive(Debug, Args)]
pub struct MetricsArgs {
    #[command(subcommand)]
    pub command: MetricsCommand,
    #[command(flatten)]
    pub input: InputOptions,
}

/// The metric to compute.
#[derive(Debug, Subcommand)]
pub enum MetricsCommand {
    /// Net Promoter Score with standard error and confidence interval (adjusted-Wald by default).
    Nps(NpsArgs),
    /// CSAT: top-2-box share (Wilson interval) and mean (t interval).
    Csat(CsatArgs),
    /// Customer retention (count and cohort forms) and churn over a period, from customer spans.
    Retention(RetentionArgs),
    /// Cohort retention matrix by first-purchase week or month.
    Cohorts(CohortArgs),
    /// Gross/net MRR churn, GRR, NRR and quick ratio from MRR movements.
    Revenue(RevenueArgs),
    /// Funnel conversion, drop-off and median time between stages.
    Funnel(FunnelArgs),
}

/// Common output options.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format (JSON by default, as scripts and dashboards read it; `table` for people).
    #[arg(long, value_enum, default_value = "json")]
    pub format: MetricsFormat,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// NPS interval method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Adjusted-Wald (Rocks 2016; MeasuringU).
    AdjustedWald,
    /// Plain Wald.
    Wald,
}

/// Arguments of `crm metrics nps`.
#[derive(Debug, Args)]
pub struct NpsArgs {
    /// Survey file (CSV with a header unless --no-header).
    #[arg(long)]
    pub input: PathBuf,
    /// Column holding the 0-10 answer.
    #[arg(long, default_value = "score")]
    pub column: String,
    /// Confidence level of the interval.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Interval method.
    #[arg(long, value_enum, default_value = "adjusted-wald")]
    pub method: Method,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Arguments of `crm metrics csat`.
#[derive(Debug, Args)]
pub struct CsatArgs {
    /// Survey file.
    #[arg(long)]
    pub input: PathBuf,
    /// Column holding the answer.
    #[arg(long, default_value = "score")]
    pub column: String,
    /// Scale of the answers.
    #[arg(long, value_enum, default_value = "1-5")]
    pub scale: Scale,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// CSAT scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scale {
    /// 1 to 5 (top two boxes: 4-5).
    #[value(name = "1-5")]
    Five,
    /// 1 to 7 (6-7).
    #[value(name = "1-7")]
    Seven,
    /// 1 to 10 (9-10).
    #[value(name = "1-10")]
    Ten,
}

/// Arguments of `crm metrics retention`.
#[derive(Debug, Args)]
pub struct RetentionArgs {
    /// Span file: one row per customer with start date and (empty while active) end date.
    #[arg(long)]
    pub subscriptions: PathBuf,
    /// First day of the period.
    #[arg(long, value_parser = parse_day)]
    pub start: NaiveDate,
    /// Last day of the period (inclusive).
    #[arg(long, value_parser = parse_day)]
    pub end: NaiveDate,
    /// Column holding the customer id.
    #[arg(long, default_value = "customer_id")]
    pub customer_column: String,
    /// Column holding the first active day.
    #[arg(long, default_value = "start")]
    pub start_column: String,
    /// Column holding the first day no longer active (empty while active).
    #[arg(long, default_value = "end")]
    pub end_column: String,
    /// Customers who join and leave inside the period: excluded from churn (ChartMogul,
    /// ProfitWell) or included.
    #[arg(long, value_enum, default_value = "exclude")]
    pub joiners: Joiners,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Same-period joiners.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Joiners {
    /// Excluded (default).
    Exclude,
    /// Included.
    Include,
}

/// Arguments of `crm metrics cohorts`.
#[derive(Debug, Args)]
pub struct CohortArgs {
    /// Transaction file.
    #[arg(long)]
    pub transactions: PathBuf,
    #[command(flatten)]
    pub columns: TransactionColumns,
    /// Cohort granularity.
    #[arg(long, value_enum, default_value = "month")]
    pub period: PeriodArg,
    /// Classic (active in period k) or rolling (active in k or later) retention.
    #[arg(long, value_enum, default_value = "classic")]
    pub retention: RetentionKind,
    /// Show customer counts instead of rates in the table.
    #[arg(long)]
    pub counts: bool,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Cohort granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PeriodArg {
    /// ISO weeks (Monday start).
    Week,
    /// Calendar months.
    Month,
}

/// Cohort retention kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RetentionKind {
    /// Active in period k.
    Classic,
    /// Active in period k or later.
    Rolling,
}

/// Arguments of `crm metrics revenue`.
#[derive(Debug, Args)]
pub struct RevenueArgs {
    /// MRR movement file: customer_id, date, kind (new, expansion, contraction, churn,
    /// reactivation), amount (a non-negative magnitude).
    #[arg(long)]
    pub movements: PathBuf,
    /// First day of the period.
    #[arg(long, value_parser = parse_day)]
    pub start: NaiveDate,
    /// Last day of the period (inclusive).
    #[arg(long, value_parser = parse_day)]
    pub end: NaiveDate,
    /// MRR at the start of the period (default: the net of all movements dated before --start).
    #[arg(long)]
    pub starting_mrr: Option<Decimal>,
    /// Column names.
    #[arg(long, default_value = "customer_id")]
    pub customer_column: String,
    /// Date column.
    #[arg(long, default_value = "date")]
    pub date_column: String,
    /// Kind column.
    #[arg(long, default_value = "kind")]
    pub kind_column: String,
    /// Amount column.
    #[arg(long, default_value = "amount")]
    pub amount_column: String,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Arguments of `crm metrics funnel`.
#[derive(Debug, Args)]
pub struct FunnelArgs {
    /// Event file: subject, stage, time.
    #[arg(long)]
    pub events: PathBuf,
    /// Stage names in funnel order, comma-separated (default: order of first appearance).
    #[arg(long, value_delimiter = ',')]
    pub stages: Vec<String>,
    /// Subject column.
    #[arg(long, default_value = "customer_id")]
    pub subject_column: String,
    /// Stage column.
    #[arg(long, default_value = "stage")]
    pub stage_column: String,
    /// Time column (YYYY-MM-DD, optionally with a time).
    #[arg(long, default_value = "at")]
    pub time_column: String,
    /// Sequential (each stage reached no earlier than the previous) or any order.
    #[arg(long, value_enum, default_value = "sequential")]
    pub order: Order,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Funnel order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Order {
    /// Stages reached in order (default).
    Sequential,
    /// Stages reached in any order.
    Any,
}

/// Runs `crm metrics`.
pub fn run(a: &MetricsArgs) -> CliResult<()> {
    match &a.command {
        MetricsCommand::Nps(x) => nps(x, &a.input),
        MetricsCommand::Csat(x) => csat(x, &a.input),
        MetricsCommand::Retention(x) => retention(x, &a.input),
        MetricsCommand::Cohorts(x) => cohorts(x, &a.input),
        MetricsCommand::Revenue(x) => revenue(x, &a.input),
        MetricsCommand::Funnel(x) => funnel(x, &a.input),
    }
}

fn lib(e: MetricsError) -> CliError {
    CliError::Library(e.to_string())
}

/// Writes `value` as pretty JSON or `table` as an aligned table.
fn emit(
    out: &OutputArgs,
    value: &impl Serialize,
    header: &[&str],
    rows: &[Vec<String>],
) -> CliResult<()> {
    let path = out.output.as_ref();
    let mut w = output::open(path)?;
    let werr = output::write_err(path);
    match out.format {
        MetricsFormat::Json => {
            serde_json::to_writer_pretty(&mut w, value).map_err(|e| werr(e.into()))?;
            writeln!(w).map_err(&werr)?;
        }
        MetricsFormat::Table => w
            .write_all(output::table(header, rows).as_bytes())
            .map_err(&werr)?,
    }
    w.flush().map_err(&werr)
}

/// Reads one column of small integers, with file:line:column errors or skips.
fn read_scores(
    path: &Path,
    column: &str,
    opts: &InputOptions,
    mut accept: impl FnMut(u8) -> Result<(), String>,
) -> CliResult<Skipped> {
    let mut t = Table::open(path, &opts.read())?;
    let ci = t.column(column)?;
    let skipped = t.for_each_record(|row| {
        let text = row.get(ci);
        text.parse::<u8>()
            .map_err(|_| format!("cannot parse {text:?} as a whole-number score"))
            .and_then(&mut accept)
            .map_err(|m| IoError::input(path, Some(row.line), Some(column), m))
    })?;
    report_skipped(&skipped);
    Ok(skipped)
}

/// The JSON shape of `crm metrics nps` (field order as documented).
#[derive(Serialize)]
struct NpsJson {
    n: u64,
    promoters: u64,
    passives: u64,
    detractors: u64,
    nps: f64,
    standard_error: f64,
    ci_low: f64,
    ci_high: f64,
}

fn nps(a: &NpsArgs, opts: &InputOptions) -> CliResult<()> {
    let mut scores: Vec<u8> = Vec::new();
    read_scores(&a.input, &a.column, opts, |v| {
        if v > 10 {
            return Err(format!("NPS score {v} is outside 0..=10"));
        }
        scores.push(v);
        Ok(())
    })?;
    let mut s = NpsState::new();
    s.push_raw(&scores).map_err(lib)?;
    let n = s.finish().map_err(|e| {
        IoError::input(
            &a.input,
            None,
            Some(&a.column),
            format!("{e} (no scores in the file)"),
        )
    })?;
    let method = match a.method {
        Method::AdjustedWald => NpsInterval::AdjustedWald,
        Method::Wald => NpsInterval::Wald,
    };
    let ci = n.interval(a.confidence, method).map_err(lib)?;
    let value = NpsJson {
        n: n.n,
        promoters: n.promoters,
        passives: n.passives,
        detractors: n.detractors,
        nps: n.score,
        standard_error: n.standard_error,
        ci_low: ci.low,
        ci_high: ci.high,
    };
    let pct = |c: u64| output::num(100.0 * c as f64 / n.n as f64, 1);
    let rows = vec![
        vec!["respondents".into(), n.n.to_string(), "100".into()],
        vec![
            "promoters (9-10)".into(),
            n.promoters.to_string(),
            pct(n.promoters),
        ],
        vec![
            "passives (7-8)".into(),
            n.passives.to_string(),
            pct(n.passives),
        ],
        vec![
            "detractors (0-6)".into(),
            n.detractors.to_string(),
            pct(n.detractors),
        ],
        vec!["NPS".into(), output::num(n.score, 2), String::new()],
        vec![
            "standard error".into(),
            output::num(n.standard_error, 2),
            String::new(),
        ],
        vec![
            format!(
                "{}% CI low ({})",
                output::num(100.0 * a.confidence, 2),
                method_name(a.method)
            ),
            output::num(ci.low, 2),
            String::new(),
        ],
        vec![
            format!("{}% CI high", output::num(100.0 * a.confidence, 2)),
            output::num(ci.high, 2),
            String::new(),
        ],
    ];
    emit(&a.out, &value, &["metric", "value", "share %"], &rows)
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::AdjustedWald => "adjusted-Wald",
        Method::Wald => "Wald",
    }
}

fn csat(a: &CsatArgs, opts: &InputOptions) -> CliResult<()> {
    let scale = match a.scale {
        Scale::Five => CsatScale::OneToFive,
        Scale::Seven => CsatScale::OneToSeven,
        Scale::Ten => CsatScale::OneToTen,
    };
    let mut s = CsatState::new(scale);
    read_scores(&a.input, &a.column, opts, |v| {
        let score = CsatScore::new(v, scale).map_err(|e| e.to_string())?;
        s.push(score).map_err(|e| e.to_string())
    })?;
    let c = s.finish().map_err(|e| {
        IoError::input(
            &a.input,
            None,
            Some(&a.column),
            format!("{e} (no answers in the file)"),
        )
    })?;
    let w = c.top_two_box_interval(a.confidence).map_err(lib)?;
    let t = c.mean_interval(a.confidence).ok();
    let value = json!({
        "n": c.n, "satisfied": c.satisfied, "top_two_box": c.top_two_box,
        "top_two_box_ci_low": w.low, "top_two_box_ci_high": w.high,
        "mean": c.mean, "std_dev": c.std_dev,
        "mean_ci_low": t.map(|t| t.low), "mean_ci_high": t.map(|t| t.high),
        "confidence": a.confidence,
    });
    let opt = |x: Option<f64>| x.map_or_else(|| "n/a".to_string(), |v| output::num(v, 3));
    let rows = vec![
        vec![
            "respondents".into(),
            c.n.to_string(),
            String::new(),
            String::new(),
        ],
        vec![
            "top-2-box share".into(),
            output::num(c.top_two_box, 4),
            output::num(w.low, 4),
            output::num(w.high, 4),
        ],
        vec![
            "mean".into(),
            output::num(c.mean, 3),
            opt(t.map(|t| t.low)),
            opt(t.map(|t| t.high)),
        ],
    ];
    emit(
        &a.out,
        &value,
        &["metric", "value", "ci_low", "ci_high"],
        &rows,
    )
}

fn period(start: NaiveDate, end_inclusive: NaiveDate) -> CliResult<Period> {
    let end = end_inclusive
        .checked_add_days(Days::new(1))
        .ok_or_else(|| CliError::Usage("--end is at the end of the calendar".into()))?;
    Period::new(start, end).map_err(|e| CliError::Usage(format!("--start/--end: {e}")))
}

fn retention(a: &RetentionArgs, opts: &InputOptions) -> CliResult<()> {
    let p = period(a.start, a.end)?;
    let mut t = Table::open(&a.subscriptions, &opts.read())?;
    let (ci, si, ei) = (
        t.column(&a.customer_column)?,
        t.column(&a.start_column)?,
        t.column(&a.end_column)?,
    );
    let dates = DateParser::new(None);
    let mut ids = CustomerInterner::new();
    let mut seen: Vec<bool> = Vec::new();
    let mut state = RetentionState::new(p);
    let path = a.subscriptions.clone();
    let skipped = t.for_each_record(|row| {
        let err = |col: &str, m: String| IoError::input(&path, Some(row.line), Some(col), m);
        let k = ids
            .intern(row.get(ci))
            .map_err(|e| err(&a.customer_column, e.to_string()))?;
        let start = dates
            .parse(row.get(si))
            .map_err(|m| err(&a.start_column, m))?
            .0;
        let end = match row.get(ei) {
            "" => None,
            s => Some(dates.parse(s).map_err(|m| err(&a.end_column, m))?.0),
        };
        if seen.get(k.index()).copied().unwrap_or(false) {
            return Err(err(
                &a.customer_column,
                format!(
                    "customer {} appears twice (one span per customer: merge spans first)",
                    row.get(ci)
                ),
            ));
        }
        let span =
            CustomerSpan::new(k, start, end).map_err(|e| err(&a.end_column, e.to_string()))?;
        if seen.len() <= k.index() {
            seen.resize(k.index() + 1, false);
        }
        seen[k.index()] = true;
        state.push(&span);
        Ok(())
    })?;
    report_skipped(&skipped);
    let r = state.finish().map_err(lib)?;
    let joiners = match a.joiners {
        Joiners::Exclude => SamePeriodJoiners::Exclude,
        Joiners::Include => SamePeriodJoiners::Include,
    };
    let churn = r.churn(joiners);
    let c = r.counts;
    let value = json!({
        "period_start": a.start, "period_end": a.end,
        "customers_start": c.start, "customers_end": c.end, "new": c.new,
        "retained": c.retained, "joined_and_left": c.joined_and_left,
        "count_retention": r.count_retention, "cohort_retention": r.cohort_retention,
        "churn": churn, "joiners": format!("{joiners:?}").to_lowercase(),
    });
    let rows = vec![
        vec!["customers at start (S)".into(), c.start.to_string()],
        vec!["customers at end (E)".into(), c.end.to_string()],
        vec!["new in period (N)".into(), c.new.to_string()],
        vec!["retained from start (R)".into(), c.retained.to_string()],
        vec!["joined and left (J)".into(), c.joined_and_left.to_string()],
        vec![
            "retention, count form (E-N)/S".into(),
            output::num(r.count_retention, 4),
        ],
        vec![
            "retention, cohort form R/S".into(),
            output::num(r.cohort_retention, 4),
        ],
        vec![
            format!("churn (joiners {})", format!("{joiners:?}").to_lowercase()),
            output::num(churn, 4),
        ],
    ];
    emit(&a.out, &value, &["metric", "value"], &rows)
}

fn cohorts(a: &CohortArgs, opts: &InputOptions) -> CliResult<()> {
    let loaded = load_transactions(&a.transactions, &a.columns.columns(), &opts.read())?;
    report_skipped(&loaded.skipped);
    let period = match a.period {
        PeriodArg::Week => CohortPeriod::Week,
        PeriodArg::Month => CohortPeriod::Month,
    };
    let kind = match a.retention {
        RetentionKind::Classic => CohortRetention::Classic,
        RetentionKind::Rolling => CohortRetention::Rolling,
    };
    let m = cohort_matrix(&loaded.transactions, period).map_err(|e| {
        IoError::input(
            &a.transactions,
            None,
            None,
            format!("{e} (no purchases in the file)"),
        )
    })?;
    let width = m.cohorts.first().map_or(0, |c| c.active.len());
    let value = json!({
        "period": format!("{period:?}").to_lowercase(),
        "retention": format!("{kind:?}").to_lowercase(),
        "cohorts": m.cohorts.iter().map(|c| json!({
            "start": c.start, "size": c.size, "active": c.active, "rolling": c.rolling,
            "rates": c.rates(kind),
        })).collect::<Vec<_>>(),
    });
    let mut header: Vec<String> = vec!["cohort".into(), "size".into()];
    header.extend((0..width).map(|k| k.to_string()));
    let rows: Vec<Vec<String>> = m
        .cohorts
        .iter()
        .map(|c| {
            let mut r = vec![c.start.to_string(), c.size.to_string()];
            if a.counts {
                let v = match kind {
                    CohortRetention::Classic => &c.active,
                    CohortRetention::Rolling => &c.rolling,
                };
                r.extend(v.iter().map(u64::to_string));
            } else {
                r.extend(c.rates(kind).iter().map(|x| output::num(100.0 * x, 1)));
            }
            r
        })
        .collect();
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    emit(&a.out, &value, &h, &rows)
}

fn parse_kind(s: &str) -> Result<MrrMovementKind, String> {
    Ok(match s.trim().to_ascii_lowercase().as_str() {
        "new" => MrrMovementKind::New,
        "expansion" => MrrMovementKind::Expansion,
        "contraction" => MrrMovementKind::Contraction,
        "churn" => MrrMovementKind::Churn,
        "reactivation" => MrrMovementKind::Reactivation,
        _ => {
            return Err(format!(
                "unknown movement kind {s:?} (expected new, expansion, contraction, churn or reactivation)"
            ));
        }
    })
}

fn revenue(a: &RevenueArgs, opts: &InputOptions) -> CliResult<()> {
    let p = period(a.start, a.end)?;
    let read = opts.read();
    let amounts = AmountFormat::from(&read);
    let mut t = Table::open(&a.movements, &read)?;
    let (ci, di, ki, ai) = (
        t.column(&a.customer_column)?,
        t.column(&a.date_column)?,
        t.column(&a.kind_column)?,
        t.column(&a.amount_column)?,
    );
    let dates = DateParser::new(None);
    let mut ids = CustomerInterner::new();
    let mut state = RevenueState::new(p);
    let mut before = Decimal::ZERO;
    let path = a.movements.clone();
    let skipped = t.for_each_record(|row| {
        let err = |col: &str, m: String| IoError::input(&path, Some(row.line), Some(col), m);
        let k = ids
            .intern(row.get(ci))
            .map_err(|e| err(&a.customer_column, e.to_string()))?;
        let date = dates
            .parse(row.get(di))
            .map_err(|m| err(&a.date_column, m))?
            .0;
        let kind = parse_kind(row.get(ki)).map_err(|m| err(&a.kind_column, m))?;
        let amount = parse_amount(row.get(ai), amounts).map_err(|m| err(&a.amount_column, m))?;
        let m = MrrMovement::new(k, date, kind, amount)
            .map_err(|e| err(&a.amount_column, e.to_string()))?;
        if date < a.start {
            before += m.signed_amount();
        }
        state
            .push(&m)
            .map_err(|e| err(&a.amount_column, e.to_string()))
    })?;
    report_skipped(&skipped);
    let start_mrr = a.starting_mrr.unwrap_or(before);
    let r = state.finish(start_mrr).map_err(|e| match e {
        MetricsError::ZeroDenominator { .. } if a.starting_mrr.is_none() => {
            CliError::Usage(format!(
                "{e}: no MRR before --start {}; pass --starting-mrr",
                a.start
            ))
        }
        other => lib(other),
    })?;
    let money = |d: Decimal| d.round_dp(2).normalize().to_string();
    let tt = r.totals;
    let value = json!({
        "period_start": a.start, "period_end": a.end,
        "starting_mrr": money(r.starting_mrr), "ending_mrr": money(r.ending_mrr),
        "new": money(tt.new), "expansion": money(tt.expansion), "contraction": money(tt.contraction),
        "churn": money(tt.churn), "reactivation": money(tt.reactivation),
        "gross_mrr_churn": r.gross_mrr_churn, "net_mrr_churn": r.net_mrr_churn,
        "grr": r.grr, "nrr": r.nrr, "quick_ratio": r.quick_ratio,
    });
    let pct = |x: f64| format!("{}%", output::num(100.0 * x, 2));
    let rows = vec![
        vec!["starting MRR".into(), money(r.starting_mrr)],
        vec!["+ new".into(), money(tt.new)],
        vec!["+ expansion".into(), money(tt.expansion)],
        vec!["+ reactivation".into(), money(tt.reactivation)],
        vec!["- contraction".into(), money(tt.contraction)],
        vec!["- churn".into(), money(tt.churn)],
        vec!["ending MRR".into(), money(r.ending_mrr)],
        vec!["gross MRR churn".into(), pct(r.gross_mrr_churn)],
        vec!["net MRR churn".into(), pct(r.net_mrr_churn)],
        vec!["GRR".into(), pct(r.grr)],
        vec!["NRR".into(), pct(r.nrr)],
        vec![
            "quick ratio".into(),
            r.quick_ratio
                .map_or_else(|| "n/a (nothing lost)".into(), |q| output::num(q, 2)),
        ],
    ];
    emit(&a.out, &value, &["metric", "value"], &rows)
}

fn funnel(a: &FunnelArgs, opts: &InputOptions) -> CliResult<()> {
    let mut t = Table::open(&a.events, &opts.read())?;
    let (si, gi, ti) = (
        t.column(&a.subject_column)?,
        t.column(&a.stage_column)?,
        t.column(&a.time_column)?,
    );
    let dates = DateParser::new(None);
    let mut ids = CustomerInterner::new();
    let mut events: Vec<(u64, FunnelEvent)> = Vec::new();
    let mut order: Vec<String> = Vec::new();
    let path = a.events.clone();
    let skipped = t.for_each_record(|row| {
        let err = |col: &str, m: String| IoError::input(&path, Some(row.line), Some(col), m);
        let k = ids
            .intern(row.get(si))
            .map_err(|e| err(&a.subject_column, e.to_string()))?;
        let (d, time) = dates
            .parse(row.get(ti))
            .map_err(|m| err(&a.time_column, m))?;
        let at = d.and_time(time.unwrap_or(NaiveTime::MIN));
        let e = FunnelEvent::new(k, row.get(gi), at)
            .map_err(|e| err(&a.stage_column, e.to_string()))?;
        if !a.stages.is_empty() && !a.stages.iter().any(|s| s.trim() == e.stage()) {
            return Err(err(
                &a.stage_column,
                format!(
                    "stage {:?} is not in --stages {}",
                    e.stage(),
                    a.stages.join(",")
                ),
            ));
        }
        if !order.iter().any(|s| s == e.stage()) {
            order.push(e.stage().to_string());
        }
        events.push((row.line, e));
        Ok(())
    })?;
    report_skipped(&skipped);
    let stages = if a.stages.is_empty() {
        eprintln!(
            "note: funnel stages in order of first appearance: {}",
            order.join(" > ")
        );
        order
    } else {
        a.stages.clone()
    };
    let f = Funnel::new(stages).map_err(|e| CliError::Usage(format!("--stages: {e}")))?;
    let mut st = FunnelState::new(f);
    for (line, e) in &events {
        st.push(e).map_err(|err| {
            IoError::input(
                &a.events,
                Some(*line),
                Some(&a.stage_column),
                err.to_string(),
            )
        })?;
    }
    let ord = match a.order {
        Order::Sequential => FunnelOrder::Sequential,
        Order::Any => FunnelOrder::AnyOrder,
    };
    let r = st.finish(ord).map_err(lib)?;
    let opt = |x: Option<f64>, scale: f64, d: usize| {
        x.map_or_else(|| "n/a".to_string(), |v| output::num(scale * v, d))
    };
    let rows: Vec<Vec<String>> = r
        .steps
        .iter()
        .map(|s| {
            vec![
                s.stage.clone(),
                s.reached.to_string(),
                opt(s.step_conversion, 100.0, 1),
                opt(s.overall_conversion, 100.0, 1),
                s.drop_off.to_string(),
                opt(s.median_hours_from_previous, 1.0, 2),
            ]
        })
        .collect();
    emit(
        &a.out,
        &r,
        &[
            "stage",
            "reached",
            "step %",
            "overall %",
            "drop_off",
            "median_hours",
        ],
        &rows,
    )
}
