//! The ledger (整改台账, SPEC §11) each enterprise gets when a period is issued: its open
//! improvement items and its open complaint cases, with columns for the enterprise to fill
//! (dropdowns on the coded ones) and the metadata block of a return (报表类型 整改反馈), so that,
//! filled and dropped into its inbox folder, it comes back like any return. Internal: it holds
//! the respondents' names and phones, and its first sheet says so.

use std::path::PathBuf;

use rust_xlsxwriter::{Color, DataValidation, ExcelDateTime, Format, Worksheet, XlsxError};

use super::sheet::{Formats, print_setup, text_width};
use super::{Handout, RenderContext, RenderError, Renderer};
use crate::results::ImprovementItem;
use crate::results::cases::{self, Case};
use crate::results::release::Issue;
use crate::wording::Values;

pub struct LedgerWorkbooks;

/// The folder of the ledgers in an issued version.
pub const FOLDER: &str = "整改台账";

/// The row of the column headings (0-based), under the metadata block and a blank row.
const HEADER_ROW: u32 = 4;

impl Renderer for LedgerWorkbooks {
    fn name(&self) -> &'static str {
        "整改台账"
    }

    fn render(&self, cx: &RenderContext<'_>) -> Result<Vec<PathBuf>, RenderError> {
        // Written when a period is issued: drafts have no cases yet.
        if !matches!(cx.issue, Issue::Issued(_)) {
            return Ok(Vec::new());
        }
        let r = cx.results;
        let mut v = super::wording_values(r);
        super::scheme_values(&mut v, cx.scheme);
        v.insert("bureau", cx.wording.bureau(&v));
        v.insert("callback_days", cx.scheme.cases.callback_days.to_string());
        v.insert("rectify_days", cx.scheme.cases.rectify_days.to_string());
        let mut out = Vec::new();
        for e in &r.enterprises {
            let items: Vec<&ImprovementItem> = (r.improvement_items.iter())
                .filter(|i| i.enterprise == e.code && i.is_open())
                .collect();
            let cases: Vec<&Case> = r.cases.iter().filter(|c| c.enterprise == e.code).collect();
            if items.is_empty() && cases.is_empty() {
                continue;
            }
            let mut v = v.clone();
            v.insert("enterprise", e.name.clone());
            let path = cx.marks().path(&v, Handout::Ledger(&e.name));
            let fail = |err: XlsxError| RenderError::new(self.name(), &path, std::io::Error::other(err.to_string()));
            let title = cx.wording.with(
                "ledger.title",
                &[("enterprise", &e.name), ("period_label", &r.period.label_zh())],
            );
            let mut wb = super::xlsx::pinned(&title).map_err(fail)?;
            let f = Formats::new();
            guide(wb.add_worksheet(), &f, cx, &v, cases.iter().any(|c| c.estimated)).map_err(fail)?;
            let meta = [
                ("填报单位", e.name.clone()),
                ("报表类型", cases::LEDGER_KIND.to_string()),
                ("所属期", r.period.to_string()),
            ];
            items_sheet(wb.add_worksheet(), &f, cx, &v, &meta, &items).map_err(fail)?;
            cases_sheet(wb.add_worksheet(), &f, cx, &v, &meta, &cases).map_err(fail)?;
            // Large customers' bad reviews, by name (SPEC §12): here and nowhere else.
            let users = &cx.scheme.users;
            let large: Vec<&Case> = (cases.iter().copied())
                .filter(|c| c.monthly_usage.is_some_and(|u| u >= users.large(&c.utility)))
                .collect();
            if !large.is_empty() {
                large_sheet(wb.add_worksheet(), &f, cx, &v, &large).map_err(fail)?;
            }
            super::xlsx::save_atomic(&mut wb, &path).map_err(fail)?;
            out.push(path);
        }
        Ok(out)
    }

    fn issued(&self) -> bool {
        true
    }
}

