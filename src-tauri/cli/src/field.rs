//! Verbs for field work: the key exchange (`field`), field packs (`fieldpack`) and results returns
//! (`return`). The office store makes packs and applies returns; the trainer's laptop, a separate
//! store enrolled with `field enrol`, imports packs and exports returns.
//!
//! `return import` exits 9 when conflicts wait for a person (`return conflicts`, `return resolve`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use centrebook_core::field::{
    centre_key_fingerprints, fingerprint, Conflict, ConflictKind, FolderPack, PackImport, ReturnImport, Take,
};
use centrebook_core::outfile::write_new;
use centrebook_core::{Actor, Error, Id, Result, Store};

use crate::output::print_json;

/// `return import` when changes were held for a person.
pub const CONFLICTS_WAIT: u8 = 9;

#[derive(Debug, clap::Subcommand)]
pub enum FieldVerb {
    /// Office: write the centre-key file a trainer's laptop is enrolled with (admins only).
    CentreKey {
        /// The file to write.
        #[arg(long, value_name = "FILE", required_unless_present = "folder", conflicts_with = "folder")]
        out: Option<PathBuf>,
        /// Or leave it in the exchange folder (USB stick or shared folder), replacing an older one.
        #[arg(long, value_name = "DIR")]
        folder: Option<PathBuf>,
    },
    /// Laptop: make this store a trainer's field store working for the centre in FILE (the file
    /// from `field centre-key`), with its own keys. Again with a newer file, refreshes the keys.
    Enrol {
        /// The centre-key file.
        #[arg(long, value_name = "FILE", required_unless_present = "folder", conflicts_with = "folder")]
        centre_key: Option<PathBuf>,
        /// Or the exchange folder holding it; the laptop's own key is left there for the office.
        #[arg(long, value_name = "DIR")]
        folder: Option<PathBuf>,
        /// A name for this laptop, e.g. "Tess's laptop".
        #[arg(long)]
        name: String,
        /// Replace the centre keys this laptop trusts although no trusted key signed the file: only
        /// after comparing the fingerprints the refusal showed with the office's screen. Audited.
        /// Takes the file itself (`--centre-key`), not the folder.
        #[arg(long, requires = "centre_key")]
        replace: bool,
    },
    /// Laptop: write this laptop's device-key file (public keys) for the office to register.
    DeviceKey {
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Either side: the fingerprints of the signing keys in a centre-key file, to compare with what
    /// the other screen shows (a damaged or forged file is refused).
    Fingerprints {
        /// The centre-key file.
        #[arg(long, value_name = "FILE")]
        centre_key: PathBuf,
    },
    /// Laptop: this laptop's device id and the centre it works for.
    Status,
    /// Office: trainers' laptops.
    #[command(subcommand)]
    Device(DeviceVerb),
}

#[derive(Debug, clap::Subcommand)]
pub enum DeviceVerb {
    /// Register a laptop from its device-key file for a trainer who has a user account (admins only).
    Add {
        /// The trainer's id.
        #[arg(long)]
        trainer: String,
        /// The device-key file.
        file: PathBuf,
    },
    /// List registered laptops.
    List,
    /// Stop trusting a laptop (lost or replaced; admins only).
    Revoke {
        /// The device id.
        device: String,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum FieldpackVerb {
    /// Office: export course runs for their trainer's laptop: signed, encrypted to the laptop, and
    /// logged as a disclosure to the trainer.
    Export {
        /// A run's id (repeat for several).
        #[arg(long = "run", required = true)]
        runs: Vec<String>,
        /// The laptop (default: the only laptop of the runs' trainer).
        #[arg(long)]
        device: Option<String>,
        /// The file to write.
        #[arg(long, value_name = "FILE", required_unless_present = "folder", conflicts_with = "folder")]
        out: Option<PathBuf>,
        /// Or write it into the exchange folder, named for its laptop.
        #[arg(long, value_name = "DIR")]
        folder: Option<PathBuf>,
    },
    /// Laptop: import a field pack (or every pack for this laptop in the exchange folder). Importing
    /// the same pack again changes nothing.
    Import {
        /// The pack file.
        #[arg(required_unless_present = "folder", conflicts_with = "folder")]
        file: Option<PathBuf>,
        /// Or the exchange folder.
        #[arg(long, value_name = "DIR")]
        folder: Option<PathBuf>,
        /// Replace runs this laptop holds changes for (export a return first).
        #[arg(long)]
        replace: bool,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum ReturnVerb {
    /// Laptop: export everything recorded since the packs, signed by this laptop, encrypted to the centre.
    Export {
        /// The file to write.
        #[arg(long, value_name = "FILE", required_unless_present = "folder", conflicts_with = "folder")]
        out: Option<PathBuf>,
        /// Or write it into the exchange folder, named for this laptop and numbered.
        #[arg(long, value_name = "DIR")]
        folder: Option<PathBuf>,
    },
    /// Office: apply a return in one transaction (or every return in the exchange folder). Exit 9
    /// when conflicts wait for a person.
    Import {
        /// The return file.
        #[arg(required_unless_present = "folder", conflicts_with = "folder")]
        file: Option<PathBuf>,
        /// Or the exchange folder.
        #[arg(long, value_name = "DIR")]
        folder: Option<PathBuf>,
    },
    /// Office: conflicts held from returns, office and field values side by side.
    Conflicts {
        /// Include decided ones.
        #[arg(long)]
        all: bool,
    },
    /// Office: decide a conflict.
    Resolve {
        /// The conflict's id.
        conflict: String,
        /// Keep the office's value, or apply the trainer's.
        #[arg(long, value_enum)]
        take: TakeArg,
    },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum TakeArg {
    Office,
    Field,
}

fn id(field: &'static str, s: &str) -> Result<Id> {
    Id::parse(s.trim()).map_err(|_| Error::Invalid { field, reason: "should be an id as listed".into() })
}

/// A verb given neither of its two forms (clap checks this first; kept for a clear message anyway).
fn needs(what: &str) -> Error {
    Error::Invalid { field: "arguments", reason: format!("give {what}") }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io { action: "read", path: path.to_path_buf(), source })
}

fn read_text(path: &Path) -> Result<String> {
    String::from_utf8(read(path)?).map_err(|_| Error::Invalid { field: "file", reason: "is not text".into() })
}

pub fn field(store: &mut Store, actor: &Actor, verb: FieldVerb, json: bool) -> Result<ExitCode> {
    match verb {
        FieldVerb::CentreKey { out, folder } => {
            let (out, fingerprints) = match (out, folder) {
                (_, Some(folder)) => store.save_centre_key_in(actor, &folder)?,
                (Some(out), None) => {
                    let text = store.field_centre_key(actor)?;
                    write_new(&out, text.as_bytes())?;
                    (out, centre_key_fingerprints(&text)?)
                }
                (None, None) => return Err(needs("--out FILE or --folder DIR")),
            };
            if json {
                print_json(
                    &serde_json::json!({ "out": out, "centre_id": store.store_id(), "fingerprints": fingerprints }),
                );
            } else {
                println!("Centre key written to {}. Enrol the trainer's laptop with it:", out.display());
                println!("  centrebook field enrol --centre-key FILE --name NAME");
                println!("Signing key fingerprints (the laptop shows the same): {}", fingerprints.join(", "));
            }
        }
        FieldVerb::Fingerprints { centre_key } => {
            let fingerprints = centre_key_fingerprints(&read_text(&centre_key)?)?;
            if json {
                print_json(&fingerprints);
            } else {
                for f in &fingerprints {
                    println!("{f}");
                }
            }
        }
        FieldVerb::Enrol { centre_key, folder, name, replace } => {
            let who = match (centre_key, folder) {
                (_, Some(folder)) => store.enrol_from(actor, &folder, &name)?,
                (Some(file), None) if replace => store.field_replace_centre_key(actor, &read_text(&file)?, &name)?,
                (Some(file), None) => store.field_enrol(actor, &read_text(&file)?, &name)?,
                (None, None) => return Err(needs("--centre-key FILE or --folder DIR")),
            };
            if json {
                print_json(&who);
            } else {
                println!("This laptop now works for {} (centre {}).", who.centre.centre_name, who.centre.centre_id);
                println!("Device fingerprint: {}", who.fingerprint);
                println!("Next: `centrebook field device-key --out FILE` and register it at the office.");
            }
        }
        FieldVerb::DeviceKey { out } => {
            write_new(&out, store.field_device_key(actor)?.as_bytes())?;
            let who = store.field_identity(actor)?;
            if json {
                print_json(&who);
            } else {
                println!("Device key written to {}. Fingerprint: {}", out.display(), who.fingerprint);
            }
        }
        FieldVerb::Status => {
            let who = store.field_identity(actor)?;
            if json {
                print_json(&who);
            } else {
                println!("Field store of {} ({})", who.centre.centre_name, who.centre.centre_id);
                println!("Device {} ({}), fingerprint {}", who.device_id, who.label, who.fingerprint);
            }
        }
        FieldVerb::Device(DeviceVerb::Add { trainer, file }) => {
            let d = store.register_field_device(actor, id("trainer", &trainer)?, &read_text(&file)?)?;
            if json {
                print_json(&d);
            } else {
                println!("Registered {} for {}: device {}", d.label, d.trainer, d.id);
                println!("Fingerprint {}: check it matches the laptop's screen.", d.fingerprint);
            }
        }
        FieldVerb::Device(DeviceVerb::List) => {
            let all = store.field_devices(actor)?;
            if json {
                print_json(&all);
            } else {
                for d in all {
                    let state = d.revoked_at.as_ref().map(|_| "revoked").unwrap_or("active");
                    println!("{}  {:<8} {}  {} ({})", d.id, state, fingerprint(&d.id), d.trainer, d.label);
                }
            }
        }
        FieldVerb::Device(DeviceVerb::Revoke { device }) => {
            let d = store.revoke_field_device(actor, &device)?;
            if json {
                print_json(&d);
            } else {
                println!("Device {} ({}) is no longer trusted.", d.id, d.label);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn fieldpack(store: &mut Store, actor: &Actor, verb: FieldpackVerb, json: bool) -> Result<ExitCode> {
    match verb {
        FieldpackVerb::Export { runs, device, out, folder } => {
            let runs = runs.iter().map(|r| id("run", r)).collect::<Result<Vec<_>>>()?;
            let (out, summary) = match (out, folder) {
                (_, Some(folder)) => store.export_field_pack_in(actor, &runs, device.as_deref(), &folder)?,
                (Some(out), None) => {
                    let (bytes, summary) = store.export_field_pack(actor, &runs, device.as_deref())?;
                    write_new(&out, &bytes)?;
                    (out, summary)
                }
                (None, None) => return Err(needs("--out FILE or --folder DIR")),
            };
            if json {
                print_json(&summary);
            } else {
                println!(
                    "Field pack {} written to {}: {} run(s), {} candidate(s), {} with results so far, for device {}.",
                    summary.pack_id,
                    out.display(),
                    summary.runs,
                    summary.candidates,
                    summary.with_results,
                    summary.device_id
                );
                println!("Logged as a disclosure to the trainer.");
            }
        }
        FieldpackVerb::Import { file, folder, replace } => {
            let from_folder = folder.is_some();
            let done = match (file, folder) {
                (_, Some(folder)) => store.import_field_packs_in(actor, &folder, replace)?,
                (Some(file), None) => vec![FolderPack {
                    file: file.display().to_string(),
                    outcome: store.import_field_pack(actor, &read(&file)?, replace)?,
                }],
                (None, None) => return Err(needs("a pack FILE or --folder DIR")),
            };
            // One file: its outcome, as before; a folder: each file with its outcome.
            match done.as_slice() {
                [one] if json && !from_folder => print_json(&one.outcome),
                _ if json => print_json(&done),
                _ => {}
            }
            for d in done.iter().filter(|_| !json) {
                match &d.outcome {
                    PackImport::Imported(s) => println!(
                        "Imported field pack {} ({}): {} run(s), {} candidate(s), {} with results so far.",
                        s.pack_id, d.file, s.runs, s.candidates, s.with_results
                    ),
                    PackImport::AlreadyImported { pack_id } => {
                        println!("Field pack {pack_id} ({}) was imported before; nothing changed.", d.file)
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "(none)".into(),
        serde_json::Value::String(s) => s.replace('_', " "),
        serde_json::Value::Object(o) => {
            let score = match o.get("score") {
                Some(s) => match (s.get("mark"), s.get("minor"), s.get("competent")) {
                    (Some(m), _, _) => format!("mark {m}"),
                    (_, Some(minor), _) => {
                        // A half not yet entered (null) is a dash, never 0.
                        let half = |h: &serde_json::Value| if h.is_null() { "—".to_owned() } else { h.to_string() };
                        format!("{} minor / {} major faults", half(minor), half(&s["major"]))
                    }
                    (_, _, Some(c)) => {
                        if c == true {
                            "competent".into()
                        } else {
                            "not yet competent".into()
                        }
                    }
                    _ => s.to_string(),
                },
                None => String::new(),
            };
            match o.get("comments").and_then(|c| c.as_str()) {
                Some(c) => format!("{score} ({c})"),
                None => score,
            }
        }
        other => other.to_string(),
    }
}

fn print_conflicts(list: &[Conflict]) {
    for c in list {
        let what = match (c.kind, &c.component) {
            (ConflictKind::Override, _) => "override".into(),
            (ConflictKind::WalkIn, _) => "walk-in (office: the person already registered; field: a new record)".into(),
            (_, Some(k)) => format!("{} result", k),
            (_, None) => "attendance".into(),
        };
        println!("{}  {} · {} · {}", c.id, c.candidate, c.course_code, what);
        println!(
            "    office: {:<32} by {} at {}",
            show(&c.office),
            c.office_by.as_deref().unwrap_or("?"),
            c.office_at.as_deref().unwrap_or("?")
        );
        println!("    field:  {:<32} by {} at {}", show(&c.field), c.field_by, c.field_at.as_deref().unwrap_or("?"));
        println!("    (when packed: {}) {}", show(&c.base), c.reason);
        if let Some(r) = &c.resolution {
            println!(
                "    decided: {r} by {} at {}",
                c.resolved_by.as_deref().unwrap_or("-"),
                c.resolved_at.as_deref().unwrap_or("-")
            );
        }
    }
}

pub fn returns(store: &mut Store, actor: &Actor, verb: ReturnVerb, json: bool) -> Result<ExitCode> {
    match verb {
        ReturnVerb::Export { out, folder } => {
            let (out, s) = match (out, folder) {
                (_, Some(folder)) => store.export_return_in(actor, &folder)?,
                (Some(out), None) => {
                    let (bytes, s) = store.export_return(actor)?;
                    write_new(&out, &bytes)?;
                    (out, s)
                }
                (None, None) => return Err(needs("--out FILE or --folder DIR")),
            };
            if json {
                print_json(&s);
            } else {
                println!(
                    "Return {} (number {}) written to {}: {} candidate(s): {} with attendance, {} with results changed, \
                     {} with an override; {} walk-in(s); {} photo(s).",
                    s.return_id,
                    s.seq,
                    out.display(),
                    s.enrolments,
                    s.attendance,
                    s.with_results,
                    s.overrides,
                    s.walk_ins,
                    s.photos
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ReturnVerb::Import { file: None, folder: Some(folder) }
        | ReturnVerb::Import { file: Some(_), folder: Some(folder) } => {
            let done = store.import_returns_in(actor, &folder)?;
            let waiting =
                done.iter().any(|d| matches!(&d.outcome, Some(ReturnImport::Applied(a)) if !a.conflicts.is_empty()));
            if json {
                print_json(&done);
            } else {
                for d in &done {
                    match (&d.outcome, &d.refused) {
                        (Some(ReturnImport::Applied(a)), _) => println!(
                            "{}: applied, {} change(s), {} already here, {} photo(s), {} walk-in(s) registered, {} conflict(s).",
                            d.file,
                            a.applied,
                            a.unchanged,
                            a.photos,
                            a.walk_ins,
                            a.conflicts.len()
                        ),
                        (Some(ReturnImport::AlreadyApplied { .. }), _) => {
                            println!("{}: applied before; nothing changed.", d.file)
                        }
                        (Some(ReturnImport::Superseded { .. }), _) => {
                            println!("{}: older than a return already applied; nothing changed.", d.file)
                        }
                        (None, refused) => println!("{}: refused, {}", d.file, refused.as_deref().unwrap_or("?")),
                    }
                }
                if waiting {
                    println!("Conflicts wait for a person: `centrebook return conflicts`.");
                }
            }
            Ok(if waiting { ExitCode::from(CONFLICTS_WAIT) } else { ExitCode::SUCCESS })
        }
        ReturnVerb::Import { file, folder: None } => {
            let file = file.ok_or_else(|| needs("a return FILE or --folder DIR"))?;
            let outcome = store.import_return(actor, &read(&file)?)?;
            let waiting = matches!(&outcome, ReturnImport::Applied(a) if !a.conflicts.is_empty());
            if json {
                print_json(&outcome);
            } else {
                match &outcome {
                    ReturnImport::Applied(a) => {
                        println!(
                            "Applied return {}: {} change(s) applied, {} already here, {} photo(s) added, {} walk-in(s) \
                             registered, {} conflict(s).",
                            a.return_id,
                            a.applied,
                            a.unchanged,
                            a.photos,
                            a.walk_ins,
                            a.conflicts.len()
                        );
                        if waiting {
                            println!("These wait for a person (`centrebook return resolve ID --take office|field`):");
                            print_conflicts(&a.conflicts);
                        }
                    }
                    ReturnImport::AlreadyApplied { return_id } => {
                        println!("Return {return_id} was applied before; nothing changed.")
                    }
                    ReturnImport::Superseded { return_id, seq, latest } => println!(
                        "Return {return_id} (number {seq}) is older than number {latest} from the same laptop, \
                         already applied; nothing changed."
                    ),
                }
            }
            Ok(if waiting { ExitCode::from(CONFLICTS_WAIT) } else { ExitCode::SUCCESS })
        }
        ReturnVerb::Conflicts { all } => {
            let list = store.field_conflicts(actor, all)?;
            if json {
                print_json(&list);
            } else if list.is_empty() {
                println!("No conflicts wait for a decision.");
            } else {
                print_conflicts(&list);
            }
            Ok(ExitCode::SUCCESS)
        }
        ReturnVerb::Resolve { conflict, take } => {
            let take = match take {
                TakeArg::Office => Take::Office,
                TakeArg::Field => Take::Field,
            };
            let c = store.resolve_field_conflict(actor, id("conflict", &conflict)?, take)?;
            if json {
                print_json(&c);
            } else {
                println!("Conflict {} decided: the {} value stands.", c.id, c.resolution.as_deref().unwrap_or("?"));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
