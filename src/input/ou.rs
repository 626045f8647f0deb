//! Ornstein–Uhlenbeck noise: `c_n = eta_n`, updated exactly,
//! `eta_n = eta_{n-1} d + sigma sqrt(1 - d^2) xi_n`, `d = exp(-dt/tau)`, `xi_n ~ N(0, 1)`,
//! with `eta_0 = sigma xi_0` drawn from the stationary distribution N(0, sigma^2).
//!
//! `sigma` is the stationary standard deviation of the current and `tau` its correlation time:
//! the autocovariance is `sigma^2 exp(-|t|/tau)` at every `dt` (the update is the process's
//! exact transition, not a discretized SDE). One normal per neuron and step from the per-lane
//! normal source, as white noise draws them ([`LaneNormals`]; [`ReferenceNormals`] in the
//! reference).

use super::lanes::{Events, PartLanes};
use super::params::{ModelParams, Param};
use super::part::{Allowed, Cost, JobView, ParamDef, Part};
use crate::lanes::LaneVec;
use crate::rng::{LaneNormals, NormalSource, ReferenceNormals};
use crate::theory::diffusion::Source;
use crate::theory::free_membrane::Drive;

const SIGMA_DEF: ParamDef = ParamDef {
    key: "ou_sigma_na",
    code: 401,
    unit: "nA",
    default: None,
    allowed: Allowed::NonNegative,
    doc: "stationary standard deviation of the OU current",
};

const TAU_DEF: ParamDef = ParamDef {
    key: "ou_tau_ms",
    code: 402,
    unit: "ms",
    default: None,
    allowed: Allowed::Positive,
    doc: "correlation time of the OU current",
};

pub const OU_SIGMA: Param = Param::of(&SIGMA_DEF);
pub const OU_TAU: Param = Param::of(&TAU_DEF);

pub const PART: Part = Part {
    name: "ou",
    code: 400,
    formula: "eta_n = eta_{n-1} exp(-dt_ms/ou_tau_ms) + ou_sigma_na sqrt(1 - exp(-2 dt_ms/ou_tau_ms)) xi_n, \
              eta_0 ~ N(0, ou_sigma_na^2)",
    params: &[SIGMA_DEF, TAU_DEF],
    mu_optional: false,
    lanes: || Box::<OuLanes<LaneNormals>>::default(),
    reference: || Box::<OuLanes<ReferenceNormals>>::default(),
    cost: Cost {
        ns_per_neuron_step: 1.3,
        ns_per_neuron: 17.0,
        seconds_per_job: 0.05e-6,
        ..Cost::NONE
    },
    quiet: |p| p.value(OU_SIGMA) == 0.0,
    diffusion: Some(diffusion),
    theory: None,
    // eta is AR(1): stationary variance sigma^2, autocovariance falling by exp(-dt/tau) a step.
    membrane: Some(|job| Drive::Stationary {
        mean_na: 0.0,
        var_na2: job.params.value(OU_SIGMA).powi(2),
        corr: (-job.dt_ms / job.params.value(OU_TAU)).exp(),
    }),
    check: None,
    rules: "",
};

/// OU noise of intensity `2 sigma^2 tau` and correlation time `tau`. Trusted (within 5%,
/// docs/validation.md) where `tau` is short against the membrane (`tau <= tau_m / 5`: the
/// Fourcaud–Brunel correction is first order in `sqrt(tau/tau_m)`; at `tau = tau_m/2` the
/// prediction is 11-16% low), long against the step (`tau >= 10 dt`, else the discrete threshold
/// matters as for white noise), and the rate is at least 1 Hz.
fn diffusion(job: &JobView<'_>) -> Source {
    let (sigma, tau) = (job.params.value(OU_SIGMA), job.params.value(OU_TAU));
    Source {
        mean_na: 0.0,
        intensity: 2.0 * sigma * sigma * tau,
        tau_ms: tau,
        reliable: tau <= job.neuron.tau_m_ms / 5.0 && tau >= 10.0 * job.dt_ms,
        min_rate_hz: 1.0,
    }
}

/// A job's OU constants: the decay per step and the scale of a step's innovation.
struct Ou {
    decay: f64,
    /// `sigma sqrt(1 - decay^2)`.
    kick_na: f64,
    sigma_na: f64,
}

impl Ou {
    fn of(p: &ModelParams, dt_ms: f64) -> Ou {
        let (sigma, tau) = (p.value(OU_SIGMA), p.value(OU_TAU));
        let decay = (-dt_ms / tau).exp();
        // 1 - d^2 = -expm1(-2 dt/tau), accurate when dt << tau.
        let kick_na = sigma * (-(-2.0 * dt_ms / tau).exp_m1()).sqrt();
        Ou {
            decay,
            kick_na,
            sigma_na: sigma,
        }
    }
}

