//! Awarding-body submission bundles through the command line, end to end: bundles for three
//! profiles that verify and re-open, a second create that takes nothing new, the correction flow,
//! tracking, the breach listing, and every refusal of a bad bundle file exiting 5 with its reason.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::*;

/// Runs a verb expected to fail: its exit code and stderr.
fn fails(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let out = centrebook(dir, args, env);
    assert!(!out.status.success(), "{args:?} should have failed: {:?}", text(&out));
    (out.status.code(), text(&out).1)
}

struct Centre {
    tmp: tempfile::TempDir,
    dir: PathBuf,
    /// (run id, candidate ids) per awarding body code.
    runs: Vec<(&'static str, String, Vec<String>)>,
}

impl Centre {
    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }
}

/// Three awarding bodies, a course and a run each, two passes and one fail per run.
fn centre() -> Centre {
    let (tmp, dir, _) = initialised();
    let mut runs = Vec::new();
    json(&dir, &["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"], AS_ADMIN);
    add_trainer(
        &dir,
        serde_json::json!({"name": "Tess Evans",
            "registrations": [["RTITB", "R-1234"], ["LANTRA", "L-55"], ["WAMITAB", "W-9"]]}),
        AS_ADMIN,
    );
    let mut n = 0;
    for (code, requires) in
        [("RTITB", r#"{"ni_number":true}"#), ("LANTRA", r#"{"date_of_birth":true}"#), ("WAMITAB", r#"{}"#)]
    {
        json(
            &dir,
            &["body", "add", "--code", code, "--name", &format!("{code} Awards"), "--centre-number", "C-1"],
            AS_ADMIN,
        );
        let course = tmp.path().join(format!("{code}.json"));
        std::fs::write(
            &course,
            format!(
                r#"{{"code":"{code}-1","title":"{code} course","awarding_body":"{code}","course_type":"test",
                "category":"Counterbalance lift truck","length_days":1,"duration_hours":7,"requires":{requires},
                "components":[{{"name":"Theory","rule":{{"kind":"marks","max_mark":40,"pass_mark":30}}}}]}}"#
            ),
        )
        .unwrap();
        json(&dir, &["course", "add", course.to_str().unwrap()], AS_ADMIN);
        let run = json(
            &dir,
            &[
                "run",
                "add",
                "--course",
                &format!("{code}-1"),
                "--start",
                "02/11/2026",
                "--venue",
                "Yard 2",
                "--trainer",
                "Tess Evans",
                // One run per body, all on one day with one trainer: a double booking meant.
                "--despite-clash",
            ],
            AS_ADMIN,
        )["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut people = Vec::new();
        for (surname, mark) in [("Llewelyn", "38"), ("Price", "35"), ("Failed", "10")] {
            n += 1;
            let ni = format!("ab{:06}c", 123400 + n);
            let person = serde_json::json!({
                "forename": "Siân",
                "surname": format!("{surname}{code}"),
                "employer": "Acme Haulage",
                "employee_number": format!("EMPNO-{n}"),
                "ni_number": ni,
                "date_of_birth": "14/03/1988",
                "address": "3 Heol y Bont",
                "postcode": "cf10 1aa",
            });
            let c = add_candidate(&dir, person, &[], AS_ADMIN);
            let id = c["candidate"]["id"].as_str().unwrap().to_owned();
            json(&dir, &["run", "enrol", &run, &id], AS_ADMIN);
            json(&dir, &["result", "record", &run, &id, "--component", "Theory", "--mark", mark], AS_ADMIN);
            people.push(id);
        }
        runs.push((code, run, people));
    }
    Centre { tmp, dir, runs }
}

fn read_zip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut b).unwrap();
            (f.name().unwrap().into_owned(), b)
        })
        .collect()
}

