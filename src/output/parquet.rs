//! The result file: one Parquet row per job (DESIGN.md's columns), zstd, bounded row groups,
//! the model column dictionary-encoded, and provenance in the file's key-value metadata.
//!
//! The columns are defined once, in [`columns`]; the schema is derived from it.

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, BooleanArray, Float64Array, RecordBatch, UInt64Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use crate::engine::JobResult;
use crate::input::ModelParam;
use crate::job::{Job, Key, KeyValue as SpecValue, ValueKind};

/// Rows per row group.
pub const ROW_GROUP_ROWS: usize = 65_536;

/// Rows per Arrow batch handed to the Parquet writer, which encodes each as it comes (so a
/// writer thread encodes while the engine runs, the row buffer stays small, and little is left
/// to encode when the last rows come: for W3 the end of the run shrank by 0.8 ms against 4,096).
const BATCH_ROWS: usize = 1_024;

/// Rows per data page, at most: a page is compressed when it is full, so pages close while the
/// engine runs too. (2,048 made the files 7% bigger; 4,096 costs about 1% against one page per
/// column chunk.)
const PAGE_ROWS: usize = 4_096;

/// Column-wise buffer of rows not yet written (made by [`Rows::with_capacity`], which gives it
/// one column per real-valued shared key).
struct Rows {
    job_id: Vec<u64>,
    model: Vec<&'static str>,
    integrator: Vec<&'static str>,
    input: [Vec<Option<f64>>; 7],
    /// The real-valued [neuron] and [simulation] keys, in `Key::SHARED` order.
    shared: Vec<Vec<f64>>,
    neurons: Vec<u64>,
    seed: Vec<u64>,
    master_seed: Vec<u64>,
    spikes: Vec<u64>,
    isis: Vec<u64>,
    firing_rate_hz: Vec<f64>,
    firing_rate_sem_hz: Vec<Option<f64>>,
    mean_v_mv: Vec<f64>,
    cv_isi: Vec<Option<f64>>,
    fano: Vec<Option<f64>>,
    theory_rate_hz: Vec<Option<f64>>,
    theory_cv: Vec<Option<f64>>,
    theory_reliable: Vec<Option<bool>>,
}

fn real_keys() -> impl Iterator<Item = Key> {
    Key::SHARED
        .into_iter()
        .filter(|k| k.kind() == ValueKind::Real)
}

