//! The `centrebook` command end to end: real processes on real encrypted stores, no keychain.

mod common;

use common::*;

#[test]
fn init_then_unlock_by_passphrase_or_recovery_key_with_clear_failures() {
    let (_tmp, dir, rk) = initialised();
    let again = centrebook(
        &dir,
        &["init", "--centre", "X", "--admin", "admin"],
        &[("CENTREBOOK_PASSPHRASE", PASSPHRASE), ("CENTREBOOK_PASSWORD", PASSWORD)],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again).1.contains("already exists"));

    let ok = centrebook(&dir, &["unlock", "--check", "--json"], &[("CENTREBOOK_PASSPHRASE", PASSPHRASE)]);
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!((v["method"].as_str(), v["centre"].as_str()), (Some("passphrase"), Some("Test Centre")));

    let by_rk = centrebook(&dir, &["unlock", "--check"], &[("CENTREBOOK_RECOVERY_KEY", &rk)]);
    assert!(text(&by_rk).0.contains("with the recovery key"), "{:?}", text(&by_rk));

    let wrong = centrebook(&dir, &["unlock", "--check"], &[("CENTREBOOK_PASSPHRASE", "not the passphrase")]);
    assert_eq!(wrong.status.code(), Some(3));
    assert_eq!(text(&wrong).1.trim(), "error: the passphrase is wrong");

    let none = centrebook(&dir, &["unlock", "--check"], &[]);
    assert_eq!(none.status.code(), Some(3));
    assert!(text(&none).1.contains("passphrase or the recovery key is needed"));

    let weak = centrebook(
        &dir.with_file_name("weak"),
        &["init", "--centre", "X", "--admin", "admin"],
        &[("CENTREBOOK_PASSPHRASE", "short"), ("CENTREBOOK_PASSWORD", PASSWORD)],
    );
    assert_eq!(weak.status.code(), Some(5));
    assert!(text(&weak).1.contains("passphrase: use at least 12 characters"));
}

#[test]
fn users_roles_and_the_audit_trail_through_the_command_line() {
    let (_tmp, dir, _) = initialised();
    let mut env = AS_ADMIN.to_vec();
    env.push(("CENTREBOOK_NEW_PASSWORD", "trainer password"));
    let add = centrebook_input(
        &dir,
        &["user", "add", "tess", "--role", "trainer", "--from-json", "-"],
        &env,
        r#"{"display_name": "Tess Trainer"}"#,
    );
    assert!(add.status.success(), "{:?}", text(&add));

    let list = centrebook(&dir, &["--json", "user", "list"], AS_ADMIN);
    let users: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let names: Vec<&str> = users.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "tess"]);
    assert_eq!(users[1]["display_name"], "Tess Trainer", "the name read from standard input");
    assert!(users[1].get("password_hash").is_none());

    let as_tess = [
        ("CENTREBOOK_PASSPHRASE", PASSPHRASE),
        ("CENTREBOOK_USER", "tess"),
        ("CENTREBOOK_PASSWORD", "trainer password"),
    ];
    let denied = centrebook(&dir, &["user", "list"], &as_tess);
    assert_eq!(denied.status.code(), Some(4));
    assert!(text(&denied).1.contains("a trainer account may not manage user accounts"));
    assert_eq!(centrebook(&dir, &["audit", "list"], &as_tess).status.code(), Some(4));

    let bad =
        [("CENTREBOOK_PASSPHRASE", PASSPHRASE), ("CENTREBOOK_USER", "tess"), ("CENTREBOOK_PASSWORD", "nope nope nope")];
    assert_eq!(centrebook(&dir, &["user", "list"], &bad).status.code(), Some(3));

    assert!(centrebook(&dir, &["user", "disable", "tess"], AS_ADMIN).status.success());
    let disabled = centrebook(&dir, &["audit", "list"], &as_tess);
    assert!(text(&disabled).1.contains("disabled"), "{:?}", text(&disabled));

    let audit = centrebook(&dir, &["--json", "audit", "list", "--entity", "user"], AS_ADMIN);
    let entries: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    let actions: Vec<&str> = entries.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in ["user.add", "user.disable", "login", "login.failed"] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    let verify = centrebook(&dir, &["audit", "verify"], AS_ADMIN);
    assert!(verify.status.success());
    assert!(text(&verify).0.contains("intact"));
}

