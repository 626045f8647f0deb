//! Analytic predictions beside every simulated value: one file per theory, each citing its
//! source. `engine::predict` picks the theory for a job; it is cheap next to the simulation.
//!
//! - a job whose input parts are all quiet (constant input, noise with `sigma = 0`, Poisson input
//!   without events): the exact spike count of the discrete map ([`constant`]), either integrator;
//! - a job whose parts that are not quiet are all fluctuating inputs (white noise, Poisson
//!   synapses, OU noise, any sum of them): the diffusion approximation ([`diffusion`]: the
//!   Siegert / Ricciardi rate and Brunel's CV of [`white_noise`], with the discrete-threshold or
//!   the Fourcaud–Brunel correction), each part describing itself (`Part::diffusion`; Poisson
//!   synapses by [`shot_noise`]);
//! - a sine on white noise: the noise's stationary rate and CV, and the rate's first harmonic
//!   by the linear response ([`linear_response`], Richardson's threshold integration);
//! - otherwise a job with one part that is not quiet and has a theory of its own
//!   (`Part::theory`); sine input alone has no rate theory (null);
//! - with `v_stats`, any job whose parts all describe their current: the free membrane's
//!   statistics of V ([`free_membrane`]).
//!
//! The theory files take numbers, not jobs: the parts' hooks map their parameters onto them.

pub mod chebyshev;
pub mod constant;
pub mod diffusion;
pub mod free_membrane;
pub mod linear_response;
pub mod shot_noise;
pub mod siegert_tables;
pub mod special;
pub mod white_noise;

/// The theory columns of a job's row.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Theory {
    pub rate_hz: Option<f64>,
    pub cv: Option<f64>,
    /// Whether the job lies where its theory is known to hold (null without a theory).
    pub reliable: Option<bool>,
    /// The free membrane's statistics of V (null where a part has no free-membrane
    /// description).
    pub v: Option<free_membrane::Prediction>,
    /// The rate's first harmonic for a sine on white noise (linear response).
    pub locking: Option<Locking>,
}

/// The predicted first harmonic of the rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Locking {
    /// Its amplitude (Hz), the prediction of `rate_modulation_hz`.
    pub rate_modulation_hz: f64,
    /// The sine's phase at the rate's peak, in [0, 360): the prediction of `spike_phase_deg`.
    pub spike_phase_deg: f64,
}
