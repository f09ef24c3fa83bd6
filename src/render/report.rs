//! The PDF analysis reports (SPEC §8): one for the city's leaders (全市分析报告) and one for
//! each enterprise, laid out with [`crate::pdf`] from the period's results only. They hold no
//! personal data: registry names, counts, scores and the masked quotes of the analysis.

use std::path::{Path, PathBuf};

use super::{RenderContext, RenderError, Renderer, change_text as delta, date_zh, score_text as score};
use crate::pdf::chart::{Bars, Chart, Columns, Lines};
use crate::pdf::doc::Style;
use crate::pdf::font::Weight;
use crate::pdf::{Align, Column, Doc, Table, Tone};
use crate::results::release::{Change, Figures, Issue, Release};
use crate::results::{GroupResult, ImprovementItem, Level, PeriodResults};
use crate::score::stats::round_half_away;
use crate::wording::{Values, Wording};

pub struct CityReport;
pub struct EnterpriseReports;

/// The key of the city's group in the results (data, not wording: see `results::Level::City`).
pub(super) const CITY_KEY: &str = "全市";

/// The folder of a period's enterprise reports.
pub const FOLDER: &str = "企业报告";

/// How many bars a ranking chart holds before it continues in another.
const BARS_PER_CHART: usize = 36;
/// Quotes shown per topic, and their length.
const QUOTES: usize = 2;
const QUOTE_CHARS: usize = 60;

fn p_text(p: Option<f64>) -> String {
    p.map_or("—".into(), |p| {
        if p < 0.001 {
            "<0.001".into()
        } else {
            format!("{:.3}", round_half_away(p, 3))
        }
    })
}

fn cols(spec: &[(&str, f32, Align)]) -> Vec<Column> {
    spec.iter().map(|(t, w, a)| Column::new(t, *w, *a)).collect()
}

/// Chinese numerals for section numbers.
const NUMERALS: [&str; 12] = [
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
];

/// Section numbers in the Chinese style: 一、 for sections, （一） for their parts.
pub(super) struct Sections(pub(super) usize);

impl Sections {
    pub(super) fn next(&mut self, title: &str) -> String {
        self.0 += 1;
        format!("{}、{title}", NUMERALS.get(self.0 - 1).copied().unwrap_or(NUMERALS[11]))
    }

    /// The `n`th part (from 1) of a section.
    fn part(n: usize, title: &str) -> String {
        format!("（{}）{title}", NUMERALS.get(n - 1).copied().unwrap_or(NUMERALS[11]))
    }
}

/// What the reports read of the render context (all of it shareable between threads).
struct Ctx<'a> {
    results: &'a PeriodResults,
    scheme: &'a crate::scheme::Scheme,
    wording: &'a crate::wording::Wording,
    marks: super::Marks<'a>,
}

impl<'a> Ctx<'a> {
    fn of(cx: &RenderContext<'a>) -> Ctx<'a> {
        Ctx {
            results: cx.results,
            scheme: cx.scheme,
            wording: cx.wording,
            marks: cx.marks(),
        }
    }

    /// A report's running header: its title and period, after the draft's or version's mark.
    fn running(&self, title: &str) -> String {
        let base = format!("{title} · {}", self.results.period.label_zh());
        self.marks.mark().map_or(base.clone(), |m| format!("{m} · {base}"))
    }
}

fn values(cx: &Ctx<'_>) -> Values {
    let mut v = super::wording_values(cx.results);
    super::scheme_values(&mut v, cx.scheme);
    let bureau = cx.wording.bureau(&v);
    v.insert("bureau", bureau);
    v
}

/// Writes a finished document atomically; a character the font lacks is reported.
pub(super) fn save(renderer: &'static str, doc: Doc, path: &Path) -> Result<(), RenderError> {
    if !doc.missing.is_empty() {
        let chars: String = doc.missing.iter().collect();
        tracing::warn!("{}：字体中没有这些字符，已显示为 □：{chars}", path.display());
    }
    let bytes = doc
        .finish()
        .map_err(|e| RenderError::new(renderer, path, std::io::Error::other(e)))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| RenderError::new(renderer, path, e))?;
    }
    crate::output::write_atomic(path, &bytes).map_err(|e| RenderError::new(renderer, path, e))
}

impl Renderer for CityReport {
    fn name(&self) -> &'static str {
        "全市分析报告"
    }

    fn render(&self, cx: &RenderContext<'_>) -> Result<Vec<PathBuf>, RenderError> {
        let cx = &Ctx::of(cx);
        let v = values(cx);
        let path = cx.marks.path(&v, super::Handout::CityReport);
        save(self.name(), city_report(cx, &v), &path)?;
        Ok(vec![path])
    }

    fn issued(&self) -> bool {
        true
    }
}

impl Renderer for EnterpriseReports {
    fn name(&self) -> &'static str {
        "企业分析报告"
    }

    fn render(&self, cx: &RenderContext<'_>) -> Result<Vec<PathBuf>, RenderError> {
        let cx = &Ctx::of(cx);
        let v = values(cx);
        let ranked = cx.results.ranked_enterprises();
        let jobs: Vec<(Option<usize>, &GroupResult)> = ranked;
        // Each report is independent: threads take the next one as they come free (written
        // beside the period's other documents, a fixed half each would leave one thread idle
        // while the other still had reports to write).
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut done: Vec<(usize, Result<PathBuf, RenderError>)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads.min(jobs.len()))
                .map(|_| {
                    let (v, next, jobs) = (&v, &next, &jobs);
                    s.spawn(move || {
                        let mut out = Vec::new();
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some((rank, g)) = jobs.get(i) else { break };
                            let mut v = v.clone();
                            v.insert("enterprise", g.name.clone());
                            let path = cx.marks.path(&v, super::Handout::EnterpriseReport(&g.name));
                            let saved = save(self.name(), enterprise_report(cx, &v, *rank, g), &path);
                            out.push((i, saved.map(|()| path)));
                        }
                        out
                    })
                })
                .collect();
            (handles.into_iter())
                .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        });
        // The first failure in the reports' order.
        done.sort_by_key(|(i, _)| *i);
        let mut out = done.into_iter().map(|(_, r)| r).collect::<Result<Vec<_>, _>>()?;
        out.sort();
        Ok(out)
    }

    fn issued(&self) -> bool {
        true
    }
}

