//! One standard normal number per lane and step, from each lane's own stream: the per-lane
//! normal source of every input part that needs one ([`LaneNormals`]), and its scalar twin
//! ([`ReferenceNormals`]), which the tests hold it to bit for bit.
//!
//! The lanes' streams advance in lockstep ([`LaneStreams`]) and the ziggurat's first try (a
//! table look-up, a multiply and a compare, accepted for 98.5% of draws) runs vectorized over all
//! lanes; the few rejected lanes then finish their draw alone, from their own streams
//! ([`finish_rejected`]). Each lane's numbers are exactly rand_distr's `StandardNormal` of its
//! stream, one after another, whatever the lanes around it. The AVX2 kernel draws two steps per
//! pass and keeps the second step's normals for the next call ([`avx2`]; a lane rejected at
//! either step draws both alone).
//!
//! The source does not hand out the normals themselves but `out = base + scale * z` in the same
//! pass (the shape every use has: a current around a mean), or `state = state * decay + scale *
//! z` in place and `out = base + state` (an Ornstein–Uhlenbeck update and its current), so the
//! numbers never make a round trip through memory.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;

use rand_core::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{
    LaneStreams, finish_rejected, first_try, lane_normal, neuron_stream, normal, xoshiro_next,
};
use crate::fastmath::for_each_set;
use crate::lanes::LaneVec;

/// `base + scale * z`: how a normal number becomes a value (written once for every path).
#[inline(always)]
pub fn scaled(base: f64, scale: f64, z: f64) -> f64 {
    base + scale * z
}

/// One step's draws of all lanes, for the hand-written kernels (AVX-512; AVX2, which draws the
/// next step's too).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
struct Draws<'a> {
    states: [&'a mut [u64]; 4],
    base: &'a [f64],
    scale: &'a [f64],
    out: &'a mut [f64],
    /// Each rejected lane's 64-bit number (a kernel may write the others'; the AVX2 kernel puts
    /// the rejected lanes' streams back instead).
    bits: &'a mut [u64],
    /// The rejected lanes, in order; needs room for 8 more entries than there are lanes.
    rejects: &'a mut [u32],
    /// With `DECAY`: `sum = offset + out` is written where accepted (empty otherwise).
    offset: &'a [f64],
    sum: &'a mut [f64],
}

#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
impl Draws<'_> {
    /// The number of lanes, `out`'s; checks that every array holds them (and the list 8 more).
    fn check<const DECAY: bool>(&self) -> usize {
        let n = self.out.len();
        assert!(self.states.iter().all(|s| s.len() >= n));
        assert!(self.base.len() >= n && self.scale.len() >= n && self.bits.len() >= n);
        assert!(self.rejects.len() >= n + 8);
        assert!(!DECAY || (self.offset.len() >= n && self.sum.len() >= n));
        n
    }

    /// Lane `j`'s draw and first try alone (the AVX-512 kernel's last lanes), listing it at
    /// `count` if rejected; the same contract as that kernel's.
    fn one_lane<const DECAY: bool>(&mut self, j: usize, count: &mut usize) {
        let [s0, s1, s2, s3] = &mut self.states;
        let b = xoshiro_next(&mut s0[j], &mut s1[j], &mut s2[j], &mut s3[j]);
        let (x, accepted) = first_try(b);
        let base = if DECAY {
            self.out[j] * self.base[j]
        } else {
            self.base[j]
        };
        if accepted || !DECAY {
            self.out[j] = scaled(base, self.scale[j], x);
        }
        if DECAY && accepted {
            self.sum[j] = self.offset[j] + self.out[j];
        }
        self.bits[j] = b;
        if !accepted {
            self.rejects[*count] = j as u32;
            *count += 1;
        }
    }
}

/// The fast per-lane normal source (see the module docs).
#[derive(Default)]
pub struct LaneNormals {
    streams: LaneStreams,
    /// Each lane's 64-bit number of this step, for a lane whose first try is rejected.
    bits: LaneVec<u64>,
    /// Whether the lane's first try was rejected this step.
    rejected: LaneVec<bool>,
    /// The lanes whose first try was rejected this step, in order (8 entries to spare).
    rejects: Vec<u32>,
    /// Where a kernel draws two steps per pass ([`avx2::two_steps`]): the next step's normals,
    /// and whether they are ready for the next call, which then only scales them.
    ahead: LaneVec<f64>,
    ahead_ready: bool,
}

