//! Improvement items (整改事项), per SPEC §4: raised per enterprise per period by the
//! scheme's rules, carried across the periods of one kind, resolved when the indicator is
//! back at or above the action threshold with enough answers, overdue once a later period
//! ends past the due date. The lifecycle is a pure function of the periods' results, replayed
//! in order, so recomputing a period always gives the same items.

use chrono::{Days, NaiveDate};

use crate::config::Config;
use crate::period::Period;
use crate::results::{Decline, Dissatisfaction, GroupResult, ImprovementItem, ItemStatus, Level};

/// What one period's results say about the enterprises.
pub struct PeriodFindings<'a> {
    pub period: Period,
    pub groups: &'a [GroupResult],
    pub declines: &'a [Decline],
    pub dissatisfaction: &'a [Dissatisfaction],
}

/// One problem found: what would become an item.
#[derive(Debug, Clone, PartialEq)]
struct Finding {
    enterprise: String,
    indicator: String,
    indicator_name: String,
    rule: &'static str,
    severity: &'static str,
    finding: String,
    measure: String,
    /// For a decline: the level it fell from.
    baseline: Option<f64>,
}

fn fmt2(x: f64) -> String {
    format!("{:.2}", crate::score::stats::round_half_away(x, 2))
}

/// The rules of the scheme applied to one period's enterprise results.
fn findings(config: &Config, f: &PeriodFindings<'_>) -> Vec<Finding> {
    let th = &config.scheme.thresholds;
    let mut out = Vec::new();
    for g in f.groups.iter().filter(|g| g.level == Level::Enterprise) {
        for (item, r) in config.scheme.items.iter().zip(&g.items) {
            let Some(score) = r.score else { continue };
            let measure = item.measure.clone();
            if item.red_line && r.unfavourable > 0 {
                out.push(Finding {
                    enterprise: g.key.clone(),
                    indicator: item.id.clone(),
                    indicator_name: item.name.clone(),
                    rule: "red_line",
                    severity: "高",
                    finding: format!(
                        "红线指标 {}({})出现 {} 份不利回答(有效回答 {} 份,得分 {} 分)",
                        item.id,
                        item.name,
                        r.unfavourable,
                        r.n,
                        fmt2(score)
                    ),
                    measure: measure.clone(),
                    baseline: None,
                });
            }
            if score < th.action && r.n >= u64::from(th.min_answers) {
                out.push(Finding {
                    enterprise: g.key.clone(),
                    indicator: item.id.clone(),
                    indicator_name: item.name.clone(),
                    rule: "below_threshold",
                    severity: if score < 60.0 { "高" } else { "中" },
                    finding: format!(
                        "{}({})得分 {} 分,低于整改线 {} 分(有效回答 {} 份)",
                        item.id,
                        item.name,
                        fmt2(score),
                        fmt2(th.action),
                        r.n
                    ),
                    measure,
                    baseline: None,
                });
            }
        }
        for d in f
            .declines
            .iter()
            .filter(|d| d.level == Level::Enterprise && d.key == g.key && d.significant)
        {
            let (name, measure) = match config.scheme.item(&d.indicator) {
                Some(item) => (item.name.clone(), item.measure.clone()),
                None => (
                    d.indicator.clone(),
                    format!("分析“{}”维度下降原因,逐项制定改进措施", d.indicator),
                ),
            };
            out.push(Finding {
                enterprise: g.key.clone(),
                indicator: d.indicator.clone(),
                indicator_name: name.clone(),
                rule: "significant_decline",
                severity: "中",
                finding: format!(
                    "{}较上期显著下降:{} 分 → {} 分(变化 {},p = {:.4})",
                    if d.is_dimension {
                        format!("“{name}”维度")
                    } else {
                        format!("{}({name})", d.indicator)
                    },
                    fmt2(d.previous),
                    fmt2(d.current),
                    fmt2(d.delta),
                    d.p.unwrap_or(f64::NAN)
                ),
                measure,
                baseline: Some(d.previous),
            });
        }
        if let Some(dis) = f
            .dissatisfaction
            .iter()
            .find(|x| x.level == Level::Enterprise && x.key == g.key)
        {
            // Complaints no topic matched are no single problem to assign.
            for t in dis
                .topics
                .iter()
                .filter(|t| t.count >= u64::from(th.topic_repeat) && !t.catch_all)
            {
                out.push(Finding {
                    enterprise: g.key.clone(),
                    indicator: t.topic.clone(),
                    indicator_name: t.topic.clone(),
                    rule: "repeated_topic",
                    severity: "中",
                    finding: format!("用户多次反映“{}”问题(本期 {} 条意见或投诉)", t.topic, t.count),
                    measure: format!("逐条核实用户反映的“{}”问题,限期整改并回访用户", t.topic),
                    baseline: None,
                });
            }
        }
    }
    out
}

