//! The identity key against a colleague on the same OS login: the database opened with the data key
//! alone holds no identifier, a trainer's session holds no key, and admin and office work goes on.

use super::*;
use crate::records::{CandidateForm, Registered};
use crate::testing::{self, today, world};
use crate::{NewUser, Store};

/// The marker values: none may be found in the clear anywhere in the file.
const NI: &str = "JK901234A";
const DOB_UK: &str = "03/04/1971";
const DOB_ISO: &str = "1971-04-03";
const STREET: &str = "17 Quillfeather Row";
const POSTCODE: &str = "YO31 7QX";
const NOTE: &str = "Uses a hearing loop (marker 7Q)";

fn marked() -> CandidateForm {
    CandidateForm {
        ni_number: Some("jk 90 12 34 a".into()),
        date_of_birth: Some(DOB_UK.into()),
        address: Some(format!("{STREET}\nYork")),
        postcode: Some("yo317qx".into()),
        ..testing::person("Mair", "Quillfeather", None)
    }
}

/// Every text and blob cell of every table of the file, read as a colleague would: SQLCipher keyed
/// with the raw data key, nothing else; and the audit's before/after values, which are sealed per
/// subject under keys the same file holds, so the colleague opens them too. Each as `(where, bytes)`.
fn cells_of_file(store: &Store) -> Vec<(String, Vec<u8>)> {
    let conn = rusqlite::Connection::open(store.dir().db()).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", crate::crypto::hex(store.data_key_for_tests().as_bytes())))
        .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut cells = Vec::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for (i, name) in names.iter().enumerate() {
                if let rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) = row.get_ref(i).unwrap()
                {
                    cells.push((format!("{t}.{name}"), b.to_vec()));
                }
            }
        }
    }
    let mut stmt = conn
        .prepare(
            "SELECT a.id, a.changes, k.key FROM audit a JOIN subject_keys k ON k.subject_id = coalesce(a.entity_id, '-')
             WHERE a.changes IS NOT NULL",
        )
        .unwrap();
    let rows =
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Vec<u8>>(2)?))).unwrap();
    for row in rows {
        let (id, sealed, key) = row.unwrap();
        let key = crate::crypto::SecretKey::from_bytes(&key).unwrap();
        let plain = crate::crypto::open(&key, &sealed, id.as_bytes()).expect("a colleague opens the audit values");
        cells.push((format!("audit entry {id}"), plain.to_vec()));
    }
    cells
}

/// Where in the file any of `needles` is found (text in any case; bytes exactly).
fn found_in_file(store: &Store, needles: &[&str]) -> Vec<String> {
    let needles: Vec<String> = needles.iter().map(|n| n.to_lowercase()).collect();
    let mut hits = Vec::new();
    for (at, bytes) in cells_of_file(store) {
        let bytes = bytes.to_ascii_lowercase();
        for n in &needles {
            if bytes.windows(n.len()).any(|w| w == n.as_bytes()) {
                hits.push(format!("{at} holds {n}"));
            }
        }
    }
    hits
}

fn bytes_in_file(store: &Store, secret: &[u8]) -> Vec<String> {
    let hex = crate::crypto::hex(secret);
    cells_of_file(store)
        .into_iter()
        .filter(|(_, b)| {
            b.windows(secret.len()).any(|w| w == secret)
                || b.to_ascii_lowercase().windows(hex.len()).any(|w| w == hex.as_bytes())
        })
        .map(|(at, _)| at)
        .collect()
}

const MARKERS: [&str; 6] = [NI, "JK 90 12 34 A", DOB_ISO, DOB_UK, STREET, POSTCODE];

