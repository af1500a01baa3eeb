//! Charts as inline SVG, drawn by hand: no scripts, no fonts, no network.
//!
//! Every function returns one `<svg>` element with a `viewBox` (it scales to its container),
//! axis labels inside the drawing, and `<title>` tooltips on marks.

use std::fmt::Write;

use super::model::{CalibrationPoint, FunnelStep, HeatGrid, HistogramBin, RfmGridCell};

const W: f64 = 640.0;
const H: f64 = 360.0;
const FONT: &str = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans CJK SC', sans-serif\"";

/// Escapes text for HTML/SVG.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn open(label: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\" {FONT} font-size=\"12\">",
        esc(label)
    )
}

fn text(x: f64, y: f64, anchor: &str, extra: &str, s: &str) -> String {
    format!(
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" {extra}>{}</text>",
        esc(s)
    )
}

/// Axis titles: x centred below the plot, y rotated on the left.
fn axis_titles(out: &mut String, plot: Plot, x: &str, y: &str) {
    out.push_str(&text(
        plot.x0 + plot.w / 2.0,
        H - 8.0,
        "middle",
        "class=\"axis-title\" font-weight=\"600\"",
        x,
    ));
    let cy = plot.y0 + plot.h / 2.0;
    let _ = write!(
        out,
        "<text x=\"16\" y=\"{cy:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {cy:.1})\" class=\"axis-title\" font-weight=\"600\">{}</text>",
        esc(y)
    );
}

#[derive(Clone, Copy)]
struct Plot {
    x0: f64,
    y0: f64,
    w: f64,
    h: f64,
}

impl Plot {
    fn new(left: f64, right: f64, top: f64, bottom: f64) -> Self {
        Plot {
            x0: left,
            y0: top,
            w: W - left - right,
            h: H - top - bottom,
        }
    }
}

/// "Nice" tick step (1, 2 or 5 times a power of ten) for about `n` ticks up to `max`.
pub fn nice_step(max: f64, n: f64) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let raw = max / n;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// Compact number: 1234 -> "1.2k", 0.25 -> "0.25".
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        // 1.2k, 2k (not 2.0k)
        format!("{:.1}k", v / 1e3).replace(".0k", "k")
    } else if a >= 10.0 || v == v.round() {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// 12345 -> "12,345".
pub(crate) fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut o = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            o.push(',');
        }
        o.push(c);
    }
    o
}

/// Linear interpolation between two RGB colours, `t` in [0, 1].
fn mix(a: (u8, u8, u8), b: (u8, u8, u8), t: f64) -> String {
    let t = t.clamp(0.0, 1.0);
    let l = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    format!("#{:02x}{:02x}{:02x}", l(a.0, b.0), l(a.1, b.1), l(a.2, b.2))
}

/// Sequential colour scale: light to dark blue through teal.
pub fn sequential(t: f64) -> String {
    if t < 0.5 {
        mix((240, 249, 255), (65, 182, 196), t * 2.0)
    } else {
        mix((65, 182, 196), (8, 48, 107), (t - 0.5) * 2.0)
    }
}

fn luminance_dark(t: f64) -> bool {
    t > 0.55
}

