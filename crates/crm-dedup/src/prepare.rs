//! Normalising a whole data set once, column by column, before blocking and comparison.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{DedupError, Result};
use crate::normalize::{self, EmailOptions, is_cjk};
use crate::phonetic::{
    ALTERNATIVE_SEPARATOR, PhoneticCode, double_metaphone, has_alternatives, soundex,
};
use crate::schema::{FieldKind, FieldSpec, Record, Schema};

/// Options of the normalisers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizeOptions {
    /// Region for phone numbers written without a country code (ISO 3166 alpha-2). Default `"CN"`.
    pub default_region: String,
    /// E-mail options (Gmail folding off by default).
    pub email: EmailOptions,
    /// Phonetic code of Latin-script names (blocking keys and the `partial` level): Soundex by
    /// default, or Double Metaphone. Chinese names use pinyin either way.
    #[serde(default)]
    pub phonetic: PhoneticCode,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions {
            default_region: "CN".into(),
            email: EmailOptions::default(),
            phonetic: PhoneticCode::Soundex,
        }
    }
}

/// Normalises one raw value for its kind; empty when missing or invalid (an invalid e-mail counts
/// as missing).
pub fn normalize_value(kind: FieldKind, raw: &str, opts: &NormalizeOptions) -> String {
    if raw.trim().is_empty() {
        return String::new();
    }
    match kind {
        FieldKind::Name | FieldKind::GivenName | FieldKind::Surname => normalize::person_name(raw),
        FieldKind::Email => normalize::email(raw, opts.email).unwrap_or_default(),
        FieldKind::Phone => normalize::phone(raw, &opts.default_region).unwrap_or_default(),
        FieldKind::Company => normalize::company(raw),
        FieldKind::Address => normalize::address(raw),
        FieldKind::Postcode => normalize::postcode(raw),
        FieldKind::City | FieldKind::State | FieldKind::Text | FieldKind::Exact => {
            normalize::plain(raw)
        }
        FieldKind::Date => normalize::date(raw),
    }
}

/// Phonetic key of a normalised name with the default code ([`PhoneticCode::Soundex`]); see
/// [`phonetic_key_with`].
pub fn phonetic_key(kind: FieldKind, value: &str) -> String {
    phonetic_key_with(kind, value, PhoneticCode::Soundex)
}

/// Phonetic key of a normalised value of kind `kind` under `code`; empty for kinds other than
/// names.
///
/// ```text
/// value                 kind                 Soundex            Double Metaphone
/// 张伟                   any name kind        zhangwei           zhangwei              (pinyin)
/// smith                 surname/given name   S530               SM0|XMT
/// john smith            full name            johnsmith          johnsmith|JN SM0|AN XMT
/// ```
///
/// * Chinese names (any CJK character): pinyin, under either code.
/// * Given names and surnames: one code per token, sorted (token order does not matter), joined
///   with spaces. Double Metaphone gives two alternatives, all primary codes and all alternate
///   codes, separated by [`ALTERNATIVE_SEPARATOR`] (one when they coincide).
/// * Full names in Latin script: the name without spaces (so that `zhang wei` meets `张伟`'s
///   pinyin); with Double Metaphone the two code alternatives are added after it.
///
/// Keys with several alternatives agree when any alternative agrees
/// ([`crate::phonetic::codes_agree`]); blocking files a record under each.
///
/// ```
/// use crm_analytics::dedup::phonetic::PhoneticCode;
/// use crm_analytics::dedup::prepare::phonetic_key_with;
/// use crm_analytics::dedup::schema::FieldKind;
/// let dm = PhoneticCode::DoubleMetaphone;
/// assert_eq!(phonetic_key_with(FieldKind::Surname, "smith", PhoneticCode::Soundex), "S530");
/// assert_eq!(phonetic_key_with(FieldKind::Surname, "smith", dm), "SM0|XMT");
/// assert_eq!(phonetic_key_with(FieldKind::Name, "john smith", dm), "johnsmith|JN SM0|AN XMT");
/// assert_eq!(phonetic_key_with(FieldKind::Name, "张伟", dm), "zhangwei");
/// ```
pub fn phonetic_key_with(kind: FieldKind, value: &str, code: PhoneticCode) -> String {
    match code {
        PhoneticCode::Soundex => soundex_key(kind, value),
        PhoneticCode::DoubleMetaphone => double_metaphone_key(kind, value),
    }
}

fn soundex_key(kind: FieldKind, value: &str) -> String {
    match kind {
        FieldKind::Name | FieldKind::GivenName | FieldKind::Surname => {
            if value.chars().any(is_cjk) || kind == FieldKind::Name {
                normalize::pinyin_of_normalized(value)
            } else {
                let mut codes: Vec<String> = value.split_whitespace().filter_map(soundex).collect();
                codes.sort_unstable();
                codes.join(" ")
            }
        }
        _ => String::new(),
    }
}

