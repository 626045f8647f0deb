//! The one column table of a result file: each column's name, Arrow type, nullability, unit,
//! when it is null, and how a row fills it. The schema, the row buffer and the docs' column
//! table are derived from it; the input parameter columns come from the registry.

use std::sync::{Arc, LazyLock, Mutex};

use arrow_array::builder::{ListBuilder, UInt64Builder};
use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int32Array, StringArray,
    UInt64Array,
};
use arrow_schema::{DataType, Field};

use crate::engine::JobResult;
use crate::input::{MU, Param};
use crate::job::Job;
use crate::spec::{Key, KeyValue, ValueKind};

/// How a row fills a column, and so its type.
#[derive(Clone, Copy)]
pub enum Fill {
    /// uint64, never null.
    U64(fn(&Job, &JobResult) -> u64),
    /// float64, never null.
    F64(fn(&Job, &JobResult) -> f64),
    /// float64, null where `None`.
    OptF64(fn(&Job, &JobResult) -> Option<f64>),
    /// bool, never null.
    Bool(fn(&Job, &JobResult) -> bool),
    /// bool, null where `None`.
    OptBool(fn(&Job, &JobResult) -> Option<bool>),
    /// A list of uint64 counts (its items never null), null where `None`.
    OptCounts(for<'a> fn(&'a Job, &'a JobResult) -> Option<&'a [u64]>),
    /// A dictionary-encoded string, never null.
    Label(fn(&Job, &JobResult) -> &'static str),
    /// An input parameter: float64, null where the job's model has no such parameter.
    Param(Param),
    /// A real-valued `[neuron]` or `[simulation]` key: float64, never null.
    Key(Key),
}

/// One column of a result file.
pub struct Column {
    pub name: &'static str,
    pub fill: Fill,
    pub unit: &'static str,
    /// When it is null, or what it holds (for the docs).
    pub doc: &'static str,
}

impl Column {
    pub fn data_type(&self) -> DataType {
        match self.fill {
            Fill::U64(_) => DataType::UInt64,
            Fill::F64(_) | Fill::OptF64(_) | Fill::Param(_) | Fill::Key(_) => DataType::Float64,
            Fill::Bool(_) | Fill::OptBool(_) => DataType::Boolean,
            Fill::Label(_) => {
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
            }
            Fill::OptCounts(_) => DataType::List(Arc::new(count_item())),
        }
    }

    pub fn nullable(&self) -> bool {
        matches!(
            self.fill,
            Fill::OptF64(_) | Fill::OptBool(_) | Fill::Param(_) | Fill::OptCounts(_)
        )
    }

    pub fn field(&self) -> Field {
        Field::new(self.name, self.data_type(), self.nullable())
    }

    /// The type as the docs name it.
    fn type_name(&self) -> &'static str {
        match self.fill {
            Fill::U64(_) => "uint64",
            Fill::Bool(_) | Fill::OptBool(_) => "bool",
            Fill::Label(_) => "string (dictionary)",
            Fill::OptCounts(_) => "list<uint64>",
            _ => "float64",
        }
    }
}

/// The item of a list of counts: uint64, never null.
fn count_item() -> Field {
    Field::new_list_field(DataType::UInt64, false)
}

