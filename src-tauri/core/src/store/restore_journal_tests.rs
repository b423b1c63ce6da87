//! A restore stopped between any two of its steps, as a crash would stop it: the next open finishes
//! it, and `init` never writes over what is left in the folder.

use zeroize::Zeroizing;

use super::restore_journal::{FAIL_AFTER, JOURNAL, STAGED_DB, STAGED_KEYS};
use crate::keys::KeyFile;
use crate::testing::{Fixture, ADMIN_PASSWORD, PASSPHRASE};
use crate::{init, restore, unlock, Error, InitOptions, KdfParams, Keychain, UnlockSecret};

fn secret() -> UnlockSecret {
    UnlockSecret::Passphrase(Zeroizing::new(PASSPHRASE.into()))
}

/// A store in `fx` and a backup of another store (another data key, another id); returns the two ids.
fn store_and_foreign_backup(fx: &Fixture, other: &Fixture) -> (String, String, std::path::PathBuf) {
    let here = fx.init().store.store_id().to_owned();
    let mut theirs = other.init();
    let out = other.tmp.path().join("theirs.cbbackup");
    theirs.store.backup(&theirs.admin, &out).unwrap();
    (here, theirs.store.store_id().to_owned(), out)
}

fn init_again(fx: &Fixture) -> Result<crate::Initialised, Error> {
    init(
        &fx.dir,
        &Keychain::off(),
        &InitOptions {
            centre_name: "Another Centre",
            admin_username: "admin",
            admin_password: ADMIN_PASSWORD,
            passphrase: PASSPHRASE,
            kdf: KdfParams::FAST_FOR_TESTS,
        },
    )
}

#[test]
fn a_restore_stopped_after_any_step_is_finished_by_the_next_open() {
    // (step, whether the journal was written by then: the swap is finished rather than never begun)
    for (step, journalled) in
        [("staged", false), ("journal", true), ("moved", true), ("keys", true), ("database", true)]
    {
        let (fx, other) = (Fixture::new(false), Fixture::new(false));
        let (here, theirs, backup) = store_and_foreign_backup(&fx, &other);
        let kc = Keychain::off();
        let old_keys = std::fs::read(fx.dir.keys()).unwrap();

        FAIL_AFTER.with(|f| f.set(Some(step)));
        let err = restore(&fx.dir, &kc, &backup, Some(&secret()), "admin", ADMIN_PASSWORD).unwrap_err();
        assert!(matches!(err, Error::Internal(_)), "{step}: {err:?}");
        assert_eq!(fx.dir.path().join(JOURNAL).exists(), journalled, "{step}");

        // However far it got, the folder is not mistaken for an empty one.
        assert!(fx.dir.is_initialised(), "{step}");
        let refused = init_again(&fx).unwrap_err();
        assert!(matches!(refused, Error::AlreadyInitialised(_) | Error::InitRefused { .. }), "{step}: {refused:?}");

        let mut u = unlock(&fx.dir, &kc, Some(&secret())).unwrap_or_else(|e| panic!("{step}: {e:?}"));
        let expected = if journalled { &theirs } else { &here };
        assert_eq!(u.store.store_id(), expected, "{step}");
        for left in [JOURNAL, STAGED_DB, STAGED_KEYS] {
            assert!(!fx.dir.path().join(left).exists(), "{step}: {left} left behind");
        }
        assert_eq!(KeyFile::read(&fx.dir.keys()).unwrap().store_id, *expected, "{step}");
        let admin = u.store.login("admin", ADMIN_PASSWORD).unwrap();
        assert!(crate::audit::verify(&u.store, &admin).unwrap().is_intact(), "{step}");
        // A restore in place is on the record, however far it got before the crash.
        let entries: i64 = u
            .store
            .conn()
            .query_row("SELECT count(*) FROM audit WHERE action = 'backup.restore'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(entries, i64::from(journalled), "{step}: the restore's audit entry");
        drop(u);

        // The replaced store is whole where the journal said: its database and its only key wraps.
        let replaced: Vec<_> =
            std::fs::read_dir(fx.dir.backups()).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        if journalled {
            assert_eq!(replaced.len(), 1, "{step}: {replaced:?}");
            assert_eq!(std::fs::read(replaced[0].join("centrebook.keys")).unwrap(), old_keys, "{step}");
            assert!(replaced[0].join("centrebook.db").exists(), "{step}");
        } else {
            assert!(replaced.is_empty(), "{step}: nothing moved before the journal: {replaced:?}");
            // The same wraps; only the audit anchor in it has moved on with the sign-in since.
            assert_eq!(wraps(&std::fs::read(fx.dir.keys()).unwrap()), wraps(&old_keys), "{step}");
        }
    }
}

#[test]
fn a_second_restore_finishes_the_interrupted_one_first() {
    let (fx, other) = (Fixture::new(false), Fixture::new(false));
    let (_, theirs, backup) = store_and_foreign_backup(&fx, &other);
    let kc = Keychain::off();
    FAIL_AFTER.with(|f| f.set(Some("moved")));
    restore(&fx.dir, &kc, &backup, Some(&secret()), "admin", ADMIN_PASSWORD).unwrap_err();
    assert!(!fx.dir.db().exists(), "stopped with the old database moved out and the new one not in");
    let report = restore(&fx.dir, &kc, &backup, Some(&secret()), "admin", ADMIN_PASSWORD).unwrap();
    assert_eq!(report.store_id, theirs);
    assert!(!fx.dir.path().join(JOURNAL).exists());
}

#[test]
fn init_refuses_a_folder_with_a_key_file_a_restore_in_progress_or_replaced_stores() {
    // The state the crash used to leave: a key file, no database.
    let fx = Fixture::new(false);
    drop(fx.init());
    std::fs::remove_file(fx.dir.db()).unwrap();
    let keys = std::fs::read(fx.dir.keys()).unwrap();
    let err = init_again(&fx).unwrap_err();
    assert!(matches!(&err, Error::InitRefused { reason, .. } if reason.contains("key file")), "{err:?}");
    assert_eq!(std::fs::read(fx.dir.keys()).unwrap(), keys, "the key file is untouched");

    // Stores a restore set aside, and nothing else.
    std::fs::remove_file(fx.dir.keys()).unwrap();
    std::fs::create_dir_all(fx.dir.backups().join("replaced-20260101T000000Z")).unwrap();
    let err = init_again(&fx).unwrap_err();
    assert!(matches!(&err, Error::InitRefused { reason, .. } if reason.contains("replaced")), "{err:?}");

    // An unreadable journal is not taken for an empty folder either.
    let fx = Fixture::new(false);
    std::fs::create_dir_all(fx.dir.path()).unwrap();
    std::fs::write(fx.dir.path().join(JOURNAL), b"not json").unwrap();
    assert!(init_again(&fx).is_err());
    let err = unlock(&fx.dir, &Keychain::off(), Some(&secret())).unwrap_err();
    assert!(matches!(err, Error::CorruptStore { .. }), "{err:?}");
}

/// A key file's contents without its audit anchor (which moves with every write).
fn wraps(keys: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(keys).unwrap();
    v.as_object_mut().unwrap().remove("anchor");
    v
}
