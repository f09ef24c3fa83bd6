//! Intake, the first stage of the pipeline: read one return workbook, whatever its format
//! and however it was filled in, into metadata, a header layout and data rows of
//! normalised cells. It touches only the file it reads (and, for xls/ods, a child process
//! of this same program); it knows nothing of the registry or the database.
//!
//! xlsx/xlsb are streamed cell by cell in this process under row and column caps; xls and
//! ods, whose parsers load whole sheets and can abort on hostile input, are parsed in a
//! child process under a memory limit ([`worker`]).

pub mod layout;
pub mod ledger;
pub mod normalize;
mod sniff;
mod stream;
pub mod worker;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use crate::config::Limits;
pub use crate::results::{Field, Layout, Meta, MetaCell};
pub use crate::results::{SheetDump, Value};
pub use layout::cell_name;
pub use sniff::Format;
pub use stream::panic_text as panic_message;

use crate::scheme::Scheme;

thread_local! {
    static PARSING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` as third-party parsing of a file: a panic in it is expected from hostile input,
/// caught by the caller and reported as that file's rejection, so the panic hook stays quiet.
pub(crate) fn parsing<T>(f: impl FnOnce() -> T) -> T {
    let before = PARSING.with(|p| p.replace(true));
    let out = f();
    PARSING.with(|p| p.set(before));
    out
}

/// Whether the current thread is inside the parsing of a file (see `parsing`) (for the program's panic hook).
pub fn in_parser() -> bool {
    PARSING.with(|p| p.get())
}

/// Why a whole file could not be read. Messages are for the county clerk.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Serialize, Deserialize)]
pub enum FileError {
    #[error("文件为空(0 字节)")]
    Empty,
    #[error("文件大小 {size} 字节,超过上限 {cap} 字节;请删除无关工作表或分成多个文件报送")]
    FileTooLarge { size: u64, cap: u64 },
    #[error("不是电子表格文件({what});请用 Excel 或 WPS 打开后“另存为” .xlsx 格式再报送")]
    NotSpreadsheet { what: String },
    #[error("文件设有打开密码,无法读取;请取消密码保护后重新报送")]
    Encrypted,
    #[error("文件已损坏,无法读取({detail});请用 Excel 打开检查后另存为 .xlsx 再报送")]
    Corrupt { detail: String },
    #[error("文件解压后过大({what},上限 {cap} 字节),疑似异常文件,已拒收")]
    Inflated { what: String, cap: u64 },
    #[error("工作表“{sheet}”数据行超过上限 {cap} 行(第 {row} 行仍有内容);请分成多个文件报送")]
    TooManyRows { sheet: String, row: u32, cap: u32 },
    #[error("工作表“{sheet}”单元格 {cell} 超出允许的列范围(最多 {cap} 列);请删除该单元格的内容")]
    TooManyColumns { sheet: String, cell: String, cap: u32 },
    #[error("工作表“{sheet}”单元格 {cell} 内容过长({chars} 个字符,上限 {cap})")]
    CellTooLong {
        sheet: String,
        cell: String,
        chars: usize,
        cap: usize,
    },
    #[error("工作表声明的单元格数量({requested})超过上限 {cap},疑似异常文件,已拒收")]
    TooManyCells { requested: u64, cap: u64 },
    #[error("文件解析超时({secs} 秒),疑似异常文件,已拒收")]
    Timeout { secs: u64 },
    #[error("文件解析失败({detail}),疑似损坏或异常文件;请用 Excel 打开检查后另存为 .xlsx 再报送")]
    ParserFailed { detail: String },
    #[error(
        "未找到表头行:在{sheets}的前 {rows} 行中没有找到“用户名称”“联系电话”“Q1”等列名;请使用市住建局下发的标准报表模板填写"
    )]
    NoHeader { sheets: String, rows: u32 },
    #[error("读取文件失败:{0}")]
    Io(String),
}

/// What a format reader does with the rows it reads.
pub(crate) trait RowSink {
    /// A new sheet begins.
    fn sheet(&mut self, name: &str);
    /// One row's non-empty cells, in column order. Returns whether to keep reading this sheet.
    fn row(&mut self, row: u32, cells: Vec<(u32, Value)>) -> Result<bool, FileError>;
    /// The sheet ended. Returns whether to read further sheets.
    fn end_sheet(&mut self) -> Result<bool, FileError>;
}

/// Receives a return as it is read: first its layout, then each data row.
pub trait ReturnVisitor {
    /// The header was found. Returns whether to read the data rows: a visitor that already
    /// knows the file is to be rejected (an unknown submitter, say) stops the reading here.
    fn layout(&mut self, layout: &Layout) -> bool;
    /// One data row (0-based index, non-empty cells in column order); blank, numbered-only
    /// and 合计/填报人 rows never arrive here.
    fn row(&mut self, layout: &Layout, row: u32, cells: &[(u32, Value)]);
    /// A later sheet also has a header: a second data sheet, which is not read.
    fn other_sheet(&mut self, _sheet: &str) {}
}

/// Reads the return at `path`: finds the first sheet with a header, hands its layout and
/// then its data rows to `visitor`. Returns the format it was read as.
pub fn read_return(
    path: &Path,
    scheme: &Scheme,
    limits: &Limits,
    visitor: &mut dyn ReturnVisitor,
) -> Result<Format, FileError> {
    let format = sniff::sniff(path, limits)?;
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut sink = LayoutSink {
        scheme,
        limits,
        visitor,
        state: State::Searching(Vec::new()),
        sheet: String::new(),
        sheets_seen: Vec::new(),
        found: false,
        peek: false,
        data_read: false,
    };
    let read = match format {
        // A large return is read on a second thread while this one validates it; small
        // ones are not worth a thread (a batch of them keeps every core busy already).
        Format::Xlsx | Format::Xlsb if size > stream::THREAD_THRESHOLD => {
            stream::read_in_thread(path, format, limits, &mut sink)
        }
        Format::Xlsx | Format::Xlsb => stream::read(path, format, limits, &mut sink),
        Format::Xls | Format::Ods => worker::read_in_child(path, format, limits, &mut sink),
    };
    match read {
        // A sheet after the data sheet is only looked at for a header: its faults are not
        // the return's.
        Err(e) if sink.data_read => tracing::debug!("{}:数据表之后的工作表无法读取:{e}", path.display()),
        Err(e) => return Err(e),
        Ok(()) => {}
    }
    if !sink.found {
        let sheets = if sink.sheets_seen.is_empty() {
            "工作簿".to_string()
        } else {
            sink.sheets_seen
                .iter()
                .map(|s| format!("“{s}”"))
                .collect::<Vec<_>>()
                .join("、")
        };
        return Err(FileError::NoHeader {
            sheets,
            rows: layout::HEADER_SEARCH_ROWS,
        });
    }
    Ok(format)
}

/// Reads back the first sheet of the workbook at `path` that has a header (the sheet intake
/// read), whole, under the same caps as intake.
pub fn dump_sheet(path: &Path, scheme: &Scheme, limits: &Limits) -> Result<SheetDump, FileError> {
    struct Capture<'a> {
        scheme: &'a Scheme,
        limits: &'a Limits,
        name: String,
        rows: Vec<(u32, Vec<(u32, Value)>)>,
        found: Option<SheetDump>,
    }
    impl RowSink for Capture<'_> {
        fn sheet(&mut self, name: &str) {
            self.name = name.to_string();
            self.rows.clear();
        }
        fn row(&mut self, row: u32, cells: Vec<(u32, Value)>) -> Result<bool, FileError> {
            if row > self.limits.max_rows.saturating_add(layout::HEADER_SEARCH_ROWS) {
                return Err(FileError::TooManyRows {
                    sheet: self.name.clone(),
                    row: row + 1,
                    cap: self.limits.max_rows,
                });
            }
            let cells = cells
                .into_iter()
                .filter(|(c, _)| *c < self.limits.max_columns)
                .collect();
            self.rows.push((row, cells));
            Ok(true)
        }
        fn end_sheet(&mut self) -> Result<bool, FileError> {
            let head = self.rows.partition_point(|(r, _)| *r < layout::HEADER_SEARCH_ROWS);
            if let Some(layout) = layout::detect(&self.name, &self.rows[..head], self.scheme) {
                self.found = Some(SheetDump {
                    name: self.name.clone(),
                    rows: std::mem::take(&mut self.rows),
                    layout,
                });
                return Ok(false);
            }
            Ok(true)
        }
    }
    let format = sniff::sniff(path, limits)?;
    let mut sink = Capture {
        scheme,
        limits,
        name: String::new(),
        rows: Vec::new(),
        found: None,
    };
    match format {
        Format::Xlsx | Format::Xlsb => stream::read(path, format, limits, &mut sink)?,
        Format::Xls | Format::Ods => worker::read_in_child(path, format, limits, &mut sink)?,
    }
    sink.found.ok_or(FileError::NoHeader {
        sheets: "工作簿".into(),
        rows: layout::HEADER_SEARCH_ROWS,
    })
}

enum State {
    /// Collecting the first rows of a sheet.
    Searching(Vec<(u32, Vec<(u32, Value)>)>),
    /// The header is found; data rows flow to the visitor.
    Data(Box<Layout>),
    /// This sheet has no header; skip to the next.
    Skipping,
    /// A sheet after the one read: its first rows are looked at only to say whether it
    /// holds data that is not read.
    Peeking(Vec<(u32, Vec<(u32, Value)>)>),
}

struct LayoutSink<'a> {
    scheme: &'a Scheme,
    limits: &'a Limits,
    visitor: &'a mut dyn ReturnVisitor,
    state: State,
    sheet: String,
    sheets_seen: Vec<String>,
    found: bool,
    /// The visitor took the header found: later sheets are peeked at.
    peek: bool,
    /// The data sheet was read to its end.
    data_read: bool,
}

impl LayoutSink<'_> {
    /// Tries to find the header in the collected rows; on success replays the data rows.
    fn settle(&mut self) -> Result<(), FileError> {
        let State::Searching(rows) = std::mem::replace(&mut self.state, State::Skipping) else {
            return Ok(());
        };
        let Some(layout) = layout::detect(&self.sheet, &rows, self.scheme) else {
            return Ok(());
        };
        self.found = true;
        if !self.visitor.layout(&layout) {
            return Ok(()); // stays Skipping: no rows, no further sheets
        }
        self.peek = true;
        let header_row = layout.header_row;
        self.state = State::Data(Box::new(layout));
        for (r, cells) in rows {
            if r > header_row {
                self.data_row(r, cells)?;
            }
        }
        Ok(())
    }

    /// Whether a peeked-at sheet holds a header of its own; tells the visitor if so.
    fn settle_peek(&mut self) {
        if let State::Peeking(rows) = std::mem::replace(&mut self.state, State::Skipping)
            && layout::detect(&self.sheet, &rows, self.scheme).is_some()
        {
            self.visitor.other_sheet(&self.sheet);
        }
    }

    fn data_row(&mut self, row: u32, cells: Vec<(u32, Value)>) -> Result<(), FileError> {
        let State::Data(layout) = &self.state else {
            return Ok(());
        };
        if row <= layout.header_row {
            return Ok(()); // rows stored out of order above the header
        }
        if row - layout.header_row > self.limits.max_rows {
            return Err(FileError::TooManyRows {
                sheet: self.sheet.clone(),
                row: row + 1,
                cap: self.limits.max_rows,
            });
        }
        if !layout::is_skippable(layout, &cells) {
            self.visitor.row(layout, row, &cells);
        }
        Ok(())
    }
}

impl RowSink for LayoutSink<'_> {
    fn sheet(&mut self, name: &str) {
        self.sheet = name.to_string();
        self.sheets_seen.push(name.to_string());
        self.state = if self.found {
            State::Peeking(Vec::new())
        } else {
            State::Searching(Vec::new())
        };
    }

    fn row(&mut self, row: u32, cells: Vec<(u32, Value)>) -> Result<bool, FileError> {
        // The caps guard what is read; a sheet only peeked at is not.
        let capped = matches!(self.state, State::Searching(_) | State::Data(_));
        for (col, v) in cells.iter().filter(|_| capped) {
            if *col >= self.limits.max_columns {
                return Err(FileError::TooManyColumns {
                    sheet: self.sheet.clone(),
                    cell: cell_name(row, *col),
                    cap: self.limits.max_columns,
                });
            }
            if let Value::Text(s) = v
                && s.len() > self.limits.max_cell_chars
                && s.chars().count() > self.limits.max_cell_chars
            {
                return Err(FileError::CellTooLong {
                    sheet: self.sheet.clone(),
                    cell: cell_name(row, *col),
                    chars: s.chars().count(),
                    cap: self.limits.max_cell_chars,
                });
            }
        }
        match &mut self.state {
            State::Searching(rows) if row < layout::HEADER_SEARCH_ROWS => {
                rows.push((row, cells));
                Ok(true)
            }
            State::Searching(_) => {
                self.settle()?;
                if matches!(self.state, State::Data(_)) {
                    self.data_row(row, cells)?;
                    Ok(true)
                } else {
                    Ok(false)
                }
            }
            State::Data(_) => {
                self.data_row(row, cells)?;
                Ok(true)
            }
            State::Skipping => Ok(false),
            State::Peeking(rows) if row < layout::HEADER_SEARCH_ROWS => {
                rows.push((row, cells));
                Ok(true)
            }
            State::Peeking(_) => {
                self.settle_peek();
                Ok(false)
            }
        }
    }

    fn end_sheet(&mut self) -> Result<bool, FileError> {
        if matches!(self.state, State::Peeking(_)) {
            self.settle_peek();
        } else {
            self.settle()?;
            self.data_read |= matches!(self.state, State::Data(_));
        }
        Ok(!self.found || self.peek)
    }
}
