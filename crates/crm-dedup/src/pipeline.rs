//! The whole pipeline in one call: normalise, block, compare, estimate u and m, score, cluster;
//! plus two-source linkage and incremental matching.

use serde::{Deserialize, Serialize};

use crate::blocking::{
    BlockingOptions, BlockingReport, BlockingRule, KeyPart, PairScope, candidate_pairs,
};
use crate::cluster::{ClusterOptions, ClusterRow, Clustering, cluster};
use crate::error::{DedupError, Result};
use crate::model::{
    Comparisons, EmOptions, Explanation, FsModel, compare_pairs, estimate_u, probability, train_em,
};
use crate::prepare::{ExactGroups, NormalizeOptions, Prepared, prepare};
use crate::schema::{FieldKind, Record, Schema};

/// Everything that configures a run. [`DedupConfig::new`] gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DedupConfig {
    /// Compared fields.
    pub schema: Schema,
    /// Blocking rules (OR-ed).
    pub blocking: Vec<BlockingRule>,
    /// Blocking options.
    pub blocking_options: BlockingOptions,
    /// Normaliser options.
    pub normalize: NormalizeOptions,
    /// Random pairs sampled to estimate u (EM's starting u and the term-frequency reference).
    /// Default 10 000.
    pub u_sample: usize,
    /// Seed of the u sample. Default 42.
    pub seed: u64,
    /// EM options.
    pub em: EmOptions,
    /// Clustering options (threshold, chaining guard).
    pub cluster: ClusterOptions,
}

impl DedupConfig {
    /// The default configuration for `schema`, with [`default_blocking`] rules.
    pub fn new(schema: Schema) -> Self {
        let blocking = default_blocking(&schema);
        DedupConfig {
            schema,
            blocking,
            blocking_options: BlockingOptions::default(),
            normalize: NormalizeOptions::default(),
            u_sample: 10_000,
            seed: 42,
            em: EmOptions::default(),
            cluster: ClusterOptions::default(),
        }
    }
}

/// Default blocking rules derived from the field kinds (OR-ed):
///
/// ```text
/// every e-mail, phone, date and exact-kind field        exact value
/// given name + surname                                  phonetic(surname) + phonetic(given)
/// surname (or full name) + postcode                     prefix3(surname) + postcode
/// full name                                             phonetic(name)
/// full name + date                                      phonetic(name) + year of date (prefix 4)
/// company + name                                        company + prefix1(name)
/// address                                               exact address
/// sorted neighbourhood, window 3                        surname + given name (or full name)
/// ```
///
/// Blocks larger than [`BlockingOptions::max_block_size`] are skipped.
pub fn default_blocking(schema: &Schema) -> Vec<BlockingRule> {
    let find = |k: FieldKind| {
        schema
            .fields
            .iter()
            .find(|f| f.kind == k)
            .map(|f| f.name.as_str())
    };
    let mut rules = Vec::new();
    for f in &schema.fields {
        if matches!(
            f.kind,
            FieldKind::Email | FieldKind::Phone | FieldKind::Date | FieldKind::Exact
        ) {
            rules.push(BlockingRule::Key(vec![KeyPart::exact(&f.name)]));
        }
    }
    let given = find(FieldKind::GivenName);
    let surname = find(FieldKind::Surname);
    let name = find(FieldKind::Name);
    if let (Some(g), Some(s)) = (given, surname) {
        rules.push(BlockingRule::Key(vec![
            KeyPart::phonetic(s),
            KeyPart::phonetic(g),
        ]));
    }
    if let (Some(s), Some(p)) = (surname.or(name), find(FieldKind::Postcode)) {
        rules.push(BlockingRule::Key(vec![
            KeyPart::prefix(s, 3),
            KeyPart::exact(p),
        ]));
    }
    if let Some(n) = name {
        rules.push(BlockingRule::Key(vec![KeyPart::phonetic(n)]));
        if let Some(d) = find(FieldKind::Date) {
            rules.push(BlockingRule::Key(vec![
                KeyPart::phonetic(n),
                KeyPart::prefix(d, 4),
            ]));
        }
    }
    if let (Some(c), Some(n)) = (find(FieldKind::Company), name.or(surname)) {
        rules.push(BlockingRule::Key(vec![
            KeyPart::exact(c),
            KeyPart::prefix(n, 1),
        ]));
    }
    if let Some(a) = find(FieldKind::Address) {
        rules.push(BlockingRule::Key(vec![KeyPart::exact(a)]));
    }
    let sn: Vec<KeyPart> = match (surname, given, name) {
        (Some(s), Some(g), _) => vec![KeyPart::exact(s), KeyPart::exact(g)],
        (_, _, Some(n)) => vec![KeyPart::exact(n)],
        (Some(s), None, None) => vec![KeyPart::exact(s)],
        _ => Vec::new(),
    };
    if !sn.is_empty() {
        rules.push(BlockingRule::SortedNeighbourhood { key: sn, window: 3 });
    }
    if rules.is_empty() {
        if let Some(f) = schema.fields.first() {
            rules.push(BlockingRule::SortedNeighbourhood {
                key: vec![KeyPart::exact(&f.name)],
                window: 8,
            });
        }
    }
    rules
}