/// The first sheet: internal, what to do, the deadlines.
fn guide(
    ws: &mut Worksheet,
    f: &Formats,
    cx: &RenderContext<'_>,
    v: &Values,
    estimated: bool,
) -> Result<(), XlsxError> {
    let w = cx.wording;
    ws.set_name(w.text("ledger.sheet_read_first"))?;
    ws.set_column_width(0, 72)?;
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    let alert = Format::new()
        .set_bold()
        .set_font_color(Color::RGB(0xB3261E))
        .set_text_wrap();
    ws.write_string_with_format(
        0,
        0,
        w.with(
            "ledger.title",
            &[
                ("enterprise", &v.get("enterprise").cloned().unwrap_or_default()),
                ("period_label", &v.get("period_label").cloned().unwrap_or_default()),
            ],
        ),
        &f.title,
    )?;
    ws.write_string_with_format(1, 0, w.text("ledger.internal"), &alert)?;
    let mut lines = vec![
        w.paragraph_in("ledger.intro", v),
        w.paragraph_in("ledger.step_items", v),
        w.paragraph_in("ledger.step_cases", v),
        w.paragraph_in("ledger.step_return", v),
        w.paragraph_in("ledger.deadlines", v),
    ];
    if estimated {
        lines.push(w.text("ledger.weekdays_only").to_string());
    }
    for (i, line) in lines.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_string_with_format(row, 0, line, &f.note)?;
        // Wrapped at the column's width: about 34 Chinese characters a line.
        let lines = (line.chars().count() as f64 / 34.0).ceil().max(1.0);
        ws.set_row_height(row, 16.0 * lines)?;
    }
    Ok(())
}

/// The metadata block of a return (label | value) at the top of a sheet.
fn metadata(ws: &mut Worksheet, f: &Formats, meta: &[(&str, String)]) -> Result<(), XlsxError> {
    for (i, (label, value)) in meta.iter().enumerate() {
        ws.write_string_with_format(i as u32, 0, *label, &f.header)?;
        ws.write_string_with_format(i as u32, 1, value, &f.text)?;
    }
    Ok(())
}

/// The formats of the cells the enterprise fills: light yellow, and dates as dates.
fn to_fill() -> (Format, Format) {
    let fill = Format::new()
        .set_background_color(Color::RGB(0xFFF8D6))
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_border_color(Color::RGB(0xBFBFBF))
        .set_text_wrap();
    let date = fill.clone().set_num_format("yyyy-mm-dd");
    (fill, date)
}

fn date_cell(d: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// A dropdown of `values` on column `col` of the rows below the header.
fn dropdown(ws: &mut Worksheet, col: u16, rows: u32, values: &[&str]) -> Result<(), XlsxError> {
    let dv = DataValidation::new().allow_list_strings(values)?;
    ws.add_data_validation(HEADER_ROW + 1, col, HEADER_ROW + rows.max(1), col, &dv)?;
    Ok(())
}

/// Writes the headings (the bureau's, then the enterprise's in yellow) and sets the widths.
fn headings(ws: &mut Worksheet, f: &Formats, given: &[&str], asked: &[&str], widths: &[f64]) -> Result<(), XlsxError> {
    let yellow = f.header.clone().set_background_color(Color::RGB(0xFFE699));
    for (c, h) in given.iter().chain(asked).enumerate() {
        let format = if c < given.len() { &f.header } else { &yellow };
        ws.write_string_with_format(HEADER_ROW, c as u16, *h, format)?;
        let width = widths.get(c).copied().unwrap_or(12.0).max(text_width(h) + 2.0);
        ws.set_column_width(c as u16, width)?;
    }
    ws.set_freeze_panes(HEADER_ROW + 1, 1)?;
    Ok(())
}

fn items_sheet(
    ws: &mut Worksheet,
    f: &Formats,
    cx: &RenderContext<'_>,
    v: &Values,
    meta: &[(&str, String)],
    items: &[&ImprovementItem],
) -> Result<(), XlsxError> {
    ws.set_name(cases::ITEMS_SHEET)?;
    print_setup(ws, cx.wording, &cx.wording.paragraph_in("ledger.print_header", v));
    metadata(ws, f, meta)?;
    headings(
        ws,
        f,
        &cases::ITEM_COLUMNS,
        &cases::ITEM_ANSWERS,
        &[
            items.iter().map(|i| text_width(&i.id)).fold(20.0, f64::max) + 1.0,
            18.0,
            40.0,
            8.0,
            12.0,
            36.0,
            14.0,
            10.0,
            12.0,
            30.0,
        ],
    )?;
    let (fill, date) = to_fill();
    let due = f.text.clone().set_num_format("yyyy-mm-dd");
    for (i, item) in items.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as u32;
        ws.write_string_with_format(row, 0, &item.id, &f.text)?;
        let indicator = if item.indicator == item.indicator_name {
            item.indicator.clone()
        } else {
            format!("{} {}", item.indicator, item.indicator_name)
        };
        ws.write_string_with_format(row, 1, &indicator, &f.wrap)?;
        ws.write_string_with_format(row, 2, &item.finding, &f.wrap)?;
        ws.write_string_with_format(row, 3, item.severity.label(), &f.text)?;
        ws.write_datetime_with_format(row, 4, date_cell(item.due)?, &due)?;
        let known = cx.results.item_reports.iter().find(|x| x.item_id == item.id);
        for c in 5..10u16 {
            let text = known.and_then(|k| match c {
                5 => k.measures.clone(),
                6 => k.department.clone(),
                7 => k.progress.clone(),
                9 => k.note.clone(),
                _ => None,
            });
            match (known.and_then(|k| k.done_on).filter(|_| c == 8), text) {
                (Some(d), _) => ws.write_datetime_with_format(row, c, date_cell(d)?, &date)?,
                (None, Some(t)) => ws.write_string_with_format(row, c, t, &fill)?,
                _ => ws.write_blank(row, c, if c == 8 { &date } else { &fill })?,
            };
        }
    }
    dropdown(ws, 7, items.len() as u32, &cases::PROGRESS)?;
    Ok(())
}

