//! Argument checking, Arrow conversions and errors shared by the functions.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StructArray};
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};

/// Checks the number of arguments (`min..=max`) of `function`.
pub(crate) fn check_arity(function: &str, args: &[DataType], min: usize, max: usize) -> Result<()> {
    if args.len() < min || args.len() > max {
        let want = if min == max {
            min.to_string()
        } else {
            format!("{min} to {max}")
        };
        return plan_err!(
            "{function} takes {want} arguments, got {} ({args:?})",
            args.len()
        );
    }
    Ok(())
}

/// A numeric (or untyped NULL) argument, coerced to Float64.
pub(crate) fn numeric(function: &str, what: &str, t: &DataType) -> Result<DataType> {
    if t.is_numeric() || *t == DataType::Null {
        Ok(DataType::Float64)
    } else {
        plan_err!("{function}: {what} must be numeric, got {t}")
    }
}

/// A text (or untyped NULL) argument, coerced to Utf8.
pub(crate) fn text(function: &str, what: &str, t: &DataType) -> Result<DataType> {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => {
            Ok(DataType::Utf8)
        }
        _ => plan_err!("{function}: {what} must be text, got {t}"),
    }
}

/// A boolean (or untyped NULL) argument.
pub(crate) fn boolean(function: &str, what: &str, t: &DataType) -> Result<DataType> {
    match t {
        DataType::Boolean | DataType::Null => Ok(DataType::Boolean),
        _ => plan_err!("{function}: {what} must be boolean, got {t}"),
    }
}

/// An integer answer on `lo..=hi` from a Float64 value, or an error naming the function.
pub(crate) fn small_int(function: &str, what: &str, v: f64, lo: u8, hi: u8) -> Result<u8> {
    if v.fract() == 0.0 && v >= f64::from(lo) && v <= f64::from(hi) {
        // In range and integral: exact.
        Ok(v as u8)
    } else {
        exec_err!("{function}: {what} {v} is not an integer on {lo}..={hi}")
    }
}

/// A count (`x`, repeat purchases) from a Float64 value: an integer on `0..=u32::MAX`.
pub(crate) fn count(function: &str, what: &str, v: f64) -> Result<u32> {
    if v.fract() == 0.0 && v >= 0.0 && v <= f64::from(u32::MAX) {
        Ok(v as u32)
    } else {
        exec_err!(
            "{function}: {what} {v} is not a whole number on 0..={}",
            u32::MAX
        )
    }
}

/// A one-row struct scalar from its fields and one value per field.
pub(crate) fn struct_scalar(fields: &Fields, values: &[ScalarValue]) -> Result<ScalarValue> {
    let arrays = values
        .iter()
        .map(ScalarValue::to_array)
        .collect::<Result<Vec<ArrayRef>>>()?;
    let array = StructArray::try_new(fields.clone(), arrays, None)?;
    Ok(ScalarValue::Struct(Arc::new(array)))
}

/// A NULL of a struct type (an aggregate over no non-NULL row).
pub(crate) fn null_struct(fields: &Fields) -> Result<ScalarValue> {
    ScalarValue::try_from(DataType::Struct(fields.clone()))
}

/// Nullable fields from `(name, type)` pairs.
pub(crate) fn fields(spec: &[(&str, DataType)]) -> Fields {
    spec.iter()
        .map(|(n, t)| Field::new(*n, t.clone(), true))
        .collect()
}
