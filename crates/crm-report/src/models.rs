//! Model-based sections: RFM (`crm-rfm`), CLV (`crm-clv`), churn (`crm-churn`) and duplicates
//! (`crm-dedup`). Each returns the section or the reason it is not available, so a model that
//! fails to fit never stops the report.

use crm_churn::{
    CustomerFeatures, FeatureOptions, RiskTier, bgnbd_scores, calibration_table, compute_features,
    fit_bgnbd, noncontractual_labels, roc_auc,
};
use crm_clv::{
    BgNbd, ClvOptions, FitOptions, GammaGamma, Histories, History, PurchaseModel, Spends,
    predict_clv_batch,
};
use crm_dedup::eval::evaluate_clusters;
use crm_dedup::golden::golden_records;
use crm_dedup::pipeline::{DedupConfig, deduplicate};
use crm_dedup::schema::{FieldKind, FieldSpec, Record, Schema};
use crm_model::chrono::Days;
use crm_model::{LateEvents, TimeUnit, to_f64};
use crm_rfm::{RfmOptions, SegmentMap, TiePolicy, analyze, rfm_values};

use super::Context;
use super::model::{
    BgNbdParams, CalibrationPoint, ChurnCustomer, ChurnSection, ChurnTier, ClvCustomer, ClvSection,
    DedupEvaluation, DedupSection, GammaGammaParams, GoldenRecord, RfmSection, RfmSegmentRow,
};
use super::{shape, svg};
use crm_model::CustomerRecord;

/// RFM score levels (quintiles).
pub const RFM_LEVELS: u8 = 5;
/// CLV horizon in months.
pub const CLV_HORIZON_MONTHS: f64 = 36.0;
/// Annual discount rate of the CLV (applied monthly).
pub const CLV_ANNUAL_DISCOUNT: f64 = 0.10;
/// Churn horizon in days: churned = no purchase in the next this many days.
pub const CHURN_HORIZON_DAYS: u32 = 90;
/// P(churn) from which a customer is high risk.
pub const HIGH_AT: f64 = 0.7;
/// P(churn) from which a customer is medium risk.
pub const MEDIUM_AT: f64 = 0.4;

/// Fewest customers the BG/NBD-based sections (CLV, churn) are fitted on: below it the fit
/// is meaningless (parameters run off to the bounds), so the sections say so instead.
pub const MIN_MODEL_CUSTOMERS: usize = 20;

fn enough(customers: usize) -> Result<(), String> {
    if customers < MIN_MODEL_CUSTOMERS {
        return Err(format!(
            "at least {MIN_MODEL_CUSTOMERS} customers with a purchase to fit BG/NBD (found {customers})"
        ));
    }
    Ok(())
}

/// The usual suggestion for each segment of the standard 10-segment map.
fn action(segment: &str) -> Option<&'static str> {
    Some(match segment {
        "Champions" => "reward; early access; ask for reviews",
        "Loyal Customers" => "upsell; loyalty programme",
        "Potential Loyalists" => "membership offer; recommend",
        "New Customers" => "onboarding; build the habit",
        "Promising" => "brand awareness; free trials",
        "Need Attention" => "limited-time offers",
        "About to Sleep" => "reconnect; popular products",
        "At Risk" => "personal e-mails; renewals",
        "Can't Lose Them" => "win back; talk to them",
        "Hibernating" => "relevant offers; or let go",
        _ => return None,
    })
}

/// RFM segment table and R-by-F grid: `crm_rfm::rfm_values` at the as-of date, then
/// `crm_rfm::analyze` (quintiles, value-based ties, the standard 10-segment map).
pub fn rfm(ctx: &Context<'_>) -> Result<RfmSection, String> {
    let opts = RfmOptions::new(ctx.as_of).late_events(LateEvents::Exclude);
    let table = rfm_values(&ctx.inputs.transactions, &opts).map_err(|e| e.to_string())?;
    let a = analyze(
        &table.customers,
        RFM_LEVELS,
        &TiePolicy::ValueBased,
        &SegmentMap::standard(),
    )
    .map_err(|e| e.to_string())?;
    let mut segments: Vec<RfmSegmentRow> = a
        .report
        .segments
        .iter()
        .filter(|s| s.customers > 0)
        .map(|s| RfmSegmentRow {
            segment: s.segment.clone(),
            customers: s.customers,
            share: s.customer_share,
            mean_recency_days: s.mean_recency_days.unwrap_or(0.0),
            mean_frequency: s.mean_frequency.unwrap_or(0.0),
            mean_monetary: s.mean_monetary.unwrap_or(0.0),
            revenue_share: s.revenue_share.unwrap_or(0.0),
            action: action(&s.segment).map(str::to_string),
        })
        .collect();
    segments.sort_by_key(|s| std::cmp::Reverse(s.customers));
    let grid = shape::rfm_grid(
        a.scores.iter().zip(&a.segments).map(|(s, g)| {
            (
                s.r,
                s.f,
                a.segment_names
                    .get(usize::from(*g))
                    .map_or("Other", String::as_str),
            )
        }),
        RFM_LEVELS,
    );
    Ok(RfmSection {
        method: "quintiles, ties share a score; standard 10-segment R-by-F map".into(),
        levels: RFM_LEVELS,
        segments,
        grid,
    })
}

