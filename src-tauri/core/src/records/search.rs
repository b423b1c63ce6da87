//! Type-ahead search over candidates through the `candidate_search` FTS5 index (kept by triggers; see
//! migrations 3 and 10). Each typed word is a prefix; all must match. Accents fold, so "sian" finds
//! "Siân"; a name with punctuation or spaces inside it is also indexed as one folded word
//! (`fields::fold_name`, the rule the duplicate check uses too), so "obrien" finds "O'Brien".
//! NI numbers are searched only for roles that may see them, and a trainer finds only candidates on
//! their own runs.

use super::candidates::{read_row, CandidateRow, ROW_SELECT};
use crate::actor::{Actor, Permission};
use crate::{Result, Store};

/// The FTS5 query for what was typed: each word quoted (so no FTS syntax gets through) and made a
/// prefix, limited to the columns the role may search. `None` when nothing searchable was typed.
fn fts_query(typed: &str, with_ni: bool) -> Option<String> {
    let compact: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    // "AB 12 34" is an NI number typed with spaces: search it as one word.
    let ni_like = with_ni
        && compact.len() >= 3
        && compact.chars().take(2).all(|c| c.is_ascii_alphabetic())
        && compact.chars().skip(2).all(|c| c.is_ascii_alphanumeric())
        && compact.chars().nth(2).is_some_and(|c| c.is_ascii_digit());
    let words: Vec<String> = if ni_like {
        vec![compact]
    } else {
        typed.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_lowercase()).collect()
    };
    if words.is_empty() {
        return None;
    }
    let terms: Vec<String> = words.iter().take(8).map(|w| format!("\"{}\"*", w.replace('"', ""))).collect();
    let columns =
        if with_ni { "names employee employer ni certificates" } else { "names employee employer certificates" };
    Some(format!("{{{columns}}} : ({})", terms.join(" AND ")))
}

impl Store {
    /// Candidates matching what was typed, by name, at most `limit`.
    pub fn search_candidates(&self, actor: &Actor, typed: &str, limit: u32) -> Result<Vec<CandidateRow>> {
        let Some(query) = fts_query(typed, actor.may(Permission::ReadIdentifiers)) else {
            return Ok(Vec::new());
        };
        let trainer = actor.scope().trainer();
        // No ranking: bm25 would score every match before the first could be returned, and a prefix
        // as short as "sm" matches thousands at 500,000 candidates. The index hands matches over in
        // rowid order cheaply; a window of them is sorted by name, and typing more narrows it.
        let window = limit.saturating_mul(if trainer.is_some() { 50 } else { 10 }).clamp(200, 5000);
        let mut stmt = self.conn().prepare_cached(&format!(
            "{ROW_SELECT} JOIN (SELECT rowid AS rid FROM candidate_search WHERE candidate_search MATCH ?1 LIMIT ?2) s
                ON s.rid = c.rowid
             WHERE {mine}
             ORDER BY c.surname COLLATE NOCASE, c.forename COLLATE NOCASE LIMIT ?4",
            mine = super::scope::Visible::Candidate.filter("c.id", 3)
        ))?;
        let rows = stmt.query_map(rusqlite::params![query, window, trainer, limit.clamp(1, 1000)], read_row)?;
        let out: Vec<CandidateRow> = rows.collect::<rusqlite::Result<_>>()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn typed_words_become_quoted_prefixes_in_the_allowed_columns() {
        assert_eq!(
            fts_query("Siân  ll", false).unwrap(),
            "{names employee employer certificates} : (\"siân\"* AND \"ll\"*)"
        );
        assert_eq!(fts_query("ab 12 34", true).unwrap(), "{names employee employer ni certificates} : (\"ab1234\"*)");
        assert_eq!(
            fts_query("ab 12 34", false).unwrap(),
            "{names employee employer certificates} : (\"ab\"* AND \"12\"* AND \"34\"*)"
        );
        assert_eq!(
            fts_query("\"OR* NEAR(", false).unwrap(),
            "{names employee employer certificates} : (\"or\"* AND \"near\"*)"
        );
        assert!(fts_query("  -- ", true).is_none());
    }
}