/// Every column, in file order.
pub static COLUMNS: LazyLock<Vec<Column>> = LazyLock::new(|| {
    let col = |name, fill, unit, doc| Column {
        name,
        fill,
        unit,
        doc,
    };
    let mut cols = vec![
        col("job_id", Fill::U64(|j, _| j.id), "", "position in the grid"),
        col(
            "model",
            Fill::Label(|j, _| j.model.name()),
            "",
            "canonical name: the input parts in registry order joined by +, or constant",
        ),
    ];
    for p in Param::all() {
        let doc = if p == MU {
            "set for every job"
        } else {
            "null where the job's model has no such parameter (never a fake 0)"
        };
        cols.push(col(p.key(), Fill::Param(p), p.def().unit, doc));
    }
    for key in Key::SHARED {
        match key {
            Key::Integrator => cols.push(col(
                "integrator",
                Fill::Label(|j, _| j.sim.integrator.name()),
                "",
                "euler or exact",
            )),
            Key::Neurons => cols.push(col("neurons", Fill::U64(|j, _| j.sim.neurons), "", "")),
            Key::CycleBins => cols.push(col(
                "cycle_bins",
                Fill::U64(|j, _| j.sim.cycle_bins),
                "",
                "bins per period of cycle_hist (0: none)",
            )),
            Key::Theory => cols.push(col(
                "theory",
                Fill::Bool(|j, _| j.sim.theory),
                "",
                "whether the theory columns were computed (false: every theory_* column null)",
            )),
            Key::VStats => cols.push(col(
                "v_stats",
                Fill::Bool(|j, _| j.sim.v_stats),
                "",
                "whether std_v_mv and V's first harmonic were taken",
            )),
            Key::Seed => {
                cols.push(col(
                    "seed",
                    Fill::U64(|_, r| r.seed),
                    "",
                    "the job's own derived seed",
                ));
                cols.push(col(
                    "master_seed",
                    Fill::U64(|j, _| j.sim.seed),
                    "",
                    "the spec's seed for this job",
                ));
            }
            key => {
                debug_assert_eq!(key.kind(), ValueKind::Real);
                cols.push(col(key.name(), Fill::Key(key), key.unit(), ""));
            }
        }
    }
    cols.extend([
        col(
            "spikes",
            Fill::U64(|_, r| r.stats.spikes),
            "",
            "in the counting window",
        ),
        col(
            "isis",
            Fill::U64(|_, r| r.stats.isis),
            "",
            "intervals in the window",
        ),
        col(
            "firing_rate_hz",
            Fill::F64(|_, r| r.stats.firing_rate_hz),
            "Hz",
            "",
        ),
        col(
            "firing_rate_sem_hz",
            Fill::OptF64(|_, r| r.stats.firing_rate_sem_hz),
            "Hz",
            "null for one-neuron jobs",
        ),
        col("mean_v_mv", Fill::F64(|_, r| r.stats.mean_v_mv), "mV", ""),
        col(
            "mean_isi_ms",
            Fill::OptF64(|_, r| r.stats.mean_isi_ms),
            "ms",
            "null where isis = 0",
        ),
        col(
            "cv_isi",
            Fill::OptF64(|_, r| r.stats.cv_isi),
            "",
            "null where isis < 2",
        ),
        col(
            "fano",
            Fill::OptF64(|_, r| r.stats.fano),
            "",
            "null without spikes, and for one-neuron jobs",
        ),
        col(
            "vector_strength",
            Fill::OptF64(|_, r| r.stats.locking.map(|l| l.vector_strength)),
            "",
            "|sum of exp(i theta_k)| / n over the counted spikes, theta_k the sine's phase at \
             spike k; null without a sine part or without spikes",
        ),
        col(
            "spike_phase_deg",
            Fill::OptF64(|_, r| r.stats.locking.map(|l| l.phase_deg)),
            "deg",
            "the mean spike phase of the sine, in [0, 360) (90: at its peak); null as \
             vector_strength",
        ),
        col(
            "rate_modulation_hz",
            Fill::OptF64(|_, r| r.stats.locking.map(|l| l.rate_modulation_hz)),
            "Hz",
            "the first harmonic of the rate, 2 firing_rate_hz vector_strength; null as \
             vector_strength",
        ),
        col(
            "std_v_mv",
            Fill::OptF64(|_, r| r.stats.std_v_mv),
            "mV",
            "standard deviation of V(t_n) over neurons and counted steps; null unless v_stats",
        ),
        col(
            "v_harmonic_mv",
            Fill::OptF64(|_, r| r.stats.v_harmonic.map(|h| h.amp_mv)),
            "mV",
            "amplitude A of V's first harmonic, the least-squares V = m + A sin(theta + psi) \
             over the counted steps; null unless v_stats and a sine part",
        ),
        col(
            "v_harmonic_phase_deg",
            Fill::OptF64(|_, r| r.stats.v_harmonic.map(|h| h.phase_deg)),
            "deg",
            "psi, V's phase against the sine, in (-180, 180] (negative: V lags); null as \
             v_harmonic_mv",
        ),
        col(
            "isi_hist",
            Fill::OptCounts(|_, r| r.stats.hists().isi.as_deref()),
            "",
            "counted intervals per bin [k isi_bin_ms, (k+1) isi_bin_ms) below isi_max_ms (isis - \
             sum of them are longer); null unless isi_bin_ms > 0",
        ),
        col(
            "psth",
            Fill::OptCounts(|_, r| r.stats.hists().psth.as_deref()),
            "",
            "spikes of all neurons per bin (warmup + k b, warmup + (k+1) b] of the window, b = \
             psth_bin_ms (the last bin may be shorter); null unless psth_bin_ms > 0",
        ),
        col(
            "cycle_hist",
            Fill::OptCounts(|_, r| r.stats.hists().cycle.as_deref()),
            "",
            "counted spikes per bin of the sine's phase at the spike, cycle_bins bins from 0 to \
             360 deg; null unless cycle_bins > 0 and a sine part",
        ),
        col(
            "theory_rate_hz",
            Fill::OptF64(|_, r| r.theory.rate_hz),
            "Hz",
            "null without a theory (a sine alone or on coloured noise or synapses; several parts \
             that are not quiet and not all fluctuating)",
        ),
        col(
            "theory_cv",
            Fill::OptF64(|_, r| r.theory.cv),
            "",
            "null without a theory; fewer than 2 intervals per job (constant theory); \
             y_th > 18 (white-noise theory, rate < 1e-140 Hz)",
        ),
        col(
            "theory_reliable",
            Fill::OptBool(|_, r| r.theory.reliable),
            "",
            "null without a theory; true where the theory is exact or shown to hold",
        ),
        col(
            "theory_rate_modulation_hz",
            Fill::OptF64(|_, r| r.theory.locking.map(|l| l.rate_modulation_hz)),
            "Hz",
            "a sine on white noise: |chi(omega)| R |amp_na|, chi the linear response of the rate \
             (threshold integration); null for other models",
        ),
        col(
            "theory_spike_phase_deg",
            Fill::OptF64(|_, r| r.theory.locking.map(|l| l.spike_phase_deg)),
            "deg",
            "the sine's phase at the predicted rate's peak, in [0, 360); null as \
             theory_rate_modulation_hz",
        ),
        col(
            "theory_mean_v_mv",
            Fill::OptF64(|_, r| r.theory.v.map(|v| v.mean_mv)),
            "mV",
            "the free membrane's (never firing) mean V; null unless v_stats, or where a part \
             has no such theory",
        ),
        col(
            "theory_std_v_mv",
            Fill::OptF64(|_, r| r.theory.v.map(|v| v.std_mv)),
            "mV",
            "the free membrane's standard deviation of V (a sine's share over whole periods); \
             null as theory_mean_v_mv",
        ),
        col(
            "theory_v_harmonic_mv",
            Fill::OptF64(|_, r| r.theory.v.and_then(|v| v.harmonic).map(|h| h.amp_mv)),
            "mV",
            "the free membrane's first harmonic of V, exact for the discrete map; null without \
             a sine part",
        ),
        col(
            "theory_v_harmonic_phase_deg",
            Fill::OptF64(|_, r| r.theory.v.and_then(|v| v.harmonic).map(|h| h.phase_deg)),
            "deg",
            "its phase against the sine, in (-180, 180]; null as theory_v_harmonic_mv",
        ),
        col(
            "theory_v_reliable",
            Fill::OptBool(|_, r| r.theory.v.map(|v| v.reliable)),
            "",
            "true where V stays below threshold with a margin of 5 standard deviations, so the \
             free membrane holds; null as theory_mean_v_mv",
        ),
    ]);
    cols
});

