//! Normalisers for contact data in English and Chinese.
//!
//! Every normaliser is idempotent (`f(f(x)) == f(x)`, checked by property tests) and never panics.
//! All start from [`text`]: Unicode NFKC (full-width letters and digits to half-width, the
//! ideographic space to a space, compatibility forms to their canonical letters), lower case, and
//! runs of whitespace collapsed to one space.

use unicode_normalization::UnicodeNormalization;

/// NFKC, lower case (Unicode case mapping), whitespace collapsed and trimmed.
///
/// ```
/// use crm_analytics::dedup::normalize::text;
/// assert_eq!(text("  ＡＢＣ　Ｄｅｆ  １２３ "), "abc def 123");
/// assert_eq!(text("Straße"), "straße");
/// ```
pub fn text(s: &str) -> String {
    let once = text_once(s);
    if once.is_ascii() {
        // ASCII lower-casing and whitespace folding are already idempotent
        return once;
    }
    // Lower-casing can (rarely) produce a string that NFKC changes again: iterate to a fixed point.
    let mut cur = once;
    for _ in 0..3 {
        let next = text_once(&cur);
        if next == cur {
            break;
        }
        cur = next;
    }
    cur
}

fn text_once(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    };
    if s.is_ascii() {
        for c in s.chars() {
            push(c.to_ascii_lowercase(), &mut out);
        }
    } else {
        for c in s.nfkc() {
            for l in c.to_lowercase() {
                push(l, &mut out);
            }
        }
    }
    out
}

/// Applies `f` until its output no longer changes (at most 8 rounds). The normalisers below
/// are written to reach their fixed point in one round; this guards the rare inputs where
/// removing one piece exposes another (a title behind a title, a combining mark meeting its
/// base letter once the punctuation between them is gone), so that every normaliser is
/// idempotent: `f(f(x)) == f(x)`.
fn fixed_point(s: &str, f: impl Fn(&str) -> String) -> String {
    let mut cur = f(s);
    for _ in 0..8 {
        let next = f(&cur);
        if next == cur {
            break;
        }
        cur = next;
    }
    cur
}

