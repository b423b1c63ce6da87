//! Importing candidates from a spreadsheet (CSV in any encoding and delimiter Excel writes, or XLSX).
//!
//! Each row gets a fate: `imported`, `warned` (imported, worth a second look), `matched` (the same
//! person is already registered, or came earlier in the file: nothing written) or `rejected` (with
//! the column and the reason; a match another key contradicts, such as the same NI number with a
//! different name and date of birth, is rejected as a conflict for a person to decide, see
//! `records::contradictions`). Good rows land with an audit entry each and one `import.candidates`
//! entry with the counts, a short batch per transaction and all or nothing (see `runs`); a dry run
//! classifies the same way in one transaction that is rolled back, so its fates are exactly those of
//! the real run. Re-running a file changes nothing.
//!
//! Reasons name the column and the field and say why; they never carry the value, which may be
//! someone's name or identifier. Spreadsheet damage (scientific notation, dropped leading zeros) is
//! flagged, never stored silently. Values that look like formulas are stored as the text typed.

mod mapping;
mod read;
mod runs;

pub(crate) use runs::{any_open as any_open_run, recover as recover_runs};
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::path::Path;

use crate::store::Tx;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use mapping::{Field, Mapping};

use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::csv_out::CsvOut;
use crate::records::candidates::{self, Valid};
use crate::records::duplicates::{match_person, PersonMatch};
use crate::records::{employers, CandidateForm, CandidateMatch, Contradiction, EmployerForm, MatchReason};
use crate::{Error, Id, Result, Store};

/// How to import.
#[derive(Clone, Debug, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ImportOptions {
    /// Classify every row and write nothing.
    pub dry_run: bool,
    /// Every row's employer (an existing employer's exact name); its saved mapping is used.
    pub employer: Option<String>,
    /// Create employers named in the employer column that do not exist yet.
    pub create_employers: bool,
    /// Field → column header, replacing the guess; an empty header unmaps the field. The address
    /// may be named several times (its columns are joined in that order).
    pub overrides: Vec<(Field, String)>,
    /// Save the mapping used, for `employer` or as the centre's default.
    pub save_mapping: bool,
    /// The worksheet to read (XLSX); the first when `None`.
    pub sheet: Option<String>,
}

/// What became of a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    /// Written.
    Imported,
    /// Written, with warnings.
    Warned,
    /// Already registered (or earlier in the file): nothing written.
    Matched,
    /// Not written: a value is wrong.
    Rejected,
}

/// One thing wrong with, or worth knowing about, a row.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Problem {
    /// The column header, when one column is to blame.
    pub column: Option<String>,
    /// Why, without the value.
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "column {c:?}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

/// A row's fate.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RowFate {
    /// The line in the CSV file (a quoted value may span lines) or the row in the sheet, from 1.
    pub line: u64,
    /// What became of it.
    pub status: RowStatus,
    /// Why (rejected), what to check (warned), or whom it matched (matched).
    pub reasons: Vec<String>,
    /// The new record (imported, warned; not on a dry run) or the existing one (matched, or rejected
    /// for a conflict with it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub candidate_id: Option<Id>,
    /// The reasons with their columns (the window shows the column apart from the reason).
    pub problems: Vec<Problem>,
}

/// How many rows had each fate.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Counts {
    /// Imported without warnings.
    pub imported: usize,
    /// Imported with warnings.
    pub warned: usize,
    /// Already registered.
    pub matched: usize,
    /// Refused.
    pub rejected: usize,
    /// Empty rows, skipped.
    pub blank: usize,
}

/// The outcome of an import.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ImportReport {
    /// Nothing was written.
    pub dry_run: bool,
    /// "csv" or "xlsx".
    pub format: &'static str,
    /// The text encoding found, e.g. "UTF-8 (with BOM)", "Windows-1252"; "xlsx" for a workbook.
    pub encoding: &'static str,
    /// The CSV delimiter found.
    pub delimiter: Option<char>,
    /// The file's column headers, trimmed, in order (empty for a column without one).
    pub headers: Vec<String>,
    /// The mapping used: field → column header(s).
    pub mapping: Mapping,
    /// Columns no field was taken from.
    pub ignored_columns: Vec<String>,
    /// Employers created from the employer column (or that would be, on a dry run).
    pub employers_created: Vec<String>,
    /// The mapping was saved (or changed).
    pub mapping_saved: bool,
    /// Rows per fate.
    pub counts: Counts,
    /// Every non-blank row, in file order.
    pub rows: Vec<RowFate>,
}

