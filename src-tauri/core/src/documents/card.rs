//! Photo cards: a wallet card (ISO/IEC 7810 ID-1, 85.60 × 53.98 mm) with the candidate's photo, name,
//! employer and employee number, the categories they hold with each expiry, the card number and a
//! QR code holding a signed statement.
//!
//! Only employer-visible fields are printed (never the NI number, date of birth or address). The
//! categories come from the candidate's standing, unrevoked, unexpired certificates. Card numbers
//! are gapless per centre (`{centre}-C{seq:06}`), taken in the transaction that writes the card; the
//! exact PDF (PDF/A-2b, one card-sized page) and its SHA-256 are kept, and a new card for the same
//! candidate supersedes the old one. Sheets for A4 card stock place the frozen cards, never a redraw.
//!
//! The QR statement, signed with the centre's certificate key:
//!
//! ```text
//! CENTREBOOK CARD 1
//! Number: RPT-C000001
//! Name: Siân Llewelyn
//! Employer: Acme Haulage Ltd
//! Held: RPT-2026-000001 2029-11-06
//! Issued: 2026-11-22
//! Centre: Riverside Plant Training
//! Key: 3f2a9c0d11e4b6a7
//! Signature: <base64url Ed25519 signature of every byte above this line>
//! ```
//!
//! Each `Held` line is a certificate number and its expiry (`none` when it does not expire), so the
//! statement stays small enough for a QR code a phone reads at card size.

use std::io::{BufWriter, Write};

use chrono::{NaiveDate, Utc};
use data_encoding::BASE64URL_NOPAD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::batch::PdfMerger;
use super::canvas::{Align, Doc, Ink, Page};
use super::fonts::{self, Face};
use super::signing::{self, PublicKey, SignatureCheck};
use super::{numbering, Verification, VerifyStatus};
use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::records::disclosures::{self, OutputKind};
use crate::{crypto, Error, Id, Result, Store};

/// ID-1 card width, mm.
pub const CARD_W_MM: f32 = 85.60;
/// ID-1 card height, mm.
pub const CARD_H_MM: f32 = 53.98;
/// The most categories a card lists.
pub const MAX_CATEGORIES: usize = 5;

const HEADER: &str = "CENTREBOOK CARD 1";
const SIGNATURE: &str = "Signature: ";

/// One category held, as printed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CardCategory {
    /// The equipment/environment category, or the course title when it has none.
    pub category: String,
    pub course_title: String,
    pub certificate: String,
    pub expires: Option<NaiveDate>,
    /// The trainer's registration for the course's scheme, as the certificate printed it (DOMAIN.md:
    /// the employer sees it). Cards issued before it was kept have none.
    #[serde(default)]
    pub trainer_registration: Option<String>,
}

/// Everything printed on a card, frozen at issue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CardContent {
    pub number: String,
    pub centre_name: String,
    pub candidate_name: String,
    pub employer: Option<String>,
    pub employee_number: Option<String>,
    pub categories: Vec<CardCategory>,
    pub issue_date: NaiveDate,
    pub key_id: String,
    /// The centre's postal address on one line (cards issued before it was printed have none).
    #[serde(default)]
    #[ts(optional = nullable)]
    pub centre_address: Option<String>,
}

/// Where a card stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum CardStatus {
    Valid,
    /// Replaced by a newer card for the same candidate.
    Superseded,
}

/// An issued card.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Card {
    pub id: Id,
    pub number: String,
    pub candidate_id: Id,
    pub status: CardStatus,
    pub issued_on: NaiveDate,
    pub issued_by: String,
    pub issued_at: String,
    pub sha256: String,
    /// The QR code's text: the signed statement.
    pub qr: String,
    pub content: CardContent,
}

/// A card statement's fields, as signed.
#[derive(Clone, Debug, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CardStatement {
    pub number: String,
    pub name: String,
    /// Empty for a self-booked candidate.
    pub employer: String,
    /// Certificate numbers with their expiry (`YYYY-MM-DD`, or empty when it does not expire).
    pub held: Vec<(String, String)>,
    pub issued: String,
    pub centre: String,
    pub key: String,
}

