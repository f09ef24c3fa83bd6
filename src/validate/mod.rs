//! Validation, the second stage: turns the rows [`intake`](mod@crate::intake) reads into
//! responses, checked against the registry and the scheme, and row issues that name the
//! cell, the value and what was expected. It decides who submitted a return, of what kind
//! and for which period (from the sheet, else the folder, else the file name). It touches
//! no database and no file but the one it is given.

use std::path::Path;

use chrono::NaiveDate;

pub mod ledger;
mod row;

use crate::config::Config;
use crate::intake::{self, FileError, Format};
use crate::period::{Period, ReturnKind};
pub use crate::results::RowIssue;
use crate::text::match_key;
use row::Validator;

/// The codes of 调查方式 and their synonyms.
pub const METHODS: &[(&str, &[&str])] = &[
    ("问卷", &["问卷调查", "调查问卷", "纸质问卷", "线上问卷"]),
    ("电话回访", &["电话", "电话调查", "回访"]),
    ("现场", &["现场走访", "走访", "上门", "现场调查"]),
];

/// The codes of 用户类型 and their synonyms.
pub const USER_TYPES: &[(&str, &[&str])] = &[
    ("企事业单位", &["事业单位", "机关事业单位", "企业单位", "机关单位"]),
    ("工商业用户", &["工商业", "商业用户", "商户", "非居民用户", "非居民"]),
    ("工矿企业", &["工矿", "工业用户", "工业企业"]),
    ("居民用户", &["居民", "个人用户", "个人"]),
    ("其他", &["其它"]),
];

/// The reasons a call-back user was not reached (未回访原因) and their synonyms.
pub const NOT_REACHED: &[(&str, &[&str])] = &[
    (
        "未接通",
        &[
            "无人接听",
            "无人接",
            "未接听",
            "没人接",
            "打不通",
            "未打通",
            "关机",
            "占线",
            "不在服务区",
            "联系不上",
            "未联系上",
        ],
    ),
    ("空号", &["号码错误", "错号", "号码有误", "电话错误", "号码不存在"]),
    (
        "拒访",
        &[
            "拒绝",
            "拒绝回访",
            "拒接",
            "拒答",
            "拒绝调查",
            "不愿回答",
            "不愿接受回访",
        ],
    ),
    ("停机", &["已停机", "欠费停机"]),
    ("其他", &["其它"]),
];

/// A call-back row for a drawn user who was not reached: neither a response nor an error, it
/// counts in the quarter's call-back against its draw (SPEC §7).
#[derive(Debug, Clone, PartialEq)]
pub struct NotReached {
    /// 1-based row in the sheet.
    pub row: u32,
    pub user_name: String,
    pub phone: Option<String>,
    /// Code of the enterprise (the name as typed when it is not registered).
    pub enterprise: String,
    /// One of [`NOT_REACHED`]'s codes.
    pub reason: &'static str,
    /// What the surveyor wrote in 意见或投诉 beside it (unless it was the reason itself).
    pub note: Option<String>,
}

/// One accepted survey row (or sample-frame row), normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// 1-based row in the sheet.
    pub row: u32,
    pub survey_date: Option<NaiveDate>,
    pub method: Option<&'static str>,
    pub user_name: String,
    pub user_type: Option<&'static str>,
    pub usage_nature: Option<String>,
    pub monthly_usage: Option<f64>,
    pub phone: Option<String>,
    /// Code of the evaluated enterprise.
    pub enterprise: String,
    pub utility: &'static str,
    pub county: String,
    pub opinion: Option<String>,
    pub suggestion: Option<String>,
    /// JSON object, item id → canonical answer (是/否, a grade label, or 不适用); blanks are absent.
    pub answers: crate::results::Answers,
}

impl Response {
    /// The key of the duplicate-respondent rule: 用户名称 + 联系电话 + enterprise.
    pub fn respondent_key(&self) -> String {
        respondent_key(&self.user_name, self.phone.as_deref(), &self.enterprise)
    }
}

/// The key of the duplicate-respondent rule, for stored and new responses alike.
pub fn respondent_key(user_name: &str, phone: Option<&str>, enterprise: &str) -> String {
    let phone = phone.unwrap_or("");
    let mut key = match_key(user_name);
    key.reserve(2 + phone.len() + enterprise.len());
    key.push('|');
    key.push_str(phone);
    key.push('|');
    key.push_str(enterprise);
    key
}

/// How many distinct rows the issues are about (a row with two problems is one bad row).
pub fn rows_with_issues(issues: &[RowIssue]) -> usize {
    let rows: std::collections::BTreeSet<u32> = issues.iter().map(|i| i.row).collect();
    rows.len()
}

