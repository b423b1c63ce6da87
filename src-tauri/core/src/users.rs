//! Local user accounts: adding, listing, disabling, roles, passwords (changed by their owner, reset by
//! an admin), and sign-in with throttling, which is what makes an [`Actor`].

use crate::store::Tx;
use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::actor::{Actor, Permission, Role};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::identity;
use crate::{Error, Id, Result, Store, Zeroizing};

/// A user account as listed to admins (never the password hash).
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct User {
    /// Id.
    pub id: Id,
    /// Sign-in name.
    pub username: String,
    /// Name shown in the app and on records.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Whether an admin reset the password and the user has not yet chosen a new one.
    pub must_change_password: bool,
}

/// A new account.
#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    /// Sign-in name: 3 to 32 of a-z, 0-9, `.`, `_`, `-`.
    pub username: &'a str,
    /// Name shown in the app.
    pub display_name: &'a str,
    /// Role.
    pub role: Role,
    /// At least 10 characters.
    pub password: &'a str,
}

/// Failed sign-ins allowed before each further attempt must wait.
const FREE_ATTEMPTS: i64 = 3;
/// The longest wait between attempts.
const MAX_WAIT_SECS: u64 = 300;

/// How long after the last failure the next attempt must wait: 1 s after the fourth failure,
/// doubling to five minutes. Kept in the store, so a new process does not reset it.
pub(crate) fn throttle_wait(failures: i64) -> u64 {
    if failures < FREE_ATTEMPTS {
        return 0;
    }
    let doublings = (failures - FREE_ATTEMPTS).min(16) as u32;
    (1u64 << doublings).min(MAX_WAIT_SECS)
}

fn validate_username(s: &str) -> Result<String> {
    let s = s.trim().to_ascii_lowercase();
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-');
    if !(3..=32).contains(&s.len()) || !s.chars().all(ok_char) {
        return Err(Error::invalid("user name", "use 3 to 32 letters, digits, dots, dashes or underscores"));
    }
    Ok(s)
}

pub(crate) fn validate_password(password: &str, username: &str) -> Result<()> {
    if password.chars().count() < 10 {
        return Err(Error::invalid("password", "use at least 10 characters"));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(Error::invalid("password", "must not be the user name"));
    }
    Ok(())
}

fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|_| Error::Crypto("could not hash the password"))
}

fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// Inserts a validated account and audits it; shared by set-up and [`Store::add_user`].
pub(crate) fn insert(tx: &Tx<'_>, by: Option<&Actor>, new: &NewUser<'_>) -> Result<Actor> {
    let username = validate_username(new.username)?;
    let display_name = new.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 100 {
        return Err(Error::invalid("display name", "give a name of 1 to 100 characters"));
    }
    validate_password(new.password, &username)?;
    let exists: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM users WHERE username = ?1)", [&username], |r| r.get(0))?;
    if exists {
        return Err(Error::Duplicate { what: "a user called", name: username });
    }
    let user = Actor::signed_in(Id::new(), username, new.role);
    tx.execute(
        "INSERT INTO users (id, username, display_name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![user.id(), user.username(), display_name, user.role().as_str(), hash_password(new.password)?, Utc::now().to_rfc3339()],
    )?;
    let id = user.id().to_string();
    audit::record(
        tx,
        Who::Actor(by.unwrap_or(&user)),
        "user.add",
        Subject { entity: "user", id: Some(&id) },
        &[
            FieldChange::created("username", user.username()),
            FieldChange::created("display_name", display_name),
            FieldChange::created("role", user.role().as_str()),
            FieldChange::created("password", "(set)"),
        ],
    )?;
    let key = identity::new_account(tx, by, &user, new.password)?;
    Ok(user.with_identity(key.map(std::sync::Arc::new)))
}

/// Checks that `username`/`password` is an enabled admin of the store on `conn` (used to authorise a
/// restore against the backup being restored, before it replaces anything); returns that admin, who
/// the restore's audit entry names.
pub(crate) fn check_admin_password(conn: &rusqlite::Connection, username: &str, password: &str) -> Result<Actor> {
    let name = username.trim().to_ascii_lowercase();
    let found: Option<(Id, String, String, bool)> = conn
        .query_row(
            "SELECT id, role, password_hash, disabled_at IS NOT NULL FROM users WHERE username = ?1",
            [&name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    match found {
        Some((_, _, hash, _)) if !password_matches(password, &hash) => Err(Error::BadCredentials),
        None => Err(Error::BadCredentials),
        Some((_, _, _, true)) => Err(Error::AccountDisabled),
        Some((_, role, _, false)) if role != "admin" => {
            Err(Error::Forbidden { role: role.parse()?, action: "restore a backup" })
        }
        Some((id, _, _, _)) => Ok(Actor::signed_in(id, name, Role::Admin)),
    }
}

struct Account {
    id: Id,
    username: String,
    role: String,
    hash: String,
    disabled: bool,
    failures: i64,
    last_failed: Option<String>,
    must_change: bool,
}

const ACCOUNT_SELECT: &str = "SELECT id, username, role, password_hash, disabled_at IS NOT NULL, failed_logins,
    last_failed_at, must_change_password FROM users";

fn read_account(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        username: r.get(1)?,
        role: r.get(2)?,
        hash: r.get(3)?,
        disabled: r.get(4)?,
        failures: r.get(5)?,
        last_failed: r.get(6)?,
        must_change: r.get(7)?,
    })
}