pub(super) fn cover(d: &mut Doc, marks: &super::Marks<'_>, title: &str, period_line: &str, bureau: &str, date: &str) {
    use crate::pdf::chart::{Anchor, BLUE, GREY, INK};
    use crate::pdf::doc::{CONTENT_W, PAGE_W};
    let face = crate::pdf::font::face(Weight::Bold);
    let mut y = 250.0;
    // On one line if it fits at 18 points or more; else on lines of even length (a title
    // is not left with one character on its second line).
    let size = [24.0f32, 22.0, 20.0, 18.0]
        .into_iter()
        .find(|s| face.width(title, *s) <= CONTENT_W)
        .unwrap_or(22.0);
    let mut lines = crate::pdf::text::wrap(face, title, size, CONTENT_W);
    if lines.len() > 1 {
        let even = face.width(title, size) / lines.len() as f32 + size;
        lines = crate::pdf::text::wrap(face, title, size, even);
    }
    for line in lines {
        d.text(
            PAGE_W / 2.0,
            y,
            &line,
            Style::new(size, Weight::Bold, INK),
            Anchor::Middle,
        );
        y += size * 1.6;
    }
    d.line(
        &[(PAGE_W / 2.0 - 120.0, y), (PAGE_W / 2.0 + 120.0, y)],
        BLUE,
        1.5,
        false,
    );
    d.text(
        PAGE_W / 2.0,
        y + 40.0,
        period_line,
        Style::new(15.0, Weight::Regular, INK),
        Anchor::Middle,
    );
    d.text(
        PAGE_W / 2.0,
        640.0,
        bureau,
        Style::new(15.0, Weight::Regular, INK),
        Anchor::Middle,
    );
    d.text(
        PAGE_W / 2.0,
        668.0,
        date,
        Style::new(13.0, Weight::Regular, GREY),
        Anchor::Middle,
    );
    cover_marks(d, marks, y + 64.0);
    d.end_cover();
}

/// What review and sign-off put on a cover: a draft's stamp above the title and its note
/// under the period; an issued version's correction mark under the period and its signer and
/// number under the date.
fn cover_marks(d: &mut Doc, marks: &super::Marks<'_>, under_period: f32) {
    use crate::pdf::chart::{Anchor, GREY, INK, RED};
    use crate::pdf::doc::PAGE_W;
    let w = marks.wording();
    let centred = |d: &mut Doc, y: f32, text: &str, style: Style| d.text(PAGE_W / 2.0, y, text, style, Anchor::Middle);
    match marks.issue {
        Issue::Unsigned => {}
        Issue::Draft { .. } => {
            let stamp = marks.mark().unwrap_or_default();
            centred(d, 180.0, &format!("【{stamp}】"), Style::new(20.0, Weight::Bold, RED));
            centred(
                d,
                under_period,
                w.text("release.draft_cover"),
                Style::new(11.0, Weight::Regular, RED),
            );
        }
        Issue::Issued(r) => {
            if let Some(m) = marks.mark() {
                centred(d, under_period, &m, Style::new(13.0, Weight::Bold, RED));
            }
            let mut y = 692.0;
            let mut lines = vec![w.with("release.signer", &[("signer", &r.signer)])];
            lines.extend(r.number.as_ref().map(|n| w.with("release.number", &[("number", n)])));
            for line in lines {
                let style = Style::new(12.0, Weight::Regular, if y < 700.0 { INK } else { GREY });
                centred(d, y, &line, style);
                y += 20.0;
            }
        }
    }
}

/// The ranking section's heading, kept with the first chart, and the ranking as horizontal
/// bars.
fn ranking_charts(d: &mut Doc, w: &Wording, r: &PeriodResults, threshold: f64, heading: &str, caption: &str) {
    let ranked = r.ranked_enterprises();
    let bars = Bars {
        labels: ranked
            .iter()
            .map(|(rank, g)| rank.map_or(g.name.clone(), |n| format!("{n}. {}", g.name)))
            .collect(),
        values: ranked.iter().map(|(_, g)| g.composite).collect(),
        notes: ranked
            .iter()
            .map(|(_, g)| g.insufficient.then(|| w.text("report.insufficient").to_string()))
            .collect(),
        threshold: Some(threshold),
    };
    bar_charts(d, w, heading, caption, &bars);
}

/// A heading kept with the first chart, then bars split into charts of at most
/// [`BARS_PER_CHART`] (a ranking of 100 enterprises takes three pages).
pub(super) fn bar_charts(d: &mut Doc, w: &Wording, heading: &str, caption: &str, bars: &Bars) {
    if bars.labels.is_empty() {
        d.heading(heading, 1);
        return;
    }
    let parts = bars.labels.len().div_ceil(BARS_PER_CHART);
    for k in 0..parts {
        let range = k * BARS_PER_CHART..((k + 1) * BARS_PER_CHART).min(bars.labels.len());
        let chart = Chart::Bars(Bars {
            labels: bars.labels[range.clone()].to_vec(),
            values: bars.values[range.clone()].to_vec(),
            notes: bars.notes[range].to_vec(),
            threshold: bars.threshold,
        });
        let cap = if parts > 1 {
            w.with(
                "report.chart_part",
                &[("caption", &caption), ("part", &(k + 1)), ("parts", &parts)],
            )
        } else {
            caption.to_string()
        };
        if k == 0 {
            d.heading_keep(heading, 1, Doc::chart_height(&chart));
        }
        d.chart(&cap, &chart);
    }
}

/// The trend of some groups' composites over the recent periods.
fn trend(w: &Wording, r: &PeriodResults, groups: &[(Level, &str, &str)], threshold: f64) -> Chart {
    let mut periods: Vec<_> = r.history.iter().map(|h| h.period).collect();
    periods.sort();
    periods.dedup();
    let series = groups
        .iter()
        .map(|(level, key, name)| {
            let values = periods
                .iter()
                .map(|p| {
                    r.history
                        .iter()
                        .find(|h| h.period == *p && h.level == *level && h.key == *key)
                        .and_then(|h| h.composite)
                })
                .collect();
            (w.with("report.series", &[("name", name)]), values)
        })
        .collect();
    Chart::Lines(Lines {
        periods: periods.iter().map(|p| p.to_string()).collect(),
        series,
        threshold: Some(threshold),
    })
}

fn quote(q: &str) -> String {
    let mut s: String = q.chars().take(QUOTE_CHARS).collect();
    if q.chars().count() > QUOTE_CHARS {
        s.push('…');
    }
    format!("“{s}”")
}

