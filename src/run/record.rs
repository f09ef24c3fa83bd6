//! Recording one file, on the batch's single writing thread: the messages a parsing worker
//! sends about it (hash, chunks of rows, outcome) become a recorded return or rejection,
//! and the file is then moved to its place (or left, recorded, when it cannot be moved).

use std::path::Path;

use super::{FileResult, Msg, RunError};
use crate::config::Config;
use crate::inbox::{self, Incoming};
use crate::output;
use crate::store::{Ending, OpenReturn, Receipt, Store, Submission};
use crate::validate::{self, Outcome, Rejection, Response, ReturnMeta, RowIssue};

/// Where the recording of the current file stands.
pub(super) enum Recording {
    /// Its hash has not arrived yet.
    Waiting,
    /// Already dealt with (a duplicate, a finished recovery, an unreadable file).
    Settled(FileResult),
    /// Being recorded.
    Receiving {
        received: Received,
        open: Option<OpenReturn>,
        /// Rows dropped as respondents another submitter already reported this period.
        duplicates: Vec<RowIssue>,
    },
}

/// What is known of a file when its recording begins.
pub(super) struct Received {
    sha: String,
    size: u64,
    received_at: String,
}

impl Received {
    fn receipt<'a>(&'a self, name: &'a str) -> Receipt<'a> {
        Receipt {
            sha256: &self.sha,
            original_name: name,
            size: self.size,
            received_at: &self.received_at,
        }
    }
}

/// Advances the current file by one message; returns its result once it is finished.
pub(super) fn step(
    config: &Config,
    store: &mut Store,
    f: &Incoming,
    current: &mut Recording,
    msg: Msg,
) -> Result<Option<FileResult>, RunError> {
    match (msg, &mut *current) {
        (Msg::Hashed(Err(e)), _) => {
            *current = Recording::Settled(FileResult::NotMoved {
                error: format!("无法读取:{}", crate::output::io_zh(&e)),
                stored: None,
            });
        }
        (Msg::Hashed(Ok((sha, size))), _) => {
            *current = match already_known(config, store, f, &sha)? {
                Some(result) => Recording::Settled(result),
                None => Recording::Receiving {
                    received: Received {
                        sha,
                        size,
                        received_at: chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string(),
                    },
                    open: None,
                    duplicates: Vec::new(),
                },
            };
        }
        (
            Msg::Rows { meta, user_cell, rows },
            Recording::Receiving {
                received,
                open,
                duplicates,
            },
        ) => {
            write_rows(
                store,
                &received.receipt(&f.name),
                open,
                duplicates,
                &meta,
                &user_cell,
                rows,
            )?;
        }
        (Msg::Rows { .. }, _) => {}
        (Msg::Done(_), Recording::Settled(result)) => return Ok(Some(result.clone())),
        (
            Msg::Done(outcome),
            Recording::Receiving {
                received,
                open,
                duplicates,
            },
        ) => {
            let receipt = received.receipt(&f.name);
            let result = finish(
                config,
                store,
                f,
                &receipt,
                open.take(),
                std::mem::take(duplicates),
                outcome,
            )?;
            return Ok(Some(result));
        }
        (Msg::Done(_), Recording::Waiting) => unreachable!("a worker sends the hash first"),
    }
    Ok(None)
}

/// The same bytes seen before: a duplicate of an accepted file, or a file an interrupted
/// run recorded but did not move. `None` when the file is to be received anew.
fn already_known(config: &Config, store: &Store, f: &Incoming, sha: &str) -> Result<Option<FileResult>, RunError> {
    let earlier = store.by_sha256(sha)?;
    let same_file = |s: &&Submission| !s.filed && config.paths.inbox.join(&s.original_name) == f.path;
    if let Some(prev) = earlier.iter().find(same_file) {
        // Recorded by an interrupted run; finish its move.
        if let Some(problem) = file_away(config, store, prev, &f.path)? {
            return Ok(Some(FileResult::NotMoved {
                error: problem,
                stored: Some(prev.rows_accepted as usize),
            }));
        }
        return Ok(Some(if prev.status == "rejected" {
            FileResult::Rejected {
                reason: prev.reason.clone().unwrap_or_default(),
            }
        } else {
            FileResult::Accepted {
                rows: prev.rows_accepted as usize,
                bad_rows: prev.rows_rejected as usize,
                superseded: false,
            }
        }));
    }
    // The same bytes as the return in force; a superseded return sent again is new input
    // (a unit going back to its first version) and supersedes the correction in turn.
    if let Some(prev) = earlier.iter().find(|s| s.status == "accepted") {
        return Ok(Some(file_duplicate(config, f, prev)));
    }
    Ok(None)
}

