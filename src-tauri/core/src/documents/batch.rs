//! Batch printing: the frozen, issued PDFs of many certificates as one combined PDF or a ZIP of one
//! PDF each, streamed so memory stays flat however many there are.
//!
//! Only one certificate's bytes are held at a time. The combined PDF is written by a small merger:
//! each issued file is parsed with `lopdf`, the objects its page needs are renumbered and written
//! straight out, and only their byte offsets (for the cross-reference table) and the page references
//! are kept; the page tree, catalogue, cross-reference table and trailer are written last. What is
//! printed is exactly what was issued (the bytes whose SHA-256 was recorded), never a redraw.
//!
//! A batch can be cancelled from its progress callback. The output is then incomplete (a PDF without
//! its cross-reference table, a ZIP without its central directory): the caller deletes it.

use std::collections::{HashMap, VecDeque};
use std::io::{BufWriter, Seek, Write};
use std::ops::ControlFlow;

use chrono::NaiveDate;
use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use serde::Serialize;

use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::records::disclosures::{self, OutputKind};
use crate::{crypto, Error, Id, Result, Store};

/// Which certificates to print: always the standing (latest, not superseded) version of each
/// number. Revoked certificates are left out of a run or a date range, and refused by number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Every standing certificate of a course run.
    Run(Id),
    /// Every standing certificate whose current version was issued (or reissued) between these
    /// dates, both included.
    Issued { from: NaiveDate, to: NaiveDate },
    /// These certificate numbers, in this order (repeats printed once).
    Numbers(Vec<String>),
}

/// What the batch is written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum BatchFormat {
    /// One PDF holding every certificate's pages, in order.
    Pdf,
    /// A ZIP holding `<number>.pdf` per certificate (a `/` in a number becomes `_`).
    Zip,
}

/// How far a batch has got, reported after each certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// What a finished batch wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BatchSummary {
    pub format: BatchFormat,
    pub certificates: u64,
    pub pages: u64,
    /// Bytes written to the output.
    pub bytes: u64,
}

/// One certificate to print: its row id and number (the bytes are read when its turn comes).
struct Item {
    id: Id,
    number: String,
}

