//! Input: a job's current is `mu` plus the currents of the input parts its model names.
//!
//! `I_n = ((mu + c_1,n) + c_2,n) + ...`, the parts' currents added in registry order; a model
//! without parts (`"constant"`) is `mu` alone. Each part is one file, one `pub const PART:
//! Part` ([`Part`]: its name, parameters, seed code, lanes, cost and theory hook), listed once
//! in [`PARTS`]; the spec, the checks, the columns, the seeds, `plan` and the docs' key table
//! all read it from there. `docs/adding-a-part.md` says what adding one takes.

mod lanes;
mod model;
mod noise;
#[cfg(any(test, feature = "example-part"))]
mod offset;
mod ou;
mod params;
mod part;
mod poisson;
mod poisson_i;
mod sine;

pub use lanes::{Events, InputLanes, ModelInput, PartLanes};
pub use model::{Model, PerPart};
pub use noise::SIGMA;
pub use ou::{OU_SIGMA, OU_TAU};
pub use params::{MU, MU_DEF, ModelParams, N_PARAMS, Param};
pub use part::{Allowed, Cost, JobView, ParamDef, Part, Prediction};
pub use poisson::{
    MAX_EVENTS_PER_STEP, PoissonTable, RATE, TAU_S, W, events_per_step, synapse_step,
};
pub use poisson_i::{RATE_I, TAU_I, W_I};
pub use sine::{AMP, Clock, PERIOD, PHASE};

/// The registry: every input part, in canonical order (the order of the parts in a `model`
/// name and of their parameter columns). A new part is one more line here.
pub const PARTS: &[&Part] = &[
    &sine::PART,
    &noise::PART,
    &poisson::PART,
    &ou::PART,
    &poisson_i::PART,
    #[cfg(any(test, feature = "example-part"))]
    &offset::PART,
];

impl Model {
    pub const SINE: Model = Model::single(&sine::PART);
    pub const NOISE: Model = Model::single(&noise::PART);
    pub const POISSON: Model = Model::single(&poisson::PART);
    pub const OU: Model = Model::single(&ou::PART);
    pub const POISSON_I: Model = Model::single(&poisson_i::PART);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_canonical_and_the_four_models_keep_theirs() {
        assert_eq!(Model::CONSTANT.name(), "constant");
        for name in ["sine", "noise", "poisson"] {
            assert_eq!(Model::parse(name).unwrap().name(), name);
        }
        let m = Model::parse("noise+sine").unwrap();
        assert_eq!(m, Model::SINE.with(Model::NOISE));
        assert_eq!(m.name(), "sine+noise");
        assert!(Model::parse("noise+noise").unwrap_err().contains("twice"));
        assert!(Model::parse("noise+").unwrap_err().contains("empty"));
        assert!(
            Model::parse("nois")
                .unwrap_err()
                .contains("not an input part")
        );
    }

    #[test]
    fn keys_are_unique_and_say_their_unit() {
        let mut keys: Vec<&str> = Param::all().map(|p| p.key()).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n);
        for p in Param::all() {
            let unit = format!("_{}", p.def().unit.to_ascii_lowercase());
            assert!(
                p.key().ends_with(&unit),
                "{}: unit {}",
                p.key(),
                p.def().unit
            );
        }
    }
}
