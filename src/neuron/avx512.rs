//! The step rule over lanes sharing one set of constants, written with explicit AVX-512
//! instructions: 9 vector operations per eight lanes, where the compiler's version of
//! [`rule`](super::rule) spends 12 to 13 (it keeps a separate blend for held lanes, and makes
//! the spike flags bytes). Here one blend serves held and reset lanes, and the flags leave the
//! compare's mask register as bits. Same arithmetic in the same order as
//! [`euler_driven`](super::euler_driven), so the same bits; the tests compare the two paths.

use std::arch::x86_64::*;

use super::{Constants, Input, State};

/// One step of every lane of `state` (see [`rule`](super::rule)).
///
/// # Safety
/// The CPU has AVX-512F, DQ, VL and BW.
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw")]
pub unsafe fn step_uniform(
    c: &Constants,
    mut state: State<'_>,
    input: Input<'_>,
    spiked: &mut [u64],
) {
    let n = input.lanes().len();
    assert!(state.v_mv.len() >= n && state.free_from.len() >= n && spiked.len() * 64 >= n);
    let spiked = spiked.as_mut_ptr().cast::<u8>();
    let sum = match state.v_sum.take() {
        Some(sum) => {
            assert!(sum.len() >= n);
            sum.as_mut_ptr()
        }
        None => std::ptr::null_mut(),
    };
    let s = &mut state;
    // SAFETY: the bounds are checked above (the sum pointer is used only if not null); the
    // caller guarantees the CPU features.
    unsafe {
        match (input, sum.is_null()) {
            (Input::Currents(x), false) => lanes::<true, false>(c, s, x, spiked, sum),
            (Input::Currents(x), true) => lanes::<false, false>(c, s, x, spiked, sum),
            (Input::Drives(x), false) => lanes::<true, true>(c, s, x, spiked, sum),
            (Input::Drives(x), true) => lanes::<false, true>(c, s, x, spiked, sum),
        }
    }
}

/// The loop over blocks of eight lanes; `SUM` adds `V(t_n)` to `sum`; `DRIVES` reads `x` as
/// drives `R I`, not currents.
///
/// # Safety
/// AVX-512F/DQ/VL/BW; every array of `state`, and `sum` if `SUM`, hold `x.len()` lanes, and
/// `spiked` has a byte (eight lanes' flags) for every eight lanes begun.
#[inline]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw")]
unsafe fn lanes<const SUM: bool, const DRIVES: bool>(
    c: &Constants,
    s: &mut State<'_>,
    x: &[f64],
    spiked: *mut u8,
    sum: *mut f64,
) {
    let n = x.len();
    let k = Kernel {
        a: _mm512_set1_pd(c.a),
        e_l: _mm512_set1_pd(c.e_l_mv),
        r: _mm512_set1_pd(c.r_mohm),
        v_th: _mm512_set1_pd(c.v_th_mv),
        v_reset: _mm512_set1_pd(c.v_reset_mv),
        now: _mm512_set1_epi64(s.now as i64),
        free_again: _mm512_set1_epi64((s.now + 1 + u64::from(c.refractory_steps)) as i64),
        v_mv: s.v_mv.as_mut_ptr(),
        free_from: s.free_from.as_mut_ptr().cast(),
        x: x.as_ptr(),
        sum,
    };
    // Eight lanes' flags go from the mask register straight to their byte (lane i is bit i % 8
    // of byte i / 8: the bits of little-endian words). No vector operation is spent on them;
    // the reader takes them a step later, when the stores are done (see Batch).
    let whole = n / 8 * 8;
    for i in (0..whole).step_by(8) {
        // SAFETY: lanes i..i + 8 exist, and their byte of flags (the caller's bounds).
        unsafe {
            let spike = k.block::<SUM, DRIVES, false>(i, 0xff);
            _store_mask8(spiked.add(i / 8), spike);
        }
    }
    if whole >= 8 && whole < n {
        // The last lanes as a masked block. (Its masked stores stall the next step's loads of
        // the same lanes if those come soon; after a whole block or more they do not.)
        let m = (1u8 << (n - whole)) - 1;
        // SAFETY: lanes whole..n exist (the caller's bounds); the others are masked off.
        unsafe {
            let spike = k.block::<SUM, DRIVES, true>(whole, m);
            _store_mask8(spiked.add(whole / 8), spike);
        }
    } else if whole < n {
        // A batch of fewer than eight lanes, one by one through the rule itself: a masked block
        // would stall on its own stores at every step (a one-neuron noise job, 2e6 steps: 57
        // against 51 ms).
        let mut bits = 0u8;
        for (i, &x) in x.iter().enumerate().skip(whole) {
            let drive_mv = super::drive::<DRIVES>(c, x);
            let mut spike = false;
            // SAFETY: lane i < n exists in every array (the caller's bounds).
            unsafe {
                let v_mv = &mut *k.v_mv.add(i);
                if SUM {
                    *sum.add(i) += *v_mv;
                }
                let free_from = &mut *k.free_from.add(i).cast::<u64>();
                super::rule(c, s.now, v_mv, free_from, drive_mv, &mut spike);
            }
            bits |= u8::from(spike) << (i - whole);
        }
        // SAFETY: the byte of lanes whole..n exists (the caller's bounds).
        unsafe { *spiked.add(whole / 8) = bits };
    }
}

