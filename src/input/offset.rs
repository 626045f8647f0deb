//! An example part, compiled only into the unit tests and with the `example-part` feature: a
//! constant offset `c_n = offset_na`. It shows what a part is (this file plus one line in
//! [`super::PARTS`]), and lets the tests check that adding a part changes no existing result
//! or seed (`cargo test --features example-part`).

use super::lanes::{Events, PartLanes};
use super::params::Param;
use super::part::{Allowed, Cost, JobView, ParamDef, Part};
use crate::lanes::LaneVec;
use crate::theory::free_membrane::Drive;

const OFFSET_DEF: ParamDef = ParamDef {
    key: "offset_na",
    code: 9901,
    unit: "nA",
    default: None,
    allowed: Allowed::Finite,
    doc: "a constant added to the current (example part)",
};

pub const OFFSET: Param = Param::of(&OFFSET_DEF);

pub const PART: Part = Part {
    name: "offset",
    code: 9900,
    formula: "offset_na",
    params: &[OFFSET_DEF],
    mu_optional: false,
    lanes: || Box::<OffsetLanes>::default(),
    reference: || Box::<OffsetLanes>::default(),
    cost: Cost::NONE,
    quiet: |p| p.value(OFFSET) == 0.0,
    diffusion: None,
    theory: None,
    membrane: Some(|job| Drive::Stationary {
        mean_na: job.params.value(OFFSET),
        var_na2: 0.0,
        corr: 0.0,
    }),
    check: None,
    rules: "",
};

#[derive(Default)]
pub struct OffsetLanes {
    offset_na: LaneVec<f64>,
}

impl PartLanes for OffsetLanes {
    fn push(&mut self, job: &JobView<'_>, _seed: u64, _first_neuron: u64, count: usize) {
        let offset = job.params.value(OFFSET);
        self.offset_na.extend(std::iter::repeat_n(offset, count));
    }

    fn add(&mut self, _step: u64, base: &[f64], current: &mut [f64], _events: Events<'_>) {
        for ((out, &b), &c) in current.iter_mut().zip(base).zip(&self.offset_na[..]) {
            *out = b + c;
        }
    }
}
