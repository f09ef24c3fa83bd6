//! Complaint cases (差评件, SPEC §11) as plain data: every valid response of a released period
//! with an unfavourable five-level answer or the unfavourable answer on a red-line item, with
//! its stable number and its deadlines in working days from the release date.

use chrono::NaiveDate;

/// A complaint case and what the ledger shows of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// `2026-09-GS01-007`: period, enterprise code, its place among the enterprise's cases.
    pub number: String,
    pub period: crate::period::Period,
    /// The enterprise's code.
    pub enterprise: String,
    /// The response it was opened from.
    pub response_id: i64,
    pub user_name: String,
    pub phone: Option<String>,
    pub survey_date: Option<String>,
    /// The unfavourable answers: `Q12 报装服务总体满意度:不满意`, one per item.
    pub aspects: Vec<String>,
    /// The respondent's complaint (意见或投诉), if any.
    pub opinion: Option<String>,
    /// The release date it was opened on.
    pub opened_on: NaiveDate,
    pub callback_due: NaiveDate,
    pub rectify_due: NaiveDate,
    /// A deadline was counted Monday to Friday (a year the working-day calendar lacks).
    pub estimated: bool,
    /// The respondent's utility (供水, 供气), type and monthly usage (m³), when given: a large
    /// customer's bad review is listed apart in the ledger (SPEC §12).
    pub utility: String,
    pub user_type: Option<String>,
    pub monthly_usage: Option<f64>,
}

/// Where a case stands on a day (SPEC §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStatus {
    /// Waiting for the call-back, its deadline not passed.
    AwaitingCallback,
    /// Called back, not yet rectified, the rectification deadline not passed.
    CalledBack,
    /// Rectified (a completion date reported).
    Rectified,
    /// A deadline passed without its step.
    Overdue,
    /// Appealed, waiting for the city bureau's review.
    Appealing,
    /// The appeal was upheld: the case is closed and its response excluded from every score.
    AppealUpheld,
    /// The appeal was rejected: the case is open again.
    AppealRejected,
}

impl CaseStatus {
    pub fn label(self) -> &'static str {
        match self {
            CaseStatus::AwaitingCallback => "待回访",
            CaseStatus::CalledBack => "已回访",
            CaseStatus::Rectified => "已整改",
            CaseStatus::Overdue => "超期",
            CaseStatus::Appealing => "申诉中",
            CaseStatus::AppealUpheld => "申诉成立",
            CaseStatus::AppealRejected => "申诉不成立",
        }
    }

    /// Every status, in the order of a case's life.
    pub const ALL: [CaseStatus; 7] = [
        CaseStatus::AwaitingCallback,
        CaseStatus::CalledBack,
        CaseStatus::Rectified,
        CaseStatus::Overdue,
        CaseStatus::Appealing,
        CaseStatus::AppealUpheld,
        CaseStatus::AppealRejected,
    ];

    /// Still to be worked on by the enterprise (it goes on its next ledger).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            CaseStatus::Rectified | CaseStatus::AppealUpheld | CaseStatus::Appealing
        )
    }
}

/// One row of a returned ledger's sheet of cases: what the enterprise reported of a case.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CaseReport {
    pub number: String,
    /// The ledger it came in (later ledgers have larger ids) and its row (1-based).
    pub file_id: i64,
    pub row: u32,
    pub called_on: Option<NaiveDate>,
    /// 已联系 or 无法联系.
    pub call_result: Option<String>,
    /// 属实, 部分属实 or 不属实.
    pub verified: Option<String>,
    pub measures: Option<String>,
    pub done_on: Option<NaiveDate>,
    /// 满意, 基本满意 or 不满意.
    pub user_rating: Option<String>,
    pub appeal: bool,
    pub appeal_reason: Option<String>,
}

/// One row of a returned ledger's sheet of improvement items.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ItemReport {
    pub item_id: String,
    pub enterprise: String,
    pub file_id: i64,
    pub row: u32,
    pub measures: Option<String>,
    pub department: Option<String>,
    /// 已完成, 整改中 or 无法整改.
    pub progress: Option<String>,
    pub done_on: Option<NaiveDate>,
    pub note: Option<String>,
}

