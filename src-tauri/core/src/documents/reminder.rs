//! A refresher reminder to an employer: a letter (PDF, A4 portrait) listing its employees whose
//! certificates expire soon, and a draft email (.eml, RFC 5322 with MIME) carrying the same words as
//! text with the letter attached, for the office to open and send from its own mail program (the
//! `X-Unsent` header marks it a draft; with no office address set, that program fills in "From").

use chrono::NaiveDate;

use super::canvas::Align;
use super::fonts::{self, Face};
use super::paper::{long, uk, Flow, INK, MARGIN, MUTED, W};
use crate::documents::refreshers::RefresherRow;
use crate::records::paperwork::Paperwork;
use crate::records::Centre;

/// What one letter says.
pub(crate) struct Letter<'a> {
    pub centre: &'a Centre,
    pub settings: &'a Paperwork,
    pub employer: &'a str,
    pub address: Option<&'a str>,
    pub postcode: Option<&'a str>,
    pub today: NaiveDate,
    pub within_days: u32,
    pub rows: &'a [RefresherRow],
}

/// The files' name without extension: the employer and the day, with nothing a file system refuses.
pub(crate) fn file_stem(employer: &str, today: NaiveDate) -> String {
    format!("Refresher reminder {} {}", crate::outfile::safe_file_name(employer), today)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

impl Letter<'_> {
    fn people(&self) -> usize {
        let mut ids: Vec<_> = self.rows.iter().map(|r| r.candidate_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }

    fn subject(&self) -> String {
        format!("Refresher training due: {} at {}", plural(self.people(), "employee"), self.employer)
    }

    fn opening(&self) -> String {
        format!(
            "The certificates below, held by your employees, expire within the next {} days (by {}). To keep \
             them qualified, please book their refresher training before each expiry date. We are happy to \
             run it at our centre or at your site.",
            self.within_days,
            long(self.today + chrono::Duration::days(i64::from(self.within_days)))
        )
    }

    fn contact(&self) -> Vec<String> {
        let mut c = Vec::new();
        c.extend(self.settings.phone.as_ref().map(|p| format!("Phone: {}", p.display())));
        c.extend(self.settings.email.as_ref().map(|e| format!("Email: {e}")));
        c
    }

    /// The letter as a PDF.
    pub(crate) fn pdf(&self) -> Vec<u8> {
        let title = self.subject();
        let footer = format!(
            "Confidential: personal data sent to {} about its employees' training (employer-visible fields only).",
            self.employer
        );
        let mut f = Flow::new(&title, &self.centre.name, &footer);
        f.line(Face::Bold, 15.0, INK, 0.0, &self.centre.name);
        let mut from: Vec<String> = self.centre.address.iter().flat_map(|a| a.lines().map(str::to_owned)).collect();
        from.extend(self.centre.postcode.as_ref().map(ToString::to_string));
        from.extend(self.contact());
        f.para(Face::Regular, 9.0, MUTED, 0.0, &from.join("\n"));
        f.gap(6.0);
        let mut to = vec![self.employer.to_owned()];
        to.extend(self.address.iter().flat_map(|a| a.lines().map(str::to_owned)));
        to.extend(self.postcode.map(str::to_owned));
        f.para(Face::Regular, 10.0, INK, 0.0, &to.join("\n"));
        f.gap(4.0);
        f.line(Face::Regular, 10.0, INK, 0.0, &long(self.today));
        f.gap(4.0);
        f.line(Face::Regular, 10.0, INK, 0.0, "Dear training coordinator,");
        f.gap(2.0);
        f.line(Face::Bold, 12.0, INK, 0.0, &title);
        f.gap(1.0);
        f.para(Face::Regular, 10.0, INK, 0.0, &self.opening());
        f.gap(3.0);
        // The table: name, employee number, course, certificate, expiry.
        let cols: [(&str, f32); 5] =
            [("Employee", 44.0), ("Employee no.", 24.0), ("Course", 56.0), ("Certificate", 30.0), ("Expires", 24.0)];
        let head = |f: &mut Flow| {
            f.room(12.0);
            let y = f.y;
            let page = f.page();
            page.fill_rect((0.16, 0.26, 0.40), MARGIN, y, W - 2.0 * MARGIN, 6.0);
            let mut x = MARGIN + 1.2;
            for (h, w) in cols {
                page.text(Face::Bold, 8.5, (1.0, 1.0, 1.0), x, y + 4.2, Align::Left, h);
                x += w;
            }
            f.y += 6.0;
        };
        head(&mut f);
        for (i, r) in self.rows.iter().enumerate() {
            if f.y + 6.0 > 297.0 - MARGIN - 10.0 {
                f.new_page();
                head(&mut f);
            }
            let y = f.y;
            let cells = [
                format!("{} {}", r.forename, r.surname),
                r.employee_number.clone().unwrap_or_default(),
                r.course_title.clone(),
                r.certificate_number.clone(),
                uk(r.expires_on),
            ];
            let page = f.page();
            if i % 2 == 1 {
                page.fill_rect((0.955, 0.965, 0.975), MARGIN, y, W - 2.0 * MARGIN, 6.0);
            }
            let mut x = MARGIN + 1.2;
            for (c, (_, w)) in cells.iter().zip(cols) {
                let (s, size) = fonts::fit(Face::Regular, c, 8.5, 6.5, w - 2.4);
                page.text(Face::Regular, size, INK, x, y + 4.2, Align::Left, &s);
                x += w;
            }
            f.y += 6.0;
        }
        f.gap(5.0);
        f.para(
            Face::Regular,
            10.0,
            INK,
            0.0,
            "To book, or if anyone listed has left your company, please let us know.",
        );
        f.gap(4.0);
        f.line(Face::Regular, 10.0, INK, 0.0, "Yours faithfully,");
        f.gap(6.0);
        f.line(Face::Regular, 10.0, INK, 0.0, &self.centre.name);
        f.finish()
    }

    /// The letter's words as plain text, for the email's body.
    fn text(&self) -> String {
        let mut t = format!("Dear training coordinator,\r\n\r\n{}\r\n\r\n", self.opening());
        for r in self.rows {
            let number = r.employee_number.as_deref().map(|n| format!(" (employee number {n})")).unwrap_or_default();
            t.push_str(&format!(
                "- {} {}{}: {}, certificate {}, expires {}\r\n",
                r.forename,
                r.surname,
                number,
                r.course_title,
                r.certificate_number,
                uk(r.expires_on)
            ));
        }
        t.push_str("\r\nTo book, or if anyone listed has left your company, please reply to this email.\r\n");
        t.push_str("The same list is attached as a letter (PDF).\r\n\r\nYours faithfully,\r\n");
        t.push_str(&self.centre.name);
        t.push_str("\r\n");
        for c in self.contact() {
            t.push_str(&c);
            t.push_str("\r\n");
        }
        t
    }

    /// The draft email: RFC 5322 headers (non-ASCII words encoded as RFC 2047 allows), a UTF-8 text
    /// part, and the letter attached as `pdf_name`. Lines end in CRLF and none is longer than 998.
    pub(crate) fn eml(&self, to: Option<&str>, pdf_name: &str, pdf: &[u8]) -> Vec<u8> {
        let boundary = format!("centrebook-{}", crate::Id::new());
        let mut m = String::new();
        let from = match &self.settings.email {
            Some(e) => format!("From: {} <{e}>\r\n", header_words(&self.centre.name)),
            None => String::new(),
        };
        m.push_str(&from);
        if let Some(to) = to {
            m.push_str(&format!("To: {to}\r\n"));
        }
        m.push_str(&format!("Subject: {}\r\n", header_words(&self.subject())));
        m.push_str(&format!("Date: {}\r\n", chrono::Utc::now().to_rfc2822()));
        m.push_str(&format!("Message-ID: <{}@centrebook.invalid>\r\n", crate::Id::new()));
        m.push_str("X-Unsent: 1\r\nMIME-Version: 1.0\r\n");
        m.push_str(&format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n"));
        m.push_str("This is a message in MIME format.\r\n");
        m.push_str(&format!(
            "--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        ));
        m.push_str(&base64_lines(self.text().as_bytes()));
        let ascii_name: String =
            pdf_name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
        let ascii_name = ascii_name.replace('"', "_");
        m.push_str(&format!(
            "--{boundary}\r\nContent-Type: application/pdf; name=\"{ascii_name}\"\r\nContent-Transfer-Encoding: base64\r\n\
             Content-Disposition: attachment; filename=\"{ascii_name}\"\r\n\r\n"
        ));
        m.push_str(&base64_lines(pdf));
        m.push_str(&format!("--{boundary}--\r\n"));
        m.into_bytes()
    }
}

/// A header's words: as they are when plain ASCII, else one RFC 2047 encoded word per short piece.
fn header_words(s: &str) -> String {
    let s = fonts::one_line(s);
    if s.is_ascii() {
        return s;
    }
    // Encoded words are at most 75 characters: 45 bytes of text each, cut on character boundaries.
    let mut words = Vec::new();
    let mut piece = String::new();
    for c in s.chars() {
        if piece.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut piece));
        }
        piece.push(c);
    }
    words.push(piece);
    words
        .iter()
        .map(|w| format!("=?UTF-8?B?{}?=", data_encoding::BASE64.encode(w.as_bytes())))
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// Base64 in lines of 76 characters, each ended by CRLF.
fn base64_lines(bytes: &[u8]) -> String {
    let b = data_encoding::BASE64.encode(bytes);
    let mut out = String::with_capacity(b.len() + b.len() / 76 * 2 + 2);
    for chunk in b.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
pub(crate) fn header_words_for_tests(s: &str) -> String {
    header_words(s)
}
