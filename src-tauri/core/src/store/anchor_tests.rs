//! Rolled-back copies (issue 12, finding 3): an older database put back over the live one, alone or
//! with its key file, is reported at open, refused writes and fails `audit verify` until an admin
//! accepts it; a restore moves the anchor on purpose; checkpoints are signed and checked.

use std::io::Read;
use std::path::Path;

use crate::audit::{self, AuditFilter};
use crate::testing::{Fixture, ADMIN_PASSWORD, PASSPHRASE};
use crate::{unlock, AnchorCopy, Error, NewUser, Role, Store, UnlockSecret};

fn passphrase() -> UnlockSecret {
    UnlockSecret::Passphrase(PASSPHRASE.to_owned().into())
}

fn add_user(store: &mut Store, admin: &crate::Actor, name: &str) -> crate::Result<crate::User> {
    store.add_user(admin, &NewUser { username: name, display_name: name, role: Role::Office, password: "a password 1" })
}

/// A file out of a backup, as someone copying it out of `backups/` by hand would get it.
fn from_backup(backup: &Path, name: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(backup).unwrap()).unwrap();
    let mut out = Vec::new();
    zip.by_name(name).unwrap().read_to_end(&mut out).unwrap();
    out
}

/// Puts yesterday's database (and, when asked, its key file) back over the live store, as a person
/// with the folder could.
fn roll_back(fx: &Fixture, backup: &Path, with_key_file: bool) {
    for side in ["centrebook.db-wal", "centrebook.db-shm"] {
        let _ = std::fs::remove_file(fx.dir.path().join(side));
    }
    std::fs::write(fx.dir.db(), from_backup(backup, "centrebook.db")).unwrap();
    if with_key_file {
        std::fs::write(fx.dir.keys(), from_backup(backup, "centrebook.keys")).unwrap();
    }
}

/// A store with a backup, then more work done after it (whose record the rollback loses).
fn store_with_work_after_a_backup(keychain: bool) -> (Fixture, std::path::PathBuf, i64) {
    let fx = Fixture::new(keychain);
    let init = fx.init();
    let (mut store, admin) = (init.store, init.admin);
    add_user(&mut store, &admin, "olly").unwrap();
    let backup = store.backup_daily(&admin, 7).unwrap().unwrap().path;
    add_user(&mut store, &admin, "tess").unwrap();
    add_user(&mut store, &admin, "ruth").unwrap();
    let head = audit::list(&store, &admin, &AuditFilter { limit: Some(1), ..Default::default() }).unwrap()[0].seq;
    drop(store);
    (fx, backup, head)
}

fn sign_in(store: &mut Store) -> crate::Actor {
    store.login("admin", ADMIN_PASSWORD).unwrap()
}

#[test]
fn an_older_database_put_back_over_the_live_one_is_reported_refused_writes_and_fails_verify() {
    let (fx, backup, head) = store_with_work_after_a_backup(false);
    roll_back(&fx, &backup, false);

    let u = unlock(&fx.dir, &fx.keychain, Some(&passphrase())).unwrap();
    let behind = u.behind.clone().expect("the open says the database is behind its anchor");
    assert_eq!(behind.kept_in, AnchorCopy::KeyFile);
    assert_eq!(behind.anchor_seq, head);
    assert!(behind.database_seq < head && !behind.different_history, "{behind:?}");
    let note = u.note().unwrap();
    assert!(note.contains(&format!("recorded entry {head}")), "{note}");

    let mut store = u.store;
    let admin = sign_in(&mut store);
    // Reads go on; writes are refused with their own error.
    assert!(store.users(&admin).is_ok());
    assert!(matches!(add_user(&mut store, &admin, "zed"), Err(Error::BehindAnchor(_))));
    let report = audit::verify(&store, &admin).unwrap();
    assert!(report.problems.is_empty(), "the chain itself is intact: {:?}", report.problems);
    assert!(!report.is_intact() && report.behind.is_some(), "but verify fails on the rollback");

    // An admin accepts this copy, with a reason: audited, and saving works again.
    assert!(matches!(store.accept_copy(&admin, "  "), Err(Error::Invalid { field: "reason", .. })));
    store.accept_copy(&admin, "the laptop's disk was replaced; this backup is what we have").unwrap();
    add_user(&mut store, &admin, "zed").unwrap();
    let accepted = audit::list(&store, &admin, &AuditFilter { entity: Some("store".into()), ..Default::default() })
        .unwrap()
        .into_iter()
        .find(|e| e.action == "store.accept_copy")
        .expect("the accept is audited");
    let fields: Vec<&str> = accepted.changes.as_ref().unwrap().iter().map(|c| c.field.as_str()).collect();
    assert!(fields.contains(&"reason") && fields.contains(&"anchor_entry"), "{fields:?}");
    assert!(audit::verify(&store, &admin).unwrap().is_intact());
    drop(store);
    assert!(unlock(&fx.dir, &fx.keychain, Some(&passphrase())).unwrap().behind.is_none(), "accepted for good");
}

