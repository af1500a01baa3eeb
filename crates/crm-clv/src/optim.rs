//! Maximum-likelihood driver shared by the models: L-BFGS (argmin, More-Thuente line search)
//! over log-parameters, optional L2 penalty, Hessian-based standard errors and a fit report.

use std::cell::RefCell;

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use serde::{Deserialize, Serialize};

use crate::error::{ClvError, Result};

/// Options of every `fit` function.
///
/// The optimiser minimises, over `u = ln(theta)` (so every parameter stays positive),
///
/// ```text
/// objective(u) = -LL(theta) / N  +  penalty * sum_i theta_i^2,   theta = exp(u)
/// ```
///
/// where N is the total weight (number of customers). The penalty is the L2 penalty on the
/// natural parameters that the `lifetimes` package calls `penalizer_coef` (default 0: plain
/// maximum likelihood).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FitOptions {
    /// L2 penalty coefficient (>= 0; default 0).
    pub penalty: f64,
    /// Maximum L-BFGS iterations (default 500).
    pub max_iterations: u64,
    /// The fit counts as converged when the gradient norm of the objective (in log-parameter
    /// space) is at most this (default 1e-5).
    pub gradient_tolerance: f64,
    /// Return [`ClvError::NotConverged`] when not converged (default `true`); with `false` the fit
    /// is returned with `report.converged = false`.
    pub require_convergence: bool,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            penalty: 0.0,
            max_iterations: 500,
            gradient_tolerance: 1e-5,
            require_convergence: true,
        }
    }
}

impl FitOptions {
    /// Sets the L2 penalty.
    #[must_use]
    pub fn penalty(mut self, penalty: f64) -> Self {
        self.penalty = penalty;
        self
    }
    /// Sets the iteration limit.
    #[must_use]
    pub fn max_iterations(mut self, n: u64) -> Self {
        self.max_iterations = n;
        self
    }
    /// Sets the convergence tolerance on the gradient norm.
    #[must_use]
    pub fn gradient_tolerance(mut self, tol: f64) -> Self {
        self.gradient_tolerance = tol;
        self
    }
    /// Sets whether non-convergence is an error.
    #[must_use]
    pub fn require_convergence(mut self, yes: bool) -> Self {
        self.require_convergence = yes;
        self
    }

    fn check(&self) -> Result<()> {
        if !self.penalty.is_finite() || self.penalty < 0.0 {
            return Err(ClvError::InvalidParameter {
                name: "penalty",
                value: self.penalty,
                reason: "must be finite and >= 0",
            });
        }
        if !(self.gradient_tolerance > 0.0) {
            return Err(ClvError::InvalidParameter {
                name: "gradient_tolerance",
                value: self.gradient_tolerance,
                reason: "must be > 0",
            });
        }
        Ok(())
    }
}

/// What the optimiser did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// Log-likelihood at the estimate (without the penalty).
    pub log_likelihood: f64,
    /// L-BFGS iterations used.
    pub iterations: u64,
    /// Gradient norm of the mean objective in log-parameter space at the estimate.
    pub gradient_norm: f64,
    /// Whether the gradient norm reached the tolerance.
    pub converged: bool,
    /// Total weight of the data (number of customers).
    pub customers: f64,
    /// Number of distinct groups the likelihood was evaluated on.
    pub groups: usize,
    /// The L2 penalty used.
    pub penalty: f64,
}

/// A fitted model: parameters, their standard errors and the fit report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fitted<P> {
    /// The maximum (penalised) likelihood estimate.
    pub params: P,
    /// Asymptotic standard errors from the inverse of the observed information (the negative
    /// Hessian of the log-likelihood at the estimate); `None` when that matrix is not positive
    /// definite (a parameter at a boundary or not identified).
    pub standard_errors: Option<P>,
    /// The asymptotic covariance matrix of the estimate (the inverse observed information)
    /// whose diagonal gives `standard_errors`; `None` with them. Intervals of predictions
    /// draw parameters from it ([`crate::intervals`]).
    pub covariance: Option<Covariance>,
    /// The optimiser's report.
    pub report: FitReport,
}

