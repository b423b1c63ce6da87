//! The identifiers a body's profile asks for that a bundle would send blank: because the course
//! does not collect them (its catalogue entry does not require them) or because they were never
//! recorded for the person. Listed before a bundle is made (the submissions screen, `bundle
//! waiting`) and again in its report, so a body's rejection is never a surprise from a silent blank.

use serde::Serialize;

use super::gather::Candidate;
use super::profile::{Field, Identifier, Profile};

/// One identifier some results would lack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct IdentifierGap {
    /// What it is, in DOMAIN.md's words ("NI number", "date of birth", "home address", "photo").
    pub identifier: String,
    /// Results the bundle would send without it.
    pub blank: usize,
    /// Of those, on courses that do not collect it.
    pub not_collected: usize,
    /// The codes of those courses.
    pub courses: Vec<String>,
    /// The warning, for people (no personal data).
    pub message: String,
}

fn name(id: Identifier) -> &'static str {
    match id {
        Identifier::NiNumber => "NI number",
        Identifier::DateOfBirth => "date of birth",
        Identifier::Address => "home address",
        Identifier::Photo => "photo",
    }
}

fn held(c: &Candidate, field: Field) -> bool {
    let some = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    match field {
        Field::NiNumber => some(&c.ni_number),
        Field::DateOfBirth => some(&c.date_of_birth),
        Field::Address => some(&c.address),
        Field::Postcode => some(&c.postcode),
        Field::Photo => c.photo_len.is_some_and(|n| n > 0),
        _ => true,
    }
}

/// The gaps among `results` for `profile`, in the order the profile's columns name the identifiers.
pub(crate) fn gaps<'a>(profile: &Profile, results: impl Iterator<Item = &'a Candidate> + Clone) -> Vec<IdentifierGap> {
    let mut out: Vec<(Identifier, IdentifierGap)> = Vec::new();
    for col in &profile.columns {
        let Some(id) = col.field.identifier() else { continue };
        if !out.iter().any(|(i, _)| *i == id) {
            let gap = IdentifierGap {
                identifier: name(id).into(),
                blank: 0,
                not_collected: 0,
                courses: Vec::new(),
                message: String::new(),
            };
            out.push((id, gap));
        }
    }
    let total = results.clone().count();
    for (id, gap) in &mut out {
        let fields: Vec<Field> =
            profile.columns.iter().map(|c| c.field).filter(|f| f.identifier() == Some(*id)).collect();
        for c in results.clone() {
            let sent = c.sends(profile.identifiers, *id);
            if sent && fields.iter().all(|f| held(c, *f)) {
                continue;
            }
            gap.blank += 1;
            if !c.collects(*id) && !sent {
                gap.not_collected += 1;
                if !gap.courses.iter().any(|k| k.eq_ignore_ascii_case(&c.course_code)) {
                    gap.courses.push(c.course_code.clone());
                }
            }
        }
        let unrecorded = gap.blank - gap.not_collected;
        let mut why = Vec::new();
        if gap.not_collected > 0 {
            why.push(format!(
                "{} on {} that {} not collect it ({})",
                gap.not_collected,
                if gap.courses.len() == 1 { "a course" } else { "courses" },
                if gap.courses.len() == 1 { "does" } else { "do" },
                gap.courses.join(", ")
            ));
        }
        if unrecorded > 0 {
            why.push(format!("{unrecorded} not recorded for the person"));
        }
        gap.message = format!(
            "The profile asks for the {}: {} of {total} result(s) would go without it — {}.",
            gap.identifier,
            gap.blank,
            why.join("; ")
        );
    }
    out.into_iter().map(|(_, g)| g).filter(|g| g.blank > 0).collect()
}
