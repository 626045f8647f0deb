//! The Siegert rate's and Brunel's CV integrals (see [`super::white_noise`]) as differences of
//! one-variable functions read from tables built once per process, so that a job's theory
//! costs a few table lookups instead of three adaptive quadratures (issue 16: 16 us a job).
//!
//! With `erfcx(-u) = e^{u^2}(1 + erf u)` and
//!
//! ```text
//! G(y) = int_0^y erfcx(-u) du                      the rate: int_{y_r}^{y_th} erfcx(-u) du = G(y_th) - G(y_r)
//! H(x) = e^{x^2} int_{-inf}^x erfcx(-u)^2 e^{-u^2} du = int_0^inf erfcx(t - x)^2 e^{2xt - t^2} dt
//! Q(y) = int_{-inf}^y H(x) dx                      the CV: int_{y_r}^{y_th} e^{x^2} int_{-inf}^x ... = Q(y_th) - Q(y_r)
//! ```
//!
//! (the CV's double integral is `int_{y_r}^{y_th} H`, H being the inner integral times
//! `e^{x^2}`). Both are integrals of positive functions, so their differences lose digits only
//! where `y_r` and `y_th` are close relative to their size (a factor `Q(y_th) / (Q(y_th) -
//! Q(y_r))`, below 40 for any drive within 1 V of threshold). Each is stored where it is smooth
//! and of moderate size, `s = -y` and `t = 4 / (4 + s)` mapping `y <= 0` onto `(0, 1]`:
//!
//! - `y <= 0`: `G(y) = -E(s)`, `E(s) = int_0^s erfcx`, stored as `E(s) - ln(1 + s)/sqrt(pi)`
//!   (E grows like `ln(s)/sqrt(pi)`); `Q(y) = R(s)`, stored as `R(s) (1 + s)^2` (R falls like
//!   `1 / (4 pi s^2)`); both in `t`, so every `y <= 0` is covered;
//! - `y > 0`: `G(y) = 2 e^{y^2} F(y) - E(y)` (F Dawson's integral), stored as `G(y) e^{-y^2}` on
//!   `[0, G_MAX]`; `Q(y) = R(0) + int_0^y H`, stored as `Q(y) e^{-2y^2}` on `[0, Q_MAX]`.
//!
//! The values at the tables' nodes come from adaptive quadrature to `BUILD_TOL` (H from its
//! t-integral; E, R and Q from running sums of integrals between consecutive nodes, of erfcx
//! and of an interpolant of H), about 20 ms once, only in a process that needs them (a run
//! starts the build on a thread of its own when its grid will: [`build_in_background`]).
//! `tests::the_tables_match_the_adaptive_quadrature` checks rate and CV against the adaptive
//! evaluation of Brunel's formulas as they are written, over the whole range of thresholds.

use std::f64::consts::PI;
use std::sync::{LazyLock, Once};

use super::chebyshev::Piecewise;
use super::special::{dawson, erfcx, integrate};

/// The largest `y_th` the rate's table covers (the rate is then below 1e-290 / ms).
pub const G_MAX: f64 = 26.0;
/// The largest `y_th` the CV's table covers: the white-noise theory gives no CV beyond.
pub const Q_MAX: f64 = 18.0;

const PIECES: usize = 64;
type Table = Piecewise<12>;

/// The relative accuracy of the quadratures that make the tables' values.
const BUILD_TOL: f64 = 1e-14;

fn s_of(t: f64) -> f64 {
    4.0 * (1.0 - t) / t
}

fn t_of(s: f64) -> f64 {
    4.0 / (4.0 + s)
}

/// `H(x) e^{-2 max(x, 0)^2}` by quadrature of its t-integral. For x = -v < 0 the integrand
/// `erfcx(t + v)^2 e^{-2vt - t^2}` is negligible past `t = 25 / v`. For x > 0, with
/// `erfcx(-w)^2 e^{-w^2} = e^{w^2} (1 + erf w)^2` at `w = x - t`, the scaled integrand is
/// `(1 + erf w)^2 e^{-t (2x - t)}` (for x >= 0): about `4 e^{-2xt}` near t = 0 (no large exponent to round,
/// which kept the first form from converging to BUILD_TOL), `1 + erf w = 2 - erfcx(w) e^{-w^2}`
/// for w >= 0 and `erfcx(-w) e^{-w^2}` below. (At x = 0 both forms hold; the first would
/// divide by zero for its upper limit.)
fn h_scaled(x: f64) -> f64 {
    if x < 0.0 {
        let upper = 12f64.min(25.0 / -x);
        return integrate(
            |t| erfcx(t - x).powi(2) * (2.0 * x * t - t * t).exp(),
            0.0,
            upper,
            BUILD_TOL,
        );
    }
    let one_plus_erf = |w: f64| {
        if w >= 0.0 {
            2.0 - erfcx(w) * (-w * w).exp()
        } else {
            erfcx(-w) * (-w * w).exp()
        }
    };
    integrate(
        |t| one_plus_erf(x - t).powi(2) * (-t * (2.0 * x - t)).exp(),
        0.0,
        x + 12.0,
        BUILD_TOL,
    )
}

