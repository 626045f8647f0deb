//! `lifsweep slurm`: writes `DIR/lifsweep.sbatch`, a SLURM job-array script in which task `i`
//! runs shard `i/N` of the dataset. The script is meant to be read and edited; every path and
//! value in it is quoted, so no directory name can break it or run anything.

use std::path::{Path, PathBuf};

use super::{Dataset, DatasetError, install_file};
use crate::plan::Plan;
use crate::stop::GRACE;

/// SLURM's default MaxArraySize: array indices 0..=1000.
pub const MAX_ARRAY_SIZE: u64 = 1001;

/// `--signal=B:USR1@LEAD`: SLURM sends USR1 to the batch shell LEAD to LEAD + 60 s before the
/// time limit (it may come up to 60 s early, never late). lifsweep then finishes the chunk in
/// flight if it can within [`GRACE`] and exits; the rest of the lead is margin for a slow file
/// system. (Without a warning, the time limit's SIGTERM leaves KillWait, 30 s by default.)
pub const SIGNAL_LEAD_S: u64 = 90;

pub struct SlurmOptions {
    pub tasks: u64,
    pub cpus_per_task: u64,
    /// SLURM's time format; `None`: from the estimate.
    pub time: Option<String>,
    pub partition: Option<String>,
    pub account: Option<String>,
    pub mem: Option<String>,
    pub max_parallel: Option<u64>,
    /// The lifsweep binary the tasks run (absolute).
    pub binary: PathBuf,
    pub force: bool,
}

/// Quotes `s` for bash: a single-quoted word, whatever it holds.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A value in an `#SBATCH` line, which sbatch itself reads (no shell): as it is, or in double
/// quotes when it holds anything but letters, digits and `_./:%@,+=-`; `"`, `\` and line breaks
/// cannot be written there.
fn sbatch_value(what: &str, s: &str) -> Result<String, DatasetError> {
    if s.contains(['"', '\\', '\n', '\r']) {
        return Err(DatasetError(format!(
            "{what} {s:?} cannot be written into an #SBATCH line: it holds a double quote, a \
             backslash or a line break; use a path without them"
        )));
    }
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:%@,+=-".contains(c));
    Ok(if plain {
        s.to_string()
    } else {
        format!("\"{s}\"")
    })
}

