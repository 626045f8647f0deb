//! The result file: one Parquet row per job (DESIGN.md's columns), zstd, bounded row groups,
//! the model column dictionary-encoded, and provenance in the file's key-value metadata.
//!
//! The columns are defined once, in [`super::columns`]; the schema is derived from it. They are
//! encoded by [`super::encode`], side by side on the run's worker threads when it has two or
//! more.

use std::io::Write;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Schema, SchemaRef};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use super::columns::{COLUMNS, NullArrays, Row, array};
use super::encode::Encoder;
use crate::engine::JobResult;
use crate::job::Job;

/// Rows per row group.
pub const ROW_GROUP_ROWS: usize = 65_536;

/// Rows per Arrow batch handed to the Parquet writer, which encodes each as it comes (so a
/// writer thread encodes while the engine runs, the row buffer stays small, and little is left
/// to encode when the last rows come: for W3 the end of the run shrank by 0.8 ms against 4,096).
const BATCH_ROWS: usize = 1_024;

/// Rows per data page, at most: a page is compressed when it is full, so pages close while the
/// engine runs too. (2,048 made the files 7% bigger; 4,096 costs about 1% against one page per
/// column chunk.)
const PAGE_ROWS: usize = 4_096;

/// The schema of a result file (from [`COLUMNS`]).
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(
        COLUMNS.iter().map(|c| c.field()).collect::<Vec<_>>(),
    ))
}

