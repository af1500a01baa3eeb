//! `crm clv fit` and `crm clv predict`: probabilistic customer-base models.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use crm_analytics::clv::{
    ClvError, ClvOptions, Covariance, DiagnosticsOptions, FitOptions, GammaGamma, IntervalOptions,
    ModelKind, unit_ratio,
};
use crm_analytics::io::{
    self as io, OutputFormat, Skipped, SummaryNeeds, SummaryRecord, load_transactions,
    read_summary_file, write_table,
};
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::{Limits, TimeUnit};

use crm_analytics::report::{diagnostics, drill, listings, notes};

use crate::args::{
    ByCustomer, InputOptions, RowsOutput, TransactionColumns, choice, print_notes, report_skipped,
};
use crate::cmd::summary::{parse_day, units};
use crate::error::{CliError, CliResult};
use crate::output::{self, Format};

/// `crm clv` subcommands.
#[derive(Debug, Subcommand)]
pub enum ClvCommand {
    /// Fit a model by maximum likelihood; prints parameters, standard errors and the fit report.
    Fit(FitArgs),
    /// Per-customer predictions from fitted parameters: P(alive), expected purchases,
    /// P(no purchase), expected spend and CLV.
    Predict(PredictArgs),
    /// Model diagnostics: fit on the calibration window, then tracking, conditional
    /// expectations and the frequency distribution against the holdout, as tables and charts.
    Diagnose(DiagnoseArgs),
}

/// Arguments of `crm clv`.
#[derive(Debug, Args)]
pub struct ClvArgs {
    #[command(subcommand)]
    pub command: ClvCommand,
}

/// Column names of a summary file (each falls back to common alternatives when absent).
#[derive(Debug, Clone, Args)]
pub struct SummaryColumns {
    /// Repeat purchases column (fallback: frequency).
    #[arg(long, default_value = "x")]
    pub x_column: String,
    /// Recency column (fallback: recency).
    #[arg(long, default_value = "t_x")]
    pub tx_column: String,
    /// Age column (fallbacks: age, periods).
    #[arg(long = "T-column", default_value = "T")]
    pub t_column: String,
    /// Mean repeat transaction value column, for gg and spend (fallback: monetary).
    #[arg(long, default_value = "zbar")]
    pub zbar_column: String,
    /// Optional weights column (fallbacks: weight, count); weight 1 when absent.
    #[arg(long, default_value = "weights")]
    pub weights_column: String,
    /// Customer id column for predictions (fallbacks: id, ID); row number when absent.
    #[arg(long, default_value = "customer_id")]
    pub id_column: String,
}

/// Where the per-customer summaries come from: a summary file or a transaction file.
#[derive(Debug, Clone, Args)]
pub struct SummarySource {
    /// Summary file with columns customer_id, x, t_x, T (zbar for gg and spend; weights
    /// optional).
    #[arg(
        long,
        conflicts_with = "transactions",
        required_unless_present = "transactions"
    )]
    pub summary: Option<PathBuf>,
    /// Transaction file (summarised up to --calibration-end first; amounts are only needed
    /// for gg and --spend-params).
    #[arg(long, requires = "calibration_end")]
    pub transactions: Option<PathBuf>,
    /// Last day of the calibration window (with --transactions), YYYY-MM-DD.
    #[arg(long, value_parser = parse_day)]
    pub calibration_end: Option<NaiveDate>,
    #[command(flatten)]
    pub tx_columns: TransactionColumns,
    #[command(flatten)]
    pub columns: SummaryColumns,
}

/// Arguments of `crm clv fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Model to fit.
    #[arg(long, value_parser = choice::<ModelKind>())]
    pub model: ModelKind,
    #[command(flatten)]
    pub source: SummarySource,
    /// Time unit of t_x and T when summarising transactions (a summary file is taken as is).
    #[arg(long, value_parser = units(), default_value = "week")]
    pub unit: TimeUnit,
    /// L2 penalty on the parameters (0 = plain maximum likelihood).
    #[arg(long, default_value_t = 0.0)]
    pub penalty: f64,
    /// Output format.
    #[arg(long, value_parser = choice::<Format>(), default_value = "json")]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputOptions,
}

