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

/// A form read as a JSON object from `file` (or standard input), laid over `base`: a key given
/// replaces the base's value (`null` clears it), a key left out keeps it, so a correction names only
/// what it corrects. Only `base`'s keys are accepted: a misspelt field is refused, not ignored. The
/// errors name the line, column or key, never a value (the file holds personal data).
pub fn form_from_json<T: serde::de::DeserializeOwned>(
    file: Option<PathBuf>,
    base: serde_json::Map<String, serde_json::Value>,
) -> Result<T> {
    form_of(merged_json(file, base)?)
}

/// The JSON object read from `file` laid over `base`, as [`form_from_json`] reads it, before it
/// becomes a form.
pub fn merged_json(
    file: Option<PathBuf>,
    mut base: serde_json::Map<String, serde_json::Value>,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    let text = text_from_file_or_stdin(file)?;
    let given: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Invalid {
        field: "form",
        reason: format!("is not JSON (line {}, column {})", e.line(), e.column()),
    })?;
    let serde_json::Value::Object(given) = given else {
        return Err(Error::Invalid { field: "form", reason: "should be a JSON object of the form's fields".into() });
    };
    for (key, value) in given {
        if !base.contains_key(&key) {
            let known: Vec<&str> = base.keys().map(String::as_str).collect();
            return Err(Error::Invalid {
                field: "form",
                reason: format!("has no field \"{key}\"; the fields are {}", known.join(", ")),
            });
        }
        base.insert(key, value);
    }
    Ok(base)
}

/// A form from its JSON object; the error names no value.
pub fn form_of<T: serde::de::DeserializeOwned>(object: serde_json::Map<String, serde_json::Value>) -> Result<T> {
    serde_json::from_value(serde_json::Value::Object(object)).map_err(|_| Error::Invalid {
        field: "form",
        reason: "has a value of the wrong kind (text or null where text belongs)".into(),
    })
}

/// The JSON object `value` serialises to, keeping only `keys`: the base a correction is laid over.
pub fn form_base(value: &impl serde::Serialize, keys: &[&str]) -> Result<serde_json::Map<String, serde_json::Value>> {
    let serde_json::Value::Object(mut all) =
        serde_json::to_value(value).map_err(|_| Error::Internal("a record that does not serialise"))?
    else {
        return Err(Error::Internal("a record that is not an object"));
    };
    Ok(keys.iter().map(|k| ((*k).to_owned(), all.remove(*k).unwrap_or(serde_json::Value::Null))).collect())
}
