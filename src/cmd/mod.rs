//! One subcommand per file: its arguments and its `run()`.

/// `println!` for a command's report: a closed stdout (`run | head -1`) ends the printing,
/// never the command.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cmd::say_line(&format!($($arg)*))
    };
}

pub mod args;
pub mod check;
pub mod deliver;
pub mod ingest;
pub mod init;
pub mod release;
pub mod report;
pub mod run;
pub mod sample;
pub mod status;
pub mod template;
pub mod worker;

use std::fs::File;
use std::io::IsTerminal;
use std::path::Path;

use crate::config::Config;
use crate::run::{FileResult, Summary};
use crate::store::Store;

/// What this run said (stdout and stderr), for the log file ([`crate::journal`]).
pub fn say_line(line: &str) {
    crate::journal::note(line);
    print_line(line);
}

/// Says a problem on stderr, and keeps it for the log file.
pub fn complain(line: &str) {
    crate::journal::note(line);
    eprintln!("{line}");
}

/// Writes one line to stdout; once stdout is closed (a pipe whose reader left), stays quiet.
fn print_line(line: &str) {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};
    static CLOSED: AtomicBool = AtomicBool::new(false);
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
        CLOSED.store(true, Ordering::Relaxed);
    }
}

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
    /// 2: a usage error found after parsing (an unknown recipient, a period that does not exist).
    Usage,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::SomeRejected => 3,
            Exit::Locked => 75,
            Exit::Failed => 1,
            Exit::Usage => 2,
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
    let held = crate::run::cron::lock(config)?;
    if held.is_none() {
        complain(&format!(
            "另一个 utility-eval 正在运行(数据库 {} 已加锁),本次退出。",
            config.paths.database.display()
        ));
    }
    Ok(held)
}

