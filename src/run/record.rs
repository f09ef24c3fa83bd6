//! Recording one file, on the batch's single writing thread: the messages a parsing worker
//! sends about it (hash, chunks of rows, outcome) become a recorded return or rejection,
//! and the file is then moved to its place (or left, recorded, when it cannot be moved).

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use super::{FileResult, Msg, RunError};
use crate::config::Config;
use crate::inbox::{self, FileIdentity, Incoming};
use crate::output;
use crate::store::{Ending, OpenReturn, Receipt, Status, Store, Submission};

/// A file's hash could not be taken: it could not be read, or it changed while being read.
#[derive(Debug)]
pub(super) enum HashFailure {
    Io(std::io::Error),
    Changing,
}

/// Said of a file that changed between being read and being filed.
const CHANGED: &str = "文件在读取过程中被改动或替换(可能仍在保存),已留在收件箱,下次运行时按新版本处理";
use crate::validate::{self, NotReached, Outcome, Rejection, Response, ReturnMeta, RowIssue};

/// Where the recording of the current file stands.
pub(super) enum Recording {
    /// Its hash has not arrived yet.
    Waiting,
    /// Already dealt with (a duplicate, a finished recovery, an unreadable file).
    Settled(FileResult),
    /// Being recorded.
    Receiving(Receiving),
}

/// A file being recorded: when it was received, its return as opened in the store (once it
/// has rows), and its rows dropped so far.
pub(super) struct Receiving {
    received: Received,
    open: Option<OpenReturn>,
    /// Rows dropped as respondents another submitter already reported this period.
    duplicates: Vec<RowIssue>,
}

/// What is known of a file when its recording begins.
#[derive(Clone)]
pub(super) struct Received {
    sha: String,
    size: u64,
    received_at: String,
    /// The file as it was when hashed: it must still be that file when it is recorded and moved.
    identity: FileIdentity,
}

impl Received {
    fn receipt<'a>(&'a self, f: &'a Incoming) -> Receipt<'a> {
        Receipt {
            sha256: &self.sha,
            original_name: &f.name,
            source: &f.path,
            size: self.size,
            received_at: &self.received_at,
        }
    }
}

/// How a file's recording ended.
pub(super) enum Finished {
    /// Nothing more to do: its result.
    Now(FileResult),
    /// Recorded (committed); it is yet to be moved to its place.
    Recorded(Box<Recorded>),
}

/// A file recorded and yet to be moved: [`carry_out`] its filing, then [`settle`] it.
pub(super) struct Recorded {
    pub(super) filing: Filing,
    pub(super) awaiting: Awaiting,
}

/// What is left of a recorded file's recording while it is being moved.
pub(super) struct Awaiting {
    sub_id: i64,
    /// Its result once it is in its place.
    result: FileResult,
    /// Rows it stored, said if it cannot be moved.
    stored: Option<usize>,
}

