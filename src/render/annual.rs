//! The year's documents (SPEC §13) in `reports/<year>/`: scores.json (`kind: "annual"`, the
//! assessment), the annual city report (PDF: the assessment ranked, the twelve months'
//! trend, each enterprise's year), the annual summary workbook, and the year's public page.
//! Registry names, counts, scores and rates only: no respondent appears.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Chart, ChartLegendPosition, ChartType, Workbook, XlsxError};
use serde_json::{Value, json};

use super::report::{CITY_KEY, Sections, cover};
use super::sheet::{Cell, Formats, main_table, print_setup};
use super::{Marks, RenderError, change_text as delta, score_text as score};
use crate::output::write_atomic;
use crate::pdf::chart::{Chart as PdfChart, Lines};
use crate::pdf::{Align, Column, Doc, Table, Tone};
use crate::results::annual::{AnnualEnterprise, AnnualResults, Part, Pooled};
use crate::results::release::Issue;
use crate::scheme::Scheme;
use crate::score::stats::round_half_away;
use crate::wording::Wording;

/// An error of writing `path`.
fn io<'p>(what: &'static str, path: &'p Path) -> impl FnOnce(std::io::Error) -> RenderError + 'p {
    move |e| RenderError::new(what, path, e)
}

fn r2(x: Option<f64>) -> Value {
    x.map_or(Value::Null, |x| json!(round_half_away(x, 2)))
}

fn pooled_json(p: &Pooled) -> Value {
    json!({"n": p.n, "composite": r2(p.composite)})
}

fn part_json(p: &Option<Part>) -> Value {
    p.as_ref().map_or(
        Value::Null,
        |p| json!({"value": r2(Some(p.value)), "weight": p.weight, "share": round_half_away(p.share, 4)}),
    )
}

/// scores.json of the year.
pub fn scores_bytes(a: &AnnualResults) -> Vec<u8> {
    let periods = |list: &[(crate::period::Period, Pooled)], level: &str, key: &str| -> Vec<Value> {
        (list.iter())
            .map(|(p, x)| json!({"period": p.to_string(), "level": level, "key": key, "n": x.n, "composite": r2(x.composite)}))
            .collect()
    };
    let mut months = periods(&a.city_months, "city", CITY_KEY);
    let mut quarters = periods(&a.city_quarters, "city", CITY_KEY);
    for e in &a.enterprises {
        months.extend(periods(&e.months, "enterprise", &e.code));
        quarters.extend(periods(&e.quarters, "enterprise", &e.code));
    }
    let enterprises: Vec<Value> = (a.enterprises.iter())
        .map(|e| {
            json!({
                "enterprise": e.code, "name": e.name, "utility": e.utility,
                "sampled": pooled_json(&e.sampled), "self_assessment": pooled_json(&e.self_assessment),
                "bias": r2(e.bias), "bias_flagged": e.bias_flagged,
                "items_raised": e.items_raised, "items_resolved": e.items_resolved, "items_overdue": e.items_overdue,
                "cases": e.cases, "callback_rate": r2(e.callback_rate()), "rectify_rate": r2(e.rectify_rate()),
                "callback_due": e.callback_due, "called_back_in_time": e.called_back_in_time,
                "rectify_due": e.rectify_due, "rectified_in_time": e.rectified_in_time,
                "integrity_flags": e.integrity_flags,
            })
        })
        .collect();
    let assessment: Vec<Value> = (a.ranked().into_iter())
        .map(|e| {
            let x = &e.assessment;
            json!({
                "enterprise": e.code, "name": e.name, "score": r2(x.score), "grade": x.grade, "rank": x.rank,
                "parts": {"sampled": part_json(&x.sampled), "self_assessment": part_json(&x.self_assessment),
                          "rectification": part_json(&x.rectification)},
            })
        })
        .collect();
    let doc = json!({
        "period": a.year.to_string(),
        "kind": "annual",
        "city": a.city,
        "through": a.through.map(|p| p.to_string()),
        "complete": a.complete,
        "as_of": a.as_of.to_string(),
        "city_sampled": pooled_json(&a.city_sampled),
        "city_self_assessment": pooled_json(&a.city_self),
        "enterprises": enterprises,
        "assessment": assessment,
        "months": months,
        "quarters": quarters,
        "depends_on": a.depends_on,
    });
    let mut out = serde_json::to_vec_pretty(&doc).expect("a JSON value serialises");
    out.push(b'\n');
    out
}