#[test]
fn the_database_and_key_file_put_back_together_are_caught_by_the_keychain_copy() {
    let (fx, backup, head) = store_with_work_after_a_backup(true);
    roll_back(&fx, &backup, true);
    let u = unlock(&fx.dir, &fx.keychain, None).unwrap();
    let behind = u.behind.clone().expect("the keychain's anchor is ahead of both files");
    assert_eq!((behind.kept_in, behind.anchor_seq), (AnchorCopy::Keychain, head));
    let mut store = u.store;
    let admin = sign_in(&mut store);
    assert!(matches!(add_user(&mut store, &admin, "zed"), Err(Error::BehindAnchor(_))));
    assert!(!audit::verify(&store, &admin).unwrap().is_intact());
}

#[test]
fn without_a_keychain_the_database_and_key_file_put_back_together_are_not_caught() {
    // The limit the README states: both copies in the folder are rolled back together.
    let (fx, backup, _) = store_with_work_after_a_backup(false);
    roll_back(&fx, &backup, true);
    assert!(unlock(&fx.dir, &fx.keychain, Some(&passphrase())).unwrap().behind.is_none());
}

#[test]
fn an_older_database_beside_a_key_file_stripped_of_its_anchor_is_still_caught() {
    // No keychain: only the key file's copy, which someone with the folder removes.
    let (fx, backup, _) = store_with_work_after_a_backup(false);
    roll_back(&fx, &backup, false);
    let mut keys: serde_json::Value = serde_json::from_slice(&std::fs::read(fx.dir.keys()).unwrap()).unwrap();
    assert!(keys.as_object_mut().unwrap().remove("anchor").is_some(), "the key file holds the anchor");
    std::fs::write(fx.dir.keys(), serde_json::to_vec_pretty(&keys).unwrap()).unwrap();
    let u = unlock(&fx.dir, &fx.keychain, Some(&passphrase())).unwrap();
    let behind = u.behind.expect("the database was kept by a version that anchors");
    assert!(behind.missing && behind.to_string().contains("removed or altered"), "{behind}");
    let mut store = u.store;
    let admin = sign_in(&mut store);
    assert!(matches!(add_user(&mut store, &admin, "zed"), Err(Error::BehindAnchor(_))));
}

#[test]
fn a_key_file_stripped_of_its_anchor_is_not_a_rollback_when_the_keychain_vouches_for_the_database() {
    let (fx, _, _) = store_with_work_after_a_backup(true);
    let mut keys: serde_json::Value = serde_json::from_slice(&std::fs::read(fx.dir.keys()).unwrap()).unwrap();
    keys.as_object_mut().unwrap().remove("anchor");
    std::fs::write(fx.dir.keys(), serde_json::to_vec_pretty(&keys).unwrap()).unwrap();
    let u = unlock(&fx.dir, &fx.keychain, None).unwrap();
    assert!(u.behind.is_none(), "{:?}", u.behind);
    let keys: serde_json::Value = serde_json::from_slice(&std::fs::read(fx.dir.keys()).unwrap()).unwrap();
    assert!(keys.get("anchor").is_some(), "written again at the open");
}

#[test]
fn a_store_from_before_anchors_is_not_taken_for_a_rollback() {
    // A key file without an anchor beside a database of the schema before anchors: an upgrade, not a
    // rollback.
    let fx = Fixture::new(false);
    let mut store = fx.init().store;
    store.conn_mut().execute_batch("PRAGMA user_version = 15;").unwrap();
    crate::store::migrations::FAKED_OLDER.set(true);
    drop(store);
    let mut keys: serde_json::Value = serde_json::from_slice(&std::fs::read(fx.dir.keys()).unwrap()).unwrap();
    keys.as_object_mut().unwrap().remove("anchor");
    std::fs::write(fx.dir.keys(), serde_json::to_vec_pretty(&keys).unwrap()).unwrap();
    let u = unlock(&fx.dir, &fx.keychain, Some(&passphrase())).unwrap();
    assert!(u.behind.is_none(), "{:?}", u.behind);
    drop(u);
    let keys: serde_json::Value = serde_json::from_slice(&std::fs::read(fx.dir.keys()).unwrap()).unwrap();
    assert!(keys.get("anchor").is_some(), "anchored from its first open");
}

