//! What the day's paperwork shares (practical test sheets, joining instructions, refresher reminder
//! letters): A4 portrait pages that flow from top to bottom, starting a new page when one is full,
//! with wrapped paragraphs, a running footer and "Page X of Y"; and the one way such a file is saved
//! (written whole beside its name, logged as a disclosure with its SHA-256 in the transaction of its
//! audit entry, and only then given its name).

use std::path::Path;

use chrono::NaiveDate;

use super::canvas::{Align, Doc, Ink, Page};
use super::fonts::{self, Face};
use crate::actor::Actor;
use crate::audit::{self, FieldChange, Subject, Who};
use crate::records::disclosures::{self, Output, OutputKind, RecipientKind};
use crate::{Id, Result, Store};

pub(crate) const W: f32 = 210.0;
pub(crate) const H: f32 = 297.0;
pub(crate) const MARGIN: f32 = 16.0;
pub(crate) const INK: Ink = (0.12, 0.14, 0.16);
pub(crate) const MUTED: Ink = (0.42, 0.45, 0.50);
pub(crate) const RULE: Ink = (0.70, 0.73, 0.77);
const BOTTOM: f32 = H - MARGIN - 10.0;

/// A day as the UK writes it: 07/12/2026.
pub(crate) fn uk(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A day in words: Monday 7 December 2026.
pub(crate) fn long(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// `s` broken into lines no wider than `width_mm` at `size`, keeping its own line breaks; a word
/// wider than the line is cut to fit.
pub(crate) fn wrap(face: Face, size: f32, s: &str, width_mm: f32) -> Vec<String> {
    let mut out = Vec::new();
    for para in s.lines() {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if fonts::width_mm(face, &candidate, size) <= width_mm || line.is_empty() {
                line = candidate;
                if fonts::width_mm(face, &line, size) > width_mm {
                    line = fonts::fit(face, &line, size, size, width_mm).0;
                }
            } else {
                out.push(std::mem::take(&mut line));
                line = fonts::fit(face, word, size, size, width_mm).0;
            }
        }
        out.push(line);
    }
    out
}

/// Pages being written top to bottom.
pub(crate) struct Flow {
    doc: Doc,
    pages: Vec<Page>,
    /// The baseline-free position of the next thing drawn, mm from the top.
    pub(crate) y: f32,
    footer: String,
}

impl Flow {
    /// A document with no page yet: start one with [`Flow::new_page`].
    pub(crate) fn new(title: &str, author: &str, footer: &str) -> Flow {
        let doc = Doc::handed_over(title, author, title);
        Flow { doc, pages: Vec::new(), y: MARGIN, footer: footer.to_owned() }
    }

    pub(crate) fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.new_page();
        }
        self.pages.last_mut().expect("a page was just added")
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(self.doc.page(W, H));
        self.y = MARGIN;
    }

    /// Starts a new page unless `h` mm fit on this one.
    pub(crate) fn room(&mut self, h: f32) {
        if self.y + h > BOTTOM {
            self.new_page();
        }
    }

    /// One line of text at the left margin (plus `indent`), cut to fit the page.
    pub(crate) fn line(&mut self, face: Face, size: f32, ink: Ink, indent: f32, s: &str) {
        let h = size * 0.45;
        self.room(h);
        let (s, size) = fonts::fit(face, s, size, size * 0.8, W - 2.0 * MARGIN - indent);
        let y = self.y + size * 0.36;
        self.page().text(face, size, ink, MARGIN + indent, y, Align::Left, &s);
        self.y += h;
    }

    /// A wrapped paragraph.
    pub(crate) fn para(&mut self, face: Face, size: f32, ink: Ink, indent: f32, s: &str) {
        for l in wrap(face, size, s, W - 2.0 * MARGIN - indent) {
            self.line(face, size, ink, indent, &l);
        }
    }

    /// "Label: value" with the label in bold, the value wrapped beside it.
    pub(crate) fn field(&mut self, label: &str, value: &str, label_w: f32) {
        let lines = wrap(Face::Regular, 10.0, value, W - 2.0 * MARGIN - label_w);
        self.room(4.6 * lines.len().max(1) as f32);
        let y = self.y + 3.6;
        self.page().text(Face::Bold, 10.0, INK, MARGIN, y, Align::Left, label);
        for (i, l) in lines.iter().enumerate() {
            let y = self.y + 3.6;
            self.page().text(Face::Regular, 10.0, INK, MARGIN + label_w, y, Align::Left, l);
            if i + 1 < lines.len() {
                self.y += 4.6;
            }
        }
        self.y += 4.6;
    }

    /// A horizontal rule across the page.
    pub(crate) fn rule(&mut self) {
        let y = self.y;
        self.page().line(RULE, 0.5, (MARGIN, y), (W - MARGIN, y));
        self.y += 2.0;
    }

    pub(crate) fn gap(&mut self, mm: f32) {
        self.y += mm;
    }

    /// The finished file, each page with the footer and "Page X of Y".
    pub(crate) fn finish(mut self) -> Vec<u8> {
        let total = self.pages.len();
        for (i, page) in self.pages.iter_mut().enumerate() {
            let y = H - MARGIN + 2.0;
            page.line(RULE, 0.5, (MARGIN, y - 4.0), (W - MARGIN, y - 4.0));
            let (s, size) = fonts::fit(Face::Regular, &self.footer, 7.0, 6.0, W - 2.0 * MARGIN - 25.0);
            page.text(Face::Regular, size, MUTED, MARGIN, y, Align::Left, &s);
            page.text(Face::Regular, 7.5, INK, W - MARGIN, y, Align::Right, &format!("Page {} of {total}", i + 1));
        }
        for page in self.pages {
            self.doc.add(page);
        }
        self.doc.finish()
    }
}

