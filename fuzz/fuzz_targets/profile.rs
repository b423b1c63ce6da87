//! The awarding-body profile loader on arbitrary bytes: refuse with a reason or load a profile that
//! validates and survives a round trip unchanged.
#![no_main]

use centrebook_core::bundle::Profile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: centrebook_fuzz::write_profile_seeds(), |data: &[u8]| {
    if let Ok(p) = Profile::from_json(data) {
        p.validate().expect("a loaded profile validates");
        let again = Profile::from_json(p.to_json().as_bytes()).expect("a loaded profile reloads");
        assert_eq!(again, p);
    }
});