/// A heat map of `grid` with values in `[lo, hi]` (`fmt` formats a cell value).
pub fn heatmap(grid: &HeatGrid, lo: f64, hi: f64, fmt: &dyn Fn(f64) -> String) -> String {
    let mut o = open(&format!("heat map: {} by {}", grid.y_label, grid.x_label));
    let rows = grid.values.len().max(1);
    let cols = grid
        .values
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
        .max(grid.x_ticks.len())
        .max(1);
    let plot = Plot::new(92.0, 64.0, 16.0, 62.0);
    let cw = plot.w / cols as f64;
    let ch = plot.h / rows as f64;
    let span = if hi > lo { hi - lo } else { 1.0 };
    // Numbers in the cells whenever a short label ("100%") fits: smaller type in narrow cells.
    let font = if cw >= 26.0 { 9.0 } else { 7.0 };
    let show_text = cw >= 17.0 && ch >= 10.0;
    for (r, row) in grid.values.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let x = plot.x0 + c as f64 * cw;
            let y = plot.y0 + r as f64 * ch;
            let Some(v) = v else { continue };
            let t = (v - lo) / span;
            let _ = write!(
                o,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{} {}, {} {}: {}</title></rect>",
                cw - 0.5,
                ch - 0.5,
                sequential(t),
                esc(&grid.y_label),
                esc(grid.y_ticks.get(r).map_or("", String::as_str)),
                esc(&grid.x_label),
                esc(grid.x_ticks.get(c).map_or("", String::as_str)),
                esc(&fmt(*v))
            );
            if show_text {
                let fill = if luminance_dark(t) { "#fff" } else { "#123" };
                o.push_str(&text(
                    x + cw / 2.0,
                    y + ch / 2.0 + font * 0.4,
                    "middle",
                    &format!("font-size=\"{font}\" fill=\"{fill}\""),
                    &fmt(*v),
                ));
            }
        }
    }
    // Tick labels: thin out to about 12 per axis.
    let every = |n: usize| n.div_ceil(12).max(1);
    for (c, t) in grid.x_ticks.iter().enumerate() {
        if c % every(cols) == 0 {
            o.push_str(&text(
                plot.x0 + (c as f64 + 0.5) * cw,
                plot.y0 + plot.h + 14.0,
                "middle",
                "font-size=\"10\"",
                t,
            ));
        }
    }
    for (r, t) in grid.y_ticks.iter().enumerate() {
        if r % every(rows) == 0 {
            o.push_str(&text(
                plot.x0 - 6.0,
                plot.y0 + (r as f64 + 0.5) * ch + 3.5,
                "end",
                "font-size=\"10\"",
                t,
            ));
        }
    }
    // Legend: a vertical colour bar.
    let lx = W - 44.0;
    for i in 0..20 {
        let t = 1.0 - f64::from(i) / 19.0;
        let _ = write!(
            o,
            "<rect x=\"{lx}\" y=\"{:.1}\" width=\"12\" height=\"{:.1}\" fill=\"{}\"/>",
            plot.y0 + f64::from(i) * plot.h / 20.0,
            plot.h / 20.0 + 0.5,
            sequential(t)
        );
    }
    o.push_str(&text(
        lx + 16.0,
        plot.y0 + 8.0,
        "start",
        "font-size=\"9\"",
        &fmt(hi),
    ));
    o.push_str(&text(
        lx + 16.0,
        plot.y0 + plot.h,
        "start",
        "font-size=\"9\"",
        &fmt(lo),
    ));
    axis_titles(&mut o, plot, &grid.x_label, &grid.y_label);
    o.push_str("</svg>");
    o
}

/// One bar of a bar chart.
pub struct Bar {
    /// Label under the bar.
    pub label: String,
    /// Height.
    pub value: f64,
    /// Fill colour.
    pub color: String,
}

/// Vertical bar chart with a y axis from 0.
pub fn bars(bars: &[Bar], x_label: &str, y_label: &str) -> String {
    let mut o = open(&format!("bar chart: {y_label} by {x_label}"));
    let plot = Plot::new(70.0, 16.0, 16.0, 62.0);
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let step = nice_step(max, 5.0);
    let top = (max / step).ceil().max(1.0) * step;
    y_axis(&mut o, plot, top, step, &short);
    let n = bars.len().max(1) as f64;
    let bw = plot.w / n;
    let every = bars.len().div_ceil(14).max(1);
    for (i, b) in bars.iter().enumerate() {
        let h = if top > 0.0 {
            b.value / top * plot.h
        } else {
            0.0
        };
        let x = plot.x0 + i as f64 * bw + bw * 0.1;
        let _ = write!(
            o,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{}: {}</title></rect>",
            plot.y0 + plot.h - h,
            bw * 0.8,
            b.color,
            esc(&b.label),
            short(b.value)
        );
        if i % every == 0 {
            o.push_str(&text(
                x + bw * 0.4,
                plot.y0 + plot.h + 14.0,
                "middle",
                "font-size=\"10\"",
                &b.label,
            ));
        }
    }
    axis_titles(&mut o, plot, x_label, y_label);
    o.push_str("</svg>");
    o
}

/// One line of [`lines`]: a name for the legend, a colour, and y per x position.
pub struct Series<'a> {
    /// Legend text.
    pub name: &'a str,
    /// Stroke colour.
    pub color: &'a str,
    /// Dashed (e.g. a model's expectation) or solid (observed).
    pub dashed: bool,
    /// One value per x position (non-finite values are left out).
    pub values: Vec<f64>,
}

/// Line chart of `series` over the x positions `labels` (every few labelled), y from 0, with a
/// legend and, when `marker` is given, a dotted vertical line before that x position with its
/// text (e.g. the end of a calibration window).
pub fn lines(
    series: &[Series<'_>],
    labels: &[String],
    x_label: &str,
    y_label: &str,
    marker: Option<(usize, &str)>,
) -> String {
    let range = value_range(series.iter().flat_map(|s| s.values.iter().copied()));
    lines_within(series, labels, x_label, y_label, marker, range)
}

/// The y range a line chart of `values` needs: from the smallest value (or 0) to the largest
/// (or 0), non-finite values left out. Small multiples share one scale by drawing each with
/// [`lines_within`] over the range of all their values.
pub fn value_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values
        .filter(|v| v.is_finite())
        .fold((0.0, 0.0), |(lo, hi), v| (f64::min(lo, v), f64::max(hi, v)))
}

