//! BG/NBD and Pareto/NBD as SQL: `crm_bgnbd_fit`, `crm_pnbd_fit` (aggregates) and
//! `crm_bgnbd_p_alive`, `crm_bgnbd_expected`, `crm_pnbd_p_alive`, `crm_pnbd_expected` (scalars),
//! all through `crm_analytics::clv`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crm_analytics::clv::{BgNbd, FitOptions, Histories, History, ParetoNbd, PurchaseModel};
use crm_analytics::model::check_history;
use datafusion::arrow::array::{Array, ArrayRef, Float64Array, ListArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Float64Type, UInt32Type};
use datafusion::common::cast::{as_float64_array, as_list_array, as_uint32_array};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::util::{check_arity, count, fields, null_struct, numeric, struct_scalar};

/// The count models with a fit aggregate and prediction scalars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CountModel {
    /// BG/NBD (Fader, Hardie & Lee 2005): parameters `r, alpha, a, b`.
    BgNbd,
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987): parameters `r, alpha, s, beta`.
    ParetoNbd,
}

impl CountModel {
    fn fit_name(self) -> &'static str {
        match self {
            CountModel::BgNbd => "crm_bgnbd_fit",
            CountModel::ParetoNbd => "crm_pnbd_fit",
        }
    }
    fn fields(self) -> Fields {
        match self {
            CountModel::BgNbd => bgnbd_fit_fields(),
            CountModel::ParetoNbd => pnbd_fit_fields(),
        }
    }
    /// The parameter names, in the order of the model's `new`.
    pub(crate) fn params(self) -> [&'static str; 4] {
        match self {
            CountModel::BgNbd => ["r", "alpha", "a", "b"],
            CountModel::ParetoNbd => ["r", "alpha", "s", "beta"],
        }
    }
}

/// A validated BG/NBD or Pareto/NBD model.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Model {
    /// BG/NBD.
    BgNbd(BgNbd),
    /// Pareto/NBD.
    ParetoNbd(ParetoNbd),
}

impl Model {
    /// The model of kind `kind` with parameters `p` (in [`CountModel::params`] order).
    pub(crate) fn new(function: &str, kind: CountModel, p: [f64; 4]) -> Result<Self> {
        let m = match kind {
            CountModel::BgNbd => BgNbd::new(p[0], p[1], p[2], p[3]).map(Model::BgNbd),
            CountModel::ParetoNbd => ParetoNbd::new(p[0], p[1], p[2], p[3]).map(Model::ParetoNbd),
        };
        m.or_else(|e| exec_err!("{function}: {e}"))
    }
    /// The native model as a [`PurchaseModel`].
    pub(crate) fn as_dyn(&self) -> &dyn PurchaseModel {
        match self {
            Model::BgNbd(m) => m,
            Model::ParetoNbd(m) => m,
        }
    }
}

/// Fields of `crm_bgnbd_fit`'s struct: the parameters and the log-likelihood at the estimate.
pub fn bgnbd_fit_fields() -> Fields {
    fields(&[
        ("r", DataType::Float64),
        ("alpha", DataType::Float64),
        ("a", DataType::Float64),
        ("b", DataType::Float64),
        ("log_likelihood", DataType::Float64),
    ])
}

/// Fields of `crm_pnbd_fit`'s struct: the parameters and the log-likelihood at the estimate.
pub fn pnbd_fit_fields() -> Fields {
    fields(&[
        ("r", DataType::Float64),
        ("alpha", DataType::Float64),
        ("s", DataType::Float64),
        ("beta", DataType::Float64),
        ("log_likelihood", DataType::Float64),
    ])
}

/// `crm_bgnbd_fit(x, t_x, T [, weight])` and `crm_pnbd_fit(x, t_x, T [, weight])`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct BgNbdFitUdaf {
    model: CountModel,
    signature: Signature,
}

impl BgNbdFitUdaf {
    pub(crate) fn new() -> Self {
        Self::of(CountModel::BgNbd)
    }
    pub(crate) fn pnbd() -> Self {
        Self::of(CountModel::ParetoNbd)
    }
    fn of(model: CountModel) -> Self {
        BgNbdFitUdaf {
            model,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

fn list_of(t: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(t, true)))
}

impl AggregateUDFImpl for BgNbdFitUdaf {
    fn name(&self) -> &str {
        self.model.fit_name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.model.fit_name();
        check_arity(name, arg_types, 3, 4)?;
        let names = ["x", "t_x", "T", "weight"];
        arg_types
            .iter()
            .zip(names)
            .map(|(t, n)| numeric(name, n, t))
            .collect()
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(self.model.fields()))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let f =
            |n: &str, t: DataType| Arc::new(Field::new(format_state_name(args.name, n), t, true));
        Ok(vec![
            f("x", list_of(DataType::UInt32)),
            f("t_x", list_of(DataType::Float64)),
            f("T", list_of(DataType::Float64)),
            f("weight", list_of(DataType::Float64)),
        ])
    }

