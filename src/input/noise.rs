//! Gaussian white-noise input: `I_n = mu + sigma * sqrt(1 ms / dt) * xi_n`, `xi_n ~ N(0, 1)`.
//!
//! `sigma` is the amplitude at 1 ms resolution (MODEL.md); the `sqrt(1 ms / dt)` factor makes the
//! membrane noise independent of `dt`. Each neuron draws its `xi_n` from its own stream, two at a
//! time by Box–Muller: the cosine value on even steps, the sine value on the following odd step.

use rand_xoshiro::Xoshiro256PlusPlus;

use super::{InputLanes, ModelParam, ParamSpec, required};
use crate::job::Job;
use crate::rng;

pub const PARAMS: &[ParamSpec] = &[required(ModelParam::Mu), required(ModelParam::Sigma)];

#[derive(Default)]
pub struct NoiseLanes {
    mu_na: Vec<f64>,
    /// `sigma * sqrt(1 ms / dt)`, nA.
    scale_na: Vec<f64>,
    rngs: Vec<Xoshiro256PlusPlus>,
    /// The second normal of the pair drawn on the last even step.
    spare: Vec<f64>,
}

impl InputLanes for NoiseLanes {
    fn push(&mut self, job: &Job, first_neuron: u64, count: usize) {
        let mu = job.input.value(ModelParam::Mu);
        let scale = job.input.value(ModelParam::Sigma) * (1.0 / job.sim.dt_ms).sqrt();
        let seed = job.seed();
        self.mu_na.extend(std::iter::repeat_n(mu, count));
        self.scale_na.extend(std::iter::repeat_n(scale, count));
        self.spare.extend(std::iter::repeat_n(0.0, count));
        self.rngs.extend(
            (first_neuron..first_neuron + count as u64).map(|i| rng::neuron_stream(seed, i)),
        );
    }

    fn current(&mut self, step: u64, current: &mut [f64], _events: &mut [u32]) {
        if step.is_multiple_of(2) {
            for (i, out) in current.iter_mut().enumerate() {
                let (z0, z1) = rng::normal_pair(&mut self.rngs[i]);
                self.spare[i] = z1;
                *out = self.mu_na[i] + self.scale_na[i] * z0;
            }
        } else {
            for (i, out) in current.iter_mut().enumerate() {
                *out = self.mu_na[i] + self.scale_na[i] * self.spare[i];
            }
        }
    }
}