#[test]
fn bundles_for_three_profiles_verify_reopen_and_are_tracked_corrected_and_listed() {
    let c = centre();
    let dir = &c.dir;
    let mut ids = Vec::new();
    for profile in ["rtitb", "lantra", "wamitab"] {
        let out = c.path(&format!("{profile}.zip"));
        let r = json(dir, &["bundle", "create", "--profile", profile, "--out", out.to_str().unwrap()], AS_ADMIN);
        assert_eq!(r["bundle"]["results"], 2, "{profile}: two passes, the fail stays out");
        ids.push(r["bundle"]["id"].as_str().unwrap().to_owned());
        let v = json(dir, &["bundle", "verify", out.to_str().unwrap()], AS_ADMIN);
        assert_eq!(v["manifest"]["counts"]["results"], 2);
        assert_eq!(v["same_file_as_recorded"], true);
        // Re-open the plain ZIP with any reader: the data file, the summary and the manifest.
        let files = read_zip(&std::fs::read(&out).unwrap());
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"summary.pdf") && names.contains(&"manifest.json") && names.contains(&"manifest.sig"));
        for (name, bytes) in &files {
            for never in ["EMPNO-", "Acme"] {
                assert!(!bytes.windows(never.len()).any(|w| w == never.as_bytes()), "{never} in {profile}/{name}");
            }
        }
    }
    let rtitb = read_zip(&std::fs::read(c.path("rtitb.zip")).unwrap());
    let csv = String::from_utf8(rtitb.iter().find(|(n, _)| n == "rtitb_results.csv").unwrap().1.clone()).unwrap();
    assert!(csv.contains("LlewelynRTITB") && csv.contains("AB123401C") && !csv.contains("1988"), "{csv}");
    let (o, _) = text(&centrebook(dir, &["bundle", "verify", c.path("lantra.zip").to_str().unwrap()], AS_ADMIN));
    assert!(o.starts_with("valid: bundle"), "{o}");

    // Nothing new the second time; no file written.
    let again = c.path("again.zip");
    let out = centrebook(dir, &["bundle", "create", "--profile", "rtitb", "--out", again.to_str().unwrap()], AS_ADMIN);
    assert!(out.status.success());
    assert!(text(&out).0.contains("nothing new to submit"));
    assert!(!again.exists());

    // A submitted result overridden: flagged, then sent in a correction bundle, once.
    let (_, run, people) = &c.runs[0];
    json(dir, &["result", "override", run, &people[0], "--outcome", "fail", "--reason", "appeal upheld"], AS_ADMIN);
    let out = centrebook(dir, &["bundle", "create", "--profile", "rtitb", "--out", again.to_str().unwrap()], AS_ADMIN);
    assert!(text(&out).0.contains("1 submitted result(s) changed since"), "{:?}", text(&out));
    let fix = c.path("fix.zip");
    let r = json(
        dir,
        &["bundle", "create", "--profile", "rtitb", "--correction", "--out", fix.to_str().unwrap()],
        AS_ADMIN,
    );
    assert_eq!((r["bundle"]["results"].as_u64(), r["bundle"]["correction"].as_bool()), (Some(1), Some(true)));
    let out = centrebook(
        dir,
        &["bundle", "create", "--profile", "rtitb", "--correction", "--out", again.to_str().unwrap()],
        AS_ADMIN,
    );
    assert!(text(&out).0.contains("nothing to correct"));

    // Tracking.
    let list = json(dir, &["bundle", "list"], AS_ADMIN);
    assert_eq!(list.as_array().unwrap().len(), 4);
    let sent = json(dir, &["bundle", "mark-sent", &ids[0]], AS_ADMIN);
    assert_eq!(sent["status"], "sent");
    let (code, err) = fails(dir, &["bundle", "mark-sent", &ids[0]], AS_ADMIN);
    assert_eq!((code, err.contains("already marked sent")), (Some(5), true), "{err}");
    let ack = json(dir, &["bundle", "mark-acknowledged", &ids[0], "--reference", "ACK-1"], AS_ADMIN);
    assert_eq!(ack["reference"], "ACK-1");

    // The breach listing, by id and by file.
    let a = json(dir, &["bundle", "affected", &ids[1]], AS_ADMIN);
    assert_eq!(a["people"].as_array().unwrap().len(), 2);
    let fields: Vec<&str> = a["people"][0]["fields"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert!(fields.contains(&"date_of_birth") && !fields.contains(&"ni_number"), "{fields:?}");
    let a = json(dir, &["bundle", "affected", c.path("wamitab.zip").to_str().unwrap()], AS_ADMIN);
    assert_eq!(a["bundle"]["id"], ids[2].as_str());
    let (o, _) = text(&centrebook(dir, &["bundle", "affected", &ids[0]], AS_ADMIN));
    assert!(o.contains("Siân LlewelynRTITB") && o.contains("ni_number"), "{o}");
    // Saved as CSV: a row per person under the header; never over an existing file.
    let csv = c.path("affected.csv");
    let listed = json(dir, &["bundle", "affected", &ids[1], "--csv", csv.to_str().unwrap()], AS_ADMIN);
    let saved = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(saved.lines().count(), 1 + listed["people"].as_array().unwrap().len(), "{saved}");
    assert!(saved.contains(&ids[1]) && saved.contains("date_of_birth"), "{saved}");
    let (code, _) = fails(dir, &["bundle", "affected", &ids[1], "--csv", csv.to_str().unwrap()], AS_ADMIN);
    assert_eq!(code, Some(5));
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), saved);

    // Admin only, and audited.
    json(
        dir,
        &["user", "add", "olly", "--role", "office"],
        &[AS_ADMIN, &[("CENTREBOOK_NEW_PASSWORD", "office pass 1")]].concat(),
    );
    let office =
        [("CENTREBOOK_PASSPHRASE", PASSPHRASE), ("CENTREBOOK_USER", "olly"), ("CENTREBOOK_PASSWORD", "office pass 1")];
    let (code, _) = fails(dir, &["bundle", "affected", &ids[1]], &office);
    assert_eq!(code, Some(4));
    let (code, _) = fails(dir, &["bundle", "create", "--profile", "lantra", "--out", again.to_str().unwrap()], &office);
    assert_eq!(code, Some(4));
    let audit = json(dir, &["audit", "list"], AS_ADMIN).to_string();
    assert!(
        audit.contains("bundle.create_correction")
            && audit.contains("bundle.affected")
            && audit.contains("bundle.sent")
    );
    assert!(centrebook(dir, &["audit", "verify"], AS_ADMIN).status.success());
}