#[test]
fn the_file_opened_with_the_data_key_alone_holds_no_identifier_and_the_office_still_reads_them() {
    let mut w = world();
    let office = w.office.clone();
    let Registered::Created { candidate, .. } = w.store.register_candidate(&office, &marked(), today(), false).unwrap()
    else {
        panic!("registered")
    };
    let admin = w.admin.clone();
    w.store.set_special_category(&admin, candidate.id, Some(NOTE), "signed form").unwrap();
    let hits = found_in_file(&w.store, &[&MARKERS[..], &[NOTE]].concat());
    assert!(hits.is_empty(), "a colleague with the data key reads: {hits:?}");
    assert_eq!(w.store.special_category(&admin, candidate.id).unwrap().unwrap().notes, NOTE);

    // Admin and office read them back through their sessions' key.
    for who in [&w.admin.clone(), &office] {
        let ids = w.store.candidate_identifiers(who, candidate.id).unwrap();
        assert_eq!(ids.ni_number.unwrap().as_ref(), NI);
        assert_eq!(ids.date_of_birth.unwrap().to_string(), DOB_ISO);
        assert_eq!(ids.address.as_deref(), Some(&*format!("{STREET}\nYork")));
        assert_eq!(ids.postcode.unwrap().to_string(), POSTCODE);
    }
    // The duplicate checks and exact NI search work through the keyed hashes.
    let again = w.store.register_candidate(&office, &marked(), today(), false).unwrap();
    assert!(matches!(again, Registered::PossibleDuplicates { .. }), "the same NI number is found");
    let same_dob_postcode = CandidateForm { ni_number: None, ..marked() };
    let found = w.store.register_candidate(&office, &same_dob_postcode, today(), false).unwrap();
    let Registered::PossibleDuplicates { matches } = found else { panic!("surname, date of birth and postcode match") };
    assert!(matches[0].reasons.contains(&crate::records::MatchReason::SurnameDobPostcode));
    let hits: Vec<_> = w.store.search_candidates(&office, "JK 90 12 34 A", 5).unwrap();
    assert_eq!(hits.iter().map(|c| c.id).collect::<Vec<_>>(), [candidate.id]);
    // The admin's trail still reads the values the entry recorded.
    let trail = w.store.candidate_trail(&w.admin.clone(), candidate.id, 10).unwrap();
    let ni = trail
        .iter()
        .flat_map(|e| e.changes.iter().flatten())
        .find(|c| c.field == "NI number")
        .expect("the registration's NI number");
    assert_eq!(ni.after.as_deref(), Some("JK 90 12 34 A"));
}

#[test]
fn a_trainer_session_holds_no_key_and_is_refused_as_before() {
    let mut w = world();
    let office = w.office.clone();
    let Registered::Created { candidate, .. } = w.store.register_candidate(&office, &marked(), today(), false).unwrap()
    else {
        panic!("registered")
    };
    let trainer = w.trainer.clone();
    assert!(trainer.identity().is_none(), "a trainer's session never holds the identity key");
    assert!(office.identity().is_some() && w.admin.identity().is_some());
    assert!(matches!(w.store.candidate_identifiers(&trainer, candidate.id), Err(Error::Forbidden { .. })));
    assert!(matches!(w.store.candidate_form(&trainer, candidate.id), Err(Error::Forbidden { .. })));
    assert!(w.store.search_candidates(&trainer, NI, 5).unwrap().is_empty());
    // The trainer's own wrap does not exist: nothing in the store opens for their password.
    let wrapped: Option<Vec<u8>> = w
        .store
        .conn()
        .query_row("SELECT identity_wrap FROM user_keys WHERE user_id = ?1", [trainer.id()], |r| r.get(0))
        .unwrap();
    assert!(wrapped.is_none());
}

