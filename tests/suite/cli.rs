//! The `lifsweep` binary as a user runs it: exit codes, files, stdout and stderr.

use std::fs::File;

use arrow_array::Array;
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::common::{lifsweep, stderr_of, stdout_of, worked_example, write_spec};

const SMALL: &str = r#"
[simulation]
duration_ms = 100.0
neurons = 50
[[sweep]]
model = "noise"
mu_na = [1.0, 2.0]
sigma_na = [0.5, 1.0]
[[sweep]]
model = "constant"
mu_na = { start = 0.0, stop = 3.0, num = 7 }
neurons = 1
"#;

#[test]
fn default_run_writes_parquet_with_the_design_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results.parquet");
    let stdout = stdout_of(lifsweep().arg("run").arg("-o").arg(&out).arg("--quiet"));
    assert!(stdout.contains("286 jobs"), "{stdout}");
    assert!(stdout.contains("neuron-steps/s"), "{stdout}");
    assert!(
        stdout.contains(&format!("wrote {}", out.display())),
        "{stdout}"
    );

    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&out).unwrap()).unwrap();
    let kv: Vec<(String, String)> = reader
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .unwrap()
        .iter()
        .map(|kv| (kv.key.clone(), kv.value.clone().unwrap_or_default()))
        .collect();
    let get = |k: &str| kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    assert_eq!(get("lifsweep.version").unwrap(), env!("CARGO_PKG_VERSION"));
    assert_eq!(get("lifsweep.spec").unwrap(), lifsweep::spec::DEFAULT_SPEC);
    assert!(get("lifsweep.rng").unwrap().contains("Xoshiro256++"));
    assert_eq!(get("lifsweep.seed_derivation").unwrap(), "3");

    let schema = reader.schema().clone();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    // The contract's columns; the example part's column joins its part's place by itself.
    let mut expected = vec![
        "job_id",
        "model",
        "mu_na",
        "amp_na",
        "period_ms",
        "phase_deg",
        "sigma_na",
        "rate_hz",
        "w_na",
        "tau_s_ms",
        "ou_sigma_na",
        "ou_tau_ms",
        "rate_i_hz",
        "w_i_na",
        "tau_i_ms",
        "tau_m_ms",
        "e_l_mv",
        "r_mohm",
        "v_th_mv",
        "v_reset_mv",
        "t_ref_ms",
        "dt_ms",
        "duration_ms",
        "warmup_ms",
        "integrator",
        "neurons",
        "seed",
        "master_seed",
        "v_stats",
        "theory",
        "isi_bin_ms",
        "isi_max_ms",
        "psth_bin_ms",
        "cycle_bins",
        "spikes",
        "isis",
        "firing_rate_hz",
        "firing_rate_sem_hz",
        "mean_v_mv",
        "mean_isi_ms",
        "cv_isi",
        "fano",
        "vector_strength",
        "spike_phase_deg",
        "rate_modulation_hz",
        "std_v_mv",
        "v_harmonic_mv",
        "v_harmonic_phase_deg",
        "isi_hist",
        "psth",
        "cycle_hist",
        "theory_rate_hz",
        "theory_cv",
        "theory_reliable",
        "theory_rate_modulation_hz",
        "theory_spike_phase_deg",
        "theory_mean_v_mv",
        "theory_std_v_mv",
        "theory_v_harmonic_mv",
        "theory_v_harmonic_phase_deg",
        "theory_v_reliable",
    ];
    if cfg!(feature = "example-part") {
        let at = expected.iter().position(|&c| c == "tau_i_ms").unwrap() + 1;
        expected.insert(at, "offset_na");
    }
    assert_eq!(names, expected);
    // The file's schema is the column table's, type and nullability included.
    for (field, column) in schema.fields().iter().zip(lifsweep::output::COLUMNS.iter()) {
        assert_eq!(**field, column.field(), "{}", column.name);
    }
    assert_eq!(schema.fields().len(), lifsweep::output::COLUMNS.len());
    assert!(matches!(
        schema.field_with_name("model").unwrap().data_type(),
        DataType::Dictionary(_, v) if **v == DataType::Utf8
    ));
    assert_eq!(
        schema.field_with_name("job_id").unwrap().data_type(),
        &DataType::UInt64
    );
    assert_eq!(
        schema.field_with_name("sigma_na").unwrap().data_type(),
        &DataType::Float64
    );
    assert!(schema.field_with_name("sigma_na").unwrap().is_nullable());
    assert!(
        !schema
            .field_with_name("firing_rate_hz")
            .unwrap()
            .is_nullable()
    );

    let batches: Vec<_> = reader.build().unwrap().map(Result::unwrap).collect();
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 286);
    let b = &batches[0];
    let col = |name: &str| b.column(schema.index_of(name).unwrap()).clone();
    let job_id = col("job_id");
    let ids = job_id
        .as_any()
        .downcast_ref::<arrow_array::UInt64Array>()
        .unwrap();
    assert!(
        ids.values()
            .iter()
            .enumerate()
            .all(|(i, &id)| id == i as u64),
        "rows in job order"
    );
    // Block 1 is constant input: sigma is null there, mu is not.
    assert!(col("sigma_na").is_null(0));
    assert!(!col("mu_na").is_null(0));
    // Null exactly where the model has no such parameter: 123 noise rows have sigma, 41 sine
    // rows have an amplitude, 41 Poisson rows a rate.
    assert_eq!(col("sigma_na").null_count(), 286 - 123);
    assert_eq!(col("amp_na").null_count(), 286 - 41);
    assert_eq!(col("rate_hz").null_count(), 286 - 41);
    assert_eq!(col("mu_na").null_count(), 0);
}