/// True for CJK ideographs (the characters of Chinese names and company names).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Replaces punctuation by spaces (keeping letters, digits, CJK and `@`-free text), then
/// collapses whitespace. Apostrophes and hyphens inside words are removed, not split on.
fn strip_punct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_alphanumeric() || c.is_whitespace() {
            out.push(c);
        } else if c == '\'' || c == '’' || c == '-' {
            // O'Brien -> obrien, Jean-Luc -> jeanluc
        } else {
            out.push(' ');
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Options of [`email`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct EmailOptions {
    /// Gmail folding: for `gmail.com` / `googlemail.com`, remove dots from the local part, drop a
    /// `+tag`, and use `gmail.com` (Gmail delivers all of these to one mailbox). Default: off.
    pub fold_gmail: bool,
}

/// Normalises an e-mail address: NFKC, trim, lower case, no spaces; `None` when it is not a
/// plausible address (exactly one `@`, a non-empty local part, a domain with a dot and no empty
/// label, only letters, digits and `.!#$%&'*+/=?^_`{|}~-` in the local part).
///
/// ```
/// use crm_analytics::dedup::normalize::{email, EmailOptions};
/// let fold = EmailOptions { fold_gmail: true };
/// assert_eq!(email(" John.Smith@Example.COM ", EmailOptions::default()).as_deref(), Some("john.smith@example.com"));
/// assert_eq!(email("j.o.h.n+crm@googlemail.com", fold).as_deref(), Some("john@gmail.com"));
/// assert_eq!(email("not an email", fold), None);
/// ```
pub fn email(s: &str, opts: EmailOptions) -> Option<String> {
    let mut cur = email_once(s, opts)?;
    for _ in 0..8 {
        match email_once(&cur, opts) {
            Some(next) if next != cur => cur = next,
            Some(_) => break,
            // a normalised form that is no longer a valid address: not a valid address
            None => return None,
        }
    }
    Some(cur)
}

fn email_once(s: &str, opts: EmailOptions) -> Option<String> {
    let t: String = text(s).chars().filter(|c| !c.is_whitespace()).collect();
    let (local, domain) = t.split_once('@')?;
    if local.is_empty() || domain.contains('@') || !domain.contains('.') {
        return None;
    }
    if domain.split('.').any(str::is_empty)
        || !domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
    {
        return None;
    }
    if !local
        .chars()
        .all(|c| c.is_alphanumeric() || "._!#$%&'*+/=?^`{|}~-".contains(c))
    {
        return None;
    }
    if opts.fold_gmail && (domain == "gmail.com" || domain == "googlemail.com") {
        let base = local.split('+').next().unwrap_or(local);
        let base: String = base.chars().filter(|&c| c != '.').collect();
        if base.is_empty() {
            return None;
        }
        return Some(format!("{base}@gmail.com"));
    }
    Some(format!("{local}@{domain}"))
}

/// Normalises a phone number to E.164 (`+8613812345678`) using `default_region` (ISO 3166 alpha-2,
/// e.g. `"CN"`, `"US"`) for numbers written without a country code. A `00` international prefix is
/// read as `+`. Numbers that libphonenumber does not accept as valid are kept as their digits
/// (with a leading `+` when one was written), so they can still be compared. `None` when there is
/// no digit.
///
/// ```
/// use crm_analytics::dedup::normalize::phone;
/// assert_eq!(phone("138 1234 5678", "CN").as_deref(), Some("+8613812345678"));
/// assert_eq!(phone("+86 138-1234-5678", "US").as_deref(), Some("+8613812345678"));
/// assert_eq!(phone("１３８１２３４５６７８", "CN").as_deref(), Some("+8613812345678"));
/// assert_eq!(phone("(010) 6552 9988", "CN").as_deref(), Some("+861065529988"));
/// assert_eq!(phone("(415) 555-2671", "US").as_deref(), Some("+14155552671"));
/// assert_eq!(phone("n/a", "CN"), None);
/// ```
///
/// Reference: ITU-T Recommendation E.164; Google libphonenumber (Rust port `phonenumber`).
pub fn phone(s: &str, default_region: &str) -> Option<String> {
    let t = text(s);
    let mut digits = String::with_capacity(t.len());
    let mut plus = false;
    for c in t.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if c == '+' && digits.is_empty() {
            plus = true;
        } else if c.is_alphabetic() && !digits.is_empty() {
            // an extension ("ext", "x") ends the number
            break;
        }
    }
    if digits.is_empty() {
        return None;
    }
    if !plus {
        if let Some(rest) = digits.strip_prefix("00") {
            if !rest.is_empty() {
                digits = rest.to_string();
                plus = true;
            }
        }
    }
    let candidate = if plus {
        format!("+{digits}")
    } else {
        digits.clone()
    };
    let region_code = default_region.trim().to_ascii_uppercase();
    if let Some(e) = fast_e164(&digits, plus, &region_code) {
        return Some(e);
    }
    let region = region_code.parse().ok();
    if let Ok(n) = phonenumber::parse(if plus { None } else { region }, &candidate) {
        if n.is_valid() {
            return Some(n.format().mode(phonenumber::Mode::E164).to_string());
        }
    }
    Some(candidate)
}

/// E.164 without libphonenumber for the two plans whose valid numbers follow a simple pattern
/// and that dominate the data this crate is for: Chinese mobile numbers (`1[3-9]` + 9 digits) and
/// North American numbers (`NXX NXX XXXX`, N = 2-9, area code not `N11`). Everything else, and
/// every number these patterns do not match, goes through libphonenumber. The result is the same
/// as libphonenumber's for these patterns; it only saves its regular-expression matching, which
/// dominates normalisation time on large files.
fn fast_e164(digits: &str, plus: bool, region: &str) -> Option<String> {
    let d = digits.as_bytes();
    let cn_mobile = |m: &[u8]| m.len() == 11 && m[0] == b'1' && (b'3'..=b'9').contains(&m[1]);
    let nanp = |m: &[u8]| {
        m.len() == 10
            && (b'2'..=b'9').contains(&m[0])
            && !(m[1] == b'1' && m[2] == b'1')
            && (b'2'..=b'9').contains(&m[3])
            && !(m[4] == b'1' && m[5] == b'1')
    };
    if plus {
        if d.len() == 13 && d.starts_with(b"86") && cn_mobile(&d[2..]) {
            return Some(format!("+{digits}"));
        }
        if d.len() == 11 && d[0] == b'1' && nanp(&d[1..]) {
            return Some(format!("+{digits}"));
        }
        return None;
    }
    match region {
        "CN" if cn_mobile(d) => Some(format!("+86{digits}")),
        "US" | "CA" if nanp(d) => Some(format!("+1{digits}")),
        "US" | "CA" if d.len() == 11 && d[0] == b'1' && nanp(&d[1..]) => Some(format!("+{digits}")),
        _ => None,
    }
}

/// Chinese legal-form suffixes, longest first.
const CN_SUFFIXES: [&str; 9] = [
    "集团股份有限公司",
    "集团有限公司",
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "分公司",
    "公司",
    "集团",
    "有限",
];

/// English (and common European) legal-form words removed from the end of a company name.
const EN_SUFFIXES: [&str; 20] = [
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "llp",
    "lp",
    "gmbh",
    "ag",
    "co",
    "corp",
    "corporation",
    "company",
    "plc",
    "pty",
    "sa",
    "srl",
    "bv",
    "group",
    "holdings",
];

/// Normalises a company name: [`text`], a leading parenthesised place such as `(北京)` or
/// `（上海）` removed, punctuation removed, and legal-form suffixes removed from the end, repeatedly
/// (有限公司, 有限责任公司, 股份有限公司, 集团, Inc, Ltd, LLC, GmbH, Co, Corp, ...). A name made only of
/// suffixes is kept rather than emptied.
///
/// ```
/// use crm_analytics::dedup::normalize::company;
/// assert_eq!(company("（北京）华为技术有限公司"), "华为技术");
/// assert_eq!(company("阿里巴巴集团股份有限公司"), "阿里巴巴");
/// assert_eq!(company("Acme Widgets, Co., Ltd."), "acme widgets");
/// assert_eq!(company("ACME WIDGETS INC"), "acme widgets");
/// assert_eq!(company("Siemens GmbH"), "siemens");
/// ```
pub fn company(s: &str) -> String {
    fixed_point(s, company_once)
}

fn company_once(s: &str) -> String {
    let mut t = text(s);
    // leading (city)
    loop {
        let trimmed = t.trim_start();
        if let Some(rest) = trimmed.strip_prefix('(') {
            if let Some(end) = rest.find(')') {
                let inside = &rest[..end];
                let after = rest[end + 1..].trim();
                if inside.chars().count() <= 12 && !after.is_empty() {
                    t = after.to_string();
                    continue;
                }
            }
        }
        break;
    }
    let mut t = strip_punct(&t);
    loop {
        let before = t.clone();
        for suf in CN_SUFFIXES {
            if let Some(rest) = t.strip_suffix(suf) {
                if !rest.trim().is_empty() {
                    t = rest.trim_end().to_string();
                    break;
                }
            }
        }
        if let Some((rest, last)) = t.rsplit_once(' ') {
            if EN_SUFFIXES.contains(&last) && !rest.trim().is_empty() {
                t = rest.trim_end().to_string();
            }
        }
        if t == before {
            break;
        }
    }
    t
}

/// Honorifics and titles removed from person names.
const TITLES: [&str; 12] = [
    "mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam", "先生", "女士", "小姐", "博士",
];

/// Normalises a person name: [`text`], punctuation removed, titles removed, and `"Surname, Given"`
/// turned into `"given surname"`. Chinese names are kept as characters with inner spaces removed
/// (`张 三` and `张三` are the same name). Token order is otherwise kept; comparisons treat reordered
/// tokens as a close match (see [`crate::compare`]).
///
/// ```
/// use crm_analytics::dedup::normalize::person_name;
/// assert_eq!(person_name("Smith, John"), "john smith");
/// assert_eq!(person_name("Dr. J. R. R. Tolkien"), "j r r tolkien");
/// assert_eq!(person_name(" 张　三 先生"), "张三");
/// ```
pub fn person_name(s: &str) -> String {
    fixed_point(s, person_name_once)
}

fn person_name_once(s: &str) -> String {
    let t = text(s);
    let t = match t.split_once(',') {
        Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
            format!("{} {}", b.trim(), a.trim())
        }
        _ => t,
    };
    let t = strip_punct(&t);
    let tokens: Vec<&str> = t.split(' ').filter(|w| !w.is_empty()).collect();
    let kept: Vec<&str> = if tokens.len() > 1 {
        tokens
            .iter()
            .copied()
            .filter(|w| !TITLES.contains(w))
            .collect()
    } else {
        tokens
    };
    // Join first (`张 三` is `张三`), then remove CJK titles from the end, repeatedly: a title
    // split by a space (`王博 士`) or following another (`王博士先生`) is still a title.
    let mut out = String::new();
    for w in &kept {
        let join_cjk =
            out.chars().last().is_some_and(is_cjk) && w.chars().next().is_some_and(is_cjk);
        if !out.is_empty() && !join_cjk {
            out.push(' ');
        }
        out.push_str(w);
    }
    loop {
        let before = out.len();
        for title in TITLES.iter().filter(|t| t.chars().all(is_cjk)) {
            if let Some(rest) = out.strip_suffix(title) {
                if !rest.trim().is_empty() {
                    out = rest.trim_end().to_string();
                }
            }
        }
        if out.len() == before {
            break;
        }
    }
    out
}

