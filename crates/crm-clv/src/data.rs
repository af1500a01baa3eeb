//! Model inputs: per-customer purchase histories (x, t_x, T), grouped and weighted.

use crm_model::PurchaseSummary;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{ClvError, Result};

/// Above twice this many groups, fits start from the estimate on a subsample of this size.
pub(crate) const WARM_START_GROUPS: usize = 50_000;

/// The largest total weight of a data set: 2^53, the largest count of customers an `f64`
/// holds exactly. A log-likelihood is the weighted sum of per-customer terms of magnitude up
/// to about 3.2e12 (x up to 2^32, ln(alpha + T) <= 710), so with this bound it stays below
/// about 3e28; weights like 1e300 made it overflow to +inf or inf - inf = NaN (found by
/// fuzzing).
pub const MAX_TOTAL_WEIGHT: f64 = 9_007_199_254_740_992.0;

/// Checks weight `w` of record `index` and adds it to `total`: finite, >= 0, and the running
/// total at most [`MAX_TOTAL_WEIGHT`].
pub(crate) fn add_weight(total: &mut f64, index: usize, w: f64) -> Result<()> {
    if !w.is_finite() || w < 0.0 {
        return Err(ClvError::InvalidRecord {
            index,
            field: "weight",
            value: w,
            reason: "weights must be finite and >= 0",
        });
    }
    *total += w;
    if !(*total <= MAX_TOTAL_WEIGHT) {
        return Err(ClvError::InvalidRecord {
            index,
            field: "weight",
            value: w,
            reason: "the weights add up to more than 2^53 (MAX_TOTAL_WEIGHT)",
        });
    }
    Ok(())
}

/// One customer's calibration history in the model's time unit.
///
/// ```text
/// x   = number of repeat purchases (occasions after the first)
/// t_x = time of the last purchase since the first (0 when x = 0)
/// T   = time from the first purchase to the end of the calibration window (age)
/// 0 <= t_x <= T
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// x: repeat purchases.
    pub x: u32,
    /// t_x: recency (time of the last purchase since the first).
    pub t_x: f64,
    /// T: age (time from the first purchase to the end of observation).
    #[serde(rename = "T")]
    pub t: f64,
}

impl History {
    /// A history; see [`History::check`] for validation.
    #[must_use]
    pub const fn new(x: u32, t_x: f64, t: f64) -> Self {
        History { x, t_x, t }
    }

    /// Validates `0 <= t_x <= T`, finiteness, and `t_x = 0` when `x = 0`
    /// ([`crm_model::check_history`]); `index` names the record in errors.
    ///
    /// # Errors
    /// [`ClvError::InvalidRecord`].
    pub fn check(&self, index: usize) -> Result<()> {
        match crm_model::check_history(self.x, self.t_x, self.t) {
            Err(crm_model::ModelError::InvalidHistory {
                field,
                value,
                reason,
            }) => Err(ClvError::InvalidRecord {
                index,
                field,
                value,
                reason,
            }),
            Err(other) => Err(other.into()),
            Ok(()) => Ok(()),
        }
    }
}

/// Customer histories grouped by identical (x, t_x, T), each group with a weight (number of
/// customers). Fitting cost is proportional to the number of groups, not customers.
///
/// Groups keep first-seen order. Build with [`Histories::from_summaries`],
/// [`Histories::from_slices`] or [`Histories::from_weighted`].
///
/// ```
/// use crm_analytics::clv::{Histories, History};
/// let h = Histories::from_slices(&[0, 2, 0], &[0.0, 3.5, 0.0], &[10.0, 10.0, 10.0], None)?;
/// assert_eq!(h.len(), 2);              // two distinct histories
/// assert_eq!(h.total_weight(), 3.0);   // three customers
/// # Ok::<(), crm_analytics::clv::ClvError>(())
/// ```
///
/// Deserializing checks the data as [`Histories::from_slices`] does (an invalid history,
/// weight or column length is an error, not a data set that breaks a fit later).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "HistoryColumns")]
pub struct Histories {
    pub(crate) x: Vec<u32>,
    pub(crate) t_x: Vec<f64>,
    pub(crate) t: Vec<f64>,
    pub(crate) w: Vec<f64>,
}

/// The serialized form of [`Histories`], checked on the way in.
#[derive(Deserialize)]
struct HistoryColumns {
    x: Vec<u32>,
    t_x: Vec<f64>,
    t: Vec<f64>,
    w: Vec<f64>,
}

impl TryFrom<HistoryColumns> for Histories {
    type Error = ClvError;

    fn try_from(c: HistoryColumns) -> Result<Self> {
        Histories::from_slices(&c.x, &c.t_x, &c.t, Some(&c.w))
    }
}

impl Histories {
    /// Groups purchase summaries (x = `frequency`, t_x = `recency`, T = `age`).
    ///
    /// # Errors
    /// [`ClvError::InvalidRecord`] naming the first invalid summary.
    pub fn from_summaries(summaries: &[PurchaseSummary]) -> Result<Self> {
        Self::from_weighted(
            summaries
                .iter()
                .map(|s| (History::new(s.frequency, s.recency, s.age), 1.0)),
        )
    }

