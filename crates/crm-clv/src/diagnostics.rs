//! Model diagnostics of a purchase model against a calibration/holdout split, the three views
//! the BTYD literature checks a fit with (Fader, Hardie & Lee 2005, figures 1-4; `lifetimes`'
//! `plot_period_transactions`, `plot_calibration_purchases_vs_holdout_purchases` and
//! `plot_cumulative_transactions`):
//!
//! ```text
//! cohort  = customers whose first purchase is on or before the calibration end
//! origin  = the cohort's earliest first purchase; period k = (end_{k-1}, end_k] with
//!           end_k = origin + k units - 1 day (the last period ends at the holdout end)
//! tracking, period k:
//!   actual     = repeat purchases (occasions after each customer's first) of the cohort in it
//!   expected   = E_cum(end_k) - E_cum(end_{k-1}),
//!                E_cum(t) = sum over the cohort of E[X(age at t)] for a new customer,
//!                age at t = elapsed(first purchase, t) in the model unit (0 before the first)
//! conditional, per calibration frequency x (the last bin holds x >= max_frequency):
//!   actual     = mean holdout purchases of the customers with that x
//!   predicted  = mean E[X(holdout length) | x, t_x, T]
//! frequency, per x: actual = customers with x repeat purchases in calibration,
//!   expected   = sum over customers of P(X(T) = x) for a new customer of age T
//! ```
//!
//! The expected tracking is unconditional (what the model says from the first purchases alone,
//! as in the paper's tracking plot); the conditional view is the customer-level forecast whose
//! holdout total the paper compares: on the CDNOW sample, 1,882 actual and about 1,653
//! predicted repeat purchases in weeks 40-78 (test `tests/cdnow_diagnostics.rs`).
//!
//! Work: the tracking evaluates E once per (period, distinct first-purchase day) and the
//! frequency view once per (bin, distinct age); the number of periods is bounded by
//! [`crm_model::Limits`] (`max_weekly_periods` for days and weeks, `max_periods` for months
//! and longer units) and the caller is told which field to raise.

use crm_model::chrono::NaiveDate;
use crm_model::{
    Limits, ModelError, SameDayPurchases, SummaryOptions, TimeUnit, Transaction,
    purchase_occasions, summarize_with_holdout,
};
use rayon::prelude::*;
use serde::Serialize;

use crate::data::History;
use crate::error::{ClvError, Result};
use crate::purchase::PurchaseModel;

/// The calibration/holdout split and the options of [`diagnose`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct DiagnosticsOptions {
    /// Last day of the calibration window (inclusive).
    pub calibration_end: NaiveDate,
    /// Last day of the holdout window (inclusive, after the calibration end).
    pub holdout_end: NaiveDate,
    /// The model's time unit, also the length of a tracking period.
    pub unit: TimeUnit,
    /// Same-day purchase handling (merge, as the model's summaries do by default).
    pub same_day: SameDayPurchases,
    /// The last frequency bin holds x >= this (default 7, as in the paper's figures).
    pub max_frequency: u32,
    /// Bounds on the number of tracking periods.
    pub limits: Limits,
}

impl DiagnosticsOptions {
    /// Options with the defaults: same-day purchases merged, frequency bins 0..6 and 7+,
    /// default [`Limits`].
    #[must_use]
    pub fn new(calibration_end: NaiveDate, holdout_end: NaiveDate, unit: TimeUnit) -> Self {
        DiagnosticsOptions {
            calibration_end,
            holdout_end,
            unit,
            same_day: SameDayPurchases::Merge,
            max_frequency: 7,
            limits: Limits::DEFAULT,
        }
    }

    /// Sets the last frequency bin (at least 1).
    #[must_use]
    pub fn max_frequency(mut self, v: u32) -> Self {
        self.max_frequency = v.max(1);
        self
    }

    /// Sets same-day handling.
    #[must_use]
    pub fn same_day(mut self, v: SameDayPurchases) -> Self {
        self.same_day = v;
        self
    }

    /// Sets the limits.
    #[must_use]
    pub fn limits(mut self, v: Limits) -> Self {
        self.limits = v;
        self
    }
}

/// One tracking period: repeat purchases of the cohort, actual against expected.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrackingRow {
    /// 1-based period number from the origin.
    pub period: u32,
    /// Last day of the period (inclusive).
    pub end: NaiveDate,
    /// `true` when the period ends after the calibration end.
    pub holdout: bool,
    /// Repeat purchases in the period.
    pub actual: u64,
    /// Expected repeat purchases in the period.
    pub expected: f64,
    /// Repeat purchases up to the end of the period.
    pub cumulative_actual: u64,
    /// Expected repeat purchases up to the end of the period.
    pub cumulative_expected: f64,
}

/// Holdout purchases by calibration frequency: actual against the conditional expectation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ConditionalRow {
    /// Calibration repeat purchases x (the last row: x >= this).
    pub frequency: u32,
    /// `true` for the last, open-ended bin.
    pub open_ended: bool,
    /// Customers in the bin.
    pub customers: u64,
    /// Mean holdout purchases.
    pub actual_mean: f64,
    /// Mean conditional expected holdout purchases.
    pub predicted_mean: f64,
}

