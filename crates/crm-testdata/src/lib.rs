//! Test-only helpers shared by the workspace's reference tests (not published).
//!
//! Reference data lives outside the repository, in `$CRM_SHARED_DATA` (default: `../shared/data`
//! beside the workspace root). When a file is missing, [`shared_file`] fails the test if the `CI`
//! environment variable is set, and otherwise prints a clear skip note and returns `None`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use crm_model::chrono::NaiveDate;
use crm_model::rust_decimal::Decimal;
use crm_model::{CustomerInterner, Transaction};

/// The reference data directory.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("CRM_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

/// Path of a reference file (relative to the data directory), or `None` with a skip note.
///
/// # Panics
/// When the file is missing and `CI` is set: a reference test must not pass by skipping in CI.
pub fn shared_file(rel: &str) -> Option<PathBuf> {
    let p = shared_dir().join(rel);
    if p.is_file() {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "reference data {} is missing (set CRM_SHARED_DATA to the shared data directory)",
            p.display()
        );
    }
    eprintln!(
        "SKIPPED: reference data {} not found; set CRM_SHARED_DATA to run this test",
        p.display()
    );
    None
}

/// One line of a CDNOW file.
#[derive(Debug, Clone)]
pub struct CdnowRow {
    /// Customer id in the master file.
    pub master_id: String,
    /// Customer id in the 1/10 sample (the papers' `ID`), sample file only.
    pub sample_id: Option<String>,
    /// Purchase date.
    pub date: NaiveDate,
    /// Number of CDs.
    pub cds: u32,
    /// Dollar value.
    pub dollars: Decimal,
}

/// Parses `CDNOW_master.txt` (header line, 4 columns) or `CDNOW_sample.txt` (5 columns).
pub fn read_cdnow(path: &std::path::Path) -> Vec<CdnowRow> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() || f[0] == "customer_id" {
            continue;
        }
        let (master, sample, rest) = match f.len() {
            4 => (f[0], None, &f[1..]),
            5 => (f[0], Some(f[1]), &f[2..]),
            n => panic!("unexpected {n} fields in {line:?}"),
        };
        out.push(CdnowRow {
            master_id: master.to_string(),
            sample_id: sample.map(str::to_string),
            date: NaiveDate::parse_from_str(rest[0], "%Y%m%d").unwrap(),
            cds: rest[1].parse().unwrap(),
            dollars: rest[2].parse().unwrap(),
        });
    }
    out
}

/// CDNOW rows as transactions keyed by the sample id (sample file) or master id.
pub fn cdnow_transactions(rows: &[CdnowRow]) -> (Vec<Transaction>, CustomerInterner) {
    let mut ids = CustomerInterner::new();
    let tx = rows
        .iter()
        .map(|r| {
            let id = r.sample_id.as_deref().unwrap_or(&r.master_id);
            // Ids such as "0001" keep their text; compare them numerically via trim.
            let k = ids.intern(id.trim_start_matches('0')).unwrap();
            Transaction::purchase(k, r.date, r.dollars).unwrap()
        })
        .collect();
    (tx, ids)
}

/// One row of `cdnow_customers_summary_with_transactions.csv`.
#[derive(Debug, Clone, Copy)]
pub struct CdnowSummaryRow {
    /// Sample id.
    pub id: u64,
    /// Repeat transactions.
    pub x: u32,
    /// Recency in weeks.
    pub t_x: f64,
    /// Age in weeks.
    pub t: f64,
    /// Mean repeat transaction value.
    pub zbar: f64,
}

/// Parses the published CDNOW calibration summary.
pub fn read_cdnow_summary(path: &std::path::Path) -> Vec<CdnowSummaryRow> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').map(str::trim).collect();
            CdnowSummaryRow {
                id: f[0].parse().unwrap(),
                x: f[1].parse().unwrap(),
                t_x: f[2].parse().unwrap(),
                t: f[3].parse().unwrap(),
                zbar: f[4].parse().unwrap(),
            }
        })
        .collect()
}
