//! The feedback workbook (退回意见, SPEC §8) for each reporting unit whose return had problems
//! (rows left out, or remarks such as a missing question column):
//! the return as the unit sent it, every row, with each problem cell filled red and a note
//! giving the reason, a 问题说明 column with each row's reasons, and a first sheet telling the
//! clerk to correct the red cells and drop the file back into the inbox, where it is taken as
//! the corrected resubmission. One workbook per unit and period, in `退回意见/`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rust_xlsxwriter::{Color, ExcelDateTime, Format, Note, Workbook, XlsxError};

use super::sheet::{Formats, text_width};
use super::{RenderContext, RenderError, Renderer};
use crate::intake::Value;
use crate::results::FeedbackReturn;
use crate::wording::Wording;

pub struct FeedbackWorkbooks;

/// The folder of a period's feedback workbooks.
pub const FOLDER: &str = "退回意见";

/// `调查问卷!H7` → (0-based row 6, column 7); `None` for a row-level place (`调查问卷!第7行`).
fn cell_of(place: &str) -> Option<(u32, u16)> {
    let cell = place.rsplit_once('!').map_or(place, |(_, c)| c);
    let letters: String = cell.chars().take_while(|c| c.is_ascii_uppercase()).collect();
    let digits = &cell[letters.len()..];
    if letters.is_empty() || digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let col = letters.bytes().fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1)) - 1;
    let row: u32 = digits.parse().ok()?;
    Some((row.checked_sub(1)?, u16::try_from(col).ok()?))
}

impl Renderer for FeedbackWorkbooks {
    fn name(&self) -> &'static str {
        "退回意见"
    }

    fn render(&self, cx: &RenderContext<'_>) -> Result<Vec<PathBuf>, RenderError> {
        // The results hold each submitter's latest return only. When it has rows to correct
        // or remarks (a missing question column …), it gets a workbook; a file rejected whole
        // with no sheet to correct gets none (its 退回通知 says why).
        // The dropdowns' values: the scheme's answers, the period's enterprises and counties.
        let r = cx.results;
        let enterprises = r.enterprises.iter().map(|e| e.name.clone()).collect();
        let lists = super::form::lists(cx.scheme, enterprises, r.counties.clone());
        let mut out = Vec::new();
        let with_problems =
            (r.feedback.iter()).filter(|f| f.sheet.is_some() && (!f.issues.is_empty() || !f.warnings.is_empty()));
        for f in with_problems {
            let v = super::wording_values(cx.results);
            let doc = super::Handout::FeedbackWorkbook(&f.submitter_name);
            let path = cx.dir.join(super::document_path(cx.wording, &v, doc));
            let name = path
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let fail = |e: XlsxError| RenderError::new(self.name(), &path, std::io::Error::other(e.to_string()));
            let mut wb = super::xlsx::pinned(&name).map_err(fail)?;
            build(&mut wb, cx.wording, f, cx.scheme, &lists).map_err(fail)?;
            super::xlsx::save_atomic(&mut wb, &path).map_err(fail)?;
            out.push(path);
        }
        Ok(out)
    }
}

