//! The Pareto/NBD log-likelihood with its analytic gradient, for the fit.
//!
//! Per group (x, t_x, T) with weight w (Fader & Hardie 2005, eq. 22):
//!
//! ```text
//! LL += w [ ln Gamma(r+x) - ln Gamma(r) + r ln alpha + s ln beta + ln(e^l1 + e^l2) ]
//! l1 = -(r+x) ln(alpha+T) - s ln(beta+T)
//! l2 = ln(s/(r+s+x)) + ln(e^T(t_x) - e^T(T))            (l2 = -inf when t_x = T)
//! ```
//!
//! with the hypergeometric terms T(y) after Euler's transformation
//! `2F1(a, b; a+1; z) = (1-z)^(1-b) 2F1(1, a+1-b; a+1; z)` (1 - z is a ratio of the two bases):
//!
//! ```text
//! alpha >= beta: T(y) = -s ln(beta+y) - (r+x) ln(alpha+y)
//!                       + ln 2F1(1, r+x; r+s+x+1; (alpha-beta)/(alpha+y))
//! alpha <  beta: T(y) = -(r+x-1) ln(alpha+y) - (s+1) ln(beta+y)
//!                       + ln 2F1(1, s+1; r+s+x+1; (beta-alpha)/(beta+y))
//! ```
//!
//! The series on the right never has growing terms (see `special::ln_hyp2f1_one_grad`), so
//! heavy buyers cost a handful of terms instead of hundreds.
//!
//! T(y) depends on the group only through (x, y): on small inputs (up to [`PLAN_MAX_GROUPS`]
//! groups) a plan built once per fit evaluates every distinct (x, y) term, every distinct
//! ln(alpha+y), ln(beta+y) and every distinct x's Gamma terms once per evaluation (on CDNOW 940
//! series instead of 2,006); larger inputs are evaluated group by group in parallel chunks.
//! Both paths use the same functions, so they agree to the last bit per group.

use rustc_hash::FxHashMap;

use super::ParetoNbd;
use crate::data::Histories;
use crate::optim::LogLik;
use crate::parallel::chunk_sums;
use crate::special::{digamma, ln_gamma, ln_hyp2f1_one_grad};

/// Inputs with at most this many groups are evaluated through a [`Plan`] on one thread (the
/// direct path would use a single chunk, i.e. one thread, as well).
const PLAN_MAX_GROUPS: usize = 1 << 13;

/// Groups per parallel chunk in the direct path.
const CHUNK: usize = 1 << 13;

/// A hypergeometric term T(y) and its gradient in (r, alpha, s, beta).
type Term = (f64, [f64; 4]);

/// The Pareto/NBD log-likelihood of grouped histories.
pub(super) struct ParetoLik<'a> {
    data: &'a Histories,
    plan: Option<Plan>,
}

/// Which distinct quantities each group needs (indices into the distinct-value lists).
struct Plan {
    /// Distinct x.
    xs: Vec<u32>,
    /// Distinct y (every T, and t_x where t_x < T).
    ys: Vec<f64>,
    /// Distinct (x index, y index) of the T(y) terms.
    pairs: Vec<(u32, u32)>,
    /// Per group: x index, index of T in `ys`, and the pair indices of T(t_x) and T(T)
    /// (`NONE` when t_x >= T).
    groups: Vec<[u32; 4]>,
}

const NONE: u32 = u32::MAX;

