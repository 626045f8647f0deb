//! Sinusoidal input: `c_n = amp * sin(2*pi*t_n/period + phase)`, `t_n = n*dt`, counted from
//! the start of the simulation (warm-up included).
//!
//! The phase is reduced exactly to one period before the sine is taken (`u = frac(t_n/period)`,
//! then `sin(2 pi u)` by [`crate::fastmath::sin_cos_2pi`], vectorized), so it stays accurate
//! however long the run.
//!
//! Every neuron of a job receives the same current, so where a batch holds a few jobs' neurons
//! (runs of lanes with the same parameters) the sine is computed once per run; where it holds
//! many one-neuron jobs, once per lane in a vector loop. Same arithmetic, same bits.

use super::lanes::{Events, PartLanes};
use super::params::{ModelParams, Param};
use super::part::{Allowed, Cost, JobView, ParamDef, Part};
use crate::fastmath::sin_cos_2pi;
use crate::lanes::LaneVec;
use crate::theory::free_membrane::Drive;

const AMP_DEF: ParamDef = ParamDef {
    key: "amp_na",
    code: 101,
    unit: "nA",
    default: None,
    allowed: Allowed::Finite,
    doc: "amplitude of the sine",
};

const PERIOD_DEF: ParamDef = ParamDef {
    key: "period_ms",
    code: 102,
    unit: "ms",
    default: None,
    allowed: Allowed::Positive,
    doc: "period of the sine",
};

const PHASE_DEF: ParamDef = ParamDef {
    key: "phase_deg",
    code: 103,
    unit: "deg",
    default: Some(0.0),
    allowed: Allowed::Finite,
    doc: "phase of the sine at t = 0",
};

pub const AMP: Param = Param::of(&AMP_DEF);
pub const PERIOD: Param = Param::of(&PERIOD_DEF);
pub const PHASE: Param = Param::of(&PHASE_DEF);

pub const PART: Part = Part {
    name: "sine",
    code: 100,
    formula: "amp_na * sin(2*pi*t/period_ms + phase_deg*pi/180), t = n*dt_ms from the start (warm-up included)",
    params: &[AMP_DEF, PERIOD_DEF, PHASE_DEF],
    mu_optional: false,
    lanes: || Box::<SineLanes>::default(),
    reference: || Box::<SineLanes>::default(),
    cost: Cost {
        ns_per_neuron_step: 0.23,
        ns_per_job_step: 1.3,
        ns_per_neuron: 1.0,
        seconds_per_job: 0.02e-6,
        ..Cost::NONE
    },
    // A sine of amplitude 0 adds exactly nothing (0 x sin = 0): the theory of the other parts
    // applies as it is.
    quiet: |p| p.value(AMP) == 0.0,
    diffusion: None,
    theory: None,
    membrane: Some(|job| Drive::Sine {
        amp_na: job.params.value(AMP),
        omega_dt: 2.0 * std::f64::consts::PI * job.dt_ms / job.params.value(PERIOD),
    }),
    check: None,
    rules: "",
};

#[derive(Default)]
pub struct SineLanes {
    amp_na: LaneVec<f64>,
    period_ms: LaneVec<f64>,
    dt_ms: LaneVec<f64>,
    phase: LaneVec<f64>,
    /// Consecutive lanes with the same parameters: (first lane, lanes, parameters).
    runs: Vec<(usize, usize, Sine)>,
}

/// One lane's parameters.
#[derive(Clone, Copy, PartialEq)]
struct Sine {
    amp_na: f64,
    period_ms: f64,
    dt_ms: f64,
    /// The phase in periods, `phase_deg / 360`.
    phase: f64,
}

/// The sine's argument at step `n`, in periods: `t_n / period + phase`, `t_n = n dt` (the one
/// formula of the sine's time, for its current and for the phases of spikes).
#[inline(always)]
pub fn cycles(n: f64, dt_ms: f64, period_ms: f64, phase: f64) -> f64 {
    // t_n = n*dt is computed, never accumulated, so the phase does not drift. (A phase of 0 adds
    // exactly nothing.)
    n * dt_ms / period_ms + phase
}

/// The clock of a job's sine: what `cycles` needs besides the step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clock {
    pub dt_ms: f64,
    pub period_ms: f64,
    /// The phase at `t = 0` in periods (`phase_deg / 360`).
    pub phase: f64,
}

impl Clock {
    /// The clock of a job with a sine part (`None` without one).
    pub fn of(model: super::Model, p: &ModelParams, dt_ms: f64) -> Option<Clock> {
        model.has(AMP).then(|| Clock {
            dt_ms,
            period_ms: p.value(PERIOD),
            phase: p.value(PHASE) / 360.0,
        })
    }

    /// The sine's argument at step `n`, in periods.
    #[inline]
    pub fn cycles(&self, n: f64) -> f64 {
        cycles(n, self.dt_ms, self.period_ms, self.phase)
    }

    /// The sine's phase at step `n` in [0, 1) periods: the fraction of [`Clock::cycles`].
    #[inline(always)]
    pub fn fraction(&self, n: f64) -> f64 {
        let u = self.cycles(n);
        u - u.floor()
    }

    /// `(sin theta_n, cos theta_n)` of the sine's argument at step `n`.
    #[inline(always)]
    pub fn sin_cos(&self, n: f64) -> (f64, f64) {
        sin_cos_2pi(self.fraction(n))
    }
}

