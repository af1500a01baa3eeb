//! Record corruption: the one place that turns a person's clean record into a duplicate.
//!
//! Every synthetic duplicate of the crate comes from here: the planted duplicates among the
//! customers of `crm demo` ([`demo_duplicate`]), the CRM contacts and the FEBRL-style people of
//! [`crate::people`]. A duplicate is made in two steps:
//!
//! 1. [`choose`] draws one to three entries of a *menu* (a [`Corruption`] and the fields it
//!    touches), among those usable on the record, with a budget of three fields: a swap of two
//!    fields spends two. The people generators ask for entries on disjoint fields, so each
//!    chosen corruption changes its own fields; the demo allows two variants of one field (a
//!    phone reformatted, then written full-width), as it always has.
//! 2. Each chosen entry is applied in menu order: [`typo`], [`change_digit`], [`full_width`],
//!    a missing field, a swap, or one of the CRM-contact variants ([`apply_contact`]).
//!
//! In *strict* mode (the people generators) every corruption changes its field: a transposition of
//! two equal letters becomes a deletion, an e-mail without dots changes case instead, a Chinese
//! given name without a homophone gets another character. The demo keeps its historical
//! behaviour (strict off), so its data stay byte-identical.

use crate::names::{
    CN_CITIES, CN_EMAIL_DOMAINS, CN_GIVEN_MORE, CN_HOMOPHONES, CN_LEGAL, Contact, EN_EMAIL_DOMAINS,
    EN_LEGAL, Locale, RecordFields, join_company, primary_fields,
};
use crate::rng::Rng;

/// What was done to a field of a synthetic duplicate.
///
/// The first four are the FEBRL corruptions (Christen 2005); the others are the ways a CRM
/// contact is entered differently by different staff or systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Corruption {
    /// A typing error: one letter substituted, deleted, transposed with its neighbour, inserted or
    /// doubled; in a Chinese given name a homophone character (`伟` -> `玮`).
    Typo,
    /// The field left empty.
    Missing,
    /// The values of two fields exchanged (given name and surname).
    Swap,
    /// One digit replaced by another digit (date of birth, id, postcode).
    DigitChange,
    /// ASCII digits (and `+`) written full-width (`１３８`), as Chinese input methods produce.
    FullWidthDigits,
    /// A phone number with its country prefix dropped, written `0086…` / `00…`, or other
    /// separators.
    PhoneFormat,
    /// Another value of the same kind: a second phone number or e-mail address.
    OtherValue,
    /// The company's legal suffix dropped (`有限公司`, `Ltd`).
    LegalSuffixDropped,
    /// The company's legal suffix replaced by another one.
    LegalSuffixChanged,
    /// The company's city moved into a bracketed prefix (`（北京）星辰科技有限公司`).
    CityPrefix,
    /// The e-mail in other letter case, or without the dots of its local part (one mailbox at
    /// Gmail).
    EmailCase,
    /// The e-mail with a `+tag` after its local part (one mailbox at most providers).
    EmailTag,
    /// The name written another way: pinyin for a Chinese name; "Family, Given" or "G. Family".
    NameForm,
    /// A space between a Chinese surname and given name (`王 伟`).
    NameSpaced,
    /// A title added: `先生` / `女士` after a Chinese name, `Mr` / `Ms` / `Dr` before an English one.
    Title,
    /// The address shortened: street type abbreviated (`Street` -> `St`), Chinese district dropped.
    AddressShort,
    /// Day and month of a date exchanged.
    DayMonthSwap,
    /// A date in another format (`1987年5月3日`, `03/05/1987`, `1987/05/03`).
    DateFormat,
}

/// The most fields a duplicate's corruptions touch (and so the most corruptions it carries).
pub(crate) const MAX_FIELDS: usize = 3;

/// One entry of a corruption menu: what to do, to which fields (a bit per field of the record),
/// and how often relative to the other entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub kind: Corruption,
    pub fields: u16,
    pub weight: u32,
}

impl Entry {
    pub(crate) const fn new(kind: Corruption, fields: u16, weight: u32) -> Self {
        Entry {
            kind,
            fields,
            weight,
        }
    }

    /// Fields it spends of the budget.
    fn cost(self) -> usize {
        self.fields.count_ones() as usize
    }
}