impl Plan {
    fn new(d: &Histories) -> Option<Plan> {
        let n = d.len();
        if n > PLAN_MAX_GROUPS {
            return None;
        }
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        let mut pairs = Vec::new();
        let mut x_ix: FxHashMap<u32, u32> = FxHashMap::default();
        let mut y_ix: FxHashMap<u64, u32> = FxHashMap::default();
        let mut pair_ix: FxHashMap<(u32, u32), u32> = FxHashMap::default();
        // Indices fit in u32 (at most 2n <= 2 PLAN_MAX_GROUPS distinct values of each kind), and
        // never reach NONE.
        let mut intern = |v: f64, ys: &mut Vec<f64>| -> u32 {
            *y_ix.entry(v.to_bits()).or_insert_with(|| {
                ys.push(v);
                (ys.len() - 1) as u32
            })
        };
        let mut groups = Vec::with_capacity(n);
        for i in 0..n {
            let xi = *x_ix.entry(d.x[i]).or_insert_with(|| {
                xs.push(d.x[i]);
                (xs.len() - 1) as u32
            });
            let ti = intern(d.t[i], &mut ys);
            let (p1, p2) = if d.t_x[i] < d.t[i] {
                let yi = intern(d.t_x[i], &mut ys);
                let mut pair = |yi: u32| -> u32 {
                    *pair_ix.entry((xi, yi)).or_insert_with(|| {
                        pairs.push((xi, yi));
                        (pairs.len() - 1) as u32
                    })
                };
                (pair(yi), pair(ti))
            } else {
                (NONE, NONE)
            };
            groups.push([xi, ti, p1, p2]);
        }
        Some(Plan {
            xs,
            ys,
            pairs,
            groups,
        })
    }

    /// `[LL, dLL/dr, dLL/dalpha, dLL/ds, dLL/dbeta]` at `m`.
    fn eval(&self, d: &Histories, m: &ParetoNbd, common: &Common) -> [f64; 5] {
        let px: Vec<PerX> = self.xs.iter().map(|&x| common.per_x(m, x)).collect();
        let logs: Vec<(f64, f64)> = self
            .ys
            .iter()
            .map(|&y| ((m.alpha + y).ln(), (m.beta + y).ln()))
            .collect();
        let terms: Vec<Option<Term>> = self
            .pairs
            .iter()
            .map(|&(xi, yi)| {
                let (la, lb) = logs[yi as usize];
                m.a0_term(px[xi as usize].rx, self.ys[yi as usize], la, lb)
            })
            .collect();
        let mut acc = [0.0; 5];
        for (i, &[xi, ti, p1, p2]) in self.groups.iter().enumerate() {
            let p = &px[xi as usize];
            let (lat, lbt) = logs[ti as usize];
            let a0 = if p1 == NONE {
                Some(None)
            } else {
                match (terms[p1 as usize], terms[p2 as usize]) {
                    (Some(t1), Some(t2)) => Some(Some((t1, t2))),
                    _ => None,
                }
            };
            let Some(a0) = a0 else {
                acc[0] = f64::NAN;
                continue;
            };
            let (sl, g) = m.ln_bracket(p, d.t[i], lat, lbt, a0);
            common.add(&mut acc, d.w[i], p, sl, &g);
        }
        acc
    }
}

/// Per-x quantities: r + x, ln Gamma(r+x) - ln Gamma(r), psi(r+x) - psi(r), ln(s/(r+s+x)).
#[derive(Debug, Clone, Copy)]
struct PerX {
    rx: f64,
    lgamma: f64,
    digamma: f64,
    ln_s_rsx: f64,
}

/// Quantities shared by all groups at one parameter vector.
struct Common {
    lg_r: f64,
    dg_r: f64,
    ln_alpha: f64,
    ln_beta: f64,
    want_grad: bool,
}

impl Common {
    fn new(m: &ParetoNbd, want_grad: bool) -> Common {
        Common {
            lg_r: ln_gamma(m.r),
            dg_r: if want_grad { digamma(m.r) } else { 0.0 },
            ln_alpha: m.alpha.ln(),
            ln_beta: m.beta.ln(),
            want_grad,
        }
    }

    fn per_x(&self, m: &ParetoNbd, x: u32) -> PerX {
        let rx = m.r + f64::from(x);
        PerX {
            rx,
            lgamma: ln_gamma(rx) - self.lg_r,
            digamma: if self.want_grad {
                digamma(rx) - self.dg_r
            } else {
                0.0
            },
            ln_s_rsx: (m.s / (rx + m.s)).ln(),
        }
    }