    fn accumulator(&self, _acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(FitAcc {
            model: self.model,
            groups: BTreeMap::new(),
        }))
    }
}

/// Weight per distinct history `(x, t_x, T)`, keyed by the bits of the (non-negative) times, so
/// the iteration order is the numeric order whatever the partitioning.
#[derive(Debug)]
struct FitAcc {
    model: CountModel,
    groups: BTreeMap<(u32, u64, u64), f64>,
}

fn key(x: u32, t_x: f64, t: f64) -> (u32, u64, u64) {
    // `+ 0.0` turns -0.0 into 0.0 (as the native grouping does).
    (x, (t_x + 0.0).to_bits(), (t + 0.0).to_bits())
}

impl FitAcc {
    fn add(&mut self, x: u32, t_x: f64, t: f64, w: f64) {
        if w != 0.0 {
            *self.groups.entry(key(x, t_x, t)).or_insert(0.0) += w;
        }
    }
}

/// Checks one `(x, t_x, T, weight)` row as the native fit does.
fn checked_row(name: &str, x: f64, t_x: f64, t: f64, w: f64) -> Result<(u32, f64, f64, f64)> {
    let x = count(name, "x", x)?;
    if let Err(e) = check_history(x, t_x, t) {
        return exec_err!("{name}: invalid history (x {x}, t_x {t_x}, T {t}): {e}");
    }
    if !w.is_finite() || w < 0.0 {
        return exec_err!("{name}: weight {w} must be finite and >= 0");
    }
    Ok((x, t_x, t, w))
}

impl Accumulator for FitAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let cols = values
            .iter()
            .map(|a| as_float64_array(a))
            .collect::<Result<Vec<&Float64Array>>>()?;
        // Validate the whole batch first, so that an error leaves the state unchanged.
        let mut rows = Vec::with_capacity(cols[0].len());
        for i in 0..cols[0].len() {
            if cols.iter().any(|c| c.is_null(i)) {
                continue;
            }
            let w = cols.get(3).map_or(1.0, |c| c.value(i));
            rows.push(checked_row(
                self.model.fit_name(),
                cols[0].value(i),
                cols[1].value(i),
                cols[2].value(i),
                w,
            )?);
        }
        for (x, t_x, t, w) in rows {
            self.add(x, t_x, t, w);
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let g = &self.groups;
        let x =
            ListArray::from_iter_primitive::<UInt32Type, _, _>([Some(g.keys().map(|k| Some(k.0)))]);
        let t_x = ListArray::from_iter_primitive::<Float64Type, _, _>([Some(
            g.keys().map(|k| Some(f64::from_bits(k.1))),
        )]);
        let t = ListArray::from_iter_primitive::<Float64Type, _, _>([Some(
            g.keys().map(|k| Some(f64::from_bits(k.2))),
        )]);
        let w = ListArray::from_iter_primitive::<Float64Type, _, _>([Some(
            g.values().map(|w| Some(*w)),
        )]);
        Ok([x, t_x, t, w]
            .into_iter()
            .map(|l| ScalarValue::List(Arc::new(l)))
            .collect())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists = states
            .iter()
            .map(|a| as_list_array(a))
            .collect::<Result<Vec<&ListArray>>>()?;
        let name = self.model.fit_name();
        if lists.len() != 4 {
            return exec_err!("{name}: expected 4 state columns, got {}", lists.len());
        }
        for i in 0..lists[0].len() {
            if lists.iter().any(|l| l.is_null(i)) {
                continue;
            }
            let x_values = lists[0].value(i);
            let x = as_uint32_array(&x_values)?;
            let rest = lists[1..]
                .iter()
                .map(|l| l.value(i))
                .collect::<Vec<ArrayRef>>();
            let rest = rest
                .iter()
                .map(|a| as_float64_array(a))
                .collect::<Result<Vec<&Float64Array>>>()?;
            if rest.iter().any(|c| c.len() != x.len()) {
                return exec_err!("{name}: corrupt partial state (list lengths differ)");
            }
            for j in 0..x.len() {
                self.add(
                    x.value(j),
                    rest[0].value(j),
                    rest[1].value(j),
                    rest[2].value(j),
                );
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let name = self.model.fit_name();
        if self.groups.is_empty() {
            return null_struct(&self.model.fields());
        }
        let rows = self.groups.iter().map(|(k, w)| {
            (
                History::new(k.0, f64::from_bits(k.1), f64::from_bits(k.2)),
                *w,
            )
        });
        let data = Histories::from_weighted(rows).or_else(|e| exec_err!("{name}: {e}"))?;
        let options = FitOptions::default();
        let (p, ll) = match self.model {
            CountModel::BgNbd => {
                let fit = BgNbd::fit(&data, &options).or_else(|e| exec_err!("{name}: {e}"))?;
                let p = fit.params;
                ([p.r, p.alpha, p.a, p.b], fit.report.log_likelihood)
            }
            CountModel::ParetoNbd => {
                let fit = ParetoNbd::fit(&data, &options).or_else(|e| exec_err!("{name}: {e}"))?;
                let p = fit.params;
                ([p.r, p.alpha, p.s, p.beta], fit.report.log_likelihood)
            }
        };
        let f = |v: f64| ScalarValue::Float64(Some(v));
        struct_scalar(
            &self.model.fields(),
            &[f(p[0]), f(p[1]), f(p[2]), f(p[3]), f(ll)],
        )
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.groups.len() * (size_of::<(u32, u64, u64)>() + 8 + 16)
    }
}

/// Which BG/NBD prediction a [`BgNbdScalar`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Prediction {
    /// `crm_bgnbd_p_alive(r, alpha, a, b, x, t_x, T)`, `crm_pnbd_p_alive(r, alpha, s, beta, x,
    /// t_x, T)`.
    PAlive,
    /// `crm_bgnbd_expected(r, alpha, a, b, x, t_x, T, t)`, `crm_pnbd_expected(r, alpha, s, beta,
    /// x, t_x, T, t)`.
    Expected,
}

