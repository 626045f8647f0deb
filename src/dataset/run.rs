//! `lifsweep run --dataset DIR [--shard I/N]`: runs the chunks of the shard's share that have
//! no sound part yet, in job order, and writes each as its part as soon as its last row is in.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::chunks::{Shard, array_list};
use super::parts::{PartWriter, STALE_TMP, scan};
use super::{Dataset, DatasetError};
use crate::engine::{self, Counters};
use crate::output::{BackgroundWriter, Progress, ProgressMode, WriterStopped};
use crate::spec::Spec;
use crate::stop::{GRACE, Stop, signal_name};

/// What to run.
pub struct DatasetRun {
    pub dir: PathBuf,
    /// The spec to make DIR from, or to check DIR against; `None` continues DIR with its own
    /// (or makes it from the compiled-in default sweep).
    pub spec: Option<Spec>,
    pub chunk_jobs: Option<u64>,
    pub shard: Shard,
    pub threads: usize,
    pub progress: ProgressMode,
    pub stop: Arc<Stop>,
    /// Where the run counts its work; its totals are the share's chunks still to do.
    pub counters: Arc<Counters>,
}

/// What a dataset run did.
#[derive(Debug)]
pub struct DatasetSummary {
    pub dir: PathBuf,
    pub shard: Shard,
    /// Chunks of the share that were already done when the run started.
    pub skipped: Vec<usize>,
    /// Chunks this run wrote.
    pub written: Vec<usize>,
    /// Chunks of the share still without a part.
    pub left: Vec<usize>,
    pub share_chunks: usize,
    pub sweep_done: usize,
    pub sweep_chunks: usize,
    pub jobs: u64,
    pub neuron_steps: u64,
    pub spikes: u64,
    pub threads: usize,
    pub wall: Duration,
    /// The signal that stopped the run early.
    pub stopped_by: Option<i32>,
}

impl DatasetSummary {
    /// Whether the shard's share is complete.
    pub fn complete(&self) -> bool {
        self.left.is_empty()
    }
}

fn list(chunks: &[usize]) -> String {
    match chunks.len() {
        0 => "none".to_string(),
        _ => array_list(chunks.iter().map(|&c| c as u64)),
    }
}

impl std::fmt::Display for DatasetSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.wall.as_secs_f64();
        let share = if self.shard == Shard::ALL {
            String::new()
        } else {
            format!(", shard {}", self.shard)
        };
        writeln!(
            f,
            "lifsweep: dataset {}{share}: its share is {} of {} chunks",
            self.dir.display(),
            self.share_chunks,
            self.sweep_chunks
        )?;
        writeln!(
            f,
            "wrote {} chunks ({}); skipped {} already done ({}); {} left ({})",
            self.written.len(),
            list(&self.written),
            self.skipped.len(),
            list(&self.skipped),
            self.left.len(),
            list(&self.left)
        )?;
        writeln!(
            f,
            "{} jobs, {:.3e} neuron-steps, {} spikes; wall time {secs:.2} s on {} threads: {:.3e} \
             neuron-steps/s",
            self.jobs,
            self.neuron_steps as f64,
            self.spikes,
            self.threads,
            self.neuron_steps as f64 / secs.max(1e-9)
        )?;
        if let Some(s) = self.stopped_by {
            writeln!(
                f,
                "stopped by {}: run the same command again to continue",
                signal_name(s)
            )?;
        }
        write!(
            f,
            "the whole sweep: {} of {} chunks done",
            self.sweep_done, self.sweep_chunks
        )
    }
}

/// The job ids of the pending chunks, in order; ends early when a stop is asked for: before a
/// new chunk, or at once when the stop is urgent (a second signal, or the grace period over).
struct ShareIds<'a> {
    ranges: Vec<Range<u64>>,
    i: usize,
    next: u64,
    stop: &'a Stop,
    ended: bool,
}

impl Iterator for ShareIds<'_> {
    type Item = u64;
    fn next(&mut self) -> Option<u64> {
        if self.ended || self.stop.now(GRACE) {
            self.ended = true;
            return None;
        }
        loop {
            let Some(r) = self.ranges.get(self.i) else {
                self.ended = true;
                return None;
            };
            if self.next == r.start && self.stop.requested() {
                self.ended = true;
                return None;
            }
            if self.next < r.end {
                self.next += 1;
                return Some(self.next - 1);
            }
            self.i += 1;
            if let Some(r) = self.ranges.get(self.i) {
                self.next = r.start;
            }
        }
    }
}

