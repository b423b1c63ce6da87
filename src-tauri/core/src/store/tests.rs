//! The store against real SQLCipher files: encryption on disk, keys, failed opens, concurrency,
//! backups and restores.

use std::time::Duration;

use zeroize::Zeroizing;

use crate::testing::{contains, sha, Fixture, ADMIN_PASSWORD, PASSPHRASE};
use crate::{
    change_passphrase, restore, unlock, Error, KdfParams, Keychain, NewUser, Role, UnlockMethod, UnlockSecret,
};

fn passphrase(p: &str) -> UnlockSecret {
    UnlockSecret::Passphrase(Zeroizing::new(p.into()))
}

fn recovery(r: &str) -> UnlockSecret {
    UnlockSecret::RecoveryKey(Zeroizing::new(r.into()))
}

#[test]
fn nothing_readable_reaches_the_disk() {
    let fx = Fixture::new(false);
    let mut init = fx.init();
    let marker = "Zebedee-Quimby-7731";
    init.store
        .add_user(
            &init.admin,
            &NewUser { username: "tess", display_name: marker, role: Role::Trainer, password: "trainer pass 1" },
        )
        .unwrap();
    // While the store is open the record sits in the WAL; after closing, in the main file.
    let open_files = fx.files_on_disk();
    assert!(open_files.iter().any(|(p, _)| p.to_string_lossy().ends_with("-wal")), "WAL mode is on");
    for (path, bytes) in &open_files {
        assert!(!contains(bytes, marker), "{} holds the marker in plain text", path.display());
        assert!(!contains(bytes, "Riverside"), "{} holds the centre name in plain text", path.display());
    }
    drop(init);
    for (path, bytes) in fx.files_on_disk() {
        assert!(!contains(&bytes, marker), "{} holds the marker after closing", path.display());
        assert!(!contains(&bytes, "SQLite format 3"), "{} is a plaintext SQLite file", path.display());
    }
}

#[test]
fn unlock_order_is_keychain_then_passphrase_then_recovery_key() {
    let fx = Fixture::new(true);
    let init = fx.init();
    let rk = init.recovery_key.display().to_string();
    assert!(init.keychain_note.is_none());
    drop(init);

    let u = unlock(&fx.dir, &fx.keychain, None).unwrap();
    assert_eq!(u.method, UnlockMethod::Keychain);
    assert_eq!(u.store.centre_name().unwrap(), "Riverside Plant Training");
    drop(u);

    let no_keychain = Keychain::off();
    assert!(matches!(unlock(&fx.dir, &no_keychain, None), Err(Error::SecretNeeded)));
    let u = unlock(&fx.dir, &no_keychain, Some(&passphrase(PASSPHRASE))).unwrap();
    assert_eq!(u.method, UnlockMethod::Passphrase);
    assert!(u.keychain_note.is_none(), "a keychain turned off on purpose is not nagged about");
    drop(u);
    let u = unlock(&fx.dir, &no_keychain, Some(&recovery(&rk.to_lowercase()))).unwrap();
    assert_eq!(u.method, UnlockMethod::RecoveryKey);
    drop(u);

    // A keychain that lost the entry: told so without a secret, then repaired by the passphrase.
    let store_id = crate::keys::KeyFile::read(&fx.dir.keys()).unwrap().store_id;
    fx.keychain.forget(&store_id).unwrap();
    assert!(matches!(unlock(&fx.dir, &fx.keychain, None), Err(Error::KeychainEntryMissing)));
    let u = unlock(&fx.dir, &fx.keychain, Some(&passphrase(PASSPHRASE))).unwrap();
    assert_eq!(u.method, UnlockMethod::Passphrase);
    assert!(u.keychain_note.as_deref().unwrap().contains("stored there for next time"));
    drop(u);
    assert_eq!(unlock(&fx.dir, &fx.keychain, None).unwrap().method, UnlockMethod::Keychain);
}

