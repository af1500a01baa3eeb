//! Customer lifecycle stages: new, active, reactivated, silent, churned (and leads), as of a
//! date, counted over time, and the transitions between two dates.
//!
//! As of a date D, purchases after D are ignored, purchases on one day count as one, and "days
//! since" a purchase is D minus its date in whole days (a purchase on D is 0 days ago). With the
//! parameters `new_days`, `active_days` and `churn_days` (defaults 30, 30, 90):
//!
//! ```text
//! new          days since the first purchase < new_days
//! reactivated  not new; days since the last purchase < active_days; and the first purchase of
//!              the last active_days days came at least churn_days after the purchase before it
//! active       not new or reactivated; days since the last purchase < active_days
//! silent       active_days <= days since the last purchase < churn_days
//! churned      days since the last purchase >= churn_days
//! lead         a known customer (e.g. in the customer table) with no purchase up to D
//! ```
//!
//! Worked example (defaults, D = 2024-06-30):
//!
//! ```text
//! customer  purchases                     days since first / last   stage
//! a         06-20                         10 / 10                   new
//! b         01-10, 06-25                  172 / 5 (gap 167 >= 90)   reactivated
//! c         05-01, 06-15                  60 / 15 (gap 45)          active
//! d         04-01, 05-20                  90 / 41                   silent
//! e         01-05, 03-01                  177 / 121                 churned
//! f         (none; in the customer table)                           lead
//! ```
//!
//! ```
//! use crm_analytics::metrics::lifecycle::{lifecycle_stages, LifecycleRules, Stage};
//! use crm_analytics::model::chrono::NaiveDate;
//! use crm_analytics::model::{CustomerInterner, Transaction};
//! let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
//! let mut ids = CustomerInterner::new();
//! let mut tx = Vec::new();
//! for (id, days) in [("a", vec![d(6, 20)]), ("b", vec![d(1, 10), d(6, 25)]),
//!                    ("c", vec![d(5, 1), d(6, 15)]), ("d", vec![d(4, 1), d(5, 20)]),
//!                    ("e", vec![d(1, 5), d(3, 1)])] {
//!     let k = ids.intern(id)?;
//!     for day in days {
//!         tx.push(Transaction::purchase(k, day, 10.into())?);
//!     }
//! }
//! let f = ids.intern("f")?; // in the customer table, never bought
//! let known: Vec<_> = (0..ids.len() as u32).map(crm_analytics::model::CustomerKey::from_index).collect();
//! let rows = lifecycle_stages(&tx, d(6, 30), &LifecycleRules::default(), Some(&known))?;
//! let stages: Vec<Stage> = rows.iter().map(|r| r.stage).collect();
//! assert_eq!(stages, [Stage::New, Stage::Reactivated, Stage::Active, Stage::Silent,
//!                     Stage::Churned, Stage::Lead]);
//! assert_eq!(rows[5].customer, f);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Reference: the new / active / at-risk / lapsed / reactivated customer counts of retail CRM
//! practice (e.g. Blattberg, Kim & Neslin 2008, *Database Marketing*, ch. 23 on customer
//! lifecycle management); the thresholds are parameters because businesses set them by their
//! purchase cycle.

use std::collections::BTreeSet;

use crm_model::chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;
use crm_model::{
    CustomerGroups, CustomerKey, Limits, Period, TimeUnit, Transaction, checked_amount_add,
};
use serde::{Deserialize, Serialize};

use crate::{MetricsError, Result};

/// A lifecycle stage (see the module docs for the definitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Known, but no purchase up to the as-of date.
    Lead,
    /// First purchase less than `new_days` ago.
    New,
    /// Back after a silence of at least `churn_days`, buying within `active_days`.
    Reactivated,
    /// Bought within `active_days`.
    Active,
    /// Last purchase between `active_days` and `churn_days` ago.
    Silent,
    /// No purchase for `churn_days` or more.
    Churned,
}

impl Stage {
    /// Every stage, in the order of the definitions.
    pub const ALL: [Stage; 6] = [
        Stage::Lead,
        Stage::New,
        Stage::Reactivated,
        Stage::Active,
        Stage::Silent,
        Stage::Churned,
    ];

