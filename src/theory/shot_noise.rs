//! Poisson input through an exponential synapse, as a source of the diffusion approximation
//! ([`super::diffusion`]).
//!
//! Each presynaptic event adds `w` to a current that decays by `d = exp(-dt/tau_s)` per step, so
//! it delivers the charge `q = w dt / (1 - d)` (-> `w tau_s` for `dt << tau_s`). At presynaptic
//! rate `nu` the current's mean is `nu q` and its intensity `q^2 nu` (Campbell's theorem; e.g.
//! Tuckwell 1988, Introduction to theoretical neurobiology, vol. 2); its correlation time is
//! `tau_s` (`tau_s = 0`: one-step pulses, white at the step scale).
//!
//! Where it holds: many small events per membrane time and short synapses. A source is reliable
//! when `tau_s <= 2 ms`, there are >= 10 events per membrane time constant (`nu tau_m >= 10`)
//! and one event moves V by at most a tenth of `V_th - V_reset` (`R |q| / tau_m <=
//! (V_th - V_reset)/10`), and the predicted rate is >= 30 Hz; there it agrees with simulation to
//! about 5%. It is poor for `tau_s = 5 ms` in the fluctuation-driven regime.

use super::diffusion::Source;
use crate::neuron::NeuronParams;

/// The diffusion source of a Poisson synapse of rate `rate_hz`, weight `w` (nA) and decay time
/// `tau_s` (ms), stepped at `dt`.
pub fn source(n: &NeuronParams, dt: f64, rate_hz: f64, w: f64, tau_s: f64) -> Source {
    let nu = rate_hz / 1000.0;
    let decay = (-dt / tau_s).exp();
    let q = w * dt / (1.0 - decay);
    let jump = n.r_mohm * q.abs() / n.tau_m_ms;
    Source {
        mean_na: nu * q,
        intensity: q * q * nu,
        tau_ms: tau_s,
        reliable: tau_s <= 2.0
            && nu * n.tau_m_ms >= 10.0
            && jump <= (n.v_th_mv - n.v_reset_mv) / 10.0,
        min_rate_hz: 30.0,
    }
}
