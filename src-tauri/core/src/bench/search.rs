//! The type-ahead benchmark's baseline: the core's candidate search alone, on an existing store, for
//! the same queries the window is timed with (`tests/e2e/measure.mjs` runs both in one go), so the
//! window's keystroke-to-rows figure has the query's own cost beside it.

use std::time::Instant;

use serde::Serialize;

use crate::{Actor, Result, Store};

/// Each query's time, in the order given, in milliseconds.
#[derive(Clone, Debug, Serialize)]
pub struct SearchTimes {
    /// Each query's time; the queries themselves are not repeated back (they may be names).
    pub samples_ms: Vec<f64>,
    /// Rows each query found (at most the limit).
    pub rows: Vec<usize>,
}

/// Times `store.search_candidates` once for each of `queries`, with the window's limit, after one
/// untimed pass (the window's store has been used for a while when someone types; a first touch of a
/// cold page cache would time the disk, not the query).
pub fn search_times(store: &Store, actor: &Actor, queries: &[String], limit: u32) -> Result<SearchTimes> {
    for q in queries {
        store.search_candidates(actor, q, limit)?;
    }
    let mut samples_ms = Vec::with_capacity(queries.len());
    let mut rows = Vec::with_capacity(queries.len());
    for q in queries {
        let t = Instant::now();
        let found = store.search_candidates(actor, q, limit)?;
        samples_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        rows.push(found.len());
    }
    Ok(SearchTimes { samples_ms, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{person, world};

    #[test]
    fn times_each_query_and_counts_what_it_found() {
        let mut w = world();
        let admin = w.admin.clone();
        w.register(&admin, &person("Sam", "Smith", None));
        w.register(&admin, &person("Bob", "Smythe", None));
        let queries = ["sm".to_owned(), "smi".to_owned(), "zz".to_owned()];
        let t = search_times(&w.store, &w.admin, &queries, 100).unwrap();
        assert_eq!(t.rows, vec![2, 1, 0]);
        assert_eq!(t.samples_ms.len(), 3);
        assert!(t.samples_ms.iter().all(|ms| *ms >= 0.0));
    }
}
