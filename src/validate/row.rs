//! Row validation: the [`Validator`] that [`intake`](mod@crate::intake) feeds, deciding a
//! return's submitter, kind and period from its layout and turning each data row into a
//! [`Response`] or [`RowIssue`]s.

use std::collections::{BTreeMap, HashMap};

use super::{
    CHUNK_ROWS, Checked, Hint, METHODS, NOT_REACHED, NotReached, Outcome, Rejection, Response, ReturnMeta, RowIssue,
    RowsSink, USER_TYPES,
};
use crate::config::{Config, Party, Role};
use crate::intake::layout::FIELDS;
use crate::intake::normalize::{self, NOT_APPLICABLE};
use crate::intake::{Field, Format, Layout, MetaCell, ReturnVisitor, Value, cell_name};
use crate::period::{Period, ReturnKind};
use crate::results::Answers;
use crate::scheme::ItemKind;
use crate::text::clean_value;

pub(super) struct Validator<'a> {
    config: &'a Config,
    hint: &'a Hint,
    pub(super) meta: Option<ReturnMeta>,
    pub(super) rejection: Option<Rejection>,
    sheet: String,
    responses: Vec<Response>,
    pub(super) issues: Vec<RowIssue>,
    notes: Vec<String>,
    /// What the submitter must know of an accepted return (questions not scored, a sheet not
    /// read, a cause behind many row issues), said in its feedback.
    warnings: Vec<String>,
    /// respondent key → the row that first named it
    seen: HashMap<String, u32>,
    frame: bool,
    /// Call-back rows left without a date or an answer, and where their note is.
    unreached: usize,
    unreached_note: Option<usize>,
    /// Call-back users not reached, with the reason.
    not_reached: Vec<NotReached>,
    user_column: String,
    /// Column index → field, from the layout.
    by_column: Vec<Option<Field>>,
    /// The submitter, when it is an enterprise: the default 服务企业.
    submitter_enterprise: Option<&'a crate::config::Enterprise>,
    /// The submitter's county, when it is a county unit: the default 所属县市 (before the
    /// enterprise's registered county).
    submitter_county: Option<&'a str>,
    /// The export of an online platform (its name): numbers in the question columns are
    /// option numbers, and its markers of skipped answers are blanks.
    platform: Option<String>,
    /// Whether the export is a numbered download (its choices written as option numbers),
    /// decided by its first row with three answers or more: all numbers, or not.
    numbered: Option<bool>,
    /// Option numbers were read, of the questions and of which coded columns (said once in the
    /// warnings).
    option_numbers: bool,
    option_coded: Vec<(&'static str, Vec<&'static str>)>,
    /// A numbered export's rows read before it is known to be one (its first rows have fewer
    /// than three answers): they wait for the first row that tells.
    undecided: Vec<(u32, Vec<(u32, Value)>)>,
    undecided_layout: Option<Layout>,
    pub(super) sink: Option<RowsSink<'a>>,
    streamed: usize,
    /// A 所属期 Excel stored as a number that reads as January or October: the rows wait
    /// here until the survey dates decide.
    ambiguous: Option<Ambiguous>,
    /// Required columns the header lacks (their labels): one cause behind every row's issue.
    missing_columns: Vec<&'static str>,
    /// Rows whose survey date fell inside the period, and the months of those outside it.
    dates_inside: usize,
    dates_outside: BTreeMap<Period, usize>,
    /// Cells of survey dates later than today.
    future_dates: Vec<String>,
    /// Each distinct unregistered value's message, computed once per file.
    suggestions: HashMap<(Field, String), String>,
    /// Sheets after the one read that hold a header of their own.
    other_sheets: Vec<String>,
}

/// A 所属期 cell holding a number like 2026.1: January, or October with its zero dropped.
struct NumericPeriod {
    cell: String,
    value: String,
    year: i32,
}

/// Where a return's 所属期 comes from.
enum PeriodFrom {
    /// Written in the sheet or the file name.
    Written,
    /// A number like 2026.1: January or October, as the survey dates say.
    Numeric(NumericPeriod),
    /// Nowhere: the one month (or quarter) of the survey dates.
    Dates,
}

/// The state of a return whose 所属期 the survey dates must decide: a number like 2026.1
/// (January or October), or none written at all (the one month, or quarter, of its dates).
struct Ambiguous {
    /// The number and its cell; `None` when no 所属期 was written.
    numeric: Option<NumericPeriod>,
    layout: Layout,
    rows: Vec<(u32, Vec<(u32, Value)>)>,
}

impl<'a> Validator<'a> {
    pub(super) fn new(config: &'a Config, hint: &'a Hint) -> Self {
        Validator {
            config,
            hint,
            meta: None,
            rejection: None,
            sheet: String::new(),
            responses: Vec::new(),
            issues: Vec::new(),
            notes: Vec::new(),
            warnings: Vec::new(),
            seen: HashMap::new(),
            frame: false,
            unreached: 0,
            unreached_note: None,
            not_reached: Vec::new(),
            user_column: String::new(),
            by_column: Vec::new(),
            submitter_enterprise: None,
            submitter_county: None,
            platform: None,
            numbered: None,
            option_numbers: false,
            option_coded: Vec::new(),
            undecided: Vec::new(),
            undecided_layout: None,
            sink: None,
            streamed: 0,
            ambiguous: None,
            missing_columns: Vec::new(),
            dates_inside: 0,
            dates_outside: BTreeMap::new(),
            future_dates: Vec::new(),
            suggestions: HashMap::new(),
            other_sheets: Vec::new(),
        }
    }

