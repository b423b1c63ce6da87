//! Employer training reports: every current employee of an employer (optionally of one site) with the
//! courses they took, the dates, trainer and registration number, certificate number, expiry and status
//! (valid, expiring within N days, expired, an outcome short of a pass, booked), and the refresher-due
//! list. Statuses read as the window says them: a certificate's words, and the outcome's words. Only
//! employer-visible fields (never NI number, date of birth or address). Each report is a disclosure,
//! logged (who received whose data, when, why) in the same transaction as its audit entry.
//!
//! The same report is written three ways: a PDF for people (A4 landscape, a title block, tables that
//! run over pages with their header row repeated, "Page X of Y"), an XLSX for the employer's training
//! department (bold frozen header, filters, real date cells) and a CSV (formula-like cells neutralised).

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use super::canvas::{Align, Doc, Ink, Page, A4_LANDSCAPE};
use super::fonts::{self, width_mm, Face};
use super::CertificateStatus;
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::records::disclosures::{self, Output, OutputKind, RecipientKind};
use crate::records::outcome::Outcome;
use crate::records::Attendance;
use crate::{Error, Id, Result, Store};

/// Where a course stands for an employee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingStatus {
    Valid,
    Expiring,
    Expired,
    Fail,
    /// Failed some components; retake those.
    Retest,
    Booked,
    /// Passed, but the certificate was revoked by the centre.
    Revoked,
    DidNotAttend,
    Incomplete,
    /// No course on record.
    None,
}

impl TrainingStatus {
    /// The words in the report: a certificate's status or an enrolment's outcome, as the window
    /// shows them.
    pub fn label(self) -> &'static str {
        match self {
            TrainingStatus::Valid => CertificateStatus::Valid.label(),
            TrainingStatus::Expiring => "Expiring",
            TrainingStatus::Expired => CertificateStatus::Expired.label(),
            TrainingStatus::Fail => Outcome::Fail.label(),
            TrainingStatus::Retest => Outcome::Retest.label(),
            TrainingStatus::Booked => Attendance::Booked.label(),
            TrainingStatus::Revoked => CertificateStatus::Revoked.label(),
            TrainingStatus::DidNotAttend => Outcome::DidNotAttend.label(),
            TrainingStatus::Incomplete => Outcome::Incomplete.label(),
            TrainingStatus::None => "No training on record",
        }
    }

    /// Ink for the status in the PDF: green, amber, red, blue, grey.
    fn colour(self) -> Ink {
        match self {
            TrainingStatus::Valid => (0.09, 0.47, 0.20),
            TrainingStatus::Expiring => (0.76, 0.42, 0.0),
            TrainingStatus::Expired | TrainingStatus::Revoked => (0.72, 0.11, 0.11),
            TrainingStatus::Fail => (0.50, 0.09, 0.09),
            TrainingStatus::Retest => (0.76, 0.42, 0.0),
            TrainingStatus::Booked => (0.12, 0.35, 0.68),
            TrainingStatus::DidNotAttend | TrainingStatus::Incomplete | TrainingStatus::None => (0.42, 0.45, 0.50),
        }
    }
}

/// What a report carries about each employee, as the disclosure log names it.
const REPORTED: [&str; 10] = [
    "name",
    "employee_number",
    "site",
    "course",
    "training_dates",
    "trainer",
    "trainer_registration",
    "certificate_number",
    "expiry",
    "status",
];

/// One line: an employee and one course (or none).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportRow {
    pub candidate_id: Id,
    pub surname: String,
    pub forename: String,
    pub employee_number: Option<String>,
    /// The employee's site or department at the employer, where recorded.
    pub site: Option<String>,
    pub course_code: Option<String>,
    pub course_title: Option<String>,
    pub category: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// The assessor who recorded a result, else the run's first trainer.
    pub trainer: Option<String>,
    /// The trainer's registration number with the course's awarding body.
    pub trainer_registration: Option<String>,
    pub certificate_number: Option<String>,
    pub expires_on: Option<NaiveDate>,
    pub status: TrainingStatus,
    /// This is the employee's latest pass of the course, it is expired or expiring, and no later run
    /// of the course is booked or passed.
    pub refresher_due: bool,
}

impl ReportRow {
    fn name(&self) -> String {
        format!("{} {}", self.forename, self.surname)
    }

    fn status_text(&self) -> String {
        if self.refresher_due {
            format!("{}, refresher due", self.status.label())
        } else {
            self.status.label().to_owned()
        }
    }
}

/// What a report covers.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// The report's date: statuses and "days left" are as of this day.
    pub today: NaiveDate,
    /// "Expiring" means expiring within this many days of `today`.
    pub expiring_within_days: u32,
    /// Only employees at this site or department (matched ignoring case).
    pub site: Option<String>,
}