#[test]
fn the_key_follows_accounts_granted_revoked_and_granted_again() {
    let mut w = world();
    let admin = w.admin.clone();
    // Granted at creation by an admin holding it.
    w.store
        .add_user(
            &admin,
            &NewUser { username: "owen", display_name: "Owen", role: Role::Office, password: "a password 2" },
        )
        .unwrap();
    let owen = w.store.login("owen", "a password 2").unwrap();
    assert_eq!(owen.identity().unwrap().fingerprint(), admin.identity().unwrap().fingerprint());
    // A trainer promoted to office is granted it; demoted or disabled, the wrap goes.
    w.store.set_user_role(&admin, "tess", Role::Office).unwrap();
    assert!(w.store.login("tess", "a password 1").unwrap().identity().is_some());
    w.store.set_user_role(&admin, "tess", Role::Trainer).unwrap();
    assert!(w.store.login("tess", "a password 1").unwrap().identity().is_none());
    w.store.set_user_disabled(&admin, "owen", true).unwrap();
    let wrap: Option<Vec<u8>> = w
        .store
        .conn()
        .query_row("SELECT identity_wrap FROM user_keys WHERE user_id = ?1", [owen.id()], |r| r.get(0))
        .unwrap();
    assert!(wrap.is_none(), "a disabled account keeps no wrap");
    w.store.set_user_disabled(&admin, "owen", false).unwrap();
    // A reset password: a new key pair under it, granted again; the user's own change keeps it.
    let reset = w.store.reset_password(&admin, "owen").unwrap();
    let owen = w.store.login("owen", &reset).unwrap();
    let owen = w.store.change_password(&owen, &reset, "a password 3").unwrap();
    assert!(owen.identity().is_some());
    assert!(w.store.login("owen", "a password 3").unwrap().identity().is_some());
}

/// Turns `w`'s store back into one from before the identity key: plaintext identifiers, no hashes,
/// no key pairs, no key.
fn as_before_the_upgrade(store: &Store, id: crate::Id) {
    store
        .conn()
        .execute(
            "UPDATE candidates SET ni_number = ?2, date_of_birth = ?3, address = ?4, postcode = ?5, ni_hash = NULL,
                dob_postcode_hash = NULL WHERE id = ?1",
            rusqlite::params![id, NI, DOB_ISO, format!("{STREET}\nYork"), POSTCODE],
        )
        .unwrap();
    store.conn().execute_batch("DELETE FROM user_keys; DELETE FROM meta WHERE key = 'identity_key';").unwrap();
}

#[test]
fn the_first_office_sign_in_after_the_upgrade_seals_the_plaintext_and_grants_the_others_later() {
    let mut w = world();
    let office = w.office.clone();
    let Registered::Created { candidate, .. } = w.store.register_candidate(&office, &marked(), today(), false).unwrap()
    else {
        panic!("registered")
    };
    as_before_the_upgrade(&w.store, candidate.id);
    assert!(!found_in_file(&w.store, &MARKERS).is_empty(), "the scan sees an older store's plaintext");
    // A trainer signing in first changes nothing.
    w.store.login("tess", "a password 1").unwrap();
    assert!(!found_in_file(&w.store, &MARKERS).is_empty());

    // The first office sign-in makes the key and seals every value, in one audited transaction.
    let olly = w.store.login("olly", "a password 1").unwrap();
    assert!(olly.identity().is_some());
    let hits = found_in_file(&w.store, &MARKERS);
    assert!(hits.is_empty(), "{hits:?}");
    assert_eq!(w.store.candidate_identifiers(&olly, candidate.id).unwrap().ni_number.unwrap().as_ref(), NI);
    let again = w.store.register_candidate(&olly, &marked(), today(), false).unwrap();
    assert!(matches!(again, Registered::PossibleDuplicates { .. }), "the moved NI number is found by its hash");

    // The admin had no key pair when olly signed in: waiting, told so, granted at olly's next sign-in.
    let admin = w.store.login("admin", testing::ADMIN_PASSWORD).unwrap();
    assert!(admin.identity().is_none());
    assert!(matches!(w.store.candidate_identifiers(&admin, candidate.id), Err(Error::IdentityKeyNotGranted)));
    w.store.login("olly", "a password 1").unwrap();
    let admin = w.store.login("admin", testing::ADMIN_PASSWORD).unwrap();
    assert_eq!(w.store.candidate_identifiers(&admin, candidate.id).unwrap().postcode.unwrap().to_string(), POSTCODE);
}

