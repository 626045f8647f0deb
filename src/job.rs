//! One point of the sweep grid: every parameter a simulation needs, and the keys that name them.
//!
//! The same names serve the TOML spec, the Parquet columns and the error messages, so they are
//! defined once here ([`Key`]); the model-specific input parameters live in [`crate::input`].

use crate::input::{Model, ModelParam, ModelParams};
use crate::neuron::Integrator;
use crate::rng;

/// Membrane parameters of the leaky integrate-and-fire neuron (MODEL.md).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NeuronParams {
    pub tau_m_ms: f64,
    pub e_l_mv: f64,
    pub r_mohm: f64,
    pub v_th_mv: f64,
    pub v_reset_mv: f64,
    pub t_ref_ms: f64,
}

impl Default for NeuronParams {
    /// MODEL.md's defaults (the worked example's), with no refractory period.
    fn default() -> Self {
        NeuronParams {
            tau_m_ms: 10.0,
            e_l_mv: -65.0,
            r_mohm: 10.0,
            v_th_mv: -50.0,
            v_reset_mv: -65.0,
            t_ref_ms: 0.0,
        }
    }
}

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
        }
    }
}

/// Most neurons one job may have (a job's neurons are reduced together: 8 bytes each).
pub const MAX_NEURONS: u64 = 1_000_000_000_000;

/// What `neurons` takes (the text of [`MAX_NEURONS`]).
pub const NEURONS_ALLOWED: &str = "a whole number from 1 to 1000000000000 (1e12)";

/// What `seed` takes.
pub const SEED_ALLOWED: &str = "a whole number from 0 to 18446744073709551615 (2^64 - 1)";

/// A number of whole steps of `dt_ms` in `ms` (the spec guarantees it is whole).
pub fn steps_in(ms: f64, dt_ms: f64) -> u64 {
    (ms / dt_ms).round() as u64
}

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
    /// Steps simulated in all: `duration / dt`.
    pub fn n_steps(&self) -> u64 {
        steps_in(self.sim.duration_ms, self.sim.dt_ms)
    }

    /// Steps simulated before counting starts: `warmup / dt`.
    pub fn warmup_steps(&self) -> u64 {
        steps_in(self.sim.warmup_ms, self.sim.dt_ms)
    }

    /// Steps held at reset after a spike: `round(t_ref / dt)` (MODEL.md).
    pub fn refractory_steps(&self) -> u32 {
        (self.neuron.t_ref_ms / self.sim.dt_ms).round() as u32
    }

    /// Neuron-steps of work: `neurons * n_steps`.
    pub fn neuron_steps(&self) -> u64 {
        self.sim.neurons.saturating_mul(self.n_steps())
    }

    /// The job's own seed, derived from the master seed and the job's parameters
    /// (see [`rng::job_seed`]); never from its position in the grid.
    pub fn seed(&self) -> u64 {
        rng::job_seed(self)
    }

    /// Sets one parameter by key (the spec has validated the value for the key).
    pub fn set(&mut self, key: Key, value: KeyValue) {
        let real = || value.real();
        match key {
            Key::Input(p) => self.input.set(p, Some(real())),
            Key::TauM => self.neuron.tau_m_ms = real(),
            Key::EL => self.neuron.e_l_mv = real(),
            Key::R => self.neuron.r_mohm = real(),
            Key::VTh => self.neuron.v_th_mv = real(),
            Key::VReset => self.neuron.v_reset_mv = real(),
            Key::TRef => self.neuron.t_ref_ms = real(),
            Key::Dt => self.sim.dt_ms = real(),
            Key::Duration => self.sim.duration_ms = real(),
            Key::Warmup => self.sim.warmup_ms = real(),
            Key::Integrator => {
                let KeyValue::Integrator(i) = value else {
                    unreachable!("the spec gives integrator as a name")
                };
                self.sim.integrator = i;
            }
            Key::Neurons | Key::Seed => {
                let KeyValue::Count(n) = value else {
                    unreachable!("the spec gives {} as an integer", key.name())
                };
                if key == Key::Neurons {
                    self.sim.neurons = n;
                } else {
                    self.sim.seed = n;
                }
            }
        }
    }
}

/// A value of a spec key: real numbers for physical quantities, counts for `neurons` and `seed`,
/// a name for `integrator`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyValue {
    Real(f64),
    Count(u64),
    Integrator(Integrator),
}

impl KeyValue {
    /// The value as a number (NaN for a name).
    pub fn real(self) -> f64 {
        match self {
            KeyValue::Real(x) => x,
            KeyValue::Count(n) => n as f64,
            KeyValue::Integrator(_) => f64::NAN,
        }
    }
}

impl std::fmt::Display for KeyValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyValue::Real(x) => write!(f, "{x}"),
            KeyValue::Count(n) => write!(f, "{n}"),
            KeyValue::Integrator(i) => write!(f, "\"{}\"", i.name()),
        }
    }
}

/// What kind of value a key takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Real,
    Count,
    Name,
}

/// Which table of the spec a key belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Neuron,
    Simulation,
    Input,
}