fn double_metaphone_key(kind: FieldKind, value: &str) -> String {
    if !matches!(
        kind,
        FieldKind::Name | FieldKind::GivenName | FieldKind::Surname
    ) {
        return String::new();
    }
    if value.chars().any(is_cjk) {
        return normalize::pinyin_of_normalized(value);
    }
    let (mut primary, mut alternate): (Vec<String>, Vec<String>) = value
        .split_whitespace()
        .filter_map(double_metaphone)
        .map(|c| (c.primary, c.alternate))
        .unzip();
    primary.sort_unstable();
    alternate.sort_unstable();
    let (p, a) = (primary.join(" "), alternate.join(" "));
    let mut key = if kind == FieldKind::Name {
        normalize::pinyin_of_normalized(value)
    } else {
        String::new()
    };
    for alt in [p, a] {
        if alt.is_empty() || key.split(ALTERNATIVE_SEPARATOR).any(|k| k == alt) {
            continue;
        }
        if !key.is_empty() {
            key.push(ALTERNATIVE_SEPARATOR);
        }
        key.push_str(&alt);
    }
    key
}

/// One normalised column.
#[derive(Debug, Clone)]
pub struct PreparedField {
    /// The field.
    pub spec: FieldSpec,
    /// Normalised value per record ("" = missing).
    pub values: Vec<String>,
    /// Phonetic key per record (names only; empty otherwise).
    pub keys: Vec<String>,
    /// Whether some key holds several `|`-separated alternatives (Double Metaphone); when false,
    /// keys are compared for equality only.
    pub alternatives: bool,
    /// Interned value per record: 0 = missing, otherwise an index into `counts`.
    pub value_id: Vec<u32>,
    /// Number of records holding each interned value (`counts[0]` = missing count).
    pub counts: Vec<u32>,
    /// Number of records with a value.
    pub non_missing: usize,
}

impl PreparedField {
    /// Relative frequency of record `i`'s value among non-missing values (the term frequency);
    /// `None` when missing.
    pub fn term_frequency(&self, i: usize) -> Option<f64> {
        let id = *self.value_id.get(i)? as usize;
        if id == 0 || self.non_missing == 0 {
            return None;
        }
        Some(f64::from(*self.counts.get(id)?) / self.non_missing as f64)
    }
}

/// A data set normalised for matching.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Record ids in input order.
    pub ids: Vec<String>,
    /// One normalised column per schema field.
    pub fields: Vec<PreparedField>,
}

impl Prepared {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there is no record.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Position of the record with id `id`.
    pub fn position(&self, id: &str) -> Result<usize> {
        self.ids
            .iter()
            .position(|x| x == id)
            .ok_or_else(|| DedupError::UnknownRecord(id.to_string()))
    }

    /// The phonetic keys of records `a` and `b`, per field where either has one (empty: no
    /// key), and whether they agree ([`crate::phonetic::codes_agree`]): the keys behind the
    /// name-field levels of an explained pair.
    ///
    /// # Errors
    /// [`DedupError::UnknownRecord`] for an id that is not present.
    pub fn phonetic_keys(&self, a: &str, b: &str) -> Result<Vec<PhoneticKeys>> {
        let (i, j) = (self.position(a)?, self.position(b)?);
        let keys = |f: &PreparedField, k: usize| f.keys.get(k).cloned().unwrap_or_default();
        Ok(self
            .fields
            .iter()
            .map(|f| (f, keys(f, i), keys(f, j)))
            .filter(|(_, l, r)| !(l.is_empty() && r.is_empty()))
            .map(|(f, left, right)| PhoneticKeys {
                field: f.spec.name.clone(),
                agree: crate::phonetic::codes_agree(&left, &right),
                left,
                right,
            })
            .collect())
    }
}

/// The phonetic keys of one field of two records ([`Prepared::phonetic_keys`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneticKeys {
    /// Field name.
    pub field: String,
    /// Key of the first record (empty: none).
    pub left: String,
    /// Key of the second record (empty: none).
    pub right: String,
    /// Whether the keys agree.
    pub agree: bool,
}

/// Normalises every value of `records` (in parallel over records), computes phonetic keys and
/// value frequencies. Errors when a record's width differs from the schema or an id repeats.
pub fn prepare(schema: &Schema, records: &[Record], opts: &NormalizeOptions) -> Result<Prepared> {
    if schema.fields.is_empty() {
        return Err(DedupError::NoFields);
    }
    let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
    seen.reserve(records.len());
    for (i, r) in records.iter().enumerate() {
        if r.values.len() != schema.fields.len() {
            return Err(DedupError::RecordWidth {
                index: i,
                id: r.id.clone(),
                expected: schema.fields.len(),
                found: r.values.len(),
            });
        }
        if let Some(first) = seen.insert(r.id.as_str(), i) {
            return Err(DedupError::DuplicateId {
                id: r.id.clone(),
                first,
                second: i,
            });
        }
    }
    let fields = schema
        .fields
        .iter()
        .enumerate()
        .map(|(f, spec)| {
            let (values, keys): (Vec<String>, Vec<String>) = records
                .par_iter()
                .map(|r| {
                    let v = normalize_value(spec.kind, &r.values[f], opts);
                    let k = phonetic_key_with(spec.kind, &v, opts.phonetic);
                    (v, k)
                })
                .unzip();
            let mut intern: FxHashMap<&str, u32> = FxHashMap::default();
            let mut counts = vec![0u32];
            let mut value_id = Vec::with_capacity(values.len());
            for v in &values {
                if v.is_empty() {
                    counts[0] += 1;
                    value_id.push(0);
                    continue;
                }
                let next = counts.len() as u32;
                let id = *intern.entry(v.as_str()).or_insert(next);
                if id == next {
                    counts.push(0);
                }
                counts[id as usize] += 1;
                value_id.push(id);
            }
            let non_missing = values.len() - counts[0] as usize;
            let alternatives = opts.phonetic != PhoneticCode::Soundex
                && keys.par_iter().any(|k| has_alternatives(k));
            PreparedField {
                spec: spec.clone(),
                values,
                keys,
                alternatives,
                value_id,
                counts,
                non_missing,
            }
        })
        .collect();
    Ok(Prepared {
        ids: records.iter().map(|r| r.id.clone()).collect(),
        fields,
    })
}

