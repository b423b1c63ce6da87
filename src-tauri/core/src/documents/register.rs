//! The register (sign-in sheet) of one day of a run, as a PDF: each candidate on the run with their
//! employer and employee number, their marks for every day of the run (an absence stands out, an
//! unmarked day is blank), and a box to sign in for the day.
//!
//! It carries only what a trainer on the run may see (name, employer, employee number: what a field
//! pack carries), never a date of birth, NI number or address. It stays in the centre: it is signed on
//! site and filed as the attendance evidence an awarding body inspects there, so saving one is an
//! audited act but not a disclosure (nothing is sent to anyone). It is kept, so it is PDF/A.

use std::path::Path;

use chrono::NaiveDate;

use super::canvas::{Align, Doc, Ink, A4_LANDSCAPE};
use super::fonts::{self, Face};
use crate::actor::Actor;
use crate::audit::{self, FieldChange, Subject, Who};
use crate::records::{Attendance, Enrolment, Run, RunAttendance};
use crate::{Error, Id, Result, Store};

const W: f32 = A4_LANDSCAPE.0;
const H: f32 = A4_LANDSCAPE.1;
const MARGIN: f32 = 12.0;
/// Tall enough to sign in.
const ROW: f32 = 11.0;
const INK: Ink = (0.12, 0.14, 0.16);
const GRID: Ink = (0.6, 0.62, 0.65);
const ABSENT: Ink = (0.98, 0.84, 0.84);
const TODAY: Ink = (0.90, 0.94, 0.99);

