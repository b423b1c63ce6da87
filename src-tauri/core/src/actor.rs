//! Who is acting: the signed-in [`Actor`], the [`Role`]s and what each role may do ([`Permission`]).
//!
//! The core enforces permissions: every call that reads or writes personal data takes the acting
//! [`Actor`], which only [`Store::login`](crate::Store::login) (or setting up a store) can produce.
//! Accounts (passwords, sign-in, throttling) live in [`users`](crate::users); this module is the leaf
//! both they and the audit log build on, so neither imports the other.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::identity::IdentityKey;
use crate::{Error, Id, Result};

/// A user's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs the centre: users, keys, backups, everything.
    Admin,
    /// Office staff: bookings, records, certificates.
    Office,
    /// Trainers and assessors: their runs and results, never identifiers such as NI numbers.
    Trainer,
}

impl Role {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Office => "office",
            Role::Trainer => "trainer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "office" => Ok(Role::Office),
            "trainer" => Ok(Role::Trainer),
            _ => Err(Error::invalid("role", "must be admin, office or trainer")),
        }
    }
}

/// What a store is: the centre's office, or a trainer's laptop (a field store enrolled with a centre,
/// see [`field`](crate::field)). The one definition the shells read: [`Store::kind`](crate::Store::kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    /// The centre's store: registration, certificates, submissions, packs out and returns in.
    Office,
    /// A trainer's laptop: its packed runs, attendance, results, comments, evidence photos and the
    /// return. Nothing else made here would ever reach the office, so the core refuses it.
    Laptop,
}

/// Things a role may or may not do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Add, disable and list user accounts.
    ManageUsers,
    /// Change the passphrase, handle keys.
    ManageKeys,
    /// Read and check the audit log.
    ReadAudit,
    /// Make backups (they hold everything).
    Backup,
    /// See NI numbers, dates of birth and home addresses.
    ReadIdentifiers,
    /// Register and edit employers, contacts, candidates and course runs.
    EditRecords,
    /// Change the centre's details and add awarding bodies and courses to the catalogue.
    ManageCatalogue,
    /// See and record health or disability notes (special category data).
    SpecialCategory,
    /// Make awarding-body submission bundles and list the people a bundle disclosed (breach reports).
    Submit,
    /// On a trainer's laptop: import field packs and export results returns.
    FieldWork,
    /// Erase a person's records at their request (right to erasure).
    Erase,
    /// Change the retention schedule, place and lift legal holds, and run retention (which deletes).
    Retention,
}

impl Permission {
    fn allowed(self, role: Role) -> bool {
        match self {
            Permission::ManageUsers
            | Permission::ManageKeys
            | Permission::ReadAudit
            | Permission::Backup
            | Permission::ManageCatalogue
            | Permission::SpecialCategory
            | Permission::Submit
            | Permission::Erase
            | Permission::Retention => role == Role::Admin,
            Permission::ReadIdentifiers | Permission::EditRecords | Permission::FieldWork => role != Role::Trainer,
        }
    }

    /// Work whose result only the office store keeps: done on a trainer's laptop it would never reach
    /// the office (a return carries only attendance, results, comments and evidence photos of the
    /// packed runs), so a laptop refuses it whatever the role. On a laptop, records are reached as a
    /// trainer reaches them: the runs the laptop's user is assigned to through its packs.
    fn office_only(self) -> bool {
        match self {
            Permission::EditRecords
            | Permission::ManageUsers
            | Permission::ManageCatalogue
            | Permission::SpecialCategory
            | Permission::Submit
            | Permission::Erase
            | Permission::Retention => true,
            Permission::ManageKeys
            | Permission::ReadAudit
            | Permission::Backup
            | Permission::ReadIdentifiers
            | Permission::FieldWork => false,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Permission::ManageUsers => "manage user accounts",
            Permission::ManageKeys => "manage the store's keys or passphrase",
            Permission::ReadAudit => "read the audit log",
            Permission::Backup => "make backups",
            Permission::ReadIdentifiers => "see NI numbers, dates of birth or home addresses",
            Permission::EditRecords => "register or edit records",
            Permission::ManageCatalogue => "change the centre's details or the course catalogue",
            Permission::SpecialCategory => "see or record health and disability notes",
            Permission::Submit => "make awarding-body submissions or list the people a bundle disclosed",
            Permission::FieldWork => "import field packs or export results returns",
            Permission::Erase => "erase a person's records",
            Permission::Retention => "change the retention schedule, place legal holds or run retention",
        }
    }
}

/// Which records a user may read: the one definition every read in [`records`](crate::records) shares
/// (through `records::scope`), so a list, a search and a read by id can never disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every record (admin and office in the office store).
    All,
    /// Only the runs this user (by user id) is assigned to as a trainer, their candidates (names,
    /// employer and employee number) and their site contacts (names): a trainer anywhere, and
    /// anyone on a trainer's laptop, where records are reached through the packed runs.
    Runs(Id),
}

