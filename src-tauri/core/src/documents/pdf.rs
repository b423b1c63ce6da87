//! Drawing a certificate from a template: embedded, subset fonts (DejaVu Sans, which covers Welsh ŵ ŷ,
//! Polish ł and Irish fadas), long texts shrunk to fit, the photo, logo and signature images, and the
//! QR code drawn as filled rectangles. Pages can be collected into one document for batch printing.

use std::sync::OnceLock;

use printpdf::{
    Color, CustomPdfConformance, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfConformance, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, RawImage, Rect, Rgb, TextItem, XObjectTransform,
};

use super::template::{fill, Align, Face, Template};
use crate::{Error, Result};

const DEJAVU: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");
const DEJAVU_BOLD: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans-Bold.ttf");

/// The embedded font files a template may name.
pub(crate) fn font_bytes(name: &str) -> Option<&'static [u8]> {
    match name {
        "DejaVuSans.ttf" => Some(DEJAVU),
        "DejaVuSans-Bold.ttf" => Some(DEJAVU_BOLD),
        _ => None,
    }
}

/// Advance widths from a TrueType font's `cmap`, `hmtx`, `hhea` and `head` tables, to measure text.
pub(crate) struct Metrics {
    units_per_em: f32,
    advances: Vec<u16>,
    // (start, end, delta, range offset position) segments of a format 4 cmap, and the font bytes.
    segments: Vec<(u16, u16, i16, usize, u16)>,
    data: &'static [u8],
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    d.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

impl Metrics {
    fn parse(data: &'static [u8]) -> Option<Metrics> {
        let tables = be16(data, 4)? as usize;
        let table = |tag: &[u8; 4]| {
            (0..tables).find_map(|i| {
                let rec = 12 + 16 * i;
                (data.get(rec..rec + 4)? == tag).then(|| be32(data, rec + 8).map(|o| o as usize)).flatten()
            })
        };
        let head = table(b"head")?;
        let hhea = table(b"hhea")?;
        let hmtx = table(b"hmtx")?;
        let cmap = table(b"cmap")?;
        let units_per_em = f32::from(be16(data, head + 18)?);
        let n_metrics = be16(data, hhea + 34)? as usize;
        let advances = (0..n_metrics).map(|i| be16(data, hmtx + 4 * i)).collect::<Option<Vec<_>>>()?;
        // The Windows Unicode BMP subtable (3, 1), format 4.
        let n_sub = be16(data, cmap + 2)? as usize;
        let sub = (0..n_sub).find_map(|i| {
            let rec = cmap + 4 + 8 * i;
            (be16(data, rec)? == 3 && be16(data, rec + 2)? == 1).then(|| be32(data, rec + 4)).flatten()
        })? as usize
            + cmap;
        if be16(data, sub)? != 4 {
            return None;
        }
        let segs = be16(data, sub + 6)? as usize / 2;
        let ends = sub + 14;
        let starts = ends + 2 * segs + 2;
        let deltas = starts + 2 * segs;
        let offsets = deltas + 2 * segs;
        let segments = (0..segs)
            .map(|i| {
                Some((
                    be16(data, starts + 2 * i)?,
                    be16(data, ends + 2 * i)?,
                    be16(data, deltas + 2 * i)? as i16,
                    offsets + 2 * i,
                    be16(data, offsets + 2 * i)?,
                ))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Metrics { units_per_em, advances, segments, data })
    }

    fn glyph(&self, c: char) -> u16 {
        let Ok(c) = u16::try_from(u32::from(c)) else { return 0 };
        for &(start, end, delta, offset_pos, range_offset) in &self.segments {
            if c < start || c > end {
                continue;
            }
            if range_offset == 0 {
                return (c as i32 + delta as i32) as u16;
            }
            let at = offset_pos + range_offset as usize + 2 * (c - start) as usize;
            return match be16(self.data, at) {
                Some(0) | None => 0,
                Some(g) => (g as i32 + delta as i32) as u16,
            };
        }
        0
    }

    /// Whether the font has a glyph for every character of `s`.
    #[cfg(test)]
    pub(crate) fn covers(&self, s: &str) -> bool {
        s.chars().all(|c| c.is_whitespace() || self.glyph(c) != 0)
    }

    /// The width of `s` at `size_pt`, in points.
    pub(crate) fn width_pt(&self, s: &str, size_pt: f32) -> f32 {
        let units: u32 = s
            .chars()
            .map(|c| {
                let g = self.glyph(c) as usize;
                u32::from(*self.advances.get(g).or(self.advances.last()).unwrap_or(&0))
            })
            .sum();
        units as f32 * size_pt / self.units_per_em
    }
}

struct Faces {
    regular: ParsedFont,
    bold: ParsedFont,
    regular_metrics: Metrics,
    bold_metrics: Metrics,
}

fn faces() -> &'static Faces {
    static FACES: OnceLock<Faces> = OnceLock::new();
    FACES.get_or_init(|| Faces {
        regular: ParsedFont::from_bytes(DEJAVU, 0, &mut Vec::new()).expect("the embedded font parses"),
        bold: ParsedFont::from_bytes(DEJAVU_BOLD, 0, &mut Vec::new()).expect("the embedded font parses"),
        regular_metrics: Metrics::parse(DEJAVU).expect("the embedded font has metrics"),
        bold_metrics: Metrics::parse(DEJAVU_BOLD).expect("the embedded font has metrics"),
    })
}

pub(crate) fn metrics(face: Face) -> &'static Metrics {
    match face {
        Face::Regular => &faces().regular_metrics,
        Face::Bold => &faces().bold_metrics,
    }
}

