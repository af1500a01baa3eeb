//! Drill-down of per-customer results by customer attributes (region, acquisition channel,
//! customer type, ...): each customer's group is its row in the customer table (a
//! [`Lookup`], from [`crm_io::read_lookup`]), and each group keeps one mergeable state
//! ([`Groups`]), filled in one pass over the customers. Customers the table lacks are grouped
//! under empty values and counted, never dropped.

use crm_io::Lookup;
use crm_metrics::MetricsError;
use crm_metrics::group::Groups;
use crm_metrics::lifecycle::{StageCount, StageRow, stage_counts};
use crm_metrics::retention::{CustomerSpan, RetentionSeries, SamePeriodJoiners};
use crm_model::{CustomerInterner, CustomerKey, Limits, ModelError};
use crm_rfm::{ReportAccumulator, RfmError, RfmRows, RfmValues, SegmentReport};

use crate::results::RetentionFigures;

mod metrics;
mod rfm;
mod summaries;

pub use metrics::{CohortCell, cohorts_by, funnel_by, revenue_by};
pub use rfm::{RfmRecipe, rfm_segments_every};
pub use summaries::{ChurnGroupFigures, ClvGroupFigures, churn_by, churn_every, clv_by};

/// The states of a drill-down by customer attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerDrill<S> {
    /// One state per group; the group columns are the lookup's columns.
    pub groups: Groups<S>,
    /// Customers not in the customer table (grouped under empty values).
    pub unmatched: u64,
}

/// A result per group of customers: the group's values of the customer attributes and its
/// result, in group order; how many customers the customer table lacked (grouped under empty
/// values) and how many groups had nothing to compute on (left out, never silently).
#[derive(Debug, Clone, PartialEq)]
pub struct ByGroup<T> {
    /// The group columns (the customer table's looked-up columns).
    pub names: Vec<String>,
    /// `(group values, result)` per group.
    pub groups: Vec<(Vec<String>, T)>,
    /// Customers not in the customer table.
    pub unmatched: u64,
    /// Groups left out because their rows gave no result (e.g. a funnel group without events
    /// at the first stage, a revenue group without MRR before the period).
    pub empty: u64,
}

impl<T> ByGroup<T> {
    /// The same groups with each result turned by `f` (e.g. into output rows).
    #[must_use]
    pub fn map<U>(self, f: impl Fn(T) -> U) -> ByGroup<U> {
        ByGroup {
            names: self.names,
            groups: self.groups.into_iter().map(|(k, t)| (k, f(t))).collect(),
            unmatched: self.unmatched,
            empty: self.empty,
        }
    }

    /// One row per group: the group values and the result.
    #[must_use]
    pub fn into_rows(self) -> GroupedRows<T> {
        let (keys, rows) = self.groups.into_iter().unzip();
        GroupedRows {
            names: self.names,
            keys,
            rows,
        }
    }
}

impl<R> ByGroup<Vec<R>> {
    /// One row per row of each group's table, the group values repeated on each.
    #[must_use]
    pub fn into_flat_rows(self) -> GroupedRows<R> {
        let (keys, rows) = flatten(self.groups);
        GroupedRows {
            names: self.names,
            keys,
            rows,
        }
    }
}

/// Output rows of a drill-down: the group columns, each row's group values and its figures, the
/// shape [`crm_io::write_grouped_rows`] and [`crate::text::grouped_table`] take.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupedRows<R> {
    /// The group columns.
    pub names: Vec<String>,
    /// The group values of each row.
    pub keys: Vec<Vec<String>>,
    /// The figures of each row.
    pub rows: Vec<R>,
}

/// One output row per group of `groups`: its group values and `figures` of its state (the
/// first error stops).
///
/// # Errors
/// The first error of `figures`.
pub fn group_rows<S, F, E>(
    groups: &Groups<S>,
    figures: impl Fn(&S) -> Result<F, E>,
) -> Result<GroupedRows<F>, E> {
    let mut out = GroupedRows {
        names: groups.names().to_vec(),
        keys: Vec::with_capacity(groups.len()),
        rows: Vec::with_capacity(groups.len()),
    };
    for (key, state) in groups.iter() {
        out.rows.push(figures(state)?);
        out.keys.push(key.to_vec());
    }
    Ok(out)
}

