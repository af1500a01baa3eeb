//! Gamma-Gamma spend model (Fader & Hardie 2013; Colombo & Jiang 1999).

use crm_model::{PurchaseSummary, to_f64};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::data::add_weight;
use crate::error::{ClvError, Result};
use crate::optim::{FitOptions, Fitted, LogLik, fit_params, positive};
use crate::rng::Rng;
use crate::special::{digamma, ln_gamma};

/// Repeat buyers' spend summaries grouped by identical (x, zbar): x = number of repeat
/// transactions (> 0), zbar = their mean value (> 0), with weights.
///
/// Deserializing checks the data as [`Spends::from_slices`] does.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SpendColumns")]
pub struct Spends {
    x: Vec<u32>,
    zbar: Vec<f64>,
    w: Vec<f64>,
    skipped_no_repeat: f64,
}

/// The serialized form of [`Spends`], checked on the way in.
#[derive(Deserialize)]
struct SpendColumns {
    x: Vec<u32>,
    zbar: Vec<f64>,
    w: Vec<f64>,
    skipped_no_repeat: f64,
}

impl TryFrom<SpendColumns> for Spends {
    type Error = ClvError;

    fn try_from(c: SpendColumns) -> Result<Self> {
        let mut out = Spends::from_slices(&c.x, &c.zbar, Some(&c.w))?;
        let mut total = out.total_weight() + out.skipped_no_repeat;
        add_weight(&mut total, c.x.len(), c.skipped_no_repeat)?;
        out.skipped_no_repeat += c.skipped_no_repeat;
        Ok(out)
    }
}

impl Spends {
    /// Groups column slices. Rows with x = 0 carry no information on spend and are skipped
    /// (counted in [`Spends::skipped_no_repeat`]); weights default to 1.
    ///
    /// # Errors
    /// [`ClvError::LengthMismatch`]; [`ClvError::InvalidRecord`] for zbar <= 0 or not finite
    /// when x > 0, or an invalid weight (negative, not finite, or weights adding up to more
    /// than [`crate::MAX_TOTAL_WEIGHT`]).
    pub fn from_slices(x: &[u32], zbar: &[f64], weights: Option<&[f64]>) -> Result<Self> {
        if zbar.len() != x.len() {
            return Err(ClvError::LengthMismatch {
                what: "zbar",
                found: zbar.len(),
                expected: x.len(),
            });
        }
        if let Some(w) = weights {
            if w.len() != x.len() {
                return Err(ClvError::LengthMismatch {
                    what: "weights",
                    found: w.len(),
                    expected: x.len(),
                });
            }
        }
        let mut out = Spends::default();
        let mut map: FxHashMap<(u32, u64), usize> = FxHashMap::default();
        let mut total = 0.0;
        for i in 0..x.len() {
            let w = weights.map_or(1.0, |w| w[i]);
            add_weight(&mut total, i, w)?;
            if x[i] == 0 {
                out.skipped_no_repeat += w;
                continue;
            }
            if !(zbar[i] > 0.0) || !zbar[i].is_finite() {
                return Err(ClvError::InvalidRecord {
                    index: i,
                    field: "zbar",
                    value: zbar[i],
                    reason: "mean repeat transaction value must be finite and > 0 when x > 0",
                });
            }
            if w == 0.0 {
                continue;
            }
            let next = out.x.len();
            let g = *map.entry((x[i], zbar[i].to_bits())).or_insert(next);
            if g == next {
                out.x.push(x[i]);
                out.zbar.push(zbar[i]);
                out.w.push(w);
            } else {
                out.w[g] += w;
            }
        }
        Ok(out)
    }

    /// From purchase summaries: x = `frequency`, zbar = `monetary` (which should be the
    /// repeat-transaction mean, [`crm_model::MonetaryBasis::RepeatMean`]).
    ///
    /// # Errors
    /// As [`Spends::from_slices`].
    pub fn from_summaries(summaries: &[PurchaseSummary]) -> Result<Self> {
        let x: Vec<u32> = summaries.iter().map(|s| s.frequency).collect();
        let z: Vec<f64> = summaries
            .iter()
            .map(|s| s.monetary.map_or(0.0, to_f64))
            .collect();
        Self::from_slices(&x, &z, None)
    }

