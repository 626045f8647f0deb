//! One neuron's trajectory as CSV: t, I, V, input events and spikes, step by step.
//!
//! The neuron is stepped through the same [`Batch`] as in a sweep, with the same seed, so a traced
//! neuron of a job is exactly the one the sweep simulated. Row `n` holds `t_n = n*dt`, the input
//! `I_n` of step `n`, `V(t_n)` before the update of step `n`, the presynaptic events `k_n` (Poisson
//! input) and `spike = 1` if a spike occurred at `t_n` (produced by step `n-1`). Rows run from
//! `t = 0` to `t = duration`, as in `../shared/golden/worked_example.csv`.

use std::io::Write;

use crate::engine::{Batch, Shape};
use crate::job::Job;
use crate::spec::{Spec, SpecError};

/// Writes the trace of neuron `neuron` of `job`.
pub fn write_trace(job: &Job, neuron: u64, out: &mut impl Write) -> std::io::Result<()> {
    let n_steps = job.n_steps();
    let mut batch = Batch::new(Shape::of(job));
    batch.push(job, neuron, 1);
    let decimals = decimals_of(job.sim.dt_ms);
    writeln!(out, "t_ms,i_na,v_mv,events,spike")?;
    let mut spike_now = false;
    for n in 0..=n_steps {
        let v = batch.v_mv()[0];
        batch.step(n);
        let t = n as f64 * job.sim.dt_ms;
        writeln!(
            out,
            "{t:.decimals$},{},{v},{},{}",
            batch.current_na()[0],
            batch.events()[0],
            u8::from(spike_now)
        )?;
        spike_now = batch.spiked(0);
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
/// syntax; a bare word such as `model=sine` is taken as a string).
pub fn job_from_pairs(pairs: &[String]) -> Result<Job, SpecError> {
    let mut text = String::from("[[sweep]]\n");
    for pair in pairs {
        let (key, value) = pair.split_once('=').ok_or_else(|| {
            SpecError::general(format!("trace argument {pair:?} is not KEY=VALUE"))
        })?;
        let (key, value) = (key.trim(), value.trim());
        let is_word = !value.is_empty()
            && value.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
            && !matches!(value, "inf" | "nan" | "true" | "false");
        if is_word {
            text.push_str(&format!("{key} = \"{value}\"\n"));
        } else {
            text.push_str(&format!("{key} = {value}\n"));
        }
    }
    let spec = Spec::parse(&text)?;
    if spec.len() != 1 {
        return Err(SpecError::general(format!(
            "trace follows one job, but these values give {} jobs: give single values",
            spec.len()
        )));
    }
    Ok(crate::grid::Grid::new(&spec).job(0))
}
