//! lifsweep: massive parameter sweeps of leaky integrate-and-fire neurons.
//!
//! A TOML [`spec`] expands into a [`grid`] of [`job`]s; the [`engine`] steps struct-of-arrays
//! populations ([`neuron`], [`input`]) on every core and hands one row of statistics per job to
//! the [`output`] writer (Parquet). [`trace`] follows one neuron; [`plan`] sizes a sweep.

pub mod cli;
pub mod engine;
pub mod grid;
pub mod input;
pub mod job;
pub mod neuron;
pub mod output;
pub mod plan;
pub mod rng;
pub mod run;
pub mod spec;
pub mod trace;

/// The tool's version, written into every result file.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