/// The CLV section and what the churn section reuses.
pub struct ClvOutput {
    /// The section.
    pub section: ClvSection,
    /// The fitted BG/NBD model.
    pub bgnbd: BgNbd,
    /// Mean expected value per customer (the LTV of LTV:CAC).
    pub mean_clv: f64,
}

/// Fits BG/NBD on the weekly summaries up to the as-of date and Gamma-Gamma on the repeat
/// buyers (`crm_clv`), then values every customer with `crm_clv::expected_clv` over
/// [`CLV_HORIZON_MONTHS`] discounted monthly at [`CLV_ANNUAL_DISCOUNT`] a year.
pub fn clv(ctx: &Context<'_>) -> Result<ClvOutput, String> {
    let s = &ctx.summaries.customers;
    enough(s.len())?;
    let h = Histories::from_summaries(s).map_err(|e| format!("BG/NBD input: {e}"))?;
    // Take the optimiser's best point even when its strict convergence test fails, and say so
    // (as `crm churn score --model bgnbd` does).
    let fit = BgNbd::fit(&h, &FitOptions::default().require_convergence(false))
        .map_err(|e| format!("a BG/NBD fit (it failed: {e})"))?;
    let bg = fit.params;
    let mut notes = vec![format!(
        "BG/NBD on {} customers (weekly, up to the as-of date){}",
        s.len(),
        if fit.report.converged {
            String::new()
        } else {
            format!(
                ", best point kept although the convergence test failed (gradient norm {:.1e})",
                fit.report.gradient_norm
            )
        }
    )];
    let gg = match Spends::from_summaries(s)
        .map_err(|e| e.to_string())
        .and_then(|sp| GammaGamma::fit(&sp, &FitOptions::default()).map_err(|e| e.to_string()))
    {
        Ok(f) => {
            notes.push(format!(
                "Gamma-Gamma on {} repeat buyers",
                s.iter().filter(|c| c.frequency > 0).count()
            ));
            Some(f.params)
        }
        Err(e) => {
            notes.push(format!(
                "Gamma-Gamma not fitted ({e}): spend = the customer's own mean, or the overall mean"
            ));
            None
        }
    };
    let monthly = (1.0 + CLV_ANNUAL_DISCOUNT).powf(1.0 / 12.0) - 1.0;
    let opts = ClvOptions::in_units(CLV_HORIZON_MONTHS, monthly, TimeUnit::Month, TimeUnit::Week)
        .map_err(|e| e.to_string())?;
    // Fallback spend: the mean of the customers' own means.
    let own: Vec<f64> = s.iter().filter_map(|c| c.monetary.map(to_f64)).collect();
    let overall = if own.is_empty() {
        s.iter()
            .map(|c| to_f64(c.total_spend) / f64::from(c.frequency + 1))
            .sum::<f64>()
            / s.len().max(1) as f64
    } else {
        own.iter().sum::<f64>() / own.len() as f64
    };
    // P(alive), expected purchases and discounted value per unit of spend of every customer,
    // batched on all cores (the discounted sum is tabulated where customers share it).
    let hists: Vec<History> = s
        .iter()
        .map(|c| History::new(c.frequency, c.recency, c.age))
        .collect();
    let per_unit = predict_clv_batch(&bg, &hists, &opts);
    let mut rows: Vec<ClvCustomer> = Vec::with_capacity(s.len());
    for (c, unit) in s.iter().zip(&per_unit) {
        let (unit_value, p_alive, expected) = (
            unit.clv_per_spend,
            unit.prediction.p_alive,
            unit.prediction.expected_purchases,
        );
        let zbar = c.monetary.map_or(0.0, to_f64);
        let spend = match &gg {
            Some(g) => g.conditional_expected_spend(c.frequency, zbar),
            None => None,
        }
        .unwrap_or(if c.frequency > 0 { zbar } else { overall });
        rows.push(ClvCustomer {
            customer_id: ctx.id(c.customer),
            frequency: c.frequency,
            recency: c.recency,
            age: c.age,
            p_alive,
            expected_purchases: expected,
            expected_spend: spend,
            clv: unit_value * spend,
        });
    }
    let values: Vec<f64> = rows.iter().map(|r| r.clv).collect();
    let total: f64 = values.iter().sum();
    let mean_clv = total / values.len().max(1) as f64;
    // Bins up to the 99th percentile so one whale does not squash the chart; the last bin
    // holds everything above.
    let mut sorted = values.clone();
    sorted.sort_by(f64::total_cmp);
    let cap = sorted
        .get(sorted.len().saturating_sub(1) * 99 / 100)
        .copied()
        .unwrap_or(0.0);
    let capped: Vec<f64> = values.iter().map(|v| v.min(cap)).collect();
    let distribution = svg::histogram_bins(&capped, 20);
    let mut xs: Vec<u32> = s.iter().map(|c| c.frequency).collect();
    xs.sort_unstable();
    let max_x = xs
        .get(xs.len().saturating_sub(1) * 99 / 100)
        .copied()
        .unwrap_or(0)
        .clamp(5, 30);
    let max_age = s.iter().map(|c| c.age).fold(0.0, f64::max);
    let p_alive = shape::model_grid(max_x, max_age, 12, "week", |x, t_x, t| {
        bg.p_alive(&History::new(x, t_x, t))
    });
    let top_customers = shape::top_n(rows, ctx.options.top, |c| c.clv);
    Ok(ClvOutput {
        section: ClvSection {
            method: notes.join("; "),
            unit: "week".into(),
            horizon: opts.horizon,
            discount_rate: Some(CLV_ANNUAL_DISCOUNT),
            bgnbd: BgNbdParams {
                r: bg.r,
                alpha: bg.alpha,
                a: bg.a,
                b: bg.b,
                log_likelihood: Some(fit.report.log_likelihood),
            },
            gamma_gamma: gg.map(|g| GammaGammaParams {
                p: g.p,
                q: g.q,
                v: g.gamma,
            }),
            total_expected_value: total,
            top_customers,
            distribution,
            p_alive,
        },
        bgnbd: bg,
        mean_clv,
    })
}

