//! Verbs over course runs, enrolment, attendance and results.

use std::path::PathBuf;
use std::process::ExitCode;

use centrebook_core::records::outcome::{Outcome, Score};
use centrebook_core::records::{
    Attendance, CandidateRow, ClashKind, EnrolmentResults, ListFate, Places, ResultInput, Run, RunFilter, RunForm,
};
use centrebook_core::{fields::parse_uk_date, Actor, Error, Id, Result, Store};
use clap::Subcommand;

use crate::input::text_from_file_or_stdin;
use crate::output::{outcome_text, print_json, LIKELY_DUPLICATE as CLASHED, SOME_REJECTED as SOME_LEFT};

#[derive(Debug, Subcommand)]
pub enum RunVerb {
    /// Schedule a course run.
    Add {
        /// The course code.
        #[arg(long)]
        course: String,
        /// First day, e.g. 02/03/2026.
        #[arg(long)]
        start: String,
        /// Last day (default: the first).
        #[arg(long)]
        end: Option<String>,
        /// Test or assessment date.
        #[arg(long)]
        assessment: Option<String>,
        /// Venue.
        #[arg(long)]
        venue: Option<String>,
        /// At this employer's site (exact name).
        #[arg(long)]
        employer: Option<String>,
        /// The site contact's id.
        #[arg(long)]
        site_contact: Option<String>,
        /// A trainer's id or exact name (repeatable).
        #[arg(long = "trainer")]
        trainers: Vec<String>,
        /// Places available (default: no limit but the course's trainer ratio).
        #[arg(long)]
        places: Option<String>,
        /// Save even though a trainer or the venue is booked on another run on those days (the
        /// clashes are listed, and nothing saved, without it: exit 8).
        #[arg(long)]
        despite_clash: bool,
    },
    /// The diary: every run on any day from one date to another, earliest first, with its course,
    /// trainers, venue or site, and places taken of places available.
    Calendar {
        /// First day, e.g. 01/12/2026.
        #[arg(long)]
        from: String,
        /// Last day.
        #[arg(long)]
        to: String,
    },
    /// A run's places: taken, its capacity, and its trainers times the course's ratio; without a
    /// run, those of every run in the next four weeks.
    Capacity {
        /// The run's id.
        run: Option<String>,
    },
    /// List runs, latest first.
    List {
        /// Runs ending on or after this day.
        #[arg(long)]
        from: Option<String>,
        /// Runs starting on or before this day.
        #[arg(long)]
        to: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// A run with its candidates and outcomes.
    Show {
        /// The run's id.
        id: String,
    },
    /// Enrol candidates on a run.
    Enrol {
        /// The run's id.
        run: String,
        /// Candidate ids.
        #[arg(required = true)]
        candidates: Vec<String>,
    },
    /// Enrol from a list, one person a line (name, employee number or NI number), as pasted from an
    /// email or a spreadsheet. Every matched line is enrolled in one go; every other line is listed
    /// with why (exit 5 when any is left).
    EnrolList {
        /// The run's id.
        run: String,
        /// The list; standard input when left out or `-`.
        file: Option<PathBuf>,
        /// Only say what each line matches; enrol nobody.
        #[arg(long)]
        check: bool,
    },
    /// Change a run's dates, venue or site and site contact, or trainers (admin and office): the
    /// options given, or the fields of a JSON object (starts_on, ends_on, assessment_on, venue,
    /// employer_id, site_contact_id, trainer_ids, capacity); the rest stay. An empty value clears a field.
    Edit {
        /// The run's id.
        run: String,
        /// The changes as JSON; standard input when `-`.
        #[arg(long = "from-json", value_name = "FILE|-")]
        from_json: Option<PathBuf>,
        /// First day.
        #[arg(long)]
        start: Option<String>,
        /// Last day.
        #[arg(long)]
        end: Option<String>,
        /// Test or assessment date.
        #[arg(long)]
        assessment: Option<String>,
        /// Venue.
        #[arg(long)]
        venue: Option<String>,
        /// At this employer's site (exact name); empty for none.
        #[arg(long)]
        employer: Option<String>,
        /// The site contact's id; empty for none.
        #[arg(long)]
        site_contact: Option<String>,
        /// A trainer's id or exact name (repeatable); replaces the run's trainers.
        #[arg(long = "trainer")]
        trainers: Vec<String>,
        /// Take every trainer off the run.
        #[arg(long, conflicts_with = "trainers")]
        no_trainers: bool,
        /// Places available; empty for no limit.
        #[arg(long)]
        places: Option<String>,
        /// Save even though a trainer or the venue is booked on another run on those days.
        #[arg(long)]
        despite_clash: bool,
    },
    /// Cancel a run, with the reason (admin and office). Its enrolments are kept, marked cancelled;
    /// it takes no more results, attendance or certificates.
    Cancel {
        /// The run's id.
        run: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Withdraw a candidate from a run (admin and office); the enrolment is kept, marked withdrawn.
    Withdraw {
        /// The enrolment's id (`run show --json` lists them).
        enrolment: String,
    },
    /// Move a candidate to another run of the same course (admin and office). Refused once results
    /// were recorded on the first run; attendance recorded there does not travel (booked again).
    Move {
        /// The enrolment's id (`run show --json` lists them).
        enrolment: String,
        /// The run to move to.
        #[arg(long)]
        to: String,
    },
    /// Practical test sheets for every candidate on the run, one PDF (the paper fallback on site),
    /// logged as a disclosure to the run's trainers.
    TestSheets {
        /// The run's id.
        run: String,
        /// The PDF to write (never over an existing file).
        #[arg(long)]
        out: PathBuf,
    },
    /// Joining instructions for an employer with people on the run (admin and office), logged as a
    /// disclosure to it; --employer is needed when the run has people from several employers.
    Joining {
        /// The run's id.
        run: String,
        /// The employer (exact name).
        #[arg(long)]
        employer: Option<String>,
        /// The PDF to write (never over an existing file).
        #[arg(long)]
        out: PathBuf,
    },
    /// The employers with people on the run, and how many (admin and office).
    Employers {
        /// The run's id.
        run: String,
    },
    /// Record attendance: booked, attended, dna (did not attend) or withdrawn; with --day, the mark
    /// for one day of the run: present (attended) or absent (dna). Not before the day it is for
    /// (exit 15).
    Attendance {
        /// The run's id.
        run: String,
        /// The candidate's id.
        candidate: String,
        /// The status.
        status: String,
        /// The day of the run the mark is for, e.g. 09/12/2026.
        #[arg(long)]
        day: Option<String>,
    },
    /// The run's days and each candidate's mark per day (P present, A absent, . not marked).
    Days {
        /// The run's id.
        run: String,
    },
    /// Write the register (sign-in sheet) of one day of the run as a PDF (a new file): the
    /// candidates, their marks for every day and a box to sign. It stays in the centre.
    Register {
        /// The run's id.
        run: String,
        /// The day, e.g. 09/12/2026.
        #[arg(long)]
        day: String,
        /// The PDF to write (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// On a trainer's laptop: add a walk-in to a packed run. The person is read as JSON from FILE
    /// (standard input when left out or `-`): {"forename", "surname", "employer", "employee_number"},
    /// the last two as given on site. The next return carries them; the office registers them.
    WalkIn {
        /// The run's id.
        run: String,
        /// The JSON file.
        file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ResultVerb {
    /// Record one component's score; the outcome is recomputed and shown.
    Record {
        /// The run's id.
        run: String,
        /// The candidate's id.
        candidate: String,
        /// The component's name, e.g. Theory.
        #[arg(long)]
        component: String,
        /// A mark.
        #[arg(long, group = "score")]
        mark: Option<u32>,
        /// Faults as MINOR,MAJOR, e.g. 2,0; a half left blank (",1") is not yet entered.
        #[arg(long, group = "score", value_name = "MINOR,MAJOR")]
        faults: Option<String>,
        /// An observation: yes (competent) or no.
        #[arg(long, group = "score")]
        competent: Option<String>,
        /// Clear the score.
        #[arg(long, group = "score")]
        clear: bool,
        /// Assessment date (default: the run's).
        #[arg(long)]
        date: Option<String>,
        /// Comments.
        #[arg(long)]
        comments: Option<String>,
    },
    /// Override the computed outcome (a reason is required); --withdraw lets the computed one stand.
    Override {
        /// The run's id.
        run: String,
        /// The candidate's id.
        candidate: String,
        /// pass, fail, retest or dna.
        #[arg(long, required_unless_present = "withdraw")]
        outcome: Option<String>,
        /// The grade, for graded courses.
        #[arg(long)]
        grade: Option<String>,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Withdraw the override.
        #[arg(long)]
        withdraw: bool,
    },
    /// Add an evidence photo (JPEG or PNG) to a candidate's assessment on a run.
    Evidence {
        /// The run's id.
        run: String,
        /// The candidate's id.
        candidate: String,
        /// The image file.
        file: PathBuf,
        /// The component it shows, e.g. Practical.
        #[arg(long)]
        component: Option<String>,
        /// A caption.
        #[arg(long)]
        caption: Option<String>,
    },
    /// Everything recorded for a candidate on a run.
    Show {
        /// The run's id.
        run: String,
        /// The candidate's id.
        candidate: String,
    },
}

/// A trainer by id or exact name.
pub fn trainer_id(store: &Store, actor: &Actor, typed: &str) -> Result<Id> {
    if let Ok(id) = Id::parse(typed) {
        return Ok(id);
    }
    let found: Vec<Id> = store
        .trainers(actor)?
        .into_iter()
        .filter(|t| t.name.eq_ignore_ascii_case(typed.trim()))
        .map(|t| t.id)
        .collect();
    match found[..] {
        [id] => Ok(id),
        [] => Err(Error::NotFound { what: "trainer", name: typed.trim().to_owned() }),
        _ => Err(Error::Invalid { field: "trainer", reason: "several trainers have that name; give the id".into() }),
    }
}

/// The fields `run edit --from-json` may change; absent ones stay as they are.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RunChanges {
    starts_on: Option<String>,
    ends_on: Option<String>,
    assessment_on: Option<String>,
    venue: Option<String>,
    employer_id: Option<String>,
    site_contact_id: Option<String>,
    trainer_ids: Option<Vec<String>>,
    capacity: Option<String>,
}

/// A run as the form that schedules it, to be changed field by field.
fn form_of(r: &Run) -> RunForm {
    let day = |d: chrono::NaiveDate| d.format("%d/%m/%Y").to_string();
    RunForm {
        course_id: r.course_id,
        starts_on: day(r.starts_on),
        ends_on: Some(day(r.ends_on)),
        assessment_on: r.assessment_on.map(day),
        venue: r.venue.clone(),
        employer_id: r.employer_id,
        site_contact_id: r.site_contact_id,
        trainer_ids: r.trainers.iter().map(|t| t.id).collect(),
        capacity: r.capacity.map(|c| c.to_string()),
    }
}

/// An id typed as an option: empty means none.
fn optional_id(typed: &str) -> Result<Option<Id>> {
    let t = typed.trim();
    if t.is_empty() {
        Ok(None)
    } else {
        Id::parse(t).map(Some)
    }
}

fn print_run(r: &Run) {
    let place = r.employer.as_deref().map(|e| format!("at {e}")).or(r.venue.clone()).unwrap_or_default();
    let trainers: Vec<&str> = r.trainers.iter().map(|t| t.name.as_str()).collect();
    let cancelled = r.cancel_reason.as_deref().map(|why| format!("  CANCELLED ({why})")).unwrap_or_default();
    println!(
        "{}  {}–{}  {:<12} {}  {place}  [{}]  {} enrolled{cancelled}",
        r.id,
        r.starts_on.format("%d/%m/%Y"),
        r.ends_on.format("%d/%m/%Y"),
        r.course_code,
        r.course_title,
        trainers.join(", "),
        r.enrolled
    );
}

/// The places of a run as one reads them: "3 of 12 places taken (ratio: 3 per trainer, 2 trainers)".
fn places_text(p: &Places) -> String {
    let limit = match p.limit {
        Some(l) => format!("{} of {l} places taken", p.taken),
        None => format!("{} taken, no limit set", p.taken),
    };
    let ratio = match p.per_trainer {
        Some(per) => format!(" (ratio {per} per trainer, {} trainer(s): {} at most)", p.trainers, per * p.trainers),
        None => String::new(),
    };
    format!("{limit}{ratio}")
}

/// Lists the double bookings saving a run would make and, unless `despite` says to save anyway,
/// stops before saving (exit 8: nothing was written).
fn clashes_stop(store: &Store, actor: &Actor, form: &RunForm, run: Option<Id>, despite: bool) -> Result<bool> {
    let clashes = store.run_clashes(actor, form, run)?;
    for c in &clashes {
        let what = match c.kind {
            ClashKind::Trainer => format!("trainer {}", c.what),
            ClashKind::Venue => format!("venue {}", c.what),
        };
        eprintln!(
            "double booking: {what} is also on run {} ({} {}–{})",
            c.run_id,
            c.course_code,
            c.starts_on.format("%d/%m/%Y"),
            c.ends_on.format("%d/%m/%Y")
        );
    }
    if !clashes.is_empty() && !despite {
        eprintln!("nothing saved; give --despite-clash to save anyway");
        return Ok(true);
    }
    Ok(false)
}

fn date(field: &'static str, d: Option<String>) -> Result<Option<chrono::NaiveDate>> {
    d.map(|d| parse_uk_date(field, &d)).transpose()
}

pub fn run(store: &mut Store, actor: &Actor, verb: RunVerb, json: bool) -> Result<ExitCode> {
    match verb {
        RunVerb::Add {
            course,
            start,
            end,
            assessment,
            venue,
            employer,
            site_contact,
            trainers,
            places,
            despite_clash,
        } => {
            let course_id = store.course_by_code(actor, &course)?.id.unwrap_or_default();
            let employer_id = employer.map(|n| store.employer_named(actor, &n)).transpose()?.map(|e| e.id);
            let trainer_ids = trainers.iter().map(|t| trainer_id(store, actor, t)).collect::<Result<_>>()?;
            let form = RunForm {
                course_id,
                starts_on: start,
                ends_on: end,
                assessment_on: assessment,
                venue,
                employer_id,
                site_contact_id: site_contact.as_deref().map(Id::parse).transpose()?,
                trainer_ids,
                capacity: places,
            };
            if clashes_stop(store, actor, &form, None, despite_clash)? {
                return Ok(ExitCode::from(CLASHED));
            }
            let run = store.add_run(actor, &form)?;
            if json {
                print_json(&run);
            } else {
                print_run(&run);
            }
        }
        RunVerb::Calendar { from, to } => {
            let (from, to) = (parse_uk_date("from", &from)?, parse_uk_date("to", &to)?);
            let runs = store.runs_between(actor, from, to)?;
            if json {
                print_json(&runs);
            } else {
                for d in &runs {
                    print_run(&d.run);
                    println!("    {}", places_text(&d.places));
                }
            }
        }
        RunVerb::Capacity { run: Some(run) } => {
            let places = store.run_capacity(actor, Id::parse(&run)?)?;
            if json {
                print_json(&places);
            } else {
                println!("{}", places_text(&places));
            }
        }
        RunVerb::Capacity { run: None } => {
            let today = chrono::Local::now().date_naive();
            let runs = store.runs_between(actor, today, today + chrono::Days::new(28))?;
            let places: Vec<&Places> = runs.iter().map(|d| &d.places).collect();
            if json {
                print_json(&places);
            } else {
                for d in &runs {
                    println!(
                        "{}  {}  {:<12} {}",
                        d.run.id,
                        d.run.starts_on.format("%d/%m/%Y"),
                        d.run.course_code,
                        places_text(&d.places)
                    );
                }
            }
        }
        RunVerb::List { from, to, limit } => {
            let filter = RunFilter { from: date("from", from)?, to: date("to", to)?, limit: Some(limit) };
            let runs = store.runs(actor, &filter)?;
            if json {
                print_json(&runs);
            } else {
                runs.iter().for_each(print_run);
            }
        }
        RunVerb::Show { id } => {
            let id = Id::parse(&id)?;
            let run = store.run(actor, id)?;
            let enrolments = store.enrolments(actor, id)?;
            if json {
                let mut v = serde_json::to_value(&run).unwrap_or_default();
                v["enrolments"] = serde_json::to_value(&enrolments).unwrap_or_default();
                print_json(&v);
            } else {
                print_run(&run);
                for e in enrolments {
                    let outcome = e.outcome.as_ref().map(outcome_text).unwrap_or_default();
                    let employer = e.employer.as_deref().unwrap_or("self-booked");
                    let status = if e.cancelled { format!("{} (cancelled)", e.status) } else { e.status.to_string() };
                    println!(
                        "    {}  {:<30} {:<24} {:<16} {outcome}",
                        e.candidate_id,
                        format!("{}, {}", e.surname, e.forename),
                        employer,
                        status
                    );
                }
            }
        }
        RunVerb::Enrol { run, candidates } => {
            let run = Id::parse(&run)?;
            let mut done = Vec::new();
            for c in candidates {
                done.push(store.enrol(actor, run, Id::parse(&c)?)?);
            }
            if json {
                print_json(&done);
            } else {
                for d in done {
                    println!("Enrolled {} {}", d.enrolment.forename, d.enrolment.surname);
                    if !d.missing.is_empty() {
                        println!("  the awarding body will need: {}", d.missing.join(", "));
                    }
                }
            }
        }
        RunVerb::EnrolList { run, file, check } => {
            let text = text_from_file_or_stdin(file)?;
            let report = store.enrol_list(actor, Id::parse(&run)?, &text, !check)?;
            let left = report.lines.iter().filter(|l| !matches!(l.fate, ListFate::Enrol { .. })).count();
            if json {
                print_json(&report);
            } else {
                for l in &report.lines {
                    let who = |c: &CandidateRow| {
                        format!("{} {} ({})", c.forename, c.surname, c.employer.as_deref().unwrap_or("self-booked"))
                    };
                    let said = match &l.fate {
                        ListFate::Enrol { candidate } if check => format!("would enrol {}", who(candidate)),
                        ListFate::Enrol { candidate } => format!("enrolled {}", who(candidate)),
                        ListFate::Already { candidate } => format!("already on the run: {}", who(candidate)),
                        ListFate::Restricted { candidate } => {
                            format!("not enrolled, processing restricted: {}", who(candidate))
                        }
                        ListFate::NeedsGuardian { candidate, missing } => {
                            format!("not enrolled, {}: {missing}", who(candidate))
                        }
                        ListFate::Conflict { candidate, .. } => format!(
                            "not enrolled, conflict: matches {} on one value that another on the line contradicts",
                            who(candidate)
                        ),
                        ListFate::Full { candidate, reason } => format!("not enrolled, {}: {reason}", who(candidate)),
                        ListFate::Ambiguous { count } => format!("{count} candidates match; enrol the right one by id"),
                        ListFate::NotFound => "nobody matches".into(),
                    };
                    println!("line {}: {said}", l.line);
                }
                println!("{} enrolled, {left} line(s) left.", report.enrolled);
            }
            if left > 0 {
                return Ok(ExitCode::from(SOME_LEFT));
            }
        }
        RunVerb::Edit {
            run,
            from_json,
            start,
            end,
            assessment,
            venue,
            employer,
            site_contact,
            trainers,
            no_trainers,
            places,
            despite_clash,
        } => {
            let id = Id::parse(&run)?;
            let now = store.run(actor, id)?;
            let mut form = form_of(&now);
            if let Some(file) = from_json {
                let text = text_from_file_or_stdin(Some(file))?;
                let c: RunChanges = serde_json::from_str(&text).map_err(|e| Error::Invalid {
                    field: "run changes",
                    reason: format!("are not a JSON object of run fields: {e}"),
                })?;
                form.starts_on = c.starts_on.unwrap_or(form.starts_on);
                form.ends_on = c.ends_on.or(form.ends_on);
                form.assessment_on = c.assessment_on.or(form.assessment_on);
                form.venue = c.venue.or(form.venue);
                if let Some(e) = c.employer_id {
                    form.employer_id = optional_id(&e)?;
                }
                if let Some(k) = c.site_contact_id {
                    form.site_contact_id = optional_id(&k)?;
                }
                if let Some(t) = c.trainer_ids {
                    form.trainer_ids = t.iter().map(|t| trainer_id(store, actor, t)).collect::<Result<_>>()?;
                }
                form.capacity = c.capacity.or(form.capacity);
            }
            form.capacity = places.or(form.capacity);
            form.starts_on = start.unwrap_or(form.starts_on);
            form.ends_on = end.or(form.ends_on);
            form.assessment_on = assessment.or(form.assessment_on);
            form.venue = venue.or(form.venue);
            if let Some(e) = employer {
                form.employer_id = match e.trim() {
                    "" => None,
                    name => Some(store.employer_named(actor, name)?.id),
                };
            }
            if let Some(k) = site_contact {
                form.site_contact_id = optional_id(&k)?;
            }
            if no_trainers {
                form.trainer_ids.clear();
            } else if !trainers.is_empty() {
                form.trainer_ids = trainers.iter().map(|t| trainer_id(store, actor, t)).collect::<Result<_>>()?;
            }
            if clashes_stop(store, actor, &form, Some(id), despite_clash)? {
                return Ok(ExitCode::from(CLASHED));
            }
            let run = store.edit_run(actor, id, &form)?;
            if json {
                print_json(&run);
            } else {
                print_run(&run);
            }
        }
        RunVerb::TestSheets { run, out } => return crate::papers::test_sheets(store, actor, &run, &out, json),
        RunVerb::Joining { run, employer, out } => {
            return crate::papers::joining(store, actor, &run, employer.as_deref(), &out, json)
        }
        RunVerb::Employers { run } => return crate::papers::employers(store, actor, &run, json),
        RunVerb::Cancel { run, reason } => {
            let run = store.cancel_run(actor, Id::parse(&run)?, &reason)?;
            if json {
                print_json(&run);
            } else {
                print_run(&run);
            }
        }
        RunVerb::Withdraw { enrolment } => {
            let e = store.withdraw_enrolment(actor, Id::parse(&enrolment)?)?;
            if json {
                print_json(&e);
            } else {
                println!("{} {}: {}", e.forename, e.surname, e.status);
            }
        }
        RunVerb::Move { enrolment, to } => {
            let e = store.move_enrolment(actor, Id::parse(&enrolment)?, Id::parse(&to)?)?;
            if json {
                print_json(&e);
            } else {
                println!("{} {}: moved to run {}", e.forename, e.surname, e.run_id);
            }
        }
        RunVerb::WalkIn { run, file } => {
            let text = text_from_file_or_stdin(file)?;
            let person: centrebook_core::field::WalkIn = serde_json::from_str(&text).map_err(|e| Error::Invalid {
                field: "walk-in",
                reason: format!(
                    "is not a JSON object of forename, surname, employer and employee_number (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            })?;
            let e = store.add_walk_in(actor, Id::parse(&run)?, &person)?;
            if json {
                print_json(&e);
            } else {
                println!("Walk-in added: {} {} (enrolment {})", e.forename, e.surname, e.id);
            }
        }
        RunVerb::Attendance { run, candidate, status, day } => {
            let e = store.enrolment_of(actor, Id::parse(&run)?, Id::parse(&candidate)?)?;
            let e = match day {
                None => store.set_attendance(actor, e.id, Attendance::parse(&status)?)?,
                Some(day) => {
                    let present = match Attendance::parse(&status)? {
                        Attendance::Attended => true,
                        Attendance::DidNotAttend => false,
                        _ => {
                            return Err(Error::Invalid {
                                field: "attendance",
                                reason: "for a day, should be present or absent".into(),
                            })
                        }
                    };
                    store.set_day_attendance(actor, e.id, parse_uk_date("day", &day)?, present)?
                }
            };
            if json {
                print_json(&e);
            } else {
                println!("{} {}: {}", e.forename, e.surname, e.status);
            }
        }
        RunVerb::Days { run } => {
            let run = Id::parse(&run)?;
            let marks = store.run_attendance(actor, run)?;
            if json {
                print_json(&marks);
            } else {
                let head: Vec<String> = marks.days.iter().map(|d| d.format("%d/%m").to_string()).collect();
                println!("{:<32} {}", "", head.join(" "));
                for e in store.enrolments(actor, run)? {
                    let cells: Vec<&str> = marks
                        .days
                        .iter()
                        .map(|d| match marks.mark(e.id, *d) {
                            Some(true) => "  P  ",
                            Some(false) => "  A  ",
                            None => "  .  ",
                        })
                        .collect();
                    println!("{:<32} {}", format!("{} {}", e.forename, e.surname), cells.join(" "));
                }
            }
        }
        RunVerb::Register { run, day, out } => {
            let size = store.save_register(actor, Id::parse(&run)?, parse_uk_date("day", &day)?, &out)?;
            println!("wrote {} ({size} bytes)", out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_results(r: &EnrolmentResults, json: bool) {
    if json {
        print_json(r);
        return;
    }
    let e = &r.enrolment;
    println!("{} {} — {}", e.forename, e.surname, e.status);
    for c in &r.components {
        // The core's words, as the window's trail shows them: a blank half is a dash, never 0.
        let score = c.score.as_ref().map_or_else(|| "—".to_owned(), Score::words);
        println!("  {:<20} {score}", c.component.name);
    }
    match &e.outcome {
        Some(o) => {
            println!("  outcome: {}", outcome_text(o));
            if let Some(by) = &o.overridden {
                println!("  overridden by {} on {}: {}", by.by, &by.at[..10], by.reason);
            }
        }
        None => println!("  outcome: (nothing recorded)"),
    }
}

/// A component of the run's course, by name.
fn component_id(store: &Store, actor: &Actor, run: Id, name: &str) -> Result<Id> {
    let course = store.run(actor, run)?.course_id;
    store
        .course(actor, course)?
        .components
        .into_iter()
        .find(|c| c.name.eq_ignore_ascii_case(name.trim()))
        .and_then(|c| c.id)
        .ok_or_else(|| Error::NotFound { what: "component", name: name.trim().to_owned() })
}

pub fn result(store: &mut Store, actor: &Actor, verb: ResultVerb, json: bool) -> Result<ExitCode> {
    let r = match verb {
        ResultVerb::Evidence { run, candidate, file, component, caption } => {
            let run = Id::parse(&run)?;
            let e = store.enrolment_of(actor, run, Id::parse(&candidate)?)?;
            let component = component.map(|c| component_id(store, actor, run, &c)).transpose()?;
            let bytes =
                std::fs::read(&file).map_err(|err| Error::Io { action: "read", path: file.clone(), source: err })?;
            let id = store.add_evidence_photo(actor, e.id, component, caption, &bytes)?;
            let held = store.evidence_photos(actor, e.id)?.len();
            if json {
                print_json(&serde_json::json!({ "evidence_id": id, "photos_held": held }));
            } else {
                println!("Evidence photo added ({held} held for this assessment).");
            }
            return Ok(ExitCode::SUCCESS);
        }
        ResultVerb::Record { run, candidate, component, mark, faults, competent, clear, date, comments } => {
            let run = Id::parse(&run)?;
            let e = store.enrolment_of(actor, run, Id::parse(&candidate)?)?;
            let component_id = component_id(store, actor, run, &component)?;
            let bad = |why: &str| Error::Invalid { field: "score", reason: why.into() };
            let score = match (mark, faults, competent, clear) {
                (Some(mark), ..) => Some(Score::Marks { mark }),
                (_, Some(f), ..) => {
                    let (a, b) = f.split_once(',').ok_or_else(|| bad("give faults as MINOR,MAJOR, like 2,0"))?;
                    // A blank half (",1") is kept as not yet entered; the outcome waits for it.
                    let n = |s: &str| match s.trim() {
                        "" => Ok(None),
                        t => t.parse::<u32>().map(Some).map_err(|_| bad("fault counts are whole numbers")),
                    };
                    Some(Score::Faults { minor: n(a)?, major: n(b)? })
                }
                (_, _, Some(c), _) => Some(Score::Observation {
                    competent: match c.to_ascii_lowercase().as_str() {
                        "yes" | "y" | "competent" => true,
                        "no" | "n" | "nyc" => false,
                        _ => return Err(bad("say yes or no for an observation")),
                    },
                }),
                (.., true) => None,
                _ => return Err(bad("give --mark, --faults, --competent or --clear")),
            };
            store.record_result(actor, e.id, &ResultInput { component_id, score, assessed_on: date, comments })?
        }
        ResultVerb::Override { run, candidate, outcome, grade, reason, withdraw } => {
            let e = store.enrolment_of(actor, Id::parse(&run)?, Id::parse(&candidate)?)?;
            if withdraw {
                store.clear_override(actor, e.id, &reason)?
            } else {
                let decided = Outcome::parse(outcome.as_deref().unwrap_or_default())?;
                store.override_outcome(actor, e.id, decided, grade.as_deref(), &reason)?
            }
        }
        ResultVerb::Show { run, candidate } => {
            let e = store.enrolment_of(actor, Id::parse(&run)?, Id::parse(&candidate)?)?;
            store.enrolment_results(actor, e.id)?
        }
    };
    print_results(&r, json);
    Ok(ExitCode::SUCCESS)
}
