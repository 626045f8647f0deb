//! The four input models of MODEL.md: what current each neuron receives in each step.
//!
//! A model is one file here: its parameters ([`ParamSpec`]) and an [`InputLanes`] implementation
//! that computes the current of a step for a struct-of-arrays population ("lanes"), each lane with
//! its own parameters and random stream. Adding a model means adding a file, a [`Model`] variant
//! and its entry in [`Model::params`] / [`Model::lanes`].

mod constant;
mod noise;
mod poisson;
mod sine;

pub use noise::{NoiseLanes, NoiseReference};
pub use poisson::{
    MAX_EVENTS_PER_STEP, PoissonLanes, PoissonReference, PoissonTable, synapse_step,
};

use crate::job::Job;

/// An input model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Model {
    Constant,
    Sine,
    Noise,
    Poisson,
}

/// One input parameter of a model, with its default (`None`: the spec must give it).
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    pub param: ModelParam,
    pub default: Option<f64>,
}

const fn required(param: ModelParam) -> ParamSpec {
    ParamSpec {
        param,
        default: None,
    }
}

impl Model {
    pub const ALL: [Model; 4] = [Model::Constant, Model::Sine, Model::Noise, Model::Poisson];

    pub fn name(self) -> &'static str {
        match self {
            Model::Constant => "constant",
            Model::Sine => "sine",
            Model::Noise => "noise",
            Model::Poisson => "poisson",
        }
    }

    pub fn from_name(name: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The model's input parameters.
    pub fn params(self) -> &'static [ParamSpec] {
        match self {
            Model::Constant => constant::PARAMS,
            Model::Sine => sine::PARAMS,
            Model::Noise => noise::PARAMS,
            Model::Poisson => poisson::PARAMS,
        }
    }

    /// Whether `param` belongs to this model.
    pub fn has(self, param: ModelParam) -> bool {
        self.params().iter().any(|s| s.param == param)
    }

    /// An empty population of this model's input.
    pub fn lanes(self) -> Box<dyn InputLanes> {
        match self {
            Model::Constant => Box::<constant::ConstantLanes>::default(),
            Model::Sine => Box::<sine::SineLanes>::default(),
            Model::Noise => Box::<noise::NoiseLanes>::default(),
            Model::Poisson => Box::<poisson::PoissonLanes>::default(),
        }
    }

    /// A stable number for the model, part of the seed derivation (never reuse one).
    pub fn seed_code(self) -> u64 {
        match self {
            Model::Constant => 1,
            Model::Sine => 2,
            Model::Noise => 3,
            Model::Poisson => 4,
        }
    }
}

/// The input of a struct-of-arrays population, one lane per neuron.
pub trait InputLanes: Send {
    /// Appends `count` lanes: neurons `first_neuron..first_neuron + count` of `job`.
    fn push(&mut self, job: &Job, first_neuron: u64, count: usize);

    /// Writes each lane's input current of step `step` (nA) into `current`, and, for models with
    /// presynaptic events, the number of events of the step into `events`.
    fn current(&mut self, step: u64, current: &mut [f64], events: &mut [u32]);

    /// Whether every step's currents are the same (no events), so that they need computing
    /// only once, at the first step after lanes are added. Fixed for the life of the value.
    fn time_invariant(&self) -> bool {
        false
    }
}

/// Every input parameter of every model, in output column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModelParam {
    Mu,
    Amp,
    Period,
    Sigma,
    Rate,
    W,
    TauS,
}

impl ModelParam {
    pub const ALL: [ModelParam; 7] = [
        ModelParam::Mu,
        ModelParam::Amp,
        ModelParam::Period,
        ModelParam::Sigma,
        ModelParam::Rate,
        ModelParam::W,
        ModelParam::TauS,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ModelParam::Mu => "mu_na",
            ModelParam::Amp => "amp_na",
            ModelParam::Period => "period_ms",
            ModelParam::Sigma => "sigma_na",
            ModelParam::Rate => "rate_hz",
            ModelParam::W => "w_na",
            ModelParam::TauS => "tau_s_ms",
        }
    }

    /// Checks one value; on failure returns what is allowed.
    pub fn check(self, x: f64) -> Result<(), &'static str> {
        match self {
            ModelParam::Mu | ModelParam::Amp | ModelParam::W if !x.is_finite() => {
                Err("a finite number")
            }
            ModelParam::Period if !(x.is_finite() && x > 0.0) => Err("a finite number > 0"),
            ModelParam::Sigma | ModelParam::Rate | ModelParam::TauS
                if !(x.is_finite() && x >= 0.0) =>
            {
                Err("a finite number >= 0")
            }
            _ => Ok(()),
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The input parameters of one job; `None` where the job's model has no such parameter.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ModelParams([Option<f64>; 7]);

impl ModelParams {
    pub fn get(&self, p: ModelParam) -> Option<f64> {
        self.0[p.index()]
    }

    pub fn set(&mut self, p: ModelParam, value: Option<f64>) {
        self.0[p.index()] = value;
    }

    /// A parameter the model is known to have (validated by the spec).
    pub(crate) fn value(&self, p: ModelParam) -> f64 {
        self.get(p)
            .unwrap_or_else(|| panic!("{} is set for every job of its model", p.key()))
    }
}