    pub(super) fn finish(mut self, format: Format) -> Outcome {
        if self.rejection.is_none()
            && let Some(a) = self.ambiguous.take()
        {
            self.settle_period(a);
            if self.rejection.is_some() {
                // The tentative January is no period of this return: record none.
                self.meta = None;
            }
        }
        // An export whose every row has fewer than three answers: numbered when every answer
        // of them is a number.
        if self.rejection.is_none()
            && !self.undecided.is_empty()
            && let Some(layout) = self.undecided_layout.take()
        {
            let tally = self.undecided.iter().map(|(_, cells)| self.answered_items(cells));
            let (answered, numbers) = tally.fold((0, true), |(n, all), (k, b)| (n + k, all && b));
            self.numbered = Some(answered > 0 && numbers);
            self.read_undecided(&layout);
        }
        if let Some(reason) = self.rejection {
            return Outcome::Rejected {
                reason,
                meta: self.meta,
                issues: self.issues,
            };
        }
        let Some(meta) = self.meta.take() else {
            return Outcome::Rejected {
                reason: Rejection::MissingSubmitter,
                meta: None,
                issues: self.issues,
            };
        };
        let causes = self.causes(&meta);
        self.warnings.splice(0..0, causes.iter().cloned());
        if !self.future_dates.is_empty() {
            let n = self.future_dates.len();
            let cells = self
                .future_dates
                .iter()
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join("、");
            let more = if n > 10 { format!(" 等 {n} 处") } else { String::new() };
            self.warnings
                .push(format!("调查日期晚于今天({}):{cells}{more},请核对", self.config.today));
        }
        if self.option_numbers || !self.option_coded.is_empty() {
            let grades: Vec<String> = (self.config.scheme.grades.iter().enumerate())
                .map(|(k, g)| format!("{}={}", k + 1, g.label))
                .collect();
            let coded: String = (self.option_coded.iter())
                .map(|(label, codes)| {
                    let list: Vec<String> = (codes.iter().enumerate())
                        .map(|(k, c)| format!("{}={c}", k + 1))
                        .collect();
                    format!(";{label} {}", list.join("、"))
                })
                .collect();
            self.warnings.push(format!(
                "工作表“{}”是按选项序号下载的,已按问卷的选项顺序读取:是否题 1=是、2=否、3=不适用;五级题 {}{coded}。请核对问卷中选项的顺序与此一致(或改为“按选项文本”下载)",
                self.sheet,
                grades.join("、"),
            ));
        }
        if !self.other_sheets.is_empty() {
            self.warnings.push(format!(
                "只读取了工作表“{}”;工作表{}也像是数据表,未读取。请把数据合并到一个工作表,或分成多个文件报送",
                self.sheet,
                self.other_sheets
                    .iter()
                    .map(|s| format!("“{s}”"))
                    .collect::<Vec<_>>()
                    .join("、")
            ));
        }
        if !self.not_reached.is_empty() {
            let mut by: Vec<(&str, usize)> = Vec::new();
            for n in &self.not_reached {
                match by.iter_mut().find(|(r, _)| *r == n.reason) {
                    Some(e) => e.1 += 1,
                    None => by.push((n.reason, 1)),
                }
            }
            by.sort_by_key(|(r, _)| NOT_REACHED.iter().position(|(c, _)| c == r));
            let said: Vec<String> = by.iter().map(|(r, n)| format!("{r} {n}")).collect();
            self.notes.push(format!(
                "{} 行为未回访成功的用户({}),已记录并计入回访情况",
                self.not_reached.len(),
                said.join("、")
            ));
        }
        if self.responses.is_empty() && self.streamed == 0 {
            let reason = Rejection::NoValidRows {
                issues: self.issues.len(),
                cause: (!causes.is_empty()).then(|| causes.join(";")),
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
            not_reached: self.not_reached,
            notes: self.notes,
            warnings: self.warnings,
        })
    }

