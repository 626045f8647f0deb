//! AVX-512 twins of the lockstep generator and of the ziggurat's first try, eight lanes per
//! vector, for hot loops written with explicit vector instructions (where the compiler cannot
//! produce what they need, e.g. a compressed list of rejected lanes). Same arithmetic as
//! [`xoshiro_next`](super::xoshiro_next) and [`first_try`](super::first_try), so the same bits;
//! the tests compare them lane by lane.

use std::arch::x86_64::*;

use super::ziggurat_tables::ZIG_NORM_X as X;

/// Eight lanes' Xoshiro256++ states, one vector per state word.
pub struct Xoshiro8(pub [__m512i; 4]);

impl Xoshiro8 {
    /// Loads lanes `i..i + 8` of the four state arrays.
    ///
    /// # Safety
    /// The CPU has AVX-512F, and `i + 8 <= s.len()` for each array.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub unsafe fn load(s: [&[u64]; 4], i: usize) -> Xoshiro8 {
        // SAFETY: the caller guarantees the bounds and the CPU features.
        unsafe { Xoshiro8(s.map(|a| _mm512_loadu_si512(a.as_ptr().add(i).cast()))) }
    }

    /// Stores the states back into lanes `i..i + 8`.
    ///
    /// # Safety
    /// As [`Xoshiro8::load`].
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub unsafe fn store(&self, s: [&mut [u64]; 4], i: usize) {
        for (a, v) in s.into_iter().zip(self.0) {
            // SAFETY: the caller guarantees the bounds and the CPU features.
            unsafe { _mm512_storeu_si512(a.as_mut_ptr().add(i).cast(), v) }
        }
    }

    /// The next number of each lane.
    ///
    /// # Safety
    /// The CPU has AVX-512F (unsafe to call only from code compiled without it).
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub fn next(&mut self) -> __m512i {
        let [a0, a1, a2, a3] = self.0;
        let out = _mm512_add_epi64(_mm512_rol_epi64::<23>(_mm512_add_epi64(a0, a3)), a0);
        // The scalar update's six xors, as four: 0x96 is the truth table of x ^ y ^ z.
        let t = _mm512_slli_epi64::<17>(a1);
        let s3 = _mm512_xor_si512(a3, a1);
        self.0 = [
            _mm512_xor_si512(a0, s3),
            _mm512_ternarylogic_epi64::<0x96>(a1, a2, a0),
            _mm512_ternarylogic_epi64::<0x96>(a2, a0, t),
            _mm512_rol_epi64::<45>(s3),
        ];
        out
    }
}

/// [`first_try`](super::first_try) of eight numbers: the candidates, and the mask of *rejected*
/// lanes (what the callers list; the compare gives it directly, sparing a mask inversion).
///
/// The table entries `x_i` and `x_{i+1}` of each lane are read by two gathers, or with `PAIRS`
/// by one 16-byte load of the pair per lane put together by shuffles (the same entries, so the
/// same bits): gathers are slow on AMD Zen 4 (two 8-lane gathers 6.0 ns, the eight pair loads
/// and their transpose 3.2 ns: issue 16), so [`crate::fastmath::pair_loads`] chooses.
///
/// # Safety
/// The CPU has AVX-512F and DQ (unsafe to call only from code compiled without them).
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
pub fn first_try8<const PAIRS: bool>(bits: __m512i) -> (__m512d, __mmask8) {
    let i = _mm512_and_si512(bits, _mm512_set1_epi64(0xff));
    let top = _mm512_srli_epi64::<12>(bits);
    let two_to_four = _mm512_or_si512(top, _mm512_set1_epi64(0x4000_0000_0000_0000));
    let u = _mm512_sub_pd(_mm512_castsi512_pd(two_to_four), _mm512_set1_pd(3.0));
    // SAFETY: every index is at most 255 and the table has 257 entries, so i and i + 1 are in it.
    let (x_i, x_next) = unsafe {
        if PAIRS {
            table_pairs(i)
        } else {
            (
                _mm512_i64gather_pd::<8>(i, X.as_ptr()),
                _mm512_i64gather_pd::<8>(i, X.as_ptr().add(1)),
            )
        }
    };
    let x = _mm512_mul_pd(u, x_i);
    (
        x,
        _mm512_cmp_pd_mask::<_CMP_NLT_UQ>(_mm512_abs_pd(x), x_next),
    )
}

