//! The step rule over lanes sharing one set of constants, written with explicit AVX2
//! instructions, for CPUs without AVX-512 (AMD Zen 2 and Zen 3, Intel before Skylake-SP and
//! its client parts): the same two entry points as the AVX-512 kernel ([`step_uniform`],
//! [`pass_uniform`]) and the same arithmetic in the same order as
//! [`euler_driven`](super::euler_driven), so the same bits; the tests compare the paths.
//!
//! What the compiler's AVX2 loop of [`rule`](super::rule) does worse: it makes each lane's
//! spike flag a byte (an extract and four packs per four lanes) for a second pass to turn into
//! bits, where `vmovmskpd` gives the four bits at once; and it takes one step per pass where a
//! time-invariant input can take [`PASS_STEPS`] with the lanes in registers. Four lanes per
//! register, eight (one byte of flags) per block; the last `n % 8` lanes go through the rule
//! one by one.
//!
//! A held lane is found by a signed 64-bit compare of its free-from step with the clock (AVX2
//! has no unsigned one): exact, because both stay below 2^34 (at most 2^32 - 1 steps, plus a
//! refractory time of at most 2^32 - 1 steps).

use std::arch::x86_64::*;

use super::{Constants, Input, PASS_STEPS, State, free_again, sum_ptr};

/// One step of every lane of `state` (see [`rule`](super::rule)).
///
/// # Safety
/// The CPU has AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn step_uniform(
    c: &Constants,
    mut state: State<'_>,
    input: Input<'_>,
    spiked: &mut [u64],
) {
    let n = input.lanes().len();
    assert!(state.v_mv.len() >= n && state.free_from.len() >= n && spiked.len() * 64 >= n);
    let spiked = spiked.as_mut_ptr().cast::<u8>();
    let sum = sum_ptr(&mut state, n);
    let s = &mut state;
    // SAFETY: the bounds are checked above (the sum pointer is used only if not null); the
    // caller guarantees AVX2.
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
/// AVX2; every array of `state`, and `sum` if `SUM`, hold `x.len()` lanes, and `spiked` has a
/// byte (eight lanes' flags) for every eight lanes begun.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn lanes<const SUM: bool, const DRIVES: bool>(
    c: &Constants,
    s: &mut State<'_>,
    x: &[f64],
    spiked: *mut u8,
    sum: *mut f64,
) {
    let n = x.len();
    let k = Kernel {
        rule: Rule::new(c),
        now: _mm256_set1_epi64x(s.now as i64),
        free_again: _mm256_set1_epi64x(free_again(c, s.now)),
        v_mv: s.v_mv.as_mut_ptr(),
        free_from: s.free_from.as_mut_ptr(),
        x: x.as_ptr(),
        sum,
    };
    let whole = n / 8 * 8;
    for i in (0..whole).step_by(8) {
        // SAFETY: lanes i..i + 8 exist, and their byte of flags (the caller's bounds).
        unsafe { *spiked.add(i / 8) = k.block::<SUM, DRIVES>(i) };
    }
    if whole < n {
        // SAFETY: lanes whole..n exist, and their byte of flags (the caller's bounds).
        unsafe {
            *spiked.add(whole / 8) =
                tail::<SUM, DRIVES>(c, s.now, whole, n, k.v_mv, k.free_from, x, sum);
        }
    }
}

/// Lanes `from..n` (fewer than eight) one by one through the rule itself at step `now`;
/// returns their flags (bit `j` for lane `from + j`).
///
/// # Safety
/// Lanes `from..n` exist in `v_mv`, `free_from`, `x` and (if `SUM`) `sum`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
unsafe fn tail<const SUM: bool, const DRIVES: bool>(
    c: &Constants,
    now: u64,
    from: usize,
    n: usize,
    v_mv: *mut f64,
    free_from: *mut u64,
    x: &[f64],
    sum: *mut f64,
) -> u8 {
    let mut bits = 0u8;
    for (i, &x) in x.iter().enumerate().take(n).skip(from) {
        let drive_mv = super::drive::<DRIVES>(c, x);
        let mut spike = false;
        // SAFETY: lane i < n exists in every array (the caller's bounds).
        unsafe {
            let v_mv = &mut *v_mv.add(i);
            if SUM {
                *sum.add(i) += *v_mv;
            }
            super::rule(c, now, v_mv, &mut *free_from.add(i), drive_mv, &mut spike);
        }
        bits |= u8::from(spike) << (i - from);
    }
    bits
}

