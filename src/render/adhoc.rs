//! 不定期抽查 (SPEC §13) in a month's documents: each unscheduled survey of the city unit, its
//! enterprises' scores in it against their self-assessment of the month (the §3 bias rule),
//! and the items its results raise — a section of the city report, a part of each surveyed
//! enterprise's report, and a sheet of the summary workbook.

use rust_xlsxwriter::{Worksheet, XlsxError};

use super::report::{Sections, bias_table, item_columns, item_row};
use super::sheet::{Cell, Formats, main_table, print_setup};
use super::{change_text as delta, score_text as score};
use crate::pdf::{Doc, Table};
use crate::results::{AdhocSurvey, GroupResult, Level, PeriodResults};
use crate::scheme::Scheme;
use crate::wording::Wording;

fn heading(w: &Wording, a: &AdhocSurvey) -> String {
    w.with("report.adhoc_survey", &[("name", &a.name), ("responses", &a.n())])
}

/// The city report's section 不定期抽查, when the month had one.
pub(super) fn city_section(
    d: &mut Doc,
    w: &Wording,
    scheme: &Scheme,
    r: &PeriodResults,
    title: &str,
    s: &mut Sections,
) {
    if r.adhoc.is_empty() {
        return;
    }
    d.heading(&s.next(title), 1);
    d.paragraph(&w.with("report.adhoc_intro", &[("count", &r.adhoc.len())]));
    for a in &r.adhoc {
        d.heading(&heading(w, a), 2);
        if let Some(city) = a.groups.iter().find(|g| g.level == Level::City) {
            d.paragraph(&w.with(
                "report.adhoc_city",
                &[
                    ("responses", &city.n),
                    ("enterprises", &a.bias.len()),
                    ("composite", &score(city.composite)),
                ],
            ));
        }
        bias_table(d, w, &a.bias);
        d.note(&w.with("report.adhoc_bias_note", &[("bias_flag", &scheme.thresholds.bias_flag)]));
        items(d, w, a, None);
    }
}

/// How many of an enterprise's items the city's list shows (its own report shows them all).
const CITY_TOP: usize = 5;

/// The items a survey raised (of one enterprise, all of them; or each enterprise's first
/// few), or a line saying there are none.
fn items(d: &mut Doc, w: &Wording, a: &AdhocSurvey, enterprise: Option<&str>) {
    let all: Vec<_> = (a.items.iter())
        .filter(|i| enterprise.is_none_or(|e| i.enterprise == e))
        .collect();
    // In priority order per enterprise: the city sees each one's first few.
    let mut shown_of: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    let list: Vec<_> = (all.iter().copied())
        .filter(|i| {
            let n = shown_of.entry(i.enterprise.as_str()).or_default();
            *n += 1;
            enterprise.is_some() || *n <= CITY_TOP
        })
        .collect();
    let watched = (a.watch.iter())
        .filter(|x| enterprise.is_none_or(|e| x.enterprise == e))
        .count();
    if list.is_empty() {
        d.note(w.text("report.adhoc_no_items"));
    } else {
        d.paragraph(&w.with("report.adhoc_items", &[("count", &all.len())]));
        let rows = (list.iter())
            .map(|i| {
                let (mut row, tone) = item_row(i);
                // Whose item, in the city's list.
                if enterprise.is_none() {
                    row[0] = format!("{}：{}", i.enterprise_name, row[0]);
                }
                (row, tone)
            })
            .collect();
        d.table(&Table {
            columns: item_columns(w),
            rows,
        });
        if list.len() < all.len() {
            d.note(&w.with(
                "report.adhoc_items_more",
                &[("top", &CITY_TOP), ("count", &(all.len() - list.len()))],
            ));
        }
    }
    if watched > 0 {
        d.note(&w.with("report.adhoc_watch", &[("count", &watched)]));
    }
}

/// An enterprise report's part on the month's unscheduled surveys that reached it.
pub(super) fn enterprise_section(
    d: &mut Doc,
    w: &Wording,
    r: &PeriodResults,
    g: &GroupResult,
    title: &str,
    s: &mut Sections,
) {
    let mine: Vec<&AdhocSurvey> = (r.adhoc.iter())
        .filter(|a| a.bias.iter().any(|b| b.enterprise == g.key))
        .collect();
    if mine.is_empty() {
        return;
    }
    d.heading(&s.next(title), 1);
    for a in mine {
        let Some(b) = a.bias.iter().find(|b| b.enterprise == g.key) else {
            continue;
        };
        // Its own responses are in the sentence below; the survey's total is the city's.
        d.heading(&a.name, 2);
        let flag = if b.flagged { w.text("report.bias_check") } else { "" };
        d.paragraph(&w.with(
            "report.adhoc_enterprise",
            &[
                ("sampled_n", &b.sampled_n),
                ("sampled_composite", &score(b.sampled_composite)),
                ("self_n", &b.self_n),
                ("self_composite", &score(b.self_composite)),
                ("difference", &delta(b.bias)),
                ("flag", &flag),
            ],
        ));
        items(d, w, a, Some(&g.key));
    }
}

/// The summary workbook's sheet 不定期抽查: one row per survey and enterprise.
pub(super) fn sheet(
    ws: &mut Worksheet,
    f: &Formats,
    w: &Wording,
    r: &PeriodResults,
    title: &str,
) -> Result<(), XlsxError> {
    print_setup(ws, w, title);
    let headers = [
        w.text("summary.adhoc_col_survey"),
        w.text("summary.col_enterprise"),
        w.text("report.col_sampled_n"),
        w.text("report.col_sampled_composite"),
        w.text("report.col_self_n"),
        w.text("report.col_self_composite"),
        w.text("report.col_difference"),
        w.text("report.col_hint"),
        w.text("summary.adhoc_col_items"),
    ];
    let rows: Vec<Vec<Cell>> = (r.adhoc.iter())
        .flat_map(|a| {
            a.bias.iter().map(move |b| {
                let items = a.items.iter().filter(|i| i.enterprise == b.enterprise).count();
                vec![
                    Cell::text(a.name.clone()),
                    Cell::text(b.name.clone()),
                    Cell::Count(b.sampled_n),
                    Cell::score(b.sampled_composite),
                    Cell::Count(b.self_n),
                    Cell::score(b.self_composite),
                    Cell::score(b.bias),
                    Cell::text(if b.flagged { w.text("report.bias_flagged") } else { "" }),
                    Cell::Count(items as u64),
                ]
            })
        })
        .collect();
    main_table(ws, f, 0, &headers, &rows, 40.0)?;
    Ok(())
}
