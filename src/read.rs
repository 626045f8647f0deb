//! Reading results back: a result file, or a dataset directory's finished parts in job order,
//! as one stream of record batches in the result schema (for `lifsweep plot` and the Python
//! package).

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::dataset::{self, Dataset, DatasetError};
use crate::output::{metadata, schema};

/// Rows decoded at a time.
const BATCH_ROWS: usize = 65_536;

/// Where a result's rows are.
#[derive(Clone, Debug)]
pub struct Results {
    /// The files holding the rows, in job order.
    pub files: Vec<PathBuf>,
    /// The result file's key-value metadata (for a dataset: what `merge` writes).
    pub metadata: Vec<(String, String)>,
    pub rows: u64,
    /// A dataset's chunks without a part (empty for a file).
    pub missing_chunks: Vec<usize>,
    /// The dataset directory, if the rows are a dataset's.
    pub dataset: Option<PathBuf>,
}

impl Results {
    /// Opens a result file, or a dataset directory (its sound parts).
    pub fn open(path: &Path) -> anyhow::Result<Results> {
        if path.is_dir() {
            let ds = Dataset::open(path)?;
            let found = dataset::scan(&ds)?;
            let chunks = ds.chunks();
            let (done, missing): (Vec<usize>, Vec<usize>) =
                (0..chunks.len()).partition(|&c| found.done[c]);
            Ok(Results {
                files: done
                    .iter()
                    .map(|&c| ds.parts_dir().join(ds.part_name(c)))
                    .collect(),
                metadata: metadata(&ds.spec.text),
                rows: done.iter().map(|&c| chunks.jobs_in(c)).sum(),
                missing_chunks: missing,
                dataset: Some(path.to_path_buf()),
            })
        } else {
            let (rows, metadata) = file_rows(path)?;
            Ok(Results {
                files: vec![path.to_path_buf()],
                metadata,
                rows,
                missing_chunks: Vec::new(),
                dataset: None,
            })
        }
    }

    /// Whether every job of the sweep has its row.
    pub fn complete(&self) -> bool {
        self.missing_chunks.is_empty()
    }

    /// The metadata value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The result schema, with the metadata as its own.
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new_with_metadata(
            schema().fields().clone(),
            self.metadata.iter().cloned().collect::<HashMap<_, _>>(),
        ))
    }

    /// The rows, in job order.
    pub fn batches(&self) -> Batches {
        Batches {
            schema: self.schema(),
            files: self.files.iter().cloned().collect(),
            current: None,
        }
    }
}

/// The rows and key-value metadata of a result file, checked to be in this lifsweep's schema.
fn file_rows(path: &Path) -> anyhow::Result<(u64, Vec<(String, String)>)> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let not_ours = || {
        DatasetError(format!(
            "{} is not a result file of this lifsweep ({})",
            path.display(),
            crate::VERSION
        ))
    };
    // One read of the footer: the key-value metadata, the row count and the Arrow schema.
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|_| not_ours())?;
    let meta = builder.metadata().file_metadata();
    let pairs: Vec<(String, String)> = meta
        .key_value_metadata()
        .map(|kv| {
            kv.iter()
                .filter(|k| k.key != "ARROW:schema")
                .map(|k| (k.key.clone(), k.value.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    if builder.schema().fields() != schema().fields() {
        return Err(DatasetError(format!("{}: its columns differ", not_ours())).into());
    }
    Ok((meta.num_rows() as u64, pairs))
}

/// The rows of several Parquet files, one after the other, in one schema.
pub struct Batches {
    schema: SchemaRef,
    files: VecDeque<PathBuf>,
    current: Option<ParquetRecordBatchReader>,
}

impl Iterator for Batches {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(reader) = &mut self.current {
                match reader.next() {
                    Some(Ok(batch)) => {
                        return Some(RecordBatch::try_new(
                            self.schema.clone(),
                            batch.columns().to_vec(),
                        ));
                    }
                    Some(Err(e)) => return Some(Err(e)),
                    None => self.current = None,
                }
            }
            let path = self.files.pop_front()?;
            let opened = File::open(&path)
                .map_err(|e| ArrowError::IoError(format!("opening {}", path.display()), e))
                .and_then(|f| {
                    ParquetRecordBatchReaderBuilder::try_new(f)
                        .and_then(|b| b.with_batch_size(BATCH_ROWS).build())
                        .map_err(|e| ArrowError::ExternalError(Box::new(e)))
                });
            match opened {
                Ok(reader) => self.current = Some(reader),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl RecordBatchReader for Batches {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}
