"""Peer timings for benches/metrics.rs: NPS with numpy, monthly cohort matrix with pandas.

Usage: $PY benches/peers/pandas_metrics.py /tmp/tx_10m.csv
Prints the median of 3 runs of each step (parsing excluded, as in the Rust bench).
"""
import sys
import time

import numpy as np
import pandas as pd


def median_time(f, runs=3):
    ts = []
    out = None
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2], out


def nps(scores):
    counts = np.bincount(scores, minlength=11)
    n = counts.sum()
    return 100.0 * (counts[9:].sum() - counts[:7].sum()) / n


def cohorts(df):
    # Integer month numbers (faster than Period dtype), the usual tutorial recipe otherwise.
    month = df["date"].dt.year * 12 + df["date"].dt.month - 1
    first = month.groupby(df["customer_id"]).transform("min")
    d = pd.DataFrame({"c": df["customer_id"].to_numpy(), "cohort": first.to_numpy(),
                      "k": (month - first).to_numpy()})
    d = d.drop_duplicates(["c", "k"])
    return d.groupby(["cohort", "k"]).size().unstack(fill_value=0)


def main():
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 11, size=100_000_000, dtype=np.uint8)
    t, v = median_time(lambda: nps(scores))
    print(f"numpy bincount NPS over 100M u8: {t:.4f} s (nps {v:.2f})")
    df = pd.read_csv(sys.argv[1], parse_dates=["date"])
    df = df[df["amount"] > 0]
    t, m = median_time(lambda: cohorts(df))
    print(f"pandas monthly cohort matrix over {len(df)} rows: {t:.3f} s "
          f"({m.shape[0]} cohorts, size of first {int(m.iloc[0, 0])})")


if __name__ == "__main__":
    main()
