//! The public disclosure (公示, SPEC §8): a self-contained HTML page and a PDF with the same
//! content, written into the period's folder (`公示/`) and mirrored into the public folder
//! with an index of every period, ready to copy to the bureau's website as it is.
//!
//! Both documents are made from [`PublicView`] alone: the enterprise ranking and scores with
//! n, the city and utility summaries. The view has no field that could hold a respondent's
//! name, a phone number or free text, so neither document can show one.

use std::path::{Path, PathBuf};

use super::{RenderContext, RenderError, Renderer, change_text as change, date_zh, score_text as score};
use crate::pdf::chart::{Bars, Chart, Svg, escape};
use crate::pdf::doc::{CONTENT_W, MARGIN_X, PAGE_W};
use crate::pdf::font::Weight;
use crate::pdf::{Align, Column, Doc, Style, Table, Tone};
use crate::period::Period;
use crate::results::public::{PublicRank, PublicSummary, PublicView};
use crate::score::stats::round_half_away;
use crate::wording::{Values, Wording};

pub struct PublicDisclosure;

/// The folder of a period's public files, under its reports folder.
pub const FOLDER: &str = "公示";
/// The page's name in the public folder (`public/2026-10/index.html`).
pub const PAGE: &str = "index.html";

/// What both documents say, in the wording of `templates/report.toml`.
struct Texts<'a> {
    /// The wording, for the headings and labels.
    w: &'a Wording,
    title: String,
    bureau: String,
    period: String,
    intro: String,
    method: String,
    note: String,
    /// The date it is dated: the release date once issued, else the period's last day.
    ended: String,
    dated: chrono::NaiveDate,
    /// The draft's or correction's mark (送审稿, 第 2 版（更正）).
    mark: Option<String>,
    /// The notice period and where objections go, or a draft's note on when it will be public.
    notice: Option<String>,
    /// 签发人 and 文号, under the date.
    signed: Vec<String>,
    /// A correction's 更正说明: its intro and one line per enterprise whose figures changed.
    changes: Option<(String, Vec<String>)>,
}

impl<'a> Texts<'a> {
    fn of(view: &PublicView, cx: &RenderContext<'a>, v: &Values, notice_days: u32) -> Texts<'a> {
        use crate::results::release::Issue;
        let w = cx.wording;
        let marks = cx.marks();
        let (notice, signed, changes) = match cx.issue {
            Issue::Unsigned => (None, Vec::new(), None),
            Issue::Draft { .. } => (
                Some(w.with("release.notice_draft", &[("days", &notice_days)])),
                Vec::new(),
                None,
            ),
            Issue::Issued(r) => {
                let mut notice = w.with(
                    "release.notice",
                    &[
                        ("start", &date_zh(r.date)),
                        ("end", &date_zh(r.notice_end)),
                        ("days", &notice_days),
                        ("contact", &r.contact),
                    ],
                );
                if r.notice_estimated {
                    notice += w.text("release.weekdays_only");
                }
                let mut signed = vec![w.with("release.signer", &[("signer", &r.signer)])];
                signed.extend(r.number.as_ref().map(|n| w.with("release.number", &[("number", n)])));
                let changes = r.is_correction().then(|| {
                    let intro = w.with(
                        "release.changes_intro",
                        &[
                            ("period_label", &view.period.label_zh()),
                            ("previous", &(r.version - 1)),
                        ],
                    );
                    (intro, super::report::change_lines(w, r, true))
                });
                (Some(notice), signed, changes)
            }
        };
        Texts {
            w,
            title: w.title("public_page", v),
            bureau: w.bureau(v),
            period: format!("{}（{}）", view.period.label_zh(), view.kind.label()),
            intro: w.paragraph("public_intro", v),
            method: w.paragraph("method", v),
            note: w.paragraph("public_note", v),
            ended: date_zh(marks.dated(view.period.last_day())),
            dated: marks.dated(view.period.last_day()),
            mark: marks.mark(),
            notice,
            signed,
            changes,
        }
    }
}

impl Renderer for PublicDisclosure {
    fn name(&self) -> &'static str {
        "公示"
    }