#[test]
fn existing_output_is_never_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), SMALL);
    let out = dir.path().join("r.parquet");
    std::fs::write(&out, b"precious").unwrap();
    let stderr = stderr_of(lifsweep().arg("run").arg(&spec).arg("-o").arg(&out), 2);
    assert!(
        stderr.contains("already exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");

    lifsweep()
        .args(["run", "--force", "--quiet", "-o"])
        .arg(&out)
        .arg(&spec)
        .assert()
        .success();
    assert_eq!(&std::fs::read(&out).unwrap()[..4], b"PAR1");
}

#[test]
fn a_run_to_a_relative_path_does_not_warn_about_its_own_temporary_file() {
    // As the README's first command runs: no -o, so results.parquet in the working folder.
    // The run's own temporary file was once named as a leftover of an earlier run.
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), SMALL);
    for args in [
        &["run", "spec.toml"][..],
        &["run", "spec.toml", "-o", "./r.parquet"],
    ] {
        let stderr = stderr_of(lifsweep().current_dir(dir.path()).args(args), 0);
        assert!(!stderr.contains("temporary files"), "{args:?}: {stderr}");
    }
    assert!(dir.path().join("results.parquet").is_file());
    assert!(dir.path().join("r.parquet").is_file());
    assert!(spec.is_file());
    // A real leftover beside a relative output is still named.
    std::fs::write(dir.path().join(".r.parquet.abc123.partial"), b"").unwrap();
    let stderr = stderr_of(
        lifsweep()
            .current_dir(dir.path())
            .args(["run", "spec.toml", "--force", "-o", "r.parquet"]),
        0,
    );
    assert!(
        stderr.contains("temporary files") && stderr.contains(".r.parquet.abc123.partial"),
        "{stderr}"
    );
}

#[test]
fn outputs_that_are_not_regular_files_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), SMALL);
    // A device, as root too, with or without --force: left as it is.
    for force in [false, true] {
        let mut cmd = lifsweep();
        cmd.args(["run", "-o", "/dev/null"]).arg(&spec);
        if force {
            cmd.arg("--force");
        }
        let err = stderr_of(&mut cmd, 2);
        assert!(err.contains("-o /dev/null is a device"), "{err}");
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    // A dangling symbolic link, and a folder that cannot be written in: exit 2, nothing run.
    let dangling = dir.path().join("dangling.parquet");
    std::os::unix::fs::symlink(dir.path().join("nowhere/x"), &dangling).unwrap();
    let err = stderr_of(lifsweep().arg("run").arg(&spec).arg("-o").arg(&dangling), 2);
    assert!(err.contains("which does not exist"), "{err}");
    let err = stderr_of(
        lifsweep()
            .arg("run")
            .arg(&spec)
            .args(["-o", "/proc/lifsweep.parquet"]),
        2,
    );
    assert!(err.contains("cannot write in /proc"), "{err}");
}

