use std::path::PathBuf;

use chrono::NaiveDate;

use super::*;
use crate::audit::AuditFilter;
use crate::records::{Candidate, Employer, Registered};
use crate::testing::{today, world, World};
use crate::Role;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import").join(name)
}

fn acme(w: &mut World) -> Employer {
    let form = EmployerForm { name: "Acme Haulage Ltd".into(), ..Default::default() };
    w.store.add_employer(&w.office.clone(), &form).unwrap()
}

fn for_acme() -> ImportOptions {
    ImportOptions { employer: Some("acme haulage ltd".into()), ..Default::default() }
}

impl World {
    fn import(&mut self, file: &str, options: &ImportOptions) -> Result<ImportReport> {
        let office = self.office.clone();
        self.store.import_candidates(&office, &fixture(file), options, today())
    }

    fn import_bytes(&mut self, bytes: &[u8], options: &ImportOptions) -> Result<ImportReport> {
        let office = self.office.clone();
        self.store.import_candidates_bytes(&office, bytes, options, today())
    }

    fn count(&self, table: &str) -> i64 {
        self.store.conn().query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
    }

    /// Candidates, employments, employers, mappings and audit entries: everything an import may write.
    fn totals(&self) -> [i64; 5] {
        ["candidates", "employments", "employers", "import_mappings", "audit"].map(|t| self.count(t))
    }

    /// The candidate with identifiers, read straight from the table: an audited identifiers read
    /// would add to the audit count the tests compare.
    fn candidate(&self, id: Option<Id>) -> Candidate {
        let key = self.office.identity();
        crate::records::candidates::read_candidate(self.store.conn(), id.expect("a candidate id"), key).unwrap()
    }
}

fn fates(r: &ImportReport) -> Vec<(u64, RowStatus)> {
    r.rows.iter().map(|f| (f.line, f.status)).collect()
}

fn row(r: &ImportReport, line: u64) -> &RowFate {
    r.rows.iter().find(|f| f.line == line).unwrap_or_else(|| panic!("no row for line {line}"))
}

#[test]
fn an_excel_export_with_bom_crlf_semicolons_and_quoted_commas_imports() {
    let mut w = world();
    let acme = acme(&mut w);
    let r = w.import("excel_semicolon_bom_crlf.csv", &for_acme()).unwrap();
    assert_eq!((r.format, r.encoding, r.delimiter), ("csv", "UTF-8 (with BOM)", Some(';')));
    // Line 3 is blank (skipped); line 4's quoted address spans two lines, so Ana is on line 6.
    assert_eq!(fates(&r), [(2, RowStatus::Imported), (4, RowStatus::Imported), (6, RowStatus::Imported)]);
    assert_eq!(r.counts, Counts { imported: 3, blank: 1, ..Counts::default() });
    assert_eq!(r.ignored_columns, ["Notes"]);
    assert_eq!(r.mapping.get(Field::Address), ["Address line 1", "Address line 2"]);
    assert_eq!(r.mapping.get(Field::DateOfBirth), ["DOB"]);

    let zoe = w.candidate(row(&r, 2).candidate_id);
    assert_eq!((zoe.forename.as_str(), zoe.surname.as_str()), ("Zoë", "O'Brien"));
    assert_eq!((zoe.employer_id, zoe.employee_number.as_deref()), (Some(acme.id), Some("00123")), "zeros kept");
    let ids = zoe.identifiers.unwrap();
    assert_eq!(ids.address.as_deref(), Some("Flat 2, Mill House\nCanal Road, Leeds"));
    assert_eq!(ids.date_of_birth, NaiveDate::from_ymd_opt(1988, 3, 14));
    assert_eq!(zoe.mobile.unwrap().to_string(), "+447700900123");
    let sean = w.candidate(row(&r, 4).candidate_id);
    let ids = sean.identifiers.unwrap();
    assert_eq!(ids.address.as_deref(), Some("12 High Street\nApartment 3"));
    assert_eq!(ids.date_of_birth, NaiveDate::from_ymd_opt(1990, 2, 1), "01-02-1990 is day first");
    let ana = w.candidate(row(&r, 6).candidate_id);
    assert_eq!(ana.identifiers.unwrap().ni_number.unwrap().to_string(), "CE123456D");
}

#[test]
fn a_windows_1252_file_is_decoded_and_says_so() {
    let mut w = world();
    let r = w.import("cp1252.csv", &ImportOptions::default()).unwrap();
    assert_eq!(r.encoding, "Windows-1252");
    assert_eq!(r.counts.imported, 3, "{:?}", r.rows);
    let names: Vec<(String, String)> =
        r.rows.iter().map(|f| w.candidate(f.candidate_id)).map(|c| (c.forename, c.surname)).collect();
    let expected = [("Zoë", "Brontë"), ("Seán", "Ó Ceallaigh"), ("Renée", "Dupré")];
    assert_eq!(names, expected.map(|(f, s)| (f.to_owned(), s.to_owned())));
}