/// Customers by calibration repeat purchases: actual count against the model's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FrequencyRow {
    /// Repeat purchases x (the last row: x >= this).
    pub frequency: u32,
    /// `true` for the last, open-ended bin.
    pub open_ended: bool,
    /// Customers with that x.
    pub actual: u64,
    /// Expected customers with that x.
    pub expected: f64,
}

/// The result of [`diagnose`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostics {
    /// The model's short name ([`PurchaseModel::name`], e.g. "bgnbd").
    pub model: &'static str,
    /// The cohort's earliest first purchase (start of period 1).
    pub origin: NaiveDate,
    /// Customers in the cohort (first purchase on or before the calibration end).
    pub customers: u64,
    /// Customers whose first purchase is in the holdout window (not in the cohort).
    pub first_seen_in_holdout: u64,
    /// Transactions after the holdout end (left out).
    pub after_holdout_end: u64,
    /// Length of the holdout window in the unit.
    pub holdout_length: f64,
    /// Repeat purchases of the cohort in the holdout window.
    pub holdout_actual: u64,
    /// Sum of the conditional expected holdout purchases.
    pub holdout_predicted: f64,
    /// Tracking, one row per period from the origin to the holdout end.
    pub tracking: Vec<TrackingRow>,
    /// Conditional expectations by calibration frequency.
    pub conditional: Vec<ConditionalRow>,
    /// Calibration frequency distribution.
    pub frequency: Vec<FrequencyRow>,
}

/// The diagnostics of `model` (fitted on the calibration window) on `tx`; see the module docs
/// for the definitions.
///
/// # Errors
/// [`ClvError::InvalidParameter`] when the holdout end is not after the calibration end;
/// [`ClvError::DegenerateData`] when no customer bought by the calibration end;
/// [`ModelError::LimitExceeded`] (as [`ClvError::Model`]) beyond the period limit; the errors
/// of [`summarize_with_holdout`].
pub fn diagnose<M: PurchaseModel + Sync + ?Sized>(
    model: &M,
    tx: &[Transaction],
    options: &DiagnosticsOptions,
) -> Result<Diagnostics> {
    let (cal_end, hold_end, unit) = (options.calibration_end, options.holdout_end, options.unit);
    if hold_end <= cal_end {
        return Err(ClvError::InvalidParameter {
            name: "holdout_end",
            value: unit.elapsed(cal_end, hold_end),
            reason: "the holdout end must be after the calibration end",
        });
    }
    let summary = SummaryOptions::new(cal_end, unit)
        .same_day(options.same_day)
        .late_events(crm_model::LateEvents::Exclude);
    let split = summarize_with_holdout(tx, &summary, hold_end)?;
    let occasions: Vec<Vec<NaiveDate>> = purchase_occasions(tx, options.same_day)?
        .into_iter()
        .map(|(_, d)| d)
        .filter(|d| d.first().is_some_and(|f| *f <= cal_end))
        .collect();
    let Some(origin) = occasions.iter().filter_map(|d| d.first()).min().copied() else {
        return Err(ClvError::DegenerateData {
            model: model.name(),
            reason: "no customer bought by the calibration end".into(),
        });
    };
    let ends = period_ends(origin, hold_end, unit, &options.limits)?;
    let tracking = tracking(model, &occasions, &ends, cal_end, unit);

    let bins = options.max_frequency.max(1);
    let bin = |x: u32| x.min(bins) as usize;
    let mut cond = vec![(0u64, 0.0f64, 0.0f64); bins as usize + 1];
    let predicted: Vec<f64> = split
        .customers
        .par_iter()
        .map(|c| {
            let s = &c.calibration;
            model.conditional_expected_purchases(
                c.holdout_duration,
                &History::new(s.frequency, s.recency, s.age),
            )
        })
        .collect();
    for (c, p) in split.customers.iter().zip(&predicted) {
        let b = &mut cond[bin(c.calibration.frequency)];
        b.0 += 1;
        b.1 += f64::from(c.holdout_frequency);
        b.2 += p;
    }
    let conditional = cond
        .iter()
        .enumerate()
        .filter(|(_, b)| b.0 > 0)
        .map(|(x, &(n, actual, pred))| ConditionalRow {
            frequency: x as u32,
            open_ended: x as u32 == bins,
            customers: n,
            actual_mean: actual / n as f64,
            predicted_mean: pred / n as f64,
        })
        .collect();

    let frequency = frequency_rows(
        model,
        split
            .customers
            .iter()
            .map(|c| (c.calibration.frequency, c.calibration.age)),
        bins,
    );
    Ok(Diagnostics {
        model: model.name(),
        origin,
        customers: split.customers.len() as u64,
        first_seen_in_holdout: split.first_seen_in_holdout as u64,
        after_holdout_end: split.excluded_after_end as u64,
        holdout_length: unit.elapsed(cal_end, hold_end),
        holdout_actual: split
            .customers
            .iter()
            .map(|c| u64::from(c.holdout_frequency))
            .sum(),
        holdout_predicted: predicted.iter().sum(),
        tracking,
        conditional,
        frequency,
    })
}