/// Draws the corruptions of one duplicate from `menu`: a budget of 1 to [`MAX_FIELDS`] fields,
/// then entries one at a time (weighted, among the `usable` ones that fit the budget and, when
/// `disjoint`, touch no field already touched) until the budget is spent or nothing fits.
/// Returns the chosen entries in menu order, the order they are applied in.
///
/// With unit weights, single-field entries and `disjoint` off this is a partial Fisher-Yates
/// shuffle of the usable entries: the draw the demo's duplicates have always used.
pub(crate) fn choose(
    rng: &mut Rng,
    menu: &[Entry],
    usable: impl Fn(&Entry) -> bool,
    disjoint: bool,
) -> Vec<Entry> {
    let mut pool: Vec<usize> = (0..menu.len()).filter(|&i| usable(&menu[i])).collect();
    let mut budget = 1 + rng.below(MAX_FIELDS);
    let mut used = 0u16;
    let mut k = 0;
    while budget > 0 && k < pool.len() {
        let fits = |i: usize| {
            let e = menu[i];
            e.cost() <= budget && !(disjoint && e.fields & used != 0)
        };
        // Entries that fit first (stable: a no-op when all fit, as in the demo).
        if !pool[k..].iter().all(|&i| fits(i)) {
            let (mut fit, rest): (Vec<usize>, Vec<usize>) =
                pool[k..].iter().partition(|&&i| fits(i));
            fit.extend(rest);
            pool.truncate(k);
            pool.extend(fit);
        }
        let n_fit = pool[k..].iter().take_while(|&&i| fits(i)).count();
        if n_fit == 0 {
            break;
        }
        let total: u64 = pool[k..k + n_fit]
            .iter()
            .map(|&i| u64::from(menu[i].weight))
            .sum();
        let mut r = rng.below(total as usize) as u64;
        let mut j = k;
        for (off, &i) in pool[k..k + n_fit].iter().enumerate() {
            let w = u64::from(menu[i].weight);
            if r < w {
                j = k + off;
                break;
            }
            r -= w;
        }
        pool.swap(k, j);
        let e = menu[pool[k]];
        budget -= e.cost().min(budget);
        used |= e.fields;
        k += 1;
    }
    pool.truncate(k);
    pool.sort_unstable();
    pool.into_iter().map(|i| menu[i]).collect()
}

/// The letter edits a [`typo`] may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edit {
    /// A letter replaced by another lower-case letter.
    Substitute,
    /// A letter dropped.
    Delete,
    /// A letter exchanged with the next one.
    Transpose,
    /// A lower-case letter inserted.
    Insert,
    /// A letter typed twice.
    Double,
}

/// How a [`typo`] edits a word.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TypoSpec {
    pub edits: &'static [Edit],
    /// Never edit the first letter (people rarely get it wrong).
    pub keep_first: bool,
    /// The result always differs (a transposition of two equal letters becomes a deletion).
    pub strict: bool,
}

/// The demo's name typos: swap, drop or double a letter, never the first; may be a no-op.
pub(crate) const DEMO_TYPO: TypoSpec = TypoSpec {
    edits: &[Edit::Transpose, Edit::Delete, Edit::Double],
    keep_first: true,
    strict: false,
};

/// The CRM contacts' typos: the demo's edits, always a change.
pub(crate) const CONTACT_TYPO: TypoSpec = TypoSpec {
    strict: true,
    ..DEMO_TYPO
};

/// FEBRL's typos: substitution, deletion, transposition, insertion anywhere; always a change.
pub(crate) const FEBRL_TYPO: TypoSpec = TypoSpec {
    edits: &[
        Edit::Substitute,
        Edit::Delete,
        Edit::Transpose,
        Edit::Insert,
    ],
    keep_first: false,
    strict: true,
};

