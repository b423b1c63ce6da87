//! `sealed::open` on arbitrary bytes: it must refuse or open, never panic, hang or blow memory.
//! The first byte picks how to open (plain, or with the fuzz recipient key); a password would make
//! every input pay for Argon2id, so password headers stop at "password needed".
#![no_main]

use centrebook_core::sealed::{self, safe_path, Expect, Limits, Unprotect};
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: centrebook_fuzz::write_container_seeds(), |data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else { return };
    let secret = centrebook_fuzz::recipient();
    let unprotect = if mode & 1 == 0 { Unprotect::None } else { Unprotect::Recipient(&secret) };
    let limits = Limits { max_input: 8 << 20, max_total: 32 << 20, max_files: 200, max_file: 16 << 20, max_ratio: 100 };
    if let Ok(o) = sealed::open(bytes, unprotect, &centrebook_fuzz::trust, Expect::default(), limits) {
        assert_eq!(o.files.len(), o.manifest.files.len());
        for ((path, bytes), entry) in o.files.iter().zip(&o.manifest.files) {
            assert!(safe_path(path));
            assert_eq!(bytes.len() as u64, entry.size);
        }
    }
});
