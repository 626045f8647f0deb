"""lifsweep from Python: run sweeps of leaky integrate-and-fire neurons and get their results
straight into Polars, pandas or pyarrow.

The package calls the same library as the ``lifsweep`` command line, so a run from Python gives
the rows, column types, metadata and error messages that ``lifsweep run`` gives for the same
spec.

>>> import lifsweep
>>> res = lifsweep.run({"simulation": {"duration_ms": 200.0, "neurons": 20},
...                     "sweep": [{"model": "noise", "mu_na": [1.4, 1.8], "sigma_na": 0.5}]},
...                    progress=False)
>>> df = res.to_polars()            # or pl.DataFrame(res), pa.table(res), res.to_pandas()
>>> df.height
2
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from . import _lifsweep
from ._lifsweep import RunError, SpecError
from ._progress import Progress
from ._spec import SpecLike, pair, resolve, to_toml

if TYPE_CHECKING:
    import pandas
    import polars
    import pyarrow

__all__ = ["Plan", "Results", "RunError", "SpecError", "columns", "plan", "read", "run",
           "to_toml", "trace"]
__version__: str = _lifsweep.__version__

#: Seconds between the checks for Ctrl-C (KeyboardInterrupt) while a run goes.
_POLL_S = 0.1


class Results:
    """The result table of a sweep: one row per job, in job order.

    It implements the Arrow PyCapsule stream interface (``__arrow_c_stream__``), so
    ``polars.DataFrame(res)``, ``pyarrow.table(res)``, ``pandas.DataFrame.from_arrow(res)``
    (pandas >= 3) and DuckDB read it directly; the rows are decoded from the Parquet as they
    are read, and the object holds no copy of them. The column types are those of the result
    file: ``model`` and ``integrator`` dictionary-encoded (Polars Categorical, pandas
    ``category``), counts uint64, statistics float64 with nulls where they do not apply,
    histograms list<uint64>.

    Attributes
    ----------
    num_rows : int
        Rows (jobs) in the table.
    complete : bool
        Whether every job of the sweep has its row (False for a dataset with chunks left).
    missing_chunks : list[int]
        A dataset's chunks without a part (empty otherwise).
    path : str or None
        The result file or dataset directory read; None for a run's own temporary file.
    """

    def __init__(self, native: _lifsweep.Results) -> None:
        self._native = native

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self._native.__arrow_c_stream__(requested_schema)

    def __len__(self) -> int:
        return self.num_rows

    def __repr__(self) -> str:
        where = f" from {self.path}" if self.path else ""
        state = "" if self.complete else f", incomplete: {len(self.missing_chunks)} chunks left"
        return f"<lifsweep.Results: {self.num_rows} rows{where}{state}>"

    @property
    def num_rows(self) -> int:
        return self._native.num_rows

    @property
    def complete(self) -> bool:
        return self._native.complete

    @property
    def missing_chunks(self) -> list[int]:
        return list(self._native.missing_chunks)

    @property
    def path(self) -> str | None:
        p = self._native.path
        return None if p is None else os.fspath(p)

    @property
    def metadata(self) -> dict[str, str]:
        """The result file's key-value metadata: ``lifsweep.version``, ``lifsweep.spec``,
        ``lifsweep.rng``, ``lifsweep.seed_derivation``."""
        return dict(self._native.metadata)

    @property
    def spec(self) -> str:
        """The spec the rows were run from, as TOML text (the provenance in the file)."""
        return self.metadata["lifsweep.spec"]

    def to_arrow(self) -> "pyarrow.Table":
        """The table as a ``pyarrow.Table`` (needs pyarrow)."""
        import pyarrow as pa

        return pa.table(self)

    def to_polars(self) -> "polars.DataFrame":
        """The table as a ``polars.DataFrame`` (needs polars)."""
        import polars as pl

        return pl.DataFrame(self)

    def to_pandas(self) -> "pandas.DataFrame":
        """The table as a ``pandas.DataFrame`` (needs pandas and pyarrow): nullable floats as
        ``float64`` with NaN, uint64 counts, ``model`` as ``category``."""
        return self.to_arrow().to_pandas()

    def write_parquet(self, path: str | os.PathLike[str], *, force: bool = False) -> None:
        """Writes the table as ``lifsweep run -o PATH`` writes it: a run's file byte for byte;
        a dataset merged as ``lifsweep merge`` merges it (it must be complete).

        Raises ``SpecError`` if ``path`` exists and ``force`` is false; the file appears
        complete or not at all."""
        self._native.write_parquet(os.fspath(path), force)


@dataclass(frozen=True)
class Plan:
    """What a sweep would cost, without simulating (``lifsweep plan``).

    ``str(plan)`` is the text ``lifsweep plan`` prints."""

    text: str
    jobs: int
    neuron_steps: int
    threads: int
    seconds: float
    output_bytes: float
    peak_memory_bytes: float
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.text


def _spec_args(spec: SpecLike) -> dict[str, Any]:
    text, path = resolve(spec)
    return {"text": text, "path": path}


def _warn(messages: list[str]) -> None:
    for m in messages:
        warnings.warn(m, UserWarning, stacklevel=3)


def run(spec: SpecLike, *, threads: int | None = None, progress: bool = True,
        dataset: str | os.PathLike[str] | None = None,
        shard: str | tuple[int, int] | None = None,
        chunk_jobs: int | None = None) -> Results:
    """Runs a sweep and returns its results.

    Parameters
    ----------
    spec : str, os.PathLike, dict or None
        TOML text (a ``str`` holding a newline, ``=`` or ``[``), the path of a spec file, or a
        dict in the spec's shape: ``{"neuron": {...}, "simulation": {...}, "sweep": [{...},
        ...]}``, whose axes may be lists, numpy arrays or ``{"start", "stop", "num",
        "scale"}`` dicts. None: the compiled-in default sweep (or, with ``dataset``, the
        dataset's own spec).
    threads : int, optional
        Worker threads; by default as the CLI chooses (RAYON_NUM_THREADS, else
        SLURM_CPUS_PER_TASK, else every core).
    progress : bool
        Show progress on ``sys.stderr`` (a line redrawn in a terminal or notebook).
    dataset : path, optional
        Run into this dataset directory (``lifsweep run --dataset``): made if new, continued
        if not; every finished chunk is kept, so a stopped run continues where it stopped.
    shard : "I/N" or (I, N), optional
        With ``dataset``: run only shard I of N (``--shard``).
    chunk_jobs : int, optional
        With a new ``dataset``: jobs per chunk (``--chunk-jobs``).

    Returns
    -------
    Results
        The rows, as the CLI writes them. For a dataset, the rows of all its finished chunks
        (``complete`` says whether that is the whole sweep).

    Raises
    ------
    SpecError
        The spec or an option was refused (the message is the CLI's).
    KeyboardInterrupt
        Ctrl-C (or a notebook's interrupt) stopped the run: within about a second, no
        thread left running; nothing of a single-file run is kept, a dataset keeps its
        finished chunks.
    """
    if isinstance(shard, tuple):
        shard = f"{shard[0]}/{shard[1]}"
    handle = _lifsweep.start_run(
        **_spec_args(spec), threads=threads,
        dataset=None if dataset is None else os.fspath(dataset), shard=shard,
        chunk_jobs=chunk_jobs)
    _warn(handle.warnings)
    shown = Progress(progress)
    try:
        while not handle.wait(_POLL_S):
            shown.update(*handle.progress())
    except BaseException:
        # KeyboardInterrupt (or any other exception) between two waits: stop the run and join
        # its thread (its worker threads end with it), then let the exception go on.
        handle.stop()
        try:
            handle.result()
        except BaseException:
            pass
        shown.finish(None)
        raise
    try:
        native = handle.result()
    except BaseException:
        shown.finish(None)
        raise
    jobs, _, steps, _ = handle.progress()
    elapsed = max(1e-9, time.monotonic() - shown.start)
    shown.finish(f"lifsweep: {jobs} jobs, {steps:.3e} neuron-steps in {elapsed:.2f} s on "
                 f"{handle.threads} threads")
    res = Results(native)
    if not res.complete:
        warnings.warn(f"{res.path}: {len(res.missing_chunks)} chunks of the sweep are still to "
                      "run (other shards); the results hold the finished ones", UserWarning,
                      stacklevel=2)
    return res


def read(path: str | os.PathLike[str]) -> Results:
    """Opens results written earlier.

    Parameters
    ----------
    path : str or os.PathLike
        A result file (``lifsweep run -o``) or a dataset directory (``--dataset``).

    Returns
    -------
    Results
        The rows in job order; for a dataset those of its finished parts (``complete`` says
        whether every chunk is there).

    Raises
    ------
    SpecError
        Not a result file of this lifsweep, or not a dataset directory.
    """
    return Results(_lifsweep.read(os.fspath(path)))


def plan(spec: SpecLike = None, *, threads: int | None = None) -> Plan:
    """What a sweep would cost, without simulating it.

    Parameters
    ----------
    spec : str, os.PathLike, dict or None
        As for `run`.
    threads : int, optional
        The threads to estimate the wall time for (default: as `run` would use).

    Returns
    -------
    Plan
        Jobs, neuron-steps, estimated seconds, output and peak-memory bytes and warnings;
        ``str(plan)`` is the text ``lifsweep plan`` prints.
    """
    text, numbers = _lifsweep.plan(**_spec_args(spec), threads=threads)
    return Plan(text=text, **numbers)


def trace(spec: SpecLike = None, *, job: int | None = None, neuron: int = 0,
          to: Literal["polars", "pandas", "arrow"] = "polars",
          **pairs: Any) -> Any:
    """One neuron's trajectory, step by step, as ``lifsweep trace`` prints it.

    Parameters
    ----------
    spec : str, os.PathLike, dict or None
        A spec (as for `run`) whose job ``job`` is traced; None to describe one job by
        keyword pairs instead, e.g. ``trace(model="sine", mu_na=0.8, amp_na=0.8,
        period_ms=20, dt_ms=1, duration_ms=10)``.
    job : int, optional
        With ``spec``: the job id (default 0). The neuron is exactly the one the sweep
        simulates (same seed).
    neuron : int
        Which neuron of the job's population.
    to : {"polars", "pandas", "arrow"}
        The frame returned.
    **pairs
        Spec keys and values of the one job (without ``spec``).

    Returns
    -------
    polars.DataFrame, pandas.DataFrame or pyarrow.Table
        Columns ``t_ms``, ``i_na`` (the input of the step), ``v_mv`` (V before the step's
        update), ``events`` (presynaptic events of the step) and ``spike`` (a spike at
        ``t``), one row per step from 0 to the duration.

    Raises
    ------
    SpecError
        A bad key or value, a job or neuron out of range (the CLI's messages).
    """
    if spec is not None and pairs:
        raise SpecError("give either a spec (with job=) or keyword pairs, not both")
    table = _lifsweep.trace([pair(k, v) for k, v in pairs.items()], **_spec_args(spec),
                            job=job, neuron=neuron)
    if to == "polars":
        import polars as pl

        return pl.DataFrame(table)
    import pyarrow as pa

    arrow = pa.table(table)
    if to == "arrow":
        return arrow
    if to == "pandas":
        return arrow.to_pandas()
    raise ValueError(f"to={to!r}: give 'polars', 'pandas' or 'arrow'")


def columns() -> list[tuple[str, str, str, str]]:
    """The result file's columns: (name, Arrow type, unit, when null / what it holds)."""
    return _lifsweep.columns()
