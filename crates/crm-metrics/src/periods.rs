//! The calendar periods of a series (retention or revenue per week, month or quarter of a
//! range), bounded by [`Limits`] so that a long range cannot allocate without bound.

use crm_model::{Limits, ModelError, Period, TimeUnit};

use crate::error::Result;

/// The calendar periods of `unit` that overlap `range`, in order (the first and the last may
/// reach beyond it); `what` names the series in the error.
///
/// # Errors
/// [`ModelError::LimitExceeded`] for more periods than [`Limits::max_periods`] (weeks and
/// days: [`Limits::max_weekly_periods`]).
pub(crate) fn every(
    range: Period,
    unit: TimeUnit,
    limits: &Limits,
    what: &'static str,
) -> Result<Vec<Period>> {
    let (limit, field) = match unit {
        TimeUnit::Day | TimeUnit::Week => (limits.max_weekly_periods, "max_weekly_periods"),
        _ => (limits.max_periods, "max_periods"),
    };
    let periods: Vec<Period> = unit.periods(range).take(limit.saturating_add(1)).collect();
    if periods.len() > limit {
        return Err(ModelError::LimitExceeded {
            what,
            field,
            needed: unit.periods(range).count() as u64,
            limit: limit as u64,
        }
        .into());
    }
    Ok(periods)
}
