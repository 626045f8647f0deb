"""Interoperability check: a lifsweep result file loads in pyarrow, pandas and Polars with the
columns, dtypes, null rules and provenance that the column table promises. The columns and the
parameters of each input part are read from the binary itself (`lifsweep columns`, `lifsweep
keys`: the program's one column table and its registry), not kept here by hand.

Usage: python check_results.py RESULTS.parquet LIFSWEEP_BINARY
"""

import subprocess
import sys

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq


def markdown_rows(text):
    """The cells of each body row of the Markdown tables in `text`."""
    rows = []
    for line in text.splitlines():
        if line.startswith("| `"):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def tables(binary):
    global COLUMNS, TYPES, PART_PARAMS, MODEL_COLUMNS, SHARED, UINT, LISTS
    columns = markdown_rows(subprocess.run([binary, "columns"], check=True, capture_output=True,
                                           text=True).stdout)
    COLUMNS = [r[0].strip("`") for r in columns]
    TYPES = {r[0].strip("`"): r[1] for r in columns}
    keys = markdown_rows(subprocess.run([binary, "keys"], check=True, capture_output=True,
                                        text=True).stdout)
    PART_PARAMS = {}
    for r in keys:
        if r[1].startswith("[[sweep]], part "):
            PART_PARAMS.setdefault(r[1].split()[-1], []).append(r[0].strip("`"))
    MODEL_COLUMNS = ["mu_na"] + [p for ps in PART_PARAMS.values() for p in ps]
    SHARED = [r[0].strip("`") for r in keys
              if r[1] in ("[neuron]", "[simulation]") and r[0].strip("`") in TYPES
              and TYPES[r[0].strip("`")] == "float64"]
    UINT = [c for c in COLUMNS if TYPES[c] == "uint64"]
    LISTS = [c for c in COLUMNS if TYPES[c].startswith("list<uint64>")]
    assert LISTS == ["isi_hist", "psth", "cycle_hist"], LISTS
    assert COLUMNS[:2] == ["job_id", "model"] and "theory_reliable" in COLUMNS, COLUMNS


def params_of(model):
    """The parameter columns a job of `model` has: mu_na and its parts' parameters."""
    parts = [] if model == "constant" else model.split("+")
    return ["mu_na"] + [p for part in parts for p in PART_PARAMS[part]]


