//! Helpers shared by the tests.

use lifsweep::engine::{self, Counters, JobResult, JobStats};
use lifsweep::grid::Grid;
use lifsweep::job::Job;
use lifsweep::spec::Spec;

use assert_cmd::Command;

/// Runs every job of spec `text` on `threads` threads; statistics in job order.
pub fn run_spec(text: &str, threads: usize) -> Vec<(Job, JobStats)> {
    run_with_theory(text, threads)
        .into_iter()
        .map(|(job, result)| (job, result.stats))
        .collect()
}

/// Runs every job of spec `text` on `threads` threads; statistics and theory in job order.
pub fn run_with_theory(text: &str, threads: usize) -> Vec<(Job, JobResult)> {
    let spec = Spec::parse(text).unwrap_or_else(|e| panic!("spec does not parse: {e}\n{text}"));
    let grid = Grid::new(&spec);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let counters = Counters::default();
    let mut rows = Vec::new();
    pool.install(|| {
        engine::run(&grid, &counters, |job, result| {
            rows.push((job, result));
            Ok::<(), ()>(())
        })
    })
    .unwrap();
    assert_eq!(rows.len() as u64, grid.len());
    rows
}

/// Bit patterns of a row's statistics (so NaN-free rows compare exactly, -0.0 included).
pub fn bits(s: &JobStats) -> Vec<u64> {
    let opt = |x: Option<f64>| x.map_or(u64::MAX, f64::to_bits);
    vec![
        s.spikes,
        s.isis,
        s.firing_rate_hz.to_bits(),
        opt(s.firing_rate_sem_hz),
        s.mean_v_mv.to_bits(),
        opt(s.mean_isi_ms),
        opt(s.cv_isi),
        opt(s.fano),
        opt(s.locking.map(|l| l.vector_strength)),
        opt(s.locking.map(|l| l.phase_deg)),
        opt(s.std_v_mv),
        opt(s.v_harmonic.map(|h| h.amp_mv)),
        opt(s.v_harmonic.map(|h| h.phase_deg)),
    ]
}

/// The worked example (docs/MODEL.md): the repository's one copy, `tests/data/worked_example.csv`.
pub fn worked_example_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/worked_example.csv")
}

/// The worked example's columns by name (comment lines skipped).
pub fn worked_example() -> std::collections::HashMap<String, Vec<f64>> {
    let text = std::fs::read_to_string(worked_example_path()).unwrap();
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let mut cols: std::collections::HashMap<String, Vec<f64>> =
        header.iter().map(|h| (h.clone(), Vec::new())).collect();
    for line in lines {
        for (h, v) in header.iter().zip(line.split(',')) {
            cols.get_mut(h).unwrap().push(v.trim().parse().unwrap());
        }
    }
    cols
}

/// The binary, with no thread or vector-path settings from the environment.
pub fn lifsweep() -> Command {
    let mut cmd = Command::cargo_bin("lifsweep").unwrap();
    cmd.env_remove("RAYON_NUM_THREADS")
        .env_remove("SLURM_CPUS_PER_TASK")
        .env_remove("LIFSWEEP_SIMD");
    cmd
}

pub fn write_spec(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("spec.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `cmd`, expects exit status `code`, returns its stderr.
pub fn stderr_of(cmd: &mut Command, code: i32) -> String {
    let out = cmd.assert().code(code).get_output().stderr.clone();
    String::from_utf8(out).unwrap()
}

pub fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}