/// Largest number of parameters of a model (BG/NBD, MBG/NBD, Pareto/NBD and BG/BB have four).
const MAX_PARAMS: usize = 4;

/// A covariance matrix of at most four natural parameters, in the order of the model's
/// `NAMES` (e.g. `r, alpha, a, b`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Vec<f64>>", into = "Vec<Vec<f64>>")]
pub struct Covariance {
    k: usize,
    m: [[f64; MAX_PARAMS]; MAX_PARAMS],
}

impl Covariance {
    /// From rows: square, at most 4 x 4, finite, symmetric (to 1e-9 relative), with a
    /// positive diagonal.
    ///
    /// # Errors
    /// [`ClvError::InvalidParameter`] naming what is wrong.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self> {
        let k = rows.len();
        let bad = |reason: &'static str| ClvError::InvalidParameter {
            name: "covariance",
            value: k as f64,
            reason,
        };
        if k == 0 || k > MAX_PARAMS || rows.iter().any(|r| r.len() != k) {
            return Err(bad("must be a square matrix of 1 to 4 rows"));
        }
        let mut m = [[0.0; MAX_PARAMS]; MAX_PARAMS];
        for i in 0..k {
            for j in 0..k {
                let v = rows[i][j];
                if !v.is_finite() {
                    return Err(bad("has a value that is not finite"));
                }
                let t = rows[j][i];
                if (v - t).abs() > 1e-9 * v.abs().max(t.abs()) {
                    return Err(bad("is not symmetric"));
                }
                m[i][j] = v;
            }
            if !(m[i][i] > 0.0) {
                return Err(bad("has a diagonal entry that is not positive"));
            }
        }
        Ok(Covariance { k, m })
    }

    /// Number of parameters.
    #[must_use]
    pub fn len(&self) -> usize {
        self.k
    }

    /// `true` for no parameter (never, for a value built by [`Covariance::from_rows`]).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.k == 0
    }

    /// Entry (i, j), 0 outside the matrix.
    #[must_use]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        if i < self.k && j < self.k {
            self.m[i][j]
        } else {
            0.0
        }
    }

    /// The rows.
    #[must_use]
    pub fn rows(&self) -> Vec<Vec<f64>> {
        (0..self.k).map(|i| self.m[i][..self.k].to_vec()).collect()
    }

    /// Square roots of the diagonal.
    #[must_use]
    pub fn standard_errors(&self) -> Vec<f64> {
        (0..self.k).map(|i| self.m[i][i].sqrt()).collect()
    }
}

impl TryFrom<Vec<Vec<f64>>> for Covariance {
    type Error = ClvError;

    fn try_from(rows: Vec<Vec<f64>>) -> Result<Self> {
        Covariance::from_rows(&rows)
    }
}

impl From<Covariance> for Vec<Vec<f64>> {
    fn from(c: Covariance) -> Self {
        c.rows()
    }
}

/// [`maximize`], with the estimate and standard errors packaged as the model's parameter type
/// (`from` rebuilds it from a parameter vector); `n` and `groups` as in [`maximize`].
pub(crate) fn fit_params<P, L: LogLik>(
    model: &'static str,
    lik: &L,
    start: &[f64],
    (n, groups): (f64, usize),
    options: &FitOptions,
    from: fn(&[f64]) -> P,
) -> Result<Fitted<P>> {
    let (theta, cov, report) = maximize(model, lik, start, n, groups, options)?;
    Ok(Fitted {
        params: from(&theta),
        standard_errors: cov.map(|c| from(&c.standard_errors())),
        covariance: cov,
        report,
    })
}

/// A log-likelihood with optional analytic gradient, in natural parameters.
pub(crate) trait LogLik {
    /// Number of parameters.
    const K: usize;
    /// Whether [`LogLik::ll`] fills the gradient.
    const ANALYTIC_GRADIENT: bool;
    /// Log-likelihood at `theta`; when `grad` is `Some` and the gradient is analytic, writes
    /// dLL/dtheta into it.
    fn ll(&self, theta: &[f64], grad: Option<&mut [f64]>) -> f64;
}

