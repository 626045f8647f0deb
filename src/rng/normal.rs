//! Standard normal numbers by the ziggurat method: rand_distr's `StandardNormal` (ZIGNOR,
//! Doornik 2005, 256 layers), bit for bit, split so the common case vectorizes.
//!
//! One 64-bit number gives a layer `i` (its low 8 bits) and a uniform `u` in [-1, 1) (its top
//! 52 bits); `x = u x_i` is the normal number if `|x| < x_{i+1}`: [`first_try`], only a multiply
//! and a compare (exact in IEEE arithmetic, so every vector path agrees), which accepts 98.5% of
//! draws (none in the top layer, whose `x_256` is 0). Otherwise [`normal_from`] finishes the draw
//! the scalar way, with more numbers from the same stream: the wedge test against `exp(-x^2/2)`,
//! the tail beyond `r = x_1` (Marsaglia 1964), or a fresh draw. A stream's normals therefore do
//! not depend on how its neighbours fared, and a neuron's numbers stay its own whatever the batch
//! around it.

use super::to_uniform;
use super::ziggurat_tables::{ZIG_NORM_F as F, ZIG_NORM_R as R, ZIG_NORM_X as X};

/// The layer and the candidate `x` of a 64-bit number, and whether `x` is accepted outright.
#[inline(always)]
pub fn first_try(bits: u64) -> (f64, bool) {
    let i = (bits & 0xff) as usize;
    // The top 52 bits as a float in [2, 4), minus 3: [-1, 1).
    let u = f64::from_bits((bits >> 12) | 0x4000_0000_0000_0000) - 3.0;
    let x = u * X[i];
    (x, x.abs() < X[i + 1])
}

/// The normal number whose first 64-bit number is `bits`, drawing more from `next` if the first
/// try is rejected.
#[inline]
pub fn normal_from(mut bits: u64, next: &mut impl FnMut() -> u64) -> f64 {
    loop {
        let (x, accepted) = first_try(bits);
        if accepted {
            return x;
        }
        let i = (bits & 0xff) as usize;
        if i == 0 {
            let u = f64::from_bits((bits >> 12) | 0x4000_0000_0000_0000) - 3.0;
            return tail(u, next);
        }
        // The wedge: accept with probability (f(x) - f_{i+1}) / (f_i - f_{i+1}).
        if F[i + 1] + (F[i] - F[i + 1]) * to_uniform(next()) < (-x * x / 2.0).exp() {
            return x;
        }
        bits = next();
    }
}

/// The next normal number of a stream.
pub fn normal(next: &mut impl FnMut() -> u64) -> f64 {
    let bits = next();
    normal_from(bits, next)
}

/// A number from the tail `|x| > r`, on the side of `u`'s sign (Marsaglia 1964).
fn tail(u: f64, next: &mut impl FnMut() -> u64) -> f64 {
    let (mut x, mut y) = (1.0f64, 0.0f64);
    while -2.0 * y < x * x {
        x = open01(next()).ln() / R;
        y = open01(next()).ln();
    }
    if u < 0.0 { x - R } else { R - x }
}

/// A uniform in (0, 1) from the top 52 bits (rand's `Open01`).
fn open01(bits: u64) -> f64 {
    f64::from_bits((bits >> 12) | 0x3ff0_0000_0000_0000) - (1.0 - f64::EPSILON / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_try_takes_the_layer_from_the_low_bits_and_u_from_the_top() {
        // Top bit alone: u = 0, so x = 0, accepted in any layer but the top one, whose
        // upper edge x_256 is 0 (every draw there goes to the wedge test).
        assert_eq!(first_try((1 << 63) | 254), (0.0, true));
        assert_eq!(first_try((1 << 63) | 255), (0.0, false));
        // Top bits all ones: u just below 1, x just below x_254, above x_255: rejected.
        let (x, ok) = first_try(u64::MAX - 1);
        assert!(!ok && x < X[254] && x > X[254] * (1.0 - 1e-15), "{x}");
        // Top bits zero: u = -1, x = -x_i, never accepted (|x| = x_i > x_{i+1}).
        assert_eq!(first_try(7), (-X[7], false));
    }

    #[test]
    fn the_first_try_accepts_98_5_percent_of_draws() {
        // Layer i (probability 1/256) accepts a fraction x_{i+1}/x_i of its uniforms.
        let accepted = (0..256).map(|i| X[i + 1] / X[i]).sum::<f64>() / 256.0;
        assert!((accepted - 0.985).abs() < 0.0005, "{accepted}");
    }

    #[test]
    fn the_tail_lies_beyond_r_on_the_side_of_u() {
        let mut state = 12345u64;
        let mut next = || {
            state = super::super::mix(state.wrapping_add(1));
            state
        };
        for _ in 0..1000 {
            let up = tail(0.5, &mut next);
            let down = tail(-0.5, &mut next);
            assert!(up > R && down < -R, "{up} {down}");
        }
    }
}
