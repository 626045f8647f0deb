//! Result tables for Python: a run's file, a user's result file or a dataset's parts, handed to
//! Polars, pandas, pyarrow or DuckDB through the Arrow C stream interface (`__arrow_c_stream__`,
//! a PyCapsule named `arrow_array_stream`). The rows are decoded from the Parquet as the reader
//! asks for them: the results object holds no copy of them.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, RecordBatch, RecordBatchIterator, RecordBatchReader,
    UInt32Array,
};
use arrow_schema::{DataType, Field, Schema};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict};

use lifsweep::dataset;
use lifsweep::output::AtomicOutput;

use crate::{load_spec, py_err};

/// A sweep's result table (see the module docs).
#[pyclass(module = "lifsweep._lifsweep", frozen)]
pub struct Results {
    /// Where the rows are: a result file or a dataset's parts.
    rows: lifsweep::read::Results,
    /// For a run's own file: its temporary directory, which lives as long as the results (and
    /// any stream taken from them).
    tmp: Option<Arc<tempfile::TempDir>>,
}

impl Results {
    /// The results in the file or dataset directory `path`; `tmp` holds a run's own file.
    pub fn open(path: &Path, tmp: Option<Arc<tempfile::TempDir>>) -> anyhow::Result<Results> {
        Ok(Results {
            rows: lifsweep::read::Results::open(path)?,
            tmp,
        })
    }
}

/// A stream of a run's rows that keeps their temporary directory while the reader reads, even
/// if the results object is gone by then (the files are opened as the reader asks).
struct Kept {
    batches: lifsweep::read::Batches,
    _keep: Option<Arc<tempfile::TempDir>>,
}

impl Iterator for Kept {
    type Item = Result<RecordBatch, arrow_schema::ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.batches.next()
    }
}

impl RecordBatchReader for Kept {
    fn schema(&self) -> arrow_schema::SchemaRef {
        self.batches.schema()
    }
}

/// The PyCapsule of the Arrow C stream interface.
fn capsule(
    py: Python<'_>,
    reader: Box<dyn RecordBatchReader + Send>,
) -> PyResult<Bound<'_, PyCapsule>> {
    PyCapsule::new_with_value(py, FFI_ArrowArrayStream::new(reader), c"arrow_array_stream")
}

#[pymethods]
impl Results {
    /// The Arrow C stream interface: the rows, in job order, in batches of up to 65,536.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The schema is the result file's; a requested one is a hint a producer may ignore.
        let _ = requested_schema;
        capsule(
            py,
            Box::new(Kept {
                batches: self.rows.batches(),
                _keep: self.tmp.clone(),
            }),
        )
    }

    #[getter]
    fn num_rows(&self) -> u64 {
        self.rows.rows
    }

    /// Whether every job of the sweep has its row (false for a dataset with chunks to run).
    #[getter]
    fn complete(&self) -> bool {
        self.rows.complete()
    }

    /// The dataset's chunks without a part.
    #[getter]
    fn missing_chunks(&self) -> Vec<usize> {
        self.rows.missing_chunks.clone()
    }

    /// The file's key-value metadata (`lifsweep.version`, `lifsweep.spec`, ...).
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in &self.rows.metadata {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    /// The result file or dataset directory the rows are read from (None: a run's own
    /// temporary file).
    #[getter]
    fn path(&self) -> Option<PathBuf> {
        match (&self.tmp, &self.rows.dataset) {
            (Some(_), _) => None,
            (None, Some(dir)) => Some(dir.clone()),
            (None, None) => self.rows.files.first().cloned(),
        }
    }

    /// Writes the rows as the CLI writes them: a run's or a user's file is copied byte for
    /// byte; a dataset is merged as `lifsweep merge` does (it must be complete). Never
    /// replaces an existing file unless `force`; the file appears complete or not at all.
    #[pyo3(signature = (path, force=false))]
    fn write_parquet(&self, py: Python<'_>, path: PathBuf, force: bool) -> PyResult<()> {
        let rows = &self.rows;
        py.detach(move || -> anyhow::Result<()> {
            match &rows.dataset {
                Some(dir) => dataset::merge(dir, &path, force).map(|_| ()),
                None => copy_file(&rows.files[0], &path, force),
            }
        })
        .map_err(py_err)
    }
}

