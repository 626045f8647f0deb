//! Analytic predictions beside every simulated value: one file per theory, each citing its
//! source. `engine::predict` picks the theory for a job; it is cheap next to the simulation.
//!
//! - a job whose input parts are all quiet (constant input, noise with `sigma = 0`, Poisson input
//!   without events): the exact spike count of the discrete map ([`constant`]), either integrator;
//! - a job with one part that is not quiet: that part's theory hook (`Part::theory`), e.g. white
//!   noise: the Siegert / Ricciardi rate and Brunel's CV with the discrete-threshold correction
//!   ([`white_noise`]); Poisson input: the diffusion approximation with the Fourcaud–Brunel
//!   correction ([`shot_noise`]); sine input: none (null);
//! - several parts that are not quiet: none yet (null).
//!
//! The theory files take numbers, not jobs: the parts' hooks map their parameters onto them.

pub mod constant;
pub mod shot_noise;
pub mod special;
pub mod white_noise;

/// The theory columns of a job's row.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Theory {
    pub rate_hz: Option<f64>,
    pub cv: Option<f64>,
    /// Whether the job lies where its theory is known to hold (null without a theory).
    pub reliable: Option<bool>,
}
