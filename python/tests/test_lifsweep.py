"""The Python package against the command line: the same spec gives the same rows, types,
metadata, files and error messages. Needs the CLI binary: LIFSWEEP_BIN, or the repository's
target/release/lifsweep (`cargo build --release`)."""

import filecmp
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import lifsweep

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("LIFSWEEP_BIN", str(REPO / "target" / "release" / "lifsweep"))

SPEC = textwrap.dedent("""\
    # A small sweep with every kind of column: noise, Poisson, a sine on noise with
    # histograms, a one-neuron job (null SEM and Fano).
    [simulation]
    duration_ms = 300.0
    neurons = 30
    isi_bin_ms = 2.0
    psth_bin_ms = 50.0
    v_stats = true

    [[sweep]]
    model = "noise"
    mu_na = { start = 1.2, stop = 2.0, num = 3 }
    sigma_na = [0.3, 0.6]

    [[sweep]]
    model = "poisson"
    rate_hz = [2000.0, 4000.0]
    w_na = 0.1
    tau_s_ms = 5.0

    [[sweep]]
    model = "sine+noise"
    mu_na = 1.3
    amp_na = 0.4
    period_ms = 20.0
    sigma_na = 0.4
    cycle_bins = 12

    [[sweep]]
    model = "constant"
    mu_na = [1.0, 2.0]
    neurons = 1
    """)


def file_metadata(path):
    """A Parquet file's key-value metadata, less the Arrow schema pyarrow reads types from."""
    kv = pq.read_metadata(path).metadata
    return {k.decode(): v.decode() for k, v in kv.items() if k != b"ARROW:schema"}


def same_rows(a, b):
    """Equal values and types (dictionary columns compared by value: a dataset's parts each
    carry their own dictionary)."""
    def plain(t):
        return t.combine_chunks().unify_dictionaries()
    return a.schema.equals(b.schema) and all(
        plain(a).column(n).cast(pa.string()).equals(plain(b).column(n).cast(pa.string()))
        if pa.types.is_dictionary(a.schema.field(n).type)
        else a.column(n).equals(b.column(n)) for n in a.column_names)


def cli(*args, check=True, **kw):
    return subprocess.run([BIN, *args], capture_output=True, text=True, check=check, **kw)


@pytest.fixture(scope="module")
def cli_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    spec = d / "spec.toml"
    spec.write_text(SPEC)
    cli("run", str(spec), "-o", str(d / "cli.parquet"), "--quiet")
    return spec, d / "cli.parquet"


def test_a_run_from_a_file_is_the_cli_run_byte_for_byte(cli_file, tmp_path):
    spec, cli_out = cli_file
    res = lifsweep.run(spec, progress=False)
    assert res.complete and res.num_rows == pq.read_metadata(cli_out).num_rows == 11
    mine = tmp_path / "py.parquet"
    res.write_parquet(mine)
    assert filecmp.cmp(mine, cli_out, shallow=False)
    # The stream: the CLI file's rows and types; its key-value metadata, also carried as the
    # stream's schema metadata (the file's Arrow schema has none).
    theirs = pq.read_table(cli_out)
    table = pa.table(res)
    assert table.equals(theirs)
    assert table.schema.equals(theirs.schema)
    assert res.metadata == file_metadata(cli_out)
    assert {k.decode(): v.decode() for k, v in table.schema.metadata.items()} == res.metadata
    assert res.spec == SPEC
    assert res.metadata["lifsweep.version"] == lifsweep.__version__


def test_text_and_a_dict_with_numpy_axes_give_the_same_rows(cli_file):
    spec, cli_out = cli_file
    from_text = lifsweep.run(SPEC, progress=False, threads=1)
    as_dict = {
        "simulation": {"duration_ms": 300.0, "neurons": 30, "isi_bin_ms": 2.0,
                       "psth_bin_ms": 50.0, "v_stats": True},
        "sweep": [
            {"model": "noise", "mu_na": np.linspace(1.2, 2.0, 3), "sigma_na": np.array([0.3, 0.6])},
            {"model": "poisson", "rate_hz": [2000.0, 4000.0], "w_na": np.float64(0.1),
             "tau_s_ms": 5},
            {"model": "sine+noise", "mu_na": 1.3, "amp_na": 0.4, "period_ms": 20.0,
             "sigma_na": 0.4, "cycle_bins": np.int64(12)},
            {"model": "constant", "mu_na": {"start": 1.0, "stop": 2.0, "num": 2},
             "neurons": 1},
        ],
    }
    from_dict = lifsweep.run(as_dict, progress=False)
    cli_rows = pq.read_table(cli_out)
    assert pa.table(from_text).equals(cli_rows)
    # The dict's spec text is its own (the provenance), the rows the same.
    assert pa.table(from_dict).equals(cli_rows)
    assert "[[sweep]]" in from_dict.spec and "linspace" not in from_dict.spec