    /// Decides submitter, kind and period from the sheet's metadata and the hint; a period
    /// that Excel stored as the number 2026.1 comes back tentative (January), with the cell,
    /// for the survey dates to settle.
    fn decide_meta(&mut self, layout: &Layout) -> Result<(ReturnMeta, PeriodFrom), Rejection> {
        let m = &layout.meta;
        let submitter = match &m.submitter {
            Some(MetaCell { value, cell }) => {
                let typed = value.display();
                let p = match self.config.party(&typed) {
                    Some(p) => p,
                    None => {
                        let suggestion = self.config.suggest_party(&typed).map(str::to_string);
                        return Err(Rejection::UnknownSubmitter {
                            value: typed,
                            cell: cell.clone(),
                            suggestion,
                        });
                    }
                };
                // A folder is a submitter's own: a return of another in it would replace
                // that other's return, or be filed under the wrong sender.
                if let Some(folder) = self.hint.folder.as_deref().and_then(|c| self.config.party(c))
                    && folder.code() != p.code()
                {
                    return Err(Rejection::FolderConflict {
                        cell: cell.clone(),
                        sheet: p.name().to_string(),
                        folder: folder.name().to_string(),
                        folder_code: folder.code().to_string(),
                    });
                }
                p
            }
            None => match self.hint.submitter.as_deref().and_then(|c| self.config.party(c)) {
                Some(p) => p,
                None => return Err(Rejection::MissingSubmitter),
            },
        };
        let mut from = PeriodFrom::Written;
        let period = match &m.period {
            Some(MetaCell { value, cell }) => match value {
                Value::Date(d) => Some(Period::month_of(d.date())),
                // Excel keeps a typed `2026.10` as the number 2026.1.
                Value::Number(n) if dropped_zero_year(*n).is_some() => {
                    let year = dropped_zero_year(*n).unwrap_or_default();
                    let (jan, oct) = (Period::Month { year, month: 1 }, Period::Month { year, month: 10 });
                    match self.hint.period {
                        Some(p) if p == jan || p == oct => Some(p),
                        _ => {
                            from = PeriodFrom::Numeric(NumericPeriod {
                                cell: cell.clone(),
                                value: value.display(),
                                year,
                            });
                            Some(jan)
                        }
                    }
                }
                v => Some(Period::parse(&v.display()).ok_or_else(|| Rejection::BadPeriod {
                    value: v.display(),
                    cell: cell.clone(),
                })?),
            },
            None => self.hint.period,
        };
        let kind = match &m.kind {
            Some(MetaCell { value, cell })
                if [crate::results::cases::LEDGER_KIND, crate::results::cases::REVIEW_KIND]
                    .contains(&value.display().as_str()) =>
            {
                return Err(Rejection::LedgerNotYetRead {
                    value: value.display(),
                    cell: cell.clone(),
                });
            }
            Some(MetaCell { value, cell }) => {
                ReturnKind::parse(&value.display()).ok_or_else(|| Rejection::BadKind {
                    value: value.display(),
                    cell: cell.clone(),
                })?
            }
            None => match self.hint.kind {
                Some(k) => k,
                None if !layout.has_items() => ReturnKind::Frame,
                None if period.is_some_and(Period::is_quarter) => ReturnKind::Quarterly,
                None => ReturnKind::Monthly,
            },
        };
        // No 所属期 anywhere: a survey's dates may say it (an online survey's export has no
        // metadata block); a sample frame has none to say it.
        let period = match period {
            Some(p) => p,
            // Only an online platform's export: a return of the template says its period, and
            // one that forgot it must not replace the month's return (say, an addition).
            None if kind == ReturnKind::Frame || !layout.has(Field::SurveyDate) || layout.platform.is_none() => {
                return Err(Rejection::MissingPeriod);
            }
            None => {
                from = PeriodFrom::Dates;
                let placeholder = Period::Month { year: 2000, month: 1 };
                if kind.wants_quarter() == Some(true) {
                    placeholder.quarter()
                } else {
                    placeholder
                }
            }
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
        let meta = ReturnMeta {
            submitter_code: submitter.code().to_string(),
            submitter_name: submitter.name().to_string(),
            kind,
            period,
            survey_name: (kind == ReturnKind::Adhoc).then(|| {
                (m.survey_name.as_ref())
                    .map(|c| crate::text::clean_value(&c.value.display()))
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| super::ADHOC_NAME.to_string())
            }),
        };
        if kind != ReturnKind::Frame && !layout.has_items() {
            let r = Rejection::NoAnswerColumns { kind: kind.label() };
            return Err(self.known(r, meta, !matches!(from, PeriodFrom::Written)));
        }
        if kind.is_sampled() && !matches!(submitter, Party::Unit(u) if u.role == Role::City) {
            let city: Vec<String> = (self.config.units.iter())
                .filter(|u| u.role == Role::City)
                .map(|u| format!("“{}”", u.name))
                .collect();
            let r = Rejection::QuarterlyNotCity {
                kind: kind.label(),
                submitter: submitter.name().to_string(),
                city: if city.is_empty() {
                    "(配置中 role = \"city\" 的单位,目前未登记)".to_string()
                } else {
                    city.join("、")
                },
            };
            return Err(self.known(r, meta, !matches!(from, PeriodFrom::Written)));
        }
        Ok((meta, from))
    }

    /// A rejection of a return whose submitter, kind and period are known (no question
    /// columns, a 季度抽查 from a county): they are recorded with it, so that its period's
    /// feedback and data quality count it and its submitter is told. Not when the period is
    /// only a guess (a number like 2026.1).
    fn known(&mut self, r: Rejection, meta: ReturnMeta, guessed: bool) -> Rejection {
        if !guessed {
            self.meta = Some(meta);
        }
        r
    }

