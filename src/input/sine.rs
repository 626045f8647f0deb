//! Sinusoidal input: `I_n = mu + amp * sin(2*pi*t_n/period)`, `t_n = n*dt`.
//!
//! The phase is reduced exactly to one period before the sine is taken (`u = frac(t_n/period)`,
//! then `sin(2 pi u)` by [`crate::fastmath::sin_cos_2pi`], vectorized), so it stays accurate
//! however long the run.
//!
//! Every neuron of a job receives the same current, so where a batch holds a few jobs' neurons
//! (runs of lanes with the same parameters) the current is computed once per run and copied;
//! where it holds many one-neuron jobs, once per lane in a vector loop. Same arithmetic, same
//! bits.

use super::{InputLanes, ModelParam, ParamSpec, required};
use crate::fastmath::sin_cos_2pi;
use crate::job::Job;
use crate::lanes::LaneVec;

pub const PARAMS: &[ParamSpec] = &[
    required(ModelParam::Mu),
    required(ModelParam::Amp),
    required(ModelParam::Period),
];

#[derive(Default)]
pub struct SineLanes {
    mu_na: LaneVec<f64>,
    amp_na: LaneVec<f64>,
    period_ms: LaneVec<f64>,
    dt_ms: LaneVec<f64>,
    /// Consecutive lanes with the same parameters: (first lane, lanes, parameters).
    runs: Vec<(usize, usize, Sine)>,
}

/// One lane's parameters.
#[derive(Clone, Copy, PartialEq)]
struct Sine {
    mu_na: f64,
    amp_na: f64,
    period_ms: f64,
    dt_ms: f64,
}

impl Sine {
    /// The current of step `n`.
    #[inline(always)]
    fn current(&self, n: f64) -> f64 {
        // t_n = n*dt is computed, never accumulated, so the phase does not drift.
        let cycles = n * self.dt_ms / self.period_ms;
        let (s, _) = sin_cos_2pi(cycles - cycles.floor());
        self.mu_na + self.amp_na * s
    }
}

impl InputLanes for SineLanes {
    fn push(&mut self, job: &Job, _first_neuron: u64, count: usize) {
        let p = &job.input;
        let sine = Sine {
            mu_na: p.value(ModelParam::Mu),
            amp_na: p.value(ModelParam::Amp),
            period_ms: p.value(ModelParam::Period),
            dt_ms: job.sim.dt_ms,
        };
        match self.runs.last_mut() {
            Some((_, lanes, last)) if *last == sine => *lanes += count,
            _ => self.runs.push((self.mu_na.len(), count, sine)),
        }
        self.mu_na.extend(std::iter::repeat_n(sine.mu_na, count));
        self.amp_na.extend(std::iter::repeat_n(sine.amp_na, count));
        self.period_ms
            .extend(std::iter::repeat_n(sine.period_ms, count));
        self.dt_ms.extend(std::iter::repeat_n(sine.dt_ms, count));
    }

    fn current(&mut self, step: u64, current: &mut [f64], _events: &mut [u32]) {
        let n = step as f64;
        // Once per run when runs are long (a sine is worth about eight lanes of copying).
        if self.runs.len() * 8 <= current.len() {
            for &(first, lanes, sine) in &self.runs {
                let end = (first + lanes).min(current.len());
                current[first.min(end)..end].fill(sine.current(n));
            }
        } else {
            sine_currents(self, n, current);
        }
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
        let sine = Sine {
            mu_na: mu[i],
            amp_na: amp[i],
            period_ms: period[i],
            dt_ms: dt[i],
        };
        current[i] = sine.current(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Model;

    #[test]
    fn runs_of_lanes_get_the_bits_each_lane_would() {
        let mut lanes = SineLanes::default();
        for (k, count) in [40usize, 3, 100, 1].into_iter().enumerate() {
            let mut job = Job::new(Model::Sine);
            job.input.set(ModelParam::Mu, Some(1.0 + 0.1 * k as f64));
            job.input.set(ModelParam::Amp, Some(0.7));
            job.input.set(ModelParam::Period, Some(13.0 + k as f64));
            job.sim.neurons = count as u64;
            lanes.push(&job, 0, count);
        }
        assert_eq!(lanes.runs.len(), 4);
        let n = lanes.mu_na.len();
        let (mut runs, mut each) = (vec![0.0; n], vec![0.0; n]);
        for step in [0, 1, 7, 12_345, 1 << 40] {
            lanes.current(step, &mut runs, &mut []);
            sine_currents(&lanes, step as f64, &mut each);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&runs), bits(&each), "step {step}");
        }
    }
}