/// Parses SLURM's time formats (`M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`) into seconds.
pub fn parse_slurm_time(s: &str) -> Option<u64> {
    let num = |t: &str| -> Option<u64> {
        (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (days, rest) = match s.split_once('-') {
        Some((d, r)) => (Some(num(d)?), r),
        None => (None, s),
    };
    let parts: Vec<u64> = rest.split(':').map(num).collect::<Option<_>>()?;
    let secs = match (days, parts.as_slice()) {
        (None, [m]) => m * 60,
        (None, [m, s]) => m * 60 + s,
        (None, [h, m, s]) => h * 3600 + m * 60 + s,
        (Some(d), [h]) => d * 86400 + h * 3600,
        (Some(d), [h, m]) => d * 86400 + h * 3600 + m * 60,
        (Some(d), [h, m, s]) => d * 86400 + h * 3600 + m * 60 + s,
        _ => return None,
    };
    Some(secs)
}

/// `D-HH:MM:SS`.
fn format_slurm_time(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    format!("{d}-{h:02}:{m:02}:{s:02}")
}

/// The default time limit: twice the estimated work of one task, plus 10 minutes for start-up
/// and the signal lead, in whole minutes.
fn default_time(ds: &Dataset, opts: &SlurmOptions) -> u64 {
    let per_task = Plan::new(&ds.spec, 1).seconds() / (opts.tasks * opts.cpus_per_task) as f64;
    ((2.0 * per_task + 600.0) / 60.0).ceil() as u64 * 60
}

/// The script's text.
pub fn sbatch_script(ds: &Dataset, opts: &SlurmOptions) -> Result<String, DatasetError> {
    let dir = std::path::absolute(&ds.dir)
        .map_err(|e| DatasetError(format!("{}: {e}", ds.dir.display())))?;
    let dir_s = dir.to_string_lossy().into_owned();
    let bin_s = opts.binary.to_string_lossy().into_owned();
    let logs = sbatch_value(
        "--dataset",
        &format!("{}/logs/%A_%a.out", dir_s.replace('%', "%%")),
    )?;
    let time_s = match &opts.time {
        Some(t) => {
            check_time(t)?;
            t.clone()
        }
        None => format_slurm_time(default_time(ds, opts)),
    };
    let name: String = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let n = opts.tasks;
    let array = match opts.max_parallel {
        Some(k) => format!("0-{}%{k}", n - 1),
        None => format!("0-{}", n - 1),
    };
    let mut sb = vec![
        format!("--job-name=lifsweep-{name}"),
        format!("--array={array}"),
        "--ntasks=1".to_string(),
        format!("--cpus-per-task={}", opts.cpus_per_task),
        format!("--time={}", sbatch_value("--time", &time_s)?),
        format!("--signal=B:USR1@{SIGNAL_LEAD_S}"),
        "--requeue".to_string(),
        "--open-mode=append".to_string(),
        format!("--output={logs}"),
    ];
    for (key, value) in [
        ("partition", &opts.partition),
        ("account", &opts.account),
        ("mem", &opts.mem),
    ] {
        if let Some(v) = value {
            sb.push(format!("--{key}={}", sbatch_value(&format!("--{key}"), v)?));
        }
    }
    let directives: String = sb.iter().map(|l| format!("#SBATCH {l}\n")).collect();
    Ok(format!(
        "#!/bin/bash\n\
         # A SLURM job array written by `lifsweep slurm` (lifsweep {version}): task i of {n} runs\n\
         # shard i/{n} of the dataset below, skipping its chunks that are already done, so a\n\
         # requeued or resubmitted task continues where its share stopped.\n\
         # Submit:   sbatch {script}\n\
         # Progress: lifsweep status {qdir}\n\
         # Missing:  sbatch --array=\"$(lifsweep status {qdir} --missing-shards)\" {script}\n\
         # USR1 ({SIGNAL_LEAD_S} s before the time limit), SIGTERM (preemption, scancel) and SIGINT make a\n\
         # task keep its finished chunks and exit 75; run or resubmit it to continue.\n\
         # Edit freely (more CPUs, memory, another partition): the shard of a task comes from its\n\
         # array index only.\n\
         {directives}\
         set -euo pipefail\n\
         # exec, so that lifsweep itself receives the signals SLURM sends to the batch shell.\n\
         exec {bin} run --dataset {qdir} --shard \"$SLURM_ARRAY_TASK_ID/{n}\" --threads \"$SLURM_CPUS_PER_TASK\"\n",
        version = crate::VERSION,
        script = shell_quote(&format!("{dir_s}/lifsweep.sbatch")),
        qdir = shell_quote(&dir_s),
        bin = shell_quote(&bin_s),
    ))
}

/// Checks the options against a dataset of `chunks` chunks in `dir` (also before it is made, so
/// that a refused `lifsweep slurm` makes nothing).
pub fn check_options(dir: &Path, chunks: u64, opts: &SlurmOptions) -> Result<(), DatasetError> {
    let n = opts.tasks;
    if n == 0 || n > chunks {
        return Err(DatasetError(format!(
            "--tasks {n} is not allowed: {} has {chunks} chunks, so give 1 to {chunks} tasks \
             (a smaller --chunk-jobs, when the dataset is made, gives more chunks)",
            dir.display()
        )));
    }
    if n > MAX_ARRAY_SIZE {
        return Err(DatasetError(format!(
            "--tasks {n} is not allowed: SLURM's default MaxArraySize is {MAX_ARRAY_SIZE} (array \
             indices 0-1000), and clusters often set less; give at most {MAX_ARRAY_SIZE} tasks (each \
             runs several chunks)"
        )));
    }
    if opts.cpus_per_task == 0 || opts.max_parallel == Some(0) {
        return Err(DatasetError(
            "--cpus-per-task and --max-parallel must be 1 or more".to_string(),
        ));
    }
    if let Some(t) = &opts.time {
        check_time(t)?;
    }
    Ok(())
}

/// A `--time` SLURM accepts and that leaves room for the signal lead; its seconds.
fn check_time(t: &str) -> Result<u64, DatasetError> {
    let secs = parse_slurm_time(t).ok_or_else(|| {
        DatasetError(format!(
            "--time {t:?} is not allowed: give SLURM's format, minutes, MM:SS, HH:MM:SS or \
             D-HH[:MM[:SS]], e.g. 2:00:00"
        ))
    })?;
    if secs <= SIGNAL_LEAD_S + GRACE.as_secs() {
        return Err(DatasetError(format!(
            "--time {t} is not allowed: the tasks are warned {SIGNAL_LEAD_S} s before their time \
             limit; give more than {} s",
            SIGNAL_LEAD_S + GRACE.as_secs()
        )));
    }
    Ok(secs)
}

/// Checks the shard count, records it in the manifest and writes `DIR/lifsweep.sbatch`;
/// returns its path and the time limit it sets.
pub fn write_sbatch(ds: &mut Dataset, opts: &SlurmOptions) -> anyhow::Result<PathBuf> {
    check_options(&ds.dir, ds.chunks().len() as u64, opts)?;
    let text = sbatch_script(ds, opts)?;
    let path = ds.dir.join("lifsweep.sbatch");
    if let Ok(old) = std::fs::read_to_string(&path)
        && old != text
        && !opts.force
    {
        return Err(crate::output::OutputExists { path }.into());
    }
    ds.set_shards(opts.tasks)?;
    install_file(&ds.tmp_dir(), &path, text.as_bytes(), 0o777, true)?;
    Ok(path)
}

/// The lines printed after writing the script.
pub fn submit_hint(dir: &Path, script: &Path, opts: &SlurmOptions) -> String {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let script = std::path::absolute(script).unwrap_or_else(|_| script.to_path_buf());
    let q = |p: &Path| shell_quote(&p.to_string_lossy());
    format!(
        "wrote {}: a job array of {} tasks, {} CPUs each\nsubmit it with:\n  sbatch {}\n\
         see what is done with:\n  lifsweep status {}\nresubmit the shards with work left \
         with:\n  sbatch --array=\"$(lifsweep status {} --missing-shards)\" {}",
        script.display(),
        opts.tasks,
        opts.cpus_per_task,
        q(&script),
        q(&dir),
        q(&dir),
        q(&script)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slurm_times_parse_in_all_of_slurms_forms() {
        assert_eq!(parse_slurm_time("30"), Some(1800));
        assert_eq!(parse_slurm_time("1:30"), Some(90));
        assert_eq!(parse_slurm_time("2:00:00"), Some(7200));
        assert_eq!(parse_slurm_time("1-2"), Some(93600));
        assert_eq!(parse_slurm_time("1-0:30"), Some(88200));
        assert_eq!(parse_slurm_time("1-00:00:01"), Some(86401));
        for bad in ["", "1:2:3:4", "x", "-1", "1-", "1:-2", "1h"] {
            assert_eq!(parse_slurm_time(bad), None, "{bad}");
        }
        assert_eq!(format_slurm_time(93784), "1-02:03:04");
    }

    #[test]
    fn quoting_keeps_any_text_one_word() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's $(id)"), r"'it'\''s $(id)'");
        assert!(sbatch_value("x", "a\"b").is_err());
        assert_eq!(
            sbatch_value("x", "my sweep; $(id)").unwrap(),
            "\"my sweep; $(id)\""
        );
    }
}
