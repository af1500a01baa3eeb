//! Aligned text tables of single results (one metric, one evaluation, one explained pair), as
//! the `crm` commands print them for a terminal. Numbers are rounded for reading; the JSON of
//! each result keeps full precision.

use crm_churn::eval::Evaluation;
use crm_dedup::eval::PairMetrics;
use crm_dedup::model::Explanation;
use crm_dedup::prepare::PhoneticKeys;
use crm_dedup::recall::{MissedPair, RecallBreakdown};
use crm_metrics::engagement::{CohortMatrix, CohortRetention, FunnelReport};
use crm_metrics::retention::{Retention, SamePeriodJoiners};
use crm_metrics::revenue::RevenueMetrics;
use crm_metrics::satisfaction::{Ces, Csat, Nps, NpsInterval};
use crm_metrics::stats::Interval;
use crm_model::chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;

use crate::text::{num, table};

/// An amount of money as shown in results: rounded to cents, trailing zeros dropped.
///
/// ```
/// use crm_analytics::model::rust_decimal::Decimal;
/// assert_eq!(crm_analytics::report::results::money(Decimal::new(12_3456, 4)), "12.35");
/// assert_eq!(crm_analytics::report::results::money(Decimal::new(1_200, 2)), "12");
/// ```
pub fn money(d: Decimal) -> String {
    d.round_dp(2).normalize().to_string()
}

/// Display name of an NPS interval method (`adjusted-Wald`, `Wald`).
pub fn nps_method_name(m: NpsInterval) -> &'static str {
    match m {
        NpsInterval::AdjustedWald => "adjusted-Wald",
        NpsInterval::Wald => "Wald",
    }
}

/// NPS: respondents, the three groups with their shares, the score, its standard error and
/// the interval `ci` at level `confidence` computed with `method`.
///
/// ```
/// use crm_analytics::metrics::satisfaction::{NpsInterval, NpsState};
/// let mut s = NpsState::new();
/// s.push_raw(&[10, 9, 8, 3])?;
/// let n = s.finish()?;
/// let ci = n.interval(0.95, NpsInterval::Wald)?;
/// let t = crm_analytics::report::results::nps(&n, &ci, 0.95, NpsInterval::Wald);
/// assert!(t.starts_with("metric"));
/// assert!(t.lines().any(|l| l.split_whitespace().eq(["promoters", "(9-10)", "2", "50"])));
/// assert!(t.contains("95% CI low (Wald)"));
/// # Ok::<(), crm_analytics::metrics::MetricsError>(())
/// ```
pub fn nps(n: &Nps, ci: &Interval, confidence: f64, method: NpsInterval) -> String {
    let pct = |c: u64| num(100.0 * c as f64 / n.n as f64, 1);
    let level = num(100.0 * confidence, 2);
    let row = |a: String, b: String, c: String| vec![a, b, c];
    let rows = vec![
        row("respondents".into(), n.n.to_string(), "100".into()),
        row(
            "promoters (9-10)".into(),
            n.promoters.to_string(),
            pct(n.promoters),
        ),
        row(
            "passives (7-8)".into(),
            n.passives.to_string(),
            pct(n.passives),
        ),
        row(
            "detractors (0-6)".into(),
            n.detractors.to_string(),
            pct(n.detractors),
        ),
        row("NPS".into(), num(n.score, 2), String::new()),
        row(
            "standard error".into(),
            num(n.standard_error, 2),
            String::new(),
        ),
        row(
            format!("{level}% CI low ({})", nps_method_name(method)),
            num(ci.low, 2),
            String::new(),
        ),
        row(format!("{level}% CI high"), num(ci.high, 2), String::new()),
    ];
    table(&["metric", "value", "share %"], &rows)
}