fn clean(s: &str) -> String {
    s.replace(['\n', '\r'], " ").trim().to_owned()
}

impl CardStatement {
    fn body(&self) -> String {
        let mut out = format!(
            "{HEADER}\nNumber: {}\nName: {}\nEmployer: {}\n",
            clean(&self.number),
            clean(&self.name),
            clean(&self.employer)
        );
        for (cert, expires) in &self.held {
            let e = if expires.is_empty() { "none" } else { expires };
            out.push_str(&format!("Held: {} {}\n", clean(cert), clean(e)));
        }
        out.push_str(&format!(
            "Issued: {}\nCentre: {}\nKey: {}\n",
            clean(&self.issued),
            clean(&self.centre),
            clean(&self.key)
        ));
        out
    }

    fn sign(&self, key: &SigningKey) -> String {
        let body = self.body();
        let sig = key.sign(body.as_bytes());
        format!("{body}{SIGNATURE}{}", BASE64URL_NOPAD.encode(&sig.to_bytes()))
    }
}

/// A card QR text split into its statement, the signed bytes and the signature.
pub struct ParsedCard {
    pub statement: CardStatement,
    signed: String,
    signature: Option<Signature>,
}

/// Reads a card QR text; `None` when it is not one.
pub fn parse(text: &str) -> Option<ParsedCard> {
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let at = text.rfind(&format!("\n{SIGNATURE}"))?;
    let (signed, sig) = (text[..at + 1].to_owned(), text[at + 1 + SIGNATURE.len()..].trim());
    let mut lines = signed.lines().peekable();
    if lines.next()? != HEADER {
        return None;
    }
    let mut field =
        |name: &str| -> Option<String> { lines.next()?.strip_prefix(name)?.strip_prefix(": ").map(str::to_owned) };
    let number = field("Number")?;
    let name = field("Name")?;
    let employer = field("Employer")?;
    let mut held = Vec::new();
    while let Some(l) = lines.peek() {
        let Some(rest) = l.strip_prefix("Held: ") else { break };
        let (cert, expires) = rest.rsplit_once(' ')?;
        held.push((cert.to_owned(), if expires == "none" { String::new() } else { expires.to_owned() }));
        lines.next();
    }
    let mut field =
        |name: &str| -> Option<String> { lines.next()?.strip_prefix(name)?.strip_prefix(": ").map(str::to_owned) };
    let issued = field("Issued")?;
    let centre = field("Centre")?;
    let key = field("Key")?;
    if lines.next().is_some() {
        return None;
    }
    let signature = BASE64URL_NOPAD
        .decode(sig.as_bytes())
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
        .map(|b| Signature::from_bytes(&b));
    let statement = CardStatement { number, name, employer, held, issued, centre, key };
    Some(ParsedCard { statement, signed, signature })
}

impl ParsedCard {
    /// Checks the signature against `keys`.
    pub fn check(&self, keys: &[PublicKey]) -> SignatureCheck {
        let Some(k) = keys.iter().find(|k| k.id == self.statement.key) else {
            return SignatureCheck::UnknownSigner;
        };
        match &self.signature {
            Some(sig) if k.key.verify(self.signed.as_bytes(), sig).is_ok() => SignatureCheck::Valid,
            _ => SignatureCheck::Tampered,
        }
    }
}

/// Offline verification of a card QR text (called by [`super::verify_offline`]).
pub(crate) fn verify_offline(text: &str, keys: &[PublicKey]) -> Option<Verification> {
    let parsed = parse(text)?;
    let (status, detail) = match parsed.check(keys) {
        SignatureCheck::Valid => (
            VerifyStatus::Valid,
            "the card's statement was signed by the centre's key and is unchanged; revocation was not checked (no store)"
                .to_owned(),
        ),
        SignatureCheck::Tampered => {
            (VerifyStatus::Tampered, "the signature does not match: the card's statement was changed after signing".into())
        }
        SignatureCheck::UnknownSigner => {
            (VerifyStatus::UnknownSigner, "signed by a key that is not among the keys given".into())
        }
    };
    Some(Verification { status, statement: None, card: Some(parsed.statement), checked_locally: false, detail })
}

