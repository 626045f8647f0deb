//! A whole run: spec -> engine on a thread pool -> Parquet file, with progress and a summary.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::engine::{self, Counters};
use crate::grid::Grid;
use crate::output::{AtomicOutput, BackgroundWriter, Progress, ProgressMode};
use crate::spec::Spec;
use crate::stop::{Interrupted, Stop};

pub struct RunOptions {
    pub out: PathBuf,
    pub force: bool,
    pub threads: usize,
    pub progress: ProgressMode,
    /// A stop asked for while the run goes (a signal) ends it soon; the result is then
    /// incomplete and nothing is written.
    pub stop: Arc<Stop>,
    /// Where the run counts its work (for a caller that shows progress itself).
    pub counters: Arc<Counters>,
}

/// What a run did, for the summary line.
#[derive(Debug)]
pub struct Summary {
    pub jobs: u64,
    pub neuron_steps: u64,
    pub spikes: u64,
    pub threads: usize,
    pub wall: Duration,
    pub out: PathBuf,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.wall.as_secs_f64();
        writeln!(
            f,
            "lifsweep: {} jobs, {:.3e} neuron-steps, {} spikes",
            self.jobs, self.neuron_steps as f64, self.spikes
        )?;
        writeln!(
            f,
            "wall time {secs:.2} s on {} threads: {:.3e} neuron-steps/s",
            self.threads,
            self.neuron_steps as f64 / secs.max(1e-9)
        )?;
        write!(f, "wrote {}", self.out.display())
    }
}

/// Runs every job of `spec` and writes the result file.
pub fn run(spec: &Spec, opts: &RunOptions) -> anyhow::Result<Summary> {
    let start = Instant::now();
    crate::resources::check_memory(crate::plan::Plan::new(spec, opts.threads).peak_bytes(None))?;
    let (output, file) = AtomicOutput::create(&opts.out, opts.force)?;
    if let Some(w) = output.leftovers_warning()
        && opts.progress != ProgressMode::Quiet
    {
        eprintln!("warning: {w}");
    }
    let grid = Grid::new(spec);
    let pool =
        Arc::new(engine::thread_pool(opts.threads).context("cannot start the worker threads")?);
    let counters = opts.counters.clone();
    let neuron_steps = spec
        .blocks
        .iter()
        .map(|b| b.neuron_steps())
        .sum::<u128>()
        .try_into()
        .unwrap_or(u64::MAX);
    counters.set_totals(grid.len(), neuron_steps);
    let progress = Progress::start(
        opts.progress,
        counters.clone(),
        grid.len(),
        neuron_steps,
        None,
    );
    // The file's columns are encoded on the same worker threads (see output::encode).
    let mut writer = BackgroundWriter::start(file, &spec.text, grid.len(), pool.clone())?;
    let mut spikes = 0u64;
    let ran = pool.install(|| {
        let stopped = || opts.stop.requested();
        let ids = (0..grid.len()).take_while(|_| !stopped());
        engine::run_ids(&grid, ids, &counters, &stopped, |job, result| {
            spikes += result.stats.spikes;
            writer.push(job, result)
        })
    });
    // The writer's own error first: the engine only stops because the writer did.
    let file = writer
        .finish()
        .with_context(|| format!("writing {}", opts.out.display()))?;
    ran.with_context(|| format!("writing {}", opts.out.display()))?;
    if opts.stop.requested() {
        progress.finish();
        // Dropping `output` removes the temporary file.
        return Err(Interrupted {
            signal: opts.stop.signal(),
            what: format!("nothing written to {}", opts.out.display()),
        }
        .into());
    }
    // Durable before it gets its name.
    file.sync_all()?;
    drop(file);
    progress.finish();
    output.commit()?;
    Ok(Summary {
        jobs: grid.len(),
        neuron_steps,
        spikes,
        threads: opts.threads,
        wall: start.elapsed(),
        out: opts.out.clone(),
    })
}