    /// Settles a 所属期 by the survey dates of the held rows (a number like 2026.1: January
    /// or October; none written: the one month, or quarter, the dates fall in), then validates
    /// those rows; rejects the file when the dates cannot tell.
    fn settle_period(&mut self, a: Ambiguous) {
        let quarterly = self.meta.as_ref().is_some_and(|m| m.period.is_quarter());
        let candidates = a.numeric.as_ref().map(|n| {
            [
                Period::Month { year: n.year, month: 1 },
                Period::Month {
                    year: n.year,
                    month: 10,
                },
            ]
        });
        let date_col = a.layout.column_of(Field::SurveyDate);
        let mut tally: BTreeMap<Period, usize> = BTreeMap::new();
        for (_, cells) in &a.rows {
            let date = cells
                .iter()
                .find(|(c, _)| Some(*c) == date_col)
                .and_then(|(_, v)| normalize::date(v));
            let Some(d) = date else { continue };
            let p = match candidates {
                Some(c) => c.into_iter().find(|p| p.contains(d)),
                None if quarterly => Some(Period::month_of(d).quarter()),
                None => Some(Period::month_of(d)),
            };
            if let Some(p) = p {
                *tally.entry(p).or_default() += 1;
            }
        }
        let only = match tally.len() {
            1 => tally.keys().next().copied(),
            _ => None,
        };
        let (period, warning) = match (only, a.numeric) {
            (Some(period), Some(n)) => {
                let warning = format!(
                    "{} 所属期被 Excel 存成了数字 {},按调查日期判断为 {};今后请把所属期写作 {}",
                    n.cell,
                    n.value,
                    period.label_zh(),
                    period
                );
                (period, warning)
            }
            (Some(period), None) => {
                let warning = format!(
                    "表中和文件名都没有写明所属期,按调查日期(全部 {} 行都在 {})取为 {};如不对,请在文件名中注明所属期(如 …_月度自评_{}.xlsx)后重新报送",
                    tally[&period],
                    period.label_zh(),
                    period.label_zh(),
                    period
                );
                (period, warning)
            }
            (None, Some(n)) => {
                let why = if tally.is_empty() {
                    "调查日期既不在1月也不在10月,无法判断"
                } else {
                    "调查日期1月和10月都有,无法判断"
                };
                self.rejection = Some(Rejection::AmbiguousPeriod {
                    cell: n.cell,
                    value: n.value,
                    year: n.year,
                    why,
                });
                return;
            }
            (None, None) if tally.is_empty() => {
                self.rejection = Some(Rejection::MissingPeriod);
                return;
            }
            (None, None) => {
                let spread: Vec<String> = (tally.iter())
                    .map(|(p, n)| format!("{} {n} 行", p.label_zh()))
                    .collect();
                self.rejection = Some(Rejection::PeriodFromDates {
                    spread: spread.join("、"),
                });
                return;
            }
        };
        if let Some(meta) = self.meta.as_mut() {
            meta.period = period;
        }
        self.warnings.push(warning);
        for (row, cells) in a.rows {
            self.row(&a.layout, row, &cells);
        }
    }

