//! Awarding-body profiles: what a submission to one body holds and how it is laid out, as data.
//!
//! The built-in profiles live in `assets/profiles/*.json` and are compiled in; a centre copies one,
//! edits it and passes it with `--profile-file`. [`Profile::from_json`] validates everything a
//! profile says before any data is read, and its errors name the problem (never any person).
//!
//! The fields a profile may ask for are exactly the awarding-body column of "who may see what" in
//! DOMAIN.md (plus the result itself and two non-personal references): an employee number, an email
//! or an employer's name cannot be written into a profile, because [`Field`] has no such variant.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::sealed::{safe_path, MANIFEST, SIGNATURE};
use crate::{Error, Result};

/// The profile format this program reads.
pub const PROFILE_FORMAT: u32 = 1;
/// The largest profile file read.
pub const MAX_PROFILE_BYTES: usize = 64 * 1024;

/// The profiles shipped with Centrebook: (name, JSON).
pub const BUILT_IN: &[(&str, &str)] = &[
    ("generic", include_str!("../../../../assets/profiles/generic.json")),
    ("lantra", include_str!("../../../../assets/profiles/lantra.json")),
    ("mpqc", include_str!("../../../../assets/profiles/mpqc.json")),
    ("rtitb", include_str!("../../../../assets/profiles/rtitb.json")),
    ("wamitab", include_str!("../../../../assets/profiles/wamitab.json")),
];

/// One column's content. Personal fields are those DOMAIN.md lets an awarding body receive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The centre's own reference for this result (the enrolment id): lets the body's reply be
    /// matched back. Not personal data on its own.
    Reference,
    /// The centre's approval number with this body.
    CentreNumber,
    Forename,
    Surname,
    /// "Forename Surname".
    FullName,
    DateOfBirth,
    NiNumber,
    /// Home address lines, joined with ", ".
    Address,
    Postcode,
    CourseCode,
    CourseTitle,
    CourseType,
    /// Equipment or environment category.
    Equipment,
    CourseStart,
    CourseEnd,
    LengthDays,
    DurationHours,
    TestDate,
    TrainerName,
    TrainerRegistration,
    /// pass, fail, retest.
    Outcome,
    Grade,
    /// The photo's file name inside the bundle.
    Photo,
}

impl Field {
    /// The name this field is logged under in the disclosure log (DOMAIN.md's words), or `None` for
    /// the non-personal references.
    pub fn disclosed_as(self) -> Option<&'static str> {
        Some(match self {
            Field::Reference | Field::CentreNumber => return None,
            Field::Forename | Field::Surname | Field::FullName => "name",
            Field::DateOfBirth => "date_of_birth",
            Field::NiNumber => "ni_number",
            Field::Address | Field::Postcode => "home_address",
            Field::CourseCode | Field::CourseTitle | Field::CourseType => "course_type",
            Field::Equipment => "equipment",
            Field::CourseStart | Field::CourseEnd => "course_dates",
            Field::LengthDays | Field::DurationHours => "course_length",
            Field::TestDate => "test_date",
            Field::TrainerName | Field::TrainerRegistration => "trainer",
            Field::Outcome | Field::Grade => "result",
            Field::Photo => "photograph",
        })
    }

    /// The starred identifiers some bodies mandate: sent only when the course asks for them (unless
    /// the profile says `"identifiers": "always"`).
    pub(crate) fn identifier(self) -> Option<Identifier> {
        match self {
            Field::DateOfBirth => Some(Identifier::DateOfBirth),
            Field::NiNumber => Some(Identifier::NiNumber),
            Field::Address | Field::Postcode => Some(Identifier::Address),
            Field::Photo => Some(Identifier::Photo),
            _ => None,
        }
    }
}

/// The four identifiers a course may require.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Identifier {
    DateOfBirth,
    NiNumber,
    Address,
    Photo,
}

/// When identifiers (date of birth, NI number, address, photo) are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierRule {
    /// Only for courses whose catalogue entry requires them (data minimisation: the default).
    AsCourseRequires,
    /// Whenever the centre holds them.
    Always,
}

/// Outcomes a profile may submit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Submits {
    Pass,
    Fail,
    Retest,
}

impl Submits {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Submits::Pass => "pass",
            Submits::Fail => "fail",
            Submits::Retest => "retest",
        }
    }
}

