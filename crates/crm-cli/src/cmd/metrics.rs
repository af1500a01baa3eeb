//! `crm metrics`: NPS, CSAT, CES, retention, cohort matrices, revenue retention and funnels from CSV.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use crm_analytics::metrics::MetricsError;
use crm_analytics::metrics::engagement::{
    CohortPeriod, CohortRetention, FunnelOrder, FunnelState, cohort_matrix,
};
use crm_analytics::metrics::group::Groups;
use crm_analytics::metrics::retention::{
    CustomerSpan, RetentionSeries, RetentionState, SamePeriodJoiners,
};
use crm_analytics::metrics::revenue::{RevenueSeries, RevenueState};
use crm_analytics::metrics::satisfaction::{CesState, CsatState, NpsInterval, NpsState};
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::model::{
    CesScore, CesVersion, CsatScale, CsatScore, CustomerInterner, Funnel, Limits, NpsScore, Period,
    TimeUnit,
};
use serde::Serialize;

use crm_analytics::io::{
    self as io, FunnelColumns, IoError, MrrColumns, SpanColumns, load_transactions,
};

use crate::args::{
    ByCustomer, InputOptions, TransactionColumns, among, choice, print_notes, report_skipped,
};
use crate::cmd::summary::parse_day;
use crate::error::{CliError, CliResult};
use crate::output::{self, Format};
use crm_analytics::report::{drill, notes, results};

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
    /// Customer Effort Score: mean (t interval) and low-effort share.
    Ces(CesArgs),
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
    #[arg(long, value_parser = among(&[Format::Json, Format::Table]), default_value = "json")]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// The survey file of `nps`, `csat` and `ces`.
#[derive(Debug, Args)]
pub struct SurveyInput {
    /// Survey file (CSV with a header unless --no-header, or Parquet).
    #[arg(long)]
    pub input: PathBuf,
    /// Column holding the answer.
    #[arg(long, default_value = "score")]
    pub column: String,
    /// Column naming the question (nps, csat, ces): when the file has it, only this command's
    /// rows are answers.
    #[arg(long, default_value = "type")]
    pub type_column: String,
    /// Drill down: one result row per value of this column (repeatable: per combination).
    #[arg(long = "by", value_name = "COLUMN")]
    pub by: Vec<String>,
    /// Drill down by period of --date-column as well.
    #[arg(long, value_parser = among(&[TimeUnit::Week, TimeUnit::Month, TimeUnit::Quarter]))]
    pub every: Option<TimeUnit>,
    /// Date column of --every (YYYY-MM-DD).
    #[arg(long, default_value = "date")]
    pub date_column: String,
    /// Only rows whose COLUMN holds VALUE (repeatable: all must hold).
    #[arg(long = "where", value_name = "COLUMN=VALUE", value_parser = parse_filter)]
    pub filters: Vec<(String, String)>,
    /// Customer table for --by columns the survey file lacks (region, acquisition_channel,
    /// ...), joined on --customer-column.
    #[arg(long)]
    pub customers: Option<PathBuf>,
    /// Customer id column, in both files.
    #[arg(long, default_value = "customer_id")]
    pub customer_column: String,
}

fn parse_filter(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(c, v)| (c.trim().to_string(), v.trim().to_string()))
        .filter(|(c, _)| !c.is_empty())
        .ok_or_else(|| format!("{s:?}: expected COLUMN=VALUE"))
}

impl SurveyInput {
    fn grouping(&self, opts: &InputOptions) -> CliResult<io::Grouping> {
        let (id, read) = (&self.customer_column, opts.read());
        let lookup = |p| io::read_lookup(p, id, &self.by, id, &read);
        Ok(io::Grouping {
            by: self.by.clone(),
            every: self.every.map(|unit| (self.date_column.clone(), unit)),
            filters: self.filters.clone(),
            date_format: None,
            joined: self.customers.as_deref().map(lookup).transpose()?,
        })
    }
}