/// Arguments of `crm clv predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Purchase model of the parameters.
    #[arg(long, value_parser = choice::<ModelKind>())]
    pub model: ModelKind,
    /// Parameters: the JSON written by `crm clv fit`.
    #[arg(long)]
    pub params: PathBuf,
    /// Gamma-Gamma parameters (JSON of `crm clv fit --model gg`) for expected spend and CLV.
    #[arg(long)]
    pub spend_params: Option<PathBuf>,
    #[command(flatten)]
    pub source: SummarySource,
    /// Prediction horizon in the model's time unit (opportunities for bgbb).
    #[arg(long)]
    pub horizon: f64,
    /// Discount rate per --discount-unit period for CLV (0 = undiscounted).
    #[arg(long, default_value_t = 0.0)]
    pub discount_rate: f64,
    /// Time unit of the data and parameters.
    #[arg(long, value_parser = units(), default_value = "week")]
    pub unit: TimeUnit,
    /// Period of the discount rate (default: the model unit).
    #[arg(long, value_parser = units())]
    pub discount_unit: Option<TimeUnit>,
    /// Add *_low and *_high columns: intervals at this level (e.g. 0.9) from the parameters'
    /// estimation error (parametric bootstrap; needs the covariance `crm clv fit` writes).
    #[arg(long, conflicts_with = "by")]
    pub interval: Option<f64>,
    /// Parameter draws of --interval (20 to 10,000).
    #[arg(long, default_value_t = 200)]
    pub draws: u32,
    /// Seed of the --interval draws.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[command(flatten)]
    pub out: RowsOutput,
    /// Summaries per group of customers (customers, expected alive and purchases, CLV).
    #[command(flatten)]
    pub by: ByCustomer,
    #[command(flatten)]
    pub input: InputOptions,
}

/// Arguments of `crm clv diagnose`.
#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// Purchase model (bgnbd, mbgnbd or pnbd), fitted on the calibration window.
    #[arg(long, value_parser = choice::<ModelKind>(), default_value = "bgnbd")]
    pub model: ModelKind,
    /// Transaction file (amounts are not needed).
    #[arg(long)]
    pub transactions: PathBuf,
    #[command(flatten)]
    pub tx_columns: TransactionColumns,
    /// Last day of the calibration window, YYYY-MM-DD.
    #[arg(long, value_parser = parse_day)]
    pub calibration_end: NaiveDate,
    /// Last day of the holdout window (default: the last transaction date).
    #[arg(long, value_parser = parse_day)]
    pub holdout_end: Option<NaiveDate>,
    /// Time unit of the model and length of a tracking period.
    #[arg(long, value_parser = units(), default_value = "week")]
    pub unit: TimeUnit,
    /// Write the diagnostics page (charts and tables) to this HTML file.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Write tracking.csv, conditional.csv and frequency.csv into this directory.
    #[arg(long)]
    pub tables: Option<PathBuf>,
    /// Output format of the fit and summary tables (json: the fit and every table).
    #[arg(long, value_parser = choice::<Format>(), default_value = "table")]
    pub format: Format,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub input: InputOptions,
}

/// Runs `crm clv ...`.
pub fn run(a: &ClvArgs) -> CliResult<()> {
    match &a.command {
        ClvCommand::Fit(f) => fit(f),
        ClvCommand::Predict(p) => predict(p),
        ClvCommand::Diagnose(d) => diagnose(d),
    }
}

