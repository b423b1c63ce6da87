//! The embedded fonts (DejaVu Sans, which covers Welsh ŵ ŷ, Polish ł and Irish fadas), parsed once for
//! the whole process, and text measured and fitted with them. A leaf: every drawing module reads its
//! fonts here, and it imports none of them.

use std::sync::OnceLock;

use printpdf::{Mm, ParsedFont, Pt};
use serde::{Deserialize, Serialize};

const DEJAVU: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");
const DEJAVU_BOLD: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans-Bold.ttf");

/// A face.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Face {
    #[default]
    Regular,
    Bold,
}

/// The embedded font files a template may name.
pub(crate) fn file(name: &str) -> Option<&'static [u8]> {
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

/// Each face parsed once: for printpdf (to embed and subset) and for measuring.
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

/// A face as printpdf embeds it.
pub(crate) fn parsed(face: Face) -> &'static ParsedFont {
    match face {
        Face::Regular => &faces().regular,
        Face::Bold => &faces().bold,
    }
}

/// A face's metrics.
pub(crate) fn metrics(face: Face) -> &'static Metrics {
    match face {
        Face::Regular => &faces().regular_metrics,
        Face::Bold => &faces().bold_metrics,
    }
}

/// The width of `s` at `size_pt`, in millimetres.
pub(crate) fn width_mm(face: Face, s: &str, size_pt: f32) -> f32 {
    Mm::from(Pt(metrics(face).width_pt(s, size_pt))).0
}

/// `s` as one line: line breaks and tabs become spaces (a PDF text line draws neither).
pub(crate) fn one_line(s: &str) -> String {
    s.replace(['\n', '\r', '\t'], " ")
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

/// `s` on one line, at the size that fits `max_mm` (shrunk down to `min`, never below), and cut with
/// "…" when even `min` is too wide: for table cells and cards, where a box's width is fixed. (A
/// certificate never cuts: its texts only shrink, see [`fitted_size`].)
pub(crate) fn fit(face: Face, s: &str, size: f32, min: f32, max_mm: f32) -> (String, f32) {
    let mut s = one_line(s);
    let size = fitted_size(face, &s, size, min, Some(max_mm));
    let max_pt = Pt::from(Mm(max_mm)).0;
    if metrics(face).width_pt(&s, size) > max_pt {
        while !s.is_empty() && metrics(face).width_pt(&format!("{s}…"), size) > max_pt {
            s.pop();
        }
        s = format!("{}…", s.trim_end());
    }
    (s, size)
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
        let w = width_mm(Face::Bold, name, size);
        assert!(w <= 170.5, "{w}");
        assert_eq!(fitted_size(Face::Bold, "Ann Lee", 26.0, 12.0, Some(170.0)), 26.0);
    }

    #[test]
    fn fit_shrinks_then_cuts_with_an_ellipsis_and_keeps_one_line() {
        // Fits as it is: unchanged, but on one line.
        assert_eq!(fit(Face::Regular, "Ann\nLee", 8.0, 6.0, 100.0), ("Ann Lee".to_owned(), 8.0));
        // A little too wide: shrunk, not cut.
        let s = "Counterbalance lift truck";
        let at8 = width_mm(Face::Regular, s, 8.0);
        let (text, size) = fit(Face::Regular, s, 8.0, 6.0, at8 * 0.9);
        assert_eq!(text, s);
        assert!((6.0..8.0).contains(&size) && width_mm(Face::Regular, &text, size) <= at8 * 0.9 + 1e-3, "{size}");
        // Far too wide: at the smallest size, cut, and the cut text with its "…" fits.
        let (text, size) = fit(Face::Bold, s, 8.0, 6.0, 10.0);
        assert_eq!(size, 6.0);
        assert!(text.ends_with('…') && text.len() < s.len() && !text.contains(" …"), "{text}");
        assert!(width_mm(Face::Bold, &text, size) <= 10.0 + 1e-3, "{text}");
    }
}
