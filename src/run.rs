//! The batch: takes files through read → validate → store → file away, in name order,
//! parsing on every core while one thread writes the database. One bad file never stops
//! the batch; each file's outcome is committed before the file is moved.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::config::Config;
use crate::inbox::{self, Incoming};
use crate::store::{NewSubmission, Store, StoreError, Submission};
use crate::validate::{self, Hint, Outcome, Rejection};

/// What happened to one file.
#[derive(Debug, Clone, PartialEq)]
pub enum FileResult {
    /// Stored: `rows` valid rows; `bad_rows` rows sent back; whether it replaced an earlier return.
    Accepted {
        rows: usize,
        bad_rows: usize,
        superseded: bool,
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
    },
}

/// A run's account, for the summary and the exit code.
#[derive(Debug, Default)]
pub struct Summary {
    pub files: Vec<(String, FileResult)>,
    pub recovered: usize,
    pub skipped: Vec<String>,
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
            FileResult::NotMoved { .. } => false,
        })
    }

    /// Whether something went wrong that is not the submitters' fault.
    pub fn any_failure(&self) -> bool {
        self.files.iter().any(|(_, r)| matches!(r, FileResult::NotMoved { .. }))
    }

    pub fn rows(&self) -> (usize, usize) {
        self.files.iter().fold((0, 0), |(a, b), (_, r)| match r {
            FileResult::Accepted { rows, bad_rows, .. } => (a + rows, b + bad_rows),
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
    Io(#[from] std::io::Error),
}

/// Finishes moves that an interrupted run left undone: a file recorded in the database
/// but still in the inbox goes to its recorded place.
pub fn recover(config: &Config, store: &Store) -> Result<usize, RunError> {
    inbox::remove_stale_temporaries(&config.paths.rejected);
    let mut done = 0;
    for sub in store.unfiled()? {
        let src = config.paths.inbox.join(&sub.original_name);
        let dest = Path::new(&sub.stored_path).to_path_buf();
        let src_matches = src.is_file() && inbox::sha256(&src).map(|(h, _)| h == sub.sha256).unwrap_or(false);
        if src_matches {
            file_away(config, store, &sub, &src)?;
            done += 1;
        } else if dest.is_file() {
            // Moved, but the crash came before it was marked.
            if sub.status == "rejected" && !inbox::explanation_path(&dest).exists() {
                write_explanation(store, &sub, &dest)?;
            }
            store.mark_filed(sub.id)?;
            done += 1;
        }
        // Otherwise the file left the inbox by other hands; the record stays unfiled.
    }
    Ok(done)
}

/// Moves a recorded file to its place (choosing a new suffix if the place was taken
/// meanwhile), writing the explanation first for a rejected one.
fn file_away(config: &Config, store: &Store, sub: &Submission, src: &Path) -> Result<(), RunError> {
    let mut dest = Path::new(&sub.stored_path).to_path_buf();
    if dest.exists() {
        let file_name = dest
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        dest = inbox::destination(
            &config.paths,
            sub.status != "rejected",
            sub.period.as_deref(),
            &file_name,
            &|_| false,
        );
        store.set_destination(sub.id, &dest.to_string_lossy())?;
    }
    if sub.status == "rejected" {
        write_explanation(store, sub, &dest)?;
    }
    inbox::move_file(src, &dest)?;
    store.mark_filed(sub.id)?;
    Ok(())
}

fn write_explanation(store: &Store, sub: &Submission, dest: &Path) -> Result<(), RunError> {
    let issues = store.issues_of(sub.id)?;
    let text = explanation(sub, &issues);
    inbox::write_atomic(&inbox::explanation_path(dest), text.as_bytes())?;
    Ok(())
}

/// The Chinese explanation written beside a rejected file.
pub fn explanation(sub: &Submission, issues: &[validate::RowIssue]) -> String {
    let mut t = String::new();
    t.push_str("报表退回说明\n============\n\n");
    t.push_str(&format!("文件:{}\n", sub.original_name));
    t.push_str(&format!("接收时间:{}\n", sub.received_at));
    t.push_str(&format!("文件校验码(SHA-256):{}\n", sub.sha256));
    if let (Some(kind), Some(period)) = (sub.kind, &sub.period) {
        t.push_str(&format!("报表:{} {}\n", kind.label(), period));
    }
    t.push_str(&format!("\n退回原因:{}\n", sub.reason.as_deref().unwrap_or("(未记录)")));
    if !issues.is_empty() {
        t.push_str(&format!("\n问题明细(共 {} 处):\n", issues.len()));
        for i in issues {
            t.push_str(&format!("  {i}\n"));
        }
    }
    t.push_str("\n请修改后重新报送。同一填报单位、同一报表类型和所属期重新报送的文件将替代原文件。\n");
    t
}

/// The result of the parallel stage for one file.
struct Parsed {
    sha: std::io::Result<(String, u64)>,
    outcome: Outcome,
}

/// Ingests `files` (in the given order): hash and parse in parallel, then record and file
/// away each in order. `progress` is told after each file.
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
    // Parsing may run at most this far ahead of recording, to bound memory.
    let window = workers * 4;
    let next = AtomicUsize::new(0);
    let committed = std::sync::Mutex::new(0usize);
    let turn = std::sync::Condvar::new();
    std::thread::scope(|scope| -> Result<(), RunError> {
        let (tx, rx) = mpsc::channel::<(usize, Parsed)>();
        for _ in 0..workers.min(files.len().max(1)) {
            let tx = tx.clone();
            let (next, committed, turn) = (&next, &committed, &turn);
            scope.spawn(move || {
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
                    let sha = inbox::sha256(&f.path);
                    let hint = Hint::from_path(config, Path::new(&f.name));
                    let outcome = validate::check_file(config, &f.path, &hint);
                    if tx.send((i, Parsed { sha, outcome })).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending: BTreeMap<usize, Parsed> = BTreeMap::new();
        let mut want = 0;
        for (i, parsed) in rx.iter() {
            pending.insert(i, parsed);
            while let Some(parsed) = pending.remove(&want) {
                let f = &files[want];
                let result = record_one(config, store, f, parsed);
                want += 1;
                *committed.lock().unwrap_or_else(|p| p.into_inner()) = want;
                turn.notify_all();
                let result = match result {
                    Ok(r) => r,
                    Err(e) => {
                        // Unblock and drain the workers before giving up.
                        *committed.lock().unwrap_or_else(|p| p.into_inner()) = usize::MAX / 2;
                        turn.notify_all();
                        next.store(files.len(), Ordering::SeqCst);
                        return Err(e);
                    }
                };
                progress(&f.name);
                summary.files.push((f.name.clone(), result));
            }
        }
        Ok(())
    })?;
    Ok(summary)
}

fn record_one(config: &Config, store: &mut Store, f: &Incoming, parsed: Parsed) -> Result<FileResult, RunError> {
    let (sha, size) = match parsed.sha {
        Ok(s) => s,
        Err(e) => {
            return Ok(FileResult::NotMoved {
                error: format!("无法读取:{e}"),
            });
        }
    };
    let earlier = store.by_sha256(&sha)?;
    if let Some(prev) = earlier.iter().find(|s| s.status != "rejected") {
        if !prev.filed && config.paths.inbox.join(&prev.original_name) == f.path {
            // Recorded by an interrupted run; finish its move.
            file_away(config, store, prev, &f.path)?;
            return Ok(FileResult::Accepted {
                rows: prev.rows_accepted as usize,
                bad_rows: prev.rows_rejected as usize,
                superseded: false,
            });
        }
        return file_duplicate(config, f, prev);
    }
    if let Some(prev) = earlier
        .iter()
        .find(|s| !s.filed && config.paths.inbox.join(&s.original_name) == f.path)
    {
        file_away(config, store, prev, &f.path)?;
        return Ok(FileResult::Rejected {
            reason: prev.reason.clone().unwrap_or_default(),
        });
    }

    let received_at = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let file_name = Path::new(&f.name)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let (meta, format, mut responses, mut issues, notes, mut reason, user_cell) = match parsed.outcome {
        Outcome::Checked(c) => {
            let user_cell = format!("{}!{}", c.sheet, c.user_column);
            (
                Some(c.meta),
                Some(c.format.name()),
                c.responses,
                c.issues,
                c.notes.join(";"),
                None,
                user_cell,
            )
        }
        Outcome::Rejected { reason, meta, issues } => (
            meta,
            None,
            Vec::new(),
            issues,
            String::new(),
            Some(reason),
            String::new(),
        ),
    };
    if let (Some(m), None) = (&meta, &reason) {
        let dup = store.cross_duplicates(m, &user_cell, &mut responses)?;
        issues.extend(dup);
        issues.sort_by_key(|i| i.row);
        if responses.is_empty() {
            reason = Some(Rejection::NoValidRows { issues: issues.len() });
        }
    }
    let accepted = reason.is_none();
    let period = meta.as_ref().map(|m| m.period.to_string());
    let taken = |p: &Path| store.destination_taken(&p.to_string_lossy()).unwrap_or(true);
    let dest = inbox::destination(&config.paths, accepted, period.as_deref(), &file_name, &taken);
    let reason_text = reason.as_ref().map(|r| r.to_string());
    let (id, superseded) = store.record(&NewSubmission {
        sha256: &sha,
        original_name: &f.name,
        size,
        format,
        meta: meta.as_ref(),
        received_at: &received_at,
        responses: &responses,
        issues: &issues,
        reason: reason_text.as_deref(),
        notes: &notes,
        stored_path: &dest.to_string_lossy(),
    })?;
    let sub = store.submission(id)?.expect("just recorded");
    if let Err(e) = file_away(config, store, &sub, &f.path) {
        return Ok(FileResult::NotMoved { error: e.to_string() });
    }
    Ok(match reason_text {
        Some(reason) => FileResult::Rejected { reason },
        None => FileResult::Accepted {
            rows: responses.len(),
            bad_rows: validate::rows_with_issues(&issues),
            superseded: superseded > 0,
        },
    })
}

/// The same bytes again: moved to `rejected/` with an explanation, not recorded twice.
fn file_duplicate(config: &Config, f: &Incoming, prev: &Submission) -> Result<FileResult, RunError> {
    let file_name = Path::new(&f.name)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let dest = inbox::destination(&config.paths, false, None, &file_name, &|_| false);
    let text = format!(
        "重复报送说明\n============\n\n文件:{}\n\n该文件与 {} 接收的“{}”内容完全相同(SHA-256:{}),数据已在库中,未重复计入。\n如需更正数据,请修改后重新报送。\n",
        f.name, prev.received_at, prev.original_name, prev.sha256
    );
    inbox::write_atomic(&inbox::explanation_path(&dest), text.as_bytes())?;
    inbox::move_file(&f.path, &dest)?;
    Ok(FileResult::Duplicate {
        of: prev.original_name.clone(),
    })
}
