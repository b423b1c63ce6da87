//! The demo centre: a realistic, reproducible centre generated into a new store, for trying the app,
//! screenshots and the benchmarks.
//!
//! [`Store::generate_demo`] fills an empty store with awarding bodies and the centre's approvals, a
//! course catalogue, employers with contacts and marketing consents, trainers with registration
//! numbers, candidates (most employed, some self-booked) with placeholder portraits for some, and
//! course runs from January 2007 to today (plus a few booked for the coming weeks) with enrolments,
//! component results and outcomes computed by the course's rule, including a few human overrides.
//!
//! Everything comes from one seeded generator, so a seed always makes the same centre (record ids are
//! fresh UUIDv7s, so only they differ). It writes straight SQL through prepared statements in one
//! transaction and streams: only the employers, trainers, catalogue and the queue of candidates due
//! back for another course are held in memory, never the candidates themselves.

mod data;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use crate::store::Tx;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rusqlite::{params, OptionalExtension, Statement};
use serde::Serialize;

use crate::actor::{Actor, Permission};
use crate::audit::{self, FieldChange, Subject, Who};
use crate::photo::Photo;
use crate::records::outcome::{compute, ComponentRule, GradeBand, Outcome, Score};
use crate::{Error, Id, Result, Store};

use data::{CourseSpec, COURSES};

/// How many different placeholder portraits a demo draws (drawing and encoding each takes a few
/// milliseconds, so thousands of candidates share these).
const PORTRAITS: usize = 256;

/// How many certificates a demo issues: for the most recent passes of the last two years only, since
/// drawing each one takes milliseconds and a store of 500,000 candidates holds hundreds of thousands
/// of passes.
pub const DEMO_CERTIFICATES: u32 = 300;

/// The most candidates one demo may hold.
pub const MAX_CANDIDATES: u32 = 2_000_000;

/// What to generate.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    /// How many candidates.
    pub candidates: u32,
    /// The generator's seed: the same seed makes the same centre.
    pub seed: u64,
    /// The last day of the history; a few runs are booked after it.
    pub today: NaiveDate,
    /// How many candidates get a placeholder portrait (spread evenly over them), so a large store stays
    /// a sane size.
    pub photos: u32,
}

impl DemoOptions {
    /// `candidates` candidates with the default seed (2007) and up to 2,000 portraits.
    pub fn new(candidates: u32, today: NaiveDate) -> Self {
        DemoOptions { candidates, seed: 2007, today, photos: candidates.min(2000) }
    }
}

/// What was generated.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DemoReport {
    /// The seed used.
    pub seed: u64,
    /// Awarding bodies (each with the centre's approval number).
    pub awarding_bodies: u64,
    /// Courses in the catalogue.
    pub courses: u64,
    /// Employers.
    pub employers: u64,
    /// Employers' contacts.
    pub contacts: u64,
    /// Marketing consent records (one per contact and channel).
    pub consents: u64,
    /// Trainers.
    pub trainers: u64,
    /// Candidates.
    pub candidates: u64,
    /// Candidates with a current employer.
    pub employed: u64,
    /// Candidates with a placeholder portrait.
    pub photos: u64,
    /// Course runs, past and booked.
    pub runs: u64,
    /// Of which booked for after today.
    pub future_runs: u64,
    /// Enrolments.
    pub enrolments: u64,
    /// Component results.
    pub results: u64,
    /// Outcomes (attended or did not attend).
    pub outcomes: u64,
    /// Computed passes.
    pub passes: u64,
    /// Outcomes changed by a human review.
    pub overrides: u64,
    /// Certificates issued, for the most recent passes (see [`DEMO_CERTIFICATES`]).
    pub certificates: u64,
    /// Passes as a share of the outcomes of candidates who attended.
    pub pass_rate: f64,
    /// The first run's start.
    pub first_run: Option<NaiveDate>,
    /// The last run's start.
    pub last_run: Option<NaiveDate>,
    /// How long it took, in milliseconds.
    pub elapsed_ms: u64,
}

impl Store {
    /// Fills a new, empty store with a generated demo centre (admins only). Refuses a store that
    /// already holds candidates, employers, trainers or courses, so demo data never mixes with real
    /// records.
    pub fn generate_demo(&mut self, actor: &Actor, opts: &DemoOptions) -> Result<DemoReport> {
        actor.require(Permission::ManageCatalogue)?;
        if opts.candidates == 0 || opts.candidates > MAX_CANDIDATES {
            return Err(Error::invalid("candidates", format!("should be between 1 and {MAX_CANDIDATES}")));
        }
        if opts.today < start_date() + Duration::days(366) {
            return Err(Error::invalid("today", "should be in 2008 or later: the demo history starts in 2007"));
        }
        let started = Instant::now();
        // A larger page cache while generating: the secondary indexes (names, employers, enrolments by
        // candidate) take keys in random order, and each page that falls out of the cache must be
        // decrypted again. Put back afterwards, whatever happens.
        let cache: i64 = self.conn().query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        self.conn().execute_batch("PRAGMA cache_size = -262144;")?;
        let generated = self.write_demo(actor, opts);
        self.conn().execute_batch(&format!("PRAGMA cache_size = {cache};"))?;
        let mut report = generated?;
        // The one large transaction went through the WAL; fold it into the database and shrink the WAL
        // back. A reader elsewhere may hold it up, which is harmless, so failure here is ignored.
        let _ = self.conn().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(report)
    }