/// What the centre's records say about a genuinely signed card.
pub(crate) fn verify_locally(conn: &Connection, input: &[u8], v: &mut Verification) -> Result<()> {
    let Some(s) = v.card.clone() else { return Ok(()) };
    let stored: Option<(String, Option<String>)> = conn
        .query_row("SELECT sha256, superseded_at FROM cards WHERE number = ?1", [&s.number], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let mut revoked = None;
    for (cert, _) in &s.held {
        let r: Option<String> = conn
            .query_row("SELECT revoked_at FROM certificate_revocations WHERE number = ?1", [cert], |r| r.get(0))
            .optional()?;
        if let Some(at) = r {
            revoked = Some((cert.clone(), at));
            break;
        }
    }
    if stored.is_none() {
        let erased: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM erased_certificates WHERE number = ?1)", [&s.number], |r| {
                r.get(0)
            })?;
        if erased {
            v.status = VerifyStatus::NoLongerConfirmable;
            v.card = None;
            v.detail = "issued by this centre, but erased with the holder's records at their request: the centre can \
                        no longer confirm it"
                .to_owned();
            return Ok(());
        }
    }
    let (status, detail) = match (stored, revoked) {
        (None, _) => (
            VerifyStatus::UnknownCertificate,
            "signed with this centre's key, but this store holds no such card".to_owned(),
        ),
        (Some((sha, _)), _) if input.starts_with(b"%PDF") && crypto::hex(&crypto::sha256(&[input])) != sha => (
            VerifyStatus::Tampered,
            "the card's QR statement is genuine, but this PDF is not the file that was issued: it was altered"
                .to_owned(),
        ),
        (Some(_), Some((cert, at))) => (
            VerifyStatus::Revoked,
            format!("certificate {cert} on this card was revoked on {}", &at[..10.min(at.len())]),
        ),
        (Some((_, Some(at))), None) => (
            VerifyStatus::Superseded,
            format!("replaced by a newer card on {}; ask the holder for the current card", &at[..10.min(at.len())]),
        ),
        (Some(_), None) => (VerifyStatus::Valid, "a genuine, current card".to_owned()),
    };
    v.status = status;
    v.detail = detail;
    Ok(())
}

// ---- Drawing ----

const ACCENT: Ink = (0.122, 0.306, 0.475);
const TEXT: Ink = (0.122, 0.137, 0.157);
const MUTED: Ink = (0.35, 0.39, 0.43);
const WHITE: Ink = (1.0, 1.0, 1.0);

/// A line of text at a baseline (mm from the card's top-left), shrunk to `max_mm` down to `min`,
/// then cut with "…".
#[allow(clippy::too_many_arguments)]
fn text(
    page: &mut Page,
    face: Face,
    size: f32,
    min: f32,
    ink: Ink,
    x: f32,
    y: f32,
    align: Align,
    max_mm: f32,
    s: &str,
) {
    let (s, size) = fonts::fit(face, s, size, min, max_mm);
    page.text(face, size, ink, x, y, align, &s);
}

