//! Checking what comes back of the rectification loop (SPEC §11): a filled ledger (整改反馈)
//! from an enterprise, or the city unit's appeal review (申诉复核). Who may send it is decided
//! here (the enterprise itself or the city unit; a review only the city unit), then each row:
//! its 编号 must be one of the enterprise's entries, coded columns must hold their codes, dates
//! must be dates no later than today and no earlier than the survey. A row with a problem is
//! sent back (its cells named) and the others count; rows left blank are not reports.

use chrono::NaiveDate;

use crate::config::{Config, Party, Role};
use crate::intake::ledger::{LoopKind, LoopSheet};
use crate::intake::{Value, cell_name, normalize};
use crate::results::cases::{
    self, AppealReview, CASE_ANSWERS, CASE_CODES, CaseReport, ITEM_ANSWERS, ItemReport, PROGRESS, REVIEW_ANSWERS,
    REVIEW_CODES,
};

/// What the loop knows of an entry a row may name.
#[derive(Debug, Clone)]
pub enum Known {
    /// An improvement item of an enterprise (its code).
    Item { enterprise: String },
    /// A complaint case: its enterprise, the survey date, whether an appeal waits for review.
    Case {
        enterprise: String,
        survey_date: Option<NaiveDate>,
        appealing: bool,
    },
}

/// A problem of one cell (or row) of a returned loop workbook.
#[derive(Debug, Clone, PartialEq)]
pub struct CellProblem {
    pub sheet: String,
    /// 0-based row and column of the cell.
    pub row: u32,
    pub col: u32,
    pub why: String,
}

impl CellProblem {
    /// `差评回访!K6`.
    pub fn place(&self) -> String {
        format!("{}!{}", self.sheet, cell_name(self.row, self.col))
    }
}

/// A returned loop workbook, checked.
#[derive(Debug, Default)]
pub struct Checked {
    /// The enterprise a ledger is of (its code); the reviewing unit's code for a review.
    pub party: String,
    pub party_name: String,
    pub period: Option<String>,
    pub items: Vec<ItemReport>,
    pub cases: Vec<CaseReport>,
    pub reviews: Vec<AppealReview>,
    /// Rows sent back, and their problems.
    pub rows_rejected: usize,
    pub problems: Vec<CellProblem>,
    /// What the sender must know of the file as a whole (a sheet or column not found).
    pub warnings: Vec<String>,
}

impl Checked {
    pub fn rows_accepted(&self) -> usize {
        self.items.len() + self.cases.len() + self.reviews.len()
    }
}

/// Why a returned loop workbook is refused whole.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error("{sheet}工作表缺少“填报单位”,无法知道是哪家企业的整改台账;请使用下发的台账原件填写")]
    NoParty { sheet: String },
    #[error("{cell} 填报单位“{value}”不是登记的{what}")]
    UnknownParty {
        cell: String,
        value: String,
        what: &'static str,
    },
    #[error("整改台账只能由企业本身或市级单位报送:{sender}不能报送{enterprise}的整改台账")]
    NotTheirs { sender: String, enterprise: String },
    #[error("申诉复核表只能由市级单位({city})放入本单位的收件箱文件夹报送,{sender}不能报送")]
    NotCity { sender: String, city: String },
    #[error("工作簿中没有“{sheets}”工作表,或其中没有以“编号”开头的表头行")]
    NoSheet { sheets: String },
}