/// [`lines`] on a y-scale that covers `range` (`(min, max)`, e.g. [`value_range`] of several
/// charts, so that small multiples compare at a glance); values outside it are clamped.
pub fn lines_within(
    series: &[Series<'_>],
    labels: &[String],
    x_label: &str,
    y_label: &str,
    marker: Option<(usize, &str)>,
    (min, max): (f64, f64),
) -> String {
    let mut o = open(&format!("line chart: {y_label} by {x_label}"));
    let plot = Plot::new(70.0, 16.0, 34.0, 62.0);
    let step = nice_step(max - min, 5.0);
    let top = (max / step).ceil().max(1.0) * step;
    let lo = (min / step).floor() * step;
    y_axis_range(&mut o, plot, lo, top, step, &short);
    let n = labels.len().max(2);
    let px = |i: usize| plot.x0 + i as f64 / (n - 1) as f64 * plot.w;
    let py = |v: f64| plot.y0 + plot.h - ((v - lo) / (top - lo)).clamp(0.0, 1.0) * plot.h;
    x_ticks(&mut o, plot, labels, px);
    if let Some((i, what)) = marker.filter(|m| m.0 < labels.len()) {
        let x = (px(i.saturating_sub(1)) + px(i)) / 2.0;
        let _ = write!(
            o,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#5b6b7b\" stroke-dasharray=\"2 3\"/>",
            plot.y0,
            plot.y0 + plot.h
        );
        o.push_str(&text(
            x + 4.0,
            plot.y0 + 10.0,
            "start",
            "font-size=\"10\" fill=\"#5b6b7b\"",
            what,
        ));
    }
    for (k, s) in series.iter().enumerate() {
        let pts: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, &v)| format!("{:.1},{:.1}", px(i), py(v)))
            .collect();
        let dash = if s.dashed {
            " stroke-dasharray=\"6 4\""
        } else {
            ""
        };
        let _ = write!(
            o,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{dash}><title>{}</title></polyline>",
            pts.join(" "),
            s.color,
            esc(s.name)
        );
        let lx = plot.x0 + 8.0 + k as f64 * 190.0;
        let _ = write!(
            o,
            "<line x1=\"{lx:.1}\" y1=\"14\" x2=\"{:.1}\" y2=\"14\" stroke=\"{}\" stroke-width=\"2\"{dash}/>",
            lx + 22.0,
            s.color
        );
        o.push_str(&text(lx + 28.0, 18.0, "start", "", s.name));
    }
    axis_titles(&mut o, plot, x_label, y_label);
    o.push_str("</svg>");
    o
}

/// About 12 of `labels` under the plot, at `px(i)` (every k-th label when there are more).
fn x_ticks(o: &mut String, plot: Plot, labels: &[String], px: impl Fn(usize) -> f64) {
    let every = labels.len().div_ceil(12).max(1);
    for (i, l) in labels.iter().enumerate().step_by(every) {
        let y = plot.y0 + plot.h + 14.0;
        o.push_str(&text(px(i), y, "middle", "font-size=\"10\"", l));
    }
}

/// Stacked areas: at each x position the series add up (e.g. customers per lifecycle stage by
/// month), the first series at the bottom, with a legend.
pub fn stacked_area(
    series: &[Series<'_>],
    labels: &[String],
    x_label: &str,
    y_label: &str,
) -> String {
    let mut o = open(&format!("stacked area chart: {y_label} by {x_label}"));
    let plot = Plot::new(70.0, 16.0, 34.0, 62.0);
    let n = labels.len();
    let value = |s: &Series<'_>, i: usize| {
        s.values
            .get(i)
            .copied()
            .filter(|v| v.is_finite())
            .unwrap_or(0.0)
            .max(0.0)
    };
    let totals: Vec<f64> = (0..n)
        .map(|i| series.iter().map(|s| value(s, i)).sum())
        .collect();
    let max = totals.iter().copied().fold(0.0, f64::max);
    let step = nice_step(max, 5.0);
    let top = (max / step).ceil().max(1.0) * step;
    y_axis(&mut o, plot, top, step, &short);
    let px = |i: usize| {
        plot.x0
            + if n > 1 {
                i as f64 / (n - 1) as f64 * plot.w
            } else {
                plot.w / 2.0
            }
    };
    let py = |v: f64| plot.y0 + plot.h - (v / top).clamp(0.0, 1.0) * plot.h;
    x_ticks(&mut o, plot, labels, px);
    let mut below = vec![0.0; n];
    for (k, s) in series.iter().enumerate() {
        let above: Vec<f64> = (0..n).map(|i| below[i] + value(s, i)).collect();
        let mut pts: Vec<String> = (0..n)
            .map(|i| format!("{:.1},{:.1}", px(i), py(above[i])))
            .collect();
        pts.extend(
            (0..n)
                .rev()
                .map(|i| format!("{:.1},{:.1}", px(i), py(below[i]))),
        );
        let last = n.checked_sub(1).map_or(0.0, |i| value(s, i));
        let _ = write!(
            o,
            "<polygon points=\"{}\" fill=\"{}\" fill-opacity=\"0.85\" stroke=\"#fff\" stroke-width=\"0.5\"><title>{}: {} at the end</title></polygon>",
            pts.join(" "),
            s.color,
            esc(s.name),
            short(last)
        );
        let lx = plot.x0 + 8.0 + (k % 5) as f64 * 108.0;
        let ly = 8.0 + (k / 5) as f64 * 14.0;
        let _ = write!(
            o,
            "<rect x=\"{lx:.1}\" y=\"{ly:.1}\" width=\"12\" height=\"10\" fill=\"{}\"/>",
            s.color
        );
        o.push_str(&text(
            lx + 16.0,
            ly + 9.0,
            "start",
            "font-size=\"11\"",
            s.name,
        ));
        below = above;
    }
    axis_titles(&mut o, plot, x_label, y_label);
    o.push_str("</svg>");
    o
}

