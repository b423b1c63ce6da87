//! The keys of field work, exchanged once while the laptop is in the office.
//!
//! - The office exports a *centre-key file*: its store id and name, the Ed25519 keys it signs packs
//!   with, and an X25519 key returns are encrypted to. The laptop imports it with [`Store::field_enrol`],
//!   which also makes the laptop's own keys and marks the store as a field store.
//! - The laptop exports a *device-key file*: its Ed25519 key (signs returns; its id is the device id)
//!   and X25519 key (packs are encrypted to it), the second signed by the first. The office registers
//!   it against a trainer with [`Store::register_field_device`].
//!
//! Both files are public keys only. Why an explicit exchange rather than trusting the first pack:
//! the first pack is the one an impostor would forge, and the exchange costs nothing extra because the
//! device key has to reach the office anyway. Each side prints the other's fingerprint so a person can
//! compare them with what the other screen shows.

use chrono::Utc;
use data_encoding::BASE64URL_NOPAD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier, VerifyingKey};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{from_json, to_json, Refusal};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::documents::signing;
use crate::identity::{secrets, IdentityKey};
use crate::records::required;
use crate::sealed::{RecipientPublic, RecipientSecret};
use crate::{crypto, Error, Id, Result, Store};

const CENTRE_FORMAT: &str = "centrebook-centre-key";
const DEVICE_FORMAT: &str = "centrebook-device-key";

/// The centre-key file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CentreKeyFile {
    format: String,
    version: u32,
    centre_id: String,
    centre_name: String,
    /// (key id, base64url Ed25519 public key).
    signing_keys: Vec<(String, String)>,
    /// base64url X25519 public key.
    recipient_key: String,
    /// (key id, base64url Ed25519 signature of [`centre_key_text`]) by every signing key the office
    /// holds, so a laptop that trusts any one of them accepts the refresh. Absent from files made
    /// before signed refreshes; such a file still enrols a new laptop, never refreshes one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    endorsements: Vec<(String, String)>,
}

/// What a centre-key file's endorsements sign: everything a laptop takes from it.
fn centre_key_text(file: &CentreKeyFile) -> String {
    let keys: Vec<String> = file.signing_keys.iter().map(|(id, k)| format!("{id}={k}")).collect();
    format!(
        "centrebook centre key 1\n{}\n{}\n{}\n{}\n",
        file.centre_id,
        file.centre_name,
        keys.join(","),
        file.recipient_key
    )
}

/// Whether `file` is signed by one of `trusted` (key id, key).
fn endorsed_by(file: &CentreKeyFile, trusted: &[(String, VerifyingKey)]) -> bool {
    let text = centre_key_text(file);
    file.endorsements.iter().any(|(id, sig)| {
        let Some((_, key)) = trusted.iter().find(|(t, _)| t == id) else { return false };
        let Ok(sig) = b64_sig(sig) else { return false };
        key.verify(text.as_bytes(), &sig).is_ok()
    })
}

/// Every signing key's signature of the file (the office's secrets, retired ones too: a laptop may
/// trust only an old one).
fn endorse(conn: &Connection, ids: Option<&IdentityKey>, file: &CentreKeyFile) -> Result<Vec<(String, String)>> {
    let text = centre_key_text(file);
    let mut stmt = conn.prepare("SELECT id, secret_seed, secret_sealed FROM signing_keys ORDER BY created_at")?;
    let rows =
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Option<String>>(2)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, seed, sealed) = row?;
        let seed = Zeroizing::new(seed);
        let seed = secrets::open(ids, "signing_keys", &id, &seed, sealed.as_deref())?;
        let sig = SigningKey::from_bytes(&seed).sign(text.as_bytes());
        out.push((id, BASE64URL_NOPAD.encode(&sig.to_bytes())));
    }
    Ok(out)
}

fn fingerprints<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    ids.map(super::fingerprint).collect::<Vec<_>>().join(", ")
}

/// The device-key file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceKeyFile {
    format: String,
    version: u32,
    device_id: String,
    label: String,
    sign_public: String,
    encrypt_public: String,
    /// Ed25519 signature of [`device_proof_text`]: the encryption key belongs to the signing key.
    proof: String,
}