#[test]
fn a_summary_that_cannot_be_printed_says_the_result_is_complete() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), SMALL);
    let out = dir.path().join("r.parquet");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_lifsweep"))
        .arg("run")
        .arg(&spec)
        .arg("-o")
        .arg(&out)
        .arg("--quiet")
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8(run.stderr).unwrap();
    assert!(
        err.contains("is complete and in place; only the summary could not be written"),
        "{err}"
    );
    assert_eq!(&std::fs::read(&out).unwrap()[..4], b"PAR1");
}

#[test]
fn bad_specs_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.parquet");
    let bad = write_spec(
        dir.path(),
        "[[sweep]]\nmodel = \"noise\"\nmu_na = 1\nsigma_na = -1\n",
    );
    let stderr = stderr_of(lifsweep().arg("run").arg(&bad).arg("-o").arg(&out), 2);
    assert!(
        stderr.contains("line 4") && stderr.contains("sigma_na = -1"),
        "{stderr}"
    );

    let missing = dir.path().join("nope.toml");
    let stderr = stderr_of(lifsweep().arg("run").arg(&missing).arg("-o").arg(&out), 2);
    assert!(stderr.contains("nope.toml"), "{stderr}");

    lifsweep()
        .args(["run", "--threads", "0"])
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    lifsweep()
        .env("RAYON_NUM_THREADS", "lots")
        .arg("run")
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    lifsweep().args(["run", "--bogus"]).assert().code(2);
    let stderr = stderr_of(
        lifsweep()
            .arg("run")
            .arg("-o")
            .arg(dir.path().join("no/such/folder/r.parquet")),
        2,
    );
    assert!(stderr.contains("does not exist"), "{stderr}");
    stderr_of(lifsweep().arg("run").arg("-o").arg(dir.path()), 2);

    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n != "spec.toml")
        .collect();
    assert!(left.is_empty(), "nothing written: {left:?}");
}

#[test]
fn thread_counts_are_checked_alike_from_every_source() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), SMALL);
    let cores = std::thread::available_parallelism().unwrap().get();
    let with = |source: &str, value: &str| {
        let mut cmd = lifsweep();
        cmd.arg("run")
            .arg(&spec)
            .arg("-o")
            .arg(dir.path().join("r.parquet"))
            .arg("--force");
        match source {
            "--threads" => cmd.args(["--threads", value]),
            var => cmd.env(var, value),
        };
        cmd
    };
    for source in ["--threads", "RAYON_NUM_THREADS", "SLURM_CPUS_PER_TASK"] {
        for bad in ["0", "100000", "-1", "lots"] {
            let err = stderr_of(&mut with(source, bad), 2);
            assert!(
                err.contains(source) && err.contains(&format!("from 1 to {}", 4 * cores)),
                "{source} {bad}: {err}"
            );
        }
        let out = with(source, &(cores + 1).to_string()).assert().success();
        let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(err.contains("more threads than the"), "{source}: {err}");
        let out = with(source, "1").assert().success();
        let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(!err.contains("more threads"), "{source}: {err}");
    }
}

#[test]
fn specs_are_read_from_files_pipes_or_stdin_and_never_without_end() {
    let dir = tempfile::tempdir().unwrap();
    // Standard input.
    let out = lifsweep()
        .args(["plan", "-"])
        .write_stdin(SMALL)
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("total: 11 jobs"), "{text}");
    // Devices that never end, folders, and texts past the cap: exit 2 at once.
    for (path, what) in [
        ("/dev/zero", "not a regular file or a pipe"),
        ("/tmp", "directory"),
    ] {
        let err = stderr_of(lifsweep().args(["plan", path]), 2);
        assert!(err.contains(what), "{path}: {err}");
    }
    let big = dir.path().join("big.toml");
    std::fs::write(&big, "# padding\n".repeat(500_000)).unwrap();
    let err = stderr_of(lifsweep().arg("plan").arg(&big), 2);
    assert!(err.contains("larger than 4 MiB"), "{err}");
    let err = stderr_of(
        lifsweep()
            .args(["plan", "-"])
            .write_stdin("# padding\n".repeat(500_000)),
        2,
    );
    assert!(err.contains("larger than 4 MiB"), "{err}");
}

