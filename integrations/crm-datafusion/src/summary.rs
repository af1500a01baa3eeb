//! `crm_summary(date, amount, observation_end [, unit])`: one customer's purchase summary
//! (x, t_x, T, monetary) through `crm_analytics::model::summarize`, used with
//! `GROUP BY customer`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::model::{
    CustomerKey, Named, SummaryOptions, TimeUnit, Transaction, checked_amount_add, summarize,
    to_f64,
};
use datafusion::arrow::array::{Array, ArrayRef, BinaryArray, ListArray};
use datafusion::arrow::datatypes::{DataType, Date32Type, Field, FieldRef, Fields};
use datafusion::common::cast::{as_binary_array, as_date32_array, as_list_array};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};

use crate::util::{
    amount_type, amounts, check_arity, date, date_arg, date32, fields, literal, null_struct,
    struct_scalar, text, to_decimal128,
};

const NAME: &str = "crm_summary";

/// Scale of `crm_summary`'s `total_spend` (Decimal128(38, 10)).
const SPEND_SCALE: i8 = 10;

/// Fields of `crm_summary`'s struct.
pub fn summary_fields() -> Fields {
    fields(&[
        ("x", DataType::UInt32),
        ("t_x", DataType::Float64),
        ("T", DataType::Float64),
        ("monetary", DataType::Float64),
        ("first_purchase", DataType::Date32),
        ("last_purchase", DataType::Date32),
        ("total_spend", DataType::Decimal128(38, SPEND_SCALE)),
    ])
}

/// `crm_summary`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SummaryUdaf {
    signature: Signature,
}

impl SummaryUdaf {
    pub(crate) fn new() -> Self {
        SummaryUdaf {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// The `unit` argument: a literal unit name (default week, as `crm summary`).
fn unit_of(args: &AccumulatorArgs) -> Result<TimeUnit> {
    if args.exprs.len() < 4 {
        return Ok(TimeUnit::Week);
    }
    match literal(args, 3) {
        Some(ScalarValue::Utf8(Some(s)))
        | Some(ScalarValue::LargeUtf8(Some(s)))
        | Some(ScalarValue::Utf8View(Some(s))) => match TimeUnit::from_name(&s) {
            Some(u) => Ok(u),
            None => plan_err!("{NAME}: unit {s:?} is not one of day, week, month, quarter, year"),
        },
        _ => plan_err!("{NAME}: unit must be a text literal (day, week, month, quarter, year)"),
    }
}

impl AggregateUDFImpl for SummaryUdaf {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(NAME, arg_types, 3, 4)?;
        let mut out = vec![
            date_arg(NAME, "date", &arg_types[0])?,
            amount_type(NAME, "amount", &arg_types[1])?,
            date_arg(NAME, "observation_end", &arg_types[2])?,
        ];
        if let Some(t) = arg_types.get(3) {
            out.push(text(NAME, "unit", t)?);
        }
        Ok(out)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(summary_fields()))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let f =
            |n: &str, t: DataType| Arc::new(Field::new(format_state_name(args.name, n), t, true));
        Ok(vec![
            f(
                "days",
                DataType::List(Arc::new(Field::new_list_field(DataType::Date32, true))),
            ),
            f(
                "amounts",
                DataType::List(Arc::new(Field::new_list_field(DataType::Binary, true))),
            ),
            f("observation_end", DataType::Date32),
        ])
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(SummaryAcc {
            unit: unit_of(&acc_args)?,
            days: BTreeMap::new(),
            end: None,
        }))
    }
}

/// One customer's purchase amounts summed per day (the occasions `summarize` merges), and the
/// observation end.
#[derive(Debug)]
struct SummaryAcc {
    unit: TimeUnit,
    days: BTreeMap<i32, Decimal>,
    end: Option<i32>,
}

impl SummaryAcc {
    fn set_end(&mut self, end: i32) -> Result<()> {
        match self.end {
            Some(e) if e != end => {
                let (a, b) = (
                    date(NAME, "observation_end", e)?,
                    date(NAME, "observation_end", end)?,
                );
                exec_err!(
                    "{NAME}: observation_end must be the same on every row of a group, got {a} and {b}"
                )
            }
            _ => {
                self.end = Some(end);
                Ok(())
            }
        }
    }

    fn add(&mut self, day: i32, amount: Decimal) -> Result<()> {
        let sum = self.days.get(&day).copied().unwrap_or(Decimal::ZERO);
        let sum = checked_amount_add(sum, amount, "same-day purchases")
            .or_else(|e| exec_err!("{NAME}: {e}"))?;
        self.days.insert(day, sum);
        Ok(())
    }
}