    /// Adds one group's log-likelihood and gradient from its bracket `sl` and gradient `g`
    /// (without r ln alpha + s ln beta, added once for all groups).
    #[inline]
    fn add(&self, acc: &mut [f64; 5], w: f64, p: &PerX, sl: f64, g: &[f64; 4]) {
        acc[0] += w * (p.lgamma + sl);
        acc[1] += w * (p.digamma + g[0]);
        acc[2] += w * g[1];
        acc[3] += w * g[2];
        acc[4] += w * g[3];
    }
}

impl ParetoNbd {
    /// T(y) and its gradient in (r, alpha, s, beta) (see the module documentation), from
    /// `la` = ln(alpha+y) and `lb` = ln(beta+y); `None` when the series fails.
    #[inline]
    fn a0_term(&self, rx: f64, y: f64, la: f64, lb: f64) -> Option<Term> {
        let (alpha, s, beta) = (self.alpha, self.s, self.beta);
        let (ay, by) = (alpha + y, beta + y);
        let c = rx + s + 1.0;
        if alpha >= beta {
            let iay = 1.0 / ay;
            let (lg, [gb, gc, gz]) = ln_hyp2f1_one_grad(rx, c, (alpha - beta) * iay)?;
            Some((
                -s * lb - rx * la + lg,
                [
                    gb + gc - la,
                    (gz * by * iay - rx) * iay,
                    gc - lb,
                    -s / by - gz * iay,
                ],
            ))
        } else {
            let iby = 1.0 / by;
            let (lg, [gb, gc, gz]) = ln_hyp2f1_one_grad(s + 1.0, c, (beta - alpha) * iby)?;
            Some((
                (1.0 - rx) * la - (s + 1.0) * lb + lg,
                [
                    gc - la,
                    (1.0 - rx) / ay - gz * iby,
                    gb + gc - lb,
                    (gz * ay * iby - (s + 1.0)) * iby,
                ],
            ))
        }
    }

    /// ln(e^l1 + e^l2) of one group and its gradient in (r, alpha, s, beta), from `lat` =
    /// ln(alpha+T), `lbt` = ln(beta+T) and the terms (T(t_x), T(T)) (`None` when t_x >= T).
    #[inline]
    fn ln_bracket(
        &self,
        p: &PerX,
        t: f64,
        lat: f64,
        lbt: f64,
        a0: Option<(Term, Term)>,
    ) -> (f64, [f64; 4]) {
        let (s, rx) = (self.s, p.rx);
        let l1 = -rx * lat - s * lbt;
        let g1 = [-lat, -rx / (self.alpha + t), -lbt, -s / (self.beta + t)];
        let Some(((t1, d1), (t2, d2))) = a0 else {
            return (l1, g1);
        };
        // ln A0 = T(t_x) + ln(1 - e^(T(T) - T(t_x))); d ln A0 = w1 d1 - w2 d2 with
        // w1 = 1/(1 - e^(T(T) - T(t_x))) and w2 = w1 - 1.
        let em = -(t2 - t1).exp_m1();
        if !(em > 0.0) {
            // A0 = 0 to working precision (t_x and T indistinguishable): the first term alone.
            return (l1, g1);
        }
        let w1 = 1.0 / em;
        let w2 = w1 - 1.0;
        let l2 = p.ln_s_rsx + t1 + em.ln();
        let irsx = 1.0 / (rx + s);
        let mut g2 = [0.0; 4];
        for i in 0..4 {
            g2[i] = w1 * d1[i] - w2 * d2[i];
        }
        g2[0] -= irsx;
        g2[2] += 1.0 / s - irsx;
        // ln(e^l1 + e^l2) and the shares e^l1, e^l2 of it, from one exp.
        let (hi, e) = if l1 >= l2 {
            (l1, (l2 - l1).exp())
        } else {
            (l2, (l1 - l2).exp())
        };
        let v_hi = 1.0 / (1.0 + e);
        let v_lo = e * v_hi;
        let (v1, v2) = if l1 >= l2 { (v_hi, v_lo) } else { (v_lo, v_hi) };
        let mut g = [0.0; 4];
        for i in 0..4 {
            g[i] = v1 * g1[i] + v2 * g2[i];
        }
        (hi + e.ln_1p(), g)
    }
}

