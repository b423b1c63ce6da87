//! The layering rules of ARCHITECTURE.md, checked: which top-level modules of the crate may never
//! name which others. A `use crate::x` or `crate::x::…` path in a module's (non-test) sources counts.

use std::collections::BTreeSet;
use std::path::Path;

/// (module, the modules it must never name, why).
const NEVER: &[(&str, &[&str], &str)] = &[
    ("actor", &["users", "audit", "store", "records"], "a leaf: who is acting, nothing else"),
    ("crypto", &["store", "keys", "audit", "records"], "a leaf"),
    ("fields", &["store", "records", "audit"], "validation is pure"),
    ("photo", &["store", "records", "audit"], "image handling is pure"),
    ("csv_out", &["store", "records", "outfile"], "a leaf"),
    ("outfile", &["store", "records", "audit"], "a leaf"),
    ("viewing", &["store", "records", "audit", "documents"], "a leaf: a folder for the viewer, nothing else"),
    (
        "audit",
        &["records", "documents", "bundle", "field", "import", "users"],
        "everything audits; it depends on nothing it records",
    ),
    (
        "records",
        &["documents", "bundle", "field", "sealed", "import", "demo", "retention"],
        "records never reach documents or sharing",
    ),
    (
        "retention",
        &["documents", "bundle", "field", "sealed", "import", "demo"],
        "retention removes records; it never makes documents or shares them",
    ),
    ("import", &["documents", "bundle", "field", "sealed"], "import only writes records"),
    ("documents", &["bundle", "field", "sealed", "import", "demo"], "documents never reach sharing"),
    ("sealed", &["bundle", "field", "records", "import"], "the container knows no payload"),
    ("bundle", &["field", "import"], "bundles and field work are separate ways out"),
    ("field", &["bundle", "import"], "bundles and field work are separate ways out"),
    ("subject", &["bundle", "field", "import"], "a subject copy is its own way out"),
];

/// The crate's modules named by paths in `module`'s non-test sources.
fn names(module: &str) -> BTreeSet<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![src.join(format!("{module}.rs"))];
    let dir = src.join(module);
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != "tests") {
                    stack.push(p);
                }
            } else {
                files.push(p);
            }
        }
    }
    let mut out = BTreeSet::new();
    for f in files.into_iter().filter(|f| f.exists() && !f.to_string_lossy().ends_with("tests.rs")) {
        let text = std::fs::read_to_string(&f).unwrap();
        // Inline test modules sit at the end of a file; their imports are not the module's.
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (i, _) in line.match_indices("crate::") {
                let name: String = line[i + 7..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

#[test]
fn modules_never_name_what_the_layering_forbids() {
    let mut broken = Vec::new();
    for (module, never, why) in NEVER {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        assert!(src.join(format!("{module}.rs")).exists() || src.join(module).is_dir(), "no module {module}");
        let named = names(module);
        for n in never.iter().filter(|n| named.contains(**n)) {
            broken.push(format!("{module} names {n} ({why})"));
        }
    }
    assert!(broken.is_empty(), "layering broken:\n{}", broken.join("\n"));
}

#[test]
fn the_scan_sees_a_forbidden_name() {
    // records names audit (allowed): the scan must find it, or the rule above proves nothing.
    assert!(names("records").contains("audit"));
    assert!(names("bundle").contains("sealed"));
}
