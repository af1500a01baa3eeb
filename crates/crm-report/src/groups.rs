//! The per-group section (`crm report --by region`): the key figures of each group of customers
//! (by their values of customer attributes, [`Lookup`]) and their monthly revenue, for small
//! multiples. Each group's figures are the report's own key-figure functions on that group's
//! transactions and answers, so a group's numbers are defined exactly like the whole's.

use std::collections::BTreeMap;

use crm_io::Lookup;
use crm_metrics::satisfaction::NpsState;
use crm_model::chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;
use crm_model::{
    CustomerInterner, CustomerKey, Limits, SurveyAnswer, SurveyResponse, TimeUnit, Transaction,
};

use crate::kpi;
use crate::model::{GroupFigures, GroupSection};

/// Customers split into groups: see [`assign`].
struct Assigned {
    /// Group index of each customer key.
    group_of: Vec<usize>,
    /// Group values, in order.
    values: Vec<Vec<String>>,
    /// Customers the table lacks.
    unmatched: u64,
}

/// Group index of every customer key (customers the table lacks: the group of empty values),
/// the groups' values in order, and how many customers were not in the table.
fn assign(ids: &CustomerInterner, lookup: &Lookup, limits: &Limits) -> Result<Assigned, String> {
    let empty = vec![String::new(); lookup.columns.len()];
    let mut index: BTreeMap<&[String], usize> = BTreeMap::new();
    let mut keys = Vec::with_capacity(ids.len());
    let mut unmatched = 0u64;
    for values in crate::drill::key_groups(ids, lookup) {
        let values = match values {
            Some(v) => v,
            None => {
                unmatched += 1;
                empty.as_slice()
            }
        };
        let next = index.len();
        let g = *index.entry(values).or_insert(next);
        if index.len() > limits.max_groups {
            return Err(format!(
                "at most {} groups (Limits::max_groups); --by gives more",
                limits.max_groups
            ));
        }
        keys.push(g);
    }
    // Groups in the order of their values.
    let mut order: Vec<(&[String], usize)> = index.into_iter().collect();
    order.sort();
    let mut rank = vec![0; order.len()];
    for (r, (_, g)) in order.iter().enumerate() {
        rank[*g] = r;
    }
    let values = order.iter().map(|(v, _)| v.to_vec()).collect();
    Ok(Assigned {
        group_of: keys.into_iter().map(|g| rank[g]).collect(),
        values,
        unmatched,
    })
}

/// The section: one [`GroupFigures`] per group, monthly revenue over `months` (first days).
pub(crate) fn section(
    tx: &[Transaction],
    surveys: Option<&[SurveyResponse]>,
    ids: &CustomerInterner,
    lookup: &Lookup,
    as_of: NaiveDate,
    months: &[NaiveDate],
) -> Result<GroupSection, String> {
    let Assigned {
        group_of,
        values,
        unmatched,
    } = assign(ids, lookup, &Limits::default())?;
    let group = |k: CustomerKey| group_of.get(k.index()).copied();
    let mut parts: Vec<Vec<Transaction>> = vec![Vec::new(); values.len()];
    for t in tx {
        if let Some(g) = group(t.customer()) {
            parts[g].push(t.clone());
        }
    }
    let mut nps: Vec<NpsState> = vec![NpsState::new(); values.len()];
    for s in surveys
        .unwrap_or_default()
        .iter()
        .filter(|s| s.date <= as_of)
    {
        if let (SurveyAnswer::Nps { score }, Some(g)) = (s.answer, s.customer.and_then(group)) {
            nps[g].push(score);
        }
    }
    let period = kpi::last_complete_month(as_of);
    let month = TimeUnit::Month;
    let mut groups = Vec::with_capacity(values.len());
    for ((key, part), nps) in values.into_iter().zip(&parts).zip(&nps) {
        let b = kpi::basics(part, as_of).map_err(|e| e.to_string())?;
        let retention = period.and_then(|p| kpi::retention_churn(part, p, as_of).ok());
        let mut monthly = vec![Decimal::ZERO; months.len()];
        for t in part.iter().filter(|t| t.is_purchase() && t.date() <= as_of) {
            if let Ok(i) = months.binary_search(&month.truncate(t.date())) {
                monthly[i] = (monthly[i].checked_add(t.amount()))
                    .ok_or("monthly revenue within the decimal range")?;
            }
        }
        let n = nps.finish().ok();
        groups.push(GroupFigures {
            key,
            customers: b.customers,
            active_last_30_days: b.active_30,
            revenue: b.revenue,
            aov: b.aov,
            repeat_purchase_rate: b.repeat_rate,
            retention: retention.map(|r| r.0),
            churn: retention.map(|r| r.1),
            nps: n.as_ref().map(|n| n.score),
            nps_answers: n.map_or(0, |n| n.n),
            monthly_revenue: monthly,
        });
    }
    Ok(GroupSection {
        columns: lookup.columns.clone(),
        months: months.to_vec(),
        groups,
        unmatched,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, day).unwrap()
    }

    #[test]
    fn figures_per_group_by_hand() {
        let mut ids = CustomerInterner::new();
        let (a, b, c) = (
            ids.intern("a").unwrap(),
            ids.intern("b").unwrap(),
            ids.intern("c").unwrap(),
        );
        let buy = |k, date, amount: i64| Transaction::purchase(k, date, amount.into()).unwrap();
        // a and b are north, c is in no row of the table.
        let tx = vec![
            buy(a, d(1, 10), 10),
            buy(a, d(3, 5), 30),
            buy(b, d(2, 20), 5),
            buy(c, d(3, 1), 7),
            buy(c, d(4, 2), 100), // after the as-of date
        ];
        let lookup = Lookup {
            key: "customer_id".into(),
            columns: vec!["region".into()],
            rows: [("a", "north"), ("b", "north")]
                .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
                .into(),
        };
        let months = [d(1, 1), d(2, 1), d(3, 1)];
        let s = section(&tx, None, &ids, &lookup, d(3, 31), &months).unwrap();
        assert_eq!(s.unmatched, 1);
        type Row = (Vec<String>, u64, u64, Decimal, Vec<Decimal>);
        let got: Vec<Row> = (s.groups.iter())
            .map(|g| {
                let m = g.monthly_revenue.clone();
                (
                    g.key.clone(),
                    g.customers,
                    g.active_last_30_days,
                    g.revenue,
                    m,
                )
            })
            .collect();
        let dec = |v: i64| Decimal::from(v);
        assert_eq!(
            got,
            [
                // c's last purchase up to March 31 is 30 days old: not active in the last 30.
                (
                    vec![String::new()],
                    1,
                    0,
                    dec(7),
                    vec![dec(0), dec(0), dec(7)]
                ),
                (
                    vec!["north".into()],
                    2,
                    1,
                    dec(45),
                    vec![dec(10), dec(5), dec(30)]
                ),
            ]
        );
        // March, 90-day rule: north carried in a (Jan 10) and b (Feb 20), both stay.
        assert_eq!(s.groups[1].retention, Some(1.0));
        assert_eq!(s.groups[0].retention, None); // c joined in March: nobody carried in
    }
}
