//! Reading an import file into a header and rows of text, each row with the line a person would find
//! it on: the physical line in a CSV file (a quoted field may span lines), the row number in a sheet.
//!
//! CSV: any delimiter Excel writes (`,` `;` tab `|`, sniffed from the header line), UTF-8 with or
//! without a byte-order mark, UTF-16 with one, or Windows-1252 (what "CSV" without "UTF-8" gives in
//! Excel on Windows). Anything else is refused as a whole. XLSX: the first worksheet (or a named one).
//!
//! The file is untrusted (anyone can hand the office a spreadsheet), so nothing is parsed before its
//! size, and for XLSX its ZIP parts, pass the limits below; a sheet is read as a stream of cells and
//! refused as soon as its used range grows past the shape limits, never laid out densely first (a
//! 1 KB sheet with cells at A1 and XFD1048576 is 17 billion cells as a dense range).

use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Reader, Xlsx};

use crate::{Error, Result};

/// What an import file and, for XLSX, the parts of its ZIP may be. The checks are those `sealed`
/// makes on a container (its `Limits`: part count, declared sizes, their total, the compression
/// ratio above 64 KiB with its limit of 200), restated here because `import` never imports
/// `sealed` (see ARCHITECTURE's layering). A list of a few thousand candidates is well under a
/// megabyte as XLSX and a few MB unpacked, so these leave wide room while bounding what a hostile
/// file can make the process hold; real sheets deflate 5 to 50 times.
const MAX_FILE_BYTES: u64 = 32 << 20;
const MAX_PARTS: usize = 1_000;
const MAX_PART_BYTES: u64 = 32 << 20;
const MAX_UNPACKED_BYTES: u64 = 64 << 20;
const MAX_RATIO: u64 = 200;
const RATIO_FLOOR: u64 = 64 << 10;

/// Rows of a sheet's used range or of a CSV file (header included). Ten times the candidate list of
/// the largest centre; a longer file is a mistake (a whole sheet selected) or an attack.
pub(crate) const MAX_ROWS: u32 = 200_000;

/// Columns of the used range or of a CSV line. A candidate list has a few dozen; Excel allows
/// 16,384, and a used range that wide is what made the reader allocate without bound.
pub(crate) const MAX_COLUMNS: u32 = 200;

/// Cells of the used range (rows x columns), which the table holds densely: with both limits above
/// nearly reached this keeps it under about 100 MB of empty cells.
pub(crate) const MAX_CELLS: u64 = 4_000_000;

/// One data row.
#[derive(Debug)]
pub(crate) struct Row {
    /// Line (CSV) or sheet row (XLSX), from 1.
    pub line: u64,
    /// Cells, as text.
    pub cells: Vec<String>,
}

/// A decoded file.
#[derive(Debug)]
pub(crate) struct Table {
    /// "csv" or "xlsx".
    pub format: &'static str,
    /// The text encoding found (CSV), or "xlsx".
    pub encoding: &'static str,
    /// The CSV delimiter, if CSV.
    pub delimiter: Option<char>,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
}

fn refuse(reason: impl Into<String>) -> Error {
    Error::invalid("import file", reason)
}

/// Refuses a file larger than [`MAX_FILE_BYTES`], before it is read into memory.
pub(crate) fn check_size(len: u64) -> Result<()> {
    if len > MAX_FILE_BYTES {
        return Err(refuse("is larger than 32 MB, the most an import file may be; split it into smaller files"));
    }
    Ok(())
}

fn too_many_rows() -> Error {
    refuse(
        "uses more than 200,000 rows, the most an import may hold; split it, or delete the unused rows below the list",
    )
}

fn too_many_columns() -> Error {
    refuse(
        "uses more than 200 columns, the most an import may hold; delete the unused columns to the right of the list",
    )
}

fn too_many_cells() -> Error {
    refuse("holds more than 4,000,000 cells (rows times columns), the most an import may hold; split it into smaller files")
}

