//! Reading back what the rectification loop sends out (SPEC §11): a filled ledger (整改台账,
//! 报表类型 整改反馈) or an appeal review (申诉复核表, 报表类型 申诉复核). Both are workbooks of this
//! program with named sheets, each a metadata block (label | value) over a row of column
//! headings and the entries. Read whole (they hold tens of rows), under the same caps as a
//! return; a file is known as one of them by its sheets' names, read from the package alone.

use std::io::Read;
use std::path::Path;

use calamine::{Reader, Xlsx};

use super::{FileError, Limits, Value};
use crate::results::cases;

/// What a loop workbook is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopKind {
    /// A filled ledger (整改反馈).
    Ledger,
    /// The city unit's appeal review (申诉复核).
    Review,
}

/// One sheet of a loop workbook as read.
#[derive(Debug, Clone, Default)]
pub struct LoopSheet {
    pub name: String,
    /// The metadata block: label → (value, cell).
    pub meta: Vec<(String, Value, String)>,
    /// The heading row (0-based) and each heading's column.
    pub header_row: u32,
    pub columns: Vec<(String, u32)>,
    /// The rows below the headings with a value in any column: (0-based row, cells by column).
    pub rows: Vec<(u32, Vec<(u32, Value)>)>,
}

impl LoopSheet {
    /// The metadata value under `label`, with its cell.
    pub fn meta(&self, label: &str) -> Option<(&Value, &str)> {
        (self.meta.iter())
            .find(|(l, ..)| l == label)
            .map(|(_, v, c)| (v, c.as_str()))
    }

    /// The column headed `name`.
    pub fn column(&self, name: &str) -> Option<u32> {
        self.columns.iter().find(|(h, _)| h == name).map(|(_, c)| *c)
    }
}

/// What the package of the workbook at `path` says it is, from its sheets' names; `None` for
/// anything else (a return, or not an xlsx package at all).
pub fn loop_kind(path: &Path) -> Option<LoopKind> {
    let file = std::fs::File::open(path).ok()?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    let entry = zip.by_name("xl/workbook.xml").ok()?;
    let mut xml = String::new();
    // The workbook part lists the sheets; a megabyte is far more than any real one.
    entry.take(1 << 20).read_to_string(&mut xml).ok()?;
    let has = |sheet: &str| xml.contains(&format!("name=\"{sheet}\""));
    if has(cases::REVIEW_SHEET) {
        Some(LoopKind::Review)
    } else if has(cases::CASES_SHEET) || has(cases::ITEMS_SHEET) {
        Some(LoopKind::Ledger)
    } else {
        None
    }
}

/// How far down a sheet its heading row is looked for.
const HEADER_SEARCH_ROWS: u32 = 20;

/// Reads the sheets named `wanted` of the loop workbook at `path` (those it has).
pub fn read_loop(path: &Path, limits: &Limits, wanted: &[&str]) -> Result<Vec<LoopSheet>, FileError> {
    if super::sniff::sniff(path, limits)? != super::Format::Xlsx {
        return Err(FileError::Corrupt {
            detail: "不是 .xlsx 工作簿".into(),
        });
    }
    let read = std::panic::catch_unwind(|| super::parsing(|| read_sheets(path, limits, wanted)));
    match read {
        Ok(r) => r,
        Err(p) => Err(FileError::Corrupt {
            detail: super::panic_message(&p),
        }),
    }
}

fn read_sheets(path: &Path, limits: &Limits, wanted: &[&str]) -> Result<Vec<LoopSheet>, FileError> {
    let mut book: Xlsx<_> = calamine::open_workbook(path).map_err(|e| match e {
        calamine::XlsxError::Password => FileError::Encrypted,
        e => FileError::Corrupt { detail: e.to_string() },
    })?;
    let mut out = Vec::new();
    for name in book.sheet_names() {
        if !wanted.contains(&name.as_str()) {
            continue;
        }
        let range = book
            .worksheet_range(&name)
            .map_err(|e| FileError::Corrupt { detail: e.to_string() })?;
        let (top, left) = range.start().unwrap_or((0, 0));
        let mut sheet = LoopSheet {
            name: name.clone(),
            ..Default::default()
        };
        let mut header = None;
        for (i, row) in range.rows().enumerate() {
            let r = top + i as u32;
            if r > limits.max_rows.saturating_add(HEADER_SEARCH_ROWS) {
                return Err(FileError::Corrupt {
                    detail: format!("工作表“{name}”超过 {} 行", limits.max_rows),
                });
            }
            let cells: Vec<(u32, Value)> = (row.iter().enumerate())
                .take(limits.max_columns as usize)
                .filter_map(|(j, d)| {
                    let v = super::stream::convert_owned(d)?;
                    let v = match v {
                        Value::Text(s) if s.chars().count() > limits.max_cell_chars => {
                            Value::Text(s.chars().take(limits.max_cell_chars).collect())
                        }
                        Value::Text(s) => Value::Text(s.trim().to_string()),
                        v => v,
                    };
                    Some((left + j as u32, v))
                })
                .collect();
            if cells.is_empty() {
                continue;
            }
            if header.is_none() {
                let is_heading = cells.iter().any(|(_, v)| matches!(v, Value::Text(t) if t == "编号"));
                if is_heading && r < HEADER_SEARCH_ROWS {
                    header = Some(r);
                    sheet.header_row = r;
                    sheet.columns = (cells.iter())
                        .filter_map(|(c, v)| match v {
                            Value::Text(t) => Some((t.clone(), *c)),
                            _ => None,
                        })
                        .collect();
                } else if let [(c, Value::Text(label)), (vc, value), ..] = cells.as_slice()
                    && *c == left
                {
                    let cell = super::cell_name(r, *vc);
                    sheet.meta.push((label.clone(), value.clone(), cell));
                }
                continue;
            }
            sheet.rows.push((r, cells));
        }
        out.push(sheet);
    }
    Ok(out)
}
