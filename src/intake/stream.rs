//! Streaming xlsx/xlsb reading: cells are pulled one at a time from calamine's cell
//! readers and grouped into rows, so no sheet is ever allocated as a dense range (a
//! single cell at XFD1048576 would make calamine's `worksheet_range` allocate gigabytes).

use std::fs::File;
use std::io::BufReader;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use calamine::{DataRef, Reader, SheetType, Xlsb, Xlsx};

use super::{FileError, Format, Limits, RowSink, Value};

/// Files larger than this are read on a thread of their own.
pub(crate) const THREAD_THRESHOLD: u64 = 1 << 20;

/// Rows travel between the reading thread and the validating one in batches of this many.
const BATCH_ROWS: usize = 256;

enum Event {
    Sheet(String),
    Rows(Vec<(u32, Vec<(u32, Value)>)>),
    EndSheet,
}

/// Forwards what the reader reads to the consuming thread, in batches.
struct ChannelSink<'a> {
    tx: mpsc::SyncSender<Event>,
    batch: Vec<(u32, Vec<(u32, Value)>)>,
    sheet: usize,
    /// Set by the consumer: the index of a sheet it no longer wants, and "no more sheets".
    skip_sheet: &'a AtomicUsize,
    stop: &'a AtomicBool,
    /// The consumer's verdict at the end of each sheet: whether to read further sheets.
    verdict: mpsc::Receiver<bool>,
}

impl ChannelSink<'_> {
    fn flush(&mut self) -> bool {
        self.batch.is_empty() || self.tx.send(Event::Rows(std::mem::take(&mut self.batch))).is_ok()
    }

    fn wanted(&self) -> bool {
        !self.stop.load(Ordering::Relaxed) && self.skip_sheet.load(Ordering::Relaxed) != self.sheet
    }
}

impl RowSink for ChannelSink<'_> {
    fn sheet(&mut self, name: &str) {
        self.sheet += 1;
        let _ = self.tx.send(Event::Sheet(name.to_string()));
    }

    fn row(&mut self, row: u32, cells: Vec<(u32, Value)>) -> Result<bool, FileError> {
        self.batch.push((row, cells));
        if self.batch.len() >= BATCH_ROWS && !self.flush() {
            return Ok(false);
        }
        Ok(self.wanted())
    }

    fn end_sheet(&mut self) -> Result<bool, FileError> {
        // Wait for the verdict, so that no sheet is read that the consumer does not want.
        let sent = self.flush() && self.tx.send(Event::EndSheet).is_ok();
        Ok(sent && self.verdict.recv().unwrap_or(false))
    }
}

/// Reads an xlsx/xlsb file on a second thread while `sink` takes its rows on this one, so
/// that reading and validating one large return use two cores.
pub(crate) fn read_in_thread(
    path: &Path,
    format: Format,
    limits: &Limits,
    sink: &mut dyn RowSink,
) -> Result<(), FileError> {
    let skip_sheet = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<Event>(16);
        let (verdict_tx, verdict) = mpsc::channel::<bool>();
        let (skip_ref, stop_ref) = (&skip_sheet, &stop);
        let reader = scope.spawn(move || {
            let mut forward = ChannelSink {
                tx,
                batch: Vec::new(),
                sheet: 0,
                skip_sheet: skip_ref,
                stop: stop_ref,
                verdict,
            };
            let result = read(path, format, limits, &mut forward);
            // An error past the point where the consumer stopped listening is not its concern.
            if result.is_err() && !forward.wanted() {
                Ok(())
            } else {
                result
            }
        });
        let mut sheet = 0;
        let mut wanted = true;
        let consumed = (|| -> Result<(), FileError> {
            for event in rx.iter() {
                match event {
                    Event::Sheet(name) => {
                        sheet += 1;
                        wanted = true;
                        sink.sheet(&name);
                    }
                    Event::Rows(rows) => {
                        for (r, cells) in rows {
                            if wanted && !sink.row(r, cells)? {
                                wanted = false;
                                skip_sheet.store(sheet, Ordering::Relaxed);
                            }
                        }
                    }
                    Event::EndSheet => {
                        let more = sink.end_sheet()?;
                        let _ = verdict_tx.send(more);
                        if !more {
                            return Ok(());
                        }
                    }
                }
            }
            Ok(())
        })();
        stop.store(true, Ordering::Relaxed);
        // A reader blocked on a full channel or awaiting a verdict wakes up and ends.
        drop(rx);
        drop(verdict_tx);
        let read_result = reader.join().unwrap_or_else(|p| {
            Err(FileError::ParserFailed {
                detail: format!("解析器内部错误:{}", panic_text(&p)),
            })
        });
        // The consumer's verdict first (it saw the rows before any reader error).
        consumed.and(read_result)
    })
}

