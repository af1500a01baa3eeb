//! Field comparators and their grading into agreement levels.
//!
//! Each comparator returns a similarity in `[0, 1]` (1 = identical); [`level`] grades a pair of
//! normalised values into a [`Level`] with thresholds chosen per [`FieldKind`]:
//!
//! ```text
//! kind                 exact        close                                  partial                         far
//! name/given/surname   equal        JW >= 0.92, reordered tokens,          JW >= 0.80, a phonetic code     otherwise
//!                                   same pinyin                            agrees, initial matches a name
//! email                equal        same local part before +tag,           same local part (other domain)  otherwise
//!                                   Damerau-Levenshtein <= 1
//! phone                equal        same last 8 digits, DL <= 1            same last 6 digits              otherwise
//! company              equal        JW >= 0.92 or token Jaccard >= 0.8     token Jaccard >= 0.5            otherwise
//! address / text       equal        token-set >= 0.8, or Dice >= 0.6 and   bigram Dice >= 0.6              otherwise
//!                                   Lev-sim >= 0.85
//! postcode             equal        DL <= 1                                -                               otherwise
//! city / state         equal        JW >= 0.90                             -                               otherwise
//! date                 equal        day and month swapped, DL <= 1         |difference| <= 365 days        otherwise
//! exact                equal        DL <= 1 (a typo)                       -                               otherwise
//! missing: either value empty (weight 0)
//! ```
//! (JW = Jaro-Winkler similarity, DL = Damerau-Levenshtein distance.)
//!
//! Reference: Christen, *Data Matching* (Springer, 2012), ch. 5; Winkler (1990), "String
//! comparator metrics and enhanced decision rules in the Fellegi-Sunter model of record linkage".

use serde::{Deserialize, Serialize};

use crate::normalize::is_cjk;
use crate::phonetic::{codes_agree, has_alternatives};
use crate::schema::FieldKind;

/// Agreement level of one field of a pair, from full agreement to disagreement, or missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Identical normalised values.
    Exact = 0,
    /// Nearly the same (a typo, a swap, a reordering).
    Close = 1,
    /// Some similarity.
    Partial = 2,
    /// Different values (disagreement).
    Far = 3,
    /// At least one value is missing: no evidence either way (weight 0).
    Missing = 4,
}

/// Number of non-missing levels (the length of each field's m and u vectors).
pub const LEVELS: usize = 4;

impl Level {
    /// From the index `0..=4`.
    pub fn from_index(i: u8) -> Level {
        match i {
            0 => Level::Exact,
            1 => Level::Close,
            2 => Level::Partial,
            3 => Level::Far,
            _ => Level::Missing,
        }
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Exact => "exact",
            Level::Close => "close",
            Level::Partial => "partial",
            Level::Far => "far",
            Level::Missing => "missing",
        }
    }
}

/// Exact comparison: 1 when equal, else 0.
pub fn exact(a: &str, b: &str) -> f64 {
    if a == b { 1.0 } else { 0.0 }
}

/// Normalised Levenshtein similarity `1 - lev(a, b) / max(len a, len b)` (characters); 1 for two
/// empty strings.
///
/// ```
/// use crm_analytics::dedup::compare::levenshtein;
/// assert!((levenshtein("kitten", "sitting") - (1.0 - 3.0 / 7.0)).abs() < 1e-12);
/// ```
pub fn levenshtein(a: &str, b: &str) -> f64 {
    strsim::normalized_levenshtein(a, b)
}

/// Normalised Damerau-Levenshtein similarity (a transposition of neighbours costs 1).
///
/// ```
/// use crm_analytics::dedup::compare::damerau_levenshtein;
/// assert!((damerau_levenshtein("1234", "1243") - 0.75).abs() < 1e-12);
/// ```
pub fn damerau_levenshtein(a: &str, b: &str) -> f64 {
    strsim::normalized_damerau_levenshtein(a, b)
}

/// Damerau-Levenshtein distance in characters (optimal string alignment is not used: the
/// unrestricted distance of `strsim`).
pub fn damerau_distance(a: &str, b: &str) -> usize {
    strsim::damerau_levenshtein(a, b)
}

