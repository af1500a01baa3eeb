"""Times lifetimes.utils.summary_data_from_transaction_data on CDNOW_master.txt (the peer of
crm_model::summarize). Usage: $PY scripts/peer_summary.py ../shared/data/cdnow/CDNOW_master.txt
Prints parse time and the median of 7 summary runs (after parsing)."""
import statistics
import sys
import time

import pandas as pd
from lifetimes.utils import summary_data_from_transaction_data

path = sys.argv[1]
t0 = time.perf_counter()
df = pd.read_csv(path, sep=r"\s+", dtype={"customer_id": str, "date": str})
df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
t1 = time.perf_counter()
runs = []
for _ in range(7):
    s = time.perf_counter()
    out = summary_data_from_transaction_data(
        df, "customer_id", "date", monetary_value_col="dollar_value",
        observation_period_end="1998-06-30", freq="D")
    runs.append(time.perf_counter() - s)
print(f"rows {len(df)} customers {len(out)} parse {t1 - t0:.3f}s "
      f"summary median {statistics.median(runs):.4f}s min {min(runs):.4f}s")
print(f"checksum sum(x)={out['frequency'].sum():.0f}")
