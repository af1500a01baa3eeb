//! Fitting and predicting by model name, with parameters saved as JSON: the round trip of
//! `crm clv fit` (a [`FitSummary`]) and `crm clv predict` ([`ModelKind::params_from_json`],
//! [`PurchaseParams::predict`]).
//!
//! The inputs are [`SummaryInput`] rows (one customer's x, t_x, T, mean spend and weight), as a
//! summary file or a transaction summary gives them.

use serde::Serialize;
use serde::ser::SerializeMap;

use crm_model::{LateEvents, Named, SummaryOptions, TimeUnit, Transaction, summarize};

use crate::bgbb::BgBb;
use crate::bgnbd::BgNbd;
use crate::clv::predict_clv_batch;
use crate::data::{Histories, History};
use crate::diagnostics::{Diagnostics, DiagnosticsOptions, diagnose};
use crate::discount::ClvOptions;
use crate::error::{ClvError, Result};
use crate::gamma_gamma::{GammaGamma, Spends};
use crate::mbgnbd::MbgNbd;
use crate::optim::{Covariance, FitOptions, Fitted};
use crate::pareto::ParetoNbd;
use crate::purchase::{Prediction, PurchaseModel};

/// The JSON of a `crm clv fit` file, its syntax errors as [`ClvError::ParamsFile`] with the
/// line.
fn parse_fit_json(text: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| ClvError::ParamsFile {
        line: Some(e.line() as u64),
        field: None,
        message: format!("invalid JSON: {e}"),
    })
}

/// A model by name: the four purchase models and the Gamma-Gamma spend model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelKind {
    /// BG/NBD (Fader, Hardie & Lee 2005), `"bgnbd"`.
    BgNbd,
    /// MBG/NBD (Batislam et al. 2007), `"mbgnbd"`.
    MbgNbd,
    /// Pareto/NBD (Schmittlein et al. 1987), `"pnbd"`.
    ParetoNbd,
    /// BG/BB for discrete opportunities (Fader, Hardie & Shang 2010), `"bgbb"`.
    BgBb,
    /// Gamma-Gamma spend model (Fader & Hardie 2013), `"gg"`.
    GammaGamma,
}

impl crm_model::Named for ModelKind {
    const CHOICES: &'static [crm_model::Choice<Self>] = &[
        crm_model::Choice::new(
            "bgnbd",
            ModelKind::BgNbd,
            "BG/NBD (Fader, Hardie & Lee 2005).",
        ),
        crm_model::Choice::new(
            "mbgnbd",
            ModelKind::MbgNbd,
            "MBG/NBD (Batislam et al. 2007).",
        ),
        crm_model::Choice::new(
            "pnbd",
            ModelKind::ParetoNbd,
            "Pareto/NBD (Schmittlein et al. 1987).",
        ),
        crm_model::Choice::new(
            "bgbb",
            ModelKind::BgBb,
            "BG/BB for discrete opportunities (Fader, Hardie & Shang 2010).",
        ),
        crm_model::Choice::new(
            "gg",
            ModelKind::GammaGamma,
            "Gamma-Gamma spend model (Fader & Hardie 2013).",
        ),
    ];
}

impl ModelKind {
    /// Fits this purchase model on the calibration window of `tx` (purchases up to
    /// `options.calibration_end`, summarised in `options.unit` with `options.same_day`) and
    /// returns the fit with its [`diagnose`] diagnostics over the holdout window.
    ///
    /// # Errors
    /// Gamma-Gamma or BG/BB ([`ClvError::InvalidParameter`]); the summary's, the fit's and
    /// [`diagnose`]'s errors.
    pub fn fit_and_diagnose(
        self,
        tx: &[Transaction],
        options: &DiagnosticsOptions,
        fit: &FitOptions,
    ) -> Result<(FitSummary, Diagnostics)> {
        if matches!(self, ModelKind::GammaGamma | ModelKind::BgBb) {
            return Err(ClvError::InvalidParameter {
                name: "model",
                value: f64::NAN,
                reason: "diagnostics need a continuous-time purchase model: bgnbd, mbgnbd or pnbd",
            });
        }
        let summary = SummaryOptions::new(options.calibration_end, options.unit)
            .same_day(options.same_day)
            .late_events(LateEvents::Exclude);
        let rows: Vec<SummaryInput> = summarize(tx, &summary)?
            .customers
            .iter()
            .map(|c| SummaryInput::new(c.frequency, c.recency, c.age))
            .collect();
        let fitted = self.fit(&rows, fit, options.unit)?;
        let values: Vec<f64> = fitted.params.0.iter().map(|p| p.1).collect();
        let d = self.purchase_model(&values)?.diagnose(tx, options)?;
        Ok((fitted, d))
    }