    fn render(&self, cx: &RenderContext<'_>) -> Result<Vec<PathBuf>, RenderError> {
        let dims = cx
            .scheme
            .dimensions
            .iter()
            .map(|d| (d.name.clone(), d.weight))
            .collect();
        let view = PublicView::of(cx.results, dims, cx.scheme.thresholds.action);
        let mut v = super::wording_values(cx.results);
        super::scheme_values(&mut v, cx.scheme);
        let bureau = cx.wording.bureau(&v);
        v.insert("bureau", bureau);
        let texts = Texts::of(&view, cx, &v, cx.notice_days);
        let name = cx.wording.name("public_page", &v);
        let html_path = cx.marks().place(&Path::new(FOLDER).join(format!("{name}.html")));
        let pdf_path = cx.marks().place(&Path::new(FOLDER).join(format!("{name}.pdf")));
        fn fail(p: &Path) -> impl Fn(std::io::Error) -> RenderError + '_ {
            move |e| RenderError::new("公示", p, e)
        }
        let pdf_name = pdf_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let html = page(&view, &texts, &pdf_name);
        crate::output::write_atomic(&html_path, html.as_bytes()).map_err(fail(&html_path))?;
        let title = cx.marks().titled(&name);
        super::report::save("公示", pdf(&view, &texts, &title), &pdf_path)?;
        Ok(vec![html_path, pdf_path])
    }

    fn issued(&self) -> bool {
        true
    }
}

/// The ranking chart of the view (enterprises in ranking order, 样本不足 noted).
fn ranking_bars(w: &Wording, view: &PublicView) -> Bars {
    Bars {
        labels: view
            .ranking
            .iter()
            .map(|e| {
                e.rank
                    .map_or(e.enterprise.clone(), |n| format!("{n}. {}", e.enterprise))
            })
            .collect(),
        values: view.ranking.iter().map(|e| e.composite).collect(),
        notes: view
            .ranking
            .iter()
            .map(|e| e.insufficient.then(|| w.text("report.insufficient").to_string()))
            .collect(),
        threshold: Some(view.action_threshold),
    }
}