/// True when `a` and `b` differ by at most one edit: one substitution, insertion or deletion of
/// a character, or one transposition of neighbouring characters (linear time, no allocation for
/// ASCII).
///
/// ```
/// use crm_analytics::dedup::compare::within_one_edit;
/// assert!(within_one_edit("2602", "2620"));
/// assert!(within_one_edit("smith", "smth"));
/// assert!(!within_one_edit("2602", "2066"));
/// ```
pub fn within_one_edit(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        one_edit(a.as_bytes(), b.as_bytes())
    } else {
        let x: Vec<char> = a.chars().collect();
        let y: Vec<char> = b.chars().collect();
        one_edit(&x, &y)
    }
}

fn one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if p == la && p == lb {
        return true;
    }
    let s = a[p..]
        .iter()
        .rev()
        .zip(b[p..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ra, rb) = (la - p - s, lb - p - s);
    match (ra, rb) {
        (1, 1) | (1, 0) | (0, 1) => true,
        (2, 2) => a[p] == b[p + 1] && a[p + 1] == b[p],
        _ => false,
    }
}

/// Jaro-Winkler similarity (prefix scale 0.1, up to 4 characters).
///
/// ```
/// use crm_analytics::dedup::compare::jaro_winkler;
/// assert!((jaro_winkler("martha", "marhta") - 0.9611).abs() < 1e-4);
/// ```
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    strsim::jaro_winkler(a, b)
}

/// Jaccard similarity of the sets of whitespace-separated tokens: `|A ∩ B| / |A ∪ B|`; 1 for
/// two empty strings.
///
/// ```
/// use crm_analytics::dedup::compare::token_jaccard;
/// assert!((token_jaccard("12 main street", "main street 12") - 1.0).abs() < 1e-12);
/// assert!((token_jaccard("a b", "b c") - 1.0 / 3.0).abs() < 1e-12);
/// ```
pub fn token_jaccard(a: &str, b: &str) -> f64 {
    let (na, nb, inter) = token_overlap(a, b);
    if na == 0 && nb == 0 {
        return 1.0;
    }
    inter as f64 / (na + nb - inter) as f64
}

/// Distinct token counts of `a` and `b` and the size of their intersection. Linear scans: names
/// and addresses have a handful of tokens, so this beats sorting.
fn token_overlap(a: &str, b: &str) -> (usize, usize, usize) {
    fn distinct(s: &str) -> Vec<&str> {
        let mut v: Vec<&str> = Vec::new();
        for t in s.split_whitespace() {
            if !v.contains(&t) {
                v.push(t);
            }
        }
        v
    }
    let (ta, tb) = (distinct(a), distinct(b));
    let inter = ta.iter().filter(|t| tb.contains(t)).count();
    (ta.len(), tb.len(), inter)
}

/// Token-set similarity: the share of the smaller token set found in the larger,
/// `|A ∩ B| / min(|A|, |B|)` (so an added token such as a unit number still scores 1).
pub fn token_set(a: &str, b: &str) -> f64 {
    let (na, nb, inter) = token_overlap(a, b);
    let small = na.min(nb);
    if small == 0 {
        return if na == nb { 1.0 } else { 0.0 };
    }
    inter as f64 / small as f64
}

