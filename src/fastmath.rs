//! Vectorizable `sin`/`cos` for the sine input's hot loop, and the run-time choice of vector unit
//! ([`dispatch!`](crate::dispatch)) that every hot loop is compiled through.
//!
//! libm's functions cannot be vectorized by the compiler; [`sin_cos_2pi`] can (plain arithmetic
//! and bit operations, no branches, no tables), and agrees with libm to a few units in the last
//! place. It is checked against std in the tests.

use std::f64::consts::FRAC_PI_4;

/// `x.round() as u64`, exactly, for every `x` (NaN and negatives give 0, beyond `u64::MAX` it
/// saturates), without a call: x86-64's baseline has no rounding instruction, so `round` is a
/// call into libm, a few per job (step counts from `ms / dt`), 1.3% of a million tiny jobs.
/// `x - trunc(x)` is exact, and `round` takes halves away from zero.
#[inline]
pub fn round_u64(x: f64) -> u64 {
    let whole = x as u64;
    if x - whole as f64 >= 0.5 {
        whole.saturating_add(1)
    } else {
        whole
    }
}

/// `(sin 2 pi u, cos 2 pi u)` for `u` in [0, 1) (a few ulp).
///
/// `4u = k + f` with quadrant `k` in 0..4 and `f` in [0, 1) (exact); with `phi = (f - 1/2) pi/2`
/// in [-pi/4, pi/4], sine and cosine of `pi/4 + phi` come from the Taylor series of `phi` (to
/// `phi^17` / `phi^18`, truncation < 1e-17), and the quadrant rotates the pair.
#[inline(always)]
pub fn sin_cos_2pi(u: f64) -> (f64, f64) {
    let q = u * 4.0;
    let k = q.floor();
    let phi = (q - k - 0.5) * (2.0 * FRAC_PI_4);
    let p2 = phi * phi;
    let sin_phi = phi * sin_series(p2);
    let cos_phi = cos_series(p2);
    // sin/cos of pi/4 + phi.
    let h = std::f64::consts::FRAC_1_SQRT_2;
    let s = h * (sin_phi + cos_phi);
    let c = h * (cos_phi - sin_phi);
    // Rotate by k quarter turns: (s, c) -> (c, -s) -> (-s, -c) -> (-c, s).
    let odd = k == 1.0 || k == 3.0;
    let neg_s = k >= 2.0;
    let neg_c = k == 1.0 || k == 2.0;
    let (s1, c1) = if odd { (c, s) } else { (s, c) };
    (if neg_s { -s1 } else { s1 }, if neg_c { -c1 } else { c1 })
}

/// `sin(phi)/phi` as a series in `p2 = phi^2`, to `phi^16`.
#[inline(always)]
fn sin_series(p2: f64) -> f64 {
    let mut p = -1.0 / 355_687_428_096_000.0; // -1/17!
    for c in [
        1.0 / 1_307_674_368_000.0, // 1/15!
        -1.0 / 6_227_020_800.0,    // -1/13!
        1.0 / 39_916_800.0,        // 1/11!
        -1.0 / 362_880.0,          // -1/9!
        1.0 / 5_040.0,             // 1/7!
        -1.0 / 120.0,              // -1/5!
        1.0 / 6.0,
    ] {
        p = p * p2 + c;
    }
    // The loop built  1/6 - p2/120 + ...; sin(phi)/phi = 1 - p2 (1/6 - p2/120 + ...).
    1.0 - p2 * p
}

/// `cos(phi)` as a series in `p2 = phi^2`, to `phi^18`.
#[inline(always)]
fn cos_series(p2: f64) -> f64 {
    let mut p = 1.0 / 6_402_373_705_728_000.0; // 1/18!
    for c in [
        -1.0 / 20_922_789_888_000.0, // -1/16!
        1.0 / 87_178_291_200.0,      // 1/14!
        -1.0 / 479_001_600.0,        // -1/12!
        1.0 / 3_628_800.0,           // 1/10!
        -1.0 / 40_320.0,             // -1/8!
        1.0 / 720.0,                 // 1/6!
        -1.0 / 24.0,                 // -1/4!
        1.0 / 2.0,                   // 1/2!
    ] {
        p = p * p2 + c;
    }
    1.0 - p2 * p
}

/// Calls `f` with the index of every set entry of a lane mask, in order. Fast when few are set
/// (rejected normals, spikes): 64 lanes at a time are turned into a word of bits, whose set bits
/// are then visited.
#[inline]
pub fn for_each_set(mask: &[bool], mut f: impl FnMut(usize)) {
    for (w, lanes) in mask.chunks(64).enumerate() {
        for_each_bit(64 * w, lane_bits(lanes), &mut f);
    }
}

