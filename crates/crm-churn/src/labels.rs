//! Churn labels, and a time-based train/test split without leakage.
//!
//! Two kinds of business, two definitions (Fader & Hardie 2009, "Probability models for
//! customer-base analysis", *Journal of Interactive Marketing* 23):
//!
//! ```text
//! non-contractual (retail, e-commerce): churn is never observed, only silence.
//!   population = customers with a purchase on or before as_of
//!   churned    = no purchase in (as_of, as_of + horizon]
//! contractual (subscriptions): churn is observed as a cancellation.
//!   population = customers with a subscription active at the end of as_of
//!                (start <= as_of and (end is none or end > as_of))
//!   churned    = the active subscription ends in (as_of, as_of + horizon]
//! ```
//!
//! Labels look into the future; features never do. [`time_split`] builds a training set at one
//! as-of date and a test set at a later one, and refuses dates where the training labels would
//! overlap the test period.

use chrono::{Days, NaiveDate};
use crm_model::{
    CustomerGroups, CustomerKey, Interaction, MrrMovement, MrrMovementKind, SurveyResponse,
    Transaction,
};
use serde::{Deserialize, Serialize};

use crate::error::{ChurnError, Result};
use crate::features::{CustomerFeatures, FeatureOptions, compute_features};

/// One customer's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChurnLabel {
    /// The customer.
    pub customer: CustomerKey,
    /// True when the customer churned within the horizon.
    pub churned: bool,
}

fn horizon_end(as_of: NaiveDate, horizon_days: u32) -> Result<NaiveDate> {
    if horizon_days == 0 {
        return Err(ChurnError::InvalidParameter {
            name: "horizon_days",
            reason: "must be at least 1 day".into(),
        });
    }
    as_of
        .checked_add_days(Days::new(u64::from(horizon_days)))
        .ok_or(ChurnError::Model(crm_model::ModelError::DateOverflow))
}

/// The last day a transaction list observes: its latest date (purchases and returns), `None`
/// when it is empty. Without better knowledge of when the data was extracted, this is where
/// silence stops meaning anything.
#[must_use]
pub fn last_observed_day(tx: &[Transaction]) -> Option<NaiveDate> {
    tx.iter().map(Transaction::date).max()
}

/// Checks that the label window `(as_of, as_of + horizon_days]` ends by `observed_until`, the
/// last day the data covers (e.g. [`last_observed_day`], or the extraction date when the data
/// is known to run later than its last transaction).
///
/// Labels look into the future: a customer without a purchase in the window is churned. When
/// the window runs past the data, every customer whose next purchase falls after the data's end
/// is labelled churned, and an evaluation on such labels cannot be honest, so callers that
/// evaluate scores check the window first.
///
/// ```
/// use crm_analytics::churn::{check_window_observed, ChurnError};
/// use crm_analytics::model::chrono::NaiveDate;
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// assert!(check_window_observed(d(1, 31), 60, d(3, 31)).is_ok());
/// let e = check_window_observed(d(1, 31), 60, d(3, 1)).unwrap_err();
/// assert!(matches!(e, ChurnError::WindowNotObserved { .. }));
/// assert!(e.to_string().contains("(2024-01-31, 2024-03-31] runs past the data, observed until 2024-03-01"));
/// ```
///
/// # Errors
/// [`ChurnError::WindowNotObserved`]; [`ChurnError::InvalidParameter`] for a zero horizon; date
/// overflow.
pub fn check_window_observed(
    as_of: NaiveDate,
    horizon_days: u32,
    observed_until: NaiveDate,
) -> Result<()> {
    let window_end = horizon_end(as_of, horizon_days)?;
    if window_end > observed_until {
        return Err(ChurnError::WindowNotObserved {
            as_of,
            window_end,
            observed_until,
        });
    }
    Ok(())
}

/// Non-contractual labels: churned = no purchase in `(as_of, as_of + horizon_days]`, for every
/// customer with a purchase on or before `as_of`, in key order (the order of
/// [`crate::compute_features`], so the two align row by row).
///
/// # Errors
/// [`ChurnError::InvalidParameter`] for a zero horizon; date overflow.
///
/// ```
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::churn::noncontractual_labels;
/// use crm_analytics::model::{CustomerKey, Transaction};
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let (a, b, c) = (CustomerKey::from_index(0), CustomerKey::from_index(1), CustomerKey::from_index(2));
/// let tx = [
///     Transaction::purchase(a, d(1, 5), 10.into())?,
///     Transaction::purchase(a, d(3, 1), 10.into())?,  // within 60 days after Jan 31: stays
///     Transaction::purchase(b, d(1, 20), 10.into())?, // silent afterwards: churned
///     Transaction::purchase(c, d(2, 10), 10.into())?, // first seen after as-of: not labelled
/// ];
/// let l = noncontractual_labels(&tx, d(1, 31), 60)?;
/// assert_eq!(l.iter().map(|l| l.churned).collect::<Vec<_>>(), [false, true]);
/// # Ok::<(), crm_analytics::churn::ChurnError>(())
/// ```
pub fn noncontractual_labels(
    tx: &[Transaction],
    as_of: NaiveDate,
    horizon_days: u32,
) -> Result<Vec<ChurnLabel>> {
    let groups = CustomerGroups::new(tx)?;
    noncontractual_labels_grouped(tx, &groups, as_of, horizon_days)
}