fn cases_sheet(
    ws: &mut Worksheet,
    f: &Formats,
    cx: &RenderContext<'_>,
    v: &Values,
    meta: &[(&str, String)],
    list: &[&Case],
) -> Result<(), XlsxError> {
    ws.set_name(cases::CASES_SHEET)?;
    print_setup(ws, cx.wording, &cx.wording.paragraph_in("ledger.print_header", v));
    metadata(ws, f, meta)?;
    headings(
        ws,
        f,
        &cases::CASE_COLUMNS,
        &cases::CASE_ANSWERS,
        &[
            18.0, 16.0, 14.0, 12.0, 30.0, 30.0, 12.0, 12.0, 12.0, 12.0, 12.0, 30.0, 12.0, 14.0, 8.0, 30.0,
        ],
    )?;
    let (fill, date) = to_fill();
    let due = f.text.clone().set_num_format("yyyy-mm-dd");
    for (i, c) in list.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as u32;
        ws.write_string_with_format(row, 0, &c.number, &f.text)?;
        ws.write_string_with_format(row, 1, &c.user_name, &f.text)?;
        ws.write_string_with_format(row, 2, c.phone.as_deref().unwrap_or(""), &f.text)?;
        match survey_day(c) {
            Some(d) => ws.write_datetime_with_format(row, 3, date_cell(d)?, &due)?,
            None => ws.write_string_with_format(row, 3, c.survey_date.as_deref().unwrap_or(""), &f.text)?,
        };
        ws.write_string_with_format(row, 4, c.aspects.join("\n"), &f.wrap)?;
        ws.write_string_with_format(row, 5, c.opinion.as_deref().unwrap_or(""), &f.wrap)?;
        ws.set_row_height(row, row_height(c))?;
        ws.write_datetime_with_format(row, 6, date_cell(c.callback_due)?, &due)?;
        ws.write_datetime_with_format(row, 7, date_cell(c.rectify_due)?, &due)?;
        // What the enterprise last reported of it, to go on from.
        let known = cx.results.case_reports.iter().find(|x| x.number == c.number);
        let appeal = known
            .filter(|k| k.appeal)
            .map(|_| cases::CASE_CODES[3].1[0].to_string());
        let texts = known.map(|k| {
            [
                k.call_result.clone(),
                k.verified.clone(),
                k.measures.clone(),
                k.user_rating.clone(),
                appeal.clone(),
                k.appeal_reason.clone(),
            ]
        });
        for col in 8..16u16 {
            let day = match col {
                8 => known.and_then(|k| k.called_on),
                12 => known.and_then(|k| k.done_on),
                _ => None,
            };
            let text = texts.as_ref().and_then(|t| match col {
                9..=11 => t[col as usize - 9].clone(),
                13..=15 => t[col as usize - 10].clone(),
                _ => None,
            });
            match (day, text) {
                (Some(d), _) => ws.write_datetime_with_format(row, col, date_cell(d)?, &date)?,
                (None, Some(t)) => ws.write_string_with_format(row, col, t, &fill)?,
                _ => ws.write_blank(row, col, if col == 8 || col == 12 { &date } else { &fill })?,
            };
        }
    }
    let rows = list.len() as u32;
    for (name, values) in cases::CASE_CODES {
        let given = cases::CASE_COLUMNS.len();
        if let Some(at) = cases::CASE_ANSWERS.iter().position(|c| *c == name) {
            dropdown(ws, (given + at) as u16, rows, values)?;
        }
    }
    Ok(())
}