/// Which results go in a bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qualifying {
    /// The outcomes submitted (usually only passes).
    pub outcomes: Vec<Submits>,
    /// Only these course codes of the body (empty: all of its courses).
    #[serde(default)]
    pub course_codes: Vec<String>,
    /// Whether every attempt goes (most bodies record every test result) or only a person's latest
    /// on each course (an earlier fail then a pass sends only the pass).
    #[serde(default)]
    pub attempts: Attempts,
}

/// Which of a person's attempts at one course a bundle takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attempts {
    /// Every result whose outcome qualifies.
    #[default]
    Every,
    /// Only the person's latest result on each course (by the run's start), if it qualifies.
    Latest,
}

/// How dates are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DateFormat {
    #[serde(rename = "DD/MM/YYYY")]
    DmySlash,
    #[serde(rename = "DD-MM-YYYY")]
    DmyDash,
    #[serde(rename = "DD.MM.YYYY")]
    DmyDot,
    #[serde(rename = "YYYY-MM-DD")]
    Iso,
    #[serde(rename = "D MMM YYYY")]
    DayMonthName,
}

impl DateFormat {
    pub(crate) fn format(self, d: chrono::NaiveDate) -> String {
        d.format(match self {
            DateFormat::DmySlash => "%d/%m/%Y",
            DateFormat::DmyDash => "%d-%m-%Y",
            DateFormat::DmyDot => "%d.%m.%Y",
            DateFormat::Iso => "%Y-%m-%d",
            DateFormat::DayMonthName => "%-d %b %Y",
        })
        .to_string()
    }
}

/// The data file's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// UTF-8 with BOM, CRLF, formula-like cells neutralised.
    Csv,
    /// One sheet, a bold header, dates as text in the profile's format.
    Xlsx,
    /// An array of objects keyed by the column headers.
    Json,
}

/// Where and how the data file is written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataFile {
    pub format: FileFormat,
    /// Path inside the bundle.
    pub path: String,
    /// XLSX sheet name (default "Results").
    #[serde(default)]
    pub sheet: Option<String>,
}

/// Photo rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoRules {
    /// Folder inside the bundle.
    pub folder: String,
    /// File name pattern: `{row}` (0001...), `{reference}`, `{surname}`, `{forename}` (ASCII-folded,
    /// letters and digits only); must hold `{row}` or `{reference}` so names are unique; ends `.jpg`.
    pub name: String,
    pub max_width: u32,
    pub max_height: u32,
    pub max_bytes: u32,
}

/// A column: a field and its header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub field: Field,
    pub header: String,
}

/// An awarding body's submission profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// [`PROFILE_FORMAT`].
    pub format: u32,
    /// Short name: lower-case letters, digits and dashes.
    pub name: String,
    /// What it is, for people.
    pub title: String,
    /// The awarding body's code in the catalogue; `null` for a generic profile (the body is chosen
    /// when the bundle is made).
    pub awarding_body: Option<String>,
    pub qualifying: Qualifying,
    pub identifiers: IdentifierRule,
    pub date_format: DateFormat,
    pub data_file: DataFile,
    pub columns: Vec<Column>,
    /// Photos, when the body takes them.
    #[serde(default)]
    pub photos: Option<PhotoRules>,
    /// Path of the printable PDF summary inside the bundle, if any.
    #[serde(default)]
    pub summary: Option<String>,
}

const PLACEHOLDERS: [&str; 4] = ["{row}", "{reference}", "{surname}", "{forename}"];

fn bad(reason: impl Into<String>) -> Error {
    Error::invalid("profile", reason)
}

