//! Verbs over certificates: issue (one enrolment or a whole run), list, show, history, pdf, reissue,
//! revoke, numbering; `verify` (QR text or PDF); `keys export-public`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use centrebook_core::documents::report::ReportOptions;
use std::ops::ControlFlow;

use centrebook_core::documents::{
    self, signing, BatchFormat, Certificate, CertificateFilter, IssueOptions, Progress, Selection, Template,
    Verification, VerifyStatus,
};
use centrebook_core::outfile::{write_new, NewFile};
use centrebook_core::{fields::parse_uk_date, Actor, Error, Id, Result, Store};

use crate::output::print_json;

#[derive(Debug, clap::Subcommand)]
pub enum CertificateVerb {
    /// Issue a certificate for a passed enrolment (RUN CANDIDATE), or for every passed enrolment of a
    /// run (--run RUN alone). Admin and office.
    Issue {
        /// The run's id.
        #[arg(long)]
        run: String,
        /// The candidate's id (omit to issue for the whole run).
        #[arg(long)]
        candidate: Option<String>,
        /// A template file (JSON, copied from assets/templates/ and edited); images in it are read
        /// relative to its folder.
        #[arg(long, value_name = "FILE", conflicts_with = "portrait")]
        template: Option<PathBuf>,
        /// Use the A4 portrait default instead of landscape.
        #[arg(long)]
        portrait: bool,
        /// The issue date, e.g. 22/11/2026 (default: today).
        #[arg(long)]
        date: Option<String>,
    },
    /// List certificates, newest first.
    List {
        /// Only this candidate's (id).
        #[arg(long)]
        candidate: Option<String>,
        /// Only this run's (id).
        #[arg(long)]
        run: Option<String>,
        /// Include superseded versions.
        #[arg(long)]
        all_versions: bool,
        /// Only those issued (or reissued) on or after this date, e.g. 16/11/2026.
        #[arg(long)]
        issued_from: Option<String>,
        /// Only those issued (or reissued) on or before this date.
        #[arg(long)]
        issued_to: Option<String>,
        /// At most this many (counted after the dates).
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Every version of a certificate number, newest first: the history of its reissues.
    History { number: String },
    /// Show a certificate (--json carries the QR text as `qr`).
    Show {
        number: String,
        /// A given version (default: the standing one).
        #[arg(long)]
        version: Option<u32>,
    },
    /// Write the exact PDF that was issued.
    Pdf {
        number: String,
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// A given version (default: the standing one).
        #[arg(long)]
        version: Option<u32>,
    },
    /// Reissue as a correction: same number, next version, drawn from the records as they are now.
    Reissue {
        number: String,
        /// Why (kept in the audit log).
        #[arg(long)]
        reason: String,
        /// A template file (default: the landscape default).
        #[arg(long, value_name = "FILE", conflicts_with = "portrait")]
        template: Option<PathBuf>,
        /// Use the A4 portrait default.
        #[arg(long)]
        portrait: bool,
    },
    /// Print issued certificates exactly as issued: a run's, those issued between two dates, or the
    /// given numbers; as one combined PDF or a ZIP of one PDF each. A progress line goes to stderr.
    Print {
        /// Certificate numbers (the standing version of each).
        #[arg(required_unless_present_any = ["run", "issued_from"])]
        numbers: Vec<String>,
        /// Every standing certificate of this run (id).
        #[arg(long, conflicts_with_all = ["numbers", "issued_from"])]
        run: Option<String>,
        /// Those issued (or reissued) from this date, e.g. 16/11/2026...
        #[arg(long, requires = "issued_to", conflicts_with = "numbers")]
        issued_from: Option<String>,
        /// ...to this date, both included.
        #[arg(long, requires = "issued_from")]
        issued_to: Option<String>,
        /// pdf (one file) or zip (one PDF per certificate, named by number).
        #[arg(long, default_value = "pdf")]
        format: PrintFormat,
        /// The file to write (a new one; nothing is left under its name if printing fails).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Revoke a certificate number.
    Revoke {
        number: String,
        /// Why (kept, and shown to anyone who verifies it here).
        #[arg(long)]
        reason: String,
    },
    /// Show the number pattern and the next number; with options, set the pattern ({centre},
    /// {yyyy}, {yy}, {mm}, {seq} or {seq:06}) and centre code (admins only).
    Numbering {
        #[arg(long)]
        pattern: Option<String>,
        #[arg(long)]
        centre_code: Option<String>,
    },
    /// The template certificates are issued with when --template is not given.
    #[command(subcommand)]
    Template(TemplateVerb),
}

#[derive(Debug, clap::Subcommand)]
pub enum TemplateVerb {
    /// Print the template in use (or a shipped one, to copy and edit) as JSON.
    Show {
        /// A shipped template instead: landscape or portrait.
        #[arg(long)]
        shipped: Option<String>,
    },
    /// Save an edited copy of a template as the one certificates are issued with (admins only).
    /// Logo and signature files must be full paths.
    Set {
        /// The template file (JSON).
        file: PathBuf,
    },
    /// Go back to the shipped A4 landscape template (admins only).
    Reset,
}

/// Check a certificate: the QR code's text, or a PDF file. Exit 0 only for a genuine certificate
/// that is standing and not revoked; 10 revoked or superseded, 11 tampered, 12 unknown signer or
/// not in this store, 5 not a certificate.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A PDF file, a file holding the QR text, or the QR text itself.
    pub input: String,
    /// Check against this exported public key file, without the store (revocations and reissues
    /// are then unknown).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
pub enum ReportVerb {
    /// Training report for an employer's current employees: courses, dates, trainer, certificate,
    /// expiry and status, with the refresher-due list. Logged as a disclosure to the employer.
    Employer {
        /// The employer's exact name.
        name: String,
        /// pdf, xlsx or csv.
        #[arg(long, default_value = "pdf")]
        format: ReportFormat,
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// "Expiring" means within this many days.
        #[arg(long, default_value_t = 60)]
        within_days: u32,
        /// The report's date, e.g. 22/11/2026 (default: today).
        #[arg(long)]
        date: Option<String>,
        /// Only employees at this site or department (as recorded on their employment).
        #[arg(long)]
        site: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum PrintFormat {
    Pdf,
    Zip,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ReportFormat {
    Pdf,
    Xlsx,
    Csv,
}

#[derive(Debug, clap::Subcommand)]
pub enum KeysVerb {
    /// Write the centre's public key(s), for employers and others to check certificates.
    ExportPublic {
        /// The file to write (default: standard output).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Write the verification page: one self-contained HTML file holding the centre's public keys and
    /// today's revocations, which checks a certificate's QR statement in the browser, offline. Put it
    /// on the centre's website at the address set with `centre set --verify-url`.
    VerifyPage {
        /// The new file to write, e.g. verify.html.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

fn id(field: &'static str, s: &str) -> Result<Id> {
    Id::parse(s.trim()).map_err(|_| Error::Invalid { field, reason: "should be an id as listed".into() })
}

fn issue_options(template: Option<PathBuf>, portrait: bool, date: Option<String>) -> Result<IssueOptions> {
    let (template, template_dir) = match template {
        Some(path) => {
            let json = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                action: "read",
                path: path.clone(),
                source,
            })?;
            (Some(Template::parse(&json)?), path.parent().map(Path::to_path_buf))
        }
        None if portrait => (Some(Template::default_for(false)), None),
        None => (None, None),
    };
    let on = date.map(|d| parse_uk_date("date", &d)).transpose()?;
    Ok(IssueOptions { template, template_dir, on })
}

fn line(c: &Certificate) -> String {
    let expires = c.expires_on.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_else(|| "no expiry".into());
    format!(
        "{}  v{}  {:<10}  {}  {}  issued {}  expires {}",
        c.number,
        c.version,
        c.status.label(),
        c.content.candidate_name,
        c.content.course_title,
        c.issued_on.format("%d/%m/%Y"),
        expires
    )
}

pub fn certificate(store: &mut Store, actor: &Actor, verb: CertificateVerb, json: bool) -> Result<ExitCode> {
    match verb {
        CertificateVerb::Issue { run, candidate, template, portrait, date } => {
            let opts = issue_options(template, portrait, date)?;
            let run = id("run", &run)?;
            match candidate {
                Some(c) => {
                    let enrolment = store.enrolment_of(actor, run, id("candidate", &c)?)?;
                    let cert = store.issue_certificate(actor, enrolment.id, &opts)?;
                    if json {
                        print_json(&cert);
                    } else {
                        println!("{}", line(&cert));
                    }
                }
                None => {
                    let out = store.issue_run_certificates(actor, run, &opts)?;
                    if json {
                        print_json(&out);
                    } else {
                        for c in &out.issued {
                            println!("{}", line(c));
                        }
                        for s in &out.skipped {
                            println!("skipped enrolment {}: {}", s.enrolment_id, s.reason);
                        }
                        println!("issued {} certificate(s); {} left out", out.issued.len(), out.skipped.len());
                    }
                }
            }
        }
        CertificateVerb::List { candidate, run, all_versions, issued_from, issued_to, limit } => {
            let filter = CertificateFilter {
                candidate: candidate.as_deref().map(|c| id("candidate", c)).transpose()?,
                run: run.as_deref().map(|r| id("run", r)).transpose()?,
                all_versions,
                issued_from: issued_from.map(|d| parse_uk_date("issued-from", &d)).transpose()?,
                issued_to: issued_to.map(|d| parse_uk_date("issued-to", &d)).transpose()?,
                limit,
            };
            let list = store.certificates(actor, &filter)?;
            if json {
                print_json(&list);
            } else {
                for c in &list {
                    println!("{}", line(c));
                }
            }
        }
        CertificateVerb::History { number } => {
            let versions = store.certificate_versions(actor, &number)?;
            if json {
                print_json(&versions);
            } else {
                for c in &versions {
                    println!("{}", line(c));
                    if let Some(r) = &c.reissue_reason {
                        println!("  reissued {}: {r}", c.reissued_on.map(|d| d.to_string()).unwrap_or_default());
                    }
                }
            }
        }
        CertificateVerb::Show { number, version } => {
            let c = store.certificate(actor, &number, version)?;
            if json {
                print_json(&c);
            } else {
                println!("{}", line(&c));
                let k = &c.content;
                println!("  employer: {}", k.employer.as_deref().unwrap_or("-"));
                println!("  employee number: {}", k.employee_number.as_deref().unwrap_or("-"));
                println!("  result: {}", k.result);
                println!("  trainer: {}", k.trainer_name.as_deref().unwrap_or("-"));
                if let Some(r) = &c.reissue_reason {
                    println!("  reissued {}: {r}", c.reissued_on.map(|d| d.to_string()).unwrap_or_default());
                }
                if let Some(r) = &c.revocation {
                    println!("  revoked {} by {}: {}", r.at, r.by, r.reason);
                }
                println!("  sha256: {}", c.sha256);
            }
        }
        CertificateVerb::Pdf { number, out, version } => {
            let bytes = store.save_certificate_pdf(actor, &number, version, &out)?;
            if json {
                print_json(&serde_json::json!({ "number": number.trim(), "out": out, "bytes": bytes }));
            } else {
                println!("wrote {} ({bytes} bytes), logged as a disclosure", out.display());
            }
        }
        CertificateVerb::Reissue { number, reason, template, portrait } => {
            let opts = issue_options(template, portrait, None)?;
            let c = store.reissue_certificate(actor, &number, &reason, &opts)?;
            if json {
                print_json(&c);
            } else {
                println!("{}", line(&c));
            }
        }
        CertificateVerb::Print { numbers, run, issued_from, issued_to, format, out } => {
            let selection = match (run, issued_from, issued_to) {
                (Some(r), _, _) => Selection::Run(id("run", &r)?),
                (None, Some(f), Some(t)) => {
                    Selection::Issued { from: parse_uk_date("issued-from", &f)?, to: parse_uk_date("issued-to", &t)? }
                }
                _ => Selection::Numbers(numbers),
            };
            let format = match format {
                PrintFormat::Pdf => BatchFormat::Pdf,
                PrintFormat::Zip => BatchFormat::Zip,
            };
            let mut report = |p: Progress| {
                if !json {
                    eprint!("\rprinting {}/{}", p.done, p.total);
                    if p.done == p.total {
                        eprintln!();
                    }
                }
                ControlFlow::Continue(())
            };
            let mut file = NewFile::create(&out)?;
            let summary = store.print_certificates(actor, &selection, format, &mut file, &mut report)?;
            file.commit()?;
            if json {
                print_json(&serde_json::json!({ "out": out, "summary": summary }));
            } else {
                println!(
                    "wrote {} ({} certificates, {} pages, {} bytes)",
                    out.display(),
                    summary.certificates,
                    summary.pages,
                    summary.bytes
                );
            }
        }
        CertificateVerb::Revoke { number, reason } => {
            let c = store.revoke_certificate(actor, &number, &reason)?;
            if json {
                print_json(&c);
            } else {
                println!("{}", line(&c));
            }
        }
        CertificateVerb::Numbering { pattern, centre_code } => {
            if pattern.is_some() || centre_code.is_some() {
                store.set_certificate_numbering(actor, pattern.as_deref(), centre_code.as_deref())?;
            }
            let n = store.certificate_numbering(actor)?;
            if json {
                print_json(&n);
            } else {
                println!("pattern {}, centre code {}; next number {}", n.pattern, n.centre_code, n.next);
            }
        }
        CertificateVerb::Template(verb) => template(store, actor, verb, json)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn template(store: &mut Store, actor: &Actor, verb: TemplateVerb, json: bool) -> Result<()> {
    let choice = match verb {
        TemplateVerb::Show { shipped: Some(key) } => {
            let t = documents::shipped_templates()
                .into_iter()
                .find(|t| t.key.eq_ignore_ascii_case(key.trim()))
                .ok_or_else(|| Error::NotFound { what: "shipped template", name: key.trim().to_owned() })?;
            println!("{}", t.json.trim_end());
            return Ok(());
        }
        TemplateVerb::Show { shipped: None } => store.certificate_template(actor)?,
        TemplateVerb::Set { file } => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| Error::Io { action: "read", path: file, source: e })?;
            store.set_certificate_template(actor, Some(&text))?
        }
        TemplateVerb::Reset => store.set_certificate_template(actor, None)?,
    };
    if json {
        print_json(&choice);
    } else {
        println!("{}", choice.json);
        let which = if choice.custom { "saved in this store" } else { "the shipped default" };
        eprintln!("certificates are issued with \"{}\" ({which})", choice.name);
    }
    Ok(())
}

/// The bytes to check: a file's contents when `input` names a file, else the text itself.
fn verify_input(input: &str) -> Result<Vec<u8>> {
    let path = Path::new(input);
    if input.len() < 4096 && path.is_file() {
        return std::fs::read(path).map_err(|source| Error::Io { action: "read", path: path.to_path_buf(), source });
    }
    Ok(input.as_bytes().to_vec())
}

fn print_verification(v: &Verification, json: bool) -> ExitCode {
    if json {
        print_json(v);
    } else {
        let word = format!("{:?}", v.status).to_lowercase();
        match &v.statement {
            Some(s) if matches!(v.status, VerifyStatus::Valid | VerifyStatus::Revoked | VerifyStatus::Superseded) => {
                println!(
                    "{word}: {} v{} — {}, {} (expires {})",
                    s.number,
                    s.version,
                    s.name,
                    s.course,
                    if s.expires.is_empty() { "never" } else { &s.expires }
                );
            }
            _ => match &v.card {
                Some(c)
                    if matches!(v.status, VerifyStatus::Valid | VerifyStatus::Revoked | VerifyStatus::Superseded) =>
                {
                    let held: Vec<String> = c
                        .held
                        .iter()
                        .map(|(n, e)| if e.is_empty() { n.clone() } else { format!("{n} (expires {e})") })
                        .collect();
                    println!("{word}: card {} — {}, holds {}", c.number, c.name, held.join(", "));
                }
                _ => println!("{word}"),
            },
        }
        println!("{}", v.detail);
    }
    ExitCode::from(match v.status {
        VerifyStatus::Valid => 0,
        VerifyStatus::Revoked | VerifyStatus::Superseded => 10,
        VerifyStatus::Tampered => 11,
        VerifyStatus::UnknownSigner | VerifyStatus::UnknownCertificate => 12,
        VerifyStatus::NoLongerConfirmable => 13,
        VerifyStatus::NotACertificate => 5,
    })
}

/// `verify --key FILE`: needs no store and no sign-in.
pub fn verify_with_key(args: &VerifyArgs, json: bool) -> Result<ExitCode> {
    let path = args.key.as_ref().ok_or(Error::Invalid { field: "--key", reason: "give the public key file".into() })?;
    let text =
        std::fs::read_to_string(path).map_err(|source| Error::Io { action: "read", path: path.clone(), source })?;
    let keys = signing::import(&text)?;
    Ok(print_verification(&documents::verify_offline(&verify_input(&args.input)?, &keys), json))
}

/// `verify` against the store: also knows revocations, reissues and the issued file's SHA-256.
pub fn verify(store: &mut Store, actor: &Actor, args: VerifyArgs, json: bool) -> Result<ExitCode> {
    if args.key.is_some() {
        return verify_with_key(&args, json);
    }
    let v = store.verify_certificate(actor, &verify_input(&args.input)?)?;
    Ok(print_verification(&v, json))
}

pub fn report(store: &mut Store, actor: &Actor, verb: ReportVerb, json: bool) -> Result<ExitCode> {
    match verb {
        ReportVerb::Employer { name, format, out, within_days, date, site } => {
            let employer = store.employer_named(actor, &name)?.id;
            let today = match date {
                Some(d) => parse_uk_date("date", &d)?,
                None => chrono::Local::now().date_naive(),
            };
            let opts = ReportOptions { today, expiring_within_days: within_days, site };
            let report = store.employer_report_with(actor, employer, &opts)?;
            let bytes = match format {
                ReportFormat::Pdf => report.to_pdf(),
                ReportFormat::Xlsx => report.to_xlsx()?,
                ReportFormat::Csv => report.to_csv(),
            };
            write_new(&out, &bytes)?;
            store.note_report_file(actor, &report, &out, &bytes)?;
            let due = report.people_due_refresher();
            if json {
                print_json(&serde_json::json!({
                    "out": out,
                    "employees": report.employees(),
                    "rows": report.rows.len(),
                    "refresher_due": due,
                }));
            } else {
                println!(
                    "wrote {} ({} employees, {} rows, {due} employee(s) due a refresher)",
                    out.display(),
                    report.employees(),
                    report.rows.len()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn keys(store: &mut Store, actor: &Actor, verb: KeysVerb, json: bool) -> Result<ExitCode> {
    match verb {
        KeysVerb::ExportPublic { out } => {
            let text = store.export_public_keys(actor)?;
            match out {
                Some(path) => {
                    write_new(&path, text.as_bytes())?;
                    if json {
                        print_json(&serde_json::json!({ "out": path }));
                    } else {
                        println!("wrote {}", path.display());
                    }
                }
                None => print!("{text}"),
            }
        }
        KeysVerb::VerifyPage { out } => {
            let bytes = store.save_verification_page(actor, &out)?;
            let url = store.centre()?.verify_url;
            if json {
                print_json(&serde_json::json!({ "out": out, "bytes": bytes, "verify_url": url }));
            } else {
                println!("wrote {} ({bytes} bytes)", out.display());
                match url {
                    Some(u) => println!("Publish it at {u}: certificates' QR codes open it."),
                    None => println!(
                        "Publish it on the centre's website and give its address with `centrebook centre set --verify-url`."
                    ),
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
