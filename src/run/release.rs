//! Review and sign-off (SPEC §9b): a period's state (draft, issued, changed since issued) and
//! `release`, which issues the current results as the next version, frozen in
//! `reports/<period>/签发/第N版/`, publishes it to `public/` and records it in the database.

use std::path::PathBuf;

use chrono::NaiveDate;

use super::publish::{PublishError, affected, mirror, publish, render, scores_sha256, settle_unscored};
use crate::compute::Reporter;
use crate::config::Config;
use crate::period::Period;
use crate::results::release::{Figures, Issue, Release, changes};
use crate::results::{Level, PeriodResults};
use crate::store::{ReleaseRecord, Store, StoreError};
use crate::topics::Topics;

/// Where a period stands in review and sign-off.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    /// No results written yet.
    Nothing,
    /// Sign-off is off: what is written is issued.
    Unsigned,
    /// Written as a draft, never issued.
    Draft,
    /// Issued; `changed` when the results have changed since (a correction's draft waits).
    Issued { last: ReleaseRecord, changed: bool },
}

/// The state of `period` from its folder and its release records.
pub fn state(config: &Config, store: &Store, period: Period) -> Result<State, StoreError> {
    let dir = config.paths.period_dir(period);
    let Some(now) = scores_sha256(&dir) else {
        return Ok(State::Nothing);
    };
    let last = store.latest_release(period)?;
    Ok(match last {
        Some(last) => {
            let changed = last.scores != now;
            State::Issued { last, changed }
        }
        None if config.release.required => State::Draft,
        None => State::Unsigned,
    })
}

/// What `release` is asked to do: sign `period` off as `signer` on `date`, with a 文号.
pub struct Request<'a> {
    pub period: Period,
    pub signer: &'a str,
    pub number: Option<&'a str>,
    pub date: NaiveDate,
}

/// What `release` did.
#[derive(Debug)]
pub enum Outcome {
    /// A new version was issued: its record and the files written.
    Issued(ReleaseRecord, Vec<PathBuf>),
    /// The version in force already holds the current results: nothing was done.
    Unchanged(ReleaseRecord),
}

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0} 没有可签发的结果(没有已接收的报表)")]
    NoResults(Period),
    #[error(
        "未签发:公示须写明公示期内异议的受理方式,请在配置文件的 [release] 中填写 contact(如 contact = \"市住建局城建科,电话 0728-1234567,邮箱 pingjia@example.gov.cn\")后再签发"
    )]
    NoContact,
    #[error("签发人不能为空(--by)")]
    NoSigner,
    #[error("无法写入签发文件到 {}:{}", path.display(), crate::output::io_zh(source))]
    Write { path: PathBuf, source: std::io::Error },
}

/// Signs a period off: brings every stale period up to date first, then issues the period's
/// current results as its next version, unless that version is already in force.
pub fn release(
    config: &Config,
    store: &mut Store,
    topics: &Topics,
    req: &Request<'_>,
) -> Result<Outcome, ReleaseError> {
    if req.signer.trim().is_empty() {
        return Err(ReleaseError::NoSigner);
    }
    let stale = affected(config, store)?;
    if !stale.is_empty() {
        publish(config, store, topics, &stale, true)?;
    }
    settle_unscored(store)?;
    let period = req.period;
    let dir = config.paths.period_dir(period);
    let scores = scores_sha256(&dir).ok_or(ReleaseError::NoResults(period))?;
    let previous = store.releases(period)?;
    if let Some(last) = previous.last()
        && last.scores == scores
    {
        return Ok(Outcome::Unchanged(last.clone()));
    }
    let contact = config.release.contact.clone().ok_or(ReleaseError::NoContact)?;
    let r = Reporter::new(config, store, topics.clone()).compute(period)?;
    let figures = figures(&r);
    let version = previous.last().map_or(1, |l| l.version + 1);
    let notice = config.calendar.span(req.date, config.release.notice_days);
    let issue = Issue::Issued(Release {
        version,
        signer: req.signer.trim().to_string(),
        date: req.date,
        number: req.number.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string),
        notice_end: notice.date,
        notice_estimated: notice.estimated,
        contact,
        changes: previous
            .last()
            .map(|l| changes(&l.figures, &figures))
            .unwrap_or_default(),
    });
    let out = dir.join(crate::render::issued_folder(version));
    // A folder of this version left by an attempt that stopped before it was recorded was
    // never issued: it is written afresh.
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|source| ReleaseError::Write {
            path: out.clone(),
            source,
        })?;
    }
    let mut files = render(config, store, &r, &out, &issue, |x| {
        use crate::render::Renderer;
        x.issued() || x.name() == crate::render::json::ScoresJson.name()
    })?;
    let Issue::Issued(rel) = &issue else {
        unreachable!("issued above")
    };
    let record = ReleaseRecord {
        period,
        version,
        signer: rel.signer.clone(),
        date: rel.date,
        number: rel.number.clone(),
        depends_on: r.depends_on.clone(),
        scores,
        inputs: inputs_json(&r),
        figures,
    };
    let mut history = previous;
    history.push(record.clone());
    let manifest =
        crate::render::json::write_manifest(&r, &out, &files, &history).map_err(|source| ReleaseError::Write {
            path: out.clone(),
            source,
        })?;
    files.push(manifest);
    store.record_release(&record)?;
    // The period's folder: its drafts go, its manifest lists the release.
    publish(config, store, topics, &[period], false)?;
    mirror(config, &r, &files)?;
    Ok(Outcome::Issued(record, files))
}

/// Each enterprise's composite (to two decimals, as shown) and n: what the next version's
/// 更正说明 compares with.
pub fn figures(r: &PeriodResults) -> Vec<Figures> {
    (r.groups.iter())
        .filter(|g| g.level == Level::Enterprise)
        .map(|g| Figures {
            enterprise: g.name.clone(),
            composite: g.composite.map(|x| crate::score::stats::round_half_away(x, 2)),
            n: g.n,
        })
        .collect()
}

/// The returns in force the results were computed from: [{path, sha256}].
fn inputs_json(r: &PeriodResults) -> String {
    let inputs: Vec<serde_json::Value> = (r.inputs.iter())
        .filter(|i| i.status == crate::store::Status::Accepted)
        .map(|i| serde_json::json!({"path": i.path, "sha256": i.sha256}))
        .collect();
    serde_json::to_string(&inputs).unwrap_or_default()
}
