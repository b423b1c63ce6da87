//! Verbs over the centre and its catalogue: centre details, awarding bodies, courses, trainers.

use std::path::PathBuf;
use std::process::ExitCode;

use centrebook_core::records::{CentreForm, Course, TrainerForm};
use centrebook_core::{fields::parse_uk_date, Actor, Error, Result, Store};
use clap::Subcommand;

use crate::input::{form_base, form_from_json, lines, text_from_file_or_stdin};
use crate::runs::trainer_id;

/// Today, on this computer's clock.
fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum CentreVerb {
    /// Show the centre's details and approvals.
    Show,
    /// Change the centre's details (admins only).
    Set {
        /// Name as printed on certificates.
        #[arg(long)]
        name: Option<String>,
        /// Address lines, separated by commas.
        #[arg(long)]
        address: Option<String>,
        /// Postcode.
        #[arg(long)]
        postcode: Option<String>,
        /// ICO registration number.
        #[arg(long)]
        ico: Option<String>,
        /// The address of the centre's verification page (https://...); certificates issued from then
        /// on carry it in their QR code. `--verify-url none` removes it.
        #[arg(long, value_name = "URL")]
        verify_url: Option<String>,
    },
    /// Show, or change (admins only), the contact, times and what to bring that joining
    /// instructions and refresher reminders print.
    Paperwork(crate::papers::PaperworkChange),
}

#[derive(Debug, Subcommand)]
pub enum BodyVerb {
    /// Add an awarding body (admins only).
    Add {
        /// Short code, e.g. RTITB.
        #[arg(long)]
        code: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// The centre's approval number with this body.
        #[arg(long)]
        centre_number: Option<String>,
    },
    /// Set or change the centre's approval number with a body, or remove it with --none (admins only).
    Approval {
        /// The body's code.
        code: String,
        /// The centre's approval number.
        #[arg(long, required_unless_present = "none", conflicts_with = "none")]
        centre_number: Option<String>,
        /// The centre is no longer approved by this body.
        #[arg(long)]
        none: bool,
    },
    /// Correct an awarding body's name (admins only); its code stays.
    Rename {
        /// The body's code.
        code: String,
        /// Its name.
        #[arg(long)]
        name: String,
    },
    /// Require (or with --off stop requiring) a guardian's consent for candidates under 16 on this
    /// body's courses (admins only).
    GuardianRule {
        /// The body's code.
        code: String,
        /// No longer required.
        #[arg(long)]
        off: bool,
    },
    /// List awarding bodies.
    List,
}