fn uk(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The register's PDF for `day` of `run`: `people` are the candidates on it (withdrawn ones are left
/// out), `marks` the run's per-day attendance.
pub(crate) fn register_pdf(run: &Run, day: NaiveDate, people: &[Enrolment], marks: &RunAttendance) -> Vec<u8> {
    let title = format!("Register — {} ({}) — {}", run.course_title, run.course_code, uk(day));
    let mut doc = Doc::new(&title, chrono::Utc::now().timestamp(), &format!("register:{}:{day}", run.id));
    let days = &marks.days;
    let nth = days.iter().position(|d| *d == day).map_or(0, |i| i + 1);
    // Columns: number, name, employer, employee number, one per day, then the signature box.
    let day_w = 13.0_f32.min(90.0 / days.len().max(1) as f32).max(7.0);
    let fixed = [8.0, 58.0, 48.0, 26.0];
    let sign_w = (W - 2.0 * MARGIN - fixed.iter().sum::<f32>() - day_w * days.len() as f32).max(30.0);
    let first_row_y = MARGIN + 40.0;
    let per_page = (((H - MARGIN - 24.0) - first_row_y) / ROW).floor().max(1.0) as usize;
    let pages = people.len().div_ceil(per_page).max(1);
    let trainers = run.trainers.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ");
    let place =
        run.venue.clone().or_else(|| run.employer.as_ref().map(|e| format!("{e} (on site)"))).unwrap_or_default();
    for n in 0..pages {
        let mut page = doc.page(W, H);
        page.text(Face::Bold, 14.0, INK, MARGIN, MARGIN + 5.0, Align::Left, "Register and sign-in sheet");
        let (course, size) =
            fonts::fit(Face::Bold, &format!("{} ({})", run.course_title, run.course_code), 11.0, 7.0, W - 2.0 * MARGIN);
        page.text(Face::Bold, size, INK, MARGIN, MARGIN + 12.0, Align::Left, &course);
        let when = format!(
            "{} — day {nth} of {} ({} to {})",
            day.format("%A %-d %B %Y"),
            days.len(),
            uk(run.starts_on),
            uk(run.ends_on)
        );
        page.text(Face::Regular, 9.0, INK, MARGIN, MARGIN + 18.0, Align::Left, &when);
        let (at, size) =
            fonts::fit(Face::Regular, &format!("Venue: {place}    Trainer: {trainers}"), 9.0, 6.0, W - 2.0 * MARGIN);
        page.text(Face::Regular, size, INK, MARGIN, MARGIN + 23.0, Align::Left, &at);
        // Header band.
        let top = first_row_y - ROW;
        page.fill_rect((0.88, 0.91, 0.95), MARGIN, top, W - 2.0 * MARGIN, ROW);
        let mut x = MARGIN;
        for (h, w) in ["#", "Name", "Employer", "Employee no."].iter().zip(fixed) {
            page.text(Face::Bold, 8.0, INK, x + 1.0, top + 7.0, Align::Left, h);
            x += w;
        }
        for d in days {
            if *d == day {
                page.fill_rect(TODAY, x, top, day_w, ROW * (per_page.min(people.len().max(1)) + 1) as f32);
            }
            page.text(Face::Bold, 7.0, INK, x + day_w / 2.0, top + 5.0, Align::Centre, &d.format("%a").to_string());
            page.text(
                Face::Regular,
                6.5,
                INK,
                x + day_w / 2.0,
                top + 9.0,
                Align::Centre,
                &d.format("%d/%m").to_string(),
            );
            x += day_w;
        }
        page.text(Face::Bold, 8.0, INK, x + 1.0, top + 7.0, Align::Left, &format!("Signature ({})", uk(day)));
        for (i, e) in people.iter().enumerate().skip(n * per_page).take(per_page) {
            let y = first_row_y + ROW * (i - n * per_page) as f32;
            let base = y + 7.0;
            let mut x = MARGIN;
            let name = format!("{} {}", e.forename, e.surname);
            let cells = [
                (i + 1).to_string(),
                name,
                e.employer.clone().unwrap_or_default(),
                e.employee_number.clone().unwrap_or_default(),
            ];
            for (cell, w) in cells.iter().zip(fixed) {
                let (s, size) = fonts::fit(Face::Regular, cell, 9.0, 6.0, w - 2.0);
                page.text(Face::Regular, size, INK, x + 1.0, base, Align::Left, &s);
                x += w;
            }
            for d in days {
                match marks.mark(e.id, *d) {
                    Some(true) => page.text(Face::Bold, 9.0, INK, x + day_w / 2.0, base, Align::Centre, "P"),
                    Some(false) => {
                        page.fill_rect(ABSENT, x + 0.4, y + 0.4, day_w - 0.8, ROW - 0.8);
                        page.text(Face::Bold, 9.0, (0.6, 0.05, 0.05), x + day_w / 2.0, base, Align::Centre, "A");
                    }
                    None => {}
                }
                page.line(GRID, 0.3, (x, y), (x, y + ROW));
                x += day_w;
            }
            page.stroke_rect(INK, 0.6, x + 1.5, y + 1.2, sign_w - 3.0, ROW - 2.4);
            page.line(GRID, 0.3, (MARGIN, y + ROW), (W - MARGIN, y + ROW));
        }
        let foot = H - MARGIN - 10.0;
        page.text(
            Face::Regular,
            7.5,
            INK,
            MARGIN,
            foot,
            Align::Left,
            "P present   A absent   blank: not marked yet. Sign once on arrival; the trainer marks anyone absent.",
        );
        page.text(Face::Regular, 9.0, INK, MARGIN, foot + 8.0, Align::Left, "Trainer's signature:");
        page.line(INK, 0.5, (MARGIN + 33.0, foot + 8.5), (MARGIN + 120.0, foot + 8.5));
        page.text(Face::Regular, 9.0, INK, MARGIN + 130.0, foot + 8.0, Align::Left, "Date:");
        page.line(INK, 0.5, (MARGIN + 140.0, foot + 8.5), (MARGIN + 185.0, foot + 8.5));
        page.text(Face::Regular, 7.0, INK, W - MARGIN, foot + 8.0, Align::Right, &format!("Page {} of {pages}", n + 1));
        doc.add(page);
    }
    doc.finish_pdfa()
}

impl Store {
    /// The register of `day` of a run as PDF bytes: admin and office, or a trainer assigned to the
    /// run. The day must be one of the run's days.
    pub fn register(&self, actor: &Actor, run: Id, day: NaiveDate) -> Result<Vec<u8>> {
        let r = self.run(actor, run)?;
        if day < r.starts_on || day > r.ends_on {
            return Err(Error::invalid(
                "day",
                format!("is not a day of this run ({} to {})", uk(r.starts_on), uk(r.ends_on)),
            ));
        }
        let people: Vec<Enrolment> = self
            .enrolments(actor, run)?
            .into_iter()
            .filter(|e| e.status != Attendance::Withdrawn && !e.cancelled)
            .collect();
        let marks = self.run_attendance(actor, run)?;
        Ok(register_pdf(&r, day, &people, &marks))
    }

    /// Saves the register of `day` of a run as the new file `out`, with an audit entry naming the
    /// run, the day and the file's SHA-256 (the register stays in the centre: no disclosure). Returns
    /// its size in bytes.
    pub fn save_register(&mut self, actor: &Actor, run: Id, day: NaiveDate, out: &Path) -> Result<u64> {
        let mut file = crate::outfile::NewFile::create(out)?;
        let bytes = self.register(actor, run, day)?;
        file.put(&bytes)?;
        let sha = crate::crypto::hex(&crate::crypto::sha256(&[&bytes]));
        self.write(|tx| {
            let sid = run.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "run.register",
                Subject { entity: "run", id: Some(&sid) },
                &[FieldChange::created("day", day.to_string()), FieldChange::created("sha256", sha.clone())],
            )
        })?;
        file.commit()?;
        Ok(bytes.len() as u64)
    }
}