/// q-gram (Dice) similarity: `2 |G(a) ∩ G(b)| / (|G(a)| + |G(b)|)` over the multisets of
/// character q-grams (without padding); strings shorter than q are compared exactly.
///
/// ```
/// use crm_analytics::dedup::compare::qgram;
/// // bigrams of "night": ni ig gh ht; of "nacht": na ac ch ht -> 1 shared
/// assert!((qgram("night", "nacht", 2) - 0.25).abs() < 1e-12);
/// ```
pub fn qgram(a: &str, b: &str, q: usize) -> f64 {
    let q = q.max(1);
    if q == 2 && a.is_ascii() && b.is_ascii() && a.len() <= 64 && b.len() <= 64 {
        // no allocation: bigrams of short ASCII strings as u16 on the stack
        if a.len() < 2 || b.len() < 2 {
            return exact(a, b);
        }
        let fill = |s: &[u8], out: &mut [u16; 63]| {
            for (k, w) in s.windows(2).enumerate() {
                out[k] = (u16::from(w[0]) << 8) | u16::from(w[1]);
            }
            s.len() - 1
        };
        let (mut ga, mut gb) = ([0u16; 63], [0u16; 63]);
        let na = fill(a.as_bytes(), &mut ga);
        let nb = fill(b.as_bytes(), &mut gb);
        ga[..na].sort_unstable();
        gb[..nb].sort_unstable();
        return dice(&ga[..na], &gb[..nb]);
    }
    if q <= 2 {
        // pack each gram into a u64 and sort integers (fast path for bigrams)
        let grams = |s: &str| -> Vec<u64> {
            let c: Vec<u32> = s.chars().map(u32::from).collect();
            if q == 1 {
                c.iter().map(|&x| u64::from(x)).collect()
            } else {
                c.windows(2)
                    .map(|w| (u64::from(w[0]) << 32) | u64::from(w[1]))
                    .collect()
            }
        };
        let (mut ga, mut gb) = (grams(a), grams(b));
        if ga.is_empty() || gb.is_empty() {
            return exact(a, b);
        }
        ga.sort_unstable();
        gb.sort_unstable();
        return dice(&ga, &gb);
    }
    let ca: Vec<char> = a.chars().collect();
    let cb: Vec<char> = b.chars().collect();
    if ca.len() < q || cb.len() < q {
        return exact(a, b);
    }
    let mut ga: Vec<&[char]> = ca.windows(q).collect();
    let mut gb: Vec<&[char]> = cb.windows(q).collect();
    ga.sort_unstable();
    gb.sort_unstable();
    dice(&ga, &gb)
}