    /// Number of groups.
    #[must_use]
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// `true` without any repeat buyer.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Total weight of the repeat buyers.
    #[must_use]
    pub fn total_weight(&self) -> f64 {
        self.w.iter().sum()
    }

    /// Total weight of the rows skipped because x = 0.
    #[must_use]
    pub fn skipped_no_repeat(&self) -> f64 {
        self.skipped_no_repeat
    }
}

/// Gamma-Gamma parameters.
///
/// Story: a customer's transaction values are i.i.d. Gamma(shape p, rate nu) around her own
/// mean p/nu; across customers nu ~ Gamma(shape q, rate gamma). Spend is assumed independent of
/// the purchase process (check the correlation of x and zbar before relying on it).
///
/// Likelihood of a customer with x repeat transactions of mean zbar:
///
/// ```text
/// ln L = lnGamma(px+q) - lnGamma(px) - lnGamma(q) + q ln gamma
///      + (px-1) ln zbar + px ln x - (px+q) ln(gamma + x zbar)
/// ```
///
/// ```
/// use crm_analytics::clv::GammaGamma;
/// let m = GammaGamma::new(6.25, 3.74, 15.44)?;
/// // Population mean p gamma/(q-1), and the shrinkage of a customer's own mean towards it:
/// let e = m.conditional_expected_spend(2, 22.35).unwrap();
/// let want = (6.25 * 15.44 + 6.25 * 2.0 * 22.35) / (6.25 * 2.0 + 3.74 - 1.0);
/// assert!((e - want).abs() < 1e-12);
/// # Ok::<(), crm_analytics::clv::ClvError>(())
/// ```
///
/// Reference: P. S. Fader and B. G. S. Hardie (2013), "The Gamma-Gamma model of monetary value";
/// R. Colombo and W. Jiang (1999), "A stochastic RFM model", Journal of Interactive Marketing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGamma {
    /// Shape of the per-transaction Gamma.
    pub p: f64,
    /// Shape of the Gamma distribution of nu across customers.
    pub q: f64,
    /// Rate of the Gamma distribution of nu across customers (money units).
    pub gamma: f64,
}

const MODEL: &str = "Gamma-Gamma";

