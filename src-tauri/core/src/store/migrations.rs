//! Forward-only schema migrations, applied at open inside one transaction.
//!
//! Each entry is applied once, in order; `PRAGMA user_version` records how far a store has come. A
//! migration is never edited after it has shipped: a change is a new entry.

use rusqlite::Connection;

use crate::{Error, Result};

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_foundation.sql"),
    include_str!("migrations/0002_records.sql"),
    include_str!("migrations/0003_search_import.sql"),
    include_str!("migrations/0004_certificates.sql"),
    include_str!("migrations/0005_employment_site.sql"),
    include_str!("migrations/0006_bundles.sql"),
    include_str!("migrations/0007_field.sql"),
    include_str!("migrations/0008_cards.sql"),
    include_str!("migrations/0009_import_runs.sql"),
    include_str!("migrations/0010_folded_names.sql"),
    include_str!("migrations/0011_rectifications.sql"),
    include_str!("migrations/0012_course_versions_runs.sql"),
    include_str!("migrations/0013_passwords.sql"),
    include_str!("migrations/0014_org_corrections.sql"),
    include_str!("migrations/0015_login_throttle.sql"),
    include_str!("migrations/0016_audit_checkpoints.sql"),
    include_str!("migrations/0017_identity_key.sql"),
    include_str!("migrations/0018_erasure.sql"),
    include_str!("migrations/0019_retention.sql"),
    include_str!("migrations/0020_requests_disclosures.sql"),
    include_str!("migrations/0021_objection_consent.sql"),
    include_str!("migrations/0022_attendance_days.sql"),
    include_str!("migrations/0023_diary_capacity.sql"),
    include_str!("migrations/0024_field_round_trip.sql"),
    include_str!("migrations/0027_papers.sql"),
    include_str!("migrations/0028_live_candidates_list.sql"),
    include_str!("migrations/0029_merged_into_index.sql"),
    include_str!("migrations/0030_living_candidates.sql"),
    include_str!("migrations/0031_certificate_search.sql"),
];

/// The first schema whose stores keep an audit anchor in their key file (`store::anchor`), written
/// at the first open that reaches it.
pub(crate) const ANCHORED: i64 = 16;

/// The schema version this program writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// The store's schema version.
pub(crate) fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Refuses a store written by a newer program before anything is written to it.
pub(crate) fn check_not_newer(conn: &Connection) -> Result<i64> {
    let found = version(conn)?;
    if found > LATEST {
        return Err(Error::NewerSchema { found, supported: LATEST });
    }
    Ok(found)
}

