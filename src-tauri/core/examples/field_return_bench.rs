//! Measures applying a results return of 500 results at the office: 5 runs × 50 candidates × 2
//! components recorded on a laptop (plus each candidate's attendance), optionally with evidence
//! photos. The office store is copied before each import so every sample applies the same return to
//! the same store.
//!
//! ```text
//! field_return_bench prepare DIR [PHOTOS]   # the office, the laptop's recording, DIR/return.cbr
//! field_return_bench apply DIR [SAMPLES]    # median time of import_return, each on a fresh copy
//! field_return_bench once DIR import|open   # one process: unlock + sign in (+ import), for
//!                                           # `/usr/bin/time -v` to give the peak resident memory
//! ```

use std::path::Path;
use std::time::Instant;

use centrebook_core::field::ReturnImport;
use centrebook_core::records::outcome::{ComponentRule, Score};
use centrebook_core::records::{
    CandidateForm, Component, Course, CourseType, EmployerForm, Registered, ResultInput, RunForm, TrainerForm,
};
use centrebook_core::{
    init, unlock, DataDir, InitOptions, KdfParams, Keychain, NewUser, Role, UnlockSecret, Zeroizing,
};

const PASSPHRASE: &str = "bench passphrase long enough";
const PASSWORD: &str = "bench password 1";

fn store(dir: &Path, centre: &str) -> (centrebook_core::Store, centrebook_core::Actor) {
    let made = init(
        &DataDir::new(dir),
        &Keychain::off(),
        &InitOptions {
            centre_name: centre,
            admin_username: "admin",
            admin_password: PASSWORD,
            passphrase: PASSPHRASE,
            kdf: KdfParams::FAST_FOR_TESTS,
        },
    )
    .expect("init");
    (made.store, made.admin)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn jpeg(i: u32) -> Vec<u8> {
    use image::codecs::jpeg::JpegEncoder;
    let img = image::RgbImage::from_fn(1600, 1200, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, (i * 37 % 256) as u8])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 80).encode_image(&img).unwrap();
    out
}

fn prepare(dir: &Path, photos: u32) {
    let office_dir = dir.join("office");
    let (mut office, admin) = store(&office_dir, "Bench Centre");
    for (u, role) in [("tess", Role::Trainer), ("olly", Role::Office)] {
        office.add_user(&admin, &NewUser { username: u, display_name: u, role, password: PASSWORD }).unwrap();
    }
    let olly = office.login("olly", PASSWORD).unwrap();
    let course = office
        .add_course(
            &admin,
            &Course {
                id: None,
                code: "FLT".into(),
                title: "Counterbalance".into(),
                awarding_body: None,
                course_type: CourseType::Training,
                category: "Counterbalance lift truck".into(),
                length_days: 3.0,
                duration_hours: 21.0,
                validity_months: None,
                requires: Default::default(),
                components: vec![
                    Component {
                        id: None,
                        name: "Theory".into(),
                        rule: ComponentRule::Marks { max_mark: 40, pass_mark: 30 },
                    },
                    Component {
                        id: None,
                        name: "Practical".into(),
                        rule: ComponentRule::Faults { max_minor_faults: 5, max_major_faults: 0 },
                    },
                ],
                version: None,
                grades: vec![],
                candidates_per_trainer: None,
            },
        )
        .unwrap();
    let comps: Vec<_> = course.components.iter().map(|c| c.id.unwrap()).collect();
    let acme = office
        .add_employer(
            &olly,
            &EmployerForm { name: "Acme".into(), address: Some("1 Road".into()), ..Default::default() },
        )
        .unwrap();
    let tess = office
        .add_trainer(&admin, &TrainerForm { name: "Tess".into(), username: Some("tess".into()), ..Default::default() })
        .unwrap();
    let mut runs = Vec::new();
    let mut enrolments = Vec::new();
    for r in 0..5 {
        let run = office
            .add_run(
                &olly,
                &RunForm {
                    course_id: course.id.unwrap(),
                    starts_on: format!("{:02}/11/2026", 2 + r * 3),
                    employer_id: Some(acme.id),
                    trainer_ids: vec![tess.id],
                    ..Default::default()
                },
            )
            .unwrap();
        for c in 0..50 {
            let form = CandidateForm {
                forename: format!("Cand{c}"),
                surname: format!("Run{r}"),
                employer_id: Some(acme.id),
                employee_number: Some(format!("E{r}{c:03}")),
                ..Default::default()
            };
            let id = match office.register_candidate(&olly, &form, chrono::Utc::now().date_naive(), true).unwrap() {
                Registered::Created { candidate, .. } => candidate.id,
                other => panic!("{other:?}"),
            };
            enrolments.push(office.enrol(&olly, run.id, id).unwrap().enrolment.id);
        }
        runs.push(run.id);
    }
    let (mut laptop, me) = store(&dir.join("laptop"), "Tess laptop");
    laptop.field_enrol(&me, &office.field_centre_key(&admin).unwrap(), "Tess's laptop").unwrap();
    office.register_field_device(&admin, tess.id, &laptop.field_device_key(&me).unwrap()).unwrap();
    let t = Instant::now();
    let (pack, _) = office.export_field_pack(&olly, &runs, None).unwrap();
    let packing = t.elapsed();
    laptop.import_field_pack(&me, &pack, false).unwrap();
    let t = Instant::now();
    for (i, e) in enrolments.iter().enumerate() {
        let mark = Score::Marks { mark: (i % 41) as u32 };
        let faults = Score::Faults { minor: Some((i % 7) as u32), major: Some(u32::from(i % 11 == 0)) };
        for (c, s) in comps.iter().zip([mark, faults]) {
            let input =
                ResultInput { component_id: *c, score: Some(s), assessed_on: None, comments: Some("ok".into()) };
            laptop.record_result(&me, *e, &input).unwrap();
        }
    }
    for i in 0..photos {
        laptop.add_evidence_photo(&me, enrolments[i as usize], Some(comps[1]), None, &jpeg(i)).unwrap();
    }
    let recording = t.elapsed();
    let t = Instant::now();
    let (ret, summary) = laptop.export_return(&me).unwrap();
    let exporting = t.elapsed();
    std::fs::write(dir.join("return.cbr"), &ret).unwrap();
    println!(
        "pack of 5 runs, 250 candidates: {} bytes in {} ms; return: {} candidates with results, {} with attendance, {} photos, {} bytes; \
         recorded on the laptop in {:.2} s, exported in {} ms",
        pack.len(),
        packing.as_millis(),
        summary.with_results,
        summary.attendance,
        summary.photos,
        ret.len(),
        recording.as_secs_f64(),
        exporting.as_millis()
    );
}

