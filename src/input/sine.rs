//! Sinusoidal input: `I_n = mu + amp * sin(2*pi*t_n/period)`, `t_n = n*dt`.

use super::{InputLanes, ModelParam, ParamSpec, required};
use crate::job::Job;

pub const PARAMS: &[ParamSpec] = &[
    required(ModelParam::Mu),
    required(ModelParam::Amp),
    required(ModelParam::Period),
];

#[derive(Default)]
pub struct SineLanes {
    mu_na: Vec<f64>,
    amp_na: Vec<f64>,
    period_ms: Vec<f64>,
    dt_ms: Vec<f64>,
}

impl InputLanes for SineLanes {
    fn push(&mut self, job: &Job, _first_neuron: u64, count: usize) {
        let p = &job.input;
        self.mu_na
            .extend(std::iter::repeat_n(p.value(ModelParam::Mu), count));
        self.amp_na
            .extend(std::iter::repeat_n(p.value(ModelParam::Amp), count));
        self.period_ms
            .extend(std::iter::repeat_n(p.value(ModelParam::Period), count));
        self.dt_ms.extend(std::iter::repeat_n(job.sim.dt_ms, count));
    }

    fn current(&mut self, step: u64, current: &mut [f64], _events: &mut [u32]) {
        let n = step as f64;
        for (i, out) in current.iter_mut().enumerate() {
            // t_n = n*dt is computed, never accumulated, so the phase does not drift.
            let t_ms = n * self.dt_ms[i];
            *out = self.mu_na[i]
                + self.amp_na[i] * (std::f64::consts::TAU * t_ms / self.period_ms[i]).sin();
        }
    }
}
