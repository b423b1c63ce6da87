//! The day's paperwork and refresher reminders on real encrypted stores: practical test sheets,
//! joining instructions per employer, and the refreshers list with its letters and draft emails,
//! each checked for what it says, what it must not say, and its disclosure-log entry.

use chrono::NaiveDate;

use crate::documents::IssueOptions;
use crate::records::outcome::{ComponentRule, Score};
use crate::records::paperwork::PaperworkForm;
use crate::records::{CandidateForm, Component, Course, EmployerForm, Requirements, TrainerForm};
use crate::testing::{forklift, pdf_layout_text, pdf_text, person, practical, theory, world, World};
use crate::{Error, Id};

fn day(d: u32, m: u32, y: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

struct Centre {
    w: World,
    course: Course,
    trainer: Id,
    acme: Id,
    bobcat: Id,
    dir: tempfile::TempDir,
}

fn centre() -> Centre {
    let mut w = world();
    let observed = Component { id: None, name: "Pre-use inspection".into(), rule: ComponentRule::Observation };
    let course = Course {
        code: "FLT-CB".into(),
        requires: Requirements::default(),
        components: vec![theory(), practical(), observed],
        grades: vec![],
        ..forklift()
    };
    let course = w.course(course);
    let tess = TrainerForm {
        name: "Tess Evans".into(),
        username: Some("tess".into()),
        registrations: vec![("rtitb".into(), "R-1234".into())],
        ..Default::default()
    };
    let trainer = w.store.add_trainer(&w.admin.clone(), &tess).unwrap().id;
    let acme = w.acme();
    let office = w.office.clone();
    let form = EmployerForm {
        name: "Bobcat Plant Hire".into(),
        address: Some("Unit 4\nDock Road".into()),
        postcode: Some("CF10 5AA".into()),
        email: Some("training@bobcat.example".into()),
        ..Default::default()
    };
    let bobcat = w.store.add_employer(&office, &form).unwrap().id;
    Centre { w, course, trainer, acme, bobcat, dir: tempfile::tempdir().unwrap() }
}

impl Centre {
    fn run(&mut self, starts: &str, ends: &str) -> Id {
        let course = self.course.clone();
        self.w.run(&course, starts, ends, &[self.trainer])
    }

    fn person(&mut self, forename: &str, surname: &str, employer: Option<Id>, number: Option<&str>) -> Id {
        let office = self.w.office.clone();
        let form = CandidateForm {
            employee_number: number.map(str::to_owned),
            ni_number: Some(format!("AB{:06}C", forename.len() * 111 + surname.len())),
            ..person(forename, surname, employer)
        };
        self.w.register(&office, &form)
    }

    /// Enrols; with a mark, records a pass or fail of every component.
    fn take(&mut self, run: Id, candidate: Id, mark: Option<u32>, on: &str) -> Id {
        let (office, course) = (self.w.office.clone(), self.course.clone());
        let scores: Vec<Score> = match mark {
            Some(mark) => vec![
                Score::Marks { mark },
                Score::Faults { minor: Some(0), major: Some(0) },
                Score::Observation { competent: true },
            ],
            None => vec![],
        };
        self.w.sit(&office, run, candidate, &course, &scores, on)
    }

    fn out(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// The disclosure-log entries of an output kind: (recipient kind, recipient, file name, sha, people).
    fn logged(&self, output: &str) -> Vec<(String, String, String, String, i64)> {
        self.w
            .store
            .conn()
            .prepare(
                "SELECT recipient_kind, recipient, file_name, file_sha256,
                        (SELECT count(*) FROM disclosure_subjects s WHERE s.disclosure_id = d.id)
                 FROM disclosures d WHERE output = ?1 ORDER BY recipient, file_name",
            )
            .unwrap()
            .query_map([output], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }
}

fn sha_hex(path: &std::path::Path) -> String {
    crate::crypto::hex(&crate::crypto::sha256(&[&std::fs::read(path).unwrap()]))
}

#[test]
fn test_sheets_print_a_page_per_candidate_with_the_components_and_are_logged_to_the_trainers() {
    let mut c = centre();
    let run = c.run("07/12/2026", "11/12/2026");
    let sian = c.person("Siân", "Llewelyn", Some(c.acme), Some("E1"));
    let bob = c.person("Bob", "Ray", None, None);
    let gone = c.person("Gwen", "Gone", Some(c.acme), Some("E9"));
    c.take(run, sian, None, "");
    c.take(run, bob, None, "");
    let e = c.take(run, gone, None, "");
    let office = c.w.office.clone();
    c.w.store.withdraw_enrolment(&office, e).unwrap();

    // Tess is the run's trainer: she prints them (the paper fallback on site).
    let tess = c.w.trainer.clone();
    let out = c.out("sheets.pdf");
    let saved = c.w.store.save_test_sheets(&tess, run, &out).unwrap();
    assert_eq!((saved.file.as_str(), saved.people), ("sheets.pdf", 2), "the withdrawn candidate gets no sheet");
    let bytes = std::fs::read(&out).unwrap();
    let text = pdf_text(&bytes);
    for want in [
        "Practical test sheet",
        "Counterbalance lift truck, novice (FLT-CB)",
        "Siân Llewelyn",
        "E1",
        "Acme Haulage Ltd",
        "Bob Ray",
        "Self-booked",
        "1. Theory",
        "out of 40",
        "2. Practical",
        "Minor faults:",
        "Major faults:",
        "3. Pre-use inspection",
        "Not yet competent",
        "Assessor signature:",
        "Candidate signature:",
        "Monday 7 December 2026 to Friday 11 December 2026",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(!text.contains("Gwen"), "a withdrawn candidate has no sheet");
    assert!(!text.contains("14/03/1988") && !text.contains("Heol y Bont") && !text.contains("AB"), "no identifiers");
    // One page per candidate (each fits on one), each with its footer.
    assert_eq!(pdf_layout_text(&bytes).matches('\u{c}').count(), 2, "{text}");
    assert!(text.contains("Page 1 of 2") && text.contains("Page 2 of 2"));
    assert_eq!(
        c.logged("test_sheets"),
        [("trainer".to_owned(), "Tess Evans".to_owned(), "sheets.pdf".to_owned(), sha_hex(&out), 2)]
    );

    // An existing file is never replaced, and nothing more is logged.
    let again = c.w.store.save_test_sheets(&tess, run, &out);
    assert!(again.is_err(), "{again:?}");
    assert_eq!(c.logged("test_sheets").len(), 1);

    // A trainer not on the run does not see it.
    let admin = c.w.admin.clone();
    let other = TrainerForm { name: "Owen".into(), ..Default::default() };
    let owen_run = {
        let owen = c.w.store.add_trainer(&admin, &other).unwrap().id;
        let course = c.course.clone();
        c.w.run(&course, "14/12/2026", "18/12/2026", &[owen])
    };
    let refused = c.w.store.save_test_sheets(&tess, owen_run, &c.out("other.pdf"));
    assert!(matches!(refused, Err(Error::NotFound { .. })), "{refused:?}");
    // A run with nobody on it has nothing to print.
    let empty = c.w.store.save_test_sheets(&office, owen_run, &c.out("empty.pdf"));
    assert!(matches!(empty, Err(Error::Invalid { field: "run", .. })), "{empty:?}");
    assert!(!c.out("empty.pdf").exists());
}

#[test]
fn joining_instructions_go_to_one_employer_with_only_its_people_and_are_logged() {
    let mut c = centre();
    let run = c.run("07/12/2026", "09/12/2026");
    let sian = c.person("Siân", "Llewelyn", Some(c.acme), Some("E1"));
    let dai = c.person("Dai", "Evans", Some(c.acme), Some("E4"));
    let bea = c.person("Bea", "Bobcat", Some(c.bobcat), Some("B7"));
    let solo = c.person("Sol", "Solo", None, None);
    for p in [sian, dai, bea, solo] {
        c.take(run, p, None, "");
    }
    let office = c.w.office.clone();
    let employers = c.w.store.run_employers(&office, run).unwrap();
    let names: Vec<(&str, u32)> = employers.iter().map(|e| (e.name.as_str(), e.people)).collect();
    assert_eq!(names, [("Acme Haulage Ltd", 2), ("Bobcat Plant Hire", 1)]);

    // Two employers: which one must be said, so neither sees the other's people.
    let unsure = c.w.store.save_joining(&office, run, None, &c.out("j.pdf"));
    assert!(matches!(unsure, Err(Error::Invalid { field: "employer", .. })), "{unsure:?}");
    let stranger = c.w.store.save_joining(&office, run, Some(Id::new()), &c.out("j.pdf"));
    assert!(matches!(stranger, Err(Error::Invalid { field: "employer", .. })), "{stranger:?}");

    let out = c.out("acme.pdf");
    let saved = c.w.store.save_joining(&office, run, Some(c.acme), &out).unwrap();
    assert_eq!(saved.people, 2);
    let text = pdf_text(&std::fs::read(&out).unwrap());
    for want in [
        "Joining instructions",
        "Acme Haulage Ltd",
        "Counterbalance lift truck, novice (FLT-CB)",
        "Monday 7 December 2026 to Wednesday 9 December 2026 (3 days)",
        "Assessment day:",
        "Yard 2",
        "Tess Evans",
        "What to bring",
        "Photographic identification",
        "to be confirmed",
        "Siân Llewelyn",
        "employee number E1",
        "Dai Evans",
        "Your people on this course (2)",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    for never in ["Bea", "Bobcat", "Sol Solo", "14/03/1988", "Heol y Bont"] {
        assert!(!text.contains(never), "{never:?} must not reach Acme:\n{text}");
    }
    assert_eq!(
        c.logged("joining_instructions"),
        [("employer".to_owned(), "Acme Haulage Ltd".to_owned(), "acme.pdf".to_owned(), sha_hex(&out), 2)]
    );

    // The centre's settings print: the times, what to bring, the phone and email.
    let admin = c.w.admin.clone();
    let form = PaperworkForm {
        email: Some("Office@Centre.example".into()),
        phone: Some("029 2000 1234".into()),
        times: Some("8:30 to 16:30 each day".into()),
        bring: Some("Steel toe-capped boots\nLunch".into()),
    };
    let set = c.w.store.set_paperwork(&admin, &form).unwrap();
    assert_eq!(set.email.unwrap().to_string(), "Office@centre.example");
    assert!(matches!(c.w.store.set_paperwork(&office, &form), Err(Error::Forbidden { .. })));
    let bad = PaperworkForm { email: Some("not an address".into()), ..Default::default() };
    assert!(matches!(c.w.store.set_paperwork(&admin, &bad), Err(Error::Invalid { field: "email", .. })));
    let out = c.out("bobcat.pdf");
    c.w.store.save_joining(&office, run, Some(c.bobcat), &out).unwrap();
    let text = pdf_text(&std::fs::read(&out).unwrap());
    for want in [
        "8:30 to 16:30 each day",
        "Steel toe-capped boots",
        "Lunch",
        "029 2000 1234",
        "Office@centre.example",
        "Bea Bobcat",
        "Unit 4",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(!text.contains("Photographic identification") && !text.contains("Siân"), "{text}");

    // Joining instructions are office work.
    let tess = c.w.trainer.clone();
    let refused = c.w.store.save_joining(&tess, run, Some(c.acme), &c.out("t.pdf"));
    assert!(matches!(refused, Err(Error::Forbidden { .. })), "{refused:?}");
}

/// Decodes the base64 body of the MIME part whose headers contain `content_type`.
fn part(eml: &str, content_type: &str) -> Vec<u8> {
    let at = eml.find(content_type).unwrap_or_else(|| panic!("no {content_type} part"));
    let body_start = at + eml[at..].find("\r\n\r\n").unwrap() + 4;
    let body_end = body_start + eml[body_start..].find("--").unwrap();
    let b64: String = eml[body_start..body_end].split_whitespace().collect();
    data_encoding::BASE64.decode(b64.as_bytes()).unwrap()
}

#[test]
fn refreshers_due_are_grouped_by_employer_with_a_letter_and_a_draft_email_each_logged() {
    let mut c = centre();
    let office = c.w.office.clone();
    // Passed on 8/12/2023 with 36 months' validity: expiring 8/12/2026.
    let old = c.run("04/12/2023", "08/12/2023");
    let later = c.run("01/07/2024", "05/07/2024");
    let rebook = c.run("30/11/2026", "30/11/2026");
    let dai = c.person("Dai", "Evans", Some(c.acme), Some("E4"));
    let sian = c.person("Siân", "Llewelyn", Some(c.acme), Some("E1"));
    let bea = c.person("Bea", "Bobcat", Some(c.bobcat), Some("B7"));
    let sol = c.person("Sol", "Solo", None, None);
    let bob = c.person("Bob", "Ray", Some(c.acme), Some("E2"));
    let rex = c.person("Rex", "Rebooked", Some(c.acme), Some("E3"));
    let rita = c.person("Rita", "Restricted", Some(c.acme), Some("E5"));
    let on = IssueOptions { on: Some(day(9, 12, 2023)), ..Default::default() };
    for p in [dai, sian, bea, sol, rex, rita] {
        let e = c.take(old, p, Some(35), "08/12/2023");
        c.w.store.issue_certificate(&office, e, &on).unwrap();
    }
    let e = c.take(later, bob, Some(35), "05/07/2024");
    let on = IssueOptions { on: Some(day(6, 7, 2024)), ..Default::default() };
    c.w.store.issue_certificate(&office, e, &on).unwrap();
    c.take(rebook, rex, None, "");
    let admin = c.w.admin.clone();
    c.w.store.set_restricted(&admin, rita, true, "accuracy contested").unwrap();

    let today = day(22, 11, 2026);
    let due = c.w.store.refreshers_due(&office, today, 60).unwrap();
    let groups: Vec<(Option<&str>, Vec<&str>)> = due
        .groups
        .iter()
        .map(|g| (g.employer.as_deref(), g.rows.iter().map(|r| r.surname.as_str()).collect()))
        .collect();
    assert_eq!(
        groups,
        [
            (Some("Acme Haulage Ltd"), vec!["Evans", "Llewelyn"]),
            (Some("Bobcat Plant Hire"), vec!["Bobcat"]),
            (None, vec!["Solo"]),
        ],
        "Bob's expires in 2027, Rex is rebooked, Rita is restricted"
    );
    let dai_row = &due.groups[0].rows[0];
    assert_eq!((dai_row.expires_on, dai_row.days_left), (day(8, 12, 2026), 16));
    assert_eq!(dai_row.employee_number.as_deref(), Some("E4"));
    assert!(due.groups[1].has_email && !due.groups[0].has_email);
    // A shorter window leaves them out.
    assert_eq!(c.w.store.refreshers_due(&office, today, 10).unwrap().count(), 0);
    assert!(matches!(c.w.store.refreshers_due(&office, today, 5000), Err(Error::Invalid { field: "days", .. })));
    let tess = c.w.trainer.clone();
    assert!(matches!(c.w.store.refreshers_due(&tess, today, 60), Err(Error::Forbidden { .. })));

    // Letters and draft emails, one of each per employer; none for people with no employer.
    let dir = c.dir.path().join("letters");
    std::fs::create_dir(&dir).unwrap();
    let saved = c.w.store.save_refresher_letters(&office, today, 60, &dir).unwrap();
    let names: Vec<(&str, u32, &str, &str)> =
        saved.iter().map(|s| (s.employer.as_str(), s.people, s.letter.as_str(), s.email.as_str())).collect();
    assert_eq!(
        names,
        [
            (
                "Acme Haulage Ltd",
                2,
                "Refresher reminder Acme Haulage Ltd 2026-11-22.pdf",
                "Refresher reminder Acme Haulage Ltd 2026-11-22.eml"
            ),
            (
                "Bobcat Plant Hire",
                1,
                "Refresher reminder Bobcat Plant Hire 2026-11-22.pdf",
                "Refresher reminder Bobcat Plant Hire 2026-11-22.eml"
            ),
        ]
    );
    let mut files: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files.len(), 4, "{files:?}");

    let letter = std::fs::read(dir.join(&saved[0].letter)).unwrap();
    let text = pdf_text(&letter);
    for want in
        ["Refresher training due: 2 employees at Acme Haulage Ltd", "Dai Evans", "Siân Llewelyn", "E4", "08/12/2026"]
    {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    for never in ["Bobcat", "Solo", "Rita", "Rex", "Bob Ray", "14/03/1988"] {
        assert!(!text.contains(never), "{never:?} must not reach Acme:\n{text}");
    }

    // The draft email: headers, the text, and the letter attached byte for byte.
    let eml = String::from_utf8(std::fs::read(dir.join(&saved[1].email)).unwrap()).unwrap();
    assert!(eml.contains("To: training@bobcat.example\r\n"), "{eml}");
    assert!(eml.contains("Subject: Refresher training due: 1 employee at Bobcat Plant Hire\r\n"), "{eml}");
    assert!(eml.contains("X-Unsent: 1\r\n") && eml.contains("MIME-Version: 1.0\r\n") && eml.contains("Date: "));
    assert!(eml.lines().all(|l| l.len() <= 998));
    let body = String::from_utf8(part(&eml, "Content-Type: text/plain")).unwrap();
    assert!(body.contains("Bea Bobcat (employee number B7)") && body.contains("expires 08/12/2026"), "{body}");
    assert!(!body.contains("Dai"), "{body}");
    let attached = part(&eml, "Content-Type: application/pdf");
    assert_eq!(attached, std::fs::read(dir.join(&saved[1].letter)).unwrap());

    // Each file is its own disclosure to its employer, with its fingerprint.
    let letters = c.logged("reminder_letter");
    let emails = c.logged("reminder_email");
    assert_eq!(letters.len(), 2);
    assert_eq!(emails.len(), 2);
    assert_eq!(
        letters[0],
        (
            "employer".into(),
            "Acme Haulage Ltd".into(),
            saved[0].letter.clone(),
            sha_hex(&dir.join(&saved[0].letter)),
            2
        )
    );
    assert_eq!(
        emails[1],
        ("employer".into(), "Bobcat Plant Hire".into(), saved[1].email.clone(), sha_hex(&dir.join(&saved[1].email)), 1)
    );

    // Writing them again never replaces the files.
    assert!(c.w.store.save_refresher_letters(&office, today, 60, &dir).is_err());
    assert_eq!(c.logged("reminder_letter").len(), 2);
}

#[test]
fn the_eml_encodes_non_ascii_headers() {
    let words = super::reminder::header_words_for_tests("Refresher training due: 1 employee at Siân's Café");
    assert!(words.starts_with("=?UTF-8?B?") && words.is_ascii(), "{words}");
}
