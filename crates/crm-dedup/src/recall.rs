//! Where recall goes: the true pairs a run missed, split by cause.
//!
//! A true pair (two records of one entity) is missed when the records end up in different
//! clusters. Each missed pair has exactly one of three causes, decided on the pair itself:
//!
//! ```text
//! never compared       blocking did not make it a candidate pair: no rule gave the two records
//!                      a common key (nor put them within a sorted-neighbourhood window), or the
//!                      rule that did was skipped (BlockingOptions::max_pairs_per_record) or
//!                      their block was larger than BlockingOptions::max_block_size
//! below threshold      compared and scored, match probability < ClusterOptions::threshold
//! split by clustering  a link (probability >= threshold) that clustering did not follow: the
//!                      chaining guard (min_link_density) or the size cap (max_cluster_size)
//!                      refused the merge of the two records' clusters
//!
//! missed = true pairs - true positives = never compared + below threshold + split by clustering
//! ```
//!
//! Tuning follows the cause: never compared -> add or loosen blocking rules (or raise the
//! guards, [`RecallBreakdown::capped`] says which skipped rule or oversized block lost how
//! many pairs); below threshold -> a lower threshold, other fields, or a look at the examples'
//! waterfalls (`crm dedup explain`); split by clustering -> a lower `min_link_density`.
//!
//! Cost, so that it stays cheap at a million records: the counts never list the true pairs.
//! The total comes from the pairwise evaluation ([`crate::eval::evaluate_clusters`]), the
//! compared causes from one pass over the scored candidate pairs, and never compared is the
//! rest. Then the missed pairs are walked entity by entity (pairs across clusters only, never
//! the found ones) to take examples and to check each never-compared pair's blocking keys
//! directly (which key rules give both records a common key); this walk stops after
//! [`RecallOptions::max_checked_pairs`] never-compared pairs.
//!
//! Exact duplicates folded by [`crate::pipeline::deduplicate`] count as the records they are:
//! a scored pair of two representatives stands for every true pair between their groups.
//!
//! Reference: Christen, *Data Matching* (2012), ch. 7 (pairs completeness versus matching
//! quality); Splink's "cluster studio" and threshold-selection diagnostics motivate the
//! per-cause examples.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::blocking::KeyRules;
use crate::error::{DedupError, Result};
use crate::eval::{PairMetrics, evaluate_clusters, truth_labels};
use crate::pipeline::{DedupConfig, DedupResult};

/// Options of [`recall_breakdown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallOptions {
    /// Examples kept per cause (the first ones in the documented order). Default 5.
    pub examples: usize,
    /// At most this many never-compared pairs are checked key by key for
    /// [`RecallBreakdown::capped`]; beyond it `capped` is `None` (the counts per cause stay
    /// exact). Default 1 000 000 (about a second).
    pub max_checked_pairs: u64,
}

impl Default for RecallOptions {
    fn default() -> Self {
        RecallOptions {
            examples: 5,
            max_checked_pairs: 1_000_000,
        }
    }
}

/// One missed true pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissedPair {
    /// 0-based position of the first record in the input (`i < j`).
    pub i: u32,
    /// 0-based position of the second record.
    pub j: u32,
    /// Id of record `i`.
    pub id_i: String,
    /// Id of record `j`.
    pub id_j: String,
    /// Match weight in bits (`None`: never compared).
    pub weight: Option<f64>,
    /// Match probability (`None`: never compared).
    pub probability: Option<f64>,
    /// Never compared only: the key rules (indices into [`DedupConfig::blocking`]) under which
    /// the two records share a key, so their pair was lost to a skipped rule or an oversized
    /// block; empty when no key rule gives them a common key.
    pub shared_key_rules: Vec<usize>,
}

/// The missed true pairs of one cause.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MissedPairs {
    /// How many.
    pub pairs: u64,
    /// The first [`RecallOptions::examples`] of them. Compared pairs come in candidate order (by
    /// the positions of the records); never-compared pairs entity by entity, in order of each
    /// entity's first record.
    pub examples: Vec<MissedPair>,
}

