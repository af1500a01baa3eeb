//! Terminal rendering (aligned, at most 100 columns) and the rows shared with the HTML tables.

use crm_model::rust_decimal::Decimal;

use super::model::Report;

/// Terminal width the table output fits.
pub const WIDTH: usize = 100;

/// One KPI line.
pub struct KpiRow {
    /// Label.
    pub label: String,
    /// Value, or "n/a".
    pub value: String,
    /// Definition or what is missing.
    pub note: String,
}

/// A titled table.
pub struct TableData {
    /// Title.
    pub title: String,
    /// Column names.
    pub header: Vec<&'static str>,
    /// Cells.
    pub rows: Vec<Vec<String>>,
}

/// 12345 -> "12,345".
pub fn int(n: u64) -> String {
    let s = n.to_string();
    let mut o = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            o.push(',');
        }
        o.push(c);
    }
    o
}

/// A number with exactly `digits` decimals and thousands separators ("12,345.60"): every
/// number column of a table has one fixed number of decimals, so its digits line up.
pub fn fixed(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let s = format!("{:.digits$}", x.abs());
    let (whole, frac) = s.split_once('.').map_or((s.as_str(), ""), |(w, f)| (w, f));
    let whole = whole.parse::<u64>().map_or_else(|_| whole.to_string(), int);
    let zero = s.chars().all(|c| c == '0' || c == '.');
    let sign = if x.is_sign_negative() && !zero {
        "-"
    } else {
        ""
    };
    match frac {
        "" => format!("{sign}{whole}"),
        f => format!("{sign}{whole}.{f}"),
    }
}

/// Money with two decimals and thousands separators.
pub fn money(d: Decimal) -> String {
    let d = d.round_dp(2);
    let neg = d.is_sign_negative() && !d.is_zero();
    let s = format!("{:.2}", d.abs());
    let (whole, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let whole = int(whole.parse().unwrap_or(0));
    format!("{}{whole}.{frac}", if neg { "-" } else { "" })
}

/// True for cells that read as numbers ("1,234.50", "12.3%", "+28.5", "-"): right-aligned.
fn numeric(s: &str) -> bool {
    let t: String = s
        .trim_end_matches('%')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    !t.is_empty() && (t == "-" || t.parse::<f64>().is_ok())
}

/// An aligned text table: numeric cells right-aligned, others left-aligned, two spaces apart.
pub fn grid(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header
        .len()
        .max(rows.iter().map(Vec::len).max().unwrap_or(0));
    let mut width = vec![0usize; cols];
    let mut right = vec![true; cols];
    for (i, h) in header.iter().enumerate() {
        width[i] = display_width(h);
    }
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            width[i] = width[i].max(display_width(c));
            if !c.is_empty() && !numeric(c) {
                right[i] = false;
            }
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>, out: &mut String| {
        let mut l = String::new();
        for (i, c) in cells.enumerate() {
            let pad = " ".repeat(width[i].saturating_sub(display_width(c)));
            if i > 0 {
                l.push_str("  ");
            }
            if right[i] {
                l.push_str(&pad);
                l.push_str(c);
            } else {
                l.push_str(c);
                l.push_str(&pad);
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    let mut out = String::new();
    line(&mut header.iter().copied(), &mut out);
    let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&rule.join("  "));
    out.push('\n');
    for r in rows {
        line(&mut r.iter().map(String::as_str), &mut out);
    }
    out
}

/// [`grid`] no wider than `max` columns: while a line is too wide, the widest text (left-aligned)
/// column is cut, its cells ending in "…". JSON and HTML keep the full text.
pub fn grid_fit(header: &[&str], rows: &[Vec<String>], max: usize) -> String {
    let mut rows = rows.to_vec();
    loop {
        let g = grid(header, &rows);
        let widest = g.lines().map(display_width).max().unwrap_or(0);
        if widest <= max {
            return g;
        }
        let cols = header
            .len()
            .max(rows.iter().map(Vec::len).max().unwrap_or(0));
        let width = |i: usize| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| display_width(c))
                .max()
                .unwrap_or(0)
        };
        let text = |i: usize| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .any(|c| !c.is_empty() && !numeric(c))
        };
        let Some(col) = (0..cols)
            .filter(|&i| text(i))
            .max_by_key(|&i| (width(i), i))
        else {
            return g;
        };
        let w = width(col);
        let target = w.saturating_sub(widest - max).max(8);
        if target >= w {
            return g;
        }
        for r in &mut rows {
            if let Some(c) = r.get_mut(col) {
                if display_width(c) > target {
                    *c = cut(c, target);
                }
            }
        }
    }
}

