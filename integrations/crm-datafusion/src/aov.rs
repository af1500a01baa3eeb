//! `crm_aov(amount)`: average order value, money kept as `rust_decimal::Decimal` throughout.

use std::sync::Arc;

use crm_analytics::model::checked_amount_add;
use crm_analytics::model::rust_decimal::{Decimal, RoundingStrategy};
use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::cast::{
    as_binary_array, as_decimal128_array, as_float64_array, as_int64_array, as_uint64_array,
};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};

use crate::util::check_arity;

const NAME: &str = "crm_aov";

/// Scale of `crm_aov`'s Decimal128 result.
pub const AOV_SCALE: i8 = 10;

/// `crm_aov`'s result type: Decimal128(38, 10).
pub const AOV_TYPE: DataType = DataType::Decimal128(38, AOV_SCALE);

/// `crm_aov(amount)`: purchase revenue / orders, each non-NULL row one order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct AovUdaf {
    signature: Signature,
}

impl AovUdaf {
    pub(crate) fn new() -> Self {
        AovUdaf {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for AovUdaf {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(NAME, arg_types, 1, 1)?;
        use DataType::*;
        Ok(vec![match &arg_types[0] {
            Decimal128(_, _) => arg_types[0].clone(),
            Null | Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 => Int64,
            UInt64 => Decimal128(20, 0),
            Float16 | Float32 | Float64 => Float64,
            t => {
                return plan_err!(
                    "{NAME}: amount must be a number (decimal, integer or float), got {t}"
                );
            }
        }])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(AOV_TYPE)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new(
                format_state_name(args.name, "revenue"),
                DataType::Binary,
                false,
            )),
            Arc::new(Field::new(
                format_state_name(args.name, "orders"),
                DataType::UInt64,
                false,
            )),
        ])
    }

    fn accumulator(&self, _acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(AovAcc::default()))
    }
}

#[derive(Debug, Default)]
struct AovAcc {
    revenue: Decimal,
    orders: u64,
}

fn add(acc: Decimal, v: Decimal) -> Result<Decimal> {
    checked_amount_add(acc, v, "purchase revenue").or_else(|e| exec_err!("{NAME}: {e}"))
}

/// An amount as a Decimal: negative amounts are refunds, not orders.
fn checked(v: Decimal) -> Result<Decimal> {
    if v.is_sign_negative() && !v.is_zero() {
        return exec_err!(
            "{NAME}: amount {v} is negative (an order's amount is >= 0; refunds are not orders)"
        );
    }
    Ok(v)
}

impl AovAcc {
    fn push(&mut self, v: Decimal) -> Result<()> {
        self.revenue = add(self.revenue, checked(v)?)?;
        self.orders += 1;
        Ok(())
    }
}

impl Accumulator for AovAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let a = &values[0];
        let before = (self.revenue, self.orders);
        let r = (|| -> Result<()> {
            match a.data_type() {
                DataType::Decimal128(_, scale) => {
                    let scale = *scale;
                    for v in as_decimal128_array(a)?.iter().flatten() {
                        self.push(decimal_from_i128(v, scale)?)?;
                    }
                }
                DataType::Int64 => {
                    for v in as_int64_array(a)?.iter().flatten() {
                        self.push(Decimal::from(v))?;
                    }
                }
                DataType::Float64 => {
                    for v in as_float64_array(a)?.iter().flatten() {
                        self.push(decimal_from_f64(v)?)?;
                    }
                }
                t => return exec_err!("{NAME}: unexpected argument type {t}"),
            }
            Ok(())
        })();
        if r.is_err() {
            (self.revenue, self.orders) = before;
        }
        r
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![
            ScalarValue::Binary(Some(self.revenue.serialize().to_vec())),
            ScalarValue::UInt64(Some(self.orders)),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let revenue = as_binary_array(&states[0])?;
        let orders = as_uint64_array(&states[1])?;
        for i in 0..revenue.len() {
            let bytes: [u8; 16] = match revenue.value(i).try_into() {
                Ok(b) => b,
                Err(_) => return exec_err!("{NAME}: corrupt partial state (revenue)"),
            };
            self.revenue = add(self.revenue, Decimal::deserialize(bytes))?;
            self.orders += orders.value(i);
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if self.orders == 0 {
            return Ok(ScalarValue::Decimal128(None, 38, AOV_SCALE));
        }
        // The native definition (crm_metrics::value::PurchaseMetrics::aov).
        let aov = self.revenue / Decimal::from(self.orders);
        Ok(ScalarValue::Decimal128(
            Some(to_decimal128(aov)?),
            38,
            AOV_SCALE,
        ))
    }

    fn size(&self) -> usize {
        size_of_val(self)
    }
}

/// A Decimal128 value with Arrow scale `scale` (which may be negative) as a `Decimal`.
fn decimal_from_i128(v: i128, scale: i8) -> Result<Decimal> {
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
            "{NAME}: amount {v}e-{scale} is outside the range of rust_decimal (about ±7.9e28, at most 28 decimals)"
        ),
    }
}

/// A float amount as the decimal its shortest text form reads as (`12.5` -> 12.5), the value a
/// CSV cell "12.50" parses to natively.
fn decimal_from_f64(v: f64) -> Result<Decimal> {
    if !v.is_finite() {
        return exec_err!("{NAME}: amount {v} is not a finite number");
    }
    match Decimal::from_str_exact(&v.to_string()) {
        Ok(d) => Ok(d),
        Err(e) => exec_err!("{NAME}: amount {v} does not fit a decimal: {e}"),
    }
}

/// `d` rounded half away from zero to [`AOV_SCALE`] decimals, as a Decimal128 mantissa.
pub(crate) fn to_decimal128(d: Decimal) -> Result<i128> {
    let scale = AOV_SCALE.unsigned_abs().into();
    let r = d.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero);
    let up = scale.saturating_sub(r.scale());
    match 10i128
        .checked_pow(up)
        .and_then(|p| r.mantissa().checked_mul(p))
    {
        Some(m) if m.unsigned_abs() < 10u128.pow(38) => Ok(m),
        _ => exec_err!("{NAME}: AOV {d} does not fit Decimal128(38, {AOV_SCALE})"),
    }
}
