//! `lifsweep plan`: what a spec will do, without simulating: jobs and neuron-steps per block,
//! an estimate of the wall time and of the output size.

use std::fmt;

use crate::input::{Cost, Model, Param};
use crate::job::Job;
use crate::spec::{Key, KeyValue, Spec};

// The cost model: a job takes `neuron-steps x ns_per_neuron_step + steps x ns_per_job_step +
// neurons x ns_per_neuron + seconds_per_job` on one thread; a run takes the sum over threads
// plus `PROCESS_SECONDS`. The terms are those of constant input ([`BASE`]) plus each input
// part's (`Part::cost`, in the part's file). Measured on the 2-core AMD EPYC (Zen 4, AVX-512)
// machine, release build, one thread, whole processes (best of 3), with
// `bash benches/plan_costs.sh`, which runs the shapes that isolate each term: 25,600 neurons x
// 20,000 steps per model (steps), one job of 10^7 neurons and one step (neurons), a million
// one-neuron jobs of one step (jobs).

/// The cost of a constant-input job: the membrane, statistics, planning, seed, row and the
/// exact constant theory.
pub const BASE: Cost = Cost {
    ns_per_neuron_step: 0.12,
    ns_per_neuron: 14.0,
    seconds_per_job: 0.26e-6,
    ..Cost::NONE
};

/// What the V statistics add (`v_stats = true`): a pass over V per counted step, 0.09 ns per
/// neuron-step measured on W1, 0.12 on W2, 0.125 on W3 (where constant input also loses its
/// two-steps-per-pass kernel); docs/performance.md.
pub const V_STATS: Cost = Cost {
    ns_per_neuron_step: 0.12,
    ..Cost::NONE
};

/// What V's first harmonic adds for a job with a sine part (a sine and cosine per job and step,
/// a pass over the lanes): 0.28 ns per neuron-step measured on sweeps/subthreshold_sine.toml
/// (100-neuron jobs).
pub const V_HARMONIC: Cost = Cost {
    ns_per_neuron_step: 0.1,
    ns_per_job_step: 15.0,
    ..Cost::NONE
};

/// A part's cost per job without the theory columns (`theory = false`), s: W5 (a million
/// one-neuron noise jobs of 100 steps) took 0.50 s without them (AMD EPYC Zen 4, one thread),
/// of which the stepping and [`BASE`]'s cost per job leave 0.14 us a job. (With them it took
/// 16.9 s while the theory was adaptive quadrature; since the tables, 0.67 s.)
pub const THEORY_FREE_PART_SECONDS: f64 = 0.14e-6;

/// Where the costs were measured, as the estimate says it.
pub const COSTS_MEASURED_ON: &str =
    "per-model costs measured on one core of an AMD EPYC Zen 4 with AVX-512";

/// What the estimate means on a CPU with vector unit `level`, after [`COSTS_MEASURED_ON`]: a
/// CPU without AVX-512 runs the narrower loops, and the one such machine measured (AMD EPYC
/// Zen 3, a virtual machine, `bash benches/plan_costs.sh`, 2026-12-07: docs/performance.md)
/// took 2.4 to 4.9 times the estimate.
pub fn costs_note(level: crate::fastmath::SimdLevel) -> &'static str {
    use crate::fastmath::SimdLevel;
    match level {
        SimdLevel::Avx512 => "your machine may differ",
        SimdLevel::Avx2 => {
            "this CPU has AVX2 but not AVX-512, and an AMD EPYC Zen 3 of that kind took 2.4 to \
             4.9 times the estimate"
        }
        SimdLevel::Baseline => {
            "this CPU has neither AVX-512 nor AVX2: expect several times the estimate"
        }
    }
}

/// Start-up, spec, output file and exit of a run (s).
pub const PROCESS_SECONDS: f64 = 0.003;

/// The keys [`job_seconds`] of a model depends on.
pub fn cost_keys(model: Model) -> Vec<Key> {
    let mut keys = vec![
        Key::Neurons,
        Key::Duration,
        Key::Dt,
        Key::VStats,
        Key::Theory,
    ];
    for part in model.parts() {
        keys.extend(part.cost.params.iter().map(|d| Key::Input(Param::of(d))));
    }
    keys
}

