//! Review and sign-off (SPEC §9b): a period's state (draft, issued, changed since issued) and
//! `release`, which issues the current results as the next version, frozen in
//! `reports/<period>/签发/第N版/`, publishes it to `public/` and records it in the database.

use std::path::PathBuf;

use chrono::NaiveDate;

use super::publish::{PublishError, affected, mirror, publish, render, results_fingerprint, settle_unscored};
use crate::compute::Reporter;
use crate::config::Config;
use crate::period::Period;
use crate::results::cases::Case;
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
    if !dir.join(crate::render::json::SCORES).is_file() {
        return Ok(State::Nothing);
    }
    // The results' fingerprint (reading all of scores.json) only when a release is there to
    // compare it with; a draft's scores.json is not read (one that cannot be read is rewritten
    // by the next run).
    let last = if config.release.required {
        store.latest_release(period)?
    } else {
        None
    };
    let Some(last) = last else {
        return Ok(if config.release.required {
            State::Draft
        } else {
            State::Unsigned
        });
    };
    let Some(now) = results_fingerprint(&dir) else {
        return Ok(State::Nothing);
    };
    let changed = last.scores != now;
    Ok(State::Issued { last, changed })
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
    #[error("{0}年度没有可签发的结果(没有已接收的月度自评或季度抽查报表)")]
    NoYear(i32),
    #[error(
        "未签发:公示须写明公示期内异议的受理方式,请在配置文件的 [release] 中填写 contact(如 contact = \"市住建局城建科,电话 0728-1234567,邮箱 pingjia@example.gov.cn\")后再签发"
    )]
    NoContact,
    #[error("签发人不能为空(--by)")]
    NoSigner,
    #[error("签发日期 {date} 早于第 {version} 版的签发日期 {previous}")]
    DateBefore {
        date: NaiveDate,
        version: u32,
        previous: NaiveDate,
    },
    #[error(
        "{} 中已有签发的文件,但数据库中没有这一版的签发记录(数据库可能是从较早的备份恢复的)。已签发的文件不会被覆盖:请先把这个文件夹移到别处保存,再签发",
        .0.display()
    )]
    IssuedFolderExists(PathBuf),
    #[error("无法写入签发文件到 {}:{}", path.display(), crate::output::io_zh(source))]
    Write { path: PathBuf, source: std::io::Error },
}

/// What every release does first: refuses a blank signer, carries cases over to corrected
/// responses, and brings every stale period up to date.
fn prepare(config: &Config, store: &mut Store, topics: &Topics, signer: &str) -> Result<(), ReleaseError> {
    if signer.trim().is_empty() {
        return Err(ReleaseError::NoSigner);
    }
    super::rectification::carry_cases(config, store)?;
    let stale = affected(config, store)?;
    if !stale.is_empty() {
        publish(config, store, topics, &stale, true)?;
    }
    settle_unscored(store)?;
    Ok(())
}

