//! Customer activity as SQL: `crm_repeat_rate` (through `PurchaseState`) and `crm_retention`,
//! `crm_churn_rate` (through `RetentionState` and `Retention`), from `crm_analytics::metrics`.

use std::collections::HashMap;
use std::sync::Arc;

use crm_analytics::metrics::retention::{
    CustomerSpan, Retention, RetentionCounts, RetentionState, SamePeriodJoiners,
};
use crm_analytics::metrics::value::PurchaseState;
use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::model::{CustomerKey, Named, Period, Transaction};
use datafusion::arrow::array::{Array, ArrayRef, ListArray, StringArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, UInt64Type};
use datafusion::common::cast::{as_date32_array, as_list_array, as_string_array, as_uint64_array};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};

use crate::util::{check_arity, date, date_arg, fields, literal, null_struct, struct_scalar, text};

const REPEAT: &str = "crm_repeat_rate";

/// `crm_repeat_rate(customer)`: each non-NULL row is one order of `customer`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct RepeatRateUdaf {
    signature: Signature,
}

impl RepeatRateUdaf {
    pub(crate) fn new() -> Self {
        RepeatRateUdaf {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for RepeatRateUdaf {
    fn name(&self) -> &str {
        REPEAT
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(REPEAT, arg_types, 1, 1)?;
        use DataType::*;
        match &arg_types[0] {
            Utf8 | LargeUtf8 | Utf8View | Null | Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16
            | UInt32 | UInt64 => Ok(vec![Utf8]),
            t => plan_err!("{REPEAT}: customer must be text or an integer, got {t}"),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let f = |n: &str, t: DataType| {
            Arc::new(Field::new(
                format_state_name(args.name, n),
                DataType::List(Arc::new(Field::new_list_field(t, true))),
                true,
            ))
        };
        Ok(vec![
            f("customers", DataType::Utf8),
            f("orders", DataType::UInt64),
        ])
    }

    fn accumulator(&self, _acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(RepeatAcc::default()))
    }
}

/// Orders per customer.
#[derive(Debug, Default)]
struct RepeatAcc {
    orders: HashMap<String, u64>,
}

impl Accumulator for RepeatAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let keys = as_string_array(&values[0])?;
        for k in keys.iter().flatten() {
            match self.orders.get_mut(k) {
                Some(n) => *n = n.saturating_add(1),
                None => {
                    self.orders.insert(k.to_string(), 1);
                }
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let keys: StringArray = self.orders.keys().map(|k| Some(k.as_str())).collect();
        let keys = ListArray::new(
            Arc::new(Field::new_list_field(DataType::Utf8, true)),
            datafusion::arrow::buffer::OffsetBuffer::from_lengths([keys.len()]),
            Arc::new(keys),
            None,
        );
        let n = ListArray::from_iter_primitive::<UInt64Type, _, _>([Some(
            self.orders.values().map(|v| Some(*v)),
        )]);
        Ok(vec![
            ScalarValue::List(Arc::new(keys)),
            ScalarValue::List(Arc::new(n)),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        if states.len() != 2 {
            return exec_err!("{REPEAT}: expected 2 state columns, got {}", states.len());
        }
        let (keys, counts) = (as_list_array(&states[0])?, as_list_array(&states[1])?);
        for i in 0..keys.len() {
            if keys.is_null(i) || counts.is_null(i) {
                continue;
            }
            let (kv, cv) = (keys.value(i), counts.value(i));
            let (k, c) = (as_string_array(&kv)?, as_uint64_array(&cv)?);
            if k.len() != c.len() {
                return exec_err!("{REPEAT}: corrupt partial state (list lengths differ)");
            }
            for j in 0..k.len() {
                let n = self.orders.entry(k.value(j).to_string()).or_insert(0);
                *n = n.saturating_add(c.value(j));
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if self.orders.is_empty() {
            return Ok(ScalarValue::Float64(None));
        }
        // The native state: one purchase per order, capped at two per customer (the rate only
        // asks whether a customer has one order or more than one).
        let mut state = PurchaseState::new();
        let day = crm_analytics::model::chrono::NaiveDate::default();
        for (i, n) in self.orders.values().enumerate() {
            let customer = CustomerKey::from_index(u32::try_from(i).unwrap_or(u32::MAX));
            let t = Transaction::purchase(customer, day, Decimal::ZERO)
                .or_else(|e| exec_err!("{REPEAT}: {e}"))?;
            for _ in 0..(*n).min(2) {
                state.push(&t).or_else(|e| exec_err!("{REPEAT}: {e}"))?;
            }
        }
        let m = state.finish().or_else(|e| exec_err!("{REPEAT}: {e}"))?;
        Ok(ScalarValue::Float64(Some(m.repeat_purchase_rate)))
    }

    fn size(&self) -> usize {
        size_of_val(self)
            + self
                .orders
                .keys()
                .map(|k| k.capacity() + size_of::<(String, u64)>())
                .sum::<usize>()
    }
}

/// Which of the two retention aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum RetentionKind {
    /// `crm_retention`: the counts and both retention rates.
    Retention,
    /// `crm_churn_rate`: the customer churn rate.
    Churn,
}

/// `crm_retention(span_start, span_end, period_start, period_end)` and
/// `crm_churn_rate(span_start, span_end, period_start, period_end [, joiners])`: one row per
/// customer span (active from `span_start`, inclusive, until `span_end`, exclusive; a NULL
/// `span_end` is a span still active).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct RetentionUdaf {
    name: &'static str,
    kind: RetentionKind,
    signature: Signature,
}

impl RetentionUdaf {
    pub(crate) fn retention() -> Self {
        RetentionUdaf {
            name: "crm_retention",
            kind: RetentionKind::Retention,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
    pub(crate) fn churn() -> Self {
        RetentionUdaf {
            name: "crm_churn_rate",
            kind: RetentionKind::Churn,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// Fields of `crm_retention`'s struct: the counts S, E, N, R, J and the two retention rates.
pub fn retention_fields() -> Fields {
    use DataType::{Float64, UInt64};
    fields(&[
        ("start", UInt64),
        ("end", UInt64),
        ("new", UInt64),
        ("retained", UInt64),
        ("joined_and_left", UInt64),
        ("count_retention", Float64),
        ("cohort_retention", Float64),
    ])
}

impl AggregateUDFImpl for RetentionUdaf {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let max = match self.kind {
            RetentionKind::Retention => 4,
            RetentionKind::Churn => 5,
        };
        check_arity(self.name, arg_types, 4, max)?;
        let names = ["span_start", "span_end", "period_start", "period_end"];
        let mut out = arg_types
            .iter()
            .zip(names)
            .map(|(t, n)| date_arg(self.name, n, t))
            .collect::<Result<Vec<DataType>>>()?;
        if let Some(t) = arg_types.get(4) {
            out.push(text(self.name, "joiners", t)?);
        }
        Ok(out)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            RetentionKind::Retention => DataType::Struct(retention_fields()),
            RetentionKind::Churn => DataType::Float64,
        })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let f =
            |n: &str, t: DataType| Arc::new(Field::new(format_state_name(args.name, n), t, true));
        Ok(vec![
            f("period_start", DataType::Date32),
            f("period_end", DataType::Date32),
            f("start", DataType::UInt64),
            f("end", DataType::UInt64),
            f("new", DataType::UInt64),
            f("retained", DataType::UInt64),
            f("joined_and_left", DataType::UInt64),
        ])
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let joiners = if acc_args.exprs.len() < 5 {
            SamePeriodJoiners::default()
        } else {
            match literal(&acc_args, 4) {
                Some(ScalarValue::Utf8(Some(s)))
                | Some(ScalarValue::LargeUtf8(Some(s)))
                | Some(ScalarValue::Utf8View(Some(s))) => match SamePeriodJoiners::from_name(&s) {
                    Some(j) => j,
                    None => {
                        return plan_err!(
                            "{}: joiners {s:?} is not one of exclude, include",
                            self.name
                        );
                    }
                },
                _ => {
                    return plan_err!(
                        "{}: joiners must be a text literal ('exclude' or 'include')",
                        self.name
                    );
                }
            }
        };
        Ok(Box::new(RetentionAcc {
            name: self.name,
            kind: self.kind,
            joiners,
            period: None,
            counts: RetentionCounts::default(),
        }))
    }
}

/// The period (as Date32 days) and the summed counts.
#[derive(Debug)]
struct RetentionAcc {
    name: &'static str,
    kind: RetentionKind,
    joiners: SamePeriodJoiners,
    period: Option<(i32, i32)>,
    counts: RetentionCounts,
}

impl RetentionAcc {
    fn set_period(&mut self, p: (i32, i32)) -> Result<()> {
        match self.period {
            Some(q) if q != p => exec_err!(
                "{}: the period must be the same on every row of a group, got [{}, {}) and [{}, {})",
                self.name,
                date(self.name, "period_start", q.0)?,
                date(self.name, "period_end", q.1)?,
                date(self.name, "period_start", p.0)?,
                date(self.name, "period_end", p.1)?
            ),
            _ => {
                self.period = Some(p);
                Ok(())
            }
        }
    }

    fn add(&mut self, c: &RetentionCounts) {
        let a = &mut self.counts;
        a.start += c.start;
        a.end += c.end;
        a.new += c.new;
        a.retained += c.retained;
        a.joined_and_left += c.joined_and_left;
    }
}

impl Accumulator for RetentionAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let name = self.name;
        let cols = values[..4]
            .iter()
            .map(|a| as_date32_array(a))
            .collect::<Result<Vec<_>>>()?;
        let mut state: Option<((i32, i32), RetentionState)> = self
            .period
            .map(|p| -> Result<_> { Ok((p, RetentionState::new(period(name, p)?))) })
            .transpose()?;
        for i in 0..cols[0].len() {
            if cols[0].is_null(i) || cols[2].is_null(i) || cols[3].is_null(i) {
                continue;
            }
            let p = (cols[2].value(i), cols[3].value(i));
            if let Some((q, _)) = &state
                && *q != p
            {
                return exec_err!(
                    "{name}: the period must be the same on every row of a group, got [{}, {}) and [{}, {})",
                    date(name, "period_start", q.0)?,
                    date(name, "period_end", q.1)?,
                    date(name, "period_start", p.0)?,
                    date(name, "period_end", p.1)?
                );
            }
            if state.is_none() {
                state = Some((p, RetentionState::new(period(name, p)?)));
            }
            let Some((_, s)) = &mut state else { continue };
            let start = date(name, "span_start", cols[0].value(i))?;
            let end = if cols[1].is_null(i) {
                None
            } else {
                Some(date(name, "span_end", cols[1].value(i))?)
            };
            let span = CustomerSpan::new(CustomerKey::from_index(0), start, end)
                .or_else(|e| exec_err!("{name}: span [{start}, {end:?}): {e}"))?;
            s.push(&span);
        }
        if let Some((p, s)) = state {
            self.set_period(p)?;
            self.add(&s.counts());
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let c = &self.counts;
        let u = |v: u64| ScalarValue::UInt64(Some(v));
        Ok(vec![
            ScalarValue::Date32(self.period.map(|p| p.0)),
            ScalarValue::Date32(self.period.map(|p| p.1)),
            u(c.start),
            u(c.end),
            u(c.new),
            u(c.retained),
            u(c.joined_and_left),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        if states.len() != 7 {
            return exec_err!(
                "{}: expected 7 state columns, got {}",
                self.name,
                states.len()
            );
        }
        let (ps, pe) = (as_date32_array(&states[0])?, as_date32_array(&states[1])?);
        let n = states[2..]
            .iter()
            .map(|a| as_uint64_array(a))
            .collect::<Result<Vec<&UInt64Array>>>()?;
        for i in 0..ps.len() {
            if ps.is_null(i) || pe.is_null(i) {
                continue;
            }
            self.set_period((ps.value(i), pe.value(i)))?;
            let c = RetentionCounts {
                start: n[0].value(i),
                end: n[1].value(i),
                new: n[2].value(i),
                retained: n[3].value(i),
                joined_and_left: n[4].value(i),
            };
            self.add(&c);
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let null = || match self.kind {
            RetentionKind::Retention => null_struct(&retention_fields()),
            RetentionKind::Churn => Ok(ScalarValue::Float64(None)),
        };
        // No span, or no customer active at the start (S = 0, where the native finish returns
        // ZeroDenominator): NULL.
        if self.period.is_none() || self.counts.start == 0 {
            return null();
        }
        let r = Retention::from_counts(self.counts).or_else(|e| exec_err!("{}: {e}", self.name))?;
        match self.kind {
            RetentionKind::Churn => Ok(ScalarValue::Float64(Some(r.churn(self.joiners)))),
            RetentionKind::Retention => {
                let c = r.counts;
                let u = |v: u64| ScalarValue::UInt64(Some(v));
                let f = |v: f64| ScalarValue::Float64(Some(v));
                struct_scalar(
                    &retention_fields(),
                    &[
                        u(c.start),
                        u(c.end),
                        u(c.new),
                        u(c.retained),
                        u(c.joined_and_left),
                        f(r.count_retention),
                        f(r.cohort_retention),
                    ],
                )
            }
        }
    }

    fn size(&self) -> usize {
        size_of_val(self)
    }
}

/// The period `[start, end)` from Date32 days.
fn period(name: &str, p: (i32, i32)) -> Result<Period> {
    let (s, e) = (
        date(name, "period_start", p.0)?,
        date(name, "period_end", p.1)?,
    );
    Period::new(s, e).or_else(|err| exec_err!("{name}: period [{s}, {e}): {err}"))
}
