//! 本期要点 (SPEC §12): at most eight sentences a leader can act on, computed from a period's
//! results, each from the wording and left out when it has nothing to say. The city report
//! opens with them, right after its cover; the summary workbook's 总览 lists them. Each list in
//! them leads with the worst (the lowest score, the most answers, the farthest bias) and names at
//! most [`NAMED`], counting the rest, so that they stay one page at any scale.

use crate::results::{Level, PeriodResults};
use crate::scheme::Scheme;
use crate::wording::Wording;

/// At most this many sentences.
pub const MAX: usize = 8;

/// At most this many names in a sentence: the first page names the worst few and counts the
/// rest (at a hundred enterprises and a thousand units every list in full ran to three pages;
/// the summary workbook's sheets have them all).
pub const NAMED: usize = 5;

fn score(x: f64) -> String {
    super::score_text(Some(x))
}

/// The enterprise's name, by code.
fn name<'a>(r: &'a PeriodResults, code: &'a str) -> &'a str {
    (r.enterprises.iter())
        .find(|e| e.code == code)
        .map_or(code, |e| e.name.as_str())
}

/// Distinct names, in first-seen order.
fn distinct<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen: Vec<&str> = Vec::new();
    for n in names {
        if !seen.contains(&n) {
            seen.push(n);
        }
    }
    seen
}

/// The first [`NAMED`] of `names` joined with 、, then, if there are more, the wording `more`
/// ("等 {count} 家") counting them all.
fn capped<S: AsRef<str>>(names: &[S], more: &str, w: &Wording) -> String {
    let shown: Vec<&str> = names.iter().take(NAMED).map(AsRef::as_ref).collect();
    let mut s = shown.join("、");
    if names.len() > NAMED {
        s.push_str(&w.with(more, &[("count", &names.len())]));
    }
    s
}