/// end_k = origin + k units - 1 day, the last one clamped to `hold_end`.
fn period_ends(
    origin: NaiveDate,
    hold_end: NaiveDate,
    unit: TimeUnit,
    limits: &Limits,
) -> Result<Vec<NaiveDate>> {
    let (limit, field) = match unit {
        TimeUnit::Day | TimeUnit::Week => (limits.max_weekly_periods, "max_weekly_periods"),
        _ => (limits.max_periods, "max_periods"),
    };
    let needed = unit.elapsed(origin, hold_end).floor() as u64 + 1;
    if needed > limit as u64 {
        return Err(ModelError::LimitExceeded {
            what: "model diagnostics tracking periods",
            field,
            needed,
            limit: limit as u64,
        }
        .into());
    }
    let mut ends = Vec::with_capacity(needed as usize);
    for k in 1..=needed as i64 {
        let end = unit
            .add(origin, k)?
            .pred_opt()
            .ok_or(ModelError::DateOverflow)?
            .min(hold_end);
        ends.push(end);
        if end >= hold_end {
            break;
        }
    }
    Ok(ends)
}

/// The tracking rows over `ends` for the cohort's `occasions`.
fn tracking<M: PurchaseModel + Sync + ?Sized>(
    model: &M,
    occasions: &[Vec<NaiveDate>],
    ends: &[NaiveDate],
    cal_end: NaiveDate,
    unit: TimeUnit,
) -> Vec<TrackingRow> {
    // Customers per first-purchase day: E is evaluated once per (period, day).
    let mut firsts: Vec<(NaiveDate, u64)> = Vec::new();
    let mut sorted: Vec<NaiveDate> = occasions
        .iter()
        .filter_map(|d| d.first())
        .copied()
        .collect();
    sorted.sort_unstable();
    for d in sorted {
        match firsts.last_mut() {
            Some((last, n)) if *last == d => *n += 1,
            _ => firsts.push((d, 1)),
        }
    }
    let cumulative: Vec<f64> = ends
        .par_iter()
        .map(|&end| {
            firsts
                .iter()
                .take_while(|(f, _)| *f < end)
                .map(|&(f, n)| n as f64 * model.expected_purchases_new(unit.elapsed(f, end)))
                .sum()
        })
        .collect();
    let mut actual = vec![0u64; ends.len()];
    for days in occasions {
        for d in days.iter().skip(1) {
            let k = ends.partition_point(|e| e < d);
            if let Some(a) = actual.get_mut(k) {
                *a += 1;
            }
        }
    }
    let (mut cum_actual, mut prev) = (0u64, 0.0);
    ends.iter()
        .zip(actual)
        .zip(cumulative)
        .enumerate()
        .map(|(i, ((&end, actual), cum))| {
            cum_actual += actual;
            let row = TrackingRow {
                period: i as u32 + 1,
                end,
                holdout: end > cal_end,
                actual,
                expected: (cum - prev).max(0.0),
                cumulative_actual: cum_actual,
                cumulative_expected: cum,
            };
            prev = cum;
            row
        })
        .collect()
}

/// Customers by calibration frequency (bins 0..max-1 and max+), against the model's expected
/// counts: P(X(T) = x) summed over the customers, grouped by age T.
fn frequency_rows<M: PurchaseModel + Sync + ?Sized>(
    model: &M,
    customers: impl Iterator<Item = (u32, f64)>,
    bins: u32,
) -> Vec<FrequencyRow> {
    let mut actual = vec![0u64; bins as usize + 1];
    let mut ages: Vec<f64> = Vec::new();
    for (x, t) in customers {
        actual[x.min(bins) as usize] += 1;
        ages.push(t);
    }
    ages.sort_unstable_by(f64::total_cmp);
    let mut by_age: Vec<(f64, u64)> = Vec::new();
    for t in ages {
        match by_age.last_mut() {
            Some((last, n)) if *last == t => *n += 1,
            _ => by_age.push((t, 1)),
        }
    }
    let n: u64 = by_age.iter().map(|a| a.1).sum();
    let expected: Vec<f64> = (0..bins)
        .into_par_iter()
        .map(|x| {
            by_age
                .iter()
                .map(|&(t, c)| c as f64 * model.p_purchases_new(x, t))
                .sum()
        })
        .collect();
    let below: f64 = expected.iter().sum();
    (0..=bins)
        .map(|x| FrequencyRow {
            frequency: x,
            open_ended: x == bins,
            actual: actual[x as usize],
            expected: if x == bins {
                (n as f64 - below).max(0.0)
            } else {
                expected[x as usize]
            },
        })
        .collect()
}
