//! Every input parameter of the registry in one flat table: `mu_na` first, then each part's
//! parameters in registry order (the order of the output columns). A [`Param`] is a position in
//! that table, found from the parameter's seed code when the program is compiled.

use super::PARTS;
use super::part::{Allowed, ParamDef};

/// `mu_na`: the base current of every job, whatever its parts.
pub const MU_DEF: ParamDef = ParamDef {
    key: "mu_na",
    code: 8,
    unit: "nA",
    default: None,
    allowed: Allowed::Finite,
    doc: "base current",
};

/// Number of input parameters in the registry.
pub const N_PARAMS: usize = {
    let mut n = 1;
    let mut i = 0;
    while i < PARTS.len() {
        n += PARTS[i].params.len();
        i += 1;
    }
    n
};

/// The flat table, with the part each parameter belongs to (`None` for `mu_na`).
const TABLE: [(&ParamDef, Option<usize>); N_PARAMS] = {
    let mut out = [(&MU_DEF, None); N_PARAMS];
    let (mut k, mut i) = (1, 0);
    while i < PARTS.len() {
        let mut j = 0;
        while j < PARTS[i].params.len() {
            out[k] = (&PARTS[i].params[j], Some(i));
            k += 1;
            j += 1;
        }
        i += 1;
    }
    out
};

/// One input parameter: its position in the flat table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Param(u8);

impl Param {
    /// The parameter whose definition is `def` (found by its code; a compile error if no part
    /// lists it).
    pub const fn of(def: &ParamDef) -> Param {
        let mut k = 0;
        while k < N_PARAMS {
            if TABLE[k].0.code == def.code {
                return Param(k as u8);
            }
            k += 1;
        }
        panic!("the parameter is not listed by any part of the registry")
    }

    /// Every input parameter, in column order.
    pub fn all() -> impl Iterator<Item = Param> {
        (0..N_PARAMS).map(|k| Param(k as u8))
    }

    pub fn def(self) -> &'static ParamDef {
        TABLE[self.0 as usize].0
    }

    pub fn key(self) -> &'static str {
        self.def().key
    }

    /// The registry index of the part it belongs to (`None`: `mu_na`).
    pub fn part(self) -> Option<usize> {
        TABLE[self.0 as usize].1
    }

    pub fn from_key(key: &str) -> Option<Param> {
        Param::all().find(|p| p.key() == key)
    }
}

/// `mu_na`.
pub const MU: Param = Param::of(&MU_DEF);

/// The input parameters of one job; `None` where the job's model has no such parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelParams([Option<f64>; N_PARAMS]);

impl Default for ModelParams {
    fn default() -> Self {
        ModelParams([None; N_PARAMS])
    }
}

impl ModelParams {
    pub fn get(&self, p: Param) -> Option<f64> {
        self.0[p.0 as usize]
    }

    pub fn set(&mut self, p: Param, value: Option<f64>) {
        self.0[p.0 as usize] = value;
    }

    /// A parameter the model is known to have (validated by the spec).
    pub fn value(&self, p: Param) -> f64 {
        self.get(p)
            .unwrap_or_else(|| panic!("{} is set for every job of its model", p.key()))
    }

    /// The parameters that are set, in column order.
    pub fn iter(&self) -> impl Iterator<Item = (Param, f64)> + '_ {
        Param::all().filter_map(|p| self.get(p).map(|x| (p, x)))
    }
}
