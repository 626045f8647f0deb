//! Gaussian white-noise input: `I_n = mu + sigma * sqrt(1 ms / dt) * xi_n`, `xi_n ~ N(0, 1)`.
//!
//! `sigma` is the amplitude at 1 ms resolution (MODEL.md); the `sqrt(1 ms / dt)` factor makes the
//! membrane noise independent of `dt`. Each neuron draws its `xi_n` from its own stream, two at a
//! time by Box–Muller: the cosine value on even steps, the sine value on the following odd step.
//!
//! [`NoiseLanes`] is the fast path: the neurons' streams advance in lockstep
//! ([`rng::LaneStreams`]) and the transform uses the vectorizable `ln` and `sin`/`cos` of
//! [`crate::fastmath`], compiled for the CPU's vector unit. [`NoiseReference`] is the plain
//! scalar twin (rand_xoshiro's generator, std's `ln` and `sin_cos`), which the tests hold the fast
//! path to: the same random numbers, normals equal to within a few ulp.

use rand_xoshiro::Xoshiro256PlusPlus;

use super::{InputLanes, ModelParam, ParamSpec, required};
use crate::fastmath::{ln, sin_cos_2pi};
use crate::job::Job;
use crate::rng::{self, LaneStreams, to_uniform, xoshiro_next};

pub const PARAMS: &[ParamSpec] = &[required(ModelParam::Mu), required(ModelParam::Sigma)];

/// `(mu, sigma * sqrt(1 ms / dt))` of a job (nA).
fn mean_and_scale(job: &Job) -> (f64, f64) {
    let mu = job.input.value(ModelParam::Mu);
    (
        mu,
        job.input.value(ModelParam::Sigma) * (1.0 / job.sim.dt_ms).sqrt(),
    )
}

/// The fast path (see the module docs).
#[derive(Default)]
pub struct NoiseLanes {
    mu_na: Vec<f64>,
    /// `sigma * sqrt(1 ms / dt)`, nA.
    scale_na: Vec<f64>,
    streams: LaneStreams,
    /// The second normal of the pair drawn on the last even step.
    spare: Vec<f64>,
}

impl InputLanes for NoiseLanes {
    fn push(&mut self, job: &Job, first_neuron: u64, count: usize) {
        let (mu, scale) = mean_and_scale(job);
        let seed = job.seed();
        self.mu_na.extend(std::iter::repeat_n(mu, count));
        self.scale_na.extend(std::iter::repeat_n(scale, count));
        self.spare.extend(std::iter::repeat_n(0.0, count));
        for neuron in first_neuron..first_neuron + count as u64 {
            self.streams.push(seed, neuron);
        }
    }

    fn current(&mut self, step: u64, current: &mut [f64], _events: &mut [u32]) {
        let lanes = Lanes {
            mu_na: &self.mu_na,
            scale_na: &self.scale_na,
        };
        if step.is_multiple_of(2) {
            draw_pairs(&lanes, &mut self.streams, current, &mut self.spare);
        } else {
            use_spares(&lanes, &self.spare, current);
        }
    }
}

struct Lanes<'a> {
    mu_na: &'a [f64],
    scale_na: &'a [f64],
}

crate::dispatch!(
    /// Even steps: draw a Box–Muller pair per lane, use the cosine value, keep the sine value.
    fn draw_pairs = draw_pairs_generic(
        lanes: &Lanes<'_>,
        streams: &mut LaneStreams,
        current: &mut [f64],
        spare: &mut [f64],
    )
);

#[inline(always)]
fn draw_pairs_generic(
    lanes: &Lanes<'_>,
    streams: &mut LaneStreams,
    current: &mut [f64],
    spare: &mut [f64],
) {
    let n = current.len();
    let [s0, s1, s2, s3] = streams.states(n);
    let (mu, scale, spare) = (&lanes.mu_na[..n], &lanes.scale_na[..n], &mut spare[..n]);
    for i in 0..n {
        let first = xoshiro_next(&mut s0[i], &mut s1[i], &mut s2[i], &mut s3[i]);
        let second = xoshiro_next(&mut s0[i], &mut s1[i], &mut s2[i], &mut s3[i]);
        let u1 = 1.0 - to_uniform(first);
        let u2 = to_uniform(second);
        let r = (-2.0 * ln(u1)).sqrt();
        let (s, c) = sin_cos_2pi(u2);
        current[i] = mu[i] + scale[i] * (r * c);
        spare[i] = r * s;
    }
}

crate::dispatch!(
    /// Odd steps: the sine value kept from the last even step.
    fn use_spares = use_spares_generic(lanes: &Lanes<'_>, spare: &[f64], current: &mut [f64])
);

#[inline(always)]
fn use_spares_generic(lanes: &Lanes<'_>, spare: &[f64], current: &mut [f64]) {
    let n = current.len();
    let (mu, scale, spare) = (&lanes.mu_na[..n], &lanes.scale_na[..n], &spare[..n]);
    for i in 0..n {
        current[i] = mu[i] + scale[i] * spare[i];
    }
}

/// The scalar reference (see the module docs).
#[derive(Default)]
pub struct NoiseReference {
    mu_na: Vec<f64>,
    scale_na: Vec<f64>,
    rngs: Vec<Xoshiro256PlusPlus>,
    spare: Vec<f64>,
}

impl InputLanes for NoiseReference {
    fn push(&mut self, job: &Job, first_neuron: u64, count: usize) {
        let (mu, scale) = mean_and_scale(job);
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
