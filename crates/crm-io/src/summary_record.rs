//! One customer's purchase summary (x, t_x, T, mean spend, weight) as read from a summary file
//! or summarised from transactions: the row type the count and spend models take.

/// One row of a summary file.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRecord {
    /// Customer id (or the 1-based row number when the file has no id column).
    pub id: String,
    /// Line in the file.
    pub line: u64,
    /// Repeat purchases, a whole number >= 0.
    pub x: u32,
    /// Recency (0 when not read).
    pub t_x: f64,
    /// Age (0 when not read).
    pub t: f64,
    /// Mean repeat transaction value, when the column exists.
    pub zbar: Option<f64>,
    /// Weight (>= 0; 1 without a weights column).
    pub weight: f64,
}