/// Pinyin key of a name: each CJK character replaced by its toneless pinyin (`张三` -> `zhangsan`),
/// other characters kept, spaces removed. Lets `Zhang San` and `张三` meet in one block. Characters
/// with several readings use the most common one.
///
/// ```
/// use crm_analytics::dedup::normalize::pinyin_key;
/// assert_eq!(pinyin_key("张三"), "zhangsan");
/// assert_eq!(pinyin_key("Zhang San"), "zhangsan");
/// ```
#[cfg(feature = "pinyin")]
pub fn pinyin_key(name: &str) -> String {
    pinyin_of_normalized(&person_name(name))
}

/// [`pinyin_key`] of a name already normalised by [`person_name`] (skips normalising again).
#[cfg(feature = "pinyin")]
pub fn pinyin_of_normalized(t: &str) -> String {
    use pinyin::ToPinyin;
    let mut out = String::with_capacity(t.len() * 2);
    for c in t.chars() {
        if c == ' ' {
            continue;
        }
        if is_cjk(c) {
            match c.to_pinyin() {
                Some(p) => out.push_str(p.plain()),
                None => out.push(c),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Pinyin key without the `pinyin` feature: the name with spaces removed.
#[cfg(not(feature = "pinyin"))]
pub fn pinyin_key(name: &str) -> String {
    person_name(name).replace(' ', "")
}

/// [`pinyin_key`] of a name already normalised by [`person_name`].
#[cfg(not(feature = "pinyin"))]
pub fn pinyin_of_normalized(t: &str) -> String {
    t.replace(' ', "")
}

/// Street-type and other address abbreviations expanded by [`address`].
const ADDRESS_ABBREV: [(&str, &str); 30] = [
    ("st", "street"),
    ("str", "street"),
    ("rd", "road"),
    ("ave", "avenue"),
    ("av", "avenue"),
    ("dr", "drive"),
    ("ln", "lane"),
    ("ct", "court"),
    ("crt", "court"),
    ("pl", "place"),
    ("cres", "crescent"),
    ("cr", "crescent"),
    ("hwy", "highway"),
    ("blvd", "boulevard"),
    ("pde", "parade"),
    ("tce", "terrace"),
    ("cl", "close"),
    ("sq", "square"),
    ("apt", "apartment"),
    ("ste", "suite"),
    ("fl", "floor"),
    ("bldg", "building"),
    ("mt", "mount"),
    ("n", "north"),
    ("s", "south"),
    ("e", "east"),
    ("w", "west"),
    ("no", "number"),
    ("cir", "circle"),
    ("pkwy", "parkway"),
];

/// Normalises an address: [`text`], punctuation removed, tokens separated, common abbreviations
/// expanded (st -> street, rd -> road, ave -> avenue, ...). Chinese addresses keep their
/// characters; full-width digits become ASCII digits through NFKC.
///
/// ```
/// use crm_analytics::dedup::normalize::address;
/// assert_eq!(address("12 Tullaroop St."), "12 tullaroop street");
/// assert_eq!(address("Apt 5, 3 Main Rd"), "apartment 5 3 main road");
/// assert_eq!(address("北京市朝阳区建国路８８号"), "北京市朝阳区建国路88号");
/// ```
pub fn address(s: &str) -> String {
    fixed_point(s, address_once)
}

fn address_once(s: &str) -> String {
    let t = strip_punct(&text(s));
    t.split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            ADDRESS_ABBREV
                .iter()
                .find(|(a, _)| *a == w)
                .map_or(w, |(_, full)| *full)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Normalises a postcode: [`text`] with spaces and hyphens removed (`"sw1a 1aa"` -> `"sw1a1aa"`).
pub fn postcode(s: &str) -> String {
    fixed_point(s, |s| {
        text(s).chars().filter(|c| c.is_alphanumeric()).collect()
    })
}

/// Normalises a free-text or code field: [`text`] with punctuation removed.
pub fn plain(s: &str) -> String {
    fixed_point(s, |s| strip_punct(&text(s)))
}

/// Normalises a date to `YYYYMMDD` when it parses (`YYYY-MM-DD`, `YYYY/MM/DD`, `YYYYMMDD`,
/// `YYYY年M月D日`, `DD/MM/YYYY`, `DD.MM.YYYY`); otherwise returns its digits, so that corrupted
/// dates can still be compared digit by digit.
///
/// ```
/// use crm_analytics::dedup::normalize::date;
/// assert_eq!(date("1990-02-03"), "19900203");
/// assert_eq!(date("1990年2月3日"), "19900203");
/// assert_eq!(date("03/02/1990"), "19900203");
/// assert_eq!(date("19901302"), "19901302"); // invalid month: digits kept
/// ```
pub fn date(s: &str) -> String {
    fixed_point(s, date_once)
}

fn date_once(s: &str) -> String {
    let t = text(s);
    let parts: Vec<&str> = t
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .collect();
    let valid = |y: u32, m: u32, d: u32| {
        crm_model::chrono::NaiveDate::from_ymd_opt(y as i32, m, d).is_some()
    };
    if parts.len() == 3 {
        let n: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
        if n.len() == 3 {
            let (y, m, d) = if parts[0].len() == 4 {
                (n[0], n[1], n[2])
            } else {
                (n[2], n[1], n[0])
            };
            if (1000..=9999).contains(&y) && valid(y, m, d) {
                return format!("{y:04}{m:02}{d:02}");
            }
        }
    }
    parts.concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn phones_cn_us() {
        assert_eq!(
            phone("13812345678", "CN").as_deref(),
            Some("+8613812345678")
        );
        assert_eq!(
            phone("0086 138 1234 5678", "CN").as_deref(),
            Some("+8613812345678")
        );
        assert_eq!(
            phone("+1 415 555 2671", "CN").as_deref(),
            Some("+14155552671")
        );
        assert_eq!(
            phone("021-6888 1234", "CN").as_deref(),
            Some("+862168881234")
        );
        assert_eq!(
            phone("0755 8888 1234", "CN").as_deref(),
            Some("+8675588881234")
        );
        assert_eq!(
            phone("415.555.2671 ext 12", "US").as_deref(),
            Some("+14155552671")
        );
        // not valid anywhere: digits kept
        assert_eq!(phone("12345", "CN").as_deref(), Some("12345"));
    }

    #[test]
    fn companies() {
        assert_eq!(company("(上海)某某科技有限责任公司"), "某某科技");
        assert_eq!(company("某某集团"), "某某");
        assert_eq!(company("Limited"), "limited");
        assert_eq!(company("Foo & Bar LLC"), "foo bar");
    }

    #[test]
    fn emails() {
        assert_eq!(email("a@b", EmailOptions::default()), None);
        assert_eq!(email("a@@b.com", EmailOptions::default()), None);
        assert_eq!(
            email("ａ@ｂ.ｃｏｍ", EmailOptions::default()).as_deref(),
            Some("a@b.com")
        );
        assert_eq!(
            email("J.Smith+x@gmail.com", EmailOptions::default()).as_deref(),
            Some("j.smith+x@gmail.com")
        );
    }

    /// Hostile and tricky inputs every normaliser must map to a fixed point.
    const TARGETED: &[&str] = &[
        "王博 士",
        "王博士先生",
        "王 博 士 先 生",
        "mr 王先生",
        "a mr先生",
        "Dr. 李 博士 ",
        "张　三　女士",
        "先生",
        "mr mr",
        "Smith, Mr",
        "，王博士，",
        "John\u{3000}Smith\u{a0}Jr",
        "a-\u{301}b",
        "e\u{301}-\u{301}",
        "ＡＢＣ（北京）有限公司",
        "(北京)(上海)有限公司",
        "acme co ltd inc",
        "某某 有限 公司",
        "12 st st",
        "0086 0086",
        "00",
        "+",
        "1990年2月3日 1990年2月3日",
        "0001-01-01",
        "ǅ\u{345}",
        "ﬃ ß ẞ İ",
        "\u{1f}\u{7f}\t\r\n",
        "a@b.c@d",
        "A..B@x.y",
        "x@ｘ.ｃｏｍ",
    ];

    fn check_all(s: &str) -> Result<(), TestCaseError> {
        let t = text(s);
        prop_assert_eq!(text(&t), t.clone(), "text {:?}", s);
        let n = person_name(s);
        prop_assert_eq!(person_name(&n), n.clone(), "person_name {:?}", s);
        let c = company(s);
        prop_assert_eq!(company(&c), c.clone(), "company {:?}", s);
        let a = address(s);
        prop_assert_eq!(address(&a), a.clone(), "address {:?}", s);
        let p = postcode(s);
        prop_assert_eq!(postcode(&p), p.clone(), "postcode {:?}", s);
        let d = date(s);
        prop_assert_eq!(date(&d), d.clone(), "date {:?}", s);
        let pl = plain(s);
        prop_assert_eq!(plain(&pl), pl.clone(), "plain {:?}", s);
        for region in ["CN", "US", "GB", "??"] {
            if let Some(p) = phone(s, region) {
                prop_assert_eq!(phone(&p, region), Some(p.clone()), "phone {:?}", s);
            }
        }
        for fold in [false, true] {
            let o = EmailOptions { fold_gmail: fold };
            if let Some(e) = email(s, o) {
                prop_assert_eq!(email(&e, o), Some(e.clone()), "email {:?}", s);
            }
        }
        Ok(())
    }

    #[test]
    fn idempotent_targeted() {
        for s in TARGETED {
            check_all(s).unwrap();
        }
        assert_eq!(person_name("王博 士"), "王");
        assert_eq!(person_name("王博士先生"), "王");
    }

    proptest! {
        /// Arbitrary Unicode (any scalar value, controls included).
        #[test]
        fn idempotent_any_unicode(s in any::<String>()) {
            check_all(&s)?;
        }

        /// Targeted strings glued to arbitrary ones, mixed scripts and whitespace variants.
        #[test]
        fn idempotent_mixed(
            a in prop::sample::select(TARGETED),
            b in "[\\p{Han}\\p{Latin}\\p{Cyrillic}\\p{Arabic}\\p{Mn} \u{3000}\u{a0}\t,.()（）@+0-9-]{0,16}",
            c in prop::sample::select(TARGETED),
        ) {
            check_all(&format!("{a}{b}{c}"))?;
            check_all(&format!("{b} {a}"))?;
        }

        /// The fast path never contradicts libphonenumber on a number libphonenumber accepts.
        #[test]
        fn fast_path_agrees(m in "1[3-9][0-9]{9}", n in "[2-9][02-9][0-9][2-9][02-9][0-9]{5}") {
            for (digits, plus, region) in [(m.clone(), false, "CN"), (format!("86{m}"), true, "US"),
                                           (n.clone(), false, "US"), (format!("1{n}"), true, "CN")] {
                let fast = fast_e164(&digits, plus, region);
                let cand = if plus { format!("+{digits}") } else { digits.clone() };
                let reg = if plus { None } else { region.parse().ok() };
                if let Ok(p) = phonenumber::parse(reg, &cand) {
                    if p.is_valid() {
                        prop_assert_eq!(fast, Some(p.format().mode(phonenumber::Mode::E164).to_string()));
                    }
                }
            }
        }

        #[test]
        fn idempotent(s in "\\PC{0,24}") {
            let t = text(&s);
            prop_assert_eq!(text(&t), t.clone());
            let c = company(&s);
            prop_assert_eq!(company(&c), c.clone());
            let n = person_name(&s);
            prop_assert_eq!(person_name(&n), n.clone());
            let a = address(&s);
            prop_assert_eq!(address(&a), a.clone());
            let p = postcode(&s);
            prop_assert_eq!(postcode(&p), p.clone());
            let d = date(&s);
            prop_assert_eq!(date(&d), d.clone());
            let pl = plain(&s);
            prop_assert_eq!(plain(&pl), pl.clone());
            for fold in [false, true] {
                let o = EmailOptions { fold_gmail: fold };
                if let Some(e) = email(&s, o) {
                    prop_assert_eq!(email(&e, o), Some(e.clone()));
                }
            }
        }

        #[test]
        fn idempotent_structured(
            name in "[A-Za-z张王李赵（）() ,.]{0,12}",
            ph in "[+0-9 ()０-９-]{0,16}",
            em in "[A-Za-z0-9.+]{1,8}@(gmail|example)\\.com",
        ) {
            let n = person_name(&name);
            prop_assert_eq!(person_name(&n), n.clone());
            let c = company(&name);
            prop_assert_eq!(company(&c), c.clone());
            if let Some(p) = phone(&ph, "CN") {
                prop_assert_eq!(phone(&p, "CN"), Some(p.clone()));
            }
            let o = EmailOptions { fold_gmail: true };
            if let Some(e) = email(&em, o) {
                prop_assert_eq!(email(&e, o), Some(e.clone()));
            }
        }
    }
}
