//! The summary workbook (汇总表, SPEC §8) a bureau leader opens: key figures and charts, the
//! enterprise ranking, group scores, the item matrix, declines, the improvement work list,
//! complaint topics, data quality per submitter and how every number is computed. Native
//! Excel charts, values (never formulas), print-ready sheets. It holds no personal data: only
//! registry names, counts, scores and the masked quotes of the analysis.

use std::path::PathBuf;

use rust_xlsxwriter::{
    Chart, ChartLegendPosition, ChartType, ConditionalFormat3ColorScale, Workbook, Worksheet, XlsxError,
};

use super::sheet::{Cell, Formats, main_table, print_setup, table, text_width};
use super::{RenderContext, RenderError, Renderer};
use crate::results::{GroupResult, Level, PeriodResults};
use crate::wording::{Values, Wording};

pub struct SummaryWorkbook;

impl Renderer for SummaryWorkbook {
    fn name(&self) -> &'static str {
        "汇总表"
    }

    fn render(&self, cx: &RenderContext<'_>) -> Result<Vec<PathBuf>, RenderError> {
        let mut v = super::wording_values(cx.results);
        super::scheme_values(&mut v, cx.scheme);
        let path = cx.marks().path(&v, super::Handout::SummaryWorkbook);
        let xlsx_err = |e: XlsxError| std::io::Error::other(e.to_string());
        let mut wb = super::xlsx::pinned(&cx.marks().titled(&cx.wording.name("summary_workbook", &v)))
            .map_err(xlsx_err)
            .map_err(|e| RenderError::new(self.name(), &path, e))?;
        build(&mut wb, cx, &v).map_err(|e| RenderError::new(self.name(), &path, xlsx_err(e)))?;
        super::xlsx::save_atomic(&mut wb, &path).map_err(|e| RenderError::new(self.name(), &path, xlsx_err(e)))?;
        Ok(vec![path])
    }

    fn issued(&self) -> bool {
        true
    }
}

fn build(wb: &mut Workbook, cx: &RenderContext<'_>, v: &Values) -> Result<(), XlsxError> {
    let (r, w) = (cx.results, cx.wording);
    let f = Formats::new();
    let title = cx.marks().titled(&cx.wording.name("summary_workbook", v));
    overview(
        wb.add_worksheet().set_name(w.text("summary.sheet_overview"))?,
        &f,
        cx,
        v,
        &title,
    )?;
    ranking(wb.add_worksheet().set_name(w.text("titles.ranking"))?, &f, w, r, &title)?;
    groups(
        wb.add_worksheet().set_name(w.text("summary.sheet_groups"))?,
        &f,
        w,
        r,
        &title,
    )?;
    matrix(
        wb.add_worksheet().set_name(w.text("summary.sheet_items"))?,
        &f,
        w,
        r,
        &title,
    )?;
    declines(
        wb.add_worksheet().set_name(w.text("summary.sheet_declines"))?,
        &f,
        w,
        r,
        &title,
    )?;
    work_list(
        wb.add_worksheet().set_name(w.text("summary.sheet_work_list"))?,
        &f,
        w,
        r,
        &title,
    )?;
    topics(
        wb.add_worksheet().set_name(w.text("summary.sheet_topics"))?,
        &f,
        w,
        r,
        &title,
    )?;
    quality(
        wb.add_worksheet().set_name(w.text("summary.sheet_quality"))?,
        &f,
        w,
        r,
        &title,
    )?;
    signals(
        wb.add_worksheet().set_name(w.text("summary.sheet_signals"))?,
        &f,
        w,
        r,
        &title,
    )?;
    importance(
        wb.add_worksheet().set_name(w.text("summary.sheet_importance"))?,
        &f,
        w,
        r,
        &title,
        cx.scheme.thresholds.action,
    )?;
    super::users::sheet(
        wb.add_worksheet().set_name(w.text("summary.sheet_users"))?,
        &f,
        w,
        cx.scheme,
        r,
        &title,
    )?;
    if !r.adhoc.is_empty() {
        super::adhoc::sheet(wb.add_worksheet().set_name(w.text("titles.adhoc"))?, &f, w, r, &title)?;
    }
    // 整改闭环 (SPEC §11), once the loop has begun.
    if let Some(l) = &r.rectification {
        let ws = wb.add_worksheet().set_name(w.text("ledger.loop_heading"))?;
        print_setup(ws, w, &title);
        let heading = w.with("ledger.loop_intro", &[("date", &super::date_zh(l.as_of))]);
        let (headers, rows) = super::ledger::loop_table(w, l);
        let last = (headers.len() - 1) as u16;
        // The sentences over the table's width, as tall as they need.
        ws.merge_range(0, 0, 0, last, &heading, &f.note)?;
        ws.set_row_height(0, 32)?;
        super::sheet::table(ws, &f, 2, &headers, &rows, 40.0)?;
        let below = 4 + rows.len() as u32;
        ws.merge_range(below, 0, below, last, w.text("ledger.loop_note"), &f.note)?;
        ws.set_row_height(below, 64)?;
    }
    method(
        wb.add_worksheet().set_name(w.text("summary.sheet_method"))?,
        &f,
        cx,
        v,
        &title,
    )?;
    Ok(())
}