/// Never-compared pairs lost to one key rule's guard (see [`RecallBreakdown::capped`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleLoss {
    /// Index of the rule in [`DedupConfig::blocking`].
    pub rule: usize,
    /// The rule as text ([`crate::blocking::BlockingRule`]'s `Display`).
    pub description: String,
    /// True when blocking skipped the whole rule (more than `max_pairs_per_record` pairs per
    /// record); false when the pairs' blocks exceeded `max_block_size`.
    pub skipped: bool,
    /// Never-compared pairs sharing a key under this rule (a pair can share keys under
    /// several rules).
    pub pairs: u64,
}

/// Never-compared pairs that a key rule would have paired but for the blocking guards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CappedPairs {
    /// Never-compared pairs sharing a key under at least one key rule; the remaining
    /// never-compared pairs share no key under any rule.
    pub pairs: u64,
    /// Per rule, for the rules with such pairs, in rule order.
    pub per_rule: Vec<RuleLoss>,
}

/// Where the missed true pairs of a run went: the result of [`recall_breakdown`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecallBreakdown {
    /// Number of records.
    pub records: usize,
    /// Pairwise precision, recall and F1 of the clusters (false positives:
    /// [`RecallBreakdown::false_positives`]).
    pub metrics: PairMetrics,
    /// The link threshold the causes were decided with.
    pub threshold: f64,
    /// Missed because blocking never paired the records.
    pub never_compared: MissedPairs,
    /// How many never-compared pairs share a key under a skipped rule or in an oversized block
    /// (`None` when more than [`RecallOptions::max_checked_pairs`] were never compared).
    pub capped: Option<CappedPairs>,
    /// Missed because the pair scored below the threshold.
    pub below_threshold: MissedPairs,
    /// Missed although linked: clustering kept the records apart.
    pub split_by_clustering: MissedPairs,
}

impl RecallBreakdown {
    /// Missed true pairs: `true pairs - true positives`, and the sum of the three causes.
    pub fn missed(&self) -> u64 {
        self.never_compared.pairs + self.below_threshold.pairs + self.split_by_clustering.pairs
    }

    /// Predicted pairs (same cluster) of records of different entities.
    pub fn false_positives(&self) -> u64 {
        self.metrics.predicted_pairs - self.metrics.true_positives
    }
}

/// Records of each exact-duplicate group, grouped (CSR).
struct Members {
    start: Vec<usize>,
    records: Vec<usize>,
}

impl Members {
    fn new(group: &[u32], groups: usize) -> Self {
        let mut start = vec![0usize; groups + 1];
        for &g in group {
            if let Some(s) = start.get_mut(g as usize + 1) {
                *s += 1;
            }
        }
        for k in 0..groups {
            start[k + 1] += start[k];
        }
        let mut fill = start.clone();
        let mut records = vec![0usize; start[groups]];
        for (x, &g) in group.iter().enumerate() {
            if let Some(f) = fill.get_mut(g as usize) {
                records[*f] = x;
                *f += 1;
            }
        }
        Members { start, records }
    }

    fn of(&self, g: u32) -> &[usize] {
        let g = g as usize;
        match (self.start.get(g), self.start.get(g + 1)) {
            (Some(&a), Some(&b)) => &self.records[a..b],
            _ => &[],
        }
    }
}

