//! The batch: takes files through read → validate → store → file away, in name order,
//! parsing on every core while one thread writes the database. One bad file never stops
//! the batch; each file's outcome is committed before the file is moved.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

mod record;

pub use record::explanation;

use crate::config::Config;
use crate::inbox::{self, Incoming};
use crate::store::{Store, StoreError};
use crate::validate::{self, Hint, Outcome, Rejection, Response, ReturnMeta};
use record::{HashFailure, Recording, file_away, received_at, step, write_explanation};

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
    },
    Rejected {
        reason: String,
    },
    /// The same bytes were already accepted; not counted again.
    Duplicate {
        of: String,
    },
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
    #[error("文件操作失败:{0}")]
    Io(String),
}

impl From<std::io::Error> for RunError {
    fn from(e: std::io::Error) -> RunError {
        RunError::Io(crate::output::io_zh(&e))
    }
}

/// Finishes moves that an interrupted run left undone: a file recorded in the database
/// but still in the inbox goes to its recorded place.
pub fn recover(config: &Config, store: &Store) -> Result<usize, RunError> {
    crate::output::remove_stale_temporaries(&config.paths.rejected);
    crate::output::remove_stale_temporaries_below(&config.paths.archive);
    crate::output::remove_stale_temporaries_below(&config.paths.reports);
    let mut done = 0;
    for sub in store.unfiled()? {
        let src = received_at(config, &sub);
        let dest = Path::new(&sub.stored_path).to_path_buf();
        let identity = inbox::FileIdentity::of(&src).ok();
        let src_matches = identity.is_some() && inbox::sha256(&src).map(|(h, _)| h == sub.sha256).unwrap_or(false);
        if src_matches {
            match file_away(config, store, &sub, &src, identity)? {
                None => done += 1,
                Some(problem) => tracing::warn!("{}:{problem}", sub.original_name),
            }
        } else if dest.is_file() {
            // Moved, but the crash came before it was marked.
            if sub.status == "rejected"
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
/// its hash, then chunks of valid rows, then how it ended.
enum Msg {
    Hashed(Result<(String, u64, inbox::FileIdentity), HashFailure>),
    Rows {
        meta: ReturnMeta,
        user_cell: String,
        rows: Vec<Response>,
    },
    Done(Outcome),
}

/// Ingests `files` (in the given order). Workers on every core hash and parse; this thread
/// records each file in name order, writing its rows while later rows are still being read,
/// and files it away. `progress` is told after each file.
pub fn ingest(
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
    std::thread::scope(|scope| -> Result<(), RunError> {
        let (tx, rx) = mpsc::sync_channel::<(usize, Msg)>(64);
        for _ in 0..workers.min(files.len()) {
            let tx = tx.clone();
            let (next, committed, turn) = (&next, &committed, &turn);
            scope.spawn(move || parse_worker(config, files, window, next, committed, turn, &tx));
        }
        drop(tx);
        let mut pending: BTreeMap<usize, VecDeque<Msg>> = BTreeMap::new();
        let mut current = Recording::Waiting;
        let mut want = 0;
        let stop = |e: RunError| {
            // Unblock the workers before giving up.
            *committed.lock().unwrap_or_else(|p| p.into_inner()) = usize::MAX / 2;
            turn.notify_all();
            next.store(files.len(), Ordering::SeqCst);
            e
        };
        for (i, msg) in rx.iter() {
            pending.entry(i).or_default().push_back(msg);
            while let Some(msg) = pending.get_mut(&want).and_then(VecDeque::pop_front) {
                let f = &files[want];
                let done = match step(config, store, f, &mut current, msg) {
                    Ok(done) => done,
                    Err(e) => {
                        store.rollback();
                        return Err(stop(e));
                    }
                };
                if let Some(result) = done {
                    pending.remove(&want);
                    current = Recording::Waiting;
                    want += 1;
                    *committed.lock().unwrap_or_else(|p| p.into_inner()) = want;
                    turn.notify_all();
                    progress(&f.name);
                    summary.files.push((f.name.clone(), result));
                }
            }
        }
        Ok(())
    })?;
    Ok(summary)
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
            if tx.send((i, Msg::Done(nothing))).is_err() {
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
        if tx.send((i, Msg::Done(outcome))).is_err() {
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