    /// The parameter names in the model's order (e.g. `r, alpha, a, b` for BG/NBD).
    pub fn param_names(self) -> &'static [&'static str] {
        match self {
            ModelKind::BgNbd => &BgNbd::NAMES,
            ModelKind::MbgNbd => &MbgNbd::NAMES,
            ModelKind::ParetoNbd => &ParetoNbd::NAMES,
            ModelKind::BgBb => &BgBb::NAMES,
            ModelKind::GammaGamma => &GammaGamma::NAMES,
        }
    }

    /// Fits the model to `rows` and summarises the fit. Purchase models use x, t_x, T and the
    /// weights; Gamma-Gamma uses x, the mean spend (`zbar`, 0 when absent) and the weights.
    /// `unit` is the time unit of t_x and T, recorded in the summary (BG/BB records
    /// `"opportunity"`).
    ///
    /// ```
    /// use crm_analytics::clv::{FitOptions, ModelKind, SummaryInput};
    /// use crm_analytics::model::TimeUnit;
    /// let rows: Vec<SummaryInput> = (0..400)
    ///     .map(|i| SummaryInput::new(i % 5, if i % 5 == 0 { 0.0 } else { 20.0 + (i % 7) as f64 }, 39.0))
    ///     .collect();
    /// let fit = ModelKind::BgNbd.fit(&rows, &FitOptions::default(), TimeUnit::Week)?;
    /// assert_eq!((fit.model, fit.unit), ("bgnbd", "week"));
    /// assert_eq!(fit.params.0.iter().map(|p| p.0).collect::<Vec<_>>(), ["r", "alpha", "a", "b"]);
    /// # Ok::<(), crm_analytics::clv::ClvError>(())
    /// ```
    ///
    /// # Errors
    /// An invalid row ([`ClvError::InvalidRecord`], `index` = the row's position); the fit's
    /// own errors (degenerate data, no convergence).
    pub fn fit(
        self,
        rows: &[SummaryInput],
        options: &FitOptions,
        unit: TimeUnit,
    ) -> Result<FitSummary> {
        let histories = || Histories::from_weighted(rows.iter().map(|r| (r.history(), r.weight)));
        let unit = unit_name(unit);
        Ok(match self {
            ModelKind::BgNbd => FitSummary::new(
                self,
                &BgNbd::fit(&histories()?, options)?,
                BgNbd::to_vec,
                unit,
            ),
            ModelKind::MbgNbd => FitSummary::new(
                self,
                &MbgNbd::fit(&histories()?, options)?,
                MbgNbd::to_vec,
                unit,
            ),
            ModelKind::ParetoNbd => FitSummary::new(
                self,
                &ParetoNbd::fit(&histories()?, options)?,
                ParetoNbd::to_vec,
                unit,
            ),
            ModelKind::BgBb => FitSummary::new(
                self,
                &BgBb::fit(&histories()?, options)?,
                BgBb::to_vec,
                "opportunity",
            ),
            ModelKind::GammaGamma => {
                let x: Vec<u32> = rows.iter().map(|r| r.x).collect();
                let z: Vec<f64> = rows.iter().map(|r| r.zbar.unwrap_or(0.0)).collect();
                let w: Vec<f64> = rows.iter().map(|r| r.weight).collect();
                let spends = Spends::from_slices(&x, &z, Some(&w))?;
                let f = GammaGamma::fit(&spends, options)?;
                FitSummary::new(self, &f, GammaGamma::to_vec, unit)
            }
        })
    }

    /// Reads this model's parameters from JSON: a [`FitSummary`] (the parameters under
    /// `"params"`; its `"model"`, when present, must be this model) or a bare object of
    /// parameters. Returns them in [`ModelKind::param_names`] order.
    ///
    /// ```
    /// use crm_analytics::clv::ModelKind;
    /// let v = ModelKind::GammaGamma.params_from_json(r#"{"model": "gg", "params": {"p": 6.25, "q": 3.74, "gamma": 15.44}}"#)?;
    /// assert_eq!(v, [6.25, 3.74, 15.44]);
    /// assert!(ModelKind::BgNbd.params_from_json(r#"{"model": "gg", "params": {}}"#).is_err());
    /// # Ok::<(), crm_analytics::clv::ClvError>(())
    /// ```
    ///
    /// # Errors
    /// [`ClvError::ParamsFile`]: invalid JSON (with its line), parameters of another model, or a
    /// parameter that is missing or not a number (naming it).
    pub fn params_from_json(self, text: &str) -> Result<Vec<f64>> {
        use serde_json::Value;
        let v = parse_fit_json(text)?;
        if let Some(m) = v.get("model").and_then(Value::as_str) {
            if m != self.name() {
                return Err(ClvError::ParamsFile {
                    line: None,
                    field: Some("model".into()),
                    message: format!("parameters are for model {m:?}, not {:?}", self.name()),
                });
            }
        }
        let params = v.get("params").unwrap_or(&v);
        self.param_names()
            .iter()
            .map(|n| {
                params
                    .get(*n)
                    .and_then(Value::as_f64)
                    .ok_or_else(|| ClvError::ParamsFile {
                        line: None,
                        field: Some((*n).to_string()),
                        message: "missing or not a number in \"params\"".into(),
                    })
            })
            .collect()
    }

    /// The covariance matrix of the estimates in a `crm clv fit` JSON file (its
    /// `"covariance"`), `None` when the file has none (a fit whose information matrix is not
    /// positive definite, or parameters written by hand).
    ///
    /// # Errors
    /// [`ClvError::ParamsFile`]: invalid JSON, or a covariance that is not a positive
    /// symmetric matrix of this model's size.
    pub fn covariance_from_json(self, text: &str) -> Result<Option<Covariance>> {
        let v = parse_fit_json(text)?;
        let bad = |message: String| ClvError::ParamsFile {
            line: None,
            field: Some("covariance".into()),
            message,
        };
        let Some(c) = v.get("covariance").filter(|c| !c.is_null()) else {
            return Ok(None);
        };
        let rows: Vec<Vec<f64>> =
            serde_json::from_value(c.clone()).map_err(|e| bad(format!("not a matrix: {e}")))?;
        let cov = Covariance::from_rows(&rows).map_err(|e| bad(e.to_string()))?;
        if cov.len() != self.param_names().len() {
            return Err(bad(format!(
                "{} rows for {} parameters",
                cov.len(),
                self.param_names().len()
            )));
        }
        Ok(Some(cov))
    }

    /// The purchase model with parameters `v` (in [`ModelKind::param_names`] order).
    ///
    /// ```
    /// use crm_analytics::clv::ModelKind;
    /// assert!(ModelKind::BgNbd.purchase_model(&[0.24, 4.41, 0.79, 2.43]).is_ok());
    /// assert!(ModelKind::GammaGamma.purchase_model(&[6.25, 3.74, 15.44]).is_err());
    /// ```
    ///
    /// # Errors
    /// [`ClvError::InvalidParameter`] for an out-of-range value;
    /// [`ClvError::LengthMismatch`] when `v` has the wrong length; Gamma-Gamma, which is no
    /// purchase model ([`ClvError::DegenerateData`]).
    pub fn purchase_model(self, v: &[f64]) -> Result<PurchaseParams> {
        let n = self.param_names().len();
        if v.len() != n {
            return Err(ClvError::LengthMismatch {
                what: "parameters",
                found: v.len(),
                expected: n,
            });
        }
        Ok(match self {
            ModelKind::BgNbd => PurchaseParams::BgNbd(BgNbd::new(v[0], v[1], v[2], v[3])?),
            ModelKind::MbgNbd => PurchaseParams::MbgNbd(MbgNbd::new(v[0], v[1], v[2], v[3])?),
            ModelKind::ParetoNbd => {
                PurchaseParams::ParetoNbd(ParetoNbd::new(v[0], v[1], v[2], v[3])?)
            }
            ModelKind::BgBb => PurchaseParams::BgBb(BgBb::new(v[0], v[1], v[2], v[3])?),
            ModelKind::GammaGamma => {
                return Err(ClvError::DegenerateData {
                    model: "gg",
                    reason: "Gamma-Gamma is a spend model, not a purchase model".into(),
                });
            }
        })
    }
}

