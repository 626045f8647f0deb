//! The spec's key vocabulary: every sweepable key, what it sets in a [`Job`], what values it
//! takes. The same names serve the TOML spec, the Parquet columns and the error messages.

use crate::input::{Allowed, Param};
use crate::job::Job;
use crate::neuron::Integrator;

/// Most neurons one job may have (a job's neurons are reduced together: 8 bytes each).
pub const MAX_NEURONS: u64 = 1_000_000_000_000;

/// What `neurons` takes (the text of [`MAX_NEURONS`]).
pub const NEURONS_ALLOWED: &str = "a whole number from 1 to 1000000000000 (1e12)";

/// What `seed` takes.
pub const SEED_ALLOWED: &str = "a whole number from 0 to 18446744073709551615 (2^64 - 1)";

/// A value of a spec key: real numbers for physical quantities, counts for `neurons` and `seed`,
/// a name for `integrator`, true or false for a switch (`v_stats`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyValue {
    Real(f64),
    Count(u64),
    Integrator(Integrator),
    Flag(bool),
}

impl KeyValue {
    /// The value as a number (NaN for a name).
    pub fn real(self) -> f64 {
        match self {
            KeyValue::Real(x) => x,
            KeyValue::Count(n) => n as f64,
            KeyValue::Integrator(_) => f64::NAN,
            KeyValue::Flag(b) => f64::from(u8::from(b)),
        }
    }
}

impl std::fmt::Display for KeyValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyValue::Real(x) => write!(f, "{x}"),
            KeyValue::Count(n) => write!(f, "{n}"),
            KeyValue::Integrator(i) => write!(f, "\"{}\"", i.name()),
            KeyValue::Flag(b) => write!(f, "{b}"),
        }
    }
}

/// What kind of value a key takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Real,
    Count,
    Name,
    Flag,
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
    Input(Param),
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
    VStats,
    Theory,
    IsiBin,
    IsiMax,
    PsthBin,
    CycleBins,
}

