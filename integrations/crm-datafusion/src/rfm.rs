//! RFM as SQL: `crm_rfm_cuts` (aggregate: the quantile cut points `RfmModel::fit` computes),
//! `crm_rfm_score` and `crm_rfm_segment` (scalars), through `crm_analytics::rfm`.

use std::sync::Arc;

use crm_analytics::model::CustomerKey;
use crm_analytics::model::chrono::NaiveDate;
use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::rfm::{
    CutPoints, MAX_BINS, MIN_BINS, RfmModel, RfmScore, RfmValues, SegmentMap,
};
use datafusion::arrow::array::{
    Array, ArrayRef, BinaryArray, Float64Array, ListArray, StringArray, StructArray, UInt8Array,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Float64Type, UInt32Type};
use datafusion::common::cast::{
    as_binary_array, as_float64_array, as_list_array, as_string_array, as_struct_array,
    as_uint32_array,
};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::util::{
    amount_type, amounts, check_arity, count, fields, literal, null_struct, numeric, small_int,
    text,
};

const CUTS: &str = "crm_rfm_cuts";
const SCORE: &str = "crm_rfm_score";
const SEGMENT: &str = "crm_rfm_segment";

/// Default number of score levels (quintiles), as `crm rfm`.
const DEFAULT_BINS: u8 = 5;

/// The three dimensions, in the order of the arguments and of [`CutPoints`].
const DIMENSIONS: [&str; 3] = ["recency_days", "frequency", "monetary"];

fn float_list() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)))
}

/// Fields of `crm_rfm_cuts`'s struct: the ascending cut points of each dimension
/// (`bins - 1` each), as [`CutPoints`].
pub fn rfm_cuts_fields() -> Fields {
    fields(&DIMENSIONS.map(|d| (d, float_list())))
}

/// Fields of `crm_rfm_score`'s struct: the scores `r, f, m`, each in `1..=bins`.
pub fn rfm_score_fields() -> Fields {
    fields(&[
        ("r", DataType::UInt8),
        ("f", DataType::UInt8),
        ("m", DataType::UInt8),
    ])
}

/// `crm_rfm_cuts(recency_days, frequency, monetary [, bins])`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct RfmCutsUdaf {
    signature: Signature,
}

impl RfmCutsUdaf {
    pub(crate) fn new() -> Self {
        RfmCutsUdaf {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// The `bins` argument: an integer literal in `2..=100` (default 5).
fn bins_of(args: &AccumulatorArgs) -> Result<u8> {
    if args.exprs.len() < 4 {
        return Ok(DEFAULT_BINS);
    }
    let v = literal(args, 3).and_then(|v| v.cast_to(&DataType::Int64).ok());
    match v {
        Some(ScalarValue::Int64(Some(b)))
            if (i64::from(MIN_BINS)..=i64::from(MAX_BINS)).contains(&b) =>
        {
            Ok(b as u8)
        }
        Some(ScalarValue::Int64(Some(b))) => {
            plan_err!("{CUTS}: bins {b} is not on {MIN_BINS}..={MAX_BINS}")
        }
        _ => plan_err!("{CUTS}: bins must be an integer literal on {MIN_BINS}..={MAX_BINS}"),
    }
}

impl AggregateUDFImpl for RfmCutsUdaf {
    fn name(&self) -> &str {
        CUTS
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(CUTS, arg_types, 3, 4)?;
        let mut out = vec![
            numeric(CUTS, "recency_days", &arg_types[0])?,
            numeric(CUTS, "frequency", &arg_types[1])?,
            amount_type(CUTS, "monetary", &arg_types[2])?,
        ];
        if let Some(t) = arg_types.get(3) {
            if !t.is_integer() {
                return plan_err!("{CUTS}: bins must be an integer, got {t}");
            }
            out.push(t.clone());
        }
        Ok(out)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(rfm_cuts_fields()))
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
            f("recency_days", DataType::UInt32),
            f("frequency", DataType::UInt32),
            f("monetary", DataType::Binary),
        ])
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(CutsAcc {
            bins: bins_of(&acc_args)?,
            recency: Vec::new(),
            frequency: Vec::new(),
            monetary: Vec::new(),
        }))
    }
}

/// Every customer's three values (the quantiles need them all, as `RfmModel::fit` does).
#[derive(Debug)]
struct CutsAcc {
    bins: u8,
    recency: Vec<u32>,
    frequency: Vec<u32>,
    monetary: Vec<Decimal>,
}

