//! Dataset directories: a sweep run as chunks of jobs, each finished chunk one complete,
//! immutable Parquet part file, so that a run can be killed at any moment and continued, and
//! spread over the tasks of a cluster job array (`--shard I/N`). No coordination between tasks:
//! a part's bytes depend only on the spec and the chunk, so two tasks racing on one chunk write
//! the same file.
//!
//! ```text
//! DIR/lifsweep.toml        the manifest (spec, versions, schema, chunk boundaries, shards)
//! DIR/parts/part-000123.parquet   one per finished chunk; nothing else ever stands here
//! DIR/tmp/                 parts being written, renamed into parts/ once fsynced
//! DIR/logs/                SLURM's logs (lifsweep slurm)
//! DIR/lifsweep.sbatch      the job-array script (lifsweep slurm)
//! ```

mod chunks;
mod manifest;
mod merge;
mod parts;
mod run;
mod slurm;
mod status;

pub use chunks::{CHUNK_SECONDS, Chunks, MAX_CHUNKS, Shard, array_list};
pub use manifest::{Identity, Manifest};
pub use merge::merge;
pub use parts::{PartWriter, STALE_TMP, Scan, check_part, scan};
pub use run::{DatasetRun, DatasetSummary, run_dataset};
pub use slurm::{SlurmOptions, check_options, shell_quote, submit_hint, write_sbatch};
pub use status::Status;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::grid::Grid;
use crate::output::new_file;
use crate::spec::Spec;

/// A dataset directory that cannot be used as asked (exit status 2): not a dataset, another
/// spec, another version, a shard out of range, ...
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DatasetError(pub String);

const MANIFEST: &str = "lifsweep.toml";

/// An open dataset directory whose manifest matches this build.
pub struct Dataset {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub spec: Spec,
    pub grid: Grid,
}

impl Dataset {
    /// Opens an existing dataset.
    pub fn open(dir: &Path) -> Result<Dataset, DatasetError> {
        if !dir.join(MANIFEST).exists() {
            return Err(DatasetError(format!(
                "{} is not a lifsweep dataset directory (it has no {MANIFEST}); make one with \
                 `lifsweep run SPEC --dataset {}`",
                dir.display(),
                dir.display()
            )));
        }
        let manifest = Manifest::read(&dir.join(MANIFEST))?;
        let differences = manifest.identity.differences(&Identity::current());
        if !differences.is_empty() {
            return Err(DatasetError(format!(
                "{} cannot be used by this lifsweep: {}. Continue it with the lifsweep that made \
                 it, or start a new dataset directory",
                dir.display(),
                differences.join("; ")
            )));
        }
        let spec = Spec::parse(&manifest.spec).map_err(|e| {
            DatasetError(format!(
                "the spec recorded in {} is not valid for this lifsweep: {e}",
                dir.join(MANIFEST).display()
            ))
        })?;
        let grid = Grid::new(&spec);
        if grid.len() != manifest.chunks.jobs() {
            return Err(DatasetError(format!(
                "{}: its spec has {} jobs, its manifest says {}",
                dir.display(),
                grid.len(),
                manifest.chunks.jobs()
            )));
        }
        Ok(Dataset {
            dir: dir.to_path_buf(),
            manifest,
            spec,
            grid,
        })
    }

    /// Opens `dir`, or makes it from `spec` (the compiled-in default sweep without one) if it
    /// does not exist or is empty. On an existing dataset, `spec` (if given) must be the one it
    /// was made from, and `chunk_jobs` (if given) the value it was made with.
    pub fn open_or_create(
        dir: &Path,
        spec: Option<Spec>,
        chunk_jobs: Option<u64>,
    ) -> Result<Dataset, DatasetError> {
        if chunk_jobs == Some(0) {
            return Err(DatasetError(
                "--chunk-jobs 0 is not allowed: give 1 or more jobs per chunk".into(),
            ));
        }
        if !exists(dir) {
            if let Some(existing) = foreign_content(dir)? {
                return Err(DatasetError(existing));
            }
            // Racing another process making it: one manifest is linked, the other dropped, and
            // both processes check their spec against the one that stands (below).
            let made = spec.clone().unwrap_or_else(Spec::default_sweep);
            create(dir, &made, chunk_jobs)?;
        }
        let ds = Dataset::open(dir)?;
        if let Some(spec) = spec
            && spec.text != ds.spec.text
        {
            return Err(DatasetError(format!(
                "{} was made from another spec ({}). Run it without a SPEC to continue it with its \
                 own, or give a new --dataset directory",
                dir.display(),
                first_difference(&ds.spec.text, &spec.text)
            )));
        }
        if let Some(k) = chunk_jobs
            && k != ds.manifest.chunk_jobs
        {
            let made = match ds.manifest.chunk_jobs {
                0 => "chunks cut by estimated cost (no --chunk-jobs)".to_string(),
                k => format!("--chunk-jobs {k}"),
            };
            return Err(DatasetError(format!(
                "--chunk-jobs {k} is not allowed here: {} was made with {made}, and its chunk \
                 boundaries are fixed; leave --chunk-jobs out to continue it",
                dir.display()
            )));
        }
        Ok(ds)
    }

