//! Reading an import file into a header and rows of text, each row with the line a person would find
//! it on: the physical line in a CSV file (a quoted field may span lines), the row number in a sheet.
//!
//! CSV: any delimiter Excel writes (`,` `;` tab `|`, sniffed from the header line), UTF-8 with or
//! without a byte-order mark, UTF-16 with one, or Windows-1252 (what "CSV" without "UTF-8" gives in
//! Excel on Windows). Anything else is refused as a whole. XLSX: the first worksheet (or a named one).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::{Error, Result};

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

/// Reads CSV or XLSX (told apart by content, not by name).
pub(crate) fn read(bytes: &[u8], sheet: Option<&str>) -> Result<Table> {
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
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(refuse(format!("cannot be read as CSV near line {line}; check its quotes")));
            }
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
    let unreadable =
        |_| refuse("looks like an XLSX workbook but cannot be read; open and save it again in the spreadsheet");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(unreadable)?;
    let range = match sheet {
        Some(name) => {
            if !book.sheet_names().iter().any(|s| s == name) {
                return Err(refuse(format!("has no sheet called {name:?}")));
            }
            book.worksheet_range(name).map_err(unreadable)?
        }
        None => book.worksheet_range_at(0).ok_or_else(|| refuse("has no worksheets"))?.map_err(unreadable)?,
    };
    let Some((first_row, _)) = range.start() else {
        return Err(refuse("has an empty first sheet; the first row should name the columns"));
    };
    let mut rows = range
        .rows()
        .enumerate()
        .map(|(i, r)| Row { line: u64::from(first_row) + i as u64 + 1, cells: r.iter().map(cell_text).collect() });
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
