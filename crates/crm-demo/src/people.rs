//! Synthetic people with known duplicates, for deduplication tests and benchmarks at any size.
//!
//! Each person gets one clean record; with probability `duplicate_rate` a person also gets 1 to
//! `max_duplicates` corrupted copies, the way different staff or systems enter the same person.
//! Every copy carries one to three [`Corruption`]s on different fields (at most three fields
//! changed; a swap of two fields spends two), and every corruption changes its field.
//!
//! Two styles ([`PeopleStyle`]):
//!
//! ```text
//! Contact  CRM contacts, half Chinese and half English (chinese_share):
//!          name, email, phone, company, address, city, date_of_birth
//!          name     typo (homophone for Chinese), pinyin / "Family, Given" / "G. Family",
//!                   a space inside a Chinese name, a title (先生 / Mr)
//!          email    other case or Gmail dots, +tag, another address, missing
//!          phone    +86 / 0086 / no prefix or other separators, full-width digits,
//!                   another number, missing
//!          company  legal suffix dropped or changed, (北京) prefix, missing
//!          address  abbreviated street type or district dropped, typo, full-width digits
//!          date     day and month swapped, a digit changed, another format
//! Febrl    FEBRL-style Australian people (the columns of FEBRL 1-4):
//!          given_name, surname, street_number, address_1, address_2, suburb, postcode,
//!          state, date_of_birth (YYYYMMDD), soc_sec_id
//!          typos (substitution, deletion, transposition, insertion), missing values,
//!          given name and surname swapped, a digit changed in the date of birth,
//!          soc_sec_id or postcode
//! ```
//!
//! Record ids follow FEBRL: `rec-N-org` is person N's clean record, `rec-N-dup-K` its K-th copy
//! (K from 0), so the truth is in the id; [`write_csv`] also writes it as a `record_id,entity_id`
//! file, the truth file of `crm dedup evaluate`.
//!
//! ## Determinism and scale
//!
//! The same [`PeopleOptions`] give the same records on every machine: person N is drawn from its
//! own random stream of `(seed, N)`. Exactly `records` records come out (the last person's
//! copies are cut at the limit). [`People`] yields one person at a time; [`Records`] yields
//! their records shuffled inside consecutive windows of [`SHUFFLE_WINDOW`] records (a uniform
//! permutation for smaller data sets, so copies are not next to their originals), holding one
//! window in memory. [`write_csv`] streams records to CSV, so ten million records take the memory
//! of one window.
//!
//! ## Limits
//!
//! `records` from 1 to [`PeopleOptions::MAX_RECORDS`]; `max_duplicates` from 1 to
//! [`PeopleOptions::MAX_DUPLICATES`]; shares and rates are probabilities. In the FEBRL style the
//! soc_sec_id is unique per person for the first 9,000,000 people and repeats after that. Contact
//! e-mail addresses are drawn, not reserved: two people share one now and then, as at a real
//! company's CRM.
//!
//! ```
//! use crm_analytics::demo::people::{generate, PeopleOptions, PeopleStyle};
//! let opts = PeopleOptions { records: 1_000, seed: 7, ..PeopleOptions::new(PeopleStyle::Febrl) };
//! let records = generate(&opts)?;
//! assert_eq!(records.len(), 1_000);
//! assert_eq!(PeopleStyle::Febrl.columns()[0], "given_name");
//! // Copies carry their person's number; originals carry no corruption.
//! for r in &records {
//!     assert!(r.id.starts_with(&format!("rec-{}-", r.entity)));
//!     assert_eq!(r.copy.is_none(), r.corruptions.is_empty());
//! }
//! assert_eq!(generate(&opts)?, records); // deterministic
//! # Ok::<(), crm_analytics::demo::DemoError>(())
//! ```
//!
//! Reference: P. Christen (2005), "Probabilistic data generation for deduplication and data
//! linkage", IDEAL 2005, LNCS 3578.

use std::io::Write;

pub use crate::corrupt::Corruption;
use crate::corrupt::{self, CONTACT_MENU, Entry, FEBRL_TYPO, choose, columns_of};
use crate::names::{self, NamePool};
use crate::rng::Rng;
use crate::{DemoError, febrl};

