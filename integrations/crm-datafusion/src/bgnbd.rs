//! BG/NBD as SQL: `crm_bgnbd_fit` (aggregate) and `crm_bgnbd_p_alive`, `crm_bgnbd_expected`
//! (scalars), all through `crm_analytics::clv`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crm_analytics::clv::{BgNbd, FitOptions, Histories, History, PurchaseModel};
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

const FIT: &str = "crm_bgnbd_fit";

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

/// `crm_bgnbd_fit(x, t_x, T [, weight])`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct BgNbdFitUdaf {
    signature: Signature,
}

impl BgNbdFitUdaf {
    pub(crate) fn new() -> Self {
        BgNbdFitUdaf {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

fn list_of(t: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(t, true)))
}

impl AggregateUDFImpl for BgNbdFitUdaf {
    fn name(&self) -> &str {
        FIT
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(FIT, arg_types, 3, 4)?;
        let names = ["x", "t_x", "T", "weight"];
        arg_types
            .iter()
            .zip(names)
            .map(|(t, n)| numeric(FIT, n, t))
            .collect()
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(bgnbd_fit_fields()))
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
        Ok(Box::new(FitAcc::default()))
    }
}

/// Weight per distinct history `(x, t_x, T)`, keyed by the bits of the (non-negative) times, so
/// the iteration order is the numeric order whatever the partitioning.
#[derive(Debug, Default)]
struct FitAcc {
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
fn checked_row(x: f64, t_x: f64, t: f64, w: f64) -> Result<(u32, f64, f64, f64)> {
    let x = count(FIT, "x", x)?;
    if let Err(e) = check_history(x, t_x, t) {
        return exec_err!("{FIT}: invalid history (x {x}, t_x {t_x}, T {t}): {e}");
    }
    if !w.is_finite() || w < 0.0 {
        return exec_err!("{FIT}: weight {w} must be finite and >= 0");
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
        if lists.len() != 4 {
            return exec_err!("{FIT}: expected 4 state columns, got {}", lists.len());
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
                return exec_err!("{FIT}: corrupt partial state (list lengths differ)");
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
        if self.groups.is_empty() {
            return null_struct(&bgnbd_fit_fields());
        }
        let rows = self.groups.iter().map(|(k, w)| {
            (
                History::new(k.0, f64::from_bits(k.1), f64::from_bits(k.2)),
                *w,
            )
        });
        let data = Histories::from_weighted(rows).or_else(|e| exec_err!("{FIT}: {e}"))?;
        let fit = BgNbd::fit(&data, &FitOptions::default()).or_else(|e| exec_err!("{FIT}: {e}"))?;
        let p = fit.params;
        let f = |v: f64| ScalarValue::Float64(Some(v));
        struct_scalar(
            &bgnbd_fit_fields(),
            &[
                f(p.r),
                f(p.alpha),
                f(p.a),
                f(p.b),
                f(fit.report.log_likelihood),
            ],
        )
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.groups.len() * (size_of::<(u32, u64, u64)>() + 8 + 16)
    }
}

/// Which BG/NBD prediction a [`BgNbdScalar`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Prediction {
    /// `crm_bgnbd_p_alive(r, alpha, a, b, x, t_x, T)`.
    PAlive,
    /// `crm_bgnbd_expected(r, alpha, a, b, x, t_x, T, t)`.
    Expected,
}

/// A BG/NBD prediction per row.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct BgNbdScalar {
    name: &'static str,
    kind: Prediction,
    signature: Signature,
}

impl BgNbdScalar {
    pub(crate) fn p_alive() -> Self {
        BgNbdScalar {
            name: "crm_bgnbd_p_alive",
            kind: Prediction::PAlive,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
    pub(crate) fn expected() -> Self {
        BgNbdScalar {
            name: "crm_bgnbd_expected",
            kind: Prediction::Expected,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
    fn arg_names(&self) -> &'static [&'static str] {
        match self.kind {
            Prediction::PAlive => &["r", "alpha", "a", "b", "x", "t_x", "T"],
            Prediction::Expected => &["r", "alpha", "a", "b", "x", "t_x", "T", "t"],
        }
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
        let mut model: Option<([u64; 4], BgNbd)> = None;
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
                    let m =
                        BgNbd::new(v(0), v(1), v(2), v(3)).or_else(|e| exec_err!("{name}: {e}"))?;
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
