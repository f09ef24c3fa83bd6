//! Publishing a period: every renderer's documents from its computed results, the manifest,
//! the improvement items kept in the store, and the public files copied to `public/`; and which
//! periods a run must publish again.

use std::path::{Path, PathBuf};

use chrono::Datelike;

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

    fn count(&self) -> Result<u32, StoreError> {
        self.store.count_detail(self.period)
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
    // The detail workbooks (every response, the longest to write) need nothing of the
    // scoring: they are written one after another on another core while the periods are
    // scored and their other documents written, each over its own read connection.
    let specs = (periods.iter())
        .map(|&p| Ok((p, detail_spec(config, store, p)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel();
        scope.spawn(move || {
            let reader = match Store::open_reader(&config.paths.database) {
                Ok(reader) => reader,
                Err(e) => {
                    // Said for the first period; the others find the thread gone.
                    if let Some((period, _)) = specs.first() {
                        let _ = tx.send((*period, Err(PublishError::from(e))));
                    }
                    return;
                }
            };
            for (period, spec) in specs {
                let started = std::time::Instant::now();
                let rows = Detail { store: &reader, period };
                let dir = config.paths.period_dir(period);
                let files = crate::render::detail::write(&spec, &rows, &config.scheme, &config.wording, &dir)
                    .map_err(PublishError::from);
                tracing::debug!("{period}: 明细表 in {:?}", started.elapsed());
                if tx.send((period, files)).is_err() {
                    break; // the documents stopped on an error
                }
            }
            // The scoring still runs on the other core: the report font is read now, not by
            // the reports' threads waiting on each other when they start.
            for weight in [crate::pdf::font::Weight::Regular, crate::pdf::font::Weight::Bold] {
                crate::pdf::font::face(weight);
            }
        });
        let mut details = DetailsAhead { rx, done: Vec::new() };
        publish_with(config, store, topics, periods, settles, &mut details)
    })
}

/// The detail workbooks being written beside the rest, in the order of the periods.
struct DetailsAhead {
    rx: std::sync::mpsc::Receiver<(Period, Result<Vec<PathBuf>, PublishError>)>,
    done: Vec<(Period, Result<Vec<PathBuf>, PublishError>)>,
}

impl DetailsAhead {
    /// Waits for the detail workbook of `period`.
    fn take(&mut self, period: Period) -> Result<Vec<PathBuf>, PublishError> {
        loop {
            if let Some(k) = self.done.iter().position(|(p, _)| *p == period) {
                return self.done.swap_remove(k).1;
            }
            match self.rx.recv() {
                Ok(done) => self.done.push(done),
                Err(_) => {
                    return Err(PublishError::Write {
                        what: "明细表",
                        dir: PathBuf::from(period.to_string()),
                        source: std::io::Error::other("明细表写入线程异常退出"),
                    });
                }
            }
        }
    }
}

/// What the detail workbook of `period` needs besides its rows, from the registry and the
/// store (as [`DetailSpec::of`](crate::render::detail::DetailSpec::of) has it from the results).
fn detail_spec(
    config: &Config,
    store: &Store,
    period: Period,
) -> Result<crate::render::detail::DetailSpec, StoreError> {
    let units = config.units.iter().map(|u| (u.code.as_str(), u.name.as_str()));
    let enterprises = || (config.enterprises.iter()).map(|e| (e.code.as_str(), e.name.as_str()));
    Ok(crate::render::detail::DetailSpec::new(
        &config.city,
        period,
        store.any_excluded(period)?,
        units.chain(enterprises()),
        enterprises(),
    ))
}

fn publish_with(
    config: &Config,
    store: &mut Store,
    topics: &Topics,
    periods: &[Period],
    settles: bool,
    details: &mut DetailsAhead,
) -> Result<Vec<PathBuf>, PublishError> {
    let mut all = Vec::new();
    let mut results = Vec::new();
    let mut years = Vec::new();
    {
        let mut reporter = Reporter::new(config, store, topics.clone());
        for &p in periods {
            results.push(reporter.compute(p)?);
        }
        // The year of every period written is written again (SPEC §13).
        let mut of: Vec<i32> = periods.iter().map(|p| p.first_day().year()).collect();
        of.sort_unstable();
        of.dedup();
        for year in of {
            let started = std::time::Instant::now();
            let cases = super::rectification::case_rates(config, store, year)?;
            years.push(reporter.annual(year, &cases)?);
            tracing::debug!("{year}: the year computed in {:?}", started.elapsed());
        }
    }
    // The years' documents are written beside the periods' (they read nothing of the store).
    let issues = (years.iter())
        .map(|a| year_issue(config, store, a))
        .collect::<Result<Vec<_>, _>>()?;
    let (written, periods) = std::thread::scope(|scope| {
        let yearly = scope.spawn(|| {
            (years.iter().zip(&issues))
                .map(|(a, (issue, documents))| {
                    let started = std::time::Instant::now();
                    let written = write_year_documents(config, a, issue, *documents);
                    tracing::debug!("{}: the year's documents in {:?}", a.year, started.elapsed());
                    written
                })
                .collect::<Vec<_>>()
        });
        let periods = publish_periods(config, store, &mut results, details);
        let written = yearly.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (written, periods)
    });
    // Then, as when the years came first: the years' public pages and old names, and the
    // periods' public files (each public page's index lists what public/ holds, the last one
    // written a period's). What was written is finished even when something failed; the first
    // failure in that order is returned.
    let mut failed = None;
    for ((a, (_, documents)), written) in years.iter().zip(issues).zip(written) {
        match written.and_then(|w| finish_year(config, a, w, documents)) {
            Ok(files) => all.extend(files),
            Err(e) => {
                failed.get_or_insert(e);
            }
        }
    }
    for (i, outputs) in &periods.public {
        if let Err(e) = mirror(config, &results[*i], outputs) {
            failed.get_or_insert(e);
            break;
        }
    }
    all.extend(periods.files);
    if let Some(e) = failed.or(periods.failed) {
        return Err(e);
    }
    if settles {
        store.clear_stale(&store.stale_periods()?)?;
    }
    Ok(all)
}

/// The periods' documents written by [`publish_periods`].
struct PeriodsWritten {
    /// Every period's files and manifest, up to a failure.
    files: Vec<PathBuf>,
    /// The periods (their places in the results) whose files go to the public folder, with
    /// their files.
    public: Vec<(usize, Vec<PathBuf>)>,
    /// The failure that stopped the periods, if one did.
    failed: Option<PublishError>,
}

/// Writes the documents of the periods whose results are `results`, and their manifests, in
/// the periods' order, until one fails.
fn publish_periods(
    config: &Config,
    store: &mut Store,
    results: &mut [PeriodResults],
    details: &mut DetailsAhead,
) -> PeriodsWritten {
    let mut out = PeriodsWritten {
        files: Vec::new(),
        public: Vec::new(),
        failed: None,
    };
    let rectification = match super::rectification::for_documents(config, store) {
        Ok(r) => r,
        Err(e) => {
            out.failed = Some(e.into());
            return out;
        }
    };
    for r in results.iter_mut() {
        r.rectification = rectification.clone();
    }
    for (i, r) in results.iter().enumerate() {
        match publish_period(config, store, r, details) {
            Ok((outputs, manifest, public)) => {
                if public {
                    out.public.push((i, outputs.clone()));
                }
                out.files.extend(outputs);
                out.files.push(manifest);
            }
            Err(e) => {
                out.failed = Some(e);
                break;
            }
        }
    }
    out
}

/// Writes one period's documents and manifest and records its improvement items; returns the
/// documents, the manifest, and whether the documents go to the public folder.
fn publish_period(
    config: &Config,
    store: &mut Store,
    r: &PeriodResults,
    details: &mut DetailsAhead,
) -> Result<(Vec<PathBuf>, PathBuf, bool), PublishError> {
    let dir = config.paths.period_dir(r.period);
    let before = crate::render::json::previous_outputs(&dir);
    if config.release.required {
        adopt_unsigned(config, store, r.period, &dir, &before)?;
    }
    // Results for everyone's use first (scores.json, the detail, feedback to submitters):
    // whether the issued documents are drafts depends on scores.json as it is now.
    let (outputs, issue) = render_phases(config, store, r, &dir, details)?;
    // Outputs of the period's previous computation that this one no longer makes (a unit's
    // feedback once its return is corrected, a draft once issued) go: only files this program
    // wrote.
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
    // The public folder gets the period's public files only, and under sign-off only what
    // `release` issues.
    Ok((outputs, manifest, issue == Some(Issue::Unsigned)))
}

/// Computes and writes one year's documents (`reports/<year>/`); `None` when no period of the
/// year has scored returns.
pub fn publish_year(
    config: &Config,
    store: &Store,
    topics: &Topics,
    year: i32,
) -> Result<Option<Vec<PathBuf>>, PublishError> {
    if !scored_periods(store)?.iter().any(|p| p.first_day().year() == year) {
        return Ok(None);
    }
    let cases = super::rectification::case_rates(config, store, year)?;
    let a = Reporter::new(config, store, topics.clone()).annual(year, &cases)?;
    Ok(Some(write_year(config, store, &a)?))
}

/// Writes a year's scores.json and, unless its issued version holds these results, its
/// documents (drafts under sign-off, a correction's once a version is issued); removes their
/// copies under the other name, and the drafts once the issued version holds the results.
fn write_year(
    config: &Config,
    store: &Store,
    a: &crate::results::annual::AnnualResults,
) -> Result<Vec<PathBuf>, PublishError> {
    let (issue, documents) = year_issue(config, store, a)?;
    let written = write_year_documents(config, a, &issue, documents);
    finish_year(config, a, written?, documents)
}

/// How a year's documents are issued, and whether they are written at all (not while the
/// issued version holds these results).
fn year_issue(
    config: &Config,
    store: &Store,
    a: &crate::results::annual::AnnualResults,
) -> Result<(Issue, bool), PublishError> {
    let last = store.year_releases(a.year)?.pop();
    Ok(match last {
        _ if !config.release.required => (Issue::Unsigned, true),
        Some(l) if l.scores == crate::render::annual::fingerprint(a) => (Issue::Unsigned, false),
        Some(_) => (Issue::Draft { correction: true }, true),
        None => (Issue::Draft { correction: false }, true),
    })
}

fn write_year_documents(
    config: &Config,
    a: &crate::results::annual::AnnualResults,
    issue: &Issue,
    documents: bool,
) -> Result<Vec<PathBuf>, PublishError> {
    let dir = config.paths.reports.join(a.year.to_string());
    Ok(crate::render::annual::write(
        a,
        &config.scheme,
        &config.wording,
        &dir,
        issue,
        documents,
    )?)
}

/// After a year's documents are `written`: its public page without sign-off, and the copies
/// under the other name (and the drafts, when the issued version holds the results) removed.
fn finish_year(
    config: &Config,
    a: &crate::results::annual::AnnualResults,
    written: Vec<PathBuf>,
    documents: bool,
) -> Result<Vec<PathBuf>, PublishError> {
    use crate::render::annual;
    let dir = config.paths.reports.join(a.year.to_string());
    // Without sign-off what is written is issued: its public page goes to public/.
    if !config.release.required {
        publish_year_page(config, a.year, &written)?;
    }
    let mut old = annual::other_names(&written);
    if !documents {
        // The issued version holds these results: no draft waits.
        old.extend(
            (std::fs::read_dir(&dir).into_iter().flatten().flatten())
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .filter(|p| {
                    (p.file_name()).is_some_and(|n| n.to_string_lossy().starts_with(crate::render::DRAFT_PREFIX))
                }),
        );
    }
    for old in old {
        if let Err(e) = std::fs::remove_file(&old)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("无法删除过时的 {}:{e}", old.display());
        }
    }
    Ok(written)
}