#[test]
fn text_that_is_neither_utf8_nor_cp1252_is_refused_whole_but_utf16_with_a_bom_is_read() {
    let mut w = world();
    let before = w.totals();
    let utf16: Vec<u8> = "Forename,Surname\nZoë,Brontë\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let err = w.import_bytes(&utf16, &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().starts_with("import file: does not look like a text file"), "{err}");
    let err = w.import_bytes(b"Forename,Surname\nZo\x81,B\x8d\n", &ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("neither UTF-8 nor Windows-1252"), "{err}");
    assert_eq!(w.totals(), before);

    let with_bom = [&b"\xFF\xFE"[..], &utf16].concat();
    let r = w.import_bytes(&with_bom, &ImportOptions::default()).unwrap();
    assert_eq!((r.encoding, r.counts.imported), ("UTF-16LE", 1));
    assert_eq!(w.candidate(r.rows[0].candidate_id).surname, "Brontë");
}

/// The fates of `nasty.csv`: line, status, the column blamed and part of the reason.
const NASTY: [(u64, RowStatus, &str, &str); 12] = [
    (2, RowStatus::Rejected, "Date of Birth", "date of birth: that day does not exist in that month"),
    (3, RowStatus::Rejected, "Date of Birth", "date of birth: is in the future"),
    (4, RowStatus::Rejected, "Staff ID", "scientific notation"),
    (5, RowStatus::Warned, "Forename", "starts like a spreadsheet formula; stored as the text typed"),
    (6, RowStatus::Rejected, "Mobile", "the leading 0 looks dropped"),
    (7, RowStatus::Warned, "Staff ID", "shorter than the 6-digit zero-padded numbers"),
    (8, RowStatus::Imported, "", ""),
    (9, RowStatus::Matched, "", "the same person as line 8 of this file (the same NI number"),
    (10, RowStatus::Rejected, "National Insurance Number", "NI number: should be two letters"),
    (11, RowStatus::Rejected, "Mobile", "holds a spreadsheet error"),
    (12, RowStatus::Rejected, "Forename", "forename: is required"),
    (13, RowStatus::Rejected, "", "more cells than the header's 8 columns"),
];

fn check_nasty(r: &ImportReport) {
    assert_eq!(r.rows.len(), NASTY.len());
    for (f, (line, status, column, reason)) in r.rows.iter().zip(NASTY) {
        assert_eq!((f.line, f.status), (line, status), "{f:?}");
        if !reason.is_empty() {
            assert!(
                f.problems.iter().any(|p| p.column.as_deref().unwrap_or("") == column && p.reason.contains(reason)),
                "line {line}: {:?}",
                f.problems
            );
        }
    }
}

#[test]
fn nasty_rows_get_their_fates_with_line_column_and_reason_but_never_the_value() {
    let mut w = world();
    acme(&mut w);
    let r = w.import("nasty.csv", &for_acme()).unwrap();
    check_nasty(&r);
    assert_eq!(r.counts, Counts { imported: 1, warned: 2, matched: 1, rejected: 8, blank: 0 });
    // Line 10 is wrong in three places, each reported with its own column.
    let columns: Vec<&str> = row(&r, 10).problems.iter().filter_map(|p| p.column.as_deref()).collect();
    assert_eq!(columns, ["National Insurance Number", "Postcode", "Email"]);
    // Reasons name columns and fields; no value from the file appears in them.
    let all: String = r.rows.iter().flat_map(|f| f.reasons.iter().cloned()).collect::<Vec<_>>().join("\n");
    for value in ["31/02/1990", "2030", "1.23E+05", "7700900005", "not an NI", "bad-email", "Amy", "JG123456C", "106"] {
        assert!(!all.contains(value), "{value} leaked into the report");
    }
    // The formula-like forename is stored exactly as typed, never evaluated.
    assert_eq!(w.candidate(row(&r, 5).candidate_id).forename, "=1+2");
    // The shortened employee number was flagged, not fixed.
    assert!(row(&r, 7).reasons[0].contains("zero-padded"));
}

