//! One subcommand per file: its arguments and its `run()`.

pub mod check;
pub mod ingest;
pub mod init;
pub mod report;
pub mod run;
pub mod status;
pub mod template;
pub mod worker;

use std::fs::File;
use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context;

use crate::config::Config;
use crate::run::{FileResult, Summary};

/// How a command ended, for the exit code (SPEC §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0
    Success,
    /// 3: done, but some input was rejected.
    SomeRejected,
    /// 75: another run holds the lock.
    Locked,
    /// 1
    Failed,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::SomeRejected => 3,
            Exit::Locked => 75,
            Exit::Failed => 1,
        }
    }
}

/// Loads the config, saying where to get one if it is missing.
pub fn load_config(path: &Path) -> anyhow::Result<Config> {
    if !path.exists() {
        anyhow::bail!(
            "找不到配置文件 {};请用 --config 指定,或先运行 `utility-eval init 目录` 生成一份",
            path.display()
        );
    }
    Ok(Config::load(path)?)
}

/// Takes the run lock, or says on stderr that another run holds it (`None`: exit 75).
pub fn lock_or_say(config: &Config) -> anyhow::Result<Option<File>> {
    let held = lock(config)?;
    if held.is_none() {
        eprintln!(
            "另一个 utility-eval 正在运行(数据库 {} 已加锁),本次退出。",
            config.paths.database.display()
        );
    }
    Ok(held)
}

/// The run lock beside the database; `None` when another process holds it.
pub fn lock(config: &Config) -> anyhow::Result<Option<File>> {
    let mut name = config
        .paths
        .database
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    let path = config.paths.database.with_file_name(name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("无法打开锁文件 {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(e).with_context(|| format!("无法加锁 {}", path.display())),
    }
}

/// A progress bar on a terminal, nothing under cron.
pub fn progress(total: usize) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || total == 0 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}") {
        bar.set_style(style);
    }
    Some(bar)
}

/// Prints the account of an ingest to stdout: one line per rejected file, then totals.
pub fn print_summary(config: &Config, summary: &Summary) {
    for (name, r) in &summary.files {
        match r {
            FileResult::Rejected { reason } => println!("退回  {name}:{reason}"),
            FileResult::Duplicate { of } => println!("重复  {name}:与已接收的“{of}”内容相同,未重复计入"),
            FileResult::NotMoved { error, stored: Some(_) } => {
                println!("未移动 {name}:{error}(数据已入库,文件留在收件箱,下次运行时再移动)")
            }
            FileResult::NotMoved { error, stored: None } => {
                println!("未处理 {name}:{error}(文件留在收件箱,下次运行时重试)")
            }
            FileResult::Accepted {
                bad_rows, superseded, ..
            } => {
                let mut notes = Vec::new();
                if *bad_rows > 0 {
                    notes.push(format!("{bad_rows} 行有问题已退回"));
                }
                if *superseded {
                    notes.push("替代了此前报送的同期报表".to_string());
                }
                if !notes.is_empty() {
                    println!("接收  {name}:{}", notes.join(";"));
                }
            }
        }
    }
    if summary.files.is_empty() && summary.recovered == 0 {
        println!("收件箱 {} 中没有新文件。", config.paths.inbox.display());
    } else {
        let accepted = summary.count(|r| matches!(r, FileResult::Accepted { .. }));
        let rejected = summary.count(|r| matches!(r, FileResult::Rejected { .. }));
        let duplicates = summary.count(|r| matches!(r, FileResult::Duplicate { .. }));
        let (rows, bad_rows) = summary.rows();
        println!(
            "共处理 {} 个文件:接收 {accepted} 个,退回 {rejected} 个,重复 {duplicates} 个;有效数据 {rows} 行,问题行 {bad_rows} 行。",
            summary.files.len()
        );
    }
    if summary.recovered > 0 {
        println!("补完上次中断的文件移动 {} 个。", summary.recovered);
    }
    if !summary.waiting.is_empty() {
        println!(
            "刚刚改动、可能仍在上传的文件 {} 个,下次运行时处理:{}",
            summary.waiting.len(),
            summary.waiting.join("、")
        );
    }
    if !summary.skipped.is_empty() {
        println!(
            "跳过临时文件 {} 个:{}",
            summary.skipped.len(),
            summary.skipped.join("、")
        );
    }
    if !summary.files.is_empty() {
        println!(
            "归档:{}  退回:{}  数据库:{}",
            config.paths.archive.display(),
            config.paths.rejected.display(),
            config.paths.database.display()
        );
    }
}

/// The exit of an ingest.
pub fn exit_of(summary: &Summary) -> Exit {
    if summary.any_failure() {
        Exit::Failed
    } else if summary.any_rejected() {
        Exit::SomeRejected
    } else {
        Exit::Success
    }
}
