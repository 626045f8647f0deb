//! The `lifsweep` binary: parses the command line and hands it to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    lifsweep::cli::main(lifsweep::cli::Cli::parse())
}
