//! The blank return workbook (报表模板) that `template` writes and county offices fill in:
//! an instructions sheet, a data sheet with the metadata block, one frozen header row,
//! dropdowns on every coded column, and numbered empty rows. What it writes is exactly
//! what [`intake`](crate::intake) reads back.

use std::path::Path;

use rust_xlsxwriter::{Color, DataValidation, Format, FormatAlign, FormatBorder, Formula, Note, Worksheet, XlsxError};

use crate::config::Config;
use crate::intake::Field;
use crate::intake::layout::{FIELDS, USER_FIELDS};
use crate::period::ReturnKind;
use crate::scheme::{ItemKind, Scheme};
use crate::validate::{METHODS, NOT_REACHED, USER_TYPES};
use crate::wording::Wording;

/// Name of the data sheet.
pub const DATA_SHEET: &str = "调查问卷";
/// 0-based row of the header on the data sheet.
pub const HEADER_ROW: u32 = 5;
/// Width of the instructions column, in characters.
const INSTRUCTION_WIDTH: f64 = 96.0;

/// Numbered empty rows below the header.
pub const BLANK_ROWS: u32 = 200;

/// What goes into the form.
pub struct FormSpec<'a> {
    pub kind: ReturnKind,
    /// An unscheduled survey's 调查名称 (the default name when `None`).
    pub survey: Option<&'a str>,
    pub scheme: &'a Scheme,
    /// The registry, for the enterprise and county dropdowns (optional).
    pub config: Option<&'a Config>,
    /// Pre-filled 填报单位.
    pub submitter: Option<&'a str>,
    /// Pre-filled 所属期.
    pub period: Option<&'a str>,
    pub city: &'a str,
    /// The call-back workbook's users, pre-filled one a row (with their surveyor when the list
    /// is split); empty for a blank form.
    pub prefill: &'a [(crate::store::FrameUser, Option<u32>)],
}

/// A column of the form: its header text and what it is.
struct Column {
    header: String,
    field: Field,
    width: f64,
}

/// Excel column width for a text: a little more than its terminal width.
fn display_width(s: &str) -> f64 {
    crate::text::display_width(s) as f64 * 1.05
}

fn columns(spec: &FormSpec<'_>) -> Vec<Column> {
    let label = |f: Field| {
        FIELDS
            .iter()
            .find(|(g, _, _)| *g == f)
            .map(|(_, l, _)| *l)
            .unwrap_or("")
    };
    let mut fixed = vec![Field::Seq];
    if spec.kind != ReturnKind::Frame {
        fixed.extend([Field::SurveyDate, Field::Method]);
    }
    fixed.extend(USER_FIELDS.iter().copied().filter(|f| *f != Field::Seq));
    let mut cols: Vec<Column> = fixed
        .into_iter()
        .map(|f| {
            let header = label(f).to_string();
            let width = match f {
                Field::Seq => 6.0,
                Field::UserName | Field::Enterprise => 28.0,
                Field::SurveyDate | Field::Phone => 14.0,
                _ => display_width(&header).max(10.0) + 2.0,
            };
            Column {
                header,
                field: f,
                width,
            }
        })
        .collect();
    // The call-back's surveyors say here why a user was not reached (the answers left blank).
    if spec.kind.is_sampled() {
        let header = label(Field::NotReached).to_string();
        cols.push(Column {
            width: display_width(&header).max(10.0) + 2.0,
            header,
            field: Field::NotReached,
        });
    }
    if spec.kind != ReturnKind::Frame {
        for (i, item) in spec.scheme.items.iter().enumerate() {
            let header = format!("{}\n{}", item.id, item.name);
            let width = display_width(&item.name).clamp(10.0, 18.0);
            cols.push(Column {
                header,
                field: Field::Item(i),
                width,
            });
        }
        cols.push(Column {
            header: label(Field::Opinion).into(),
            field: Field::Opinion,
            width: 36.0,
        });
        cols.push(Column {
            header: label(Field::Suggestion).into(),
            field: Field::Suggestion,
            width: 30.0,
        });
    }
    cols
}

/// Writes the form to `path`.
pub fn write_form(spec: &FormSpec<'_>, path: &Path) -> Result<(), XlsxError> {
    // The deployment's wording, or the built-in one for a form made without a configuration.
    let builtin;
    let w = match spec.config {
        Some(c) => &c.wording,
        None => {
            builtin = Wording::builtin();
            &builtin
        }
    };
    let mut wb = super::xlsx::pinned(&w.with(
        "form.workbook_title",
        &[("city", &spec.city), ("kind", &spec.kind.label())],
    ))?;
    let cols = columns(spec);

    let help = wb.add_worksheet().set_name(w.text("form.sheet_instructions"))?;
    write_instructions(help, spec, w)?;

    let lists = code_lists(spec);
    let data = wb.add_worksheet().set_name(DATA_SHEET)?;
    write_data_sheet(data, spec, w, &cols, &lists)?;
    data.set_active(true);

    write_code_sheet(&mut wb, &lists)?;
    super::xlsx::save_atomic(&mut wb, path)
}

