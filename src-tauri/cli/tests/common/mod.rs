//! Shared by the command's end-to-end tests: run `centrebook` on a real store in a temporary folder.
#![allow(dead_code)] // each test file uses its own part

use std::path::Path;
use std::process::{Command, Output};

pub const PASSPHRASE: &str = "cli test passphrase";
pub const PASSWORD: &str = "cli admin password";

pub fn centrebook(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
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
    cmd.output().expect("run centrebook")
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
