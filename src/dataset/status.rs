//! `lifsweep status DIR`: how far a dataset is, from its files alone (never the scheduler):
//! chunks, jobs and neuron-steps done, per shard, the work left, and parts that fail their
//! check (the next run redoes them).

use std::fmt;
use std::path::{Path, PathBuf};

use super::chunks::array_list;
use super::parts::scan;
use super::{Dataset, Scan};

pub struct Status {
    pub dir: PathBuf,
    pub chunks: usize,
    pub jobs: u64,
    pub neuron_steps: u64,
    pub done_chunks: usize,
    pub done_jobs: u64,
    pub done_neuron_steps: u64,
    /// Estimated single-thread seconds of the chunks left.
    pub seconds_left: f64,
    /// The shard count DIR records (or the one asked for), and per shard the chunks left.
    pub shards: Option<(u64, Vec<Vec<usize>>)>,
    pub scan: Scan,
}

impl Status {
    /// Reads the dataset in `dir`; `shards` overrides the shard count it records.
    pub fn read(dir: &Path, shards: Option<u64>) -> anyhow::Result<Status> {
        let ds = Dataset::open(dir)?;
        let found = scan(&ds)?;
        let costs = ds.chunk_costs();
        let n = ds.chunks().len();
        let mut st = Status {
            dir: dir.to_path_buf(),
            chunks: n,
            jobs: ds.chunks().jobs(),
            neuron_steps: costs.iter().map(|c| c.1).sum(),
            done_chunks: found.done_count(),
            done_jobs: 0,
            done_neuron_steps: 0,
            seconds_left: 0.0,
            shards: None,
            scan: found,
        };
        for (c, (secs, steps)) in costs.iter().enumerate() {
            if st.scan.done[c] {
                st.done_jobs += ds.chunks().jobs_in(c);
                st.done_neuron_steps += steps;
            } else {
                st.seconds_left += secs;
            }
        }
        if let Some(count) = shards.or(ds.manifest.shards) {
            let mut left = vec![Vec::new(); count as usize];
            for c in (0..n).filter(|&c| !st.scan.done[c]) {
                left[c % count as usize].push(c);
            }
            st.shards = Some((count, left));
        }
        Ok(st)
    }

    pub fn complete(&self) -> bool {
        self.done_chunks == self.chunks
    }

    /// The shards with work left, as a SLURM array list (`3,7-9`); `None` without a shard
    /// count.
    pub fn missing_shards(&self) -> Option<String> {
        let (_, left) = self.shards.as_ref()?;
        Some(array_list(
            left.iter()
                .enumerate()
                .filter(|(_, l)| !l.is_empty())
                .map(|(s, _)| s as u64),
        ))
    }
}

fn pct(a: u64, b: u64) -> f64 {
    100.0 * a as f64 / b.max(1) as f64
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "dataset {}: {} jobs in {} chunks",
            self.dir.display(),
            self.jobs,
            self.chunks
        )?;
        writeln!(
            f,
            "done: {} of {} chunks, {} of {} jobs ({:.1}%), {:.3e} of {:.3e} neuron-steps ({:.1}%)",
            self.done_chunks,
            self.chunks,
            self.done_jobs,
            self.jobs,
            pct(self.done_jobs, self.jobs),
            self.done_neuron_steps as f64,
            self.neuron_steps as f64,
            pct(self.done_neuron_steps, self.neuron_steps)
        )?;
        if !self.complete() {
            let left: Vec<u64> = (0..self.chunks)
                .filter(|&c| !self.scan.done[c])
                .map(|c| c as u64)
                .collect();
            writeln!(
                f,
                "left: chunks {}, about {:.0} s of one core (estimated from measured per-model \
                 costs)",
                array_list(left),
                self.seconds_left
            )?;
        }
        if let Some((count, left)) = &self.shards {
            let open: Vec<String> = left
                .iter()
                .enumerate()
                .filter(|(_, l)| !l.is_empty())
                .map(|(s, l)| format!("{s} ({} chunks)", l.len()))
                .collect();
            let done = left.iter().filter(|l| l.is_empty()).count();
            writeln!(
                f,
                "shards: {done} of {count} complete{}{}",
                if open.is_empty() {
                    ""
                } else {
                    "; work left in "
                },
                open.join(", ")
            )?;
        }
        for (c, name, why) in &self.scan.bad {
            writeln!(
                f,
                "unusable part: parts/{name} (chunk {c}): {why}; the next run redoes it"
            )?;
        }
        if !self.scan.foreign.is_empty() {
            writeln!(
                f,
                "not this dataset's parts, in parts/: {} (readers of parts/*.parquet read them too)",
                self.scan.foreign.join(", ")
            )?;
        }
        if !self.scan.tmp.is_empty() {
            writeln!(
                f,
                "temporary files in tmp/: {} (parts being written, or left by killed runs; the \
                 next run removes those older than an hour)",
                self.scan.tmp.len()
            )?;
        }
        write!(
            f,
            "{}",
            if self.complete() {
                "complete"
            } else {
                "work remains"
            }
        )
    }
}