/// The longest prefix of `s` that fits `width - 1` columns, plus "…".
fn cut(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut w = 0;
    for ch in s.chars() {
        let cw = display_width(ch.encode_utf8(&mut [0; 4]));
        if w + cw + 1 > width {
            break;
        }
        out.push(ch);
        w += cw;
    }
    out.push('…');
    out
}

/// Terminal columns a string occupies (Unicode East Asian Width: CJK and full-width characters
/// take two, combining marks none).
///
/// ```
/// use crm_analytics::report::table::display_width;
/// assert_eq!(display_width("王博士"), 6);
/// assert_eq!(display_width("１２３"), 6);
/// assert_eq!(display_width("José"), 4);
/// assert_eq!(display_width("e\u{301}"), 1);
/// ```
pub fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Wraps `text` at spaces so no line is wider than `width` columns (continuation lines indented
/// by two spaces; a single word longer than the width stays whole).
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let w = display_width(&line) + usize::from(!line.is_empty()) + display_width(word);
        if !line.is_empty() && w > width {
            out.push_str(&line);
            out.push('\n');
            line = "  ".into();
        } else if !line.is_empty() && line != "  " {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}

/// Share as a percentage with one decimal.
pub fn pct(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

/// The KPI lines, in display order.
pub fn kpi_rows(r: &Report) -> Vec<KpiRow> {
    let k = &r.kpis;
    let na = |key: &str| KpiRow {
        label: String::new(),
        value: "n/a".into(),
        note: format!("needs {}", r.needs(key).unwrap_or("more input")),
    };
    let row = |label: &str, v: Option<String>, note: String, key: &str| match v {
        Some(value) => KpiRow {
            label: label.into(),
            value,
            note,
        },
        None => KpiRow {
            label: label.into(),
            ..na(key)
        },
    };
    let month = k
        .last_period
        .map(|p| p.start.format("%b %Y").to_string())
        .unwrap_or_else(|| "last complete month".into());
    let period = match &k.retention_definition {
        Some(d) => format!("{month}; {d}"),
        None => month.clone(),
    };
    vec![
        row(
            "Customers",
            Some(int(k.customers)),
            "with a purchase up to the as-of date".into(),
            "customers",
        ),
        row(
            "Active, last 30 days",
            Some(int(k.active_last_30_days)),
            if k.customers > 0 {
                format!(
                    "{} of customers",
                    pct(k.active_last_30_days as f64 / k.customers as f64)
                )
            } else {
                String::new()
            },
            "active",
        ),
        row(
            "Net revenue",
            Some(money(k.revenue)),
            "purchases minus returns".into(),
            "revenue",
        ),
        row(
            "Retention",
            k.retention.map(pct),
            period.clone(),
            "kpi.retention",
        ),
        row("Churn", k.churn.map(pct), period, "kpi.churn"),
        row(
            "Repeat purchase rate",
            k.repeat_purchase_rate.map(pct),
            "customers with 2+ orders".into(),
            "repeat",
        ),
        row(
            "AOV",
            k.aov.map(money),
            "gross purchases / orders".into(),
            "aov",
        ),
        row(
            "ARPU",
            k.arpu.map(money),
            "net revenue / customers, whole window".into(),
            "arpu",
        ),
        row(
            "NPS",
            k.nps.as_ref().map(|n| format!("{:+.1}", n.score)),
            k.nps
                .as_ref()
                .map(|n| match (n.ci_low, n.ci_high, n.confidence) {
                    (Some(l), Some(h), Some(c)) => format!(
                        "{:.0}% CI {l:+.1} to {h:+.1}, n = {}",
                        100.0 * c,
                        int(n.responses)
                    ),
                    _ => format!("n = {}", int(n.responses)),
                })
                .unwrap_or_default(),
            "nps",
        ),
        row(
            "CSAT",
            k.csat.as_ref().map(|c| pct(c.top_two_box)),
            k.csat
                .as_ref()
                .map(|c| {
                    let ci = match (c.ci_low, c.ci_high) {
                        (Some(l), Some(h)) => format!(", CI {} to {}", pct(l), pct(h)),
                        _ => String::new(),
                    };
                    format!(
                        "top-2-box{ci}; mean {:.2} of {}, n = {}",
                        c.mean,
                        c.scale_max,
                        int(c.responses)
                    )
                })
                .unwrap_or_default(),
            "kpi.csat",
        ),
        row(
            "CAC",
            k.cac.map(money),
            "blended: all spend / all new customers".into(),
            "kpi.cac",
        ),
        row(
            "LTV:CAC",
            k.ltv_to_cac.map(|v| fixed(v, 1)),
            match (k.ltv, &k.ltv_basis) {
                (Some(l), Some(b)) => format!("{b}: {}", fixed(l, 2)),
                _ => String::new(),
            },
            "kpi.ltv_to_cac",
        ),
        row(
            "MRR",
            k.mrr.map(money),
            "at the as-of date".into(),
            "kpi.mrr",
        ),
        row(
            "GRR",
            k.grr.map(pct),
            format!("gross MRR retention, {month}"),
            "kpi.grr",
        ),
        row(
            "NRR",
            k.nrr.map(pct),
            format!("net MRR retention, {month}"),
            "kpi.nrr",
        ),
        row(
            "Quick ratio",
            k.quick_ratio.map(|v| fixed(v, 2)),
            format!("(new + expansion + reactivation) / lost MRR, {month}"),
            "kpi.quick_ratio",
        ),
        row(
            "Tickets / complaints",
            k.service
                .as_ref()
                .map(|s| format!("{} / {}", int(s.tickets), int(s.complaints))),
            k.service
                .as_ref()
                .map(|s| {
                    format!(
                        "complaints: {} resolved, median {}; {} open in all",
                        s.resolution_rate.map_or_else(|| "n/a".into(), pct),
                        s.median_resolution_hours
                            .map_or_else(|| "n/a".into(), |h| format!("{h:.1} h")),
                        int(s.unresolved)
                    )
                })
                .unwrap_or_default(),
            "kpi.service",
        ),
    ]
}

/// The detail tables of every present section (`terminal`: add text bar charts where the HTML
/// has a drawn chart).
pub fn section_tables(r: &Report, terminal: bool) -> Vec<TableData> {
    let mut t = Vec::new();
    if let Some(s) = &r.rfm {
        t.push(TableData {
            title: format!("RFM segments ({})", s.method),
            header: vec![
                "segment",
                "customers",
                "share",
                "recency (d)",
                "frequency",
                "monetary",
                "revenue",
            ],
            rows: s
                .segments
                .iter()
                .map(|g| {
                    vec![
                        g.segment.clone(),
                        int(g.customers),
                        pct(g.share),
                        fixed(g.mean_recency_days, 0),
                        fixed(g.mean_frequency, 1),
                        fixed(g.mean_monetary, 2),
                        pct(g.revenue_share),
                    ]
                })
                .collect(),
        });
    }
    if let Some(c) = &r.clv {
        let mut rows = vec![
            vec!["BG/NBD r".into(), fixed(c.bgnbd.r, 4)],
            vec!["BG/NBD alpha".into(), fixed(c.bgnbd.alpha, 4)],
            vec!["BG/NBD a".into(), fixed(c.bgnbd.a, 4)],
            vec!["BG/NBD b".into(), fixed(c.bgnbd.b, 4)],
        ];
        if let Some(g) = &c.gamma_gamma {
            rows.push(vec!["Gamma-Gamma p".into(), fixed(g.p, 4)]);
            rows.push(vec!["Gamma-Gamma q".into(), fixed(g.q, 4)]);
            rows.push(vec!["Gamma-Gamma v".into(), fixed(g.v, 4)]);
        }
        rows.push(vec![
            format!(
                "Total expected value, {} {}s{}",
                fixed(c.horizon, 0),
                c.unit,
                c.discount_rate
                    .map_or_else(String::new, |d| format!(", discounted {}/year", pct(d)))
            ),
            money(
                crm_model::rust_decimal::Decimal::from_f64_retain(c.total_expected_value)
                    .unwrap_or_default(),
            ),
        ]);
        t.push(TableData {
            title: format!("CLV model ({})", c.method),
            header: vec!["parameter", "value"],
            rows,
        });
        t.push(TableData {
            title: "Top customers by expected value".into(),
            header: vec![
                "customer",
                "x",
                "t_x",
                "T",
                "P(alive)",
                "E[purchases]",
                "CLV",
            ],
            rows: c
                .top_customers
                .iter()
                .map(|x| {
                    vec![
                        x.customer_id.clone(),
                        x.frequency.to_string(),
                        fixed(x.recency, 1),
                        fixed(x.age, 1),
                        fixed(x.p_alive, 2),
                        fixed(x.expected_purchases, 2),
                        fixed(x.clv, 2),
                    ]
                })
                .collect(),
        });
    }
    if let Some(c) = &r.churn {
        t.push(TableData {
            title: format!(
                "Churn risk tiers ({}{})",
                c.method,
                c.auc.map_or_else(String::new, |a| format!(", AUC {a:.3}"))
            ),
            header: vec!["tier", "rule", "customers", "revenue"],
            rows: c
                .tiers
                .iter()
                .map(|x| {
                    vec![
                        x.tier.clone(),
                        x.rule.clone(),
                        int(x.customers),
                        x.revenue_share.map_or_else(|| "-".into(), pct),
                    ]
                })
                .collect(),
        });
        t.push(TableData {
            title: "Customers to call first (ranked by P(churn) x spend to date)".into(),
            header: vec!["customer", "score", "tier", "value", "why"],
            rows: c
                .to_call
                .iter()
                .map(|x| {
                    vec![
                        x.customer_id.clone(),
                        fixed(x.score, 2),
                        x.tier.clone(),
                        fixed(x.value, 2),
                        x.reason.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        });
        if !c.calibration.is_empty() {
            t.push(TableData {
                title: format!(
                    "Churn calibration ({})",
                    c.calibration_note.as_deref().unwrap_or("holdout")
                ),
                header: vec!["predicted", "observed", "customers"],
                rows: c
                    .calibration
                    .iter()
                    .map(|p| vec![pct(p.predicted), pct(p.observed), int(p.count)])
                    .collect(),
            });
        }
    }
    if let Some(d) = &r.dedup {
        let mut rows = vec![
            vec!["records".into(), int(d.records)],
            vec!["candidate pairs".into(), int(d.candidate_pairs)],
            vec!["matched pairs".into(), int(d.matched_pairs)],
            vec!["clusters (2+ records)".into(), int(d.clusters)],
            vec!["redundant records".into(), int(d.redundant_records)],
        ];
        if let Some(e) = &d.evaluation {
            rows.push(vec![
                "precision / recall / F1".into(),
                format!("{:.3} / {:.3} / {:.3}", e.precision, e.recall, e.f1),
            ]);
        }
        t.push(TableData {
            title: "Duplicates".into(),
            header: vec!["measure", "value"],
            rows,
        });
        t.push(TableData {
            title: "Golden records (examples)".into(),
            header: vec!["records", "name", "email", "phone", "company"],
            rows: d
                .examples
                .iter()
                .map(|g| {
                    vec![
                        g.members.join(" "),
                        g.name.clone().unwrap_or_default(),
                        g.email.clone().unwrap_or_default(),
                        g.phone.clone().unwrap_or_default(),
                        g.company.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        });
    }
    if let Some(c) = &r.cohorts {
        const SHOW: usize = 12;
        const OFFSETS: [&str; SHOW] =
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"];
        let mut header = vec!["cohort", "size"];
        header.extend(OFFSETS);
        let rows: Vec<Vec<String>> = c
            .rows
            .iter()
            .rev()
            .take(SHOW)
            .rev()
            .map(|row| {
                let mut v = vec![row.cohort.format("%Y-%m").to_string(), int(row.size)];
                v.extend(
                    row.retention
                        .iter()
                        .take(SHOW)
                        .map(|x| format!("{:.0}", 100.0 * x)),
                );
                v
            })
            .collect();
        t.push(TableData {
            title: format!(
                "Cohort retention, % of cohort buying k {}s later (latest {} cohorts)",
                c.unit,
                rows.len()
            ),
            header,
            rows,
        });
    }
    if let Some(f) = &r.funnel {
        t.push(TableData {
            title: "Funnel".into(),
            header: vec!["stage", "subjects", "from previous", "from start"],
            rows: f
                .steps
                .iter()
                .map(|s| {
                    vec![
                        s.stage.clone(),
                        int(s.subjects),
                        s.from_previous.map_or_else(|| "-".into(), pct),
                        s.from_start.map_or_else(|| "-".into(), pct),
                    ]
                })
                .collect(),
        });
    }
    if let Some(n) = r.nps.as_ref().filter(|_| terminal) {
        let total: u64 = n.counts.iter().sum::<u64>().max(1);
        let max = n.counts.iter().copied().max().unwrap_or(1).max(1);
        t.push(TableData {
            title: format!(
                "NPS distribution: {} promoters, {} passives, {} detractors",
                int(n.promoters),
                int(n.passives),
                int(n.detractors)
            ),
            header: vec!["score", "answers", "share", ""],
            rows: n
                .counts
                .iter()
                .enumerate()
                .map(|(s, c)| {
                    vec![
                        s.to_string(),
                        int(*c),
                        pct(*c as f64 / total as f64),
                        "#".repeat(((*c as f64 / max as f64) * 40.0).round() as usize),
                    ]
                })
                .collect(),
        });
    }
    if let Some(l) = &r.lifecycle {
        t.push(TableData {
            title: "Lifecycle stages".into(),
            header: vec!["stage", "customers", "share", "revenue"],
            rows: l
                .counts
                .iter()
                .filter(|c| c.stage != crm_metrics::lifecycle::Stage::Lead)
                .map(|c| {
                    vec![
                        c.stage.name().to_string(),
                        int(c.customers),
                        pct(c.share),
                        money(c.revenue),
                    ]
                })
                .collect(),
        });
        let m = &l.transitions;
        let stages: Vec<crm_metrics::lifecycle::Stage> = (crm_metrics::lifecycle::Stage::ALL
            .iter())
        .copied()
        .filter(|s| *s != crm_metrics::lifecycle::Stage::Lead)
        .collect();
        let mut header = vec!["from \\ to"];
        header.extend(stages.iter().map(|s| s.name()));
        t.push(TableData {
            title: format!("Lifecycle moves, {} to {}", m.from, m.to),
            header,
            rows: stages
                .iter()
                .map(|a| {
                    let mut row = vec![a.name().to_string()];
                    row.extend(stages.iter().map(|b| int(m.counts[a.index()][b.index()])));
                    row
                })
                .collect(),
        });
    }
    if let Some(g) = &r.groups {
        let opt = |x: Option<f64>| x.map_or_else(|| "-".into(), pct);
        t.push(TableData {
            title: format!("By {}", g.columns.join(" and ")),
            header: vec![
                "group",
                "customers",
                "active 30d",
                "revenue",
                "AOV",
                "repeat",
                "retention",
                "churn",
                "NPS",
                "answers",
            ],
            rows: (g.groups.iter())
                .map(|f| {
                    let key = f.key.join(" / ");
                    vec![
                        if key.trim().is_empty() {
                            "(none)".into()
                        } else {
                            key
                        },
                        int(f.customers),
                        int(f.active_last_30_days),
                        money(f.revenue),
                        f.aov.map_or_else(|| "-".into(), money),
                        opt(f.repeat_purchase_rate),
                        opt(f.retention),
                        opt(f.churn),
                        f.nps.map_or_else(|| "-".into(), |v| format!("{v:+.1}")),
                        int(f.nps_answers),
                    ]
                })
                .collect(),
        });
    }
    if let Some(tr) = &r.trends {
        t.push(TableData {
            title: "Monthly trends".into(),
            header: vec![
                "month",
                "active customers",
                "revenue",
                "retention",
                "NPS",
                "NPS answers",
            ],
            rows: tr
                .months
                .iter()
                .map(|m| {
                    vec![
                        m.month.format("%Y-%m").to_string(),
                        int(m.active_customers),
                        money(m.revenue),
                        m.retention.map_or_else(|| "-".into(), pct),
                        m.nps.map_or_else(|| "-".into(), |v| format!("{v:+.1}")),
                        int(m.nps_answers),
                    ]
                })
                .collect(),
        });
    }
    t
}

/// Renders the report for a terminal.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let as_of = r.meta.as_of.map_or_else(String::new, |d| d.to_string());
    o.push_str(&format!("CRM report, as of {as_of}"));
    if let (Some(a), Some(b)) = (r.meta.first_date, r.meta.last_date) {
        o.push_str(&format!(" (transactions {a} to {b})"));
    }
    o.push('\n');
    for f in &r.meta.inputs {
        o.push_str(&format!(
            "  {:<13} {} ({} rows{})\n",
            f.kind,
            f.path,
            int(f.rows),
            if f.skipped > 0 {
                format!(", {} skipped", int(f.skipped))
            } else {
                String::new()
            }
        ));
    }
    if r.meta.after_as_of > 0 {
        o.push_str(&format!(
            "  note: {} transaction(s) after the as-of date are left out\n",
            int(r.meta.after_as_of)
        ));
    }
    o.push_str("\nKey figures\n");
    let rows: Vec<Vec<String>> = kpi_rows(r)
        .into_iter()
        .map(|k| vec![k.label, k.value, k.note])
        .collect();
    o.push_str(&grid_fit(&["metric", "value", "note"], &rows, WIDTH));
    for t in section_tables(r, true) {
        o.push('\n');
        o.push_str(&wrap(&t.title, WIDTH));
        o.push('\n');
        o.push_str(&grid_fit(&t.header, &t.rows, WIDTH));
    }
    // Sections by the titles the report shows them under (not their keys).
    let absent: Vec<(&str, &str)> = [
        ("rfm", "RFM segments"),
        ("clv", "CLV model"),
        ("churn", "Churn risk"),
        ("dedup", "Duplicates"),
        ("cohorts", "Cohort retention"),
        ("funnel", "Funnel"),
        ("nps", "NPS distribution"),
        ("lifecycle", "Lifecycle stages"),
        ("trends", "Monthly trends"),
        ("groups", "Groups"),
    ]
    .into_iter()
    .filter_map(|(key, title)| Some((title, r.needs(key)?)))
    .collect();
    if !absent.is_empty() {
        o.push_str("\nNot in this report:\n");
        for (title, needs) in absent {
            o.push_str(&format!("  {title}: needs {needs}\n"));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    #[test]
    fn full_report_fits_100_columns_and_has_every_section() {
        let r = sample::full();
        let t = render(&r);
        for line in t.lines() {
            assert!(
                display_width(line) <= 100,
                "{} wide: {line}",
                display_width(line)
            );
        }
        for s in [
            "Key figures",
            "By region",
            "RFM segments",
            "CLV model",
            "Top customers",
            "Churn risk tiers",
            "Customers to call",
            "Duplicates",
            "Golden records",
            "Cohort retention",
            "Funnel",
            "NPS distribution",
        ] {
            assert!(t.contains(s), "{s} missing");
        }
        assert!(t.contains("95% CI +26.0 to +37.0"));
        assert!(!t.contains("Not in this report"));
        let json = serde_json::to_value(&r).unwrap();
        for k in [
            "kpis", "rfm", "clv", "churn", "dedup", "cohorts", "funnel", "nps",
        ] {
            assert!(!json[k].is_null(), "{k}");
        }
    }

    #[test]
    fn missing_sections_say_what_they_need() {
        let mut r = sample::full();
        r.churn = None;
        r.kpis.cac = None;
        r.missing = vec![
            crate::model::Missing {
                section: "churn".into(),
                needs: "crm-churn".into(),
            },
            crate::model::Missing {
                section: "kpi.cac".into(),
                needs: "spend.csv".into(),
            },
        ];
        let t = render(&r);
        assert!(t.contains("Churn risk: needs crm-churn"));
        assert!(
            t.lines().any(|l| l.starts_with("CAC")
                && l.contains("n/a")
                && l.contains("needs spend.csv"))
        );
    }

    #[test]
    fn number_formats() {
        assert_eq!(int(0), "0");
        assert_eq!(int(1234567), "1,234,567");
        assert_eq!(money(Decimal::new(-123456789, 2)), "-1,234,567.89");
        assert_eq!(money(Decimal::new(5, 1)), "0.50");
        assert_eq!(pct(0.1234), "12.3%");
        assert_eq!(wrap("aa bb cc", 5), "aa bb\n  cc");
        assert_eq!(wrap("aa bb", 80), "aa bb");
        let long = vec![vec!["x".repeat(30), "1".into()]];
        let g = grid_fit(&["text", "n"], &long, 20);
        assert!(g.lines().all(|l| display_width(l) <= 20), "{g}");
        assert!(g.contains('…'));
        assert_eq!(display_width("张伟 ab"), 7);
        let g = grid(
            &["name", "n"],
            &[
                vec!["张伟".into(), "1,234".into()],
                vec!["Al".into(), "5%".into()],
            ],
        );
        assert_eq!(g, "name      n\n----  -----\n张伟  1,234\nAl       5%\n");
    }
}

#[cfg(test)]
mod fixed_tests {
    use super::fixed;

    #[test]
    fn fixed_decimals_and_thousands() {
        assert_eq!(fixed(1234567.891, 2), "1,234,567.89");
        assert_eq!(fixed(2.0, 1), "2.0");
        assert_eq!(fixed(-0.004, 2), "0.00");
        assert_eq!(fixed(-1234.5, 0), "-1,234");
        assert_eq!(fixed(0.243, 4), "0.2430");
        assert_eq!(fixed(f64::NAN, 2), "NaN");
    }
}