/// The large customers among the cases (大客户差评): to be called back first. Read only; the
/// enterprise answers them in 差评回访 like any other case.
fn large_sheet(
    ws: &mut Worksheet,
    f: &Formats,
    cx: &RenderContext<'_>,
    v: &Values,
    list: &[&Case],
) -> Result<(), XlsxError> {
    let w = cx.wording;
    ws.set_name(w.text("ledger.sheet_large"))?;
    print_setup(ws, w, &w.paragraph_in("ledger.print_header", v));
    let users = &cx.scheme.users;
    let line = w.with(
        "ledger.large_intro",
        &[
            ("water", &crate::text::number(users.large_water)),
            ("gas", &crate::text::number(users.large_gas)),
            ("count", &list.len()),
        ],
    );
    ws.merge_range(0, 0, 0, 5, &line, &f.note)?;
    ws.set_row_height(0, 36)?;
    let headers = [
        w.text("ledger.large_col_number"),
        w.text("ledger.large_col_user"),
        w.text("ledger.large_col_phone"),
        w.text("ledger.large_col_type"),
        w.text("ledger.large_col_usage"),
        w.text("ledger.large_col_aspects"),
    ];
    for (c, (h, width)) in headers.iter().zip([18.0, 24.0, 14.0, 12.0, 14.0, 40.0]).enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &f.header)?;
        ws.set_column_width(c as u16, width)?;
    }
    for (i, c) in list.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_string_with_format(row, 0, &c.number, &f.text)?;
        ws.write_string_with_format(row, 1, &c.user_name, &f.text)?;
        ws.write_string_with_format(row, 2, c.phone.as_deref().unwrap_or(""), &f.text)?;
        ws.write_string_with_format(row, 3, c.user_type.as_deref().unwrap_or(""), &f.text)?;
        ws.write_number_with_format(row, 4, c.monthly_usage.unwrap_or(0.0), &f.count)?;
        ws.write_string_with_format(row, 5, c.aspects.join("\n"), &f.wrap)?;
        ws.set_row_height(row, 16.0 * c.aspects.len().max(1) as f64)?;
    }
    Ok(())
}

/// A case's survey date as a date (stored `2026-09-10`, or with a time after it).
fn survey_day(c: &Case) -> Option<chrono::NaiveDate> {
    let d = c.survey_date.as_deref()?;
    chrono::NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok()
}

/// A row tall enough for a case's unfavourable answers, one a line, and its complaint
/// (wrapped at about 14 characters a line in its column).
fn row_height(c: &Case) -> f64 {
    let opinion = c.opinion.as_deref().map_or(0, |o| o.chars().count().div_ceil(14));
    16.0 * c.aspects.len().max(opinion).max(1) as f64
}

/// The standing summary's JSON (SPEC §11): `as_of`, `rectification`, `interviews`.
pub const SUMMARY_JSON: &str = "rectification.json";