#[test]
fn profiles_can_be_listed_copied_edited_and_a_bad_one_is_refused() {
    let c = centre();
    let dir = &c.dir;
    let out = centrebook(dir, &["bundle", "profiles"], AS_ADMIN);
    let listed = text(&out).0;
    for p in ["generic", "lantra", "mpqc", "rtitb", "wamitab"] {
        assert!(listed.contains(p), "{listed}");
    }
    // Copy WAMITAB's, make it JSON and narrower, and use it.
    let out = centrebook(dir, &["bundle", "profiles", "wamitab"], AS_ADMIN);
    let mut p: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    p["name"] = "wamitab-ours".into();
    p["data_file"] = serde_json::json!({"format": "json", "path": "learners.json"});
    p["columns"] =
        serde_json::json!([{"field": "full_name", "header": "name"}, {"field": "outcome", "header": "result"}]);
    let file = c.path("ours.json");
    std::fs::write(&file, p.to_string()).unwrap();
    let b = c.path("ours.zip");
    json(dir, &["bundle", "create", "--profile-file", file.to_str().unwrap(), "--out", b.to_str().unwrap()], AS_ADMIN);
    let files = read_zip(&std::fs::read(&b).unwrap());
    let data: serde_json::Value =
        serde_json::from_slice(&files.iter().find(|(n, _)| n == "learners.json").unwrap().1).unwrap();
    assert_eq!(data[0], serde_json::json!({"name": "Siân LlewelynWAMITAB", "result": "pass"}));

    p["columns"] =
        serde_json::json!([{"field": "full_name", "header": "name"}, {"field": "employee_number", "header": "n"}]);
    std::fs::write(&file, p.to_string()).unwrap();
    let (code, err) =
        fails(dir, &["bundle", "create", "--profile-file", file.to_str().unwrap(), "--out", "x.zip"], AS_ADMIN);
    assert_eq!(code, Some(5));
    assert!(err.contains("profile") && err.contains("unknown variant `employee_number`"), "{err}");
    let (code, err) = fails(dir, &["bundle", "create", "--profile", "nope", "--out", "x.zip"], AS_ADMIN);
    assert_eq!(code, Some(5), "{err}");
}

