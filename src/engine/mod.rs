//! The parallel engine: cuts the grid into batches, runs them on every core with rayon and hands
//! each job's statistics, in job order, to a consumer.
//!
//! Jobs are taken from the (lazy) grid a chunk at a time, so memory grows with the number of
//! threads and the population size, never with the number of jobs. A job's neurons are cut into
//! segments of at most [`LANES`]; consecutive segments of jobs with the same model and step counts
//! share a batch, so a sweep of one-neuron jobs runs `LANES` jobs per batch. Every neuron has its
//! own random stream and every statistic is reduced in neuron order, so results do not depend on
//! the cut, the packing or the number of threads.

mod batch;
mod hist;
mod phase;
mod predict;
mod stats;
mod vstats;

pub use batch::{Batch, REPORT_STEPS, Shape};
pub use hist::{HistShape, Hists, MAX_BINS};
pub use phase::Locking;
pub use predict::predict;
pub use stats::{JobAccumulator, JobStats, LaneStats, SegmentStats};
pub use vstats::Harmonic;

use crate::theory::Theory;

/// What the engine hands out per job: the simulated statistics, the analytic prediction and
/// the job's derived seed (`Job::seed`, for its column: computed here, on the worker threads,
/// not again by the writer).
#[derive(Clone, Debug, PartialEq)]
pub struct JobResult {
    pub stats: JobStats,
    pub theory: Theory,
    pub seed: u64,
}

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::grid::Grid;
use crate::job::Job;

/// Lanes of a batch: the most neurons stepped together.
pub const LANES: usize = 256;

/// Batches per thread in one chunk: enough to balance the load across threads.
const BATCHES_PER_THREAD: usize = 32;

/// Jobs per thread in one chunk, at most: a chunk's results go to the writer when it ends, so
/// for small jobs (a few hundred per batch) smaller chunks let the writer encode while the
/// engine runs (W3: 2.4 ms of 37), and hold less memory (a million one-neuron jobs: 41 -> 25
/// MB). Not smaller: each chunk ends at a barrier (1024 per thread costs nothing measurable on a
/// million jobs; 512 per thread cost 7% there).
const JOBS_PER_THREAD: usize = 1024;

/// The worker threads of a run.
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build()
}

/// Work done so far, for progress reports (updated by the worker threads), and the work the
/// run has to do (set by the run when it starts; 0 until then).
#[derive(Debug, Default)]
pub struct Counters {
    pub jobs: AtomicU64,
    pub neuron_steps: AtomicU64,
    pub total_jobs: AtomicU64,
    pub total_neuron_steps: AtomicU64,
}

impl Counters {
    /// Records the run's totals.
    pub fn set_totals(&self, jobs: u64, neuron_steps: u64) {
        self.total_jobs.store(jobs, Ordering::Relaxed);
        self.total_neuron_steps
            .store(neuron_steps, Ordering::Relaxed);
    }
}

/// Neurons `first..first + count` of the chunk's job `job`.
#[derive(Clone, Copy, Debug)]
struct Segment {
    job: usize,
    first: u64,
    count: usize,
}

/// Runs every job of `grid` on the current rayon pool and hands each to `emit`, in job order.
/// Stops at the first error `emit` returns.
pub fn run<E>(
    grid: &Grid,
    counters: &Counters,
    emit: impl FnMut(Job, JobResult) -> Result<(), E>,
) -> Result<(), E> {
    run_ids(grid, 0..grid.len(), counters, &|| false, emit)
}