/// Estimated single-thread time of one job (s): the one cost formula, for `plan` and for the
/// chunks of a dataset.
pub fn job_seconds(job: &Job) -> f64 {
    let steps = job.n_steps() as f64;
    let neurons = job.sim.neurons as f64;
    std::iter::once(&BASE)
        .chain(job.sim.v_stats.then_some(&V_STATS))
        .chain((job.sim.v_stats && job.model.has(crate::input::AMP)).then_some(&V_HARMONIC))
        .chain(job.model.parts().map(|p| &p.cost))
        .enumerate()
        .map(|(i, c)| {
            let events = c
                .events_per_step
                .map_or(0.0, |f| f(&job.input, job.sim.dt_ms));
            (steps * neurons * (c.ns_per_neuron_step + c.ns_per_event * events)
                + steps * c.ns_per_job_step
                + neurons * c.ns_per_neuron)
                * 1e-9
                // A part's cost per job is almost all its theory: without it, at most
                // THEORY_FREE_PART_SECONDS (BASE, first, is the row's own cost).
                + if job.sim.theory || i == 0 {
                    c.seconds_per_job
                } else {
                    c.seconds_per_job.min(THEORY_FREE_PART_SECONDS)
                }
        })
        .sum()
}

/// Measured compressed size of one result row (bytes; 22.4 MB for a million rows), for estimates.
pub const BYTES_PER_ROW: f64 = 22.5;

/// Measured size of a result file's footer, schema and metadata (bytes), for estimates.
pub const BYTES_PER_FILE: f64 = 16_000.0;

/// A result bigger than this is probably a mistake (warned about).
pub const ABSURD_BYTES: f64 = 1e11;

/// A wall time longer than this (30 days) is probably a mistake (warned about).
pub const ABSURD_SECONDS: f64 = 30.0 * 86400.0;

/// Peak memory of a run, measured (resident set, `/usr/bin/time -f %M`; README "Memory"), as
/// the terms of a conservative estimate: the process with its threads and writer (10 MB
/// measured for small sweeps; 16 assumed), each worker thread's chunk of batches (1.6 MB
/// measured; 2 assumed), the row group being encoded (at most 65,536 rows; 250 bytes a row
/// assumed, which puts a million one-neuron jobs at 40 MB against 23-25 MB measured), the rows
/// queued for the writer (8 x 1,024), and each value of the spec's axes (16 bytes). Memory does
/// not grow with the size of a job (the engine cuts a big job across its chunks).
pub mod memory {
    pub const BASE: f64 = 16e6;
    pub const PER_THREAD: f64 = 2e6;
    pub const PER_ROW_IN_GROUP: f64 = 250.0;
    pub const QUEUED_ROWS: f64 = 8.0 * 1024.0;
    pub const PER_QUEUED_ROW: f64 = 700.0;
    pub const PER_AXIS_VALUE: f64 = 16.0;
    /// A dataset run holds its part encoded in memory until it is written (bytes per row).
    pub const PER_PART_ROW: f64 = 30.0;
    /// A row's histogram counts are held as 8-byte integers in the rows queued for the writer
    /// and in the engine's chunk (a chunk of up to 1,024 jobs per thread, and its successor):
    /// 10,000 one-neuron jobs with 2,000 bins each peaked at 160 MB against 20 MB without.
    pub const PER_COUNT: f64 = 8.0;
    pub const CHUNK_ROWS_PER_THREAD: f64 = 2.0 * 1024.0;
}

/// Compressed bytes per histogram count in a result file, for estimates: 0.05 measured for
/// mostly empty bins (10,000 rows x 2,000 bins: 1.0 MB); dense counts take more, so 0.5.
pub const BYTES_PER_COUNT: f64 = 0.5;

pub struct BlockPlan {
    pub number: usize,
    pub line: usize,
    pub model: Model,
    pub axes: Vec<(String, usize)>,
    pub jobs: u64,
    /// Exact, however big.
    pub neuron_steps: u128,
    pub seconds_one_thread: f64,
}

pub struct Plan {
    pub blocks: Vec<BlockPlan>,
    pub threads: usize,
    /// Values held by the spec's axes.
    pub axis_values: u64,
    /// The most histogram bins a job of the spec may have (all three histograms).
    pub max_bins: u64,
    /// Histogram counts of all rows, at most (for the output's size).
    pub counts: f64,
}