impl Account {
    /// Refuses while the wait after repeated wrong passwords has not passed (see [`throttle_wait`]).
    fn check_throttle(&self) -> Result<()> {
        check_wait(self.failures, self.last_failed.as_deref())
    }
}

/// Refuses while the wait after `failures` wrong attempts, the last at `last_failed`, has not passed.
fn check_wait(failures: i64, last_failed: Option<&str>) -> Result<()> {
    let wait = throttle_wait(failures);
    if wait == 0 {
        return Ok(());
    }
    let since = last_failed
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| (Utc::now() - t.with_timezone(&Utc)).num_seconds().max(0) as u64)
        .unwrap_or(u64::MAX);
    if since < wait {
        return Err(Error::LoginThrottled { wait_secs: wait - since });
    }
    Ok(())
}

/// What a name with no account is counted under: a hash, never the name (it may be a password typed
/// into the wrong field).
fn name_hash(name: &str) -> Vec<u8> {
    crate::crypto::sha256(&[b"centrebook sign-in name v1\0", name.as_bytes()]).to_vec()
}

/// A password hash made with the same parameters as [`hash_password`] (`Argon2::default()`), which a
/// name with no account is checked against so that it costs what a real check costs. A constant, not
/// made on first use: making it would cost a second hash on the first unknown name of a process.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$Y2VudHJlYm9vayBkdW1teQ$bm8gcGFzc3dvcmQgZXZlciBoYXNoZXMgdG8gdGhpcyE";

/// Counts a wrong password against the account, for the throttle.
fn note_failure(tx: &Tx<'_>, id: Id) -> Result<()> {
    tx.execute(
        "UPDATE users SET failed_logins = failed_logins + 1, last_failed_at = ?2 WHERE id = ?1",
        rusqlite::params![id, Utc::now().to_rfc3339()],
    )?;
    Ok(())
}

/// Characters of a reset password: no 0/o, 1/l/i, which are misread when it is copied by hand.
const RESET_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A fresh random password for a reset: three groups of four, about 59 bits, easy to read out.
fn random_password() -> Result<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::with_capacity(14));
    let mut byte = [0u8; 1];
    while out.len() < 14 {
        if out.len() % 5 == 4 {
            out.push('-');
            continue;
        }
        crate::crypto::fill_random(&mut byte)?;
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - 256 % RESET_ALPHABET.len();
        if (byte[0] as usize) < limit {
            out.push(RESET_ALPHABET[byte[0] as usize % RESET_ALPHABET.len()] as char);
        }
    }
    Ok(out)
}

/// Why an open session of `actor` may not go on, given the account as the store has it now.
fn session_check(actor: &Actor, account: Option<&Account>) -> Result<()> {
    let Some(account) = account else {
        return Err(Error::SignedOut("your account was removed"));
    };
    if account.disabled {
        return Err(Error::SignedOut("your account was disabled by an administrator"));
    }
    if account.role != actor.role().as_str() {
        return Err(Error::SignedOut("your role was changed by an administrator"));
    }
    if account.must_change && !actor.must_change_password() {
        return Err(Error::SignedOut("your password was reset by an administrator"));
    }
    Ok(())
}

