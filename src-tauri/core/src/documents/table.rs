//! A plain table as a PDF (a bundle's printable summary): as many A4 landscape pages as it needs, its
//! header row repeated on each, with a title line and page numbers. Cells shrink to fit their column,
//! then are cut with "…".

use super::canvas::{Align, Doc, Ink, A4_LANDSCAPE};
use super::fonts::{self, Face};

const W: f32 = A4_LANDSCAPE.0;
const H: f32 = A4_LANDSCAPE.1;
const MARGIN: f32 = 12.0;
const ROW: f32 = 5.6;
const SIZE: f32 = 8.0;
const INK: Ink = (0.12, 0.14, 0.16);

/// The table's PDF: `rows` of cells under `header`, each column `widths_mm` wide.
pub(crate) fn table(title: &str, subtitle: &str, header: &[&str], widths_mm: &[f32], rows: &[Vec<String>]) -> Vec<u8> {
    let mut doc = Doc::new(title, chrono::Utc::now().timestamp(), "");
    let first_row_y = MARGIN + 22.0;
    let per_page = (((H - MARGIN - 8.0) - first_row_y) / ROW).floor().max(1.0) as usize;
    let pages = rows.len().div_ceil(per_page).max(1);
    for n in 0..pages {
        let mut page = doc.page(W, H);
        page.text(Face::Bold, 13.0, INK, MARGIN, MARGIN + 5.0, Align::Left, title);
        page.text(Face::Regular, 8.0, INK, MARGIN, MARGIN + 11.0, Align::Left, subtitle);
        let footer = format!("Page {} of {pages}", n + 1);
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
        for (i, row) in rows.iter().skip(n * per_page).take(per_page).enumerate() {
            let y = first_row_y + ROW * (i as f32 + 1.0);
            let mut x = MARGIN + 1.0;
            for (cell, w) in row.iter().zip(widths_mm) {
                if !cell.is_empty() {
                    let (s, size) = fonts::fit(Face::Regular, cell, SIZE, 6.0, w - 1.5);
                    page.text(Face::Regular, size, INK, x, y, Align::Left, &s);
                }
                x += w;
            }
            page.line((0.85, 0.85, 0.85), 0.3, (MARGIN, y + 1.8), (W - MARGIN, y + 1.8));
        }
        doc.add(page);
    }
    doc.finish()
}