#[test]
fn an_unreachable_keychain_falls_back_to_the_passphrase_and_says_so() {
    let fx = Fixture::new(true);
    drop(fx.init());
    let store_id = crate::keys::KeyFile::read(&fx.dir.keys()).unwrap().store_id;
    fx.keychain.fail_next_as_locked(&store_id);
    assert!(matches!(unlock(&fx.dir, &fx.keychain, None), Err(Error::SecretNeeded)));
    fx.keychain.fail_next_as_locked(&store_id);
    let u = unlock(&fx.dir, &fx.keychain, Some(&passphrase(PASSPHRASE))).unwrap();
    assert_eq!(u.method, UnlockMethod::Passphrase);
    let note = u.keychain_note.as_deref().unwrap();
    assert!(note.starts_with("the OS keychain was not used") && note.contains("locked"), "{note}");
}

#[test]
fn failed_opens_have_their_own_errors_and_never_touch_the_file() {
    let fx = Fixture::new(false);
    let init = fx.init();
    let rk = init.recovery_key.display().to_string();
    drop(init);
    let before = sha(&fx.dir.db());
    let kc = Keychain::off();

    assert!(matches!(unlock(&fx.dir, &kc, Some(&passphrase("not the passphrase"))), Err(Error::WrongPassphrase)));
    let other = crate::RecoveryKey::random().unwrap().display().to_string();
    assert!(matches!(unlock(&fx.dir, &kc, Some(&recovery(&other))), Err(Error::WrongRecoveryKey)));
    let mut typo = rk.clone();
    typo.replace_range(0..1, if rk.starts_with('A') { "B" } else { "A" });
    assert!(matches!(unlock(&fx.dir, &kc, Some(&recovery(&typo))), Err(Error::MalformedRecoveryKey(_))));
    assert_eq!(sha(&fx.dir.db()), before, "failed unlocks left the store as it was");

    let empty = crate::DataDir::new(fx.tmp.path().join("nowhere"));
    assert!(matches!(unlock(&empty, &kc, None), Err(Error::NotInitialised(_))));
}