/// CSAT: respondents, the top-2-box share with its interval `top2`, the mean with its
/// interval `mean` (`n/a` when there is none, e.g. with one answer).
///
/// ```
/// use crm_analytics::metrics::satisfaction::CsatState;
/// use crm_analytics::model::{CsatScale, CsatScore};
/// let mut s = CsatState::new(CsatScale::OneToFive);
/// for v in [5, 4, 2] { s.push(CsatScore::new(v, CsatScale::OneToFive)?)?; }
/// let c = s.finish()?;
/// let t = crm_analytics::report::results::csat(&c, &c.top_two_box_interval(0.95)?, c.mean_interval(0.95).ok().as_ref());
/// assert!(t.lines().any(|l| l.starts_with("mean") && l.contains(" 3.667 ")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn csat(c: &Csat, top2: &Interval, mean: Option<&Interval>) -> String {
    let opt = |x: Option<f64>| x.map_or_else(|| "n/a".to_string(), |v| num(v, 3));
    let rows = vec![
        vec![c.n.to_string(), String::new(), String::new()],
        vec![num(c.top_two_box, 4), num(top2.low, 4), num(top2.high, 4)],
        vec![
            num(c.mean, 3),
            opt(mean.map(|t| t.low)),
            opt(mean.map(|t| t.high)),
        ],
    ];
    let rows: Vec<Vec<String>> = ["respondents", "top-2-box share", "mean"]
        .iter()
        .zip(rows)
        .map(|(name, r)| std::iter::once((*name).to_string()).chain(r).collect())
        .collect();
    table(&["metric", "value", "ci_low", "ci_high"], &rows)
}

/// Customer Effort Score: respondents, the low-effort share and the mean with its t interval
/// (`n/a` for fewer than two answers), and which direction is better.
///
/// ```
/// use crm_analytics::metrics::satisfaction::CesState;
/// use crm_analytics::model::{CesScore, CesVersion};
/// let mut s = CesState::new(CesVersion::V2);
/// for v in [7, 6, 2] { s.push(CesScore::new(v, CesVersion::V2)?)?; }
/// let c = s.finish()?;
/// let t = crm_analytics::report::results::ces(&c, c.mean_interval(0.95).ok().as_ref());
/// // mean 5, sd sqrt(7), t(0.975, 2) = 4.3027: 5 -/+ 6.572
/// assert!(t.lines().any(|l| l.starts_with("mean") && l.ends_with(" 5  -1.572   11.572")), "{t}");
/// assert!(t.ends_with("CES v2 (scale 1-7, higher is better)\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn ces(c: &Ces, mean: Option<&Interval>) -> String {
    let opt = |x: Option<f64>| x.map_or_else(|| "n/a".to_string(), |v| num(v, 3));
    let blank = || (String::new(), String::new());
    let (lo, hi) = (opt(mean.map(|t| t.low)), opt(mean.map(|t| t.high)));
    let rows: Vec<Vec<String>> = [
        ("respondents", c.n.to_string(), blank()),
        ("low-effort share", num(c.low_effort_share, 4), blank()),
        ("mean", num(c.mean, 3), (lo, hi)),
    ]
    .into_iter()
    .map(|(name, v, (l, h))| vec![name.to_string(), v, l, h])
    .collect();
    let direction = if c.higher_is_better {
        "higher is better"
    } else {
        "lower is better"
    };
    let version = match c.version {
        crm_model::CesVersion::V1 => "v1",
        crm_model::CesVersion::V2 => "v2",
    };
    format!(
        "{}CES {version} (scale 1-{}, {direction})\n",
        table(&["metric", "value", "ci_low", "ci_high"], &rows),
        c.version.max()
    )
}

/// Customer retention: the counts S, E, N, R, J, both retention forms and churn with the
/// `joiners` variant.
///
/// ```
/// use crm_analytics::metrics::retention::{CustomerSpan, RetentionState, SamePeriodJoiners};
/// use crm_analytics::model::{CustomerKey, Period, chrono::NaiveDate};
/// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
/// let mut s = RetentionState::new(Period::new(d(1, 1), d(2, 1))?);
/// s.push(&CustomerSpan::new(CustomerKey::from_index(0), NaiveDate::from_ymd_opt(2023, 12, 1).unwrap(), None)?);
/// let t = crm_analytics::report::results::retention(&s.finish()?, SamePeriodJoiners::Exclude);
/// assert!(t.contains("churn (joiners exclude)"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn retention(r: &Retention, joiners: SamePeriodJoiners) -> String {
    let c = r.counts;
    let rows = vec![
        vec!["customers at start (S)".into(), c.start.to_string()],
        vec!["customers at end (E)".into(), c.end.to_string()],
        vec!["new in period (N)".into(), c.new.to_string()],
        vec!["retained from start (R)".into(), c.retained.to_string()],
        vec!["joined and left (J)".into(), c.joined_and_left.to_string()],
        vec![
            "retention, count form (E-N)/S".into(),
            num(r.count_retention, 4),
        ],
        vec![
            "retention, cohort form R/S".into(),
            num(r.cohort_retention, 4),
        ],
        vec![
            format!("churn (joiners {})", format!("{joiners:?}").to_lowercase()),
            num(r.churn(joiners), 4),
        ],
    ];
    table(&["metric", "value"], &rows)
}

