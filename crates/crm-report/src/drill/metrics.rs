//! Cohort matrices, revenue retention and funnels per group of customers: one mergeable state
//! per group ([`CohortState`], [`RevenueSeries`], [`FunnelState`]), filled in one pass over the
//! rows, each row's group found from its customer in the customer table.

use crm_io::Lookup;
use crm_metrics::MetricsError;
use crm_metrics::engagement::{
    CohortPeriod, CohortRetention, CohortState, FunnelOrder, FunnelState, FunnelStep,
};
use crm_metrics::revenue::RevenueSeries;
use crm_model::chrono::NaiveDate;
use crm_model::{
    CustomerInterner, Funnel, FunnelEvent, Limits, MrrMovement, TimeUnit, Transaction,
};

use super::{ByGroup, by_customer, by_customer_and};
use crate::results::RevenueFigures;

/// One cell of a cohort matrix as a flat row: the cohort, its size, the period offset and the
/// customers active (classic) or active then or later (rolling) in it, with their share.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CohortCell {
    /// First day of the acquisition period.
    pub cohort: NaiveDate,
    /// Customers acquired in it.
    pub size: u64,
    /// Periods since acquisition (0 = the acquisition period).
    pub period: usize,
    /// Customers retained in that period (classic) or in it or later (rolling).
    pub customers: u64,
    /// `customers / size`.
    pub rate: f64,
}

