//! Parsers of single cells: dates (ISO, compact or a strftime format) and money amounts.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use crm_model::rust_decimal::Decimal;

/// Parses dates with a fixed format or the default ISO / compact forms.
#[derive(Debug, Clone)]
pub struct DateParser {
    format: Option<String>,
}

impl DateParser {
    /// A parser for `format` (`None`: ISO `YYYY-MM-DD[ T]HH:MM[:SS]` or `YYYYMMDD`).
    pub fn new(format: Option<String>) -> Self {
        DateParser { format }
    }

    /// Parses a date (and optional time of day).
    pub fn parse(&self, text: &str) -> Result<(NaiveDate, Option<NaiveTime>), String> {
        let t = text.trim();
        if let Some(f) = &self.format {
            if let Ok(d) = NaiveDate::parse_from_str(t, f) {
                return Ok((d, None));
            }
            return NaiveDateTime::parse_from_str(t, f)
                .map(|dt| (dt.date(), Some(dt.time())))
                .map_err(|_| format!("cannot parse {t:?} as a date with format {f:?}"));
        }
        let bad = || {
            format!(
                "cannot parse {t:?} as a date (expected YYYY-MM-DD or YYYYMMDD; use --date-format for others)"
            )
        };
        if t.len() > 10 && t.is_char_boundary(10) {
            let (d, rest) = t.split_at(10);
            let d = NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| bad())?;
            let rest = rest.trim_start_matches(['T', ' ']);
            let time = NaiveTime::parse_from_str(rest, "%H:%M:%S%.f")
                .or_else(|_| NaiveTime::parse_from_str(rest, "%H:%M"))
                .map_err(|_| bad())?;
            return Ok((d, Some(time)));
        }
        let fmt = if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
            "%Y%m%d"
        } else {
            "%Y-%m-%d"
        };
        NaiveDate::parse_from_str(t, fmt)
            .map(|d| (d, None))
            .map_err(|_| bad())
    }
}

/// Parses a money amount.
pub fn parse_amount(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("amount is empty".into());
    }
    t.parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(t))
        .map_err(|_| format!("cannot parse {t:?} as an amount"))
}