fn build(
    wb: &mut Workbook,
    w: &Wording,
    f: &FeedbackReturn,
    scheme: &crate::scheme::Scheme,
    lists: &[(&'static str, Vec<String>)],
) -> Result<(), XlsxError> {
    let formats = Formats::new();
    let Some(sheet) = &f.sheet else { return Ok(()) };
    {
        let ws = wb.add_worksheet().set_name(w.text("feedback.sheet_read_first"))?;
        ws.set_column_width(0, 100)?;
        let lines = [
            w.with(
                "feedback.greeting",
                &[
                    ("unit", &f.submitter_name),
                    ("name", &f.original_name),
                    ("received_at", &f.received_at),
                ],
            ),
            w.with("feedback.step_open", &[("sheet", &sheet.name)]),
            w.text("feedback.step_correct").to_string(),
            w.text("feedback.step_return").to_string(),
            match (&f.reason, f.accepted) {
                (_, true) => w.text("feedback.rows_counted").to_string(),
                (Some(r), false) => w.with("feedback.rejected_because", &[("why", r)]),
                (None, false) => w.text("feedback.rejected").to_string(),
            },
        ];
        let heading = formats.title.clone().set_text_wrap();
        ws.write_string_with_format(0, 0, &lines[0], &heading)?;
        ws.set_row_height(0, (text_width(&lines[0]) * 1.4 / 95.0).ceil().max(1.0) * 20.0)?;
        super::sheet::print_setup(ws, w, w.text("feedback.print_header"));
        for (i, l) in lines.iter().enumerate().skip(1) {
            ws.write_string_with_format(1 + i as u32, 0, l, &formats.note)?;
            ws.set_row_height(1 + i as u32, (text_width(l) / 95.0).ceil().max(1.0) * 16.0)?;
        }
        for (i, warning) in f.warnings.iter().enumerate() {
            let text = w.with("feedback.warning", &[("why", warning)]);
            ws.write_string_with_format(8 + i as u32, 0, text, &formats.note)?;
        }
    }
    let red = Format::new()
        .set_background_color(Color::RGB(0xFFC7CE))
        .set_font_color(Color::RGB(0x9C0006));
    let plain = Format::new();
    let date = |f: &Format| f.clone().set_num_format("yyyy-mm-dd");
    let datetime = |f: &Format| f.clone().set_num_format("yyyy-mm-dd hh:mm:ss");
    // Problem cells and each row's reasons.
    let mut marked: BTreeMap<(u32, u16), Vec<String>> = BTreeMap::new();
    let mut reasons: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for issue in &f.issues {
        let text = if issue.value.is_empty() {
            issue.problem.clone()
        } else {
            w.with(
                "feedback.typed_problem",
                &[("value", &issue.value), ("problem", &issue.problem)],
            )
        };
        if let Some(at) = cell_of(&issue.cell) {
            marked.entry(at).or_default().push(text.clone());
        }
        reasons.entry(issue.row.saturating_sub(1)).or_default().push(text);
    }
    let layout = &sheet.layout;
    let header_row = layout.header_row;
    // The 所属期 as settled: a period Excel stored as a number (2026.1) goes back as the text
    // of the period it was taken to be, so the corrected return is read the same way.
    let period_at = (layout.meta.period.as_ref()).and_then(|m| cell_of(&m.cell));
    let ws = wb.add_worksheet().set_name(&sheet.name)?;
    let width = sheet
        .rows
        .iter()
        .flat_map(|(_, c)| c.iter().map(|(col, _)| *col + 1))
        .max()
        .unwrap_or(1) as u16;
    let mut widths = vec![8.0f64; usize::from(width) + 1];
    for (row, cells) in &sheet.rows {
        for (col, value) in cells {
            let at = (*row, *col as u16);
            let format = if marked.contains_key(&at) { &red } else { &plain };
            let shown = value.display();
            // As the sender typed it: text as text (a value like `=…` never becomes a formula),
            // numbers as numbers, dates as dates.
            match value {
                _ if Some(at) == period_at && f.period.is_some() => {
                    let settled = f.period.as_deref().unwrap_or_default();
                    // `所属期:2026年10月` in one cell keeps its label.
                    let (label, typed) = match shown.find([':', '：']) {
                        Some(i) => shown.split_at(i + shown[i..].chars().next().map_or(1, char::len_utf8)),
                        None => ("", shown.as_str()),
                    };
                    let read_as = crate::period::Period::parse(typed.trim()).map(|p| p.to_string());
                    if read_as.as_deref() == Some(settled) {
                        ws.write_string_with_format(at.0, at.1, &shown, format)?;
                    } else {
                        ws.write_string_with_format(at.0, at.1, format!("{label}{settled}"), format)?;
                        let note = w.with("feedback.period_rewritten", &[("value", &typed), ("period", &settled)]);
                        ws.insert_note(at.0, at.1, &Note::new(note).set_width(260))?;
                    }
                }
                Value::Number(n) => {
                    ws.write_number_with_format(at.0, at.1, *n, format)?;
                }
                Value::Bool(b) => {
                    ws.write_boolean_with_format(at.0, at.1, *b, format)?;
                }
                Value::Date(d) => match ExcelDateTime::from_timestamp(d.and_utc().timestamp()) {
                    Ok(x) => {
                        let f = if d.time() == chrono::NaiveTime::MIN {
                            date(format)
                        } else {
                            datetime(format)
                        };
                        ws.write_datetime_with_format(at.0, at.1, &x, &f)?;
                    }
                    // Outside Excel's dates (a 0 shown as a date is 1899-12-31): as it was shown.
                    Err(_) => {
                        ws.write_string_with_format(at.0, at.1, &shown, format)?;
                    }
                },
                Value::Text(t) | Value::Error(t) => {
                    ws.write_string_with_format(at.0, at.1, t, format)?;
                }
            }
            // The header and the data set the widths, not the title above them.
            if *row >= header_row
                && let Some(x) = widths.get_mut(*col as usize)
            {
                *x = x.max((text_width(&shown) + 1.0).min(30.0));
            }
        }
    }
    for ((row, col), texts) in &marked {
        let present = sheet
            .rows
            .iter()
            .any(|(r, cells)| r == row && cells.iter().any(|(c, _)| *c as u16 == *col));
        if !present {
            ws.write_blank(*row, *col, &red)?;
        }
        ws.insert_note(*row, *col, &Note::new(texts.join("\n")).set_width(300).set_height(90))?;
    }
    // The 问题说明 column after the last column, on the header row and each problem row.
    ws.write_string_with_format(header_row, width, w.text("feedback.col_problems"), &formats.header)?;
    for (row, texts) in &reasons {
        ws.write_string_with_format(*row, width, texts.join(";"), &red)?;
    }
    for (c, x) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *x)?;
    }
    ws.set_column_width(width, 60)?;
    // The dropdowns of the template on the coded columns, over the data rows.
    let last = sheet.rows.last().map_or(header_row, |(r, _)| *r).max(header_row + 1);
    for &(c, field) in &layout.columns {
        if let Some(dv) = super::form::field_validation(w, scheme, lists, field) {
            ws.add_data_validation(header_row + 1, c as u16, last, c as u16, &dv)?;
        }
    }
    ws.set_freeze_panes(header_row + 1, 0)?;
    super::sheet::print_setup(
        ws,
        w,
        &w.with("feedback.print_header_unit", &[("unit", &f.submitter_name)]),
    );
    ws.set_repeat_rows(header_row, header_row)?;
    ws.set_active(true);
    super::form::write_code_sheet(wb, lists)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_found_from_their_names() {
        assert_eq!(cell_of("调查问卷!H7"), Some((6, 7)));
        assert_eq!(cell_of("调查问卷!AA10"), Some((9, 26)));
        assert_eq!(cell_of("调查问卷!第7行"), None);
        assert_eq!(cell_of("A1"), Some((0, 0)));
    }
}