/// Advances the current file by one message; says how it ended once it is finished.
/// `earlier`: for its hash, the submissions with the same bytes ([`Store::by_sha256`]).
pub(super) fn step(
    config: &Config,
    store: &mut Store,
    f: &Incoming,
    current: &mut Recording,
    msg: Msg,
    ahead: &WriteAhead,
    earlier: Vec<Submission>,
) -> Result<Option<Finished>, RunError> {
    match (msg, &mut *current) {
        (Msg::Hashed(Err(HashFailure::Io(e))), _) => {
            *current = Recording::Settled(FileResult::NotMoved {
                error: format!("无法读取:{}", crate::output::io_zh(&e)),
                stored: None,
            });
        }
        (Msg::Hashed(Err(HashFailure::Changing)), _) => {
            *current = Recording::Settled(FileResult::Changed);
        }
        (Msg::Hashed(Ok((sha, size, identity))), _) => {
            *current = match already_known(config, store, f, earlier, identity)? {
                Some(result) => Recording::Settled(result),
                None => Recording::Receiving(Receiving {
                    received: Received {
                        sha,
                        size,
                        received_at: chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string(),
                        identity,
                    },
                    open: None,
                    duplicates: Vec::new(),
                }),
            };
        }
        (
            Msg::Rows {
                meta,
                user_cell,
                rows,
                keys,
            },
            Recording::Receiving(Receiving {
                received,
                open,
                duplicates,
            }),
        ) => {
            let receipt = &received.receipt(f);
            write_rows(store, receipt, open, duplicates, &meta, &user_cell, rows, keys)?;
        }
        (Msg::Rows { .. }, _) => {}
        (Msg::Done(..), Recording::Settled(result)) => return Ok(Some(Finished::Now(result.clone()))),
        (Msg::Done(outcome, keys), Recording::Receiving(receiving)) => {
            let receiving = Receiving {
                received: receiving.received.clone(),
                open: receiving.open.take(),
                duplicates: std::mem::take(&mut receiving.duplicates),
            };
            return Ok(Some(finish(config, store, f, receiving, outcome, keys, ahead)?));
        }
        (Msg::Done(..), Recording::Waiting) => unreachable!("a worker sends the hash first"),
        (Msg::Filed(_), _) => unreachable!("filing results are not about the file being recorded"),
    }
    Ok(None)
}

/// The same bytes seen before: a duplicate of an accepted file, or a file an interrupted
/// run recorded but did not move. `None` when the file is to be received anew.
fn already_known(
    config: &Config,
    store: &Store,
    f: &Incoming,
    earlier: Vec<Submission>,
    identity: FileIdentity,
) -> Result<Option<FileResult>, RunError> {
    let same_file = |s: &&Submission| !s.filed && received_at(config, s) == f.path;
    if let Some(prev) = earlier.iter().find(same_file) {
        // Recorded by an interrupted run; finish its move (once its record is surely on disk).
        store.sync_log()?;
        if let Some(problem) = file_away(config, store, prev, &f.path, Some(identity), Ahead::default())? {
            return Ok(Some(FileResult::NotMoved {
                error: problem,
                stored: Some(prev.rows_accepted as usize),
            }));
        }
        return Ok(Some(if prev.status == Status::Rejected {
            FileResult::Rejected {
                reason: prev.reason.clone().unwrap_or_default(),
                bad_rows: prev.rows_rejected as usize,
            }
        } else {
            FileResult::Accepted {
                rows: prev.rows_accepted as usize,
                bad_rows: prev.rows_rejected as usize,
                replaced: Vec::new(),
                warnings: Vec::new(),
                notes: String::new(),
            }
        }));
    }
    // The same bytes as the return in force; a superseded return sent again is new input
    // (a unit going back to its first version) and supersedes the correction in turn.
    if let Some(prev) = earlier.iter().find(|s| s.status == Status::Accepted) {
        let result = file_duplicate(config, f, prev);
        if matches!(result, FileResult::Duplicate { .. }) {
            let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
            store.note_duplicate(prev.id, &f.name, &now)?;
        }
        return Ok(Some(result));
    }
    Ok(None)
}

/// Where a recorded file was received: its exact path (names need not be UTF-8), or for
/// records older than that, the inbox joined with its name.
pub(super) fn received_at(config: &Config, sub: &Submission) -> std::path::PathBuf {
    sub.source_path
        .clone()
        .unwrap_or_else(|| config.paths.inbox.join(&sub.original_name))
}

/// Writes a chunk of valid rows (with their respondent keys), opening the file's transaction
/// on the first.
#[allow(clippy::too_many_arguments)]
fn write_rows(
    store: &mut Store,
    receipt: &Receipt<'_>,
    open: &mut Option<OpenReturn>,
    duplicates: &mut Vec<RowIssue>,
    meta: &ReturnMeta,
    user_cell: &str,
    mut rows: Vec<Response>,
    keys: Vec<String>,
) -> Result<(), RunError> {
    let (issues, keys) = store.cross_duplicates_keyed(meta, user_cell, &mut rows, keys)?;
    duplicates.extend(issues);
    if rows.is_empty() {
        return Ok(());
    }
    if open.is_none() {
        *open = Some(store.begin_return(receipt, meta)?);
    }
    store.add_keyed_rows(open.as_mut().expect("opened above"), &rows, keys)?;
    Ok(())
}

