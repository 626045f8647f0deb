//! The command line (docs/DESIGN.md): `run`, `status`, `merge`, `slurm`, `plan`, `trace`. Parses
//! arguments into the library's calls; exit statuses come from [`crate::exit`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::dataset::{self, DatasetRun, Shard, SlurmOptions, Status};
use crate::exit;
use crate::output::ProgressMode;
use crate::plan::Plan;
use crate::resources::available_cores;
use crate::run::{RunOptions, run};
use crate::spec::Spec;
use crate::stop::{GRACE, SignalGuard, Stop};
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
    ///
    /// With --dataset DIR the sweep runs as chunks into a dataset directory, each finished
    /// chunk one Parquet file in DIR/parts/; the same command again continues where it stopped,
    /// and --shard I/N runs one task's share of the chunks (a cluster job array).
    Run(RunArgs),
    /// How far a dataset directory is, from its files alone. Exit 0 when complete, 3 when work
    /// remains.
    Status(StatusArgs),
    /// Merge a complete dataset directory into one Parquet file, as `run -o` writes it.
    Merge(MergeArgs),
    /// Write DIR/lifsweep.sbatch, a SLURM job array that runs the dataset's shards.
    Slurm(SlurmArgs),
    /// Show jobs per block, neuron-steps, estimated time and output size, without simulating.
    Plan(PlanArgs),
    /// Print a shell completion script, e.g. `lifsweep completions bash > ~/.local/share/bash-completion/completions/lifsweep`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the spec's keys (units, defaults, allowed values, seed codes) and the input parts,
    /// as Markdown tables.
    Keys,
    /// Print the result file's columns (type, unit, when null), as a Markdown table.
    Columns,
    /// Draw a sweep's figure (PNG or SVG): per model family, the firing rate against the first
    /// swept input parameter, a line per value of the other swept parameters, +-1 s.e.m. error
    /// bars, the theory as a line (dashed where it is not reliable), and the ISI CV below.
    Plot(PlotArgs),
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
    /// Output Parquet file [default: results.parquet].
    #[arg(short, long, conflicts_with = "dataset")]
    pub out: Option<PathBuf>,
    /// Run into this dataset directory (made if new, continued if not) instead of one file.
    #[arg(long, value_name = "DIR")]
    pub dataset: Option<PathBuf>,
    /// With --dataset: run only shard I of N (0-based): the chunks c with c mod N = I.
    #[arg(long, value_name = "I/N", requires = "dataset")]
    pub shard: Option<Shard>,
    /// With --dataset, when DIR is made: K jobs per chunk [default: chunks of about 15 s of
    /// one core's work].
    #[arg(long, value_name = "K", requires = "dataset")]
    pub chunk_jobs: Option<u64>,
    /// Worker threads [default: RAYON_NUM_THREADS, else SLURM_CPUS_PER_TASK, else all cores].
    #[arg(long, allow_hyphen_values = true)]
    pub threads: Option<String>,
    /// No progress reports on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Overwrite OUT if it exists.
    #[arg(long, conflicts_with = "dataset")]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// The dataset directory.
    pub dir: PathBuf,
    /// Print only the shards with work left, as a SLURM array list (`3,7-9`), for
    /// `sbatch --array=$(lifsweep status DIR --missing-shards) DIR/lifsweep.sbatch`.
    #[arg(long)]
    pub missing_shards: bool,
    /// The shard count to report by [default: the one `lifsweep slurm` recorded in DIR].
    #[arg(long, value_name = "N")]
    pub shards: Option<u64>,
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The dataset directory.
    pub dir: PathBuf,
    /// Output Parquet file.
    #[arg(short, long, default_value = "results.parquet")]
    pub out: PathBuf,
    /// Overwrite OUT if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct SlurmArgs {
    /// Sweep spec (TOML) to make DIR from; without it, DIR's own spec (or, for a new DIR, the
    /// compiled-in default sweep).
    pub spec: Option<PathBuf>,
    /// The dataset directory (made if new).
    #[arg(long, value_name = "DIR")]
    pub dataset: PathBuf,
    /// Array tasks: task i runs shard i/N.
    #[arg(long, value_name = "N")]
    pub tasks: u64,
    /// CPUs (threads) per task.
    #[arg(long, value_name = "C", default_value_t = 1)]
    pub cpus_per_task: u64,
    /// Time limit per task, in SLURM's format [default: twice the estimated work of a task
    /// plus 10 minutes].
    #[arg(long)]
    pub time: Option<String>,
    /// The SLURM partition to submit to [default: the cluster's].
    #[arg(long)]
    pub partition: Option<String>,
    /// The SLURM account to charge [default: yours].
    #[arg(long)]
    pub account: Option<String>,
    /// Memory per node, in SLURM's format (e.g. 4G).
    #[arg(long)]
    pub mem: Option<String>,
    /// Tasks running at once, at most (the array's %K).
    #[arg(long, value_name = "K")]
    pub max_parallel: Option<u64>,
    /// When DIR is made: K jobs per chunk.
    #[arg(long, value_name = "K")]
    pub chunk_jobs: Option<u64>,
    /// Replace an existing DIR/lifsweep.sbatch that differs.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// Sweep spec (TOML); without it, the compiled-in default sweep.
    pub spec: Option<PathBuf>,
    /// Threads to estimate the wall time for [default: as `run` would use].
    #[arg(long, allow_hyphen_values = true)]
    pub threads: Option<String>,
}