/// Signs a period off: brings every stale period up to date first, then issues the period's
/// current results as its next version, unless that version is already in force.
pub fn release(
    config: &Config,
    store: &mut Store,
    topics: &Topics,
    req: &Request<'_>,
) -> Result<Outcome, ReleaseError> {
    prepare(config, store, topics, req.signer)?;
    let period = req.period;
    let dir = config.paths.period_dir(period);
    let scores = results_fingerprint(&dir).ok_or(ReleaseError::NoResults(period))?;
    let previous = store.releases(period)?;
    if let Some(last) = previous.last()
        && last.scores == scores
    {
        // Already issued: what follows a release is done again if it was cut short, the
        // cases it opened among it (they are recorded after the release).
        let (opened, carried) = open_cases(config, store, period, last.date)?;
        save_cases(store, &opened, &carried)?;
        let mut r = Reporter::new(config, store, topics.clone()).compute(period)?;
        r.rectification = super::rectification::for_documents(config, store)?;
        settle(config, store, topics, &r, last.version)?;
        return Ok(Outcome::Unchanged(last.clone()));
    }
    if let Some(last) = previous.last()
        && req.date < last.date
    {
        return Err(ReleaseError::DateBefore {
            date: req.date,
            version: last.version,
            previous: last.date,
        });
    }
    let contact = config.release.contact.clone().ok_or(ReleaseError::NoContact)?;
    let mut r = Reporter::new(config, store, topics.clone()).compute(period)?;
    r.rectification = super::rectification::for_documents(config, store)?;
    let figures = figures(&r);
    let version = previous.last().map_or(1, |l| l.version + 1);
    // The complaint cases of the period's responses not yet cased, opened on this release date,
    // and every enterprise's cases still open: the ledgers go out with the issued version.
    let (opened, carried) = open_cases(config, store, period, req.date)?;
    r.cases = store.cases()?;
    for (number, response, aspects) in &carried {
        if let Some(c) = store
            .superseded_cases(period)?
            .into_iter()
            .find(|c| c.number == *number)
        {
            r.cases.push(Case {
                response_id: *response,
                aspects: aspects.clone(),
                ..c
            });
        }
    }
    // The ledgers list what is still to be done: not what is rectified, appealed or upheld.
    let records = crate::results::cases::Records::new(store.case_reports()?, store.appeal_reviews()?);
    r.cases.retain(|c| records.state(c, req.date).status.is_open());
    r.case_reports = (r.cases.iter())
        .filter_map(|c| records.state(c, req.date).latest)
        .collect();
    r.item_reports = crate::results::cases::latest_item_reports(store.item_reports()?);
    r.cases.extend(opened.iter().cloned());
    r.cases.sort_by(|a, b| a.number.cmp(&b.number));
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
    // never issued: it is written afresh. One that says it was issued is never overwritten.
    if crate::render::json::latest_issued(&out).is_some() {
        return Err(ReleaseError::IssuedFolderExists(out));
    }
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
    // The version's manifest lists its release once the database has it (below): a folder
    // whose manifest says so is issued, and never written again.
    let manifest =
        crate::render::json::write_manifest(&r, &out, &files, &[]).map_err(|source| ReleaseError::Write {
            path: out.clone(),
            source,
        })?;
    files.push(manifest);
    store.record_release(&record)?;
    save_cases(store, &opened, &carried)?;
    settle(config, store, topics, &r, version)?;
    super::rectification::refresh(config, store)?;
    Ok(Outcome::Issued(record, files))
}

/// What `release --period <year>` is asked to do (SPEC §13).
pub struct YearRequest<'a> {
    pub year: i32,
    pub signer: &'a str,
    pub number: Option<&'a str>,
    pub date: NaiveDate,
}

/// What the year's release did.
#[derive(Debug)]
pub enum YearOutcome {
    Issued(crate::store::YearRelease, Vec<PathBuf>),
    Unchanged(crate::store::YearRelease),
}

/// Signs a year off (SPEC §13): brings stale periods up to date, computes the year, and
/// issues it as its next version in `reports/<year>/签发/第N版/` (its assessment as counted
/// today), unless that version already holds these results; the public page goes to
/// `public/<year>/`.
pub fn release_year(
    config: &Config,
    store: &mut Store,
    topics: &Topics,
    req: &YearRequest<'_>,
) -> Result<YearOutcome, ReleaseError> {
    use crate::render::annual;
    prepare(config, store, topics, req.signer)?;
    let year = req.year;
    let cases = super::rectification::case_rates(config, store, year)?;
    let a = Reporter::new(config, store, topics.clone()).annual(year, &cases)?;
    if a.through.is_none() {
        return Err(ReleaseError::NoYear(year));
    }
    let scores = annual::fingerprint(&a);
    let previous = store.year_releases(year)?;
    if let Some(last) = previous.last() {
        if last.scores == scores {
            return Ok(YearOutcome::Unchanged(last.clone()));
        }
        if req.date < last.date {
            return Err(ReleaseError::DateBefore {
                date: req.date,
                version: last.version,
                previous: last.date,
            });
        }
    }
    let contact = config.release.contact.clone().ok_or(ReleaseError::NoContact)?;
    let version = previous.last().map_or(1, |l| l.version + 1);
    let notice = config.calendar.span(req.date, config.release.notice_days);
    let number = req.number.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    let issue = Issue::Issued(Release {
        version,
        signer: req.signer.trim().to_string(),
        date: req.date,
        number: number.clone(),
        notice_end: notice.date,
        notice_estimated: notice.estimated,
        contact,
        changes: Vec::new(),
    });
    let dir = config.paths.reports.join(year.to_string());
    let out = dir.join(crate::render::issued_folder(version));
    if out.exists() {
        // Never recorded (the record is written last): an attempt cut short, written afresh.
        std::fs::remove_dir_all(&out).map_err(|source| ReleaseError::Write {
            path: out.clone(),
            source,
        })?;
    }
    let files = annual::write(&a, &config.scheme, &config.wording, &out, &issue, true).map_err(PublishError::from)?;
    let record = crate::store::YearRelease {
        year,
        version,
        signer: req.signer.trim().to_string(),
        date: req.date,
        number,
        scores,
    };
    store.record_year_release(&record)?;
    // The public page of the version in force; the drafts go (the issued version holds the
    // results now).
    super::publish::publish_year_page(config, year, &files)?;
    super::publish::publish_year(config, store, topics, year)?;
    Ok(YearOutcome::Issued(record, files))
}

