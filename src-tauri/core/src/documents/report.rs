//! Employer training reports: every current employee of an employer with the courses they took, the
//! dates, trainer, certificate number, expiry and status (valid, expiring within N days, expired,
//! failed, booked), and the refresher-due list. Only employer-visible fields. Each report is a
//! disclosure, logged (who received whose data, when, why) in the same transaction as its audit entry.

use chrono::{Months, NaiveDate, Utc};
use serde::Serialize;

use crate::audit::{self, FieldChange, Subject, Who};
use crate::users::{Actor, Permission};
use crate::{Error, Id, Result, Store};

/// Where a course stands for an employee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingStatus {
    Valid,
    Expiring,
    Expired,
    Failed,
    Booked,
    DidNotAttend,
    Incomplete,
    /// No course on record.
    None,
}

impl TrainingStatus {
    pub fn label(self) -> &'static str {
        match self {
            TrainingStatus::Valid => "valid",
            TrainingStatus::Expiring => "expiring",
            TrainingStatus::Expired => "expired",
            TrainingStatus::Failed => "failed",
            TrainingStatus::Booked => "booked",
            TrainingStatus::DidNotAttend => "did not attend",
            TrainingStatus::Incomplete => "incomplete",
            TrainingStatus::None => "no training on record",
        }
    }
}

/// One line: an employee and one course (or none).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportRow {
    pub candidate_id: Id,
    pub surname: String,
    pub forename: String,
    pub employee_number: Option<String>,
    pub course_code: Option<String>,
    pub course_title: Option<String>,
    pub category: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub trainer: Option<String>,
    pub certificate_number: Option<String>,
    pub expires_on: Option<NaiveDate>,
    pub status: TrainingStatus,
    /// The latest pass of this course is expired or expiring, and no later run is booked.
    pub refresher_due: bool,
}

/// A report for one employer.
#[derive(Clone, Debug, Serialize)]
pub struct EmployerReport {
    pub employer: String,
    pub generated_on: NaiveDate,
    pub expiring_within_days: u32,
    pub rows: Vec<ReportRow>,
}

impl EmployerReport {
    /// The rows whose course needs a refresher.
    pub fn refresher_due(&self) -> impl Iterator<Item = &ReportRow> {
        self.rows.iter().filter(|r| r.refresher_due)
    }

    /// The column headings, in the order of [`EmployerReport::cells`].
    pub const HEADER: [&'static str; 11] = [
        "Surname",
        "Forename",
        "Employee number",
        "Course code",
        "Course",
        "Start",
        "End",
        "Trainer",
        "Certificate",
        "Expires",
        "Status",
    ];

    /// A row as text cells (UK dates).
    pub fn cells(r: &ReportRow) -> [String; 11] {
        let d = |d: Option<NaiveDate>| d.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default();
        let o = |s: &Option<String>| s.clone().unwrap_or_default();
        let status =
            if r.refresher_due { format!("{}, refresher due", r.status.label()) } else { r.status.label().to_owned() };
        [
            r.surname.clone(),
            r.forename.clone(),
            o(&r.employee_number),
            o(&r.course_code),
            o(&r.course_title),
            d(r.starts_on),
            d(r.ends_on),
            o(&r.trainer),
            o(&r.certificate_number),
            d(r.expires_on),
            status,
        ]
    }

    /// The report as a PDF: A4 landscape tables with the header repeated on every page, then the
    /// refresher-due list.
    pub fn to_pdf(&self) -> Vec<u8> {
        const WIDTHS: [f32; 11] = [30.0, 24.0, 25.0, 20.0, 47.0, 17.0, 17.0, 26.0, 27.0, 17.0, 23.0];
        let mut rows: Vec<Vec<String>> = self.rows.iter().map(|r| Self::cells(r).to_vec()).collect();
        let due: Vec<Vec<String>> = self.refresher_due().map(|r| Self::cells(r).to_vec()).collect();
        if !due.is_empty() {
            rows.push(vec![String::new(); 11]);
            let mut heading = vec![String::new(); 11];
            heading[0] = format!("Refresher due ({})", due.len());
            rows.push(heading);
            rows.extend(due);
        }
        let subtitle = format!(
            "Generated {}. Status: valid; expiring within {} days; expired; failed; booked.",
            self.generated_on.format("%d/%m/%Y"),
            self.expiring_within_days
        );
        super::pdf::table(&format!("Training report: {}", self.employer), &subtitle, &Self::HEADER, &WIDTHS, &rows)
    }

    /// The report as CSV (formula-like cells neutralised).
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = crate::csv_out::CsvOut::new(&Self::HEADER);
        for r in &self.rows {
            out.row(&Self::cells(r));
        }
        out.finish()
    }
}

fn parse_date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| s.parse().ok())
}

