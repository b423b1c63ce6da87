//! Helpers for the crate's tests: real SQLCipher stores in temporary folders.

use crate::keys::keychain_mock;
use crate::{init, DataDir, InitOptions, Initialised, KdfParams, Keychain};

pub const PASSPHRASE: &str = "correct horse battery staple";
pub const ADMIN_PASSWORD: &str = "admin password 1";

pub struct Fixture {
    pub tmp: tempfile::TempDir,
    pub dir: DataDir,
    pub keychain: Keychain,
}

impl Fixture {
    /// A temporary folder with keyring's mock keychain (or none).
    pub fn new(with_keychain: bool) -> Self {
        keychain_mock();
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = DataDir::new(tmp.path().join("data"));
        let keychain = if with_keychain { Keychain::os() } else { Keychain::off() };
        Fixture { tmp, dir, keychain }
    }

    pub fn init(&self) -> Initialised {
        init(
            &self.dir,
            &self.keychain,
            &InitOptions {
                centre_name: "Riverside Plant Training",
                admin_username: "admin",
                admin_password: ADMIN_PASSWORD,
                passphrase: PASSPHRASE,
                kdf: KdfParams::FAST_FOR_TESTS,
            },
        )
        .expect("init")
    }

    /// Every file in the data folder and the system temp folder's SQLite leftovers, as bytes.
    pub fn files_on_disk(&self) -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![self.tmp.path().to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("read_dir") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push((p.clone(), std::fs::read(&p).expect("read")));
                }
            }
        }
        out
    }
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Every page of the main database file decrypted as SQLCipher 4 lays it out (4096-byte pages, the
/// last 80 bytes reserved: a 16-byte IV, then the HMAC; page 1 starts with the 16-byte salt), free
/// pages included, after the WAL was emptied into it: where a deleted row's bytes would stay without
/// `secure_delete`, so erasure and retention look for what they removed here.
pub fn decrypted_pages(w: &World) -> Vec<u8> {
    use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, KeyIvInit};
    let busy: i64 = w.store.conn().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0)).unwrap();
    assert_eq!(busy, 0);
    let file = std::fs::read(w._fx.dir.db()).unwrap();
    assert_eq!(file.len() % 4096, 0);
    let key = w.store.raw_key();
    let mut all = Vec::with_capacity(file.len());
    for (i, page) in file.chunks(4096).enumerate() {
        let start = if i == 0 { 16 } else { 0 };
        let (body, reserved) = page.split_at(4096 - 80);
        let mut buf = body[start..].to_vec();
        cbc::Decryptor::<aes::Aes256>::new(key.into(), reserved[..16].into())
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .unwrap();
        all.extend(buf);
    }
    assert!(contains(&all, "CREATE TABLE candidates"), "the pages decrypt: the schema is readable");
    all
}

pub fn sha(path: &std::path::Path) -> [u8; 32] {
    crate::crypto::sha256(&[&std::fs::read(path).expect("read")])
}

/// The day the records tests are written for.
pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a real day")
}

/// A store with its admin, an office clerk (`olly`) and a trainer (`tess`), each signed in.
pub struct World {
    pub _fx: Fixture,
    pub store: crate::Store,
    pub admin: crate::Actor,
    pub office: crate::Actor,
    pub trainer: crate::Actor,
}

pub fn world() -> World {
    use crate::{NewUser, Role};
    let fx = Fixture::new(false);
    let init = fx.init();
    let (mut store, admin) = (init.store, init.admin);
    for (u, role) in [("olly", Role::Office), ("tess", Role::Trainer)] {
        store.add_user(&admin, &NewUser { username: u, display_name: u, role, password: "a password 1" }).unwrap();
    }
    let office = store.login("olly", "a password 1").unwrap();
    let trainer = store.login("tess", "a password 1").unwrap();
    World { _fx: fx, store, admin, office, trainer }
}

// ---- the common world: a forklift course, a run, a pass ----
//
// Most record, document, bundle and field tests need the same centre: the forklift course, Acme
// Haulage, a run at Yard 2, a candidate who sat it. These build it; a test changes what it needs
// with struct update syntax (`Course { code: "FLT-1".into(), ..forklift() }`).

use crate::records::outcome::{ComponentRule, GradeBand, Score};
use crate::records::{CandidateForm, Component, Course, CourseType, Registered, Requirements, ResultInput, RunForm};
use crate::Id;

/// A Theory paper out of 40, passed at 30.
pub fn theory() -> Component {
    Component { id: None, name: "Theory".into(), rule: ComponentRule::Marks { max_mark: 40, pass_mark: 30 } }
}

/// A Practical passed with at most 5 minor faults and no major one.
pub fn practical() -> Component {
    Component {
        id: None,
        name: "Practical".into(),
        rule: ComponentRule::Faults { max_minor_faults: 5, max_major_faults: 0 },
    }
}

/// Counterbalance lift truck, novice (RTITB): five days, Theory and Practical, valid 36 months,
/// graded Pass or Distinction (90%), needing an NI number and a photo.
pub fn forklift() -> Course {
    Course {
        id: None,
        code: "FLT-CB-NOV".into(),
        title: "Counterbalance lift truck, novice".into(),
        awarding_body: Some("rtitb".into()),
        course_type: CourseType::Training,
        category: "Counterbalance lift truck".into(),
        length_days: 5.0,
        duration_hours: 35.0,
        validity_months: Some(36),
        requires: Requirements { ni_number: true, photo: true, ..Default::default() },
        components: vec![theory(), practical()],
        version: None,
        grades: vec![
            GradeBand { grade: "Pass".into(), min_percent: 0.0 },
            GradeBand { grade: "Distinction".into(), min_percent: 90.0 },
        ],
        candidates_per_trainer: None,
    }
}