/// A ZIP with these raw entries (names unchecked), for hostile archives.
fn raw_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
fn every_bad_bundle_is_refused_with_exit_5_and_a_reason() {
    let c = centre();
    let dir = &c.dir;
    let plain = c.path("plain.zip");
    json(dir, &["bundle", "create", "--profile", "rtitb", "--out", plain.to_str().unwrap()], AS_ADMIN);
    let pw_env = [AS_ADMIN, &[("BUNDLE_PW", "hand it over by phone"), ("WRONG_PW", "guess")]].concat();
    let locked = c.path("locked.zip");
    json(
        dir,
        &["bundle", "create", "--profile", "wamitab", "--out", locked.to_str().unwrap(), "--password-env", "BUNDLE_PW"],
        &pw_env,
    );
    let bytes = std::fs::read(&plain).unwrap();
    let locked_bytes = std::fs::read(&locked).unwrap();
    assert!(!locked_bytes.windows(8).any(|w| w == b"Llewelyn"), "the password bundle is encrypted");
    json(dir, &["bundle", "verify", locked.to_str().unwrap(), "--password-env", "BUNDLE_PW"], &pw_env);
    opens_with_pyzipper(&locked, "hand it over by phone");

    let check = |name: &str, data: &[u8], extra: &[&str], expect: &str| {
        let f = c.path(name);
        std::fs::write(&f, data).unwrap();
        let mut args = vec!["bundle", "verify", f.to_str().unwrap()];
        args.extend_from_slice(extra);
        let (code, err) = fails(dir, &args, &pw_env);
        assert_eq!(code, Some(5), "{name}: {err}");
        assert!(err.contains(expect), "{name}: expected {expect:?} in {err}");
    };
    // A changed byte inside the first file's compressed data (after its local header).
    let name_len = u16::from_le_bytes([bytes[26], bytes[27]]) as usize;
    let extra_len = u16::from_le_bytes([bytes[28], bytes[29]]) as usize;
    let at = 30 + name_len + extra_len + 5;
    let mut bent = bytes.clone();
    bent[at] ^= 0x20;
    check("tampered.zip", &bent, &[], "altered");
    // The same inside the password bundle's first entry, past its AES salt and password check.
    let name_len = u16::from_le_bytes([locked_bytes[26], locked_bytes[27]]) as usize;
    let extra_len = u16::from_le_bytes([locked_bytes[28], locked_bytes[29]]) as usize;
    let mut bent = locked_bytes.clone();
    bent[30 + name_len + extra_len + 16 + 2 + 3] ^= 1;
    check("tampered-locked.zip", &bent, &["--password-env", "BUNDLE_PW"], "altered");
    check("truncated.zip", &bytes[..bytes.len() / 2], &[], "truncated");
    check(
        "truncated-locked.zip",
        &locked_bytes[..locked_bytes.len() - 100],
        &["--password-env", "BUNDLE_PW"],
        "truncated",
    );
    check("wrong-pw.zip", &locked_bytes, &["--password-env", "WRONG_PW"], "password is wrong");
    check("no-pw.zip", &locked_bytes, &[], "protected with a password");
    check("not-a-bundle.zip", b"%PDF-1.7 not a bundle at all", &[], "not a Centrebook bundle");
    check(
        "zip-slip.zip",
        &raw_zip(&[("../../evil.csv", b"x"), ("manifest.json", b"{}"), ("manifest.sig", b"")]),
        &[],
        "unsafe path",
    );
    check("backslash.zip", &raw_zip(&[("photos\\..\\evil.jpg", b"x"), ("manifest.json", b"{}")]), &[], "unsafe path");
    check("drive.zip", &raw_zip(&[("C:evil.csv", b"x"), ("manifest.json", b"{}")]), &[], "unsafe path");
    let zeros = vec![0u8; 64 << 20];
    check("bomb.zip", &raw_zip(&[("results.csv", &zeros), ("manifest.json", b"{}")]), &[], "zip bomb");

    // Another centre's store: it does not know the signing key.
    let (_tmp2, other, _) = initialised();
    let (code, err) = fails(&other, &["bundle", "verify", plain.to_str().unwrap()], AS_ADMIN);
    assert_eq!(code, Some(5));
    assert!(err.contains("signed by a key this centre does not know"), "{err}");
    // Nothing above was recorded or changed.
    assert_eq!(json(dir, &["bundle", "list"], AS_ADMIN).as_array().unwrap().len(), 2);
    // A missing password variable is a usage error that names the variable, not the password.
    let (code, err) =
        fails(dir, &["bundle", "verify", locked.to_str().unwrap(), "--password-env", "UNSET_VAR_X"], AS_ADMIN);
    assert_eq!(code, Some(5));
    assert!(err.contains("UNSET_VAR_X"), "{err}");
}

