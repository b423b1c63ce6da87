//! Sealed containers: the one file format for everything that leaves the centre's store —
//! awarding-body submission bundles, trainer field packs and results returns.
//!
//! # What a container is
//!
//! A ZIP holding the payload files, plus
//! - `manifest.json`: [`Manifest`] — kind, a fresh UUIDv7 id, format version, creation time, the
//!   centre's id and name, the signer's key id, caller-chosen counts, the SHA-256 and size of every
//!   other file, and a free `meta` JSON value for the caller;
//! - `manifest.sig`: the raw 64-byte Ed25519 signature of the exact bytes of `manifest.json`.
//!
//! Because the manifest lists every file's hash and the signature covers the manifest, one signature
//! check plus one hash per file proves the whole payload unchanged.
//!
//! The ZIP may then be wrapped ([`Protect`]):
//! - [`Protect::None`]: the bare ZIP (a submission an admin uploads by hand);
//! - [`Protect::ZipAes`]: a standard encrypted ZIP — every entry (manifest and signature too)
//!   AES-256 encrypted under the password, WinZip AE-2 — that 7-Zip, WinZip and macOS archive
//!   tools open with the password: what an awarding body receives (WinZip AE-2 for entries under 20
//!   bytes, AE-1 with its CRC above, as WinZip advises). ZIP encryption hides the
//!   contents, not the entry names, and derives its key with PBKDF2 (1000 rounds), so the password
//!   must be long;
//! - [`Protect::Password`]: the whole ZIP sealed with AES-256-GCM under an Argon2id key (only
//!   Centrebook opens it: a person's copy of their data);
//! - [`Protect::Recipient`]: sealed to one X25519 public key (a trainer's laptop) with an ephemeral
//!   X25519 key, HKDF-SHA256 and AES-256-GCM.
//!
//! Wrapped files start with a small versioned header, which is also the AES-GCM associated data:
//!
//! ```text
//! "CBSEAL" | version u8 (1) | mode u8 (1 = password, 2 = recipient)
//!   password:  m_kib u32 LE | t u32 LE | p u32 LE | salt [16] | check [16]
//!   recipient: recipient key id [8] | ephemeral public key [32]
//! | sealed length u64 LE | nonce [12] | ciphertext + tag
//! ```
//!
//! The password `check` value (derived from the same Argon2id output as the key, but through a
//! different HKDF label) lets a reader tell a wrong password from a damaged file.
//!
//! # Using it
//!
//! ```text
//! // Writing (inside the core, where the centre's signing key is reachable):
//! let signer = Signer::for_centre(tx, actor)?;
//! let base = ManifestBase::new(Kind::Bundle, store.store_id(), &store.centre_name()?)
//!     .count("candidates", 12)
//!     .meta(serde_json::json!({ "profile": "mpqc" }));
//! let mut out = std::io::Cursor::new(Vec::new());
//! let manifest = sealed::write(&mut out, base, files, &signer, Protect::password(b"secret"))?;
//!
//! // Reading: every check, in order, each refusal a distinct [`Refusal`] inside [`Error::Sealed`].
//! let keys = sealed::centre_trust(store.conn())?;
//! let opened = sealed::open(&bytes, Unprotect::Password(b"secret"), &|id| keys(id),
//!     &Expect { kind: Some(Kind::Bundle), centre_id: Some(store.store_id()) }, Limits::default())?;
//! for (path, bytes) in &opened.files { /* in manifest order */ }
//! ```
//!
//! Reading checks, in this order: input size; header and decryption (wrong password, not for this
//! recipient, truncated, tampered); the ZIP's central directory (file count, declared sizes,
//! compression ratio, safe paths, duplicates); the manifest's format, signature (unknown signer,
//! tampered), kind and centre; then every file's size and hash against the manifest, with no file
//! missing or unlisted. Nothing is returned unless every check passed.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read, Seek, Write};

use data_encoding::BASE64URL_NOPAD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::crypto::{self, KdfParams};
use crate::{Error, Id, Result};

/// The manifest format this program writes and the newest it reads.
pub const FORMAT: u32 = 1;
/// The manifest's name inside the ZIP.
pub const MANIFEST: &str = "manifest.json";
/// The signature's name inside the ZIP.
pub const SIGNATURE: &str = "manifest.sig";

const MAGIC: &[u8; 6] = b"CBSEAL";
const HEADER_VERSION: u8 = 1;
const MODE_PASSWORD: u8 = 1;
const MODE_RECIPIENT: u8 = 2;
const SALT_LEN: usize = 16;
const CHECK_LEN: usize = 16;
/// AES-GCM nonce + tag around the sealed ZIP.
const SEAL_OVERHEAD: usize = 12 + 16;
/// A manifest larger than this is refused before parsing (it lists files, not their contents).
const MAX_MANIFEST: u64 = 16 << 20;
/// Below this size a file's compression ratio is not checked: small files cannot be bombs.
const RATIO_FLOOR: u64 = 64 << 10;
/// Argon2id parameters a header may ask for; a crafted header must not make the reader spend
/// gigabytes or minutes before the password is even checked.
const MAX_KDF: KdfParams = KdfParams { m_kib: 512 * 1024, t: 16, p: 8 };

/// Why a container was refused. Messages are for the person at the keyboard and never name a file
/// inside the container (photo names can carry personal names).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    #[error("this is not a Centrebook bundle, field pack or return")]
    NotAContainer,
    #[error("this file was made by a newer Centrebook (format {0}); update Centrebook to open it")]
    NewerFormat(u32),
    #[error("the file is incomplete (truncated); copy it again from the original")]
    Truncated,
    #[error("the file has been altered or damaged since it was signed ({0}); do not use it")]
    Tampered(&'static str),
    #[error("a file inside does not match the signed manifest (altered after signing); do not use it")]
    HashMismatch,
    #[error("a file listed in the signed manifest is missing; do not use it")]
    MissingFile,
    #[error("the file holds a file its signed manifest does not list; do not use it")]
    UnlistedFile,
    #[error("the file holds two entries with the same name; do not use it")]
    DuplicateFile,
    #[error("the file holds an unsafe path (absolute, '..', backslash or drive letter); refused")]
    UnsafePath,
    #[error("the file is too large to open safely ({0})")]
    Oversized(&'static str),
    #[error("this file is protected with a password; give the password")]
    PasswordNeeded,
    #[error("the password is wrong for this file")]
    WrongPassword,
    #[error("this file is encrypted to one recipient's key; open it on the laptop it was made for")]
    RecipientKeyNeeded,
    #[error("this file was encrypted for a different recipient, not this laptop")]
    NotForRecipient,
    #[error("this file was made by a different centre, not this one")]
    NotForThisCentre,
    #[error("this file is a {found}, not a {expected}")]
    WrongKind { expected: Kind, found: Kind },
    #[error("this file was signed by a key this centre does not know (key {0}); do not trust it")]
    UnknownSigner(String),
    #[error("this file (id {0}) was already imported; nothing was applied")]
    AlreadyImported(String),
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        Error::Sealed(r)
    }
}