/// Exact duplicates: records whose normalised values agree on every field.
///
/// `representatives` are the positions of the first record of every group, in input order;
/// `group[i]` is the index (into `representatives`) of record `i`'s group. A record takes part
/// only when at least half of the fields (and at least one) have a value: sparse records that
/// happen to agree on one or two values are left to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactGroups {
    /// Position of the first record of each group, ascending.
    pub representatives: Vec<usize>,
    /// Group of each record (an index into `representatives`).
    pub group: Vec<u32>,
}

impl ExactGroups {
    /// Number of records folded into another record's group (records minus groups).
    pub fn folded(&self) -> usize {
        self.group.len() - self.representatives.len()
    }
}

impl Prepared {
    /// Groups exact duplicates (identical normalised records, see [`ExactGroups`]).
    pub fn exact_groups(&self) -> ExactGroups {
        self.exact_groups_split(0)
    }

    /// [`Prepared::exact_groups`] where records before `split` and records from `split` on
    /// never share a group (the two sources of a linkage).
    pub(crate) fn exact_groups_split(&self, split: usize) -> ExactGroups {
        let n = self.len();
        let nf = self.fields.len();
        let mut seen: FxHashMap<Vec<u32>, u32> = FxHashMap::default();
        let mut representatives = Vec::new();
        let mut group = Vec::with_capacity(n);
        for i in 0..n {
            let mut key: Vec<u32> = self
                .fields
                .iter()
                .map(|f| f.value_id.get(i).copied().unwrap_or(0))
                .collect();
            let present = key.iter().filter(|&&v| v != 0).count();
            key.push(u32::from(i >= split));
            let eligible = present > 0 && 2 * present >= nf;
            let next = representatives.len() as u32;
            let g = if eligible {
                *seen.entry(key).or_insert(next)
            } else {
                next
            };
            if g == next {
                representatives.push(i);
            }
            group.push(g);
        }
        ExactGroups {
            representatives,
            group,
        }
    }

    /// The records at `rows` (positions, in the given order) as a data set of their own. Value
    /// ids are kept; value counts (and so term frequencies) are recounted over `rows`.
    pub(crate) fn select(&self, rows: &[usize]) -> Prepared {
        let fields = self
            .fields
            .iter()
            .map(|f| {
                let pick = |v: &Vec<String>| rows.iter().map(|&i| v[i].clone()).collect();
                let value_id: Vec<u32> = rows.iter().map(|&i| f.value_id[i]).collect();
                let mut counts = vec![0u32; f.counts.len()];
                for &v in &value_id {
                    counts[v as usize] += 1;
                }
                let non_missing = value_id.len() - counts[0] as usize;
                let keys: Vec<String> = pick(&f.keys);
                PreparedField {
                    spec: f.spec.clone(),
                    values: pick(&f.values),
                    alternatives: f.alternatives && keys.iter().any(|k| has_alternatives(k)),
                    keys,
                    value_id,
                    counts,
                    non_missing,
                }
            })
            .collect();
        Prepared {
            ids: rows.iter().map(|&i| self.ids[i].clone()).collect(),
            fields,
        }
    }
}

#[cfg(test)]
mod phonetic_key_tests {
    use super::*;

    #[test]
    fn keys_of_two_records_per_name_field() {
        let schema = Schema::new([
            FieldSpec::new("name", FieldKind::Name),
            FieldSpec::new("email", FieldKind::Email),
        ]);
        let records = [
            Record::new("a", ["John Smith", "js@example.com"]),
            Record::new("b", ["John Smith", "jon@example.com"]),
        ];
        let p = prepare(&schema, &records, &NormalizeOptions::default()).unwrap();
        let k = p.phonetic_keys("a", "b").unwrap();
        assert_eq!(k.len(), 1, "{k:?}");
        assert_eq!(k[0].field, "name");
        assert!(k[0].agree);
        assert!(p.phonetic_keys("a", "zz").is_err());
    }
}