/// Churn risk tiers: the BG/NBD probability of no purchase in the next
/// [`CHURN_HORIZON_DAYS`] days (`crm_churn::bgnbd_scores`), tiers by `RiskTier::from_score`.
/// Calibration and AUC: refit at `as_of - horizon`, score, and compare with what happened in
/// the horizon (`crm_churn::{noncontractual_labels, calibration_table, roc_auc}`).
pub fn churn(ctx: &Context<'_>, fitted: Option<&BgNbd>) -> Result<ChurnSection, String> {
    let tx = &ctx.inputs.transactions;
    let interactions = ctx.inputs.interactions.as_deref().unwrap_or(&[]);
    let surveys = ctx.inputs.surveys.as_deref().unwrap_or(&[]);
    let features = compute_features(tx, interactions, surveys, &FeatureOptions::new(ctx.as_of))
        .map_err(|e| e.to_string())?;
    enough(features.len())?;
    let model = match fitted {
        Some(m) => *m,
        None => {
            fit_bgnbd(&features, &FitOptions::default().require_convergence(false))
                .map_err(|e| format!("a BG/NBD fit (it failed: {e})"))?
                .params
        }
    };
    let horizon = f64::from(CHURN_HORIZON_DAYS);
    let scores = bgnbd_scores(&model, &features, horizon, false).map_err(|e| e.to_string())?;
    let total_spend: f64 = features.iter().map(|f| f.total_spend).sum();
    let mut tiers = Vec::new();
    for (tier, rule) in [
        (RiskTier::High, format!("P(churn) >= {HIGH_AT}")),
        (
            RiskTier::Medium,
            format!("{MEDIUM_AT} <= P(churn) < {HIGH_AT}"),
        ),
        (RiskTier::Low, format!("P(churn) < {MEDIUM_AT}")),
    ] {
        let (mut n, mut spend) = (0u64, 0.0);
        for (s, f) in scores.iter().zip(&features) {
            if RiskTier::from_score(s.p_no_purchase, HIGH_AT, MEDIUM_AT) == tier {
                n += 1;
                spend += f.total_spend;
            }
        }
        tiers.push(ChurnTier {
            tier: tier.to_string(),
            rule,
            customers: n,
            revenue_share: (total_spend > 0.0).then(|| spend / total_spend),
        });
    }
    // Customers to call: high and medium risk, ranked by P(churn) x spend to date (the value
    // at stake); one-time buyers are left out (nothing to go by but a single order).
    let candidates = scores
        .iter()
        .zip(&features)
        .filter(|(s, f)| s.p_no_purchase >= MEDIUM_AT && f.frequency > 1)
        .map(|(s, f)| (s.p_no_purchase, f));
    let to_call = shape::top_n(candidates, ctx.options.top, |(p, f)| p * f.total_spend)
        .into_iter()
        .map(|(p, f)| ChurnCustomer {
            customer_id: ctx.id(f.customer),
            score: p,
            tier: RiskTier::from_score(p, HIGH_AT, MEDIUM_AT).to_string(),
            value: f.total_spend,
            reason: Some(reason(f)),
        })
        .collect();
    let (calibration, auc, calibration_note) = match calibrate(ctx) {
        Ok((c, a, note)) => (c, Some(a), Some(note)),
        Err(e) => (
            Vec::new(),
            None,
            Some(format!("calibration not available: {e}")),
        ),
    };
    Ok(ChurnSection {
        method: format!("BG/NBD P(no purchase in the next {CHURN_HORIZON_DAYS} days)"),
        tiers,
        to_call,
        calibration,
        auc,
        calibration_note,
    })
}

