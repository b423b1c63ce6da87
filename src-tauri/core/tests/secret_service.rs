//! The data key in a real OS keychain (on Linux CI: GNOME Keyring's Secret Service under D-Bus).
//!
//! With `CENTREBOOK_TEST_SECRET_SERVICE=required` (as `.ci/test` sets it) the keychain must work
//! and the test fails otherwise; without it, on a machine with no keychain, the test says so and
//! checks only that the absence is reported as unavailable rather than as a missing key.

use centrebook_core::keys::KeychainLookup;
use centrebook_core::{
    init, unlock, AnchorCopy, DataDir, Error, InitOptions, KdfParams, Keychain, NewUser, Role, UnlockMethod,
};

#[test]
fn the_key_is_stored_read_and_deleted_in_the_os_keychain() {
    let required = std::env::var("CENTREBOOK_TEST_SECRET_SERVICE").is_ok_and(|v| v == "required");
    let keychain = Keychain::os();
    let probe = format!("probe-{}", centrebook_core::Id::new());
    match keychain.load(&probe) {
        KeychainLookup::Missing => {}
        KeychainLookup::Unavailable(why) if !required => {
            eprintln!("no OS keychain here ({why}); set CENTREBOOK_TEST_SECRET_SERVICE=required to insist");
            return;
        }
        other => {
            panic!("the OS keychain should answer 'missing' for an unknown store, got {other:?}")
        }
    }

    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(tmp.path().join("data"));
    let made = init(
        &dir,
        &keychain,
        &InitOptions {
            centre_name: "Keychain Centre",
            admin_username: "admin",
            admin_password: "admin password",
            passphrase: "keychain test passphrase",
            kdf: KdfParams::FAST_FOR_TESTS,
        },
    )
    .unwrap();
    assert!(made.keychain_note.is_none(), "{:?}", made.keychain_note);
    let store_id = made.store.store_id().to_owned();
    drop(made);

    // A fresh handle, as a new process would have: the key comes back from the Secret Service.
    let fresh = Keychain::os();
    assert!(matches!(fresh.load(&store_id), KeychainLookup::Found(_)));
    let u = unlock(&dir, &fresh, None).unwrap();
    assert_eq!(u.method, UnlockMethod::Keychain);
    drop(u);

    fresh.forget(&store_id).unwrap();
    assert!(matches!(Keychain::os().load(&store_id), KeychainLookup::Missing));
    assert!(matches!(unlock(&dir, &Keychain::os(), None), Err(Error::KeychainEntryMissing)));
}

/// The keychain's copy of the audit anchor catches the database and the key file put back together
/// (as every backup holds them), which the key file's own copy cannot.
#[test]
fn the_database_and_key_file_put_back_together_are_caught_by_the_os_keychain() {
    let required = std::env::var("CENTREBOOK_TEST_SECRET_SERVICE").is_ok_and(|v| v == "required");
    let keychain = Keychain::os();
    if let KeychainLookup::Unavailable(why) = keychain.load(&format!("probe-{}", centrebook_core::Id::new())) {
        assert!(!required, "the OS keychain is required here: {why}");
        eprintln!("no OS keychain here ({why}); set CENTREBOOK_TEST_SECRET_SERVICE=required to insist");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(tmp.path().join("data"));
    let opts = InitOptions {
        centre_name: "Keychain Centre",
        admin_username: "admin",
        admin_password: "admin password",
        passphrase: "keychain test passphrase",
        kdf: KdfParams::FAST_FOR_TESTS,
    };
    let made = init(&dir, &keychain, &opts).unwrap();
    let (mut store, admin) = (made.store, made.admin);
    let store_id = store.store_id().to_owned();
    drop(store);
    let (db, keys) = (dir.path().join("centrebook.db"), dir.path().join("centrebook.keys"));
    let (old_db, old_keys) = (std::fs::read(&db).unwrap(), std::fs::read(&keys).unwrap());
    store = unlock(&dir, &Keychain::os(), None).unwrap().store;
    let user = NewUser { username: "olly", display_name: "olly", role: Role::Office, password: "a password 1" };
    store.add_user(&admin, &user).unwrap();
    drop(store);
    std::fs::write(&db, old_db).unwrap();
    std::fs::write(&keys, old_keys).unwrap();

    let behind = unlock(&dir, &Keychain::os(), None).unwrap().behind;
    Keychain::os().forget(&store_id).unwrap();
    assert_eq!(behind.expect("the keychain's anchor is ahead of both files").kept_in, AnchorCopy::Keychain);
}