#[test]
fn passphrase_change_backup_and_restore() {
    let (tmp, dir, rk) = initialised();
    let mut env = AS_ADMIN.to_vec();
    env.push(("CENTREBOOK_NEW_PASSPHRASE", "the new passphrase"));
    let changed = centrebook(&dir, &["passphrase", "change"], &env);
    assert!(changed.status.success(), "{:?}", text(&changed));
    assert_eq!(
        centrebook(&dir, &["unlock", "--check"], &[("CENTREBOOK_PASSPHRASE", PASSPHRASE)]).status.code(),
        Some(3)
    );
    assert!(centrebook(&dir, &["unlock", "--check"], &[("CENTREBOOK_PASSPHRASE", "the new passphrase")])
        .status
        .success());
    assert!(centrebook(&dir, &["unlock", "--check"], &[("CENTREBOOK_RECOVERY_KEY", &rk)]).status.success());

    let as_admin = [
        ("CENTREBOOK_PASSPHRASE", "the new passphrase"),
        ("CENTREBOOK_USER", "admin"),
        ("CENTREBOOK_PASSWORD", PASSWORD),
    ];
    let file = tmp.path().join("nightly.cbbackup");
    let backup = centrebook(&dir, &["--json", "backup", "--out", file.to_str().unwrap()], &as_admin);
    assert!(backup.status.success(), "{:?}", text(&backup));
    // A folder where the file should go: the name is taken, so exit 5 naming it (a file is never
    // written over), not "encryption failure".
    let in_the_way = tmp.path().join("in-the-way.cbbackup");
    std::fs::create_dir(&in_the_way).unwrap();
    let failed = centrebook(&dir, &["backup", "--out", in_the_way.to_str().unwrap()], &as_admin);
    assert_eq!(failed.status.code(), Some(5), "{:?}", text(&failed));
    let said = text(&failed).1;
    assert!(said.contains("in-the-way.cbbackup") && said.contains("already exists"), "{said}");
    assert!(!said.contains("encryption"), "{said}");
    // A file where the folder should be: exit 1, the path named and the disk's own reason.
    let not_a_folder = tmp.path().join("not-a-folder");
    std::fs::write(&not_a_folder, b"x").unwrap();
    let out = not_a_folder.join("b.cbbackup");
    let failed = centrebook(&dir, &["backup", "--out", out.to_str().unwrap()], &as_admin);
    assert_eq!(failed.status.code(), Some(1), "{:?}", text(&failed));
    let said = text(&failed).1;
    assert!(said.contains("could not") && said.contains("not-a-folder"), "{said}");
    assert!(said.to_lowercase().contains("exists") && !said.contains("encryption"), "{said}");
    let mut env = as_admin.to_vec();
    env.push(("CENTREBOOK_NEW_PASSWORD", "office password"));
    assert!(centrebook(&dir, &["user", "add", "olly", "--role", "office"], &env).status.success());

    // Into a fresh folder (a replacement laptop), then over the live store.
    let elsewhere = tmp.path().join("new-laptop");
    let restored = centrebook(&elsewhere, &["restore", file.to_str().unwrap()], &as_admin);
    assert!(restored.status.success(), "{:?}", text(&restored));
    let restored = centrebook(&dir, &["restore", file.to_str().unwrap()], &as_admin);
    assert!(text(&restored).0.contains("is kept in"), "{:?}", text(&restored));
    let list = centrebook(&dir, &["--json", "user", "list"], &as_admin);
    let users: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(users.as_array().unwrap().len(), 1, "olly came after the backup");

    let junk = tmp.path().join("junk.cbbackup");
    std::fs::write(&junk, b"not a backup").unwrap();
    let refused = centrebook(&dir, &["restore", junk.to_str().unwrap()], &as_admin);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused).1.contains("is not a Centrebook backup"));
}

