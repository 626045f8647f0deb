//! Dataset directories as users run them: shards, resumes after kills, status, merge, the
//! SLURM script, and the refusals (another spec, a foreign directory, a damaged part).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::common::{lifsweep, stderr_of, stdout_of, write_spec};

/// 180 jobs of two models and different sizes (so chunks differ in cost), with V statistics
/// and histograms (list columns) in some of them.
pub const SWEEP: &str = r#"
[simulation]
duration_ms = 200.0
neurons = 20
seed = 7
[[sweep]]
model = "noise"
mu_na = { start = 0.5, stop = 3.0, num = 30 }
sigma_na = [0.5, 1.0, 2.0]
v_stats = true
[[sweep]]
model = "poisson"
isi_bin_ms = 0.5
isi_max_ms = 40.0
psth_bin_ms = 10.0
rate_hz = { start = 100.0, stop = 8000.0, num = 15, scale = "log" }
w_na = [0.05, 0.1]
tau_s_ms = 2.0
neurons = [1, 50, 3]
"#;

/// The file a single-machine run of `spec` writes.
pub fn single_run(dir: &Path, spec: &Path) -> Vec<u8> {
    let out = dir.join("single.parquet");
    lifsweep()
        .args(["run", "--quiet", "--force", "-o"])
        .arg(&out)
        .arg(spec)
        .assert()
        .success();
    std::fs::read(out).unwrap()
}

pub fn merged(ds: &Path, out: &Path) -> Vec<u8> {
    lifsweep()
        .arg("merge")
        .arg(ds)
        .arg("-o")
        .arg(out)
        .arg("--force")
        .assert()
        .success();
    std::fs::read(out).unwrap()
}

pub fn parts(ds: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(ds.join("parts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// Every file in parts/ is a complete, readable Parquet file of the dataset's part names.
fn assert_parts_sound(ds: &Path) {
    for p in parts(ds) {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("part-") && name.ends_with(".parquet"),
            "{name} in parts/"
        );
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&p).unwrap())
            .unwrap_or_else(|e| panic!("{name} is not readable: {e}"))
            .build()
            .unwrap();
        let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
        assert!(rows > 0, "{name} has no rows");
    }
}

#[test]
fn shards_run_one_after_another_merge_into_the_single_machine_file() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), SWEEP);
    let single = single_run(dir.path(), &spec);
    for n in [1u64, 2, 3, 7] {
        let ds = dir.path().join(format!("ds{n}"));
        for i in 0..n {
            lifsweep()
                .args(["run", "--quiet", "--chunk-jobs", "17", "--shard"])
                .arg(format!("{i}/{n}"))
                .arg("--dataset")
                .arg(&ds)
                .arg(&spec)
                .assert()
                .success();
        }
        assert_eq!(parts(&ds).len(), 11, "180 jobs in chunks of 17");
        assert_parts_sound(&ds);
        let out = dir.path().join(format!("merged{n}.parquet"));
        assert!(merged(&ds, &out) == single, "N = {n}: merge differs");
    }
}

#[test]
fn a_rerun_skips_finished_chunks_and_status_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), SWEEP);
    let ds = dir.path().join("ds");
    let run = |extra: &[&str]| {
        let mut cmd = lifsweep();
        cmd.args(["run", "--quiet", "--dataset"])
            .arg(&ds)
            .args(extra);
        cmd
    };
    let out = stdout_of(run(&["--chunk-jobs", "20", "--shard", "1/3"]).arg(&spec));
    assert!(out.contains("wrote 3 chunks (1,4,7)"), "{out}");
    assert!(out.contains("the whole sweep: 3 of 9 chunks done"), "{out}");

    // Status: shards of its own choosing, exit 3 while work remains.
    let status = lifsweep()
        .arg("status")
        .arg(&ds)
        .args(["--shards", "3"])
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    let status = String::from_utf8(status).unwrap();
    assert!(
        status.contains("done: 3 of 9 chunks, 60 of 180 jobs"),
        "{status}"
    );
    assert!(status.contains("shards: 1 of 3 complete"), "{status}");
    let missing = lifsweep()
        .arg("status")
        .arg(&ds)
        .args(["--shards", "3", "--missing-shards"])
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(missing).unwrap(), "0,2\n");
    // Without a recorded shard count, --missing-shards needs --shards.
    let err = stderr_of(lifsweep().arg("status").arg(&ds).arg("--missing-shards"), 2);
    assert!(err.contains("--shards N"), "{err}");

    // Again without SPEC: the dataset's own spec; the done chunks are skipped.
    let out = stdout_of(&mut run(&[]));
    assert!(out.contains("wrote 6 chunks (0,2-3,5-6,8)"), "{out}");
    assert!(out.contains("skipped 3 already done (1,4,7)"), "{out}");
    let out = stdout_of(&mut run(&[]));
    assert!(out.contains("wrote 0 chunks"), "{out}");
    lifsweep().arg("status").arg(&ds).assert().code(0);
    let single = single_run(dir.path(), &spec);
    assert!(merged(&ds, &dir.path().join("m.parquet")) == single);
    // The merged file never goes where readers of parts/*.parquet would count it twice.
    let err = stderr_of(
        lifsweep()
            .arg("merge")
            .arg(&ds)
            .arg("-o")
            .arg(ds.join("parts/../parts/all.parquet")),
        2,
    );
    assert!(err.contains("nothing but parts"), "{err}");
    assert_eq!(parts(&ds).len(), 9);
}