impl Profile {
    /// A built-in profile by name.
    pub fn built_in(name: &str) -> Result<Profile> {
        let (_, json) = BUILT_IN
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| Error::NotFound { what: "profile", name: name.trim().to_owned() })?;
        Profile::from_json(json.as_bytes())
    }

    /// Reads and validates a profile file.
    pub fn from_json(bytes: &[u8]) -> Result<Profile> {
        if bytes.len() > MAX_PROFILE_BYTES {
            return Err(bad(format!(
                "the file is larger than {} KB; a profile is a short JSON file",
                MAX_PROFILE_BYTES / 1024
            )));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| bad("is not UTF-8 text"))?;
        let profile: Profile =
            serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| bad(format!("{e}")))?;
        profile.validate()?;
        Ok(profile)
    }

    /// The profile as pretty JSON (for `bundle profile show`, or to copy and edit).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks everything [`Profile::from_json`]'s parsing cannot.
    pub fn validate(&self) -> Result<()> {
        if self.format != PROFILE_FORMAT {
            return Err(bad(format!(
                "format {} is not supported (this Centrebook reads format {PROFILE_FORMAT})",
                self.format
            )));
        }
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 40
            && self.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !name_ok {
            return Err(bad("name: use 1 to 40 lower-case letters, digits or dashes"));
        }
        if self.title.trim().is_empty() || self.title.len() > 200 {
            return Err(bad("title: give a title of up to 200 characters"));
        }
        if let Some(body) = &self.awarding_body {
            if body.trim().is_empty() || body.len() > 40 {
                return Err(bad("awarding_body: give the body's code as in the catalogue, or null"));
            }
        }
        if self.qualifying.outcomes.is_empty() {
            return Err(bad("qualifying.outcomes: list at least one outcome (usually \"pass\")"));
        }
        if self.qualifying.course_codes.len() > 500 || self.qualifying.course_codes.iter().any(|c| c.trim().is_empty())
        {
            return Err(bad(
                "qualifying.course_codes: list course codes, or leave it empty for all of the body's courses",
            ));
        }
        if self.columns.is_empty() || self.columns.len() > 60 {
            return Err(bad("columns: list between 1 and 60 columns"));
        }
        let mut headers = BTreeSet::new();
        for (i, c) in self.columns.iter().enumerate() {
            let h = c.header.trim();
            if h.is_empty() || h.len() > 100 || h.chars().any(char::is_control) {
                return Err(bad(format!("columns[{i}].header: give a header of 1 to 100 printable characters")));
            }
            if !headers.insert(h.to_lowercase()) {
                return Err(bad(format!("columns[{i}].header: {h:?} is used twice")));
            }
        }
        let has = |f: Field| self.columns.iter().any(|c| c.field == f);
        if !(has(Field::FullName) || (has(Field::Forename) && has(Field::Surname))) {
            return Err(bad("columns: include the candidate's name (full_name, or forename and surname)"));
        }
        if has(Field::Photo) && self.photos.is_none() {
            return Err(bad("columns: a photo column needs \"photos\" rules"));
        }
        let mut paths = vec![("data_file.path", self.data_file.path.as_str())];
        if let Some(s) = &self.summary {
            paths.push(("summary", s.as_str()));
            if !s.to_ascii_lowercase().ends_with(".pdf") {
                return Err(bad("summary: the summary's path must end in .pdf"));
            }
        }
        let ext = match self.data_file.format {
            FileFormat::Csv => ".csv",
            FileFormat::Xlsx => ".xlsx",
            FileFormat::Json => ".json",
        };
        if !self.data_file.path.to_ascii_lowercase().ends_with(ext) {
            return Err(bad(format!("data_file.path: a {ext} file's path must end in {ext}")));
        }
        if let Some(sheet) = &self.data_file.sheet {
            if sheet.trim().is_empty()
                || sheet.chars().count() > 31
                || sheet.contains(['[', ']', ':', '*', '?', '/', '\\'])
            {
                return Err(bad("data_file.sheet: a sheet name is 1 to 31 characters without [ ] : * ? / \\"));
            }
            if self.data_file.format != FileFormat::Xlsx {
                return Err(bad("data_file.sheet: only an xlsx file has sheets"));
            }
        }
        if let Some(p) = &self.photos {
            paths.push(("photos.folder", p.folder.as_str()));
            if !(100..=2000).contains(&p.max_width) || !(100..=2000).contains(&p.max_height) {
                return Err(bad("photos: max_width and max_height must be between 100 and 2000 pixels"));
            }
            if !(5_000..=2_000_000).contains(&p.max_bytes) {
                return Err(bad("photos.max_bytes: between 5000 and 2000000 bytes"));
            }
            validate_photo_name(&p.name)?;
        }
        for (what, path) in &paths {
            if !safe_path(path) || *path == MANIFEST || *path == SIGNATURE {
                return Err(bad(format!("{what}: use a relative path with / between folders, no '..', '\\' or ':'")));
            }
        }
        for (i, (wa, a)) in paths.iter().enumerate() {
            for (wb, b) in &paths[i + 1..] {
                let nested = |x: &str, y: &str| x == y || y.starts_with(&format!("{x}/"));
                if nested(a, b) || nested(b, a) {
                    return Err(bad(format!("{wa} and {wb} overlap; give each its own path")));
                }
            }
        }
        Ok(())
    }
}