#[test]
fn a_dry_run_writes_nothing_and_gives_the_real_runs_fates_and_a_rerun_changes_nothing() {
    let mut w = world();
    acme(&mut w);
    let before = w.totals();
    let dry = w.import("nasty.csv", &ImportOptions { dry_run: true, ..for_acme() }).unwrap();
    assert!(dry.dry_run);
    assert_eq!(w.totals(), before, "a dry run writes nothing");
    check_nasty(&dry);
    assert!(dry.rows.iter().all(|f| f.candidate_id.is_none()), "no ids for records that do not exist");

    let real = w.import("nasty.csv", &for_acme()).unwrap();
    let shape = |r: &ImportReport| r.rows.iter().map(|f| (f.line, f.status, f.reasons.clone())).collect::<Vec<_>>();
    assert_eq!(shape(&dry), shape(&real));
    let after = w.totals();
    assert_eq!(after[0] - before[0], 3, "three candidates written");
    assert_eq!(after[4] - before[4], 5, "an audit entry each, plus the import's opening and summary");

    let again = w.import("nasty.csv", &for_acme()).unwrap();
    assert_eq!(w.totals(), after, "re-running the same file changes nothing");
    assert_eq!(again.counts, Counts { matched: 4, rejected: 8, ..Counts::default() });
    for line in [5, 7, 8] {
        let f = row(&again, line);
        assert_eq!(f.candidate_id, row(&real, line).candidate_id);
        assert!(f.reasons[0].starts_with("already registered"), "{:?}", f.reasons);
    }
    assert_eq!(row(&again, 9).candidate_id, row(&real, 8).candidate_id);
}

#[test]
fn rows_matching_someone_already_registered_are_matched_not_doubled() {
    let mut w = world();
    let amy = CandidateForm {
        forename: "Amy".into(),
        surname: "Jones".into(),
        ni_number: Some("JG 12 34 56 C".into()),
        ..Default::default()
    };
    let existing = match w.store.register_candidate(&w.office.clone(), &amy, today(), false).unwrap() {
        Registered::Created { candidate, .. } => candidate.id,
        other => panic!("{other:?}"),
    };
    let r = w.import("nasty.csv", &ImportOptions::default()).unwrap();
    for line in [8, 9] {
        let f = row(&r, line);
        assert_eq!((f.status, f.candidate_id), (RowStatus::Matched, Some(existing)));
        assert_eq!(f.reasons, ["already registered (the same NI number)"]);
    }
}

#[test]
fn the_errors_csv_lists_rejections_and_neutralises_formula_like_cells() {
    let mut w = world();
    let r = w.import_bytes(
        b"=Forename,Surname,@DOB\r\nAmy,Jones,31/02/1990\r\nBen,Khan,01/01/1990\r\n",
        &Default::default(),
    );
    let r = r.unwrap();
    assert_eq!(r.mapping.get(Field::DateOfBirth), ["@DOB"]);
    assert_eq!(fates(&r), [(2, RowStatus::Rejected), (3, RowStatus::Imported)]);
    let csv = String::from_utf8(errors_csv(&r)).unwrap();
    assert_eq!(
        csv, "\u{feff}line,column,reason\r\n2,'@DOB,date of birth: that day does not exist in that month\r\n",
        "the header is neutralised"
    );
    acme(&mut w);
    let nasty = w.import("nasty.csv", &ImportOptions { dry_run: true, ..for_acme() }).unwrap();
    let csv = String::from_utf8(errors_csv(&nasty)).unwrap();
    assert_eq!(csv.lines().count(), 1 + 10, "one line per problem of the 8 rejected rows: {csv}");
    assert!(csv.contains("\r\n10,Postcode,postcode: "), "{csv}");
    assert!(csv.contains("\r\n13,,has more cells"), "{csv}");
    assert!(!csv.contains("=1+2") && !csv.contains("Amy"), "no values");
}

#[test]
fn an_xlsx_workbook_imports_with_dates_and_whole_numbers_as_text() {
    let mut w = world();
    let acme = acme(&mut w);
    let r = w.import("candidates.xlsx", &for_acme()).unwrap();
    assert_eq!((r.format, r.encoding, r.delimiter), ("xlsx", "xlsx", None));
    assert_eq!(fates(&r), [(2, RowStatus::Imported), (3, RowStatus::Rejected), (5, RowStatus::Imported)]);
    assert_eq!(r.counts.blank, 1);
    let zoe = w.candidate(row(&r, 2).candidate_id);
    assert_eq!((zoe.forename.as_str(), zoe.employee_number.as_deref()), ("Zoë", Some("4521")));
    assert_eq!(zoe.employer_id, Some(acme.id));
    assert_eq!(zoe.identifiers.unwrap().date_of_birth, NaiveDate::from_ymd_opt(1985, 11, 2));
    assert_eq!(row(&r, 3).problems[0].column.as_deref(), Some("Mobile"), "a mobile stored as a number lost its 0");
    let ana = w.candidate(row(&r, 5).candidate_id);
    assert_eq!(ana.identifiers.unwrap().date_of_birth, NaiveDate::from_ymd_opt(1990, 2, 28));
    assert_eq!(ana.employee_number.as_deref(), Some("1.5"));

    let other = ImportOptions { sheet: Some("Other".into()), ..Default::default() };
    let r = w.import("candidates.xlsx", &other).unwrap();
    assert_eq!(fates(&r), [(2, RowStatus::Imported)]);
    let err = w.import("candidates.xlsx", &ImportOptions { sheet: Some("Nope".into()), ..Default::default() });
    assert!(err.unwrap_err().to_string().contains("no sheet called \"Nope\""));
}