/// Writes a chunk of valid rows, opening the file's transaction on the first.
fn write_rows(
    store: &mut Store,
    receipt: &Receipt<'_>,
    open: &mut Option<OpenReturn>,
    duplicates: &mut Vec<RowIssue>,
    meta: &ReturnMeta,
    user_cell: &str,
    mut rows: Vec<Response>,
) -> Result<(), RunError> {
    duplicates.extend(store.cross_duplicates(meta, user_cell, &mut rows)?);
    if rows.is_empty() {
        return Ok(());
    }
    if open.is_none() {
        *open = Some(store.begin_return(receipt, meta)?);
    }
    store.add_rows(open.as_mut().expect("opened above"), &rows)?;
    Ok(())
}

/// Ends the current file: commits or records its rejection, then moves it.
fn finish(
    config: &Config,
    store: &mut Store,
    f: &Incoming,
    receipt: &Receipt<'_>,
    mut open: Option<OpenReturn>,
    duplicates: Vec<RowIssue>,
    outcome: Outcome,
) -> Result<FileResult, RunError> {
    let file_name = inbox::base_name(Path::new(&f.name));
    let (meta, format, mut issues, notes, reason) = match outcome {
        Outcome::Checked(c) => {
            let user_cell = format!("{}!{}", c.sheet, c.user_column);
            write_rows(
                store,
                receipt,
                &mut open,
                &mut Vec::new(),
                &c.meta,
                &user_cell,
                Vec::new(),
            )?;
            let mut dups = duplicates;
            if !c.responses.is_empty() {
                write_rows(store, receipt, &mut open, &mut dups, &c.meta, &user_cell, c.responses)?;
            }
            let mut issues = c.issues;
            issues.extend(dups);
            (Some(c.meta), Some(c.format.name()), issues, c.notes.join(";"), None)
        }
        Outcome::Rejected { reason, meta, issues } => (meta, None, issues, String::new(), Some(reason)),
    };
    issues.sort_by_key(|i| i.row);
    let reason = match (reason, &open) {
        (Some(r), _) => Some(r),
        (None, None) => Some(Rejection::NoValidRows { issues: issues.len() }),
        (None, Some(_)) => None,
    };
    let taken = |p: &Path| store.destination_taken(&p.to_string_lossy()).unwrap_or(true);
    let period = meta.as_ref().map(|m| m.period.to_string());
    let dest = inbox::destination(&config.paths, reason.is_none(), period.as_deref(), &file_name, &taken);
    let stored_path = dest.to_string_lossy().to_string();
    let reason_text = reason.as_ref().map(|r| r.to_string());
    let end = Ending {
        format,
        issues: &issues,
        reason: reason_text.as_deref(),
        notes: &notes,
        stored_path: &stored_path,
    };
    let (id, result) = match (open, &reason_text) {
        (Some(open), None) => {
            let rows = open.rows;
            let id = open.id;
            let superseded = store.commit_return(open, &end)?;
            let bad_rows = validate::rows_with_issues(&issues);
            (
                id,
                FileResult::Accepted {
                    rows,
                    bad_rows,
                    superseded: superseded > 0,
                },
            )
        }
        (open, _) => {
            if open.is_some() {
                store.rollback();
            }
            let id = store.record_rejected(receipt, meta.as_ref(), &end)?;
            (
                id,
                FileResult::Rejected {
                    reason: reason_text.clone().unwrap_or_default(),
                },
            )
        }
    };
    let sub = store.submission(id)?.expect("just recorded");
    if let Some(problem) = file_away(config, store, &sub, &f.path)? {
        let stored = matches!(result, FileResult::Accepted { .. }).then_some(sub.rows_accepted as usize);
        return Ok(FileResult::NotMoved { error: problem, stored });
    }
    Ok(result)
}