/// A BG/NBD or Pareto/NBD prediction per row.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct BgNbdScalar {
    name: &'static str,
    model: CountModel,
    kind: Prediction,
    signature: Signature,
}

impl BgNbdScalar {
    fn of(name: &'static str, model: CountModel, kind: Prediction) -> Self {
        BgNbdScalar {
            name,
            model,
            kind,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
    pub(crate) fn p_alive() -> Self {
        Self::of("crm_bgnbd_p_alive", CountModel::BgNbd, Prediction::PAlive)
    }
    pub(crate) fn expected() -> Self {
        Self::of(
            "crm_bgnbd_expected",
            CountModel::BgNbd,
            Prediction::Expected,
        )
    }
    pub(crate) fn pnbd_p_alive() -> Self {
        Self::of(
            "crm_pnbd_p_alive",
            CountModel::ParetoNbd,
            Prediction::PAlive,
        )
    }
    pub(crate) fn pnbd_expected() -> Self {
        Self::of(
            "crm_pnbd_expected",
            CountModel::ParetoNbd,
            Prediction::Expected,
        )
    }
    fn arg_names(&self) -> Vec<&'static str> {
        let mut v = self.model.params().to_vec();
        v.extend(["x", "t_x", "T"]);
        if self.kind == Prediction::Expected {
            v.push("t");
        }
        v
    }
}

impl ScalarUDFImpl for BgNbdScalar {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let names = self.arg_names();
        check_arity(self.name, arg_types, names.len(), names.len())?;
        arg_types
            .iter()
            .zip(names)
            .map(|(t, n)| numeric(self.name, n, t))
            .collect()
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let cols = arrays
            .iter()
            .map(|a| as_float64_array(a))
            .collect::<Result<Vec<&Float64Array>>>()?;
        let n = cols.first().map_or(0, |c| c.len());
        let name = self.name;
        let mut out = Vec::with_capacity(n);
        // Rows usually share the parameters: build the model once per distinct set.
        let mut model: Option<([u64; 4], Model)> = None;
        for i in 0..n {
            if cols.iter().any(|c| c.is_null(i)) {
                out.push(None);
                continue;
            }
            let v = |k: usize| cols[k].value(i);
            let bits = [
                v(0).to_bits(),
                v(1).to_bits(),
                v(2).to_bits(),
                v(3).to_bits(),
            ];
            let m = match model {
                Some((b, m)) if b == bits => m,
                _ => {
                    let m = Model::new(name, self.model, [v(0), v(1), v(2), v(3)])?;
                    model = Some((bits, m));
                    m
                }
            };
            let x = count(name, "x", v(4))?;
            let (t_x, t) = (v(5), v(6));
            if let Err(e) = check_history(x, t_x, t) {
                return exec_err!("{name}: invalid history (x {x}, t_x {t_x}, T {t}): {e}");
            }
            let h = History::new(x, t_x, t);
            let m = m.as_dyn();
            out.push(Some(match self.kind {
                Prediction::PAlive => m.p_alive(&h),
                Prediction::Expected => {
                    let horizon = v(7);
                    if !horizon.is_finite() || horizon < 0.0 {
                        return exec_err!("{name}: horizon t {horizon} must be finite and >= 0");
                    }
                    m.conditional_expected_purchases(horizon, &h)
                }
            }));
        }
        Ok(ColumnarValue::Array(Arc::new(Float64Array::from(out))))
    }
}