/// Writes the loop's standing summary into `dir` (`reports/整改台账/`): rectification.json and
/// 整改闭环汇总.xlsx (internal: every enterprise's counts and rates, and a sheet per enterprise of
/// its open items and cases). Returns the files written.
pub fn write_summary(
    dir: &std::path::Path,
    w: &crate::wording::Wording,
    s: &cases::LoopSummary,
) -> Result<Vec<PathBuf>, RenderError> {
    use serde_json::json;
    let pct = |x: Option<f64>| x.map(|x| crate::score::stats::round_half_away(x, 2));
    let doc = json!({
        "as_of": s.as_of.to_string(),
        "rectification": s.enterprises.iter().map(|e| json!({
            "enterprise": e.code,
            "items": e.items,
            "items_reported": e.items_reported,
            "items_done": e.items_done,
            "items_overdue": e.items_overdue,
            "cases": e.cases,
            "cases_called_back": e.cases_called_back,
            "cases_rectified": e.cases_rectified,
            "cases_overdue": e.cases_overdue,
            "appeals": e.appeals,
            "appeals_upheld": e.appeals_upheld,
            "callback_rate": pct(e.callback_rate()),
            "on_time_rate": pct(e.on_time_rate()),
        })).collect::<Vec<_>>(),
        "interviews": s.interviews.iter().map(|i| json!({"enterprise": i.code, "reasons": i.reasons})).collect::<Vec<_>>(),
    });
    let json_path = dir.join(SUMMARY_JSON);
    let mut bytes = serde_json::to_vec_pretty(&doc).expect("the summary serialises");
    bytes.push(b'\n');
    crate::output::write_atomic(&json_path, &bytes).map_err(|e| RenderError::new("整改闭环汇总", &json_path, e))?;

    let name = format!("{}.xlsx", w.text("ledger.summary_name"));
    let xlsx_path = dir.join(&name);
    let fail = |e: XlsxError| RenderError::new("整改闭环汇总", &xlsx_path, std::io::Error::other(e.to_string()));
    let mut wb = super::xlsx::pinned(w.text("ledger.summary_name")).map_err(fail)?;
    let f = Formats::new();
    let title = w.with("ledger.summary_title", &[("date", &super::date_zh(s.as_of))]);
    {
        let ws = wb.add_worksheet();
        ws.set_name(w.text("ledger.summary_sheet")).map_err(fail)?;
        print_setup(ws, w, &title);
        ws.write_string_with_format(0, 0, &title, &f.title).map_err(fail)?;
        ws.write_string_with_format(1, 0, w.text("ledger.internal"), &f.note)
            .map_err(fail)?;
        let (headers, rows) = loop_table(w, s);
        super::sheet::table(ws, &f, 3, &headers, &rows, 40.0).map_err(fail)?;
    }
    let mut names: Vec<String> = Vec::new();
    for e in &s.enterprises {
        let ws = wb.add_worksheet();
        // Names alike in their first 31 characters get a number (Excel's names are unique).
        let mut name = sheet_name(&e.name);
        let mut n = 1;
        while names.iter().any(|x| x.to_lowercase() == name.to_lowercase()) {
            n += 1;
            let tail = format!("({n})");
            name = sheet_name(&e.name)
                .chars()
                .take(31 - tail.chars().count())
                .collect::<String>()
                + &tail;
        }
        names.push(name.clone());
        ws.set_name(&name).map_err(fail)?;
        print_setup(ws, w, &e.name);
        let headers: Vec<&str> = [
            "ledger.col_kind",
            "ledger.col_number",
            "ledger.col_what",
            "ledger.col_status",
            "ledger.col_callback_due",
            "ledger.col_due",
            "ledger.col_history",
        ]
        .iter()
        .map(|k| w.text(k))
        .collect();
        use super::sheet::Cell;
        let history = |n: &str| {
            (e.history.iter())
                .find(|(x, _)| x == n)
                .map_or(Cell::Empty, |(_, lines)| Cell::Wrap(lines.join("\n")))
        };
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        for (id, name, due, overdue) in &e.open_items {
            let status = if *overdue {
                "ledger.item_overdue"
            } else {
                "ledger.item_open"
            };
            rows.push(vec![
                Cell::text(w.text("ledger.kind_item")),
                Cell::text(id),
                Cell::text(name.trim()),
                Cell::text(w.text(status)),
                Cell::Empty,
                Cell::text(due.to_string()),
                history(id),
            ]);
        }
        for (number, status, callback, rectify) in &e.open_cases {
            rows.push(vec![
                Cell::text(w.text("ledger.kind_case")),
                Cell::text(number),
                Cell::Empty,
                Cell::text(status.label()),
                Cell::text(callback.to_string()),
                Cell::text(rectify.to_string()),
                history(number),
            ]);
        }
        ws.write_string_with_format(0, 0, &e.name, &f.title).map_err(fail)?;
        super::sheet::table(ws, &f, 2, &headers, &rows, 40.0).map_err(fail)?;
    }
    super::xlsx::save_atomic(&mut wb, &xlsx_path).map_err(fail)?;
    Ok(vec![json_path, xlsx_path])
}

