//! Standard normal numbers by the ziggurat method: rand_distr's `StandardNormal` (ZIGNOR,
//! Doornik 2005, 256 layers), bit for bit, split so the common case vectorizes.
//!
//! One 64-bit number gives a layer `i` (its low 8 bits) and a uniform `u` in [-1, 1) (its top
//! 52 bits); `x = u x_i` is the normal number if `|x| < x_{i+1}`: [`first_try`], only a multiply
//! and a compare (exact in IEEE arithmetic, so every vector path agrees), which accepts 98.5% of
//! draws (none in the top layer, whose `x_256` is 0). Otherwise [`normal_from`] finishes the draw
//! the scalar way, with more numbers from the same stream: the wedge test against `exp(-x^2/2)`
//! (mostly settled without the `exp` by bounds that give the same verdict), the tail beyond
//! `r = x_1` (Marsaglia 1964), or a fresh draw. A stream's normals therefore do
//! not depend on how its neighbours fared, and a neuron's numbers stay its own whatever the batch
//! around it.

use super::ziggurat_tables::{ZIG_NORM_F as F, ZIG_NORM_R as R, ZIG_NORM_X as X};
use super::{LaneRng, to_uniform};

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
        if wedge_accepts(i, x, to_uniform(next())) {
            return x;
        }
        bits = next();
    }
}

/// [`normal_from`] for a first number `bits` whose first try was rejected, drawing from `rng`: the
/// same number, but the common outcomes (the wedge test settled by the squeeze; where it rejects,
/// a fresh first try that is accepted) are chosen between without a branch, which the CPU would
/// mispredict about every other time (the wedge test accepts 45% of candidates). Both are drawn
/// from copies of the stream and the one that happened is kept; the rest (the base layer's
/// tail, unsettled wedge tests, a second rejection: about one call in ten) go the scalar way.
#[inline]
pub fn finish_rejected(bits: u64, rng: &mut LaneRng) -> f64 {
    let i = (bits & 0xff) as usize;
    let (x, _) = first_try(bits);
    let mut after_wedge = *rng;
    let u = to_uniform(after_wedge.next_u64());
    let mut after_retry = after_wedge;
    let (x_retry, retry_accepted) = first_try(after_retry.next_u64());
    match SQUEEZES[i].verdict(x, u) {
        Some(accepted) if accepted | retry_accepted => {
            let keep = (accepted as u64).wrapping_neg();
            let pick = |a: u64, b: u64| (a & keep) | (b & !keep);
            rng.0 = std::array::from_fn(|k| pick(after_wedge.0[k], after_retry.0[k]));
            f64::from_bits(pick(x.to_bits(), x_retry.to_bits()))
        }
        _ => normal_from(bits, &mut || rng.next_u64()),
    }
}