/// A fresh copy of the prepared office, unlocked, with the office user signed in.
fn fresh_office(dir: &Path, name: &str) -> (centrebook_core::Store, centrebook_core::Actor) {
    let copy = dir.join(name);
    let _ = std::fs::remove_dir_all(&copy);
    copy_dir(&dir.join("office"), &copy);
    let secret = UnlockSecret::Passphrase(Zeroizing::new(PASSPHRASE.to_owned()));
    let mut office = unlock(&DataDir::new(&copy), &Keychain::off(), Some(&secret)).unwrap().store;
    let olly = office.login("olly", PASSWORD).unwrap();
    (office, olly)
}

fn apply(dir: &Path, samples: usize) {
    let ret = std::fs::read(dir.join("return.cbr")).unwrap();
    let mut times = Vec::new();
    for s in 0..samples {
        let (mut office, olly) = fresh_office(dir, &format!("office-{s}"));
        let t = Instant::now();
        let outcome = office.import_return(&olly, &ret).unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        match outcome {
            ReturnImport::Applied(a) => assert_eq!((a.applied, a.conflicts.len()), (750, 0)),
            other => panic!("{other:?}"),
        }
        drop(office);
        std::fs::remove_dir_all(dir.join(format!("office-{s}"))).unwrap();
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "apply (ms), {samples} samples: {:?}",
        times.iter().map(|t| (t * 10.0).round() / 10.0).collect::<Vec<_>>()
    );
    println!("median {:.1} ms, min {:.1}, max {:.1}", sorted[samples / 2], sorted[0], sorted[samples - 1]);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = Path::new(args.get(1).expect("a folder"));
    let n = |i: usize, d: u32| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    match args[0].as_str() {
        "prepare" => prepare(dir, n(2, 0)),
        "apply" => apply(dir, n(2, 7) as usize),
        "once" => {
            let (mut office, olly) = fresh_office(dir, "office-once");
            if args.get(2).map(String::as_str) == Some("import") {
                let ret = std::fs::read(dir.join("return.cbr")).unwrap();
                assert!(matches!(office.import_return(&olly, &ret).unwrap(), ReturnImport::Applied(_)));
            }
        }
        other => panic!("unknown mode {other}"),
    }
}
