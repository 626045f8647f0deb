mod cli;
mod common;
mod constant_input;
mod convergence;
mod determinism;
mod spec_errors;
mod theory;
mod worked_example;