/// One keyboard-style edit of `word` at a random position. A word too short to edit after its
/// kept first letter gets its last letter doubled (`Li` -> `Lii`).
pub(crate) fn typo(rng: &mut Rng, word: &str, spec: TypoSpec) -> String {
    let mut ch: Vec<char> = word.chars().collect();
    let first = usize::from(spec.keep_first);
    if ch.len() < first + 2 {
        ch.push(ch.last().copied().unwrap_or('e'));
        return ch.into_iter().collect();
    }
    let i = first + rng.below(ch.len() - first - 1);
    let edit = spec
        .edits
        .get(rng.below(spec.edits.len()))
        .copied()
        .unwrap_or(Edit::Delete);
    match edit {
        Edit::Transpose if spec.strict && ch[i] == ch[i + 1] => {
            ch.remove(i);
        }
        Edit::Transpose => ch.swap(i, i + 1),
        Edit::Delete => {
            ch.remove(i);
        }
        Edit::Double => {
            let c = ch[i];
            ch.insert(i, c);
        }
        Edit::Substitute => {
            let mut l = b'a' + rng.below(25) as u8;
            if ch[i].is_ascii_lowercase() && l >= ch[i] as u8 {
                l += 1;
            }
            ch[i] = char::from(l);
        }
        Edit::Insert => ch.insert(i, char::from(b'a' + rng.below(26) as u8)),
    }
    ch.into_iter().collect()
}

/// One ASCII digit of `s` replaced by another digit (`s` unchanged when it has no digit).
pub(crate) fn change_digit(rng: &mut Rng, s: &str) -> String {
    let n = s.bytes().filter(u8::is_ascii_digit).count();
    if n == 0 {
        return s.to_string();
    }
    let k = rng.below(n);
    let mut seen = 0;
    s.chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen - 1 != k {
                return c;
            }
            let old = c as u8 - b'0';
            let mut d = rng.below(9) as u8;
            if d >= old {
                d += 1;
            }
            char::from(b'0' + d)
        })
        .collect()
}

/// ASCII digits written full-width (`138` -> `１３８`), and `+` too when `plus`.
pub(crate) fn full_width(s: &str, plus: bool) -> String {
    s.chars()
        .map(|ch| match ch {
            '0'..='9' => char::from_u32(ch as u32 - '0' as u32 + 0xFF10).unwrap_or(ch),
            '+' if plus => '＋',
            _ => ch,
        })
        .collect()
}

/// The positions of the fields an entry touches (bit `i` = column `i`), in order.
pub(crate) fn columns_of(fields: u16) -> impl Iterator<Item = usize> {
    (0..16).filter(move |i| fields & (1 << i) != 0)
}

/// Whether an entry can change a record of plain text columns: its field is not empty (has a
/// digit, for a digit change); the two fields of a swap differ.
pub(crate) fn columns_usable(values: &[String], e: &Entry) -> bool {
    let mut cols = columns_of(e.fields).map(|i| values.get(i));
    match (e.kind, cols.next().flatten(), cols.next().flatten()) {
        (C::Swap, Some(a), Some(b)) => a != b,
        (C::Swap, _, _) => false,
        (C::DigitChange, Some(v), _) => v.bytes().any(|b| b.is_ascii_digit()),
        (_, Some(v), _) => !v.is_empty(),
        (_, None, _) => false,
    }
}

/// Applies a typo, missing value, swap or digit change to a record of plain text columns.
pub(crate) fn apply_columns(rng: &mut Rng, values: &mut [String], e: Entry, spec: TypoSpec) {
    let mut cols = columns_of(e.fields);
    let (Some(i), second) = (cols.next(), cols.next()) else {
        return;
    };
    if let (C::Swap, Some(j)) = (e.kind, second) {
        if i < values.len() && j < values.len() {
            values.swap(i, j);
        }
        return;
    }
    let Some(v) = values.get_mut(i) else {
        return;
    };
    match e.kind {
        C::Missing => v.clear(),
        C::DigitChange => *v = change_digit(rng, v),
        C::Typo => *v = typo(rng, v, spec),
        _ => {}
    }
}

/// Bits of the fields of a CRM contact record: bit `i` is column `i` of the contact style
/// (name, email, phone, company, address, city, date_of_birth; the city is never corrupted).
pub(crate) mod field {
    pub const NAME: u16 = 1;
    pub const EMAIL: u16 = 1 << 1;
    pub const PHONE: u16 = 1 << 2;
    pub const COMPANY: u16 = 1 << 3;
    pub const ADDRESS: u16 = 1 << 4;
    pub const BIRTH: u16 = 1 << 6;
}

use Corruption as C;

