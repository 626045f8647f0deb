//! Errors in a sweep spec: each names where (line, block), the key, the value and what is allowed.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("cannot read spec file {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The text is not valid TOML (the message shows the line).
    #[error("{0}")]
    Syntax(String),
    /// The TOML is valid but the spec is not.
    #[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
    Invalid {
        line: Option<usize>,
        message: String,
    },
}

impl SpecError {
    pub(crate) fn at(line: usize, message: impl Into<String>) -> SpecError {
        SpecError::Invalid {
            line: Some(line),
            message: message.into(),
        }
    }

    pub(crate) fn general(message: impl Into<String>) -> SpecError {
        SpecError::Invalid {
            line: None,
            message: message.into(),
        }
    }
}

/// The 1-based line of byte offset `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
