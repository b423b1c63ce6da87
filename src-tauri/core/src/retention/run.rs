//! The preview of what retention would remove on a day, and the run that removes it: one category at
//! a time, a batch of rows per transaction, each batch audited with its counts (never a value), held
//! people skipped (checked again inside each batch, so a hold placed during a run is honoured), with
//! progress after every batch and a cancel that leaves whole batches.

use std::collections::{BTreeMap, HashSet};
use std::ops::ControlFlow;

use chrono::NaiveDate;
use serde::Serialize;

use super::due::{due, held_sql, Due};
use super::{read_rules, Action, Category, Rule};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::records::erasure::erase_person;
use crate::records::TrainingRecord;
use crate::store::Tx;
use crate::{Id, Result, Store};

/// Rows removed per transaction: small enough that the window's saves get in between batches.
pub const BATCH: usize = 500;

/// At most this many names per category in a preview.
const NAMES: usize = 50;

/// SQL over the candidate alias `c`: the person is still there to be removed (not an anonymous stub
/// an erasure left).
pub(crate) const IDENTITY_STANDING: &str = "c.erased_at IS NULL";

/// One category in a preview.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CategoryPreview {
    /// The category.
    pub category: Category,
    /// What people read.
    pub label: String,
    /// Its period, in months.
    pub months: u32,
    /// What happens to what is due.
    pub action: Action,
    /// Rows that would go.
    #[ts(type = "number")]
    pub due: u64,
    /// People those rows are about.
    #[ts(type = "number")]
    pub people: u64,
    /// Rows due but kept because their person is restricted or under a legal hold.
    #[ts(type = "number")]
    pub held: u64,
    /// Some of the people, by name (admins only; empty for others).
    pub names: Vec<PersonDue>,
}

/// A person named in a preview.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PersonDue {
    /// A candidate's id (or a contact's, for the contacts category).
    pub id: String,
    /// Their name.
    pub name: String,
}

/// A person whose records are due somewhere but kept.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct HeldPerson {
    /// The candidate's id.
    pub id: String,
    /// Their name.
    pub name: String,
    /// Why: "restricted", or the legal hold's reason and review date.
    pub why: String,
    /// Rows kept.
    #[ts(type = "number")]
    pub rows: u64,
}

/// What retention would remove on a day.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RetentionPreview {
    /// The day (ISO).
    pub on: String,
    /// Every category, in the order a run takes them.
    pub categories: Vec<CategoryPreview>,
    /// Rows due in all.
    #[ts(type = "number")]
    pub due: u64,
    /// People kept though due (admins only; empty for others).
    pub held: Vec<HeldPerson>,
    /// Rows kept though due.
    #[ts(type = "number")]
    pub held_rows: u64,
    /// Whether names are shown (admins).
    pub names_shown: bool,
    /// How many daily backups still hold what a run removes: it is gone from them that many days later.
    pub backups_kept: u32,
}

/// Progress of a run: rows done of the total, and the category at work.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RetentionProgress {
    /// The category being removed.
    pub category: Category,
    /// Rows removed so far (all categories).
    #[ts(type = "number")]
    pub done: u64,
    /// Rows to remove in all.
    #[ts(type = "number")]
    pub total: u64,
}

/// One category's part of a run.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CategoryDone {
    /// The category.
    pub category: Category,
    /// What people read.
    pub label: String,
    /// What was done.
    pub action: Action,
    /// Rows removed (or anonymised).
    #[ts(type = "number")]
    pub removed: u64,
    /// Rows kept because held.
    #[ts(type = "number")]
    pub held: u64,
}

/// What a run did.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RetentionRun {
    /// The day it ran for (ISO).
    pub on: String,
    /// Each category's counts.
    pub categories: Vec<CategoryDone>,
    /// Rows removed in all.
    #[ts(type = "number")]
    pub removed: u64,
    /// Transactions committed.
    pub batches: u32,
    /// Stopped by the user: every committed batch is whole, the rest is still due.
    pub cancelled: bool,
    /// Backups hold what was removed for this many more days.
    pub backups_kept: u32,
}