/// A waterfall: from `start` (its label and value), each step adds its delta (green up, red
/// down, grey for 0), ending in a total bar; a dashed line marks `cut` (e.g. the threshold).
pub fn waterfall(
    start: (&str, f64),
    steps: &[(String, f64)],
    end_label: &str,
    cut: Option<(f64, &str)>,
    y_label: &str,
) -> String {
    let mut o = open(&format!("waterfall: {y_label}"));
    let plot = Plot::new(70.0, 16.0, 16.0, 110.0);
    let mut level = start.1;
    let mut spans = vec![(
        start.0.to_string(),
        0.0f64.min(start.1),
        0.0f64.max(start.1),
        "#5b6b7b",
        start.1,
    )];
    for (label, d) in steps {
        let next = level + d;
        let color = if *d > 0.0 {
            "#2e9e5b"
        } else if *d < 0.0 {
            "#d64545"
        } else {
            "#a0aab4"
        };
        spans.push((label.clone(), level.min(next), level.max(next), color, *d));
        level = next;
    }
    spans.push((
        end_label.to_string(),
        0.0f64.min(level),
        0.0f64.max(level),
        "#0b6e99",
        level,
    ));
    let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
    let lo_raw = spans
        .iter()
        .map(|s| finite(s.1))
        .fold(0.0, f64::min)
        .min(cut.map_or(0.0, |c| c.0));
    let hi_raw = spans
        .iter()
        .map(|s| finite(s.2))
        .fold(0.0, f64::max)
        .max(cut.map_or(0.0, |c| c.0));
    let step = nice_step(hi_raw - lo_raw, 6.0);
    let (lo, hi) = (
        (lo_raw / step).floor() * step,
        (hi_raw / step).ceil().max(lo_raw / step + 1.0) * step,
    );
    y_axis_range(&mut o, plot, lo, hi, step, &short);
    let py = |v: f64| plot.y0 + plot.h - ((finite(v) - lo) / (hi - lo)).clamp(0.0, 1.0) * plot.h;
    let bw = plot.w / spans.len() as f64;
    for (k, (label, a, b, color, d)) in spans.iter().enumerate() {
        let x = plot.x0 + k as f64 * bw + bw * 0.15;
        let (top, bottom) = (py(*b), py(*a));
        let _ = write!(
            o,
            "<rect x=\"{x:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\"><title>{}: {d:+.2}</title></rect>",
            bw * 0.7,
            (bottom - top).max(1.0),
            esc(label)
        );
        let (lx, ly) = (x + bw * 0.35, plot.y0 + plot.h + 12.0);
        let rotate = format!("font-size=\"10\" transform=\"rotate(-40 {lx:.1} {ly:.1})\"");
        o.push_str(&text(lx, ly, "end", &rotate, label));
        o.push_str(&text(
            lx,
            top - 3.0,
            "middle",
            "font-size=\"9\"",
            &format!("{d:+.1}"),
        ));
    }
    if let Some((c, what)) = cut {
        let y = py(c);
        let _ = write!(
            o,
            "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#5b6b7b\" stroke-dasharray=\"5 4\"/>",
            plot.x0,
            plot.x0 + plot.w
        );
        o.push_str(&text(
            plot.x0 + plot.w - 4.0,
            y - 4.0,
            "end",
            "font-size=\"10\" fill=\"#5b6b7b\"",
            what,
        ));
    }
    let cy = plot.y0 + plot.h / 2.0;
    let _ = write!(
        o,
        "<text x=\"16\" y=\"{cy:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {cy:.1})\" class=\"axis-title\" font-weight=\"600\">{}</text>",
        esc(y_label)
    );
    o.push_str("</svg>");
    o
}

