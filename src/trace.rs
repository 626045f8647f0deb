//! One neuron's trajectory as CSV: t, I, V, input events and spikes, step by step.
//!
//! The neuron is stepped through the same [`Batch`] as in a sweep, with the same seed, so a traced
//! neuron of a job is exactly the one the sweep simulated. Row `n` holds `t_n = n*dt`, the input
//! `I_n` of step `n`, `V(t_n)` before the update of step `n`, the presynaptic events `k_n` (Poisson
//! input) and `spike = 1` if a spike occurred at `t_n` (produced by step `n-1`). Rows run from
//! `t = 0` to `t = duration`, as in `tests/data/worked_example.csv` (docs/MODEL.md).

use std::io::Write;

use crate::engine::{Batch, Shape};
use crate::job::Job;
use crate::spec::{Spec, SpecError};

/// One neuron's trajectory, a row per step `n = 0 ..= n_steps` (see the module docs).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    pub t_ms: Vec<f64>,
    pub i_na: Vec<f64>,
    pub v_mv: Vec<f64>,
    pub events: Vec<u32>,
    pub spike: Vec<bool>,
    /// Decimal places that print every `t_ms` exactly.
    pub t_decimals: usize,
}

/// The trace of neuron `neuron` of `job`.
pub fn trace(job: &Job, neuron: u64) -> Trace {
    let n_steps = job.n_steps();
    let rows = n_steps as usize + 1;
    let mut out = Trace {
        t_ms: Vec::with_capacity(rows),
        i_na: Vec::with_capacity(rows),
        v_mv: Vec::with_capacity(rows),
        events: Vec::with_capacity(rows),
        spike: Vec::with_capacity(rows),
        t_decimals: decimals_of(job.sim.dt_ms),
    };
    let mut batch = Batch::new(Shape::of(job)).counting_events();
    batch.push(job, job.seed(), neuron, 1);
    let mut spike_now = false;
    for n in 0..=n_steps {
        out.v_mv.push(batch.v_mv()[0]);
        batch.step(n);
        out.t_ms.push(n as f64 * job.sim.dt_ms);
        out.i_na.push(batch.current_na()[0]);
        out.events.push(batch.events()[0]);
        out.spike.push(spike_now);
        spike_now = batch.spiked(0);
    }
    out
}

/// Writes the trace of neuron `neuron` of `job` as CSV.
pub fn write_trace(job: &Job, neuron: u64, out: &mut impl Write) -> std::io::Result<()> {
    let tr = trace(job, neuron);
    let decimals = tr.t_decimals;
    writeln!(out, "t_ms,i_na,v_mv,events,spike")?;
    for n in 0..tr.t_ms.len() {
        writeln!(
            out,
            "{:.decimals$},{},{},{},{}",
            tr.t_ms[n],
            tr.i_na[n],
            tr.v_mv[n],
            tr.events[n],
            u8::from(tr.spike[n])
        )?;
    }
    Ok(())
}

/// Decimal places that print every multiple of `dt_ms` exactly (up to 12).
fn decimals_of(dt_ms: f64) -> usize {
    (0..12)
        .find(|&d| {
            let scaled = dt_ms * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-9 * scaled.max(1.0)
        })
        .unwrap_or(12)
}

/// The single job described by `KEY=VALUE` pairs, read as one `[[sweep]]` block (values in TOML
/// syntax; a bare word such as `model=sine` is taken as a string). Errors name the argument,
/// never a line or block of the spec the user did not write.
pub fn job_from_pairs(pairs: &[String]) -> Result<Job, SpecError> {
    let mut text = String::from("[[sweep]]\n");
    for (i, pair) in pairs.iter().enumerate() {
        let arg = |what: String| {
            SpecError::general(format!("trace argument {} ({pair:?}): {what}", i + 1))
        };
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| arg("not KEY=VALUE".to_string()))?;
        let (key, value) = (key.trim(), value.trim());
        if value.contains(['\n', '\r']) {
            return Err(arg("a value cannot hold a line break".to_string()));
        }
        let is_word = !value.is_empty()
            && value.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
            && !matches!(value, "inf" | "nan" | "true" | "false");
        let line = if is_word {
            format!("{key} = \"{value}\"\n")
        } else {
            format!("{key} = {value}\n")
        };
        // Each pair on its own first, so that a syntax error names its argument.
        if let Err(e) = toml::de::DeTable::parse(&line) {
            let why = e.to_string();
            let why = why.lines().last().unwrap_or("").trim().to_string();
            return Err(arg(format!(
                "not valid as KEY=VALUE in TOML syntax ({why})"
            )));
        }
        text.push_str(&line);
    }
    let spec = Spec::parse(&text).map_err(|e| match e {
        SpecError::Invalid { line, message } => {
            let message = strip_block(&message);
            match line
                .and_then(|l| l.checked_sub(2))
                .and_then(|i| pairs.get(i).map(|p| (i, p)))
            {
                Some((i, pair)) => {
                    SpecError::general(format!("trace argument {} ({pair:?}): {message}", i + 1))
                }
                None => SpecError::general(format!("trace: {message}")),
            }
        }
        other => other,
    })?;
    if spec.len() != 1 {
        return Err(SpecError::general(format!(
            "trace follows one job, but these values give {} jobs: give single values",
            spec.len()
        )));
    }
    Ok(crate::grid::Grid::new(&spec).job(0))
}

/// A spec message without the `[[sweep]] block 1 (model m): ` of the block the pairs make.
fn strip_block(message: &str) -> String {
    let rest = match message.strip_prefix("[[sweep]] block 1") {
        Some(rest) => rest,
        None => return message.to_string(),
    };
    let rest = match rest.strip_prefix(" (model ") {
        Some(r) => r.split_once(')').map_or(r, |(_, after)| after),
        None => rest,
    };
    let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
    if rest.starts_with("has no model") {
        return "no model= among the KEY=VALUE pairs; add one, e.g. model=noise".to_string();
    }
    if let Some(missing) = rest.strip_prefix("is missing ") {
        return format!("the KEY=VALUE pairs are missing {missing}");
    }
    rest.to_string()
}