/// Revenue retention: the MRR bridge from start to end, gross and net MRR churn, GRR, NRR
/// (percent) and the quick ratio.
pub fn revenue(r: &RevenueMetrics) -> String {
    let pct = |x: f64| format!("{}%", num(100.0 * x, 2));
    let t = r.totals;
    let rows = vec![
        vec!["starting MRR".into(), money(r.starting_mrr)],
        vec!["+ new".into(), money(t.new)],
        vec!["+ expansion".into(), money(t.expansion)],
        vec!["+ reactivation".into(), money(t.reactivation)],
        vec!["- contraction".into(), money(t.contraction)],
        vec!["- churn".into(), money(t.churn)],
        vec!["ending MRR".into(), money(r.ending_mrr)],
        vec!["gross MRR churn".into(), pct(r.gross_mrr_churn)],
        vec!["net MRR churn".into(), pct(r.net_mrr_churn)],
        vec!["GRR".into(), pct(r.grr)],
        vec!["NRR".into(), pct(r.nrr)],
        vec![
            "quick ratio".into(),
            r.quick_ratio
                .map_or_else(|| "n/a (nothing lost)".into(), |q| num(q, 2)),
        ],
    ];
    table(&["metric", "value"], &rows)
}

/// A cohort matrix: one row per cohort (start, size) and one column per period since the
/// start: retention rates in percent of `kind`, or with `counts` the active customers.
///
/// ```
/// use crm_analytics::metrics::engagement::{CohortPeriod, CohortRetention, cohort_matrix};
/// use crm_analytics::model::{CustomerKey, Transaction, chrono::NaiveDate, rust_decimal::Decimal};
/// let d = |m| NaiveDate::from_ymd_opt(2024, m, 5).unwrap();
/// let tx: Vec<Transaction> = [(0, 1), (0, 2), (1, 1)]
///     .iter()
///     .map(|&(c, m)| Transaction::purchase(CustomerKey::from_index(c), d(m), Decimal::ONE))
///     .collect::<Result<_, _>>()?;
/// let m = cohort_matrix(&tx, CohortPeriod::Month)?;
/// let t = crm_analytics::report::results::cohorts(&m, CohortRetention::Classic, false);
/// assert_eq!(t.lines().nth(2), Some("2024-01-01     2  100  50"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn cohorts(m: &CohortMatrix, kind: CohortRetention, counts: bool) -> String {
    let width = m.cohorts.first().map_or(0, |c| c.active.len());
    let mut header: Vec<String> = vec!["cohort".into(), "size".into()];
    header.extend((0..width).map(|k| k.to_string()));
    let rows: Vec<Vec<String>> = m
        .cohorts
        .iter()
        .map(|c| {
            let mut r = vec![c.start.to_string(), c.size.to_string()];
            if counts {
                let v = match kind {
                    CohortRetention::Classic => &c.active,
                    CohortRetention::Rolling => &c.rolling,
                };
                r.extend(v.iter().map(u64::to_string));
            } else {
                r.extend(c.rates(kind).iter().map(|x| num(100.0 * x, 1)));
            }
            r
        })
        .collect();
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    table(&h, &rows)
}

/// A funnel: per stage the subjects who reached it, step and overall conversion (percent),
/// drop-off and the median hours from the previous stage (`n/a` when undefined).
pub fn funnel(r: &FunnelReport) -> String {
    let opt = |x: Option<f64>, scale: f64, d: usize| {
        x.map_or_else(|| "n/a".to_string(), |v| num(scale * v, d))
    };
    let rows: Vec<Vec<String>> = r
        .steps
        .iter()
        .map(|s| {
            vec![
                s.stage.clone(),
                s.reached.to_string(),
                opt(s.step_conversion, 100.0, 1),
                opt(s.overall_conversion, 100.0, 1),
                s.drop_off.to_string(),
                opt(s.median_hours_from_previous, 1.0, 2),
            ]
        })
        .collect();
    let header = [
        "stage",
        "reached",
        "step %",
        "overall %",
        "drop_off",
        "median_hours",
    ];
    table(&header, &rows)
}

