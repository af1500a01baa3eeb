//! L2-penalised logistic regression on standardised features, fitted by Newton's method
//! (iteratively reweighted least squares).
//!
//! ```text
//! z_ij   = (x_ij - mean_j) / sd_j                (population SD; sd 0 -> 1, the column is all 0)
//! eta_i  = b0 + sum_j b_j z_ij,   p_i = 1 / (1 + exp(-eta_i))       (p = P(churn))
//! maximise  l(b) - (lambda / 2) sum_j b_j^2      (the intercept b0 is not penalised)
//!   l(b) = sum_i [ y_i ln p_i + (1 - y_i) ln(1 - p_i) ]
//! Newton step: (Z' W Z + lambda I*) delta = Z' (y - p) - lambda b*,   W = diag(p_i (1 - p_i))
//!   (I*, b*: zero in the intercept position); step halving if the objective falls.
//! Original scale: beta_j = b_j / sd_j,  beta_0 = b0 - sum_j b_j mean_j / sd_j
//! Odds ratio per unit of x_j = exp(beta_j); per standard deviation = exp(b_j)
//! Contribution of feature j to customer i's log-odds, against the average customer: b_j z_ij
//! ```
//!
//! With `lambda = 0` the fit is the ordinary maximum-likelihood logit, and because
//! standardising is a reparametrisation, the original-scale coefficients equal an unpenalised
//! fit on the raw features (statsmodels `Logit`; a reference test checks this to 1e-4).
//! With `lambda > 0`, standardising makes the penalty treat every feature alike regardless of
//! its unit.
//!
//! Reference: Hastie, Tibshirani & Friedman (2009), *The Elements of Statistical Learning*,
//! 2nd ed., sections 4.4 (IRLS) and 3.4.1 (ridge, standardised inputs).

use serde::{Deserialize, Serialize};

use crm_model::CustomerKey;

use crate::error::{ChurnError, Result};
use crate::features::{CustomerFeatures, Feature, FeatureMatrix};
use crate::labels::LabelledSet;

/// Parameters of [`LogisticModel::fit`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LogisticOptions {
    /// Ridge penalty lambda on the standardised coefficients (default 1.0; 0 = unpenalised).
    pub l2: f64,
    /// Newton iterations at most (default 100).
    pub max_iter: usize,
    /// Stop when the largest coefficient step is below this (default 1e-10).
    pub tol: f64,
}

impl Default for LogisticOptions {
    fn default() -> Self {
        LogisticOptions {
            l2: 1.0,
            max_iter: 100,
            tol: 1e-10,
        }
    }
}

impl LogisticOptions {
    /// Sets the ridge penalty.
    #[must_use]
    pub fn l2(mut self, l2: f64) -> Self {
        self.l2 = l2;
        self
    }
    /// Sets the iteration limit.
    #[must_use]
    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }
    /// Sets the convergence tolerance.
    #[must_use]
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
}

/// A fitted logistic model (serde-serialisable: fit once, score later).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    /// Feature names, in column order.
    pub names: Vec<String>,
    /// Column means used for standardising.
    pub means: Vec<f64>,
    /// Column standard deviations used for standardising (1 for constant columns).
    pub scales: Vec<f64>,
    /// Intercept on the standardised scale.
    pub intercept_std: f64,
    /// Coefficients on the standardised scale (log-odds per standard deviation).
    pub coef_std: Vec<f64>,
    /// Ridge penalty used.
    pub l2: f64,
    /// Log-likelihood of the training data at the fit.
    pub log_likelihood: f64,
    /// Training rows.
    pub n: usize,
    /// Newton iterations run.
    pub iterations: usize,
}

/// One customer's logistic churn probability: a row of [`LogisticModel::score`] and
/// [`cross_validated_scores`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LogisticScore {
    /// The customer (its [`CustomerFeatures::customer`]).
    pub customer: CustomerKey,
    /// P(churn): the model's probability that the customer churns within the horizon its
    /// training labels used, in (0, 1).
    pub p_churn: f64,
}

/// One feature's contribution to a customer's churn log-odds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Feature name.
    pub feature: String,
    /// `b_j z_ij`: positive pushes towards churn.
    pub log_odds: f64,
}