const CSS: &str = r#"
:root { --ink: #1f1f1f; --muted: #595959; --rule: #c8ced6; --head: #e8eef4; --accent: #2f5d8a; --alert: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 16px/1.7 FONTS; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
header { border-bottom: 3px solid var(--accent); margin-bottom: 1.5rem; }
.bureau { margin: 0; color: var(--muted); }
h1 { font-size: 1.6rem; line-height: 1.35; margin: .3rem 0; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; padding-left: .6rem; border-left: 4px solid var(--accent); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.period { margin: 0 0 .8rem; font-size: 1.1rem; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr)); gap: .6rem; margin: 1rem 0; padding: 0; }
.figures div { background: var(--head); border-left: 4px solid var(--accent); padding: .5rem .8rem; }
.figures dt { color: var(--muted); font-size: .9rem; }
.figures dd { margin: 0; font-size: 1.5rem; font-weight: 700; color: var(--accent); }
.table-wrap { overflow-x: auto; margin: .5rem 0 1rem; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
caption { text-align: left; font-weight: 700; padding: .3rem 0; }
th, td { padding: .45rem .6rem; border-bottom: 1px solid var(--rule); text-align: left; white-space: nowrap; }
thead th { background: var(--head); border-bottom: 2px solid var(--ink); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody th { font-weight: 400; white-space: normal; min-width: 10rem; }
tr.alert td.score { color: var(--alert); font-weight: 700; }
tr.thin td, tr.thin th { color: var(--muted); }
figure { margin: 1rem 0; }
figure svg { width: 100%; height: auto; }
svg.chart-narrow { display: none; }
figcaption, .note { color: var(--muted); font-size: .9rem; }
.mark { color: var(--alert); font-weight: 700; }
.notice { border-left: 4px solid var(--accent); padding: .4rem .8rem; background: var(--head); }
footer { margin-top: 2.5rem; padding-top: 1rem; border-top: 1px solid var(--rule); text-align: right; }
footer p { margin: .2rem 0; }
a { color: var(--accent); }
@media (max-width: 40rem) {
  body { font-size: 15px; }
  h1 { font-size: 1.3rem; }
  th, td { padding: .4rem .3rem; }
  thead th.wraps { white-space: normal; }
  table { font-size: .88rem; }
  tbody th { min-width: 7rem; }
  .wide { display: none; }
  svg.chart-wide { display: none; }
  svg.chart-narrow { display: block; }
}
@media print {
  @page { size: A4; margin: 18mm 15mm; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  .table-wrap { overflow: visible; }
  thead { display: table-header-group; }
  tr, figure { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .wide { display: table-cell; }
  svg.chart-wide { display: block; }
  svg.chart-narrow { display: none; }
  .download { display: none; }
  a { color: inherit; text-decoration: none; }
}
"#;

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{}</style>\n</head>\n",
        escape(title),
        CSS.replace("FONTS", crate::pdf::chart::FONT_FAMILY)
    )
}

fn summary_figures(w: &Wording, s: &PublicSummary, enterprises: usize) -> String {
    let item = |label: &str, value: String| format!("<div><dt>{label}</dt><dd>{}</dd></div>", escape(&value));
    format!(
        "<dl class=\"figures\">{}{}{}{}</dl>\n",
        item(w.text("report.tile_responses"), s.n.to_string()),
        item(w.text("report.tile_composite"), score(s.composite)),
        item(w.text("report.tile_overall"), score(s.overall)),
        item(w.text("report.tile_enterprises"), enterprises.to_string())
    )
}

/// A ranking table: rank, enterprise, utility, composite, overall satisfaction, n, change.
fn ranking_table(w: &Wording, caption: &str, rows: &[&PublicRank], threshold: f64) -> String {
    let th = |class: &str, key: &str| format!("<th scope=\"col\"{class}>{}</th>", escape(w.text(key)));
    let mut t = format!(
        "<div class=\"table-wrap\"><table>\n<caption>{}</caption>\n<thead><tr>{}{}{}{}{}{}{}</tr></thead>\n<tbody>\n",
        escape(caption),
        th(" class=\"num\"", "report.col_rank"),
        th("", "report.col_enterprise"),
        th(" class=\"wide\"", "report.col_utility"),
        th(" class=\"num\"", "report.col_composite"),
        th(" class=\"num wraps\"", "report.col_overall"),
        th(" class=\"num\"", "report.col_sample"),
        th(" class=\"num wide\"", "report.col_vs_previous"),
    );
    for e in rows {
        let class = if e.insufficient {
            " class=\"thin\""
        } else if e.composite.is_some_and(|c| c < threshold) {
            " class=\"alert\""
        } else {
            ""
        };
        let rank = e.rank_text();
        t += &format!(
            "<tr{class}><td class=\"num\">{}</td><th scope=\"row\">{}</th><td class=\"wide\">{}</td><td class=\"num score\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num wide\">{}</td></tr>\n",
            escape(&rank),
            escape(&e.enterprise),
            escape(e.utility),
            if e.insufficient {
                w.text("report.insufficient").to_string()
            } else {
                score(e.composite)
            },
            if e.insufficient {
                w.text("report.insufficient").to_string()
            } else {
                score(e.overall)
            },
            e.n,
            change(e.change)
        );
    }
    t + "</tbody>\n</table></div>\n"
}

/// The period's page: self-contained (inline CSS, the chart as inline SVG), no script, no
/// external request; every value escaped.
fn page(view: &PublicView, t: &Texts<'_>, pdf_name: &str) -> String {
    let w = t.w;
    let mut h = head(&format!("{} {}", t.title, view.period.label_zh()));
    h += "<body>\n<main>\n<header>\n";
    h += &format!("<p class=\"bureau\">{}</p>\n", escape(&t.bureau));
    h += &format!("<h1>{}</h1>\n", escape(&t.title));
    h += &format!("<p class=\"period\">{}</p>\n", escape(&t.period));
    if let Some(mark) = &t.mark {
        h += &format!("<p class=\"mark\">{}</p>\n", escape(mark));
    }
    h += "</header>\n";
    h += &format!("<p>{}</p>\n", escape(&t.intro));
    if let Some(notice) = &t.notice {
        h += &format!("<p class=\"notice\">{}</p>\n", escape(notice));
    }
    if let Some((intro, lines)) = &t.changes {
        h += &format!(
            "<section aria-labelledby=\"s-changes\">\n<h2 id=\"s-changes\">{}</h2>\n<p>{}</p>\n<ul>\n",
            escape(w.text("release.changes")),
            escape(intro)
        );
        for line in lines {
            h += &format!("<li>{}</li>\n", escape(line));
        }
        h += "</ul>\n</section>\n";
    }
    h += &format!(
        "<section aria-labelledby=\"s-summary\">\n<h2 id=\"s-summary\">{}</h2>\n",
        escape(w.text("public.city_summary"))
    );
    h += &summary_figures(w, &view.city_summary, view.ranking.len());
    h += &format!(
        "</section>\n<section aria-labelledby=\"s-ranking\">\n<h2 id=\"s-ranking\">{}</h2>\n",
        escape(if view.unranked.is_some() {
            w.text("public.scores")
        } else {
            w.text("titles.ranking")
        })
    );
    // Fewer enterprises with enough responses than a ranking needs: said first, with why.
    if let Some(why) = &view.unranked {
        h += &format!("<p class=\"note\">{}。</p>\n", escape(why));
    }
    let chart_title = w.text("public.chart_title");
    // A wide chart, and a narrow one for phones (its labels stay legible at a phone's width).
    let chart = Chart::Bars(ranking_bars(w, view));
    h += &format!(
        "<figure>{}{}<figcaption>{}</figcaption></figure>\n",
        Svg::render(&chart, 560.0, chart_title).replacen("<svg ", "<svg class=\"chart-wide\" ", 1),
        Svg::render(&chart, 280.0, chart_title).replacen("<svg ", "<svg class=\"chart-narrow\" ", 1),
        escape(&w.with("public.chart_caption", &[("threshold", &view.action_threshold)],))
    );
    let all: Vec<&PublicRank> = view.ranking.iter().collect();
    let caption = if view.unranked.is_some() {
        "public.table_caption_unranked"
    } else {
        "public.table_caption"
    };
    let caption = w.with(caption, &[("period_label", &view.period.label_zh())]);
    h += &ranking_table(w, &caption, &all, view.action_threshold);
    h += &format!("<p class=\"note\">{}</p>\n</section>\n", escape(&t.note));
    h += &format!(
        "<section aria-labelledby=\"s-utility\">\n<h2 id=\"s-utility\">{}</h2>\n",
        escape(w.text("public.by_utility"))
    );
    for u in &view.utilities {
        let rows: Vec<&PublicRank> = view.ranking.iter().filter(|e| e.utility == u.label).collect();
        h += &format!(
            "<h3>{}</h3>\n",
            escape(&w.with("public.utility_heading", &[("utility", &u.label)]))
        );
        h += &format!(
            "<p>{}</p>\n",
            escape(&w.with(
                "public.utility_summary",
                &[
                    ("utility", &u.label),
                    ("responses", &u.n),
                    ("composite", &score(u.composite)),
                    ("overall", &score(u.overall)),
                ],
            ))
        );
        let caption = if view.unranked.is_some() {
            "public.utility_caption_unranked"
        } else {
            "public.utility_caption"
        };
        let caption = w.with(caption, &[("utility", &u.label)]);
        h += &ranking_table(w, &caption, &rows, view.action_threshold);
    }
    h += &format!(
        "</section>\n<section aria-labelledby=\"s-method\">\n<h2 id=\"s-method\">{}</h2>\n",
        escape(w.text("public.method"))
    );
    h += &format!("<p>{}</p>\n", escape(&t.method));
    let weights: Vec<String> = view
        .dimensions
        .iter()
        .map(|(d, x)| {
            w.with(
                "public.weight",
                &[("dimension", d), ("weight", &round_half_away(*x, 2))],
            )
        })
        .collect();
    h += &format!(
        "<p>{}</p>\n</section>\n",
        escape(&w.with(
            "public.weights",
            &[("count", &view.dimensions.len()), ("weights", &weights.join("、"))],
        ))
    );
    h += "<footer>\n";
    h += &format!("<p>{}</p>\n<p>{}</p>\n", escape(&t.bureau), escape(&t.ended));
    for line in &t.signed {
        h += &format!("<p>{}</p>\n", escape(line));
    }
    h += &format!(
        "<p class=\"download\"><a href=\"{}\">{}</a></p>\n",
        escape(&percent_encode(pdf_name)),
        escape(w.text("public.download_pdf"))
    );
    h += "</footer>\n</main>\n</body>\n</html>\n";
    h
}

/// A file name as a relative URL (UTF-8 percent-encoded, except unreserved characters).
fn percent_encode(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out += &format!("%{b:02X}");
        }
    }
    out
}

