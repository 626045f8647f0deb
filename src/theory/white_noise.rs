//! White-noise input: the Siegert / Ricciardi mean first-passage rate and ISI CV of the LIF
//! neuron, with a correction for a threshold checked only once per step.
//!
//! Brunel (2000), J Comput Neurosci 8:183, for `tau_m dV/dt = -V + mu_V + sigma_V sqrt(tau_m) xi(t)`:
//!
//! ```text
//! 1/nu  = t_ref + tau_m sqrt(pi) int_{y_r}^{y_th} e^{u^2} (1 + erf u) du
//! CV^2  = 2 pi (nu tau_m)^2 int_{y_r}^{y_th} e^{x^2} dx int_{-inf}^{x} e^{y^2} (1 + erf y)^2 dy
//! y_th  = (V_th - mu_V) / sigma_V,   y_r = (V_reset - mu_V) / sigma_V
//! ```
//!
//! evaluated stably with `e^{u^2}(1 + erf u) = erfcx(-u)`. The double integral is turned into
//! single ones by swapping the order: with `g(y) = erfcx(-y)^2 e^{-y^2}` and Dawson's `F`,
//! `int_{y_r}^{y_th} e^{x^2} int_{-inf}^x g = H(y_r) (F(y_th) e^{y_th^2 - y_r^2} - F(y_r))
//!  + int_{y_r}^{y_th} erfcx(-y)^2 (F(y_th) e^{y_th^2 - y^2} - F(y)) dy`,
//! `H(x) = e^{x^2} int_{-inf}^x g = int_0^inf erfcx(t - x)^2 e^{2xt - t^2} dt`; nothing overflows
//! below `y_th` ~ 18, where the rate is below 1e-140 Hz. MODEL.md's noise `I = mu + sigma sqrt(1 ms/dt) xi` maps to
//! `mu_V = E_L + R mu` and `sigma_V = R sigma sqrt(1 ms / tau_m)`.
//!
//! Discrete time: the simulation looks at V only at the end of each step and misses excursions
//! above threshold within a step, which lowers the rate by up to 17% at dt = 0.1 ms. For a random
//! walk sampled at steps of standard deviation `s`, the first passage is delayed as if the
//! barrier were `beta s` higher, `beta = -zeta(1/2)/sqrt(2 pi) = 0.5826` (Siegmund 1979, Adv.
//! Appl. Prob. 11:701; Broadie, Glasserman & Kou 1997, Math. Finance 7:325). So the threshold (not
//! the reset) is raised by `beta s`, with `s` the standard deviation of the noise part of one
//! step's update of V: `a R sigma sqrt(1 ms / dt)` with the integrator's coefficient `a`.

use std::f64::consts::PI;

use super::siegert_tables;
use super::special::{dawson, erfcx, integrate};

/// `-zeta(1/2) / sqrt(2 pi)`: Siegmund's discrete-barrier shift in step standard deviations.
pub const BETA: f64 = 0.582_597_157_939_010_7;

const REL_TOL: f64 = 1e-9;

/// Stationary firing rate (1/ms) and ISI CV of the LIF neuron with white-noise drive, from
/// Brunel's formulas; `None` for the CV where `y_th > 18` (the rate is then below 1e-140 Hz and
/// the CV is 1 to any precision that matters).
///
/// The integrals come from [`siegert_tables`]' tables (a few lookups) where `y_r < y_th <=
/// 26`; elsewhere (a rate below 1e-290 / ms, a reset at or above threshold, no noise) from
/// [`siegert_adaptive`].
pub fn siegert(
    mu_v: f64,
    sigma_v: f64,
    v_th: f64,
    v_reset: f64,
    tau_m_ms: f64,
    t_ref_ms: f64,
) -> (f64, Option<f64>) {
    let y_th = (v_th - mu_v) / sigma_v;
    let y_r = (v_reset - mu_v) / sigma_v;
    if !(y_r.is_finite() && y_r < y_th && y_th <= siegert_tables::G_MAX) {
        return siegert_adaptive(y_r, y_th, tau_m_ms, t_ref_ms, REL_TOL);
    }
    // Both integrals come scaled by e^{-k} and e^{-2k}, k = max(y_th, 0)^2, and so does
    // `1 / rate`'s refractory part here: `scaled` is `rate e^k`.
    let siegert_tables::Scaled {
        passage,
        outer,
        decay,
    } = siegert_tables::integrals(y_r, y_th);
    let scaled = 1.0 / (t_ref_ms * decay + tau_m_ms * PI.sqrt() * passage);
    let cv = outer.map(|outer| (2.0 * PI * (scaled * tau_m_ms).powi(2) * outer).sqrt());
    (scaled * decay, cv)
}