/// Policy §8's three analyses for one group: its lowest indicators, what its users are most
/// dissatisfied with (items and complaint topics with masked quotes), its declines.
fn analyses(d: &mut Doc, w: &Wording, r: &PeriodResults, level: Level, key: &str, who: &str) {
    // 1. Lowest indicators.
    d.heading(&Sections::part(1, w.text("titles.lowest")), 2);
    match r.lowest.iter().find(|l| l.level == level && l.key == key) {
        Some(l) if !l.items.is_empty() => {
            let rows = l
                .items
                .iter()
                .enumerate()
                .map(|(i, it)| {
                    (
                        vec![
                            (i + 1).to_string(),
                            it.id.clone(),
                            it.name.clone(),
                            score(Some(it.score)),
                        ],
                        Tone::Normal,
                    )
                })
                .collect();
            d.table(&Table {
                columns: cols(&[
                    (w.text("report.col_no"), 0.6, Align::Center),
                    (w.text("report.col_item"), 0.8, Align::Center),
                    (w.text("report.col_item_name"), 5.0, Align::Left),
                    (w.text("report.col_score"), 1.2, Align::Right),
                ]),
                rows,
            });
            if let Some((dim, s)) = &l.dimension {
                d.note(&w.with(
                    "report.lowest_dimension",
                    &[("who", &who), ("dimension", dim), ("score", &score(Some(*s)))],
                ));
            }
        }
        _ => d.note(w.text("report.no_lowest")),
    }
    // 2. What users are most dissatisfied with.
    d.heading(&Sections::part(2, w.text("titles.dissatisfaction")), 2);
    match r.dissatisfaction.iter().find(|x| x.level == level && x.key == key) {
        Some(x) => {
            if x.items.is_empty() {
                d.note(w.text("report.no_unfavourable"));
            } else {
                let rows = x
                    .items
                    .iter()
                    .map(|u| {
                        (
                            vec![
                                u.id.clone(),
                                u.name.clone(),
                                format!("{:.1}%", u.share),
                                format!("{} / {}", u.unfavourable, u.n),
                            ],
                            Tone::Normal,
                        )
                    })
                    .collect();
                d.table(&Table {
                    columns: cols(&[
                        (w.text("report.col_item"), 0.8, Align::Center),
                        (w.text("report.col_item_name"), 4.4, Align::Left),
                        (w.text("report.col_unfavourable_share"), 1.4, Align::Right),
                        (w.text("report.col_unfavourable_of"), 1.4, Align::Right),
                    ]),
                    rows,
                });
            }
            if x.topics.is_empty() {
                d.note(w.text("report.no_complaints"));
            } else {
                let rows = x
                    .topics
                    .iter()
                    .map(|t| {
                        let quotes: Vec<String> = t.quotes.iter().take(QUOTES).map(|q| quote(q)).collect();
                        (
                            vec![t.topic.clone(), t.count.to_string(), quotes.join("\n")],
                            Tone::Normal,
                        )
                    })
                    .collect();
                d.table(&Table {
                    columns: cols(&[
                        (w.text("report.col_topic"), 1.3, Align::Left),
                        (w.text("report.col_mentions"), 1.0, Align::Right),
                        (w.text("report.col_quotes"), 5.5, Align::Left),
                    ]),
                    rows,
                });
            }
        }
        None => d.note(w.text("report.no_answers")),
    }
    // 3. Declines.
    d.heading(&Sections::part(3, w.text("titles.declines")), 2);
    let Some(previous) = r.previous else {
        d.note(w.text("report.no_previous"));
        return;
    };
    let mine: Vec<_> = r.declines.iter().filter(|x| x.level == level && x.key == key).collect();
    let significant: Vec<_> = mine.iter().filter(|x| x.significant).collect();
    if significant.is_empty() {
        d.note(&w.with("report.no_declines", &[("previous", &previous.label_zh())]));
    } else {
        let rows = significant
            .iter()
            .map(|x| {
                (
                    vec![
                        indicator_name(r, &x.indicator),
                        score(Some(x.previous)),
                        score(Some(x.current)),
                        delta(Some(x.delta)),
                        p_text(x.p),
                    ],
                    Tone::Alert,
                )
            })
            .collect();
        d.table(&Table {
            columns: cols(&[
                (w.text("report.col_item"), 4.0, Align::Left),
                (w.text("report.col_previous"), 1.0, Align::Right),
                (w.text("report.col_current"), 1.0, Align::Right),
                (w.text("report.col_change"), 1.0, Align::Right),
                (w.text("report.col_p"), 1.0, Align::Right),
            ]),
            rows,
        });
    }
    let minor = mine.len() - significant.len();
    if minor > 0 {
        d.note(&w.with("report.minor_declines", &[("minor", &minor)]));
    }
}

/// "Q7 名称" for an item id, the name itself for a dimension.
fn indicator_name(r: &PeriodResults, id: &str) -> String {
    r.city_group()
        .and_then(|g| g.item(id))
        .map_or(id.to_string(), |it| format!("{} {}", it.id, it.name))
}

pub(super) fn item_row(i: &ImprovementItem) -> (Vec<String>, Tone) {
    let mut row = Vec::new();
    let rules: Vec<&str> = i.rules.iter().map(|r| r.label()).collect();
    row.extend([
        format!("{}：{}", i.indicator_name, i.finding),
        rules.join("、"),
        i.severity.label().to_string(),
        i.status.label().to_string(),
        i.responsible.clone(),
        i.due.format("%Y-%m-%d").to_string(),
    ]);
    let tone = match i.status {
        crate::results::ItemStatus::Overdue => Tone::Alert,
        crate::results::ItemStatus::Resolved => Tone::Muted,
        _ => Tone::Normal,
    };
    (row, tone)
}

/// The city report's account of the findings to watch: per enterprise under the minimum
/// sample, its responses and the indicators found (details in the enterprise's own report).
fn watch_summary(d: &mut Doc, w: &Wording, r: &PeriodResults) {
    if r.watch.is_empty() {
        return;
    }
    // Per enterprise (the list is by enterprise): its name, responses and indicators.
    let mut per: Vec<(&str, u64, Vec<String>)> = Vec::new();
    for x in &r.watch {
        let name = if x.indicator == x.indicator_name {
            x.indicator.clone()
        } else {
            format!("{} {}", x.indicator, x.indicator_name)
        };
        match per.last_mut() {
            Some((e, _, names)) if *e == x.enterprise_name => names.push(name),
            _ => per.push((&x.enterprise_name, x.n, vec![name])),
        }
    }
    let rows = per
        .into_iter()
        .map(|(e, n, names)| {
            let count = names.len().to_string();
            (vec![e.to_string(), n.to_string(), names.join("、"), count], Tone::Muted)
        })
        .collect();
    d.heading(w.text("report.watch_heading"), 3);
    d.note(&w.with(
        "report.watch_note",
        &[("count", &r.watch.len()), ("min_sample", &r.min_sample)],
    ));
    d.table(&Table {
        columns: cols(&[
            (w.text("report.col_enterprise"), 2.6, Align::Left),
            (w.text("report.col_responses"), 1.0, Align::Right),
            (w.text("report.col_watched"), 4.6, Align::Left),
            (w.text("report.col_count"), 0.7, Align::Right),
        ]),
        rows,
    });
}

pub(super) fn item_columns(w: &Wording) -> Vec<Column> {
    cols(&[
        (w.text("report.col_matter"), 4.2, Align::Left),
        (w.text("report.col_rules"), 1.3, Align::Left),
        (w.text("report.col_severity"), 0.6, Align::Center),
        (w.text("report.col_status"), 0.9, Align::Center),
        (w.text("report.col_responsible"), 1.1, Align::Left),
        (w.text("report.col_due"), 1.3, Align::Center),
    ])
}