def test_polars_pandas_pyarrow_and_duckdb_read_the_stream_with_the_promised_types():
    res = lifsweep.run(SPEC, progress=False)
    df = pl.DataFrame(res)
    assert df.height == 11
    assert df.schema["model"] == pl.Categorical
    for c in ["spikes", "isis", "job_id"]:
        assert df.schema[c] == pl.UInt64
    assert df.schema["isi_hist"] == pl.List(pl.UInt64)
    assert df.schema["firing_rate_sem_hz"] == pl.Float64
    one = df.filter(pl.col("neurons") == 1)
    assert one["firing_rate_sem_hz"].null_count() == 2, "null for one-neuron jobs, not 0"
    assert df.filter(pl.col("model") != "sine+noise")["vector_strength"].null_count() == 10
    assert (df["model"].cast(pl.Utf8).unique().sort().to_list()
            == ["constant", "noise", "poisson", "sine+noise"])
    assert res.to_polars().equals(df)

    pdf = res.to_pandas()
    assert str(pdf["model"].dtype) == "category"
    assert pdf["spikes"].dtype == np.uint64
    assert pdf["cv_isi"].dtype == np.float64
    assert pdf.loc[pdf["neurons"] == 1, "firing_rate_sem_hz"].isna().all()
    if hasattr(pd.DataFrame, "from_arrow"):  # pandas >= 3
        via_capsule = pd.DataFrame.from_arrow(res)
        assert list(via_capsule.columns) == list(pdf.columns)
        assert (via_capsule["spikes"].to_numpy() == pdf["spikes"].to_numpy()).all()

    table = res.to_arrow()
    assert table.schema.field("model").type == pa.dictionary(pa.int32(), pa.string())
    assert table.schema.field("isi_hist").type == pa.list_(pa.field("item", pa.uint64(), False))

    duckdb = pytest.importorskip("duckdb")
    arrow = pa.table(res)
    n = duckdb.sql("select count(*) from arrow where model = 'noise'").fetchall()[0][0]
    assert n == 6


def test_the_stream_can_be_read_many_times_and_outlives_the_results():
    res = lifsweep.run(SPEC, progress=False)
    first = pa.table(res)
    assert pa.table(res).equals(first)
    assert pl.DataFrame(res).height == first.num_rows
    # A stream taken, then the results dropped before it is read: it still reads.
    import gc
    stream = pa.RecordBatchReader.from_stream(res)
    del res
    gc.collect()
    assert stream.read_all().equals(first)


def test_bad_specs_raise_spec_error_with_the_cli_message(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sweep]]\nmodel = "noise"\nmu_na = 1.0\nsigma_na = -0.5\n')
    expected = cli("run", str(bad), "-o", str(tmp_path / "x.parquet"), check=False)
    assert expected.returncode == 2
    message = expected.stderr.strip().removeprefix("error: ")
    with pytest.raises(lifsweep.SpecError) as e:
        lifsweep.run(bad, progress=False)
    assert str(e.value) == message
    assert isinstance(e.value, ValueError)
    assert "sigma_na" in message and "-0.5" in message
    # The same from text and from a dict.
    with pytest.raises(lifsweep.SpecError, match="sigma_na"):
        lifsweep.run(bad.read_text(), progress=False)
    with pytest.raises(lifsweep.SpecError, match="unknown"):
        lifsweep.run({"sweep": [{"model": "noise", "mu_na": 1.0, "sigma_na": 0.5,
                                  "sigma_typo": 1}]}, progress=False)
    with pytest.raises(lifsweep.SpecError, match="no_such.toml"):
        lifsweep.run(tmp_path / "no_such.toml", progress=False)
    with pytest.raises(TypeError, match="TOML"):
        lifsweep.run({"sweep": [{"model": "noise", "mu_na": object()}]})
    with pytest.raises(lifsweep.SpecError, match="threads"):
        lifsweep.run(SPEC, threads=0, progress=False)
    with pytest.raises(lifsweep.SpecError, match="dataset"):
        lifsweep.run(SPEC, shard="0/2", progress=False)
    assert not (tmp_path / "x.parquet").exists()


def test_write_parquet_never_replaces_a_file_unless_forced(tmp_path):
    res = lifsweep.run(SPEC, progress=False)
    out = tmp_path / "r.parquet"
    out.write_text("precious")
    with pytest.raises(lifsweep.SpecError, match="already exists"):
        res.write_parquet(out)
    assert out.read_text() == "precious"
    res.write_parquet(out, force=True)
    assert pq.read_table(out).num_rows == 11
    assert [p.name for p in tmp_path.iterdir()] == ["r.parquet"], "no temporary file left"


