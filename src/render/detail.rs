//! The detail workbook (明细, internal, SPEC §8): every valid response of the period with the
//! return it came from (submitter, file, row), the answers as given and as scored. It holds
//! personal data (names, phones, free text): its name and its first sheet say so. The rows are
//! streamed from the store into a constant-memory worksheet, so 200,000 responses never sit in
//! memory at once.

use std::path::PathBuf;

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::sheet::{Formats, print_setup, text_width};
use super::{RenderContext, RenderError, Renderer};
use crate::score::AnswerTable;

pub struct DetailWorkbook;

impl Renderer for DetailWorkbook {
    fn name(&self) -> &'static str {
        "明细表"
    }

    fn render(&self, cx: &RenderContext<'_>) -> Result<Vec<PathBuf>, RenderError> {
        let v = super::wording_values(cx.results);
        let name = cx.wording.name("detail_workbook", &v);
        let path = cx.dir.join(format!("{name}.xlsx"));
        let fail = |e: std::io::Error| RenderError::new(self.name(), &path, e);
        let xlsx = |e: XlsxError| std::io::Error::other(e.to_string());
        let mut wb = super::xlsx::pinned(&name).map_err(xlsx).map_err(fail)?;
        // 200,000 rows: the fastest compression (a somewhat larger file) keeps it to seconds.
        wb.set_zip_compression_level(1);
        build(&mut wb, cx, &name).map_err(fail)?;
        super::xlsx::save_atomic(&mut wb, &path).map_err(xlsx).map_err(fail)?;
        Ok(vec![path])
    }
}

fn build(wb: &mut Workbook, cx: &RenderContext<'_>, title: &str) -> std::io::Result<()> {
    let xlsx = |e: XlsxError| std::io::Error::other(e.to_string());
    let f = Formats::new();
    let scheme = cx.scheme;
    {
        let ws = wb.add_worksheet().set_name("说明").map_err(xlsx)?;
        ws.set_column_width(0, 100).map_err(xlsx)?;
        let warning = Format::new()
            .set_bold()
            .set_font_size(14)
            .set_font_color(rust_xlsxwriter::Color::RGB(0xC00000));
        let lines = [
            "本表为内部资料,含调查对象的姓名、联系电话和意见原文等个人信息,不得公开或外传。",
            "每行是一份有效问卷:来自哪个填报单位的哪份报表第几行,各题的回答(原样)和得分(按评价方案计分)。",
            "被退回的行不在本表中,见各单位的退回意见。",
        ];
        ws.write_string_with_format(0, 0, title, &f.title).map_err(xlsx)?;
        ws.write_string_with_format(2, 0, lines[0], &warning).map_err(xlsx)?;
        for (i, l) in lines.iter().enumerate().skip(1) {
            ws.write_string_with_format(2 + i as u32, 0, *l, &f.note)
                .map_err(xlsx)?;
        }
    }
    let ws = wb.add_worksheet_with_constant_memory().map_err(xlsx)?;
    ws.set_name("明细").map_err(xlsx)?;
    print_setup(ws, title);
    let mut headers: Vec<String> = [
        "填报单位",
        "来源文件",
        "工作表",
        "行号",
        "调查日期",
        "调查方式",
        "用户名称",
        "用户类型",
        "用水(用气)性质",
        "月均用量",
        "联系电话",
        "服务企业",
        "服务类别",
        "所属县市",
    ]
    .map(String::from)
    .to_vec();
    headers.extend(scheme.items.iter().map(|i| format!("{}回答", i.id)));
    headers.extend(scheme.items.iter().map(|i| format!("{}得分", i.id)));
    headers.extend(["意见或投诉".to_string(), "建议".to_string()]);
    // Widths must be set before any row in a constant-memory sheet.
    for (c, h) in headers.iter().enumerate() {
        let w = match c {
            1 => 30.0,
            6 | 11 => 26.0,
            _ if c + 2 >= headers.len() => 40.0,
            _ => text_width(h) + 2.0,
        };
        ws.set_column_width(c as u16, w).map_err(xlsx)?;
    }
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &f.header).map_err(xlsx)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx)?;
    ws.set_repeat_rows(0, 0).map_err(xlsx)?;
    let ids: Vec<&str> = scheme.items.iter().map(|i| i.id.as_str()).collect();
    let mut row = 0u32;
    let mut failed: Option<XlsxError> = None;
    let table = AnswerTable::new(scheme);
    let mut answers: Vec<Option<String>> = vec![None; ids.len()];
    let mut scores: Vec<Option<f64>> = vec![None; ids.len()];
    // Names by code, looked up once per row.
    let parties: std::collections::HashMap<&str, &str> = (cx.results.quality.submitters.iter())
        .map(|q| (q.code.as_str(), q.name.as_str()))
        .collect();
    let names: std::collections::HashMap<&str, &str> = (cx.results.enterprises.iter())
        .map(|e| (e.code.as_str(), e.name.as_str()))
        .collect();
    let party = |code: &str| parties.get(code).map_or(code.to_string(), |n| n.to_string());
    let enterprise = |code: &str| names.get(code).map_or(code.to_string(), |n| n.to_string());
    cx.detail
        .for_each(&mut |d| {
            if failed.is_some() {
                return;
            }
            row += 1;
            answers.iter_mut().for_each(|a| *a = None);
            scores.iter_mut().for_each(|v| *v = None);
            // The answers as stored, and their scores as scoring gives them.
            table.each(d.answers, |i, answer, value| {
                answers[i] = Some(answer.to_string());
                scores[i] = value.map(|v| v.score);
            });
            let mut write = || -> Result<(), XlsxError> {
                let mut put = |col: u16, text: &str| -> Result<(), XlsxError> {
                    if !text.is_empty() {
                        ws.write_string(row, col, text)?;
                    }
                    Ok(())
                };
                // Every value from a return is written as text (never as a formula).
                let texts = [party(d.submitter), d.file.to_string()];
                put(0, &texts[0])?;
                put(1, &texts[1])?;
                put(2, d.sheet)?;
                let opt = |s: Option<&str>| s.unwrap_or("").to_string();
                let cells = [
                    opt(d.survey_date),
                    opt(d.method),
                    d.user_name.to_string(),
                    opt(d.user_type),
                    opt(d.usage_nature),
                ];
                for (k, t) in cells.iter().enumerate() {
                    put(4 + k as u16, t)?;
                }
                put(10, d.phone.unwrap_or(""))?;
                put(11, &enterprise(d.enterprise))?;
                put(12, d.utility)?;
                put(13, d.county)?;
                let base = 14u16;
                let n = ids.len() as u16;
                for (i, a) in answers.iter().enumerate() {
                    if let Some(a) = a {
                        put(base + i as u16, a)?;
                    }
                }
                put(base + 2 * n, d.opinion.unwrap_or(""))?;
                put(base + 2 * n + 1, d.suggestion.unwrap_or(""))?;
                // Numbers after the texts of the row (the `put` borrow ends above).
                ws.write_number(row, 3, d.row as f64)?;
                if let Some(u) = d.monthly_usage {
                    ws.write_number(row, 9, u)?;
                }
                for (i, score) in scores.iter().enumerate() {
                    if let Some(score) = score {
                        ws.write_number(row, base + n + i as u16, *score)?;
                    }
                }
                Ok(())
            };
            if let Err(e) = write() {
                failed = Some(e);
            }
        })
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    if let Some(e) = failed {
        return Err(xlsx(e));
    }
    ws.autofilter(0, 0, row.max(1), headers.len() as u16 - 1)
        .map_err(xlsx)?;
    Ok(())
}
