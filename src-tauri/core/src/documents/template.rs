//! Layout as data: a certificate template says where everything goes, in which font, size and colour,
//! with what wording. The defaults ship in `assets/templates/`; a centre copies one, edits it and
//! issues with it, without recompiling. Positions are millimetres from the page's top-left corner;
//! a text's `y_mm` is its baseline.

use serde::{Deserialize, Serialize};

pub use super::canvas::Align;
use super::canvas::{Doc, Image};
pub use super::fonts::Face;
use super::fonts::{self, fitted_size};
use crate::{Error, Result};

/// The A4 landscape default.
pub const A4_LANDSCAPE: &str = include_str!("../../../../assets/templates/certificate-a4-landscape.json");
/// The A4 portrait default.
pub const A4_PORTRAIT: &str = include_str!("../../../../assets/templates/certificate-a4-portrait.json");

/// A page layout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// What the template is called.
    pub name: String,
    /// The page size.
    pub page: PageSize,
    /// The embedded font files for the `regular` and `bold` faces (from `assets/fonts/`).
    #[serde(default)]
    pub fonts: Fonts,
    /// Named colours (`#RRGGBB`); `text` is the default for texts.
    #[serde(default)]
    pub colours: std::collections::BTreeMap<String, String>,
    /// Outlined rectangles (borders).
    #[serde(default)]
    pub rects: Vec<RectSpec>,
    /// Straight lines (signature lines, rules).
    #[serde(default)]
    pub lines: Vec<LineSpec>,
    /// The centre's logo (a PNG or JPEG file), fitted into its box.
    #[serde(default)]
    pub logo: Option<ImageSpec>,
    /// The signature image, fitted into its box.
    #[serde(default)]
    pub signature: Option<ImageSpec>,
    /// Where the candidate's photo goes, when the course uses photos.
    #[serde(default)]
    pub photo: Option<BoxSpec>,
    /// Where the QR code goes.
    pub qr: QrSpec,
    /// The wording: `{placeholders}` are filled from the certificate; a text any of whose placeholders
    /// is empty is left out.
    pub texts: Vec<TextSpec>,
}

/// Page size in millimetres.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageSize {
    pub width_mm: f32,
    pub height_mm: f32,
}

/// The font files by face.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fonts {
    pub regular: String,
    pub bold: String,
}

