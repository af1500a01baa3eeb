//! Special functions in log space: ln Gamma, ln Beta, digamma, log-sum-exp and the Gauss
//! hypergeometric series 2F1 for the arguments the models need.

pub(crate) use statrs::function::gamma::{digamma, ln_gamma};

/// ln B(a, b) = ln Gamma(a) + ln Gamma(b) - ln Gamma(a + b).
#[inline]
pub(crate) fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// ln(e^a + e^b) without overflow.
#[inline]
pub(crate) fn log_add_exp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let m = a.max(b);
    m + (-(a - b).abs()).exp().ln_1p()
}

/// ln(e^a - e^b) for a >= b (NaN-free: returns -inf when a == b).
#[inline]
pub(crate) fn log_sub_exp(a: f64, b: f64) -> f64 {
    if b == f64::NEG_INFINITY {
        return a;
    }
    let d = b - a;
    if d >= 0.0 {
        return f64::NEG_INFINITY;
    }
    // ln(1 - e^d), accurate both near d = 0 and for very negative d.
    let l = if d > -std::f64::consts::LN_2 {
        (-d.exp_m1()).ln()
    } else {
        (-d.exp()).ln_1p()
    };
    a + l
}

/// Natural log of the Gauss hypergeometric function 2F1(a, b; c; z) for a, b, c > 0 and
/// 0 <= z < 1, by its power series summed with a running scale (all terms are positive, so the
/// sum never cancels; the scale keeps huge partial sums, e.g. b = 1000 and z = 0.9, finite).
///
/// Returns `None` when the series does not reach relative precision 1e-15 in `max_terms` terms
/// or the arguments are outside the domain.
pub(crate) fn ln_hyp2f1_pos(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    if !(a > 0.0 && b > 0.0 && c > 0.0 && (0.0..1.0).contains(&z)) {
        return None;
    }
    if z == 0.0 {
        return Some(0.0);
    }
    const MAX_TERMS: usize = 2_000_000;
    let mut log_scale = 0.0f64;
    let mut term = 1.0f64;
    let mut sum = 1.0f64;
    // Multiplier from term k to term k + 1; computed once and used for the stopping test too.
    let mut ratio = a * b / c * z;
    for k in 0..MAX_TERMS {
        let kf = k as f64;
        term *= ratio;
        sum += term;
        if sum > 1e280 {
            log_scale += sum.ln();
            term /= sum;
            sum = 1.0;
        }
        // Terms eventually decrease geometrically (ratio -> z); stop once the tail is negligible.
        ratio = (a + kf + 1.0) * (b + kf + 1.0) / ((c + kf + 1.0) * (kf + 2.0)) * z;
        if ratio < 1.0 && term <= sum * 1e-16 * (1.0 - ratio) {
            return Some(log_scale + sum.ln());
        }
    }
    None
}

