"""Interoperability check: a dataset directory's parts load as one table in pandas, Polars
(`pl.scan_parquet("DIR/parts/*.parquet")`), pyarrow.dataset and DuckDB, with the types of a
single result file and the same rows as the merged file.

Usage: python check_dataset.py DIR MERGED.parquet LIFSWEEP_BINARY (whose `lifsweep columns`
gives the columns)
"""

import sys

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

import check_results


def check(directory, merged_path):
    glob = f"{directory}/parts/*.parquet"
    merged = pq.read_table(merged_path)
    n = merged.num_rows

    # pyarrow.dataset: the directory and the glob's files, in job order.
    ds = pads.dataset(f"{directory}/parts", format="parquet")
    table = ds.to_table()
    assert table.column_names == check_results.COLUMNS, table.column_names
    assert table.schema == merged.schema, (table.schema, merged.schema)
    assert table.num_rows == n
    assert table.column("job_id").to_pylist() == list(range(n))
    assert table.combine_chunks().equals(merged.combine_chunks())

    # Polars: the documented glob, lazily.
    lf = pl.scan_parquet(glob)
    df = lf.collect()
    assert df.columns == check_results.COLUMNS
    assert df.schema["model"] == pl.Categorical, df.schema["model"]
    for c in check_results.UINT:
        assert df.schema[c] == pl.UInt64, (c, df.schema[c])
    assert df["job_id"].to_list() == list(range(n))
    assert pl.read_parquet(merged_path).equals(df)

    # pandas: the directory, through pyarrow.
    pdf = pd.read_parquet(f"{directory}/parts")
    assert list(pdf.columns) == check_results.COLUMNS
    assert isinstance(pdf["model"].dtype, pd.CategoricalDtype), pdf["model"].dtype
    for c in check_results.UINT:
        assert pdf[c].dtype == "uint64", (c, pdf[c].dtype)
    pd.testing.assert_frame_equal(pdf.reset_index(drop=True), pd.read_parquet(merged_path))

    # DuckDB: the glob, ordered by job_id.
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT count(*), min(job_id), max(job_id), count(DISTINCT job_id) "
        f"FROM read_parquet('{glob}')").fetchone()
    assert rows == (n, 0, n - 1, n), rows
    types = dict(con.execute(
        f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{glob}'))"
    ).fetchall())
    assert types["job_id"] == "UBIGINT" and types["model"] == "VARCHAR", types
    assert types["firing_rate_hz"] == "DOUBLE" and types["theory_reliable"] == "BOOLEAN", types
    print(f"dataset interop: {n} rows from {len(ds.files)} parts read alike by pyarrow.dataset, "
          "Polars, pandas and DuckDB")


if __name__ == "__main__":
    check_results.tables(sys.argv[3])
    check(sys.argv[1], sys.argv[2])