/// The provenance written into a result file's key-value metadata.
pub fn metadata(spec_text: &str) -> Vec<(String, String)> {
    [
        ("lifsweep.version", crate::VERSION.to_string()),
        ("lifsweep.spec", spec_text.to_string()),
        ("lifsweep.rng", crate::rng::RNG_DESCRIPTION.to_string()),
        (
            "lifsweep.seed_derivation",
            crate::rng::SEED_DERIVATION.to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The writer settings every result file is written with (single files, dataset parts and
/// merged files alike), with `metadata` as the file's key-value metadata.
fn properties(metadata: Vec<(String, String)>) -> WriterProperties {
    properties_with(metadata, ROW_GROUP_ROWS)
}

/// [`properties`] with row groups of `row_group_rows` (the tests' smaller ones).
fn properties_with(metadata: Vec<(String, String)>, row_group_rows: usize) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(row_group_rows))
        .set_data_page_row_count_limit(PAGE_ROWS)
        // Dictionaries only for the two label columns: the numbers are mostly distinct, and
        // where a grid repeats them zstd does better without (files 10-25% smaller, written
        // faster: the dictionary look-ups were a sixth of a million-row run).
        .set_dictionary_enabled(false)
        .set_column_dictionary_enabled(ColumnPath::from("model"), true)
        .set_column_dictionary_enabled(ColumnPath::from("integrator"), true)
        .set_key_value_metadata(Some(
            metadata
                .into_iter()
                .map(|(k, v)| KeyValue::new(k, v))
                .collect(),
        ))
        .build()
}

/// Streams job rows into a Parquet file.
pub struct ResultWriter<W: Write + Send> {
    writer: BatchWriter<W>,
    /// Rows buffered before they are handed to the Parquet writer (fewer than `capacity`).
    rows: Vec<Row>,
    /// Rows per batch handed to the Parquet writer.
    capacity: usize,
    /// The all-null columns of earlier batches, shared with the next ones.
    nulls: NullArrays,
}

impl<W: Write + Send> ResultWriter<W> {
    /// A writer for about `rows` rows (it sizes its buffer by this; any number may be pushed),
    /// with the provenance of `spec_text` as the file's metadata.
    pub fn new(out: W, spec_text: &str, rows: u64) -> parquet::errors::Result<Self> {
        Self::with_metadata(out, metadata(spec_text), rows)
    }

    /// A writer for about `rows` rows with the key-value metadata `metadata`.
    pub fn with_metadata(
        out: W,
        metadata: Vec<(String, String)>,
        rows: u64,
    ) -> parquet::errors::Result<Self> {
        Self::with_writer(BatchWriter::new(out, metadata)?, rows)
    }

    fn with_writer(writer: BatchWriter<W>, rows: u64) -> parquet::errors::Result<Self> {
        let capacity = rows.clamp(1, BATCH_ROWS as u64) as usize;
        Ok(ResultWriter {
            writer,
            // Room for a whole batch at once (growing it by doubling would copy it and fault
            // in fresh pages again and again: a third of a short run's time).
            rows: Vec::with_capacity(capacity),
            capacity,
            nulls: NullArrays::default(),
        })
    }

    /// Makes and encodes the columns side by side on `pool`'s threads (with two or more; the
    /// file is the same).
    pub fn encode_on(mut self, pool: Arc<rayon::ThreadPool>) -> Self {
        self.writer.encoder.encode_on(pool);
        self
    }

    /// Adds a job's row (rows must come in job order).
    pub fn push(&mut self, job: Job, result: JobResult) -> parquet::errors::Result<()> {
        self.rows.push((job, result));
        if self.rows.len() >= self.capacity {
            self.write_buffer()?;
        }
        Ok(())
    }

    /// Adds `rows` (in job order, after the rows pushed before) and empties the vector, keeping
    /// its memory for the caller to fill again. Whole batches that begin where the buffer is
    /// empty are encoded from `rows` itself, without moving them: the same batches, so the same
    /// file, as pushing the rows one by one.
    pub fn push_rows(&mut self, rows: &mut Vec<Row>) -> parquet::errors::Result<()> {
        let mut done = 0;
        if self.rows.is_empty() {
            while rows.len() - done >= self.capacity {
                self.write_batch(&rows[done..done + self.capacity])?;
                done += self.capacity;
            }
        }
        for (job, result) in rows.drain(done..) {
            self.push(job, result)?;
        }
        rows.clear();
        Ok(())
    }

    /// Encodes the buffered rows as one batch and empties the buffer, keeping its memory.
    fn write_buffer(&mut self) -> parquet::errors::Result<()> {
        let rows = std::mem::take(&mut self.rows);
        let written = self.write_batch(&rows);
        self.rows = rows;
        self.rows.clear();
        written
    }

    /// Encodes `rows` as one batch (each column made from the rows by the task that encodes
    /// it) into the current row group, which is closed when it holds [`ROW_GROUP_ROWS`].
    fn write_batch(&mut self, rows: &[Row]) -> parquet::errors::Result<()> {
        let nulls = &self.nulls;
        self.writer
            .write_columns(rows.len(), &|i| array(i, rows, nulls))
    }

    /// Writes the remaining rows and the footer; returns the sink.
    pub fn finish(mut self) -> parquet::errors::Result<W> {
        if !self.rows.is_empty() {
            self.write_buffer()?;
        }
        self.writer.finish()
    }
}

/// Writes record batches that are already in the result schema (rows read back from dataset
/// parts) with the settings of [`ResultWriter`], so that the same rows in the same order give
/// the same file, byte for byte.
///
/// The Parquet writer closes a page when it holds `PAGE_ROWS` rows, checked at the end of each
/// batch it is given; [`ResultWriter`] hands it batches of `BATCH_ROWS`. A batch given here is
/// cut where the rows written so far reach a multiple of `BATCH_ROWS`, so the pages close at the
/// same rows whatever the sizes of the batches given.
pub struct BatchWriter<W: Write + Send> {
    encoder: Encoder<W>,
    schema: SchemaRef,
    rows: u64,
}

impl<W: Write + Send> BatchWriter<W> {
    pub fn new(out: W, metadata: Vec<(String, String)>) -> parquet::errors::Result<Self> {
        Self::with_properties(out, properties(metadata))
    }

    fn with_properties(out: W, props: WriterProperties) -> parquet::errors::Result<Self> {
        let schema = schema();
        Ok(BatchWriter {
            encoder: Encoder::new(out, schema.clone(), props)?,
            schema,
            rows: 0,
        })
    }

    /// Appends `batch`'s rows (its columns must have the result schema's types).
    pub fn write(&mut self, batch: &RecordBatch) -> parquet::errors::Result<()> {
        let batch = RecordBatch::try_new(self.schema.clone(), batch.columns().to_vec())?;
        self.write_columns(batch.num_rows(), &|i| batch.column(i).clone())
    }

    /// Appends `rows` rows whose column `i` is `column(i)`, cut where the rows written so far
    /// reach a multiple of `BATCH_ROWS` (a column of a cut batch is made again for each piece:
    /// [`ResultWriter`]'s batches are never cut unless it is given more rows than it was told).
    fn write_columns(
        &mut self,
        rows: usize,
        column: &(dyn Fn(usize) -> ArrayRef + Sync),
    ) -> parquet::errors::Result<()> {
        let mut offset = 0;
        while offset < rows {
            let to_boundary = BATCH_ROWS - (self.rows % BATCH_ROWS as u64) as usize;
            let len = to_boundary.min(rows - offset);
            if len == rows {
                self.encoder.write(rows, column)?;
            } else {
                self.encoder.write(len, &|i| column(i).slice(offset, len))?;
            }
            offset += len;
            self.rows += len as u64;
        }
        Ok(())
    }

    /// Writes the footer; returns the sink.
    pub fn finish(self) -> parquet::errors::Result<W> {
        self.encoder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{self, Counters};
    use crate::grid::Grid;
    use crate::output::columns::arrays;
    use crate::spec::Spec;

    /// 70 rows (not a multiple of the test writer's 30-row batches), some with histograms, some
    /// with null statistics (no spikes) and two label values.
    fn rows() -> Vec<Row> {
        let text = "[neuron]\nt_ref_ms = 2.0\n[simulation]\ndt_ms = 0.1\nduration_ms = 50.0\n\
                    neurons = 2\nisi_bin_ms = 1.0\n\
                    [[sweep]]\nmodel = \"noise\"\nmu_na = { start = 0.0, stop = 3.0, num = 7 }\n\
                    sigma_na = { start = 0.0, stop = 1.0, num = 5 }\n\
                    [[sweep]]\nmodel = \"constant\"\nmu_na = { start = 0.0, stop = 3.0, num = 35 }\n";
        let grid = Grid::new(&Spec::parse(text).unwrap());
        let mut rows = Vec::new();
        engine::run(&grid, &Counters::default(), |job, result| {
            rows.push((job.clone(), result));
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(rows.len(), 70);
        rows
    }

    #[test]
    fn arrays_of_many_rows_are_the_arrays_of_each_row() {
        let rows = rows();
        let all = arrays(&rows, &NullArrays::default());
        for (i, row) in rows.iter().enumerate() {
            let one = arrays(std::slice::from_ref(row), &NullArrays::default());
            for ((a, b), c) in all.iter().zip(&one).zip(COLUMNS.iter()) {
                assert_eq!(&a.slice(i, 1), b, "row {i}, column {}", c.name);
            }
        }
    }

    /// The file parquet-rs's ArrowWriter writes from `rows` in batches of `batch`, in row
    /// groups of `row_group_rows`: what the encoder must write, byte for byte.
    fn reference(rows: &[Row], batch: usize, row_group_rows: usize) -> Vec<u8> {
        let props = properties_with(Vec::new(), row_group_rows);
        let mut w =
            parquet::arrow::ArrowWriter::try_new(Vec::new(), schema(), Some(props)).unwrap();
        for chunk in rows.chunks(batch) {
            let columns = arrays(chunk, &NullArrays::default());
            w.write(&RecordBatch::try_new(schema(), columns).unwrap())
                .unwrap();
        }
        w.into_inner().unwrap()
    }

    /// `rows` through a [`ResultWriter`] of batches of `batch` and row groups of
    /// `row_group_rows`, its columns encoded on `pool` if given.
    fn encoded(
        rows: &[Row],
        batch: usize,
        row_group_rows: usize,
        pool: Option<&Arc<rayon::ThreadPool>>,
    ) -> Vec<u8> {
        let props = properties_with(Vec::new(), row_group_rows);
        let writer = BatchWriter::with_properties(Vec::new(), props).unwrap();
        let mut w = ResultWriter::with_writer(writer, batch as u64).unwrap();
        if let Some(pool) = pool {
            w = w.encode_on(pool.clone());
        }
        w.push_rows(&mut rows.to_vec()).unwrap();
        w.finish().unwrap()
    }

    fn row_groups(file: &[u8]) -> usize {
        use parquet::file::reader::FileReader;
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(file).unwrap();
        let reader = parquet::file::reader::SerializedFileReader::new(f).unwrap();
        reader.metadata().num_row_groups()
    }

    #[test]
    fn the_columns_encoded_side_by_side_are_the_file_arrow_writer_writes() {
        let rows = rows();
        let pools = [1, 2, 3].map(|n| Arc::new(engine::thread_pool(n).unwrap()));
        // (batch, row group, row groups): one row group; groups that end with a batch, inside
        // one (a batch cut in two) and after the last row; a short last group.
        for (batch, group, groups) in [
            (30, ROW_GROUP_ROWS, 1),
            (30, 30, 3),
            (30, 50, 2),
            (7, 20, 4),
            (30, 70, 1),
            (30, 69, 2),
        ] {
            let want = reference(&rows, batch, group);
            assert_eq!(row_groups(&want), groups, "batch {batch}, group {group}");
            assert!(
                encoded(&rows, batch, group, None) == want,
                "batch {batch}, group {group}, serial"
            );
            for pool in &pools {
                assert!(
                    encoded(&rows, batch, group, Some(pool)) == want,
                    "batch {batch}, group {group}, {} threads",
                    pool.current_num_threads()
                );
            }
        }
    }

    fn file(rows: &[Row], split: &[usize]) -> Vec<u8> {
        let mut w = ResultWriter::with_metadata(Vec::new(), Vec::new(), 30).unwrap();
        let mut rest = rows;
        for &n in split.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (these, more) = rest.split_at(n.min(rest.len()));
            if n == 1 {
                w.push(these[0].0.clone(), these[0].1.clone()).unwrap();
            } else {
                let mut v = these.to_vec();
                w.push_rows(&mut v).unwrap();
                assert!(v.is_empty() && v.capacity() >= these.len());
            }
            rest = more;
        }
        w.finish().unwrap()
    }

    #[test]
    fn rows_pushed_in_any_groups_give_the_same_file() {
        let rows = rows();
        let one_by_one = file(&rows, &[1]);
        for split in [
            &[30][..],
            &[70],
            &[61],
            &[2, 30, 1, 45],
            &[29, 31],
            &[60, 1],
        ] {
            assert!(file(&rows, split) == one_by_one, "split {split:?}");
        }
    }
}
