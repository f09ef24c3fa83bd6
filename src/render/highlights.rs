//! 本期要点 (SPEC §12): at most eight sentences a leader can act on, computed from a period's
//! results, each from the wording and left out when it has nothing to say. The city report
//! opens with them, right after its cover; the summary workbook's 总览 lists them. Each list in
//! them leads with the worst (the lowest score as shown, the most red-line answers, the most
//! declines, the farthest bias, the most flags; missing returns in the registry's order, 建议约谈
//! in the loop's) and names at most [`NAMED`], counting the rest, so that they stay one page at
//! any scale.

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
    let mut seen = std::collections::HashSet::new();
    names.into_iter().filter(|n| seen.insert(*n)).collect()
}

/// Distinct names, the one seen most often first (a stable sort: first-seen order among
/// equals).
fn most_often<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut at = std::collections::HashMap::new();
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for n in names {
        let i = *at.entry(n).or_insert_with(|| {
            seen.push((n, 0));
            seen.len() - 1
        });
        seen[i].1 += 1;
    }
    seen.sort_by_key(|(_, k)| std::cmp::Reverse(*k));
    seen.into_iter().map(|(n, _)| n).collect()
}

/// The first [`NAMED`] of `names`, joined with 、.
fn named<S: AsRef<str>>(names: &[S]) -> String {
    let shown: Vec<&str> = names.iter().take(NAMED).map(AsRef::as_ref).collect();
    shown.join("、")
}

/// A score as shown (two decimals): what a list is ordered by, so that the order can be told
/// from the page (equal shown scores keep the registry's order).
fn shown(x: f64) -> f64 {
    crate::score::stats::round_half_away(x, 2)
}

