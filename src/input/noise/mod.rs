//! Gaussian white-noise input: `I_n = mu + sigma * sqrt(1 ms / dt) * xi_n`, `xi_n ~ N(0, 1)`.
//!
//! `sigma` is the amplitude at 1 ms resolution (MODEL.md); the `sqrt(1 ms / dt)` factor makes the
//! membrane noise independent of `dt`. Each neuron draws its `xi_n` from its own stream, one per
//! step, by rand_distr's ziggurat ([`rng::normal`]).
//!
//! [`NoiseLanes`] is the fast path: the neurons' streams advance in lockstep
//! ([`rng::LaneStreams`]) and the ziggurat's first try (a table look-up, a multiply and a
//! compare, accepted for 98.5% of draws) runs vectorized over all lanes; the few rejected lanes
//! then finish their draw alone, from their own streams. [`NoiseReference`] is the plain scalar
//! twin (rand_xoshiro's generator, one whole normal after another), which the tests hold the
//! fast path to bit for bit.

#[cfg(target_arch = "x86_64")]
mod avx512;

use rand_core::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{InputLanes, ModelParam, ParamSpec, required};
use crate::fastmath::for_each_set;
use crate::job::Job;
use crate::lanes::LaneVec;
use crate::rng::{self, LaneStreams, finish_rejected, first_try, xoshiro_next};

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
    mu_na: LaneVec<f64>,
    /// `sigma * sqrt(1 ms / dt)`, nA.
    scale_na: LaneVec<f64>,
    streams: LaneStreams,
    /// Each lane's 64-bit number of this step, for a lane whose first try is rejected.
    bits: LaneVec<u64>,
    /// Whether the lane's first try was rejected this step.
    rejected: LaneVec<bool>,
    /// The lanes whose first try was rejected this step, in order (8 entries to spare).
    rejects: Vec<u32>,
}

impl InputLanes for NoiseLanes {
    fn push(&mut self, job: &Job, first_neuron: u64, count: usize) {
        let (mu, scale) = mean_and_scale(job);
        let seed = job.seed();
        self.mu_na.extend(std::iter::repeat_n(mu, count));
        self.scale_na.extend(std::iter::repeat_n(scale, count));
        self.bits.extend(std::iter::repeat_n(0, count));
        self.rejected.extend(std::iter::repeat_n(false, count));
        self.rejects.resize(self.rejected.len() + 8, 0);
        for neuron in first_neuron..first_neuron + count as u64 {
            self.streams.push(seed, neuron);
        }
    }

    fn current(&mut self, _step: u64, current: &mut [f64], _events: &mut [u32]) {
        let rejected = self.first_tries(current);
        let (mu, scale, bits) = (&self.mu_na, &self.scale_na, &self.bits);
        for &lane in &self.rejects[..rejected] {
            let lane = lane as usize;
            let z = self
                .streams
                .with_lane(lane, |rng| finish_rejected(bits[lane], rng));
            current[lane] = mu[lane] + scale[lane] * z;
        }
    }
}

impl NoiseLanes {
    /// Every lane's draw and first try (the current where accepted); returns the number of
    /// rejected lanes, listed in `self.rejects`.
    fn first_tries(&mut self, current: &mut [f64]) -> usize {
        let n = current.len();
        let (mu, scale) = (&self.mu_na[..n], &self.scale_na[..n]);
        let [s0, s1, s2, s3] = self.streams.states(n);
        #[cfg(target_arch = "x86_64")]
        if crate::fastmath::simd_level() == crate::fastmath::SimdLevel::Avx512 {
            let draws = avx512::Draws {
                states: [s0, s1, s2, s3],
                mu,
                scale,
                current,
                bits: &mut self.bits,
                rejects: &mut self.rejects,
            };
            // SAFETY: simd_level() reports AVX-512 only if the CPU has F, DQ, VL, BW and POPCNT.
            return unsafe { avx512::first_tries(draws) };
        }
        let (bits, rejected) = (&mut self.bits[..n], &mut self.rejected[..n]);
        let mut count = 0;
        if first_tries(s0, s1, s2, s3, mu, scale, current, bits, rejected) {
            for_each_set(rejected, |lane| {
                self.rejects[count] = lane as u32;
                count += 1;
            });
        }
        count
    }
}

crate::dispatch!(
    /// Every lane's draw and first try, portably (AVX2, baseline): the current where accepted;
    /// the number and a mark where rejected. Returns whether any lane was rejected. (Each array
    /// is its own argument so that the compiler knows they do not overlap: it vectorizes without
    /// run-time overlap checks, which it gives up on for this many arrays.)
    #[allow(clippy::too_many_arguments)]
    fn first_tries = first_tries_generic(
        s0: &mut [u64],
        s1: &mut [u64],
        s2: &mut [u64],
        s3: &mut [u64],
        mu: &[f64],
        scale: &[f64],
        current: &mut [f64],
        bits: &mut [u64],
        rejected: &mut [bool],
    ) -> bool
);

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn first_tries_generic(
    s0: &mut [u64],
    s1: &mut [u64],
    s2: &mut [u64],
    s3: &mut [u64],
    mu: &[f64],
    scale: &[f64],
    current: &mut [f64],
    bits: &mut [u64],
    rejected: &mut [bool],
) -> bool {
    let n = current.len();
    let (s0, s1, s2, s3) = (&mut s0[..n], &mut s1[..n], &mut s2[..n], &mut s3[..n]);
    let (mu, scale, bits, rejected) = (&mu[..n], &scale[..n], &mut bits[..n], &mut rejected[..n]);
    let mut any = false;
    for i in 0..n {
        let b = xoshiro_next(&mut s0[i], &mut s1[i], &mut s2[i], &mut s3[i]);
        let (x, accepted) = first_try(b);
        current[i] = mu[i] + scale[i] * x;
        bits[i] = b;
        rejected[i] = !accepted;
        any |= !accepted;
    }
    any
}

/// The scalar reference (see the module docs).
#[derive(Default)]
pub struct NoiseReference {
    mu_na: Vec<f64>,
    scale_na: Vec<f64>,
    rngs: Vec<Xoshiro256PlusPlus>,
}

impl InputLanes for NoiseReference {
    fn push(&mut self, job: &Job, first_neuron: u64, count: usize) {
        let (mu, scale) = mean_and_scale(job);
        let seed = job.seed();
        self.mu_na.extend(std::iter::repeat_n(mu, count));
        self.scale_na.extend(std::iter::repeat_n(scale, count));
        self.rngs.extend(
            (first_neuron..first_neuron + count as u64).map(|i| rng::neuron_stream(seed, i)),
        );
    }

    fn current(&mut self, _step: u64, current: &mut [f64], _events: &mut [u32]) {
        for (i, out) in current.iter_mut().enumerate() {
            let rng = &mut self.rngs[i];
            let z = rng::normal(&mut || rng.next_u64());
            *out = self.mu_na[i] + self.scale_na[i] * z;
        }
    }
}