fn enterprises(r: &PeriodResults) -> Vec<&GroupResult> {
    r.ranked_enterprises().into_iter().map(|(_, g)| g).collect()
}

/// Key figures, and three charts: enterprise composites against the action threshold, the
/// overall-satisfaction grades, the trend of the city and each enterprise. The charts' data
/// sit in columns Q onwards of the same sheet, outside its print area; it prints on one page.
fn overview(ws: &mut Worksheet, f: &Formats, cx: &RenderContext<'_>, v: &Values, title: &str) -> Result<(), XlsxError> {
    let (r, w) = (cx.results, cx.wording);
    let sheet = w.text("summary.sheet_overview");
    print_setup(ws, w, title);
    ws.set_print_fit_to_pages(1, 1);
    ws.write_string_with_format(0, 0, title, &f.title)?;
    ws.merge_range(1, 0, 1, 8, &cx.wording.paragraph("overview", v), &f.note)?;
    ws.set_row_height(1, 36)?;
    let city = r.city_group();
    let received: usize = r.quality.submitters.iter().map(|q| q.received).sum();
    let open = r.improvement_items.iter().filter(|i| i.is_open()).count();
    let enterprise_count = r.groups.iter().filter(|g| g.level == Level::Enterprise).count();
    let figures = vec![
        vec![
            Cell::text(w.text("summary.fig_responses")),
            Cell::Count(city.map_or(0, |g| g.n)),
        ],
        vec![
            Cell::text(w.text("summary.col_composite")),
            Cell::score(city.and_then(|g| g.composite)),
        ],
        vec![
            Cell::text(w.text("summary.fig_overall")),
            Cell::score(city.and_then(|g| g.overall)),
        ],
        vec![
            Cell::text(w.text("summary.fig_enterprises")),
            Cell::Count(enterprise_count as u64),
        ],
        vec![Cell::text(w.text("summary.fig_received")), Cell::Count(received as u64)],
        vec![
            Cell::text(w.text("summary.fig_missing")),
            Cell::Count(r.quality.missing as u64),
        ],
        vec![Cell::text(w.text("summary.fig_open")), Cell::Count(open as u64)],
        vec![
            Cell::text(w.text("summary.fig_watch")),
            Cell::Count(r.watch.len() as u64),
        ],
    ];
    let mut row = table(
        ws,
        f,
        3,
        &[w.text("titles.key_figures"), w.text("summary.col_value")],
        &figures,
        30.0,
    )? + 1;
    // 本期要点 (SPEC §12), as the city report opens with them; the charts below them.
    let lines = super::highlights::sentences(r, cx.scheme, w);
    if !lines.is_empty() {
        ws.write_string_with_format(row, 0, w.text("report.highlights_heading"), &f.header)?;
        for (i, line) in lines.iter().enumerate() {
            let at = row + 1 + i as u32;
            ws.merge_range(at, 0, at, 8, &format!("{}．{line}", i + 1), &f.note)?;
            ws.set_row_height(at, 16.0 * (text_width(line) / 90.0).ceil().max(1.0))?;
        }
        row += lines.len() as u32 + 2;
    }
    let data_col: u16 = 16;
    // The page is the figures, the highlights and the charts (A to P, down to the last
    // chart's last row: the trend's, when there is one, below); the charts' data from column Q
    // on stay off it, however many enterprises they list.
    ws.set_print_area(0, 0, row + 16, data_col - 1)?;
    let round = |x: f64| crate::score::stats::round_half_away(x, 2);
    // Enterprise composites and the action threshold.
    let ents = enterprises(r);
    for (c, h) in [
        w.text("summary.col_enterprise"),
        w.text("summary.col_composite"),
        w.text("summary.action_line"),
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(3, data_col + c as u16, *h, &f.header)?;
    }
    for (i, g) in ents.iter().enumerate() {
        let rr = 4 + i as u32;
        ws.write_string_with_format(rr, data_col, &g.name, &f.text)?;
        if let Some(c) = g.composite {
            ws.write_number_with_format(rr, data_col + 1, round(c), &f.score)?;
        }
        ws.write_number_with_format(rr, data_col + 2, cx.scheme.thresholds.action, &f.score)?;
    }
    let name_width = ents.iter().map(|g| text_width(&g.name)).fold(10.0, f64::max) + 2.0;
    ws.set_column_width(data_col, name_width)?;
    if !ents.is_empty() {
        let last = 3 + ents.len() as u32;
        let mut chart = Chart::new(ChartType::Column);
        chart.title().set_name(w.text("summary.chart_ranking"));
        chart
            .add_series()
            .set_name(w.text("summary.col_composite"))
            .set_categories((sheet, 4, data_col, last, data_col))
            .set_values((sheet, 4, data_col + 1, last, data_col + 1));
        let mut line = Chart::new(ChartType::Line);
        line.add_series()
            .set_name(w.text("summary.action_line"))
            .set_categories((sheet, 4, data_col, last, data_col))
            .set_values((sheet, 4, data_col + 2, last, data_col + 2));
        chart.combine(&line);
        chart.y_axis().set_min(0).set_max(100);
        chart.legend().set_position(ChartLegendPosition::Bottom);
        chart.set_width(560).set_height(320);
        ws.insert_chart(row, 0, &chart)?;
    }
    let Some(city) = city else { return Ok(()) };
    // The overall-satisfaction grades of the city.
    let base = 4 + ents.len() as u32 + 2;
    ws.write_string_with_format(base, data_col, w.text("summary.col_grade"), &f.header)?;
    ws.write_string_with_format(base, data_col + 1, w.text("summary.col_answers"), &f.header)?;
    for (i, (label, n)) in city.overall_grades.iter().enumerate() {
        ws.write_string_with_format(base + 1 + i as u32, data_col, label, &f.text)?;
        ws.write_number_with_format(base + 1 + i as u32, data_col + 1, *n as f64, &f.count)?;
    }
    let last = base + city.overall_grades.len() as u32;
    let mut chart = Chart::new(ChartType::Column);
    chart.title().set_name(w.text("summary.chart_grades"));
    chart
        .add_series()
        .set_name(w.text("summary.col_answers"))
        .set_categories((sheet, base + 1, data_col, last, data_col))
        .set_values((sheet, base + 1, data_col + 1, last, data_col + 1));
    chart.legend().set_hidden();
    chart.set_width(440).set_height(320);
    ws.insert_chart(row, 8, &chart)?;
    // The trend of the city and each enterprise over the recent periods.
    let mut periods: Vec<crate::period::Period> = r.history.iter().map(|h| h.period).collect();
    periods.dedup();
    if periods.len() < 2 {
        return Ok(());
    }
    let top = last + 2;
    let mut keys: Vec<(Level, String, String)> = Vec::new();
    for h in &r.history {
        if !keys.iter().any(|(l, k, _)| *l == h.level && *k == h.key) {
            let name = if h.level == Level::City {
                w.text("summary.city").to_string()
            } else {
                h.name.clone()
            };
            keys.push((h.level, h.key.clone(), name));
        }
    }
    // (No row height of its own: its rows are the page's, the highlights' among them.)
    ws.write_string_with_format(top, data_col, w.text("summary.col_period"), &f.header)?;
    for (k, (_, _, name)) in keys.iter().enumerate() {
        ws.write_string_with_format(top, data_col + 1 + k as u16, name, &f.header)?;
    }
    for (i, p) in periods.iter().enumerate() {
        let rr = top + 1 + i as u32;
        ws.write_string_with_format(rr, data_col, p.label_zh(), &f.text)?;
        for (k, (level, key, _)) in keys.iter().enumerate() {
            let point = r
                .history
                .iter()
                .find(|h| h.period == *p && h.level == *level && &h.key == key);
            if let Some(c) = point.and_then(|h| h.composite) {
                ws.write_number_with_format(rr, data_col + 1 + k as u16, round(c), &f.score)?;
            }
        }
    }
    let last = top + periods.len() as u32;
    let mut chart = Chart::new(ChartType::Line);
    chart.title().set_name(w.text("summary.chart_trend"));
    for k in 0..keys.len() as u16 {
        let col = data_col + 1 + k;
        chart
            .add_series()
            .set_name((sheet, top, col))
            .set_categories((sheet, top + 1, data_col, last, data_col))
            .set_values((sheet, top + 1, col, last, col));
        ws.set_column_width(col, 12)?;
    }
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.set_width(1000).set_height(340);
    ws.insert_chart(row + 17, 0, &chart)?;
    ws.set_print_area(0, 0, row + 35, data_col - 1)?;
    Ok(())
}

