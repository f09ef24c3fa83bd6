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

impl Case {
    /// Its state on `today`, from its reports and reviews. A call-back counts once its result
    /// (reached or not) and date are reported; rectification once a completion date is.
    pub fn state(&self, reports: &[&CaseReport], reviews: &[&AppealReview], today: NaiveDate) -> CaseState {
        let latest = reports.iter().max_by_key(|r| (r.file_id, r.row)).copied();
        let review = reviews.iter().max_by_key(|r| (r.file_id, r.row)).copied();
        let appealed = reports.iter().any(|r| r.appeal);
        let pending = latest.filter(|r| r.appeal && review.is_none_or(|v| v.file_id < r.file_id));
        let called_on = latest.and_then(|r| r.call_result.as_ref().and(r.called_on));
        let done_on = latest.and_then(|r| r.done_on);
        let decided = review.filter(|_| pending.is_none());
        let status = if decided.is_some_and(|v| v.upheld) {
            CaseStatus::AppealUpheld
        } else if pending.is_some() {
            CaseStatus::Appealing
        } else if done_on.is_some() {
            CaseStatus::Rectified
        } else if today > self.rectify_due || (called_on.is_none() && today > self.callback_due) {
            CaseStatus::Overdue
        } else if decided.is_some() {
            CaseStatus::AppealRejected
        } else if called_on.is_some() {
            CaseStatus::CalledBack
        } else {
            CaseStatus::AwaitingCallback
        };
        CaseState {
            status,
            called_on,
            done_on,
            appealed,
            pending_appeal: pending.map(|r| r.appeal_reason.clone().unwrap_or_default()),
            latest: latest.cloned(),
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

/// The rectification loop as of a day: every enterprise's figures and the interviews.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopSummary {
    pub as_of: NaiveDate,
    pub enterprises: Vec<EnterpriseLoop>,
    pub interviews: Vec<Interview>,
}
