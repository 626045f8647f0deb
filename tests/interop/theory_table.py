"""The simulated-against-theory table of docs/validation.md, from a result file.

Usage: python theory_table.py RESULTS.parquet
"""
import sys

import pandas as pd

df = pd.read_parquet(sys.argv[1])
# The parameters that vary within a model, shown as the row's point.
params = [c for c in df.columns[2:df.columns.get_loc("tau_m_ms")]]


def point(r, varying):
    if r.model == "constant":
        return f"mu {r.mu_na}, {r.integrator}"
    return ", ".join(f"{c.rsplit('_', 1)[0]} {getattr(r, c):g}" for c in varying[r.model])


varying = {m: [c for c in params if rows[c].notna().all() and rows[c].nunique() > 1]
           for m, rows in df.groupby("model", observed=True)}
print("| model | point | rate sim (Hz) | rate theory (Hz) | CV sim | CV theory | reliable |")
print("|---|---|---|---|---|---|---|")
for r in df.itertuples():
    f = lambda x: "null" if pd.isna(x) else f"{x:.3f}"
    print(f"| {r.model} | {point(r, varying)} | {f(r.firing_rate_hz)} | {f(r.theory_rate_hz)} | "
          f"{f(r.cv_isi)} | {f(r.theory_cv)} | {r.theory_reliable} |")