fn uk(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Draws one card on a page of exactly card size; returns the finished PDF/A bytes.
fn render(c: &CardContent, photo: &[u8], qr: &str, at: i64) -> Result<Vec<u8>> {
    use Align::{Left, Right};
    let title = format!("Card {}", c.number);
    let mut doc = Doc::new(&title, at, &signing::pdf_identifier(qr));
    let mut page = doc.page(CARD_W_MM, CARD_H_MM);
    let p = &mut page;
    const L: f32 = 3.5;
    const R: f32 = CARD_W_MM - 3.5;
    const X: f32 = 25.0;
    // The band: centre and card kind.
    p.fill_rect(ACCENT, 0.0, 0.0, CARD_W_MM, 8.6);
    text(p, Face::Bold, 5.0, 4.0, WHITE, R, 5.6, Right, 20.0, "TRAINING CARD");
    match &c.centre_address {
        // The centre's address under its name, in the band.
        Some(a) => {
            text(p, Face::Bold, 7.0, 4.5, WHITE, L, 4.3, Left, 57.0, &c.centre_name);
            text(p, Face::Regular, 4.2, 3.2, WHITE, L, 7.3, Left, 57.0, a);
        }
        None => text(p, Face::Bold, 7.0, 4.5, WHITE, L, 5.6, Left, 57.0, &c.centre_name),
    }
    // The photo, 35:45, with a hairline frame.
    let frame = [L, 11.5, 18.5, 18.5 * 45.0 / 35.0];
    let image = doc.image(photo, "photo")?;
    p.place(&image, frame);
    p.stroke_rect(MUTED, 0.3, frame[0], frame[1], frame[2], frame[3]);
    // Who.
    text(p, Face::Bold, 9.0, 5.0, TEXT, X, 15.2, Left, R - X, &c.candidate_name);
    if let Some(e) = &c.employer {
        text(p, Face::Regular, 6.5, 4.5, TEXT, X, 19.4, Left, R - X, e);
    }
    if let Some(n) = &c.employee_number {
        text(p, Face::Regular, 5.5, 4.0, MUTED, X, 22.9, Left, R - X, &format!("Employee no. {n}"));
    }
    // What they hold.
    const EXP: f32 = 62.0;
    text(p, Face::Bold, 4.6, 4.0, ACCENT, X, 27.3, Left, 25.0, "CATEGORIES HELD");
    text(p, Face::Bold, 4.6, 4.0, ACCENT, EXP, 27.3, Right, 12.0, "EXPIRES");
    p.line(MUTED, 0.3, (X, 28.3), (EXP, 28.3));
    for (i, k) in c.categories.iter().take(MAX_CATEGORIES).enumerate() {
        let y = 31.2 + 3.15 * i as f32;
        text(p, Face::Regular, 5.4, 4.0, TEXT, X, y, Left, EXP - X - 12.5, &k.category);
        let e = k.expires.map_or_else(|| "no expiry".to_owned(), uk);
        text(p, Face::Bold, 5.4, 4.0, TEXT, EXP, y, Right, 12.0, &e);
    }
    // The trainers' registration numbers, under the photo: one per scheme a category was trained
    // under, in the categories' order (the column beside each category has no room for one).
    let mut registrations: Vec<&str> = Vec::new();
    for r in c.categories.iter().filter_map(|k| k.trainer_registration.as_deref()) {
        if !registrations.contains(&r) {
            registrations.push(r);
        }
    }
    if !registrations.is_empty() {
        text(p, Face::Bold, 4.2, 3.5, ACCENT, L, 38.9, Left, X - L - 1.0, "TRAINER REG.");
        let shown = registrations.len().min(2);
        for (i, r) in registrations.iter().take(shown).enumerate() {
            let more = registrations.len() - shown;
            let line = if i + 1 == shown && more > 0 { format!("{r} +{more}") } else { (*r).to_owned() };
            text(p, Face::Regular, 5.0, 3.5, TEXT, L, 41.9 + 2.9 * i as f32, Left, X - L - 1.0, &line);
        }
    }
    // The QR code, bottom right.
    let qr_size = 18.5;
    p.qr(qr, R - qr_size + 1.2, 27.0, qr_size)?;
    // The footer.
    p.line(ACCENT, 0.6, (L, 47.2), (R, 47.2));
    text(p, Face::Bold, 6.2, 4.5, ACCENT, L, 51.1, Left, 40.0, &format!("Card no. {}", c.number));
    let right = format!("Issued {}  ·  scan the QR code to verify", uk(c.issue_date));
    text(p, Face::Regular, 4.4, 3.5, MUTED, R, 51.1, Right, 40.0, &right);
    doc.add(page);
    Ok(doc.finish_pdfa())
}

// ---- Issue, read, print ----

const SELECT: &str = "SELECT k.id, k.number, k.candidate_id, k.superseded_at, k.issued_on, u.username, k.issued_at,
        k.sha256, k.qr, k.content
    FROM cards k JOIN users u ON u.id = k.issued_by";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Card> {
    let content: String = r.get(9)?;
    let content: CardContent = serde_json::from_str(&content)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(9, rusqlite::types::Type::Text, Box::new(e)))?;
    let issued: String = r.get(4)?;
    let issued_on = issued
        .parse()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(Card {
        id: r.get(0)?,
        number: r.get(1)?,
        candidate_id: r.get(2)?,
        status: if r.get::<_, Option<String>>(3)?.is_some() { CardStatus::Superseded } else { CardStatus::Valid },
        issued_on,
        issued_by: r.get(5)?,
        issued_at: r.get(6)?,
        sha256: r.get(7)?,
        qr: r.get(8)?,
        content,
    })
}

