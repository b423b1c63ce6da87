//! Verbs over awarding-body submission bundles: create, waiting, verify, list, mark-sent, mark-acknowledged,
//! affected (the breach listing), profiles.
//!
//! A bundle's password comes from an environment variable named with `--password-env`, never from an
//! argument. Every refusal of a bundle file (tampered, truncated, wrong password, another centre's,
//! oversized, unsafe paths) exits 5 with the reason.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use centrebook_core::bundle::profile::BUILT_IN;
use centrebook_core::bundle::{BundleOptions, BundleSummary, IdentifierGap, Profile};
use centrebook_core::{Actor, Error, Id, Result, Store, Zeroizing};

use crate::output::print_json;

#[derive(Debug, clap::Subcommand)]
pub enum BundleVerb {
    /// Make a submission bundle of the results not yet submitted to a body (admins only).
    Create {
        /// A built-in profile: see `bundle profiles`.
        #[arg(long, required_unless_present = "profile_file", conflicts_with = "profile_file")]
        profile: Option<String>,
        /// A profile file (a built-in one copied and edited).
        #[arg(long, value_name = "FILE")]
        profile_file: Option<PathBuf>,
        /// The awarding body's code, for a generic profile.
        #[arg(long)]
        body: Option<String>,
        /// The bundle file to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Protect the bundle with the password held in this environment variable.
        #[arg(long, value_name = "VAR")]
        password_env: Option<String>,
        /// A correction bundle: only results changed since they were submitted.
        #[arg(long)]
        correction: bool,
    },
    /// What the next bundle of a profile would take, and the identifiers it would go without.
    Waiting {
        /// A built-in profile: see `bundle profiles`.
        #[arg(long, required_unless_present = "profile_file", conflicts_with = "profile_file")]
        profile: Option<String>,
        /// A profile file (a built-in one copied and edited).
        #[arg(long, value_name = "FILE")]
        profile_file: Option<PathBuf>,
        /// The awarding body's code, for a generic profile.
        #[arg(long)]
        body: Option<String>,
    },
    /// Re-open a bundle and check everything (signature, every file's hash, limits, paths); a
    /// password-protected one (a standard AES-256 ZIP) with its password.
    Verify {
        file: PathBuf,
        /// The bundle's password is in this environment variable.
        #[arg(long, value_name = "VAR")]
        password_env: Option<String>,
    },
    /// Submissions made, newest first.
    List,
    /// Mark a submission sent to its awarding body.
    MarkSent { id: String },
    /// Mark a submission acknowledged by its awarding body.
    MarkAcknowledged {
        id: String,
        /// The body's acknowledgement reference.
        #[arg(long)]
        reference: Option<String>,
    },
    /// Everyone a bundle disclosed and which of their fields: the list for a breach report (admins).
    Affected {
        /// A bundle id, or the bundle file.
        bundle: String,
        /// For a password-protected file: the variable holding its password.
        #[arg(long, value_name = "VAR")]
        password_env: Option<String>,
        /// Also save the list as a new CSV file (for a spreadsheet; formula-like cells are made text).
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
    /// The built-in profiles; with a name, print that profile's JSON to copy and edit.
    Profiles { name: Option<String> },
}

fn profile_of(profile: Option<String>, profile_file: Option<PathBuf>) -> Result<Profile> {
    match (profile, profile_file) {
        (_, Some(file)) => Profile::from_json(&read(&file)?),
        (Some(name), None) => Profile::built_in(&name),
        (None, None) => Err(Error::Invalid { field: "--profile", reason: "give a profile".into() }),
    }
}

/// The warnings about identifiers a bundle goes (or would go) without, one a line.
fn print_gaps(gaps: &[IdentifierGap]) {
    for g in gaps {
        println!("warning: {}", g.message);
    }
}

fn password(var: &Option<String>) -> Result<Option<Zeroizing<String>>> {
    let Some(var) = var else { return Ok(None) };
    match std::env::var(var) {
        Ok(p) if !p.is_empty() => Ok(Some(Zeroizing::new(p))),
        _ => Err(Error::Invalid { field: "--password-env", reason: format!("set {var} to the bundle's password") }),
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io { action: "read", path: path.to_path_buf(), source })
}

fn id(s: &str) -> Result<Id> {
    Id::parse(s.trim()).map_err(|_| Error::Invalid { field: "bundle", reason: "give a bundle id as listed".into() })
}

fn summary_line(b: &BundleSummary) -> String {
    let n = |k: &str| b.counts.get(k).copied().unwrap_or(0);
    format!(
        "{}  {}  {:<8} {:<10} {:<12} {} results, {} candidates, {} photos{}{}",
        b.id,
        &b.created_at[..b.created_at.len().min(10)],
        b.awarding_body,
        b.profile,
        format!("{:?}", b.status).to_lowercase(),
        n("results"),
        n("candidates"),
        n("photos"),
        if b.correction { ", correction" } else { "" },
        if b.protection == "password" { ", password" } else { "" },
    )
}

pub fn run(store: &mut Store, actor: &Actor, verb: BundleVerb, json: bool) -> Result<ExitCode> {
    match verb {
        BundleVerb::Create { profile, profile_file, body, out, password_env, correction } => {
            let profile = profile_of(profile, profile_file)?;
            let pw = password(&password_env)?;
            let opts = BundleOptions { body: body.as_deref(), correction, password: pw.as_ref().map(|p| p.as_bytes()) };
            let report = store.create_bundle(actor, &profile, &opts, &out)?;
            if json {
                print_json(&report);
            } else {
                match &report.bundle {
                    Some(b) => println!(
                        "wrote {} ({}bundle {}: {} results, {} candidates, {} photos{})",
                        b.file.display(),
                        if b.correction { "correction " } else { "" },
                        b.id,
                        b.results,
                        b.candidates,
                        b.photos,
                        if pw.is_some() { ", password-protected: pass the password on separately" } else { "" },
                    ),
                    None if correction => println!("no submitted result has changed: nothing to correct"),
                    None => println!("nothing new to submit"),
                }
                if report.changed_since_submitted > 0 {
                    println!(
                        "{} submitted result(s) changed since: make a correction bundle with --correction",
                        report.changed_since_submitted
                    );
                }
                if report.held_back_restricted > 0 {
                    println!(
                        "{} result(s) held back: the candidate's processing is restricted",
                        report.held_back_restricted
                    );
                }
                if report.missing_identifiers > 0 {
                    println!(
                        "{} row(s) lack an identifier their course requires (sent blank)",
                        report.missing_identifiers
                    );
                }
                print_gaps(&report.gaps);
                for n in &report.notes {
                    println!("note: {n}");
                }
            }
        }
        BundleVerb::Waiting { profile, profile_file, body } => {
            let profile = profile_of(profile, profile_file)?;
            let w = store.bundle_waiting(actor, &profile, body.as_deref())?;
            if json {
                print_json(&w);
            } else {
                println!(
                    "{}: {} new result(s) waiting, {} correction(s), {} held back (restricted)",
                    w.awarding_body, w.new_results, w.corrections, w.held_back_restricted
                );
                print_gaps(&w.gaps);
            }
        }
        BundleVerb::Verify { file, password_env } => {
            let pw = password(&password_env)?;
            let v = store.verify_bundle(actor, &read(&file)?, pw.as_ref().map(|p| p.as_bytes()))?;
            if json {
                print_json(&v);
            } else {
                let m = &v.manifest;
                let counts: Vec<String> = m.counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
                println!("valid: bundle {} from {}, signed by key {}", m.id, m.centre.name, m.signer);
                println!("made {}; {}; protection: {:?}", m.created_at, counts.join(", "), v.protection);
                println!("signature: valid; every file matches the signed manifest:");
                for f in &m.files {
                    println!("  {:>10}  {}", f.size, f.path);
                }
                match &v.recorded {
                    Some(r) if v.same_file_as_recorded => println!("recorded here: {}", summary_line(r)),
                    Some(r) => println!("recorded here (this copy differs in its wrapping): {}", summary_line(r)),
                    None => println!("not recorded in this store"),
                }
            }
        }
        BundleVerb::List => {
            let all = store.bundles(actor)?;
            if json {
                print_json(&all);
            } else if all.is_empty() {
                println!("no bundles yet");
            } else {
                for b in &all {
                    println!("{}", summary_line(b));
                }
            }
        }
        BundleVerb::MarkSent { id: s } => {
            let b = store.mark_bundle_sent(actor, id(&s)?)?;
            if json {
                print_json(&b);
            } else {
                println!("{}", summary_line(&b));
            }
        }
        BundleVerb::MarkAcknowledged { id: s, reference } => {
            let b = store.mark_bundle_acknowledged(actor, id(&s)?, reference.as_deref())?;
            if json {
                print_json(&b);
            } else {
                println!("{}", summary_line(&b));
            }
        }
        BundleVerb::Affected { bundle, password_env, csv } => {
            let path = Path::new(&bundle);
            let bundle_id = if path.is_file() {
                let pw = password(&password_env)?;
                store.verify_bundle(actor, &read(path)?, pw.as_ref().map(|p| p.as_bytes()))?.manifest.id
            } else {
                id(&bundle)?
            };
            let a = match &csv {
                Some(out) => store.save_bundle_affected(actor, bundle_id, out)?,
                None => store.bundle_affected(actor, bundle_id)?,
            };
            if json {
                print_json(&a);
            } else {
                println!(
                    "bundle {} to {}, made {}: {} people",
                    a.bundle.id,
                    a.recipient,
                    &a.disclosed_at[..a.disclosed_at.len().min(16)],
                    a.people.len()
                );
                for p in &a.people {
                    println!("{}  {}  {}", p.candidate_id, p.name, p.fields.join(", "));
                }
                if let Some(out) = &csv {
                    println!("wrote {}", out.display());
                }
            }
        }
        BundleVerb::Profiles { name: Some(name) } => {
            let p = Profile::built_in(&name)?;
            println!("{}", p.to_json());
        }
        BundleVerb::Profiles { name: None } => {
            let all: Vec<Profile> = BUILT_IN.iter().map(|(n, _)| Profile::built_in(n)).collect::<Result<_>>()?;
            if json {
                print_json(&all);
            } else {
                for p in &all {
                    println!("{:<10} {}", p.name, p.title);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