/// A churn-score evaluation: the headline (customers, churners, as-of date, horizon in days),
/// ROC and PR AUC, Brier score and log loss (when the scores are probabilities), top-decile
/// lift and the calibration/gains table by decile.
///
/// ```
/// let e = crm_analytics::churn::evaluate(&[0.9, 0.8, 0.3, 0.1], &[true, true, false, false])?;
/// let as_of = crm_analytics::model::chrono::NaiveDate::from_ymd_opt(2024, 9, 30).unwrap();
/// let t = crm_analytics::report::results::churn_evaluation(&e, as_of, 90);
/// assert!(t.starts_with("customers 4  churned 2 (50%)  as of 2024-09-30  horizon 90 days\nROC AUC          1\n"));
/// # Ok::<(), crm_analytics::churn::ChurnError>(())
/// ```
pub fn churn_evaluation(e: &Evaluation, as_of: NaiveDate, horizon_days: u32) -> String {
    let opt = |v: Option<f64>| {
        v.map_or_else(
            || "n/a (scores are not probabilities)".into(),
            |v| num(v, 4),
        )
    };
    let mut s = format!(
        "customers {}  churned {} ({}%)  as of {as_of}  horizon {horizon_days} days\n",
        e.n,
        e.churners,
        num(100.0 * e.churn_rate, 1),
    );
    s.push_str(&format!("ROC AUC          {}\n", num(e.roc_auc, 4)));
    s.push_str(&format!("PR AUC           {}\n", num(e.pr_auc, 4)));
    s.push_str(&format!("Brier            {}\n", opt(e.brier)));
    s.push_str(&format!("log loss         {}\n", opt(e.log_loss)));
    s.push_str(&format!(
        "top-decile lift  {}\n\ncalibration by decile (1 = highest scores):\n",
        num(e.top_decile_lift, 3)
    ));
    let body: Vec<Vec<String>> = e
        .calibration
        .iter()
        .zip(&e.gains)
        .map(|(b, g)| {
            vec![
                b.decile.to_string(),
                b.n.to_string(),
                num(b.mean_score, 4),
                num(b.observed_rate, 4),
                num(g.captured, 4),
            ]
        })
        .collect();
    let header = [
        "decile",
        "n",
        "mean_score",
        "observed_churn",
        "cum_captured",
    ];
    s.push_str(&table(&header, &body));
    s
}

/// The phonetic keys behind the name agreement levels of two records, one line per field
/// (alternative keys separated by `|`, `-` for none) with the `code` used (e.g. "double
/// metaphone").
///
/// ```
/// use crm_analytics::dedup::prepare::PhoneticKeys;
/// let k = PhoneticKeys { field: "surname".into(), left: "SM0|XMT".into(), right: "".into(), agree: false };
/// let t = crm_analytics::report::results::phonetic_keys(&[k], "dm");
/// assert_eq!(t, "phonetic (dm) surname: SM0|XMT vs - (differ)\n");
/// ```
pub fn phonetic_keys(keys: &[PhoneticKeys], code: &str) -> String {
    let key = |s: &str| if s.is_empty() { "-" } else { s }.to_string();
    (keys.iter())
        .map(|k| {
            let verdict = if k.agree { "agree" } else { "differ" };
            let (l, r) = (key(&k.left), key(&k.right));
            format!("phonetic ({code}) {}: {l} vs {r} ({verdict})\n", k.field)
        })
        .collect()
}