/// One file of paperwork to save and log.
pub(crate) struct Saving<'a> {
    pub kind: OutputKind,
    pub recipient_kind: RecipientKind,
    pub recipient: &'a str,
    pub purpose: &'a str,
    pub people: &'a [(Id, Vec<String>)],
    /// The audit action and its subject.
    pub action: &'static str,
    pub subject: Subject<'a>,
}

/// Saves `bytes` as the new file `out`: written beside it, logged as a disclosure with its SHA-256 in
/// the same transaction as its audit entry, and named only once the log holds it. Returns the log
/// entry's id.
pub(crate) fn save(store: &mut Store, actor: &Actor, out: &Path, bytes: &[u8], s: &Saving<'_>) -> Result<Id> {
    let mut file = crate::outfile::NewFile::create(out)?;
    file.put(bytes)?;
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let id = store.write(|tx| {
        let o = Output {
            kind: s.kind,
            recipient_kind: s.recipient_kind,
            recipient: s.recipient,
            purpose: s.purpose,
            file: Some((&name, bytes)),
            people: s.people,
        };
        let disclosure = disclosures::log(tx, actor, &o)?;
        audit::record(
            tx,
            Who::Actor(actor),
            s.action,
            Subject { entity: s.subject.entity, id: s.subject.id },
            &[
                FieldChange::created("people", s.people.len() as i64),
                FieldChange::created("disclosure", disclosure.to_string()),
            ],
        )?;
        Ok(disclosure)
    })?;
    file.commit()?;
    Ok(id)
}

/// A file of paperwork saved: its name, how many people it carries, and its disclosure-log entry.
#[derive(Clone, Debug, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PaperSaved {
    pub file: String,
    pub people: u32,
    pub disclosure: Id,
}

impl PaperSaved {
    pub(crate) fn new(out: &Path, people: usize, disclosure: Id) -> PaperSaved {
        let file = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        PaperSaved { file, people: people as u32, disclosure }
    }
}
