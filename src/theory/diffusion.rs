//! The diffusion approximation of a sum of fluctuating input parts: white noise, Poisson
//! synapses (one source or several: excitation and inhibition), Ornstein–Uhlenbeck noise, and
//! their combinations.
//!
//! Each part's current is replaced by Gaussian noise of the same mean and the same intensity `D`
//! (the integral of its autocovariance, nA^2 ms: white noise of amplitude sigma at 1 ms
//! resolution has `sigma^2 x 1 ms`; a Poisson synapse `q^2 nu`, Campbell's theorem; OU noise
//! `2 sigma^2 tau`). Independent parts add: means add, intensities add. The membrane then sees
//! `mu_V = E_L + R (mu + sum mean)`, `sigma_V = R sqrt(D / tau_m)` (Brunel's convention,
//! [`super::white_noise`]), and the Siegert rate and Brunel CV follow, with one correction:
//!
//! - every fluctuating part white at the step scale (white noise, Poisson pulses with
//!   `tau_s = 0`): the threshold checked once per step is raised by `beta s`, `s` the standard
//!   deviation of one step's noise in V, `a R sqrt(D / dt)` (Siegmund 1979; see `white_noise`);
//! - every fluctuating part coloured with one correlation time `tau` (exponential synapses of
//!   equal `tau_s`, OU noise): threshold and reset raised by `sigma_V (alpha/2) sqrt(tau/tau_m)`,
//!   `alpha = sqrt(2) |zeta(1/2)|`, to first order in `sqrt(tau/tau_m)` (Fourcaud & Brunel 2002,
//!   Neural Comput 14:2057);
//! - mixed correlation times: the same shift with the intensity-weighted mean `tau`, white parts
//!   counting 0; an approximation nobody has validated, so the row is flagged unreliable.
//!
//! A row is reliable where every part's own conditions hold (see each part), the correlation
//! times agree, and the predicted rate is at least every part's `min_rate_hz`.

use super::white_noise::{BETA, siegert};
use crate::neuron::{Integrator, NeuronParams};

/// `sqrt(2) |zeta(1/2)|`.
pub const ALPHA: f64 = 2.065_253_152_231_217;

/// One part's current, as the diffusion approximation sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Source {
    /// Mean current (nA).
    pub mean_na: f64,
    /// Intensity: the integral of the current's autocovariance (nA^2 ms).
    pub intensity: f64,
    /// Correlation time (ms); 0: white at the step scale.
    pub tau_ms: f64,
    /// Whether the part's own conditions for the approximation hold.
    pub reliable: bool,
    /// The least predicted rate (Hz) at which the approximation is trusted for this part.
    pub min_rate_hz: f64,
}

/// The neuron as the diffusion approximation sees it: mean and standard deviation of the free
/// membrane in Brunel's convention, and the threshold and reset with the correction that
/// applies (see the module's text).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Effective {
    pub mu_v: f64,
    pub sigma_v: f64,
    pub v_th: f64,
    pub v_reset: f64,
    /// Whether every fluctuating source is white at the step scale.
    pub white: bool,
    /// Whether the fluctuating sources share one correlation time.
    pub one_tau: bool,
}

/// The effective neuron driven by `mu` plus `sources`.
pub fn effective(
    n: &NeuronParams,
    integrator: Integrator,
    dt_ms: f64,
    mu_na: f64,
    sources: &[Source],
) -> Effective {
    let mean = sources.iter().fold(mu_na, |m, s| m + s.mean_na);
    let intensity: f64 = sources.iter().map(|s| s.intensity).sum();
    let mu_v = n.e_l_mv + n.r_mohm * mean;
    let sigma_v = n.r_mohm * (intensity / n.tau_m_ms).sqrt();
    let fluctuating = sources.iter().filter(|s| s.intensity > 0.0);
    let white = fluctuating.clone().all(|s| s.tau_ms == 0.0);
    let one_tau = fluctuating
        .clone()
        .map(|s| s.tau_ms)
        .try_fold(None, |t: Option<f64>, x| match t {
            Some(t) if t != x => Err(()),
            _ => Ok(Some(x)),
        })
        .is_ok();
    let (v_th, v_reset) = if white {
        let a = integrator.coefficient(dt_ms, n.tau_m_ms);
        let step_sd = (intensity / dt_ms).sqrt();
        (n.v_th_mv + BETA * (a * n.r_mohm * step_sd), n.v_reset_mv)
    } else {
        let tau = fluctuating.map(|s| s.intensity * s.tau_ms).sum::<f64>() / intensity;
        let shift = sigma_v * ALPHA / 2.0 * (tau / n.tau_m_ms).sqrt();
        (n.v_th_mv + shift, n.v_reset_mv + shift)
    };
    Effective {
        mu_v,
        sigma_v,
        v_th,
        v_reset,
        white,
        one_tau,
    }
}

