//! `lifsweep._lifsweep`: the native half of the Python package. It wires Python to the same
//! library calls the command line makes (spec parsing, `run`, `run_dataset`, `merge`, the
//! plan, the trace), so rows, types, metadata and error messages are the CLI's; the Python half
//! (`lifsweep/__init__.py`) turns specs given as dicts into TOML, shows progress and wraps the
//! results for Polars, pandas and pyarrow.

mod results;
mod running;

use pyo3::create_exception;
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use lifsweep::exit;
use lifsweep::spec::Spec;
use lifsweep::stop::Interrupted;

create_exception!(
    lifsweep,
    SpecError,
    PyValueError,
    "The input was refused: a bad spec, option, output path or dataset (the CLI's exit status \
     2). The message is the one the command line prints."
);
create_exception!(
    lifsweep,
    RunError,
    PyRuntimeError,
    "A run failed (an I/O error, for instance); the message is the one the command line prints."
);

/// The Python exception for a library error: `SpecError` where the CLI exits 2,
/// `KeyboardInterrupt` for a stop, `RunError` otherwise; the CLI's message.
pub(crate) fn py_err(e: anyhow::Error) -> PyErr {
    let message = exit::message(&e);
    if e.chain().any(|c| c.downcast_ref::<Interrupted>().is_some()) {
        PyKeyboardInterrupt::new_err(message)
    } else if exit::code(&e) == exit::REFUSED {
        SpecError::new_err(message)
    } else {
        RunError::new_err(message)
    }
}

/// A spec from TOML text or from a file (read as the CLI reads it).
pub(crate) fn load_spec(text: Option<&str>, path: Option<&str>) -> PyResult<Spec> {
    let spec = match (text, path) {
        (Some(t), None) => Spec::parse(t),
        (None, Some(p)) => Spec::from_file(std::path::Path::new(p)),
        (None, None) => Ok(Spec::default_sweep()),
        (Some(_), Some(_)) => return Err(PyValueError::new_err("give spec text or a path")),
    };
    spec.map_err(|e| py_err(e.into()))
}

/// Worker threads as the CLI chooses them (`--threads`, else RAYON_NUM_THREADS, else
/// SLURM_CPUS_PER_TASK, else every core), with its warning.
pub(crate) fn threads(asked: Option<u64>) -> PyResult<(usize, Option<String>)> {
    let text = asked.map(|n| n.to_string());
    lifsweep::cli::resolve_threads(text.as_deref()).map_err(|e| py_err(e.into()))
}

/// The plan of a spec: (the text `lifsweep plan` prints, its numbers as a dict).
#[pyfunction]
#[pyo3(signature = (text=None, path=None, threads=None))]
fn plan<'py>(
    py: Python<'py>,
    text: Option<&str>,
    path: Option<&str>,
    threads: Option<u64>,
) -> PyResult<(String, Bound<'py, PyDict>)> {
    let spec = load_spec(text, path)?;
    let (threads, _) = crate::threads(threads)?;
    let plan = lifsweep::plan::Plan::new(&spec, threads);
    let d = PyDict::new(py);
    d.set_item("jobs", plan.jobs())?;
    d.set_item("neuron_steps", plan.neuron_steps())?;
    d.set_item("threads", threads)?;
    d.set_item("seconds", plan.seconds())?;
    d.set_item("output_bytes", plan.bytes())?;
    d.set_item("peak_memory_bytes", plan.peak_bytes(None))?;
    let mut warnings = spec.warnings.clone();
    warnings.extend(plan.warnings());
    d.set_item("warnings", warnings)?;
    Ok((plan.to_string(), d))
}

/// The columns of a result file: (name, Arrow type, unit, when null / what it holds).
#[pyfunction]
fn columns() -> Vec<(String, String, String, String)> {
    lifsweep::output::COLUMNS
        .iter()
        .map(|c| {
            let f = c.field();
            (
                c.name.to_string(),
                f.data_type().to_string(),
                c.unit.to_string(),
                c.doc.to_string(),
            )
        })
        .collect()
}

#[pymodule]
fn _lifsweep(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("SpecError", m.py().get_type::<SpecError>())?;
    m.add("RunError", m.py().get_type::<RunError>())?;
    m.add("__version__", lifsweep::VERSION)?;
    m.add_function(wrap_pyfunction!(plan, m)?)?;
    m.add_function(wrap_pyfunction!(columns, m)?)?;
    m.add_function(wrap_pyfunction!(running::start_run, m)?)?;
    m.add_function(wrap_pyfunction!(results::read, m)?)?;
    m.add_function(wrap_pyfunction!(results::trace, m)?)?;
    m.add_class::<running::RunHandle>()?;
    m.add_class::<results::Results>()?;
    m.add_class::<results::Table>()?;
    Ok(())
}