/// The font size at which `text` fits `max_width_mm`, never below `min` (nor above `size`).
pub(crate) fn fitted_size(face: Face, text: &str, size: f32, min: f32, max_width_mm: Option<f32>) -> f32 {
    let Some(max) = max_width_mm else { return size };
    let max_pt = Pt::from(Mm(max)).0;
    let w = metrics(face).width_pt(text, size);
    if w <= max_pt {
        size
    } else {
        (size * max_pt / w).max(min)
    }
}

/// Images for one page: the photo (when printed), and the template's logo and signature.
pub(crate) struct PageImages<'a> {
    pub photo: Option<&'a [u8]>,
    pub logo: Option<&'a [u8]>,
    pub signature: Option<&'a [u8]>,
}

/// A document under construction: fonts added once, pages appended.
pub(crate) struct Doc {
    doc: PdfDocument,
    regular: FontId,
    bold: FontId,
    pages: Vec<PdfPage>,
    /// For the PDF/A metadata: the title, creation time (UNIX seconds) and identifier.
    title: String,
    created: i64,
    identifier: String,
}

pub(crate) fn rgb((r, g, b): (f32, f32, f32)) -> Color {
    Color::Rgb(Rgb { r, g, b, icc_profile: None })
}

pub(crate) fn pt(mm: f32) -> Pt {
    Pt::from(Mm(mm))
}

impl Doc {
    /// A new document with `title`, dated `created` (UNIX seconds) and carrying `identifier` in its
    /// document information.
    pub(crate) fn new(title: &str, created: i64, identifier: &str) -> Doc {
        let mut doc = PdfDocument::new(title);
        let f = faces();
        let regular = doc.add_font(&f.regular);
        let bold = doc.add_font(&f.bold);
        let when = printpdf::OffsetDateTime::from_unix_timestamp(created)
            .unwrap_or_else(|_| printpdf::OffsetDateTime::from_unix_timestamp(0).expect("epoch"));
        let info = &mut doc.metadata.info;
        // XMP metadata, embedded subset fonts, no JavaScript or external content. `finish` alone is not
        // PDF/A-2b (printpdf 0.12 only offers a CMYK FOGRA39 intent, 650 KB a file); `finish_pdfa`
        // finishes the document with an sRGB intent and PDF/A metadata (see `pdfa`).
        info.conformance = PdfConformance::Custom(CustomPdfConformance {
            requires_xmp_metadata: true,
            allows_jpeg_content: true,
            ..Default::default()
        });
        info.creation_date = when;
        info.modification_date = when;
        info.metadata_date = when;
        info.creator = "Centrebook".into();
        info.producer = "Centrebook (printpdf)".into();
        info.identifier = identifier.into();
        Doc { doc, regular, bold, pages: Vec::new(), title: title.into(), created, identifier: identifier.into() }
    }

    pub(crate) fn font(&self, face: Face) -> PdfFontHandle {
        PdfFontHandle::External(match face {
            Face::Regular => self.regular.clone(),
            Face::Bold => self.bold.clone(),
        })
    }