/// The match-weight waterfall of two records `id1` and `id2`: the prior, then per field the two
/// values, the agreement level, m, u, the weight and the running total; then the match weight
/// and probability.
pub fn match_explanation(e: &Explanation, id1: &str, id2: &str) -> String {
    let prior = num(e.prior_weight, 3);
    let mut rows = vec![vec![
        "(prior)".to_string(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        prior.clone(),
        prior,
    ]];
    let mut cum = e.prior_weight;
    for f in &e.fields {
        cum += f.weight;
        rows.push(vec![
            f.field.clone(),
            f.left.clone(),
            f.right.clone(),
            f.level.as_str().to_string(),
            num(f.m, 4),
            num(f.u, 6),
            num(f.weight, 3),
            num(cum, 3),
        ]);
    }
    let header = ["field", id1, id2, "level", "m", "u", "weight", "cumulative"];
    format!(
        "{}match weight {} bits, match probability {}\n",
        table(&header, &rows),
        num(e.match_weight, 3),
        num(e.match_probability, 6)
    )
}

/// Pairwise evaluation of a clustering of `records` records, as `crm dedup evaluate` prints
/// it: two `key=value` lines (counts, then precision, recall and F1; `-` when undefined).
///
/// ```
/// use crm_analytics::dedup::eval::metrics;
/// let t = crm_analytics::report::results::pair_metrics(6, &metrics(2, 2, 4));
/// assert_eq!(t, "records=6 true_pairs=4 predicted_pairs=2 true_positives=2\nprecision=1 recall=0.5 f1=0.6667\n");
/// ```
pub fn pair_metrics(records: usize, m: &PairMetrics) -> String {
    let f = |x: Option<f64>| x.map_or("-".into(), |v| num(v, 4));
    format!(
        "records={records} true_pairs={} predicted_pairs={} true_positives={}\nprecision={} recall={} f1={}\n",
        m.true_pairs,
        m.predicted_pairs,
        m.true_positives,
        f(m.precision),
        f(m.recall),
        f(m.f1)
    )
}

/// Where recall went ([`RecallBreakdown`]): the [`pair_metrics`] lines and the false
/// positives, then a table of the missed true pairs per cause (count and share of all true
/// pairs; never-compared pairs lost to a blocking guard by rule), then the examples of each
/// cause (ids; probability and weight of compared pairs; rules sharing a key for
/// never-compared ones).
pub fn recall_breakdown(b: &RecallBreakdown) -> String {
    let m = &b.metrics;
    let pct = |n: u64| match m.true_pairs {
        0 => "-".to_string(),
        t => num(100.0 * n as f64 / t as f64, 2),
    };
    let row = |label: String, n: Option<u64>| {
        let pairs = n.map_or("-".into(), |n| n.to_string());
        vec![label, pairs, n.map_or("-".into(), pct)]
    };
    let t = b.threshold.to_string();
    let mut rows = vec![row(
        "never compared (blocking)".into(),
        Some(b.never_compared.pairs),
    )];
    rows.push(row(
        "  of which share a key lost to a blocking guard".into(),
        b.capped.as_ref().map(|c| c.pairs),
    ));
    for r in b.capped.iter().flat_map(|c| &c.per_rule) {
        let why = if r.skipped {
            "rule skipped: too many pairs per record"
        } else {
            "block over max_block_size"
        };
        let label = format!("    rule {} {} ({why})", r.rule, r.description);
        rows.push(row(label, Some(r.pairs)));
    }
    rows.push(row(
        format!("compared, probability < {t}"),
        Some(b.below_threshold.pairs),
    ));
    rows.push(row(
        format!("linked (>= {t}), split by clustering"),
        Some(b.split_by_clustering.pairs),
    ));
    rows.push(row("missed true pairs".into(), Some(b.missed())));
    let mut out = pair_metrics(b.records, m);
    out.push_str(&format!("false_positives={}\n\n", b.false_positives()));
    out.push_str(&table(&["cause", "pairs", "% of true pairs"], &rows));
    let mut ex: Vec<Vec<String>> = Vec::new();
    let mut add = |cause: &str, pairs: &[MissedPair]| {
        for p in pairs {
            let rules: Vec<String> = p.shared_key_rules.iter().map(|r| r.to_string()).collect();
            ex.push(vec![
                cause.to_string(),
                p.id_i.clone(),
                p.id_j.clone(),
                p.probability.map_or("-".into(), |x| num(x, 6)),
                p.weight.map_or("-".into(), |x| num(x, 3)),
                if rules.is_empty() {
                    "-".into()
                } else {
                    rules.join(",")
                },
            ]);
        }
    };
    add("never compared", &b.never_compared.examples);
    add("below threshold", &b.below_threshold.examples);
    add("split by clustering", &b.split_by_clustering.examples);
    if !ex.is_empty() {
        let header = [
            "example",
            "id 1",
            "id 2",
            "probability",
            "weight",
            "shared key rules",
        ];
        out.push('\n');
        out.push_str(&table(&header, &ex));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_metrics::engagement::{FunnelOrder, FunnelState};
    use crm_metrics::revenue::RevenueState;
    use crm_model::{CustomerKey, Funnel, FunnelEvent, MrrMovement, MrrMovementKind, Period};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, d).unwrap()
    }

    #[test]
    fn recall_breakdown_rows_and_examples() {
        use crm_dedup::eval::metrics;
        use crm_dedup::recall::{CappedPairs, MissedPairs, RuleLoss};
        let pair = |a: &str, b: &str, p: Option<f64>, rules: Vec<usize>| MissedPair {
            i: 0,
            j: 1,
            id_i: a.into(),
            id_j: b.into(),
            weight: p.map(|p| (p / (1.0 - p)).log2()),
            probability: p,
            shared_key_rules: rules,
        };
        let mut b = RecallBreakdown {
            records: 10,
            metrics: metrics(6, 7, 10),
            threshold: 0.75,
            never_compared: MissedPairs {
                pairs: 2,
                examples: vec![pair("a", "b", None, vec![1, 3])],
            },
            capped: Some(CappedPairs {
                pairs: 1,
                per_rule: vec![RuleLoss {
                    rule: 3,
                    description: "postcode".into(),
                    skipped: true,
                    pairs: 1,
                }],
            }),
            below_threshold: MissedPairs {
                pairs: 1,
                examples: vec![pair("c", "d", Some(0.2), vec![])],
            },
            split_by_clustering: MissedPairs {
                pairs: 1,
                examples: Vec::new(),
            },
        };
        let t = recall_breakdown(&b);
        let words = |prefix: &str| -> Vec<String> {
            let l = t.lines().find(|l| l.starts_with(prefix)).unwrap();
            l.split_whitespace().map(String::from).collect()
        };
        assert!(t.starts_with("records=10 true_pairs=10 predicted_pairs=7 true_positives=6\n"));
        assert!(t.contains("false_positives=1\n"), "{t}");
        assert_eq!(words("never compared (blocking)")[3..], ["2", "20"]);
        assert_eq!(
            words("    rule 3 postcode (rule skipped")
                .last()
                .map(String::as_str),
            Some("10")
        );
        assert_eq!(words("compared, probability < 0.75")[4..], ["1", "10"]);
        assert_eq!(words("missed true pairs")[3..], ["4", "40"]);
        assert_eq!(words("never compared  ")[2..], ["a", "b", "-", "-", "1,3"]);
        assert_eq!(words("below threshold")[2..], ["c", "d", "0.2", "-2", "-"]);
        b.capped = None;
        let t = recall_breakdown(&b);
        let l = t.lines().find(|l| l.starts_with("  of which")).unwrap();
        assert_eq!(
            l.split_whitespace().rev().take(2).collect::<Vec<_>>(),
            ["-", "-"]
        );
        assert!(!t.contains("rule 3"), "{t}");
    }

    #[test]
    fn money_rounds_to_cents() {
        assert_eq!(money(Decimal::new(-126, 3)), "-0.13");
        assert_eq!(money(Decimal::ZERO), "0");
    }

    #[test]
    fn revenue_bridge_and_quick_ratio() {
        let mut s = RevenueState::new(Period::new(day(1, 1), day(2, 1)).unwrap());
        let m = MrrMovement::new(
            CustomerKey::from_index(0),
            day(1, 5),
            MrrMovementKind::New,
            Decimal::new(100, 0),
        )
        .unwrap();
        s.push(&m).unwrap();
        let r = s.finish(Decimal::new(1000, 0)).unwrap();
        let t = revenue(&r);
        let words: Vec<String> = (t.lines())
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        for want in [
            "starting MRR 1000",
            "ending MRR 1100",
            "NRR 100%",
            "quick ratio n/a (nothing lost)",
        ] {
            assert!(words.iter().any(|w| w == want), "{want}: {t}");
        }
    }

    #[test]
    fn funnel_rows_per_stage() {
        let f = Funnel::new(["visit", "buy"]).unwrap();
        let mut s = FunnelState::new(f);
        let at = |h| day(1, 1).and_hms_opt(h, 0, 0).unwrap();
        for (c, stage, h) in [(0, "visit", 1), (0, "buy", 3), (1, "visit", 2)] {
            s.push(&FunnelEvent::new(CustomerKey::from_index(c), stage, at(h)).unwrap())
                .unwrap();
        }
        let t = funnel(&s.finish(FunnelOrder::Sequential).unwrap());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "stage  reached  step %  overall %  drop_off  median_hours"
        );
        assert_eq!(
            lines[3],
            "buy          1      50         50         1             2"
        );
    }

    #[test]
    fn nps_method_names() {
        assert_eq!(nps_method_name(NpsInterval::AdjustedWald), "adjusted-Wald");
        assert_eq!(nps_method_name(NpsInterval::Wald), "Wald");
    }
}

