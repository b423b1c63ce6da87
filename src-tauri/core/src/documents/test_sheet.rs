//! Practical test sheets: the paper fallback when a laptop fails on site. One PDF for a run, a page
//! (or more) per candidate: the course and run, the candidate's name, employee number and company (what
//! a trainer going on site may see, never an identifier), and for each of the course's components the
//! boxes to fill in by its rule (a mark out of the maximum, minor and major faults, competent or not
//! yet competent), space for the faults seen and comments, and the assessor's and candidate's
//! signatures. Printing it is a disclosure to the run's trainers, logged with the file's SHA-256.

use std::path::Path;

use super::canvas::Align;
use super::fonts::Face;
use super::paper::{self, long, Flow, PaperSaved, Saving, INK, MARGIN, MUTED, RULE, W};
use crate::actor::Actor;
use crate::audit::Subject;
use crate::records::disclosures::{OutputKind, RecipientKind};
use crate::records::outcome::ComponentRule;
use crate::records::{Attendance, Component, Enrolment, Run};
use crate::{Error, Id, Result, Store};

/// What a test sheet carries about each candidate, as the disclosure log names it.
pub(crate) const TEST_SHEET_FIELDS: [&str; 5] = ["name", "employee_number", "employer", "course", "training_dates"];

/// A box to tick, `size` mm square, with its label after it; returns the x after the label.
fn tick(page: &mut super::canvas::Page, x: f32, y: f32, label: &str) -> f32 {
    page.stroke_rect(INK, 0.8, x, y - 3.4, 4.0, 4.0);
    page.text(Face::Regular, 9.5, INK, x + 5.5, y, Align::Left, label);
    x + 5.5 + super::fonts::width_mm(Face::Regular, label, 9.5) + 7.0
}

/// A line to write on, from `x` to `to`, under the baseline `y`.
fn write_on(page: &mut super::canvas::Page, x: f32, to: f32, y: f32) {
    page.line(RULE, 0.5, (x, y + 0.8), (to, y + 0.8));
}

fn rule_words(rule: &ComponentRule) -> String {
    match *rule {
        ComponentRule::Marks { max_mark, pass_mark } => format!("marked out of {max_mark}, pass at {pass_mark}"),
        ComponentRule::Faults { max_minor_faults, max_major_faults } => {
            format!("faults: at most {max_minor_faults} minor and {max_major_faults} major")
        }
        ComponentRule::Observation => "observed: competent or not yet competent".to_owned(),
    }
}

fn component(flow: &mut Flow, n: usize, c: &Component) {
    flow.room(40.0);
    let y = flow.y + 4.0;
    let page = flow.page();
    page.fill_rect((0.93, 0.95, 0.97), MARGIN, y - 4.6, W - 2.0 * MARGIN, 6.6);
    page.text(Face::Bold, 10.5, INK, MARGIN + 1.5, y, Align::Left, &format!("{n}. {}", c.name));
    page.text(Face::Regular, 8.0, MUTED, W - MARGIN - 1.5, y, Align::Right, &rule_words(&c.rule));
    flow.y += 9.0;
    let y = flow.y + 3.5;
    let page = flow.page();
    match c.rule {
        ComponentRule::Marks { max_mark, .. } => {
            page.text(Face::Regular, 9.5, INK, MARGIN + 1.5, y, Align::Left, "Mark:");
            write_on(page, MARGIN + 14.0, MARGIN + 34.0, y);
            page.text(Face::Regular, 9.5, INK, MARGIN + 35.0, y, Align::Left, &format!("out of {max_mark}"));
            let x = tick(page, MARGIN + 70.0, y, "Pass");
            tick(page, x, y, "Fail");
        }
        ComponentRule::Faults { .. } => {
            page.text(Face::Regular, 9.5, INK, MARGIN + 1.5, y, Align::Left, "Minor faults:");
            write_on(page, MARGIN + 25.0, MARGIN + 40.0, y);
            page.text(Face::Regular, 9.5, INK, MARGIN + 45.0, y, Align::Left, "Major faults:");
            write_on(page, MARGIN + 68.0, MARGIN + 83.0, y);
            let x = tick(page, MARGIN + 95.0, y, "Pass");
            tick(page, x, y, "Fail");
        }
        ComponentRule::Observation => {
            let x = tick(page, MARGIN + 1.5, y, "Competent");
            tick(page, x, y, "Not yet competent");
        }
    }
    flow.y += 8.0;
    for label in ["Faults seen:", "Comments:"] {
        let y = flow.y + 3.5;
        let page = flow.page();
        page.text(Face::Regular, 9.5, INK, MARGIN + 1.5, y, Align::Left, label);
        write_on(page, MARGIN + 25.0, W - MARGIN, y);
        write_on(page, MARGIN + 1.5, W - MARGIN, y + 7.0);
        flow.y += 14.0;
    }
    flow.gap(1.0);
}

