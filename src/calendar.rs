//! Working days (SPEC §11): Monday to Friday, minus the statutory holidays, plus the weekend
//! days made working days (调休), as the State Council publishes them each year
//! (`templates/calendar.toml`). A date in a year the calendar lacks counts Monday to Friday, and
//! a count that used such a year says so, for the documents to tell the reader.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

/// The calendar shipped with the program.
pub const DEFAULT_CALENDAR: &str = include_str!("../templates/calendar.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    #[serde(default)]
    year: Vec<RawYear>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: i32,
    #[allow(dead_code)]
    source: Option<String>,
    #[serde(default)]
    holidays: Vec<RawHoliday>,
    #[serde(default)]
    workdays: Vec<RawDay>,
}

/// A date as the file writes it: quoted ("2026-10-01") or as a TOML date (2026-10-01).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawDay {
    Text(String),
    Toml(toml::value::Datetime),
}

impl RawDay {
    fn date(&self) -> Result<NaiveDate, String> {
        let text = match self {
            RawDay::Text(t) => t.trim().to_string(),
            RawDay::Toml(d) => d.date.map(|d| d.to_string()).unwrap_or_else(|| d.to_string()),
        };
        NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| format!("“{text}”不是日期,应写作 2026-10-01"))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    name: String,
    from: RawDay,
    to: RawDay,
}

/// One year's exceptions to Monday–Friday.
#[derive(Debug, Clone, PartialEq, Default)]
struct Year {
    /// Days off, weekdays or not.
    holidays: BTreeSet<NaiveDate>,
    /// Weekend days worked.
    workdays: BTreeSet<NaiveDate>,
}

/// The working-day calendar.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Calendar {
    years: BTreeMap<i32, Year>,
}

/// A date counted in working days, and whether the count went through a year the calendar
/// does not know (counted Monday to Friday there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub date: NaiveDate,
    pub estimated: bool,
}

impl Calendar {
    /// The calendar shipped with the program.
    pub fn builtin() -> Calendar {
        Calendar::parse(DEFAULT_CALENDAR, Path::new("templates/calendar.toml"))
            .expect("the embedded calendar is valid (checked by a unit test)")
    }

    /// Reads and checks a calendar file's text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Calendar, String> {
        let raw: RawCalendar = toml::from_str(text).map_err(|e| crate::text::toml_error_zh(path, text, &e))?;
        let err = |msg: String| format!("工作日历 {}:{msg}", path.display());
        let mut years = BTreeMap::new();
        for y in raw.year {
            let mut year = Year::default();
            for h in &y.holidays {
                let (from, to) = (h.from.date().map_err(&err)?, h.to.date().map_err(&err)?);
                if to < from {
                    return Err(err(format!(
                        "{} 年“{}”的结束日期 {to} 早于开始日期 {from}",
                        y.year, h.name
                    )));
                }
                let mut d = from;
                while d <= to {
                    year.holidays.insert(d);
                    match d.succ_opt() {
                        Some(next) => d = next,
                        None => break,
                    }
                }
            }
            for d in &y.workdays {
                let d = d.date().map_err(&err)?;
                if !weekend(d) {
                    return Err(err(format!("{} 年的调休上班日 {d} 不是周末", y.year)));
                }
                if year.holidays.contains(&d) {
                    return Err(err(format!("{d} 既是假日又是调休上班日")));
                }
                year.workdays.insert(d);
            }
            let stray = (year.holidays.iter().chain(&year.workdays)).find(|d| d.year() != y.year);
            if let Some(d) = stray {
                return Err(err(format!("{} 年的安排中有 {d},不在这一年", y.year)));
            }
            if years.insert(y.year, year).is_some() {
                return Err(err(format!("{} 年写了两次", y.year)));
            }
        }
        Ok(Calendar { years })
    }

    /// Whether the calendar has the year's holiday schedule.
    pub fn knows(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// Whether `d` is a working day (Monday to Friday in a year the calendar lacks).
    pub fn is_working(&self, d: NaiveDate) -> bool {
        match self.years.get(&d.year()) {
            Some(y) => y.workdays.contains(&d) || (!weekend(d) && !y.holidays.contains(&d)),
            None => !weekend(d),
        }
    }

    /// The `n`th working day after `from` (`from` itself not counted): a deadline of `n`
    /// working days from `from`.
    pub fn after(&self, from: NaiveDate, n: u32) -> Counted {
        let mut d = from;
        let mut estimated = false;
        let mut counted = 0;
        while counted < n {
            d = d.succ_opt().unwrap_or(d);
            estimated |= !self.knows(d.year());
            if self.is_working(d) {
                counted += 1;
            }
        }
        Counted { date: d, estimated }
    }

    /// The last day of a period of `n` working days starting on `from` (counted as the first
    /// when it is a working day): a public notice period.
    pub fn span(&self, from: NaiveDate, n: u32) -> Counted {
        if self.is_working(from) {
            let rest = self.after(from, n.max(1) - 1);
            Counted {
                date: rest.date,
                estimated: rest.estimated || !self.knows(from.year()),
            }
        } else {
            self.after(from, n.max(1))
        }
    }
}

