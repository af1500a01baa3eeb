//! Phonetic codes used as blocking keys and as a comparison level of names: American Soundex
//! (the default) or Double Metaphone, chosen with [`PhoneticCode`].
//!
//! A phonetic code maps names that sound alike to the same short code, so that blocking on the
//! code pairs `Smith` with `Smyth`, and a comparison can grade two different spellings of one
//! name as a partial match. Chinese names use their pinyin instead, whichever code is chosen
//! (see [`crate::prepare::phonetic_key_with`]).
//!
//! ```text
//! pair                      Soundex            Double Metaphone (primary/alternate)
//! Smith / Smyth             S530 = S530        SM0/XMT = SM0/XMT         both agree
//! Smith / Schmidt           S530 ≠ S253        SM0/XMT ~ XMT/SMT         only DM agrees (XMT)
//! Catherine / Kathryn       C365 ≠ K365        K0RN/KTRN = K0RN/KTRN     only DM agrees
//! Philips / Fillips         P412 ≠ F412        FLPS = FLPS               only DM agrees
//! Robert / Rupert           R163 = R163        RPRT = RPRT               both agree
//! ```
//!
//! **When to choose which.** Soundex (default) keeps the first letter and codes the next three
//! consonant classes: cheap, predictable, and it never pairs names with different initials.
//! Double Metaphone codes English pronunciation rules (silent letters, `ph` = `f`, `sch`, `c`
//! before `e`/`i`, Germanic, Slavic, Italian, Spanish and Chinese-pinyin spellings) and gives a
//! second, alternate code where a spelling has two common pronunciations; two names agree when
//! any code of one equals any code of the other. It finds more true pairs among English and
//! European names spelled differently (Catherine / Kathryn) at the price of more candidate pairs
//! and some false agreements between short names.

use serde::{Deserialize, Serialize};

use crate::error::{DedupError, Result};

/// American Soundex code of the ASCII letters of `s` (letter + 3 digits), or `None` when `s` has
/// no ASCII letter.
///
/// ```text
/// b f p v -> 1   c g j k q s x z -> 2   d t -> 3   l -> 4   m n -> 5   r -> 6
/// vowels, h, w, y are not coded; h and w do not separate equal codes; pad with 0 to 4 characters
/// ```
///
/// ```
/// use crm_analytics::dedup::phonetic::soundex;
/// assert_eq!(soundex("Robert").as_deref(), Some("R163"));
/// assert_eq!(soundex("Rupert").as_deref(), Some("R163"));
/// assert_eq!(soundex("Ashcraft").as_deref(), Some("A261"));
/// assert_eq!(soundex("Tymczak").as_deref(), Some("T522"));
/// assert_eq!(soundex("张三"), None);
/// ```
///
/// Reference: R. C. Russell and M. K. Odell, US patent 1,261,167 (1918); the US National Archives'
/// "Soundex indexing system".
pub fn soundex(s: &str) -> Option<String> {
    fn code(c: u8) -> u8 {
        match c {
            b'b' | b'f' | b'p' | b'v' => b'1',
            b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => b'2',
            b'd' | b't' => b'3',
            b'l' => b'4',
            b'm' | b'n' => b'5',
            b'r' => b'6',
            b'h' | b'w' => b'h',
            _ => b'0',
        }
    }
    let mut letters = s
        .bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|b| b.to_ascii_lowercase());
    let first = letters.next()?;
    let mut out = String::with_capacity(4);
    out.push(first.to_ascii_uppercase() as char);
    let mut last = code(first);
    for c in letters {
        let d = code(c);
        if d == b'h' {
            continue;
        }
        if d != b'0' && d != last {
            out.push(d as char);
            if out.len() == 4 {
                break;
            }
        }
        last = d;
    }
    while out.len() < 4 {
        out.push('0');
    }
    Some(out)
}

/// Which phonetic code names get (blocking keys and the `partial` comparison level).
///
/// Chinese names (any CJK character) are keyed by pinyin under either variant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneticCode {
    /// American Soundex ([`soundex`]), one code per token. The default.
    #[default]
    Soundex,
    /// Double Metaphone ([`double_metaphone`]), a primary and an alternate code per token; two
    /// keys agree when any of their codes are equal ([`codes_agree`]).
    DoubleMetaphone,
}

impl PhoneticCode {
    /// All variants, default first.
    pub const ALL: [PhoneticCode; 2] = [PhoneticCode::Soundex, PhoneticCode::DoubleMetaphone];

