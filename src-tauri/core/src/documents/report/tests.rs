use std::io::Read;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;

use super::*;
use crate::documents::IssueOptions;
use crate::records::outcome::Score;
use crate::records::{CandidateForm, Course, Registered, Requirements, TrainerForm};
use crate::testing::{forklift, person, theory, world, World};

fn day(d: u32, m: u32, y: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

struct Centre {
    w: World,
    course: Course,
    trainer: Id,
    acme: Id,
}

fn centre() -> Centre {
    let mut w = world();
    let course = Course {
        code: "FLT-CB".into(),
        requires: Requirements::default(),
        components: vec![theory()],
        version: None,
        grades: vec![],
        ..forklift()
    };
    let course = w.course(course);
    let tess = TrainerForm {
        name: "Tess Evans".into(),
        registrations: vec![("rtitb".into(), "R-1234".into())],
        ..Default::default()
    };
    let trainer = w.store.add_trainer(&w.admin.clone(), &tess).unwrap().id;
    let acme = w.acme();
    Centre { w, course, trainer, acme }
}

impl Centre {
    fn run(&mut self, starts: &str, ends: &str) -> Id {
        let course = self.course.clone();
        self.w.run(&course, starts, ends, &[self.trainer])
    }

    fn employee(&mut self, forename: &str, surname: &str, number: &str, ni: Option<&str>) -> Id {
        let office = self.w.office.clone();
        let form = CandidateForm {
            employee_number: Some(number.into()),
            ni_number: ni.map(str::to_owned),
            ..person(forename, surname, Some(self.acme))
        };
        match self.w.store.register_candidate(&office, &form, day(1, 1, 2020), true).unwrap() {
            Registered::Created { candidate, .. } => candidate.id,
            other => panic!("{other:?}"),
        }
    }

    /// Enrols on `run`; with a mark, records it (30 or more passes).
    fn take(&mut self, run: Id, candidate: Id, mark: Option<u32>, on: &str) -> Id {
        let (office, course) = (self.w.office.clone(), self.course.clone());
        let scores: Vec<Score> = mark.map(|mark| Score::Marks { mark }).into_iter().collect();
        self.w.sit(&office, run, candidate, &course, &scores, on)
    }
}

fn opts(today: NaiveDate, site: Option<&str>) -> ReportOptions {
    ReportOptions { today, expiring_within_days: 60, site: site.map(str::to_owned) }
}

/// Siân: passed in 2020 (expired) and rebooked; Bob: passed 2024 (valid, certified); Cara: failed;
/// Dai: passed 2023, expiring soon, refresher due; Eve: nothing on record. Bob and Dai work in York.
fn small_centre() -> Centre {
    let mut c = centre();
    let old = c.run("02/03/2020", "06/03/2020");
    let mid = c.run("04/12/2023", "08/12/2023");
    let recent = c.run("01/07/2024", "05/07/2024");
    let future = c.run("07/12/2026", "11/12/2026");
    let sian = c.employee("Siân", "Llewelyn", "E1", Some("AB123456C"));
    let bob = c.employee("=Bob", "Ray", "E2", Some("CE123456D"));
    let cara = c.employee("Cara", "Ng", "E3", None);
    let dai = c.employee("Dai", "Evans", "E4", None);
    c.employee("Eve", "Zed", "E5", None);
    c.take(old, sian, Some(35), "06/03/2020");
    c.take(future, sian, None, "");
    let bob_pass = c.take(recent, bob, Some(39), "05/07/2024");
    c.take(recent, cara, Some(10), "05/07/2024");
    c.take(mid, dai, Some(31), "08/12/2023");
    let office = c.w.office.clone();
    let on = IssueOptions { on: Some(day(8, 7, 2024)), ..Default::default() };
    c.w.store.issue_certificate(&office, bob_pass, &on).unwrap();
    c.w.store.set_employee_site(&office, bob, Some("York depot")).unwrap();
    c.w.store.set_employee_site(&office, dai, Some("York depot")).unwrap();
    c
}

#[test]
fn statuses_refreshers_sites_and_the_disclosure_log() {
    let mut c = small_centre();
    let office = c.w.office.clone();
    let r = c.w.store.employer_report_with(&office, c.acme, &opts(day(22, 11, 2026), None)).unwrap();
    let got: Vec<(&str, TrainingStatus, bool)> =
        r.rows.iter().map(|r| (r.surname.as_str(), r.status, r.refresher_due)).collect();
    assert_eq!(
        got,
        [
            ("Evans", TrainingStatus::Expiring, true),
            ("Llewelyn", TrainingStatus::Expired, false),
            ("Llewelyn", TrainingStatus::Booked, false),
            ("Ng", TrainingStatus::Fail, false),
            ("Ray", TrainingStatus::Valid, false),
            ("Zed", TrainingStatus::None, false),
        ],
        "Siân's expired pass is not due: a later run is booked"
    );
    assert_eq!(r.employees(), 5);
    let dai = &r.rows[0];
    assert_eq!(dai.expires_on, Some(day(8, 12, 2026)));
    assert_eq!((dai.trainer.as_deref(), dai.trainer_registration.as_deref()), (Some("Tess Evans"), Some("R-1234")));
    let bob = r.rows.iter().find(|r| r.surname == "Ray").unwrap();
    assert!(bob.certificate_number.is_some());
    assert_eq!(bob.expires_on, Some(day(5, 7, 2027)));
    assert_eq!(bob.site.as_deref(), Some("York depot"));
    assert_eq!(r.refresher_due().map(|r| r.surname.as_str()).collect::<Vec<_>>(), ["Evans"]);

    // One site only, matched ignoring case.
    let york = c.w.store.employer_report_with(&office, c.acme, &opts(day(22, 11, 2026), Some("york DEPOT"))).unwrap();
    let names: Vec<&str> = york.rows.iter().map(|r| r.surname.as_str()).collect();
    assert_eq!(names, ["Evans", "Ray"]);
    assert_eq!(c.w.store.employer_sites(&office, c.acme).unwrap(), ["York depot"]);

    // Each report is a disclosure of exactly the people in it.
    let disclosed: Vec<i64> =
        c.w.store
            .conn()
            .prepare(
                "SELECT count(s.candidate_id) FROM disclosures d JOIN disclosure_subjects s ON s.disclosure_id = d.id
             WHERE d.recipient = 'Acme Haulage Ltd' GROUP BY d.id ORDER BY d.at",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
    assert_eq!(disclosed, [5, 2]);

    // Trainers may neither read reports nor set sites; the site change is audited.
    let trainer = c.w.trainer.clone();
    assert!(matches!(
        c.w.store.employer_report_with(&trainer, c.acme, &opts(day(22, 11, 2026), None)),
        Err(Error::Forbidden { .. })
    ));
    let cara = r.rows.iter().find(|r| r.surname == "Ng").unwrap().candidate_id;
    assert!(matches!(c.w.store.set_employee_site(&trainer, cara, Some("Leeds")), Err(Error::Forbidden { .. })));
    let audited: i64 =
        c.w.store
            .conn()
            .query_row("SELECT count(*) FROM audit WHERE action = 'candidate.site'", [], |r| r.get(0))
            .unwrap();
    assert_eq!(audited, 2);
}

#[test]
fn xlsx_has_a_bold_frozen_filtered_header_real_dates_and_a_refresher_sheet() {
    let mut c = small_centre();
    let office = c.w.office.clone();
    let r = c.w.store.employer_report_with(&office, c.acme, &opts(day(22, 11, 2026), None)).unwrap();
    let bytes = r.to_xlsx().unwrap();

    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    assert_eq!(book.sheet_names(), ["Training", "Refresher due"]);
    let sheet = book.worksheet_range("Training").unwrap();
    let header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(
        header,
        [
            "Surname",
            "Forename",
            "Employee number",
            "Site",
            "Course code",
            "Course",
            "Category",
            "Start",
            "End",
            "Trainer",
            "Trainer registration",
            "Certificate",
            "Expires",
            "Status",
            "Refresher due"
        ]
    );
    assert_eq!(sheet.height(), 7, "a header and six rows");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap() as u32;
    // Row 1 is Dai Evans: his expiry is a real date cell, 08/12/2026.
    match sheet.get_value((1, col("Expires"))).unwrap() {
        Data::DateTime(d) => {
            assert!(d.is_datetime());
            assert_eq!(d.as_datetime().unwrap().date(), day(8, 12, 2026));
        }
        other => panic!("expected a date cell, found {other:?}"),
    }
    assert_eq!(sheet.get_value((1, col("Status"))), Some(&Data::String("Expiring".into())));
    assert_eq!(sheet.get_value((1, col("Refresher due"))), Some(&Data::String("yes".into())));
    // A formula-like name is stored as text, never as a formula.
    let bob =
        (1..sheet.height() as u32).find(|&r| sheet.get_value((r, col("Surname"))) == Some(&Data::String("Ray".into())));
    assert_eq!(sheet.get_value((bob.unwrap(), col("Forename"))), Some(&Data::String("=Bob".into())));
    assert!(book.worksheet_formula("Training").unwrap().used_cells().all(|(_, _, f)| f.is_empty()));

    let due = book.worksheet_range("Refresher due").unwrap();
    assert_eq!(due.height(), 2);
    assert_eq!(due.get_value((1, 0)), Some(&Data::String("Evans".into())));
    let days = due.rows().next().unwrap().iter().position(|h| *h == "Days left").unwrap();
    assert_eq!(due.get_value((1, days as u32)), Some(&Data::Float(16.0)));

    // The frozen pane, the filter, the bold header and the date format, in the file itself.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut part = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    };
    let sheet1 = part("xl/worksheets/sheet1.xml");
    assert!(sheet1.contains(r#"state="frozen""#) && sheet1.contains(r#"ySplit="1""#), "{sheet1}");
    assert!(sheet1.contains(r#"<autoFilter ref="A1:O7"/>"#), "{sheet1}");
    assert!(sheet1.contains("<cols>"), "column widths are set");
    let styles = part("xl/styles.xml");
    assert!(styles.contains("<b/>") && styles.contains(r#"formatCode="dd/mm/yyyy""#), "{styles}");
    for never in ["AB123456C", "1988", "Heol y Bont", "CF10"] {
        let all = sheet1.clone() + &part("xl/sharedStrings.xml");
        assert!(!all.contains(never), "{never} must not reach the employer");
    }
}

fn pdf_pages(bytes: &[u8]) -> Vec<String> {
    let text = crate::testing::pdf_layout_text(bytes);
    text.split('\u{c}').filter(|p| !p.trim().is_empty()).map(str::to_owned).collect()
}

#[test]
fn the_pdf_runs_over_pages_repeating_its_header_with_page_x_of_y() {
    let mut c = small_centre();
    let run = c.run("05/10/2026", "09/10/2026");
    for i in 0..70 {
        let id = c.employee(&format!("Worker{i:02}"), "Adams", &format!("W{i:03}"), None);
        c.take(run, id, Some(if i % 7 == 0 { 12 } else { 36 }), "09/10/2026");
    }
    let office = c.w.office.clone();
    let r = c.w.store.employer_report_with(&office, c.acme, &opts(day(22, 11, 2026), None)).unwrap();
    let bytes = r.to_pdf();
    let pages = pdf_pages(&bytes);
    let n = pages.len();
    assert!(n >= 3, "76 lines and a refresher list take three pages, got {n}");
    for (i, p) in pages.iter().enumerate() {
        assert!(p.contains("Employee number"), "page {} repeats the header row:\n{p}", i + 1);
        assert!(p.contains(&format!("Page {} of {n}", i + 1)), "page {} is numbered:\n{p}", i + 1);
    }
    assert!(pages[0].contains("Training report: Acme Haulage Ltd"));
    assert!(pages[0].contains("RIVERSIDE PLANT TRAINING"), "the centre heads the title block");
    assert!(pages[0].contains("Report date 22 November 2026"));
    assert!(pages[1].contains("Training report: Acme Haulage Ltd") && !pages[1].contains("Report date"));
    let all = pages.join("\n");
    assert!(all.contains("Refresher due: 1 employee"));
    assert!(all.contains("Tess Evans (R-1234)"));
    let dai = all.lines().find(|l| l.contains("Dai Evans") && l.contains("Expiring")).expect("Dai's line");
    assert!(dai.trim_end().ends_with("Due"), "the Refresher column marks Dai: {dai}");
    assert!(all.contains("Worker69 Adams"), "the last employee is on the last pages");
    for never in ["AB123456C", "1988", "Heol y Bont", "CF10"] {
        assert!(!all.contains(never), "{never} must not reach the employer");
    }
    if let Ok(dir) = std::env::var("CENTREBOOK_REPORT_SAMPLE") {
        std::fs::write(std::path::Path::new(&dir).join("report.pdf"), &bytes).unwrap();
    }
}

#[test]
fn counts_are_of_people_and_statuses_read_as_the_window_says_them() {
    let row = |who: Id, status: TrainingStatus, due: bool| ReportRow {
        candidate_id: who,
        surname: "Jones".into(),
        forename: "Sam".into(),
        employee_number: None,
        site: None,
        course_code: Some("FLT-CB".into()),
        course_title: Some("Counterbalance".into()),
        category: None,
        starts_on: None,
        ends_on: None,
        trainer: None,
        trainer_registration: None,
        certificate_number: None,
        expires_on: None,
        status,
        refresher_due: due,
    };
    let (sam, amir) = (Id::new(), Id::new());
    let r = EmployerReport {
        centre: "Centre".into(),
        employer: "Acme".into(),
        site: None,
        generated_on: day(1, 12, 2026),
        expiring_within_days: 60,
        rows: vec![
            // Sam holds two valid courses and is due two refreshers: one person each time.
            row(sam, TrainingStatus::Valid, false),
            row(sam, TrainingStatus::Valid, false),
            row(sam, TrainingStatus::Expiring, true),
            row(sam, TrainingStatus::Expired, true),
            row(amir, TrainingStatus::Valid, false),
            row(amir, TrainingStatus::Retest, false),
        ],
        disclosure: None,
    };
    let counts = r.counts();
    assert_eq!(counts[&TrainingStatus::Valid], 2, "two people, three lines");
    assert_eq!(counts[&TrainingStatus::Retest], 1);
    assert_eq!(r.people_due_refresher(), 1, "one person, two courses due");
    assert_eq!(r.employees(), 2);

    // The CSV says the outcome's and the certificate's own words.
    let csv = String::from_utf8(r.to_csv()).unwrap();
    assert!(
        csv.contains(",Valid,") && csv.contains(",Retest,") && csv.contains(",\"Expiring, refresher due\","),
        "{csv}"
    );
    assert!(!csv.contains("failed") && !csv.contains(",valid,"), "{csv}");
}

/// The report carries only what the employer is entitled to: training it ordered for its current
/// employees, never a restricted person, never training another employer ordered or the person
/// booked themselves.
#[test]
fn the_report_shows_only_what_the_employer_is_entitled_to() {
    let mut c = centre();
    let office = c.w.office.clone();
    let run = c.run("02/03/2026", "06/03/2026");
    let later = c.run("04/05/2026", "08/05/2026");
    let mine = c.employee("Ann", "Acme", "E1", None);
    c.take(run, mine, Some(35), "06/03/2026");

    // Booked herself before she joined Acme.
    let own = c.w.register(&office, &person("Sam", "Self", None));
    c.take(run, own, Some(35), "06/03/2026");
    // Trained for Beta before moving to Acme.
    let beta =
        c.w.store
            .add_employer(&office, &crate::records::EmployerForm { name: "Beta Ltd".into(), ..Default::default() })
            .unwrap()
            .id;
    let moved = c.w.register(&office, &person("Bea", "Beta", Some(beta)));
    c.take(run, moved, Some(35), "06/03/2026");
    for p in [own, moved] {
        c.w.store.change_employer(&office, p, Some(c.acme), Some("E9".into()), day(23, 11, 2026)).unwrap();
    }
    // Acme then ordered a course for Bea: that one is Acme's to see.
    c.take(later, moved, Some(35), "08/05/2026");
    // Restricted while her accuracy complaint is looked into.
    let held = c.employee("Rita", "Restricted", "E2", None);
    c.take(run, held, Some(35), "06/03/2026");
    c.w.store.set_restricted(&office, held, true, "accuracy contested").unwrap();

    let admin = c.w.admin.clone();
    let report = c.w.store.employer_report_with(&office, c.acme, &opts(day(1, 6, 2026), None)).unwrap();
    let lines = |id: Id| report.rows.iter().filter(|r| r.candidate_id == id).collect::<Vec<_>>();
    assert_eq!(lines(mine).len(), 1);
    assert_eq!(lines(mine)[0].status, TrainingStatus::Valid);
    let sam = lines(own);
    assert_eq!(
        (sam.len(), sam[0].course_code.as_deref()),
        (1, None),
        "listed as an employee, without her own training"
    );
    let bea = lines(moved);
    assert_eq!(bea.len(), 1, "only the course Acme ordered");
    assert_eq!(bea[0].starts_on, Some(day(4, 5, 2026)));
    assert!(lines(held).is_empty(), "a restricted person is not reported at all");
    let text = String::from_utf8(report.to_csv()).unwrap();
    assert!(!text.contains("Restricted"));

    // The disclosure log holds exactly the people the report carried.
    let logged = c.w.store.disclosures(&admin, None, 1).unwrap();
    assert_eq!(logged[0].people, 3);
    assert!(c.w.store.disclosures(&admin, Some(held), 10).unwrap().is_empty(), "Rita was not disclosed");
}
