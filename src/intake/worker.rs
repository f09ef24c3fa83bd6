//! xls and ods parsing in a child process. calamine parses these formats a whole sheet at
//! a time, and some corrupt files make it panic or abort on an allocation failure that no
//! `catch_unwind` can stop. So the parent starts this same program with the hidden
//! `parse-worker` subcommand under an address-space limit and a timeout; the child streams
//! rows back as JSON lines. A crash or stall rejects one file, never the batch.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use calamine::{Data, Ods, Reader, Xls};
use serde::{Deserialize, Serialize};

use super::stream::{convert_owned, panic_text, worksheets};
use super::{FileError, Format, Limits, RowSink, Value};

/// The hidden subcommand the child runs.
pub const SUBCOMMAND: &str = "parse-worker";

/// One line of the child's output.
#[derive(Debug, Serialize, Deserialize)]
enum Msg {
    Sheet(String),
    Row(u32, Vec<(u32, Value)>),
    EndSheet,
    Error(FileError),
    Done,
}

/// Parent side: parses `path` in a child process, feeding its rows to `sink`.
pub(crate) fn read_in_child(
    path: &Path,
    format: Format,
    limits: &Limits,
    sink: &mut dyn RowSink,
) -> Result<(), FileError> {
    let exe = match &limits.worker_exe {
        Some(p) => p.clone(),
        None => std::env::current_exe().map_err(|e| FileError::Io(e.to_string()))?,
    };
    let mut command = Command::new(exe);
    let parent = std::process::id();
    // SAFETY: only async-signal-safe system calls run between fork and exec.
    unsafe {
        command.pre_exec(move || {
            // The child dies with its parent: a killed run leaves no parser behind.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
            if libc::getppid() as u32 != parent {
                return Err(std::io::Error::other("parent gone"));
            }
            Ok(())
        });
    }
    let mut child = command
        .arg(SUBCOMMAND)
        .arg("--format")
        .arg(format.name())
        .arg("--memory-bytes")
        .arg(limits.worker_memory_bytes.to_string())
        .arg("--max-columns")
        .arg(limits.max_columns.to_string())
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| FileError::Io(format!("无法启动解析子进程:{e}")))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::sync_channel::<Result<Msg, String>>(256);
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let msg = line
                .map_err(|e| e.to_string())
                .and_then(|l| serde_json::from_str(&l).map_err(|e| e.to_string()));
            if tx.send(msg).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(limits.worker_timeout_secs);
    let outcome = drive(&rx, deadline, limits.worker_timeout_secs, sink);
    // Whatever happened, the child must not outlive this file.
    let _ = child.kill();
    let status = child.wait();
    drop(rx);
    let _ = reader.join();
    match outcome {
        Drive::Finished => Ok(()),
        Drive::Failed(e) => Err(e),
        Drive::Broken(detail) => {
            let how = match status {
                Ok(s) => crash_text(&s),
                Err(e) => e.to_string(),
            };
            Err(FileError::ParserFailed {
                detail: if detail.is_empty() {
                    how
                } else {
                    format!("{how};{detail}")
                },
            })
        }
    }
}

enum Drive {
    Finished,
    Failed(FileError),
    /// The child died or spoke nonsense.
    Broken(String),
}

fn drive(rx: &mpsc::Receiver<Result<Msg, String>>, deadline: Instant, secs: u64, sink: &mut dyn RowSink) -> Drive {
    let mut reading_sheet = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let msg = match rx.recv_timeout(left) {
            Ok(Ok(m)) => m,
            Ok(Err(e)) => return Drive::Broken(format!("子进程输出无法识别:{e}")),
            Err(mpsc::RecvTimeoutError::Timeout) => return Drive::Failed(FileError::Timeout { secs }),
            Err(mpsc::RecvTimeoutError::Disconnected) => return Drive::Broken(String::new()),
        };
        let step = match msg {
            Msg::Sheet(name) => {
                sink.sheet(&name);
                reading_sheet = true;
                Ok(true)
            }
            Msg::Row(r, cells) if reading_sheet => sink.row(r, cells).map(|more| {
                reading_sheet = more;
                true
            }),
            Msg::Row(..) => Ok(true),
            Msg::EndSheet => sink.end_sheet(),
            Msg::Error(e) => Err(e),
            Msg::Done => return Drive::Finished,
        };
        match step {
            Ok(true) => {}
            Ok(false) => return Drive::Finished,
            Err(e) => return Drive::Failed(e),
        }
    }
}