/// The same bytes again: moved to `rejected/` with an explanation, not recorded twice.
fn file_duplicate(config: &Config, f: &Incoming, prev: &Submission) -> FileResult {
    let file_name = inbox::base_name(Path::new(&f.name));
    let dest = inbox::destination(&config.paths, false, None, &file_name, &|_| false);
    let text = format!(
        "重复报送说明\n============\n\n文件:{}\n\n该文件与 {} 接收的“{}”内容完全相同(SHA-256:{}),数据已在库中,未重复计入。\n如需更正数据,请修改后重新报送。\n",
        f.name, prev.received_at, prev.original_name, prev.sha256
    );
    let moved = output::write_atomic(&inbox::explanation_path(&dest), text.as_bytes())
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
) -> Result<Option<String>, RunError> {
    let mut dest = Path::new(&sub.stored_path).to_path_buf();
    if dest.exists() {
        let file_name = inbox::base_name(&dest);
        dest = inbox::destination(
            &config.paths,
            sub.status != "rejected",
            sub.period.as_deref(),
            &file_name,
            &|_| false,
        );
        store.set_destination(sub.id, &dest.to_string_lossy())?;
    }
    if sub.status == "rejected"
        && let Err(e) = write_explanation(store, sub, &dest)
    {
        return Ok(Some(e.to_string()));
    }
    // Rows left out of an accepted return go back to its sender too: a note in rejected/.
    if sub.status != "rejected"
        && sub.rows_rejected > 0
        && let Err(e) = write_row_feedback(config, store, sub, &dest)
    {
        tracing::warn!("{}:无法写出问题行说明:{e}", sub.original_name);
    }
    if let Err(e) = inbox::move_file(src, &dest) {
        return Ok(Some(format!(
            "无法移到 {}:{}",
            dest.display(),
            crate::output::io_zh(&e)
        )));
    }
    store.mark_filed(sub.id)?;
    Ok(None)
}

pub(super) fn write_explanation(store: &Store, sub: &Submission, dest: &Path) -> Result<(), RunError> {
    let issues = store.issues_of(sub.id)?;
    let text = explanation(sub, &issues);
    output::write_atomic(&inbox::explanation_path(dest), text.as_bytes())?;
    Ok(())
}

/// `rejected/<archived name>.问题行说明.txt`: the rows of an accepted return that were not
/// counted, and why, for the reporting unit to correct.
fn write_row_feedback(config: &Config, store: &Store, sub: &Submission, dest: &Path) -> Result<(), RunError> {
    let issues = store.issues_of(sub.id)?;
    let name = format!("{}.问题行说明.txt", inbox::base_name(dest));
    let mut t = String::from("问题行说明\n==========\n\n");
    t.push_str(&format!("文件:{}\n", sub.original_name));
    t.push_str(&format!("接收时间:{}\n", sub.received_at));
    if let (Some(kind), Some(period)) = (sub.kind, &sub.period) {
        t.push_str(&format!("报表:{} {}\n", kind.label(), period));
    }
    t.push_str(&format!(
        "\n报表已接收,有效数据 {} 行已计入;以下 {} 行有问题,未计入:\n",
        sub.rows_accepted, sub.rows_rejected
    ));
    for i in &issues {
        t.push_str(&format!("  {i}\n"));
    }
    t.push_str("\n请更正后将整份报表重新报送:同一填报单位、同一报表类型和所属期的新报表将替代本报表。\n");
    output::write_atomic(&config.paths.rejected.join(name), t.as_bytes())?;
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
