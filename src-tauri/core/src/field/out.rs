//! Runs out on a laptop: the office exported a field pack of them and no return has come back from
//! that laptop since. Whatever the office changes in such a run's results meanwhile will meet the
//! trainer's values when the return comes (a conflict for a person), so the office is told first.

use rusqlite::Connection;
use serde::Serialize;

use crate::actor::{Actor, Permission};
use crate::{Id, Result, Store};

/// A course run out on a trainer's laptop.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RunOut {
    /// The run.
    pub run_id: Id,
    /// The latest pack that took it.
    pub pack_id: Id,
    /// The laptop it went to.
    pub device_id: String,
    /// The laptop's name.
    pub laptop: String,
    /// Its trainer's name.
    pub trainer: String,
    /// When the pack was made (RFC 3339).
    pub since: String,
}

/// Every run out on a laptop, each once (its latest pack). A run is out from the moment a pack of it
/// is exported until a return from the same laptop is imported (returns are cumulative: the first
/// one imported after the pack holds everything recorded for it so far). A revoked laptop's packs no
/// longer count: nothing will come back from it.
pub(crate) fn runs_out(conn: &Connection) -> Result<Vec<RunOut>> {
    let mut stmt = conn.prepare_cached(
        "SELECT j.value, p.id, d.id, d.label, t.name, p.issued_at
         FROM field_packs p JOIN json_each(p.runs) j
            JOIN field_devices d ON d.id = p.device_id JOIN trainers t ON t.id = p.trainer_id
         WHERE d.revoked_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM field_returns r WHERE r.device_id = p.device_id AND r.imported_at >= p.issued_at)
         ORDER BY p.issued_at DESC, p.id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(RunOut {
            run_id: r.get(0)?,
            pack_id: r.get(1)?,
            device_id: r.get(2)?,
            laptop: r.get(3)?,
            trainer: r.get(4)?,
            since: r.get(5)?,
        })
    })?;
    let mut out: Vec<RunOut> = Vec::new();
    for row in rows {
        let row = row?;
        if !out.iter().any(|o| o.run_id == row.run_id) {
            out.push(row);
        }
    }
    Ok(out)
}

impl Store {
    /// The course runs out on a trainer's laptop now (office): each with the laptop, its trainer and
    /// since when.
    pub fn runs_out(&self, actor: &Actor) -> Result<Vec<RunOut>> {
        actor.require(Permission::EditRecords)?;
        runs_out(self.conn())
    }

    /// Whether one run is out on a laptop now (office); `None` when it is not.
    pub fn run_out(&self, actor: &Actor, run: Id) -> Result<Option<RunOut>> {
        Ok(self.runs_out(actor)?.into_iter().find(|o| o.run_id == run))
    }
}
