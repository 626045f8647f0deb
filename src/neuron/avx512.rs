//! The step rule over lanes sharing one set of constants, written with explicit AVX-512
//! instructions: 8 vector operations per eight lanes and step, where the compiler's version of
//! [`rule`](super::rule) spends 12 to 13 (it keeps a separate blend for held lanes, and makes
//! the spike flags bytes). Here held lanes are left out of the update by a masked add, one blend
//! resets the lanes that cross, and the flags leave the compare's mask register as bits. Same
//! arithmetic in the same order as [`euler_driven`](super::euler_driven), so the same bits; the
//! tests compare the paths.
//!
//! Two entry points: [`step_uniform`] takes one step, reading and writing each lane's state in
//! memory; [`pass_uniform`] takes [`PASS_STEPS`] steps of a time-invariant input, keeping the
//! lanes' state in registers in between, so the loads and stores (which bound the one-step
//! loop, not the arithmetic) are paid once per pass. (`cargo bench --bench stepper -- membrane`,
//! 256 lanes, ns per eight lanes and step: one step at a time 1.8; passes of 2 steps 1.3, of 4
//! steps 1.35, of 8 steps 1.5: the flags of more steps spread over more cache lines, and the
//! per-step constants no longer fit the registers.)

use std::arch::x86_64::*;

use super::{Constants, Input, PASS_STEPS, State, free_again, sum_ptr};

/// Blocks of eight lanes a pass steps side by side: each block's steps form a chain of
/// dependent operations (about 20 cycles per step); independent chains side by side keep the
/// vector units busier (same benchmark: one block at a time 1.35 ns per eight lanes and step,
/// two 1.29, four 1.27).
const PASS_BLOCKS: usize = 4;

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
    let sum = sum_ptr(&mut state, n);
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
        // SAFETY: the caller guarantees AVX-512F.
        rule: unsafe { Rule::new(c) },
        now: _mm512_set1_epi64(s.now as i64),
        free_again: _mm512_set1_epi64(free_again(c, s.now)),
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
        let m = tail_mask(n - whole);
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

/// [`PASS_STEPS`] steps of every lane of `state` (steps `state.now`, `state.now + 1`, ...),
/// all driven by the same drives `R I` (mV), exactly as that many calls of [`step_uniform`]
/// with `Input::Drives(drives)` would take them; the flags of step `state.now + k` go to
/// `spiked[k]`. Each lane's potential, sum and free-from step stay in registers across the
/// steps.
///
/// # Safety
/// The CPU has AVX-512F, DQ, VL and BW.
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw")]
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
        // SAFETY: the caller guarantees AVX-512F.
        rule: unsafe { Rule::new(c) },
        now: std::array::from_fn(|k| _mm512_set1_epi64((state.now + k as u64) as i64)),
        free_again: std::array::from_fn(|k| _mm512_set1_epi64(free_again(c, state.now + k as u64))),
        v_mv: state.v_mv.as_mut_ptr(),
        free_from: state.free_from.as_mut_ptr().cast(),
        drives: drives.as_ptr(),
        sum,
        spiked: spiked.map(|s| s.as_mut_ptr().cast::<u8>()),
    };
    // SAFETY: the bounds are checked above (the sum pointer is used only if not null); the
    // caller guarantees the CPU features.
    unsafe {
        if sum.is_null() {
            p.lanes::<false>(n)
        } else {
            p.lanes::<true>(n)
        }
    }
}

/// The mask of the first `lanes` (< 8) lanes of a block.
fn tail_mask(lanes: usize) -> __mmask8 {
    (1u8 << lanes) - 1
}