/// The docs' column table (Markdown), derived from [`COLUMNS`].
pub fn markdown_table() -> String {
    let mut out = String::from("| column | type | unit | null when / holds |\n|---|---|---|---|\n");
    for c in COLUMNS.iter() {
        out.push_str(&format!(
            "| `{}` | {}{} | {} | {} |\n",
            c.name,
            c.type_name(),
            if c.nullable() { ", nullable" } else { "" },
            c.unit,
            c.doc
        ));
    }
    out
}

/// A row as the engine gives it: the job and its result.
pub type Row = (Job, JobResult);

/// The arrays of `rows`, in column order (see [`array`]).
#[cfg(test)]
pub fn arrays(rows: &[Row], nulls: &NullArrays) -> Vec<ArrayRef> {
    (0..COLUMNS.len()).map(|i| array(i, rows, nulls)).collect()
}

/// Column `i`'s array of `rows`: one column at a time over all rows (the same fill for every
/// row in turn is far cheaper than every fill for one row: its indirect call is predicted). In
/// tiles of 32 rows, every column of a tile before the next, it was slower (its share of the
/// writer thread's time 0.30 -> 0.48 in W5): the long strided walks over all rows prefetch well,
/// the short ones do not. Each column is made by itself, so that columns can be made (and
/// encoded) side by side.
///
/// `nulls` keeps the all-null arrays made so far: a column a run does not use (most input
/// parameters, the histograms, the V statistics) is the same array in every batch, shared
/// instead of allocated and zeroed anew (Arrow arrays are immutable). With the label columns
/// below, the arrays of a W5-like run take a third fewer instructions (callgrind: 1,785 -> 1,180
/// a row; the writer thread's total 6,190 -> 5,560).
pub fn array(i: usize, rows: &[Row], nulls: &NullArrays) -> ArrayRef {
    let c = &COLUMNS[i];
    match c.fill {
        Fill::U64(f) => Arc::new(UInt64Array::from(
            rows.iter().map(|(j, r)| f(j, r)).collect::<Vec<_>>(),
        )) as ArrayRef,
        Fill::F64(f) => Arc::new(Float64Array::from(
            rows.iter().map(|(j, r)| f(j, r)).collect::<Vec<_>>(),
        )),
        Fill::Key(key) => Arc::new(Float64Array::from(
            rows.iter()
                .map(|(j, _)| match key.get(j) {
                    Some(KeyValue::Real(x)) => x,
                    other => {
                        unreachable!("{} is a real key, got {other:?}", key.name())
                    }
                })
                .collect::<Vec<_>>(),
        )),
        Fill::OptF64(f) => {
            optional::<_, Float64Array>(rows.iter().map(|(j, r)| f(j, r)).collect(), i, nulls)
        }
        Fill::Param(p) => optional::<_, Float64Array>(
            rows.iter().map(|(j, _)| j.input.get(p)).collect(),
            i,
            nulls,
        ),
        Fill::Bool(f) => Arc::new(BooleanArray::from(
            rows.iter().map(|(j, r)| f(j, r)).collect::<Vec<_>>(),
        )),
        Fill::OptBool(f) => {
            optional::<_, BooleanArray>(rows.iter().map(|(j, r)| f(j, r)).collect(), i, nulls)
        }
        Fill::OptCounts(f) if rows.iter().all(|(j, r)| f(j, r).is_none()) => {
            nulls.get(i, rows.len())
        }
        Fill::OptCounts(f) => {
            let mut list =
                ListBuilder::new(UInt64Builder::new()).with_field(Arc::new(count_item()));
            for (j, r) in rows {
                match f(j, r) {
                    Some(counts) => {
                        list.values().append_slice(counts);
                        list.append(true);
                    }
                    None => list.append(false),
                }
            }
            Arc::new(list.finish())
        }
        Fill::Label(f) => label(rows.iter().map(|(j, r)| f(j, r))),
    }
}

