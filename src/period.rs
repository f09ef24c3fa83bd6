//! Reporting periods (所属期) and return kinds (报表类型): the parsing of every form a
//! county office writes them in, and their canonical text (`2026-10`, `2026Q4`).

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::text::{match_key, to_half_width};

/// A month or a quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Month { year: i32, month: u32 },
    Quarter { year: i32, quarter: u32 },
}

impl Period {
    /// Parses `2026-10`, `2026年10月`, `2026年10月份`, `202610`, `2026.10`, `2026/10`,
    /// `2026Q4`, `2026-Q4`, `2026年第4季度`, `2026年第四季度`, `2026年4季度`.
    pub fn parse(s: &str) -> Option<Period> {
        let s: String = to_half_width(s).chars().filter(|c| !c.is_whitespace()).collect();
        let s = s.to_uppercase();
        let year: i32 = s.get(..4)?.parse().ok()?;
        if !(2000..=2100).contains(&year) {
            return None;
        }
        let rest = &s[4..];
        let rest = rest.strip_prefix(['-', '.', '/', '年']).unwrap_or(rest);
        // Quarters.
        let q = rest
            .strip_prefix('Q')
            .or_else(|| rest.strip_prefix('第').and_then(|r| r.strip_suffix("季度")))
            .or_else(|| rest.strip_suffix("季度"));
        if let Some(q) = q {
            let quarter = match q {
                "1" | "一" => 1,
                "2" | "二" => 2,
                "3" | "三" => 3,
                "4" | "四" => 4,
                _ => return None,
            };
            return Some(Period::Quarter { year, quarter });
        }
        let m = rest
            .strip_suffix("月份")
            .or_else(|| rest.strip_suffix('月'))
            .unwrap_or(rest);
        if m.is_empty() || m.len() > 2 || !m.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let month: u32 = m.parse().ok()?;
        (1..=12).contains(&month).then_some(Period::Month { year, month })
    }

    /// The month a date cell typed as `2026-10` became in Excel.
    pub fn month_of(date: NaiveDate) -> Period {
        Period::Month {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        let (y, m) = match self {
            Period::Month { year, month } => (year, month),
            Period::Quarter { year, quarter } => (year, quarter * 3 - 2),
        };
        NaiveDate::from_ymd_opt(y, m, 1).expect("valid period")
    }

    pub fn last_day(self) -> NaiveDate {
        let (y, m) = match self {
            Period::Month { year, month } => (year, month),
            Period::Quarter { year, quarter } => (year, quarter * 3),
        };
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        NaiveDate::from_ymd_opt(ny, nm, 1)
            .expect("valid period")
            .pred_opt()
            .expect("valid date")
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.first_day() <= date && date <= self.last_day()
    }

    pub fn is_quarter(self) -> bool {
        matches!(self, Period::Quarter { .. })
    }

    /// The kind of return its scores come from: a month's from the monthly self-assessments,
    /// a quarter's from the quarterly sampled survey.
    pub fn kind(self) -> ReturnKind {
        if self.is_quarter() {
            ReturnKind::Quarterly
        } else {
            ReturnKind::Monthly
        }
    }

    /// The previous period of the same kind.
    pub fn previous(self) -> Period {
        match self {
            Period::Month { year, month: 1 } => Period::Month {
                year: year - 1,
                month: 12,
            },
            Period::Month { year, month } => Period::Month { year, month: month - 1 },
            Period::Quarter { year, quarter: 1 } => Period::Quarter {
                year: year - 1,
                quarter: 4,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter - 1,
            },
        }
    }

    /// The months it spans: a quarter's three, or the month itself.
    pub fn months(self) -> Vec<Period> {
        match self {
            Period::Quarter { year, quarter } => (1..=3)
                .map(|i| Period::Month {
                    year,
                    month: quarter * 3 - 3 + i,
                })
                .collect(),
            p => vec![p],
        }
    }

    /// The quarter it lies in (a quarter is its own).
    pub fn quarter(self) -> Period {
        match self {
            Period::Month { year, month } => Period::Quarter {
                year,
                quarter: (month - 1) / 3 + 1,
            },
            q => q,
        }
    }

    /// How people read it: `2026年10月`, `2026年第4季度`.
    pub fn label_zh(self) -> String {
        match self {
            Period::Month { year, month } => format!("{year}年{month}月"),
            Period::Quarter { year, quarter } => format!("{year}年第{quarter}季度"),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month { year, month } => write!(f, "{year}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year}Q{quarter}"),
        }
    }
}

/// What a return is (报表类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReturnKind {
    /// 月度自评: monthly self-assessment.
    Monthly,
    /// 季度抽查: the city's quarterly sampled survey.
    Quarterly,
    /// 样本名单: a sample frame of users to draw the quarterly sample from.
    Frame,
    /// 不定期抽查: an unscheduled sampled survey of the city unit, in a month (SPEC §13).
    Adhoc,
}

impl ReturnKind {
    pub const ALL: [ReturnKind; 4] = [
        ReturnKind::Monthly,
        ReturnKind::Quarterly,
        ReturnKind::Frame,
        ReturnKind::Adhoc,
    ];