#[test]
fn a_store_from_a_newer_program_is_refused_unchanged() {
    let fx = Fixture::new(false);
    let mut init = fx.init();
    init.store.conn_mut().pragma_update(None, "user_version", 999).unwrap();
    drop(init);
    let before = sha(&fx.dir.db());
    match unlock(&fx.dir, &Keychain::off(), Some(&passphrase(PASSPHRASE))) {
        Err(Error::NewerSchema { found: 999, supported }) => assert_eq!(supported, super::migrations::LATEST),
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    assert_eq!(sha(&fx.dir.db()), before);
}

#[test]
fn truncated_or_corrupted_stores_and_key_files_are_named_as_such() {
    let fx = Fixture::new(false);
    drop(fx.init());
    let kc = Keychain::off();
    let db = fx.dir.db();
    let bytes = std::fs::read(&db).unwrap();

    std::fs::write(&db, &bytes[..bytes.len() - 100]).unwrap();
    let err = unlock(&fx.dir, &kc, Some(&passphrase(PASSPHRASE))).unwrap_err();
    assert!(matches!(err, Error::CorruptStore { .. }), "{err:?}");
    assert!(err.to_string().contains("truncated"), "{err}");

    let mut bent = bytes.clone();
    for b in &mut bent[100..200] {
        *b ^= 0x5a;
    }
    std::fs::write(&db, &bent).unwrap();
    let err = unlock(&fx.dir, &kc, Some(&passphrase(PASSPHRASE))).unwrap_err();
    assert!(matches!(err, Error::CorruptStore { .. }), "{err:?}");

    std::fs::write(&db, &bytes).unwrap();
    std::fs::write(fx.dir.keys(), b"not json").unwrap();
    let err = unlock(&fx.dir, &kc, Some(&passphrase(PASSPHRASE))).unwrap_err();
    assert!(matches!(err, Error::CorruptKeyFile { .. }), "{err:?}");
}

#[test]
fn a_second_writer_waits_then_fails_clearly_and_nothing_is_half_written() {
    let fx = Fixture::new(true);
    let init = fx.init();
    let admin = init.admin.clone();
    let mut a = init.store;
    let mut b = unlock(&fx.dir, &fx.keychain, None).unwrap().store;
    b.set_busy_timeout(Duration::from_millis(200));
    a.conn_mut().execute_batch("BEGIN IMMEDIATE").unwrap();
    let new = NewUser { username: "olly", display_name: "Olly", role: Role::Office, password: "office pass 1" };
    let err = b.add_user(&admin, &new).unwrap_err();
    assert!(matches!(err, Error::Busy(_)), "{err:?}");
    a.conn_mut().execute_batch("COMMIT").unwrap();
    assert!(b.users(&admin).unwrap().iter().all(|u| u.username != "olly"));
    b.add_user(&admin, &new).unwrap();
    assert!(a.users(&admin).unwrap().iter().any(|u| u.username == "olly"), "the other connection sees it");
}

#[test]
fn changing_the_passphrase_rewraps_without_reencrypting() {
    let fx = Fixture::new(true);
    let mut init = fx.init();
    let rk = init.recovery_key.display().to_string();
    let err = change_passphrase(
        &mut init.store,
        &init.admin,
        &passphrase("wrong passphrase"),
        "a brand new passphrase",
        KdfParams::FAST_FOR_TESTS,
    )
    .unwrap_err();
    assert!(matches!(err, Error::WrongPassphrase));
    let err =
        change_passphrase(&mut init.store, &init.admin, &passphrase(PASSPHRASE), "short", KdfParams::FAST_FOR_TESTS)
            .unwrap_err();
    assert!(matches!(err, Error::Invalid { field: "passphrase", .. }));
    change_passphrase(
        &mut init.store,
        &init.admin,
        &passphrase(PASSPHRASE),
        "a brand new passphrase",
        KdfParams::FAST_FOR_TESTS,
    )
    .unwrap();
    drop(init);
    let kc = Keychain::off();
    assert!(matches!(unlock(&fx.dir, &kc, Some(&passphrase(PASSPHRASE))), Err(Error::WrongPassphrase)));
    unlock(&fx.dir, &kc, Some(&passphrase("a brand new passphrase"))).unwrap();
    unlock(&fx.dir, &kc, Some(&recovery(&rk))).unwrap();
    // The data key is the same one: the keychain's copy, untouched by the change, still opens the data.
    assert_eq!(unlock(&fx.dir, &fx.keychain, None).unwrap().method, UnlockMethod::Keychain);
}

#[test]
fn only_admins_change_the_passphrase() {
    let fx = Fixture::new(true);
    let mut init = fx.init();
    init.store
        .add_user(
            &init.admin,
            &NewUser { username: "olly", display_name: "Olly", role: Role::Office, password: "office pass 1" },
        )
        .unwrap();
    let olly = init.store.login("olly", "office pass 1").unwrap();
    let err = change_passphrase(
        &mut init.store,
        &olly,
        &passphrase(PASSPHRASE),
        "a brand new passphrase",
        KdfParams::FAST_FOR_TESTS,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Forbidden { role: Role::Office, .. }), "{err:?}");
}

