//! Row listings of results, as the `crm` commands write them: per-customer rows under their
//! customers' ids (RFM, CLV predictions, churn scores, lifecycle stages) and the lifecycle
//! counts, series and transitions, ready to serialise to CSV, JSON or
//! Parquet, and text forms (aligned tables, CSV) of those rows, of the RFM segment report and of
//! the deduplication outputs (clusters, links, golden records).
//!
//! Text tables round numbers for reading; the serialised rows keep full precision.

use crm_churn::{CustomerScore, RiskTier, ScoreReasons};
use crm_clv::{Diagnostics, FitSummary};
use crm_clv::{InputPrediction, PredictionInterval, SummaryInput};
use crm_dedup::golden::GoldenRecord;
use crm_dedup::pipeline::Link;
use crm_dedup::schema::Schema;
use crm_io::SummaryRecord;
use crm_metrics::lifecycle::{Stage, StageCount, StageRow, Transitions};
use crm_model::chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;
use crm_model::{CustomerInterner, SummaryRow};
use crm_rfm::{RfmCustomer, SegmentReport};
use serde::Serialize;

use crate::text::{TextTable, num, table};

/// The per-customer RFM rows as an aligned table (every value as written to CSV).
pub fn rfm_customers(rows: &[RfmCustomer<'_>]) -> String {
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.customer_id.to_string(),
                r.recency_days.to_string(),
                r.frequency.to_string(),
                r.monetary.to_string(),
                r.r.to_string(),
                r.f.to_string(),
                r.m.to_string(),
                r.segment.to_string(),
            ]
        })
        .collect();
    let header = [
        "customer_id",
        "recency_days",
        "frequency",
        "monetary",
        "r",
        "f",
        "m",
        "segment",
    ];
    table(&header, &body)
}

/// Purchase summaries as an aligned table: `customer_id, x, t_x, T, monetary` (recency and age
/// to 2 decimals), and with `holdout` the holdout columns `x_holdout, spend_holdout`.
pub fn purchase_summaries(rows: &[SummaryRow], holdout: bool) -> String {
    let mut header = vec!["customer_id", "x", "t_x", "T", "monetary"];
    if holdout {
        header.extend(["x_holdout", "spend_holdout"]);
    }
    let body: Vec<Vec<String>> = (rows.iter())
        .map(|r| {
            let mut v = vec![
                r.customer_id.clone(),
                r.x.to_string(),
                num(r.t_x, 2),
                num(r.t, 2),
                r.monetary.clone(),
            ];
            if let (Some(x), Some(s)) = (r.x_holdout, &r.spend_holdout) {
                v.extend([x.to_string(), s.clone()]);
            }
            v
        })
        .collect();
    table(&header, &body)
}

/// The RFM segment report: one row per segment with customers, revenue and their shares, and
/// the mean recency, frequency and monetary value (shares to 4 decimals, means to 2; empty when
/// undefined).
pub fn rfm_segments(r: &SegmentReport) -> TextTable {
    let opt = |x: Option<f64>, d: usize| x.map_or_else(String::new, |v| num(v, d));
    TextTable {
        header: [
            "segment",
            "customers",
            "customer_share",
            "revenue",
            "revenue_share",
            "mean_recency_days",
            "mean_frequency",
            "mean_monetary",
        ]
        .map(String::from)
        .to_vec(),
        rows: r
            .segments
            .iter()
            .map(|s| {
                vec![
                    s.segment.clone(),
                    s.customers.to_string(),
                    num(s.customer_share, 4),
                    s.revenue.normalize().to_string(),
                    opt(s.revenue_share, 4),
                    opt(s.mean_recency_days, 2),
                    opt(s.mean_frequency, 2),
                    opt(s.mean_monetary, 2),
                ]
            })
            .collect(),
    }
}

/// A fitted model as text: parameters with standard errors, log-likelihood and convergence.
pub fn clv_fit(out: &FitSummary) -> String {
    let se = out.standard_errors.as_ref();
    let body: Vec<Vec<String>> = (out.params.0.iter().enumerate())
        .map(|(i, (k, v))| {
            let se = se
                .and_then(|s| s.0.get(i))
                .map_or_else(|| "-".into(), |s| num(s.1, 6));
            vec![(*k).to_string(), num(*v, 6), se]
        })
        .collect();
    format!(
        "model {}  (time unit: {})\n{}log-likelihood {:.4}  iterations {}  gradient norm {:.2e}  converged {}  customers {}\n",
        out.model,
        out.unit,
        table(&["parameter", "estimate", "std_error"], &body),
        out.log_likelihood,
        out.iterations,
        out.gradient_norm,
        out.converged,
        out.customers
    )
}