/// The year's label: `2026年` when complete, else `2026年（截至2026年第3季度）`.
fn year_line(w: &Wording, a: &AnnualResults) -> String {
    match (a.complete, a.through) {
        (false, Some(p)) => w.with(
            "report.annual_through",
            &[("year", &a.year), ("period_label", &p.label_zh())],
        ),
        _ => w.with("report.annual_year", &[("year", &a.year)]),
    }
}

fn rate(x: Option<f64>) -> String {
    x.map_or("—".into(), |x| format!("{:.1}%", round_half_away(x, 1)))
}

/// The assessment table's rows: rank, enterprise, parts, score, grade.
fn assessment_rows(a: &AnnualResults, below: &str) -> Vec<(Vec<String>, Tone)> {
    (a.ranked().into_iter())
        .map(|e| {
            let x = &e.assessment;
            let part = |p: &Option<Part>| p.as_ref().map_or("—".into(), |p| score(Some(p.value)));
            let tone = match x.grade.as_deref() {
                Some(g) if g == below => Tone::Alert,
                None => Tone::Muted,
                _ => Tone::Normal,
            };
            (
                vec![
                    x.rank.map_or("—".into(), |r| r.to_string()),
                    e.name.clone(),
                    part(&x.sampled),
                    part(&x.self_assessment),
                    part(&x.rectification),
                    score(x.score),
                    x.grade.clone().unwrap_or_else(|| "—".into()),
                ],
                tone,
            )
        })
        .collect()
}

fn enterprise_rows(a: &AnnualResults) -> Vec<(Vec<String>, Tone)> {
    (a.enterprises.iter())
        .map(|e: &AnnualEnterprise| {
            (
                vec![
                    e.name.clone(),
                    format!("{}（{}）", score(e.sampled.composite), e.sampled.n),
                    format!("{}（{}）", score(e.self_assessment.composite), e.self_assessment.n),
                    delta(e.bias),
                    format!("{}/{}/{}", e.items_raised, e.items_resolved, e.items_overdue),
                    e.cases.to_string(),
                    rate(e.callback_rate()),
                    rate(e.rectify_rate()),
                    e.integrity_flags.to_string(),
                ],
                if e.bias_flagged || e.items_overdue > 0 {
                    Tone::Alert
                } else {
                    Tone::Normal
                },
            )
        })
        .collect()
}

/// The twelve months' composites: the city and each enterprise.
fn months_chart(w: &Wording, a: &AnnualResults, threshold: f64) -> PdfChart {
    let periods: Vec<String> = a.city_months.iter().map(|(p, _)| p.to_string()).collect();
    let mut series = vec![(
        w.text("report.city").to_string(),
        a.city_months.iter().map(|(_, x)| x.composite).collect(),
    )];
    for e in &a.enterprises {
        series.push((e.name.clone(), e.months.iter().map(|(_, x)| x.composite).collect()));
    }
    PdfChart::Lines(Lines {
        periods,
        series,
        threshold: Some(threshold),
    })
}