/// Why a whole file is rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Rejection {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{cell} 填报单位“{value}”未在登记名单中{}", suggest(.suggestion))]
    UnknownSubmitter {
        value: String,
        cell: String,
        suggestion: Option<String>,
    },
    #[error(
        "未写明填报单位:请在表头上方填写“填报单位”(登记的单位名称),或在文件名中注明(如 竟陵街道_月度自评_2026-10.xlsx)"
    )]
    MissingSubmitter,
    #[error("{cell} 报表类型“{value}”无法识别,应为 月度自评、季度抽查 或 样本名单")]
    BadKind { value: String, cell: String },
    /// A filled ledger (整改台账, SPEC §11) or appeal review that is not the workbook sent out:
    /// saved in another format, or its sheets renamed.
    #[error(
        "{cell} 这是整改台账或申诉复核表(报表类型“{value}”),但不是下发的 .xlsx 工作簿原件(可能另存为了其他格式,或改了工作表名称)。请在下发的原件中填写,保持 .xlsx 格式和工作表名称“整改事项”“差评回访”“申诉复核”,再放回收件箱"
    )]
    LedgerNotYetRead { value: String, cell: String },
    #[error("{cell} 所属期“{value}”无法识别,应写作 2026-10、2026年10月 或 2026Q4、2026年第四季度")]
    BadPeriod { value: String, cell: String },
    #[error("未写明所属期:请在表头上方填写“所属期”(如 2026-10),或在文件名中注明(如 竟陵街道_月度自评_2026-10.xlsx)")]
    MissingPeriod,
    #[error(
        "未写明所属期,调查日期又不在同一个月(季度)内({spread}),无法判断:请在文件名中注明所属期(如 竟陵街道_月度自评_2026-10.xlsx),并把其他月份的问卷分开报送"
    )]
    PeriodFromDates { spread: String },
    #[error("报表类型为{kind},所属期“{period}”应为{wants}")]
    KindPeriodMismatch {
        kind: &'static str,
        period: String,
        wants: &'static str,
    },
    #[error("报表类型为{kind},但表中没有 Q1–Q12 等评价题目列")]
    NoAnswerColumns { kind: &'static str },
    #[error("{}没有一行有效数据(共 {issues} 处问题,逐条列在错误说明中),整份报表退回", cause_first(.cause))]
    NoValidRows { issues: usize, cause: Option<String> },
    #[error("{kind}只能由市级单位{city}报送;“{submitter}”报送的{kind}不予接收(县市单位和企业请报送月度自评或样本名单)")]
    QuarterlyNotCity {
        kind: &'static str,
        submitter: String,
        city: String,
    },
    #[error(
        "{cell} 填报单位为“{sheet}”,但文件放在“{folder}”的文件夹 {folder_code}/ 中;为免替代其他单位的报表,整份退回。请放入“{sheet}”自己的文件夹,或更正填报单位"
    )]
    FolderConflict {
        cell: String,
        sheet: String,
        folder: String,
        folder_code: String,
    },
    #[error(
        "{cell} 所属期被 Excel 存成了数字 {value},可能是 {year}年1月,也可能是 {year}年10月(输入 {year}.10 时末尾的 0 被去掉);{why}。请把所属期写作 {year}-10 或 {year}年10月(或 {year}-01)后重新报送"
    )]
    AmbiguousPeriod {
        cell: String,
        value: String,
        year: i32,
        why: &'static str,
    },
}

fn cause_first(cause: &Option<String>) -> String {
    cause.as_ref().map(|c| format!("{c}。")).unwrap_or_default()
}

fn suggest(s: &Option<String>) -> String {
    crate::text::did_you_mean(s.as_deref(), "")
}

/// Who, what and when a return is about.
#[derive(Debug, Clone, PartialEq)]
pub struct ReturnMeta {
    pub submitter_code: String,
    pub submitter_name: String,
    pub kind: ReturnKind,
    pub period: Period,
    /// An unscheduled survey's 调查名称 (default 不定期抽查); `None` for other kinds.
    pub survey_name: Option<String>,
}

pub use crate::results::returns::ADHOC_NAME;
/// The label of an unscheduled survey's name in the metadata block.
pub const SURVEY_NAME_LABEL: &str = "调查名称";

/// A return that passed the file-level checks: its valid rows and its row issues.
#[derive(Debug, Clone)]
pub struct Checked {
    pub meta: ReturnMeta,
    pub format: Format,
    pub sheet: String,
    /// Column letter of 用户名称, where duplicate-respondent issues point.
    pub user_column: String,
    pub responses: Vec<Response>,
    /// Valid rows already handed to the streaming sink (not in `responses`).
    pub streamed: usize,
    pub issues: Vec<RowIssue>,
    /// Call-back users who were not reached, with the reason.
    pub not_reached: Vec<NotReached>,
    /// Remarks that are not errors (ignored columns).
    pub notes: Vec<String>,
    /// What the submitter must know though the return is accepted: questions it lacks (not
    /// scored), a second data sheet not read, survey dates in the future, a 所属期 read from
    /// the dates, the one cause behind many row issues.
    pub warnings: Vec<String>,
}