/// A fit and its diagnostics (`crm clv diagnose`), as one JSON document.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DiagnosedFit<'a> {
    /// The model fitted on the calibration window.
    pub fit: &'a FitSummary,
    /// Its diagnostics over the holdout window.
    pub diagnostics: &'a Diagnostics,
}

/// `crm clv diagnose` for a terminal: the fit, the holdout totals, and the conditional
/// expectations and frequency distribution tables.
#[must_use]
pub fn clv_diagnostics(fit: &FitSummary, d: &Diagnostics) -> String {
    let bin = |x: u32, open: bool| if open { format!("{x}+") } else { x.to_string() };
    let cond: Vec<Vec<String>> = (d.conditional.iter())
        .map(|r| {
            vec![
                bin(r.frequency, r.open_ended),
                r.customers.to_string(),
                num(r.actual_mean, 3),
                num(r.predicted_mean, 3),
            ]
        })
        .collect();
    let freq: Vec<Vec<String>> = (d.frequency.iter())
        .map(|r| {
            vec![
                bin(r.frequency, r.open_ended),
                r.actual.to_string(),
                num(r.expected, 1),
            ]
        })
        .collect();
    format!(
        "{}\nholdout ({:.1} {}s after the calibration end): {} repeat purchases actual, {:.1} predicted; {} customers from {}\n\nholdout purchases by calibration frequency\n{}\ncalibration frequency distribution\n{}",
        clv_fit(fit),
        d.holdout_length,
        fit.unit,
        d.holdout_actual,
        d.holdout_predicted,
        d.customers,
        d.origin,
        table(&["x", "customers", "actual_mean", "predicted_mean"], &cond),
        table(&["x", "actual", "expected"], &freq),
    )
}

/// One customer's CLV-model predictions under the customer's id: a row of
/// [`clv_prediction_rows`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClvPredictionRow {
    /// The customer's id (the summary row's id).
    pub customer_id: String,
    /// P(alive at T).
    pub p_alive: f64,
    /// Expected purchases over the horizon.
    pub expected_purchases: f64,
    /// P(no purchase over the horizon).
    pub p_no_purchase: f64,
    /// Expected spend per purchase, with a spend model.
    pub expected_spend: Option<f64>,
    /// Expected discounted CLV, with a spend model.
    pub clv: Option<f64>,
}

/// A [`ClvPredictionRow`] with the interval of each prediction (`crm clv predict --interval`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClvIntervalRow {
    /// The customer's id.
    pub customer_id: String,
    /// P(alive at T).
    pub p_alive: f64,
    /// Lower end of its interval.
    pub p_alive_low: f64,
    /// Upper end of its interval.
    pub p_alive_high: f64,
    /// Expected purchases over the horizon.
    pub expected_purchases: f64,
    /// Lower end of its interval.
    pub expected_purchases_low: f64,
    /// Upper end of its interval.
    pub expected_purchases_high: f64,
    /// P(no purchase over the horizon).
    pub p_no_purchase: f64,
    /// Expected spend per purchase, with a spend model.
    pub expected_spend: Option<f64>,
    /// Lower end of its interval.
    pub expected_spend_low: Option<f64>,
    /// Upper end of its interval.
    pub expected_spend_high: Option<f64>,
    /// Expected discounted CLV, with a spend model.
    pub clv: Option<f64>,
    /// Lower end of its interval.
    pub clv_low: Option<f64>,
    /// Upper end of its interval.
    pub clv_high: Option<f64>,
}

/// The file line (when the rows came from a file) and the message of a record-level model
/// error ([`crm_clv::ClvError::InvalidRecord`]) on the model inputs of `records`; `None` for
/// any other error.
#[must_use]
pub fn summary_record_error(
    records: &[SummaryRecord],
    e: &crm_clv::ClvError,
) -> Option<(Option<u64>, String)> {
    let crm_clv::ClvError::InvalidRecord {
        index,
        field,
        value,
        reason,
    } = e
    else {
        return None;
    };
    let line = records.get(*index).map(|r| r.line).filter(|l| *l > 0);
    Some((line, format!("{field} = {value}: {reason}")))
}

