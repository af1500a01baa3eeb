//! `crm clv fit` and `crm clv predict`: probabilistic customer-base models.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use crm_analytics::clv::{
    BgBb, BgNbd, ClvError, ClvOptions, FitOptions, FitReport, Fitted, GammaGamma, Histories,
    History, MbgNbd, ParetoNbd, Prediction, PurchaseModel, Spends, predict_clv_batch, unit_ratio,
};
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::{SummaryOptions, TimeUnit, summarize};
use serde::Serialize;
use serde_json::Value;

use crate::args::{InputOptions, TransactionColumns, report_skipped};
use crate::cmd::summary::{Unit, parse_day};
use crate::error::{CliError, CliResult};
use crate::output::{self, Format};
use crm_analytics::io::{IoError, Skipped, Table, load_transactions};

/// `crm clv` subcommands.
#[derive(Debug, Subcommand)]
pub enum ClvCommand {
    /// Fit a model by maximum likelihood; prints parameters, standard errors and the fit report.
    Fit(FitArgs),
    /// Per-customer predictions from fitted parameters: P(alive), expected purchases,
    /// P(no purchase), expected spend and CLV.
    Predict(PredictArgs),
}

/// Arguments of `crm clv`.
#[derive(Debug, Args)]
pub struct ClvArgs {
    #[command(subcommand)]
    pub command: ClvCommand,
}

/// Which model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Model {
    /// BG/NBD (Fader, Hardie & Lee 2005).
    Bgnbd,
    /// MBG/NBD (Batislam et al. 2007).
    Mbgnbd,
    /// Pareto/NBD (Schmittlein et al. 1987).
    Pnbd,
    /// BG/BB for discrete opportunities (Fader, Hardie & Shang 2010).
    Bgbb,
    /// Gamma-Gamma spend model (Fader & Hardie 2013).
    Gg,
}

impl Model {
    fn name(self) -> &'static str {
        match self {
            Model::Bgnbd => "bgnbd",
            Model::Mbgnbd => "mbgnbd",
            Model::Pnbd => "pnbd",
            Model::Bgbb => "bgbb",
            Model::Gg => "gg",
        }
    }
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

/// Arguments of `crm clv fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Model to fit.
    #[arg(long, value_enum)]
    pub model: Model,
    /// Summary file with columns x,t_x,T (zbar for gg; weights optional).
    #[arg(
        long,
        conflicts_with = "transactions",
        required_unless_present = "transactions"
    )]
    pub summary: Option<PathBuf>,
    /// Transaction file (summarised up to --calibration-end first).
    #[arg(long, requires = "calibration_end")]
    pub transactions: Option<PathBuf>,
    /// Last day of the calibration window (with --transactions), YYYY-MM-DD.
    #[arg(long, value_parser = parse_day)]
    pub calibration_end: Option<NaiveDate>,
    #[command(flatten)]
    pub tx_columns: TransactionColumns,
    #[command(flatten)]
    pub columns: SummaryColumns,
    /// Time unit of t_x and T when summarising transactions (a summary file is taken as is).
    #[arg(long, value_enum, default_value = "week")]
    pub unit: Unit,
    /// L2 penalty on the parameters (0 = plain maximum likelihood).
    #[arg(long, default_value_t = 0.0)]
    pub penalty: f64,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
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
    #[arg(long, value_enum)]
    pub model: Model,
    /// Parameters: the JSON written by `crm clv fit`.
    #[arg(long)]
    pub params: PathBuf,
    /// Gamma-Gamma parameters (JSON of `crm clv fit --model gg`) for expected spend and CLV.
    #[arg(long)]
    pub spend_params: Option<PathBuf>,
    /// Summary file (columns customer_id, x, t_x, T, and zbar for spend).
    #[arg(
        long,
        conflicts_with = "transactions",
        required_unless_present = "transactions"
    )]
    pub summary: Option<PathBuf>,
    /// Transaction file (summarised up to --calibration-end first; amounts are only needed
    /// with --spend-params).
    #[arg(long, requires = "calibration_end")]
    pub transactions: Option<PathBuf>,
    /// Last day of the calibration window (with --transactions), YYYY-MM-DD.
    #[arg(long, value_parser = parse_day)]
    pub calibration_end: Option<NaiveDate>,
    #[command(flatten)]
    pub tx_columns: TransactionColumns,
    #[command(flatten)]
    pub columns: SummaryColumns,
    /// Prediction horizon in the model's time unit (opportunities for bgbb).
    #[arg(long)]
    pub horizon: f64,
    /// Discount rate per --discount-unit period for CLV (0 = undiscounted).
    #[arg(long, default_value_t = 0.0)]
    pub discount_rate: f64,
    /// Time unit of the data and parameters.
    #[arg(long, value_enum, default_value = "week")]
    pub unit: Unit,
    /// Period of the discount rate (default: the model unit).
    #[arg(long, value_enum)]
    pub discount_unit: Option<Unit>,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// Write to this file instead of stdout (a `.parquet` name writes a Parquet table).
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
    }
}

