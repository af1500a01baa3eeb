//! Gamma-Gamma spend model as SQL: `crm_gamma_gamma_fit` (aggregate) and
//! `crm_gamma_gamma_spend` (scalar), through `crm_analytics::clv`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crm_analytics::clv::{FitOptions, GammaGamma, Spends};
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

const FIT: &str = "crm_gamma_gamma_fit";
const SPEND: &str = "crm_gamma_gamma_spend";

/// Fields of `crm_gamma_gamma_fit`'s struct: the parameters and the log-likelihood.
pub fn gamma_gamma_fit_fields() -> Fields {
    fields(&[
        ("p", DataType::Float64),
        ("q", DataType::Float64),
        ("gamma", DataType::Float64),
        ("log_likelihood", DataType::Float64),
    ])
}

/// `crm_gamma_gamma_fit(x, monetary [, weight])`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct GammaGammaFitUdaf {
    signature: Signature,
}

impl GammaGammaFitUdaf {
    pub(crate) fn new() -> Self {
        GammaGammaFitUdaf {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

fn list_of(t: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(t, true)))
}

impl AggregateUDFImpl for GammaGammaFitUdaf {
    fn name(&self) -> &str {
        FIT
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(FIT, arg_types, 2, 3)?;
        let names = ["x", "monetary", "weight"];
        arg_types
            .iter()
            .zip(names)
            .map(|(t, n)| numeric(FIT, n, t))
            .collect()
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(gamma_gamma_fit_fields()))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let f =
            |n: &str, t: DataType| Arc::new(Field::new(format_state_name(args.name, n), t, true));
        Ok(vec![
            f("x", list_of(DataType::UInt32)),
            f("monetary", list_of(DataType::Float64)),
            f("weight", list_of(DataType::Float64)),
        ])
    }

    fn accumulator(&self, _acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(GgAcc::default()))
    }
}

/// Weight per distinct repeat buyer `(x, zbar)` with x > 0, keyed by the bits of the (positive)
/// mean spend, so the iteration order is the numeric order whatever the partitioning.
#[derive(Debug, Default)]
struct GgAcc {
    groups: BTreeMap<(u32, u64), f64>,
}

impl GgAcc {
    fn add(&mut self, x: u32, zbar: f64, w: f64) {
        if x > 0 && w != 0.0 {
            *self.groups.entry((x, zbar.to_bits())).or_insert(0.0) += w;
        }
    }
}

/// Checks one `(x, monetary, weight)` row as `Spends::from_slices` does.
fn checked_row(x: f64, zbar: f64, w: f64) -> Result<(u32, f64, f64)> {
    let x = count(FIT, "x", x)?;
    if x > 0 && !(zbar > 0.0 && zbar.is_finite()) {
        return exec_err!(
            "{FIT}: monetary {zbar} (x {x}): the mean repeat transaction value must be finite and > 0 when x > 0"
        );
    }
    if !w.is_finite() || w < 0.0 {
        return exec_err!("{FIT}: weight {w} must be finite and >= 0");
    }
    Ok((x, zbar, w))
}

impl Accumulator for GgAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let cols = values
            .iter()
            .map(|a| as_float64_array(a))
            .collect::<Result<Vec<&Float64Array>>>()?;
        let mut rows = Vec::with_capacity(cols[0].len());
        for i in 0..cols[0].len() {
            if cols.iter().any(|c| c.is_null(i)) {
                continue;
            }
            let w = cols.get(2).map_or(1.0, |c| c.value(i));
            rows.push(checked_row(cols[0].value(i), cols[1].value(i), w)?);
        }
        for (x, z, w) in rows {
            self.add(x, z, w);
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let g = &self.groups;
        let x =
            ListArray::from_iter_primitive::<UInt32Type, _, _>([Some(g.keys().map(|k| Some(k.0)))]);
        let z = ListArray::from_iter_primitive::<Float64Type, _, _>([Some(
            g.keys().map(|k| Some(f64::from_bits(k.1))),
        )]);
        let w = ListArray::from_iter_primitive::<Float64Type, _, _>([Some(
            g.values().map(|w| Some(*w)),
        )]);
        Ok([x, z, w]
            .into_iter()
            .map(|l| ScalarValue::List(Arc::new(l)))
            .collect())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists = states
            .iter()
            .map(|a| as_list_array(a))
            .collect::<Result<Vec<&ListArray>>>()?;
        if lists.len() != 3 {
            return exec_err!("{FIT}: expected 3 state columns, got {}", lists.len());
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
                self.add(x.value(j), rest[0].value(j), rest[1].value(j));
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if self.groups.is_empty() {
            return null_struct(&gamma_gamma_fit_fields());
        }
        let x: Vec<u32> = self.groups.keys().map(|k| k.0).collect();
        let z: Vec<f64> = self.groups.keys().map(|k| f64::from_bits(k.1)).collect();
        let w: Vec<f64> = self.groups.values().copied().collect();
        let data = Spends::from_slices(&x, &z, Some(&w)).or_else(|e| exec_err!("{FIT}: {e}"))?;
        let fit =
            GammaGamma::fit(&data, &FitOptions::default()).or_else(|e| exec_err!("{FIT}: {e}"))?;
        let p = fit.params;
        let f = |v: f64| ScalarValue::Float64(Some(v));
        struct_scalar(
            &gamma_gamma_fit_fields(),
            &[f(p.p), f(p.q), f(p.gamma), f(fit.report.log_likelihood)],
        )
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.groups.len() * (size_of::<(u32, u64)>() + 8 + 16)
    }
}

/// `crm_gamma_gamma_spend(p, q, gamma, x, monetary)`: E[spend per transaction | x, zbar].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct GammaGammaSpend {
    signature: Signature,
}

impl GammaGammaSpend {
    pub(crate) fn new() -> Self {
        GammaGammaSpend {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for GammaGammaSpend {
    fn name(&self) -> &str {
        SPEND
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let names = ["p", "q", "gamma", "x", "monetary"];
        check_arity(SPEND, arg_types, 5, 5)?;
        arg_types
            .iter()
            .zip(names)
            .map(|(t, n)| numeric(SPEND, n, t))
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
        let mut out = Vec::with_capacity(n);
        let mut model: Option<([u64; 3], GammaGamma)> = None;
        for i in 0..n {
            if cols.iter().any(|c| c.is_null(i)) {
                out.push(None);
                continue;
            }
            let v = |k: usize| cols[k].value(i);
            let bits = [v(0).to_bits(), v(1).to_bits(), v(2).to_bits()];
            let m = match model {
                Some((b, m)) if b == bits => m,
                _ => {
                    let m =
                        GammaGamma::new(v(0), v(1), v(2)).or_else(|e| exec_err!("{SPEND}: {e}"))?;
                    model = Some((bits, m));
                    m
                }
            };
            let x = count(SPEND, "x", v(3))?;
            let zbar = v(4);
            match m.expected_spend(x, zbar) {
                Ok(e) => out.push(e),
                Err(e) => return exec_err!("{SPEND}: monetary {zbar} (x {x}): {e}"),
            }
        }
        Ok(ColumnarValue::Array(Arc::new(Float64Array::from(out))))
    }
}