fn dims(r: &PeriodResults) -> Vec<String> {
    r.city_group()
        .map(|g| g.dimensions.iter().map(|(d, _)| d.clone()).collect())
        .unwrap_or_default()
}

fn ranking(ws: &mut Worksheet, f: &Formats, w: &Wording, r: &PeriodResults, title: &str) -> Result<(), XlsxError> {
    print_setup(ws, w, title);
    let dims = dims(r);
    let mut headers = vec![
        w.text("summary.col_rank"),
        w.text("summary.col_enterprise"),
        w.text("summary.col_utility"),
        w.text("summary.col_county"),
        w.text("summary.col_responses"),
        w.text("summary.col_composite"),
        w.text("summary.col_overall"),
    ];
    headers.extend(dims.iter().map(String::as_str));
    headers.extend([w.text("summary.col_vs_previous"), w.text("summary.col_sample")]);
    let unranked = r.unranked_reason();
    let rows: Vec<Vec<Cell>> = r
        .ranked_enterprises()
        .into_iter()
        .map(|(rank, g)| {
            let info = r.enterprises.iter().find(|e| e.code == g.key);
            let change = r.composite_change(Level::Enterprise, &g.key);
            let mut cells = vec![
                match rank {
                    Some(k) => Cell::Count(k as u64),
                    None if unranked.is_some() && !g.insufficient => Cell::text(w.text("summary.unranked")),
                    None => Cell::text("—"),
                },
                Cell::text(&g.name),
                Cell::text(info.map_or("", |e| e.utility)),
                Cell::text(info.map_or("", |e| e.county.as_str())),
                Cell::Count(g.n),
                Cell::score(g.composite),
                Cell::score(g.overall),
            ];
            cells.extend(g.dimensions.iter().map(|(_, s)| Cell::score(*s)));
            cells.push(Cell::score(change));
            cells.push(Cell::text(if g.insufficient {
                w.text("summary.insufficient")
            } else {
                ""
            }));
            cells
        })
        .collect();
    let next = main_table(ws, f, 0, &headers, &rows, 36.0)?;
    if let Some(why) = unranked {
        let last = headers.len().saturating_sub(1) as u16;
        ws.merge_range(next + 1, 0, next + 1, last.max(1), &format!("{why}。"), &f.note)?;
    }
    Ok(())
}