/// One parsed summary row.
struct SummaryRow {
    id: String,
    line: u64,
    x: u32,
    t_x: f64,
    t: f64,
    zbar: Option<f64>,
    w: f64,
}

fn find(table: &Table, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| table.column(n).ok())
}

fn read_summary(
    path: &Path,
    cols: &SummaryColumns,
    opts: &InputOptions,
    need_history: bool,
    need_zbar: bool,
) -> CliResult<(Vec<SummaryRow>, Skipped)> {
    let mut table = Table::open(path, &opts.read())?;
    let req = |names: &[&str], what: &str| {
        find(&table, names).ok_or_else(|| {
            IoError::input(
                path,
                Some(1),
                Some(names[0]),
                format!(
                    "no {what} column (tried {}); name it with a flag",
                    names.join(", ")
                ),
            )
        })
    };
    let xi = req(&[&cols.x_column, "frequency"], "repeat-purchase")?;
    let (txi, ti) = if need_history {
        (
            Some(req(&[&cols.tx_column, "recency"], "recency")?),
            Some(req(&[&cols.t_column, "age", "periods"], "age")?),
        )
    } else {
        (None, None)
    };
    let zi = if need_zbar {
        Some(req(
            &[&cols.zbar_column, "monetary", "monetary_value"],
            "zbar",
        )?)
    } else {
        find(&table, &[&cols.zbar_column, "monetary", "monetary_value"])
    };
    let wi = find(&table, &[&cols.weights_column, "weight", "count"]);
    let ii = find(&table, &[&cols.id_column, "id"]);
    let names = (
        cols.x_column.clone(),
        cols.tx_column.clone(),
        cols.t_column.clone(),
        cols.zbar_column.clone(),
        cols.weights_column.clone(),
    );
    let mut rows = Vec::new();
    let mut n = 0u64;
    let skipped = table.for_each_record(|row| {
        n += 1;
        let err = |col: &str, msg: String| IoError::input(path, Some(row.line), Some(col), msg);
        let num = |i: usize, col: &str| -> Result<f64, IoError> {
            let s = row.get(i);
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| err(col, format!("cannot parse {s:?} as a finite number")))
        };
        let parsed = (|| {
            let xs = row.get(xi);
            let xf = num(xi, &names.0)?;
            if xf < 0.0 || xf.fract() != 0.0 || xf > f64::from(u32::MAX) {
                return Err(err(&names.0, format!("{xs:?} is not a whole number >= 0")));
            }
            let x = xf as u32;
            let t_x = txi.map(|i| num(i, &names.1)).transpose()?.unwrap_or(0.0);
            let t = ti.map(|i| num(i, &names.2)).transpose()?.unwrap_or(0.0);
            if need_history {
                History::new(x, t_x, t).check(0).map_err(|e| match e {
                    ClvError::InvalidRecord {
                        field,
                        value,
                        reason,
                        ..
                    } => {
                        let col = if field == "T" { &names.2 } else { &names.1 };
                        err(col, format!("{field} = {value}: {reason}"))
                    }
                    other => err(&names.0, other.to_string()),
                })?;
            }
            let zbar = zi.map(|i| num(i, &names.3)).transpose()?;
            let w = wi.map(|i| num(i, &names.4)).transpose()?.unwrap_or(1.0);
            if w < 0.0 {
                return Err(err(&names.4, format!("weight {w} is negative")));
            }
            let id = ii.map_or_else(|| n.to_string(), |i| row.get(i).to_string());
            Ok(SummaryRow {
                id,
                line: row.line,
                x,
                t_x,
                t,
                zbar,
                w,
            })
        })();
        rows.push(parsed?);
        Ok(())
    })?;
    Ok((rows, skipped))
}