/// A pipeline stage, reported to the progress callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// Normalising values.
    Normalize,
    /// Generating candidate pairs.
    Block,
    /// Estimating u from random pairs.
    EstimateU,
    /// Comparing candidate pairs (`done`/`total` in pairs).
    Compare,
    /// EM for m.
    Train,
    /// Scoring pairs.
    Score,
    /// Clustering.
    Cluster,
}

/// Progress of a run: `done` of `total` units of `stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Stage.
    pub stage: Stage,
    /// Units done.
    pub done: u64,
    /// Units in the stage.
    pub total: u64,
}

/// A scored candidate pair.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoredPair {
    /// Position of the first record.
    pub i: u32,
    /// Position of the second record.
    pub j: u32,
    /// Match weight in bits.
    pub weight: f64,
    /// Match probability.
    pub probability: f64,
}

/// Result of [`deduplicate`].
///
/// Exact duplicates (records whose normalised values agree on every field, see
/// [`ExactGroups`]) are folded into their first record before blocking: blocking, the u sample,
/// term frequencies, EM, scoring and clustering see each distinct record once, and every
/// duplicate joins its first record's cluster afterwards. So `pairs`, `scores`, `blocking` and
/// `clustering.links` count pairs of distinct records only; `exact` says which records were
/// folded.
#[derive(Debug, Clone)]
pub struct DedupResult {
    /// The normalised data (every record; term frequencies counted over distinct records).
    pub prepared: Prepared,
    /// Exact-duplicate groups (`exact.folded()` records were folded into an earlier one).
    pub exact: ExactGroups,
    /// Blocking counts (over distinct records).
    pub blocking: BlockingReport,
    /// Candidate pairs (positions in the input), aligned with `scores`.
    pub pairs: Vec<(u32, u32)>,
    /// The trained model; `None` when there was nothing to train on because, once exact
    /// duplicates were folded, fewer than two distinct records or no candidate pair remained
    /// (every cluster then consists of exact duplicates).
    pub model: Option<FsModel>,
    /// Scores of the candidate pairs.
    pub scores: Vec<ScoredPair>,
    /// Clusters of every record (`labels[i]` for input record `i`); links, refused merges and
    /// the size cap count distinct records.
    pub clustering: Clustering,
}

/// A scored candidate pair with the records' ids: a row of [`DedupResult::pair_rows`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairRow {
    /// 0-based position of the first record in the input (`i < j`).
    pub i: u32,
    /// 0-based position of the second record.
    pub j: u32,
    /// Id of record `i`.
    pub id_i: String,
    /// Id of record `j`.
    pub id_j: String,
    /// Match weight in bits (log2 of the likelihood ratio, prior included).
    pub weight: f64,
    /// Match probability, in [0, 1].
    pub probability: f64,
    /// Whether clustering put the two records in the same cluster (a pair above the threshold
    /// can still be apart when the chaining guard or the size cap refused the merge).
    pub same_cluster: bool,
}

impl DedupResult {
    /// The explanation of the pair of records with ids `a` and `b` (compared even if blocking did
    /// not pair them).
    pub fn explain(&self, a: &str, b: &str) -> Result<Explanation> {
        let i = self.prepared.position(a)?;
        let j = self.prepared.position(b)?;
        match &self.model {
            Some(m) => m.explain(&self.prepared, i, j),
            None => Err(DedupError::NoModel),
        }
    }