fn reason(f: &CustomerFeatures) -> String {
    match f.mean_gap_days {
        Some(g) => format!(
            "{} purchases; none for {:.0} days, usually every {:.0}",
            f.frequency, f.recency_days, g
        ),
        None => format!("one purchase, {:.0} days ago", f.recency_days),
    }
}

/// Backtest at `as_of - horizon`: fit, score, label with the observed horizon.
fn calibrate(ctx: &Context<'_>) -> Result<(Vec<CalibrationPoint>, f64, String), String> {
    let tx = &ctx.inputs.transactions;
    let back = ctx
        .as_of
        .checked_sub_days(Days::new(u64::from(CHURN_HORIZON_DAYS)))
        .ok_or("an as-of date inside the calendar")?;
    let first = tx
        .iter()
        .filter(|t| t.is_purchase())
        .map(|t| t.date())
        .min()
        .ok_or("purchases")?;
    if back <= first {
        return Err(format!(
            "{CHURN_HORIZON_DAYS} days of data after the first purchase"
        ));
    }
    let interactions = ctx.inputs.interactions.as_deref().unwrap_or(&[]);
    let surveys = ctx.inputs.surveys.as_deref().unwrap_or(&[]);
    let f = compute_features(tx, interactions, surveys, &FeatureOptions::new(back))
        .map_err(|e| e.to_string())?;
    enough(f.len()).map_err(|e| format!("{e} at {back}"))?;
    let fit = fit_bgnbd(&f, &FitOptions::default().require_convergence(false))
        .map_err(|e| format!("a BG/NBD fit at {back} (it failed: {e})"))?;
    let s = bgnbd_scores(&fit.params, &f, f64::from(CHURN_HORIZON_DAYS), false)
        .map_err(|e| e.to_string())?;
    let p: Vec<f64> = s.iter().map(|s| s.p_no_purchase).collect();
    let y: Vec<bool> = noncontractual_labels(tx, back, CHURN_HORIZON_DAYS)
        .map_err(|e| e.to_string())?
        .iter()
        .map(|l| l.churned)
        .collect();
    if y.len() != p.len() {
        return Err("labels aligned with the scores".into());
    }
    let table = calibration_table(&p, &y).map_err(|e| e.to_string())?;
    let auc = roc_auc(&p, &y).map_err(|e| e.to_string())?;
    let mut points: Vec<CalibrationPoint> = table
        .iter()
        .map(|b| CalibrationPoint {
            predicted: b.mean_score,
            observed: b.observed_rate,
            count: b.n as u64,
        })
        .collect();
    points.sort_by(|a, b| a.predicted.total_cmp(&b.predicted));
    let end = back
        .checked_add_days(Days::new(u64::from(CHURN_HORIZON_DAYS)))
        .unwrap_or(ctx.as_of);
    Ok((
        points,
        auc,
        format!(
            "Backtest: model refitted on data up to {back}, scored, and compared with purchases from {back} to {end}; deciles of {} customers",
            p.len()
        ),
    ))
}

