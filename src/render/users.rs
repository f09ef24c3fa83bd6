//! 用户情况 (SPEC §12) in the documents: who answered (by type, usage nature, survey method and
//! usage band) with their scores, large customers beside the other users, the usage-weighted
//! composite beside the plain one, and how the mix moved over the recent periods — a section
//! of the city report and of each enterprise's, and the summary workbook's sheet 用户情况.
//! Counts and scores only: no respondent is named.

use rust_xlsxwriter::{Chart, ChartLegendPosition, ChartType, Worksheet, XlsxError};

use super::report::{CITY_KEY, Sections};
use super::sheet::{Cell, Formats, print_setup, text_width, write};
use super::{change_text as delta, score_text as score};
use crate::pdf::chart::{Chart as PdfChart, Lines};
use crate::pdf::{Align, Column, Doc, Table, Tone};
use crate::results::users::{By, UserGroup, Users};
use crate::results::{GroupResult, Level, PeriodResults};
use crate::scheme::Scheme;
use crate::score::stats::round_half_away;
use crate::wording::Wording;

/// A share in per cent of `n` out of `total`.
fn share(n: u64, total: u64) -> Option<f64> {
    (total > 0).then(|| 100.0 * n as f64 / total as f64)
}

fn by_label(w: &Wording, by: By) -> &str {
    w.text(match by {
        By::Type => "report.users_by_type",
        By::Nature => "report.users_by_nature",
        By::Method => "report.users_by_method",
        By::Band => "report.users_by_band",
    })
}

/// A group's name as a reader sees it: a band with its utility (供水 <10).
fn group_label(g: &UserGroup) -> String {
    if g.by == By::Band {
        format!("{} {}", g.utility, g.group)
    } else {
        g.group.clone()
    }
}

/// A row of 用户基本情况: kind, group, n, share, composite.
type Basic = (By, String, u64, Option<f64>, Option<f64>);

/// The rows of 用户基本情况 of one city or enterprise.
fn basics(u: &Users, level: Level, key: &str, total: u64) -> Vec<Basic> {
    By::ALL
        .iter()
        .flat_map(|&by| {
            u.of(level, key, by)
                .map(move |g| (by, group_label(g), g.n, share(g.n, total), g.composite))
        })
        .collect()
}

/// The recent periods' share (%) and composite of each group of one kind, oldest first:
/// (periods, [(group, shares, composites)]).
type Series = (Vec<String>, Vec<(String, Vec<Option<f64>>, Vec<Option<f64>>)>);