/// `(X[i], X[i + 1])` of each lane's index `i`, by a 16-byte load of the pair per lane: lanes
/// 0, 2, 4, 6 go into the 128-bit quarters of one vector, 1, 3, 5, 7 of another, so that the
/// low (high) halves of the two, interleaved, are `X[i]` (`X[i + 1]`) in lane order.
///
/// # Safety
/// The CPU has AVX-512F and DQ; every index is at most 255 (the table has 257 entries).
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
unsafe fn table_pairs(i: __m512i) -> (__m512d, __m512d) {
    // The eight indices as the bytes of one scalar (each < 256).
    let packed = _mm_cvtsi128_si64(_mm512_cvtepi64_epi8(i)) as u64;
    let at = |lane: u32| {
        // SAFETY: the index is at most 255, so the pair at it is within the 257 entries.
        unsafe { _mm_loadu_pd(X.as_ptr().add((packed >> (8 * lane) & 0xff) as usize)) }
    };
    let even = _mm512_insertf64x2::<3>(
        _mm512_insertf64x2::<2>(
            _mm512_insertf64x2::<1>(_mm512_castpd128_pd512(at(0)), at(2)),
            at(4),
        ),
        at(6),
    );
    let odd = _mm512_insertf64x2::<3>(
        _mm512_insertf64x2::<2>(
            _mm512_insertf64x2::<1>(_mm512_castpd128_pd512(at(1)), at(3)),
            at(5),
        ),
        at(7),
    );
    (_mm512_unpacklo_pd(even, odd), _mm512_unpackhi_pd(even, odd))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fastmath::{SimdLevel, simd_level};
    use crate::rng::{LaneStreams, first_try, xoshiro_next};

    #[test]
    fn the_vector_twins_give_the_scalar_bits() {
        if simd_level() < SimdLevel::Avx512 {
            eprintln!("no AVX-512 here: the vector twins are not used, nothing to compare");
            return;
        }
        let mut lanes = LaneStreams::default();
        for neuron in 0..8 {
            lanes.push(99, neuron);
        }
        let mut scalar = lanes.clone();
        for _ in 0..20_000 {
            let [a, b, c, d] = lanes.states(8);
            // SAFETY: AVX-512 checked above; 8 lanes.
            let (out, x, rejected) = unsafe {
                let mut v = Xoshiro8::load([&*a, &*b, &*c, &*d], 0);
                let out = v.next();
                let (x, rejected) = first_try8::<false>(out);
                let (x_pairs, rejected_pairs) = first_try8::<true>(out);
                v.store([a, b, c, d], 0);
                let (mut o, mut xs, mut xp) = ([0u64; 8], [0f64; 8], [0f64; 8]);
                _mm512_storeu_si512(o.as_mut_ptr().cast(), out);
                _mm512_storeu_pd(xs.as_mut_ptr(), x);
                _mm512_storeu_pd(xp.as_mut_ptr(), x_pairs);
                assert_eq!(rejected, rejected_pairs, "the pair loads' acceptance");
                assert_eq!(
                    xs.map(f64::to_bits),
                    xp.map(f64::to_bits),
                    "the pair loads' x"
                );
                (o, xs, rejected)
            };
            let [s0, s1, s2, s3] = scalar.states(8);
            for l in 0..8 {
                let want = xoshiro_next(&mut s0[l], &mut s1[l], &mut s2[l], &mut s3[l]);
                assert_eq!(out[l], want);
                let (wx, wok) = first_try(want);
                assert_eq!(
                    (x[l].to_bits(), rejected >> l & 1 == 0),
                    (wx.to_bits(), wok)
                );
            }
        }
    }
}