/// [`noncontractual_labels`] with the transactions already grouped.
///
/// # Errors
/// As [`noncontractual_labels`].
pub fn noncontractual_labels_grouped(
    tx: &[Transaction],
    groups: &CustomerGroups,
    as_of: NaiveDate,
    horizon_days: u32,
) -> Result<Vec<ChurnLabel>> {
    let end = horizon_end(as_of, horizon_days)?;
    let mut out = Vec::new();
    for (customer, idx) in groups.iter() {
        let (mut before, mut during) = (false, false);
        for &i in idx {
            let Some(t) = tx.get(i as usize) else {
                continue;
            };
            if !t.is_purchase() {
                continue;
            }
            let d = t.date();
            if d <= as_of {
                before = true;
            } else if d <= end {
                during = true;
            }
        }
        if before {
            out.push(ChurnLabel {
                customer,
                churned: !during,
            });
        }
    }
    Ok(out)
}

/// One subscription spell of a customer: `[start, end)`, `end = None` while still active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// The subscriber.
    pub customer: CustomerKey,
    /// First day of the subscription.
    pub start: NaiveDate,
    /// Day the subscription ended (the cancellation's effective date), `None` while active.
    pub end: Option<NaiveDate>,
}

/// Subscription spells from MRR movements: `New` and `Reactivation` open a spell, `Churn`
/// closes the open one; expansions and contractions do not change the spell. Spells come out
/// sorted by customer key, then start.
///
/// # Errors
/// [`ChurnError::Model`] wrapping [`crm_model::ModelError::AtRecord`] for a churn with no open
/// spell, or a start while a spell is open.
pub fn subscriptions_from_mrr(movements: &[MrrMovement]) -> Result<Vec<Subscription>> {
    let mut order: Vec<usize> = (0..movements.len()).collect();
    order.sort_by_key(|&i| (movements[i].customer(), movements[i].date(), i));
    let mut out: Vec<Subscription> = Vec::new();
    let mut open: Option<usize> = None;
    let mut current: Option<CustomerKey> = None;
    for i in order {
        let m = &movements[i];
        if current != Some(m.customer()) {
            current = Some(m.customer());
            open = None;
        }
        let bad = |reason: &str| {
            ChurnError::Model(
                crm_model::ModelError::InvalidParameter {
                    name: "mrr movement kind",
                    reason: format!("{reason} for customer {} on {}", m.customer(), m.date()),
                }
                .at_record(i),
            )
        };
        match m.kind() {
            MrrMovementKind::New | MrrMovementKind::Reactivation => {
                if open.is_some() {
                    return Err(bad("a subscription starts while one is already open"));
                }
                out.push(Subscription {
                    customer: m.customer(),
                    start: m.date(),
                    end: None,
                });
                open = Some(out.len() - 1);
            }
            MrrMovementKind::Churn => match open.take() {
                Some(s) => out[s].end = Some(m.date()),
                None => return Err(bad("churn without an open subscription")),
            },
            MrrMovementKind::Expansion | MrrMovementKind::Contraction => {}
        }
    }
    Ok(out)
}

/// Contractual labels: for each customer with a subscription active at the end of `as_of`,
/// churned = that subscription ends in `(as_of, as_of + horizon_days]`. Sorted by key. When
/// spells of one customer overlap, the one ending last counts.
///
/// # Errors
/// [`ChurnError::InvalidParameter`] for a zero horizon; [`ChurnError::Model`] wrapping
/// [`crm_model::ModelError::DatesOutOfOrder`] for a spell ending before it starts.
///
/// ```
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::churn::{contractual_labels, Subscription};
/// use crm_analytics::model::CustomerKey;
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let k = CustomerKey::from_index;
/// let subs = [
///     Subscription { customer: k(0), start: d(1, 1), end: Some(d(3, 1)) }, // cancels within 90 days
///     Subscription { customer: k(1), start: d(1, 1), end: None },          // stays
///     Subscription { customer: k(2), start: d(1, 1), end: Some(d(1, 15)) },// gone before as-of
/// ];
/// let l = contractual_labels(&subs, d(1, 31), 90)?;
/// assert_eq!(l.len(), 2);
/// assert!(l[0].churned && !l[1].churned);
/// # Ok::<(), crm_analytics::churn::ChurnError>(())
/// ```
pub fn contractual_labels(
    subscriptions: &[Subscription],
    as_of: NaiveDate,
    horizon_days: u32,
) -> Result<Vec<ChurnLabel>> {
    let end = horizon_end(as_of, horizon_days)?;
    let mut active: Vec<(CustomerKey, Option<NaiveDate>)> = Vec::new();
    for (i, s) in subscriptions.iter().enumerate() {
        if let Some(e) = s.end {
            if e < s.start {
                return Err(ChurnError::Model(
                    crm_model::ModelError::DatesOutOfOrder {
                        field: "subscription start/end",
                        earlier: s.start,
                        later: e,
                    }
                    .at_record(i),
                ));
            }
        }
        if s.start <= as_of && s.end.is_none_or(|e| e > as_of) {
            active.push((s.customer, s.end));
        }
    }
    // None (still active) sorts after every date.
    active.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.is_none().cmp(&b.1.is_none()))
            .then(a.1.cmp(&b.1))
    });
    let mut out: Vec<ChurnLabel> = Vec::new();
    for (c, e) in active {
        let churned = e.is_some_and(|e| e <= end);
        match out.last_mut() {
            Some(l) if l.customer == c => l.churned = churned,
            _ => out.push(ChurnLabel {
                customer: c,
                churned,
            }),
        }
    }
    Ok(out)
}