/// Calls `f` with `first + j` for every set bit `j` of `bits`, lowest first.
#[inline(always)]
pub(crate) fn for_each_bit(first: usize, mut bits: u64, f: &mut impl FnMut(usize)) {
    while bits != 0 {
        f(first + bits.trailing_zeros() as usize);
        bits &= bits - 1;
    }
}

/// The word whose bit `j` is `lanes[j]` (at most 64 lanes).
#[inline(always)]
pub(crate) fn lane_bits(lanes: &[bool]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if lanes.len() == 64 {
        use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_movemask_epi8, _mm_slli_epi16};
        // SSE2, part of every x86-64: a bool is the byte 0 or 1; shifting it to the byte's top
        // bit lets one instruction collect 16 lanes.
        let p = lanes.as_ptr().cast::<__m128i>();
        return (0..4).fold(0, |bits, k| {
            // SAFETY: 64 bytes from p are the 64 lanes (k < 4); every x86-64 CPU has SSE2.
            let top = unsafe { _mm_movemask_epi8(_mm_slli_epi16::<7>(_mm_loadu_si128(p.add(k)))) };
            bits | (top as u16 as u64) << (16 * k)
        });
    }
    lanes
        .iter()
        .enumerate()
        .fold(0, |bits, (j, &set)| bits | (set as u64) << j)
}

/// Defines `$name`, which runs `$generic` compiled for the widest vector unit the CPU has
/// (AVX-512, AVX2, or baseline x86-64), chosen at run time (see [`simd_level`]), so one portable
/// binary is fast on every node of a cluster. `$generic` must be `#[inline(always)]`. The results
/// are identical on every path: the target features only widen the vectors (Rust never fuses a
/// multiply and an add into an FMA on its own), so a job gives the same bits on any x86-64
/// machine; the tests check this by forcing each path with `LIFSWEEP_SIMD`.
#[doc(hidden)]
#[macro_export]
macro_rules! dispatch {
    ($(#[$meta:meta])* $vis:vis fn $name:ident = $generic:ident $(::<$($gen:tt),+>)?
     ($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[allow(clippy::too_many_arguments)]
                #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw")]
                unsafe fn avx512($($arg: $ty),*) $(-> $ret)? {
                    $generic $(::<$($gen),+>)? ($($arg),*)
                }
                #[allow(clippy::too_many_arguments)]
                #[target_feature(enable = "avx2")]
                unsafe fn avx2($($arg: $ty),*) $(-> $ret)? {
                    $generic $(::<$($gen),+>)? ($($arg),*)
                }
                match $crate::fastmath::simd_level() {
                    // SAFETY: simd_level() reports AVX-512 only if the CPU has F/DQ/VL/BW.
                    $crate::fastmath::SimdLevel::Avx512 => return unsafe { avx512($($arg),*) },
                    // SAFETY: simd_level() reports AVX2 only if the CPU has it.
                    $crate::fastmath::SimdLevel::Avx2 => return unsafe { avx2($($arg),*) },
                    $crate::fastmath::SimdLevel::Baseline => {}
                }
            }
            $generic $(::<$($gen),+>)? ($($arg),*)
        }
    };
}

