//! Renderers, the last stage: each turns one period's [`PeriodResults`] into files in the
//! period's folder. They share one input, the [`RenderContext`], and nothing else: no
//! renderer queries the database or recomputes a score. Every file is written atomically,
//! and the same results give the same bytes (no wall-clock time inside). The blank return
//! form ([`form`]) is written here too, with the workbook helpers ([`xlsx`]) all workbooks share.

pub mod adhoc;
pub mod annual;
pub mod detail;
pub mod feedback;
pub mod form;
pub mod highlights;
pub mod json;
pub mod ledger;
pub mod notice;
pub mod public;
pub mod report;
pub mod sheet;
pub mod sheet_stream;
pub mod summary;
pub mod users;
pub mod xlsx;

use std::path::{Path, PathBuf};

use crate::results::Level;
use crate::results::PeriodResults;
use crate::results::release::Issue;
use crate::store::{DetailRow, StoreError};
use crate::wording::{Values, Wording};

/// The period's valid responses one at a time, for the internal detail workbook: the report
/// stage hands renderers this stream instead of the database.
pub trait DetailRows {
    /// Calls `f` with each response, by submitter and file, in row order.
    fn for_each(&self, f: &mut dyn FnMut(&DetailRow<'_>) -> Result<(), StoreError>) -> Result<(), StoreError>;

    /// How many responses [`for_each`](DetailRows::for_each) gives.
    fn count(&self) -> Result<u32, StoreError>;
}

/// What every renderer gets: the period's results, the stream of its responses, the report
/// wording and the folder to write into.
pub struct RenderContext<'a> {
    pub results: &'a PeriodResults,
    /// The responses, for the detail workbook; none for the issued documents, which are
    /// written side by side and never read rows.
    pub detail: Option<&'a dyn DetailRows>,
    /// The scheme the results were computed under (items, thresholds), for explanations.
    pub scheme: &'a crate::scheme::Scheme,
    pub wording: &'a Wording,
    /// `reports/<period>/`, or an issued version's folder under it.
    pub dir: &'a Path,
    /// How the documents are marked: a draft, an issued version, or unmarked (SPEC §9b).
    pub issue: &'a Issue,
    /// The public notice period in working days, for a draft's note (SPEC §9b).
    pub notice_days: u32,
}

/// The folder of a period's issued versions, under its reports folder (SPEC §9b).
pub const ISSUED: &str = "签发";

/// Where issued version `version` is kept, relative to the period's folder: `签发/第1版`.
pub fn issued_folder(version: u32) -> String {
    format!("{ISSUED}/第{version}版")
}

/// The start of a draft document's file name (SPEC §9b).
pub const DRAFT_PREFIX: &str = "【送审稿】";

/// A document's place with a draft's file name: `【送审稿】` before the name.
pub fn as_draft(rel: &Path) -> PathBuf {
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    rel.with_file_name(format!("{DRAFT_PREFIX}{name}"))
}

impl<'a> RenderContext<'a> {
    /// How this context's documents are named and marked.
    pub fn marks(&self) -> Marks<'a> {
        Marks {
            issue: self.issue,
            wording: self.wording,
            dir: self.dir,
        }
    }
}

/// How documents are named and marked under review and sign-off (SPEC §9b); shareable
/// between the threads that write reports.
#[derive(Clone, Copy)]
pub struct Marks<'a> {
    pub issue: &'a Issue,
    wording: &'a Wording,
    dir: &'a Path,
}

impl<'a> Marks<'a> {
    /// The wording the marks are written in.
    pub fn wording(&self) -> &'a Wording {
        self.wording
    }

    /// Where a document goes in the folder: its place, under a draft's name for a draft.
    pub fn path(&self, values: &Values, doc: Handout<'_>) -> PathBuf {
        self.place(&document_path(self.wording, values, doc))
    }

    /// `rel` in the folder, under a draft's name for a draft.
    pub fn place(&self, rel: &Path) -> PathBuf {
        self.dir.join(if self.issue.is_draft() {
            as_draft(rel)
        } else {
            rel.to_path_buf()
        })
    }

    /// What marks the documents in their running header and title: 送审稿, 更正送审稿, or an
    /// issued correction's version (第 2 版(更正)); nothing for a first version or unmarked.
    pub fn mark(&self) -> Option<String> {
        match self.issue {
            Issue::Unsigned => None,
            Issue::Draft { correction: false } => Some(self.wording.text("release.draft").into()),
            Issue::Draft { correction: true } => Some(self.wording.text("release.correction_draft").into()),
            Issue::Issued(r) if r.is_correction() => {
                Some(self.wording.with("release.version", &[("version", &r.version)]))
            }
            Issue::Issued(_) => None,
        }
    }

    /// A document's title as marked: 【送审稿】 before a draft's, the version after a correction's.
    pub fn titled(&self, title: &str) -> String {
        match (self.issue, self.mark()) {
            (Issue::Draft { .. }, Some(m)) => format!("【{m}】{title}"),
            (_, Some(m)) => format!("{title} {m}"),
            (_, None) => title.to_string(),
        }
    }

    /// The date a document carries: the release date of an issued version, else `otherwise`
    /// (the period's last day).
    pub fn dated(&self, otherwise: chrono::NaiveDate) -> chrono::NaiveDate {
        self.issue.release().map_or(otherwise, |r| r.date)
    }
}