fn refuse<T>(r: Refusal) -> Result<T> {
    Err(Error::Sealed(r))
}

/// What a container carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "ContainerKind")]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An awarding-body submission.
    Bundle,
    /// Course runs exported to a trainer's laptop.
    Fieldpack,
    /// Results recorded offline, returned to the office.
    Return,
    /// A person's copy of their data (subject access).
    SubjectCopy,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::Bundle => "submission bundle",
            Kind::Fieldpack => "field pack",
            Kind::Return => "results return",
            Kind::SubjectCopy => "copy of a person's data",
        })
    }
}

/// The centre a container came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CentreRef {
    /// The store id of the centre's store.
    pub id: String,
    /// The centre's name, for people.
    pub name: String,
}

/// One payload file as listed in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct FileEntry {
    /// Path inside the ZIP, `/`-separated, relative.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
}

/// The signed manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`FORMAT`] when written.
    pub format: u32,
    pub kind: Kind,
    /// A fresh UUIDv7 per container: the handle for replay checks and breach listings.
    pub id: Id,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub centre: CentreRef,
    /// The signing key's id (see `documents::signing`).
    pub signer: String,
    /// Caller-chosen counts (candidates, photos, results...), plus `files`.
    pub counts: BTreeMap<String, u64>,
    /// Every file except the manifest and its signature, in the order written.
    pub files: Vec<FileEntry>,
    /// Free JSON for the caller (profile name, run ids, ...). Signed like the rest.
    pub meta: serde_json::Value,
}

/// What the caller decides about a new container; [`write`] adds the id, time, signer and files.
#[derive(Clone, Debug)]
pub struct ManifestBase {
    pub kind: Kind,
    pub centre: CentreRef,
    pub counts: BTreeMap<String, u64>,
    pub meta: serde_json::Value,
    /// Normally `None` (a fresh id); set it when the id must be known before writing (for example to
    /// record it in the same transaction).
    pub id: Option<Id>,
}

impl ManifestBase {
    /// A manifest base with no counts and `null` meta.
    pub fn new(kind: Kind, centre_id: &str, centre_name: &str) -> Self {
        ManifestBase {
            kind,
            centre: CentreRef { id: centre_id.to_owned(), name: centre_name.to_owned() },
            counts: BTreeMap::new(),
            meta: serde_json::Value::Null,
            id: None,
        }
    }

    /// Adds a count.
    pub fn count(mut self, name: &str, n: u64) -> Self {
        self.counts.insert(name.to_owned(), n);
        self
    }

    /// Sets the free meta value.
    pub fn meta(mut self, meta: serde_json::Value) -> Self {
        self.meta = meta;
        self
    }

    /// Fixes the id in advance.
    pub fn with_id(mut self, id: Id) -> Self {
        self.id = Some(id);
        self
    }
}

/// An Ed25519 signing key with its id.
pub struct Signer {
    key_id: String,
    key: SigningKey,
}

impl Signer {
    /// A signer from a key; the id is `documents::signing`'s key id (SHA-256 prefix of the public key).
    pub fn new(key: SigningKey) -> Self {
        Signer { key_id: crate::documents::signing::key_id(&key.verifying_key()), key }
    }

    /// The centre's current signing key (made on first use), as used for certificates. Call it
    /// inside the write transaction that records the container: the first call inserts the key.
    pub(crate) fn for_centre(tx: &crate::store::Tx<'_>, actor: &crate::Actor) -> Result<Self> {
        let (key_id, key) = crate::documents::signing::current_key(tx, actor)?;
        Ok(Signer { key_id, key })
    }

    /// The key's id, as written in manifests.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public half, for a trust function.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }
}

/// A trust function over every public key the centre's store has signed with.
pub(crate) fn centre_trust(conn: &rusqlite::Connection) -> Result<impl Fn(&str) -> Option<VerifyingKey>> {
    let keys = crate::documents::signing::public_keys(conn)?;
    Ok(move |id: &str| keys.iter().find(|k| k.id == id).map(|k| k.key))
}

/// A recipient's X25519 secret key (the trainer laptop's); wiped when dropped.
pub struct RecipientSecret(x25519_dalek::StaticSecret);

impl RecipientSecret {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Self> {
        let mut seed = Zeroizing::new([0u8; 32]);
        crypto::fill_random(&mut seed[..])?;
        Ok(RecipientSecret(x25519_dalek::StaticSecret::from(*seed)))
    }

    /// From stored bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        RecipientSecret(x25519_dalek::StaticSecret::from(bytes))
    }

    /// For storing (in the encrypted store only).
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }

    /// The public half, to give to the office.
    pub fn public(&self) -> RecipientPublic {
        RecipientPublic(x25519_dalek::PublicKey::from(&self.0).to_bytes())
    }
}

impl std::fmt::Debug for RecipientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecipientSecret(..)")
    }
}

/// A recipient's X25519 public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecipientPublic([u8; 32]);