def test_a_dataset_run_in_shards_from_python_merges_to_the_cli_run(cli_file, tmp_path):
    spec, cli_out = cli_file
    d = tmp_path / "ds"
    with pytest.warns(UserWarning, match="still to run"):
        first = lifsweep.run(spec, dataset=d, shard="0/2", chunk_jobs=2, progress=False)
    assert not first.complete and first.missing_chunks == [1, 3, 5]
    assert first.num_rows == 6
    both = lifsweep.run(spec, dataset=d, shard=(1, 2), progress=False)
    assert both.complete and both.num_rows == 11
    assert same_rows(pa.table(both), pq.read_table(cli_out))
    assert both.metadata == file_metadata(cli_out)
    assert same_rows(pa.table(lifsweep.read(d)), pa.table(both))
    assert pl.DataFrame(both).equals(pl.read_parquet(cli_out))
    merged = tmp_path / "merged.parquet"
    both.write_parquet(merged)
    assert filecmp.cmp(merged, cli_out, shallow=False)
    cli("merge", str(d), "-o", str(tmp_path / "cli_merged.parquet"))
    assert filecmp.cmp(merged, tmp_path / "cli_merged.parquet", shallow=False)


def test_read_a_file_and_refuse_what_is_not_a_result(cli_file, tmp_path):
    _, cli_out = cli_file
    res = lifsweep.read(cli_out)
    assert res.path == str(cli_out) and res.num_rows == 11
    assert pa.table(res).equals(pq.read_table(cli_out))
    assert res.metadata == file_metadata(cli_out)
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"x": [1, 2]}), other)
    with pytest.raises(lifsweep.SpecError, match="not a result file"):
        lifsweep.read(other)
    with pytest.raises(lifsweep.SpecError, match="not a lifsweep dataset"):
        lifsweep.read(tmp_path)


def test_trace_is_the_cli_trace():
    args = dict(model="poisson", rate_hz=3000.0, w_na=0.6, tau_s_ms=2.0, dt_ms=0.5,
                duration_ms=50.0)
    df = lifsweep.trace(**args)
    out = cli("trace", *[f"{k}={v}" for k, v in args.items()]).stdout
    theirs = pl.read_csv(out.encode())
    assert df.columns == ["t_ms", "i_na", "v_mv", "events", "spike"]
    assert df.height == theirs.height == 101
    for c in ["t_ms", "i_na", "v_mv", "events"]:
        assert (df[c].cast(pl.Float64) == theirs[c].cast(pl.Float64)).all(), c
    assert (df["spike"].cast(pl.Int64) == theirs["spike"]).all()
    assert df["events"].sum() > 0
    # A neuron of a spec's job, and the other frames.
    pdf = lifsweep.trace(SPEC, job=6, neuron=3, to="pandas")
    assert len(pdf) == 3001 and pdf["i_na"].std() > 0
    assert lifsweep.trace(model="constant", mu_na=2.0, duration_ms=5.0, to="arrow").num_rows == 51
    with pytest.raises(lifsweep.SpecError, match="neuron=30"):
        lifsweep.trace(SPEC, neuron=30)
    with pytest.raises(lifsweep.SpecError, match="sigma_na"):
        lifsweep.trace(model="noise", mu_na=1.0)


def test_plan_is_the_cli_plan(cli_file):
    spec, _ = cli_file
    p = lifsweep.plan(spec, threads=1)
    assert str(p) == cli("plan", str(spec), "--threads", "1").stdout.rstrip("\n")
    assert p.jobs == 11 and p.neuron_steps == 11 * 30 * 3000 - 2 * 29 * 3000
    assert p.seconds > 0 and p.threads == 1


def test_columns_are_the_cli_columns(cli_file):
    _, cli_out = cli_file
    names = [c[0] for c in lifsweep.columns()]
    assert names == pq.read_schema(cli_out).names
    table = cli("columns").stdout
    for name in names:
        assert f"`{name}`" in table


INTERRUPTED = textwrap.dedent("""\
    import os, sys, time
    import lifsweep
    spec = {"simulation": {"duration_ms": 1e6, "neurons": 2000},
            "sweep": [{"model": "noise", "mu_na": [1.5, 1.6, 1.7, 1.8], "sigma_na": 0.5}]}
    def tasks():
        return len(os.listdir("/proc/self/task"))
    before = tasks()
    print("started", flush=True)
    t = None
    try:
        lifsweep.run(spec, progress=True, threads=2)
    except KeyboardInterrupt:
        t = time.monotonic()
    assert t is not None, "not interrupted"
    print(f"interrupted", flush=True)
    # The run's thread is joined; its worker threads end with their pool.
    deadline = time.monotonic() + 5
    while tasks() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    print(f"threads {before} {tasks()}", flush=True)
    """)


def test_ctrl_c_stops_a_long_run_within_about_a_second(tmp_path):
    script = tmp_path / "long.py"
    script.write_text(INTERRUPTED)
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "started"
    time.sleep(1.5)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    line = p.stdout.readline().strip()
    stopped = time.monotonic() - sent
    # (communicate() would miss what readline() has buffered.)
    out, err = p.stdout.read(), p.stderr.read()
    p.wait(timeout=30)
    assert line == "interrupted", (line, out, err)
    assert stopped < 1.0, f"took {stopped:.2f} s to stop"
    assert out.startswith("threads"), (out, err)
    before, after = map(int, out.split()[1:3])
    assert after <= before, f"threads left running: {before} before the run, {after} after"
    assert p.returncode == 0, err
    assert "neuron-steps/s" in err, "progress was shown"