/// The loop's figures per enterprise as a table: the headings and a row per enterprise.
pub fn loop_table<'w>(
    w: &'w crate::wording::Wording,
    s: &cases::LoopSummary,
) -> (Vec<&'w str>, Vec<Vec<super::sheet::Cell>>) {
    let headers: Vec<&str> = [
        "ledger.col_enterprise",
        "ledger.col_items",
        "ledger.col_items_reported",
        "ledger.col_items_done",
        "ledger.col_items_overdue",
        "ledger.col_cases",
        "ledger.col_called_back",
        "ledger.col_rectified",
        "ledger.col_cases_overdue",
        "ledger.col_appeals",
        "ledger.col_upheld",
        "ledger.col_callback_rate",
        "ledger.col_on_time_rate",
        "ledger.col_interview",
    ]
    .iter()
    .map(|k| w.text(k))
    .collect();
    let rows: Vec<Vec<super::sheet::Cell>> = s
        .enterprises
        .iter()
        .map(|e| {
            use super::sheet::Cell;
            let interview = s.interviews.iter().find(|i| i.code == e.code);
            vec![
                Cell::text(&e.name),
                Cell::Count(e.items),
                Cell::Count(e.items_reported),
                Cell::Count(e.items_done),
                Cell::Count(e.items_overdue),
                Cell::Count(e.cases),
                Cell::Count(e.cases_called_back),
                Cell::Count(e.cases_rectified),
                Cell::Count(e.cases_overdue),
                Cell::Count(e.appeals),
                Cell::Count(e.appeals_upheld),
                Cell::score(e.callback_rate()),
                Cell::score(e.on_time_rate()),
                interview.map_or(Cell::Empty, |i| Cell::Wrap(i.reasons.join("；"))),
            ]
        })
        .collect();
    (headers, rows)
}

/// A worksheet name from an enterprise's name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect()
}

/// The folder, under the standing summary's, of the feedback on returned ledgers and reviews.
pub const FEEDBACK_FOLDER: &str = "退回意见";

/// The feedback workbook on a returned ledger or review whose rows had problems (SPEC §11):
/// its sheets as sent, with only the rows sent back, each problem cell filled red with a note
/// and a 问题说明 column; corrected and dropped back into the inbox, it is read like the ledger.
pub fn write_feedback(
    path: &std::path::Path,
    w: &crate::wording::Wording,
    title: &str,
    sheets: &[crate::intake::ledger::LoopSheet],
    problems: &[crate::validate::ledger::CellProblem],
) -> Result<PathBuf, RenderError> {
    use crate::intake::Value;
    let fail = |e: XlsxError| RenderError::new("整改台账退回意见", path, std::io::Error::other(e.to_string()));
    let mut wb = super::xlsx::pinned(title).map_err(fail)?;
    let f = Formats::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name(w.text("ledger.sheet_read_first")).map_err(fail)?;
        ws.set_column_width(0, 72).map_err(fail)?;
        ws.write_string_with_format(0, 0, title, &f.title).map_err(fail)?;
        ws.write_string_with_format(1, 0, w.text("ledger.internal"), &f.note)
            .map_err(fail)?;
        ws.write_string_with_format(3, 0, w.text("ledger.feedback_intro"), &f.note)
            .map_err(fail)?;
        ws.set_row_height(3, 48).map_err(fail)?;
    }
    let red = Format::new()
        .set_background_color(Color::RGB(0xF4B6B6))
        .set_border(rust_xlsxwriter::FormatBorder::Thin)
        .set_text_wrap();
    let (fill, date) = to_fill();
    for sheet in sheets {
        let mine: Vec<_> = problems.iter().filter(|p| p.sheet == sheet.name).collect();
        if mine.is_empty() {
            continue;
        }
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name).map_err(fail)?;
        print_setup(ws, w, title);
        for (i, (label, value, _)) in sheet.meta.iter().enumerate() {
            ws.write_string_with_format(i as u32, 0, label, &f.header)
                .map_err(fail)?;
            ws.write_string_with_format(i as u32, 1, value.display(), &f.text)
                .map_err(fail)?;
        }
        let last = sheet.columns.iter().map(|(_, c)| *c).max().unwrap_or(0);
        let why_col = (last + 1) as u16;
        let mut rows: Vec<u32> = mine.iter().map(|p| p.row).collect();
        rows.dedup();
        let sent = |r: &u32| {
            sheet
                .rows
                .iter()
                .find(|(x, _)| x == r)
                .map(|(_, c)| c.as_slice())
                .unwrap_or(&[])
        };
        for (h, c) in &sheet.columns {
            ws.write_string_with_format(HEADER_ROW, *c as u16, h, &f.header)
                .map_err(fail)?;
            // As wide as its heading and its widest line sent back, within reason.
            let widest = (rows.iter().flat_map(|r| sent(r).iter()))
                .filter(|(x, _)| x == c)
                .flat_map(|(_, v)| v.display().lines().map(text_width).collect::<Vec<_>>())
                .fold(text_width(h), f64::max);
            ws.set_column_width(*c as u16, widest.clamp(10.0, 40.0) + 2.0)
                .map_err(fail)?;
        }
        ws.write_string_with_format(HEADER_ROW, why_col, w.text("ledger.col_problems"), &f.header)
            .map_err(fail)?;
        ws.set_column_width(why_col, 48).map_err(fail)?;
        let red_date = red.clone().set_num_format("yyyy-mm-dd");
        for (i, r) in rows.iter().enumerate() {
            let at = HEADER_ROW + 1 + i as u32;
            let cells = sent(r);
            let here: Vec<_> = mine.iter().filter(|p| p.row == *r).collect();
            let lines = (cells.iter())
                .map(|(_, v)| v.display().lines().count())
                .chain([here.len()])
                .max()
                .unwrap_or(1)
                .max(1);
            ws.set_row_height(at, 16.0 * lines as f64).map_err(fail)?;
            for (c, v) in cells {
                let bad = here.iter().any(|p| p.col == *c);
                let format = if bad { &red } else { &fill };
                match v {
                    Value::Date(d) => {
                        let format = if bad { &red_date } else { &date };
                        ws.write_datetime_with_format(at, *c as u16, date_cell(d.date()).map_err(fail)?, format)
                            .map_err(fail)?;
                    }
                    Value::Number(n) => {
                        ws.write_number_with_format(at, *c as u16, *n, format).map_err(fail)?;
                    }
                    v => {
                        ws.write_string_with_format(at, *c as u16, v.display(), format)
                            .map_err(fail)?;
                    }
                }
            }
            for p in &here {
                if !cells.iter().any(|(c, _)| *c == p.col) {
                    ws.write_blank(at, p.col as u16, &red).map_err(fail)?;
                }
                let note = rust_xlsxwriter::Note::new(&p.why).set_author("utility-eval");
                ws.insert_note(at, p.col as u16, &note).map_err(fail)?;
            }
            let why: Vec<String> = here.iter().map(|p| p.why.clone()).collect();
            ws.write_string_with_format(at, why_col, why.join("\n"), &f.wrap)
                .map_err(fail)?;
        }
        ws.set_freeze_panes(HEADER_ROW + 1, 1).map_err(fail)?;
    }
    super::xlsx::save_atomic(&mut wb, path).map_err(fail)?;
    Ok(path.to_path_buf())
}