fn lib(e: ClvError) -> CliError {
    CliError::Library(e.to_string())
}

/// Parameters by name, serialised in the model's order (r, alpha, a, b, ...).
struct Named(Vec<(&'static str, f64)>);

impl Serialize for Named {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[derive(Serialize)]
struct FitJson {
    model: &'static str,
    params: Named,
    log_likelihood: f64,
    standard_errors: Option<Named>,
    iterations: u64,
    converged: bool,
    customers: f64,
    gradient_norm: f64,
    penalty: f64,
    unit: &'static str,
}

fn named(names: &[&'static str], v: &[f64]) -> Named {
    Named(names.iter().copied().zip(v.iter().copied()).collect())
}

fn fit_json<P>(
    model: Model,
    names: &[&'static str],
    fitted: &Fitted<P>,
    to_vec: impl Fn(&P) -> Vec<f64>,
    unit: &'static str,
) -> FitJson {
    let r: &FitReport = &fitted.report;
    FitJson {
        model: model.name(),
        params: named(names, &to_vec(&fitted.params)),
        log_likelihood: r.log_likelihood,
        standard_errors: fitted
            .standard_errors
            .as_ref()
            .map(|s| named(names, &to_vec(s))),
        iterations: r.iterations,
        converged: r.converged,
        customers: r.customers,
        gradient_norm: r.gradient_norm,
        penalty: r.penalty,
        unit,
    }
}

fn unit_name(u: Unit) -> &'static str {
    match u {
        Unit::Day => "day",
        Unit::Week => "week",
        Unit::Month => "month",
    }
}

/// Summary rows (unit `unit`, up to `end`) of a transaction file. Count models need no amounts:
/// the amount column is read when present; `need_amounts` names what needs it otherwise.
fn summary_from_transactions(
    path: &Path,
    cols: &TransactionColumns,
    input: &InputOptions,
    end: NaiveDate,
    unit: Unit,
    need_amounts: Option<&str>,
) -> CliResult<(Vec<SummaryRow>, Skipped)> {
    let loaded = load_transactions(path, &cols.columns_amount_optional(), &input.read())?;
    if let (Some(what), false) = (need_amounts, loaded.has_amounts) {
        return Err(CliError::input(
            path,
            Some(1),
            Some(&cols.amount_column),
            format!("{what}: it needs an amount column, and the file has none"),
        ));
    }
    let opts = SummaryOptions::new(end, TimeUnit::from(unit))
        .late_events(crm_analytics::model::LateEvents::Exclude);
    let s = summarize(&loaded.transactions, &opts).map_err(|e| CliError::Library(e.to_string()))?;
    let rows = s
        .customers
        .iter()
        .map(|c| SummaryRow {
            id: loaded
                .ids
                .id(c.customer)
                .map_or_else(String::new, ToString::to_string),
            line: 0,
            x: c.frequency,
            t_x: c.recency,
            t: c.age,
            zbar: c
                .monetary
                .filter(|_| loaded.has_amounts)
                .map(crm_analytics::model::to_f64),
            w: 1.0,
        })
        .collect();
    Ok((rows, loaded.skipped))
}

fn fit(a: &FitArgs) -> CliResult<()> {
    let (rows, skipped) = match (&a.summary, &a.transactions) {
        (Some(p), _) => read_summary(
            p,
            &a.columns,
            &a.input,
            a.model != Model::Gg,
            a.model == Model::Gg,
        )?,
        (None, Some(p)) => {
            let end = a
                .calibration_end
                .ok_or_else(|| CliError::Usage("--transactions needs --calibration-end".into()))?;
            let need = (a.model == Model::Gg).then_some("Gamma-Gamma models spend");
            summary_from_transactions(p, &a.tx_columns, &a.input, end, a.unit, need)?
        }
        (None, None) => {
            return Err(CliError::Usage(
                "give --summary FILE or --transactions FILE --calibration-end DATE".into(),
            ));
        }
    };
    report_skipped(&skipped);
    let opts = FitOptions::default().penalty(a.penalty);
    let unit = unit_name(a.unit);
    let histories = || {
        Histories::from_weighted(rows.iter().map(|r| (History::new(r.x, r.t_x, r.t), r.w)))
            .map_err(lib)
    };
    let out = match a.model {
        Model::Bgnbd => {
            let f = BgNbd::fit(&histories()?, &opts).map_err(lib)?;
            fit_json(a.model, &BgNbd::NAMES, &f, BgNbd::to_vec, unit)
        }
        Model::Mbgnbd => {
            let f = MbgNbd::fit(&histories()?, &opts).map_err(lib)?;
            fit_json(a.model, &MbgNbd::NAMES, &f, MbgNbd::to_vec, unit)
        }
        Model::Pnbd => {
            let f = ParetoNbd::fit(&histories()?, &opts).map_err(lib)?;
            fit_json(a.model, &ParetoNbd::NAMES, &f, ParetoNbd::to_vec, unit)
        }
        Model::Bgbb => {
            let f = BgBb::fit(&histories()?, &opts).map_err(lib)?;
            fit_json(a.model, &BgBb::NAMES, &f, BgBb::to_vec, "opportunity")
        }
        Model::Gg => {
            let x: Vec<u32> = rows.iter().map(|r| r.x).collect();
            let z: Vec<f64> = rows.iter().map(|r| r.zbar.unwrap_or(0.0)).collect();
            let w: Vec<f64> = rows.iter().map(|r| r.w).collect();
            let spends = Spends::from_slices(&x, &z, Some(&w)).map_err(|e| match e {
                ClvError::InvalidRecord {
                    index,
                    field,
                    value,
                    reason,
                } => CliError::input(
                    a.summary.as_deref().unwrap_or(Path::new("<transactions>")),
                    rows.get(index).map(|r| r.line).filter(|l| *l > 0),
                    Some(&a.columns.zbar_column),
                    format!("{field} = {value}: {reason}"),
                ),
                other => lib(other),
            })?;
            let f = GammaGamma::fit(&spends, &opts).map_err(lib)?;
            fit_json(a.model, &GammaGamma::NAMES, &f, GammaGamma::to_vec, unit)
        }
    };
    let out_path = a.output.as_ref();
    let mut w = output::open(out_path)?;
    let werr = output::write_err(out_path);
    match a.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut w, &out).map_err(|e| werr(e.into()))?;
            writeln!(w).map_err(&werr)?;
        }
        Format::Csv | Format::Table => {
            let body: Vec<Vec<String>> = out
                .params
                .0
                .iter()
                .enumerate()
                .map(|(i, (k, v))| {
                    let se = out
                        .standard_errors
                        .as_ref()
                        .and_then(|s| s.0.get(i))
                        .map_or_else(|| "-".into(), |s| output::num(s.1, 6));
                    vec![(*k).to_string(), output::num(*v, 6), se]
                })
                .collect();
            let mut text = format!("model {}  (time unit: {})\n", out.model, out.unit);
            text.push_str(&output::table(
                &["parameter", "estimate", "std_error"],
                &body,
            ));
            text.push_str(&format!(
                "log-likelihood {:.4}  iterations {}  gradient norm {:.2e}  converged {}  customers {}\n",
                out.log_likelihood, out.iterations, out.gradient_norm, out.converged, out.customers
            ));
            w.write_all(text.as_bytes()).map_err(&werr)?;
        }
    }
    w.flush().map_err(&werr)?;
    Ok(())
}

/// Reads the parameters of `model` from a `crm clv fit` JSON file.
fn read_params(path: &Path, model: Model, names: &[&str]) -> CliResult<Vec<f64>> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        IoError::input(
            path,
            Some(e.line() as u64),
            None,
            format!("invalid JSON: {e}"),
        )
    })?;
    if let Some(m) = v.get("model").and_then(Value::as_str) {
        if m != model.name() {
            return Err(CliError::input(
                path,
                None,
                Some("model"),
                format!("parameters are for model {m:?}, not {:?}", model.name()),
            ));
        }
    }
    let params = v.get("params").unwrap_or(&v);
    names
        .iter()
        .map(|n| {
            params.get(*n).and_then(Value::as_f64).ok_or_else(|| {
                CliError::input(path, None, Some(n), "missing or not a number in \"params\"")
            })
        })
        .collect()
}