#[test]
fn absurd_sweeps_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        dir.path(),
        "[[sweep]]\nmodel = \"noise\"\nmu_na = { start = 0, stop = 3, num = 1000000 }\n\
         sigma_na = { start = 0, stop = 3, num = 1000000 }\n",
    );
    let out = lifsweep().arg("plan").arg(&spec).assert().success();
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("the result would be about 22.5 TB"), "{err}");
    assert!(err.contains("years on"), "{err}");
    let out = lifsweep()
        .arg("plan")
        .arg(write_spec(dir.path(), SMALL))
        .assert()
        .success();
    assert!(out.get_output().stderr.is_empty());
}

#[test]
fn completions_are_valid_bash_and_mistypes_get_a_suggestion() {
    let out = lifsweep().args(["completions", "bash"]).assert().success();
    let script = out.get_output().stdout.clone();
    assert!(String::from_utf8_lossy(&script).contains("lifsweep"));
    let mut bash = std::process::Command::new("bash")
        .arg("-n")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    bash.stdin.take().unwrap().write_all(&script).unwrap();
    assert!(bash.wait().unwrap().success());
    for shell in ["zsh", "fish"] {
        lifsweep().args(["completions", shell]).assert().success();
    }
    let err = stderr_of(lifsweep().arg("stauts"), 2);
    assert!(
        err.contains("a similar subcommand exists: 'status'"),
        "{err}"
    );
    let err = stderr_of(lifsweep().args(["run", "--forec"]), 2);
    assert!(err.contains("'--force'"), "{err}");
}

#[test]
fn memory_is_estimated_checked_before_work_and_exhaustion_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), SMALL);
    let out = stdout_of(lifsweep().arg("plan").arg(&spec));
    assert!(out.contains("estimated peak memory: "), "{out}");
    // A huge population does not raise the estimate: the engine cuts a job across chunks.
    let huge = write_spec(
        dir.path(),
        "[simulation]\nneurons = 1e12\n[[sweep]]\nmodel = \"noise\"\nmu_na = 2\nsigma_na = 1\n",
    );
    let out = stdout_of(lifsweep().args(["plan", "--threads", "2"]).arg(&huge));
    assert!(out.contains("estimated peak memory: 20.0 MB"), "{out}");
    // Above the limit: exit 2 with the estimate and the limit, nothing written.
    let spec = write_spec(dir.path(), SMALL);
    let err = stderr_of(
        lifsweep()
            .env("LIFSWEEP_MEMORY_LIMIT", "10M")
            .args(["run", "--threads", "2"])
            .arg(&spec)
            .arg("-o")
            .arg(dir.path().join("r.parquet")),
        2,
    );
    assert!(
        err.contains("needs about 21 MB") && err.contains("LIFSWEEP_MEMORY_LIMIT=10M allows 10 MB"),
        "{err}"
    );
    let err = stderr_of(
        lifsweep()
            .env("LIFSWEEP_MEMORY_LIMIT", "10M")
            .args(["run", "--dataset"])
            .arg(dir.path().join("ds"))
            .arg(&spec),
        2,
    );
    assert!(err.contains("allows 10 MB"), "{err}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(left, ["spec.toml"], "nothing written");
    // An allocation that fails anyway ends with a message and exit 1, not SIGABRT.
    let big = write_spec(
        dir.path(),
        "[[sweep]]\nmodel = \"constant\"\nmu_na = { start = 0, stop = 3, num = 10000000 }\n",
    );
    let run = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v 150000; exec {} plan {}",
            env!("CARGO_BIN_EXE_lifsweep"),
            big.display()
        ))
        .output()
        .unwrap();
    let err = String::from_utf8(run.stderr).unwrap();
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(err.contains("out of memory: an allocation of"), "{err}");
}

#[test]
fn output_file_is_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), SMALL);
    let run = |threads: &str, name: &str| {
        let out = dir.path().join(name);
        lifsweep()
            .args(["run", "--quiet", "--threads", threads, "-o"])
            .arg(&out)
            .arg(&spec)
            .assert()
            .success();
        std::fs::read(out).unwrap()
    };
    assert_eq!(run("1", "a.parquet"), run("2", "b.parquet"));
    // SLURM_CPUS_PER_TASK is honoured when nothing else is given.
    let stdout = stdout_of(
        lifsweep()
            .env("SLURM_CPUS_PER_TASK", "1")
            .args(["run", "--quiet", "-o"])
            .arg(dir.path().join("c.parquet"))
            .arg(&spec),
    );
    assert!(stdout.contains("on 1 threads"), "{stdout}");
}