/// The next normal number of a lane's stream: [`normal`]'s number, finished by
/// [`finish_rejected`] where its first try is rejected.
#[inline(always)]
pub fn lane_normal(rng: &mut LaneRng) -> f64 {
    let bits = rng.next_u64();
    match first_try(bits) {
        (x, true) => x,
        _ => finish_rejected(bits, rng),
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

/// The wedge test of layer `i` (1..256) for the candidate `x`, `x_{i+1} <= |x| < x_i`, with the
/// uniform `u`: is the height `h = f_{i+1} + (f_i - f_{i+1}) u` (uniform between the layer's
/// bounds) below the density `f(x) = exp(-x^2/2)`? Decided as rand_distr decides it, by libm's
/// `exp`, unless the layer's [`Squeeze`] settles it first (92.5% of tests) with the same answer.
#[inline]
fn wedge_accepts(i: usize, x: f64, u: f64) -> bool {
    SQUEEZES[i]
        .verdict(x, u)
        .unwrap_or_else(|| F[i + 1] + (F[i] - F[i + 1]) * u < (-x * x / 2.0).exp())
}

/// Bounds on the density within one layer's wedge, in the layer's own units: with
/// `s = (|x| - x_{i+1}) / (x_i - x_{i+1})` and `g(s) = (f_{i+1} - f(x)) / (f_{i+1} - f_i)`, both
/// running from 0 to 1 across the wedge, the wedge test accepts iff `u > g(s)`. Beyond `x = 1`
/// the density is convex, so `g` is concave: above its chord `s`, below its tangents at both
/// ends; below `x = 1` the other way round (McFarland 2016 squeezes the same way). A verdict is
/// given only if `u` clears the bound by [`SQUEEZE_MARGIN`], far more than the rounding of the
/// bounds, the tables and libm's `exp` (~1e-14 here), so it is always the exact test's.
#[derive(Clone, Copy, Debug)]
struct Squeeze {
    x_lo: f64,
    inv_width: f64,
    /// `g'(0)` and `g'(1)`.
    slope_lo: f64,
    slope_hi: f64,
    shape: Shape,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    /// `g` concave (the wedge lies beyond `x = 1`).
    Concave,
    /// `g` convex (the wedge lies below `x = 1`).
    Convex,
    /// The layer holding `x = 1`, and the base strip, which has no wedge: no squeeze.
    Neither,
}

/// See [`Squeeze`].
const SQUEEZE_MARGIN: f64 = 1e-9;

static SQUEEZES: std::sync::LazyLock<[Squeeze; 256]> =
    std::sync::LazyLock::new(|| std::array::from_fn(Squeeze::of_layer));

impl Squeeze {
    fn of_layer(i: usize) -> Squeeze {
        let (x_lo, x_hi) = (X[i + 1], X[i]);
        let (width, drop) = (x_hi - x_lo, F[i + 1] - F[i]);
        // g'(s) = x f(x) width / drop, with f(x) from the table at the ends.
        let slope = |x: f64, f: f64| x * f * width / drop;
        Squeeze {
            x_lo,
            inv_width: 1.0 / width,
            slope_lo: slope(x_lo, F[i + 1]),
            slope_hi: slope(x_hi, F[i]),
            shape: match i {
                0 => Shape::Neither,
                _ if x_lo >= 1.0 => Shape::Concave,
                _ if x_hi <= 1.0 => Shape::Convex,
                _ => Shape::Neither,
            },
        }
    }

    /// The wedge test's verdict if the bounds settle it.
    #[inline(always)]
    fn verdict(&self, x: f64, u: f64) -> Option<bool> {
        let s = (x.abs() - self.x_lo) * self.inv_width;
        let from_lo = self.slope_lo * s;
        let from_hi = 1.0 - self.slope_hi * (1.0 - s);
        let (below, above) = match self.shape {
            Shape::Concave => (s, from_lo.min(from_hi)),
            Shape::Convex => (from_lo.max(from_hi), s),
            Shape::Neither => return None,
        };
        if u > above + SQUEEZE_MARGIN {
            Some(true)
        } else if u < below - SQUEEZE_MARGIN {
            Some(false)
        } else {
            None
        }
    }
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
    fn the_squeeze_decides_wedge_tests_as_exp_does() {
        // The margin covers the tables' own rounding: f_i is exp(-x_i^2/2) to a few ulp.
        for i in 1..257 {
            let f = (-X[i] * X[i] / 2.0).exp();
            assert!((F[i] - f).abs() <= 4.0 * f64::EPSILON * f, "layer {i}");
        }
        let mut state = 99u64;
        let mut next = || {
            state = super::super::mix(state.wrapping_add(1));
            state
        };
        let (mut tests, mut settled) = (0u64, 0u64);
        for i in 1..256 {
            for _ in 0..40_000 {
                // A candidate anywhere in the wedge (either sign), and a height.
                let s = to_uniform(next());
                let x = X[i + 1] + (X[i] - X[i + 1]) * s;
                let x = if next() & 1 == 0 { x } else { -x };
                let u = to_uniform(next());
                let exact = F[i + 1] + (F[i] - F[i + 1]) * u < (-x * x / 2.0).exp();
                if let Some(v) = SQUEEZES[i].verdict(x, u) {
                    assert_eq!(v, exact, "layer {i}, x = {x}, u = {u}");
                    settled += 1;
                }
                tests += 1;
            }
        }
        assert!(settled > tests / 2, "{settled} of {tests}");
        // How often the exp is spared, over the wedge tests that draws actually make.
        let (mut tests, mut settled) = (0u64, 0u64);
        for _ in 0..20_000_000 {
            let bits = next();
            let (x, accepted) = first_try(bits);
            let i = (bits & 0xff) as usize;
            if !accepted && i != 0 {
                tests += 1;
                settled += SQUEEZES[i].verdict(x, to_uniform(next())).is_some() as u64;
            }
        }
        let share = settled as f64 / tests as f64;
        assert!(
            share > 0.92,
            "the squeeze settles {share} of {tests} wedge tests"
        );
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