#[derive(Serialize)]
struct PredRow {
    customer_id: String,
    p_alive: f64,
    expected_purchases: f64,
    p_no_purchase: f64,
    expected_spend: Option<f64>,
    clv: Option<f64>,
}

fn predict(a: &PredictArgs) -> CliResult<()> {
    if a.horizon.is_nan() || a.horizon <= 0.0 || a.horizon.is_infinite() {
        return Err(CliError::Usage(format!(
            "--horizon {} must be > 0",
            a.horizon
        )));
    }
    let model_unit = TimeUnit::from(a.unit);
    let period = unit_ratio(
        a.discount_unit.map_or(model_unit, TimeUnit::from),
        model_unit,
    );
    let clv_opts = ClvOptions::new(a.horizon, a.discount_rate, period)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let gg = a
        .spend_params
        .as_ref()
        .map(|p| {
            let v = read_params(p, Model::Gg, &GammaGamma::NAMES)?;
            GammaGamma::new(v[0], v[1], v[2])
                .map_err(|e| CliError::input(p, None, None, e.to_string()))
        })
        .transpose()?;
    let (rows, skipped) = match (&a.summary, &a.transactions, a.calibration_end) {
        (Some(p), _, _) => read_summary(p, &a.columns, &a.input, true, gg.is_some())?,
        (None, Some(p), Some(end)) => {
            let need = gg.is_some().then_some("CLV (--spend-params) needs spend");
            summary_from_transactions(p, &a.tx_columns, &a.input, end, a.unit, need)?
        }
        _ => {
            return Err(CliError::Usage(
                "give --summary FILE or --transactions FILE --calibration-end DATE".into(),
            ));
        }
    };
    report_skipped(&skipped);
    let perr = |e: ClvError| IoError::input(&a.params, None, None, e.to_string());
    let out = match a.model {
        Model::Bgnbd => {
            let v = read_params(&a.params, a.model, &BgNbd::NAMES)?;
            let m = BgNbd::new(v[0], v[1], v[2], v[3]).map_err(perr)?;
            predict_rows(&m, a, gg.as_ref(), &rows, &clv_opts)
        }
        Model::Mbgnbd => {
            let v = read_params(&a.params, a.model, &MbgNbd::NAMES)?;
            let m = MbgNbd::new(v[0], v[1], v[2], v[3]).map_err(perr)?;
            predict_rows(&m, a, gg.as_ref(), &rows, &clv_opts)
        }
        Model::Pnbd => {
            let v = read_params(&a.params, a.model, &ParetoNbd::NAMES)?;
            let m = ParetoNbd::new(v[0], v[1], v[2], v[3]).map_err(perr)?;
            predict_rows(&m, a, gg.as_ref(), &rows, &clv_opts)
        }
        Model::Bgbb => {
            let v = read_params(&a.params, a.model, &BgBb::NAMES)?;
            let m = BgBb::new(v[0], v[1], v[2], v[3]).map_err(perr)?;
            return predict_bgbb(a, &m, gg.as_ref(), &rows);
        }
        Model::Gg => {
            return Err(CliError::Usage(
                "predict needs a purchase model (bgnbd, mbgnbd, pnbd, bgbb); pass Gamma-Gamma parameters with --spend-params".into(),
            ));
        }
    };
    write_predictions(a, &out)
}

