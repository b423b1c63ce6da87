//! The audit log: who did what to which record, when, with each changed field's before and after.
//!
//! Rows are append-only (triggers refuse UPDATE and DELETE) and hash-chained: each row's hash covers
//! the previous row's hash and its own content, and the newest row's position and hash are anchored
//! in `meta`, so [`verify`] detects an edited, deleted, reordered or truncated log.
//!
//! The before/after values are sealed under a key per subject (the person or record the entry is
//! about), kept in `subject_keys`. Erasing a person later destroys that key: their values become
//! unreadable while the chain, which hashes the sealed bytes, still verifies.

use crate::store::Tx;
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Permission};
use crate::crypto::{self, SecretKey};
use crate::store::{meta_get, meta_set};
use crate::{Error, Id, Result, Store};

/// One changed field of a record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct FieldChange {
    /// The field's name.
    pub field: String,
    /// The value before the change (`None` when the record was created).
    pub before: Option<serde_json::Value>,
    /// The value after the change (`None` when the record was deleted).
    pub after: Option<serde_json::Value>,
}

impl FieldChange {
    /// A field set on a new record.
    pub fn created(field: &str, after: impl Into<serde_json::Value>) -> Self {
        FieldChange { field: field.into(), before: None, after: Some(after.into()) }
    }

    /// A field an edit may have changed: `Some` only when `before` and `after` differ, so an edit's
    /// audit entry holds exactly what changed. The one comparison every edit makes; an empty value
    /// (null) is kept as no value.
    pub fn between(
        field: &str,
        before: impl Into<serde_json::Value>,
        after: impl Into<serde_json::Value>,
    ) -> Option<Self> {
        let (before, after) = (before.into(), after.into());
        let value = |v: serde_json::Value| (!v.is_null()).then_some(v);
        (before != after).then(|| FieldChange { field: field.into(), before: value(before), after: value(after) })
    }

    /// A field changed from `before` to `after`.
    pub fn changed(field: &str, before: impl Into<serde_json::Value>, after: impl Into<serde_json::Value>) -> Self {
        FieldChange { field: field.into(), before: Some(before.into()), after: Some(after.into()) }
    }
}

/// Who an entry is attributed to.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Who<'a> {
    /// A signed-in user.
    Actor(&'a Actor),
    /// Someone not signed in (a failed sign-in), named by what they typed.
    Anonymous(&'a str),
    /// Centrebook itself, tidying after an interruption (e.g. undoing an import a killed process left
    /// unfinished), named by what it did.
    System(&'a str),
}

/// What an entry is about.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Subject<'a> {
    pub entity: &'a str,
    pub id: Option<&'a str>,
}

/// An audit entry as read back.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AuditEntry {
    /// Position in the log, from 1.
    pub seq: i64,
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
    /// The acting user's name.
    pub actor: String,
    /// What was done, e.g. `user.add`.
    pub action: String,
    /// The kind of record, e.g. `user`.
    pub entity: String,
    /// The record's id.
    pub entity_id: Option<String>,
    /// The changed fields; `None` when the subject's values were erased.
    pub changes: Option<Vec<FieldChange>>,
}

/// The result of checking the chain.
#[derive(Clone, Debug, Serialize)]
pub struct AuditReport {
    /// Entries read.
    pub entries: i64,
    /// What is wrong, in order; empty when the log is intact.
    pub problems: Vec<String>,
    /// Set when the database is behind the anchor kept outside it: an intact log, but an older copy
    /// (or another history) than the one last recorded.
    pub behind: Option<crate::store::Behind>,
    /// Signed checkpoints checked.
    pub checkpoints: i64,
    /// The newest signed checkpoint.
    pub last_checkpoint: Option<crate::store::Checkpoint>,
}

impl AuditReport {
    /// Whether the log is intact and is the one last recorded.
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty() && self.behind.is_none()
    }
}

/// Filters for [`list`].
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Only entries about this kind of record.
    pub entity: Option<String>,
    /// Only entries about this record.
    pub entity_id: Option<String>,
    /// At most this many, newest first.
    pub limit: Option<u32>,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Appends an entry inside the caller's transaction.
