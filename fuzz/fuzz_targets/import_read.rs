//! The import reader (`import candidates`) on arbitrary bytes, CSV or XLSX told apart by content as an
//! import does: it must refuse or read, never panic, hang or blow memory, and what it reads stays
//! within its shape limits (200 columns, 200,000 rows with the header). Seeds: `corpus/import_read`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((width, rows)) = centrebook_core::import::fuzz_read(data, None) {
        assert!(width <= 200);
        assert!(rows < 200_000);
    }
});
