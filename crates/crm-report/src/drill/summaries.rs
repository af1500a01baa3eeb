//! Summaries of per-customer model outputs per group of customers: CLV predictions
//! ([`ClvPredictionRow`]) and churn scores ([`ChurnScoreRow`]), each group a small sum state
//! filled in one pass over the rows.

use crm_churn::{ChurnError, RiskTier, ScoreOptions, Scorer, score_customers};
use crm_io::Lookup;
use crm_metrics::MetricsError;
use crm_metrics::lifecycle::period_ends;
use crm_model::{CustomerInterner, Limits, ModelError, TimeUnit, Transaction};

use super::{ByGroup, by_id};
use crate::listings::{ChurnScoreRow, ClvPredictionRow};

/// CLV predictions summed over a group of customers.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClvGroupFigures {
    /// Customers in the group.
    pub customers: u64,
    /// Expected customers alive: the sum of P(alive).
    pub expected_alive: f64,
    /// Mean P(alive).
    pub mean_p_alive: f64,
    /// Expected purchases over the horizon, summed.
    pub expected_purchases: f64,
    /// Expected discounted CLV, summed (with a spend model).
    pub clv: Option<f64>,
    /// Mean CLV per customer (with a spend model).
    pub mean_clv: Option<f64>,
}

/// Running sums of [`ClvGroupFigures`].
#[derive(Debug, Default)]
struct ClvSums {
    customers: u64,
    p_alive: f64,
    purchases: f64,
    /// `None` once a row has no CLV.
    clv: Option<f64>,
}

/// The CLV predictions of each group of customers (`rows` as [`crate::listings::
/// clv_prediction_rows`] makes them), summed: customers, expected customers alive, expected
/// purchases and CLV. A group's CLV is given only when every row has one (a spend model).
///
/// ```
/// use crm_analytics::io::Lookup;
/// use crm_analytics::model::Limits;
/// use crm_analytics::report::drill::clv_by;
/// use crm_analytics::report::listings::ClvPredictionRow;
/// let row = |id: &str, p_alive, purchases, clv| ClvPredictionRow {
///     customer_id: id.into(), p_alive, expected_purchases: purchases, p_no_purchase: 0.5,
///     expected_spend: Some(10.0), clv: Some(clv),
/// };
/// let rows = [row("a", 0.5, 1.0, 20.0), row("b", 1.0, 2.0, 40.0), row("c", 0.25, 0.5, 5.0)];
/// let lookup = Lookup {
///     key: "customer_id".into(),
///     columns: vec!["region".into()],
///     rows: [("a", "north"), ("b", "north"), ("c", "south")].map(|(k, v)| (k.to_string(), vec![v.to_string()])).into(),
/// };
/// let r = clv_by(&rows, &lookup, Limits::default())?;
/// let north = &r.groups[0].1;
/// assert_eq!((north.customers, north.expected_alive, north.mean_p_alive), (2, 1.5, 0.75));
/// assert_eq!((north.expected_purchases, north.clv, north.mean_clv), (3.0, Some(60.0), Some(30.0)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// More groups than [`Limits::max_groups`].
pub fn clv_by(
    rows: &[ClvPredictionRow],
    lookup: &Lookup,
    limits: Limits,
) -> Result<ByGroup<ClvGroupFigures>, ModelError> {
    let d = by_id(
        rows,
        |r| r.customer_id.as_str(),
        lookup,
        limits,
        || ClvSums {
            clv: Some(0.0),
            ..ClvSums::default()
        },
        |s, r| {
            s.customers += 1;
            s.p_alive += r.p_alive;
            s.purchases += r.expected_purchases;
            s.clv = s.clv.zip(r.clv).map(|(a, b)| a + b);
            Ok::<(), ModelError>(())
        },
    )?;
    let groups = (d.groups.iter())
        .map(|(key, s)| {
            let n = s.customers as f64;
            let figures = ClvGroupFigures {
                customers: s.customers,
                expected_alive: s.p_alive,
                mean_p_alive: s.p_alive / n,
                expected_purchases: s.purchases,
                clv: s.clv,
                mean_clv: s.clv.map(|c| c / n),
            };
            (key.to_vec(), figures)
        })
        .collect();
    Ok(ByGroup {
        names: lookup.columns.clone(),
        groups,
        unmatched: d.unmatched,
        empty: 0,
    })
}

/// Churn scores summed over a group of customers.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChurnGroupFigures {
    /// Customers in the group.
    pub customers: u64,
    /// Mean score (rule points, or probability of churn).
    pub mean_score: f64,
    /// Customers in the high-risk tier.
    pub high: u64,
    /// Customers in the medium-risk tier.
    pub medium: u64,
    /// Customers in the low-risk tier.
    pub low: u64,
    /// `high / customers`.
    pub high_share: f64,
}

