//! A candidate's audit trail as a person reads it: not only the entries about the candidate row, but
//! also those about their enrolments (attendance, results, overrides), which the log keeps under the
//! enrolment, and about records merged into theirs.

use crate::actor::Actor;
use crate::audit::{self, AuditEntry, AuditFilter};
use crate::{Id, Result, Store};

impl Store {
    /// The newest `limit` audit entries about `candidate`, their enrolments and the records merged
    /// into theirs, newest first (admins only).
    pub fn candidate_audit(&self, actor: &Actor, candidate: Id, limit: u32) -> Result<Vec<AuditEntry>> {
        let mut subjects: Vec<(&str, String)> = vec![("candidate", candidate.to_string())];
        let ids = |sql: &str| -> Result<Vec<String>> {
            let mut stmt = self.conn().prepare(sql)?;
            let rows = stmt.query_map([candidate], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        // The permission is checked by `audit::list` before anything is read back.
        subjects.extend(ids("SELECT id FROM candidates WHERE merged_into = ?1")?.into_iter().map(|i| ("candidate", i)));
        subjects
            .extend(ids("SELECT id FROM enrolments WHERE candidate_id = ?1")?.into_iter().map(|i| ("enrolment", i)));
        let mut out = Vec::new();
        for (entity, id) in subjects {
            let filter = AuditFilter { entity: Some(entity.into()), entity_id: Some(id), limit: Some(limit) };
            out.extend(audit::list(self, actor, &filter)?);
        }
        out.sort_by_key(|e| std::cmp::Reverse(e.seq));
        out.truncate(limit as usize);
        Ok(out)
    }
}