/// `crm metrics nps` as data: the counts, the NPS (-100 to 100), its standard error and interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct NpsFigures {
    /// Answers.
    pub n: u64,
    /// Scores 9-10.
    pub promoters: u64,
    /// Scores 7-8.
    pub passives: u64,
    /// Scores 0-6.
    pub detractors: u64,
    /// The NPS.
    pub nps: f64,
    /// Its standard error.
    pub standard_error: f64,
    /// Lower end of the interval.
    pub ci_low: f64,
    /// Upper end of the interval.
    pub ci_high: f64,
}

impl NpsFigures {
    /// The figures of `n` with the interval `ci`.
    #[must_use]
    pub fn new(n: &Nps, ci: &Interval) -> Self {
        NpsFigures {
            n: n.n,
            promoters: n.promoters,
            passives: n.passives,
            detractors: n.detractors,
            nps: n.score,
            standard_error: n.standard_error,
            ci_low: ci.low,
            ci_high: ci.high,
        }
    }
}

/// `crm metrics csat` as data (fields in alphabetical order, the key order of its JSON).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct CsatFigures {
    /// Confidence level of both intervals.
    pub confidence: f64,
    /// Mean score.
    pub mean: f64,
    /// Upper end of the mean's t interval (undefined for fewer than two answers).
    pub mean_ci_high: Option<f64>,
    /// Lower end of the mean's t interval.
    pub mean_ci_low: Option<f64>,
    /// Answers.
    pub n: u64,
    /// Answers in the top two boxes.
    pub satisfied: u64,
    /// Standard deviation of the scores.
    pub std_dev: Option<f64>,
    /// Top-2-box share.
    pub top_two_box: f64,
    /// Upper end of its Wilson interval.
    pub top_two_box_ci_high: f64,
    /// Lower end of its Wilson interval.
    pub top_two_box_ci_low: f64,
}

