//! Verbs over the records: employers and candidates.

use std::process::ExitCode;

use centrebook_core::records::{Candidate, CandidateForm, EmployerForm, Registered};
use centrebook_core::{Actor, Id, Result, Store};

use crate::args::{CandidateArgs, CandidateVerb, EmployerVerb};

/// Exit code when registration found likely duplicates and wrote nothing.
const POSSIBLE_DUPLICATE: u8 = 8;

fn lines(s: Option<String>) -> Option<String> {
    s.map(|a| a.split(',').map(str::trim).collect::<Vec<_>>().join("\n"))
}

pub fn employer(store: &mut Store, actor: &Actor, verb: EmployerVerb, json: bool) -> Result<ExitCode> {
    let shown = match verb {
        EmployerVerb::Add { name, address, postcode, phone, email } => {
            vec![store.add_employer(actor, &EmployerForm { name, address: lines(address), postcode, phone, email })?]
        }
        EmployerVerb::List { filter } => store.employers(actor, &filter)?,
    };
    if json {
        crate::session::print_json(&shown);
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
    show("mobile:", c.mobile.as_ref().map(ToString::to_string));
    match &c.identifiers {
        Some(ids) => {
            show("NI number:", ids.ni_number.as_ref().map(|n| n.spaced()));
            show("date of birth:", ids.date_of_birth.map(|d| d.format("%d/%m/%Y").to_string()));
            show("home address:", ids.address.as_ref().map(|a| a.replace('\n', ", ")));
            show("home postcode:", ids.postcode.as_ref().map(ToString::to_string));
            show("driving licence:", ids.driving_licence.clone());
        }
        None => println!("  (identifiers are not shown to your role)"),
    }
    if c.restricted {
        println!("  PROCESSING RESTRICTED");
    }
}

pub fn candidate(store: &mut Store, actor: &Actor, verb: CandidateVerb, json: bool) -> Result<ExitCode> {
    match verb {
        CandidateVerb::Add(a) => add(store, actor, *a, json),
        CandidateVerb::Show { id } => {
            let c = store.candidate(actor, Id::parse(&id)?)?;
            if json {
                crate::session::print_json(&c);
            } else {
                print_candidate(&c);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
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
        crate::session::print_json(&outcome);
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
