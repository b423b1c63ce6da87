//! Rolled-back copies (issue 12, finding 3) through the command: yesterday's database taken out of
//! the automatic backup in `backups/` and copied over the live one is reported at open, refused
//! writes (exit 14), fails `audit verify` (exit 14, naming both positions), and works again once an
//! admin accepts it with a reason read from standard input.

mod common;

use std::io::Read;

use common::*;

fn add_user(dir: &std::path::Path, name: &str) -> std::process::Output {
    let mut env = AS_ADMIN.to_vec();
    env.push(("CENTREBOOK_NEW_PASSWORD", "a new user password 1"));
    centrebook(dir, &["user", "add", name, "--role", "office"], &env)
}

#[test]
fn an_older_database_out_of_backups_is_caught_refused_and_accepted_only_by_an_admin() {
    let (_tmp, dir, _) = initialised();
    assert!(add_user(&dir, "olly").status.success());
    json(&dir, &["backup", "--daily"], AS_ADMIN);
    assert!(add_user(&dir, "tess").status.success());
    assert!(add_user(&dir, "ruth").status.success());
    let head = json(&dir, &["audit", "list", "--limit", "1"], AS_ADMIN)[0]["seq"].as_i64().unwrap();

    // Someone copies yesterday's database out of the automatic backup over the live one.
    let backup = std::fs::read_dir(dir.join("backups"))
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("auto-"));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(backup.unwrap().path()).unwrap()).unwrap();
    let mut old_db = Vec::new();
    zip.by_name("centrebook.db").unwrap().read_to_end(&mut old_db).unwrap();
    std::fs::write(dir.join("centrebook.db"), old_db).unwrap();

    let check = json(&dir, &["unlock", "--check"], &[("CENTREBOOK_PASSPHRASE", PASSPHRASE)]);
    let behind = &check["behind"];
    assert_eq!(behind["anchor_seq"].as_i64(), Some(head), "{check}");
    assert_eq!(behind["kept_in"], "key-file");
    let database = behind["database_seq"].as_i64().unwrap();
    assert!(database < head);

    let refused = add_user(&dir, "zed");
    assert_eq!(refused.status.code(), Some(14), "{:?}", text(&refused));
    assert!(text(&refused).1.contains("accepts this copy"), "{:?}", text(&refused));

    let verify = centrebook(&dir, &["audit", "verify"], AS_ADMIN);
    assert_eq!(verify.status.code(), Some(14), "{:?}", text(&verify));
    let said = text(&verify).0;
    // Both positions, by number and date (the sign-ins since are recorded on the copy too).
    assert!(
        said.contains("its audit log ends at entry") && said.contains(&format!("recorded entry {head} (")),
        "{said}"
    );

    // Only an admin accepts, with a reason from standard input.
    let accepted =
        centrebook_input(&dir, &["audit", "accept-copy"], AS_ADMIN, "the laptop's disk died; this is our copy\n");
    assert!(accepted.status.success(), "{:?}", text(&accepted));
    assert!(centrebook(&dir, &["audit", "verify"], AS_ADMIN).status.success());
    assert!(add_user(&dir, "zed").status.success());
    let last = json(&dir, &["audit", "list", "--entity", "store", "--limit", "1"], AS_ADMIN);
    assert_eq!(last[0]["action"], "store.accept_copy", "{last}");
}

#[test]
fn only_an_admin_may_accept_a_copy() {
    let (_tmp, dir, _) = initialised();
    assert!(add_user(&dir, "olly").status.success());
    let old_db = std::fs::read(dir.join("centrebook.db")).unwrap();
    assert!(add_user(&dir, "tess").status.success());
    std::fs::write(dir.join("centrebook.db"), old_db).unwrap();
    let office = [
        ("CENTREBOOK_PASSPHRASE", PASSPHRASE),
        ("CENTREBOOK_USER", "olly"),
        ("CENTREBOOK_PASSWORD", "a new user password 1"),
    ];
    let refused = centrebook_input(&dir, &["audit", "accept-copy"], &office, "mine now");
    assert_eq!(refused.status.code(), Some(4), "{:?}", text(&refused));
}
