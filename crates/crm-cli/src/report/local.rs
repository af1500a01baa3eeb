//! Small metrics computed here from `crm-model` types alone, so the report has content before
//! the metric crates are wired in. Each is marked with the library call that replaces it.
//!
//! Definitions used (stated in the report too):
//! - customers: distinct customers with a purchase on or before `as_of`;
//! - active: a purchase in the 30 days ending on `as_of` (inclusive);
//! - repeat purchase rate: customers with x > 0 repeat occasions / customers;
//! - AOV: gross purchase amount / number of purchase rows; ARPU: net revenue / customers;
//! - cohorts: calendar month of the first purchase; "retained in period k" = any purchase in the
//!   k-th month after the cohort month (classic, not rolling, retention);
//! - funnel: distinct subjects with an event at the stage (not requiring earlier stages).

use crm_analytics::model::chrono::{NaiveDate, TimeDelta};
use crm_analytics::model::rust_decimal::Decimal;
use crm_analytics::model::{
    CustomerGroups, FunnelEvent, Interaction, InteractionKind, MrrMovement, PurchaseSummaries,
    SurveyAnswer, SurveyResponse, TimeUnit, Transaction,
};

use super::model::{
    CohortRow, CohortSection, CsatKpi, FunnelSection, FunnelStep, NpsKpi, NpsSection, ServiceKpi,
};

/// Headline figures from the transaction log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Basics {
    /// Customers with a purchase up to `as_of`.
    pub customers: u64,
    /// Customers with a purchase in the last 30 days.
    pub active_30: u64,
    /// Net revenue.
    pub revenue: Decimal,
    /// Gross purchase revenue.
    pub gross: Decimal,
    /// Purchase rows.
    pub purchases: u64,
    /// First and last transaction date up to `as_of`.
    pub first: Option<NaiveDate>,
    /// Last transaction date up to `as_of`.
    pub last: Option<NaiveDate>,
    /// Transactions after `as_of`.
    pub after: u64,
}

/// Customers, activity, revenue.
// TODO(integration): replace with crm_metrics::{active customers, revenue} state types.
pub fn basics(tx: &[Transaction], key_count: usize, as_of: NaiveDate) -> Basics {
    let window_start = as_of - TimeDelta::days(29);
    let mut first_seen = vec![false; key_count];
    let mut active = vec![false; key_count];
    let mut b = Basics::default();
    for t in tx {
        if t.date() > as_of {
            b.after += 1;
            continue;
        }
        b.first = Some(b.first.map_or(t.date(), |f| f.min(t.date())));
        b.last = Some(b.last.map_or(t.date(), |l| l.max(t.date())));
        b.revenue += t.signed_amount();
        if !t.is_purchase() {
            continue;
        }
        b.gross += t.amount();
        b.purchases += 1;
        let k = t.customer().index();
        if let Some(f) = first_seen.get_mut(k) {
            if !*f {
                *f = true;
                b.customers += 1;
            }
        }
        if t.date() >= window_start {
            if let Some(a) = active.get_mut(k) {
                if !*a {
                    *a = true;
                    b.active_30 += 1;
                }
            }
        }
    }
    b
}

/// Share of customers with at least one repeat purchase occasion.
// TODO(integration): replace with crm_metrics::repeat_purchase_rate.
pub fn repeat_rate(s: &PurchaseSummaries) -> Option<f64> {
    let n = s.customers.len();
    (n > 0).then(|| s.customers.iter().filter(|c| c.frequency > 0).count() as f64 / n as f64)
}

/// `num / den` rounded to cents, `None` when `den == 0`.
pub fn ratio_money(num: Decimal, den: u64) -> Option<Decimal> {
    (den > 0).then(|| (num / Decimal::from(den)).round_dp(2))
}

/// NPS distribution and score from the survey answers up to `as_of`.
// TODO(integration): replace the score with crm_metrics NPS (and fill its interval).
pub fn nps(surveys: &[SurveyResponse], as_of: NaiveDate) -> Option<(NpsSection, NpsKpi)> {
    let mut counts = vec![0u64; 11];
    for s in surveys.iter().filter(|s| s.date <= as_of) {
        if let SurveyAnswer::Nps { score } = s.answer {
            counts[usize::from(score.get())] += 1;
        }
    }
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let promoters = counts[9] + counts[10];
    let passives = counts[7] + counts[8];
    let detractors = n - promoters - passives;
    let score = 100.0 * (promoters as f64 - detractors as f64) / n as f64;
    Some((
        NpsSection {
            counts,
            promoters,
            passives,
            detractors,
            score,
        },
        NpsKpi {
            score,
            ci_low: None,
            ci_high: None,
            confidence: None,
            responses: n,
        },
    ))
}

