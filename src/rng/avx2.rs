//! AVX2 twins of the lockstep generator and of the ziggurat's first try, four lanes per
//! vector, for the hot loops written with explicit AVX2 instructions (CPUs without AVX-512:
//! AMD Zen 2 and Zen 3, older Intel). Same arithmetic as [`xoshiro_next`](super::xoshiro_next)
//! and [`first_try`](super::first_try), so the same bits; the tests compare them lane by lane.

use std::arch::x86_64::*;

use super::ziggurat_tables::ZIG_NORM_X as X;

/// Four lanes' Xoshiro256++ states, one vector per state word.
pub struct Xoshiro4(pub [__m256i; 4]);

/// `x` rotated left by `K` bits in each 64-bit lane (`L` = 64 - `K`; AVX2 has no rotate).
#[inline]
#[target_feature(enable = "avx2")]
fn rotl<const K: i32, const L: i32>(x: __m256i) -> __m256i {
    debug_assert_eq!(K + L, 64);
    _mm256_or_si256(_mm256_slli_epi64::<K>(x), _mm256_srli_epi64::<L>(x))
}

impl Xoshiro4 {
    /// Loads lanes `i..i + 4` of the four state arrays.
    ///
    /// # Safety
    /// The CPU has AVX2, and `i + 4 <= s.len()` for each array.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub unsafe fn load(s: [&[u64]; 4], i: usize) -> Xoshiro4 {
        // SAFETY: the caller guarantees the bounds and the CPU features.
        unsafe { Xoshiro4(s.map(|a| _mm256_loadu_si256(a.as_ptr().add(i).cast()))) }
    }

    /// Stores the states back into lanes `i..i + 4`.
    ///
    /// # Safety
    /// As [`Xoshiro4::load`].
    #[inline]
    #[target_feature(enable = "avx2")]
    pub unsafe fn store(&self, s: [&mut [u64]; 4], i: usize) {
        for (a, v) in s.into_iter().zip(self.0) {
            // SAFETY: the caller guarantees the bounds and the CPU features.
            unsafe { _mm256_storeu_si256(a.as_mut_ptr().add(i).cast(), v) }
        }
    }

    /// The next number of each lane.
    ///
    /// # Safety
    /// The CPU has AVX2 (unsafe to call only from code compiled without it).
    #[inline]
    #[target_feature(enable = "avx2")]
    pub fn next(&mut self) -> __m256i {
        let [a0, a1, a2, a3] = self.0;
        let out = _mm256_add_epi64(rotl::<23, 41>(_mm256_add_epi64(a0, a3)), a0);
        let t = _mm256_slli_epi64::<17>(a1);
        let s2 = _mm256_xor_si256(a2, a0);
        let s3 = _mm256_xor_si256(a3, a1);
        let s1 = _mm256_xor_si256(a1, s2);
        let s0 = _mm256_xor_si256(a0, s3);
        self.0 = [s0, s1, _mm256_xor_si256(s2, t), rotl::<45, 19>(s3)];
        out
    }
}

/// [`first_try`](super::first_try) of four numbers: the candidates, and the *rejected* lanes
/// (all bits set). The table entries `x_i` and `x_{i+1}` of each lane are read by one 16-byte
/// load of the pair per lane and put into lane order by two inserts and two unpacks, where the
/// compiler's loop loads each entry alone (the same entries, so the same bits).
///
/// # Safety
/// The CPU has AVX2 (unsafe to call only from code compiled without it).
#[inline]
#[target_feature(enable = "avx2")]
pub fn first_try4(bits: __m256i) -> (__m256d, __m256d) {
    let top = _mm256_srli_epi64::<12>(bits);
    let two_to_four = _mm256_or_si256(top, _mm256_set1_epi64x(0x4000_0000_0000_0000));
    let u = _mm256_sub_pd(_mm256_castsi256_pd(two_to_four), _mm256_set1_pd(3.0));
    let low = _mm256_castsi256_si128(bits);
    let high = _mm256_extracti128_si256::<1>(bits);
    let index = [
        _mm_cvtsi128_si64(low),
        _mm_extract_epi64::<1>(low),
        _mm_cvtsi128_si64(high),
        _mm_extract_epi64::<1>(high),
    ];
    // SAFETY: each index is at most 255 and the table has 257 entries, so the pair at it is in
    // the table.
    let pair = |lane: usize| unsafe { _mm_loadu_pd(X.as_ptr().add((index[lane] & 0xff) as usize)) };
    let even = _mm256_insertf128_pd::<1>(_mm256_castpd128_pd256(pair(0)), pair(2));
    let odd = _mm256_insertf128_pd::<1>(_mm256_castpd128_pd256(pair(1)), pair(3));
    let (x_i, x_next) = (_mm256_unpacklo_pd(even, odd), _mm256_unpackhi_pd(even, odd));
    let x = _mm256_mul_pd(u, x_i);
    let abs = _mm256_andnot_pd(_mm256_set1_pd(-0.0), x);
    (x, _mm256_cmp_pd::<_CMP_NLT_UQ>(abs, x_next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fastmath::{SimdLevel, detected};
    use crate::rng::{LaneStreams, first_try, xoshiro_next};

    #[test]
    fn the_vector_twins_give_the_scalar_bits() {
        if detected() < SimdLevel::Avx2 {
            eprintln!("no AVX2 here: the vector twins are not used, nothing to compare");
            return;
        }
        let mut lanes = LaneStreams::default();
        for neuron in 0..4 {
            lanes.push(99, neuron);
        }
        let mut scalar = lanes.clone();
        let mut rejections = 0;
        for _ in 0..20_000 {
            let [a, b, c, d] = lanes.states(4);
            // SAFETY: AVX2 checked above; 4 lanes.
            let (out, x, rejected) = unsafe {
                let mut v = Xoshiro4::load([&*a, &*b, &*c, &*d], 0);
                let out = v.next();
                let (x, rejected) = first_try4(out);
                v.store([a, b, c, d], 0);
                let (mut o, mut xs) = ([0u64; 4], [0f64; 4]);
                _mm256_storeu_si256(o.as_mut_ptr().cast(), out);
                _mm256_storeu_pd(xs.as_mut_ptr(), x);
                (o, xs, _mm256_movemask_pd(rejected))
            };
            let [s0, s1, s2, s3] = scalar.states(4);
            for l in 0..4 {
                let want = xoshiro_next(&mut s0[l], &mut s1[l], &mut s2[l], &mut s3[l]);
                assert_eq!(out[l], want);
                let (wx, wok) = first_try(want);
                assert_eq!(
                    (x[l].to_bits(), rejected >> l & 1 == 0),
                    (wx.to_bits(), wok)
                );
                rejections += usize::from(!wok);
            }
        }
        assert!(rejections > 500, "{rejections} rejections: too few to test");
    }
}