/// ln 2F1(a, b; c; z) (as [`ln_hyp2f1_pos`]) with its partial derivatives
/// (d/da, d/db, d/dc, d/dz) of ln 2F1, accumulated in the same series:
///
/// ```text
/// t_k = (a)_k (b)_k / ((c)_k k!) z^k,   d t_k/da = t_k sum_{j<k} 1/(a+j)   (b alike),
/// d t_k/dc = -t_k sum_{j<k} 1/(c+j),     d t_k/dz = t_k k / z
/// ```
pub(crate) fn ln_hyp2f1_grad(a: f64, b: f64, c: f64, z: f64) -> Option<(f64, [f64; 4])> {
    if !(a > 0.0 && b > 0.0 && c > 0.0 && (0.0..1.0).contains(&z)) {
        return None;
    }
    if z == 0.0 {
        return Some((0.0, [0.0, 0.0, 0.0, a * b / c]));
    }
    const MAX_TERMS: usize = 2_000_000;
    let mut log_scale = 0.0f64;
    let mut term = 1.0f64;
    let mut sum = 1.0f64;
    let (mut pa, mut pb, mut pc) = (0.0f64, 0.0f64, 0.0f64);
    let (mut sa, mut sb, mut sc, mut sz) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for k in 0..MAX_TERMS {
        let kf = k as f64;
        pa += 1.0 / (a + kf);
        pb += 1.0 / (b + kf);
        pc += 1.0 / (c + kf);
        term *= (a + kf) * (b + kf) / ((c + kf) * (kf + 1.0)) * z;
        sum += term;
        sa += term * pa;
        sb += term * pb;
        sc += term * pc;
        sz += term * (kf + 1.0);
        if sum > 1e280 {
            log_scale += sum.ln();
            term /= sum;
            sa /= sum;
            sb /= sum;
            sc /= sum;
            sz /= sum;
            sum = 1.0;
        }
        let ratio = (a + kf + 1.0) * (b + kf + 1.0) / ((c + kf + 1.0) * (kf + 2.0)) * z;
        if ratio < 1.0 && term * (kf + 2.0) * (1.0 + pa + pb + pc) <= sum * 1e-16 * (1.0 - ratio) {
            return Some((
                log_scale + sum.ln(),
                [sa / sum, sb / sum, -sc / sum, sz / (z * sum)],
            ));
        }
    }
    None
}

/// Gauss-Legendre nodes and weights on [0, 1] (20 points), for smooth one-dimensional integrals.
pub(crate) const GL20: [(f64, f64); 20] = gauss_legendre_20();