    fn image(&mut self, bytes: &[u8], what: &'static str) -> Result<(printpdf::XObjectId, f32, f32)> {
        let img = RawImage::decode_from_bytes(bytes, &mut Vec::new())
            .map_err(|_| Error::invalid(what, "is not a PNG or JPEG image that can be printed"))?;
        let (w, h) = (img.width as f32, img.height as f32);
        Ok((self.doc.add_image(&img), w, h))
    }

    /// Places an image inside a box (top-left origin, mm), in proportion and centred.
    pub(crate) fn place(
        &mut self,
        ops: &mut Vec<Op>,
        page_h: f32,
        bytes: &[u8],
        what: &'static str,
        b: [f32; 4],
    ) -> Result<()> {
        let (id, px_w, px_h) = self.image(bytes, what)?;
        let [x, y, w, h] = b;
        let scale_mm = (w / px_w).min(h / px_h);
        let (dw, dh) = (px_w * scale_mm, px_h * scale_mm);
        let left = x + (w - dw) / 2.0;
        let bottom = page_h - (y + (h - dh) / 2.0) - dh;
        // At `dpi`, one pixel is 25.4 / dpi mm.
        let dpi = 25.4 / scale_mm;
        ops.push(Op::UseXobject {
            id,
            transform: XObjectTransform {
                translate_x: Some(pt(left)),
                translate_y: Some(pt(bottom)),
                dpi: Some(dpi),
                ..Default::default()
            },
        });
        Ok(())
    }

    /// Draws one page from `template`, its placeholders filled by `value`, with `qr_text` as the QR code.
    pub(crate) fn add_page(
        &mut self,
        template: &Template,
        value: &dyn Fn(&str) -> Option<String>,
        images: &PageImages<'_>,
        qr_text: &str,
    ) -> Result<()> {
        let (pw, ph) = (template.page.width_mm, template.page.height_mm);
        let mut ops = Vec::new();
        for r in &template.rects {
            ops.push(Op::SetOutlineColor { col: rgb(template.colour(r.colour.as_ref()).unwrap_or_default()) });
            ops.push(Op::SetOutlineThickness { pt: Pt(r.line_pt) });
            ops.push(Op::DrawRectangle {
                rectangle: Rect {
                    x: pt(r.x_mm),
                    y: pt(ph - r.y_mm - r.h_mm),
                    width: pt(r.w_mm),
                    height: pt(r.h_mm),
                    mode: Some(PaintMode::Stroke),
                    winding_order: None,
                },
            });
        }
        for l in &template.lines {
            ops.push(Op::SetOutlineColor { col: rgb(template.colour(l.colour.as_ref()).unwrap_or_default()) });
            ops.push(Op::SetOutlineThickness { pt: Pt(l.line_pt) });
            let p = |x: f32, y: f32| LinePoint { p: Point { x: pt(x), y: pt(ph - y) }, bezier: false };
            ops.push(Op::DrawLine {
                line: Line { points: vec![p(l.x1_mm, l.y1_mm), p(l.x2_mm, l.y2_mm)], is_closed: false },
            });
        }
        if let (Some(spec), Some(bytes)) = (&template.logo, images.logo) {
            self.place(&mut ops, ph, bytes, "logo", [spec.x_mm, spec.y_mm, spec.w_mm, spec.h_mm])?;
        }
        if let (Some(spec), Some(bytes)) = (&template.signature, images.signature) {
            self.place(&mut ops, ph, bytes, "signature image", [spec.x_mm, spec.y_mm, spec.w_mm, spec.h_mm])?;
        }
        if let (Some(spec), Some(bytes)) = (&template.photo, images.photo) {
            self.place(&mut ops, ph, bytes, "photo", [spec.x_mm, spec.y_mm, spec.w_mm, spec.h_mm])?;
        }
        qr_ops(&mut ops, ph, qr_text, template.qr.x_mm, template.qr.y_mm, template.qr.size_mm)?;
        for t in &template.texts {
            let Some(text) = fill(&t.text, value) else { continue };
            let text = text.replace(['\n', '\r'], " ");
            let size = fitted_size(t.font, &text, t.size_pt, t.min_size_pt.unwrap_or(t.size_pt / 2.0), t.max_width_mm);
            let width_mm = Mm::from(Pt(metrics(t.font).width_pt(&text, size))).0;
            let x = match t.align {
                Align::Left => t.x_mm,
                Align::Centre => t.x_mm - width_mm / 2.0,
                Align::Right => t.x_mm - width_mm,
            };
            ops.push(Op::SetFillColor { col: rgb(template.colour(t.colour.as_ref()).unwrap_or_default()) });
            ops.push(Op::StartTextSection);
            ops.push(Op::SetFont { font: self.font(t.font), size: Pt(size) });
            ops.push(Op::SetTextCursor { pos: Point { x: pt(x), y: pt(ph - t.y_mm) } });
            ops.push(Op::ShowText { items: vec![TextItem::Text(text)] });
            ops.push(Op::EndTextSection);
        }
        self.pages.push(PdfPage::new(Mm(pw), Mm(ph), ops));
        Ok(())
    }

