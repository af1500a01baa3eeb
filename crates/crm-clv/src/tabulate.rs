//! Piecewise Chebyshev tabulation of a smooth per-customer function, the engine of the batch
//! discounted CLV sums ([`crate::PurchaseModel::discounted_purchases_if_alive_batch`]) of
//! BG/NBD, MBG/NBD and Pareto/NBD; it knows no model (each supplies a [`Smooth`]).
//!
//! For BG/NBD and MBG/NBD the discounted sum D depends on x and alpha + T only; for
//! Pareto/NBD it is (r+x)(beta+T)/(alpha+T) times a function of beta + T alone. Write
//! D(h) = factor(h) * f_class(u) with u > 0. For a fixed class, f is analytic in u on
//! (0, inf) (its singularities are at u = 0 and u = -t_k), so on each binade piece
//! [2^e, 2^(e+1)) it is interpolated at 24 Chebyshev points with geometric convergence (the
//! Bernstein ellipse through u = 0 has parameter 3 + sqrt(8) = 5.83). A piece is tabulated only
//! when enough customers share it (so the 26 exact evaluations pay off), its highest
//! coefficients are below 1e-14 of the function and two extra off-node checks agree to 1e-12;
//! otherwise every customer of the piece is evaluated exactly. Results depend on each
//! customer and the whole input (which pieces are shared), not on the number of threads.

use crate::data::History;
use crate::parallel::{MIN_SHARE, for_each_share, map_shares};

/// Chebyshev points per piece.
const NODES: usize = 24;
/// A piece is tabulated when at least this many customers share it.
pub(crate) const MIN_SHARED: u32 = 32;
/// Smallest binade exponent tabulated (pieces cover u in [2^E_MIN, 2^(E_MIN + PIECES))).
const E_MIN: i32 = -16;
/// Smallest share of customers per thread when counting the customers per piece.
const COUNT_SHARE: usize = 65_536;
/// Smallest share of pieces per thread when building the interpolants.
const BUILD_SHARE: usize = 8;
/// Number of binade pieces per class.
const PIECES: usize = 64;
/// Interpolation acceptance: the last three coefficients against the function's scale.
const TAIL_TOL: f64 = 1e-14;
/// Interpolation acceptance: off-node checks against the function's scale.
const CHECK_TOL: f64 = 1e-12;

/// One Chebyshev interpolant on a binade piece [lo, 2 lo).
#[derive(Clone, Copy)]
struct Cheb {
    /// 2 / lo (maps u to s = u (2/lo) - 3 in [-1, 1), exactly).
    scale: f64,
    /// Coefficients (the constant one halved) and how many are used.
    coef: [f64; NODES],
    len: usize,
}

impl Cheb {
    #[inline]
    fn eval_s(&self, s: f64) -> f64 {
        let (mut b1, mut b2) = (0.0f64, 0.0f64);
        let s2 = 2.0 * s;
        for &c in self.coef[1..self.len].iter().rev() {
            let b0 = c + s2 * b1 - b2;
            b2 = b1;
            b1 = b0;
        }
        self.coef[0] + s * b1 - b2
    }

    #[inline]
    fn eval(&self, u: f64) -> f64 {
        self.eval_s(u * self.scale - 3.0)
    }

    /// Interpolant of `f` on [lo, 2 lo), `None` if it does not meet the acceptance tests.
    fn build(lo: f64, mut f: impl FnMut(f64) -> f64) -> Option<Self> {
        let n = NODES as f64;
        let at = |s: f64| lo * (3.0 + s) / 2.0;
        let mut vals = [0.0f64; NODES];
        let mut big = 0.0f64;
        for (i, v) in vals.iter_mut().enumerate() {
            let x = (std::f64::consts::PI * (i as f64 + 0.5) / n).cos();
            *v = f(at(x));
            if !v.is_finite() {
                return None;
            }
            big = big.max(v.abs());
        }
        let mut coef = [0.0f64; NODES];
        for (j, c) in coef.iter_mut().enumerate() {
            let s: f64 = vals
                .iter()
                .enumerate()
                .map(|(i, v)| v * (std::f64::consts::PI * j as f64 * (i as f64 + 0.5) / n).cos())
                .sum();
            *c = 2.0 / n * s;
        }
        coef[0] /= 2.0;
        let tail: f64 = coef[NODES - 3..].iter().map(|c| c.abs()).sum();
        if !(tail <= TAIL_TOL * big) {
            return None;
        }
        // Drop trailing coefficients while their total stays below rounding.
        let (mut len, mut dropped) = (NODES, 0.0f64);
        while len > 1 && dropped + coef[len - 1].abs() <= 2e-16 * big {
            dropped += coef[len - 1].abs();
            len -= 1;
        }
        let cheb = Cheb {
            scale: 2.0 / lo,
            coef,
            len,
        };
        for s in [0.2975, -0.6125] {
            let want = f(at(s));
            if !((cheb.eval_s(s) - want).abs() <= CHECK_TOL * big) {
                return None;
            }
        }
        Some(cheb)
    }
}