#[derive(Args, Debug)]
pub struct PlotArgs {
    /// A result file (Parquet) or a dataset directory.
    pub results: PathBuf,
    /// The figure: a .png or .svg file.
    #[arg(short, long)]
    pub out: PathBuf,
    /// The x axis [default: mu_na if the spec sweeps it, else its first swept key].
    #[arg(long, value_name = "COLUMN")]
    pub x: Option<String>,
    /// The statistic of the upper panels.
    #[arg(long, value_name = "COLUMN", default_value = "firing_rate_hz")]
    pub y: String,
    /// The columns whose values make the lines [default: every parameter that varies within
    /// a model family, other than x].
    #[arg(long, value_name = "COLUMN,...", value_delimiter = ',')]
    pub group: Option<Vec<String>>,
    /// Only the rows where COLUMN equals VALUE (repeatable), e.g. --where sigma_na=0.5.
    #[arg(long = "where", value_name = "COLUMN=VALUE")]
    pub filters: Vec<String>,
    /// A logarithmic x axis (rows with x <= 0 are left out) [default: when x was swept as a
    /// log range, a geometric series spanning a factor of 20 or more].
    #[arg(long, overrides_with = "no_logx")]
    pub logx: bool,
    /// A linear x axis, whatever x's values.
    #[arg(long)]
    pub no_logx: bool,
    /// A logarithmic y axis for the upper panels.
    #[arg(long)]
    pub logy: bool,
    /// The figure's size in pixels [default: 480 per family + 80, x 820].
    #[arg(long, value_name = "WxH")]
    pub size: Option<String>,
    /// Overwrite OUT if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct TraceArgs {
    /// A spec file, or KEY=VALUE pairs of one job (model=noise mu_na=1.2 sigma_na=0.5 ...).
    #[arg(value_name = "SPEC | KEY=VALUE")]
    pub args: Vec<String>,
    /// With a SPEC: the job id to trace [default: 0].
    #[arg(long)]
    pub job: Option<u64>,
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
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", exit::message(&e));
            ExitCode::from(exit::code(&e))
        }
    }
}

