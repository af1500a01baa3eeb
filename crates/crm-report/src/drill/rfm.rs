//! RFM segments over time: the segment report as of the end of each week, month or quarter,
//! alone or per group of customers.

use crm_io::Lookup;
use crm_metrics::lifecycle::period_ends;
use crm_model::chrono::NaiveDate;
use crm_model::{
    CustomerInterner, LateEvents, Limits, ModelError, SameDayPurchases, TimeUnit, Transaction,
};
use crm_rfm::{
    MonetaryValue, RfmError, RfmOptions, SegmentMap, SegmentStats, TiePolicy, analyze_rows,
    rfm_values, sort_by_customer_id,
};

use super::{ByGroup, rfm_segments_by};

/// How [`rfm_segments_every`] values, scores and segments customers: as
/// [`crm_rfm::RfmOptions`] (same-day purchases, monetary value) and [`crm_rfm::analyze_rows`]
/// (levels, tie policy, segment map) do.
#[derive(Debug, Clone, Copy)]
pub struct RfmRecipe<'a> {
    /// How same-day purchases count towards frequency.
    pub same_day: SameDayPurchases,
    /// Total or mean spend.
    pub monetary: MonetaryValue,
    /// Score levels (n-tiles).
    pub bins: u8,
    /// Tie policy (fixed cut points keep the scale the same at every date).
    pub ties: &'a TiePolicy,
    /// Segment map.
    pub map: &'a SegmentMap,
}

/// The RFM segment report as of the end of each `unit` from the first purchase to `as_of`
/// (the last date is `as_of` itself; default: the day after the last purchase, as `crm rfm`
/// measures recency), per group of customers by `lookup` (one group without one). At each
/// date the purchases up to it are valued (later ones are left out), scored and segmented on
/// their own under `recipe`, as `crm rfm --as-of` on that date would: each row is one segment
/// at one date, its group values then the date (`as_of`) first.
///
/// ```
/// use crm_analytics::model::{chrono::NaiveDate, CustomerInterner, Limits, SameDayPurchases};
/// use crm_analytics::model::{TimeUnit, Transaction};
/// use crm_analytics::report::drill::{rfm_segments_every, RfmRecipe};
/// use crm_analytics::rfm::{MonetaryValue, SegmentMap, TiePolicy};
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut ids = CustomerInterner::new();
/// let (a, b) = (ids.intern("a")?, ids.intern("b")?);
/// let tx = [
///     Transaction::purchase(a, d(1, 5), 10.into())?,
///     Transaction::purchase(b, d(2, 9), 20.into())?,
/// ];
/// let recipe = RfmRecipe {
///     same_day: SameDayPurchases::Separate, monetary: MonetaryValue::Total,
///     bins: 5, ties: &TiePolicy::ValueBased, map: &SegmentMap::standard(),
/// };
/// let r = rfm_segments_every(&tx, &ids, TimeUnit::Month, Some(d(2, 29)), recipe, None, Limits::default())?;
/// assert_eq!(r.names, ["as_of"]);
/// let customers = |date: &str| -> u64 {
///     r.groups.iter().filter(|(k, _)| k[0] == date).flat_map(|(_, s)| s).map(|s| s.customers).sum()
/// };
/// assert_eq!((customers("2024-01-31"), customers("2024-02-29")), (1, 2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// No purchase on or before `as_of`; more dates or groups than `limits` allow; the errors of
/// valuing and scoring (e.g. fixed cut points with another number of levels).
pub fn rfm_segments_every(
    tx: &[Transaction],
    ids: &CustomerInterner,
    unit: TimeUnit,
    as_of: Option<NaiveDate>,
    recipe: RfmRecipe<'_>,
    lookup: Option<&Lookup>,
    limits: Limits,
) -> Result<ByGroup<Vec<SegmentStats>>, RfmError> {
    let purchases = || tx.iter().filter(|t| t.is_purchase()).map(Transaction::date);
    let as_of = match as_of {
        Some(d) => d,
        None => (purchases().max().and_then(|d| d.succ_opt())).ok_or(RfmError::Empty)?,
    };
    let first = purchases()
        .filter(|d| *d <= as_of)
        .min()
        .ok_or(RfmError::Empty)?;
    let dates = period_ends(first, as_of, unit, &limits).map_err(|e| match e {
        crm_metrics::MetricsError::Model(m) => RfmError::Model(m),
        other => RfmError::Model(ModelError::InvalidParameter {
            name: "as_of",
            reason: other.to_string(),
        }),
    })?;
    let all = Lookup::default();
    let grouped = lookup.is_some();
    let lookup = lookup.unwrap_or(&all);
    let mut names = lookup.columns.clone();
    names.push("as_of".into());
    let mut out = ByGroup {
        names,
        groups: Vec::new(),
        unmatched: 0,
        empty: 0,
    };
    for date in dates {
        let o = (RfmOptions::new(date).same_day(recipe.same_day))
            .monetary(recipe.monetary)
            .late_events(LateEvents::Exclude);
        let mut values = rfm_values(tx, &o)?.customers;
        sort_by_customer_id(&mut values, ids);
        let rows = analyze_rows(&values, recipe.bins, recipe.ties, recipe.map)?;
        let by = rfm_segments_by(&values, &rows, ids, lookup, limits)?;
        if grouped {
            out.unmatched = out.unmatched.max(by.unmatched);
        }
        for (mut key, report) in by.groups {
            key.push(date.to_string());
            out.groups.push((key, report.segments));
        }
    }
    Ok(out)
}