/// The importance–score matrix and the checks of self-assessment data (worded as needing
/// checking, never as findings).
fn integrity_sections(d: &mut Doc, cx: &Ctx<'_>, s: &mut Sections) {
    let (r, w) = (cx.results, cx.wording);
    let th = cx.scheme.thresholds.action;
    let known: Vec<&crate::analyse::integrity::Importance> =
        r.importance.iter().filter(|i| i.importance.is_some()).collect();
    if known.len() >= 3 {
        let mut values: Vec<f64> = known.iter().filter_map(|i| i.importance).collect();
        values.sort_by(f64::total_cmp);
        let median = values[(values.len() - 1) / 2];
        let chart = Chart::Quadrant(crate::pdf::chart::Quadrant {
            points: known
                .iter()
                .filter_map(|i| Some((i.id.clone(), i.importance?, i.score?, i.priority)))
                .collect(),
            x_split: median,
            threshold: th,
        });
        d.heading_keep(&s.next(w.text("report.matrix_heading")), 1, Doc::chart_height(&chart));
        d.chart(w.text("report.matrix_caption"), &chart);
        d.note(w.text("report.matrix_note"));
        let rows: Vec<_> = known
            .iter()
            .filter(|i| i.priority)
            .map(|i| {
                (
                    vec![
                        i.id.clone(),
                        i.name.clone(),
                        format!("{:.2}", i.importance.unwrap_or(0.0)),
                        score(i.score),
                    ],
                    Tone::Alert,
                )
            })
            .collect();
        if rows.is_empty() {
            d.note(w.text("report.no_priority"));
        } else {
            d.table(&Table {
                columns: cols(&[
                    (w.text("report.col_item"), 0.8, Align::Center),
                    (w.text("report.col_priority_name"), 4.4, Align::Left),
                    (w.text("report.col_importance"), 1.0, Align::Right),
                    (w.text("report.col_score"), 1.0, Align::Right),
                ]),
                rows,
            });
        }
    }
    if r.integrity.is_empty() {
        return;
    }
    d.heading(&s.next(w.text("report.integrity_heading")), 1);
    let flagged: Vec<_> = r.integrity.iter().filter(|x| x.flagged).collect();
    let checked: std::collections::BTreeSet<&str> = r.integrity.iter().map(|x| x.submitter.as_str()).collect();
    let scope = if r.period.is_quarter() {
        w.text("report.integrity_scope_quarter")
    } else {
        w.text("report.integrity_scope_month")
    };
    d.paragraph(&w.with(
        "report.integrity_intro",
        &[
            ("scope", &scope),
            ("checked", &checked.len()),
            ("flagged", &flagged.len()),
        ],
    ));
    if !flagged.is_empty() {
        let rows = flagged
            .iter()
            .map(|x| {
                let value = match x.check {
                    crate::analyse::integrity::Check::SameN => {
                        w.with("report.months", &[("count", &format!("{:.0}", x.value))])
                    }
                    crate::analyse::integrity::Check::SelfVsSampled => {
                        w.with("report.points", &[("score", &format!("{:+.2}", x.value))])
                    }
                    _ => format!("{:.1}%", x.value),
                };
                let threshold = match x.check {
                    crate::analyse::integrity::Check::SameN => format!("≥ {:.0}", x.threshold),
                    crate::analyse::integrity::Check::CallbackAgreement => format!("< {:.0}%", x.threshold),
                    crate::analyse::integrity::Check::NoUnfavourable => "0%".to_string(),
                    crate::analyse::integrity::Check::SelfVsSampled => {
                        format!(
                            "> {}",
                            w.with("report.points", &[("score", &format!("{:.0}", x.threshold))])
                        )
                    }
                    _ => format!("≥ {:.0}%", x.threshold),
                };
                (
                    vec![
                        x.name.clone(),
                        x.check.label().to_string(),
                        x.check.unit().to_string(),
                        value,
                        threshold,
                        x.n.to_string(),
                    ],
                    Tone::Normal,
                )
            })
            .collect();
        d.table(&Table {
            columns: cols(&[
                (w.text("report.col_submitter"), 2.2, Align::Left),
                (w.text("report.col_check"), 1.5, Align::Left),
                (w.text("report.col_meaning"), 2.6, Align::Left),
                (w.text("report.col_current"), 0.9, Align::Right),
                (w.text("report.col_flag_line"), 0.9, Align::Right),
                (w.text("report.col_checked_n"), 0.9, Align::Right),
            ]),
            rows,
        });
    }
    d.note(w.text("report.integrity_note"));
}

fn city_report(cx: &Ctx<'_>, v: &Values) -> Doc {
    let (r, w) = (cx.results, cx.wording);
    let title = cx.wording.title("city_report", v);
    let bureau = v.get("bureau").cloned().unwrap_or_default();
    let ended = cx.marks.dated(r.period.last_day());
    let mut d = Doc::new(&cx.wording.name("city_report", v), &cx.running(&title), &bureau, ended);
    cover(
        &mut d,
        &cx.marks,
        &title,
        &format!("{}（{}）", r.period.label_zh(), r.kind.label()),
        &bureau,
        &date_zh(ended),
    );
    let mut s = Sections(0);
    highlights(&mut d, cx);
    corrections(&mut d, cx, v, &mut s);
    summary(&mut d, cx, v, &mut s);
    ranking(&mut d, cx, v, &mut s);
    trend_section(&mut d, cx, v, &mut s);
    dimensions(&mut d, cx, v, &mut s);
    let users = cx.wording.title("users", v);
    super::users::city_section(&mut d, w, cx.scheme, r, &users, &mut s);
    // Policy §8's three analyses, for the city.
    d.heading(&s.next(&cx.wording.title("analysis", v)), 1);
    analyses(&mut d, w, r, Level::City, CITY_KEY, w.text("report.city"));
    bias_section(&mut d, cx, v, &mut s);
    let adhoc = cx.wording.title("adhoc", v);
    super::adhoc::city_section(&mut d, w, cx.scheme, r, &adhoc, &mut s);
    // Where to improve first: importance against score.
    integrity_sections(&mut d, cx, &mut s);
    callback_section(&mut d, cx, &mut s);
    work_list(&mut d, cx, v, &mut s);
    loop_section(&mut d, cx, &mut s);
    annex(&mut d, cx, v);
    d
}

/// 整改闭环 (SPEC §11): each enterprise's items and cases, its rates and who is proposed for an
/// interview, as of the day the document is written; left out before the loop has begun.
fn loop_section(d: &mut Doc, cx: &Ctx<'_>, s: &mut Sections) {
    let (r, w) = (cx.results, cx.wording);
    let Some(l) = &r.rectification else {
        return;
    };
    d.heading(&s.next(w.text("ledger.loop_heading")), 1);
    d.paragraph(&w.with("ledger.loop_intro", &[("date", &date_zh(l.as_of))]));
    let rate = |x: Option<f64>| x.map_or("—".into(), |x| format!("{:.1}%", round_half_away(x, 1)));
    let rows = (l.enterprises.iter())
        .map(|e| {
            let appeals = if e.appeals_upheld > 0 {
                format!("{}（{}）", e.appeals, e.appeals_upheld)
            } else {
                e.appeals.to_string()
            };
            let tone = if e.cases_overdue > 0 || e.items_overdue > 0 {
                Tone::Alert
            } else {
                Tone::Normal
            };
            (
                vec![
                    e.name.clone(),
                    e.items.to_string(),
                    e.items_reported.to_string(),
                    e.items_done.to_string(),
                    e.items_overdue.to_string(),
                    e.cases.to_string(),
                    e.cases_called_back.to_string(),
                    e.cases_rectified.to_string(),
                    e.cases_overdue.to_string(),
                    appeals,
                    rate(e.callback_rate()),
                    rate(e.on_time_rate()),
                ],
                tone,
            )
        })
        .collect();
    d.table(&Table {
        columns: cols(&[
            (w.text("ledger.col_enterprise"), 2.4, Align::Left),
            (w.text("ledger.pdf_items"), 0.7, Align::Right),
            (w.text("ledger.pdf_items_reported"), 0.8, Align::Right),
            (w.text("ledger.pdf_items_done"), 0.8, Align::Right),
            (w.text("ledger.pdf_items_overdue"), 0.8, Align::Right),
            (w.text("ledger.pdf_cases"), 0.9, Align::Right),
            (w.text("ledger.pdf_called_back"), 0.8, Align::Right),
            (w.text("ledger.pdf_rectified"), 0.8, Align::Right),
            (w.text("ledger.pdf_cases_overdue"), 0.8, Align::Right),
            (w.text("ledger.pdf_appeals"), 1.0, Align::Right),
            (w.text("ledger.pdf_callback_rate"), 0.9, Align::Right),
            (w.text("ledger.pdf_on_time_rate"), 0.9, Align::Right),
        ]),
        rows,
    });
    d.note(&format!(
        "{}{}",
        w.text("ledger.loop_note"),
        w.text("ledger.pdf_appeals_note")
    ));
    d.heading(w.text("ledger.interviews_heading"), 3);
    if l.interviews.is_empty() {
        d.note(w.text("ledger.no_interviews"));
    }
    for i in &l.interviews {
        d.paragraph(&w.with(
            "ledger.interview_line",
            &[("enterprise", &i.name), ("reasons", &i.reasons.join("；"))],
        ));
    }
}