/// The city bureau's decision on an appeal (申诉复核).
#[derive(Debug, Clone, PartialEq)]
pub struct AppealReview {
    pub number: String,
    pub file_id: i64,
    pub row: u32,
    pub upheld: bool,
    pub opinion: Option<String>,
    /// The unit that returned the review, and the day it came in.
    pub decided_by: String,
    pub decided_on: NaiveDate,
}

/// A case with everything reported of it, as it stands on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseState {
    pub status: CaseStatus,
    /// The latest report's call-back and completion dates.
    pub called_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
    /// The enterprise has appealed it (at any time).
    pub appealed: bool,
    /// The appeal waiting for a review, with its reason.
    pub pending_appeal: Option<String>,
    /// The latest report, if any.
    pub latest: Option<CaseReport>,
}

/// Each item's reports merged, in the order received: every column its latest value.
pub fn latest_item_reports(reports: Vec<ItemReport>) -> Vec<ItemReport> {
    let mut out: Vec<ItemReport> = Vec::new();
    for r in reports {
        match out.iter_mut().find(|x| x.item_id == r.item_id) {
            None => out.push(r),
            Some(x) => {
                for (to, from) in [
                    (&mut x.measures, r.measures),
                    (&mut x.department, r.department),
                    (&mut x.progress, r.progress),
                    (&mut x.note, r.note),
                ] {
                    if from.is_some() {
                        *to = from;
                    }
                }
                x.done_on = r.done_on.or(x.done_on);
                (x.file_id, x.row) = (r.file_id, r.row);
            }
        }
    }
    out
}

/// What has come back of every case: its reports and reviews by case number, each in the
/// order received.
#[derive(Debug, Default)]
pub struct Records {
    reports: std::collections::HashMap<String, Vec<CaseReport>>,
    reviews: std::collections::HashMap<String, Vec<AppealReview>>,
}

impl Records {
    pub fn new(reports: Vec<CaseReport>, reviews: Vec<AppealReview>) -> Records {
        let mut out = Records::default();
        for r in reports {
            out.reports.entry(r.number.clone()).or_default().push(r);
        }
        for r in reviews {
            out.reviews.entry(r.number.clone()).or_default().push(r);
        }
        for v in out.reports.values_mut() {
            v.sort_by_key(|r| (r.file_id, r.row));
        }
        for v in out.reviews.values_mut() {
            v.sort_by_key(|r| (r.file_id, r.row));
        }
        out
    }

    /// The reports and reviews of case `number`, in the order received.
    pub fn of(&self, number: &str) -> (&[CaseReport], &[AppealReview]) {
        (
            self.reports.get(number).map_or(&[][..], Vec::as_slice),
            self.reviews.get(number).map_or(&[][..], Vec::as_slice),
        )
    }

    /// `case`'s state on `today`.
    pub fn state(&self, case: &Case, today: NaiveDate) -> CaseState {
        let none = Vec::new();
        let reports = self.reports.get(&case.number).unwrap_or(&none);
        let none = Vec::new();
        let reviews = self.reviews.get(&case.number).unwrap_or(&none);
        case.state(reports, reviews, today)
    }
}

/// Where an appeal stands, from the reports and reviews in the order received.
enum Appeal {
    None,
    Pending(String),
    Upheld,
}