/// The variants of the demo's planted duplicates, in the order they are applied (reformat a
/// phone before writing its digits full-width).
const DEMO_MENU: [Entry; 7] = [
    Entry::new(C::PhoneFormat, field::PHONE, 1),
    Entry::new(C::FullWidthDigits, field::PHONE, 1),
    Entry::new(C::LegalSuffixDropped, field::COMPANY, 1),
    Entry::new(C::EmailCase, field::EMAIL, 1),
    Entry::new(C::Typo, field::NAME, 1),
    Entry::new(C::NameForm, field::NAME, 1),
    Entry::new(C::Missing, field::EMAIL, 1),
];

/// The CRM contacts' corruptions: the demo's and more, at most one per field.
pub(crate) const CONTACT_MENU: [Entry; 22] = [
    Entry::new(C::Typo, field::NAME, 1),
    Entry::new(C::NameForm, field::NAME, 1),
    Entry::new(C::NameSpaced, field::NAME, 1),
    Entry::new(C::Title, field::NAME, 1),
    Entry::new(C::EmailCase, field::EMAIL, 1),
    Entry::new(C::EmailTag, field::EMAIL, 1),
    Entry::new(C::OtherValue, field::EMAIL, 1),
    Entry::new(C::Missing, field::EMAIL, 1),
    Entry::new(C::PhoneFormat, field::PHONE, 1),
    Entry::new(C::FullWidthDigits, field::PHONE, 1),
    Entry::new(C::OtherValue, field::PHONE, 1),
    Entry::new(C::Missing, field::PHONE, 1),
    Entry::new(C::LegalSuffixDropped, field::COMPANY, 1),
    Entry::new(C::LegalSuffixChanged, field::COMPANY, 1),
    Entry::new(C::CityPrefix, field::COMPANY, 1),
    Entry::new(C::Missing, field::COMPANY, 1),
    Entry::new(C::AddressShort, field::ADDRESS, 1),
    Entry::new(C::Typo, field::ADDRESS, 1),
    Entry::new(C::FullWidthDigits, field::ADDRESS, 1),
    Entry::new(C::DayMonthSwap, field::BIRTH, 1),
    Entry::new(C::DigitChange, field::BIRTH, 1),
    Entry::new(C::DateFormat, field::BIRTH, 1),
];

/// A planted duplicate of the demo: one to three variants of [`DEMO_MENU`] (the legal-suffix one
/// only for a person with a company). Usually differs from the primary; a name typo can be a
/// no-op (`Williams` with its `ll` transposed).
pub(crate) fn demo_duplicate(rng: &mut Rng, c: &Contact) -> (RecordFields, Vec<Corruption>) {
    let chosen = choose(
        rng,
        &DEMO_MENU,
        |e| e.kind != C::LegalSuffixDropped || c.company.is_some(),
        false,
    );
    let mut f = primary_fields(c);
    for e in &chosen {
        apply_contact(rng, c, &mut f, *e, false);
    }
    (f, chosen.into_iter().map(|e| e.kind).collect())
}

/// Whether a [`CONTACT_MENU`] entry can change `f` (the primary record of `c`).
pub(crate) fn contact_usable(c: &Contact, f: &RecordFields, e: &Entry) -> bool {
    let chinese = c.locale == Locale::Chinese;
    match (e.kind, e.fields) {
        (C::NameSpaced, _) => chinese,
        (C::Typo, field::ADDRESS) => !chinese && f.address.is_some(),
        (C::EmailCase | C::EmailTag | C::OtherValue | C::Missing, field::EMAIL) => {
            f.email.is_some()
        }
        (_, field::PHONE) => f.phone.is_some(),
        (C::CityPrefix, _) => chinese && c.company.is_some(),
        (_, field::COMPANY) => c.company.is_some(),
        (_, field::ADDRESS) => f.address.is_some(),
        (C::DayMonthSwap, _) => {
            use chrono::Datelike;
            f.birth.is_some()
                && c.birth
                    .is_some_and(|d| d.day() <= 12 && d.day() != d.month())
        }
        (_, field::BIRTH) => c.birth.is_some() && f.birth.is_some(),
        _ => true,
    }
}