const fn gauss_legendre_20() -> [(f64, f64); 20] {
    // Nodes x_i in [-1, 1] and weights w_i (Abramowitz & Stegun 25.4.30), mapped to [0, 1].
    const X: [f64; 10] = [
        0.076_526_521_133_497_33,
        0.227_785_851_141_645_08,
        0.373_706_088_715_419_56,
        0.510_867_001_950_827_1,
        0.636_053_680_726_515,
        0.746_331_906_460_150_8,
        0.839_116_971_822_218_8,
        0.912_234_428_251_326,
        0.963_971_927_277_913_8,
        0.993_128_599_185_094_9,
    ];
    const W: [f64; 10] = [
        0.152_753_387_130_725_85,
        0.149_172_986_472_603_75,
        0.142_096_109_318_382_05,
        0.131_688_638_449_176_63,
        0.118_194_531_961_518_42,
        0.101_930_119_817_240_44,
        0.083_276_741_576_704_75,
        0.062_672_048_334_109_06,
        0.040_601_429_800_386_94,
        0.017_614_007_139_152_118,
    ];
    let mut out = [(0.0, 0.0); 20];
    let mut i = 0;
    while i < 10 {
        out[2 * i] = ((1.0 + X[i]) / 2.0, W[i] / 2.0);
        out[2 * i + 1] = ((1.0 - X[i]) / 2.0, W[i] / 2.0);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hyp2f1_known_values() {
        // 2F1(1, 1; 2; z) = -ln(1 - z) / z
        let z = 0.5f64;
        let v = ln_hyp2f1_pos(1.0, 1.0, 2.0, z).unwrap().exp();
        assert!((v - (-(1.0 - z).ln() / z)).abs() < 1e-14);
        // 2F1(a, b; b; z) = (1 - z)^-a
        let v = ln_hyp2f1_pos(300.5, 2.0, 2.0, 0.9).unwrap();
        assert!((v - (-300.5 * 0.1f64.ln())).abs() < 1e-9 * v.abs());
    }

    #[test]
    fn hyp2f1_gradient_matches_differences() {
        let (a, b, c, z) = (3.7, 1.6, 4.7, 0.37);
        let (f, g) = ln_hyp2f1_grad(a, b, c, z).unwrap();
        assert!((f - ln_hyp2f1_pos(a, b, c, z).unwrap()).abs() < 1e-14);
        let h = 1e-6;
        let num = [
            (ln_hyp2f1_pos(a + h, b, c, z).unwrap() - ln_hyp2f1_pos(a - h, b, c, z).unwrap())
                / (2.0 * h),
            (ln_hyp2f1_pos(a, b + h, c, z).unwrap() - ln_hyp2f1_pos(a, b - h, c, z).unwrap())
                / (2.0 * h),
            (ln_hyp2f1_pos(a, b, c + h, z).unwrap() - ln_hyp2f1_pos(a, b, c - h, z).unwrap())
                / (2.0 * h),
            (ln_hyp2f1_pos(a, b, c, z + h).unwrap() - ln_hyp2f1_pos(a, b, c, z - h).unwrap())
                / (2.0 * h),
        ];
        for i in 0..4 {
            assert!((g[i] - num[i]).abs() < 1e-7, "{i}: {} vs {}", g[i], num[i]);
        }
    }

    /// The series loop as it was before the one-division change (reference for the test below).
    fn ln_hyp2f1_two_divisions(a: f64, b: f64, c: f64, z: f64) -> f64 {
        let (mut log_scale, mut term, mut sum) = (0.0f64, 1.0f64, 1.0f64);
        for k in 0..2_000_000 {
            let kf = k as f64;
            term *= (a + kf) * (b + kf) / ((c + kf) * (kf + 1.0)) * z;
            sum += term;
            if sum > 1e280 {
                log_scale += sum.ln();
                term /= sum;
                sum = 1.0;
            }
            let ratio = (a + kf + 1.0) * (b + kf + 1.0) / ((c + kf + 1.0) * (kf + 2.0)) * z;
            if ratio < 1.0 && term <= sum * 1e-16 * (1.0 - ratio) {
                return log_scale + sum.ln();
            }
        }
        f64::NAN
    }

    #[test]
    fn hyp2f1_matches_previous_loop() {
        // Pareto/NBD arguments (rsx, s+1 or r+x, rsx+1, z) including the heavy-buyer regression
        // cases x = 221 (t_x = 103.4, T = 103.6) and x = 300, 1000, 5000, in both branches.
        let (r, alpha, s, beta) = (0.553f64, 10.578f64, 0.606f64, 11.669f64);
        for x in [0.0, 1.0, 7.0, 221.0, 300.0, 1000.0, 5000.0] {
            for y in [0.0, 0.5, 10.0, 103.4, 103.6, 1000.0] {
                let rsx = r + s + x;
                for (b, z) in [
                    (r + x, (beta - alpha) / (beta + y)),
                    (s + 1.0, (beta - alpha) / (beta + y)),
                    (r + x, 0.9 * beta / (beta + y)),
                    (s + 1.0, 0.99 * alpha / (alpha + y)),
                ] {
                    let new = ln_hyp2f1_pos(rsx, b, rsx + 1.0, z).unwrap();
                    let old = ln_hyp2f1_two_divisions(rsx, b, rsx + 1.0, z);
                    assert!(new.is_finite());
                    assert!(
                        (new - old).abs() <= 1e-12 * old.abs().max(1.0),
                        "x {x} y {y} z {z}: {new} vs {old}"
                    );
                }
            }
        }
    }

    #[test]
    fn gl20_integrates_polynomials() {
        let s: f64 = GL20.iter().map(|(x, w)| w * x.powi(7)).sum();
        assert!((s - 1.0 / 8.0).abs() < 1e-15);
        let s: f64 = GL20.iter().map(|(_, w)| w).sum();
        assert!((s - 1.0).abs() < 1e-14);
    }

    #[test]
    fn log_sum_sub() {
        assert!((log_add_exp(0.0, 0.0) - 2f64.ln()).abs() < 1e-15);
        assert!((log_sub_exp(2f64.ln(), 0.0)).abs() < 1e-15);
        assert_eq!(log_sub_exp(1.0, 1.0), f64::NEG_INFINITY);
    }
}