impl Store {
    /// What retention would remove on `on` (admin and office; names and held people for admins
    /// only), by category, with the held rows counted apart.
    pub fn retention_preview(&self, actor: &Actor, on: NaiveDate) -> Result<RetentionPreview> {
        actor.require(Permission::EditRecords)?;
        let names_shown = actor.may(Permission::Retention);
        let conn = self.conn();
        let schedule = self.retention_schedule(actor)?;
        let mut categories = Vec::new();
        let mut held_people: BTreeMap<String, u64> = BTreeMap::new();
        for rule in &schedule.rules {
            let rows = due(conn, rule, on)?;
            let (held, going): (Vec<&Due>, Vec<&Due>) = rows.iter().partition(|d| d.held);
            for d in &held {
                *held_people.entry(d.person.clone()).or_default() += 1;
            }
            let mut seen = HashSet::new();
            let people: Vec<&str> = going.iter().map(|d| d.person.as_str()).filter(|p| seen.insert(*p)).collect();
            let names = if names_shown {
                people.iter().take(NAMES).map(|p| name_of(conn, rule.category, p)).collect::<Result<_>>()?
            } else {
                Vec::new()
            };
            categories.push(CategoryPreview {
                category: rule.category,
                label: rule.label.clone(),
                months: rule.months,
                action: rule.action,
                due: going.len() as u64,
                people: people.len() as u64,
                held: held.len() as u64,
                names,
            });
        }
        let held_rows = held_people.values().sum();
        let held = if names_shown {
            held_people.into_iter().map(|(id, rows)| held_person(conn, &id, rows, on)).collect::<Result<_>>()?
        } else {
            Vec::new()
        };
        Ok(RetentionPreview {
            on: on.to_string(),
            due: categories.iter().map(|c| c.due).sum(),
            categories,
            held,
            held_rows,
            names_shown,
            backups_kept: schedule.backups_kept,
        })
    }

    /// How many rows retention has due on `on` (held ones left out): the reminder an admin sees at
    /// sign-in. Zero for anyone who may not run it.
    pub fn retention_due(&self, actor: &Actor, on: NaiveDate) -> Result<u64> {
        if !actor.may(Permission::Retention) {
            return Ok(0);
        }
        let mut total = 0;
        for rule in read_rules(self.conn())? {
            total += due(self.conn(), &rule, on)?.iter().filter(|d| !d.held).count() as u64;
        }
        Ok(total)
    }

    /// Removes what is due on `on` (admins only): each category in turn, [`BATCH`] rows per
    /// transaction, each audited as `retention.run` with the category, the action and the count.
    /// `watch` hears after every batch and may stop the run: every committed batch is whole, and
    /// what is left is still due (the result says `cancelled`).
    pub fn run_retention(
        &mut self,
        actor: &Actor,
        on: NaiveDate,
        watch: &mut dyn FnMut(RetentionProgress) -> ControlFlow<()>,
    ) -> Result<RetentionRun> {
        actor.require(Permission::Retention)?;
        let rules = read_rules(self.conn())?;
        self.run_retention_in(actor, on, BATCH, &rules, watch)
    }