fn weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_shipped_calendar_reads() {
        let c = Calendar::builtin();
        assert!(c.knows(2025) && c.knows(2026) && !c.knows(2027));
    }

    #[test]
    fn a_deadline_across_national_day_skips_the_holiday_and_counts_the_make_up_saturday() {
        let c = Calendar::builtin();
        // Released Tuesday 2026-09-29: Wed 30th is day 1; 1–7 October are off; Thu 8th, Fri 9th,
        // Sat 10th (调休上班) and Mon 12th are days 2–5.
        assert_eq!(
            c.after(day("2026-09-29"), 5),
            Counted {
                date: day("2026-10-12"),
                estimated: false
            }
        );
        // Fifteen: Tue 13th … Fri 16th (9), Mon 19th … Fri 23rd (14), Mon 26th (15).
        assert_eq!(c.after(day("2026-09-29"), 15).date, day("2026-10-26"));
    }

    #[test]
    fn a_year_the_calendar_lacks_counts_monday_to_friday_and_says_so() {
        let c = Calendar::builtin();
        // Thursday 2027-01-28 + 3: Fri, Mon, Tue.
        assert_eq!(
            c.after(day("2027-01-28"), 3),
            Counted {
                date: day("2027-02-02"),
                estimated: true
            }
        );
        // From 2026-12-30 (Wed): Thu 31st, then 2027.
        assert!(c.after(day("2026-12-30"), 2).estimated);
        assert!(!c.after(day("2026-12-28"), 2).estimated);
    }

    #[test]
    fn a_notice_period_counts_its_first_day_when_it_is_a_working_day() {
        let c = Calendar::builtin();
        // Thursday 2026-10-15: Thu, Fri, Mon, Tue, Wed.
        assert_eq!(c.span(day("2026-10-15"), 5).date, day("2026-10-21"));
        // Saturday 2026-10-10 is a working day (调休): Sat, Mon … Thu.
        assert_eq!(c.span(day("2026-10-10"), 5).date, day("2026-10-15"));
        // From a holiday, the count starts on the next working day.
        assert_eq!(c.span(day("2026-10-03"), 1).date, day("2026-10-08"));
    }

    #[test]
    fn mistakes_in_a_calendar_file_are_named() {
        let bad = [
            ("[[year]]\nyear = 2027\nworkdays = [2027-03-03]\n", "不是周末"),
            ("[[year]]\nyear = 2027\nworkdays = [\"2027-03-03\"]\n", "不是周末"),
            ("[[year]]\nyear = 2027\nworkdays = [\"3月3日\"]\n", "不是日期"),
            (
                "[[year]]\nyear = 2027\nholidays = [{ name = \"元旦\", from = 2027-01-03, to = 2027-01-01 }]\n",
                "早于开始日期",
            ),
            ("[[year]]\nyear = 2027\nworkdays = [2028-01-01]\n", "不在这一年"),
            ("[[year]]\nyear = 2027\n[[year]]\nyear = 2027\n", "写了两次"),
        ];
        for (text, said) in bad {
            let e = Calendar::parse(text, Path::new("c.toml")).unwrap_err();
            assert!(e.contains(said), "{e}");
        }
    }
}
