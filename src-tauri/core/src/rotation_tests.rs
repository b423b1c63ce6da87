//! Replacing the data key (issue 12, finding 6): what an old key file can still open afterwards, and
//! what a process killed between the rotation's steps leaves for the next unlock.

use zeroize::Zeroizing;

use crate::keys::{DataKey, KeyFile, RecoveryKey};
use crate::testing::{contains, Fixture, ADMIN_PASSWORD, PASSPHRASE};
use crate::{restore, rotate_key, unlock, Error, KdfParams, Keychain, NewUser, Role, UnlockMethod, UnlockSecret};

fn passphrase(p: &str) -> UnlockSecret {
    UnlockSecret::Passphrase(Zeroizing::new(p.into()))
}

fn recovery(r: &str) -> UnlockSecret {
    UnlockSecret::RecoveryKey(Zeroizing::new(r.into()))
}

fn audit_actions(store: &crate::Store) -> Vec<(String, String, Vec<u8>)> {
    let mut q =
        store.conn().prepare("SELECT action, actor_name, coalesce(changes, x'') FROM audit ORDER BY seq").unwrap();
    q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|r| r.unwrap()).collect()
}

#[test]
fn after_a_rotation_an_old_key_file_and_the_old_secrets_no_longer_open_the_store() {
    let fx = Fixture::new(true);
    let mut init = fx.init();
    let admin = init.admin.clone();
    let old_recovery = init.recovery_key.display().to_string();
    let new =
        NewUser { username: "tess", display_name: "Kept-Marker-88", role: Role::Trainer, password: "trainer pass 1" };
    init.store.add_user(&admin, &new).unwrap();
    let backup = fx.tmp.path().join("before.cbbak");
    init.store.backup(&admin, &backup).unwrap();
    let old_key_file = std::fs::read(fx.dir.keys()).unwrap();

    // The same passphrase is kept: rotation alone must still shut out the old key file.
    let rotated = rotate_key(
        &mut init.store,
        &fx.keychain,
        &admin,
        &passphrase(PASSPHRASE),
        PASSPHRASE,
        KdfParams::FAST_FOR_TESTS,
    )
    .unwrap();
    assert!(rotated.keychain_note.is_none());
    let new_recovery = rotated.recovery_key.display().to_string();
    assert_ne!(new_recovery, old_recovery);
    // The open store goes on working under the new key.
    assert!(init.store.users(&admin).unwrap().iter().any(|u| u.display_name == "Kept-Marker-88"));
    let entries = audit_actions(&init.store);
    let (action, actor, changes) = entries.last().unwrap();
    assert_eq!((action.as_str(), actor.as_str()), ("key.rotate", "admin"));
    for secret in [new_recovery.as_str(), old_recovery.as_str(), PASSPHRASE] {
        assert!(!contains(changes, secret), "the audit entry holds no secret");
    }
    crate::audit::verify(&init.store, &admin).unwrap();
    drop(init);

    let off = Keychain::off();
    // An old key file (as every earlier backup holds) with the old passphrase or recovery key.
    let new_key_file = std::fs::read(fx.dir.keys()).unwrap();
    std::fs::write(fx.dir.keys(), &old_key_file).unwrap();
    for secret in [passphrase(PASSPHRASE), recovery(&old_recovery)] {
        let err = unlock(&fx.dir, &off, Some(&secret)).unwrap_err();
        assert!(matches!(err, Error::CorruptStore { .. }), "{err:?}");
    }
    std::fs::write(fx.dir.keys(), &new_key_file).unwrap();
    assert!(matches!(unlock(&fx.dir, &off, Some(&recovery(&old_recovery))), Err(Error::WrongRecoveryKey)));

    // The new recovery key, the passphrase and the keychain (which got the new key) open it.
    let by_recovery = unlock(&fx.dir, &off, Some(&recovery(&new_recovery))).unwrap();
    assert_eq!(by_recovery.method, UnlockMethod::RecoveryKey);
    drop(by_recovery);
    drop(unlock(&fx.dir, &off, Some(&passphrase(PASSPHRASE))).unwrap());
    let silent = unlock(&fx.dir, &fx.keychain, None).unwrap();
    assert_eq!(silent.method, UnlockMethod::Keychain);
    drop(silent);

    // A backup made before the rotation still restores with its own key file and old passphrase.
    restore(&fx.dir, &off, &backup, Some(&passphrase(PASSPHRASE)), "admin", ADMIN_PASSWORD).unwrap();
    let mut back = unlock(&fx.dir, &off, Some(&passphrase(PASSPHRASE))).unwrap().store;
    let admin = back.login("admin", ADMIN_PASSWORD).unwrap();
    assert!(back.users(&admin).unwrap().iter().any(|u| u.display_name == "Kept-Marker-88"));
}

