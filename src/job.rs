//! One point of the sweep grid: every parameter a simulation needs.
//!
//! The spec's key vocabulary (which names set which field) lives in [`crate::spec::Key`]; the
//! input parameters in [`crate::input`].

use crate::input::{JobView, MU, Model, ModelParams};
use crate::neuron::{Integrator, NeuronParams};
use crate::rng;

/// How a job is simulated: time step, length, population and master seed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimParams {
    pub dt_ms: f64,
    pub duration_ms: f64,
    pub warmup_ms: f64,
    pub neurons: u64,
    /// The run's master seed; the job's own seed is [`Job::seed`].
    pub seed: u64,
    pub integrator: Integrator,
    /// Whether the V statistics beyond the mean are taken (`std_v_mv`, V's first harmonic).
    pub v_stats: bool,
    /// Whether the theory columns are computed (`false`: all null).
    pub theory: bool,
    /// Histogram settings (0: no such histogram; see `engine::HistShape`).
    pub isi_bin_ms: f64,
    pub isi_max_ms: f64,
    pub psth_bin_ms: f64,
    pub cycle_bins: u64,
}

impl Default for SimParams {
    fn default() -> Self {
        SimParams {
            dt_ms: 0.1,
            duration_ms: 1000.0,
            warmup_ms: 0.0,
            neurons: 1000,
            seed: 1,
            integrator: Integrator::Euler,
            v_stats: false,
            theory: true,
            isi_bin_ms: 0.0,
            isi_max_ms: 100.0,
            psth_bin_ms: 0.0,
            cycle_bins: 0,
        }
    }
}

/// A number of whole steps of `dt_ms` in `ms` (the spec guarantees it is whole).
pub fn steps_in(ms: f64, dt_ms: f64) -> u64 {
    crate::fastmath::round_u64(ms / dt_ms)
}

/// A job's value of one parameter.
pub type Field = fn(&Job) -> f64;

/// The seed codes of the neuron's parameters and `dt_ms`, with each one's value (see
/// [`crate::rng`]'s seed derivation; `mu_na` is 8, the input parts' codes are theirs).
pub const NEURON_CODES: [(u64, &str, Field); 7] = [
    (1, "tau_m_ms", |j| j.neuron.tau_m_ms),
    (2, "e_l_mv", |j| j.neuron.e_l_mv),
    (3, "r_mohm", |j| j.neuron.r_mohm),
    (4, "v_th_mv", |j| j.neuron.v_th_mv),
    (5, "v_reset_mv", |j| j.neuron.v_reset_mv),
    (6, "t_ref_ms", |j| j.neuron.t_ref_ms),
    (7, "dt_ms", |j| j.sim.dt_ms),
];

/// One job: a population of `sim.neurons` identical, independently driven neurons.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// Position in the whole grid (spec order).
    pub id: u64,
    /// Index of the `[[sweep]]` block the job comes from (0-based).
    pub block: usize,
    pub model: Model,
    pub input: ModelParams,
    pub neuron: NeuronParams,
    pub sim: SimParams,
}

impl Job {
    /// A job of `model` with the documented defaults and the model's parameter defaults.
    pub fn new(model: Model) -> Job {
        let mut input = ModelParams::default();
        for (param, default) in model.params() {
            input.set(param, default);
        }
        Job {
            id: 0,
            block: 0,
            model,
            input,
            neuron: NeuronParams::default(),
            sim: SimParams::default(),
        }
    }

    /// Steps simulated in all: `duration / dt`.
    pub fn n_steps(&self) -> u64 {
        steps_in(self.sim.duration_ms, self.sim.dt_ms)
    }

    /// Steps simulated before counting starts: `warmup / dt`.
    pub fn warmup_steps(&self) -> u64 {
        steps_in(self.sim.warmup_ms, self.sim.dt_ms)
    }

    /// Steps held at reset after a spike ([`NeuronParams::refractory_steps`]).
    pub fn refractory_steps(&self) -> u32 {
        self.neuron.refractory_steps(self.sim.dt_ms)
    }

    /// Steps counted in the statistics: those of the window `[warmup, duration)`.
    pub fn counted_steps(&self) -> u64 {
        self.n_steps() - self.warmup_steps()
    }

    /// The counting window `[warmup, duration)` in seconds.
    pub fn window_s(&self) -> f64 {
        self.counted_steps() as f64 * self.sim.dt_ms / 1000.0
    }

    /// Neuron-steps of work: `neurons * n_steps`.
    pub fn neuron_steps(&self) -> u64 {
        self.sim.neurons.saturating_mul(self.n_steps())
    }

