//! Parsers of single cells: dates (ISO, compact or a strftime format) and money amounts
//! (currency symbols, thousands separators, decimal point or comma).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use crm_model::rust_decimal::Decimal;

use crate::options::ReadOptions;

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

/// How amounts are written: the decimal mark (and so the thousands separators).
///
/// Derived from [`ReadOptions`] ([`ReadOptions::decimal_comma`]); passed to [`parse_amount`].
///
/// ```
/// use crm_analytics::io::{AmountFormat, ReadOptions, parse_amount};
/// let point = AmountFormat::default();
/// assert_eq!(parse_amount("$1,234.50", point)?.to_string(), "1234.50");
/// assert!(parse_amount("12,50", point).is_err());
/// let comma = AmountFormat::from(&ReadOptions { decimal_comma: true, ..ReadOptions::default() });
/// assert_eq!(parse_amount("1.234,50 €", comma)?.to_string(), "1234.50");
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AmountFormat {
    /// `,` is the decimal mark and `.`, a space, U+00A0 or U+202F separate thousands
    /// (`1.234,50`, `1 234,50`); `false` (default): `.` is the decimal mark and `,` separates
    /// thousands (`1,234.50`).
    pub decimal_comma: bool,
}

impl From<&ReadOptions> for AmountFormat {
    fn from(o: &ReadOptions) -> Self {
        AmountFormat {
            decimal_comma: o.decimal_comma,
        }
    }
}

impl AmountFormat {
    /// The decimal mark.
    pub fn decimal_mark(self) -> char {
        if self.decimal_comma { ',' } else { '.' }
    }

    fn is_group_separator(self, c: char) -> bool {
        if self.decimal_comma {
            matches!(c, '.' | ' ' | '\u{a0}' | '\u{202f}')
        } else {
            c == ','
        }
    }
}

/// Currency symbols accepted before or after an amount (one at most).
const CURRENCY_SYMBOLS: &[char] = &[
    '$', '€', '£', '¥', '￥', '₹', '₩', '₽', '₺', '₪', '₫', '₱', '₴', '₦', '฿', '¢', '¤',
];

/// Parses a money amount: `12.50`, `-3`, `+1.5`, `.5`, `1e3`, and with a currency symbol and
/// thousands separators `¥1,234.50`, `$1,234.50`, `£-3.20`, `-£3.20`; with
/// [`AmountFormat::decimal_comma`], `€1.234,50`, `1.234,50 €`, `1 234,50`.
///
/// Strict, so that nothing is misread:
/// - one currency symbol at most, at the start (after or before an optional sign) or at the end,
///   spaces allowed between it and the number;
/// - thousands separators only between groups of exactly three digits (the first group 1 to 3
///   digits, not starting with 0), one kind of separator per amount, none in the fraction and
///   none with an exponent: `1,23.4`, `0,500`, `1,234,5` are errors;
/// - with a decimal point, `12,50` is an error (a comma only separates thousands); with a decimal
///   comma, `12.50` is an error (a point only separates thousands);
/// - `_` is not a digit separator: `1_000` is an error.
///
/// # Errors
/// The message names the text and what is wrong with it.
pub fn parse_amount(text: &str, format: AmountFormat) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("amount is empty".into());
    }
    let bad = |why: &str| format!("cannot parse {t:?} as an amount: {why}");
    let (negative, number) = strip_sign_and_symbol(t).map_err(bad)?;
    let plain = normalise(number, format).map_err(|w| bad(&w))?;
    let plain = if negative { format!("-{plain}") } else { plain };
    plain
        .parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&plain))
        .map_err(|_| format!("cannot parse {t:?} as an amount"))
}

/// Splits off the sign and the currency symbol: `(negative, the number)`.
fn strip_sign_and_symbol(t: &str) -> Result<(bool, &str), &'static str> {
    let mut s = t;
    let mut sign: Option<bool> = None;
    let mut symbol = false;
    let take_sign = |s: &mut &str, sign: &mut Option<bool>| {
        if let Some(r) = s.strip_prefix('-') {
            *s = r;
            *sign = Some(true);
        } else if let Some(r) = s.strip_prefix('+') {
            *s = r;
            *sign = Some(false);
        }
    };
    take_sign(&mut s, &mut sign);
    if let Some(r) = s.strip_prefix(CURRENCY_SYMBOLS) {
        symbol = true;
        s = r.trim_start();
        if sign.is_none() {
            take_sign(&mut s, &mut sign);
        }
    } else if let Some(r) = s.strip_suffix(CURRENCY_SYMBOLS) {
        symbol = true;
        s = r.trim_end();
    }
    if s.contains(CURRENCY_SYMBOLS) {
        return Err(if symbol {
            "more than one currency symbol"
        } else {
            "a currency symbol goes at the start or the end"
        });
    }
    if s.starts_with(['-', '+']) {
        return Err("more than one sign");
    }
    if s.is_empty() {
        return Err("no digits");
    }
    Ok((sign == Some(true), s))
}

