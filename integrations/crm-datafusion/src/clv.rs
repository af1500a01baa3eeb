//! `crm_clv(params, x, t_x, T, spend, horizon [, discount_rate [, period]])`: expected customer
//! lifetime value, `crm_analytics::clv::expected_clv` of a BG/NBD or Pareto/NBD model.

use std::sync::Arc;

use crm_analytics::clv::{ClvOptions, History, expected_clv};
use crm_analytics::model::check_history;
use datafusion::arrow::array::{Array, ArrayRef, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::cast::{as_float64_array, as_struct_array};
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::bgnbd::{CountModel, Model};
use crate::util::{check_arity, count, numeric};

const NAME: &str = "crm_clv";

/// The model a parameter struct describes: fields `r, alpha, a, b` (BG/NBD, as
/// `crm_bgnbd_fit` returns) or `r, alpha, s, beta` (Pareto/NBD, as `crm_pnbd_fit` returns).
fn model_of(t: &DataType) -> Result<CountModel> {
    let DataType::Struct(fields) = t else {
        return plan_err!(
            "{NAME}: params must be the struct of crm_bgnbd_fit or crm_pnbd_fit (fields r, alpha, a, b or r, alpha, s, beta), got {t}"
        );
    };
    let has = |n: &str| {
        fields
            .iter()
            .any(|f| f.name() == n && f.data_type().is_numeric())
    };
    for m in [CountModel::BgNbd, CountModel::ParetoNbd] {
        if m.params().iter().all(|n| has(n)) {
            return Ok(m);
        }
    }
    plan_err!(
        "{NAME}: params must have numeric fields r, alpha, a, b (BG/NBD) or r, alpha, s, beta (Pareto/NBD), got {t}"
    )
}

/// `crm_clv`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ClvUdf {
    signature: Signature,
}

impl ClvUdf {
    pub(crate) fn new() -> Self {
        ClvUdf {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for ClvUdf {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(NAME, arg_types, 6, 8)?;
        model_of(&arg_types[0])?;
        let names = [
            "params",
            "x",
            "t_x",
            "T",
            "spend",
            "horizon",
            "discount_rate",
            "period",
        ];
        let mut out = vec![arg_types[0].clone()];
        for (t, n) in arg_types.iter().zip(names).skip(1) {
            out.push(numeric(NAME, n, t)?);
        }
        Ok(out)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let kind = model_of(arrays[0].data_type())?;
        let params = as_struct_array(&arrays[0])?;
        let mut param_cols: Vec<ArrayRef> = Vec::with_capacity(4);
        for n in kind.params() {
            let Some(c) = params.column_by_name(n) else {
                return exec_err!("{NAME}: params has no field {n}");
            };
            param_cols.push(cast(c, &DataType::Float64)?);
        }
        let p = param_cols
            .iter()
            .map(|a| as_float64_array(a))
            .collect::<Result<Vec<&Float64Array>>>()?;
        let cols = arrays[1..]
            .iter()
            .map(|a| as_float64_array(a))
            .collect::<Result<Vec<&Float64Array>>>()?;
        let n = params.len();
        let mut out = Vec::with_capacity(n);
        let mut model: Option<([u64; 4], Model)> = None;
        let mut options: Option<([u64; 3], ClvOptions)> = None;
        for i in 0..n {
            if params.is_null(i)
                || p.iter().any(|c| c.is_null(i))
                || cols.iter().any(|c| c.is_null(i))
            {
                out.push(None);
                continue;
            }
            let pv = [p[0].value(i), p[1].value(i), p[2].value(i), p[3].value(i)];
            let bits = pv.map(f64::to_bits);
            let m = match model {
                Some((b, m)) if b == bits => m,
                _ => {
                    let m = Model::new(NAME, kind, pv)?;
                    model = Some((bits, m));
                    m
                }
            };
            let v = |k: usize| cols.get(k).map(|c| c.value(i));
            let (horizon, rate, period) = (
                v(4).unwrap_or(f64::NAN),
                v(5).unwrap_or(0.0),
                v(6).unwrap_or(1.0),
            );
            let obits = [horizon.to_bits(), rate.to_bits(), period.to_bits()];
            let o = match options {
                Some((b, o)) if b == obits => o,
                _ => {
                    let o = ClvOptions::new(horizon, rate, period)
                        .or_else(|e| exec_err!("{NAME}: {e}"))?;
                    options = Some((obits, o));
                    o
                }
            };
            let x = count(NAME, "x", v(0).unwrap_or(f64::NAN))?;
            let (t_x, t) = (v(1).unwrap_or(f64::NAN), v(2).unwrap_or(f64::NAN));
            if let Err(e) = check_history(x, t_x, t) {
                return exec_err!("{NAME}: invalid history (x {x}, t_x {t_x}, T {t}): {e}");
            }
            let spend = v(3).unwrap_or(f64::NAN);
            if !spend.is_finite() {
                return exec_err!("{NAME}: spend {spend} is not a finite number");
            }
            let h = History::new(x, t_x, t);
            out.push(Some(expected_clv(m.as_dyn(), &h, spend, &o)));
        }
        Ok(ColumnarValue::Array(Arc::new(Float64Array::from(out))))
    }
}