/// Last evaluation: (log-parameters, objective, gradient, log-likelihood, dLL/dtheta (analytic
/// gradients only; zeros otherwise)).
type Cached = (Vec<f64>, f64, Vec<f64>, f64, Vec<f64>);

struct Problem<'a, L: LogLik> {
    lik: &'a L,
    n: f64,
    penalty: f64,
    cache: RefCell<Option<Cached>>,
}

impl<L: LogLik> Problem<'_, L> {
    /// Objective and its gradient in log space.
    fn eval(&self, u: &[f64]) -> (f64, Vec<f64>) {
        if let Some((cu, c, g, _, _)) = self.cache.borrow().as_ref() {
            if cu.as_slice() == u {
                return (*c, g.clone());
            }
        }
        let k = L::K;
        let theta: Vec<f64> = u.iter().map(|v| v.exp()).collect();
        let mut g = vec![0.0; k];
        let (f, grad, ll) = if L::ANALYTIC_GRADIENT {
            let ll = self.lik.ll(&theta, Some(&mut g));
            let grad: Vec<f64> = (0..k).map(|i| -g[i] * theta[i] / self.n).collect();
            (-ll / self.n, grad, ll)
        } else {
            // Forward differences in log-parameter space (K + 1 evaluations per gradient; the
            // error, about 1e-7 on the mean objective, is far below the convergence tolerance).
            let ll = self.lik.ll(&theta, None);
            let mut grad = vec![0.0; k];
            for i in 0..k {
                let h = 1e-7;
                let mut up = theta.clone();
                up[i] = (u[i] + h).exp();
                let d = (self.lik.ll(&up, None) - ll) / h;
                grad[i] = -d / self.n;
            }
            (-ll / self.n, grad, ll)
        };
        let pen: f64 = theta.iter().map(|t| t * t).sum::<f64>() * self.penalty;
        let grad: Vec<f64> = grad
            .iter()
            .zip(&theta)
            .map(|(g, t)| g + 2.0 * self.penalty * t * t)
            .collect();
        let out = (f + pen, grad);
        *self.cache.borrow_mut() = Some((u.to_vec(), out.0, out.1.clone(), ll, g));
        out
    }
}

impl<L: LogLik> CostFunction for Problem<'_, L> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, u: &Vec<f64>) -> std::result::Result<f64, argmin::core::Error> {
        let (f, g) = self.eval(u);
        if f.is_finite() && g.iter().all(|v| v.is_finite()) {
            Ok(f)
        } else {
            Err(argmin::core::Error::msg(
                "log-likelihood is not finite at the trial point",
            ))
        }
    }
}

impl<L: LogLik> Gradient for Problem<'_, L> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, u: &Vec<f64>) -> std::result::Result<Vec<f64>, argmin::core::Error> {
        let (f, g) = self.eval(u);
        if f.is_finite() && g.iter().all(|v| v.is_finite()) {
            Ok(g)
        } else {
            Err(argmin::core::Error::msg(
                "log-likelihood gradient is not finite at the trial point",
            ))
        }
    }
}