#[test]
fn progress_goes_to_stderr_only_and_quiet_silences_it() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), SMALL);
    let out = lifsweep()
        .args(["run", "--quiet", "-o"])
        .arg(dir.path().join("q.parquet"))
        .arg(&spec)
        .assert()
        .success();
    assert!(out.get_output().stderr.is_empty());
    // Not a terminal: no bar, no escape codes on stderr.
    let out = lifsweep()
        .args(["run", "-o"])
        .arg(dir.path().join("p.parquet"))
        .arg(&spec)
        .assert()
        .success();
    assert!(!out.get_output().stderr.contains(&0x1b));
}

#[test]
fn plan_reports_blocks_without_simulating() {
    let stdout = stdout_of(lifsweep().arg("plan"));
    assert!(stdout.contains("noise"), "{stdout}");
    assert!(stdout.contains("mu_na x41, sigma_na x3"), "{stdout}");
    assert!(
        stdout.contains("total: 286 jobs, 3.292e8 neuron-steps"),
        "{stdout}"
    );
    assert!(stdout.contains("estimated wall time") && stdout.contains("estimated output size"));
}

fn trace_column(stdout: &str, col: usize) -> Vec<f64> {
    stdout
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(col).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn trace_prints_the_worked_example() {
    let golden = worked_example();
    let base = ["trace", "dt_ms=1", "duration_ms=10", "t_ref_ms=0"];
    let constant = stdout_of(lifsweep().args(base).args(["model=constant", "mu_na=1.5"]));
    assert_eq!(
        constant.lines().next().unwrap(),
        "t_ms,i_na,v_mv,events,spike"
    );
    assert_eq!(trace_column(&constant, 0), golden["t_ms"]);
    let sine = stdout_of(lifsweep().args(base).args([
        "model=sine",
        "mu_na=0.8",
        "amp_na=0.8",
        "period_ms=20",
    ]));
    for (out, v, i) in [
        (&constant, "v_constant_mv", None),
        (&sine, "v_sine_mv", Some("i_sine_na")),
    ] {
        let got = trace_column(out, 2);
        assert_eq!(got.len(), 11);
        for (g, w) in got.iter().zip(&golden[v]) {
            assert!((g - w).abs() <= 0.001, "{v}: {g} vs {w}");
        }
        if let Some(i) = i {
            for (g, w) in trace_column(out, 1).iter().zip(&golden[i]) {
                assert!((g - w).abs() <= 0.0005, "{i}: {g} vs {w}");
            }
        }
    }
}

#[test]
fn trace_errors_name_the_argument_not_a_spec_the_user_never_wrote() {
    for (args, expect) in [
        (
            &["model=sine", "mu_na=0.8", "amp_na=0.8", "period_ms=-20"][..],
            "trace argument 4 (\"period_ms=-20\"): period_ms = -20 is not allowed",
        ),
        (
            &["model=sine", "mu_na=0.8", "period_ms=20"][..],
            "the KEY=VALUE pairs are missing amp_na",
        ),
        (&["mu_na=0.8"][..], "no model= among the KEY=VALUE pairs"),
        (
            &["model=noise", "mu_na=[1,2"][..],
            "trace argument 2 (\"mu_na=[1,2\"): not valid as KEY=VALUE",
        ),
        (
            &["model=noise", "mu_na=1", "sigma_na=1", "bogus=3"][..],
            "trace argument 4 (\"bogus=3\"): unknown key \"bogus\"",
        ),
    ] {
        let err = stderr_of(lifsweep().arg("trace").args(args), 2);
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(
            !err.contains("line ") && !err.contains("[[sweep]]"),
            "{args:?}: {err}"
        );
    }
    let err = stderr_of(
        lifsweep().args([
            "trace",
            "model=noise",
            "mu_na=1",
            "sigma_na=1",
            "--job",
            "3",
        ]),
        2,
    );
    assert!(
        err.contains("--job 3 is not allowed with KEY=VALUE pairs"),
        "{err}"
    );
}

#[test]
fn trace_follows_a_sweep_neuron_and_marks_spikes_and_events() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        dir.path(),
        "[simulation]\ndt_ms = 0.5\nduration_ms = 50\nneurons = 4\n[[sweep]]\nmodel = \
         \"poisson\"\nmu_na = 1.6\nrate_hz = [100, 2000]\nw_na = 0.2\ntau_s_ms = 2\n",
    );
    let out = stdout_of(
        lifsweep()
            .arg("trace")
            .arg(&spec)
            .args(["--job", "1", "--neuron", "3"]),
    );
    let events: f64 = trace_column(&out, 3).iter().sum();
    let spikes: f64 = trace_column(&out, 4).iter().sum();
    assert_eq!(out.lines().count(), 1 + 101);
    assert!(
        events > 50.0,
        "2 kHz for 50 ms: about 100 events, got {events}"
    );
    assert!(spikes >= 1.0, "1.6 nA is above rheobase");
    // A spike row shows the reset potential.
    for line in out.lines().skip(1).filter(|l| l.ends_with(",1")) {
        assert_eq!(line.split(',').nth(2).unwrap(), "-65");
    }
    lifsweep()
        .arg("trace")
        .arg(&spec)
        .args(["--job", "2"])
        .assert()
        .code(2);
    lifsweep()
        .arg("trace")
        .arg(&spec)
        .args(["--neuron", "4"])
        .assert()
        .code(2);
    lifsweep()
        .args(["trace", "model=noise", "mu_na=[1,2]", "sigma_na=1"])
        .assert()
        .code(2);
}