/// What validation and the rows written make of a file: accepted with its meta, format and
/// notes, or rejected with its reason; its row issues either way.
struct Verdict {
    meta: Option<ReturnMeta>,
    format: Option<&'static str>,
    issues: Vec<RowIssue>,
    notes: String,
    warnings: Vec<String>,
    /// Why the whole file is rejected; `None` when accepted.
    reason: Option<Rejection>,
    sheet: Option<String>,
    not_reached: Vec<NotReached>,
}

/// Writes a checked file's last rows (and opens its return if it had none) and says what
/// the file comes to: rejected when no row was valid.
fn verdict(
    store: &mut Store,
    receipt: &Receipt<'_>,
    open: &mut Option<OpenReturn>,
    duplicates: Vec<RowIssue>,
    outcome: Outcome,
    keys: Vec<String>,
) -> Result<Verdict, RunError> {
    let mut v = match outcome {
        Outcome::Checked(c) => {
            let user_cell = format!("{}!{}", c.sheet, c.user_column);
            write_rows(
                store,
                receipt,
                open,
                &mut Vec::new(),
                &c.meta,
                &user_cell,
                Vec::new(),
                Vec::new(),
            )?;
            let mut dups = duplicates;
            if !c.responses.is_empty() {
                write_rows(store, receipt, open, &mut dups, &c.meta, &user_cell, c.responses, keys)?;
            }
            let mut issues = c.issues;
            issues.extend(dups);
            Verdict {
                meta: Some(c.meta),
                format: Some(c.format.name()),
                issues,
                notes: c.notes.join(";"),
                warnings: c.warnings,
                reason: None,
                sheet: Some(c.sheet),
                not_reached: c.not_reached,
            }
        }
        Outcome::Rejected { reason, meta, issues } => Verdict {
            meta,
            format: None,
            issues,
            notes: String::new(),
            warnings: Vec::new(),
            reason: Some(reason),
            sheet: None,
            not_reached: Vec::new(),
        },
    };
    v.issues.sort_by_key(|i| i.row);
    if v.reason.is_none() && open.is_none() {
        v.reason = Some(Rejection::NoValidRows {
            issues: v.issues.len(),
            cause: None,
        });
    }
    Ok(v)
}

