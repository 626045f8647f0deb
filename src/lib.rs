//! lifsweep: massive parameter sweeps of leaky integrate-and-fire neurons.
//!
//! A TOML [`spec`] expands into a [`grid`] of [`job`]s; the [`engine`] steps struct-of-arrays
//! populations ([`neuron`], [`input`]) on every core and hands one row of statistics per job to
//! the [`output`] writer (Parquet). [`trace`] follows one neuron; [`plan`] sizes a sweep.
//!
//! ```
//! use lifsweep::{engine, grid::Grid, spec::Spec};
//!
//! let spec = Spec::parse(r#"
//!     [simulation]
//!     duration_ms = 100.0
//!     neurons = 10
//!     [[sweep]]
//!     model = "constant"
//!     mu_na = [1.0, 2.0]
//! "#).unwrap();
//! let mut rates = Vec::new();
//! engine::run(&Grid::new(&spec), &engine::Counters::default(), |_job, result| {
//!     rates.push(result.stats.firing_rate_hz);
//!     assert_eq!(result.theory.rate_hz, Some(result.stats.firing_rate_hz)); // exact theory
//!     Ok::<(), ()>(())
//! })
//! .unwrap();
//! assert_eq!(rates[0], 0.0); // below rheobase (1.5 nA)
//! assert_eq!(rates[1], 70.0); // a spike every 138 steps of 0.1 ms: 7 in 100 ms
//! ```

pub mod alloc;
pub mod cli;
pub mod dataset;
pub mod engine;
pub mod exit;
pub mod fastmath;
pub mod grid;
pub mod input;
pub mod job;
pub mod lanes;
pub mod neuron;
pub mod output;
pub mod plan;
pub mod plot;
pub mod read;
pub mod resources;
pub mod rng;
pub mod run;
pub mod spec;
pub mod stop;
pub mod theory;
pub mod trace;

/// The tool's version, written into every result file.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