fn groups(ws: &mut Worksheet, f: &Formats, w: &Wording, r: &PeriodResults, title: &str) -> Result<(), XlsxError> {
    print_setup(ws, w, title);
    let dims = dims(r);
    let mut headers = vec![
        w.text("summary.col_group"),
        w.text("summary.col_name"),
        w.text("summary.col_responses"),
        w.text("summary.col_composite"),
        w.text("summary.col_overall"),
    ];
    headers.extend(dims.iter().map(String::as_str));
    headers.push(w.text("summary.col_sample"));
    let rows: Vec<Vec<Cell>> = r
        .groups
        .iter()
        .filter(|g| {
            matches!(
                g.level,
                Level::Submitter | Level::County | Level::Utility | Level::UserType
            )
        })
        .map(|g| {
            let mut cells = vec![
                Cell::text(g.level.label()),
                Cell::text(&g.name),
                Cell::Count(g.n),
                Cell::score(g.composite),
                Cell::score(g.overall),
            ];
            cells.extend(g.dimensions.iter().map(|(_, s)| Cell::score(*s)));
            cells.push(Cell::text(if g.insufficient {
                w.text("summary.insufficient")
            } else {
                ""
            }));
            cells
        })
        .collect();
    main_table(ws, f, 0, &headers, &rows, 36.0)?;
    Ok(())
}

