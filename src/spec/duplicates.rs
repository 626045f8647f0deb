//! Warnings about jobs that come out identical (same parameters, same seed, same rows), which
//! a user could take for independent replicates: an axis with a value twice, a repeated block,
//! blocks of one model that share jobs.

use std::collections::HashMap;

use super::Block;
use crate::job::{Key, KeyValue};

/// A value's identity for duplicate checks: its bits (seeds are derived from the bits too).
fn identity(v: KeyValue) -> u64 {
    match v {
        KeyValue::Real(x) => x.to_bits(),
        KeyValue::Count(n) => n,
        KeyValue::Integrator(i) => i as u64,
    }
}

/// Blocks at most this many are checked pairwise for shared jobs (the check is quadratic);
/// bigger specs are checked for identical blocks only.
const PAIRWISE_BLOCKS: usize = 500;

const REPLICATES: &str = "identical jobs have identical parameters, seeds and rows: they are \
                          not independent replicates; for replicates add a seed axis, e.g. \
                          seed = [1, 2, 3]";

/// Warnings about jobs that come out identical: an axis with a value twice, or blocks that
/// share jobs.
pub(super) fn duplicate_warnings(blocks: &[Block]) -> Vec<String> {
    let mut out = Vec::new();
    for b in blocks {
        for axis in &b.axes {
            let mut seen = HashMap::new();
            if let Some(v) = axis
                .values
                .iter()
                .find(|v| seen.insert(identity(**v), ()).is_some())
            {
                out.push(format!(
                    "line {}: {}: {} takes the value {v} more than once; {REPLICATES}",
                    axis.line,
                    b.label(),
                    axis.key.name()
                ));
            }
        }
    }
    // Per block and key, the sorted set of values (scalars as one-value sets). Computed per
    // block when needed, so that a spec of 100,000 blocks holds a hash per block, not the sets.
    let sets = |b: &Block| -> Vec<Vec<u64>> {
        Key::SHARED
            .into_iter()
            .chain(b.model.params().iter().map(|p| Key::Input(p.param)))
            .map(|k| {
                let mut v: Vec<u64> = b.values(k).into_iter().map(identity).collect();
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect()
    };
    let hash = |b: &Block| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (b.model, sets(b)).hash(&mut h);
        h.finish()
    };
    let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
    let pairwise = blocks.len() <= PAIRWISE_BLOCKS;
    let all: Vec<Vec<Vec<u64>>> = if pairwise {
        blocks.iter().map(sets).collect()
    } else {
        Vec::new()
    };
    for (i, b) in blocks.iter().enumerate() {
        let same = by_hash.entry(hash(b)).or_default();
        if let Some(&j) = same
            .iter()
            .find(|&&j| blocks[j].model == b.model && sets(&blocks[j]) == sets(b))
        {
            out.push(format!(
                "{} repeats {} (the same jobs again); {REPLICATES}",
                b.label(),
                blocks[j].label()
            ));
            continue;
        }
        same.push(i);
        if !pairwise {
            continue;
        }
        for (j, other) in blocks[..i].iter().enumerate() {
            let overlap = |x: &Vec<u64>, y: &Vec<u64>| x.iter().any(|v| y.binary_search(v).is_ok());
            let shared = other.model == b.model
                && all[i] != all[j]
                && all[i].iter().zip(&all[j]).all(|(x, y)| overlap(x, y));
            if shared {
                out.push(format!(
                    "{} and {} share jobs (every key has a value in common); {REPLICATES}",
                    other.label(),
                    b.label()
                ));
            }
        }
    }
    out
}