fn unit_name(u: TimeUnit) -> &'static str {
    match u {
        TimeUnit::Day => "day",
        TimeUnit::Week => "week",
        TimeUnit::Month => "month",
        TimeUnit::Quarter => "quarter",
        TimeUnit::Year => "year",
    }
}

/// One customer's summary as a model input: repeat purchases x, recency t_x, age T (in one time
/// unit), the mean repeat spend (for Gamma-Gamma and CLV) and a weight (customers with this
/// exact row).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryInput {
    /// Repeat purchases.
    pub x: u32,
    /// Time of the last purchase since the first.
    pub t_x: f64,
    /// Age: time since the first purchase.
    pub t: f64,
    /// Mean repeat transaction value, when known.
    pub zbar: Option<f64>,
    /// Weight (1 for one customer).
    pub weight: f64,
}

impl SummaryInput {
    /// A row of weight 1 without spend.
    pub fn new(x: u32, t_x: f64, t: f64) -> Self {
        SummaryInput {
            x,
            t_x,
            t,
            zbar: None,
            weight: 1.0,
        }
    }

    /// The purchase history (x, t_x, T).
    pub fn history(&self) -> History {
        History::new(self.x, self.t_x, self.t)
    }
}

/// Parameters by name, serialised as one JSON object in the model's order.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedParams(pub Vec<(&'static str, f64)>);

