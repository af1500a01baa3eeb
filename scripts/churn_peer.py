#!/usr/bin/env python3
"""Peer timing for benches/churn.rs: the same work in pandas + numpy + lifetimes.

    PY=/tmp/crm-peers-venv/bin/python   # from ../shared/peers/setup.sh (pandas, lifetimes)
    $PY scripts/churn_peer.py /tmp/tx_10m.csv

As the Rust bench: as-of = last date - 90 days; features up to as-of (recency, distinct purchase
days, monetary, tenure, purchases in the last 90 days and the 90 before, trend, usual gap and gap
ratio); a logistic score from fixed coefficients (numpy); BG/NBD P(alive) and P(no purchase in
90 days) with lifetimes at the CDNOW parameters. Loading the CSV is not timed. Prints the median
of 3 timed runs.
"""
import sys
import time

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter

path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/tx_10m.csv"
t0 = time.perf_counter()
df = pd.read_csv(path, parse_dates=["date"])
print(f"loaded {len(df)} rows in {time.perf_counter() - t0:.1f} s (not timed)")
as_of = df["date"].max() - pd.Timedelta(days=90)
W = pd.Timedelta(days=90)

bgf = BetaGeoFitter()
bgf.params_ = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
coef = np.array([0.3, -0.5, -0.1, 0.001, 0.2, 0.3])


def run():
    d = df[(df["date"] <= as_of) & (df["amount"] > 0)]
    daily = d.groupby(["customer_id", "date"], sort=False)["amount"].sum().reset_index()
    g = daily.groupby("customer_id", sort=True)
    first = g["date"].min()
    last = g["date"].max()
    n = g.size()
    spend = g["amount"].sum()
    lastw = daily[daily["date"] > as_of - W].groupby("customer_id").size().reindex(n.index, fill_value=0)
    prevw = daily[(daily["date"] > as_of - 2 * W) & (daily["date"] <= as_of - W)].groupby(
        "customer_id").size().reindex(n.index, fill_value=0)
    recency = (as_of - last).dt.days.to_numpy(dtype=float)
    tenure = (as_of - first).dt.days.to_numpy(dtype=float)
    span = (last - first).dt.days.to_numpy(dtype=float)
    nn = n.to_numpy(dtype=float)
    trend = np.where(lastw + prevw > 0, (lastw - prevw) / np.maximum(lastw + prevw, 1), 0.0)
    gap = np.where(nn > 1, span / np.maximum(nn - 1, 1), np.nan)
    gap_ratio = np.where(nn > 1, recency / gap, recency / np.maximum(tenure, 1))
    x = np.column_stack([np.log1p(recency), np.log(nn), np.log1p(spend.to_numpy() / nn), tenure,
                         trend, np.log1p(gap_ratio)])
    p_logistic = 1 / (1 + np.exp(-(x @ coef - 1.0)))
    fx, tx_, T = nn - 1, span / 7.0, tenure / 7.0
    p_alive = bgf.conditional_probability_alive(fx, tx_, T)
    # P(no purchase in h) = 1 - P(alive) + P(alive) ((alpha+T)/(alpha+T+h))^(r+x)
    h = 90 / 7.0
    r, alpha = 0.243, 4.414
    p_none = 1 - p_alive + p_alive * ((alpha + T) / (alpha + T + h)) ** (r + fx)
    return len(p_logistic), float(np.mean(p_none))


times = []
for _ in range(3):
    t = time.perf_counter()
    out = run()
    times.append(time.perf_counter() - t)
print(f"customers {out[0]}, mean P(no purchase) {out[1]:.4f}")
print(f"features + logistic + BG/NBD scores: median {sorted(times)[1]:.2f} s (runs: "
      + ", ".join(f"{t:.2f}" for t in times) + ")")
