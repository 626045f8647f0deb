//! Warnings about jobs that come out identical (same parameters, same seed, same rows), which
//! a user could take for independent replicates: an axis with a value twice, a repeated block,
//! blocks of one model that share jobs.

use std::collections::HashMap;

use super::Block;
use super::keys::{Key, KeyValue};

/// A value's identity for duplicate checks: its bits (seeds are derived from the bits too).
fn identity(v: KeyValue) -> u64 {
    match v {
        KeyValue::Real(x) => x.to_bits(),
        KeyValue::Count(n) => n,
        KeyValue::Integrator(i) => i as u64,
        KeyValue::Flag(b) => u64::from(b),
    }
}

/// Blocks at most this many are checked pairwise for shared jobs (the check is quadratic);
/// bigger specs are checked for identical blocks only.
const PAIRWISE_BLOCKS: usize = 500;

const REPLICATES: &str = "identical jobs have identical parameters, seeds and rows: they are \
                          not independent replicates; for replicates add a seed axis, e.g. \
                          seed = [1, 2, 3]";

/// Per key (shared keys, then the model's), the block's values as sorted identities, duplicates
/// kept (scalars as one-value lists).
fn sorted_values(b: &Block) -> Vec<(Key, Vec<u64>)> {
    Key::SHARED
        .into_iter()
        .chain(b.model.params().map(|(p, _)| Key::Input(p)))
        .map(|k| {
            let mut v: Vec<u64> = b.values(k).into_iter().map(identity).collect();
            v.sort_unstable();
            (k, v)
        })
        .collect()
}

/// Warnings about jobs that come out identical: an axis with a value twice, or blocks that
/// share jobs.
pub(super) fn duplicate_warnings(blocks: &[Block]) -> Vec<String> {
    let mut out = Vec::new();
    let pairwise = blocks.len() <= PAIRWISE_BLOCKS;
    // Per block, the sorted sets of its values (kept only for the pairwise check: a spec of
    // 100,000 blocks holds a hash per block) and a hash of them for the repeat check.
    let mut all: Vec<Vec<Vec<u64>>> = Vec::new();
    let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
    let sets_of = |b: &Block| -> Vec<Vec<u64>> {
        sorted_values(b)
            .into_iter()
            .map(|(_, mut v)| {
                v.dedup();
                v
            })
            .collect()
    };
    for (i, b) in blocks.iter().enumerate() {
        let mut sets = Vec::new();
        for (key, sorted) in sorted_values(b) {
            if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
                let axis = b
                    .axes
                    .iter()
                    .find(|a| a.key == key)
                    .expect("a list is an axis");
                let v = axis
                    .values
                    .iter()
                    .find(|v| identity(**v) == w[0])
                    .expect("the value");
                out.push(format!(
                    "line {}: {}: {} takes the value {v} more than once; {REPLICATES}",
                    axis.line,
                    b.label(),
                    key.name()
                ));
            }
            let mut set = sorted;
            set.dedup();
            sets.push(set);
        }
        let hash = sets
            .iter()
            .fold(crate::rng::mix(b.model.bits() as u64), |h, set| {
                set.iter()
                    .fold(crate::rng::mix(h ^ set.len() as u64), |h, &v| {
                        crate::rng::mix(h ^ v)
                    })
            });
        let same = by_hash.entry(hash).or_default();
        let repeat = same.iter().copied().find(|&j| {
            blocks[j].model == b.model
                && if pairwise {
                    all[j] == sets
                } else {
                    sets_of(&blocks[j]) == sets
                }
        });
        if let Some(j) = repeat {
            out.push(format!(
                "{} repeats {} (the same jobs again); {REPLICATES}",
                b.label(),
                blocks[j].label()
            ));
        } else {
            same.push(i);
            if pairwise {
                let overlap =
                    |x: &Vec<u64>, y: &Vec<u64>| x.iter().any(|v| y.binary_search(v).is_ok());
                for (j, other) in blocks[..i].iter().enumerate() {
                    let shared = other.model == b.model
                        && all[j] != sets
                        && sets.iter().zip(&all[j]).all(|(x, y)| overlap(x, y));
                    if shared {
                        out.push(format!(
                            "{} and {} share jobs (every key has a value in common); {REPLICATES}",
                            other.label(),
                            b.label()
                        ));
                    }
                }
            }
        }
        if pairwise {
            all.push(sets);
        }
    }
    out
}