    /// File-level causes behind many identical row issues, said once before the rows.
    fn causes(&self, meta: &ReturnMeta) -> Vec<String> {
        let mut causes = Vec::new();
        for label in &self.missing_columns {
            causes.push(format!(
                "表头中没有“{label}”列,因此每一行都缺少{label};请在表头加上“{label}”列并填写"
            ));
        }
        if self.dates_inside == 0 && !self.dates_outside.is_empty() {
            let rows: usize = self.dates_outside.values().sum();
            let months: Vec<String> = self.dates_outside.keys().map(|p| p.label_zh()).collect();
            let hint = match self.dates_outside.keys().collect::<Vec<_>>().as_slice() {
                [only] if !meta.period.is_quarter() => format!("(是否应为 {only}?)"),
                _ => String::new(),
            };
            causes.push(format!(
                "所属期为 {},但全部 {rows} 行的调查日期都不在该期内(调查日期在 {});请核对所属期{hint}或调查日期",
                meta.period.label_zh(),
                months.join("、")
            ));
        }
        causes
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
    fn layout(&mut self, layout: &Layout) -> bool {
        self.sheet = layout.sheet.clone();
        let col = layout.column_of(Field::UserName).unwrap_or(0);
        self.user_column = cell_name(0, col).trim_end_matches('1').to_string();
        if !layout.ignored.is_empty() {
            self.notes
                .push(format!("已忽略无法识别的列:{}", layout.ignored.join("、")));
        }
        if let Some(platform) = &layout.platform {
            self.notes.push(format!(
                "工作表“{}”是{platform}导出的答卷,已按题目文字读取各题{}",
                layout.sheet,
                if layout.platform_columns.is_empty() {
                    String::new()
                } else {
                    format!(",平台自带的列未读取:{}", layout.platform_columns.join("、"))
                }
            ));
        }
        if !layout.approximate.is_empty() {
            self.notes.push(format!(
                "以下列的题目文字与问卷原文不完全相同,按最相近的题目读取,请核对:{}",
                layout.approximate.join("、")
            ));
        }
        self.platform = layout.platform.clone();
        match self.decide_meta(layout) {
            Ok((meta, from)) => {
                self.frame = meta.kind == ReturnKind::Frame;
                let numeric = match from {
                    PeriodFrom::Written => None,
                    PeriodFrom::Numeric(n) => Some(Some(n)),
                    PeriodFrom::Dates => Some(None),
                };
                if let Some(numeric) = numeric {
                    self.ambiguous = Some(Ambiguous {
                        numeric,
                        layout: layout.clone(),
                        rows: Vec::new(),
                    });
                }
                self.note_missing_columns(layout, &meta);
                (self.submitter_enterprise, self.submitter_county) = match self.config.party(&meta.submitter_code) {
                    Some(Party::Enterprise(e)) => (Some(e), None),
                    // An export has no 所属县市: its users are the county office's own.
                    Some(Party::Unit(u)) if u.role == Role::County && layout.platform.is_some() => {
                        (None, self.config.county(u.county_name()))
                    }
                    _ => (None, None),
                };
                let width = layout.columns.iter().map(|&(c, _)| c as usize + 1).max().unwrap_or(0);
                self.by_column = vec![None; width];
                for &(c, f) in &layout.columns {
                    self.by_column[c as usize] = Some(f);
                }
                self.meta = Some(meta);
                true
            }
            Err(r) => {
                self.rejection = Some(r);
                false
            }
        }
    }

    fn other_sheet(&mut self, sheet: &str) {
        self.other_sheets.push(sheet.to_string());
    }

    fn row(&mut self, layout: &Layout, row: u32, cells: &[(u32, Value)]) {
        if let Some(a) = self.ambiguous.as_mut() {
            a.rows.push((row, cells.to_vec()));
            return;
        }
        // An export's first rows wait until one with three answers says whether its choices
        // are option numbers.
        if self.platform.is_some() && self.numbered.is_none() {
            let (answered, numbers) = self.answered_items(cells);
            if answered < 3 {
                self.undecided_layout.get_or_insert_with(|| layout.clone());
                self.undecided.push((row, cells.to_vec()));
                return;
            }
            self.numbered = Some(numbers);
            self.read_undecided(layout);
        }
        // 腾讯问卷 writes a chosen option with its letter (`A.是`, `B.居民用户`): its words decide.
        let words: Vec<(u32, Value)>;
        let chosen = |c: u32| {
            matches!(
                self.by_column.get(c as usize).copied().flatten(),
                Some(
                    Field::Item(_)
                        | Field::UserType
                        | Field::Method
                        | Field::Enterprise
                        | Field::County
                        | Field::Utility
                        | Field::UsageNature
                        | Field::NotReached
                )
            )
        };
        let letter = |(c, v): &(u32, Value)| chosen(*c) && matches!(v, Value::Text(t) if option_words(t).is_some());
        let cells = match &self.platform {
            Some(_) if cells.iter().any(letter) => {
                words = (cells.iter())
                    .map(|(c, v)| match v {
                        Value::Text(t) if chosen(*c) => (*c, Value::Text(option_words(t).unwrap_or(t).to_string())),
                        v => (*c, v.clone()),
                    })
                    .collect();
                &words[..]
            }
            _ => cells,
        };
        let before = self.issues.len();
        let (fixed, item_cells) = self.by_field(row, cells);
        let no_answer = item_cells.iter().all(|v| blank(*v));
        let reason_cell = fixed[Field::NotReached.slot()].filter(|(_, v)| !blank(Some(v)));
        if self.meta.as_ref().is_some_and(|m| m.kind.is_sampled())
            && no_answer
            && self.call_back_without_answer(layout, row, &fixed, reason_cell, before)
        {
            return;
        }
        if let (Some((c, v)), false) = (reason_cell, no_answer) {
            self.issue(
                row,
                c,
                v,
                "该行有回答,又填写了未回访原因;回访成功的请清空未回访原因,未回访成功的请清空回答",
            );
        }
        let get = |f: Field| fixed[f.slot()];
        let text = |f: Field| {
            get(f).and_then(|(_, v)| match v {
                Value::Error(_) => None,
                Value::Text(s) => Some(clean_value(s)).filter(|s| !s.is_empty()),
                v => Some(v.display()),
            })
        };
        let user_name = text(Field::UserName);
        if user_name.is_none() && !matches!(get(Field::UserName), Some((_, Value::Error(_)))) {
            self.missing(row, layout.column_of(Field::UserName), "用户名称");
        }
        let phone = self.phone(layout, row, get(Field::Phone));
        let survey_date = self.survey_date(layout, row, get(Field::SurveyDate));
        let method = self.coded(row, get(Field::Method), METHODS, "调查方式");
        let user_type = match get(Field::UserType) {
            None => {
                self.missing(row, layout.column_of(Field::UserType), "用户类型");
                None
            }
            found => self.coded(row, found, USER_TYPES, "用户类型"),
        };
        let enterprise = self.enterprise(layout, row, get(Field::Enterprise));
        if let (Some(e), Some(found)) = (enterprise, get(Field::Utility)) {
            self.check_utility(row, found, e);
        }
        let county = match get(Field::County) {
            Some(found) if !matches!(found.1, Value::Error(_)) => self.county(row, found),
            _ => (self.submitter_county.map(str::to_string)).or_else(|| enterprise.map(|e| e.county.clone())),
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

        let (answers, answered) = self.answers(layout, row, &item_cells);
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
        self.keep(
            layout,
            row,
            Response {
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
            },
        );
    }
}

/// Whether a cell says nothing.
fn blank(v: Option<&Value>) -> bool {
    match v {
        None => true,
        Some(Value::Text(t)) => clean_value(t).is_empty(),
        _ => false,
    }
}

/// A row's cells of the fixed columns, by field slot: (column, value).
type Fixed<'v> = [Option<(u32, &'v Value)>; FIELDS.len()];

