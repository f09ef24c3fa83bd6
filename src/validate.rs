//! Validation, the second stage: turns the rows [`intake`](mod@crate::intake) reads into
//! responses, checked against the registry and the scheme, and row issues that name the
//! cell, the value and what was expected. It decides who submitted a return, of what kind
//! and for which period (from the sheet, else the folder, else the file name). It touches
//! no database and no file but the one it is given.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use chrono::NaiveDate;

use crate::config::{Config, Party};
use crate::intake::layout::FIELDS;
use crate::intake::normalize::{self, NOT_APPLICABLE};
use crate::intake::{self, Field, FileError, Format, Layout, MetaCell, ReturnVisitor, Value, cell_name};
use crate::period::{Period, ReturnKind};
use crate::scheme::ItemKind;
use crate::text::{clean_value, closest, match_key};

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
    pub answers: String,
}

impl Response {
    /// The key of the duplicate-respondent rule: 用户名称 + 联系电话 + enterprise.
    pub fn respondent_key(&self) -> String {
        respondent_key(&self.user_name, self.phone.as_deref(), &self.enterprise)
    }
}

/// The key of the duplicate-respondent rule, for stored and new responses alike.
pub fn respondent_key(user_name: &str, phone: Option<&str>, enterprise: &str) -> String {
    format!("{}|{}|{}", match_key(user_name), phone.unwrap_or(""), enterprise)
}

/// A problem with one row, for the reporting unit.
#[derive(Debug, Clone, PartialEq)]
pub struct RowIssue {
    /// `调查问卷!N17`
    pub cell: String,
    /// 1-based row.
    pub row: u32,
    /// What the cell holds, as displayed.
    pub value: String,
    /// What is wrong and what was expected.
    pub problem: String,
}

/// How many distinct rows the issues are about (a row with two problems is one bad row).
pub fn rows_with_issues(issues: &[RowIssue]) -> usize {
    let rows: std::collections::BTreeSet<u32> = issues.iter().map(|i| i.row).collect();
    rows.len()
}

impl fmt::Display for RowIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}:{}", self.cell, self.problem)
        } else {
            write!(f, "{}:填写的是“{}”,{}", self.cell, self.value, self.problem)
        }
    }
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
    #[error("{cell} 所属期“{value}”无法识别,应写作 2026-10、2026年10月 或 2026Q4、2026年第四季度")]
    BadPeriod { value: String, cell: String },
    #[error("未写明所属期:请在表头上方填写“所属期”(如 2026-10),或在文件名中注明(如 竟陵街道_月度自评_2026-10.xlsx)")]
    MissingPeriod,
    #[error("报表类型为{kind},所属期“{period}”应为{wants}")]
    KindPeriodMismatch {
        kind: &'static str,
        period: String,
        wants: &'static str,
    },
    #[error("报表类型为{kind},但表中没有 Q1–Q12 等评价题目列")]
    NoAnswerColumns { kind: &'static str },
    #[error("没有一行有效数据(共 {issues} 处问题,逐条列在错误说明中),整份报表退回")]
    NoValidRows { issues: usize },
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
}

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
    /// Remarks that are not errors (ignored columns).
    pub notes: Vec<String>,
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

