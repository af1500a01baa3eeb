#!/usr/bin/env python3
"""Generate the reference fixtures of crm-churn's tests (run once; CI only reads the JSON).

    python3 -m venv /tmp/churn-venv
    /tmp/churn-venv/bin/pip install scikit-learn statsmodels lifelines
    /tmp/churn-venv/bin/python scripts/churn_fixtures.py

Writes crates/crm-churn/tests/fixtures/{auc,logistic,kaplan_meier}.json. Every input data set
is small, fixed (seeded) and stored in the fixture next to the expected values, so the Rust
tests need neither Python nor this script.
"""
import json
import os

import numpy as np
import sklearn
import statsmodels
import lifelines
import statsmodels.api as sm
from lifelines import KaplanMeierFitter
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (average_precision_score, brier_score_loss, log_loss,
                             roc_auc_score)

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "crm-churn", "tests", "fixtures")
os.makedirs(OUT, exist_ok=True)
VERSIONS = {"numpy": np.__version__, "scikit-learn": sklearn.__version__,
            "statsmodels": statsmodels.__version__, "lifelines": lifelines.__version__}


def dump(name, obj):
    obj["generated_by"] = "scripts/churn_fixtures.py"
    obj["versions"] = VERSIONS
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


# 1. AUC with many ties: scores on a 0.1 grid, labels related to the score.
rng = np.random.default_rng(7)
n = 300
score = np.round(rng.uniform(0, 1, n), 1)
label = rng.uniform(0, 1, n) < 0.2 + 0.6 * score
dump("auc.json", {
    "scores": score.tolist(),
    "labels": label.astype(bool).tolist(),
    "roc_auc": float(roc_auc_score(label, score)),
    "average_precision": float(average_precision_score(label, score)),
    "log_loss": float(log_loss(label, score)),
    "brier": float(brier_score_loss(label, score)),
})

# 2. Logistic regression: 3 features on different scales.
rng = np.random.default_rng(11)
n = 400
x = np.column_stack([
    rng.exponential(60.0, n),          # recency-like, days
    rng.poisson(3.0, n) + 1.0,         # frequency-like
    rng.lognormal(3.0, 0.7, n),        # monetary-like
])
eta = -1.0 + 0.02 * x[:, 0] - 0.3 * x[:, 1] + 0.004 * x[:, 2]
y = rng.uniform(0, 1, n) < 1 / (1 + np.exp(-eta))
res = sm.Logit(y.astype(float), sm.add_constant(x)).fit(method="newton", tol=1e-14, maxiter=100, disp=0)
# Penalised reference: sklearn on standardised features (population SD), intercept unpenalised,
# objective sum(loss) + (1 / (2 C)) ||w||^2, i.e. lambda = 1 / C.
lam = 5.0
mu, sd = x.mean(axis=0), x.std(axis=0)
z = (x - mu) / sd
sk = LogisticRegression(C=1.0 / lam, tol=1e-12, max_iter=10000, solver="lbfgs").fit(z, y)
dump("logistic.json", {
    "names": ["recency", "frequency", "monetary"],
    "x": x.tolist(),
    "y": y.astype(bool).tolist(),
    "statsmodels_params": res.params.tolist(),  # const, recency, frequency, monetary
    "statsmodels_llf": float(res.llf),
    "l2": lam,
    "sklearn_intercept_std": float(sk.intercept_[0]),
    "sklearn_coef_std": sk.coef_[0].tolist(),
})

# 3. Kaplan-Meier with right censoring and tied times (events and censorings at one time).
rng = np.random.default_rng(5)
n = 60
life = np.ceil(rng.exponential(10.0, n))
cens = np.ceil(rng.uniform(2, 25, n))
t = np.minimum(life, cens)
e = life <= cens
# Make the longest time censored, so S stays above 0 (the band is defined everywhere).
t = np.append(t, t.max() + 1)
e = np.append(e, False)
km = KaplanMeierFitter().fit(t, e, alpha=0.05)
sf = km.survival_function_
ci = km.confidence_interval_
dump("kaplan_meier.json", {
    "durations": t.tolist(),
    "observed": e.astype(bool).tolist(),
    "timeline": sf.index.tolist(),
    "survival": sf.iloc[:, 0].tolist(),
    "ci_lower": ci.iloc[:, 0].tolist() if "lower" in ci.columns[0] else ci.iloc[:, 1].tolist(),
    "ci_upper": ci.iloc[:, 1].tolist() if "upper" in ci.columns[1] else ci.iloc[:, 0].tolist(),
    "ci_columns": list(ci.columns),
    "median": float(km.median_survival_time_),
})
print("fixtures written to", os.path.normpath(OUT))