/// Opens a password bundle as an awarding body would, with an ordinary AES ZIP reader (Python's
/// pyzipper, installed by `.ci/setup`), and finds the signed manifest and its signature inside
/// with every file it lists. The password goes to Python in its environment, never an argument.
fn opens_with_pyzipper(bundle: &Path, password: &str) {
    let script = r#"
import json, os, sys, pyzipper
with pyzipper.AESZipFile(sys.argv[1]) as z:
    z.setpassword(os.environ["BUNDLE_PW"].encode())
    infos = z.infolist()
    assert all(i.flag_bits & 1 for i in infos), "every entry is encrypted"
    assert all(b"\x01\x99" in i.extra for i in infos), "every entry carries WinZip's AES field"
    manifest = json.loads(z.read("manifest.json"))
    sig = z.read("manifest.sig")
    for f in manifest["files"]:
        assert len(z.read(f["path"])) == f["size"], f["path"]
    print(json.dumps({"names": z.namelist(), "kind": manifest["kind"], "sig": len(sig),
                      "files": [f["path"] for f in manifest["files"]]}))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, bundle.to_str().unwrap()])
        .env("BUNDLE_PW", password)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "pyzipper could not open the bundle: {}", String::from_utf8_lossy(&out.stderr));
    let seen: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = seen["names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert!(names.contains(&"manifest.json") && names.contains(&"manifest.sig"), "{names:?}");
    assert_eq!(seen["kind"], "bundle");
    assert_eq!(seen["sig"], 64, "an Ed25519 signature");
    assert!(!seen["files"].as_array().unwrap().is_empty());
    // The wrong password: pyzipper refuses too.
    let wrong = std::process::Command::new("python3")
        .args(["-c", script, bundle.to_str().unwrap()])
        .env("BUNDLE_PW", "not the password")
        .output()
        .unwrap();
    assert!(!wrong.status.success());
}

#[test]
fn waiting_and_create_print_the_identifiers_a_profile_needs_that_were_not_collected() {
    let c = centre();
    let dir = &c.dir;
    // The rtitb profile asks for a date of birth and a photo; the RTITB course collects only the NI number.
    let w = json(dir, &["bundle", "waiting", "--profile", "rtitb"], AS_ADMIN);
    let gaps = w["gaps"].as_array().unwrap();
    let dob = gaps.iter().find(|g| g["identifier"] == "date of birth").expect("a date of birth warning");
    assert_eq!(dob["not_collected"], w["new_results"]);
    assert_eq!(dob["courses"], serde_json::json!(["RTITB-1"]));
    let (o, _) = text(&centrebook(dir, &["bundle", "waiting", "--profile", "rtitb"], AS_ADMIN));
    assert!(o.contains("warning: The profile asks for the date of birth"), "{o}");
    let out = c.path("b.zip");
    let (o, _) =
        text(&centrebook(dir, &["bundle", "create", "--profile", "rtitb", "--out", out.to_str().unwrap()], AS_ADMIN));
    assert!(o.contains("warning: The profile asks for the date of birth") && o.contains("RTITB-1"), "{o}");
    let (o, _) = text(&centrebook(dir, &["bundle", "verify", out.to_str().unwrap()], AS_ADMIN));
    assert!(o.contains("signature: valid") && o.contains("rtitb_results.csv"), "{o}");
}
