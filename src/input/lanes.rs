//! The input of a struct-of-arrays population, one lane per neuron: `mu` plus each part's lanes.

use super::model::Model;
use super::params::MU;
use super::part::JobView;
use crate::lanes::LaneVec;
use crate::rng;

/// One part's lanes: its state and fast path for a population.
pub trait PartLanes: Send {
    /// Appends `count` lanes: neurons `first_neuron..first_neuron + count` of a job, whose
    /// streams for this part are seeded by `seed` ([`rng::part_seed`]).
    fn push(&mut self, job: &JobView<'_>, seed: u64, first_neuron: u64, count: usize);

    /// Writes `current[i] = base[i] + c_i`, `c_i` the part's current of lane `i` in step `step`
    /// (nA); a part with presynaptic events puts the step's count of each lane into `events`.
    fn add(&mut self, step: u64, base: &[f64], current: &mut [f64], events: Events<'_>);

    /// Whether the part has presynaptic events.
    fn has_events(&self) -> bool {
        false
    }
}

/// Where a part with presynaptic events puts each lane's count of the step: the model's first
/// such part writes its counts (no pass to clear them first), the next ones add theirs. Empty
/// `counts` mean that nobody reads them (only `lifsweep trace` does): the parts write none.
pub struct Events<'a> {
    pub counts: &'a mut [u32],
    /// Whether to add to `counts` rather than write them.
    pub add: bool,
}

/// The input of a population.
pub trait InputLanes: Send {
    /// Appends `count` lanes: neurons `first_neuron..first_neuron + count` of a job whose seed
    /// `job_seed` gives (asked only by inputs with random streams).
    fn push(
        &mut self,
        job: &JobView<'_>,
        job_seed: &dyn Fn() -> u64,
        first_neuron: u64,
        count: usize,
    );

    /// Writes each lane's input current of step `step` (nA) into `current`, and the number of
    /// presynaptic events of the step into `events` (unless `events` is empty: not wanted).
    fn current(&mut self, step: u64, current: &mut [f64], events: &mut [u32]);

    /// Whether every step's currents are the same (no events), so that they need computing
    /// only once, at the first step after lanes are added. Fixed for the life of the value.
    fn time_invariant(&self) -> bool {
        false
    }
}

/// A model's input: `I = ((mu + c_1) + c_2) + ...`, the parts' currents added in registry order.
pub struct ModelInput {
    mu_na: LaneVec<f64>,
    parts: Vec<(u64, Box<dyn PartLanes>)>,
    /// The sum so far, for the parts after the first.
    partial: LaneVec<f64>,
}

impl ModelInput {
    /// The fast path of `model`.
    pub fn new(model: Model) -> ModelInput {
        ModelInput::of(model, |p| (p.lanes)())
    }

    /// The plain scalar reference of `model`.
    pub fn reference(model: Model) -> ModelInput {
        ModelInput::of(model, |p| (p.reference)())
    }

    fn of(model: Model, make: impl Fn(&super::Part) -> Box<dyn PartLanes>) -> ModelInput {
        let parts: Vec<_> = model.parts().map(|p| (p.code, make(p))).collect();
        ModelInput {
            mu_na: LaneVec::new(),
            parts,
            partial: LaneVec::new(),
        }
    }
}

impl InputLanes for ModelInput {
    fn push(
        &mut self,
        job: &JobView<'_>,
        job_seed: &dyn Fn() -> u64,
        first_neuron: u64,
        count: usize,
    ) {
        let mu = job.params.value(MU);
        self.mu_na.extend(std::iter::repeat_n(mu, count));
        if !self.parts.is_empty() {
            let job_seed = job_seed();
            for (code, lanes) in &mut self.parts {
                lanes.push(job, rng::part_seed(job_seed, *code), first_neuron, count);
            }
        }
        if self.parts.len() > 1 {
            self.partial.resize(self.mu_na.len(), 0.0);
        }
    }

    fn current(&mut self, step: u64, current: &mut [f64], events: &mut [u32]) {
        let n = current.len();
        let parts = self.parts.len();
        if parts == 0 {
            current.copy_from_slice(&self.mu_na[..n]);
            return;
        }
        // The parts write in turn into `current` and `partial`, each adding to the sum the one
        // before wrote, so that the last writes into `current`: no sum is copied.
        let mu = &self.mu_na[..n];
        let between = if parts > 1 {
            &mut self.partial[..n]
        } else {
            &mut []
        };
        let ends = current;
        let mut counted = false;
        for (i, (_, part)) in self.parts.iter_mut().enumerate() {
            let (out, sum): (&mut [f64], &[f64]) = if (parts - 1 - i).is_multiple_of(2) {
                (&mut *ends, &*between)
            } else {
                (&mut *between, &*ends)
            };
            let base = if i == 0 { mu } else { sum };
            let events = Events {
                counts: &mut *events,
                add: counted,
            };
            part.add(step, base, out, events);
            counted |= part.has_events();
        }
    }

    fn time_invariant(&self) -> bool {
        self.parts.is_empty()
    }
}