/// `v + x` in the lanes of `m`, `v` in the others, as ONE masked add. (Written as
/// `_mm512_mask_add_pd`, LLVM makes it an add and a blend: one vector operation more.)
///
/// # Safety
/// AVX-512F.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn masked_add(mut v: __m512d, m: __mmask8, x: __m512d) -> __m512d {
    // SAFETY: register operands only; the caller guarantees AVX-512F.
    unsafe {
        std::arch::asm!(
            "vaddpd {v}{{{m}}}, {v}, {x}",
            v = inout(zmm_reg) v,
            m = in(kreg) m,
            x = in(zmm_reg) x,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    v
}

/// The constants of the rule, in vectors.
struct Rule {
    a: __m512d,
    e_l: __m512d,
    r: __m512d,
    v_th: __m512d,
    v_reset: __m512d,
}

impl Rule {
    /// # Safety
    /// AVX-512F.
    #[inline(always)]
    unsafe fn new(c: &Constants) -> Rule {
        // SAFETY: the caller guarantees AVX-512F.
        unsafe {
            Rule {
                a: _mm512_set1_pd(c.a),
                e_l: _mm512_set1_pd(c.e_l_mv),
                r: _mm512_set1_pd(c.r_mohm),
                v_th: _mm512_set1_pd(c.v_th_mv),
                v_reset: _mm512_set1_pd(c.v_reset_mv),
            }
        }
    }

    /// The drive `R I` (mV) of input `x`: a current (nA), or with `DRIVES` the drive itself.
    ///
    /// # Safety
    /// AVX-512F.
    #[inline(always)]
    unsafe fn drive<const DRIVES: bool>(&self, x: __m512d) -> __m512d {
        // SAFETY: the caller guarantees AVX-512F.
        if DRIVES {
            x
        } else {
            unsafe { _mm512_mul_pd(self.r, x) }
        }
    }

    /// The rule for eight lanes at potentials `v` with drives `drive` (mV), of which the lanes
    /// of `free` are not refractory: returns the potentials after the step and the lanes that
    /// spiked (only lanes of `m` if `MASKED`; `free` must lie within `m`).
    ///
    /// # Safety
    /// AVX-512F.
    #[inline(always)]
    unsafe fn step<const MASKED: bool>(
        &self,
        v: __m512d,
        free: __mmask8,
        drive: __m512d,
        m: __mmask8,
    ) -> (__m512d, __mmask8) {
        // SAFETY: register operands only; the caller guarantees AVX-512F.
        unsafe {
            // v + a ((E_L - v) + R I), as euler_driven() computes it. Free lanes take the
            // update; a held lane keeps its V, which is V_reset (it got there by spiking),
            // below threshold: the compare needs no mask for it, and one blend resets the lanes
            // that cross.
            let drive = _mm512_add_pd(_mm512_sub_pd(self.e_l, v), drive);
            let v = masked_add(v, free, _mm512_mul_pd(self.a, drive));
            let spike = if MASKED {
                // Masked-off lanes were loaded as zeros: keep them out.
                _mm512_mask_cmp_pd_mask::<_CMP_GE_OQ>(m, v, self.v_th)
            } else {
                _mm512_cmp_pd_mask::<_CMP_GE_OQ>(v, self.v_th)
            };
            (_mm512_mask_mov_pd(v, spike, self.v_reset), spike)
        }
    }
}

/// Loads eight lanes from `p`, only those of `m` if `MASKED` (the others read as zero).
///
/// # Safety
/// AVX-512F; the lanes (of `m`, if `MASKED`) exist.
#[inline(always)]
unsafe fn load<const MASKED: bool>(p: *const f64, m: __mmask8) -> __m512d {
    // SAFETY: the caller guarantees the lanes and AVX-512F.
    unsafe {
        if MASKED {
            _mm512_maskz_loadu_pd(m, p)
        } else {
            _mm512_loadu_pd(p)
        }
    }
}

/// Stores eight lanes to `p`, only those of `m` if `MASKED`.
///
/// # Safety
/// AVX-512F; the lanes (of `m`, if `MASKED`) exist.
#[inline(always)]
unsafe fn store<const MASKED: bool>(p: *mut f64, m: __mmask8, x: __m512d) {
    // SAFETY: the caller guarantees the lanes and AVX-512F.
    unsafe {
        if MASKED {
            _mm512_mask_storeu_pd(p, m, x)
        } else {
            _mm512_storeu_pd(p, x)
        }
    }
}

/// [`load`] for the free-from steps.
///
/// # Safety
/// As [`load`].
#[inline(always)]
unsafe fn load_steps<const MASKED: bool>(p: *const i64, m: __mmask8) -> __m512i {
    // SAFETY: the caller guarantees the lanes and AVX-512F.
    unsafe {
        if MASKED {
            _mm512_maskz_loadu_epi64(m, p.cast())
        } else {
            _mm512_loadu_epi64(p.cast())
        }
    }
}

/// Stores eight lanes' free-from steps to `p`, only those of `m` if `MASKED`.
///
/// # Safety
/// As [`store`].
#[inline(always)]
unsafe fn store_steps<const MASKED: bool>(p: *mut i64, m: __mmask8, x: __m512i) {
    // SAFETY: the caller guarantees the lanes and AVX-512F.
    unsafe {
        if MASKED {
            _mm512_mask_storeu_epi64(p.cast(), m, x)
        } else {
            _mm512_storeu_epi64(p.cast(), x)
        }
    }
}

/// One step's constants, in vectors, and the lane arrays.
struct Kernel {
    rule: Rule,
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
            let v = load::<MASKED>(self.v_mv.add(i), m);
            if SUM {
                let sum = self.sum.add(i);
                store::<MASKED>(sum, m, _mm512_add_pd(load::<MASKED>(sum, m), v));
            }
            let free_from = load_steps::<MASKED>(self.free_from.add(i), m);
            let free = _mm512_mask_cmple_epu64_mask(m, free_from, self.now);
            let drive = self.rule.drive::<DRIVES>(load::<MASKED>(self.x.add(i), m));
            let (v, spike) = self.rule.step::<MASKED>(v, free, drive, m);
            store::<MASKED>(self.v_mv.add(i), m, v);
            _mm512_mask_storeu_epi64(self.free_from.add(i).cast(), spike, self.free_again);
            spike
        }
    }
}

