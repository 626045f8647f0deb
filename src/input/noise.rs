//! Gaussian white-noise input: `c_n = sigma * sqrt(1 ms / dt) * xi_n`, `xi_n ~ N(0, 1)`.
//!
//! `sigma` is the amplitude at 1 ms resolution (docs/MODEL.md); the `sqrt(1 ms / dt)` factor
//! makes the membrane noise independent of `dt`. Each neuron draws its `xi_n` from its own
//! stream, one per step, from the per-lane normal source ([`LaneNormals`]; its scalar twin
//! [`ReferenceNormals`] is the reference).

use super::lanes::{Events, PartLanes};
use super::params::Param;
use super::part::{Allowed, Cost, JobView, ParamDef, Part};
use crate::lanes::LaneVec;
use crate::rng::{LaneNormals, NormalSource, ReferenceNormals};
use crate::theory::diffusion::Source;
use crate::theory::free_membrane::Drive;

const SIGMA_DEF: ParamDef = ParamDef {
    key: "sigma_na",
    code: 201,
    unit: "nA",
    default: None,
    allowed: Allowed::NonNegative,
    doc: "noise amplitude at 1 ms resolution",
};

pub const SIGMA: Param = Param::of(&SIGMA_DEF);

pub const PART: Part = Part {
    name: "noise",
    code: 200,
    formula: "sigma_na * sqrt(1 ms / dt_ms) * xi_n, xi_n ~ N(0, 1) per neuron and step",
    params: &[SIGMA_DEF],
    mu_optional: false,
    lanes: || Box::<NoiseLanes<LaneNormals>>::default(),
    reference: || Box::<NoiseLanes<ReferenceNormals>>::default(),
    cost: Cost {
        ns_per_neuron_step: 0.98,
        ns_per_neuron: 15.0,
        // 15.74e-6 while the white-noise theory was adaptive quadrature (16 us a job).
        seconds_per_job: 0.22e-6,
        ..Cost::NONE
    },
    quiet: |p| p.value(SIGMA) == 0.0,
    diffusion: Some(diffusion),
    theory: None,
    membrane: Some(|job| Drive::Stationary {
        mean_na: 0.0,
        var_na2: step_sd(job.params.value(SIGMA), job.dt_ms).powi(2),
        corr: 0.0,
    }),
    check: None,
    rules: "",
};

/// The current's standard deviation per step, `sigma * sqrt(1 ms / dt)` (nA).
pub fn step_sd(sigma_na: f64, dt_ms: f64) -> f64 {
    sigma_na * (1.0 / dt_ms).sqrt()
}

/// White noise of intensity `sigma^2 x 1 ms`, white at the step scale; the approximation is
/// trusted (within about 1%) where the step is small against the membrane time constant.
fn diffusion(job: &JobView<'_>) -> Source {
    let sigma = job.params.value(SIGMA);
    Source {
        mean_na: 0.0,
        intensity: sigma * sigma,
        tau_ms: 0.0,
        reliable: job.dt_ms <= job.neuron.tau_m_ms / 100.0,
        min_rate_hz: 0.0,
    }
}

/// The noise part's lanes on normal source `N`.
#[derive(Default)]
pub struct NoiseLanes<N> {
    /// `sigma * sqrt(1 ms / dt)`, nA.
    scale_na: LaneVec<f64>,
    normals: N,
}

impl<N: NormalSource> PartLanes for NoiseLanes<N> {
    fn push(&mut self, job: &JobView<'_>, seed: u64, first_neuron: u64, count: usize) {
        let scale = step_sd(job.params.value(SIGMA), job.dt_ms);
        self.scale_na.extend(std::iter::repeat_n(scale, count));
        self.normals.push(seed, first_neuron, count);
    }

    fn add(&mut self, _step: u64, base: &[f64], current: &mut [f64], _events: Events<'_>) {
        self.normals.add_scaled(base, &self.scale_na, current);
    }
}