/// CSAT top-two-box share and mean.
// TODO(integration): replace with crm_metrics CSAT (variant: top-2-box, the default).
pub fn csat(surveys: &[SurveyResponse], as_of: NaiveDate) -> Option<CsatKpi> {
    let (mut n, mut top, mut sum) = (0u64, 0u64, 0u64);
    for s in surveys.iter().filter(|s| s.date <= as_of) {
        if let SurveyAnswer::Csat { score } = s.answer {
            n += 1;
            top += u64::from(score.is_satisfied());
            sum += u64::from(score.get());
        }
    }
    (n > 0).then(|| CsatKpi {
        top_two_box: top as f64 / n as f64,
        mean: sum as f64 / n as f64,
        responses: n,
    })
}

/// Tickets, complaints and resolution times.
// TODO(integration): replace with crm_metrics complaint rate / resolution time, if provided.
pub fn service(interactions: &[Interaction], customers: u64) -> Option<ServiceKpi> {
    let (mut tickets, mut complaints, mut unresolved) = (0u64, 0u64, 0u64);
    let mut hours = Vec::new();
    for i in interactions {
        match i.kind() {
            InteractionKind::SupportTicket { .. } => tickets += 1,
            InteractionKind::Complaint { .. } => complaints += 1,
            _ => continue,
        }
        match i.resolution_time() {
            Some(d) => hours.push(d.num_seconds() as f64 / 3600.0),
            None => unresolved += 1,
        }
    }
    if tickets + complaints == 0 {
        return None;
    }
    hours.sort_by(f64::total_cmp);
    let median = match hours.len() {
        0 => None,
        n if n % 2 == 1 => Some(hours[n / 2]),
        n => Some((hours[n / 2 - 1] + hours[n / 2]) / 2.0),
    };
    Some(ServiceKpi {
        tickets,
        complaints,
        unresolved,
        median_resolution_hours: median,
        complaints_per_100_customers: (customers > 0)
            .then(|| 100.0 * complaints as f64 / customers as f64),
    })
}

/// MRR at `as_of`: the sum of signed movements up to it.
// TODO(integration): replace with crm_metrics MRR bridge (and fill GRR/NRR from it).
pub fn mrr(movements: &[MrrMovement], as_of: NaiveDate) -> Option<Decimal> {
    if movements.is_empty() {
        return None;
    }
    Some(
        movements
            .iter()
            .filter(|m| m.date() <= as_of)
            .map(MrrMovement::signed_amount)
            .sum(),
    )
}

/// Classic cohort retention matrix by calendar `unit` of the first purchase, the last
/// `max_cohorts` cohorts up to `as_of`.
// TODO(integration): replace with crm_metrics cohort matrix (classic variant).
pub fn cohorts(
    tx: &[Transaction],
    as_of: NaiveDate,
    unit: TimeUnit,
    max_cohorts: usize,
) -> Option<CohortSection> {
    let groups = CustomerGroups::new(tx).ok()?;
    let first = tx
        .iter()
        .filter(|t| t.is_purchase() && t.date() <= as_of)
        .map(Transaction::date)
        .min()?;
    let last_index = unit.periods_between(first, as_of);
    let n = usize::try_from(last_index).ok()? + 1;
    let mut size = vec![0u64; n];
    let mut active = vec![vec![0u64; n]; n];
    let mut offsets: Vec<i64> = Vec::new();
    for (_, idx) in groups.iter() {
        offsets.clear();
        let mut cust_first: Option<NaiveDate> = None;
        for &i in idx {
            let t = &tx[i as usize];
            if t.is_purchase() && t.date() <= as_of {
                cust_first = Some(cust_first.map_or(t.date(), |f| f.min(t.date())));
            }
        }
        let Some(cf) = cust_first else { continue };
        for &i in idx {
            let t = &tx[i as usize];
            if t.is_purchase() && t.date() <= as_of {
                offsets.push(unit.periods_between(cf, t.date()));
            }
        }
        offsets.sort_unstable();
        offsets.dedup();
        let c = unit.periods_between(first, cf) as usize;
        if c >= n {
            continue;
        }
        size[c] += 1;
        for &k in &offsets {
            if let Some(cell) = active[c].get_mut(k as usize) {
                *cell += 1;
            }
        }
    }
    let start = unit.truncate(first);
    let mut rows = Vec::new();
    for c in n.saturating_sub(max_cohorts)..n {
        if size[c] == 0 {
            continue;
        }
        let periods = n - c; // periods started by as_of, the last possibly partial
        let act: Vec<u64> = active[c][..periods].to_vec();
        rows.push(CohortRow {
            cohort: unit.add(start, c as i64).ok()?,
            size: size[c],
            retention: act.iter().map(|a| *a as f64 / size[c] as f64).collect(),
            active: act,
        });
    }
    Some(CohortSection {
        unit: unit.to_string(),
        definition: format!(
            "cohort = {unit} of first purchase; retained in period k = any purchase in the k-th {unit} after it (the last {unit} may be partial)"
        ),
        rows,
    })
}

