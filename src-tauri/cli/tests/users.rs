//! `centrebook user password`, `user reset-password` and `user role` on a real store: passwords only
//! from the environment (never arguments), a reset forcing a change before anything else, and every
//! change in the audit log without the passwords.

mod common;
use common::*;

fn as_user<'a>(user: &'a str, password: &'a str) -> [(&'a str, &'a str); 3] {
    [("CENTREBOOK_PASSPHRASE", PASSPHRASE), ("CENTREBOOK_USER", user), ("CENTREBOOK_PASSWORD", password)]
}

#[test]
fn own_password_reset_and_role_through_the_command_line() {
    let (_tmp, dir, _) = initialised();
    let mut env = AS_ADMIN.to_vec();
    env.push(("CENTREBOOK_NEW_PASSWORD", "trainer password"));
    assert!(centrebook(&dir, &["user", "add", "tess", "--role", "trainer"], &env).status.success());

    // Her own password: the current one is required, the new one comes from the environment.
    let mut change = as_user("tess", "not her password").to_vec();
    change.push(("CENTREBOOK_NEW_PASSWORD", "tess's new password"));
    let wrong = centrebook(&dir, &["user", "password"], &change);
    assert_eq!(wrong.status.code(), Some(3), "{:?}", text(&wrong));
    let mut change = as_user("tess", "trainer password").to_vec();
    change.push(("CENTREBOOK_NEW_PASSWORD", "tess's new password"));
    let changed = centrebook(&dir, &["user", "password"], &change);
    assert!(changed.status.success(), "{:?}", text(&changed));
    assert!(text(&changed).0.contains("Password changed for tess"));
    assert_eq!(centrebook(&dir, &["run", "list"], &as_user("tess", "trainer password")).status.code(), Some(3));
    assert!(centrebook(&dir, &["run", "list"], &as_user("tess", "tess's new password")).status.success());

    // An admin's reset: printed once; the old password stops working; the new one signs in but
    // nothing runs until she has chosen her own.
    let reset = json(&dir, &["user", "reset-password", "tess"], AS_ADMIN);
    let temp = reset["password"].as_str().unwrap().to_owned();
    assert_eq!(temp.len(), 14);
    assert_eq!(centrebook(&dir, &["run", "list"], &as_user("tess", "tess's new password")).status.code(), Some(3));
    let refused = centrebook(&dir, &["run", "list"], &as_user("tess", &temp));
    assert_eq!(refused.status.code(), Some(3));
    assert!(text(&refused).1.contains("choose a new one"), "{:?}", text(&refused));
    let mut change = as_user("tess", &temp).to_vec();
    change.push(("CENTREBOOK_NEW_PASSWORD", "tess's own password"));
    assert!(centrebook(&dir, &["user", "password"], &change).status.success());
    assert!(centrebook(&dir, &["run", "list"], &as_user("tess", "tess's own password")).status.success());
    let own = centrebook(&dir, &["user", "reset-password", "admin"], AS_ADMIN);
    assert_eq!(own.status.code(), Some(5), "{:?}", text(&own));

    // Roles: admins only, never their own.
    let tess = as_user("tess", "tess's own password");
    assert_eq!(centrebook(&dir, &["user", "role", "tess", "--role", "admin"], &tess).status.code(), Some(4));
    let made = json(&dir, &["user", "role", "tess", "--role", "office"], AS_ADMIN);
    assert_eq!(made[0]["role"], "office");
    let own = centrebook(&dir, &["user", "role", "admin", "--role", "office"], AS_ADMIN);
    assert_eq!(own.status.code(), Some(5));
    assert!(text(&own).1.contains("your own role"), "{:?}", text(&own));
    let bad = centrebook(&dir, &["user", "role", "tess", "--role", "boss"], AS_ADMIN);
    assert_eq!(bad.status.code(), Some(5));

    let entries = json(&dir, &["audit", "list", "--entity", "user"], AS_ADMIN);
    let actions: Vec<&str> = entries.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in ["user.password", "user.password_reset", "user.role"] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    let all = entries.to_string();
    for secret in ["trainer password", "tess's new password", "tess's own password", temp.as_str(), "argon2"] {
        assert!(!all.contains(secret), "the audit log holds a password");
    }
}