/// Runs the shard's share of the dataset's chunks that are not done yet.
pub fn run_dataset(opts: DatasetRun) -> anyhow::Result<DatasetSummary> {
    let start = Instant::now();
    let memory = |spec: &Spec, chunks: &super::Chunks| {
        crate::resources::check_memory(
            crate::plan::Plan::new(spec, opts.threads).peak_bytes(Some(chunks.biggest())),
        )
    };
    // A dataset that would be refused is not made.
    if !super::exists(&opts.dir) && opts.chunk_jobs != Some(0) {
        let spec = opts.spec.clone().unwrap_or_else(Spec::default_sweep);
        memory(&spec, &super::Chunks::for_spec(&spec, opts.chunk_jobs))?;
    }
    let ds = Dataset::open_or_create(&opts.dir, opts.spec, opts.chunk_jobs)?;
    ds.check_shard(opts.shard)?;
    memory(&ds.spec, ds.chunks())?;
    let quiet = opts.progress == ProgressMode::Quiet;
    let found = scan(&ds)?;
    for (c, name, why) in &found.bad {
        if opts.shard.owns(*c) && !quiet {
            eprintln!(
                "warning: {} is unusable ({why}); chunk {c} is redone",
                ds.parts_dir().join(name).display()
            );
        }
    }
    if !found.foreign.is_empty() && !quiet {
        eprintln!(
            "warning: {} holds files that are not this dataset's parts ({}); readers of \
             parts/*.parquet would read them too: move them elsewhere",
            ds.parts_dir().display(),
            found.foreign.join(", ")
        );
    }
    for (path, age) in &found.tmp {
        if *age >= STALE_TMP && std::fs::remove_file(path).is_ok() && !quiet {
            eprintln!(
                "lifsweep: removed {}, left by a run killed {} min ago",
                path.display(),
                age.as_secs() / 60
            );
        }
    }
    let share: Vec<usize> = (0..ds.chunks().len())
        .filter(|&c| opts.shard.owns(c))
        .collect();
    let (skipped, pending): (Vec<usize>, Vec<usize>) = share.iter().partition(|&&c| found.done[c]);
    let costs = if pending.is_empty() {
        Vec::new()
    } else {
        ds.chunk_costs()
    };
    let pending_jobs: u64 = pending.iter().map(|&c| ds.chunks().jobs_in(c)).sum();
    let pending_steps: u64 = pending.iter().map(|&c| costs[c].1).sum();

    let ds = Arc::new(ds);
    let pool =
        Arc::new(engine::thread_pool(opts.threads).context("cannot start the worker threads")?);
    let counters = opts.counters.clone();
    counters.set_totals(pending_jobs, pending_steps);
    let parts = Arc::new(AtomicU64::new(0));
    let progress = Progress::start(
        opts.progress,
        counters.clone(),
        pending_jobs,
        pending_steps,
        Some((parts.clone(), pending.len() as u64)),
    );
    // The parts' columns are encoded on the same worker threads (see output::encode).
    let mut writer = BackgroundWriter::with_sink(PartWriter::new(ds.clone(), parts, pool.clone()))?;
    let ids = ShareIds {
        ranges: pending.iter().map(|&c| ds.chunks().range(c)).collect(),
        i: 0,
        next: pending.first().map_or(0, |&c| ds.chunks().range(c).start),
        stop: &opts.stop,
        ended: false,
    };
    let mut spikes = 0u64;
    let ran = pool.install(|| {
        let at_once = || opts.stop.now(GRACE);
        engine::run_ids(&ds.grid, ids, &counters, &at_once, |job, result| {
            spikes += result.stats.spikes;
            let chunk_ends = job.id + 1 == ds.chunks().range(ds.chunks().of(job.id)).end;
            writer.push(job, result)?;
            if chunk_ends {
                writer.flush()?;
            }
            Ok::<(), WriterStopped>(())
        })
    });
    let written = writer
        .finish()
        .with_context(|| format!("writing parts into {}", ds.parts_dir().display()))?;
    ran.with_context(|| format!("writing parts into {}", ds.parts_dir().display()))?;
    progress.finish();

    let left: Vec<usize> = pending
        .iter()
        .copied()
        .filter(|c| !written.contains(c))
        .collect();
    let stopped_by = (!left.is_empty()).then(|| opts.stop.signal()).flatten();
    if !left.is_empty() && !opts.stop.requested() {
        return Err(DatasetError(format!(
            "internal error: chunks {} of the share were not written",
            list(&left)
        ))
        .into());
    }
    Ok(DatasetSummary {
        dir: ds.dir.clone(),
        shard: opts.shard,
        share_chunks: share.len(),
        sweep_done: found.done_count() + written.len(),
        sweep_chunks: ds.chunks().len(),
        jobs: written.iter().map(|&c| ds.chunks().jobs_in(c)).sum(),
        neuron_steps: counters
            .neuron_steps
            .load(std::sync::atomic::Ordering::Relaxed),
        skipped,
        written,
        left,
        spikes,
        threads: opts.threads,
        wall: start.elapsed(),
        stopped_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(ranges: Vec<Range<u64>>, stop: &Stop) -> ShareIds<'_> {
        let next = ranges[0].start;
        ShareIds {
            ranges,
            i: 0,
            next,
            stop,
            ended: false,
        }
    }

    #[test]
    fn share_ids_run_the_pending_chunks_and_stop_at_a_chunk_boundary() {
        let stop = Stop::default();
        let all: Vec<u64> = ids(vec![2..4, 7..8, 10..13], &stop).collect();
        assert_eq!(all, [2, 3, 7, 10, 11, 12]);

        // A stop asked for in the middle of a chunk: the chunk is finished, no new one begun.
        let mut it = ids(vec![2..4, 7..8], &stop);
        assert_eq!(it.next(), Some(2));
        stop.request(15);
        assert_eq!(it.next(), Some(3));
        assert_eq!(it.next(), None);
        assert_eq!(it.next(), None);

        // A second request: at once.
        let mut it = ids(vec![2..4, 6..7], &stop);
        stop.request(15);
        assert_eq!(it.next(), None);
    }
}