/// Side-by-side bars of two series per category (e.g. actual against expected), y from 0.
pub fn paired_bars(
    labels: &[String],
    a: &Series<'_>,
    b: &Series<'_>,
    x_label: &str,
    y_label: &str,
) -> String {
    let mut o = open(&format!("bar chart: {y_label} by {x_label}"));
    // Many categories: labels turned 45 degrees, with room below the plot.
    let turned = labels.len() > 12;
    let plot = Plot::new(70.0, 16.0, 34.0, if turned { 110.0 } else { 62.0 });
    let max = a
        .values
        .iter()
        .chain(&b.values)
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let step = nice_step(max, 5.0);
    let top = (max / step).ceil().max(1.0) * step;
    y_axis(&mut o, plot, top, step, &short);
    let bw = plot.w / labels.len().max(1) as f64;
    for (i, l) in labels.iter().enumerate() {
        let x = plot.x0 + i as f64 * bw;
        for (k, s) in [a, b].into_iter().enumerate() {
            let v = s
                .values
                .get(i)
                .copied()
                .filter(|v| v.is_finite())
                .unwrap_or(0.0);
            let h = v / top * plot.h;
            let _ = write!(
                o,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{}: {} {}</title></rect>",
                x + bw * (0.1 + 0.4 * k as f64),
                plot.y0 + plot.h - h,
                bw * 0.38,
                s.color,
                esc(l),
                esc(s.name),
                short(v)
            );
        }
        let (lx, ly) = (x + bw * 0.5, plot.y0 + plot.h + 12.0);
        if turned {
            let rotate = format!("font-size=\"9\" transform=\"rotate(-45 {lx:.1} {ly:.1})\"");
            o.push_str(&text(lx, ly, "end", &rotate, l));
        } else {
            o.push_str(&text(lx, ly + 2.0, "middle", "font-size=\"10\"", l));
        }
    }
    for (k, s) in [a, b].into_iter().enumerate() {
        let lx = plot.x0 + 8.0 + k as f64 * 190.0;
        let _ = write!(
            o,
            "<rect x=\"{lx:.1}\" y=\"8\" width=\"12\" height=\"12\" fill=\"{}\"/>",
            s.color
        );
        o.push_str(&text(lx + 18.0, 18.0, "start", "", s.name));
    }
    axis_titles(&mut o, plot, x_label, y_label);
    o.push_str("</svg>");
    o
}

fn y_axis(o: &mut String, plot: Plot, top: f64, step: f64, fmt: &dyn Fn(f64) -> String) {
    y_axis_range(o, plot, 0.0, top, step, fmt);
}

/// A y axis from `lo` to `top` (both multiples of `step`).
fn y_axis_range(
    o: &mut String,
    plot: Plot,
    lo: f64,
    top: f64,
    step: f64,
    fmt: &dyn Fn(f64) -> String,
) {
    let mut v = lo;
    while v <= top + step * 1e-9 {
        let y = plot.y0 + plot.h - (v - lo) / (top - lo) * plot.h;
        let _ = write!(
            o,
            "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e3e8ee\"/>",
            plot.x0,
            plot.x0 + plot.w
        );
        o.push_str(&text(
            plot.x0 - 6.0,
            y + 3.5,
            "end",
            "font-size=\"10\"",
            &fmt(v),
        ));
        v += step;
    }
    let _ = write!(
        o,
        "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"#8a96a3\"/><line x1=\"{0:.1}\" y1=\"{2:.1}\" x2=\"{3:.1}\" y2=\"{2:.1}\" stroke=\"#8a96a3\"/>",
        plot.x0,
        plot.y0,
        plot.y0 + plot.h,
        plot.x0 + plot.w
    );
}

