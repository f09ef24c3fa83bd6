//! The batch: takes files through read → validate → store → file away, in name order,
//! parsing on every core while one thread writes the database. One bad file never stops
//! the batch; each file's outcome is committed before the file is moved. [`cron`] is the
//! whole cron sequence around it, and [`publish`] writes a period's documents and public files.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

pub mod cron;
pub mod loopback;
pub mod publish;
mod record;
pub mod rectification;
pub mod release;

pub use record::explanation;

use crate::config::Config;
use crate::inbox::{self, Incoming};
use crate::store::{Store, StoreError};
use crate::validate::{self, Hint, Outcome, Rejection, Response, ReturnMeta};
use record::{Finished, HashFailure, Recording, file_away, received_at, step, write_explanation};

/// What happened to one file.
#[derive(Debug, Clone, PartialEq)]
pub enum FileResult {
    /// Stored: `rows` valid rows; `bad_rows` rows sent back; whether it replaced an earlier return.
    Accepted {
        rows: usize,
        bad_rows: usize,
        /// The earlier returns this correction replaced.
        replaced: Vec<crate::store::Replaced>,
        /// What the submitter must know (missing question columns, a second sheet …).
        warnings: Vec<String>,
        /// What was noted of the file (columns ignored …), as stored with it.
        notes: String,
    },
    Rejected {
        reason: String,
        /// Rows with problems found before the file was rejected.
        bad_rows: usize,
    },
    /// The same bytes were already accepted; not counted again.
    Duplicate { of: String },
    /// Recorded, but the file could not be moved (it stays in the inbox for the next run).
    NotMoved {
        error: String,
        /// Rows in the database when the file was recorded before the move failed.
        stored: Option<usize>,
    },
    /// Changed while being read (saved over, replaced): nothing recorded, left for the next run.
    Changed,
}

/// A run's account, for the summary and the exit code.
#[derive(Debug, Default)]
pub struct Summary {
    pub files: Vec<(String, FileResult)>,
    pub recovered: usize,
    pub skipped: Vec<String>,
    /// Files changed too recently to take (still arriving); the next run takes them.
    pub waiting: Vec<String>,
    /// Inbox entries that are not files (links, FIFOs …), first seen in this run.
    pub special: Vec<(String, &'static str)>,
    /// Folders that could not be read, and why; the rest of the inbox was taken.
    pub unreadable: Vec<(String, String)>,
}

impl Summary {
    pub fn count(&self, f: impl Fn(&FileResult) -> bool) -> usize {
        self.files.iter().filter(|(_, r)| f(r)).count()
    }

    /// Whether any input (a file, or a row of an accepted file) was rejected.
    pub fn any_rejected(&self) -> bool {
        self.files.iter().any(|(_, r)| match r {
            FileResult::Accepted { bad_rows, .. } => *bad_rows > 0,
            FileResult::Rejected { .. } | FileResult::Duplicate { .. } => true,
            FileResult::NotMoved { .. } | FileResult::Changed => false,
        })
    }

    /// Whether something went wrong that is not the submitters' fault (a file that cannot
    /// be moved, a folder that cannot be read).
    pub fn any_failure(&self) -> bool {
        !self.unreadable.is_empty() || self.files.iter().any(|(_, r)| matches!(r, FileResult::NotMoved { .. }))
    }

