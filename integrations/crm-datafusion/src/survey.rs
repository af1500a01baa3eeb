//! Survey aggregates: `crm_nps`, `crm_nps_detail`, `crm_csat`, `crm_ces`, `crm_ces_v1`.
//!
//! Each accumulator holds the native mergeable state (`NpsState`, `CsatState`, `CesState`); its
//! partial state travels between partitions as the exact category or per-value counts, so
//! merging gives the native single-pass result bit for bit.

use std::sync::Arc;

use crm_analytics::metrics::satisfaction::{CesState, CsatState, NpsInterval, NpsState};
use crm_analytics::model::{CesScore, CesVersion, CsatScale, CsatScore, NpsScore};
use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::cast::{as_float64_array, as_uint64_array};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};

use crate::util::{check_arity, fields, null_struct, numeric, small_int, struct_scalar};

/// Confidence level of the intervals the survey aggregates report.
pub const LEVEL: f64 = 0.95;

/// Which survey aggregate an [`SurveyUdaf`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// `crm_nps`: the score only.
    Nps,
    /// `crm_nps_detail`: counts, score, standard error, adjusted-Wald interval.
    NpsDetail,
    /// `crm_csat`: top-2-box on 1-5 with Wilson interval, mean.
    Csat,
    /// `crm_ces` (v2, 1-7) and `crm_ces_v1` (1-5): mean with t interval.
    Ces(CesVersion),
}

/// A survey aggregate over one numeric score column (NULLs skipped).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SurveyUdaf {
    name: &'static str,
    kind: Kind,
    signature: Signature,
}

impl SurveyUdaf {
    fn new(name: &'static str, kind: Kind) -> Self {
        SurveyUdaf {
            name,
            kind,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
    pub(crate) fn nps() -> Self {
        Self::new("crm_nps", Kind::Nps)
    }
    pub(crate) fn nps_detail() -> Self {
        Self::new("crm_nps_detail", Kind::NpsDetail)
    }
    pub(crate) fn csat() -> Self {
        Self::new("crm_csat", Kind::Csat)
    }
    pub(crate) fn ces() -> Self {
        Self::new("crm_ces", Kind::Ces(CesVersion::V2))
    }
    pub(crate) fn ces_v1() -> Self {
        Self::new("crm_ces_v1", Kind::Ces(CesVersion::V1))
    }
}

/// Fields of `crm_nps_detail`'s struct.
pub fn nps_detail_fields() -> Fields {
    use DataType::{Float64, UInt64};
    fields(&[
        ("n", UInt64),
        ("promoters", UInt64),
        ("passives", UInt64),
        ("detractors", UInt64),
        ("score", Float64),
        ("standard_error", Float64),
        ("low", Float64),
        ("high", Float64),
    ])
}

/// Fields of `crm_csat`'s struct.
pub fn csat_fields() -> Fields {
    use DataType::{Float64, UInt64};
    fields(&[
        ("n", UInt64),
        ("satisfied", UInt64),
        ("top_two_box", Float64),
        ("low", Float64),
        ("high", Float64),
        ("mean", Float64),
        ("std_dev", Float64),
    ])
}

/// Fields of `crm_ces`'s struct.
pub fn ces_fields() -> Fields {
    use DataType::{Float64, UInt64};
    fields(&[
        ("n", UInt64),
        ("mean", Float64),
        ("std_dev", Float64),
        ("low", Float64),
        ("high", Float64),
        ("low_effort_share", Float64),
    ])
}

impl AggregateUDFImpl for SurveyUdaf {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        check_arity(self.name, arg_types, 1, 1)?;
        Ok(vec![numeric(self.name, "score", &arg_types[0])?])
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            Kind::Nps => DataType::Float64,
            Kind::NpsDetail => DataType::Struct(nps_detail_fields()),
            Kind::Csat => DataType::Struct(csat_fields()),
            Kind::Ces(_) => DataType::Struct(ces_fields()),
        })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let names: Vec<String> = match self.kind {
            Kind::Nps | Kind::NpsDetail => ["promoters", "passives", "detractors"]
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
            Kind::Csat | Kind::Ces(_) => (0..=10).map(|v| format!("count_{v}")).collect(),
        };
        Ok(names
            .iter()
            .map(|n| {
                Arc::new(Field::new(
                    format_state_name(args.name, n),
                    DataType::UInt64,
                    false,
                ))
            })
            .collect())
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        matches!(self.kind, Kind::Nps | Kind::NpsDetail)
    }

    fn create_groups_accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        match self.kind {
            Kind::Nps | Kind::NpsDetail => Ok(Box::new(NpsGroups {
                name: self.name,
                detail: self.kind == Kind::NpsDetail,
                states: Vec::new(),
            })),
            _ => exec_err!("{}: no groups accumulator", self.name),
        }
    }

    fn accumulator(&self, _acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(match self.kind {
            Kind::Nps | Kind::NpsDetail => Box::new(NpsAcc {
                name: self.name,
                detail: self.kind == Kind::NpsDetail,
                state: NpsState::new(),
            }),
            Kind::Csat => Box::new(HistAcc {
                name: self.name,
                state: Hist::Csat(CsatState::new(CsatScale::OneToFive)),
            }),
            Kind::Ces(v) => Box::new(HistAcc {
                name: self.name,
                state: Hist::Ces(CesState::new(v)),
            }),
        })
    }
}

