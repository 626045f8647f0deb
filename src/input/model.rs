//! A model: the set of input parts a job's current adds to `mu`, named by joining the parts'
//! names with `+` in registry order (`"constant"` for none).

use std::sync::LazyLock;

use super::PARTS;
use super::params::{MU, Param};
use super::part::Part;

/// A set of parts of the registry (bit `i`: part `PARTS[i]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Model(u32);

const _: () = assert!(
    PARTS.len() <= 16,
    "Model names are tabulated for 2^parts sets"
);

/// Canonical names of every set of parts.
static NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    (0..1u32 << PARTS.len())
        .map(|bits| {
            let model = Model(bits);
            if bits == 0 {
                "constant".to_string()
            } else {
                model.parts().map(|p| p.name).collect::<Vec<_>>().join("+")
            }
        })
        .collect()
});

/// The registry position of the part with seed code `code`.
const fn position(code: u64) -> usize {
    let mut i = 0;
    while i < PARTS.len() {
        if PARTS[i].code == code {
            return i;
        }
        i += 1;
    }
    panic!("the part is not in the registry")
}

impl Model {
    /// `mu` alone.
    pub const CONSTANT: Model = Model(0);

    /// The model of one part (a compile error if it is not in the registry).
    pub const fn single(part: &Part) -> Model {
        Model(1 << position(part.code))
    }

    /// The model with both sets of parts.
    pub const fn with(self, other: Model) -> Model {
        Model(self.0 | other.0)
    }

    /// The canonical name: the parts in registry order joined by `+`, or `"constant"`.
    pub fn name(self) -> &'static str {
        &NAMES[self.0 as usize]
    }

    /// The model a spec names: parts joined by `+` in any order, each at most once, or
    /// `"constant"`. On failure, what is wrong.
    pub fn parse(name: &str) -> Result<Model, String> {
        if name == "constant" {
            return Ok(Model::CONSTANT);
        }
        let mut bits = 0u32;
        for piece in name.split('+') {
            let piece = piece.trim();
            let Some(i) = PARTS.iter().position(|p| p.name == piece) else {
                return Err(if piece.is_empty() {
                    "a part name is empty".to_string()
                } else {
                    format!("\"{piece}\" is not an input part")
                });
            };
            if bits & (1 << i) != 0 {
                return Err(format!("part \"{piece}\" is named twice"));
            }
            bits |= 1 << i;
        }
        Ok(Model(bits))
    }

    /// What `model` takes, for messages.
    pub fn allowed() -> String {
        let parts = PARTS
            .iter()
            .map(|p| format!("\"{}\"", p.name))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "\"constant\", or input parts joined by + (each at most once, e.g. \"sine+noise\"): {parts}"
        )
    }

    /// The set as bits (bit `i`: part `PARTS[i]`), for hashing.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// The model's parts, in registry order.
    pub fn parts(self) -> impl Iterator<Item = &'static Part> + Clone {
        PARTS
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, p)| *p)
    }

    /// Whether `param` belongs to this model (`mu_na` belongs to every model).
    pub fn has(self, param: Param) -> bool {
        param.part().is_none_or(|i| self.0 & (1 << i) != 0)
    }

    /// The model's parameters in column order, with their defaults (`None`: required).
    pub fn params(self) -> impl Iterator<Item = (Param, Option<f64>)> {
        Param::all().filter(move |&p| self.has(p)).map(move |p| {
            let default = if p == MU {
                self.mu_default()
            } else {
                p.def().default
            };
            (p, default)
        })
    }

    /// `mu_na`'s default: 0 when the model has parts and every one allows leaving it out.
    fn mu_default(self) -> Option<f64> {
        (self != Model::CONSTANT && self.parts().all(|p| p.mu_optional)).then_some(0.0)
    }
}

/// What each of a job's parts gives (a theory's sources), held without a heap allocation: a
/// model has at most `PARTS.len()` parts, and the theory asks once per job (a million tiny
/// jobs made a million allocations for it).
#[derive(Clone, Copy, Debug)]
pub struct PerPart<T> {
    items: [T; PARTS.len()],
    len: usize,
}

impl<T: Copy + Default> FromIterator<T> for PerPart<T> {
    /// Panics on more items than the registry has parts.
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut items = [T::default(); PARTS.len()];
        let mut len = 0;
        for item in iter {
            items[len] = item;
            len += 1;
        }
        PerPart { items, len }
    }
}

impl<T> std::ops::Deref for PerPart<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items[..self.len]
    }
}