fn find_period(s: &str) -> Option<Period> {
    let chars: Vec<char> = s.chars().collect();
    for start in 0..chars.len() {
        if chars[start] != '2' {
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

struct Validator<'a> {
    config: &'a Config,
    hint: &'a Hint,
    meta: Option<ReturnMeta>,
    rejection: Option<Rejection>,
    sheet: String,
    responses: Vec<Response>,
    issues: Vec<RowIssue>,
    notes: Vec<String>,
    /// respondent key → the row that first named it
    seen: HashMap<String, u32>,
    frame: bool,
    user_column: String,
    /// Column index → field, from the layout.
    by_column: Vec<Option<Field>>,
    /// The submitter, when it is an enterprise: the default 服务企业.
    submitter_enterprise: Option<&'a crate::config::Enterprise>,
    sink: Option<RowsSink<'a>>,
    streamed: usize,
}

impl<'a> Validator<'a> {
    fn new(config: &'a Config, hint: &'a Hint) -> Self {
        Validator {
            config,
            hint,
            meta: None,
            rejection: None,
            sheet: String::new(),
            responses: Vec::new(),
            issues: Vec::new(),
            notes: Vec::new(),
            seen: HashMap::new(),
            frame: false,
            user_column: String::new(),
            by_column: Vec::new(),
            submitter_enterprise: None,
            sink: None,
            streamed: 0,
        }
    }

    fn finish(self, format: Format) -> Outcome {
        let Some(meta) = self.meta else {
            return Outcome::Rejected {
                reason: Rejection::MissingSubmitter,
                meta: None,
                issues: self.issues,
            };
        };
        if self.responses.is_empty() && self.streamed == 0 {
            let reason = Rejection::NoValidRows {
                issues: self.issues.len(),
            };
            return Outcome::Rejected {
                reason,
                meta: Some(meta),
                issues: self.issues,
            };
        }
        Outcome::Checked(Checked {
            meta,
            format,
            sheet: self.sheet,
            user_column: self.user_column,
            streamed: self.streamed,
            responses: self.responses,
            issues: self.issues,
            notes: self.notes,
        })
    }

    /// Decides submitter, kind and period from the sheet's metadata and the hint.
    fn decide_meta(&self, layout: &Layout) -> Result<ReturnMeta, Rejection> {
        let m = &layout.meta;
        let submitter = match &m.submitter {
            Some(MetaCell { value, cell }) => {
                let typed = value.display();
                match self.config.party(&typed) {
                    Some(p) => p,
                    None => {
                        let suggestion = self.config.suggest_party(&typed).map(str::to_string);
                        return Err(Rejection::UnknownSubmitter {
                            value: typed,
                            cell: cell.clone(),
                            suggestion,
                        });
                    }
                }
            }
            None => match self.hint.submitter.as_deref().and_then(|c| self.config.party(c)) {
                Some(p) => p,
                None => return Err(Rejection::MissingSubmitter),
            },
        };
        let period = match &m.period {
            Some(MetaCell { value, cell }) => match value {
                Value::Date(d) => Period::month_of(d.date()),
                v => Period::parse(&v.display()).ok_or_else(|| Rejection::BadPeriod {
                    value: v.display(),
                    cell: cell.clone(),
                })?,
            },
            None => self.hint.period.ok_or(Rejection::MissingPeriod)?,
        };
        let kind = match &m.kind {
            Some(MetaCell { value, cell }) => {
                ReturnKind::parse(&value.display()).ok_or_else(|| Rejection::BadKind {
                    value: value.display(),
                    cell: cell.clone(),
                })?
            }
            None => match self.hint.kind {
                Some(k) => k,
                None if !layout.has_items() => ReturnKind::Frame,
                None if period.is_quarter() => ReturnKind::Quarterly,
                None => ReturnKind::Monthly,
            },
        };
        match kind.wants_quarter() {
            Some(q) if q != period.is_quarter() => {
                let wants = if q { "季度(如 2026Q4)" } else { "月份(如 2026-10)" };
                return Err(Rejection::KindPeriodMismatch {
                    kind: kind.label(),
                    period: period.to_string(),
                    wants,
                });
            }
            _ => {}
        }
        if kind != ReturnKind::Frame && !layout.has_items() {
            return Err(Rejection::NoAnswerColumns { kind: kind.label() });
        }
        Ok(ReturnMeta {
            submitter_code: submitter.code().to_string(),
            submitter_name: submitter.name().to_string(),
            kind,
            period,
        })
    }

    fn issue(&mut self, row: u32, col: u32, value: &Value, problem: impl Into<String>) {
        self.issues.push(RowIssue {
            cell: format!("{}!{}", self.sheet, cell_name(row, col)),
            row: row + 1,
            value: value.display(),
            problem: problem.into(),
        });
    }

    fn missing(&mut self, row: u32, col: Option<u32>, label: &str) {
        let cell = match col {
            Some(c) => format!("{}!{}", self.sheet, cell_name(row, c)),
            None => format!("{}!第{}行", self.sheet, row + 1),
        };
        self.issues.push(RowIssue {
            cell,
            row: row + 1,
            value: String::new(),
            problem: format!("缺少必填项“{label}”"),
        });
    }
}

impl ReturnVisitor for Validator<'_> {
    fn layout(&mut self, layout: &Layout) -> Result<(), FileError> {
        self.sheet = layout.sheet.clone();
        let col = layout.column_of(Field::UserName).unwrap_or(0);
        self.user_column = cell_name(0, col).trim_end_matches('1').to_string();
        if !layout.ignored.is_empty() {
            self.notes
                .push(format!("已忽略无法识别的列:{}", layout.ignored.join("、")));
        }
        match self.decide_meta(layout) {
            Ok(meta) => {
                self.frame = meta.kind == ReturnKind::Frame;
                self.submitter_enterprise = match self.config.party(&meta.submitter_code) {
                    Some(Party::Enterprise(e)) => Some(e),
                    _ => None,
                };
                let width = layout.columns.iter().map(|&(c, _)| c as usize + 1).max().unwrap_or(0);
                self.by_column = vec![None; width];
                for &(c, f) in &layout.columns {
                    self.by_column[c as usize] = Some(f);
                }
                self.meta = Some(meta);
                Ok(())
            }
            Err(r) => {
                self.rejection = Some(r);
                // Any error stops reading; the rejection above is what is reported.
                Err(FileError::Io("metadata".into()))
            }
        }
    }

    fn row(&mut self, layout: &Layout, row: u32, cells: &[(u32, Value)]) {
        let before = self.issues.len();
        let config = self.config;
        // Each cell to its field, in one pass; formula errors in any mapped column.
        let mut fixed: [Option<(u32, &Value)>; FIELDS.len()] = [None; FIELDS.len()];
        let mut item_cells: Vec<Option<&Value>> = vec![None; config.scheme.items.len()];
        for (c, v) in cells {
            let field = self.by_column.get(*c as usize).copied().flatten();
            if let (Some(_), Value::Error(e)) = (field, v) {
                self.issue(row, *c, v, format!("单元格是公式错误值 {e},应填写有效内容"));
            }
            match field {
                Some(Field::Item(i)) => item_cells[i] = Some(v),
                Some(f) => fixed[f.slot()] = Some((*c, v)),
                None => {}
            }
        }
        let get = |f: Field| fixed[f.slot()];
        let text = |f: Field| {
            get(f).and_then(|(_, v)| match v {
                Value::Error(_) => None,
                Value::Text(s) => Some(clean_value(s)).filter(|s| !s.is_empty()),
                v => Some(v.display()),
            })
        };
        let period = self.meta.as_ref().expect("layout() ran first").period;

        let user_name = text(Field::UserName);
        if user_name.is_none() && !matches!(get(Field::UserName), Some((_, Value::Error(_)))) {
            self.missing(row, layout.column_of(Field::UserName), "用户名称");
        }

        let phone = match get(Field::Phone) {
            Some((_, Value::Error(_))) => None,
            Some((c, v)) => {
                let p = normalize::phone(v);
                if p.is_none() {
                    self.issue(row, c, v, "联系电话应为 11 位手机号或带区号的固定电话");
                }
                p
            }
            None => {
                self.missing(row, layout.column_of(Field::Phone), "联系电话");
                None
            }
        };

        let survey_date = match get(Field::SurveyDate) {
            Some((_, Value::Error(_))) => None,
            Some((c, v)) => match normalize::date(v) {
                Some(d) if period.contains(d) => Some(d),
                Some(d) => {
                    self.issue(
                        row,
                        c,
                        v,
                        format!(
                            "调查日期 {d} 不在所属期 {}({} 至 {})内",
                            period.label_zh(),
                            period.first_day(),
                            period.last_day()
                        ),
                    );
                    None
                }
                None => {
                    self.issue(
                        row,
                        c,
                        v,
                        "调查日期无法识别,应写作 2026-10-05、2026/10/5 或 2026年10月5日",
                    );
                    None
                }
            },
            None if self.frame => None,
            None => {
                self.missing(row, layout.column_of(Field::SurveyDate), "调查日期");
                None
            }
        };

        let method = self.coded(row, get(Field::Method), METHODS, "调查方式");
        let user_type = match get(Field::UserType) {
            None => {
                self.missing(row, layout.column_of(Field::UserType), "用户类型");
                None
            }
            found => self.coded(row, found, USER_TYPES, "用户类型"),
        };

        // The evaluated enterprise: the column, else the submitting enterprise itself.
        let enterprise = match get(Field::Enterprise) {
            Some((c, v)) if !matches!(v, Value::Error(_)) => {
                let typed = clean_value(&v.display());
                match config.enterprise(&typed) {
                    Some(e) => Some(e),
                    None => {
                        let hint = crate::text::did_you_mean(config.suggest_enterprise(&typed), "。");
                        self.issue(row, c, v, format!("服务企业未在登记名单中{hint}"));
                        None
                    }
                }
            }
            Some(_) => None,
            None => match self.submitter_enterprise {
                Some(e) => Some(e),
                None => {
                    self.missing(row, layout.column_of(Field::Enterprise), "服务企业");
                    None
                }
            },
        };

        if let (Some(e), Some((c, v))) = (enterprise, get(Field::Utility))
            && !matches!(v, Value::Error(_))
        {
            match crate::config::Utility::parse(&v.display()) {
                Some(u) if u == e.utility => {}
                Some(u) => self.issue(
                    row,
                    c,
                    v,
                    format!(
                        "服务类别“{}”与服务企业“{}”({})不符",
                        u.label(),
                        e.name,
                        e.utility.label()
                    ),
                ),
                None => self.issue(row, c, v, "服务类别应为 供水 或 供气"),
            }
        }

        let county = match get(Field::County) {
            Some((c, v)) if !matches!(v, Value::Error(_)) => match config.county(&v.display()) {
                Some(k) => Some(k.to_string()),
                None => {
                    let counties = config.counties();
                    let hint = crate::text::did_you_mean(closest(&v.display(), counties.iter().copied()), "");
                    self.issue(row, c, v, format!("所属县市未在登记名单中{hint}"));
                    None
                }
            },
            _ => enterprise.map(|e| e.county.clone()),
        };

        let monthly_usage = match get(Field::MonthlyUsage) {
            Some((c, v)) if !matches!(v, Value::Error(_)) => {
                let n = normalize::number(v);
                if n.is_none() {
                    self.issue(row, c, v, "月均用量应为数字");
                }
                n
            }
            _ => None,
        };

        // Answers as a JSON object of canonical values, item id → 是/否/grade/不适用.
        let mut answers = String::with_capacity(16 + 24 * item_cells.len());
        answers.push('{');
        let mut answered = false;
        for (i, v) in item_cells.iter().enumerate() {
            let Some(v) = v else { continue };
            if matches!(v, Value::Error(_)) {
                continue;
            }
            let item = &config.scheme.items[i];
            let parsed = match item.kind {
                ItemKind::YesNo => normalize::yes_no(v),
                ItemKind::FiveLevel => normalize::grade(v, &config.scheme.grades),
            };
            match parsed {
                Some(Some(a)) => {
                    if answers.len() > 1 {
                        answers.push(',');
                    }
                    push_json_string(&mut answers, &item.id);
                    answers.push(':');
                    push_json_string(&mut answers, a);
                    answered |= a != NOT_APPLICABLE;
                }
                Some(None) => {}
                None => {
                    let expected = match item.kind {
                        ItemKind::YesNo => "应填 是 或 否(也可填 Y/N、√/×、1/0,不涉及填 不适用)".to_string(),
                        ItemKind::FiveLevel => {
                            let labels: Vec<&str> = config.scheme.grades.iter().map(|g| g.label.as_str()).collect();
                            format!("应填 {}(也可填 A–E 或 5–1)", labels.join("/"))
                        }
                    };
                    let c = layout.column_of(Field::Item(i)).unwrap_or(0);
                    self.issue(
                        row,
                        c,
                        v,
                        format!("{}({})的答案无法识别,{expected}", item.id, item.name),
                    );
                }
            }
        }
        answers.push('}');
        if !self.frame && !answered && self.issues.len() == before {
            self.issues.push(RowIssue {
                cell: format!("{}!第{}行", self.sheet, row + 1),
                row: row + 1,
                value: String::new(),
                problem: "评价题(Q1–Q12、D1–D4)均未填写或均为“不适用”".into(),
            });
        }

        if self.issues.len() > before {
            return;
        }
        let (Some(user_name), Some(enterprise), Some(county)) = (user_name, enterprise, county) else {
            return;
        };
        let response = Response {
            row: row + 1,
            survey_date,
            method,
            user_name,
            user_type,
            usage_nature: text(Field::UsageNature),
            monthly_usage,
            phone,
            enterprise: enterprise.code.clone(),
            utility: enterprise.utility.label(),
            county,
            opinion: text(Field::Opinion),
            suggestion: text(Field::Suggestion),
            answers,
        };
        let key = response.respondent_key();
        if let Some(first) = self.seen.get(&key) {
            let c = layout.column_of(Field::UserName).unwrap_or(0);
            let v = Value::Text(response.user_name.clone());
            self.issue(
                row,
                c,
                &v,
                format!("与第 {first} 行重复(同一用户名称、联系电话和服务企业在同一所属期只能出现一次)"),
            );
            return;
        }
        self.seen.insert(key, row + 1);
        self.responses.push(response);
        if self.responses.len() >= CHUNK_ROWS
            && let (Some(sink), Some(meta)) = (self.sink.as_mut(), self.meta.as_ref())
        {
            self.streamed += self.responses.len();
            let user_cell = format!("{}!{}", self.sheet, self.user_column);
            sink(meta, &user_cell, std::mem::take(&mut self.responses));
        }
    }
}

impl Validator<'_> {
    fn coded(
        &mut self,
        row: u32,
        found: Option<(u32, &Value)>,
        codes: &[(&'static str, &[&str])],
        label: &str,
    ) -> Option<&'static str> {
        let (c, v) = found?;
        if matches!(v, Value::Error(_)) {
            return None;
        }
        let hit = normalize::code(v, codes);
        if hit.is_none() {
            let allowed: Vec<&str> = codes.iter().map(|(c, _)| *c).collect();
            self.issue(row, c, v, format!("{label}无法识别,应为 {} 之一", allowed.join("、")));
        }
        hit
    }
}

/// Appends `s` as a JSON string literal.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    if !s.chars().any(|c| c == '"' || c == '\\' || (c as u32) < 0x20) {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        let mut s = String::new();
        push_json_string(&mut s, "a\"b\\c\n是");
        assert_eq!(serde_json::from_str::<String>(&s).unwrap(), "a\"b\\c\n是");
    }
}
