import sys
import pandas as pd
df = pd.read_parquet(sys.argv[1])
def point(r):
    if r.model == "constant":
        return f"mu {r.mu_na}, {r.integrator}"
    if r.model == "noise":
        return f"mu {r.mu_na}, sigma {r.sigma_na}"
    return f"mu {r.mu_na}, tau_s {r.tau_s_ms}"
print("| model | point | rate sim (Hz) | rate theory (Hz) | CV sim | CV theory | reliable |")
print("|---|---|---|---|---|---|---|")
for r in df.itertuples():
    f = lambda x: "null" if pd.isna(x) else f"{x:.3f}"
    print(f"| {r.model} | {point(r)} | {f(r.firing_rate_hz)} | {f(r.theory_rate_hz)} | "
          f"{f(r.cv_isi)} | {f(r.theory_cv)} | {r.theory_reliable} |")