/// The same content as a PDF (A4, no cover).
fn pdf(view: &PublicView, t: &Texts<'_>, name: &str) -> Doc {
    let w = t.w;
    use crate::pdf::chart::{Anchor, BLUE, GREY, INK, RED};
    let running = format!("{} · {}", t.title, view.period.label_zh());
    let running = t.mark.as_ref().map_or(running.clone(), |m| format!("{m} · {running}"));
    let mut d = Doc::new(name, &running, &t.bureau, t.dated);
    let y = d.y();
    d.text(
        PAGE_W / 2.0,
        y + 4.0,
        &t.bureau,
        Style::new(11.0, Weight::Regular, GREY),
        Anchor::Middle,
    );
    d.set_y(y + 14.0);
    for line in crate::pdf::text::wrap(crate::pdf::font::face(Weight::Bold), &t.title, 18.0, CONTENT_W) {
        let y = d.y() + 22.0;
        d.text(
            PAGE_W / 2.0,
            y,
            &line,
            Style::new(18.0, Weight::Bold, INK),
            Anchor::Middle,
        );
        d.set_y(y + 6.0);
    }
    let y = d.y() + 16.0;
    d.text(
        PAGE_W / 2.0,
        y,
        &t.period,
        Style::new(12.0, Weight::Regular, INK),
        Anchor::Middle,
    );
    d.line(
        &[(MARGIN_X, y + 10.0), (MARGIN_X + CONTENT_W, y + 10.0)],
        BLUE,
        1.5,
        false,
    );
    d.set_y(y + 20.0);
    if let Some(mark) = &t.mark {
        let y = d.y() + 4.0;
        d.text(
            PAGE_W / 2.0,
            y,
            mark,
            Style::new(12.0, Weight::Bold, RED),
            Anchor::Middle,
        );
        d.set_y(y + 12.0);
    }
    d.paragraph(&t.intro);
    if let Some(notice) = &t.notice {
        d.paragraph(notice);
    }
    if let Some((intro, lines)) = &t.changes {
        d.heading(w.text("release.changes"), 1);
        d.paragraph(intro);
        for line in lines {
            d.paragraph(line);
        }
    }
    let mut sections = super::report::Sections(0);
    d.heading(&sections.next(w.text("public.city_summary")), 1);
    let s = &view.city_summary;
    d.tiles(&[
        (w.text("report.tile_responses").into(), s.n.to_string()),
        (w.text("report.tile_composite").into(), score(s.composite)),
        (w.text("report.tile_overall").into(), score(s.overall)),
        (w.text("report.tile_enterprises").into(), view.ranking.len().to_string()),
    ]);
    let heading = sections.next(if view.unranked.is_some() {
        w.text("public.scores")
    } else {
        w.text("titles.ranking")
    });
    super::report::bar_charts(
        &mut d,
        w,
        &heading,
        w.text("report.ranking_caption"),
        &ranking_bars(w, view),
    );
    let all: Vec<&PublicRank> = view.ranking.iter().collect();
    d.table(&pdf_table(w, &all, view.action_threshold));
    if let Some(why) = &view.unranked {
        d.note(&format!("{why}。"));
    }
    d.note(&t.note);
    d.heading(&sections.next(w.text("public.by_utility")), 1);
    for u in &view.utilities {
        d.heading(&w.with("public.utility_heading", &[("utility", &u.label)]), 3);
        let ranked = if view.unranked.is_some() {
            w.text("public.utility_unranked")
        } else {
            w.text("public.utility_ranked")
        };
        let summary = w.with(
            "public.utility_summary",
            &[
                ("utility", &u.label),
                ("responses", &u.n),
                ("composite", &score(u.composite)),
                ("overall", &score(u.overall)),
            ],
        );
        d.note(&format!("{summary}{ranked}"));
        let rows: Vec<&PublicRank> = view.ranking.iter().filter(|e| e.utility == u.label).collect();
        d.table(&pdf_table(w, &rows, view.action_threshold));
    }
    d.heading(&sections.next(w.text("public.method")), 1);
    d.paragraph(&t.method);
    let weights: Vec<String> = view
        .dimensions
        .iter()
        .map(|(n, x)| {
            w.with(
                "public.weight",
                &[("dimension", n), ("weight", &round_half_away(*x, 2))],
            )
        })
        .collect();
    d.paragraph(&w.with(
        "public.weights",
        &[("count", &view.dimensions.len()), ("weights", &weights.join("、"))],
    ));
    d.ensure(50.0);
    d.space(16.0);
    let y = d.y();
    d.text(
        MARGIN_X + CONTENT_W,
        y + 12.0,
        &t.bureau,
        Style::new(11.0, Weight::Regular, INK),
        Anchor::End,
    );
    d.text(
        MARGIN_X + CONTENT_W,
        y + 30.0,
        &t.ended,
        Style::new(11.0, Weight::Regular, INK),
        Anchor::End,
    );
    let mut y = y + 36.0;
    for line in &t.signed {
        d.text(
            MARGIN_X + CONTENT_W,
            y + 12.0,
            line,
            Style::new(11.0, Weight::Regular, INK),
            Anchor::End,
        );
        y += 18.0;
    }
    d.set_y(y);
    d
}