impl Default for Fonts {
    fn default() -> Self {
        Fonts { regular: "DejaVuSans.ttf".into(), bold: "DejaVuSans-Bold.ttf".into() }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RectSpec {
    pub x_mm: f32,
    pub y_mm: f32,
    pub w_mm: f32,
    pub h_mm: f32,
    #[serde(default = "default_line")]
    pub line_pt: f32,
    #[serde(default)]
    pub colour: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineSpec {
    pub x1_mm: f32,
    pub y1_mm: f32,
    pub x2_mm: f32,
    pub y2_mm: f32,
    #[serde(default = "default_line")]
    pub line_pt: f32,
    #[serde(default)]
    pub colour: Option<String>,
}

fn default_line() -> f32 {
    0.5
}

/// A box on the page.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoxSpec {
    pub x_mm: f32,
    pub y_mm: f32,
    pub w_mm: f32,
    pub h_mm: f32,
}

/// An image file fitted into a box (kept in proportion, centred).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageSpec {
    /// A PNG or JPEG file; relative paths are read from the template's folder. `null` for none.
    pub file: Option<String>,
    pub x_mm: f32,
    pub y_mm: f32,
    pub w_mm: f32,
    pub h_mm: f32,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrSpec {
    pub x_mm: f32,
    pub y_mm: f32,
    pub size_mm: f32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextSpec {
    pub text: String,
    pub x_mm: f32,
    pub y_mm: f32,
    pub size_pt: f32,
    #[serde(default)]
    pub font: Face,
    #[serde(default)]
    pub colour: Option<String>,
    #[serde(default)]
    pub align: Align,
    /// Longer texts shrink to fit this width, down to `min_size_pt`.
    #[serde(default)]
    pub max_width_mm: Option<f32>,
    /// The smallest size a long text may shrink to (default: half its size).
    #[serde(default)]
    pub min_size_pt: Option<f32>,
}

/// The placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "centre_name",
    "centre_approval",
    "candidate_name",
    "employee_number",
    "employer",
    "course_title",
    "course_code",
    "awarding_body",
    "category",
    "training_dates",
    "assessment_date",
    "result",
    "issue_date",
    "reissued_date",
    "expiry_date",
    "trainer_name",
    "trainer_registration",
    "certificate_number",
    "key_id",
    "centre_address",
    "verify_url",
    "verify_note",
];

impl Template {
    /// Reads and checks a template (JSON).
    pub fn parse(json: &str) -> Result<Template> {
        let t: Template = serde_json::from_str(json)
            .map_err(|e| Error::invalid("template", format!("is not a valid template: {e}")))?;
        t.check()?;
        Ok(t)
    }

    /// The default for an orientation.
    pub fn default_for(landscape: bool) -> Template {
        Template::parse(if landscape { A4_LANDSCAPE } else { A4_PORTRAIT }).expect("the shipped templates parse")
    }

    fn check(&self) -> Result<()> {
        let (w, h) = (self.page.width_mm, self.page.height_mm);
        if !(20.0..=1000.0).contains(&w) || !(20.0..=1000.0).contains(&h) {
            return Err(Error::invalid("template", "the page should be between 20 and 1000 mm each way"));
        }
        for f in [&self.fonts.regular, &self.fonts.bold] {
            if fonts::file(f).is_none() {
                return Err(Error::invalid(
                    "template",
                    format!("font {f:?} is not one of the embedded fonts (DejaVuSans.ttf, DejaVuSans-Bold.ttf)"),
                ));
            }
        }
        for (name, c) in &self.colours {
            if parse_colour(c).is_none() {
                return Err(Error::invalid("template", format!("colour {name:?} should look like #1F4E79")));
            }
        }
        for t in &self.texts {
            if !(2.0..=200.0).contains(&t.size_pt) {
                return Err(Error::invalid("template", "text sizes should be between 2 and 200 pt"));
            }
            for p in placeholders(&t.text) {
                if !PLACEHOLDERS.contains(&p) {
                    return Err(Error::invalid("template", format!("unknown placeholder {{{p}}}")));
                }
            }
            if let Some(c) = &t.colour {
                self.colour(Some(c)).ok_or_else(|| Error::invalid("template", format!("unknown colour {c:?}")))?;
            }
        }
        Ok(())
    }

    /// A colour by name (from `colours`) or `#RRGGBB`; `None` means the `text` colour (or black).
    pub fn colour(&self, name: Option<&String>) -> Option<(f32, f32, f32)> {
        match name {
            None => Some(self.colours.get("text").and_then(|c| parse_colour(c)).unwrap_or((0.0, 0.0, 0.0))),
            Some(n) => self.colours.get(n).map_or_else(|| parse_colour(n), |c| parse_colour(c)),
        }
    }
}

/// Images for one page: the photo (when printed), and the template's logo and signature.
pub(crate) struct PageImages<'a> {
    pub photo: Option<&'a [u8]>,
    pub logo: Option<&'a [u8]>,
    pub signature: Option<&'a [u8]>,
}

impl Template {
    /// Draws one page of `doc` from this template, its placeholders filled by `value`, with
    /// `qr_text` as the QR code. Texts shrink to their `max_width_mm` but are never cut: a
    /// certificate shows the whole name.
    pub(crate) fn draw(
        &self,
        doc: &mut Doc,
        value: &dyn Fn(&str) -> Option<String>,
        images: &PageImages<'_>,
        qr_text: &str,
    ) -> Result<()> {
        let mut page = doc.page(self.page.width_mm, self.page.height_mm);
        for r in &self.rects {
            let ink = self.colour(r.colour.as_ref()).unwrap_or_default();
            page.stroke_rect(ink, r.line_pt, r.x_mm, r.y_mm, r.w_mm, r.h_mm);
        }
        for l in &self.lines {
            let ink = self.colour(l.colour.as_ref()).unwrap_or_default();
            page.line(ink, l.line_pt, (l.x1_mm, l.y1_mm), (l.x2_mm, l.y2_mm));
        }
        let boxed = [
            (self.logo.as_ref().map(ImageSpec::frame), images.logo, "logo"),
            (self.signature.as_ref().map(ImageSpec::frame), images.signature, "signature image"),
            (self.photo.map(|b| [b.x_mm, b.y_mm, b.w_mm, b.h_mm]), images.photo, "photo"),
        ];
        for (frame, bytes, what) in boxed {
            if let (Some(frame), Some(bytes)) = (frame, bytes) {
                let image: Image = doc.image(bytes, what)?;
                page.place(&image, frame);
            }
        }
        page.qr(qr_text, self.qr.x_mm, self.qr.y_mm, self.qr.size_mm)?;
        for t in &self.texts {
            let Some(text) = fill(&t.text, value) else { continue };
            let text = fonts::one_line(&text);
            let size = fitted_size(t.font, &text, t.size_pt, t.min_size_pt.unwrap_or(t.size_pt / 2.0), t.max_width_mm);
            let ink = self.colour(t.colour.as_ref()).unwrap_or_default();
            page.text(t.font, size, ink, t.x_mm, t.y_mm, t.align, &text);
        }
        doc.add(page);
        Ok(())
    }
}

impl ImageSpec {
    fn frame(&self) -> [f32; 4] {
        [self.x_mm, self.y_mm, self.w_mm, self.h_mm]
    }
}

/// `#RRGGBB` to 0..1 components.
pub fn parse_colour(s: &str) -> Option<(f32, f32, f32)> {
    let h = s.strip_prefix('#')?;
    if h.len() != 6 || !h.is_ascii() {
        return None;
    }
    let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok().map(|v| f32::from(v) / 255.0);
    Some((c(0)?, c(2)?, c(4)?))
}

/// The `{names}` in a text.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

/// Fills a text's placeholders with `value`; `None` when any of them is empty (the text is left out).
pub fn fill(text: &str, value: impl Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let v = value(&after[..close]).filter(|v| !v.trim().is_empty())?;
        out.push_str(&v);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}