fn city_report(a: &AnnualResults, scheme: &Scheme, w: &Wording, marks: &Marks<'_>, title: &str, bureau: &str) -> Doc {
    let through = a.through.map_or_else(
        || chrono::NaiveDate::from_ymd_opt(a.year, 12, 31).unwrap_or_default(),
        |p| p.last_day(),
    );
    let line = year_line(w, a);
    let running = match marks.mark() {
        Some(m) => format!("{m} · {title} · {line}"),
        None => format!("{title} · {line}"),
    };
    let dated = marks.dated(through);
    let mut d = Doc::new(title, &running, bureau, dated);
    cover(&mut d, marks, title, &line, bureau, &super::date_zh(dated));
    let mut s = Sections(0);
    let th = scheme.thresholds.action;
    let weights = &scheme.assessment;
    d.heading(&s.next(w.text("report.annual_assessment_heading")), 1);
    d.paragraph(&w.with(
        "report.annual_assessment_intro",
        &[
            ("year", &line),
            ("sampled", &weights.sampled),
            ("self", &weights.self_assessment),
            ("rectification", &weights.rectification),
        ],
    ));
    d.table(&Table {
        columns: vec![
            Column::new(w.text("report.col_rank"), 0.6, Align::Center),
            Column::new(w.text("report.col_enterprise"), 2.6, Align::Left),
            Column::new(w.text("report.annual_col_sampled"), 1.1, Align::Right),
            Column::new(w.text("report.annual_col_self"), 1.1, Align::Right),
            Column::new(w.text("report.annual_col_rectification"), 1.1, Align::Right),
            Column::new(w.text("report.annual_col_score"), 1.1, Align::Right),
            Column::new(w.text("report.annual_col_grade"), 0.9, Align::Center),
        ],
        rows: assessment_rows(a, &weights.below),
    });
    let grades: Vec<String> = (weights.grades.iter())
        .map(|g| format!("{} ≥ {}", g.name, g.min))
        .chain(std::iter::once(weights.below.clone()))
        .collect();
    d.note(&w.with("report.annual_assessment_note", &[("grades", &grades.join("、"))]));
    if !a.loop_started {
        d.note(w.text("report.annual_no_loop"));
    }
    let chart = months_chart(w, a, th);
    d.heading_keep(
        &s.next(w.text("report.annual_trend_heading")),
        1,
        Doc::chart_height(&chart),
    );
    d.chart(
        &w.with("report.annual_trend_caption", &[("count", &a.city_months.len())]),
        &chart,
    );
    d.heading(&s.next(w.text("report.annual_enterprises_heading")), 1);
    d.paragraph(&w.with(
        "report.annual_city_line",
        &[
            ("sampled_n", &a.city_sampled.n),
            ("sampled_composite", &score(a.city_sampled.composite)),
            ("self_n", &a.city_self.n),
            ("self_composite", &score(a.city_self.composite)),
        ],
    ));
    d.table(&Table {
        columns: vec![
            Column::new(w.text("report.col_enterprise"), 2.3, Align::Left),
            Column::new(w.text("report.annual_col_sampled_n"), 1.2, Align::Right),
            Column::new(w.text("report.annual_col_self_n"), 1.2, Align::Right),
            Column::new(w.text("report.col_difference"), 0.8, Align::Right),
            Column::new(w.text("report.annual_col_items"), 1.2, Align::Center),
            Column::new(w.text("report.annual_col_cases"), 0.7, Align::Right),
            Column::new(w.text("report.annual_col_callback"), 0.9, Align::Right),
            Column::new(w.text("report.annual_col_rectify"), 0.9, Align::Right),
            Column::new(w.text("report.annual_col_flags"), 0.7, Align::Right),
        ],
        rows: enterprise_rows(a),
    });
    d.note(w.text("report.annual_enterprises_note"));
    if !a.city_quarters.is_empty() {
        d.heading(&s.next(w.text("report.annual_quarters_heading")), 1);
        let mut columns = vec![Column::new(w.text("report.col_enterprise"), 2.6, Align::Left)];
        columns.extend((a.city_quarters.iter()).map(|(p, _)| Column::new(&p.label_zh(), 1.3, Align::Right)));
        let mut rows = vec![(
            std::iter::once(w.text("report.city").to_string())
                .chain(a.city_quarters.iter().map(|(_, x)| score(x.composite)))
                .collect(),
            Tone::Normal,
        )];
        for e in &a.enterprises {
            let row = std::iter::once(e.name.clone())
                .chain(e.quarters.iter().map(|(_, x)| score(x.composite)))
                .collect();
            rows.push((row, Tone::Normal));
        }
        d.table(&Table { columns, rows });
    }
    d
}