/// The period's highlights, in the order of SPEC §12: the city composite and its change, the
/// enterprises below the line, red-line findings, significant declines (and, for a quarter, the
/// self-assessment bias), overdue items and cases, missing returns, integrity flags, 建议约谈.
pub fn sentences(r: &PeriodResults, scheme: &Scheme, w: &Wording) -> Vec<String> {
    let mut out = Vec::new();
    let enterprises: Vec<_> = (r.groups.iter()).filter(|g| g.level == Level::Enterprise).collect();
    // The city composite, and its change since the previous period of the kind.
    if let Some(c) = r.city_group().and_then(|g| g.composite) {
        let before = (r.history.iter())
            .find(|h| h.level == Level::City && Some(h.period) == r.previous)
            .and_then(|h| h.composite);
        // The difference of the two scores as shown, so that a reader's subtraction agrees.
        let shown = |x: f64| crate::score::stats::round_half_away(x, 2);
        let change = match before.map(|b| crate::score::stats::round_half_away(shown(c) - shown(b), 2)) {
            Some(d) if d > 0.0 => w.with("report.highlight_up", &[("change", &score(d))]),
            Some(d) if d < 0.0 => w.with("report.highlight_down", &[("change", &score(-d))]),
            Some(_) => w.text("report.highlight_same").to_string(),
            None => String::new(),
        };
        out.push(w.with(
            "report.highlight_city",
            &[("composite", &score(c)), ("change", &change)],
        ));
    }
    // Below the action line, with enough responses.
    let action = scheme.thresholds.action;
    // The lowest first; more than a few: the lowest few, and how many there are.
    let mut below: Vec<(&str, f64)> = (enterprises.iter())
        .filter(|g| !g.insufficient)
        .filter_map(|g| Some((g.name.as_str(), g.composite.filter(|c| *c < action)?)))
        .collect();
    below.sort_by(|a, b| a.1.total_cmp(&b.1));
    if !below.is_empty() {
        let list: Vec<String> = (below.iter().take(NAMED))
            .map(|(name, c)| w.with("report.highlight_scored", &[("name", name), ("composite", &score(*c))]))
            .collect();
        let key = if below.len() > NAMED {
            "report.highlight_below_lowest"
        } else {
            "report.highlight_below"
        };
        out.push(w.with(
            key,
            &[
                ("threshold", &score(action)),
                ("count", &below.len()),
                ("top", &list.len()),
                ("list", &list.join("、")),
            ],
        ));
    }
    // Red-line findings: each red-line item's unfavourable answers, by enterprise.
    let mut red = Vec::new();
    for (i, item) in scheme.items.iter().enumerate().filter(|(_, i)| i.red_line) {
        let mut by: Vec<(&str, u64)> = (enterprises.iter())
            .filter_map(|g| Some((g.name.as_str(), g.items.get(i)?.unfavourable)))
            .filter(|(_, n)| *n > 0)
            .collect();
        if by.is_empty() {
            continue;
        }
        // The most first (a stable sort: the registry's order among equals).
        by.sort_by_key(|b| std::cmp::Reverse(b.1));
        let total: u64 = by.iter().map(|(_, n)| n).sum();
        let who: Vec<String> = (by.iter().take(NAMED))
            .map(|(e, n)| w.with("report.highlight_counted", &[("name", e), ("count", n)]))
            .collect();
        let mut who = who.join("、");
        if by.len() > NAMED {
            who.push_str(&w.with("report.highlight_more", &[("count", &by.len())]));
        }
        red.push(w.with(
            "report.highlight_red_line_item",
            &[("name", &item.name), ("count", &total), ("list", &who)],
        ));
    }
    if !red.is_empty() {
        out.push(w.with("report.highlight_red_lines", &[("list", &red.join("；"))]));
    }
    // Significant declines of the city and the enterprises (a county's or a unit's are in the
    // report), and whom they are of.
    let declines: Vec<_> = (r.declines.iter())
        .filter(|d| d.significant && matches!(d.level, Level::City | Level::Enterprise))
        .collect();
    if !declines.is_empty() {
        // The city, then the enterprises (as many as named, and how many).
        let city = (declines.iter().any(|d| d.level == Level::City))
            .then(|| r.city_group().map(|g| g.name.as_str()))
            .flatten();
        let of = distinct(
            (declines.iter())
                .filter(|d| d.level == Level::Enterprise)
                .map(|d| name(r, &d.key)),
        );
        let who = [
            city.map(str::to_string),
            (!of.is_empty()).then(|| capped(&of, "report.highlight_more", w)),
        ];
        let who: Vec<String> = who.into_iter().flatten().collect();
        out.push(w.with(
            "report.highlight_declines",
            &[("count", &declines.len()), ("list", &who.join("、"))],
        ));
    }
    // A quarter: enterprises whose self-assessment stands far from the sampled survey.
    let mut biased: Vec<_> = r.bias.iter().filter(|b| b.flagged).collect();
    if r.period.is_quarter() && !biased.is_empty() {
        // The farthest first.
        let far = |b: &&crate::results::Bias| b.bias.map_or(0.0, f64::abs);
        biased.sort_by(|a, b| far(b).total_cmp(&far(a)));
        let who: Vec<String> = (biased.iter())
            .map(|b| {
                w.with(
                    "report.highlight_bias_one",
                    &[("name", &b.name), ("change", &super::change_text(b.bias))],
                )
            })
            .collect();
        out.push(w.with(
            "report.highlight_bias",
            &[("list", &capped(&who, "report.highlight_more", w))],
        ));
    }
    // Overdue items, and (once the loop has begun) cases past a deadline.
    let items = (r.improvement_items.iter())
        .filter(|i| i.status == crate::results::ItemStatus::Overdue)
        .count();
    let cases: u64 = r
        .rectification
        .as_ref()
        .map_or(0, |l| l.enterprises.iter().map(|e| e.cases_overdue).sum());
    if items > 0 {
        let cases = if cases > 0 {
            w.with("report.highlight_overdue_cases", &[("count", &cases)])
        } else {
            String::new()
        };
        out.push(w.with("report.highlight_overdue", &[("count", &items), ("list", &cases)]));
    } else if cases > 0 {
        out.push(w.with("report.highlight_cases_overdue", &[("count", &cases)]));
    }
    // Returns expected and not in.
    let missing: Vec<&str> = (r.quality.submitters.iter())
        .filter(|q| q.state.is_missing())
        .map(|q| q.name.as_str())
        .collect();
    if !missing.is_empty() {
        out.push(w.with(
            "report.highlight_missing",
            &[
                ("count", &missing.len()),
                ("list", &capped(&distinct(missing), "report.highlight_more_units", w)),
            ],
        ));
    }
    // Data to check.
    let flagged: Vec<_> = r.integrity.iter().filter(|s| s.flagged).collect();
    if !flagged.is_empty() {
        out.push(w.with(
            "report.highlight_integrity",
            &[
                ("count", &flagged.len()),
                (
                    "list",
                    &capped(
                        &distinct(flagged.iter().map(|s| s.name.as_str())),
                        "report.highlight_more_units",
                        w,
                    ),
                ),
            ],
        ));
    }
    // 建议约谈.
    if let Some(l) = r.rectification.as_ref().filter(|l| !l.interviews.is_empty()) {
        out.push(w.with(
            "report.highlight_interviews",
            &[(
                "list",
                &capped(
                    &distinct(l.interviews.iter().map(|i| i.name.as_str())),
                    "report.highlight_more",
                    w,
                ),
            )],
        ));
    }
    out.truncate(MAX);
    out
}
