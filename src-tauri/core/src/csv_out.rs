//! The one place that writes CSV for people to open in a spreadsheet.
//!
//! Spreadsheets evaluate a cell that starts with `=`, `+`, `-` or `@` (and some also after a leading
//! tab or carriage return) as a formula, so a value typed by anyone (a name, a column header) could run
//! as one when a report is opened ("CSV injection"). Every cell written here that starts with one of
//! those characters is prefixed with a single quote, which spreadsheets show as text. Output is UTF-8
//! with a byte-order mark (so Excel reads accents correctly) and CRLF line ends.

/// Characters that make a spreadsheet treat a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as it is safe to write: a formula-like value gets a leading `'`.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_START) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Builds a CSV file: a header and rows, every cell neutralised and quoted when needed.
pub struct CsvOut {
    out: csv::Writer<Vec<u8>>,
}

impl CsvOut {
    /// A new file with this header row.
    pub fn new(header: &[&str]) -> Self {
        let mut w = CsvOut {
            out: csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(b"\xEF\xBB\xBF".to_vec()),
        };
        w.row(header);
        w
    }

    /// Appends one row.
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) {
        // Writing to a Vec cannot fail.
        let _ = self.out.write_record(cells.iter().map(|c| neutralise(c.as_ref()).into_owned()));
    }

    /// The file's bytes.
    pub fn finish(self) -> Vec<u8> {
        self.out.into_inner().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_neutralised_and_others_left_alone() {
        for bad in ["=1+2", "+44 7700", "-3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise(bad), format!("'{bad}"));
        }
        for ok in ["Zoë", "1+2", "a=b", "", "'quoted"] {
            assert_eq!(neutralise(ok), ok);
        }
    }

    #[test]
    fn writes_bom_crlf_quoted_neutralised_csv() {
        let mut w = CsvOut::new(&["line", "column"]);
        w.row(&["3", "=HYPERLINK(\"x\")"]);
        w.row(&["4", "a, b"]);
        let bytes = w.finish();
        assert_eq!(bytes, b"\xEF\xBB\xBFline,column\r\n3,\"'=HYPERLINK(\"\"x\"\")\"\r\n4,\"a, b\"\r\n");
    }
}