    /// Every record's cluster as rows that carry the record's id, in input order (`rows[i]` is
    /// `records[i]`): [`Clustering::rows`] with the ids of the deduplicated records.
    ///
    /// ```
    /// use crm_analytics::dedup::pipeline::{deduplicate, DedupConfig};
    /// use crm_analytics::dedup::schema::{FieldKind, FieldSpec, Record, Schema};
    /// let schema = Schema::new([
    ///     FieldSpec::new("name", FieldKind::Name),
    ///     FieldSpec::new("phone", FieldKind::Phone),
    ///     FieldSpec::new("email", FieldKind::Email),
    /// ]);
    /// let recs = vec![
    ///     Record::new("c1", ["张伟", "138 1234 5678", "zhangwei@example.com"]),
    ///     Record::new("c2", ["张 伟", "+86 13812345678", "ZhangWei@Example.com"]),
    ///     Record::new("c3", ["John Smith", "(415) 555-2671", "john@smith.io"]),
    ///     Record::new("c4", ["Smith, John", "+1 415 555 2671", ""]),
    ///     Record::new("c5", ["李娜", "13900001111", "lina@example.com"]),
    ///     Record::new("c6", ["Mary Jones", "+1 212 555 0100", "mary@jones.org"]),
    /// ];
    /// let r = deduplicate(&recs, &DedupConfig::new(schema), &mut |_| {})?;
    /// let rows = r.cluster_rows();
    /// // Six records in four clusters: {c1, c2}, {c3, c4}, {c5}, {c6}.
    /// let got: Vec<(&str, u32, usize)> =
    ///     rows.iter().map(|r| (r.record_id.as_str(), r.cluster, r.cluster_size)).collect();
    /// assert_eq!(got, [("c1", 0, 2), ("c2", 0, 2), ("c3", 1, 2), ("c4", 1, 2), ("c5", 2, 1), ("c6", 3, 1)]);
    /// // The pairs behind them, with ids. c1 and c2 normalise to the same values: they were merged
    /// // as exact copies before pairing, so only c3-c4 is a scored pair.
    /// let p = r.pair_rows(0.5);
    /// assert!(p.iter().any(|p| (p.id_i.as_str(), p.id_j.as_str()) == ("c3", "c4") && p.same_cluster));
    /// assert!(!p.iter().any(|p| p.id_i == "c1" && p.id_j == "c2"));
    /// assert!(p.iter().all(|p| p.probability >= 0.5));
    /// # Ok::<(), crm_analytics::dedup::DedupError>(())
    /// ```
    #[must_use]
    pub fn cluster_rows(&self) -> Vec<ClusterRow> {
        // `prepared.ids` are the input ids in input order, one per clustered record.
        self.clustering.rows(&self.prepared.ids).unwrap_or_default()
    }

    /// The scored candidate pairs with probability `>= min_probability`, as rows that carry
    /// both records' ids and whether they ended up in one cluster, in candidate order (the
    /// order of [`DedupResult::scores`]; pass 0 for every candidate pair). [`ScoredPair`] is the
    /// low-level form, with positions only.
    #[must_use]
    pub fn pair_rows(&self, min_probability: f64) -> Vec<PairRow> {
        let ids = &self.prepared.ids;
        let labels = &self.clustering.labels;
        self.scores
            .iter()
            .filter(|p| p.probability >= min_probability)
            .filter_map(|p| {
                let (i, j) = (p.i as usize, p.j as usize);
                Some(PairRow {
                    i: p.i,
                    j: p.j,
                    id_i: ids.get(i)?.clone(),
                    id_j: ids.get(j)?.clone(),
                    weight: p.weight,
                    probability: p.probability,
                    same_cluster: labels.get(i)? == labels.get(j)?,
                })
            })
            .collect()
    }
}

const CHUNK: usize = 1 << 20;

fn prepare_with_progress(
    records: &[Record],
    config: &DedupConfig,
    progress: &mut dyn FnMut(Progress),
) -> Result<Prepared> {
    if records.len() < 2 {
        return Err(DedupError::TooFewRecords(records.len()));
    }
    let n = records.len() as u64;
    progress(Progress {
        stage: Stage::Normalize,
        done: 0,
        total: n,
    });
    let prepared = prepare(&config.schema, records, &config.normalize)?;
    progress(Progress {
        stage: Stage::Normalize,
        done: n,
        total: n,
    });
    Ok(prepared)
}

fn run_scored(
    records: &[Record],
    config: &DedupConfig,
    scope: PairScope,
    model: Option<&FsModel>,
    progress: &mut dyn FnMut(Progress),
) -> Result<ScoredParts> {
    let prepared = prepare_with_progress(records, config, progress)?;
    score_prepared(&prepared, config, scope, model, progress)
}