fn pdf_table(w: &Wording, rows: &[&PublicRank], threshold: f64) -> Table {
    Table {
        columns: vec![
            Column::new(w.text("report.col_rank"), 0.9, Align::Center),
            Column::new(w.text("report.col_enterprise"), 3.2, Align::Left),
            Column::new(w.text("report.col_utility"), 0.7, Align::Center),
            Column::new(w.text("report.col_composite"), 1.1, Align::Right),
            Column::new(w.text("report.col_overall"), 1.2, Align::Right),
            Column::new(w.text("report.col_sample"), 0.9, Align::Right),
            Column::new(w.text("report.col_vs_previous"), 1.0, Align::Right),
        ],
        rows: rows
            .iter()
            .map(|e| {
                let tone = if e.insufficient {
                    Tone::Muted
                } else if e.composite.is_some_and(|c| c < threshold) {
                    Tone::Alert
                } else {
                    Tone::Normal
                };
                (
                    vec![
                        e.rank_text(),
                        e.enterprise.clone(),
                        e.utility.to_string(),
                        if e.insufficient {
                            w.text("report.insufficient").to_string()
                        } else {
                            score(e.composite)
                        },
                        if e.insufficient {
                            w.text("report.insufficient").to_string()
                        } else {
                            score(e.overall)
                        },
                        e.n.to_string(),
                        change(e.change),
                    ],
                    tone,
                )
            })
            .collect(),
    }
}