pub(crate) fn record(
    tx: &Tx<'_>,
    who: Who<'_>,
    action: &str,
    subject: Subject<'_>,
    changes: &[FieldChange],
) -> Result<()> {
    let (actor_id, actor_name) = match who {
        Who::Actor(a) => (Some(a.id().to_string()), a.username().to_owned()),
        Who::Anonymous(name) => (None, format!("(not signed in: {name})")),
        Who::System(what) => (None, format!("(Centrebook: {what})")),
    };
    let id = Id::new().to_string();
    let at = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
    let sealed = if changes.is_empty() {
        None
    } else {
        let key = subject_key(tx, subject.id.unwrap_or("-"), true)?
            .ok_or_else(|| Error::damaged(tx, "a stored audit key is damaged"))?;
        // Identifier values are sealed once more, under the identity key (`identity::audit_values`).
        let identity_key = match who {
            Who::Actor(a) => a.identity(),
            _ => None,
        };
        let changes = crate::identity::audit_values::seal(identity_key, subject.entity, &id, changes)?;
        let plain = zeroize::Zeroizing::new(
            serde_json::to_vec(&changes).map_err(|_| Error::Internal("the audit changes could not be encoded"))?,
        );
        Some(crypto::seal(&key, &plain, id.as_bytes())?)
    };
    let (prev_seq, prev_hash) = head(tx)?;
    let seq = prev_seq + 1;
    let row = Row {
        seq,
        id,
        at,
        actor_id,
        actor_name,
        action: action.to_owned(),
        entity: subject.entity.to_owned(),
        entity_id: subject.id.map(str::to_owned),
        changes: sealed,
        prev_hash,
    };
    let hash = row.hash();
    // Cached statements: an import writes one entry per row.
    tx.prepare_cached(
        "INSERT INTO audit (seq, id, at, actor_id, actor_name, action, entity, entity_id, changes, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(rusqlite::params![
        row.seq,
        row.id,
        row.at,
        row.actor_id,
        row.actor_name,
        row.action,
        row.entity,
        row.entity_id,
        row.changes,
        row.prev_hash,
        hash
    ])?;
    meta_set(tx, "audit_head", &format!("{seq}:{hash}"))?;
    tx.mark_audited();
    Ok(())
}

/// The log's head as anchored in `meta`: the last entry's position and hash (0 and the genesis hash
/// for an empty log).
pub(crate) fn head(conn: &Connection) -> Result<(i64, String)> {
    Ok(match meta_get(conn, "audit_head")? {
        Some(h) => {
            let damaged = || Error::damaged(conn, "the audit log's anchor is damaged");
            let (seq, hash) = h.split_once(':').ok_or_else(damaged)?;
            (seq.parse().map_err(|_| damaged())?, hash.to_owned())
        }
        None => (0, GENESIS.to_owned()),
    })
}