#[test]
fn another_spec_a_foreign_directory_or_other_chunks_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), SWEEP);
    let ds = dir.path().join("ds");
    lifsweep()
        .args([
            "run",
            "--quiet",
            "--chunk-jobs",
            "60",
            "--shard",
            "0/3",
            "--dataset",
        ])
        .arg(&ds)
        .arg(&spec)
        .assert()
        .success();
    let before = parts(&ds);

    let other = dir.path().join("other.toml");
    std::fs::write(&other, SWEEP.replace("seed = 7", "seed = 8")).unwrap();
    let err = stderr_of(
        lifsweep().args(["run", "--dataset"]).arg(&ds).arg(&other),
        2,
    );
    assert!(
        err.contains("made from another spec") && err.contains("line 5"),
        "{err}"
    );
    let err = stderr_of(
        lifsweep()
            .args(["run", "--chunk-jobs", "10", "--dataset"])
            .arg(&ds),
        2,
    );
    assert!(err.contains("--chunk-jobs 60"), "{err}");
    let err = stderr_of(
        lifsweep()
            .args(["run", "--shard", "0/4", "--dataset"])
            .arg(&ds),
        2,
    );
    assert!(err.contains("3 chunks, so at most 3 shards"), "{err}");
    stderr_of(
        lifsweep()
            .args(["run", "--shard", "3/3", "--dataset"])
            .arg(&ds),
        2,
    );
    assert_eq!(parts(&ds), before, "a refused run touched the parts");

    // A directory with other things in it is not made a dataset; status says it is none.
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let err = stderr_of(
        lifsweep()
            .args(["run", "--dataset"])
            .arg(&foreign)
            .arg(&spec),
        2,
    );
    assert!(err.contains("is not a lifsweep dataset"), "{err}");
    assert_eq!(std::fs::read_dir(&foreign).unwrap().count(), 1);
    stderr_of(lifsweep().arg("status").arg(&foreign), 2);
    stderr_of(lifsweep().arg("merge").arg(&foreign), 2);

    // An incomplete dataset is not merged: the missing chunks are named.
    let out = dir.path().join("m.parquet");
    let err = stderr_of(lifsweep().arg("merge").arg(&ds).arg("-o").arg(&out), 2);
    assert!(err.contains("chunks 1-2"), "{err}");
    assert!(!out.exists());
}

#[test]
fn a_damaged_part_is_reported_and_redone() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), SWEEP);
    let ds = dir.path().join("ds");
    lifsweep()
        .args(["run", "--quiet", "--chunk-jobs", "50", "--dataset"])
        .arg(&ds)
        .arg(&spec)
        .assert()
        .success();
    let victim = ds.join("parts/part-000002.parquet");
    let bytes = std::fs::read(&victim).unwrap();
    std::fs::write(&victim, &bytes[..bytes.len() / 2]).unwrap();

    let status = lifsweep().arg("status").arg(&ds).assert().code(3);
    let status = String::from_utf8(status.get_output().stdout.clone()).unwrap();
    assert!(
        status.contains("unusable part: parts/part-000002.parquet (chunk 2)"),
        "{status}"
    );
    let err = stderr_of(lifsweep().arg("merge").arg(&ds), 2);
    assert!(
        err.contains("chunk 2: parts/part-000002.parquet is unusable"),
        "{err}"
    );

    let run = lifsweep()
        .args(["run", "--dataset"])
        .arg(&ds)
        .assert()
        .success();
    let out = String::from_utf8(run.get_output().stdout.clone()).unwrap();
    let err = String::from_utf8(run.get_output().stderr.clone()).unwrap();
    assert!(out.contains("wrote 1 chunks (2)"), "{out}");
    assert!(err.contains("chunk 2 is redone"), "{err}");
    assert_eq!(std::fs::read(&victim).unwrap(), bytes);
    assert!(merged(&ds, &dir.path().join("m.parquet")) == single_run(dir.path(), &spec));
}

