//! The files inside a bundle: the data file, the photos resized to the profile's rules, and the
//! printable PDF summary.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;

use super::gather::{Body, Row};
use super::profile::{DateFormat, FileFormat, PhotoRules, Profile};
use crate::csv_out::CsvOut;
use crate::records::outcome::Outcome;
use crate::{Error, Result};

/// The data file's bytes.
pub(crate) fn data_file(profile: &Profile, rows: &[Row]) -> Result<Vec<u8>> {
    let headers: Vec<&str> = profile.columns.iter().map(|c| c.header.trim()).collect();
    match profile.data_file.format {
        FileFormat::Csv => {
            let mut csv = CsvOut::new(&headers);
            for r in rows {
                csv.row(&r.cells);
            }
            Ok(csv.finish())
        }
        FileFormat::Json => {
            let items: Vec<serde_json::Map<String, serde_json::Value>> = rows
                .iter()
                .map(|r| headers.iter().zip(&r.cells).map(|(h, v)| ((*h).to_owned(), v.clone().into())).collect())
                .collect();
            serde_json::to_vec_pretty(&items).map_err(|_| Error::Internal("the JSON data file could not be encoded"))
        }
        FileFormat::Xlsx => xlsx(profile, &headers, rows),
    }
}

fn xlsx(profile: &Profile, headers: &[&str], rows: &[Row]) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let failed = |e| Error::encode("XLSX data file")(e);
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(profile.data_file.sheet.as_deref().unwrap_or("Results")).map_err(failed)?;
    let bold = Format::new().set_bold();
    for (col, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *h, &bold).map_err(failed)?;
    }
    // Every cell is written as a string, never a formula, so no value can run in a spreadsheet.
    for (i, r) in rows.iter().enumerate() {
        for (col, v) in r.cells.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(i as u32 + 1, col as u16, v).map_err(failed)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(failed)?;
    book.save_to_buffer().map_err(failed)
}

/// A stored portrait fitted to the profile's rules: within the pixel box (aspect kept) and the byte
/// limit, re-encoded only when needed. Stored portraits are already metadata-free JPEGs.
pub(crate) fn fit_photo(stored: &[u8], rules: &PhotoRules) -> Result<Vec<u8>> {
    let bad = || Error::invalid("photo", "a stored photo could not be read; replace it");
    let img = image::load_from_memory_with_format(stored, image::ImageFormat::Jpeg).map_err(|_| bad())?;
    let (w, h) = (img.width(), img.height());
    if w <= rules.max_width && h <= rules.max_height && stored.len() <= rules.max_bytes as usize {
        return Ok(stored.to_vec());
    }
    let img = if w > rules.max_width || h > rules.max_height {
        img.resize(rules.max_width, rules.max_height, FilterType::Triangle)
    } else {
        img
    };
    let rgb = img.to_rgb8();
    let mut last = Vec::new();
    for quality in [90u8, 82, 74, 66, 58, 50, 42, 34, 26] {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(Cursor::new(&mut out), quality).encode_image(&rgb).map_err(|_| bad())?;
        if out.len() <= rules.max_bytes as usize {
            return Ok(out);
        }
        last = out;
    }
    // Still too big at the lowest quality: halve the size until it fits.
    let mut img = image::DynamicImage::ImageRgb8(rgb);
    while last.len() > rules.max_bytes as usize && img.width() > 32 {
        img = img.resize(img.width() / 2, img.height() / 2, FilterType::Triangle);
        last.clear();
        JpegEncoder::new_with_quality(Cursor::new(&mut last), 60).encode_image(&img.to_rgb8()).map_err(|_| bad())?;
    }
    Ok(last)
}

/// The printable summary: one row per result, for the admin keying into the body's portal. Dates
/// are dd/mm/yyyy and long cells (a course's title) wrap onto more lines, never cut.
pub(crate) fn summary(
    profile: &Profile,
    body: &Body,
    centre: &str,
    bundle: &str,
    correction: bool,
    rows: &[Row],
) -> Vec<u8> {
    let kind = if correction { "Correction bundle" } else { "Submission" };
    let title = format!("{kind} to {} — {} result(s)", body.name, rows.len());
    let subtitle = format!(
        "{centre}{} · bundle {bundle} · profile {} · made {}",
        body.centre_number.as_deref().map(|n| format!(" (centre {n})")).unwrap_or_default(),
        profile.name,
        chrono::Utc::now().format("%d/%m/%Y %H:%M UTC"),
    );
    let header = ["#", "Name", "Course", "Course dates", "Test date", "Trainer", "Result", "Photo"];
    let widths = [12.0, 48.0, 62.0, 42.0, 22.0, 46.0, 22.0, 19.0];
    // The summary is read by people in the UK: dd/mm/yyyy whatever the data file's format.
    let fmt = |d: &str| {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map(|d| DateFormat::DmySlash.format(d)).unwrap_or_default()
    };
    let lines: Vec<Vec<String>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let c = &r.candidate;
            vec![
                (i + 1).to_string(),
                format!("{} {}", c.forename, c.surname),
                format!("{} {}", c.course_code, c.course_title),
                format!("{} – {}", fmt(&c.starts_on), fmt(&c.ends_on)),
                c.test_on().map(fmt).unwrap_or_default(),
                r.trainer.clone(),
                // The summary is for people: the window's word for the outcome (the data files keep
                // the stored name the body's format expects).
                {
                    let word = Outcome::parse(&c.outcome).map(|o| o.label().to_owned()).unwrap_or(c.outcome.clone());
                    match &c.grade {
                        Some(g) if !g.is_empty() => format!("{word} ({g})"),
                        _ => word,
                    }
                },
                if r.photo.is_some() { "yes".into() } else { String::new() },
            ]
        })
        .collect();
    crate::documents::table::table(&title, &subtitle, &header, &widths, &lines)
}