/// Splits `items` by the customer attributes in `lookup`: `customer` names each item's customer
/// (`ids` maps it back to the id the table is keyed by), `init` makes a group's state and `push`
/// adds an item to it.
///
/// ```
/// use crm_analytics::io::Lookup;
/// use crm_analytics::model::{CustomerInterner, Limits};
/// use crm_analytics::report::drill::by_customer;
/// let mut ids = CustomerInterner::new();
/// let (a, b, c) = (ids.intern("a")?, ids.intern("b")?, ids.intern("c")?);
/// let lookup = Lookup {
///     key: "customer_id".into(),
///     columns: vec!["region".into()],
///     rows: [("a", "north"), ("b", "south")].map(|(k, v)| (k.to_string(), vec![v.to_string()])).into(),
/// };
/// let spend = [(a, 10), (b, 5), (c, 7), (a, 1)];
/// let d = by_customer(spend, |s| s.0, &ids, &lookup, Limits::default(), || 0, |sum, s| {
///     *sum += s.1;
///     Ok::<(), crm_analytics::model::ModelError>(())
/// })?;
/// let sums: Vec<(String, i32)> = d.groups.iter().map(|(k, s)| (k[0].clone(), *s)).collect();
/// assert_eq!(sums, [("".to_string(), 7), ("north".to_string(), 11), ("south".to_string(), 5)]);
/// assert_eq!(d.unmatched, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`ModelError::LimitExceeded`] beyond [`Limits::max_groups`] groups (as `E`); `push`'s errors.
pub fn by_customer<T, S, E: From<ModelError>>(
    items: impl IntoIterator<Item = T>,
    customer: impl Fn(&T) -> CustomerKey,
    ids: &CustomerInterner,
    lookup: &Lookup,
    limits: Limits,
    init: impl Fn() -> S,
    push: impl FnMut(&mut S, T) -> Result<(), E>,
) -> Result<CustomerDrill<S>, E> {
    let no_column = None::<(&str, fn(&T) -> String)>;
    by_customer_and(items, customer, no_column, ids, lookup, limits, init, push)
}

/// [`by_customer`] with one more group column after the customer attributes: `extra` names it
/// and gives each item's value (e.g. the period of a funnel subject's entry). Customers the
/// table lacks are counted once each, however many items they have.
#[allow(clippy::too_many_arguments)]
pub(crate) fn by_customer_and<T, S, E: From<ModelError>>(
    items: impl IntoIterator<Item = T>,
    customer: impl Fn(&T) -> CustomerKey,
    extra: Option<(&str, impl Fn(&T) -> String)>,
    ids: &CustomerInterner,
    lookup: &Lookup,
    limits: Limits,
    init: impl Fn() -> S,
    mut push: impl FnMut(&mut S, T) -> Result<(), E>,
) -> Result<CustomerDrill<S>, E> {
    let mut names = lookup.columns.clone();
    names.extend(extra.as_ref().map(|(name, _)| name.to_string()));
    let mut groups = Groups::new(names, limits);
    let of = key_groups(ids, lookup);
    let empty = vec![String::new(); lookup.columns.len()];
    let mut missing = vec![false; of.len()];
    let mut key = Vec::new();
    for item in items {
        let k = customer(&item).index();
        let values = match of.get(k).copied().flatten() {
            Some(values) => values,
            None => {
                if let Some(seen) = missing.get_mut(k) {
                    *seen = true;
                }
                &empty
            }
        };
        let state = match &extra {
            None => groups.state(values, &init)?,
            Some((_, value)) => {
                key.clear();
                key.extend_from_slice(values);
                key.push(value(&item));
                groups.state(&key, &init)?
            }
        };
        push(state, item)?;
    }
    let unmatched = missing.iter().filter(|m| **m).count() as u64;
    Ok(CustomerDrill { groups, unmatched })
}

/// The group values in `lookup` of every customer key `ids` issued, by key index (`None`: the
/// table has no row for the customer), each id looked up once.
pub(crate) fn key_groups<'a>(
    ids: &CustomerInterner,
    lookup: &'a Lookup,
) -> Vec<Option<&'a [String]>> {
    (0..ids.len())
        .map(|k| {
            let id = u32::try_from(k)
                .ok()
                .and_then(|k| ids.id(CustomerKey::from_index(k)))?;
            lookup.rows.get(&id.to_string()).map(Vec::as_slice)
        })
        .collect()
}

/// Splits `items` that carry their customer's id as text (output rows such as
/// [`crate::listings::ClvPredictionRow`]) by the customer attributes in `lookup`: `id` gives an
/// item's customer id, `init` makes a group's state and `push` adds an item to it. Items whose
/// customer the table lacks are grouped under empty values and counted.
///
/// # Errors
/// [`ModelError::LimitExceeded`] beyond [`Limits::max_groups`] groups (as `E`); `push`'s errors.
pub fn by_id<T, S, E: From<ModelError>>(
    items: impl IntoIterator<Item = T>,
    id: impl Fn(&T) -> &str,
    lookup: &Lookup,
    limits: Limits,
    init: impl Fn() -> S,
    mut push: impl FnMut(&mut S, T) -> Result<(), E>,
) -> Result<CustomerDrill<S>, E> {
    let mut groups = Groups::new(lookup.columns.clone(), limits);
    let empty = vec![String::new(); lookup.columns.len()];
    let mut unmatched = 0u64;
    for item in items {
        let key = match lookup.rows.get(id(&item).trim()) {
            Some(values) => values,
            None => {
                unmatched += 1;
                &empty
            }
        };
        push(groups.state(key, &init)?, item)?;
    }
    Ok(CustomerDrill { groups, unmatched })
}

