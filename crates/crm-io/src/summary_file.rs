//! Reading per-customer purchase-summary files (x, t_x, T, mean spend, weight), the input of
//! the customer-base models when they are not summarised from transactions.

use std::path::Path;

use crate::error::{IoError, IoResult};
use crate::options::ReadOptions;
use crate::rows::Skipped;
use crate::summary_record::SummaryRecord;
use crate::table::Table;

/// Column names of a summary file. Each name falls back to common alternatives when the file
/// has no such column: `x` to `frequency`; `t_x` to `recency`; `T` to `age`, `periods`; `zbar`
/// to `monetary`, `monetary_value`; `weights` to `weight`, `count`; `customer_id` to `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryColumns {
    /// Repeat purchases (default `x`).
    pub x: String,
    /// Recency (default `t_x`).
    pub t_x: String,
    /// Age (default `T`).
    pub t: String,
    /// Mean repeat transaction value (default `zbar`).
    pub zbar: String,
    /// Optional weights (default `weights`); weight 1 when absent.
    pub weights: String,
    /// Optional customer id (default `customer_id`); the row number when absent.
    pub id: String,
}

impl Default for SummaryColumns {
    fn default() -> Self {
        SummaryColumns {
            x: "x".into(),
            t_x: "t_x".into(),
            t: "T".into(),
            zbar: "zbar".into(),
            weights: "weights".into(),
            id: "customer_id".into(),
        }
    }
}

/// Which columns a caller needs from a summary file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SummaryNeeds {
    /// t_x and T are required (purchase models); otherwise they are not read and are 0.
    pub history: bool,
    /// The mean spend is required (spend models); otherwise it is read when present.
    pub zbar: bool,
}

/// The rows of a summary file and the rows skipped under `skip_invalid`.
pub type SummaryFile = (Vec<SummaryRecord>, Skipped);

fn find(table: &Table, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| table.column(n).ok())
}