fn device_proof_text(device_id: &str, label: &str, encrypt_public: &str) -> String {
    format!("centrebook device key 1\n{device_id}\n{label}\n{encrypt_public}\n")
}

/// What a laptop knows of the centre it works for.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CentreTrust {
    /// The office store's id.
    pub centre_id: String,
    /// The centre's name.
    pub centre_name: String,
    /// Ids of the signing keys packs are accepted from.
    pub signing_key_ids: Vec<String>,
    /// The id of the key returns are encrypted to.
    pub recipient_key_id: String,
}

/// A laptop's identity, as shown on the laptop.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FieldIdentity {
    /// The device id (its signing key's id).
    pub device_id: String,
    /// For people comparing screens.
    pub fingerprint: String,
    /// The laptop's name.
    pub label: String,
    /// The centre it works for.
    pub centre: CentreTrust,
}

/// A trainer's laptop, as registered at the office.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Device {
    /// The device id (its signing key's id).
    pub id: String,
    /// For people comparing screens.
    pub fingerprint: String,
    /// The trainer it belongs to.
    pub trainer_id: Id,
    /// The trainer's name.
    pub trainer: String,
    /// The laptop's name.
    pub label: String,
    /// When registered (RFC 3339).
    pub registered_at: String,
    /// When revoked, if it was.
    pub revoked_at: Option<String>,
}

fn b64_32(text: &str, what: &'static str) -> Result<[u8; 32]> {
    BASE64URL_NOPAD
        .decode(text.trim().as_bytes())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .ok_or(Error::Field(Refusal::Malformed(what)))
}

fn verifying(bytes: &[u8; 32], what: &'static str) -> Result<VerifyingKey> {
    VerifyingKey::from_bytes(bytes).map_err(|_| Refusal::Malformed(what).into())
}

/// The office's X25519 key that returns are encrypted to, made on first use.
/// Its secret is sealed under the identity key (`identity::secrets`), so `ids` is the session's key.
pub(crate) fn centre_recipient(conn: &Connection, ids: &IdentityKey) -> Result<(RecipientSecret, bool)> {
    let found: Option<(String, Vec<u8>, Option<String>)> = conn
        .query_row(
            "SELECT id, secret, secret_sealed FROM field_centre_keys WHERE retired_at IS NULL
             ORDER BY created_at DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((id, bytes, sealed)) = found {
        let bytes = Zeroizing::new(bytes);
        let arr = secrets::open(Some(ids), "field_centre_keys", &id, &bytes, sealed.as_deref())?;
        return Ok((RecipientSecret::from_bytes(*arr), false));
    }
    let secret = RecipientSecret::generate()?;
    let public = secret.public();
    let id = public.id();
    conn.execute(
        "INSERT INTO field_centre_keys (id, public_key, secret, secret_sealed, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![
            id,
            public.as_bytes().to_vec(),
            secrets::ZEROED.to_vec(),
            secrets::seal(ids, "field_centre_keys", &id, &secret.to_bytes())?,
            Utc::now().to_rfc3339()
        ],
    )?;
    Ok((secret, true))
}

/// Every X25519 key the office has had, newest first (an old return may be encrypted to a retired one).
pub(crate) fn centre_recipients(conn: &Connection, ids: Option<&IdentityKey>) -> Result<Vec<RecipientSecret>> {
    let mut stmt = conn.prepare("SELECT id, secret, secret_sealed FROM field_centre_keys ORDER BY created_at DESC")?;
    let rows =
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Option<String>>(2)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, bytes, sealed) = row?;
        let bytes = Zeroizing::new(bytes);
        let arr = secrets::open(ids, "field_centre_keys", &id, &bytes, sealed.as_deref())?;
        out.push(RecipientSecret::from_bytes(*arr));
    }
    Ok(out)
}

/// The laptop's keys.
pub(crate) struct DeviceKeys {
    pub id: String,
    pub label: String,
    pub sign: SigningKey,
    pub enc: RecipientSecret,
}

