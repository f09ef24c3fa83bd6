//! 退回通知 (SPEC §8): a file rejected whole tells its submitter so, in a document delivered to
//! it like its feedback. The submitter is the return's 填报单位, else the registered unit or
//! enterprise whose inbox folder the file came in; a file from no one known is said in the run's
//! summary and `rejected/` only. Each notice is written once into `reports/退回通知/<recipient>/`
//! (its content comes from the database and never changes) and delivered into the recipient's
//! outbox under the return's period (`退回通知/` when the period is unknown); it is taken out
//! again once a later return of the same submitter, kind and period is accepted.

use std::path::{Path, PathBuf};

use crate::config::{Config, Party};
use crate::period::Period;
pub use crate::results::Notice;
use crate::store::{Store, StoreError, Submission};

/// The folder of the notices, in `reports/` and, for returns of no known period, in the outbox.
pub const FOLDER: &str = "退回通知";

/// Where a notice is written.
pub fn path(config: &Config, n: &Notice) -> PathBuf {
    config.paths.reports.join(FOLDER).join(&n.submitter).join(&n.file)
}

/// The submitter a rejected return can be told about: its 填报单位 as recorded, else the
/// registered party whose inbox folder it came in.
fn submitter<'c>(config: &'c Config, sub: &Submission) -> Option<Party<'c>> {
    if let Some(p) = sub.submitter_code.as_deref().and_then(|c| config.party(c)) {
        return Some(p);
    }
    let (folder, _) = sub.original_name.split_once('/')?;
    config.party(folder)
}

/// `退回通知_竟陵街道_2026年9月份_月报_20261007-093012.xlsx`: the file it is about, and when it
/// came (two versions of one name are two notices).
fn file_name(sub: &Submission) -> String {
    let base = Path::new(&sub.original_name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Short enough for a file name whatever the original's length.
    let base: String = base.chars().take(60).collect();
    let stamp: String = sub.received_at.chars().filter(|c| c.is_ascii_digit()).collect();
    let stamp = if stamp.len() >= 14 {
        format!("{}-{}", &stamp[..8], &stamp[8..14])
    } else {
        stamp
    };
    format!("{FOLDER}_{base}_{stamp}.xlsx")
}

/// Every notice of a file rejected whole whose submitter is known.
pub fn notices(config: &Config, store: &Store) -> Result<Vec<Notice>, StoreError> {
    let mut out = Vec::new();
    for sub in store.rejected_submissions()? {
        let Some(party) = submitter(config, &sub) else { continue };
        let period = sub.period.as_deref().and_then(Period::parse);
        let in_force = match (&sub.submitter_code, sub.kind, period) {
            (Some(code), Some(kind), Some(period)) => store
                .accepted(kind, period)?
                .into_iter()
                // An unscheduled survey's return in force is the one of the same survey.
                .find(|s| s.submitter_code.as_deref() == Some(code.as_str()) && s.survey_name == sub.survey_name)
                .map(|s| s.original_name),
            _ => None,
        };
        out.push(Notice {
            submitter: party.code().to_string(),
            submitter_name: party.name().to_string(),
            folder: sub.period.clone().unwrap_or_else(|| FOLDER.to_string()),
            file: file_name(&sub),
            issues: store.issues_of(sub.id)?,
            in_force,
            settled: store.accepted_after(&sub)?,
            submission: sub,
        });
    }
    // A returned ledger or review refused whole (SPEC §11): told to whoever sent it, with the
    // loop's papers, until a later one of theirs is taken.
    let files = store.loop_files()?;
    for f in files.iter().filter(|f| !f.accepted) {
        let Some(party) = f.submitter.as_deref().and_then(|c| config.party(c)) else {
            continue;
        };
        let settled =
            (files.iter()).any(|g| g.accepted && g.id > f.id && g.submitter == f.submitter && g.kind == f.kind);
        let sub = Submission {
            id: 0,
            sha256: f.sha256.clone(),
            original_name: f.original_name.clone(),
            submitter_code: f.submitter.clone(),
            kind: None,
            period: f.period.clone(),
            status: crate::store::Status::Rejected,
            rows_accepted: 0,
            rows_rejected: 0,
            reason: f.reason.clone(),
            stored_path: f.stored_path.clone(),
            filed: f.filed,
            received_at: f.received_at.clone(),
            warnings: None,
            source_path: None,
            survey_name: None,
        };
        out.push(Notice {
            submitter: party.code().to_string(),
            submitter_name: party.name().to_string(),
            folder: crate::render::ledger::FOLDER.to_string(),
            file: file_name(&sub),
            issues: Vec::new(),
            in_force: None,
            settled,
            submission: sub,
        });
    }
    Ok(out)
}

/// Writes every notice due and not yet written. Returns what could not be written.
pub fn write_due(config: &Config, store: &Store) -> Result<Vec<String>, StoreError> {
    Ok(write(config, &notices(config, store)?))
}

/// Writes the notices not yet written (their content never changes). Returns what failed.
pub fn write(config: &Config, notices: &[Notice]) -> Vec<String> {
    let mut failed = Vec::new();
    for n in notices.iter().filter(|n| !n.settled) {
        let path = path(config, n);
        if path.is_file() {
            continue;
        }
        if let Err(e) = crate::render::notice::write(&path, n, &config.wording, &config.city) {
            failed.push(format!("无法写出退回通知 {}:{e}", path.display()));
        }
    }
    failed
}