fn unreadable() -> Error {
    refuse("looks like an XLSX workbook but cannot be read; open and save it again in the spreadsheet")
}

/// Checks an XLSX file's ZIP before anything in it is parsed: the number of parts, each part's
/// declared size and compression ratio and their total (from the central directory, as `sealed`
/// does), then each part's real size by inflating it to nowhere, since a central directory can lie
/// about sizes and calamine reads a part to its end whatever it declared.
fn check_zip(bytes: &[u8]) -> Result<()> {
    let bomb = || refuse("has a part compressed suspiciously well (a zip bomb); it was not opened");
    let too_big = || refuse("has parts larger than 32 MB (64 MB together) when unpacked, the most an import may hold");
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    if archive.len() > MAX_PARTS {
        return Err(refuse("holds more than 1,000 parts, far more than a spreadsheet has; it was not opened"));
    }
    let mut declared_total = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index_data(i).map_err(|_| unreadable())?;
        let (size, packed) = (entry.size(), entry.compressed_size());
        if size > MAX_PART_BYTES {
            return Err(too_big());
        }
        if size > RATIO_FLOOR && size / packed.max(1) > MAX_RATIO {
            return Err(bomb());
        }
        declared_total = declared_total.saturating_add(size);
        if declared_total > MAX_UNPACKED_BYTES {
            return Err(too_big());
        }
    }
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|_| unreadable())?;
        let size = entry.size();
        let inflated =
            std::io::copy(&mut (&mut entry).take(size + 1), &mut std::io::sink()).map_err(|_| unreadable())?;
        if inflated > size {
            return Err(bomb());
        }
    }
    Ok(())
}

/// Reads CSV or XLSX (told apart by content, not by name).
pub(crate) fn read(bytes: &[u8], sheet: Option<&str>) -> Result<Table> {
    check_size(bytes.len() as u64)?;
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes, sheet)
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        Err(refuse("is an old Excel .xls workbook; save it as .xlsx or CSV UTF-8 and import that"))
    } else {
        read_csv(bytes)
    }
}

/// Decodes text, naming the encoding used; refuses what is not plausibly text.
pub(crate) fn decode(bytes: &[u8]) -> Result<(String, &'static str)> {
    let binary = || {
        refuse(
            "does not look like a text file (it holds NUL bytes: binary, or UTF-16 without a byte-order mark); \
             save it from the spreadsheet as \"CSV UTF-8\"",
        )
    };
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let text = std::str::from_utf8(rest).map_err(|_| {
            refuse("starts with a UTF-8 byte-order mark but is not valid UTF-8; save it again as \"CSV UTF-8\"")
        })?;
        if text.contains('\0') {
            return Err(binary());
        }
        return Ok((text.to_owned(), "UTF-8 (with BOM)"));
    }
    for (bom, enc, name) in
        [(&b"\xFF\xFE"[..], encoding_rs::UTF_16LE, "UTF-16LE"), (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE, "UTF-16BE")]
    {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, malformed) = enc.decode_without_bom_handling(rest);
            if malformed || text.contains('\0') {
                return Err(refuse(format!("is damaged {name} text; save it again as \"CSV UTF-8\"")));
            }
            return Ok((text.into_owned(), name));
        }
    }
    if bytes.contains(&0) {
        return Err(binary());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), "UTF-8"));
    }
    // Windows-1252: every byte decodes, so judge plausibility: the five bytes it leaves undefined and
    // control characters other than tab and line ends do not occur in a spreadsheet's text.
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
    if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n')) {
        return Err(refuse(
            "is neither UTF-8 nor Windows-1252 text; save it from the spreadsheet as \"CSV UTF-8\" and import that",
        ));
    }
    Ok((text.into_owned(), "Windows-1252"))
}