/// Converts a native error into a DataFusion execution error naming the function.
fn native<E: std::fmt::Display>(
    function: &str,
) -> impl Fn(E) -> datafusion::error::DataFusionError {
    move |e| datafusion::error::DataFusionError::Execution(format!("{function}: {e}"))
}

/// Counts of a state array row (non-NULL by construction).
fn state_counts(states: &[ArrayRef]) -> Result<Vec<&datafusion::arrow::array::UInt64Array>> {
    states.iter().map(|a| as_uint64_array(a)).collect()
}

#[derive(Debug)]
struct NpsAcc {
    name: &'static str,
    detail: bool,
    state: NpsState,
}

impl NpsAcc {
    /// `(promoters, passives, detractors)`.
    fn counts(&self) -> Result<(u64, u64, u64)> {
        nps_counts(self.name, &self.state)
    }
}

impl Accumulator for NpsAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let scores = as_float64_array(&values[0])?;
        let mut part = NpsState::new();
        for v in scores.iter().flatten() {
            let s = small_int(self.name, "score", v, 0, 10)?;
            part.push(NpsScore::new(s).map_err(native(self.name))?);
        }
        // Only a fully valid batch changes the state.
        self.state.merge(&part);
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let (p, pa, d) = self.counts()?;
        Ok(vec![
            ScalarValue::UInt64(Some(p)),
            ScalarValue::UInt64(Some(pa)),
            ScalarValue::UInt64(Some(d)),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let c = state_counts(states)?;
        if c.len() != 3 {
            return exec_err!("{}: expected 3 state columns, got {}", self.name, c.len());
        }
        for i in 0..c[0].len() {
            self.state.merge(&NpsState::from_counts(
                c[0].value(i),
                c[1].value(i),
                c[2].value(i),
            ));
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        nps_value(self.name, self.detail, &self.state)
    }

    fn size(&self) -> usize {
        size_of_val(self)
    }
}

/// The result of `crm_nps` (`detail` false) or `crm_nps_detail` for one native state.
fn nps_value(name: &str, detail: bool, state: &NpsState) -> Result<ScalarValue> {
    if state.n() == 0 {
        return if detail {
            null_struct(&nps_detail_fields())
        } else {
            Ok(ScalarValue::Float64(None))
        };
    }
    let nps = state.finish().map_err(native(name))?;
    if !detail {
        return Ok(ScalarValue::Float64(Some(nps.score)));
    }
    let ci = nps
        .interval(LEVEL, NpsInterval::default())
        .map_err(native(name))?;
    struct_scalar(
        &nps_detail_fields(),
        &[
            ScalarValue::UInt64(Some(nps.n)),
            ScalarValue::UInt64(Some(nps.promoters)),
            ScalarValue::UInt64(Some(nps.passives)),
            ScalarValue::UInt64(Some(nps.detractors)),
            ScalarValue::Float64(Some(nps.score)),
            ScalarValue::Float64(Some(nps.standard_error)),
            ScalarValue::Float64(Some(ci.low)),
            ScalarValue::Float64(Some(ci.high)),
        ],
    )
}

/// `(promoters, passives, detractors)` of a native state.
fn nps_counts(name: &str, state: &NpsState) -> Result<(u64, u64, u64)> {
    if state.n() == 0 {
        return Ok((0, 0, 0));
    }
    let n = state.finish().map_err(native(name))?;
    Ok((n.promoters, n.passives, n.detractors))
}

/// `crm_nps` and `crm_nps_detail` with one native `NpsState` per group (DataFusion's fast path
/// for GROUP BY with many groups).
#[derive(Debug)]
struct NpsGroups {
    name: &'static str,
    detail: bool,
    states: Vec<NpsState>,
}

impl GroupsAccumulator for NpsGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        let scores = as_float64_array(&values[0])?;
        // Validate the whole batch first, so that a bad value leaves the states unchanged.
        let mut rows = Vec::with_capacity(scores.len());
        for (i, &g) in group_indices.iter().enumerate() {
            if scores.is_null(i) || opt_filter.is_some_and(|f| !f.is_valid(i) || !f.value(i)) {
                continue;
            }
            let s = small_int(self.name, "score", scores.value(i), 0, 10)?;
            rows.push((g, NpsScore::new(s).map_err(native(self.name))?));
        }
        if self.states.len() < total_num_groups {
            self.states.resize_with(total_num_groups, NpsState::new);
        }
        for (g, s) in rows {
            match self.states.get_mut(g) {
                Some(state) => state.push(s),
                None => return exec_err!("{}: group index {g} out of range", self.name),
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let states = emit_to.take_needed(&mut self.states);
        let values = states
            .iter()
            .map(|s| nps_value(self.name, self.detail, s))
            .collect::<Result<Vec<ScalarValue>>>()?;
        if values.is_empty() {
            let t = if self.detail {
                DataType::Struct(nps_detail_fields())
            } else {
                DataType::Float64
            };
            return Ok(datafusion::arrow::array::new_empty_array(&t));
        }
        ScalarValue::iter_to_array(values)
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let states = emit_to.take_needed(&mut self.states);
        let counts = states
            .iter()
            .map(|s| nps_counts(self.name, s))
            .collect::<Result<Vec<(u64, u64, u64)>>>()?;
        Ok(vec![
            Arc::new(UInt64Array::from_iter_values(counts.iter().map(|c| c.0))),
            Arc::new(UInt64Array::from_iter_values(counts.iter().map(|c| c.1))),
            Arc::new(UInt64Array::from_iter_values(counts.iter().map(|c| c.2))),
        ])
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        let c = state_counts(values)?;
        if c.len() != 3 {
            return exec_err!("{}: expected 3 state columns, got {}", self.name, c.len());
        }
        if self.states.len() < total_num_groups {
            self.states.resize_with(total_num_groups, NpsState::new);
        }
        for (i, &g) in group_indices.iter().enumerate() {
            let other = NpsState::from_counts(c[0].value(i), c[1].value(i), c[2].value(i));
            match self.states.get_mut(g) {
                Some(state) => state.merge(&other),
                None => return exec_err!("{}: group index {g} out of range", self.name),
            }
        }
        Ok(())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        // One native state per row: its answer's category (nothing for NULL or filtered rows).
        let scores = as_float64_array(&values[0])?;
        let mut counts = Vec::with_capacity(scores.len());
        for i in 0..scores.len() {
            let mut state = NpsState::new();
            if scores.is_valid(i) && opt_filter.is_none_or(|f| f.is_valid(i) && f.value(i)) {
                let s = small_int(self.name, "score", scores.value(i), 0, 10)?;
                state.push(NpsScore::new(s).map_err(native(self.name))?);
            }
            counts.push(nps_counts(self.name, &state)?);
        }
        Ok(vec![
            Arc::new(UInt64Array::from_iter_values(counts.iter().map(|c| c.0))),
            Arc::new(UInt64Array::from_iter_values(counts.iter().map(|c| c.1))),
            Arc::new(UInt64Array::from_iter_values(counts.iter().map(|c| c.2))),
        ])
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.states.capacity() * size_of::<NpsState>()
    }
}

/// The native histogram states.
#[derive(Debug)]
enum Hist {
    Csat(CsatState),
    Ces(CesState),
}

impl Hist {
    fn counts(&self) -> [u64; 11] {
        match self {
            Hist::Csat(s) => s.counts(),
            Hist::Ces(s) => s.counts(),
        }
    }
}

#[derive(Debug)]
struct HistAcc {
    name: &'static str,
    state: Hist,
}

impl Accumulator for HistAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let scores = as_float64_array(&values[0])?;
        let name = self.name;
        // A copy, so that a bad value leaves the state unchanged.
        let mut part = match &self.state {
            Hist::Csat(s) => Hist::Csat(CsatState::new(s.scale())),
            Hist::Ces(s) => Hist::Ces(CesState::new(s.version())),
        };
        for v in scores.iter().flatten() {
            match &mut part {
                Hist::Csat(s) => {
                    let x = small_int(name, "score", v, 1, s.scale().max())?;
                    let score = CsatScore::new(x, s.scale()).map_err(native(name))?;
                    s.push(score).map_err(native(name))?;
                }
                Hist::Ces(s) => {
                    let x = small_int(name, "score", v, 1, s.version().max())?;
                    let score = CesScore::new(x, s.version()).map_err(native(name))?;
                    s.push(score).map_err(native(name))?;
                }
            }
        }
        self.merge_state(&part)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(self
            .state
            .counts()
            .iter()
            .map(|&c| ScalarValue::UInt64(Some(c)))
            .collect())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let c = state_counts(states)?;
        if c.len() != 11 {
            return exec_err!("{}: expected 11 state columns, got {}", self.name, c.len());
        }
        for i in 0..c[0].len() {
            let mut counts = [0u64; 11];
            for (slot, col) in counts.iter_mut().zip(&c) {
                *slot = col.value(i);
            }
            let other = match &self.state {
                Hist::Csat(s) => Hist::Csat(
                    CsatState::from_counts(s.scale(), counts).map_err(native(self.name))?,
                ),
                Hist::Ces(s) => Hist::Ces(
                    CesState::from_counts(s.version(), counts).map_err(native(self.name))?,
                ),
            };
            self.merge_state(&other)?;
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let name = self.name;
        let n: u64 = self.state.counts().iter().sum();
        match &self.state {
            Hist::Csat(_) if n == 0 => null_struct(&csat_fields()),
            Hist::Ces(_) if n == 0 => null_struct(&ces_fields()),
            Hist::Csat(s) => {
                let c = s.finish().map_err(native(name))?;
                let w = c.top_two_box_interval(LEVEL).map_err(native(name))?;
                struct_scalar(
                    &csat_fields(),
                    &[
                        ScalarValue::UInt64(Some(c.n)),
                        ScalarValue::UInt64(Some(c.satisfied)),
                        ScalarValue::Float64(Some(c.top_two_box)),
                        ScalarValue::Float64(Some(w.low)),
                        ScalarValue::Float64(Some(w.high)),
                        ScalarValue::Float64(Some(c.mean)),
                        ScalarValue::Float64(c.std_dev),
                    ],
                )
            }
            Hist::Ces(s) => {
                let c = s.finish().map_err(native(name))?;
                // The t interval needs two answers: NULL bounds below that.
                let t = if c.n >= 2 {
                    Some(c.mean_interval(LEVEL).map_err(native(name))?)
                } else {
                    None
                };
                struct_scalar(
                    &ces_fields(),
                    &[
                        ScalarValue::UInt64(Some(c.n)),
                        ScalarValue::Float64(Some(c.mean)),
                        ScalarValue::Float64(c.std_dev),
                        ScalarValue::Float64(t.map(|t| t.low)),
                        ScalarValue::Float64(t.map(|t| t.high)),
                        ScalarValue::Float64(Some(c.low_effort_share)),
                    ],
                )
            }
        }
    }

    fn size(&self) -> usize {
        size_of_val(self)
    }
}

impl HistAcc {
    fn merge_state(&mut self, other: &Hist) -> Result<()> {
        let name = self.name;
        match (&mut self.state, other) {
            (Hist::Csat(a), Hist::Csat(b)) => a.merge(b).map_err(native(name)),
            (Hist::Ces(a), Hist::Ces(b)) => a.merge(b).map_err(native(name)),
            _ => exec_err!("{name}: mixed CSAT and CES states"),
        }
    }
}
