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

/// The output path cannot be written (its folder is missing, it is a folder or a device, ...).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadOutput(pub String);

/// The output appeared while the run was going (another run to the same file?): the finished
/// result was kept under another name.
#[derive(Debug, thiserror::Error)]
#[error(
    "{} appeared while this run was going (another run writing it?) and was left as it is; \
     this run's complete result is in {}",
    path.display(),
    kept.display()
)]
pub struct OutputAppeared {
    pub path: PathBuf,
    pub kept: PathBuf,
}

pub struct AtomicOutput {
    /// Where the result goes (a symbolic link's target, with `--force`).
    path: PathBuf,
    /// Removes the temporary file when dropped.
    tmp: tempfile::TempPath,
    force: bool,
    /// Temporary files of earlier runs to the same output (killed, or still running).
    pub leftovers: Vec<PathBuf>,
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

/// What kind of thing `m` is, for messages.
fn kind(m: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

/// The file a result for `path` is written to: `path` itself, or with `force` the target of
/// the symbolic link `path` (so the link stays). Refuses what is not a regular file or absent.
fn target(path: &Path, force: bool) -> Result<PathBuf, anyhow::Error> {
    let shown = path.display();
    let stat = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(path.to_path_buf()),
        Err(e) => return Err(BadOutput(format!("-o {shown}: {e}")).into()),
        Ok(m) => m,
    };
    let (stat, resolved) = if stat.file_type().is_symlink() {
        let link = std::fs::read_link(path).unwrap_or_default();
        match std::fs::metadata(path) {
            Ok(m) => (m, std::fs::canonicalize(path)?),
            Err(_) => {
                return Err(BadOutput(format!(
                    "-o {shown} is a symbolic link to {}, which does not exist; remove the link \
                     or give another name",
                    link.display()
                ))
                .into());
            }
        }
    } else {
        (stat, path.to_path_buf())
    };
    if !stat.is_file() {
        return Err(BadOutput(format!(
            "-o {shown} is {}: lifsweep writes its result only to a regular file (or a new one), \
             with or without --force",
            kind(&stat)
        ))
        .into());
    }
    if !force {
        return Err(OutputExists {
            path: path.to_path_buf(),
        }
        .into());
    }
    Ok(resolved)
}

impl AtomicOutput {
    /// A warning naming the temporary files of earlier runs to the same output, if any.
    pub fn leftovers_warning(&self) -> Option<String> {
        (!self.leftovers.is_empty()).then(|| {
            let names: Vec<String> = self
                .leftovers
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            format!(
                "temporary files of earlier runs to {} stand beside it: {} (left by killed runs, \
                 or written by a run still going; remove them once none is)",
                self.path.display(),
                names.join(", ")
            )
        })
    }