/// The stored hash and time of entry `seq`, if the log holds it.
pub(crate) fn entry_at(conn: &Connection, seq: i64) -> Result<Option<(String, String)>> {
    Ok(conn
        .prepare_cached("SELECT hash, at FROM audit WHERE seq = ?1")?
        .query_row([seq], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

fn subject_key(conn: &Connection, subject: &str, create: bool) -> Result<Option<SecretKey>> {
    let found: Option<Vec<u8>> = conn
        .prepare_cached("SELECT key FROM subject_keys WHERE subject_id = ?1")?
        .query_row([subject], |r| r.get(0))
        .optional()?;
    match found {
        Some(bytes) => Ok(SecretKey::from_bytes(&zeroize::Zeroizing::new(bytes))),
        None if create => {
            let key = SecretKey::random()?;
            conn.prepare_cached("INSERT INTO subject_keys (subject_id, key, created_at) VALUES (?1, ?2, ?3)")?
                .execute(rusqlite::params![subject, &key.as_bytes()[..], Utc::now().to_rfc3339()])?;
            Ok(Some(key))
        }
        None => Ok(None),
    }
}

struct Row {
    seq: i64,
    id: String,
    at: String,
    actor_id: Option<String>,
    actor_name: String,
    action: String,
    entity: String,
    entity_id: Option<String>,
    changes: Option<Vec<u8>>,
    prev_hash: String,
}

impl Row {
    fn hash(&self) -> String {
        let changes = self.changes.as_deref().map(crypto::hex).unwrap_or_default();
        let seq = self.seq.to_string();
        let fields: [&str; 10] = [
            &seq,
            &self.id,
            &self.at,
            self.actor_id.as_deref().unwrap_or(""),
            &self.actor_name,
            &self.action,
            &self.entity,
            self.entity_id.as_deref().unwrap_or(""),
            &changes,
            &self.prev_hash,
        ];
        // Unit separators keep field boundaries unambiguous.
        crypto::hex(&crypto::sha256(&[b"centrebook audit v1", fields.join("\u{1f}").as_bytes()]))
    }

    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Row, String)> {
        Ok((
            Row {
                seq: r.get(0)?,
                id: r.get(1)?,
                at: r.get(2)?,
                actor_id: r.get(3)?,
                actor_name: r.get(4)?,
                action: r.get(5)?,
                entity: r.get(6)?,
                entity_id: r.get(7)?,
                changes: r.get(8)?,
                prev_hash: r.get(9)?,
            },
            r.get(10)?,
        ))
    }
}

const COLUMNS: &str = "seq, id, at, actor_id, actor_name, action, entity, entity_id, changes, prev_hash, hash";

/// The query for `filter`'s entries (`?1` entity, `?2` entity id, `?3` limit), naming only the
/// conditions it sets: SQLite uses no index for `?1 IS NULL OR entity = ?1`, and with that form a
/// candidate's trail read the whole log for each of its subjects (issue 17: 0.3 ms on a young demo
/// store, 190 ms once an import had added 100,000 entries; a centre's years of entries are more).
fn list_sql(filter: &AuditFilter) -> String {
    let set = [(filter.entity.is_some(), "entity = ?1"), (filter.entity_id.is_some(), "entity_id = ?2")];
    let conditions: Vec<&str> = set.iter().filter(|(on, _)| *on).map(|(_, c)| *c).collect();
    let filtered = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    format!("SELECT {COLUMNS} FROM audit {filtered} ORDER BY seq DESC LIMIT ?3")
}

/// Lists entries, newest first. Admins only: entries carry before/after values of personal data.
pub fn list(store: &Store, actor: &Actor, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
    actor.require(Permission::ReadAudit)?;
    let conn = store.conn();
    let mut stmt = conn.prepare_cached(&list_sql(filter))?;
    let limit = filter.limit.map(i64::from).unwrap_or(-1);
    let rows = stmt.query_map(rusqlite::params![filter.entity, filter.entity_id, limit], Row::read)?;
    let mut out = Vec::new();
    for row in rows {
        let (row, _) = row?;
        let changes = match &row.changes {
            None => Some(Vec::new()),
            Some(sealed) => subject_key(conn, row.entity_id.as_deref().unwrap_or("-"), false)?
                .and_then(|k| crypto::open(&k, sealed, row.id.as_bytes()))
                .and_then(|plain| serde_json::from_slice::<Vec<FieldChange>>(&plain).ok())
                .map(|mut changes| {
                    crate::identity::audit_values::open(actor.identity(), &row.entity, &row.id, &mut changes);
                    changes
                }),
        };
        let at = DateTime::parse_from_rfc3339(&row.at).map(|d| d.with_timezone(&Utc)).unwrap_or_default();
        out.push(AuditEntry {
            seq: row.seq,
            at,
            actor: row.actor_name,
            action: row.action,
            entity: row.entity,
            entity_id: row.entity_id,
            changes,
        });
    }
    Ok(out)
}

/// Checks the whole chain and its anchor.
pub fn verify(store: &Store, actor: &Actor) -> Result<AuditReport> {
    actor.require(Permission::ReadAudit)?;
    let conn = store.conn();
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"))?;
    let mut problems = Vec::new();
    let (mut last_seq, mut last_hash) = (0i64, GENESIS.to_owned());
    let mut entries = 0;
    for row in stmt.query_map([], Row::read)? {
        let (row, stored_hash) = row?;
        entries += 1;
        if row.seq != last_seq + 1 {
            problems.push(format!("entries {} to {} are missing: deleted", last_seq + 1, row.seq - 1));
        } else if row.prev_hash != last_hash {
            problems.push(format!(
                "entry {} does not follow entry {}: the log was reordered or rewritten",
                row.seq, last_seq
            ));
        }
        if row.hash() != stored_hash {
            problems.push(format!("entry {} was altered after it was written", row.seq));
        }
        // Continue from the stored hash so one edit is reported once, not as a cascade.
        (last_seq, last_hash) = (row.seq, stored_hash);
    }
    let (anchor_seq, anchor_hash) = head(conn)?;
    if anchor_seq != last_seq {
        problems.push(format!(
            "the log ends at entry {last_seq} but entry {anchor_seq} was recorded: entries were removed from the end"
        ));
    } else if anchor_hash != last_hash {
        problems.push(format!("entry {last_seq} is not the entry that was recorded last: the log was rewritten"));
    }
    let checked = crate::store::checkpoints::check(conn, store.store_id())?;
    problems.extend(checked.problems);
    Ok(AuditReport {
        entries,
        problems,
        behind: store.behind().cloned(),
        checkpoints: checked.count,
        last_checkpoint: checked.last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{contains, Fixture};
    use crate::{NewUser, Role};

    fn store_with_entries() -> (Fixture, Store, Actor) {
        let fx = Fixture::new(false);
        let init = fx.init();
        let (mut store, admin) = (init.store, init.admin);
        for (name, display) in [("tess", "Tess Trainer"), ("olly", "Olly Office"), ("ruth", "Ruth Admin")] {
            store
                .add_user(
                    &admin,
                    &NewUser { username: name, display_name: display, role: Role::Office, password: "a password 1" },
                )
                .unwrap();
        }
        (fx, store, admin)
    }

    /// Simulates someone editing the database behind the program's back.
    fn tamper(store: &mut Store, sql: &str) {
        store
            .conn_mut()
            .execute_batch(&format!("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; {sql}"))
            .unwrap();
    }

    #[test]
    fn every_write_is_recorded_with_before_and_after() {
        let (_fx, mut store, admin) = store_with_entries();
        store.set_user_disabled(&admin, "tess", true).unwrap();
        let entries = list(&store, &admin, &AuditFilter::default()).unwrap();
        let actions: Vec<&str> = entries.iter().rev().map(|e| e.action.as_str()).collect();
        // Each office account is granted the identity key as it is made; disabling one takes it away.
        let grant = ["user.add", "identity.grant"];
        let expected: Vec<&str> = [&["user.add", "identity.create", "store.init"][..], &grant, &grant, &grant]
            .concat()
            .into_iter()
            .chain(["identity.revoke", "user.disable"])
            .collect();
        assert_eq!(actions, expected);
        let disable = &entries[0];
        assert_eq!(disable.actor, "admin");
        assert_eq!(disable.changes.as_deref().unwrap(), [FieldChange::changed("disabled", false, true)]);
        let add = entries
            .iter()
            .find(|e| e.action == "user.add" && e.changes.as_ref().unwrap()[0].after == Some("olly".into()))
            .unwrap();
        let fields: Vec<&str> = add.changes.as_ref().unwrap().iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["username", "display_name", "role", "password"]);
        assert_eq!(add.changes.as_ref().unwrap()[3].after, Some("(set)".into()), "never the password itself");
        assert!(verify(&store, &admin).unwrap().is_intact());
    }

    #[test]
    fn the_log_cannot_be_changed_through_sql() {
        let (_fx, store, _) = store_with_entries();
        let err = store.conn().execute("UPDATE audit SET action = 'x' WHERE seq = 1", []).unwrap_err();
        assert!(err.to_string().contains("append-only"));
        assert!(store.conn().execute("DELETE FROM audit WHERE seq = 1", []).is_err());
    }

    #[test]
    fn an_edited_row_is_detected() {
        let (_fx, mut store, admin) = store_with_entries();
        tamper(&mut store, "UPDATE audit SET actor_name = 'someone else' WHERE seq = 3");
        let report = verify(&store, &admin).unwrap();
        assert_eq!(report.problems, ["entry 3 was altered after it was written"]);
    }

    #[test]
    fn a_deleted_row_is_detected() {
        let (_fx, mut store, admin) = store_with_entries();
        tamper(&mut store, "DELETE FROM audit WHERE seq = 2");
        let report = verify(&store, &admin).unwrap();
        assert_eq!(report.problems, ["entries 2 to 2 are missing: deleted"]);
    }

    #[test]
    fn reordered_rows_are_detected() {
        let (_fx, mut store, admin) = store_with_entries();
        tamper(
            &mut store,
            "UPDATE audit SET seq = 100 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = 100;",
        );
        let report = verify(&store, &admin).unwrap();
        assert!(!report.is_intact());
        assert!(report.problems.iter().any(|p| p.contains("reordered")), "{:?}", report.problems);
    }

    #[test]
    fn a_truncated_tail_is_detected() {
        let (_fx, mut store, admin) = store_with_entries();
        let last: i64 = store.conn().query_row("SELECT max(seq) FROM audit", [], |r| r.get(0)).unwrap();
        tamper(&mut store, &format!("DELETE FROM audit WHERE seq = {last}"));
        let report = verify(&store, &admin).unwrap();
        assert_eq!(report.problems.len(), 1);
        assert!(report.problems[0].contains("removed from the end"), "{:?}", report.problems);
    }

    #[test]
    fn one_records_entries_are_read_through_their_index_newest_first() {
        // A candidate's page lists their entries each time it opens: the whole log must not be read.
        let (_fx, store, admin) = store_with_entries();
        let filter = AuditFilter { entity: Some("user".into()), entity_id: Some("x".into()), limit: Some(300) };
        let mut stmt = store.conn().prepare(&format!("EXPLAIN QUERY PLAN {}", list_sql(&filter))).unwrap();
        let plan: Vec<String> =
            stmt.query_map(rusqlite::params!["user", "x", 300], |r| r.get(3)).unwrap().map(Result::unwrap).collect();
        assert_eq!(plan, ["SEARCH audit USING INDEX audit_entity (entity=? AND entity_id=?)"]);
        // And each filter still means what it says.
        let olly = store.user(&admin, "olly").unwrap().id.to_string();
        let all = list(&store, &admin, &AuditFilter::default()).unwrap();
        let mine = |f: &AuditFilter| list(&store, &admin, f).unwrap().iter().map(|e| e.seq).collect::<Vec<_>>();
        let expected =
            |keep: &dyn Fn(&AuditEntry) -> bool| all.iter().filter(|e| keep(e)).map(|e| e.seq).collect::<Vec<_>>();
        let about_olly = AuditFilter { entity_id: Some(olly.clone()), ..Default::default() };
        assert_eq!(mine(&about_olly), expected(&|e| e.entity_id.as_deref() == Some(&olly)));
        let users = AuditFilter { entity: Some("user".into()), limit: Some(1), ..Default::default() };
        assert_eq!(mine(&users), expected(&|e| e.entity == "user")[..1]);
        assert!(all.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
        assert!(!mine(&about_olly).is_empty() && mine(&about_olly).len() < all.len());
    }

    #[test]
    fn values_are_sealed_per_subject_and_die_with_the_subject_key() {
        let (_fx, mut store, admin) = store_with_entries();
        let sealed: Vec<Vec<u8>> = store
            .conn()
            .prepare("SELECT changes FROM audit WHERE changes IS NOT NULL")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(!sealed.is_empty());
        assert!(sealed.iter().all(|b| !contains(b, "Olly Office")), "values are not stored readable");
        let olly = store.user(&admin, "olly").unwrap().id.to_string();
        store.conn_mut().execute("DELETE FROM subject_keys WHERE subject_id = ?1", [&olly]).unwrap();
        let entries = list(&store, &admin, &AuditFilter { entity_id: Some(olly), ..Default::default() }).unwrap();
        let added = entries.iter().find(|e| e.action == "user.add").unwrap();
        assert!(added.changes.is_none(), "erased subject's values are gone");
        assert!(verify(&store, &admin).unwrap().is_intact(), "and the chain still verifies");
    }

    #[test]
    fn only_admins_read_the_log() {
        let (_fx, mut store, _) = store_with_entries();
        let olly = store.login("olly", "a password 1").unwrap();
        assert!(matches!(list(&store, &olly, &AuditFilter::default()), Err(Error::Forbidden { .. })));
        assert!(matches!(verify(&store, &olly), Err(Error::Forbidden { .. })));
    }
}