fn items(store: &Store, selection: &Selection) -> Result<Vec<Item>> {
    let conn = store.conn();
    let read = |r: &rusqlite::Row<'_>| Ok(Item { id: r.get(0)?, number: r.get(1)? });
    // A certificate whose holder was erased (the training record kept) has no PDF left to print.
    let standing = "c.superseded_at IS NULL AND c.erased_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM certificate_revocations v WHERE v.number = c.number)";
    let out = match selection {
        Selection::Run(run) => {
            let exists: bool =
                conn.query_row("SELECT EXISTS (SELECT 1 FROM course_runs WHERE id = ?1)", [run], |r| r.get(0))?;
            if !exists {
                return Err(Error::NotFound { what: "run", name: run.to_string() });
            }
            conn.prepare(&format!(
                "SELECT c.id, c.number FROM certificates c JOIN enrolments n ON n.id = c.enrolment_id
                 WHERE n.run_id = ?1 AND {standing} ORDER BY c.number"
            ))?
            .query_map([run], read)?
            .collect::<rusqlite::Result<Vec<_>>>()?
        }
        Selection::Issued { from, to } => {
            if from > to {
                return Err(Error::invalid("dates", "the first date is after the last"));
            }
            conn.prepare(&format!(
                "SELECT c.id, c.number FROM certificates c
                 WHERE coalesce(c.reissued_on, c.issued_on) BETWEEN ?1 AND ?2 AND {standing} ORDER BY c.number"
            ))?
            .query_map([from.to_string(), to.to_string()], read)?
            .collect::<rusqlite::Result<Vec<_>>>()?
        }
        Selection::Numbers(numbers) => {
            let mut stmt = conn.prepare(
                "SELECT c.id, c.number, EXISTS (SELECT 1 FROM certificate_revocations v WHERE v.number = c.number)
                 FROM certificates c WHERE c.number = ?1 AND c.superseded_at IS NULL AND c.erased_at IS NULL",
            )?;
            let mut seen = std::collections::HashSet::new();
            let mut out = Vec::new();
            for n in numbers.iter().map(|n| n.trim()) {
                if !seen.insert(n.to_owned()) {
                    continue;
                }
                let (id, number, revoked): (Id, String, bool) =
                    stmt.query_row([n], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(|e| match e {
                        rusqlite::Error::QueryReturnedNoRows => {
                            Error::NotFound { what: "certificate", name: n.to_owned() }
                        }
                        e => e.into(),
                    })?;
                if revoked {
                    return Err(Error::invalid(
                        "certificate",
                        format!("{number} was revoked; a revoked certificate is not reprinted"),
                    ));
                }
                out.push(Item { id, number });
            }
            out
        }
    };
    if out.is_empty() {
        return Err(Error::invalid("selection", "holds no current certificates to print"));
    }
    Ok(out)
}

/// The issued bytes of one certificate, checked against their recorded SHA-256.
fn frozen_bytes(store: &Store, id: Id) -> Result<Vec<u8>> {
    let (bytes, sha): (Vec<u8>, String) = store
        .conn()
        .prepare_cached("SELECT pdf, sha256 FROM certificates WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if crypto::hex(&crypto::sha256(&[&bytes])) != sha {
        return Err(Error::CorruptStore {
            path: store.dir().db(),
            reason: "a certificate's stored PDF no longer matches its recorded SHA-256".into(),
        });
    }
    Ok(bytes)
}

/// Counts what passes through, for the cross-reference offsets.
struct Counting<W: Write> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes one PDF object (renumbering references through `map`) in PDF syntax.
fn write_object(w: &mut dyn Write, o: &Object, map: &dyn Fn(ObjectId) -> Option<u32>) -> std::io::Result<()> {
    match o {
        Object::Null => w.write_all(b"null"),
        Object::Boolean(b) => w.write_all(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => write!(w, "{i}"),
        // Display never uses an exponent, which PDF does not allow.
        Object::Real(r) => write!(w, "{r}"),
        Object::Name(n) => write_name(w, n),
        Object::String(s, StringFormat::Hexadecimal) => {
            w.write_all(b"<")?;
            for b in s {
                write!(w, "{b:02X}")?;
            }
            w.write_all(b">")
        }
        Object::String(s, StringFormat::Literal) => {
            w.write_all(b"(")?;
            for &b in s {
                match b {
                    b'(' | b')' | b'\\' => w.write_all(&[b'\\', b])?,
                    b'\r' => w.write_all(b"\\r")?,
                    _ => w.write_all(&[b])?,
                }
            }
            w.write_all(b")")
        }
        Object::Array(items) => {
            w.write_all(b"[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    w.write_all(b" ")?;
                }
                write_object(w, item, map)?;
            }
            w.write_all(b"]")
        }
        Object::Dictionary(d) => write_dict(w, d, map, None),
        Object::Stream(s) => {
            write_dict(w, &s.dict, map, Some(s.content.len()))?;
            w.write_all(b"\nstream\n")?;
            w.write_all(&s.content)?;
            w.write_all(b"\nendstream")
        }
        Object::Reference(id) => match map(*id) {
            Some(n) => write!(w, "{n} 0 R"),
            None => w.write_all(b"null"),
        },
    }
}

fn write_name(w: &mut dyn Write, name: &[u8]) -> std::io::Result<()> {
    w.write_all(b"/")?;
    for &b in name {
        if b" \t\n\r\x0C()<>[]{}/%#".contains(&b) || !(33..=126).contains(&b) {
            write!(w, "#{b:02X}")?;
        } else {
            w.write_all(&[b])?;
        }
    }
    Ok(())
}

/// A dictionary; a stream's `Length` is written direct, as the length of the bytes that follow.
fn write_dict(
    w: &mut dyn Write,
    d: &Dictionary,
    map: &dyn Fn(ObjectId) -> Option<u32>,
    stream_len: Option<usize>,
) -> std::io::Result<()> {
    w.write_all(b"<<")?;
    for (k, v) in d {
        if stream_len.is_some() && k == b"Length" {
            continue;
        }
        write_name(w, k)?;
        w.write_all(b" ")?;
        write_object(w, v, map)?;
    }
    if let Some(n) = stream_len {
        write!(w, "/Length {n}")?;
    }
    w.write_all(b">>")
}

/// Every reference held anywhere inside `o`.
fn references(o: &Object, out: &mut Vec<ObjectId>) {
    match o {
        Object::Reference(id) => out.push(*id),
        Object::Array(items) => items.iter().for_each(|i| references(i, out)),
        Object::Dictionary(d) => d.iter().for_each(|(_, v)| references(v, out)),
        Object::Stream(s) => s.dict.iter().for_each(|(_, v)| references(v, out)),
        _ => {}
    }
}

/// Page attributes a page may inherit from its page tree (ISO 32000-1, 7.7.3.4).
const INHERITED: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// Writes one combined PDF from many, a document at a time.
pub(crate) struct PdfMerger<W: Write> {
    out: Counting<W>,
    /// Byte offset of each object written, by object number - 1. Objects 1 and 2 (catalogue and
    /// page tree) are written last.
    offsets: Vec<u64>,
    pages: Vec<u32>,
}

const CATALOG: u32 = 1;
const PAGES: u32 = 2;
/// Stands for the combined page tree in objects not yet written (no real object has this number).
const TREE: ObjectId = (u32::MAX, u16::MAX);

fn load(pdf: &[u8]) -> Result<lopdf::Document> {
    lopdf::Document::load_mem(pdf)
        .map_err(|e| Error::invalid("issued PDF", format!("could not be read for printing: {e}")))
}

fn unreadable() -> Error {
    Error::invalid("issued PDF", "has no page that can be printed")
}

impl<W: Write> PdfMerger<W> {
    pub(crate) fn new(out: W) -> Result<Self> {
        let mut out = Counting { inner: out, written: 0 };
        // The binary comment tells transfer tools the file is binary.
        out.write_all(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n").map_err(write_error)?;
        Ok(PdfMerger { out, offsets: vec![0, 0], pages: Vec::new() })
    }

    /// Appends every page of `pdf`; returns how many.
    pub(crate) fn add(&mut self, pdf: &[u8]) -> Result<u64> {
        let doc = load(pdf)?;
        let pages: Vec<Object> = doc
            .get_pages()
            .into_values()
            .map(|id| {
                let d = doc.get_dictionary(id).map_err(|_| unreadable())?;
                let mut page = d.clone();
                for key in INHERITED {
                    if !page.has(key) {
                        if let Some(v) = inherited(&doc, d, key) {
                            page.set(key, v);
                        }
                    }
                }
                // The page's own tree is left behind; it joins the combined one.
                page.set("Parent", Object::Reference(TREE));
                Ok(Object::Dictionary(page))
            })
            .collect::<Result<_>>()?;
        let numbers = self.emit(&doc, pages)?;
        let n = numbers.len() as u64;
        self.pages.extend(numbers);
        Ok(n)
    }

    /// Writes the first page of `pdf` as a form XObject (to be placed on other pages, as a card on
    /// a sheet); returns its object number and its box in points.
    pub(crate) fn add_form(&mut self, pdf: &[u8]) -> Result<(u32, [f32; 4])> {
        let doc = load(pdf)?;
        let id = *doc.get_pages().values().next().ok_or_else(unreadable)?;
        let page = doc.get_dictionary(id).map_err(|_| unreadable())?;
        let attr = |key: &[u8]| page.get(key).ok().cloned().or_else(|| inherited(&doc, page, key));
        let media = attr(b"MediaBox").ok_or_else(unreadable)?;
        let bbox: Vec<f32> = doc
            .dereference(&media)
            .ok()
            .and_then(|(_, o)| o.as_array().ok().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v.as_float().ok())
            .collect();
        let bbox: [f32; 4] = bbox.try_into().map_err(|_| unreadable())?;
        let content = doc.get_page_content(id);
        let mut dict = Dictionary::from_iter(vec![
            ("Type", Object::Name(b"XObject".to_vec())),
            ("Subtype", Object::Name(b"Form".to_vec())),
            ("BBox", Object::Array(bbox.iter().map(|v| Object::Real(*v)).collect())),
        ]);
        if let Some(r) = attr(b"Resources") {
            dict.set("Resources", r);
        }
        let mut form = lopdf::Stream::new(dict, content);
        // Content that does not shrink is kept as it is.
        let _ = form.compress();
        let numbers = self.emit(&doc, vec![Object::Stream(form)])?;
        Ok((numbers[0], bbox))
    }

    /// Appends a page of `width` by `height` points drawn by `content`, which may paint the given
    /// form XObjects by name.
    pub(crate) fn add_page(
        &mut self,
        width: f32,
        height: f32,
        content: Vec<u8>,
        forms: &[(String, u32)],
    ) -> Result<()> {
        let mut stream = lopdf::Stream::new(Dictionary::new(), content);
        let _ = stream.compress();
        let xobjects: Dictionary = forms.iter().map(|(name, n)| (name.as_str(), Object::Reference((*n, 0)))).collect();
        let numbers = self.next_number();
        let contents = numbers;
        let page = Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Page".to_vec())),
            ("Parent", Object::Reference(TREE)),
            ("MediaBox", Object::Array(vec![0.into(), 0.into(), Object::Real(width), Object::Real(height)])),
            ("Resources", Object::Dictionary(Dictionary::from_iter(vec![("XObject", Object::Dictionary(xobjects))]))),
            ("Contents", Object::Reference((contents, 0))),
        ]);
        let own = |id: ObjectId| if id.1 == 0 && id.0 <= contents { Some(id.0) } else { None };
        self.write_numbered(contents, &Object::Stream(stream), &own)?;
        let page_number = self.next_number();
        self.write_numbered(page_number, &Object::Dictionary(page), &|id| {
            if id == TREE {
                Some(PAGES)
            } else {
                own(id)
            }
        })?;
        self.pages.push(page_number);
        Ok(())
    }

    fn next_number(&self) -> u32 {
        self.offsets.len() as u32 + 1
    }

    fn write_numbered(&mut self, n: u32, o: &Object, map: &dyn Fn(ObjectId) -> Option<u32>) -> Result<()> {
        debug_assert_eq!(n, self.next_number());
        self.offsets.push(self.out.written);
        let w = &mut self.out;
        writeln!(w, "{n} 0 obj").map_err(write_error)?;
        write_object(w, o, map).map_err(write_error)?;
        w.write_all(b"\nendobj\n").map_err(write_error)
    }

    /// Writes `roots` and every object of `doc` they reach, renumbered from the next free number;
    /// returns the roots' numbers. A reference to [`TREE`] becomes the combined page tree.
    fn emit(&mut self, doc: &lopdf::Document, roots: Vec<Object>) -> Result<Vec<u32>> {
        let first = self.next_number();
        let root_numbers: Vec<u32> = (first..first + roots.len() as u32).collect();
        let mut next = first + roots.len() as u32;
        let mut numbers: HashMap<ObjectId, u32> = HashMap::new();
        let mut order: Vec<ObjectId> = Vec::new();
        let mut queue: VecDeque<ObjectId> = VecDeque::new();
        let mut found = Vec::new();
        for r in &roots {
            references(r, &mut found);
        }
        loop {
            for r in found.drain(..) {
                if r == TREE {
                    continue;
                }
                if let std::collections::hash_map::Entry::Vacant(e) = numbers.entry(r) {
                    e.insert(next);
                    order.push(r);
                    queue.push_back(r);
                    next += 1;
                }
            }
            let Some(id) = queue.pop_front() else { break };
            if let Ok(o) = doc.get_object(id) {
                references(o, &mut found);
            }
        }
        let map = |id: ObjectId| if id == TREE { Some(PAGES) } else { numbers.get(&id).copied() };
        for (r, n) in roots.iter().zip(&root_numbers) {
            self.write_numbered(*n, r, &map)?;
        }
        for id in order {
            let o = doc.get_object(id).unwrap_or(&Object::Null);
            self.write_numbered(numbers[&id], o, &map)?;
        }
        Ok(root_numbers)
    }

    /// Writes the page tree, catalogue, cross-reference table and trailer; returns the output and the
    /// bytes written.
    pub(crate) fn finish(mut self) -> Result<(W, u64)> {
        let w = &mut self.out;
        self.offsets[PAGES as usize - 1] = w.written;
        write!(w, "{PAGES} 0 obj\n<</Type /Pages /Count {} /Kids [", self.pages.len()).map_err(write_error)?;
        for (i, p) in self.pages.iter().enumerate() {
            let sep = if i % 16 == 15 { "\n" } else { " " };
            write!(w, "{p} 0 R{sep}").map_err(write_error)?;
        }
        w.write_all(b"]>>\nendobj\n").map_err(write_error)?;
        self.offsets[CATALOG as usize - 1] = w.written;
        write!(w, "{CATALOG} 0 obj\n<</Type /Catalog /Pages {PAGES} 0 R>>\nendobj\n").map_err(write_error)?;
        let xref = w.written;
        write!(w, "xref\n0 {}\n0000000000 65535 f \n", self.offsets.len() + 1).map_err(write_error)?;
        for o in &self.offsets {
            writeln!(w, "{o:010} 00000 n ").map_err(write_error)?;
        }
        // The file's identifier: a digest of the offsets, so the same batch always gets the same one.
        let digest: Vec<u8> = self.offsets.iter().flat_map(|o| o.to_le_bytes()).collect();
        let id = crypto::hex(&crypto::sha256(&[&digest])[..16]);
        write!(
            w,
            "trailer\n<</Size {} /Root {CATALOG} 0 R /ID [<{id}> <{id}>]>>\nstartxref\n{xref}\n%%EOF\n",
            self.offsets.len() + 1
        )
        .map_err(write_error)?;
        w.flush().map_err(write_error)?;
        let written = w.written;
        Ok((self.out.inner, written))
    }
}