/// The RFM segment report per group of customers: `values` and `rows` as given to and returned
/// by [`crm_rfm::analyze_rows`] (in the same order).
///
/// # Errors
/// `values` and `rows` of different lengths; too many groups; sums that overflow.
pub fn rfm_segments_by(
    values: &[RfmValues],
    rows: &RfmRows,
    ids: &CustomerInterner,
    lookup: &Lookup,
    limits: Limits,
) -> Result<ByGroup<SegmentReport>, RfmError> {
    if values.len() != rows.rows.len() {
        return Err(RfmError::LengthMismatch {
            what: "rows",
            expected: values.len(),
            found: rows.rows.len(),
        });
    }
    let names = &rows.segment_names;
    let items = values.iter().zip(&rows.rows);
    let d = by_customer(
        items,
        |(v, _)| v.customer,
        ids,
        lookup,
        limits,
        || ReportAccumulator::new(names.len()),
        |acc, (v, row)| acc.push(v, usize::from(row.segment)),
    )?;
    let fallback = names.len().saturating_sub(1);
    let groups = (d.groups.iter())
        .map(|(k, acc)| Ok((k.to_vec(), acc.finish(names, fallback)?)))
        .collect::<Result<_, RfmError>>()?;
    Ok(ByGroup {
        names: lookup.columns.clone(),
        groups,
        unmatched: d.unmatched,
        empty: 0,
    })
}

/// The lifecycle stage counts per group of customers, from the rows of
/// [`crm_metrics::lifecycle::lifecycle_stages`].
///
/// # Errors
/// Too many groups; revenue sums that overflow.
pub fn lifecycle_counts_by(
    stages: &[StageRow],
    ids: &CustomerInterner,
    lookup: &Lookup,
    limits: Limits,
) -> Result<ByGroup<Vec<StageCount>>, MetricsError> {
    let d = by_customer(
        stages,
        |r| r.customer,
        ids,
        lookup,
        limits,
        Vec::new,
        |rows: &mut Vec<StageRow>, r| {
            rows.push(r.clone());
            Ok::<(), MetricsError>(())
        },
    )?;
    let groups = (d.groups.iter())
        .map(|(k, rows)| Ok((k.to_vec(), stage_counts(rows)?)))
        .collect::<Result<_, MetricsError>>()?;
    Ok(ByGroup {
        names: lookup.columns.clone(),
        groups,
        unmatched: d.unmatched,
        empty: 0,
    })
}

/// Retention per group of customers and period, as output rows.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionRows {
    /// The group columns (empty without a customer table).
    pub names: Vec<String>,
    /// The group values of each row.
    pub keys: Vec<Vec<String>>,
    /// The figures of each row (group, then period, in order).
    pub rows: Vec<RetentionFigures>,
    /// Customers not in the customer table (grouped under empty values).
    pub unmatched: u64,
    /// (group, period) pairs left out because nobody was carried into the period.
    pub empty: u64,
}

/// Retention of `spans` over the periods of `series` (empty: its periods are the template),
/// per group of customers by `lookup` (one group of all customers without one), churn under
/// `joiners`.
///
/// # Errors
/// Too many groups.
pub fn retention_by(
    spans: &[CustomerSpan],
    ids: &CustomerInterner,
    lookup: Option<&Lookup>,
    series: &RetentionSeries,
    joiners: SamePeriodJoiners,
    limits: Limits,
) -> Result<RetentionRows, MetricsError> {
    let all = Lookup::default();
    let d = by_customer(
        spans,
        |s| s.customer,
        ids,
        lookup.unwrap_or(&all),
        limits,
        || series.clone(),
        |st: &mut RetentionSeries, sp| {
            st.push(sp);
            Ok::<(), MetricsError>(())
        },
    )?;
    let mut out = RetentionRows {
        names: d.groups.names().to_vec(),
        keys: Vec::new(),
        rows: Vec::new(),
        unmatched: if lookup.is_some() { d.unmatched } else { 0 },
        empty: 0,
    };
    for (key, st) in d.groups.iter() {
        for (p, r) in st.finish() {
            match (r, p.end().pred_opt()) {
                (Ok(r), Some(last)) => {
                    out.keys.push(key.to_vec());
                    out.rows
                        .push(RetentionFigures::new(&r, joiners, p.start(), last));
                }
                _ => out.empty += 1,
            }
        }
    }
    Ok(out)
}

/// Flattens per-group tables into one row list with the group key repeated on each row, the
/// shape [`crm_io::write_grouped_rows`] and [`crate::text::grouped_table`] take.
#[must_use]
pub fn flatten<R>(groups: Vec<(Vec<String>, Vec<R>)>) -> (Vec<Vec<String>>, Vec<R>) {
    let mut keys = Vec::new();
    let mut rows = Vec::new();
    for (k, rs) in groups {
        keys.extend(std::iter::repeat_n(k, rs.len()));
        rows.extend(rs);
    }
    (keys, rows)
}