/// Items down, groups across (enterprises first, then the city and the other groups), with
/// a three-colour scale; below it, each score with its answers and 95% interval.
fn matrix(ws: &mut Worksheet, f: &Formats, w: &Wording, r: &PeriodResults, title: &str) -> Result<(), XlsxError> {
    print_setup(ws, w, title);
    let mut cols: Vec<&GroupResult> = enterprises(r);
    cols.extend(
        r.groups
            .iter()
            .filter(|g| matches!(g.level, Level::City | Level::County | Level::Utility | Level::UserType)),
    );
    let Some(first) = cols.first() else { return Ok(()) };
    let label = |g: &GroupResult| {
        if g.level == Level::City {
            w.text("summary.city").to_string()
        } else {
            g.name.clone()
        }
    };
    let mut headers: Vec<String> = vec![w.text("summary.col_question").into(), w.text("summary.col_item").into()];
    headers.extend(cols.iter().map(|g| label(g)));
    let rows: Vec<Vec<Cell>> = first
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let mut cells = vec![Cell::text(&item.id), Cell::text(&item.name)];
            cells.extend(cols.iter().map(|g| Cell::score(g.items[i].score)));
            cells
        })
        .collect();
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let next = table(ws, f, 0, &header_refs, &rows, 12.0)?;
    ws.set_row_height(0, 60)?;
    ws.set_freeze_panes(1, 2)?;
    let scale = ConditionalFormat3ColorScale::new();
    ws.add_conditional_format(1, 2, rows.len() as u32, 1 + cols.len() as u16, &scale)?;
    let long: Vec<Vec<Cell>> = cols
        .iter()
        .flat_map(|g| {
            let name = label(g);
            g.items.iter().map(move |it| {
                vec![
                    Cell::text(g.level.label()),
                    Cell::text(name.clone()),
                    Cell::text(format!("{} {}", it.id, it.name)),
                    Cell::score(it.score),
                    Cell::Count(it.n),
                    it.ci95.map_or(Cell::Empty, |(lo, hi)| {
                        Cell::text(format!(
                            "{:.2}–{:.2}",
                            crate::score::stats::round_half_away(lo, 2),
                            crate::score::stats::round_half_away(hi, 2)
                        ))
                    }),
                ]
            })
        })
        .collect();
    let at = next + 2;
    ws.write_string_with_format(at - 1, 0, w.text("summary.items_long_title"), &f.title)?;
    let headers = [
        w.text("summary.col_group"),
        w.text("summary.col_name"),
        w.text("summary.col_question"),
        w.text("summary.col_score"),
        w.text("summary.col_answer_count"),
        w.text("summary.col_ci"),
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(at, c as u16, *h, &f.header)?;
    }
    for (i, cells) in long.iter().enumerate() {
        for (c, cell) in cells.iter().enumerate() {
            super::sheet::write(ws, f, at + 1 + i as u32, c as u16, cell)?;
        }
    }
    let names = cols.iter().map(|g| text_width(&label(g))).fold(10.0, f64::max);
    ws.set_column_width(1, names.min(30.0) + 1.0)?;
    let items = first
        .items
        .iter()
        .map(|i| text_width(&i.name) + 4.0)
        .fold(10.0, f64::max);
    ws.set_column_width(2, items.min(36.0))?;
    Ok(())
}

