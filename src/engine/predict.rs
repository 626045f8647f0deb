//! Which theory a job gets, from its input parts (docs/validation.md).

use crate::grid::Grid;
use crate::input::{AMP, Clock, MU, PerPart, Prediction};
use crate::job::Job;
use crate::spec::Key;
use crate::theory::{
    Locking, Theory, constant, diffusion, free_membrane, linear_response, siegert_tables,
};

/// Starts, in the background, what the theory of `grid`'s jobs will need and is costly to
/// build: the white-noise tables, where a block has a part with a diffusion approximation and
/// its theory on (or swept).
pub fn prepare(grid: &Grid) {
    let diffusion = grid.blocks().iter().any(|b| {
        (b.template.sim.theory || b.axes.iter().any(|a| a.key == Key::Theory))
            && b.model.parts().any(|p| p.diffusion.is_some())
    });
    if diffusion {
        siegert_tables::build_in_background();
    }
}

/// The analytic prediction for `job`: the exact constant theory where every input part is
/// quiet (adds nothing); the diffusion approximation where every part that is not quiet is a
/// fluctuating input; a sine on white noise by its linear response; the part's own theory
/// where exactly one is not quiet and has one; null otherwise. With `v_stats`, the free
/// membrane's V statistics beside them. With `theory = false`, nothing.
pub fn predict(job: &Job) -> Theory {
    if !job.sim.theory {
        return Theory::default();
    }
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

/// Where the linear response is flagged reliable (docs/validation.md: within 3% and 2 degrees
/// of the simulation there): a sine of at most this `R |amp| / sigma_V` ...
const LINEAR_MAX_AMP: f64 = 0.65;
/// ... of at least this many steps per period ...
const LINEAR_MIN_STEPS_PER_PERIOD: f64 = 50.0;
/// ... at a stationary rate of at least this (Hz).
const LINEAR_MIN_RATE_HZ: f64 = 4.0;

/// A sine on white noise (every other part that is not quiet white at the step scale, at least
/// one of them fluctuating): the noise's stationary rate and CV, and the rate's first harmonic
/// from the linear response ([`linear_response`]), with the white-noise threshold correction.
fn sine_on_white_noise(job: &Job) -> Option<Theory> {
    let clock = Clock::of(job.model, &job.input, job.sim.dt_ms)?;
    let view = job.view();
    let amp = job.input.value(AMP);
    let others: Option<PerPart<_>> = job
        .model
        .parts()
        // Every part but the sine (the one with the amplitude).
        .filter(|p| !p.params.iter().any(|d| d.code == AMP.def().code))
        .filter(|p| !(p.quiet)(&job.input))
        .map(|p| p.diffusion.map(|d| d(&view)))
        .collect();
    let sources = others?;
    let white = sources.iter().all(|s| s.tau_ms == 0.0);
    let fluctuating = sources.iter().any(|s| s.intensity > 0.0);
    if amp == 0.0 || !white || !fluctuating {
        return None;
    }
    let n = &job.neuron;
    let (dt, mu) = (job.sim.dt_ms, job.input.get(MU).unwrap_or(0.0));
    let e = diffusion::effective(n, job.sim.integrator, dt, mu, &sources);
    let (rate, cv, reliable) = diffusion::predict_effective(n, dt, &e, &sources);
    let neuron = linear_response::Neuron {
        mu_v: e.mu_v,
        sigma_v: e.sigma_v,
        v_th: e.v_th,
        v_reset: e.v_reset,
        tau_m_ms: n.tau_m_ms,
        t_ref_ms: n.refractory_ms(dt),
    };
    let omega = 2.0 * std::f64::consts::PI / clock.period_ms;
    let (_, (re, im)) = linear_response::response(&neuron, omega);
    let mu_1 = n.r_mohm * amp;
    // The rate's harmonic leads the sine by arg(chi mu_1), less a step: half for the input held
    // over each step from its start, half for a spike counted at the end of its step.
    let lead = (im * mu_1).atan2(re * mu_1) - omega * dt;
    let shown = n.r_mohm * amp.abs() <= LINEAR_MAX_AMP * e.sigma_v
        && clock.period_ms >= LINEAR_MIN_STEPS_PER_PERIOD * dt
        && rate * 1000.0 >= LINEAR_MIN_RATE_HZ;
    Some(Theory {
        rate_hz: Some(rate * 1000.0),
        cv,
        reliable: Some(reliable && shown),
        v: None,
        locking: Some(Locking {
            rate_modulation_hz: re.hypot(im) * mu_1.abs() * 1000.0,
            spike_phase_deg: (90.0 - lead.to_degrees()).rem_euclid(360.0),
        }),
    })
}

/// The rate and CV columns.
fn predict_rate(job: &Job) -> Theory {
    if let Some(t) = sine_on_white_noise(job) {
        return t;
    }
    let mut active = job.model.parts().filter(|p| !(p.quiet)(&job.input));
    let view = job.view();
    let sources: Option<PerPart<_>> = active
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
            locking: None,
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
                locking: None,
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
            locking: None,
        },
        None => Theory::default(),
    }
}
