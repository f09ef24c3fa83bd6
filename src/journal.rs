//! The run log (`logs/utility-eval.log` beside the config): what each run that did something
//! said, its warnings and errors, with the time and exit code, so an IT officer can look back
//! without cron's mail. It is kept to a bounded size: past 1 MiB the file becomes
//! `utility-eval.log.1` (replacing the older one) and a new one starts.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// The size past which the log is rotated.
pub const MAX_BYTES: u64 = 1 << 20;

/// Keeps a line this run said (stdout, stderr or a log message).
pub fn note(line: &str) {
    if let Ok(mut l) = LINES.lock() {
        l.push(line.trim_end().to_string());
    }
}

/// A writer for log messages (tracing): to stderr, and kept for the run log.
pub struct Tee;

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        note(&String::from_utf8_lossy(buf));
        std::io::stderr().write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Appends this run's lines to the log in `dir`, under a line with the time, the command and
/// its exit code. Nothing is written for a run that said nothing (cron every 30 minutes with
/// nothing to do leaves the log alone).
pub fn write(dir: &Path, command: &str, exit: u8) -> std::io::Result<()> {
    let lines = std::mem::take(&mut *LINES.lock().map_err(|_| std::io::Error::other("日志缓冲不可用"))?);
    if lines.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    let path = dir.join("utility-eval.log");
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > MAX_BYTES) {
        std::fs::rename(&path, dir.join("utility-eval.log.1"))?;
    }
    let mut text = format!(
        "== {} {command}(退出码 {exit})==\n",
        chrono::Local::now().format("%Y-%m-%d %H:%M:%S")
    );
    for l in lines {
        text += &l;
        text.push('\n');
    }
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
    f.write_all(text.as_bytes())
}