#[test]
fn employers_and_candidates_with_duplicates_and_role_limited_views() {
    let (_tmp, dir, _) = initialised();
    let mut env = AS_ADMIN.to_vec();
    env.push(("CENTREBOOK_NEW_PASSWORD", "trainer password"));
    assert!(centrebook(&dir, &["user", "add", "tess", "--role", "trainer"], &env).status.success());
    let emp = centrebook(&dir, &["employer", "add", "--name", "Acme Haulage Ltd", "--postcode", "ls12 2qt"], AS_ADMIN);
    assert!(emp.status.success(), "{:?}", text(&emp));

    // The person's values on standard input (or in a file), never in the arguments.
    let sian = |extra: serde_json::Value| {
        let mut p = serde_json::json!({"forename": "Siân", "surname": "Llewelyn", "ni_number": "ab 12 34 56 c"});
        p.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        p.to_string()
    };
    let add =
        |input: &str| centrebook_input(&dir, &["--json", "candidate", "add", "--from-json", "-"], AS_ADMIN, input);
    let first = add(&sian(serde_json::json!({"employer": "acme haulage ltd", "date_of_birth": "14/03/1988"})));
    assert!(first.status.success(), "{:?}", text(&first));
    let v: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(v["outcome"], "created");
    assert_eq!(v["candidate"]["identifiers"]["ni_number"], "AB123456C");
    assert_eq!(v["candidate"]["identifiers"]["date_of_birth"], "1988-03-14");
    assert_eq!(v["candidate"]["employer"], "Acme Haulage Ltd");
    let id = v["candidate"]["id"].as_str().unwrap().to_owned();

    let dup = add(&sian(serde_json::json!({})));
    assert_eq!(dup.status.code(), Some(8), "{:?}", text(&dup));
    let v: serde_json::Value = serde_json::from_slice(&dup.stdout).unwrap();
    assert_eq!(v["outcome"], "possible_duplicates");
    assert_eq!(v["matches"][0]["reasons"][0], "ni_number");
    assert_eq!(v["matches"][0]["conflicts"], serde_json::json!([]), "the same person: no conflict");

    // The same NI number with another name and date of birth: a conflict, said in words.
    let mary = r#"{"forename": "Mary", "surname": "Smith", "ni_number": "AB123456C", "date_of_birth": "01/01/1970"}"#;
    let out = centrebook_input(&dir, &["candidate", "add", "--from-json", "-"], AS_ADMIN, mary);
    assert_eq!(out.status.code(), Some(8), "{:?}", text(&out));
    assert!(
        text(&out).0.contains("conflict: the same NI number, but a different name and date of birth"),
        "{:?}",
        text(&out)
    );

    // From a file, with --force.
    let file = dir.parent().unwrap().join("ann.json");
    std::fs::write(&file, r#"{"forename": "Ann", "surname": "Lee", "address": "1 High St\nLeeds"}"#).unwrap();
    let v = json(&dir, &["candidate", "add", "--from-json", file.to_str().unwrap(), "--force"], AS_ADMIN);
    assert_eq!(v["candidate"]["identifiers"]["address"], "1 High St\nLeeds");

    let bad = add(r#"{"forename": "A", "surname": "B", "date_of_birth": "31/02/1990"}"#);
    assert_eq!(bad.status.code(), Some(5));
    assert_eq!(text(&bad).1.trim(), "error: date of birth: that day does not exist in that month");
    // A misspelt field is refused by name, not dropped; a wrong type or broken JSON without its value.
    let typo = add(r#"{"forename": "A", "surname": "B", "ni": "AB123456C"}"#);
    assert_eq!(typo.status.code(), Some(5));
    assert!(
        text(&typo).1.starts_with("error: form: has no field \"ni\"; the fields are address, date_of_birth"),
        "{:?}",
        text(&typo)
    );
    let wrong = add(r#"{"forename": "A", "surname": 7, "email": "secret@example.com"}"#);
    assert_eq!(wrong.status.code(), Some(5), "{:?}", text(&wrong));
    let wrong2 = add(r#"{"forename": "A", "surname": "B", "mobile": ["secret"]}"#);
    assert_eq!(wrong2.status.code(), Some(5), "{:?}", text(&wrong2));
    let broken = add(r#"{"forename": "Secretname", "surname": }"#);
    assert_eq!(broken.status.code(), Some(5));
    for out in [&wrong, &wrong2, &broken] {
        let err = text(out).1;
        assert!(err.starts_with("error: form: ") && !err.to_lowercase().contains("secret"), "{err}");
    }

    // The old arguments are gone: clap refuses them, so personal values cannot reach the process list.
    for old in [["--forename", "A"], ["--surname", "B"], ["--ni", "AB123456C"], ["--dob", "01/01/1990"]] {
        let out = centrebook(&dir, &["candidate", "add", "--from-json", "-", old[0], old[1]], AS_ADMIN);
        assert_eq!(out.status.code(), Some(2), "{old:?}: {:?}", text(&out));
        assert!(text(&out).1.contains(&format!("unexpected argument '{}'", old[0])), "{:?}", text(&out));
    }
    let out = centrebook(&dir, &["candidate", "add"], AS_ADMIN);
    assert!(!out.status.success() && text(&out).1.contains("--from-json"), "required: {:?}", text(&out));

    let as_tess = [
        ("CENTREBOOK_PASSPHRASE", PASSPHRASE),
        ("CENTREBOOK_USER", "tess"),
        ("CENTREBOOK_PASSWORD", "trainer password"),
    ];
    // On none of her runs, the candidate is not found for Tess (scope_tests and records.rs cover one on her run).
    let seen = centrebook(&dir, &["candidate", "show", &id], &as_tess);
    let (out, err) = text(&seen);
    assert_eq!(seen.status.code(), Some(5), "{out} {err}");
    assert!(!out.contains("Llewelyn") && !out.contains("AB 12") && !out.contains("1988"), "nothing leaks: {out}");
    let denied = centrebook_input(
        &dir,
        &["candidate", "add", "--from-json", "-"],
        &as_tess,
        r#"{"forename": "A", "surname": "B"}"#,
    );
    assert_eq!(denied.status.code(), Some(4));
}

#[test]
fn people_are_added_from_json_never_from_arguments() {
    let (tmp, dir, _) = initialised();
    let mut env = AS_ADMIN.to_vec();
    env.push(("CENTREBOOK_NEW_PASSWORD", "trainer password"));
    // The old arguments carried a person's details into the process list: clap refuses them now,
    // before anything is read or written.
    let old: [&[&str]; 6] = [
        &["user", "add", "tess", "--role", "trainer", "--name", "Tess Evans"],
        &["trainer", "add", "--name", "Tess Evans"],
        &["trainer", "add", "--from-json", "-", "--email", "tess@example.com"],
        &["trainer", "add", "--from-json", "-", "--phone", "07700 900123"],
        &["trainer", "add", "--from-json", "-", "--user-account", "tess"],
        &["trainer", "add", "--from-json", "-", "--registration", "RTITB=R-1"],
    ];
    for args in old {
        let out = centrebook_input(&dir, args, &env, r#"{"name": "Tess Evans"}"#);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {:?}", text(&out));
        assert!(text(&out).1.contains("unexpected argument"), "{args:?}: {:?}", text(&out));
    }
    assert_eq!(json(&dir, &["trainer", "list"], AS_ADMIN), serde_json::json!([]), "nothing was added");

    // The account's display name on standard input; without --from-json the user name is shown.
    let tess = centrebook_input(
        &dir,
        &["--json", "user", "add", "tess", "--role", "trainer", "--from-json", "-"],
        &env,
        r#"{"display_name": "Tess Evans"}"#,
    );
    assert!(tess.status.success(), "{:?}", text(&tess));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&tess.stdout).unwrap()[0]["display_name"], "Tess Evans");
    let olly = json(&dir, &["user", "add", "olly", "--role", "office"], &env);
    assert_eq!(olly[0]["display_name"], "olly");
    // A misspelt field is refused by name, and the value it held is not echoed.
    let typo = centrebook_input(
        &dir,
        &["user", "add", "pat", "--role", "office", "--from-json", "-"],
        &env,
        r#"{"name": "Pat Clerk"}"#,
    );
    assert_eq!(typo.status.code(), Some(5), "{:?}", text(&typo));
    assert!(text(&typo).1.contains("\"name\"") && !text(&typo).1.contains("Pat Clerk"), "{:?}", text(&typo));
    let users = json(&dir, &["user", "list"], AS_ADMIN);
    assert_eq!(users.as_array().unwrap().len(), 3, "pat was not added: {users}");

    // A trainer's details on standard input, linked to the account.
    let t = add_trainer(
        &dir,
        serde_json::json!({"name": "Tess Evans", "username": "tess", "email": "tess@example.com",
            "phone": "07700 900123", "registrations": [["RTITB", "R-1234"], ["NPORS", "N-9"]]}),
        AS_ADMIN,
    );
    assert_eq!(t[0]["name"], "Tess Evans");
    assert_eq!(t[0]["username"], "tess");
    assert_eq!(t[0]["email"], "tess@example.com");
    assert_eq!(t[0]["phone"], "+447700900123");
    let regs = t[0]["registrations"].as_array().unwrap();
    assert!(regs.contains(&serde_json::json!(["RTITB", "R-1234"])) && regs.len() == 2, "{regs:?}");
    // And from a file; fields left out are empty.
    let file = tmp.path().join("sam.json");
    std::fs::write(&file, r#"{"name": "Sam Jones"}"#).unwrap();
    let s = json(&dir, &["trainer", "add", "--from-json", file.to_str().unwrap()], AS_ADMIN);
    assert_eq!(s[0]["name"], "Sam Jones");
    assert_eq!(s[0]["username"], serde_json::Value::Null);
    assert_eq!(s[0]["registrations"], serde_json::json!([]));
    // The name is required, as in the window.
    let nameless =
        centrebook_input(&dir, &["trainer", "add", "--from-json", "-"], AS_ADMIN, r#"{"phone": "07700 900124"}"#);
    assert_eq!(nameless.status.code(), Some(5), "{:?}", text(&nameless));
    assert!(text(&nameless).1.contains("trainer name"), "{:?}", text(&nameless));
    assert_eq!(json(&dir, &["trainer", "list"], AS_ADMIN).as_array().unwrap().len(), 2);
}

#[test]
fn health_notes_come_from_standard_input_never_from_arguments() {
    let (_tmp, dir, _) = initialised();
    let who = add_candidate(&dir, serde_json::json!({"forename": "Ann", "surname": "Lee"}), &[], AS_ADMIN);
    let id = who["candidate"]["id"].as_str().unwrap();
    let old =
        centrebook(&dir, &["candidate", "special", id, "--notes", "reader for theory", "--consent", "form"], AS_ADMIN);
    assert_eq!(old.status.code(), Some(2), "{:?}", text(&old));
    let args = ["--json", "candidate", "special", id, "--notes-from", "-", "--consent", "signed form"];
    let set = centrebook_input(&dir, &args, AS_ADMIN, "reader for theory\n");
    assert!(set.status.success(), "{:?}", text(&set));
    let shown = json(&dir, &["candidate", "special", id], AS_ADMIN);
    assert_eq!(shown["notes"], "reader for theory");
    assert_eq!(shown["consent_source"], "signed form");
}

#[test]
fn bench_search_times_the_core_query_alone_for_queries_read_from_standard_input() {
    let (_tmp, dir, _) = initialised();
    for (forename, surname) in [("Sam", "Smith"), ("Bob", "Smythe")] {
        add_candidate(&dir, serde_json::json!({"forename": forename, "surname": surname}), &[], AS_ADMIN);
    }
    let out = centrebook_input(&dir, &["--json", "bench", "search"], AS_ADMIN, "sm\nsmi\n\nzz\n");
    assert!(out.status.success(), "{:?}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rows"], serde_json::json!([2, 1, 0]));
    assert_eq!(v["samples_ms"].as_array().unwrap().len(), 3);
    // The queries are names: they are not printed back.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("smi"));
}