    /// Appends a page drawn by the caller.
    pub(crate) fn add_ops_page(&mut self, width_mm: f32, height_mm: f32, ops: Vec<Op>) {
        self.pages.push(PdfPage::new(Mm(width_mm), Mm(height_mm), ops));
    }

    /// The finished file as PDF/A-2b (see [`super::pdfa`]): for documents that are kept.
    pub(crate) fn finish_pdfa(mut self) -> Vec<u8> {
        let opts = PdfSaveOptions { subset_fonts: true, ..Default::default() };
        let pages = std::mem::take(&mut self.pages);
        self.doc.with_pages(pages);
        let lo = printpdf::to_lopdf_doc(&self.doc, &opts, &mut Vec::new());
        let meta = super::pdfa::Meta { title: &self.title, created: self.created, identifier: &self.identifier };
        super::pdfa::finish(lo, &meta)
    }

    /// The finished file.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        let opts = PdfSaveOptions { subset_fonts: true, ..Default::default() };
        let pages = std::mem::take(&mut self.pages);
        self.doc.with_pages(pages).save(&opts, &mut Vec::new())
    }
}

/// A table laid out over as many A4 landscape pages as it needs, its header row repeated on each,
/// with a title line and page numbers. Cells shrink to fit their column, then are cut with "…".
pub(crate) fn table(title: &str, subtitle: &str, header: &[&str], widths_mm: &[f32], rows: &[Vec<String>]) -> Vec<u8> {
    const W: f32 = 297.0;
    const H: f32 = 210.0;
    const MARGIN: f32 = 12.0;
    const ROW: f32 = 5.6;
    const SIZE: f32 = 8.0;
    let mut doc = Doc::new(title, chrono::Utc::now().timestamp(), "");
    let first_row_y = MARGIN + 22.0;
    let per_page = (((H - MARGIN - 8.0) - first_row_y) / ROW).floor().max(1.0) as usize;
    let pages = rows.len().div_ceil(per_page).max(1);
    let text = |ops: &mut Vec<Op>, doc: &Doc, face: Face, size: f32, x: f32, y: f32, s: &str| {
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont { font: doc.font(face), size: Pt(size) });
        ops.push(Op::SetTextCursor { pos: Point { x: pt(x), y: pt(H - y) } });
        ops.push(Op::ShowText { items: vec![TextItem::Text(s.to_owned())] });
        ops.push(Op::EndTextSection);
    };
    let fit = |face: Face, s: &str, width: f32| -> (String, f32) {
        let size = fitted_size(face, s, SIZE, 6.0, Some(width));
        let clean = s.replace(['\n', '\r'], " ");
        let max = Pt::from(Mm(width)).0;
        if metrics(face).width_pt(&clean, size) <= max {
            return (clean, size);
        }
        let mut cut = clean;
        while !cut.is_empty() && metrics(face).width_pt(&format!("{cut}…"), size) > max {
            cut.pop();
        }
        cut.push('…');
        (cut, size)
    };
    for page in 0..pages {
        let mut ops = vec![Op::SetFillColor { col: rgb((0.12, 0.14, 0.16)) }];
        text(&mut ops, &doc, Face::Bold, 13.0, MARGIN, MARGIN + 5.0, title);
        text(&mut ops, &doc, Face::Regular, 8.0, MARGIN, MARGIN + 11.0, subtitle);
        let footer = format!("Page {} of {pages}", page + 1);
        text(&mut ops, &doc, Face::Regular, 7.0, W - MARGIN - 20.0, H - MARGIN + 4.0, &footer);
        ops.push(Op::SetFillColor { col: rgb((0.88, 0.91, 0.95)) });
        ops.push(Op::DrawRectangle {
            rectangle: Rect {
                x: pt(MARGIN),
                y: pt(H - (first_row_y - 4.0)),
                width: pt(W - 2.0 * MARGIN),
                height: pt(ROW),
                mode: Some(PaintMode::Fill),
                winding_order: None,
            },
        });
        ops.push(Op::SetFillColor { col: rgb((0.12, 0.14, 0.16)) });
        let mut x = MARGIN + 1.0;
        for (h, w) in header.iter().zip(widths_mm) {
            let (s, size) = fit(Face::Bold, h, w - 1.5);
            text(&mut ops, &doc, Face::Bold, size, x, first_row_y, &s);
            x += w;
        }
        for (i, row) in rows.iter().skip(page * per_page).take(per_page).enumerate() {
            let y = first_row_y + ROW * (i as f32 + 1.0);
            let mut x = MARGIN + 1.0;
            for (cell, w) in row.iter().zip(widths_mm) {
                if !cell.is_empty() {
                    let (s, size) = fit(Face::Regular, cell, w - 1.5);
                    text(&mut ops, &doc, Face::Regular, size, x, y, &s);
                }
                x += w;
            }
            ops.push(Op::SetOutlineColor { col: rgb((0.85, 0.85, 0.85)) });
            ops.push(Op::SetOutlineThickness { pt: Pt(0.3) });
            let p = |x: f32| LinePoint { p: Point { x: pt(x), y: pt(H - y - 1.8) }, bezier: false };
            ops.push(Op::DrawLine { line: Line { points: vec![p(MARGIN), p(W - MARGIN)], is_closed: false } });
        }
        doc.pages.push(PdfPage::new(Mm(W), Mm(H), ops));
    }
    doc.finish()
}