impl Plan {
    pub fn new(spec: &Spec, threads: usize) -> Plan {
        let blocks = spec
            .blocks
            .iter()
            .map(|b| BlockPlan {
                number: b.number,
                line: b.line,
                model: b.model,
                axes: b
                    .axes
                    .iter()
                    .map(|a| (a.key.name().to_string(), a.values.len()))
                    .collect(),
                jobs: b.len(),
                neuron_steps: b.neuron_steps(),
                seconds_one_thread: b.sum_over(&cost_keys(b.model), job_seconds),
            })
            .collect();
        let axis_values = spec
            .blocks
            .iter()
            .flat_map(|b| b.axes.iter())
            .map(|a| a.values.len() as u64)
            .sum();
        let bins: Vec<u64> = spec.blocks.iter().map(block_bins).collect();
        Plan {
            max_bins: bins.iter().copied().max().unwrap_or(0),
            counts: spec
                .blocks
                .iter()
                .zip(&bins)
                .map(|(b, &n)| b.len() as f64 * n as f64)
                .sum(),
            blocks,
            threads,
            axis_values,
        }
    }

    /// Estimated peak memory (bytes) of a run on [`Plan::threads`] threads into one file, or
    /// into a dataset whose biggest chunk has `part_rows` jobs (see [`memory`]).
    pub fn peak_bytes(&self, part_rows: Option<u64>) -> f64 {
        let rows = self.jobs() as f64;
        memory::BASE
            + self.threads as f64 * memory::PER_THREAD
            + rows.min(crate::output::ROW_GROUP_ROWS as f64) * memory::PER_ROW_IN_GROUP
            + rows.min(memory::QUEUED_ROWS) * memory::PER_QUEUED_ROW
            + self.axis_values as f64 * memory::PER_AXIS_VALUE
            + part_rows.map_or(0.0, |r| r as f64 * memory::PER_PART_ROW)
            + rows.min(memory::QUEUED_ROWS + self.threads as f64 * memory::CHUNK_ROWS_PER_THREAD)
                * self.max_bins as f64
                * memory::PER_COUNT
    }

    pub fn jobs(&self) -> u64 {
        self.blocks.iter().map(|b| b.jobs).sum()
    }

    pub fn neuron_steps(&self) -> u128 {
        self.blocks.iter().map(|b| b.neuron_steps).sum()
    }

    /// Estimated wall time (s) on `threads` threads.
    pub fn seconds(&self) -> f64 {
        PROCESS_SECONDS
            + self
                .blocks
                .iter()
                .map(|b| b.seconds_one_thread)
                .sum::<f64>()
                / self.threads as f64
    }

    /// Warnings about a sweep whose size is probably not what was meant: an estimated result
    /// over [`ABSURD_BYTES`], or a wall time over [`ABSURD_SECONDS`] on the threads given.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.bytes() > ABSURD_BYTES {
            out.push(format!(
                "the result would be about {} ({} jobs): is an axis longer than meant?",
                human_bytes(self.bytes()),
                self.jobs()
            ));
        }
        if self.seconds() > ABSURD_SECONDS {
            out.push(format!(
                "the sweep would take about {} on {} threads ({:.3e} neuron-steps): is an axis \
                 longer than meant? (`lifsweep slurm` spreads a sweep over a cluster)",
                human_time(self.seconds()),
                self.threads,
                self.neuron_steps() as f64
            ));
        }
        out
    }

    /// Estimated output size (bytes).
    pub fn bytes(&self) -> f64 {
        self.jobs() as f64 * BYTES_PER_ROW + self.counts * BYTES_PER_COUNT + BYTES_PER_FILE
    }
}

