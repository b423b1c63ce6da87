//! A plain table as a PDF (a bundle's printable summary, a person's copy of their data): as many A4
//! landscape pages as it needs, its header row repeated on each, with a title line and page numbers.
//! A cell too long for its column wraps onto more lines (its row grows), so nothing is ever cut: an
//! admin keys these values into a body's portal, and a cut course title is a wrong one.

use super::canvas::{Align, Doc, Ink, A4_LANDSCAPE};
use super::fonts::{self, Face};

const W: f32 = A4_LANDSCAPE.0;
const H: f32 = A4_LANDSCAPE.1;
const MARGIN: f32 = 12.0;
const ROW: f32 = 5.6;
/// The step between the wrapped lines of one cell.
const LINE: f32 = 3.4;
const SIZE: f32 = 8.0;
const INK: Ink = (0.12, 0.14, 0.16);

/// `text` broken into lines no wider than `max_mm` at `size`: at spaces, and inside a word only when
/// the word alone is wider than the column.
pub(crate) fn wrap(face: Face, text: &str, size: f32, max_mm: f32) -> Vec<String> {
    let fits = |s: &str| fonts::width_mm(face, s, size) <= max_mm;
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in fonts::one_line(text).split_whitespace() {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if fits(&candidate) {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word wider than the column on its own: broken after its hyphens ("Featherstonehaugh-
        // Wolstenholme"), and between characters only where a part is still too wide.
        for part in word.split_inclusive('-') {
            let joined = format!("{line}{part}");
            if fits(&joined) {
                line = joined;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for ch in part.chars() {
                line.push(ch);
                if !fits(&line) && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::take(&mut line));
                    line.push(ch);
                }
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The table's PDF: `rows` of cells under `header`, each column `widths_mm` wide.
pub(crate) fn table(title: &str, subtitle: &str, header: &[&str], widths_mm: &[f32], rows: &[Vec<String>]) -> Vec<u8> {
    let mut doc = Doc::new(title, chrono::Utc::now().timestamp(), "");
    let first_row_y = MARGIN + 22.0;
    let bottom = H - MARGIN - 8.0;
    // Every row's cells as lines, then the rows dealt onto pages by their height.
    let laid: Vec<Vec<Vec<String>>> = rows
        .iter()
        .map(|row| row.iter().zip(widths_mm).map(|(cell, w)| wrap(Face::Regular, cell, SIZE, w - 1.5)).collect())
        .collect();
    let height =
        |cells: &Vec<Vec<String>>| ROW + LINE * (cells.iter().map(Vec::len).max().unwrap_or(1).max(1) - 1) as f32;
    let mut pages: Vec<Vec<usize>> = vec![Vec::new()];
    let mut y = first_row_y;
    for (i, cells) in laid.iter().enumerate() {
        let h = height(cells);
        let page = pages.last_mut().expect("one page at least");
        if !page.is_empty() && y + h > bottom {
            pages.push(Vec::new());
            y = first_row_y;
        }
        pages.last_mut().expect("one page at least").push(i);
        y += h;
    }
    let count = pages.len();
    for (n, on_page) in pages.iter().enumerate() {
        let mut page = doc.page(W, H);
        page.text(Face::Bold, 13.0, INK, MARGIN, MARGIN + 5.0, Align::Left, title);
        page.text(Face::Regular, 8.0, INK, MARGIN, MARGIN + 11.0, Align::Left, subtitle);
        let footer = format!("Page {} of {count}", n + 1);
        page.text(Face::Regular, 7.0, INK, W - MARGIN - 20.0, H - MARGIN + 4.0, Align::Left, &footer);
        // The header row's band, behind its headings (it used to sit empty above them: its corner was
        // given as printpdf's bottom-left where the top was meant).
        page.fill_rect((0.88, 0.91, 0.95), MARGIN, first_row_y - 4.0, W - 2.0 * MARGIN, ROW);
        let mut x = MARGIN + 1.0;
        for (h, w) in header.iter().zip(widths_mm) {
            let (s, size) = fonts::fit(Face::Bold, h, SIZE, 6.0, w - 1.5);
            page.text(Face::Bold, size, INK, x, first_row_y, Align::Left, &s);
            x += w;
        }
        let mut y = first_row_y;
        for &i in on_page {
            let cells = &laid[i];
            let top = y + ROW;
            let mut x = MARGIN + 1.0;
            for (lines, w) in cells.iter().zip(widths_mm) {
                for (k, line) in lines.iter().enumerate() {
                    page.text(Face::Regular, SIZE, INK, x, top + LINE * k as f32, Align::Left, line);
                }
                x += w;
            }
            y += height(cells);
            page.line((0.85, 0.85, 0.85), 0.3, (MARGIN, y + 1.8), (W - MARGIN, y + 1.8));
        }
        doc.add(page);
    }
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_cell_wraps_whole_and_never_loses_a_word() {
        let title = "Counterbalance lift truck (B1 up to 5000 kg) novice course with refresher and test";
        let lines = wrap(Face::Regular, title, SIZE, 60.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| fonts::width_mm(Face::Regular, l, SIZE) <= 60.0), "{lines:?}");
        assert_eq!(lines.join(" "), title, "every word kept, in order, none cut");
        // A word longer than the column is broken, not dropped.
        let long = "x".repeat(80);
        let lines = wrap(Face::Regular, &long, SIZE, 20.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), long);
        assert!(wrap(Face::Regular, "", SIZE, 20.0).is_empty());
        // A double-barrelled name too wide for the column breaks after its hyphen.
        let name = wrap(Face::Regular, "Bartholomew Featherstonehaugh-Wolstenholme", SIZE, 36.0);
        assert_eq!(name, ["Bartholomew", "Featherstonehaugh-", "Wolstenholme"]);
    }
}
