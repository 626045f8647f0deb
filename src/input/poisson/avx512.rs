//! The AVX-512 loop of [`PoissonLanes`](super::PoissonLanes), written with explicit vector
//! instructions: draw, count against the CDF head and synapse in one pass, eight lanes at a
//! time, with the same arithmetic as the portable loops, and the next step's draw and count in
//! the same pass (the generator's state is loaded and stored once for both). The rare lanes
//! whose count needs the table (`k >= HEAD`) are listed as the loop goes (a compress per eight
//! lanes) and left for the caller, synapse untouched.
//!
//! Runs only where the CPU has AVX-512 ([`crate::fastmath::simd_level`]).

use std::arch::x86_64::*;

use super::{HEAD, Step};
use crate::rng::avx512::Xoshiro8;

/// Draws every lane's number (into `raw`, for the lanes listed in `rare`) and count; for the
/// lanes whose count is below `HEAD`, applies the synapse, writes the current `base + I_syn`
/// and puts the count into `events` (added if `add_events`). Returns the number of the other
/// lanes, listed in `rare` (`HEAD` was put into their `events`, their synapse is untouched),
/// and the number of lanes in `rare_ahead`: the pass also draws each lane's next number from
/// its stream (the same numbers in the same order as a draw per step: the generator's state is
/// loaded and stored once for two draws) and puts its count into `ahead`. Needs a multiple of
/// 8 lanes.
///
/// # Safety
/// The CPU has AVX-512F, DQ and VL, and POPCNT.
#[target_feature(enable = "avx512f,avx512dq,avx512vl,popcnt")]
pub unsafe fn draw_and_apply(s: Step<'_>) -> (usize, usize) {
    let n = s.check(8);
    assert!(
        s.events.len() >= n,
        "this kernel writes the counts: give it room"
    );
    let [s0, s1, s2, s3] = s.states;
    let (mut count, mut count_ahead) = (0, 0);
    let mut lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for i in (0..n).step_by(8) {
        // SAFETY: i + 8 <= n, within every array (asserted above); count <= i, so the list has
        // room for the 8 entries stored at count.
        unsafe {
            let mut rng = Xoshiro8::load([&*s0, &*s1, &*s2, &*s3], i);
            let raw = rng.next();
            let raw_next = rng.next();
            rng.store([&mut *s0, &mut *s1, &mut *s2, &mut *s3], i);
            let head = s.head.map(|t| _mm512_loadu_si512(t.as_ptr().add(i).cast()));
            // The count #{F(k) <= u}: the thresholds the number is above.
            let count_of = |raw: __m512i| {
                let mut k = _mm256_setzero_si256();
                for t in head {
                    let below = _mm512_cmpgt_epu64_mask(raw, t);
                    k = _mm256_mask_add_epi32(k, below, k, _mm256_set1_epi32(1));
                }
                k
            };
            let k = count_of(raw);
            let k_next = count_of(raw_next);
            _mm256_storeu_si256(s.ahead.as_mut_ptr().add(i).cast(), k_next);
            let rare_next = _mm256_cmpeq_epi32_mask(k_next, _mm256_set1_epi32(HEAD as i32));
            _mm512_mask_storeu_epi64(s.raw_ahead.as_mut_ptr().add(i).cast(), rare_next, raw_next);
            let listed = _mm256_maskz_compress_epi32(rare_next, lanes);
            _mm256_storeu_si256(s.rare_ahead.as_mut_ptr().add(count_ahead).cast(), listed);
            count_ahead += rare_next.count_ones() as usize;
            let events = if s.add_events {
                _mm256_add_epi32(_mm256_loadu_si256(s.events.as_ptr().add(i).cast()), k)
            } else {
                k
            };
            _mm256_storeu_si256(s.events.as_mut_ptr().add(i).cast(), events);
            let rare = _mm256_cmpeq_epi32_mask(k, _mm256_set1_epi32(HEAD as i32));
            _mm512_mask_storeu_epi64(s.raw.as_mut_ptr().add(i).cast(), rare, raw);
            // synapse_step: i_syn * decay + w * k, then the current base + i_syn.
            let i_syn = _mm512_loadu_pd(s.i_syn_na.as_ptr().add(i));
            let decay = _mm512_loadu_pd(s.decay.as_ptr().add(i));
            let w = _mm512_loadu_pd(s.w_na.as_ptr().add(i));
            let i_syn = _mm512_add_pd(
                _mm512_mul_pd(i_syn, decay),
                _mm512_mul_pd(w, _mm512_cvtepi32_pd(k)),
            );
            _mm512_mask_storeu_pd(s.i_syn_na.as_mut_ptr().add(i), !rare, i_syn);
            let base = _mm512_loadu_pd(s.base.as_ptr().add(i));
            _mm512_storeu_pd(s.current.as_mut_ptr().add(i), _mm512_add_pd(base, i_syn));
            let listed = _mm256_maskz_compress_epi32(rare, lanes);
            _mm256_storeu_si256(s.rare.as_mut_ptr().add(count).cast(), listed);
            count += rare.count_ones() as usize;
        }
        lanes = _mm256_add_epi32(lanes, _mm256_set1_epi32(8));
    }
    (count, count_ahead)
}