/// An enterprise's part of the loop in its report: its items with what it reported, and its
/// cases by status (counts, no names).
fn enterprise_loop(d: &mut Doc, cx: &Ctx<'_>, g: &GroupResult) {
    let (r, w) = (cx.results, cx.wording);
    let Some(l) = r
        .rectification
        .as_ref()
        .and_then(|l| l.enterprises.iter().find(|e| e.code == g.key))
    else {
        return;
    };
    let items: Vec<_> = r.improvement_items.iter().filter(|i| i.enterprise == g.key).collect();
    if !items.is_empty() {
        d.heading(w.text("ledger.progress_heading"), 3);
    }
    let reported: Vec<_> = (items.iter())
        .filter_map(|i| {
            let (_, p) = l.item_progress.iter().find(|(id, _)| *id == i.id)?;
            let finding = if p == crate::results::cases::PROGRESS[0] && i.status != crate::results::ItemStatus::Resolved
            {
                w.text("ledger.done_not_recovered").to_string()
            } else {
                String::new()
            };
            Some((
                vec![
                    format!("{} {}", i.indicator, i.indicator_name).trim().to_string(),
                    i.status.label().to_string(),
                    p.clone(),
                    finding,
                ],
                Tone::Normal,
            ))
        })
        .collect();
    if reported.is_empty() {
        if !items.is_empty() {
            d.note(w.text("ledger.no_progress"));
        }
    } else {
        d.table(&Table {
            columns: cols(&[
                (w.text("ledger.col_what"), 3.0, Align::Left),
                (w.text("ledger.col_status"), 1.0, Align::Left),
                (w.text("ledger.col_reported"), 1.2, Align::Left),
                (w.text("ledger.col_finding"), 2.4, Align::Left),
            ]),
            rows: reported,
        });
    }
    let counts: Vec<String> = (crate::results::cases::CaseStatus::ALL.iter())
        .filter_map(|s| {
            let n = l.open_cases.iter().filter(|(_, x, ..)| x == s).count();
            (n > 0).then(|| w.with("ledger.status_count", &[("status", &s.label()), ("count", &n)]))
        })
        .collect();
    d.heading(w.text("ledger.cases_heading"), 3);
    if counts.is_empty() {
        d.note(w.text("ledger.no_cases"));
    } else {
        d.paragraph(&w.with(
            "ledger.enterprise_cases",
            &[
                ("count", &l.cases),
                ("statuses", &counts.join("、")),
                (
                    "date",
                    &date_zh(r.rectification.as_ref().map_or(r.period.last_day(), |x| x.as_of)),
                ),
            ],
        ));
    }
}

/// 本期要点 (SPEC §12), the leader's first page: unnumbered, before the numbered sections.
fn highlights(d: &mut Doc, cx: &Ctx<'_>) {
    let w = cx.wording;
    let lines = super::highlights::sentences(cx.results, cx.scheme, w);
    if lines.is_empty() {
        return;
    }
    d.heading(w.text("report.highlights_heading"), 1);
    for (i, line) in lines.iter().enumerate() {
        d.paragraph(&format!("{}．{line}", i + 1));
    }
}

/// An issued correction's 更正说明: each enterprise whose figures changed, old → new.
fn corrections(d: &mut Doc, cx: &Ctx<'_>, v: &Values, s: &mut Sections) {
    let w = cx.wording;
    let Some(rel) = cx.marks.issue.release().filter(|r| r.is_correction()) else {
        return;
    };
    d.heading(&s.next(w.text("release.changes")), 1);
    let period_label = v.get("period_label").cloned().unwrap_or_default();
    d.paragraph(&w.with(
        "release.changes_intro",
        &[("period_label", &period_label), ("previous", &(rel.version - 1))],
    ));
    for line in change_lines(w, rel, false) {
        d.paragraph(&line);
    }
}

/// The lines of a 更正说明, one per enterprise whose figures changed; for the public, a
/// composite under the minimum sample is shown as 样本不足, as everywhere in public documents.
pub(super) fn change_lines(w: &Wording, rel: &Release, public: bool) -> Vec<String> {
    if rel.changes.is_empty() {
        return vec![w.text("release.no_figure_change").to_string()];
    }
    rel.changes
        .iter()
        .map(|c| {
            let (b, a) = change_values(w, c, public);
            w.with(
                "release.change",
                &[
                    ("enterprise", &c.enterprise),
                    ("before", &b.0),
                    ("after", &a.0),
                    ("n_before", &b.1),
                    ("n_after", &a.1),
                ],
            )
        })
        .collect()
}

/// A change's composite and n before and after, as shown (未列入 where it was not listed;
/// 样本不足 in a public document for a composite under the minimum sample).
fn change_values(w: &Wording, c: &Change, public: bool) -> ((String, String), (String, String)) {
    let shown = |x: &Option<Figures>| match x {
        None => (w.text("release.not_listed").to_string(), "0".to_string()),
        Some(f) if public && f.insufficient => (w.text("report.insufficient").to_string(), f.n.to_string()),
        Some(f) => (score(f.composite), f.n.to_string()),
    };
    (shown(&c.before), shown(&c.after))
}

/// An enterprise's own line in an issued correction, when its figures changed.
fn own_change(w: &Wording, rel: &Release, enterprise: &str) -> Option<String> {
    let c = rel.changes.iter().find(|c| c.enterprise == enterprise)?;
    let (b, a) = change_values(w, c, false);
    Some(w.with(
        "release.own_change",
        &[
            ("previous", &(rel.version - 1)),
            ("before", &b.0),
            ("after", &a.0),
            ("n_before", &b.1),
            ("n_after", &a.1),
        ],
    ))
}

