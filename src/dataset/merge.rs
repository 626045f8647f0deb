//! `lifsweep merge DIR -o OUT`: one file from a complete dataset, with the rows, order, schema
//! and key-value metadata that `lifsweep run SPEC -o OUT` writes on one machine, byte for byte
//! (the parts' rows go through the same writer settings, cut into the same pages).

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use anyhow::Context;
use arrow_array::{Array, UInt64Array};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::chunks::array_list;
use super::parts::scan;
use super::{Dataset, DatasetError};
use crate::output::{AtomicOutput, BatchWriter, metadata};

/// Rows read from a part at a time.
const READ_ROWS: usize = 8_192;

/// Merges the parts of the dataset in `dir` into `out`; returns the number of rows.
pub fn merge(dir: &Path, out: &Path, force: bool) -> anyhow::Result<u64> {
    let ds = Dataset::open(dir)?;
    let found = scan(&ds)?;
    let missing: Vec<usize> = (0..ds.chunks().len()).filter(|&c| !found.done[c]).collect();
    if !missing.is_empty() {
        let shards = match ds.manifest.shards {
            Some(n) => format!(
                " (shards {} of {n})",
                array_list(
                    missing
                        .iter()
                        .map(|&c| c as u64 % n)
                        .collect::<std::collections::BTreeSet<_>>()
                )
            ),
            None => String::new(),
        };
        let bad = found
            .bad
            .iter()
            .map(|(c, name, why)| format!("\n  chunk {c}: parts/{name} is unusable: {why}"))
            .collect::<String>();
        return Err(DatasetError(format!(
            "{} is not complete: {} of {} chunks have no sound part: chunks {}{shards}{bad}\nrun \
             the missing chunks first (`lifsweep status {}` shows them)",
            dir.display(),
            missing.len(),
            ds.chunks().len(),
            array_list(missing.iter().map(|&c| c as u64)),
            dir.display()
        ))
        .into());
    }
    if !found.foreign.is_empty() {
        eprintln!(
            "warning: {} also holds {} (not merged; readers of parts/*.parquet would read them)",
            ds.parts_dir().display(),
            found.foreign.join(", ")
        );
    }

    let out_dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if out_dir.canonicalize().ok() == ds.parts_dir().canonicalize().ok() {
        return Err(DatasetError(format!(
            "-o {} is not allowed: nothing but parts may stand in {} (readers of \
             parts/*.parquet would read the merged rows twice); write it elsewhere",
            out.display(),
            ds.parts_dir().display()
        ))
        .into());
    }
    let (output, file) = AtomicOutput::create(out, force)?;
    if let Some(w) = output.leftovers_warning() {
        eprintln!("warning: {w}");
    }
    let mut writer = BatchWriter::new(BufWriter::new(file), metadata(&ds.spec.text))?;
    let mut next_id = 0u64;
    for c in 0..ds.chunks().len() {
        let path = ds.parts_dir().join(ds.part_name(c));
        let reader = ParquetRecordBatchReaderBuilder::try_new(
            File::open(&path).with_context(|| format!("opening {}", path.display()))?,
        )
        .and_then(|b| b.with_batch_size(READ_ROWS).build())
        .with_context(|| format!("reading {}", path.display()))?;
        for batch in reader {
            let batch = batch.with_context(|| format!("reading {}", path.display()))?;
            let ids = batch
                .column_by_name("job_id")
                .and_then(|a| a.as_any().downcast_ref::<UInt64Array>())
                .context("a part without a job_id column")?;
            for id in ids.values() {
                if ids.null_count() > 0 || *id != next_id {
                    return Err(DatasetError(format!(
                        "{} holds job {id} where job {next_id} belongs: the part is damaged; \
                         remove it and run the dataset again to redo chunk {c}",
                        path.display()
                    ))
                    .into());
                }
                next_id += 1;
            }
            writer.write(&batch)?;
        }
        if next_id != ds.chunks().range(c).end {
            return Err(DatasetError(format!(
                "{} ends at job {next_id}, chunk {c} at job {}: the part is damaged",
                path.display(),
                ds.chunks().range(c).end
            ))
            .into());
        }
    }
    let file = writer
        .finish()?
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("writing {}", out.display()))?;
    file.sync_all()?;
    drop(file);
    output.commit()?;
    Ok(next_id)
}