/// The QR code's dark modules as filled rectangles (one per horizontal run), with a quiet zone of
/// four modules inside the square.
pub(crate) fn qr_ops(ops: &mut Vec<Op>, page_h: f32, text: &str, x: f32, y: f32, size: f32) -> Result<()> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| Error::invalid("QR code", "the statement is too long for a QR code"))?;
    let n = code.width();
    let colours = code.to_colors();
    let module = size / (n as f32 + 8.0);
    ops.push(Op::SetFillColor { col: rgb((0.0, 0.0, 0.0)) });
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colours[row * n + col] != qrcode::Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && colours[row * n + col] == qrcode::Color::Dark {
                col += 1;
            }
            let left = x + (start as f32 + 4.0) * module;
            let top = y + (row as f32 + 4.0) * module;
            ops.push(Op::DrawRectangle {
                rectangle: Rect {
                    x: pt(left),
                    y: pt(page_h - top - module),
                    width: pt((col - start) as f32 * module),
                    height: pt(module),
                    mode: Some(PaintMode::Fill),
                    winding_order: None,
                },
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_measure_accented_text_and_fitting_shrinks_long_names() {
        let m = metrics(Face::Regular);
        assert!(m.covers("Siân Llewelyn ŵŷ Łukasz Bartłomiej Seán Ó Súilleabháin"));
        assert!(!m.covers("\u{E000}"), "a private-use character has no glyph");
        let short = m.width_pt("Ann", 10.0);
        let long = m.width_pt("Ann Ann", 10.0);
        assert!(short > 10.0 && long > 2.0 * short, "{short} {long}");
        assert!((m.width_pt("W", 20.0) - 2.0 * m.width_pt("W", 10.0)).abs() < 1e-3);
        let name = "Bartholomew Alexander Featherstonehaugh-Cholmondeley-Wynne-Llewelyn ap Gruffydd";
        let size = fitted_size(Face::Bold, name, 26.0, 6.0, Some(170.0));
        assert!((6.0..26.0).contains(&size), "{size}");
        let w = Mm::from(Pt(metrics(Face::Bold).width_pt(name, size))).0;
        assert!(w <= 170.5, "{w}");
        assert_eq!(fitted_size(Face::Bold, "Ann Lee", 26.0, 12.0, Some(170.0)), 26.0);
    }
}
