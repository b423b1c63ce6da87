//! Retention: how long each category of personal data is kept and what happens at its end (the
//! schedule, as data an admin may change), legal holds, and the preview and run that apply it.
//!
//! Nothing here runs by itself: an admin previews what is due on a day ([`Store::retention_preview`])
//! and then runs it ([`Store::run_retention`]), one transaction per batch, each audited with counts
//! and never a personal value. A restricted candidate, or one under a legal hold, keeps everything
//! and is listed as held.

mod due;
mod holds;
mod run;

#[cfg(test)]
mod tests;

use chrono::{Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::{Error, Result, Store};

pub use holds::{HoldForm, LegalHold};
pub use run::{CategoryPreview, HeldPerson, PersonDue, RetentionPreview, RetentionProgress, RetentionRun};

/// A category of personal data with its own retention rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "RetentionCategory")]
pub enum Category {
    /// Assessment video and evidence photos, kept until quality assurance ends.
    AssessmentEvidence,
    /// Component marks, faults and assessors' comments (background assessment detail).
    AssessmentDetail,
    /// Health or disability notes, kept until the candidate's course ends.
    SpecialCategory,
    /// Enrolments, attendance and outcomes with no certificate or submission behind them.
    TrainingRecord,
    /// Employer contacts: until they withdraw (removed at their request) or their employer has had
    /// no training for the period.
    Contact,
    /// The person: name, date of birth, NI number, certificate numbers and assessment dates.
    Identity,
}

impl Category {
    /// Every category, in the order a run takes them (details before the records they hang off).
    pub const ALL: [Category; 6] = [
        Category::AssessmentEvidence,
        Category::AssessmentDetail,
        Category::SpecialCategory,
        Category::TrainingRecord,
        Category::Contact,
        Category::Identity,
    ];

    /// The name stored in the schedule and typed on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Category::AssessmentEvidence => "assessment_evidence",
            Category::AssessmentDetail => "assessment_detail",
            Category::SpecialCategory => "special_category",
            Category::TrainingRecord => "training_record",
            Category::Contact => "contact",
            Category::Identity => "identity",
        }
    }

    /// Reads a category as typed (`training-record` or `training_record`).
    pub fn parse(s: &str) -> Result<Category> {
        let s = s.trim().replace('-', "_");
        Category::ALL.into_iter().find(|c| c.code() == s).ok_or_else(|| {
            let known: Vec<&str> = Category::ALL.iter().map(|c| c.code()).collect();
            Error::invalid("category", format!("should be one of {}", known.join(", ")))
        })
    }

    /// What people read.
    pub fn label(self) -> &'static str {
        match self {
            Category::AssessmentEvidence => "Assessment evidence (photos, video)",
            Category::AssessmentDetail => "Assessment detail (marks, faults, comments)",
            Category::SpecialCategory => "Health and disability notes",
            Category::TrainingRecord => "Training records without a certificate",
            Category::Contact => "Employer contacts",
            Category::Identity => "Identity and certificate facts",
        }
    }

    /// When its period starts counting.
    pub fn from_when(self) -> &'static str {
        match self {
            Category::AssessmentEvidence => "from the assessment date",
            Category::AssessmentDetail | Category::TrainingRecord => "from the end of the course",
            Category::SpecialCategory => "from the end of the person's last course",
            Category::Contact => "from the employer's last training, or at once when the contact withdrew",
            Category::Identity => "from the person's last course",
        }
    }

    /// The ends an admin may choose for this category.
    pub fn actions(self) -> &'static [Action] {
        match self {
            Category::Contact => &[Action::Anonymise],
            Category::Identity => &[Action::Anonymise, Action::Delete],
            _ => &[Action::Delete],
        }
    }

    /// The shortest period the centre may set: training records are kept at least 7 years (the HSE
    /// industry standard), nothing else has a floor.
    fn min_months(self) -> u32 {
        match self {
            Category::TrainingRecord => 84,
            _ => 0,
        }
    }
}

/// What happens at the end of a category's period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "RetentionAction")]
pub enum Action {
    /// The rows are deleted (secure delete: their pages are zeroed).
    Delete,
    /// The person can no longer be linked: for a contact, the name and details are cleared; for a
    /// person, their certificate numbers stay verifiable without a name.
    Anonymise,
}

