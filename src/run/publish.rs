//! Publishing a period: every renderer's documents from its computed results, the manifest,
//! the improvement items kept in the store, and the public files copied to `public/`; and which
//! periods a run must publish again.

use std::path::{Path, PathBuf};

use crate::compute::{Reporter, scored_periods};
use crate::config::Config;
use crate::period::Period;
use crate::render::{DetailRows, RenderContext, RenderError, Renderer};
use crate::results::PeriodResults;
use crate::results::release::Issue;
use crate::store::{Store, StoreError};
use crate::topics::Topics;

/// A period's responses, streamed from the store to the renderers.
struct Detail<'s> {
    store: &'s Store,
    period: Period,
}

impl DetailRows for Detail<'_> {
    fn for_each(
        &self,
        f: &mut dyn FnMut(&crate::store::DetailRow<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.store.for_each_detail(self.period, f)
    }
}

/// Computes and writes the outputs of each period: every renderer's files, then
/// manifest.json; records the improvement items. Returns the files written.
///
/// `settles` says that `periods` is the whole [`affected`] set, so every change is now
/// reflected everywhere and the stale marks can go; `report --period P` rewrites one period
/// and leaves the marks for the next `run` to finish P's dependants too.
pub fn publish(
    config: &Config,
    store: &mut Store,
    topics: &Topics,
    periods: &[Period],
    settles: bool,
) -> Result<Vec<PathBuf>, PublishError> {
    let mut all = Vec::new();
    let mut results = Vec::new();
    {
        let mut reporter = Reporter::new(config, store, topics.clone());
        for &p in periods {
            results.push(reporter.compute(p)?);
        }
    }
    for r in &results {
        let dir = config.paths.period_dir(r.period);
        let before = crate::render::json::previous_outputs(&dir);
        // Results for everyone's use first (scores.json, the detail, feedback to submitters):
        // whether the issued documents are drafts depends on scores.json as it is now.
        let plain = Issue::Unsigned;
        let mut outputs = render(config, store, r, &dir, &plain, |x| !x.issued())?;
        let issue = issue_for(config, store, r.period, &dir)?;
        if let Some(issue) = &issue {
            outputs.extend(render(config, store, r, &dir, issue, |x| x.issued())?);
        }
        // Outputs of the period's previous computation that this one no longer makes (a
        // unit's feedback once its return is corrected, a draft once issued) go: only files
        // this program wrote.
        for old in before.iter().filter(|p| !outputs.contains(p)) {
            if let Err(e) = std::fs::remove_file(old)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!("无法删除过时的 {}:{e}", old.display());
            }
        }
        let releases = store.releases(r.period)?;
        let manifest =
            crate::render::json::write_manifest(r, &dir, &outputs, &releases).map_err(|e| PublishError::Write {
                what: "manifest.json",
                dir: dir.clone(),
                source: e,
            })?;
        store.save_items(r.period, &r.improvement_items)?;
        // The public folder gets the period's public files only, and under sign-off only
        // what `release` issues.
        if issue == Some(Issue::Unsigned) {
            mirror(config, r, &outputs)?;
        }
        all.extend(outputs);
        all.push(manifest);
    }
    if settles {
        store.clear_stale(&store.stale_periods()?)?;
    }
    Ok(all)
}

/// Writes the documents of the renderers `which` picks for results `r` into `dir`, marked as
/// `issue` says; returns their paths.
pub(super) fn render(
    config: &Config,
    store: &Store,
    r: &PeriodResults,
    dir: &Path,
    issue: &Issue,
    which: impl Fn(&dyn Renderer) -> bool,
) -> Result<Vec<PathBuf>, PublishError> {
    let detail = Detail {
        store,
        period: r.period,
    };
    let cx = RenderContext {
        results: r,
        detail: &detail,
        scheme: &config.scheme,
        wording: &config.wording,
        dir,
        issue,
        notice_days: config.release.notice_days,
    };
    let mut outputs = Vec::new();
    for renderer in crate::render::renderers().iter().filter(|x| which(x.as_ref())) {
        let started = std::time::Instant::now();
        outputs.extend(renderer.render(&cx)?);
        tracing::debug!("{}: {} in {:?}", r.period, renderer.name(), started.elapsed());
    }
    Ok(outputs)
}

/// How the issued documents of a period just computed into `dir` are written: unmarked
/// without sign-off; a draft before the first release and after a change to the results
/// issued (a correction's draft); not at all while the issued version is in force unchanged.
fn issue_for(config: &Config, store: &Store, period: Period, dir: &Path) -> Result<Option<Issue>, PublishError> {
    if !config.release.required {
        return Ok(Some(Issue::Unsigned));
    }
    Ok(match store.latest_release(period)? {
        None => Some(Issue::Draft { correction: false }),
        Some(last) if Some(&last.scores) == scores_sha256(dir).as_ref() => None,
        Some(_) => Some(Issue::Draft { correction: true }),
    })
}

/// The sha256 of the period's scores.json in `dir`, if it has one: what a release is compared
/// with to tell whether the results changed since.
pub fn scores_sha256(dir: &Path) -> Option<String> {
    crate::inbox::sha256(&dir.join(crate::render::json::SCORES))
        .ok()
        .map(|(sha, _)| sha)
}

/// Copies the period's public files among `outputs` to the public folder.
pub(super) fn mirror(config: &Config, r: &PeriodResults, outputs: &[PathBuf]) -> Result<(), PublishError> {
    let values = crate::render::wording_values(r);
    crate::render::public::mirror(&config.paths.public, r.period, outputs, &config.wording, &values).map_err(|e| {
        PublishError::Write {
            what: "公示",
            dir: config.paths.public.clone(),
            source: e,
        }
    })
}

/// The periods to recompute: each period whose returns changed since its outputs were
/// written, the later periods of the same kind (their declines and improvement items depend
/// on it), the quarter of a changed month (its self-assessment pools the months), and any
/// period with data whose outputs are missing or were made under another registry, scheme,
/// topic dictionary, wording or program version (its manifest's `depends_on`). Only periods
/// with scored returns are kept.
pub fn affected(config: &Config, store: &Store) -> Result<Vec<Period>, StoreError> {
    let touched = store.stale_periods()?;
    let with_data = scored_periods(store)?;
    let mut out = std::collections::BTreeSet::new();
    for &p in &touched {
        let quarter = p.quarter();
        for &q in &with_data {
            let same_kind_later = q.is_quarter() == p.is_quarter() && q >= p;
            let its_quarter = q == quarter;
            if same_kind_later || its_quarter {
                out.insert(q);
            }
        }
    }
    let current = config.dependency_hash();
    for &q in &with_data {
        let dir = config.paths.period_dir(q);
        let made_under = crate::render::json::depends_on(&dir);
        if !dir.join(crate::render::json::SCORES).is_file() || made_under.as_deref() != Some(current.as_str()) {
            out.insert(q);
        }
    }
    Ok(out.into_iter().collect())
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("无法写入{what}到 {}:{source}", dir.display())]
    Write {
        what: &'static str,
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// Clears the recompute marks of periods with nothing to score (a month whose only return was
/// rejected, and no quarter of its own with data): they have no documents to write, and a mark
/// left would hold back their notices for ever.
pub fn settle_unscored(store: &Store) -> Result<(), StoreError> {
    let scored = scored_periods(store)?;
    let idle: Vec<Period> = (store.stale_periods()?.into_iter())
        .filter(|p| !scored.iter().any(|q| q == p || *q == p.quarter()))
        .collect();
    if !idle.is_empty() {
        store.clear_stale(&idle)?;
    }
    Ok(())
}
