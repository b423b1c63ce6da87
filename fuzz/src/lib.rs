//! Shared by the fuzz targets: the one signing key and recipient key they trust, and the seed
//! inputs (written when `CENTREBOOK_FUZZ_SEEDS` names a folder: run a target with `-runs=0`).

use std::io::Cursor;
use std::path::Path;

use centrebook_core::bundle::profile::BUILT_IN;
use centrebook_core::sealed::{self, Kind, ManifestBase, Protect, RecipientSecret, Signer};
use ed25519_dalek::{SigningKey, VerifyingKey};

pub fn signer() -> Signer {
    Signer::new(SigningKey::from_bytes(&[42; 32]))
}

pub fn trust(id: &str) -> Option<VerifyingKey> {
    let s = signer();
    (s.key_id() == id).then(|| s.verifying_key())
}

pub fn recipient() -> RecipientSecret {
    RecipientSecret::from_bytes([7; 32])
}

fn seeds_dir(target: &str) -> Option<std::path::PathBuf> {
    let dir = Path::new(&std::env::var_os("CENTREBOOK_FUZZ_SEEDS")?).join(target);
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

/// Small containers of each protection, signed by the fuzz key; the first byte picks the opening.
pub fn write_container_seeds() {
    let Some(dir) = seeds_dir("sealed_open") else { return };
    let files = || {
        vec![
            ("results.csv".to_owned(), b"\xEF\xBB\xBFName,Result\r\nA B,pass\r\n".to_vec()),
            ("photos/0001_B.jpg".to_owned(), vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16]),
        ]
    };
    let public = recipient().public();
    for (name, mode, protect) in [("plain", 0u8, Protect::None), ("recipient", 1u8, Protect::Recipient(&public))] {
        let mut out = Cursor::new(Vec::new());
        let base = ManifestBase::new(Kind::Bundle, "centre", "Fuzz Centre").count("results", 1);
        sealed::write(&mut out, base, files(), &signer(), protect).expect("a seed container");
        let mut bytes = vec![mode];
        bytes.extend(out.into_inner());
        std::fs::write(dir.join(format!("seed-{name}")), bytes).expect("write a seed");
    }
}

/// The built-in profiles.
pub fn write_profile_seeds() {
    let Some(dir) = seeds_dir("profile") else { return };
    for (name, json) in BUILT_IN {
        std::fs::write(dir.join(format!("seed-{name}.json")), json).expect("write a seed");
    }
}
