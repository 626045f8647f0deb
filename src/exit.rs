//! Exit statuses: what each outcome means to the shell, decided in one place.
//!
//! 0 done; 1 failed (an I/O error, a bug); 2 the input was refused (bad spec, command line,
//! output path, dataset, not enough memory), with nothing written; 3 `status`: work left;
//! 75 a dataset run stopped by a signal with its work saved (EX_TEMPFAIL: run it again);
//! 128 + N a single-file run stopped by signal N, its temporary file removed.

use crate::cli::UsageError;
use crate::dataset::DatasetError;
use crate::output::{BadOutput, OutputAppeared, OutputExists, WriterStopped};
use crate::plot::PlotError;
use crate::resources::NotEnoughMemory;
use crate::spec::SpecError;
use crate::stop::Interrupted;

pub const FAILED: u8 = 1;
pub const REFUSED: u8 = 2;
/// `status`: the dataset has work left.
pub const WORK_LEFT: u8 = 3;
/// A dataset run stopped by a signal, its finished chunks saved.
pub const STOPPED: u8 = 75;

/// Every error type of the library and its status. A test reads the sources for error types
/// and fails on one not listed here, so a new one cannot exit 1 by being forgotten.
macro_rules! error_types {
    ($($t:ty => $code:expr),* $(,)?) => {
        fn listed(cause: &(dyn std::error::Error + 'static)) -> Option<u8> {
            $(if let Some(e) = cause.downcast_ref::<$t>() {
                #[allow(clippy::redundant_closure_call)]
                return Some(($code)(e));
            })*
            None
        }

        #[cfg(test)]
        const LISTED: &[&str] = &[$(stringify!($t)),*];
    };
}

error_types! {
    SpecError => |_| REFUSED,
    PlotError => |_| REFUSED,
    UsageError => |_| REFUSED,
    OutputExists => |_| REFUSED,
    BadOutput => |_| REFUSED,
    DatasetError => |_| REFUSED,
    NotEnoughMemory => |_| REFUSED,
    Interrupted => |i: &Interrupted| 128 + i.signal.unwrap_or(2).clamp(1, 127) as u8,
    OutputAppeared => |_| FAILED,
    WriterStopped => |_| FAILED,
}

/// The exit status of a command that failed with `e`: that of the first listed error in its
/// chain, else [`FAILED`].
pub fn code(e: &anyhow::Error) -> u8 {
    e.chain().find_map(listed).unwrap_or(FAILED)
}

/// An error and its causes on one line, each cause once: a cause whose text the message
/// already holds (an I/O error quoted by the Parquet error that wraps it) is not repeated.
pub fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_the_message_already_quotes_is_not_repeated() {
        let io = std::io::Error::from_raw_os_error(28);
        let quoted = anyhow::Error::new(io)
            .context(format!(
                "IO error: {}",
                std::io::Error::from_raw_os_error(28)
            ))
            .context("writing r.parquet");
        let text = message(&quoted);
        assert_eq!(text.matches("No space left on device").count(), 1, "{text}");
        assert!(text.starts_with("writing r.parquet: IO error: "), "{text}");
        let plain = anyhow::anyhow!("inner").context("outer");
        assert_eq!(message(&plain), "outer: inner");
    }

    /// The names of the types deriving `thiserror::Error` in the sources.
    fn error_types_in(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                error_types_in(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let mut lines = text.lines();
                while let Some(line) = lines.next() {
                    let line = line.trim_start();
                    if !(line.starts_with("#[derive(") && line.contains("thiserror::Error")) {
                        continue;
                    }
                    let decl = lines
                        .by_ref()
                        .find(|l| l.contains("struct ") || l.contains("enum "))
                        .unwrap();
                    let name = decl
                        .split_whitespace()
                        .skip_while(|w| *w != "struct" && *w != "enum")
                        .nth(1)
                        .unwrap();
                    let end = name.find(['(', '{', ';', '<']).unwrap_or(name.len());
                    out.push(name[..end].to_string());
                }
            }
        }
    }

    #[test]
    fn every_error_type_has_a_status() {
        let mut found = Vec::new();
        error_types_in(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        assert!(found.len() >= 9, "{found:?}");
        for name in found {
            assert!(
                LISTED.contains(&name.as_str()),
                "{name} has no exit status in exit.rs"
            );
        }
    }

    #[test]
    fn a_wrapped_refusal_is_still_a_refusal() {
        let e = anyhow::Error::new(SpecError::general("x")).context("reading the spec");
        assert_eq!(code(&e), REFUSED);
        assert_eq!(code(&anyhow::anyhow!("disk full")), FAILED);
        let stop = Interrupted {
            signal: Some(15),
            what: String::new(),
        };
        assert_eq!(code(&stop.into()), 143);
    }
}
