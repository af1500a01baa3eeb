//! The model-diagnostics page: [`crm_clv::Diagnostics`] as one self-contained HTML file (inline
//! CSS and SVG, no scripts), the charts the BTYD literature checks a fit with: cumulative and
//! per-period tracking of repeat purchases, conditional expectations of holdout purchases by
//! calibration frequency, and the calibration frequency distribution, each actual against the
//! model, with the tables behind them.

use std::fmt::Write;

use crm_clv::Diagnostics;

use crate::html::{CSS, figure, table};
use crate::svg::{self, Series, esc};

const ACTUAL: &str = "#0b6e99";
const MODEL: &str = "#d95f02";

/// Chart ids of the page, in order.
pub const CHARTS: [&str; 4] = [
    "chart-tracking-cumulative",
    "chart-tracking-period",
    "chart-conditional",
    "chart-frequency",
];

/// Renders `d`, whose model works in time unit `unit` (e.g. "week").
#[must_use]
pub fn render_html(d: &Diagnostics, unit: &str) -> String {
    let model = match d.model {
        "bgnbd" => "BG/NBD",
        "mbgnbd" => "MBG/NBD",
        "pnbd" => "Pareto/NBD",
        other => other,
    };
    let mut o = String::with_capacity(64 * 1024);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} diagnostics</title><style>{CSS}</style></head><body>\n<header><h1>{} model diagnostics</h1><p>{} customers with a first purchase from {}; holdout of {:.1} {u}s; periods of one {u}</p></header><main>\n",
        esc(model),
        esc(model),
        svg::group_thousands(d.customers),
        d.origin,
        d.holdout_length,
        u = esc(unit),
    );
    let ratio = if d.holdout_actual > 0 {
        format!(
            " ({:+.1}% of actual)",
            100.0 * (d.holdout_predicted / d.holdout_actual as f64 - 1.0)
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        o,
        "<h2>Holdout</h2><div class=\"kpis\"><div class=\"kpi\"><div class=\"label\">actual repeat purchases</div><div class=\"value\">{}</div></div><div class=\"kpi\"><div class=\"label\">predicted (conditional)</div><div class=\"value\">{}</div><div class=\"note\">{}</div></div><div class=\"kpi\"><div class=\"label\">customers left out</div><div class=\"value\">{}</div><div class=\"note\">first purchase in the holdout window; {} transactions after the holdout end</div></div></div>",
        svg::group_thousands(d.holdout_actual),
        {
            let tenths = (d.holdout_predicted.max(0.0) * 10.0).round() as u64;
            format!("{}.{}", svg::group_thousands(tenths / 10), tenths % 10)
        },
        esc(&ratio),
        svg::group_thousands(d.first_seen_in_holdout),
        svg::group_thousands(d.after_holdout_end),
    );

    let labels: Vec<String> = d.tracking.iter().map(|r| r.period.to_string()).collect();
    let marker = d
        .tracking
        .iter()
        .position(|r| r.holdout)
        .map(|i| (i, "holdout"));
    let x_label = format!("{unit} since the first purchase of the cohort");
    let track = |cum: bool| {
        let (a, e): (Vec<f64>, Vec<f64>) = d
            .tracking
            .iter()
            .map(|r| {
                if cum {
                    (r.cumulative_actual as f64, r.cumulative_expected)
                } else {
                    (r.actual as f64, r.expected)
                }
            })
            .unzip();
        svg::lines(
            &[
                Series {
                    name: "actual",
                    color: ACTUAL,
                    dashed: false,
                    values: a,
                },
                Series {
                    name: model,
                    color: MODEL,
                    dashed: true,
                    values: e,
                },
            ],
            &labels,
            &x_label,
            if cum {
                "cumulative repeat purchases"
            } else {
                "repeat purchases"
            },
            marker,
        )
    };
    o.push_str("<h2>Tracking</h2><div class=\"charts\">\n");
    figure(
        &mut o,
        CHARTS[0],
        "tracking-cumulative",
        "Cumulative repeat purchases",
        "Actual against the model's expectation from the first purchases alone; the model should follow the actual curve into the holdout.",
        Some(track(true)),
        "",
    );
    figure(
        &mut o,
        CHARTS[1],
        "tracking-period",
        &format!("Repeat purchases per {unit}"),
        "The same per period: seasonality and shocks show here as departures from the smooth expectation.",
        Some(track(false)),
        "",
    );
    o.push_str("</div>\n<h2>Customers</h2><div class=\"charts\">\n");

    let bin = |x: u32, open: bool| {
        if open { format!("{x}+") } else { x.to_string() }
    };
    let cond_labels: Vec<String> = d
        .conditional
        .iter()
        .map(|r| bin(r.frequency, r.open_ended))
        .collect();
    let conditional = svg::lines(
        &[
            Series {
                name: "actual",
                color: ACTUAL,
                dashed: false,
                values: d.conditional.iter().map(|r| r.actual_mean).collect(),
            },
            Series {
                name: model,
                color: MODEL,
                dashed: true,
                values: d.conditional.iter().map(|r| r.predicted_mean).collect(),
            },
        ],
        &cond_labels,
        "repeat purchases in the calibration window",
        "mean holdout purchases",
        None,
    );
    figure(
        &mut o,
        CHARTS[2],
        "conditional",
        "Holdout purchases by calibration frequency",
        "Conditional expectations: for customers with x repeat purchases in calibration, the mean purchases in the holdout, actual against predicted.",
        Some(conditional),
        "",
    );
    let freq_labels: Vec<String> = d
        .frequency
        .iter()
        .map(|r| bin(r.frequency, r.open_ended))
        .collect();
    let frequency = svg::paired_bars(
        &freq_labels,
        &Series {
            name: "actual",
            color: ACTUAL,
            dashed: false,
            values: d.frequency.iter().map(|r| r.actual as f64).collect(),
        },
        &Series {
            name: model,
            color: MODEL,
            dashed: false,
            values: d.frequency.iter().map(|r| r.expected).collect(),
        },
        "repeat purchases in the calibration window",
        "customers",
    );
    figure(
        &mut o,
        CHARTS[3],
        "frequency",
        "Calibration frequency distribution",
        "Customers by number of repeat purchases in the calibration window, actual against the model's expected count.",
        Some(frequency),
        "",
    );
    o.push_str("</div>\n<h2>Tables</h2><div class=\"tables\">\n");
    let rows: Vec<Vec<String>> = d
        .conditional
        .iter()
        .map(|r| {
            vec![
                bin(r.frequency, r.open_ended),
                r.customers.to_string(),
                format!("{:.3}", r.actual_mean),
                format!("{:.3}", r.predicted_mean),
            ]
        })
        .collect();
    table(
        &mut o,
        "Conditional expectations",
        &["x", "customers", "actual mean", "predicted mean"],
        &rows,
    );
    let rows: Vec<Vec<String>> = d
        .frequency
        .iter()
        .map(|r| {
            vec![
                bin(r.frequency, r.open_ended),
                r.actual.to_string(),
                format!("{:.1}", r.expected),
            ]
        })
        .collect();
    table(
        &mut o,
        "Frequency distribution",
        &["x", "actual customers", "expected customers"],
        &rows,
    );
    o.push_str("</div>\n<details><summary>Tracking table</summary><div class=\"tables\">\n");
    let rows: Vec<Vec<String>> = d
        .tracking
        .iter()
        .map(|r| {
            vec![
                r.period.to_string(),
                r.end.to_string(),
                if r.holdout { "holdout" } else { "calibration" }.to_string(),
                r.actual.to_string(),
                format!("{:.1}", r.expected),
                r.cumulative_actual.to_string(),
                format!("{:.1}", r.cumulative_expected),
            ]
        })
        .collect();
    table(
        &mut o,
        "Tracking",
        &[
            unit,
            "end",
            "window",
            "actual",
            "expected",
            "cumulative actual",
            "cumulative expected",
        ],
        &rows,
    );
    o.push_str("</div></details>\n</main></body></html>\n");
    o
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crm_clv::model::chrono::NaiveDate;
    use crm_clv::model::rust_decimal::Decimal;
    use crm_clv::model::{CustomerKey, TimeUnit, Transaction};
    use crm_clv::{BgNbd, DiagnosticsOptions, diagnose};

    #[test]
    fn the_page_has_every_chart_and_table() {
        let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
        let mut tx = Vec::new();
        for c in 0..40u32 {
            let k = CustomerKey::from_index(c);
            tx.push(Transaction::purchase(k, d(1, 1 + c % 20), Decimal::ONE).unwrap());
            for r in 0..(c % 4) {
                tx.push(Transaction::purchase(k, d(2 + r, 3 + c % 7), Decimal::ONE).unwrap());
            }
        }
        let m = BgNbd::new(0.24, 4.4, 0.79, 2.4).unwrap();
        let opts = DiagnosticsOptions::new(d(3, 31), d(6, 30), TimeUnit::Week);
        let diag = diagnose(&m, &tx, &opts).unwrap();
        let html = render_html(&diag, "week <test>");
        for id in CHARTS {
            let at = html.find(&format!("id=\"{id}\"")).unwrap();
            let fig = &html[at..];
            let end = fig.find("</figure>").unwrap();
            assert!(fig[..end].contains("<svg"), "{id} has no chart");
            assert!(fig[..end].contains("data-available=\"true\""), "{id}");
        }
        assert!(html.contains("BG/NBD model diagnostics"));
        assert!(html.contains("week &lt;test&gt;") && !html.contains("<test>"));
        assert_eq!(html.matches("<table>").count(), 3);
        assert!(!html.contains("<script"));
        assert!(html.contains(&format!(">{}</div>", diag.holdout_actual)));
        assert!(html.contains("40 customers with a first purchase"));
    }
}