/// Per-customer predictions of a continuous-time model (batched on all cores; with spend
/// parameters, the CLV per unit of spend comes from the same batch).
fn predict_rows<M: PurchaseModel + Sync>(
    m: &M,
    a: &PredictArgs,
    gg: Option<&GammaGamma>,
    rows: &[SummaryRow],
    clv_opts: &ClvOptions,
) -> Vec<PredRow> {
    let hs: Vec<History> = rows.iter().map(|r| History::new(r.x, r.t_x, r.t)).collect();
    let preds: Vec<(Prediction, Option<f64>)> = if gg.is_some() {
        predict_clv_batch(m, &hs, clv_opts)
            .into_iter()
            .map(|c| (c.prediction, Some(c.clv_per_spend)))
            .collect()
    } else {
        m.predict_batch(&hs, a.horizon)
            .into_iter()
            .map(|p| (p, None))
            .collect()
    };
    rows.iter()
        .zip(preds)
        .map(|(r, (p, clv_per_spend))| {
            let spend = gg.and_then(|g| g.conditional_expected_spend(r.x, r.zbar.unwrap_or(0.0)));
            PredRow {
                customer_id: r.id.clone(),
                p_alive: p.p_alive,
                expected_purchases: p.expected_purchases,
                p_no_purchase: p.p_no_purchase,
                expected_spend: spend,
                clv: spend.and_then(|s| clv_per_spend.map(|c| s * c)),
            }
        })
        .collect()
}