/// Name of the record id column of the files [`write_csv`] writes (FEBRL's).
pub const ID_COLUMN: &str = "rec_id";

/// Records shuffled together by [`Records`] (and so held in memory at once).
pub const SHUFFLE_WINDOW: usize = 1 << 15;

/// The columns of the contact style, without the id.
const CONTACT_COLUMNS: [&str; 7] = [
    "name",
    "email",
    "phone",
    "company",
    "address",
    "city",
    "date_of_birth",
];

/// Which kind of people to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeopleStyle {
    /// CRM contacts in Chinese and English: name, email, phone, company, address, city, date of
    /// birth.
    Contact,
    /// FEBRL-style people: given name, surname, street number, two address lines, suburb,
    /// postcode, state, date of birth (YYYYMMDD), soc_sec_id.
    Febrl,
}

impl PeopleStyle {
    /// The columns of a record, without the id ([`ID_COLUMN`]), in the order of
    /// [`PeopleRecord::values`].
    ///
    /// ```
    /// use crm_analytics::demo::people::PeopleStyle;
    /// assert_eq!(PeopleStyle::Contact.columns()[..3], ["name", "email", "phone"]);
    /// assert_eq!(PeopleStyle::Febrl.columns().len(), 10);
    /// ```
    #[must_use]
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            PeopleStyle::Contact => &CONTACT_COLUMNS,
            PeopleStyle::Febrl => &febrl::COLUMNS,
        }
    }

    /// The style's name: `contact` or `febrl`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PeopleStyle::Contact => "contact",
            PeopleStyle::Febrl => "febrl",
        }
    }

    /// The style called `name` (`contact` or `febrl`, any case).
    ///
    /// # Errors
    /// [`DemoError::InvalidPeopleOptions`] for another name.
    pub fn parse(name: &str) -> Result<Self, DemoError> {
        [PeopleStyle::Contact, PeopleStyle::Febrl]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| DemoError::InvalidPeopleOptions {
                field: "style",
                value: name.to_string(),
                reason: "must be contact or febrl",
            })
    }

    fn stream_tag(self) -> u64 {
        match self {
            PeopleStyle::Contact => 0xC0_47AC,
            PeopleStyle::Febrl => 0xFE_B41,
        }
    }
}

/// What to generate. Start from [`PeopleOptions::new`] and change what you need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeopleOptions {
    /// Contact or FEBRL style.
    pub style: PeopleStyle,
    /// Number of records to produce (exactly), originals and copies together.
    pub records: usize,
    /// Share of people that have copies. Default 0.3.
    pub duplicate_rate: f64,
    /// Most copies per person (each person with copies has 1 to this many). Default 4.
    pub max_duplicates: usize,
    /// Share of people with Chinese contact details (contact style; unused by FEBRL). Default 0.5.
    pub chinese_share: f64,
    /// Seed of every draw.
    pub seed: u64,
}

impl Default for PeopleOptions {
    /// [`PeopleOptions::new`] of the contact style.
    fn default() -> Self {
        PeopleOptions::new(PeopleStyle::Contact)
    }
}

impl PeopleOptions {
    /// Most records of one data set.
    pub const MAX_RECORDS: usize = 100_000_000;
    /// Most copies of one person.
    pub const MAX_DUPLICATES: usize = 100;

    /// 1,000 records of `style`, 30% of people with 1 to 4 copies, half Chinese, seed 1.
    #[must_use]
    pub fn new(style: PeopleStyle) -> Self {
        PeopleOptions {
            style,
            records: 1_000,
            duplicate_rate: 0.3,
            max_duplicates: 4,
            chinese_share: 0.5,
            seed: 1,
        }
    }

