//! Shared by the command's end-to-end tests: run `centrebook` on a real store in a temporary folder.
#![allow(dead_code)] // each test file uses its own part

use std::path::Path;
use std::process::{Command, Output};

pub const PASSPHRASE: &str = "cli test passphrase";
pub const PASSWORD: &str = "cli admin password";

pub fn centrebook(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(dir, args, env).output().expect("run centrebook")
}

/// Runs `centrebook` with `input` on its standard input.
pub fn centrebook_input(dir: &Path, args: &[&str], env: &[(&str, &str)], input: &str) -> Output {
    use std::io::Write;
    let mut child = command(dir, args, env)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run centrebook");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().expect("run centrebook")
}

/// Registers a candidate with `candidate add --from-json -`: `person` (the form's fields, `employer` by
/// name) goes on standard input, as personal values must, never in the arguments. Must succeed;
/// returns what it printed (`--json`). `extra` adds options such as `--force`.
pub fn add_candidate(dir: &Path, person: serde_json::Value, extra: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
    let mut args = vec!["--json", "candidate", "add", "--from-json", "-"];
    args.extend_from_slice(extra);
    let out = centrebook_input(dir, &args, env, &person.to_string());
    assert!(out.status.success(), "candidate add: {:?}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("candidate add: {e}: {:?}", text(&out)))
}

/// Adds a trainer with `trainer add --from-json -`: `trainer` (name, username, email, phone,
/// registrations as [[SCHEME, NUMBER], ...]) goes on standard input, never in the arguments. Must
/// succeed; returns what it printed (`--json`).
pub fn add_trainer(dir: &Path, trainer: serde_json::Value, env: &[(&str, &str)]) -> serde_json::Value {
    let out = centrebook_input(dir, &["--json", "trainer", "add", "--from-json", "-"], env, &trainer.to_string());
    assert!(out.status.success(), "trainer add: {:?}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("trainer add: {e}: {:?}", text(&out)))
}

/// Starts `centrebook` without waiting for it (its output discarded), for the tests that kill it.
pub fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Child {
    command(dir, args, env)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run centrebook")
}

fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_centrebook"));
    cmd.arg("--data-dir").arg(dir).args(args);
    for k in [
        "CENTREBOOK_PASSPHRASE",
        "CENTREBOOK_PASSWORD",
        "CENTREBOOK_USER",
        "CENTREBOOK_RECOVERY_KEY",
        "CENTREBOOK_DATA_DIR",
    ] {
        cmd.env_remove(k);
    }
    cmd.env("CENTREBOOK_KEYCHAIN", "off");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

pub fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

pub const AS_ADMIN: &[(&str, &str)] =
    &[("CENTREBOOK_PASSPHRASE", PASSPHRASE), ("CENTREBOOK_USER", "admin"), ("CENTREBOOK_PASSWORD", PASSWORD)];

pub fn initialised() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let out = centrebook(
        &dir,
        &["--json", "init", "--centre", "Test Centre", "--admin", "admin"],
        &[("CENTREBOOK_PASSPHRASE", PASSPHRASE), ("CENTREBOOK_PASSWORD", PASSWORD)],
    );
    assert!(out.status.success(), "{:?}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rk = v["recovery_key"].as_str().unwrap().to_owned();
    (tmp, dir, rk)
}

/// Runs a verb with `--json` that must succeed, and parses what it printed.
pub fn json(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
    let mut full = vec!["--json"];
    full.extend_from_slice(args);
    let out = centrebook(dir, &full, env);
    assert!(out.status.success(), "{args:?}: {:?}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {:?}", text(&out)))
}

/// `candidate search` for `typed`, given on standard input as a person's name must be: what it found.
pub fn search(dir: &Path, typed: &str, env: &[(&str, &str)]) -> serde_json::Value {
    let out = centrebook_input(dir, &["--json", "candidate", "search"], env, typed);
    assert!(out.status.success(), "candidate search: {:?}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("candidate search: {e}: {:?}", text(&out)))
}

/// Runs another program (poppler's pdftotext and pdfinfo, sha256sum) that must succeed.
pub fn tool(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A PDF's text with its layout kept, as a person would read it.
pub fn pdftotext(path: &Path) -> String {
    tool("pdftotext", &["-layout", "-enc", "UTF-8", path.to_str().unwrap(), "-"])
}

/// The novice counterbalance course as `course add` reads it: FLT-CB, five days, valid 36 months, a
/// Theory paper out of 40 (pass 30) and, with `practical`, a Practical of at most 5 minor and no
/// major faults; `body` is its awarding body's code (`None`: none).
pub fn forklift_course(body: Option<&str>, practical: bool) -> serde_json::Value {
    let mut components =
        vec![serde_json::json!({"name": "Theory", "rule": {"kind": "marks", "max_mark": 40, "pass_mark": 30}})];
    if practical {
        components.push(serde_json::json!({"name": "Practical",
            "rule": {"kind": "faults", "max_minor_faults": 5, "max_major_faults": 0}}));
    }
    serde_json::json!({"code": "FLT-CB", "title": "Counterbalance lift truck, novice", "awarding_body": body,
        "course_type": "training", "category": "Counterbalance lift truck", "length_days": 5, "duration_hours": 35,
        "validity_months": 36, "components": components})
}

/// Adds `course` to the catalogue through `course add`, which reads it from a file in `tmp`.
pub fn add_course(tmp: &Path, dir: &Path, course: &serde_json::Value) {
    let file = tmp.join("course.json");
    std::fs::write(&file, course.to_string()).unwrap();
    json(dir, &["course", "add", file.to_str().unwrap()], AS_ADMIN);
}

/// The catalogue most end-to-end tests start from: the RTITB body, a novice counterbalance course
/// (FLT-CB, a Theory paper out of 40, pass 30, valid 36 months), Acme Haulage, the trainer Tess Evans
/// and a run of the course in Yard 2. Returns the run's id.
pub fn forklift_run(tmp: &Path, dir: &Path) -> String {
    json(dir, &["body", "add", "--code", "RTITB", "--name", "RTITB Ltd", "--centre-number", "C1234"], AS_ADMIN);
    add_course(tmp, dir, &forklift_course(Some("RTITB"), false));
    json(dir, &["employer", "add", "--name", "Acme Haulage", "--postcode", "ls12 2qt"], AS_ADMIN);
    add_trainer(dir, serde_json::json!({"name": "Tess Evans", "registrations": [["RTITB", "R-1234"]]}), AS_ADMIN);
    let args = [
        "run",
        "add",
        "--course",
        "FLT-CB",
        "--start",
        "02/11/2026",
        "--end",
        "06/11/2026",
        "--venue",
        "Yard 2",
        "--trainer",
        "Tess Evans",
    ];
    json(dir, &args, AS_ADMIN)["id"].as_str().unwrap().to_owned()
}