/// Puts a year's public page (among `written`) in `public/<year>/index.html`, readable by the
/// web server.
pub fn publish_year_page(config: &Config, year: i32, written: &[PathBuf]) -> Result<(), PublishError> {
    let public = config.paths.public.join(year.to_string());
    for page in written.iter().filter(|f| f.extension().is_some_and(|e| e == "html")) {
        let to = public.join("index.html");
        let copied = std::fs::create_dir_all(&public)
            .and_then(|()| crate::output::make_public(&public))
            .and_then(|()| std::fs::read(page))
            .and_then(|bytes| crate::output::write_atomic(&to, &bytes))
            .and_then(|()| crate::output::make_public(&to));
        copied.map_err(|source| PublishError::Write {
            what: "公示",
            dir: public.clone(),
            source,
        })?;
    }
    // The public index lists the year with the periods.
    let mut values = crate::wording::Values::new();
    values.insert("city", config.city.clone());
    let bureau = config.wording.bureau(&values);
    values.insert("bureau", bureau);
    crate::render::public::write_index(&config.paths.public, &config.wording, &values).map_err(|source| {
        PublishError::Write {
            what: "公示",
            dir: config.paths.public.clone(),
            source,
        }
    })
}

/// Writes again the years whose assessment moved without a period changing (those of
/// `published` were just written): a day has passed since, or a returned ledger changed their
/// cases' on-time counts.
pub fn refresh_years(config: &Config, store: &Store) -> Result<(), PublishError> {
    let mut years: Vec<i32> = (scored_periods(store)?.iter()).map(|p| p.first_day().year()).collect();
    years.sort_unstable();
    years.dedup();
    // A year just written is checked too: the loop's refresh may have moved a deadline since.
    for year in years {
        let path = config
            .paths
            .reports
            .join(year.to_string())
            .join(crate::render::json::SCORES);
        let written: Option<serde_json::Value> =
            std::fs::read(&path).ok().and_then(|b| serde_json::from_slice(&b).ok());
        let cases = super::rectification::case_rates(config, store, year)?;
        let same = written.is_some_and(|doc| {
            doc["as_of"] == config.today.to_string()
                && (doc["enterprises"].as_array().into_iter().flatten()).all(|e| {
                    let (n, r) = cases
                        .get(e["enterprise"].as_str().unwrap_or_default())
                        .copied()
                        .unwrap_or_default();
                    e["cases"] == n
                        && e["rectify_due"] == r.rectify_due
                        && e["rectified_in_time"] == r.rectified_in_time
                        && e["callback_due"] == r.callback_due
                        && e["called_back_in_time"] == r.called_back_in_time
                })
        });
        if !same {
            publish_year(config, store, &config.topics, year)?;
        }
    }
    Ok(())
}