/// The next card number, inside the caller's transaction: `{centre}-C{seq:06}`, one counter per centre.
fn next_number(conn: &Connection) -> Result<String> {
    let prefix = format!("{}-C", numbering::centre_code(conn)?);
    let last: Option<i64> = conn
        .query_row("UPDATE card_sequences SET last = last + 1 WHERE prefix = ?1 RETURNING last", [&prefix], |r| {
            r.get(0)
        })
        .optional()?;
    let seq = match last {
        Some(n) => n,
        None => {
            conn.execute("INSERT INTO card_sequences (prefix, last) VALUES (?1, 1)", [&prefix])?;
            1
        }
    };
    Ok(format!("{prefix}{seq:06}"))
}

/// The categories a candidate holds on `on`: standing, unrevoked, unexpired certificates, one line
/// per category (the latest expiry wins), soonest expiry first, at most [`MAX_CATEGORIES`].
fn held(conn: &Connection, candidate: Id, on: NaiveDate) -> Result<Vec<CardCategory>> {
    let rows: Vec<(String, Option<String>, String)> = conn
        .prepare(
            "SELECT c.number, c.expires_on, c.content FROM certificates c
             WHERE c.candidate_id = ?1 AND c.superseded_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM certificate_revocations v WHERE v.number = c.number)
               AND (c.expires_on IS NULL OR c.expires_on >= ?2)
             ORDER BY c.issued_at",
        )?
        .query_map(rusqlite::params![candidate, on.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out: Vec<CardCategory> = Vec::new();
    for (number, expires, content) in rows {
        let v: serde_json::Value = serde_json::from_str(&content).unwrap_or_default();
        let f = &v["fields"];
        let course_title = f["course_title"].as_str().unwrap_or_default().to_owned();
        let category = match f["category"].as_str().map(str::trim) {
            Some(c) if !c.is_empty() => c.to_owned(),
            _ => course_title.clone(),
        };
        let expires: Option<NaiveDate> = expires.and_then(|e| e.parse().ok());
        let trainer_registration = f["trainer_registration"].as_str().map(str::to_owned);
        let line = CardCategory { category, course_title, certificate: number, expires, trainer_registration };
        match out.iter_mut().find(|k| k.category.eq_ignore_ascii_case(&line.category)) {
            // `None` (no expiry) outlasts any date.
            Some(k) if later(line.expires, k.expires) => *k = line,
            Some(_) => {}
            None => out.push(line),
        }
    }
    out.sort_by(|a, b| {
        (a.expires.is_none(), a.expires, &a.category).cmp(&(b.expires.is_none(), b.expires, &b.category))
    });
    out.truncate(MAX_CATEGORIES);
    Ok(out)
}

fn later(a: Option<NaiveDate>, b: Option<NaiveDate>) -> bool {
    match (a, b) {
        (None, Some(_)) => true,
        (Some(x), Some(y)) => x > y,
        _ => false,
    }
}

/// Which cards to put on a sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardSelection {
    /// These card numbers, in order (repeats once).
    Numbers(Vec<String>),
    /// The standing card of every candidate enrolled on a run.
    Run(Id),
}

/// What a sheet print wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SheetSummary {
    pub cards: u64,
    pub sheets: u64,
    pub bytes: u64,
}

/// The A4 sheet: 2 columns × 5 rows of ID-1 cards, centred, with gaps to cut between.
pub mod sheet {
    pub const PAGE_W_MM: f32 = 210.0;
    pub const PAGE_H_MM: f32 = 297.0;
    pub const COLUMNS: usize = 2;
    pub const ROWS: usize = 5;
    pub const GAP_X_MM: f32 = 6.0;
    pub const GAP_Y_MM: f32 = 2.0;