impl Case {
    /// Its state on `today`, from its reports and reviews, each in the order received. Each of
    /// the enterprise's columns keeps the latest value reported in it (a later row that leaves
    /// a column blank does not take back what an earlier one said). A call-back counts once its
    /// result (reached or not) and date are reported; rectification once a completion date is.
    /// An appeal waits until reviewed; upheld, the case is closed; rejected, it is open again, and
    /// only an appeal on other grounds (another reason) waits for a new review.
    pub fn state(&self, reports: &[CaseReport], reviews: &[AppealReview], today: NaiveDate) -> CaseState {
        let mut merged = CaseReport {
            number: self.number.clone(),
            ..Default::default()
        };
        let keep = |to: &mut Option<String>, from: &Option<String>| {
            if from.is_some() {
                to.clone_from(from);
            }
        };
        let mut called_on = None;
        for r in reports {
            (merged.file_id, merged.row) = (r.file_id, r.row);
            if r.call_result.is_some() && r.called_on.is_some() {
                called_on = r.called_on;
                (merged.called_on, merged.call_result) = (r.called_on, r.call_result.clone());
            }
            keep(&mut merged.verified, &r.verified);
            keep(&mut merged.measures, &r.measures);
            keep(&mut merged.user_rating, &r.user_rating);
            keep(&mut merged.appeal_reason, &r.appeal_reason);
            merged.done_on = r.done_on.or(merged.done_on);
            merged.appeal |= r.appeal;
        }
        let done_on = merged.done_on;
        // The appeal: reports and reviews interleaved as received.
        let mut appeal = Appeal::None;
        let mut rejected = false;
        let mut reviewed: Vec<String> = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < reports.len() || j < reviews.len() {
            let report_first = match (reports.get(i), reviews.get(j)) {
                (Some(r), Some(v)) => (r.file_id, r.row) < (v.file_id, v.row),
                (Some(_), None) => true,
                _ => false,
            };
            if report_first {
                let r = &reports[i];
                i += 1;
                let reason = r.appeal_reason.as_deref().unwrap_or_default();
                match appeal {
                    Appeal::Upheld => {}
                    _ if !r.appeal || reviewed.iter().any(|x| x == reason) => {}
                    _ => appeal = Appeal::Pending(reason.to_string()),
                }
            } else {
                let v = &reviews[j];
                j += 1;
                if let Appeal::Pending(reason) = &appeal {
                    reviewed.push(reason.clone());
                    rejected = !v.upheld;
                    appeal = if v.upheld { Appeal::Upheld } else { Appeal::None };
                }
            }
        }
        let status = match &appeal {
            Appeal::Upheld => CaseStatus::AppealUpheld,
            Appeal::Pending(_) => CaseStatus::Appealing,
            Appeal::None if done_on.is_some() => CaseStatus::Rectified,
            Appeal::None if today > self.rectify_due || (called_on.is_none() && today > self.callback_due) => {
                CaseStatus::Overdue
            }
            Appeal::None if rejected => CaseStatus::AppealRejected,
            Appeal::None if called_on.is_some() => CaseStatus::CalledBack,
            Appeal::None => CaseStatus::AwaitingCallback,
        };
        CaseState {
            status,
            called_on,
            done_on,
            appealed: merged.appeal,
            pending_appeal: match appeal {
                Appeal::Pending(reason) => Some(reason),
                _ => None,
            },
            latest: (!reports.is_empty()).then_some(merged),
        }
    }
}

/// A case's number: `<period>-<enterprise code>-<seq, three digits>`.
pub fn number(period: crate::period::Period, enterprise: &str, seq: usize) -> String {
    format!("{period}-{enterprise}-{seq:03}")
}

/// The 报表类型 of a filled ledger coming back (SPEC §11).
pub const LEDGER_KIND: &str = "整改反馈";
/// The 报表类型 of the city unit's appeal review coming back, and its sheet.
pub const REVIEW_KIND: &str = "申诉复核";
pub const REVIEW_SHEET: &str = "申诉复核";
/// The review sheet's columns: the case as appealed, then the bureau's decision.
pub const REVIEW_COLUMNS: [&str; 8] = [
    "编号",
    "企业",
    "调查日期",
    "不满意的方面",
    "意见或投诉",
    "核实情况",
    "回访结果",
    "申诉理由",
];
pub const REVIEW_ANSWERS: [&str; 2] = ["复核结论", "复核意见"];
/// 复核结论's values: upheld, rejected.
pub const REVIEW_CODES: [&str; 2] = ["成立", "不成立"];

/// The ledger's sheet of improvement items and its columns: what the bureau fills, then what
/// the enterprise fills (SPEC §11). Read back by name when the ledger returns.
pub const ITEMS_SHEET: &str = "整改事项";
pub const ITEM_COLUMNS: [&str; 5] = ["编号", "指标", "问题", "等级", "完成期限"];
pub const ITEM_ANSWERS: [&str; 5] = ["整改措施", "责任部门", "进展", "完成日期", "说明"];
/// 进展's values.
pub const PROGRESS: [&str; 3] = ["已完成", "整改中", "无法整改"];