/// Checks a returned loop workbook of `kind` sent by `sender` (the inbox folder's unit or
/// enterprise, `None` at the inbox's top), as of `today`, against the entries it may name.
pub fn check(
    config: &Config,
    kind: LoopKind,
    sheets: &[LoopSheet],
    sender: Option<Party<'_>>,
    known: &dyn Fn(&str) -> Option<Known>,
    today: NaiveDate,
) -> Result<Checked, Refusal> {
    let with_header: Vec<&LoopSheet> = sheets.iter().filter(|s| !s.columns.is_empty()).collect();
    let Some(first) = with_header.first() else {
        let sheets = match kind {
            LoopKind::Ledger => format!("{}”或“{}", cases::ITEMS_SHEET, cases::CASES_SHEET),
            LoopKind::Review => cases::REVIEW_SHEET.to_string(),
        };
        return Err(Refusal::NoSheet { sheets });
    };
    let (value, cell) = (with_header.iter())
        .find_map(|s| s.meta("填报单位"))
        .map(|(v, c)| (v.display(), c.to_string()))
        .ok_or_else(|| Refusal::NoParty {
            sheet: first.name.clone(),
        })?;
    let named = config.party(&value);
    let mut out = Checked {
        period: with_header
            .iter()
            .find_map(|s| s.meta("所属期"))
            .map(|(v, _)| v.display()),
        ..Default::default()
    };
    let city_unit = |p: Option<Party<'_>>| matches!(p, Some(Party::Unit(u)) if u.role == Role::City);
    match kind {
        LoopKind::Ledger => {
            let Some(Party::Enterprise(e)) = named else {
                return Err(Refusal::UnknownParty {
                    cell,
                    value: shown(&value),
                    what: "企业",
                });
            };
            // At the inbox's top the ledger speaks for itself; in a folder, the folder's owner
            // must be the enterprise or the city unit.
            if let Some(s) = sender
                && s.code() != e.code
                && !city_unit(Some(s))
            {
                return Err(Refusal::NotTheirs {
                    sender: s.name().to_string(),
                    enterprise: e.name.clone(),
                });
            }
            out.party = e.code.clone();
            out.party_name = e.name.clone();
        }
        LoopKind::Review => {
            let city = (config.units.iter())
                .filter(|u| u.role == Role::City)
                .map(|u| u.name.as_str())
                .collect::<Vec<_>>()
                .join("、");
            // Only from the city unit's own folder: a review decides what counts in the scores,
            // so a name typed in the sheet is not enough.
            let by = sender;
            if !city_unit(by) {
                return Err(Refusal::NotCity {
                    sender: by.map_or_else(|| "放在收件箱根目录的文件".to_string(), |p| p.name().to_string()),
                    city,
                });
            }
            let by = by.expect("a city unit");
            out.party = by.code().to_string();
            out.party_name = by.name().to_string();
        }
    }
    let (wanted, answers): (&[&str], &[&[&str]]) = match kind {
        LoopKind::Ledger => (
            &[cases::ITEMS_SHEET, cases::CASES_SHEET],
            &[&ITEM_ANSWERS, &CASE_ANSWERS],
        ),
        LoopKind::Review => (&[cases::REVIEW_SHEET], &[&REVIEW_ANSWERS]),
    };
    for (name, columns) in wanted.iter().zip(answers) {
        match sheets.iter().find(|s| s.name == *name) {
            Some(s) if s.columns.is_empty() => out.warnings.push(format!(
                "工作表“{name}”中找不到以“编号”开头的表头行,该表未读入;请使用下发的原表"
            )),
            Some(s) => {
                let missing: Vec<&str> = (columns.iter().chain(&["编号"]))
                    .filter(|c| s.column(c).is_none())
                    .copied()
                    .collect();
                if !missing.is_empty() {
                    out.warnings.push(format!(
                        "工作表“{name}”缺少列“{}”,这些列的内容未读入;请不要删改表头",
                        missing.join("”“")
                    ));
                }
            }
            None => {}
        }
    }
    for sheet in with_header {
        let mut rows = Rows {
            sheet,
            known,
            today,
            out: &mut out,
        };
        match sheet.name.as_str() {
            cases::ITEMS_SHEET => rows.items(),
            cases::CASES_SHEET => rows.cases(),
            cases::REVIEW_SHEET => rows.reviews(),
            _ => {}
        }
    }
    Ok(out)
}