#[test]
fn trainers_may_not_import_and_nothing_is_written() {
    let mut w = world();
    let before = w.totals();
    let trainer = w.trainer.clone();
    let err = w.store.import_candidates(&trainer, &fixture("cp1252.csv"), &Default::default(), today()).unwrap_err();
    assert!(matches!(err, Error::Forbidden { role: Role::Trainer, .. }), "{err}");
    assert_eq!(w.totals(), before);
}

#[test]
fn the_audit_gets_one_summary_entry_without_personal_data() {
    let mut w = world();
    acme(&mut w);
    w.import("nasty.csv", &for_acme()).unwrap();
    let filter = AuditFilter { entity: Some("import".into()), ..Default::default() };
    let entries = audit::list(&w.store, &w.admin, &filter).unwrap();
    // Newest first: the summary, then the run's opening, both about the same import run.
    assert_eq!(entries.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["import.candidates", "import.begin"]);
    assert_eq!(entries[0].entity_id, entries[1].entity_id);
    assert_eq!((entries[0].action.as_str(), entries[0].actor.as_str()), ("import.candidates", "olly"));
    let changes = entries[0].changes.clone().unwrap();
    let get = |f: &str| changes.iter().find(|c| c.field == f).and_then(|c| c.after.clone()).unwrap();
    assert_eq!((get("imported"), get("warned"), get("rejected")), (1.into(), 2.into(), 8.into()));
    assert!(!serde_json::to_string(&entries).unwrap().contains("Jones"));
    let per_candidate = AuditFilter { entity: Some("candidate".into()), ..Default::default() };
    let added = audit::list(&w.store, &w.admin, &per_candidate).unwrap();
    assert_eq!(added.len(), 3);
    assert!(added.iter().all(|e| e.action == "candidate.import"));
    assert!(audit::verify(&w.store, &w.admin).unwrap().is_intact());
}

#[test]
fn a_file_without_a_surname_column_is_refused_whole() {
    let mut w = world();
    let before = w.totals();
    let err = w.import("no_surname.csv", &ImportOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "import file: has no surname column (looked for headers like \"Last name\"); say which column holds the surname"
    );
    assert_eq!(w.totals(), before);
    // Mapped by hand, it imports.
    let mapped = ImportOptions { overrides: vec![(Field::Surname, "Family".into())], ..Default::default() };
    assert_eq!(w.import("no_surname.csv", &mapped).unwrap().counts.imported, 1);
}

#[test]
fn employers_named_per_row_are_found_or_created_once() {
    let mut w = world();
    let acme = acme(&mut w);
    let r = w.import("employers.tsv", &ImportOptions::default()).unwrap();
    assert_eq!(r.delimiter, Some('\t'));
    assert_eq!(
        fates(&r),
        [
            (2, RowStatus::Imported),
            (3, RowStatus::Rejected),
            (4, RowStatus::Rejected),
            (5, RowStatus::Imported),
            (6, RowStatus::Rejected)
        ]
    );
    assert_eq!(row(&r, 3).problems[0].column.as_deref(), Some("Company"));
    assert!(row(&r, 3).reasons[0].contains("no employer has this name"));
    assert_eq!(w.candidate(row(&r, 2).candidate_id).employer_id, Some(acme.id));

    let create = ImportOptions { create_employers: true, ..Default::default() };
    let before = w.totals();
    let dry = w.import("employers.tsv", &ImportOptions { dry_run: true, ..create.clone() }).unwrap();
    assert_eq!(w.totals(), before);
    let r = w.import("employers.tsv", &create).unwrap();
    assert_eq!(dry.employers_created, ["Brook Farms"]);
    assert_eq!(r.employers_created, ["Brook Farms"]);
    assert_eq!(
        fates(&r),
        [
            (2, RowStatus::Matched),
            (3, RowStatus::Imported),
            (4, RowStatus::Imported),
            (5, RowStatus::Matched),
            (6, RowStatus::Matched)
        ]
    );
    let (jon, kim) = (w.candidate(row(&r, 3).candidate_id), w.candidate(row(&r, 4).candidate_id));
    assert_eq!(jon.employer.as_deref(), Some("Brook Farms"));
    assert_eq!(jon.employer_id, kim.employer_id, "one employer, whatever the case");
    assert_eq!(row(&r, 6).reasons, ["the same person as line 3 of this file (the same employer and employee number)"]);
    assert_eq!(w.count("employers"), 2);
    let err = w.import("employers.tsv", &ImportOptions { employer: Some("Acme Haulage Ltd".into()), ..create });
    assert!(err.unwrap_err().to_string().contains("not both"));
}