    /// The configuration name (`soundex`, `double_metaphone`).
    pub fn as_str(self) -> &'static str {
        match self {
            PhoneticCode::Soundex => "soundex",
            PhoneticCode::DoubleMetaphone => "double_metaphone",
        }
    }

    /// Parses a configuration name (case-insensitive; `-` and `_` interchangeable; `dmetaphone`
    /// and `metaphone` are accepted for Double Metaphone).
    ///
    /// ```
    /// use crm_analytics::dedup::phonetic::PhoneticCode;
    /// assert_eq!(PhoneticCode::parse("double-metaphone").unwrap(), PhoneticCode::DoubleMetaphone);
    /// assert_eq!(PhoneticCode::parse("Soundex").unwrap(), PhoneticCode::Soundex);
    /// assert!(PhoneticCode::parse("nysiis").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<PhoneticCode> {
        let t = s.trim().to_ascii_lowercase().replace('-', "_");
        match t.as_str() {
            "soundex" => Ok(PhoneticCode::Soundex),
            "double_metaphone" | "doublemetaphone" | "dmetaphone" | "metaphone" => {
                Ok(PhoneticCode::DoubleMetaphone)
            }
            _ => Err(DedupError::InvalidParameter {
                name: "phonetic",
                reason: format!(
                    "unknown phonetic code {s:?}; expected one of {}",
                    PhoneticCode::ALL.map(PhoneticCode::as_str).join(", ")
                ),
            }),
        }
    }
}

/// The primary and alternate Double Metaphone codes of a word.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DoubleMetaphoneCode {
    /// The primary code (the most common English pronunciation).
    pub primary: String,
    /// The alternate code (equal to the primary when the spelling has one pronunciation).
    pub alternate: String,
}

/// Maximum length of a Double Metaphone code, as in Philips' reference implementation and the
/// Apache commons-codec default (what Splink's `dmetaphone` uses).
pub const DOUBLE_METAPHONE_MAX_LEN: usize = 4;

/// Double Metaphone codes (at most [`DOUBLE_METAPHONE_MAX_LEN`] characters each) of the letters
/// of `s`, or `None` when `s` has no Latin letter. Accents are removed first (`José` is coded as
/// `Jose`) and every character that is not an ASCII letter is dropped, so a multi-word string is
/// coded as one word; split names into tokens before calling.
///
/// ```text
/// 0 = "th"   X = "sh"/"ch"   J = "j"/"zh"   K = "k"/"c"/"q"   A = an initial vowel   ...
/// ```
///
/// ```
/// use crm_analytics::dedup::phonetic::double_metaphone;
/// let c = double_metaphone("Smith").unwrap();
/// assert_eq!((c.primary.as_str(), c.alternate.as_str()), ("SM0", "XMT"));
/// let c = double_metaphone("Schmidt").unwrap();
/// assert_eq!((c.primary.as_str(), c.alternate.as_str()), ("XMT", "SMT"));
/// assert_eq!(double_metaphone("Thomson").unwrap().primary, "TMSN");
/// assert_eq!(double_metaphone("张三"), None);
/// ```
///
/// Implemented with the `rphonetic` crate (a port of Apache commons-codec's `DoubleMetaphone`).
///
/// Reference: L. Philips, "The double metaphone search algorithm", C/C++ Users Journal 18(6),
/// June 2000.
pub fn double_metaphone(s: &str) -> Option<DoubleMetaphoneCode> {
    // Only ASCII letters reach the encoder: it slices its input by byte offsets, and dropping
    // everything else also keeps codes independent of punctuation and digits.
    let letters: String = if s.is_ascii() {
        s.chars().filter(char::is_ascii_alphabetic).collect()
    } else {
        use unicode_normalization::UnicodeNormalization;
        s.nfd().filter(char::is_ascii_alphabetic).collect()
    };
    if letters.is_empty() {
        return None;
    }
    let r =
        rphonetic::DoubleMetaphone::new(Some(DOUBLE_METAPHONE_MAX_LEN)).double_metaphone(&letters);
    let (primary, alternate) = (r.primary(), r.alternate());
    if primary.is_empty() && alternate.is_empty() {
        return None;
    }
    Some(DoubleMetaphoneCode { primary, alternate })
}

/// Separator between the alternative codes of one phonetic key (`"SM0|XMT"`). Soundex and pinyin
/// keys never contain it, so they hold a single alternative.
pub const ALTERNATIVE_SEPARATOR: char = '|';

/// Whether a phonetic key holds several alternatives (contains [`ALTERNATIVE_SEPARATOR`]).
pub fn has_alternatives(key: &str) -> bool {
    key.contains(ALTERNATIVE_SEPARATOR)
}