impl Store {
    /// The training report for an employer's current employees (admin and office), logged as a
    /// disclosure to that employer.
    pub fn employer_report(
        &mut self,
        actor: &Actor,
        employer: Id,
        today: NaiveDate,
        expiring_within_days: u32,
    ) -> Result<EmployerReport> {
        actor.require(Permission::EditRecords)?;
        let name: String = self
            .conn()
            .query_row("SELECT name FROM employers WHERE id = ?1", [employer], |r| r.get(0))
            .map_err(|_| Error::NotFound { what: "employer", name: employer.to_string() })?;
        let sql = "SELECT k.id, k.surname, k.forename, em.employee_number, co.code, co.title, co.category,
                r.starts_on, r.ends_on, n.status, coalesce(o.override, o.computed), co.validity_months, r.assessment_on,
                (SELECT t.name FROM run_trainers rt JOIN trainers t ON t.id = rt.trainer_id WHERE rt.run_id = r.id
                 ORDER BY t.name LIMIT 1),
                c.number, c.expires_on, (v.number IS NOT NULL)
            FROM employments em JOIN candidates k ON k.id = em.candidate_id
            LEFT JOIN enrolments n ON n.candidate_id = k.id AND n.status != 'withdrawn'
            LEFT JOIN course_runs r ON r.id = n.run_id LEFT JOIN courses co ON co.id = r.course_id
            LEFT JOIN outcomes o ON o.enrolment_id = n.id
            LEFT JOIN certificates c ON c.enrolment_id = n.id AND c.superseded_at IS NULL
            LEFT JOIN certificate_revocations v ON v.number = c.number
            WHERE em.employer_id = ?1 AND em.ended_on IS NULL AND k.merged_into IS NULL
            ORDER BY k.surname COLLATE NOCASE, k.forename COLLATE NOCASE, k.id, r.starts_on";
        let horizon = today + chrono::Duration::days(i64::from(expiring_within_days));
        let mut rows: Vec<ReportRow> = Vec::new();
        {
            let mut stmt = self.conn().prepare(sql)?;
            let mut q = stmt.query([employer])?;
            while let Some(r) = q.next()? {
                let course_code: Option<String> = r.get(4)?;
                let starts_on = parse_date(r.get(7)?);
                let ends_on = parse_date(r.get(8)?);
                let attendance: Option<String> = r.get(9)?;
                let outcome: Option<String> = r.get(10)?;
                let validity: Option<u32> = r.get(11)?;
                let assessed = parse_date(r.get(12)?);
                let cert_expiry = parse_date(r.get(15)?);
                let revoked: bool = r.get::<_, Option<bool>>(16)?.unwrap_or(false);
                let expires_on = cert_expiry.or_else(|| {
                    (outcome.as_deref() == Some("pass"))
                        .then(|| validity.and_then(|m| assessed.or(ends_on)?.checked_add_months(Months::new(m))))
                        .flatten()
                });
                let status = match (course_code.as_ref(), outcome.as_deref()) {
                    (None, _) => TrainingStatus::None,
                    (Some(_), Some("pass")) if revoked => TrainingStatus::Failed,
                    (Some(_), Some("pass")) => match expires_on {
                        Some(e) if e < today => TrainingStatus::Expired,
                        Some(e) if e <= horizon => TrainingStatus::Expiring,
                        _ => TrainingStatus::Valid,
                    },
                    (Some(_), Some("fail" | "retest")) => TrainingStatus::Failed,
                    (Some(_), Some("did_not_attend")) => TrainingStatus::DidNotAttend,
                    (Some(_), Some(_)) => TrainingStatus::Incomplete,
                    (Some(_), None) if attendance.as_deref() == Some("booked") => TrainingStatus::Booked,
                    (Some(_), None) => TrainingStatus::Incomplete,
                };
                rows.push(ReportRow {
                    candidate_id: r.get(0)?,
                    surname: r.get(1)?,
                    forename: r.get(2)?,
                    employee_number: r.get(3)?,
                    course_code,
                    course_title: r.get(5)?,
                    category: r.get(6)?,
                    starts_on,
                    ends_on,
                    trainer: r.get(13)?,
                    certificate_number: r.get(14)?,
                    expires_on,
                    status,
                    refresher_due: false,
                });
            }
        }
        // A refresher is due for an employee's latest pass of a course that is expired or expiring,
        // unless a later run of that course is already booked or passed.
        for i in 0..rows.len() {
            let r = &rows[i];
            if !matches!(r.status, TrainingStatus::Expired | TrainingStatus::Expiring) {
                continue;
            }
            let superseded = rows.iter().any(|o| {
                o.candidate_id == r.candidate_id
                    && o.course_code == r.course_code
                    && o.starts_on > r.starts_on
                    && matches!(o.status, TrainingStatus::Booked | TrainingStatus::Valid | TrainingStatus::Expiring)
            });
            rows[i].refresher_due = !superseded;
        }
        let report = EmployerReport { employer: name.clone(), generated_on: today, expiring_within_days, rows };
        let mut people: Vec<Id> = report.rows.iter().map(|r| r.candidate_id).collect();
        people.dedup();
        self.write(|tx| {
            let disclosure = Id::new();
            tx.execute(
                "INSERT INTO disclosures (id, at, actor_id, recipient_kind, recipient, purpose)
                 VALUES (?1, ?2, ?3, 'employer', ?4, 'employer training report')",
                rusqlite::params![disclosure, Utc::now().to_rfc3339(), actor.id(), name],
            )?;
            let fields = serde_json::json!([
                "name", "employee_number", "course", "training_dates", "trainer", "certificate_number", "expiry", "status"
            ])
            .to_string();
            for p in &people {
                tx.execute(
                    "INSERT OR IGNORE INTO disclosure_subjects (disclosure_id, candidate_id, fields) VALUES (?1, ?2, ?3)",
                    rusqlite::params![disclosure, p, fields],
                )?;
            }
            let sid = employer.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "report.employer",
                Subject { entity: "employer", id: Some(&sid) },
                &[FieldChange::created("employees", people.len() as i64), FieldChange::created("disclosure", disclosure.to_string())],
            )
        })?;
        Ok(report)
    }
}