    /// Checks that `path` may be written (a new file, or with `force` a regular file or a
    /// symbolic link to one) and opens the temporary file beside it, so that an output that
    /// cannot be written is refused before any work.
    pub fn create(path: &Path, force: bool) -> anyhow::Result<(AtomicOutput, File)> {
        let target = target(path, force)?;
        let name = target
            .file_name()
            .ok_or_else(|| BadOutput(format!("-o {} has no file name", path.display())))?
            .to_string_lossy()
            .into_owned();
        let dir = match target.parent() {
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
        let prefix = if name.len() <= NAME_IN_TMP {
            format!(".{name}.")
        } else {
            ".lifsweep.".to_string()
        };
        let tmp = new_file(&dir, &prefix, ".partial", 0o666).map_err(|e| {
            BadOutput(format!(
                "-o {}: cannot write in {} ({e})",
                path.display(),
                dir.display()
            ))
        })?;
        let (file, tmp) = tmp.into_parts();
        // By name, not by path: tempfile makes the temporary file's path absolute, while
        // `read_dir` of a relative folder (`-o results.parquet`: ".") gives relative paths, so
        // comparing paths counted this run's own file as an earlier run's.
        let own = tmp.file_name().unwrap_or_default().to_owned();
        let leftovers = std::fs::read_dir(&dir)
            .map(|entries| {
                let mut found: Vec<PathBuf> = entries
                    .flatten()
                    .filter(|e| {
                        let name = e.file_name();
                        let n = name.to_string_lossy();
                        name != own && n.starts_with(&prefix) && n.ends_with(".partial")
                    })
                    .map(|e| e.path())
                    .collect();
                found.sort();
                found
            })
            .unwrap_or_default();
        Ok((
            AtomicOutput {
                path: target,
                tmp,
                force,
                leftovers,
            },
            file,
        ))
    }

    /// Writes `path` all at once through a temporary file: `write` fills it, it is made
    /// durable, then moved into place ([`AtomicOutput::create`]'s rules; nothing is left of it
    /// on failure).
    pub fn write_with(
        path: &Path,
        force: bool,
        write: impl FnOnce(&mut File) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let (output, mut file) = AtomicOutput::create(path, force)?;
        write(&mut file)?;
        file.sync_all()?;
        drop(file);
        output.commit()
    }

    /// Moves the finished file into place. If the output appeared meanwhile (without
    /// `--force`), it is left alone and the result is kept beside it under a new name
    /// ([`OutputAppeared`] says which).
    pub fn commit(self) -> anyhow::Result<()> {
        let AtomicOutput {
            path, tmp, force, ..
        } = self;
        let moved = if force {
            tmp.persist(&path)
        } else {
            tmp.persist_noclobber(&path)
        };
        let mut tmp = match moved {
            Ok(()) => return Ok(()),
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => e.path,
            Err(e) => {
                return Err(anyhow::anyhow!(
                    "moving the result to {}: {}",
                    path.display(),
                    e.error
                ));
            }
        };
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        let ext = path
            .extension()
            .map_or(String::new(), |e| format!(".{}", e.to_string_lossy()));
        for i in 1.. {
            let kept = path.with_file_name(format!("{stem}.kept-{i}{ext}"));
            match tmp.persist_noclobber(&kept) {
                Ok(()) => return Err(OutputAppeared { path, kept }.into()),
                Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => tmp = e.path,
                Err(e) => return Err(e.error.into()),
            }
        }
        unreachable!("some name is free")
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

        // A file that appears while the run is going is not replaced: the result is kept
        // beside it.
        let other = dir.path().join("late.parquet");
        let (out, mut f) = AtomicOutput::create(&other, false).unwrap();
        f.write_all(b"new").unwrap();
        std::fs::write(&other, b"late").unwrap();
        let err = out.commit().unwrap_err();
        let appeared = err
            .downcast_ref::<OutputAppeared>()
            .expect("OutputAppeared");
        assert_eq!(appeared.kept, dir.path().join("late.kept-1.parquet"));
        assert_eq!(std::fs::read(&other).unwrap(), b"late");
        assert_eq!(std::fs::read(&appeared.kept).unwrap(), b"new");

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
        assert_eq!(names.len(), 3, "{names:?}");
    }

    #[test]
    fn only_regular_files_are_written_and_links_are_written_through() {
        let dir = tempfile::tempdir().unwrap();
        for (path, what) in [
            (PathBuf::from("/dev/null"), "a device"),
            (dir.path().to_path_buf(), "a directory"),
        ] {
            for force in [false, true] {
                let err = AtomicOutput::create(&path, force).err().unwrap();
                assert!(
                    err.is::<BadOutput>() && err.to_string().contains(what),
                    "{err}"
                );
            }
        }
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let err = AtomicOutput::create(&fifo, true).err().unwrap();
        assert!(err.to_string().contains("a FIFO"), "{err}");

        // --force writes through a link to a regular file: the link stays, its target changes.
        let real = dir.path().join("real.parquet");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.parquet");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(
            AtomicOutput::create(&link, false)
                .err()
                .unwrap()
                .is::<OutputExists>()
        );
        let (out, mut f) = AtomicOutput::create(&link, true).unwrap();
        f.write_all(b"new").unwrap();
        out.commit().unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"new");

        // A dangling link is refused before any work, with or without --force.
        let dangling = dir.path().join("dangling.parquet");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        for force in [false, true] {
            let err = AtomicOutput::create(&dangling, force).err().unwrap();
            assert!(err.to_string().contains("which does not exist"), "{err}");
        }
    }

    #[test]
    fn temporary_names_fit_and_leftovers_are_named_not_in_the_way() {
        let dir = tempfile::tempdir().unwrap();
        let long = dir.path().join(format!("{}.parquet", "x".repeat(245)));
        let (out, _f) = AtomicOutput::create(&long, false).unwrap();
        out.commit().unwrap();
        assert!(long.exists());

        let path = dir.path().join("out.parquet");
        let leftover = dir.path().join(".out.parquet.1.partial");
        std::fs::write(&leftover, b"x").unwrap();
        let (out, _f) = AtomicOutput::create(&path, false).unwrap();
        assert_eq!(out.leftovers, std::slice::from_ref(&leftover));
        out.commit().unwrap();
        assert!(leftover.exists());
    }
}