/// Who a version issued before sign-off was required is recorded as signed by.
pub const ISSUED_BEFORE_SIGN_OFF: &str = "（启用审核签发前已印发）";

/// Documents a period had issued before sign-off was required (written by an earlier version
/// of the program, or with `required = false`) are what its recipients and the public hold:
/// they are taken over as its version 1, as they are, instead of being withdrawn.
fn adopt_unsigned(
    config: &Config,
    store: &Store,
    period: Period,
    dir: &Path,
    before: &[PathBuf],
) -> Result<(), PublishError> {
    use crate::render::DRAFT_PREFIX;
    let top = |p: &Path| p.parent() == Some(dir);
    let name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let issued_unsigned = before
        .iter()
        .any(|p| top(p) && name(p).ends_with(".pdf") && !name(p).starts_with(DRAFT_PREFIX) && p.is_file());
    if !issued_unsigned || store.latest_release(period)?.is_some() {
        return Ok(());
    }
    let mut v = crate::wording::Values::new();
    v.insert("period_label", period.label_zh());
    v.insert("city", config.city.clone());
    let detail = format!("{}.xlsx", config.wording.name("detail_workbook", &v));
    let feedback = format!("{}/", crate::render::feedback::FOLDER);
    let kept: Vec<&PathBuf> = (before.iter())
        .filter(|p| p.is_file() && p.strip_prefix(dir).is_ok_and(|r| !r.starts_with(&feedback)))
        .filter(|p| !(top(p) && name(p) == detail) && name(p) != crate::render::json::MANIFEST)
        .collect();
    let out = dir.join(crate::render::issued_folder(1));
    let fail = |source| PublishError::Write {
        what: "启用签发前的文件",
        dir: out.clone(),
        source,
    };
    let mut copies = Vec::new();
    for p in kept {
        let to = out.join(p.strip_prefix(dir).unwrap_or(p));
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        crate::output::write_atomic(&to, &std::fs::read(p).map_err(fail)?).map_err(fail)?;
        copies.push(to);
    }
    let scores = dir.join(crate::render::json::SCORES);
    let (depends_on, inputs) = crate::render::json::manifest_basis(dir);
    let figures = (crate::render::json::enterprise_figures(&scores).into_iter())
        .map(
            |(enterprise, composite, n, insufficient)| crate::results::release::Figures {
                enterprise,
                composite,
                n,
                insufficient,
            },
        )
        .collect();
    let record = crate::store::ReleaseRecord {
        period,
        version: 1,
        signer: ISSUED_BEFORE_SIGN_OFF.to_string(),
        date: config.today,
        number: None,
        depends_on,
        scores: crate::render::json::results_fingerprint(&scores).unwrap_or_default(),
        inputs,
        figures,
    };
    crate::render::json::write_adopted_manifest(&out, period, &copies, &record).map_err(fail)?;
    store.record_release(&record)?;
    tracing::info!("{period}:启用审核签发前已印发的文件作为第 1 版保存在 {}", out.display());
    Ok(())
}