/// Two as-of dates and a horizon for a time-based train/test split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeSplit {
    /// As-of date of the training set.
    pub train_as_of: NaiveDate,
    /// As-of date of the test set; at least `train_as_of + horizon_days`.
    pub test_as_of: NaiveDate,
    /// Label horizon in days.
    pub horizon_days: u32,
}

/// Features and non-contractual labels at one as-of date, row-aligned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelledSet {
    /// The as-of date.
    pub as_of: NaiveDate,
    /// Features, in key order.
    pub features: Vec<CustomerFeatures>,
    /// `labels[i]` is the label of `features[i].customer`.
    pub labels: Vec<bool>,
}

impl LabelledSet {
    /// The labels as rows that carry the customer: `label_rows()[i]` is
    /// `features[i].customer` with `labels[i]` (pairs beyond the shorter of the two are left
    /// out; [`time_split`] always gives them equal length).
    ///
    /// ```
    /// use crm_analytics::churn::{ChurnLabel, CustomerFeatures, LabelledSet};
    /// use crm_analytics::model::chrono::NaiveDate;
    /// use crm_analytics::model::CustomerKey;
    /// let as_of = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
    /// let f = |k| CustomerFeatures {
    ///     customer: CustomerKey::from_index(k), first_purchase: as_of, last_purchase: as_of,
    ///     recency_days: 0.0, frequency: 1, monetary: 10.0, total_spend: 10.0, tenure_days: 0.0,
    ///     purchases_last_window: 1, purchases_prev_window: 0, trend: 1.0, mean_gap_days: None,
    ///     gap_ratio: None, complaints_recent: 0, days_since_complaint: None,
    ///     unresolved_tickets: 0, last_nps: None, last_csat: None, days_since_contact: None,
    /// };
    /// let set = LabelledSet { as_of, features: vec![f(4), f(9)], labels: vec![true, false] };
    /// assert_eq!(set.label_rows(), [
    ///     ChurnLabel { customer: CustomerKey::from_index(4), churned: true },
    ///     ChurnLabel { customer: CustomerKey::from_index(9), churned: false },
    /// ]);
    /// ```
    #[must_use]
    pub fn label_rows(&self) -> Vec<ChurnLabel> {
        self.features
            .iter()
            .zip(&self.labels)
            .map(|(f, &churned)| ChurnLabel {
                customer: f.customer,
                churned,
            })
            .collect()
    }
}

/// Training set at `split.train_as_of` and test set at `split.test_as_of`, both with
/// non-contractual labels over `split.horizon_days`.
///
/// No leakage: features use only events up to their own as-of date, and the training labels end
/// at `train_as_of + horizon <= test_as_of`, so everything the training set saw was known on the
/// test as-of date: a model trained on it could really have been deployed then.
///
/// # Errors
/// [`ChurnError::InvalidParameter`] when `train_as_of + horizon_days > test_as_of`; errors of
/// [`compute_features`] and [`noncontractual_labels_grouped`].
pub fn time_split(
    tx: &[Transaction],
    interactions: &[Interaction],
    surveys: &[SurveyResponse],
    split: &TimeSplit,
    feature_options: &FeatureOptions,
) -> Result<(LabelledSet, LabelledSet)> {
    let train_end = horizon_end(split.train_as_of, split.horizon_days)?;
    if train_end > split.test_as_of {
        return Err(ChurnError::InvalidParameter {
            name: "time split",
            reason: format!(
                "training labels run to {train_end} (train as-of {} + {} days), after the test as-of {}: the training set would see the test period",
                split.train_as_of, split.horizon_days, split.test_as_of
            ),
        });
    }
    let groups = CustomerGroups::new(tx)?;
    let set = |as_of: NaiveDate| -> Result<LabelledSet> {
        let mut o = *feature_options;
        o.as_of = as_of;
        let features = compute_features(tx, interactions, surveys, &o)?;
        let labels = noncontractual_labels_grouped(tx, &groups, as_of, split.horizon_days)?;
        if labels.len() != features.len() {
            return Err(ChurnError::LengthMismatch {
                what: "labels vs features",
                left: labels.len(),
                right: features.len(),
            });
        }
        Ok(LabelledSet {
            as_of,
            labels: labels.iter().map(|l| l.churned).collect(),
            features,
        })
    };
    Ok((set(split.train_as_of)?, set(split.test_as_of)?))
}