impl RecipientPublic {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        RecipientPublic(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// 16 hex digits: the first 8 bytes of the key's SHA-256. Written in the header so a reader can
    /// say "not for this laptop" instead of "damaged".
    pub fn id(&self) -> String {
        crypto::hex(&self.id_bytes())
    }

    fn id_bytes(&self) -> [u8; 8] {
        let h = crypto::sha256(&[b"centrebook x25519 recipient", &self.0]);
        h[..8].try_into().expect("8 of 32 bytes")
    }

    /// Text form for copying between machines: base64url, no padding.
    pub fn to_text(&self) -> String {
        BASE64URL_NOPAD.encode(&self.0)
    }

    /// Reads [`RecipientPublic::to_text`].
    pub fn from_text(text: &str) -> Result<Self> {
        BASE64URL_NOPAD
            .decode(text.trim().as_bytes())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .map(RecipientPublic)
            .ok_or_else(|| Error::invalid("recipient key", "is not a Centrebook recipient public key"))
    }
}

/// How to protect a container when writing it.
#[derive(Clone, Copy, Debug)]
pub enum Protect<'a> {
    /// The bare signed ZIP.
    None,
    /// Sealed under a password (Argon2id with `params`, then AES-256-GCM).
    Password { password: &'a [u8], params: KdfParams },
    /// A standard ZIP whose every entry is AES-256 encrypted under the password (WinZip AE-2).
    ZipAes(&'a [u8]),
    /// Sealed to one recipient's X25519 public key.
    Recipient(&'a RecipientPublic),
}

impl<'a> Protect<'a> {
    /// A password with the default cost (64 MiB, 3 passes: about 0.2 s).
    pub fn password(password: &'a [u8]) -> Self {
        Protect::Password { password, params: KdfParams::UNLOCK }
    }
}

/// How to open a protected container. Any of these opens an unprotected one.
#[derive(Clone, Copy, Debug)]
pub enum Unprotect<'a> {
    None,
    Password(&'a [u8]),
    Recipient(&'a RecipientSecret),
}

/// What the reader expects; `None` fields are not checked.
#[derive(Clone, Copy, Debug, Default)]
pub struct Expect<'a> {
    pub kind: Option<Kind>,
    /// The store id the container must come from.
    pub centre_id: Option<&'a str>,
}

/// Resource limits for reading untrusted containers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The container file itself.
    pub max_input: u64,
    /// Sum of the uncompressed sizes of all files.
    pub max_total: u64,
    /// Number of entries in the ZIP.
    pub max_files: usize,
    /// One file's uncompressed size.
    pub max_file: u64,
    /// Uncompressed / compressed, for files above 64 KiB.
    pub max_ratio: u64,
}

impl Default for Limits {
    /// Room for a submission of a few thousand candidates with photos.
    fn default() -> Self {
        Limits { max_input: 1 << 30, max_total: 2 << 30, max_files: 50_000, max_file: 512 << 20, max_ratio: 200 }
    }
}

/// How an opened container was protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Protection {
    None,
    Password,
    Recipient,
}

/// A container that passed every check.
#[derive(Debug)]
pub struct Opened {
    pub manifest: Manifest,
    /// The exact bytes of `manifest.json` (what the signature covers).
    pub manifest_bytes: Vec<u8>,
    pub protection: Protection,
    /// Payload files in manifest order, without the manifest and its signature.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Opened {
    /// One file by path.
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        self.files.iter().find(|(p, _)| p == path).map(|(_, b)| b.as_slice())
    }
}

/// Whether a path inside a container is safe to use: relative, `/`-separated, no `.`/`..`/empty
/// parts, no backslash, colon (drive letters, alternate streams) or control characters.
pub fn safe_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 255
        && !path.starts_with('/')
        && !path.chars().any(|c| c == '\\' || c == ':' || c.is_control())
        && path.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
}

fn is_precompressed(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".jpg", ".jpeg", ".png", ".zip", ".xlsx", ".pdf"].iter().any(|e| lower.ends_with(e))
}

/// Writes a signed container to `out` and returns its manifest.
///
/// `files` are the payload: paths must pass [`safe_path`], be unique, and not be `manifest.json`
/// or `manifest.sig` (an `Error::Invalid` otherwise — a programming error, not a refusal). JPEG,
/// PNG, PDF and XLSX files are stored; the rest deflated.
pub fn write<W: Write + Seek>(
    mut out: W,
    header: ManifestBase,
    files: impl IntoIterator<Item = (String, Vec<u8>)>,
    signer: &Signer,
    protect: Protect<'_>,
) -> Result<Manifest> {
    let manifest = match protect {
        // Unprotected: the ZIP goes straight to `out`, so a large bundle is not held twice.
        Protect::None => build_zip(&mut out, header, files, signer, None)?,
        Protect::ZipAes(password) => {
            if password.is_empty() {
                return Err(Error::invalid("password", "give a password"));
            }
            build_zip(&mut out, header, files, signer, Some(password))?
        }
        Protect::Password { password, params } => {
            let mut zip = Cursor::new(Vec::new());
            let manifest = build_zip(&mut zip, header, files, signer, None)?;
            let zip = Zeroizing::new(zip.into_inner());
            let mut salt = [0u8; SALT_LEN];
            crypto::fill_random(&mut salt)?;
            let (key, check) = password_keys(password, &salt, params)?;
            let mut head = header_start(MODE_PASSWORD);
            for v in [params.m_kib, params.t, params.p] {
                head.extend_from_slice(&v.to_le_bytes());
            }
            head.extend_from_slice(&salt);
            head.extend_from_slice(&check);
            seal_into(&mut out, head, &key, &zip)?;
            manifest
        }
        Protect::Recipient(recipient) => {
            let mut zip = Cursor::new(Vec::new());
            let manifest = build_zip(&mut zip, header, files, signer, None)?;
            let zip = Zeroizing::new(zip.into_inner());
            let eph = RecipientSecret::generate()?;
            let eph_public = eph.public();
            let key = recipient_key(&eph, recipient, &eph_public, recipient)?;
            let mut head = header_start(MODE_RECIPIENT);
            head.extend_from_slice(&recipient.id_bytes());
            head.extend_from_slice(eph_public.as_bytes());
            seal_into(&mut out, head, &key, &zip)?;
            manifest
        }
    };
    out.flush().map_err(container_write_error)?;
    Ok(manifest)
}

fn build_zip<W: Write + Seek>(
    out: W,
    header: ManifestBase,
    files: impl IntoIterator<Item = (String, Vec<u8>)>,
    signer: &Signer,
    password: Option<&[u8]>,
) -> Result<Manifest> {
    let mut zip = zip::ZipWriter::new(out);
    // Every entry, the manifest and signature included, under the password when there is one
    // (each entry gets its own random salt, so no key stream repeats).
    let lock = |o: zip::write::SimpleFileOptions| match password {
        Some(p) => o.with_aes_encryption_bytes(zip::AesMode::Aes256, p),
        None => o,
    };
    let zip_err = |e: zip::result::ZipError| container_write_error(e.into());
    let mut entries = Vec::new();
    let mut seen = BTreeSet::new();
    for (path, bytes) in files {
        if !safe_path(&path) || path == MANIFEST || path == SIGNATURE || !seen.insert(path.clone()) {
            return Err(Error::invalid("container file name", "is unsafe, reserved or repeated"));
        }
        let method =
            if is_precompressed(&path) { zip::CompressionMethod::Stored } else { zip::CompressionMethod::Deflated };
        let opts = lock(
            zip::write::SimpleFileOptions::default()
                .compression_method(method)
                .large_file(bytes.len() as u64 >= u64::from(u32::MAX)),
        );
        zip.start_file(path.as_str(), opts).map_err(zip_err)?;
        zip.write_all(&bytes).map_err(container_write_error)?;
        entries.push(FileEntry { path, size: bytes.len() as u64, sha256: crypto::hex(&crypto::sha256(&[&bytes])) });
    }
    let mut counts = header.counts;
    counts.insert("files".into(), entries.len() as u64);
    let manifest = Manifest {
        format: FORMAT,
        kind: header.kind,
        id: header.id.unwrap_or_default(),
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        centre: header.centre,
        signer: signer.key_id.clone(),
        counts,
        files: entries,
        meta: header.meta,
    };
    let manifest_bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|_| Error::Internal("the container manifest could not be encoded"))?;
    let signature = signer.key.sign(&manifest_bytes);
    let deflate = lock(zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated));
    zip.start_file(MANIFEST, deflate).map_err(zip_err)?;
    zip.write_all(&manifest_bytes).map_err(container_write_error)?;
    let stored = lock(zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored));
    zip.start_file(SIGNATURE, stored).map_err(zip_err)?;
    zip.write_all(&signature.to_bytes()).map_err(container_write_error)?;
    zip.finish().map_err(zip_err)?;
    Ok(manifest)
}

