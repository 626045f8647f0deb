//! An output file that appears complete or not at all, and never replaces a file silently.
//!
//! Rows are written to a hidden temporary file beside the target, `.OUT.XXXXXX.partial` with a
//! random part (created exclusively, so a leftover of a killed run, or another run whose PID
//! is the same in another container, is never in the way); on success it is moved into place
//! (without `--force` by a rename that fails rather than replace a file that appeared
//! meanwhile) or renamed over the target (with `--force`). On failure, a stop or drop it is
//! removed.

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
    /// Removes the temporary file when dropped.
    tmp: tempfile::TempPath,
    force: bool,
}

/// Longest output name that keeps its name in the temporary file's (names are limited to 255
/// bytes; the temporary name adds 17).
const NAME_IN_TMP: usize = 200;

/// A new file in `dir` named `prefix` + a random part + `suffix`, created exclusively with the
/// permission bits `mode` less the umask (a result file reads like any other file the user
/// makes, not like a private temporary one).
pub fn new_file(
    dir: &Path,
    prefix: &str,
    suffix: &str,
    mode: u32,
) -> io::Result<tempfile::NamedTempFile> {
    use std::os::unix::fs::PermissionsExt;
    tempfile::Builder::new()
        .prefix(prefix)
        .suffix(suffix)
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempfile_in(dir)
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
        let name = name.to_string_lossy();
        let prefix = if name.len() <= NAME_IN_TMP {
            format!(".{name}.")
        } else {
            ".lifsweep.".to_string()
        };
        let tmp = new_file(&dir, &prefix, ".partial", 0o666).map_err(|e| {
            anyhow::anyhow!(
                "cannot create a temporary file in {} (for {}): {e}",
                dir.display(),
                path.display()
            )
        })?;
        let (file, tmp) = tmp.into_parts();
        Ok((
            AtomicOutput {
                path: path.to_path_buf(),
                tmp,
                force,
            },
            file,
        ))
    }

    /// Moves the finished file into place.
    pub fn commit(self) -> anyhow::Result<()> {
        let AtomicOutput { path, tmp, force } = self;
        let moved = if force {
            tmp.persist(&path)
        } else {
            tmp.persist_noclobber(&path)
        };
        match moved {
            Ok(()) => Ok(()),
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => {
                Err(OutputExists { path }.into())
            }
            Err(e) => Err(anyhow::anyhow!(
                "moving the result to {}: {}",
                path.display(),
                e.error
            )),
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
