//! Secrets from the environment or a prompt on the terminal; never from arguments.

use std::io::IsTerminal;

use centrebook_core::{Error, Result, Zeroizing};

/// The value of `var`, else a prompt when a person is at the terminal, else `None`.
pub fn get(var: &str, prompt: &str) -> Result<Option<Zeroizing<String>>> {
    if let Some(v) = std::env::var_os(var) {
        return Ok(Some(Zeroizing::new(v.to_string_lossy().into_owned())));
    }
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let typed = rpassword::prompt_password(prompt).map_err(|e| Error::Io {
        action: "read from",
        path: "the terminal".into(),
        source: e,
    })?;
    Ok(Some(Zeroizing::new(typed)))
}

/// Like [`get`] but required: `what` names it in the error.
pub fn require(var: &str, prompt: &str, what: &'static str) -> Result<Zeroizing<String>> {
    get(var, prompt)?
        .ok_or_else(|| Error::Invalid { field: what, reason: format!("set {var} or run in a terminal to be asked") })
}

/// A new secret: from `var`, or typed twice at the terminal.
pub fn new(var: &str, what: &'static str) -> Result<Zeroizing<String>> {
    if let Some(v) = get(var, &format!("New {what}: "))? {
        if std::env::var_os(var).is_some() {
            return Ok(v);
        }
        let again = require(var, &format!("New {what} again: "), what)?;
        if *again != *v {
            return Err(Error::Invalid { field: what, reason: "the two entries differ".into() });
        }
        return Ok(v);
    }
    Err(Error::Invalid { field: what, reason: format!("set {var} or run in a terminal to be asked") })
}