    fn write_demo(&mut self, actor: &Actor, opts: &DemoOptions) -> Result<DemoReport> {
        self.write(|tx| {
            let used: i64 = tx.query_row(
                "SELECT (SELECT count(*) FROM candidates) + (SELECT count(*) FROM employers)
                      + (SELECT count(*) FROM trainers) + (SELECT count(*) FROM courses)",
                [],
                |r| r.get(0),
            )?;
            if used > 0 {
                return Err(Error::invalid(
                    "demo",
                    "this store already holds records; demo data goes only into a new, empty store, so it \
                     never mixes with real data",
                ));
            }
            // Each employment row is written just before its candidate, so the candidate's search-index
            // trigger indexes the finished row once (employer and employee number included) instead of
            // the employment trigger re-indexing it. Foreign keys are still checked, at commit.
            tx.defer_foreign_keys()?;
            let mut g = Gen::new(tx, actor, opts)?;
            g.catalogue()?;
            g.employers()?;
            g.trainers()?;
            g.history()?;
            let mut report = g.report;
            // The generator writes rows directly: their identifiers are sealed (and hashed) here, by
            // the same move an upgraded store's first sign-in makes.
            crate::identity::columns::move_plaintext(tx, crate::identity::of(actor)?)?;
            report.certificates = crate::documents::issue_demo(tx, actor, opts.today, DEMO_CERTIFICATES)?;
            let attended =
                report.outcomes - count(tx, "SELECT count(*) FROM outcomes WHERE computed = 'did_not_attend'")?;
            report.pass_rate = if attended == 0 { 0.0 } else { report.passes as f64 / attended as f64 };
            // One entry for the whole demo, holding only counts. Synthetic records get no entry each:
            // there is no person behind them, and a million entries would only bury the real log.
            audit::record(
                tx,
                Who::Actor(actor),
                "demo.generate",
                Subject { entity: "store", id: None },
                &[
                    FieldChange::created("seed", report.seed),
                    FieldChange::created("candidates", report.candidates),
                    FieldChange::created("employers", report.employers),
                    FieldChange::created("runs", report.runs),
                    FieldChange::created("enrolments", report.enrolments),
                    FieldChange::created("photos", report.photos),
                    FieldChange::created("certificates", report.certificates),
                ],
            )?;
            Ok(report)
        })
    }
}

fn count(tx: &Tx<'_>, sql: &str) -> Result<u64> {
    Ok(tx.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
}

fn start_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2007, 1, 1).expect("a valid date")
}

/// Timestamps in the same form the rest of the store uses.
fn at(day: NaiveDate) -> String {
    format!("{day}T09:00:00+00:00")
}

/// Moves a weekend day back to the Friday before.
fn weekday_on_or_before(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        Weekday::Sat => d - Duration::days(1),
        Weekday::Sun => d - Duration::days(2),
        _ => d,
    }
}

/// The last day of a course of `days` working days starting on `start`.
fn course_end(start: NaiveDate, days: f64) -> NaiveDate {
    let mut left = (days.ceil() as i64 - 1).max(0);
    let mut d = start;
    while left > 0 {
        d += Duration::days(1);
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    d
}

/// The NI number prefixes HMRC issues (see `fields::ni`).
fn ni_prefixes() -> Vec<[u8; 2]> {
    let never = ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"];
    let mut out = Vec::new();
    for a in b'A'..=b'Z' {
        for b in b'A'..=b'Z' {
            let p = [a, b];
            let s = std::str::from_utf8(&p).expect("ascii");
            if b"DFIQUV".contains(&a) || b"DFIQUV".contains(&b) || b == b'O' || never.contains(&s) {
                continue;
            }
            out.push(p);
        }
    }
    out
}

struct Employer {
    id: Id,
    contacts: std::ops::Range<u32>,
    style: u8,
    tag: String,
    next_number: u32,
    venue: String,
}

struct Course {
    id: Id,
    spec: &'static CourseSpec,
    components: Vec<(Id, ComponentRule)>,
    rules: Vec<ComponentRule>,
    grades: Vec<GradeBand>,
    /// The chance of passing each component, so that all pass at the course's pass rate.
    component_pass: f64,
    trainers: Vec<usize>,
}

/// A candidate due back for another course.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Due {
    day: NaiveDate,
    seq: u32,
    candidate: Id,
    employer: Option<u32>,
    done: u8,
}