    /// The stage's name as written in outputs (`"reactivated"`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Stage::Lead => "lead",
            Stage::New => "new",
            Stage::Reactivated => "reactivated",
            Stage::Active => "active",
            Stage::Silent => "silent",
            Stage::Churned => "churned",
        }
    }

    /// Position in [`Stage::ALL`].
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The three thresholds of the stages, in days (defaults 30, 30, 90).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleRules {
    new_days: u32,
    active_days: u32,
    churn_days: u32,
}

impl Default for LifecycleRules {
    fn default() -> Self {
        LifecycleRules {
            new_days: 30,
            active_days: 30,
            churn_days: 90,
        }
    }
}

impl LifecycleRules {
    /// Rules with the given thresholds.
    ///
    /// # Errors
    /// [`MetricsError::InvalidParameter`] when a threshold is 0 or `churn_days < active_days`.
    pub fn new(new_days: u32, active_days: u32, churn_days: u32) -> Result<Self> {
        let bad = |name, value: u32, reason| MetricsError::InvalidParameter {
            name,
            value: value.to_string(),
            reason,
        };
        if new_days == 0 {
            return Err(bad("new_days", new_days, "must be at least 1 day"));
        }
        if active_days == 0 {
            return Err(bad("active_days", active_days, "must be at least 1 day"));
        }
        if churn_days < active_days {
            return Err(bad(
                "churn_days",
                churn_days,
                "must be at least active_days (a customer is silent in between)",
            ));
        }
        Ok(LifecycleRules {
            new_days,
            active_days,
            churn_days,
        })
    }

    /// `new_days`.
    #[must_use]
    pub fn new_days(&self) -> u32 {
        self.new_days
    }

    /// `active_days`.
    #[must_use]
    pub fn active_days(&self) -> u32 {
        self.active_days
    }

    /// `churn_days`.
    #[must_use]
    pub fn churn_days(&self) -> u32 {
        self.churn_days
    }

    /// The stage as of `as_of` of a customer whose distinct purchase days are `days` (sorted,
    /// ascending; days after `as_of` are ignored). `None` when there is no purchase up to
    /// `as_of` (a lead, if the customer is known).
    #[must_use]
    pub fn stage(&self, days: &[NaiveDate], as_of: NaiveDate) -> Option<Stage> {
        let upto = days.partition_point(|&d| d <= as_of);
        let seen = days.get(..upto)?;
        let (first, last) = (*seen.first()?, *seen.last()?);
        let ago = |d: NaiveDate| (as_of - d).num_days();
        let (new, active, churn) = (
            i64::from(self.new_days),
            i64::from(self.active_days),
            i64::from(self.churn_days),
        );
        if ago(first) < new {
            return Some(Stage::New);
        }
        let since_last = ago(last);
        if since_last < active {
            // The first purchase of the active window and the one before it.
            let i = seen.partition_point(|&d| ago(d) >= active);
            if i > 0 {
                if let (Some(&before), Some(&back)) = (seen.get(i - 1), seen.get(i)) {
                    if (back - before).num_days() >= churn {
                        return Some(Stage::Reactivated);
                    }
                }
            }
            return Some(Stage::Active);
        }
        Some(if since_last < churn {
            Stage::Silent
        } else {
            Stage::Churned
        })
    }
}

/// One customer's lifecycle stage as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRow {
    /// The customer.
    pub customer: CustomerKey,
    /// The stage.
    pub stage: Stage,
    /// First purchase up to the as-of date (`None` for a lead).
    pub first_purchase: Option<NaiveDate>,
    /// Last purchase up to the as-of date (`None` for a lead).
    pub last_purchase: Option<NaiveDate>,
    /// Whole days from the last purchase to the as-of date.
    pub days_since_last: Option<u32>,
    /// Purchase days up to the as-of date (purchases on one day count once).
    pub purchase_days: u32,
    /// Sum of the purchase amounts up to the as-of date (refunds and returns not deducted).
    pub revenue: Decimal,
}

/// Per-customer purchase days (sorted, distinct) and revenue by day, from `tx`.
struct Histories {
    groups: CustomerGroups,
}