fn crash_text(status: &std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return match sig {
                6 => "解析时内存超限或程序中止(信号 6)".into(),
                9 => "解析子进程被终止(信号 9)".into(),
                11 => "解析时发生内存访问错误(信号 11)".into(),
                s => format!("解析子进程因信号 {s} 退出"),
            };
        }
    }
    format!("解析子进程异常退出({status})")
}

/// Child side: the body of the hidden `parse-worker` subcommand. Writes JSON lines to stdout.
pub fn run_worker(path: &Path, format: &str, memory_bytes: u64, max_columns: u32) -> i32 {
    let _ = rlimit::setrlimit(rlimit::Resource::AS, memory_bytes, memory_bytes);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parse(path, format, max_columns, &mut out)
    }))
    .unwrap_or_else(|p| {
        Err(FileError::ParserFailed {
            detail: format!("解析器内部错误:{}", panic_text(&p)),
        })
    });
    let last = match result {
        Ok(()) => Msg::Done,
        Err(e) => Msg::Error(e),
    };
    let ok = emit(&mut out, &last).and_then(|_| out.flush()).is_ok();
    if ok { 0 } else { 1 }
}

fn emit(out: &mut impl Write, msg: &Msg) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, msg)?;
    out.write_all(b"\n")
}

fn parse(path: &Path, format: &str, max_columns: u32, out: &mut impl Write) -> Result<(), FileError> {
    let file = BufReader::new(std::fs::File::open(path).map_err(|e| FileError::Io(e.to_string()))?);
    let corrupt = |e: &dyn std::fmt::Display| FileError::Corrupt { detail: e.to_string() };
    match format {
        "xls" => {
            let mut wb = Xls::new(file).map_err(|e| match e {
                calamine::XlsError::Password => FileError::Encrypted,
                e => corrupt(&e),
            })?;
            for name in worksheets(wb.sheets_metadata()) {
                let range = wb.worksheet_range(&name).map_err(|e| corrupt(&e))?;
                send_sheet(&name, &range, max_columns, out)?;
            }
        }
        "ods" => {
            let ods_error = |e: calamine::OdsError| match e {
                calamine::OdsError::Password => FileError::Encrypted,
                calamine::OdsError::CellLimitExceeded { requested, max } => FileError::TooManyCells {
                    requested: requested as u64,
                    cap: max as u64,
                },
                e => corrupt(&e),
            };
            let mut wb = Ods::new(file).map_err(ods_error)?;
            for name in worksheets(wb.sheets_metadata()) {
                let range = wb.worksheet_range(&name).map_err(ods_error)?;
                send_sheet(&name, &range, max_columns, out)?;
            }
        }
        other => {
            return Err(FileError::NotSpreadsheet {
                what: format!("格式 {other}"),
            });
        }
    }
    Ok(())
}

fn send_sheet(
    name: &str,
    range: &calamine::Range<Data>,
    max_columns: u32,
    out: &mut impl Write,
) -> Result<(), FileError> {
    let io = |e: std::io::Error| FileError::Io(e.to_string());
    emit(out, &Msg::Sheet(name.to_string())).map_err(io)?;
    if let Some((r0, c0)) = range.start() {
        let mut current: Option<u32> = None;
        let mut cells: Vec<(u32, Value)> = Vec::new();
        for (r, c, v) in range.used_cells() {
            let (r, c) = (r0 + r as u32, c0 + c as u32);
            if c >= max_columns {
                return Err(FileError::TooManyColumns {
                    sheet: name.to_string(),
                    cell: super::cell_name(r, c),
                    cap: max_columns,
                });
            }
            let Some(v) = convert_owned(v) else { continue };
            if current != Some(r) {
                if let Some(prev) = current.filter(|_| !cells.is_empty()) {
                    emit(out, &Msg::Row(prev, std::mem::take(&mut cells))).map_err(io)?;
                }
                current = Some(r);
            }
            cells.push((c, v));
        }
        if let Some(prev) = current.filter(|_| !cells.is_empty()) {
            emit(out, &Msg::Row(prev, cells)).map_err(io)?;
        }
    }
    emit(out, &Msg::EndSheet).map_err(io)
}
