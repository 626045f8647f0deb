//! The command line (DESIGN.md): `run`, `plan`, `trace`. Parses arguments into the library's
//! calls and maps errors to exit codes: 2 for a bad command line or spec, 1 for a failed run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::output::{BadOutput, OutputExists, ProgressMode};
use crate::plan::Plan;
use crate::run::{RunOptions, run};
use crate::spec::{Spec, SpecError};
use crate::trace;

#[derive(Parser, Debug)]
#[command(
    name = "lifsweep",
    version,
    about = "Massive parameter sweeps of leaky integrate-and-fire neurons, to Parquet"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a sweep (the compiled-in default sweep when no SPEC is given) and write Parquet.
    Run(RunArgs),
    /// Show jobs per block, neuron-steps, estimated time and output size, without simulating.
    Plan(PlanArgs),
    /// Print one neuron's t, I, V, input events and spikes as CSV.
    ///
    /// Either a SPEC file with --job (a neuron exactly as the sweep simulated it), or KEY=VALUE
    /// pairs describing one job, e.g.
    /// `lifsweep trace model=sine mu_na=0.8 amp_na=0.8 period_ms=20 dt_ms=1 duration_ms=10`.
    Trace(TraceArgs),
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Sweep spec (TOML); without it, the compiled-in sweeps/default.toml runs.
    pub spec: Option<PathBuf>,
    /// Output Parquet file.
    #[arg(short, long, default_value = "results.parquet")]
    pub out: PathBuf,
    /// Worker threads [default: RAYON_NUM_THREADS, else SLURM_CPUS_PER_TASK, else all cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress reports on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Overwrite OUT if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// Sweep spec (TOML); without it, the compiled-in default sweep.
    pub spec: Option<PathBuf>,
    /// Threads to estimate the wall time for [default: as `run` would use].
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Args, Debug)]
pub struct TraceArgs {
    /// A spec file, or KEY=VALUE pairs of one job (model=noise mu_na=1.2 sigma_na=0.5 ...).
    #[arg(value_name = "SPEC | KEY=VALUE")]
    pub args: Vec<String>,
    /// With a SPEC: the job id to trace.
    #[arg(long, default_value_t = 0)]
    pub job: u64,
    /// Which neuron of the job's population.
    #[arg(long, default_value_t = 0)]
    pub neuron: u64,
}

/// A mistake in the command line (exit status 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Runs a parsed command line; prints errors and returns the exit status.
pub fn main(cli: Cli) -> ExitCode {
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            let usage = e.is::<SpecError>()
                || e.is::<UsageError>()
                || e.is::<OutputExists>()
                || e.is::<BadOutput>();
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run(a) => {
            let spec = load_spec(a.spec.as_deref())?;
            let threads = resolve_threads(a.threads)?;
            if !a.quiet {
                print_warnings(&spec);
            }
            let summary = run(
                &spec,
                &RunOptions {
                    out: a.out,
                    force: a.force,
                    threads,
                    progress: ProgressMode::detect(a.quiet),
                },
            )?;
            print_out(summary)?;
        }
        Command::Plan(a) => {
            let spec = load_spec(a.spec.as_deref())?;
            print_warnings(&spec);
            print_out(Plan::new(&spec, resolve_threads(a.threads)?))?;
        }
        Command::Trace(a) => {
            let job = trace_job(&a)?;
            if a.neuron >= job.sim.neurons {
                return Err(UsageError(format!(
                    "--neuron {} is not allowed: job {} has neurons 0..{}",
                    a.neuron,
                    job.id,
                    job.sim.neurons - 1
                ))
                .into());
            }
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            quiet_if_closed(
                trace::write_trace(&job, a.neuron, &mut out).and_then(|()| out.flush()),
            )?;
        }
    }
    Ok(())
}

fn load_spec(path: Option<&Path>) -> Result<Spec, SpecError> {
    match path {
        Some(p) => Spec::from_file(p),
        None => Ok(Spec::default_sweep()),
    }
}

/// Prints `text` and a newline on stdout.
fn print_out(text: impl std::fmt::Display) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    quiet_if_closed(writeln!(out, "{text}").and_then(|()| out.flush()))
}

/// Output whose reader went away (`lifsweep trace ... | head`) just stops, as with any Unix
/// tool: a broken pipe is not an error (the result file, if any, is already complete).
fn quiet_if_closed(written: std::io::Result<()>) -> anyhow::Result<()> {
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn print_warnings(spec: &Spec) {
    for w in &spec.warnings {
        eprintln!("warning: {w}");
    }
}

fn trace_job(a: &TraceArgs) -> anyhow::Result<crate::job::Job> {
    let (pairs, files): (Vec<&String>, Vec<&String>) = a.args.iter().partition(|s| s.contains('='));
    match (files.as_slice(), pairs.is_empty()) {
        ([], false) => Ok(trace::job_from_pairs(
            &pairs.into_iter().cloned().collect::<Vec<_>>(),
        )?),
        ([file], true) => {
            let spec = Spec::from_file(Path::new(file))?;
            let grid = crate::grid::Grid::new(&spec);
            if a.job >= grid.len() {
                return Err(UsageError(format!(
                    "--job {} is not allowed: {file} has jobs 0..{}",
                    a.job,
                    grid.len() - 1
                ))
                .into());
            }
            Ok(grid.job(a.job))
        }
        _ => Err(UsageError(
            "trace takes either one SPEC file (with --job) or KEY=VALUE pairs, e.g. \
             `lifsweep trace model=constant mu_na=1.5 dt_ms=1 duration_ms=10`"
                .to_string(),
        )
        .into()),
    }
}

/// Worker threads: `--threads`, else RAYON_NUM_THREADS, else SLURM_CPUS_PER_TASK, else all cores.
pub fn resolve_threads(flag: Option<usize>) -> Result<usize, UsageError> {
    if let Some(n) = flag {
        return if n >= 1 {
            Ok(n)
        } else {
            Err(UsageError(
                "--threads 0 is not allowed: give 1 or more".into(),
            ))
        };
    }
    for var in ["RAYON_NUM_THREADS", "SLURM_CPUS_PER_TASK"] {
        if let Ok(text) = std::env::var(var) {
            match text.trim().parse::<usize>() {
                Ok(n) if n >= 1 => return Ok(n),
                // rayon's own convention: 0 means "choose for me".
                Ok(0) if var == "RAYON_NUM_THREADS" => continue,
                _ => {
                    return Err(UsageError(format!(
                        "{var}={text:?} is not allowed: it must be a whole number of threads >= 1"
                    )));
                }
            }
        }
    }
    Ok(std::thread::available_parallelism().map_or(1, |n| n.get()))
}
