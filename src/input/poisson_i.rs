//! A second, independent Poisson source with its own exponential synapse, usually inhibitory:
//! `c_n = I_i,n`, `I_i,n = I_i,n-1 exp(-dt/tau_i) + w_i k_n`, `k_n ~ Poisson(rate_i dt)`.
//!
//! The same rule, tables and fast path as [`super::poisson`] (its lanes run on this part's
//! parameters); its own streams (its own seed code), so with `poisson` it gives balanced
//! excitation and inhibition, `model = "poisson+poisson_i"`.

use super::params::Param;
use super::part::{Allowed, Cost, ParamDef, Part};
use super::poisson::{PoissonLanes, PoissonReference, Source, events_per_step};

const RATE_DEF: ParamDef = ParamDef {
    key: "rate_i_hz",
    code: 501,
    unit: "Hz",
    default: None,
    allowed: Allowed::NonNegative,
    doc: "presynaptic Poisson rate of the second source",
};

const W_DEF: ParamDef = ParamDef {
    key: "w_i_na",
    code: 502,
    unit: "nA",
    default: None,
    allowed: Allowed::Finite,
    doc: "jump per event of the second source (signed; negative: inhibitory)",
};

const TAU_DEF: ParamDef = ParamDef {
    key: "tau_i_ms",
    code: 503,
    unit: "ms",
    default: None,
    allowed: Allowed::NonNegative,
    doc: "synaptic decay time of the second source (0: a one-step pulse)",
};

pub const RATE_I: Param = Param::of(&RATE_DEF);
pub const W_I: Param = Param::of(&W_DEF);
pub const TAU_I: Param = Param::of(&TAU_DEF);

/// This part's source.
pub const INHIBITORY: Source = Source {
    rate: RATE_I,
    w: W_I,
    tau: TAU_I,
};

pub const PART: Part = Part {
    name: "poisson_i",
    code: 500,
    formula: "I_i: decays by exp(-dt_ms/tau_i_ms) per step, + w_i_na per event, \
              k_n ~ Poisson(rate_i_hz * dt_ms / 1000) events per neuron and step",
    params: &[RATE_DEF, W_DEF, TAU_DEF],
    mu_optional: true,
    lanes: || Box::new(PoissonLanes::of(INHIBITORY)),
    reference: || Box::new(PoissonReference::of(INHIBITORY)),
    // `poisson`'s: the same loops, on this part's rate.
    cost: Cost {
        events_per_step: Some(|p, dt| events_per_step(p.value(RATE_I), dt)),
        params: &[&RATE_DEF],
        ..super::poisson::PART.cost
    },
    quiet: |p| INHIBITORY.quiet(p),
    diffusion: Some(|job| INHIBITORY.diffusion(job)),
    theory: None,
    membrane: Some(|job| INHIBITORY.membrane(job)),
    check: Some(|max, dt_max| INHIBITORY.check(max, dt_max)),
    rules: "rate_i_hz * dt_ms / 1000 <= 500 events per step",
};