/// Pairs each summary row with its prediction and intervals (same order).
pub fn clv_interval_rows(
    records: &[SummaryRecord],
    predictions: &[InputPrediction],
    intervals: &[PredictionInterval],
) -> Vec<ClvIntervalRow> {
    (records.iter().zip(predictions).zip(intervals))
        .map(|((r, p), i)| ClvIntervalRow {
            customer_id: r.id.clone(),
            p_alive: p.p_alive,
            p_alive_low: i.p_alive.low,
            p_alive_high: i.p_alive.high,
            expected_purchases: p.expected_purchases,
            expected_purchases_low: i.expected_purchases.low,
            expected_purchases_high: i.expected_purchases.high,
            p_no_purchase: p.p_no_purchase,
            expected_spend: p.expected_spend,
            expected_spend_low: i.expected_spend.map(|v| v.low),
            expected_spend_high: i.expected_spend.map(|v| v.high),
            clv: p.clv,
            clv_low: i.clv.map(|v| v.low),
            clv_high: i.clv.map(|v| v.high),
        })
        .collect()
}

/// CLV predictions with intervals as an aligned table (`[low, high]` after each value).
pub fn clv_interval_table(rows: &[ClvIntervalRow]) -> String {
    let range = |v: f64, lo: f64, hi: f64, d: usize| {
        format!("{} [{}, {}]", num(v, d), num(lo, d), num(hi, d))
    };
    let opt = |v: Option<f64>, lo: Option<f64>, hi: Option<f64>| match (v, lo, hi) {
        (Some(v), Some(lo), Some(hi)) => range(v, lo, hi, 2),
        _ => "-".into(),
    };
    let body: Vec<Vec<String>> = (rows.iter())
        .map(|r| {
            vec![
                r.customer_id.clone(),
                range(r.p_alive, r.p_alive_low, r.p_alive_high, 4),
                range(
                    r.expected_purchases,
                    r.expected_purchases_low,
                    r.expected_purchases_high,
                    4,
                ),
                opt(
                    r.expected_spend,
                    r.expected_spend_low,
                    r.expected_spend_high,
                ),
                opt(r.clv, r.clv_low, r.clv_high),
            ]
        })
        .collect();
    table(
        &[
            "customer_id",
            "p_alive",
            "expected_purchases",
            "expected_spend",
            "clv",
        ],
        &body,
    )
}

/// The model inputs of summary rows read from a file (same order): what
/// [`crm_clv::ModelKind::fit`] and `PurchaseParams::predict` take.
#[must_use]
pub fn summary_inputs(records: &[SummaryRecord]) -> Vec<SummaryInput> {
    records
        .iter()
        .map(|r| SummaryInput {
            x: r.x,
            t_x: r.t_x,
            t: r.t,
            zbar: r.zbar,
            weight: r.weight,
        })
        .collect()
}

/// Pairs each summary row with its prediction (`predictions[i]` is `records[i]`'s, as
/// `PurchaseParams::predict` returns them for the records' inputs).
pub fn clv_prediction_rows(
    records: &[SummaryRecord],
    predictions: &[InputPrediction],
) -> Vec<ClvPredictionRow> {
    records
        .iter()
        .zip(predictions)
        .map(|(r, p)| ClvPredictionRow {
            customer_id: r.id.clone(),
            p_alive: p.p_alive,
            expected_purchases: p.expected_purchases,
            p_no_purchase: p.p_no_purchase,
            expected_spend: p.expected_spend,
            clv: p.clv,
        })
        .collect()
}

/// CLV predictions as an aligned table (probabilities and purchases to 4 decimals, money to 2,
/// `-` without a spend model).
pub fn clv_predictions(rows: &[ClvPredictionRow]) -> String {
    let opt = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| num(v, 2));
    let body: Vec<Vec<String>> = (rows.iter())
        .map(|r| {
            vec![
                r.customer_id.clone(),
                num(r.p_alive, 4),
                num(r.expected_purchases, 4),
                num(r.p_no_purchase, 4),
                opt(r.expected_spend),
                opt(r.clv),
            ]
        })
        .collect();
    let header = [
        "customer_id",
        "p_alive",
        "expected_purchases",
        "p_no_purchase",
        "expected_spend",
        "clv",
    ];
    table(&header, &body)
}

