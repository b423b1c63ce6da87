//! Type-ahead search over candidates through the `candidate_search` FTS5 index, and their certificate
//! numbers through `certificate_search` (both kept by triggers; see migrations 3, 10 and 31). Each
//! typed word is a prefix; all must match, in a person's entry or in one certificate number. Accents
//! fold, so "sian" finds "Siân"; a name with punctuation or spaces inside it is also indexed as one
//! folded word (`fields::fold_name`, the rule the duplicate check uses too), so "obrien" finds
//! "O'Brien".
//! NI numbers are found only whole, through their keyed hash, by a session holding the identity key;
//! a trainer finds only candidates on their own runs.

use super::candidates::{read_row, CandidateRow, BY_NAME, ROW_SELECT};
use crate::actor::{Actor, Permission};
use crate::fields::NiNumber;
use crate::identity::{columns, IdentityKey};
use crate::{Result, Store};

/// What was typed as FTS5 query terms: each word quoted (so no FTS syntax gets through) and made a
/// prefix, all of them to match. `None` when nothing searchable was typed. NI numbers are not in the
/// index in the clear (see [`ni_query`]).
fn fts_terms(typed: &str) -> Option<String> {
    let words: Vec<String> =
        typed.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_lowercase()).collect();
    if words.is_empty() {
        return None;
    }
    let terms: Vec<String> = words.iter().take(8).map(|w| format!("\"{}\"*", w.replace('"', ""))).collect();
    Some(format!("({})", terms.join(" AND ")))
}

/// The query of `candidate_search` for `terms`: names, employee numbers and employers. Certificate
/// numbers have their own index (`certificate_search`, migration 0031), searched beside it.
fn people_query(terms: &str) -> String {
    format!("{{names employee employer}} : {terms}")
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
        // A whole NI number is looked up by its hash alone; anything else by name, employee number,
        // employer and certificate number.
        let (query, numbers) = match ni_query(typed, key) {
            Some(ni) => (ni, None),
            None => match fts_terms(typed) {
                Some(terms) => (people_query(&terms), Some(terms)),
                None => return Ok(Vec::new()),
            },
        };
        let trainer = actor.scope().trainer();
        // No ranking: bm25 would score every match before the first could be returned, and a prefix
        // as short as "sm" matches thousands at 500,000 candidates. The index hands matches over in
        // rowid order cheaply; a window of them is sorted by name, and typing more narrows it. Only
        // the rows shown are joined to their employments: each of the window's lookups is a page
        // or two to decrypt whenever another connection's commit has emptied this one's cache (an
        // import commits every few tens of milliseconds while a person works beside it, issue 17).
        // Certificate numbers are searched beside, adding at most as many holders as are shown: a
        // number matches no name, and a short prefix matches every number of its scheme.
        let window = limit.saturating_mul(if trainer.is_some() { 50 } else { 10 }).clamp(200, 5000);
        let holders = if numbers.is_some() {
            "UNION SELECT h.rowid
             FROM (SELECT rowid AS cid FROM certificate_search WHERE certificate_search MATCH ?5 LIMIT ?4) n
             JOIN certificates ct ON ct.rowid = n.cid
             JOIN candidates h ON h.id = ct.candidate_id AND h.merged_into IS NULL AND h.erased_at IS NULL"
        } else {
            ""
        };
        let mut stmt = self.conn().prepare_cached(&format!(
            "{ROW_SELECT} JOIN (
                SELECT c.rowid AS rid
                FROM (SELECT rid FROM (SELECT rowid AS rid FROM candidate_search WHERE candidate_search MATCH ?1 LIMIT ?2)
                      {holders}) s
                JOIN candidates c ON c.rowid = s.rid
                WHERE {mine}
                ORDER BY {BY_NAME} LIMIT ?4) shown ON shown.rid = c.rowid
             ORDER BY {BY_NAME}",
            mine = super::scope::Visible::Candidate.filter("c.id", 3)
        ))?;
        let limit = limit.clamp(1, 1000);
        let rows = match &numbers {
            Some(terms) => stmt.query_map(rusqlite::params![query, window, trainer, limit, terms], read_row)?,
            None => stmt.query_map(rusqlite::params![query, window, trainer, limit], read_row)?,
        };
        let out: Vec<CandidateRow> = rows.collect::<rusqlite::Result<_>>()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::{fts_terms, ni_query, people_query};

    #[test]
    fn typed_words_become_quoted_prefixes_and_only_a_whole_ni_number_its_hash() {
        assert_eq!(
            people_query(&fts_terms("Siân  ll").unwrap()),
            "{names employee employer} : (\"siân\"* AND \"ll\"*)"
        );
        assert_eq!(fts_terms("ab 12 34").unwrap(), "(\"ab\"* AND \"12\"* AND \"34\"*)");
        assert_eq!(fts_terms("\"OR* NEAR(").unwrap(), "(\"or\"* AND \"near\"*)");
        assert!(fts_terms("  -- ").is_none());
        let key = crate::identity::IdentityKey::random_for_tests();
        let q = ni_query("jk 12 34 56 c", Some(&key)).unwrap();
        assert_eq!(q, format!("{{ni}} : \"{}\"", super::columns::ni_hash(&key, "JK123456C")));
        assert!(!q.to_lowercase().contains("jk123456"));
        assert!(ni_query("JK 12 34", Some(&key)).is_none(), "a prefix is not an NI number");
        assert!(ni_query("JK123456C", None).is_none(), "no key, no NI search");
    }
}
