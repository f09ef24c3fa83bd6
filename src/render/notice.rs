//! The 退回通知 workbook (SPEC §8) for a file rejected whole: which file, when it came, why it
//! was not accepted, every problem found in it (cell, value, what is wrong) and what to do.
//! One sheet, printable on A4; a clerk reads it in the program they fill returns in.

use std::path::Path;

use rust_xlsxwriter::{Workbook, XlsxError};

use super::sheet::{Formats, text_width};
use crate::results::Notice;
use crate::wording::{Values, Wording};

/// Writes `notice` to `path` (atomically; the same notice gives the same bytes).
pub fn write(path: &Path, notice: &Notice, wording: &Wording, city: &str) -> Result<(), XlsxError> {
    let title = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut wb = super::xlsx::pinned(&title)?;
    let mut v = Values::new();
    v.insert("city", city.to_string());
    build(&mut wb, wording, notice, &wording.bureau(&v))?;
    super::xlsx::save_atomic(&mut wb, path)
}

fn build(wb: &mut Workbook, w: &Wording, n: &Notice, bureau: &str) -> Result<(), XlsxError> {
    let f = Formats::new();
    let s = &n.submission;
    let ws = wb.add_worksheet().set_name(w.text("notice.sheet"))?;
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 24)?;
    ws.set_column_width(2, 60)?;
    ws.merge_range(0, 0, 0, 2, w.text("notice.title"), &f.title)?;
    ws.set_row_height(0, 24)?;
    let report = match (s.kind, &s.period) {
        (Some(k), Some(p)) => {
            let label = crate::period::Period::parse(p).map_or(p.clone(), |p| p.label_zh());
            format!("{label}{}", k.label())
        }
        (Some(k), None) => w.with("notice.period_unknown", &[("kind", &k.label())]),
        _ => w.text("notice.kind_unknown").to_string(),
    };
    let first = if n.issues.is_empty() {
        w.text("notice.step_correct")
    } else {
        w.text("notice.step_correct_cells")
    };
    let what_to_do = [
        first.to_string(),
        w.text("notice.step_return").to_string(),
        match &n.in_force {
            Some(name) => w.with("notice.in_force", &[("name", name)]),
            None => w.text("notice.not_in_force").to_string(),
        },
    ];
    let rows: Vec<(&str, String)> = vec![
        (w.text("notice.label_unit"), n.submitter_name.clone()),
        (w.text("notice.label_file"), s.original_name.clone()),
        (w.text("notice.label_received"), s.received_at.clone()),
        (w.text("notice.label_return"), report),
        (w.text("notice.label_result"), w.text("notice.result").to_string()),
        (
            w.text("notice.label_reason"),
            s.reason.clone().unwrap_or_else(|| w.text("notice.no_reason").into()),
        ),
        (w.text("notice.label_what_to_do"), what_to_do.join("\n")),
        (w.text("notice.label_bureau"), bureau.to_string()),
    ];
    let mut r = 2u32;
    for (label, value) in &rows {
        ws.write_string_with_format(r, 0, *label, &f.header)?;
        ws.merge_range(r, 1, r, 2, value, &f.wrap)?;
        let lines: f64 = value.split('\n').map(|l| (text_width(l) / 80.0).ceil().max(1.0)).sum();
        ws.set_row_height(r, lines * 16.0 + 4.0)?;
        r += 1;
    }
    let warnings: Vec<&str> = (s.warnings.iter())
        .flat_map(|x| x.lines())
        .filter(|x| !x.is_empty())
        .collect();
    if !warnings.is_empty() {
        r += 1;
        ws.write_string_with_format(r, 0, w.text("notice.warnings"), &f.title)?;
        r += 1;
        for x in warnings {
            ws.merge_range(r, 0, r, 2, x, &f.note)?;
            ws.set_row_height(r, (text_width(x) / 95.0).ceil().max(1.0) * 16.0)?;
            r += 1;
        }
    }
    if !n.issues.is_empty() {
        r += 1;
        let heading = w.with("notice.issues", &[("count", &n.issues.len())]);
        ws.write_string_with_format(r, 0, heading, &f.title)?;
        r += 1;
        let header = r;
        let headers = [
            w.text("notice.col_cell"),
            w.text("notice.col_value"),
            w.text("notice.col_problem"),
        ];
        for (c, h) in headers.into_iter().enumerate() {
            ws.write_string_with_format(r, c as u16, h, &f.header)?;
        }
        r += 1;
        // Enough to correct by; the rest are in the file's explanation on the server.
        const SHOWN: usize = 2000;
        for i in n.issues.iter().take(SHOWN) {
            ws.write_string_with_format(r, 0, &i.cell, &f.text)?;
            ws.write_string_with_format(r, 1, &i.value, &f.wrap)?;
            ws.write_string_with_format(r, 2, &i.problem, &f.wrap)?;
            let lines = (text_width(&i.problem) / 58.0)
                .max(text_width(&i.value) / 22.0)
                .ceil()
                .max(1.0);
            ws.set_row_height(r, lines * 16.0)?;
            r += 1;
        }
        if n.issues.len() > SHOWN {
            let more = w.with("notice.more_issues", &[("count", &(n.issues.len() - SHOWN))]);
            ws.merge_range(r, 0, r, 2, &more, &f.note)?;
        }
        ws.set_repeat_rows(header, header)?;
    }
    super::sheet::print_setup(ws, w, w.text("notice.title"));
    ws.set_portrait();
    Ok(())
}
