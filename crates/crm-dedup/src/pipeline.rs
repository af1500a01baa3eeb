//! The whole pipeline in one call: normalise, block, compare, estimate u and m, score, cluster;
//! plus two-source linkage and incremental matching.

use serde::{Deserialize, Serialize};

use crate::blocking::{
    BlockingOptions, BlockingReport, BlockingRule, KeyPart, PairScope, candidate_pairs,
};
use crate::cluster::{ClusterOptions, Clustering, cluster};
use crate::error::{DedupError, Result};
use crate::model::{
    Comparisons, EmOptions, Explanation, FsModel, compare_pairs, estimate_u, probability, train_em,
};
use crate::prepare::{NormalizeOptions, Prepared, prepare};
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
#[derive(Debug, Clone)]
pub struct DedupResult {
    /// The normalised data.
    pub prepared: Prepared,
    /// Blocking counts.
    pub blocking: BlockingReport,
    /// Candidate pairs (positions), aligned with `scores`.
    pub pairs: Vec<(u32, u32)>,
    /// The trained model.
    pub model: FsModel,
    /// Scores of the candidate pairs.
    pub scores: Vec<ScoredPair>,
    /// Clusters.
    pub clustering: Clustering,
}

impl DedupResult {
    /// The explanation of the pair of records with ids `a` and `b` (compared even if blocking did
    /// not pair them).
    pub fn explain(&self, a: &str, b: &str) -> Result<Explanation> {
        let i = self.prepared.position(a)?;
        let j = self.prepared.position(b)?;
        self.model.explain(&self.prepared, i, j)
    }
}

const CHUNK: usize = 1 << 20;

struct Scored {
    prepared: Prepared,
    candidates: crate::blocking::Candidates,
    model: FsModel,
    scores: Vec<ScoredPair>,
}

fn run_scored(
    records: &[Record],
    config: &DedupConfig,
    scope: PairScope,
    model: Option<&FsModel>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Scored> {
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
    progress(Progress {
        stage: Stage::Block,
        done: 0,
        total: config.blocking.len() as u64,
    });
    let candidates = candidate_pairs(
        &prepared,
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
        levels.extend(compare_pairs(&prepared, chunk).levels);
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
            let u = estimate_u(&prepared, scope, config.u_sample, config.seed)?;
            progress(Progress {
                stage: Stage::Train,
                done: 0,
                total: config.em.max_iterations as u64,
            });
            let m = train_em(&prepared, &comps, &u, config.em)?;
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
    let weights = model.score(&prepared, pairs, &comps);
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
    Ok(Scored {
        prepared,
        candidates,
        model,
        scores,
    })
}

/// Deduplicates `records`: trains an unsupervised Fellegi-Sunter model on them and clusters.
/// `progress` is called at the start and end of every stage and every 2^20 compared pairs.
pub fn deduplicate(
    records: &[Record],
    config: &DedupConfig,
    progress: &mut dyn FnMut(Progress),
) -> Result<DedupResult> {
    let s = run_scored(records, config, PairScope::All, None, progress)?;
    progress(Progress {
        stage: Stage::Cluster,
        done: 0,
        total: 1,
    });
    let edges: Vec<(u32, u32, f64)> = s.scores.iter().map(|p| (p.i, p.j, p.probability)).collect();
    let clustering = cluster(records.len(), &edges, config.cluster)?;
    progress(Progress {
        stage: Stage::Cluster,
        done: 1,
        total: 1,
    });
    Ok(DedupResult {
        prepared: s.prepared,
        blocking: s.candidates.report,
        pairs: s.candidates.pairs,
        model: s.model,
        scores: s.scores,
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
pub fn link(
    left: &[Record],
    right: &[Record],
    config: &DedupConfig,
    progress: &mut dyn FnMut(Progress),
) -> Result<LinkResult> {
    let mut all: Vec<Record> = Vec::with_capacity(left.len() + right.len());
    for (tag, side) in [("L", left), ("R", right)] {
        for r in side {
            let mut r = r.clone();
            r.id = format!("{tag}\u{1f}{}", r.id);
            all.push(r);
        }
    }
    let s = run_scored(&all, config, PairScope::Cross(left.len()), None, progress)?;
    let split = left.len();
    let links = s
        .scores
        .iter()
        .filter(|p| p.probability >= config.cluster.threshold)
        .filter_map(|p| {
            let (a, b) = (p.i as usize, p.j as usize);
            let (l, r) = if a < split {
                (a, b - split)
            } else {
                (b, a - split)
            };
            Some(Link {
                left_id: left.get(l)?.id.clone(),
                right_id: right.get(r)?.id.clone(),
                probability: p.probability,
            })
        })
        .collect();
    Ok(LinkResult {
        links,
        model: s.model,
        blocking: s.candidates.report,
    })
}

/// Matches a batch of `new` records against `existing` records that already carry stable cluster
/// ids (`existing_clusters[i]` for `existing[i]`), scoring with `model` (e.g. the one trained by
/// [`deduplicate`]).
///
/// Returns one cluster id per new record. A new record joins the existing cluster holding the
/// most links to it (ties: the higher summed probability); existing clusters are never merged
/// or renumbered, so their ids stay stable. New records with no link to an existing cluster are
/// clustered among themselves (with the chaining guard) and receive fresh ids counting up from
/// one more than the largest existing id.
pub fn match_incremental(
    existing: &[Record],
    existing_clusters: &[u64],
    new: &[Record],
    model: &FsModel,
    config: &DedupConfig,
) -> Result<Vec<u64>> {
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
    let split = existing.len();
    let mut all: Vec<Record> = existing.to_vec();
    all.extend_from_slice(new);
    if all.len() < 2 {
        return Ok(vec![existing_clusters.iter().max().map_or(0, |m| m + 1)]);
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
    Ok(out)
}
