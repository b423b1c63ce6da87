//! Identifier values inside audit entries. An entry's before/after values are sealed under its
//! subject's key, which anyone holding the data key can read (`subject_keys`); a candidate's NI number,
//! date of birth, home address and health notes inside them are sealed once more under the identity key (bound to the
//! entry and field), so the log keeps what changed, from what to what, for those who hold the key.

use serde_json::Value;

use super::columns::COLUMNS;
use super::key::SEALED_PREFIX;
use super::IdentityKey;
use crate::audit::FieldChange;
use crate::Result;

/// Shown in place of an identifier's value to a reader without the identity key.
pub(crate) const WITHHELD: &str = "(sealed: needs the identity key)";

fn is_identifier(entity: &str, field: &str) -> bool {
    entity == "candidate" && (COLUMNS.contains(&field) || field == "special_category")
}

/// `changes` as they go into entry `entry`: identifier values sealed under `key`. Without a key (never
/// the case for a write of identifiers, which needs it) the value is not recorded at all.
pub(crate) fn seal(
    key: Option<&IdentityKey>,
    entity: &str,
    entry: &str,
    changes: &[FieldChange],
) -> Result<Vec<FieldChange>> {
    let seal_one = |field: &str, v: &Option<Value>| -> Result<Option<Value>> {
        Ok(match (v, key) {
            (Some(Value::String(s)), Some(k)) => Some(Value::String(k.seal_cell("audit", field, entry, s)?)),
            (Some(Value::String(_)), None) => Some(Value::String(WITHHELD.to_owned())),
            (other, _) => other.clone(),
        })
    };
    changes
        .iter()
        .map(|c| {
            if !is_identifier(entity, &c.field) {
                return Ok(c.clone());
            }
            Ok(FieldChange {
                field: c.field.clone(),
                before: seal_one(&c.field, &c.before)?,
                after: seal_one(&c.field, &c.after)?,
            })
        })
        .collect()
}

/// Opens the identifier values of entry `entry` for a reader holding `key`; for one without it, or
/// for a value that does not open, they read [`WITHHELD`].
pub(crate) fn open(key: Option<&IdentityKey>, entity: &str, entry: &str, changes: &mut [FieldChange]) {
    for c in changes.iter_mut().filter(|c| is_identifier(entity, &c.field)) {
        for v in [&mut c.before, &mut c.after] {
            if let Some(Value::String(s)) = v {
                if s.starts_with(SEALED_PREFIX) {
                    let opened = key.and_then(|k| k.open_cell("audit", &c.field, entry, s).ok());
                    *s = opened.unwrap_or_else(|| WITHHELD.to_owned());
                }
            }
        }
    }
}