impl Histories {
    fn new(tx: &[Transaction]) -> Result<Self> {
        Ok(Histories {
            groups: CustomerGroups::new(tx)?,
        })
    }

    /// Distinct purchase days of `key` (sorted) and its purchases as (day, amount).
    fn of(
        &self,
        tx: &[Transaction],
        key: CustomerKey,
    ) -> (Vec<NaiveDate>, Vec<(NaiveDate, Decimal)>) {
        let mut days = BTreeSet::new();
        let mut amounts = Vec::new();
        for &i in self.groups.indices_of(key) {
            if let Some(t) = tx.get(i as usize) {
                if t.is_purchase() {
                    days.insert(t.date());
                    amounts.push((t.date(), t.amount()));
                }
            }
        }
        (days.into_iter().collect(), amounts)
    }
}

/// Every customer's stage as of `as_of`: one row per customer with a purchase up to `as_of`,
/// in key order, then (when `known` is given, e.g. the keys of the customer table) a
/// [`Stage::Lead`] row for each known customer without one, in the order of `known`.
///
/// # Errors
/// A revenue sum that overflows ([`crm_model::ModelError::AmountOverflow`]); more than 2^32 - 1
/// transactions.
pub fn lifecycle_stages(
    tx: &[Transaction],
    as_of: NaiveDate,
    rules: &LifecycleRules,
    known: Option<&[CustomerKey]>,
) -> Result<Vec<StageRow>> {
    let hist = Histories::new(tx)?;
    let mut rows = Vec::new();
    let mut staged = std::collections::HashSet::new();
    for (key, _) in hist.groups.iter() {
        let (days, amounts) = hist.of(tx, key);
        let Some(stage) = rules.stage(&days, as_of) else {
            continue;
        };
        let upto = days.partition_point(|&d| d <= as_of);
        let seen = days.get(..upto).unwrap_or_default();
        let mut revenue = Decimal::ZERO;
        for (d, a) in amounts {
            if d <= as_of {
                revenue = checked_amount_add(revenue, a, "revenue")?;
            }
        }
        let last = seen.last().copied();
        rows.push(StageRow {
            customer: key,
            stage,
            first_purchase: seen.first().copied(),
            last_purchase: last,
            days_since_last: last.and_then(|l| u32::try_from((as_of - l).num_days()).ok()),
            purchase_days: u32::try_from(seen.len()).unwrap_or(u32::MAX),
            revenue,
        });
        staged.insert(key);
    }
    for &key in known.unwrap_or_default() {
        if staged.insert(key) {
            rows.push(StageRow {
                customer: key,
                stage: Stage::Lead,
                first_purchase: None,
                last_purchase: None,
                days_since_last: None,
                purchase_days: 0,
                revenue: Decimal::ZERO,
            });
        }
    }
    Ok(rows)
}

/// Customers, share and revenue of one stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageCount {
    /// The stage.
    pub stage: Stage,
    /// Customers in it.
    pub customers: u64,
    /// Share of all staged customers (0 when there are none).
    pub share: f64,
    /// Their revenue up to the as-of date.
    pub revenue: Decimal,
}

/// One row per stage (all six, in [`Stage::ALL`] order, zeros included) from per-customer rows.
///
/// ```
/// use crm_analytics::metrics::lifecycle::{stage_counts, Stage, StageRow};
/// use crm_analytics::model::CustomerKey;
/// let row = |k, stage, revenue: i64| StageRow {
///     customer: CustomerKey::from_index(k), stage, first_purchase: None, last_purchase: None,
///     days_since_last: None, purchase_days: 1, revenue: revenue.into(),
/// };
/// let c = stage_counts(&[row(0, Stage::New, 10), row(1, Stage::New, 5), row(2, Stage::Churned, 7)])?;
/// assert_eq!((c[1].stage, c[1].customers, c[1].revenue), (Stage::New, 2, 15.into()));
/// assert!((c[1].share - 2.0 / 3.0).abs() < 1e-12);
/// assert_eq!(c[0].customers, 0); // no leads
/// # Ok::<(), crm_analytics::metrics::MetricsError>(())
/// ```
///
/// # Errors
/// A revenue sum that overflows.
pub fn stage_counts(rows: &[StageRow]) -> Result<Vec<StageCount>> {
    let mut out: Vec<StageCount> = Stage::ALL
        .iter()
        .map(|&stage| StageCount {
            stage,
            customers: 0,
            share: 0.0,
            revenue: Decimal::ZERO,
        })
        .collect();
    for r in rows {
        if let Some(c) = out.get_mut(r.stage.index()) {
            c.customers += 1;
            c.revenue = checked_amount_add(c.revenue, r.revenue, "revenue")?;
        }
    }
    let total = rows.len() as f64;
    if total > 0.0 {
        for c in &mut out {
            c.share = c.customers as f64 / total;
        }
    }
    Ok(out)
}