impl Sine {
    fn of(p: &ModelParams, dt_ms: f64) -> Sine {
        Sine {
            amp_na: p.value(AMP),
            period_ms: p.value(PERIOD),
            dt_ms,
            phase: p.value(PHASE) / 360.0,
        }
    }

    /// The current of step `n`.
    #[inline(always)]
    fn current(&self, n: f64) -> f64 {
        let cycles = cycles(n, self.dt_ms, self.period_ms, self.phase);
        let (s, _) = sin_cos_2pi(cycles - cycles.floor());
        self.amp_na * s
    }
}

impl PartLanes for SineLanes {
    fn push(&mut self, job: &JobView<'_>, _seed: u64, _first_neuron: u64, count: usize) {
        let sine = Sine::of(job.params, job.dt_ms);
        match self.runs.last_mut() {
            Some((_, lanes, last)) if *last == sine => *lanes += count,
            _ => self.runs.push((self.amp_na.len(), count, sine)),
        }
        self.amp_na.extend(std::iter::repeat_n(sine.amp_na, count));
        self.period_ms
            .extend(std::iter::repeat_n(sine.period_ms, count));
        self.dt_ms.extend(std::iter::repeat_n(sine.dt_ms, count));
        self.phase.extend(std::iter::repeat_n(sine.phase, count));
    }

    fn add(&mut self, step: u64, base: &[f64], current: &mut [f64], _events: Events<'_>) {
        let n = step as f64;
        let len = current.len();
        // Once per run when runs are long (a sine is worth about eight lanes of adding).
        if self.runs.len() * 8 <= len {
            for &(first, lanes, sine) in &self.runs {
                let end = (first + lanes).min(len);
                let c = sine.current(n);
                let start = first.min(end);
                for (out, &b) in current[start..end].iter_mut().zip(&base[start..end]) {
                    *out = b + c;
                }
            }
        } else {
            sine_currents(self, n, base, current);
        }
    }
}

crate::dispatch!(
    /// `base` plus the sine of step `n` for every lane, vectorized for the CPU.
    fn sine_currents = sine_currents_generic(
        lanes: &SineLanes,
        n: f64,
        base: &[f64],
        current: &mut [f64],
    )
);

#[inline(always)]
fn sine_currents_generic(lanes: &SineLanes, n: f64, base: &[f64], current: &mut [f64]) {
    let len = current.len();
    let (amp, period, dt, phase, base) = (
        &lanes.amp_na[..len],
        &lanes.period_ms[..len],
        &lanes.dt_ms[..len],
        &lanes.phase[..len],
        &base[..len],
    );
    for i in 0..len {
        let sine = Sine {
            amp_na: amp[i],
            period_ms: period[i],
            dt_ms: dt[i],
            phase: phase[i],
        };
        current[i] = base[i] + sine.current(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The phase shifts the sine: 90 degrees starts it at its peak, 180 at zero going down; a
    /// phase of 0 adds exactly nothing to the cycle count.
    #[test]
    fn the_phase_shifts_the_sine() {
        let at = |phase_deg: f64, n: f64| {
            Sine {
                amp_na: 2.0,
                period_ms: 20.0,
                dt_ms: 0.1,
                phase: phase_deg / 360.0,
            }
            .current(n)
        };
        assert!((at(90.0, 0.0) - 2.0).abs() < 1e-12);
        assert!(at(180.0, 0.0).abs() < 1e-12 && at(180.0, 1.0) < 0.0);
        assert!((at(90.0, 150.0) - at(0.0, 200.0)).abs() < 1e-12); // a quarter period later
        for n in [0.0, 1.0, 77.0, 1e9] {
            let no_phase = Sine {
                amp_na: 2.0,
                period_ms: 20.0,
                dt_ms: 0.1,
                phase: 0.0,
            };
            assert_eq!(at(0.0, n).to_bits(), no_phase.current(n).to_bits());
        }
    }
    use crate::input::{MU, Model};
    use crate::neuron::{Integrator, NeuronParams};

    #[test]
    fn runs_of_lanes_get_the_bits_each_lane_would() {
        let mut lanes = SineLanes::default();
        let mut base = Vec::new();
        for (k, count) in [40usize, 3, 100, 1].into_iter().enumerate() {
            let mut params = ModelParams::default();
            params.set(MU, Some(1.0 + 0.1 * k as f64));
            params.set(AMP, Some(0.7));
            params.set(PERIOD, Some(13.0 + k as f64));
            params.set(PHASE, Some(if k == 2 { 90.0 } else { 0.0 }));
            let job = JobView {
                params: &params,
                neuron: &NeuronParams::default(),
                dt_ms: 0.1,
                integrator: Integrator::Euler,
            };
            assert!(Model::SINE.params().all(|(p, _)| params.get(p).is_some()));
            lanes.push(&job, 0, 0, count);
            base.extend(std::iter::repeat_n(1.0 + 0.1 * k as f64, count));
        }
        assert_eq!(lanes.runs.len(), 4);
        let n = lanes.amp_na.len();
        let (mut runs, mut each) = (vec![0.0; n], vec![0.0; n]);
        for step in [0, 1, 7, 12_345, 1 << 40] {
            let none = Events {
                counts: &mut [],
                add: false,
            };
            lanes.add(step, &base, &mut runs, none);
            sine_currents(&lanes, step as f64, &base, &mut each);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&runs), bits(&each), "step {step}");
        }
    }
}