/// Writes the documents of the renderers `which` picks for results `r` into `dir`, marked as
/// `issue` says; returns the files in the renderers' order.
pub(super) fn render(
    config: &Config,
    store: &Store,
    r: &PeriodResults,
    dir: &Path,
    issue: &Issue,
    which: impl Fn(&dyn Renderer) -> bool,
) -> Result<Vec<PathBuf>, PublishError> {
    let (outputs, _) = render_in_phases(config, store, r, dir, (issue, &which), Then::Known(None), None)?;
    Ok(outputs)
}

/// A period's documents in their two phases: those for everyone's use unmarked (scores.json,
/// the detail, feedback), then, as [`issue_for`] says, the issued ones marked (the reports, the
/// summary, the public page, the ledgers). Returns the files in that order and the issue the
/// second phase had.
fn render_phases(
    config: &Config,
    store: &Store,
    r: &PeriodResults,
    dir: &Path,
    details: &mut DetailsAhead,
) -> Result<(Vec<PathBuf>, Option<Issue>), PublishError> {
    let unissued = |x: &dyn Renderer| !x.issued();
    let after = || issue_for(config, store, r.period, dir);
    let then = match issue_ahead(config, store, r.period)? {
        Ahead::Known(issue) => Then::Known(issue),
        Ahead::Issued(_) => Then::After(&after),
    };
    render_in_phases(
        config,
        store,
        r,
        dir,
        (&Issue::Unsigned, &unissued),
        then,
        Some(details),
    )
}

