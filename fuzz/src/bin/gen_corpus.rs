//! Writes small seed inputs into `corpus/`: containers of each protection, signed by the fuzz key,
//! and the built-in profiles.

use std::io::Cursor;

use centrebook_core::bundle::profile::BUILT_IN;
use centrebook_core::sealed::{self, Kind, ManifestBase, Protect};

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let files = || {
        vec![
            ("results.csv".to_owned(), b"\xEF\xBB\xBFName,Result\r\nA B,pass\r\n".to_vec()),
            ("photos/0001_B.jpg".to_owned(), vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16]),
        ]
    };
    let recipient = centrebook_fuzz::recipient().public();
    for (name, mode, protect) in [("plain", 0u8, Protect::None), ("recipient", 1u8, Protect::Recipient(&recipient))] {
        let mut out = Cursor::new(Vec::new());
        let base = ManifestBase::new(Kind::Bundle, "centre", "Fuzz Centre").count("results", 1);
        sealed::write(&mut out, base, files(), &centrebook_fuzz::signer(), protect).unwrap();
        let mut bytes = vec![mode];
        bytes.extend(out.into_inner());
        std::fs::write(root.join("sealed_open").join(format!("seed-{name}")), bytes).unwrap();
    }
    for (name, json) in BUILT_IN {
        std::fs::write(root.join("profile").join(format!("seed-{name}.json")), json).unwrap();
    }
}