/// An attribute a page inherits from its ancestors in the page tree.
fn inherited(doc: &lopdf::Document, page: &Dictionary, key: &[u8]) -> Option<Object> {
    let mut parent = page.get(b"Parent").and_then(Object::as_reference).ok();
    let mut depth = 0;
    while let Some(id) = parent {
        let node = doc.get_dictionary(id).ok()?;
        if let Ok(v) = node.get(key) {
            return Some(v.clone());
        }
        parent = node.get(b"Parent").and_then(Object::as_reference).ok();
        depth += 1;
        if depth > 64 {
            return None;
        }
    }
    None
}

fn write_error(e: std::io::Error) -> Error {
    Error::Io { action: "write", path: "the batch output".into(), source: e }
}

/// A ZIP entry name for a certificate number (numbers may hold `/`, which a ZIP reads as a folder).
fn entry_name(number: &str) -> String {
    format!("{}.pdf", number.replace(['/', '\\'], "_"))
}

impl Store {
    /// Prints the issued certificates in `selection` to `out`, as one combined PDF or a ZIP of one
    /// PDF each, reporting after each certificate; admin and office. Memory stays flat: one
    /// certificate's bytes at a time. When `progress` answers `Break` it stops with
    /// [`Error::Cancelled`]; `out` is then incomplete and the caller must delete it (as on any
    /// error). A finished batch is audited as one entry with how many were printed (no names).
    pub fn print_certificates<W: Write + Seek>(
        &mut self,
        actor: &Actor,
        selection: &Selection,
        format: BatchFormat,
        out: W,
        progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
    ) -> Result<BatchSummary> {
        actor.require(Permission::EditRecords)?;
        let items = items(self, selection)?;
        let total = items.len() as u64;
        let mut pages = 0u64;
        let mut out = out;
        let start = out.stream_position().map_err(write_error)?;
        let out = BufWriter::with_capacity(1 << 18, out);
        let bytes = match format {
            BatchFormat::Pdf => {
                let mut merger = PdfMerger::new(out)?;
                for (i, item) in items.iter().enumerate() {
                    pages += merger.add(&frozen_bytes(self, item.id)?)?;
                    if progress(Progress { done: i as u64 + 1, total }).is_break() {
                        return Err(Error::Cancelled);
                    }
                }
                merger.finish()?.1
            }
            BatchFormat::Zip => {
                let mut zip = zip::ZipWriter::new(out);
                // Issued PDFs are compressed already: store them as they are.
                let opts = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Stored)
                    .large_file(false);
                for (i, item) in items.iter().enumerate() {
                    let bytes = frozen_bytes(self, item.id)?;
                    zip.start_file(entry_name(&item.number), opts).map_err(zip_error)?;
                    zip.write_all(&bytes).map_err(write_error)?;
                    pages += 1;
                    if progress(Progress { done: i as u64 + 1, total }).is_break() {
                        return Err(Error::Cancelled);
                    }
                }
                let mut buf = zip.finish().map_err(zip_error)?;
                let end = buf.stream_position().map_err(write_error)?;
                buf.flush().map_err(write_error)?;
                end - start
            }
        };
        let kind = match selection {
            Selection::Run(_) => "run",
            Selection::Issued { .. } => "issued_between",
            Selection::Numbers(_) => "numbers",
        };
        let mut changes = vec![
            FieldChange::created("selection", kind),
            FieldChange::created("format", if format == BatchFormat::Pdf { "pdf" } else { "zip" }),
            FieldChange::created("certificates", total),
        ];
        match selection {
            Selection::Run(run) => changes.push(FieldChange::created("run", run.to_string())),
            Selection::Issued { from, to } => {
                changes.push(FieldChange::created("from", from.to_string()));
                changes.push(FieldChange::created("to", to.to_string()));
            }
            Selection::Numbers(_) => {}
        }
        let ids: Vec<Id> = items.iter().map(|i| i.id).collect();
        self.write(|tx| {
            // Every certificate printed out is a disclosure of its holder: the log lists them.
            let disclosure = disclosures::log_documents(tx, actor, OutputKind::CertificateBatch, &ids, None)?;
            changes.push(FieldChange::created("disclosure", disclosure.to_string()));
            audit::record(
                tx,
                Who::Actor(actor),
                "certificate.print",
                Subject { entity: "certificate", id: None },
                &changes,
            )
        })?;
        Ok(BatchSummary { format, certificates: total, pages, bytes })
    }
}

fn zip_error(e: zip::result::ZipError) -> Error {
    match e {
        zip::result::ZipError::Io(source) => write_error(source),
        other => write_error(std::io::Error::other(other.to_string())),
    }
}

#[cfg(test)]
mod tests;