/// The last all-null array made of each column (a writer's batches mostly have one length),
/// each behind a lock of its own, which only that column's maker takes.
pub struct NullArrays(Vec<Mutex<Option<ArrayRef>>>);

impl Default for NullArrays {
    fn default() -> Self {
        NullArrays(COLUMNS.iter().map(|_| Mutex::new(None)).collect())
    }
}

impl NullArrays {
    /// Column `i`'s all-null array of `len` entries.
    fn get(&self, i: usize, len: usize) -> ArrayRef {
        let mut slot = self.0[i].lock().unwrap_or_else(|p| p.into_inner());
        match &*slot {
            Some(a) if a.len() == len => a.clone(),
            _ => slot
                .insert(arrow_array::new_null_array(&COLUMNS[i].data_type(), len))
                .clone(),
        }
    }
}

/// Column `i` (nullable, its array an `A`: float64 or bool) from its values; one that is all
/// null (a column the run does not use) is a shared null array. Each value is read from the
/// rows once.
fn optional<T, A>(values: Vec<Option<T>>, i: usize, nulls: &NullArrays) -> ArrayRef
where
    A: Array + From<Vec<Option<T>>> + 'static,
{
    if values.iter().all(Option::is_none) {
        nulls.get(i, values.len())
    } else {
        Arc::new(A::from(values))
    }
}