/// The start of the names of the feedback on a party's returned ledgers or reviews.
fn feedback_prefix(config: &crate::config::Config, party: &str, kind: crate::intake::ledger::LoopKind) -> String {
    use crate::intake::ledger::LoopKind;
    let w = &config.wording;
    let what = w.text(match kind {
        LoopKind::Ledger => "ledger.what_ledger",
        LoopKind::Review => "ledger.what_review",
    });
    w.with("ledger.feedback_name", &[("party", &party), ("what", &what)])
}

fn feedback_folder(config: &crate::config::Config) -> PathBuf {
    config.paths.reports.join(FOLDER).join(FEEDBACK_FOLDER)
}

/// Where the feedback on the returned file `returned` (its inbox name) of a party goes:
/// `<企业>整改台账退回意见_<file>.xlsx`, one per file returned.
pub fn feedback_path(
    config: &crate::config::Config,
    party: &str,
    kind: crate::intake::ledger::LoopKind,
    returned: &str,
) -> PathBuf {
    let stem = std::path::Path::new(returned)
        .file_stem()
        .map(|s| s.to_string_lossy().chars().take(60).collect::<String>())
        .unwrap_or_default();
    let name = format!("{}_{stem}.xlsx", feedback_prefix(config, party, kind));
    feedback_folder(config).join(name)
}

/// The feedback standing on a party's returned ledgers or reviews.
pub fn feedback_files(
    config: &crate::config::Config,
    party: &str,
    kind: crate::intake::ledger::LoopKind,
) -> Vec<PathBuf> {
    feedback_of(&feedback_standing(config), config, party, kind)
}

/// Every feedback workbook standing on returned ledgers and reviews, in name order: read once
/// for all parties (a folder listing per party is quadratic in a province's thousand units).
pub fn feedback_standing(config: &crate::config::Config) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(feedback_folder(config))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".xlsx"))
        })
        .collect();
    out.sort();
    out
}