/// The wording of a sentence whose list has `n` names: all of them (`few`), or the first
/// [`NAMED`] and how many there are (`many`).
fn by_count(n: usize, few: &'static str, many: &'static str) -> &'static str {
    if n > NAMED { many } else { few }
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
        let change = match before.map(|b| shown(shown(c) - shown(b))) {
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
    below.sort_by(|a, b| shown(a.1).total_cmp(&shown(b.1)));
    if !below.is_empty() {
        let list: Vec<String> = (below.iter().take(NAMED))
            .map(|(name, c)| w.with("report.highlight_scored", &[("name", name), ("composite", &score(*c))]))
            .collect();
        let key = by_count(below.len(), "report.highlight_below", "report.highlight_below_lowest");
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
        let key = by_count(
            by.len(),
            "report.highlight_red_line_item",
            "report.highlight_red_line_item_many",
        );
        red.push(w.with(
            key,
            &[
                ("name", &item.name),
                ("count", &total),
                ("enterprises", &by.len()),
                ("list", &who.join("、")),
            ],
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
        // The city, then the enterprises, the one with the most declines first (as many as
        // named, and how many).
        let city = (declines.iter().any(|d| d.level == Level::City))
            .then(|| r.city_group().map(|g| g.name.as_str()))
            .flatten();
        let of = most_often(
            (declines.iter())
                .filter(|d| d.level == Level::Enterprise)
                .map(|d| name(r, &d.key)),
        );
        if of.len() > NAMED {
            let city = city.map_or(String::new(), |c| {
                w.with("report.highlight_declines_city", &[("city", &c)])
            });
            out.push(w.with(
                "report.highlight_declines_many",
                &[
                    ("count", &declines.len()),
                    ("enterprises", &of.len()),
                    ("list", &format!("{city}{}", named(&of))),
                ],
            ));
        } else {
            let who: Vec<&str> = city.into_iter().chain(of).collect();
            out.push(w.with(
                "report.highlight_declines",
                &[("count", &declines.len()), ("list", &who.join("、"))],
            ));
        }
    }
    // A quarter: enterprises whose self-assessment stands far from the sampled survey.
    let mut biased: Vec<_> = r.bias.iter().filter(|b| b.flagged).collect();
    if r.period.is_quarter() && !biased.is_empty() {
        // The farthest first.
        let far = |b: &&crate::results::Bias| b.bias.map_or(0.0, |x| shown(x.abs()));
        biased.sort_by(|a, b| far(b).total_cmp(&far(a)));
        let who: Vec<String> = (biased.iter())
            .map(|b| {
                w.with(
                    "report.highlight_bias_one",
                    &[("name", &b.name), ("change", &super::change_text(b.bias))],
                )
            })
            .collect();
        let key = by_count(who.len(), "report.highlight_bias", "report.highlight_bias_many");
        out.push(w.with(key, &[("enterprises", &who.len()), ("list", &named(&who))]));
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
    // Returns expected and not in (the registry's order: units, then enterprises).
    let missing: Vec<&str> = (r.quality.submitters.iter())
        .filter(|q| q.is_missing())
        .map(|q| q.name.as_str())
        .collect();
    if !missing.is_empty() {
        let units = distinct(missing.iter().copied());
        let key = by_count(units.len(), "report.highlight_missing", "report.highlight_missing_many");
        out.push(w.with(
            key,
            &[
                ("count", &missing.len()),
                ("units", &units.len()),
                ("list", &named(&units)),
            ],
        ));
    }
    // Data to check: the unit with the most flags first.
    let flagged: Vec<_> = r.integrity.iter().filter(|s| s.flagged).collect();
    if !flagged.is_empty() {
        let units = most_often(flagged.iter().map(|s| s.name.as_str()));
        let key = by_count(
            units.len(),
            "report.highlight_integrity",
            "report.highlight_integrity_many",
        );
        out.push(w.with(
            key,
            &[
                ("count", &flagged.len()),
                ("units", &units.len()),
                ("list", &named(&units)),
            ],
        ));
    }
    // 建议约谈, in the loop's order.
    if let Some(l) = r.rectification.as_ref().filter(|l| !l.interviews.is_empty()) {
        let who = distinct(l.interviews.iter().map(|i| i.name.as_str()));
        let mut list = named(&who);
        if who.len() > NAMED {
            list.push_str(&w.with("report.highlight_more", &[("count", &who.len())]));
        }
        out.push(w.with("report.highlight_interviews", &[("list", &list)]));
    }
    out.truncate(MAX);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Period;
    use crate::results::fixtures::{enterprise, info, results};
    use crate::results::integrity::{Check, Signal};
    use crate::results::{Bias, Decline, GroupResult};

    /// A month of the registry's enterprises A, B, C … (names A公司 …), nothing computed.
    fn month(codes: &[&str]) -> PeriodResults {
        let mut r = results(Vec::new(), 3);
        r.enterprises = codes.iter().map(|c| info(c, "供水")).collect();
        r
    }

    fn say(r: &PeriodResults) -> Vec<String> {
        sentences(r, &Scheme::builtin(), &Wording::builtin())
    }

    fn decline(level: Level, key: &str) -> Decline {
        Decline {
            level,
            key: key.into(),
            indicator: "Q1".into(),
            is_dimension: false,
            previous: 90.0,
            current: 80.0,
            delta: -10.0,
            p: Some(0.01),
            significant: true,
        }
    }

    fn city() -> GroupResult {
        GroupResult {
            level: Level::City,
            key: "全市".into(),
            name: "天门市".into(),
            composite: None,
            ..enterprise("全市", 100, 0.0, false)
        }
    }

    #[test]
    fn below_the_line_the_lowest_shown_score_first_and_equal_shown_scores_in_registry_order() {
        let mut r = month(&["A", "B", "C", "D", "E", "F", "G"]);
        // A and B both show 75.00; B's hidden decimals are lower, which must not put it first.
        for (code, c) in [
            ("A", 75.004),
            ("B", 75.001),
            ("C", 74.0),
            ("D", 76.0),
            ("E", 77.0),
            ("F", 78.0),
        ] {
            r.groups.push(enterprise(code, 40, c, false));
        }
        r.groups.push(enterprise("G", 40, 85.0, false));
        assert_eq!(
            say(&r),
            [
                "综合得分低于整改线 80.00 分的企业 6 家，得分最低的 5 家：C公司（74.00 分）、\
              A公司（75.00 分）、B公司（75.00 分）、D公司（76.00 分）、E公司（77.00 分）。"
            ]
        );
        // Five: all of them, lowest first, in the sentence without a count of the rest.
        r.groups.retain(|g| g.key != "F");
        assert_eq!(
            say(&r),
            [
                "综合得分低于整改线 80.00 分的企业 5 家：C公司（74.00 分）、A公司（75.00 分）、\
              B公司（75.00 分）、D公司（76.00 分）、E公司（77.00 分）。"
            ]
        );
    }

    #[test]
    fn declines_name_the_city_then_the_enterprises_with_the_most_and_count_them() {
        let mut r = month(&["A", "B", "C", "D", "E", "F", "G"]);
        r.groups.push(city());
        let keys = ["A", "B", "C", "C", "C", "D", "E", "E", "F", "G"];
        r.declines.push(decline(Level::City, "全市"));
        r.declines.extend(keys.iter().map(|k| decline(Level::Enterprise, k)));
        // A county's decline is in the report, not here.
        r.declines.push(decline(Level::County, "岳口镇"));
        assert_eq!(
            say(&r),
            ["较上期显著下降的指标 11 项，涉及天门市及C公司、E公司、A公司、B公司、D公司等 7 家企业。"]
        );
        // Five enterprises: all named, the city among them.
        r.declines
            .retain(|d| !["F", "G"].contains(&d.key.as_str()) && d.level != Level::County);
        assert_eq!(
            say(&r),
            ["较上期显著下降的指标 9 项，涉及天门市、C公司、E公司、A公司、B公司、D公司。"]
        );
    }

    #[test]
    fn integrity_flags_name_the_units_with_the_most_and_count_them() {
        let mut r = month(&[]);
        let signal = |name: &str, flagged: bool| Signal {
            submitter: name.into(),
            name: name.into(),
            check: Check::StraightLining,
            n: 40,
            value: 0.5,
            threshold: 0.3,
            flagged,
        };
        for u in ["甲镇", "乙镇", "丙镇", "丙镇", "丁镇", "戊镇", "己镇"] {
            r.integrity.push(signal(u, true));
        }
        r.integrity.push(signal("庚镇", false));
        assert_eq!(
            say(&r),
            ["数据质量疑点 7 项，涉及 6 个单位，如丙镇、甲镇、乙镇、丁镇、戊镇等，建议抽查核实。"]
        );
    }

    #[test]
    fn a_quarters_bias_names_the_farthest_shown_first_and_counts_them() {
        let mut r = month(&["A", "B", "C", "D", "E", "F"]);
        r.period = Period::Quarter { year: 2026, quarter: 3 };
        for (code, bias) in [
            ("A", 10.0),
            ("B", 14.004),
            ("C", 14.001),
            ("D", 8.0),
            ("E", 12.0),
            ("F", 9.0),
        ] {
            r.bias.push(Bias {
                enterprise: code.into(),
                name: format!("{code}公司"),
                self_n: 90,
                self_composite: Some(90.0),
                sampled_n: 30,
                sampled_composite: Some(90.0 - bias),
                bias: Some(bias),
                flagged: true,
            });
        }
        assert_eq!(
            say(&r),
            [
                "自评得分与抽查得分差异较大、需核实的企业 6 家，差异最大的是B公司（自评减抽查 +14.00 分）、\
              C公司（自评减抽查 +14.00 分）、E公司（自评减抽查 +12.00 分）、A公司（自评减抽查 +10.00 分）、\
              F公司（自评减抽查 +9.00 分）。"
            ]
        );
    }
}
