//! A run on its own thread, watched from Python: the caller waits in short slices with the GIL
//! released, so Python sees a KeyboardInterrupt between them and can ask the run to stop.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use lifsweep::dataset::{self, DatasetRun, Shard};
use lifsweep::engine::Counters;
use lifsweep::output::ProgressMode;
use lifsweep::run::{RunOptions, run};
use lifsweep::stop::Stop;

use crate::results::Results;
use crate::{load_spec, py_err};

/// What a finished run leaves.
enum Outcome {
    /// A single-file run: the file, in a temporary directory that lives as long as the results.
    File(Arc<tempfile::TempDir>, PathBuf),
    /// A dataset run (its share): the directory, and whether the share is complete.
    Dataset(PathBuf),
}

type Ran = anyhow::Result<Outcome>;

/// A run in progress (see the module docs).
#[pyclass(module = "lifsweep._lifsweep")]
pub struct RunHandle {
    stop: Arc<Stop>,
    counters: Arc<Counters>,
    done: Arc<(Mutex<bool>, Condvar)>,
    thread: Mutex<Option<JoinHandle<Ran>>>,
    /// The spec's and plan's warnings, for the caller to show.
    #[pyo3(get)]
    warnings: Vec<String>,
    #[pyo3(get)]
    threads: usize,
}

/// Starts a run of a spec (TOML text, a file, or the default sweep when neither is given):
/// into a temporary Parquet file, or into the dataset directory `dataset` (its shard `shard`,
/// "I/N").
#[pyfunction]
#[pyo3(signature = (text=None, path=None, threads=None, dataset=None, shard=None, chunk_jobs=None))]
pub fn start_run(
    text: Option<&str>,
    path: Option<&str>,
    threads: Option<u64>,
    dataset: Option<PathBuf>,
    shard: Option<&str>,
    chunk_jobs: Option<u64>,
) -> PyResult<RunHandle> {
    // A dataset continued without a spec runs on its own.
    let spec = match (text, path, &dataset) {
        (None, None, Some(_)) => None,
        _ => Some(load_spec(text, path)?),
    };
    let (threads, warning) = crate::threads(threads)?;
    let shard = match shard {
        Some(s) => s
            .parse::<Shard>()
            .map_err(|e| crate::SpecError::new_err(format!("shard {s:?}: {e}")))?,
        None => Shard::ALL,
    };
    if dataset.is_none() && (shard != Shard::ALL || chunk_jobs.is_some()) {
        return Err(crate::SpecError::new_err(
            "shard and chunk_jobs need a dataset (dataset=DIR), as --shard and --chunk-jobs \
             need --dataset",
        ));
    }
    let mut warnings: Vec<String> = warning.into_iter().collect();
    if let Some(spec) = &spec {
        warnings.extend(spec.warnings.iter().cloned());
        warnings.extend(lifsweep::plan::Plan::new(spec, threads).warnings());
    }
    let stop = Stop::new();
    let counters = Arc::new(Counters::default());
    let done = Arc::new((Mutex::new(false), Condvar::new()));
    let work: Box<dyn FnOnce() -> Ran + Send> = match dataset {
        None => {
            let spec = spec.expect("a spec");
            let tmp = tempfile::Builder::new()
                .prefix("lifsweep-")
                .tempdir()
                .map_err(|e| crate::RunError::new_err(format!("a temporary directory: {e}")))?;
            let tmp = Arc::new(tmp);
            let out = tmp.path().join("results.parquet");
            let opts = RunOptions {
                out: out.clone(),
                force: false,
                threads,
                progress: ProgressMode::Quiet,
                stop: stop.clone(),
                counters: counters.clone(),
            };
            Box::new(move || run(&spec, &opts).map(|_| Outcome::File(tmp, out)))
        }
        Some(dir) => {
            let opts = DatasetRun {
                dir: dir.clone(),
                spec,
                chunk_jobs,
                shard,
                threads,
                progress: ProgressMode::Quiet,
                stop: stop.clone(),
                counters: counters.clone(),
            };
            Box::new(move || {
                let summary = dataset::run_dataset(opts)?;
                if let Some(signal) = summary.stopped_by.or(summary.left.first().map(|_| 0)) {
                    return Err(lifsweep::stop::Interrupted {
                        signal: (signal != 0).then_some(signal),
                        what: format!(
                            "{} chunks of the share written and kept in {}; run again to \
                             continue",
                            summary.written.len(),
                            dir.join("parts").display()
                        ),
                    }
                    .into());
                }
                Ok(Outcome::Dataset(dir))
            })
        }
    };
    let signal_done = done.clone();
    let thread = std::thread::Builder::new()
        .name("lifsweep-run".into())
        .spawn(move || {
            let ran = work();
            let (lock, cv) = &*signal_done;
            *lock.lock().expect("done lock") = true;
            cv.notify_all();
            ran
        })
        .map_err(|e| crate::RunError::new_err(format!("cannot start the run's thread: {e}")))?;
    Ok(RunHandle {
        stop,
        counters,
        done,
        thread: Mutex::new(Some(thread)),
        warnings,
        threads,
    })
}

#[pymethods]
impl RunHandle {
    /// Waits up to `timeout` seconds (the GIL released); returns whether the run has ended.
    fn wait(&self, py: Python<'_>, timeout: f64) -> bool {
        let done = self.done.clone();
        py.detach(move || {
            let (lock, cv) = &*done;
            let guard = lock.lock().expect("done lock");
            let (guard, _) = cv
                .wait_timeout_while(guard, Duration::from_secs_f64(timeout.max(0.0)), |d| !*d)
                .expect("done lock");
            *guard
        })
    }

    /// (jobs done, jobs to do, neuron-steps done, neuron-steps to do).
    fn progress(&self) -> (u64, u64, u64, u64) {
        let c = &self.counters;
        (
            c.jobs.load(Ordering::Relaxed),
            c.total_jobs.load(Ordering::Relaxed),
            c.neuron_steps.load(Ordering::Relaxed),
            c.total_neuron_steps.load(Ordering::Relaxed),
        )
    }

    /// Asks the run to stop at once: no new batch is begun; a dataset run keeps the chunks it
    /// has written and drops the one in flight.
    fn stop(&self) {
        self.stop.request(0);
        self.stop.request(0);
    }

    /// Waits for the end of the run (the GIL released) and returns its results, or raises its
    /// error (`KeyboardInterrupt` when it was stopped).
    fn result(&self, py: Python<'_>) -> PyResult<Results> {
        let thread = self
            .thread
            .lock()
            .expect("thread lock")
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("the run's result was already taken"))?;
        let ran = py
            .detach(move || thread.join())
            .map_err(|_| crate::RunError::new_err("the run panicked (a bug: please report it)"))?;
        match ran.map_err(py_err)? {
            Outcome::File(tmp, path) => Results::open(&path, Some(tmp)).map_err(py_err),
            Outcome::Dataset(dir) => Results::open(&dir, None).map_err(py_err),
        }
    }
}