fn trend(r: &PeriodResults, level: Level, key: &str, by: By) -> Series {
    let periods: Vec<String> = r.users_history.iter().map(|p| p.period.to_string()).collect();
    let mut names: Vec<String> = Vec::new();
    for p in &r.users_history {
        for g in p
            .groups
            .iter()
            .filter(|g| g.level == level && g.key == key && g.by == by)
        {
            let name = group_label(g);
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let series = names
        .into_iter()
        .map(|name| {
            let (mut shares, mut scores) = (Vec::new(), Vec::new());
            for p in &r.users_history {
                let mine: Vec<&UserGroup> = (p.groups.iter())
                    .filter(|g| g.level == level && g.key == key && g.by == by)
                    .collect();
                let total: u64 = mine.iter().map(|g| g.n).sum();
                let g = mine.iter().find(|g| group_label(g) == name);
                shares.push(g.and_then(|g| share(g.n, total)).or((total > 0).then_some(0.0)));
                scores.push(g.and_then(|g| g.composite));
            }
            (name, shares, scores)
        })
        .collect();
    (periods, series)
}

/// The sentences on large customers and the usage-weighted composite of one group.
fn large_sentences(w: &Wording, scheme: &Scheme, u: &Users, g: &GroupResult) -> Vec<String> {
    let mut out = Vec::new();
    let users = &scheme.users;
    let (water, gas) = (
        crate::text::number(users.large_water),
        crate::text::number(users.large_gas),
    );
    out.push(w.with("report.users_large_line", &[("water", &water), ("gas", &gas)]));
    if let Some(l) = u.large_of(g.level, &g.key) {
        if l.n == 0 {
            out.push(w.text("report.users_no_large").to_string());
        } else {
            out.push(w.with(
                "report.users_large",
                &[
                    ("count", &l.n),
                    ("large", &score(l.composite)),
                    ("others", &score(l.others_composite)),
                    (
                        "difference",
                        &delta(l.composite.zip(l.others_composite).map(|(a, b)| a - b)),
                    ),
                ],
            ));
            if !l.worst.is_empty() {
                let items: Vec<String> = (l.worst.iter())
                    .map(|i| {
                        w.with(
                            "report.users_worst_item",
                            &[("name", &i.name), ("count", &i.unfavourable), ("responses", &i.n)],
                        )
                    })
                    .collect();
                out.push(w.with("report.users_large_worst", &[("items", &items.join("、"))]));
            }
        }
    }
    if let Some(x) = u.weighted_of(g.level, &g.key) {
        if let Some(weighted) = x.composite {
            // What the difference says, as shown (two decimals).
            let gap = g
                .composite
                .map_or(0.0, |c| round_half_away(weighted, 2) - round_half_away(c, 2));
            let reading = if gap < 0.0 {
                w.text("report.users_weighted_lower")
            } else if gap > 0.0 {
                w.text("report.users_weighted_higher")
            } else {
                ""
            };
            out.push(w.with(
                "report.users_weighted",
                &[
                    ("weighted", &score(x.composite)),
                    ("plain", &score(g.composite)),
                    ("count", &x.n_with_usage),
                    ("flag", &reading),
                ],
            ));
        } else {
            out.push(w.text("report.users_no_usage").to_string());
        }
    }
    out
}

/// The PDF table of 用户基本情况 of one group.
fn basics_table(d: &mut Doc, w: &Wording, r: &PeriodResults, g: &GroupResult, threshold: f64) {
    let mut last = None;
    let rows = basics(&r.users, g.level, &g.key, g.n)
        .into_iter()
        .map(|(by, group, n, sh, c)| {
            let tone = if c.is_some_and(|c| c < threshold) {
                Tone::Alert
            } else {
                Tone::Normal
            };
            // Each kind named on its first row only.
            let kind = if last.replace(by) == Some(by) {
                ""
            } else {
                by_label(w, by)
            };
            (vec![kind.to_string(), group, n.to_string(), score(sh), score(c)], tone)
        })
        .collect();
    d.table(&Table {
        columns: vec![
            Column::new(w.text("report.users_col_by"), 2.2, Align::Left),
            Column::new(w.text("report.users_col_group"), 2.4, Align::Left),
            Column::new(w.text("report.users_col_n"), 1.0, Align::Right),
            Column::new(w.text("report.users_col_share"), 1.0, Align::Right),
            Column::new(w.text("report.col_composite"), 1.0, Align::Right),
        ],
        rows,
    });
}

/// A line chart of one kind's shares or composites over the recent periods.
fn lines(periods: &[String], series: Vec<(String, Vec<Option<f64>>)>, threshold: Option<f64>) -> PdfChart {
    PdfChart::Lines(Lines {
        periods: periods.to_vec(),
        series,
        threshold,
    })
}

/// The city report's section 用户情况.
pub(super) fn city_section(
    d: &mut Doc,
    w: &Wording,
    scheme: &Scheme,
    r: &PeriodResults,
    title: &str,
    s: &mut Sections,
) {
    let Some(city) = r.city_group() else { return };
    let th = scheme.thresholds.action;
    d.heading(&s.next(title), 1);
    d.paragraph(&w.with("report.users_intro", &[("responses", &city.n)]));
    basics_table(d, w, r, city, th);
    d.heading(w.text("report.users_large_heading"), 2);
    for line in large_sentences(w, scheme, &r.users, city) {
        d.paragraph(&line);
    }
    let rows = (r.ranked_enterprises().into_iter().map(|(_, g)| g))
        .map(|g| {
            let l = r.users.large_of(Level::Enterprise, &g.key);
            let x = r.users.weighted_of(Level::Enterprise, &g.key);
            let weighted = x.and_then(|x| x.composite);
            // Big users served worse: the weighted composite under the plain one by a point or more.
            let tone = if weighted.zip(g.composite).is_some_and(|(a, b)| a <= b - 1.0) {
                Tone::Alert
            } else {
                Tone::Normal
            };
            let row = vec![
                g.name.clone(),
                l.map_or(0, |l| l.n).to_string(),
                score(l.and_then(|l| l.composite)),
                score(l.and_then(|l| l.others_composite)),
                score(g.composite),
                score(weighted),
                x.map_or(0, |x| x.n_with_usage).to_string(),
            ];
            (row, tone)
        })
        .collect();
    d.table(&Table {
        columns: vec![
            Column::new(w.text("report.col_enterprise"), 2.4, Align::Left),
            Column::new(w.text("report.users_col_large_n"), 0.9, Align::Right),
            Column::new(w.text("report.users_col_large"), 1.1, Align::Right),
            Column::new(w.text("report.users_col_others"), 1.3, Align::Right),
            Column::new(w.text("report.col_composite"), 1.0, Align::Right),
            Column::new(w.text("report.users_col_weighted"), 1.3, Align::Right),
            Column::new(w.text("report.users_col_with_usage"), 1.0, Align::Right),
        ],
        rows,
    });
    d.note(w.text("report.users_weighted_note"));
    trend_charts(d, w, r, Level::City, CITY_KEY, th);
}

/// 用户发展趋势: each type's share and composite, and each band's share, over the recent periods.
fn trend_charts(d: &mut Doc, w: &Wording, r: &PeriodResults, level: Level, key: &str, threshold: f64) {
    let (periods, types) = trend(r, level, key, By::Type);
    if periods.is_empty() {
        return;
    }
    let count = periods.len();
    let mix = lines(
        &periods,
        types.iter().map(|(n, sh, _)| (n.clone(), sh.clone())).collect(),
        None,
    );
    d.heading_keep(w.text("report.users_trend_heading"), 2, Doc::chart_height(&mix));
    d.chart(&w.with("report.users_mix_caption", &[("count", &count)]), &mix);
    let scores = lines(
        &periods,
        types.into_iter().map(|(n, _, c)| (n, c)).collect(),
        Some(threshold),
    );
    d.ensure(Doc::chart_height(&scores));
    d.chart(&w.with("report.users_scores_caption", &[("count", &count)]), &scores);
    let (periods, bands) = trend(r, level, key, By::Band);
    let mut columns = vec![Column::new(w.text("report.users_col_period"), 1.2, Align::Left)];
    columns.extend(bands.iter().map(|(n, _, _)| Column::new(n, 1.0, Align::Right)));
    let rows = (periods.iter().enumerate())
        .map(|(i, p)| {
            let mut row = vec![p.clone()];
            row.extend(bands.iter().map(|(_, sh, _)| score(sh[i])));
            (row, Tone::Normal)
        })
        .collect();
    d.paragraph(&w.with("report.users_band_mix", &[("count", &count)]));
    d.table(&Table { columns, rows });
}

/// An enterprise report's section 用户情况: its own users.
pub(super) fn enterprise_section(
    d: &mut Doc,
    w: &Wording,
    scheme: &Scheme,
    r: &PeriodResults,
    g: &GroupResult,
    title: &str,
    s: &mut Sections,
) {
    let th = scheme.thresholds.action;
    d.heading(&s.next(title), 1);
    d.paragraph(&w.with("report.users_intro_enterprise", &[("responses", &g.n)]));
    basics_table(d, w, r, g, th);
    for line in large_sentences(w, scheme, &r.users, g) {
        d.paragraph(&line);
    }
    trend_charts(d, w, r, Level::Enterprise, &g.key, th);
}

/// Rows without an autofilter (a sheet has one), below `row`; returns the row after them.
fn block(ws: &mut Worksheet, f: &Formats, row: u32, headers: &[&str], rows: &[Vec<Cell>]) -> Result<u32, XlsxError> {
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &f.header)?;
    }
    for (i, cells) in rows.iter().enumerate() {
        for (c, cell) in cells.iter().enumerate() {
            write(ws, f, row + 1 + i as u32, c as u16, cell)?;
        }
    }
    Ok(row + rows.len() as u32 + 2)
}

