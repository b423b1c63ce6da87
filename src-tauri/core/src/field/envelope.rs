//! The one place field work touches the container format: packs and returns are [`sealed`]
//! containers, always signed and always encrypted to their one recipient (a pack to the laptop, a
//! return to the centre: it holds comments and evidence photos, personal data on a USB stick).

use std::io::Cursor;

use ed25519_dalek::VerifyingKey;

use crate::sealed::{
    self, Expect, Kind, Limits, ManifestBase, Opened, Protect, RecipientPublic, RecipientSecret, Signer, Unprotect,
};
use crate::{Error, Id, Result};

/// Writes a container of `kind` with the given id, from `centre` (id, name), signed and encrypted.
pub(crate) fn seal(
    kind: Kind,
    id: Id,
    centre: (&str, &str),
    files: Vec<(String, Vec<u8>)>,
    counts: &[(&str, u64)],
    signer: &Signer,
    to: &RecipientPublic,
) -> Result<Vec<u8>> {
    let mut base = ManifestBase::new(kind, centre.0, centre.1).with_id(id);
    for (name, n) in counts {
        base = base.count(name, *n);
    }
    let mut out = Cursor::new(Vec::new());
    sealed::write(&mut out, base, files, signer, Protect::Recipient(to))?;
    Ok(out.into_inner())
}

/// Opens a container of `kind` from `centre_id`, signed by a key `trust` knows, encrypted to one of
/// `keys` (several when a key was replaced and older files are still about). Every check of
/// [`sealed::open`] applies; nothing is returned unless all pass.
pub(crate) fn open(
    bytes: &[u8],
    kind: Kind,
    centre_id: &str,
    trust: &dyn Fn(&str) -> Option<VerifyingKey>,
    keys: &[RecipientSecret],
) -> Result<Opened> {
    let expect = Expect { kind: Some(kind), centre_id: Some(centre_id) };
    let mut refused = Error::Sealed(sealed::Refusal::RecipientKeyNeeded);
    for key in keys {
        match sealed::open(bytes, Unprotect::Recipient(key), trust, expect, Limits::default()) {
            Err(e @ Error::Sealed(sealed::Refusal::NotForRecipient)) => refused = e,
            other => return other,
        }
    }
    Err(refused)
}