impl Serialize for NamedParams {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A fitted model as one record: what `crm clv fit` writes and [`ModelKind::params_from_json`]
/// reads back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitSummary {
    /// [`ModelKind::name`].
    pub model: &'static str,
    /// The estimates.
    pub params: NamedParams,
    /// Log-likelihood at the estimate.
    pub log_likelihood: f64,
    /// Standard errors, when the information matrix is positive definite.
    pub standard_errors: Option<NamedParams>,
    /// The covariance matrix of the estimates (rows and columns in the order of `params`),
    /// with the standard errors: `crm clv predict --interval` draws parameters from it.
    pub covariance: Option<Covariance>,
    /// Optimiser iterations.
    pub iterations: u64,
    /// Whether the convergence test passed.
    pub converged: bool,
    /// Customers (total weight) in the fit.
    pub customers: f64,
    /// Gradient norm at the estimate.
    pub gradient_norm: f64,
    /// L2 penalty used.
    pub penalty: f64,
    /// Time unit of the rate parameters.
    pub unit: &'static str,
}

impl FitSummary {
    fn new<P>(
        kind: ModelKind,
        fitted: &Fitted<P>,
        to_vec: impl Fn(&P) -> Vec<f64>,
        unit: &'static str,
    ) -> Self {
        let names = kind.param_names();
        let named = |v: Vec<f64>| NamedParams(names.iter().copied().zip(v).collect());
        let r = &fitted.report;
        FitSummary {
            model: kind.name(),
            params: named(to_vec(&fitted.params)),
            log_likelihood: r.log_likelihood,
            standard_errors: fitted.standard_errors.as_ref().map(|s| named(to_vec(s))),
            covariance: fitted.covariance,
            iterations: r.iterations,
            converged: r.converged,
            customers: r.customers,
            gradient_norm: r.gradient_norm,
            penalty: r.penalty,
            unit,
        }
    }
}

/// A purchase model with its parameters, chosen at run time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PurchaseParams {
    /// BG/NBD.
    BgNbd(BgNbd),
    /// MBG/NBD.
    MbgNbd(MbgNbd),
    /// Pareto/NBD.
    ParetoNbd(ParetoNbd),
    /// BG/BB (discrete opportunities).
    BgBb(BgBb),
}

/// One customer's predictions from [`PurchaseParams::predict`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct InputPrediction {
    /// P(alive at T).
    pub p_alive: f64,
    /// Expected purchases over the horizon.
    pub expected_purchases: f64,
    /// P(no purchase over the horizon).
    pub p_no_purchase: f64,
    /// Expected spend per purchase (Gamma-Gamma), with a spend model.
    pub expected_spend: Option<f64>,
    /// Expected discounted CLV, with a spend model.
    pub clv: Option<f64>,
}

impl PurchaseParams {
    /// The model and its parameter values (in [`ModelKind::param_names`] order).
    #[must_use]
    pub fn kind_and_values(&self) -> (ModelKind, Vec<f64>) {
        match self {
            PurchaseParams::BgNbd(m) => (ModelKind::BgNbd, m.to_vec()),
            PurchaseParams::MbgNbd(m) => (ModelKind::MbgNbd, m.to_vec()),
            PurchaseParams::ParetoNbd(m) => (ModelKind::ParetoNbd, m.to_vec()),
            PurchaseParams::BgBb(m) => (ModelKind::BgBb, m.to_vec()),
        }
    }