/// A report for one employer.
#[derive(Clone, Debug, Serialize)]
pub struct EmployerReport {
    pub centre: String,
    pub employer: String,
    pub site: Option<String>,
    pub generated_on: NaiveDate,
    pub expiring_within_days: u32,
    pub rows: Vec<ReportRow>,
    /// Its entry in the disclosure log (`None` for a report not made by the store).
    pub disclosure: Option<Id>,
}

fn uk(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default()
}

impl EmployerReport {
    /// The rows whose course needs a refresher, soonest (most overdue) first.
    pub fn refresher_due(&self) -> impl Iterator<Item = &ReportRow> {
        let mut due: Vec<&ReportRow> = self.rows.iter().filter(|r| r.refresher_due).collect();
        due.sort_by(|a, b| (a.expires_on, &a.surname, &a.forename).cmp(&(b.expires_on, &b.surname, &b.forename)));
        due.into_iter()
    }

    /// The number of distinct employees.
    pub fn employees(&self) -> usize {
        let mut ids: Vec<Id> = self.rows.iter().map(|r| r.candidate_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }

    /// How many employees have a course of each status (people, not lines: someone with two valid
    /// courses counts once under "Valid").
    pub fn counts(&self) -> HashMap<TrainingStatus, usize> {
        let mut seen: HashMap<TrainingStatus, Vec<Id>> = HashMap::new();
        for r in &self.rows {
            seen.entry(r.status).or_default().push(r.candidate_id);
        }
        seen.into_iter()
            .map(|(s, mut ids)| {
                ids.sort_unstable();
                ids.dedup();
                (s, ids.len())
            })
            .collect()
    }

    /// How many employees are due a refresher of at least one course.
    pub fn people_due_refresher(&self) -> usize {
        let mut ids: Vec<Id> = self.refresher_due().map(|r| r.candidate_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }

    /// The CSV column headings, in the order of [`EmployerReport::cells`]. The first eleven keep the
    /// order of earlier versions, so scripts that read them by position still work.
    pub const HEADER: [&'static str; 14] = [
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
        "Category",
        "Trainer registration",
        "Site",
    ];

    /// A row as text cells (UK dates).
    pub fn cells(r: &ReportRow) -> [String; 14] {
        let o = |s: &Option<String>| s.clone().unwrap_or_default();
        [
            r.surname.clone(),
            r.forename.clone(),
            o(&r.employee_number),
            o(&r.course_code),
            o(&r.course_title),
            uk(r.starts_on),
            uk(r.ends_on),
            o(&r.trainer),
            o(&r.certificate_number),
            uk(r.expires_on),
            r.status_text(),
            o(&r.category),
            o(&r.trainer_registration),
            o(&r.site),
        ]
    }

    /// The report as CSV (formula-like cells neutralised).
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = crate::csv_out::CsvOut::new(&Self::HEADER);
        for r in &self.rows {
            out.row(&Self::cells(r));
        }
        out.finish()
    }

    /// The report as an XLSX workbook: a "Training" sheet with every row and a "Refresher due" sheet,
    /// each with a bold, frozen header row, filters on every column, dates as real date cells shown
    /// dd/mm/yyyy, and column widths that fit. Text is always written as text, never as a formula.
    pub fn to_xlsx(&self) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError};

