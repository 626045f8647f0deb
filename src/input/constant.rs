//! Constant input: `I_n = mu`.

use super::{InputLanes, ModelParam, ParamSpec, required};
use crate::job::Job;
use crate::lanes::LaneVec;

pub const PARAMS: &[ParamSpec] = &[required(ModelParam::Mu)];

#[derive(Default)]
pub struct ConstantLanes {
    mu_na: LaneVec<f64>,
}

impl InputLanes for ConstantLanes {
    fn push(&mut self, job: &Job, _first_neuron: u64, count: usize) {
        let mu = job.input.value(ModelParam::Mu);
        self.mu_na.extend(std::iter::repeat_n(mu, count));
    }

    fn current(&mut self, _step: u64, current: &mut [f64], _events: &mut [u32]) {
        current.copy_from_slice(&self.mu_na);
    }

    fn time_invariant(&self) -> bool {
        true
    }
}