/// Every sweepable key of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Input(ModelParam),
    TauM,
    EL,
    R,
    VTh,
    VReset,
    TRef,
    Dt,
    Duration,
    Warmup,
    Neurons,
    Seed,
    Integrator,
}

impl Key {
    /// The `[neuron]` and `[simulation]` keys, in the order of the output columns.
    pub const SHARED: [Key; 12] = [
        Key::TauM,
        Key::EL,
        Key::R,
        Key::VTh,
        Key::VReset,
        Key::TRef,
        Key::Dt,
        Key::Duration,
        Key::Warmup,
        Key::Integrator,
        Key::Neurons,
        Key::Seed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Key::Input(p) => p.key(),
            Key::TauM => "tau_m_ms",
            Key::EL => "e_l_mv",
            Key::R => "r_mohm",
            Key::VTh => "v_th_mv",
            Key::VReset => "v_reset_mv",
            Key::TRef => "t_ref_ms",
            Key::Dt => "dt_ms",
            Key::Duration => "duration_ms",
            Key::Warmup => "warmup_ms",
            Key::Neurons => "neurons",
            Key::Seed => "seed",
            Key::Integrator => "integrator",
        }
    }

    pub fn section(self) -> Section {
        match self {
            Key::Input(_) => Section::Input,
            Key::TauM | Key::EL | Key::R | Key::VTh | Key::VReset | Key::TRef => Section::Neuron,
            _ => Section::Simulation,
        }
    }

    /// Looks a key up by its spec name (input parameters of every model included).
    pub fn from_name(name: &str) -> Option<Key> {
        Key::SHARED
            .into_iter()
            .chain(ModelParam::ALL.into_iter().map(Key::Input))
            .find(|k| k.name() == name)
    }

    /// What kind of value the key takes.
    pub fn kind(self) -> ValueKind {
        match self {
            Key::Neurons | Key::Seed => ValueKind::Count,
            Key::Integrator => ValueKind::Name,
            _ => ValueKind::Real,
        }
    }

    /// Checks one value on its own; on failure returns what is allowed.
    /// The whole numbers a count key takes, both ends included.
    pub fn count_range(self) -> (u64, u64) {
        match self {
            Key::Neurons => (1, MAX_NEURONS),
            _ => (0, u64::MAX),
        }
    }

    pub fn check(self, value: KeyValue) -> Result<(), &'static str> {
        let ok = match (self, value) {
            (Key::Input(p), KeyValue::Real(x)) => return p.check(x),
            (Key::Neurons | Key::Seed, KeyValue::Count(n)) => {
                let (lo, hi) = self.count_range();
                (lo..=hi).contains(&n)
            }
            (Key::Integrator, KeyValue::Integrator(_)) => true,
            (Key::TauM | Key::R | Key::Dt | Key::Duration, KeyValue::Real(x)) => {
                x.is_finite() && x > 0.0
            }
            (Key::TRef | Key::Warmup, KeyValue::Real(x)) => x.is_finite() && x >= 0.0,
            (Key::EL | Key::VTh | Key::VReset, KeyValue::Real(x)) => x.is_finite(),
            _ => false,
        };
        if ok {
            return Ok(());
        }
        Err(match self {
            Key::Input(_) => unreachable!("input parameters are checked by ModelParam::check"),
            Key::Neurons => NEURONS_ALLOWED,
            Key::Seed => SEED_ALLOWED,
            Key::Integrator => "\"euler\" or \"exact\"",
            Key::TauM | Key::R | Key::Dt | Key::Duration => "a finite number > 0",
            Key::TRef | Key::Warmup => "a finite number >= 0",
            Key::EL | Key::VTh | Key::VReset => "a finite number",
        })
    }

    /// The key's value in a job (`None` where the job's model has no such parameter).
    pub fn get(self, job: &Job) -> Option<KeyValue> {
        let real = |x: f64| Some(KeyValue::Real(x));
        match self {
            Key::Input(p) => job.input.get(p).map(KeyValue::Real),
            Key::TauM => real(job.neuron.tau_m_ms),
            Key::EL => real(job.neuron.e_l_mv),
            Key::R => real(job.neuron.r_mohm),
            Key::VTh => real(job.neuron.v_th_mv),
            Key::VReset => real(job.neuron.v_reset_mv),
            Key::TRef => real(job.neuron.t_ref_ms),
            Key::Dt => real(job.sim.dt_ms),
            Key::Duration => real(job.sim.duration_ms),
            Key::Warmup => real(job.sim.warmup_ms),
            Key::Neurons => Some(KeyValue::Count(job.sim.neurons)),
            Key::Seed => Some(KeyValue::Count(job.sim.seed)),
            Key::Integrator => Some(KeyValue::Integrator(job.sim.integrator)),
        }
    }
}

impl Job {
    /// A job of `model` with MODEL.md's defaults and the model's parameter defaults.
    pub fn new(model: Model) -> Job {
        let mut input = ModelParams::default();
        for spec in model.params() {
            input.set(spec.param, spec.default);
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
}
