//! An output file that appears complete or not at all, and never replaces a file silently.
//!
//! Rows are written to a hidden temporary file beside the target; on success it is linked into
//! place (without `--force` a hard link, which fails rather than replace a file that appeared
//! meanwhile) or renamed over the target (with `--force`). On failure or drop it is removed.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// The output exists and `--force` was not given.
#[derive(Debug, thiserror::Error)]
#[error("{} already exists; pass --force to overwrite it, or -o to write elsewhere", path.display())]
pub struct OutputExists {
    pub path: PathBuf,
}

/// The output path cannot be written (its folder is missing, it is a folder, ...).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadOutput(pub String);

pub struct AtomicOutput {
    path: PathBuf,
    tmp: PathBuf,
    force: bool,
    done: bool,
}

impl AtomicOutput {
    /// Checks that `path` may be written and opens the temporary file beside it.
    pub fn create(path: &Path, force: bool) -> anyhow::Result<(AtomicOutput, File)> {
        if path.is_dir() {
            return Err(BadOutput(format!(
                "-o {} is a directory; give a file name",
                path.display()
            ))
            .into());
        }
        if !force && path.exists() {
            return Err(OutputExists {
                path: path.to_path_buf(),
            }
            .into());
        }
        let name = path
            .file_name()
            .ok_or_else(|| BadOutput(format!("-o {} has no file name", path.display())))?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(BadOutput(format!(
                "-o {}: the folder {} does not exist",
                path.display(),
                dir.display()
            ))
            .into());
        }
        let tmp = dir.join(format!(
            ".{}.{}.partial",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = File::create_new(&tmp).map_err(|e| {
            anyhow::anyhow!(
                "cannot create {} (for {}): {e}",
                tmp.display(),
                path.display()
            )
        })?;
        Ok((
            AtomicOutput {
                path: path.to_path_buf(),
                tmp,
                force,
                done: false,
            },
            file,
        ))
    }

    /// Moves the finished file into place.
    pub fn commit(mut self) -> anyhow::Result<()> {
        if self.force {
            std::fs::rename(&self.tmp, &self.path)?;
        } else {
            match std::fs::hard_link(&self.tmp, &self.path) {
                Ok(()) => std::fs::remove_file(&self.tmp)?,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(OutputExists {
                        path: self.path.clone(),
                    }
                    .into());
                }
                // File systems without hard links: check, then rename.
                Err(_) if !self.path.exists() => std::fs::rename(&self.tmp, &self.path)?,
                Err(e) => return Err(e.into()),
            }
        }
        self.done = true;
        Ok(())
    }
}

impl Drop for AtomicOutput {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn never_replaces_without_force_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.parquet");
        std::fs::write(&path, b"mine").unwrap();
        assert!(AtomicOutput::create(&path, false).is_err());

        // A file that appears while the run is going is not replaced either.
        let other = dir.path().join("late.parquet");
        let (out, mut f) = AtomicOutput::create(&other, false).unwrap();
        f.write_all(b"new").unwrap();
        std::fs::write(&other, b"late").unwrap();
        assert!(out.commit().is_err());
        assert_eq!(std::fs::read(&other).unwrap(), b"late");

        let (out, mut f) = AtomicOutput::create(&path, true).unwrap();
        f.write_all(b"new").unwrap();
        out.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");

        // Dropped without commit: nothing left behind.
        let third = dir.path().join("third.parquet");
        drop(AtomicOutput::create(&third, false).unwrap());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
