//! `centrebook key rotate` and `passphrase change --replace-key`: after either, the key file from
//! before (as every earlier backup holds) no longer opens the store; the new recovery key does.

mod common;

use common::*;

#[test]
fn key_rotate_shuts_out_the_old_key_file_and_prints_a_working_recovery_key() {
    let (_tmp, dir, old_rk) = initialised();
    let keys = dir.join("centrebook.keys");
    let old_keys = std::fs::read(&keys).unwrap();
    let rotated = json(&dir, &["key", "rotate"], AS_ADMIN);
    let new_rk = rotated["recovery_key"].as_str().unwrap().to_string();
    assert_ne!(new_rk, old_rk);
    let unlock_with = |k: &str, v: &str| centrebook(&dir, &["unlock", "--check"], &[(k, v)]);
    assert!(unlock_with("CENTREBOOK_RECOVERY_KEY", &new_rk).status.success());
    assert!(unlock_with("CENTREBOOK_PASSPHRASE", PASSPHRASE).status.success(), "the passphrase stays");
    assert!(!unlock_with("CENTREBOOK_RECOVERY_KEY", &old_rk).status.success());
    let new_keys = std::fs::read(&keys).unwrap();
    std::fs::write(&keys, &old_keys).unwrap();
    let stale = unlock_with("CENTREBOOK_PASSPHRASE", PASSPHRASE);
    assert!(!stale.status.success(), "{:?}", text(&stale));
    std::fs::write(&keys, &new_keys).unwrap();
    let audit = centrebook(&dir, &["audit", "verify"], AS_ADMIN);
    assert!(audit.status.success(), "{:?}", text(&audit));

    let mut env = AS_ADMIN.to_vec();
    env.push(("CENTREBOOK_NEW_PASSPHRASE", "the new passphrase"));
    let changed = centrebook(&dir, &["passphrase", "change", "--replace-key"], &env);
    assert!(changed.status.success(), "{:?}", text(&changed));
    let said = text(&changed).0;
    assert!(said.contains("NEW RECOVERY KEY"), "{said}");
    std::fs::write(&keys, &new_keys).unwrap();
    assert!(!unlock_with("CENTREBOOK_PASSPHRASE", PASSPHRASE).status.success());
}

#[test]
fn key_recover_identity_opens_the_copy_under_the_current_recovery_key_only() {
    let (_tmp, dir, old_rk) = initialised();
    let with = |rk: &str| {
        let mut env = AS_ADMIN.to_vec();
        env.push(("CENTREBOOK_RECOVERY_KEY", rk));
        centrebook(&dir, &["--json", "key", "recover-identity"], &env)
    };
    let out = with(&old_rk);
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["recovered"], true);
    // A rotation wraps the identity key under the new recovery key; the old one no longer opens it.
    let new_rk = json(&dir, &["key", "rotate"], AS_ADMIN)["recovery_key"].as_str().unwrap().to_string();
    let refused = with(&old_rk);
    assert_eq!(refused.status.code(), Some(3), "{:?}", text(&refused));
    assert!(with(&new_rk).status.success());
}