/// A document that could not be written: which renderer, which file, why.
#[derive(Debug, thiserror::Error)]
#[error("{renderer}无法写出 {}:{}", path.display(), crate::output::io_zh(source))]
pub struct RenderError {
    pub renderer: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl RenderError {
    /// An error of `renderer` writing `path`.
    pub fn new(renderer: &'static str, path: &Path, source: std::io::Error) -> RenderError {
        RenderError {
            renderer,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A renderer of period results.
pub trait Renderer: Sync {
    /// What it makes, for messages.
    fn name(&self) -> &'static str;
    /// Writes its files into the context's folder; returns their paths.
    fn render(&self, cx: &RenderContext<'_>) -> Result<Vec<PathBuf>, RenderError>;
    /// Whether its documents are results the bureau issues (SPEC §9b): drafts until a period
    /// is signed off, then frozen in each issued version. Feedback to submitters and the
    /// internal detail are not.
    fn issued(&self) -> bool {
        false
    }
}

/// A document handed to a recipient, by who it is for.
#[derive(Debug, Clone, Copy)]
pub enum Handout<'a> {
    CityReport,
    SummaryWorkbook,
    /// An enterprise's report, by its name.
    EnterpriseReport(&'a str),
    /// A unit's feedback workbook, by its name.
    FeedbackWorkbook(&'a str),
    /// An enterprise's ledger (整改台账), by its name.
    Ledger(&'a str),
}

/// Where a document is in its period's folder (relative): the one place the renderers and
/// delivery take file names from. `values` need only the placeholders file names may use.
pub fn document_path(wording: &Wording, values: &Values, doc: Handout<'_>) -> PathBuf {
    let mut v = values.clone();
    let (key, folder, ext) = match doc {
        Handout::CityReport => ("city_report", None, "pdf"),
        Handout::SummaryWorkbook => ("summary_workbook", None, "xlsx"),
        Handout::EnterpriseReport(name) => {
            v.insert("enterprise", name.to_string());
            ("enterprise_report", Some(report::FOLDER), "pdf")
        }
        Handout::FeedbackWorkbook(name) => {
            v.insert("unit", name.to_string());
            ("feedback_workbook", Some(feedback::FOLDER), "xlsx")
        }
        Handout::Ledger(name) => {
            v.insert("enterprise", name.to_string());
            ("ledger_workbook", Some(ledger::FOLDER), "xlsx")
        }
    };
    let file = format!("{}.{ext}", wording.name(key, &v));
    folder.map_or_else(|| PathBuf::from(&file), |f| Path::new(f).join(&file))
}

/// A score as documents show it: two decimals, or — when there is none.
pub fn score_text(x: Option<f64>) -> String {
    x.map_or("—".into(), |x| {
        format!("{:.2}", crate::score::stats::round_half_away(x, 2))
    })
}

/// A change as documents show it: +1.23, −2.10 (a true minus sign), 0.00, or —.
pub fn change_text(x: Option<f64>) -> String {
    x.map_or("—".into(), |x| {
        let x = crate::score::stats::round_half_away(x, 2);
        if x > 0.0 {
            format!("+{x:.2}")
        } else if x < 0.0 {
            format!("\u{2212}{:.2}", -x)
        } else {
            "0.00".into()
        }
    })
}

/// A date in Chinese: 2026年9月30日.
pub fn date_zh(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// The placeholder values of a period's wording.
pub fn wording_values(r: &PeriodResults) -> Values {
    let city = r.city_group();
    let mut v = Values::new();
    v.insert("city", r.city.clone());
    v.insert("period", r.period.to_string());
    v.insert("period_label", r.period.label_zh());
    v.insert("kind", r.kind.label().to_string());
    v.insert("responses", city.map_or(0, |g| g.n).to_string());
    v.insert(
        "enterprises",
        r.groups
            .iter()
            .filter(|g| g.level == Level::Enterprise)
            .count()
            .to_string(),
    );
    let fmt = |x: Option<f64>| {
        x.map_or("—".to_string(), |x| {
            format!("{:.2}", crate::score::stats::round_half_away(x, 2))
        })
    };
    v.insert("composite", fmt(city.and_then(|g| g.composite)));
    v.insert("overall", fmt(city.and_then(|g| g.overall)));
    v.insert("min_sample", r.min_sample.to_string());
    v.insert(
        "items",
        r.improvement_items.iter().filter(|i| i.is_open()).count().to_string(),
    );
    v.insert("missing", r.quality.missing.to_string());
    v
}

/// Adds the placeholder values the scheme decides: the action line, the deadline and the
/// answers an item needs before it is judged.
pub fn scheme_values(v: &mut Values, scheme: &crate::scheme::Scheme) {
    let th = &scheme.thresholds;
    v.insert("threshold", format!("{}", th.action));
    v.insert("deadline_days", th.deadline_days.to_string());
    v.insert("min_answers", th.min_answers.to_string());
}

/// Every renderer, in the order they run: the one place documents are registered.
pub fn renderers() -> Vec<Box<dyn Renderer>> {
    vec![
        Box::new(json::ScoresJson),
        Box::new(summary::SummaryWorkbook),
        Box::new(detail::DetailWorkbook),
        Box::new(report::CityReport),
        Box::new(report::EnterpriseReports),
        Box::new(public::PublicDisclosure),
        Box::new(feedback::FeedbackWorkbooks),
        Box::new(ledger::LedgerWorkbooks),
    ]
}