/// Whether an open item's indicator has recovered in a period's results, with enough answers:
/// an item or dimension back at or above the action threshold; for a decline, also back to
/// the level it fell from; for a red line, no unfavourable answer at all; for a complaint
/// topic, mentioned fewer times than raise an item.
fn recovered(config: &Config, item: &ImprovementItem, f: &PeriodFindings<'_>) -> bool {
    let th = &config.scheme.thresholds;
    let Some(g) = f
        .groups
        .iter()
        .find(|g| g.level == Level::Enterprise && g.key == item.enterprise)
    else {
        return false; // no answers this period: nothing to judge by
    };
    let enough = |n: u64| n >= u64::from(th.min_answers);
    let back = |score: f64| score >= th.action && item.baseline.is_none_or(|b| score >= b);
    match item.rule.as_str() {
        "repeated_topic" => {
            let count = f
                .dissatisfaction
                .iter()
                .find(|x| x.level == Level::Enterprise && x.key == item.enterprise)
                .and_then(|x| x.topics.iter().find(|t| t.topic == item.indicator))
                .map_or(0, |t| t.count);
            count < u64::from(th.topic_repeat) && enough(g.n)
        }
        "red_line" => g
            .item(&item.indicator)
            .is_some_and(|r| r.unfavourable == 0 && enough(r.n)),
        _ => match g.item(&item.indicator) {
            Some(r) => r.score.is_some_and(back) && enough(r.n),
            None => g.dimension(&item.indicator).is_some_and(back) && enough(g.n),
        },
    }
}