/// Reads every worksheet of an xlsx/xlsb file into `sink`, row by row.
pub(crate) fn read(path: &Path, format: Format, _limits: &Limits, sink: &mut dyn RowSink) -> Result<(), FileError> {
    let run = || -> Result<(), FileError> {
        let file = BufReader::new(File::open(path).map_err(|e| FileError::Io(e.to_string()))?);
        match format {
            Format::Xlsx => {
                let mut wb = Xlsx::new(file).map_err(|e| xlsx_error(&e))?;
                for name in worksheets(wb.sheets_metadata()) {
                    let mut cells = wb.worksheet_cells_reader(&name).map_err(|e| xlsx_error(&e))?;
                    sink.sheet(&name);
                    let more = pump(sink, || cells.next_cell().map_err(|e| xlsx_error(&e)))?;
                    if !more {
                        break;
                    }
                }
            }
            Format::Xlsb => {
                let mut wb = Xlsb::new(file).map_err(|e| xlsb_error(&e))?;
                for name in worksheets(wb.sheets_metadata()) {
                    let mut cells = wb.worksheet_cells_reader(&name).map_err(|e| xlsb_error(&e))?;
                    sink.sheet(&name);
                    let more = pump(sink, || cells.next_cell().map_err(|e| xlsb_error(&e)))?;
                    if !more {
                        break;
                    }
                }
            }
            Format::Xls | Format::Ods => unreachable!("xls and ods are read in a child process"),
        }
        Ok(())
    };
    catch_unwind(AssertUnwindSafe(|| super::parsing(run))).unwrap_or_else(|p| {
        Err(FileError::ParserFailed {
            detail: format!("解析器内部错误:{}", panic_text(&p)),
        })
    })
}

pub fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "未知".into())
}

pub(crate) fn worksheets(sheets: &[calamine::Sheet]) -> Vec<String> {
    sheets
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect()
}

/// Groups the cells of one sheet into rows and feeds them to the sink.
/// Returns whether the sink wants further sheets.
fn pump<'a>(
    sink: &mut dyn RowSink,
    mut next: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, FileError>,
) -> Result<bool, FileError> {
    let mut row: Option<u32> = None;
    let mut cells: Vec<(u32, Value)> = Vec::new();
    while let Some(cell) = next()? {
        let (r, c) = cell.get_position();
        let Some(v) = convert(cell.get_value()) else { continue };
        if row.is_some_and(|prev| r < prev) {
            // Excel writes rows in order; a row that goes back is a damaged or forged sheet
            // (calamine wraps a row number past u32 back to the top).
            return Err(FileError::Corrupt {
                detail: format!(
                    "工作表行号顺序异常(第 {} 行之后出现第 {} 行)",
                    row.unwrap_or(0) + 1,
                    r + 1
                ),
            });
        }
        if row != Some(r) {
            if let Some(prev) = row
                && !cells.is_empty()
            {
                if !cells.is_sorted_by_key(|&(c, _)| c) {
                    cells.sort_by_key(|&(c, _)| c);
                }
                let capacity = cells.len();
                if !sink.row(prev, std::mem::replace(&mut cells, Vec::with_capacity(capacity)))? {
                    return sink.end_sheet();
                }
            }
            row = Some(r);
        }
        cells.push((c, v));
    }
    if let Some(prev) = row
        && !cells.is_empty()
    {
        if !cells.is_sorted_by_key(|&(c, _)| c) {
            cells.sort_by_key(|&(c, _)| c);
        }
        sink.row(prev, cells)?;
    }
    sink.end_sheet()
}

/// A calamine cell as a [`Value`]; `None` for empty and whitespace-only cells.
pub(crate) fn convert(v: &DataRef<'_>) -> Option<Value> {
    Some(match v {
        DataRef::Empty => return None,
        DataRef::String(s) => text(s)?,
        DataRef::SharedString(s) => text(s)?,
        DataRef::Int(i) => Value::Number(*i as f64),
        DataRef::Float(f) => Value::Number(*f),
        DataRef::Bool(b) => Value::Bool(*b),
        DataRef::DateTime(dt) if dt.is_duration() => Value::Number(dt.as_f64()),
        DataRef::DateTime(dt) => dt.as_datetime().map(Value::Date).unwrap_or(Value::Number(dt.as_f64())),
        DataRef::DateTimeIso(s) => iso_date(s).unwrap_or_else(|| Value::Text(s.clone())),
        DataRef::DurationIso(s) => Value::Text(s.clone()),
        DataRef::Error(e) => Value::Error(e.to_string()),
    })
}

pub(crate) fn convert_owned(v: &calamine::Data) -> Option<Value> {
    use calamine::Data;
    Some(match v {
        Data::Empty => return None,
        Data::String(s) => text(s)?,
        Data::Int(i) => Value::Number(*i as f64),
        Data::Float(f) => Value::Number(*f),
        Data::Bool(b) => Value::Bool(*b),
        Data::DateTime(dt) if dt.is_duration() => Value::Number(dt.as_f64()),
        Data::DateTime(dt) => dt.as_datetime().map(Value::Date).unwrap_or(Value::Number(dt.as_f64())),
        Data::DateTimeIso(s) => iso_date(s).unwrap_or_else(|| Value::Text(s.clone())),
        Data::DurationIso(s) => Value::Text(s.clone()),
        Data::Error(e) => Value::Error(e.to_string()),
    })
}

fn text(s: &str) -> Option<Value> {
    // Stops at the first visible character: cheaper than trimming both ends of every cell.
    (!s.chars().all(char::is_whitespace)).then(|| Value::Text(s.to_string()))
}

fn iso_date(s: &str) -> Option<Value> {
    use chrono::{NaiveDate, NaiveDateTime};
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .map(|d| d.and_time(chrono::NaiveTime::MIN))
        })
        .map(Value::Date)
}

fn xlsx_error(e: &calamine::XlsxError) -> FileError {
    match e {
        calamine::XlsxError::Password => FileError::Encrypted,
        e => FileError::Corrupt { detail: e.to_string() },
    }
}

fn xlsb_error(e: &calamine::XlsbError) -> FileError {
    match e {
        calamine::XlsbError::Password => FileError::Encrypted,
        e => FileError::Corrupt { detail: e.to_string() },
    }
}