#[test]
fn backup_while_in_use_then_restore_after_checking_everything() {
    let fx = Fixture::new(false);
    let mut init = fx.init();
    let admin = init.admin.clone();
    let marker = "Backup-Marker-5521";
    init.store
        .add_user(
            &admin,
            &NewUser { username: "tess", display_name: marker, role: Role::Trainer, password: "trainer pass 1" },
        )
        .unwrap();
    let out = fx.tmp.path().join("usb/backup-1.cbbackup");
    let info = init.store.backup(&admin, &out).unwrap();
    assert_eq!(info.schema_version, super::migrations::LATEST);
    let raw = std::fs::read(&out).unwrap();
    assert!(!contains(&raw, marker) && !contains(&raw, "SQLite format 3"), "the backup is encrypted");

    // After the backup: a change that the restore must undo.
    init.store
        .add_user(
            &admin,
            &NewUser { username: "later", display_name: "Later", role: Role::Office, password: "office pass 1" },
        )
        .unwrap();

    // A trainer may not make backups.
    let tess = init.store.login("tess", "trainer pass 1").unwrap();
    assert!(matches!(init.store.backup(&tess, &out), Err(Error::Forbidden { .. })));

    // Restoring under an open store is refused; nothing is replaced.
    let kc = Keychain::off();
    let secret = passphrase(PASSPHRASE);
    let err = restore(&fx.dir, &kc, &out, Some(&secret), "admin", ADMIN_PASSWORD).unwrap_err();
    assert!(matches!(err, Error::Busy(_)), "{err:?}");
    drop(init);

    let current = sha(&fx.dir.db());
    // Wrong passphrase, a non-admin, a damaged copy: each refused before anything changes.
    assert!(matches!(
        restore(&fx.dir, &kc, &out, Some(&passphrase("wrong passphrase")), "admin", ADMIN_PASSWORD),
        Err(Error::WrongPassphrase)
    ));
    assert!(matches!(
        restore(&fx.dir, &kc, &out, Some(&secret), "tess", "trainer pass 1"),
        Err(Error::Forbidden { .. })
    ));
    assert!(matches!(
        restore(&fx.dir, &kc, &out, Some(&secret), "admin", "wrong password"),
        Err(Error::BadCredentials)
    ));
    let damaged = fx.tmp.path().join("damaged.cbbackup");
    let mut bent = raw.clone();
    let mid = bent.len() / 2;
    bent[mid] ^= 0xff;
    std::fs::write(&damaged, &bent).unwrap();
    let err = restore(&fx.dir, &kc, &damaged, Some(&secret), "admin", ADMIN_PASSWORD).unwrap_err();
    assert!(matches!(err, Error::BadBackup { .. }), "{err:?}");
    std::fs::write(&damaged, &raw[..raw.len() / 3]).unwrap();
    assert!(matches!(
        restore(&fx.dir, &kc, &damaged, Some(&secret), "admin", ADMIN_PASSWORD),
        Err(Error::BadBackup { .. })
    ));
    assert_eq!(sha(&fx.dir.db()), current, "refused restores changed nothing");

    let report = restore(&fx.dir, &kc, &out, Some(&secret), "admin", ADMIN_PASSWORD).unwrap();
    let previous = report.previous.expect("the replaced store is kept");
    assert!(previous.join("centrebook.db").exists());
    let mut u = unlock(&fx.dir, &kc, Some(&secret)).unwrap();
    let admin = u.store.login("admin", ADMIN_PASSWORD).unwrap();
    let names: Vec<String> = u.store.users(&admin).unwrap().into_iter().map(|u| u.username).collect();
    assert_eq!(names, ["admin", "tess"], "the restored store is the backup's");
    let last =
        crate::audit::list(&u.store, &admin, &crate::audit::AuditFilter { limit: Some(3), ..Default::default() })
            .unwrap();
    assert!(last.iter().any(|e| e.action == "backup.restore"));
    assert!(crate::audit::verify(&u.store, &admin).unwrap().is_intact());
}

#[test]
fn fts5_works_on_encrypted_stores_and_its_index_stays_encrypted() {
    let fx = Fixture::new(false);
    let mut a = fx.init().store;
    a.conn_mut()
        .execute_batch("CREATE VIRTUAL TABLE people USING fts5(name, tokenize = 'unicode61 remove_diacritics 2');")
        .unwrap();
    a.conn_mut().execute("INSERT INTO people (name) VALUES ('Siân Fts-Marker-42')", []).unwrap();
    let hits: i64 =
        a.conn_mut().query_row("SELECT count(*) FROM people WHERE people MATCH 'sian*'", [], |r| r.get(0)).unwrap();
    assert_eq!(hits, 1, "prefix search folds accents");
    drop(a);
    for (path, bytes) in fx.files_on_disk() {
        assert!(!contains(&bytes, "Fts-Marker-42"), "{} holds the indexed name in plain text", path.display());
    }
}

#[test]
fn daily_backups_happen_once_a_day_and_rotate() {
    let fx = Fixture::new(false);
    let mut init = fx.init();
    let folder = fx.dir.backups();
    std::fs::create_dir_all(&folder).unwrap();
    for old in ["auto-2020-01-01.cbbackup", "auto-2020-01-02.cbbackup", "auto-2020-01-03.cbbackup", "manual.cbbackup"] {
        std::fs::write(folder.join(old), b"old").unwrap();
    }
    let made = init.store.backup_daily(&init.admin, 2).unwrap().expect("today's backup");
    assert!(made.path.file_name().unwrap().to_str().unwrap().starts_with("auto-20"));
    assert!(init.store.backup_daily(&init.admin, 2).unwrap().is_none(), "only one a day");
    let mut left: Vec<String> =
        std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    left.sort();
    let today = made.path.file_name().unwrap().to_str().unwrap().to_owned();
    assert_eq!(left, ["auto-2020-01-03.cbbackup".to_owned(), today, "manual.cbbackup".to_owned()]);
}

