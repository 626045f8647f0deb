//! The `lifsweep` binary: parses the command line and hands it to the library.

use clap::Parser;

/// A failed allocation ends with a message and exit status 1, not an abort.
#[global_allocator]
static ALLOCATOR: lifsweep::alloc::Reporting = lifsweep::alloc::Reporting;

fn main() -> std::process::ExitCode {
    lifsweep::alloc::keep_freed_memory();
    lifsweep::cli::main(lifsweep::cli::Cli::parse())
}