/// Ends the current file: commits or records its rejection, then moves it.
fn finish(
    config: &Config,
    store: &mut Store,
    f: &Incoming,
    receiving: Receiving,
    outcome: Outcome,
    keys: Vec<String>,
    write_ahead: &WriteAhead,
) -> Result<Finished, RunError> {
    // Saved over, replaced or swapped for a link since it was hashed: what was read is not
    // what would be filed. Nothing is recorded; the next run reads the new version.
    let Receiving {
        received,
        mut open,
        duplicates,
    } = receiving;
    let (receipt, identity) = (&received.receipt(f), received.identity);
    if FileIdentity::of(&f.path).ok() != Some(identity) {
        store.rollback();
        return Ok(Finished::Now(FileResult::Changed));
    }
    let file_name = inbox::base_name(Path::new(&f.name));
    let v = verdict(store, receipt, &mut open, duplicates, outcome, keys)?;
    let taken = |p: &Path| store.destination_taken(&p.to_string_lossy()).unwrap_or(true);
    let period = v.meta.as_ref().map(|m| m.period.to_string());
    let dest = inbox::destination(&config.paths, v.reason.is_none(), period.as_deref(), &file_name, &taken);
    let stored_path = dest.to_string_lossy().to_string();
    let reason_text = v.reason.as_ref().map(|r| r.to_string());
    let end = Ending {
        format: v.format,
        issues: &v.issues,
        reason: reason_text.as_deref(),
        notes: &v.notes,
        warnings: &v.warnings.join("\n"),
        stored_path: &stored_path,
        sheet: v.sheet.as_deref(),
        not_reached: &v.not_reached,
    };
    // The file as it is about to be recorded: its explanation or feedback note is written
    // ahead (under a temporary name, synced) while the database commits.
    let mut ahead = None;
    if reason_text.is_some() {
        let planned = Submission {
            id: 0,
            sha256: receipt.sha256.to_string(),
            original_name: receipt.original_name.to_string(),
            submitter_code: v.meta.as_ref().map(|m| m.submitter_code.clone()),
            kind: v.meta.as_ref().map(|m| m.kind),
            period: period.clone(),
            status: Status::Rejected,
            rows_accepted: 0,
            rows_rejected: validate::rows_with_issues(&v.issues) as i64,
            reason: reason_text.clone(),
            stored_path: stored_path.clone(),
            filed: false,
            received_at: receipt.received_at.to_string(),
            warnings: Some(end.warnings.to_string()),
            source_path: Some(f.path.clone()),
            survey_name: v.meta.as_ref().and_then(|m| m.survey_name.clone()),
        };
        let dir = inbox::explanation_path(&dest).parent().map(Path::to_path_buf);
        ahead = dir.map(|d| write_ahead.start(Note::Explanation, d, explanation(&planned, &v.issues)));
    }
    let ahead = Ahead(ahead);
    let (id, result) = match (open, &reason_text) {
        (Some(open), None) => {
            let rows = open.rows;
            let id = open.id;
            let replaced = store.commit_return(open, &end)?;
            let bad_rows = validate::rows_with_issues(&v.issues);
            (
                id,
                FileResult::Accepted {
                    rows,
                    bad_rows,
                    replaced,
                    warnings: v.warnings,
                    notes: v.notes.clone(),
                },
            )
        }
        (open, _) => {
            if open.is_some() {
                store.rollback();
            }
            let id = store.record_rejected(receipt, v.meta.as_ref(), &end)?;
            (
                id,
                FileResult::Rejected {
                    reason: reason_text.clone().unwrap_or_default(),
                    bad_rows: validate::rows_with_issues(&v.issues),
                },
            )
        }
    };
    let sub = store.submission(id)?.expect("just recorded");
    let stored = matches!(result, FileResult::Accepted { .. }).then_some(sub.rows_accepted as usize);
    let plan = plan_filing(config, store, &sub, ahead)?;
    Ok(Finished::Recorded(Box::new(Recorded {
        filing: Filing {
            plan,
            src: f.path.clone(),
            identity: Some(identity),
        },
        awaiting: Awaiting {
            sub_id: sub.id,
            result,
            stored,
        },
    })))
}

/// Ends a recorded file's recording once [`carry_out`] said whether it reached its place
/// (`None`) or why not: notes that it is there, or keeps it recorded where it is.
pub(super) fn settle(store: &Store, awaiting: Awaiting, problem: Option<String>) -> Result<FileResult, RunError> {
    match problem {
        None => {
            store.mark_filed(awaiting.sub_id)?;
            Ok(awaiting.result)
        }
        Some(error) => Ok(FileResult::NotMoved {
            error,
            stored: awaiting.stored,
        }),
    }
}

/// The same bytes again: moved to `rejected/` with an explanation, not recorded twice.
fn file_duplicate(config: &Config, f: &Incoming, prev: &Submission) -> FileResult {
    let file_name = inbox::base_name(Path::new(&f.name));
    let dest = inbox::destination(&config.paths, false, None, &file_name, &|_| false);
    let text = format!(
        "重复报送说明\n============\n\n文件:{}\n\n该文件与 {} 接收的“{}”内容完全相同(SHA-256:{}),数据已在库中,未重复计入。\n如需更正数据,请修改后重新报送。\n",
        f.name, prev.received_at, prev.original_name, prev.sha256
    );
    let moved = output::write_new(&inbox::explanation_path(&dest), text.as_bytes())
        .and_then(|_| inbox::move_file(&f.path, &dest));
    match moved {
        Ok(()) => FileResult::Duplicate {
            of: prev.original_name.clone(),
        },
        Err(e) => FileResult::NotMoved {
            error: format!("重复文件无法移到 {}:{}", dest.display(), crate::output::io_zh(&e)),
            stored: None,
        },
    }
}