impl LaneNormals {
    /// Every lane's draw and first try (`out` where accepted; with `DECAY`, `out * base + scale
    /// z` there and `sum = offset + out`, the rejected lanes' `out` and `sum` left as they
    /// were); returns the number of rejected lanes, listed in `self.rejects`, and whether the
    /// kernel drew the next step's too ([`avx2::two_steps`], whose contract differs: it lists
    /// the lanes rejected at either step, puts their streams back and leaves the lanes past its
    /// blocks of four alone). Without `DECAY`, `offset` and `sum` are not used (pass empty
    /// slices).
    fn first_tries<const DECAY: bool>(
        &mut self,
        base: &[f64],
        scale: &[f64],
        out: &mut [f64],
        offset: &[f64],
        sum: &mut [f64],
    ) -> (usize, bool) {
        let n = out.len();
        let (base, scale) = (&base[..n], &scale[..n]);
        let [s0, s1, s2, s3] = self.streams.states(n);
        #[cfg(target_arch = "x86_64")]
        {
            use crate::fastmath::SimdLevel;
            let level = crate::fastmath::simd_level();
            if level >= SimdLevel::Avx2 {
                let draws = Draws {
                    states: [s0, s1, s2, s3],
                    base,
                    scale,
                    out,
                    bits: &mut self.bits,
                    rejects: &mut self.rejects,
                    offset,
                    sum,
                };
                // SAFETY: simd_level() reports AVX-512 only if the CPU has F, DQ, VL, BW and
                // POPCNT, and AVX2 only if it has AVX2 (every AVX2 CPU has POPCNT).
                return unsafe {
                    match level {
                        SimdLevel::Avx512 if crate::fastmath::pair_loads() => {
                            (avx512::first_tries::<DECAY, true>(draws), false)
                        }
                        SimdLevel::Avx512 => (avx512::first_tries::<DECAY, false>(draws), false),
                        _ => (avx2::two_steps::<DECAY>(draws, &mut self.ahead), true),
                    }
                };
            }
        }
        let (bits, rejected) = (&mut self.bits[..n], &mut self.rejected[..n]);
        let mut count = 0;
        let any = if DECAY {
            first_tries_decay(
                s0, s1, s2, s3, base, scale, out, bits, rejected, offset, sum,
            )
        } else {
            first_tries(
                s0, s1, s2, s3, base, scale, out, bits, rejected, offset, sum,
            )
        };
        if any {
            for_each_set(rejected, |lane| {
                self.rejects[count] = lane as u32;
                count += 1;
            });
        }
        (count, false)
    }

    /// The draws of one step, either shape (see [`NormalSource`]; `offset` and `sum` as in
    /// [`Self::first_tries`]).
    fn draw<const DECAY: bool>(
        &mut self,
        base: &[f64],
        scale: &[f64],
        out: &mut [f64],
        offset: &[f64],
        sum: &mut [f64],
    ) {
        let n = out.len();
        if std::mem::take(&mut self.ahead_ready) {
            // Drawn with the last step's.
            apply_ahead(DECAY, &self.ahead[..n], base, scale, out, offset, sum);
            return;
        }
        let (listed, two_steps) = self.first_tries::<DECAY>(base, scale, out, offset, sum);
        if two_steps {
            // This step's and the next step's normals of the lanes listed (the kernel put
            // their streams back) and of those past the kernel's blocks of four, drawn whole.
            let lanes = self.rejects[..listed].iter().map(|&lane| lane as usize);
            for lane in lanes.chain(n - n % 4..n) {
                let [z, z_next] = self
                    .streams
                    .with_lane(lane, |rng| std::array::from_fn(|_| lane_normal(rng)));
                apply::<DECAY>(lane, z, base, scale, out, offset, sum);
                self.ahead[lane] = z_next;
            }
            self.ahead_ready = true;
            return;
        }
        let bits = &self.bits;
        for &lane in &self.rejects[..listed] {
            let lane = lane as usize;
            let z = self
                .streams
                .with_lane(lane, |rng| finish_rejected(bits[lane], rng));
            apply::<DECAY>(lane, z, base, scale, out, offset, sum);
        }
    }
}

