//! The data-parallel loops of the crate, all through rayon: they run on the pool of the caller
//! (inside `ThreadPool::install`) or else on rayon's global pool, never on threads of their own.
//! Work is split into deterministic pieces whose results are combined in a fixed order, so no
//! result depends on the number of threads.

use rayon::prelude::*;

/// Smallest share of customers per thread in the per-customer batch loops (predictions,
/// discounted CLV sums): smaller inputs run on the caller's thread.
pub(crate) const MIN_SHARE: usize = 16_384;

/// Number of contiguous shares of `len` items, at least `min_per_share` each: one per thread
/// of the current rayon pool.
fn shares(len: usize, min_per_share: usize) -> usize {
    rayon::current_num_threads().min(len.div_ceil(min_per_share).max(1))
}

/// Sums `f(lo, hi)` over fixed-size chunks of `0..n`, the chunks in parallel when there are
/// several. The chunking depends on `n` and `chunk` only, and the partial sums are added in
/// chunk order, so the result does not depend on the number of threads.
pub(crate) fn chunk_sums<const M: usize>(
    n: usize,
    chunk: usize,
    f: &(dyn Fn(usize, usize) -> [f64; M] + Sync),
) -> [f64; M] {
    let n_chunks = n.div_ceil(chunk).max(1);
    let part = |c: usize| f(c * chunk, ((c + 1) * chunk).min(n));
    let parts: Vec<[f64; M]> = if n_chunks == 1 || rayon::current_num_threads() == 1 {
        (0..n_chunks).map(part).collect()
    } else {
        (0..n_chunks).into_par_iter().map(part).collect()
    };
    let mut out = [0.0f64; M];
    for p in &parts {
        for (o, v) in out.iter_mut().zip(p) {
            *o += v;
        }
    }
    out
}

/// Runs `work` over contiguous shares of `items` and the matching shares of `out` (one share
/// per thread of the current pool, at least `min_per_share` items each; a single share runs on
/// the caller's thread). Callers write each output from its own input only (per-share state
/// such as caches or tables must not change a value), so the results are in input order and
/// do not depend on the number of threads.
pub(crate) fn for_each_share<T: Sync, O: Send>(
    items: &[T],
    out: &mut [O],
    min_per_share: usize,
    work: impl Fn(&[T], &mut [O]) + Sync,
) {
    let shares = shares(items.len(), min_per_share);
    if shares <= 1 {
        work(items, out);
        return;
    }
    let per = items.len().div_ceil(shares).max(1);
    items
        .par_chunks(per)
        .zip(out.par_chunks_mut(per))
        .for_each(|(is, os)| work(is, os));
}

/// `f` of each contiguous share of `items` (as in [`for_each_share`]), in share order.
pub(crate) fn map_shares<T: Sync, R: Send>(
    items: &[T],
    min_per_share: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let shares = shares(items.len(), min_per_share);
    if shares <= 1 {
        return vec![f(items)];
    }
    let per = items.len().div_ceil(shares).max(1);
    items.par_chunks(per).map(&f).collect()
}
