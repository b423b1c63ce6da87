//! The rules of time: what a run's calendar allows on a given day. Results wait for the assessment
//! day (the first day when the run has none), attendance for the day it is for (and only a day of
//! the run), certificates for the end of the course, and no assessment is dated after today.
//!
//! Each rule is a pure function of the run's dates and `today`, so it is tested for every edge
//! without a clock; the record functions pass [`today`], the one clock of the core (the centre's
//! local calendar day: a result typed at 00:30 BST belongs to that day, not to UTC's previous one).

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};

use crate::{Error, Id, Result};

/// Today on the centre's calendar: the one clock the records consult.
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The dates of a run the rules look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RunDays {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub assessment_on: Option<NaiveDate>,
}

impl RunDays {
    /// Reads a run's dates.
    pub(crate) fn of(conn: &Connection, run: Id) -> Result<Self> {
        let (s, e, a): (String, String, Option<String>) = conn
            .query_row("SELECT starts_on, ends_on, assessment_on FROM course_runs WHERE id = ?1", [run], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?
            .ok_or(Error::NotFound { what: "run", name: run.to_string() })?;
        let day = |s: &str| s.parse::<NaiveDate>().map_err(|_| Error::damaged(conn, "a run's date is not a date"));
        Ok(RunDays { starts_on: day(&s)?, ends_on: day(&e)?, assessment_on: a.as_deref().map(day).transpose()? })
    }

    /// The first day results may be recorded: the assessment day, else the first day.
    pub(crate) fn results_from(self) -> NaiveDate {
        self.assessment_on.unwrap_or(self.starts_on)
    }

    /// The day a certificate may be issued from: the course's end (or a later assessment day).
    pub(crate) fn certificates_from(self) -> NaiveDate {
        self.assessment_on.map_or(self.ends_on, |a| a.max(self.ends_on))
    }

    /// Every day of the run, first to last.
    pub(crate) fn days(self) -> Vec<NaiveDate> {
        self.starts_on.iter_days().take_while(|d| *d <= self.ends_on).collect()
    }
}

/// Results for the run, dated `assessed_on` when one is given: not before the run's assessment day,
/// and not dated before that day nor after today.
pub(crate) fn check_result(run: RunDays, today: NaiveDate, assessed_on: Option<NaiveDate>) -> Result<()> {
    let from = run.results_from();
    if today < from {
        return Err(Error::NotYet { what: "results for this run can be recorded", until: from });
    }
    if let Some(d) = assessed_on {
        if d > today {
            return Err(Error::NotYet { what: "a result with that assessment date can be recorded", until: d });
        }
        if d < from {
            return Err(Error::invalid(
                "assessment date",
                format!("is before the run's assessment day ({})", from.format("%d/%m/%Y")),
            ));
        }
    }
    Ok(())
}

/// A mark of attendance for one `day` of the run: a day of the run, and not a day still to come.
pub(crate) fn check_attendance_day(run: RunDays, today: NaiveDate, day: NaiveDate) -> Result<()> {
    if day < run.starts_on || day > run.ends_on {
        return Err(Error::invalid(
            "day",
            format!(
                "is not a day of this run ({} to {})",
                run.starts_on.format("%d/%m/%Y"),
                run.ends_on.format("%d/%m/%Y")
            ),
        ));
    }
    if day > today {
        return Err(Error::NotYet { what: "attendance for that day can be recorded", until: day });
    }
    Ok(())
}

/// The run's overall attendance (attended, did not attend): not before its first day. Booked and
/// withdrawn are plans, allowed any time.
pub(crate) fn check_run_attendance(run: RunDays, today: NaiveDate) -> Result<()> {
    if today < run.starts_on {
        return Err(Error::NotYet { what: "attendance for this run can be recorded", until: run.starts_on });
    }
    Ok(())
}

/// A certificate issued on `on`: the course must have ended by today and by the issue date.
pub(crate) fn check_issue(run: RunDays, today: NaiveDate, on: NaiveDate) -> Result<()> {
    let from = run.certificates_from();
    if today < from || on < from {
        return Err(Error::NotYet { what: "certificates for this run can be issued", until: from });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, day).unwrap()
    }

    /// A run of 7–11 December, assessed on the 11th: the issue's example.
    fn week() -> RunDays {
        RunDays { starts_on: d(7), ends_on: d(11), assessment_on: Some(d(11)) }
    }

    fn until(r: Result<()>) -> Option<NaiveDate> {
        match r {
            Err(Error::NotYet { until, .. }) => Some(until),
            Ok(()) => None,
            Err(e) => panic!("expected not yet, got {e}"),
        }
    }

    #[test]
    fn results_wait_for_the_assessment_day_or_the_first_day_without_one() {
        assert_eq!(until(check_result(week(), d(4), None)), Some(d(11)));
        assert_eq!(until(check_result(week(), d(10), None)), Some(d(11)));
        assert_eq!(until(check_result(week(), d(11), None)), None);
        let no_test_day = RunDays { assessment_on: None, ..week() };
        assert_eq!(until(check_result(no_test_day, d(6), None)), Some(d(7)));
        assert_eq!(until(check_result(no_test_day, d(7), None)), None);
    }

    #[test]
    fn an_assessment_date_after_today_or_before_the_assessment_day_is_refused() {
        assert_eq!(until(check_result(week(), d(12), Some(d(13)))), Some(d(13)));
        let e = check_result(week(), d(12), Some(d(9))).unwrap_err();
        assert!(matches!(e, Error::Invalid { field: "assessment date", .. }), "{e}");
        assert!(e.to_string().contains("11/12/2026"), "{e}");
        check_result(week(), d(12), Some(d(12))).unwrap();
    }

    #[test]
    fn attendance_is_for_a_day_of_the_run_that_has_come() {
        assert_eq!(until(check_attendance_day(week(), d(8), d(9))), Some(d(9)));
        check_attendance_day(week(), d(9), d(9)).unwrap();
        check_attendance_day(week(), d(20), d(7)).unwrap();
        let e = check_attendance_day(week(), d(20), d(12)).unwrap_err();
        assert!(matches!(e, Error::Invalid { field: "day", .. }), "{e}");
        assert!(matches!(check_attendance_day(week(), d(20), d(6)), Err(Error::Invalid { .. })));
        assert_eq!(until(check_run_attendance(week(), d(6))), Some(d(7)));
        check_run_attendance(week(), d(7)).unwrap();
    }

    #[test]
    fn certificates_wait_for_the_end_of_the_course_whatever_date_is_asked() {
        assert_eq!(until(check_issue(week(), d(4), d(4))), Some(d(11)));
        // Backdating the issue to before the end is refused even once the course has ended.
        assert_eq!(until(check_issue(week(), d(14), d(10))), Some(d(11)));
        check_issue(week(), d(11), d(11)).unwrap();
        let late_test = RunDays { assessment_on: Some(d(15)), ..week() };
        assert_eq!(until(check_issue(late_test, d(12), d(12))), Some(d(15)));
    }

    #[test]
    fn a_run_lists_each_of_its_days() {
        assert_eq!(week().days(), vec![d(7), d(8), d(9), d(10), d(11)]);
    }
}