impl Store {
    /// Signs a user in. Wrong passwords are counted in the store; after three, each attempt must wait
    /// longer (1 s doubling to 5 min) whichever process makes it. The count is read, checked and
    /// updated in one `BEGIN IMMEDIATE` transaction, so processes signing in at the same moment take
    /// turns and cannot all pass the check before any of them counts its failure. A name with no
    /// account is counted and throttled the same way (by a hash of the name), spends the same time on
    /// a password check and gets the same answers, so neither the answer nor the throttle tells which
    /// names exist.
    pub fn login(&mut self, username: &str, password: &str) -> Result<Actor> {
        let name = username.trim().to_ascii_lowercase();
        let kind = self.kind()?;
        // The closure's own Err rolls back (nothing was written then); a refusal that must keep its
        // counted failure and audit entry is returned inside Ok.
        let outcome = self.write_even_behind(|tx| {
            let account =
                tx.query_row(&format!("{ACCOUNT_SELECT} WHERE username = ?1"), [&name], read_account).optional()?;
            let Some(account) = account else {
                let hash = name_hash(&name);
                let counted: Option<(i64, Option<String>)> = tx
                    .query_row("SELECT failures, last_failed_at FROM login_failures WHERE name_hash = ?1", [&hash], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()?;
                let (failures, last_failed) = counted.unwrap_or((0, None));
                check_wait(failures, last_failed.as_deref())?;
                // Spend the same time as a real check so that names cannot be probed by timing.
                let _ = password_matches(password, DUMMY_HASH);
                tx.execute(
                    "INSERT INTO login_failures (name_hash, failures, last_failed_at) VALUES (?1, 1, ?2)
                     ON CONFLICT (name_hash) DO UPDATE SET failures = failures + 1, last_failed_at = excluded.last_failed_at",
                    rusqlite::params![hash, Utc::now().to_rfc3339()],
                )?;
                // Not the typed name: people type passwords into the name field by mistake.
                audit::record(
                    tx,
                    Who::Anonymous("unknown user name"),
                    "login.failed",
                    Subject { entity: "user", id: None },
                    &[],
                )?;
                return Ok(Err(Error::BadCredentials));
            };
            account.check_throttle()?;
            let id = account.id.to_string();
            let subject = Subject { entity: "user", id: Some(&id) };
            if !password_matches(password, &account.hash) {
                note_failure(tx, account.id)?;
                audit::record(tx, Who::Anonymous(&account.username), "login.failed", subject, &[])?;
                return Ok(Err(Error::BadCredentials));
            }
            if account.disabled {
                return Err(Error::AccountDisabled);
            }
            // A reset password signs in, but the session may do nothing until a new one is chosen.
            let actor = Actor::signed_in(account.id, account.username, account.role.parse()?)
                .in_store(kind)
                .with_reset_password(account.must_change);
            tx.execute("UPDATE users SET failed_logins = 0, last_failed_at = NULL WHERE id = ?1", [&actor.id()])?;
            audit::record(tx, Who::Actor(&actor), "login", subject, &[])?;
            // The password is at hand only now: the identity key is unwrapped (or granted onward) here.
            let key = identity::at_sign_in(tx, &actor, password)?;
            Ok(Ok(actor.with_identity(key.map(std::sync::Arc::new))))
        })?;
        outcome
    }

    /// The signed-in `actor` as the store sees them now, in the store's current kind (a store
    /// enrolled as a trainer's laptop a moment ago is a laptop now); the window calls it before every
    /// command. Holding an [`Actor`] proves the sign-in, so no password is asked again. An admin's
    /// change to the account ends the session here, at its next action, with [`Error::SignedOut`]
    /// saying why: disabled or removed, another role, a password reset. A session signed in with a
    /// reset password is refused with [`Error::PasswordChangeRequired`] until it chooses a new one.
    pub fn refresh(&self, actor: &Actor) -> Result<Actor> {
        let account =
            self.conn().query_row(&format!("{ACCOUNT_SELECT} WHERE id = ?1"), [actor.id()], read_account).optional()?;
        session_check(actor, account.as_ref())?;
        let account = account.ok_or(Error::Internal("an account checked a moment ago is gone"))?;
        if account.must_change {
            return Err(Error::PasswordChangeRequired);
        }
        Ok(Actor::signed_in(actor.id(), account.username, account.role.parse()?)
            .in_store(self.kind()?)
            .with_identity(actor.identity_handle()))
    }

    /// Changes the signed-in user's own password (any role, and the one thing a session signed in
    /// with a reset password may do). The current password is asked again, so an unattended open
    /// window cannot be used to take the account; a wrong one counts towards the same throttle as
    /// sign-in, so the form is no faster a way to guess it. Returns the session's user, now free of
    /// any reset.
    pub fn change_password(&mut self, actor: &Actor, current: &str, new: &str) -> Result<Actor> {
        let kind = self.kind()?;
        // One immediate transaction from the throttle check to the count, as in [`Store::login`].
        let outcome = self.write(|tx| {
            let account =
                tx.query_row(&format!("{ACCOUNT_SELECT} WHERE id = ?1"), [actor.id()], read_account).optional()?;
            session_check(actor, account.as_ref())?;
            let account = account.ok_or(Error::Internal("an account checked a moment ago is gone"))?;
            account.check_throttle()?;
            let id = account.id.to_string();
            let subject = Subject { entity: "user", id: Some(&id) };
            if !password_matches(current, &account.hash) {
                note_failure(tx, account.id)?;
                audit::record(tx, Who::Actor(actor), "user.password_failed", subject, &[])?;
                return Ok(Err(Error::invalid("current password", "that is not your current password")));
            }
            validate_password(new, &account.username)?;
            if new == current {
                return Err(Error::invalid("new password", "must differ from the current one"));
            }
            let hash = hash_password(new)?;
            tx.execute(
                "UPDATE users SET password_hash = ?2, must_change_password = 0, failed_logins = 0,
                 last_failed_at = NULL WHERE id = ?1",
                rusqlite::params![account.id, hash],
            )?;
            identity::after_password_change(tx, account.id, current, new)?;
            // Never the password or its hash: only that it changed.
            let mut changes = vec![FieldChange::changed("password", "(set)", "(changed)")];
            if account.must_change {
                changes.push(FieldChange::changed("must_change_password", true, false));
            }
            audit::record(tx, Who::Actor(actor), "user.password", subject, &changes)?;
            Ok(Ok(Actor::signed_in(account.id, account.username, account.role.parse()?)
                .in_store(kind)
                .with_identity(actor.identity_handle())))
        })?;
        outcome
    }

    /// Gives another user a new random password (admins only), returned once for the admin to hand
    /// over. That user must choose their own at their next sign-in, and any window they have open is
    /// signed out at its next action. The wait after wrong passwords is cleared, so they can sign in
    /// at once.
    pub fn reset_password(&mut self, actor: &Actor, username: &str) -> Result<Zeroizing<String>> {
        let target = self.user(actor, username)?;
        if target.id == actor.id() {
            return Err(Error::invalid("user", "change your own password with Change password, which asks for it"));
        }
        let password = random_password()?;
        let hash = hash_password(&password)?;
        self.write(|tx| {
            tx.execute(
                "UPDATE users SET password_hash = ?2, must_change_password = 1, failed_logins = 0,
                 last_failed_at = NULL WHERE id = ?1",
                rusqlite::params![target.id, hash],
            )?;
            identity::after_reset(tx, actor, target.id, target.role, &password)?;
            let id = target.id.to_string();
            let mut changes = vec![FieldChange::changed("password", "(set)", "(reset)")];
            if !target.must_change_password {
                changes.push(FieldChange::changed("must_change_password", false, true));
            }
            audit::record(
                tx,
                Who::Actor(actor),
                "user.password_reset",
                Subject { entity: "user", id: Some(&id) },
                &changes,
            )
        })?;
        Ok(password)
    }

    /// Gives a user another role (admins only); any window they have open is signed out at its next
    /// action. The store must always keep an enabled admin, and an admin cannot take their own admin
    /// role away (they would lock themselves out of this very screen).
    pub fn set_user_role(&mut self, actor: &Actor, username: &str, role: Role) -> Result<User> {
        let target = self.user(actor, username)?;
        if target.role == role {
            return Ok(target);
        }
        if target.id == actor.id() {
            return Err(Error::invalid("role", "you cannot change your own role; another admin can"));
        }
        self.write(|tx| {
            if target.role == Role::Admin && !target.disabled {
                let admins: i64 =
                    tx.query_row("SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL", [], |r| {
                        r.get(0)
                    })?;
                if admins <= 1 {
                    return Err(Error::invalid("role", "the last enabled admin must stay an admin"));
                }
            }
            tx.execute("UPDATE users SET role = ?2 WHERE id = ?1", rusqlite::params![target.id, role.as_str()])?;
            identity::after_account_change(tx, actor, target.id, role, !target.disabled)?;
            let id = target.id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "user.role",
                Subject { entity: "user", id: Some(&id) },
                &[FieldChange::changed("role", target.role.as_str(), role.as_str())],
            )
        })?;
        self.user(actor, username)
    }