/// The delimiter among `,` `;` tab `|` that occurs most often (outside quotes) in the header line.
fn sniff_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 4];
    let candidates = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = candidates.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let best = (0..4).max_by_key(|&i| (counts[i], std::cmp::Reverse(i))).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        candidates[best]
    }
}

fn read_csv(bytes: &[u8]) -> Result<Table> {
    let (text, encoding) = decode(bytes)?;
    let delimiter = sniff_delimiter(&text);
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
    // The csv crate's own line count is one short after a CRLF, so count from the record's offset:
    // skip the line end the parser stops before, then count the newlines ahead of it.
    let newlines: Vec<usize> = text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect();
    let line_of = |byte: u64| {
        let byte = usize::try_from(byte).unwrap_or(usize::MAX).min(text.len());
        let start = byte + text.as_bytes()[byte..].iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        newlines.partition_point(|&p| p < start) as u64 + 1
    };
    let mut header = None;
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut cells_held = 0u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(refuse(format!("cannot be read as CSV near line {line}; check its quotes")));
            }
        }
        // The shape limits, before the record is copied into the table.
        if record.len() > MAX_COLUMNS as usize {
            return Err(too_many_columns());
        }
        if rows.len() + 1 >= MAX_ROWS as usize {
            return Err(too_many_rows());
        }
        cells_held += record.len() as u64;
        if cells_held > MAX_CELLS {
            return Err(too_many_cells());
        }
        let line = record.position().map_or(0, |p| line_of(p.byte()));
        // A quoted value may hold line breaks; keep them as plain newlines.
        let cells: Vec<String> = record.iter().map(|c| c.replace("\r\n", "\n")).collect();
        if header.is_none() {
            header = Some(cells);
        } else {
            rows.push(Row { line, cells });
        }
    }
    let header = header.ok_or_else(|| refuse("is empty; the first line should name the columns"))?;
    Ok(Table { format: "csv", encoding, delimiter: Some(char::from(delimiter)), header, rows })
}

/// A sheet cell as the text a person sees: whole numbers without ".0", dates as dd/mm/yyyy.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(d) if d.is_datetime() => {
            d.as_datetime().map(|dt| dt.format("%d/%m/%Y").to_string()).unwrap_or_else(|| d.as_f64().to_string())
        }
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::DateTimeIso(s) => chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|_| s.clone()),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

