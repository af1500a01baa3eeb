//! `crm_fs_weight(model, levels)`: a pair's Fellegi-Sunter match weight from its comparison
//! levels, `crm_analytics::dedup::model::FsModel::weight_of_levels`.

use std::sync::Arc;

use crm_analytics::dedup::model::FsModel;
use datafusion::arrow::array::{Array, Float64Array};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::cast::{as_int64_array, as_list_array, as_string_array};
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use crate::util::{check_arity, text};

const NAME: &str = "crm_fs_weight";

/// Largest level: 0 exact, 1 close, 2 partial, 3 far, 4 missing.
const MISSING: i64 = 4;

fn int_list() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)))
}

/// A model read from its JSON form and checked: prior in (0, 1), m and u finite and > 0.
fn parse_model(json: &str) -> Result<FsModel> {
    let m: FsModel = match serde_json::from_str(json) {
        Ok(m) => m,
        Err(e) => return exec_err!("{NAME}: the model is not a Fellegi-Sunter model in JSON: {e}"),
    };
    if !(m.prior > 0.0 && m.prior < 1.0) {
        return exec_err!("{NAME}: prior {} must lie in (0, 1)", m.prior);
    }
    for f in &m.fields {
        if let Some(v) =
            f.m.iter()
                .chain(&f.u)
                .find(|v| !(v.is_finite() && **v > 0.0))
        {
            return exec_err!(
                "{NAME}: field {:?}: m and u must be finite and > 0, got {v}",
                f.name
            );
        }
    }
    Ok(m)
}

/// `crm_fs_weight`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct FsWeightUdf {
    signature: Signature,
}

impl FsWeightUdf {
    pub(crate) fn new() -> Self {
        FsWeightUdf {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for FsWeightUdf {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(NAME, arg_types, 2, 2)?;
        let levels = match &arg_types[1] {
            DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _)
                if f.data_type().is_integer() || *f.data_type() == DataType::Null =>
            {
                int_list()
            }
            DataType::Null => int_list(),
            t => {
                return plan_err!(
                    "{NAME}: levels must be a list of integers (0 exact, 1 close, 2 partial, 3 far, 4 missing), got {t}"
                );
            }
        };
        Ok(vec![text(NAME, "model", &arg_types[0])?, levels])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let models = as_string_array(&arrays[0])?;
        let levels = as_list_array(&arrays[1])?;
        let mut out = Vec::with_capacity(models.len());
        // Rows usually share the model: parse it once per distinct text.
        let mut model: Option<(String, FsModel)> = None;
        let mut buf: Vec<u8> = Vec::new();
        for i in 0..models.len() {
            if models.is_null(i) || levels.is_null(i) {
                out.push(None);
                continue;
            }
            let json = models.value(i);
            let m = match model.take() {
                Some((k, m)) if k == json => (k, m),
                _ => (json.to_string(), parse_model(json)?),
            };
            let values = levels.value(i);
            let values = as_int64_array(&values)?;
            if values.len() != m.1.fields.len() {
                return exec_err!(
                    "{NAME}: {} levels for a model of {} fields",
                    values.len(),
                    m.1.fields.len()
                );
            }
            buf.clear();
            for v in values.iter() {
                match v {
                    // A NULL level is a missing comparison (weight 0), as natively.
                    None => buf.push(MISSING as u8),
                    Some(l) if (0..=MISSING).contains(&l) => buf.push(l as u8),
                    Some(l) => {
                        return exec_err!(
                            "{NAME}: level {l} is not on 0..=4 (0 exact, 1 close, 2 partial, 3 far, 4 missing)"
                        );
                    }
                }
            }
            out.push(Some(m.1.weight_of_levels(&buf)));
            model = Some(m);
        }
        Ok(ColumnarValue::Array(Arc::new(Float64Array::from(out))))
    }
}
