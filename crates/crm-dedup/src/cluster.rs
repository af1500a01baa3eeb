//! Clustering scored pairs into entities, with a guard against chaining.
//!
//! Plain connected components over the pairs above a threshold ("single linkage") has a known
//! failure: a chain of weak links A-B, B-C, C-D, ... merges records that share nothing (A and D).
//! The guard used here is an *average-linkage support* test applied while components are merged
//! in order of decreasing match weight (like Kruskal's algorithm):
//!
//! ```text
//! merge components A and B  only if
//!     |A| + |B| <= max_cluster_size
//! and links(A, B) / (|A| · |B|) >= min_link_density     (links = pairs above the threshold)
//! ```
//!
//! Two single records always merge through their link (density 1). A record joining a pair needs a
//! link to at least half of it (default density 0.5), so a chain A-B-C-D where only neighbours link
//! stops growing: {A,B,C} + D has 1 link out of 3 (0.33 < 0.5). Rejected merges are counted.
//!
//! Reference: Christen, *Data Matching* (2012), §6.9 on transitive closure and clustering;
//! Hassanzadeh et al., "Framework for evaluating clustering algorithms in duplicate detection",
//! VLDB 2009.

use serde::{Deserialize, Serialize};

use crate::error::{DedupError, Result};

/// Options of [`cluster`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClusterOptions {
    /// Minimum match probability of a link. Default 0.5.
    pub threshold: f64,
    /// Minimum share of linked pairs between two components for them to merge (0 disables the
    /// guard: plain connected components). Default 0.5.
    pub min_link_density: f64,
    /// Largest cluster allowed. Default 1000.
    pub max_cluster_size: usize,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            threshold: 0.5,
            min_link_density: 0.5,
            max_cluster_size: 1000,
        }
    }
}

/// The clusters: `labels[i]` is record `i`'s cluster, numbered 0.. in order of first record.
/// [`Clustering::rows`] gives the same as one row per record that carries its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clustering {
    /// Cluster per record.
    pub labels: Vec<u32>,
    /// Number of clusters.
    pub n_clusters: usize,
    /// Links above the threshold.
    pub links: usize,
    /// Merges refused by the chaining guard or the size cap.
    pub rejected_merges: usize,
}

/// One record's cluster: a row of [`Clustering::rows`] and
/// [`crate::pipeline::DedupResult::cluster_rows`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterRow {
    /// 0-based position of the record in the input.
    pub index: usize,
    /// The record's id ([`crate::schema::Record::id`]).
    pub record_id: String,
    /// The record's cluster label (`labels[index]`: 0.. in order of each cluster's first
    /// record; the [`crate::golden::GoldenRecord::cluster`] of its golden record).
    pub cluster: u32,
    /// Number of records in that cluster (1 = no duplicate found).
    pub cluster_size: usize,
}

impl Clustering {
    /// The clusters as rows that carry the record: `rows(ids)[i]` is record `i` (id `ids[i]`),
    /// its cluster label and the cluster's size, in input order. `ids` are the record ids in
    /// the order the clustered records were given (e.g. [`crate::prepare::Prepared::ids`]).
    ///
    /// # Errors
    /// [`DedupError::InvalidParameter`] when `ids` and the labels differ in length.
    ///
    /// ```
    /// use crm_analytics::dedup::cluster::{cluster, ClusterOptions, ClusterRow};
    /// // Records 0-1 match, 2 stands alone.
    /// let c = cluster(3, &[(0, 1, 0.97)], ClusterOptions::default())?;
    /// let ids = ["c-07".to_string(), "c-12".into(), "c-31".into()];
    /// let rows = c.rows(&ids)?;
    /// assert_eq!(rows[1], ClusterRow { index: 1, record_id: "c-12".into(), cluster: 0, cluster_size: 2 });
    /// assert_eq!(rows[2], ClusterRow { index: 2, record_id: "c-31".into(), cluster: 1, cluster_size: 1 });
    /// # Ok::<(), crm_analytics::dedup::DedupError>(())
    /// ```
    pub fn rows(&self, ids: &[String]) -> Result<Vec<ClusterRow>> {
        if ids.len() != self.labels.len() {
            return Err(DedupError::InvalidParameter {
                name: "ids",
                reason: format!(
                    "{} record ids for {} clustered records",
                    ids.len(),
                    self.labels.len()
                ),
            });
        }
        let mut size = vec![0usize; self.n_clusters];
        for &l in &self.labels {
            if let Some(s) = size.get_mut(l as usize) {
                *s += 1;
            }
        }
        Ok(self
            .labels
            .iter()
            .zip(ids)
            .enumerate()
            .map(|(index, (&cluster, id))| ClusterRow {
                index,
                record_id: id.clone(),
                cluster,
                cluster_size: size.get(cluster as usize).copied().unwrap_or(1),
            })
            .collect())
    }
}