impl<'a> Validator<'a> {
    /// Each cell of a row to its field, in one pass (formula errors in any mapped column are
    /// issues): the fixed fields by slot, and the items' cells.
    fn by_field<'v>(&mut self, row: u32, cells: &'v [(u32, Value)]) -> (Fixed<'v>, Vec<Option<&'v Value>>) {
        let mut fixed: Fixed<'v> = [None; FIELDS.len()];
        let mut item_cells: Vec<Option<&Value>> = vec![None; self.config.scheme.items.len()];
        for (c, v) in cells {
            let field = self.by_column.get(*c as usize).copied().flatten();
            if field.is_some() && self.skipped(v) {
                continue;
            }
            if let (Some(_), Value::Error(e)) = (field, v) {
                self.issue(row, *c, v, format!("单元格是公式错误值 {e},应填写有效内容"));
            }
            match field {
                Some(Field::Item(i)) => item_cells[i] = Some(v),
                Some(f) => fixed[f.slot()] = Some((*c, v)),
                None => {}
            }
        }
        (fixed, item_cells)
    }

    /// How many of a row's questions are answered, and whether every answer is a number.
    fn answered_items(&self, cells: &[(u32, Value)]) -> (usize, bool) {
        let mut answered = 0;
        let mut numbers = true;
        for (c, v) in cells {
            if matches!(self.by_column.get(*c as usize).copied().flatten(), Some(Field::Item(_)))
                && !blank(Some(v))
                && !self.skipped(v)
            {
                answered += 1;
                numbers &= option_number(v).is_some();
            }
        }
        (answered, numbers)
    }

    /// Reads the rows that waited for [`Validator::numbered`] to be known.
    fn read_undecided(&mut self, layout: &Layout) {
        for (row, cells) in std::mem::take(&mut self.undecided) {
            self.row(layout, row, &cells);
        }
    }

    /// Whether a cell of an online platform's export holds its marker of a skipped or
    /// unanswered question (`(跳过)`, `(空)`, -3): read as blank. A template's cells are read
    /// as written.
    fn skipped(&self, v: &Value) -> bool {
        let scheme = &self.config.scheme;
        self.platform.is_some()
            && match v {
                Value::Text(t) => scheme.is_blank_marker(t),
                Value::Number(n) => *n < 0.0 && scheme.is_blank_marker(&format!("{n}")),
                _ => false,
            }
    }

    /// A call-back row without an answer is no response, and no error either: a user not
    /// reached, with the reason chosen (未回访原因) or written into 意见或投诉 (recorded and
    /// counted against the draw); or, with neither and no date, a user not called yet
    /// (counted in a note). Whether the row was taken so (or refused for its reason).
    fn call_back_without_answer(
        &mut self,
        layout: &Layout,
        row: u32,
        fixed: &Fixed<'_>,
        reason_cell: Option<(u32, &Value)>,
        before: usize,
    ) -> bool {
        let opinion = fixed[Field::Opinion.slot()]
            .and_then(|(_, v)| match v {
                Value::Text(t) => Some(clean_value(t)),
                _ => None,
            })
            .filter(|t| !t.is_empty());
        let found = match reason_cell {
            Some((c, v)) => match normalize::code(v, NOT_REACHED) {
                Some(reason) => Some((reason, opinion)),
                None => {
                    self.issues.truncate(before);
                    let allowed: Vec<&str> = NOT_REACHED.iter().map(|(c, _)| *c).collect();
                    self.issue(
                        row,
                        c,
                        v,
                        format!("未回访原因无法识别,应为 {} 之一", allowed.join("、")),
                    );
                    return true;
                }
            },
            None => opinion.as_deref().and_then(reason_in).map(|r| (r, opinion.clone())),
        };
        if let Some((reason, note)) = found {
            self.issues.truncate(before);
            self.not_reached_row(layout, row, fixed, reason, note);
            return true;
        }
        if !blank(fixed[Field::SurveyDate.slot()].map(|(_, v)| v)) {
            return false;
        }
        self.issues.truncate(before);
        self.unreached += 1;
        let note = format!(
            "{} 行只有预填的用户、没有调查日期和回答(回访未完成),未计入",
            self.unreached
        );
        match self.unreached_note {
            Some(i) => self.notes[i] = note,
            None => {
                self.unreached_note = Some(self.notes.len());
                self.notes.push(note);
            }
        }
        true
    }

    fn phone(&mut self, layout: &Layout, row: u32, found: Option<(u32, &Value)>) -> Option<String> {
        match found {
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
        }
    }

    /// The survey date, which must lie in the return's period (a date in the future is
    /// counted for a warning).
    fn survey_date(&mut self, layout: &Layout, row: u32, found: Option<(u32, &Value)>) -> Option<chrono::NaiveDate> {
        let period = self.meta.as_ref().expect("layout() ran first").period;
        match found {
            Some((_, Value::Error(_))) => None,
            Some((c, v)) => match normalize::date(v) {
                Some(d) if period.contains(d) => {
                    self.dates_inside += 1;
                    if d > self.config.today {
                        self.future_dates.push(format!("{}!{}", self.sheet, cell_name(row, c)));
                    }
                    Some(d)
                }
                Some(d) => {
                    *self.dates_outside.entry(Period::month_of(d)).or_default() += 1;
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
        }
    }

    /// The evaluated enterprise: the column, else the submitting enterprise itself.
    fn enterprise(
        &mut self,
        layout: &Layout,
        row: u32,
        found: Option<(u32, &Value)>,
    ) -> Option<&'a crate::config::Enterprise> {
        let config = self.config;
        match found {
            Some((c, v)) if !matches!(v, Value::Error(_)) => {
                let typed = clean_value(&v.display());
                match config.enterprise(&typed) {
                    Some(e) => Some(e),
                    None => {
                        let problem = self
                            .suggestions
                            .entry((Field::Enterprise, typed))
                            .or_insert_with_key(|(_, typed)| {
                                let hint = crate::text::did_you_mean(config.suggest_enterprise(typed), "。");
                                format!("服务企业未在登记名单中{hint}")
                            })
                            .clone();
                        self.issue(row, c, v, problem);
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
        }
    }

    /// The service column, if filled, must be the enterprise's.
    fn check_utility(&mut self, row: u32, (c, v): (u32, &Value), e: &crate::config::Enterprise) {
        if matches!(v, Value::Error(_)) {
            return;
        }
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

    /// The county written in the row, which must be registered.
    fn county(&mut self, row: u32, (c, v): (u32, &Value)) -> Option<String> {
        let config = self.config;
        match config.county(&v.display()) {
            Some(k) => Some(k.to_string()),
            None => {
                let problem = self
                    .suggestions
                    .entry((Field::County, v.display()))
                    .or_insert_with_key(|(_, typed)| {
                        let hint = crate::text::did_you_mean(config.suggest_county(typed), "");
                        format!("所属县市未在登记名单中{hint}")
                    })
                    .clone();
                self.issue(row, c, v, problem);
                None
            }
        }
    }

    /// Keeps a valid response, unless it repeats an earlier row's respondent; streams the
    /// kept responses to the store in chunks.
    fn keep(&mut self, layout: &Layout, row: u32, response: Response) {
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
    /// Records a call-back user who was not reached; a row without its 用户名称 is an issue.
    fn not_reached_row(
        &mut self,
        layout: &Layout,
        row: u32,
        fixed: &[Option<(u32, &Value)>],
        reason: &'static str,
        note: Option<String>,
    ) {
        let text = |f: Field| {
            fixed[f.slot()]
                .and_then(|(_, v)| match v {
                    Value::Error(_) => None,
                    Value::Text(s) => Some(clean_value(s)),
                    v => Some(v.display()),
                })
                .filter(|s| !s.is_empty())
        };
        let Some(user_name) = text(Field::UserName) else {
            self.missing(row, layout.column_of(Field::UserName), "用户名称");
            return;
        };
        let phone = fixed[Field::Phone.slot()].and_then(|(_, v)| normalize::phone(v).or_else(|| text(Field::Phone)));
        let enterprise = match text(Field::Enterprise) {
            Some(typed) => self.config.enterprise(&typed).map_or(typed, |e| e.code.clone()),
            None => self.submitter_enterprise.map(|e| e.code.clone()).unwrap_or_default(),
        };
        let note = note.filter(|n| n != reason);
        self.not_reached.push(NotReached {
            row: row + 1,
            user_name,
            phone,
            enterprise,
            reason,
            note,
        });
    }

    /// The row's answers (item id → 是/否/grade/不适用, as stored),
    /// and whether any item was really answered; an unreadable answer is a row issue.
    fn answers(&mut self, layout: &Layout, row: u32, item_cells: &[Option<&Value>]) -> (Answers, bool) {
        let config = self.config;
        let mut answers = Answers::with_capacity(item_cells.len());
        let mut answered = false;
        for (i, v) in item_cells.iter().enumerate() {
            let Some(v) = v else { continue };
            if matches!(v, Value::Error(_)) {
                continue;
            }
            let item = &config.scheme.items[i];
            let option = if self.numbered == Some(true) {
                option_number(v)
            } else {
                None
            };
            let parsed = match (item.kind, option) {
                (kind, Some(k)) => {
                    self.option_numbers = true;
                    normalize::option(kind, k, &config.scheme.grades)
                }
                (ItemKind::YesNo, None) => normalize::yes_no(v),
                (ItemKind::FiveLevel, None) => normalize::grade(v, &config.scheme.grades),
            };
            match parsed {
                Some(Some(a)) => {
                    answers.push(&item.id, a);
                    answered |= a != NOT_APPLICABLE;
                }
                Some(None) => {}
                None => {
                    let expected = match (item.kind, option) {
                        (ItemKind::YesNo, Some(_)) => "选项序号应为 1(是)、2(否) 或 3(不适用)".to_string(),
                        (ItemKind::FiveLevel, Some(_)) => {
                            let labels: Vec<String> = (config.scheme.grades.iter().enumerate())
                                .map(|(k, g)| format!("{}({})", k + 1, g.label))
                                .collect();
                            format!("选项序号应为 {}", labels.join("、"))
                        }
                        (ItemKind::YesNo, None) => "应填 是 或 否(也可填 Y/N、√/×、1/0,不涉及填 不适用)".to_string(),
                        (ItemKind::FiveLevel, None) => {
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
        (answers, answered)
    }
    fn coded(
        &mut self,
        row: u32,
        found: Option<(u32, &Value)>,
        codes: &[(&'static str, &[&str])],
        label: &'static str,
    ) -> Option<&'static str> {
        let (c, v) = found?;
        if matches!(v, Value::Error(_)) {
            return None;
        }
        // An online platform's numbered download: the option's number, in the template's order.
        if self.numbered == Some(true)
            && let Value::Number(_) = v
            && let Some(k) = option_number(v)
            && let Some((code, _)) = codes.get((k as usize).wrapping_sub(1))
        {
            if !self.option_coded.iter().any(|(l, _)| *l == label) {
                self.option_coded.push((label, codes.iter().map(|(c, _)| *c).collect()));
            }
            return Some(code);
        }
        let hit = normalize::code(v, codes);
        if hit.is_none() {
            let allowed: Vec<&str> = codes.iter().map(|(c, _)| *c).collect();
            self.issue(row, c, v, format!("{label}无法识别,应为 {} 之一", allowed.join("、")));
        }
        hit
    }
}

/// An answer of an online platform's export written as its option's number (1, 2 …).
fn option_number(v: &Value) -> Option<u32> {
    let n = match v {
        Value::Number(n) => *n,
        Value::Text(t) => t.trim().parse().ok()?,
        _ => return None,
    };
    (n.fract() == 0.0 && (0.0..100.0).contains(&n)).then_some(n as u32)
}

/// An option's words after its letter: `A.是` → `是`, `B、满意` → `满意`.
fn option_words(t: &str) -> Option<&str> {
    let t = t.trim();
    let mut chars = t.chars();
    let letter = chars.next()?;
    let rest = chars.as_str().strip_prefix(['.', '、', '．'])?.trim();
    (letter.is_ascii_uppercase() && !rest.is_empty()).then_some(rest)
}

/// The reason a surveyor wrote in words (`电话未接通`, `空号。`, `打了三次无人接听`): the first
/// reason whose code or synonym the text holds (其他 only when it is all the text says).
fn reason_in(text: &str) -> Option<&'static str> {
    if let Some(r) = normalize::code(&Value::Text(text.to_string()), NOT_REACHED) {
        return Some(r);
    }
    NOT_REACHED
        .iter()
        .filter(|(c, _)| *c != "其他")
        .find(|(c, syn)| text.contains(c) || syn.iter().any(|s| text.contains(s)))
        .map(|(c, _)| *c)
}

/// The year of a 所属期 Excel stored as a number after dropping the trailing zero of a typed
/// `2026.10`: 2026.1 → 2026 (January or October?).
fn dropped_zero_year(n: f64) -> Option<i32> {
    let text = n.to_string();
    let year: i32 = text.strip_suffix(".1")?.parse().ok()?;
    (2000..=2100).contains(&year).then_some(year)
}

impl Validator<'_> {
    /// Notes the scheme questions a survey's header lacks (they go unscored), and the
    /// required columns it lacks (the one cause of every row's missing value).
    fn note_missing_columns(&mut self, layout: &Layout, meta: &ReturnMeta) {
        let mut required = vec![Field::UserName, Field::Phone, Field::UserType];
        if meta.kind != ReturnKind::Frame {
            required.push(Field::SurveyDate);
        }
        if self.submitter_enterprise.is_none()
            && !matches!(self.config.party(&meta.submitter_code), Some(Party::Enterprise(_)))
        {
            required.push(Field::Enterprise);
        }
        self.missing_columns = FIELDS
            .iter()
            .filter(|(f, _, _)| required.contains(f) && !layout.has(*f))
            .map(|&(_, label, _)| label)
            .collect();
        if meta.kind == ReturnKind::Frame {
            return;
        }
        let missing: Vec<String> = (self.config.scheme.items.iter().enumerate())
            .filter(|(i, _)| !layout.has(Field::Item(*i)))
            .map(|(_, item)| format!("{}({})", item.id, item.name))
            .collect();
        if !missing.is_empty() {
            let advice = match &layout.platform {
                Some(p) => {
                    format!("请在{p}问卷中保留这些题目,题目文字与填报说明中的一致(未认出的列见“已忽略无法识别的列”)")
                }
                None => "请使用标准模板,保留全部题目列".to_string(),
            };
            self.warnings.push(format!(
                "表中缺少题目列 {}:这些题目本期没有数据、不计分;{advice}",
                missing.join("、")
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_written_in_words_is_read() {
        assert_eq!(reason_in("空号"), Some("空号"));
        assert_eq!(reason_in("电话未接通"), Some("未接通"));
        assert_eq!(reason_in("打了三次无人接听"), Some("未接通"));
        assert_eq!(reason_in("用户拒绝回访。"), Some("拒访"));
        assert_eq!(reason_in("已停机"), Some("停机"));
        assert_eq!(reason_in("其它"), Some("其他"));
        // 其他 only as the whole text; a complaint is no reason.
        assert_eq!(reason_in("其他方面都满意"), None);
        assert_eq!(reason_in("水压太低"), None);
    }
}
