//! The one drawing surface of every PDF Centrebook makes (certificates, cards, reports, bundle
//! summaries): a document with the embedded subset fonts, and pages drawn in millimetres from the
//! top-left corner (a text's `y` is its baseline): text, filled and outlined rectangles, lines,
//! images fitted into a box, and QR codes as filled rectangles. Over printpdf, which measures from
//! the bottom-left in points: the flip and the units are converted here and nowhere else.

use printpdf::{
    Color, CustomPdfConformance, DictItem, ExternalStream, ExternalXObject, FontId, Line, LinePoint, Mm, Op, PaintMode,
    PdfConformance, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Px, RawImage, Rect, Rgb, TextItem,
    XObjectId, XObjectTransform,
};
use serde::{Deserialize, Serialize};

use super::fonts::{self, Face};
use crate::{Error, Result};

/// An ink: red, green and blue, each 0 to 1.
pub(crate) type Ink = (f32, f32, f32);

/// A4 landscape, width and height in mm: the page of reports and printable tables.
pub(crate) const A4_LANDSCAPE: (f32, f32) = (297.0, 210.0);

/// Horizontal alignment of a text about its `x`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    #[default]
    Left,
    Centre,
    Right,
}

fn rgb((r, g, b): Ink) -> Color {
    Color::Rgb(Rgb { r, g, b, icc_profile: None })
}