impl<'a> ParetoLik<'a> {
    /// The likelihood of `data`, with its evaluation plan for small inputs.
    pub(super) fn new(data: &'a Histories) -> Self {
        ParetoLik {
            data,
            plan: Plan::new(data),
        }
    }

    /// Group by group (no plan), in parallel chunks.
    fn eval_direct(&self, m: &ParetoNbd, common: &Common) -> [f64; 5] {
        let d = self.data;
        let mut per_x: FxHashMap<u32, PerX> = FxHashMap::default();
        for &x in &d.x {
            per_x.entry(x).or_insert_with(|| common.per_x(m, x));
        }
        let f = |lo: usize, hi: usize| -> [f64; 5] {
            let mut acc = [0.0; 5];
            for i in lo..hi {
                let Some(p) = per_x.get(&d.x[i]) else {
                    acc[0] = f64::NAN;
                    continue;
                };
                let (t_x, t) = (d.t_x[i], d.t[i]);
                let (lat, lbt) = ((m.alpha + t).ln(), (m.beta + t).ln());
                let a0 = if t_x < t {
                    let terms = m
                        .a0_term(p.rx, t_x, (m.alpha + t_x).ln(), (m.beta + t_x).ln())
                        .zip(m.a0_term(p.rx, t, lat, lbt));
                    let Some(terms) = terms else {
                        acc[0] = f64::NAN;
                        continue;
                    };
                    Some(terms)
                } else {
                    None
                };
                let (sl, g) = m.ln_bracket(p, t, lat, lbt, a0);
                common.add(&mut acc, d.w[i], p, sl, &g);
            }
            acc
        };
        chunk_sums(d.len(), CHUNK, &f)
    }
}