/// Horizontal funnel: one bar per step, width proportional to subjects.
pub fn funnel(steps: &[FunnelStep]) -> String {
    let mut o = open("funnel: subjects reaching each stage");
    let plot = Plot::new(90.0, 190.0, 16.0, 62.0);
    let max = steps.iter().map(|s| s.subjects).max().unwrap_or(0).max(1) as f64;
    let n = steps.len().max(1) as f64;
    let bh = plot.h / n;
    for (i, s) in steps.iter().enumerate() {
        let w = s.subjects as f64 / max * plot.w;
        let y = plot.y0 + i as f64 * bh + bh * 0.12;
        let x = plot.x0 + (plot.w - w) / 2.0;
        let t = 1.0 - i as f64 / n;
        let _ = write!(
            o,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" rx=\"3\" fill=\"{}\"><title>{}: {}</title></rect>",
            bh * 0.76,
            sequential(0.35 + 0.6 * t),
            esc(&s.stage),
            s.subjects
        );
        o.push_str(&text(
            plot.x0 - 8.0,
            y + bh * 0.38 + 4.0,
            "end",
            "font-weight=\"600\"",
            &s.stage,
        ));
        let lx = plot.x0 + plot.w + 8.0;
        let ly = y + bh * 0.38;
        o.push_str(&text(
            lx,
            ly,
            "start",
            "font-weight=\"600\"",
            &group_thousands(s.subjects),
        ));
        if let (Some(p), Some(st)) = (s.from_previous, s.from_start) {
            o.push_str(&text(
                lx,
                ly + 14.0,
                "start",
                "font-size=\"10\" fill=\"#5b6b7b\"",
                &format!("{:.1}% of previous, {:.1}% of first", 100.0 * p, 100.0 * st),
            ));
        }
    }
    axis_titles(
        &mut o,
        plot,
        "subjects reaching the stage (bar width)",
        "stage",
    );
    o.push_str("</svg>");
    o
}

/// A stable colour for a segment name: conventional RFM segment names get colours that read as
/// good (greens, blues) to bad (reds, greys); other names get a dark categorical colour.
pub fn segment_color(name: &str) -> &'static str {
    const KNOWN: [(&str, &str); 12] = [
        ("champion", "#1b7837"),
        // Before "loyal": "Potential Loyalists" is not "Loyal Customers".
        ("potential", "#4393c3"),
        ("loyal", "#5aae61"),
        ("new", "#2166ac"),
        ("recent", "#2166ac"),
        ("promising", "#35978f"),
        ("attention", "#bf812d"),
        ("sleep", "#c9a227"),
        ("risk", "#d6604d"),
        ("lose", "#b2182b"),
        ("hibernat", "#878787"),
        ("lost", "#4d4d4d"),
    ];
    let lower = name.to_lowercase();
    if let Some((_, c)) = KNOWN.iter().find(|(k, _)| lower.contains(k)) {
        return c;
    }
    const PALETTE: [&str; 8] = [
        "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#1f78b4", "#666666",
    ];
    let h = name
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    PALETTE[h as usize % PALETTE.len()]
}

/// Black or white, whichever reads better on the `#rrggbb` colour.
pub fn text_on(hex: &str) -> &'static str {
    let c = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map_or(0.0, f64::from)
    };
    let lum = 0.299 * c(1) + 0.587 * c(3) + 0.114 * c(5);
    if lum > 150.0 { "#10202c" } else { "#ffffff" }
}

