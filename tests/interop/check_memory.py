"""Memory check: a sweep of a million one-neuron jobs runs in bounded memory (well under 200 MB
peak resident set) and writes a million rows.

Usage: python check_memory.py LIFSWEEP_BINARY WORK_DIR
"""

import os
import resource
import subprocess
import sys

LIMIT_MB = 200
SPEC = """
[simulation]
dt_ms = 0.1
duration_ms = 10.0
neurons = 1
[[sweep]]
model = "noise"
mu_na = { start = 0.0, stop = 5.0, num = 1000 }
sigma_na = { start = 0.1, stop = 2.0, num = 1000 }
"""


def main(binary, work):
    spec = os.path.join(work, "million.toml")
    out = os.path.join(work, "million.parquet")
    with open(spec, "w") as f:
        f.write(SPEC)
    # The child is forked from this interpreter, and its peak counts the interpreter's pages it
    # held before exec: pyarrow (about 50 MB) is imported only afterwards.
    subprocess.run([binary, "run", spec, "-o", out, "--quiet", "--force"], check=True)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    import pyarrow.parquet as pq

    rows = pq.read_metadata(out).num_rows
    assert rows == 1_000_000, rows
    assert peak_mb < LIMIT_MB, f"peak RSS {peak_mb:.0f} MB for a million jobs"
    print(f"million one-neuron jobs: {rows} rows, peak RSS {peak_mb:.0f} MB (limit {LIMIT_MB} MB)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