fn declines(ws: &mut Worksheet, f: &Formats, w: &Wording, r: &PeriodResults, title: &str) -> Result<(), XlsxError> {
    print_setup(ws, w, title);
    let mut list: Vec<_> = r.declines.iter().collect();
    list.sort_by(|a, b| b.significant.cmp(&a.significant).then(a.delta.total_cmp(&b.delta)));
    let name = |level: Level, key: &str| {
        r.group(level, key).map_or(key.to_string(), |g| {
            if level == Level::City {
                w.text("summary.city").into()
            } else {
                g.name.clone()
            }
        })
    };
    let indicator = |d: &crate::results::Decline| {
        r.city_group()
            .and_then(|g| g.item(&d.indicator))
            .map_or(d.indicator.clone(), |i| format!("{} {}", i.id, i.name))
    };
    let rows: Vec<Vec<Cell>> = list
        .iter()
        .map(|d| {
            vec![
                Cell::text(if d.significant {
                    w.text("summary.significant")
                } else {
                    w.text("summary.not_significant")
                }),
                Cell::text(d.level.label()),
                Cell::text(name(d.level, &d.key)),
                Cell::text(indicator(d)),
                Cell::score(Some(d.previous)),
                Cell::score(Some(d.current)),
                Cell::score(Some(d.delta)),
                d.p.map_or(Cell::Empty, |p| Cell::P(crate::score::stats::round_half_away(p, 4))),
            ]
        })
        .collect();
    main_table(
        ws,
        f,
        0,
        &[
            w.text("summary.col_judgement"),
            w.text("summary.col_group"),
            w.text("summary.col_name"),
            w.text("summary.col_item"),
            w.text("summary.col_previous"),
            w.text("summary.col_current"),
            w.text("summary.col_change"),
            w.text("summary.col_p"),
        ],
        &rows,
        36.0,
    )?;
    Ok(())
}

fn work_list(ws: &mut Worksheet, f: &Formats, w: &Wording, r: &PeriodResults, title: &str) -> Result<(), XlsxError> {
    print_setup(ws, w, title);
    let rows: Vec<Vec<Cell>> = r
        .improvement_items
        .iter()
        .map(|i| {
            let rank = r
                .work_lists
                .iter()
                .find(|l| l.enterprise == i.enterprise)
                .and_then(|l| l.top.iter().position(|&k| std::ptr::eq(&r.improvement_items[k], i)))
                .map_or(Cell::Empty, |p| Cell::Count(p as u64 + 1));
            vec![
                Cell::text(&i.enterprise_name),
                rank,
                Cell::text(i.severity.label()),
                Cell::text(i.status.label()),
                Cell::text(
                    format!(
                        "{} {}",
                        i.indicator,
                        if i.indicator == i.indicator_name {
                            ""
                        } else {
                            i.indicator_name.as_str()
                        }
                    )
                    .trim()
                    .to_string(),
                ),
                Cell::text(i.rules.iter().map(|r| r.label()).collect::<Vec<_>>().join("、")),
                Cell::score(i.current),
                Cell::Wrap(i.finding.clone()),
                Cell::Wrap(i.measure.clone()),
                Cell::text(&i.responsible),
                Cell::text(i.due.to_string()),
                Cell::text(i.raised.label_zh()),
            ]
        })
        .collect();
    main_table(
        ws,
        f,
        0,
        &[
            w.text("summary.col_enterprise"),
            w.text("summary.col_priority"),
            w.text("summary.col_severity"),
            w.text("summary.col_status"),
            w.text("summary.col_item"),
            w.text("summary.col_problem"),
            w.text("summary.col_current_value"),
            w.text("summary.col_finding"),
            w.text("summary.col_measure"),
            w.text("summary.col_responsible"),
            w.text("summary.col_due"),
            w.text("summary.col_raised"),
        ],
        &rows,
        48.0,
    )?;
    Ok(())
}