#[test]
fn a_passphrase_change_can_replace_the_key_too_and_only_admins_rotate() {
    let fx = Fixture::new(false);
    let mut init = fx.init();
    let admin = init.admin.clone();
    let new = NewUser { username: "olly", display_name: "Olly", role: Role::Office, password: "office pass 1" };
    init.store.add_user(&admin, &new).unwrap();
    let olly = init.store.login("olly", "office pass 1").unwrap();
    let kc = Keychain::off();
    let err = rotate_key(&mut init.store, &kc, &olly, &passphrase(PASSPHRASE), PASSPHRASE, KdfParams::FAST_FOR_TESTS)
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { role: Role::Office, .. }), "{err:?}");
    let err =
        rotate_key(&mut init.store, &kc, &admin, &passphrase("not it at all"), PASSPHRASE, KdfParams::FAST_FOR_TESTS)
            .unwrap_err();
    assert!(matches!(err, Error::WrongPassphrase), "{err:?}");
    // Another connection holds the old key: the rotation is refused and nothing changes.
    let other = init.store.reopen().unwrap();
    let keys_before = std::fs::read(fx.dir.keys()).unwrap();
    let err = rotate_key(
        &mut init.store,
        &kc,
        &admin,
        &passphrase(PASSPHRASE),
        "a brand new passphrase",
        KdfParams::FAST_FOR_TESTS,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Busy(_)), "{err:?}");
    assert_eq!(std::fs::read(fx.dir.keys()).unwrap(), keys_before);
    drop(other);
    rotate_key(
        &mut init.store,
        &kc,
        &admin,
        &passphrase(PASSPHRASE),
        "a brand new passphrase",
        KdfParams::FAST_FOR_TESTS,
    )
    .unwrap();
    drop(init);
    assert!(matches!(unlock(&fx.dir, &kc, Some(&passphrase(PASSPHRASE))), Err(Error::WrongPassphrase)));
    unlock(&fx.dir, &kc, Some(&passphrase("a brand new passphrase"))).unwrap();
}

/// Leaves `fx`'s store as a process killed during a rotation would: the new wraps written beside the
/// old, and the database rekeyed or not. Returns the new recovery key.
fn interrupted_rotation(fx: &Fixture, rekeyed: bool) -> String {
    let init = fx.init();
    let mut store = init.store;
    let mut file = KeyFile::read(&fx.dir.keys()).unwrap();
    let (current, _) = passphrase(PASSPHRASE).data_key(&file).unwrap();
    let next = DataKey::random().unwrap();
    let rk = RecoveryKey::random().unwrap();
    file.begin_rotation(&current, &next, "the next passphrase", &rk, KdfParams::FAST_FOR_TESTS).unwrap();
    file.write(&fx.dir.keys()).unwrap();
    if rekeyed {
        store.rekey(&next).unwrap();
    }
    drop(store);
    rk.display().to_string()
}

#[test]
fn a_rotation_killed_after_the_rekey_is_finished_at_the_next_unlock() {
    let fx = Fixture::new(false);
    let new_recovery = interrupted_rotation(&fx, true);
    let kc = Keychain::off();
    // The old passphrase still reaches the old key, which opens the new one from the pending wraps.
    let opened = unlock(&fx.dir, &kc, Some(&passphrase(PASSPHRASE))).unwrap();
    assert!(opened.keychain_note.as_deref().unwrap_or("").contains("finished"), "{:?}", opened.keychain_note);
    let entries = audit_actions(&opened.store);
    let (action, actor, _) = entries.last().unwrap();
    assert_eq!((action.as_str(), actor.as_str()), ("key.rotate", "(Centrebook: key rotation finished at unlock)"));
    drop(opened);
    assert!(matches!(unlock(&fx.dir, &kc, Some(&passphrase(PASSPHRASE))), Err(Error::WrongPassphrase)));
    drop(unlock(&fx.dir, &kc, Some(&passphrase("the next passphrase"))).unwrap());
    drop(unlock(&fx.dir, &kc, Some(&recovery(&new_recovery))).unwrap());
}