/// The summary workbook's sheet 用户情况: the city's and each enterprise's users, large
/// customers and the weighted composite, and the city's trend with two native charts.
pub(super) fn sheet(
    ws: &mut Worksheet,
    f: &Formats,
    w: &Wording,
    scheme: &Scheme,
    r: &PeriodResults,
    title: &str,
) -> Result<(), XlsxError> {
    print_setup(ws, w, title);
    let sheet = w.text("summary.sheet_users");
    let mut row = 0;
    let mut widths = [0.0f64; 12];
    let note = |ws: &mut Worksheet, row: &mut u32, text: &str| -> Result<(), XlsxError> {
        ws.write_string_with_format(*row, 0, text, &f.title)?;
        *row += 1;
        Ok(())
    };
    let groups: Vec<&GroupResult> = (r.city_group().into_iter())
        .chain(r.ranked_enterprises().into_iter().map(|(_, g)| g))
        .collect();
    let name = |g: &GroupResult| {
        if g.level == Level::City {
            w.text("report.city").to_string()
        } else {
            g.name.clone()
        }
    };
    // 用户基本情况
    note(ws, &mut row, w.text("summary.users_basics"))?;
    let headers = [
        w.text("summary.users_col_scope"),
        w.text("report.users_col_by"),
        w.text("report.users_col_group"),
        w.text("report.users_col_n"),
        w.text("report.users_col_share"),
        w.text("summary.col_composite"),
    ];
    let mut rows = Vec::new();
    for g in &groups {
        for (by, group, n, sh, c) in basics(&r.users, g.level, &g.key, g.n) {
            rows.push(vec![
                Cell::text(name(g)),
                Cell::text(by_label(w, by)),
                Cell::text(group),
                Cell::Count(n),
                Cell::score(sh),
                Cell::score(c),
            ]);
        }
    }
    fit(&mut widths, &headers, &rows);
    row = block(ws, f, row, &headers, &rows)?;
    // 大客户与用量加权
    let users = &scheme.users;
    let (water, gas) = (
        crate::text::number(users.large_water),
        crate::text::number(users.large_gas),
    );
    note(
        ws,
        &mut row,
        &w.with("summary.users_large", &[("water", &water), ("gas", &gas)]),
    )?;
    let headers = [
        w.text("summary.users_col_scope"),
        w.text("report.users_col_large_n"),
        w.text("report.users_col_large"),
        w.text("summary.users_col_large_overall"),
        w.text("summary.users_col_others_n"),
        w.text("report.users_col_others"),
        w.text("summary.col_composite"),
        w.text("report.users_col_weighted"),
        w.text("report.users_col_with_usage"),
        w.text("summary.users_col_worst"),
    ];
    let rows: Vec<Vec<Cell>> = (groups.iter())
        .map(|g| {
            let l = r.users.large_of(g.level, &g.key);
            let x = r.users.weighted_of(g.level, &g.key);
            let worst: Vec<String> = (l.iter().flat_map(|l| &l.worst))
                .map(|i| format!("{} {}/{}", i.name, i.unfavourable, i.n))
                .collect();
            vec![
                Cell::text(name(g)),
                Cell::Count(l.map_or(0, |l| l.n)),
                Cell::score(l.and_then(|l| l.composite)),
                Cell::score(l.and_then(|l| l.overall)),
                Cell::Count(l.map_or(0, |l| l.others_n)),
                Cell::score(l.and_then(|l| l.others_composite)),
                Cell::score(g.composite),
                Cell::score(x.and_then(|x| x.composite)),
                Cell::Count(x.map_or(0, |x| x.n_with_usage)),
                Cell::Wrap(worst.join("、")),
            ]
        })
        .collect();
    fit(&mut widths, &headers, &rows);
    row = block(ws, f, row, &headers, &rows)?;
    // 用户发展趋势 of the city: each type's share and composite, each band's share.
    let (periods, types) = trend(r, Level::City, CITY_KEY, By::Type);
    let (_, bands) = trend(r, Level::City, CITY_KEY, By::Band);
    note(ws, &mut row, w.text("summary.users_trend"))?;
    let mut headers: Vec<String> = vec![w.text("report.users_col_period").to_string()];
    headers.extend(
        types
            .iter()
            .map(|(n, _, _)| w.with("summary.users_col_type_share", &[("name", n)])),
    );
    headers.extend(
        types
            .iter()
            .map(|(n, _, _)| w.with("summary.users_col_type_score", &[("name", n)])),
    );
    headers.extend(
        bands
            .iter()
            .map(|(n, _, _)| w.with("summary.users_col_type_share", &[("name", n)])),
    );
    let top = row;
    let rows: Vec<Vec<Cell>> = (periods.iter().enumerate())
        .map(|(i, p)| {
            let mut cells = vec![Cell::text(p.clone())];
            cells.extend(types.iter().map(|(_, sh, _)| Cell::score(sh[i])));
            cells.extend(types.iter().map(|(_, _, c)| Cell::score(c[i])));
            cells.extend(bands.iter().map(|(_, sh, _)| Cell::score(sh[i])));
            cells
        })
        .collect();
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    row = block(ws, f, row, &header_refs, &rows)?;
    ws.set_row_height(top, 45)?;
    for (c, width) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, width.clamp(8.0, 30.0))?;
    }
    for c in widths.len()..headers.len() {
        ws.set_column_width(c as u16, 10)?;
    }
    if periods.is_empty() || types.is_empty() {
        return Ok(());
    }
    let last = top + periods.len() as u32;
    let k = types.len() as u16;
    for (chart_no, (kind, first, caption)) in [
        (ChartType::ColumnPercentStacked, 1u16, "summary.chart_users_mix"),
        (ChartType::Line, 1 + k, "summary.chart_users_scores"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut chart = Chart::new(kind);
        chart.title().set_name(w.text(caption));
        for c in first..first + k {
            chart
                .add_series()
                .set_name(types[(c - first) as usize].0.as_str())
                .set_categories((sheet, top + 1, 0, last, 0))
                .set_values((sheet, top + 1, c, last, c));
        }
        chart.legend().set_position(ChartLegendPosition::Bottom);
        chart.set_width(620).set_height(320);
        ws.insert_chart(row + 1, (chart_no * 8) as u16, &chart)?;
    }
    Ok(())
}

/// Widens `widths` to fit a table's headers and cells.
fn fit(widths: &mut [f64], headers: &[&str], rows: &[Vec<Cell>]) {
    for (c, h) in headers.iter().enumerate() {
        if let Some(w) = widths.get_mut(c) {
            *w = w.max(text_width(h) + 2.0);
        }
    }
    for cells in rows {
        for (c, cell) in cells.iter().enumerate() {
            if let (Some(w), Cell::Text(s)) = (widths.get_mut(c), cell) {
                *w = w.max(text_width(s) + 1.5);
            }
        }
    }
}