/// Opens the database for writing; `None` (said on stderr, exit 75) when another program
/// holds it.
pub fn open_store(config: &Config) -> anyhow::Result<Option<Store>> {
    match Store::open(&config.paths.database) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.is_busy() => {
            complain(&e.to_string());
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// A run that failed part-way: another program holding the database is exit 75 like a held
/// run lock; a database error names the database.
pub fn failed(config: &Config, e: crate::run::RunError) -> anyhow::Result<Exit> {
    match e {
        crate::run::RunError::Store(e) if e.is_busy() => {
            complain(&format!(
                "数据库 {} 正被另一个程序占用(加锁),本次退出;已入库的文件不受影响,下次运行时继续。",
                config.paths.database.display()
            ));
            Ok(Exit::Locked)
        }
        crate::run::RunError::Store(e) => {
            Err(anyhow::Error::new(e).context(format!("数据库 {}", config.paths.database.display())))
        }
        e => Err(e.into()),
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

/// Prints the account of an ingest to stdout: one line per file that needs a word, then
/// totals; what the operator must fix (folders that cannot be read) goes to stderr.
pub fn print_summary(config: &Config, summary: &Summary) {
    use crate::text::printable as p;
    for (name, r) in &summary.files {
        let name = p(name);
        match r {
            FileResult::Rejected { reason, .. } => say!("退回  {name}:{reason}"),
            FileResult::Duplicate { of } => say!("重复  {name}:与已接收的“{}”内容相同,未重复计入", p(of)),
            FileResult::NotMoved { error, stored: Some(_) } => {
                say!("未移动 {name}:{error}(数据已入库,文件留在收件箱,下次运行时再移动)")
            }
            FileResult::NotMoved { error, stored: None } => {
                say!("未处理 {name}:{error}(文件留在收件箱,下次运行时重试)")
            }
            FileResult::Changed => {
                say!("未处理 {name}:文件在读取过程中被改动或替换,未入库,留在收件箱,下次运行时处理")
            }
            FileResult::Accepted {
                bad_rows,
                replaced,
                warnings,
                notes,
                ..
            } => {
                let mut said = Vec::new();
                if *bad_rows > 0 {
                    said.push(format!("{bad_rows} 行有问题已退回"));
                }
                for r in replaced {
                    said.push(format!(
                        "替代了 {} 接收的同期报表“{}”",
                        r.received_at,
                        p(&r.original_name)
                    ));
                }
                said.extend(warnings.iter().map(|n| format!("注意:{n}")));
                said.extend(
                    (notes.split(';'))
                        .filter(|n| !n.is_empty())
                        .map(|n| format!("说明:{n}")),
                );
                if !said.is_empty() {
                    say!("接收  {name}:{}", said.join(";"));
                }
            }
        }
    }
    // Nothing done: nothing said (cron mails whatever a job prints), except files that are
    // still arriving, said once below.
    let idle = summary.files.is_empty() && summary.recovered == 0;
    if !idle {
        let accepted = summary.count(|r| matches!(r, FileResult::Accepted { .. }));
        let rejected = summary.count(|r| matches!(r, FileResult::Rejected { .. }));
        let duplicates = summary.count(|r| matches!(r, FileResult::Duplicate { .. }));
        let (rows, bad_rows) = summary.rows();
        say!(
            "共处理 {} 个文件:接收 {accepted} 个,退回 {rejected} 个,重复 {duplicates} 个;有效数据 {rows} 行,问题行 {bad_rows} 行。",
            summary.files.len()
        );
    }
    if summary.recovered > 0 {
        say!("补完上次中断的文件移动 {} 个。", summary.recovered);
    }
    let list = |names: &[String]| names.iter().map(|n| p(n)).collect::<Vec<_>>().join("、");
    if !summary.waiting.is_empty() {
        say!(
            "收件箱中有 {} 个文件刚刚改动、可能仍在上传,下次运行时处理:{}",
            summary.waiting.len(),
            list(&summary.waiting)
        );
    }
    if !summary.skipped.is_empty() && !idle {
        say!("跳过临时文件 {} 个:{}", summary.skipped.len(), list(&summary.skipped));
    }
    if !summary.special.is_empty() {
        let items: Vec<String> = (summary.special.iter())
            .map(|(n, kind)| format!("{}({kind})", p(n)))
            .collect();
        say!(
            "跳过不是普通文件的项目 {} 个(不跟随、不读取,仅本次提示):{}",
            items.len(),
            items.join("、")
        );
    }
    for (folder, why) in &summary.unreadable {
        complain(&format!(
            "无法读取收件箱中的 {}:{why};已跳过,其余文件照常处理。请检查该文件夹的权限。",
            p(folder)
        ));
    }
    if !summary.files.is_empty() {
        say!(
            "归档:{}  退回:{}  数据库:{}",
            config.paths.archive.display(),
            config.paths.rejected.display(),
            config.paths.database.display()
        );
    }
}

/// The exit of an ingest.
/// Says what a delivery did (nothing when nothing was due) and its failures on stderr;
/// returns whether any failed.
pub fn print_delivered(config: &Config, d: &crate::deliver::Delivered) -> bool {
    if d.placed > 0 {
        say!(
            "已放入发件箱 {} 份文件(见 {})。",
            d.placed,
            config.delivery.outbox.display()
        );
    }
    if d.withdrawn > 0 {
        say!(
            "已从发件箱撤下 {} 份不再适用的文件(如已签发的送审稿、已更正报表的退回意见)。",
            d.withdrawn
        );
    }
    if !d.sent.is_empty() {
        let updates = d.sent.iter().filter(|(_, _, u)| *u).count();
        let names: Vec<String> = d.sent.iter().map(|(r, p, _)| format!("{r}({p})")).collect();
        let note = if updates > 0 {
            format!(",其中 {updates} 封为更新")
        } else {
            String::new()
        };
        say!("已发送邮件 {} 封{note}:{}。", d.sent.len(), names.join("、"));
    }
    for w in &d.warnings {
        complain(&format!("注意:{w}。"));
    }
    for f in &d.failed {
        complain(&format!("投递失败:{f};下次运行时重试。"));
    }
    !d.failed.is_empty()
}

pub fn exit_of(summary: &Summary) -> Exit {
    if summary.any_failure() {
        Exit::Failed
    } else if summary.any_rejected() {
        Exit::SomeRejected
    } else {
        Exit::Success
    }
}

/// The line `status` and `run` give of a period's review and sign-off (SPEC §9b), if any.
pub fn release_line(config: &Config, store: &Store, period: crate::period::Period) -> anyhow::Result<Option<String>> {
    use crate::run::release::State;
    Ok(match crate::run::release::state(config, store, period)? {
        State::Nothing | State::Unsigned => None,
        State::Draft => Some(format!(
            "{period} 为送审稿,待签发(utility-eval release --period {period} --by 签发人)"
        )),
        State::Issued { last, changed: false } => Some(format!(
            "{period} 已签发 第{}版 {} {}",
            last.version, last.date, last.signer
        )),
        State::Issued { last, changed: true } => Some(format!(
            "已签发的 {period} 有变动,待重新签发(在用的是第{}版 {} {};更正送审稿已生成)",
            last.version, last.date, last.signer
        )),
    })
}