/// The most histogram bins a job of block `b` may have, from the extremes of its keys (the spec
/// has checked each histogram's bins against [`crate::engine::MAX_BINS`]).
fn block_bins(b: &crate::spec::Block) -> u64 {
    let reals = |k: Key| b.values(k).into_iter().map(KeyValue::real);
    let max = |k: Key| reals(k).fold(0.0, f64::max);
    let min_positive = |k: Key| reals(k).filter(|&x| x > 0.0).fold(f64::INFINITY, f64::min);
    let isi = max(Key::IsiMax) / min_positive(Key::IsiBin);
    let window = max(Key::Duration) - reals(Key::Warmup).fold(f64::INFINITY, f64::min);
    let psth = (window / min_positive(Key::PsthBin)).ceil();
    let finite = |x: f64| if x.is_finite() { x.round() as u64 } else { 0 };
    finite(isi) + finite(psth) + max(Key::CycleBins) as u64
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "block  line  model     jobs          neuron-steps  axes")?;
        for b in &self.blocks {
            let axes = if b.axes.is_empty() {
                "(single job)".to_string()
            } else {
                b.axes
                    .iter()
                    .map(|(k, n)| format!("{k} x{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            writeln!(
                f,
                "{:>5}  {:>4}  {:<8}  {:>12}  {:>12.3e}  {axes}",
                b.number,
                b.line,
                b.model.name(),
                b.jobs,
                b.neuron_steps as f64
            )?;
        }
        writeln!(
            f,
            "total: {} jobs, {:.3e} neuron-steps",
            self.jobs(),
            self.neuron_steps() as f64
        )?;
        writeln!(
            f,
            "estimated wall time on {} threads: {} ({COSTS_MEASURED_ON}; {})",
            self.threads,
            human_time(self.seconds()),
            costs_note(crate::fastmath::simd_level())
        )?;
        writeln!(f, "estimated output size: {}", human_bytes(self.bytes()))?;
        write!(
            f,
            "estimated peak memory: {} (into one file; memory does not grow with jobs or neurons)",
            human_bytes(self.peak_bytes(None))
        )
    }
}

fn human_time(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.1} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else if s < 3.0 * 86400.0 {
        format!("{:.1} h", s / 3600.0)
    } else if s < 3.0 * 365.25 * 86400.0 {
        format!("{:.1} days", s / 86400.0)
    } else {
        format!("{:.0} years", s / (365.25 * 86400.0))
    }
}

fn human_bytes(b: f64) -> String {
    match b {
        b if b < 1e6 => format!("{:.0} kB", b / 1e3),
        b if b < 1e9 => format!("{:.1} MB", b / 1e6),
        b if b < 1e12 => format!("{:.2} GB", b / 1e9),
        b => format!("{:.1} TB", b / 1e12),
    }
}

#[cfg(test)]
mod cost_tests {
    use super::*;
    use crate::input::{AMP, MU, PERIOD, RATE, SIGMA, TAU_S, W};

    fn job(model: Model) -> Job {
        let mut j = Job::new(model);
        for (p, x) in [
            (MU, 1.0),
            (AMP, 0.5),
            (PERIOD, 10.0),
            (SIGMA, 0.3),
            (RATE, 4000.0),
            (W, 0.1),
            (TAU_S, 2.0),
        ] {
            if model.has(p) {
                j.input.set(p, Some(x));
            }
        }
        j
    }

    /// A combination costs its parts' shares on top of one constant-input job's.
    #[test]
    fn a_combination_costs_the_sum_of_its_parts() {
        let base = job_seconds(&job(Model::CONSTANT));
        let extra = |m| job_seconds(&job(m)) - base;
        let all = Model::SINE.with(Model::NOISE).with(Model::POISSON);
        let sum = extra(Model::SINE) + extra(Model::NOISE) + extra(Model::POISSON);
        assert!((extra(all) - sum).abs() <= 1e-12 * job_seconds(&job(all)));
        assert!(extra(Model::POISSON) > 0.0 && extra(Model::NOISE) > 0.0);
        // Poisson's share grows with its events per step, and plan expands its rate axis.
        let mut busy = job(Model::POISSON);
        busy.input.set(RATE, Some(40_000.0));
        assert!(job_seconds(&busy) > job_seconds(&job(Model::POISSON)));
        assert!(cost_keys(Model::POISSON).contains(&Key::Input(RATE)));
        assert!(!cost_keys(Model::NOISE).contains(&Key::Input(SIGMA)));
    }

    /// The estimate says where its costs were measured, and, on a CPU without AVX-512, how
    /// much longer the one such machine measured took.
    #[test]
    fn the_estimate_says_what_machine_its_costs_are_from() {
        use crate::fastmath::{SimdLevel, simd_level};
        let notes = [SimdLevel::Avx512, SimdLevel::Avx2, SimdLevel::Baseline].map(costs_note);
        assert!(COSTS_MEASURED_ON.contains("Zen 4 with AVX-512"));
        assert!(notes[1].contains("2.4 to 4.9 times") && !notes[0].contains("times"));
        let spec = Spec::parse("[[sweep]]\nmodel = \"constant\"\nmu_na = 1.0\n").unwrap();
        let text = Plan::new(&spec, 1).to_string();
        let said = format!("({COSTS_MEASURED_ON}; {})", costs_note(simd_level()));
        assert!(text.contains(&said), "{text}");
    }
}
