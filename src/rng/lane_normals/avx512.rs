//! The AVX-512 loop of [`LaneNormals`](super::LaneNormals), written with explicit vector
//! instructions: besides what the portable loop does, it lists the lanes whose first try is
//! rejected as it goes (a compress and a store per eight lanes), so that the few lanes to finish
//! are found without a scan of the whole batch, whose branches the CPU would mispredict about
//! once per rejected lane.

use std::arch::x86_64::*;

use super::Draws;
use crate::rng::avx512::{Xoshiro8, first_try8};

/// Every lane's draw and first try: `out = base + scale x` where accepted (with `DECAY`,
/// `out = out * base + scale x` and then `sum = offset + out` there, and `out` and `sum` left
/// as they were in the rejected lanes), the lane's number in `bits`; returns the number of
/// rejected lanes, listed in `rejects`.
///
/// With `PAIRS`, the ziggurat table is read by pair loads rather than gathers (the same bits:
/// [`first_try8`]).
///
/// # Safety
/// The CPU has AVX-512F, DQ, VL and POPCNT.
#[target_feature(enable = "avx512f,avx512dq,avx512vl,popcnt")]
pub unsafe fn first_tries<const DECAY: bool, const PAIRS: bool>(mut d: Draws<'_>) -> usize {
    let n = d.check::<DECAY>();
    let mut count = 0;
    let mut lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    let mut i = 0;
    // Two blocks of eight lanes per round while they last, so that one block's chain (draw,
    // gather, compare) overlaps the other's.
    for blocks in [2, 1] {
        while i + 8 * blocks <= n {
            for _ in 0..blocks {
                // SAFETY: i + 8 <= n, within every array (asserted above); count <= i, so the
                // list has room for the 8 entries stored at count.
                unsafe {
                    let [s0, s1, s2, s3] = &mut d.states;
                    let mut rng = Xoshiro8::load([&**s0, &**s1, &**s2, &**s3], i);
                    let bits = rng.next();
                    rng.store([&mut **s0, &mut **s1, &mut **s2, &mut **s3], i);
                    let (x, rejected) = first_try8::<PAIRS>(bits);
                    let mut base = _mm512_loadu_pd(d.base.as_ptr().add(i));
                    let at = d.out.as_mut_ptr().add(i);
                    if DECAY {
                        base = _mm512_mul_pd(_mm512_loadu_pd(at), base);
                    }
                    let scale = _mm512_loadu_pd(d.scale.as_ptr().add(i));
                    let out = _mm512_add_pd(base, _mm512_mul_pd(scale, x));
                    if DECAY {
                        _mm512_mask_storeu_pd(at, !rejected, out);
                        let sum = _mm512_add_pd(_mm512_loadu_pd(d.offset.as_ptr().add(i)), out);
                        _mm512_mask_storeu_pd(d.sum.as_mut_ptr().add(i), !rejected, sum);
                    } else {
                        _mm512_storeu_pd(at, out);
                    }
                    _mm512_storeu_si512(d.bits.as_mut_ptr().add(i).cast(), bits);
                    let listed = _mm256_maskz_compress_epi32(rejected, lanes);
                    _mm256_storeu_si256(d.rejects.as_mut_ptr().add(count).cast(), listed);
                    count += rejected.count_ones() as usize;
                }
                lanes = _mm256_add_epi32(lanes, _mm256_set1_epi32(8));
                i += 8;
            }
        }
    }
    for j in i..n {
        d.one_lane::<DECAY>(j, &mut count);
    }
    count
}