/// The annual summary workbook: the assessment, each enterprise's year, the months with a chart.
fn workbook(a: &AnnualResults, w: &Wording, title: &str) -> Result<Workbook, XlsxError> {
    let mut wb = super::xlsx::pinned(title)?;
    let f = Formats::new();
    let ws = wb
        .add_worksheet()
        .set_name(w.text("report.annual_assessment_heading"))?;
    print_setup(ws, w, title);
    let headers = [
        w.text("report.col_rank"),
        w.text("report.col_enterprise"),
        w.text("report.annual_col_sampled"),
        w.text("report.annual_col_self"),
        w.text("report.annual_col_rectification"),
        w.text("report.annual_col_score"),
        w.text("report.annual_col_grade"),
    ];
    let rows: Vec<Vec<Cell>> = (a.ranked().into_iter())
        .map(|e| {
            let x = &e.assessment;
            let part = |p: &Option<Part>| Cell::score(p.as_ref().map(|p| p.value));
            vec![
                x.rank.map_or(Cell::Empty, |r| Cell::Count(r as u64)),
                Cell::text(e.name.clone()),
                part(&x.sampled),
                part(&x.self_assessment),
                part(&x.rectification),
                Cell::score(x.score),
                Cell::text(x.grade.clone().unwrap_or_default()),
            ]
        })
        .collect();
    main_table(ws, &f, 0, &headers, &rows, 40.0)?;
    let ws = wb
        .add_worksheet()
        .set_name(w.text("report.annual_enterprises_heading"))?;
    print_setup(ws, w, title);
    let headers = [
        w.text("report.col_enterprise"),
        w.text("report.annual_col_sampled_only_n"),
        w.text("report.annual_col_sampled"),
        w.text("report.annual_col_self_only_n"),
        w.text("report.annual_col_self"),
        w.text("report.col_difference"),
        w.text("report.annual_col_raised"),
        w.text("report.annual_col_resolved"),
        w.text("report.annual_col_overdue"),
        w.text("report.annual_col_cases"),
        w.text("report.annual_col_callback"),
        w.text("report.annual_col_rectify"),
        w.text("report.annual_col_flags"),
    ];
    let rows: Vec<Vec<Cell>> = (a.enterprises.iter())
        .map(|e| {
            vec![
                Cell::text(e.name.clone()),
                Cell::Count(e.sampled.n),
                Cell::score(e.sampled.composite),
                Cell::Count(e.self_assessment.n),
                Cell::score(e.self_assessment.composite),
                Cell::score(e.bias),
                Cell::Count(e.items_raised),
                Cell::Count(e.items_resolved),
                Cell::Count(e.items_overdue),
                Cell::Count(e.cases),
                Cell::score(e.callback_rate()),
                Cell::score(e.rectify_rate()),
                Cell::Count(e.integrity_flags),
            ]
        })
        .collect();
    main_table(ws, &f, 0, &headers, &rows, 40.0)?;
    let sheet = w.text("report.annual_months_sheet");
    let ws = wb.add_worksheet().set_name(sheet)?;
    print_setup(ws, w, title);
    let mut headers = vec![
        w.text("report.users_col_period").to_string(),
        w.text("report.city").to_string(),
    ];
    headers.extend(a.enterprises.iter().map(|e| e.name.clone()));
    let rows: Vec<Vec<Cell>> = (a.city_months.iter().enumerate())
        .map(|(i, (p, x))| {
            let mut cells = vec![Cell::text(p.to_string()), Cell::score(x.composite)];
            cells.extend(
                a.enterprises
                    .iter()
                    .map(|e| Cell::score(e.months.get(i).and_then(|m| m.1.composite))),
            );
            cells
        })
        .collect();
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    main_table(ws, &f, 0, &refs, &rows, 30.0)?;
    if !rows.is_empty() {
        let last = rows.len() as u32;
        let mut chart = Chart::new(ChartType::Line);
        chart.title().set_name(w.text("report.annual_trend_heading"));
        for c in 1..headers.len() as u16 {
            chart
                .add_series()
                .set_name((sheet, 0, c))
                .set_categories((sheet, 1, 0, last, 0))
                .set_values((sheet, 1, c, last, c));
        }
        chart.legend().set_position(ChartLegendPosition::Bottom);
        chart.set_width(820).set_height(340);
        ws.insert_chart(last + 2, 0, &chart)?;
    }
    Ok(wb)
}

