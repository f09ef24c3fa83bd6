//! What comes back of the rectification loop through the inbox (SPEC §11): filled ledgers
//! (整改反馈) from the enterprises and the city unit's appeal reviews (申诉复核). Each is read,
//! checked, recorded with every row it reports (the latest report of an entry wins, every
//! report kept), then filed: archived under `archive/整改反馈/`, or, refused whole, put in
//! `rejected/` beside its explanation. Rows sent back go to the sender in a feedback workbook
//! under `reports/整改台账/退回意见/`, which, corrected, comes back like the ledger.

use std::collections::HashMap;
use std::path::Path;

use super::{FileResult, RunError};
use crate::config::Config;
use crate::inbox::{self, Incoming};
use crate::intake::ledger::{self, LoopKind};
use crate::results::cases::{self, CaseStatus, Records};
use crate::store::Store;
use crate::store::cases::{LoopFile, LoopReports};
use crate::validate::ledger::{Known, check};

/// The folder under the archive of the returned ledgers and reviews.
pub const ARCHIVE_FOLDER: &str = "整改反馈";

/// Whether the file is a returned ledger or review (its sheets say so).
pub fn is_loop_file(f: &Incoming) -> bool {
    ledger::loop_kind(&f.path).is_some()
}

/// Takes the returned ledgers and reviews among the inbox's files.
pub fn take(config: &Config, store: &mut Store, files: &[Incoming]) -> Result<Vec<(String, FileResult)>, RunError> {
    let mut out = Vec::new();
    for f in files {
        let Some(kind) = ledger::loop_kind(&f.path) else {
            continue;
        };
        let result = take_one(config, store, f, kind)?;
        out.push((f.name.clone(), result));
    }
    Ok(out)
}

/// The unit or enterprise whose inbox folder the file is in (the deepest folder that names
/// one, as for returns); `None` at the inbox's top.
fn sender<'c>(config: &'c Config, f: &Incoming) -> Option<crate::config::Party<'c>> {
    let folder = crate::validate::Hint::from_path(config, Path::new(&f.name)).folder?;
    config.party(&folder)
}

/// What a row may name: every case in force (with its survey date and whether an appeal waits
/// for review) and every improvement item, by number.
fn known_entries(config: &Config, store: &Store) -> Result<HashMap<String, Known>, RunError> {
    let mut known: HashMap<String, Known> = HashMap::new();
    for (id, enterprise) in store.item_owners()? {
        known.insert(id, Known::Item { enterprise });
    }
    let records = Records::new(store.case_reports()?, store.appeal_reviews()?);
    for c in store.cases()? {
        let state = records.state(&c, config.today);
        let survey_date = (c.survey_date.as_deref())
            .and_then(|d| chrono::NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok());
        known.insert(
            c.number.clone(),
            Known::Case {
                enterprise: c.enterprise.clone(),
                survey_date,
                appealing: state.status == CaseStatus::Appealing,
            },
        );
    }
    Ok(known)
}

