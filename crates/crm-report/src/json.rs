//! The JSON rendering: the report itself, serialised (a machine-readable report other tools can
//! consume; field names are those of [`crate::model`]).

use crate::model::Report;

/// The report as pretty-printed JSON, ending in a newline.
///
/// ```
/// let report = crm_analytics::report::model::Report::default();
/// let json = crm_analytics::report::json::render(&report);
/// let back: serde_json::Value = serde_json::from_str(&json)?;
/// assert!(back.get("kpis").is_some());
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn render(report: &Report) -> String {
    // A report holds only strings, numbers, dates and decimals: serialising it cannot fail.
    let mut s = serde_json::to_string_pretty(report).unwrap_or_default();
    s.push('\n');
    s
}
