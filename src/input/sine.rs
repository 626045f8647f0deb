//! Sinusoidal input: `I_n = mu + amp * sin(2*pi*t_n/period)`, `t_n = n*dt`.
//!
//! The phase is reduced exactly to one period before the sine is taken (`u = frac(t_n/period)`,
//! then `sin(2 pi u)` by [`crate::fastmath::sin_cos_2pi`], vectorized), so it stays accurate
//! however long the run.

use super::{InputLanes, ModelParam, ParamSpec, required};
use crate::fastmath::sin_cos_2pi;
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
        sine_currents(self, step as f64, current);
    }
}

crate::dispatch!(
    /// The currents of step `n` for every lane, vectorized for the CPU.
    fn sine_currents = sine_currents_generic(lanes: &SineLanes, n: f64, current: &mut [f64])
);

#[inline(always)]
fn sine_currents_generic(lanes: &SineLanes, n: f64, current: &mut [f64]) {
    let len = current.len();
    let (mu, amp, period, dt) = (
        &lanes.mu_na[..len],
        &lanes.amp_na[..len],
        &lanes.period_ms[..len],
        &lanes.dt_ms[..len],
    );
    for i in 0..len {
        // t_n = n*dt is computed, never accumulated, so the phase does not drift.
        let cycles = n * dt[i] / period[i];
        let (s, _) = sin_cos_2pi(cycles - cycles.floor());
        current[i] = mu[i] + amp[i] * s;
    }
}