/// Splits the true pairs that `result` (a run of [`crate::pipeline::deduplicate`] with
/// `config`) missed by cause; `truth[i]` is the entity of input record `i`. See the module
/// docs for the causes, the order of the examples and the cost.
///
/// # Errors
/// [`DedupError::InvalidParameter`] when `truth` has not one label per record, or when the
/// result's parts disagree (scores that imply more missed pairs than the clusters do);
/// errors of resolving `config.blocking` against `config.schema`.
///
/// ```
/// use crm_analytics::dedup::pipeline::{deduplicate, DedupConfig};
/// use crm_analytics::dedup::recall::{recall_breakdown, RecallOptions};
/// use crm_analytics::dedup::schema::{FieldKind, FieldSpec, Record, Schema};
/// // e-mail and phone: the default blocking rules are the exact values of each
/// let schema = Schema::new([
///     FieldSpec::new("phone", FieldKind::Phone),
///     FieldSpec::new("email", FieldKind::Email),
/// ]);
/// let recs = vec![
///     Record::new("c1", ["+1 (415) 555-2671", "john@smith.io"]),
///     Record::new("c2", ["+1 415 555 2671", "js@acme.com"]),
///     Record::new("c3", ["+1 212 555 0100", "mary@jones.org"]),
///     Record::new("c4", ["13900001111", "lina@example.com"]),
///     Record::new("c5", ["+44 20 7946 0000", "peter@pan.uk"]),
/// ];
/// let config = DedupConfig::new(schema);
/// let r = deduplicate(&recs, &config, &mut |_| {})?;
/// // The truth says c3 and c4 are one person, but they share no phone and no e-mail.
/// let truth = ["a", "a", "b", "b", "c"];
/// let b = recall_breakdown(&r, &config, &truth, RecallOptions::default())?;
/// assert_eq!(b.metrics.true_pairs, 2);
/// assert_eq!(b.never_compared.pairs, 1);
/// let e = &b.never_compared.examples[0];
/// assert_eq!((e.id_i.as_str(), e.id_j.as_str(), e.probability), ("c3", "c4", None));
/// assert_eq!(b.capped.as_ref().map(|c| c.pairs), Some(0)); // no rule gives them a common key
/// // c1-c2 (same phone) is either found, or below the threshold, or split: the causes add up
/// assert_eq!(b.metrics.true_positives + b.missed(), b.metrics.true_pairs);
/// # Ok::<(), crm_analytics::dedup::DedupError>(())
/// ```
pub fn recall_breakdown<E: std::hash::Hash + Eq>(
    result: &DedupResult,
    config: &DedupConfig,
    truth: &[E],
    opts: RecallOptions,
) -> Result<RecallBreakdown> {
    let prep = &result.prepared;
    let n = prep.len();
    let labels = &result.clustering.labels;
    let group = &result.exact.group;
    let reps = &result.exact.representatives;
    if truth.len() != n {
        return Err(DedupError::InvalidParameter {
            name: "truth",
            reason: format!("{} truth labels for {n} records", truth.len()),
        });
    }
    let inconsistent = |what: &str| DedupError::InvalidParameter {
        name: "result",
        reason: what.to_string(),
    };
    if labels.len() != n || group.len() != n {
        return Err(inconsistent(
            "cluster labels or exact groups are not one per record",
        ));
    }
    let metrics = evaluate_clusters(labels, truth)?;
    let threshold = config.cluster.threshold;
    let entity: Vec<u32> = {
        let mut ids: FxHashMap<&E, u32> = FxHashMap::default();
        truth
            .iter()
            .map(|e| {
                let next = ids.len() as u32;
                *ids.entry(e).or_insert(next)
            })
            .collect()
    };
    let members = Members::new(group, reps.len());
    let example = |x: usize, y: usize, w: Option<(f64, f64)>, shared: Vec<usize>| MissedPair {
        i: x.min(y) as u32,
        j: x.max(y) as u32,
        id_i: prep.ids[x.min(y)].clone(),
        id_j: prep.ids[x.max(y)].clone(),
        weight: w.map(|w| w.0),
        probability: w.map(|w| w.1),
        shared_key_rules: shared,
    };

    // Causes 2 and 3: one pass over the scored candidate pairs.
    let (mut below, mut split) = (MissedPairs::default(), MissedPairs::default());
    for p in &result.scores {
        let (a, b) = (p.i as usize, p.j as usize);
        let (Some(&la), Some(&lb), Some(&ga), Some(&gb)) =
            (labels.get(a), labels.get(b), group.get(a), group.get(b))
        else {
            return Err(inconsistent("a scored pair names a record out of range"));
        };
        if la == lb {
            continue;
        }
        let (mut count, mut first) = (0u64, None);
        for &x in members.of(ga) {
            for &y in members.of(gb) {
                if entity[x] == entity[y] {
                    count += 1;
                    first.get_or_insert((x, y));
                }
            }
        }
        let Some((x, y)) = first else { continue };
        let cause = if p.probability >= threshold {
            &mut split
        } else {
            &mut below
        };
        cause.pairs += count;
        if cause.examples.len() < opts.examples {
            let w = Some((p.weight, p.probability));
            cause.examples.push(example(x, y, w, Vec::new()));
        }
    }
    let missed = metrics.true_pairs - metrics.true_positives;
    let never = missed
        .checked_sub(below.pairs + split.pairs)
        .ok_or_else(|| inconsistent("the scored pairs miss more true pairs than the clusters"))?;

    // Cause 1: the rest. Walk the missed pairs for examples and the keys of each.
    let mut never_compared = MissedPairs {
        pairs: never,
        examples: Vec::new(),
    };
    let check_all = never <= opts.max_checked_pairs;
    let target = if check_all {
        never
    } else {
        never.min(opts.examples as u64)
    };
    let key_rules = KeyRules::new(&config.schema, &config.blocking)?;
    let mut per_rule = vec![0u64; config.blocking.len()];
    let mut capped = 0u64;
    if target > 0 {
        let key = |a: usize, b: usize| ((a.min(b) as u64) << 32) | b.max(a) as u64;
        let mut compared: Vec<u64> = (result.scores.iter())
            .map(|p| key(p.i as usize, p.j as usize))
            .collect();
        compared.sort_unstable();
        let rep = |x: usize| reps.get(group[x] as usize).copied().unwrap_or(x);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_unstable_by_key(|&x| (entity[x], labels[x], x));
        let mut found = 0u64;
        'walk: for people in order.chunk_by(|&a, &b| entity[a] == entity[b]) {
            let clusters: Vec<&[usize]> =
                people.chunk_by(|&a, &b| labels[a] == labels[b]).collect();
            for (c, cl) in clusters.iter().enumerate() {
                for &x in *cl {
                    for &y in clusters[c + 1..].iter().flat_map(|o| o.iter()) {
                        if compared.binary_search(&key(rep(x), rep(y))).is_ok() {
                            continue;
                        }
                        found += 1;
                        let shared = key_rules.shared(prep, x, y);
                        capped += u64::from(!shared.is_empty());
                        for &r in &shared {
                            per_rule[r] += 1;
                        }
                        if never_compared.examples.len() < opts.examples {
                            never_compared.examples.push(example(x, y, None, shared));
                        }
                        if found >= target {
                            break 'walk;
                        }
                    }
                }
            }
        }
    }
    let skipped = &result.blocking.skipped_rules;
    let capped = check_all.then(|| CappedPairs {
        pairs: capped,
        per_rule: (per_rule.iter().enumerate())
            .filter(|&(_, &p)| p > 0)
            .map(|(rule, &pairs)| RuleLoss {
                rule,
                description: config.blocking[rule].to_string(),
                skipped: skipped.contains(&rule),
                pairs,
            })
            .collect(),
    });
    Ok(RecallBreakdown {
        records: n,
        metrics,
        threshold,
        never_compared,
        capped,
        below_threshold: below,
        split_by_clustering: split,
    })
}

