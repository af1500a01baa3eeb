//! Survey aggregates: `crm_nps`, `crm_nps_detail`, `crm_csat`, `crm_ces`, `crm_ces_v1`.
//!
//! Each accumulator holds the native mergeable state (`NpsState`, `CsatState`, `CesState`); its
//! partial state travels between partitions as the exact category or per-value counts, so
//! merging gives the native single-pass result bit for bit.

use std::sync::Arc;

use crm_analytics::metrics::satisfaction::{CesState, CsatState, NpsInterval, NpsState};
use crm_analytics::model::{CesScore, CesVersion, CsatScale, CsatScore, NpsScore};
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::cast::{as_float64_array, as_uint64_array};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};

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
        if self.state.n() == 0 {
            return Ok((0, 0, 0));
        }
        let n = self.state.finish().map_err(native(self.name))?;
        Ok((n.promoters, n.passives, n.detractors))
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
        if self.state.n() == 0 {
            return if self.detail {
                null_struct(&nps_detail_fields())
            } else {
                Ok(ScalarValue::Float64(None))
            };
        }
        let nps = self.state.finish().map_err(native(self.name))?;
        if !self.detail {
            return Ok(ScalarValue::Float64(Some(nps.score)));
        }
        let ci = nps
            .interval(LEVEL, NpsInterval::default())
            .map_err(native(self.name))?;
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

    fn size(&self) -> usize {
        size_of_val(self)
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
