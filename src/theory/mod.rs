//! Analytic predictions beside every simulated value: one file per theory, each citing its
//! source. [`predict`] picks the theory for a job; it is cheap next to the simulation.
//!
//! - constant input (and noise with `sigma = 0`, Poisson input without events): the exact spike
//!   count of the discrete map ([`constant`]), for either integrator;
//! - white noise: the Siegert / Ricciardi rate and Brunel's CV with the discrete-threshold
//!   correction ([`white_noise`]);
//! - Poisson input: the diffusion approximation with the Fourcaud–Brunel correction
//!   ([`shot_noise`]);
//! - sine input: none (null).

pub mod constant;
pub mod shot_noise;
pub mod special;
pub mod white_noise;

use crate::input::{Model, ModelParam};
use crate::job::Job;

/// The theory columns of a job's row.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Theory {
    pub rate_hz: Option<f64>,
    pub cv: Option<f64>,
    /// Whether the job lies where its theory is known to hold (null without a theory).
    pub reliable: Option<bool>,
}

/// The analytic prediction for `job`.
pub fn predict(job: &Job) -> Theory {
    if let Some(mu) = constant::deterministic_drive(job) {
        let (rate_hz, cv) = constant::predict(job, mu);
        return Theory {
            rate_hz: Some(rate_hz),
            cv,
            reliable: Some(true),
        };
    }
    let n = &job.neuron;
    let t_ref = job.refractory_steps() as f64 * job.sim.dt_ms;
    let (rate, cv, reliable) = match job.model {
        Model::Noise => {
            let (mu, sigma) = (
                job.input.value(ModelParam::Mu),
                job.input.value(ModelParam::Sigma),
            );
            let dt = job.sim.dt_ms;
            let mu_v = n.e_l_mv + n.r_mohm * mu;
            let sigma_v = n.r_mohm * sigma * (1.0 / n.tau_m_ms).sqrt();
            let a = job.sim.integrator.coefficient(dt, n.tau_m_ms);
            let step_sd = a * n.r_mohm * sigma * (1.0 / dt).sqrt();
            let v_th = n.v_th_mv + white_noise::BETA * step_sd;
            let (rate, cv) =
                white_noise::siegert(mu_v, sigma_v, v_th, n.v_reset_mv, n.tau_m_ms, t_ref);
            // Within about 1% where the step is small against the membrane time constant.
            (rate, cv, dt <= n.tau_m_ms / 100.0)
        }
        Model::Poisson => shot_noise::predict(job),
        Model::Sine | Model::Constant => return Theory::default(),
    };
    Theory {
        rate_hz: Some(rate * 1000.0),
        cv,
        reliable: Some(reliable),
    }
}