/// A typed value as a message quotes it: at most 40 characters (a cell may hold 32,767).
fn shown(typed: &str) -> String {
    let mut out: String = typed.chars().take(40).collect();
    if typed.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// The rows of one sheet being checked.
struct Rows<'a, 'b> {
    sheet: &'a LoopSheet,
    known: &'a dyn Fn(&str) -> Option<Known>,
    today: NaiveDate,
    out: &'b mut Checked,
}

/// One row's cells by heading, and its problems.
struct Row<'a> {
    sheet: &'a LoopSheet,
    row: u32,
    cells: &'a [(u32, Value)],
    problems: Vec<CellProblem>,
}

impl<'a> Row<'a> {
    fn value(&self, heading: &str) -> Option<(u32, &'a Value)> {
        let col = self.sheet.column(heading)?;
        let cells: &'a [(u32, Value)] = self.cells;
        cells.iter().find(|(c, _)| *c == col).map(|(c, v)| (*c, v))
    }

    fn text(&self, heading: &str) -> Option<String> {
        self.value(heading)
            .map(|(_, v)| v.display().trim().to_string())
            .filter(|t| !t.is_empty())
    }

    fn problem(&mut self, heading: &str, why: String) {
        let col = self.sheet.column(heading).unwrap_or(0);
        self.problems.push(CellProblem {
            sheet: self.sheet.name.clone(),
            row: self.row,
            col,
            why,
        });
    }

    /// A coded column's value, one of `codes`.
    fn code(&mut self, heading: &str, codes: &[&str]) -> Option<String> {
        let typed = self.text(heading)?;
        if codes.contains(&typed.as_str()) {
            return Some(typed);
        }
        self.problem(
            heading,
            format!("{heading}“{}”无法识别,应为 {} 之一", shown(&typed), codes.join("、")),
        );
        None
    }

    /// A date column: a date no later than `today` and no earlier than `earliest`.
    fn date(&mut self, heading: &str, today: NaiveDate, earliest: Option<NaiveDate>) -> Option<NaiveDate> {
        let (_, v) = self.value(heading)?;
        let Some(d) = normalize::date(v) else {
            let typed = v.display();
            self.problem(
                heading,
                format!("{heading}“{}”无法识别,应写作 2026-10-05 或 2026/10/5", shown(&typed)),
            );
            return None;
        };
        if d > today {
            self.problem(heading, format!("{heading} {d} 晚于今天({today}),请填写实际日期"));
            return None;
        }
        if let Some(e) = earliest
            && d < e
        {
            self.problem(heading, format!("{heading} {d} 早于用户接受调查的日期 {e}"));
            return None;
        }
        Some(d)
    }

    /// Whether any of `headings` holds a value.
    fn any(&self, headings: &[&str]) -> bool {
        headings.iter().any(|h| self.value(h).is_some())
    }
}