impl CsatFigures {
    /// The figures of `c` with the top-2-box interval `top2` and the mean's interval `mean`, at
    /// level `confidence`.
    #[must_use]
    pub fn new(c: &Csat, top2: &Interval, mean: Option<&Interval>, confidence: f64) -> Self {
        CsatFigures {
            confidence,
            mean: c.mean,
            mean_ci_high: mean.map(|t| t.high),
            mean_ci_low: mean.map(|t| t.low),
            n: c.n,
            satisfied: c.satisfied,
            std_dev: c.std_dev,
            top_two_box: c.top_two_box,
            top_two_box_ci_high: top2.high,
            top_two_box_ci_low: top2.low,
        }
    }
}

/// `crm metrics ces` as data (fields in alphabetical order, the key order of its JSON).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct CesFigures {
    /// Confidence level of the mean's interval.
    pub confidence: f64,
    /// Direction of the scale: true for v2 (higher = easier).
    pub higher_is_better: bool,
    /// Share of answers reporting low effort (v1: 1-2; v2: 5-7).
    pub low_effort_share: f64,
    /// Mean answer.
    pub mean: f64,
    /// Upper end of the mean's t interval (undefined for fewer than two answers).
    pub mean_ci_high: Option<f64>,
    /// Lower end of the mean's t interval.
    pub mean_ci_low: Option<f64>,
    /// Answers.
    pub n: u64,
    /// Standard deviation of the answers.
    pub std_dev: Option<f64>,
    /// Question version (`v1`: 1-5, lower is better; `v2`: 1-7, higher is better).
    pub version: crm_model::CesVersion,
}

impl CesFigures {
    /// The figures of `c` with the mean's interval `mean` at level `confidence`.
    #[must_use]
    pub fn new(c: &Ces, mean: Option<&Interval>, confidence: f64) -> Self {
        CesFigures {
            confidence,
            higher_is_better: c.higher_is_better,
            low_effort_share: c.low_effort_share,
            mean: c.mean,
            mean_ci_high: mean.map(|t| t.high),
            mean_ci_low: mean.map(|t| t.low),
            n: c.n,
            std_dev: c.std_dev,
            version: c.version,
        }
    }
}

/// `crm metrics retention` as data (fields in alphabetical order, the key order of its JSON).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RetentionFigures {
    /// Customer churn under `joiners`.
    pub churn: f64,
    /// Cohort retention.
    pub cohort_retention: f64,
    /// Count retention.
    pub count_retention: f64,
    /// Customers active at the end.
    pub customers_end: u64,
    /// Customers active at the start.
    pub customers_start: u64,
    /// Customers who joined and left inside the period.
    pub joined_and_left: u64,
    /// The same-period joiners variant (`exclude` or `include`).
    pub joiners: String,
    /// Customers who joined in the period.
    pub new: u64,
    /// Last day of the period (inclusive).
    pub period_end: NaiveDate,
    /// First day of the period.
    pub period_start: NaiveDate,
    /// Customers active at both ends.
    pub retained: u64,
}

