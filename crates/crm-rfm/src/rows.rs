//! Per-customer RFM results as rows that carry the customer's key.

use crm_model::rust_decimal::Decimal;
use crm_model::{CustomerId, CustomerKey};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::report::SegmentReport;
use crate::score::{RfmScore, TiePolicy};
use crate::segment::SegmentMap;
use crate::values::RfmValues;

/// One customer's RFM values, scores and segment: a row of [`analyze_rows`].
///
/// Flat (no nested structs), so it serialises to one JSON object or one CSV record per
/// customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmRow {
    /// The customer (its [`RfmValues::customer`]; the interner that issued it maps it back to
    /// the customer's id).
    pub customer: CustomerKey,
    /// Whole days from the last purchase to the as-of date.
    pub recency_days: u32,
    /// Number of purchases (or purchase days when same-day purchases are merged).
    pub frequency: u32,
    /// Total or mean spend per purchase, as [`RfmValues::monetary`] (see
    /// [`crate::MonetaryValue`]).
    pub monetary: Decimal,
    /// Recency score in `1..=bins` (high = recent).
    pub r: u8,
    /// Frequency score in `1..=bins` (high = frequent).
    pub f: u8,
    /// Monetary score in `1..=bins` (high = big spender).
    pub m: u8,
    /// Segment, as an index into [`RfmRows::segment_names`] (see [`RfmRows::segment_name`]).
    pub segment: u16,
}

impl RfmRow {
    /// The three scores as an [`RfmScore`].
    #[must_use]
    pub fn score(&self) -> RfmScore {
        RfmScore {
            r: self.r,
            f: self.f,
            m: self.m,
        }
    }
}

/// Output of [`analyze_rows`]: one [`RfmRow`] per customer, the segment names the rows index
/// into, and the per-segment report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmRows {
    /// One row per input customer, in input order (`rows[i]` is `values[i]`'s customer).
    pub rows: Vec<RfmRow>,
    /// Segment names, in the [`SegmentMap`]'s rule order, the fallback last.
    pub segment_names: Vec<String>,
    /// The segment report (customers, revenue and mean values per segment).
    pub report: SegmentReport,
}

/// One customer's RFM result under its id: what `crm rfm` writes per customer, and the shape
/// for a service's response. Made by [`RfmRows::with_ids`].
///
/// Fields serialise in this order (`customer_id,recency_days,frequency,monetary,r,f,m,segment`);
/// `monetary` is normalised (`12.50` is written `12.5`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RfmCustomer<'a> {
    /// The customer's id.
    pub customer_id: &'a CustomerId,
    /// Whole days from the last purchase to the as-of date.
    pub recency_days: u32,
    /// Number of purchases (or purchase days when same-day purchases are merged).
    pub frequency: u32,
    /// Total or mean spend per purchase (normalised).
    pub monetary: Decimal,
    /// Recency score.
    pub r: u8,
    /// Frequency score.
    pub f: u8,
    /// Monetary score.
    pub m: u8,
    /// Segment name.
    pub segment: &'a str,
}

impl RfmRows {
    /// The rows under their customers' ids: `ids[i]` is the id of `rows[i]` (as
    /// [`crate::sort_by_customer_id`] returns them). Rows whose id is `None` (a key the interner
    /// did not issue) are left out; pairs beyond the shorter of the two slices too.
    ///
    /// ```
    /// use crm_analytics::model::chrono::NaiveDate;
    /// use crm_analytics::model::rust_decimal::Decimal;
    /// use crm_analytics::model::{CustomerInterner, Transaction};
    /// use crm_analytics::rfm::{RfmOptions, SegmentMap, TiePolicy, analyze_rows, rfm_values,
    ///     sort_by_customer_id};
    /// let d = |day| NaiveDate::from_ymd_opt(2024, 1, day).unwrap();
    /// let mut ids = CustomerInterner::new();
    /// let (b, a) = (ids.intern("b")?, ids.intern("a")?);
    /// let tx = [
    ///     Transaction::purchase(b, d(28), Decimal::from(40))?,
    ///     Transaction::purchase(a, d(2), Decimal::from(120))?,
    ///     Transaction::purchase(a, d(3), Decimal::from(80))?,
    /// ];
    /// let mut values = rfm_values(&tx, &RfmOptions::new(d(31)))?.customers;
    /// let sorted_ids = sort_by_customer_id(&mut values, &ids); // "a" first
    /// let result = analyze_rows(&values, 5, &TiePolicy::ValueBased, &SegmentMap::tiers())?;
    /// let rows = result.with_ids(&sorted_ids);
    /// assert_eq!(rows[0].customer_id.to_string(), "a");
    /// assert_eq!((rows[0].recency_days, rows[0].frequency, rows[0].monetary), (28, 2, Decimal::from(200)));
    /// assert!(rows[0].r < rows[1].r && rows[0].f > rows[1].f);
    /// assert_eq!(rows[1].segment, result.segment_name(&result.rows[1]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_ids<'a>(&'a self, ids: &'a [Option<CustomerId>]) -> Vec<RfmCustomer<'a>> {
        let customer = |row: &'a RfmRow, id: &'a CustomerId| RfmCustomer {
            customer_id: id,
            recency_days: row.recency_days,
            frequency: row.frequency,
            monetary: row.monetary.normalize(),
            r: row.r,
            f: row.f,
            m: row.m,
            segment: self.segment_name(row),
        };
        let n = self.rows.len().min(ids.len());
        if ids.par_iter().take(n).all(Option::is_some) {
            // Indexed, so collected in place (a filtering collect copies its parts once more);
            // every id is known here, the placeholder is never used.
            static UNUSED: CustomerId = CustomerId::Int(0);
            self.rows
                .par_iter()
                .zip(ids)
                .map(|(row, id)| customer(row, id.as_ref().unwrap_or(&UNUSED)))
                .collect()
        } else {
            self.rows
                .par_iter()
                .zip(ids)
                .filter_map(|(row, id)| Some(customer(row, id.as_ref()?)))
                .collect()
        }
    }

    /// The name of `row`'s segment (`""` for an index this result does not know, i.e. a row
    /// from another analysis).
    #[must_use]
    pub fn segment_name(&self, row: &RfmRow) -> &str {
        self.segment_names
            .get(usize::from(row.segment))
            .map_or("", String::as_str)
    }
}