impl Rows {
    /// An empty buffer with room for `n` rows in every column (growing a column by doubling
    /// would copy it and fault in fresh pages again and again: a third of a short run's time).
    fn with_capacity(n: usize) -> Rows {
        Rows {
            job_id: Vec::with_capacity(n),
            model: Vec::with_capacity(n),
            integrator: Vec::with_capacity(n),
            input: std::array::from_fn(|_| Vec::with_capacity(n)),
            shared: real_keys().map(|_| Vec::with_capacity(n)).collect(),
            neurons: Vec::with_capacity(n),
            seed: Vec::with_capacity(n),
            master_seed: Vec::with_capacity(n),
            spikes: Vec::with_capacity(n),
            isis: Vec::with_capacity(n),
            firing_rate_hz: Vec::with_capacity(n),
            firing_rate_sem_hz: Vec::with_capacity(n),
            mean_v_mv: Vec::with_capacity(n),
            cv_isi: Vec::with_capacity(n),
            fano: Vec::with_capacity(n),
            theory_rate_hz: Vec::with_capacity(n),
            theory_cv: Vec::with_capacity(n),
            theory_reliable: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, job: &Job, result: &JobResult) {
        let (stats, theory) = (&result.stats, &result.theory);
        self.job_id.push(job.id);
        self.model.push(job.model.name());
        for (col, p) in self.input.iter_mut().zip(ModelParam::ALL) {
            col.push(job.input.get(p));
        }
        for (col, key) in self.shared.iter_mut().zip(real_keys()) {
            match key.get(job) {
                Some(SpecValue::Real(x)) => col.push(x),
                other => unreachable!("{} is a real key, got {other:?}", key.name()),
            }
        }
        self.integrator.push(job.sim.integrator.name());
        self.neurons.push(job.sim.neurons);
        self.seed.push(job.seed());
        self.master_seed.push(job.sim.seed);
        self.spikes.push(stats.spikes);
        self.isis.push(stats.isis);
        self.firing_rate_hz.push(stats.firing_rate_hz);
        self.firing_rate_sem_hz.push(stats.firing_rate_sem_hz);
        self.mean_v_mv.push(stats.mean_v_mv);
        self.cv_isi.push(stats.cv_isi);
        self.fano.push(stats.fano);
        self.theory_rate_hz.push(theory.rate_hz);
        self.theory_cv.push(theory.cv);
        self.theory_reliable.push(theory.reliable);
    }

    fn len(&self) -> usize {
        self.job_id.len()
    }
}

/// The output columns, in order, with their data (the single definition of the schema).
fn columns(rows: Rows) -> Vec<(Field, ArrayRef)> {
    // The buffers move into the arrays (no copy), except for the nullable ones.
    let u64s = |name: &str, v: Vec<u64>| {
        (
            Field::new(name, DataType::UInt64, false),
            Arc::new(UInt64Array::from(v)) as ArrayRef,
        )
    };
    let f64s = |name: &str, v: Vec<f64>| {
        (
            Field::new(name, DataType::Float64, false),
            Arc::new(Float64Array::from(v)) as ArrayRef,
        )
    };
    let nullable = |name: &str, v: Vec<Option<f64>>| {
        (
            Field::new(name, DataType::Float64, true),
            Arc::new(Float64Array::from(v)) as ArrayRef,
        )
    };
    let names = |name: &str, v: &[&str]| {
        let mut dict = StringDictionaryBuilder::<Int32Type>::new();
        for s in v {
            dict.append_value(s);
        }
        let array = Arc::new(dict.finish()) as ArrayRef;
        (Field::new(name, array.data_type().clone(), false), array)
    };

    let mut cols = vec![u64s("job_id", rows.job_id), names("model", &rows.model)];
    for (p, col) in ModelParam::ALL.iter().zip(rows.input) {
        cols.push(nullable(p.key(), col));
    }
    let (mut neurons, mut seed, mut master_seed) = (rows.neurons, rows.seed, rows.master_seed);
    let mut shared = rows.shared.into_iter();
    for key in Key::SHARED {
        match key {
            Key::Integrator => cols.push(names("integrator", &rows.integrator)),
            Key::Neurons => cols.push(u64s("neurons", std::mem::take(&mut neurons))),
            Key::Seed => {
                cols.push(u64s("seed", std::mem::take(&mut seed)));
                cols.push(u64s("master_seed", std::mem::take(&mut master_seed)));
            }
            _ => cols.push(f64s(
                key.name(),
                shared.next().expect("a column per real key"),
            )),
        }
    }
    cols.extend([
        u64s("spikes", rows.spikes),
        u64s("isis", rows.isis),
        f64s("firing_rate_hz", rows.firing_rate_hz),
        nullable("firing_rate_sem_hz", rows.firing_rate_sem_hz),
        f64s("mean_v_mv", rows.mean_v_mv),
        nullable("cv_isi", rows.cv_isi),
        nullable("fano", rows.fano),
        nullable("theory_rate_hz", rows.theory_rate_hz),
        nullable("theory_cv", rows.theory_cv),
        (
            Field::new("theory_reliable", DataType::Boolean, true),
            Arc::new(BooleanArray::from(rows.theory_reliable)) as ArrayRef,
        ),
    ]);
    cols
}

/// The schema of a result file.
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(
        columns(Rows::with_capacity(0))
            .into_iter()
            .map(|(f, _)| f)
            .collect::<Vec<_>>(),
    ))
}