#[derive(Debug, Subcommand)]
pub enum CourseVerb {
    /// Add a course from a JSON file (admins only): code, title, awarding_body, course_type,
    /// category, length_days, duration_hours, validity_months, requires, components, grades.
    Add {
        /// The course description.
        file: PathBuf,
    },
    /// List the catalogue.
    List,
    /// Show one course with its components.
    Show {
        /// The course code.
        code: String,
    },
    /// Link a course to an awarding body, or make it the centre's own with --own (admins only;
    /// refused once the course has issued a certificate or had a result submitted).
    Link {
        /// The course code.
        code: String,
        /// The awarding body's code.
        #[arg(long, required_unless_present = "own", conflicts_with = "own")]
        body: Option<String>,
        /// The centre's own course, with no awarding body.
        #[arg(long)]
        own: bool,
    },
    /// Change a course from a JSON description (admins only; the shape `course add` takes, its code
    /// ignored). A course no run has used is changed in place; a course in use gets a new version,
    /// which new runs take, while earlier runs and their certificates keep theirs. Prints the
    /// version that now stands.
    Revise {
        /// The course code.
        code: String,
        /// The new description; standard input when `-`.
        #[arg(long = "from-json", value_name = "FILE|-")]
        from_json: PathBuf,
    },
    /// Every version of a course, oldest first.
    Versions {
        /// The course code.
        code: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TrainerVerb {
    /// Add a trainer or assessor (admins only): a JSON object with name, username (the account they
    /// sign in with), email, phone and registrations as [[SCHEME, NUMBER], ...], from FILE or standard
    /// input. Personal values are read, never taken as arguments: other users see the process list.
    Add {
        /// The JSON file, or - for standard input.
        #[arg(long = "from-json", value_name = "FILE|-")]
        from_json: PathBuf,
    },
    /// List trainers.
    List,
    /// Show a trainer with their current and ended registration numbers.
    Show {
        /// The trainer's id or exact name.
        trainer: String,
    },
    /// Correct a trainer's name and contact details: a JSON object of the fields to change (name,
    /// email, phone, username, registrations as [[SCHEME, NUMBER], ...]; null clears one), from FILE
    /// or standard input. Registrations left out of a given list end today; a changed account needs an
    /// admin.
    Edit {
        /// The trainer's id or exact name.
        trainer: String,
        /// The JSON file, or - for standard input.
        #[arg(long = "from-json", value_name = "FILE")]
        from_json: PathBuf,
    },
    /// Registration numbers: add or change one, or end one (kept with its end date).
    #[command(subcommand)]
    Registration(RegistrationVerb),
    /// Link the trainer to a user account, move the link, or unlink (admins only).
    Link {
        /// The trainer's id or exact name.
        trainer: String,
        /// The account's username.
        #[arg(long = "user-account", required_unless_present = "unlink", conflicts_with = "unlink")]
        account: Option<String>,
        /// Unlink the trainer from any account.
        #[arg(long)]
        unlink: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RegistrationVerb {
    /// Add a registration number for a scheme, or change it (the old one ends the day the new starts).
    Add {
        /// The trainer's id or exact name.
        trainer: String,
        /// Scheme or awarding body code, e.g. RTITB.
        #[arg(long)]
        scheme: String,
        /// The registration number.
        #[arg(long)]
        number: String,
        /// From this day (default today), e.g. 01/12/2026.
        #[arg(long)]
        from: Option<String>,
    },
    /// End a trainer's registration for a scheme; it is kept with its end date.
    End {
        /// The trainer's id or exact name.
        trainer: String,
        /// Scheme or awarding body code.
        #[arg(long)]
        scheme: String,
        /// The day it ended (default today).
        #[arg(long)]
        on: Option<String>,
    },
}

/// The fields `trainer add` and `trainer edit` take.
const TRAINER_FIELDS: &[&str] = &["name", "username", "email", "phone", "registrations"];

pub fn centre(store: &mut Store, actor: &Actor, verb: CentreVerb, json: bool) -> Result<ExitCode> {
    let centre = match verb {
        CentreVerb::Show => store.centre()?,
        CentreVerb::Paperwork(change) => return crate::papers::paperwork(store, actor, change, json),
        CentreVerb::Set { name, address, postcode, ico, verify_url } => {
            let now = store.centre()?;
            // Unset options keep their current value.
            let form = CentreForm {
                name: name.unwrap_or(now.name),
                address: lines(address).or(now.address),
                postcode: postcode.or(now.postcode.map(|p| p.to_string())),
                ico_number: ico.or(now.ico_number),
                verify_url: match verify_url {
                    Some(u) if u.trim().eq_ignore_ascii_case("none") => None,
                    Some(u) => Some(u),
                    None => now.verify_url,
                },
            };
            store.set_centre(actor, &form)?
        }
    };
    let bodies = store.awarding_bodies(actor)?;
    if json {
        let mut v = serde_json::to_value(&centre).unwrap_or_default();
        v["approvals"] = serde_json::to_value(bodies.iter().filter(|b| b.centre_number.is_some()).collect::<Vec<_>>())
            .unwrap_or_default();
        print_json(&v);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", centre.name);
    if let Some(a) = &centre.address {
        println!("  {}", a.replace('\n', ", "));
    }
    if let Some(p) = &centre.postcode {
        println!("  {p}");
    }
    println!("  ICO registration: {}", centre.ico_number.as_deref().unwrap_or("(not set)"));
    println!("  Verification page: {}", centre.verify_url.as_deref().unwrap_or("(not set)"));
    for b in bodies.iter().filter(|b| b.centre_number.is_some()) {
        println!("  approved by {}: centre {}", b.code, b.centre_number.as_deref().unwrap_or_default());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn body(store: &mut Store, actor: &Actor, verb: BodyVerb, json: bool) -> Result<ExitCode> {
    let shown = match verb {
        BodyVerb::Add { code, name, centre_number } => {
            vec![store.add_awarding_body(actor, &code, &name, centre_number.as_deref())?]
        }
        BodyVerb::Approval { code, centre_number, none: _ } => {
            vec![store.set_centre_approval(actor, &code, centre_number.as_deref())?]
        }
        BodyVerb::Rename { code, name } => vec![store.rename_awarding_body(actor, &code, &name)?],
        BodyVerb::GuardianRule { code, off } => vec![store.set_guardian_rule(actor, &code, !off)?],
        BodyVerb::List => store.awarding_bodies(actor)?,
    };
    if json {
        print_json(&shown);
    } else {
        for b in shown {
            let n = b.centre_number.map(|n| format!("  (centre {n})")).unwrap_or_default();
            let g = if b.guardian_consent_under_16 { "  [guardian consent under 16]" } else { "" };
            println!("{:<10} {}{n}{g}", b.code, b.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_course(c: &Course) {
    let body = c.awarding_body.as_deref().unwrap_or("centre");
    let validity = c.validity_months.map(|m| format!(", valid {m} months")).unwrap_or_default();
    let version = c.version.map(|v| format!(" (version {v})")).unwrap_or_default();
    println!("{:<14} {}{version} [{body}] — {}, {} days{validity}", c.code, c.title, c.category, c.length_days);
}

pub fn course(store: &mut Store, actor: &Actor, verb: CourseVerb, json: bool) -> Result<ExitCode> {
    let shown = match verb {
        CourseVerb::Add { file } => {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::Io {
                action: "read",
                path: file.clone(),
                source: e,
            })?;
            let course: Course = serde_json::from_str(&text).map_err(|e| Error::Invalid {
                field: "course file",
                reason: format!("is not a course description: {e}"),
            })?;
            vec![store.add_course(actor, &course)?]
        }
        CourseVerb::Revise { code, from_json } => {
            let text = text_from_file_or_stdin(Some(from_json))?;
            let course: Course = serde_json::from_str(&text).map_err(|e| Error::Invalid {
                field: "course file",
                reason: format!("is not a course description: {e}"),
            })?;
            vec![store.revise_course(actor, &code, &course)?]
        }
        CourseVerb::Versions { code } => store.course_versions(actor, &code)?,
        CourseVerb::List => store.courses(actor)?,
        CourseVerb::Show { code } => vec![store.course_by_code(actor, &code)?],
        CourseVerb::Link { code, body, own: _ } => {
            let id = store.course_by_code(actor, &code)?.id.ok_or(Error::Internal("a stored course without an id"))?;
            vec![store.set_course_awarding_body(actor, id, body.as_deref())?]
        }
    };
    if json {
        print_json(&shown);
        return Ok(ExitCode::SUCCESS);
    }
    let one = shown.len() == 1;
    for c in &shown {
        print_course(c);
        if one {
            for k in &c.components {
                println!("    {}: {:?}", k.name, k.rule);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn trainer(store: &mut Store, actor: &Actor, verb: TrainerVerb, json: bool) -> Result<ExitCode> {
    let shown = match verb {
        TrainerVerb::Add { from_json } => {
            // The name starts empty, so leaving it out is the core's "is required", not a JSON error;
            // registrations start as none, the rest as not given.
            let mut base: serde_json::Map<_, _> =
                TRAINER_FIELDS.iter().map(|k| ((*k).to_owned(), serde_json::Value::Null)).collect();
            base.insert("name".into(), "".into());
            base.insert("registrations".into(), serde_json::Value::Array(Vec::new()));
            vec![store.add_trainer(actor, &form_from_json(Some(from_json), base)?)?]
        }
        TrainerVerb::List => store.trainers(actor)?,
        TrainerVerb::Show { trainer } => vec![store.trainer(actor, trainer_id(store, actor, &trainer)?)?],
        TrainerVerb::Edit { trainer, from_json } => {
            let id = trainer_id(store, actor, &trainer)?;
            let base = form_base(&store.trainer(actor, id)?, TRAINER_FIELDS)?;
            let form: TrainerForm = form_from_json(Some(from_json), base)?;
            vec![store.edit_trainer(actor, id, &form, today())?]
        }
        TrainerVerb::Registration(RegistrationVerb::Add { trainer, scheme, number, from }) => {
            let id = trainer_id(store, actor, &trainer)?;
            let from = from.map(|d| parse_uk_date("from", &d)).transpose()?.unwrap_or_else(today);
            vec![store.set_trainer_registration(actor, id, &scheme, &number, from)?]
        }
        TrainerVerb::Registration(RegistrationVerb::End { trainer, scheme, on }) => {
            let id = trainer_id(store, actor, &trainer)?;
            let on = on.map(|d| parse_uk_date("on", &d)).transpose()?.unwrap_or_else(today);
            vec![store.end_trainer_registration(actor, id, &scheme, on)?]
        }
        TrainerVerb::Link { trainer, account, unlink: _ } => {
            let id = trainer_id(store, actor, &trainer)?;
            vec![store.link_trainer_account(actor, id, account.as_deref())?]
        }
    };
    if json {
        print_json(&shown);
    } else {
        for t in shown {
            let regs: Vec<String> = t.registrations.iter().map(|(s, n)| format!("{s} {n}")).collect();
            let user = t.username.map(|u| format!(" (signs in as {u})")).unwrap_or_default();
            println!("{}  {}{user}  {}", t.id, t.name, regs.join(", "));
            for r in &t.ended_registrations {
                println!("    ended {}: {} {}", r.ended_on.format("%d/%m/%Y"), r.scheme, r.number);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