/// A small generator for the kill moments (fixed seed: the same moments every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn signal(pid: u32, sig: &str) {
    std::process::Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
}

#[test]
fn kills_at_random_moments_lose_nothing_and_leave_only_sound_parts() {
    let dir = tempfile::tempdir().unwrap();
    // About half a second of work on 2 threads, in 39 chunks.
    let spec = write_spec(
        dir.path(),
        &SWEEP
            .replace("neurons = 20", "neurons = 1000")
            .replace("num = 30", "num = 60"),
    );
    let ds = dir.path().join("ds");
    let bin = env!("CARGO_BIN_EXE_lifsweep");
    let start = |shard: Option<String>| {
        let mut cmd = std::process::Command::new(bin);
        cmd.args([
            "run",
            "--quiet",
            "--threads",
            "2",
            "--chunk-jobs",
            "7",
            "--dataset",
        ])
        .arg(&ds)
        .arg(&spec)
        .env_remove("RAYON_NUM_THREADS")
        .env_remove("SLURM_CPUS_PER_TASK")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        if let Some(s) = shard {
            cmd.args(["--shard", &s]);
        }
        cmd.spawn().unwrap()
    };
    // How long a whole run takes here, to spread the kills over it (not an assertion).
    let t0 = Instant::now();
    let whole = dir.path().join("whole");
    std::process::Command::new(bin)
        .args([
            "run",
            "--quiet",
            "--threads",
            "2",
            "--chunk-jobs",
            "7",
            "--dataset",
        ])
        .arg(&whole)
        .arg(&spec)
        .status()
        .unwrap();
    let span = t0.elapsed().as_millis().max(50) as u64;

    let mut rng = Lcg(20261201);
    let mut kills = 0;
    let mut terms = 0;
    for round in 0..40 {
        // Any mix of shard counts over time.
        let shard = match rng.below(3) {
            0 => None,
            k => Some(format!("{}/{}", rng.below(k + 1), k + 1)),
        };
        let mut child = start(shard);
        let term = round % 5 == 4;
        // A SIGTERM after start-up (lifsweep catches it from its first milliseconds on).
        let at = rng.below(span) + if term { 50 } else { 0 };
        std::thread::sleep(Duration::from_millis(at));
        if term {
            signal(child.id(), "TERM");
            let out = child.wait_with_output().unwrap();
            let code = out.status.code();
            assert!(
                matches!(code, Some(0 | 75)),
                "SIGTERM: exit {code:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            terms += 1;
        } else {
            child.kill().unwrap();
            child.wait().unwrap();
            kills += 1;
        }
        assert_parts_sound(&ds);
    }
    assert!(kills >= 20 && terms >= 5);
    // Then the same command, left alone, finishes the sweep.
    let out = start(None).wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the run after the kills: {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_parts_sound(&ds);
    let single = single_run(dir.path(), &spec);
    assert!(merged(&ds, &dir.path().join("m.parquet")) == single);
}

#[test]
fn a_signal_removes_a_single_files_temporary_file_and_leftovers_are_no_obstacle() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        dir.path(),
        &SWEEP.replace("neurons = 20", "neurons = 20000"),
    );
    let out = dir.path().join("out.parquet");
    // A leftover of a killed run, named as a run of this PID would have named it before.
    std::fs::write(dir.path().join(".out.parquet.1.partial"), b"x").unwrap();
    let bin = env!("CARGO_BIN_EXE_lifsweep");
    let child = std::process::Command::new(bin)
        .args(["run", "--quiet", "-o"])
        .arg(&out)
        .arg(&spec)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    signal(child.id(), "TERM");
    let result = child.wait_with_output().unwrap();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    if result.status.code() == Some(143) {
        assert!(!out.exists());
        let err = String::from_utf8(result.stderr).unwrap();
        assert!(err.contains("stopped by SIGTERM: nothing written"), "{err}");
    } else {
        // The run was over before the signal came (a very fast machine).
        assert_eq!(result.status.code(), Some(0));
    }
    assert!(
        !names
            .iter()
            .any(|n| n.ends_with(".partial") && n != ".out.parquet.1.partial"),
        "{names:?}"
    );
    lifsweep()
        .args(["run", "--quiet", "--force", "-o"])
        .arg(&out)
        .arg(&spec)
        .assert()
        .success();
}