/// Stage counts (customers per stage, in [`Stage::ALL`] order) at each date of `dates`: the
/// series behind "stages over time" charts. Leads are counted only for `known` customers whose
/// first purchase is after the date.
///
/// # Errors
/// More than 2^32 - 1 transactions.
pub fn stage_counts_at(
    tx: &[Transaction],
    dates: &[NaiveDate],
    rules: &LifecycleRules,
    known: Option<&[CustomerKey]>,
) -> Result<Vec<(NaiveDate, [u64; 6])>> {
    let hist = Histories::new(tx)?;
    let mut out: Vec<(NaiveDate, [u64; 6])> = dates.iter().map(|&d| (d, [0; 6])).collect();
    let mut bought = std::collections::HashSet::new();
    for (key, _) in hist.groups.iter() {
        let (days, _) = hist.of(tx, key);
        if days.is_empty() {
            continue;
        }
        bought.insert(key);
        for (d, counts) in &mut out {
            let stage = rules.stage(&days, *d).or(known.map(|_| Stage::Lead));
            if let Some(s) = stage {
                counts[s.index()] += 1;
            }
        }
    }
    if let Some(known) = known {
        let leads = known.iter().filter(|k| !bought.contains(*k)).count() as u64;
        for (_, counts) in &mut out {
            counts[Stage::Lead.index()] += leads;
        }
    }
    Ok(out)
}

/// The as-of dates of a "stages over time" series: the last day of every `every` period from the
/// one holding `first` to the one holding `as_of`, the last clipped to `as_of`.
///
/// ```
/// use crm_analytics::metrics::lifecycle::period_ends;
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::{Limits, TimeUnit};
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let ends = period_ends(d(1, 15), d(3, 10), TimeUnit::Month, &Limits::default())?;
/// assert_eq!(ends, [d(1, 31), d(2, 29), d(3, 10)]);
/// # Ok::<(), crm_analytics::metrics::MetricsError>(())
/// ```
///
/// # Errors
/// [`crm_model::ModelError::LimitExceeded`] past `limits.max_weekly_periods` dates (days and
/// weeks) or `limits.max_periods` (months and longer): a date far in the past or future would
/// otherwise make the series as long as the calendar; [`MetricsError::InvalidParameter`] when
/// `first > as_of`.
pub fn period_ends(
    first: NaiveDate,
    as_of: NaiveDate,
    every: TimeUnit,
    limits: &Limits,
) -> Result<Vec<NaiveDate>> {
    if first > as_of {
        return Err(MetricsError::InvalidParameter {
            name: "as_of",
            value: as_of.to_string(),
            reason: "the series must end on or after its first date",
        });
    }
    let (limit, field) = match every {
        TimeUnit::Day | TimeUnit::Week => (limits.max_weekly_periods, "max_weekly_periods"),
        _ => (limits.max_periods, "max_periods"),
    };
    let needed = every.periods_between(first, as_of).unsigned_abs() + 1;
    if needed > limit as u64 {
        return Err(crm_model::ModelError::LimitExceeded {
            what: "lifecycle stages over time",
            field,
            needed,
            limit: limit as u64,
        }
        .into());
    }
    let range = Period::new(
        first,
        as_of
            .succ_opt()
            .ok_or(crm_model::ModelError::DateOverflow)?,
    )?;
    Ok(every
        .periods(range)
        .map(|p| p.last_day().min(as_of))
        .collect())
}