impl RetentionFigures {
    /// The figures of `r` over `start..=end_inclusive`, churn under `joiners`.
    #[must_use]
    pub fn new(
        r: &Retention,
        joiners: SamePeriodJoiners,
        start: NaiveDate,
        end_inclusive: NaiveDate,
    ) -> Self {
        let c = r.counts;
        RetentionFigures {
            churn: r.churn(joiners),
            cohort_retention: r.cohort_retention,
            count_retention: r.count_retention,
            customers_end: c.end,
            customers_start: c.start,
            joined_and_left: c.joined_and_left,
            joiners: format!("{joiners:?}").to_lowercase(),
            new: c.new,
            period_end: end_inclusive,
            period_start: start,
            retained: c.retained,
        }
    }
}

/// `crm metrics revenue` as data: money as text rounded to cents ([`money`]); fields in
/// alphabetical order, the key order of its JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RevenueFigures {
    /// Churned MRR.
    pub churn: String,
    /// Contraction MRR.
    pub contraction: String,
    /// MRR at the end.
    pub ending_mrr: String,
    /// Expansion MRR.
    pub expansion: String,
    /// Gross MRR churn rate.
    pub gross_mrr_churn: f64,
    /// Gross revenue retention.
    pub grr: f64,
    /// Net MRR churn rate.
    pub net_mrr_churn: f64,
    /// New MRR.
    pub new: String,
    /// Net revenue retention.
    pub nrr: f64,
    /// Last day of the period (inclusive).
    pub period_end: NaiveDate,
    /// First day of the period.
    pub period_start: NaiveDate,
    /// SaaS quick ratio (undefined without lost MRR).
    pub quick_ratio: Option<f64>,
    /// Reactivation MRR.
    pub reactivation: String,
    /// MRR at the start.
    pub starting_mrr: String,
}

impl RevenueFigures {
    /// The figures of `r` over `start..=end_inclusive`.
    #[must_use]
    pub fn new(r: &RevenueMetrics, start: NaiveDate, end_inclusive: NaiveDate) -> Self {
        let t = r.totals;
        RevenueFigures {
            churn: money(t.churn),
            contraction: money(t.contraction),
            ending_mrr: money(r.ending_mrr),
            expansion: money(t.expansion),
            gross_mrr_churn: r.gross_mrr_churn,
            grr: r.grr,
            net_mrr_churn: r.net_mrr_churn,
            new: money(t.new),
            nrr: r.nrr,
            period_end: end_inclusive,
            period_start: start,
            quick_ratio: r.quick_ratio,
            reactivation: money(t.reactivation),
            starting_mrr: money(r.starting_mrr),
        }
    }
}

/// `crm metrics cohorts` as data: the matrix with each cohort's rates under one retention
/// variant.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CohortFigures {
    /// The cohorts in time order.
    pub cohorts: Vec<CohortFigure>,
    /// `week` or `month`.
    pub period: String,
    /// `classic` or `rolling`.
    pub retention: String,
}

/// One cohort of [`CohortFigures`] (fields in alphabetical order).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CohortFigure {
    /// Classic counts by period offset.
    pub active: Vec<u64>,
    /// Rates by period offset under the chosen variant.
    pub rates: Vec<f64>,
    /// Rolling counts by period offset.
    pub rolling: Vec<u64>,
    /// Customers acquired.
    pub size: u64,
    /// First day of the acquisition period.
    pub start: NaiveDate,
}

impl CohortFigures {
    /// The figures of `m`, rates under `kind`.
    #[must_use]
    pub fn new(m: &CohortMatrix, kind: CohortRetention) -> Self {
        CohortFigures {
            cohorts: (m.cohorts.iter())
                .map(|c| CohortFigure {
                    active: c.active.clone(),
                    rates: c.rates(kind),
                    rolling: c.rolling.clone(),
                    size: c.size,
                    start: c.start,
                })
                .collect(),
            period: format!("{:?}", m.period).to_lowercase(),
            retention: format!("{kind:?}").to_lowercase(),
        }
    }
}