#[test]
fn parts_are_written_one_by_one_as_their_chunks_finish() {
    // Regression: rows were handed to the writer thread 1,024 at a time, so a sweep of fewer
    // jobs wrote all its parts in the last milliseconds and a kill lost the whole run. Now the
    // parts appear one by one over the run: the first part's time of writing is near the start,
    // not near the last's (an ordering check with a wide margin: about 3% of the run then,
    // about 95% now).
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), &SWEEP.replace("neurons = 20", "neurons = 2000"));
    let ds = dir.path().join("ds");
    let start = std::time::SystemTime::now();
    lifsweep()
        .args([
            "run",
            "--quiet",
            "--threads",
            "1",
            "--chunk-jobs",
            "5",
            "--dataset",
        ])
        .arg(&ds)
        .arg(&spec)
        .assert()
        .success();
    let times: Vec<std::time::SystemTime> = parts(&ds)
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .collect();
    assert_eq!(times.len(), 36);
    let first = *times.iter().min().unwrap();
    let last = *times.iter().max().unwrap();
    let run = last.duration_since(start).unwrap().as_secs_f64();
    let spread = last.duration_since(first).unwrap().as_secs_f64();
    assert!(
        spread > 0.5 * run,
        "the parts were written within {spread:.3} s of a {run:.3} s run"
    );
}

/// Starts `lifsweep run --dataset ds spec` with one thread and 9-job chunks, its stdout
/// dropped and its stderr kept for the test's messages.
fn racer(ds: &Path, spec: &Path) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_lifsweep"))
        .args([
            "run",
            "--quiet",
            "--threads",
            "1",
            "--chunk-jobs",
            "9",
            "--dataset",
        ])
        .arg(ds)
        .arg(spec)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn two_runs_racing_on_one_new_directory_are_harmless() {
    // A requeued task overlapping its resubmission: both make the directory, both run every
    // chunk, and rename the same bytes over each other. The second starts 0, 2, 5 or 10 ms
    // after the first, so that it looks at the directory at different moments of its making.
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), &SWEEP.replace("neurons = 20", "neurons = 200"));
    for (round, delay_ms) in [0, 2, 5, 10].into_iter().enumerate() {
        let ds = dir.path().join(format!("ds{round}"));
        let first = racer(&ds, &spec);
        std::thread::sleep(Duration::from_millis(delay_ms));
        let second = racer(&ds, &spec);
        for r in [first, second] {
            let out = r.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round} ({delay_ms} ms): {:?}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert_eq!(parts(&ds).len(), 20);
        assert_parts_sound(&ds);
        lifsweep().arg("status").arg(&ds).assert().code(0);
        if round == 0 {
            assert!(merged(&ds, &dir.path().join("m.parquet")) == single_run(dir.path(), &spec));
        }
    }
}

#[test]
fn runs_of_two_specs_racing_on_one_new_directory_run_only_the_one_that_made_it() {
    // The loser of the race to link the manifest checks its spec against the winner's, as it
    // would on a directory made long before: it never runs the winner's spec as its own.
    let dir = tempfile::tempdir().unwrap();
    let a = write_spec(dir.path(), SWEEP);
    let b = dir.path().join("b.toml");
    std::fs::write(&b, SWEEP.replace("seed = 7", "seed = 8")).unwrap();
    for round in 0..4 {
        let ds = dir.path().join(format!("ds{round}"));
        let specs = if round % 2 == 0 { [&a, &b] } else { [&b, &a] };
        let racers: Vec<_> = specs.iter().map(|s| racer(&ds, s)).collect();
        let mut winners = Vec::new();
        for (r, s) in racers.into_iter().zip(specs) {
            let out = r.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(0) => winners.push(std::fs::read_to_string(s).unwrap()),
                Some(2) => assert!(stderr.contains("was made from another spec"), "{stderr}"),
                other => panic!("round {round}: exit {other:?}: {stderr}"),
            }
        }
        let manifest = std::fs::read_to_string(ds.join("lifsweep.toml")).unwrap();
        let made_from = lifsweep::dataset::Manifest::parse(&manifest).unwrap().spec;
        assert_eq!(winners, [made_from], "round {round}");
    }
}

#[test]
fn a_second_signal_stops_even_inside_one_huge_job() {
    // One job of 1e10 neuron-steps (several seconds) is one chunk: the first signal lets it go
    // on (within the grace period), the second drops it between two batches of neurons.
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        dir.path(),
        "[simulation]\nneurons = 100000\nduration_ms = 10000.0\n[[sweep]]\nmodel = \"noise\"\n\
         mu_na = 2.0\nsigma_na = 1.0\n",
    );
    let ds = dir.path().join("ds");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_lifsweep"))
        .args(["run", "--quiet", "--dataset"])
        .arg(&ds)
        .arg(&spec)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    signal(child.id(), "TERM");
    std::thread::sleep(Duration::from_millis(300));
    signal(child.id(), "INT");
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(75), "{stdout}");
    assert!(
        stdout.contains("wrote 0 chunks") && stdout.contains("1 left (0)"),
        "{stdout}"
    );
    assert!(parts(&ds).is_empty());
}
