//! Verbs over the records: employers, contacts and candidates.

use std::process::ExitCode;

use centrebook_core::records::{
    Candidate, CandidateForm, CandidateRow, Channel, ContactForm, Contradiction, EmployerForm, GuardianForm,
    MarketingState, MatchReason, Registered,
};
use std::path::PathBuf;

use centrebook_core::{Actor, Error, Id, Permission, Result, Store};
use clap::{Args, Subcommand};

use crate::input::{form_base, form_from_json, form_of, lines, merged_json};

/// The fields `employer edit` takes.
const EMPLOYER_FIELDS: &[&str] = &["name", "address", "postcode", "phone", "email"];
/// The fields `candidate guardian --from-json` takes.
const GUARDIAN_FIELDS: &[&str] = &["guardian_name", "relationship", "how", "given_on"];
/// The fields `contact add` and `contact edit` take.
const CONTACT_FIELDS: &[&str] = &["employer_id", "forename", "surname", "job_title", "phone", "mobile", "email"];
use crate::output::{outcome_text, print_json};

/// Exit code when registration found likely duplicates and wrote nothing.
pub const POSSIBLE_DUPLICATE: u8 = crate::output::LIKELY_DUPLICATE;

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
    /// Correct an employer's details: a JSON object of the fields to change (name, address, postcode,
    /// phone, email; null clears one), from FILE or standard input.
    Edit {
        /// The employer's id.
        id: String,
        /// The JSON file, or - for standard input.
        #[arg(long = "from-json", value_name = "FILE")]
        from_json: PathBuf,
    },
    /// Set or clear the site or department a candidate works at within their current employer.
    Site {
        /// The candidate's id.
        candidate: String,
        /// The site, depot or department.
        #[arg(long, required_unless_present = "clear", conflicts_with = "clear")]
        site: Option<String>,
        /// Clear the site.
        #[arg(long)]
        clear: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CandidateVerb {
    /// Register a candidate. A likely duplicate is listed and nothing is written (exit 8) unless
    /// --force is given.
    Add(Box<CandidateArgs>),
    /// Correct a candidate (admin and office): a JSON object of the fields to change, by the
    /// registration form's names, from the file or standard input (e.g. `{"surname": "Llywelyn"}`).
    /// A name or an identifier needs --reason. Prints who holds the old value and is owed the
    /// correction. A record that would look like someone else's is listed and nothing is written
    /// (exit 8) unless --force is given.
    Edit {
        /// The candidate's id.
        id: String,
        /// The JSON file; standard input when left out or `-`.
        #[arg(long)]
        from_json: Option<std::path::PathBuf>,
        /// Why a name or identifier changes: rectification-request, typing-error or name-change.
        #[arg(long)]
        reason: Option<String>,
        /// Save even though the corrected record looks like another one.
        #[arg(long)]
        force: bool,
    },
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
    /// Type-ahead search: names, employee numbers, employer, NI number (roles that may see it). What
    /// was typed is read from the file or standard input (a name is personal data: never an argument).
    Search {
        /// A file holding what was typed, each word a prefix; standard input when left out or `-`.
        query_from: Option<PathBuf>,
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
    /// Record a candidate's objection (to marketing and to processing on legitimate-interest
    /// grounds): no marketing consent can be given, and none counts, until it is lifted.
    Object {
        /// The candidate's id.
        id: String,
        /// Why, in words.
        #[arg(long)]
        reason: String,
    },
    /// Lift a candidate's standing objection.
    ObjectLift {
        /// The candidate's id.
        id: String,
        /// Why it is lifted.
        #[arg(long)]
        reason: String,
    },
    /// A candidate's marketing consent per channel and its history, with their objection; with
    /// --give or --withdraw, record an answer on --channel first.
    Consent {
        /// The candidate's id.
        id: String,
        /// email, phone, sms or post.
        #[arg(long, required_if_eq_any = [("give", "true"), ("withdraw", "true")])]
        channel: Option<String>,
        /// Consent given.
        #[arg(long, conflicts_with = "withdraw", requires = "source_from")]
        give: bool,
        /// Consent withdrawn.
        #[arg(long, requires = "source_from")]
        withdraw: bool,
        /// How it was given or withdrawn, read from this file or standard input for `-`.
        #[arg(long, value_name = "FILE|-")]
        source_from: Option<PathBuf>,
    },
    /// A candidate's guardian consent (needed under 16 where the course's awarding body requires
    /// it); with --from-json, record it first: guardian_name, relationship, how, given_on.
    Guardian {
        /// The candidate's id.
        id: String,
        /// The guardian's consent as a JSON object, from this file or standard input for `-`.
        #[arg(long, value_name = "FILE|-")]
        from_json: Option<PathBuf>,
    },
    /// Health or disability notes for reasonable adjustments (admins only), held with explicit consent.
    Special {
        /// The candidate's id.
        id: String,
        /// Record the notes read from this file, or from standard input for `-` (health notes are
        /// never arguments, which other users see); omit to show them.
        #[arg(long, value_name = "FILE|-", requires = "consent", conflicts_with = "withdraw")]
        notes_from: Option<std::path::PathBuf>,
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
    /// Add a contact to an employer: a JSON object with forename, surname, job_title, phone, mobile and
    /// email (personal data, so never arguments), from FILE or standard input.
    Add {
        /// The employer's exact name (or give employer_id in the JSON).
        #[arg(long)]
        employer: Option<String>,
        /// The JSON file, or - for standard input.
        #[arg(long = "from-json", value_name = "FILE")]
        from_json: PathBuf,
    },
    /// Correct a contact's details: a JSON object of the fields to change (null clears one).
    Edit {
        /// The contact's id.
        id: String,
        /// The JSON file, or - for standard input.
        #[arg(long = "from-json", value_name = "FILE")]
        from_json: PathBuf,
    },
    /// Remove a contact who asked not to be contacted: consent is withdrawn on every channel and kept
    /// as evidence; they leave the lists and are no longer offered as a site contact.
    Remove {
        /// The contact's id.
        id: String,
        /// Why, e.g. "asked by phone not to be contacted".
        #[arg(long)]
        reason: String,
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
    /// A JSON object with the registration form's fields (`forename`, `surname`, `employee_number`,
    /// `ni_number`, `date_of_birth`, `address` (lines separated by newlines), `postcode`, `email`,
    /// `mobile`, `driving_licence`) and `employer`, the current employer's exact name (omit when
    /// self-booked), read from FILE, or from standard input for `-`. Personal values are read, never
    /// taken as arguments: arguments are visible to other users in the process list.
    #[arg(long, value_name = "FILE|-")]
    pub from_json: PathBuf,
    /// Register even though a likely duplicate exists.
    #[arg(long)]
    pub force: bool,
}

/// The fields `candidate add --from-json` takes: the form's, and the employer by name
/// (`candidate edit` takes the same but the employer's, which `candidate move` changes).
pub const CANDIDATE_FIELDS: [&str; 12] = [
    "forename",
    "surname",
    "employer",
    "employer_id",
    "employee_number",
    "ni_number",
    "date_of_birth",
    "address",
    "postcode",
    "email",
    "mobile",
    "driving_licence",
];

/// A new candidate's form read from `file` (or standard input): the form's fields, with `employer`
/// by exact name (or `employer_id`).
fn new_candidate(store: &Store, actor: &Actor, file: PathBuf) -> Result<CandidateForm> {
    // Names start empty rather than null, so a missing one is "required", as in the window.
    let base = CANDIDATE_FIELDS
        .iter()
        .map(|k| {
            let blank = matches!(*k, "forename" | "surname");
            ((*k).to_owned(), if blank { serde_json::Value::from("") } else { serde_json::Value::Null })
        })
        .collect();
    let mut fields = merged_json(Some(file), base)?;
    let employer = match fields.remove("employer") {
        Some(serde_json::Value::String(name)) => Some(name),
        Some(serde_json::Value::Null) | None => None,
        Some(_) => {
            return Err(Error::Invalid { field: "employer", reason: "should be the employer's exact name".into() })
        }
    };
    let mut form: CandidateForm = form_of(fields)?;
    if let Some(name) = employer {
        if form.employer_id.is_some() {
            return Err(Error::Invalid {
                field: "employer",
                reason: "give the employer or employer_id, not both".into(),
            });
        }
        form.employer_id = Some(store.employer_named(actor, &name)?.id);
    }
    Ok(form)
}

pub fn employer(store: &mut Store, actor: &Actor, verb: EmployerVerb, json: bool) -> Result<ExitCode> {
    let shown = match verb {
        EmployerVerb::Add { name, address, postcode, phone, email } => {
            vec![store.add_employer(actor, &EmployerForm { name, address: lines(address), postcode, phone, email })?]
        }
        EmployerVerb::List { filter } => store.employers(actor, &filter)?,
        EmployerVerb::Edit { id, from_json } => {
            let id = Id::parse(&id)?;
            let base = form_base(&store.employer(actor, id)?, EMPLOYER_FIELDS)?;
            let form: EmployerForm = form_from_json(Some(from_json), base)?;
            vec![store.edit_employer(actor, id, &form)?]
        }
        EmployerVerb::Site { candidate, site, clear: _ } => {
            let candidate = Id::parse(&candidate)?;
            store.set_employee_site(actor, candidate, site.as_deref())?;
            let current = store.employment_history(actor, candidate)?.into_iter().next();
            if json {
                print_json(&current);
            } else if let Some(e) = current {
                println!("{}  {}", e.employer, e.site.as_deref().unwrap_or("(no site)"));
            }
            return Ok(ExitCode::SUCCESS);
        }
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
        CandidateVerb::Edit { id, from_json, reason, force } => {
            crate::corrections::edit(store, actor, &id, from_json, reason.as_deref(), force, json)
        }
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
        CandidateVerb::Search { query_from, limit } => {
            let query = crate::input::text_from_file_or_stdin(query_from)?;
            let rows = store.search_candidates(actor, query.trim(), limit)?;
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
        CandidateVerb::Object { id, reason } => {
            let state = store.object(actor, Id::parse(&id)?, &reason)?;
            print_marketing(&state, json);
            Ok(ExitCode::SUCCESS)
        }
        CandidateVerb::ObjectLift { id, reason } => {
            let state = store.lift_objection(actor, Id::parse(&id)?, &reason)?;
            print_marketing(&state, json);
            Ok(ExitCode::SUCCESS)
        }
        CandidateVerb::Consent { id, channel, give, withdraw, source_from } => {
            let id = Id::parse(&id)?;
            let state = if give || withdraw {
                let channel = Channel::parse(channel.as_deref().unwrap_or_default())?;
                let source = crate::input::text_from_file_or_stdin(source_from)?;
                store.set_candidate_consent(actor, id, channel, give, source.trim())?
            } else {
                store.marketing(actor, id)?
            };
            print_marketing(&state, json);
            Ok(ExitCode::SUCCESS)
        }
        CandidateVerb::Guardian { id, from_json } => {
            let id = Id::parse(&id)?;
            let now = match from_json {
                Some(file) => {
                    let base = GUARDIAN_FIELDS.iter().map(|k| ((*k).to_owned(), "".into())).collect();
                    let form: GuardianForm = form_from_json(Some(file), base)?;
                    Some(store.record_guardian_consent(actor, id, &form)?)
                }
                None => store.guardian_consent(actor, id)?,
            };
            if json {
                print_json(&now);
            } else {
                match now {
                    Some(g) => println!(
                        "{} ({}), given {} by {}; recorded {}",
                        g.guardian_name,
                        g.relationship,
                        g.given_on.format("%d/%m/%Y"),
                        g.how,
                        g.recorded_at
                    ),
                    None => println!("No guardian consent is recorded."),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        CandidateVerb::Special { id, notes_from, consent, withdraw } => {
            let id = Id::parse(&id)?;
            let now = match (notes_from, withdraw) {
                (Some(file), _) => {
                    let notes = crate::input::text_from_file_or_stdin(Some(file))?;
                    store.set_special_category(actor, id, Some(&notes), consent.as_deref().unwrap_or_default())?
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
    let mut c = store.candidate(actor, id)?;
    // Identifiers are their own, audited read: asked for only by a role that may see them.
    c.identifiers =
        if actor.may(Permission::ReadIdentifiers) { Some(store.candidate_identifiers(actor, id)?) } else { None };
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
        ContactVerb::Add { employer, from_json } => {
            // Names start empty, so leaving one out is the core's "is required", not a JSON error.
            let mut base: serde_json::Map<_, _> =
                CONTACT_FIELDS.iter().map(|k| ((*k).to_owned(), serde_json::Value::Null)).collect();
            for k in ["forename", "surname"] {
                base.insert(k.into(), "".into());
            }
            if let Some(name) = employer {
                let id = store.employer_named(actor, &name)?.id;
                base.insert("employer_id".into(), serde_json::Value::String(id.to_string()));
            }
            let merged = merged_json(Some(from_json), base)?;
            if merged["employer_id"].is_null() {
                return Err(Error::Invalid { field: "employer", reason: "give --employer NAME or employer_id".into() });
            }
            vec![store.add_contact(actor, &form_of::<ContactForm>(merged)?)?]
        }
        ContactVerb::Edit { id, from_json } => {
            let id = Id::parse(&id)?;
            let base = form_base(&store.contact(actor, id)?, CONTACT_FIELDS)?;
            vec![store.edit_contact(actor, id, &form_from_json::<ContactForm>(Some(from_json), base)?)?]
        }
        ContactVerb::Remove { id, reason } => vec![store.remove_contact(actor, Id::parse(&id)?, &reason)?],
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
    let form = new_candidate(store, actor, a.from_json)?;
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
                    for c in &m.conflicts {
                        println!(
                            "  conflict: the same {}, but a different {}: may be someone else; check which is right",
                            match c.matched {
                                MatchReason::NiNumber => "NI number",
                                MatchReason::SurnameDobPostcode => "surname, date of birth and postcode",
                                MatchReason::EmployeeNumber => "employer and employee number",
                            },
                            match c.contradicted_by {
                                Contradiction::NameAndDateOfBirth => "name and date of birth",
                                Contradiction::NiNumber => "NI number",
                            }
                        );
                    }
                    print_candidate(&m.candidate);
                }
                println!("Use the existing record, or add --force to register a new one.");
            }
            Ok(ExitCode::from(POSSIBLE_DUPLICATE))
        }
    }
}

/// A candidate's objection and marketing consents, as `candidate consent` shows them.
fn print_marketing(s: &MarketingState, json: bool) {
    if json {
        print_json(s);
        return;
    }
    match &s.objection {
        Some(o) => println!("Objects since {}: {} (no marketing on any channel)", o.objected_at, o.reason),
        None => println!("No objection stands."),
    }
    if s.consents.is_empty() {
        println!("No marketing consent recorded.");
    }
    for c in &s.consents {
        println!(
            "  {:<6} {}",
            format!("{:?}", c.channel).to_lowercase(),
            if c.granted { "given" } else { "withdrawn" }
        );
    }
    if !s.history.is_empty() {
        println!("History, newest first:");
        for c in &s.history {
            let what = if c.granted { "given" } else { "withdrawn" };
            println!("  {}  {:<6} {what:<9} {}", c.recorded_at, format!("{:?}", c.channel).to_lowercase(), c.source);
        }
    }
    for o in s.objections.iter().filter(|o| o.lifted_at.is_some()) {
        println!(
            "Objection of {} ({}) lifted {}: {}",
            o.objected_at,
            o.reason,
            o.lifted_at.as_deref().unwrap_or_default(),
            o.lift_reason.as_deref().unwrap_or_default()
        );
    }
}
