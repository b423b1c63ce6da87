//! Joining instructions for an employer: the run's course, dates, assessment day, venue or site (with
//! the site contact when the run is at that employer's site), the usual times and what to bring (the
//! centre's paperwork settings), the trainer, the centre's contact details, and that employer's own
//! people on the run (name and employee number only). A run with people from several employers gets
//! one set per employer, so no employer sees another's people. Each is logged as a disclosure to the
//! employer with the file's SHA-256.

use std::path::Path;

use rusqlite::params;
use serde::Serialize;

use super::fonts::Face;
use super::paper::{self, long, Flow, PaperSaved, Saving, INK, MUTED};
use crate::actor::{Actor, Permission};
use crate::audit::Subject;
use crate::records::disclosures::{OutputKind, RecipientKind};
use crate::records::paperwork::DEFAULT_BRING;
use crate::{Error, Id, Result, Store};

/// What joining instructions carry about each person, as the disclosure log names it.
pub(crate) const JOINING_FIELDS: [&str; 4] = ["name", "employee_number", "course", "training_dates"];

/// An employer with people on a run (not withdrawn, not restricted).
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RunEmployer {
    pub id: Id,
    pub name: String,
    pub people: u32,
}

struct Person {
    id: Id,
    name: String,
    employee_number: Option<String>,
}