/// Runs the command; returns the exit status of a command that did its work.
fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Run(a) => return run_command(a),
        Command::Status(a) => {
            let status = Status::read(&a.dir, a.shards)?;
            if a.missing_shards {
                let list = status.missing_shards().ok_or_else(|| {
                    UsageError(format!(
                        "{} has no shard count (`lifsweep slurm` records one); give --shards N",
                        a.dir.display()
                    ))
                })?;
                print_out(list)?;
            } else {
                print_out(&status)?;
            }
            return Ok(if status.complete() {
                0
            } else {
                exit::WORK_LEFT
            });
        }
        Command::Keys | Command::Columns => {
            let text = if matches!(cli.command, Command::Keys) {
                format!(
                    "{}\n{}",
                    crate::spec::reference::key_table(),
                    crate::spec::reference::part_table()
                )
            } else {
                crate::output::markdown_table()
            };
            let mut stdout = std::io::stdout().lock();
            quiet_if_closed(
                stdout
                    .write_all(text.as_bytes())
                    .and_then(|()| stdout.flush()),
            )?;
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "lifsweep", &mut out);
            let mut stdout = std::io::stdout().lock();
            quiet_if_closed(stdout.write_all(&out).and_then(|()| stdout.flush()))?;
        }
        Command::Merge(a) => {
            let rows = dataset::merge(&a.dir, &a.out, a.force)?;
            print_out(format!(
                "merged {rows} rows of {} into {}",
                a.dir.display(),
                a.out.display()
            ))?;
        }
        Command::Slurm(a) => {
            let spec = a.spec.as_deref().map(Spec::from_file).transpose()?;
            let binary = std::env::current_exe()
                .and_then(std::fs::canonicalize)
                .map_err(|e| anyhow::anyhow!("cannot find this lifsweep binary's path: {e}"))?;
            let opts = SlurmOptions {
                tasks: a.tasks,
                cpus_per_task: a.cpus_per_task,
                time: a.time,
                partition: a.partition,
                account: a.account,
                mem: a.mem,
                max_parallel: a.max_parallel,
                binary,
                force: a.force,
            };
            // Refused options make no directory.
            if !dataset::exists(&a.dataset) && a.chunk_jobs != Some(0) {
                let spec = spec.clone().unwrap_or_else(Spec::default_sweep);
                let chunks = dataset::Chunks::for_spec(&spec, a.chunk_jobs);
                dataset::check_options(&a.dataset, chunks.len() as u64, &opts)?;
            }
            let mut ds = dataset::Dataset::open_or_create(&a.dataset, spec, a.chunk_jobs)?;
            let script = dataset::write_sbatch(&mut ds, &opts)?;
            print_out(dataset::submit_hint(&a.dataset, &script, &opts))?;
        }
        Command::Plan(a) => {
            let spec = load_spec(a.spec.as_deref())?;
            print_warnings(&spec);
            let plan = Plan::new(&spec, resolve_threads(a.threads.as_deref())?.0);
            for w in plan.warnings() {
                eprintln!("warning: {w}");
            }
            print_out(plan)?;
        }
        Command::Plot(a) => {
            let opts = crate::plot::PlotOptions {
                size: a.size.as_deref().map(crate::plot::parse_size).transpose()?,
                results: a.results,
                out: a.out,
                x: a.x,
                y: a.y,
                group: a.group,
                filters: a.filters,
                logx: match (a.logx, a.no_logx) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
                logy: a.logy,
                force: a.force,
            };
            let (families, rows) = crate::plot::plot(&opts)?;
            print_out(format!(
                "plotted {rows} rows of {} ({families} model {}) into {}",
                opts.results.display(),
                if families == 1 { "family" } else { "families" },
                opts.out.display()
            ))?;
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
    Ok(0)
}

fn run_command(a: RunArgs) -> anyhow::Result<u8> {
    // Signals are caught first, so that a stop asked for at any moment is orderly.
    let stop = Stop::new();
    let _signals = if a.dataset.is_some() {
        SignalGuard::install(
            stop.clone(),
            format!(
                "taking no new chunk; the chunk in flight is finished if it can be within {} s, \
                 then lifsweep stops (send the signal again to stop at once)",
                GRACE.as_secs()
            ),
            "stopping at once; the chunk in flight is dropped".into(),
        )?
    } else {
        SignalGuard::install(
            stop.clone(),
            "stopping; nothing will be written".into(),
            String::new(),
        )?
    };
    let spec = a.spec.as_deref().map(Spec::from_file).transpose()?;
    let (threads, warning) = resolve_threads(a.threads.as_deref())?;
    if let Some(w) = warning
        && !a.quiet
    {
        eprintln!("warning: {w}");
    }
    let progress = ProgressMode::detect(a.quiet);
    let Some(dir) = a.dataset else {
        let spec = spec.unwrap_or_else(Spec::default_sweep);
        if !a.quiet {
            print_warnings(&spec);
            for w in Plan::new(&spec, threads).warnings() {
                eprintln!("warning: {w}");
            }
        }
        let out = a.out.unwrap_or_else(|| PathBuf::from("results.parquet"));
        let summary = run(
            &spec,
            &RunOptions {
                out: out.clone(),
                force: a.force,
                threads,
                progress,
                stop,
                counters: Default::default(),
            },
        )?;
        print_out(summary).with_context(|| {
            format!(
                "{} is complete and in place; only the summary could not be written to standard \
                 output",
                out.display()
            )
        })?;
        return Ok(0);
    };
    if let Some(spec) = &spec
        && !a.quiet
    {
        print_warnings(spec);
        for w in Plan::new(spec, threads).warnings() {
            eprintln!("warning: {w}");
        }
    }
    let summary = dataset::run_dataset(DatasetRun {
        dir,
        spec,
        chunk_jobs: a.chunk_jobs,
        shard: a.shard.unwrap_or(Shard::ALL),
        threads,
        progress,
        stop,
        counters: Default::default(),
    })?;
    print_out(&summary).with_context(|| {
        format!(
            "the {} chunks written are complete in {}; only the summary could not be written to \
             standard output",
            summary.written.len(),
            summary.dir.join("parts").display()
        )
    })?;
    Ok(if summary.complete() { 0 } else { exit::STOPPED })
}

