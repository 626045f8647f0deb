//! What an input part declares: its name, parameters, seed code, lanes, cost and theory hook.
//!
//! A part is one `pub const PART: Part` in its own file, listed once in [`super::PARTS`].
//! Everything else (the spec grammar and its checks, the `model` column and the parameter
//! columns, the seeds, `plan`, the theory, the docs' key table) reads these declarations.

use super::lanes::PartLanes;
use super::params::{ModelParams, Param};
use crate::neuron::{Integrator, NeuronParams};
use crate::theory::diffusion::Source;
use crate::theory::free_membrane::Drive;

/// An input part: a current added to `mu` (see [`super`]).
pub struct Part {
    /// The name in `model = "..."` and in the `model` column.
    pub name: &'static str,
    /// The part's seed code: folded into the seed of every job that has the part, and the tag
    /// of its random streams. Fixed forever; never reuse one (a test checks they are unique).
    pub code: u64,
    /// The current the part adds, as the docs show it (one line).
    pub formula: &'static str,
    pub params: &'static [ParamDef],
    /// Whether `mu_na` may be left out (then 0) when every part of a model allows it (a part
    /// whose own drive is the point, such as Poisson input).
    pub mu_optional: bool,
    /// An empty population of the part's fast path.
    pub lanes: fn() -> Box<dyn PartLanes>,
    /// An empty population of the part's plain scalar reference, which the tests hold the fast
    /// path to bit for bit (the fast path itself where it is already that plain).
    pub reference: fn() -> Box<dyn PartLanes>,
    pub cost: Cost,
    /// Whether the part adds nothing at all for these parameters (e.g. noise with `sigma = 0`):
    /// a job whose parts are all quiet is deterministic and gets the exact constant theory.
    pub quiet: fn(&ModelParams) -> bool,
    /// The part as a source of the diffusion approximation (a fluctuating input): with it, any
    /// sum of such parts has a theory ([`crate::theory::diffusion`]).
    pub diffusion: Option<fn(&JobView<'_>) -> Source>,
    /// The theory of a job in which this part is the only one that is not quiet (for parts
    /// without a diffusion description).
    pub theory: Option<fn(&JobView<'_>) -> Prediction>,
    /// The part's current as the free membrane sees it ([`crate::theory::free_membrane`]):
    /// with it on every part, a job has the theory of V below threshold.
    pub membrane: Option<fn(&JobView<'_>) -> Drive>,
    /// Checks that involve several keys, given the largest value each parameter and `dt_ms`
    /// take in a block; on failure the parameter to blame and the message.
    pub check: Option<Check>,
    /// What [`Part::check`] checks, for the docs ("" without a check).
    pub rules: &'static str,
}

/// A part's check of a block: given the largest value each parameter takes and the largest
/// `dt_ms`; on failure the parameter to blame and the message.
pub type Check = fn(&dyn Fn(Param) -> f64, f64) -> Result<(), (Param, String)>;

/// One parameter of a part (or `mu_na`, the parameter of every job).
#[derive(Debug)]
pub struct ParamDef {
    /// The spec key and column name (with its unit as the suffix).
    pub key: &'static str,
    /// The parameter's seed code (as [`Part::code`]: fixed forever, unique).
    pub code: u64,
    pub unit: &'static str,
    /// `None`: the spec must give it. A parameter at its default is not folded into the seed,
    /// so a parameter added later with a default that keeps the old behaviour changes no seed.
    pub default: Option<f64>,
    pub allowed: Allowed,
    /// One line for the docs' key table.
    pub doc: &'static str,
}

/// The values a real-valued key takes on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allowed {
    Finite,
    Positive,
    NonNegative,
}

impl Allowed {
    pub fn admits(self, x: f64) -> bool {
        x.is_finite()
            && match self {
                Allowed::Finite => true,
                Allowed::Positive => x > 0.0,
                Allowed::NonNegative => x >= 0.0,
            }
    }

    /// What is allowed, as messages and the docs say it.
    pub fn text(self) -> &'static str {
        match self {
            Allowed::Finite => "a finite number",
            Allowed::Positive => "a finite number > 0",
            Allowed::NonNegative => "a finite number >= 0",
        }
    }
}

/// A part's share of the `plan` cost formula ([`crate::plan::job_seconds`]), measured with
/// `benches/plan_costs.sh`: what the part adds to a constant-input job.
#[derive(Clone, Copy, Debug)]
pub struct Cost {
    pub ns_per_neuron_step: f64,
    /// Per presynaptic event (see [`Cost::events_per_step`]).
    pub ns_per_event: f64,
    pub ns_per_job_step: f64,
    pub ns_per_neuron: f64,
    pub seconds_per_job: f64,
    /// Mean presynaptic events per neuron and step, for parts that have them.
    pub events_per_step: Option<fn(&ModelParams, f64) -> f64>,
    /// The part's parameters the cost depends on (for `plan`, which expands only those axes).
    pub params: &'static [&'static ParamDef],
}

impl Cost {
    pub const NONE: Cost = Cost {
        ns_per_neuron_step: 0.0,
        ns_per_event: 0.0,
        ns_per_job_step: 0.0,
        ns_per_neuron: 0.0,
        seconds_per_job: 0.0,
        events_per_step: None,
        params: &[],
    };
}

/// What a part's lanes and theory see of a job.
#[derive(Clone, Copy, Debug)]
pub struct JobView<'a> {
    pub params: &'a ModelParams,
    pub neuron: &'a NeuronParams,
    pub dt_ms: f64,
    pub integrator: Integrator,
}

/// A theory's prediction for one job.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prediction {
    pub rate_per_ms: f64,
    pub cv: Option<f64>,
    /// Whether the job lies where the theory was shown to hold.
    pub reliable: bool,
}