/// [`PASS_STEPS`] steps of every lane of `state` (steps `state.now`, `state.now + 1`, ...),
/// all driven by the same drives `R I` (mV), exactly as that many calls of [`step_uniform`]
/// with `Input::Drives(drives)` would take them; the flags of step `state.now + k` go to
/// `spiked[k]`. Each lane's potential, sum and free-from step stay in registers across the
/// steps.
///
/// # Safety
/// The CPU has AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn pass_uniform(
    c: &Constants,
    mut state: State<'_>,
    drives: &[f64],
    spiked: [&mut [u64]; PASS_STEPS],
) {
    let n = drives.len();
    assert!(state.v_mv.len() >= n && state.free_from.len() >= n);
    assert!(spiked.iter().all(|s| s.len() * 64 >= n));
    let sum = sum_ptr(&mut state, n);
    let p = Pass {
        rule: Rule::new(c),
        now: std::array::from_fn(|k| _mm256_set1_epi64x((state.now + k as u64) as i64)),
        free_again: std::array::from_fn(|k| {
            _mm256_set1_epi64x(free_again(c, state.now + k as u64))
        }),
        v_mv: state.v_mv.as_mut_ptr(),
        free_from: state.free_from.as_mut_ptr(),
        drives: drives.as_ptr(),
        sum,
        spiked: spiked.map(|s| s.as_mut_ptr().cast::<u8>()),
    };
    let whole = n / 8 * 8;
    // SAFETY: each call covers lanes that exist (the bounds checked above; the sum pointer is
    // used only if not null); the caller guarantees AVX2.
    unsafe {
        if sum.is_null() {
            p.lanes::<false>(whole);
        } else {
            p.lanes::<true>(whole);
        }
        if whole < n {
            for k in 0..PASS_STEPS {
                let now = state.now + k as u64;
                let bits = if sum.is_null() {
                    tail::<false, true>(c, now, whole, n, p.v_mv, p.free_from, drives, sum)
                } else {
                    tail::<true, true>(c, now, whole, n, p.v_mv, p.free_from, drives, sum)
                };
                *p.spiked[k].add(whole / 8) = bits;
            }
        }
    }
}

/// The constants of the rule, in vectors.
struct Rule {
    a: __m256d,
    e_l: __m256d,
    r: __m256d,
    v_th: __m256d,
    v_reset: __m256d,
}

impl Rule {
    #[inline]
    #[target_feature(enable = "avx2")]
    fn new(c: &Constants) -> Rule {
        Rule {
            a: _mm256_set1_pd(c.a),
            e_l: _mm256_set1_pd(c.e_l_mv),
            r: _mm256_set1_pd(c.r_mohm),
            v_th: _mm256_set1_pd(c.v_th_mv),
            v_reset: _mm256_set1_pd(c.v_reset_mv),
        }
    }

    /// The drive `R I` (mV) of input `x`: a current (nA), or with `DRIVES` the drive itself.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn drive<const DRIVES: bool>(&self, x: __m256d) -> __m256d {
        if DRIVES { x } else { _mm256_mul_pd(self.r, x) }
    }

    /// The rule for four lanes at potentials `v` with drives `drive` (mV), of which the lanes
    /// of `held` (all bits set) are refractory: returns the potentials after the step and the
    /// lanes that spiked (all bits set).
    #[inline]
    #[target_feature(enable = "avx2")]
    fn step(&self, v: __m256d, held: __m256i, drive: __m256d) -> (__m256d, __m256d) {
        // v + a ((E_L - v) + R I), as euler_driven() computes it; a held lane keeps its V,
        // which is V_reset (it got there by spiking), below threshold: the compare needs no
        // mask for it, and one blend resets the lanes that cross.
        let drive = _mm256_add_pd(_mm256_sub_pd(self.e_l, v), drive);
        let next = _mm256_add_pd(v, _mm256_mul_pd(self.a, drive));
        let v = _mm256_blendv_pd(next, v, _mm256_castsi256_pd(held));
        let spike = _mm256_cmp_pd::<_CMP_GE_OQ>(v, self.v_th);
        (_mm256_blendv_pd(v, self.v_reset, spike), spike)
    }
}

/// `free_from` with `free_again` in the lanes of `spike`.
#[inline]
#[target_feature(enable = "avx2")]
fn hold(free_from: __m256i, spike: __m256d, free_again: __m256i) -> __m256i {
    _mm256_castpd_si256(_mm256_blendv_pd(
        _mm256_castsi256_pd(free_from),
        _mm256_castsi256_pd(free_again),
        spike,
    ))
}