impl Accumulator for CutsAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let r = as_float64_array(&values[0])?;
        let f = as_float64_array(&values[1])?;
        let m = amounts(CUTS, &values[2])?;
        let mut rows = Vec::with_capacity(r.len());
        for (i, m) in m.iter().enumerate() {
            let Some(m) = m else { continue };
            if r.is_null(i) || f.is_null(i) {
                continue;
            }
            rows.push((
                count(CUTS, "recency_days", r.value(i))?,
                count(CUTS, "frequency", f.value(i))?,
                *m,
            ));
        }
        for (r, f, m) in rows {
            self.recency.push(r);
            self.frequency.push(f);
            self.monetary.push(m);
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let r = ListArray::from_iter_primitive::<UInt32Type, _, _>([Some(
            self.recency.iter().map(|v| Some(*v)),
        )]);
        let f = ListArray::from_iter_primitive::<UInt32Type, _, _>([Some(
            self.frequency.iter().map(|v| Some(*v)),
        )]);
        let bytes: Vec<[u8; 16]> = self.monetary.iter().map(Decimal::serialize).collect();
        let values = BinaryArray::from_iter_values(bytes.iter());
        let m = ListArray::new(
            Arc::new(Field::new_list_field(DataType::Binary, true)),
            OffsetBuffer::from_lengths([values.len()]),
            Arc::new(values),
            None,
        );
        Ok([r, f, m]
            .into_iter()
            .map(|l| ScalarValue::List(Arc::new(l)))
            .collect())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        if states.len() != 3 {
            return exec_err!("{CUTS}: expected 3 state columns, got {}", states.len());
        }
        let lists = states
            .iter()
            .map(|a| as_list_array(a))
            .collect::<Result<Vec<&ListArray>>>()?;
        for i in 0..lists[0].len() {
            if lists.iter().any(|l| l.is_null(i)) {
                continue;
            }
            let (rv, fv, mv) = (lists[0].value(i), lists[1].value(i), lists[2].value(i));
            let (r, f, m) = (
                as_uint32_array(&rv)?,
                as_uint32_array(&fv)?,
                as_binary_array(&mv)?,
            );
            if r.len() != f.len() || r.len() != m.len() {
                return exec_err!("{CUTS}: corrupt partial state (list lengths differ)");
            }
            for j in 0..r.len() {
                let bytes: [u8; 16] = match m.value(j).try_into() {
                    Ok(b) => b,
                    Err(_) => return exec_err!("{CUTS}: corrupt partial state (monetary)"),
                };
                self.recency.push(r.value(j));
                self.frequency.push(f.value(j));
                self.monetary.push(Decimal::deserialize(bytes));
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if self.recency.is_empty() {
            return null_struct(&rfm_cuts_fields());
        }
        let day = NaiveDate::default();
        let values: Vec<RfmValues> = self
            .recency
            .iter()
            .zip(&self.frequency)
            .zip(&self.monetary)
            .map(|((r, f), m)| RfmValues {
                customer: CustomerKey::from_index(0),
                last_purchase: day,
                recency_days: *r,
                frequency: *f,
                monetary: *m,
                total_spend: *m,
            })
            .collect();
        let model = RfmModel::fit(&values, self.bins).or_else(|e| exec_err!("{CUTS}: {e}"))?;
        let c = model.cut_points();
        let list = |v: &[f64]| {
            ScalarValue::List(Arc::new(
                ListArray::from_iter_primitive::<Float64Type, _, _>([Some(
                    v.iter().map(|x| Some(*x)),
                )]),
            ))
        };
        crate::util::struct_scalar(
            &rfm_cuts_fields(),
            &[list(&c.recency_days), list(&c.frequency), list(&c.monetary)],
        )
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.recency.capacity() * 8 + self.monetary.capacity() * 16
    }
}

/// `crm_rfm_score(recency_days, frequency, monetary, cuts)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct RfmScoreUdf {
    signature: Signature,
}

