//! `centrebook import candidates` end to end: a real process on a real encrypted store.

mod common;

use std::path::PathBuf;

use common::*;

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/import").join(name);
    p.to_str().unwrap().to_owned()
}

fn statuses(out: &std::process::Output) -> Vec<(u64, String)> {
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON rows");
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["status"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn import_shows_every_rows_fate_writes_an_errors_csv_and_reruns_change_nothing() {
    let (tmp, dir, _) = initialised();
    let add = centrebook(&dir, &["employer", "add", "--name", "Acme Haulage Ltd"], AS_ADMIN);
    assert!(add.status.success(), "{:?}", text(&add));
    let nasty = fixture("nasty.csv");
    let base = ["import", "candidates", nasty.as_str(), "--employer", "Acme Haulage Ltd"];

    let dry = centrebook(&dir, &[&["--json"][..], &base, &["--dry-run"]].concat(), AS_ADMIN);
    assert_eq!(dry.status.code(), Some(5), "some rows rejected: {:?}", text(&dry));
    let fates = statuses(&dry);
    assert_eq!(fates.len(), 12);
    assert_eq!(fates[0], (2, "rejected".to_owned()));
    assert_eq!(fates[6], (8, "imported".to_owned()));
    let rows: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert!(rows.as_array().unwrap().iter().all(|r| r.get("candidate_id").is_none()), "nothing written");
    assert!(rows[0]["reasons"][0].as_str().unwrap().contains("Date of Birth"));

    let errors = tmp.path().join("errors.csv");
    let real = centrebook(&dir, &[&base[..], &["--errors-csv", errors.to_str().unwrap()]].concat(), AS_ADMIN);
    assert_eq!(real.status.code(), Some(5));
    let (stdout, _) = text(&real);
    assert!(stdout.contains("1 imported, 2 imported with warnings, 1 matched"), "{stdout}");
    assert!(!stdout.contains("Dry run"));
    let csv = std::fs::read_to_string(&errors).unwrap();
    assert!(csv.starts_with("\u{feff}line,column,reason\r\n2,Date of Birth,"), "{csv}");
    assert!(!csv.contains("Amy") && !stdout.contains("31/02/1990"), "no values in errors or output");

    let again = centrebook(&dir, &[&["--json"][..], &base].concat(), AS_ADMIN);
    let matched = statuses(&again).iter().filter(|(_, s)| s == "matched").count();
    assert_eq!(matched, 4, "re-running matches every row that was written");

    let audit = centrebook(&dir, &["--json", "audit", "list", "--entity", "import"], AS_ADMIN);
    let entries: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    let actions: Vec<&str> = entries.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["import.candidates", "import.begin"],
        "the first import's opening and summary; the re-run wrote nothing"
    );

    let clean = centrebook(&dir, &["import", "candidates", &fixture("cp1252.csv")], AS_ADMIN);
    assert_eq!(clean.status.code(), Some(0), "{:?}", text(&clean));
    assert!(text(&clean).0.contains("Windows-1252"));

    let bad_map = centrebook(&dir, &["import", "candidates", &nasty, "--map", "shoe_size=Size"], AS_ADMIN);
    assert_eq!(bad_map.status.code(), Some(5));
    assert!(text(&bad_map).1.contains("unknown field"), "{:?}", text(&bad_map));
}

#[test]
fn a_1_kb_workbook_with_cells_at_a1_and_xfd1048576_is_refused_not_a_crash() {
    // Before the limits this aborted the process (exit 134) laying out 17 billion cells.
    let (_tmp, dir, _) = initialised();
    let sparse = fixture("sparse_a1_xfd1048576.xlsx");
    assert!(std::fs::metadata(&sparse).unwrap().len() < 2048);
    let out = centrebook(&dir, &["import", "candidates", sparse.as_str(), "--dry-run"], AS_ADMIN);
    let (_, stderr) = text(&out);
    assert!(out.status.code().is_some_and(|c| c != 0), "refused with an exit code, not killed: {stderr}");
    assert!(stderr.contains("more than 200 columns"), "{stderr}");
}
