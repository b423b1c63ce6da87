//! Helpers for the crate's tests: real SQLCipher stores in temporary folders.

use crate::keys::keychain_mock;
use crate::{init, DataDir, InitOptions, Initialised, KdfParams, Keychain};

pub const PASSPHRASE: &str = "correct horse battery staple";
pub const ADMIN_PASSWORD: &str = "admin password 1";

pub struct Fixture {
    pub tmp: tempfile::TempDir,
    pub dir: DataDir,
    pub keychain: Keychain,
}

impl Fixture {
    /// A temporary folder with keyring's mock keychain (or none).
    pub fn new(with_keychain: bool) -> Self {
        keychain_mock();
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = DataDir::new(tmp.path().join("data"));
        let keychain = if with_keychain { Keychain::os() } else { Keychain::off() };
        Fixture { tmp, dir, keychain }
    }

    pub fn init(&self) -> Initialised {
        init(
            &self.dir,
            &self.keychain,
            &InitOptions {
                centre_name: "Riverside Plant Training",
                admin_username: "admin",
                admin_password: ADMIN_PASSWORD,
                passphrase: PASSPHRASE,
                kdf: KdfParams::FAST_FOR_TESTS,
            },
        )
        .expect("init")
    }

    /// Every file in the data folder and the system temp folder's SQLite leftovers, as bytes.
    pub fn files_on_disk(&self) -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![self.tmp.path().to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("read_dir") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push((p.clone(), std::fs::read(&p).expect("read")));
                }
            }
        }
        out
    }
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

pub fn sha(path: &std::path::Path) -> [u8; 32] {
    crate::crypto::sha256(&[&std::fs::read(path).expect("read")])
}

/// The day the records tests are written for.
pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a real day")
}

/// A store with its admin, an office clerk (`olly`) and a trainer (`tess`), each signed in.
pub struct World {
    pub _fx: Fixture,
    pub store: crate::Store,
    pub admin: crate::Actor,
    pub office: crate::Actor,
    pub trainer: crate::Actor,
}

pub fn world() -> World {
    use crate::{NewUser, Role};
    let fx = Fixture::new(false);
    let init = fx.init();
    let (mut store, admin) = (init.store, init.admin);
    for (u, role) in [("olly", Role::Office), ("tess", Role::Trainer)] {
        store.add_user(&admin, &NewUser { username: u, display_name: u, role, password: "a password 1" }).unwrap();
    }
    let office = store.login("olly", "a password 1").unwrap();
    let trainer = store.login("tess", "a password 1").unwrap();
    World { _fx: fx, store, admin, office, trainer }
}
