//! The deduplication diagnostics page (`crm dedup --html`): one self-contained HTML file with
//! the match-weight distribution of the candidate pairs, the model's m and u probabilities per
//! comparison level, and, with a truth file, link-level precision, recall and F1 against the
//! threshold: the charts Splink users tune a model with.

use std::fmt::Write;

use crm_dedup::eval::ThresholdPoint;
use crm_dedup::pipeline::DedupResult;

use crate::html::{CSS, figure, table};
use crate::svg::{self, Bar, Series};

/// Chart ids of the page, in order.
pub const CHARTS: [&str; 3] = ["chart-match-weights", "chart-m-u", "chart-threshold"];

const LEVEL_NAMES: [&str; 4] = ["exact", "close", "partial", "far"];

/// Renders `r` (a run with match-probability threshold `threshold`); `curve` from
/// [`crm_dedup::eval::threshold_curve`] when a truth file was given.
#[must_use]
pub fn render_html(r: &DedupResult, threshold: f64, curve: Option<&[ThresholdPoint]>) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let _ = writeln!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Deduplication diagnostics</title><style>{CSS}</style></head><body>\n<header><h1>Deduplication diagnostics</h1><p>{} records, {} candidate pairs, {} links at match probability {}, {} clusters</p></header><main><div class=\"charts\">",
        svg::group_thousands(r.clustering.labels.len() as u64),
        svg::group_thousands(r.scores.len() as u64),
        svg::group_thousands(r.clustering.links as u64),
        threshold,
        svg::group_thousands(r.clustering.n_clusters as u64),
    );
    // Match weights in 2-bit bins.
    let weights: Vec<f64> = r
        .scores
        .iter()
        .map(|s| s.weight)
        .filter(|w| w.is_finite())
        .collect();
    let histogram = (!weights.is_empty()).then(|| {
        let lo = (weights.iter().copied().fold(f64::INFINITY, f64::min) / 2.0).floor() * 2.0;
        let hi = weights.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let n = (((hi - lo) / 2.0).floor() as usize + 1).min(200);
        let mut counts = vec![0u64; n];
        for w in &weights {
            let k = (((w - lo) / 2.0).floor() as usize).min(n - 1);
            counts[k] += 1;
        }
        let cut = (threshold / (1.0 - threshold)).log2();
        let bars: Vec<Bar> = (counts.iter().enumerate())
            .map(|(k, c)| {
                let from = lo + 2.0 * k as f64;
                Bar {
                    label: format!("{from:.0}"),
                    value: *c as f64,
                    color: if from + 2.0 <= cut {
                        "#8a96a3"
                    } else {
                        "#0b6e99"
                    }
                    .into(),
                }
            })
            .collect();
        svg::bars(&bars, "match weight, bits (bin start)", "candidate pairs")
    });
    figure(
        &mut o,
        CHARTS[0],
        "match-weights",
        "Match weights of the candidate pairs",
        "Two humps, non-matches on the left and matches on the right, with few pairs between them, mean a model that separates well; grey bins lie below the threshold.",
        histogram,
        "candidate pairs",
    );
    // m and u per field and level.
    let model = r.model.as_ref();
    let mu = model.map(|m| {
        let mut labels = Vec::new();
        let (mut ms, mut us) = (Vec::new(), Vec::new());
        for f in &m.fields {
            for (l, name) in LEVEL_NAMES.iter().enumerate() {
                labels.push(format!("{} {name}", f.name));
                ms.push(f.m[l]);
                us.push(f.u[l]);
            }
        }
        svg::paired_bars(
            &labels,
            &Series {
                name: "m: P(level | match)",
                color: "#2e9e5b",
                dashed: false,
                values: ms,
            },
            &Series {
                name: "u: P(level | non-match)",
                color: "#d64545",
                dashed: false,
                values: us,
            },
            "field and comparison level",
            "probability",
        )
    });
    figure(
        &mut o,
        CHARTS[1],
        "m-u",
        "m and u probabilities per comparison level",
        "A level is strong evidence of a match where m is far above u (its weight is log2(m/u)); a field whose bars look alike tells little.",
        mu,
        "a trained model (candidate pairs to train on)",
    );
    let curve_svg = curve.filter(|c| !c.is_empty()).map(|c| {
        let labels: Vec<String> = c.iter().map(|p| format!("{:.0}", p.weight)).collect();
        let series = |name, color, dashed, f: fn(&ThresholdPoint) -> Option<f64>| Series {
            name,
            color,
            dashed,
            values: c.iter().map(|p| f(p).unwrap_or(f64::NAN)).collect(),
        };
        svg::lines(
            &[
                series("precision", "#0b6e99", false, |p| p.metrics.precision),
                series("recall", "#d95f02", false, |p| p.metrics.recall),
                series("F1", "#5b6b7b", true, |p| p.metrics.f1),
            ],
            &labels,
            "threshold: match weight, bits (high to low)",
            "share",
            None,
        )
    });
    figure(
        &mut o,
        CHARTS[2],
        "threshold",
        "Precision, recall and F1 against the threshold",
        "Links at each weight threshold against the truth, before clustering: lowering the threshold (to the right) adds links, trading precision for recall.",
        curve_svg,
        "a truth file (--truth)",
    );
    o.push_str("</div><h2>Tables</h2><div class=\"tables\">\n");
    if let Some(m) = model {
        let rows: Vec<Vec<String>> = (m.fields.iter())
            .flat_map(|f| {
                LEVEL_NAMES.iter().enumerate().map(move |(l, name)| {
                    vec![
                        f.name.clone(),
                        (*name).to_string(),
                        format!("{:.4}", f.m[l]),
                        format!("{:.6}", f.u[l]),
                        format!("{:+.2}", (f.m[l] / f.u[l]).log2()),
                    ]
                })
            })
            .collect();
        table(
            &mut o,
            &format!(
                "Model (prior {:.6}, EM iterations {}, converged {})",
                m.prior, m.em_iterations, m.converged
            ),
            &["field", "level", "m", "u", "weight (bits)"],
            &rows,
        );
    }
    if let Some(c) = curve {
        let f = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{v:.4}"));
        let rows: Vec<Vec<String>> = (c.iter())
            .map(|p| {
                vec![
                    format!("{:.0}", p.weight),
                    format!("{:.6}", p.probability),
                    p.metrics.predicted_pairs.to_string(),
                    p.metrics.true_positives.to_string(),
                    f(p.metrics.precision),
                    f(p.metrics.recall),
                    f(p.metrics.f1),
                ]
            })
            .collect();
        table(
            &mut o,
            "Links against the truth by threshold",
            &[
                "weight",
                "probability",
                "links",
                "true links",
                "precision",
                "recall",
                "F1",
            ],
            &rows,
        );
    }
    o.push_str("</div>\n</main></body></html>\n");
    o
}