/// The summary and key figures: the counts as tiles, the overall grades as columns.
fn summary(d: &mut Doc, cx: &Ctx<'_>, v: &Values, s: &mut Sections) {
    let (r, w) = (cx.results, cx.wording);
    let city = r.city_group();
    d.heading(&s.next(&cx.wording.title("summary", v)), 1);
    d.paragraph(&cx.wording.paragraph("overview", v));
    let received: usize = r.quality.submitters.iter().map(|q| q.received).sum();
    let open = r.improvement_items.iter().filter(|i| i.is_open()).count();
    let enterprises = r.groups.iter().filter(|g| g.level == Level::Enterprise).count();
    d.tiles(&[
        (
            w.text("report.tile_responses").into(),
            city.map_or(0, |g| g.n).to_string(),
        ),
        (
            w.text("report.tile_composite").into(),
            score(city.and_then(|g| g.composite)),
        ),
        (
            w.text("report.tile_overall").into(),
            score(city.and_then(|g| g.overall)),
        ),
        (w.text("report.tile_enterprises").into(), enterprises.to_string()),
        (w.text("report.tile_received").into(), received.to_string()),
        (w.text("report.tile_missing").into(), r.quality.missing.to_string()),
        (w.text("report.tile_open").into(), open.to_string()),
        (
            w.text("report.tile_declines").into(),
            r.significant_declines()
                .filter(|d| d.level == Level::City)
                .count()
                .to_string(),
        ),
    ]);
    if let Some(city) = city.filter(|g| g.overall_grades.iter().any(|(_, n)| *n > 0)) {
        let chart = Chart::Columns(Columns {
            labels: city.overall_grades.iter().map(|(l, _)| l.clone()).collect(),
            counts: city.overall_grades.iter().map(|(_, n)| *n).collect(),
        });
        d.chart(&cx.wording.title("overall_grades", v), &chart);
    }
}

/// The ranking (or why there is none): the charts and the table.
fn ranking(d: &mut Doc, cx: &Ctx<'_>, v: &Values, s: &mut Sections) {
    let (r, w) = (cx.results, cx.wording);
    let th = cx.scheme.thresholds.action;
    let unranked = r.unranked_reason();
    ranking_charts(
        d,
        w,
        r,
        th,
        &s.next(&cx.wording.title("ranking", v)),
        if unranked.is_some() {
            w.text("report.ranking_caption_unranked")
        } else {
            w.text("report.ranking_caption")
        },
    );
    let rows = r
        .ranked_enterprises()
        .into_iter()
        .map(|(rank, g)| {
            let tone = if g.insufficient {
                Tone::Muted
            } else if g.composite.is_some_and(|c| c < th) {
                Tone::Alert
            } else {
                Tone::Normal
            };
            let info = r.enterprises.iter().find(|e| e.code == g.key);
            let rank = match rank {
                Some(n) => n.to_string(),
                None if unranked.is_some() && !g.insufficient => w.text("report.unranked").into(),
                None => "—".into(),
            };
            (
                vec![
                    rank,
                    g.name.clone(),
                    info.map_or("", |e| e.utility).to_string(),
                    info.map_or(String::new(), |e| e.county.clone()),
                    if g.insufficient {
                        w.with("report.n_insufficient", &[("count", &g.n)])
                    } else {
                        g.n.to_string()
                    },
                    score(g.composite),
                    score(g.overall),
                    delta(r.composite_change(Level::Enterprise, &g.key)),
                ],
                tone,
            )
        })
        .collect();
    d.table(&Table {
        columns: cols(&[
            (w.text("report.col_rank"), 0.8, Align::Center),
            (w.text("report.col_enterprise"), 2.8, Align::Left),
            (w.text("report.col_utility"), 0.7, Align::Center),
            (w.text("report.col_county"), 1.1, Align::Left),
            (w.text("report.col_sample"), 1.3, Align::Right),
            (w.text("report.col_composite"), 1.1, Align::Right),
            (w.text("report.col_overall"), 1.2, Align::Right),
            (w.text("report.col_vs_previous"), 1.0, Align::Right),
        ]),
        rows,
    });
    let why = unranked.map_or(String::new(), |w| format!("{w}。"));
    d.note(&w.with(
        "report.ranking_note",
        &[("why", &why), ("threshold", &th), ("min_sample", &r.min_sample)],
    ));
}

/// The city's trend over the recent periods.
fn trend_section(d: &mut Doc, cx: &Ctx<'_>, v: &Values, s: &mut Sections) {
    let (r, w) = (cx.results, cx.wording);
    let th = cx.scheme.thresholds.action;
    let chart = trend(w, r, &[(Level::City, CITY_KEY, w.text("report.city"))], th);
    d.heading_keep(&s.next(&cx.wording.title("trend", v)), 1, Doc::chart_height(&chart));
    d.chart(
        &w.with(
            "report.city_trend",
            &[("count", &r.history.iter().filter(|h| h.level == Level::City).count())],
        ),
        &chart,
    );
}

/// The four dimensions: the city's and each enterprise's.
fn dimensions(d: &mut Doc, cx: &Ctx<'_>, v: &Values, s: &mut Sections) {
    let (r, w) = (cx.results, cx.wording);
    let city = r.city_group();
    d.heading(&s.next(&cx.wording.title("dimensions", v)), 1);
    let dims: Vec<String> = cx.scheme.dimensions.iter().map(|x| x.name.clone()).collect();
    let mut columns = vec![Column::new(w.text("report.col_enterprise"), 2.6, Align::Left)];
    columns.extend(dims.iter().map(|n| Column::new(n, 1.3, Align::Right)));
    columns.push(Column::new(w.text("report.col_composite"), 1.1, Align::Right));
    let mut rows = Vec::new();
    let groups = city
        .into_iter()
        .chain(r.ranked_enterprises().into_iter().map(|(_, g)| g));
    for g in groups {
        let name = if g.level == Level::City {
            w.text("report.city").to_string()
        } else {
            g.name.clone()
        };
        let mut row = vec![name];
        row.extend(dims.iter().map(|n| score(g.dimension(n))));
        row.push(score(g.composite));
        rows.push((row, if g.insufficient { Tone::Muted } else { Tone::Normal }));
    }
    d.table(&Table { columns, rows });
}

/// Self-assessment against the sampled survey (quarters).
fn bias_section(d: &mut Doc, cx: &Ctx<'_>, v: &Values, s: &mut Sections) {
    let (r, w) = (cx.results, cx.wording);
    if r.period.is_quarter() {
        d.heading(&s.next(&cx.wording.title("bias", v)), 1);
        if r.bias.is_empty() {
            d.note(w.text("report.no_bias"));
        } else {
            bias_table(d, w, &r.bias);
            d.note(&w.with(
                "report.bias_note",
                &[
                    ("count", &r.bias_months.len()),
                    ("bias_flag", &cx.scheme.thresholds.bias_flag),
                ],
            ));
        }
    }
}

