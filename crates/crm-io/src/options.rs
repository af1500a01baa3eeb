//! Options of the readers: plain structs with defaults, no command-line types.

/// Field separator of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delimiter {
    /// Comma (spaces after commas are tolerated).
    #[default]
    Comma,
    /// Tab.
    Tab,
    /// Semicolon.
    Semicolon,
    /// Runs of spaces or tabs (e.g. the CDNOW files).
    Whitespace,
}

impl crm_model::Named for Delimiter {
    const CHOICES: &'static [crm_model::Choice<Self>] = &[
        crm_model::Choice::new(
            "comma",
            Delimiter::Comma,
            "Comma (spaces after commas are tolerated).",
        ),
        crm_model::Choice::new("tab", Delimiter::Tab, "Tab."),
        crm_model::Choice::new("semicolon", Delimiter::Semicolon, "Semicolon."),
        crm_model::Choice::new(
            "whitespace",
            Delimiter::Whitespace,
            "Runs of spaces or tabs (e.g. the CDNOW files).",
        ),
    ];
}

impl Delimiter {
    /// The separator byte; `None` for [`Delimiter::Whitespace`].
    pub fn byte(self) -> Option<u8> {
        match self {
            Delimiter::Comma => Some(b','),
            Delimiter::Tab => Some(b'\t'),
            Delimiter::Semicolon => Some(b';'),
            Delimiter::Whitespace => None,
        }
    }
}

/// Text encoding of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// UTF-8; a leading byte-order mark is skipped.
    #[default]
    Utf8,
    /// GB18030, the superset of GBK and GB2312 (Chinese CRM exports from Excel).
    Gbk,
}

impl crm_model::Named for Encoding {
    const CHOICES: &'static [crm_model::Choice<Self>] = &[
        crm_model::Choice::new(
            "utf-8",
            Encoding::Utf8,
            "UTF-8 (a leading byte-order mark is skipped).",
        )
        .aliases(&["utf8"]),
        crm_model::Choice::new(
            "gbk",
            Encoding::Gbk,
            "GB18030, the superset of GBK and GB2312 (Chinese exports, e.g. from Excel).",
        )
        .aliases(&["gb18030"]),
    ];
}

/// How a delimited file is read: shared by every reader.
///
/// ```
/// use crm_analytics::io::{Delimiter, ReadOptions};
/// let o = ReadOptions { delimiter: Delimiter::Semicolon, skip_invalid: true, ..ReadOptions::default() };
/// assert!(o.has_header);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadOptions {
    /// Field separator (default comma).
    pub delimiter: Delimiter,
    /// The first row names the columns (default `true`). Without a header, columns are named by
    /// 1-based position ("1", "2", ...).
    pub has_header: bool,
    /// Skip malformed rows instead of stopping at the first; each skip is counted with its reason
    /// in the reader's [`Skipped`](crate::Skipped) report (default `false`).
    pub skip_invalid: bool,
    /// Text encoding (default UTF-8).
    pub encoding: Encoding,
    /// Amounts use a decimal comma (`1.234,50`): `.` then separates thousands (default `false`).
    pub decimal_comma: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            delimiter: Delimiter::Comma,
            has_header: true,
            skip_invalid: false,
            encoding: Encoding::Utf8,
            decimal_comma: false,
        }
    }
}

/// Column names of a transaction file.
///
/// ```
/// use crm_analytics::io::TransactionColumns;
/// let c = TransactionColumns::default();
/// assert_eq!((c.customer.as_str(), c.date.as_str(), c.amount.as_deref()), ("customer_id", "date", Some("amount")));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TransactionColumns {
    /// Column holding the customer id (default `customer_id`).
    pub customer: String,
    /// Column holding the purchase date (default `date`): `YYYY-MM-DD` or `YYYYMMDD` unless
    /// [`date_format`](Self::date_format) is given; a time after the date, as in
    /// `2024-05-01T10:30:00`, is accepted.
    pub date: String,
    /// Column holding the amount, a negative amount being a return (default `amount`).
    /// `None`: the file has no amounts (count models need none); every transaction then has
    /// amount zero and [`LoadedTransactions::has_amounts`](crate::LoadedTransactions) is `false`.
    pub amount: Option<String>,
    /// When `true` and the file has no [`amount`](Self::amount) column, the file is read as if
    /// `amount` were `None` instead of failing (default `false`).
    pub amount_optional: bool,
    /// chrono strftime format of the date column, e.g. `%d/%m/%Y` (default: ISO or compact).
    pub date_format: Option<String>,
}

impl Default for TransactionColumns {
    fn default() -> Self {
        TransactionColumns {
            customer: "customer_id".into(),
            date: "date".into(),
            amount: Some("amount".into()),
            amount_optional: false,
            date_format: None,
        }
    }
}