    /// [`Store::run_retention`] over `rules`, `batch` rows per transaction.
    pub(crate) fn run_retention_in(
        &mut self,
        actor: &Actor,
        on: NaiveDate,
        batch: usize,
        rules: &[Rule],
        watch: &mut dyn FnMut(RetentionProgress) -> ControlFlow<()>,
    ) -> Result<RetentionRun> {
        actor.require(Permission::Retention)?;
        let backups_kept = self.retention_schedule(actor)?.backups_kept;
        let mut total: u64 = 0;
        for rule in rules {
            total += due(self.conn(), rule, on)?.iter().filter(|d| !d.held).count() as u64;
        }
        let mut run = RetentionRun {
            on: on.to_string(),
            categories: Vec::new(),
            removed: 0,
            batches: 0,
            cancelled: false,
            backups_kept,
        };
        'categories: for rule in rules {
            let rows = due(self.conn(), rule, on)?;
            let going: Vec<Due> = rows.into_iter().filter(|d| !d.held).collect();
            let mut done = CategoryDone {
                category: rule.category,
                label: rule.label.clone(),
                action: rule.action,
                removed: 0,
                held: 0,
            };
            // Later categories can find more than counted at the start (a person whose last course
            // was just removed): the total grows to match.
            total = total.max(run.removed + going.len() as u64);
            for batch in going.chunks(batch.max(1)) {
                if watch(RetentionProgress { category: rule.category, done: run.removed, total }).is_break() {
                    run.cancelled = true;
                    run.categories.push(done);
                    break 'categories;
                }
                let (removed, held) = self.write(|tx| remove_batch(tx, actor, rule, on, batch))?;
                done.removed += removed;
                done.held += held;
                run.removed += removed;
                run.batches += 1;
            }
            run.categories.push(done);
        }
        // What was removed leaves the WAL too (secure_delete zeroed the freed pages in the file).
        self.forget_freed_pages()?;
        if !run.cancelled {
            let _ = watch(RetentionProgress {
                category: rules.last().map_or(Category::Identity, |r| r.category),
                done: run.removed,
                total: run.removed,
            });
        }
        Ok(run)
    }
}

/// Removes one batch of `rule`'s rows in `tx`, skipping any whose person became held since the list
/// was read; audits the count. Returns (removed, held).
fn remove_batch(tx: &Tx<'_>, actor: &Actor, rule: &Rule, on: NaiveDate, batch: &[Due]) -> Result<(u64, u64)> {
    let (mut removed, mut held) = (0u64, 0u64);
    let mut is_held = tx.prepare_cached(&format!("SELECT {}", held_sql("?1")))?;
    for d in batch {
        if rule.category != Category::Contact
            && is_held.query_row([&d.person], |r| r.get::<_, Option<bool>>(0))?.unwrap_or(false)
        {
            held += 1;
            continue;
        }
        remove(tx, actor, rule, &d.row)?;
        removed += 1;
    }
    if removed > 0 {
        audit::record(
            tx,
            Who::Actor(actor),
            "retention.run",
            Subject { entity: "retention", id: Some(rule.category.code()) },
            &[
                FieldChange::created("category", rule.category.code()),
                FieldChange::created("action", rule.action.code()),
                FieldChange::created("rows", removed),
                FieldChange::created("on", on.to_string()),
            ],
        )?;
    }
    Ok((removed, held))
}