    /// The model diagnostics of these parameters on `tx` ([`diagnose`]).
    ///
    /// # Errors
    /// BG/BB (discrete opportunities: no calendar tracking) as
    /// [`ClvError::InvalidParameter`]; otherwise as [`diagnose`].
    pub fn diagnose(
        &self,
        tx: &[Transaction],
        options: &DiagnosticsOptions,
    ) -> Result<Diagnostics> {
        match self {
            PurchaseParams::BgNbd(m) => diagnose(m, tx, options),
            PurchaseParams::MbgNbd(m) => diagnose(m, tx, options),
            PurchaseParams::ParetoNbd(m) => diagnose(m, tx, options),
            PurchaseParams::BgBb(_) => Err(ClvError::InvalidParameter {
                name: "model",
                value: f64::NAN,
                reason: "diagnostics track calendar time: use bgnbd, mbgnbd or pnbd",
            }),
        }
    }

    /// Per-row predictions over `clv.horizon`: P(alive), expected purchases, P(no purchase);
    /// with a spend model `gg`, the expected spend (from x and `zbar`, 0 when absent) and the CLV
    /// discounted at `clv.discount_rate` per `clv.period`. Continuous-time models run batched
    /// on rayon. For BG/BB the horizon counts opportunities (a whole number) and there is one
    /// discounting period per opportunity.
    ///
    /// ```
    /// use crm_analytics::clv::{ClvOptions, ModelKind, SummaryInput};
    /// let m = ModelKind::BgNbd.purchase_model(&[0.24, 4.41, 0.79, 2.43])?;
    /// let p = m.predict(&[SummaryInput::new(2, 30.4, 38.9)], None, &ClvOptions::new(39.0, 0.0, 1.0)?)?;
    /// assert!(p[0].p_alive > 0.0 && p[0].p_alive < 1.0 && p[0].clv.is_none());
    /// # Ok::<(), crm_analytics::clv::ClvError>(())
    /// ```
    ///
    /// # Errors
    /// BG/BB with a horizon that is not a whole number of opportunities
    /// ([`ClvError::InvalidParameter`]).
    pub fn predict(
        &self,
        rows: &[SummaryInput],
        gg: Option<&GammaGamma>,
        clv: &ClvOptions,
    ) -> Result<Vec<InputPrediction>> {
        let spend = |r: &SummaryInput| {
            gg.and_then(|g| g.conditional_expected_spend(r.x, r.zbar.unwrap_or(0.0)))
        };
        match self {
            PurchaseParams::BgNbd(m) => Ok(predict_continuous(m, rows, gg, clv, spend)),
            PurchaseParams::MbgNbd(m) => Ok(predict_continuous(m, rows, gg, clv, spend)),
            PurchaseParams::ParetoNbd(m) => Ok(predict_continuous(m, rows, gg, clv, spend)),
            PurchaseParams::BgBb(m) => {
                if clv.horizon.fract() != 0.0 || clv.horizon > f64::from(u32::MAX) {
                    return Err(ClvError::InvalidParameter {
                        name: "horizon",
                        value: clv.horizon,
                        reason: "must be a whole number of opportunities for BG/BB",
                    });
                }
                let n_star = clv.horizon as u32;
                Ok(rows
                    .iter()
                    .map(|r| {
                        let h = r.history();
                        let s = spend(r);
                        // One discounting period per opportunity; bounded work for any horizon.
                        let clv = s.map(|s| {
                            s * m.discounted_expected_transactions(n_star, clv.discount_rate, &h)
                        });
                        InputPrediction {
                            p_alive: m.p_alive(&h),
                            expected_purchases: m.conditional_expected_transactions(n_star, &h),
                            p_no_purchase: m.p_no_purchase(n_star, &h),
                            expected_spend: s,
                            clv,
                        }
                    })
                    .collect())
            }
        }
    }
}