/// One customer's churn score under the customer's id, with the reasons as one text cell: a row
/// of [`churn_score_rows`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChurnScoreRow {
    /// The customer's id.
    pub customer_id: String,
    /// The score (rule points, or a probability of churn).
    pub score: f64,
    /// Risk tier.
    pub tier: RiskTier,
    /// Why, `;`-separated: the rules that fired; `p_alive=..;expected_purchases=..;
    /// days_since_last_purchase=..` (BG/NBD); the top features with their log-odds
    /// contributions, `recency(+1.2)` (logistic).
    pub reasons: String,
}

/// The scores under their customers' ids (`ids` is the interner that issued the keys).
pub fn churn_score_rows(scores: &[CustomerScore], ids: &CustomerInterner) -> Vec<ChurnScoreRow> {
    (scores.iter())
        .map(|s| ChurnScoreRow {
            customer_id: (ids.id(s.customer)).map_or_else(String::new, ToString::to_string),
            score: s.score,
            tier: s.tier,
            reasons: reasons_text(&s.reasons),
        })
        .collect()
}

fn reasons_text(reasons: &ScoreReasons) -> String {
    match reasons {
        ScoreReasons::Rules(fired) => fired.join(";"),
        ScoreReasons::BgNbd {
            p_alive,
            expected_purchases,
            days_since_last_purchase,
        } => format!(
            "p_alive={};expected_purchases={};days_since_last_purchase={days_since_last_purchase}",
            num(*p_alive, 3),
            num(*expected_purchases, 3),
        ),
        ScoreReasons::Logistic(why) => (why.iter())
            .map(|c| format!("{}(+{})", c.feature, num(c.log_odds, 2)))
            .collect::<Vec<_>>()
            .join(";"),
    }
}

/// Churn scores as an aligned table (scores to 4 decimals).
pub fn churn_scores(rows: &[ChurnScoreRow]) -> String {
    let body: Vec<Vec<String>> = (rows.iter())
        .map(|r| {
            vec![
                r.customer_id.clone(),
                num(r.score, 4),
                r.tier.to_string(),
                r.reasons.clone(),
            ]
        })
        .collect();
    table(&["customer_id", "score", "tier", "reasons"], &body)
}

/// Deduplication clusters: `record_id,cluster_id`, one row per record (`labels[i]` is
/// `ids[i]`'s cluster).
pub fn dedup_clusters<'a>(ids: impl IntoIterator<Item = &'a str>, labels: &[u32]) -> TextTable {
    TextTable {
        header: vec!["record_id".into(), "cluster_id".into()],
        rows: (ids.into_iter().zip(labels))
            .map(|(id, l)| vec![id.to_string(), l.to_string()])
            .collect(),
    }
}

/// Links between two files: `left_id,right_id,match_probability` (6 decimals).
pub fn dedup_links(links: &[Link]) -> TextTable {
    TextTable {
        header: ["left_id", "right_id", "match_probability"]
            .map(String::from)
            .to_vec(),
        rows: (links.iter())
            .map(|l| vec![l.left_id.clone(), l.right_id.clone(), num(l.probability, 6)])
            .collect(),
    }
}

/// Golden records: `cluster_id,members` then, per field of `schema`, the surviving values and
/// their sources (`FIELD,FIELD_source`). Members and values are `;`-separated; the sources of
/// one value `|`-separated.
pub fn golden_records(schema: &Schema, golden: &[GoldenRecord]) -> TextTable {
    let mut header = vec!["cluster_id".to_string(), "members".to_string()];
    for f in &schema.fields {
        header.push(f.name.clone());
        header.push(format!("{}_source", f.name));
    }
    let rows = (golden.iter())
        .map(|g| {
            let mut row = vec![g.cluster.to_string(), g.members.join(";")];
            for f in &g.fields {
                let vals: Vec<&str> = f.values.iter().map(|v| v.value.as_str()).collect();
                let srcs: Vec<String> = f.values.iter().map(|v| v.sources.join("|")).collect();
                row.push(vals.join(";"));
                row.push(srcs.join(";"));
            }
            row
        })
        .collect();
    TextTable { header, rows }
}

/// Any flat result rows as a [`TextTable`] whose cells are the CSV text of
/// [`crm_io::write_rows`] (full precision; an aligned table of them reads like the CSV).
///
/// # Errors
/// A row does not serialise as a flat record (`ErrorKind::InvalidData`).
pub fn serde_table<T: Serialize + Sync>(rows: &[T]) -> std::io::Result<TextTable> {
    let (header, rows) = crm_io::row_cells(rows)?;
    Ok(TextTable { header, rows })
}