/// The year's public page: the assessment ranked, with grades; no personal data.
fn public_page(a: &AnnualResults, w: &Wording, title: &str) -> String {
    let e = crate::pdf::chart::escape;
    let mut rows = String::new();
    for x in a.ranked() {
        let s = &x.assessment;
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            s.rank.map_or("—".into(), |r| r.to_string()),
            e(&x.name),
            score(s.score),
            e(s.grade.as_deref().unwrap_or("—"))
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{t}</title>\n<style>body{{font-family:\"Noto Sans CJK SC\",sans-serif;max-width:760px;margin:2em auto;padding:0 1em;color:#222}}table{{border-collapse:collapse;width:100%}}th,td{{border-bottom:1px solid #ccc;padding:.4em .6em;text-align:left}}th{{background:#eef3f8}}td:nth-child(3){{text-align:right}}</style>\n</head>\n<body>\n<h1>{t}</h1>\n<p>{line}</p>\n<table>\n<thead><tr><th>{c1}</th><th>{c2}</th><th>{c3}</th><th>{c4}</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n<p>{note}</p>\n</body>\n</html>\n",
        t = e(title),
        line = e(&year_line(w, a)),
        c1 = e(w.text("report.col_rank")),
        c2 = e(w.text("report.col_enterprise")),
        c3 = e(w.text("report.annual_col_score")),
        c4 = e(w.text("report.annual_col_grade")),
        note = e(w.text("report.annual_public_note")),
    )
}

/// The renderer's name in errors.
const REPORT: &str = "annual";

/// A fingerprint of the year's results (scores.json without the day they were counted on):
/// what a release is compared with.
pub fn fingerprint(a: &AnnualResults) -> String {
    fingerprint_of(&scores_bytes(a)).expect("scores.json as written")
}

/// The fingerprint of a year's scores.json as written, if it reads.
pub fn fingerprint_of(scores: &[u8]) -> Option<String> {
    use sha2::{Digest, Sha256};
    let mut doc: Value = serde_json::from_slice(scores).ok()?;
    if let Some(m) = doc.as_object_mut() {
        m.remove("as_of");
        m.remove("depends_on");
    }
    // The call-back counts move with each passing deadline and are no part of the assessment.
    for e in doc["enterprises"].as_array_mut().into_iter().flatten() {
        if let Some(m) = e.as_object_mut() {
            for k in ["callback_rate", "callback_due", "called_back_in_time"] {
                m.remove(k);
            }
        }
    }
    let bytes = serde_json::to_vec(&doc).ok()?;
    Some(Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes the year's scores.json into `dir`, and its documents when `documents`: marked as
/// `issue` says (a draft under sign-off until the year is released). Returns the files written.
pub fn write(
    a: &AnnualResults,
    scheme: &Scheme,
    wording: &Wording,
    dir: &Path,
    issue: &Issue,
    documents: bool,
) -> Result<Vec<PathBuf>, RenderError> {
    let mut values = crate::wording::Values::new();
    values.insert("city", a.city.clone());
    let bureau = wording.bureau(&values);
    std::fs::create_dir_all(dir).map_err(io(REPORT, dir))?;
    let marks = Marks { issue, wording, dir };
    let mut out = Vec::new();
    let scores = dir.join(super::json::SCORES);
    write_atomic(&scores, &scores_bytes(a)).map_err(io(REPORT, &scores))?;
    out.push(scores);
    if !documents {
        return Ok(out);
    }
    let title = wording.with("report.annual_title", &[("city", &a.city), ("year", &a.year)]);
    let pdf = marks.place(Path::new(&format!("{title}.pdf")));
    let bytes = city_report(a, scheme, wording, &marks, &title, &bureau)
        .finish()
        .map_err(|e| RenderError::new(REPORT, &pdf, std::io::Error::other(e)))?;
    write_atomic(&pdf, &bytes).map_err(io(REPORT, &pdf))?;
    out.push(pdf);
    let book_title = wording.with("report.annual_workbook", &[("city", &a.city), ("year", &a.year)]);
    let xlsx = marks.place(Path::new(&format!("{book_title}.xlsx")));
    let xlsx_err = |e: XlsxError| RenderError::new(REPORT, &xlsx, std::io::Error::other(e.to_string()));
    let mut wb = workbook(a, wording, &marks.titled(&book_title)).map_err(xlsx_err)?;
    super::xlsx::save_atomic(&mut wb, &xlsx).map_err(xlsx_err)?;
    out.push(xlsx);
    let page_title = wording.with("report.annual_public_title", &[("city", &a.city), ("year", &a.year)]);
    let html = marks.place(Path::new(&format!("{page_title}.html")));
    write_atomic(&html, public_page(a, wording, &page_title).as_bytes()).map_err(io(REPORT, &html))?;
    out.push(html);
    Ok(out)
}

/// The documents of `written` under their other name (a draft's, or the plain one): an
/// earlier computation's, when sign-off was turned on or off since.
pub fn other_names(written: &[PathBuf]) -> Vec<PathBuf> {
    (written.iter())
        .filter_map(|w| {
            let name = w.file_name()?.to_string_lossy().into_owned();
            let other = match name.strip_prefix(super::DRAFT_PREFIX) {
                Some(plain) => plain.to_string(),
                None => format!("{}{name}", super::DRAFT_PREFIX),
            };
            Some(w.with_file_name(other))
        })
        .filter(|o| !written.contains(o))
        .collect()
}