/// A phase of rendering: the issue its documents are marked with, and which renderers it runs.
type Phase<'a> = (&'a Issue, &'a dyn Fn(&dyn Renderer) -> bool);

/// The issue of the issued documents, when there are any to write: known before the first
/// phase (both phases are then written side by side), or asked once the first is written.
enum Then<'a> {
    Known(Option<Issue>),
    After(&'a dyn Fn() -> Result<Option<Issue>, PublishError>),
}

/// The renderers a first phase picks, then, with the issue `then` gives, the issued ones marked
/// with it, all in the renderers' order. The detail workbook, when `ahead` writes it beside,
/// takes its place in the order once it is done.
fn render_in_phases(
    config: &Config,
    store: &Store,
    r: &PeriodResults,
    dir: &Path,
    (issue, which): Phase<'_>,
    then: Then<'_>,
    ahead: Option<&mut DetailsAhead>,
) -> Result<(Vec<PathBuf>, Option<Issue>), PublishError> {
    let detail = Detail {
        store,
        period: r.period,
    };
    fn context<'a>(
        config: &'a Config,
        r: &'a PeriodResults,
        detail: Option<&'a dyn DetailRows>,
        dir: &'a Path,
        issue: &'a Issue,
    ) -> RenderContext<'a> {
        RenderContext {
            results: r,
            detail,
            scheme: &config.scheme,
            wording: &config.wording,
            dir,
            issue,
            notice_days: config.release.notice_days,
        }
    }
    let all = crate::render::renderers();
    let detail_name = crate::render::detail::DetailWorkbook.name();
    let one = |x: &dyn Renderer, issue: &Issue, rows: Option<&dyn DetailRows>| -> Result<Vec<PathBuf>, PublishError> {
        let started = std::time::Instant::now();
        let files = x.render(&context(config, r, rows, dir, issue))?;
        tracing::debug!("{}: {} in {:?}", r.period, x.name(), started.elapsed());
        Ok(files)
    };
    // A phase's documents are independent of one another: those that read no rows are written
    // side by side, each on its own thread; the detail (the store's rows, which stay on this
    // thread) here. Their files in the renderers' order; the first failure in that order.
    let phase = |xs: Vec<(&dyn Renderer, &Issue)>| -> Result<Vec<Vec<PathBuf>>, PublishError> {
        std::thread::scope(|scope| {
            let threads: Vec<_> = (xs.iter())
                .map(|&(x, issue)| (x.name() != detail_name).then(|| scope.spawn(move || one(x, issue, None))))
                .collect();
            // Every thread joined before any result is looked at: a panic is raised as such,
            // not lost behind an earlier renderer's error.
            let done: Vec<_> = (xs.iter().zip(threads))
                .map(|(&(x, issue), thread)| match thread {
                    Some(t) => t.join(),
                    None => Ok(one(x, issue, Some(&detail))),
                })
                .collect();
            (done.into_iter())
                .map(|d| d.unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        })
    };
    // Each document's files in its place; the detail's, written ahead, when it is done.
    let first: Vec<(&dyn Renderer, &Issue)> = (all.iter().map(|x| x.as_ref()))
        .filter(|x| which(*x) && !(x.name() == detail_name && ahead.is_some()))
        .map(|x| (x, issue))
        .collect();
    let slot = (ahead.is_some())
        .then(|| {
            all.iter()
                .filter(|x| which(x.as_ref()))
                .position(|x| x.name() == detail_name)
        })
        .flatten();
    let issued = |issue| {
        (all.iter().map(|x| x.as_ref()))
            .filter(|x| x.issued())
            .map(move |x| (x, issue))
    };
    let (mut outputs, last) = match then {
        Then::Known(last) => {
            let both = first.into_iter().chain(last.iter().flat_map(issued)).collect();
            (phase(both)?, last)
        }
        Then::After(then) => {
            let mut outputs = phase(first)?;
            let last = then()?;
            if let Some(issue) = &last {
                outputs.extend(phase(issued(issue).collect())?);
            }
            (outputs, last)
        }
    };
    if let Some(i) = slot {
        outputs.insert(i, Vec::new());
    }
    if let (Some(i), Some(ahead)) = (slot, ahead) {
        outputs[i] = ahead.take(r.period)?;
    }
    Ok((outputs.into_iter().flatten().collect(), last))
}