    pub fn parts_dir(&self) -> PathBuf {
        self.dir.join("parts")
    }

    pub fn tmp_dir(&self) -> PathBuf {
        self.dir.join("tmp")
    }

    pub fn chunks(&self) -> &Chunks {
        &self.manifest.chunks
    }

    /// The file name of chunk `c`'s part (names sort in job order).
    pub fn part_name(&self, c: usize) -> String {
        let width = (self.chunks().len().saturating_sub(1))
            .to_string()
            .len()
            .max(6);
        format!("part-{c:0width$}.parquet")
    }

    /// The chunk a part file name stands for, if it is one of this dataset's names.
    pub fn chunk_of_name(&self, name: &str) -> Option<usize> {
        let digits = name.strip_prefix("part-")?.strip_suffix(".parquet")?;
        let c: usize = digits.parse().ok()?;
        (c < self.chunks().len() && self.part_name(c) == name).then_some(c)
    }

    /// Checks the dataset's shard `shard` against its chunks.
    pub fn check_shard(&self, shard: Shard) -> Result<(), DatasetError> {
        let n = self.chunks().len() as u64;
        if shard.count > n {
            return Err(DatasetError(format!(
                "--shard {shard} is not allowed: {} has {n} chunks, so at most {n} shards; use \
                 N <= {n}",
                self.dir.display()
            )));
        }
        Ok(())
    }

    /// Estimated single-thread seconds and neuron-steps of each chunk.
    pub fn chunk_costs(&self) -> Vec<(f64, u64)> {
        let mut costs = vec![(0.0, 0u64); self.chunks().len()];
        for job in self.grid.jobs() {
            let c = &mut costs[self.chunks().of(job.id)];
            c.0 += crate::plan::job_seconds(&job);
            c.1 += job.neuron_steps();
        }
        costs
    }

    /// Records `shards` as the dataset's shard count (one atomic replacement of the manifest).
    pub fn set_shards(&mut self, shards: u64) -> anyhow::Result<()> {
        if self.manifest.shards == Some(shards) {
            return Ok(());
        }
        self.manifest.shards = Some(shards);
        let text = self.manifest.to_toml();
        install_file(
            &self.tmp_dir(),
            &self.dir.join(MANIFEST),
            text.as_bytes(),
            0o666,
            true,
        )?;
        Ok(())
    }
}

/// Whether `dir` holds a dataset (its manifest).
pub fn exists(dir: &Path) -> bool {
    dir.join(MANIFEST).exists()
}

