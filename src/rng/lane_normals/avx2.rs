//! The AVX2 loop of [`LaneNormals`](super::LaneNormals), written with explicit vector
//! instructions, drawing TWO steps per pass: each lane's state is loaded and stored once per two
//! numbers, and the second step's normals wait in `ahead` for the next call, which only scales
//! them. The table's pairs are read by one load per lane ([`first_try4`]).
//!
//! A lane whose first try is rejected at either step gets back the state it had before the
//! pass (a blend of the state vectors) and is listed ([`list4`]): the caller draws both of its
//! normals again from its stream, finishing the rejected draws the scalar way. So no number is
//! stored for later, and no branch is taken on the rare lanes here. (Where a branch on them
//! stays, taken by about one block in eight, valgrind's branch simulation counts 0.074
//! mispredictions per neuron-step of W1 against 0.053 without it, and 0.068 for the one-step
//! loop that came before.)

use std::arch::x86_64::*;

use super::Draws;
use crate::fastmath::opaque_pd;
use crate::lanes::list4;
use crate::rng::avx2::{Xoshiro4, first_try4};

/// This step's and the next step's first tries of every block of four lanes (`n` rounded down
/// to 4; the lanes past them are left to the caller). Where both are accepted: `out = base +
/// scale x` (with `DECAY`, `out = out * base + scale x` and then `sum = offset + out`) and
/// the next step's normal in `ahead`. The other lanes are listed in `rejects`, with their
/// state as it was before the pass and (with `DECAY`) their `out` too; their `sum` and `ahead`
/// are written or not. Returns the number of lanes listed.
///
/// # Safety
/// The CPU has AVX2 and POPCNT.
#[target_feature(enable = "avx2,popcnt")]
pub unsafe fn two_steps<const DECAY: bool>(mut d: Draws<'_>, ahead: &mut [f64]) -> usize {
    let n = d.check::<DECAY>();
    assert!(ahead.len() >= n);
    let mut count = 0;
    for i in (0..n - n % 4).step_by(4) {
        // SAFETY: i + 4 <= n, within every array (asserted above); count <= i, so the list has
        // room for the 4 entries stored at count.
        unsafe {
            let [s0, s1, s2, s3] = &mut d.states;
            let mut rng = Xoshiro4::load([&**s0, &**s1, &**s2, &**s3], i);
            let before = rng.0;
            let bits = rng.next();
            let bits_next = rng.next();
            let (x, rejected) = first_try4(bits);
            let (x_next, rejected_next) = first_try4(bits_next);
            let redo = _mm256_or_pd(rejected, rejected_next);
            let mut base = _mm256_loadu_pd(d.base.as_ptr().add(i));
            let at = d.out.as_mut_ptr().add(i);
            let old = _mm256_loadu_pd(at);
            if DECAY {
                base = _mm256_mul_pd(old, base);
            }
            let scale = _mm256_loadu_pd(d.scale.as_ptr().add(i));
            let mut out = _mm256_add_pd(base, _mm256_mul_pd(scale, x));
            if DECAY {
                // Plain stores of blends (opaque_pd: not masked stores, which are slow on AMD).
                out = _mm256_blendv_pd(out, old, redo);
                let sum = _mm256_add_pd(_mm256_loadu_pd(d.offset.as_ptr().add(i)), out);
                _mm256_storeu_pd(d.sum.as_mut_ptr().add(i), sum);
                out = opaque_pd(out);
            }
            _mm256_storeu_pd(at, out);
            _mm256_storeu_pd(ahead.as_mut_ptr().add(i), x_next);
            let back = _mm256_castpd_si256(redo);
            for (s, was) in rng.0.iter_mut().zip(before) {
                *s = _mm256_blendv_epi8(*s, was, back);
            }
            rng.store([&mut **s0, &mut **s1, &mut **s2, &mut **s3], i);
            let mask = _mm256_movemask_pd(redo) as u32;
            count += list4(mask, i, d.rejects.as_mut_ptr().add(count));
        }
    }
    count
}