#[test]
fn the_centres_private_keys_are_sealed_and_still_sign_for_admin_and_office_only() {
    let mut w = world();
    let admin = w.admin.clone();
    // Makes the signing key and the key returns are encrypted to, and signs the file with the first.
    let file = w.store.field_centre_key(&admin).unwrap();
    assert!(!file.is_empty());
    let conn = w.store.conn();
    let secret = |table: &str| -> Vec<u8> {
        let (id, sealed): (String, String) = conn
            .query_row(&format!("SELECT id, secret_sealed FROM {table}"), [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        secrets::open(admin.identity(), table, &id, &[], Some(&sealed)).unwrap().to_vec()
    };
    for table in ["signing_keys", "field_centre_keys"] {
        let s = secret(table);
        assert_ne!(s, secrets::ZEROED);
        let hits = bytes_in_file(&w.store, &s);
        assert!(hits.is_empty(), "{table}'s private key readable with the data key at {hits:?}");
    }
    // The trainer's session cannot open them; an office session can.
    let (id, sealed): (String, String) =
        conn.query_row("SELECT id, secret_sealed FROM signing_keys", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert!(secrets::open(w.trainer.identity(), "signing_keys", &id, &[], Some(&sealed)).is_err());
    assert!(secrets::open(w.office.identity(), "signing_keys", &id, &[], Some(&sealed)).is_ok());
}

#[test]
fn the_upgrade_seals_private_keys_left_in_the_clear() {
    let mut w = world();
    let admin = w.admin.clone();
    w.store.field_centre_key(&admin).unwrap();
    let (id, sealed): (String, String) = w
        .store
        .conn()
        .query_row("SELECT id, secret_sealed FROM signing_keys", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    let seed = secrets::open(admin.identity(), "signing_keys", &id, &[], Some(&sealed)).unwrap();
    let (rid, rsealed): (String, String) = w
        .store
        .conn()
        .query_row("SELECT id, secret_sealed FROM field_centre_keys", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    let recipient = secrets::open(admin.identity(), "field_centre_keys", &rid, &[], Some(&rsealed)).unwrap();
    // As an older version left them: the secrets in their plain columns, no sealed copy, no identity key.
    w.store.conn().execute("UPDATE signing_keys SET secret_seed = ?1, secret_sealed = NULL", [seed.to_vec()]).unwrap();
    w.store
        .conn()
        .execute("UPDATE field_centre_keys SET secret = ?1, secret_sealed = NULL", [recipient.to_vec()])
        .unwrap();
    w.store.conn().execute_batch("DELETE FROM user_keys; DELETE FROM meta WHERE key = 'identity_key';").unwrap();
    assert!(!bytes_in_file(&w.store, &seed[..]).is_empty(), "the scan sees the old plaintext seed");
    let admin = w.store.login("admin", testing::ADMIN_PASSWORD).unwrap();
    assert!(bytes_in_file(&w.store, &seed[..]).is_empty());
    assert!(bytes_in_file(&w.store, &recipient[..]).is_empty());
    // And it still signs: the centre-key file is endorsed again with it.
    assert!(w.store.field_centre_key(&admin).unwrap().contains(&id));
}

#[test]
fn the_recovery_key_brings_the_identity_key_back_when_no_account_holds_it() {
    let fx = testing::Fixture::new(false);
    let init = fx.init();
    let (mut store, admin) = (init.store, init.admin);
    let printed = init.recovery_key.display();
    let fingerprint = admin.identity().unwrap().fingerprint();
    // Every wrap gone, as when every admin and office password was reset by someone without the key.
    store.conn().execute("UPDATE user_keys SET identity_wrap = NULL", []).unwrap();
    let admin = store.login("admin", testing::ADMIN_PASSWORD).unwrap();
    assert!(admin.identity().is_none());
    let wrong = crate::RecoveryKey::random().unwrap();
    assert!(matches!(store.recover_identity_key(&admin, &wrong), Err(Error::WrongRecoveryKey)));
    let recovery = crate::RecoveryKey::parse(&printed).unwrap();
    let back = store.recover_identity_key(&admin, &recovery).unwrap();
    assert_eq!(back.identity().unwrap().fingerprint(), fingerprint);
    assert_eq!(store.login("admin", testing::ADMIN_PASSWORD).unwrap().identity().unwrap().fingerprint(), fingerprint);
}