impl PhotoRules {
    /// Whether the file name pattern carries the person's name.
    pub(crate) fn name_has_person(&self) -> bool {
        self.name.contains("{surname}") || self.name.contains("{forename}")
    }

    /// These rules with the person's name taken out of the file name pattern (for a bundle whose
    /// file names are readable without its password): the pattern's other parts are kept.
    pub(crate) fn without_person(&self) -> PhotoRules {
        let mut name = self.name.replace("{surname}", "").replace("{forename}", "");
        for sep in ["_", "-", " ", "."] {
            while name.contains(&format!("{sep}{sep}")) {
                name = name.replace(&format!("{sep}{sep}"), sep);
            }
            name = name.replace(&format!("{sep}.jpg"), ".jpg");
        }
        let name = name.trim_start_matches(['_', '-', ' ']).to_owned();
        let name = if validate_photo_name(&name).is_ok() { name } else { "{row}.jpg".to_owned() };
        PhotoRules { name, ..self.clone() }
    }
}

fn validate_photo_name(pattern: &str) -> Result<()> {
    if pattern.len() > 100 {
        return Err(bad("photos.name: at most 100 characters"));
    }
    if !pattern.contains("{row}") && !pattern.contains("{reference}") {
        return Err(bad("photos.name: include {row} or {reference} so every photo has its own name"));
    }
    let lower = pattern.to_ascii_lowercase();
    if !lower.ends_with(".jpg") && !lower.ends_with(".jpeg") {
        return Err(bad("photos.name: photos are JPEG; end the name with .jpg"));
    }
    let mut rest = pattern.to_owned();
    for p in PLACEHOLDERS {
        rest = rest.replace(p, "");
    }
    if rest.contains(['{', '}']) {
        return Err(bad("photos.name: the only placeholders are {row}, {reference}, {surname} and {forename}"));
    }
    if !rest.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
        return Err(bad("photos.name: use letters, digits, '_', '-' and '.' around the placeholders"));
    }
    Ok(())
}

/// Letters and digits only, accents folded to ASCII where obvious: safe in any file system.
fn file_part(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let base = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'ā' => 'a',
            'À' | 'Á' | 'Â' | 'Ä' | 'Ã' | 'Å' | 'Ā' => 'A',
            'è' | 'é' | 'ê' | 'ë' | 'ē' => 'e',
            'È' | 'É' | 'Ê' | 'Ë' | 'Ē' => 'E',
            'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
            'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' => 'I',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' | 'ō' => 'o',
            'Ò' | 'Ó' | 'Ô' | 'Ö' | 'Õ' | 'Ø' | 'Ō' => 'O',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
            'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' => 'U',
            'ŵ' => 'w',
            'Ŵ' => 'W',
            'ŷ' | 'ÿ' | 'ý' => 'y',
            'Ŷ' | 'Ÿ' | 'Ý' => 'Y',
            'ç' => 'c',
            'Ç' => 'C',
            'ñ' => 'n',
            'Ñ' => 'N',
            'ł' => 'l',
            'Ł' => 'L',
            c => c,
        };
        if base.is_ascii_alphanumeric() {
            out.push(base);
        }
    }
    out.truncate(40);
    out
}

