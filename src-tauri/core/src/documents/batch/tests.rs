use std::io::{Cursor, Read};
use std::ops::ControlFlow;

use super::super::tests::{candidate, day, opts, pdf_text, world, World};
use super::*;
use crate::audit::AuditFilter;

/// A run with `n` certified passes (and one failure, which has no certificate).
fn issued(n: usize) -> (World, Vec<String>) {
    let mut w = world();
    let names = ["Siân Llewelyn", "Łukasz Bartłomiej", "Seán Ó Súilleabháin", "Ann Lee", "Dai Jones", "Bob Ray"];
    for (i, name) in names.iter().cycle().take(n).enumerate() {
        let (f, s) = name.split_once(' ').unwrap();
        candidate(&mut w, f, s, &format!("JG1037{i:02}A"), true);
    }
    candidate(&mut w, "Fay", "Fail", "JG103799A", false);
    let office = w.office.clone();
    let run = w.store.issue_run_certificates(&office, w.run, &opts()).unwrap();
    let mut numbers: Vec<String> = run.issued.into_iter().map(|c| c.number).collect();
    numbers.sort();
    (w, numbers)
}

fn print(w: &mut World, sel: &Selection, format: BatchFormat) -> (Result<BatchSummary>, Vec<u8>) {
    let office = w.office.clone();
    let mut out = Cursor::new(Vec::new());
    let r = w.store.print_certificates(&office, sel, format, &mut out, &mut |_| ControlFlow::Continue(()));
    (r, out.into_inner())
}

fn page_count(pdf: &[u8]) -> usize {
    lopdf::Document::load_mem(pdf).unwrap().get_pages().len()
}

#[test]
fn a_run_prints_as_one_pdf_with_every_certificate_page_and_number() {
    let (mut w, numbers) = issued(5);
    let run = w.run;
    let (summary, pdf) = print(&mut w, &Selection::Run(run), BatchFormat::Pdf);
    let summary = summary.unwrap();
    assert_eq!((summary.certificates, summary.pages, summary.bytes), (5, 5, pdf.len() as u64));
    assert_eq!(page_count(&pdf), 5);
    let text = pdf_text(&pdf);
    for n in &numbers {
        assert!(text.contains(n.as_str()), "{n} missing from the combined PDF");
    }
    assert!(text.contains("Siân Llewelyn") && text.contains("Seán Ó Súilleabháin"), "{text}");
    // In number order, one certificate per page (pdftotext separates pages with a form feed).
    let pages: Vec<&str> = text.split('\u{c}').collect();
    for (i, n) in numbers.iter().enumerate() {
        assert!(pages[i].contains(n.as_str()), "page {} should be {n}", i + 1);
    }
    // The file is well formed: qpdf finds no damage (it would report a bad xref or object).
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), &pdf).unwrap();
    let qpdf = std::process::Command::new("qpdf").arg("--check").arg(tmp.path()).output().unwrap();
    let said = String::from_utf8_lossy(&qpdf.stdout);
    assert!(qpdf.status.success() && said.contains("No syntax or stream encoding errors"), "{said}");

    // One audit entry for the batch, holding counts only.
    let entries =
        audit::list(&w.store, &w.admin, &AuditFilter { entity: Some("certificate".into()), ..Default::default() })
            .unwrap();
    let printed: Vec<_> = entries.iter().filter(|e| e.action == "certificate.print").collect();
    assert_eq!(printed.len(), 1);
    let changes = serde_json::to_string(&printed[0].changes).unwrap();
    assert!(changes.contains("\"certificates\"") && changes.contains('5'), "{changes}");
    assert!(!changes.contains("Llewelyn"), "no names in the audit entry");
}

