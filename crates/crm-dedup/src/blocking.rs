//! Blocking: which pairs are compared at all.
//!
//! Comparing every pair of n records costs n(n-1)/2 comparisons. Blocking compares only records
//! that share a *blocking key* under at least one rule (rules are combined with OR), or that sit
//! within a window of each other after sorting by a key (sorted neighbourhood). Each extra rule
//! recovers true pairs that earlier rules missed (higher pairs completeness) at the price of more
//! candidate pairs (lower reduction ratio).
//!
//! ```text
//! reduction ratio     RR = 1 - candidate pairs / all pairs
//! pairs completeness  PC = true pairs among candidates / all true pairs
//! ```
//!
//! Reference: Christen, "A survey of indexing techniques for scalable record linkage and
//! deduplication", IEEE TKDE 24(9), 2012; Hernández and Stolfo (1995) for sorted neighbourhood.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{DedupError, Result};
use crate::phonetic::ALTERNATIVE_SEPARATOR;
use crate::prepare::Prepared;
use crate::schema::Schema;

/// How a field's normalised value becomes part of a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyTransform {
    /// The whole normalised value.
    Exact,
    /// The first `n` characters.
    Prefix(usize),
    /// The phonetic key (Soundex, Double Metaphone or pinyin for names, see
    /// [`crate::prepare::phonetic_key_with`]; the value itself for other kinds). A key with several
    /// alternatives (Double Metaphone's primary and alternate codes) files the record under each
    /// in a [`BlockingRule::Key`], so records meet when any code agrees; a sorted neighbourhood
    /// sorts by the first alternative.
    Phonetic,
    /// The last `n` characters (e.g. the last digits of a phone number).
    Suffix(usize),
}

/// One part of a blocking key: a field and a transform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPart {
    /// Field name (as in the schema).
    pub field: String,
    /// Transform.
    pub transform: KeyTransform,
}

impl KeyPart {
    /// A part using the whole value.
    pub fn exact(field: &str) -> Self {
        KeyPart {
            field: field.into(),
            transform: KeyTransform::Exact,
        }
    }
    /// A part using the first `n` characters.
    pub fn prefix(field: &str, n: usize) -> Self {
        KeyPart {
            field: field.into(),
            transform: KeyTransform::Prefix(n),
        }
    }
    /// A part using the phonetic key.
    pub fn phonetic(field: &str) -> Self {
        KeyPart {
            field: field.into(),
            transform: KeyTransform::Phonetic,
        }
    }
}

/// A blocking rule. A record with any key part missing gets no key under that rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockingRule {
    /// Records whose composite key (parts joined) is equal are compared.
    Key(Vec<KeyPart>),
    /// Records sorted by the composite key; each is compared with the next `window - 1`.
    SortedNeighbourhood {
        /// Sorting key.
        key: Vec<KeyPart>,
        /// Window size (at least 2).
        window: usize,
    },
}

impl std::fmt::Display for KeyPart {
    /// `surname`, `prefix3(surname)`, `phonetic(surname)`, `suffix4(phone)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let field = &self.field;
        match self.transform {
            KeyTransform::Exact => write!(f, "{field}"),
            KeyTransform::Prefix(n) => write!(f, "prefix{n}({field})"),
            KeyTransform::Phonetic => write!(f, "phonetic({field})"),
            KeyTransform::Suffix(n) => write!(f, "suffix{n}({field})"),
        }
    }
}

impl std::fmt::Display for BlockingRule {
    /// The parts joined by `+` (`phonetic(surname)+phonetic(given_name)`); a sorted
    /// neighbourhood as `sorted(surname+given_name, window 3)`.
    ///
    /// ```
    /// use crm_analytics::dedup::blocking::{BlockingRule, KeyPart};
    /// let r = BlockingRule::Key(vec![KeyPart::prefix("surname", 3), KeyPart::exact("postcode")]);
    /// assert_eq!(r.to_string(), "prefix3(surname)+postcode");
    /// let sn = BlockingRule::SortedNeighbourhood { key: vec![KeyPart::exact("name")], window: 3 };
    /// assert_eq!(sn.to_string(), "sorted(name, window 3)");
    /// ```
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts = |key: &[KeyPart]| {
            key.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("+")
        };
        match self {
            BlockingRule::Key(key) => f.write_str(&parts(key)),
            BlockingRule::SortedNeighbourhood { key, window } => {
                write!(f, "sorted({}, window {window})", parts(key))
            }
        }
    }
}

