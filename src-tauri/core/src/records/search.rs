//! Type-ahead search over candidates through the `candidate_search` FTS5 index (kept by triggers; see
//! migrations 3 and 10). Each typed word is a prefix; all must match. Accents fold, so "sian" finds
//! "Siân"; a name with punctuation or spaces inside it is also indexed as one folded word
//! (`fields::fold_name`, the rule the duplicate check uses too), so "obrien" finds "O'Brien".
//! NI numbers are found only whole, through their keyed hash, by a session holding the identity key;
//! a trainer finds only candidates on their own runs.

use super::candidates::{read_row, CandidateRow, BY_NAME, ROW_SELECT};
use crate::actor::{Actor, Permission};
use crate::fields::NiNumber;
use crate::identity::{columns, IdentityKey};
use crate::{Result, Store};

/// The FTS5 query for what was typed: each word quoted (so no FTS syntax gets through) and made a
/// prefix, over names, employee numbers, employers and certificate numbers. `None` when nothing
/// searchable was typed. NI numbers are not in the index in the clear (see [`ni_query`]).
fn fts_query(typed: &str) -> Option<String> {
    let words: Vec<String> =
        typed.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_lowercase()).collect();
    if words.is_empty() {
        return None;
    }
    let terms: Vec<String> = words.iter().take(8).map(|w| format!("\"{}\"*", w.replace('"', ""))).collect();
    Some(format!("{{names employee employer certificates}} : ({})", terms.join(" AND ")))
}

/// A whole NI number typed by a session holding the identity key: found through its keyed hash, the
/// only form the index holds it in (exact numbers only: a prefix of an NI number finds nothing).
fn ni_query(typed: &str, key: Option<&IdentityKey>) -> Option<String> {
    let ni = NiNumber::parse(typed).ok()?;
    Some(format!("{{ni}} : \"{}\"", columns::ni_hash(key?, ni.as_ref())))
}

impl Store {
    /// Candidates matching what was typed, by name, at most `limit`.
    pub fn search_candidates(&self, actor: &Actor, typed: &str, limit: u32) -> Result<Vec<CandidateRow>> {
        let key = actor.identity().filter(|_| actor.may(Permission::ReadIdentifiers));
        let Some(query) = ni_query(typed, key).or_else(|| fts_query(typed)) else {
            return Ok(Vec::new());
        };
        let trainer = actor.scope().trainer();
        // No ranking: bm25 would score every match before the first could be returned, and a prefix
        // as short as "sm" matches thousands at 500,000 candidates. The index hands matches over in
        // rowid order cheaply; a window of them is sorted by name, and typing more narrows it. Only
        // the rows shown are joined to their employments: each of the window's lookups is a page
        // or two to decrypt whenever another connection's commit has emptied this one's cache (an
        // import commits every few tens of milliseconds while a person works beside it, issue 17).
        let window = limit.saturating_mul(if trainer.is_some() { 50 } else { 10 }).clamp(200, 5000);
        let mut stmt = self.conn().prepare_cached(&format!(
            "{ROW_SELECT} JOIN (
                SELECT c.rowid AS rid
                FROM (SELECT rowid AS rid FROM candidate_search WHERE candidate_search MATCH ?1 LIMIT ?2) s
                JOIN candidates c ON c.rowid = s.rid
                WHERE {mine}
                ORDER BY {BY_NAME} LIMIT ?4) shown ON shown.rid = c.rowid
             ORDER BY {BY_NAME}",
            mine = super::scope::Visible::Candidate.filter("c.id", 3)
        ))?;
        let rows = stmt.query_map(rusqlite::params![query, window, trainer, limit.clamp(1, 1000)], read_row)?;
        let out: Vec<CandidateRow> = rows.collect::<rusqlite::Result<_>>()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::{fts_query, ni_query};

    #[test]
    fn typed_words_become_quoted_prefixes_and_only_a_whole_ni_number_its_hash() {
        assert_eq!(fts_query("Siân  ll").unwrap(), "{names employee employer certificates} : (\"siân\"* AND \"ll\"*)");
        assert_eq!(
            fts_query("ab 12 34").unwrap(),
            "{names employee employer certificates} : (\"ab\"* AND \"12\"* AND \"34\"*)"
        );
        assert_eq!(
            fts_query("\"OR* NEAR(").unwrap(),
            "{names employee employer certificates} : (\"or\"* AND \"near\"*)"
        );
        assert!(fts_query("  -- ").is_none());
        let key = crate::identity::IdentityKey::random_for_tests();
        let q = ni_query("jk 12 34 56 c", Some(&key)).unwrap();
        assert_eq!(q, format!("{{ni}} : \"{}\"", super::columns::ni_hash(&key, "JK123456C")));
        assert!(!q.to_lowercase().contains("jk123456"));
        assert!(ni_query("JK 12 34", Some(&key)).is_none(), "a prefix is not an NI number");
        assert!(ni_query("JK123456C", None).is_none(), "no key, no NI search");
    }
}