/// The binade piece of u > 0: (index, lower end 2^e), `None` outside the tabulated range.
#[inline]
fn piece(u: f64) -> Option<(usize, f64)> {
    if !(u > 0.0 && u.is_finite()) {
        return None;
    }
    let biased = ((u.to_bits() >> 52) & 0x7ff) as i32;
    let i = biased - 1023 - E_MIN;
    if i < 0 || i >= PIECES as i32 {
        return None;
    }
    Some((i as usize, f64::from_bits((biased as u64) << 52)))
}

/// A model's discounted sum if alive written as `factor(h) * f(class, u)` (see the module
/// notes).
pub(crate) struct Smooth<'a, S> {
    /// Classes below this value are tabulated (dense tables of `classes x 64` pieces).
    pub(crate) classes: usize,
    /// Pieces whose lower end is below this value are never tabulated (e.g. where the exact
    /// evaluation changes method).
    pub(crate) u_min: f64,
    /// Customers sharing a piece needed to tabulate it.
    pub(crate) min_shared: u32,
    /// (class, u, factor) of a customer.
    pub(crate) key: &'a (dyn Fn(&History) -> (u32, f64, f64) + Sync),
    /// Per-thread scratch state of `exact`.
    pub(crate) scratch: &'a (dyn Fn() -> S + Sync),
    /// f(class, u), exactly (the per-customer definition).
    pub(crate) exact: &'a (dyn Fn(&mut S, u32, f64) -> f64 + Sync),
}

impl<S> Smooth<'_, S> {
    /// `factor(h) * f(class, u)` for every customer, tabulated where shared, and the number
    /// of customers whose value was interpolated.
    pub(crate) fn run(&self, histories: &[History]) -> (Vec<f64>, usize) {
        let slots = self.classes * PIECES;
        let slot_of = |h: &History| {
            let (class, u, _) = (self.key)(h);
            if (class as usize) >= self.classes {
                return None;
            }
            let (p, lo) = piece(u)?;
            (lo >= self.u_min).then_some((class as usize * PIECES + p, lo))
        };
        // 1. Customers per piece (counted in parallel, shares summed in order).
        let count = |hs: &[History]| {
            let mut counts = vec![0u32; slots];
            for h in hs {
                if let Some((s, _)) = slot_of(h) {
                    counts[s] = counts[s].saturating_add(1);
                }
            }
            counts
        };
        let mut counts = vec![0u32; slots];
        for c in map_shares(histories, COUNT_SHARE, count) {
            for (a, b) in counts.iter_mut().zip(c) {
                *a = a.saturating_add(b);
            }
        }
        // 2. Interpolants of the shared pieces (built in parallel).
        let wanted: Vec<usize> = (0..slots)
            .filter(|&s| counts[s] >= self.min_shared)
            .collect();
        drop(counts);
        let build = |scratch: &mut S, s: usize| {
            let class = (s / PIECES) as u32;
            let e = (s % PIECES) as i32 + E_MIN;
            let lo = f64::from_bits(((e + 1023) as u64) << 52);
            Cheb::build(lo, |u| (self.exact)(scratch, class, u))
        };
        let mut built: Vec<Option<Cheb>> = vec![None; wanted.len()];
        for_each_share(&wanted, &mut built, BUILD_SHARE, |ws, bs| {
            let mut scratch = (self.scratch)();
            for (w, b) in ws.iter().zip(bs.iter_mut()) {
                *b = build(&mut scratch, *w);
            }
        });
        let mut table = vec![u32::MAX; slots];
        let mut chebs = Vec::with_capacity(built.len());
        for (s, b) in wanted.iter().zip(built) {
            if let Some(c) = b {
                table[*s] = chebs.len() as u32;
                chebs.push(c);
            }
        }
        // 3. Every customer: interpolated where tabulated, exact otherwise.
        let mut out = vec![0.0; histories.len()];
        let tabulated = std::sync::atomic::AtomicUsize::new(0);
        for_each_share(histories, &mut out, MIN_SHARE, |hs, os| {
            let mut scratch = (self.scratch)();
            let mut n = 0usize;
            for (h, o) in hs.iter().zip(os.iter_mut()) {
                let (class, u, factor) = (self.key)(h);
                let cheb = slot_of(h).and_then(|(s, _)| chebs.get(table[s] as usize));
                *o = factor
                    * match cheb {
                        Some(c) => {
                            n += 1;
                            c.eval(u)
                        }
                        None => (self.exact)(&mut scratch, class, u),
                    };
            }
            tabulated.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        });
        (out, tabulated.into_inner())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn interpolant_rejects_a_function_it_cannot_represent() {
        // A kink inside the piece: the coefficients do not decay, so the piece stays exact.
        assert!(Cheb::build(1.0, |u: f64| (u - 1.3).abs()).is_none());
        let c = Cheb::build(1.0, |u: f64| 1.0 / (u + 0.5)).unwrap();
        for u in [1.0, 1.1, 1.5, 1.999] {
            assert!((c.eval(u) - 1.0 / (u + 0.5)).abs() < 1e-14);
        }
        assert_eq!(piece(3.0).unwrap(), ((1 - E_MIN) as usize, 2.0));
        assert!(piece(0.0).is_none() && piece(f64::INFINITY).is_none() && piece(1e300).is_none());
    }
}