/// Options of [`candidate_pairs`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BlockingOptions {
    /// Blocks larger than this are skipped (their pairs are not generated) and counted in the
    /// report: one very common key (an empty-looking placeholder, a default date) would otherwise
    /// produce a quadratic number of pairs. Default 100.
    pub max_block_size: usize,
    /// A key rule whose blocks would produce more than this many pairs per record (a
    /// low-cardinality key such as a house number or a state) is skipped as a whole and reported
    /// in [`BlockingReport::skipped_rules`]; it would cost much and find little. Default 3.
    pub max_pairs_per_record: f64,
}

impl Default for BlockingOptions {
    fn default() -> Self {
        BlockingOptions {
            max_block_size: 100,
            max_pairs_per_record: 3.0,
        }
    }
}

/// Which pairs are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PairScope {
    /// Deduplication: every pair of distinct records.
    All,
    /// Linkage: records `0..split` are the left source, `split..` the right; only cross pairs.
    Cross(usize),
    /// Incremental: only pairs involving a record at position `>= start` (the new batch).
    Involving(usize),
}

impl PairScope {
    fn allows(self, i: u32, j: u32) -> bool {
        let (i, j) = (i.min(j) as usize, i.max(j) as usize);
        match self {
            PairScope::All => true,
            PairScope::Cross(s) => i < s && j >= s,
            PairScope::Involving(s) => j >= s,
        }
    }

    /// Number of allowed pairs among `n` records.
    pub fn total_pairs(self, n: usize) -> u64 {
        let n = n as u64;
        match self {
            PairScope::All => n * n.saturating_sub(1) / 2,
            PairScope::Cross(s) => {
                let s = (s as u64).min(n);
                s * (n - s)
            }
            PairScope::Involving(s) => {
                let s = (s as u64).min(n);
                n * n.saturating_sub(1) / 2 - s * s.saturating_sub(1) / 2
            }
        }
    }
}

/// What blocking produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockingReport {
    /// Distinct candidate pairs.
    pub candidate_pairs: u64,
    /// All allowed pairs (n(n-1)/2 for deduplication).
    pub total_pairs: u64,
    /// `1 - candidate_pairs / total_pairs` (`None` when there is no pair at all).
    pub reduction_ratio: Option<f64>,
    /// Pairs generated by each rule before the union (same order as the rules).
    pub pairs_per_rule: Vec<u64>,
    /// Blocks skipped for exceeding `max_block_size`, per rule.
    pub oversized_blocks: Vec<u64>,
    /// Rules skipped for exceeding `max_pairs_per_record` (indices into the rules).
    pub skipped_rules: Vec<usize>,
}

/// Candidate pairs `(i, j)` with `i < j` (positions in the data set), sorted and distinct.
#[derive(Debug, Clone)]
pub struct Candidates {
    /// The pairs.
    pub pairs: Vec<(u32, u32)>,
    /// Counts.
    pub report: BlockingReport,
}

fn resolve(schema: &Schema, parts: &[KeyPart]) -> Result<Vec<(usize, KeyTransform)>> {
    if parts.is_empty() {
        return Err(DedupError::InvalidParameter {
            name: "blocking rule",
            reason: "a rule needs at least one key part".into(),
        });
    }
    parts
        .iter()
        .map(|p| Ok((schema.index(&p.field)?, p.transform.clone())))
        .collect()
}

fn key_of(prep: &Prepared, parts: &[(usize, KeyTransform)], i: usize) -> Option<String> {
    let mut key = String::new();
    for (k, (f, t)) in parts.iter().enumerate() {
        let field = &prep.fields[*f];
        let v = field.values[i].as_str();
        if v.is_empty() {
            return None;
        }
        if k > 0 {
            key.push('\u{1f}');
        }
        match t {
            KeyTransform::Exact => key.push_str(v),
            KeyTransform::Prefix(n) => key.extend(v.chars().take(*n)),
            KeyTransform::Suffix(n) => {
                let c: Vec<char> = v.chars().collect();
                key.extend(&c[c.len().saturating_sub(*n)..]);
            }
            KeyTransform::Phonetic => {
                // the first alternative; the others are filed by `extra_keys`
                let mut p = field.keys[i].as_str();
                if field.alternatives {
                    p = p.split(ALTERNATIVE_SEPARATOR).next().unwrap_or(p);
                }
                key.push_str(if p.is_empty() { v } else { p });
            }
        }
    }
    Some(key)
}