/// (rate in 1/ms, CV, reliable) of the neuron driven by `mu` plus `sources`.
pub fn predict(
    n: &NeuronParams,
    integrator: Integrator,
    dt_ms: f64,
    mu_na: f64,
    sources: &[Source],
) -> (f64, Option<f64>, bool) {
    predict_effective(
        n,
        dt_ms,
        &effective(n, integrator, dt_ms, mu_na, sources),
        sources,
    )
}

/// [`predict`] of the effective neuron `e` (of the same `sources`), for a caller that has it.
pub fn predict_effective(
    n: &NeuronParams,
    dt_ms: f64,
    e: &Effective,
    sources: &[Source],
) -> (f64, Option<f64>, bool) {
    let (rate, cv) = siegert(
        e.mu_v,
        e.sigma_v,
        e.v_th,
        e.v_reset,
        n.tau_m_ms,
        n.refractory_ms(dt_ms),
    );
    let reliable = e.one_tau
        && sources
            .iter()
            .all(|s| s.reliable && rate * 1000.0 >= s.min_rate_hz);
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

    fn source(mean_na: f64, intensity: f64, tau_ms: f64) -> Source {
        Source {
            mean_na,
            intensity,
            tau_ms,
            reliable: true,
            min_rate_hz: 0.0,
        }
    }

    /// Independent sources add: two halves of one source are the source; a source split into
    /// an excitatory and an inhibitory one of the same total mean and intensity predicts the
    /// same; mixed correlation times are never reliable.
    #[test]
    fn sources_add_by_mean_and_intensity() {
        let n = NeuronParams::default();
        let whole = predict(&n, Integrator::Euler, 0.1, 1.0, &[source(0.6, 0.5, 2.0)]);
        let halves = [source(0.3, 0.25, 2.0), source(0.3, 0.25, 2.0)];
        let split = predict(&n, Integrator::Euler, 0.1, 1.0, &halves);
        assert!(
            (whole.0 / split.0 - 1.0).abs() < 1e-12,
            "{whole:?} {split:?}"
        );
        let ei = [source(0.9, 0.4, 2.0), source(-0.3, 0.1, 2.0)];
        let ei = predict(&n, Integrator::Euler, 0.1, 1.0, &ei);
        assert!((whole.0 / ei.0 - 1.0).abs() < 1e-12 && ei.2);
        let mixed = [source(0.3, 0.25, 2.0), source(0.3, 0.25, 1.0)];
        assert!(!predict(&n, Integrator::Euler, 0.1, 1.0, &mixed).2);
    }

    #[test]
    fn mean_drive_is_w_rate_tau_s() {
        // 10 kHz of 0.01 nA events through 2 ms: mean 0.2 nA; with mu = 1.6 the mean drive is
        // 1.8 nA, above rheobase: close to the noise-free rate, more so as noise shrinks.
        let n = NeuronParams::default();
        let s = super::super::shot_noise::source(&n, 0.01, 10_000.0, 0.01, 2.0);
        let (rate, _, reliable) = predict(&n, Integrator::Euler, 0.01, 1.6, &[s]);
        // Deterministic 1.8 nA: ISI = 10 ln(18/3) = 17.9 ms -> 55.8 Hz.
        let det = 1.0 / (10.0 * 6f64.ln());
        assert!((rate / det - 1.0).abs() < 0.05, "{} Hz", rate * 1000.0);
        assert!(reliable);
    }
}