    pub fn rows(&self) -> (usize, usize) {
        self.files.iter().fold((0, 0), |(a, b), (_, r)| match r {
            FileResult::Accepted { rows, bad_rows, .. } => (a + rows, b + bad_rows),
            FileResult::Rejected { bad_rows, .. } => (a, b + bad_rows),
            FileResult::NotMoved { stored: Some(rows), .. } => (a + rows, b),
            _ => (a, b),
        })
    }
}

/// Something ends the whole run (not one file): the database or the disk failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("文件操作失败:{}", crate::output::io_zh(.0))]
    Io(#[from] std::io::Error),
    #[error("文件归档线程意外退出")]
    FilingGone,
    /// The database's log could not be synced: no file is moved until it can be.
    #[error("{0}")]
    LogNotSynced(String),
    #[error("{} 中没有可用的文件名", .0.display())]
    NoFreeName(std::path::PathBuf),
}

/// Finishes moves that an interrupted run left undone: a file recorded in the database
/// but still in the inbox goes to its recorded place.
pub fn recover(config: &Config, store: &Store) -> Result<usize, RunError> {
    crate::output::remove_stale_temporaries(&config.paths.rejected);
    crate::output::remove_stale_temporaries_below(&config.paths.archive, 1);
    crate::output::remove_stale_temporaries_below(&config.paths.reports, 3);
    // What is copied to the website and to recipients must not carry half-written files.
    crate::output::remove_stale_temporaries_below(&config.paths.public, 1);
    crate::output::remove_stale_temporaries_below(&config.delivery.outbox, 2);
    let mut done = 0;
    let unfiled = store.unfiled()?;
    if !unfiled.is_empty() {
        // A run that was stopped may have left commits not yet on disk: they are before any
        // file they record is moved.
        store.sync_log()?;
    }
    for sub in unfiled {
        let src = received_at(config, &sub);
        let dest = Path::new(&sub.stored_path).to_path_buf();
        let identity = inbox::FileIdentity::of(&src).ok();
        let src_matches = identity.is_some() && inbox::sha256(&src).map(|(h, _)| h == sub.sha256).unwrap_or(false);
        if src_matches {
            match file_away(config, store, &sub, &src, identity, record::Ahead::default())? {
                None => done += 1,
                Some(problem) => tracing::warn!("{}:{problem}", sub.original_name),
            }
        } else if dest.is_file() {
            // Moved, but the crash came before it was marked.
            if sub.status == crate::store::Status::Rejected
                && !inbox::explanation_path(&dest).exists()
                && let Err(e) = write_explanation(store, &sub, &dest)
            {
                tracing::warn!("{}:{e}", sub.original_name);
            }
            store.mark_filed(sub.id)?;
            done += 1;
        }
        // Otherwise the file left the inbox by other hands; the record stays unfiled.
    }
    Ok(done)
}

/// What a parsing worker tells the recording thread about file `i`, in order:
/// its hash, then chunks of valid rows, then how it ended. Rows come with their respondent
/// keys (`keys[k]` of `rows[k]`), worked out on the worker; so do the rows of a checked outcome.
enum Msg {
    Hashed(Result<(String, u64, inbox::FileIdentity), HashFailure>),
    Rows {
        meta: ReturnMeta,
        user_cell: String,
        rows: Vec<Response>,
        keys: Vec<String>,
    },
    Done(Outcome, Vec<String>),
    /// From the filing thread: how moving file `i` went.
    Filed(Filed),
}

/// Whether a recorded file reached its place (`None`) or why not, or (`Err`) that the
/// database's log could not be synced, so it was not moved.
type Filed = Result<Option<String>, String>;

/// The respondent keys of `rows`, in order.
fn keys_of(rows: &[Response]) -> Vec<String> {
    rows.iter().map(Response::respondent_key).collect()
}

/// Ingests `files` (in the given order). Workers on every core hash and parse; this thread
/// records each file in the order given, writing its rows while later rows are still being read;
/// a filing thread moves each recorded file to its place once its commit is on disk, while
/// this thread records the next. `progress` is told after each file.
pub fn ingest(
    config: &Config,
    store: &mut Store,
    files: &[Incoming],
    progress: &dyn Fn(&str),
) -> Result<Summary, RunError> {
    // Returned ledgers and appeal reviews (SPEC §11) take their own way; then the returns.
    let (loops, returns): (Vec<Incoming>, Vec<Incoming>) = files.iter().cloned().partition(loopback::is_loop_file);
    let mut summary = ingest_returns(config, store, &returns, progress)?;
    for (name, result) in loopback::take(config, store, &loops)? {
        progress(&name);
        summary.files.push((name, result));
    }
    Ok(summary)
}

fn ingest_returns(
    config: &Config,
    store: &mut Store,
    files: &[Incoming],
    progress: &dyn Fn(&str),
) -> Result<Summary, RunError> {
    let mut summary = Summary::default();
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4);
    // Parsing may run at most this many files ahead of recording, to bound memory.
    let window = workers * 4;
    let next = AtomicUsize::new(0);
    let committed = Mutex::new(0usize);
    let turn = Condvar::new();
    // Commits made (their count): a file is moved once the log is synced past its commit.
    let written = AtomicU64::new(0);
    std::thread::scope(|scope| -> Result<(), RunError> {
        // However this thread leaves (an error, or a panic unwinding), workers waiting for
        // their turn are released, so that the scope ends and the run does not hang.
        let _release = Release {
            committed: &committed,
            turn: &turn,
            next: &next,
            files: files.len(),
        };
        let (tx, rx) = mpsc::sync_channel::<(usize, Msg)>(64);
        for _ in 0..workers.min(files.len()) {
            let tx = tx.clone();
            let (next, committed, turn) = (&next, &committed, &turn);
            scope.spawn(move || parse_worker(config, files, window, next, committed, turn, &tx));
        }
        // The filing thread; without it (the log cannot be opened) each file is moved right
        // after its commit, which then syncs the log itself.
        let mut to_file = None;
        if files.len() > 1
            && let Some(log) = store.defer_sync()
        {
            let (jobs, queue) = mpsc::channel();
            let (tx, written) = (tx.clone(), &written);
            scope.spawn(move || file_in_order(log, written, queue, &tx));
            to_file = Some(jobs);
        }
        drop(tx);
        // The bytes of explanations and feedback notes are written (and synced) on a thread of
        // their own while the database commits the file they are about.
        let (jobs, queue) = mpsc::channel::<record::WriteJob>();
        scope.spawn(move || record::write_ahead(queue));
        let ahead = record::WriteAhead::new(jobs);
        // Checkpoints of the database's log run on a connection of their own, so that the
        // commits of this thread do not wait for them.
        let (commits, checkpoints) = mpsc::sync_channel::<()>(64);
        if files.len() > 1
            && let Some(conn) = store.checkpoint_connection()
        {
            scope.spawn(move || crate::store::checkpoint_on_signal(conn, checkpoints));
        }
        let mut batch = Batch {
            config,
            files,
            progress,
            rx,
            to_file,
            written: &written,
            pending: BTreeMap::new(),
            filing: VecDeque::new(),
            summary: &mut summary,
        };
        let recorded = batch.record_all(store, &ahead, &commits, &committed, &turn);
        if let Err(e) = recorded {
            store.rollback();
            // Unblock the workers before giving up.
            *committed.lock().unwrap_or_else(|p| p.into_inner()) = usize::MAX / 2;
            turn.notify_all();
            next.store(files.len(), Ordering::SeqCst);
            // Files already recorded are still moved (and noted, as far as the database lets).
            batch.to_file = None;
            let _ = batch.drain(store, true);
            let _ = store.restore_sync();
            return Err(e);
        }
        store.restore_sync()?;
        Ok(())
    })?;
    Ok(summary)
}