/// A long job's own connection reads while the window's connection holds a write open, sees what
/// the other commits, and holds the store's shared lock like any open store (a restore waits for it).
#[test]
fn a_reopened_connection_reads_beside_a_write_and_holds_the_lock() {
    let fx = Fixture::new(true);
    let init = fx.init();
    let admin = init.admin.clone();
    let mut a = init.store;
    let job = a.reopen().unwrap();
    assert_eq!(job.store_id(), a.store_id());
    a.conn_mut().execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = std::time::Instant::now();
    assert_eq!(job.users(&admin).unwrap().len(), 1, "reads while the other connection writes");
    assert!(started.elapsed() < Duration::from_secs(1), "the read did not wait for the write");
    a.conn_mut().execute_batch("COMMIT").unwrap();
    let new = NewUser { username: "olly", display_name: "Olly", role: Role::Office, password: "office pass 1" };
    a.add_user(&admin, &new).unwrap();
    assert!(job.users(&admin).unwrap().iter().any(|u| u.username == "olly"), "sees the other's commit");
    drop(a);
    let held = std::fs::File::open(fx.dir.lock_file()).unwrap();
    assert!(held.try_lock().is_err(), "the reopened store still holds the shared lock");
}

#[cfg(unix)]
#[test]
fn the_data_folder_is_0700_and_its_files_0600_even_when_an_older_version_left_them_open() {
    use std::os::unix::fs::PermissionsExt;
    let fx = Fixture::new(false);
    let mut init = fx.init();
    init.store
        .add_user(
            &init.admin,
            &NewUser { username: "tess", display_name: "Tess", role: Role::Trainer, password: "trainer pass 1" },
        )
        .unwrap();
    let made = init.store.backup_daily(&init.admin, 2).unwrap().expect("today's backup");
    let exported = fx.tmp.path().join("usb/backup-1.cbbackup");
    init.store.backup(&init.admin, &exported).unwrap();
    let data = fx.dir.path().to_path_buf();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let folders = [data.clone(), data.join("backups")];
    let files = ["centrebook.db", "centrebook.db-wal", "centrebook.db-shm", "centrebook.keys", "centrebook.lock"]
        .map(|f| data.join(f));
    let check = |when: &str| {
        for folder in &folders {
            assert_eq!(mode(folder), 0o700, "{} {when}", folder.display());
        }
        for file in files.iter().chain([&made.path]) {
            assert_eq!(mode(file), 0o600, "{} {when}", file.display());
        }
    };
    check("after set-up");
    assert_eq!(mode(&exported), 0o600, "an exported backup");

    // What an earlier version (or a loose umask) left: world-readable. The next open tightens it.
    drop(init);
    for folder in &folders {
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for file in files.iter().chain([&made.path]).filter(|f| f.exists()) {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let _u = unlock(&fx.dir, &fx.keychain, Some(&passphrase(PASSPHRASE))).unwrap();
    check("after the next open");
}

#[test]
fn a_temporary_a_killed_write_left_in_the_data_folder_is_removed_and_listed_at_the_next_open() {
    let fx = Fixture::new(false);
    drop(fx.init());
    // As a process killed mid-backup leaves it: unlocked, untouched for ten minutes.
    let left = fx.dir.path().join(".centrebook-K1LLed.part");
    let f = std::fs::File::create(&left).unwrap();
    f.set_modified(std::time::SystemTime::now() - Duration::from_secs(600)).unwrap();
    drop(f);
    let u = unlock(&fx.dir, &fx.keychain, Some(&passphrase(PASSPHRASE))).unwrap();
    assert_eq!(u.swept, vec![left.clone()]);
    assert!(!left.exists());
    let note = u.note().unwrap();
    assert!(note.contains("1 temporary file(s)") && note.contains(".centrebook-K1LLed.part"), "{note}");
}
