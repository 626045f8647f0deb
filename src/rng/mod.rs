//! Random streams: seed derivation, one Xoshiro256++ stream per neuron, uniform and normal numbers.
//!
//! # Streams, version 3 (`SEED_DERIVATION`)
//!
//! Version 3 folds a job's parameters by their fixed seed codes rather than by their position
//! in a parameter list (version 2), so that adding an input part or a parameter leaves every
//! existing job's seed as it is, and gives each random input part its own streams. Generators,
//! transforms and stream seeding are version 2's: rand_distr's ziggurat for normals ([`normal`]),
//! inversion for Poisson counts.
//!
//! # Seed derivation
//!
//! A job's seed is a hash of the run's master seed and the job's own parameters, so a job gives
//! the same numbers whatever grid, thread or shard it runs in:
//!
//! ```text
//! mix(z)   = SplitMix64's finalizer (Steele, Lea & Flood 2014):
//!            z ^= z >> 30; z *= 0xbf58476d1ce4e5b9; z ^= z >> 27; z *= 0x94d049bb133111eb; z ^= z >> 31
//! words    = (code, word) pairs, in increasing code:
//!            tau_m_ms 1, e_l_mv 2, r_mohm 3, v_th_mv 4, v_reset_mv 5, t_ref_ms 6, dt_ms 7, mu_na 8,
//!            each input part of the job's model (its code, word 0),
//!            each parameter of those parts, except one at its default (its code, its value)
//!            (values as IEEE-754 bits, -0 as +0; the codes are in docs/MODEL.md's key table)
//! h        = master seed
//! h        = mix(h ^ (word + code * 0x9e3779b97f4a7c15))   for each pair   (wrapping)
//! job seed = h
//! ```
//!
//! `neurons`, `duration_ms`, `warmup_ms` and `integrator` are deliberately left out: a job with
//! more neurons holds the same first neurons, a longer run extends the same trajectories, and the
//! two integrators see the same input (common random numbers, so their difference is not noise).
//!
//! Each random part of a job draws from its own streams: neuron `i`'s stream for the part with
//! code `c` is `Xoshiro256PlusPlus::seed_from_u64(stream_seed(part_seed(job_seed, c), i))`,
//! `part_seed(s, c) = mix(s ^ mix(c * 0x9e3779b97f4a7c15))`,
//! `stream_seed(s, i) = mix(s ^ mix(i + 0x9e3779b97f4a7c15))` (rand_xoshiro's SplitMix64
//! seeding), so a population can be cut into blocks of any size and spread over threads without
//! changing a single number, and two parts of one job never share a stream.

use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::lanes::LaneVec;

#[cfg(target_arch = "x86_64")]
pub mod avx2;
#[cfg(target_arch = "x86_64")]
pub mod avx512;
mod lane_normals;
mod normal;
mod ziggurat_tables;

pub use lane_normals::{LaneNormals, NormalSource, ReferenceNormals, scaled};
pub use normal::{finish_rejected, first_try, lane_normal, normal, normal_from};

/// Version of the seed derivation and streams above; written into every result file.
pub const SEED_DERIVATION: &str = "3";

/// The generator and transforms, written into every result file.
pub const RNG_DESCRIPTION: &str = "Xoshiro256++ (rand_xoshiro 0.8), one stream per neuron seeded by \
SplitMix64; uniforms = (u64 >> 11) * 2^-53; normals by the ziggurat of rand_distr 0.6 StandardNormal \
(ZIGNOR, 256 layers, bit for bit), one per neuron-step; Poisson counts by inversion of the per-job \
CDF table";

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function: a bijection of u64 with good avalanche.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The word of a real parameter value: its bits, with -0.0 and +0.0 the same value.
pub fn real_word(x: f64) -> u64 {
    if x == 0.0 { 0 } else { x.to_bits() }
}

/// The job seed of `master` and the job's `(code, word)` pairs, which must come in increasing
/// code (see the module docs).
pub fn fold_seed(master: u64, words: impl IntoIterator<Item = (u64, u64)>) -> u64 {
    words.into_iter().fold(master, |h, (code, w)| {
        mix(h ^ w.wrapping_add(code.wrapping_mul(GOLDEN)))
    })
}

/// The seed of the streams of the part with seed code `code` in the job with seed `job_seed`.
pub fn part_seed(job_seed: u64, code: u64) -> u64 {
    mix(job_seed ^ mix(code.wrapping_mul(GOLDEN)))
}

/// The SplitMix64 seed of neuron `neuron`'s stream among the streams `seed`.
fn stream_seed(seed: u64, neuron: u64) -> u64 {
    mix(seed ^ mix(neuron.wrapping_add(GOLDEN)))
}

