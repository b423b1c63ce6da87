//! The people's rights verbs: `request add/list/close` (the register), `subject export/open` (their
//! copy, sealed with a password from the environment) and `disclosure add/list/affected` (the log and
//! the breach list of any logged output). Details that may name people come from a JSON file or
//! standard input, never from arguments.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use centrebook_core::records::{Disclosure, DisclosureKey, ManualDisclosure, Request, RequestForm, RequestOutcome};
use centrebook_core::{Actor, Error, Id, KdfParams, Result, Store};
use clap::{Subcommand, ValueEnum};

use crate::input::text_from_file_or_stdin;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum RequestVerb {
    /// Enter a request in the register (admin and office). The JSON object (file or standard input)
    /// holds kind (access, erasure, rectification, restriction, objection), candidate_id,
    /// received_on (31/12/2026), identity_check (how identity was checked) and optional notes. The
    /// due date is computed: the same date next month (its last day when there is none), a weekend
    /// moved to the Monday.
    Add {
        /// The request's JSON file; standard input when left out or `-`.
        #[arg(long)]
        from_json: Option<PathBuf>,
    },
    /// The open requests, oldest first, with their due dates and days left (admin and office).
    List {
        /// Closed ones too.
        #[arg(long)]
        all: bool,
        /// Only this candidate's.
        #[arg(long)]
        candidate: Option<String>,
    },
    /// Close a request: completed, refused (the note says why) or withdrawn. The note comes from a
    /// file or standard input, since it may name people.
    Close {
        id: String,
        #[arg(long, value_enum)]
        outcome: Outcome,
        /// The note's file; standard input when `-`. Left out: no note.
        #[arg(long)]
        note_file: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Outcome {
    Completed,
    Refused,
    Withdrawn,
}

#[derive(Debug, Subcommand)]
pub enum SubjectVerb {
    /// Write a person's copy of everything held about them (data.json, summary.pdf, the original
    /// files) as one new file sealed with the password in VAR, logged as a disclosure to them
    /// (admins). docs/subject-copy.md describes it.
    Export {
        /// The candidate's id.
        id: String,
        /// The new file.
        #[arg(long)]
        out: PathBuf,
        /// The environment variable holding the password (at least 10 characters).
        #[arg(long, value_name = "VAR")]
        password_env: String,
    },
    /// Check a subject copy (password, the centre's signature, every hash) and print its data.json,
    /// or write its files into a new folder (admins).
    Open {
        file: PathBuf,
        #[arg(long, value_name = "VAR")]
        password_env: String,
        /// A new folder to write every file into.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Erase a candidate's records at their request (admins only): name, identifiers, photos,
    /// employments, cards, search entry and the audit log's values about them; with
    /// --keep-training-record their enrolments, results and certificate facts stay, anonymised, else
    /// those go too. Prints what was done and until when backups still hold them.
    Erase(crate::erasure::EraseArgs),
}

#[derive(Debug, Subcommand)]
pub enum DisclosureVerb {
    /// Log a disclosure made outside Centrebook: to the police, the HSE, the person, by phone or
    /// letter (admin and office). The JSON object (file or standard input) holds recipient_kind
    /// (employer, awarding_body, trainer, subject, other), recipient, purpose, channel (phone,
    /// letter, email, in_person, file), disclosed_on, candidate_ids and fields.
    Add {
        #[arg(long)]
        from_json: Option<PathBuf>,
    },
    /// The log, newest first; one person's disclosure history with --candidate (admin and office).
    List {
        #[arg(long)]
        candidate: Option<String>,
        #[arg(long, default_value_t = 200)]
        limit: u32,
    },
    /// Everyone a logged output disclosed and which of their fields, for the 72-hour breach report:
    /// give the file itself (any report, certificate batch, subject copy or bundle the log names) or
    /// an id (a disclosure's, a bundle's, a field pack's) (admins).
    Affected { file_or_id: String },
}

fn password(var: &str) -> Result<centrebook_core::Zeroizing<String>> {
    match std::env::var(var) {
        Ok(p) if !p.is_empty() => Ok(centrebook_core::Zeroizing::new(p)),
        _ => Err(Error::Invalid { field: "--password-env", reason: format!("set {var} to the password") }),
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io { action: "read", path: path.to_path_buf(), source })
}

fn json_form<T: serde::de::DeserializeOwned>(file: Option<PathBuf>) -> Result<T> {
    let text = text_from_file_or_stdin(file)?;
    // serde's message names the field or position, never the value.
    serde_json::from_str(&text).map_err(|e| Error::Invalid {
        field: "form",
        reason: format!("{} (line {}, column {})", e.classify_name(), e.line(), e.column()),
    })
}

trait Classify {
    fn classify_name(&self) -> &'static str;
}

impl Classify for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Data => "a field is missing or has the wrong kind of value",
            _ => "is not JSON",
        }
    }
}

fn request_line(r: &Request) {
    let state = match r.outcome {
        Some(o) => {
            format!("closed {} ({o:?})", r.closed_on.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default())
                .to_lowercase()
        }
        None if r.days_left < 0 => format!("OVERDUE by {} days", -r.days_left),
        None => format!("{} days left", r.days_left),
    };
    println!(
        "{}  {:<13} received {}  due {}  {:<22} {}",
        r.id,
        r.kind.label(),
        r.received_on.format("%d/%m/%Y"),
        r.due_on.format("%d/%m/%Y"),
        state,
        r.person.as_deref().unwrap_or("(record gone)"),
    );
}