        // The library's messages can quote cell text; ours must not carry personal data.
        let fail = |e: XlsxError| Error::encode("XLSX report")(e);
        let header = Format::new().set_bold().set_background_color("#DCE3EC").set_border_bottom(FormatBorder::Thin);
        let date = Format::new().set_num_format("dd/mm/yyyy");
        let excel_date = |d: NaiveDate| ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8);

        // (heading, width in characters, cell) per column.
        enum Cell {
            Text(String),
            Date(Option<NaiveDate>),
            Number(Option<i64>),
        }
        type Column<'a> = (&'a str, f64, Box<dyn Fn(&ReportRow) -> Cell + 'a>);
        let text = |f: fn(&ReportRow) -> Option<String>| -> Box<dyn Fn(&ReportRow) -> Cell> {
            Box::new(move |r| Cell::Text(f(r).unwrap_or_default()))
        };
        let with_sites = self.rows.iter().any(|r| r.site.is_some());
        let mut common: Vec<Column<'_>> = vec![
            ("Surname", 18.0, text(|r| Some(r.surname.clone()))),
            ("Forename", 16.0, text(|r| Some(r.forename.clone()))),
            ("Employee number", 17.0, text(|r| r.employee_number.clone())),
        ];
        if with_sites {
            common.push(("Site", 16.0, text(|r| r.site.clone())));
        }
        let mut training = common;
        training.extend::<Vec<Column<'_>>>(vec![
            ("Course code", 14.0, text(|r| r.course_code.clone())),
            ("Course", 38.0, text(|r| r.course_title.clone())),
            ("Category", 26.0, text(|r| r.category.clone())),
            ("Start", 12.0, Box::new(|r: &ReportRow| Cell::Date(r.starts_on))),
            ("End", 12.0, Box::new(|r: &ReportRow| Cell::Date(r.ends_on))),
            ("Trainer", 20.0, text(|r| r.trainer.clone())),
            ("Trainer registration", 20.0, text(|r| r.trainer_registration.clone())),
            ("Certificate", 18.0, text(|r| r.certificate_number.clone())),
            ("Expires", 12.0, Box::new(|r: &ReportRow| Cell::Date(r.expires_on))),
            ("Status", 22.0, text(|r| Some(r.status.label().to_owned()))),
            ("Refresher due", 14.0, text(|r| Some(if r.refresher_due { "yes" } else { "no" }.to_owned()))),
        ]);
        let today = self.generated_on;
        let mut due_cols: Vec<Column<'_>> = vec![
            ("Surname", 18.0, text(|r| Some(r.surname.clone()))),
            ("Forename", 16.0, text(|r| Some(r.forename.clone()))),
            ("Employee number", 17.0, text(|r| r.employee_number.clone())),
        ];
        if with_sites {
            due_cols.push(("Site", 16.0, text(|r| r.site.clone())));
        }
        due_cols.extend::<Vec<Column<'_>>>(vec![
            ("Course code", 14.0, text(|r| r.course_code.clone())),
            ("Course", 38.0, text(|r| r.course_title.clone())),
            ("Last trained", 13.0, Box::new(|r: &ReportRow| Cell::Date(r.ends_on))),
            ("Certificate", 18.0, text(|r| r.certificate_number.clone())),
            ("Expires", 12.0, Box::new(|r: &ReportRow| Cell::Date(r.expires_on))),
            (
                "Days left",
                10.0,
                Box::new(move |r: &ReportRow| Cell::Number(r.expires_on.map(|e| (e - today).num_days()))),
            ),
            ("Status", 12.0, text(|r| Some(r.status.label().to_owned()))),
        ]);

        let fill =
            |ws: &mut Worksheet, cols: &[Column<'_>], rows: &[&ReportRow]| -> std::result::Result<(), XlsxError> {
                for (c, (heading, width, _)) in cols.iter().enumerate() {
                    ws.write_string_with_format(0, c as u16, *heading, &header)?;
                    ws.set_column_width(c as u16, *width)?;
                }
                for (i, r) in rows.iter().enumerate() {
                    let row = i as u32 + 1;
                    for (c, (_, _, cell)) in cols.iter().enumerate() {
                        let c = c as u16;
                        match cell(r) {
                            Cell::Text(s) if s.is_empty() => {}
                            Cell::Text(s) => {
                                ws.write_string(row, c, s)?;
                            }
                            Cell::Date(Some(d)) => {
                                ws.write_datetime_with_format(row, c, excel_date(d)?, &date)?;
                            }
                            Cell::Number(Some(n)) => {
                                ws.write_number(row, c, n as f64)?;
                            }
                            Cell::Date(None) | Cell::Number(None) => {}
                        }
                    }
                }
                ws.set_freeze_panes(1, 0)?;
                ws.autofilter(0, 0, rows.len() as u32, cols.len() as u16 - 1)?;
                Ok(())
            };
        let mut book = Workbook::new();
        let all: Vec<&ReportRow> = self.rows.iter().collect();
        let due: Vec<&ReportRow> = self.refresher_due().collect();
        let ws = book.add_worksheet().set_name("Training").map_err(fail)?;
        fill(ws, &training, &all).map_err(fail)?;
        let ws = book.add_worksheet().set_name("Refresher due").map_err(fail)?;
        fill(ws, &due_cols, &due).map_err(fail)?;
        let props = rust_xlsxwriter::DocProperties::new()
            .set_title(format!("Training report: {}", self.employer))
            .set_author(self.centre.as_str())
            .set_comment("Personal data disclosed to the employer for its training records. Made by Centrebook.");
        book.set_properties(&props);
        book.save_to_buffer().map_err(fail)
    }

    /// The report as a PDF: A4 landscape, a title block (centre, employer, site, date, counts), the
    /// training table and then the refresher-due table, each running over as many pages as it needs
    /// with its header row repeated, and "Page X of Y" on every page.
    pub fn to_pdf(&self) -> Vec<u8> {
        let with_sites = self.rows.iter().any(|r| r.site.is_some());
        let mut cols: Vec<Col> = vec![
            Col::new("Employee", 38.0),
            Col::new("Employee number", 25.0),
            Col::new("Course", 52.0),
            Col::new("Training dates", 34.0),
            Col::new("Trainer (reg. no.)", 40.0),
            Col::new("Certificate", 27.0),
            Col::new("Expires", 18.0),
            Col::new("Status", 24.0),
            Col::new("Refresher", 15.0),
        ];
        if with_sites {
            cols[0].width = 34.0;
            cols[2].width = 40.0;
            cols[4].width = 34.0;
            cols.insert(2, Col::new("Site", 22.0));
        }
        let site_at = usize::from(with_sites) * 2;
        let mut body: Vec<TableRow> = Vec::with_capacity(self.rows.len());
        let mut shade = false;
        for (i, r) in self.rows.iter().enumerate() {
            let first = i == 0 || self.rows[i - 1].candidate_id != r.candidate_id;
            shade ^= first;
            let dates = match (r.starts_on, r.ends_on) {
                (Some(s), Some(e)) if s != e => format!("{} – {}", uk(Some(s)), uk(Some(e))),
                (s, _) => uk(s),
            };
            let trainer = match (&r.trainer, &r.trainer_registration) {
                (Some(t), Some(reg)) => format!("{t} ({reg})"),
                (t, _) => t.clone().unwrap_or_default(),
            };
            let mut cells = vec![
                Cell::plain(r.name()),
                Cell::plain(r.employee_number.clone().unwrap_or_default()),
                match &r.course_title {
                    Some(t) => Cell::plain(t.clone()),
                    None => Cell::grey("No training on record".into()),
                },
                Cell::plain(dates),
                Cell::plain(trainer),
                Cell::plain(r.certificate_number.clone().unwrap_or_default()),
                Cell::plain(uk(r.expires_on)),
                if r.course_code.is_some() { Cell::status(r) } else { Cell::plain(String::new()) },
                if r.refresher_due {
                    Cell { text: "Due".into(), ink: ACCENT, bold: true }
                } else {
                    Cell::plain(String::new())
                },
            ];
            if with_sites {
                cells.insert(site_at, Cell::plain(r.site.clone().unwrap_or_default()));
            }
            // The name only opens an employee's group of lines (and each page), as a reader scans it.
            body.push(TableRow { cells, shade, group_start: first });
        }
        let due_rows: Vec<&ReportRow> = self.refresher_due().collect();
        let mut due_cols = vec![
            Col::new("Employee", 42.0),
            Col::new("Employee number", 25.0),
            Col::new("Course", 86.0),
            Col::new("Last trained", 22.0),
            Col::new("Certificate", 30.0),
            Col::new("Expires", 20.0),
            Col::new("Days left", 28.0),
            Col::new("Status", 20.0),
        ];
        if with_sites {
            due_cols[2].width = 64.0;
            due_cols.insert(2, Col::new("Site", 22.0));
        }
        let due_body: Vec<TableRow> = due_rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let days = r.expires_on.map(|e| (e - self.generated_on).num_days());
                let days = match days {
                    Some(d) if d < 0 => Cell::coloured(format!("{} overdue", plural(-d, "day")), (0.72, 0.11, 0.11)),
                    Some(d) => Cell::plain(plural(d, "day")),
                    None => Cell::plain(String::new()),
                };
                let mut cells = vec![
                    Cell::plain(r.name()),
                    Cell::plain(r.employee_number.clone().unwrap_or_default()),
                    Cell::plain(r.course_title.clone().unwrap_or_default()),
                    Cell::plain(uk(r.ends_on)),
                    Cell::plain(r.certificate_number.clone().unwrap_or_default()),
                    Cell::plain(uk(r.expires_on)),
                    days,
                    Cell { text: r.status.label().to_owned(), ink: r.status.colour(), bold: true },
                ];
                if with_sites {
                    cells.insert(2, Cell::plain(r.site.clone().unwrap_or_default()));
                }
                TableRow { cells, shade: i % 2 == 1, group_start: true }
            })
            .collect();

        let mut pdf = ReportPdf::new(self);
        pdf.title_block();
        pdf.table(&cols, &body, None, "No current employees are on record for this employer.");
        pdf.table(
            &due_cols,
            &due_body,
            Some(&format!("Refresher due: {}", plural(self.people_due_refresher() as i64, "employee"))),
            "No refresher is due: nothing has expired or expires within the window.",
        );
        pdf.finish()
    }
}