struct ScoredParts {
    candidates: crate::blocking::Candidates,
    model: FsModel,
    scores: Vec<ScoredPair>,
}

fn score_prepared(
    prepared: &Prepared,
    config: &DedupConfig,
    scope: PairScope,
    model: Option<&FsModel>,
    progress: &mut dyn FnMut(Progress),
) -> Result<ScoredParts> {
    if prepared.len() < 2 {
        return Err(DedupError::TooFewRecords(prepared.len()));
    }
    progress(Progress {
        stage: Stage::Block,
        done: 0,
        total: config.blocking.len() as u64,
    });
    let candidates = candidate_pairs(
        prepared,
        &config.schema,
        &config.blocking,
        scope,
        config.blocking_options,
    )?;
    progress(Progress {
        stage: Stage::Block,
        done: config.blocking.len() as u64,
        total: config.blocking.len() as u64,
    });
    let pairs = &candidates.pairs;
    let total = pairs.len() as u64;
    let mut levels = Vec::with_capacity(pairs.len() * prepared.fields.len());
    for (k, chunk) in pairs.chunks(CHUNK).enumerate() {
        progress(Progress {
            stage: Stage::Compare,
            done: (k * CHUNK) as u64,
            total,
        });
        levels.extend(compare_pairs(prepared, chunk).levels);
    }
    progress(Progress {
        stage: Stage::Compare,
        done: total,
        total,
    });
    let comps = Comparisons {
        n_fields: prepared.fields.len(),
        levels,
    };
    let model = match model {
        Some(m) => m.clone(),
        None => {
            progress(Progress {
                stage: Stage::EstimateU,
                done: 0,
                total: config.u_sample as u64,
            });
            let u = estimate_u(prepared, scope, config.u_sample, config.seed)?;
            progress(Progress {
                stage: Stage::Train,
                done: 0,
                total: config.em.max_iterations as u64,
            });
            let m = train_em(prepared, &comps, &u, config.em)?;
            progress(Progress {
                stage: Stage::Train,
                done: m.em_iterations as u64,
                total: m.em_iterations as u64,
            });
            m
        }
    };
    progress(Progress {
        stage: Stage::Score,
        done: 0,
        total,
    });
    let weights = model.score(prepared, pairs, &comps);
    let scores = pairs
        .iter()
        .zip(&weights)
        .map(|(&(i, j), &w)| ScoredPair {
            i,
            j,
            weight: w,
            probability: probability(w),
        })
        .collect();
    Ok(ScoredParts {
        candidates,
        model,
        scores,
    })
}