/// [`crate::analyze`] as rows: scores `values` with `bins` levels under `ties`, assigns segments
/// with `map`, and reports, returning one [`RfmRow`] per customer that carries the customer's
/// key, values, scores and segment. Rows are in input order (`rows[i]` describes
/// `values[i].customer`), so sorting the input sorts the output.
///
/// The numbers are those of [`crate::analyze`] (the low-level form, with scores and segments as
/// vectors parallel to `values`); only the shape differs.
///
/// # Errors
/// As [`crate::score`] and [`SegmentMap::compile`].
///
/// ```
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::rust_decimal::Decimal;
/// use crm_analytics::model::{CustomerInterner, Transaction};
/// use crm_analytics::rfm::{analyze_rows, rfm_values, RfmOptions, SegmentMap, TiePolicy};
///
/// let mut ids = CustomerInterner::new();
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let rows = [
///     ("ann", d(6, 28), 120), ("ann", d(6, 1), 80), ("ann", d(5, 2), 60),
///     ("bob", d(1, 3), 15),
///     ("cyd", d(6, 20), 30),
///     ("dan", d(2, 14), 200), ("dan", d(3, 1), 150), ("dan", d(3, 9), 90),
///     ("eve", d(4, 30), 25), ("eve", d(5, 30), 20),
/// ];
/// let mut tx = Vec::new();
/// for (id, date, amount) in rows {
///     tx.push(Transaction::purchase(ids.intern(id)?, date, Decimal::from(amount))?);
/// }
/// let table = rfm_values(&tx, &RfmOptions::new(d(7, 1)))?;
/// let a = analyze_rows(&table.customers, 5, &TiePolicy::ValueBased, &SegmentMap::standard())?;
/// // One row per customer, in the input's order, each naming its customer.
/// let ann = &a.rows[0];
/// assert_eq!(ids.id(ann.customer).unwrap().to_string(), "ann");
/// // 3 days before Jul 1, 3 purchases, 120 + 80 + 60 = 260 spent: R 5, F 4, M 4.
/// assert_eq!((ann.recency_days, ann.frequency, ann.monetary), (3, 3, Decimal::from(260)));
/// assert_eq!((ann.r, ann.f, ann.m), (5, 4, 4));
/// assert_eq!(a.segment_name(ann), "Champions");
/// // bob: Jan 3 is 180 days before Jul 1; one purchase of 15: the bottom cell.
/// let bob = &a.rows[1];
/// assert_eq!(ids.id(bob.customer).unwrap().to_string(), "bob");
/// assert_eq!((bob.recency_days, bob.r, bob.f, bob.m), (180, 1, 1, 1));
/// assert_eq!(a.segment_name(bob), "Hibernating");
/// // A row is one flat JSON object.
/// let json = serde_json::to_string(bob).unwrap();
/// assert_eq!(json, r#"{"customer":1,"recency_days":180,"frequency":1,"monetary":"15","r":1,"f":1,"m":1,"segment":9}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn analyze_rows(
    values: &[RfmValues],
    bins: u8,
    ties: &TiePolicy,
    map: &SegmentMap,
) -> Result<RfmRows> {
    let (rows, segment_names, report) =
        crate::analyze_with(values, bins, ties, map, |v, s, g| RfmRow {
            customer: v.customer,
            recency_days: v.recency_days,
            frequency: v.frequency,
            monetary: v.monetary,
            r: s.r,
            f: s.f,
            m: s.m,
            segment: g,
        })?;
    Ok(RfmRows {
        rows,
        segment_names,
        report,
    })
}
