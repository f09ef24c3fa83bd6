//! Renderers, the last stage: each turns one period's [`PeriodResults`] into files in the
//! period's folder. They share one input, the [`RenderContext`], and nothing else: no
//! renderer queries the database or recomputes a score. Every file is written atomically,
//! and the same results give the same bytes (no wall-clock time inside). The blank return
//! form ([`form`]) is written here too, with the workbook helpers ([`xlsx`]) all workbooks share.

pub mod detail;
pub mod feedback;
pub mod form;
pub mod json;
pub mod notice;
pub mod public;
pub mod report;
pub mod sheet;
pub mod summary;
pub mod xlsx;

use std::path::{Path, PathBuf};

use crate::results::Level;
use crate::results::PeriodResults;
use crate::store::{DetailRow, StoreError};
use crate::wording::{Values, Wording};

/// The period's valid responses one at a time, for the internal detail workbook: the report
/// stage hands renderers this stream instead of the database.
pub trait DetailRows {
    /// Calls `f` with each response, by submitter and file, in row order.
    fn for_each(&self, f: &mut dyn FnMut(&DetailRow<'_>) -> Result<(), StoreError>) -> Result<(), StoreError>;
}

/// What every renderer gets: the period's results, the stream of its responses, the report
/// wording and the folder to write into.
pub struct RenderContext<'a> {
    pub results: &'a PeriodResults,
    pub detail: &'a dyn DetailRows,
    /// The scheme the results were computed under (items, thresholds), for explanations.
    pub scheme: &'a crate::scheme::Scheme,
    pub wording: &'a Wording,
    /// `reports/<period>/`.
    pub dir: &'a Path,
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
pub trait Renderer {
    /// What it makes, for messages.
    fn name(&self) -> &'static str;
    /// Writes its files into the context's folder; returns their paths.
    fn render(&self, cx: &RenderContext<'_>) -> Result<Vec<PathBuf>, RenderError>;
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
    ]
}