    /// Checks every field.
    ///
    /// ```
    /// use crm_analytics::demo::people::{PeopleOptions, PeopleStyle};
    /// use crm_analytics::demo::DemoError;
    /// let bad = PeopleOptions { duplicate_rate: f64::NAN, ..PeopleOptions::new(PeopleStyle::Febrl) };
    /// assert!(matches!(bad.check(), Err(DemoError::InvalidPeopleOptions { field: "duplicate_rate", .. })));
    /// ```
    ///
    /// # Errors
    /// [`DemoError::InvalidPeopleOptions`] naming the first bad field.
    pub fn check(&self) -> Result<(), DemoError> {
        let bad = |field, value: String, reason| {
            Err(DemoError::InvalidPeopleOptions {
                field,
                value,
                reason,
            })
        };
        if !(1..=Self::MAX_RECORDS).contains(&self.records) {
            return bad(
                "records",
                self.records.to_string(),
                "must be from 1 to 100,000,000",
            );
        }
        if !(1..=Self::MAX_DUPLICATES).contains(&self.max_duplicates) {
            return bad(
                "max_duplicates",
                self.max_duplicates.to_string(),
                "must be from 1 to 100",
            );
        }
        for (field, v) in [
            ("duplicate_rate", self.duplicate_rate),
            ("chinese_share", self.chinese_share),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(field, v.to_string(), "must be a probability in [0, 1]");
            }
        }
        Ok(())
    }
}

/// One corruption of a copy and the columns it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// What was done.
    pub kind: Corruption,
    /// The column it changed.
    pub column: &'static str,
    /// The other column of a [`Corruption::Swap`].
    pub other_column: Option<&'static str>,
}

/// One generated record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleRecord {
    /// `rec-N-org` or `rec-N-dup-K`.
    pub id: String,
    /// The person N (the truth: records with the same entity are the same person).
    pub entity: u64,
    /// `None` for the original, `Some(K)` for copy K.
    pub copy: Option<u32>,
    /// One value per column of the style, empty when missing.
    pub values: Vec<String>,
    /// What makes a copy differ from the original (empty for the original).
    pub corruptions: Vec<Applied>,
}

/// A person's records: the original first, then the copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The person's number N.
    pub entity: u64,
    /// Original, then copies (the last person of a data set may lose copies to the record limit).
    pub records: Vec<PeopleRecord>,
}

/// The people of a data set, one at a time, in person order.
///
/// ```
/// use crm_analytics::demo::people::{People, PeopleOptions, PeopleStyle};
/// let opts = PeopleOptions { records: 500, ..PeopleOptions::new(PeopleStyle::Contact) };
/// let mut records = 0;
/// for person in People::new(&opts)? {
///     assert_eq!(person.records[0].copy, None);
///     for copy in &person.records[1..] {
///         assert!((1..=3).contains(&copy.corruptions.len()));
///     }
///     records += person.records.len();
/// }
/// assert_eq!(records, 500);
/// # Ok::<(), crm_analytics::demo::DemoError>(())
/// ```
#[derive(Debug, Clone)]
pub struct People {
    opts: PeopleOptions,
    next_entity: u64,
    left: usize,
    ids: febrl::IdMap,
}

impl People {
    /// The people of `opts`.
    ///
    /// # Errors
    /// [`DemoError::InvalidPeopleOptions`] from [`PeopleOptions::check`].
    pub fn new(opts: &PeopleOptions) -> Result<Self, DemoError> {
        opts.check()?;
        let tag = opts.style.stream_tag();
        Ok(People {
            opts: *opts,
            next_entity: 0,
            left: opts.records,
            ids: febrl::IdMap::new(&mut Rng::stream(opts.seed, u64::MAX, tag)),
        })
    }

    /// Their records, shuffled within windows of [`SHUFFLE_WINDOW`] records.
    #[must_use]
    pub fn records(self) -> Records {
        let tag = self.opts.style.stream_tag() + 1;
        Records {
            shuffle: Rng::stream(self.opts.seed, u64::MAX, tag),
            left: self.left,
            people: self,
            pending: Vec::new().into_iter(),
            window: Vec::new(),
        }
    }
}

impl Iterator for People {
    type Item = Person;