/// One customer's lifecycle stage under the customer's id: a row of [`lifecycle_customers`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifecycleCustomerRow {
    /// The customer's id.
    pub customer_id: String,
    /// Stage name ([`Stage::name`]).
    pub stage: &'static str,
    /// First purchase on or before the as-of date.
    pub first_purchase: Option<NaiveDate>,
    /// Last purchase on or before the as-of date.
    pub last_purchase: Option<NaiveDate>,
    /// Whole days from the last purchase to the as-of date.
    pub days_since_last: Option<u32>,
    /// Days with a purchase.
    pub purchase_days: u32,
    /// Revenue up to the as-of date (normalised).
    pub revenue: Decimal,
}

/// Stage rows under their customers' ids, in customer-id order (numeric ids by value, then
/// text), as the other per-customer outputs.
pub fn lifecycle_customers(
    stages: &[StageRow],
    ids: &CustomerInterner,
) -> Vec<LifecycleCustomerRow> {
    let mut order: Vec<&StageRow> = stages.iter().collect();
    order.sort_by(|x, y| match (ids.id(x.customer), ids.id(y.customer)) {
        (Some(p), Some(q)) => p.natural_cmp(q),
        _ => x.customer.cmp(&y.customer),
    });
    (order.into_iter())
        .map(|r| LifecycleCustomerRow {
            customer_id: (ids.id(r.customer))
                .map(ToString::to_string)
                .unwrap_or_default(),
            stage: r.stage.name(),
            first_purchase: r.first_purchase,
            last_purchase: r.last_purchase,
            days_since_last: r.days_since_last,
            purchase_days: r.purchase_days,
            revenue: r.revenue.normalize(),
        })
        .collect()
}

/// One stage's customers, share and revenue: a row of [`lifecycle_counts`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LifecycleCountRow {
    /// Stage name.
    pub stage: &'static str,
    /// Customers in the stage.
    pub customers: u64,
    /// Share of all customers.
    pub share: f64,
    /// Their revenue (normalised).
    pub revenue: Decimal,
}

/// Stage counts as rows.
pub fn lifecycle_counts(counts: &[StageCount]) -> Vec<LifecycleCountRow> {
    (counts.iter())
        .map(|c| LifecycleCountRow {
            stage: c.stage.name(),
            customers: c.customers,
            share: c.share,
            revenue: c.revenue.normalize(),
        })
        .collect()
}

/// Customers per stage at one date: a row of [`lifecycle_series`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LifecycleDateRow {
    /// The date the stages are taken at.
    pub date: NaiveDate,
    /// Leads.
    pub lead: u64,
    /// New customers.
    pub new: u64,
    /// Reactivated customers.
    pub reactivated: u64,
    /// Active customers.
    pub active: u64,
    /// Silent customers.
    pub silent: u64,
    /// Churned customers.
    pub churned: u64,
}

/// Stage counts over time (the output of `stage_counts_at`, counts in [`Stage::ALL`] order)
/// as rows.
pub fn lifecycle_series(series: &[(NaiveDate, [u64; 6])]) -> Vec<LifecycleDateRow> {
    (series.iter())
        .map(|&(date, c)| LifecycleDateRow {
            date,
            lead: c[0],
            new: c[1],
            reactivated: c[2],
            active: c[3],
            silent: c[4],
            churned: c[5],
        })
        .collect()
}

/// Customers who moved from one stage to another: a row of [`lifecycle_transitions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LifecycleTransitionRow {
    /// Stage at the first date (`none`: not yet a customer or lead).
    pub from_stage: &'static str,
    /// Stage at the second date.
    pub to_stage: &'static str,
    /// Customers.
    pub customers: u64,
}

/// The transition matrix as rows: every pair of stages in [`Stage::ALL`] order, then the
/// entries from `none`.
pub fn lifecycle_transitions(t: &Transitions) -> Vec<LifecycleTransitionRow> {
    let mut rows = Vec::new();
    for (i, before) in Stage::ALL.iter().enumerate() {
        for (j, after) in Stage::ALL.iter().enumerate() {
            rows.push(LifecycleTransitionRow {
                from_stage: before.name(),
                to_stage: after.name(),
                customers: t.counts[i][j],
            });
        }
    }
    for (j, after) in Stage::ALL.iter().enumerate() {
        rows.push(LifecycleTransitionRow {
            from_stage: "none",
            to_stage: after.name(),
            customers: t.entered[j],
        });
    }
    rows
}