/// The random stream of neuron `neuron` among the streams `seed` (a part's, [`part_seed`]).
pub fn neuron_stream(seed: u64, neuron: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(stream_seed(seed, neuron))
}

/// The Xoshiro256++ streams of many neurons in struct-of-arrays form, advanced in lockstep so
/// the compiler can vectorize them: lane `i`'s numbers are exactly those of
/// `neuron_stream(job_seed, neuron)` (rand_xoshiro's algorithm and SplitMix64 seeding, checked
/// in the tests).
#[derive(Clone, Debug, Default)]
pub struct LaneStreams {
    s0: LaneVec<u64>,
    s1: LaneVec<u64>,
    s2: LaneVec<u64>,
    s3: LaneVec<u64>,
}

impl LaneStreams {
    /// Appends the stream of neuron `neuron` among the streams `job_seed`.
    pub fn push(&mut self, job_seed: u64, neuron: u64) {
        // rand_xoshiro's seed_from_u64: the state is four consecutive SplitMix64 outputs.
        let mut sm = stream_seed(job_seed, neuron);
        let mut next = || {
            sm = sm.wrapping_add(GOLDEN);
            mix(sm)
        };
        self.s0.push(next());
        self.s1.push(next());
        self.s2.push(next());
        self.s3.push(next());
    }

    pub fn len(&self) -> usize {
        self.s0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.s0.is_empty()
    }

    /// The next number of every lane.
    #[inline(always)]
    pub fn next(&mut self, out: &mut [u64]) {
        let [s0, s1, s2, s3] = self.states(out.len());
        next_lanes(s0, s1, s2, s3, out);
    }

    /// Runs `f` with lane `lane`'s stream as a scalar generator (its state copied out and
    /// back), for the rare draws one lane needs alone.
    #[inline(always)]
    pub fn with_lane<R>(&mut self, lane: usize, f: impl FnOnce(&mut LaneRng) -> R) -> R {
        let mut rng = LaneRng([self.s0[lane], self.s1[lane], self.s2[lane], self.s3[lane]]);
        let r = f(&mut rng);
        [self.s0[lane], self.s1[lane], self.s2[lane], self.s3[lane]] = rng.0;
        r
    }

    /// The state words of the first `n` lanes, for loops that draw inside their own body.
    #[inline(always)]
    pub fn states(&mut self, n: usize) -> [&mut [u64]; 4] {
        [
            &mut self.s0[..n],
            &mut self.s1[..n],
            &mut self.s2[..n],
            &mut self.s3[..n],
        ]
    }
}

/// The loop of [`LaneStreams::next`]: each array is its own argument, so the compiler knows that
/// they do not overlap and keeps each lane's state in registers for the whole update (with the
/// arrays reached through one struct it reloads them after every store).
#[inline(always)]
fn next_lanes(s0: &mut [u64], s1: &mut [u64], s2: &mut [u64], s3: &mut [u64], out: &mut [u64]) {
    let n = out.len();
    let (s0, s1, s2, s3) = (&mut s0[..n], &mut s1[..n], &mut s2[..n], &mut s3[..n]);
    for (i, o) in out.iter_mut().enumerate() {
        *o = xoshiro_next(&mut s0[i], &mut s1[i], &mut s2[i], &mut s3[i]);
    }
}

/// One lane's Xoshiro256++ state, taken out of [`LaneStreams`] (see [`LaneStreams::with_lane`]).
#[derive(Clone, Copy)]
pub struct LaneRng([u64; 4]);

impl LaneRng {
    #[inline(always)]
    pub fn next_u64(&mut self) -> u64 {
        let [s0, s1, s2, s3] = &mut self.0;
        xoshiro_next(s0, s1, s2, s3)
    }
}

/// One step of Xoshiro256++ (Blackman & Vigna 2018) on one lane's state; returns its output.
#[inline(always)]
pub fn xoshiro_next(s0: &mut u64, s1: &mut u64, s2: &mut u64, s3: &mut u64) -> u64 {
    let out = s0.wrapping_add(*s3).rotate_left(23).wrapping_add(*s0);
    let t = *s1 << 17;
    *s2 ^= *s0;
    *s3 ^= *s1;
    *s1 ^= *s2;
    *s0 ^= *s3;
    *s2 ^= t;
    *s3 = s3.rotate_left(45);
    out
}