impl Key {
    /// The `[neuron]` and `[simulation]` keys, in the order of the output columns.
    pub const SHARED: [Key; 18] = [
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
        Key::VStats,
        Key::Theory,
        Key::IsiBin,
        Key::IsiMax,
        Key::PsthBin,
        Key::CycleBins,
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
            Key::VStats => "v_stats",
            Key::Theory => "theory",
            Key::IsiBin => "isi_bin_ms",
            Key::IsiMax => "isi_max_ms",
            Key::PsthBin => "psth_bin_ms",
            Key::CycleBins => "cycle_bins",
        }
    }

    /// The key's unit (its name's suffix), "" for a count or a name.
    pub fn unit(self) -> &'static str {
        match self {
            Key::Input(p) => p.def().unit,
            _ => match self.name().rsplit('_').next() {
                Some("ms") => "ms",
                Some("mv") => "mV",
                Some("mohm") => "MOhm",
                _ => "",
            },
        }
    }

    /// One line for the docs' key table.
    pub fn doc(self) -> &'static str {
        match self {
            Key::Input(p) => p.def().doc,
            Key::TauM => "membrane time constant",
            Key::EL => "resting potential, and V(0)",
            Key::R => "membrane resistance",
            Key::VTh => "spike threshold",
            Key::VReset => "reset potential (below v_th_mv)",
            Key::TRef => "refractory time, held at reset for round(t_ref/dt) steps",
            Key::Dt => "time step",
            Key::Duration => "simulated time, a whole number of steps",
            Key::Warmup => "time before counting starts, a whole number of steps",
            Key::Neurons => "neurons per job",
            Key::Seed => "master seed",
            Key::Integrator => "\"euler\" (forward Euler) or \"exact\" (exponential)",
            Key::VStats => {
                "true: also std_v_mv and V's first harmonic (a pass over V per counted step)"
            }
            Key::Theory => "false: no theory columns (all null), for runs that want none",
            Key::IsiBin => "bin width of isi_hist, whole steps (0: no ISI histogram)",
            Key::IsiMax => "isi_hist covers intervals below this, a whole number of bins",
            Key::PsthBin => "bin width of psth, whole steps (0: no PSTH)",
            Key::CycleBins => "bins per period of cycle_hist, jobs with a sine part (0: none)",
        }
    }

    pub fn section(self) -> Section {
        match self {
            Key::Input(_) => Section::Input,
            Key::TauM | Key::EL | Key::R | Key::VTh | Key::VReset | Key::TRef => Section::Neuron,
            _ => Section::Simulation,
        }
    }

    /// Looks a key up by its spec name (input parameters of every part included).
    pub fn from_name(name: &str) -> Option<Key> {
        Key::SHARED
            .into_iter()
            .find(|k| k.name() == name)
            .or_else(|| Param::from_key(name).map(Key::Input))
    }

    /// What kind of value the key takes.
    pub fn kind(self) -> ValueKind {
        match self {
            Key::Neurons | Key::Seed | Key::CycleBins => ValueKind::Count,
            Key::Integrator => ValueKind::Name,
            Key::VStats | Key::Theory => ValueKind::Flag,
            _ => ValueKind::Real,
        }
    }

    /// The values a real-valued key takes on its own.
    pub fn allowed(self) -> Option<Allowed> {
        Some(match self {
            Key::Input(p) => p.def().allowed,
            Key::TauM | Key::R | Key::Dt | Key::Duration | Key::IsiMax => Allowed::Positive,
            Key::TRef | Key::Warmup | Key::IsiBin | Key::PsthBin => Allowed::NonNegative,
            Key::EL | Key::VTh | Key::VReset => Allowed::Finite,
            Key::Neurons
            | Key::Seed
            | Key::CycleBins
            | Key::Integrator
            | Key::VStats
            | Key::Theory => {
                return None;
            }
        })
    }

    /// The whole numbers a count key takes, both ends included.
    pub fn count_range(self) -> (u64, u64) {
        match self {
            Key::Neurons => (1, MAX_NEURONS),
            Key::CycleBins => (0, crate::engine::MAX_BINS),
            _ => (0, u64::MAX),
        }
    }

    /// What the key takes, as messages and the docs say it.
    pub fn allowed_text(self) -> &'static str {
        match self {
            Key::Neurons => NEURONS_ALLOWED,
            Key::Seed => SEED_ALLOWED,
            Key::CycleBins => "a whole number from 0 to 10000",
            Key::Integrator => "\"euler\" or \"exact\"",
            Key::VStats | Key::Theory => "true or false",
            _ => self.allowed().expect("a real key").text(),
        }
    }

    /// Checks one value on its own; on failure returns what is allowed.
    pub fn check(self, value: KeyValue) -> Result<(), &'static str> {
        let ok = match (self.kind(), value) {
            (ValueKind::Real, KeyValue::Real(x)) => self.allowed().is_some_and(|a| a.admits(x)),
            (ValueKind::Count, KeyValue::Count(n)) => {
                let (lo, hi) = self.count_range();
                (lo..=hi).contains(&n)
            }
            (ValueKind::Name, KeyValue::Integrator(_)) => true,
            (ValueKind::Flag, KeyValue::Flag(_)) => true,
            _ => false,
        };
        if ok { Ok(()) } else { Err(self.allowed_text()) }
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
            Key::VStats => Some(KeyValue::Flag(job.sim.v_stats)),
            Key::Theory => Some(KeyValue::Flag(job.sim.theory)),
            Key::IsiBin => real(job.sim.isi_bin_ms),
            Key::IsiMax => real(job.sim.isi_max_ms),
            Key::PsthBin => real(job.sim.psth_bin_ms),
            Key::CycleBins => Some(KeyValue::Count(job.sim.cycle_bins)),
        }
    }

    /// Sets the key in a job (the spec has validated the value for the key).
    pub fn set(self, job: &mut Job, value: KeyValue) {
        let real = || value.real();
        match self {
            Key::Input(p) => job.input.set(p, Some(real())),
            Key::TauM => job.neuron.tau_m_ms = real(),
            Key::EL => job.neuron.e_l_mv = real(),
            Key::R => job.neuron.r_mohm = real(),
            Key::VTh => job.neuron.v_th_mv = real(),
            Key::VReset => job.neuron.v_reset_mv = real(),
            Key::TRef => job.neuron.t_ref_ms = real(),
            Key::Dt => job.sim.dt_ms = real(),
            Key::Duration => job.sim.duration_ms = real(),
            Key::Warmup => job.sim.warmup_ms = real(),
            Key::IsiBin => job.sim.isi_bin_ms = real(),
            Key::IsiMax => job.sim.isi_max_ms = real(),
            Key::PsthBin => job.sim.psth_bin_ms = real(),
            Key::Integrator => {
                let KeyValue::Integrator(i) = value else {
                    unreachable!("the spec gives integrator as a name")
                };
                job.sim.integrator = i;
            }
            Key::VStats => {
                let KeyValue::Flag(on) = value else {
                    unreachable!("the spec gives v_stats as true or false")
                };
                job.sim.v_stats = on;
            }
            Key::Theory => {
                let KeyValue::Flag(on) = value else {
                    unreachable!("the spec gives theory as true or false")
                };
                job.sim.theory = on;
            }
            Key::Neurons | Key::Seed | Key::CycleBins => {
                let KeyValue::Count(n) = value else {
                    unreachable!("the spec gives {} as an integer", self.name())
                };
                match self {
                    Key::Neurons => job.sim.neurons = n,
                    Key::Seed => job.sim.seed = n,
                    _ => job.sim.cycle_bins = n,
                }
            }
        }
    }
}