/// Duplicates: `crm_dedup::deduplicate` on customers.csv (name, e-mail, phone, company,
/// address, postcode, birth date), golden records of the largest clusters, and pairwise
/// precision/recall against `person_id` when every record has one (the demo data does).
pub fn dedup(
    ctx: &Context<'_>,
    customers: &[CustomerRecord],
    progress: &mut dyn FnMut(&str),
) -> Result<DedupSection, String> {
    if customers.is_empty() {
        return Err("customer records".into());
    }
    let schema = Schema::new([
        FieldSpec::new("name", FieldKind::Name),
        FieldSpec::new("email", FieldKind::Email),
        FieldSpec::new("phone", FieldKind::Phone),
        FieldSpec::new("company", FieldKind::Company),
        FieldSpec::new("address", FieldKind::Address),
        FieldSpec::new("postcode", FieldKind::Postcode),
        FieldSpec::new("birth_date", FieldKind::Date),
    ]);
    let records: Vec<Record> = customers
        .iter()
        .map(|row| {
            let c = &row.customer;
            let name = c.full_name.clone().unwrap_or_else(|| {
                [c.given_name.as_deref(), c.family_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            let addr = c.address.as_ref();
            let address = addr.map_or_else(String::new, |a| {
                let mut parts = a.lines.clone();
                parts.extend(a.city.clone());
                parts.join(", ")
            });
            let mut r = Record::new(
                ctx.id(row.key),
                [
                    name,
                    c.emails.first().cloned().unwrap_or_default(),
                    c.phones.first().cloned().unwrap_or_default(),
                    c.company.clone().unwrap_or_default(),
                    address,
                    addr.and_then(|a| a.postcode.clone()).unwrap_or_default(),
                    c.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                ],
            );
            r.source = c.source.clone();
            r.updated = c.acquired_on;
            r
        })
        .collect();
    let config = DedupConfig::new(schema);
    let r = deduplicate(&records, &config, &mut |p| {
        progress(&format!("duplicates: {:?}", p.stage));
    })
    .map_err(|e| e.to_string())?;
    let labels = &r.clustering.labels;
    let mut size = vec![0u64; r.clustering.n_clusters];
    for &l in labels {
        if let Some(s) = size.get_mut(l as usize) {
            *s += 1;
        }
    }
    let clusters = size.iter().filter(|&&s| s > 1).count() as u64;
    let golden = golden_records(&r.prepared, &records, labels, &[]);
    let first = |g: &crm_dedup::golden::GoldenRecord, field: &str| {
        g.fields
            .iter()
            .find(|f| f.field == field)
            .and_then(|f| f.values.first())
            .map(|v| v.value.clone())
    };
    let mut multi: Vec<_> = golden.iter().filter(|g| g.members.len() > 1).collect();
    multi.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.cluster.cmp(&b.cluster))
    });
    let examples = multi
        .into_iter()
        .take(ctx.options.top.min(8))
        .map(|g| GoldenRecord {
            members: g.members.clone(),
            name: first(g, "name"),
            email: first(g, "email"),
            phone: first(g, "phone"),
            company: first(g, "company"),
        })
        .collect();
    let truth: Option<Vec<&str>> = customers.iter().map(|c| c.person_id.as_deref()).collect();
    let evaluation = truth
        .and_then(|t| evaluate_clusters(labels, &t).ok())
        .and_then(|m| {
            Some(DedupEvaluation {
                precision: m.precision?,
                recall: m.recall?,
                f1: m.f1?,
            })
        });
    Ok(DedupSection {
        records: records.len() as u64,
        candidate_pairs: r.blocking.candidate_pairs,
        matched_pairs: r.clustering.links as u64,
        clusters,
        redundant_records: records.len() as u64 - r.clustering.n_clusters as u64,
        examples,
        evaluation,
    })
}
