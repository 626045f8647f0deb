//! The AVX2 loop of [`PoissonLanes`](super::PoissonLanes), the AVX-512 one's twin (the same
//! contract, [`super::avx512::draw_and_apply`]) four lanes per vector: draw, count against the
//! CDF head and synapse in one pass, and the next step's draw and count in the same pass, where
//! the compiler's loops take three passes per step (the numbers, the counts, the synapse).
//!
//! What AVX2 lacks is done another way, with the same results: the unsigned compares of the
//! numbers with the thresholds are signed compares of both with their top bit flipped; the
//! counts, summed as 64-bit lanes, are narrowed to 32 bits by a permute; the rare lanes are
//! listed by [`list4`]; and masked stores (slow on AMD) become a branch on the rare lanes (a
//! count beyond the head: about one draw in a thousand at 0.4 events per step, so the branch is
//! predicted): only where there are any are the numbers and list entries stored, and the
//! synapse blended.
//!
//! Runs only where the CPU has AVX2 ([`crate::fastmath::simd_level`]).

use std::arch::x86_64::*;

use super::{HEAD, Step};
use crate::fastmath::opaque_pd;
use crate::lanes::list4;
use crate::rng::avx2::Xoshiro4;

/// As [`super::avx512::draw_and_apply`], for a multiple of 4 lanes.
///
/// # Safety
/// The CPU has AVX2 and POPCNT.
#[target_feature(enable = "avx2,popcnt")]
pub unsafe fn draw_and_apply(s: Step<'_>) -> (usize, usize) {
    let n = s.check(4);
    let [s0, s1, s2, s3] = s.states;
    let (mut count, mut count_ahead) = (0, 0);
    let top = _mm256_set1_epi64x(i64::MIN);
    let all_head = _mm_set1_epi32(HEAD as i32);
    // The 32-bit low halves of four 64-bit lanes, into the low 128 bits.
    let low_halves = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    for i in (0..n).step_by(4) {
        // SAFETY: i + 4 <= n, within every array (asserted above); count <= i, so the list has
        // room for the 4 entries stored at count.
        unsafe {
            let mut rng = Xoshiro4::load([&*s0, &*s1, &*s2, &*s3], i);
            let raw = rng.next();
            let raw_next = rng.next();
            rng.store([&mut *s0, &mut *s1, &mut *s2, &mut *s3], i);
            let head = s
                .head
                .map(|t| _mm256_xor_si256(_mm256_loadu_si256(t.as_ptr().add(i).cast()), top));
            // The count #{F(k) <= u}: the thresholds the number is above (each compare is -1
            // where it is), as four 32-bit lanes.
            let count_of = |raw: __m256i| {
                let raw = _mm256_xor_si256(raw, top);
                let minus_k = head.iter().fold(_mm256_setzero_si256(), |k, &t| {
                    _mm256_add_epi64(k, _mm256_cmpgt_epi64(raw, t))
                });
                let minus_k = _mm256_permutevar8x32_epi32(minus_k, low_halves);
                _mm_sub_epi32(_mm_setzero_si128(), _mm256_castsi256_si128(minus_k))
            };
            let k = count_of(raw);
            let k_next = count_of(raw_next);
            _mm_storeu_si128(s.ahead.as_mut_ptr().add(i).cast(), k_next);
            // Lanes beyond the head are rare (one draw in a thousand at 0.4 events per step),
            // so a branch on them is predicted: their numbers and list entries are stored only
            // when there are any.
            let rare_next = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(k_next, all_head)));
            if rare_next != 0 {
                _mm256_storeu_si256(s.raw_ahead.as_mut_ptr().add(i).cast(), raw_next);
                let list = s.rare_ahead.as_mut_ptr().add(count_ahead);
                count_ahead += list4(rare_next as u32, i, list);
            }
            let events = if s.add_events {
                _mm_add_epi32(_mm_loadu_si128(s.events.as_ptr().add(i).cast()), k)
            } else {
                k
            };
            _mm_storeu_si128(s.events.as_mut_ptr().add(i).cast(), events);
            let rare = _mm_cmpeq_epi32(k, all_head);
            let rare_mask = _mm_movemask_ps(_mm_castsi128_ps(rare)) as u32;
            // synapse_step: i_syn * decay + w * k, then the current base + i_syn.
            let at = s.i_syn_na.as_mut_ptr().add(i);
            let old = _mm256_loadu_pd(at);
            let decay = _mm256_loadu_pd(s.decay.as_ptr().add(i));
            let w = _mm256_loadu_pd(s.w_na.as_ptr().add(i));
            let i_syn = _mm256_add_pd(
                _mm256_mul_pd(old, decay),
                _mm256_mul_pd(w, _mm256_cvtepi32_pd(k)),
            );
            let base = _mm256_loadu_pd(s.base.as_ptr().add(i));
            _mm256_storeu_pd(s.current.as_mut_ptr().add(i), _mm256_add_pd(base, i_syn));
            if rare_mask == 0 {
                _mm256_storeu_pd(at, i_syn);
            } else {
                // The rare lanes' synapse stays as it was (the caller finishes them).
                let rare_lanes = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(rare));
                _mm256_storeu_pd(at, opaque_pd(_mm256_blendv_pd(i_syn, old, rare_lanes)));
                _mm256_storeu_si256(s.raw.as_mut_ptr().add(i).cast(), raw);
                count += list4(rare_mask, i, s.rare.as_mut_ptr().add(count));
            }
        }
    }
    (count, count_ahead)
}