impl Scope {
    /// The user id to bind to the shared scope fragment: `None` reads everything.
    pub(crate) fn trainer(self) -> Option<Id> {
        match self {
            Scope::All => None,
            Scope::Runs(id) => Some(id),
        }
    }
}

/// A signed-in user. Only the core makes these, so holding one proves the password was checked.
#[derive(Clone, Debug, Serialize)]
pub struct Actor {
    id: Id,
    username: String,
    role: Role,
    /// The store signed in to: on a laptop, office-only work is refused whatever the role.
    kind: StoreKind,
    /// Signed in with a password an admin reset: nothing is allowed but choosing a new one
    /// ([`Store::change_password`](crate::Store::change_password)).
    must_change_password: bool,
    /// The identity key, unwrapped at an admin or office sign-in (see [`crate::identity`]); shared by
    /// the session's copies and wiped when the last one drops. Never serialised.
    #[serde(skip)]
    identity: Option<Arc<IdentityKey>>,
}

impl Actor {
    /// The user's id.
    pub fn id(&self) -> Id {
        self.id
    }

    /// The user's sign-in name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The user's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The kind of store this user signed in to.
    pub fn store_kind(&self) -> StoreKind {
        self.kind
    }

    /// Whether this user signed in with a password an admin reset, and so must choose a new one
    /// before anything else is allowed.
    pub fn must_change_password(&self) -> bool {
        self.must_change_password
    }

    /// Which records this user may read, decided by the role and the kind of store, never guessed
    /// from a missing permission. A reset password not yet changed reads as narrowly as a trainer.
    pub fn scope(&self) -> Scope {
        if self.role == Role::Trainer || self.kind == StoreKind::Laptop || self.must_change_password {
            Scope::Runs(self.id)
        } else {
            Scope::All
        }
    }

    /// Whether this user may do `p` (in this kind of store). Nothing, until a reset password is changed.
    pub fn may(&self, p: Permission) -> bool {
        !self.must_change_password && p.allowed(self.role) && !(self.kind == StoreKind::Laptop && p.office_only())
    }

    /// Refuses with [`Error::Forbidden`] unless this user's role may do `p`, with
    /// [`Error::OfficeOnly`] when `p` is office work and this is a trainer's laptop, and with
    /// [`Error::PasswordChangeRequired`] whatever `p` is while a reset password is still unchanged.
    pub fn require(&self, p: Permission) -> Result<()> {
        if self.must_change_password {
            Err(Error::PasswordChangeRequired)
        } else if !p.allowed(self.role) {
            Err(Error::Forbidden { role: self.role, action: p.describe() })
        } else if self.kind == StoreKind::Laptop && p.office_only() {
            Err(Error::OfficeOnly { action: p.describe() })
        } else {
            Ok(())
        }
    }

    /// The same user in a store of `kind` (set at sign-in, and when a store becomes a laptop).
    pub(crate) fn in_store(self, kind: StoreKind) -> Actor {
        Actor { kind, ..self }
    }

    /// A user acting through a signed results return from their registered laptop, not a sign-in:
    /// the laptop's signature stands in for the password. `username` is what the audit log shows
    /// (it names the return).
    pub(crate) fn through_field_return(id: Id, username: String, role: Role) -> Actor {
        Actor { id, username, role, kind: StoreKind::Office, must_change_password: false, identity: None }
    }

    /// A user whose password [`users`](crate::users) has just checked (or the first admin, made with
    /// the store). Only accounts code calls this.
    pub(crate) fn signed_in(id: Id, username: String, role: Role) -> Actor {
        Actor { id, username, role, kind: StoreKind::Office, must_change_password: false, identity: None }
    }

    /// The identity key this session holds: admin and office sessions granted it, never a trainer's.
    pub(crate) fn identity(&self) -> Option<&IdentityKey> {
        match self.role {
            Role::Admin | Role::Office => self.identity.as_deref(),
            Role::Trainer => None,
        }
    }

    /// The same user holding `key` (set at sign-in, carried over by a refresh or password change).
    pub(crate) fn with_identity(self, key: Option<Arc<IdentityKey>>) -> Actor {
        Actor { identity: key, ..self }
    }

    /// The session's key as it is carried to the next copy of the session.
    pub(crate) fn identity_handle(&self) -> Option<Arc<IdentityKey>> {
        self.identity.clone()
    }

    /// The same user, signed in with a reset password (`true`) or not: see [`Actor::must_change_password`].
    pub(crate) fn with_reset_password(self, must_change_password: bool) -> Actor {
        Actor { must_change_password, ..self }
    }
}