    /// Adds an account (admins only).
    pub fn add_user(&mut self, actor: &Actor, new: &NewUser<'_>) -> Result<User> {
        actor.require(Permission::ManageUsers)?;
        let made = self.write(|tx| insert(tx, Some(actor), new))?;
        self.user(actor, made.username())
    }

    /// Lists all accounts (admins only).
    pub fn users(&self, actor: &Actor) -> Result<Vec<User>> {
        actor.require(Permission::ManageUsers)?;
        let mut stmt = self.conn().prepare(
            "SELECT id, username, display_name, role, created_at, disabled_at IS NOT NULL, must_change_password
             FROM users ORDER BY username",
        )?;
        let rows = stmt.query_map([], read_user)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// One account by sign-in name (admins only).
    pub fn user(&self, actor: &Actor, username: &str) -> Result<User> {
        actor.require(Permission::ManageUsers)?;
        let name = username.trim().to_ascii_lowercase();
        self.conn()
            .query_row(
                "SELECT id, username, display_name, role, created_at, disabled_at IS NOT NULL, must_change_password
                 FROM users WHERE username = ?1",
                [&name],
                read_user,
            )
            .optional()?
            .ok_or(Error::NotFound { what: "user", name })
    }

    /// Disables or re-enables an account (admins only). An admin cannot disable themselves, and the
    /// last enabled admin cannot be disabled, so the store can always be administered.
    pub fn set_user_disabled(&mut self, actor: &Actor, username: &str, disabled: bool) -> Result<User> {
        let target = self.user(actor, username)?;
        if target.disabled == disabled {
            return Ok(target);
        }
        if disabled && target.id == actor.id() {
            return Err(Error::invalid("user", "you cannot disable your own account"));
        }
        self.write(|tx| {
            if disabled && target.role == Role::Admin {
                let admins: i64 =
                    tx.query_row("SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL", [], |r| {
                        r.get(0)
                    })?;
                if admins <= 1 {
                    return Err(Error::invalid("user", "the last enabled admin cannot be disabled"));
                }
            }
            let at = disabled.then(|| Utc::now().to_rfc3339());
            tx.execute("UPDATE users SET disabled_at = ?2 WHERE id = ?1", rusqlite::params![target.id, at])?;
            identity::after_account_change(tx, actor, target.id, target.role, !disabled)?;
            let id = target.id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                if disabled { "user.disable" } else { "user.enable" },
                Subject { entity: "user", id: Some(&id) },
                &[FieldChange::changed("disabled", !disabled, disabled)],
            )
        })?;
        self.user(actor, username)
    }
}