impl Action {
    /// The name stored and typed.
    pub fn code(self) -> &'static str {
        match self {
            Action::Delete => "delete",
            Action::Anonymise => "anonymise",
        }
    }

    /// Reads an action as typed (`anonymize` too).
    pub fn parse(s: &str) -> Result<Action> {
        match s.trim().to_ascii_lowercase().as_str() {
            "delete" => Ok(Action::Delete),
            "anonymise" | "anonymize" => Ok(Action::Anonymise),
            _ => Err(Error::invalid("action", "should be delete or anonymise")),
        }
    }
}

/// One category's rule, as the schedule holds it.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export, rename = "RetentionRule")]
pub struct Rule {
    /// The category.
    pub category: Category,
    /// What people read.
    pub label: String,
    /// How long it is kept, in months.
    pub months: u32,
    /// When the months start counting.
    pub from_when: String,
    /// What happens at the end.
    pub action: Action,
    /// The ends this category may have.
    pub actions: Vec<Action>,
    /// The shortest period allowed, in months.
    pub min_months: u32,
}

/// The whole schedule, and the backups' window (set by the backup plan, shown here because backups
/// hold everything until they rotate out).
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export, rename = "RetentionSchedule")]
pub struct Schedule {
    /// One rule per category, in the order a run takes them.
    pub rules: Vec<Rule>,
    /// How many daily backups are kept: what is deleted here stays in them that many days longer.
    pub backups_kept: u32,
}

impl Rule {
    /// The first day still kept on `on`: anything whose period started before it is due.
    pub(crate) fn cutoff(&self, on: NaiveDate) -> NaiveDate {
        on.checked_sub_months(Months::new(self.months)).unwrap_or(NaiveDate::MIN)
    }
}

pub(crate) fn read_rules(conn: &rusqlite::Connection) -> Result<Vec<Rule>> {
    let mut stmt = conn.prepare_cached("SELECT months, action FROM retention_schedule WHERE category = ?1")?;
    let mut out = Vec::new();
    for c in Category::ALL {
        let (months, action): (u32, String) = stmt.query_row([c.code()], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let action = Action::parse(&action).map_err(|_| Error::damaged(conn, "the retention schedule is damaged"))?;
        out.push(Rule {
            category: c,
            label: c.label().into(),
            months,
            from_when: c.from_when().into(),
            action,
            actions: c.actions().to_vec(),
            min_months: c.min_months(),
        });
    }
    Ok(out)
}

impl Store {
    /// The retention schedule (admin and office may read it).
    pub fn retention_schedule(&self, actor: &Actor) -> Result<Schedule> {
        actor.require(Permission::EditRecords)?;
        let rules = read_rules(self.conn())?;
        let backups_kept = crate::store::meta_get(self.conn(), crate::store::backup_plan::KEEP)?
            .and_then(|k| k.parse().ok())
            .unwrap_or(crate::store::backup_plan::DEFAULT_KEEP);
        Ok(Schedule { rules, backups_kept })
    }

    /// Changes one category's period and end (admins only). The training record cannot be kept
    /// under 7 years; each category accepts only the ends it can have.
    pub fn set_retention_rule(
        &mut self,
        actor: &Actor,
        category: Category,
        months: u32,
        action: Action,
    ) -> Result<Rule> {
        actor.require(Permission::Retention)?;
        if months < category.min_months() {
            return Err(Error::invalid(
                "months",
                format!("should be at least {}: training records are kept at least 7 years", category.min_months()),
            ));
        }
        if months > 1200 {
            return Err(Error::invalid("months", "should be at most 1200 (100 years)"));
        }
        if !category.actions().contains(&action) {
            return Err(Error::invalid("action", format!("{} cannot be {}d", category.label(), action.code())));
        }
        self.write(|tx| {
            let (before_months, before_action): (u32, String) = tx.query_row(
                "SELECT months, action FROM retention_schedule WHERE category = ?1",
                [category.code()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let changes: Vec<FieldChange> = [
                FieldChange::between("months", before_months, months),
                FieldChange::between("action", before_action, action.code()),
            ]
            .into_iter()
            .flatten()
            .collect();
            if changes.is_empty() {
                return Ok(());
            }
            tx.execute(
                "UPDATE retention_schedule SET months = ?2, action = ?3, updated_at = ?4, updated_by = ?5
                 WHERE category = ?1",
                rusqlite::params![category.code(), months, action.code(), Utc::now().to_rfc3339(), actor.id()],
            )?;
            audit::record(
                tx,
                Who::Actor(actor),
                "retention.rule_set",
                Subject { entity: "retention", id: Some(category.code()) },
                &changes,
            )
        })?;
        let rules = read_rules(self.conn())?;
        Ok(rules.into_iter().find(|r| r.category == category).expect("every category has a rule"))
    }
}
