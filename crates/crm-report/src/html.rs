//! One self-contained HTML file: inline CSS and inline SVG charts; no scripts, fonts or links.
//!
//! Every chart is a `<figure class="chart" id="chart-…" data-chart="…" data-available="…">`
//! with a title, a one-line reading hint and (when its section is present) one `<svg>` with
//! axis labels. A missing section renders a "not available: needs …" panel with the same id.

use std::fmt::Write;

use super::model::{HeatGrid, Report};
use super::svg::{self, Bar, esc};
use super::table::{KpiRow, kpi_rows};

/// The chart ids, in page order: `(id, data-chart)`.
pub const CHARTS: [(&str, &str); 7] = [
    ("chart-cohort-retention", "cohort-retention"),
    ("chart-rfm-grid", "rfm-grid"),
    ("chart-nps", "nps-distribution"),
    ("chart-funnel", "funnel"),
    ("chart-clv-distribution", "clv-distribution"),
    ("chart-p-alive", "p-alive"),
    ("chart-churn-calibration", "churn-calibration"),
];

/// The lifecycle and trend chart ids, after [`CHARTS`]: `(id, data-chart)`.
pub const TREND_CHARTS: [(&str, &str); 5] = [
    ("chart-lifecycle", "lifecycle-stages"),
    ("chart-trend-active", "trend-active-customers"),
    ("chart-trend-revenue", "trend-revenue"),
    ("chart-trend-retention", "trend-retention"),
    ("chart-trend-nps", "trend-nps"),
];

