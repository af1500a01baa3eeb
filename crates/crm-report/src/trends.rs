//! The lifecycle and trend sections: lifecycle stages as of the as-of date and at each month
//! end (`crm_metrics::lifecycle` with its default rules), the moves between stages over the
//! last three months, and monthly series of active customers, revenue, retention and NPS. Series cover at
//! most the last [`TREND_MONTHS`] months up to the as-of date (bounded, whatever the data's
//! span).

use crm_metrics::activity::{Inactivity, activity_retention_series};
use crm_metrics::group::Groups;
use crm_metrics::lifecycle::{
    LifecycleRules, Stage, lifecycle_stages, period_ends, stage_counts, stage_counts_at,
    transitions,
};
use crm_metrics::satisfaction::NpsState;
use crm_model::chrono::{Datelike, NaiveDate};
use crm_model::rust_decimal::Decimal;
use crm_model::{Limits, Period, SurveyAnswer, SurveyResponse, TimeUnit, Transaction};

use crate::model::{LifecycleSection, StageMonth, TrendMonth, TrendSection};

/// Months of the monthly series.
pub const TREND_MONTHS: i64 = 24;

/// First day of the first month of the series: 23 months before the as-of date's month, or
/// the first purchase's month when that is later.
fn window_start(tx: &[Transaction], as_of: NaiveDate) -> Result<NaiveDate, String> {
    let first = tx
        .iter()
        .filter(|t| t.is_purchase() && t.date() <= as_of)
        .map(Transaction::date)
        .min()
        .ok_or("purchases on or before the as-of date")?;
    let month = TimeUnit::Month;
    let earliest = month
        .add(month.truncate(as_of), 1 - TREND_MONTHS)
        .map_err(|e| e.to_string())?;
    Ok(month.truncate(first).max(earliest))
}

/// The lifecycle section as of `as_of`.
pub(crate) fn lifecycle(tx: &[Transaction], as_of: NaiveDate) -> Result<LifecycleSection, String> {
    let rules = LifecycleRules::default();
    let rows = lifecycle_stages(tx, as_of, &rules, None).map_err(|e| e.to_string())?;
    if rows.is_empty() {
        return Err("purchases on or before the as-of date".into());
    }
    let counts = stage_counts(&rows).map_err(|e| e.to_string())?;
    let start = window_start(tx, as_of)?;
    let ends = period_ends(start, as_of, TimeUnit::Month, &Limits::default())
        .map_err(|e| e.to_string())?;
    let monthly = stage_counts_at(tx, &ends, &rules, None)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(date, customers)| StageMonth { date, customers })
        .collect();
    let from = TimeUnit::Month.add(as_of, -3).map_err(|e| e.to_string())?;
    let moves = transitions(tx, from, as_of, &rules, None).map_err(|e| e.to_string())?;
    Ok(LifecycleSection {
        definition: format!(
            "as of a date: new = first purchase under {} days ago; active = last purchase under {} days ago; reactivated = active again after a gap of {}+ days; silent = last purchase {}-{} days ago; churned = {}+ days ago",
            rules.new_days(),
            rules.active_days(),
            rules.churn_days(),
            rules.active_days(),
            rules.churn_days() - 1,
            rules.churn_days()
        ),
        counts,
        monthly,
        transitions: moves,
    })
}

