//! Arbitrary dates (anywhere in 0001..=9999) and periods through crm-metrics' cohort matrices,
//! retention, activity spans and lifecycle stages under the default `crm_model::Limits`:
//! a result or an error, never a panic, never an allocation sized by a hostile date span (run
//! with `-rss_limit_mb=2048`).
#![no_main]

mod input;

use crm_metrics::activity::{Inactivity, activity_retention, activity_spans};
use crm_metrics::engagement::{
    CohortPeriod, CohortRetention, CohortState, active_customers, cohort_matrix,
    cohort_matrix_with_limits,
};
use crm_metrics::lifecycle::{
    LifecycleRules, lifecycle_stages, period_ends, stage_counts, stage_counts_at, transitions,
};
use crm_metrics::retention::{CustomerSpan, RetentionState, SamePeriodJoiners, retention};
use crm_model::{CustomerKey, Limits, Period, TimeUnit, Transaction};
use input::Input;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let sel = inp.byte();
    let (d1, d2, as_of) = (inp.date(), inp.date(), inp.date());
    let days = inp.count();
    let rules = LifecycleRules::new(inp.count(), inp.count(), inp.count());
    let mut tx = Vec::new();
    let mut spans = Vec::new();
    while !inp.is_empty() && tx.len() < 64 {
        let key = CustomerKey::from_index(u32::from(inp.byte() % 8));
        let date = inp.date();
        if let Ok(t) = Transaction::purchase(key, date, inp.amount()) {
            tx.push(t);
        }
        let end = (inp.byte() & 1 != 0).then(|| inp.date());
        if let Ok(s) = CustomerSpan::new(key, date, end) {
            spans.push(s);
        }
    }
    let known: Vec<CustomerKey> = (0..10).map(CustomerKey::from_index).collect();
    let known = (sel & 64 != 0).then_some(&known[..]);

    // Cohort matrices, both granularities, whole-slice and merged halves.
    let period = if sel & 1 != 0 {
        CohortPeriod::Week
    } else {
        CohortPeriod::Month
    };
    if let Ok(m) = cohort_matrix(&tx, period) {
        for row in &m.cohorts {
            for kind in [CohortRetention::Classic, CohortRetention::Rolling] {
                for r in row.rates(kind) {
                    assert!((0.0..=1.0).contains(&r), "cohort rate {r}");
                }
            }
        }
    }
    let _ = cohort_matrix_with_limits(&tx, period, Limits::default());
    let (a, b) = tx.split_at(tx.len() / 2);
    let mut left = CohortState::with_range(period, 8, d1, d2);
    let mut right = CohortState::with_limits(period, Limits::default());
    let ok = a.iter().all(|t| left.push(t).is_ok()) && b.iter().all(|t| right.push(t).is_ok());
    if ok && left.merge(&right).is_ok() {
        let _ = left.finish();
    }
    let _ = active_customers(&tx, as_of, days);

    // Retention over a period [d1, d2), from spans and from activity.
    if let Ok(p) = Period::new(d1.min(d2), d1.max(d2)) {
        if let Ok(r) = retention(&spans, p) {
            for v in [SamePeriodJoiners::Exclude, SamePeriodJoiners::Include] {
                let c = r.churn(v);
                assert!(c.is_nan() || (0.0..=1.0).contains(&c), "churn {c}");
            }
        }
        let mut s = RetentionState::new(p);
        spans.iter().for_each(|sp| s.push(sp));
        let _ = s.finish();
        let rule = Inactivity::new(days).unwrap_or_default();
        let _ = activity_spans(&tx, p, as_of, rule);
        let _ = activity_retention(&tx, p, as_of, rule);
    }

    // Lifecycle stages at one date, over a series of dates, and between two dates.
    if let Ok(rules) = rules {
        if let Ok(rows) = lifecycle_stages(&tx, as_of, &rules, known) {
            let _ = stage_counts(&rows);
        }
        let every = TimeUnit::ALL[usize::from(sel >> 1) % 5];
        if let Ok(ends) = period_ends(d1, as_of, every, &Limits::default()) {
            let _ = stage_counts_at(&tx, &ends, &rules, known);
        }
        let _ = transitions(&tx, d1, d2, &rules, known);
    }
});
