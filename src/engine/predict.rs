//! Which theory a job gets, from its input parts (docs/validation.md).

use crate::input::{MU, Prediction};
use crate::job::Job;
use crate::theory::{Theory, constant, diffusion};

/// The analytic prediction for `job`: the exact constant theory where every input part is
/// quiet (adds nothing); the diffusion approximation where every part that is not quiet is a
/// fluctuating input; the part's own theory where exactly one is not quiet and has one; null
/// otherwise.
pub fn predict(job: &Job) -> Theory {
    let mut active = job.model.parts().filter(|p| !(p.quiet)(&job.input));
    let view = job.view();
    let sources: Option<Vec<_>> = active
        .clone()
        .map(|p| p.diffusion.map(|d| d(&view)))
        .collect();
    if let Some(sources) = sources.filter(|s| !s.is_empty()) {
        let (rate_per_ms, cv, reliable) = diffusion::predict(
            &job.neuron,
            job.sim.integrator,
            job.sim.dt_ms,
            job.input.value(MU),
            &sources,
        );
        return Theory {
            rate_hz: Some(rate_per_ms * 1000.0),
            cv,
            reliable: Some(reliable),
        };
    }
    let prediction = match (active.next(), active.next()) {
        (None, _) => {
            let (rate_hz, cv) = constant::predict(job, job.input.get(MU).unwrap_or(0.0));
            return Theory {
                rate_hz: Some(rate_hz),
                cv,
                reliable: Some(true),
            };
        }
        (Some(part), None) => part.theory.map(|theory| theory(&view)),
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