fn topics(ws: &mut Worksheet, f: &Formats, w: &Wording, r: &PeriodResults, title: &str) -> Result<(), XlsxError> {
    print_setup(ws, w, title);
    let rows: Vec<Vec<Cell>> = r
        .dissatisfaction
        .iter()
        .filter(|d| matches!(d.level, Level::City | Level::Enterprise))
        .flat_map(|d| {
            let name = if d.level == Level::City {
                w.text("summary.city").to_string()
            } else {
                r.group(d.level, &d.key).map_or(d.key.clone(), |g| g.name.clone())
            };
            d.topics
                .iter()
                .map(move |t| {
                    vec![
                        Cell::text(name.clone()),
                        Cell::text(&t.topic),
                        Cell::Count(t.count),
                        Cell::Wrap(t.quotes.join(" / ")),
                    ]
                })
                .collect::<Vec<_>>()
        })
        .collect();
    main_table(
        ws,
        f,
        0,
        &[
            w.text("summary.col_scope"),
            w.text("summary.col_topic"),
            w.text("summary.col_opinions"),
            w.text("summary.col_quotes"),
        ],
        &rows,
        60.0,
    )?;
    Ok(())
}

/// The checks of self-assessment data, one line per submitter and check, flagged first.
fn signals(ws: &mut Worksheet, f: &Formats, w: &Wording, r: &PeriodResults, title: &str) -> Result<(), XlsxError> {
    print_setup(ws, w, title);
    let mut list: Vec<&crate::analyse::integrity::Signal> = r.integrity.iter().collect();
    list.sort_by_key(|s| (!s.flagged, s.submitter.clone(), s.check));
    let rows: Vec<Vec<Cell>> = list
        .iter()
        .map(|s| {
            vec![
                Cell::text(&s.name),
                Cell::text(s.check.label()),
                Cell::text(s.check.unit()),
                Cell::Score(crate::score::stats::round_half_away(s.value, 2)),
                Cell::Score(s.threshold),
                Cell::Count(s.n),
                Cell::text(if s.flagged { w.text("summary.to_check") } else { "" }),
            ]
        })
        .collect();
    main_table(
        ws,
        f,
        0,
        &[
            w.text("summary.col_submitter"),
            w.text("summary.col_check"),
            w.text("summary.col_meaning"),
            w.text("summary.col_current"),
            w.text("summary.col_flag_line"),
            w.text("summary.col_checked_n"),
            w.text("summary.col_hint"),
        ],
        &rows,
        36.0,
    )?;
    Ok(())
}

/// Each item's importance (correlation with overall satisfaction) beside its score, the
/// priority zone marked, and a scatter chart of the two.
fn importance(
    ws: &mut Worksheet,
    f: &Formats,
    w: &Wording,
    r: &PeriodResults,
    title: &str,
    cx_threshold: f64,
) -> Result<(), XlsxError> {
    print_setup(ws, w, title);
    // The table and its chart on one page.
    ws.set_print_fit_to_pages(1, 1);
    let rows: Vec<Vec<Cell>> = r
        .importance
        .iter()
        .map(|i| {
            vec![
                Cell::text(&i.id),
                Cell::text(&i.name),
                i.importance
                    .map_or(Cell::Empty, |m| Cell::P(crate::score::stats::round_half_away(m, 4))),
                Cell::Count(i.pairs),
                Cell::score(i.score),
                Cell::text(if i.priority { w.text("summary.priority") } else { "" }),
            ]
        })
        .collect();
    let end = main_table(
        ws,
        f,
        0,
        &[
            w.text("summary.col_item"),
            w.text("summary.col_name"),
            w.text("summary.col_importance"),
            w.text("summary.col_pairs"),
            w.text("summary.col_score"),
            w.text("summary.col_priority_zone"),
        ],
        &rows,
        36.0,
    )?;
    if r.importance
        .iter()
        .filter(|i| i.importance.is_some() && i.score.is_some())
        .count()
        >= 3
    {
        let last = r.importance.len() as u32;
        let mut chart = Chart::new(ChartType::Scatter);
        let sheet = w.text("summary.sheet_importance");
        chart.title().set_name(w.text("summary.chart_matrix"));
        chart
            .add_series()
            .set_name(w.text("summary.col_item"))
            .set_categories((sheet, 1, 2, last, 2))
            .set_values((sheet, 1, 4, last, 4));
        chart.x_axis().set_name(w.text("summary.axis_importance"));
        // The scores' own range (as the PDF's quadrant chart), not from zero.
        let low = (r.importance.iter().filter_map(|i| i.score)).fold(cx_threshold, f64::min);
        chart
            .y_axis()
            .set_name(w.text("summary.col_score"))
            .set_min(((low - 5.0) / 10.0).floor() * 10.0)
            .set_max(100);
        chart.legend().set_hidden();
        chart.set_width(560).set_height(360);
        ws.insert_chart(end + 1, 0, &chart)?;
    }
    Ok(())
}