/// Distinct subjects per stage; stages in `order`, or by descending count when not given.
// TODO(integration): replace with crm_metrics funnel (choose the strict-order variant there).
pub fn funnel(events: &[FunnelEvent], order: Option<&[String]>) -> Option<FunnelSection> {
    if events.is_empty() {
        return None;
    }
    let mut pairs: Vec<(&str, u32)> = events
        .iter()
        .map(|e| (e.stage(), e.subject().index() as u32))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut counts: Vec<(String, u64)> = Vec::new();
    for (stage, _) in &pairs {
        match counts.last_mut() {
            Some((s, c)) if s == stage => *c += 1,
            _ => counts.push((stage.to_string(), 1)),
        }
    }
    let ordered: Vec<(String, u64)> = match order {
        Some(o) => o
            .iter()
            .map(|s| {
                let c = counts.iter().find(|(n, _)| n == s).map_or(0, |(_, c)| *c);
                (s.clone(), c)
            })
            .collect(),
        None => {
            let mut c = counts;
            c.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            c
        }
    };
    let first = ordered.first().map_or(0, |(_, c)| *c);
    let mut prev: Option<u64> = None;
    let steps = ordered
        .into_iter()
        .map(|(stage, subjects)| {
            let step = FunnelStep {
                stage,
                subjects,
                from_previous: prev.filter(|p| *p > 0).map(|p| subjects as f64 / p as f64),
                from_start: (first > 0).then(|| subjects as f64 / first as f64),
            };
            prev = Some(subjects);
            step
        })
        .collect();
    Some(FunnelSection {
        definition: "distinct subjects with an event at the stage".into(),
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_analytics::model::{CustomerKey, NpsScore};

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, day).unwrap()
    }

    fn tx(k: u32, date: NaiveDate, amount: i64) -> Transaction {
        Transaction::from_signed(CustomerKey::from_index(k), date, Decimal::from(amount))
    }

    #[test]
    fn basics_by_hand() {
        let t = vec![
            tx(0, d(1, 5), 100),
            tx(0, d(3, 20), 50),
            tx(1, d(2, 1), 30),
            tx(1, d(2, 10), -30), // a return
            tx(2, d(4, 2), 70),   // after as_of
        ];
        let b = basics(&t, 3, d(3, 31));
        assert_eq!(b.customers, 2);
        assert_eq!(b.active_30, 1); // customer 0 on 3-20 (window 3-02..3-31)
        assert_eq!(b.revenue, Decimal::from(150));
        assert_eq!(b.gross, Decimal::from(180));
        assert_eq!(b.purchases, 3);
        assert_eq!(b.after, 1);
        assert_eq!(ratio_money(b.gross, b.purchases), Some(Decimal::from(60)));
        assert_eq!(ratio_money(b.gross, 0), None);
    }

    #[test]
    fn cohorts_by_hand() {
        // Jan cohort: A (Jan, Feb, Mar), B (Jan, Mar); Feb cohort: C (Feb).
        let t = vec![
            tx(0, d(1, 5), 1),
            tx(0, d(2, 5), 1),
            tx(0, d(3, 5), 1),
            tx(1, d(1, 20), 1),
            tx(1, d(3, 1), 1),
            tx(1, d(3, 2), 1),
            tx(2, d(2, 9), 1),
        ];
        let c = cohorts(&t, d(3, 31), TimeUnit::Month, 24).unwrap();
        assert_eq!(c.rows.len(), 2);
        assert_eq!(c.rows[0].cohort, d(1, 1));
        assert_eq!(c.rows[0].active, vec![2, 1, 2]);
        assert_eq!(c.rows[0].retention[1], 0.5);
        assert_eq!(c.rows[1].active, vec![1, 0]);
        let last = cohorts(&t, d(3, 31), TimeUnit::Month, 1).unwrap();
        assert_eq!(last.rows.len(), 0); // the March cohort is empty
    }

    #[test]
    fn nps_and_funnel_by_hand() {
        let s = |v| SurveyResponse {
            customer: None,
            date: d(1, 1),
            answer: SurveyAnswer::Nps {
                score: NpsScore::new(v).unwrap(),
            },
        };
        let (dist, kpi) = nps(&[s(10), s(9), s(8), s(3)], d(1, 2)).unwrap();
        assert_eq!((dist.promoters, dist.passives, dist.detractors), (2, 1, 1));
        assert_eq!(kpi.score, 25.0);
        assert!(nps(&[], d(1, 2)).is_none());

        let at = d(1, 1).and_hms_opt(0, 0, 0).unwrap();
        let e = |k, st: &str| FunnelEvent::new(CustomerKey::from_index(k), st, at).unwrap();
        let ev = vec![
            e(0, "visit"),
            e(0, "visit"),
            e(1, "visit"),
            e(1, "paid"),
            e(2, "visit"),
        ];
        let f = funnel(&ev, None).unwrap();
        assert_eq!(f.steps[0].subjects, 3);
        assert_eq!(f.steps[1].stage, "paid");
        assert!((f.steps[1].from_previous.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        let order = vec!["visit".to_string(), "signup".into(), "paid".into()];
        let f = funnel(&ev, Some(&order)).unwrap();
        assert_eq!(f.steps[1].subjects, 0);
        assert_eq!(f.steps[2].from_previous, None);
    }
}