/// A pass's constants, in vectors (one clock and one free-from step per step of the pass), and
/// the lane arrays.
struct Pass {
    rule: Rule,
    now: [__m512i; PASS_STEPS],
    free_again: [__m512i; PASS_STEPS],
    v_mv: *mut f64,
    free_from: *mut i64,
    drives: *const f64,
    sum: *mut f64,
    spiked: [*mut u8; PASS_STEPS],
}

impl Pass {
    /// The pass over lanes `0..n`: [`PASS_BLOCKS`] blocks at a time, then single blocks, then
    /// a masked block for the last lanes.
    ///
    /// # Safety
    /// AVX-512F/DQ/VL/BW; every array holds `n` lanes (`sum` too, if `SUM`), and every
    /// `spiked[k]` has a byte for every eight lanes begun.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw")]
    unsafe fn lanes<const SUM: bool>(&self, n: usize) {
        let group = 8 * PASS_BLOCKS;
        let grouped = n / group * group;
        let whole = n / 8 * 8;
        // SAFETY: each call covers lanes that exist (the caller's bounds); the tail is masked.
        unsafe {
            for i in (0..grouped).step_by(group) {
                self.blocks::<PASS_BLOCKS, SUM, false>(i, 0xff);
            }
            for i in (grouped..whole).step_by(8) {
                self.blocks::<1, SUM, false>(i, 0xff);
            }
            if whole < n {
                self.blocks::<1, SUM, true>(whole, tail_mask(n - whole));
            }
        }
    }

    /// Lanes `i..i + 8 B` through every step of the pass (only those of `m` if `MASKED`, which
    /// needs `B == 1`).
    ///
    /// # Safety
    /// AVX-512F/DQ/VL/BW; the lanes (of `m`, if `MASKED`) exist in every array, and their bytes
    /// of flags in every `spiked[k]`.
    #[inline(always)]
    unsafe fn blocks<const B: usize, const SUM: bool, const MASKED: bool>(
        &self,
        i: usize,
        m: __mmask8,
    ) {
        debug_assert!(!MASKED || B == 1);
        // SAFETY: the caller guarantees the lanes; masked-off lanes are neither read nor written.
        unsafe {
            let at = |b: usize| i + 8 * b;
            let mut v: [__m512d; B] =
                std::array::from_fn(|b| load::<MASKED>(self.v_mv.add(at(b)), m));
            let mut sum: [__m512d; B] = std::array::from_fn(|b| {
                if SUM {
                    load::<MASKED>(self.sum.add(at(b)), m)
                } else {
                    _mm512_setzero_pd()
                }
            });
            let mut free_from: [__m512i; B] =
                std::array::from_fn(|b| load_steps::<MASKED>(self.free_from.add(at(b)), m));
            let drive: [__m512d; B] =
                std::array::from_fn(|b| load::<MASKED>(self.drives.add(at(b)), m));
            for k in 0..PASS_STEPS {
                for b in 0..B {
                    if SUM {
                        sum[b] = _mm512_add_pd(sum[b], v[b]);
                    }
                    let free = _mm512_mask_cmple_epu64_mask(m, free_from[b], self.now[k]);
                    let (next, spike) = self.rule.step::<MASKED>(v[b], free, drive[b], m);
                    v[b] = next;
                    free_from[b] = _mm512_mask_mov_epi64(free_from[b], spike, self.free_again[k]);
                    _store_mask8(self.spiked[k].add(at(b) / 8), spike);
                }
            }
            for b in 0..B {
                store::<MASKED>(self.v_mv.add(at(b)), m, v[b]);
                if SUM {
                    store::<MASKED>(self.sum.add(at(b)), m, sum[b]);
                }
                store_steps::<MASKED>(self.free_from.add(at(b)), m, free_from[b]);
            }
        }
    }
}