/// Each enterprise's self-assessment against a sampled survey, flagged as the §3 rule says.
pub(super) fn bias_table(d: &mut Doc, w: &Wording, biases: &[crate::results::Bias]) {
    let rows = biases
        .iter()
        .map(|b| {
            (
                vec![
                    b.name.clone(),
                    b.self_n.to_string(),
                    score(b.self_composite),
                    b.sampled_n.to_string(),
                    score(b.sampled_composite),
                    delta(b.bias),
                    if b.flagged {
                        w.text("report.bias_flagged").into()
                    } else {
                        String::new()
                    },
                ],
                if b.flagged { Tone::Alert } else { Tone::Normal },
            )
        })
        .collect();
    d.table(&Table {
        columns: cols(&[
            (w.text("report.col_enterprise"), 2.6, Align::Left),
            (w.text("report.col_self_n"), 1.0, Align::Right),
            (w.text("report.col_self_composite"), 1.0, Align::Right),
            (w.text("report.col_sampled_n"), 1.0, Align::Right),
            (w.text("report.col_sampled_composite"), 1.0, Align::Right),
            (w.text("report.col_difference"), 0.9, Align::Right),
            (w.text("report.col_hint"), 1.6, Align::Left),
        ]),
        rows,
    });
}

/// The quarter's call-back against its draw.
fn callback_section(d: &mut Doc, cx: &Ctx<'_>, s: &mut Sections) {
    let (r, w) = (cx.results, cx.wording);
    if let Some(sp) = &r.sampling {
        d.heading(&s.next(w.text("report.callback_heading")), 1);
        let rows = sp
            .enterprises
            .iter()
            .map(|e| {
                let rate = e.rate.map_or("—".into(), |x| format!("{:.1}%", round_half_away(x, 1)));
                let why = crate::sample::reasons_text(&e.reasons);
                (
                    vec![
                        e.name.clone(),
                        e.drawn.to_string(),
                        e.answered.to_string(),
                        e.not_reached.to_string(),
                        if why.is_empty() { "—".into() } else { why },
                        e.pending.to_string(),
                        rate,
                    ],
                    Tone::Normal,
                )
            })
            .collect();
        d.table(&Table {
            columns: cols(&[
                (w.text("report.col_enterprise"), 2.3, Align::Left),
                (w.text("report.col_drawn"), 0.8, Align::Right),
                (w.text("report.col_answered"), 0.9, Align::Right),
                (w.text("report.col_not_reached"), 0.9, Align::Right),
                (w.text("report.col_reasons"), 2.6, Align::Left),
                (w.text("report.col_pending"), 0.9, Align::Right),
                (w.text("report.col_rate"), 0.8, Align::Right),
            ]),
            rows,
        });
        let extra = if sp.not_drawn > 0 {
            w.with("report.not_drawn", &[("count", &sp.not_drawn)])
        } else {
            String::new()
        };
        d.note(&w.with(
            "report.callback_note",
            &[("drawn_at", &sp.drawn_at), ("seed", &sp.seed), ("extra", &extra)],
        ));
    }
}

/// The improvement work list: each enterprise's top items.
fn work_list(d: &mut Doc, cx: &Ctx<'_>, v: &Values, s: &mut Sections) {
    let (r, w) = (cx.results, cx.wording);
    d.heading(&s.next(&cx.wording.title("improvement", v)), 1);
    d.paragraph(&cx.wording.paragraph("improvement", v));
    let mut rest = 0;
    let mut any = false;
    for list in r.work_lists.iter().filter(|l| !l.top.is_empty()) {
        any = true;
        let name = r
            .enterprises
            .iter()
            .find(|e| e.code == list.enterprise)
            .map_or(list.enterprise.as_str(), |e| e.name.as_str());
        d.heading(name, 3);
        let rows = list.top.iter().map(|&i| item_row(&r.improvement_items[i])).collect();
        d.table(&Table {
            columns: item_columns(w),
            rows,
        });
        if list.rest > 0 {
            d.note(&w.with("report.more_items", &[("count", &list.rest)]));
        }
        rest += list.rest;
    }
    if !any {
        d.note(w.text("report.no_open_items"));
    } else if rest > 0 {
        d.note(&w.with(
            "report.items_not_listed",
            &[("top", &crate::results::TOP_ITEMS), ("rest", &rest)],
        ));
    }
    watch_summary(d, w, r);
}

/// Annex: the returns missing or with rejections, and how the scores are computed.
fn annex(d: &mut Doc, cx: &Ctx<'_>, v: &Values) {
    let (r, w) = (cx.results, cx.wording);
    d.heading(&cx.wording.title("annex", v), 1);
    d.paragraph(&cx.wording.paragraph("missing_returns", v));
    // Those who sent nothing, named in one paragraph (a table row of noughts each would run to
    // pages with a thousand units); the table for those who sent something that came back.
    let silent: Vec<&str> = (r.quality.submitters.iter())
        .filter(|q| q.sent_nothing())
        .map(|q| q.name.as_str())
        .collect();
    if !silent.is_empty() {
        d.paragraph(&w.with(
            "report.missing_submitters",
            &[("count", &silent.len()), ("list", &silent.join("、"))],
        ));
    }
    let rows: Vec<_> = r
        .quality
        .submitters
        .iter()
        .filter(|q| !q.sent_nothing() && (q.is_missing() || q.rows_rejected > 0 || q.rejected > 0))
        .map(|q| {
            (
                vec![
                    q.name.clone(),
                    q.kind.label().to_string(),
                    q.state.label().to_string(),
                    q.received.to_string(),
                    q.rejected.to_string(),
                    q.rows_valid.to_string(),
                    q.rows_rejected.to_string(),
                ],
                if q.is_missing() { Tone::Alert } else { Tone::Normal },
            )
        })
        .collect();
    let fine = r.quality.submitters.len() - rows.len() - silent.len();
    if rows.is_empty() && silent.is_empty() {
        d.note(w.text("report.all_returns_fine"));
    } else {
        if !rows.is_empty() {
            d.table(&Table {
                columns: cols(&[
                    (w.text("report.col_submitter"), 2.6, Align::Left),
                    (w.text("report.col_return_kind"), 1.1, Align::Center),
                    (w.text("report.col_status"), 1.5, Align::Center),
                    (w.text("report.col_received"), 0.9, Align::Right),
                    (w.text("report.col_rejected"), 0.9, Align::Right),
                    (w.text("report.col_rows_valid"), 0.9, Align::Right),
                    (w.text("report.col_rows_rejected"), 0.9, Align::Right),
                ]),
                rows,
            });
        }
        if fine > 0 {
            d.note(&w.with("report.other_returns_fine", &[("count", &fine)]));
        }
    }
    d.heading(&cx.wording.title("method", v), 2);
    d.paragraph(&cx.wording.paragraph("method", v));
}

