//! The AVX2 loop of [`LaneNormals`](super::LaneNormals), written with explicit vector
//! instructions, as the AVX-512 one is: the table's pairs read by one load per lane
//! ([`first_try4`]), and the lanes whose first try is rejected listed as the loop goes
//! ([`list4`], behind a branch on whether any of the four lanes is: about one block in
//! sixteen), where the compiler's loop stores a flag byte per lane (four packs per four lanes)
//! for a second pass to scan. (Listing every block without the branch measured 0.95-0.97 of
//! the time in two of three paired runs of W1 on AMD EPYC Zen 3, 1.06 in the third.)

use std::arch::x86_64::*;

use super::Draws;
use crate::fastmath::opaque_pd;
use crate::lanes::list4;
use crate::rng::avx2::{Xoshiro4, first_try4};

/// Every lane's draw and first try, as [`super::avx512::first_tries`]: `out = base + scale x`
/// where accepted (with `DECAY`, `out = out * base + scale x` and then `sum = offset + out`
/// there; `out` is left as it was in the rejected lanes, their `sum` written or not, as the
/// caller writes it when it finishes their draws), the rejected lanes' numbers in `bits` (the
/// others' written or not); returns the number of rejected lanes, listed in `rejects`.
///
/// # Safety
/// The CPU has AVX2 and POPCNT.
#[target_feature(enable = "avx2,popcnt")]
pub unsafe fn first_tries<const DECAY: bool>(mut d: Draws<'_>) -> usize {
    let n = d.check::<DECAY>();
    let mut count = 0;
    let mut i = 0;
    // Two blocks of four lanes per round while they last, so that one block's chain (draw,
    // table loads, compare) overlaps the other's.
    for blocks in [2, 1] {
        while i + 4 * blocks <= n {
            for _ in 0..blocks {
                // SAFETY: i + 4 <= n, within every array (asserted above); count <= i, so the
                // list has room for the 4 entries stored at count.
                unsafe {
                    let [s0, s1, s2, s3] = &mut d.states;
                    let mut rng = Xoshiro4::load([&**s0, &**s1, &**s2, &**s3], i);
                    let bits = rng.next();
                    rng.store([&mut **s0, &mut **s1, &mut **s2, &mut **s3], i);
                    let (x, rejected) = first_try4(bits);
                    let mut base = _mm256_loadu_pd(d.base.as_ptr().add(i));
                    let at = d.out.as_mut_ptr().add(i);
                    let old = _mm256_loadu_pd(at);
                    if DECAY {
                        base = _mm256_mul_pd(old, base);
                    }
                    let scale = _mm256_loadu_pd(d.scale.as_ptr().add(i));
                    let mut out = _mm256_add_pd(base, _mm256_mul_pd(scale, x));
                    if DECAY {
                        // Plain stores of blends (opaque_pd: not masked stores, which are
                        // slow on AMD).
                        out = _mm256_blendv_pd(out, old, rejected);
                        // A rejected lane's sum is written when its draw is finished: no
                        // need to keep the old one here.
                        let sum = _mm256_add_pd(_mm256_loadu_pd(d.offset.as_ptr().add(i)), out);
                        _mm256_storeu_pd(d.sum.as_mut_ptr().add(i), sum);
                        out = opaque_pd(out);
                    }
                    _mm256_storeu_pd(at, out);
                    let mask = _mm256_movemask_pd(rejected) as u32;
                    if mask != 0 {
                        // Only a rejected lane's number is needed (to finish its draw).
                        _mm256_storeu_si256(d.bits.as_mut_ptr().add(i).cast(), bits);
                        count += list4(mask, i, d.rejects.as_mut_ptr().add(count));
                    }
                }
                i += 4;
            }
        }
    }
    for j in i..n {
        d.one_lane::<DECAY>(j, &mut count);
    }
    count
}
