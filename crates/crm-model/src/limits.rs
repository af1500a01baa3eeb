//! Resource limits: how large a structure sized from the data's date span may grow.
//!
//! A single hostile record (a purchase dated 0001-01-01 next to one dated 9999-12-30) must not
//! make a library allocate for every period between the two dates. Functions that lay data out
//! per period check the span against a [`Limits`] value and return
//! [`crate::ModelError::LimitExceeded`] instead; the defaults protect a service, and a caller
//! with long histories raises them through the `*_with_limits` variants.

/// Limits on structures sized by the span of dates in the data.
///
/// | field | default | guards |
/// |---|---|---|
/// | `max_periods` | 1200 (100 years of months) | monthly (or coarser) cohort matrices and series |
/// | `max_weekly_periods` | 2609 (50 years of weeks) | weekly cohort matrices and series |
/// | `max_groups` | 100,000 | groups of a drill-down (`--by` values times `--every` periods) |
///
/// A cohort matrix of P periods holds about P^2 counters (16 bytes each) plus P/64 words per
/// customer, so the defaults cap it near 12 MB (months) and 55 MB (weeks).
///
/// ```
/// use crm_analytics::model::Limits;
/// let mut l = Limits::default();
/// assert_eq!(l.max_periods, 1200);
/// l.max_periods = 2400;   // two centuries of monthly cohorts
/// # let _ = l;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Most monthly (or coarser) periods between the first and last date.
    pub max_periods: usize,
    /// Most weekly periods between the first and last date.
    pub max_weekly_periods: usize,
    /// Most groups of a drill-down: one state per distinct combination of the group columns'
    /// values and the period (`crm_metrics::group::Groups`).
    pub max_groups: usize,
}

impl Limits {
    /// The defaults (see the table above).
    pub const DEFAULT: Limits = Limits {
        max_periods: 1200,
        max_weekly_periods: 2609,
        max_groups: 100_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