/// The hidden 代码表 sheet the dropdowns take their values from.
pub fn write_code_sheet(
    wb: &mut rust_xlsxwriter::Workbook,
    lists: &[(&'static str, Vec<String>)],
) -> Result<(), XlsxError> {
    let codes = wb.add_worksheet().set_name("代码表")?;
    for (c, (title, values)) in lists.iter().enumerate() {
        codes.write_string(0, c as u16, *title)?;
        for (r, v) in values.iter().enumerate() {
            codes.write_string(r as u32 + 1, c as u16, v)?;
        }
        codes.set_column_width(c as u16, 24)?;
    }
    codes.set_hidden(true);
    Ok(())
}

/// The dropdown of a column of `field`, if it is a coded one.
pub fn field_validation(
    w: &Wording,
    scheme: &Scheme,
    lists: &[(&'static str, Vec<String>)],
    field: Field,
) -> Option<DataValidation> {
    let list = match field {
        Field::Method => "调查方式",
        Field::UserType => "用户类型",
        Field::Utility => "服务类别",
        Field::Enterprise => "服务企业",
        Field::County => "所属县市",
        Field::NotReached => "未回访原因",
        Field::Item(i) => match scheme.items.get(i)?.kind {
            ItemKind::YesNo => "是否题",
            ItemKind::FiveLevel => "五级评价",
        },
        _ => return None,
    };
    list_validation(w, lists, list)
}

/// The dropdown lists, kept on the hidden 代码表 sheet (Excel limits inline lists to 255 characters).
fn code_lists(spec: &FormSpec<'_>) -> Vec<(&'static str, Vec<String>)> {
    let (enterprises, counties) = match spec.config {
        Some(c) => (
            c.enterprises.iter().map(|e| e.name.clone()).collect(),
            c.counties().map(str::to_string).collect(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    lists(spec.scheme, enterprises, counties)
}

/// The dropdown lists of a return: the scheme's answers and the registry's enterprises and
/// counties.
pub fn lists(scheme: &Scheme, enterprises: Vec<String>, counties: Vec<String>) -> Vec<(&'static str, Vec<String>)> {
    let codes = |table: &[(&str, &[&str])]| table.iter().map(|(c, _)| c.to_string()).collect::<Vec<_>>();
    let mut grades: Vec<String> = scheme.grades.iter().map(|g| g.label.clone()).collect();
    grades.push("不适用".into());
    vec![
        ("调查方式", codes(METHODS)),
        ("用户类型", codes(USER_TYPES)),
        ("服务类别", vec!["供水".into(), "供气".into()]),
        ("服务企业", enterprises),
        ("所属县市", counties),
        ("是否题", vec!["是".into(), "否".into(), "不适用".into()]),
        ("五级评价", grades),
        ("未回访原因", codes(NOT_REACHED)),
    ]
}

fn list_validation(w: &Wording, lists: &[(&'static str, Vec<String>)], name: &str) -> Option<DataValidation> {
    let (i, (_, values)) = lists.iter().enumerate().find(|(_, (n, _))| *n == name)?;
    if values.is_empty() {
        return None;
    }
    let col = (b'A' + i as u8) as char;
    let formula = Formula::new(format!("=代码表!${col}$2:${col}${}", values.len() + 1));
    let dv = DataValidation::new()
        .allow_list_formula(formula)
        .set_error_title(w.text("form.dropdown_error_title"))
        .ok()?
        .set_error_message(w.with("form.dropdown_error", &[("name", &name)]))
        .ok()?;
    Some(dv)
}

fn write_data_sheet(
    ws: &mut Worksheet,
    spec: &FormSpec<'_>,
    w: &Wording,
    cols: &[Column],
    lists: &[(&'static str, Vec<String>)],
) -> Result<(), XlsxError> {
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let label = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xF2F2F2))
        .set_border(FormatBorder::Thin);
    let value = Format::new()
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0xFFF2CC));
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin);
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");

    let last = cols.len() as u16 - 1;
    ws.merge_range(
        0,
        0,
        0,
        last.min(12),
        &w.with("form.title", &[("city", &spec.city), ("kind", &spec.kind.label())]),
        &title,
    )?;
    ws.set_row_height(0, 28)?;
    let meta = [
        ("填报单位", spec.submitter.unwrap_or("")),
        ("报表类型", spec.kind.label()),
        ("所属期", spec.period.unwrap_or("")),
    ];
    // 所属期 is text: Excel would turn a typed 2026.10 into the number 2026.1 (January).
    let period_value = value.clone().set_num_format("@");
    for (i, (l, v)) in meta.iter().enumerate() {
        let r = 1 + i as u32;
        ws.write_string_with_format(r, 0, *l, &label)?;
        let format = if *l == "所属期" { &period_value } else { &value };
        ws.merge_range(r, 1, r, 3, v, format)?;
    }
    let period_rule = DataValidation::new()
        .allow_custom(Formula::new("=ISTEXT(B4)"))
        .set_input_title("所属期")?
        .set_input_message(w.text("form.period_hint"))?
        .set_error_title(w.text("form.period_error_title"))?
        .set_error_message(w.text("form.period_error"))?;
    ws.add_data_validation(3, 1, 3, 1, &period_rule)?;
    ws.insert_note(3, 1, &Note::new(w.text("form.period_hint")).set_width(260))?;
    // An unscheduled survey's name, beside the metadata (read like it).
    if spec.kind == ReturnKind::Adhoc {
        ws.write_string_with_format(1, 4, crate::validate::SURVEY_NAME_LABEL, &label)?;
        ws.merge_range(1, 5, 1, 7, spec.survey.unwrap_or(crate::validate::ADHOC_NAME), &value)?;
    }
    let kinds = ReturnKind::ALL.map(ReturnKind::label);
    let kinds = DataValidation::new().allow_list_strings(&kinds)?;
    ws.add_data_validation(2, 1, 2, 1, &kinds)?;

    for (c, col) in cols.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(HEADER_ROW, c, &col.header, &header)?;
        ws.set_column_width(c, col.width)?;
        if let Field::Item(i) = col.field {
            ws.insert_note(HEADER_ROW, c, &Note::new(&spec.scheme.items[i].question).set_width(360))?;
        }
        let first = HEADER_ROW + 1;
        let lastr = HEADER_ROW + rows_of(spec);
        if let Some(dv) = field_validation(w, spec.scheme, lists, col.field) {
            ws.add_data_validation(first, c, lastr, c, &dv)?;
        }
        match col.field {
            Field::Phone | Field::UserName => {
                ws.set_column_format(c, &text)?;
            }
            Field::SurveyDate => {
                ws.set_column_format(c, &date)?;
            }
            _ => {}
        }
    }
    ws.set_row_height(HEADER_ROW, 45)?;
    let rows = rows_of(spec);
    for n in 0..rows {
        ws.write_number(HEADER_ROW + 1 + n, 0, f64::from(n + 1))?;
    }
    prefill(ws, spec, w, cols)?;
    ws.set_freeze_panes(HEADER_ROW + 1, 4)?;
    ws.set_landscape();
    ws.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    // The first column holds both 序号 and the metadata labels.
    ws.set_column_width(0, 10)?;
    Ok(())
}

/// The numbered rows: one per pre-filled user, else [`BLANK_ROWS`].
fn rows_of(spec: &FormSpec<'_>) -> u32 {
    if spec.prefill.is_empty() {
        BLANK_ROWS
    } else {
        spec.prefill.len() as u32
    }
}

/// The call-back workbook's users in their rows, 调查方式 set to 电话回访, and with surveyors a
/// 回访员 column and a page break before each surveyor's part (each prints on its own pages).
fn prefill(ws: &mut Worksheet, spec: &FormSpec<'_>, w: &Wording, cols: &[Column]) -> Result<(), XlsxError> {
    if spec.prefill.is_empty() {
        return Ok(());
    }
    let col = |f: Field| cols.iter().position(|c| c.field == f).map(|c| c as u16);
    let surveyor_col = cols.len() as u16;
    let split = spec.prefill.iter().any(|(_, s)| s.is_some());
    if split {
        let header = Format::new()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_background_color(Color::RGB(0xDDEBF7))
            .set_border(FormatBorder::Thin);
        ws.write_string_with_format(HEADER_ROW, surveyor_col, w.text("form.surveyor"), &header)?;
        ws.set_column_width(surveyor_col, 10)?;
    }
    let mut breaks = Vec::new();
    let mut previous = None;
    for (i, (u, surveyor)) in spec.prefill.iter().enumerate() {
        let r = HEADER_ROW + 1 + i as u32;
        let mut put = |f: Field, v: &str| -> Result<(), XlsxError> {
            if let Some(c) = col(f).filter(|_| !v.is_empty()) {
                ws.write_string(r, c, v)?;
            }
            Ok(())
        };
        put(Field::Method, "电话回访")?;
        put(Field::UserName, &u.user_name)?;
        put(Field::UserType, u.user_type.as_deref().unwrap_or(""))?;
        put(Field::Phone, &u.phone)?;
        put(Field::County, u.county.as_deref().unwrap_or(""))?;
        let enterprise = spec
            .config
            .and_then(|c| c.enterprise_by_code(&u.enterprise))
            .map_or(u.enterprise.clone(), |e| e.name.clone());
        put(Field::Enterprise, &enterprise)?;
        if let Some(s) = surveyor {
            ws.write_string(r, surveyor_col, w.with("form.surveyor_n", &[("count", s)]))?;
            if previous.is_some_and(|p| p != *s) {
                breaks.push(r);
            }
            previous = Some(*s);
        }
    }
    if !breaks.is_empty() {
        ws.set_page_breaks(&breaks)?;
    }
    Ok(())
}

fn write_instructions(ws: &mut Worksheet, spec: &FormSpec<'_>, w: &Wording) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold().set_font_size(14);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    ws.set_column_width(0, INSTRUCTION_WIDTH)?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.write_string_with_format(
        0,
        0,
        w.with(
            "form.instructions_title",
            &[("city", &spec.city), ("kind", &spec.kind.label())],
        ),
        &bold,
    )?;
    if spec.kind == ReturnKind::Frame {
        return write_frame_instructions(ws, w, &wrap);
    }
    // The grades and the reversed questions as the scheme has them.
    let grades: Vec<&str> = spec.scheme.grades.iter().map(|g| g.label.as_str()).collect();
    let reversed: Vec<&str> = (spec.scheme.items.iter())
        .filter(|i| is_reversed(i))
        .map(|i| i.id.as_str())
        .collect();
    let values = [
        ("grades", &grades.join("/") as &dyn std::fmt::Display),
        ("reversed", &reversed.join("、")),
    ];
    let mut lines: Vec<String> = w.with("form.instructions", &values).lines().map(String::from).collect();
    if spec.kind.is_sampled() {
        lines.extend(w.text("form.instructions_quarterly").lines().map(String::from));
    }
    if spec.kind == ReturnKind::Adhoc {
        lines.extend(w.text("form.instructions_adhoc").lines().map(String::from));
    }
    lines.extend([String::new(), w.text("form.questions_heading").into()]);
    for item in &spec.scheme.items {
        let polarity = if is_reversed(item) { w.text("form.reversed") } else { "" };
        lines.push(format!("{} {}{}:{}", item.id, item.name, polarity, item.question));
    }
    // How to set the survey up on an online platform so that its export reads as it comes.
    if matches!(spec.kind, ReturnKind::Monthly | ReturnKind::Adhoc) {
        let types: Vec<&str> = USER_TYPES.iter().map(|(t, _)| *t).collect();
        let values = [
            ("grades", &grades.join("、") as &dyn std::fmt::Display),
            ("list", &types.join("、")),
        ];
        lines.extend([String::new(), w.text("form.online_heading").into()]);
        lines.extend(w.with("form.instructions_online", &values).lines().map(String::from));
    }
    for (i, line) in lines.iter().enumerate() {
        let row = 2 + i as u32;
        ws.write_string_with_format(row, 0, line, &wrap)?;
        // Wrapped rows do not grow by themselves in every program: size them for their lines.
        let lines = (crate::text::display_width(line) as f64 / (INSTRUCTION_WIDTH * 1.15))
            .ceil()
            .max(1.0);
        ws.set_row_height(row, 16.0 * lines)?;
    }
    Ok(())
}

/// A yes/no question whose favourable answer is 否 (a question about a problem).
fn is_reversed(item: &crate::scheme::Item) -> bool {
    // 否 is the scheme's answer value (scheme.toml writes favourable = "否").
    item.kind == ItemKind::YesNo && item.favourable.as_deref() == Some("否")
}

/// The sample frame's own instructions: a list of users, no questions.
fn write_frame_instructions(ws: &mut Worksheet, w: &Wording, wrap: &Format) -> Result<(), XlsxError> {
    for (i, line) in w.text("form.instructions_frame").lines().enumerate() {
        let row = 2 + i as u32;
        ws.write_string_with_format(row, 0, line, wrap)?;
        let n = (crate::text::display_width(line) as f64 / (INSTRUCTION_WIDTH * 1.15))
            .ceil()
            .max(1.0);
        ws.set_row_height(row, 16.0 * n)?;
    }
    Ok(())
}
