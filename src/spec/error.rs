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

/// A message with every line cut to at most 200 characters (a TOML error quotes its source
/// line, which may be 20,000 characters long).
pub(crate) fn capped_lines(message: &str) -> String {
    message
        .lines()
        .map(|l| match l.char_indices().nth(200) {
            Some((cut, _)) => format!("{}...", &l[..cut]),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The line starts of a text, to find the line of a byte offset in O(log lines) (counting the
/// newlines before each key made parsing quadratic in the number of blocks).
pub(crate) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Lines<'a> {
        let starts = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        Lines { text, starts }
    }

    /// The text of `span` as written, on one line and at most 60 characters, for messages.
    pub(crate) fn snippet(&self, span: std::ops::Range<usize>) -> String {
        let raw = self.text.get(span).unwrap_or("");
        let one_line: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        match one_line.char_indices().nth(60) {
            Some((cut, _)) => format!("{}...", &one_line[..cut]),
            None => one_line,
        }
    }

    /// The 1-based line of byte offset `offset`.
    pub(crate) fn of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::Lines;

    #[test]
    fn lines_of_offsets_count_the_newlines_before_them() {
        let text = "a\nbb\n\nccc\n";
        let lines = Lines::new(text);
        for offset in 0..=text.len() + 3 {
            let brute = text.as_bytes()[..offset.min(text.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            assert_eq!(lines.of(offset), brute, "offset {offset}");
        }
    }
}