/// The spec of `plan`: a file, or the compiled-in default sweep. (`run` and `slurm` read theirs
/// themselves: there a dataset's own spec stands in for a missing one.)
fn load_spec(path: Option<&Path>) -> Result<Spec, crate::spec::SpecError> {
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
        ([], false) => {
            if let Some(id) = a.job {
                return Err(UsageError(format!(
                    "--job {id} is not allowed with KEY=VALUE pairs: they describe one job; \
                     --job picks a job of a SPEC file"
                ))
                .into());
            }
            Ok(trace::job_from_pairs(
                &pairs.into_iter().cloned().collect::<Vec<_>>(),
            )?)
        }
        ([file], true) => {
            let spec = Spec::from_file(Path::new(file))?;
            let grid = crate::grid::Grid::new(&spec);
            let id = a.job.unwrap_or(0);
            if id >= grid.len() {
                return Err(UsageError(format!(
                    "--job {id} is not allowed: {file} has jobs 0..{}",
                    grid.len() - 1
                ))
                .into());
            }
            Ok(grid.job(id))
        }
        _ => Err(UsageError(
            "trace takes either one SPEC file (with --job) or KEY=VALUE pairs, e.g. \
             `lifsweep trace model=constant mu_na=1.5 dt_ms=1 duration_ms=10`"
                .to_string(),
        )
        .into()),
    }
}

/// Most worker threads per core the process may use: more only slow a run down (each thread
/// steps its own batches; oversubscribed, they take turns), and thousands of threads exhaust
/// the machine.
pub const MAX_THREADS_PER_CORE: usize = 4;

/// Worker threads: `--threads`, else RAYON_NUM_THREADS, else SLURM_CPUS_PER_TASK, else all the
/// cores the process may use. Each source must give a whole number from 1 to
/// [`MAX_THREADS_PER_CORE`] x the cores; more threads than cores gives a warning (returned).
pub fn resolve_threads(flag: Option<&str>) -> Result<(usize, Option<String>), UsageError> {
    let cores = available_cores();
    let (source, text) = match flag {
        Some(n) => ("--threads ".to_string(), n.to_string()),
        None => match ["RAYON_NUM_THREADS", "SLURM_CPUS_PER_TASK"]
            .into_iter()
            .find_map(|var| std::env::var(var).ok().map(|v| (format!("{var}="), v)))
        {
            Some(found) => found,
            None => return Ok((cores, None)),
        },
    };
    let max = MAX_THREADS_PER_CORE * cores;
    let n = match text.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => n,
        _ => {
            return Err(UsageError(format!(
                "{source}{text:?} is not allowed: give a whole number of threads from 1 to {max} \
                 ({MAX_THREADS_PER_CORE} per core; this process may use {cores} cores)"
            )));
        }
    };
    let warning = (n > cores).then(|| {
        format!(
            "{source}{n}: more threads than the {cores} cores this process may use; the run \
             will be slower, not faster"
        )
    });
    Ok((n, warning))
}
