//! The diary: a run's places (its capacity, and the trainers times its course's ratio where the
//! awarding body sets one), the double bookings a run would make (a trainer or a venue on two runs on
//! overlapping days), and the runs of a week or a month as the diary shows them.
//!
//! Places are enforced here for every enrol path (`enrolments::enrol_in`, which single enrolment, a
//! pasted list and a walk-in share, and a move onto another run); double bookings only warn, because a
//! centre may mean it (two rooms at one venue, a trainer on a half-day each).

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::runs::{self, Run, RunFilter, RunForm};
use crate::actor::{Actor, Permission};
use crate::{Error, Id, Result, Store};

/// The most places one run may offer.
pub const MAX_PLACES: u32 = 10_000;

/// The longest span `runs_between` reads at once: a month view with the weeks either side, and more.
pub const MAX_DIARY_DAYS: i64 = 400;

/// A run's places: how many are taken, and what limits them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Places {
    /// The run.
    pub run_id: Id,
    /// Candidates booked or attending (withdrawn and cancelled enrolments take no place).
    pub taken: u32,
    /// Places the run offers; `None` when none was set.
    pub capacity: Option<u32>,
    /// The candidates one trainer may take on the run's course; `None` where its body sets no ratio.
    pub per_trainer: Option<u32>,
    /// Trainers on the run.
    pub trainers: u32,
    /// Trainers times the ratio, where there is a ratio.
    pub ratio_limit: Option<u32>,
    /// The smaller of the two limits: the places available; `None` when nothing limits the run.
    pub limit: Option<u32>,
    /// Places left under `limit`.
    pub free: Option<u32>,
}

impl Places {
    /// The refusal for `wanted` candidates on the run, if that is more than it holds.
    fn refuse(&self, wanted: u32) -> Result<()> {
        match self.limit {
            Some(limit) if wanted > limit => Err(Error::OverCapacity { wanted, limit, why: self.why() }),
            _ => Ok(()),
        }
    }

    /// Which limit binds, in words (no personal data: numbers only).
    pub(crate) fn why(&self) -> String {
        let trainers = match self.trainers {
            0 => "no trainer on the run yet".to_owned(),
            1 => "1 trainer on the run".to_owned(),
            n => format!("{n} trainers on the run"),
        };
        match (self.capacity, self.ratio_limit, self.per_trainer) {
            (Some(c), Some(r), Some(p)) if r < c => format!("{p} candidates per trainer on this course, {trainers}"),
            (None, Some(_), Some(p)) => format!("{p} candidates per trainer on this course, {trainers}"),
            (Some(1), _, _) => "1 place on the run".to_owned(),
            (Some(c), _, _) => format!("{c} places on the run"),
            _ => "no limit".to_owned(),
        }
    }
}

/// The places of one run, read inside whatever transaction or connection the caller holds.
pub(crate) fn places_in(conn: &Connection, run: Id) -> Result<Places> {
    let (capacity, per_trainer, trainers, taken): (Option<u32>, Option<u32>, u32, u32) = conn
        .prepare_cached(
            "SELECT r.capacity, c.candidates_per_trainer,
                    (SELECT count(*) FROM run_trainers WHERE run_id = r.id),
                    (SELECT count(*) FROM enrolments WHERE run_id = r.id AND status <> 'withdrawn'
                        AND cancelled_at IS NULL)
             FROM course_runs r JOIN courses c ON c.id = r.course_id WHERE r.id = ?1",
        )?
        .query_row([run], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?
        .ok_or(Error::NotFound { what: "course run", name: run.to_string() })?;
    let ratio_limit = per_trainer.map(|p| p.saturating_mul(trainers));
    let limit = match (capacity, ratio_limit) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let free = limit.map(|l| l.saturating_sub(taken));
    Ok(Places { run_id: run, taken, capacity, per_trainer, trainers, ratio_limit, limit, free })
}

/// Refuses when the run holds more candidates than its places (called after the enrolment, move or
/// edit is written, inside its transaction, so the refusal undoes it).
pub(crate) fn require_room(conn: &Connection, run: Id) -> Result<()> {
    let places = places_in(conn, run)?;
    places.refuse(places.taken)
}

/// What a run would clash with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ClashKind {
    /// The same trainer on both runs.
    Trainer,
    /// The same venue, or the same employer's site, for both runs.
    Venue,
}

/// A double booking: another run on overlapping days sharing a trainer or the venue.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Clash {
    pub kind: ClashKind,
    /// The trainer's name, or the venue (or "<employer>'s site").
    pub what: String,
    /// The other run.
    pub run_id: Id,
    /// Its course code.
    pub course_code: String,
    /// Its first day.
    pub starts_on: NaiveDate,
    /// Its last day.
    pub ends_on: NaiveDate,
}

