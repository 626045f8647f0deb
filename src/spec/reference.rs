//! The spec reference and the column table as the docs show them, derived from the key
//! vocabulary, the input-parts registry and the column table (`lifsweep keys`, `lifsweep
//! columns`; the README's copies are checked against these by the tests).

use super::keys::{Key, Section};
use crate::input::{Model, PARTS, Param};
use crate::job::Job;

/// The spec's keys (Markdown): the `[neuron]` and `[simulation]` keys, `model`, and every input
/// part's parameters, with units, defaults, what is allowed and the seed codes.
pub fn key_table() -> String {
    let defaults = Job::new(Model::CONSTANT);
    let mut out = String::from(
        "| key | where | unit | default | allowed | meaning | seed code |\n|---|---|---|---|---|---|---|\n",
    );
    for key in Key::SHARED {
        let section = match key.section() {
            Section::Neuron => "[neuron]",
            _ => "[simulation]",
        };
        let default = key.get(&defaults).expect("a shared key has a value");
        let code = seed_code(key).map_or(String::new(), |c| c.to_string());
        let allowed = match key {
            Key::VReset => format!("{}; < v_th_mv", key.allowed_text()),
            Key::Dt => format!("{}; with \"euler\" < 2 tau_m_ms", key.allowed_text()),
            Key::Duration => format!("{}; at most 2^32 - 1 steps", key.allowed_text()),
            Key::Warmup => format!("{}; < duration_ms", key.allowed_text()),
            _ => key.allowed_text().to_string(),
        };
        out.push_str(&format!(
            "| `{}` | {section} | {} | {default} | {allowed} | {} | {code} |\n",
            key.name(),
            key.unit(),
            key.doc()
        ));
    }
    out.push_str(&format!(
        "| `model` | [[sweep]] | | required | {} | the input parts | |\n",
        Model::allowed()
    ));
    for p in Param::all() {
        let (place, default) = match p.part() {
            None => (
                "[[sweep]], every model".to_string(),
                "required; 0 where every part allows it (poisson)".to_string(),
            ),
            Some(i) => (
                format!("[[sweep]], part {}", PARTS[i].name),
                p.def()
                    .default
                    .map_or("required".to_string(), |d| d.to_string()),
            ),
        };
        out.push_str(&format!(
            "| `{}` | {place} | {} | {default} | {} | {} | {} |\n",
            p.key(),
            p.def().unit,
            p.def().allowed.text(),
            p.def().doc,
            p.def().code
        ));
    }
    out
}

/// The seed code of a [neuron] key or `dt_ms` (the others are not folded into the seed).
fn seed_code(key: Key) -> Option<u64> {
    crate::job::NEURON_CODES
        .iter()
        .find(|(_, name, _)| *name == key.name())
        .map(|(code, _, _)| *code)
}

/// The input parts (Markdown): name, the current each adds to `mu`, its parameters, seed code.
pub fn part_table() -> String {
    let mut out = String::from(
        "| part | adds to the current | parameters | also checked | seed code |\n|---|---|---|---|---|\n",
    );
    for part in PARTS {
        let params = part
            .params
            .iter()
            .map(|d| format!("`{}`", d.key))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!(
            "| `{}` | `{}` | {params} | {} | {} |\n",
            part.name, part.formula, part.rules, part.code
        ));
    }
    out
}