impl RfmScoreUdf {
    pub(crate) fn new() -> Self {
        RfmScoreUdf {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

/// Checks that `t` is a cuts struct (three lists of numbers named as [`rfm_cuts_fields`]).
fn check_cuts_type(t: &DataType) -> Result<()> {
    let ok = match t {
        DataType::Struct(fs) => DIMENSIONS.iter().all(|d| {
            fs.iter().any(|f| {
                f.name() == d
                    && matches!(f.data_type(),
                        DataType::List(e) | DataType::LargeList(e) if e.data_type().is_numeric())
            })
        }),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        plan_err!(
            "{SCORE}: cuts must be the struct crm_rfm_cuts returns (lists recency_days, frequency, monetary), got {t}"
        )
    }
}

/// The three cut-point lists of a cuts struct column, as lists of Float64.
fn cut_lists(cuts: &StructArray) -> Result<Vec<ArrayRef>> {
    DIMENSIONS
        .iter()
        .map(|d| match cuts.column_by_name(d) {
            Some(col) => Ok(cast(col, &float_list())?),
            None => exec_err!("{SCORE}: cuts has no field {d}"),
        })
        .collect()
}

/// The cut points of row `i` of a cuts struct column (`lists` from [`cut_lists`]).
fn cuts_at(cuts: &StructArray, lists: &[ArrayRef], i: usize) -> Result<Option<CutPoints>> {
    if cuts.is_null(i) {
        return Ok(None);
    }
    let mut out: Vec<Vec<f64>> = Vec::with_capacity(3);
    for (d, list) in DIMENSIONS.iter().zip(lists) {
        let list = as_list_array(list)?;
        if list.is_null(i) {
            return Ok(None);
        }
        let values = list.value(i);
        let values = as_float64_array(&values)?;
        if values.null_count() > 0 {
            return exec_err!("{SCORE}: cuts {d} holds a NULL");
        }
        out.push(values.values().to_vec());
    }
    let monetary = out.pop().unwrap_or_default();
    let frequency = out.pop().unwrap_or_default();
    let recency_days = out.pop().unwrap_or_default();
    Ok(Some(CutPoints {
        recency_days,
        frequency,
        monetary,
    }))
}

impl ScalarUDFImpl for RfmScoreUdf {
    fn name(&self) -> &str {
        SCORE
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(SCORE, arg_types, 4, 4)?;
        check_cuts_type(&arg_types[3])?;
        Ok(vec![
            numeric(SCORE, "recency_days", &arg_types[0])?,
            numeric(SCORE, "frequency", &arg_types[1])?,
            amount_type(SCORE, "monetary", &arg_types[2])?,
            arg_types[3].clone(),
        ])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(rfm_score_fields()))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let r = as_float64_array(&arrays[0])?;
        let f = as_float64_array(&arrays[1])?;
        let m = amounts(SCORE, &arrays[2])?;
        let cuts = as_struct_array(&arrays[3])?;
        let lists = cut_lists(cuts)?;
        let n = r.len();
        let (mut rs, mut fs, mut ms) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let mut nulls = Vec::with_capacity(n);
        // Rows usually share the cut points: validate them once per distinct set.
        let mut model: Option<RfmModel> = None;
        for (i, mv) in m.iter().enumerate() {
            let score = match (mv, r.is_null(i) || f.is_null(i)) {
                (Some(mv), false) => match cuts_at(cuts, &lists, i)? {
                    None => None,
                    Some(c) => {
                        let mdl = match model.take() {
                            Some(m) if *m.cut_points() == c => m,
                            _ => RfmModel::new(c).or_else(|e| exec_err!("{SCORE}: {e}"))?,
                        };
                        let v = RfmValues {
                            customer: CustomerKey::from_index(0),
                            last_purchase: NaiveDate::default(),
                            recency_days: count(SCORE, "recency_days", r.value(i))?,
                            frequency: count(SCORE, "frequency", f.value(i))?,
                            monetary: *mv,
                            total_spend: *mv,
                        };
                        let s = mdl.score(&v);
                        model = Some(mdl);
                        Some(s)
                    }
                },
                _ => None,
            };
            let s = score.unwrap_or(RfmScore { r: 0, f: 0, m: 0 });
            rs.push(s.r);
            fs.push(s.f);
            ms.push(s.m);
            nulls.push(score.is_some());
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt8Array::from(rs)),
            Arc::new(UInt8Array::from(fs)),
            Arc::new(UInt8Array::from(ms)),
        ];
        let array = StructArray::try_new(rfm_score_fields(), columns, Some(nulls.into()))?;
        Ok(ColumnarValue::Array(Arc::new(array)))
    }
}

/// `crm_rfm_segment(r, f, m [, map])`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct RfmSegmentUdf {
    signature: Signature,
}

impl RfmSegmentUdf {
    pub(crate) fn new() -> Self {
        RfmSegmentUdf {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for RfmSegmentUdf {
    fn name(&self) -> &str {
        SEGMENT
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(SEGMENT, arg_types, 3, 4)?;
        let mut out = vec![
            numeric(SEGMENT, "r", &arg_types[0])?,
            numeric(SEGMENT, "f", &arg_types[1])?,
            numeric(SEGMENT, "m", &arg_types[2])?,
        ];
        if let Some(t) = arg_types.get(3) {
            out.push(text(SEGMENT, "map", t)?);
        }
        Ok(out)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let cols = arrays[..3]
            .iter()
            .map(|a| as_float64_array(a))
            .collect::<Result<Vec<&Float64Array>>>()?;
        let maps = arrays.get(3).map(|a| as_string_array(a)).transpose()?;
        let n = cols.first().map_or(0, |c| c.len());
        let mut out: Vec<Option<String>> = Vec::with_capacity(n);
        let mut current: Option<(String, SegmentMap)> = None;
        for i in 0..n {
            if cols.iter().any(|c| c.is_null(i)) || maps.is_some_and(|m| m.is_null(i)) {
                out.push(None);
                continue;
            }
            let name = maps.map_or("default", |m| m.value(i));
            let map = match current.take() {
                Some((k, m)) if k == name => (k, m),
                _ => match SegmentMap::preset(name) {
                    Some(m) => (name.to_string(), m),
                    None => {
                        return exec_err!(
                            "{SEGMENT}: map {name:?} is not a preset (default, with-lost, tiers)"
                        );
                    }
                },
            };
            let score = RfmScore {
                r: small_int(SEGMENT, "r", cols[0].value(i), 1, MAX_BINS)?,
                f: small_int(SEGMENT, "f", cols[1].value(i), 1, MAX_BINS)?,
                m: small_int(SEGMENT, "m", cols[2].value(i), 1, MAX_BINS)?,
            };
            out.push(Some(map.1.segment_of(&score).to_string()));
            current = Some(map);
        }
        Ok(ColumnarValue::Array(Arc::new(StringArray::from(out))))
    }
}