#[cfg(test)]
thread_local! {
    /// For a test that fakes an older store by lowering `user_version` on a store whose tables are
    /// the latest's (what an older version reads at open is the point): the migrations after it only
    /// move the version on.
    pub(crate) static FAKED_OLDER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Brings the schema up to [`LATEST`]. Another process may be migrating at the same moment, so the
/// version is read again under the write lock.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    if check_not_newer(conn)? == LATEST {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let from = check_not_newer(&tx)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        #[cfg(test)]
        if FAKED_OLDER.get() {
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_store_is_brought_forward_keeping_its_data() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("old.db");
        let key = crate::keys::DataKey::random().unwrap();
        let mut conn = super::super::connect(&path, &key, true).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute("INSERT INTO meta (key, value) VALUES ('centre_name', 'Old Centre')", []).unwrap();

        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST);
        let name: String =
            conn.query_row("SELECT value FROM meta WHERE key = 'centre_name'", [], |r| r.get(0)).unwrap();
        assert_eq!(name, "Old Centre");
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('candidates', 'outcomes', 'disclosures')", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 3);
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST, "running again changes nothing");
    }

    #[test]
    fn candidates_indexed_before_names_were_folded_are_found_folded_after_the_upgrade() {
        let tmp = tempfile::tempdir().unwrap();
        let key = crate::keys::DataKey::random().unwrap();
        let mut conn = super::super::connect(&tmp.path().join("s.db"), &key, true).unwrap();
        for (i, sql) in MIGRATIONS.iter().take(9).enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", i as i64 + 1).unwrap();
        }
        conn.execute(
            "INSERT INTO candidates (id, forename, surname, created_at, updated_at) VALUES ('p', 'Seán', 'O''Brien', 'now', 'now')",
            [],
        )
        .unwrap();
        let found = |conn: &Connection, q: &str| -> i64 {
            conn.query_row("SELECT count(*) FROM candidate_search WHERE candidate_search MATCH ?1", [q], |r| r.get(0))
                .unwrap()
        };
        assert_eq!((found(&conn, "obrien*"), found(&conn, "brien*")), (0, 1), "version 9 splits the name");
        migrate(&mut conn).unwrap();
        assert_eq!((found(&conn, "obrien*"), found(&conn, "brien*"), found(&conn, "sean")), (1, 1, 1));
        let plan: String = conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT id FROM candidates WHERE fold_name(surname) = 'obrien'
                 AND date_of_birth = '1990-01-01' AND merged_into IS NULL",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("candidates_folded_surname"), "the duplicate check uses its index: {plan}");
    }

    #[test]
    fn courses_rebuilt_for_versions_keep_their_ids_runs_and_components() {
        let tmp = tempfile::tempdir().unwrap();
        let key = crate::keys::DataKey::random().unwrap();
        let mut conn = super::super::connect(&tmp.path().join("s.db"), &key, true).unwrap();
        let before = MIGRATIONS.len() - 1;
        for (i, sql) in MIGRATIONS.iter().take(before).enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", i as i64 + 1).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO courses (id, code, title, course_type, category, length_days, duration_hours) VALUES ('k', 'FLT', 'Forklift', 'test', 'Counterbalance', 1, 7);
             INSERT INTO course_components (id, course_id, position, name, kind, max_mark, pass_mark) VALUES ('t', 'k', 0, 'Theory', 'marks', 40, 30);
             INSERT INTO course_runs (id, course_id, starts_on, ends_on, created_at) VALUES ('r', 'k', '2026-01-01', '2026-01-02', 'now');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let broken: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
        assert_eq!(broken, 0, "every run and component still has its course");
        let (title, version): (String, i64) = conn
            .query_row("SELECT c.title, c.version FROM course_runs r JOIN courses c ON c.id = r.course_id", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((title.as_str(), version), ("Forklift", 1));
        conn.execute_batch(
            "BEGIN; UPDATE courses SET replaced_by = 'k2' WHERE id = 'k';
             INSERT INTO courses (id, code, title, course_type, category, length_days, duration_hours, version) VALUES ('k2', 'flt', 'Forklift 2', 'test', 'Counterbalance', 1, 7, 2); COMMIT;",
        )
        .unwrap();
        let same_version = conn.execute(
            "INSERT INTO courses (id, code, title, course_type, category, length_days, duration_hours, version) VALUES ('k3', 'FLT', 'X', 'test', 'C', 1, 7, 2)",
            [],
        );
        assert!(same_version.is_err(), "a code's versions are numbered once (case aside)");
        let cancel_without_reason = conn.execute("UPDATE course_runs SET cancelled_at = 'now' WHERE id = 'r'", []);
        assert!(cancel_without_reason.is_err(), "a cancelled run says why");
    }

    #[test]
    fn the_schema_enforces_its_own_rules() {
        let tmp = tempfile::tempdir().unwrap();
        let key = crate::keys::DataKey::random().unwrap();
        let mut conn = super::super::connect(&tmp.path().join("s.db"), &key, true).unwrap();
        migrate(&mut conn).unwrap();
        // A foreign key to nothing, an override without a reason: refused by the store itself.
        let orphan = conn.execute(
            "INSERT INTO contacts (id, employer_id, forename, surname, created_at, updated_at) VALUES ('c', 'nope', 'A', 'B', 'now', 'now')",
            [],
        );
        assert!(orphan.is_err());
        conn.execute_batch(
            "INSERT INTO courses (id, code, title, course_type, category, length_days, duration_hours) VALUES ('k', 'FLT', 'Forklift', 'test', 'Counterbalance', 1, 7);
             INSERT INTO course_runs (id, course_id, starts_on, ends_on, created_at) VALUES ('r', 'k', '2026-01-01', '2026-01-02', 'now');
             INSERT INTO candidates (id, forename, surname, created_at, updated_at) VALUES ('p', 'A', 'B', 'now', 'now');
             INSERT INTO enrolments (id, run_id, candidate_id, created_at) VALUES ('e', 'r', 'p', 'now');",
        )
        .unwrap();
        let no_reason = conn.execute(
            "INSERT INTO outcomes (enrolment_id, computed, override, computed_at) VALUES ('e', 'fail', 'pass', 'now')",
            [],
        );
        assert!(no_reason.is_err(), "an override needs a reason");
        let backwards = conn.execute(
            "INSERT INTO course_runs (id, course_id, starts_on, ends_on, created_at) VALUES ('r2', 'k', '2026-01-02', '2026-01-01', 'now')",
            [],
        );
        assert!(backwards.is_err(), "a run cannot end before it starts");
    }
}