/// The number `n` (no sign, no symbol) in plain form: digits, `.` as the decimal mark, the
/// exponent kept (`1.5e3`), thousands separators checked and removed.
fn normalise(n: &str, f: AmountFormat) -> Result<String, String> {
    let mark = f.decimal_mark();
    let (mantissa, exponent) = match n.find(['e', 'E']) {
        Some(i) => (&n[..i], Some(&n[i..])),
        None => (n, None),
    };
    if let Some(e) = exponent {
        let digits = e[1..].strip_prefix(['+', '-']).unwrap_or(&e[1..]);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("the exponent is not a whole number".into());
        }
    }
    let (int, frac) = match mantissa.split_once(mark) {
        Some((i, fr)) => (i, Some(fr)),
        None => (mantissa, None),
    };
    if let Some(fr) = frac {
        if let Some(c) = fr.chars().find(|c| !c.is_ascii_digit()) {
            return Err(if c == mark {
                format!("more than one decimal mark {mark:?}")
            } else if f.is_group_separator(c) {
                format!("{c:?} after the decimal mark {mark:?}")
            } else {
                format!("unexpected {c:?}")
            });
        }
    }
    let mut digits = String::with_capacity(mantissa.len() + 4);
    match int.chars().find(|c| !c.is_ascii_digit()) {
        None => digits.push_str(int),
        Some(sep) if f.is_group_separator(sep) => {
            if exponent.is_some() {
                return Err("thousands separators with an exponent".into());
            }
            let hint = if f.decimal_comma {
                " (with --decimal-comma, ',' is the decimal mark and '.' separates thousands)"
            } else {
                " (',' separates thousands in groups of three digits; for a decimal comma use \
                 --decimal-comma)"
            };
            for (i, group) in int.split(sep).enumerate() {
                let ok = group.bytes().all(|b| b.is_ascii_digit())
                    && if i == 0 {
                        (1..=3).contains(&group.len()) && !group.starts_with('0')
                    } else {
                        group.len() == 3
                    };
                if !ok {
                    return Err(format!(
                        "{sep:?} is not a thousands separator between groups of three digits{hint}"
                    ));
                }
                digits.push_str(group);
            }
        }
        Some('_') => return Err("'_' is not a digit separator".into()),
        Some(c) => return Err(format!("unexpected {c:?}")),
    }
    if let Some(fr) = frac {
        digits.push('.');
        digits.push_str(fr);
    }
    if let Some(e) = exponent {
        digits.push_str(e);
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fastcsv::fast_amount;
    use proptest::prelude::*;

    const POINT: AmountFormat = AmountFormat {
        decimal_comma: false,
    };
    const COMMA: AmountFormat = AmountFormat {
        decimal_comma: true,
    };

    fn ok(text: &str, f: AmountFormat) -> String {
        match parse_amount(text, f) {
            Ok(d) => d.to_string(),
            Err(e) => panic!("{text:?}: {e}"),
        }
    }

    #[test]
    fn plain_forms_read_as_before() {
        for (t, want) in [
            ("12.50", "12.50"),
            (" 12.50 ", "12.50"),
            ("-3", "-3"),
            ("+1.5", "1.5"),
            (".5", "0.5"),
            ("-.5", "-0.5"),
            ("1e3", "1000"),
            ("1.5E2", "150"),
            ("0.000", "0.000"),
            ("123456789012345678.9", "123456789012345678.9"),
            ("1234567890123456789", "1234567890123456789"),
        ] {
            let old = t.trim();
            let old = old
                .parse::<Decimal>()
                .or_else(|_| Decimal::from_scientific(old))
                .unwrap();
            assert_eq!(ok(t, POINT), old.to_string(), "{t}");
            assert_eq!(ok(t, POINT), want, "{t}");
        }
        // With a decimal comma, forms without a decimal mark read the same.
        for t in ["-3", "1234", "1e3", "+7"] {
            assert_eq!(ok(t, COMMA), ok(t, POINT), "{t}");
        }
    }

    #[test]
    fn currency_symbols_and_thousands_separators() {
        for (t, want) in [
            ("¥1,234.50", "1234.50"),
            ("￥1,234.50", "1234.50"),
            ("$1,234.50", "1234.50"),
            ("$ 1,234.50", "1234.50"),
            ("1,234.50 $", "1234.50"),
            ("£-3.20", "-3.20"),
            ("-£3.20", "-3.20"),
            ("+$3", "3"),
            ("1,234", "1234"),
            ("12,345,678", "12345678"),
            ("-1,000", "-1000"),
            ("€12", "12"),
            ("0.5", "0.5"),
        ] {
            assert_eq!(ok(t, POINT), want, "{t}");
        }
        for (t, want) in [
            ("€1.234,50", "1234.50"),
            ("1.234,50 €", "1234.50"),
            ("1.234,50€", "1234.50"),
            ("-1.234,50 €", "-1234.50"),
            ("€-1.234,50", "-1234.50"),
            ("1 234,50", "1234.50"),
            ("1\u{a0}234,50", "1234.50"),
            ("1\u{202f}234\u{202f}567,5", "1234567.5"),
            ("12,50", "12.50"),
            (",5", "0.5"),
            ("1.234", "1234"),
            ("£-3,20", "-3.20"),
        ] {
            assert_eq!(ok(t, COMMA), want, "{t}");
        }
    }

    #[test]
    fn ambiguous_or_malformed_amounts_are_errors() {
        for t in [
            "1_000",
            "12,50",
            "1,23.4",
            "1,2345",
            "1,234,5",
            ",123",
            "0,500",
            "1,234.5,0",
            "1.2.3",
            "1 234.50",
            "1.234,50",
            "$$1",
            "$1€",
            "1$2",
            "--1",
            "-+1",
            "-£-3",
            "$",
            "-",
            "NaN",
            "inf",
            "1,000e3",
            "1e",
            "1ex",
            "12 34",
            "１２",
        ] {
            assert!(
                parse_amount(t, POINT).is_err(),
                "{t:?} read as {:?}",
                parse_amount(t, POINT)
            );
        }
        for t in [
            "12.50",
            "1.23,4",
            "1.234.5",
            "1.234 567,5",
            "0.500",
            "1,2,3",
            "1,234.50",
            ".5",
            "1_000",
            "1.000e3",
        ] {
            assert!(
                parse_amount(t, COMMA).is_err(),
                "{t:?} read as {:?}",
                parse_amount(t, COMMA)
            );
        }
        let e = parse_amount("12,50", POINT).unwrap_err();
        assert!(e.contains("--decimal-comma"), "{e}");
        let e = parse_amount("1_000", POINT).unwrap_err();
        assert!(e.contains("'_'"), "{e}");
    }

    /// `d` written with `sep` between groups of three integer digits and `mark` as the decimal
    /// mark.
    fn grouped(d: Decimal, sep: char, mark: char) -> String {
        let s = d.abs().to_string();
        let (int, frac) = s
            .split_once('.')
            .map_or((&s[..], None), |(i, f)| (i, Some(f)));
        let mut out = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(sep);
            }
            out.push(c);
        }
        if let Some(f) = frac {
            out.push(mark);
            out.push_str(f);
        }
        if d.is_sign_negative() {
            format!("-{out}")
        } else {
            out
        }
    }

    proptest! {
        #[test]
        fn fast_and_generic_parsers_agree(neg: bool, int in 0u64..10_000_000_000, frac in proptest::option::of("[0-9]{1,8}")) {
            for (f, mark) in [(POINT, '.'), (COMMA, ',')] {
                let mut t = format!("{}{int}", if neg { "-" } else { "" });
                if let Some(fr) = &frac {
                    t.push(mark);
                    t.push_str(fr);
                }
                let fast = fast_amount(t.as_bytes(), f.decimal_comma);
                prop_assert!(fast.is_some(), "{}", t);
                prop_assert_eq!(fast, parse_amount(&t, f).ok(), "{}", t);
                prop_assert_eq!(fast.map(|d| d.to_string()), parse_amount(&t, f).ok().map(|d| d.to_string()));
            }
        }

        #[test]
        fn grouped_amounts_read_back(m in -10_000_000_000_000i64..10_000_000_000_000, scale in 0u32..5, sym in 0usize..3) {
            let d = Decimal::new(m, scale);
            let cases = [
                (POINT, grouped(d, ',', '.')),
                (COMMA, grouped(d, '.', ',')),
                (COMMA, grouped(d, ' ', ',')),
                (COMMA, grouped(d, '\u{a0}', ',')),
                (COMMA, grouped(d, '\u{202f}', ',')),
            ];
            for (f, t) in cases {
                let t = match sym {
                    0 => t,
                    1 => format!("€{t}"),
                    _ => format!("{t} ¥"),
                };
                prop_assert_eq!(parse_amount(&t, f), Ok(d), "{}", t);
            }
        }
    }
}