/// Runs the jobs `ids` of `grid` (each id `< grid.len()`), calling `emit` for each in the order
/// of `ids`. The ids are drawn as the engine plans its next chunk of work, at most a few
/// thousand ahead of the rows emitted, so an iterator that ends early (a stop was asked for)
/// ends the run soon, after the rows of the jobs it has already yielded. A job's row does not
/// depend on which other jobs run, or in what order.
///
/// `cancelled` is asked before each batch of up to [`LANES`] neurons and every
/// [`REPORT_STEPS`] steps inside one: once it says yes, the batches stop where they are and the
/// run ends without emitting the jobs of the chunk in progress (however big they are).
pub fn run_ids<E>(
    grid: &Grid,
    ids: impl IntoIterator<Item = u64>,
    counters: &Counters,
    cancelled: &(dyn Fn() -> bool + Sync),
    mut emit: impl FnMut(Job, JobResult) -> Result<(), E>,
) -> Result<(), E> {
    let target_batches = BATCHES_PER_THREAD * rayon::current_num_threads();
    let max_jobs = JOBS_PER_THREAD * rayon::current_num_threads();
    let mut ids = ids.into_iter();
    predict::prepare(grid);
    // A job too big for one chunk goes on in the next: the job, its next neuron, its sums.
    let mut carried: Option<(Job, u64, JobAccumulator)> = None;
    // A chunk's jobs and their sums, emptied for the next chunk: grown anew by doubling for
    // each chunk, they were reallocated (and copied) 22 times a chunk.
    let mut jobs: Vec<Job> = Vec::new();
    let mut accs: Vec<JobAccumulator> = Vec::new();
    loop {
        // Plan a chunk: consecutive jobs (the first perhaps carried over), their segments
        // packed into batch plans; at most `target_batches` plans, so memory does not grow
        // with the size of a job.
        jobs.clear();
        accs.clear();
        let mut plans: Vec<Vec<Segment>> = Vec::new();
        let mut open: Vec<Segment> = Vec::with_capacity(LANES);
        let mut open_lanes = 0;
        let mut next_neuron = None;
        // The shape of the last job taken (the one whose segments `open` ends with).
        let mut last_shape = None;
        if let Some((job, first, acc)) = carried.take() {
            last_shape = Some(Shape::of(&job));
            jobs.push(job);
            accs.push(acc);
            next_neuron = Some(first);
        }
        loop {
            let first = match next_neuron {
                Some(first) => first,
                None => {
                    if plans.len() >= target_batches || jobs.len() >= max_jobs {
                        break;
                    }
                    let Some(id) = ids.next() else { break };
                    let job = grid.job(id);
                    let shape = Some(Shape::of(&job));
                    // A new plan where the shape changes (`open` holds the last job's segments).
                    if !open.is_empty() && shape != last_shape {
                        plans.push(std::mem::replace(&mut open, Vec::with_capacity(LANES)));
                        open_lanes = 0;
                    }
                    last_shape = shape;
                    jobs.push(job);
                    accs.push(JobAccumulator::default());
                    0
                }
            };
            let j = jobs.len() - 1;
            let neurons = jobs[j].sim.neurons;
            let mut first = first;
            while first < neurons {
                let count = (neurons - first).min(LANES as u64) as usize;
                if open_lanes + count > LANES {
                    plans.push(std::mem::replace(&mut open, Vec::with_capacity(LANES)));
                    open_lanes = 0;
                }
                if plans.len() >= target_batches {
                    break;
                }
                open.push(Segment {
                    job: j,
                    first,
                    count,
                });
                open_lanes += count;
                first += count as u64;
            }
            if first < neurons {
                // The chunk is full in the middle of this job: the rest in the next chunk.
                next_neuron = Some(first);
                break;
            }
            next_neuron = None;
        }
        if !open.is_empty() {
            plans.push(open);
        }
        if jobs.is_empty() {
            return Ok(());
        }

        // Each job's seed once, on the worker threads: for its streams and its column.
        let seeds: Vec<u64> = jobs.par_iter().map(Job::seed).collect();
        let results: Option<Vec<Vec<SegmentStats>>> = plans
            .par_iter()
            .with_max_len(1)
            .map(|plan| run_plan(plan, &jobs, &seeds, counters, cancelled))
            .collect();
        let Some(results) = results else {
            return Ok(());
        };

        for (plan, segs) in plans.iter().zip(&results) {
            for (seg, stats) in plan.iter().zip(segs) {
                accs[seg.job].add(stats);
            }
        }
        drop(results);
        if let Some(first) = next_neuron {
            let job = jobs.pop().expect("the job cut");
            let acc = accs.pop().expect("its sums");
            carried = Some((job, first, acc));
        }
        // Each job's statistics and theory on the worker threads; emitted in job order.
        let results: Vec<JobResult> = jobs
            .par_iter()
            .zip(&accs)
            .zip(&seeds)
            .map(|((job, acc), &seed)| JobResult {
                stats: acc.finish(job),
                theory: predict(job),
                seed,
            })
            .collect();
        let emitted = jobs.len() as u64;
        for (job, result) in jobs.drain(..).zip(results) {
            emit(job, result)?;
        }
        counters.jobs.fetch_add(emitted, Ordering::Relaxed);
    }
}

/// The statistics of a plan's segments; `None` if `cancelled` said yes before it finished.
fn run_plan(
    plan: &[Segment],
    jobs: &[Job],
    seeds: &[u64],
    counters: &Counters,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Option<Vec<SegmentStats>> {
    let first_job = &jobs[plan[0].job];
    let mut batch = Batch::new(Shape::of(first_job));
    for seg in plan {
        batch.push(&jobs[seg.job], seeds[seg.job], seg.first, seg.count);
    }
    if !batch.run_until(&counters.neuron_steps, cancelled) {
        return None;
    }
    let mut lane = 0;
    Some(
        plan.iter()
            .map(|seg| {
                let stats = batch.segment(lane..lane + seg.count);
                lane += seg.count;
                stats
            })
            .collect(),
    )
}