/// Lane `lane`'s value from its normal `z`, either shape (see [`LaneNormals::first_tries`]).
#[inline(always)]
fn apply<const DECAY: bool>(
    lane: usize,
    z: f64,
    base: &[f64],
    scale: &[f64],
    out: &mut [f64],
    offset: &[f64],
    sum: &mut [f64],
) {
    let b = if DECAY {
        out[lane] * base[lane]
    } else {
        base[lane]
    };
    out[lane] = scaled(b, scale[lane], z);
    if DECAY {
        sum[lane] = offset[lane] + out[lane];
    }
}

crate::dispatch!(
    /// Every lane's value from the normals drawn ahead, either shape: `out = base + scale z`
    /// (`offset` and `sum` not used), or with `decay` `out = out * base + scale z` and `sum =
    /// offset + out` (see [`LaneNormals::first_tries`]).
    fn apply_ahead = apply_ahead_generic(
        decay: bool,
        z: &[f64],
        base: &[f64],
        scale: &[f64],
        out: &mut [f64],
        offset: &[f64],
        sum: &mut [f64],
    )
);

#[inline(always)]
fn apply_ahead_generic(
    decay: bool,
    z: &[f64],
    base: &[f64],
    scale: &[f64],
    out: &mut [f64],
    offset: &[f64],
    sum: &mut [f64],
) {
    let n = out.len();
    let (z, base, scale) = (&z[..n], &base[..n], &scale[..n]);
    if decay {
        let (offset, sum) = (&offset[..n], &mut sum[..n]);
        for i in 0..n {
            out[i] = scaled(out[i] * base[i], scale[i], z[i]);
            sum[i] = offset[i] + out[i];
        }
    } else {
        for i in 0..n {
            out[i] = scaled(base[i], scale[i], z[i]);
        }
    }
}

crate::dispatch!(
    /// Every lane's draw and first try, portably (AVX2, baseline): `out` where accepted; the
    /// number and a mark where rejected. Returns whether any lane was rejected. (Each array is
    /// its own argument so that the compiler knows they do not overlap: it vectorizes without
    /// run-time overlap checks, which it gives up on for this many arrays.)
    #[allow(clippy::too_many_arguments)]
    fn first_tries = first_tries_generic::<false>(
        s0: &mut [u64],
        s1: &mut [u64],
        s2: &mut [u64],
        s3: &mut [u64],
        base: &[f64],
        scale: &[f64],
        out: &mut [f64],
        bits: &mut [u64],
        rejected: &mut [bool],
        offset: &[f64],
        sum: &mut [f64],
    ) -> bool
);

crate::dispatch!(
    /// [`first_tries`] for `out = out * base + scale x` (in place) and `sum = offset + out`
    /// (rejected lanes untouched).
    #[allow(clippy::too_many_arguments)]
    fn first_tries_decay = first_tries_generic::<true>(
        s0: &mut [u64],
        s1: &mut [u64],
        s2: &mut [u64],
        s3: &mut [u64],
        base: &[f64],
        scale: &[f64],
        out: &mut [f64],
        bits: &mut [u64],
        rejected: &mut [bool],
        offset: &[f64],
        sum: &mut [f64],
    ) -> bool
);

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn first_tries_generic<const DECAY: bool>(
    s0: &mut [u64],
    s1: &mut [u64],
    s2: &mut [u64],
    s3: &mut [u64],
    base: &[f64],
    scale: &[f64],
    out: &mut [f64],
    bits: &mut [u64],
    rejected: &mut [bool],
    offset: &[f64],
    sum: &mut [f64],
) -> bool {
    let n = out.len();
    if DECAY {
        assert!(offset.len() >= n && sum.len() >= n);
    }
    let (s0, s1, s2, s3) = (&mut s0[..n], &mut s1[..n], &mut s2[..n], &mut s3[..n]);
    let (base, scale) = (&base[..n], &scale[..n]);
    let (bits, rejected) = (&mut bits[..n], &mut rejected[..n]);
    let mut any = false;
    for i in 0..n {
        let b = xoshiro_next(&mut s0[i], &mut s1[i], &mut s2[i], &mut s3[i]);
        let (x, accepted) = first_try(b);
        if DECAY {
            let v = scaled(out[i] * base[i], scale[i], x);
            out[i] = if accepted { v } else { out[i] };
            let total = offset[i] + out[i];
            sum[i] = if accepted { total } else { sum[i] };
        } else {
            out[i] = scaled(base[i], scale[i], x);
        }
        bits[i] = b;
        rejected[i] = !accepted;
        any |= !accepted;
    }
    any
}