fn enterprise_report(cx: &Ctx<'_>, v: &Values, rank: Option<usize>, g: &GroupResult) -> Doc {
    let (r, w) = (cx.results, cx.wording);
    let th = cx.scheme.thresholds.action;
    let mut v = v.clone();
    v.insert("responses", g.n.to_string());
    v.insert("composite", score(g.composite));
    v.insert("overall", score(g.overall));
    let ranked = r.ranked_enterprises().iter().filter(|(n, _)| n.is_some()).count();
    let unranked = r.unranked_reason();
    let rank_text = match (rank, &unranked) {
        (Some(n), _) => w.with("report.rank_of", &[("rank", &n), ("ranked", &ranked)]),
        (None, _) if g.insufficient => w.with("report.rank_insufficient", &[("min_sample", &r.min_sample)]),
        (None, Some(why)) => format!("—（{why}）"),
        (None, None) => "—".into(),
    };
    v.insert("rank", rank_text);
    let title = cx.wording.title("enterprise_report", &v);
    let bureau = v.get("bureau").cloned().unwrap_or_default();
    let ended = cx.marks.dated(r.period.last_day());
    let mut d = Doc::new(
        &cx.wording.name("enterprise_report", &v),
        &cx.running(&title),
        &bureau,
        ended,
    );
    cover(
        &mut d,
        &cx.marks,
        &title,
        &format!("{}（{}）", r.period.label_zh(), r.kind.label()),
        &bureau,
        &date_zh(ended),
    );
    let city = r.city_group();
    let mut s = Sections(0);

    d.heading(&s.next(&cx.wording.title("summary", &v)), 1);
    if let Some(line) = (cx.marks.issue.release()).and_then(|rel| own_change(w, rel, &g.name)) {
        d.note(&line);
    }
    d.paragraph(&cx.wording.paragraph("enterprise_overview", &v));
    if g.insufficient {
        d.note(&w.with("report.enterprise_insufficient", &[("min_sample", &r.min_sample)]));
    }
    d.tiles(&[
        (w.text("report.tile_responses").into(), g.n.to_string()),
        (w.text("report.tile_composite").into(), score(g.composite)),
        (w.text("report.tile_overall").into(), score(g.overall)),
        (
            w.text("report.tile_rank").into(),
            match rank {
                Some(n) => format!("{n}/{ranked}"),
                None if unranked.is_some() && !g.insufficient => w.text("report.unranked").into(),
                None => "—".into(),
            },
        ),
    ]);

    d.heading(&s.next(&cx.wording.title("enterprise_scores", &v)), 1);
    let mut rows = Vec::new();
    let pair =
        |mine: Option<f64>, all: Option<f64>| vec![score(mine), score(all), delta(mine.zip(all).map(|(a, b)| a - b))];
    let mut row = vec![w.text("report.col_composite").to_string()];
    row.extend(pair(g.composite, city.and_then(|c| c.composite)));
    rows.push((
        row,
        if g.composite.is_some_and(|c| c < th) {
            Tone::Alert
        } else {
            Tone::Normal
        },
    ));
    for dim in &cx.scheme.dimensions {
        let mine = g.dimension(&dim.name);
        let mut row = vec![dim.name.clone()];
        row.extend(pair(mine, city.and_then(|c| c.dimension(&dim.name))));
        rows.push((
            row,
            if mine.is_some_and(|c| c < th) {
                Tone::Alert
            } else {
                Tone::Normal
            },
        ));
    }
    d.table(&Table {
        columns: cols(&[
            ("", 3.0, Align::Left),
            (w.text("report.col_this_enterprise"), 1.0, Align::Right),
            (w.text("report.city"), 1.0, Align::Right),
            (w.text("report.col_difference"), 1.0, Align::Right),
        ]),
        rows,
    });
    let rows = g
        .items
        .iter()
        .map(|it| {
            let all = city.and_then(|c| c.item(&it.id)).and_then(|c| c.score);
            let tone = if it.score.is_some_and(|s| s < th) && it.n >= u64::from(cx.scheme.thresholds.min_answers) {
                Tone::Alert
            } else {
                Tone::Normal
            };
            (
                vec![
                    it.id.clone(),
                    it.name.clone(),
                    score(it.score),
                    it.n.to_string(),
                    it.unfavourable.to_string(),
                    score(all),
                ],
                tone,
            )
        })
        .collect();
    d.table(&Table {
        columns: cols(&[
            (w.text("report.col_item"), 0.7, Align::Center),
            (w.text("report.col_item_name"), 4.2, Align::Left),
            (w.text("report.col_score"), 1.0, Align::Right),
            (w.text("report.col_answers"), 0.8, Align::Right),
            (w.text("report.col_unfavourable"), 1.0, Align::Right),
            (w.text("report.city"), 1.0, Align::Right),
        ]),
        rows,
    });
    d.note(&w.with("report.items_note", &[("threshold", &th)]));

    let chart = trend(
        w,
        r,
        &[
            (Level::Enterprise, &g.key, &g.name),
            (Level::City, CITY_KEY, w.text("report.city")),
        ],
        th,
    );
    d.heading_keep(&s.next(&cx.wording.title("trend", &v)), 1, Doc::chart_height(&chart));
    d.chart(w.text("report.trend_caption"), &chart);
    let users = cx.wording.title("users", &v);
    super::users::enterprise_section(&mut d, w, cx.scheme, r, g, &users, &mut s);

    d.heading(&s.next(&cx.wording.title("analysis", &v)), 1);
    analyses(&mut d, w, r, Level::Enterprise, &g.key, &g.name);

    if r.period.is_quarter() {
        d.heading(&s.next(&cx.wording.title("bias", &v)), 1);
        match r.bias.iter().find(|b| b.enterprise == g.key) {
            Some(b) => {
                let flag = if b.flagged { w.text("report.bias_check") } else { "" };
                d.paragraph(&w.with(
                    "report.enterprise_bias",
                    &[
                        ("self_n", &b.self_n),
                        ("self_composite", &score(b.self_composite)),
                        ("sampled_n", &b.sampled_n),
                        ("sampled_composite", &score(b.sampled_composite)),
                        ("difference", &delta(b.bias)),
                        ("flag", &flag),
                    ],
                ));
            }
            None => d.note(w.text("report.no_bias")),
        }
    }
    let adhoc = cx.wording.title("adhoc", &v);
    super::adhoc::enterprise_section(&mut d, w, r, g, &adhoc, &mut s);

    d.heading(&s.next(&cx.wording.title("improvement", &v)), 1);
    let items: Vec<_> = r.improvement_items.iter().filter(|i| i.enterprise == g.key).collect();
    if items.is_empty() {
        d.note(w.text("report.no_items"));
    } else {
        let rows = items.iter().map(|i| item_row(i)).collect();
        d.table(&Table {
            columns: item_columns(w),
            rows,
        });
        d.note(w.text("report.items_order"));
    }
    enterprise_loop(&mut d, cx, g);
    let watch: Vec<_> = r.watch.iter().filter(|x| x.enterprise == g.key).collect();
    if !watch.is_empty() {
        d.heading(w.text("report.watch_heading_enterprise"), 3);
        d.note(&w.with(
            "report.watch_note_enterprise",
            &[
                ("responses", &g.n),
                ("min_sample", &r.min_sample),
                ("count", &watch.len()),
            ],
        ));
        let rows = watch
            .iter()
            .map(|x| {
                let rules: Vec<&str> = x.rules.iter().map(|r| r.label()).collect();
                (
                    vec![format!("{}：{}", x.indicator_name, x.finding), rules.join("、")],
                    Tone::Normal,
                )
            })
            .collect();
        d.table(&Table {
            columns: cols(&[
                (w.text("report.col_watched_problem"), 7.0, Align::Left),
                (w.text("report.col_rules"), 1.6, Align::Left),
            ]),
            rows,
        });
    }
    d.heading(&cx.wording.title("method", &v), 2);
    d.paragraph(&cx.wording.paragraph("method", &v));
    d
}