/// What follows a recorded release, done again by the next `release` until it is done: the
/// period's folder lists the release (and its drafts go), and `public/` holds the version in
/// force.
fn settle(
    config: &Config,
    store: &mut Store,
    topics: &Topics,
    r: &PeriodResults,
    version: u32,
) -> Result<(), ReleaseError> {
    use crate::render::json::{latest_issued, manifest_outputs, write_manifest};
    let dir = config.paths.period_dir(r.period);
    let folder = crate::render::issued_folder(version);
    let issued = dir.join(&folder);
    let files: Vec<PathBuf> = (manifest_outputs(&issued).into_iter())
        .map(|(p, _)| issued.join(p))
        .collect();
    let history: Vec<_> = (store.releases(r.period)?.into_iter())
        .filter(|x| x.version <= version)
        .collect();
    if latest_issued(&issued).as_deref() != Some(folder.as_str()) {
        write_manifest(r, &issued, &files, &history).map_err(|source| ReleaseError::Write {
            path: issued.clone(),
            source,
        })?;
    }
    if latest_issued(&dir).as_deref() != Some(folder.as_str()) {
        publish(config, store, topics, &[r.period], false)?;
    }
    mirror(config, r, &files)?;
    Ok(())
}

/// A case carried over to a corrected response: its number, the response, its unfavourable answers.
type Carried = (String, i64, Vec<String>);

/// The complaint cases (SPEC §11) of `period`'s responses that have none yet, with deadlines in
/// working days from `date`. A case whose response a correction replaced goes on with the
/// corrected response of the same respondent (its number, deadlines and reports kept) when
/// that is still a case; the others are numbered after the enterprise's cases of the period.
fn open_cases(
    config: &Config,
    store: &Store,
    period: Period,
    date: NaiveDate,
) -> Result<(Vec<Case>, Vec<Carried>), StoreError> {
    let cased: std::collections::HashSet<i64> = store.cases()?.iter().map(|c| c.response_id).collect();
    let mut orphans = store.superseded_cases(period)?;
    let mut seq = store.case_counts(period)?;
    let callback = config.calendar.after(date, config.scheme.cases.callback_days);
    let rectify = config.calendar.after(date, config.scheme.cases.rectify_days);
    let (mut opened, mut carried) = (Vec::new(), Vec::new());
    for s in store.case_sources(period)? {
        if cased.contains(&s.response_id) {
            continue;
        }
        let aspects = crate::analyse::cases::aspects(&config.scheme, &s.answers);
        if aspects.is_empty() {
            continue;
        }
        let same = |c: &Case| c.enterprise == s.enterprise && c.user_name == s.user_name && c.phone == s.phone;
        if let Some(i) = orphans.iter().position(same) {
            let c = orphans.swap_remove(i);
            carried.push((c.number, s.response_id, aspects));
            continue;
        }
        let n = seq.entry(s.enterprise.clone()).or_default();
        *n += 1;
        opened.push(Case {
            number: crate::results::cases::number(period, &s.enterprise, *n),
            period,
            enterprise: s.enterprise,
            response_id: s.response_id,
            user_name: s.user_name,
            phone: s.phone,
            survey_date: s.survey_date,
            aspects,
            opinion: s.opinion,
            opened_on: date,
            callback_due: callback.date,
            rectify_due: rectify.date,
            estimated: callback.estimated || rectify.estimated,
            utility: s.utility,
            user_type: s.user_type,
            monthly_usage: s.monthly_usage,
        });
    }
    Ok((opened, carried))
}

/// Records the cases opened and carried over by a release.
fn save_cases(store: &mut Store, opened: &[Case], carried: &[Carried]) -> Result<(), StoreError> {
    for (number, response, aspects) in carried {
        store.carry_case(number, *response, aspects)?;
    }
    store.save_cases(opened)
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
            insufficient: g.insufficient,
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
