//! The working-day calendar against an independent source: the `chinese-calendar` package of
//! PyPI (its own table of the State Council's schedules), for every day of 2025 and 2026.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{Datelike, NaiveDate};
use utility_eval::calendar::Calendar;

use crate::support::missing;

/// The Python with chinese_calendar: `UTILITY_EVAL_PYTHON`, else the repository's `.venv`.
fn python() -> Option<PathBuf> {
    let p = std::env::var_os("UTILITY_EVAL_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"));
    let ok = Command::new(&p)
        .args(["-c", "import chinese_calendar"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        missing("chinese_calendar");
        return None;
    }
    Some(p)
}

#[test]
fn every_day_of_2025_and_2026_is_a_working_day_exactly_when_chinese_calendar_says_so() {
    let Some(python) = python() else { return };
    let script = "import datetime, chinese_calendar as cc\n\
                  d = datetime.date(2025, 1, 1)\n\
                  while d.year < 2027:\n    print(d.isoformat(), int(cc.is_workday(d)))\n    d += datetime.timedelta(days=1)\n";
    let o = Command::new(python).args(["-c", script]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let calendar = Calendar::builtin();
    let mut days = 0;
    let mut differ = Vec::new();
    for line in String::from_utf8(o.stdout).unwrap().lines() {
        let (date, working) = line.split_once(' ').unwrap();
        let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        if calendar.is_working(d) != (working == "1") {
            differ.push(format!("{d} ({:?})", d.weekday()));
        }
        days += 1;
    }
    assert_eq!(days, 365 + 365);
    assert!(differ.is_empty(), "days the calendar counts otherwise: {differ:?}");
}