/// A venue as two typings of it compare: case, spacing and punctuation aside.
fn venue_key(v: &str) -> String {
    v.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A run's place: its venue, or, with none, the employer's site.
fn place_key(venue: Option<&str>, employer: Option<Id>) -> Option<String> {
    match (venue.map(venue_key).filter(|v| !v.is_empty()), employer) {
        (Some(v), _) => Some(format!("venue:{v}")),
        (None, Some(e)) => Some(format!("site:{e}")),
        (None, None) => None,
    }
}

impl Store {
    /// A run's places: taken, its capacity, its trainers times the course's ratio, and what is left.
    /// A trainer reads only their own runs'.
    pub fn run_capacity(&self, actor: &Actor, run: Id) -> Result<Places> {
        runs::require_visible(self.conn(), actor, run)?;
        places_in(self.conn(), run)
    }

    /// The double bookings saving `form` would make: each other run (not cancelled) on overlapping
    /// days with one of its trainers, or at its venue (or the same employer's site). `run` is the run
    /// being edited, which does not clash with itself. Only warns: saving is the caller's choice
    /// (admin and office, who schedule).
    pub fn run_clashes(&self, actor: &Actor, form: &RunForm, run: Option<Id>) -> Result<Vec<Clash>> {
        actor.require(Permission::EditRecords)?;
        let v = runs::validate(form)?;
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT r.id, c.code, r.starts_on, r.ends_on, r.venue, r.employer_id, e.name
             FROM course_runs r JOIN courses c ON c.id = r.course_id LEFT JOIN employers e ON e.id = r.employer_id
             WHERE r.cancelled_at IS NULL AND r.starts_on <= ?2 AND r.ends_on >= ?1 AND (?3 IS NULL OR r.id <> ?3)
             ORDER BY r.starts_on, c.code",
        )?;
        type Row = (Id, String, String, String, Option<String>, Option<Id>, Option<String>);
        let others: Vec<Row> = stmt
            .query_map(rusqlite::params![v.starts_on.to_string(), v.ends_on.to_string(), run], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mine = place_key(v.venue.as_deref(), v.employer_id);
        let mut out = Vec::new();
        for (id, code, starts, ends, venue, employer, employer_name) in others {
            let (starts_on, ends_on) = (starts.parse().unwrap_or_default(), ends.parse().unwrap_or_default());
            let clash =
                |kind, what: String| Clash { kind, what, run_id: id, course_code: code.clone(), starts_on, ends_on };
            let shared: Vec<String> = conn
                .prepare_cached(
                    "SELECT t.id, t.name FROM run_trainers rt JOIN trainers t ON t.id = rt.trainer_id
                     WHERE rt.run_id = ?1 ORDER BY t.name",
                )?
                .query_map([id], |r| Ok((r.get::<_, Id>(0)?, r.get::<_, String>(1)?)))?
                .filter_map(|r| match r {
                    Ok((t, name)) => v.trainer_ids.contains(&t).then_some(Ok(name)),
                    Err(e) => Some(Err(e)),
                })
                .collect::<rusqlite::Result<_>>()?;
            out.extend(shared.into_iter().map(|name| clash(ClashKind::Trainer, name)));
            if mine.is_some() && place_key(venue.as_deref(), employer) == mine {
                let what = match venue {
                    Some(v) if !v.trim().is_empty() => v,
                    _ => format!("{}'s site", employer_name.unwrap_or_default()),
                };
                out.push(clash(ClashKind::Venue, what));
            }
        }
        Ok(out)
    }

    /// The runs on any day from `from` to `to` (the diary's week or month), earliest first, each with
    /// its places. A trainer sees only their own runs, as everywhere.
    pub fn runs_between(&self, actor: &Actor, from: NaiveDate, to: NaiveDate) -> Result<Vec<DiaryRun>> {
        if to < from {
            return Err(Error::invalid("to", "is before the from date"));
        }
        if (to - from).num_days() > MAX_DIARY_DAYS {
            return Err(Error::invalid("to", format!("is more than {MAX_DIARY_DAYS} days after the from date")));
        }
        let filter = RunFilter { from: Some(from), to: Some(to), limit: Some(10_000) };
        let mut runs = self.runs(actor, &filter)?;
        runs.sort_by(|a, b| (a.starts_on, &a.course_code).cmp(&(b.starts_on, &b.course_code)));
        runs.into_iter().map(|run| Ok(DiaryRun { places: places_in(self.conn(), run.id)?, run })).collect()
    }
}

/// A run as the diary shows it: the run (course, trainers, venue or site) and its places.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DiaryRun {
    pub run: Run,
    pub places: Places,
}