/// Releases the parsing workers when the recording thread leaves the batch.
struct Release<'a> {
    committed: &'a Mutex<usize>,
    turn: &'a Condvar,
    next: &'a AtomicUsize,
    files: usize,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        *self.committed.lock().unwrap_or_else(|p| p.into_inner()) = usize::MAX / 2;
        self.turn.notify_all();
        self.next.store(self.files, Ordering::SeqCst);
    }
}

/// Recorded files being moved at most this many ahead of the recording.
const FILING_AHEAD: usize = 8;

/// The recording thread's state of a batch.
struct Batch<'a, 'b> {
    config: &'a Config,
    files: &'a [Incoming],
    progress: &'a dyn Fn(&str),
    rx: mpsc::Receiver<(usize, Msg)>,
    /// The filing thread's queue (`None` once closed, or when files are moved right away).
    to_file: Option<mpsc::Sender<(usize, u64, record::Filing)>>,
    written: &'a AtomicU64,
    /// Messages about files not yet being recorded.
    pending: BTreeMap<usize, VecDeque<Msg>>,
    /// Recorded files being moved, in order, and the filing thread's answer once it came.
    filing: VecDeque<(usize, record::Awaiting, Option<Filed>)>,
    summary: &'b mut Summary,
}

impl Batch<'_, '_> {
    fn record_all(
        &mut self,
        store: &mut Store,
        ahead: &record::WriteAhead,
        commits: &mpsc::SyncSender<()>,
        committed: &Mutex<usize>,
        turn: &Condvar,
    ) -> Result<(), RunError> {
        let mut current = Recording::Waiting;
        let mut want = 0;
        let mut commit_count = 0;
        loop {
            if want == self.files.len() && self.filing.is_empty() {
                // All recorded and moved: the filing thread ends, and with it the messages.
                self.to_file = None;
            }
            let Ok((i, msg)) = self.rx.recv() else { break };
            if let Msg::Filed(answer) = msg {
                self.answer(answer);
                if !store.in_transaction() {
                    self.settle(store, false)?;
                }
                continue;
            }
            self.pending.entry(i).or_default().push_back(msg);
            while let Some(msg) = self.pending.get_mut(&want).and_then(VecDeque::pop_front) {
                let f = &self.files[want];
                // A file whose bytes were seen before may be moved at once (a duplicate, a file
                // an interrupted run recorded): the files recorded before it are moved first.
                let mut earlier = match &msg {
                    Msg::Hashed(Ok((sha, ..))) => store.by_sha256(sha)?,
                    _ => Vec::new(),
                };
                if !earlier.is_empty() && !self.filing.is_empty() {
                    self.drain(store, false)?;
                    if let Msg::Hashed(Ok((sha, ..))) = &msg {
                        earlier = store.by_sha256(sha)?;
                    }
                }
                let Some(finished) = step(self.config, store, f, &mut current, msg, ahead, earlier)? else {
                    continue;
                };
                let _ = commits.try_send(());
                self.pending.remove(&want);
                current = Recording::Waiting;
                want += 1;
                *committed.lock().unwrap_or_else(|p| p.into_inner()) = want;
                turn.notify_all();
                self.settle(store, false)?;
                match finished {
                    Finished::Now(result) => {
                        self.drain(store, false)?;
                        (self.progress)(&f.name);
                        self.summary.files.push((f.name.clone(), result));
                    }
                    Finished::Recorded(recorded) => {
                        commit_count += 1;
                        self.written.store(commit_count, Ordering::Release);
                        let Some(to_file) = &self.to_file else {
                            let problem = record::carry_out(recorded.filing);
                            let result = record::settle(store, recorded.awaiting, problem)?;
                            (self.progress)(&f.name);
                            self.summary.files.push((f.name.clone(), result));
                            continue;
                        };
                        if to_file.send((want - 1, commit_count, recorded.filing)).is_err() {
                            return Err(RunError::FilingGone);
                        }
                        self.filing.push_back((want - 1, recorded.awaiting, None));
                        while self.filing.len() > FILING_AHEAD {
                            self.wait_for_filing(store, false)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Takes the filing thread's answer about the oldest file it was given without one.
    fn answer(&mut self, answer: Filed) {
        if let Some(slot) = self.filing.iter_mut().find(|(_, _, a)| a.is_none()) {
            slot.2 = Some(answer);
        }
    }

    /// Ends the recording of the moved files, in order, as far as the answers go.
    /// `quiet`: on the way out after a failure, a file's error is passed over.
    fn settle(&mut self, store: &Store, quiet: bool) -> Result<(), RunError> {
        while self.filing.front().is_some_and(|(_, _, a)| a.is_some()) {
            let (i, awaiting, answer) = self.filing.pop_front().expect("checked above");
            let settled = (answer.expect("checked above").map_err(RunError::LogNotSynced))
                .and_then(|problem| record::settle(store, awaiting, problem));
            let result = match settled {
                Err(_) if quiet => continue,
                r => r?,
            };
            let f = &self.files[i];
            (self.progress)(&f.name);
            self.summary.files.push((f.name.clone(), result));
        }
        Ok(())
    }

    /// Waits for the filing thread's next answer (keeping other messages for later).
    fn wait_for_filing(&mut self, store: &Store, quiet: bool) -> Result<(), RunError> {
        let before = self.filing.len();
        while self.filing.len() == before {
            let Ok((i, msg)) = self.rx.recv() else {
                return Err(RunError::FilingGone);
            };
            match msg {
                Msg::Filed(answer) => {
                    self.answer(answer);
                    self.settle(store, quiet)?;
                }
                other => self.pending.entry(i).or_default().push_back(other),
            }
        }
        Ok(())
    }

    /// Waits until every recorded file is in its place (or known not to be).
    fn drain(&mut self, store: &Store, quiet: bool) -> Result<(), RunError> {
        self.settle(store, quiet)?;
        while !self.filing.is_empty() {
            self.wait_for_filing(store, quiet)?;
        }
        Ok(())
    }
}

/// The filing thread: for each recorded file, in order, syncs the database's log past its
/// commit (one sync serves every commit made before it), then moves the file
/// ([`record::carry_out`]), and says how that went.
fn file_in_order(
    log: std::fs::File,
    written: &AtomicU64,
    queue: mpsc::Receiver<(usize, u64, record::Filing)>,
    tx: &mpsc::SyncSender<(usize, Msg)>,
) {
    let mut synced = 0;
    // Once a sync has failed, nothing more is moved in this batch: a later sync may report
    // success though the failed pages were dropped (and with them every later commit).
    let mut broken: Option<String> = None;
    for (i, commit, filing) in queue {
        if broken.is_none() && commit > synced {
            let upto = written.load(Ordering::Acquire);
            match log.sync_all() {
                Ok(()) => synced = upto,
                Err(e) => broken = Some(format!("数据库日志无法写入磁盘:{}", crate::output::io_zh(&e))),
            }
        }
        let answer = match &broken {
            None => Ok(record::carry_out(filing)),
            Some(why) => Err(why.clone()),
        };
        if tx.send((i, Msg::Filed(answer))).is_err() {
            break;
        }
    }
}

/// A worker: takes the next file, hashes it, parses it, streaming valid rows.
fn parse_worker(
    config: &Config,
    files: &[Incoming],
    window: usize,
    next: &AtomicUsize,
    committed: &Mutex<usize>,
    turn: &Condvar,
    tx: &mpsc::SyncSender<(usize, Msg)>,
) {
    loop {
        let i = next.fetch_add(1, Ordering::SeqCst);
        if i >= files.len() {
            break;
        }
        {
            let mut c = committed.lock().unwrap_or_else(|p| p.into_inner());
            while i >= *c + window {
                c = turn.wait(c).unwrap_or_else(|p| p.into_inner());
            }
        }
        let f = &files[i];
        let hashed = hash(&f.path);
        let ok = hashed.is_ok();
        if tx.send((i, Msg::Hashed(hashed))).is_err() {
            break;
        }
        if !ok {
            // Settled by its hash alone; the recorder only waits for the end.
            let nothing = Outcome::Rejected {
                reason: Rejection::MissingSubmitter,
                meta: None,
                issues: Vec::new(),
            };
            if tx.send((i, Msg::Done(nothing, Vec::new()))).is_err() {
                break;
            }
            continue;
        }
        let hint = Hint::from_path(config, Path::new(&f.name));
        let mut sink = |meta: &ReturnMeta, user_cell: &str, rows: Vec<Response>| {
            let _ = tx.send((
                i,
                Msg::Rows {
                    meta: meta.clone(),
                    user_cell: user_cell.to_string(),
                    keys: keys_of(&rows),
                    rows,
                },
            ));
        };
        // A panic here is a bug of ours, not the file's; it still must not hang the run.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            validate::check_file_streaming(config, &f.path, &hint, Some(&mut sink))
        }))
        .unwrap_or_else(|p| Outcome::Rejected {
            reason: Rejection::File(crate::intake::FileError::ParserFailed {
                detail: format!("程序内部错误:{}", crate::intake::panic_message(&p)),
            }),
            meta: None,
            issues: Vec::new(),
        });
        let keys = match &outcome {
            Outcome::Checked(c) => keys_of(&c.responses),
            Outcome::Rejected { .. } => Vec::new(),
        };
        if tx.send((i, Msg::Done(outcome, keys))).is_err() {
            break;
        }
    }
}

/// A file's hash and size, and its identity when read: the identity must be the same before
/// and after the bytes are read, or the file is still changing.
fn hash(path: &Path) -> Result<(String, u64, inbox::FileIdentity), HashFailure> {
    let before = inbox::FileIdentity::of(path).map_err(HashFailure::Io)?;
    let (sha, size) = inbox::sha256(path).map_err(HashFailure::Io)?;
    match inbox::FileIdentity::of(path) {
        Ok(after) if after == before => Ok((sha, size, before)),
        _ => Err(HashFailure::Changing),
    }
}