#[test]
fn every_vector_path_writes_the_same_bytes() {
    // The hot loops are compiled for AVX-512, AVX2 and baseline x86-64; LIFSWEEP_SIMD forces a
    // narrower one. Every input part (and the V statistics and histograms), Poisson counts
    // beyond the vector head included.
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        dir.path(),
        "[neuron]\nt_ref_ms = 2.0\n[simulation]\nduration_ms = 200.0\nneurons = 300\n\
         [[sweep]]\nmodel = \"noise\"\nmu_na = [1.2, 1.8]\nsigma_na = 0.7\n\
         [[sweep]]\nmodel = \"poisson\"\nmu_na = 1.0\nrate_hz = [3000, 60000]\nw_na = 0.02\n\
         tau_s_ms = 2\n[[sweep]]\nmodel = \"sine\"\nmu_na = 1.4\namp_na = 0.6\nperiod_ms = 33\n\
         [[sweep]]\nmodel = \"constant\"\nmu_na = { start = 0, stop = 4, num = 300 }\nneurons = 1\n\
         [[sweep]]\nmodel = \"ou\"\nmu_na = 1.4\nou_sigma_na = 0.5\nou_tau_ms = [1.0, 5.0]\n\
         [[sweep]]\nmodel = \"poisson+poisson_i\"\nmu_na = 1.0\nrate_hz = 4000\nw_na = 0.05\n\
         tau_s_ms = 2\nrate_i_hz = 2000\nw_i_na = -0.05\ntau_i_ms = 5\n\
         [[sweep]]\nmodel = \"sine+noise\"\nmu_na = 1.4\namp_na = 0.3\nperiod_ms = 20\n\
         sigma_na = 0.5\nv_stats = true\nisi_bin_ms = 1\npsth_bin_ms = 10\ncycle_bins = 12\n",
    );
    let run = |level: &str| {
        let out = dir.path().join(format!("{level}.parquet"));
        lifsweep()
            .env("LIFSWEEP_SIMD", level)
            .args(["run", "--quiet", "-o"])
            .arg(&out)
            .arg(&spec)
            .assert()
            .success();
        std::fs::read(out).unwrap()
    };
    let widest = run("avx512");
    // The AVX-512 ziggurat lookup both ways (gathers, pair loads), whichever this CPU defaults to.
    assert_eq!(run("avx512-gather"), widest);
    assert_eq!(run("avx512-pairs"), widest);
    assert_eq!(run("avx2"), widest);
    assert_eq!(run("baseline"), widest);
}

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    // `lifsweep trace ... | head -1`: the trace (100,001 lines) meets a closed pipe.
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("lifsweep"))
        .args([
            "trace",
            "model=noise",
            "mu_na=1.5",
            "sigma_na=0.5",
            "duration_ms=10000",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("t_ms,"), "{first}");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
