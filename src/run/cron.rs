//! The cron sequence, in one place: lock → recover interrupted moves → find the inbox's files
//! → ingest them → compute and render the affected periods → deliver what is due.
//! `cmd/run.rs` calls it and prints what it returns; nothing here prints.

use std::fs::File;
use std::path::PathBuf;

use super::{RunError, Summary};
use crate::config::Config;
use crate::inbox;
use crate::period::Period;
use crate::run::publish::{self, PublishError};
use crate::store::{Store, StoreError};

/// How a cron run went.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one value a run, returned once
pub enum Cron {
    /// Another run holds the lock, or another program the database (exit 75); the text says which.
    Locked(String),
    /// The run's account: every file's outcome, the periods recomputed, what was delivered.
    Done {
        summary: Summary,
        published: Vec<Period>,
        delivered: crate::deliver::Delivered,
    },
}

/// What ends a cron run before its end.
#[derive(Debug, thiserror::Error)]
pub enum CronError {
    #[error("无法加锁 {}:{}", path.display(), crate::output::io_zh(source))]
    Lock { path: PathBuf, source: std::io::Error },
    #[error("无法创建目录 {}:{}", path.display(), crate::output::io_zh(source))]
    Folder { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error(transparent)]
    Deliver(#[from] crate::deliver::DeliveryError),
}

impl From<StoreError> for CronError {
    fn from(e: StoreError) -> CronError {
        CronError::Run(RunError::Store(e))
    }
}

/// Told how the ingest goes, for a progress bar.
pub trait Progress {
    /// Ingest begins with `total` files.
    fn start(&self, total: usize);
    /// One more file is done.
    fn file_done(&self, name: &str);
    /// Ingest ended.
    fn finish(&self);
}

/// The run lock beside the database: `None` when another process holds it. Held until the
/// returned file is dropped.
pub fn lock(config: &Config) -> Result<Option<File>, CronError> {
    let mut name = config
        .paths
        .database
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    let path = config.paths.database.with_file_name(name);
    let lock_err = |source| CronError::Lock {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(lock_err)?;
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(lock_err)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(lock_err(e)),
    }
}

/// Another program holds the database: said like a held run lock.
fn busy(config: &Config) -> Cron {
    Cron::Locked(format!(
        "数据库 {} 正被另一个程序占用(加锁),本次退出;已入库的文件不受影响,下次运行时继续。",
        config.paths.database.display()
    ))
}

/// Whether an error is the database held by another program.
fn is_busy(e: &CronError) -> bool {
    match e {
        CronError::Run(RunError::Store(s)) | CronError::Publish(PublishError::Store(s)) => s.is_busy(),
        _ => false,
    }
}

/// Makes `inbox/<code>/` for every registered unit and enterprise, at every run, so that a
/// submitter added to the registry finds its folder; other folders are left as they are. A
/// folder that cannot be made (a file of that name) is logged, and the run goes on.
pub fn submitter_folders(config: &Config) {
    let units = config.units.iter().map(|u| u.code.as_str());
    let codes = units.chain(config.enterprises.iter().map(|e| e.code.as_str()));
    for code in codes.filter(|c| !matches!(c.trim(), "" | "." | "..")) {
        let dir = config.paths.inbox.join(code);
        let new = !dir.exists();
        if let Err(e) = std::fs::create_dir_all(&dir) {
            tracing::warn!("无法创建收件箱文件夹 {}:{}", dir.display(), crate::output::io_zh(&e));
        } else if new && let Ok(m) = std::fs::metadata(&config.paths.inbox) {
            // As open as the inbox itself: the units may drop their files as other users.
            let _ = std::fs::set_permissions(&dir, m.permissions());
        }
    }
}

/// The whole cron sequence.
pub fn cron(config: &Config, progress: &dyn Progress) -> Result<Cron, CronError> {
    let Some(_lock) = lock(config)? else {
        return Ok(Cron::Locked(format!(
            "另一个 utility-eval 正在运行(数据库 {} 已加锁),本次退出。",
            config.paths.database.display()
        )));
    };
    for dir in [&config.paths.inbox, &config.paths.archive, &config.paths.rejected] {
        std::fs::create_dir_all(dir).map_err(|source| CronError::Folder {
            path: dir.clone(),
            source,
        })?;
    }
    // A deployment set up under a looser umask: its folders of personal data are closed.
    let p = &config.paths;
    let database_folder = p.database.parent().unwrap_or(&p.database);
    let mut wal = p.database.clone().into_os_string();
    wal.push("-wal");
    let wal = PathBuf::from(wal);
    // Not the inbox: the units may drop their files in it as other users.
    crate::output::make_private(&[
        &p.archive,
        &p.rejected,
        &p.reports,
        &p.logs,
        &config.delivery.outbox,
        database_folder,
        &p.database,
        &wal,
    ]);
    // Work of the run that waits on nothing, done while the inbox is read: the folders (a
    // thousand on a first run; the files already in the inbox are in other folders, and a
    // folder made meanwhile is empty), and the hash the outputs are checked against.
    std::thread::scope(|scope| {
        scope.spawn(|| {
            submitter_folders(config);
            config.dependency_hash();
        });
        let mut store = match Store::open(&config.paths.database) {
            Ok(s) => s,
            Err(e) if e.is_busy() => return Ok(busy(config)),
            Err(e) => return Err(e.into()),
        };
        match steps(config, &mut store, progress) {
            Err(e) if is_busy(&e) => Ok(busy(config)),
            other => other,
        }
    })
}

fn steps(config: &Config, store: &mut Store, progress: &dyn Progress) -> Result<Cron, CronError> {
    let recovered = super::recover(config, store)?;
    let inbox::Discovered {
        found,
        skipped,
        waiting,
        special,
        unreadable,
    } = inbox::discover(&config.paths.inbox, config.settle).map_err(RunError::from)?;
    // Links, FIFOs and the like are said once, the run that first finds them.
    let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let entries: Vec<_> = special.iter().map(|s| (s.path.as_path(), s.kind)).collect();
    let new_special = store.note_skipped(&entries, &now)?;
    progress.start(found.len());
    let ingested = super::ingest(config, store, &found, &|name| progress.file_done(name));
    progress.finish();
    let mut summary = ingested?;
    summary.recovered = recovered;
    summary.skipped = skipped;
    summary.waiting = waiting;
    summary.special = new_special
        .into_iter()
        .map(|i| (special[i].name.clone(), special[i].kind))
        .collect();
    summary.unreadable = unreadable;
    // Cases of corrected returns go on with the corrected responses before anything is scored.
    super::rectification::carry_cases(config, store)?;
    let published = publish::affected(config, store)?;
    if !published.is_empty() {
        publish::publish(config, store, &config.topics, &published, true)?;
    } else {
        publish::settle_unscored(store)?;
    }
    // The rectification loop moves every day: its standing summary as of today, and each
    // year's assessment (its on-time rates) once a day or when a ledger changed them.
    super::rectification::refresh(config, store)?;
    publish::refresh_years(config, store)?;
    // Every period's documents, not only those just written: a failed sending is retried.
    // The 退回通知 of files rejected whole are written, then delivered with the rest.
    let unwritten = crate::notice::write_due(config, store)?;
    let mut delivered = crate::deliver::deliver(config, store)?;
    delivered.failed.splice(0..0, unwritten);
    Ok(Cron::Done {
        summary,
        published,
        delivered,
    })
}