/// Mirrors a period's public files into `public/<period>/` (the page as `index.html`, the
/// PDF under its own name), removes anything else there, and rewrites `public/index.html`.
pub fn mirror(
    public: &Path,
    period: Period,
    outputs: &[PathBuf],
    wording: &Wording,
    values: &Values,
) -> std::io::Result<()> {
    let dir = public.join(period.to_string());
    std::fs::create_dir_all(&dir)?;
    // Best effort: a public/ owned by another account (a web deployment's) keeps its mode.
    let _ = crate::output::make_public(public);
    let _ = crate::output::make_public(&dir);
    let mut keep = Vec::new();
    let mut files: Vec<&PathBuf> = (outputs.iter())
        .filter(|p| p.parent().and_then(|d| d.file_name()) == Some(FOLDER.as_ref()))
        .collect();
    // The PDF before the page that links it: a copy of the folder taken meanwhile never holds
    // a page whose PDF is missing.
    files.sort_by_key(|p| p.extension().is_some_and(|e| e == "html"));
    for out in files {
        let name = match out.extension().and_then(|e| e.to_str()) {
            Some("html") => PAGE.to_string(),
            _ => out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        crate::output::write_atomic(&dir.join(&name), &std::fs::read(out)?)?;
        crate::output::make_public(&dir.join(&name))?;
        keep.push(name);
    }
    for e in std::fs::read_dir(&dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !keep.contains(&name) && e.file_type()?.is_file() {
            std::fs::remove_file(e.path())?;
        }
    }
    write_index(public, wording, values)
}

/// `public/index.html`: every period with a page, newest first, with its page and PDF.
pub fn write_index(public: &Path, w: &Wording, values: &Values) -> std::io::Result<()> {
    let mut periods: Vec<(Period, Option<String>)> = Vec::new();
    // The years' assessments (SPEC §13), `public/<year>/index.html`, newest first, above.
    let mut years: Vec<i32> = Vec::new();
    for e in std::fs::read_dir(public)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.len() == 4
            && let Ok(year) = name.parse::<i32>()
            && e.path().join(PAGE).is_file()
        {
            years.push(year);
            continue;
        }
        let Some(p) = Period::parse(&name) else {
            continue;
        };
        if !e.path().join(PAGE).is_file() {
            continue;
        }
        let mut pdfs: Vec<String> = std::fs::read_dir(e.path())?
            .filter_map(|f| f.ok())
            .map(|f| f.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".pdf"))
            .collect();
        pdfs.sort();
        periods.push((p, pdfs.into_iter().next()));
    }
    periods.sort_by_key(|p| std::cmp::Reverse(p.0));
    let title = w.title("public_page", values);
    let mut h = head(&title);
    h += "<body>\n<main>\n<header>\n";
    h += &format!(
        "<p class=\"bureau\">{}</p>\n<h1>{}</h1>\n</header>\n",
        escape(&w.bureau(values)),
        escape(&title)
    );
    let t = |key: &str| escape(w.text(key));
    h += &format!("<p>{}</p>\n", t("public.index_intro"));
    h += &format!(
        "<div class=\"table-wrap\"><table>\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        t("public.index_caption"),
        t("public.index_period"),
        t("public.index_kind"),
        t("public.index_page"),
        t("public.index_pdf"),
    );
    years.sort_by_key(|y| std::cmp::Reverse(*y));
    for y in &years {
        h += &format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td><a href=\"{y}/{PAGE}\">{}</a></td><td>—</td></tr>\n",
            escape(&w.with("report.annual_year", &[("year", y)])),
            t("report.annual_assessment_heading"),
            t("public.index_view"),
        );
    }
    for (p, pdf) in &periods {
        let link = pdf.as_ref().map_or(String::from("—"), |n| {
            format!(
                "<a href=\"{}/{}\">{}</a>",
                p,
                escape(&percent_encode(n)),
                t("public.index_download")
            )
        });
        h += &format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td><a href=\"{p}/{PAGE}\">{}</a></td><td>{link}</td></tr>\n",
            escape(&p.label_zh()),
            escape(p.kind().label()),
            t("public.index_view"),
        );
    }
    h += "</tbody>\n</table></div>\n</main>\n</body>\n</html>\n";
    crate::output::write_atomic(&public.join(PAGE), h.as_bytes())?;
    crate::output::make_public(&public.join(PAGE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_escaped() {
        let rank = PublicRank {
            rank: Some(1),
            enterprise: "<script>alert(1)</script>".into(),
            utility: "供水",
            n: 40,
            composite: Some(85.0),
            overall: Some(80.0),
            change: None,
            insufficient: false,
        };
        let summary = PublicSummary {
            label: "全市".into(),
            n: 40,
            composite: Some(85.0),
            overall: Some(80.0),
            insufficient: false,
        };
        let view = PublicView {
            city: "<b>市</b>".into(),
            period: Period::parse("2026-10").unwrap(),
            kind: crate::period::ReturnKind::Monthly,
            previous: None,
            min_sample: 30,
            action_threshold: 80.0,
            dimensions: vec![("企业形象<i>".into(), 0.25)],
            city_summary: summary.clone(),
            utilities: vec![PublicSummary {
                label: "供水".into(),
                ..summary
            }],
            ranking: vec![rank],
            unranked: None,
        };
        let wording = crate::wording::Wording::builtin();
        let texts = Texts {
            w: &wording,
            title: "标题<".into(),
            bureau: "局&".into(),
            period: "期\"".into(),
            intro: "<p>".into(),
            method: "<em>".into(),
            note: "'".into(),
            ended: "2026年10月31日".into(),
            dated: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
            mark: Some("<u>".into()),
            notice: Some("<s>".into()),
            signed: vec!["<q>".into()],
            changes: Some(("<kbd>".into(), vec!["<var>".into()])),
        };
        let html = page(&view, &texts, "a\"b.pdf");
        for raw in [
            "<script", "<b>", "<i>", "标题<", "局&<", "<p><", "<em>", "<u>", "<s>", "<q>", "<kbd>", "<var>",
        ] {
            assert!(!html.contains(raw), "{raw} unescaped");
        }
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && html.contains("a%22b.pdf"));
    }

    #[test]
    fn file_names_become_relative_urls() {
        assert_eq!(percent_encode("a b.pdf"), "a%20b.pdf");
        assert_eq!(percent_encode("公示.pdf"), "%E5%85%AC%E7%A4%BA.pdf");
    }
}