/// The sign bits of `x`'s four lanes (`vmovmskpd`), as one instruction. (Written as
/// `_mm256_movemask_pd`, LLVM merges the two of a block into packs of both masks and a
/// `vpmovmskb`: six vector operations more per eight lanes, and W4 took 1.43x the time on AMD
/// EPYC Zen 3.)
#[inline]
#[target_feature(enable = "avx2")]
fn movemask(x: __m256d) -> u8 {
    let bits: u32;
    // SAFETY: a register operand only; the caller has AVX (part of AVX2).
    unsafe {
        std::arch::asm!(
            "vmovmskpd {bits:e}, {x}",
            bits = lateout(reg) bits,
            x = in(ymm_reg) x,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    bits as u8
}

/// One step's constants, in vectors, and the lane arrays.
struct Kernel {
    rule: Rule,
    now: __m256i,
    free_again: __m256i,
    v_mv: *mut f64,
    free_from: *mut u64,
    /// Currents (nA) or drives `R I` (mV).
    x: *const f64,
    sum: *mut f64,
}

impl Kernel {
    /// Lanes `i..i + 8`; returns their spike flags (bit `j` for lane `i + j`).
    ///
    /// # Safety
    /// AVX2; the lanes exist in every array.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn block<const SUM: bool, const DRIVES: bool>(&self, i: usize) -> u8 {
        let mut bits = 0;
        for half in 0..2 {
            let j = i + 4 * half;
            // SAFETY: the caller guarantees the lanes.
            unsafe {
                let v = _mm256_loadu_pd(self.v_mv.add(j));
                if SUM {
                    let sum = self.sum.add(j);
                    _mm256_storeu_pd(sum, _mm256_add_pd(_mm256_loadu_pd(sum), v));
                }
                let free_from = _mm256_loadu_si256(self.free_from.add(j).cast());
                let held = _mm256_cmpgt_epi64(free_from, self.now);
                let drive = self.rule.drive::<DRIVES>(_mm256_loadu_pd(self.x.add(j)));
                let (v, spike) = self.rule.step(v, held, drive);
                _mm256_storeu_pd(self.v_mv.add(j), v);
                let free_from = hold(free_from, spike, self.free_again);
                _mm256_storeu_si256(self.free_from.add(j).cast(), free_from);
                bits |= movemask(spike) << (4 * half);
            }
        }
        bits
    }
}

/// A pass's constants, in vectors (one clock and one free-from step per step of the pass), and
/// the lane arrays.
struct Pass {
    rule: Rule,
    now: [__m256i; PASS_STEPS],
    free_again: [__m256i; PASS_STEPS],
    v_mv: *mut f64,
    free_from: *mut u64,
    drives: *const f64,
    sum: *mut f64,
    spiked: [*mut u8; PASS_STEPS],
}

impl Pass {
    /// The pass over lanes `0..whole` (a multiple of eight), one block of eight at a time. (The
    /// AVX-512 kernel steps four blocks side by side; here a block's state, eight registers,
    /// and the pass's constants fill the 16 AVX2 registers already: two blocks side by side
    /// spilled, and W4 took 1.17x the time on AMD EPYC Zen 3.)
    ///
    /// # Safety
    /// AVX2; every array holds `whole` lanes (`sum` too, if `SUM`), and every `spiked[k]` has a
    /// byte for every eight of them.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn lanes<const SUM: bool>(&self, whole: usize) {
        for i in (0..whole).step_by(8) {
            // SAFETY: lanes i..i + 8 exist (the caller's bounds).
            unsafe { self.block::<SUM>(i) };
        }
    }

    /// Lanes `i..i + 8` through every step of the pass.
    ///
    /// # Safety
    /// AVX2; the lanes exist in every array, and their byte of flags in every `spiked[k]`.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn block<const SUM: bool>(&self, i: usize) {
        // Register h holds lanes i + 4 h .. + 4.
        let at = |h: usize| i + 4 * h;
        // SAFETY: the caller guarantees the lanes.
        unsafe {
            let mut v: [__m256d; 2] =
                std::array::from_fn(|h| _mm256_loadu_pd(self.v_mv.add(at(h))));
            let mut sum: [__m256d; 2] = std::array::from_fn(|h| {
                if SUM {
                    _mm256_loadu_pd(self.sum.add(at(h)))
                } else {
                    _mm256_setzero_pd()
                }
            });
            let mut free_from: [__m256i; 2] =
                std::array::from_fn(|h| _mm256_loadu_si256(self.free_from.add(at(h)).cast()));
            let drive: [__m256d; 2] =
                std::array::from_fn(|h| _mm256_loadu_pd(self.drives.add(at(h))));
            for k in 0..PASS_STEPS {
                let mut bits = 0;
                for h in 0..2 {
                    if SUM {
                        sum[h] = _mm256_add_pd(sum[h], v[h]);
                    }
                    let held = _mm256_cmpgt_epi64(free_from[h], self.now[k]);
                    let (next, spike) = self.rule.step(v[h], held, drive[h]);
                    v[h] = next;
                    free_from[h] = hold(free_from[h], spike, self.free_again[k]);
                    bits |= movemask(spike) << (4 * h);
                }
                *self.spiked[k].add(i / 8) = bits;
            }
            for h in 0..2 {
                _mm256_storeu_pd(self.v_mv.add(at(h)), v[h]);
                if SUM {
                    _mm256_storeu_pd(self.sum.add(at(h)), sum[h]);
                }
                _mm256_storeu_si256(self.free_from.add(at(h)).cast(), free_from[h]);
            }
        }
    }
}