impl PhotoRules {
    /// The photo's path inside the bundle for the `row`-th result (from 1).
    pub(crate) fn path(&self, row: usize, reference: &str, forename: &str, surname: &str) -> String {
        let name = self
            .name
            .replace("{row}", &format!("{row:04}"))
            .replace("{reference}", &file_part(reference))
            .replace("{surname}", &file_part(surname))
            .replace("{forename}", &file_part(forename));
        format!("{}/{name}", self.folder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(name: &str, f: impl FnOnce(&mut serde_json::Value)) -> Result<Profile> {
        let (_, json) = BUILT_IN.iter().find(|(n, _)| *n == name).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
        f(&mut v);
        Profile::from_json(v.to_string().as_bytes())
    }

    fn reason(r: Result<Profile>) -> String {
        match r {
            Err(Error::Invalid { field: "profile", reason }) => reason,
            other => panic!("expected a profile error, got {other:?}"),
        }
    }

    #[test]
    fn every_built_in_profile_loads_and_names_itself() {
        for (name, _) in BUILT_IN {
            let p = Profile::built_in(name).unwrap();
            assert_eq!(p.name, *name);
            assert_eq!(Profile::from_json(p.to_json().as_bytes()).unwrap(), p, "round trip");
        }
        assert!(matches!(Profile::built_in("nope"), Err(Error::NotFound { .. })));
        assert!(Profile::built_in(" RTITB ").is_ok());
    }

    #[test]
    fn fields_beyond_the_awarding_body_column_cannot_be_asked_for() {
        for field in ["employee_number", "email", "mobile", "employer", "special_category", "driving_licence"] {
            let r = edit("rtitb", |v| v["columns"][0]["field"] = field.into());
            let why = reason(r);
            assert!(why.contains("unknown variant"), "{field}: {why}");
        }
    }

    #[test]
    fn invalid_profiles_are_refused_with_a_reason() {
        type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;
        let cases: Vec<(&str, Edit)> = vec![
            ("format", Box::new(|v| v["format"] = 2.into())),
            ("name", Box::new(|v| v["name"] = "Has Spaces".into())),
            ("outcomes", Box::new(|v| v["qualifying"]["outcomes"] = serde_json::json!([]))),
            ("columns", Box::new(|v| v["columns"] = serde_json::json!([]))),
            ("used twice", Box::new(|v| v["columns"][1]["header"] = v["columns"][2]["header"].clone())),
            ("name (full_name", Box::new(|v| v["columns"] = serde_json::json!([{"field": "surname", "header": "S"}]))),
            ("photo column", Box::new(|v| v["photos"] = serde_json::Value::Null)),
            ("relative path", Box::new(|v| v["data_file"]["path"] = "../results.csv".into())),
            ("relative path", Box::new(|v| v["summary"] = "C:\\x.pdf".into())),
            ("must end in .csv", Box::new(|v| v["data_file"]["path"] = "results.txt".into())),
            ("overlap", Box::new(|v| v["summary"] = "photos/summary.pdf".into())),
            ("{row} or {reference}", Box::new(|v| v["photos"]["name"] = "{surname}.jpg".into())),
            ("only placeholders", Box::new(|v| v["photos"]["name"] = "{row}_{ni_number}.jpg".into())),
            ("JPEG", Box::new(|v| v["photos"]["name"] = "{row}.png".into())),
            ("letters, digits", Box::new(|v| v["photos"]["name"] = "{row}/../x.jpg".into())),
            ("max_width", Box::new(|v| v["photos"]["max_width"] = 5.into())),
            ("max_bytes", Box::new(|v| v["photos"]["max_bytes"] = 10.into())),
            ("sheets", Box::new(|v| v["data_file"]["sheet"] = "S".into())),
            ("unknown field `colour`", Box::new(|v| v["colour"] = "red".into())),
            ("manifest", Box::new(|v| v["data_file"]["path"] = "manifest.json".into())),
        ];
        for (expect, f) in cases {
            let why = reason(edit("rtitb", f));
            assert!(
                why.contains(expect) || (expect == "manifest" && why.contains("data_file.path")),
                "{expect}: {why}"
            );
        }
        assert!(reason(Profile::from_json(b"\xff\xfe")).contains("UTF-8"));
        assert!(reason(Profile::from_json(&vec![b' '; MAX_PROFILE_BYTES + 1])).contains("larger"));
        assert!(reason(Profile::from_json(b"{")).contains("EOF"));
    }

    #[test]
    fn photo_names_are_safe_and_unique_per_row() {
        let p = Profile::built_in("mpqc").unwrap().photos.unwrap();
        let path = p.path(7, "0193-ab", "Siân", "O'Brien-Ŵyn/../x");
        assert_eq!(path, "photos/0193ab_OBrienWynx_Sian.jpg");
        assert!(safe_path(&path));
        let r = Profile::built_in("rtitb").unwrap().photos.unwrap();
        assert_eq!(r.path(7, "x", "A", "B"), "photos/0007_B.jpg");
        assert_eq!(DateFormat::DayMonthName.format(chrono::NaiveDate::from_ymd_opt(2026, 3, 4).unwrap()), "4 Mar 2026");
    }
}
