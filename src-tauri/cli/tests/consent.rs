//! Objection, marketing consent and guardian consent through the command line: consent sources and
//! the guardian's details from standard input (never arguments), an objection refusing consent, and
//! an under-16 refused enrolment until their guardian's consent is recorded.

mod common;

use common::*;

fn ok(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{:?}", text(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn objection_consent_and_guardian_consent_from_the_command_line() {
    let (tmp, dir, _) = initialised();
    let run = forklift_run(tmp.path(), &dir);
    let kid = add_candidate(
        &dir,
        serde_json::json!({"forename": "Kit", "surname": "Younghusband", "date_of_birth": "03/11/2010"}),
        &[],
        AS_ADMIN,
    )["candidate"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Consent given on email, the source from standard input; then withdrawn; the history keeps both.
    let consent = |args: &[&str], source: &str| {
        let mut full = vec!["--json", "candidate", "consent", &kid];
        full.extend_from_slice(args);
        centrebook_input(&dir, &full, AS_ADMIN, source)
    };
    let s = ok(&consent(&["--channel", "email", "--give", "--source-from", "-"], "booking form 2026-11\n"));
    assert_eq!(s["may_market_by"], serde_json::json!(["email"]));
    let s = ok(&consent(&["--channel", "email", "--withdraw", "--source-from", "-"], "phoned to opt out"));
    assert_eq!(s["history"].as_array().unwrap().len(), 2);
    assert_eq!(s["history"][0]["source"], "phoned to opt out");
    assert_eq!(s["may_market_by"], serde_json::json!([]));

    // An objection refuses consent until it is lifted.
    let s = json(&dir, &["candidate", "object", &kid, "--reason", "no mailings"], AS_ADMIN);
    assert_eq!(s["objection"]["reason"], "no mailings");
    let refused = consent(&["--channel", "post", "--give", "--source-from", "-"], "letter");
    assert_eq!(refused.status.code(), Some(5), "{:?}", text(&refused));
    assert!(text(&refused).1.contains("objection"), "{:?}", text(&refused));
    json(&dir, &["candidate", "object-lift", &kid, "--reason", "asked again"], AS_ADMIN);
    ok(&consent(&["--channel", "post", "--give", "--source-from", "-"], "letter"));
    let shown = centrebook(&dir, &["candidate", "consent", &kid], AS_ADMIN);
    assert!(text(&shown).0.contains("lifted"), "{:?}", text(&shown));

    // Guardian consent: the body requires it, the under-16 is refused, then enrolled once it is recorded.
    let body = json(&dir, &["body", "guardian-rule", "RTITB"], AS_ADMIN);
    assert_eq!(body[0]["guardian_consent_under_16"], true);
    let refused = centrebook(&dir, &["run", "enrol", &run, &kid], AS_ADMIN);
    assert_eq!(refused.status.code(), Some(5), "{:?}", text(&refused));
    assert!(text(&refused).1.contains("guardian consent"), "{:?}", text(&refused));
    let form = r#"{"guardian_name": "Gwen Younghusband", "relationship": "mother", "how": "signed booking form",
        "given_on": "01/10/2026"}"#;
    let g = ok(&centrebook_input(&dir, &["--json", "candidate", "guardian", &kid, "--from-json", "-"], AS_ADMIN, form));
    assert_eq!(g["relationship"], "mother");
    assert_eq!(json(&dir, &["candidate", "guardian", &kid], AS_ADMIN)["guardian_name"], "Gwen Younghusband");
    json(&dir, &["run", "enrol", &run, &kid], AS_ADMIN);
}
