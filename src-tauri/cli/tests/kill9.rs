//! kill -9 anywhere: `centrebook` killed at random moments inside an import, a run's certificate
//! issue, a return import, a restore, a passphrase change and a key rotation. After every kill the
//! store opens through the normal unlock, `audit verify` passes, the operation is all or nothing,
//! certificate numbers stay gapless, the passphrase is the old or the new one, and no file the round
//! left holds plaintext (see `crash/mod.rs` for how the moments are chosen).

mod common;
mod crash;

use std::path::{Path, PathBuf};

use centrebook_core::records::outcome::Score;
use centrebook_core::records::ResultInput;
use centrebook_core::{unlock, DataDir, Id, Keychain, UnlockSecret, Zeroizing};
use common::*;
use crash::{audit_actions, cli, cli_json, opens_and_verifies, opens_with, Harness, Landed, Op, Start, Verb};

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A CSV of `n` candidates whose surnames start with `marker`, for `import candidates`.
fn candidates_csv(tmp: &Path, name: &str, n: usize, marker: &str) -> PathBuf {
    let mut csv = String::from("Forename,Surname,Employee number,Date of birth\n");
    for i in 0..n {
        csv.push_str(&format!("Zed{i},{marker}{i:05},E{i:06},01/02/1980\n"));
    }
    let file = tmp.join(name);
    std::fs::write(&file, csv).unwrap();
    file
}

/// A store holding `n` imported candidates of Acme Haulage named with `marker`.
fn store_with_candidates(n: usize, marker: &str) -> (tempfile::TempDir, PathBuf, String) {
    let (tmp, dir, rk) = initialised();
    json(&dir, &["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"], AS_ADMIN);
    if n > 0 {
        let csv = candidates_csv(tmp.path(), "setup.csv", n, marker);
        json(&dir, &["import", "candidates", path(&csv), "--employer", "Acme Haulage"], AS_ADMIN);
    }
    (tmp, dir, rk)
}