/// Monthly trends: active customers at each month end (from `lifecycle`'s monthly counts),
/// revenue and NPS of each month.
pub(crate) fn trends(
    tx: &[Transaction],
    surveys: Option<&[SurveyResponse]>,
    lifecycle: &LifecycleSection,
    as_of: NaiveDate,
) -> Result<TrendSection, String> {
    let month = TimeUnit::Month;
    let mut months: Vec<TrendMonth> = lifecycle
        .monthly
        .iter()
        .map(|m| TrendMonth {
            month: month.truncate(m.date),
            active_customers: [Stage::New, Stage::Active, Stage::Reactivated]
                .iter()
                .map(|s| m.customers[s.index()])
                .sum(),
            revenue: Decimal::ZERO,
            nps: None,
            nps_answers: 0,
            retention: None,
        })
        .collect();
    let Some(first) = months.first().map(|m| m.month) else {
        return Err("purchases on or before the as-of date".into());
    };
    let index = |d: NaiveDate| -> Option<usize> {
        if d < first || d > as_of {
            return None;
        }
        let k = (d.year() - first.year()) * 12 + d.month() as i32 - first.month() as i32;
        usize::try_from(k).ok()
    };
    for t in tx.iter().filter(|t| t.is_purchase()) {
        if let Some(m) = index(t.date()).and_then(|i| months.get_mut(i)) {
            m.revenue = m
                .revenue
                .checked_add(t.amount())
                .ok_or("monthly revenue within the decimal range")?;
        }
    }
    // Retention of each complete month, in one pass over the customers.
    let complete: Vec<Period> = (months.iter())
        .filter_map(|m| Period::new(m.month, month.add(m.month, 1).ok()?).ok())
        .filter(|p| as_of.succ_opt().is_some_and(|next| p.end() <= next))
        .collect();
    let series = activity_retention_series(tx, &complete, as_of, Inactivity::default())
        .map_err(|e| e.to_string())?;
    for (m, r) in months.iter_mut().zip(series) {
        m.retention = r.map(|r| r.cohort_retention);
    }
    if let Some(surveys) = surveys {
        let mut groups = Groups::new(vec!["month".into()], Limits::default());
        for s in surveys {
            if let (SurveyAnswer::Nps { score }, Some(i)) = (s.answer, index(s.date)) {
                groups
                    .state(&[i.to_string()], NpsState::new)
                    .map_err(|e| e.to_string())?
                    .push(score);
            }
        }
        for (k, state) in groups.iter() {
            let i: usize = k[0].parse().map_err(|_| "month index")?;
            if let (Some(m), Ok(n)) = (months.get_mut(i), state.finish()) {
                m.nps = Some(n.score);
                m.nps_answers = n.n;
            }
        }
    }
    Ok(TrendSection { months })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crm_model::{CustomerKey, NpsScore};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn monthly_series_by_hand() {
        let c = CustomerKey::from_index;
        let buy =
            |k, date, cents| Transaction::purchase(c(k), date, Decimal::new(cents, 2)).unwrap();
        // Customer 0 buys in January and March, customer 1 in February only.
        let tx = vec![
            buy(0, d(2024, 1, 10), 1000),
            buy(1, d(2024, 2, 20), 550),
            buy(0, d(2024, 3, 5), 250),
            buy(0, d(2024, 3, 25), 100),
        ];
        let as_of = d(2024, 3, 31);
        let l = lifecycle(&tx, as_of).unwrap();
        let dates: Vec<NaiveDate> = l.monthly.iter().map(|m| m.date).collect();
        assert_eq!(dates, [d(2024, 1, 31), d(2024, 2, 29), d(2024, 3, 31)]);
        // As of 2024-03-31: customer 0 bought 6 days ago, first 81 days ago: active;
        // customer 1 bought 40 days ago: silent.
        let count = |s: Stage| l.counts[s.index()].customers;
        assert_eq!((count(Stage::Active), count(Stage::Silent)), (1, 1));
        let answer = |date, score| SurveyResponse {
            customer: Some(c(0)),
            date,
            answer: SurveyAnswer::Nps {
                score: NpsScore::new(score).unwrap(),
            },
        };
        let surveys = [
            answer(d(2024, 1, 3), 10),
            answer(d(2024, 1, 9), 2),
            answer(d(2024, 3, 1), 9),
        ];
        let t = trends(&tx, Some(&surveys), &l, as_of).unwrap();
        let got: Vec<(NaiveDate, u64, Decimal, Option<f64>, u64)> = t
            .months
            .iter()
            .map(|m| (m.month, m.active_customers, m.revenue, m.nps, m.nps_answers))
            .collect();
        // Retention (90-day inactivity): nobody was active before January; customer 0 was
        // carried into February and March and stayed; customer 1 joined in February.
        let retention: Vec<Option<f64>> = t.months.iter().map(|m| m.retention).collect();
        assert_eq!(retention, [None, Some(1.0), Some(1.0)]);
        assert_eq!(
            got,
            [
                // January 31: customer 0 is new (first purchase 21 days ago).
                (d(2024, 1, 1), 1, Decimal::new(1000, 2), Some(0.0), 2),
                // February 29: customer 0 bought 50 days ago (silent), customer 1 is new.
                (d(2024, 2, 1), 1, Decimal::new(550, 2), None, 0),
                (d(2024, 3, 1), 1, Decimal::new(350, 2), Some(100.0), 1),
            ]
        );
    }

    #[test]
    fn monthly_retention_by_hand() {
        let c = CustomerKey::from_index;
        let buy = |k, date| Transaction::purchase(c(k), date, Decimal::ONE).unwrap();
        // Customer 2's 90 days run out on March 31: carried into March, lost in it.
        let tx = vec![
            buy(0, d(2024, 1, 10)),
            buy(2, d(2024, 1, 1)),
            buy(1, d(2024, 2, 20)),
            buy(0, d(2024, 3, 5)),
        ];
        let as_of = d(2024, 4, 15);
        let l = lifecycle(&tx, as_of).unwrap();
        let t = trends(&tx, None, &l, as_of).unwrap();
        let retention: Vec<(NaiveDate, Option<f64>)> =
            t.months.iter().map(|m| (m.month, m.retention)).collect();
        assert_eq!(
            retention,
            [
                (d(2024, 1, 1), None),            // nobody before January
                (d(2024, 2, 1), Some(1.0)),       // 0 and 2 carried in, both stay
                (d(2024, 3, 1), Some(2.0 / 3.0)), // 0, 1, 2 carried in; 2 lapses on the 31st
                (d(2024, 4, 1), None),            // April is not complete on the 15th
            ]
        );
    }
}