/// A dictionary-encoded label column (its values are a handful of static names, and runs of
/// rows share one): each label is compared with the last one's by address before the short
/// list of labels seen is searched, so no row is hashed. Arrow's dictionary builder hashed
/// every row: 330 instructions a row for the two label columns, now 100 (callgrind, W5-like;
/// Parquet's own interner hashes them again, another 545, which its API leaves no way around).
fn label<'a>(labels: impl Iterator<Item = &'a str>) -> ArrayRef {
    let mut seen: Vec<&str> = Vec::new();
    let mut last: Option<(&str, i32)> = None;
    let keys: Vec<i32> = labels
        .map(|l| match last {
            Some((prev, key)) if std::ptr::eq(prev, l) => key,
            _ => {
                let key = match seen.iter().position(|&s| s == l) {
                    Some(k) => k,
                    None => {
                        seen.push(l);
                        seen.len() - 1
                    }
                } as i32;
                last = Some((l, key));
                key
            }
        })
        .collect();
    Arc::new(DictionaryArray::<Int32Type>::new(
        Int32Array::from(keys),
        Arc::new(StringArray::from(seen)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;

    #[test]
    fn a_label_column_holds_its_labels_in_order() {
        // Runs, alternations, a label back after others, and equal text at another address.
        let other = String::from("noise");
        let labels = [
            "noise", "noise", "sine", "noise", "poisson", "poisson", "sine", &other, "noise",
        ];
        let array = label(labels.iter().copied());
        let dict = array.as_dictionary::<Int32Type>();
        let values = dict.values().as_string::<i32>();
        let read: Vec<&str> = dict
            .keys()
            .values()
            .iter()
            .map(|&k| values.value(k as usize))
            .collect();
        assert_eq!(read, labels);
        // Each distinct label once in the dictionary.
        assert_eq!(values.len(), 3);
        assert_eq!(dict.keys().null_count(), 0);
    }

    #[test]
    fn null_arrays_are_shared_by_column_and_length() {
        let nulls = NullArrays::default();
        let float = COLUMNS
            .iter()
            .position(|c| matches!(c.fill, Fill::OptF64(_)))
            .unwrap();
        let boolean = COLUMNS
            .iter()
            .position(|c| matches!(c.fill, Fill::OptBool(_)))
            .unwrap();
        let a = nulls.get(float, 1024);
        let b = nulls.get(float, 1024);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!((a.len(), a.null_count()), (1024, 1024));
        assert_eq!(a.data_type(), &DataType::Float64);
        let d = nulls.get(boolean, 1024);
        assert_eq!(d.data_type(), &DataType::Boolean);
        assert!(!Arc::ptr_eq(&a, &d));
        // Another length makes a new one, which is then kept.
        let c = nulls.get(float, 7);
        assert_eq!((c.len(), c.null_count()), (7, 7));
        assert!(Arc::ptr_eq(&c, &nulls.get(float, 7)));
    }
}