/// The outcome of reading and validating one file.
#[derive(Debug, Clone)]
pub enum Outcome {
    Checked(Checked),
    /// Rejected whole; `meta` is what could be learnt before the rejection.
    Rejected {
        reason: Rejection,
        meta: Option<ReturnMeta>,
        issues: Vec<RowIssue>,
    },
}

/// What a file's location says: `inbox/<unit code>/<unit>_<kind>_<period>.xlsx`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hint {
    pub submitter: Option<String>,
    /// The unit or enterprise whose folder (`inbox/<code>/`) holds the file: a return in it
    /// must be that submitter's own.
    pub folder: Option<String>,
    pub kind: Option<ReturnKind>,
    pub period: Option<Period>,
}

impl Hint {
    /// Reads the hint from a file's path relative to the inbox.
    pub fn from_path(config: &Config, relative: &Path) -> Hint {
        let mut hint = Hint::default();
        if let Some(parent) = relative.parent() {
            for dir in parent.components().rev() {
                let name = dir.as_os_str().to_string_lossy();
                if let Some(p) = config.party(&name) {
                    hint.submitter = Some(p.code().to_string());
                    hint.folder = hint.submitter.clone();
                    break;
                }
            }
        }
        let stem = relative
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        for token in stem.split(['_', ' ', '、', '+']).filter(|t| !t.is_empty()) {
            if hint.period.is_none() {
                hint.period = Period::parse(token);
            }
            if hint.kind.is_none() {
                hint.kind = ReturnKind::parse(token);
            }
            if hint.submitter.is_none() {
                hint.submitter = config.party(token).map(|p| p.code().to_string());
            }
        }
        // Names run together: 竟陵街道2026年8月月度自评.
        if hint.kind.is_none() {
            hint.kind = ["月度自评", "季度抽查", "样本名单", "月报", "抽查"]
                .iter()
                .find(|w| stem.contains(*w))
                .and_then(|w| ReturnKind::parse(w));
        }
        if hint.period.is_none() {
            hint.period = find_period(&stem);
        }
        hint
    }
}

/// A period written inside a name (`竟陵街道2026年8月月度自评`, `…_20260903`); never inside a run
/// of more than 8 digits (腾讯问卷 names its download `14470283_202610011030120001`: a time).
fn find_period(s: &str) -> Option<Period> {
    let chars: Vec<char> = s.chars().collect();
    let run_at = |i: usize| {
        let before = chars[..i].iter().rev().take_while(|c| c.is_ascii_digit()).count();
        let after = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        before + after
    };
    for start in 0..chars.len() {
        if chars[start] != '2' || run_at(start) > 8 {
            continue;
        }
        for len in (6..=12).rev() {
            if start + len <= chars.len() {
                let sub: String = chars[start..start + len].iter().collect();
                if let Some(p) = Period::parse(&sub) {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// Reads and validates the return at `path` (`relative` to the inbox gives the hint).
pub fn check_file(config: &Config, path: &Path, hint: &Hint) -> Outcome {
    check_file_streaming(config, path, hint, None)
}

/// Valid rows handed on while a file is still being read, with the return they belong to.
/// The `&str` is where duplicate-respondent issues point: the sheet and the 用户名称 column (`调查问卷!D`).
pub type RowsSink<'s> = &'s mut dyn FnMut(&ReturnMeta, &str, Vec<Response>);

/// How many valid rows are handed on at a time.
pub const CHUNK_ROWS: usize = 2048;

/// Like [`check_file`], but hands valid rows to `sink` in chunks of [`CHUNK_ROWS`] as they
/// are read, so that storing can overlap reading; the [`Checked`] outcome then holds only
/// the rows not yet handed on, and `streamed` counts those that were.
pub fn check_file_streaming<'a>(
    config: &'a Config,
    path: &Path,
    hint: &'a Hint,
    sink: Option<RowsSink<'a>>,
) -> Outcome {
    let mut v = Validator::new(config, hint);
    v.sink = sink;
    match intake::read_return(path, &config.scheme, &config.limits, &mut v) {
        Err(e) => {
            let reason = v.rejection.take().unwrap_or(Rejection::File(e));
            Outcome::Rejected {
                reason,
                meta: v.meta,
                issues: v.issues,
            }
        }
        Ok(format) => v.finish(format),
    }
}