/// Maximises `lik` from `start` (natural parameters, all > 0). Returns the estimate, standard
/// errors and report.
pub(crate) fn maximize<L: LogLik>(
    model: &'static str,
    lik: &L,
    start: &[f64],
    n: f64,
    groups: usize,
    opts: &FitOptions,
) -> Result<(Vec<f64>, Option<Covariance>, FitReport)> {
    opts.check()?;
    let problem = Problem {
        lik,
        n,
        penalty: opts.penalty,
        cache: RefCell::new(None),
    };
    let u0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
    let (f0, _) = problem.eval(&u0);
    if !f0.is_finite() {
        return Err(ClvError::Numerical {
            what: model,
            reason: format!("log-likelihood is not finite at the starting values {start:?}"),
        });
    }
    let inner_tol = if L::ANALYTIC_GRADIENT {
        opts.gradient_tolerance * 1e-2
    } else {
        opts.gradient_tolerance * 1e-1
    };
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
        .with_tolerance_grad(inner_tol)
        .and_then(|s| s.with_tolerance_cost(1e-16))
        .map_err(|e| ClvError::Numerical {
            what: model,
            reason: e.to_string(),
        })?;
    let res = Executor::new(problem, solver)
        .configure(|state| state.param(u0.clone()).max_iters(opts.max_iterations))
        .run();
    let (u, iterations, last) = match res {
        Ok(r) => {
            let iters = r.state().get_iter();
            let u = r
                .state()
                .get_best_param()
                .cloned()
                .unwrap_or_else(|| u0.clone());
            let last = r
                .problem
                .problem
                .and_then(|p| p.cache.into_inner())
                .filter(|c| c.0 == u);
            (u, iters, last)
        }
        Err(e) => {
            return Err(ClvError::Numerical {
                what: model,
                reason: format!("optimiser failed: {e}"),
            });
        }
    };
    let theta: Vec<f64> = u.iter().map(|v| v.exp()).collect();
    // One evaluation gives the log-likelihood and (analytic case) its gradient; usually the
    // optimiser's last evaluation was at the estimate already (same theta, same numbers).
    let (log_likelihood, g0) = match last {
        Some((_, _, _, ll, g)) => (ll, g),
        None => {
            let mut g0 = vec![0.0; L::K];
            (lik.ll(&theta, Some(&mut g0)), g0)
        }
    };
    if !log_likelihood.is_finite() || theta.iter().any(|t| !t.is_finite() || *t <= 0.0) {
        return Err(ClvError::Numerical {
            what: model,
            reason: format!("estimate {theta:?} has a non-finite log-likelihood"),
        });
    }
    let gradient_norm = if L::ANALYTIC_GRADIENT {
        g0.iter()
            .zip(&theta)
            .map(|(g, t)| {
                let v = -g * t / n + 2.0 * opts.penalty * t * t;
                v * v
            })
            .sum::<f64>()
            .sqrt()
    } else {
        let problem = Problem {
            lik,
            n,
            penalty: opts.penalty,
            cache: RefCell::new(None),
        };
        let (_, g) = problem.eval(&u);
        g.iter().map(|v| v * v).sum::<f64>().sqrt()
    };
    let converged = gradient_norm <= opts.gradient_tolerance;
    let report = FitReport {
        log_likelihood,
        iterations,
        gradient_norm,
        converged,
        customers: n,
        groups,
        penalty: opts.penalty,
    };
    if !converged && opts.require_convergence {
        return Err(ClvError::NotConverged {
            model,
            iterations,
            log_likelihood,
            gradient_norm,
        });
    }
    // Forward differences of the analytic gradient from the gradient already computed: K
    // gradient evaluations (accuracy about 1e-4 relative, ample for standard errors).
    let forward = L::ANALYTIC_GRADIENT.then_some(g0.as_slice());
    let se = covariance(lik, &theta, forward);
    Ok((theta, se, report))
}