impl LogLik for ParetoLik<'_> {
    const K: usize = 4;
    const ANALYTIC_GRADIENT: bool = true;

    fn ll(&self, theta: &[f64], grad: Option<&mut [f64]>) -> f64 {
        let m = ParetoNbd::from_slice(theta);
        let common = Common::new(&m, grad.is_some());
        let mut acc = match &self.plan {
            Some(plan) => plan.eval(self.data, &m, &common),
            None => self.eval_direct(&m, &common),
        };
        // The terms common to every group: r ln alpha + s ln beta and their derivatives.
        let n = self.data.total_weight();
        acc[0] += n * (m.r * common.ln_alpha + m.s * common.ln_beta);
        acc[1] += n * common.ln_alpha;
        acc[2] += n * m.r / m.alpha;
        acc[3] += n * common.ln_beta;
        acc[4] += n * m.s / m.beta;
        if let Some(g) = grad {
            g[..4].copy_from_slice(&acc[1..5]);
        }
        if acc[0].is_nan() {
            f64::NEG_INFINITY
        } else {
            acc[0]
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::data::History;
    use crate::special::log_add_exp;
    use crate::special::reference::ln_hyp2f1_grad;

    /// Heavy buyers x = 300..5000, the regression case x = 221, t_x = 103.4, T = 103.6, t_x = T,
    /// zero buyers and shared (x, T) pairs.
    fn histories() -> Histories {
        let mut x = vec![0, 0, 1, 1, 3, 12, 221, 300, 1000, 5000, 7, 2];
        let mut t_x = vec![
            0.0, 0.0, 5.0, 30.0, 20.0, 35.5, 103.4, 60.0, 77.7, 78.0, 39.0, 0.3,
        ];
        let mut t = vec![
            39.0, 30.0, 30.0, 30.0, 38.0, 39.0, 103.6, 78.0, 78.0, 78.0, 39.0, 0.5,
        ];
        let mut w = vec![10.0, 3.0, 2.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 4.0, 1.0];
        for k in 0..40u32 {
            x.push(k % 9);
            t_x.push(if k % 9 == 0 { 0.0 } else { f64::from(k) * 0.7 });
            t.push(30.0 + f64::from(k % 5));
            w.push(1.0 + f64::from(k % 3));
        }
        Histories::from_slices(&x, &t_x, &t, Some(&w)).unwrap()
    }

    const THETAS: [[f64; 4]; 5] = [
        [0.553, 10.578, 0.606, 11.669], // CDNOW estimate (alpha < beta)
        [0.8, 15.0, 1.3, 4.0],          // alpha > beta
        [0.6, 9.0, 0.7, 9.0],           // alpha = beta (z = 0)
        [0.05, 2.0, 0.02, 300.0],
        [3.0, 300.0, 5.0, 0.5],
    ];

    /// The likelihood from the former path: general 2F1 series (slow reference) and
    /// log-add/sub-exp, group by group.
    fn reference_ll(d: &Histories, th: [f64; 4]) -> (f64, [f64; 4]) {
        let [r, alpha, s, beta] = th;
        let (mut ll, mut g) = (0.0, [0.0; 4]);
        for i in 0..d.len() {
            let h = History::new(d.x[i], d.t_x[i], d.t[i]);
            let xf = f64::from(h.x);
            let rsx = r + s + xf;
            let (at, bt) = (alpha + h.t, beta + h.t);
            let l1 = -(r + xf) * at.ln() - s * bt.ln();
            let g1 = [-at.ln(), -(r + xf) / at, -bt.ln(), -s / bt];
            let term = |y: f64| -> (f64, [f64; 4]) {
                if alpha >= beta {
                    let base = alpha + y;
                    let (lf, d) =
                        ln_hyp2f1_grad(rsx, s + 1.0, rsx + 1.0, (alpha - beta) / base).unwrap();
                    let lb = base.ln();
                    (
                        lf - rsx * lb,
                        [
                            d[0] + d[2] - lb,
                            d[3] * (beta + y) / (base * base) - rsx / base,
                            d[0] + d[1] + d[2] - lb,
                            -d[3] / base,
                        ],
                    )
                } else {
                    let base = beta + y;
                    let (lf, d) =
                        ln_hyp2f1_grad(rsx, r + xf, rsx + 1.0, (beta - alpha) / base).unwrap();
                    let lb = base.ln();
                    (
                        lf - rsx * lb,
                        [
                            d[0] + d[1] + d[2] - lb,
                            -d[3] / base,
                            d[0] + d[2] - lb,
                            d[3] * (alpha + y) / (base * base) - rsx / base,
                        ],
                    )
                }
            };
            let (l2, g2) = if h.t_x < h.t {
                let ((t1, d1), (t2, d2)) = (term(h.t_x), term(h.t));
                let la0 = crate::special::log_sub_exp(t1, t2);
                let (w1, w2) = ((t1 - la0).exp(), (t2 - la0).exp());
                let mut g2 = [0.0; 4];
                for k in 0..4 {
                    g2[k] = w1 * d1[k] - w2 * d2[k];
                }
                g2[0] -= 1.0 / rsx;
                g2[2] += 1.0 / s - 1.0 / rsx;
                ((s / rsx).ln() + la0, g2)
            } else {
                (f64::NEG_INFINITY, [0.0; 4])
            };
            let sl = log_add_exp(l1, l2);
            let (v1, v2) = ((l1 - sl).exp(), (l2 - sl).exp());
            let w = d.w[i];
            let rx = r + xf;
            ll += w * (ln_gamma(rx) - ln_gamma(r) + r * alpha.ln() + s * beta.ln() + sl);
            g[0] += w * (digamma(rx) - digamma(r) + alpha.ln() + v1 * g1[0] + v2 * g2[0]);
            g[1] += w * (r / alpha + v1 * g1[1] + v2 * g2[1]);
            g[2] += w * (beta.ln() + v1 * g1[2] + v2 * g2[2]);
            g[3] += w * (s / beta + v1 * g1[3] + v2 * g2[3]);
        }
        (ll, g)
    }

    #[test]
    fn matches_the_general_series_likelihood() {
        let d = histories();
        for th in THETAS {
            let (want, want_g) = reference_ll(&d, th);
            let mut g = [0.0; 4];
            let ll = ParetoLik::new(&d).ll(&th, Some(&mut g));
            assert!(
                (ll - want).abs() <= 1e-10 * want.abs(),
                "{th:?}: {ll} vs {want}"
            );
            for k in 0..4 {
                assert!(
                    (g[k] - want_g[k]).abs() <= 1e-8 * want_g[k].abs().max(1.0),
                    "{th:?} d{k}: {} vs {}",
                    g[k],
                    want_g[k]
                );
            }
            // The value-only call gives the same value.
            assert_eq!(ParetoLik::new(&d).ll(&th, None).to_bits(), ll.to_bits());
        }
    }

    #[test]
    fn plan_and_direct_paths_agree() {
        let d = histories();
        let with_plan = ParetoLik::new(&d);
        assert!(with_plan.plan.is_some());
        let plan = with_plan.plan.as_ref().unwrap();
        // Shared (x, y) terms are evaluated once: fewer pairs than series of the direct path.
        let series = (0..d.len()).filter(|&i| d.t_x[i] < d.t[i]).count() * 2;
        assert!(
            plan.pairs.len() < series,
            "{} vs {series}",
            plan.pairs.len()
        );
        let direct = ParetoLik {
            data: &d,
            plan: None,
        };
        for th in THETAS {
            let (mut g1, mut g2) = ([0.0; 4], [0.0; 4]);
            let a = with_plan.ll(&th, Some(&mut g1));
            let b = direct.ll(&th, Some(&mut g2));
            // Same per-group numbers, summed in the same order.
            assert_eq!(a.to_bits(), b.to_bits(), "{th:?}");
            assert_eq!(g1, g2, "{th:?}");
        }
    }

    #[test]
    fn gradient_matches_central_differences_with_heavy_buyers() {
        let d = histories();
        let lik = ParetoLik::new(&d);
        for th in THETAS {
            let mut g = [0.0; 4];
            lik.ll(&th, Some(&mut g));
            for k in 0..4 {
                let h = 1e-6 * th[k];
                let (mut up, mut dn) = (th, th);
                up[k] += h;
                dn[k] -= h;
                let num = (lik.ll(&up, None) - lik.ll(&dn, None)) / (2.0 * h);
                assert!(
                    (g[k] - num).abs() < 1e-5 * (1.0 + num.abs()),
                    "{th:?} d{k}: {} vs {num}",
                    g[k]
                );
            }
        }
    }

    #[test]
    fn large_inputs_use_the_direct_path() {
        let n = PLAN_MAX_GROUPS + 1;
        let x: Vec<u32> = (0..n).map(|i| (i % 5) as u32).collect();
        let t: Vec<f64> = (0..n).map(|i| 20.0 + i as f64 * 1e-3).collect();
        let t_x: Vec<f64> = x
            .iter()
            .zip(&t)
            .map(|(&x, &t)| if x == 0 { 0.0 } else { t / 2.0 })
            .collect();
        let d = Histories::from_slices(&x, &t_x, &t, None).unwrap();
        assert_eq!(d.len(), n);
        let lik = ParetoLik::new(&d);
        assert!(lik.plan.is_none());
        let th = THETAS[0];
        let ll = lik.ll(&th, None);
        let (want, _) = reference_ll(&d, th);
        assert!((ll - want).abs() <= 1e-10 * want.abs(), "{ll} vs {want}");
    }
}