/// Removes one row of `rule`'s category (and what hangs off it).
fn remove(tx: &Tx<'_>, actor: &Actor, rule: &Rule, row: &str) -> Result<()> {
    let run = |sql: &str| -> Result<()> {
        tx.prepare_cached(sql)?.execute([row])?;
        Ok(())
    };
    match rule.category {
        Category::AssessmentEvidence => {
            run("DELETE FROM field_applied_photos WHERE photo_id = ?1")?;
            run("DELETE FROM evidence_photos WHERE id = ?1")?;
        }
        Category::AssessmentDetail => {
            run("DELETE FROM field_conflicts WHERE kind = 'result' AND (enrolment_id, component_id) =
                 (SELECT enrolment_id, component_id FROM results WHERE id = ?1)")?;
            run("DELETE FROM results WHERE id = ?1")?;
        }
        Category::SpecialCategory => run("DELETE FROM special_category WHERE candidate_id = ?1")?,
        Category::TrainingRecord => {
            // The identity period counts from the last course: remember it before the record goes.
            run("UPDATE candidates SET last_course_on = MAX(COALESCE(last_course_on, ''),
                     (SELECT r.ends_on FROM enrolments e JOIN course_runs r ON r.id = e.run_id WHERE e.id = ?1))
                 WHERE id = (SELECT candidate_id FROM enrolments WHERE id = ?1)")?;
            run("DELETE FROM field_applied_photos WHERE photo_id IN (SELECT id FROM evidence_photos WHERE enrolment_id = ?1)")?;
            for table in [
                "evidence_photos",
                "results",
                "outcomes",
                "field_conflicts",
                "field_base",
                "field_walk_ins",
                "attendance_days",
            ] {
                run(&format!("DELETE FROM {table} WHERE enrolment_id = ?1"))?;
            }
            run("DELETE FROM enrolments WHERE id = ?1")?;
        }
        Category::Contact => {
            // Runs keep naming their site contact, so the row stays with nothing that identifies
            // them; their audit values die with their subject key.
            tx.prepare_cached(
                "UPDATE contacts SET forename = 'Former', surname = 'contact', job_title = NULL, phone = NULL,
                     mobile = NULL, email = NULL, removed_at = COALESCE(removed_at, ?2),
                     removed_reason = 'anonymised at the end of retention', anonymised_at = ?2, updated_at = ?2
                 WHERE id = ?1",
            )?
            .execute([row, &chrono::Utc::now().to_rfc3339()])?;
            run("DELETE FROM subject_keys WHERE subject_id = ?1")?;
        }
        Category::Identity => erase_identity(tx, actor, rule.action, row)?,
    }
    Ok(())
}

/// The end of the identity category, through the one erasure primitive: "anonymise" keeps the
/// training record without the person (each certificate verifiable by its number, linked to no one),
/// "delete" erases it too (the numbers answer "no longer confirmable").
fn erase_identity(tx: &Tx<'_>, actor: &Actor, action: Action, candidate: &str) -> Result<()> {
    let record = match action {
        Action::Anonymise => TrainingRecord::Keep,
        Action::Delete => TrainingRecord::Erase,
    };
    let id = Id::parse(candidate)?;
    erase_person(tx, Who::Actor(actor), id, record, &[FieldChange::created("reason", "end of retention")])?;
    Ok(())
}

fn name_of(conn: &rusqlite::Connection, category: Category, id: &str) -> Result<PersonDue> {
    let sql = match category {
        Category::Contact => {
            "SELECT k.forename || ' ' || k.surname || ' (' || e.name || ')' FROM contacts k
             JOIN employers e ON e.id = k.employer_id WHERE k.id = ?1"
        }
        _ => "SELECT forename || ' ' || surname FROM candidates WHERE id = ?1",
    };
    let name = conn.prepare_cached(sql)?.query_row([id], |r| r.get(0))?;
    Ok(PersonDue { id: id.to_owned(), name })
}

fn held_person(conn: &rusqlite::Connection, id: &str, rows: u64, on: NaiveDate) -> Result<HeldPerson> {
    let (name, restricted): (String, bool) = conn
        .prepare_cached("SELECT forename || ' ' || surname, restricted FROM candidates WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut why: Vec<String> = Vec::new();
    if restricted {
        why.push("restricted".into());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT reason, review_on FROM legal_holds WHERE candidate_id = ?1 AND lifted_at IS NULL ORDER BY placed_at",
    )?;
    for hold in stmt.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (reason, review) = hold?;
        let review =
            NaiveDate::parse_from_str(&review, "%Y-%m-%d").map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or(review);
        let overdue = if review_passed(&review, on) { ", review overdue" } else { "" };
        why.push(format!("legal hold: {reason} (review {review}{overdue})"));
    }
    Ok(HeldPerson { id: id.to_owned(), name, why: why.join("; "), rows })
}

fn review_passed(review_uk: &str, on: NaiveDate) -> bool {
    NaiveDate::parse_from_str(review_uk, "%d/%m/%Y").is_ok_and(|d| d <= on)
}