/// Moves a recorded file to its place (choosing a new suffix if the place was taken
/// meanwhile), writing the explanation first for a rejected one. A file that cannot be moved
/// is that file's problem, returned as `Some(why)` (it stays in the inbox, recorded, and the
/// next run moves it); only a database failure ends the run.
pub(super) fn file_away(
    config: &Config,
    store: &Store,
    sub: &Submission,
    src: &Path,
    identity: Option<FileIdentity>,
    ahead: Ahead,
) -> Result<Option<String>, RunError> {
    let plan = plan_filing(config, store, sub, ahead)?;
    let problem = carry_out(Filing {
        plan,
        src: src.to_path_buf(),
        identity,
    });
    if problem.is_none() {
        store.mark_filed(sub.id)?;
    }
    Ok(problem)
}

/// A recorded file's move, as planned with the database: what [`carry_out`] does with files
/// only, so that it may run on another thread.
pub(super) struct Filing {
    plan: Plan,
    src: PathBuf,
    /// The file as it was read: it must still be that file when it is moved.
    identity: Option<FileIdentity>,
}

/// Where a recorded file goes, and the notes that go with it.
pub(super) struct Plan {
    dest: PathBuf,
    /// The explanation beside a rejected file, or why its text could not be had.
    explanation: Option<Result<Pending, String>>,
}

/// The part of filing that needs the database: the place (a new one, recorded, if the
/// recorded place was taken meanwhile) and the text of the notes (from what was written
/// ahead, else from the stored issues).
fn plan_filing(config: &Config, store: &Store, sub: &Submission, ahead: Ahead) -> Result<Plan, RunError> {
    let mut dest = Path::new(&sub.stored_path).to_path_buf();
    if std::fs::symlink_metadata(&dest).is_ok() {
        let file_name = inbox::base_name(&dest);
        dest = inbox::destination(
            &config.paths,
            sub.status != Status::Rejected,
            sub.period.as_deref(),
            &file_name,
            &|_| false,
        );
        store.set_destination(sub.id, &dest.to_string_lossy())?;
    }
    let explanation_ahead = ahead.explanation();
    let note = |ahead: Option<Pending>, text: &dyn Fn(&[RowIssue]) -> String| match ahead {
        Some(pending) => Ok(pending),
        None => match store.issues_of(sub.id) {
            Ok(issues) => Ok(Pending::ready(text(&issues))),
            Err(e) => Err(RunError::from(e).to_string()),
        },
    };
    // (Rows left out of an accepted return, and remarks on it, go back to its sender in the
    // period's feedback workbook, render::feedback.)
    let explanation = (sub.status == Status::Rejected).then(|| note(explanation_ahead, &|i| explanation(sub, i)));
    Ok(Plan { dest, explanation })
}