/// The churn scores of each group of customers (`rows` as [`crate::listings::
/// churn_score_rows`] makes them): customers per risk tier, mean score, share at high risk.
///
/// # Errors
/// More groups than [`Limits::max_groups`].
pub fn churn_by(
    rows: &[ChurnScoreRow],
    lookup: &Lookup,
    limits: Limits,
) -> Result<ByGroup<ChurnGroupFigures>, ModelError> {
    let d = by_id(
        rows,
        |r| r.customer_id.as_str(),
        lookup,
        limits,
        || (0.0f64, [0u64; 3]),
        |(sum, tiers), r| {
            *sum += r.score;
            let i = match r.tier {
                RiskTier::Low => 0,
                RiskTier::Medium => 1,
                RiskTier::High => 2,
            };
            tiers[i] += 1;
            Ok::<(), ModelError>(())
        },
    )?;
    let groups = (d.groups.iter())
        .map(|(key, (sum, [low, medium, high]))| {
            let n = low + medium + high;
            let figures = ChurnGroupFigures {
                customers: n,
                mean_score: sum / n as f64,
                high: *high,
                medium: *medium,
                low: *low,
                high_share: *high as f64 / n as f64,
            };
            (key.to_vec(), figures)
        })
        .collect();
    Ok(ByGroup {
        names: lookup.columns.clone(),
        groups,
        unmatched: d.unmatched,
        empty: 0,
    })
}

/// The churn summary ([`churn_by`]) as of the end of each `unit` from the first purchase to
/// `opts.as_of` (the last date is the as-of date itself), alone or per group of customers by
/// `lookup`: at each date every customer who bought by then is scored as
/// [`crm_churn::score_customers`] would on that date, so the rows show how the customers at
/// risk move. The group values come first, then the date (`as_of`). Dates with nobody to
/// score or to train on (the logistic scorer's first dates) are left out and counted in
/// [`ByGroup::empty`].
///
/// # Errors
/// No purchase by the as-of date; more dates or groups than `limits` allow; the scorer's
/// errors.
pub fn churn_every(
    tx: &[Transaction],
    ids: &CustomerInterner,
    scorer: &Scorer,
    opts: &ScoreOptions,
    unit: TimeUnit,
    lookup: Option<&Lookup>,
    limits: Limits,
) -> Result<ByGroup<ChurnGroupFigures>, ChurnError> {
    let first = (tx
        .iter()
        .filter(|t| t.is_purchase() && t.date() <= opts.as_of))
    .map(Transaction::date)
    .min()
    .ok_or(ChurnError::NoCustomers {
        as_of: opts.as_of,
        training: false,
    })?;
    let dates = period_ends(first, opts.as_of, unit, &limits).map_err(|e| match e {
        MetricsError::Model(m) => ChurnError::Model(m),
        other => ChurnError::InvalidParameter {
            name: "as_of",
            reason: other.to_string(),
        },
    })?;
    let all = Lookup::default();
    let mut names = lookup.unwrap_or(&all).columns.clone();
    names.push("as_of".into());
    let mut out = ByGroup {
        names,
        groups: Vec::new(),
        unmatched: 0,
        empty: 0,
    };
    for date in dates {
        let at = ScoreOptions {
            as_of: date,
            ..*opts
        };
        let scored = match score_customers(tx, scorer, &at) {
            Ok(s) => s,
            Err(ChurnError::NoCustomers { .. }) => {
                out.empty += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        let rows = crate::listings::churn_score_rows(&scored.scores, ids);
        let by = churn_by(&rows, lookup.unwrap_or(&all), limits)?;
        if lookup.is_some() {
            out.unmatched = out.unmatched.max(by.unmatched);
        }
        for (mut key, figures) in by.groups {
            key.push(date.to_string());
            out.groups.push((key, figures));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listings::ChurnScoreRow;

    fn lookup(rows: &[(&str, &str)]) -> Lookup {
        Lookup {
            key: "customer_id".into(),
            columns: vec!["channel".into()],
            rows: rows
                .iter()
                .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
                .collect(),
        }
    }

    #[test]
    fn churn_tiers_per_group_by_hand() {
        let row = |id: &str, score, tier| ChurnScoreRow {
            customer_id: id.into(),
            score,
            tier,
            reasons: String::new(),
        };
        let rows = [
            row("1", 0.9, RiskTier::High),
            row("2", 0.5, RiskTier::Medium),
            row("3", 0.1, RiskTier::Low),
            row("4", 0.8, RiskTier::High),
            row("5", 0.2, RiskTier::Low),
        ];
        let l = lookup(&[("1", "web"), ("2", "web"), ("3", "web"), ("4", "shop")]);
        let r = churn_by(&rows, &l, Limits::default()).unwrap();
        assert_eq!(r.unmatched, 1);
        let keys: Vec<&str> = r.groups.iter().map(|(k, _)| k[0].as_str()).collect();
        assert_eq!(keys, ["", "shop", "web"]);
        let web = &r.groups[2].1;
        assert_eq!((web.customers, web.high, web.medium, web.low), (3, 1, 1, 1));
        assert!((web.mean_score - 0.5).abs() < 1e-15);
        assert!((web.high_share - 1.0 / 3.0).abs() < 1e-15);
        let shop = &r.groups[1].1;
        assert_eq!((shop.customers, shop.high, shop.high_share), (1, 1, 1.0));
        assert_eq!(r.groups[0].1.low, 1);
    }

    #[test]
    fn clv_without_a_spend_model_has_no_group_clv() {
        let row = |id: &str| ClvPredictionRow {
            customer_id: id.into(),
            p_alive: 0.5,
            expected_purchases: 1.0,
            p_no_purchase: 0.5,
            expected_spend: None,
            clv: None,
        };
        let r = clv_by(
            &[row("1"), row("2")],
            &lookup(&[("1", "web")]),
            Limits::default(),
        );
        let r = r.unwrap();
        assert_eq!(r.unmatched, 1);
        assert!(
            r.groups
                .iter()
                .all(|(_, g)| g.clv.is_none() && g.mean_clv.is_none())
        );
    }
}