/// How far an import has got: rows classified (and, unless a dry run, written) of the file's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ImportProgress {
    pub done: u64,
    pub total: u64,
}

impl ImportReport {
    /// Whether any row was rejected.
    pub fn has_rejections(&self) -> bool {
        self.counts.rejected > 0
    }
}

/// The rejected rows as CSV (line, column, reason) for the person fixing the file; every cell is
/// neutralised against formulas. Values are never included.
pub fn errors_csv(report: &ImportReport) -> Vec<u8> {
    let mut out = CsvOut::new(&["line", "column", "reason"]);
    for row in report.rows.iter().filter(|r| r.status == RowStatus::Rejected) {
        for p in &row.problems {
            out.row(&[row.line.to_string().as_str(), p.column.as_deref().unwrap_or(""), p.reason.as_str()]);
        }
    }
    out.finish()
}

/// The import reader alone, for the `import_read` fuzz target: reads CSV or XLSX bytes as an import
/// does (limits included) and gives the header's width and the number of data rows.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub fn fuzz_read(bytes: &[u8], sheet: Option<&str>) -> Result<(usize, usize)> {
    read::read(bytes, sheet).map(|t| (t.header.len(), t.rows.len()))
}

impl Store {
    /// Imports candidates from a CSV or XLSX file (admin and office). See [`import_candidates_bytes`].
    ///
    /// [`import_candidates_bytes`]: Store::import_candidates_bytes
    pub fn import_candidates(
        &mut self,
        actor: &Actor,
        file: &Path,
        options: &ImportOptions,
        today: NaiveDate,
    ) -> Result<ImportReport> {
        actor.require(Permission::EditRecords)?;
        // A file past the size limit is refused before it is read into memory.
        read::check_size(std::fs::metadata(file).map_err(Error::io("read", file))?.len())?;
        let bytes = std::fs::read(file).map_err(Error::io("read", file))?;
        self.import_candidates_bytes(actor, &bytes, options, today)
    }

    /// Imports candidates from the bytes of a CSV or XLSX file (admin and office). A file that cannot
    /// be read, or lacks a forename or surname column, is refused whole; otherwise every row gets a
    /// fate and the good ones are written together (unless `dry_run`).
    pub fn import_candidates_bytes(
        &mut self,
        actor: &Actor,
        bytes: &[u8],
        options: &ImportOptions,
        today: NaiveDate,
    ) -> Result<ImportReport> {
        self.import_candidates_watched(actor, bytes, options, today, &mut |_| ControlFlow::Continue(()))
    }