/// The part of filing that touches files only: checks the file is still the one recorded,
/// writes its notes and moves it. `Some(why)` when it could not be moved.
pub(super) fn carry_out(filing: Filing) -> Option<String> {
    let Filing { plan, src, identity } = filing;
    // The file must still be the one recorded (a last look before anything is written for it).
    if let Some(identity) = identity
        && FileIdentity::of(&src).ok() != Some(identity)
    {
        return Some(CHANGED.to_string());
    }
    if let Some(explanation) = plan.explanation {
        let written = explanation.and_then(|pending| {
            let (text, prepared) = pending.wait();
            let path = inbox::explanation_path(&plan.dest);
            put(prepared.as_ref(), &path, text.as_bytes()).map_err(|e| RunError::from(e).to_string())
        });
        if let Err(e) = written {
            return Some(e);
        }
    }
    // Another look just before the move, and one after it at what was moved: a version saved
    // over the file in between goes back to the inbox for the next run.
    if let Some(identity) = identity
        && FileIdentity::of(&src).ok() != Some(identity)
    {
        return Some(CHANGED.to_string());
    }
    if let Err(e) = inbox::move_file(&src, &plan.dest) {
        return Some(format!("无法移到 {}:{}", plan.dest.display(), crate::output::io_zh(&e)));
    }
    if let Some(identity) = identity
        && !FileIdentity::of(&plan.dest).is_ok_and(|moved| identity.moved_as(&moved))
        && inbox::move_file(&plan.dest, &src).is_ok()
    {
        return Some(CHANGED.to_string());
    }
    None
}

pub(super) fn write_explanation(store: &Store, sub: &Submission, dest: &Path) -> Result<(), RunError> {
    let issues = store.issues_of(sub.id)?;
    let text = explanation(sub, &issues);
    output::write_new(&inbox::explanation_path(dest), text.as_bytes())?;
    Ok(())
}

/// Writes `bytes` as a new file at `path` ([`output::write_new`]), from their copy written
/// ahead when there is one.
fn put(prepared: Option<&output::Prepared>, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    match prepared {
        Some(p) => p.publish(path, bytes),
        None => output::write_new(path, bytes),
    }
}

/// Which note of a file is written ahead.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Note {
    /// The explanation beside a rejected file.
    Explanation,
}

/// A job of the [`write_ahead`] thread: a folder, the bytes, where to send the result.
pub(super) type WriteJob = (PathBuf, Vec<u8>, mpsc::Sender<std::io::Result<output::Prepared>>);

/// The body of the thread that writes notes ahead: each job's bytes into a synced temporary
/// file in its folder ([`output::prepare`]), until the queue closes.
pub(super) fn write_ahead(queue: mpsc::Receiver<WriteJob>) {
    for (dir, bytes, reply) in queue {
        let _ = reply.send(output::prepare(&dir, &bytes));
    }
}

/// Hands notes to the [`write_ahead`] thread.
pub(super) struct WriteAhead {
    jobs: mpsc::Sender<WriteJob>,
}

impl WriteAhead {
    pub(super) fn new(jobs: mpsc::Sender<WriteJob>) -> WriteAhead {
        WriteAhead { jobs }
    }

    /// Starts writing `text` into a temporary file in `dir`.
    fn start(&self, note: Note, dir: PathBuf, text: String) -> (Note, Pending) {
        let (reply, result) = mpsc::channel();
        let sent = self.jobs.send((dir, text.clone().into_bytes(), reply)).is_ok();
        (
            note,
            Pending {
                text,
                result: sent.then_some(result),
            },
        )
    }
}

/// A note being written ahead: its text, and the temporary file to come.
pub(super) struct Pending {
    text: String,
    result: Option<mpsc::Receiver<std::io::Result<output::Prepared>>>,
}

impl Pending {
    /// A note not written ahead: `wait` gives its text alone.
    fn ready(text: String) -> Pending {
        Pending { text, result: None }
    }

    /// The text, and its synced temporary copy if writing it ahead went well (if not, the
    /// note is written afresh and any error is met then).
    fn wait(self) -> (String, Option<output::Prepared>) {
        let prepared = self.result.and_then(|r| r.recv().ok()).and_then(Result::ok);
        (self.text, prepared)
    }
}

/// The note of a file written ahead, if any.
#[derive(Default)]
pub(super) struct Ahead(Option<(Note, Pending)>);

impl Ahead {
    /// The explanation written ahead, if one was.
    fn explanation(self) -> Option<Pending> {
        self.0.map(|(Note::Explanation, p)| p)
    }
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