/// Deduplicates `records`: trains an unsupervised Fellegi-Sunter model on them and clusters.
/// `progress` is called at the start and end of every stage and every 2^20 compared pairs.
///
/// Exact duplicates are folded first (see [`DedupResult`]): any number of identical records
/// forms one cluster, costs one record's work, and cannot make its own values look common
/// (term frequencies and the u sample count distinct records).
///
/// # Errors
/// [`DedupError::TooFewRecords`] for fewer than two records; errors of normalisation and
/// blocking; [`DedupError::NoCandidatePairs`] when blocking pairs no two distinct records and
/// no exact duplicate was found either.
pub fn deduplicate(
    records: &[Record],
    config: &DedupConfig,
    progress: &mut dyn FnMut(Progress),
) -> Result<DedupResult> {
    let mut prepared = prepare_with_progress(records, config, progress)?;
    let exact = prepared.exact_groups();
    let distinct_owned;
    let distinct: &Prepared = if exact.folded() == 0 {
        &prepared
    } else {
        distinct_owned = prepared.select(&exact.representatives);
        &distinct_owned
    };
    let scored = match score_prepared(distinct, config, PairScope::All, None, progress) {
        Ok(s) => Some(s),
        Err(DedupError::TooFewRecords(_) | DedupError::NoCandidatePairs) if exact.folded() > 0 => {
            None
        }
        Err(e) => return Err(e),
    };
    progress(Progress {
        stage: Stage::Cluster,
        done: 0,
        total: 1,
    });
    let reps = &exact.representatives;
    let to_input = |p: u32| reps.get(p as usize).map_or(p, |&r| r as u32);
    let (blocking, pairs, model, scores, edges) = match scored {
        Some(s) => {
            let edges: Vec<(u32, u32, f64)> =
                s.scores.iter().map(|p| (p.i, p.j, p.probability)).collect();
            let pairs = s
                .candidates
                .pairs
                .iter()
                .map(|&(i, j)| (to_input(i), to_input(j)))
                .collect();
            let scores = s
                .scores
                .iter()
                .map(|p| ScoredPair {
                    i: to_input(p.i),
                    j: to_input(p.j),
                    ..*p
                })
                .collect();
            (s.candidates.report, pairs, Some(s.model), scores, edges)
        }
        None => {
            let total_pairs = (reps.len() as u64) * (reps.len() as u64).saturating_sub(1) / 2;
            let report = BlockingReport {
                candidate_pairs: 0,
                total_pairs,
                reduction_ratio: (total_pairs > 0).then_some(1.0),
                pairs_per_rule: vec![0; config.blocking.len()],
                oversized_blocks: vec![0; config.blocking.len()],
                skipped_rules: Vec::new(),
            };
            (report, Vec::new(), None, Vec::new(), Vec::new())
        }
    };
    let distinct_clusters = cluster(reps.len(), &edges, config.cluster)?;
    // Representatives are the first record of their group and ascending, so labels numbered in
    // order of first representative are numbered in order of first record.
    let labels: Vec<u32> = exact
        .group
        .iter()
        .map(|&g| {
            distinct_clusters
                .labels
                .get(g as usize)
                .copied()
                .unwrap_or(0)
        })
        .collect();
    let clustering = Clustering {
        labels,
        ..distinct_clusters
    };
    // Term frequencies of the whole data set as the model saw them: over distinct records.
    if exact.folded() > 0 {
        let counted = prepared.select(reps);
        for (f, d) in prepared.fields.iter_mut().zip(counted.fields) {
            f.counts = d.counts;
            f.non_missing = d.non_missing;
        }
    }
    progress(Progress {
        stage: Stage::Cluster,
        done: 1,
        total: 1,
    });
    Ok(DedupResult {
        prepared,
        exact,
        blocking,
        pairs,
        model,
        scores,
        clustering,
    })
}

/// One link between two sources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// Id in the left source.
    pub left_id: String,
    /// Id in the right source.
    pub right_id: String,
    /// Match probability.
    pub probability: f64,
}

/// Result of [`link`].
#[derive(Debug, Clone)]
pub struct LinkResult {
    /// Links with probability at or above the threshold, sorted by left then right position.
    pub links: Vec<Link>,
    /// The trained model.
    pub model: FsModel,
    /// Blocking counts (cross pairs only).
    pub blocking: BlockingReport,
}

/// Links two sources with the same schema: only left-right pairs are blocked, sampled for u and
/// scored; pairs with probability `>= config.cluster.threshold` are returned. Ids need only be
/// unique within each source.
///
/// Exact duplicates within one source are folded into their first record before blocking (as
/// in [`deduplicate`]) and expanded afterwards: a link found for a record holds for each of its
/// copies, so the links still cover every left-right pair of records.
///
/// # Errors
/// [`DedupError::EmptySource`] when either source has no record; errors of normalisation,
/// blocking and training.
pub fn link(
    left: &[Record],
    right: &[Record],
    config: &DedupConfig,
    progress: &mut dyn FnMut(Progress),
) -> Result<LinkResult> {
    if left.is_empty() {
        return Err(DedupError::EmptySource("left"));
    }
    if right.is_empty() {
        return Err(DedupError::EmptySource("right"));
    }
    let mut all: Vec<Record> = Vec::with_capacity(left.len() + right.len());
    for (tag, side) in [("L", left), ("R", right)] {
        for r in side {
            let mut r = r.clone();
            r.id = format!("{tag}\u{1f}{}", r.id);
            all.push(r);
        }
    }
    let split = left.len();
    let prepared = prepare_with_progress(&all, config, progress)?;
    let exact = prepared.exact_groups_split(split);
    let reps = &exact.representatives;
    let distinct = prepared.select(reps);
    let distinct_split = reps.iter().take_while(|&&r| r < split).count();
    let s = score_prepared(
        &distinct,
        config,
        PairScope::Cross(distinct_split),
        None,
        progress,
    )?;
    // members of each group, in input order
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); reps.len()];
    for (i, &g) in exact.group.iter().enumerate() {
        if let Some(m) = members.get_mut(g as usize) {
            m.push(i);
        }
    }
    let mut links = Vec::new();
    for p in s
        .scores
        .iter()
        .filter(|p| p.probability >= config.cluster.threshold)
    {
        let (a, b) = (p.i as usize, p.j as usize);
        let (l, r) = if a < distinct_split { (a, b) } else { (b, a) };
        let (Some(ls), Some(rs)) = (members.get(l), members.get(r)) else {
            continue;
        };
        for &li in ls {
            for &ri in rs {
                let (Some(lr), Some(rr)) = (
                    left.get(li),
                    ri.checked_sub(split).and_then(|k| right.get(k)),
                ) else {
                    continue;
                };
                links.push((
                    li,
                    ri,
                    Link {
                        left_id: lr.id.clone(),
                        right_id: rr.id.clone(),
                        probability: p.probability,
                    },
                ));
            }
        }
    }
    links.sort_by_key(|x| (x.0, x.1));
    Ok(LinkResult {
        links: links.into_iter().map(|x| x.2).collect(),
        model: s.model,
        blocking: s.candidates.report,
    })
}