/// [`siegert`] of the thresholds `y_r = (V_reset - mu_V) / sigma_V` and `y_th` by adaptive
/// quadrature of Brunel's integrals to the relative accuracy `rel_tol` (about 16 us a call at
/// 1e-9): the reference the tables are checked against.
pub fn siegert_adaptive(
    y_r: f64,
    y_th: f64,
    tau_m_ms: f64,
    t_ref_ms: f64,
    rel_tol: f64,
) -> (f64, Option<f64>) {
    let passage = integrate(|u| erfcx(-u), y_r, y_th, rel_tol);
    let rate = 1.0 / (t_ref_ms + tau_m_ms * PI.sqrt() * passage);
    if y_th > 18.0 || y_th.is_nan() {
        return (rate, None);
    }
    let f_th = dawson(y_th);
    let h_r = integrate(
        |t| erfcx(t - y_r).powi(2) * (2.0 * y_r * t - t * t).exp(),
        0.0,
        y_r.max(0.0) + 12.0,
        rel_tol,
    );
    let below_reset = h_r * (f_th * (y_th * y_th - y_r * y_r).exp() - dawson(y_r));
    let between = integrate(
        |y| erfcx(-y).powi(2) * (f_th * (y_th * y_th - y * y).exp() - dawson(y)),
        y_r,
        y_th,
        rel_tol,
    );
    let outer = below_reset + between;
    let cv2 = 2.0 * PI * (rate * tau_m_ms).powi(2) * outer;
    (rate, Some(cv2.sqrt()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_is_siegmunds_constant() {
        // zeta(1/2) = -1.4603545088095868.
        assert!((BETA - 1.460_354_508_809_586_8 / (2.0 * PI).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn weak_noise_approaches_the_deterministic_rate() {
        // mu_V = -45 mV: deterministic ISI = t_ref + tau ln((mu - V_r)/(mu - V_th)) = 2 + 10 ln 4.
        let (rate, cv) = siegert(-45.0, 0.05, -50.0, -65.0, 10.0, 2.0);
        let det = 1.0 / (2.0 + 10.0 * 4f64.ln());
        assert!((rate / det - 1.0).abs() < 2e-3, "{rate} vs {det}");
        assert!(cv.unwrap() < 0.02);
    }

    #[test]
    fn far_below_threshold_firing_is_poisson_like() {
        // y_th = 4: rare escapes, CV -> 1; rate ~ (sigma/(tau sqrt(pi))) ... small.
        let (rate, cv) = siegert(-58.0, 2.0, -50.0, -65.0, 10.0, 0.0);
        assert!(rate > 0.0 && rate < 1e-3, "rate {rate}/ms");
        assert!((cv.unwrap() - 1.0).abs() < 0.02, "cv {cv:?}");
    }

    #[test]
    fn reference_values() {
        // (mu_V, sigma_V, V_th, V_reset, tau_m, t_ref) -> (rate 1/ms, CV), from the same formulas
        // evaluated independently with scipy's quad (epsrel 1e-11..1e-13) and scipy.special.erfcx.
        for (args, rate, cv) in [
            (
                (-52.0, 3.0, -50.0, -65.0, 10.0, 2.0),
                2.191_758_043_284_622e-2,
                0.547_588_790_375_698_6,
            ),
            (
                (-47.0, 1.0, -50.0, -65.0, 10.0, 2.0),
                5.084_585_127_381_391e-2,
                0.111_040_921_275_179_6,
            ),
            (
                (-60.0, 2.0, -50.0, -65.0, 10.0, 0.0),
                3.835_856_598_239_56e-12,
                0.999_999_999_854_233_7,
            ),
        ] {
            let (r, c) = siegert(args.0, args.1, args.2, args.3, args.4, args.5);
            assert!(
                (r / rate - 1.0).abs() < 1e-11,
                "{args:?}: rate {r} vs {rate}"
            );
            assert!(
                (c.unwrap() / cv - 1.0).abs() < 1e-11,
                "{args:?}: cv {c:?} vs {cv}"
            );
        }
    }
}