/// Reads a summary file: every number finite, x a whole number >= 0, weights >= 0. When
/// `needs.history`, each (x, t_x, T) also satisfies the history invariants of
/// [`crm_model::check_history`] (`0 <= t_x <= T`, `t_x = 0` when `x = 0`), an error naming the
/// column at fault otherwise; a failing row is an error, or skipped and counted with
/// `opts.skip_invalid`.
///
/// ```
/// use crm_analytics::io::{read_summary_file, ReadOptions, SummaryColumns, SummaryNeeds};
/// let path = std::env::temp_dir().join(format!("crm-io-summary-{}.csv", std::process::id()));
/// std::fs::write(&path, "id,frequency,recency,T\nc1,2,30.5,38\nc2,0,0,38\n")?;
/// let needs = SummaryNeeds { history: true, zbar: false };
/// let (rows, skipped) = read_summary_file(&path, &SummaryColumns::default(), &ReadOptions::default(), needs)?;
/// assert_eq!((rows.len(), skipped.count), (2, 0));
/// assert_eq!((rows[0].id.as_str(), rows[0].x, rows[0].t_x, rows[0].t, rows[0].weight), ("c1", 2, 30.5, 38.0, 1.0));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// A required column is missing (line 1, naming the alternatives tried); a value does not parse
/// or is out of range (file, line, column).
pub fn read_summary_file(
    path: &Path,
    cols: &SummaryColumns,
    opts: &ReadOptions,
    needs: SummaryNeeds,
) -> IoResult<SummaryFile> {
    let mut table = Table::open(path, opts)?;
    let req = |names: &[&str], what: &str| {
        find(&table, names).ok_or_else(|| {
            IoError::input(
                path,
                Some(1),
                Some(names[0]),
                format!(
                    "no {what} column (tried {}); name it with a flag",
                    names.join(", ")
                ),
            )
        })
    };
    let xi = req(&[&cols.x, "frequency"], "repeat-purchase")?;
    let (txi, ti) = if needs.history {
        (
            Some(req(&[&cols.t_x, "recency"], "recency")?),
            Some(req(&[&cols.t, "age", "periods"], "age")?),
        )
    } else {
        (None, None)
    };
    let zbar_names = [cols.zbar.as_str(), "monetary", "monetary_value"];
    let zi = if needs.zbar {
        Some(req(&zbar_names, "zbar")?)
    } else {
        find(&table, &zbar_names)
    };
    let wi = find(&table, &[&cols.weights, "weight", "count"]);
    let ii = find(&table, &[&cols.id, "id"]);
    let mut rows = Vec::new();
    let mut n = 0u64;
    let skipped = table.for_each_record(|row| {
        n += 1;
        let err = |col: &str, msg: String| IoError::input(path, Some(row.line), Some(col), msg);
        let num = |i: usize, col: &str| -> IoResult<f64> {
            let s = row.get(i);
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| err(col, format!("cannot parse {s:?} as a finite number")))
        };
        let xs = row.get(xi);
        let xf = num(xi, &cols.x)?;
        if xf < 0.0 || xf.fract() != 0.0 || xf > f64::from(u32::MAX) {
            return Err(err(&cols.x, format!("{xs:?} is not a whole number >= 0")));
        }
        let x = xf as u32;
        let t_x = txi.map(|i| num(i, &cols.t_x)).transpose()?.unwrap_or(0.0);
        let t = ti.map(|i| num(i, &cols.t)).transpose()?.unwrap_or(0.0);
        if needs.history {
            crm_model::check_history(x, t_x, t).map_err(|e| {
                let col = match &e {
                    crm_model::ModelError::InvalidHistory { field: "T", .. } => &cols.t,
                    _ => &cols.t_x,
                };
                err(col, e.to_string())
            })?;
        }
        let zbar = zi.map(|i| num(i, &cols.zbar)).transpose()?;
        let weight = wi
            .map(|i| num(i, &cols.weights))
            .transpose()?
            .unwrap_or(1.0);
        if weight < 0.0 {
            return Err(err(&cols.weights, format!("weight {weight} is negative")));
        }
        let id = ii.map_or_else(|| n.to_string(), |i| row.get(i).to_string());
        rows.push(SummaryRecord {
            id,
            line: row.line,
            x,
            t_x,
            t,
            zbar,
            weight,
        });
        Ok(())
    })?;
    Ok((rows, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, needs: SummaryNeeds, skip: bool) -> IoResult<SummaryFile> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.csv");
        std::fs::write(&p, text).unwrap();
        let opts = ReadOptions {
            skip_invalid: skip,
            ..ReadOptions::default()
        };
        read_summary_file(&p, &SummaryColumns::default(), &opts, needs)
    }

    const HISTORY: SummaryNeeds = SummaryNeeds {
        history: true,
        zbar: false,
    };

    #[test]
    fn reads_columns_and_fallbacks() {
        let (rows, _) = read(
            "customer_id,x,t_x,T,monetary,count\na,1,2,3,9.5,4\nb,0,0,3,0,1\n",
            HISTORY,
            false,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].id.as_str(), rows[0].zbar, rows[0].weight),
            ("a", Some(9.5), 4.0)
        );
    }

    #[test]
    fn weights_zbar_and_row_numbers() {
        let (rows, _) = read(
            "frequency,recency,age,monetary,weight\n1,2,3,9.5,4\n0,0,3,7,1\n",
            HISTORY,
            false,
        )
        .unwrap();
        assert_eq!(rows[0].id, "1");
        assert_eq!(rows[1].id, "2");
        assert_eq!(rows[0].zbar, Some(9.5));
        assert_eq!(rows[0].weight, 4.0);
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = read("x,t_x,T\n1,5,3\n", HISTORY, false).unwrap_err();
        assert!(
            e.to_string()
                .contains("column t_x: t_x = 5: recency exceeds the age T"),
            "{e}"
        );
        assert!(e.to_string().contains("t_x"), "{e}");
        let e = read("x,t_x,T\n1.5,1,3\n", HISTORY, false).unwrap_err();
        assert!(
            e.to_string().contains("\"1.5\" is not a whole number >= 0"),
            "{e}"
        );
        let e = read("x,t_x\n1,1\n", HISTORY, false).unwrap_err();
        assert!(
            e.to_string()
                .contains("no age column (tried T, age, periods)"),
            "{e}"
        );
        let e = read(
            "x\n1\n",
            SummaryNeeds {
                history: false,
                zbar: true,
            },
            false,
        )
        .unwrap_err();
        assert!(e.to_string().contains("no zbar column"), "{e}");
        let e = read("x,weights\n1,-2\n", SummaryNeeds::default(), false).unwrap_err();
        assert!(e.to_string().contains("weight -2 is negative"), "{e}");
    }

    #[test]
    fn skip_invalid_counts_failed_checks() {
        let (rows, skipped) = read("x,t_x,T\n1,5,3\n1,2,3\nz,1,1\n", HISTORY, true).unwrap();
        assert_eq!((rows.len(), skipped.count), (1, 2));
    }

    #[test]
    fn without_history_t_x_and_t_are_zero() {
        let (rows, _) = read("x,zbar\n3,10\n", SummaryNeeds::default(), false).unwrap();
        assert_eq!(
            (rows[0].t_x, rows[0].t, rows[0].zbar),
            (0.0, 0.0, Some(10.0))
        );
    }
}