pub fn request(store: &mut Store, actor: &Actor, verb: RequestVerb, json: bool) -> Result<ExitCode> {
    let today = chrono::Local::now().date_naive();
    let list = match verb {
        RequestVerb::Add { from_json } => {
            let form: RequestForm = json_form(from_json)?;
            vec![store.add_request(actor, &form)?]
        }
        RequestVerb::List { all, candidate } => {
            let candidate = candidate.as_deref().map(Id::parse).transpose()?;
            store.requests(actor, !all, candidate, today)?
        }
        RequestVerb::Close { id, outcome, note_file } => {
            let note = note_file.map(|f| text_from_file_or_stdin(Some(f))).transpose()?;
            let outcome = match outcome {
                Outcome::Completed => RequestOutcome::Completed,
                Outcome::Refused => RequestOutcome::Refused,
                Outcome::Withdrawn => RequestOutcome::Withdrawn,
            };
            vec![store.close_request(actor, Id::parse(&id)?, outcome, note.as_deref())?]
        }
    };
    if json {
        print_json(&list);
    } else if list.is_empty() {
        println!("No open requests.");
    } else {
        list.iter().for_each(request_line);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn subject(store: &mut Store, actor: &Actor, verb: SubjectVerb, json: bool) -> Result<ExitCode> {
    match verb {
        SubjectVerb::Erase(a) => return crate::erasure::erase(store, actor, a, json),
        SubjectVerb::Export { id, out, password_env } => {
            let pw = password(&password_env)?;
            let made = store.export_subject(actor, Id::parse(&id)?, &out, pw.as_bytes(), KdfParams::UNLOCK)?;
            if json {
                print_json(&made);
            } else {
                println!(
                    "wrote {} ({} files, {} bytes), logged as disclosure {}",
                    out.display(),
                    made.files,
                    made.size,
                    made.disclosure
                );
            }
        }
        SubjectVerb::Open { file, password_env, out } => {
            let pw = password(&password_env)?;
            let opened = store.open_subject_copy(actor, &read(&file)?, pw.as_bytes())?;
            match out {
                Some(folder) => {
                    std::fs::create_dir(&folder).map_err(|source| Error::Io {
                        action: "create",
                        path: folder.clone(),
                        source,
                    })?;
                    for (path, bytes) in &opened.files {
                        // Paths were checked safe by the reader (relative, no `..`).
                        let target = folder.join(path);
                        if let Some(parent) = target.parent() {
                            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                                action: "create",
                                path: parent.to_path_buf(),
                                source,
                            })?;
                        }
                        centrebook_core::outfile::write_new(&target, bytes)?;
                    }
                    if !json {
                        println!("checked and wrote {} files into {}", opened.files.len(), folder.display());
                    } else {
                        print_json(&opened.manifest);
                    }
                }
                None => {
                    let data = opened.file(centrebook_core::subject::DATA).unwrap_or_default();
                    println!("{}", String::from_utf8_lossy(data));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn disclosure_line(d: &Disclosure) {
    let output = d.output.map(|o| format!("{o:?}")).unwrap_or_else(|| "output".into());
    println!(
        "{}  {}  {:<15} to {} ({}): {} people{}{}",
        d.id,
        d.disclosed_on.map(|d| d.to_string()).unwrap_or_else(|| d.at.chars().take(10).collect()),
        output,
        d.recipient,
        d.purpose,
        d.people,
        if d.fields.is_empty() { String::new() } else { format!("; {}", d.fields.join(", ")) },
        d.file_name.as_deref().map(|f| format!("; file {f}")).unwrap_or_default(),
    );
}

pub fn disclosure(store: &mut Store, actor: &Actor, verb: DisclosureVerb, json: bool) -> Result<ExitCode> {
    match verb {
        DisclosureVerb::Add { from_json } => {
            let form: ManualDisclosure = json_form(from_json)?;
            let d = store.add_disclosure(actor, &form)?;
            if json {
                print_json(&d);
            } else {
                disclosure_line(&d);
            }
        }
        DisclosureVerb::List { candidate, limit } => {
            let candidate = candidate.as_deref().map(Id::parse).transpose()?;
            let list = store.disclosures(actor, candidate, limit)?;
            if json {
                print_json(&list);
            } else if list.is_empty() {
                println!("Nothing disclosed.");
            } else {
                list.iter().for_each(disclosure_line);
            }
        }
        DisclosureVerb::Affected { file_or_id } => {
            let path = Path::new(&file_or_id);
            let bytes;
            let key = if path.is_file() {
                bytes = read(path)?;
                DisclosureKey::File(&bytes)
            } else {
                DisclosureKey::Id(Id::parse(file_or_id.trim()).map_err(|_| Error::Invalid {
                    field: "file_or_id",
                    reason: "give a file that was saved, or an id as listed".into(),
                })?)
            };
            let a = store.disclosure_affected(actor, key)?;
            if json {
                print_json(&a);
            } else {
                disclosure_line(&a.disclosure);
                for p in &a.people {
                    println!(
                        "{}  {}  {}",
                        p.candidate_id,
                        p.name.as_deref().unwrap_or("(record gone)"),
                        p.fields.join(", ")
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