/// Why `dir` cannot become a new dataset, if it cannot: it is a file, or a directory with
/// other things in it. A dataset that another process is making at this moment is no obstacle:
/// neither its skeleton (empty `parts/`, `tmp/` and `logs/`, the manifest not yet linked) nor,
/// once its manifest is linked, its parts.
fn foreign_content(dir: &Path) -> Result<Option<String>, DatasetError> {
    if dir.exists() && !dir.is_dir() {
        return Ok(Some(format!(
            "--dataset {} is a file, not a directory; give a new directory name",
            dir.display()
        )));
    }
    if !dir.exists() {
        return Ok(None);
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| DatasetError(format!("cannot read {}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let skeleton = matches!(name.to_str(), Some("tmp" | "logs"))
            || (name == "parts"
                && std::fs::read_dir(entry.path()).is_ok_and(|mut d| d.next().is_none()));
        // What another process made between the caller's look for the manifest and this one
        // (the manifest itself, then its parts) belongs to a dataset: the manifest is linked
        // before any part is written and is never removed, so it stands by now.
        let of_a_dataset = (skeleton && entry.path().is_dir()) || exists(dir);
        if !of_a_dataset {
            return Ok(Some(format!(
                "--dataset {} already exists and is not a lifsweep dataset (it has no \
                 {MANIFEST}, and holds {}); give a new or empty directory",
                dir.display(),
                name.to_string_lossy()
            )));
        }
    }
    Ok(None)
}

/// Makes a new dataset directory. Safe against another process making it at the same moment:
/// the manifest is linked into place, never replaced, and the loser opens the winner's (and
/// checks its spec and `--chunk-jobs` against it, as on any existing dataset).
fn create(dir: &Path, spec: &Spec, chunk_jobs: Option<u64>) -> Result<(), DatasetError> {
    let io = |what: &str, e: std::io::Error| {
        DatasetError(format!("cannot make {what} in {}: {e}", dir.display()))
    };
    for sub in ["parts", "tmp", "logs"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|e| io(sub, e))?;
    }
    let chunks = Chunks::for_spec(spec, chunk_jobs);
    let manifest = Manifest {
        identity: Identity::current(),
        spec: spec.text.clone(),
        chunk_jobs: chunk_jobs.unwrap_or(0),
        chunks,
        shards: None,
    };
    // Never replaces: a manifest another process linked first stands, and is opened.
    let text = manifest.to_toml();
    install_file(
        &dir.join("tmp"),
        &dir.join(MANIFEST),
        text.as_bytes(),
        0o666,
        false,
    )
    .map_err(|e| io(MANIFEST, e))?;
    Ok(())
}

/// Puts `bytes` at `target` in one step, so that a reader sees the old file or the new one,
/// never a part: written to a new file in `tmp_dir` (permission bits `mode` less the umask),
/// fsynced, renamed over `target` (with `replace`; else linked only where nothing stands, and
/// `Ok(false)` when something already did), and `target`'s directory fsynced.
pub(crate) fn install_file(
    tmp_dir: &Path,
    target: &Path,
    bytes: &[u8],
    mode: u32,
    replace: bool,
) -> std::io::Result<bool> {
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let mut tmp = new_file(tmp_dir, &format!("{name}."), ".tmp", mode)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    let placed = if replace {
        tmp.persist(target).map_err(|e| e.error)?;
        true
    } else {
        match tmp.persist_noclobber(target) {
            Ok(_) => true,
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => false,
            Err(e) => return Err(e.error),
        }
    };
    File::open(target.parent().unwrap_or(Path::new(".")))?.sync_all()?;
    Ok(placed)
}

/// Where two spec texts first differ, for messages.
fn first_difference(theirs: &str, ours: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (theirs.lines().collect(), ours.lines().collect());
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i), b.get(i));
        if x != y {
            let show = |l: Option<&&str>| l.map_or("(no line)".to_string(), |l| format!("{l:?}"));
            return format!(
                "line {} is {} there and {} in the spec given",
                i + 1,
                show(x),
                show(y)
            );
        }
    }
    "the texts differ in their line endings".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_dataset_or_its_skeleton_may_stand_where_one_is_made() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("ds");
        assert_eq!(foreign_content(&d).unwrap(), None);
        for sub in ["parts", "tmp", "logs"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        std::fs::write(d.join("tmp").join("lifsweep.toml.x.tmp"), "").unwrap();
        assert_eq!(foreign_content(&d).unwrap(), None);
        // A part without a manifest is someone else's file.
        std::fs::write(d.join("parts").join("part-000000.parquet"), "").unwrap();
        let why = foreign_content(&d).unwrap().unwrap();
        assert!(why.contains("holds parts"), "{why}");
        // Once a manifest stands (another process linked it after the caller looked), the
        // directory is a dataset, whatever else is in it: the caller opens and checks it.
        std::fs::write(d.join(MANIFEST), "").unwrap();
        assert_eq!(foreign_content(&d).unwrap(), None);
        let other = dir.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("notes.txt"), "mine").unwrap();
        let why = foreign_content(&other).unwrap().unwrap();
        assert!(why.contains("holds notes.txt"), "{why}");
        std::fs::write(dir.path().join("file"), "").unwrap();
        let why = foreign_content(&dir.path().join("file")).unwrap().unwrap();
        assert!(why.contains("is a file"), "{why}");
    }
}