/// The ledger's sheet of complaint cases and its columns.
pub const CASES_SHEET: &str = "差评回访";
pub const CASE_COLUMNS: [&str; 8] = [
    "编号",
    "用户名称",
    "联系电话",
    "调查日期",
    "不满意的方面",
    "意见或投诉",
    "回访期限",
    "整改期限",
];
pub const CASE_ANSWERS: [&str; 8] = [
    "回访日期",
    "回访结果",
    "核实情况",
    "整改措施",
    "完成日期",
    "用户对处理结果的评价",
    "申诉",
    "申诉理由",
];
/// The coded columns of the case sheet and their values.
pub const CASE_CODES: [(&str, &[&str]); 4] = [
    ("回访结果", &["已联系", "无法联系"]),
    ("核实情况", &["属实", "部分属实", "不属实"]),
    ("用户对处理结果的评价", &["满意", "基本满意", "不满意"]),
    ("申诉", &["是", "否"]),
];

/// Where the rectification loop stands for one enterprise on a day (SPEC §11).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EnterpriseLoop {
    /// The enterprise's code and name.
    pub code: String,
    pub name: String,
    /// Its open improvement items (of the latest issued month and quarter), those past their
    /// deadline, and those its ledger reported on and as done.
    pub items: u64,
    pub items_reported: u64,
    pub items_done: u64,
    pub items_overdue: u64,
    /// Its complaint cases, called back, rectified and overdue.
    pub cases: u64,
    pub cases_called_back: u64,
    pub cases_rectified: u64,
    pub cases_overdue: u64,
    /// Of the overdue cases, those not called back by their call-back deadline.
    pub overdue_callback: u64,
    /// Appeals waiting for the city bureau's review.
    pub pending_appeals: u64,
    /// Cases whose call-back or rectification deadline has come: what the rates divide by.
    pub callback_due: u64,
    pub rectify_due: u64,
    /// Called back, and rectified, by their deadlines.
    pub called_back_in_time: u64,
    pub rectified_in_time: u64,
    pub appeals: u64,
    pub appeals_upheld: u64,
    /// Its open items and cases, for the summary's sheet of the enterprise.
    pub open_items: Vec<(String, String, NaiveDate, bool)>,
    /// What its latest ledger reported of each of its items: (item id, 进展).
    pub item_progress: Vec<(String, String)>,
    /// Each entry's history, one line a report or review: (编号, lines), for the summary.
    pub history: Vec<(String, Vec<String>)>,
    pub open_cases: Vec<(String, CaseStatus, NaiveDate, NaiveDate)>,
}

impl EnterpriseLoop {
    /// Called back in time over the cases whose call-back was due, in percent; none when none was.
    pub fn callback_rate(&self) -> Option<f64> {
        (self.callback_due > 0).then(|| 100.0 * self.called_back_in_time as f64 / self.callback_due as f64)
    }

    /// Rectified in time over the cases whose rectification was due, in percent.
    pub fn on_time_rate(&self) -> Option<f64> {
        (self.rectify_due > 0).then(|| 100.0 * self.rectified_in_time as f64 / self.rectify_due as f64)
    }
}

/// An enterprise listed for an interview (建议约谈), with why.
#[derive(Debug, Clone, PartialEq)]
pub struct Interview {
    pub code: String,
    pub name: String,
    pub reasons: Vec<String>,
}

/// The counts behind the on-time rates (SPEC §11): the cases whose step was due (its deadline
/// passed, or done early) and those done by the deadline. A case whose appeal was upheld was
/// no bad review and is not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseRates {
    pub callback_due: u64,
    pub called_back_in_time: u64,
    pub rectify_due: u64,
    pub rectified_in_time: u64,
}

impl CaseRates {
    pub fn add(&mut self, c: &Case, state: &CaseState, today: NaiveDate) {
        if state.status == CaseStatus::AppealUpheld {
            return;
        }
        let called = state.called_on;
        if called.is_some() || today > c.callback_due {
            self.callback_due += 1;
            self.called_back_in_time += u64::from(called.is_some_and(|d| d <= c.callback_due));
        }
        let done = state.done_on;
        if done.is_some() || today > c.rectify_due {
            self.rectify_due += 1;
            self.rectified_in_time += u64::from(done.is_some_and(|d| d <= c.rectify_due));
        }
    }
}