fn plural(n: i64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

// ---- PDF drawing ----------------------------------------------------------------------------------

const PAGE_W: f32 = A4_LANDSCAPE.0;
const PAGE_H: f32 = A4_LANDSCAPE.1;
const MARGIN: f32 = 12.0;
const ROW_H: f32 = 5.6;
const HEAD_H: f32 = 7.0;
const BODY_PT: f32 = 7.5;
const INK: Ink = (0.13, 0.15, 0.18);
const MUTED: Ink = (0.42, 0.45, 0.50);
const ACCENT: Ink = (0.16, 0.25, 0.38);
/// The lowest a table row's bottom may go: above the footer.
const BODY_BOTTOM: f32 = PAGE_H - MARGIN - 7.0;

struct Col {
    heading: &'static str,
    width: f32,
}

impl Col {
    fn new(heading: &'static str, width: f32) -> Col {
        Col { heading, width }
    }
}

struct Cell {
    text: String,
    ink: Ink,
    bold: bool,
}

impl Cell {
    fn plain(text: String) -> Cell {
        Cell { text, ink: INK, bold: false }
    }

    fn grey(text: String) -> Cell {
        Cell { text, ink: MUTED, bold: false }
    }

    fn coloured(text: String, ink: Ink) -> Cell {
        Cell { text, ink, bold: false }
    }

    fn status(r: &ReportRow) -> Cell {
        Cell { text: r.status.label().to_owned(), ink: r.status.colour(), bold: true }
    }
}

struct TableRow {
    cells: Vec<Cell>,
    shade: bool,
    /// The first line of an employee's group: its first cell is printed (else only at a page's top).
    group_start: bool,
}

/// `s` at a size that fits `width` mm (down to 6 pt), cut with "…" if it still does not fit.
fn fit(face: Face, s: &str, size: f32, width: f32) -> (String, f32) {
    fonts::fit(face, s, size, 6.0, width)
}

struct ReportPdf<'a> {
    report: &'a EmployerReport,
    doc: Doc,
    pages: Vec<Page>,
    /// The page being drawn on.
    current: usize,
    /// Where the next thing goes on the current page (mm from the top).
    y: f32,
}

