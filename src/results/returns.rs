//! What intake, validation and the store say about a received return: the cells as read, the
//! shape of its sheet, the problems of its rows, and how it was filed. Plain types, filled by
//! the stages that read and store returns and read by every later one.

use std::fmt;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::period::ReturnKind;

/// A non-empty cell value, as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Text(String),
    Number(f64),
    Bool(bool),
    Date(NaiveDateTime),
    /// A formula error value such as `#N/A`.
    Error(String),
}

impl Value {
    /// The value as a person would read it in the cell.
    pub fn display(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            Value::Date(d) if d.time() == chrono::NaiveTime::MIN => d.date().to_string(),
            Value::Date(d) => d.to_string(),
            Value::Error(e) => e.clone(),
        }
    }
}

/// The template's label of each fixed column, in [`Field::slot`] order.
pub const COLUMN_LABELS: [&str; 14] = [
    "序号",
    "调查日期",
    "调查方式",
    "用户名称",
    "用户类型",
    "用水(用气)性质",
    "月均用量",
    "联系电话",
    "服务类别",
    "服务企业",
    "所属县市",
    "意见或投诉",
    "建议",
    "未回访原因",
];

/// A column of a survey return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Seq,
    SurveyDate,
    Method,
    UserName,
    UserType,
    UsageNature,
    MonthlyUsage,
    Phone,
    Utility,
    Enterprise,
    County,
    Opinion,
    Suggestion,
    /// Why a call-back user was not reached (未回访原因: 未接通, 空号, 拒访, 停机, 其他).
    NotReached,
    /// The scheme's item at this index.
    Item(usize),
}

impl Field {
    /// The index of a fixed field in intake's table of fixed columns; items have none.
    pub fn slot(self) -> usize {
        match self {
            Field::Seq => 0,
            Field::SurveyDate => 1,
            Field::Method => 2,
            Field::UserName => 3,
            Field::UserType => 4,
            Field::UsageNature => 5,
            Field::MonthlyUsage => 6,
            Field::Phone => 7,
            Field::Utility => 8,
            Field::Enterprise => 9,
            Field::County => 10,
            Field::Opinion => 11,
            Field::Suggestion => 12,
            Field::NotReached => 13,
            Field::Item(_) => panic!("items have no fixed slot"),
        }
    }
}

/// A metadata value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct MetaCell {
    pub value: Value,
    /// `调查问卷!B2`
    pub cell: String,
}

/// What the metadata block of a sheet says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    pub submitter: Option<MetaCell>,
    pub kind: Option<MetaCell>,
    pub period: Option<MetaCell>,
    /// 调查名称 of an unscheduled survey (SPEC §13).
    pub survey_name: Option<MetaCell>,
}

/// A found header: the sheet, its row, and the columns it maps.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub sheet: String,
    /// 0-based row of the header.
    pub header_row: u32,
    /// (0-based column, field), in column order; each field once.
    pub columns: Vec<(u32, Field)>,
    /// Header cells that name no known field (`备注 (K5)`), reported once.
    pub ignored: Vec<String>,
    /// The online survey platform whose export this is (问卷星), known by its own columns.
    pub platform: Option<String>,
    /// That platform's own columns (所用时间, 来自IP …), not read.
    pub platform_columns: Vec<String>,
    /// Columns of an export taken for a question by words only alike to its own (`F1 → Q9`).
    pub approximate: Vec<String>,
    pub meta: Meta,
}

impl Layout {
    pub fn has(&self, field: Field) -> bool {
        self.columns.iter().any(|&(_, f)| f == field)
    }

    pub fn column_of(&self, field: Field) -> Option<u32> {
        self.columns.iter().find(|&&(_, f)| f == field).map(|&(c, _)| c)
    }

    /// Whether the return carries answers (a survey) or only users (a sample frame).
    pub fn has_items(&self) -> bool {
        self.columns.iter().any(|(_, f)| matches!(f, Field::Item(_)))
    }
}

/// The data sheet of a workbook as its sender filled it in: every row, every non-empty cell
/// with its value as typed (text, number, date …), and where its metadata and columns are. For
/// the feedback that goes back to the sender, with the problem cells marked.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetDump {
    pub name: String,
    /// (0-based row, non-empty cells as (0-based column, value)), in order.
    pub rows: Vec<(u32, Vec<(u32, Value)>)>,
    /// The header row, its columns and the metadata cells, as intake found them.
    pub layout: Layout,
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

impl fmt::Display for RowIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}:{}", self.cell, self.problem)
        } else {
            write!(f, "{}:填写的是“{}”,{}", self.cell, self.value, self.problem)
        }
    }
}

/// Where a received file stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// The return in force for its submitter, kind and period.
    Accepted,
    Rejected,
    /// Replaced by a later return of the same submitter, kind and period.
    Superseded,
}

impl Status {
    /// The code in the database and in manifest.json.
    pub fn code(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::Superseded => "superseded",
        }
    }

    pub fn from_code(code: &str) -> Option<Status> {
        [Status::Accepted, Status::Rejected, Status::Superseded]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// A stored submission, as later stages and the inbox need it.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub id: i64,
    pub sha256: String,
    pub original_name: String,
    pub submitter_code: Option<String>,
    pub kind: Option<ReturnKind>,
    pub period: Option<String>,
    pub status: Status,
    pub rows_accepted: i64,
    pub rows_rejected: i64,
    pub reason: Option<String>,
    pub stored_path: String,
    pub filed: bool,
    pub received_at: String,
    /// What the submitter must know of an accepted return (missing question columns …), one a line.
    pub warnings: Option<String>,
    /// Where the file was received, byte for byte (recorded since schema 4).
    pub source_path: Option<std::path::PathBuf>,
    /// An unscheduled survey's 调查名称 (SPEC §13).
    pub survey_name: Option<String>,
}

/// An unscheduled survey's name when its return does not give one.
pub const ADHOC_NAME: &str = "不定期抽查";

impl Submission {
    /// The unscheduled survey it belongs to: its 调查名称, or the default name.
    pub fn survey(&self) -> &str {
        self.survey_name.as_deref().unwrap_or(ADHOC_NAME)
    }
}