/// Whether two phonetic keys agree: some alternative of `a` (split at
/// [`ALTERNATIVE_SEPARATOR`]) equals some alternative of `b`. Keys with one alternative (Soundex,
/// pinyin) agree exactly when they are equal; empty keys never agree.
///
/// ```
/// use crm_analytics::dedup::phonetic::codes_agree;
/// assert!(codes_agree("SM0|XMT", "XMT|SMT")); // Smith ~ Schmidt
/// assert!(codes_agree("S530", "S530"));
/// assert!(!codes_agree("S530", "S253"));
/// assert!(!codes_agree("", ""));
/// ```
#[inline]
pub fn codes_agree(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    let sep = ALTERNATIVE_SEPARATOR as u8;
    if !a.as_bytes().contains(&sep) && !b.as_bytes().contains(&sep) {
        return false;
    }
    any_alternative_agrees(a, b)
}

#[cold]
fn any_alternative_agrees(a: &str, b: &str) -> bool {
    a.split(ALTERNATIVE_SEPARATOR)
        .filter(|x| !x.is_empty())
        .any(|x| b.split(ALTERNATIVE_SEPARATOR).any(|y| x == y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dm(s: &str) -> (String, String) {
        let c = double_metaphone(s).unwrap();
        (c.primary, c.alternate)
    }

    /// Codes from Apache commons-codec's `DoubleMetaphoneTest`, plus names cross-checked against
    /// an independent port of Philips' C++ code (the Python `metaphone` package, cut to 4).
    #[test]
    fn double_metaphone_commons_codec_cases() {
        let cases = [
            ("Smith", "SM0", "XMT"),
            ("Schmidt", "XMT", "SMT"),
            // "TMSN" is Thomson's code; Thompson keeps its P (TMPSN, cut to 4)
            ("Thomson", "TMSN", "TMSN"),
            ("Thompson", "TMPS", "TMPS"),
            ("testing", "TSTN", "TSTN"),
            ("The", "0", "T"),
            ("quick", "KK", "KK"),
            ("jumped", "JMPT", "AMPT"),
            ("MacCafferey", "MKFR", "MKFR"),
            ("Stephan", "STFN", "STFN"),
            ("McClelland", "MKLL", "MKLL"),
            ("xenophobia", "SNFP", "SNFP"),
            ("Czerny", "SRN", "XRN"),
            ("Kuczewski", "KSSK", "KXFS"),
        ];
        for (name, p, a) in cases {
            assert_eq!(dm(name), (p.to_string(), a.to_string()), "{name}");
        }
    }

    #[test]
    fn double_metaphone_pairs_soundex_misses() {
        for (x, y) in [
            ("Catherine", "Kathryn"),
            ("Philips", "Fillips"),
            ("Brian", "Bryan"),
            ("Steven", "Stefan"),
            ("Geoff", "Jeff"),
        ] {
            let (a, b) = (dm(x), dm(y));
            let (ka, kb) = (format!("{}|{}", a.0, a.1), format!("{}|{}", b.0, b.1));
            assert!(codes_agree(&ka, &kb), "{x} {ka} vs {y} {kb}");
        }
        // Smith / Schmidt: both codes agree (S530; SM0|XMT ~ XMT|SMT)
        assert_eq!(soundex("Smith"), soundex("Schmidt"));
        assert!(codes_agree("SM0|XMT", "XMT|SMT"));
        assert_ne!(soundex("Catherine"), soundex("Kathryn"));
        assert_ne!(soundex("Philips"), soundex("Fillips"));
        // accents folded, non-letters dropped, no Latin letter -> None
        assert_eq!(dm("José"), dm("Jose"));
        assert_eq!(dm("o'brien"), dm("obrien"));
        assert_eq!(double_metaphone("123 -"), None);
        assert_eq!(double_metaphone(""), None);
    }

    #[test]
    fn phonetic_code_names_round_trip() {
        for c in PhoneticCode::ALL {
            assert_eq!(PhoneticCode::parse(c.as_str()).unwrap(), c);
        }
        assert_eq!(PhoneticCode::default(), PhoneticCode::Soundex);
    }

    proptest! {
        #[test]
        fn double_metaphone_total_and_bounded(s in "\\PC{0,16}") {
            if let Some(c) = double_metaphone(&s) {
                prop_assert!(c.primary.len() <= DOUBLE_METAPHONE_MAX_LEN);
                prop_assert!(c.alternate.len() <= DOUBLE_METAPHONE_MAX_LEN);
                prop_assert!(!c.primary.contains(ALTERNATIVE_SEPARATOR));
            }
        }

        #[test]
        fn codes_agree_symmetric(a in "[A-Z0|]{0,9}", b in "[A-Z0|]{0,9}") {
            prop_assert_eq!(codes_agree(&a, &b), codes_agree(&b, &a));
        }
    }

    #[test]
    fn classic_examples() {
        assert_eq!(soundex("Pfister").as_deref(), Some("P236"));
        assert_eq!(soundex("Honeyman").as_deref(), Some("H555"));
        assert_eq!(soundex("Lee").as_deref(), Some("L000"));
        assert_eq!(soundex("").as_deref(), None);
    }
}