impl Accumulator for SummaryAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let days = as_date32_array(&values[0])?;
        let money = amounts(NAME, &values[1])?;
        let ends = as_date32_array(&values[2])?;
        // Validate the batch first, so that an error leaves the state unchanged.
        let mut rows = Vec::with_capacity(days.len());
        let mut end = self.end;
        for (i, m) in money.iter().enumerate() {
            let Some(m) = m else { continue };
            if days.is_null(i) || ends.is_null(i) {
                continue;
            }
            if m.is_sign_negative() && !m.is_zero() {
                return exec_err!(
                    "{NAME}: amount {m} is negative (rows are purchases; refunds are not purchases)"
                );
            }
            let (d, e) = (days.value(i), ends.value(i));
            match end {
                Some(prev) if prev != e => {
                    return exec_err!(
                        "{NAME}: observation_end must be the same on every row of a group, got {} and {}",
                        date(NAME, "observation_end", prev)?,
                        date(NAME, "observation_end", e)?
                    );
                }
                _ => end = Some(e),
            }
            if d > e {
                return exec_err!(
                    "{NAME}: purchase on {} is after the observation end {}",
                    date(NAME, "date", d)?,
                    date(NAME, "observation_end", e)?
                );
            }
            rows.push((d, *m));
        }
        let before = (self.days.clone(), self.end);
        let r = (|| -> Result<()> {
            if let Some(e) = end {
                self.set_end(e)?;
            }
            for (d, m) in rows {
                self.add(d, m)?;
            }
            Ok(())
        })();
        if r.is_err() {
            (self.days, self.end) = before;
        }
        r
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let days = ListArray::from_iter_primitive::<Date32Type, _, _>([Some(
            self.days.keys().map(|d| Some(*d)),
        )]);
        let bytes: Vec<[u8; 16]> = self.days.values().map(Decimal::serialize).collect();
        let values = BinaryArray::from_iter_values(bytes.iter());
        let amounts = ListArray::new(
            Arc::new(Field::new_list_field(DataType::Binary, true)),
            datafusion::arrow::buffer::OffsetBuffer::from_lengths([values.len()]),
            Arc::new(values),
            None,
        );
        Ok(vec![
            ScalarValue::List(Arc::new(days)),
            ScalarValue::List(Arc::new(amounts)),
            ScalarValue::Date32(self.end),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        if states.len() != 3 {
            return exec_err!("{NAME}: expected 3 state columns, got {}", states.len());
        }
        let days = as_list_array(&states[0])?;
        let money = as_list_array(&states[1])?;
        let ends = as_date32_array(&states[2])?;
        for i in 0..days.len() {
            if ends.is_valid(i) {
                self.set_end(ends.value(i))?;
            }
            if days.is_null(i) || money.is_null(i) {
                continue;
            }
            let d_values = days.value(i);
            let d = as_date32_array(&d_values)?;
            let m_values = money.value(i);
            let m = as_binary_array(&m_values)?;
            if d.len() != m.len() {
                return exec_err!("{NAME}: corrupt partial state (list lengths differ)");
            }
            for j in 0..d.len() {
                let bytes: [u8; 16] = match m.value(j).try_into() {
                    Ok(b) => b,
                    Err(_) => return exec_err!("{NAME}: corrupt partial state (amount)"),
                };
                self.add(d.value(j), Decimal::deserialize(bytes))?;
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let fields = summary_fields();
        let Some(end) = self.end else {
            return null_struct(&fields);
        };
        if self.days.is_empty() {
            return null_struct(&fields);
        }
        let customer = CustomerKey::from_index(0);
        let tx = self
            .days
            .iter()
            .map(|(d, m)| {
                Transaction::purchase(customer, date(NAME, "date", *d)?, *m)
                    .or_else(|e| exec_err!("{NAME}: {e}"))
            })
            .collect::<Result<Vec<Transaction>>>()?;
        let options = SummaryOptions::new(date(NAME, "observation_end", end)?, self.unit);
        let s = summarize(&tx, &options).or_else(|e| exec_err!("{NAME}: {e}"))?;
        let Some(s) = s.customers.first() else {
            return null_struct(&fields);
        };
        struct_scalar(
            &fields,
            &[
                ScalarValue::UInt32(Some(s.frequency)),
                ScalarValue::Float64(Some(s.recency)),
                ScalarValue::Float64(Some(s.age)),
                ScalarValue::Float64(s.monetary.map(to_f64)),
                ScalarValue::Date32(Some(date32(s.first_purchase))),
                ScalarValue::Date32(Some(date32(s.last_purchase))),
                ScalarValue::Decimal128(
                    Some(to_decimal128(NAME, s.total_spend, SPEND_SCALE)?),
                    38,
                    SPEND_SCALE,
                ),
            ],
        )
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.days.len() * (size_of::<(i32, Decimal)>() + 16)
    }
}
