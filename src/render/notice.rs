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
    build(&mut wb, notice, &wording.bureau(&v))?;
    super::xlsx::save_atomic(&mut wb, path)
}

fn build(wb: &mut Workbook, n: &Notice, bureau: &str) -> Result<(), XlsxError> {
    let f = Formats::new();
    let s = &n.submission;
    let ws = wb.add_worksheet().set_name("退回通知")?;
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 24)?;
    ws.set_column_width(2, 60)?;
    ws.merge_range(0, 0, 0, 2, "报表退回通知", &f.title)?;
    ws.set_row_height(0, 24)?;
    let report = match (s.kind, &s.period) {
        (Some(k), Some(p)) => {
            let label = crate::period::Period::parse(p).map_or(p.clone(), |p| p.label_zh());
            format!("{label}{}", k.label())
        }
        (Some(k), None) => format!("{}（所属期未能确定）", k.label()),
        _ => "未能确定（报表类型、所属期）".to_string(),
    };
    let first = if n.issues.is_empty() {
        "1. 按上面的原因修改报表；".to_string()
    } else {
        "1. 按上面的原因修改报表（下面的问题明细列出了每一处问题所在的单元格）；".to_string()
    };
    let what_to_do = [
        first,
        "2. 保存为 .xlsx 文件，重新放入本单位的收件箱文件夹。同一填报单位、同一报表类型和所属期重新报送的文件将作为更正后的报表接收；".to_string(),
        match &n.in_force {
            Some(name) => format!("3. 在更正的报表被接收之前，此前接收的“{name}”仍然有效。"),
            None => "3. 在更正的报表被接收之前，该期报表按未报送处理。".to_string(),
        },
    ];
    let rows: Vec<(&str, String)> = vec![
        ("填报单位", n.submitter_name.clone()),
        ("文件", s.original_name.clone()),
        ("接收时间", s.received_at.clone()),
        ("报表", report),
        ("结果", "整份退回，未计入统计".to_string()),
        ("退回原因", s.reason.clone().unwrap_or_else(|| "（未记录）".into())),
        ("怎么办", what_to_do.join("\n")),
        ("发出单位", bureau.to_string()),
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
        .flat_map(|w| w.lines())
        .filter(|w| !w.is_empty())
        .collect();
    if !warnings.is_empty() {
        r += 1;
        ws.write_string_with_format(r, 0, "另请注意", &f.title)?;
        r += 1;
        for w in warnings {
            ws.merge_range(r, 0, r, 2, w, &f.note)?;
            ws.set_row_height(r, (text_width(w) / 95.0).ceil().max(1.0) * 16.0)?;
            r += 1;
        }
    }
    if !n.issues.is_empty() {
        r += 1;
        ws.write_string_with_format(r, 0, format!("问题明细（共 {} 处）", n.issues.len()), &f.title)?;
        r += 1;
        let header = r;
        for (c, h) in ["单元格", "填写的内容", "问题"].into_iter().enumerate() {
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
            let more = format!(
                "……另有 {} 处问题未列出，改正以上问题后重新报送，系统会再次检查。",
                n.issues.len() - SHOWN
            );
            ws.merge_range(r, 0, r, 2, &more, &f.note)?;
        }
        ws.set_repeat_rows(header, header)?;
    }
    super::sheet::print_setup(ws, "报表退回通知");
    ws.set_portrait();
    Ok(())
}
