//! Part files: one per finished chunk. A part is encoded in memory, written to `DIR/tmp/`
//! under a unique name, fsynced, renamed into `DIR/parts/` and the directory fsynced, so a part
//! in `parts/` is always complete, and a kill at any moment leaves at most a temporary file.
//! Its bytes depend only on the spec and the chunk (no host, time, process or shard).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::manifest::schema_fingerprint;
use super::{Dataset, install_file};
use crate::engine::JobResult;
use crate::job::Job;
use crate::output::{ResultWriter, RowSink, metadata};

/// The key-value metadata of chunk `c`'s part: a result file's, plus the chunk and its jobs.
pub fn part_metadata(ds: &Dataset, c: usize) -> Vec<(String, String)> {
    let mut kv = metadata(&ds.spec.text);
    kv.push(("lifsweep.chunk".into(), chunk_label(ds, c)));
    kv
}

fn chunk_label(ds: &Dataset, c: usize) -> String {
    let r = ds.chunks().range(c);
    format!("{c} of {}: jobs {}..{}", ds.chunks().len(), r.start, r.end)
}

/// Checks that `path` is chunk `c`'s part, from its footer: a readable Parquet file with the
/// dataset's schema, spec and chunk, and one row per job of the chunk. Says what is wrong.
pub fn check_part(ds: &Dataset, c: usize, path: &Path) -> Result<(), String> {
    let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| format!("not a readable Parquet file: {e}"))?;
    let fingerprint = schema_fingerprint(builder.schema());
    if fingerprint != ds.manifest.identity.schema {
        return Err(format!("its columns [{fingerprint}] are not the dataset's"));
    }
    let meta = builder.metadata().file_metadata();
    let kv = meta.key_value_metadata().cloned().unwrap_or_default();
    for (key, value) in part_metadata(ds, c) {
        match kv.iter().find(|e| e.key == key) {
            Some(e) if e.value.as_deref() == Some(value.as_str()) => {}
            Some(e) => {
                let shown = e
                    .value
                    .as_deref()
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("");
                return Err(format!(
                    "its {key} is {shown:?}, the dataset's is {:?}",
                    value.lines().next().unwrap_or("")
                ));
            }
            None => return Err(format!("it has no {key}")),
        }
    }
    let expect = ds.chunks().jobs_in(c);
    if meta.num_rows() as u64 != expect {
        return Err(format!(
            "it has {} rows, chunk {c} has {expect} jobs",
            meta.num_rows()
        ));
    }
    Ok(())
}

/// Writes rows, which come in job order over whole chunks, as part files; a chunk whose rows
/// stop short (the run was stopped) is dropped.
pub struct PartWriter {
    ds: Arc<Dataset>,
    current: Option<OpenPart>,
    written: Vec<usize>,
    /// Parts written so far, for progress reports.
    count: Arc<AtomicU64>,
    /// Where the parts' columns are encoded (see [`ResultWriter::encode_on`]).
    pool: Arc<rayon::ThreadPool>,
}

struct OpenPart {
    chunk: usize,
    left: u64,
    writer: ResultWriter<Vec<u8>>,
}

impl PartWriter {
    /// A writer of `ds`'s parts, counting them in `count`, their columns encoded on `pool`.
    pub fn new(
        ds: Arc<Dataset>,
        count: Arc<AtomicU64>,
        pool: Arc<rayon::ThreadPool>,
    ) -> PartWriter {
        PartWriter {
            ds,
            current: None,
            written: Vec::new(),
            count,
            pool,
        }
    }

    fn commit(&self, c: usize, bytes: &[u8]) -> anyhow::Result<()> {
        let target = self.ds.parts_dir().join(self.ds.part_name(c));
        // Replaces a part another process finished meanwhile: the bytes are the same.
        install_file(&self.ds.tmp_dir(), &target, bytes, 0o666, true)
            .with_context(|| format!("writing the finished part {}", target.display()))?;
        Ok(())
    }
}

impl RowSink for PartWriter {
    type Output = Vec<usize>;

    fn push(&mut self, job: Job, result: JobResult) -> anyhow::Result<()> {
        let c = self.ds.chunks().of(job.id);
        let part = match &mut self.current {
            Some(p) if p.chunk == c => p,
            _ => {
                let range = self.ds.chunks().range(c);
                assert_eq!(job.id, range.start, "a chunk's rows start at its first job");
                let rows = range.end - range.start;
                let writer =
                    ResultWriter::with_metadata(Vec::new(), part_metadata(&self.ds, c), rows)?
                        .encode_on(self.pool.clone());
                self.current.insert(OpenPart {
                    chunk: c,
                    left: rows,
                    writer,
                })
            }
        };
        part.writer.push(job, result)?;
        part.left -= 1;
        if part.left == 0 {
            let part = self.current.take().expect("the open part");
            let bytes = part.writer.finish()?;
            self.commit(part.chunk, &bytes)?;
            self.written.push(part.chunk);
            self.count.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    fn finish(self) -> anyhow::Result<Vec<usize>> {
        Ok(self.written)
    }
}

/// What stands in a dataset's directories.
pub struct Scan {
    /// Per chunk: its part is there and sound.
    pub done: Vec<bool>,
    /// Parts that fail the check: chunk, file name, what is wrong (redone by the next run).
    pub bad: Vec<(usize, String, String)>,
    /// Files in parts/ that are not this dataset's part names (readers of parts/*.parquet
    /// would read them too).
    pub foreign: Vec<String>,
    /// Temporary files in tmp/, with their age.
    pub tmp: Vec<(PathBuf, Duration)>,
}

impl Scan {
    pub fn done_count(&self) -> usize {
        self.done.iter().filter(|&&d| d).count()
    }
}

/// Lists and checks the parts (footers only) and the temporary files.
pub fn scan(ds: &Dataset) -> anyhow::Result<Scan> {
    let mut scan = Scan {
        done: vec![false; ds.chunks().len()],
        bad: Vec::new(),
        foreign: Vec::new(),
        tmp: Vec::new(),
    };
    let parts = ds.parts_dir();
    for entry in
        std::fs::read_dir(&parts).with_context(|| format!("cannot read {}", parts.display()))?
    {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        match ds.chunk_of_name(&name) {
            Some(c) => match check_part(ds, c, &entry.path()) {
                Ok(()) => scan.done[c] = true,
                Err(why) => scan.bad.push((c, name, why)),
            },
            None => scan.foreign.push(name),
        }
    }
    scan.bad.sort();
    scan.foreign.sort();
    if let Ok(entries) = std::fs::read_dir(ds.tmp_dir()) {
        for entry in entries.flatten() {
            let age = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .unwrap_or_default();
            scan.tmp.push((entry.path(), age));
        }
    }
    scan.tmp.sort();
    Ok(scan)
}

/// Temporary files older than this are left over from a killed run and removed: a part is
/// encoded in memory and stands in tmp/ only while it is written and fsynced.
pub const STALE_TMP: Duration = Duration::from_secs(3600);