impl SummarySource {
    /// The summary rows: read from the summary file, or summarised (in `unit`, up to
    /// --calibration-end) from the transaction file; `need_amounts` names what needs amounts.
    fn rows(
        &self,
        input: &InputOptions,
        needs: SummaryNeeds,
        unit: TimeUnit,
        need_amounts: Option<&str>,
    ) -> CliResult<(Vec<SummaryRecord>, Skipped)> {
        match (&self.summary, &self.transactions, self.calibration_end) {
            (Some(p), _, _) => {
                let c = &self.columns;
                let cols = io::SummaryColumns {
                    x: c.x_column.clone(),
                    t_x: c.tx_column.clone(),
                    t: c.t_column.clone(),
                    zbar: c.zbar_column.clone(),
                    weights: c.weights_column.clone(),
                    id: c.id_column.clone(),
                };
                Ok(read_summary_file(p, &cols, &input.read(), needs)?)
            }
            (None, Some(p), Some(end)) => {
                let (cols, read) = (self.tx_columns.columns(), input.read());
                Ok(io::read_transaction_summaries(
                    p,
                    &cols,
                    &read,
                    end,
                    unit,
                    need_amounts,
                )?)
            }
            _ => Err(CliError::Usage(
                "give --summary FILE or --transactions FILE --calibration-end DATE".into(),
            )),
        }
    }
}

fn fit(a: &FitArgs) -> CliResult<()> {
    let gg = a.model == ModelKind::GammaGamma;
    let needs = SummaryNeeds {
        history: !gg,
        zbar: gg,
    };
    let need = gg.then_some("Gamma-Gamma models spend");
    let (rows, skipped) = a.source.rows(&a.input, needs, a.unit, need)?;
    report_skipped(&skipped);
    let opts = FitOptions::default().penalty(a.penalty);
    let out = a
        .model
        .fit(&listings::summary_inputs(&rows), &opts, a.unit)
        .map_err(|e| match listings::summary_record_error(&rows, &e) {
            Some((line, m)) if gg => {
                let file = (a.source.summary.as_deref()).unwrap_or(Path::new("<transactions>"));
                CliError::input(file, line, Some(&a.source.columns.zbar_column), m)
            }
            _ => CliError::lib(e),
        })?;
    output::json_or_text(a.output.as_ref(), a.format == Format::Json, &out, || {
        listings::clv_fit(&out)
    })
}

/// The text of a `crm clv fit` JSON file.
fn read_fit_file(path: &Path) -> CliResult<String> {
    std::fs::read_to_string(path).map_err(CliError::io(path))
}

/// Reads the parameters of `model` from a `crm clv fit` JSON file.
fn read_params(path: &Path, model: ModelKind) -> CliResult<Vec<f64>> {
    let text = read_fit_file(path)?;
    model.params_from_json(&text).map_err(|e| match e {
        ClvError::ParamsFile {
            line,
            field,
            message,
        } => CliError::input(path, line, field.as_deref(), message),
        other => CliError::lib(other),
    })
}