impl<'a> ReportPdf<'a> {
    fn new(report: &'a EmployerReport) -> Self {
        let title = format!("Training report: {}", report.employer);
        let doc = Doc::handed_over(&title, &report.centre, "Employer training report");
        ReportPdf { report, doc, pages: Vec::new(), current: 0, y: 0.0 }
    }

    // On the current page: the report goes back to earlier pages for their footers.

    #[allow(clippy::too_many_arguments)]
    fn text(&mut self, face: Face, size: f32, ink: Ink, x: f32, baseline: f32, align: Align, s: &str) {
        self.pages[self.current].text(face, size, ink, x, baseline, align, s);
    }

    fn fill_rect(&mut self, ink: Ink, x: f32, top: f32, w: f32, h: f32) {
        self.pages[self.current].fill_rect(ink, x, top, w, h);
    }

    fn hline(&mut self, ink: Ink, thickness_pt: f32, x1: f32, x2: f32, y: f32) {
        self.pages[self.current].line(ink, thickness_pt, (x1, y), (x2, y));
    }

    /// A new page with the running header (every page but the first, which has the title block).
    fn new_page(&mut self) {
        self.pages.push(self.doc.page(PAGE_W, PAGE_H));
        self.current = self.pages.len() - 1;
        if self.pages.len() == 1 {
            self.y = MARGIN;
            return;
        }
        let r = self.report;
        let left =
            format!("Training report: {}{}", r.employer, r.site.as_ref().map(|s| format!(", {s}")).unwrap_or_default());
        let right = format!("{} · {}", r.centre, r.generated_on.format("%d/%m/%Y"));
        self.text(Face::Bold, 8.5, ACCENT, MARGIN, MARGIN + 3.5, Align::Left, &left);
        self.text(Face::Regular, 8.0, MUTED, PAGE_W - MARGIN, MARGIN + 3.5, Align::Right, &right);
        self.hline((0.80, 0.83, 0.87), 0.5, MARGIN, PAGE_W - MARGIN, MARGIN + 6.0);
        self.y = MARGIN + 10.0;
    }

    fn title_block(&mut self) {
        self.new_page();
        let r = self.report;
        // An accent band across the top of the first page.
        self.fill_rect(ACCENT, 0.0, 0.0, PAGE_W, 4.0);
        self.text(Face::Bold, 10.0, ACCENT, MARGIN, MARGIN + 4.0, Align::Left, &r.centre.to_uppercase());
        self.text(
            Face::Bold,
            18.0,
            INK,
            MARGIN,
            MARGIN + 13.0,
            Align::Left,
            &format!("Training report: {}", r.employer),
        );
        let mut facts = vec![format!("Report date {}", r.generated_on.format("%-d %B %Y"))];
        if let Some(site) = &r.site {
            facts.push(format!("Site: {site}"));
        }
        facts.push(format!(
            "{} employees, {} course records",
            r.employees(),
            r.rows.iter().filter(|r| r.course_code.is_some()).count()
        ));
        facts.push(format!("\"Expiring\" means within {} days", r.expiring_within_days));
        self.text(Face::Regular, 9.0, MUTED, MARGIN, MARGIN + 20.0, Align::Left, &facts.join("   ·   "));
        // The counts of employees, as a key to the status colours.
        let counts = r.counts();
        let due = r.people_due_refresher();
        let y = MARGIN + 27.0;
        self.text(Face::Regular, 8.5, MUTED, MARGIN, y, Align::Left, "Employees:");
        let mut x = MARGIN + width_mm(Face::Regular, "Employees:", 8.5) + 3.0;
        let mut chips: Vec<(String, Ink)> = [
            TrainingStatus::Valid,
            TrainingStatus::Expiring,
            TrainingStatus::Expired,
            TrainingStatus::Fail,
            TrainingStatus::Retest,
            TrainingStatus::Booked,
            TrainingStatus::Revoked,
        ]
        .iter()
        .filter(|s| {
            counts.get(s).is_some_and(|n| *n > 0)
                || matches!(s, TrainingStatus::Valid | TrainingStatus::Expiring | TrainingStatus::Expired)
        })
        .map(|s| (format!("{} {}", s.label(), counts.get(s).copied().unwrap_or(0)), s.colour()))
        .collect();
        chips.push((format!("Refresher due {due}"), ACCENT));
        for (label, colour) in chips {
            self.fill_rect(colour, x, y - 2.6, 2.6, 2.6);
            self.text(Face::Bold, 8.5, INK, x + 4.0, y, Align::Left, &label);
            x += 4.0 + width_mm(Face::Bold, &label, 8.5) + 7.0;
        }
        self.hline((0.80, 0.83, 0.87), 0.6, MARGIN, PAGE_W - MARGIN, MARGIN + 31.0);
        self.y = MARGIN + 37.0;
    }