    /// [`import_candidates_bytes`], reporting after each row. The rows are written a short batch at a
    /// time, so other saves never wait long behind a large file; the import is still all or nothing:
    /// when `progress` answers `Break` (then [`Error::Cancelled`]), or anything fails, what the
    /// batches wrote is undone before this returns, and an import a killed process left unfinished
    /// is undone when the store is next opened (see `runs`). A dry run writes nothing.
    ///
    /// [`import_candidates_bytes`]: Store::import_candidates_bytes
    pub fn import_candidates_watched(
        &mut self,
        actor: &Actor,
        bytes: &[u8],
        options: &ImportOptions,
        today: NaiveDate,
        progress: &mut dyn FnMut(ImportProgress) -> ControlFlow<()>,
    ) -> Result<ImportReport> {
        actor.require(Permission::EditRecords)?;
        if options.employer.is_some() && options.create_employers {
            return Err(Error::invalid(
                "import",
                "choose one employer for the whole file, or let the import add the employers the file names, not both",
            ));
        }
        let table = read::read(bytes, options.sheet.as_deref())?;
        let fixed = options.employer.as_deref().map(|n| self.employer_named(actor, n)).transpose()?.map(|e| e.id);
        let saved = mapping::load(self.conn(), fixed)?;
        let mut cols = mapping::build(&table.header, saved.as_ref(), &options.overrides)?;
        if fixed.is_some() {
            cols.remove(&Field::Employer);
        }
        for (field, example) in [(Field::Forename, "First name"), (Field::Surname, "Last name")] {
            if !cols.contains_key(&field) {
                return Err(Error::invalid(
                    "import file",
                    format!(
                        "has no {} column (looked for headers like {example:?}); say which column holds the {}",
                        field.name(),
                        field.name()
                    ),
                ));
            }
        }
        if options.create_employers && !cols.contains_key(&Field::Employer) {
            return Err(Error::invalid(
                "import file",
                "has no employer column to add employers from (looked for headers like \"Company\"); \
                 say which column holds the employer",
            ));
        }
        let mapping = mapping::named(&table.header, &cols);
        let used: Vec<usize> = cols.values().flatten().copied().collect();
        let ignored_columns = table
            .header
            .iter()
            .enumerate()
            .filter(|(i, h)| !used.contains(i) && (!h.trim().is_empty() || column_has_data(&table, *i)))
            .map(
                |(i, h)| {
                    if h.trim().is_empty() {
                        format!("(column {}, no header)", i + 1)
                    } else {
                        h.trim().to_owned()
                    }
                },
            )
            .collect();

        let mut job = Job { table: &table, cols: &cols, fixed, options, today, actor, mapping: &mapping, run: None };
        let outcome = if options.dry_run {
            // The same work in a transaction that is never committed: the fates are the real run's.
            self.rehearse(|tx| job.run(tx, progress))?
        } else {
            job.run = Some(runs::Run::new());
            runs::in_batches(self, &job, progress)?
        };
        let mut counts = Counts { blank: outcome.blank, ..Counts::default() };
        for r in &outcome.rows {
            *match r.status {
                RowStatus::Imported => &mut counts.imported,
                RowStatus::Warned => &mut counts.warned,
                RowStatus::Matched => &mut counts.matched,
                RowStatus::Rejected => &mut counts.rejected,
            } += 1;
        }
        Ok(ImportReport {
            dry_run: options.dry_run,
            format: table.format,
            encoding: table.encoding,
            delimiter: table.delimiter,
            headers: table.header.iter().map(|h| h.trim().to_owned()).collect(),
            mapping,
            ignored_columns,
            employers_created: outcome.employers_created,
            mapping_saved: outcome.mapping_saved,
            counts,
            rows: outcome.rows,
        })
    }
}

fn column_has_data(table: &read::Table, i: usize) -> bool {
    table.rows.iter().any(|r| r.cells.get(i).is_some_and(|c| !c.trim().is_empty()))
}

struct Job<'a> {
    table: &'a read::Table,
    cols: &'a BTreeMap<Field, Vec<usize>>,
    fixed: Option<Id>,
    options: &'a ImportOptions,
    today: NaiveDate,
    actor: &'a Actor,
    mapping: &'a Mapping,
    /// The import run the written rows are marked with (a real import); `None` in a dry run.
    run: Option<runs::Run>,
}

/// How far a run through the rows has got: carried from one batch's transaction to the next.
#[derive(Default)]
struct Progressing {
    widths: HashMap<String, usize>,
    employers: EmployerLookup,
    employers_created: Vec<String>,
    this_run: HashMap<Id, u64>,
    rows: Vec<RowFate>,
    blank: usize,
    /// The next row to read.
    next: usize,
}

struct Outcome {
    rows: Vec<RowFate>,
    blank: usize,
    employers_created: Vec<String>,
    mapping_saved: bool,
}

/// An employer column's value, resolved once per distinct name.
type EmployerLookup = HashMap<String, std::result::Result<Id, String>>;

const SPREADSHEET_ERRORS: [&str; 8] = ["#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#DATA!"];

/// "1.23E+05", "7.7009E+09": what a spreadsheet shows for a long number it has stopped storing exactly.
fn scientific(s: &str) -> bool {
    let Some((mantissa, exp)) = s.split_once(['e', 'E']) else { return false };
    let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    let mantissa = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    !int.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit())
        && !exp.is_empty()
        && exp.chars().all(|c| c.is_ascii_digit())
}