struct Dsu {
    parent: Vec<u32>,
    members: Vec<Vec<u32>>,
}

impl Dsu {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }
}

/// Clusters `n` records from scored pairs `(i, j, probability)`.
///
/// ```
/// use crm_analytics::dedup::cluster::{cluster, ClusterOptions};
/// // a chain 0-1-2-3 of links, only neighbours linked: the guard stops at {0,1,2}? no:
/// // {0,1} forms, {2,3} forms, then {0,1}+{2,3} has 1 link of 4 -> refused.
/// let pairs = [(0, 1, 0.99), (2, 3, 0.98), (1, 2, 0.9)];
/// let c = cluster(4, &pairs, ClusterOptions::default()).unwrap();
/// assert_eq!(c.labels, vec![0, 0, 1, 1]);
/// assert_eq!(c.rejected_merges, 1);
/// let plain = ClusterOptions { min_link_density: 0.0, ..ClusterOptions::default() };
/// assert_eq!(cluster(4, &pairs, plain).unwrap().labels, vec![0, 0, 0, 0]);
/// ```
pub fn cluster(n: usize, pairs: &[(u32, u32, f64)], opts: ClusterOptions) -> Result<Clustering> {
    if !(0.0..=1.0).contains(&opts.threshold) {
        return Err(DedupError::InvalidParameter {
            name: "threshold",
            reason: format!("{} is not a probability", opts.threshold),
        });
    }
    if !(0.0..=1.0).contains(&opts.min_link_density) {
        return Err(DedupError::InvalidParameter {
            name: "min_link_density",
            reason: format!("{} is not in [0, 1]", opts.min_link_density),
        });
    }
    let mut edges: Vec<(u32, u32, f64)> = pairs
        .iter()
        .copied()
        .filter(|&(i, j, p)| p >= opts.threshold && i != j && (i as usize) < n && (j as usize) < n)
        .collect();
    edges.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    // adjacency (CSR) of links
    let mut deg = vec![0u32; n + 1];
    for &(i, j, _) in &edges {
        deg[i as usize] += 1;
        deg[j as usize] += 1;
    }
    let mut start = vec![0usize; n + 1];
    for v in 0..n {
        start[v + 1] = start[v] + deg[v] as usize;
    }
    let mut fill = start.clone();
    let mut adj = vec![0u32; start[n]];
    for &(i, j, _) in &edges {
        adj[fill[i as usize]] = j;
        fill[i as usize] += 1;
        adj[fill[j as usize]] = i;
        fill[j as usize] += 1;
    }
    let mut dsu = Dsu {
        parent: (0..n as u32).collect(),
        members: (0..n as u32).map(|i| vec![i]).collect(),
    };
    let mut rejected = 0;
    for &(i, j, _) in &edges {
        let (ra, rb) = (dsu.find(i), dsu.find(j));
        if ra == rb {
            continue;
        }
        let (sa, sb) = (
            dsu.members[ra as usize].len(),
            dsu.members[rb as usize].len(),
        );
        if sa + sb > opts.max_cluster_size {
            rejected += 1;
            continue;
        }
        if sa * sb > 1 && opts.min_link_density > 0.0 {
            let (small, other) = if sa <= sb { (ra, rb) } else { (rb, ra) };
            let members = dsu.members[small as usize].clone();
            let mut links = 0usize;
            for &x in &members {
                for &y in &adj[start[x as usize]..start[x as usize + 1]] {
                    if dsu.find(y) == other {
                        links += 1;
                    }
                }
            }
            if (links as f64) < opts.min_link_density * (sa * sb) as f64 {
                rejected += 1;
                continue;
            }
        }
        let (big, small) = if sa >= sb { (ra, rb) } else { (rb, ra) };
        let moved = std::mem::take(&mut dsu.members[small as usize]);
        dsu.members[big as usize].extend(moved);
        dsu.parent[small as usize] = big;
    }
    let mut labels = vec![u32::MAX; n];
    let mut root_label = vec![u32::MAX; n];
    let mut next = 0u32;
    for (i, label) in labels.iter_mut().enumerate() {
        let r = dsu.find(i as u32) as usize;
        if root_label[r] == u32::MAX {
            root_label[r] = next;
            next += 1;
        }
        *label = root_label[r];
    }
    Ok(Clustering {
        labels,
        n_clusters: next as usize,
        links: edges.len(),
        rejected_merges: rejected,
    })
}
