//! Plain-text building blocks of the text rendering: aligned tables and compact numbers.

use crate::table::display_width;

/// Renders rows as an aligned text table (numbers right-aligned).
///
/// ```
/// let t = crm_analytics::report::text::table(&["segment", "n"], &[vec!["Champions".into(), "12".into()]]);
/// assert_eq!(t, "segment    n\n---------  --\nChampions  12\n");
/// // CJK text takes two terminal columns per character: the columns still line up.
/// let t = crm_analytics::report::text::table(&["name", "n"], &[vec!["王博".into(), "1".into()], vec!["Ann".into(), "2".into()]]);
/// assert_eq!(t, "name  n\n----  -\n王博  1\nAnn   2\n");
/// ```
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut width: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = width.get_mut(i) {
                *w = (*w).max(display_width(c));
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
                let pad = w.saturating_sub(display_width(c));
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

/// A table of text cells under a header, rendered as an aligned table ([`TextTable::aligned`])
/// or as CSV ([`TextTable::write_csv`]).
///
/// ```
/// use crm_analytics::report::text::TextTable;
/// let t = TextTable {
///     header: vec!["name".into(), "n".into()],
///     rows: vec![vec!["Smith, John".into(), "2".into()]],
/// };
/// assert_eq!(t.csv(), "name,n\n\"Smith, John\",2\n");
/// assert_eq!(t.aligned(), "name         n\n-----------  -\nSmith, John  2\n");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextTable {
    /// Column names.
    pub header: Vec<String>,
    /// Rows of cells (a row may be shorter than the header).
    pub rows: Vec<Vec<String>>,
}

impl TextTable {
    /// The aligned table (numbers right-aligned), as [`table`].
    #[must_use]
    pub fn aligned(&self) -> String {
        let header: Vec<&str> = self.header.iter().map(String::as_str).collect();
        table(&header, &self.rows)
    }

    /// Writes the table as CSV: a header line, then one line per row; a cell holding a comma,
    /// a quote, CR or LF is quoted (quotes doubled), as RFC 4180 has it.
    ///
    /// # Errors
    /// The writer's.
    pub fn write_csv(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let line = |w: &mut dyn std::io::Write, cells: &[String]| -> std::io::Result<()> {
            for (i, c) in cells.iter().enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                if c.contains([',', '"', '\n', '\r']) {
                    write!(w, "\"{}\"", c.replace('"', "\"\""))?;
                } else {
                    w.write_all(c.as_bytes())?;
                }
            }
            w.write_all(b"\n")
        };
        line(w, &self.header)?;
        self.rows.iter().try_for_each(|r| line(w, r))
    }

    /// [`TextTable::write_csv`] into a string.
    #[must_use]
    pub fn csv(&self) -> String {
        let mut out = Vec::new();
        // Writing to a Vec cannot fail; the cells are UTF-8.
        let _ = self.write_csv(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Result rows per drill-down group as an aligned table: the group columns `names` first,
/// holding each row's `keys`, then the fields of the row; fractional numbers are shown to 3
/// decimals (the JSON form keeps them whole).
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Figures { n: u64, score: f64 }
/// let names = ["region".to_string()];
/// let keys = [vec!["north".to_string()], vec!["south".to_string()]];
/// let rows = [Figures { n: 40, score: 12.34567 }, Figures { n: 7, score: -3.0 }];
/// let t = crm_analytics::report::text::grouped_table(&names, &keys, &rows)?;
/// assert_eq!(t.lines().nth(2).unwrap().split_whitespace().collect::<Vec<_>>(), ["north", "40", "12.346"]);
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// A row does not serialise as a flat record (`ErrorKind::InvalidData`).
pub fn grouped_table<T: serde::Serialize + Sync>(
    names: &[String],
    keys: &[Vec<String>],
    rows: &[T],
) -> std::io::Result<String> {
    let (header, cells) = crm_io::row_cells(rows)?;
    let header: Vec<&str> = names.iter().chain(&header).map(String::as_str).collect();
    let cell = |c: String| match c.parse::<f64>() {
        Ok(v) if c.contains('.') => num(v, 3),
        _ => c,
    };
    let body: Vec<Vec<String>> = (keys.iter().zip(cells))
        .map(|(k, c)| k.iter().cloned().chain(c.into_iter().map(cell)).collect())
        .collect();
    Ok(table(&header, &body))
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
