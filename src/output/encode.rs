//! The Parquet encoding of a result file's rows, one column writer per column: parquet-rs's
//! [`ArrowColumnWriter`]s, which [`ArrowWriter`] drives one after another, driven here side by
//! side on the run's worker threads when there are two or more. The file is the same, byte for
//! byte, as [`ArrowWriter`] writes from the same batches (a test holds it to that); only who
//! encodes which column changes.
//!
//! Why: one thread encoding every column caps a run of many small jobs at what that thread
//! writes, about a million rows a second, however many cores the engine has (`docs/performance.md`).
//! The columns of a batch are independent: each has its own writer, pages and statistics.

use std::io::Write;
use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_schema::{FieldRef, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves,
};
use parquet::errors::{ParquetError, Result};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use rayon::prelude::*;

/// Writes columns of rows into a Parquet file in row groups of at most the properties' row
/// count.
pub struct Encoder<W: Write + Send> {
    file: SerializedFileWriter<W>,
    factory: ArrowRowGroupWriterFactory,
    fields: Vec<FieldRef>,
    /// The column writers of the row group in progress (none before its first rows).
    writers: Option<Vec<ArrowColumnWriter>>,
    /// Rows in the row group in progress.
    buffered: usize,
    row_group_rows: usize,
    /// Where the columns are encoded side by side; `None`: one after another on the caller's
    /// thread.
    pool: Option<Arc<rayon::ThreadPool>>,
}

impl<W: Write + Send> Encoder<W> {
    /// An encoder of rows of `schema` into `out`, with the settings `props` (which must bound
    /// the rows of a row group, and nothing else about them).
    pub fn new(out: W, schema: SchemaRef, props: WriterProperties) -> Result<Self> {
        let row_group_rows = props
            .max_row_group_row_count()
            .ok_or_else(|| ParquetError::General("row groups need a row limit".into()))?;
        if props.max_row_group_bytes().is_some() || props.content_defined_chunking().is_some() {
            return Err(ParquetError::General(
                "row groups are cut by their row count alone".into(),
            ));
        }
        // ArrowWriter sets the file up (the Parquet schema, the Arrow schema in the metadata)
        // and hands over its file writer and its factory of column writers.
        let (file, factory) =
            ArrowWriter::try_new(out, schema.clone(), Some(props))?.into_serialized_writer()?;
        Ok(Encoder {
            file,
            factory,
            fields: schema.fields().iter().cloned().collect(),
            writers: None,
            buffered: 0,
            row_group_rows,
            pool: None,
        })
    }

    /// Encodes the columns side by side on `pool`'s threads (the caller waits for them).
    ///
    /// The pool must have a thread free to take the work while the caller waits: with one
    /// thread, which could be waiting for the caller (an engine blocked on a full queue of
    /// rows), the two would wait for each other. So a pool of one thread is not used.
    pub fn encode_on(&mut self, pool: Arc<rayon::ThreadPool>) {
        self.pool = (pool.current_num_threads() >= 2).then_some(pool);
    }

    /// Appends `rows` rows, column `i` of them being `column(i)` (of `rows` entries, of the
    /// schema's type). Column `i` is made and encoded by one task, on whichever thread; a batch
    /// that crosses the end of a row group is cut there, as [`ArrowWriter`] cuts it.
    pub fn write(
        &mut self,
        rows: usize,
        column: &(dyn Fn(usize) -> ArrayRef + Sync),
    ) -> Result<()> {
        let mut done = 0;
        while done < rows {
            let len = (self.row_group_rows - self.buffered).min(rows - done);
            if len == rows {
                self.encode(column)?;
            } else {
                self.encode(&|i| column(i).slice(done, len))?;
            }
            done += len;
            self.buffered += len;
            if self.buffered >= self.row_group_rows {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Encodes one column array per column writer of the row group in progress.
    fn encode(&mut self, column: &(dyn Fn(usize) -> ArrayRef + Sync)) -> Result<()> {
        let writers = match &mut self.writers {
            Some(w) => w,
            none => {
                let w = self
                    .factory
                    .create_column_writers(self.file.flushed_row_groups().len())?;
                if w.len() != self.fields.len() {
                    return Err(ParquetError::General(
                        "a column of several Parquet leaves".into(),
                    ));
                }
                none.insert(w)
            }
        };
        let fields = &self.fields;
        let one = |(i, writer): (usize, &mut ArrowColumnWriter)| -> Result<()> {
            let array = column(i);
            let field = &fields[i];
            if array.data_type() != field.data_type() {
                return Err(ParquetError::General(format!(
                    "column {} is {}, not {}",
                    field.name(),
                    array.data_type(),
                    field.data_type()
                )));
            }
            for leaf in compute_leaves(field, &array)? {
                writer.write(&leaf)?;
            }
            Ok(())
        };
        match &self.pool {
            Some(pool) => pool.install(|| {
                writers
                    .par_iter_mut()
                    .enumerate()
                    .with_max_len(1)
                    .try_for_each(one)
            }),
            None => writers.iter_mut().enumerate().try_for_each(one),
        }
    }

    /// Closes the row group in progress (its last pages are compressed on the pool too) and
    /// appends it to the file.
    fn flush(&mut self) -> Result<()> {
        let Some(writers) = self.writers.take() else {
            return Ok(());
        };
        let chunks: Vec<ArrowColumnChunk> = match &self.pool {
            Some(pool) => pool.install(|| {
                writers
                    .into_par_iter()
                    .map(|w| w.close())
                    .collect::<Result<_>>()
            })?,
            None => writers
                .into_iter()
                .map(|w| w.close())
                .collect::<Result<_>>()?,
        };
        let mut row_group = self.file.next_row_group()?;
        for chunk in chunks {
            chunk.append_to_row_group(&mut row_group)?;
        }
        row_group.close()?;
        self.buffered = 0;
        Ok(())
    }

    /// Writes the last row group and the footer; returns the sink.
    pub fn finish(mut self) -> Result<W> {
        self.flush()?;
        self.file.into_inner()
    }
}
