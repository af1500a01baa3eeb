//! Argument checking, Arrow conversions and errors shared by the functions.

use std::sync::Arc;

use crm_analytics::model::chrono::{NaiveDate, TimeDelta};
use crm_analytics::model::rust_decimal::{Decimal, RoundingStrategy};
use datafusion::arrow::array::{Array, ArrayRef, StructArray};
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::cast::{as_decimal128_array, as_float64_array, as_int64_array};
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

/// The Arrow type a money argument is read as: decimals as they are, integers as Int64 (UInt64
/// as Decimal128(20, 0)), floats as Float64.
pub(crate) fn amount_type(function: &str, what: &str, t: &DataType) -> Result<DataType> {
    use DataType::*;
    Ok(match t {
        Decimal128(_, _) => t.clone(),
        Null | Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 => Int64,
        UInt64 => Decimal128(20, 0),
        Float16 | Float32 | Float64 => Float64,
        t => {
            return plan_err!(
                "{function}: {what} must be a number (decimal, integer or float), got {t}"
            );
        }
    })
}

/// The values of a money column (of an [`amount_type`] type) as exact decimals; `None` for NULL.
pub(crate) fn amounts(function: &str, a: &ArrayRef) -> Result<Vec<Option<Decimal>>> {
    match a.data_type() {
        DataType::Decimal128(_, scale) => {
            let scale = *scale;
            as_decimal128_array(a)?
                .iter()
                .map(|v| v.map(|v| decimal_from_i128(function, v, scale)).transpose())
                .collect()
        }
        DataType::Int64 => Ok(as_int64_array(a)?
            .iter()
            .map(|v| v.map(Decimal::from))
            .collect()),
        DataType::Float64 => as_float64_array(a)?
            .iter()
            .map(|v| v.map(|v| decimal_from_f64(function, v)).transpose())
            .collect(),
        DataType::Null => Ok(vec![None; a.len()]),
        t => exec_err!("{function}: unexpected amount type {t}"),
    }
}

/// A Decimal128 value with Arrow scale `scale` (which may be negative) as a `Decimal`.
pub(crate) fn decimal_from_i128(function: &str, v: i128, scale: i8) -> Result<Decimal> {
    let r = if scale >= 0 {
        Decimal::try_from_i128_with_scale(v, scale.unsigned_abs().into()).ok()
    } else {
        10i128
            .checked_pow(scale.unsigned_abs().into())
            .and_then(|p| v.checked_mul(p))
            .and_then(|m| Decimal::try_from_i128_with_scale(m, 0).ok())
    };
    match r {
        Some(d) => Ok(d),
        None => exec_err!(
            "{function}: amount {v}e-{scale} is outside the range of rust_decimal (about ±7.9e28, at most 28 decimals)"
        ),
    }
}

/// A float amount as the decimal its shortest text form reads as (`12.5` -> 12.5), the value a
/// CSV cell "12.50" parses to natively.
pub(crate) fn decimal_from_f64(function: &str, v: f64) -> Result<Decimal> {
    if !v.is_finite() {
        return exec_err!("{function}: amount {v} is not a finite number");
    }
    match Decimal::from_str_exact(&v.to_string()) {
        Ok(d) => Ok(d),
        Err(e) => exec_err!("{function}: amount {v} does not fit a decimal: {e}"),
    }
}

/// `d` rounded half away from zero to `scale` decimals, as a Decimal128(38, scale) mantissa.
pub(crate) fn to_decimal128(function: &str, d: Decimal, scale: i8) -> Result<i128> {
    let s = scale.unsigned_abs().into();
    let r = d.round_dp_with_strategy(s, RoundingStrategy::MidpointAwayFromZero);
    let up = s.saturating_sub(r.scale());
    match 10i128
        .checked_pow(up)
        .and_then(|p| r.mantissa().checked_mul(p))
    {
        Some(m) if m.unsigned_abs() < 10u128.pow(38) => Ok(m),
        _ => exec_err!("{function}: {d} does not fit Decimal128(38, {scale})"),
    }
}

/// A Date32 value (days since 1970-01-01) as a date.
pub(crate) fn date(function: &str, what: &str, days: i32) -> Result<NaiveDate> {
    match NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|e| e.checked_add_signed(TimeDelta::try_days(i64::from(days))?))
    {
        Some(d) => Ok(d),
        None => exec_err!("{function}: {what} {days} (days since 1970-01-01) is out of range"),
    }
}

/// A date as a Date32 value (days since 1970-01-01).
pub(crate) fn date32(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    i32::try_from((d - epoch).num_days()).unwrap_or(i32::MAX)
}

/// A date argument (Date32, Date64, Timestamp or text), coerced to Date32.
pub(crate) fn date_arg(function: &str, what: &str, t: &DataType) -> Result<DataType> {
    match t {
        DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(_, _)
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Null => Ok(DataType::Date32),
        _ => plan_err!("{function}: {what} must be a date, got {t}"),
    }
}

/// The value of a literal argument (`None` when the argument is not a literal).
pub(crate) fn literal(
    args: &datafusion::logical_expr::function::AccumulatorArgs,
    i: usize,
) -> Option<ScalarValue> {
    use datafusion::physical_expr::expressions::Literal;
    args.exprs
        .get(i)?
        .downcast_ref::<Literal>()
        .map(|l| l.value().clone())
}