/// `x`, hidden from the optimizer, for a blend that is stored where one of its inputs was
/// loaded: LLVM turns "load, blend with it, store back" into a masked store (`vmaskmovpd`),
/// which AMD CPUs execute slowly and whose stores the next loads of the same lanes cannot
/// take their data from (a Poisson step took 1.1x the time on AMD EPYC Zen 3 with it).
///
/// # Safety
/// The CPU has AVX (unsafe to call only from code compiled without it).
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx")]
pub fn opaque_pd(mut x: std::arch::x86_64::__m256d) -> std::arch::x86_64::__m256d {
    // SAFETY: an empty instruction sequence on a register operand.
    unsafe {
        std::arch::asm!(
            "/* {x} */",
            x = inout(ymm_reg) x,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    x
}

/// The vector unit the hot loops are compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SimdLevel {
    Baseline,
    Avx2,
    Avx512,
}

/// The widest vector unit the CPU has (AVX-512 means F, DQ, VL and BW, with POPCNT), lowered to
/// `LIFSWEEP_SIMD` = `baseline` | `avx2` | `avx512` (or `avx512-gather`, `avx512-pairs`: see
/// [`pair_loads`]) if that is set (never raised above what the CPU has). Read once per process.
pub fn simd_level() -> SimdLevel {
    static LEVEL: std::sync::OnceLock<SimdLevel> = std::sync::OnceLock::new();
    *LEVEL.get_or_init(|| {
        let detected = detect();
        let wanted = match std::env::var("LIFSWEEP_SIMD").as_deref() {
            Ok("baseline") => SimdLevel::Baseline,
            Ok("avx2") => SimdLevel::Avx2,
            _ => SimdLevel::Avx512,
        };
        detected.min(wanted)
    })
}

/// The widest vector unit the CPU has, whatever `LIFSWEEP_SIMD` says (for tests that run each
/// kernel the CPU can run).
pub fn detected() -> SimdLevel {
    detect()
}

/// Whether the AVX-512 loops read small tables (the ziggurat's) by one 16-byte load per lane
/// instead of gathers: on AMD CPUs, whose gathers are slow (Zen 4: two 8-lane gathers cost
/// 6.0 ns, the loads and their shuffles 3.2 ns), not on Intel's (where the gathers were tuned).
/// `LIFSWEEP_SIMD=avx512-pairs` or `avx512-gather` chooses. Both read the same entries: the
/// same bits. Read once per process.
pub fn pair_loads() -> bool {
    static PAIRS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PAIRS.get_or_init(|| match std::env::var("LIFSWEEP_SIMD").as_deref() {
        Ok("avx512-pairs") => true,
        Ok("avx512-gather") => false,
        _ => amd(),
    })
}

/// Whether the CPU is AMD's (CPUID vendor "AuthenticAMD").
#[cfg(target_arch = "x86_64")]
fn amd() -> bool {
    // CPUID leaf 0 (the vendor) exists on every x86-64 CPU.
    let id = std::arch::x86_64::__cpuid(0);
    let vendor: Vec<u8> = [id.ebx, id.edx, id.ecx]
        .iter()
        .flat_map(|r| r.to_le_bytes())
        .collect();
    vendor == b"AuthenticAMD"
}

#[cfg(not(target_arch = "x86_64"))]
fn amd() -> bool {
    false
}

#[cfg(target_arch = "x86_64")]
fn detect() -> SimdLevel {
    use std::arch::is_x86_feature_detected as has;
    // The hand-written AVX-512 loops also count bits with POPCNT (every AVX-512 CPU has it).
    if has!("avx512f") && has!("avx512dq") && has!("avx512vl") && has!("avx512bw") && has!("popcnt")
    {
        SimdLevel::Avx512
    } else if has!("avx2") {
        SimdLevel::Avx2
    } else {
        SimdLevel::Baseline
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> SimdLevel {
    SimdLevel::Baseline
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_u64_is_round_then_cast() {
        use rand_core::{Rng, SeedableRng};
        let mut edges = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -0.5,
            -0.6,
            0.49999999999999994,
            4503599627370495.5,
            4503599627370497.0,
            9007199254740993.0,
            1.8446744073709552e19,
            1.9e19,
            1e300,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
            5e-324,
        ];
        for n in 0..2000u64 {
            let x = n as f64 / 4.0;
            edges.extend([
                x,
                x.next_up(),
                x.next_down(),
                2.0 / 0.1 * x,
                (x + 0.1) / 0.1,
            ]);
        }
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        for _ in 0..1_000_000 {
            edges.push(f64::from_bits(rng.next_u64()));
            edges.push((rng.next_u64() >> 11) as f64 * 2f64.powi(-53) * 1e6);
        }
        for x in edges {
            assert_eq!(round_u64(x), x.round() as u64, "{x:e}");
        }
    }

    #[test]
    fn for_each_set_visits_the_set_entries_in_order() {
        for n in [0, 1, 7, 8, 9, 31, 32, 33, 64, 259] {
            for density in [1, 3, 50] {
                let mask: Vec<bool> = (0..n).map(|i| i % density == 0 || i % 8 == 7).collect();
                let want: Vec<usize> = (0..n).filter(|&i| mask[i]).collect();
                let mut got = Vec::new();
                for_each_set(&mask, |i| got.push(i));
                assert_eq!(got, want, "n = {n}, density {density}");
            }
        }
    }

    #[test]
    fn sin_cos_match_std() {
        let mut worst: f64 = 0.0;
        for i in 0..400_000u64 {
            let u = i as f64 / 400_000.0;
            let (s, c) = sin_cos_2pi(u);
            let (ws, wc) = (std::f64::consts::TAU * u).sin_cos();
            worst = worst.max((s - ws).abs().max((c - wc).abs()));
        }
        // Absolute error (the values multiply a radius; relative error near zeros is moot). std's
        // own argument `TAU * u` is rounded by up to 4.4e-16 near u = 1, so a few e-16 of the
        // difference is std's.
        assert!(worst < 1.5e-15, "worst absolute error {worst}");
        assert_eq!(sin_cos_2pi(0.0).1, 1.0);
    }
}