def check(path):
    # pyarrow: schema and provenance.
    table = pq.read_table(path)
    assert table.column_names == COLUMNS, table.column_names
    for field in table.schema:
        assert field.nullable == TYPES[field.name].endswith("nullable"), field
    assert pa.types.is_dictionary(table.schema.field("model").type)
    assert pa.types.is_dictionary(table.schema.field("integrator").type)
    for c in UINT:
        assert table.schema.field(c).type == pa.uint64(), c
    assert table.schema.field("theory_reliable").type == pa.bool_()
    for c in LISTS:
        assert table.schema.field(c).type == pa.list_(pa.field("item", pa.uint64(), False)), \
            table.schema.field(c)
    meta = pq.read_metadata(path).metadata
    for key in [b"lifsweep.version", b"lifsweep.spec", b"lifsweep.rng",
                b"lifsweep.seed_derivation"]:
        assert key in meta, key
    assert b"[[sweep]]" in meta[b"lifsweep.spec"]
    md = pq.ParquetFile(path).metadata
    assert md.row_group(0).column(1).compression == "ZSTD"
    # Dictionary pages for the two label columns only (README "Output").
    rg = md.row_group(0)
    for i in range(rg.num_columns):
        col = rg.column(i)
        labels = col.path_in_schema in ("model", "integrator")
        assert ("RLE_DICTIONARY" in col.encodings) == labels, (col.path_in_schema, col.encodings)

    # pandas: dtypes and null rules.
    df = pd.read_parquet(path)
    assert list(df.columns) == COLUMNS
    assert isinstance(df["model"].dtype, pd.CategoricalDtype), df["model"].dtype
    assert isinstance(df["integrator"].dtype, pd.CategoricalDtype), df["integrator"].dtype
    assert set(df["integrator"].astype(str)) <= {"euler", "exact"}
    for c in UINT:
        assert df[c].dtype == "uint64", (c, df[c].dtype)
    for c in MODEL_COLUMNS + SHARED + ["firing_rate_hz", "firing_rate_sem_hz", "mean_v_mv",
                                       "cv_isi", "fano", "theory_rate_hz", "theory_cv"]:
        assert df[c].dtype == "float64", (c, df[c].dtype)
    assert (df["job_id"].to_numpy() == range(len(df))).all(), "rows in job_id order"
    for model, rows in df.groupby("model", observed=True):
        for c in MODEL_COLUMNS:
            if c in params_of(model):
                assert rows[c].notna().all(), (model, c)
            else:
                assert rows[c].isna().all(), (model, c, "must be null, never a fake 0")
    assert (df["cv_isi"].isna() == (df["isis"] < 2)).all()
    assert (df["fano"].isna() == ((df["spikes"] == 0) | (df["neurons"] == 1))).all()
    assert (df["firing_rate_sem_hz"].isna() == (df["neurons"] == 1)).all()
    window_s = (df["duration_ms"] - df["warmup_ms"]) / 1000.0
    rate = df["spikes"] / (df["neurons"] * window_s)
    assert ((rate - df["firing_rate_hz"]).abs() <= 1e-9 * (1 + rate)).all()
    assert df[["firing_rate_hz", "mean_v_mv"]].notna().all().all()
    # Theory (where `theory` is on): no rate theory for a sine part alone; exact (equal to the
    # simulation) for constant input; the reliability flag is null exactly where there is no
    # theory. With theory = false every theory column is null.
    theory_cols = [c for c in df.columns if c.startswith("theory_")]
    assert df.loc[~df["theory"], theory_cols].isna().all().all()
    has_sine = df["model"].astype(str).str.split("+").apply(lambda parts: "sine" in parts)
    on_noise = (df["model"] == "sine+noise") & (df["amp_na"] != 0) & (df["sigma_na"] > 0)
    on_noise &= df["theory"]
    sine = (has_sine & ~on_noise & (df["amp_na"] != 0)) | ~df["theory"]
    for c in ["theory_rate_modulation_hz", "theory_spike_phase_deg"]:
        assert (df[c].notna() == on_noise).all(), c
    assert df.loc[sine, ["theory_rate_hz", "theory_cv", "theory_reliable"]].isna().all().all()
    assert df.loc[~sine, "theory_rate_hz"].notna().all()
    assert (df["theory_reliable"].isna() == df["theory_rate_hz"].isna()).all()
    # Phase locking: exactly the jobs with a sine part and spikes have it.
    locked = has_sine & (df["spikes"] > 0)
    for c in ["vector_strength", "spike_phase_deg", "rate_modulation_hz"]:
        assert (df[c].notna() == locked).all(), c
    assert ((df.loc[locked, "vector_strength"] >= 0) & (df.loc[locked, "vector_strength"] <= 1)).all()
    # Histograms: lists of uint64 counts where asked for, null elsewhere; they count the spikes.
    asked = {"isi_hist": df["isi_bin_ms"] > 0, "psth": df["psth_bin_ms"] > 0,
             "cycle_hist": (df["cycle_bins"] > 0) & has_sine}
    for c, where in asked.items():
        assert (df[c].notna() == where).all(), c
        for v in df.loc[where, c]:
            assert v.dtype == "uint64", (c, v.dtype)
    sums = {c: df.loc[asked[c], c].apply(lambda v: int(v.sum())) for c in LISTS}
    assert (sums["psth"] == df.loc[asked["psth"], "spikes"]).all()
    assert (sums["cycle_hist"] == df.loc[asked["cycle_hist"], "spikes"]).all()
    assert (sums["isi_hist"] <= df.loc[asked["isi_hist"], "isis"]).all()
    # Where every interval is in range, the histogram brackets mean_isi_ms: an interval in bin
    # j lies in [j b, (j+1) b), so the mean lies in [mean of j b, that + b).
    whole = asked["isi_hist"] & (df["isis"] > 0)
    whole &= sums["isi_hist"].reindex(df.index, fill_value=-1) == df["isis"]
    for _, r in df[whole].iterrows():
        b, h = r["isi_bin_ms"], r["isi_hist"].astype("float64")
        low = (h * np.arange(len(h))).sum() / h.sum() * b
        assert low - 1e-9 <= r["mean_isi_ms"] < low + b + 1e-9, (r["mean_isi_ms"], low, b)
    assert (df["mean_isi_ms"].isna() == (df["isis"] == 0)).all()
    lengths = df.loc[asked["cycle_hist"], "cycle_hist"].apply(len)
    assert (lengths == df.loc[asked["cycle_hist"], "cycle_bins"]).all()
    const = df[(df["model"] == "constant") & df["theory"]]
    assert ((const["theory_rate_hz"] - const["firing_rate_hz"]).abs()
            <= 1e-12 * const["firing_rate_hz"]).all()

    # Polars: the same, its way.
    lf = pl.read_parquet(path)
    assert lf.columns == COLUMNS
    assert lf.schema["model"] in (pl.Categorical, pl.Enum) or \
        isinstance(lf.schema["model"], (pl.Categorical, pl.Enum)), lf.schema["model"]
    for c in UINT:
        assert lf.schema[c] == pl.UInt64, (c, lf.schema[c])
    assert lf.schema["theory_reliable"] == pl.Boolean
    for c in LISTS:
        assert lf.schema[c] == pl.List(pl.UInt64), (c, lf.schema[c])
    hist = lf.filter(pl.col("psth_bin_ms") > 0)
    assert (hist["psth"].list.sum() == hist["spikes"]).all()
    noise = lf.filter(pl.col("model") == "noise")
    assert noise["sigma_na"].null_count() == 0
    assert noise["amp_na"].null_count() == noise.height
    per_model = lf.group_by("model").agg(pl.len()).sort("model")
    with_hists = int(sum(where.sum() for where in asked.values()))
    print(f"{path}: {len(df)} rows ({with_hists} histograms, {int(whole.sum())} ISI means "
          f"bracketed) OK in pyarrow {pa.__version__}, pandas {pd.__version__}, "
          f"polars {pl.__version__}; jobs per model "
          f"{dict(zip(per_model['model'].cast(pl.Utf8), per_model['len']))}")


if __name__ == "__main__":
    tables(sys.argv[2])
    check(sys.argv[1])