/// A UK number that a spreadsheet stored as a number, dropping its leading 0 ("7700900123").
fn lost_leading_zero(s: &str) -> bool {
    let compact: String = s.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
    compact.len() >= 9
        && compact.len() <= 10
        && compact.chars().all(|c| c.is_ascii_digit())
        && !compact.starts_with('0')
        && !compact.starts_with("44")
}

impl Job<'_> {
    fn header(&self, field: Field) -> Option<String> {
        let cols = self.cols.get(&field)?;
        Some(cols.iter().map(|&i| self.table.header[i].trim()).collect::<Vec<_>>().join(" + "))
    }

    /// The columns of several fields, joined as one address's columns are.
    fn headers(&self, fields: &[Field]) -> Option<String> {
        let named: Vec<String> = fields.iter().filter_map(|&f| self.header(f)).collect();
        (!named.is_empty()).then(|| named.join(" + "))
    }

    /// The row's value for `field`, trimmed; address columns joined by newlines.
    fn value(&self, cells: &[String], field: Field) -> Option<String> {
        let parts: Vec<&str> = self
            .cols
            .get(&field)?
            .iter()
            .filter_map(|&i| cells.get(i).map(|c| c.trim()))
            .filter(|c| !c.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join("\n"))
    }

    fn employer_key(&self, cells: &[String]) -> String {
        if self.fixed.is_some() {
            String::new()
        } else {
            self.value(cells, Field::Employer).unwrap_or_default().to_lowercase()
        }
    }

    /// Per employer, the width of the zero-padded employee numbers, where the column shows padding.
    fn padded_widths(&self) -> HashMap<String, usize> {
        let mut lengths: HashMap<String, HashMap<usize, (usize, bool)>> = HashMap::new();
        for row in &self.table.rows {
            if let Some(n) = self.value(&row.cells, Field::EmployeeNumber) {
                if n.chars().all(|c| c.is_ascii_digit()) {
                    let e = lengths.entry(self.employer_key(&row.cells)).or_default().entry(n.len()).or_default();
                    e.0 += 1;
                    e.1 |= n.starts_with('0');
                }
            }
        }
        lengths
            .into_iter()
            .filter_map(|(k, by_len)| {
                let total: usize = by_len.values().map(|v| v.0).sum();
                let (&width, &(count, padded)) = by_len.iter().max_by_key(|(len, v)| (v.0, **len))?;
                (padded && count >= 2 && count * 2 > total).then_some((k, width))
            })
            .collect()
    }

    /// Every row and the ending in one transaction (a dry run's rehearsal).
    fn run(&self, tx: &Tx<'_>, progress: &mut dyn FnMut(ImportProgress) -> ControlFlow<()>) -> Result<Outcome> {
        let mut state = self.begin();
        self.rows(tx, &mut state, progress, &mut || false)?;
        self.finish(tx, state, progress)
    }

    /// The state before the first row.
    fn begin(&self) -> Progressing {
        Progressing { widths: self.padded_widths(), ..Progressing::default() }
    }

    /// Classifies (and writes) rows from where `state` stopped, until the file ends or `enough` says
    /// this transaction has held the store long enough.
    fn rows(
        &self,
        tx: &Tx<'_>,
        state: &mut Progressing,
        progress: &mut dyn FnMut(ImportProgress) -> ControlFlow<()>,
        enough: &mut dyn FnMut() -> bool,
    ) -> Result<()> {
        let Progressing { widths, employers, employers_created, this_run, rows, blank, next } = state;
        let header_len = self.table.header.len();
        let total = self.table.rows.len() as u64;
        while *next < self.table.rows.len() && !enough() {
            let (done, row) = (*next, &self.table.rows[*next]);
            *next += 1;
            if progress(ImportProgress { done: done as u64, total }).is_break() {
                return Err(Error::Cancelled);
            }
            if row.cells.iter().all(|c| c.trim().is_empty()) {
                *blank += 1;
                continue;
            }
            let mut problems = Vec::new();
            let mut warnings = Vec::new();
            if row.cells.iter().skip(header_len).any(|c| !c.trim().is_empty()) {
                problems.push(Problem {
                    column: None,
                    reason: format!(
                        "has more cells than the header's {header_len} columns: a value probably holds an unquoted delimiter"
                    ),
                });
            }
            let get = |f| self.value(&row.cells, f);
            for (field, cols) in self.cols {
                for &i in cols {
                    let cell = row.cells.get(i).map_or("", |c| c.trim());
                    let column = Some(self.table.header[i].trim().to_owned());
                    if SPREADSHEET_ERRORS.contains(&cell) {
                        problems.push(Problem { column, reason: "holds a spreadsheet error, not a value".into() });
                        continue;
                    }
                    let numeric = matches!(
                        field,
                        Field::EmployeeNumber | Field::NiNumber | Field::Mobile | Field::DrivingLicence
                    );
                    if numeric && scientific(cell) {
                        problems.push(Problem {
                            column,
                            reason: format!(
                                "{}: the spreadsheet turned it into scientific notation (E+) and its digits \
                                 are lost; format the column as text and export again",
                                field.name().replace('_', " ")
                            ),
                        });
                    } else if *field == Field::Mobile && lost_leading_zero(cell) {
                        problems.push(Problem {
                            column,
                            reason: "mobile: the leading 0 looks dropped by a spreadsheet; format the column as \
                                     text and export again"
                                .into(),
                        });
                    } else if matches!(
                        field,
                        Field::Forename
                            | Field::Surname
                            | Field::Address
                            | Field::EmployeeNumber
                            | Field::DrivingLicence
                    ) && cell.starts_with(['=', '@'])
                    {
                        warnings.push(Problem {
                            column,
                            reason: format!(
                                "{}: starts like a spreadsheet formula; stored as the text typed",
                                field.name().replace('_', " ")
                            ),
                        });
                    }
                }
            }
            if let (Some(n), Some(&width)) = (get(Field::EmployeeNumber), widths.get(&self.employer_key(&row.cells))) {
                if n.chars().all(|c| c.is_ascii_digit()) && n.len() < width {
                    warnings.push(Problem {
                        column: self.header(Field::EmployeeNumber),
                        reason: format!(
                            "employee number: shorter than the {width}-digit zero-padded numbers in this column; a \
                             spreadsheet may have dropped its leading zeros, so check it"
                        ),
                    });
                }
            }
            let employer_id = match (self.fixed, get(Field::Employer)) {
                (Some(id), _) => Some(id),
                (None, None) => None,
                (None, Some(name)) => match self.employer(tx, &name, employers, employers_created)? {
                    Ok(id) => Some(id),
                    Err(reason) => {
                        problems.push(Problem { column: self.header(Field::Employer), reason });
                        None
                    }
                },
            };
            if employer_id.is_none() && get(Field::EmployeeNumber).is_some() {
                warnings.push(Problem {
                    column: self.header(Field::EmployeeNumber),
                    reason: "employee number: not kept without an employer; choose the employer for the whole file, \
                             or say which column holds the employer"
                        .into(),
                });
            }
            let form = CandidateForm {
                forename: get(Field::Forename).unwrap_or_default(),
                surname: get(Field::Surname).unwrap_or_default(),
                employer_id,
                employee_number: get(Field::EmployeeNumber),
                ni_number: get(Field::NiNumber),
                date_of_birth: get(Field::DateOfBirth),
                address: get(Field::Address),
                postcode: get(Field::Postcode),
                email: get(Field::Email),
                mobile: get(Field::Mobile),
                driving_licence: get(Field::DrivingLicence),
            };
            let valid = self.validate(form, &mut problems);
            let fate = match valid {
                Some(v) if problems.is_empty() => self.place(tx, &v, warnings, this_run, row.line)?,
                _ => fate(row.line, RowStatus::Rejected, problems, None),
            };
            rows.push(fate);
        }
        if let Some(run) = &self.run {
            run.write_marks(tx)?;
        }
        Ok(())
    }

    /// After the last row: the mapping saved and the summary entry.
    fn finish(
        &self,
        tx: &Tx<'_>,
        state: Progressing,
        progress: &mut dyn FnMut(ImportProgress) -> ControlFlow<()>,
    ) -> Result<Outcome> {
        let Progressing { employers_created, rows, blank, .. } = state;
        let total = self.table.rows.len() as u64;
        let run_id = self.run.as_ref().map(|r| r.id.to_string());
        if let Some(run) = &self.run {
            run.close(tx)?;
        }
        if progress(ImportProgress { done: total, total }).is_break() {
            return Err(Error::Cancelled);
        }
        let mut mapping_saved = false;
        if self.options.save_mapping {
            mapping_saved = mapping::save(tx, self.fixed, self.mapping)?;
        }
        let written = rows.iter().filter(|r| matches!(r.status, RowStatus::Imported | RowStatus::Warned)).count();
        if written > 0 || !employers_created.is_empty() || mapping_saved {
            let count = |s: RowStatus| rows.iter().filter(|r| r.status == s).count();
            let changes = [
                FieldChange::created("format", self.table.format),
                FieldChange::created("imported", count(RowStatus::Imported)),
                FieldChange::created("warned", count(RowStatus::Warned)),
                FieldChange::created("matched", count(RowStatus::Matched)),
                FieldChange::created("rejected", count(RowStatus::Rejected)),
                FieldChange::created("employers_created", employers_created.len()),
                FieldChange::created("mapping_saved", mapping_saved),
            ];
            audit::record(
                tx,
                Who::Actor(self.actor),
                "import.candidates",
                Subject { entity: "import", id: run_id.as_deref() },
                &changes,
            )?;
        }
        Ok(Outcome { rows, blank, employers_created, mapping_saved })
    }

    /// Validates through [`CandidateForm::validate`], collecting every bad field: each one found is
    /// blanked (names set to a placeholder) and the form checked again.
    fn validate(&self, mut form: CandidateForm, problems: &mut Vec<Problem>) -> Option<Valid> {
        for _ in 0..Field::ALL.len() + 1 {
            match form.validate(self.today) {
                Ok(v) => return Some(v),
                Err(Error::Invalid { field, reason }) => {
                    let f = Field::from_validation(field);
                    let column = f.and_then(|f| self.header(f));
                    // A column already flagged (e.g. spreadsheet damage) needs no second reason.
                    if column.is_none() || !problems.iter().any(|p| p.column == column) {
                        problems.push(Problem { column, reason: format!("{field}: {reason}") });
                    }
                    match f {
                        Some(Field::Forename) => form.forename = "-".into(),
                        Some(Field::Surname) => form.surname = "-".into(),
                        Some(Field::EmployeeNumber) => form.employee_number = None,
                        Some(Field::NiNumber) => form.ni_number = None,
                        Some(Field::DateOfBirth) => form.date_of_birth = None,
                        Some(Field::Address) => form.address = None,
                        Some(Field::Postcode) => form.postcode = None,
                        Some(Field::Email) => form.email = None,
                        Some(Field::Mobile) => form.mobile = None,
                        Some(Field::DrivingLicence) => form.driving_licence = None,
                        Some(Field::Employer) | None => return None,
                    }
                }
                Err(_) => {
                    problems.push(Problem { column: None, reason: "could not be checked".into() });
                    return None;
                }
            }
        }
        None
    }

    /// Matches or writes a valid row.
    fn place(
        &self,
        tx: &Tx<'_>,
        v: &Valid,
        mut warnings: Vec<Problem>,
        this_run: &mut HashMap<Id, u64>,
        line: u64,
    ) -> Result<RowFate> {
        let dry = self.options.dry_run;
        let found = match match_person(tx, self.actor, v)? {
            PersonMatch::Unsure(m) => {
                return self.unsure(&m, this_run, line);
            }
            PersonMatch::Same { candidate, why } => Some((candidate, why)),
            PersonMatch::New => None,
        };
        if let Some((id, why)) = found {
            let reason = match this_run.get(&id) {
                Some(earlier) => format!("the same person as line {earlier} of this file ({})", why.join("; ")),
                None => format!("already registered ({})", why.join("; ")),
            };
            let shown = if dry && this_run.contains_key(&id) { None } else { Some(id) };
            return Ok(fate(line, RowStatus::Matched, vec![Problem { column: None, reason }], shown));
        }
        let id =
            candidates::insert(tx, self.actor, crate::identity::of(self.actor)?, v, self.today, "candidate.import")?;
        if let Some(run) = &self.run {
            run.mark(tx, runs::Made::Candidate(id), self.actor)?;
        }
        this_run.insert(id, line);
        for w in &v.warnings {
            let column = w.split_once(':').and_then(|(f, _)| Field::from_validation(f)).and_then(|f| self.header(f));
            warnings.push(Problem { column, reason: w.clone() });
        }
        let status = if warnings.is_empty() { RowStatus::Imported } else { RowStatus::Warned };
        Ok(fate(line, status, warnings, (!dry).then_some(id)))
    }

    /// A row the duplicate check is unsure of: held, with the keys that matched and contradicted.
    fn unsure(&self, m: &CandidateMatch, this_run: &HashMap<Id, u64>, line: u64) -> Result<RowFate> {
        let dry = self.options.dry_run;
        let id = m.candidate.id;
        let who = match this_run.get(&id) {
            Some(earlier) => format!("line {earlier} of this file"),
            None => "a candidate already registered".to_owned(),
        };
        let mut problems = Vec::new();
        for c in &m.conflicts {
            let (matched_fields, matched_name): (&[Field], _) = match c.matched {
                MatchReason::NiNumber => (&[Field::NiNumber], "NI number"),
                MatchReason::SurnameDobPostcode => {
                    (&[Field::Surname, Field::DateOfBirth, Field::Postcode], "surname, date of birth and postcode")
                }
                MatchReason::EmployeeNumber => (&[Field::EmployeeNumber], "employer and employee number"),
            };
            let (by_fields, by_name): (&[Field], _) = match c.contradicted_by {
                Contradiction::NiNumber => (&[Field::NiNumber], "NI number"),
                Contradiction::NameAndDateOfBirth => {
                    (&[Field::Forename, Field::Surname, Field::DateOfBirth], "name and date of birth")
                }
            };
            problems.push(Problem {
                column: self.headers(matched_fields),
                reason: format!("conflict: the same {matched_name} as {who}"),
            });
            problems.push(Problem {
                column: self.headers(by_fields),
                reason: format!(
                    "conflict: a different {by_name} from {who}, so this may be someone else; not added \
                         or merged: check which is right, correct the file or the record, and import again"
                ),
            });
        }
        let shown = if dry && this_run.contains_key(&id) { None } else { Some(id) };
        Ok(fate(line, RowStatus::Rejected, problems, shown))
    }

    /// The employer a row names: an existing one (exact name, any case), or a new one when allowed.
    fn employer(
        &self,
        tx: &Tx<'_>,
        name: &str,
        cache: &mut EmployerLookup,
        created: &mut Vec<String>,
    ) -> Result<std::result::Result<Id, String>> {
        let key = name.to_lowercase();
        if let Some(found) = cache.get(&key) {
            return Ok(found.clone());
        }
        let mut stmt = tx.prepare_cached("SELECT id FROM employers WHERE name = ?1 COLLATE NOCASE")?;
        let ids: Vec<Id> = stmt.query_map([name], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        let found = match ids.as_slice() {
            [id] => Ok(*id),
            [] if self.options.create_employers => {
                match employers::insert(tx, self.actor, &EmployerForm { name: name.to_owned(), ..Default::default() }) {
                    Ok(e) => {
                        if let Some(run) = &self.run {
                            run.mark(tx, runs::Made::Employer(e.id), self.actor)?;
                        }
                        created.push(e.name);
                        Ok(e.id)
                    }
                    Err(Error::Invalid { field, reason }) => Err(format!("{field}: {reason}")),
                    Err(e) => return Err(e),
                }
            }
            [] => Err(
                "employer: no employer has this name; add it first, or let the import add the employers the file names"
                    .into(),
            ),
            _ => Err("employer: several employers have this name; choose the employer for the whole file".into()),
        };
        cache.insert(key, found.clone());
        Ok(found)
    }
}

fn fate(line: u64, status: RowStatus, problems: Vec<Problem>, candidate_id: Option<Id>) -> RowFate {
    RowFate { line, status, reasons: problems.iter().map(ToString::to_string).collect(), candidate_id, problems }
}