/// Copies `from` to `to` through an all-or-nothing output file.
fn copy_file(from: &Path, to: &Path, force: bool) -> anyhow::Result<()> {
    let mut src = File::open(from).with_context(|| format!("opening {}", from.display()))?;
    AtomicOutput::write_with(to, force, |file| {
        std::io::copy(&mut src, file).with_context(|| format!("writing {}", to.display()))?;
        Ok(())
    })
}

/// Opens a result file or a dataset directory.
#[pyfunction]
pub fn read(py: Python<'_>, path: PathBuf) -> PyResult<Results> {
    py.detach(move || Results::open(&path, None))
        .map_err(py_err)
}

/// A table held in memory (a trace).
#[pyclass(module = "lifsweep._lifsweep", frozen)]
pub struct Table {
    batch: RecordBatch,
}

#[pymethods]
impl Table {
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let batches = vec![Ok(self.batch.clone())];
        let reader = RecordBatchIterator::new(batches, self.batch.schema());
        capsule(py, Box::new(reader))
    }

    #[getter]
    fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }
}

/// One neuron's t, I, V, events and spikes, as `lifsweep trace` prints them: of the job that
/// the KEY=VALUE `pairs` describe, or of job `job` of a spec (text or file).
#[pyfunction]
#[pyo3(signature = (pairs, text=None, path=None, job=None, neuron=0))]
pub fn trace(
    pairs: Vec<String>,
    text: Option<&str>,
    path: Option<&str>,
    job: Option<u64>,
    neuron: u64,
) -> PyResult<Table> {
    let refused = |m: String| crate::SpecError::new_err(m);
    let job = if text.is_none() && path.is_none() {
        if job.is_some() {
            return Err(refused(
                "job= picks a job of a spec; keyword pairs describe one job".into(),
            ));
        }
        lifsweep::trace::job_from_pairs(&pairs).map_err(|e| py_err(e.into()))?
    } else {
        if !pairs.is_empty() {
            return Err(refused(
                "give either a spec (with job=) or keyword pairs, not both".into(),
            ));
        }
        let spec = load_spec(text, path)?;
        let grid = lifsweep::grid::Grid::new(&spec);
        let id = job.unwrap_or(0);
        if id >= grid.len() {
            return Err(refused(format!(
                "job={id} is not allowed: the spec has jobs 0..{}",
                grid.len() - 1
            )));
        }
        grid.job(id)
    };
    if neuron >= job.sim.neurons {
        return Err(refused(format!(
            "neuron={neuron} is not allowed: job {} has neurons 0..{}",
            job.id,
            job.sim.neurons - 1
        )));
    }
    let tr = lifsweep::trace::trace(&job, neuron);
    let schema = Arc::new(Schema::new(vec![
        Field::new("t_ms", DataType::Float64, false),
        Field::new("i_na", DataType::Float64, false),
        Field::new("v_mv", DataType::Float64, false),
        Field::new("events", DataType::UInt32, false),
        Field::new("spike", DataType::Boolean, false),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Float64Array::from(tr.t_ms)),
        Arc::new(Float64Array::from(tr.i_na)),
        Arc::new(Float64Array::from(tr.v_mv)),
        Arc::new(UInt32Array::from(tr.events)),
        Arc::new(BooleanArray::from(tr.spike)),
    ];
    let batch = RecordBatch::try_new(schema, columns)
        .map_err(|e| crate::RunError::new_err(e.to_string()))?;
    Ok(Table { batch })
}
