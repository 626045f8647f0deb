mod cli;
mod common;
mod constant_input;
mod determinism;
mod spec_errors;
mod worked_example;