/// The scalar reference: rand_xoshiro's generator per lane, one whole normal after another.
#[derive(Default)]
pub struct ReferenceNormals {
    rngs: Vec<Xoshiro256PlusPlus>,
}

/// A per-lane normal source: the fast one or the reference, so that a part runs on either.
pub trait NormalSource: Default + Send {
    /// Appends the lanes of neurons `first_neuron..first_neuron + count` of streams `seed`.
    fn push(&mut self, seed: u64, first_neuron: u64, count: usize);
    /// Draws each lane's next normal `z_i` and writes `out[i] = base[i] + scale[i] * z_i`.
    fn add_scaled(&mut self, base: &[f64], scale: &[f64], out: &mut [f64]);
    /// Draws each lane's next normal `z_i`, updates `state[i] = state[i] * decay[i] +
    /// scale[i] * z_i` (the same bits as `add_scaled` from the products) and writes `out[i] =
    /// base[i] + state[i]`, in one pass.
    fn decay_add_scaled(
        &mut self,
        decay: &[f64],
        scale: &[f64],
        state: &mut [f64],
        base: &[f64],
        out: &mut [f64],
    );
}

impl NormalSource for LaneNormals {
    fn push(&mut self, seed: u64, first_neuron: u64, count: usize) {
        // Lanes join before the first step (normals drawn ahead would be lost).
        assert!(!self.ahead_ready, "lanes pushed after stepping");
        for neuron in first_neuron..first_neuron + count as u64 {
            self.streams.push(seed, neuron);
        }
        let n = self.streams.len();
        self.bits.resize(n, 0);
        self.rejected.resize(n, false);
        self.rejects.resize(n + 8, 0);
        self.ahead.resize(n, 0.0);
    }

    fn add_scaled(&mut self, base: &[f64], scale: &[f64], out: &mut [f64]) {
        self.draw::<false>(base, scale, out, &[], &mut []);
    }

    fn decay_add_scaled(
        &mut self,
        decay: &[f64],
        scale: &[f64],
        state: &mut [f64],
        base: &[f64],
        out: &mut [f64],
    ) {
        self.draw::<true>(decay, scale, state, base, out);
    }
}

impl NormalSource for ReferenceNormals {
    fn push(&mut self, seed: u64, first_neuron: u64, count: usize) {
        self.rngs
            .extend((first_neuron..first_neuron + count as u64).map(|i| neuron_stream(seed, i)));
    }

    fn add_scaled(&mut self, base: &[f64], scale: &[f64], out: &mut [f64]) {
        for (i, o) in out.iter_mut().enumerate() {
            let rng = &mut self.rngs[i];
            *o = scaled(base[i], scale[i], normal(&mut || rng.next_u64()));
        }
    }

    fn decay_add_scaled(
        &mut self,
        decay: &[f64],
        scale: &[f64],
        state: &mut [f64],
        base: &[f64],
        out: &mut [f64],
    ) {
        for (i, s) in state.iter_mut().enumerate() {
            let rng = &mut self.rngs[i];
            *s = scaled(*s * decay[i], scale[i], normal(&mut || rng.next_u64()));
            out[i] = base[i] + *s;
        }
    }
}