/// The OU part's lanes on normal source `N`.
#[derive(Default)]
pub struct OuLanes<N> {
    decay: LaneVec<f64>,
    kick_na: LaneVec<f64>,
    /// The stationary standard deviation: the scale of the first step's draw.
    sigma_na: LaneVec<f64>,
    eta_na: LaneVec<f64>,
    normals: N,
}

impl<N: NormalSource> PartLanes for OuLanes<N> {
    fn push(&mut self, job: &JobView<'_>, seed: u64, first_neuron: u64, count: usize) {
        let ou = Ou::of(job.params, job.dt_ms);
        let rep = |x: f64| std::iter::repeat_n(x, count);
        self.decay.extend(rep(ou.decay));
        self.kick_na.extend(rep(ou.kick_na));
        self.sigma_na.extend(rep(ou.sigma_na));
        self.eta_na.extend(rep(0.0));
        self.normals.push(seed, first_neuron, count);
    }

    fn add(&mut self, step: u64, base: &[f64], current: &mut [f64], _events: Events<'_>) {
        let n = current.len();
        let eta = &mut self.eta_na[..n];
        // eta <- eta decay + kick xi and the current base + eta, in the normal source's one
        // pass; at step 0 eta is 0, so eta_0 = sigma xi_0: the stationary distribution.
        let scale = if step == 0 {
            &self.sigma_na[..n]
        } else {
            &self.kick_na[..n]
        };
        self.normals
            .decay_add_scaled(&self.decay[..n], scale, eta, &base[..n], current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::MU;
    use crate::neuron::{Integrator, NeuronParams};

    /// The current's stationary moments: mean 0, variance sigma^2, lag-k autocorrelation
    /// d^k, from 400 lanes x 4000 steps at dt/tau = 0.05 (fixed seed). Tolerances: 5 standard
    /// errors of each estimate, with the effective number of independent samples
    /// N (1 - d) / (1 + d) per lane for a correlated series.
    #[test]
    fn the_current_is_stationary_with_the_ou_autocovariance() {
        let mut p = ModelParams::default();
        p.set(MU, Some(0.0));
        p.set(OU_SIGMA, Some(0.7));
        p.set(OU_TAU, Some(2.0));
        let job = JobView {
            params: &p,
            neuron: &NeuronParams::default(),
            dt_ms: 0.1,
            integrator: Integrator::Euler,
        };
        let (lanes, steps) = (400usize, 4000u64);
        let mut ou = OuLanes::<LaneNormals>::default();
        ou.push(&job, 99, 0, lanes);
        let base = vec![0.0; lanes];
        let mut cur = vec![0.0; lanes];
        let mut prev = vec![0.0; lanes];
        let (mut s1, mut s2, mut lag1, mut first2) = (0.0, 0.0, 0.0, 0.0);
        for step in 0..steps {
            let none = Events {
                counts: &mut [],
                add: false,
            };
            ou.add(step, &base, &mut cur, none);
            if step == 0 {
                first2 = cur.iter().map(|x| x * x).sum::<f64>() / lanes as f64;
            } else {
                lag1 += cur.iter().zip(&prev).map(|(a, b)| a * b).sum::<f64>();
            }
            s1 += cur.iter().sum::<f64>();
            s2 += cur.iter().map(|x| x * x).sum::<f64>();
            prev.copy_from_slice(&cur);
        }
        let n = (lanes as u64 * steps) as f64;
        let (sigma, d) = (0.7f64, (-0.05f64).exp());
        let n_eff = n * (1.0 - d) / (1.0 + d);
        let mean = s1 / n;
        let var = s2 / n - mean * mean;
        let rho = lag1 / (n - lanes as f64) / var;
        assert!(mean.abs() < 5.0 * sigma / n_eff.sqrt(), "mean {mean}");
        assert!(
            (var / (sigma * sigma) - 1.0).abs() < 5.0 * (2.0 / n_eff).sqrt(),
            "variance {var}"
        );
        assert!(
            (rho - d).abs() < 5.0 * (1.0 - d * d) / n_eff.sqrt() + 1e-3,
            "lag 1 {rho}"
        );
        // The first step is already stationary: its variance over 400 lanes is sigma^2 within
        // 5 standard errors (sqrt(2/400) relative).
        assert!((first2 / (sigma * sigma) - 1.0).abs() < 5.0 * (2.0 / 400.0f64).sqrt());
    }
}
