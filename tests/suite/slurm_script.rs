//! The SLURM job-array script that `lifsweep slurm` writes: quoted, valid bash, runs every
//! shard when run as SLURM runs it (the real cluster is `tests/slurm/check.sh`), and refusals.

use super::common::{lifsweep, stderr_of, stdout_of, write_spec};
use super::dataset::{SWEEP, merged, single_run};

#[test]
fn the_slurm_script_is_quoted_and_runs_the_shards() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), SWEEP);
    let ds = dir.path().join("my sweep; $(id) 'x' 100%");
    let out = stdout_of(
        lifsweep()
            .args([
                "slurm",
                "--tasks",
                "4",
                "--chunk-jobs",
                "20",
                "--cpus-per-task",
                "2",
            ])
            .args([
                "--time",
                "30",
                "--max-parallel",
                "2",
                "--partition",
                "debug",
            ])
            .arg("--dataset")
            .arg(&ds)
            .arg(&spec),
    );
    assert!(out.contains("sbatch '"), "{out}");
    let script_path = ds.join("lifsweep.sbatch");
    let script = std::fs::read_to_string(&script_path).unwrap();
    for line in [
        "#SBATCH --array=0-3%2",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --time=30",
        "#SBATCH --signal=B:USR1@90",
        "#SBATCH --requeue",
        "#SBATCH --partition=debug",
        "--shard \"$SLURM_ARRAY_TASK_ID/4\" --threads \"$SLURM_CPUS_PER_TASK\"",
        "/logs/%A_%a.out\"",
        "100%%/logs",
    ] {
        assert!(script.contains(line), "{line} not in\n{script}");
    }
    assert!(script.lines().any(|l| l.starts_with("exec '/")), "{script}");
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script_path)
        .status()
        .unwrap();
    assert!(syntax.success());

    // Run as SLURM would, task by task (no SLURM needed): the array covers the sweep.
    for task in 0..4 {
        let out = std::process::Command::new("bash")
            .arg(&script_path)
            .env("SLURM_ARRAY_TASK_ID", task.to_string())
            .env("SLURM_CPUS_PER_TASK", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "task {task}: {:?}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    lifsweep().arg("status").arg(&ds).assert().code(0);
    assert!(merged(&ds, &dir.path().join("m.parquet")) == single_run(dir.path(), &spec));

    // An edited script is not replaced; too many tasks, or a hopeless time limit, are refused.
    std::fs::write(&script_path, script.replace("debug", "long")).unwrap();
    let again = || {
        let mut cmd = lifsweep();
        cmd.args(["slurm", "--dataset"]).arg(&ds);
        cmd
    };
    stderr_of(again().args(["--tasks", "4"]), 2);
    let err = stderr_of(again().args(["--tasks", "10", "--force"]), 2);
    assert!(err.contains("9 chunks"), "{err}");
    let err = stderr_of(again().args(["--tasks", "2", "--time", "1", "--force"]), 2);
    assert!(err.contains("--time 1 is not allowed"), "{err}");
    stdout_of(again().args(["--tasks", "2", "--force"]));
    let missing = lifsweep()
        .arg("status")
        .arg(&ds)
        .arg("--missing-shards")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(missing).unwrap(), "\n");
}

#[test]
fn slurm_refuses_more_tasks_than_a_default_array_allows() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        dir.path(),
        "[simulation]\nneurons = 1\nduration_ms = 1.0\n[[sweep]]\nmodel = \"constant\"\n\
         mu_na = { start = 0.0, stop = 3.0, num = 1200 }\n",
    );
    let ds = dir.path().join("ds");
    let err = stderr_of(
        lifsweep()
            .args(["slurm", "--tasks", "1002", "--chunk-jobs", "1", "--dataset"])
            .arg(&ds)
            .arg(&spec),
        2,
    );
    assert!(err.contains("MaxArraySize is 1001"), "{err}");
    assert!(!ds.exists(), "a refused slurm made the directory");
    stdout_of(
        lifsweep()
            .args(["slurm", "--tasks", "1001", "--chunk-jobs", "1", "--dataset"])
            .arg(&ds)
            .arg(&spec),
    );
    let script = std::fs::read_to_string(ds.join("lifsweep.sbatch")).unwrap();
    assert!(script.contains("#SBATCH --array=0-1000\n"), "{script}");
}