/// A run of the Theory-only forklift course with every candidate of `dir` enrolled; returns its id
/// and the candidates' ids.
fn run_of_everyone(tmp: &Path, dir: &Path, trainer: serde_json::Value) -> (String, Vec<String>) {
    add_course(tmp, dir, &forklift_course(None, false));
    add_trainer(dir, trainer, AS_ADMIN);
    let run = json(
        dir,
        &[
            "run",
            "add",
            "--course",
            "FLT-CB",
            "--start",
            "16/11/2026",
            "--end",
            "18/11/2026",
            "--venue",
            "Yard 2",
            "--trainer",
            "Tess Evans",
        ],
        AS_ADMIN,
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let people: Vec<String> = json(dir, &["candidate", "list", "--limit", "1000"], AS_ADMIN)
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let mut args = vec!["run", "enrol", &run];
    args.extend(people.iter().map(String::as_str));
    json(dir, &args, AS_ADMIN);
    (run, people)
}

/// Records a pass (35 of 40 in Theory) for each of `people` on `run`, through the core: set-up, not
/// the thing under test, and hundreds of `centrebook` processes would take minutes.
fn pass_everyone(dir: &Path, run: &str, people: &[String]) {
    let secret = UnlockSecret::Passphrase(Zeroizing::new(PASSPHRASE.to_owned()));
    let mut store = unlock(&DataDir::new(dir), &Keychain::off(), Some(&secret)).unwrap().store;
    let actor = store.login("admin", PASSWORD).unwrap();
    let run = Id::parse(run).unwrap();
    let course = store.run(&actor, run).unwrap().course_id;
    let theory = store.course(&actor, course).unwrap().components.into_iter().find(|c| c.name == "Theory");
    let component_id = theory.and_then(|c| c.id).unwrap();
    for p in people {
        let enrolment = store.enrolment_of(&actor, run, Id::parse(p).unwrap()).unwrap().id;
        let input =
            ResultInput { component_id, score: Some(Score::Marks { mark: 35 }), assessed_on: None, comments: None };
        store.record_result(&actor, enrolment, &input).unwrap();
    }
}

#[test]
fn an_import_killed_anywhere_is_all_or_nothing() {
    let _one = crash::one_at_a_time();
    // Long enough for several batches: an import nobody waits for commits once a second.
    const ROWS: usize = 3500;
    let (tmp, dir, _) = store_with_candidates(0, "");
    let csv = candidates_csv(tmp.path(), "import.csv", ROWS, "Qimport");
    let op = Op {
        name: "import candidates",
        verb: Verb::new(&["import", "candidates", path(&csv), "--employer", "Acme Haulage"]),
        start: Start::SignedIn,
        markers: vec!["Qimport".into()],
    };
    Harness::new(tmp.path(), &dir).run(&op, |r| {
        opens_and_verifies(r, &[]);
        // The list's pages hold at most 1,000: none at all, or the last row is the file's last.
        let page = |offset: usize| {
            let page = cli_json(r, &["candidate", "list", "--offset", &offset.to_string(), "--limit", "1000"], &[]);
            page.as_array().unwrap().len()
        };
        let held = if page(0) == 0 { 0 } else { ROWS - 1 + page(ROWS - 1) };
        let actions = audit_actions(r, "import");
        let has = |a: &str| actions.iter().any(|(x, _)| x == a);
        assert!(held == 0 || held == ROWS, "{}: {held} of {ROWS} rows stayed", r.what);
        assert_eq!(held == ROWS, has("import.candidates"), "{}: the rows and the summary entry", r.what);
        if has("import.undo") {
            Landed::Mid("batches were committed; the next open undid the import")
        } else if held == ROWS {
            Landed::After("the import had finished")
        } else {
            Landed::Before("killed before the first batch committed (reading the file)")
        }
    });
}

#[test]
fn a_run_issue_killed_anywhere_issues_all_or_none_and_takes_no_number() {
    let _one = crash::one_at_a_time();
    const PEOPLE: usize = 12;
    let (tmp, dir, _) = store_with_candidates(PEOPLE, "Qcert");
    let (run, people) = run_of_everyone(tmp.path(), &dir, serde_json::json!({"name": "Tess Evans"}));
    pass_everyone(&dir, &run, &people);
    let op = Op {
        name: "certificate issue --run",
        verb: Verb::new(&["certificate", "issue", "--run", &run]),
        start: Start::SignedIn,
        markers: vec!["Qcert".into()],
    };
    let seq =
        |c: &serde_json::Value| -> u64 { c["number"].as_str().unwrap().rsplit('-').next().unwrap().parse().unwrap() };
    Harness::new(tmp.path(), &dir).run(&op, |r| {
        opens_and_verifies(r, &[]);
        let certs = cli_json(r, &["certificate", "list", "--run", &run, "--limit", "1000"], &[]);
        let mut numbers: Vec<u64> = certs.as_array().unwrap().iter().map(seq).collect();
        numbers.sort();
        if numbers.is_empty() {
            // Gapless across the kill: the next certificate is number 1.
            let one = cli_json(r, &["certificate", "issue", "--run", &run, "--candidate", &people[0]], &[]);
            assert_eq!(seq(&one), 1, "{}: the killed issue took a number", r.what);
            return if r.killed {
                Landed::Mid("killed inside the issue: its transaction rolled back")
            } else {
                panic!("{}: the issue finished but issued nothing", r.what)
            };
        }
        assert_eq!(numbers, (1..=PEOPLE as u64).collect::<Vec<_>>(), "{}: all or none, gapless", r.what);
        if r.killed {
            Landed::After("killed after the commit")
        } else {
            Landed::After("finished before the kill")
        }
    });
}

#[test]
fn a_return_import_killed_anywhere_applies_all_or_nothing() {
    let _one = crash::one_at_a_time();
    const PEOPLE: usize = 150;
    let (tmp, office, _) = store_with_candidates(PEOPLE, "Qreturn");
    let mut env = AS_ADMIN.to_vec();
    env.push(("CENTREBOOK_NEW_PASSWORD", "trainer password 1"));
    json(&office, &["user", "add", "tess", "--role", "trainer"], &env);
    let (run, people) =
        run_of_everyone(tmp.path(), &office, serde_json::json!({"name": "Tess Evans", "username": "tess"}));
    let trainer = json(&office, &["trainer", "list"], AS_ADMIN)[0]["id"].as_str().unwrap().to_owned();
    let laptop = tmp.path().join("laptop");
    let init = centrebook(
        &laptop,
        &["init", "--centre", "Laptop", "--admin", "admin"],
        &[("CENTREBOOK_PASSPHRASE", PASSPHRASE), ("CENTREBOOK_PASSWORD", PASSWORD)],
    );
    assert!(init.status.success(), "{:?}", text(&init));
    let f = |name: &str| tmp.path().join(name).to_str().unwrap().to_owned();
    json(&office, &["field", "centre-key", "--out", &f("centre.key")], AS_ADMIN);
    json(&laptop, &["field", "enrol", "--centre-key", &f("centre.key"), "--name", "Tess's laptop"], AS_ADMIN);
    json(&laptop, &["field", "device-key", "--out", &f("device.key")], AS_ADMIN);
    json(&office, &["field", "device", "add", "--trainer", &trainer, &f("device.key")], AS_ADMIN);
    json(&office, &["fieldpack", "export", "--run", &run, "--out", &f("pack.cbf")], AS_ADMIN);
    json(&laptop, &["fieldpack", "import", &f("pack.cbf")], AS_ADMIN);
    pass_everyone(&laptop, &run, &people);
    json(&laptop, &["return", "export", "--out", &f("return.cbr")], AS_ADMIN);

    let op = Op {
        name: "return import",
        verb: Verb::new(&["return", "import", &f("return.cbr")]),
        start: Start::SignedIn,
        markers: vec!["Qreturn".into()],
    };
    Harness::new(tmp.path(), &office).run(&op, |r| {
        opens_and_verifies(r, &[]);
        let shown = cli_json(r, &["run", "show", &run], &[]);
        let enrolments = shown["enrolments"].as_array().unwrap();
        let passed = enrolments.iter().filter(|e| e["outcome"]["outcome"] == "pass").count();
        let attended = enrolments.iter().filter(|e| e["status"] == "attended").count();
        assert!(passed == 0 || passed == PEOPLE, "{}: {passed} of {PEOPLE} results applied", r.what);
        assert_eq!(passed, attended, "{}: results and attendance together", r.what);
        match (passed, r.killed) {
            (0, true) => Landed::Mid("killed inside the import: its transaction rolled back"),
            (0, false) => panic!("{}: the import finished but applied nothing", r.what),
            (_, true) => Landed::After("killed after the commit"),
            (_, false) => Landed::After("finished before the kill"),
        }
    });
}

#[test]
fn a_restore_killed_anywhere_leaves_one_store_or_the_other() {
    let _one = crash::one_at_a_time();
    let (tmp, dir, _) = store_with_candidates(0, "");
    // A backup of another store (another data key and key file), with records to copy and check: the
    // case where a half-done swap used to leave no database and a key file `init` then wrote over.
    let (other_tmp, other, _) = store_with_candidates(200, "Qrestore");
    let file = tmp.path().join("other.cbbackup");
    json(&other, &["backup", "--out", path(&file)], AS_ADMIN);
    let ids = |d: &Path| json(d, &["unlock", "--check"], AS_ADMIN)["store_id"].as_str().unwrap().to_owned();
    let (old_id, new_id) = (ids(&dir), ids(&other));
    drop(other_tmp);
    let op = Op {
        name: "restore",
        verb: Verb::new(&["restore", path(&file)]),
        start: Start::Process,
        markers: vec!["Qrestore".into()],
    };
    Harness::new(tmp.path(), &dir).run(&op, |r| {
        let journal = r.data.join("centrebook.restore").exists();
        let staged = r.data.join("centrebook.db.restore").exists();
        opens_and_verifies(r, &[]);
        assert!(!r.data.join("centrebook.restore").exists(), "{}: the open finished the journal", r.what);
        let now = cli_json(r, &["unlock", "--check"], &[])["store_id"].as_str().unwrap().to_owned();
        assert!(now == old_id || now == new_id, "{}: a store that is neither", r.what);
        let init = cli(r, &["init", "--centre", "Another", "--admin", "admin"], &[]);
        assert!(!init.status.success(), "{}: init over a store", r.what);
        // The restored store carries the restore's entry; the old one has none.
        let audited = audit_actions(r, "store").iter().any(|(a, _)| a == "backup.restore");
        assert_eq!(audited, now == new_id, "{}: the restore and its audit entry", r.what);
        match (journal, staged, now == new_id) {
            (true, _, true) => Landed::Mid("the next open finished the swap from the journal"),
            (true, _, false) => Landed::Mid("the next open put the old store back from the journal"),
            (false, true, false) => Landed::Mid("killed while checking the backup: the old store stands"),
            (false, false, false) => Landed::Before("killed before the backup was staged"),
            (false, _, true) if r.killed => Landed::After("killed after the swap (opening the restored store)"),
            (false, _, true) => Landed::After("finished before the kill"),
        }
    });
}

#[test]
fn a_passphrase_change_killed_anywhere_leaves_the_old_or_the_new() {
    let _one = crash::one_at_a_time();
    const NEW: &str = "the new passphrase Qsecret";
    let (tmp, dir, recovery) = store_with_candidates(20, "Qpass");
    let op = Op {
        name: "passphrase change",
        verb: Verb::new(&["passphrase", "change"]).with_env("CENTREBOOK_NEW_PASSPHRASE", NEW),
        start: Start::SignedIn,
        markers: vec!["Qpass".into(), NEW.into(), recovery.clone()],
    };
    Harness::new(tmp.path(), &dir).run(&op, |r| {
        let old = opens_with(r, "CENTREBOOK_PASSPHRASE", PASSPHRASE);
        let new = opens_with(r, "CENTREBOOK_PASSPHRASE", NEW);
        assert!(old != new, "{}: old opens {old}, new opens {new}", r.what);
        assert!(opens_with(r, "CENTREBOOK_RECOVERY_KEY", &recovery), "{}: the recovery key", r.what);
        let current = if new { NEW } else { PASSPHRASE };
        opens_and_verifies(r, &[("CENTREBOOK_PASSPHRASE", current)]);
        let list = cli_json(r, &["audit", "list", "--entity", "store"], &[("CENTREBOOK_PASSPHRASE", current)]);
        let changes: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "passphrase.change")
            .map(|e| e["actor"].as_str().unwrap())
            .collect();
        assert_eq!(changes.len(), usize::from(new), "{}: the change and its audit entry: {changes:?}", r.what);
        match (new, r.killed) {
            (false, _) => Landed::Mid("killed before the key file was replaced: the old passphrase stands"),
            (true, _) if changes[0] != "admin" => {
                Landed::Mid("killed between the key file and the commit: the next open wrote the entry")
            }
            (true, true) => Landed::After("killed after the change"),
            (true, false) => Landed::After("finished before the kill"),
        }
    });
}