/// `int_from^p f` for every point `p` (in any order, all at or above `from`): a running sum of
/// the integrals between consecutive points.
fn running_integrals(points: &[f64], from: f64, mut f: impl FnMut(f64) -> f64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| points[a].total_cmp(&points[b]));
    let mut integrals = vec![0.0; points.len()];
    let (mut x, mut sum) = (from, 0.0);
    for i in order {
        sum += integrate(&mut f, x, points[i], BUILD_TOL);
        x = points[i];
        integrals[i] = sum;
    }
    integrals
}

struct Tables {
    /// `E(s) - ln(1 + s) / sqrt(pi)` in t.
    e: Table,
    /// `G(y) e^{-y^2}` on `[0, G_MAX]`.
    g: Table,
    /// `R(s) (1 + s)^2` in t.
    r: Table,
    /// `Q(y) e^{-2y^2}` on `[0, Q_MAX]`.
    q: Table,
}

static TABLES: LazyLock<Tables> = LazyLock::new(Tables::new);

/// Starts building the tables on a thread of their own (once per process; a no-op once they
/// are built or being built), so that a run whose theory will need them does not wait the
/// ~20 ms of the build when its first row's theory is computed: the build overlaps the
/// simulation. [`integrals`] waits for it if it comes first.
pub fn build_in_background() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        // If no thread can be had, the first use builds them.
        let _ = std::thread::Builder::new()
            .name("lifsweep-tables".into())
            .spawn(|| LazyLock::force(&TABLES));
    });
}

impl Tables {
    fn new() -> Tables {
        let in_t = Table::nodes(0.0, 1.0, PIECES);
        let s: Vec<f64> = in_t.iter().map(|&t| s_of(t)).collect();
        let e_values: Vec<f64> = running_integrals(&s, 0.0, erfcx)
            .iter()
            .zip(&s)
            .map(|(e, s)| e - s.ln_1p() / PI.sqrt())
            .collect();
        let e = Table::fit(0.0, 1.0, PIECES, &e_values);
        let g = Table::new(0.0, G_MAX, PIECES, |y| {
            2.0 * dawson(y) - e_at(&e, y) * (-y * y).exp()
        });

        // R(s) = int_s^inf H(-v) dv = int_0^t H(-s(t')) 4 / t'^2 dt', its integrand smooth in t
        // (about t / (32 pi) near t = 0).
        let h_negative = Table::new(0.0, 1.0, PIECES, |t| h_scaled(-s_of(t)) * 4.0 / (t * t));
        let r_values: Vec<f64> = running_integrals(&in_t, 0.0, |t| h_negative.at(t))
            .iter()
            .zip(&s)
            .map(|(r, s)| r * (1.0 + s).powi(2))
            .collect();
        let r = Table::fit(0.0, 1.0, PIECES, &r_values);
        let r_zero = integrate(|t| h_negative.at(t), 0.0, 1.0, BUILD_TOL);

        let h_positive = Table::new(0.0, Q_MAX, PIECES, h_scaled);
        let in_y = Table::nodes(0.0, Q_MAX, PIECES);
        let q_values: Vec<f64> =
            running_integrals(&in_y, 0.0, |x| h_positive.at(x) * (2.0 * x * x).exp())
                .iter()
                .zip(&in_y)
                .map(|(integral, y)| (r_zero + integral) * (-2.0 * y * y).exp())
                .collect();
        let q = Table::fit(0.0, Q_MAX, PIECES, &q_values);
        Tables { e, g, r, q }
    }
}

/// `E(s) = int_0^s erfcx`, s >= 0, from its table.
fn e_at(e: &Table, s: f64) -> f64 {
    e.at(t_of(s)) + s.ln_1p() / PI.sqrt()
}

/// `R(s) = Q(-s)`, s >= 0, from its table.
fn r_at(r: &Table, s: f64) -> f64 {
    r.at(t_of(s)) / (1.0 + s).powi(2)
}

/// The Siegert integrals between `y_r` and `y_th`, scaled by `e^{-k}`, `k = max(y_th, 0)^2`,
/// so that nothing overflows.
pub struct Scaled {
    /// `e^{-k} (G(y_th) - G(y_r))`.
    pub passage: f64,
    /// `e^{-2k} (Q(y_th) - Q(y_r))`; `None` above `Q_MAX`.
    pub outer: Option<f64>,
    /// `e^{-k}`.
    pub decay: f64,
}