    /// Parses 月度自评/月报/月度, 季度抽查/抽查/季度, 样本名单/样本, 不定期抽查/专项抽查.
    pub fn parse(s: &str) -> Option<ReturnKind> {
        match match_key(s).as_str() {
            "月度自评" | "月报" | "月度" | "自评" | "月度自评表" | "MONTHLY" => {
                Some(ReturnKind::Monthly)
            }
            "季度抽查" | "抽查" | "季度" | "季度抽查表" | "季度抽查回访表" | "QUARTERLY" => {
                Some(ReturnKind::Quarterly)
            }
            "样本名单" | "样本" | "样本用户名单" | "FRAME" => Some(ReturnKind::Frame),
            "不定期抽查" | "专项抽查" | "不定期抽样调查" | "专项调查" | "ADHOC" => {
                Some(ReturnKind::Adhoc)
            }
            _ => None,
        }
    }

    /// The Chinese name used in forms and reports.
    pub fn label(self) -> &'static str {
        match self {
            ReturnKind::Monthly => "月度自评",
            ReturnKind::Quarterly => "季度抽查",
            ReturnKind::Frame => "样本名单",
            ReturnKind::Adhoc => "不定期抽查",
        }
    }

    /// The code stored in the database and used on the command line.
    pub fn code(self) -> &'static str {
        match self {
            ReturnKind::Monthly => "monthly",
            ReturnKind::Quarterly => "quarterly",
            ReturnKind::Frame => "frame",
            ReturnKind::Adhoc => "adhoc",
        }
    }

    pub fn from_code(code: &str) -> Option<ReturnKind> {
        ReturnKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// A sampled survey of the city unit (季度抽查, 不定期抽查): only the city unit submits one,
    /// and its surveyors may say why a user was not reached.
    pub fn is_sampled(self) -> bool {
        matches!(self, ReturnKind::Quarterly | ReturnKind::Adhoc)
    }

    /// Whether its period must be a quarter (true), a month (false), or either (None).
    pub fn wants_quarter(self) -> Option<bool> {
        match self {
            ReturnKind::Monthly => Some(false),
            ReturnKind::Quarterly => Some(true),
            ReturnKind::Adhoc => Some(false),
            ReturnKind::Frame => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(year: i32, month: u32) -> Option<Period> {
        Some(Period::Month { year, month })
    }
    fn q(year: i32, quarter: u32) -> Option<Period> {
        Some(Period::Quarter { year, quarter })
    }

    #[test]
    fn months_in_every_written_form() {
        for s in [
            "2026-10",
            "2026年10月",
            "2026年10月份",
            "202610",
            "2026.10",
            "2026/10",
            "２０２６年１０月",
            " 2026 - 10 ",
        ] {
            assert_eq!(Period::parse(s), m(2026, 10), "{s}");
        }
        assert_eq!(Period::parse("2026-7"), m(2026, 7));
        assert_eq!(Period::parse("2026年7月"), m(2026, 7));
        assert_eq!(Period::parse("2026-13"), None);
        assert_eq!(Period::parse("2026-00"), None);
        assert_eq!(Period::parse("10月"), None);
        assert_eq!(Period::parse("20261005"), None);
    }

    #[test]
    fn quarters_in_every_written_form() {
        for s in [
            "2026Q4",
            "2026-Q4",
            "2026q4",
            "2026年第4季度",
            "2026年第四季度",
            "2026年4季度",
            "2026年四季度",
        ] {
            assert_eq!(Period::parse(s), q(2026, 4), "{s}");
        }
        assert_eq!(Period::parse("2026Q5"), None);
    }

    #[test]
    fn bounds_and_labels() {
        let p = Period::parse("2026Q1").unwrap();
        assert_eq!(p.first_day(), NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        assert_eq!(p.last_day(), NaiveDate::from_ymd_opt(2026, 3, 31).unwrap());
        let feb = Period::parse("2028-02").unwrap();
        assert_eq!(feb.last_day(), NaiveDate::from_ymd_opt(2028, 2, 29).unwrap());
        assert_eq!(
            Period::parse("2026-12").unwrap().last_day(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        assert_eq!(p.to_string(), "2026Q1");
        assert_eq!(feb.to_string(), "2028-02");
        assert_eq!(feb.label_zh(), "2028年2月");
        assert!(p.contains(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()));
        assert!(!p.contains(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()));
    }

    #[test]
    fn arithmetic() {
        let jan = Period::parse("2026-01").unwrap();
        assert_eq!(jan.previous(), Period::parse("2025-12").unwrap());
        assert_eq!(
            Period::parse("2026Q1").unwrap().previous(),
            Period::parse("2025Q4").unwrap()
        );
        assert_eq!(
            Period::parse("2026Q3").unwrap().months(),
            ["2026-07", "2026-08", "2026-09"].map(|m| Period::parse(m).unwrap())
        );
        assert_eq!(
            Period::parse("2026-09").unwrap().quarter(),
            Period::parse("2026Q3").unwrap()
        );
        assert_eq!(
            Period::parse("2026-10").unwrap().quarter(),
            Period::parse("2026Q4").unwrap()
        );
        assert_eq!(jan.kind(), ReturnKind::Monthly);
        assert_eq!(jan.quarter().kind(), ReturnKind::Quarterly);
    }

    #[test]
    fn kinds_in_every_written_form() {
        assert_eq!(ReturnKind::parse("月度自评"), Some(ReturnKind::Monthly));
        assert_eq!(ReturnKind::parse("月报"), Some(ReturnKind::Monthly));
        assert_eq!(ReturnKind::parse(" 季度抽查 "), Some(ReturnKind::Quarterly));
        assert_eq!(ReturnKind::parse("抽查"), Some(ReturnKind::Quarterly));
        assert_eq!(ReturnKind::parse("样本名单"), Some(ReturnKind::Frame));
        assert_eq!(ReturnKind::parse("年报"), None);
    }
}