#[test]
fn a_key_rotation_killed_anywhere_is_finished_or_undone() {
    let _one = crash::one_at_a_time();
    let (tmp, dir, recovery) = store_with_candidates(2000, "Qrotate");
    let op = Op {
        name: "key rotate",
        verb: Verb::new(&["key", "rotate"]),
        start: Start::SignedIn,
        markers: vec!["Qrotate".into(), recovery.clone()],
    };
    Harness::new(tmp.path(), &dir).run(&op, |r| {
        let note = opens_and_verifies(r, &[]);
        let rotated = !opens_with(r, "CENTREBOOK_RECOVERY_KEY", &recovery);
        // A rotation in place is on the record once, by the admin or by the open that finished it or
        // found its entry missing; one undone at the open is recorded as undone.
        let entries = audit_actions(r, "store");
        let by: Vec<&str> = entries.iter().filter(|(a, _)| a == "key.rotate").map(|(_, who)| who.as_str()).collect();
        let done: Vec<&&str> = by.iter().filter(|who| !who.contains("undone")).collect();
        assert_eq!(done.len(), usize::from(rotated), "{}: the rotation and its audit entry {by:?} ({note})", r.what);
        if note.contains("has now been finished") {
            assert!(rotated, "{}", r.what);
            Landed::Mid("the next open finished the rotation")
        } else if note.contains("was undone") {
            assert!(!rotated && by.iter().any(|who| who.contains("undone")), "{}: {by:?}", r.what);
            Landed::Mid("the next open undid the rotation")
        } else if rotated && *done[0] != "admin" {
            Landed::Mid("killed between the key file and the commit: the next open wrote the entry")
        } else if !rotated {
            Landed::Mid("killed before the new wraps were written: nothing changed")
        } else if r.killed {
            Landed::After("killed after the rotation")
        } else {
            Landed::After("finished before the kill")
        }
    });
}
