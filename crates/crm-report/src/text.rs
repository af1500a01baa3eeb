//! Plain-text building blocks of the text rendering: aligned tables and compact numbers.

/// Renders rows as an aligned text table (numbers right-aligned).
///
/// ```
/// let t = crm_analytics::report::text::table(&["segment", "n"], &[vec!["Champions".into(), "12".into()]]);
/// assert_eq!(t, "segment    n\n---------  --\nChampions  12\n");
/// ```
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = width.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let numeric = |s: &str| s.parse::<f64>().is_ok();
    let mut out = String::new();
    let line = |cells: &[String], out: &mut String| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let w = width.get(i).copied().unwrap_or(0);
                let pad = w.saturating_sub(c.chars().count());
                if numeric(c) {
                    format!("{}{c}", " ".repeat(pad))
                } else {
                    format!("{c}{}", " ".repeat(pad))
                }
            })
            .collect();
        out.push_str(parts.join("  ").trim_end());
        out.push('\n');
    };
    line(
        &header.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
        &mut out,
    );
    out.push_str(
        &width
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  "),
    );
    out.push('\n');
    for r in rows {
        line(r, &mut out);
    }
    out
}

/// Formats an `f64` compactly (up to `digits` decimals, trailing zeros removed). A value that
/// rounds to zero prints as `0`, never `-0` (also with `digits == 0`: `num(-0.0, 0)` and
/// `num(-0.4, 0)` are `"0"`).
pub fn num(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let s = format!("{x:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s.as_str()
    };
    if s == "-0" { "0".into() } else { s.into() }
}

#[cfg(test)]
mod num_tests {
    use super::num;

    #[test]
    fn no_negative_zero() {
        for d in [0, 1, 2, 4] {
            assert_eq!(num(-0.0, d), "0");
            assert_eq!(num(-0.000_01, d), "0");
        }
        assert_eq!(num(-0.4, 0), "0");
        assert_eq!(num(-0.6, 0), "-1");
        assert_eq!(num(-1.25, 1), "-1.2");
        assert_eq!(num(3.0, 0), "3");
    }
}
