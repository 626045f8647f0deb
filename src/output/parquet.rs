//! The result file: one Parquet row per job (DESIGN.md's columns), zstd, bounded row groups,
//! the model column dictionary-encoded, and provenance in the file's key-value metadata.
//!
//! The columns are defined once, in [`super::columns`]; the schema is derived from it.

use std::io::Write;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use super::columns::{COLUMNS, Rows};
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
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
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
    rows: Rows,
    /// Rows buffered before they are handed to the Parquet writer.
    capacity: usize,
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
        let capacity = rows.clamp(1, BATCH_ROWS as u64) as usize;
        Ok(ResultWriter {
            writer: BatchWriter::new(out, metadata)?,
            rows: Rows::with_capacity(capacity),
            capacity,
        })
    }

    /// Adds a job's row (rows must come in job order).
    pub fn push(&mut self, job: Job, result: JobResult) -> parquet::errors::Result<()> {
        self.rows.push(job, result);
        if self.rows.len() >= self.capacity {
            self.hand_over()?;
        }
        Ok(())
    }

    /// Hands the buffered rows to the Parquet writer, which encodes them into the current row
    /// group (and closes it when it holds [`ROW_GROUP_ROWS`]).
    fn hand_over(&mut self) -> parquet::errors::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::replace(&mut self.rows, Rows::with_capacity(0));
        let arrays = rows.into_arrays();
        let batch = RecordBatch::try_new(self.writer.schema.clone(), arrays)?;
        self.writer.write(&batch)?;
        drop(batch);
        // The next buffer only once this one's memory is free (the peak stays one buffer).
        self.rows = Rows::with_capacity(self.capacity);
        Ok(())
    }

    /// Writes the remaining rows and the footer; returns the sink.
    pub fn finish(mut self) -> parquet::errors::Result<W> {
        self.hand_over()?;
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
    writer: ArrowWriter<W>,
    schema: SchemaRef,
    rows: u64,
}

impl<W: Write + Send> BatchWriter<W> {
    pub fn new(out: W, metadata: Vec<(String, String)>) -> parquet::errors::Result<Self> {
        let schema = schema();
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(properties(metadata)))?;
        Ok(BatchWriter {
            writer,
            schema,
            rows: 0,
        })
    }

    /// Appends `batch`'s rows (its columns must have the result schema's types).
    pub fn write(&mut self, batch: &RecordBatch) -> parquet::errors::Result<()> {
        let batch = RecordBatch::try_new(self.schema.clone(), batch.columns().to_vec())?;
        let mut offset = 0;
        while offset < batch.num_rows() {
            let to_boundary = BATCH_ROWS - (self.rows % BATCH_ROWS as u64) as usize;
            let len = to_boundary.min(batch.num_rows() - offset);
            self.writer.write(&batch.slice(offset, len))?;
            offset += len;
            self.rows += len as u64;
        }
        Ok(())
    }

    /// Writes the footer; returns the sink.
    pub fn finish(self) -> parquet::errors::Result<W> {
        self.writer.into_inner()
    }
}