/// The cohort matrix of each group of customers, as flat cells (cohort, then period offset).
///
/// ```
/// use crm_analytics::io::Lookup;
/// use crm_analytics::metrics::engagement::{CohortPeriod, CohortRetention};
/// use crm_analytics::model::{chrono::NaiveDate, CustomerInterner, Limits, Transaction};
/// use crm_analytics::report::drill::cohorts_by;
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut ids = CustomerInterner::new();
/// let (a, b) = (ids.intern("a")?, ids.intern("b")?);
/// let tx = [
///     Transaction::purchase(a, d(1, 5), 10.into())?,
///     Transaction::purchase(a, d(2, 5), 10.into())?,
///     Transaction::purchase(b, d(1, 9), 10.into())?,
/// ];
/// let lookup = Lookup {
///     key: "customer_id".into(),
///     columns: vec!["region".into()],
///     rows: [("a", "north"), ("b", "south")].map(|(k, v)| (k.to_string(), vec![v.to_string()])).into(),
/// };
/// let r = cohorts_by(&tx, &ids, &lookup, CohortPeriod::Month, CohortRetention::Classic, Limits::default())?;
/// let (north, south) = (&r.groups[0], &r.groups[1]);
/// assert_eq!(north.0, ["north"]);
/// assert_eq!(north.1.iter().map(|c| c.customers).collect::<Vec<_>>(), [1, 1]); // kept in Feb
/// assert_eq!(south.1.iter().map(|c| c.rate).collect::<Vec<_>>(), [1.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// Too many groups, or a group's purchases spanning more periods than `limits` allow. Groups
/// without purchases (only returns) are left out and counted in [`ByGroup::empty`].
pub fn cohorts_by(
    tx: &[Transaction],
    ids: &CustomerInterner,
    lookup: &Lookup,
    period: CohortPeriod,
    kind: CohortRetention,
    limits: Limits,
) -> Result<ByGroup<Vec<CohortCell>>, MetricsError> {
    let d = by_customer(
        tx,
        |t| t.customer(),
        ids,
        lookup,
        limits,
        || CohortState::with_limits(period, limits),
        |s, t| s.push(t),
    )?;
    let mut out = ByGroup {
        names: lookup.columns.clone(),
        groups: Vec::new(),
        unmatched: d.unmatched,
        empty: 0,
    };
    for (key, state) in d.groups.iter() {
        let m = match state.finish() {
            Ok(m) => m,
            Err(MetricsError::Empty { .. }) => {
                out.empty += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        let cells = (m.cohorts.iter())
            .flat_map(|c| {
                let counts = match kind {
                    CohortRetention::Classic => &c.active,
                    CohortRetention::Rolling => &c.rolling,
                };
                (counts.iter().zip(c.rates(kind)).enumerate()).map(|(k, (&n, rate))| CohortCell {
                    cohort: c.start,
                    size: c.size,
                    period: k,
                    customers: n,
                    rate,
                })
            })
            .collect();
        out.groups.push((key.to_vec(), cells));
    }
    Ok(out)
}

/// Revenue churn and retention over the periods of `series` per group of customers by
/// `lookup` (one group of all customers without one), each group's first period starting from
/// the group's own MRR before it and each later period from the one before
/// ([`RevenueSeries`]).
///
/// # Errors
/// Too many groups; a movement the state refuses (e.g. a sum that overflows). (Group, period)
/// pairs without MRR at the period's start (their rates are undefined) are left out and
/// counted in [`ByGroup::empty`], as are those that start below zero (more MRR lost than
/// there was: movements missing from the file).
pub fn revenue_by(
    movements: &[MrrMovement],
    ids: &CustomerInterner,
    lookup: Option<&Lookup>,
    series: &RevenueSeries,
    limits: Limits,
) -> Result<ByGroup<Vec<RevenueFigures>>, MetricsError> {
    let all = Lookup::default();
    let grouped = lookup.is_some();
    let lookup = lookup.unwrap_or(&all);
    let d = by_customer(
        movements,
        |m| m.customer(),
        ids,
        lookup,
        limits,
        || series.clone(),
        |s, m| s.push(m),
    )?;
    let mut out = ByGroup {
        names: lookup.columns.clone(),
        groups: Vec::new(),
        unmatched: if grouped { d.unmatched } else { 0 },
        empty: 0,
    };
    for (key, state) in d.groups.iter() {
        let mut rows = Vec::new();
        for (p, r) in state.finish() {
            match r {
                Ok(r) => rows.push(RevenueFigures::new(&r, p.start(), p.last_day())),
                Err(
                    MetricsError::ZeroDenominator { .. } | MetricsError::InvalidParameter { .. },
                ) => out.empty += 1,
                Err(e) => return Err(e),
            }
        }
        out.groups.push((key.to_vec(), rows));
    }
    Ok(out)
}

/// The funnel report of each group of subjects (customers) by `lookup` (one group without
/// one) and, with `every`, of each period of entry (the week, month or quarter of the
/// subject's first event at the first stage: a cohort of subjects who entered the funnel
/// then, as conversion by signup week is read), one row per stage.
///
/// # Errors
/// Too many groups; an event the state refuses. Groups where nobody reached the first stage
/// are left out and counted in [`ByGroup::empty`].
pub fn funnel_by(
    events: &[FunnelEvent],
    ids: &CustomerInterner,
    lookup: Option<&Lookup>,
    funnel: &Funnel,
    order: FunnelOrder,
    every: Option<TimeUnit>,
    limits: Limits,
) -> Result<ByGroup<Vec<FunnelStep>>, MetricsError> {
    let mut entry: Vec<Option<NaiveDate>> = Vec::new();
    if every.is_some() {
        let first = funnel.stages().first();
        for e in events
            .iter()
            .filter(|e| Some(e.stage()) == first.map(String::as_str))
        {
            let k = e.subject().index();
            if entry.len() <= k {
                entry.resize(k + 1, None);
            }
            let day = e.at().date();
            entry[k] = Some(entry[k].map_or(day, |d| d.min(day)));
        }
    }
    let entered = |e: &&FunnelEvent| {
        let day = entry.get(e.subject().index()).copied().flatten();
        (day.zip(every)).map_or_else(String::new, |(d, u)| u.truncate(d).to_string())
    };
    let all = Lookup::default();
    let d = by_customer_and(
        events,
        |e| e.subject(),
        every
            .map(|u| (u.to_string(), entered))
            .as_ref()
            .map(|(n, f)| (n.as_str(), f)),
        ids,
        lookup.unwrap_or(&all),
        limits,
        || FunnelState::new(funnel.clone()),
        |s, e| s.push(e),
    )?;
    let mut out = ByGroup {
        names: d.groups.names().to_vec(),
        groups: Vec::new(),
        unmatched: if lookup.is_some() { d.unmatched } else { 0 },
        empty: 0,
    };
    for (key, state) in d.groups.iter() {
        match state.finish(order) {
            Ok(r) => out.groups.push((key.to_vec(), r.steps)),
            Err(MetricsError::Empty { .. }) => out.empty += 1,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}