    /// The top-left corner (mm from the page's top-left) of slot `i` (row by row).
    pub fn slot(i: usize) -> (f32, f32) {
        let (w, h) = (super::CARD_W_MM, super::CARD_H_MM);
        let block_w = COLUMNS as f32 * w + (COLUMNS - 1) as f32 * GAP_X_MM;
        let block_h = ROWS as f32 * h + (ROWS - 1) as f32 * GAP_Y_MM;
        let (left, top) = ((PAGE_W_MM - block_w) / 2.0, (PAGE_H_MM - block_h) / 2.0);
        let (c, r) = (i % COLUMNS, i / COLUMNS);
        (left + c as f32 * (w + GAP_X_MM), top + r as f32 * (h + GAP_Y_MM))
    }
}

const MM: f32 = 72.0 / 25.4;

/// The content stream of one sheet: each card placed, then crop marks in the margins on every cut
/// line (outside the cards, never over them).
fn sheet_content(forms: &[(String, u32)]) -> Vec<u8> {
    let mut s = String::new();
    let ph = sheet::PAGE_H_MM;
    for (i, (name, _)) in forms.iter().enumerate() {
        let (x, y) = sheet::slot(i);
        let (tx, ty) = (x * MM, (ph - y - CARD_H_MM) * MM);
        s.push_str(&format!("q 1 0 0 1 {tx:.3} {ty:.3} cm /{name} Do Q\n"));
    }
    let n = forms.len();
    let rows = n.div_ceil(sheet::COLUMNS);
    let cols = n.min(sheet::COLUMNS);
    let (left, top) = sheet::slot(0);
    let right = sheet::slot(cols - 1).0 + CARD_W_MM;
    let bottom = sheet::slot((rows - 1) * sheet::COLUMNS).1 + CARD_H_MM;
    const OFF: f32 = 2.0;
    const LEN: f32 = 5.0;
    s.push_str("0 0 0 RG 0.3 w\n");
    let mut line = |x1: f32, y1: f32, x2: f32, y2: f32| {
        s.push_str(&format!("{:.3} {:.3} m {:.3} {:.3} l S\n", x1 * MM, (ph - y1) * MM, x2 * MM, (ph - y2) * MM));
    };
    for c in 0..cols {
        let x0 = sheet::slot(c).0;
        for x in [x0, x0 + CARD_W_MM] {
            line(x, top - OFF, x, top - OFF - LEN);
            line(x, bottom + OFF, x, bottom + OFF + LEN);
        }
    }
    for r in 0..rows {
        let y0 = sheet::slot(r * sheet::COLUMNS).1;
        for y in [y0, y0 + CARD_H_MM] {
            line(left - OFF, y, left - OFF - LEN, y);
            line(right + OFF, y, right + OFF + LEN, y);
        }
    }
    s.into_bytes()
}