#[test]
fn a_rotation_killed_before_the_rekey_is_undone_at_the_next_unlock() {
    let fx = Fixture::new(false);
    let new_recovery = interrupted_rotation(&fx, false);
    let kc = Keychain::off();
    let opened = unlock(&fx.dir, &kc, Some(&passphrase(PASSPHRASE))).unwrap();
    assert!(opened.keychain_note.as_deref().unwrap_or("").contains("undone"), "{:?}", opened.keychain_note);
    drop(opened);
    drop(unlock(&fx.dir, &kc, Some(&passphrase(PASSPHRASE))).unwrap());
    assert!(matches!(unlock(&fx.dir, &kc, Some(&recovery(&new_recovery))), Err(Error::WrongRecoveryKey)));
}

/// The actions and actors of the entries about the store (the key file's changes among them).
fn store_entries(store: &crate::Store) -> Vec<(String, String)> {
    audit_actions(store).into_iter().filter(|(a, ..)| a != "login").map(|(a, who, _)| (a, who)).collect()
}

#[test]
fn a_passphrase_change_stopped_after_its_key_file_is_audited_at_the_next_unlock() {
    let fx = Fixture::new(false);
    let mut init = fx.init();
    let admin = init.admin.clone();
    let before = store_entries(&init.store).len();
    // As a crash leaves it: the key file replaced, its transaction (and audit entry) not committed.
    crate::unlock::STOP_AFTER_KEY_FILE.with(|s| s.set(true));
    let stopped = crate::change_passphrase(
        &mut init.store,
        &admin,
        &passphrase(PASSPHRASE),
        "the next passphrase",
        KdfParams::FAST_FOR_TESTS,
    );
    assert!(matches!(stopped, Err(Error::Internal(_))), "{stopped:?}");
    assert_eq!(store_entries(&init.store).len(), before, "rolled back");
    drop(init);

    let kc = Keychain::off();
    assert!(matches!(unlock(&fx.dir, &kc, Some(&passphrase(PASSPHRASE))), Err(Error::WrongPassphrase)));
    let opened = unlock(&fx.dir, &kc, Some(&passphrase("the next passphrase"))).unwrap();
    let entries = store_entries(&opened.store);
    assert_eq!(entries.len(), before + 1, "{entries:?}");
    let (action, actor) = entries.last().unwrap();
    assert_eq!(action, "passphrase.change");
    assert!(actor.starts_with("(Centrebook: "), "{actor}");
    drop(opened);
    // Written once: the next unlock finds the change noted.
    let again = unlock(&fx.dir, &kc, Some(&passphrase("the next passphrase"))).unwrap();
    assert_eq!(store_entries(&again.store).len(), before + 1);
}

#[test]
fn a_rotation_stopped_after_its_last_key_file_is_audited_at_the_next_unlock() {
    let fx = Fixture::new(false);
    let mut init = fx.init();
    let admin = init.admin.clone();
    let kc = Keychain::off();
    crate::unlock::STOP_AFTER_KEY_FILE.with(|s| s.set(true));
    let stopped =
        rotate_key(&mut init.store, &kc, &admin, &passphrase(PASSPHRASE), PASSPHRASE, KdfParams::FAST_FOR_TESTS);
    assert!(matches!(stopped, Err(Error::Internal(_))), "{stopped:?}");
    drop(init);

    let opened = unlock(&fx.dir, &kc, Some(&passphrase(PASSPHRASE))).unwrap();
    let rotations: Vec<_> = store_entries(&opened.store).into_iter().filter(|(a, _)| a == "key.rotate").collect();
    assert_eq!(rotations.len(), 1, "the rotation is on the record once: {rotations:?}");
    assert!(rotations[0].1.starts_with("(Centrebook: "), "{rotations:?}");
}