/// [`recall_breakdown`] with the truth as `(record id, entity id)` rows (as in a truth file;
/// it may hold more records than the run).
///
/// # Errors
/// Those of [`crate::eval::truth_labels`] (a repeated id in the truth, a record without a
/// truth row) and of [`recall_breakdown`].
pub fn recall_breakdown_rows<I, E>(
    result: &DedupResult,
    config: &DedupConfig,
    truth: &[(I, E)],
    opts: RecallOptions,
) -> Result<RecallBreakdown>
where
    I: AsRef<str>,
    E: std::hash::Hash + Eq,
{
    let labels = truth_labels(&result.prepared.ids, truth)?;
    recall_breakdown(result, config, &labels, opts)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::blocking::{BlockingOptions, BlockingRule, KeyPart, PairScope, candidate_pairs};
    use crate::cluster::{ClusterOptions, Clustering, cluster};
    use crate::pipeline::{ScoredPair, deduplicate};
    use crate::prepare::prepare;
    use crate::schema::{FieldKind, FieldSpec, Record, Schema};

    fn schema() -> Schema {
        Schema::new([
            FieldSpec::new("name", FieldKind::Name),
            FieldSpec::new("phone", FieldKind::Phone),
            FieldSpec::new("postcode", FieldKind::Postcode),
        ])
    }

    /// Rule 0: exact phone, rule 1: phonetic name, rule 2: exact postcode.
    fn rules() -> Vec<BlockingRule> {
        vec![
            BlockingRule::Key(vec![KeyPart::exact("phone")]),
            BlockingRule::Key(vec![KeyPart::phonetic("name")]),
            BlockingRule::Key(vec![KeyPart::exact("postcode")]),
        ]
    }

    /// A run as `deduplicate` makes it (exact duplicates folded, real blocking, real
    /// clustering with the default chaining guard) but with the match probability of each
    /// candidate pair (input positions) set by `prob` instead of a trained model.
    fn run(
        records: &[Record],
        opts: BlockingOptions,
        prob: impl Fn(usize, usize) -> f64,
    ) -> (DedupResult, DedupConfig) {
        let config = DedupConfig {
            blocking: rules(),
            blocking_options: opts,
            ..DedupConfig::new(schema())
        };
        let prepared = prepare(&config.schema, records, &config.normalize).unwrap();
        let exact = prepared.exact_groups();
        let reps = exact.representatives.clone();
        let distinct = prepared.select(&reps);
        let c = candidate_pairs(
            &distinct,
            &config.schema,
            &config.blocking,
            PairScope::All,
            opts,
        )
        .unwrap();
        let scores: Vec<ScoredPair> = (c.pairs.iter())
            .map(|&(a, b)| {
                let (i, j) = (reps[a as usize], reps[b as usize]);
                let p = prob(i, j);
                ScoredPair {
                    i: i as u32,
                    j: j as u32,
                    weight: (p / (1.0 - p)).log2(),
                    probability: p,
                }
            })
            .collect();
        let edges: Vec<(u32, u32, f64)> = (c.pairs.iter().zip(&scores))
            .map(|(&(a, b), s)| (a, b, s.probability))
            .collect();
        let d = cluster(reps.len(), &edges, ClusterOptions::default()).unwrap();
        let labels = exact.group.iter().map(|&g| d.labels[g as usize]).collect();
        let result = DedupResult {
            prepared,
            exact,
            blocking: c.report,
            pairs: scores.iter().map(|s| (s.i, s.j)).collect(),
            model: None,
            scores,
            clustering: Clustering { labels, ..d },
        };
        (result, config)
    }

    fn rec(id: &str, name: &str, phone: &str, postcode: &str) -> Record {
        Record::new(id, [name, phone, postcode])
    }

    /// Each cause at least once: r0-r1 block (name) but score low; r2..r5 are one person whose
    /// links form a chain r2-r3-r4-r5 that the density guard cuts between r3 and r4; r6-r7
    /// share only a postcode, under a rule the pairs-per-record guard skips; r8-r9 share a
    /// phone whose block (r8, r9, r10) exceeds max_block_size 2; r2-r4, r2-r5 and r3-r5 share
    /// no key at all.
    fn data() -> (Vec<Record>, Vec<&'static str>) {
        let recs = vec![
            rec("r0", "Anna Berg", "13800000001", "5000"),
            rec("r1", "Anna Berg", "13800000002", "5000"),
            rec("r2", "Karl Lind", "13800000003", "6000"),
            rec("r3", "Olga Moss", "13800000003", "6000"),
            rec("r4", "Olga Moss", "13800000004", "7000"),
            rec("r5", "Ulf Wik", "13800000004", "7000"),
            rec("r6", "Carl Dunn", "13800000006", "1000"),
            rec("r7", "Erik Foss", "13800000007", "1000"),
            rec("r8", "Ida Nord", "13800000008", ""),
            rec("r9", "Jan Ek", "13800000008", ""),
            rec("r10", "Pia Ros", "13800000008", ""),
        ];
        let truth = vec![
            "e1", "e1", "e2", "e2", "e2", "e2", "e3", "e3", "e4", "e4", "e5",
        ];
        (recs, truth)
    }

    /// Rule 2 plans 4 pairs > 0.25 x 11 records: skipped; rules 0 and 1 plan 2 each.
    const GUARDS: BlockingOptions = BlockingOptions {
        max_block_size: 2,
        max_pairs_per_record: 0.25,
    };

    fn chain(i: usize, j: usize) -> f64 {
        match (i, j) {
            (0, 1) => 0.2,
            (2, 3) => 0.99,
            (3, 4) => 0.9,
            (4, 5) => 0.98,
            _ => 0.0,
        }
    }

    fn ids(m: &MissedPairs) -> Vec<(&str, &str)> {
        (m.examples.iter())
            .map(|p| (p.id_i.as_str(), p.id_j.as_str()))
            .collect()
    }

    #[test]
    fn every_cause_counted_exactly_and_the_counts_add_up() {
        let (recs, truth) = data();
        let (r, config) = run(&recs, GUARDS, chain);
        // the set-up is what the doc comment of `data` says
        assert_eq!(r.pairs, [(0, 1), (2, 3), (3, 4), (4, 5)]);
        assert_eq!(r.blocking.skipped_rules, [2]);
        assert_eq!(r.blocking.oversized_blocks, [1, 0, 0]);
        assert_eq!(r.clustering.rejected_merges, 1);

        let b = recall_breakdown(&r, &config, &truth, RecallOptions::default()).unwrap();
        // true pairs: e1 1, e2 6, e3 1, e4 1; found: r2-r3 and r4-r5
        assert_eq!((b.metrics.true_pairs, b.metrics.true_positives), (9, 2));
        assert_eq!(b.never_compared.pairs, 5);
        assert_eq!(b.below_threshold.pairs, 1);
        assert_eq!(b.split_by_clustering.pairs, 1);
        assert_eq!(b.missed(), 7);
        assert_eq!(b.metrics.true_positives + b.missed(), b.metrics.true_pairs);
        assert_eq!(b.false_positives(), 0);
        assert_eq!(b.threshold, 0.5);

        assert_eq!(ids(&b.below_threshold), [("r0", "r1")]);
        assert_eq!(b.below_threshold.examples[0].probability, Some(0.2));
        assert_eq!(b.below_threshold.examples[0].weight, Some(-2.0));
        assert_eq!(ids(&b.split_by_clustering), [("r3", "r4")]);
        assert_eq!(b.split_by_clustering.examples[0].probability, Some(0.9));
        assert_eq!(
            ids(&b.never_compared),
            [
                ("r2", "r4"),
                ("r2", "r5"),
                ("r3", "r5"),
                ("r6", "r7"),
                ("r8", "r9")
            ]
        );
        let shared: Vec<&[usize]> = (b.never_compared.examples.iter())
            .map(|p| p.shared_key_rules.as_slice())
            .collect();
        assert_eq!(shared, [&[][..], &[], &[], &[2], &[0]]);
        assert!(
            b.never_compared
                .examples
                .iter()
                .all(|p| p.probability.is_none())
        );

        let capped = b.capped.unwrap();
        assert_eq!(capped.pairs, 2);
        assert_eq!(
            capped.per_rule,
            [
                RuleLoss {
                    rule: 0,
                    description: "phone".into(),
                    skipped: false,
                    pairs: 1
                },
                RuleLoss {
                    rule: 2,
                    description: "postcode".into(),
                    skipped: true,
                    pairs: 1
                },
            ]
        );
    }

    #[test]
    fn fewer_examples_and_a_check_limit_keep_the_counts() {
        let (recs, truth) = data();
        let (r, config) = run(&recs, GUARDS, chain);
        let opts = RecallOptions {
            examples: 2,
            max_checked_pairs: 4,
        };
        let b = recall_breakdown(&r, &config, &truth, opts).unwrap();
        assert_eq!(
            (
                b.never_compared.pairs,
                b.below_threshold.pairs,
                b.split_by_clustering.pairs
            ),
            (5, 1, 1)
        );
        assert_eq!(ids(&b.never_compared), [("r2", "r4"), ("r2", "r5")]);
        assert_eq!(b.capped, None, "5 never-compared pairs > 4 checked");
        let none = RecallOptions {
            examples: 0,
            ..RecallOptions::default()
        };
        let b = recall_breakdown(&r, &config, &truth, none).unwrap();
        assert!(b.never_compared.examples.is_empty());
        assert_eq!(b.capped.map(|c| c.pairs), Some(2));
    }

    #[test]
    fn without_the_guards_the_capped_pairs_are_compared() {
        // Default guards: the postcode and shared-phone blocks are paired now; with probability
        // 0 those pairs move from never compared to below threshold.
        let (recs, truth) = data();
        let (r, config) = run(&recs, BlockingOptions::default(), chain);
        let b = recall_breakdown(&r, &config, &truth, RecallOptions::default()).unwrap();
        assert_eq!(
            (
                b.never_compared.pairs,
                b.below_threshold.pairs,
                b.split_by_clustering.pairs
            ),
            (3, 3, 1)
        );
        assert_eq!(b.capped.map(|c| c.pairs), Some(0));
    }

    #[test]
    fn links_found_or_split_and_a_wrong_link_is_a_false_positive() {
        let (recs, mut truth) = data();
        // r3-r4 is now the strongest link: {r3, r4} forms first, r2 joins it (1 link of 2),
        // r5 does not ({r2, r3, r4} + r5: 1 link of 3). r8-r9 link; r10 is their person too.
        let prob = |i, j| match (i, j) {
            (3, 4) => 0.999,
            (8, 9) => 0.9,
            p => chain(p.0, p.1),
        };
        truth[10] = "e4";
        let (r, config) = run(&recs, BlockingOptions::default(), prob);
        let b = recall_breakdown(&r, &config, &truth, RecallOptions::default()).unwrap();
        // found: r2-r3, r2-r4, r3-r4, r8-r9; e1 1 + e2 6 + e3 1 + e4 3 = 11 true pairs
        assert_eq!((b.metrics.true_pairs, b.metrics.true_positives), (11, 4));
        // r4-r5 linked, refused by the guard
        assert_eq!(ids(&b.split_by_clustering), [("r4", "r5")]);
        assert_eq!(b.split_by_clustering.pairs, 1);
        // r0-r1 (0.2), r6-r7, r8-r10, r9-r10 (0): compared, below
        assert_eq!(b.below_threshold.pairs, 4);
        assert_eq!(ids(&b.never_compared), [("r2", "r5"), ("r3", "r5")]);
        assert_eq!(b.never_compared.pairs, 2);
        assert_eq!(b.metrics.true_positives + b.missed(), b.metrics.true_pairs);
        assert_eq!(b.false_positives(), 0);
        // a false positive: r6-r7 linked but different people
        truth[7] = "e9";
        let prob = |i, j| if (i, j) == (6, 7) { 0.95 } else { chain(i, j) };
        let (r, config) = run(&recs, BlockingOptions::default(), prob);
        let b = recall_breakdown(&r, &config, &truth, RecallOptions::default()).unwrap();
        assert_eq!(b.false_positives(), 1);
    }

    #[test]
    fn exact_copies_count_as_the_records_they_are() {
        // r0 and its exact copy r0b are one distinct record; r1 of the same person scores low
        // against it: two missed true pairs (r0-r1, r0b-r1) from one scored pair. r6 and its
        // copy r6b never meet r7: two never-compared pairs.
        let (mut recs, _) = data();
        recs.truncate(8);
        recs.push(rec("r0b", "Anna Berg", "13800000001", "5000"));
        recs.push(rec("r6b", "Carl Dunn", "13800000006", "1000"));
        let truth = ["e1", "e1", "x2", "x3", "x4", "x5", "e3", "e3", "e1", "e3"];
        let (r, config) = run(&recs, GUARDS, chain);
        assert_eq!(r.exact.folded(), 2);
        let b = recall_breakdown(&r, &config, &truth, RecallOptions::default()).unwrap();
        assert_eq!(b.metrics.true_pairs, 3 + 3);
        assert_eq!(b.metrics.true_positives, 2); // r0-r0b, r6-r6b
        assert_eq!(b.below_threshold.pairs, 2);
        assert_eq!(b.never_compared.pairs, 2);
        assert_eq!(b.split_by_clustering.pairs, 0);
        assert_eq!(ids(&b.below_threshold), [("r0", "r1")]);
        assert_eq!(ids(&b.never_compared), [("r6", "r7"), ("r7", "r6b")]);
        assert_eq!(b.capped.map(|c| c.pairs), Some(2)); // the skipped postcode rule
    }

    #[test]
    fn truth_rows_are_joined_by_id() {
        let (recs, truth) = data();
        let (r, config) = run(&recs, GUARDS, chain);
        let mut rows: Vec<(String, &str)> = (recs.iter().zip(&truth))
            .map(|(r, &e)| (r.id.clone(), e))
            .rev()
            .collect();
        rows.push(("not-in-the-run".into(), "e1"));
        let by_rows = recall_breakdown_rows(&r, &config, &rows, RecallOptions::default());
        let aligned = recall_breakdown(&r, &config, &truth, RecallOptions::default());
        assert_eq!(by_rows, aligned);
        rows.retain(|(id, _)| id != "r4");
        let e = recall_breakdown_rows(&r, &config, &rows, RecallOptions::default());
        assert!(matches!(e, Err(DedupError::MissingTruth { ref id, index: 4 }) if id == "r4"));
        assert!(recall_breakdown(&r, &config, &truth[1..], RecallOptions::default()).is_err());
    }

    #[test]
    fn a_real_run_adds_up() {
        // The whole pipeline with its trained model: whatever the scores, the causes partition
        // the missed pairs. e-mail and phone rules only: b1 shares no key with a1.
        let schema = Schema::new([
            FieldSpec::new("phone", FieldKind::Phone),
            FieldSpec::new("email", FieldKind::Email),
        ]);
        let recs = vec![
            Record::new("a1", ["13800000001", "a@x.com"]),
            Record::new("a2", ["13800000001", "a@x.com"]),
            Record::new("b1", ["13900000009", "b@y.com"]),
            Record::new("c1", ["13700000005", "c@z.com"]),
            Record::new("c2", ["13700000005", "c2@z.com"]),
            Record::new("d1", ["13600000006", "d@z.com"]),
        ];
        let truth = ["a", "a", "a", "c", "c", "d"];
        let config = DedupConfig::new(schema);
        let r = deduplicate(&recs, &config, &mut |_| {}).unwrap();
        let b = recall_breakdown(&r, &config, &truth, RecallOptions::default()).unwrap();
        assert_eq!(b.metrics.true_pairs, 4);
        assert_eq!(b.never_compared.pairs, 2);
        assert_eq!(ids(&b.never_compared), [("a1", "b1"), ("a2", "b1")]);
        assert_eq!(b.metrics.true_positives + b.missed(), b.metrics.true_pairs);
    }
}