/// The covariance (-H)^-1 of the estimate from a finite-difference Hessian H of the
/// log-likelihood at `theta` (natural parameters); `None` when -H is not positive definite.
///
/// With `forward = Some(gradient at theta)` (analytic gradients only), uses forward differences.
pub(crate) fn covariance<L: LogLik>(
    lik: &L,
    theta: &[f64],
    forward: Option<&[f64]>,
) -> Option<Covariance> {
    let k = L::K;
    let mut h = vec![vec![0.0; k]; k];
    let step = |i: usize| 1e-4 * theta[i].abs().max(1e-8);
    if let (true, Some(g0)) = (L::ANALYTIC_GRADIENT, forward) {
        for i in 0..k {
            let hi = step(i);
            let mut up = theta.to_vec();
            up[i] += hi;
            let mut gu = vec![0.0; k];
            lik.ll(&up, Some(&mut gu));
            for j in 0..k {
                h[i][j] = (gu[j] - g0[j]) / hi;
            }
        }
    } else if L::ANALYTIC_GRADIENT {
        for i in 0..k {
            let hi = step(i);
            let mut up = theta.to_vec();
            let mut dn = theta.to_vec();
            up[i] += hi;
            dn[i] = (dn[i] - hi).max(theta[i] * 0.5);
            let (mut gu, mut gd) = (vec![0.0; k], vec![0.0; k]);
            lik.ll(&up, Some(&mut gu));
            lik.ll(&dn, Some(&mut gd));
            let width = up[i] - dn[i];
            for j in 0..k {
                h[i][j] = (gu[j] - gd[j]) / width;
            }
        }
    } else {
        // Forward second differences: K + K(K+1)/2 + 1 evaluations instead of 2K^2 + 1.
        let f0 = lik.ll(theta, None);
        let hs: Vec<f64> = (0..k).map(|i| step(i) * 10.0).collect();
        let shifted = |i: usize, j: Option<usize>| {
            let mut p = theta.to_vec();
            p[i] += hs[i];
            if let Some(j) = j {
                p[j] += hs[j];
            }
            lik.ll(&p, None)
        };
        let fi: Vec<f64> = (0..k).map(|i| shifted(i, None)).collect();
        for i in 0..k {
            for j in 0..=i {
                let v = (shifted(i, Some(j)) - fi[i] - fi[j] + f0) / (hs[i] * hs[j]);
                h[i][j] = v;
                h[j][i] = v;
            }
        }
    }
    // Observed information = -H, symmetrised; invert by Cholesky.
    let mut a = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..k {
            a[i][j] = -(h[i][j] + h[j][i]) / 2.0;
        }
    }
    let inv = spd_inverse(&a)?;
    // Symmetric up to rounding: average the two triangles.
    let sym: Vec<Vec<f64>> = (0..k)
        .map(|i| (0..k).map(|j| (inv[i][j] + inv[j][i]) / 2.0).collect())
        .collect();
    Covariance::from_rows(&sym).ok()
}

/// Inverse of a symmetric positive definite matrix (Cholesky); `None` if not positive definite.
fn spd_inverse(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let k = a.len();
    let mut l = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..=i {
            let mut s = a[i][j];
            for m in 0..j {
                s -= l[i][m] * l[j][m];
            }
            if i == j {
                if !(s > 0.0) || !s.is_finite() {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    // inv = L^-T L^-1: solve column by column.
    let mut inv = vec![vec![0.0; k]; k];
    for c in 0..k {
        let mut y = vec![0.0; k];
        for i in 0..k {
            let mut s = if i == c { 1.0 } else { 0.0 };
            for m in 0..i {
                s -= l[i][m] * y[m];
            }
            y[i] = s / l[i][i];
        }
        let mut x = vec![0.0; k];
        for i in (0..k).rev() {
            let mut s = y[i];
            for m in i + 1..k {
                s -= l[m][i] * x[m];
            }
            x[i] = s / l[i][i];
        }
        for i in 0..k {
            inv[i][c] = x[i];
        }
    }
    Some(inv)
}

/// Smallest parameter a model constructor accepts (see [`positive`]).
pub(crate) const MIN_PARAM: f64 = 1e-8;
/// Largest parameter a model constructor accepts (see [`positive`]).
pub(crate) const MAX_PARAM: f64 = 1e8;

/// Checks a model parameter is finite and within the supported range [1e-8, 1e8]: beyond it the
/// Gamma and Beta functions of the likelihoods and predictions overflow (ln Gamma(1e300) is
/// infinite, so r = 1e300 made P(X(t) = n) NaN), and no fit to real data lands there.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<()> {
    if (MIN_PARAM..=MAX_PARAM).contains(&value) {
        Ok(())
    } else {
        Err(ClvError::InvalidParameter {
            name,
            value,
            reason: "must be finite and within the supported range [1e-8, 1e8]",
        })
    }
}