    fn header_row(&mut self, cols: &[Col]) {
        let table_w: f32 = cols.iter().map(|c| c.width).sum();
        let top = self.y;
        self.fill_rect(ACCENT, MARGIN, top, table_w, HEAD_H);
        // One size for every heading: the largest at which the widest fits its column.
        let size = cols.iter().map(|c| fit(Face::Bold, c.heading, 7.5, c.width - 2.4).1).fold(7.5, f32::min);
        let mut x = MARGIN;
        for c in cols {
            let (s, size) = fit(Face::Bold, c.heading, size, c.width - 2.4);
            self.text(Face::Bold, size, (1.0, 1.0, 1.0), x + 1.2, top + 4.6, Align::Left, &s);
            x += c.width;
        }
        self.y += HEAD_H;
    }

    /// A table from the current position, over as many pages as needed, the header row on each.
    fn table(&mut self, cols: &[Col], rows: &[TableRow], heading: Option<&str>, empty: &str) {
        const HEADING_H: f32 = 9.0;
        let table_w: f32 = cols.iter().map(|c| c.width).sum();
        if let Some(h) = heading {
            // Start a new page rather than strand a heading above fewer than three rows.
            let needed = HEADING_H + HEAD_H + ROW_H * rows.len().clamp(1, 3) as f32;
            if self.y + 4.0 + needed > BODY_BOTTOM {
                self.new_page();
            } else {
                self.y += 4.0;
            }
            self.text(Face::Bold, 12.0, INK, MARGIN, self.y + 5.5, Align::Left, h);
            self.y += HEADING_H;
        }
        self.header_row(cols);
        if rows.is_empty() {
            self.text(Face::Regular, BODY_PT, MUTED, MARGIN + 1.2, self.y + 4.0, Align::Left, empty);
            self.y += ROW_H;
            return;
        }
        let mut page_top = true;
        for row in rows {
            if self.y + ROW_H > BODY_BOTTOM {
                self.new_page();
                self.header_row(cols);
                page_top = true;
            }
            if row.shade {
                self.fill_rect((0.955, 0.965, 0.975), MARGIN, self.y, table_w, ROW_H);
            }
            if row.group_start && !page_top {
                self.hline((0.78, 0.81, 0.85), 0.5, MARGIN, MARGIN + table_w, self.y);
            }
            let mut x = MARGIN;
            for (i, (cell, col)) in row.cells.iter().zip(cols).enumerate() {
                let repeat = row.group_start || page_top;
                if !cell.text.is_empty() && (i > 1 || repeat) {
                    let face = if cell.bold { Face::Bold } else { Face::Regular };
                    let (s, size) = fit(face, &cell.text, BODY_PT, col.width - 2.4);
                    self.text(face, size, cell.ink, x + 1.2, self.y + 3.9, Align::Left, &s);
                }
                x += col.width;
            }
            self.y += ROW_H;
            page_top = false;
        }
        self.hline((0.78, 0.81, 0.85), 0.5, MARGIN, MARGIN + table_w, self.y);
    }

    fn finish(mut self) -> Vec<u8> {
        let total = self.pages.len();
        let note = format!(
            "Confidential: personal data disclosed to {} for its training records, employer-visible fields only.",
            self.report.employer
        );
        for i in 0..total {
            // Footers go on each page once the page count is known.
            self.current = i;
            let footer_y = PAGE_H - MARGIN + 2.0;
            self.hline((0.80, 0.83, 0.87), 0.5, MARGIN, PAGE_W - MARGIN, footer_y - 4.0);
            let (s, size) = fit(Face::Regular, &note, 7.0, 200.0);
            self.text(Face::Regular, size, MUTED, MARGIN, footer_y, Align::Left, &s);
            let n = format!("Page {} of {total}", i + 1);
            self.text(Face::Regular, 7.5, INK, PAGE_W - MARGIN, footer_y, Align::Right, &n);
        }
        for page in self.pages {
            self.doc.add(page);
        }
        self.doc.finish()
    }
}

