//! Re-enrolling a laptop: a refresh of the centre's keys is accepted only when a key the laptop
//! already trusts signed it; anything else is refused with both sets of fingerprints, unless the
//! centre's keys are replaced on purpose, which is audited.

use super::*;
use crate::audit::{AuditFilter, FieldChange};
use crate::testing::{world, Fixture, World};

struct Laptop {
    _fx: Fixture,
    store: Store,
    admin: Actor,
}

fn enrolled(office: &mut World) -> Laptop {
    let text = office.store.field_centre_key(&office.admin.clone()).unwrap();
    let fx = Fixture::new(false);
    let init = fx.init();
    let (mut store, admin) = (init.store, init.admin);
    store.field_enrol(&admin, &text, "Tess's laptop").unwrap();
    let admin = store.refresh(&admin).unwrap();
    Laptop { _fx: fx, store, admin }
}

/// A centre-key file claiming to be `office`'s, with an attacker's keys and signed by them.
fn forged(office: &World) -> (String, Vec<String>) {
    let mut attacker = world();
    let theirs = attacker.store.field_centre_key(&attacker.admin.clone()).unwrap();
    let mut file: CentreKeyFile = serde_json::from_str(&theirs).unwrap();
    file.centre_id = office.store.store_id().to_owned();
    file.centre_name = office.store.centre_name().unwrap();
    file.endorsements = endorse(attacker.store.conn(), attacker.admin.identity(), &file).unwrap();
    let ids = file.signing_keys.iter().map(|(id, _)| id.clone()).collect();
    (serde_json::to_string(&file).unwrap(), ids)
}

fn trusted_ids(laptop: &Laptop) -> Vec<String> {
    laptop.store.field_identity(&laptop.admin).unwrap().centre.signing_key_ids
}

fn last_audit(laptop: &Laptop) -> crate::audit::AuditEntry {
    crate::audit::list(&laptop.store, &laptop.admin, &AuditFilter { limit: Some(1), ..Default::default() })
        .unwrap()
        .remove(0)
}

#[test]
fn a_forged_centre_key_is_refused_with_both_fingerprints() {
    let mut office = world();
    let mut laptop = enrolled(&mut office);
    let before = trusted_ids(&laptop);
    let (forged, forged_ids) = forged(&office);
    let admin = laptop.admin.clone();

    let err = laptop.store.field_enrol(&admin, &forged, "Tess's laptop").unwrap_err();
    match &err {
        Error::Field(Refusal::UntrustedCentreKey { trusted, offered }) => {
            assert_eq!(*trusted, fingerprints(before.iter().map(String::as_str)));
            assert_eq!(*offered, fingerprints(forged_ids.iter().map(String::as_str)));
        }
        other => panic!("expected UntrustedCentreKey, got {other:?}"),
    }
    let said = err.to_string();
    assert!(
        said.contains(&crate::field::fingerprint(&before[0]))
            && said.contains(&crate::field::fingerprint(&forged_ids[0])),
        "{said}"
    );
    assert_eq!(trusted_ids(&laptop), before, "the trusted keys are unchanged");

    // Unsigned (as files were before refreshes were signed), it is refused the same way.
    let mut file: CentreKeyFile = serde_json::from_str(&forged).unwrap();
    file.endorsements.clear();
    let err = laptop.store.field_enrol(&admin, &serde_json::to_string(&file).unwrap(), "x").unwrap_err();
    assert!(matches!(err, Error::Field(Refusal::UntrustedCentreKey { .. })), "{err:?}");
    // Altered after signing: damaged, not a refresh to decide on.
    file = serde_json::from_str(&forged).unwrap();
    file.centre_name.push('!');
    let err = laptop.store.field_enrol(&admin, &serde_json::to_string(&file).unwrap(), "x").unwrap_err();
    assert!(matches!(err, Error::Field(Refusal::Malformed(_))), "{err:?}");
    assert_eq!(trusted_ids(&laptop), before);
}

#[test]
fn a_refresh_signed_by_a_trusted_key_is_accepted() {
    let mut office = world();
    let mut laptop = enrolled(&mut office);
    let before = trusted_ids(&laptop);
    // The office moves to a new signing key and a new key for returns.
    office.store.conn_mut().execute("UPDATE signing_keys SET retired_at = '2026-01-01T00:00:00Z'", []).unwrap();
    office.store.conn_mut().execute("UPDATE field_centre_keys SET retired_at = '2026-01-01T00:00:00Z'", []).unwrap();
    let refreshed = office.store.field_centre_key(&office.admin.clone()).unwrap();
    let admin = laptop.admin.clone();
    let who = laptop.store.field_enrol(&admin, &refreshed, "Tess's laptop").unwrap();
    assert_eq!(who.centre.signing_key_ids.len(), 2, "{who:?}");
    assert_eq!(who.centre.signing_key_ids[0], before[0], "the old key is kept beside the new");
    assert_eq!(last_audit(&laptop).action, "field.enrol");

    // The same file again changes nothing and is accepted.
    laptop.store.field_enrol(&admin, &refreshed, "Tess's laptop").unwrap();
}

#[test]
fn an_explicit_replace_takes_the_new_keys_and_is_audited() {
    let mut office = world();
    let mut laptop = enrolled(&mut office);
    let before = trusted_ids(&laptop);
    let (forged, forged_ids) = forged(&office);
    let admin = laptop.admin.clone();
    let who = laptop.store.field_replace_centre_key(&admin, &forged, "Tess's laptop").unwrap();
    assert_eq!(who.centre.signing_key_ids, forged_ids);
    let entry = last_audit(&laptop);
    assert_eq!(entry.action, "field.centre_replace");
    let changes = entry.changes.unwrap_or_default();
    assert!(changes.contains(&FieldChange::changed("trusted_signing_keys", before, forged_ids)), "{changes:?}");

    // Another centre's file is still refused: a laptop works for one centre.
    let mut elsewhere = world();
    let theirs = elsewhere.store.field_centre_key(&elsewhere.admin.clone()).unwrap();
    let err = laptop.store.field_replace_centre_key(&admin, &theirs, "x").unwrap_err();
    assert!(matches!(err, Error::Field(Refusal::OtherCentre)), "{err:?}");
}