fn take_one(config: &Config, store: &mut Store, f: &Incoming, kind: LoopKind) -> Result<FileResult, RunError> {
    let (sha256, size) = match inbox::sha256(&f.path) {
        Ok(x) => x,
        Err(e) => {
            return Ok(FileResult::NotMoved {
                error: crate::output::io_zh(&e),
                stored: None,
            });
        }
    };
    let earlier = store.loop_files_by_sha(&sha256)?;
    // Recorded by a run that stopped before moving it: moved now.
    if let Some(e) = earlier.iter().find(|e| !e.filed && e.original_name == f.name) {
        let mut e = e.clone();
        // Its place taken meanwhile (the move never replaces a file): another free name.
        if std::fs::symlink_metadata(&e.stored_path).is_ok() {
            let folder = e.accepted.then_some(ARCHIVE_FOLDER);
            let dest = inbox::destination(&config.paths, e.accepted, folder, &inbox::base_name(&f.path), &|_| {
                false
            });
            e.stored_path = dest.to_string_lossy().into_owned();
            store.set_loop_destination(e.id, &e.stored_path)?;
        }
        let explanation = (!e.accepted).then(|| explanation(&e));
        return Ok(file_away(store, f, &e, explanation)?.unwrap_or_else(|| result_of(&e)));
    }
    if let Some(e) = earlier.iter().find(|e| e.accepted) {
        let dest = inbox::destination(&config.paths, false, None, &inbox::base_name(&f.path), &|_| false);
        let why = format!(
            "与 {}({} 收到)内容完全相同,已经处理过,不重复计入。",
            e.original_name, e.received_at
        );
        let moved = crate::output::write_new(&inbox::explanation_path(&dest), why.as_bytes())
            .and_then(|()| inbox::move_file(&f.path, &dest));
        return Ok(match moved {
            Ok(()) => FileResult::Duplicate {
                of: e.original_name.clone(),
            },
            Err(e) => FileResult::NotMoved {
                error: crate::output::io_zh(&e),
                stored: None,
            },
        });
    }
    let wanted: &[&str] = match kind {
        LoopKind::Ledger => &[cases::ITEMS_SHEET, cases::CASES_SHEET],
        LoopKind::Review => &[cases::REVIEW_SHEET],
    };
    // The run's day (pinned with `today` where a day is re-run), at the clock's time.
    let received_at = format!("{} {}", config.today, chrono::Local::now().format("%H:%M:%S"));
    let mut record = LoopFile {
        id: 0,
        sha256,
        original_name: f.name.clone(),
        size,
        submitter: sender(config, f).map(|p| p.code().to_string()),
        kind: match kind {
            LoopKind::Ledger => "ledger",
            LoopKind::Review => "review",
        }
        .to_string(),
        enterprise: None,
        period: None,
        received_at,
        accepted: false,
        rows_accepted: 0,
        rows_rejected: 0,
        reason: None,
        problems: Vec::new(),
        stored_path: String::new(),
        filed: false,
    };
    let mut reports = LoopReports::default();
    let mut feedback = None;
    let mut checked_warnings = Vec::new();
    match ledger::read_loop(&f.path, &config.limits, wanted) {
        Err(e) => record.reason = Some(e.to_string()),
        Ok(sheets) => {
            let known = known_entries(config, store)?;
            let found = |n: &str| known.get(n).cloned();
            match check(config, kind, &sheets, sender(config, f), &found, config.today) {
                Err(refusal) => record.reason = Some(refusal.to_string()),
                Ok(checked) => {
                    record.accepted = true;
                    record.enterprise = (kind == LoopKind::Ledger).then(|| checked.party.clone());
                    record.period = checked.period.clone();
                    record.rows_accepted = checked.rows_accepted();
                    record.rows_rejected = checked.rows_rejected;
                    record.problems = (checked.problems.iter()).map(|p| (p.place(), p.why.clone())).collect();
                    feedback = Some((checked.party_name.clone(), sheets, checked.problems.clone()));
                    checked_warnings = checked.warnings.clone();
                    reports = LoopReports {
                        items: checked.items,
                        cases: checked.cases,
                        reviews: checked.reviews,
                    };
                }
            }
        }
    }
    let folder = record.accepted.then_some(ARCHIVE_FOLDER);
    let dest = inbox::destination(
        &config.paths,
        record.accepted,
        folder,
        &inbox::base_name(&f.path),
        &|_| false,
    );
    record.stored_path = dest.to_string_lossy().into_owned();
    // The sender's feedback on the rows sent back, written before the file is recorded (a run
    // cut short in between writes it again); one per file returned, so that a second file does
    // not overwrite the first's. A clean return from the same sender withdraws the earlier ones.
    let mut warnings = Vec::new();
    if let Some((party, sheets, problems)) = feedback {
        let path = crate::render::ledger::feedback_path(config, &party, kind, &f.name);
        if problems.is_empty() {
            withdraw_feedback(config, &party, kind);
        } else {
            let title = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if let Err(e) = crate::render::ledger::write_feedback(&path, &config.wording, &title, &sheets, &problems) {
                warnings.push(format!("无法写出退回意见 {}:{e}", path.display()));
            }
        }
    }
    record.id = store.record_loop_file(&record, &reports)?;
    let explanation = (!record.accepted).then(|| explanation(&record));
    let result = file_away(store, f, &record, explanation)?.unwrap_or_else(|| result_of(&record));
    Ok(match result {
        FileResult::Accepted {
            rows,
            bad_rows,
            replaced,
            warnings: mut w,
            notes,
        } => {
            w.extend(warnings);
            w.extend(checked_warnings);
            FileResult::Accepted {
                rows,
                bad_rows,
                replaced,
                warnings: w,
                notes,
            }
        }
        other => other,
    })
}

/// Takes back the feedback on a party's earlier returned files: a clean one came.
fn withdraw_feedback(config: &Config, party: &str, kind: LoopKind) {
    for p in crate::render::ledger::feedback_files(config, party, kind) {
        if let Err(e) = std::fs::remove_file(&p) {
            tracing::warn!("无法删除已改正的退回意见 {}:{e}", p.display());
        }
    }
}

/// Why a returned ledger or review was refused, as written beside it.
fn explanation(f: &LoopFile) -> String {
    format!(
        "文件:{}\n收到:{}\n结果:整份退回\n原因:{}\n\n请改正后重新放入收件箱。\n",
        f.original_name,
        f.received_at,
        f.reason.as_deref().unwrap_or_default()
    )
}

/// Moves a recorded file to its place (its explanation first, if refused); `Some(result)` when
/// it could not be moved.
fn file_away(
    store: &Store,
    f: &Incoming,
    record: &LoopFile,
    explanation: Option<String>,
) -> Result<Option<FileResult>, RunError> {
    let dest = Path::new(&record.stored_path);
    let moved = explanation
        .map_or(Ok(()), |text| {
            crate::output::write_new(&inbox::explanation_path(dest), text.as_bytes())
        })
        .and_then(|()| inbox::move_file(&f.path, dest));
    match moved {
        Ok(()) => {
            store.mark_loop_filed(record.id)?;
            Ok(None)
        }
        Err(e) => Ok(Some(FileResult::NotMoved {
            error: format!("无法移到 {}:{}", dest.display(), crate::output::io_zh(&e)),
            stored: Some(record.rows_accepted),
        })),
    }
}

fn result_of(f: &LoopFile) -> FileResult {
    if f.accepted {
        let what = if f.kind == "review" {
            "申诉复核表"
        } else {
            "台账"
        };
        let warnings = (f.rows_accepted + f.rows_rejected == 0)
            .then(|| format!("{what}中没有填写任何内容(浅黄色的列均为空)"))
            .into_iter()
            .collect();
        FileResult::Accepted {
            rows: f.rows_accepted,
            bad_rows: f.rows_rejected,
            replaced: Vec::new(),
            warnings,
            notes: String::new(),
        }
    } else {
        FileResult::Rejected {
            reason: f.reason.clone().unwrap_or_default(),
            bad_rows: 0,
        }
    }
}