/// A place on a run.
struct Seat {
    candidate: Id,
    employer: Option<u32>,
    done: u8,
}

struct Stmts<'t> {
    employer: Statement<'t>,
    contact: Statement<'t>,
    consent: Statement<'t>,
    candidate: Statement<'t>,
    employment: Statement<'t>,
    run: Statement<'t>,
    run_trainer: Statement<'t>,
    enrolment: Statement<'t>,
    result: Statement<'t>,
    outcome: Statement<'t>,
}

struct Gen<'t> {
    tx: &'t Tx<'t>,
    st: Stmts<'t>,
    rng: SmallRng,
    opts: &'t DemoOptions,
    actor: &'t Actor,
    report: DemoReport,
    employers: Vec<Employer>,
    contacts: Vec<Id>,
    courses: Vec<Course>,
    course_weights: u32,
    trainers: Vec<Id>,
    due: BinaryHeap<Reverse<Due>>,
    due_seq: u32,
    new_count: u32,
    ni_prefixes: Vec<[u8; 2]>,
    ni_offset: u64,
    common_forenames: usize,
    common_surnames: usize,
    portraits: Vec<Option<Vec<u8>>>,
}

impl<'t> Gen<'t> {
    fn new(tx: &'t Tx<'t>, actor: &'t Actor, opts: &'t DemoOptions) -> Result<Self> {
        let st = Stmts {
            employer: tx.prepare(
                "INSERT INTO employers (id, name, address, postcode, phone, email, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            )?,
            contact: tx.prepare(
                "INSERT INTO contacts (id, employer_id, forename, surname, job_title, phone, mobile, email,
                    created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            )?,
            consent: tx.prepare(
                "INSERT INTO contact_consents (id, contact_id, channel, granted, recorded_at, source)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            candidate: tx.prepare(
                "INSERT INTO candidates (id, forename, surname, ni_number, date_of_birth, address, postcode,
                    email, mobile, driving_licence, photo, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
            )?,
            employment: tx.prepare(
                "INSERT INTO employments (id, candidate_id, employer_id, employee_number, started_on)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
            run: tx.prepare(
                "INSERT INTO course_runs (id, course_id, starts_on, ends_on, assessment_on, venue, employer_id,
                    site_contact_id, created_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8)",
            )?,
            run_trainer: tx.prepare("INSERT INTO run_trainers (run_id, trainer_id) VALUES (?1, ?2)")?,
            enrolment: tx.prepare(
                "INSERT INTO enrolments (id, run_id, candidate_id, employer_id, status, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
            result: tx.prepare(
                "INSERT INTO results (id, enrolment_id, component_id, mark, minor_faults, major_faults, competent,
                    assessed_on, assessor_id, comments, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?,
            outcome: tx.prepare(
                "INSERT INTO outcomes (enrolment_id, computed, computed_grade, override, override_grade,
                    override_reason, overridden_by, overridden_at, computed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?,
        };
        let mut rng = SmallRng::seed_from_u64(opts.seed);
        let ni_prefixes = ni_prefixes();
        let ni_offset = rng.random_range(0..ni_prefixes.len() as u64 * 1_000_000);
        let position =
            |list: &[&str], first_rare: &str| list.iter().position(|n| *n == first_rare).unwrap_or(list.len());
        Ok(Gen {
            tx,
            st,
            rng,
            opts,
            actor,
            report: DemoReport { seed: opts.seed, ..Default::default() },
            employers: Vec::new(),
            contacts: Vec::new(),
            courses: Vec::new(),
            course_weights: 0,
            trainers: Vec::new(),
            due: BinaryHeap::new(),
            due_seq: 0,
            new_count: 0,
            ni_prefixes,
            ni_offset,
            common_forenames: position(data::FORENAMES, "Siân"),
            common_surnames: position(data::SURNAMES, "Llewelyn"),
            portraits: vec![None; PORTRAITS],
        })
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.rng.random_range(0..xs.len())]
    }

    /// A name, mostly from the common part of the list.
    fn name(&mut self, list: &[&'static str], common: usize) -> &'static str {
        if self.rng.random_bool(0.55) {
            list[self.rng.random_range(0..common.max(1))]
        } else {
            self.pick(list)
        }
    }

    fn postcode(&mut self, outwards: &[&str]) -> String {
        let out = self.pick(outwards);
        let digit = self.rng.random_range(1..10);
        let a = self.pick(data::INWARD_LETTERS) as char;
        let b = self.pick(data::INWARD_LETTERS) as char;
        format!("{out} {digit}{a}{b}")
    }

    /// An unused NI number: the candidate's sequence number is spread over all valid numbers by a
    /// bijection, so numbers never repeat.
    fn ni_number(&mut self, seq: u32) -> String {
        let space = self.ni_prefixes.len() as u64 * 1_000_000;
        // 1,000,003 is prime and does not divide `space`, so this is a permutation of 0..space.
        let v = (u64::from(seq) * 1_000_003 + self.ni_offset) % space;
        let p = self.ni_prefixes[(v / 1_000_000) as usize];
        let suffix = self.pick(b"ABCD") as char;
        format!("{}{}{:06}{suffix}", p[0] as char, p[1] as char, v % 1_000_000)
    }

    fn catalogue(&mut self) -> Result<()> {
        let mut body_ids = Vec::new();
        for (code, name, number) in data::BODIES {
            let id = Id::new();
            self.tx
                .execute("INSERT INTO awarding_bodies (id, code, name) VALUES (?1, ?2, ?3)", params![id, code, name])?;
            self.tx.execute(
                "INSERT INTO centre_approvals (awarding_body_id, centre_number) VALUES (?1, ?2)",
                params![id, number],
            )?;
            body_ids.push((*code, id));
            self.report.awarding_bodies += 1;
        }
        for spec in COURSES {
            let id = Id::new();
            let body = spec.body.and_then(|b| body_ids.iter().find(|(c, _)| *c == b).map(|(_, id)| *id));
            let grades: Vec<GradeBand> =
                spec.grades.iter().map(|(g, p)| GradeBand { grade: (*g).to_owned(), min_percent: *p }).collect();
            let grades_json = (!grades.is_empty())
                .then(|| serde_json::to_string(&grades))
                .transpose()
                .map_err(|_| Error::invalid("grades", "cannot be stored"))?;
            let [ni, dob, addr, photo] = spec.requires;
            self.tx.execute(
                "INSERT INTO courses (id, code, title, awarding_body_id, course_type, category, length_days,
                    duration_hours, validity_months, requires_ni, requires_dob, requires_address, requires_photo, grades)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    id,
                    spec.code,
                    spec.title,
                    body,
                    spec.course_type,
                    spec.category,
                    spec.length_days,
                    spec.duration_hours,
                    spec.validity_months,
                    ni,
                    dob,
                    addr,
                    photo,
                    grades_json
                ],
            )?;
            let mut components = Vec::new();
            for (pos, (name, rule)) in spec.components.iter().enumerate() {
                let cid = Id::new();
                let (kind, max, pass, minor, major) = match *rule {
                    ComponentRule::Marks { max_mark, pass_mark } => {
                        ("marks", Some(max_mark), Some(pass_mark), None, None)
                    }
                    ComponentRule::Faults { max_minor_faults, max_major_faults } => {
                        ("faults", None, None, Some(max_minor_faults), Some(max_major_faults))
                    }
                    ComponentRule::Observation => ("observation", None, None, None, None),
                };
                self.tx.execute(
                    "INSERT INTO course_components (id, course_id, position, name, kind, max_mark, pass_mark,
                        max_minor_faults, max_major_faults) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![cid, id, pos as i64, name, kind, max, pass, minor, major],
                )?;
                components.push((cid, *rule));
            }
            let rules = components.iter().map(|(_, r)| *r).collect();
            let component_pass = spec.pass_rate.powf(1.0 / spec.components.len() as f64);
            self.courses.push(Course { id, spec, components, rules, grades, component_pass, trainers: Vec::new() });
            self.course_weights += spec.weight;
            self.report.courses += 1;
        }
        Ok(())
    }

    fn employers(&mut self) -> Result<()> {
        let n = (self.opts.candidates / 25).max(5);
        let span = (self.opts.today - start_date()).num_days();
        for i in 0..n {
            let stem = if self.rng.random_bool(0.3) {
                self.name(data::SURNAMES, self.common_surnames)
            } else {
                self.pick(data::COMPANY_STEMS)
            };
            let trade = self.pick(data::COMPANY_TRADES);
            let suffix = self.pick(data::COMPANY_SUFFIXES);
            let name = format!("{stem} {trade} {suffix}");
            let (town, outwards) = self.pick(data::TOWNS);
            let estate = format!("{} {}", self.pick(data::COMPANY_STEMS), self.pick(data::ESTATES));
            let unit = self.rng.random_range(1..60);
            let address = format!("Unit {unit}\n{estate}\n{town}");
            let postcode = self.postcode(outwards);
            let slug: String = data::fold(&name).to_ascii_lowercase().chars().take(24).collect();
            let phone = format!("+441632960{:03}", self.rng.random_range(0..1000));
            let created = at(start_date() + Duration::days(self.rng.random_range(0..span.max(1)) * 4 / 5));
            let id = Id::new();
            self.st.employer.execute(params![
                id,
                name,
                address,
                postcode,
                phone,
                format!("bookings@{slug}.example"),
                created
            ])?;
            let first = self.contacts.len() as u32;
            for _ in 0..self.rng.random_range(1..=3) {
                let cid = Id::new();
                let fore = self.name(data::FORENAMES, self.common_forenames);
                let sur = self.name(data::SURNAMES, self.common_surnames);
                let email = format!(
                    "{}.{}@{slug}.example",
                    data::fold(fore).to_ascii_lowercase(),
                    data::fold(sur).to_ascii_lowercase()
                );
                let mobile =
                    self.rng.random_bool(0.6).then(|| format!("+447700900{:03}", self.rng.random_range(0..1000)));
                let job = self.pick(data::JOB_TITLES);
                let landline = format!("+441632960{:03}", self.rng.random_range(0..1000));
                self.st.contact.execute(params![cid, id, fore, sur, job, landline, mobile, email, created])?;
                for channel in ["email", "phone", "sms", "post"] {
                    let granted = self.rng.random_bool(if channel == "sms" { 0.2 } else { 0.45 });
                    let source = self.pick(data::CONSENT_SOURCES);
                    self.st.consent.execute(params![Id::new(), cid, channel, granted, created, source])?;
                    self.report.consents += 1;
                }
                self.contacts.push(cid);
                self.report.contacts += 1;
            }
            let tag: String =
                data::fold(stem).to_ascii_uppercase().chars().filter(char::is_ascii_alphabetic).take(3).collect();
            self.employers.push(Employer {
                id,
                contacts: first..self.contacts.len() as u32,
                style: (i % 4) as u8,
                tag: if tag.len() == 3 { tag } else { "EMP".into() },
                next_number: self.rng.random_range(100..900),
                venue: format!("{estate}, {town}"),
            });
            self.report.employers += 1;
        }
        Ok(())
    }

    fn trainers(&mut self) -> Result<()> {
        let n = (self.opts.candidates / 20_000).max(4) as usize;
        let linked: Option<Id> = self
            .tx
            .query_row(
                "SELECT id FROM users WHERE role = 'trainer' AND disabled_at IS NULL ORDER BY created_at LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        for k in 0..n {
            let id = Id::new();
            let name = match data::TRAINER_NAMES.get(k) {
                Some(n) => (*n).to_owned(),
                None => format!(
                    "{} {}",
                    self.name(data::FORENAMES, self.common_forenames),
                    self.name(data::SURNAMES, self.common_surnames)
                ),
            };
            let user = if k == 0 { linked } else { None };
            self.tx.execute(
                "INSERT INTO trainers (id, user_id, name, phone, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, user, name, format!("+447700900{:03}", self.rng.random_range(0..1000)), at(start_date())],
            )?;
            // Every body has a trainer (dealt round them in turn), and each trainer a few more.
            let mut bodies: Vec<usize> = (0..data::BODIES.len()).filter(|b| b % n == k % n).collect();
            for _ in 0..self.rng.random_range(1..=2) {
                let b = self.rng.random_range(0..data::BODIES.len());
                if !bodies.contains(&b) {
                    bodies.push(b);
                }
            }
            for b in &bodies {
                let (code, ..) = data::BODIES[*b];
                let number = format!("{}-{:05}", &code[..2], self.rng.random_range(10_000..100_000));
                self.tx.execute(
                    "INSERT INTO trainer_registrations (trainer_id, scheme, number) VALUES (?1, ?2, ?3)",
                    params![id, code, number],
                )?;
            }
            for c in &mut self.courses {
                let teaches = match c.spec.body {
                    None => true,
                    Some(code) => bodies.iter().any(|b| data::BODIES[*b].0 == code),
                };
                if teaches {
                    c.trainers.push(k);
                }
            }
            self.trainers.push(id);
            self.report.trainers += 1;
        }
        Ok(())
    }

    fn pick_course(&mut self) -> usize {
        let mut x = self.rng.random_range(0..self.course_weights);
        for (i, c) in self.courses.iter().enumerate() {
            if x < c.spec.weight {
                return i;
            }
            x -= c.spec.weight;
        }
        self.courses.len() - 1
    }

    /// An employer, a few large ones getting most of the bookings.
    fn pick_employer(&mut self) -> u32 {
        let u: f64 = self.rng.random();
        ((u * u * self.employers.len() as f64) as u32).min(self.employers.len() as u32 - 1)
    }

    fn seat_count(&mut self) -> usize {
        const WEIGHTS: [u32; 8] = [4, 8, 14, 18, 18, 16, 12, 10];
        let mut x = self.rng.random_range(0..100);
        for (i, w) in WEIGHTS.iter().enumerate() {
            if x < *w {
                return i + 1;
            }
            x -= w;
        }
        8
    }

    /// The runs from 2007 to today, more each year as the centre grows, then any candidates still to
    /// place, then a few runs booked for the coming weeks.
    fn history(&mut self) -> Result<()> {
        let n = u64::from(self.opts.candidates);
        let today = self.opts.today;
        let span = (today - start_date()).num_days() as f64;
        // About 1.6 enrolments per candidate and 4.8 seats per run.
        let runs = (n * 16 / 48).max(1);
        for j in 0..runs {
            // Bookings grow threefold over the years: density 1 + 2t, so t = (sqrt(1 + 8f) - 1) / 2.
            let f = (j as f64 + 0.5) / runs as f64;
            let t = ((1.0 + 8.0 * f).sqrt() - 1.0) / 2.0;
            let day = start_date() + Duration::days((t * span) as i64);
            let target = ((n * (j + 1)) / runs) as u32;
            self.run(day, target, false)?;
        }
        while self.new_count < self.opts.candidates {
            let day = today - Duration::days(self.rng.random_range(0..28));
            self.run(day, self.opts.candidates, false)?;
        }
        let future = (runs / 400).max(3);
        for k in 0..future {
            let day = today + Duration::days(1 + (k * 56 / future) as i64);
            self.run(day, 0, true)?;
        }
        Ok(())
    }

    /// One run on or about `day`, filled with new candidates while fewer than `target` exist, and with
    /// candidates due back for another course.
    fn run(&mut self, day: NaiveDate, target: u32, future: bool) -> Result<()> {
        let ci = self.pick_course();
        let length = self.courses[ci].spec.length_days;
        let mut starts = weekday_on_or_before(day);
        if length >= 2.0 {
            starts -= Duration::days(i64::from(starts.weekday().num_days_from_monday()));
        }
        if starts < start_date() {
            starts = start_date();
        }
        let ends = course_end(starts, length);
        let on_site = !future && self.rng.random_bool(0.2);
        let site = on_site.then(|| self.pick_employer());
        let total = self.opts.candidates;
        let mut seats: Vec<Seat> = Vec::with_capacity(8);
        for _ in 0..self.seat_count() {
            let due_now = self.due.peek().is_some_and(|d| future || d.0.day <= starts);
            let seat = if site.is_some() {
                // On an employer's site: its own staff, newly registered.
                if self.new_count < (target + 8).min(total) {
                    self.new_candidate(starts, site)?
                } else {
                    break;
                }
            } else if !future && self.new_count < target.min(total) {
                self.new_candidate(starts, None)?
            } else if due_now {
                let Reverse(d) = self.due.pop().expect("peeked");
                Seat { candidate: d.candidate, employer: d.employer, done: d.done }
            } else if !future && self.new_count < (target + 8).min(total) {
                self.new_candidate(starts, None)?
            } else {
                break;
            };
            seats.push(seat);
        }
        if seats.is_empty() {
            return Ok(());
        }
        let booked = future || ends > self.opts.today;
        let run = Id::new();
        let (venue, employer, contact) = match site {
            Some(e) => {
                let range = self.employers[e as usize].contacts.clone();
                let contact = (!range.is_empty()).then(|| self.contacts[self.rng.random_range(range) as usize]);
                (self.employers[e as usize].venue.clone(), Some(self.employers[e as usize].id), contact)
            }
            None => (
                self.pick(&["Training centre, Hall 1", "Training centre, Hall 2", "Training centre, yard"]).to_owned(),
                None,
                None,
            ),
        };
        let created = at(starts - Duration::days(self.rng.random_range(7..42)));
        self.st.run.execute(params![
            run,
            self.courses[ci].id,
            starts.to_string(),
            ends.to_string(),
            venue,
            employer,
            contact,
            created
        ])?;
        let eligible = &self.courses[ci].trainers;
        let first = eligible[self.rng.random_range(0..eligible.len())];
        let mut run_trainers = vec![self.trainers[first]];
        if seats.len() >= 6 && eligible.len() > 1 && self.rng.random_bool(0.3) {
            let second = self.trainers[eligible[self.rng.random_range(0..eligible.len())]];
            if second != run_trainers[0] {
                run_trainers.push(second);
            }
        }
        for t in &run_trainers {
            self.st.run_trainer.execute(params![run, t])?;
        }
        self.report.runs += 1;
        if future {
            self.report.future_runs += 1;
        }
        self.report.first_run = Some(self.report.first_run.map_or(starts, |d| d.min(starts)));
        self.report.last_run = Some(self.report.last_run.map_or(starts, |d| d.max(starts)));
        for seat in seats {
            self.enrol(run, ci, &seat, ends, booked, run_trainers[0], &created)?;
            let next_chance = match seat.done {
                0 => 0.5,
                1 => 0.4,
                _ => 0.0,
            };
            if !future && self.rng.random_bool(next_chance) {
                // A refresher three years on, or another course within two years.
                let gap = if self.rng.random_bool(0.4) {
                    self.rng.random_range(1000..1120)
                } else {
                    self.rng.random_range(30..730)
                };
                self.due_seq += 1;
                self.due.push(Reverse(Due {
                    day: ends + Duration::days(gap),
                    seq: self.due_seq,
                    candidate: seat.candidate,
                    employer: seat.employer,
                    done: seat.done + 1,
                }));
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn enrol(
        &mut self,
        run: Id,
        ci: usize,
        seat: &Seat,
        assessed: NaiveDate,
        booked: bool,
        assessor: Id,
        created: &str,
    ) -> Result<()> {
        let id = Id::new();
        let status = if booked {
            "booked"
        } else {
            match self.rng.random_range(0..1000) {
                0..35 => "did_not_attend",
                35..60 => "withdrawn",
                _ => "attended",
            }
        };
        let employer = seat.employer.map(|e| self.employers[e as usize].id);
        self.st.enrolment.execute(params![id, run, seat.candidate, employer, status, created])?;
        self.report.enrolments += 1;
        if booked || status == "withdrawn" {
            return Ok(());
        }
        let attended = status == "attended";
        let components = self.courses[ci].components.len();
        let mut scores = Vec::with_capacity(components);
        if attended {
            let assessed_on = assessed.to_string();
            for k in 0..components {
                let (cid, rule) = self.courses[ci].components[k];
                let pass = self.rng.random_bool(self.courses[ci].component_pass);
                let score = self.score(rule, pass);
                let (mark, minor, major, competent) = match score {
                    Score::Marks { mark } => (Some(mark), None, None, None),
                    Score::Faults { minor, major } => (None, minor, major, None),
                    Score::Observation { competent } => (None, None, None, Some(competent)),
                };
                let comment = self.rng.random_bool(0.12).then(|| self.pick(data::COMMENTS));
                self.st.result.execute(params![
                    Id::new(),
                    id,
                    cid,
                    mark,
                    minor,
                    major,
                    competent,
                    assessed_on,
                    assessor,
                    comment,
                    at(assessed)
                ])?;
                self.report.results += 1;
                scores.push(Some(score));
            }
        }
        let course = &self.courses[ci];
        let computed = compute(&course.rules, &scores, attended, &course.grades);
        let graded = !course.grades.is_empty();
        let review = match computed.outcome {
            Outcome::Retest | Outcome::Fail if self.rng.random_bool(0.02) => {
                Some(("pass", graded.then_some("Pass"), self.pick(data::OVERRIDE_TO_PASS)))
            }
            Outcome::Pass if self.rng.random_bool(0.001) => Some(("retest", None, self.pick(data::OVERRIDE_TO_RETEST))),
            _ => None,
        };
        let (over, over_grade, reason, by, when) = match review {
            Some((o, g, r)) => {
                self.report.overrides += 1;
                (
                    Some(o),
                    g,
                    Some(r),
                    Some(self.actor.id()),
                    Some(at(assessed + Duration::days(self.rng.random_range(3..30)))),
                )
            }
            None => (None, None, None, None, None),
        };
        self.st.outcome.execute(params![
            id,
            computed.outcome.as_str(),
            computed.grade,
            over,
            over_grade,
            reason,
            by,
            when,
            at(assessed)
        ])?;
        self.report.outcomes += 1;
        if computed.outcome == Outcome::Pass {
            self.report.passes += 1;
        }
        Ok(())
    }

    fn score(&mut self, rule: ComponentRule, pass: bool) -> Score {
        match rule {
            ComponentRule::Marks { max_mark, pass_mark } => {
                let mark = if pass || pass_mark == 0 {
                    self.rng.random_range(pass_mark..=max_mark)
                } else {
                    self.rng.random_range((max_mark * 2 / 5).min(pass_mark - 1)..pass_mark)
                };
                Score::Marks { mark }
            }
            ComponentRule::Faults { max_minor_faults, max_major_faults } => {
                if pass {
                    let minor = self.rng.random_range(0..=max_minor_faults);
                    let major = if max_major_faults > 0 { self.rng.random_range(0..=max_major_faults) } else { 0 };
                    Score::Faults { minor: Some(minor), major: Some(major) }
                } else if self.rng.random_bool(0.6) {
                    let minor = self.rng.random_range(0..=max_minor_faults);
                    let major = self.rng.random_range(max_major_faults + 1..=max_major_faults + 2);
                    Score::Faults { minor: Some(minor), major: Some(major) }
                } else {
                    Score::Faults {
                        minor: Some(self.rng.random_range(max_minor_faults + 1..=max_minor_faults + 4)),
                        major: Some(0),
                    }
                }
            }
            ComponentRule::Observation => Score::Observation { competent: pass },
        }
    }

    /// Registers a new candidate first seen on a run starting `day`; on an employer's site they work
    /// there, otherwise most work for someone and the rest booked themselves.
    fn new_candidate(&mut self, day: NaiveDate, site: Option<u32>) -> Result<Seat> {
        let seq = self.new_count;
        self.new_count += 1;
        let forename = self.name(data::FORENAMES, self.common_forenames);
        let surname = self.name(data::SURNAMES, self.common_surnames);
        let employer = site.or_else(|| self.rng.random_bool(0.85).then(|| self.pick_employer()));
        let dob = self.rng.random_bool(0.88).then(|| {
            let age_days = self.rng.random_range(17 * 365..62 * 365);
            let d = day - Duration::days(age_days);
            d.clamp(
                NaiveDate::from_ymd_opt(1950, 1, 1).expect("date"),
                NaiveDate::from_ymd_opt(2006, 12, 31).expect("date"),
            )
        });
        let ni = self.rng.random_bool(0.6).then(|| self.ni_number(seq));
        let (address, postcode) = if self.rng.random_bool(0.5) {
            let (town, outwards) = self.pick(data::TOWNS);
            let number = self.rng.random_range(1..200);
            let street = self.pick(data::STREETS);
            (Some(format!("{number} {street}\n{town}")), Some(self.postcode(outwards)))
        } else {
            (None, None)
        };
        let (f, s) = (data::fold(forename).to_ascii_lowercase(), data::fold(surname).to_ascii_lowercase());
        let email = self.rng.random_bool(0.35).then(|| {
            let domain = self.pick(&["example.com", "example.co.uk", "mail.example"]);
            format!("{f}.{s}{}@{domain}", seq % 100)
        });
        let mobile = self.rng.random_bool(0.55).then(|| format!("+447700900{:03}", self.rng.random_range(0..1000)));
        let licence = match dob {
            Some(d) if self.rng.random_bool(0.15) => Some(self.licence(surname, forename, d)),
            _ => None,
        };
        // Exactly `photos` of the candidates, spread evenly.
        let (p, n) = (u64::from(self.opts.photos), u64::from(self.opts.candidates));
        let photo = ((u64::from(seq) + 1) * p / n > u64::from(seq) * p / n).then(|| self.portrait(seq));
        let id = Id::new();
        let created = at(day - Duration::days(self.rng.random_range(7..42)));
        if let Some(e) = employer {
            let emp = &mut self.employers[e as usize];
            emp.next_number += 1 + (seq % 3);
            let n = emp.next_number;
            let number = match emp.style {
                0 => format!("E{n:05}"),
                1 => format!("{n:06}"),
                2 => format!("{}{n:04}", emp.tag),
                _ => format!("PN-{n:05}"),
            };
            let (emp_id, started) = (emp.id, day - Duration::days(self.rng.random_range(0..3000)));
            self.st.employment.execute(params![Id::new(), id, emp_id, number, started.to_string()])?;
            self.report.employed += 1;
        }
        self.st.candidate.execute(params![
            id,
            forename,
            surname,
            ni,
            dob.map(|d| d.to_string()),
            address,
            postcode,
            email,
            mobile,
            licence,
            photo,
            created
        ])?;
        self.report.candidates += 1;
        if photo.is_some() {
            self.report.photos += 1;
        }
        Ok(Seat { candidate: id, employer, done: 0 })
    }

    /// A placeholder portrait, one of [`PORTRAITS`] looks, each drawn once and then reused.
    fn portrait(&mut self, seq: u32) -> Vec<u8> {
        let look = (u64::from(seq).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize % PORTRAITS;
        let seed = self.opts.seed.rotate_left(17) ^ look as u64;
        self.portraits[look].get_or_insert_with(|| Photo::placeholder(seed).into_bytes()).clone()
    }

    /// A driving licence number in the DVLA's shape: surname, decade, month, day, year, initials, a
    /// digit and two check letters.
    fn licence(&mut self, surname: &str, forename: &str, dob: NaiveDate) -> String {
        let mut s: String =
            data::fold(surname).to_ascii_uppercase().chars().filter(char::is_ascii_alphabetic).take(5).collect();
        while s.len() < 5 {
            s.push('9');
        }
        let initial = data::fold(forename).to_ascii_uppercase().chars().next().unwrap_or('9');
        let y = dob.year() % 100;
        let checks: String = (0..2).map(|_| (b'A' + self.rng.random_range(0..26)) as char).collect();
        format!(
            "{s}{}{:02}{:02}{}{initial}9{}{checks}",
            y / 10,
            dob.month(),
            dob.day(),
            y % 10,
            self.rng.random_range(0..10)
        )
    }
}

#[cfg(test)]
mod tests;