/// The provenance written into a result file's key-value metadata.
pub fn metadata(spec_text: &str) -> Vec<(String, String)> {
    [
        ("lifsweep.version", crate::VERSION.to_string()),
        ("lifsweep.spec", spec_text.to_string()),
        ("lifsweep.rng", crate::rng::RNG_DESCRIPTION.to_string()),
        (
            "lifsweep.seed_derivation",
            crate::rng::SEED_DERIVATION.to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The writer settings every result file is written with (single files, dataset parts and
/// merged files alike), with `metadata` as the file's key-value metadata.
fn properties(metadata: Vec<(String, String)>) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_data_page_row_count_limit(PAGE_ROWS)
        // Dictionaries only for the two label columns: the numbers are mostly distinct, and
        // where a grid repeats them zstd does better without (files 10-25% smaller, written
        // faster: the dictionary look-ups were a sixth of a million-row run).
        .set_dictionary_enabled(false)
        .set_column_dictionary_enabled(ColumnPath::from("model"), true)
        .set_column_dictionary_enabled(ColumnPath::from("integrator"), true)
        .set_key_value_metadata(Some(
            metadata
                .into_iter()
                .map(|(k, v)| KeyValue::new(k, v))
                .collect(),
        ))
        .build()
}

/// Streams job rows into a Parquet file.
pub struct ResultWriter<W: Write + Send> {
    writer: BatchWriter<W>,
    rows: Rows,
    /// Rows buffered before they are handed to the Parquet writer.
    capacity: usize,
}

impl<W: Write + Send> ResultWriter<W> {
    /// A writer for about `rows` rows (it sizes its buffer by this; any number may be pushed),
    /// with the provenance of `spec_text` as the file's metadata.
    pub fn new(out: W, spec_text: &str, rows: u64) -> parquet::errors::Result<Self> {
        Self::with_metadata(out, metadata(spec_text), rows)
    }

    /// A writer for about `rows` rows with the key-value metadata `metadata`.
    pub fn with_metadata(
        out: W,
        metadata: Vec<(String, String)>,
        rows: u64,
    ) -> parquet::errors::Result<Self> {
        let capacity = rows.clamp(1, BATCH_ROWS as u64) as usize;
        Ok(ResultWriter {
            writer: BatchWriter::new(out, metadata)?,
            rows: Rows::with_capacity(capacity),
            capacity,
        })
    }

    /// Adds a job's row (rows must come in job order).
    pub fn push(&mut self, job: &Job, result: &JobResult) -> parquet::errors::Result<()> {
        self.rows.push(job, result);
        if self.rows.len() >= self.capacity {
            self.hand_over()?;
        }
        Ok(())
    }

    /// Hands the buffered rows to the Parquet writer, which encodes them into the current row
    /// group (and closes it when it holds [`ROW_GROUP_ROWS`]).
    fn hand_over(&mut self) -> parquet::errors::Result<()> {
        if self.rows.len() == 0 {
            return Ok(());
        }
        let rows = std::mem::replace(&mut self.rows, Rows::with_capacity(0));
        let arrays = columns(rows).into_iter().map(|(_, a)| a).collect();
        let batch = RecordBatch::try_new(self.writer.schema.clone(), arrays)?;
        self.writer.write(&batch)?;
        drop(batch);
        // The next buffer only once this one's memory is free (the peak stays one buffer).
        self.rows = Rows::with_capacity(self.capacity);
        Ok(())
    }

    /// Writes the remaining rows and the footer; returns the sink.
    pub fn finish(mut self) -> parquet::errors::Result<W> {
        self.hand_over()?;
        self.writer.finish()
    }
}

/// Writes record batches that are already in the result schema (rows read back from dataset
/// parts) with the settings of [`ResultWriter`], so that the same rows in the same order give
/// the same file, byte for byte.
///
/// The Parquet writer closes a page when it holds [`PAGE_ROWS`] rows, checked at the end of each
/// batch it is given; [`ResultWriter`] hands it batches of [`BATCH_ROWS`]. A batch given here is
/// cut where the rows written so far reach a multiple of `BATCH_ROWS`, so the pages close at the
/// same rows whatever the sizes of the batches given.
pub struct BatchWriter<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: SchemaRef,
    rows: u64,
}

impl<W: Write + Send> BatchWriter<W> {
    pub fn new(out: W, metadata: Vec<(String, String)>) -> parquet::errors::Result<Self> {
        let schema = schema();
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(properties(metadata)))?;
        Ok(BatchWriter {
            writer,
            schema,
            rows: 0,
        })
    }

    /// Appends `batch`'s rows (its columns must have the result schema's types).
    pub fn write(&mut self, batch: &RecordBatch) -> parquet::errors::Result<()> {
        let batch = RecordBatch::try_new(self.schema.clone(), batch.columns().to_vec())?;
        let mut offset = 0;
        while offset < batch.num_rows() {
            let to_boundary = BATCH_ROWS - (self.rows % BATCH_ROWS as u64) as usize;
            let len = to_boundary.min(batch.num_rows() - offset);
            self.writer.write(&batch.slice(offset, len))?;
            offset += len;
            self.rows += len as u64;
        }
        Ok(())
    }

    /// Writes the footer; returns the sink.
    pub fn finish(self) -> parquet::errors::Result<W> {
        self.writer.into_inner()
    }
}
