//! What verbs share on the way in: text (often personal data) from a file or standard input, never
//! from arguments, and address lines typed on one line. A leaf: it imports no verb module.

use std::path::PathBuf;

use centrebook_core::{Error, Result};

/// The text of `file`, or of standard input when it is left out or `-`.
pub fn text_from_file_or_stdin(file: Option<PathBuf>) -> Result<String> {
    match file.filter(|f| f.as_os_str() != "-") {
        Some(f) => std::fs::read_to_string(&f).map_err(|source| Error::Io { action: "read", path: f, source }),
        None => std::io::read_to_string(std::io::stdin()).map_err(|source| Error::Io {
            action: "read",
            path: "standard input".into(),
            source,
        }),
    }
}

/// Address lines given on one line, separated by commas, as the core keeps them: one a line.
pub fn lines(s: Option<String>) -> Option<String> {
    s.map(|a| a.split(',').map(str::trim).collect::<Vec<_>>().join("\n"))
}
