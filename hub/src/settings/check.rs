//! Every error of a settings document, each with its line and column. The TOML deserializer stops at the
//! first error; after each one the offending entry is blanked out (same byte offsets, so later positions
//! stay true) and the document is read again, until it reads or an error cannot be located.

use serde::Serialize;
use std::fmt;

use super::Settings;

/// Errors reported at most, so a document of garbage does not loop long.
const MAX_ERRORS: usize = 50;

/// One error, 1-based line and column (in characters).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Located {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Read `text` as settings, or every error found in it.
pub fn check(text: &str) -> Result<Settings, Vec<Located>> {
    let mut bytes = text.as_bytes().to_vec();
    let mut errors = Vec::new();
    loop {
        let current = String::from_utf8_lossy(&bytes).into_owned();
        let error = match toml::from_str::<Settings>(&current) {
            Ok(settings) if errors.is_empty() => return Ok(settings),
            Ok(_) => return Err(sorted(errors)),
            Err(error) => error,
        };
        let span = error.span();
        let (line, column) = span
            .as_ref()
            .map(|s| position(text, s.start))
            .unwrap_or((1, 1));
        errors.push(Located {
            line,
            column,
            message: error.message().trim().to_owned(),
        });
        let blanked = span.is_some_and(|s| blank(&mut bytes, s.start, s.end));
        if !blanked || errors.len() >= MAX_ERRORS {
            return Err(sorted(errors));
        }
    }
}

/// In document order (the deserializer visits tables in its own).
fn sorted(mut errors: Vec<Located>) -> Vec<Located> {
    errors.sort_by_key(|e| (e.line, e.column));
    errors
}

/// 1-based line and character column of byte `offset`.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// Blank (with spaces, newlines kept) the whole lines holding `start..end`; a table header takes its
/// table's entries with it, so they are not read as the previous table's. False when nothing changed.
fn blank(bytes: &mut [u8], start: usize, end: usize) -> bool {
    let start = start.min(bytes.len());
    let first = bytes[..start]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let mut last = line_end(bytes, end.max(start + 1).saturating_sub(1));
    let header = bytes[first..]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'[');
    if header {
        while last < bytes.len() {
            let next = last + 1;
            let starts_table = bytes[next.min(bytes.len())..]
                .iter()
                .find(|b| **b != b' ' && **b != b'\t')
                .is_some_and(|b| *b == b'[');
            if starts_table {
                break;
            }
            last = line_end(bytes, next);
        }
    }
    let mut changed = false;
    let last = last.min(bytes.len());
    for b in &mut bytes[first..last] {
        if *b != b'\n' && *b != b' ' {
            *b = b' ';
            changed = true;
        }
    }
    changed
}

/// The index of the newline ending the line holding `offset` (or the length).
fn line_end(bytes: &[u8], offset: usize) -> usize {
    let offset = offset.min(bytes.len());
    bytes[offset..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |i| offset + i)
}