pub(crate) fn device_keys(conn: &Connection) -> Result<DeviceKeys> {
    let row: Option<(String, String, Vec<u8>, Vec<u8>)> = conn
        .query_row("SELECT id, label, sign_seed, enc_secret FROM field_device_keys LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let (id, label, seed, enc) = row.ok_or(Error::Field(Refusal::NotAFieldStore))?;
    let (seed, enc) = (Zeroizing::new(seed), Zeroizing::new(enc));
    let damaged = || Error::damaged(conn, "this laptop's stored field keys are damaged");
    let seed = Zeroizing::new(<[u8; 32]>::try_from(seed.as_slice()).map_err(|_| damaged())?);
    let enc = <[u8; 32]>::try_from(enc.as_slice()).map_err(|_| damaged())?;
    Ok(DeviceKeys { id, label, sign: SigningKey::from_bytes(&seed), enc: RecipientSecret::from_bytes(enc) })
}

/// The centre a field store works for.
pub(crate) struct Trusted {
    pub centre_id: String,
    pub centre_name: String,
    pub signing_keys: Vec<(String, VerifyingKey)>,
    pub recipient: RecipientPublic,
}

pub(crate) fn trusted_centre(conn: &Connection) -> Result<Trusted> {
    let row: Option<(String, String, String, Vec<u8>)> = conn
        .query_row("SELECT centre_id, centre_name, signing_keys, recipient_key FROM field_centre LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let (centre_id, centre_name, keys, recipient) = row.ok_or(Error::Field(Refusal::NotAFieldStore))?;
    let pairs: Vec<(String, String)> = from_json(&keys, "trusted centre record")?;
    let signing_keys = pairs
        .iter()
        .map(|(id, k)| Ok((id.clone(), verifying(&b64_32(k, "trusted centre record")?, "trusted centre record")?)))
        .collect::<Result<_>>()?;
    let recipient = <[u8; 32]>::try_from(recipient.as_slice())
        .map(RecipientPublic::from_bytes)
        .map_err(|_| Error::damaged(conn, "the trusted centre key is damaged"))?;
    Ok(Trusted { centre_id, centre_name, signing_keys, recipient })
}

/// Refuses on a field store: office-only work.
pub(crate) fn require_office(conn: &Connection) -> Result<()> {
    match crate::store::kind(conn)? {
        crate::StoreKind::Laptop => Err(Refusal::FieldStore.into()),
        crate::StoreKind::Office => Ok(()),
    }
}

/// A centre-key file read and checked: its format, each signing key against its id, the recipient key.
fn read_centre_key(text: &str) -> Result<(CentreKeyFile, RecipientPublic)> {
    let file: CentreKeyFile = from_json(text, "centre-key file")?;
    if file.format != CENTRE_FORMAT || file.version != 1 || file.signing_keys.is_empty() {
        return Err(Refusal::Malformed("centre-key file").into());
    }
    for (id, k) in &file.signing_keys {
        let key = verifying(&b64_32(k, "centre-key file")?, "centre-key file")?;
        if signing::key_id(&key) != *id {
            return Err(Refusal::Malformed("centre-key file").into());
        }
    }
    let recipient = RecipientPublic::from_text(&file.recipient_key)
        .map_err(|_| Error::Field(Refusal::Malformed("centre-key file")))?;
    // Endorsements, when there are any, are by the file's own keys: a file altered after signing is
    // refused as damaged, not shown as a refresh to decide on.
    if !file.endorsements.is_empty() {
        let own = file
            .signing_keys
            .iter()
            .map(|(id, k)| Ok((id.clone(), verifying(&b64_32(k, "centre-key file")?, "centre-key file")?)))
            .collect::<Result<Vec<_>>>()?;
        let text = centre_key_text(&file);
        let all_good = file.endorsements.iter().all(|(id, sig)| {
            own.iter()
                .find(|(o, _)| o == id)
                .is_some_and(|(_, key)| b64_sig(sig).is_ok_and(|sig| key.verify(text.as_bytes(), &sig).is_ok()))
        });
        if !all_good {
            return Err(Refusal::Malformed("centre-key file").into());
        }
    }
    Ok((file, recipient))
}

/// The fingerprints of the signing keys in a centre-key file: what the office reads out and the
/// laptop shows once enrolled, so a person can compare the two screens. A file that is not a whole,
/// consistent centre-key file is refused, as enrolling with it would be.
pub fn centre_key_fingerprints(centre_key: &str) -> Result<Vec<String>> {
    Ok(centre_key_facts(centre_key)?.1)
}

/// The centre's name in a centre-key file, and its signing keys' fingerprints; refused as
/// [`centre_key_fingerprints`] is.
pub(crate) fn centre_key_facts(centre_key: &str) -> Result<(String, Vec<String>)> {
    let (file, _) = read_centre_key(centre_key)?;
    Ok((file.centre_name, file.signing_keys.iter().map(|(id, _)| super::fingerprint(id)).collect()))
}

impl Store {
    /// The centre-key file a laptop is enrolled with (admins only): the centre's id and name, its
    /// signing keys, and the key returns are encrypted to. Makes the keys on first use.
    pub fn field_centre_key(&mut self, actor: &Actor) -> Result<String> {
        actor.require(Permission::ManageKeys)?;
        require_office(self.conn())?;
        let centre_id = self.store_id().to_owned();
        let centre_name = self.centre_name()?;
        let file = self.write(|tx| {
            let fresh_signing = signing::public_keys(tx)?.is_empty();
            let (sign_id, _) = signing::current_key(tx, actor)?;
            let (recipient, fresh) = centre_recipient(tx, crate::identity::of(actor)?)?;
            let public = recipient.public();
            if fresh_signing || fresh {
                audit::record(
                    tx,
                    Who::Actor(actor),
                    "field.centre_key",
                    Subject { entity: "centre", id: Some(&centre_id) },
                    &[
                        FieldChange::created("signing_key", sign_id.as_str()),
                        FieldChange::created("recipient_key", public.id()),
                    ],
                )?;
            }
            let signing_keys = signing::public_keys(tx)?
                .into_iter()
                .map(|k| (k.id, BASE64URL_NOPAD.encode(k.key.as_bytes())))
                .collect();
            let mut file = CentreKeyFile {
                format: CENTRE_FORMAT.into(),
                version: 1,
                centre_id: centre_id.clone(),
                centre_name: centre_name.clone(),
                signing_keys,
                recipient_key: public.to_text(),
                endorsements: Vec::new(),
            };
            file.endorsements = endorse(tx, actor.identity(), &file)?;
            Ok(file)
        })?;
        serde_json::to_string_pretty(&file).map_err(|_| Error::Internal("the centre key could not be encoded"))
    }

    /// Makes this store a trainer's field store working for the centre in `centre_key` (the file
    /// from [`Store::field_centre_key`]), with its own device keys (admin of the laptop's store).
    /// Again with a newer file from the same centre, it refreshes the centre's keys; another centre's
    /// file is refused.
    ///
    /// A refresh is accepted only when the file is signed by a signing key the laptop already trusts
    /// (or changes nothing it trusts): a forged file with the centre's id is refused with both sets of
    /// fingerprints. [`Store::field_replace_centre_key`] replaces them on purpose.
    pub fn field_enrol(&mut self, actor: &Actor, centre_key: &str, label: &str) -> Result<FieldIdentity> {
        self.enrol_laptop(actor, centre_key, label, false)
    }

    /// Replaces the centre keys this laptop trusts with those in `centre_key` although no trusted key
    /// signed it (admin of the laptop's store): for an office that really has new keys, after a person
    /// has compared the fingerprints [`Refusal::UntrustedCentreKey`] showed with the office's screen.
    /// Audited with the keys before and after. Another centre's file is still refused.
    pub fn field_replace_centre_key(&mut self, actor: &Actor, centre_key: &str, label: &str) -> Result<FieldIdentity> {
        self.enrol_laptop(actor, centre_key, label, true)
    }

    fn enrol_laptop(&mut self, actor: &Actor, centre_key: &str, label: &str, replace: bool) -> Result<FieldIdentity> {
        actor.require(Permission::ManageKeys)?;
        let label = required("laptop name", label, 100)?;
        let (file, recipient) = read_centre_key(centre_key)?;
        if file.centre_id == self.store_id() {
            return Err(Error::invalid("centre-key file", "is this store's own; enrol the trainer's laptop with it"));
        }
        let is_office: bool = self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM field_devices) OR EXISTS (SELECT 1 FROM field_packs)",
            [],
            |r| r.get(0),
        )?;
        if is_office {
            return Err(Error::invalid(
                "store",
                "this office store issues field packs; enrol a separate store on the laptop",
            ));
        }
        self.write(|tx| {
            let existing: Option<String> =
                tx.query_row("SELECT centre_id FROM field_centre LIMIT 1", [], |r| r.get(0)).optional()?;
            if existing.as_deref().is_some_and(|c| c != file.centre_id) {
                return Err(Refusal::OtherCentre.into());
            }
            let keys_json = to_json(&file.signing_keys)?;
            let mut replaced = None;
            if existing.is_some() {
                let trusted = trusted_centre(tx)?;
                let unchanged = trusted.centre_name == file.centre_name
                    && trusted.recipient.as_bytes() == recipient.as_bytes()
                    && trusted.signing_keys.len() == file.signing_keys.len()
                    && trusted
                        .signing_keys
                        .iter()
                        .zip(&file.signing_keys)
                        .all(|((tid, tk), (id, k))| tid == id && BASE64URL_NOPAD.encode(tk.as_bytes()) == *k);
                if !unchanged && !endorsed_by(&file, &trusted.signing_keys) {
                    if !replace {
                        return Err(Refusal::UntrustedCentreKey {
                            trusted: fingerprints(trusted.signing_keys.iter().map(|(id, _)| id.as_str())),
                            offered: fingerprints(file.signing_keys.iter().map(|(id, _)| id.as_str())),
                        }
                        .into());
                    }
                    replaced = Some(trusted.signing_keys.into_iter().map(|(id, _)| id).collect::<Vec<_>>());
                }
            }
            tx.execute(
                "INSERT INTO field_centre (centre_id, centre_name, signing_keys, recipient_key, trusted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (centre_id) DO UPDATE SET centre_name = excluded.centre_name,
                    signing_keys = excluded.signing_keys, recipient_key = excluded.recipient_key,
                    trusted_at = excluded.trusted_at",
                rusqlite::params![
                    file.centre_id,
                    file.centre_name,
                    keys_json,
                    recipient.as_bytes().to_vec(),
                    Utc::now().to_rfc3339()
                ],
            )?;
            let mut changes = vec![
                FieldChange::created("centre_id", file.centre_id.as_str()),
                FieldChange::created("signing_keys", file.signing_keys.iter().map(|(i, _)| i.as_str()).collect::<Vec<_>>()),
                FieldChange::created("recipient_key", recipient.id()),
            ];
            if let Some(before) = &replaced {
                changes.push(FieldChange::changed(
                    "trusted_signing_keys",
                    before.clone(),
                    file.signing_keys.iter().map(|(i, _)| i.as_str()).collect::<Vec<_>>(),
                ));
            }
            if super::device_id(tx)?.is_none() {
                let mut seed = Zeroizing::new([0u8; 32]);
                crypto::fill_random(&mut seed[..])?;
                let sign = SigningKey::from_bytes(&seed);
                let enc = RecipientSecret::generate()?;
                let id = signing::key_id(&sign.verifying_key());
                tx.execute(
                    "INSERT INTO field_device_keys (id, label, sign_seed, enc_secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    rusqlite::params![id, label, seed.to_vec(), enc.to_bytes().to_vec(), Utc::now().to_rfc3339()],
                )?;
                changes.push(FieldChange::created("device_id", id.as_str()));
            } else {
                tx.execute("UPDATE field_device_keys SET label = ?1", [&label])?;
            }
            audit::record(
                tx,
                Who::Actor(actor),
                if replaced.is_some() { "field.centre_replace" } else { "field.enrol" },
                Subject { entity: "field_centre", id: Some(&file.centre_id) },
                &changes,
            )
        })?;
        self.field_identity(actor)
    }

    /// This laptop's device id and the centre it works for.
    pub fn field_identity(&self, _actor: &Actor) -> Result<FieldIdentity> {
        let keys = device_keys(self.conn())?;
        let t = trusted_centre(self.conn())?;
        Ok(FieldIdentity {
            fingerprint: super::fingerprint(&keys.id),
            device_id: keys.id,
            label: keys.label,
            centre: CentreTrust {
                centre_id: t.centre_id,
                centre_name: t.centre_name,
                signing_key_ids: t.signing_keys.into_iter().map(|(id, _)| id).collect(),
                recipient_key_id: t.recipient.id(),
            },
        })
    }

    /// The device-key file the office registers this laptop with (public keys only).
    pub fn field_device_key(&self, actor: &Actor) -> Result<String> {
        actor.require(Permission::ManageKeys)?;
        let keys = device_keys(self.conn())?;
        let encrypt_public = keys.enc.public().to_text();
        let proof = keys.sign.sign(device_proof_text(&keys.id, &keys.label, &encrypt_public).as_bytes());
        let file = DeviceKeyFile {
            format: DEVICE_FORMAT.into(),
            version: 1,
            device_id: keys.id.clone(),
            label: keys.label.clone(),
            sign_public: BASE64URL_NOPAD.encode(keys.sign.verifying_key().as_bytes()),
            encrypt_public,
            proof: BASE64URL_NOPAD.encode(&proof.to_bytes()),
        };
        serde_json::to_string_pretty(&file).map_err(|_| Error::Internal("the device key could not be encoded"))
    }

    /// Registers a trainer's laptop from its device-key file (admins only). The trainer needs a user
    /// account: the changes a return brings are attributed to it.
    pub fn register_field_device(&mut self, actor: &Actor, trainer: Id, device_key: &str) -> Result<Device> {
        actor.require(Permission::ManageKeys)?;
        require_office(self.conn())?;
        let file: DeviceKeyFile = from_json(device_key, "device-key file")?;
        if file.format != DEVICE_FORMAT || file.version != 1 {
            return Err(Refusal::Malformed("device-key file").into());
        }
        let sign = verifying(&b64_32(&file.sign_public, "device-key file")?, "device-key file")?;
        let enc = b64_32(&file.encrypt_public, "device-key file")?;
        let proof = b64_32_64(&file.proof)?;
        let label = required("laptop name", &file.label, 100)?;
        if signing::key_id(&sign) != file.device_id
            || sign
                .verify(device_proof_text(&file.device_id, &file.label, &file.encrypt_public).as_bytes(), &proof)
                .is_err()
        {
            return Err(Refusal::Malformed("device-key file").into());
        }
        self.write(|tx| {
            let user: Option<Option<Id>> = tx
                .query_row("SELECT user_id FROM trainers WHERE id = ?1", [trainer], |r| r.get(0))
                .optional()?;
            match user {
                None => return Err(Error::NotFound { what: "trainer", name: trainer.to_string() }),
                Some(None) => {
                    return Err(Error::invalid(
                        "trainer",
                        "has no user account; link one first (a return's changes are recorded under it)",
                    ))
                }
                Some(Some(_)) => {}
            }
            let known: Option<Id> = tx
                .query_row("SELECT trainer_id FROM field_devices WHERE id = ?1", [&file.device_id], |r| r.get(0))
                .optional()?;
            if known.is_some() {
                return Err(Error::Duplicate { what: "field device", name: file.device_id.clone() });
            }
            tx.execute(
                "INSERT INTO field_devices (id, trainer_id, label, sign_public, enc_public, registered_at, registered_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                rusqlite::params![
                    file.device_id,
                    trainer,
                    label,
                    sign.as_bytes().to_vec(),
                    enc.to_vec(),
                    Utc::now().to_rfc3339(),
                    actor.id()
                ],
            )?;
            audit::record(
                tx,
                Who::Actor(actor),
                "field.device_add",
                Subject { entity: "field_device", id: Some(&file.device_id) },
                &[FieldChange::created("trainer_id", trainer.to_string()), FieldChange::created("label", label.as_str())],
            )
        })?;
        self.field_device(actor, &file.device_id)
    }

    /// One registered laptop (admin and office).
    pub fn field_device(&self, actor: &Actor, id: &str) -> Result<Device> {
        self.field_devices(actor)?
            .into_iter()
            .find(|d| d.id == id)
            .ok_or_else(|| Error::NotFound { what: "field device", name: id.to_owned() })
    }

    /// Registered laptops, by trainer (admin and office).
    pub fn field_devices(&self, actor: &Actor) -> Result<Vec<Device>> {
        actor.require(Permission::EditRecords)?;
        let mut stmt = self.conn().prepare(
            "SELECT d.id, d.trainer_id, t.name, d.label, d.registered_at, d.revoked_at
             FROM field_devices d JOIN trainers t ON t.id = d.trainer_id ORDER BY t.name, d.registered_at",
        )?;
        let rows = stmt.query_map([], |r| {
            let id: String = r.get(0)?;
            Ok(Device {
                fingerprint: super::fingerprint(&id),
                id,
                trainer_id: r.get(1)?,
                trainer: r.get(2)?,
                label: r.get(3)?,
                registered_at: r.get(4)?,
                revoked_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Stops trusting a laptop (lost or replaced; admins only): no more packs to it, no returns from it.
    pub fn revoke_field_device(&mut self, actor: &Actor, id: &str) -> Result<Device> {
        actor.require(Permission::ManageKeys)?;
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE field_devices SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                rusqlite::params![Utc::now().to_rfc3339(), id],
            )?;
            if n == 0 {
                return Err(Error::NotFound { what: "active field device", name: id.to_owned() });
            }
            audit::record(
                tx,
                Who::Actor(actor),
                "field.device_revoke",
                Subject { entity: "field_device", id: Some(id) },
                &[],
            )
        })?;
        self.field_device(actor, id)
    }
}

fn b64_sig(text: &str) -> Result<Signature> {
    BASE64URL_NOPAD
        .decode(text.trim().as_bytes())
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
        .map(|b| Signature::from_bytes(&b))
        .ok_or(Error::Field(Refusal::Malformed("centre-key file")))
}

fn b64_32_64(text: &str) -> Result<Signature> {
    BASE64URL_NOPAD
        .decode(text.trim().as_bytes())
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
        .map(|b| Signature::from_bytes(&b))
        .ok_or(Error::Field(Refusal::Malformed("device-key file")))
}

/// An active registered device's keys, with its trainer.
pub(crate) struct RegisteredDevice {
    pub id: String,
    pub trainer_id: Id,
    pub sign: VerifyingKey,
    pub enc: RecipientPublic,
}

pub(crate) fn registered_device(conn: &Connection, id: &str) -> Result<Option<RegisteredDevice>> {
    let row: Option<(Id, Vec<u8>, Vec<u8>)> = conn
        .query_row(
            "SELECT trainer_id, sign_public, enc_public FROM field_devices WHERE id = ?1 AND revoked_at IS NULL",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((trainer_id, sign, enc)) = row else { return Ok(None) };
    let damaged = || Error::damaged(conn, "a registered device key is damaged");
    let sign = <[u8; 32]>::try_from(sign.as_slice()).map_err(|_| damaged())?;
    let enc = <[u8; 32]>::try_from(enc.as_slice()).map_err(|_| damaged())?;
    Ok(Some(RegisteredDevice {
        id: id.to_owned(),
        trainer_id,
        sign: VerifyingKey::from_bytes(&sign).map_err(|_| damaged())?,
        enc: RecipientPublic::from_bytes(enc),
    }))
}

#[cfg(test)]
#[path = "centre_key_tests.rs"]
mod centre_key_tests;