impl Store {
    /// The employers with people on a run, each with how many (admin and office): whom joining
    /// instructions can go to.
    pub fn run_employers(&self, actor: &Actor, run: Id) -> Result<Vec<RunEmployer>> {
        actor.require(Permission::EditRecords)?;
        self.run(actor, run)?;
        let rows = self
            .conn()
            .prepare(
                "SELECT e.id, e.name, count(*) FROM enrolments n JOIN employers e ON e.id = n.employer_id
                 JOIN candidates k ON k.id = n.candidate_id
                 WHERE n.run_id = ?1 AND n.status != 'withdrawn' AND n.cancelled_at IS NULL AND k.restricted = 0
                   AND k.erased_at IS NULL
                 GROUP BY e.id ORDER BY e.name COLLATE NOCASE",
            )?
            .query_map([run], |r| Ok(RunEmployer { id: r.get(0)?, name: r.get(1)?, people: r.get(2)? }))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The employer joining instructions go to: the one given, which must have people on the run, or
    /// the run's only employer.
    fn joining_employer(&self, actor: &Actor, run: Id, employer: Option<Id>) -> Result<RunEmployer> {
        let all = self.run_employers(actor, run)?;
        match employer {
            Some(id) => all.into_iter().find(|e| e.id == id).ok_or_else(|| {
                Error::invalid(
                    "employer",
                    "has nobody on this run: joining instructions go to an employer with people on it",
                )
            }),
            None if all.len() == 1 => Ok(all.into_iter().next().expect("one")),
            None if all.is_empty() => Err(Error::invalid("run", "has nobody booked by an employer")),
            None => Err(Error::invalid(
                "employer",
                format!("is needed: this run has people from {} employers, and each sees only its own", all.len()),
            )),
        }
    }

    /// An employer's joining instructions for a run as a PDF (admin and office), with the people it
    /// names.
    pub fn joining_pdf(&self, actor: &Actor, run: Id, employer: Option<Id>) -> Result<(Vec<u8>, RunEmployer, Vec<Id>)> {
        let to = self.joining_employer(actor, run, employer)?;
        let r = self.run(actor, run)?;
        let people: Vec<Person> = self
            .conn()
            .prepare(
                "SELECT k.id, k.forename || ' ' || k.surname, em.employee_number FROM enrolments n
                 JOIN candidates k ON k.id = n.candidate_id
                 LEFT JOIN employments em ON em.candidate_id = k.id AND em.employer_id = n.employer_id
                     AND em.ended_on IS NULL
                 WHERE n.run_id = ?1 AND n.employer_id = ?2 AND n.status != 'withdrawn' AND n.cancelled_at IS NULL
                   AND k.restricted = 0 AND k.erased_at IS NULL
                 ORDER BY k.surname COLLATE NOCASE, k.forename COLLATE NOCASE",
            )?
            .query_map(params![run, to.id], |row| {
                Ok(Person { id: row.get(0)?, name: row.get(1)?, employee_number: row.get(2)? })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let (address, postcode): (Option<String>, Option<String>) =
            self.conn().query_row("SELECT address, postcode FROM employers WHERE id = ?1", [to.id], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?;
        let centre = self.centre()?;
        let settings = self.paperwork()?;
        let body: Option<String> = self.course(actor, r.course_id)?.awarding_body;

        let title = format!("Joining instructions: {} {}", r.course_code, paper::uk(r.starts_on));
        let footer = format!("{}: joining instructions for {}. Confidential to {}.", centre.name, to.name, to.name);
        let mut f = Flow::new(&title, &centre.name, &footer);
        f.line(Face::Bold, 17.0, INK, 0.0, "Joining instructions");
        f.line(Face::Regular, 10.0, MUTED, 0.0, &centre.name);
        f.gap(1.0);
        let mut addressed = vec![to.name.clone()];
        addressed.extend(address.iter().flat_map(|a| a.lines().map(str::to_owned)));
        addressed.extend(postcode);
        f.para(Face::Regular, 10.0, INK, 0.0, &addressed.join("\n"));
        f.gap(3.0);
        f.rule();
        f.gap(1.0);
        let days = (r.ends_on - r.starts_on).num_days() + 1;
        let dates = if days == 1 {
            long(r.starts_on)
        } else {
            format!("{} to {} ({days} days)", long(r.starts_on), long(r.ends_on))
        };
        const L: f32 = 40.0;
        f.field("Course:", &format!("{} ({})", r.course_title, r.course_code), L);
        f.field("Category:", &r.category, L);
        if let Some(b) = &body {
            f.field("Awarding body:", b, L);
        }
        f.field("Dates:", &dates, L);
        if let Some(a) = r.assessment_on {
            f.field("Assessment day:", &long(a), L);
        }
        f.field("Times:", settings.times.as_deref().unwrap_or("to be confirmed by the centre"), L);
        let at_this_site = r.employer_id == Some(to.id);
        let venue = match (&r.venue, at_this_site) {
            (Some(v), _) => v.clone(),
            (None, true) => "At your site".to_owned(),
            (None, false) => "To be confirmed by the centre".to_owned(),
        };
        f.field("Venue or site:", &venue, L);
        if let (true, Some(c)) = (at_this_site, &r.site_contact) {
            f.field("Site contact:", c, L);
        }
        let trainers = r.trainers.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ");
        if !trainers.is_empty() {
            f.field("Trainer:", &trainers, L);
        }
        f.gap(3.0);
        f.line(Face::Bold, 12.0, INK, 0.0, "What to bring");
        f.gap(1.0);
        for item in settings.bring.as_deref().unwrap_or(DEFAULT_BRING).lines().filter(|l| !l.trim().is_empty()) {
            f.para(Face::Regular, 10.0, INK, 3.0, &format!("•  {}", item.trim()));
        }
        f.gap(3.0);
        f.line(Face::Bold, 12.0, INK, 0.0, &format!("Your people on this course ({})", people.len()));
        f.gap(1.0);
        for p in &people {
            let line = match &p.employee_number {
                Some(n) => format!("{}   (employee number {n})", p.name),
                None => p.name.clone(),
            };
            f.line(Face::Regular, 10.0, INK, 3.0, &line);
        }
        f.gap(3.0);
        f.line(Face::Bold, 12.0, INK, 0.0, "Questions and changes");
        f.gap(1.0);
        let mut contact = vec![centre.name.clone()];
        contact.extend(centre.address.iter().flat_map(|a| a.lines().map(str::to_owned)));
        contact.extend(centre.postcode.map(|p| p.to_string()));
        contact.extend(settings.phone.map(|p| format!("Phone: {}", p.display())));
        contact.extend(settings.email.map(|e| format!("Email: {e}")));
        f.para(Face::Regular, 10.0, INK, 0.0, &contact.join("\n"));
        f.gap(2.0);
        f.para(
            Face::Regular,
            8.5,
            MUTED,
            0.0,
            "Please tell us as soon as you can if someone cannot attend, or if anyone needs an adjustment to take part.",
        );
        let ids = people.iter().map(|p| p.id).collect();
        Ok((f.finish(), to, ids))
    }

    /// Saves an employer's joining instructions for a run as the new file `out` (admin and office),
    /// logged as a disclosure to that employer with the file's SHA-256.
    pub fn save_joining(&mut self, actor: &Actor, run: Id, employer: Option<Id>, out: &Path) -> Result<PaperSaved> {
        let (bytes, to, people) = self.joining_pdf(actor, run, employer)?;
        let fields: Vec<String> = JOINING_FIELDS.iter().map(|f| (*f).to_owned()).collect();
        let listed: Vec<(Id, Vec<String>)> = people.iter().map(|p| (*p, fields.clone())).collect();
        let sid = run.to_string();
        let saving = Saving {
            kind: OutputKind::JoiningInstructions,
            recipient_kind: RecipientKind::Employer,
            recipient: &to.name,
            purpose: "joining instructions for a course run",
            people: &listed,
            action: "run.joining",
            subject: Subject { entity: "run", id: Some(&sid) },
        };
        let disclosure = paper::save(self, actor, out, &bytes, &saving)?;
        Ok(PaperSaved::new(out, listed.len(), disclosure))
    }
}