/// `crm dedup explain --html`: the match weight of one pair as a waterfall from the prior
/// through each field's contribution to the total, with the threshold's weight marked, and the
/// table of values, levels, m, u and weights.
#[must_use]
pub fn explanation_html(e: &crm_dedup::model::Explanation, threshold: f64) -> String {
    let mut o = String::with_capacity(16 * 1024);
    let _ = writeln!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Match weight of {} and {}</title><style>{CSS}</style></head><body>\n<header><h1>Why {} and {} score {:+.2} bits</h1><p>match probability {:.6}; threshold {}</p></header><main><div class=\"charts\">",
        crate::svg::esc(&e.left_id),
        crate::svg::esc(&e.right_id),
        crate::svg::esc(&e.left_id),
        crate::svg::esc(&e.right_id),
        e.match_weight,
        e.match_probability,
        threshold
    );
    let steps: Vec<(String, f64)> = e
        .fields
        .iter()
        .map(|f| (f.field.clone(), f.weight))
        .collect();
    let cut = (threshold > 0.0 && threshold < 1.0).then(|| (threshold / (1.0 - threshold)).log2());
    let chart = svg::waterfall(
        ("prior", e.prior_weight),
        &steps,
        "match weight",
        cut.map(|c| (c, "threshold")),
        "match weight, bits",
    );
    figure(
        &mut o,
        "chart-waterfall",
        "waterfall",
        "Match weight, field by field",
        "Start from the prior (how rare a match is among candidate pairs); each field adds log2(m/u) for its comparison level (green: evidence for a match, red: against, grey: missing); the last bar is the pair's weight.",
        Some(chart),
        "",
    );
    o.push_str("</div><div class=\"tables\">\n");
    let rows: Vec<Vec<String>> = (e.fields.iter())
        .map(|f| {
            vec![
                f.field.clone(),
                f.left.clone(),
                f.right.clone(),
                format!("{:?}", f.level).to_lowercase(),
                format!("{:.4}", f.m),
                format!("{:.6}", f.u),
                format!("{:+.2}", f.tf_adjustment),
                format!("{:+.2}", f.weight),
            ]
        })
        .collect();
    table(
        &mut o,
        "Fields",
        &[
            "field",
            "left",
            "right",
            "level",
            "m",
            "u",
            "tf adjustment",
            "weight",
        ],
        &rows,
    );
    o.push_str("</div>\n</main></body></html>\n");
    o
}
