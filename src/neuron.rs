//! The leaky integrate-and-fire membrane and its step rule (MODEL.md), for a struct-of-arrays
//! population. This is the one place the physics of the membrane lives: sweeps, traces and tests
//! all step neurons through [`Membrane::step`].

use crate::job::{Job, NeuronParams};

/// How the membrane equation is stepped.
///
/// Both rules have the form `V <- V + a (E_L - V + R I_n)`: forward Euler with `a = dt/tau_m`
/// (MODEL.md's rule, the default), and exponential integration with `a = 1 - exp(-dt/tau_m)`,
/// which is `V_inf + (V - V_inf) exp(-dt/tau_m)`, `V_inf = E_L + R I_n`: exact for an input
/// constant over the step (as NEST integrates its LIF models).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Integrator {
    #[default]
    Euler,
    Exact,
}

impl Integrator {
    pub const ALL: [Integrator; 2] = [Integrator::Euler, Integrator::Exact];

    pub fn name(self) -> &'static str {
        match self {
            Integrator::Euler => "euler",
            Integrator::Exact => "exact",
        }
    }

    pub fn from_name(name: &str) -> Option<Integrator> {
        Integrator::ALL.into_iter().find(|i| i.name() == name)
    }

    /// The step coefficient `a` of `V <- V + a (E_L - V + R I)`.
    pub fn coefficient(self, dt_ms: f64, tau_m_ms: f64) -> f64 {
        match self {
            Integrator::Euler => dt_ms / tau_m_ms,
            Integrator::Exact => -(-dt_ms / tau_m_ms).exp_m1(),
        }
    }
}

/// One step of `tau_m dV/dt = (E_L - V) + R I` with coefficient `a` (see [`Integrator`]).
#[inline(always)]
pub fn euler(v_mv: f64, a: f64, e_l_mv: f64, r_mohm: f64, i_na: f64) -> f64 {
    v_mv + a * (e_l_mv - v_mv + r_mohm * i_na)
}

/// Membrane state and parameters of a population, one lane per neuron.
#[derive(Default)]
pub struct Membrane {
    /// The integrator's step coefficient, e.g. `dt / tau_m` for forward Euler.
    a: Vec<f64>,
    e_l_mv: Vec<f64>,
    r_mohm: Vec<f64>,
    v_th_mv: Vec<f64>,
    v_reset_mv: Vec<f64>,
    /// `round(t_ref / dt)`.
    refractory_steps: Vec<u32>,
    /// Membrane potential (mV) at the start of the next step.
    v_mv: Vec<f64>,
    /// Steps still to hold at reset.
    refractory_left: Vec<u32>,
}

impl Membrane {
    /// Appends `count` neurons with the job's parameters, at rest (`V(0) = E_L`).
    pub fn push(&mut self, job: &Job, count: usize) {
        let p: &NeuronParams = &job.neuron;
        let rep = |x: f64| std::iter::repeat_n(x, count);
        self.a.extend(rep(job
            .sim
            .integrator
            .coefficient(job.sim.dt_ms, p.tau_m_ms)));
        self.e_l_mv.extend(rep(p.e_l_mv));
        self.r_mohm.extend(rep(p.r_mohm));
        self.v_th_mv.extend(rep(p.v_th_mv));
        self.v_reset_mv.extend(rep(p.v_reset_mv));
        self.refractory_steps
            .extend(std::iter::repeat_n(job.refractory_steps(), count));
        self.v_mv.extend(rep(p.e_l_mv));
        self.refractory_left.extend(std::iter::repeat_n(0, count));
    }

    pub fn len(&self) -> usize {
        self.v_mv.len()
    }

    pub fn is_empty(&self) -> bool {
        self.v_mv.is_empty()
    }

    /// Membrane potentials (mV), one per lane.
    pub fn v_mv(&self) -> &[f64] {
        &self.v_mv
    }

    /// One step of MODEL.md's rule with input currents `current_na`; sets `spiked[i]` when lane
    /// `i` crosses threshold in this step (a spike at time `t_{n+1}`).
    ///
    /// A refractory neuron stays at `V_reset` and counts down; otherwise V is updated by the
    /// job's integrator and, if `V >= V_th`, reset and held for `round(t_ref/dt)` steps.
    pub fn step(&mut self, current_na: &[f64], spiked: &mut [bool]) {
        let n = self.len();
        assert!(current_na.len() == n && spiked.len() == n);
        let p = Params {
            a: &self.a,
            e_l_mv: &self.e_l_mv,
            r_mohm: &self.r_mohm,
            v_th_mv: &self.v_th_mv,
            v_reset_mv: &self.v_reset_mv,
            refractory_steps: &self.refractory_steps,
        };
        step_lanes(
            &p,
            &mut self.v_mv,
            &mut self.refractory_left,
            current_na,
            spiked,
        );
    }
}

/// Per-lane parameters of [`step_lanes`].
struct Params<'a> {
    a: &'a [f64],
    e_l_mv: &'a [f64],
    r_mohm: &'a [f64],
    v_th_mv: &'a [f64],
    v_reset_mv: &'a [f64],
    refractory_steps: &'a [u32],
}

crate::dispatch!(
    /// The step rule over all lanes, vectorized for the CPU.
    fn step_lanes = step_lanes_generic(
        p: &Params<'_>,
        v_mv: &mut [f64],
        refractory_left: &mut [u32],
        current_na: &[f64],
        spiked: &mut [bool],
    )
);

/// The step rule, written without branches so that it vectorizes: a held neuron keeps
/// `V = V_reset` and counts down; a free one is updated and reset if it reaches threshold.
#[inline(always)]
fn step_lanes_generic(
    p: &Params<'_>,
    v_mv: &mut [f64],
    refractory_left: &mut [u32],
    current_na: &[f64],
    spiked: &mut [bool],
) {
    let n = v_mv.len();
    let (a, e_l, r, v_th, v_reset, steps) = (
        &p.a[..n],
        &p.e_l_mv[..n],
        &p.r_mohm[..n],
        &p.v_th_mv[..n],
        &p.v_reset_mv[..n],
        &p.refractory_steps[..n],
    );
    let (refr, current, spiked) = (
        &mut refractory_left[..n],
        &current_na[..n],
        &mut spiked[..n],
    );
    for i in 0..n {
        let held = refr[i] > 0;
        let v = euler(v_mv[i], a[i], e_l[i], r[i], current[i]);
        let spike = !held & (v >= v_th[i]);
        v_mv[i] = if spike {
            v_reset[i]
        } else if held {
            v_mv[i]
        } else {
            v
        };
        refr[i] = if spike {
            steps[i]
        } else {
            refr[i] - held as u32
        };
        spiked[i] = spike;
    }
}