/// Arguments of `crm metrics nps`.
#[derive(Debug, Args)]
pub struct NpsArgs {
    #[command(flatten)]
    pub survey: SurveyInput,
    /// Confidence level of the interval.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Interval method.
    #[arg(long, value_parser = choice::<NpsInterval>(), default_value = "adjusted-wald")]
    pub method: NpsInterval,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Arguments of `crm metrics csat`.
#[derive(Debug, Args)]
pub struct CsatArgs {
    #[command(flatten)]
    pub survey: SurveyInput,
    /// Scale of the answers.
    #[arg(long, value_parser = choice::<CsatScale>(), default_value = "1-5")]
    pub scale: CsatScale,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Arguments of `crm metrics ces`.
#[derive(Debug, Args)]
pub struct CesArgs {
    #[command(flatten)]
    pub survey: SurveyInput,
    /// Question version: v2 (1-7, higher is easier) or v1 (1-5, lower is less effort).
    #[arg(long, value_parser = choice::<CesVersion>(), default_value = "v2")]
    pub question: CesVersion,
    /// Confidence level of the mean's interval.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    #[command(flatten)]
    pub out: OutputArgs,
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
    /// One row per week, month or quarter of --start..--end (the first and last may reach
    /// beyond it).
    #[arg(long, value_parser = among(&[TimeUnit::Week, TimeUnit::Month, TimeUnit::Quarter]))]
    pub every: Option<TimeUnit>,
    #[command(flatten)]
    pub by: ByCustomer,
    /// Customers who join and leave inside the period: excluded from churn (ChartMogul,
    /// ProfitWell) or included.
    #[arg(long, value_parser = choice::<SamePeriodJoiners>(), default_value = "exclude")]
    pub joiners: SamePeriodJoiners,
    #[command(flatten)]
    pub out: OutputArgs,
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
    #[arg(long, value_parser = choice::<CohortPeriod>(), default_value = "month")]
    pub period: CohortPeriod,
    /// Classic (active in period k) or rolling (active in k or later) retention.
    #[arg(long, value_parser = choice::<CohortRetention>(), default_value = "classic")]
    pub retention: CohortRetention,
    /// Show customer counts instead of rates in the table.
    #[arg(long)]
    pub counts: bool,
    #[command(flatten)]
    pub by: ByCustomer,
    #[command(flatten)]
    pub out: OutputArgs,
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
    #[arg(long, conflicts_with_all = ["by", "every"])]
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
    /// One row per week, month or quarter of --start..--end, each starting from the MRR the
    /// one before ended with.
    #[arg(long, value_parser = among(&[TimeUnit::Week, TimeUnit::Month, TimeUnit::Quarter]))]
    pub every: Option<TimeUnit>,
    /// Per group of customers (each from its own MRR before --start; not with --starting-mrr).
    #[command(flatten)]
    pub by: ByCustomer,
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
    #[arg(long, value_parser = choice::<FunnelOrder>(), default_value = "sequential")]
    pub order: FunnelOrder,
    /// One funnel per week, month or quarter of entry (a subject's first event at the first
    /// stage).
    #[arg(long, value_parser = among(&[TimeUnit::Week, TimeUnit::Month, TimeUnit::Quarter]))]
    pub every: Option<TimeUnit>,
    #[command(flatten)]
    pub by: ByCustomer,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Runs `crm metrics`.
pub fn run(a: &MetricsArgs) -> CliResult<()> {
    match &a.command {
        MetricsCommand::Nps(x) => nps(x, &a.input),
        MetricsCommand::Csat(x) => csat(x, &a.input),
        MetricsCommand::Ces(x) => ces(x, &a.input),
        MetricsCommand::Retention(x) => retention(x, &a.input),
        MetricsCommand::Cohorts(x) => cohorts(x, &a.input),
        MetricsCommand::Revenue(x) => revenue(x, &a.input),
        MetricsCommand::Funnel(x) => funnel(x, &a.input),
    }
}

/// Writes `value` as pretty JSON or the text `table` (an aligned table).
fn emit(out: &OutputArgs, value: &impl Serialize, table: impl FnOnce() -> String) -> CliResult<()> {
    let json = out.format == Format::Json;
    output::json_or_text(out.output.as_ref(), json, value, table)
}

/// Reads the answers to the question `kind` into one state per drill-down group (one group
/// with an empty key without --by and --every), with file:line:column errors or skips; says
/// which rows were left out as other questions or by --where.
fn answers<S>(
    s: &SurveyInput,
    kind: &str,
    opts: &InputOptions,
    init: impl Fn() -> S,
    mut push: impl FnMut(&mut S, u8) -> Result<(), String>,
) -> CliResult<Groups<S>> {
    let cols = io::ScoreColumns {
        score: s.column.clone(),
        type_column: Some((s.type_column.clone(), kind.to_string())),
    };
    let grouping = s.grouping(opts)?;
    let mut groups = Groups::new(grouping.names(), Limits::default());
    let read = io::read_grouped_scores(&s.input, &cols, &grouping, &opts.read(), |k, v| {
        push(groups.state(k, &init).map_err(|e| e.to_string())?, v)
    })?;
    report_skipped(&read.skipped);
    print_notes(notes::survey_answers(&read, kind, !s.filters.is_empty()));
    Ok(groups)
}

/// Prints the figures of each group: as today without a drill-down (the table text of the one
/// group by `text`), else one row per group with the group columns first.
fn emit_groups<S, F: Serialize + Sync>(
    s: &SurveyInput,
    out: &OutputArgs,
    groups: &Groups<S>,
    what: &str,
    figures: impl Fn(&S) -> CliResult<F>,
    text: impl FnOnce(&S) -> CliResult<String>,
) -> CliResult<()> {
    let (col, msg) = (Some(s.column.as_str()), format!("no {what} in the file"));
    let nothing = || IoError::input(&s.input, None, col, msg.clone());
    if groups.is_empty() {
        return Err(nothing().into());
    }
    if groups.names().is_empty() {
        let (_, one) = groups.iter().next().ok_or_else(nothing)?;
        let text = text(one)?;
        return emit(out, &figures(one)?, || text);
    }
    let rows = drill::group_rows(groups, figures)?;
    output::grouped_rows(out.output.as_ref(), out.format, &rows)
}

/// The error of a metric on no answers.
fn none(s: &SurveyInput, what: &str) -> impl Fn(MetricsError) -> IoError {
    let col = Some(s.column.as_str());
    move |e| IoError::input(&s.input, None, col, format!("{e} (no {what} in the file)"))
}

fn nps(a: &NpsArgs, opts: &InputOptions) -> CliResult<()> {
    let groups = answers(&a.survey, "nps", opts, NpsState::new, |s, v| match v {
        0..=10 => NpsScore::new(v)
            .map(|v| s.push(v))
            .map_err(|e| e.to_string()),
        _ => Err(format!("NPS score {v} is outside 0..=10")),
    })?;
    let method = a.method;
    let calc = |s: &NpsState| -> CliResult<_> {
        let n = s.finish().map_err(none(&a.survey, "scores"))?;
        let ci = n.interval(a.confidence, method)?;
        Ok((n, ci))
    };
    emit_groups(
        &a.survey,
        &a.out,
        &groups,
        "scores",
        |s| calc(s).map(|(n, ci)| results::NpsFigures::new(&n, &ci)),
        |s| calc(s).map(|(n, ci)| results::nps(&n, &ci, a.confidence, method)),
    )
}

fn csat(a: &CsatArgs, opts: &InputOptions) -> CliResult<()> {
    let scale = a.scale;
    let push = |s: &mut CsatState, v| {
        let score = CsatScore::new(v, scale).map_err(|e| e.to_string())?;
        s.push(score).map_err(|e| e.to_string())
    };
    let groups = answers(&a.survey, "csat", opts, || CsatState::new(scale), push)?;
    let calc = |s: &CsatState| -> CliResult<_> {
        let c = s.finish().map_err(none(&a.survey, "answers"))?;
        let w = c.top_two_box_interval(a.confidence)?;
        let t = c.mean_interval(a.confidence).ok();
        Ok((c, w, t))
    };
    emit_groups(
        &a.survey,
        &a.out,
        &groups,
        "answers",
        |s| calc(s).map(|(c, w, t)| results::CsatFigures::new(&c, &w, t.as_ref(), a.confidence)),
        |s| calc(s).map(|(c, w, t)| results::csat(&c, &w, t.as_ref())),
    )
}

fn ces(a: &CesArgs, opts: &InputOptions) -> CliResult<()> {
    let v = a.question;
    let push = |s: &mut CesState, x| {
        CesScore::new(x, v)
            .map_err(|e| e.to_string())
            .and_then(|x| s.push(x).map_err(|e| e.to_string()))
    };
    let groups = answers(&a.survey, "ces", opts, || CesState::new(v), push)?;
    let calc = |s: &CesState| -> CliResult<_> {
        let c = s.finish().map_err(none(&a.survey, "answers"))?;
        let t = c.mean_interval(a.confidence).ok();
        Ok((c, t))
    };
    emit_groups(
        &a.survey,
        &a.out,
        &groups,
        "answers",
        |s| calc(s).map(|(c, t)| results::CesFigures::new(&c, t.as_ref(), a.confidence)),
        |s| calc(s).map(|(c, t)| results::ces(&c, t.as_ref())),
    )
}

fn period(start: NaiveDate, end: NaiveDate) -> CliResult<Period> {
    Period::inclusive(start, end).map_err(|e| CliError::Usage(format!("--start/--end: {e}")))
}

fn retention(a: &RetentionArgs, opts: &InputOptions) -> CliResult<()> {
    let p = period(a.start, a.end)?;
    let cols = SpanColumns {
        customer: a.customer_column.clone(),
        start: a.start_column.clone(),
        end: a.end_column.clone(),
    };
    let (mut spans, mut ids) = (Vec::new(), CustomerInterner::new());
    let skipped = io::read_spans(
        &a.subscriptions,
        &cols,
        &opts.read(),
        &mut ids,
        |k, s, e| {
            spans.push(CustomerSpan::new(k, s, e).map_err(|e| e.to_string())?);
            Ok(())
        },
    )?;
    report_skipped(&skipped);
    let lookup = a.by.lookup(&a.subscriptions, &a.customer_column, opts)?;
    if let (None, None) = (a.every, &lookup) {
        let mut state = RetentionState::new(p);
        spans.iter().for_each(|s| state.push(s));
        let r = state.finish()?;
        let value = results::RetentionFigures::new(&r, a.joiners, a.start, a.end);
        return emit(&a.out, &value, || results::retention(&r, a.joiners));
    }
    let series = match a.every {
        Some(unit) => RetentionSeries::every(p, unit, &Limits::default())?,
        None => RetentionSeries::new(&[p]),
    };
    let r = drill::retention_by(
        &spans,
        &ids,
        lookup.as_ref(),
        &series,
        a.joiners,
        Limits::default(),
    )?;
    print_notes(notes::ungrouped_customers(r.unmatched));
    print_notes(notes::empty_periods(r.empty));
    output::write_with(a.out.output.as_ref(), |w| {
        output::grouped(w, a.out.format, &r.names, &r.keys, &r.rows)
    })
}

fn cohorts(a: &CohortArgs, opts: &InputOptions) -> CliResult<()> {
    let loaded = load_transactions(&a.transactions, &a.columns.columns(), &opts.read())?;
    report_skipped(&loaded.skipped);
    let (period, kind) = (a.period, a.retention);
    if let Some(l) =
        a.by.lookup(&a.transactions, &a.columns.customer_column, opts)?
    {
        let tx = &loaded.transactions;
        let r = drill::cohorts_by(tx, &loaded.ids, &l, period, kind, Limits::default())?;
        let why = "group(s) without purchases";
        print_notes(notes::drill(r.unmatched, r.empty, why));
        return output::grouped_rows(a.out.output.as_ref(), a.out.format, &r.into_flat_rows());
    }
    let m = cohort_matrix(&loaded.transactions, period).map_err(|e| {
        IoError::input(
            &a.transactions,
            None,
            None,
            format!("{e} (no purchases in the file)"),
        )
    })?;
    let value = results::CohortFigures::new(&m, kind);
    emit(&a.out, &value, || results::cohorts(&m, kind, a.counts))
}

fn revenue(a: &RevenueArgs, opts: &InputOptions) -> CliResult<()> {
    let p = period(a.start, a.end)?;
    let cols = MrrColumns {
        customer: a.customer_column.clone(),
        date: a.date_column.clone(),
        kind: a.kind_column.clone(),
        amount: a.amount_column.clone(),
    };
    let mut ids = CustomerInterner::new();
    let loaded = io::read_mrr_columns(&a.movements, &cols, &opts.read(), &mut ids, || {})?;
    report_skipped(&loaded.skipped);
    if a.every.is_some() || !a.by.by.is_empty() {
        let series = match a.every {
            Some(unit) => RevenueSeries::every(p, unit, &Limits::default())?,
            None => RevenueSeries::new(&[p]),
        };
        let l = a.by.lookup(&a.movements, &a.customer_column, opts)?;
        let r = drill::revenue_by(&loaded.rows, &ids, l.as_ref(), &series, Limits::default())?;
        let why = "period(s) without MRR at their start";
        print_notes(notes::drill(r.unmatched, r.empty, why));
        return output::grouped_rows(a.out.output.as_ref(), a.out.format, &r.into_flat_rows());
    }
    let state = RevenueState::from_movements(p, &loaded.rows)
        .map_err(|e| CliError::input(&a.movements, None, Some(&a.amount_column), e.to_string()))?;
    let start_mrr = a.starting_mrr.unwrap_or(state.mrr_before_period());
    let r = state.finish(start_mrr).map_err(|e| match e {
        MetricsError::ZeroDenominator { .. } if a.starting_mrr.is_none() => {
            CliError::Usage(format!(
                "{e}: no MRR before --start {}; pass --starting-mrr",
                a.start
            ))
        }
        other => CliError::lib(other),
    })?;
    let value = results::RevenueFigures::new(&r, a.start, a.end);
    emit(&a.out, &value, || results::revenue(&r))
}

fn funnel(a: &FunnelArgs, opts: &InputOptions) -> CliResult<()> {
    let cols = FunnelColumns {
        subject: a.subject_column.clone(),
        stage: a.stage_column.clone(),
        at: a.time_column.clone(),
    };
    let mut ids = CustomerInterner::new();
    let loaded = io::read_funnel_columns(
        &a.events,
        &cols,
        Some(&a.stages),
        &opts.read(),
        &mut ids,
        || {},
    )?;
    let (events, skipped) = (loaded.rows, loaded.skipped);
    report_skipped(&skipped);
    let f = match a.stages.is_empty() {
        true => Funnel::in_order_of_appearance(&events),
        false => Funnel::new(a.stages.clone()),
    };
    let f = f.map_err(|e| CliError::Usage(format!("--stages: {e}")))?;
    if a.stages.is_empty() {
        let order = f.stages().join(" > ");
        eprintln!("note: funnel stages in order of first appearance: {order}");
    }
    let l = a.by.lookup(&a.events, &a.subject_column, opts)?;
    if l.is_some() || a.every.is_some() {
        let (order, every, limits) = (a.order, a.every, Limits::default());
        let r = drill::funnel_by(&events, &ids, l.as_ref(), &f, order, every, limits)?;
        let why = "group(s) where nobody reached the first stage";
        print_notes(notes::drill(r.unmatched, r.empty, why));
        return output::grouped_rows(a.out.output.as_ref(), a.out.format, &r.into_flat_rows());
    }
    let st = FunnelState::from_events(f, &events)?;
    let r = st.finish(a.order)?;
    emit(&a.out, &r, || results::funnel(&r))
}