/// Customers moving between stages from one date to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transitions {
    /// The earlier date.
    pub from: NaiveDate,
    /// The later date.
    pub to: NaiveDate,
    /// `counts[i][j]`: customers in stage `Stage::ALL[i]` at `from` and `Stage::ALL[j]` at `to`.
    pub counts: [[u64; 6]; 6],
    /// Customers with no stage at `from` (first purchase after it, not known as leads) by their
    /// stage at `to`.
    pub entered: [u64; 6],
}

/// The transition matrix of stages between `from` and `to` (`from <= to`).
///
/// # Errors
/// [`MetricsError::InvalidParameter`] when `from > to`; more than 2^32 - 1 transactions.
pub fn transitions(
    tx: &[Transaction],
    from: NaiveDate,
    to: NaiveDate,
    rules: &LifecycleRules,
    known: Option<&[CustomerKey]>,
) -> Result<Transitions> {
    if from > to {
        return Err(MetricsError::InvalidParameter {
            name: "from",
            value: from.to_string(),
            reason: "the first date of a transition matrix must not be after the second",
        });
    }
    let hist = Histories::new(tx)?;
    let mut t = Transitions {
        from,
        to,
        counts: [[0; 6]; 6],
        entered: [0; 6],
    };
    let lead = known.map(|_| Stage::Lead);
    let mut bought = std::collections::HashSet::new();
    for (key, _) in hist.groups.iter() {
        let (days, _) = hist.of(tx, key);
        if days.is_empty() {
            continue;
        }
        bought.insert(key);
        let after = rules.stage(&days, to).or(lead);
        let Some(after) = after else {
            continue;
        };
        match rules.stage(&days, from).or(lead) {
            Some(before) => t.counts[before.index()][after.index()] += 1,
            None => t.entered[after.index()] += 1,
        }
    }
    if let Some(known) = known {
        let leads = known.iter().filter(|k| !bought.contains(*k)).count() as u64;
        t.counts[Stage::Lead.index()][Stage::Lead.index()] += leads;
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, day).unwrap()
    }

    #[test]
    fn boundaries_of_each_stage() {
        let r = LifecycleRules::default();
        let at = d(6, 30);
        // new: first purchase 29 days ago; 30 days ago is no longer new.
        assert_eq!(r.stage(&[d(6, 1)], at), Some(Stage::New));
        assert_eq!(r.stage(&[d(5, 31)], at), Some(Stage::Silent));
        // active: last purchase 29 days ago, older first purchase.
        assert_eq!(
            r.stage(&[d(1, 1), d(4, 1), d(6, 1)], at),
            Some(Stage::Active)
        );
        // silent until 89 days, churned at 90.
        assert_eq!(r.stage(&[d(1, 1), d(4, 2)], at), Some(Stage::Silent));
        assert_eq!(r.stage(&[d(1, 1), d(4, 1)], at), Some(Stage::Churned));
        // reactivated: the window's first purchase came at least 90 days after the one before.
        // ... an 81-day gap is not.
        assert_eq!(
            r.stage(&[d(1, 1), d(3, 31), d(6, 20)], at),
            Some(Stage::Active)
        );
        assert_eq!(
            r.stage(&[d(1, 1), d(6, 1), d(6, 20)], at),
            Some(Stage::Reactivated)
        );
        // 89 days is not enough, 90 is.
        assert_eq!(r.stage(&[d(3, 4), d(6, 1)], at), Some(Stage::Active));
        assert_eq!(r.stage(&[d(3, 3), d(6, 1)], at), Some(Stage::Reactivated));
        // Purchases after the date are ignored; none up to it: no stage.
        assert_eq!(r.stage(&[d(7, 1)], at), None);
        assert_eq!(r.stage(&[d(6, 25), d(7, 1)], at), Some(Stage::New));
    }

    #[test]
    fn a_far_date_is_refused_not_allocated() {
        let far = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
        let e = period_ends(far, d(6, 30), TimeUnit::Week, &Limits::default()).unwrap_err();
        assert!(e.to_string().contains("max_weekly_periods"), "{e}");
        assert_eq!(
            period_ends(d(6, 3), d(6, 12), TimeUnit::Week, &Limits::default()).unwrap(),
            [d(6, 9), d(6, 12)]
        );
    }

    #[test]
    fn invalid_rules_are_refused() {
        assert!(LifecycleRules::new(0, 30, 90).is_err());
        assert!(LifecycleRules::new(30, 0, 90).is_err());
        assert!(LifecycleRules::new(30, 60, 59).is_err());
        assert!(LifecycleRules::new(30, 60, 60).is_ok());
    }

    fn table() -> (Vec<Transaction>, Vec<CustomerKey>) {
        let k = CustomerKey::from_index;
        let p = |c, day, amt: i64| Transaction::purchase(k(c), day, amt.into()).unwrap();
        let tx = vec![
            p(0, d(6, 20), 10),
            p(1, d(1, 10), 20),
            p(1, d(6, 25), 30),
            p(1, d(6, 25), 5), // same day: one purchase day
            p(2, d(5, 1), 7),
            p(2, d(6, 15), 7),
            p(3, d(4, 1), 1),
            p(3, d(5, 20), 1),
            p(4, d(1, 5), 100),
            p(4, d(3, 1), 100),
            p(4, d(7, 5), 100), // after the as-of date
        ];
        (tx, (0..6).map(k).collect())
    }

    #[test]
    fn the_worked_example() {
        let (tx, known) = table();
        let rows =
            lifecycle_stages(&tx, d(6, 30), &LifecycleRules::default(), Some(&known)).unwrap();
        let got: Vec<(Stage, Option<u32>, u32, Decimal)> = rows
            .iter()
            .map(|r| (r.stage, r.days_since_last, r.purchase_days, r.revenue))
            .collect();
        assert_eq!(
            got,
            [
                (Stage::New, Some(10), 1, 10.into()),
                (Stage::Reactivated, Some(5), 2, 55.into()),
                (Stage::Active, Some(15), 2, 14.into()),
                (Stage::Silent, Some(41), 2, 2.into()),
                (Stage::Churned, Some(121), 2, 200.into()),
                (Stage::Lead, None, 0, 0.into()),
            ]
        );
        let c = stage_counts(&rows).unwrap();
        assert_eq!(
            c.iter().map(|c| c.customers).collect::<Vec<_>>(),
            [1, 1, 1, 1, 1, 1]
        );
        // Without the customer table there are no leads.
        let rows = lifecycle_stages(&tx, d(6, 30), &LifecycleRules::default(), None).unwrap();
        assert_eq!(rows.len(), 5);
    }

    #[test]
    fn counts_over_time_and_transitions() {
        let (tx, known) = table();
        let r = LifecycleRules::default();
        let series = stage_counts_at(&tx, &[d(1, 31), d(6, 30)], &r, Some(&known)).unwrap();
        // Jan 31: b (Jan 10) and e (Jan 5) are new; the other four are leads.
        assert_eq!(series[0].1, [4, 2, 0, 0, 0, 0]);
        assert_eq!(series[1].1, [1, 1, 1, 1, 1, 1]);
        let t = transitions(&tx, d(1, 31), d(6, 30), &r, Some(&known)).unwrap();
        assert_eq!(t.counts[Stage::New.index()][Stage::Reactivated.index()], 1);
        assert_eq!(t.counts[Stage::New.index()][Stage::Churned.index()], 1);
        assert_eq!(t.counts[Stage::Lead.index()][Stage::New.index()], 1);
        assert_eq!(t.counts[Stage::Lead.index()][Stage::Lead.index()], 1);
        assert_eq!(t.entered, [0; 6]);
        let total: u64 = t.counts.iter().flatten().sum();
        assert_eq!(total, 6);
        // Without known customers, later first purchases enter.
        let t = transitions(&tx, d(1, 31), d(6, 30), &r, None).unwrap();
        assert_eq!(t.entered.iter().sum::<u64>(), 3);
        assert!(transitions(&tx, d(6, 30), d(1, 31), &r, None).is_err());
    }
}