    fn next(&mut self) -> Option<Person> {
        if self.left == 0 {
            return None;
        }
        let entity = self.next_entity;
        self.next_entity += 1;
        let mut rng = Rng::stream(self.opts.seed, entity, self.opts.style.stream_tag());
        let mut records = match self.opts.style {
            PeopleStyle::Contact => contact_person(&mut rng, entity, &self.opts, self.left),
            PeopleStyle::Febrl => febrl_person(&mut rng, entity, &self.opts, self.ids, self.left),
        };
        records.truncate(self.left);
        self.left -= records.len();
        Some(Person { entity, records })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::from(self.left > 0), Some(self.left))
    }
}

/// The records of [`People`], shuffled within consecutive windows of [`SHUFFLE_WINDOW`]
/// records: a uniform random order for data sets up to that size; beyond it, a person's records
/// lie at most two windows apart. Exactly `records` items.
#[derive(Debug, Clone)]
pub struct Records {
    people: People,
    shuffle: Rng,
    pending: std::vec::IntoIter<PeopleRecord>,
    window: Vec<PeopleRecord>,
    left: usize,
}

impl Iterator for Records {
    type Item = PeopleRecord;

    fn next(&mut self) -> Option<PeopleRecord> {
        if self.window.is_empty() {
            while self.window.len() < SHUFFLE_WINDOW {
                if let Some(r) = self.pending.next() {
                    self.window.push(r);
                } else if let Some(p) = self.people.next() {
                    self.pending = p.records.into_iter();
                } else {
                    break;
                }
            }
            // Fisher-Yates; records are then taken from the end.
            for i in (1..self.window.len()).rev() {
                let j = self.shuffle.below(i + 1);
                self.window.swap(i, j);
            }
        }
        let r = self.window.pop()?;
        self.left -= 1;
        Some(r)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Records {}

/// All records of `opts`, shuffled as by [`Records`]. For large sizes stream with
/// [`People::records`] and [`write_csv`] instead.
///
/// # Errors
/// [`DemoError::InvalidPeopleOptions`] from [`PeopleOptions::check`].
pub fn generate(opts: &PeopleOptions) -> Result<Vec<PeopleRecord>, DemoError> {
    Ok(People::new(opts)?.records().collect())
}

/// How many copies a person gets.
fn copies(rng: &mut Rng, opts: &PeopleOptions) -> u32 {
    if rng.chance(opts.duplicate_rate) {
        1 + rng.below(opts.max_duplicates) as u32
    } else {
        0
    }
}

fn record(
    style: PeopleStyle,
    entity: u64,
    copy: Option<u32>,
    values: Vec<String>,
    chosen: &[Entry],
) -> PeopleRecord {
    let cols = style.columns();
    let corruptions = chosen
        .iter()
        .map(|e| {
            let mut c = columns_of(e.fields).filter_map(|i| cols.get(i).copied());
            Applied {
                kind: e.kind,
                column: c.next().unwrap_or(""),
                other_column: c.next(),
            }
        })
        .collect();
    PeopleRecord {
        id: match copy {
            None => format!("rec-{entity}-org"),
            Some(k) => format!("rec-{entity}-dup-{k}"),
        },
        entity,
        copy,
        values,
        corruptions,
    }
}

fn contact_person(
    rng: &mut Rng,
    entity: u64,
    opts: &PeopleOptions,
    left: usize,
) -> Vec<PeopleRecord> {
    let mut c = names::person(rng, NamePool::Wide, opts.chinese_share, 1.0);
    let first = chrono::NaiveDate::from_ymd_opt(1945, 1, 1).unwrap_or_default();
    c.birth = first.checked_add_days(chrono::Days::new(rng.below(60 * 365) as u64));
    let primary = names::primary_fields(&c);
    let render = |f: &names::RecordFields| {
        vec![
            f.full_name.clone(),
            f.email.clone().unwrap_or_default(),
            f.phone.clone().unwrap_or_default(),
            f.company.clone().unwrap_or_default(),
            f.address.clone().unwrap_or_default(),
            c.city.clone(),
            f.birth.clone().unwrap_or_default(),
        ]
    };
    let n = copies(rng, opts);
    let mut out = vec![record(
        PeopleStyle::Contact,
        entity,
        None,
        render(&primary),
        &[],
    )];
    for k in 0..n {
        if out.len() >= left {
            break;
        }
        let chosen = choose(
            rng,
            &CONTACT_MENU,
            |e| corrupt::contact_usable(&c, &primary, e),
            true,
        );
        let mut f = primary.clone();
        for e in &chosen {
            corrupt::apply_contact(rng, &c, &mut f, *e, true);
        }
        out.push(record(
            PeopleStyle::Contact,
            entity,
            Some(k),
            render(&f),
            &chosen,
        ));
    }
    out
}

fn febrl_person(
    rng: &mut Rng,
    entity: u64,
    opts: &PeopleOptions,
    ids: febrl::IdMap,
    left: usize,
) -> Vec<PeopleRecord> {
    let original = febrl::person(rng, entity, ids);
    let n = copies(rng, opts);
    let mut out = Vec::with_capacity(1 + n as usize);
    for k in 0..n {
        if out.len() + 1 >= left {
            break;
        }
        let chosen = choose(
            rng,
            &febrl::MENU,
            |e| corrupt::columns_usable(&original, e),
            true,
        );
        let mut values = original.clone();
        for e in &chosen {
            corrupt::apply_columns(rng, &mut values, *e, FEBRL_TYPO);
        }
        out.push(record(PeopleStyle::Febrl, entity, Some(k), values, &chosen));
    }
    out.insert(0, record(PeopleStyle::Febrl, entity, None, original, &[]));
    out
}

/// Writes records as CSV (a header `rec_id,<columns of style>`, then one line per record) to
/// `out`, and the truth (`record_id,entity_id`, one line per record) to `truth`, streaming:
/// nothing but the current line is held. Fields with a comma, quote or line break are quoted
/// (RFC 4180). Returns the number of records written. The writers are buffered inside.
///
/// ```
/// use crm_analytics::demo::people::{write_csv, People, PeopleOptions, PeopleStyle};
/// let opts = PeopleOptions { records: 20, ..PeopleOptions::new(PeopleStyle::Febrl) };
/// let (mut csv, mut truth) = (Vec::new(), Vec::new());
/// let n = write_csv(opts.style, People::new(&opts)?.records(), &mut csv, &mut truth)?;
/// assert_eq!(n, 20);
/// let csv = String::from_utf8(csv)?;
/// assert!(csv.starts_with("rec_id,given_name,surname,street_number,address_1,"));
/// assert_eq!(csv.lines().count(), 21);
/// let truth = String::from_utf8(truth)?;
/// assert!(truth.starts_with("record_id,entity_id\n"));
/// assert_eq!(truth.lines().count(), 21);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// The first error of either writer.
pub fn write_csv(
    style: PeopleStyle,
    records: impl IntoIterator<Item = PeopleRecord>,
    out: impl Write,
    truth: impl Write,
) -> std::io::Result<u64> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    let mut truth = std::io::BufWriter::with_capacity(1 << 16, truth);
    let mut line = String::with_capacity(256);
    line.push_str(ID_COLUMN);
    for c in style.columns() {
        line.push(',');
        line.push_str(c);
    }
    line.push('\n');
    out.write_all(line.as_bytes())?;
    truth.write_all(b"record_id,entity_id\n")?;
    let mut n = 0u64;
    for r in records {
        line.clear();
        push_field(&mut line, &r.id);
        for v in &r.values {
            line.push(',');
            push_field(&mut line, v);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        line.clear();
        push_field(&mut line, &r.id);
        line.push(',');
        line.push_str(&r.entity.to_string());
        line.push('\n');
        truth.write_all(line.as_bytes())?;
        n += 1;
    }
    out.flush()?;
    truth.flush()?;
    Ok(n)
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn push_field(line: &mut String, v: &str) {
    if v.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&v.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `a` and `b` differ by one substitution, deletion, insertion or transposition.
    fn one_edit(a: &str, b: &str) -> bool {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let pre = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
        let suf = |x: &[char], y: &[char]| {
            x.iter()
                .rev()
                .zip(y.iter().rev())
                .take_while(|(p, q)| p == q)
                .count()
        };
        match a.len() as i64 - b.len() as i64 {
            0 => {
                let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
                diff.len() == 1
                    || (diff.len() == 2
                        && diff[1] == diff[0] + 1
                        && a[diff[0]] == b[diff[1]]
                        && a[diff[1]] == b[diff[0]])
            }
            1 => pre + suf(&a[pre..], &b[pre..]) >= b.len(),
            -1 => pre + suf(&b[pre..], &a[pre..]) >= a.len(),
            _ => false,
        }
    }

    /// Checks one person's records; returns how many copies it has.
    fn check_person(style: PeopleStyle, p: &Person) -> Result<usize, TestCaseError> {
        let cols = style.columns();
        let org = &p.records[0];
        prop_assert_eq!(&org.id, &format!("rec-{}-org", p.entity));
        prop_assert_eq!((org.copy, org.entity), (None, p.entity));
        prop_assert!(org.corruptions.is_empty());
        prop_assert_eq!(org.values.len(), cols.len());
        for (k, dup) in p.records[1..].iter().enumerate() {
            prop_assert_eq!(&dup.id, &format!("rec-{}-dup-{k}", p.entity));
            prop_assert_eq!((dup.copy, dup.entity), (Some(k as u32), p.entity));
            prop_assert_eq!(dup.values.len(), cols.len());
            let n = dup.corruptions.len();
            prop_assert!((1..=3).contains(&n), "{} corruptions", n);
            // The changed columns are exactly those the corruptions name, each named once.
            let mut named: Vec<&str> = dup
                .corruptions
                .iter()
                .flat_map(|a| std::iter::once(a.column).chain(a.other_column))
                .collect();
            let all = named.len();
            named.sort_unstable();
            named.dedup();
            prop_assert_eq!(
                all,
                named.len(),
                "a column corrupted twice: {:?}",
                dup.corruptions
            );
            let mut changed: Vec<&str> = (0..cols.len())
                .filter(|&i| org.values[i] != dup.values[i])
                .map(|i| cols[i])
                .collect();
            changed.sort_unstable();
            prop_assert_eq!(&changed, &named, "{:?} -> {:?}", org.values, dup.values);
            prop_assert!((1..=3).contains(&changed.len()));
            for a in &dup.corruptions {
                let i = cols.iter().position(|c| *c == a.column).unwrap();
                let (o, d) = (&org.values[i], &dup.values[i]);
                match a.kind {
                    Corruption::Missing => prop_assert!(d.is_empty() && !o.is_empty()),
                    Corruption::Swap => {
                        let j = cols
                            .iter()
                            .position(|c| Some(*c) == a.other_column)
                            .unwrap();
                        prop_assert_eq!((d, &dup.values[j]), (&org.values[j], o));
                    }
                    Corruption::DigitChange => {
                        prop_assert_eq!(o.len(), d.len());
                        let diff: Vec<(u8, u8)> =
                            o.bytes().zip(d.bytes()).filter(|(x, y)| x != y).collect();
                        prop_assert_eq!(diff.len(), 1);
                        prop_assert!(diff[0].0.is_ascii_digit() && diff[0].1.is_ascii_digit());
                    }
                    Corruption::Typo if style == PeopleStyle::Febrl => {
                        prop_assert!(one_edit(o, d), "{:?} -> {:?}", o, d);
                    }
                    Corruption::FullWidthDigits => prop_assert!(!d.is_ascii()),
                    _ => {}
                }
                let febrl_kinds = [
                    Corruption::Typo,
                    Corruption::Missing,
                    Corruption::Swap,
                    Corruption::DigitChange,
                ];
                if style == PeopleStyle::Febrl {
                    prop_assert!(febrl_kinds.contains(&a.kind), "{:?}", a.kind);
                }
                if a.kind == Corruption::DigitChange && style == PeopleStyle::Febrl {
                    prop_assert!(["date_of_birth", "soc_sec_id", "postcode"].contains(&a.column));
                }
            }
        }
        Ok(p.records.len() - 1)
    }

    /// Splits a CSV line of our writer (fields quoted only when needed).
    fn split_csv(line: &str) -> Vec<String> {
        let (mut out, mut cur, mut quoted, mut chars) =
            (Vec::new(), String::new(), false, line.chars().peekable());
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    cur.push('"');
                    chars.next();
                }
                ('"', _) => quoted = !quoted,
                (',', false) => out.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            }
        }
        out.push(cur);
        out
    }

