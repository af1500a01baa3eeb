//! Golden records: one surviving value per field per cluster, with provenance.
//!
//! Survivorship rules decide which value of a cluster's records survives:
//!
//! ```text
//! most_recent      value of the record with the latest `updated` date (ties: most frequent)
//! most_frequent    the value held by most records (ties: the longer, then the first seen)
//! most_complete    the longest value (most characters; ties: most frequent)
//! source_priority  the value from the highest-priority source in the list (ties: most frequent)
//! union            every distinct value (e-mails and phones: a customer can have several)
//! ```
//!
//! Defaults per kind: e-mail and phone `union`; address `most_recent`; name kinds and company
//! `most_complete`; others `most_frequent`. Values are the normalised values.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::prepare::Prepared;
use crate::schema::{FieldKind, Record};

/// A survivorship rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Survivorship {
    /// The value of the most recently updated record.
    MostRecent,
    /// The most common value.
    MostFrequent,
    /// The longest value.
    MostComplete,
    /// The value from the first source in this list that has one.
    SourcePriority(Vec<String>),
    /// All distinct values.
    Union,
}

impl Survivorship {
    /// The default rule for a kind (see the module docs).
    pub fn default_for(kind: FieldKind) -> Survivorship {
        match kind {
            FieldKind::Email | FieldKind::Phone => Survivorship::Union,
            FieldKind::Address => Survivorship::MostRecent,
            FieldKind::Name | FieldKind::GivenName | FieldKind::Surname | FieldKind::Company => {
                Survivorship::MostComplete
            }
            _ => Survivorship::MostFrequent,
        }
    }
}

/// A surviving value and the records it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurvivingValue {
    /// The value.
    pub value: String,
    /// Ids of the records holding it.
    pub sources: Vec<String>,
}

/// One field of a golden record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoldenField {
    /// Field name.
    pub field: String,
    /// Rule applied.
    pub rule: Survivorship,
    /// Surviving value(s): one, several for `union`, none when every record lacks the field.
    pub values: Vec<SurvivingValue>,
}

/// The merged record of one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoldenRecord {
    /// Cluster label.
    pub cluster: u32,
    /// Ids of the cluster's records.
    pub members: Vec<String>,
    /// One entry per schema field.
    pub fields: Vec<GoldenField>,
}

/// Builds one golden record per cluster (in label order). `rules[f]` overrides the default rule
/// of field `f` when `Some`. `records` supplies `source` and `updated`; it must be aligned with
/// `prep` (positions), missing metadata is treated as absent.
pub fn golden_records(
    prep: &Prepared,
    records: &[Record],
    labels: &[u32],
    rules: &[Option<Survivorship>],
) -> Vec<GoldenRecord> {
    let n_clusters = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_clusters];
    for (i, &l) in labels.iter().enumerate().take(prep.len()) {
        members[l as usize].push(i);
    }
    members
        .into_iter()
        .enumerate()
        .filter(|(_, m)| !m.is_empty())
        .map(|(c, m)| GoldenRecord {
            cluster: c as u32,
            members: m.iter().map(|&i| prep.ids[i].clone()).collect(),
            fields: prep
                .fields
                .iter()
                .enumerate()
                .map(|(f, field)| {
                    let rule = rules
                        .get(f)
                        .cloned()
                        .flatten()
                        .unwrap_or_else(|| Survivorship::default_for(field.spec.kind));
                    let values = survive(prep, records, f, &m, &rule);
                    GoldenField {
                        field: field.spec.name.clone(),
                        rule,
                        values,
                    }
                })
                .collect(),
        })
        .collect()
}

fn survive(
    prep: &Prepared,
    records: &[Record],
    f: usize,
    members: &[usize],
    rule: &Survivorship,
) -> Vec<SurvivingValue> {
    let field = &prep.fields[f];
    // distinct values in first-seen order with their holders
    let mut order: Vec<&str> = Vec::new();
    let mut holders: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for &i in members {
        let v = field.values[i].as_str();
        if v.is_empty() {
            continue;
        }
        let e = holders.entry(v).or_default();
        if e.is_empty() {
            order.push(v);
        }
        e.push(i);
    }
    if order.is_empty() {
        return Vec::new();
    }
    let make = |v: &str| SurvivingValue {
        value: v.to_string(),
        sources: holders
            .get(v)
            .map(|h| h.iter().map(|&i| prep.ids[i].clone()).collect())
            .unwrap_or_default(),
    };
    let freq = |v: &str| holders.get(v).map_or(0, Vec::len);
    let most_frequent = || {
        let mut best = order[0];
        for &v in &order[1..] {
            if (freq(v), v.chars().count()) > (freq(best), best.chars().count()) {
                best = v;
            }
        }
        best
    };
    let chosen = match rule {
        Survivorship::Union => return order.iter().map(|v| make(v)).collect(),
        Survivorship::MostFrequent => most_frequent(),
        Survivorship::MostComplete => {
            let mut best = order[0];
            for &v in &order[1..] {
                if (v.chars().count(), freq(v)) > (best.chars().count(), freq(best)) {
                    best = v;
                }
            }
            best
        }
        Survivorship::MostRecent => {
            let date = |v: &str| {
                holders
                    .get(v)
                    .into_iter()
                    .flatten()
                    .filter_map(|&i| records.get(i).and_then(|r| r.updated))
                    .max()
            };
            let mut best = most_frequent();
            for &v in &order {
                if date(v) > date(best) {
                    best = v;
                }
            }
            best
        }
        Survivorship::SourcePriority(list) => {
            let rank = |v: &str| {
                holders
                    .get(v)
                    .into_iter()
                    .flatten()
                    .filter_map(|&i| {
                        let s = records.get(i)?.source.as_deref()?;
                        list.iter().position(|x| x == s)
                    })
                    .min()
                    .unwrap_or(usize::MAX)
            };
            let mut best = most_frequent();
            for &v in &order {
                if rank(v) < rank(best) {
                    best = v;
                }
            }
            best
        }
    };
    vec![make(chosen)]
}