    /// Groups column slices; `weights` (one per row, >= 0, at most [`MAX_TOTAL_WEIGHT`] in
    /// total; zero rows are dropped) defaults to 1.
    ///
    /// # Errors
    /// [`ClvError::LengthMismatch`], [`ClvError::InvalidRecord`].
    pub fn from_slices(x: &[u32], t_x: &[f64], t: &[f64], weights: Option<&[f64]>) -> Result<Self> {
        let n = x.len();
        for (what, len) in [("t_x", t_x.len()), ("T", t.len())] {
            if len != n {
                return Err(ClvError::LengthMismatch {
                    what,
                    found: len,
                    expected: n,
                });
            }
        }
        if let Some(w) = weights {
            if w.len() != n {
                return Err(ClvError::LengthMismatch {
                    what: "weights",
                    found: w.len(),
                    expected: n,
                });
            }
        }
        Self::from_weighted((0..n).map(|i| {
            (
                History::new(x[i], t_x[i], t[i]),
                weights.map_or(1.0, |w| w[i]),
            )
        }))
    }

    /// Groups `(history, weight)` pairs.
    ///
    /// # Errors
    /// [`ClvError::InvalidRecord`] for an invalid history, a weight that is negative or not
    /// finite, or weights adding up to more than [`MAX_TOTAL_WEIGHT`].
    pub fn from_weighted(rows: impl IntoIterator<Item = (History, f64)>) -> Result<Self> {
        let mut map: FxHashMap<(u32, u64, u64), usize> = FxHashMap::default();
        let mut out = Histories::default();
        let mut total = 0.0;
        for (i, (h, w)) in rows.into_iter().enumerate() {
            h.check(i)?;
            add_weight(&mut total, i, w)?;
            if w == 0.0 {
                continue;
            }
            // t_x may exceed T by rounding noise: clamp (validated above).
            let t_x = h.t_x.min(h.t);
            let key = (h.x, (t_x + 0.0).to_bits(), (h.t + 0.0).to_bits());
            let next = out.x.len();
            let g = *map.entry(key).or_insert(next);
            if g == next {
                out.x.push(h.x);
                out.t_x.push(t_x);
                out.t.push(h.t);
                out.w.push(w);
            } else {
                out.w[g] += w;
            }
        }
        Ok(out)
    }

    /// Number of distinct histories (groups).
    #[must_use]
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// `true` when there is no history.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Sum of the weights (number of customers when weights are counts).
    #[must_use]
    pub fn total_weight(&self) -> f64 {
        self.w.iter().sum()
    }

    /// The groups as `(history, weight)`.
    pub fn iter(&self) -> impl Iterator<Item = (History, f64)> + '_ {
        (0..self.len()).map(|i| (History::new(self.x[i], self.t_x[i], self.t[i]), self.w[i]))
    }

    /// Weighted mean age T (at least 1e-3): the starting value of the purchase models' scale
    /// parameters.
    pub(crate) fn mean_age(&self) -> f64 {
        let sum: f64 = self.t.iter().zip(&self.w).map(|(t, w)| t * w).sum();
        (sum / self.total_weight().max(1.0)).max(1e-3)
    }

    /// Checks the data for `model` and, for very large inputs, replaces `start` by the estimate
    /// `fit` finds on a subsample of the groups (convergence not required), so the full-data
    /// optimisation needs only a few iterations.
    pub(crate) fn warm_start<P: Copy>(
        &self,
        model: &'static str,
        options: &crate::FitOptions,
        start: P,
        fit: impl Fn(&Histories, &crate::FitOptions, P) -> Result<crate::Fitted<P>>,
    ) -> Result<P> {
        self.check_fit(model)?;
        Ok(match self.subsample(WARM_START_GROUPS) {
            Some(sub) if sub.check_fit(model).is_ok() => {
                fit(&sub, &options.require_convergence(false), start).map_or(start, |f| f.params)
            }
            _ => start,
        })
    }

    /// A deterministic subsample of about `max_groups` groups (every k-th group), used to find
    /// starting values cheaply on very large inputs; `None` when the data is small already.
    pub(crate) fn subsample(&self, max_groups: usize) -> Option<Histories> {
        if self.len() <= 2 * max_groups || max_groups == 0 {
            return None;
        }
        let step = self.len() / max_groups;
        let mut out = Histories::default();
        for i in (0..self.len()).step_by(step) {
            out.x.push(self.x[i]);
            out.t_x.push(self.t_x[i]);
            out.t.push(self.t[i]);
            out.w.push(self.w[i]);
        }
        Some(out)
    }

    /// Checks the data can identify a model with a death process: at least two customers and
    /// at least one repeat purchase.
    pub(crate) fn check_fit(&self, model: &'static str) -> Result<()> {
        let total = self.total_weight();
        if total < 2.0 || self.is_empty() {
            return Err(ClvError::DegenerateData {
                model,
                reason: format!(
                    "{total} customer(s); at least two are needed to fit the population parameters"
                ),
            });
        }
        if self.x.iter().all(|&x| x == 0) {
            return Err(ClvError::DegenerateData {
                model,
                reason: "every customer has x = 0 repeat purchases, so purchase rates and \
                         dropout cannot be told apart (the likelihood has no maximum)"
                    .into(),
            });
        }
        if self.t.iter().all(|&t| t <= 0.0) {
            return Err(ClvError::DegenerateData {
                model,
                reason: "every customer has age T = 0".into(),
            });
        }
        Ok(())
    }
}