fn header_start(mode: u8) -> Vec<u8> {
    let mut h = MAGIC.to_vec();
    h.push(HEADER_VERSION);
    h.push(mode);
    h
}

fn seal_into(out: &mut impl Write, mut head: Vec<u8>, key: &crypto::SecretKey, plain: &[u8]) -> Result<()> {
    let sealed_len = (plain.len() + SEAL_OVERHEAD) as u64;
    head.extend_from_slice(&sealed_len.to_le_bytes());
    // A sealing failure stays a crypto error; only the writes below are I/O.
    let sealed = crypto::seal(key, plain, &head)?;
    out.write_all(&head).map_err(container_write_error)?;
    out.write_all(&sealed).map_err(container_write_error)
}

/// `write` is handed a stream, not a file, so the error names the container; the shell that chose
/// the file knows its path. The source is kept (a full disk reads as one).
fn container_write_error(source: std::io::Error) -> Error {
    Error::Io { action: "write", path: "the container".into(), source }
}

/// The AES key and the password check value, both from one Argon2id derivation.
fn password_keys(password: &[u8], salt: &[u8], params: KdfParams) -> Result<(crypto::SecretKey, [u8; CHECK_LEN])> {
    let master = crypto::derive_key(password, salt, params)?;
    let key = crypto::expand_key(master.as_bytes(), salt, b"centrebook sealed password key v1")?;
    let check_key = crypto::expand_key(master.as_bytes(), salt, b"centrebook sealed password check v1")?;
    let check = check_key.as_bytes()[..CHECK_LEN].try_into().expect("16 of 32 bytes");
    Ok((key, check))
}

/// The shared AES key: X25519 between `secret` and `peer`, then HKDF salted with both public keys
/// (ephemeral first), so the key is bound to this exact pair.
fn recipient_key(
    secret: &RecipientSecret,
    peer: &RecipientPublic,
    eph_public: &RecipientPublic,
    recipient_public: &RecipientPublic,
) -> Result<crypto::SecretKey> {
    let shared = secret.0.diffie_hellman(&x25519_dalek::PublicKey::from(peer.0));
    if !shared.was_contributory() {
        return refuse(Refusal::Tampered("the encryption header is invalid"));
    }
    let mut salt = eph_public.0.to_vec();
    salt.extend_from_slice(&recipient_public.0);
    crypto::expand_key(shared.as_bytes(), &salt, b"centrebook sealed x25519 v1")
}

/// Moves the plaintext out of its wiping wrapper without a copy (the payload is returned anyway).
fn take(mut plain: Zeroizing<Vec<u8>>) -> Vec<u8> {
    std::mem::take(&mut *plain)
}

/// Reads a byte cursor over a header.
struct Header<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Header<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.bytes.len() - self.at < n {
            return refuse(Refusal::Truncated);
        }
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
}

/// Splits `sealed length | nonce | ct` off the header and returns the AAD and the sealed part.
fn sealed_part<'a>(h: &mut Header<'a>) -> Result<(&'a [u8], &'a [u8])> {
    let len = u64::from_le_bytes(h.take(8)?.try_into().expect("8 bytes"));
    let aad = &h.bytes[..h.at];
    let rest = &h.bytes[h.at..];
    if (rest.len() as u64) < len {
        return refuse(Refusal::Truncated);
    }
    if (rest.len() as u64) > len {
        return refuse(Refusal::Tampered("bytes were added after the end"));
    }
    Ok((aad, rest))
}

/// Decrypts if needed; returns the ZIP bytes and how they were protected.
fn unwrap<'a>(bytes: &'a [u8], unprotect: Unprotect<'_>) -> Result<(std::borrow::Cow<'a, [u8]>, Protection)> {
    if !bytes.starts_with(MAGIC) {
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            return Ok((bytes.into(), Protection::None));
        }
        if bytes.len() < MAGIC.len() && MAGIC.starts_with(bytes) && !bytes.is_empty() {
            return refuse(Refusal::Truncated);
        }
        return refuse(Refusal::NotAContainer);
    }
    let mut h = Header { bytes, at: MAGIC.len() };
    let version = h.take(1)?[0];
    if version != HEADER_VERSION {
        return refuse(Refusal::NewerFormat(version.into()));
    }
    match h.take(1)?[0] {
        MODE_PASSWORD => {
            let params = KdfParams { m_kib: h.u32()?, t: h.u32()?, p: h.u32()? };
            let salt = h.take(SALT_LEN)?;
            let check = h.take(CHECK_LEN)?;
            let (aad, sealed) = sealed_part(&mut h)?;
            if params.m_kib > MAX_KDF.m_kib || params.t > MAX_KDF.t || params.p > MAX_KDF.p {
                return refuse(Refusal::Tampered("unreasonable key-derivation settings"));
            }
            let Unprotect::Password(password) = unprotect else {
                return refuse(Refusal::PasswordNeeded);
            };
            let (key, expected) = password_keys(password, salt, params)
                .map_err(|_| Refusal::Tampered("unusable key-derivation settings"))?;
            if !same_bytes(&expected, check) {
                return refuse(Refusal::WrongPassword);
            }
            let plain = crypto::open(&key, sealed, aad).ok_or(Refusal::Tampered("the encrypted content"))?;
            Ok((take(plain).into(), Protection::Password))
        }
        MODE_RECIPIENT => {
            let id = h.take(8)?;
            let eph: [u8; 32] = h.take(32)?.try_into().expect("32 bytes");
            let (aad, sealed) = sealed_part(&mut h)?;
            let Unprotect::Recipient(secret) = unprotect else {
                return refuse(Refusal::RecipientKeyNeeded);
            };
            if secret.public().id_bytes() != id {
                return refuse(Refusal::NotForRecipient);
            }
            let eph = RecipientPublic(eph);
            let key = recipient_key(secret, &eph, &eph, &secret.public())?;
            let plain = crypto::open(&key, sealed, aad).ok_or(Refusal::Tampered("the encrypted content"))?;
            Ok((take(plain).into(), Protection::Recipient))
        }
        _ => refuse(Refusal::NotAContainer),
    }
}