impl Store {
    /// Issues a photo card for a candidate, listing the categories they hold on `on` (default
    /// today); supersedes their previous card (admin and office).
    pub fn issue_card(&mut self, actor: &Actor, candidate: Id, on: Option<NaiveDate>) -> Result<Card> {
        actor.require(Permission::EditRecords)?;
        let on = on.unwrap_or_else(|| Utc::now().date_naive());
        self.write(|tx| {
            let row: Option<(String, String, bool, Option<Vec<u8>>)> = tx
                .query_row(
                    "SELECT forename, surname, restricted, photo FROM candidates WHERE id = ?1 AND merged_into IS NULL AND erased_at IS NULL",
                    [candidate],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let (forename, surname, restricted, photo) =
                row.ok_or_else(|| Error::NotFound { what: "candidate", name: candidate.to_string() })?;
            if restricted {
                return Err(Error::invalid(
                    "candidate",
                    "processing of this candidate's record is restricted; lift the restriction before issuing",
                ));
            }
            let photo = photo.ok_or_else(|| Error::invalid("photo", "a card prints the candidate's photo; add one first"))?;
            let categories = held(tx, candidate, on)?;
            if categories.is_empty() {
                return Err(Error::invalid(
                    "card",
                    "the candidate holds no valid certificate (the current version, not revoked, not expired) to put on a card",
                ));
            }
            let employment: Option<(String, Option<String>)> = tx
                .query_row(
                    "SELECT er.name, em.employee_number FROM employments em JOIN employers er ON er.id = em.employer_id
                     WHERE em.candidate_id = ?1 ORDER BY (em.ended_on IS NULL) DESC, em.started_on DESC LIMIT 1",
                    [candidate],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (employer, employee_number) = employment.map_or((None, None), |(e, n)| (Some(e), n));
            let (key_id, key) = signing::current_key(tx, actor)?;
            let number = next_number(tx)?;
            let content = CardContent {
                number: number.clone(),
                centre_name: crate::store::meta_get(tx, "centre_name")?.unwrap_or_default(),
                candidate_name: format!("{forename} {surname}"),
                employer,
                employee_number,
                categories,
                issue_date: on,
                key_id: key_id.clone(),
                centre_address: crate::records::Centre {
                    address: crate::store::meta_get(tx, "centre_address")?,
                    postcode: crate::store::meta_get(tx, "centre_postcode")?
                        .and_then(|p| crate::fields::Postcode::parse(&p).ok()),
                    ..Default::default()
                }
                .postal_address(),
            };
            let statement = CardStatement {
                number: number.clone(),
                name: content.candidate_name.clone(),
                employer: content.employer.clone().unwrap_or_default(),
                held: content
                    .categories
                    .iter()
                    .map(|k| (k.certificate.clone(), k.expires.map(|d| d.to_string()).unwrap_or_default()))
                    .collect(),
                issued: on.to_string(),
                centre: content.centre_name.clone(),
                key: key_id.clone(),
            };
            let qr = statement.sign(&key);
            let now = Utc::now();
            let bytes = render(&content, &photo, &qr, now.timestamp())?;
            let sha = crypto::hex(&crypto::sha256(&[&bytes]));
            let superseded: Vec<String> = tx
                .prepare("UPDATE cards SET superseded_at = ?2 WHERE candidate_id = ?1 AND superseded_at IS NULL RETURNING number")?
                .query_map(rusqlite::params![candidate, now.to_rfc3339()], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let id = Id::new();
            tx.execute(
                "INSERT INTO cards (id, number, candidate_id, issued_on, content, qr, key_id, pdf, sha256, issued_by, issued_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                rusqlite::params![
                    id,
                    number,
                    candidate,
                    on.to_string(),
                    serde_json::to_string(&content).map_err(|_| Error::invalid("card", "could not be recorded"))?,
                    qr,
                    key_id,
                    bytes,
                    sha,
                    actor.id(),
                    now.to_rfc3339(),
                ],
            )?;
            let certificates: Vec<String> = content.categories.iter().map(|k| k.certificate.clone()).collect();
            let mut changes = vec![
                FieldChange::created("candidate", candidate.to_string()),
                FieldChange::created("certificates", certificates),
                FieldChange::created("sha256", sha),
            ];
            if !superseded.is_empty() {
                changes.push(FieldChange::created("supersedes", superseded));
            }
            audit::record(tx, Who::Actor(actor), "card.issue", Subject { entity: "card", id: Some(&number) }, &changes)?;
            Ok(tx.query_row(&format!("{SELECT} WHERE k.id = ?1"), [id], read_row)?)
        })
    }

    /// A card by number (admin and office).
    pub fn card(&self, actor: &Actor, number: &str) -> Result<Card> {
        actor.require(Permission::EditRecords)?;
        self.conn()
            .query_row(&format!("{SELECT} WHERE k.number = ?1"), [number.trim()], read_row)
            .optional()?
            .ok_or_else(|| Error::NotFound { what: "card", name: number.trim().to_owned() })
    }

    /// Cards, newest first, optionally one candidate's (admin and office).
    pub fn cards(&self, actor: &Actor, candidate: Option<Id>) -> Result<Vec<Card>> {
        actor.require(Permission::EditRecords)?;
        let rows = self
            .conn()
            .prepare(&format!(
                "{SELECT} WHERE (?1 IS NULL OR k.candidate_id = ?1) ORDER BY k.issued_at DESC, k.number DESC"
            ))?
            .query_map([candidate], read_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The exact PDF issued for a card: one page of card size (admin and office).
    pub fn card_pdf(&self, actor: &Actor, number: &str) -> Result<Vec<u8>> {
        let card = self.card(actor, number)?;
        frozen(self, card.id)
    }

    /// Saves a card's issued PDF as the new file `out` (admin and office), logged as a disclosure of
    /// its holder with the file's fingerprint. Returns its size in bytes.
    pub fn save_card_pdf(&mut self, actor: &Actor, number: &str, out: &std::path::Path) -> Result<u64> {
        actor.require(Permission::EditRecords)?;
        let mut file = crate::outfile::NewFile::create(out)?;
        let card = self.card(actor, number)?;
        let bytes = frozen(self, card.id)?;
        file.put(&bytes)?;
        let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        self.write(|tx| {
            let disclosure =
                disclosures::log_documents(tx, actor, OutputKind::Card, &[card.id], Some((&name, &bytes)))?;
            let sid = card.id.to_string();
            audit::record(
                tx,
                Who::Actor(actor),
                "card.save",
                Subject { entity: "card", id: Some(&sid) },
                &[FieldChange::created("disclosure", disclosure.to_string())],
            )
        })?;
        file.commit()?;
        Ok(bytes.len() as u64)
    }

    /// Prints cards on A4 sheets (2 × 5, centred, crop marks outside the cards) from their issued
    /// files, streaming: one card in memory at a time. Audited as one entry with the count (admin
    /// and office). On error the caller deletes the partial output.
    pub fn cards_sheet_pdf<W: Write>(
        &mut self,
        actor: &Actor,
        selection: &CardSelection,
        out: W,
    ) -> Result<SheetSummary> {
        actor.require(Permission::EditRecords)?;
        let ids: Vec<Id> = match selection {
            CardSelection::Numbers(numbers) => {
                let mut seen = std::collections::HashSet::new();
                let mut ids = Vec::new();
                for n in numbers.iter().map(|n| n.trim()) {
                    if seen.insert(n.to_owned()) {
                        ids.push(self.card(actor, n)?.id);
                    }
                }
                ids
            }
            CardSelection::Run(run) => self
                .conn()
                .prepare(
                    "SELECT k.id FROM cards k JOIN enrolments n ON n.candidate_id = k.candidate_id
                     WHERE n.run_id = ?1 AND k.superseded_at IS NULL GROUP BY k.id ORDER BY k.number",
                )?
                .query_map([run], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?,
        };
        if ids.is_empty() {
            return Err(Error::invalid("selection", "holds no current cards to print"));
        }
        let per = sheet::COLUMNS * sheet::ROWS;
        let mut merger = PdfMerger::new(BufWriter::with_capacity(1 << 18, out))?;
        let mut forms: Vec<(String, u32)> = Vec::with_capacity(per);
        let mut sheets = 0u64;
        for (i, id) in ids.iter().enumerate() {
            let (n, _) = merger.add_form(&frozen(self, *id)?)?;
            forms.push((format!("C{}", forms.len()), n));
            if forms.len() == per || i + 1 == ids.len() {
                let content = sheet_content(&forms);
                merger.add_page(sheet::PAGE_W_MM * MM, sheet::PAGE_H_MM * MM, content, &forms)?;
                forms.clear();
                sheets += 1;
            }
        }
        let (_, bytes) = merger.finish()?;
        let count = ids.len() as u64;
        self.write(|tx| {
            let disclosure = disclosures::log_documents(tx, actor, OutputKind::CardSheet, &ids, None)?;
            audit::record(
                tx,
                Who::Actor(actor),
                "card.print",
                Subject { entity: "card", id: None },
                &[
                    FieldChange::created("cards", count),
                    FieldChange::created("sheets", sheets),
                    FieldChange::created("disclosure", disclosure.to_string()),
                ],
            )
        })?;
        Ok(SheetSummary { cards: count, sheets, bytes })
    }
}

fn frozen(store: &Store, id: Id) -> Result<Vec<u8>> {
    let (bytes, sha): (Vec<u8>, String) =
        store.conn().query_row("SELECT pdf, sha256 FROM cards WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if crypto::hex(&crypto::sha256(&[&bytes])) != sha {
        return Err(Error::CorruptStore {
            path: store.dir().db(),
            reason: "a card's stored PDF no longer matches its recorded SHA-256".into(),
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests;