#[test]
fn a_saved_mapping_is_used_before_guessing_per_employer() {
    let mut w = world();
    acme(&mut w);
    let file = b"Given,Family,Ref\nIvy,Stone,7\n";
    let err = w.import_bytes(file, &for_acme()).unwrap_err();
    assert!(err.to_string().contains("no forename column"), "{err}");
    let mapped = ImportOptions {
        overrides: vec![
            (Field::Forename, "given".into()),
            (Field::Surname, "Family".into()),
            (Field::EmployeeNumber, "Ref".into()),
        ],
        save_mapping: true,
        dry_run: true,
        ..for_acme()
    };
    let dry = w.import_bytes(file, &mapped).unwrap();
    assert!(dry.mapping_saved);
    assert_eq!(w.count("import_mappings"), 0, "not saved on a dry run");
    let r = w.import_bytes(file, &ImportOptions { dry_run: false, ..mapped.clone() }).unwrap();
    assert!(r.mapping_saved);
    assert_eq!(r.mapping.get(Field::Forename), ["Given"]);
    assert!(r.ignored_columns.is_empty());

    // The next file from this employer needs no overrides; the centre default is untouched.
    let r = w.import_bytes(b"Given,Family,Ref\nJo,Hart,8\n", &for_acme()).unwrap();
    assert_eq!(r.counts.imported, 1, "{:?}", r.rows);
    assert_eq!(w.candidate(r.rows[0].candidate_id).employee_number.as_deref(), Some("8"));
    assert!(w.import_bytes(file, &ImportOptions::default()).is_err(), "no centre default was saved");
    let again = w.import_bytes(file, &ImportOptions { dry_run: false, ..mapped }).unwrap();
    assert!(!again.mapping_saved, "unchanged");
    assert_eq!(again.counts.matched, 1);
}

#[test]
fn an_employee_number_without_an_employer_is_flagged_and_unknown_columns_reported() {
    let mut w = world();
    let r = w.import_bytes(b"Forename,Surname,Staff ID,Shoe size,\nAmy,Jones,0042,5,x\n", &Default::default()).unwrap();
    assert_eq!(fates(&r), [(2, RowStatus::Warned)]);
    assert_eq!(
        r.rows[0].reasons,
        ["column \"Staff ID\": employee number: not kept without an employer; choose the employer for the whole file, \
          or say which column holds the employer"]
    );
    assert_eq!(r.ignored_columns, ["Shoe size", "(column 5, no header)"]);
}