fn pt(mm: f32) -> Pt {
    Pt::from(Mm(mm))
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

impl Doc {
    fn with_fonts(title: &str) -> (PdfDocument, FontId, FontId) {
        let mut doc = PdfDocument::new(title);
        let regular = doc.add_font(fonts::parsed(Face::Regular));
        let bold = doc.add_font(fonts::parsed(Face::Bold));
        let info = &mut doc.metadata.info;
        info.creator = "Centrebook".into();
        info.producer = "Centrebook (printpdf)".into();
        (doc, regular, bold)
    }

    /// A document that may be kept (see [`Doc::finish_pdfa`]): `title`, dated `created` (UNIX
    /// seconds) and carrying `identifier` in its document information.
    pub(crate) fn new(title: &str, created: i64, identifier: &str) -> Doc {
        let (mut doc, regular, bold) = Doc::with_fonts(title);
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
        info.identifier = identifier.into();
        Doc { doc, regular, bold, pages: Vec::new(), title: title.into(), created, identifier: identifier.into() }
    }

    /// A document handed over and not kept (a report): printpdf's plain metadata, with its author and
    /// subject. Finish it with [`Doc::finish`].
    pub(crate) fn handed_over(title: &str, author: &str, subject: &str) -> Doc {
        let (mut doc, regular, bold) = Doc::with_fonts(title);
        doc.metadata.info.author = author.into();
        doc.metadata.info.subject = subject.into();
        let created = doc.metadata.info.creation_date.unix_timestamp();
        Doc { doc, regular, bold, pages: Vec::new(), title: title.into(), created, identifier: String::new() }
    }

    /// A blank page of this document, `width_mm` × `height_mm`; [`Doc::add`] appends it when drawn.
    pub(crate) fn page(&self, width_mm: f32, height_mm: f32) -> Page {
        Page { width_mm, height_mm, regular: self.regular.clone(), bold: self.bold.clone(), ops: Vec::new() }
    }

    /// Appends a drawn page.
    pub(crate) fn add(&mut self, page: Page) {
        self.pages.push(PdfPage::new(Mm(page.width_mm), Mm(page.height_mm), page.ops));
    }

    /// A PNG or JPEG image added to the document, to [`Page::place`] on its pages; `what` names it in
    /// the error when it cannot be printed.
    ///
    /// A baseline or progressive JPEG (grey or RGB, 8 bits) is embedded as it is (`DCTDecode`): its
    /// pixels are neither decoded nor encoded again, so printing costs no time and loses no quality
    /// (a portrait is a JPEG [`crate::photo`] made at print size). Other images are decoded, and
    /// printpdf encodes them for the page.
    pub(crate) fn image(&mut self, bytes: &[u8], what: &'static str) -> Result<Image> {
        if let Some(jpeg) = JpegHeader::read(bytes) {
            let colours = if jpeg.components == 1 { "DeviceGray" } else { "DeviceRGB" };
            let dict = [
                ("Type", DictItem::Name(b"XObject".to_vec())),
                ("Subtype", DictItem::Name(b"Image".to_vec())),
                ("Width", DictItem::Int(i64::from(jpeg.width))),
                ("Height", DictItem::Int(i64::from(jpeg.height))),
                ("BitsPerComponent", DictItem::Int(8)),
                ("ColorSpace", DictItem::Name(colours.as_bytes().to_vec())),
                ("Interpolate", DictItem::Bool(false)),
                ("Filter", DictItem::Name(b"DCTDecode".to_vec())),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
            let xobject = ExternalXObject {
                stream: ExternalStream { dict, content: bytes.to_vec(), compress: false },
                width: Some(Px(jpeg.width as usize)),
                height: Some(Px(jpeg.height as usize)),
                dpi: None,
            };
            let id = self.doc.add_xobject(&xobject);
            return Ok(Image { id, px_w: jpeg.width as f32, px_h: jpeg.height as f32 });
        }
        let img = RawImage::decode_from_bytes(bytes, &mut Vec::new())
            .map_err(|_| Error::invalid(what, "is not a PNG or JPEG image that can be printed"))?;
        let (px_w, px_h) = (img.width as f32, img.height as f32);
        Ok(Image { id: self.doc.add_image(&img), px_w, px_h })
    }

    /// The finished file as PDF/A-2b (see [`super::pdfa`]): for documents that are kept.
    pub(crate) fn finish_pdfa(mut self) -> Vec<u8> {
        // `secure: false` writes the path operators `Page::qr` adds itself (printpdf has no op for a
        // path of many rectangles); nothing else here makes an unknown operator.
        let opts = PdfSaveOptions { subset_fonts: true, secure: false, ..Default::default() };
        let pages = std::mem::take(&mut self.pages);
        self.doc.with_pages(pages);
        let lo = printpdf::to_lopdf_doc(&self.doc, &opts, &mut Vec::new());
        let meta = super::pdfa::Meta { title: &self.title, created: self.created, identifier: &self.identifier };
        super::pdfa::finish(lo, &meta)
    }

    /// The finished file.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        // `secure: false` writes the path operators `Page::qr` adds itself (printpdf has no op for a
        // path of many rectangles); nothing else here makes an unknown operator.
        let opts = PdfSaveOptions { subset_fonts: true, secure: false, ..Default::default() };
        let pages = std::mem::take(&mut self.pages);
        self.doc.with_pages(pages).save(&opts, &mut Vec::new())
    }
}

/// What a JPEG's frame header says, for embedding it as it is.
struct JpegHeader {
    width: u16,
    height: u16,
    components: u8,
}

impl JpegHeader {
    /// The frame header of a JPEG a PDF reader decodes with `DCTDecode` and no colour conversion of
    /// ours: baseline, extended or progressive Huffman (SOF0–SOF2), 8 bits, grey or three-component
    /// (YCbCr) colour. `None` for anything else (CMYK, 12-bit, lossless, arithmetic, not a JPEG, cut
    /// short), which then takes the decoding path.
    fn read(b: &[u8]) -> Option<JpegHeader> {
        if b.get(..2)? != [0xFF, 0xD8] {
            return None;
        }
        let mut at = 2;
        loop {
            // Markers may be padded with 0xFF fill bytes.
            while *b.get(at)? == 0xFF && *b.get(at + 1)? == 0xFF {
                at += 1;
            }
            if *b.get(at)? != 0xFF {
                return None;
            }
            let marker = *b.get(at + 1)?;
            let len = usize::from(u16::from_be_bytes([*b.get(at + 2)?, *b.get(at + 3)?]));
            match marker {
                0xC0..=0xC2 => {
                    let seg = b.get(at + 4..at + 2 + len)?;
                    let (precision, height, width, components) =
                        (seg[0], u16::from_be_bytes([seg[1], seg[2]]), u16::from_be_bytes([seg[3], seg[4]]), seg[5]);
                    let ok = precision == 8 && height > 0 && width > 0 && matches!(components, 1 | 3);
                    return ok.then_some(JpegHeader { width, height, components });
                }
                // Any other frame type, or scan data before a frame header.
                0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF | 0xDA | 0xD9 => return None,
                // An Adobe segment may declare CMYK or YCCK: leave those to the decoder.
                0xEE => {
                    let seg = b.get(at + 4..at + 2 + len)?;
                    if seg.starts_with(b"Adobe") && seg.get(11).is_some_and(|t| *t == 2) {
                        return None;
                    }
                }
                _ => {}
            }
            if len < 2 {
                return None;
            }
            at += 2 + len;
        }
    }
}

/// An image added to a document, with its size in pixels.
pub(crate) struct Image {
    id: XObjectId,
    px_w: f32,
    px_h: f32,
}

/// One page being drawn. Positions are millimetres from the page's top-left corner.
pub(crate) struct Page {
    width_mm: f32,
    height_mm: f32,
    regular: FontId,
    bold: FontId,
    ops: Vec<Op>,
}

impl Page {
    /// A point `x` mm from the left, `y` mm from the top, in printpdf's terms.
    fn at(&self, x: f32, y: f32) -> Point {
        Point { x: pt(x), y: pt(self.height_mm - y) }
    }

    /// `s` on one line (line breaks become spaces) with its baseline at `baseline`, placed about `x`
    /// by `align`. It is drawn at `size` as it is: fit it first ([`fonts::fit`]) where space is short.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn text(&mut self, face: Face, size: f32, ink: Ink, x: f32, baseline: f32, align: Align, s: &str) {
        let s = fonts::one_line(s);
        let x = match align {
            Align::Left => x,
            Align::Centre => x - fonts::width_mm(face, &s, size) / 2.0,
            Align::Right => x - fonts::width_mm(face, &s, size),
        };
        let font = PdfFontHandle::External(match face {
            Face::Regular => self.regular.clone(),
            Face::Bold => self.bold.clone(),
        });
        let pos = self.at(x, baseline);
        self.ops.push(Op::SetFillColor { col: rgb(ink) });
        self.ops.push(Op::StartTextSection);
        self.ops.push(Op::SetFont { font, size: Pt(size) });
        self.ops.push(Op::SetTextCursor { pos });
        self.ops.push(Op::ShowText { items: vec![TextItem::Text(s)] });
        self.ops.push(Op::EndTextSection);
    }

    fn rect(&mut self, x: f32, top: f32, w: f32, h: f32, mode: PaintMode) {
        let rectangle = Rect {
            x: pt(x),
            y: pt(self.height_mm - top - h),
            width: pt(w),
            height: pt(h),
            mode: Some(mode),
            winding_order: None,
        };
        self.ops.push(Op::DrawRectangle { rectangle });
    }

    /// A rectangle filled with `ink`, its top-left corner at (`x`, `top`).
    pub(crate) fn fill_rect(&mut self, ink: Ink, x: f32, top: f32, w: f32, h: f32) {
        self.ops.push(Op::SetFillColor { col: rgb(ink) });
        self.rect(x, top, w, h, PaintMode::Fill);
    }

    /// A rectangle outlined in `ink`, `line_pt` thick, its top-left corner at (`x`, `top`).
    pub(crate) fn stroke_rect(&mut self, ink: Ink, line_pt: f32, x: f32, top: f32, w: f32, h: f32) {
        self.ops.push(Op::SetOutlineColor { col: rgb(ink) });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(line_pt) });
        self.rect(x, top, w, h, PaintMode::Stroke);
    }

    /// A straight line from `from` to `to` (each `(x, y)`), `line_pt` thick.
    pub(crate) fn line(&mut self, ink: Ink, line_pt: f32, from: (f32, f32), to: (f32, f32)) {
        self.ops.push(Op::SetOutlineColor { col: rgb(ink) });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(line_pt) });
        let points = [from, to].map(|(x, y)| LinePoint { p: self.at(x, y), bezier: false }).to_vec();
        self.ops.push(Op::DrawLine { line: Line { points, is_closed: false } });
    }

    /// Places `image` inside the box `[x, y, w, h]` (top-left corner and size), in proportion and centred.
    pub(crate) fn place(&mut self, image: &Image, [x, y, w, h]: [f32; 4]) {
        let scale_mm = (w / image.px_w).min(h / image.px_h);
        let (dw, dh) = (image.px_w * scale_mm, image.px_h * scale_mm);
        let left = x + (w - dw) / 2.0;
        let bottom = self.height_mm - (y + (h - dh) / 2.0) - dh;
        // At `dpi`, one pixel is 25.4 / dpi mm.
        let dpi = 25.4 / scale_mm;
        self.ops.push(Op::UseXobject {
            id: image.id.clone(),
            transform: XObjectTransform {
                translate_x: Some(pt(left)),
                translate_y: Some(pt(bottom)),
                dpi: Some(dpi),
                ..Default::default()
            },
        });
    }

    /// A QR code of `text` in the square at (`x`, `y`) of side `size`, with a quiet zone of four
    /// modules inside the square: its dark modules as ONE filled path of rectangles (one per
    /// horizontal run), written in whole modules under a scaling matrix, so each is a few digits
    /// (`7 12 3 1 re`) rather than four long decimals and a fill of its own.
    pub(crate) fn qr(&mut self, text: &str, x: f32, y: f32, size: f32) -> Result<()> {
        // fast_qr rather than the qrcode crate: choosing the mask (the eight candidates scored by the
        // standard's four penalty rules, as both do) was half of a certificate's time with qrcode.
        let code = fast_qr::QRBuilder::new(text.as_bytes())
            .ecl(fast_qr::ECL::M)
            .build()
            .map_err(|_| Error::invalid("QR code", "the statement is too long for a QR code"))?;
        let n = code.size;
        let dark = |row: usize, col: usize| code.data[row * n + col].value();
        let side = n + 8;
        let module = pt(size / side as f32).0;
        // The matrix puts the square's bottom-left corner at the origin, one unit a module, y upwards.
        let origin = self.at(x, y + size);
        self.ops.push(Op::SaveGraphicsState);
        self.ops.push(Op::SetTransformationMatrix {
            matrix: printpdf::CurTransMat::Raw([module, 0.0, 0.0, module, origin.x.0, origin.y.0]),
        });
        self.ops.push(Op::SetFillColor { col: rgb((0.0, 0.0, 0.0)) });
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if !dark(row, col) {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < n && dark(row, col) {
                    col += 1;
                }
                let left = (start + 4) as i64;
                let bottom = (side - 4 - row - 1) as i64;
                let value = [left, bottom, (col - start) as i64, 1].map(DictItem::Int).to_vec();
                self.ops.push(Op::Unknown { key: "re".into(), value });
            }
        }
        self.ops.push(Op::Unknown { key: "f".into(), value: Vec::new() });
        self.ops.push(Op::RestoreGraphicsState);
        Ok(())
    }
}
