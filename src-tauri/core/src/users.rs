//! Local user accounts: adding, listing, disabling, and sign-in with throttling, which is what makes
//! an [`Actor`].

use crate::store::Tx;
use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::actor::{Actor, Permission, Role};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::{Error, Id, Result, Store};

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
    Ok(user)
}

/// Checks that `username`/`password` is an enabled admin of the store on `conn` (used to authorise a
/// restore against the backup being restored, before it replaces anything).
pub(crate) fn check_admin_password(conn: &rusqlite::Connection, username: &str, password: &str) -> Result<()> {
    let name = username.trim().to_ascii_lowercase();
    let found: Option<(String, String, bool)> = conn
        .query_row("SELECT role, password_hash, disabled_at IS NOT NULL FROM users WHERE username = ?1", [&name], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    match found {
        Some((_, hash, _)) if !password_matches(password, &hash) => Err(Error::BadCredentials),
        None => Err(Error::BadCredentials),
        Some((_, _, true)) => Err(Error::AccountDisabled),
        Some((role, _, false)) if role != "admin" => {
            Err(Error::Forbidden { role: role.parse()?, action: "restore a backup" })
        }
        Some(_) => Ok(()),
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
}

impl Store {
    /// Signs a user in. Wrong passwords are counted in the store; after three, each attempt must wait
    /// longer (1 s doubling to 5 min) whichever process makes it.
    pub fn login(&mut self, username: &str, password: &str) -> Result<Actor> {
        let name = username.trim().to_ascii_lowercase();
        let account = self
            .conn()
            .query_row(
                "SELECT id, username, role, password_hash, disabled_at IS NOT NULL, failed_logins, last_failed_at
                 FROM users WHERE username = ?1",
                [&name],
                |r| {
                    Ok(Account {
                        id: r.get(0)?,
                        username: r.get(1)?,
                        role: r.get(2)?,
                        hash: r.get(3)?,
                        disabled: r.get(4)?,
                        failures: r.get(5)?,
                        last_failed: r.get(6)?,
                    })
                },
            )
            .optional()?;
        let Some(account) = account else {
            // Spend the same time as a real check so that names cannot be probed by timing.
            static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            let dummy = DUMMY.get_or_init(|| hash_password("not a real password").unwrap_or_default());
            let _ = password_matches(password, dummy);
            self.write(|tx| {
                // Not the typed name: people type passwords into the name field by mistake.
                audit::record(
                    tx,
                    Who::Anonymous("unknown user name"),
                    "login.failed",
                    Subject { entity: "user", id: None },
                    &[],
                )
            })?;
            return Err(Error::BadCredentials);
        };
        let wait = throttle_wait(account.failures);
        if wait > 0 {
            let since = account
                .last_failed
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| (Utc::now() - t.with_timezone(&Utc)).num_seconds().max(0) as u64)
                .unwrap_or(u64::MAX);
            if since < wait {
                return Err(Error::LoginThrottled { wait_secs: wait - since });
            }
        }
        let id = account.id.to_string();
        let subject = Subject { entity: "user", id: Some(&id) };
        if !password_matches(password, &account.hash) {
            self.write(|tx| {
                tx.execute(
                    "UPDATE users SET failed_logins = failed_logins + 1, last_failed_at = ?2 WHERE id = ?1",
                    rusqlite::params![account.id, Utc::now().to_rfc3339()],
                )?;
                audit::record(tx, Who::Anonymous(&account.username), "login.failed", subject, &[])
            })?;
            return Err(Error::BadCredentials);
        }
        if account.disabled {
            return Err(Error::AccountDisabled);
        }
        let actor = Actor::signed_in(account.id, account.username, account.role.parse()?).in_store(self.kind()?);
        self.write(|tx| {
            tx.execute("UPDATE users SET failed_logins = 0, last_failed_at = NULL WHERE id = ?1", [&actor.id()])?;
            audit::record(tx, Who::Actor(&actor), "login", subject, &[])
        })?;
        Ok(actor)
    }

    /// The signed-in `actor` as the store sees them now: their current role, in the store's current
    /// kind (a store enrolled as a trainer's laptop a moment ago is a laptop now). Refused when the
    /// account was disabled or removed meanwhile. Holding an [`Actor`] proves the sign-in, so no
    /// password is asked again.
    pub fn refresh(&self, actor: &Actor) -> Result<Actor> {
        let row: Option<(String, String, bool)> = self
            .conn()
            .query_row("SELECT username, role, disabled_at IS NOT NULL FROM users WHERE id = ?1", [actor.id()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        match row {
            None | Some((_, _, true)) => Err(Error::AccountDisabled),
            Some((username, role, false)) => {
                Ok(Actor::signed_in(actor.id(), username, role.parse()?).in_store(self.kind()?))
            }
        }
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
            "SELECT id, username, display_name, role, created_at, disabled_at IS NOT NULL FROM users ORDER BY username",
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
                "SELECT id, username, display_name, role, created_at, disabled_at IS NOT NULL FROM users WHERE username = ?1",
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