/// Constant-time comparison, so the check value leaks nothing through timing.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether the bytes hold a ZIP end-of-central-directory record, so a failed parse is damage
/// rather than a cut-off copy.
fn has_end_record(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(22 + u16::MAX as usize)..];
    tail.windows(4).any(|w| w == b"PK\x05\x06")
}

/// Opens a container, checking everything (see the module documentation for the order), and
/// returns its manifest and files. Every refusal is an [`Error::Sealed`] with its [`Refusal`].
///
/// `trust` maps a signer key id to its public key, or `None` when the key is not trusted (for the
/// centre's own containers, every key in its `signing_keys` table).
pub fn open(
    bytes: &[u8],
    unprotect: Unprotect<'_>,
    trust: &dyn Fn(&str) -> Option<VerifyingKey>,
    expect: Expect<'_>,
    limits: Limits,
) -> Result<Opened> {
    if bytes.len() as u64 > limits.max_input {
        return refuse(Refusal::Oversized("the file is larger than the limit"));
    }
    let (zip_bytes, protection) = unwrap(bytes, unprotect)?;
    let mut archive = match zip::ZipArchive::new(Cursor::new(&zip_bytes[..])) {
        Ok(a) => a,
        Err(_) if !has_end_record(&zip_bytes) => return refuse(Refusal::Truncated),
        Err(_) => return refuse(Refusal::Tampered("the archive structure is damaged")),
    };
    if archive.len() > limits.max_files {
        return refuse(Refusal::Oversized("too many files inside"));
    }
    if archive.has_duplicate_names() {
        return refuse(Refusal::DuplicateFile);
    }

    // First pass over the central directory only: nothing is decompressed until every entry's
    // name, kind and declared size is acceptable.
    let mut names = Vec::with_capacity(archive.len());
    let mut declared_total = 0u64;
    let mut encrypted = 0usize;
    for i in 0..archive.len() {
        let entry = archive.by_index_data(i).map_err(|_| Refusal::Tampered("the archive structure is damaged"))?;
        let name = std::str::from_utf8(entry.name_raw()).map_err(|_| Refusal::UnsafePath)?.to_owned();
        if !safe_path(&name) {
            return refuse(Refusal::UnsafePath);
        }
        if entry.is_dir() || entry.is_symlink() {
            return refuse(Refusal::Tampered("an entry is a folder or link"));
        }
        // Encryption is the standard AES ZIP's, and only on a bare ZIP (never inside a sealed one).
        if entry.encrypted() {
            if protection != Protection::None {
                return refuse(Refusal::Tampered("an entry is encrypted inside a sealed container"));
            }
            encrypted += 1;
        }
        if !matches!(entry.compression(), zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated) {
            return refuse(Refusal::Tampered("an entry uses an unknown compression method"));
        }
        let (size, packed) = (entry.size(), entry.compressed_size());
        if size > limits.max_file {
            return refuse(Refusal::Oversized("a file inside is larger than the limit"));
        }
        if size > RATIO_FLOOR && size / packed.max(1) > limits.max_ratio {
            return refuse(Refusal::Oversized("a file inside is compressed suspiciously well (zip bomb)"));
        }
        declared_total = declared_total.saturating_add(size);
        if declared_total > limits.max_total {
            return refuse(Refusal::Oversized("the files inside add up to more than the limit"));
        }
        names.push(name);
    }
    // A password ZIP has every entry AES-encrypted: a mix, or the old ZipCrypto scheme (which
    // anyone can break), is refused; then the password is needed and checked on the manifest.
    let zip_password = match encrypted {
        0 => None,
        n if n != names.len() => return refuse(Refusal::Tampered("some entries are encrypted and some are not")),
        _ => {
            for i in 0..names.len() {
                match archive.get_aes_verification_key_and_salt(i) {
                    Ok(Some(_)) => {}
                    Ok(None) => return refuse(Refusal::Tampered("an entry uses the old, unsafe ZIP encryption")),
                    Err(_) => return refuse(Refusal::Tampered("the archive structure is damaged")),
                }
            }
            match unprotect {
                Unprotect::Password(p) => Some(p),
                _ => return refuse(Refusal::PasswordNeeded),
            }
        }
    };
    let protection = if zip_password.is_some() { Protection::Password } else { protection };
    let index_of = |name: &str| names.iter().position(|n| n == name);
    let (Some(m), Some(s)) = (index_of(MANIFEST), index_of(SIGNATURE)) else {
        return refuse(Refusal::NotAContainer);
    };

    // Reads one entry, never more than its declared size (which passed the limits above), and
    // insists on exactly that many bytes.
    let mut read = |i: usize, cap: u64| -> Result<Vec<u8>> {
        let entry = match zip_password {
            Some(p) => archive.by_index_decrypt(i, p),
            None => archive.by_index(i),
        };
        let mut f = entry.map_err(|e| match e {
            zip::result::ZipError::InvalidPassword => Refusal::WrongPassword,
            _ => Refusal::Tampered("the archive structure is damaged"),
        })?;
        let size = f.size();
        if size > cap {
            return refuse(Refusal::Oversized("a file inside is larger than the limit"));
        }
        let mut buf = Vec::with_capacity(size as usize);
        (&mut f)
            .take(size + 1)
            .read_to_end(&mut buf)
            .map_err(|_| Refusal::Tampered("a file inside cannot be decompressed"))?;
        if buf.len() as u64 != size {
            return refuse(Refusal::Tampered("a file inside has the wrong length"));
        }
        Ok(buf)
    };

    let manifest_bytes = read(m, MAX_MANIFEST)?;
    let signature = read(s, 64)?;
    let value: serde_json::Value =
        serde_json::from_slice(&manifest_bytes).map_err(|_| Refusal::Tampered("the manifest is unreadable"))?;
    match value.get("format").and_then(serde_json::Value::as_u64) {
        Some(f) if f > u64::from(FORMAT) => return refuse(Refusal::NewerFormat(f.try_into().unwrap_or(u32::MAX))),
        Some(f) if f == u64::from(FORMAT) => {}
        _ => return refuse(Refusal::Tampered("the manifest is unreadable")),
    }
    let manifest: Manifest =
        serde_json::from_value(value).map_err(|_| Refusal::Tampered("the manifest is unreadable"))?;
    let Some(public) = trust(&manifest.signer) else {
        return refuse(Refusal::UnknownSigner(
            manifest.signer.chars().filter(char::is_ascii_hexdigit).take(16).collect(),
        ));
    };
    let signature =
        <[u8; 64]>::try_from(signature.as_slice()).map_err(|_| Refusal::Tampered("the signature is malformed"))?;
    if public.verify(&manifest_bytes, &Signature::from_bytes(&signature)).is_err() {
        return refuse(Refusal::Tampered("the signature does not match the manifest"));
    }
    if let Some(kind) = expect.kind {
        if manifest.kind != kind {
            return refuse(Refusal::WrongKind { expected: kind, found: manifest.kind });
        }
    }
    if let Some(centre) = expect.centre_id {
        if manifest.centre.id != centre {
            return refuse(Refusal::NotForThisCentre);
        }
    }

    // The manifest is authentic: now the payload must match it exactly.
    let listed: BTreeSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    if listed.len() != manifest.files.len() {
        return refuse(Refusal::DuplicateFile);
    }
    if names.iter().any(|n| n != MANIFEST && n != SIGNATURE && !listed.contains(n.as_str())) {
        return refuse(Refusal::UnlistedFile);
    }
    let mut files = Vec::with_capacity(manifest.files.len());
    for entry in &manifest.files {
        let Some(i) = index_of(&entry.path) else {
            return refuse(Refusal::MissingFile);
        };
        let bytes = read(i, limits.max_file)?;
        if bytes.len() as u64 != entry.size || crypto::hex(&crypto::sha256(&[&bytes])) != entry.sha256 {
            return refuse(Refusal::HashMismatch);
        }
        files.push((entry.path.clone(), bytes));
    }
    Ok(Opened { manifest, manifest_bytes, protection, files })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: KdfParams = KdfParams::FAST_FOR_TESTS;

    fn signer(seed: u8) -> Signer {
        Signer::new(SigningKey::from_bytes(&[seed; 32]))
    }

    fn trusting(s: &Signer) -> impl Fn(&str) -> Option<VerifyingKey> {
        let (id, key) = (s.key_id().to_owned(), s.verifying_key());
        move |k: &str| (k == id).then_some(key)
    }

    fn payload() -> Vec<(String, Vec<u8>)> {
        vec![
            ("results.csv".into(), b"name,result\nA,pass\n".to_vec()),
            ("photos/0001.jpg".into(), vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]),
        ]
    }

    fn base() -> ManifestBase {
        ManifestBase::new(Kind::Bundle, "centre-1", "Riverside")
            .count("candidates", 1)
            .meta(serde_json::json!({"p": 1}))
    }

    fn make(protect: Protect<'_>, s: &Signer) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        write(&mut out, base(), payload(), s, protect).unwrap();
        out.into_inner()
    }

    fn open_with(bytes: &[u8], u: Unprotect<'_>, s: &Signer) -> Result<Opened> {
        open(
            bytes,
            u,
            &trusting(s),
            Expect { kind: Some(Kind::Bundle), centre_id: Some("centre-1") },
            Limits::default(),
        )
    }

    fn refusal(r: Result<Opened>) -> Refusal {
        match r {
            Err(Error::Sealed(r)) => r,
            Err(e) => panic!("expected a refusal, got {e:?}"),
            Ok(_) => panic!("expected a refusal, the container opened"),
        }
    }

    /// A ZIP with exactly these entries (any names), plus a manifest listing `listed` and signed by
    /// `s`, for crafting archives `write` would never make.
    fn craft(entries: &[(&str, &[u8])], listed: &[(&str, &[u8])], s: &Signer) -> Vec<u8> {
        let manifest = Manifest {
            format: FORMAT,
            kind: Kind::Bundle,
            id: Id::new(),
            created_at: "2026-11-25T00:00:00Z".into(),
            centre: CentreRef { id: "centre-1".into(), name: "Riverside".into() },
            signer: s.key_id().into(),
            counts: BTreeMap::new(),
            files: listed
                .iter()
                .map(|(p, b)| FileEntry {
                    path: (*p).into(),
                    size: b.len() as u64,
                    sha256: crypto::hex(&crypto::sha256(&[b])),
                })
                .collect(),
            meta: serde_json::Value::Null,
        };
        let mbytes = serde_json::to_vec(&manifest).unwrap();
        let sig = s.key.sign(&mbytes).to_bytes();
        raw_zip(&[entries, &[(MANIFEST, &mbytes), (SIGNATURE, &sig)]].concat())
    }

    fn raw_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in entries {
            z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn round_trips_plain_password_and_recipient() {
        let s = signer(1);
        let plain = make(Protect::None, &s);
        let o = open_with(&plain, Unprotect::None, &s).unwrap();
        assert_eq!(o.files, payload());
        assert_eq!(o.protection, Protection::None);
        assert_eq!(o.manifest.counts["candidates"], 1);
        assert_eq!(o.manifest.counts["files"], 2);
        assert_eq!(o.manifest.meta["p"], 1);
        assert_eq!(o.manifest.signer, s.key_id());
        assert_eq!(o.file("results.csv").unwrap(), b"name,result\nA,pass\n");

        let pw = make(Protect::Password { password: b"open sesame", params: FAST }, &s);
        assert!(!pw.windows(6).any(|w| w == b"A,pass"), "password container must not hold plaintext");
        let o = open_with(&pw, Unprotect::Password(b"open sesame"), &s).unwrap();
        assert_eq!((o.files, o.protection), (payload(), Protection::Password));

        let laptop = RecipientSecret::generate().unwrap();
        let to = make(Protect::Recipient(&laptop.public()), &s);
        let o = open_with(&to, Unprotect::Recipient(&laptop), &s).unwrap();
        assert_eq!((o.files, o.protection), (payload(), Protection::Recipient));
        // The ids differ per container.
        assert_ne!(open_with(&plain, Unprotect::None, &s).unwrap().manifest.id, o.manifest.id);
    }

    /// The standard AES ZIP: what any archive tool opens with the password (see the CLI's pyzipper
    /// test); here, every way it can be wrong.
    #[test]
    fn a_zip_aes_container_round_trips_and_refuses_wrong_missing_and_mixed_encryption() {
        let s = signer(1);
        let z = make(Protect::ZipAes(b"correct horse battery"), &s);
        assert!(z.starts_with(b"PK\x03\x04"), "a standard ZIP, no Centrebook header");
        assert!(!z.windows(6).any(|w| w == b"A,pass"), "no plaintext payload");
        assert!(!z.windows(8).any(|w| w == b"\"format\""), "the manifest is encrypted too");
        let o = open_with(&z, Unprotect::Password(b"correct horse battery"), &s).unwrap();
        assert_eq!((o.files, o.protection), (payload(), Protection::Password));
        assert_eq!(refusal(open_with(&z, Unprotect::Password(b"wrong"), &s)), Refusal::WrongPassword);
        assert_eq!(refusal(open_with(&z, Unprotect::None, &s)), Refusal::PasswordNeeded);
        // Every entry carries WinZip's AES extra field (0x9901), strength 3 (AES-256); the zip
        // crate picks AE-2 (no CRC) for entries under 20 bytes and AE-1 above, as WinZip advises.
        let central: Vec<usize> =
            z.windows(4).enumerate().filter(|(_, w)| *w == b"PK\x01\x02").map(|(i, _)| i).collect();
        assert_eq!(central.len(), 4, "two payload files, the manifest and its signature");
        for at in central {
            let aes = z[at..].windows(2).position(|w| w == [0x01, 0x99]).unwrap() + at;
            assert!([1, 2].contains(&z[aes + 4]), "AE-1 or AE-2");
            assert_eq!(&z[aes + 5..aes + 9], &[0, b'A', b'E', 3], "AES-256");
        }
        // A byte changed inside an encrypted entry's data: refused, never returned.
        let first_data = 30 + "results.csv".len() + 11 + 16 + 2;
        for i in [first_data, first_data + 3] {
            let mut bent = z.clone();
            bent[i] ^= 0x20;
            assert!(open_with(&bent, Unprotect::Password(b"correct horse battery"), &s).is_err(), "byte {i}");
        }
        // Some entries encrypted and some not.
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let aes = zip::write::SimpleFileOptions::default().with_aes_encryption_bytes(zip::AesMode::Aes256, b"pw");
        w.start_file("a.csv", aes).unwrap();
        w.write_all(b"x").unwrap();
        w.start_file("b.csv", zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(b"y").unwrap();
        let mixed = w.finish().unwrap().into_inner();
        assert_eq!(
            refusal(open_with(&mixed, Unprotect::Password(b"pw"), &s)),
            Refusal::Tampered("some entries are encrypted and some are not")
        );
        // An empty password is refused when writing.
        let mut out = Cursor::new(Vec::new());
        assert!(matches!(write(&mut out, base(), payload(), &s, Protect::ZipAes(b"")), Err(Error::Invalid { .. })));
    }

    #[test]
    fn every_single_byte_change_to_a_plain_container_is_refused() {
        let s = signer(1);
        let plain = make(Protect::None, &s);
        for i in 0..plain.len() {
            let mut bent = plain.clone();
            bent[i] ^= 0x01;
            // Bytes that no reader ever looks at (zip "version made by", timestamps) may change
            // harmlessly; everything that reaches the caller must be exactly what was signed.
            if let Ok(o) = open_with(&bent, Unprotect::None, &s) {
                assert_eq!(o.files, payload(), "byte {i} changed the payload unnoticed");
                assert_eq!(o.manifest_bytes, open_with(&plain, Unprotect::None, &s).unwrap().manifest_bytes);
            }
        }
    }

    #[test]
    fn tampered_payload_manifest_or_ciphertext_is_refused() {
        let s = signer(1);
        // Payload differs from the signed manifest (with a valid CRC, so only the hash catches it).
        let bad = craft(&[("results.csv", b"changed")], &[("results.csv", b"original")], &s);
        assert_eq!(refusal(open_with(&bad, Unprotect::None, &s)), Refusal::HashMismatch);
        // A manifest re-signed by another key under the trusted key's id.
        let other = signer(2);
        let mut forged = Signer::new(other.key.clone());
        forged.key_id = s.key_id().into();
        let bad = craft(&[("results.csv", b"x")], &[("results.csv", b"x")], &forged);
        assert_eq!(
            refusal(open_with(&bad, Unprotect::None, &s)),
            Refusal::Tampered("the signature does not match the manifest")
        );
        // A bit flipped in the password-sealed body.
        let mut pw = make(Protect::Password { password: b"pw", params: FAST }, &s);
        let n = pw.len();
        pw[n - 20] ^= 0x80;
        assert_eq!(refusal(open_with(&pw, Unprotect::Password(b"pw"), &s)), Refusal::Tampered("the encrypted content"));
        // A bit flipped in the recipient header's ephemeral key.
        let laptop = RecipientSecret::generate().unwrap();
        let mut to = make(Protect::Recipient(&laptop.public()), &s);
        to[8 + 8 + 3] ^= 0x01;
        assert!(matches!(refusal(open_with(&to, Unprotect::Recipient(&laptop), &s)), Refusal::Tampered(_)));
        // Bytes appended after a sealed container.
        let mut pw = make(Protect::Password { password: b"pw", params: FAST }, &s);
        pw.push(0);
        assert_eq!(
            refusal(open_with(&pw, Unprotect::Password(b"pw"), &s)),
            Refusal::Tampered("bytes were added after the end")
        );
    }

    #[test]
    fn truncated_containers_are_refused_as_truncated() {
        let s = signer(1);
        let plain = make(Protect::None, &s);
        for cut in [plain.len() / 2, plain.len() - 30, 10] {
            assert_eq!(refusal(open_with(&plain[..cut], Unprotect::None, &s)), Refusal::Truncated, "cut at {cut}");
        }
        let pw = make(Protect::Password { password: b"pw", params: FAST }, &s);
        for cut in [pw.len() - 1, 40, 7] {
            assert_eq!(
                refusal(open_with(&pw[..cut], Unprotect::Password(b"pw"), &s)),
                Refusal::Truncated,
                "cut at {cut}"
            );
        }
        assert_eq!(refusal(open_with(b"CBSE", Unprotect::None, &s)), Refusal::Truncated);
    }

    #[test]
    fn passwords_wrong_or_missing_are_refused() {
        let s = signer(1);
        let pw = make(Protect::Password { password: b"right", params: FAST }, &s);
        assert_eq!(refusal(open_with(&pw, Unprotect::Password(b"wrong"), &s)), Refusal::WrongPassword);
        assert_eq!(refusal(open_with(&pw, Unprotect::None, &s)), Refusal::PasswordNeeded);
        let laptop = RecipientSecret::generate().unwrap();
        assert_eq!(refusal(open_with(&pw, Unprotect::Recipient(&laptop), &s)), Refusal::PasswordNeeded);
        // A crafted header demanding absurd Argon2 memory is refused before deriving anything.
        let mut greedy = pw.clone();
        greedy[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(refusal(open_with(&greedy, Unprotect::Password(b"right"), &s)), Refusal::Tampered(_)));
    }

    #[test]
    fn a_container_for_another_recipient_is_refused() {
        let s = signer(1);
        let (mine, theirs) = (RecipientSecret::generate().unwrap(), RecipientSecret::generate().unwrap());
        let to = make(Protect::Recipient(&theirs.public()), &s);
        assert_eq!(refusal(open_with(&to, Unprotect::Recipient(&mine), &s)), Refusal::NotForRecipient);
        assert_eq!(refusal(open_with(&to, Unprotect::None, &s)), Refusal::RecipientKeyNeeded);
        assert_eq!(refusal(open_with(&to, Unprotect::Password(b"x"), &s)), Refusal::RecipientKeyNeeded);
        // The key's text form round-trips and garbage is refused.
        assert_eq!(RecipientPublic::from_text(&mine.public().to_text()).unwrap(), mine.public());
        assert!(RecipientPublic::from_text("nope").is_err());
        assert_eq!(RecipientSecret::from_bytes(*mine.to_bytes()).public(), mine.public());
    }

    #[test]
    fn wrong_centre_wrong_kind_and_unknown_signer_are_refused() {
        let s = signer(1);
        let plain = make(Protect::None, &s);
        let elsewhere = Expect { kind: None, centre_id: Some("centre-2") };
        let r = open(&plain, Unprotect::None, &trusting(&s), elsewhere, Limits::default());
        assert_eq!(refusal(r), Refusal::NotForThisCentre);
        let pack = Expect { kind: Some(Kind::Fieldpack), centre_id: None };
        let r = open(&plain, Unprotect::None, &trusting(&s), pack, Limits::default());
        assert_eq!(refusal(r), Refusal::WrongKind { expected: Kind::Fieldpack, found: Kind::Bundle });
        let r = open_with(&plain, Unprotect::None, &signer(3));
        assert_eq!(refusal(r), Refusal::UnknownSigner(s.key_id().into()));
    }

    #[test]
    fn oversized_inputs_and_zip_bombs_are_refused() {
        let s = signer(1);
        let plain = make(Protect::None, &s);
        let strict = |l: Limits| open(&plain, Unprotect::None, &trusting(&s), Expect::default(), l);
        let d = Limits::default();
        assert!(matches!(refusal(strict(Limits { max_input: 100, ..d })), Refusal::Oversized(_)));
        assert!(matches!(refusal(strict(Limits { max_files: 3, ..d })), Refusal::Oversized(_)));
        assert!(matches!(refusal(strict(Limits { max_file: 10, ..d })), Refusal::Oversized(_)));
        assert!(matches!(refusal(strict(Limits { max_total: 100, ..d })), Refusal::Oversized(_)));
        // 20 MB of zeros deflates about 1000:1.
        let zeros = vec![0u8; 20 << 20];
        let bomb = craft(&[("a.csv", &zeros)], &[("a.csv", &zeros)], &s);
        assert!(bomb.len() < 1 << 20);
        let r = open(&bomb, Unprotect::None, &trusting(&s), Expect::default(), d);
        assert_eq!(refusal(r), Refusal::Oversized("a file inside is compressed suspiciously well (zip bomb)"));
    }

    #[test]
    fn unsafe_paths_are_refused_on_reading_and_writing() {
        let s = signer(1);
        for name in ["../evil.csv", "/etc/passwd", "a\\..\\b.csv", "C:evil.csv", "c:/x", "a/../../b", "a//b", "./a"] {
            assert!(!safe_path(name), "{name}");
            let bad = craft(&[(name, b"x")], &[(name, b"x")], &s);
            assert_eq!(refusal(open_with(&bad, Unprotect::None, &s)), Refusal::UnsafePath, "{name}");
            let mut out = Cursor::new(Vec::new());
            let written = write(&mut out, base(), vec![(name.to_owned(), vec![1])], &s, Protect::None);
            assert!(matches!(written, Err(Error::Invalid { .. })), "{name}");
        }
        assert!(safe_path("photos/0001_smith.jpg"));
    }

    #[test]
    fn missing_unlisted_and_duplicate_files_are_refused() {
        let s = signer(1);
        let missing = craft(&[], &[("results.csv", b"x")], &s);
        assert_eq!(refusal(open_with(&missing, Unprotect::None, &s)), Refusal::MissingFile);
        let extra = craft(&[("results.csv", b"x"), ("extra.csv", b"y")], &[("results.csv", b"x")], &s);
        assert_eq!(refusal(open_with(&extra, Unprotect::None, &s)), Refusal::UnlistedFile);
        let listed_twice = craft(&[("a.csv", b"x")], &[("a.csv", b"x"), ("a.csv", b"x")], &s);
        assert_eq!(refusal(open_with(&listed_twice, Unprotect::None, &s)), Refusal::DuplicateFile);
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for _ in 0..2 {
            // The zip writer refuses duplicates, so the second copy is raw-copied under the same name.
            if z.start_file("a.csv", zip::write::SimpleFileOptions::default()).is_err() {
                break;
            }
            z.write_all(b"x").unwrap();
        }
        let once = z.finish().unwrap().into_inner();
        let twice = duplicate_entry(&once);
        assert_eq!(refusal(open_with(&twice, Unprotect::None, &s)), Refusal::DuplicateFile);
    }

    /// Doubles the only entry of a one-file ZIP by hand (local header + data, central header).
    fn duplicate_entry(zip: &[u8]) -> Vec<u8> {
        let cd = zip.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        let eocd = zip.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
        let local = &zip[..cd];
        let central = &zip[cd..eocd];
        let mut central2 = central.to_vec();
        central2[42..46].copy_from_slice(&(local.len() as u32).to_le_bytes());
        let mut out = [local, local, central, &central2].concat();
        let mut end = zip[eocd..].to_vec();
        end[8..10].copy_from_slice(&2u16.to_le_bytes());
        end[10..12].copy_from_slice(&2u16.to_le_bytes());
        end[12..16].copy_from_slice(&((central.len() * 2) as u32).to_le_bytes());
        end[16..20].copy_from_slice(&((local.len() * 2) as u32).to_le_bytes());
        out.extend_from_slice(&end);
        out
    }

    #[test]
    fn foreign_files_and_newer_formats_are_refused() {
        let s = signer(1);
        assert_eq!(refusal(open_with(b"%PDF-1.7 hello", Unprotect::None, &s)), Refusal::NotAContainer);
        assert_eq!(refusal(open_with(b"", Unprotect::None, &s)), Refusal::NotAContainer);
        let no_manifest = raw_zip(&[("results.csv", b"x")]);
        assert_eq!(refusal(open_with(&no_manifest, Unprotect::None, &s)), Refusal::NotAContainer);
        let mut pw = make(Protect::Password { password: b"pw", params: FAST }, &s);
        pw[6] = 2;
        assert_eq!(refusal(open_with(&pw, Unprotect::Password(b"pw"), &s)), Refusal::NewerFormat(2));
        let newer = serde_json::to_vec(&serde_json::json!({"format": 7})).unwrap();
        let sig = s.key.sign(&newer).to_bytes();
        let z = raw_zip(&[(MANIFEST, &newer), (SIGNATURE, &sig)]);
        assert_eq!(refusal(open_with(&z, Unprotect::None, &s)), Refusal::NewerFormat(7));
        // Refusal messages never echo names from inside the archive.
        let bad = craft(&[("../Jane_Smith.jpg", b"x")], &[], &s);
        let msg = Error::Sealed(refusal(open_with(&bad, Unprotect::None, &s))).to_string();
        assert!(!msg.contains("Smith"), "{msg}");
    }
}
