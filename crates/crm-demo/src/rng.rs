//! A small, self-contained, seedable PRNG with the samplers the generator needs.
//!
//! Why not `rand` + `rand_distr`: the generator needs five samplers (uniform, exponential,
//! normal, gamma, beta), and reproducibility across library versions matters more than
//! speed or breadth: `rand_distr` documents that its sampled values may change between minor
//! versions, which would silently change every demo data set. These ~120 lines never change.
//!
//! - Generator: xoshiro256** (Blackman & Vigna 2018), seeded through SplitMix64 so that any
//!   `u64` seed (including 0) gives a well-mixed state.
//! - Gamma: Marsaglia & Tsang (2000), "A simple method for generating gamma variables", with the
//!   `U^(1/shape)` boost for shape < 1.
//! - Normal: Marsaglia's polar method.

/// SplitMix64 step (Steele, Lea & Flood 2014): used to expand seeds.
pub(crate) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256** generator.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator for one independent stream: `seed` of the data set, `stream` (e.g. the person
    /// index) and `tag` (which kind of data) are mixed so streams do not overlap in practice.
    pub(crate) fn stream(seed: u64, stream: u64, tag: u64) -> Self {
        let mut sm = seed ^ 0x5DEE_CE66_D1CE_4E5B;
        let a = splitmix64(&mut sm);
        let mut sm = a ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let b = splitmix64(&mut sm);
        let mut sm = b ^ tag.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Rng { s }
    }

    /// Next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in (0, 1]: safe for `ln`.
    pub(crate) fn uniform_open0(&mut self) -> f64 {
        1.0 - self.uniform()
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Uniform integer in `0..n` (`n > 0`; returns 0 for `n == 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Lemire's multiply-shift; the bias is < n / 2^64, irrelevant here.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform integer in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    /// One element of a non-empty slice (the first for an empty one is impossible: callers pass
    /// constant tables).
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }

    /// Index drawn with the given (not necessarily normalised) weights.
    pub(crate) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut u = self.uniform() * total;
        for (i, w) in weights.iter().enumerate() {
            if u < *w {
                return i;
            }
            u -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// Exponential with the given mean.
    pub(crate) fn exponential(&mut self, mean: f64) -> f64 {
        -mean * self.uniform_open0().ln()
    }

    /// Standard normal (polar method).
    pub(crate) fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * s.ln() / s).sqrt();
            }
        }
    }

    /// Gamma with `shape` and `rate` (mean `shape / rate`), Marsaglia-Tsang.
    pub(crate) fn gamma(&mut self, shape: f64, rate: f64) -> f64 {
        if shape < 1.0 {
            // Gamma(a) = Gamma(a + 1) * U^(1/a).
            let g = self.gamma(shape + 1.0, rate);
            return g * self.uniform_open0().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.uniform_open0();
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v / rate;
            }
        }
    }

    /// Beta(a, b) from two gammas.
    pub(crate) fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a, 1.0);
        let y = self.gamma(b, 1.0);
        if x + y > 0.0 { x / (x + y) } else { 0.5 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_var(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let m = xs.iter().sum::<f64>() / n;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
        (m, v)
    }

    #[test]
    fn deterministic_and_distinct_streams() {
        let a: Vec<u64> = (0..4).map(|_| Rng::stream(1, 2, 3).next_u64()).collect();
        assert!(a.iter().all(|x| *x == a[0]));
        assert_ne!(
            Rng::stream(1, 2, 3).next_u64(),
            Rng::stream(1, 3, 3).next_u64()
        );
        assert_ne!(
            Rng::stream(1, 2, 3).next_u64(),
            Rng::stream(2, 2, 3).next_u64()
        );
    }

    #[test]
    fn gamma_moments() {
        // Gamma(shape k, rate r): mean k/r, variance k/r^2. 200k draws: se of mean ~ 0.2%.
        for (k, r) in [(0.5, 2.0), (2.5, 0.5), (6.0, 1.0)] {
            let mut g = Rng::stream(7, 0, 0);
            let xs: Vec<f64> = (0..200_000).map(|_| g.gamma(k, r)).collect();
            let (m, v) = mean_var(&xs);
            assert!((m - k / r).abs() / (k / r) < 0.02, "mean {m} for {k},{r}");
            assert!(
                (v - k / r / r).abs() / (k / r / r) < 0.05,
                "var {v} for {k},{r}"
            );
        }
    }

    #[test]
    fn beta_exponential_normal_moments() {
        let mut g = Rng::stream(9, 0, 0);
        let xs: Vec<f64> = (0..200_000).map(|_| g.beta(2.0, 6.0)).collect();
        assert!((mean_var(&xs).0 - 0.25).abs() < 0.005);
        let xs: Vec<f64> = (0..200_000).map(|_| g.exponential(3.0)).collect();
        let (m, v) = mean_var(&xs);
        assert!((m - 3.0).abs() < 0.05 && (v - 9.0).abs() < 0.4, "{m} {v}");
        let xs: Vec<f64> = (0..200_000).map(|_| g.normal()).collect();
        let (m, v) = mean_var(&xs);
        assert!(m.abs() < 0.01 && (v - 1.0).abs() < 0.02, "{m} {v}");
        let mut counts = [0usize; 3];
        for _ in 0..30_000 {
            counts[g.weighted(&[1.0, 2.0, 3.0])] += 1;
        }
        assert!(
            (counts[2] as f64 / 30_000.0 - 0.5).abs() < 0.02,
            "{counts:?}"
        );
    }
}