fn predict(a: &PredictArgs) -> CliResult<()> {
    let model_unit = a.unit;
    let period = unit_ratio(a.discount_unit.unwrap_or(model_unit), model_unit);
    let clv_opts = ClvOptions::new(a.horizon, a.discount_rate, period)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let gg = a
        .spend_params
        .as_ref()
        .map(|p| {
            let v = read_params(p, ModelKind::GammaGamma)?;
            GammaGamma::new(v[0], v[1], v[2])
                .map_err(|e| CliError::input(p, None, None, e.to_string()))
        })
        .transpose()?;
    let needs = SummaryNeeds {
        history: true,
        zbar: gg.is_some(),
    };
    let need = gg.is_some().then_some("CLV (--spend-params) needs spend");
    let (rows, skipped) = a.source.rows(&a.input, needs, a.unit, need)?;
    report_skipped(&skipped);
    let kind = a.model;
    if kind == ModelKind::GammaGamma {
        return Err(CliError::Usage(
            "predict needs a purchase model (bgnbd, mbgnbd, pnbd, bgbb); pass Gamma-Gamma parameters with --spend-params".into(),
        ));
    }
    let m = kind
        .purchase_model(&read_params(&a.params, kind)?)
        .map_err(|e| CliError::input(&a.params, None, None, e.to_string()))?;
    if let Some(level) = a.interval {
        let opts = IntervalOptions::new(level)
            .and_then(|o| o.draws(a.draws))
            .map_err(|e| CliError::Usage(e.to_string()))?
            .seed(a.seed);
        let cov_of = |p: &Path, kind: ModelKind| -> CliResult<Option<Covariance>> {
            kind.covariance_from_json(&read_fit_file(p)?)
                .map_err(|e| CliError::input(p, None, Some("covariance"), e.to_string()))
        };
        let cov = cov_of(&a.params, kind)?.ok_or_else(|| {
            CliError::input(&a.params, None, Some("covariance"), "no covariance of the estimates for --interval: refit with `crm clv fit` (a fit whose information matrix is not positive definite has none)")
        })?;
        let gg_cov = match &a.spend_params {
            Some(p) => cov_of(p, ModelKind::GammaGamma)?,
            None => None,
        };
        let spend = gg.as_ref().map(|g| (g, gg_cov.as_ref()));
        let (preds, iv) = m.predict_intervals(
            &listings::summary_inputs(&rows),
            &cov,
            spend,
            &clv_opts,
            &opts,
        )?;
        print_notes([notes::clv_intervals(&iv, level)]);
        let out = listings::clv_interval_rows(&rows, &preds, &iv.customers);
        return output::rows(a.out.output.as_ref(), a.out.format, &out, || {
            listings::clv_interval_table(&out)
        });
    }
    let preds = m.predict(&listings::summary_inputs(&rows), gg.as_ref(), &clv_opts)?;
    let out = listings::clv_prediction_rows(&rows, &preds);
    let (src, id) = match (&a.source.summary, &a.source.transactions) {
        (Some(p), _) => (p, &a.source.columns.id_column),
        (None, p) => (
            p.as_ref().unwrap_or(&a.params),
            &a.source.tx_columns.customer_column,
        ),
    };
    if let Some(l) = a.by.lookup(src, id, &a.input)? {
        let r = drill::clv_by(&out, &l, Limits::default())?;
        print_notes(notes::drill(r.unmatched, 0, ""));
        return output::grouped_rows(a.out.output.as_ref(), a.out.format, &r.into_rows());
    }
    output::rows(a.out.output.as_ref(), a.out.format, &out, || {
        listings::clv_predictions(&out)
    })
}

fn diagnose(a: &DiagnoseArgs) -> CliResult<()> {
    let cols = a.tx_columns.columns_amount_optional();
    let loaded = load_transactions(&a.transactions, &cols, &a.input.read())?;
    report_skipped(&loaded.skipped);
    let tx = &loaded.transactions;
    let last = tx.iter().map(|t| t.date()).max();
    let holdout_end = a.holdout_end.or(last).unwrap_or(a.calibration_end);
    let opts = DiagnosticsOptions::new(a.calibration_end, holdout_end, a.unit);
    let (fit, d) = a
        .model
        .fit_and_diagnose(tx, &opts, &FitOptions::default())?;
    if let Some(dir) = &a.tables {
        std::fs::create_dir_all(dir).map_err(CliError::io(dir))?;
        write_table(&dir.join("tracking.csv"), OutputFormat::Csv, &d.tracking)?;
        write_table(
            &dir.join("conditional.csv"),
            OutputFormat::Csv,
            &d.conditional,
        )?;
        write_table(&dir.join("frequency.csv"), OutputFormat::Csv, &d.frequency)?;
    }
    if let Some(p) = &a.html {
        let html = diagnostics::render_html(&d, fit.unit);
        output::write_with(Some(p), |w| w.write_all(html.as_bytes()))?;
    }
    let json = listings::DiagnosedFit {
        fit: &fit,
        diagnostics: &d,
    };
    output::json_or_text(a.output.as_ref(), a.format == Format::Json, &json, || {
        listings::clv_diagnostics(&fit, &d)
    })
}