/// Siân-like details every awarding body accepts: a date of birth and a Cardiff address, at
/// `employer` (or self-booked).
pub fn person(forename: &str, surname: &str, employer: Option<Id>) -> CandidateForm {
    CandidateForm {
        forename: forename.into(),
        surname: surname.into(),
        employer_id: employer,
        date_of_birth: Some("14/03/1988".into()),
        address: Some("3 Heol y Bont".into()),
        postcode: Some("cf10 1aa".into()),
        ..Default::default()
    }
}

impl World {
    /// The awarding body `code` as "`code` Ltd" with the centre's approval number C1234, added once.
    pub fn body(&mut self, code: &str) {
        let admin = self.admin.clone();
        if self.store.awarding_bodies(&admin).unwrap().iter().all(|b| !b.code.eq_ignore_ascii_case(code)) {
            self.store.add_awarding_body(&admin, code, &format!("{code} Ltd"), Some("C1234")).unwrap();
        }
    }

    /// Adds `course` to the catalogue, and its awarding body first (see [`World::body`]).
    pub fn course(&mut self, course: Course) -> Course {
        if let Some(body) = &course.awarding_body {
            self.body(&body.to_uppercase());
        }
        self.store.add_course(&self.admin.clone(), &course).unwrap()
    }

    /// Acme Haulage Ltd (added by the office on first use).
    pub fn acme(&mut self) -> Id {
        let office = self.office.clone();
        match self.store.employer_named(&office, "Acme Haulage Ltd") {
            Ok(e) => e.id,
            Err(_) => {
                let form = crate::records::EmployerForm { name: "Acme Haulage Ltd".into(), ..Default::default() };
                self.store.add_employer(&office, &form).unwrap().id
            }
        }
    }

    /// A run of `course` from `starts` to `ends` (assessed on the last day) at Yard 2, taught by
    /// `trainers`, scheduled by the office.
    pub fn run(&mut self, course: &Course, starts: &str, ends: &str, trainers: &[Id]) -> Id {
        let form = RunForm {
            course_id: course.id.expect("an added course"),
            starts_on: starts.into(),
            ends_on: Some(ends.into()),
            assessment_on: Some(ends.into()),
            venue: Some("Yard 2".into()),
            trainer_ids: trainers.to_vec(),
            ..Default::default()
        };
        self.store.add_run(&self.office.clone(), &form).unwrap().id
    }

    /// Registers `form` as `by` (past any likely duplicate): the new candidate's id.
    pub fn register(&mut self, by: &crate::Actor, form: &CandidateForm) -> Id {
        match self.store.register_candidate(by, form, today(), true).unwrap() {
            Registered::Created { candidate, .. } => candidate.id,
            other => panic!("{other:?}"),
        }
    }

    /// Enrols `candidate` on `run` as `by` and records `scores` against `course`'s components in
    /// order, assessed `on`: the enrolment's id.
    pub fn sit(
        &mut self,
        by: &crate::Actor,
        run: Id,
        candidate: Id,
        course: &Course,
        scores: &[Score],
        on: &str,
    ) -> Id {
        let e = self.store.enrol(by, run, candidate).unwrap().enrolment.id;
        for (component, score) in course.components.iter().zip(scores) {
            let input = ResultInput {
                component_id: component.id.expect("an added course"),
                score: Some(*score),
                assessed_on: Some(on.into()),
                comments: None,
            };
            self.store.record_result(by, e, &input).unwrap();
        }
        e
    }
}

/// The text of a PDF, through poppler's `pdftotext`, for tests that read what a document says.
pub fn pdf_text(bytes: &[u8]) -> String {
    pdftotext(bytes, &[])
}

/// The same with each page's layout kept (a table's columns stay on their line); pages are
/// separated by form feeds.
pub fn pdf_layout_text(bytes: &[u8]) -> String {
    pdftotext(bytes, &["-layout"])
}

pub fn pdftotext(bytes: &[u8], options: &[&str]) -> String {
    let args: Vec<&str> = options.iter().copied().chain(["-enc", "UTF-8", "-", "-"]).collect();
    String::from_utf8(poppler("pdftotext", &args, bytes)).unwrap()
}

/// What one of poppler's tools writes to standard output, given the PDF on standard input.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new(tool)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|_| panic!("{tool} (poppler-utils) is installed"));
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{tool} could not read the PDF");
    out.stdout
}

/// The texts of the QR codes on a PDF's first page, rendered by poppler's `pdftoppm` at 200 dpi and
/// read with `rqrr`: what a phone's camera would read from the print.
pub fn pdf_qr_codes(bytes: &[u8]) -> Vec<String> {
    let png = poppler("pdftoppm", &["-r", "200", "-gray", "-png", "-singlefile", "-"], bytes);
    let page = image::load_from_memory(&png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(page);
    prepared.detect_grids().iter().filter_map(|grid| grid.decode().ok().map(|(_, text)| text)).collect()
}