/// Batched predictions of a continuous-time model (with a spend model, the CLV per unit of
/// spend comes from the same batch).
fn predict_continuous<M: PurchaseModel + Sync>(
    m: &M,
    rows: &[SummaryInput],
    gg: Option<&GammaGamma>,
    clv: &ClvOptions,
    spend: impl Fn(&SummaryInput) -> Option<f64>,
) -> Vec<InputPrediction> {
    let hs: Vec<History> = rows.iter().map(SummaryInput::history).collect();
    let preds: Vec<(Prediction, Option<f64>)> = if gg.is_some() {
        predict_clv_batch(m, &hs, clv)
            .into_iter()
            .map(|c| (c.prediction, Some(c.clv_per_spend)))
            .collect()
    } else {
        m.predict_batch(&hs, clv.horizon)
            .into_iter()
            .map(|p| (p, None))
            .collect()
    };
    rows.iter()
        .zip(preds)
        .map(|(r, (p, per_spend))| {
            let s = spend(r);
            InputPrediction {
                p_alive: p.p_alive,
                expected_purchases: p.expected_purchases,
                p_no_purchase: p.p_no_purchase,
                expected_spend: s,
                clv: s.and_then(|s| per_spend.map(|c| s * c)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_json() {
        let text =
            r#"{"model": "bgnbd", "params": {"r": 0.24, "alpha": 4.41, "a": 0.79, "b": 2.43}}"#;
        let v = ModelKind::BgNbd.params_from_json(text).unwrap();
        assert_eq!(v, [0.24, 4.41, 0.79, 2.43]);
        // a bare object of parameters is accepted too
        let v = ModelKind::GammaGamma
            .params_from_json(r#"{"p": 1.0, "q": 2.0, "gamma": 3.0}"#)
            .unwrap();
        assert_eq!(v, [1.0, 2.0, 3.0]);
    }

    #[test]
    fn params_file_errors_name_the_problem() {
        let e = ModelKind::BgNbd.params_from_json("{\n\"r\": ").unwrap_err();
        assert!(
            matches!(e, ClvError::ParamsFile { line: Some(2), .. }),
            "{e:?}"
        );
        let e = ModelKind::BgNbd
            .params_from_json(r#"{"model": "pnbd", "params": {}}"#)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "parameters are for model \"pnbd\", not \"bgnbd\""
        );
        let e = ModelKind::BgNbd
            .params_from_json(r#"{"params": {"r": 1, "alpha": "x"}}"#)
            .unwrap_err();
        assert!(matches!(e, ClvError::ParamsFile { field: Some(ref f), .. } if f == "alpha"));
    }

    #[test]
    fn fit_summary_serialises_params_in_model_order() {
        let rows: Vec<SummaryInput> = (0..300)
            .map(|i| {
                let x = i % 4;
                SummaryInput::new(x, if x == 0 { 0.0 } else { 10.0 + f64::from(i % 9) }, 30.0)
            })
            .collect();
        let opts = FitOptions::default().require_convergence(false);
        let f = ModelKind::ParetoNbd
            .fit(&rows, &opts, TimeUnit::Week)
            .unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert!(
            json.starts_with(r#"{"model":"pnbd","params":{"r":"#),
            "{json}"
        );
        assert!(json.contains(r#""unit":"week""#));
        let back = ModelKind::ParetoNbd.params_from_json(&json).unwrap();
        assert_eq!(back, f.params.0.iter().map(|p| p.1).collect::<Vec<_>>());
    }

    #[test]
    fn gamma_gamma_is_no_purchase_model_and_bgbb_needs_whole_horizons() {
        assert!(
            ModelKind::GammaGamma
                .purchase_model(&[1.0, 2.0, 3.0])
                .is_err()
        );
        assert!(ModelKind::BgNbd.purchase_model(&[1.0, 2.0]).is_err());
        let m = ModelKind::BgBb
            .purchase_model(&[1.2, 0.75, 0.66, 2.78])
            .unwrap();
        let rows = [SummaryInput::new(3, 5.0, 6.0)];
        let bad = ClvOptions::new(2.5, 0.0, 1.0).unwrap();
        assert!(m.predict(&rows, None, &bad).is_err());
        let ok = ClvOptions::new(5.0, 0.1, 1.0).unwrap();
        let gg = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
        let mut r = rows[0];
        r.zbar = Some(35.0);
        let p = m.predict(&[r], Some(&gg), &ok).unwrap();
        assert!(p[0].clv.unwrap() > 0.0 && p[0].expected_spend.unwrap() > 0.0);
    }

    #[test]
    fn continuous_predictions_match_the_model() {
        let b = BgNbd::new(0.24, 4.41, 0.79, 2.43).unwrap();
        let rows = [
            SummaryInput::new(2, 30.4, 38.9),
            SummaryInput::new(0, 0.0, 38.9),
        ];
        let opts = ClvOptions::new(39.0, 0.0, 1.0).unwrap();
        let p = PurchaseParams::BgNbd(b)
            .predict(&rows, None, &opts)
            .unwrap();
        for (r, p) in rows.iter().zip(&p) {
            let want = b.predict_batch(&[r.history()], 39.0)[0];
            assert_eq!(p.p_alive, want.p_alive);
            assert_eq!(p.expected_purchases, want.expected_purchases);
            assert_eq!(p.clv, None);
        }
    }
}
