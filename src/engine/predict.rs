//! Which theory a job gets, from its input parts (docs/validation.md).

use crate::input::{MU, Prediction};
use crate::job::Job;
use crate::theory::{Theory, constant, diffusion, free_membrane};

/// The analytic prediction for `job`: the exact constant theory where every input part is
/// quiet (adds nothing); the diffusion approximation where every part that is not quiet is a
/// fluctuating input; the part's own theory where exactly one is not quiet and has one; null
/// otherwise.
pub fn predict(job: &Job) -> Theory {
    Theory {
        v: free_v(job),
        ..predict_rate(job)
    }
}

/// The free membrane's V statistics, for a job that takes the V statistics (`v_stats`: the
/// theory beside them, not a cost every row pays) and whose every part describes its current.
fn free_v(job: &Job) -> Option<free_membrane::Prediction> {
    if !job.sim.v_stats {
        return None;
    }
    let view = job.view();
    let drives: Option<Vec<_>> = job
        .model
        .parts()
        .map(|p| p.membrane.map(|m| m(&view)))
        .collect();
    let n = &job.neuron;
    let membrane = free_membrane::Membrane {
        a: job.sim.integrator.coefficient(job.sim.dt_ms, n.tau_m_ms),
        e_l_mv: n.e_l_mv,
        r_mohm: n.r_mohm,
        v_th_mv: n.v_th_mv,
    };
    Some(free_membrane::predict(
        &membrane,
        job.input.get(MU).unwrap_or(0.0),
        &drives?,
    ))
}

/// The rate and CV columns.
fn predict_rate(job: &Job) -> Theory {
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
            v: None,
        };
    }
    let prediction = match (active.next(), active.next()) {
        (None, _) => {
            let (rate_hz, cv) = constant::predict(job, job.input.get(MU).unwrap_or(0.0));
            return Theory {
                rate_hz: Some(rate_hz),
                cv,
                reliable: Some(true),
                v: None,
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
            v: None,
        },
        None => Theory::default(),
    }
}
