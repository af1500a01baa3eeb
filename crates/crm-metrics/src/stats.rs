//! Interval and test helpers shared by the survey metrics: normal and Student-t quantiles (from
//! `statrs`), the Wilson score interval and two-sided p-values.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::error::{MetricsError, Result};

/// A two-sided confidence interval `[low, high]` at `level` (e.g. 0.95).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Confidence level in (0, 1).
    pub level: f64,
}

impl Interval {
    /// True when `low <= x <= high`.
    #[must_use]
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
    /// `high - low`.
    #[must_use]
    pub fn width(&self) -> f64 {
        self.high - self.low
    }
}

fn check_level(level: f64) -> Result<()> {
    if level.is_finite() && level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(MetricsError::InvalidParameter {
            name: "confidence level",
            value: level.to_string(),
            reason: "must lie strictly between 0 and 1",
        })
    }
}

fn std_normal() -> Result<Normal> {
    Normal::new(0.0, 1.0).map_err(|_| MetricsError::InvalidParameter {
        name: "normal distribution",
        value: "N(0, 1)".into(),
        reason: "statrs refused the standard normal",
    })
}

/// The two-sided standard-normal critical value `z = Phi^-1((1 + level) / 2)`.
///
/// ```text
/// z(0.90) = 1.6449, z(0.95) = 1.9600, z(0.99) = 2.5758
/// ```
///
/// ```
/// let z = crm_analytics::metrics::stats::z_critical(0.95)?;
/// assert!((z - 1.959964).abs() < 1e-6);
/// # Ok::<(), crm_analytics::metrics::MetricsError>(())
/// ```
///
/// # Errors
/// [`MetricsError::InvalidParameter`] unless `0 < level < 1`.
pub fn z_critical(level: f64) -> Result<f64> {
    check_level(level)?;
    Ok(std_normal()?.inverse_cdf(0.5 + level / 2.0))
}

/// The two-sided Student-t critical value with `df` degrees of freedom.
///
/// ```
/// let t = crm_analytics::metrics::stats::t_critical(0.95, 9.0)?;
/// assert!((t - 2.262157).abs() < 1e-5);
/// # Ok::<(), crm_analytics::metrics::MetricsError>(())
/// ```
///
/// # Errors
/// [`MetricsError::InvalidParameter`] unless `0 < level < 1` and `df > 0`.
pub fn t_critical(level: f64, df: f64) -> Result<f64> {
    check_level(level)?;
    let t = StudentsT::new(0.0, 1.0, df).map_err(|_| MetricsError::InvalidParameter {
        name: "degrees of freedom",
        value: df.to_string(),
        reason: "must be positive",
    })?;
    Ok(t.inverse_cdf(0.5 + level / 2.0))
}

/// Two-sided p-value of a standard-normal statistic: `2 * (1 - Phi(|z|))`.
///
/// # Errors
/// Only if statrs refuses the standard normal (never in practice).
pub fn two_sided_p(z: f64) -> Result<f64> {
    Ok((2.0 * std_normal()?.sf(z.abs())).clamp(0.0, 1.0))
}

/// Wilson score interval for a binomial proportion `successes / n`.
///
/// ```text
/// p = x / n, z = z_critical(level)
/// centre = (p + z^2 / (2n)) / (1 + z^2 / n)
/// half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / (4 n^2))
/// ```
///
/// Always inside [0, 1] and always contains `p`. Reference: Wilson (1927), "Probable inference,
/// the law of succession, and statistical inference", JASA 22:209-212.
///
/// ```
/// let ci = crm_analytics::metrics::stats::wilson(8, 10, 0.95)?;
/// assert!((ci.low - 0.4902).abs() < 1e-4 && (ci.high - 0.9433).abs() < 1e-4);
/// # Ok::<(), crm_analytics::metrics::MetricsError>(())
/// ```
///
/// # Errors
/// [`MetricsError::Empty`] when `n = 0`; [`MetricsError::InvalidParameter`] for a bad level or
/// `successes > n`.
pub fn wilson(successes: u64, n: u64, level: f64) -> Result<Interval> {
    if n == 0 {
        return Err(MetricsError::Empty {
            metric: "Wilson interval",
        });
    }
    if successes > n {
        return Err(MetricsError::InvalidParameter {
            name: "successes",
            value: successes.to_string(),
            reason: "exceeds the number of trials",
        });
    }
    let z = z_critical(level)?;
    let nf = n as f64;
    let p = successes as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = z / denom * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    Ok(Interval {
        low: (centre - half).clamp(0.0, p),
        high: (centre + half).clamp(p, 1.0),
        level,
    })
}