/// One new record's cluster: a row of [`match_incremental`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncrementalMatch {
    /// 0-based position of the record in the `new` batch.
    pub index: usize,
    /// The new record's id.
    pub record_id: String,
    /// Its stable cluster id: an existing cluster's id, or a fresh one above every existing id.
    pub cluster: u64,
    /// True when the record joined an existing cluster, false when its cluster is new.
    pub joined_existing: bool,
}

/// Matches a batch of `new` records against `existing` records that already carry stable cluster
/// ids (`existing_clusters[i]` for `existing[i]`), scoring with `model` (e.g. the one trained by
/// [`deduplicate`]).
///
/// Returns one [`IncrementalMatch`] per new record, in the order of `new`, carrying the
/// record's id and its cluster id. A new record joins the existing cluster holding the most
/// links to it (ties: the higher summed probability); existing clusters are never merged or
/// renumbered, so their ids stay stable. New records with no link to an existing cluster are
/// clustered among themselves (with the chaining guard) and receive fresh ids counting up from
/// one more than the largest existing id.
///
/// # Errors
/// [`DedupError::InvalidParameter`] when `existing_clusters` and `existing` differ in length;
/// errors of normalisation, blocking and clustering.
///
/// ```
/// use crm_analytics::dedup::pipeline::{deduplicate, match_incremental, DedupConfig};
/// use crm_analytics::dedup::schema::{FieldKind, FieldSpec, Record, Schema};
/// let config = DedupConfig::new(Schema::new([
///     FieldSpec::new("name", FieldKind::Name),
///     FieldSpec::new("phone", FieldKind::Phone),
///     FieldSpec::new("email", FieldKind::Email),
/// ]));
/// let old = vec![
///     Record::new("c1", ["张伟", "138 1234 5678", "zhangwei@example.com"]),
///     Record::new("c2", ["张 伟", "+86 13812345678", "ZhangWei@Example.com"]),
///     Record::new("c3", ["John Smith", "(415) 555-2671", "john@smith.io"]),
///     Record::new("c4", ["Smith, John", "+1 415 555 2671", ""]),
///     Record::new("c5", ["李娜", "13900001111", "lina@example.com"]),
///     Record::new("c6", ["Mary Jones", "+1 212 555 0100", "mary@jones.org"]),
/// ];
/// let r = deduplicate(&old, &config, &mut |_| {})?;
/// // Stable ids kept by the caller: 100 + label, so 100 (c1, c2), 101, 102, 103 (c6).
/// let stable: Vec<u64> = r.clustering.labels.iter().map(|&l| 100 + u64::from(l)).collect();
/// let new = [
///     Record::new("n1", ["Peter Pan", "+44 20 7946 0000", "peter@pan.uk"]),
///     Record::new("n2", ["张伟", "13812345678", "zhangwei@example.com"]),
/// ];
/// let model = r.model.as_ref().ok_or(crm_analytics::dedup::DedupError::NoModel)?;
/// let m = match_incremental(&old, &stable, &new, model, &config)?;
/// // n1 matches nobody: a fresh id after the largest existing one (103).
/// assert_eq!((m[0].record_id.as_str(), m[0].cluster, m[0].joined_existing), ("n1", 104, false));
/// // n2 is c1 again: it joins c1's cluster.
/// assert_eq!((m[1].record_id.as_str(), m[1].cluster, m[1].joined_existing), ("n2", 100, true));
/// # Ok::<(), crm_analytics::dedup::DedupError>(())
/// ```
pub fn match_incremental(
    existing: &[Record],
    existing_clusters: &[u64],
    new: &[Record],
    model: &FsModel,
    config: &DedupConfig,
) -> Result<Vec<IncrementalMatch>> {
    let ids = match_incremental_ids(existing, existing_clusters, new, model, config)?;
    Ok(new
        .iter()
        .zip(ids)
        .enumerate()
        .map(
            |(index, (r, (cluster, joined_existing)))| IncrementalMatch {
                index,
                record_id: r.id.clone(),
                cluster,
                joined_existing,
            },
        )
        .collect())
}