fn read_user(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(3)?;
    let created: String = r.get(4)?;
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        display_name: r.get(2)?,
        role: role.parse().unwrap_or(Role::Trainer),
        created_at: DateTime::parse_from_rfc3339(&created).map(|d| d.with_timezone(&Utc)).unwrap_or_default(),
        disabled: r.get(5)?,
        must_change_password: r.get(6)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_grows_after_three_failures_and_is_capped() {
        assert_eq!((0..=3).map(throttle_wait).collect::<Vec<_>>(), [0, 0, 0, 1]);
        assert_eq!(throttle_wait(4), 2);
        assert_eq!(throttle_wait(6), 8);
        assert_eq!(throttle_wait(40), MAX_WAIT_SECS);
    }

    #[test]
    fn trainers_never_get_identifiers_or_admin_powers() {
        let t = Actor::signed_in(Id::new(), "tess".into(), Role::Trainer);
        let o = Actor::signed_in(Id::new(), "olly".into(), Role::Office);
        let err = t.require(Permission::ReadIdentifiers).unwrap_err();
        assert_eq!(
            err.to_string(),
            "not allowed: a trainer account may not see NI numbers, dates of birth or home addresses"
        );
        assert!(o.may(Permission::ReadIdentifiers));
        for p in [Permission::ManageUsers, Permission::ManageKeys, Permission::ReadAudit, Permission::Backup] {
            assert!(!t.may(p) && !o.may(p), "{p:?}");
        }
    }

    use crate::testing::{Fixture, ADMIN_PASSWORD};

    fn store() -> (Fixture, Store, Actor) {
        let fx = Fixture::new(false);
        let init = fx.init();
        (fx, init.store, init.admin)
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_costs() {
        let real = hash_password("any password at all").unwrap();
        let params = |phc: &str| phc.rsplitn(3, '$').nth(2).unwrap().to_string();
        assert_eq!(params(DUMMY_HASH), params(&real), "same algorithm, version and cost: {real}");
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    /// Signs in with a wrong password from `threads` threads at once, each on its own connection (as
    /// separate processes would be), and returns how many were answered "wrong password" (that is,
    /// how many password guesses were actually checked).
    fn parallel_wrong_sign_ins(fx: &Fixture, name: &str, threads: usize) -> usize {
        let stores: Vec<Store> =
            (0..threads).map(|_| crate::unlock(&fx.dir, &fx.keychain, None).unwrap().store).collect();
        let start = std::sync::Arc::new(std::sync::Barrier::new(threads));
        let handles: Vec<_> = stores
            .into_iter()
            .map(|mut s| {
                let (start, name) = (start.clone(), name.to_string());
                std::thread::spawn(move || {
                    start.wait();
                    s.login(&name, "a wrong guess")
                })
            })
            .collect();
        let answers: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        for a in &answers {
            assert!(matches!(a, Err(Error::BadCredentials | Error::LoginThrottled { .. })), "{a:?}");
        }
        answers.iter().filter(|a| matches!(a, Err(Error::BadCredentials))).count()
    }

    #[test]
    fn parallel_sign_ins_on_separate_connections_cannot_pass_the_throttle() {
        let fx = Fixture::new(true);
        let store = fx.init().store;
        // Eight failures, the last long enough ago that one more guess is allowed, and then a wait
        // of over a minute: exactly one of the parallel guesses may be checked.
        let long_ago = (Utc::now() - chrono::Duration::seconds(600)).to_rfc3339();
        store
            .conn()
            .execute("UPDATE users SET failed_logins = 8, last_failed_at = ?1 WHERE username = 'admin'", [&long_ago])
            .unwrap();
        assert_eq!(parallel_wrong_sign_ins(&fx, "admin", 6), 1);
        assert_eq!(failures(&store, "admin"), 9, "every checked guess was counted");
        // A name with no account: three free guesses, then the wait.
        assert_eq!(parallel_wrong_sign_ins(&fx, "nobody", 6), FREE_ATTEMPTS as usize);
    }

    /// The answers to five wrong guesses in a row for `name`, and the shortest time one took.
    fn guesses(store: &mut Store, name: &str) -> (Vec<String>, std::time::Duration) {
        let mut answers = Vec::new();
        let mut fastest = std::time::Duration::MAX;
        for _ in 0..5 {
            let t = std::time::Instant::now();
            let answer = store.login(name, "a wrong guess").unwrap_err();
            if matches!(answer, Error::BadCredentials) {
                fastest = fastest.min(t.elapsed());
            }
            answers.push(format!("{answer:?} / {answer}"));
        }
        (answers, fastest)
    }

    #[test]
    fn a_name_with_no_account_is_throttled_and_answered_like_a_real_one() {
        let (_fx, mut store, _admin) = store();
        let (known, known_time) = guesses(&mut store, "admin");
        let (unknown, unknown_time) = guesses(&mut store, "nobody");
        assert_eq!(unknown, known);
        assert!(known.last().unwrap().contains("LoginThrottled"), "{known:?}");
        // The same class of time: both run one password check (not zero, not two).
        let ratio = unknown_time.as_secs_f64() / known_time.as_secs_f64();
        assert!((0.33..3.0).contains(&ratio), "{unknown_time:?} against {known_time:?}");
        // The hashed name, never the typed one, is what the store keeps.
        let kept: i64 = store.conn().query_row("SELECT count(*) FROM login_failures", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, 1);
        assert!(!crate::testing::contains(
            &store.conn().query_row("SELECT name_hash FROM login_failures", [], |r| r.get::<_, Vec<u8>>(0)).unwrap(),
            "nobody"
        ));
    }

    #[test]
    fn sign_in_checks_the_password_and_the_account() {
        let (_fx, mut store, admin) = store();
        assert_eq!(store.login("ADMIN ", ADMIN_PASSWORD).unwrap().role(), Role::Admin);
        assert!(matches!(store.login("admin", "wrong password"), Err(Error::BadCredentials)));
        assert!(matches!(store.login("nobody", ADMIN_PASSWORD), Err(Error::BadCredentials)));
        store
            .add_user(
                &admin,
                &NewUser { username: "tess", display_name: "Tess", role: Role::Trainer, password: "trainer pass 1" },
            )
            .unwrap();
        store.set_user_disabled(&admin, "tess", true).unwrap();
        assert!(matches!(store.login("tess", "trainer pass 1"), Err(Error::AccountDisabled)));
        store.set_user_disabled(&admin, "tess", false).unwrap();
        assert_eq!(store.login("tess", "trainer pass 1").unwrap().role(), Role::Trainer);
    }

    #[test]
    fn repeated_wrong_passwords_slow_down_even_the_right_one() {
        let (_fx, mut store, _) = store();
        for _ in 0..3 {
            assert!(matches!(store.login("admin", "wrong password"), Err(Error::BadCredentials)));
        }
        match store.login("admin", ADMIN_PASSWORD) {
            Err(Error::LoginThrottled { wait_secs }) => assert_eq!(wait_secs, 1),
            other => panic!("expected a throttle, got {other:?}"),
        }
        // Once the wait has passed, the right password works and the count resets.
        store.conn().execute("UPDATE users SET last_failed_at = '2000-01-01T00:00:00Z'", []).unwrap();
        store.login("admin", ADMIN_PASSWORD).unwrap();
        let failures: i64 = store
            .conn()
            .query_row("SELECT failed_logins FROM users WHERE username = 'admin'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(failures, 0);
    }

    #[test]
    fn only_admins_manage_accounts_and_the_last_admin_stays() {
        let (_fx, mut store, admin) = store();
        let new = |u, r| NewUser { username: u, display_name: "Someone", role: r, password: "a password 1" };
        store.add_user(&admin, &new("olly", Role::Office)).unwrap();
        let olly = store.login("olly", "a password 1").unwrap();
        assert!(matches!(
            store.add_user(&olly, &new("eve", Role::Admin)),
            Err(Error::Forbidden { role: Role::Office, .. })
        ));
        assert!(matches!(store.users(&olly), Err(Error::Forbidden { .. })));
        assert!(matches!(store.add_user(&admin, &new("OLLY", Role::Office)), Err(Error::Duplicate { .. })));
        assert!(matches!(store.set_user_disabled(&admin, "admin", true), Err(Error::Invalid { .. })));
        store.add_user(&admin, &new("ruth", Role::Admin)).unwrap();
        let ruth = store.login("ruth", "a password 1").unwrap();
        store.set_user_disabled(&ruth, "admin", true).unwrap();
        let err = store.set_user_disabled(&ruth, "ruth", true).unwrap_err();
        assert!(err.to_string().contains("your own account"), "{err}");
        assert_eq!(store.users(&ruth).unwrap().iter().filter(|u| u.disabled).count(), 1);
    }

    fn with_tess(store: &mut Store, admin: &Actor) -> Actor {
        let new = NewUser { username: "tess", display_name: "Tess", role: Role::Trainer, password: "trainer pass 1" };
        store.add_user(admin, &new).unwrap();
        store.login("tess", "trainer pass 1").unwrap()
    }

    fn failures(store: &Store, username: &str) -> i64 {
        store.conn().query_row("SELECT failed_logins FROM users WHERE username = ?1", [username], |r| r.get(0)).unwrap()
    }

    #[test]
    fn changing_your_own_password_needs_the_current_one() {
        let (_fx, mut store, admin) = store();
        let tess = with_tess(&mut store, &admin);
        match store.change_password(&tess, "not my password", "a brand new one") {
            Err(Error::Invalid { field: "current password", .. }) => {}
            other => panic!("expected the current password refused, got {other:?}"),
        }
        assert_eq!(failures(&store, "tess"), 1, "a wrong current password counts like a wrong sign-in");
        // The new one is checked like any password.
        assert!(matches!(
            store.change_password(&tess, "trainer pass 1", "short"),
            Err(Error::Invalid { field: "password", .. })
        ));
        assert!(matches!(
            store.change_password(&tess, "trainer pass 1", "trainer pass 1"),
            Err(Error::Invalid { field: "new password", .. })
        ));
        let after = store.change_password(&tess, "trainer pass 1", "a brand new one").unwrap();
        assert_eq!((after.username(), after.role()), ("tess", Role::Trainer));
        assert_eq!(failures(&store, "tess"), 0);
        assert!(matches!(store.login("tess", "trainer pass 1"), Err(Error::BadCredentials)));
        assert_eq!(store.login("tess", "a brand new one").unwrap().username(), "tess");
        // The session that changed it carries on.
        store.refresh(&tess).unwrap();
    }

    #[test]
    fn wrong_current_passwords_are_throttled_like_sign_in() {
        let (_fx, mut store, admin) = store();
        let tess = with_tess(&mut store, &admin);
        for _ in 0..3 {
            assert!(matches!(store.change_password(&tess, "guess", "a brand new one"), Err(Error::Invalid { .. })));
        }
        // The form is no faster a way to guess: the right one now waits, and so does sign-in.
        assert!(matches!(
            store.change_password(&tess, "trainer pass 1", "a brand new one"),
            Err(Error::LoginThrottled { wait_secs: 1 })
        ));
        assert!(matches!(store.login("tess", "trainer pass 1"), Err(Error::LoginThrottled { .. })));
        store.conn().execute("UPDATE users SET last_failed_at = '2000-01-01T00:00:00Z'", []).unwrap();
        store.change_password(&tess, "trainer pass 1", "a brand new one").unwrap();
        assert_eq!(failures(&store, "tess"), 0);
    }

    #[test]
    fn a_reset_password_signs_in_but_allows_nothing_until_it_is_changed() {
        let (_fx, mut store, admin) = store();
        let open_window = with_tess(&mut store, &admin);
        let temp = store.reset_password(&admin, "TESS").unwrap();
        assert_eq!(temp.len(), 14);
        assert!(temp.chars().all(|c| c == '-' || RESET_ALPHABET.contains(&(c as u8))), "{}", *temp);
        assert_ne!(*store.reset_password(&admin, "tess").unwrap(), *temp, "each reset is a new random password");
        let temp = store.reset_password(&admin, "tess").unwrap();
        assert!(store.user(&admin, "tess").unwrap().must_change_password);
        // The window tess had open ends at its next action.
        match store.refresh(&open_window) {
            Err(e @ Error::SignedOut(_)) => assert!(e.to_string().contains("password was reset"), "{e}"),
            other => panic!("expected the open session ended, got {other:?}"),
        }
        assert!(matches!(store.login("tess", "trainer pass 1"), Err(Error::BadCredentials)));

        let forced = store.login("tess", &temp).unwrap();
        assert!(forced.must_change_password());
        assert!(matches!(store.refresh(&forced), Err(Error::PasswordChangeRequired)));
        let office = {
            store
                .add_user(
                    &admin,
                    &NewUser { username: "olly", display_name: "Olly", role: Role::Office, password: "office pass 1" },
                )
                .unwrap();
            store.reset_password(&admin, "olly").unwrap()
        };
        let forced_office = store.login("olly", &office).unwrap();
        for p in [Permission::ReadIdentifiers, Permission::EditRecords, Permission::FieldWork] {
            assert!(!forced_office.may(p), "{p:?}");
            assert!(matches!(forced_office.require(p), Err(Error::PasswordChangeRequired)), "{p:?}");
        }
        let employer = crate::records::EmployerForm { name: "Acme Ltd".into(), ..Default::default() };
        assert!(matches!(store.add_employer(&forced_office, &employer), Err(Error::PasswordChangeRequired)));
        assert!(matches!(store.users(&forced), Err(Error::PasswordChangeRequired)));
        // Changing it is the one thing allowed, and it needs the reset password.
        assert!(matches!(
            store.change_password(&forced, "trainer pass 1", "tess's own one"),
            Err(Error::Invalid { .. })
        ));
        let freed = store.change_password(&forced, &temp, "tess's own one").unwrap();
        assert!(!freed.must_change_password());
        store.refresh(&freed).unwrap();
        assert!(!store.user(&admin, "tess").unwrap().must_change_password);
        assert!(!store.login("tess", "tess's own one").unwrap().must_change_password());
    }

    #[test]
    fn only_admins_reset_and_never_their_own() {
        let (_fx, mut store, admin) = store();
        let tess = with_tess(&mut store, &admin);
        assert!(matches!(store.reset_password(&tess, "admin"), Err(Error::Forbidden { .. })));
        assert!(matches!(store.reset_password(&admin, "admin"), Err(Error::Invalid { field: "user", .. })));
        assert!(matches!(store.reset_password(&admin, "nobody"), Err(Error::NotFound { .. })));
        // A reset clears the wait after wrong passwords, so the user can sign in with it at once.
        for _ in 0..5 {
            let _ = store.login("tess", "wrong password");
        }
        let temp = store.reset_password(&admin, "tess").unwrap();
        assert!(store.login("tess", &temp).unwrap().must_change_password());
    }

    #[test]
    fn roles_change_but_the_store_keeps_an_admin() {
        let (_fx, mut store, admin) = store();
        let tess = with_tess(&mut store, &admin);
        assert!(matches!(store.set_user_role(&tess, "tess", Role::Admin), Err(Error::Forbidden { .. })));
        let err = store.set_user_role(&admin, "admin", Role::Office).unwrap_err();
        assert!(err.to_string().contains("your own role"), "{err}");
        assert_eq!(store.set_user_role(&admin, "tess", Role::Office).unwrap().role, Role::Office);
        // Tess's open window ends at its next action; she signs in again as office.
        match store.refresh(&tess) {
            Err(e @ Error::SignedOut(_)) => assert!(e.to_string().contains("role was changed"), "{e}"),
            other => panic!("expected the open session ended, got {other:?}"),
        }
        assert_eq!(store.login("tess", "trainer pass 1").unwrap().role(), Role::Office);
        // The same role again changes nothing and records nothing.
        let before: i64 = store.conn().query_row("SELECT count(*) FROM audit", [], |r| r.get(0)).unwrap();
        store.set_user_role(&admin, "tess", Role::Office).unwrap();
        let after: i64 = store.conn().query_row("SELECT count(*) FROM audit", [], |r| r.get(0)).unwrap();
        assert_eq!(before, after);

        // Two admins: one may demote the other, but never leave the store without an enabled admin,
        // even from a window opened before they were themselves disabled.
        store.set_user_role(&admin, "tess", Role::Admin).unwrap();
        let tess = store.login("tess", "trainer pass 1").unwrap();
        store.set_user_disabled(&admin, "tess", true).unwrap();
        let err = store.set_user_role(&tess, "admin", Role::Trainer).unwrap_err();
        assert!(err.to_string().contains("last enabled admin"), "{err}");
        store.set_user_disabled(&admin, "tess", false).unwrap();
        assert_eq!(store.set_user_role(&tess, "admin", Role::Trainer).unwrap().role, Role::Trainer);
        assert!(matches!(store.refresh(&admin), Err(Error::SignedOut(_))));
    }

    #[test]
    fn a_disabled_users_open_session_ends_at_its_next_action() {
        let (_fx, mut store, admin) = store();
        let tess = with_tess(&mut store, &admin);
        assert_eq!(store.refresh(&tess).unwrap().username(), "tess");
        store.set_user_disabled(&admin, "tess", true).unwrap();
        let err = store.refresh(&tess).unwrap_err();
        assert!(matches!(err, Error::SignedOut(_)));
        assert_eq!(err.to_string(), "signed out: your account was disabled by an administrator; sign in again");
        assert!(matches!(store.change_password(&tess, "trainer pass 1", "a brand new one"), Err(Error::SignedOut(_))));
    }

    #[test]
    fn account_changes_are_audited_without_secrets() {
        let (_fx, mut store, admin) = store();
        let tess = with_tess(&mut store, &admin);
        store.change_password(&tess, "trainer pass 1", "a brand new one").unwrap();
        let temp = store.reset_password(&admin, "tess").unwrap();
        let forced = store.login("tess", &temp).unwrap();
        store.change_password(&forced, &temp, "tess's own one").unwrap();
        store.set_user_role(&admin, "tess", Role::Office).unwrap();
        let entries = crate::audit::list(&store, &admin, &crate::audit::AuditFilter::default()).unwrap();
        let actions: Vec<&str> = entries.iter().rev().map(|e| e.action.as_str()).collect();
        for want in ["user.password", "user.password_reset", "user.role"] {
            assert!(actions.contains(&want), "{want} in {actions:?}");
        }
        let role = entries.iter().find(|e| e.action == "user.role").unwrap();
        let changes = serde_json::to_string(&role.changes).unwrap();
        assert!(changes.contains(r#""before":"trainer""#) && changes.contains(r#""after":"office""#), "{changes}");
        let reset = entries.iter().find(|e| e.action == "user.password_reset").unwrap();
        assert_eq!(reset.actor, "admin");
        let all = serde_json::to_string(&entries).unwrap();
        let hashes: Vec<String> = store
            .conn()
            .prepare("SELECT password_hash FROM users")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for secret in ["trainer pass 1", "a brand new one", "tess's own one", temp.as_str(), "$argon2"]
            .into_iter()
            .chain(hashes.iter().map(String::as_str))
        {
            assert!(!all.contains(secret), "the audit log holds a secret");
        }
    }

    #[test]
    fn user_names_and_passwords_are_checked() {
        assert_eq!(validate_username(" Sam.Jones ").unwrap(), "sam.jones");
        assert!(validate_username("s").is_err());
        assert!(validate_username("sam jones").is_err());
        assert!(validate_password("short", "sam").is_err());
        assert!(validate_password("samjones12", "SAMJONES12").is_err());
        assert!(validate_password("a sensible one", "sam").is_ok());
    }
}