fn read_xlsx(bytes: &[u8], sheet: Option<&str>) -> Result<Table> {
    check_zip(bytes)?;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let name = match sheet {
        Some(name) => {
            if !book.sheet_names().iter().any(|s| s == name) {
                return Err(refuse(format!("has no sheet called {name:?}")));
            }
            name.to_owned()
        }
        None => book.sheet_names().first().cloned().ok_or_else(|| refuse("has no worksheets"))?,
    };
    let empty = || refuse("has an empty first sheet; the first row should name the columns");
    let mut reader = match book.worksheet_cells_reader(&name) {
        Ok(r) => r,
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Err(empty()),
        Err(_) => return Err(unreadable()),
    };
    // The used range (first to last non-empty row and column), grown cell by cell and refused the
    // moment it passes a shape limit; the cells themselves are kept sparse until then.
    let (mut top, mut bottom, mut left, mut right) = (u32::MAX, 0u32, u32::MAX, 0u32);
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|_| unreadable())? {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (row, col) = cell.get_position();
        (top, bottom, left, right) = (top.min(row), bottom.max(row), left.min(col), right.max(col));
        let (height, width) = (u64::from(bottom - top) + 1, u64::from(right - left) + 1);
        if width > u64::from(MAX_COLUMNS) {
            return Err(too_many_columns());
        }
        if height > u64::from(MAX_ROWS) {
            return Err(too_many_rows());
        }
        // A hostile sheet may also repeat one cell many times, so count the cells kept as well.
        if height * width > MAX_CELLS || cells.len() as u64 >= MAX_CELLS {
            return Err(too_many_cells());
        }
        cells.push((row, col, cell_text(&Data::from(cell.get_value().clone()))));
    }
    if cells.is_empty() {
        return Err(empty());
    }
    let width = (right - left) as usize + 1;
    let mut grid: Vec<Vec<String>> = vec![vec![String::new(); width]; (bottom - top) as usize + 1];
    for (row, col, text) in cells {
        grid[(row - top) as usize][(col - left) as usize] = text;
    }
    let mut rows = grid.into_iter().enumerate().map(|(i, cells)| Row { line: u64::from(top) + i as u64 + 1, cells });
    let header = rows.next().map(|r| r.cells).unwrap_or_default();
    Ok(Table { format: "xlsx", encoding: "xlsx", delimiter: None, header, rows: rows.collect() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters_ignoring_quoted_ones() {
        assert_eq!(sniff_delimiter("a,b,c\n1;2;3"), b',');
        assert_eq!(sniff_delimiter("\"a,b\";c;d\r\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter("a|b"), b'|');
        assert_eq!(sniff_delimiter("single"), b',');
    }

    #[test]
    fn decodes_utf8_bom_utf16_and_cp1252_and_refuses_binary() {
        assert_eq!(decode(b"\xEF\xBB\xBFZo\xC3\xAB").unwrap(), ("Zoë".to_owned(), "UTF-8 (with BOM)"));
        assert_eq!(decode(b"Zo\xC3\xAB").unwrap(), ("Zoë".to_owned(), "UTF-8"));
        assert_eq!(decode(b"Zo\xEB Se\xE1n").unwrap(), ("Zoë Seán".to_owned(), "Windows-1252"));
        assert_eq!(decode(b"\xFF\xFEZ\0o\0\xEB\0").unwrap(), ("Zoë".to_owned(), "UTF-16LE"));
        assert!(decode(b"Z\0o\0").unwrap_err().to_string().contains("NUL"));
        assert!(decode(b"a\x81b\xEB").unwrap_err().to_string().contains("neither UTF-8 nor Windows-1252"));
        assert!(decode(b"\x01\x02\xFF").is_err());
    }

    /// A workbook of the parts calamine needs, each deflated, with `sheet` as its only sheet and
    /// `strings` as its shared strings (if any): enough to build hostile files by hand.
    fn workbook(sheet: &[u8], strings: Option<&[u8]>) -> Vec<u8> {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(9))
            .large_file(sheet.len() > u32::MAX as usize / 2);
        let mut part = |name: &str, body: &[u8]| {
            zip.start_file(name, deflated).unwrap();
            zip.write_all(body).unwrap();
        };
        let ns = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main""#;
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        part(
            "_rels/.rels",
            format!(
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            )
            .as_bytes(),
        );
        part(
            "xl/workbook.xml",
            format!(r#"<workbook {ns} xmlns:r="{rel}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#)
                .as_bytes(),
        );
        part(
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            )
            .as_bytes(),
        );
        part("xl/worksheets/sheet1.xml", sheet);
        if let Some(strings) = strings {
            part("xl/sharedStrings.xml", strings);
        }
        zip.finish().unwrap().into_inner()
    }

    fn sheet_xml(cells: &str) -> Vec<u8> {
        format!(
            r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{cells}</sheetData></worksheet>"#
        )
        .into_bytes()
    }

    /// The refusal's text (a hostile file read whole is not printed: it may be hundreds of MB).
    fn refusal(bytes: &[u8]) -> String {
        match read(bytes, None) {
            Ok(_) => panic!("a hostile file was read instead of refused"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_small_hand_built_workbook_reads() {
        let sheet = sheet_xml(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Forename</t></is></c><c r="B1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Zoë</t></is></c><c r="C2"><v>7</v></c></row>"#,
        );
        let t = read(&workbook(&sheet, Some(br#"<sst><si><t>Surname</t></si></sst>"#)), None).unwrap();
        assert_eq!(t.header, ["Forename", "Surname", ""]);
        assert_eq!((t.rows[0].line, &t.rows[0].cells[..]), (2, &["Zoë".to_owned(), String::new(), "7".to_owned()][..]));
    }

    #[test]
    fn a_sheet_with_cells_at_a1_and_xfd1048576_is_refused_by_its_used_range() {
        // 1 KB on disk; read as a dense range it is 1,048,576 x 16,384 cells.
        let sheet = sheet_xml(
            r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>"#,
        );
        let bytes = workbook(&sheet, None);
        assert!(bytes.len() < 2048);
        let err = refusal(&bytes);
        assert!(err.contains("200 columns"), "{err}");
        // Tall alone, and wide alone, are each refused.
        let tall =
            sheet_xml(r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="900000"><c r="A900000"><v>2</v></c></row>"#);
        assert!(refusal(&workbook(&tall, None)).contains("200,000 rows"));
        let wide = sheet_xml(r#"<row r="1"><c r="A1"><v>1</v></c><c r="ZZ1"><v>2</v></c></row>"#);
        assert!(refusal(&workbook(&wide, None)).contains("200 columns"));
    }

    #[test]
    fn a_shared_strings_bomb_is_refused_before_it_is_read() {
        // One shared string of 256 MiB of 'A': about 250 KB deflated.
        let mut strings = b"<sst><si><t>".to_vec();
        strings.resize(strings.len() + (256 << 20), b'A');
        strings.extend_from_slice(b"</t></si></sst>");
        let bytes = workbook(&sheet_xml(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#), Some(&strings));
        drop(strings);
        assert!(bytes.len() < 1 << 20);
        let err = refusal(&bytes);
        assert!(err.contains("larger than 32 MB"), "{err}");
    }

    #[test]
    fn a_deflate_bomb_sheet_is_refused_before_it_is_read() {
        // A sheet of 24 MiB of whitespace after its one row: under the size limit, but it deflates
        // a thousandfold, far past the ratio a real sheet reaches.
        let mut sheet = sheet_xml(r#"<row r="1"><c r="A1"><v>1</v></c></row>"#);
        let at = sheet.len() - "</sheetData></worksheet>".len();
        sheet.splice(at..at, std::iter::repeat_n(b' ', 24 << 20));
        let bytes = workbook(&sheet, None);
        drop(sheet);
        assert!(bytes.len() < 100 << 10);
        let err = refusal(&bytes);
        assert!(err.contains("compressed"), "{err}");
    }

    #[test]
    fn a_csv_too_wide_or_too_long_is_refused() {
        let wide = ",".repeat(5_000);
        assert!(refusal(format!("a,b\n{wide}\n").as_bytes()).contains("200 columns"));
        // The header counts as a row, as it does in a sheet's used range.
        let long = "a\n".repeat(200_001);
        assert!(refusal(long.as_bytes()).contains("200,000 rows"));
        assert_eq!(read("a\n".repeat(200_000).as_bytes(), None).unwrap().rows.len(), 199_999);
    }

    #[test]
    fn a_file_larger_than_the_limit_is_refused_unread() {
        let big = vec![b'a'; (32 << 20) + 1];
        assert!(refusal(&big).contains("32 MB"));
    }

    #[test]
    fn csv_rows_carry_their_physical_line_numbers() {
        let t = read(b"a;b\r\n1;\"two\r\nlines\"\r\n\r\n3;4\r\n", None).unwrap();
        assert_eq!(t.delimiter, Some(';'));
        assert_eq!(t.header, ["a", "b"]);
        let got: Vec<(u64, Vec<String>)> = t.rows.into_iter().map(|r| (r.line, r.cells)).collect();
        assert_eq!(got[0], (2, vec!["1".to_owned(), "two\nlines".to_owned()]));
        assert_eq!(got.last().unwrap(), &(5, vec!["3".to_owned(), "4".to_owned()]));
    }
}