    fn style() -> impl Strategy<Value = PeopleStyle> {
        prop_oneof![Just(PeopleStyle::Contact), Just(PeopleStyle::Febrl)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Any seed and options: exactly `records` records, deterministic, every copy changed in
        /// one to three columns by the corruptions it names, ids and truth consistent, the
        /// shuffled records a permutation of the people's, and the CSV files one line each.
        #[test]
        fn people_invariants(
            style in style(),
            seed in any::<u64>(),
            records in 1usize..400,
            duplicate_rate in 0.0f64..=1.0,
            max_duplicates in 1usize..7,
            chinese_share in 0.0f64..=1.0,
        ) {
            let opts = PeopleOptions { style, records, duplicate_rate, max_duplicates, chinese_share, seed };
            let people: Vec<Person> = People::new(&opts).unwrap().collect();
            prop_assert_eq!(people.iter().map(|p| p.records.len()).sum::<usize>(), records);
            for (n, p) in people.iter().enumerate() {
                prop_assert_eq!(p.entity, n as u64);
                let copies = check_person(style, p)?;
                let last = n + 1 == people.len();
                prop_assert!(copies <= max_duplicates || last);
            }
            let shuffled = generate(&opts).unwrap();
            prop_assert_eq!(&generate(&opts).unwrap(), &shuffled);
            let mut a: Vec<&PeopleRecord> = people.iter().flat_map(|p| &p.records).collect();
            let mut b: Vec<&PeopleRecord> = shuffled.iter().collect();
            a.sort_by(|x, y| x.id.cmp(&y.id));
            b.sort_by(|x, y| x.id.cmp(&y.id));
            prop_assert_eq!(a, b);
            let (mut csv, mut truth) = (Vec::new(), Vec::new());
            prop_assert_eq!(write_csv(style, shuffled.clone(), &mut csv, &mut truth).unwrap(), records as u64);
            let (csv, truth) = (String::from_utf8(csv).unwrap(), String::from_utf8(truth).unwrap());
            let lines: Vec<&str> = csv.lines().collect();
            prop_assert_eq!(lines.len(), records + 1);
            prop_assert_eq!(split_csv(lines[0]).len(), style.columns().len() + 1);
            for (line, (t, r)) in lines[1..].iter().zip(truth.lines().skip(1).zip(&shuffled)) {
                let mut row = vec![r.id.clone()];
                row.extend(r.values.iter().cloned());
                prop_assert_eq!(split_csv(line), row);
                prop_assert_eq!(t.to_string(), format!("{},{}", r.id, r.entity));
            }
        }
    }

    #[test]
    fn shares_of_copies_and_corruptions_follow_the_options() {
        for style in [PeopleStyle::Contact, PeopleStyle::Febrl] {
            let opts = PeopleOptions {
                records: 20_000,
                ..PeopleOptions::new(style)
            };
            let people: Vec<Person> = People::new(&opts).unwrap().collect();
            let with = people.iter().filter(|p| p.records.len() > 1).count() as f64;
            let share = with / people.len() as f64;
            assert!((share - 0.3).abs() < 0.02, "{style:?}: {share}");
            let copies = (opts.records - people.len()) as f64 / with;
            assert!((copies - 2.5).abs() < 0.1, "{style:?}: {copies}");
            let mut kinds = std::collections::HashMap::new();
            for r in people.iter().flat_map(|p| &p.records) {
                for a in &r.corruptions {
                    *kinds.entry((a.kind, a.column)).or_insert(0usize) += 1;
                }
            }
            // Every menu entry happens.
            let menu = match style {
                PeopleStyle::Contact => CONTACT_MENU.len(),
                PeopleStyle::Febrl => febrl::MENU.len(),
            };
            assert_eq!(kinds.len(), menu, "{kinds:?}");
            if style == PeopleStyle::Febrl {
                // soc_sec_id identifies the person: originals never share one.
                let mut ids: Vec<&str> = people
                    .iter()
                    .map(|p| p.records[0].values[9].as_str())
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                assert_eq!(ids.len(), people.len());
            } else {
                let chinese = people
                    .iter()
                    .filter(|p| !p.records[0].values[0].is_ascii())
                    .count() as f64;
                assert!((chinese / people.len() as f64 - 0.5).abs() < 0.03);
            }
        }
    }

    #[test]
    fn records_beyond_one_window_are_exact_and_unique() {
        let opts = PeopleOptions {
            records: SHUFFLE_WINDOW * 2 + 17,
            ..PeopleOptions::new(PeopleStyle::Febrl)
        };
        let records = People::new(&opts).unwrap().records();
        assert_eq!(records.len(), opts.records);
        let (mut ids, entity): (Vec<String>, Vec<u64>) = records.map(|r| (r.id, r.entity)).unzip();
        assert_eq!(ids.len(), opts.records);
        // Shuffled: the first window is far from person order.
        let rising = entity[..1000].windows(2).filter(|w| w[0] <= w[1]).count();
        assert!(rising < 700, "{rising}");
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), opts.records);
    }

    #[test]
    fn invalid_options_are_typed_errors() {
        let base = PeopleOptions::new(PeopleStyle::Febrl);
        let field = |o: PeopleOptions| match o.check() {
            Err(DemoError::InvalidPeopleOptions { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(PeopleOptions { records: 0, ..base }), "records");
        let huge = PeopleOptions::MAX_RECORDS + 1;
        assert_eq!(
            field(PeopleOptions {
                records: huge,
                ..base
            }),
            "records"
        );
        assert_eq!(
            field(PeopleOptions {
                max_duplicates: 0,
                ..base
            }),
            "max_duplicates"
        );
        assert_eq!(
            field(PeopleOptions {
                duplicate_rate: 1.5,
                ..base
            }),
            "duplicate_rate"
        );
        assert_eq!(
            field(PeopleOptions {
                chinese_share: f64::NAN,
                ..base
            }),
            "chinese_share"
        );
        assert!(People::new(&PeopleOptions { records: 0, ..base }).is_err());
        let e = PeopleStyle::parse("csv").unwrap_err();
        assert!(e.to_string().contains("style"), "{e}");
        assert_eq!(PeopleStyle::parse(" FEBRL ").unwrap(), PeopleStyle::Febrl);
        // No copies at all, and copies for everyone.
        for rate in [0.0, 1.0] {
            let o = PeopleOptions {
                records: 300,
                duplicate_rate: rate,
                ..base
            };
            let people: Vec<Person> = People::new(&o).unwrap().collect();
            let singles = people.iter().filter(|p| p.records.len() == 1).count();
            if rate == 0.0 {
                assert_eq!(singles, 300);
            } else {
                assert!(singles <= 1);
            }
        }
    }

    #[test]
    fn contact_values_look_like_crm_contacts() {
        let opts = PeopleOptions {
            records: 3_000,
            ..PeopleOptions::new(PeopleStyle::Contact)
        };
        let recs = generate(&opts).unwrap();
        let orgs: Vec<&PeopleRecord> = recs.iter().filter(|r| r.copy.is_none()).collect();
        for r in &orgs {
            assert!(r.values.iter().all(|v| !v.is_empty()), "{:?}", r.values);
            assert!(r.values[1].contains('@'));
            assert!(r.values[2].starts_with('+'));
            assert_eq!(r.values[6].len(), 10);
        }
        let names: std::collections::HashSet<&str> =
            orgs.iter().map(|r| r.values[0].as_str()).collect();
        assert!(
            names.len() as f64 > 0.8 * orgs.len() as f64,
            "{}",
            names.len()
        );
    }
}