impl GammaGamma {
    /// Parameter names in the order of [`GammaGamma::to_vec`].
    pub const NAMES: [&'static str; 3] = ["p", "q", "gamma"];

    /// Parameters, each finite and > 0.
    ///
    /// # Errors
    /// [`ClvError::InvalidParameter`].
    pub fn new(p: f64, q: f64, gamma: f64) -> Result<Self> {
        positive("p", p)?;
        positive("q", q)?;
        positive("gamma", gamma)?;
        Ok(GammaGamma { p, q, gamma })
    }

    /// `[p, q, gamma]`.
    #[must_use]
    pub fn to_vec(&self) -> Vec<f64> {
        vec![self.p, self.q, self.gamma]
    }

    fn from_slice(v: &[f64]) -> Self {
        GammaGamma {
            p: v[0],
            q: v[1],
            gamma: v[2],
        }
    }

    /// Maximum-likelihood fit (analytic gradient).
    ///
    /// # Errors
    /// [`ClvError::DegenerateData`] with fewer than two repeat buyers or a single distinct
    /// zbar; [`ClvError::NotConverged`]; [`ClvError::Numerical`].
    pub fn fit(data: &Spends, options: &FitOptions) -> Result<Fitted<GammaGamma>> {
        let n = data.total_weight();
        if n < 2.0 {
            return Err(ClvError::DegenerateData {
                model: MODEL,
                reason: format!("{n} repeat buyer(s); at least two are needed"),
            });
        }
        let first = data.zbar.first().copied().unwrap_or(0.0);
        if data.zbar.iter().all(|z| *z == first) {
            return Err(ClvError::DegenerateData {
                model: MODEL,
                reason: "every repeat buyer has the same mean spend; the spread cannot be fitted"
                    .into(),
            });
        }
        let mean = data
            .zbar
            .iter()
            .zip(&data.w)
            .map(|(z, w)| z * w)
            .sum::<f64>()
            / n;
        let start = [1.0, 2.0, mean.max(1e-6)];
        fit_params(
            MODEL,
            &GgLik { data },
            &start,
            (n, data.len()),
            options,
            Self::from_slice,
        )
    }

    /// Log-likelihood of the data.
    #[must_use]
    pub fn log_likelihood(&self, data: &Spends) -> f64 {
        GgLik { data }.ll(&self.to_vec(), None)
    }

    /// E[M | x, zbar] = (p gamma + p x zbar) / (p x + q - 1): a weighted average of the
    /// population mean p gamma/(q-1) and the customer's own mean zbar. For x = 0 the population
    /// mean. `None` when the expectation is infinite (p x + q <= 1) or, for x > 0, when zbar
    /// is not a finite positive mean spend (the model's spends are Gamma distributed, so
    /// zbar <= 0 is not data it can describe; [`GammaGamma::expected_spend`] says why).
    #[must_use]
    pub fn conditional_expected_spend(&self, x: u32, zbar: f64) -> Option<f64> {
        self.expected_spend(x, zbar).ok().flatten()
    }

    /// [`GammaGamma::conditional_expected_spend`] with invalid input as an error.
    ///
    /// ```
    /// use crm_analytics::clv::GammaGamma;
    /// let gg = GammaGamma::new(6.25, 3.74, 15.44)?;
    /// assert!(gg.expected_spend(2, -5.0).is_err());      // a negative mean spend
    /// assert!(gg.expected_spend(2, 0.0).is_err());
    /// assert!(gg.expected_spend(0, 0.0)?.is_some());     // no repeat purchase: population mean
    /// # Ok::<(), crm_analytics::clv::ClvError>(())
    /// ```
    ///
    /// # Errors
    /// [`ClvError::InvalidRecord`] (index 0: the caller adds its own position) when x > 0 and
    /// zbar is not finite and > 0.
    pub fn expected_spend(&self, x: u32, zbar: f64) -> Result<Option<f64>> {
        if x > 0 && !(zbar > 0.0 && zbar.is_finite()) {
            return Err(ClvError::InvalidRecord {
                index: 0,
                field: "zbar",
                value: zbar,
                reason: "Gamma-Gamma needs a positive mean spend for a repeat buyer",
            });
        }
        let px = self.p * f64::from(x);
        let den = px + self.q - 1.0;
        if den <= 0.0 {
            return Ok(None);
        }
        let z = if x == 0 { 0.0 } else { zbar };
        let v = (self.p * self.gamma + px * z) / den;
        Ok(v.is_finite().then_some(v))
    }

    /// Simulates zbar for customers with the given repeat counts (x = 0 gives zbar = 0):
    /// nu ~ Gamma(q, gamma), zbar ~ Gamma(p x, x nu). Deterministic for a given `seed`.
    #[must_use]
    pub fn simulate(&self, x: &[u32], seed: u64) -> Vec<f64> {
        let mut rng = Rng::new(seed);
        x.iter()
            .map(|&n| {
                let nu = rng.gamma(self.q, self.gamma);
                if n == 0 {
                    0.0
                } else {
                    let nf = f64::from(n);
                    rng.gamma(self.p * nf, nf * nu)
                }
            })
            .collect()
    }
}

struct GgLik<'a> {
    data: &'a Spends,
}

impl LogLik for GgLik<'_> {
    const K: usize = 3;
    const ANALYTIC_GRADIENT: bool = true;

    fn ll(&self, theta: &[f64], grad: Option<&mut [f64]>) -> f64 {
        let (p, q, g) = (theta[0], theta[1], theta[2]);
        let d = self.data;
        let (lg_q, dg_q, ln_g) = (ln_gamma(q), digamma(q), g.ln());
        let mut ll = 0.0;
        let mut gr = [0.0f64; 3];
        let want = grad.is_some();
        for i in 0..d.len() {
            let x = f64::from(d.x[i]);
            let (z, w) = (d.zbar[i], d.w[i]);
            let px = p * x;
            let lden = (g + x * z).ln();
            ll += w
                * (ln_gamma(px + q) - ln_gamma(px) - lg_q
                    + q * ln_g
                    + (px - 1.0) * z.ln()
                    + px * x.ln()
                    - (px + q) * lden);
            if want {
                let dg_pxq = digamma(px + q);
                gr[0] += w * x * (dg_pxq - digamma(px) + z.ln() + x.ln() - lden);
                gr[1] += w * (dg_pxq - dg_q + ln_g - lden);
                gr[2] += w * (q / g - (px + q) / (g + x * z));
            }
        }
        if let Some(out) = grad {
            out[..3].copy_from_slice(&gr);
        }
        ll
    }
}