/// The [`Scaled`] integrals between `y_r < y_th <= G_MAX` (finite).
pub fn integrals(y_r: f64, y_th: f64) -> Scaled {
    debug_assert!(y_r.is_finite() && y_r < y_th && y_th <= G_MAX);
    let t = &*TABLES;
    if y_th <= 0.0 {
        let (s_r, s_th) = (-y_r, -y_th);
        return Scaled {
            passage: e_at(&t.e, s_r) - e_at(&t.e, s_th),
            outer: Some(r_at(&t.r, s_th) - r_at(&t.r, s_r)),
            decay: 1.0,
        };
    }
    // G(y_r) e^{-k} and Q(y_r) e^{-2k}.
    let k = y_th * y_th;
    let decay = (-k).exp();
    let (g_r, q_r) = if y_r <= 0.0 {
        (-e_at(&t.e, -y_r) * decay, r_at(&t.r, -y_r) * decay * decay)
    } else {
        let relative = (y_r * y_r - k).exp();
        let q_r = if y_r <= Q_MAX { t.q.at(y_r) } else { 0.0 };
        (t.g.at(y_r) * relative, q_r * relative * relative)
    };
    Scaled {
        passage: t.g.at(y_th) - g_r,
        outer: (y_th <= Q_MAX).then(|| t.q.at(y_th) - q_r),
        decay,
    }
}

#[cfg(test)]
mod tests {
    use super::super::white_noise::{siegert, siegert_adaptive};

    /// The worst relative differences (rate, CV) between the tables and the adaptive
    /// quadrature of Brunel's formulas at 1e-13, over thresholds `y_th` and reset distances
    /// `y_th - y_r` (V_th = 0 and sigma_V = 1, so y_th = -mu_V), with and without a refractory
    /// time.
    fn worst(thresholds: impl Iterator<Item = f64>, widths: &[f64]) -> (f64, f64) {
        let (mut rate, mut cv) = (0.0f64, 0.0f64);
        for y_th in thresholds {
            for &width in widths {
                for t_ref in [0.0, 2.0] {
                    let fast = siegert(-y_th, 1.0, 0.0, -width, 10.0, t_ref);
                    let slow = siegert_adaptive(y_th - width, y_th, 10.0, t_ref, 1e-13);
                    rate = rate.max((fast.0 / slow.0 - 1.0).abs());
                    assert_eq!(fast.1.is_some(), slow.1.is_some(), "{y_th} {width}");
                    if let (Some(a), Some(b)) = (fast.1, slow.1) {
                        cv = cv.max((a / b - 1.0).abs());
                    }
                }
            }
        }
        (rate, cv)
    }

    /// Thresholds from 60 standard deviations below the mean to past G_MAX (where the adaptive
    /// evaluation takes over), reset distances from 0.01 (sigma_V 1.5 V) to 300 (50 uV).
    #[test]
    fn the_tables_match_the_adaptive_quadrature() {
        let widths = [0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 15.0, 40.0, 100.0, 300.0];
        let grid = (0..=174).map(|i| -60.0 + 0.5 * i as f64 + 0.0123);
        let (rate, cv) = worst(grid, &widths);
        assert!(rate < 1e-11 && cv < 1e-11, "rate {rate:e}, CV {cv:e}");
        // Near the ends of the tables' pieces and of their ranges.
        let edges = [
            -1e-9, 0.0, 1e-9, 0.25, 17.999, 18.0, 18.001, 25.99, 26.0, 26.01,
        ];
        let (rate, cv) = worst(edges.into_iter(), &widths);
        assert!(rate < 1e-11 && cv < 1e-11, "rate {rate:e}, CV {cv:e}");
        // A drive far above threshold with little noise, where the adaptive evaluation's H
        // integral misses its narrow peak (its CV is off by up to 4e-6 there): independent
        // values (mpmath, 40 digits) of (y_th, y_th - y_r) -> (rate 1/ms, CV) at tau_m = 10 ms,
        // no refractory time.
        for (y_th, width, rate, cv) in [
            (
                -200.0,
                300.0,
                0.109_136_292_089_884_69,
                0.003_536_355_954_400_712,
            ),
            (
                -1000.0,
                300.0,
                0.381_149_616_954_290_4,
                0.001_722_111_436_296_640_9,
            ),
            (
                -5000.0,
                15.0,
                33.383_309_036_432_364,
                0.003_648_753_528_621_325_9,
            ),
            (
                -200.0,
                1.0,
                20.050_207_809_594_546,
                0.070_621_430_429_891_79,
            ),
        ] {
            let (r, c) = siegert(-y_th, 1.0, 0.0, -width, 10.0, 0.0);
            let c = c.unwrap();
            assert!(
                (r / rate - 1.0).abs() < 1e-10,
                "{y_th} {width}: rate {r} vs {rate}"
            );
            assert!(
                (c / cv - 1.0).abs() < 1e-10,
                "{y_th} {width}: CV {c} vs {cv}"
            );
        }
    }
}
