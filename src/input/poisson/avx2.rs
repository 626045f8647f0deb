//! The AVX2 loop of [`PoissonLanes`](super::PoissonLanes), the AVX-512 one's twin (the same
//! contract, [`super::avx512::draw_and_apply`]) four lanes per vector: draw, count against the
//! CDF head and synapse in one pass, and the next step's draw and count in the same pass, where
//! the compiler's loops take three passes per step (the numbers, the counts, the synapse).
//!
//! What AVX2 lacks is done another way, with the same results. AVX2 has no unsigned compare,
//! and a 64-bit compare gives four lanes' answers where a 32-bit one gives eight: so the two
//! steps' numbers are compared by their high 32-bit halves, eight at once, as signed numbers
//! with the top bit flipped, against the thresholds' high halves laid out the same way
//! ([`high_halves`]). `x > t` is `hi(x) > hi(t)` unless `hi(x) == hi(t)`; the pass checks for
//! such a tie (a chance of 2^-30 per number) and then counts that block by the whole 64-bit
//! numbers (a signed compare of both with the top bit flipped). The rare lanes are
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

/// As [`super::avx512::draw_and_apply`], for a multiple of 4 lanes; without `EVENTS`, no
/// counts go to `events` (empty: nobody reads them).
///
/// # Safety
/// The CPU has AVX2 and POPCNT.
#[target_feature(enable = "avx2,popcnt")]
pub unsafe fn draw_and_apply<const EVENTS: bool>(s: Step<'_>) -> (usize, usize) {
    let n = s.check(4);
    assert!(!EVENTS || s.events.len() >= n);
    let [s0, s1, s2, s3] = s.states;
    let (mut count, mut count_ahead) = (0, 0);
    assert!(
        s.head_hi.len() >= n * 2 * HEAD,
        "high_halves was not laid out"
    );
    let top = _mm256_set1_epi64x(i64::MIN);
    let top32 = _mm256_set1_epi32(i32::MIN);
    let all_head = _mm_set1_epi32(HEAD as i32);
    // The 32-bit low halves of four 64-bit lanes, into the low 128 bits.
    let low_halves = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    // [r0 r1 n0 n1 r2 r3 n2 n3] (this step's numbers r, the next step's n) into lane order.
    let lane_order = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7);
    for i in (0..n).step_by(4) {
        // SAFETY: i + 4 <= n, within every array (asserted above); count <= i, so the list has
        // room for the 4 entries stored at count.
        unsafe {
            let mut rng = Xoshiro4::load([&*s0, &*s1, &*s2, &*s3], i);
            let raw = rng.next();
            let raw_next = rng.next();
            rng.store([&mut *s0, &mut *s1, &mut *s2, &mut *s3], i);
            // The count #{F(k) <= u}: the thresholds the number is above (each compare is -1
            // where it is), as four 32-bit lanes, for both steps: by the high halves, eight
            // numbers at once, [r0 r1 n0 n1 r2 r3 n2 n3].
            let high = _mm256_castps_si256(_mm256_shuffle_ps::<0xDD>(
                _mm256_castsi256_ps(raw),
                _mm256_castsi256_ps(raw_next),
            ));
            let high = _mm256_xor_si256(high, top32);
            let thresholds = s.head_hi.as_ptr().add(i * 2 * HEAD);
            let (mut minus_k, mut tie) = (_mm256_setzero_si256(), _mm256_setzero_si256());
            for k in 0..HEAD {
                let t = _mm256_loadu_si256(thresholds.add(8 * k).cast());
                minus_k = _mm256_add_epi32(minus_k, _mm256_cmpgt_epi32(high, t));
                tie = _mm256_or_si256(tie, _mm256_cmpeq_epi32(high, t));
            }
            let (k, k_next) = if _mm256_testz_si256(tie, tie) != 0 {
                let both = _mm256_permutevar8x32_epi32(
                    _mm256_sub_epi32(_mm256_setzero_si256(), minus_k),
                    lane_order,
                );
                (
                    _mm256_castsi256_si128(both),
                    _mm256_extracti128_si256::<1>(both),
                )
            } else {
                // A tie of high halves: the whole numbers decide.
                let head = s
                    .head
                    .map(|t| _mm256_xor_si256(_mm256_loadu_si256(t.as_ptr().add(i).cast()), top));
                let count_of = |raw: __m256i| {
                    let raw = _mm256_xor_si256(raw, top);
                    let minus_k = head.iter().fold(_mm256_setzero_si256(), |k, &t| {
                        _mm256_add_epi64(k, _mm256_cmpgt_epi64(raw, t))
                    });
                    let minus_k = _mm256_permutevar8x32_epi32(minus_k, low_halves);
                    _mm_sub_epi32(_mm_setzero_si128(), _mm256_castsi256_si128(minus_k))
                };
                (count_of(raw), count_of(raw_next))
            };
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
            if EVENTS {
                let events = if s.add_events {
                    _mm_add_epi32(_mm_loadu_si128(s.events.as_ptr().add(i).cast()), k)
                } else {
                    k
                };
                _mm_storeu_si128(s.events.as_mut_ptr().add(i).cast(), events);
            }
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

/// The CDF head's thresholds as [`draw_and_apply`] compares them, for `n` lanes (a multiple of
/// 4): per group of four lanes `l0..l3` and per `k`, the thresholds' high 32-bit halves with
/// their top bit flipped, each lane's twice, in the order of the two steps' numbers, `[l0 l1
/// l0 l1 l2 l3 l2 l3]`.
pub fn high_halves(head: [&[u64]; HEAD], n: usize, out: &mut Vec<i32>) {
    assert!(n.is_multiple_of(4));
    out.clear();
    for g in (0..n).step_by(4) {
        for t in head {
            let h = |l: usize| ((t[g + l] >> 32) as u32 ^ 0x8000_0000) as i32;
            out.extend([h(0), h(1), h(0), h(1), h(2), h(3), h(2), h(3)]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fastmath::{SimdLevel, detected};
    use crate::rng::{LaneStreams, xoshiro_next};

    #[test]
    fn ties_of_the_high_halves_are_counted_by_the_whole_numbers() {
        if detected() < SimdLevel::Avx2 {
            eprintln!("no AVX2 here: the kernel is not used, nothing to test");
            return;
        }
        let n = 12;
        let mut streams = LaneStreams::default();
        for neuron in 0..n as u64 {
            streams.push(5, neuron);
        }
        // Each lane's two numbers, this step's and the next.
        let mut copy = streams.clone();
        let [a, b, c, d] = copy.states(n);
        let numbers: Vec<[u64; 2]> = (0..n)
            .map(|l| {
                std::array::from_fn(|_| xoshiro_next(&mut a[l], &mut b[l], &mut c[l], &mut d[l]))
            })
            .collect();
        // Lanes 0-3 tie with this step's number, lanes 4-7 with the next step's (thresholds
        // with its high half, their low halves below, at and above its own); lanes 8-11 have
        // plain thresholds (no tie: the fast way in the same pass).
        let head: [Vec<u64>; HEAD] = std::array::from_fn(|k| {
            (0..n)
                .map(|l| {
                    let x = numbers[l][l / 4 % 2];
                    let high = x & !0xffff_ffff;
                    match (l / 8, k) {
                        (0, 0) => x.wrapping_sub(1),
                        (0, 1) => x,
                        (0, 2) => high | 0xffff_ffff,
                        (0, _) => high,
                        (_, 3) => u64::MAX,
                        (_, k) => (k as u64 + 1) << 62,
                    }
                })
                .collect()
        });
        let counts = |step: usize| -> Vec<u32> {
            (0..n)
                .map(|l| head.iter().filter(|t| numbers[l][step] > t[l]).count() as u32)
                .collect()
        };
        let by_high = |step: usize| -> Vec<u32> {
            (0..n)
                .map(|l| {
                    let high = |x: u64| x >> 32;
                    head.iter()
                        .filter(|t| high(numbers[l][step]) > high(t[l]))
                        .count() as u32
                })
                .collect()
        };
        let want = [counts(0), counts(1)];
        assert!(
            want[0] != by_high(0) && want[1] != by_high(1),
            "the ties must matter: {want:?}"
        );
        let mut head_hi = Vec::new();
        let head_of = |k: usize| &head[k][..];
        high_halves(
            [head_of(0), head_of(1), head_of(2), head_of(3)],
            n,
            &mut head_hi,
        );
        let ones = vec![1.0; n];
        let (mut i_syn, mut raw, mut events, mut current) =
            (vec![0.0; n], vec![0; n], vec![0; n], vec![0.0; n]);
        let (mut rare, mut ahead, mut raw_ahead, mut rare_ahead) =
            (vec![0; n + 8], vec![0; n], vec![0; n], vec![0; n + 8]);
        let step = Step {
            states: streams.states(n),
            head: [head_of(0), head_of(1), head_of(2), head_of(3)],
            head_hi: &head_hi,
            w_na: &ones,
            decay: &ones,
            base: &ones,
            i_syn_na: &mut i_syn,
            raw: &mut raw,
            events: &mut events,
            add_events: false,
            current: &mut current,
            rare: &mut rare,
            ahead: &mut ahead,
            raw_ahead: &mut raw_ahead,
            rare_ahead: &mut rare_ahead,
        };
        // SAFETY: AVX2 checked above (every AVX2 CPU has POPCNT); 12 lanes, a multiple of 4.
        let (listed, listed_ahead) = unsafe { draw_and_apply::<true>(step) };
        assert_eq!(events, want[0]);
        assert_eq!(ahead, want[1]);
        // The lanes above every threshold of the head are listed for the table.
        let beyond = |w: &[u32]| -> Vec<u32> {
            (0..n as u32)
                .filter(|&l| w[l as usize] == HEAD as u32)
                .collect()
        };
        assert_eq!(rare[..listed], beyond(&want[0]));
        assert_eq!(rare_ahead[..listed_ahead], beyond(&want[1]));
        assert_eq!(
            streams.states(n),
            copy.states(n),
            "two numbers drawn per lane"
        );
    }
}