#[test]
fn progress_is_reported_per_row_and_a_cancel_writes_nothing() {
    let mut w = world();
    acme(&mut w);
    let office = w.office.clone();
    let bytes = std::fs::read(fixture("excel_semicolon_bom_crlf.csv")).unwrap();
    let before = w.totals();

    // Cancelled after the second row of a real import: nothing lands, not even the first rows.
    let mut seen = Vec::new();
    let err = w
        .store
        .import_candidates_watched(&office, &bytes, &for_acme(), today(), &mut |p| {
            seen.push(p);
            if p.done == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err}");
    assert_eq!(seen.iter().map(|p| p.done).collect::<Vec<_>>(), [0, 1, 2]);
    assert!(seen.iter().all(|p| p.total == 4), "four data rows, one blank: {seen:?}");
    assert_eq!(w.totals(), before, "a cancelled import writes nothing");

    // Run to the end, progress reaches the total and the report names every column.
    let mut last = None;
    let r = w
        .store
        .import_candidates_watched(&office, &bytes, &for_acme(), today(), &mut |p| {
            last = Some(p);
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(last, Some(ImportProgress { done: 4, total: 4 }));
    assert_eq!(r.counts.imported, 3);
    assert_eq!(r.headers.first().map(String::as_str), Some("First name"), "the BOM is not part of the header");
    assert_eq!(r.headers.len(), 10);
}

/// A file of `n` distinct people, for imports that span several batches.
fn many(n: usize) -> Vec<u8> {
    let mut csv = String::from("Forename,Surname,Employee number\n");
    for i in 0..n {
        csv.push_str(&format!("Person{i},Batchrow{i},E{i:05}\n"));
    }
    csv.into_bytes()
}

#[test]
fn a_large_import_lets_another_save_in_between_its_batches_and_a_cancel_undoes_them_all() {
    let mut w = world();
    acme(&mut w);
    let (office, admin) = (w.office.clone(), w.admin.clone());
    let before = w.totals();
    let bytes = many(3000);
    // Another connection, as the window's own saves use while a long job runs.
    let mut other = w.store.reopen().unwrap();
    let (saved_tx, saved_rx) = std::sync::mpsc::channel::<crate::Result<()>>();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let saver = std::thread::spawn(move || {
        go_rx.recv().unwrap();
        // A write while the import is a third of the way: it gets in between batches, or waits for the
        // whole import and gives up (busy) after the wait limit.
        let form = EmployerForm { name: "Written meanwhile Ltd".into(), ..Default::default() };
        saved_tx.send(other.add_employer(&admin, &form).map(drop)).unwrap();
    });
    let err = w.store.import_candidates_watched(&office, &bytes, &for_acme(), today(), &mut |p| {
        if p.done == 1000 {
            go_tx.send(()).unwrap();
        }
        if p.done == 2999 {
            // Several batches later: the save has answered (this waits inside the last batch, so a
            // save still queued behind the import would time out here).
            let saved = saved_rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the save answered");
            assert!(saved.is_ok(), "the save got in during the import: {saved:?}");
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    saver.join().unwrap();
    assert!(matches!(err, Err(Error::Cancelled)), "{err:?}");
    // Earlier batches had committed; the cancel undid them all, and the other save stands.
    let after = w.totals();
    assert_eq!(after[0], before[0], "no candidate of the cancelled import is left");
    assert_eq!(after[1], before[1], "nor an employment");
    assert_eq!(after[2], before[2] + 1, "the employer saved meanwhile stands");
    assert!(w.store.search_candidates(&w.admin, "Batchrow", 10).unwrap().is_empty(), "nor a search entry");
    let living = w.store.candidates(&office, None, 0, 1).unwrap().total;
    assert_eq!(living, before[0], "the list's length, kept by its triggers, is back where it was");
    let undo =
        audit::list(&w.store, &w.admin, &AuditFilter { entity: Some("import".into()), ..Default::default() }).unwrap();
    assert_eq!(undo[0].action, "import.undo");
    let removed = undo[0].changes.clone().unwrap();
    let n = removed.iter().find(|c| c.field == "candidates_removed").and_then(|c| c.after.clone()).unwrap();
    assert!(n.as_u64().unwrap() >= 1000, "batches had committed before the cancel: {n}");
    assert!(audit::verify(&w.store, &w.admin).unwrap().is_intact());
}

/// Committing is most of what a batch costs (issue 17), so an import nobody waits for commits no more
/// than once a second; the test above shows that one a save waits for commits at once.
#[test]
fn an_import_nobody_waits_for_commits_at_most_once_a_second() {
    let mut w = world();
    acme(&mut w);
    let office = w.office.clone();
    let bytes = many(1200);
    // SQLite's own count of the commits other connections made, read from a second connection.
    let other = w.store.reopen().unwrap();
    let version = || -> i64 { other.conn().query_row("PRAGMA data_version", [], |r| r.get(0)).unwrap() };
    let (mut last, mut commits, mut first) = (None, 0, None);
    w.store
        .import_candidates_watched(&office, &bytes, &for_acme(), today(), &mut |p| {
            if p.done == p.total {
                // Reported by the closing transaction, after the rows' last batch committed.
                return ControlFlow::Continue(());
            }
            let now = version();
            if last.is_some_and(|v| v != now) {
                commits += 1;
            }
            last = Some(now);
            first.get_or_insert_with(std::time::Instant::now);
            ControlFlow::Continue(())
        })
        .unwrap();
    let seconds = first.unwrap().elapsed().as_secs();
    assert!(commits <= seconds, "{commits} commits while the rows were written, in {seconds} whole seconds");
    assert_eq!(w.store.search_candidates(&w.admin, "Batchrow1199", 5).unwrap().len(), 1, "and every row arrived");
}

#[test]
fn an_import_a_killed_process_left_half_written_is_undone_at_the_next_open() {
    let w = world();
    let World { _fx: fx, mut store, office, admin, .. } = w;
    let bytes = many(1500);
    let count = |s: &Store| -> i64 { s.conn().query_row("SELECT count(*) FROM candidates", [], |r| r.get(0)).unwrap() };
    let before = count(&store);
    // A save from another connection at row 600 makes the import commit its batch so far and let it in.
    let (mut other, saving) = (store.reopen().unwrap(), admin.clone());
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let saver = std::thread::spawn(move || {
        go_rx.recv().unwrap();
        let form = EmployerForm { name: "Written meanwhile Ltd".into(), ..Default::default() };
        other.add_employer(&saving, &form).map(drop)
    });
    // A panic part-way stands in for kill -9: no undo runs, and the batches so far are committed.
    let options = ImportOptions::default();
    let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = store.import_candidates_watched(&office, &bytes, &options, today(), &mut |p| {
            if p.done == 600 {
                go_tx.send(()).unwrap();
            }
            assert!(p.done != 1200, "killed");
            ControlFlow::Continue(())
        });
    }));
    assert!(crashed.is_err());
    saver.join().unwrap().expect("the save got in during the import");
    assert!(count(&store) >= before + 600, "the batch before the save had committed");
    let dir = store.dir().clone();
    drop(store);

    let secret = crate::UnlockSecret::Passphrase(crate::testing::PASSPHRASE.to_owned().into());
    let reopened = crate::unlock(&dir, &fx.keychain, Some(&secret)).unwrap().store;
    assert_eq!(count(&reopened), before, "the half-written import is gone");
    let last: (String, String) = reopened
        .conn()
        .query_row("SELECT action, actor_name FROM audit ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(last, ("import.undo".into(), "(Centrebook: an import left unfinished)".into()));
    assert!(audit::verify(&reopened, &admin).unwrap().is_intact());
}

#[test]
fn an_import_matches_names_typed_without_their_punctuation_or_accents() {
    let mut w = world();
    let office = w.office.clone();
    let sean = w
        .register(&office, &CandidateForm { forename: "Seán".into(), surname: "O'Brien".into(), ..Default::default() });
    let r = w
        .import_bytes(b"Forename,Surname\nSean,OBrien\nSean,O Brien\nSean,Bryant\n", &ImportOptions::default())
        .unwrap();
    let fates: Vec<(RowStatus, Option<Id>)> = r.rows.iter().map(|f| (f.status, f.candidate_id)).collect();
    assert_eq!(fates[0], (RowStatus::Matched, Some(sean)), "{:?}", r.rows[0].reasons);
    assert_eq!(fates[1], (RowStatus::Matched, Some(sean)));
    assert_eq!(fates[2].0, RowStatus::Imported, "a different surname is a new person");
}

const CONFLICTS: &str = "First name,Last name,NI number,Date of birth,Postcode\n\
Mary,Smith,AB 12 34 56 C,01/01/1970,LS1 1AA\n\
Sian,Llewelyn,JG 12 34 56 C,14/03/1988,CF10 1AA\n\
Siân,LLEWELYN,AB123456C,14/03/1988,CF10 1AA\n";

/// Sian as already registered: the file's line 4 is she; lines 2 and 3 each match her on one key
/// that another contradicts.
fn registered_sian(w: &mut World) -> Id {
    let office = w.office.clone();
    let form = CandidateForm {
        forename: "Siân".into(),
        surname: "Llewelyn".into(),
        ni_number: Some("AB123456C".into()),
        date_of_birth: Some("14/03/1988".into()),
        postcode: Some("CF10 1AA".into()),
        ..Default::default()
    };
    w.register(&office, &form)
}

#[test]
fn a_match_on_one_key_that_another_contradicts_is_held_as_a_conflict_not_matched_or_dropped() {
    let mut w = world();
    let sian = registered_sian(&mut w);
    let before = w.count("candidates");
    for dry_run in [true, false] {
        let r = w.import_bytes(CONFLICTS.as_bytes(), &ImportOptions { dry_run, ..Default::default() }).unwrap();
        assert_eq!(
            fates(&r),
            [(2, RowStatus::Rejected), (3, RowStatus::Rejected), (4, RowStatus::Matched)],
            "dry run {dry_run}: {:?}",
            r.rows
        );
        // Same NI number, different name and date of birth: both reasons, each with its columns.
        let same_ni = row(&r, 2);
        assert_eq!(same_ni.candidate_id, Some(sian), "the record it conflicts with, to open");
        let cols: Vec<Option<&str>> = same_ni.problems.iter().map(|p| p.column.as_deref()).collect();
        assert_eq!(cols, [Some("NI number"), Some("First name + Last name + Date of birth")]);
        assert_eq!(same_ni.problems[0].reason, "conflict: the same NI number as a candidate already registered");
        assert!(
            same_ni.problems[1]
                .reason
                .starts_with("conflict: a different name and date of birth from a candidate already registered"),
            "{:?}",
            same_ni.problems
        );
        // Same surname, date of birth and postcode, a different NI number.
        let same_sdp = row(&r, 3);
        let cols: Vec<Option<&str>> = same_sdp.problems.iter().map(|p| p.column.as_deref()).collect();
        assert_eq!(cols, [Some("Last name + Date of birth + Postcode"), Some("NI number")]);
        assert!(same_sdp.problems[1].reason.starts_with("conflict: a different NI number from"), "{:?}", same_sdp);
        // The true duplicate still matches.
        assert_eq!(row(&r, 4).candidate_id, Some(sian));
        assert_eq!(
            row(&r, 4).reasons,
            ["already registered (the same NI number; the same surname, date of birth and postcode)"]
        );
        assert_eq!(r.counts, Counts { rejected: 2, matched: 1, ..Counts::default() });
        assert_eq!(w.count("candidates"), before, "nothing written, nothing merged");
        // The errors CSV carries both reasons of each row, with line and column, never a value.
        let csv = String::from_utf8(errors_csv(&r)).unwrap();
        assert!(csv.contains("\r\n2,NI number,conflict: the same NI number as"), "{csv}");
        assert!(
            csv.contains("\r\n2,First name + Last name + Date of birth,\"conflict: a different name and date of birth"),
            "{csv}"
        );
        assert!(csv.contains("\r\n3,Last name + Date of birth + Postcode,\"conflict: the same surname, date of birth and postcode as"), "{csv}");
        assert!(csv.contains("\r\n3,NI number,\"conflict: a different NI number from"), "{csv}");
        assert!(!csv.contains("Mary") && !csv.contains("AB") && !csv.contains("1970"), "{csv}");
    }
}

#[test]
fn a_row_conflicting_with_an_earlier_row_of_the_same_file_is_held() {
    let mut w = world();
    let file = b"First name,Last name,NI number,Date of birth\n\
Mary,Smith,AB 12 34 56 C,01/01/1970\n\
Sian,Llewelyn,AB123456C,14/03/1988\n\
Mary,Smith,AB123456C,01/01/1970\n";
    for dry_run in [true, false] {
        let mut w = world();
        let r = w.import_bytes(file, &ImportOptions { dry_run, ..Default::default() }).unwrap();
        assert_eq!(fates(&r), [(2, RowStatus::Imported), (3, RowStatus::Rejected), (4, RowStatus::Matched)]);
        assert_eq!(
            row(&r, 3).problems[0].reason,
            "conflict: the same NI number as line 2 of this file",
            "dry run {dry_run}"
        );
        assert!(row(&r, 3).problems[1].reason.contains("a different name and date of birth from line 2 of this file"));
        assert_eq!(row(&r, 3).candidate_id, row(&r, 2).candidate_id, "the record made from line 2 (none on a dry run)");
        assert_eq!(w.count("candidates"), if dry_run { 0 } else { 1 });
    }
    // Twins: the same surname, date of birth and postcode, different NI numbers. A row that matches
    // one twin cleanly on the NI number is that twin, whatever the other twin's record says.
    let office = w.office.clone();
    let twin = |forename: &str, ni: &str| CandidateForm {
        forename: forename.into(),
        surname: "Price".into(),
        ni_number: Some(ni.into()),
        date_of_birth: Some("02/02/1992".into()),
        postcode: Some("SA1 1AA".into()),
        ..Default::default()
    };
    let dewi = w.register(&office, &twin("Dewi", "JG123456C"));
    let r = w.store.register_candidate(&office, &twin("Rhys", "JG654321C"), today(), false).unwrap();
    let Registered::PossibleDuplicates { matches } = r else { panic!("{r:?}") };
    assert_eq!(matches[0].conflicts.len(), 1, "the other twin is offered as a conflict");
    let rhys = match w.store.register_candidate(&office, &twin("Rhys", "JG654321C"), today(), true).unwrap() {
        Registered::Created { candidate, .. } => candidate.id,
        other => panic!("{other:?}"),
    };
    let r = w
        .import_bytes(
            b"First name,Last name,NI number,Date of birth,Postcode\nDewi,Price,JG123456C,02/02/1992,SA1 1AA\n",
            &ImportOptions::default(),
        )
        .unwrap();
    assert_eq!((r.rows[0].status, r.rows[0].candidate_id), (RowStatus::Matched, Some(dewi)), "{:?}", r.rows);
    assert_ne!(Some(rhys), r.rows[0].candidate_id);
}
