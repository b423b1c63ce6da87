//! The identity key: the role boundary made cryptographic for what matters most. A candidate's NI
//! number, date of birth and home address are sealed under it (`columns`, the one place that seals and
//! opens them); only an admin or office sign-in unwraps it (`wraps`: per account, under the password),
//! and the session holds it in its [`Actor`] until sign-out. A trainer's session, or a colleague who
//! opens the database with the data key alone, reads ciphertext and keyed hashes.
//!
//! Grants: whoever holds the key wraps it to every enabled admin or office account still waiting (at
//! their account's creation, a role change, an admin's password reset, and at each admin or office
//! sign-in); a change to trainer or a disabled account removes the wrap. The first admin or office
//! sign-in of a store made before this version creates the key and seals the plaintext values it holds.

pub(crate) mod audit_values;
pub(crate) mod columns;
mod key;
pub(crate) mod recovery;
pub(crate) mod secrets;
mod wraps;

pub use key::IdentityKey;

use crate::actor::{Actor, Permission, Role};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::id::Id;
use crate::keys::RecoveryKey;
use crate::store::{self, Tx};
use crate::{Error, Result, Store};

/// `meta` key: the identity key's fingerprint, present once the store has one.
const META: &str = "identity_key";

fn holds_identifiers(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Office)
}

/// The session's identity key, or why it has none: a trainer is refused as for any identifier read,
/// an admin or office account not granted it yet is told to wait for a colleague's sign-in.
pub(crate) fn of(actor: &Actor) -> Result<&IdentityKey> {
    actor.require(Permission::ReadIdentifiers)?;
    actor.identity().ok_or(Error::IdentityKeyNotGranted)
}

/// At a sign-in whose password was just checked: opens (or makes, for an account from before this
/// version) the account's key pair, unwraps the identity key for an admin or office account, creates
/// it if the store has none yet (sealing every plaintext identifier in this same transaction), and
/// grants it to every admin or office account still waiting. `None` for a trainer, or an account not
/// granted it yet.
pub(crate) fn at_sign_in(tx: &Tx<'_>, actor: &Actor, password: &str) -> Result<Option<IdentityKey>> {
    let private = match wraps::open_private(tx, actor.id(), password)? {
        Some(p) => p,
        None => wraps::create_pair(tx, actor.id(), password)?,
    };
    if !holds_identifiers(actor.role()) {
        return Ok(None);
    }
    let key = match wraps::unwrap(tx, actor.id(), &private)? {
        Some(k) => k,
        None if store::meta_get(tx, META)?.is_none() => create(tx, actor)?,
        None => return Ok(None),
    };
    grant_waiting(tx, actor, &key)?;
    Ok(Some(key))
}

/// Makes the store's identity key, wraps it to `actor`, and seals the plaintext an older version left.
fn create(tx: &Tx<'_>, actor: &Actor) -> Result<IdentityKey> {
    let key = IdentityKey::random()?;
    store::meta_set(tx, META, &key.fingerprint())?;
    wraps::grant(tx, &key, actor.id())?;
    let moved = columns::move_plaintext(tx, &key)? + columns::move_plaintext_notes(tx, &key)?;
    let keys = secrets::move_plaintext(tx, &key)?;
    // The values themselves stay out of the log: only how many records and keys were sealed.
    audit::record(
        tx,
        Who::Actor(actor),
        "identity.create",
        Subject { entity: "store", id: None },
        &[FieldChange::created("candidates_sealed", moved), FieldChange::created("private_keys_sealed", keys)],
    )?;
    Ok(key)
}

fn grant_waiting(tx: &Tx<'_>, actor: &Actor, key: &IdentityKey) -> Result<()> {
    for user in wraps::waiting(tx)? {
        grant_one(tx, actor, key, user)?;
    }
    Ok(())
}

fn grant_one(tx: &Tx<'_>, actor: &Actor, key: &IdentityKey, user: Id) -> Result<()> {
    if wraps::grant(tx, key, user)? {
        let id = user.to_string();
        audit::record(tx, Who::Actor(actor), "identity.grant", Subject { entity: "user", id: Some(&id) }, &[])?;
    }
    Ok(())
}

/// A new account (its password known now): its key pair, and the identity key granted when `by` holds
/// it and the role may. At set-up (`by` is `None`) the first admin's account creates the store's key,
/// which the returned key is.
pub(crate) fn new_account(
    tx: &Tx<'_>,
    by: Option<&Actor>,
    user: &Actor,
    password: &str,
) -> Result<Option<IdentityKey>> {
    wraps::create_pair(tx, user.id(), password)?;
    match by {
        None if holds_identifiers(user.role()) => Ok(Some(create(tx, user)?)),
        Some(by) if holds_identifiers(user.role()) => {
            if let Some(key) = by.identity() {
                grant_one(tx, by, key, user.id())?;
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// After an admin's reset gave `user` a new password: a new key pair under it (the old private half
/// cannot be opened without the old password), granted again when the admin holds the key.
pub(crate) fn after_reset(tx: &Tx<'_>, by: &Actor, user: Id, role: Role, password: &str) -> Result<()> {
    wraps::create_pair(tx, user, password)?;
    if let (true, Some(key)) = (holds_identifiers(role), by.identity()) {
        grant_one(tx, by, key, user)?;
    }
    Ok(())
}

/// The user's own password change: their private half sealed under the new password.
pub(crate) fn after_password_change(tx: &Tx<'_>, user: Id, current: &str, new: &str) -> Result<()> {
    wraps::rewrap_private(tx, user, current, new)
}

/// After a role change or an account enabled or disabled: the wrap follows what the account may now
/// hold (granted when `by` holds the key, removed for a trainer or a disabled account).
pub(crate) fn after_account_change(tx: &Tx<'_>, by: &Actor, user: Id, role: Role, enabled: bool) -> Result<()> {
    if holds_identifiers(role) && enabled {
        if let Some(key) = by.identity() {
            grant_one(tx, by, key, user)?;
        }
    } else if wraps::revoke(tx, user)? {
        let id = user.to_string();
        audit::record(tx, Who::Actor(by), "identity.revoke", Subject { entity: "user", id: Some(&id) }, &[])?;
    }
    Ok(())
}

impl Store {
    /// Recovers the identity key with the recovery key (admins only) when no admin or office session
    /// holds it any more: it is granted to `actor` (and to every admin or office account waiting),
    /// and the returned session holds it. Audited.
    pub fn recover_identity_key(&mut self, actor: &Actor, recovery: &RecoveryKey) -> Result<Actor> {
        actor.require(Permission::ManageKeys)?;
        let store_id = self.store_id().to_owned();
        let key = self.write(|tx| {
            let key = recovery::open(tx, recovery, &store_id)?;
            if store::meta_get(tx, META)?.as_deref() != Some(key.fingerprint().as_str()) {
                return Err(Error::Crypto("the recovery wrap holds another identity key than this store's"));
            }
            wraps::grant(tx, &key, actor.id())?;
            audit::record(
                tx,
                Who::Actor(actor),
                "identity.recover",
                Subject { entity: "store", id: Some(&store_id) },
                &[],
            )?;
            grant_waiting(tx, actor, &key)?;
            Ok(key)
        })?;
        Ok(actor.clone().with_identity(Some(std::sync::Arc::new(key))))
    }
}

#[cfg(test)]
mod tests;
