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
/// with the raw data key, nothing else. Returns `table.column` of each cell holding `needle`
/// (any case; blobs as bytes).
fn found_in_file(store: &Store, needles: &[&str]) -> Vec<String> {
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
    let needles: Vec<String> = needles.iter().map(|n| n.to_lowercase()).collect();
    let mut hits = Vec::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let names: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for (i, name) in names.iter().enumerate() {
                let bytes: Vec<u8> = match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => b.to_ascii_lowercase(),
                    _ => continue,
                };
                for n in &needles {
                    if bytes.windows(n.len()).any(|w| w == n.as_bytes()) {
                        hits.push(format!("{t}.{name} holds {n}"));
                    }
                }
            }
        }
    }
    hits
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
    let hits = found_in_file(&w.store, &MARKERS);
    assert!(hits.is_empty(), "a colleague with the data key reads: {hits:?}");

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