/// RFM R-by-F grid: R on the y axis (highest at the top), F on the x axis, each cell coloured by
/// its dominant segment and labelled with its customer count.
pub fn rfm_grid(cells: &[RfmGridCell], levels: u8) -> String {
    let mut o = open("RFM grid: recency score by frequency score, coloured by segment");
    let plot = Plot::new(70.0, 200.0, 16.0, 62.0);
    let n = f64::from(levels.max(1));
    let cw = plot.w / n;
    let ch = plot.h / n;
    for c in cells.iter().filter(|c| c.customers > 0) {
        let x = plot.x0 + (f64::from(c.f) - 1.0) * cw;
        let y = plot.y0 + (n - f64::from(c.r)) * ch;
        let _ = write!(
            o,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\" ><title>R={} F={}: {} customers, {}</title></rect>",
            cw - 2.0,
            ch - 2.0,
            segment_color(&c.segment),
            c.r,
            c.f,
            c.customers,
            esc(&c.segment)
        );
        o.push_str(&text(
            x + cw / 2.0,
            y + ch / 2.0 + 4.0,
            "middle",
            &format!(
                "fill=\"{}\" font-weight=\"600\"",
                text_on(segment_color(&c.segment))
            ),
            &short(c.customers as f64),
        ));
    }
    // Empty cells are drawn and explained, not left as holes.
    for r in 1..=levels {
        for f in 1..=levels {
            if cells
                .iter()
                .any(|c| c.r == r && c.f == f && c.customers > 0)
            {
                continue;
            }
            let x = plot.x0 + (f64::from(f) - 1.0) * cw;
            let y = plot.y0 + (n - f64::from(r)) * ch;
            let _ = write!(
                o,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#f6f8fa\" stroke=\"#c5ced8\" stroke-dasharray=\"3 3\"><title>R={r} F={f}: no customer has this combination (ties share a score, so some frequency scores stay empty when many customers bought equally often)</title></rect>",
                cw - 2.0,
                ch - 2.0,
            );
            o.push_str(&text(
                x + cw / 2.0,
                y + ch / 2.0 + 4.0,
                "middle",
                "fill=\"#8a96a3\"",
                "0",
            ));
        }
    }
    for i in 1..=levels {
        o.push_str(&text(
            plot.x0 + (f64::from(i) - 0.5) * cw,
            plot.y0 + plot.h + 14.0,
            "middle",
            "",
            &i.to_string(),
        ));
        o.push_str(&text(
            plot.x0 - 8.0,
            plot.y0 + (n - f64::from(i) + 0.5) * ch + 4.0,
            "end",
            "",
            &i.to_string(),
        ));
    }
    // Legend.
    let mut names: Vec<&str> = cells.iter().map(|c| c.segment.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for (i, s) in names.iter().enumerate() {
        let y = plot.y0 + 4.0 + i as f64 * 18.0;
        let x = plot.x0 + plot.w + 14.0;
        let _ = write!(
            o,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/>",
            segment_color(s)
        );
        o.push_str(&text(x + 18.0, y + 10.0, "start", "font-size=\"11\"", s));
    }
    axis_titles(
        &mut o,
        plot,
        "frequency score F (1 = fewest purchases)",
        "recency score R (5 = most recent)",
    );
    o.push_str("</svg>");
    o
}

/// Calibration plot: observed churn rate against mean predicted probability per bin, with the
/// diagonal of perfect calibration.
pub fn calibration(points: &[CalibrationPoint]) -> String {
    let mut o = open("calibration: observed against predicted churn");
    let plot = Plot::new(70.0, 24.0, 16.0, 62.0);
    let px = |v: f64| plot.x0 + v.clamp(0.0, 1.0) * plot.w;
    let py = |v: f64| plot.y0 + plot.h - v.clamp(0.0, 1.0) * plot.h;
    y_axis(&mut o, plot, 1.0, 0.2, &|v| format!("{:.0}%", 100.0 * v));
    for i in 0..=5 {
        let v = f64::from(i) / 5.0;
        o.push_str(&text(
            px(v),
            plot.y0 + plot.h + 14.0,
            "middle",
            "font-size=\"10\"",
            &format!("{:.0}%", 100.0 * v),
        ));
    }
    let _ = write!(
        o,
        "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#8a96a3\" stroke-dasharray=\"5 4\"><title>perfect calibration</title></line>",
        px(0.0),
        py(0.0),
        px(1.0),
        py(1.0)
    );
    let mut sorted: Vec<&CalibrationPoint> = points.iter().collect();
    sorted.sort_by(|a, b| a.predicted.total_cmp(&b.predicted));
    let path: Vec<String> = sorted
        .iter()
        .map(|p| format!("{:.1},{:.1}", px(p.predicted), py(p.observed)))
        .collect();
    if path.len() > 1 {
        let _ = write!(
            o,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#d95f02\" stroke-width=\"2\"/>",
            path.join(" ")
        );
    }
    let max_n = points.iter().map(|p| p.count).max().unwrap_or(1).max(1) as f64;
    for p in &sorted {
        let r = 3.0 + 6.0 * (p.count as f64 / max_n).sqrt();
        let _ = write!(
            o,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r:.1}\" fill=\"#d95f02\" fill-opacity=\"0.8\"><title>predicted {:.1}%, observed {:.1}%, {} customers</title></circle>",
            px(p.predicted),
            py(p.observed),
            100.0 * p.predicted,
            100.0 * p.observed,
            p.count
        );
    }
    axis_titles(
        &mut o,
        plot,
        "predicted churn probability",
        "observed churn rate",
    );
    o.push_str("</svg>");
    o
}