/// The constants of a step, in vectors, and the lane arrays.
struct Kernel {
    a: __m512d,
    e_l: __m512d,
    r: __m512d,
    v_th: __m512d,
    v_reset: __m512d,
    now: __m512i,
    free_again: __m512i,
    v_mv: *mut f64,
    free_from: *mut i64,
    /// Currents (nA) or drives `R I` (mV).
    x: *const f64,
    sum: *mut f64,
}

impl Kernel {
    /// Lanes `i..i + 8`, only those of `m` if `MASKED` (all if not); returns their spike flags
    /// (bit `j` for lane `i + j`; clear for masked-off lanes).
    ///
    /// # Safety
    /// AVX-512F/DQ/VL/BW; the lanes (of `m`, if `MASKED`) exist in every array.
    #[inline(always)]
    unsafe fn block<const SUM: bool, const DRIVES: bool, const MASKED: bool>(
        &self,
        i: usize,
        m: __mmask8,
    ) -> __mmask8 {
        // SAFETY: the caller guarantees the lanes; masked-off lanes are neither read nor written.
        unsafe {
            let load = |p: *const f64| {
                if MASKED {
                    _mm512_maskz_loadu_pd(m, p)
                } else {
                    _mm512_loadu_pd(p)
                }
            };
            let store = |p: *mut f64, x: __m512d| {
                if MASKED {
                    _mm512_mask_storeu_pd(p, m, x)
                } else {
                    _mm512_storeu_pd(p, x)
                }
            };
            let v = load(self.v_mv.add(i));
            if SUM {
                let sum = self.sum.add(i);
                store(sum, _mm512_add_pd(load(sum), v));
            }
            let free_from = if MASKED {
                _mm512_maskz_loadu_epi64(m, self.free_from.add(i).cast())
            } else {
                _mm512_loadu_epi64(self.free_from.add(i).cast())
            };
            let free = _mm512_mask_cmple_epu64_mask(m, free_from, self.now);
            // v + a ((E_L - v) + R I), as euler_driven() computes it.
            let x = load(self.x.add(i));
            let ri = if DRIVES { x } else { _mm512_mul_pd(self.r, x) };
            let drive = _mm512_add_pd(_mm512_sub_pd(self.e_l, v), ri);
            let v = _mm512_add_pd(v, _mm512_mul_pd(self.a, drive));
            // A held lane sits at V_reset (it got there by spiking), so one blend serves both:
            // only free lanes below threshold keep the update, the others are (re)set to V_reset.
            let spike = _mm512_mask_cmp_pd_mask::<_CMP_GE_OQ>(free, v, self.v_th);
            store(
                self.v_mv.add(i),
                _mm512_mask_mov_pd(self.v_reset, free ^ spike, v),
            );
            _mm512_mask_storeu_epi64(self.free_from.add(i).cast(), spike, self.free_again);
            spike
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Constants, Input, State, step_uniform as compiled};
    use crate::fastmath::{SimdLevel, simd_level};
    use crate::lanes::LaneBits;

    /// A few lanes' state: potentials around threshold, some lanes held, some sums.
    struct Lanes {
        v_mv: Vec<f64>,
        free_from: Vec<u64>,
        sum: Vec<f64>,
    }

    #[test]
    fn the_kernel_steps_like_the_compiled_rule() {
        if simd_level() != SimdLevel::Avx512 {
            eprintln!("no AVX-512 on this CPU: the kernel cannot run here");
            return;
        }
        let c = Constants {
            a: 0.3,
            e_l_mv: -65.0,
            r_mohm: 10.0,
            v_th_mv: -50.0,
            v_reset_mv: -70.0,
            refractory_steps: 3,
        };
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut uniform = move || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut spikes = 0;
        for n in [1, 7, 8, 9, 61, 64, 65, 256] {
            // A held lane sits at V_reset (the rule puts it there; the kernel relies on it).
            let start = |u: &mut dyn FnMut() -> f64| {
                let free_from: Vec<u64> = (0..n).map(|_| (u() * 8.0) as u64).collect();
                Lanes {
                    v_mv: free_from
                        .iter()
                        .map(|&f| {
                            if f > 0 {
                                c.v_reset_mv
                            } else {
                                -70.0 + 20.5 * u()
                            }
                        })
                        .collect(),
                    free_from,
                    sum: (0..n).map(|_| u()).collect(),
                }
            };
            let mut fast = start(&mut uniform);
            let mut slow = Lanes {
                v_mv: fast.v_mv.clone(),
                free_from: fast.free_from.clone(),
                sum: fast.sum.clone(),
            };
            for now in 0..40u64 {
                let current_na: Vec<f64> = (0..n).map(|_| 8.0 * uniform() - 0.5).collect();
                let with_sum = now % 3 != 0;
                let drives: Vec<f64> = current_na.iter().map(|i| c.r_mohm * i).collect();
                let input = if now % 2 == 0 {
                    Input::Currents(&current_na)
                } else {
                    Input::Drives(&drives)
                };
                // Every flag starts set: the kernel must clear those that did not spike.
                let mut fast_bits = LaneBits::default();
                fast_bits.resize(n);
                fast_bits.set_from(&vec![true; n]);
                let s = State {
                    v_mv: &mut fast.v_mv,
                    free_from: &mut fast.free_from,
                    now,
                    v_sum: with_sum.then_some(&mut fast.sum[..]),
                };
                // SAFETY: the CPU has AVX-512 (checked above).
                unsafe { super::step_uniform(&c, s, input, fast_bits.words_mut()) };
                let mut flags = vec![true; n];
                let s = State {
                    v_mv: &mut slow.v_mv,
                    free_from: &mut slow.free_from,
                    now,
                    v_sum: with_sum.then_some(&mut slow.sum[..]),
                };
                compiled(&c, s, input, &mut flags);
                let mut slow_bits = LaneBits::default();
                slow_bits.resize(n);
                slow_bits.set_from(&flags);
                assert_eq!(fast_bits.words(), slow_bits.words(), "n {n}, step {now}");
                fast_bits.for_each_set(|_| spikes += 1);
                assert_eq!(fast.free_from, slow.free_from, "n {n}, step {now}");
                let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&fast.v_mv), bits(&slow.v_mv), "n {n}, step {now}");
                assert_eq!(bits(&fast.sum), bits(&slow.sum), "n {n}, step {now}");
            }
        }
        assert!(
            spikes > 100,
            "only {spikes} spikes: the test does not exercise the resets"
        );
    }
}
