//! Row validation: the [`Validator`] that [`intake`](mod@crate::intake) feeds, deciding a
//! return's submitter, kind and period from its layout and turning each data row into a
//! [`Response`] or [`RowIssue`]s.

use std::collections::HashMap;

use super::{
    CHUNK_ROWS, Checked, Hint, METHODS, Outcome, Rejection, Response, ReturnMeta, RowIssue, RowsSink, USER_TYPES,
};
use crate::config::{Config, Party};
use crate::intake::layout::FIELDS;
use crate::intake::normalize::{self, NOT_APPLICABLE};
use crate::intake::{Field, Format, Layout, MetaCell, ReturnVisitor, Value, cell_name};
use crate::period::{Period, ReturnKind};
use crate::scheme::ItemKind;
use crate::text::{clean_value, closest};

pub(super) struct Validator<'a> {
    config: &'a Config,
    hint: &'a Hint,
    pub(super) meta: Option<ReturnMeta>,
    pub(super) rejection: Option<Rejection>,
    sheet: String,
    responses: Vec<Response>,
    pub(super) issues: Vec<RowIssue>,
    notes: Vec<String>,
    /// respondent key → the row that first named it
    seen: HashMap<String, u32>,
    frame: bool,
    user_column: String,
    /// Column index → field, from the layout.
    by_column: Vec<Option<Field>>,
    /// The submitter, when it is an enterprise: the default 服务企业.
    submitter_enterprise: Option<&'a crate::config::Enterprise>,
    pub(super) sink: Option<RowsSink<'a>>,
    streamed: usize,
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
            seen: HashMap::new(),
            frame: false,
            user_column: String::new(),
            by_column: Vec::new(),
            submitter_enterprise: None,
            sink: None,
            streamed: 0,
        }
    }

    pub(super) fn finish(self, format: Format) -> Outcome {
        if let Some(reason) = self.rejection {
            return Outcome::Rejected {
                reason,
                meta: self.meta,
                issues: self.issues,
            };
        }
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
    fn layout(&mut self, layout: &Layout) -> bool {
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
                true
            }
            Err(r) => {
                self.rejection = Some(r);
                false
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
    /// The row's answers as a JSON object of canonical values (item id → 是/否/grade/不适用),
    /// and whether any item was really answered; an unreadable answer is a row issue.
    fn answers(&mut self, layout: &Layout, row: u32, item_cells: &[Option<&Value>]) -> (String, bool) {
        let config = self.config;
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
        (answers, answered)
    }
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