impl Rows<'_, '_> {
    fn each(&mut self, answers: &[&str], mut f: impl FnMut(&mut Row<'_>, String, &Self)) {
        let sheet = self.sheet;
        for (r, cells) in &sheet.rows {
            let mut row = Row {
                sheet,
                row: *r,
                cells,
                problems: Vec::new(),
            };
            // Rows the enterprise left blank report nothing.
            if !row.any(answers) {
                continue;
            }
            let Some(number) = row.text("编号") else {
                row.problem("编号", "编号为空:请不要删改下发台账的编号列".into());
                self.reject(row.problems);
                continue;
            };
            f(&mut row, number, self);
            if !row.problems.is_empty() {
                let problems = std::mem::take(&mut row.problems);
                self.reject(problems);
            }
        }
    }

    fn reject(&mut self, problems: Vec<CellProblem>) {
        self.out.rows_rejected += 1;
        self.out.problems.extend(problems);
    }

    /// Whether `number` is an entry of this workbook's enterprise; says why not on the row.
    fn known(&self, row: &mut Row<'_>, number: &str, what: &str) -> Option<Known> {
        let party = &self.out.party;
        match (self.known)(number) {
            Some(k) => {
                let owner = match &k {
                    Known::Item { enterprise } | Known::Case { enterprise, .. } => enterprise,
                };
                let is_case = matches!(k, Known::Case { .. });
                if is_case != (what == "差评件") {
                    row.problem(
                        "编号",
                        format!("编号“{}”不是{what},请填在对应的工作表中", shown(number)),
                    );
                    None
                } else if owner != party && self.sheet.name != cases::REVIEW_SHEET {
                    row.problem(
                        "编号",
                        format!("编号“{}”是另一家企业的{what},不能在本企业台账中报告", shown(number)),
                    );
                    None
                } else {
                    Some(k)
                }
            }
            None => {
                row.problem("编号", format!("编号“{}”不是已下发的{what},请核对编号", shown(number)));
                None
            }
        }
    }

    fn items(&mut self) {
        let today = self.today;
        let mut got = Vec::new();
        self.each(&ITEM_ANSWERS, |row, number, me| {
            me.known(row, &number, "整改事项");
            let progress = row.code("进展", &PROGRESS);
            let done_on = row.date("完成日期", today, None);
            if progress.as_deref() == Some(PROGRESS[0]) && row.value("完成日期").is_none() {
                row.problem("完成日期", "进展为“已完成”时请填写完成日期".into());
            }
            if row.problems.is_empty() {
                got.push(ItemReport {
                    item_id: number,
                    enterprise: me.out.party.clone(),
                    file_id: 0,
                    row: row.row + 1,
                    measures: row.text("整改措施"),
                    department: row.text("责任部门"),
                    progress,
                    done_on,
                    note: row.text("说明"),
                });
            }
        });
        self.out.items.extend(got);
    }

    fn cases(&mut self) {
        let today = self.today;
        let mut got = Vec::new();
        self.each(&CASE_ANSWERS, |row, number, me| {
            let surveyed = match me.known(row, &number, "差评件") {
                Some(Known::Case { survey_date, .. }) => survey_date,
                _ => None,
            };
            let mut codes = CASE_CODES.iter().map(|(h, values)| row.code(h, values));
            let (call_result, verified, user_rating, appeal) = (
                codes.next().flatten(),
                codes.next().flatten(),
                codes.next().flatten(),
                codes.next().flatten(),
            );
            let called_on = row.date("回访日期", today, surveyed);
            let done_on = row.date("完成日期", today, surveyed);
            if call_result.is_some() && row.value("回访日期").is_none() {
                row.problem("回访日期", "填写了回访结果,请同时填写回访日期".into());
            }
            if called_on.is_some() && row.value("回访结果").is_none() {
                row.problem("回访结果", "填写了回访日期,请同时填写回访结果(已联系或无法联系)".into());
            }
            let appeal = appeal.as_deref() == Some("是");
            let reason = row.text("申诉理由");
            if appeal && reason.is_none() {
                row.problem("申诉理由", "申诉填“是”时请写明申诉理由".into());
            }
            if row.problems.is_empty() {
                got.push(CaseReport {
                    number,
                    file_id: 0,
                    row: row.row + 1,
                    called_on,
                    call_result,
                    verified,
                    measures: row.text("整改措施"),
                    done_on,
                    user_rating,
                    appeal,
                    appeal_reason: reason,
                });
            }
        });
        self.out.cases.extend(got);
    }

    fn reviews(&mut self) {
        let today = self.today;
        let mut got = Vec::new();
        self.each(&REVIEW_ANSWERS, |row, number, me| {
            let known = me.known(row, &number, "差评件");
            if let Some(Known::Case { appealing: false, .. }) = known {
                row.problem("编号", format!("差评件“{number}”没有待复核的申诉"));
            }
            let decision = row.code("复核结论", &REVIEW_CODES);
            if decision.is_none() && row.value("复核结论").is_none() {
                row.problem("复核结论", "请填写复核结论(成立或不成立)".into());
            }
            if row.problems.is_empty()
                && let Some(decision) = decision
            {
                got.push(AppealReview {
                    number,
                    file_id: 0,
                    row: row.row + 1,
                    upheld: decision == REVIEW_CODES[0],
                    opinion: row.text("复核意见"),
                    decided_by: me.out.party_name.clone(),
                    decided_on: today,
                });
            }
        });
        self.out.reviews.extend(got);
    }
}
