//! Poisson input through the exponential synapse: the diffusion approximation with the
//! Fourcaud–Brunel correction for synaptic filtering.
//!
//! Each presynaptic event adds `w` to a current that decays by `d = exp(-dt/tau_s)` per step, so
//! it delivers the charge `q = w dt / (1 - d)` (-> `w tau_s` for `dt << tau_s`). For many small
//! events the summed input is approximated by white noise of the same mean and variance
//! (diffusion approximation; e.g. Tuckwell 1988, Introduction to theoretical neurobiology, vol. 2):
//! `mu_V = E_L + R (mu + nu q)`, `sigma_V = R q sqrt(nu / tau_m)` (Brunel's convention, see
//! [`super::white_noise`]), `nu` the presynaptic rate. The synaptic filter makes the noise
//! coloured; to first order in `sqrt(tau_s/tau_m)` this raises threshold and reset by
//! `sigma_V (alpha/2) sqrt(tau_s/tau_m)`, `alpha = sqrt(2) |zeta(1/2)| = 2.0652` (Fourcaud &
//! Brunel 2002, Neural Comput 14:2057). With `tau_s = 0` (one-step pulses) the input is white at
//! the step scale and the discrete-threshold shift of [`super::white_noise`] applies instead.
//!
//! Where it holds: many small events per membrane time and short synapses. Rows are flagged
//! reliable when `tau_s <= 2 ms`, the predicted rate is >= 30 Hz, there are >= 10 events per
//! membrane time constant (`nu tau_m >= 10`) and one event moves V by at most a tenth of
//! `V_th - V_reset` (`R q / tau_m <= (V_th - V_reset)/10`); there it agrees with simulation to
//! about 5%. It is poor for `tau_s = 5 ms` in the fluctuation-driven regime.

use super::white_noise::{BETA, siegert};
use crate::neuron::{Integrator, NeuronParams};

/// `sqrt(2) |zeta(1/2)|`.
pub const ALPHA: f64 = 2.065_253_152_231_217;

/// (rate in 1/ms, CV, reliable) for Poisson input with events (`rate > 0`, `w != 0`) on top
/// of the constant current `mu`.
#[allow(clippy::too_many_arguments)]
pub fn predict(
    n: &NeuronParams,
    integrator: Integrator,
    dt: f64,
    mu: f64,
    rate_hz: f64,
    w: f64,
    tau_s: f64,
) -> (f64, Option<f64>, bool) {
    let nu = rate_hz / 1000.0;
    let decay = (-dt / tau_s).exp();
    let q = w * dt / (1.0 - decay);
    let mu_v = n.e_l_mv + n.r_mohm * (mu + nu * q);
    let sigma_v = n.r_mohm * q.abs() * (nu / n.tau_m_ms).sqrt();
    let shift = if tau_s > 0.0 {
        sigma_v * ALPHA / 2.0 * (tau_s / n.tau_m_ms).sqrt()
    } else {
        // One step's noise in V: a R w sqrt(var k) with var k = nu dt.
        let a = integrator.coefficient(dt, n.tau_m_ms);
        BETA * a * n.r_mohm * w.abs() * (nu * dt).sqrt()
    };
    let (v_th, v_reset) = if tau_s > 0.0 {
        (n.v_th_mv + shift, n.v_reset_mv + shift)
    } else {
        (n.v_th_mv + shift, n.v_reset_mv)
    };
    let t_ref = n.refractory_ms(dt);
    let (rate, cv) = siegert(mu_v, sigma_v, v_th, v_reset, n.tau_m_ms, t_ref);
    let jump = n.r_mohm * q.abs() / n.tau_m_ms;
    let reliable = tau_s <= 2.0
        && rate * 1000.0 >= 30.0
        && nu * n.tau_m_ms >= 10.0
        && jump <= (n.v_th_mv - n.v_reset_mv) / 10.0;
    (rate, cv, reliable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_is_sqrt2_zeta_half() {
        // zeta(1/2) = -1.4603545088095868; alpha/2 = sqrt(pi) beta (both are |zeta(1/2)| scaled).
        assert!((ALPHA - 2f64.sqrt() * 1.460_354_508_809_586_8).abs() < 1e-14);
        assert!((ALPHA / 2.0 - std::f64::consts::PI.sqrt() * BETA).abs() < 1e-14);
    }

    #[test]
    fn mean_drive_is_w_rate_tau_s() {
        // 10 kHz of 0.01 nA events through 2 ms: mean 0.2 nA; with mu = 1.6 the mean drive is
        // 1.8 nA, above rheobase: close to the noise-free rate, more so as noise shrinks.
        let n = NeuronParams::default();
        let (rate, _, reliable) = predict(&n, Integrator::Euler, 0.01, 1.6, 10_000.0, 0.01, 2.0);
        // Deterministic 1.8 nA: ISI = 10 ln(18/3) = 17.9 ms -> 55.8 Hz.
        let det = 1.0 / (10.0 * 6f64.ln());
        assert!((rate / det - 1.0).abs() < 0.05, "{} Hz", rate * 1000.0);
        assert!(reliable);
    }
}
