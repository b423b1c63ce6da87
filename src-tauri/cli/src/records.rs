//! Verbs over the records: employers, contacts and candidates.

use std::process::ExitCode;

use centrebook_core::records::{
    Candidate, CandidateForm, CandidateRow, Channel, ContactForm, EmployerForm, Registered,
};
use std::path::PathBuf;

use centrebook_core::{Actor, Error, Id, Permission, Result, Store};
use clap::{Args, Subcommand};

use crate::input::lines;
use crate::output::{outcome_text, print_json};

/// Exit code when registration found likely duplicates and wrote nothing.
const POSSIBLE_DUPLICATE: u8 = 8;

#[derive(Debug, Subcommand)]
pub enum EmployerVerb {
    /// Register an employer.
    Add {
        /// Company name.
        #[arg(long)]
        name: String,
        /// Address lines, separated by commas or newlines.
        #[arg(long)]
        address: Option<String>,
        /// Postcode.
        #[arg(long)]
        postcode: Option<String>,
        /// Phone.
        #[arg(long)]
        phone: Option<String>,
        /// Email.
        #[arg(long)]
        email: Option<String>,
    },
    /// List employers whose name contains FILTER.
    List {
        /// Part of the name.
        #[arg(default_value = "")]
        filter: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CandidateVerb {
    /// Register a candidate. A likely duplicate is listed and nothing is written (exit 8) unless
    /// --force is given.
    Add(Box<CandidateArgs>),
    /// Show a candidate as your role may see them, with employment history and enrolments.
    Show {
        /// The candidate's id.
        id: String,
    },
    /// A candidate's identifiers (NI number, date of birth, home address, driving licence): refused
    /// for roles that may not see them.
    Identifiers {
        /// The candidate's id.
        id: String,
    },
    /// A candidate's audit trail in words, newest first, as the window shows it: their record, their
    /// enrolments and results, and records merged into theirs (admins only).
    Trail {
        /// The candidate's id.
        id: String,
        /// At most this many entries.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// List candidates by surname, a page at a time.
    List {
        /// Only this employer's current employees (exact name).
        #[arg(long)]
        employer: Option<String>,
        /// Skip this many.
        #[arg(long, default_value_t = 0)]
        offset: i64,
        /// At most this many (up to 1,000).
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Type-ahead search: names, employee numbers, employer, NI number (roles that may see it).
    Search {
        /// What was typed; each word is a prefix.
        query: String,
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Move a candidate to another employer (or self-booked), keeping the history.
    Move {
        /// The candidate's id.
        id: String,
        /// The new employer's exact name; omit for self-booked.
        #[arg(long)]
        employer: Option<String>,
        /// Employee number there.
        #[arg(long)]
        employee_number: Option<String>,
        /// From this day (default today), e.g. 01/12/2026.
        #[arg(long)]
        on: Option<String>,
    },
    /// Merge a duplicate record into the one to keep; every result moves with it.
    Merge {
        /// The record to keep.
        keep: String,
        /// The duplicate to merge into it.
        duplicate: String,
    },
    /// Restrict processing of a record (e.g. accuracy contested), or lift it with --lift.
    Restrict {
        /// The candidate's id.
        id: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Lift the restriction.
        #[arg(long)]
        lift: bool,
    },
    /// Health or disability notes for reasonable adjustments (admins only), held with explicit consent.
    Special {
        /// The candidate's id.
        id: String,
        /// The notes; omit to show them.
        #[arg(long, requires = "consent", conflicts_with = "withdraw")]
        notes: Option<String>,
        /// How explicit consent was given (or withdrawn).
        #[arg(long)]
        consent: Option<String>,
        /// Consent withdrawn: delete the notes.
        #[arg(long, requires = "consent")]
        withdraw: bool,
    },
    /// Set a candidate's photo from a JPEG or PNG file (cropped to 35x45, metadata removed).
    Photo {
        /// The candidate's id.
        id: String,
        /// The image file.
        file: PathBuf,
        /// The part of the picture to use, in pixels of the upright picture: X,Y,WIDTH,HEIGHT (the
        /// widest 35x45 shape inside it is kept). Without it the centre of the picture is used.
        #[arg(long, value_name = "X,Y,W,H")]
        crop: Option<centrebook_core::photo::Crop>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContactVerb {
    /// Add a contact to an employer.
    Add {
        /// The employer's exact name.
        #[arg(long)]
        employer: String,
        /// Forename.
        #[arg(long)]
        forename: String,
        /// Surname.
        #[arg(long)]
        surname: String,
        /// Job title.
        #[arg(long)]
        job_title: Option<String>,
        /// Phone.
        #[arg(long)]
        phone: Option<String>,
        /// Mobile.
        #[arg(long)]
        mobile: Option<String>,
        /// Email.
        #[arg(long)]
        email: Option<String>,
    },
    /// An employer's contacts with their current consents.
    List {
        /// The employer's exact name.
        employer: String,
    },
    /// Record marketing consent given (or withdrawn with --withdraw) on a channel.
    Consent {
        /// The contact's id.
        id: String,
        /// email, phone, sms or post.
        #[arg(long)]
        channel: String,
        /// How it was given or withdrawn, e.g. "booking form".
        #[arg(long)]
        source: String,
        /// Consent withdrawn.
        #[arg(long)]
        withdraw: bool,
    },
    /// Every consent answer recorded for a contact, newest first.
    History {
        /// The contact's id.
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct CandidateArgs {
    /// Forename.
    #[arg(long)]
    pub forename: String,
    /// Surname.
    #[arg(long)]
    pub surname: String,
    /// Current employer's exact name (omit when self-booked).
    #[arg(long)]
    pub employer: Option<String>,
    /// Employee number.
    #[arg(long)]
    pub employee_number: Option<String>,
    /// National Insurance number.
    #[arg(long)]
    pub ni: Option<String>,
    /// Date of birth, e.g. 31/12/1990.
    #[arg(long)]
    pub dob: Option<String>,
    /// Home address.
    #[arg(long)]
    pub address: Option<String>,
    /// Home postcode.
    #[arg(long)]
    pub postcode: Option<String>,
    /// Email.
    #[arg(long)]
    pub email: Option<String>,
    /// Mobile.
    #[arg(long)]
    pub mobile: Option<String>,
    /// Driving licence number.
    #[arg(long)]
    pub licence: Option<String>,
    /// Register even though a likely duplicate exists.
    #[arg(long)]
    pub force: bool,
}

pub fn employer(store: &mut Store, actor: &Actor, verb: EmployerVerb, json: bool) -> Result<ExitCode> {
    let shown = match verb {
        EmployerVerb::Add { name, address, postcode, phone, email } => {
            vec![store.add_employer(actor, &EmployerForm { name, address: lines(address), postcode, phone, email })?]
        }
        EmployerVerb::List { filter } => store.employers(actor, &filter)?,
    };
    if json {
        print_json(&shown);
    } else {
        for e in shown {
            let pc = e.postcode.map(|p| p.to_string()).unwrap_or_default();
            println!("{}  {:<40} {pc}", e.id, e.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_candidate(c: &Candidate) {
    println!("{} {}  ({})", c.forename, c.surname, c.id);
    if let Some(e) = &c.employer {
        println!("  employer:        {e}");
    }
    let show = |label: &str, v: Option<String>| {
        if let Some(v) = v {
            println!("  {label:<16} {v}");
        }
    };
    show("employee number:", c.employee_number.clone());
    show("email:", c.email.as_ref().map(ToString::to_string));
    show("mobile:", c.mobile.as_ref().map(|m| m.display()));
    match &c.identifiers {
        Some(ids) => print_identifiers(ids),
        None => println!("  (identifiers are not shown to your role)"),
    }
    if c.restricted {
        println!("  PROCESSING RESTRICTED");
    }
}

pub fn candidate(store: &mut Store, actor: &Actor, verb: CandidateVerb, json: bool) -> Result<ExitCode> {
    match verb {
        CandidateVerb::Add(a) => add(store, actor, *a, json),
        CandidateVerb::Show { id } => show(store, actor, Id::parse(&id)?, json),
        CandidateVerb::Identifiers { id } => {
            let ids = store.candidate_identifiers(actor, Id::parse(&id)?)?;
            if json {
                print_json(&ids);
            } else {
                print_identifiers(&ids);
            }
            Ok(ExitCode::SUCCESS)
        }
        CandidateVerb::Trail { id, limit } => {
            let trail = store.candidate_trail(actor, Id::parse(&id)?, limit)?;
            if json {
                print_json(&trail);
                return Ok(ExitCode::SUCCESS);
            }
            for e in trail {
                println!("{}  {}  {}: {}", e.when(), e.who, e.about, e.what);
                match e.changes {
                    None => println!("    (values erased)"),
                    Some(changes) => {
                        for c in changes {
                            let before = c.before.map(|b| format!("{b} → ")).unwrap_or_default();
                            println!("    {}: {before}{}", c.field, c.after.as_deref().unwrap_or("cleared"));
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CandidateVerb::List { employer, offset, limit } => {
            let employer = employer.map(|n| store.employer_named(actor, &n)).transpose()?.map(|e| e.id);
            let page = store.candidates(actor, employer, offset, limit)?;
            if json {
                print_json(&page.items);
            } else {
                print_rows(&page.items);
                eprintln!(
                    "{}–{} of {}",
                    page.offset + 1.min(page.items.len() as i64),
                    page.offset + page.items.len() as i64,
                    page.total
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CandidateVerb::Search { query, limit } => {
            let rows = store.search_candidates(actor, &query, limit)?;
            if json {
                print_json(&rows);
            } else {
                print_rows(&rows);
            }
            Ok(ExitCode::SUCCESS)
        }
        CandidateVerb::Move { id, employer, employee_number, on } => {
            let employer = employer.map(|n| store.employer_named(actor, &n)).transpose()?.map(|e| e.id);
            let on = match on {
                Some(d) => centrebook_core::fields::parse_uk_date("date", &d)?,
                None => chrono::Local::now().date_naive(),
            };
            let history = store.change_employer(actor, Id::parse(&id)?, employer, employee_number, on)?;
            if json {
                print_json(&history);
            } else {
                print_history(&history);
            }
            Ok(ExitCode::SUCCESS)
        }
        CandidateVerb::Merge { keep, duplicate } => {
            let keep = Id::parse(&keep)?;
            store.merge_candidates(actor, keep, Id::parse(&duplicate)?)?;
            if !json {
                println!("Merged; every enrolment and result is now on {keep}.");
            }
            show(store, actor, keep, json)
        }
        CandidateVerb::Restrict { id, reason, lift } => {
            let id = Id::parse(&id)?;
            store.set_restricted(actor, id, !lift, &reason)?;
            show(store, actor, id, json)
        }
        CandidateVerb::Special { id, notes, consent, withdraw } => {
            let id = Id::parse(&id)?;
            let now = match (notes, withdraw) {
                (Some(n), _) => {
                    store.set_special_category(actor, id, Some(&n), consent.as_deref().unwrap_or_default())?
                }
                (None, true) => store.set_special_category(actor, id, None, consent.as_deref().unwrap_or_default())?,
                (None, false) => store.special_category(actor, id)?,
            };
            if json {
                print_json(&now);
            } else {
                match now {
                    Some(s) => println!("{}\n  (consent: {}, {})", s.notes, s.consent_source, s.consent_given_at),
                    None => println!("No health or disability notes are held."),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CandidateVerb::Photo { id, file, crop } => {
            let bytes =
                std::fs::read(&file).map_err(|e| Error::Io { action: "read", path: file.clone(), source: e })?;
            let id = Id::parse(&id)?;
            store.set_candidate_photo(actor, id, &bytes, crop)?;
            let photo = store.candidate_photo(actor, id)?;
            let size = photo.as_ref().map(|p| p.as_bytes().len()).unwrap_or(0);
            if json {
                print_json(&serde_json::json!({ "candidate": id, "photo_bytes": size }));
            } else {
                println!("Photo set ({size} bytes, 35x45, metadata removed).");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_identifiers(ids: &centrebook_core::records::Identifiers) {
    let show = |label: &str, v: Option<String>| {
        if let Some(v) = v {
            println!("  {label:<16} {v}");
        }
    };
    show("NI number:", ids.ni_number.as_ref().map(|n| n.display()));
    show("date of birth:", ids.date_of_birth.map(|d| d.format("%d/%m/%Y").to_string()));
    show("home address:", ids.address.as_ref().map(|a| a.replace('\n', ", ")));
    show("home postcode:", ids.postcode.as_ref().map(ToString::to_string));
    show("driving licence:", ids.driving_licence.clone());
}

fn print_rows(rows: &[CandidateRow]) {
    for c in rows {
        let employer = c.employer.as_deref().unwrap_or("(self-booked)");
        let number = c.employee_number.as_deref().unwrap_or("");
        let flag = if c.restricted { "  RESTRICTED" } else { "" };
        println!("{}  {:<32} {:<30} {number}{flag}", c.id, format!("{}, {}", c.surname, c.forename), employer);
    }
}

fn print_history(history: &[centrebook_core::records::Employment]) {
    for e in history {
        let until = e.ended_on.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_else(|| "now".into());
        let number = e.employee_number.as_deref().map(|n| format!(" (no. {n})")).unwrap_or_default();
        println!("    {} – {until}: {}{number}", e.started_on.format("%d/%m/%Y"), e.employer);
    }
}

fn show(store: &mut Store, actor: &Actor, id: Id, json: bool) -> Result<ExitCode> {
    let c = store.candidate(actor, id)?;
    let history = store.employment_history(actor, id)?;
    let enrolments = store.candidate_enrolments(actor, id)?;
    let special = if actor.may(Permission::SpecialCategory) { store.special_category(actor, id)? } else { None };
    if json {
        let mut v = serde_json::to_value(&c).unwrap_or_default();
        v["employment_history"] = serde_json::to_value(&history).unwrap_or_default();
        v["enrolments"] = serde_json::to_value(&enrolments).unwrap_or_default();
        if actor.may(Permission::SpecialCategory) {
            v["special_category"] = serde_json::to_value(&special).unwrap_or_default();
        }
        print_json(&v);
        return Ok(ExitCode::SUCCESS);
    }
    print_candidate(&c);
    if !history.is_empty() {
        println!("  employment:");
        print_history(&history);
    }
    if !enrolments.is_empty() {
        println!("  courses:");
        for e in &enrolments {
            let outcome = match (&e.outcome, e.cancelled) {
                (_, true) => "run cancelled".to_owned(),
                (Some(o), false) => outcome_text(o),
                (None, false) => e.status.to_string(),
            };
            println!("    {} {} ({}): {outcome}", e.starts_on.format("%d/%m/%Y"), e.course_title, e.course_code);
        }
    }
    if special.is_some() {
        println!("  health/disability notes held (see `candidate special {id}`)");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn contact(store: &mut Store, actor: &Actor, verb: ContactVerb, json: bool) -> Result<ExitCode> {
    let shown = match verb {
        ContactVerb::Add { employer, forename, surname, job_title, phone, mobile, email } => {
            let employer_id = store.employer_named(actor, &employer)?.id;
            vec![store
                .add_contact(actor, &ContactForm { employer_id, forename, surname, job_title, phone, mobile, email })?]
        }
        ContactVerb::List { employer } => {
            let e = store.employer_named(actor, &employer)?;
            store.contacts(actor, e.id)?
        }
        ContactVerb::Consent { id, channel, source, withdraw } => {
            vec![store.set_consent(actor, Id::parse(&id)?, Channel::parse(&channel)?, !withdraw, &source)?]
        }
        ContactVerb::History { id } => {
            let history = store.consent_history(actor, Id::parse(&id)?)?;
            if json {
                print_json(&history);
            } else {
                for k in &history {
                    let word = if k.granted { "yes" } else { "no" };
                    println!("{}  {:?}: {word} ({})", &k.recorded_at[..10], k.channel, k.source);
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
    };
    if json {
        print_json(&shown);
        return Ok(ExitCode::SUCCESS);
    }
    for c in shown {
        let title = c.job_title.as_deref().map(|t| format!(", {t}")).unwrap_or_default();
        println!("{}  {} {}{title}", c.id, c.forename, c.surname);
        for k in &c.consents {
            let word = if k.granted { "yes" } else { "no" };
            println!("    marketing by {:?}: {word} ({}, {})", k.channel, k.source, &k.recorded_at[..10]);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn add(store: &mut Store, actor: &Actor, a: CandidateArgs, json: bool) -> Result<ExitCode> {
    let employer_id = a.employer.as_deref().map(|n| store.employer_named(actor, n)).transpose()?.map(|e| e.id);
    let form = CandidateForm {
        forename: a.forename,
        surname: a.surname,
        employer_id,
        employee_number: a.employee_number,
        ni_number: a.ni,
        date_of_birth: a.dob,
        address: lines(a.address),
        postcode: a.postcode,
        email: a.email,
        mobile: a.mobile,
        driving_licence: a.licence,
    };
    let outcome = store.register_candidate(actor, &form, chrono::Local::now().date_naive(), a.force)?;
    if json {
        print_json(&outcome);
    }
    match outcome {
        Registered::Created { candidate, warnings } => {
            if !json {
                println!("Registered:");
                print_candidate(&candidate);
            }
            for w in warnings {
                eprintln!("warning: {w}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Registered::PossibleDuplicates { matches } => {
            if !json {
                println!("Nothing written: this may be someone already registered.");
                for m in &matches {
                    let why: Vec<String> = m.reasons.iter().map(|r| format!("{r:?}")).collect();
                    println!("  matches on {}:", why.join(", "));
                    print_candidate(&m.candidate);
                }
                println!("Use the existing record, or add --force to register a new one.");
            }
            Ok(ExitCode::from(POSSIBLE_DUPLICATE))
        }
    }
}