fn candidate_pages(flow: &mut Flow, centre: &str, run: &Run, components: &[Component], e: &Enrolment) {
    flow.new_page();
    flow.line(Face::Bold, 15.0, INK, 0.0, "Practical test sheet");
    flow.line(Face::Regular, 9.0, MUTED, 0.0, centre);
    flow.gap(2.0);
    flow.rule();
    flow.field("Course:", &format!("{} ({})", run.course_title, run.course_code), 41.0);
    flow.field("Category:", &run.category, 41.0);
    let dates = if run.starts_on == run.ends_on {
        long(run.starts_on)
    } else {
        format!("{} to {}", long(run.starts_on), long(run.ends_on))
    };
    flow.field("Training:", &dates, 41.0);
    if let Some(a) = run.assessment_on {
        flow.field("Assessment:", &long(a), 41.0);
    }
    if let Some(v) = &run.venue {
        flow.field("Venue or site:", v, 41.0);
    }
    flow.gap(1.0);
    flow.rule();
    flow.field("Candidate:", &format!("{} {}", e.forename, e.surname), 41.0);
    flow.field("Employee number:", e.employee_number.as_deref().unwrap_or("—"), 41.0);
    flow.field("Company:", e.employer.as_deref().unwrap_or("Self-booked"), 41.0);
    flow.gap(1.0);
    flow.rule();
    flow.gap(1.0);
    if components.is_empty() {
        flow.para(Face::Regular, 9.5, MUTED, 0.0, "This course has no assessment components in the catalogue.");
    }
    for (i, c) in components.iter().enumerate() {
        component(flow, i + 1, c);
    }
    flow.room(48.0);
    flow.line(Face::Bold, 10.5, INK, 0.0, "Overall");
    flow.gap(1.5);
    let y = flow.y + 3.5;
    let page = flow.page();
    let x = tick(page, MARGIN + 1.5, y, "Pass");
    tick(page, x, y, "Fail / not yet competent");
    flow.y += 9.0;
    for (left, right) in [
        ("Assessor (print):", "Registration no.:"),
        ("Assessor signature:", "Date:"),
        ("Candidate signature:", "Date:"),
    ] {
        let y = flow.y + 3.5;
        let page = flow.page();
        page.text(Face::Regular, 9.5, INK, MARGIN + 1.5, y, Align::Left, left);
        write_on(page, MARGIN + 40.0, MARGIN + 110.0, y);
        page.text(Face::Regular, 9.5, INK, MARGIN + 114.0, y, Align::Left, right);
        write_on(page, MARGIN + 145.0, W - MARGIN, y);
        flow.y += 10.0;
    }
    flow.para(
        Face::Regular,
        7.5,
        MUTED,
        0.0,
        "Enter these results in Centrebook (or on the trainer's laptop) as soon as it can be done; keep this sheet \
         with the run's records until then.",
    );
}

impl Store {
    /// A run's practical test sheets as one PDF: a page or more per candidate (not withdrawn, not
    /// cancelled), for whoever may see the run (a trainer their own runs). Returns the bytes and the
    /// candidates it carries.
    pub fn test_sheets_pdf(&self, actor: &Actor, run: Id) -> Result<(Vec<u8>, Vec<Id>)> {
        let r = self.run(actor, run)?;
        let course = self.course(actor, r.course_id)?;
        let people: Vec<Enrolment> = self
            .enrolments(actor, run)?
            .into_iter()
            .filter(|e| e.status != Attendance::Withdrawn && !e.cancelled)
            .collect();
        if people.is_empty() {
            return Err(Error::invalid("run", "has nobody enrolled to print a test sheet for"));
        }
        let centre = self.centre_name()?;
        let title = format!("Practical test sheets: {} {}", r.course_code, paper::uk(r.starts_on));
        let footer = format!(
            "{centre}: practical test sheets for {} from {}. Personal data: keep safe, return to the office.",
            r.course_code,
            paper::uk(r.starts_on)
        );
        let mut flow = Flow::new(&title, &centre, &footer);
        for e in &people {
            candidate_pages(&mut flow, &centre, &r, &course.components, e);
        }
        Ok((flow.finish(), people.iter().map(|e| e.candidate_id).collect()))
    }

    /// Saves a run's practical test sheets as the new file `out`, logged as a disclosure to the run's
    /// trainers with the file's SHA-256.
    pub fn save_test_sheets(&mut self, actor: &Actor, run: Id, out: &Path) -> Result<PaperSaved> {
        let (bytes, people) = self.test_sheets_pdf(actor, run)?;
        let r = self.run(actor, run)?;
        let trainers = r.trainers.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ");
        let recipient = if trainers.is_empty() { "the run's trainers".to_owned() } else { trainers };
        let fields: Vec<String> = TEST_SHEET_FIELDS.iter().map(|f| (*f).to_owned()).collect();
        let listed: Vec<(Id, Vec<String>)> = people.iter().map(|p| (*p, fields.clone())).collect();
        let sid = run.to_string();
        let saving = Saving {
            kind: OutputKind::TestSheets,
            recipient_kind: RecipientKind::Trainer,
            recipient: &recipient,
            purpose: "practical test sheets for the run (paper fallback on site)",
            people: &listed,
            action: "run.test_sheets",
            subject: Subject { entity: "run", id: Some(&sid) },
        };
        let disclosure = paper::save(self, actor, out, &bytes, &saving)?;
        Ok(PaperSaved::new(out, listed.len(), disclosure))
    }
}