/// Keys of record `i` beyond [`key_of`]'s when a phonetic part has several alternatives (Double
/// Metaphone): every combination of the parts' alternatives except the all-first one, distinct.
/// Empty for single-alternative keys (Soundex, pinyin) and for records with a missing part.
fn extra_keys(prep: &Prepared, parts: &[(usize, KeyTransform)], i: usize) -> Vec<String> {
    let mut alternatives: Vec<Vec<&str>> = Vec::with_capacity(parts.len());
    let mut several = false;
    for (f, t) in parts {
        let field = &prep.fields[*f];
        let v = field.values[i].as_str();
        if v.is_empty() {
            return Vec::new();
        }
        let k = field.keys[i].as_str();
        if matches!(t, KeyTransform::Phonetic) && k.contains(ALTERNATIVE_SEPARATOR) {
            let mut alts: Vec<&str> = Vec::new();
            for a in k.split(ALTERNATIVE_SEPARATOR).filter(|a| !a.is_empty()) {
                if !alts.contains(&a) {
                    alts.push(a);
                }
            }
            several |= alts.len() > 1;
            alternatives.push(alts);
        } else {
            alternatives.push(Vec::new()); // the part as key_of renders it
        }
    }
    if !several {
        return Vec::new();
    }
    let Some(first) = key_of(prep, parts, i) else {
        return Vec::new();
    };
    // render each part once (as key_of does), then take the product over alternatives
    let mut combos: Vec<String> = vec![String::new()];
    for (k, ((f, t), alts)) in parts.iter().zip(&alternatives).enumerate() {
        let single = [key_of(prep, &[(*f, t.clone())], i).unwrap_or_default()];
        let choices: Vec<&str> = if alts.is_empty() {
            single.iter().map(String::as_str).collect()
        } else {
            alts.clone()
        };
        let mut next = Vec::with_capacity(combos.len() * choices.len());
        for c in &combos {
            for x in &choices {
                let mut s = c.clone();
                if k > 0 {
                    s.push('\u{1f}');
                }
                s.push_str(x);
                next.push(s);
            }
        }
        combos = next;
    }
    let mut out: Vec<String> = Vec::new();
    for c in combos {
        if c != first && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// The key rules of a rule list, resolved once, to ask of a single pair of records under which
/// rules they share a key ([`KeyRules::shared`]) without building any block.
pub(crate) struct KeyRules {
    /// Resolved parts of each rule; `None` for a sorted neighbourhood (no shared-key notion).
    rules: Vec<Option<Vec<(usize, KeyTransform)>>>,
}

impl KeyRules {
    /// Resolves `rules` against `schema` (errors as [`candidate_pairs`] reports them).
    pub(crate) fn new(schema: &Schema, rules: &[BlockingRule]) -> Result<Self> {
        let rules = rules
            .iter()
            .map(|r| match r {
                BlockingRule::Key(parts) => resolve(schema, parts).map(Some),
                BlockingRule::SortedNeighbourhood { .. } => Ok(None),
            })
            .collect::<Result<_>>()?;
        Ok(KeyRules { rules })
    }

    /// Indices of the key rules under which records `i` and `j` of `prep` get a common key
    /// (any alternative of a multi-code phonetic key counts, as in [`candidate_pairs`]), in
    /// rule order. Such a pair is a candidate unless the rule was skipped or the block was
    /// larger than [`BlockingOptions::max_block_size`].
    pub(crate) fn shared(&self, prep: &Prepared, i: usize, j: usize) -> Vec<usize> {
        let keys = |parts: &[(usize, KeyTransform)], k: usize| -> Vec<String> {
            let mut v: Vec<String> = key_of(prep, parts, k).into_iter().collect();
            if !v.is_empty() {
                v.extend(extra_keys(prep, parts, k));
            }
            v
        };
        let n = prep.len();
        if i >= n || j >= n {
            return Vec::new();
        }
        self.rules
            .iter()
            .enumerate()
            .filter_map(|(r, parts)| {
                let parts = parts.as_deref()?;
                let a = keys(parts, i);
                let b = keys(parts, j);
                a.iter().any(|k| b.contains(k)).then_some(r)
            })
            .collect()
    }
}

/// Generates the candidate pairs of `rules` (OR-ed) within `scope`.
///
/// ```
/// use crm_analytics::dedup::blocking::{candidate_pairs, BlockingOptions, BlockingRule, KeyPart, PairScope};
/// use crm_analytics::dedup::prepare::{prepare, NormalizeOptions};
/// use crm_analytics::dedup::schema::{FieldKind, FieldSpec, Record, Schema};
/// let schema = Schema::new([FieldSpec::new("surname", FieldKind::Surname)]);
/// let recs: Vec<Record> = ["Smith", "Smyth", "Jones", "smith"]
///     .iter().enumerate().map(|(i, s)| Record::new(i.to_string(), [*s])).collect();
/// let prep = prepare(&schema, &recs, &NormalizeOptions::default()).unwrap();
/// let rules = [BlockingRule::Key(vec![KeyPart::phonetic("surname")])];
/// let c = candidate_pairs(&prep, &schema, &rules, PairScope::All, BlockingOptions::default()).unwrap();
/// assert_eq!(c.pairs, vec![(0, 1), (0, 3), (1, 3)]); // smith ~ smyth (S530); jones alone
/// assert_eq!(c.report.total_pairs, 6);
/// assert_eq!(c.report.reduction_ratio, Some(0.5));
/// ```
pub fn candidate_pairs(
    prep: &Prepared,
    schema: &Schema,
    rules: &[BlockingRule],
    scope: PairScope,
    opts: BlockingOptions,
) -> Result<Candidates> {
    let n = prep.len();
    if n > u32::MAX as usize {
        return Err(DedupError::InvalidParameter {
            name: "records",
            reason: format!("{n} records exceed the 32-bit index"),
        });
    }
    let mut all: Vec<u64> = Vec::new();
    let mut pairs_per_rule = Vec::with_capacity(rules.len());
    let mut oversized_blocks = Vec::with_capacity(rules.len());
    let mut skipped_rules = Vec::new();
    for (r, rule) in rules.iter().enumerate() {
        let before = all.len();
        let mut oversized = 0u64;
        match rule {
            BlockingRule::Key(parts) => {
                let parts = resolve(schema, parts)?;
                let keys: Vec<Option<String>> = (0..n)
                    .into_par_iter()
                    .map(|i| key_of(prep, &parts, i))
                    .collect();
                // a record whose phonetic key has several alternatives (Double Metaphone) is
                // filed under each combination as well
                let several = parts.iter().any(|(f, t)| {
                    matches!(t, KeyTransform::Phonetic) && prep.fields[*f].alternatives
                });
                let extras: Vec<(String, u32)> = if several {
                    (0..n)
                        .into_par_iter()
                        .flat_map_iter(|i| {
                            extra_keys(prep, &parts, i)
                                .into_iter()
                                .map(move |k| (k, i as u32))
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let mut blocks: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
                for (i, k) in keys.iter().enumerate() {
                    if let Some(k) = k {
                        blocks.entry(k.as_str()).or_default().push(i as u32);
                    }
                }
                for (k, i) in &extras {
                    blocks.entry(k.as_str()).or_default().push(*i);
                }
                let planned: f64 = blocks
                    .values()
                    .map(|m| m.len())
                    .filter(|&s| s <= opts.max_block_size)
                    .map(|s| (s * s.saturating_sub(1) / 2) as f64)
                    .sum();
                if planned > opts.max_pairs_per_record * n as f64 {
                    skipped_rules.push(r);
                    pairs_per_rule.push(0);
                    oversized_blocks.push(0);
                    continue;
                }
                for members in blocks.values() {
                    if members.len() < 2 {
                        continue;
                    }
                    if members.len() > opts.max_block_size {
                        oversized += 1;
                        continue;
                    }
                    for (a, &i) in members.iter().enumerate() {
                        for &j in &members[a + 1..] {
                            if scope.allows(i, j) {
                                all.push((u64::from(i.min(j)) << 32) | u64::from(i.max(j)));
                            }
                        }
                    }
                }
            }
            BlockingRule::SortedNeighbourhood { key, window } => {
                if *window < 2 {
                    return Err(DedupError::InvalidParameter {
                        name: "window",
                        reason: format!("sorted-neighbourhood window {window} must be at least 2"),
                    });
                }
                let parts = resolve(schema, key)?;
                let mut keyed: Vec<(String, u32)> = (0..n)
                    .into_par_iter()
                    .filter_map(|i| key_of(prep, &parts, i).map(|k| (k, i as u32)))
                    .collect();
                keyed.par_sort_unstable();
                for a in 0..keyed.len() {
                    for b in a + 1..(a + *window).min(keyed.len()) {
                        let (i, j) = (keyed[a].1, keyed[b].1);
                        if scope.allows(i, j) {
                            all.push((u64::from(i.min(j)) << 32) | u64::from(i.max(j)));
                        }
                    }
                }
            }
        }
        pairs_per_rule.push((all.len() - before) as u64);
        oversized_blocks.push(oversized);
    }
    all.par_sort_unstable();
    all.dedup();
    let total_pairs = scope.total_pairs(n);
    let candidate_pairs = all.len() as u64;
    let reduction_ratio =
        (total_pairs > 0).then(|| 1.0 - candidate_pairs as f64 / total_pairs as f64);
    Ok(Candidates {
        pairs: all
            .into_iter()
            .map(|p| ((p >> 32) as u32, (p & 0xffff_ffff) as u32))
            .collect(),
        report: BlockingReport {
            candidate_pairs,
            total_pairs,
            reduction_ratio,
            pairs_per_rule,
            oversized_blocks,
            skipped_rules,
        },
    })
}