/// Those of `standing` ([`feedback_standing`]) on a party's returned ledgers or reviews.
pub fn feedback_of(
    standing: &[PathBuf],
    config: &crate::config::Config,
    party: &str,
    kind: crate::intake::ledger::LoopKind,
) -> Vec<PathBuf> {
    if standing.is_empty() {
        return Vec::new();
    }
    let prefix = format!("{}_", feedback_prefix(config, party, kind));
    (standing.iter())
        .filter(|p| (p.file_name().and_then(|n| n.to_str())).is_some_and(|n| n.starts_with(&prefix)))
        .cloned()
        .collect()
}

/// The city unit's appeal review (申诉复核表, SPEC §11) in the standing summary's folder.
pub fn review_path(config: &crate::config::Config) -> PathBuf {
    let name = config.wording.text("ledger.review_name");
    config.paths.reports.join(FOLDER).join(format!("{name}.xlsx"))
}

/// An appeal waiting for review, as the review sheet shows it.
pub struct PendingAppeal<'a> {
    pub case: &'a Case,
    pub enterprise: String,
    pub verified: Option<String>,
    pub call_result: Option<String>,
    pub reason: String,
}

/// Writes the appeal review for the city unit `unit`: every pending appeal with the case and
/// the enterprise's reasons, and the columns 复核结论 (成立/不成立) and 复核意见 to fill; dropped
/// back into the city unit's inbox folder, it is read back (报表类型 申诉复核).
pub fn write_review(
    path: &std::path::Path,
    w: &crate::wording::Wording,
    unit: &str,
    as_of: chrono::NaiveDate,
    pending: &[PendingAppeal<'_>],
) -> Result<PathBuf, RenderError> {
    let fail = |e: XlsxError| RenderError::new("申诉复核表", path, std::io::Error::other(e.to_string()));
    let title = w.with("ledger.review_title", &[("date", &super::date_zh(as_of))]);
    let mut wb = super::xlsx::pinned(&title).map_err(fail)?;
    let f = Formats::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name(w.text("ledger.sheet_read_first")).map_err(fail)?;
        ws.set_column_width(0, 72).map_err(fail)?;
        ws.write_string_with_format(0, 0, &title, &f.title).map_err(fail)?;
        ws.write_string_with_format(1, 0, w.text("ledger.review_internal"), &f.note)
            .map_err(fail)?;
        ws.write_string_with_format(3, 0, w.text("ledger.review_intro"), &f.note)
            .map_err(fail)?;
        ws.set_row_height(3, 64).map_err(fail)?;
    }
    let ws = wb.add_worksheet();
    ws.set_name(cases::REVIEW_SHEET).map_err(fail)?;
    print_setup(ws, w, &title);
    let meta = [
        ("填报单位", unit.to_string()),
        ("报表类型", cases::REVIEW_KIND.to_string()),
        ("截至", as_of.to_string()),
    ];
    metadata(ws, &f, &meta).map_err(fail)?;
    headings(
        ws,
        &f,
        &cases::REVIEW_COLUMNS,
        &cases::REVIEW_ANSWERS,
        &[18.0, 22.0, 12.0, 30.0, 30.0, 10.0, 10.0, 36.0, 12.0, 36.0],
    )
    .map_err(fail)?;
    let (fill, _) = to_fill();
    for (i, p) in pending.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as u32;
        let c = p.case;
        let cells = [
            c.number.clone(),
            p.enterprise.clone(),
            c.survey_date.clone().unwrap_or_default(),
            c.aspects.join("\n"),
            c.opinion.clone().unwrap_or_default(),
            p.verified.clone().unwrap_or_default(),
            p.call_result.clone().unwrap_or_default(),
            p.reason.clone(),
        ];
        for (col, text) in cells.iter().enumerate() {
            ws.write_string_with_format(row, col as u16, text, &f.wrap)
                .map_err(fail)?;
        }
        for col in 8..10u16 {
            ws.write_blank(row, col, &fill).map_err(fail)?;
        }
        let reason = p.reason.chars().count().div_ceil(18);
        ws.set_row_height(row, row_height(c).max(16.0 * reason as f64))
            .map_err(fail)?;
    }
    dropdown(ws, 8, pending.len() as u32, &cases::REVIEW_CODES).map_err(fail)?;
    super::xlsx::save_atomic(&mut wb, path).map_err(fail)?;
    Ok(path.to_path_buf())
}