/// Applies one entry of a contact menu to the record `f` of person `c`. `strict`: the field
/// always changes (see the module docs); off, the demo's historical draws are kept exactly.
pub(crate) fn apply_contact(
    rng: &mut Rng,
    c: &Contact,
    f: &mut RecordFields,
    e: Entry,
    strict: bool,
) {
    let chinese = c.locale == Locale::Chinese;
    match (e.kind, e.fields) {
        (C::FullWidthDigits, field::PHONE) => {
            f.phone = f.phone.as_deref().map(|p| full_width(p, true))
        }
        (C::FullWidthDigits, _) => f.address = f.address.as_deref().map(|a| full_width(a, false)),
        (C::PhoneFormat, _) => {
            let d: String = f
                .phone
                .as_deref()
                .unwrap_or("")
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            let m = d.get(2..).unwrap_or(&d);
            f.phone = Some(match (c.locale, rng.below(3)) {
                // Drop +86 and write the 11-digit mobile number plain or with dashes.
                (Locale::Chinese, 0) => m.to_string(),
                (Locale::Chinese, 1) => format!(
                    "{}-{}-{}",
                    m.get(0..3).unwrap_or(""),
                    m.get(3..7).unwrap_or(""),
                    m.get(7..).unwrap_or("")
                ),
                (Locale::Chinese, _) => format!("0086{m}"),
                (Locale::English, 0) => format!("+{d}"),
                (Locale::English, 1) => format!("00{d}"),
                (Locale::English, _) => format!(
                    "({}) {}",
                    d.get(..d.len().min(2)).unwrap_or(""),
                    d.get(d.len().min(2)..).unwrap_or("")
                ),
            });
        }
        (C::OtherValue, field::PHONE) => {
            let p = f.phone.clone().unwrap_or_default();
            let n = p.bytes().filter(u8::is_ascii_digit).count();
            let mut seen = 0;
            let mut other: String = p
                .chars()
                .map(|ch| {
                    if !ch.is_ascii_digit() {
                        return ch;
                    }
                    seen += 1;
                    // Keep the country and area code, redraw the last seven digits.
                    if seen + 7 > n {
                        char::from(b'0' + rng.below(10) as u8)
                    } else {
                        ch
                    }
                })
                .collect();
            if other == p {
                other = change_digit(rng, &p);
            }
            f.phone = Some(other);
        }
        (C::LegalSuffixDropped, _) => {
            f.company = c.company.as_ref().map(|(name, _)| name.clone());
        }
        (C::LegalSuffixChanged, _) => {
            if let Some((name, legal)) = &c.company {
                let list = if chinese { CN_LEGAL } else { EN_LEGAL };
                let others: Vec<&str> = list.iter().copied().filter(|l| l != legal).collect();
                let new = rng.pick(&others).copied().unwrap_or("Co");
                f.company = Some(join_company(c.locale, name, new));
            }
        }
        (C::CityPrefix, _) => {
            if let Some(full) = &f.company {
                let city = CN_CITIES
                    .iter()
                    .map(|x| x.0)
                    .find(|city| full.starts_with(city));
                f.company = Some(match city {
                    Some(city) => format!("（{city}）{}", &full[city.len()..]),
                    None => format!("（{}）{full}", c.city),
                });
            }
        }
        (C::EmailCase, _) => {
            if let Some(e) = &f.email {
                let dots = rng.chance(0.5)
                    && (!strict || e.split('@').next().is_some_and(|l| l.contains('.')));
                f.email = Some(if dots {
                    let (local, domain) = e.split_once('@').unwrap_or((e, ""));
                    format!("{}@{}", local.replace('.', ""), domain)
                } else {
                    let mut out = String::with_capacity(e.len());
                    let mut up = true;
                    for ch in e.chars() {
                        if up {
                            out.extend(ch.to_uppercase());
                        } else {
                            out.push(ch);
                        }
                        up = ch == '.' || ch == '@';
                    }
                    out
                });
            }
        }
        (C::EmailTag, _) => {
            if let Some(e) = &f.email {
                let tag = rng
                    .pick(&["crm", "shop", "news", "work"])
                    .copied()
                    .unwrap_or("crm");
                let (local, domain) = e.split_once('@').unwrap_or((e, ""));
                f.email = Some(format!("{local}+{tag}@{domain}"));
            }
        }
        (C::OtherValue, _) => {
            let domains = if chinese {
                CN_EMAIL_DOMAINS
            } else {
                EN_EMAIL_DOMAINS
            };
            let domain = rng.pick(domains).copied().unwrap_or("example.com");
            let mut other = format!(
                "{}{}@{domain}",
                c.latin.0.to_lowercase(),
                rng.range(1, 9999)
            );
            if f.email.as_deref() == Some(other.as_str()) {
                other.insert(0, 'x');
            }
            f.email = Some(other);
        }
        (C::Typo, field::NAME) => match c.locale {
            Locale::Chinese => {
                let swapped: String = f
                    .given
                    .chars()
                    .map(|ch| {
                        CN_HOMOPHONES
                            .iter()
                            .find(|(a, _)| *a == ch)
                            .map_or(ch, |(_, b)| *b)
                    })
                    .collect();
                f.given = if strict && swapped == f.given {
                    // No homophone in the table: another character for the last one.
                    let mut g: Vec<char> = f.given.chars().collect();
                    let last = g.pop().unwrap_or('伟');
                    let others: Vec<&str> = CN_GIVEN_MORE
                        .iter()
                        .map(|x| x.0)
                        .filter(|x| !x.starts_with(last))
                        .collect();
                    let mut out: String = g.into_iter().collect();
                    out.push_str(rng.pick(&others).copied().unwrap_or("华"));
                    out
                } else {
                    swapped
                };
                f.full_name = format!("{}{}", f.family, f.given);
            }
            Locale::English => {
                let spec = if strict { CONTACT_TYPO } else { DEMO_TYPO };
                f.family = typo(rng, &f.family, spec);
                f.full_name = format!("{} {}", f.given, f.family);
            }
        },
        (C::Typo, _) => {
            // The street name (the word after the house number).
            if let Some(a) = &f.address {
                let mut words: Vec<String> = a.split(' ').map(str::to_string).collect();
                if let Some(w) = words.get_mut(1) {
                    *w = typo(rng, w, CONTACT_TYPO);
                }
                f.address = Some(words.join(" "));
            }
        }
        (C::NameForm, _) => match c.locale {
            Locale::Chinese => {
                // Pinyin, family name first or last.
                let (g, fam) = &c.latin;
                f.given = g.clone();
                f.family = fam.clone();
                f.full_name = if rng.chance(0.5) {
                    format!("{fam} {g}")
                } else {
                    format!("{g} {fam}")
                };
            }
            Locale::English => {
                f.full_name = if rng.chance(0.5) {
                    format!("{}, {}", f.family, f.given)
                } else {
                    format!("{}. {}", f.given.get(..1).unwrap_or(""), f.family)
                };
                f.given = f.given.get(..1).unwrap_or("").to_string();
            }
        },
        (C::NameSpaced, _) => f.full_name = format!("{} {}", f.family, f.given),
        (C::Title, _) => {
            f.full_name = if chinese {
                let t = if rng.chance(0.5) { "先生" } else { "女士" };
                format!("{}{t}", f.full_name)
            } else {
                let t = rng.pick(&["Mr", "Ms", "Dr"]).copied().unwrap_or("Mr");
                format!("{t} {}", f.full_name)
            };
        }
        (C::AddressShort, _) => {
            if let Some(a) = &f.address {
                f.address = Some(if chinese {
                    a.split_once('区')
                        .map_or(a.clone(), |(_, rest)| rest.to_string())
                } else {
                    let mut s = a.clone();
                    for (long, short) in [
                        (" Street", " St"),
                        (" Road", " Rd"),
                        (" Avenue", " Ave"),
                        (" Lane", " Ln"),
                    ] {
                        if let Some(stem) = a.strip_suffix(long) {
                            s = format!("{stem}{short}");
                        }
                    }
                    s
                });
            }
        }
        (C::DayMonthSwap | C::DateFormat, _) => {
            use chrono::Datelike;
            if let Some(d) = c.birth {
                let (y, m, day) = (d.year(), d.month(), d.day());
                f.birth = Some(if e.kind == C::DayMonthSwap {
                    format!("{y:04}-{day:02}-{m:02}")
                } else if chinese {
                    format!("{y}年{m}月{day}日")
                } else if rng.chance(0.5) {
                    format!("{day:02}/{m:02}/{y:04}")
                } else {
                    format!("{y:04}/{m:02}/{day:02}")
                });
            }
        }
        (C::DigitChange, _) => f.birth = f.birth.as_deref().map(|b| change_digit(rng, b)),
        (C::Missing, field::EMAIL) => f.email = None,
        (C::Missing, field::PHONE) => f.phone = None,
        (C::Missing, field::COMPANY) => f.company = None,
        (C::Missing, field::ADDRESS) => f.address = None,
        (C::Missing, _) => f.birth = None,
        (C::Swap, _) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::{NamePool, person};

    #[test]
    fn demo_duplicates_differ_and_keep_identity_cues() {
        let mut rng = Rng::stream(3, 0, 0);
        let mut saw_fullwidth = false;
        for _ in 0..500 {
            let c = person(&mut rng, NamePool::Demo, 0.5, 0.5);
            let p = primary_fields(&c);
            let (d, vars) = demo_duplicate(&mut rng, &c);
            assert!(!vars.is_empty() && vars.len() <= 3);
            // A variant can be a no-op only in a name typo (two equal letters transposed).
            if p == d {
                assert!(vars.iter().all(|v| *v == C::Typo), "{vars:?}");
            }
            if vars.contains(&C::FullWidthDigits) {
                assert!(!d.phone.as_deref().unwrap_or("").is_ascii());
                saw_fullwidth = true;
            }
            if vars.contains(&C::LegalSuffixDropped) {
                let dc = d.company.clone().unwrap_or_default();
                assert!(p.company.clone().unwrap_or_default().starts_with(&dc));
            }
        }
        assert!(saw_fullwidth);
    }

    #[test]
    fn typos_change_one_letter() {
        let mut rng = Rng::stream(1, 1, 1);
        for _ in 0..200 {
            let t = typo(&mut rng, "Johnson", DEMO_TYPO);
            assert!(t.starts_with('J'));
            assert!((t.len() as i64 - 7).abs() <= 1);
            // Strict typos always change the word, even with doubled letters.
            for w in ["Williams", "ll", "a", "Lee", "mississippi"] {
                assert_ne!(typo(&mut rng, w, FEBRL_TYPO), w);
                assert_ne!(typo(&mut rng, w, CONTACT_TYPO), w);
            }
        }
        assert_eq!(typo(&mut rng, "Li", DEMO_TYPO), "Lii");
    }

    #[test]
    fn digits_change_in_place() {
        let mut rng = Rng::stream(2, 0, 0);
        for _ in 0..200 {
            let s = change_digit(&mut rng, "1987-05-03");
            assert_eq!(s.len(), 10);
            let diff = s
                .bytes()
                .zip("1987-05-03".bytes())
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!(diff, 1, "{s}");
        }
        assert_eq!(change_digit(&mut rng, "abc"), "abc");
        assert_eq!(full_width("+86 138", true), "＋８６ １３８");
        assert_eq!(full_width("+86", false), "+８６");
    }

    #[test]
    fn choose_respects_budget_and_disjoint_fields() {
        const MENU: [Entry; 4] = [
            Entry::new(C::Typo, 1, 3),
            Entry::new(C::Missing, 1, 1),
            Entry::new(C::Swap, 0b110, 1),
            Entry::new(C::DigitChange, 0b1000, 2),
        ];
        let mut rng = Rng::stream(4, 0, 0);
        let mut counts = [0usize; 4];
        for _ in 0..3_000 {
            let c = choose(&mut rng, &MENU, |_| true, true);
            assert!(!c.is_empty());
            let fields: u16 = c.iter().fold(0, |a, e| {
                assert_eq!(a & e.fields, 0, "{c:?}");
                a | e.fields
            });
            assert!(fields.count_ones() as usize <= MAX_FIELDS);
            for e in &c {
                counts[MENU.iter().position(|m| m == e).unwrap_or(0)] += 1;
            }
            let idx: Vec<usize> = c
                .iter()
                .filter_map(|e| MENU.iter().position(|m| m == e))
                .collect();
            assert!(idx.windows(2).all(|w| w[0] < w[1]));
        }
        assert!(counts.iter().all(|&n| n > 100), "{counts:?}");
        // Nothing usable: nothing chosen.
        assert!(choose(&mut rng, &MENU, |_| false, true).is_empty());
    }
}
