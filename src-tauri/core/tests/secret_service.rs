//! The data key in a real OS keychain (on Linux CI: GNOME Keyring's Secret Service under D-Bus).
//!
//! With `CENTREBOOK_TEST_SECRET_SERVICE=required` (as `.ci/test` sets it) the keychain must work
//! and the test fails otherwise; without it, on a machine with no keychain, the test says so and
//! checks only that the absence is reported as unavailable rather than as a missing key.

use centrebook_core::keys::KeychainLookup;
use centrebook_core::{init, unlock, DataDir, Error, InitOptions, KdfParams, Keychain, UnlockMethod};

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