fn dice<T: Ord>(ga: &[T], gb: &[T]) -> f64 {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < ga.len() && j < gb.len() {
        match ga[i].cmp(&gb[j]) {
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    2.0 * shared as f64 / (ga.len() + gb.len()) as f64
}

/// Numeric closeness: `max(0, 1 - |a - b| / tolerance)`; `None` when either is not a number or
/// the tolerance is not positive.
///
/// ```
/// use crm_analytics::dedup::compare::numeric_closeness;
/// assert_eq!(numeric_closeness("100", "90", 20.0), Some(0.5));
/// assert_eq!(numeric_closeness("x", "90", 20.0), None);
/// ```
pub fn numeric_closeness(a: &str, b: &str, tolerance: f64) -> Option<f64> {
    let x: f64 = a.trim().parse().ok()?;
    let y: f64 = b.trim().parse().ok()?;
    if tolerance.is_nan() || tolerance <= 0.0 || !x.is_finite() || !y.is_finite() {
        return None;
    }
    Some((1.0 - (x - y).abs() / tolerance).max(0.0))
}

/// Dates as `YYYYMMDD` (see [`crate::normalize::date`]) compared: `Exact`, `Close` when day and
/// month are swapped or one digit differs or two neighbours are transposed, `Partial` when both
/// are valid dates at most 365 days apart, else `Far`.
///
/// ```
/// use crm_analytics::dedup::compare::{date_level, Level};
/// assert_eq!(date_level("19900203", "19900302"), Level::Close); // swapped day/month
/// assert_eq!(date_level("19900203", "19900213"), Level::Close); // one digit
/// assert_eq!(date_level("19900203", "19901120"), Level::Partial);
/// assert_eq!(date_level("19900203", "19700101"), Level::Far);
/// ```
pub fn date_level(a: &str, b: &str) -> Level {
    if a.is_empty() || b.is_empty() {
        return Level::Missing;
    }
    if a == b {
        return Level::Exact;
    }
    if a.len() == 8
        && b.len() == 8
        && a.is_ascii()
        && b.is_ascii()
        && a[..4] == b[..4]
        && a[4..6] == b[6..8]
        && a[6..8] == b[4..6]
    {
        return Level::Close;
    }
    if within_one_edit(a, b) {
        return Level::Close;
    }
    let parse = |s: &str| {
        if s.len() != 8 || !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let n = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
        crm_model::chrono::NaiveDate::from_ymd_opt(n(0..4)? as i32, n(4..6)?, n(6..8)?)
    };
    if let (Some(x), Some(y)) = (parse(a), parse(b)) {
        if (x - y).num_days().abs() <= 365 {
            return Level::Partial;
        }
    }
    Level::Far
}

fn sorted_tokens(s: &str) -> String {
    let mut t: Vec<&str> = s.split_whitespace().collect();
    t.sort_unstable();
    t.join(" ")
}

/// Whether two phonetic keys agree; `alternatives` says whether either may hold several
/// (`|`-separated) codes, so that single-code keys (Soundex, pinyin) pay only an equality test.
#[inline]
fn keys_agree(pa: &str, pb: &str, alternatives: bool) -> bool {
    if alternatives {
        codes_agree(pa, pb)
    } else {
        !pa.is_empty() && pa == pb
    }
}

fn name_level(a: &str, b: &str, pa: &str, pb: &str, full: bool, alternatives: bool) -> Level {
    let jw = jaro_winkler(a, b);
    if jw >= 0.92 {
        return Level::Close;
    }
    if full && sorted_tokens(a) == sorted_tokens(b) {
        return Level::Close;
    }
    let cjk = a.chars().any(is_cjk) || b.chars().any(is_cjk);
    if cjk && keys_agree(pa, pb, alternatives) {
        // same pinyin: 张三 vs zhang san, or a homophone
        return Level::Close;
    }
    if jw >= 0.80 || keys_agree(pa, pb, alternatives) {
        return Level::Partial;
    }
    // initials: "j smith" vs "john smith", "j" vs "john"
    let ta: Vec<&str> = a.split_whitespace().collect();
    let tb: Vec<&str> = b.split_whitespace().collect();
    if !ta.is_empty() && ta.len() == tb.len() && !cjk {
        let compatible = ta.iter().zip(&tb).all(|(x, y)| {
            x == y
                || (x.chars().count() == 1 && y.starts_with(*x))
                || (y.chars().count() == 1 && x.starts_with(*y))
        });
        if compatible {
            return Level::Partial;
        }
    }
    if full && token_jaccard(a, b) >= 0.5 {
        return Level::Partial;
    }
    Level::Far
}

/// Grades two normalised values of a field of kind `kind`. `pa` and `pb` are the values' phonetic
/// keys (Soundex, Double Metaphone or pinyin, see [`crate::prepare::phonetic_key_with`]; empty
/// when the kind has none); they agree when any of their `|`-separated alternatives agree
/// ([`codes_agree`]). See the module table for thresholds.
///
/// ```
/// use crm_analytics::dedup::compare::{level, Level};
/// use crm_analytics::dedup::schema::FieldKind;
/// assert_eq!(level(FieldKind::Surname, "smith", "smith", "", ""), Level::Exact);
/// assert_eq!(level(FieldKind::Surname, "smith", "smiht", "", ""), Level::Close);
/// assert_eq!(level(FieldKind::Name, "john smith", "smith john", "", ""), Level::Close);
/// assert_eq!(level(FieldKind::Phone, "+8613812345678", "", "", ""), Level::Missing);
/// ```
pub fn level(kind: FieldKind, a: &str, b: &str, pa: &str, pb: &str) -> Level {
    let alternatives = matches!(
        kind,
        FieldKind::Name | FieldKind::GivenName | FieldKind::Surname
    ) && (has_alternatives(pa) || has_alternatives(pb));
    level_with(kind, a, b, pa, pb, alternatives)
}

/// [`level`] for callers that know whether the phonetic keys may hold several alternatives
/// (`alternatives = false` promises that neither `pa` nor `pb` contains `|`; the keys are then
/// compared for equality only). Used per field by [`crate::model::field_level`].
pub fn level_with(
    kind: FieldKind,
    a: &str,
    b: &str,
    pa: &str,
    pb: &str,
    alternatives: bool,
) -> Level {
    if a.is_empty() || b.is_empty() {
        return Level::Missing;
    }
    if a == b {
        return Level::Exact;
    }
    match kind {
        FieldKind::Name => name_level(a, b, pa, pb, true, alternatives),
        FieldKind::GivenName | FieldKind::Surname => name_level(a, b, pa, pb, false, alternatives),
        FieldKind::Email => {
            let (la, da) = a.split_once('@').unwrap_or((a, ""));
            let (lb, db) = b.split_once('@').unwrap_or((b, ""));
            fn base(l: &str) -> impl Iterator<Item = char> + '_ {
                let l = l.split('+').next().unwrap_or(l);
                l.chars().filter(|&c| c != '.')
            }
            let same_base = base(la).eq(base(lb));
            if (same_base && da == db) || within_one_edit(a, b) {
                Level::Close
            } else if la == lb || same_base {
                Level::Partial
            } else {
                Level::Far
            }
        }
        FieldKind::Phone => {
            // normalised phones are "+" and digits: compare the last k digits from the end
            fn digits(s: &str) -> impl Iterator<Item = u8> + '_ {
                s.bytes().rev().filter(u8::is_ascii_digit)
            }
            let tail = |k: usize| {
                digits(a).count() >= k
                    && digits(b).count() >= k
                    && digits(a).take(k).eq(digits(b).take(k))
            };
            if tail(8) || within_one_edit(a, b) {
                Level::Close
            } else if tail(6) {
                Level::Partial
            } else {
                Level::Far
            }
        }
        FieldKind::Company => {
            let tj = token_jaccard(a, b);
            if jaro_winkler(a, b) >= 0.92 || tj >= 0.8 {
                Level::Close
            } else if tj >= 0.5 || qgram(a, b, 2) >= 0.6 {
                Level::Partial
            } else {
                Level::Far
            }
        }
        FieldKind::Address | FieldKind::Text => {
            if token_set(a, b) >= 0.8 {
                return Level::Close;
            }
            // Levenshtein (quadratic) only when the bigram Dice already shows similarity.
            if qgram(a, b, 2) < 0.6 {
                Level::Far
            } else if levenshtein(a, b) >= 0.85 {
                Level::Close
            } else {
                Level::Partial
            }
        }
        FieldKind::Postcode | FieldKind::Exact => {
            if within_one_edit(a, b) {
                Level::Close
            } else {
                Level::Far
            }
        }
        FieldKind::City | FieldKind::State => {
            if jaro_winkler(a, b) >= 0.90 {
                Level::Close
            } else {
                Level::Far
            }
        }
        FieldKind::Date => date_level(a, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn levels_by_kind() {
        use FieldKind as K;
        assert_eq!(
            level(K::Email, "js@x.com", "js+crm@x.com", "", ""),
            Level::Close
        );
        assert_eq!(
            level(K::Email, "js@x.com", "js@other.org", "", ""),
            Level::Partial
        );
        assert_eq!(level(K::Email, "js@x.com", "ab@y.com", "", ""), Level::Far);
        assert_eq!(
            level(K::Phone, "+8613812345678", "13812345678", "", ""),
            Level::Close
        );
        assert_eq!(
            level(K::Phone, "+8613812345678", "+8613900000000", "", ""),
            Level::Far
        );
        assert_eq!(level(K::Postcode, "2602", "2620", "", ""), Level::Close);
        assert_eq!(level(K::Exact, "123", "999", "", ""), Level::Far);
        assert_eq!(level(K::GivenName, "j", "john", "", ""), Level::Partial);
        assert_eq!(
            level(K::Name, "张三", "张叁", "zhangsan", "zhangsan"),
            Level::Close
        );
        assert_eq!(
            level(K::Company, "acme widgets", "acme widget", "", ""),
            Level::Close
        );
        assert_eq!(
            level(K::Address, "5 main street", "main street 5", "", ""),
            Level::Close
        );
    }

    #[test]
    fn token_set_and_qgram() {
        assert_eq!(token_set("", ""), 1.0);
        assert_eq!(token_set("a", ""), 0.0);
        assert_eq!(qgram("ab", "ab", 3), 1.0);
        assert_eq!(qgram("abc", "abc", 2), 1.0);
    }

    proptest! {
        #[test]
        fn similarities_bounded_and_symmetric(a in "\\PC{0,12}", b in "\\PC{0,12}") {
            for f in [levenshtein, damerau_levenshtein, jaro_winkler, token_jaccard, token_set] {
                let x = f(&a, &b);
                prop_assert!((0.0..=1.0).contains(&x));
                prop_assert!((x - f(&b, &a)).abs() < 1e-12);
            }
            let q = qgram(&a, &b, 2);
            prop_assert!((0.0..=1.0).contains(&q));
            for k in FieldKind::ALL {
                prop_assert_eq!(level(k, &a, &b, "", ""), level(k, &b, &a, "", ""));
                if !a.is_empty() {
                    prop_assert_eq!(level(k, &a, &a, "", ""), Level::Exact);
                }
            }
        }
    }
}