/// Replays the periods of one kind, oldest first, and returns the items as they stand in
/// the last: raised in it (new), still open, overdue, or resolved in it.
pub fn lifecycle(config: &Config, periods: &[PeriodFindings<'_>]) -> Vec<ImprovementItem> {
    let mut items: Vec<ImprovementItem> = Vec::new();
    for f in periods {
        let end = f.period.last_day();
        for item in items.iter_mut().filter(|i| i.resolved.is_none()) {
            if recovered(config, item, f) {
                item.status = ItemStatus::Resolved;
                item.resolved = Some(f.period);
            } else if end > item.due {
                item.status = ItemStatus::Overdue;
            } else {
                item.status = ItemStatus::Open;
            }
        }
        for found in findings(config, f) {
            let pending = items.iter().any(|i| {
                i.resolved.is_none()
                    && i.enterprise == found.enterprise
                    && i.indicator == found.indicator
                    && i.rule == found.rule
            });
            if pending {
                continue;
            }
            let head = config.enterprise_by_code(&found.enterprise);
            items.push(ImprovementItem {
                id: format!("{}-{}-{}-{}", f.period, found.enterprise, found.indicator, found.rule),
                enterprise_name: head.map(|e| e.name.clone()).unwrap_or_else(|| found.enterprise.clone()),
                responsible: head.map(|e| e.head.clone()).unwrap_or_default(),
                enterprise: found.enterprise,
                indicator: found.indicator,
                indicator_name: found.indicator_name,
                rule: found.rule.to_string(),
                severity: found.severity.to_string(),
                finding: found.finding,
                measure: found.measure,
                baseline: found.baseline,
                raised: f.period,
                due: due_date(end, config.scheme.thresholds.deadline_days),
                status: ItemStatus::New,
                resolved: None,
            });
        }
        // Items resolved before this period are history; keep only what this period reports.
        let this = f.period;
        items.retain(|i| i.resolved.is_none_or(|p| p == this));
    }
    items.sort_by(|a, b| {
        (a.enterprise.as_str(), a.status, a.raised, a.id.as_str()).cmp(&(
            b.enterprise.as_str(),
            b.status,
            b.raised,
            b.id.as_str(),
        ))
    });
    items
}

fn due_date(period_end: NaiveDate, days: u32) -> NaiveDate {
    period_end
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(period_end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::ItemResult;

    fn config(extra: &str) -> Config {
        let text = format!("{}\n{extra}", include_str!("../../samples/utility-eval.toml"));
        Config::from_str(&text, std::path::Path::new("/tmp/utility-eval.toml")).unwrap()
    }

    /// An enterprise group whose items all score 90 (n 10) except those given.
    fn group(config: &Config, enterprise: &str, scores: &[(&str, f64, u64, u64)]) -> GroupResult {
        let items = config
            .scheme
            .items
            .iter()
            .map(|i| {
                let (score, n, unfav) = scores
                    .iter()
                    .find(|s| s.0 == i.id)
                    .map(|s| (s.1, s.2, s.3))
                    .unwrap_or((90.0, 10, 0));
                ItemResult {
                    id: i.id.clone(),
                    name: i.name.clone(),
                    score: Some(score),
                    n,
                    unfavourable: unfav,
                    ci95: None,
                }
            })
            .collect();
        GroupResult {
            level: Level::Enterprise,
            key: enterprise.into(),
            name: enterprise.into(),
            n: 10,
            composite: Some(90.0),
            overall: Some(90.0),
            dimensions: Vec::new(),
            items,
            insufficient: true,
        }
    }

    fn month(m: u32) -> Period {
        Period::Month { year: 2026, month: m }
    }

    fn run(config: &Config, periods: &[(Period, Vec<GroupResult>)]) -> Vec<ImprovementItem> {
        let f: Vec<PeriodFindings<'_>> = periods
            .iter()
            .map(|(p, g)| PeriodFindings {
                period: *p,
                groups: g,
                declines: &[],
                dissatisfaction: &[],
            })
            .collect();
        lifecycle(config, &f)
    }

    #[test]
    fn raised_then_open_then_resolved() {
        // 45 days: July's item is due 2026-09-14, so August (ends 08-31) finds it open.
        let c = config("[thresholds]\ndeadline_days = 45\n");
        let low = group(&c, "GS01", &[("Q9", 50.0, 10, 5)]);
        let still = group(&c, "GS01", &[("Q9", 70.0, 10, 3)]);
        let back = group(&c, "GS01", &[("Q9", 80.0, 10, 2)]);
        let jul = run(&c, &[(month(7), vec![low.clone()])]);
        assert_eq!(jul.len(), 1);
        let i = &jul[0];
        assert_eq!(i.id, "2026-07-GS01-Q9-below_threshold");
        assert_eq!(
            (i.status, i.severity.as_str(), i.responsible.as_str()),
            (ItemStatus::New, "高", "张某")
        );
        assert_eq!(i.due, NaiveDate::from_ymd_opt(2026, 9, 14).unwrap());
        assert!(
            i.finding.contains("50.00") && i.finding.contains("80.00") && i.finding.contains("10 份"),
            "{}",
            i.finding
        );
        let aug = run(&c, &[(month(7), vec![low.clone()]), (month(8), vec![still.clone()])]);
        assert_eq!(aug.len(), 1, "the open item is not raised again: {aug:?}");
        assert_eq!(aug[0].status, ItemStatus::Open);
        let sep = run(
            &c,
            &[
                (month(7), vec![low.clone()]),
                (month(8), vec![still]),
                (month(9), vec![back.clone()]),
            ],
        );
        assert_eq!(sep.len(), 1);
        assert_eq!((sep[0].status, sep[0].resolved), (ItemStatus::Resolved, Some(month(9))));
        // Resolved items are history a period later.
        let oct = run(
            &c,
            &[
                (month(7), vec![low]),
                (month(9), vec![back.clone()]),
                (month(10), vec![back]),
            ],
        );
        assert!(oct.is_empty(), "{oct:?}");
    }

    #[test]
    fn raised_then_overdue_when_past_due_and_not_recovered() {
        let c = config("");
        let low = group(&c, "GS02", &[("Q9", 75.0, 10, 2)]);
        let items = run(&c, &[(month(7), vec![low.clone()]), (month(8), vec![low])]);
        // Due 2026-08-30 (30 days after July); August ends 08-31 without recovery.
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].status, ItemStatus::Overdue);
        assert_eq!(items[0].severity, "中", "75 is below 80 but not below 60");
    }

    #[test]
    fn recovery_needs_enough_answers() {
        let c = config("[thresholds]\ndeadline_days = 90\n");
        let low = group(&c, "GS01", &[("Q9", 50.0, 10, 5)]);
        let thin = group(&c, "GS01", &[("Q9", 100.0, 4, 0)]);
        let items = run(&c, &[(month(7), vec![low]), (month(8), vec![thin])]);
        assert_eq!(items[0].status, ItemStatus::Open, "4 answers < min_answers 5");
    }

    #[test]
    fn a_red_line_resolves_only_without_unfavourable_answers() {
        let c = config("[thresholds]\ndeadline_days = 90\n");
        let crossed = group(&c, "GS01", &[("Q10", 98.0, 50, 1)]);
        let clean = group(&c, "GS01", &[("Q10", 100.0, 50, 0)]);
        let again = run(
            &c,
            &[(month(7), vec![crossed.clone()]), (month(8), vec![crossed.clone()])],
        );
        assert_eq!(again.len(), 1, "not raised twice: {again:?}");
        assert_eq!(again[0].status, ItemStatus::Open, "98 points but still crossed");
        let fixed = run(&c, &[(month(7), vec![crossed]), (month(8), vec![clean])]);
        assert_eq!(fixed[0].status, ItemStatus::Resolved);
    }

    #[test]
    fn too_few_answers_raise_nothing_but_a_red_line_always_does() {
        let c = config("");
        let g = group(&c, "RQ02", &[("Q9", 20.0, 4, 3), ("Q10", 90.0, 10, 1)]);
        let items = run(&c, &[(month(7), vec![g])]);
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["2026-07-RQ02-Q10-red_line"]);
        assert_eq!(items[0].severity, "高");
    }
}
