//! Analytic predictions beside every simulated value: one file per theory, each citing its
//! source. [`predict`] picks the theory for a job; it is cheap next to the simulation.
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

use crate::input::{MU, Prediction};
use crate::job::Job;

/// The theory columns of a job's row.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Theory {
    pub rate_hz: Option<f64>,
    pub cv: Option<f64>,
    /// Whether the job lies where its theory is known to hold (null without a theory).
    pub reliable: Option<bool>,
}

/// The analytic prediction for `job`: the exact constant theory where every input part is
/// quiet (adds nothing), the part's own theory where exactly one is not, null otherwise.
pub fn predict(job: &Job) -> Theory {
    let mut active = job.model.parts().filter(|p| !(p.quiet)(&job.input));
    let prediction = match (active.next(), active.next()) {
        (None, _) => {
            let (rate_hz, cv) = constant::predict(job, job.input.get(MU).unwrap_or(0.0));
            return Theory {
                rate_hz: Some(rate_hz),
                cv,
                reliable: Some(true),
            };
        }
        (Some(part), None) => part.theory.map(|theory| theory(&job.view())),
        _ => None,
    };
    match prediction {
        Some(Prediction {
            rate_per_ms,
            cv,
            reliable,
        }) => Theory {
            rate_hz: Some(rate_per_ms * 1000.0),
            cv,
            reliable: Some(reliable),
        },
        None => Theory::default(),
    }
}