fn sigmoid(eta: f64) -> f64 {
    if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e = eta.exp();
        e / (1.0 + e)
    }
}

/// ln(1 + exp(x)) without overflow.
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// Solves `a x = b` for symmetric positive definite `a` (row-major k x k) by Cholesky.
fn cholesky_solve(a: &[f64], b: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let mut s = a[i * k + j];
            for m in 0..j {
                s -= l[i * k + m] * l[j * k + m];
            }
            if i == j {
                if s <= 1e-300 * a[i * k + i].abs().max(1.0) || !s.is_finite() {
                    return None;
                }
                l[i * k + i] = s.sqrt();
            } else {
                l[i * k + j] = s / l[j * k + j];
            }
        }
    }
    let mut y = vec![0.0; k];
    for i in 0..k {
        let mut s = b[i];
        for m in 0..i {
            s -= l[i * k + m] * y[m];
        }
        y[i] = s / l[i * k + i];
    }
    let mut x = vec![0.0; k];
    for i in (0..k).rev() {
        let mut s = y[i];
        for m in i + 1..k {
            s -= l[m * k + i] * x[m];
        }
        x[i] = s / l[i * k + i];
    }
    Some(x)
}

impl LogisticModel {
    /// Fits the model to `x` (one row per customer) and `y` (true = churned).
    ///
    /// # Errors
    /// [`ChurnError::Empty`], [`ChurnError::LengthMismatch`], [`ChurnError::OneClass`];
    /// [`ChurnError::InvalidParameter`] for a negative or non-finite penalty;
    /// [`ChurnError::Singular`] (e.g. a constant or duplicated column without penalty);
    /// [`ChurnError::NoConvergence`] (e.g. perfectly separated data without penalty).
    ///
    /// ```
    /// use crm_analytics::churn::{FeatureMatrix, LogisticModel, LogisticOptions};
    /// // Churn rises with days since the last order.
    /// let days = [5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0];
    /// let y = [false, false, true, false, false, true, true, true];
    /// let x = FeatureMatrix::from_rows(vec!["recency".into()], &days.map(|d| vec![d]))?;
    /// let m = LogisticModel::fit(&x, &y, &LogisticOptions::default().l2(0.0))?;
    /// assert!(m.coefficients()[0] > 0.0 && m.odds_ratios()[0] > 1.0);
    /// let p = m.predict(&x)?;
    /// assert!(p[7] > p[0]);
    /// // Unpenalised: the mean fitted probability equals the churn rate (score equations).
    /// assert!((p.iter().sum::<f64>() / 8.0 - 0.5).abs() < 1e-9);
    /// # Ok::<(), crm_analytics::churn::ChurnError>(())
    /// ```
    pub fn fit(x: &FeatureMatrix, y: &[bool], options: &LogisticOptions) -> Result<Self> {
        let n = x.n_rows();
        let p = x.n_cols();
        if n == 0 {
            return Err(ChurnError::Empty {
                what: "logistic regression rows",
            });
        }
        if y.len() != n {
            return Err(ChurnError::LengthMismatch {
                what: "labels vs feature rows",
                left: y.len(),
                right: n,
            });
        }
        let pos = y.iter().filter(|&&v| v).count();
        if pos == 0 || pos == n {
            return Err(ChurnError::OneClass {
                what: "logistic regression",
                class: pos > 0,
            });
        }
        if !(options.l2 >= 0.0 && options.l2.is_finite()) {
            return Err(ChurnError::InvalidParameter {
                name: "l2",
                reason: format!("must be a finite number >= 0, got {}", options.l2),
            });
        }
        // Standardise (two passes for accuracy).
        let mut means = vec![0.0; p];
        for i in 0..n {
            for (m, v) in means.iter_mut().zip(x.row(i)) {
                *m += v;
            }
        }
        for m in &mut means {
            *m /= n as f64;
        }
        let mut scales = vec![0.0; p];
        for i in 0..n {
            for ((s, v), m) in scales.iter_mut().zip(x.row(i)).zip(&means) {
                *s += (v - m) * (v - m);
            }
        }
        for s in &mut scales {
            *s = (*s / n as f64).sqrt();
            if !(*s > 0.0 && s.is_finite()) {
                *s = 1.0;
            }
        }
        let k = p + 1;
        let lambda = options.l2;
        let mut b = vec![0.0; k];
        // Start at the churn rate's log-odds.
        let rate = pos as f64 / n as f64;
        b[0] = (rate / (1.0 - rate)).ln();
        let mut z = vec![0.0; k];
        z[0] = 1.0;
        let objective = |b: &[f64], z: &mut [f64]| -> f64 {
            let mut ll = 0.0;
            for (i, &yi) in y.iter().enumerate() {
                for (j, v) in x.row(i).iter().enumerate() {
                    z[j + 1] = (v - means[j]) / scales[j];
                }
                let eta: f64 = b.iter().zip(z.iter()).map(|(a, c)| a * c).sum();
                ll -= if yi { softplus(-eta) } else { softplus(eta) };
            }
            ll - 0.5 * lambda * b[1..].iter().map(|v| v * v).sum::<f64>()
        };
        let mut obj = objective(&b, &mut z);
        let mut hess = vec![0.0; k * k];
        let mut grad = vec![0.0; k];
        let mut change = f64::INFINITY;
        for iter in 1..=options.max_iter {
            hess.iter_mut().for_each(|v| *v = 0.0);
            grad.iter_mut().for_each(|v| *v = 0.0);
            for (i, &yi) in y.iter().enumerate() {
                for (j, v) in x.row(i).iter().enumerate() {
                    z[j + 1] = (v - means[j]) / scales[j];
                }
                let eta: f64 = b.iter().zip(z.iter()).map(|(a, c)| a * c).sum();
                let mu = sigmoid(eta);
                let w = mu * (1.0 - mu);
                let r = f64::from(u8::from(yi)) - mu;
                for a in 0..k {
                    grad[a] += z[a] * r;
                    let wa = w * z[a];
                    for c in 0..=a {
                        hess[a * k + c] += wa * z[c];
                    }
                }
            }
            for a in 0..k {
                for c in 0..a {
                    hess[c * k + a] = hess[a * k + c];
                }
            }
            for j in 1..k {
                grad[j] -= lambda * b[j];
                hess[j * k + j] += lambda;
            }
            let Some(delta) = cholesky_solve(&hess, &grad, k) else {
                return Err(ChurnError::Singular {
                    what: "logistic regression",
                    reason:
                        "the Hessian is not positive definite: a constant or duplicated feature, \
                             or separated classes; add an l2 penalty"
                            .into(),
                });
            };
            let mut step = 1.0;
            let mut next = b.clone();
            let mut accepted = false;
            for _ in 0..30 {
                for j in 0..k {
                    next[j] = b[j] + step * delta[j];
                }
                let o = objective(&next, &mut z);
                if o.is_finite() && o >= obj - 1e-12 * obj.abs().max(1.0) {
                    obj = o;
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            change = delta.iter().fold(0.0f64, |m, d| m.max((step * d).abs()));
            if !accepted {
                break;
            }
            b.clone_from(&next);
            if change < options.tol
                || change < options.tol * b.iter().fold(0.0f64, |m, v| m.max(v.abs()))
            {
                let ll = obj + 0.5 * lambda * b[1..].iter().map(|v| v * v).sum::<f64>();
                return Ok(LogisticModel {
                    names: x.names().to_vec(),
                    means,
                    scales,
                    intercept_std: b[0],
                    coef_std: b[1..].to_vec(),
                    l2: lambda,
                    log_likelihood: ll,
                    n,
                    iterations: iter,
                });
            }
        }
        Err(ChurnError::NoConvergence {
            what: "logistic regression",
            iterations: options.max_iter,
            change,
        })
    }

    /// Coefficients per unit of each original feature (`beta_j = b_j / sd_j`).
    #[must_use]
    pub fn coefficients(&self) -> Vec<f64> {
        self.coef_std
            .iter()
            .zip(&self.scales)
            .map(|(b, s)| b / s)
            .collect()
    }

    /// Intercept on the original scale (`b0 - sum b_j mean_j / sd_j`).
    #[must_use]
    pub fn intercept(&self) -> f64 {
        self.intercept_std
            - self
                .coef_std
                .iter()
                .zip(&self.means)
                .zip(&self.scales)
                .map(|((b, m), s)| b * m / s)
                .sum::<f64>()
    }

    /// Odds ratios per unit of each original feature (`exp(beta_j)`).
    #[must_use]
    pub fn odds_ratios(&self) -> Vec<f64> {
        self.coefficients().iter().map(|b| b.exp()).collect()
    }

    /// Odds ratios per standard deviation of each feature (`exp(b_j)`): comparable across
    /// features.
    #[must_use]
    pub fn odds_ratios_per_sd(&self) -> Vec<f64> {
        self.coef_std.iter().map(|b| b.exp()).collect()
    }

    fn check_matrix(&self, x: &FeatureMatrix) -> Result<()> {
        if x.names() != self.names.as_slice() {
            return Err(ChurnError::InvalidParameter {
                name: "feature columns",
                reason: format!(
                    "the model was fitted on [{}] but the matrix has [{}]",
                    self.names.join(", "),
                    x.names().join(", ")
                ),
            });
        }
        Ok(())
    }

    fn eta(&self, row: &[f64]) -> f64 {
        self.intercept_std
            + row
                .iter()
                .zip(&self.coef_std)
                .zip(self.means.iter().zip(&self.scales))
                .map(|((v, b), (m, s))| b * (v - m) / s)
                .sum::<f64>()
    }

    /// Churn probability of one row (values in the model's column order; a short row is scored
    /// as if the missing values were at their means).
    #[must_use]
    pub fn predict_row(&self, row: &[f64]) -> f64 {
        sigmoid(self.eta(row))
    }

    /// Churn probabilities of every row of `x`, parallel to its rows: the low-level form, for
    /// matrices with columns of your own ([`FeatureMatrix::push_column`]).
    /// [`LogisticModel::score`] gives rows that carry the customer.
    ///
    /// # Errors
    /// [`ChurnError::InvalidParameter`] when `x`'s columns differ from the model's.
    pub fn predict(&self, x: &FeatureMatrix) -> Result<Vec<f64>> {
        self.check_matrix(x)?;
        Ok((0..x.n_rows())
            .map(|i| self.predict_row(x.row(i)))
            .collect())
    }

    /// The churn probability of every customer, as rows that carry the customer: one
    /// [`LogisticScore`] per entry of `features`, in input order (`rows[i]` describes
    /// `features[i].customer`).
    ///
    /// The model's columns must all be built-in [`Feature`]s (as when it was fitted on
    /// [`FeatureMatrix::from_features`]); each customer's row is computed from its features as
    /// that matrix would hold it, so `score(features)` equals
    /// `predict(&FeatureMatrix::from_features(features, columns))` row by row.
    ///
    /// # Errors
    /// [`ChurnError::InvalidParameter`] when a model column is not a built-in [`Feature`] (use
    /// [`LogisticModel::predict`] on your matrix); [`ChurnError::NotFinite`] naming the column
    /// and customer position of a value that is NaN or infinite.
    ///
    /// ```
    /// use crm_analytics::churn::{compute_features, Feature, FeatureMatrix, FeatureOptions,
    ///                 LogisticModel, LogisticOptions};
    /// use crm_analytics::model::chrono::NaiveDate;
    /// use crm_analytics::model::{CustomerKey, Transaction};
    /// let d = |m, day| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
    /// let (a, b, c) = (CustomerKey::from_index(0), CustomerKey::from_index(1), CustomerKey::from_index(2));
    /// let tx = [
    ///     Transaction::purchase(a, d(1, 10), 10.into())?,
    ///     Transaction::purchase(b, d(3, 1), 10.into())?,
    ///     Transaction::purchase(c, d(3, 25), 10.into())?,
    /// ];
    /// // Features as of Mar 31: 81, 30 and 6 days since the last purchase.
    /// let f = compute_features(&tx, &[], &[], &FeatureOptions::new(d(3, 31)))?;
    /// assert_eq!(f.iter().map(|f| f.recency_days).collect::<Vec<_>>(), [81.0, 30.0, 6.0]);
    /// // A model on recency alone: log-odds of churn = -3 + 0.05 * recency_days, written by hand
    /// // (means 0 and scales 1, so the standardised coefficients are the raw ones).
    /// let m = LogisticModel {
    ///     names: vec![Feature::RecencyDays.name().into()], means: vec![0.0], scales: vec![1.0],
    ///     intercept_std: -3.0, coef_std: vec![0.05], l2: 0.0, log_likelihood: 0.0, n: 0,
    ///     iterations: 0,
    /// };
    /// let s = m.score(&f)?;
    /// assert_eq!(s.iter().map(|s| s.customer).collect::<Vec<_>>(), [a, b, c]);
    /// // Customer a: eta = -3 + 0.05 * 81 = 1.05, p = 1 / (1 + e^-1.05) = 0.7408
    /// assert!((s[0].p_churn - 0.7408).abs() < 1e-4);
    /// // Customer c: eta = -3 + 0.3 = -2.7, p = 0.0630
    /// assert!((s[2].p_churn - 0.0630).abs() < 1e-4);
    /// // The same numbers as the low-level matrix form.
    /// let p = m.predict(&FeatureMatrix::from_features(&f, &[Feature::RecencyDays]))?;
    /// assert_eq!(s.iter().map(|s| s.p_churn).collect::<Vec<_>>(), p);
    /// # Ok::<(), crm_analytics::churn::ChurnError>(())
    /// ```
    pub fn score(&self, features: &[CustomerFeatures]) -> Result<Vec<LogisticScore>> {
        let columns = self
            .names
            .iter()
            .map(|n| {
                Feature::from_name(n).ok_or_else(|| ChurnError::InvalidParameter {
                    name: "feature columns",
                    reason: format!(
                        "model column {n:?} is not a built-in feature; score a FeatureMatrix with predict"
                    ),
                })
            })
            .collect::<Result<Vec<Feature>>>()?;
        let mut row = vec![0.0; columns.len()];
        features
            .iter()
            .enumerate()
            .map(|(i, f)| {
                for (v, c) in row.iter_mut().zip(&columns) {
                    *v = c.value(f);
                    if !v.is_finite() {
                        return Err(ChurnError::NotFinite {
                            field: c.name().into(),
                            index: i,
                            value: *v,
                        });
                    }
                }
                Ok(LogisticScore {
                    customer: f.customer,
                    p_churn: self.predict_row(&row),
                })
            })
            .collect()
    }

    /// The `top` features pushing row `i`'s churn log-odds up the most (largest `b_j z_ij`
    /// first; only positive contributions are listed).
    ///
    /// # Errors
    /// As [`LogisticModel::predict`]; [`ChurnError::InvalidParameter`] when `i` is out of range.
    pub fn top_contributions(
        &self,
        x: &FeatureMatrix,
        i: usize,
        top: usize,
    ) -> Result<Vec<Contribution>> {
        self.check_matrix(x)?;
        if i >= x.n_rows() {
            return Err(ChurnError::InvalidParameter {
                name: "row",
                reason: format!("{i} is beyond the {} rows", x.n_rows()),
            });
        }
        let mut c: Vec<Contribution> = x
            .row(i)
            .iter()
            .enumerate()
            .map(|(j, v)| Contribution {
                feature: self.names[j].clone(),
                log_odds: self.coef_std[j] * (v - self.means[j]) / self.scales[j],
            })
            .filter(|c| c.log_odds > 0.0)
            .collect();
        c.sort_by(|a, b| b.log_odds.total_cmp(&a.log_odds));
        c.truncate(top);
        Ok(c)
    }
}

/// Out-of-fold churn probabilities by k-fold cross-validation: every row is scored by a model
/// fitted without it. Rows go to folds by a seeded shuffle (xorshift64*), so the result is
/// reproducible for a given `seed`.
///
/// The probabilities are parallel to the rows of `x` (the low-level form);
/// [`cross_validated_scores`] takes a [`LabelledSet`] and returns rows that carry the customer.
///
/// # Errors
/// [`ChurnError::InvalidParameter`] for fewer than 2 folds or more folds than rows; errors of
/// [`LogisticModel::fit`] on any fold.
pub fn cross_validated_probabilities(
    x: &FeatureMatrix,
    y: &[bool],
    folds: usize,
    seed: u64,
    options: &LogisticOptions,
) -> Result<Vec<f64>> {
    let n = x.n_rows();
    if folds < 2 || folds > n {
        return Err(ChurnError::InvalidParameter {
            name: "folds",
            reason: format!("must be in 2..={n}, got {folds}"),
        });
    }
    if y.len() != n {
        return Err(ChurnError::LengthMismatch {
            what: "labels vs feature rows",
            left: y.len(),
            right: n,
        });
    }
    let mut order: Vec<usize> = (0..n).collect();
    let mut s = seed | 1;
    for i in (1..n).rev() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        let r = s.wrapping_mul(0x2545_F491_4F6C_DD1D);
        order.swap(i, (r % (i as u64 + 1)) as usize);
    }
    let mut out = vec![0.0; n];
    for f in 0..folds {
        let test: Vec<usize> = order.iter().copied().skip(f).step_by(folds).collect();
        let mut in_test = vec![false; n];
        for &i in &test {
            in_test[i] = true;
        }
        let train: Vec<usize> = (0..n).filter(|&i| !in_test[i]).collect();
        let ytrain: Vec<bool> = train.iter().map(|&i| y[i]).collect();
        let m = LogisticModel::fit(&x.select_rows(&train), &ytrain, options)?;
        for &i in &test {
            out[i] = m.predict_row(x.row(i));
        }
    }
    Ok(out)
}

/// [`cross_validated_probabilities`] on a labelled set, as rows that carry the customer: the
/// out-of-fold churn probability of every customer of `set`, from the `columns` of its
/// features, one [`LogisticScore`] per customer in the set's order (`rows[i]` describes
/// `set.features[i].customer`).
///
/// # Errors
/// [`ChurnError::LengthMismatch`] when `set.labels` and `set.features` differ in length; as
/// [`cross_validated_probabilities`].
///
/// ```
/// use crm_analytics::churn::{cross_validated_scores, CustomerFeatures, Feature, LabelledSet,
///                 LogisticOptions};
/// use crm_analytics::model::chrono::NaiveDate;
/// use crm_analytics::model::CustomerKey;
/// let as_of = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
/// // Twelve customers; those silent for longer churned more often.
/// let recency = [5.0, 12.0, 20.0, 28.0, 35.0, 44.0, 60.0, 75.0, 90.0, 110.0, 130.0, 150.0];
/// let churned = [false, false, false, true, false, false, true, false, true, true, true, true];
/// let f = |i: usize| CustomerFeatures {
///     customer: CustomerKey::from_index(100 + i as u32), first_purchase: as_of,
///     last_purchase: as_of, recency_days: recency[i], frequency: 1, monetary: 10.0,
///     total_spend: 10.0, tenure_days: 200.0, purchases_last_window: 0,
///     purchases_prev_window: 0, trend: 0.0, mean_gap_days: None, gap_ratio: None,
///     complaints_recent: 0, days_since_complaint: None, unresolved_tickets: 0, last_nps: None,
///     last_csat: None, days_since_contact: None,
/// };
/// let set = LabelledSet { as_of, features: (0..12).map(f).collect(), labels: churned.to_vec() };
/// let s = cross_validated_scores(&set, &[Feature::RecencyDays], 3, 7, &LogisticOptions::default())?;
/// assert_eq!(s.len(), 12);
/// assert_eq!(s[0].customer, CustomerKey::from_index(100)); // the set's order
/// assert_eq!(s[11].customer, CustomerKey::from_index(111));
/// // Scored by models that never saw them, long-silent customers still rank as riskier.
/// assert!(s[11].p_churn > s[0].p_churn);
/// # Ok::<(), crm_analytics::churn::ChurnError>(())
/// ```
pub fn cross_validated_scores(
    set: &LabelledSet,
    columns: &[Feature],
    folds: usize,
    seed: u64,
    options: &LogisticOptions,
) -> Result<Vec<LogisticScore>> {
    if set.labels.len() != set.features.len() {
        return Err(ChurnError::LengthMismatch {
            what: "labels vs features",
            left: set.labels.len(),
            right: set.features.len(),
        });
    }
    let x = FeatureMatrix::from_features(&set.features, columns);
    let p = cross_validated_probabilities(&x, &set.labels, folds, seed, options)?;
    Ok(set
        .features
        .iter()
        .zip(p)
        .map(|(f, p_churn)| LogisticScore {
            customer: f.customer,
            p_churn,
        })
        .collect())
}