    /// What the input parts see of the job.
    pub fn view(&self) -> JobView<'_> {
        JobView {
            params: &self.input,
            neuron: &self.neuron,
            dt_ms: self.sim.dt_ms,
            integrator: self.sim.integrator,
        }
    }

    /// The job's own seed, derived from the master seed and the job's parameters, each by its
    /// fixed seed code (see [`crate::rng`]); never from its position in the grid.
    ///
    /// The neuron's codes (1-7) are below every other code (tested), so the fold starts with
    /// them: that prefix, the same for every job of a sweep that varies no neuron key, is kept
    /// per thread and reused while master seed and neuron words stay the same (a million-job
    /// sweep computed 2/3 of its seeds' mixes again and again).
    pub fn seed(&self) -> u64 {
        thread_local! {
            static PREFIX: std::cell::Cell<Option<([u64; 8], u64)>> = const { std::cell::Cell::new(None) };
        }
        let mut key = [self.sim.seed; 8];
        for (slot, (_, _, value)) in key[1..].iter_mut().zip(NEURON_CODES) {
            *slot = rng::real_word(value(self));
        }
        let prefix = match PREFIX.get() {
            Some((k, h)) if k == key => h,
            _ => {
                let words = NEURON_CODES.iter().zip(&key[1..]);
                let h = rng::fold_seed(key[0], words.map(|((code, _, _), &w)| (*code, w)));
                PREFIX.set(Some((key, h)));
                h
            }
        };
        // One per part and one per parameter (mu included): a fixed array, no allocation.
        let mut words = [(0u64, 0u64); crate::input::PARTS.len() + crate::input::N_PARAMS];
        let mut n = 0;
        let mut put = |code: u64, word: u64| {
            words[n] = (code, word);
            n += 1;
        };
        for part in self.model.parts() {
            put(part.code, 0);
        }
        for (param, x) in self.input.iter() {
            let def = param.def();
            if param == MU || def.default != Some(x) {
                put(def.code, rng::real_word(x));
            }
        }
        let words = &mut words[..n];
        if !words.is_sorted_by_key(|&(code, _)| code) {
            words.sort_unstable_by_key(|&(code, _)| code);
        }
        rng::fold_seed(prefix, words.iter().copied())
    }
}

impl From<&Job> for crate::theory::constant::Run {
    fn from(job: &Job) -> Self {
        crate::theory::constant::Run {
            neuron: job.neuron,
            integrator: job.sim.integrator,
            dt_ms: job.sim.dt_ms,
            n_steps: job.n_steps(),
            warmup_steps: job.warmup_steps(),
            neurons: job.sim.neurons,
            window_s: job.window_s(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{AMP, PERIOD, RATE, SIGMA, TAU_S, W};

    #[test]
    fn seed_ignores_population_size_and_length_but_not_parameters() {
        let base = Job::new(Model::CONSTANT);
        let mut more = base.clone();
        more.sim.neurons = 7;
        more.sim.duration_ms = 5.0;
        more.sim.warmup_ms = 1.0;
        more.sim.integrator = Integrator::Exact;
        more.id = 99;
        assert_eq!(base.seed(), more.seed());
        let mut other = base.clone();
        other.input.set(MU, Some(1e-300));
        assert_ne!(base.seed(), other.seed());
        let mut zero = base.clone();
        zero.input.set(MU, Some(-0.0));
        let mut pos = base.clone();
        pos.input.set(MU, Some(0.0));
        assert_eq!(zero.seed(), pos.seed());
        let mut seed2 = base.clone();
        seed2.sim.seed = 2;
        assert_ne!(base.seed(), seed2.seed());
        for (code, _, _) in NEURON_CODES {
            let mut changed = base.clone();
            match code {
                1 => changed.neuron.tau_m_ms = 11.0,
                2 => changed.neuron.e_l_mv = -64.0,
                3 => changed.neuron.r_mohm = 11.0,
                4 => changed.neuron.v_th_mv = -49.0,
                5 => changed.neuron.v_reset_mv = -66.0,
                6 => changed.neuron.t_ref_ms = 1.0,
                _ => changed.sim.dt_ms = 0.05,
            }
            assert_ne!(base.seed(), changed.seed(), "code {code}");
        }
    }

    /// Seeds of the four models of MODEL.md as seed derivation 3 gives them, pinned: a change
    /// to the derivation, a code, or the registry (a new part in the unit tests' registry: the
    /// example part is in it) that moved them would change every result.
    #[test]
    fn seeds_are_pinned_and_do_not_depend_on_the_registry() {
        let job = |model: Model, params: &[(crate::input::Param, f64)]| {
            let mut j = Job::new(model);
            for &(p, x) in params {
                j.input.set(p, Some(x));
            }
            j.seed()
        };
        let seeds = [
            job(Model::CONSTANT, &[(MU, 1.5)]),
            job(Model::SINE, &[(MU, 0.8), (AMP, 0.8), (PERIOD, 20.0)]),
            job(Model::NOISE, &[(MU, 1.5), (SIGMA, 0.5)]),
            job(Model::POISSON, &[(RATE, 8000.0), (W, 0.02), (TAU_S, 2.0)]),
            job(
                Model::SINE.with(Model::NOISE),
                &[(MU, 0.8), (AMP, 0.8), (PERIOD, 20.0), (SIGMA, 0.5)],
            ),
        ];
        assert_eq!(seeds, PINNED_SEEDS, "{seeds:#x?}");
    }

    #[test]
    fn seed_codes_are_unique_across_parts_parameters_and_neuron_keys() {
        let mut codes: Vec<u64> = crate::input::PARTS.iter().map(|p| p.code).collect();
        codes.extend(crate::input::Param::all().map(|p| p.def().code));
        codes.extend(NEURON_CODES.iter().map(|(code, _, _)| *code));
        let n = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), n, "a seed code is used twice");
        // Job::seed folds the neuron's words first.
        let neuron_max = NEURON_CODES.iter().map(|(code, _, _)| *code).max().unwrap();
        assert!(crate::input::PARTS.iter().all(|p| p.code > neuron_max));
        assert!(crate::input::Param::all().all(|p| p.def().code > neuron_max));
    }

    const PINNED_SEEDS: [u64; 5] = [
        16125998168311945242,
        8752379706252439710,
        2395557206040189135,
        18115072612020204025,
        16138192034521147512,
    ];
}