pub(crate) const CSS: &str = r#"
:root{--ink:#1d2733;--muted:#5b6b7b;--line:#e3e8ee;--bg:#f6f8fa;--card:#fff;--accent:#0b6e99}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",sans-serif}
header{background:#10344a;color:#fff;padding:22px 32px}
header h1{margin:0 0 4px;font-size:24px}
header p{margin:0;color:#cfe3ee}
main{max-width:1320px;margin:0 auto;padding:20px 32px 40px}
h2{font-size:18px;margin:28px 0 12px;border-bottom:2px solid var(--line);padding-bottom:6px}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:12px}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.kpi .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.03em}
.kpi .value{font-size:22px;font-weight:650;margin-top:2px}
.kpi .note{color:var(--muted);font-size:12px}
.kpi.na .value{color:#a0aab4}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px}
.charts.small{grid-template-columns:repeat(auto-fill,minmax(340px,1fr))}
details summary{cursor:pointer;color:var(--muted);margin-bottom:8px}
figure.chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
figure.chart h3{margin:0;font-size:15px}
figure.chart .hint{margin:2px 0 8px;color:var(--muted);font-size:12.5px}
figure.chart svg{width:100%;height:auto;display:block}
.na-panel{height:220px;display:flex;align-items:center;justify-content:center;text-align:center;border:2px dashed var(--line);border-radius:6px;color:var(--muted);padding:16px}
table{border-collapse:collapse;background:var(--card);border:1px solid var(--line);margin:8px 0 16px;font-size:13px}
th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left}
th{background:#eef2f6;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.tables{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px;align-items:start}
.muted{color:var(--muted)}
footer{color:var(--muted);font-size:12px;margin-top:32px}
"#;

pub(crate) fn figure(
    out: &mut String,
    id: &str,
    kind: &str,
    title: &str,
    hint: &str,
    svg: Option<String>,
    needs: &str,
) {
    let available = svg.is_some();
    let _ = write!(
        out,
        "<figure class=\"chart{}\" id=\"{id}\" data-chart=\"{kind}\" data-available=\"{available}\"><figcaption><h3>{}</h3><p class=\"hint\">{}</p></figcaption>",
        if available { "" } else { " unavailable" },
        esc(title),
        esc(hint)
    );
    match svg {
        Some(s) => out.push_str(&s),
        None => {
            let _ = write!(
                out,
                "<div class=\"na-panel\">Not available: needs {}</div>",
                esc(needs)
            );
        }
    }
    out.push_str("</figure>\n");
}

fn pct(v: f64) -> String {
    format!("{:.0}%", 100.0 * v)
}

pub(crate) fn table(out: &mut String, caption: &str, header: &[&str], rows: &[Vec<String>]) {
    let _ = write!(out, "<div><h3>{}</h3><table><thead><tr>", esc(caption));
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            let numeric = c == "-"
                || c.trim_end_matches('%')
                    .replace(',', "")
                    .parse::<f64>()
                    .is_ok();
            let _ = write!(
                out,
                "<td{}>{}</td>",
                if numeric { " class=\"n\"" } else { "" },
                esc(c)
            );
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>\n");
}

/// Renders the report as one HTML document.
pub fn render(r: &Report) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let as_of = r.meta.as_of.map_or_else(String::new, |d| d.to_string());
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>CRM report, as of {as_of}</title><style>{CSS}</style></head><body>\n"
    );
    let window = match (r.meta.first_date, r.meta.last_date) {
        (Some(a), Some(b)) => format!("transactions {a} to {b}"),
        _ => String::new(),
    };
    let inputs: Vec<String> = r
        .meta
        .inputs
        .iter()
        .map(|f| {
            let name = std::path::Path::new(&f.path)
                .file_name()
                .map_or_else(|| f.path.clone(), |n| n.to_string_lossy().into_owned());
            format!("{name} ({} rows)", super::table::int(f.rows))
        })
        .collect();
    let _ = writeln!(
        o,
        "<header><h1>CRM report</h1><p>As of <b>{}</b> · {} · {}</p></header><main>",
        esc(&as_of),
        esc(&window),
        esc(&inputs.join(", "))
    );

    // KPI cards.
    o.push_str("<section id=\"kpis\"><h2>Key figures</h2><div class=\"kpis\">");
    for KpiRow { label, value, note } in kpi_rows(r) {
        let na = value == "n/a";
        let _ = write!(
            o,
            "<div class=\"kpi{}\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"note\">{}</div></div>",
            if na { " na" } else { "" },
            esc(&label),
            esc(&value),
            esc(&note)
        );
    }
    o.push_str("</div></section>\n");

    // Charts.
    o.push_str("<section id=\"charts\"><h2>Charts</h2><div class=\"charts\">\n");
    let needs = |s: &str| r.needs(s).unwrap_or("its input").to_string();
    let [cohort, rfm, nps, funnel, clv, palive, calib] = CHARTS;

    let cohort_svg = r.cohorts.as_ref().filter(|c| !c.rows.is_empty()).map(|c| {
        let cols = c.rows.iter().map(|r| r.retention.len()).max().unwrap_or(0);
        let grid = HeatGrid {
            x_label: format!("{}s since first purchase", c.unit),
            y_label: "cohort (first purchase)".into(),
            x_ticks: (0..cols).map(|k| k.to_string()).collect(),
            y_ticks: c
                .rows
                .iter()
                .map(|r| r.cohort.format("%Y-%m").to_string())
                .collect(),
            values: c
                .rows
                .iter()
                .map(|r| r.retention.iter().map(|v| Some(*v)).collect())
                .collect(),
        };
        // One scale for every report: 0 to 100% (period 0 is 100% by definition).
        svg::heatmap(&grid, 0.0, 1.0, &pct)
    });
    figure(
        &mut o,
        cohort.0,
        cohort.1,
        "Cohort retention",
        "Read across a row: the share of a month's new customers who bought again k months later; darker means more retained (month 0 is always 100%).",
        cohort_svg,
        &needs("cohorts"),
    );

    figure(
        &mut o,
        rfm.0,
        rfm.1,
        "RFM: recency by frequency",
        "Top-right cells (recent and frequent) hold the best customers; bottom cells have not bought for a long time. Colour = dominant segment, number = customers; dashed cells hold nobody (ties share a score, so some frequency scores stay empty).",
        r.rfm.as_ref().map(|s| svg::rfm_grid(&s.grid, s.levels)),
        &needs("rfm"),
    );

    figure(
        &mut o,
        nps.0,
        nps.1,
        "NPS distribution",
        "Red: detractors (0-6), amber: passives (7-8), green: promoters (9-10); NPS = % promoters - % detractors.",
        r.nps.as_ref().map(|n| {
            let bars: Vec<Bar> = n
                .counts
                .iter()
                .enumerate()
                .map(|(s, c)| Bar {
                    label: s.to_string(),
                    value: *c as f64,
                    color: match s {
                        0..=6 => "#d64545",
                        7..=8 => "#e0a526",
                        _ => "#2e9e5b",
                    }
                    .into(),
                })
                .collect();
            svg::bars(
                &bars,
                "answer to 'how likely to recommend' (0-10)",
                "answers",
            )
        }),
        &needs("nps"),
    );

    figure(
        &mut o,
        funnel.0,
        funnel.1,
        "Funnel",
        "Each bar is the number of subjects that reached a stage; the labels give the step and overall conversion.",
        r.funnel.as_ref().map(|f| svg::funnel(&f.steps)),
        &needs("funnel"),
    );

    figure(
        &mut o,
        clv.0,
        clv.1,
        "Customer lifetime value distribution",
        "How expected value (BG/NBD x Gamma-Gamma, see the CLV table for horizon and discount) is spread over customers: most are worth little, a few a lot; the last bar holds the top 1%.",
        r.clv.as_ref().map(|c| {
            let bars: Vec<Bar> = c
                .distribution
                .iter()
                .map(|b| Bar {
                    label: svg::short(b.lo),
                    value: b.count as f64,
                    color: "#0b6e99".into(),
                })
                .collect();
            svg::bars(
                &bars,
                "expected value per customer (bin start)",
                "customers",
            )
        }),
        &needs("clv"),
    );

    figure(
        &mut o,
        palive.0,
        palive.1,
        "P(alive) by frequency and recency",
        "Darker cells: customers with that many repeat purchases and that recency are more likely still active; frequent buyers who went quiet fade fastest.",
        r.clv
            .as_ref()
            .map(|c| svg::heatmap(&c.p_alive, 0.0, 1.0, &pct)),
        &needs("clv"),
    );

    figure(
        &mut o,
        calib.0,
        calib.1,
        "Churn model calibration",
        &format!(
            "Points on the dashed diagonal mean predicted churn matched what happened; above it the model under-predicts churn. {}.",
            r.churn
                .as_ref()
                .and_then(|c| c.calibration_note.as_deref())
                .unwrap_or("Needs an observed outcome window")
        ),
        r.churn
            .as_ref()
            .filter(|c| !c.calibration.is_empty())
            .map(|c| svg::calibration(&c.calibration)),
        &needs("churn"),
    );
    o.push_str("</div></section>\n");

    // Lifecycle and trends.
    o.push_str("<section id=\"trends\"><h2>Lifecycle and trends</h2><div class=\"charts\">\n");
    let [life, active, revenue, retention, nps_trend] = TREND_CHARTS;
    let month_labels = |t: &crate::model::TrendSection| -> Vec<String> {
        t.months
            .iter()
            .map(|m| m.month.format("%Y-%m").to_string())
            .collect()
    };
    // new, reactivated, active, silent, churned.
    let stage_colors = ["#66c2a5", "#7570b3", "#1b9e77", "#e6ab02", "#d95f02"];
    figure(
        &mut o,
        life.0,
        life.1,
        "Lifecycle stages by month",
        r.lifecycle.as_ref().map_or("", |l| l.definition.as_str()),
        r.lifecycle.as_ref().map(|l| {
            let labels: Vec<String> = l
                .monthly
                .iter()
                .map(|m| m.date.format("%Y-%m").to_string())
                .collect();
            let series: Vec<svg::Series<'_>> = (crm_metrics::lifecycle::Stage::ALL.iter())
                .filter(|s| **s != crm_metrics::lifecycle::Stage::Lead)
                .zip(stage_colors)
                .map(|(s, color)| svg::Series {
                    name: s.name(),
                    color,
                    dashed: false,
                    values: l
                        .monthly
                        .iter()
                        .map(|m| m.customers[s.index()] as f64)
                        .collect(),
                })
                .collect();
            svg::stacked_area(&series, &labels, "month end", "customers")
        }),
        &needs("lifecycle"),
    );
    let line = |name: &'static str, values: Vec<f64>, t: &crate::model::TrendSection, y: &str| {
        svg::lines(
            &[svg::Series {
                name,
                color: "#0b6e99",
                dashed: false,
                values,
            }],
            &month_labels(t),
            "month",
            y,
            None,
        )
    };
    figure(
        &mut o,
        active.0,
        active.1,
        "Active customers by month",
        "Customers new, active or reactivated at each month's end (a purchase in the last 30 days).",
        r.trends.as_ref().map(|t| {
            line(
                "active customers",
                t.months.iter().map(|m| m.active_customers as f64).collect(),
                t,
                "customers",
            )
        }),
        &needs("trends"),
    );
    figure(
        &mut o,
        revenue.0,
        revenue.1,
        "Revenue by month",
        "Sum of the month's purchases (refunds and returns not deducted; the last month ends on the as-of date).",
        r.trends.as_ref().map(|t| {
            let v = t
                .months
                .iter()
                .map(|m| crm_model::to_f64(m.revenue))
                .collect();
            line("revenue", v, t, "revenue")
        }),
        &needs("trends"),
    );
    figure(
        &mut o,
        retention.0,
        retention.1,
        "Retention by month",
        "Of the customers active before each month began, the share still active at its end (active = a purchase in the last 90 days); complete months only.",
        r.trends
            .as_ref()
            .filter(|t| t.months.iter().any(|m| m.retention.is_some()))
            .map(|t| {
                let v = (t.months.iter())
                    .map(|m| m.retention.map_or(f64::NAN, |x| 100.0 * x))
                    .collect();
                line("retention", v, t, "retention %")
            }),
        "a complete month with customers active before it",
    );
    figure(
        &mut o,
        nps_trend.0,
        nps_trend.1,
        "NPS by month",
        "NPS of each month's answers (months without answers are gaps); few answers make a month's value jumpy.",
        r.trends
            .as_ref()
            .filter(|t| t.months.iter().any(|m| m.nps.is_some()))
            .map(|t| {
                let v = t.months.iter().map(|m| m.nps.unwrap_or(f64::NAN)).collect();
                line("NPS", v, t, "NPS")
            }),
        "NPS answers in surveys.csv",
    );
    o.push_str("</div></section>\n");

    // Small multiples per group (`--by`): revenue by month, one chart per group, all on one
    // scale (the largest month of any group), so that the groups compare at a glance.
    if let Some(g) = &r.groups {
        let all = g.groups.iter().flat_map(|f| &f.monthly_revenue);
        let range = svg::value_range(all.map(|d| crm_model::to_f64(*d)));
        let labels: Vec<String> = g
            .months
            .iter()
            .map(|m| m.format("%Y-%m").to_string())
            .collect();
        let _ = writeln!(
            o,
            "<section id=\"groups\"><h2>By {}</h2><details open><summary>Revenue by month per group, on one scale (the key figures are in the details below)</summary><div class=\"charts small\">",
            esc(&g.columns.join(" and "))
        );
        for (i, f) in g.groups.iter().enumerate() {
            let key = f.key.join(" / ");
            let name = if key.trim().is_empty() {
                "(none)".to_string()
            } else {
                key
            };
            let values: Vec<f64> = f
                .monthly_revenue
                .iter()
                .map(|d| crm_model::to_f64(*d))
                .collect();
            let chart = svg::lines_within(
                &[svg::Series {
                    name: &name,
                    color: "#0b6e99",
                    dashed: false,
                    values,
                }],
                &labels,
                "month",
                "revenue",
                None,
                range,
            );
            let hint = format!(
                "{} customers, revenue {}",
                crate::table::int(f.customers),
                crate::table::money(f.revenue)
            );
            figure(
                &mut o,
                &format!("chart-group-{i}"),
                "group-revenue",
                &name,
                &hint,
                Some(chart),
                "",
            );
        }
        o.push_str("</div></details></section>\n");
    }

    // Tables.
    o.push_str("<section id=\"tables\"><h2>Details</h2><div class=\"tables\">\n");
    for t in super::table::section_tables(r, false) {
        table(&mut o, &t.title, &t.header, &t.rows);
    }
    o.push_str("</div></section>\n");
    if !r.missing.is_empty() {
        o.push_str("<section id=\"missing\"><h2>Not in this report</h2><ul>");
        for m in &r.missing {
            let _ = write!(
                o,
                "<li><b>{}</b>: needs {}</li>",
                esc(&m.section),
                esc(&m.needs)
            );
        }
        o.push_str("</ul></section>\n");
    }
    let _ = writeln!(
        o,
        "<footer>Generated by {} · one self-contained file: no scripts, no fonts, no network.</footer></main></body></html>",
        esc(&r.meta.generator)
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    /// The text of the `<figure>` with `id`.
    fn figure_of<'a>(html: &'a str, id: &str) -> &'a str {
        let start = html
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no element with id {id}"));
        let end = start + html[start..].find("</figure>").unwrap();
        &html[start..end]
    }

    #[test]
    fn every_chart_is_drawn_from_a_full_report() {
        let html = render(&sample::full());
        for (id, kind) in CHARTS {
            let f = figure_of(&html, id);
            assert!(f.contains(&format!("data-chart=\"{kind}\"")), "{id}");
            assert!(f.contains("data-available=\"true\""), "{id}");
            assert_eq!(f.matches("<svg").count(), 1, "{id}: one svg");
            assert!(f.contains("<h3>"), "{id}: title");
            assert!(f.contains("class=\"hint\""), "{id}: reading hint");
            assert!(f.contains("class=\"axis-title\""), "{id}: axis labels");
            assert!(f.contains("<rect") || f.contains("<circle"), "{id}: marks");
        }
        // Chart-specific content.
        assert!(figure_of(&html, "chart-rfm-grid").contains("Champions"));
        assert!(figure_of(&html, "chart-churn-calibration").contains("stroke-dasharray"));
        assert!(figure_of(&html, "chart-funnel").contains("signup"));
        assert_eq!(figure_of(&html, "chart-nps").matches("#2e9e5b").count(), 2);
        // Tables of every section.
        for t in [
            "RFM segments",
            "CLV model",
            "Customers to call",
            "Golden records",
            "Funnel",
        ] {
            assert!(html.contains(t), "{t}");
        }
        assert!(html.contains("李晓东"));
    }

    #[test]
    fn self_contained() {
        let html = render(&sample::full());
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("<link"));
        assert!(!html.contains("src="));
        assert!(!html.contains("@import"));
        assert!(!html.contains("url("));
        // The only URL is the SVG namespace, which browsers never fetch.
        assert_eq!(
            html.matches("http").count(),
            html.matches("http://www.w3.org/2000/svg").count()
        );
    }

    #[test]
    fn missing_sections_render_panels_with_their_ids() {
        let mut r = sample::full();
        r.rfm = None;
        r.clv = None;
        r.missing.push(crate::model::Missing {
            section: "clv".into(),
            needs: "crm-clv".into(),
        });
        let html = render(&r);
        for id in ["chart-rfm-grid", "chart-clv-distribution", "chart-p-alive"] {
            let f = figure_of(&html, id);
            assert!(f.contains("data-available=\"false\""), "{id}");
            assert!(!f.contains("<svg"), "{id}");
            assert!(f.contains("Not available: needs"), "{id}");
        }
        assert!(figure_of(&html, "chart-p-alive").contains("needs crm-clv"));
        assert!(figure_of(&html, "chart-nps").contains("<svg"));
    }

    #[test]
    fn browser_test_checks_every_chart() {
        let script = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../.ci/browser-test.sh"
        ))
        .unwrap();
        for (id, _) in CHARTS {
            assert!(
                script.contains(id),
                "{id} not checked by .ci/browser-test.sh"
            );
        }
    }

    #[test]
    fn text_is_escaped() {
        let mut r = sample::full();
        if let Some(f) = r.funnel.as_mut() {
            f.steps[0].stage = "<b>&\"x\"".into();
        }
        let html = render(&r);
        assert!(!html.contains("<b>&"));
        assert!(html.contains("&lt;b&gt;&amp;&quot;x&quot;"));
    }
}