#[test]
fn a_zip_holds_each_frozen_pdf_byte_for_byte_and_dates_and_numbers_select() {
    let (mut w, numbers) = issued(3);
    let office = w.office.clone();
    let sel = Selection::Issued { from: day(1, 11, 2026), to: day(30, 11, 2026) };
    let (summary, zip) = print(&mut w, &sel, BatchFormat::Zip);
    assert_eq!(summary.unwrap().certificates, 3);
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    assert_eq!(archive.len(), 3);
    for n in &numbers {
        let mut bytes = Vec::new();
        archive.by_name(&format!("{n}.pdf")).unwrap().read_to_end(&mut bytes).unwrap();
        let c = w.store.certificate(&office, n, None).unwrap();
        assert_eq!(crypto::hex(&crypto::sha256(&[&bytes])), c.sha256, "{n} is the issued file");
    }
    // Outside the dates: nothing to print.
    let none = Selection::Issued { from: day(1, 1, 2025), to: day(31, 1, 2025) };
    assert!(matches!(print(&mut w, &none, BatchFormat::Zip).0, Err(Error::Invalid { .. })));
    // By number: the standing version of each, in the order given; a reissue replaces the original.
    w.store.reissue_certificate(&office, &numbers[0], "spelling", &opts()).unwrap();
    let sel = Selection::Numbers(vec![numbers[2].clone(), numbers[0].clone(), numbers[2].clone()]);
    let (summary, pdf) = print(&mut w, &sel, BatchFormat::Pdf);
    assert_eq!(summary.unwrap().pages, 2, "a repeated number prints once");
    let text = pdf_text(&pdf);
    let (a, b) = (text.find(numbers[2].as_str()).unwrap(), text.find(numbers[0].as_str()).unwrap());
    assert!(a < b, "in the order given");
    assert!(text.contains("Reissued"), "the standing (reissued) version is printed");
    // Unknown or revoked numbers are refused; trainers may not print.
    let bad = Selection::Numbers(vec!["RPT-2026-999999".into()]);
    assert!(matches!(print(&mut w, &bad, BatchFormat::Pdf).0, Err(Error::NotFound { .. })));
    w.store.revoke_certificate(&office, &numbers[1], "issued in error").unwrap();
    let revoked = Selection::Numbers(vec![numbers[1].clone()]);
    assert!(print(&mut w, &revoked, BatchFormat::Pdf).0.unwrap_err().to_string().contains("revoked"));
    let run = w.run;
    let (summary, _) = print(&mut w, &Selection::Run(run), BatchFormat::Zip);
    assert_eq!(summary.unwrap().certificates, 2, "a run's revoked certificate is left out");
    let trainer = w.trainer.clone();
    let r = w.store.print_certificates(
        &trainer,
        &Selection::Run(run),
        BatchFormat::Pdf,
        Cursor::new(Vec::new()),
        &mut |_| ControlFlow::Continue(()),
    );
    assert!(matches!(r, Err(Error::Forbidden { .. })));
}

#[test]
fn cancelling_after_k_stops_there_and_audits_nothing() {
    let (mut w, _) = issued(4);
    let office = w.office.clone();
    let run = w.run;
    for format in [BatchFormat::Pdf, BatchFormat::Zip] {
        let mut seen = Vec::new();
        let r = w.store.print_certificates(&office, &Selection::Run(run), format, Cursor::new(Vec::new()), &mut |p| {
            seen.push(p);
            if p.done == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
        assert_eq!(seen, [Progress { done: 1, total: 4 }, Progress { done: 2, total: 4 }]);
    }
    let entries = audit::list(&w.store, &w.admin, &AuditFilter::default()).unwrap();
    assert!(entries.iter().all(|e| e.action != "certificate.print"), "a cancelled batch printed nothing");
}

#[cfg(feature = "demo")]
#[test]
fn the_demo_centre_issues_certificates_for_recent_passes_that_print_and_verify() {
    let mut w = crate::testing::world();
    let admin = w.admin.clone();
    let opts = crate::demo::DemoOptions::new(100, crate::testing::today());
    let report = w.store.generate_demo(&admin, &opts).unwrap();
    assert!(report.certificates > 0, "{report:?}");
    let rows: Vec<(String, String)> = w
        .store
        .conn()
        .prepare("SELECT number, issued_on FROM certificates ORDER BY issued_at, rowid")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(rows.len() as u64, report.certificates);
    assert!(rows.len() <= crate::demo::DEMO_CERTIFICATES as usize);
    // Issued in date order, within the two years before "today", numbers rising with the dates.
    assert!(rows.windows(2).all(|p| p[0].1 <= p[1].1), "issued in date order");
    assert!(rows.windows(2).filter(|p| p[0].1[..4] == p[1].1[..4]).all(|p| p[0].0 < p[1].0), "numbers rise");
    assert!(rows.iter().all(|(_, d)| d.as_str() >= "2024-11-22" && d.as_str() <= "2026-11-22"));
    let c = w.store.certificate(&admin, &rows[0].0, None).unwrap();
    assert_eq!(w.store.verify_certificate(&admin, c.qr.as_bytes()).unwrap().status, super::super::VerifyStatus::Valid);
    let (summary, pdf) = {
        let mut out = Cursor::new(Vec::new());
        let sel = Selection::Numbers(rows.iter().take(3).map(|r| r.0.clone()).collect());
        let s =
            w.store.print_certificates(&admin, &sel, BatchFormat::Pdf, &mut out, &mut |_| ControlFlow::Continue(()));
        (s.unwrap(), out.into_inner())
    };
    assert_eq!(summary.pages as usize, page_count(&pdf));
    // The demo issues through the normal audited path: one entry per certificate, like a person's.
    let entries = audit::list(&w.store, &admin, &AuditFilter::default()).unwrap();
    assert_eq!(entries.iter().filter(|e| e.action == "certificate.issue").count(), rows.len());
}