fn predict_bgbb(
    a: &PredictArgs,
    m: &BgBb,
    gg: Option<&GammaGamma>,
    rows: &[SummaryRow],
) -> CliResult<()> {
    if a.horizon.fract() != 0.0 || a.horizon > f64::from(u32::MAX) {
        return Err(CliError::Usage(format!(
            "--horizon {} must be a whole number of opportunities for bgbb",
            a.horizon
        )));
    }
    let n_star = a.horizon as u32;
    let out: Vec<PredRow> = rows
        .iter()
        .map(|r| {
            let h = History::new(r.x, r.t_x, r.t);
            let spend = gg.and_then(|g| g.conditional_expected_spend(r.x, r.zbar.unwrap_or(0.0)));
            // CLV: one discounting period per opportunity.
            // (bounded work for any horizon: no loop over the opportunities here).
            let clv =
                spend.map(|s| s * m.discounted_expected_transactions(n_star, a.discount_rate, &h));
            PredRow {
                customer_id: r.id.clone(),
                p_alive: m.p_alive(&h),
                expected_purchases: m.conditional_expected_transactions(n_star, &h),
                p_no_purchase: m.p_no_purchase(n_star, &h),
                expected_spend: spend,
                clv,
            }
        })
        .collect();
    write_predictions(a, &out)
}

fn write_predictions(a: &PredictArgs, out: &[PredRow]) -> CliResult<()> {
    if output::parquet(a.output.as_ref(), out)? {
        return Ok(());
    }
    let out_path = a.output.as_ref();
    let mut w = output::open(out_path)?;
    let werr = output::write_err(out_path);
    match a.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut w, out).map_err(|e| werr(e.into()))?;
            writeln!(w).map_err(&werr)?;
        }
        Format::Csv => {
            let mut cw = csv::Writer::from_writer(&mut w);
            for r in out {
                cw.serialize(r).map_err(|e| werr(e.into()))?;
            }
            cw.flush().map_err(&werr)?;
        }
        Format::Table => {
            let opt = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| output::num(v, 2));
            let body: Vec<Vec<String>> = out
                .iter()
                .map(|r| {
                    vec![
                        r.customer_id.clone(),
                        output::num(r.p_alive, 4),
                        output::num(r.expected_purchases, 4),
                        output::num(r.p_no_purchase, 4),
                        opt(r.expected_spend),
                        opt(r.clv),
                    ]
                })
                .collect();
            let header = [
                "customer_id",
                "p_alive",
                "expected_purchases",
                "p_no_purchase",
                "expected_spend",
                "clv",
            ];
            w.write_all(output::table(&header, &body).as_bytes())
                .map_err(&werr)?;
        }
    }
    w.flush().map_err(&werr)?;
    Ok(())
}