/// The rectification loop as of a day: every enterprise's figures and the interviews.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopSummary {
    pub as_of: NaiveDate,
    pub enterprises: Vec<EnterpriseLoop>,
    pub interviews: Vec<Interview>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Opened 2026-09-29: call back by 2026-10-12, rectify by 2026-10-26.
    fn case() -> Case {
        Case {
            number: "2026-09-GS01-001".into(),
            period: crate::period::Period::parse("2026-09").unwrap(),
            enterprise: "GS01".into(),
            response_id: 1,
            user_name: "某用户".into(),
            phone: None,
            survey_date: Some("2026-09-10".into()),
            aspects: vec!["Q12 报装服务总体满意度:不满意".into()],
            opinion: None,
            opened_on: day("2026-09-29"),
            callback_due: day("2026-10-12"),
            rectify_due: day("2026-10-26"),
            estimated: false,
            utility: "供水".into(),
            user_type: None,
            monthly_usage: None,
        }
    }

    fn report(file: i64) -> CaseReport {
        CaseReport {
            number: "2026-09-GS01-001".into(),
            file_id: file,
            row: 6,
            ..Default::default()
        }
    }

    fn review(file: i64, upheld: bool) -> AppealReview {
        AppealReview {
            number: "2026-09-GS01-001".into(),
            file_id: file,
            row: 6,
            upheld,
            opinion: None,
            decided_by: "市住建局".into(),
            decided_on: day("2026-10-20"),
        }
    }

    fn appeal(file: i64, reason: &str) -> CaseReport {
        CaseReport {
            appeal: true,
            appeal_reason: Some(reason.into()),
            ..report(file)
        }
    }

    #[test]
    fn a_later_row_that_leaves_a_column_blank_does_not_take_back_the_call_back() {
        let called = CaseReport {
            called_on: Some(day("2026-10-09")),
            call_result: Some("已联系".into()),
            ..report(1)
        };
        let measures_only = CaseReport {
            measures: Some("更换水表".into()),
            ..report(2)
        };
        let s = case().state(&[called, measures_only], &[], day("2026-10-20"));
        assert_eq!(s.status, CaseStatus::CalledBack);
        assert_eq!(s.called_on, Some(day("2026-10-09")));
        let latest = s.latest.unwrap();
        assert_eq!((latest.measures.as_deref(), latest.file_id), (Some("更换水表"), 2));
        // Past the rectification deadline without a completion date: overdue.
        let s = case().state(&[report(1)], &[], day("2026-10-27"));
        assert_eq!(s.status, CaseStatus::Overdue);
    }

    #[test]
    fn a_rejected_appeal_sent_again_stays_decided_and_one_on_other_grounds_waits_again() {
        let c = case();
        let today = day("2026-10-10");
        assert_eq!(
            c.state(&[appeal(1, "外区用户")], &[], today).status,
            CaseStatus::Appealing
        );
        let rejected = [review(2, false)];
        let once = [appeal(1, "外区用户")];
        assert_eq!(c.state(&once, &rejected, today).status, CaseStatus::AppealRejected);
        // The same workbook sent again after the review: still decided, not on the review again.
        let again = [appeal(1, "外区用户"), appeal(3, "外区用户")];
        let s = c.state(&again, &rejected, today);
        assert_eq!((s.status, s.pending_appeal), (CaseStatus::AppealRejected, None));
        // Other grounds: waits for a new review.
        let other = [appeal(1, "外区用户"), appeal(3, "市政停水")];
        let s = c.state(&other, &rejected, today);
        assert_eq!(
            (s.status, s.pending_appeal.as_deref()),
            (CaseStatus::Appealing, Some("市政停水"))
        );
        // Upheld is final: an appeal sent again changes nothing.
        let upheld = [review(2, true)];
        assert_eq!(
            c.state(&again, &upheld, day("2026-11-30")).status,
            CaseStatus::AppealUpheld
        );
        // Rejected and then past its deadlines without a call-back: overdue.
        assert_eq!(c.state(&once, &rejected, day("2026-10-13")).status, CaseStatus::Overdue);
    }
}