fn quality(ws: &mut Worksheet, f: &Formats, w: &Wording, r: &PeriodResults, title: &str) -> Result<(), XlsxError> {
    print_setup(ws, w, title);
    let rows: Vec<Vec<Cell>> = r
        .quality
        .submitters
        .iter()
        .map(|q| {
            vec![
                Cell::text(&q.name),
                Cell::text(q.kind.label()),
                Cell::Count(q.received as u64),
                Cell::Count(q.accepted as u64),
                Cell::Count(q.rejected as u64),
                Cell::Count(q.superseded as u64),
                Cell::Count(q.rows_valid),
                Cell::Count(q.rows_rejected),
                Cell::text(q.state.label()),
            ]
        })
        .collect();
    main_table(
        ws,
        f,
        0,
        &[
            w.text("summary.col_submitter"),
            w.text("summary.col_return_kind"),
            w.text("summary.col_received"),
            w.text("summary.col_accepted"),
            w.text("summary.col_rejected"),
            w.text("summary.col_superseded"),
            w.text("summary.col_rows_valid"),
            w.text("summary.col_rows_rejected"),
            w.text("summary.col_status"),
        ],
        &rows,
        36.0,
    )?;
    Ok(())
}

fn method(ws: &mut Worksheet, f: &Formats, cx: &RenderContext<'_>, v: &Values, title: &str) -> Result<(), XlsxError> {
    let w = cx.wording;
    print_setup(ws, w, title);
    ws.set_column_width(0, 110)?;
    let mut lines = vec![
        cx.wording.title("method", v),
        cx.wording.paragraph("method", v),
        cx.wording.paragraph("improvement", v),
        cx.wording.paragraph("missing_returns", v),
        String::new(),
        w.text("summary.questions_heading").to_string(),
    ];
    for item in &cx.scheme.items {
        let polarity = match item.favourable.as_deref() {
            // The scheme's value for "no is favourable" (data, as scheme.toml writes it).
            Some("否") => w.text("summary.reversed"),
            _ => "",
        };
        lines.push(format!(
            "{} {}({}):{}{polarity}",
            item.id, item.name, item.dimension, item.question
        ));
    }
    lines.push(String::new());
    let th = &cx.scheme.thresholds;
    lines.push(w.with(
        "summary.thresholds",
        &[
            ("threshold", &th.action),
            ("min_sample", &th.min_sample),
            ("min_answers", &th.min_answers),
            ("significance", &th.significance),
            ("bias_flag", &th.bias_flag),
        ],
    ));
    for (i, line) in lines.iter().enumerate() {
        let format = if i == 0 { &f.title } else { &f.note };
        ws.write_string_with_format(i as u32, 0, line, format)?;
        let height = (text_width(line) / 105.0).ceil().max(1.0) * 16.0;
        ws.set_row_height(i as u32, height)?;
    }
    Ok(())
}
