//! `crm_aov(amount)`: average order value, money kept as `rust_decimal::Decimal` throughout.

use std::sync::Arc;

use crm_analytics::model::checked_amount_add;
use crm_analytics::model::rust_decimal::Decimal;
use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::cast::{as_binary_array, as_uint64_array};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};

use crate::util::{amount_type, amounts, check_arity};

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
        Ok(vec![amount_type(NAME, "amount", &arg_types[0])?])
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
            for v in amounts(NAME, a)?.into_iter().flatten() {
                self.push(v)?;
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

/// `d` rounded half away from zero to [`AOV_SCALE`] decimals, as a Decimal128 mantissa.
pub(crate) fn to_decimal128(d: Decimal) -> Result<i128> {
    crate::util::to_decimal128(NAME, d, AOV_SCALE)
}