/// Equal-width histogram bins covering `[min, max]` of `values`, at most `n` of them, with a
/// round width (1, 2 or 5 times a power of ten) and edges on multiples of it, so that the bin
/// labels read 0, 200, 400, ... (empty for no values). Non-finite values are ignored.
pub fn histogram_bins(values: &[f64], n: usize) -> Vec<HistogramBin> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (Some(lo), Some(hi)) = (
        finite.iter().copied().reduce(f64::min),
        finite.iter().copied().reduce(f64::max),
    ) else {
        return Vec::new();
    };
    let n = n.max(1);
    let (width, start, count) = if hi > lo {
        let width = nice_step(hi - lo, n as f64);
        let start = (lo / width).floor() * width;
        // At most n + 1 bins when `start` lies below `lo`; `hi` goes into the last one.
        let count = (((hi - start) / width).ceil() as usize).clamp(1, n + 1);
        (width, start, count)
    } else {
        (1.0, lo, 1)
    };
    let mut bins: Vec<HistogramBin> = (0..count)
        .map(|i| HistogramBin {
            lo: start + i as f64 * width,
            hi: start + (i + 1) as f64 * width,
            count: 0,
        })
        .collect();
    for v in finite {
        let i = (((v - start) / width) as usize).min(count - 1);
        if let Some(b) = bins.get_mut(i) {
            b.count += 1;
        }
    }
    bins
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_multiples_within_one_range_share_their_y_ticks() {
        let labels: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let series = |values: Vec<f64>| Series {
            name: "g",
            color: "#000",
            dashed: false,
            values,
        };
        let (small, big) = (vec![1.0, 2.0, 3.0], vec![100.0, 250.0, 40.0]);
        let range = value_range(small.iter().chain(&big).copied());
        assert_eq!(range, (0.0, 250.0));
        // The y tick labels: the text elements right-aligned before the plot.
        let ticks = |svg: &str| -> Vec<String> {
            (svg.split("<text")
                .filter(|t| t.contains("text-anchor=\"end\"")))
            .filter_map(|t| Some(t.split('>').nth(1)?.split('<').next()?.to_string()))
            .collect()
        };
        let a = lines_within(&[series(small.clone())], &labels, "x", "y", None, range);
        let b = lines_within(&[series(big)], &labels, "x", "y", None, range);
        assert!(!ticks(&a).is_empty());
        assert_eq!(ticks(&a), ticks(&b));
        // On its own, the small chart has a smaller scale.
        assert_ne!(
            ticks(&lines(&[series(small)], &labels, "x", "y", None)),
            ticks(&a)
        );
    }

    #[test]
    fn empty_rfm_cells_are_drawn_and_explained() {
        let cell = |r, f, customers| RfmGridCell {
            r,
            f,
            customers,
            segment: "Champions".into(),
        };
        let svg = rfm_grid(&[cell(1, 1, 5), cell(2, 2, 3), cell(2, 1, 0)], 2);
        // Four cells in a 2 x 2 grid: two filled, two (one absent, one with 0) dashed.
        assert_eq!(svg.matches("stroke-dasharray=\"3 3\"").count(), 2);
        assert!(svg.contains("R=1 F=2: no customer has this combination"));
        assert!(svg.contains("R=2 F=1: no customer"));
    }

    #[test]
    fn ticks_and_numbers() {
        assert_eq!(nice_step(100.0, 5.0), 20.0);
        assert_eq!(nice_step(7.0, 5.0), 2.0);
        assert_eq!(nice_step(0.0, 5.0), 1.0);
        assert_eq!(short(1234.0), "1.2k");
        assert_eq!(short(2000.0), "2k");
        assert_eq!(short(12.0), "12");
        assert_eq!(short(0.25), "0.25");
        assert_eq!(esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(sequential(0.0), "#f0f9ff");
        assert_eq!(sequential(1.0), "#08306b");
        assert_eq!(segment_color("Champions"), "#1b7837");
        assert_eq!(segment_color("At Risk"), "#d6604d");
        assert_eq!(text_on("#ffffff"), "#10202c");
        assert_eq!(text_on("#1b7837"), "#ffffff");
    }

    /// Every segment of every preset map has its own colour in the RFM grid and its legend.
    #[test]
    fn preset_segments_have_distinct_colours() {
        for preset in ["default", "with-lost", "tiers"] {
            let map = crm_rfm::SegmentMap::preset(preset).unwrap();
            let seg = map.compile(5).unwrap();
            let names = seg.names();
            let mut colours: Vec<&str> = names.iter().map(|n| segment_color(n)).collect();
            colours.sort_unstable();
            colours.dedup();
            assert_eq!(colours.len(), names.len(), "{preset}: {names:?}");
        }
    }

    #[test]
    fn histogram() {
        let b = histogram_bins(&[0.0, 1.0, 2.0, 3.0, 4.0, f64::NAN], 2);
        assert_eq!(b.iter().map(|b| b.count).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!((b[0].lo, b[1].hi), (0.0, 4.0));
        // Round edges: 20 bins over 3.7 .. 3,791 are 200 wide from 0.
        let b = histogram_bins(&[3.7, 150.0, 1999.0, 3791.0], 20);
        let edges: Vec<f64> = b.iter().map(|b| b.lo).collect();
        assert_eq!(edges.len(), 19);
        assert!(
            edges
                .iter()
                .enumerate()
                .all(|(i, e)| *e == 200.0 * i as f64),
            "{edges:?}"
        );
        assert_eq!(b.iter().map(|b| b.count).sum::<u64>(), 4);
        assert_eq!((b[0].count, b[9].count, b[18].count), (2, 1, 1));
        assert!(histogram_bins(&[], 3).is_empty());
        assert_eq!(histogram_bins(&[5.0, 5.0], 3)[0].count, 2);
    }
}