/// [`match_incremental`]'s cluster id of every new record and whether it joined an existing
/// cluster, parallel to `new`.
fn match_incremental_ids(
    existing: &[Record],
    existing_clusters: &[u64],
    new: &[Record],
    model: &FsModel,
    config: &DedupConfig,
) -> Result<Vec<(u64, bool)>> {
    if existing.len() != existing_clusters.len() {
        return Err(DedupError::InvalidParameter {
            name: "existing_clusters",
            reason: format!(
                "{} cluster ids for {} existing records",
                existing_clusters.len(),
                existing.len()
            ),
        });
    }
    if new.is_empty() {
        return Ok(Vec::new());
    }
    // Fresh ids count up from the largest existing id + 1: they must fit in a u64.
    if let Some(&max) = existing_clusters.iter().max() {
        if max >= u64::MAX - new.len() as u64 {
            return Err(DedupError::InvalidParameter {
                name: "existing_clusters",
                reason: format!(
                    "cluster id {max} leaves no room for {} fresh ids below {}",
                    new.len(),
                    u64::MAX
                ),
            });
        }
    }
    let split = existing.len();
    let mut all: Vec<Record> = existing.to_vec();
    all.extend_from_slice(new);
    if all.len() < 2 {
        return Ok(vec![(
            existing_clusters.iter().max().map_or(0, |m| m + 1),
            false,
        )]);
    }
    let s = run_scored(
        &all,
        config,
        PairScope::Involving(split),
        Some(model),
        &mut |_| {},
    )?;
    let threshold = config.cluster.threshold;
    // votes per new record: existing cluster -> (links, summed probability)
    let mut votes: Vec<Vec<(u64, u32, f64)>> = vec![Vec::new(); new.len()];
    let mut new_edges = Vec::new();
    for p in s.scores.iter().filter(|p| p.probability >= threshold) {
        let (a, b) = (p.i as usize, p.j as usize);
        if a < split || b < split {
            let (e, nw) = if a < split {
                (a, b - split)
            } else {
                (b, a - split)
            };
            let c = existing_clusters[e];
            let v = &mut votes[nw];
            match v.iter_mut().find(|x| x.0 == c) {
                Some(x) => {
                    x.1 += 1;
                    x.2 += p.probability;
                }
                None => v.push((c, 1, p.probability)),
            }
        } else {
            new_edges.push(((a - split) as u32, (b - split) as u32, p.probability));
        }
    }
    let mut out = vec![u64::MAX; new.len()];
    for (k, v) in votes.iter().enumerate() {
        if let Some(best) = v
            .iter()
            .max_by(|x, y| x.1.cmp(&y.1).then(x.2.total_cmp(&y.2)).then(y.0.cmp(&x.0)))
        {
            out[k] = best.0;
        }
    }
    // unassigned new records: cluster among themselves (edges between unassigned only)
    let free: Vec<bool> = out.iter().map(|&c| c == u64::MAX).collect();
    let edges: Vec<(u32, u32, f64)> = new_edges
        .into_iter()
        .filter(|&(a, b, _)| free[a as usize] && free[b as usize])
        .collect();
    let c = cluster(new.len(), &edges, config.cluster)?;
    let mut next = existing_clusters.iter().max().map_or(0, |m| m + 1);
    let mut fresh: Vec<u64> = vec![u64::MAX; c.n_clusters];
    for k in 0..new.len() {
        if free[k] {
            let l = c.labels[k] as usize;
            if fresh[l] == u64::MAX {
                fresh[l] = next;
                next += 1;
            }
            out[k] = fresh[l];
        }
    }
    Ok(out.into_iter().zip(free).map(|(c, f)| (c, !f)).collect())
}