// ---- Building the report --------------------------------------------------------------------------

fn parse_date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| s.parse().ok())
}

/// Marks each row whose refresher is due: an expired or expiring pass with no later pass or booking of
/// the same course for the same employee (a later failed attempt leaves it due).
fn mark_refreshers(rows: &mut [ReportRow]) {
    let mut latest: HashMap<(Id, &str), NaiveDate> = HashMap::new();
    for r in rows.iter() {
        let counts = matches!(
            r.status,
            TrainingStatus::Valid | TrainingStatus::Expiring | TrainingStatus::Expired | TrainingStatus::Booked
        );
        if let (true, Some(code), Some(start)) = (counts, r.course_code.as_deref(), r.starts_on) {
            let e = latest.entry((r.candidate_id, code)).or_insert(start);
            *e = (*e).max(start);
        }
    }
    let due: Vec<bool> = rows
        .iter()
        .map(|r| {
            matches!(r.status, TrainingStatus::Expired | TrainingStatus::Expiring)
                && match (r.course_code.as_deref(), r.starts_on) {
                    (Some(code), Some(start)) => latest.get(&(r.candidate_id, code)).is_none_or(|l| *l <= start),
                    _ => false,
                }
        })
        .collect();
    for (r, d) in rows.iter_mut().zip(due) {
        r.refresher_due = d;
    }
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
        self.employer_report_with(actor, employer, &ReportOptions { today, expiring_within_days, site: None })
    }

    /// The training report for an employer's current employees, optionally of one site (admin and
    /// office), logged as a disclosure to that employer.
    pub fn employer_report_with(
        &mut self,
        actor: &Actor,
        employer: Id,
        opts: &ReportOptions,
    ) -> Result<EmployerReport> {
        actor.require(Permission::EditRecords)?;
        let today = opts.today;
        let name: String = self
            .conn()
            .query_row("SELECT name FROM employers WHERE id = ?1", [employer], |r| r.get(0))
            .map_err(|_| Error::NotFound { what: "employer", name: employer.to_string() })?;
        let site = opts.site.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        // The trainer is the assessor who recorded a result, else the run's first trainer (as on the
        // certificate); the registration is theirs with the course's awarding body.
        let sql = "SELECT k.id, k.surname, k.forename, em.employee_number, em.site, co.code, co.title, co.category,
                r.starts_on, r.ends_on, n.status, coalesce(o.override, o.computed), co.validity_months, r.assessment_on,
                t.name,
                (SELECT tr.number FROM trainer_registrations tr JOIN awarding_bodies ab ON ab.id = co.awarding_body_id
                 WHERE tr.trainer_id = t.id AND (tr.scheme = ab.code COLLATE NOCASE OR tr.scheme = ab.name COLLATE NOCASE)
                 LIMIT 1),
                c.number, c.expires_on, (v.number IS NOT NULL)
            FROM employments em JOIN candidates k ON k.id = em.candidate_id
            LEFT JOIN enrolments n ON n.candidate_id = k.id AND n.status != 'withdrawn' AND n.employer_id = em.employer_id
            LEFT JOIN course_runs r ON r.id = n.run_id LEFT JOIN courses co ON co.id = r.course_id
            LEFT JOIN outcomes o ON o.enrolment_id = n.id
            LEFT JOIN trainers t ON t.id = coalesce(
                (SELECT s.assessor_id FROM results s WHERE s.enrolment_id = n.id AND s.assessor_id IS NOT NULL
                 ORDER BY s.updated_at DESC LIMIT 1),
                (SELECT rt.trainer_id FROM run_trainers rt JOIN trainers t2 ON t2.id = rt.trainer_id
                 WHERE rt.run_id = r.id ORDER BY t2.name LIMIT 1))
            LEFT JOIN certificates c ON c.enrolment_id = n.id AND c.superseded_at IS NULL
            LEFT JOIN certificate_revocations v ON v.number = c.number
            WHERE em.employer_id = ?1 AND em.ended_on IS NULL AND k.merged_into IS NULL AND k.restricted = 0
              AND (?2 IS NULL OR em.site = ?2 COLLATE NOCASE)
            ORDER BY k.surname COLLATE NOCASE, k.forename COLLATE NOCASE, k.id, r.starts_on, co.code";
        let horizon = today + chrono::Duration::days(i64::from(opts.expiring_within_days));
        let mut rows: Vec<ReportRow> = Vec::new();
        {
            let mut stmt = self.conn().prepare(sql)?;
            let mut q = stmt.query(rusqlite::params![employer, site])?;
            while let Some(r) = q.next()? {
                let course_code: Option<String> = r.get(5)?;
                let starts_on = parse_date(r.get(8)?);
                let ends_on = parse_date(r.get(9)?);
                let attendance: Option<String> = r.get(10)?;
                let outcome: Option<String> = r.get(11)?;
                let validity: Option<u32> = r.get(12)?;
                let assessed = parse_date(r.get(13)?);
                let cert_expiry = parse_date(r.get(17)?);
                let revoked: bool = r.get::<_, Option<bool>>(18)?.unwrap_or(false);
                let expires_on = cert_expiry.or_else(|| {
                    (outcome.as_deref() == Some("pass"))
                        .then(|| validity.and_then(|m| assessed.or(ends_on)?.checked_add_months(Months::new(m))))
                        .flatten()
                });
                let status = match (course_code.as_ref(), outcome.as_deref()) {
                    (None, _) => TrainingStatus::None,
                    (Some(_), Some("pass")) if revoked => TrainingStatus::Revoked,
                    (Some(_), Some("pass")) => match expires_on {
                        Some(e) if e < today => TrainingStatus::Expired,
                        Some(e) if e <= horizon => TrainingStatus::Expiring,
                        _ => TrainingStatus::Valid,
                    },
                    (Some(_), Some("fail")) => TrainingStatus::Fail,
                    (Some(_), Some("retest")) => TrainingStatus::Retest,
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
                    site: r.get(4)?,
                    course_code,
                    course_title: r.get(6)?,
                    category: r.get(7)?,
                    starts_on,
                    ends_on,
                    trainer: r.get(14)?,
                    trainer_registration: r.get(15)?,
                    certificate_number: r.get(16)?,
                    expires_on,
                    status,
                    refresher_due: false,
                });
            }
        }
        mark_refreshers(&mut rows);
        let report = EmployerReport {
            centre: self.centre_name()?,
            employer: name.clone(),
            site: site.clone(),
            generated_on: today,
            expiring_within_days: opts.expiring_within_days,
            rows,
            disclosure: None,
        };
        let mut people: Vec<Id> = report.rows.iter().map(|r| r.candidate_id).collect();
        people.dedup();
        let mut report = report;
        report.disclosure = Some(self.write(|tx| {
            let purpose = match &site {
                Some(_) => "employer training report (one site)",
                None => "employer training report",
            };
            let fields: Vec<String> = REPORTED.iter().map(|f| (*f).to_owned()).collect();
            let listed: Vec<(Id, Vec<String>)> = people.iter().map(|p| (*p, fields.clone())).collect();
            let out = Output {
                kind: OutputKind::EmployerReport,
                recipient_kind: RecipientKind::Employer,
                recipient: &name,
                purpose,
                file: None,
                people: &listed,
            };
            let disclosure = disclosures::log(tx, actor, &out)?;
            let sid = employer.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "report.employer",
                Subject { entity: "employer", id: Some(&sid) },
                &[
                    FieldChange::created("employees", people.len() as i64),
                    FieldChange::created("disclosure", disclosure.to_string()),
                ],
            )?;
            Ok(disclosure)
        })?);
        Ok(report)
    }

    /// Names the file a report was saved as (its name and SHA-256) in the report's disclosure-log
    /// entry, so the file itself answers `disclosure affected` after a loss (admin and office;
    /// audited). An entry names one file: a second is refused.
    pub fn note_report_file(
        &mut self,
        actor: &Actor,
        report: &EmployerReport,
        out: &std::path::Path,
        bytes: &[u8],
    ) -> Result<()> {
        actor.require(Permission::EditRecords)?;
        let disclosure =
            report.disclosure.ok_or(Error::Internal("a report made outside the store has no log entry"))?;
        let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let sha = crate::crypto::hex(&crate::crypto::sha256(&[bytes]));
        self.write(|tx| {
            let named = tx.execute(
                "UPDATE disclosures SET file_name = ?2, file_sha256 = ?3 WHERE id = ?1 AND file_sha256 IS NULL",
                rusqlite::params![disclosure, name, sha],
            )?;
            if named != 1 {
                return Err(Error::invalid("report", "its log entry already names a file"));
            }
            let did = disclosure.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "report.file",
                Subject { entity: "disclosure", id: Some(&did) },
                &[FieldChange::created("sha256", sha.clone())],
            )
        })
    }

    /// The sites recorded for an employer's current employees, for narrowing a report (admin and office).
    pub fn employer_sites(&self, actor: &Actor, employer: Id) -> Result<Vec<String>> {
        actor.require(Permission::EditRecords)?;
        let sites = self
            .conn()
            .prepare(
                "SELECT DISTINCT site FROM employments WHERE employer_id = ?1 AND ended_on IS NULL AND site IS NOT NULL
                 ORDER BY site COLLATE NOCASE",
            )?
            .query_map([employer], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(sites)
    }
}

#[cfg(test)]
mod tests;