#[test]
fn a_different_history_in_place_of_the_recorded_one_is_named_as_such() {
    let (fx, backup, head) = store_with_work_after_a_backup(true);
    roll_back(&fx, &backup, true);
    // Sign-ins are still recorded on the old copy, which grows a history of its own past the anchor.
    let mut store = unlock(&fx.dir, &fx.keychain, None).unwrap().store;
    for _ in 0..head {
        sign_in(&mut store);
    }
    drop(store);
    let behind = unlock(&fx.dir, &fx.keychain, None).unwrap().behind.expect("still behind");
    assert!(behind.different_history && behind.database_seq > head, "{behind:?}");
    assert!(behind.to_string().contains("different copy's history"), "{behind}");
}

#[test]
fn a_restore_moves_the_anchor_to_the_restored_database_and_is_audited() {
    let (fx, backup, _) = store_with_work_after_a_backup(true);
    let report = crate::restore(&fx.dir, &fx.keychain, &backup, None, "admin", ADMIN_PASSWORD).unwrap();
    assert!(report.previous.is_some());
    let u = unlock(&fx.dir, &fx.keychain, None).unwrap();
    assert!(u.behind.is_none(), "a deliberate restore is not a rollback: {:?}", u.behind);
    let mut store = u.store;
    let admin = sign_in(&mut store);
    add_user(&mut store, &admin, "zed").unwrap();
    let restore = audit::list(&store, &admin, &AuditFilter::default())
        .unwrap()
        .into_iter()
        .find(|e| e.action == "backup.restore")
        .expect("the restored store records the restore");
    let fields: Vec<&str> = restore.changes.as_ref().unwrap().iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["file", "backup_made_at", "backup_entry"]);
    assert!(audit::verify(&store, &admin).unwrap().is_intact());
}

#[test]
fn a_restore_interrupted_after_its_journal_leaves_the_anchor_with_the_database_the_next_open_finds() {
    let (fx, backup, _) = store_with_work_after_a_backup(true);
    super::restore_journal::FAIL_AFTER.with(|f| f.set(Some("moved")));
    assert!(crate::restore(&fx.dir, &fx.keychain, &backup, None, "admin", ADMIN_PASSWORD).is_err());
    // The next open finishes the swap from the journal: the restored database, and no rollback.
    let u = unlock(&fx.dir, &fx.keychain, None).unwrap();
    assert!(u.behind.is_none(), "{:?}", u.behind);
    let mut store = u.store;
    let admin = sign_in(&mut store);
    add_user(&mut store, &admin, "zed").unwrap();
}

#[test]
fn checkpoints_are_signed_at_backups_and_a_changed_one_fails_verify() {
    let (fx, _, _) = store_with_work_after_a_backup(false);
    let mut store = unlock(&fx.dir, &fx.keychain, Some(&passphrase())).unwrap().store;
    let admin = sign_in(&mut store);
    store.backup(&admin, &fx.dir.path().join("second.cbbackup")).unwrap();
    let report = audit::verify(&store, &admin).unwrap();
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.checkpoints, 2);
    let last = report.last_checkpoint.unwrap();
    store
        .conn_mut()
        .execute_batch(&format!(
            "DROP TRIGGER audit_checkpoints_no_update; UPDATE audit_checkpoints SET seq = seq - 1 WHERE seq = {}",
            last.seq
        ))
        .unwrap();
    let report = audit::verify(&store, &admin).unwrap();
    assert!(report.problems.iter().any(|p| p.contains("not signed")), "{:?}", report.problems);
}

#[test]
fn the_anchor_survives_a_passphrase_change_and_a_key_rotation() {
    let (fx, _, _) = store_with_work_after_a_backup(true);
    let mut store = unlock(&fx.dir, &fx.keychain, None).unwrap().store;
    let admin = sign_in(&mut store);
    let kdf = crate::KdfParams::FAST_FOR_TESTS;
    crate::change_passphrase(&mut store, &admin, &passphrase(), "another long passphrase", kdf).unwrap();
    let next = UnlockSecret::Passphrase("another long passphrase".to_owned().into());
    crate::rotate_key(&mut store, &fx.keychain, &admin, &next, "another long passphrase", kdf).unwrap();
    let backup = store.backup(&admin, &fx.dir.backups().join("after-rotation.cbbackup")).unwrap().path;
    add_user(&mut store, &admin, "zed").unwrap();
    drop(store);
    // The key file's copy, carried through both rewrites and sealed under the new key, still catches
    // the older database (the keychain is left out, so only the key file can).
    roll_back(&fx, &backup, false);
    let u = unlock(&fx.dir, &crate::Keychain::off(), Some(&next)).unwrap();
    assert_eq!(u.behind.expect("behind the key file's anchor").kept_in, AnchorCopy::KeyFile);
}