/// The uniform in [0, 1) of a 64-bit random number: its top 53 bits.
#[inline(always)]
pub fn to_uniform(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform number in [0, 1) with 53 random bits.
#[inline]
pub fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    to_uniform(rng.next_u64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_is_splitmix64() {
        // SplitMix64 with state 0 returns mix(0x9e3779b97f4a7c15) first: 0xe220a8397b1dcdaf.
        assert_eq!(mix(GOLDEN), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn lane_streams_are_the_neuron_streams() {
        let mut lanes = LaneStreams::default();
        let ids = [
            (1u64, 0u64),
            (1, 1),
            (99, 0),
            (u64::MAX, 12345),
            (7, 1 << 40),
        ];
        for &(seed, neuron) in &ids {
            lanes.push(seed, neuron);
        }
        let mut reference: Vec<_> = ids.iter().map(|&(s, n)| neuron_stream(s, n)).collect();
        let mut out = vec![0; ids.len()];
        for _ in 0..1000 {
            lanes.next(&mut out);
            for (r, &got) in reference.iter_mut().zip(&out) {
                assert_eq!(got, r.next_u64());
            }
        }
    }

    #[test]
    fn normal_moments() {
        // 400k normals: mean 0 +- 5 s.e. (s.e. = 1/sqrt(400k) = 0.0016), variance 1 +- 5 s.e.
        // (s.e. of the sample variance = sqrt(2/400k) = 0.0022).
        let mut rng = neuron_stream(42, 0);
        let mut next = || rng.next_u64();
        let (mut s1, mut s2, mut n) = (0.0, 0.0, 0.0);
        for _ in 0..400_000 {
            let z = normal(&mut next);
            s1 += z;
            s2 += z * z;
            n += 1.0;
        }
        let mean = s1 / n;
        let var = s2 / n - mean * mean;
        assert!(mean.abs() < 5.0 * 0.0016, "mean {mean}");
        assert!((var - 1.0).abs() < 5.0 * 0.0022, "variance {var}");
    }

    #[test]
    fn normals_are_rand_distr_standard_normal_bit_for_bit() {
        use rand_distr::Distribution;
        // 2M draws reach the wedges (~0.7% of draws) and the tail (~0.03%) hundreds of times.
        let mut ours = neuron_stream(7, 3);
        let mut theirs = ours.clone();
        let mut next = || ours.next_u64();
        let mut tails = 0;
        for k in 0..2_000_000 {
            let z = normal(&mut next);
            let want: f64 = rand_distr::StandardNormal.sample(&mut theirs);
            assert_eq!(z.to_bits(), want.to_bits(), "draw {k}: {z} vs {want}");
            tails += (z.abs() > ziggurat_tables::ZIG_NORM_R) as usize;
        }
        assert!(tails > 100, "only {tails} draws from the tail");
        // Both consumed the same numbers.
        assert_eq!(ours.next_u64(), theirs.next_u64());
    }

    #[test]
    fn a_lane_draws_its_own_stream() {
        let mut lanes = LaneStreams::default();
        for neuron in 0..3 {
            lanes.push(11, neuron);
        }
        let mut reference = neuron_stream(11, 1);
        let mut all = vec![0; 3];
        lanes.next(&mut all);
        assert_eq!(all[1], reference.next_u64());
        lanes.with_lane(1, |one| {
            assert_eq!(one.next_u64(), reference.next_u64());
            assert_eq!(one.next_u64(), reference.next_u64());
        });
        lanes.next(&mut all);
        assert_eq!(all[1], reference.next_u64());
    }

    #[test]
    fn finishing_a_rejected_draw_is_normal_from() {
        let mut lanes = LaneStreams::default();
        lanes.push(5, 0);
        let mut rejected = 0;
        for _ in 0..3_000_000 {
            lanes.with_lane(0, |rng| {
                let bits = rng.next_u64();
                if first_try(bits).1 {
                    return;
                }
                rejected += 1;
                let mut plain = *rng;
                let want = normal_from(bits, &mut || plain.next_u64());
                assert_eq!(finish_rejected(bits, rng).to_bits(), want.to_bits());
                // The stream goes on from the same place.
                assert_eq!(rng.next_u64(), plain.next_u64());
            });
        }
        assert!(rejected > 40_000, "{rejected}");
    }

    #[test]
    fn a_lane_normal_is_the_streams_next_normal() {
        let mut lanes = LaneStreams::default();
        lanes.push(6, 3);
        let mut plain = neuron_stream(6, 3);
        for _ in 0..200_000 {
            let z = lanes.with_lane(0, lane_normal);
            assert_eq!(z.to_bits(), normal(&mut || plain.next_u64()).to_bits());
        }
    }
}