/// How the issued documents of a period are written, as far as it is known before its
/// scores.json is written.
enum Ahead {
    /// Known: unmarked without sign-off, a draft before the first release.
    Known(Option<Issue>),
    /// A version is issued, with these results (its fingerprint): what to write depends on
    /// whether the scores.json about to be written holds the same.
    Issued(String),
}

fn issue_ahead(config: &Config, store: &Store, period: Period) -> Result<Ahead, PublishError> {
    if !config.release.required {
        return Ok(Ahead::Known(Some(Issue::Unsigned)));
    }
    Ok(match store.latest_release(period)? {
        None => Ahead::Known(Some(Issue::Draft { correction: false })),
        Some(last) => Ahead::Issued(last.scores),
    })
}

/// How the issued documents of a period just computed into `dir` are written: unmarked
/// without sign-off; a draft before the first release and after a change to the results
/// issued (a correction's draft); not at all while the issued version is in force unchanged.
fn issue_for(config: &Config, store: &Store, period: Period, dir: &Path) -> Result<Option<Issue>, PublishError> {
    Ok(match issue_ahead(config, store, period)? {
        Ahead::Known(issue) => issue,
        Ahead::Issued(scores) if Some(&scores) == results_fingerprint(dir).as_ref() => None,
        Ahead::Issued(_) => Some(Issue::Draft { correction: true }),
    })
}

/// The fingerprint of the results in the period's scores.json in `dir`, if it has one: what a
/// release is compared with to tell whether the results changed since.
pub fn results_fingerprint(dir: &Path) -> Option<String> {
    crate::render::json::results_fingerprint(&dir.join(crate::render::json::SCORES))
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
