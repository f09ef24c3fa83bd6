//! Improvement items (整改事项), per SPEC §4: a work list an enterprise head can act on.
//! The scheme's rules find problems per enterprise and period; the findings on one indicator
//! make one item, which stays open across the periods of one kind, is updated by later
//! findings (its current value, the periods it was seen in, the rules, an escalated severity),
//! is resolved when every rule that found it is satisfied again with enough answers, and is
//! overdue once a period ends past its due date. An enterprise with fewer responses than the
//! minimum sample raises no item but on a red line: its other findings are listed to watch
//! (待观察), and its open items stay open, since thin data neither confirms nor resolves them.
//! The lifecycle is a pure function of the periods' results, replayed in order, so
//! recomputing a period always gives the same items.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::config::Config;
use crate::period::Period;
use crate::results::{
    Decline, Dissatisfaction, GroupResult, ImprovementItem, ItemStatus, Level, Rule, Severity, TOP_ITEMS, WatchFinding,
    WorkList,
};

/// What one period's results say about the enterprises.
pub struct PeriodFindings<'a> {
    pub period: Period,
    pub groups: &'a [GroupResult],
    pub declines: &'a [Decline],
    pub dissatisfaction: &'a [Dissatisfaction],
}

/// What the rules found on one enterprise's indicator in one period.
#[derive(Debug, Clone, PartialEq)]
struct Found {
    indicator_name: String,
    /// In rule order (red line first).
    rules: Vec<Rule>,
    severity: Severity,
    /// One sentence per rule.
    texts: Vec<String>,
    measure: String,
    /// For a decline: the level it fell from.
    baseline: Option<f64>,
}

fn fmt2(x: f64) -> String {
    format!("{:.2}", crate::score::stats::round_half_away(x, 2))
}

/// One rule met by one enterprise's indicator.
struct Hit {
    indicator: String,
    name: String,
    measure: String,
    rule: Rule,
    severity: Severity,
    text: String,
    baseline: Option<f64>,
}

/// Adds a hit to its enterprise's finding on the indicator (one finding per indicator,
/// however many rules it meets; the most severe rule's severity).
fn add(out: &mut Findings, enterprise: &str, hit: Hit) {
    let found = out
        .entry((enterprise.to_string(), hit.indicator))
        .or_insert_with(|| Found {
            indicator_name: hit.name,
            rules: Vec::new(),
            severity: hit.severity,
            texts: Vec::new(),
            measure: hit.measure,
            baseline: None,
        });
    found.rules.push(hit.rule);
    found.severity = found.severity.max(hit.severity);
    found.texts.push(hit.text);
    found.baseline = found.baseline.or(hit.baseline);
}

/// The rules of the scheme applied to one period's enterprise results, by enterprise and
/// indicator: several rules on one indicator make one finding.
fn findings(config: &Config, f: &PeriodFindings<'_>) -> Findings {
    let mut out = Findings::new();
    for g in f.groups.iter().filter(|g| g.level == Level::Enterprise) {
        let hits = (item_hits(config, g).into_iter())
            .chain(decline_hits(config, f, &g.key))
            .chain(topic_hits(config, f, &g.key));
        for hit in hits {
            add(&mut out, &g.key, hit);
        }
    }
    for found in out.values_mut() {
        let mut order: Vec<(Rule, String)> = found.rules.drain(..).zip(found.texts.drain(..)).collect();
        order.sort_by_key(|(r, _)| *r);
        (found.rules, found.texts) = order.into_iter().unzip();
    }
    out
}

/// An enterprise's items on a red line with an unfavourable answer, or below the action
/// threshold with enough answers.
fn item_hits(config: &Config, g: &GroupResult) -> Vec<Hit> {
    let th = &config.scheme.thresholds;
    let mut out = Vec::new();
    for (item, r) in config.scheme.items.iter().zip(&g.items) {
        let Some(score) = r.score else { continue };
        let hit = |rule, severity, text| Hit {
            indicator: item.id.clone(),
            name: item.name.clone(),
            measure: item.measure.clone(),
            rule,
            severity,
            text,
            baseline: None,
        };
        if item.red_line && r.unfavourable > 0 {
            let text = format!(
                "红线指标出现 {} 份不利回答(有效回答 {} 份,得分 {} 分)",
                r.unfavourable,
                r.n,
                fmt2(score)
            );
            out.push(hit(Rule::RedLine, Severity::High, text));
        }
        if score < th.action && r.n >= u64::from(th.min_answers) {
            let severity = if score < 60.0 { Severity::High } else { Severity::Medium };
            let text = format!(
                "得分 {} 分,低于整改线 {} 分(有效回答 {} 份)",
                fmt2(score),
                fmt2(th.action),
                r.n
            );
            out.push(hit(Rule::BelowThreshold, severity, text));
        }
    }
    out
}

/// An enterprise's significant declines against the previous period of the same kind.
fn decline_hits(config: &Config, f: &PeriodFindings<'_>, enterprise: &str) -> Vec<Hit> {
    let th = &config.scheme.thresholds;
    let declines = (f.declines.iter()).filter(|d| d.level == Level::Enterprise && d.key == enterprise && d.significant);
    declines
        .map(|d| {
            let (name, measure) = match config.scheme.item(&d.indicator) {
                Some(item) => (item.name.clone(), item.measure.clone()),
                None => (
                    d.indicator.clone(),
                    format!("分析“{}”维度下降原因,逐项制定改进措施", d.indicator),
                ),
            };
            // A fall that leaves the indicator above the threshold is worth watching, no more.
            let severity = if d.current < th.action {
                Severity::Medium
            } else {
                Severity::Low
            };
            let text = format!(
                "较上期显著下降:{} 分 → {} 分(变化 {},p = {:.4})",
                fmt2(d.previous),
                fmt2(d.current),
                fmt2(d.delta),
                d.p.unwrap_or(f64::NAN)
            );
            Hit {
                indicator: d.indicator.clone(),
                name,
                measure,
                rule: Rule::SignificantDecline,
                severity,
                text,
                baseline: Some(d.previous),
            }
        })
        .collect()
}

/// An enterprise's complaint topics repeated often enough (complaints no topic matched are no
/// single problem to assign).
fn topic_hits(config: &Config, f: &PeriodFindings<'_>, enterprise: &str) -> Vec<Hit> {
    let repeat = u64::from(config.scheme.thresholds.topic_repeat);
    let Some(dis) = (f.dissatisfaction.iter()).find(|x| x.level == Level::Enterprise && x.key == enterprise) else {
        return Vec::new();
    };
    (dis.topics.iter())
        .filter(|t| t.count >= repeat && !t.catch_all)
        .map(|t| Hit {
            indicator: t.topic.clone(),
            name: t.topic.clone(),
            measure: format!("逐条核实用户反映的“{}”问题,限期整改并回访用户", t.topic),
            rule: Rule::RepeatedTopic,
            severity: Severity::Medium,
            text: format!("用户反映“{}”问题 {} 条", t.topic, t.count),
            baseline: None,
        })
        .collect()
}

type Findings = BTreeMap<(String, String), Found>;

/// A period's findings split by the enterprise's sample (SPEC §4): those that raise or update
/// items, and those of enterprises under the minimum sample, which are only watched. A thin
/// enterprise's red-line finding is raised all the same (with its red-line rule alone).
fn split_thin(f: &PeriodFindings<'_>, found: Findings) -> (Findings, Findings) {
    let (mut raise, mut watch) = (Findings::new(), Findings::new());
    for (key, mut found) in found {
        if !enterprise_group(f, &key.0).is_some_and(|g| g.insufficient) {
            raise.insert(key, found);
        } else if let Some(i) = found.rules.iter().position(|r| *r == Rule::RedLine) {
            // The red line is the item; the indicator's other findings go with it, unraised.
            found.rules = vec![Rule::RedLine];
            found.texts = vec![found.texts.swap_remove(i)];
            found.severity = Severity::High;
            found.baseline = None;
            raise.insert(key, found);
        } else {
            watch.insert(key, found);
        }
    }
    (raise, watch)
}

/// An indicator's value in a period's results and the answers behind it: an item's or a
/// dimension's score, or a complaint topic's mentions (with the enterprise's responses).
fn value_of(f: &PeriodFindings<'_>, enterprise: &str, indicator: &str, topic: bool) -> Option<(f64, u64)> {
    let g = enterprise_group(f, enterprise)?;
    if topic {
        return Some((topic_count(f, enterprise, indicator) as f64, g.n));
    }
    match g.item(indicator) {
        Some(r) => r.score.map(|s| (s, r.n)),
        None => g.dimension(indicator).map(|s| (s, g.n)),
    }
}

/// An item's indicator in a period's results: its value and the answers behind it.
fn current_value(item: &ImprovementItem, f: &PeriodFindings<'_>) -> Option<(f64, u64)> {
    value_of(
        f,
        &item.enterprise,
        &item.indicator,
        item.rules.contains(&Rule::RepeatedTopic),
    )
}

fn enterprise_group<'a>(f: &'a PeriodFindings<'_>, enterprise: &str) -> Option<&'a GroupResult> {
    f.groups
        .iter()
        .find(|g| g.level == Level::Enterprise && g.key == enterprise)
}

fn topic_count(f: &PeriodFindings<'_>, enterprise: &str, topic: &str) -> u64 {
    f.dissatisfaction
        .iter()
        .find(|x| x.level == Level::Enterprise && x.key == enterprise)
        .and_then(|x| x.topics.iter().find(|t| t.topic == topic))
        .map_or(0, |t| t.count)
}

/// Whether every rule that found an item is satisfied again in a period's results, with
/// enough answers: back at or above the action threshold; for a decline, also back to the
/// level it fell from; for a red line, no unfavourable answer; for a topic, mentioned fewer
/// times than raise an item.
fn recovered(config: &Config, item: &ImprovementItem, f: &PeriodFindings<'_>) -> bool {
    let th = &config.scheme.thresholds;
    let Some(g) = enterprise_group(f, &item.enterprise) else {
        return false; // no answers this period: nothing to judge by
    };
    if g.insufficient {
        return false; // under the minimum sample: too thin to say it is fixed
    }
    let enough = |n: u64| n >= u64::from(th.min_answers);
    let score = g
        .item(&item.indicator)
        .map_or_else(|| (g.dimension(&item.indicator), g.n), |r| (r.score, r.n));
    item.rules.iter().all(|rule| match rule {
        Rule::RepeatedTopic => {
            topic_count(f, &item.enterprise, &item.indicator) < u64::from(th.topic_repeat) && enough(g.n)
        }
        Rule::RedLine => g
            .item(&item.indicator)
            .is_some_and(|r| r.unfavourable == 0 && enough(r.n)),
        Rule::BelowThreshold => score.0.is_some_and(|s| s >= th.action) && enough(score.1),
        Rule::SignificantDecline => {
            score
                .0
                .is_some_and(|s| s >= th.action && item.baseline.is_none_or(|b| s >= b))
                && enough(score.1)
        }
    })
}

/// What an item that no rule found this period says: its current value.
fn state(config: &Config, item: &ImprovementItem, f: &PeriodFindings<'_>) -> String {
    let th = &config.scheme.thresholds;
    let Some(g) = enterprise_group(f, &item.enterprise) else {
        return "本期该企业没有有效回答,无法判断整改情况".to_string();
    };
    if item.rules.contains(&Rule::RepeatedTopic) {
        return format!("本期相关意见 {} 条", topic_count(f, &item.enterprise, &item.indicator));
    }
    let Some((score, n)) = current_value(item, f) else {
        return "本期该指标没有有效回答,无法判断整改情况".to_string();
    };
    let mut text = format!("本期 {} 分(有效回答 {n} 份)", fmt2(score));
    let red = g.item(&item.indicator).map_or(0, |r| r.unfavourable);
    let undecided = if item.rules.contains(&Rule::RedLine) && red > 0 {
        text.push_str(&format!(",仍有 {red} 份不利回答"));
        false
    } else if n < u64::from(th.min_answers) {
        text.push_str(&format!(",回答不足 {} 份,暂不能判定已整改", th.min_answers));
        false
    } else if score < th.action {
        text.push_str(&format!(",仍低于整改线 {} 分", fmt2(th.action)));
        false
    } else if let Some(b) = item.baseline.filter(|b| score < *b) {
        text.push_str(&format!(",尚未回到下降前的 {} 分", fmt2(b)));
        false
    } else {
        true
    };
    if g.insufficient {
        text.push_str(&format!(
            ";企业本期有效问卷 {} 份,少于最低样本量 {} 份{}",
            g.n,
            th.min_sample,
            if undecided { ",暂不能判定已整改" } else { "" }
        ));
    }
    text
}

/// How much an item weighs within its severity: points lost below the threshold (gap × n),
/// or for a red line the unfavourable answers, for a topic its mentions.
fn weight(config: &Config, item: &ImprovementItem, f: &PeriodFindings<'_>) -> f64 {
    let action = config.scheme.thresholds.action;
    let Some((value, n)) = current_value(item, f) else {
        return 0.0;
    };
    if item.rules.contains(&Rule::RepeatedTopic) {
        return value;
    }
    let gap = (action - value).max(0.0) * n as f64;
    let red = enterprise_group(f, &item.enterprise)
        .and_then(|g| g.item(&item.indicator))
        .filter(|_| item.rules.contains(&Rule::RedLine))
        .map_or(0.0, |r| r.unfavourable as f64 * 100.0);
    let fall = item.baseline.map_or(0.0, |b| (b - value).max(0.0) * n as f64);
    gap.max(red).max(fall)
}

/// Replays the periods of one kind, oldest first, and returns the items as they stand in
/// the last, in priority order per enterprise (open before resolved), with each
/// enterprise's work list.
pub fn lifecycle(config: &Config, periods: &[PeriodFindings<'_>]) -> (Vec<ImprovementItem>, Vec<WorkList>) {
    let mut ledger = Ledger::default();
    for f in periods {
        ledger.advance(config, f);
    }
    match periods.last() {
        Some(last) => ledger.report(config, last),
        None => (Vec::new(), Vec::new()),
    }
}

/// The items one survey raises on its own (an unscheduled survey, SPEC §13): the rules of the
/// scheme applied to its results as to any period's, nothing carried from before.
pub fn one_off(config: &Config, f: &PeriodFindings<'_>) -> (Vec<ImprovementItem>, Vec<WatchFinding>) {
    let mut ledger = Ledger::default();
    ledger.advance(config, f);
    (ledger.report(config, f).0, ledger.watch(config, f))
}

/// The improvement items of one kind as they stand after the periods replayed so far; a
/// report keeps it per period so that the next period goes on from it.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    items: Vec<ImprovementItem>,
}

impl Ledger {
    /// Takes the next period (of the same kind, later than every period before).
    pub fn advance(&mut self, config: &Config, f: &PeriodFindings<'_>) {
        let items = &mut self.items;
        let end = f.period.last_day();
        // Thin samples' findings (but red lines) are watched, not raised: an open item on
        // such an indicator is not found again (no escalation) and stays open.
        let (mut found, _watched) = split_thin(f, findings(config, f));
        for item in items.iter_mut().filter(|i| i.resolved.is_none()) {
            match found.remove(&(item.enterprise.clone(), item.indicator.clone())) {
                Some(again) => {
                    // Found again: the same item, updated; a problem that persists escalates.
                    for r in again.rules {
                        if !item.rules.contains(&r) {
                            item.rules.push(r);
                        }
                    }
                    item.severity = item.severity.max(again.severity).escalated();
                    item.finding = again.texts.join(";");
                    item.baseline = item.baseline.or(again.baseline);
                    item.seen.push(f.period);
                    item.status = if end > item.due {
                        ItemStatus::Overdue
                    } else {
                        ItemStatus::Open
                    };
                }
                None if recovered(config, item, f) => {
                    item.status = ItemStatus::Resolved;
                    item.resolved = Some(f.period);
                    item.finding = format!("已整改:{}", state(config, item, f));
                }
                None => {
                    item.status = if end > item.due {
                        ItemStatus::Overdue
                    } else {
                        ItemStatus::Open
                    };
                    item.finding = state(config, item, f);
                }
            }
        }
        for ((enterprise, indicator), new) in found {
            let head = config.enterprise_by_code(&enterprise);
            items.push(ImprovementItem {
                id: format!("{}-{enterprise}-{indicator}-{}", f.period, new.rules[0].code()),
                enterprise_name: head.map(|e| e.name.clone()).unwrap_or_else(|| enterprise.clone()),
                responsible: head.map(|e| e.head.clone()).unwrap_or_default(),
                enterprise,
                indicator,
                indicator_name: new.indicator_name,
                rules: new.rules,
                severity: new.severity,
                finding: new.texts.join(";"),
                measure: new.measure,
                baseline: new.baseline,
                raised: f.period,
                seen: vec![f.period],
                current: None,
                current_n: 0,
                due: due_date(f.period, config.scheme.thresholds.deadline_days),
                status: ItemStatus::New,
                resolved: None,
                weight: 0.0,
            });
        }
        // Items resolved before this period are history; keep only what this period reports.
        let this = f.period;
        items.retain(|i| i.resolved.is_none_or(|p| p == this));
    }

    /// The findings of `last` (the period advanced to last) on enterprises under the minimum
    /// sample, to watch (待观察): by enterprise, in scheme order (items, dimensions, topics).
    /// An indicator with an open item is left out: the item shows its current value.
    pub fn watch(&self, config: &Config, last: &PeriodFindings<'_>) -> Vec<WatchFinding> {
        let (_, watched) = split_thin(last, findings(config, last));
        let scheme = &config.scheme;
        let order = |indicator: &str| {
            (scheme.items.iter().position(|i| i.id == indicator))
                .or_else(|| (scheme.dimensions.iter().position(|d| d.name == indicator)).map(|k| 1000 + k))
                .unwrap_or(2000)
        };
        let mut out: Vec<WatchFinding> = watched
            .into_iter()
            .filter(|((e, ind), _)| {
                !(self.items.iter()).any(|i| i.is_open() && i.enterprise == *e && i.indicator == *ind)
            })
            .map(|((enterprise, indicator), found)| {
                let topic = found.rules.contains(&Rule::RepeatedTopic);
                let (current, current_n) =
                    value_of(last, &enterprise, &indicator, topic).map_or((None, 0), |(v, n)| (Some(v), n));
                WatchFinding {
                    enterprise_name: config
                        .enterprise_by_code(&enterprise)
                        .map_or_else(|| enterprise.clone(), |e| e.name.clone()),
                    n: enterprise_group(last, &enterprise).map_or(0, |g| g.n),
                    enterprise,
                    indicator,
                    indicator_name: found.indicator_name,
                    rules: found.rules,
                    finding: found.texts.join(";"),
                    current,
                    current_n,
                }
            })
            .collect();
        out.sort_by(|a, b| {
            (a.enterprise.as_str(), order(&a.indicator), a.indicator.as_str()).cmp(&(
                b.enterprise.as_str(),
                order(&b.indicator),
                b.indicator.as_str(),
            ))
        });
        out
    }

    /// The items as reported for `last` (the period advanced to last), with their current
    /// values, in priority order, and each enterprise's work list.
    pub fn report(&self, config: &Config, last: &PeriodFindings<'_>) -> (Vec<ImprovementItem>, Vec<WorkList>) {
        self.report_weighted(config, last, &BTreeMap::new())
    }

    /// As [`Ledger::report`], an item's weight within its severity raised by the importance
    /// of its indicator (its correlation with overall satisfaction, 0–1): of two items losing
    /// as many points, the one that matters more to users comes first.
    pub fn report_weighted(
        &self,
        config: &Config,
        last: &PeriodFindings<'_>,
        importance: &BTreeMap<String, f64>,
    ) -> (Vec<ImprovementItem>, Vec<WorkList>) {
        let mut items = self.items.clone();
        for item in &mut items {
            if let Some((value, n)) = current_value(item, last) {
                (item.current, item.current_n) = (Some(value), n);
            }
            let boost = importance.get(&item.indicator).map_or(1.0, |m| 1.0 + m.max(0.0));
            item.weight = weight(config, item, last) * boost;
        }
        items.sort_by(|a, b| {
            let key = |i: &ImprovementItem| (!i.is_open(), std::cmp::Reverse(i.severity));
            (a.enterprise.as_str(), key(a))
                .cmp(&(b.enterprise.as_str(), key(b)))
                .then(b.weight.total_cmp(&a.weight))
                .then(a.id.cmp(&b.id))
        });
        let mut lists: Vec<WorkList> = Vec::new();
        for (i, item) in items.iter().enumerate().filter(|(_, i)| i.is_open()) {
            if lists.last().is_none_or(|l| l.enterprise != item.enterprise) {
                lists.push(WorkList {
                    enterprise: item.enterprise.clone(),
                    top: Vec::new(),
                    rest: 0,
                });
            }
            let list = lists.last_mut().expect("pushed above");
            if list.top.len() < TOP_ITEMS {
                list.top.push(i);
            } else {
                list.rest += 1;
            }
        }
        (items, lists)
    }
}

/// The due date of an item raised in `period`: the deadline counted in whole periods of its
/// kind (30 days is one month; a quarter's items are due by the end of the next quarter), so
/// that an item is open in the same number of later reports whatever the months' lengths,
/// and overdue in the first report whose period ends after it.
pub fn due_date(period: Period, deadline_days: u32) -> NaiveDate {
    let (months, span) = match period {
        Period::Month { .. } => (1, 30.44),
        Period::Quarter { .. } => (3, 91.31),
    };
    let periods = (f64::from(deadline_days) / span).round().max(1.0) as u32;
    let end = period.last_day();
    let first = NaiveDate::from_ymd_opt(end.year(), end.month(), 1).expect("a month's first day");
    let later = first
        .checked_add_months(chrono::Months::new(months * periods))
        .expect("within the calendar");
    Period::month_of(later).last_day()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Decline, ItemResult};

    fn config(extra: &str) -> Config {
        let text = format!("{}\n{extra}", include_str!("../../samples/utility-eval.toml"));
        Config::from_str(&text, std::path::Path::new("/tmp/utility-eval.toml")).unwrap()
    }

    /// An enterprise group of 40 responses (over the minimum sample) whose items all score 90
    /// (n 10) except those given.
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
            n: 40,
            excluded: 0,
            composite: Some(90.0),
            overall: Some(90.0),
            dimensions: Vec::new(),
            items,
            insufficient: false,
            overall_grades: Vec::new(),
        }
    }

    /// As [`group`], with 20 responses: under the minimum sample of 30.
    fn thin(config: &Config, enterprise: &str, scores: &[(&str, f64, u64, u64)]) -> GroupResult {
        GroupResult {
            n: 20,
            insufficient: true,
            ..group(config, enterprise, scores)
        }
    }

    /// Each period's groups as findings, without declines or complaints.
    fn findings(periods: &[(Period, Vec<GroupResult>)]) -> Vec<PeriodFindings<'_>> {
        periods
            .iter()
            .map(|(p, g)| PeriodFindings {
                period: *p,
                groups: g,
                declines: &[],
                dissatisfaction: &[],
            })
            .collect()
    }

    /// The items and the findings to watch after the periods.
    fn run_with_watch(
        config: &Config,
        periods: &[(Period, Vec<GroupResult>)],
    ) -> (Vec<ImprovementItem>, Vec<WatchFinding>) {
        let f = findings(periods);
        let mut ledger = Ledger::default();
        for p in &f {
            ledger.advance(config, p);
        }
        let last = f.last().unwrap();
        (ledger.report(config, last).0, ledger.watch(config, last))
    }

    fn month(m: u32) -> Period {
        Period::Month { year: 2026, month: m }
    }

    fn run(config: &Config, periods: &[(Period, Vec<GroupResult>)]) -> Vec<ImprovementItem> {
        run_with_lists(config, periods).0
    }

    fn run_with_lists(
        config: &Config,
        periods: &[(Period, Vec<GroupResult>)],
    ) -> (Vec<ImprovementItem>, Vec<WorkList>) {
        lifecycle(config, &findings(periods))
    }

    #[test]
    fn raised_then_open_then_resolved() {
        // 45 days round to one month: July's item is due 2026-08-31, so August finds it open.
        let c = config("[thresholds]\ndeadline_days = 45\n");
        let low = group(&c, "GS01", &[("Q9", 50.0, 10, 5)]);
        let still = group(&c, "GS01", &[("Q9", 70.0, 10, 3)]);
        let back = group(&c, "GS01", &[("Q9", 80.0, 10, 2)]);
        let jul = run(&c, &[(month(7), vec![low.clone()])]);
        assert_eq!(jul.len(), 1);
        let i = &jul[0];
        assert_eq!(i.id, "2026-07-GS01-Q9-below_threshold");
        assert_eq!(
            (i.status, i.severity, i.responsible.as_str()),
            (ItemStatus::New, Severity::High, "张某")
        );
        assert_eq!(i.due, NaiveDate::from_ymd_opt(2026, 8, 31).unwrap());
        assert!(
            i.finding.contains("50.00") && i.finding.contains("80.00") && i.finding.contains("10 份"),
            "{}",
            i.finding
        );
        let aug = run(&c, &[(month(7), vec![low.clone()]), (month(8), vec![still.clone()])]);
        assert_eq!(aug.len(), 1, "the open item is not raised again: {aug:?}");
        assert_eq!(aug[0].status, ItemStatus::Open);
        assert_eq!(aug[0].id, "2026-07-GS01-Q9-below_threshold", "the same item");
        assert_eq!(aug[0].seen, [month(7), month(8)]);
        assert_eq!(
            (aug[0].current, aug[0].current_n),
            (Some(70.0), 10),
            "its current value"
        );
        assert!(
            aug[0].finding.contains("70.00"),
            "this period's wording: {}",
            aug[0].finding
        );
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
    fn raised_then_open_then_overdue_and_escalated_when_it_persists() {
        let c = config("");
        let low = group(&c, "GS02", &[("Q9", 75.0, 10, 2)]);
        let jul = run(&c, &[(month(7), vec![low.clone()])]);
        assert_eq!(jul[0].severity, Severity::Medium, "75 is below 80 but not below 60");
        // Due 2026-08-31 (30 days is one month): open in August, overdue in September.
        let aug = run(&c, &[(month(7), vec![low.clone()]), (month(8), vec![low.clone()])]);
        assert_eq!((aug.len(), aug[0].status), (1, ItemStatus::Open));
        assert_eq!(aug[0].severity, Severity::High, "found again: escalated");
        let sep = run(
            &c,
            &[
                (month(7), vec![low.clone()]),
                (month(8), vec![low.clone()]),
                (month(9), vec![low]),
            ],
        );
        assert_eq!((sep.len(), sep[0].status), (1, ItemStatus::Overdue));
    }

    #[test]
    fn overdue_is_decided_the_same_way_for_every_month() {
        let c = config("");
        let low = group(&c, "GS01", &[("Q9", 50.0, 10, 5)]);
        for m in 1..=12 {
            let p = |k: u32| {
                let months = m - 1 + k;
                Period::Month {
                    year: 2026 + (months / 12) as i32,
                    month: months % 12 + 1,
                }
            };
            let next = run(&c, &[(p(0), vec![low.clone()]), (p(1), vec![low.clone()])]);
            assert_eq!(next[0].status, ItemStatus::Open, "raised {}: open a month later", p(0));
            let after = run(
                &c,
                &[
                    (p(0), vec![low.clone()]),
                    (p(1), vec![low.clone()]),
                    (p(2), vec![low.clone()]),
                ],
            );
            assert_eq!(
                after[0].status,
                ItemStatus::Overdue,
                "raised {}: overdue two months later",
                p(0)
            );
        }
        let q3 = Period::Quarter { year: 2026, quarter: 3 };
        assert_eq!(due_date(q3, 30), NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        assert_eq!(due_date(month(1), 30), NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        assert_eq!(due_date(month(12), 60), NaiveDate::from_ymd_opt(2027, 2, 28).unwrap());
    }

    #[test]
    fn several_rules_on_one_indicator_make_one_item() {
        let c = config("[thresholds]\ndeadline_days = 90\n");
        // Q10 is a red line: 3 of 10 unfavourable also puts it at 70, below 80.
        let g = group(&c, "GS01", &[("Q10", 70.0, 10, 3)]);
        let items = run(&c, &[(month(7), vec![g.clone()])]);
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0].rules, [Rule::RedLine, Rule::BelowThreshold]);
        assert_eq!(items[0].id, "2026-07-GS01-Q10-red_line");
        assert!(
            items[0].finding.contains("不利回答") && items[0].finding.contains("低于整改线"),
            "{}",
            items[0].finding
        );
        // A later decline on the same indicator joins the open item.
        let decline = Decline {
            level: Level::Enterprise,
            key: "GS01".into(),
            indicator: "Q10".into(),
            is_dimension: false,
            previous: 70.0,
            current: 40.0,
            delta: -30.0,
            p: Some(0.01),
            significant: true,
        };
        let worse = group(&c, "GS01", &[("Q10", 40.0, 10, 6)]);
        let periods = [(month(7), vec![g]), (month(8), vec![worse])];
        let f: Vec<PeriodFindings<'_>> = periods
            .iter()
            .map(|(p, g)| PeriodFindings {
                period: *p,
                groups: g,
                declines: if *p == month(8) {
                    std::slice::from_ref(&decline)
                } else {
                    &[]
                },
                dissatisfaction: &[],
            })
            .collect();
        let (items, _) = lifecycle(&c, &f);
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(
            items[0].rules,
            [Rule::RedLine, Rule::BelowThreshold, Rule::SignificantDecline]
        );
        assert_eq!(items[0].current, Some(40.0));
    }

    #[test]
    fn work_lists_show_the_top_items_first_and_count_the_rest() {
        let c = config("");
        // Seven items below the threshold: Q1 at 20 (高, weight 600) … Q7 at 75 (中, weight 50).
        let scores: Vec<(String, f64)> = [20.0, 30.0, 50.0, 65.0, 70.0, 72.0, 75.0]
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("Q{}", i + 1), *s))
            .collect();
        let wanted: Vec<(&str, f64, u64, u64)> = scores.iter().map(|(id, s)| (id.as_str(), *s, 10, 1)).collect();
        let g = group(&c, "GS01", &wanted);
        let (items, lists) = run_with_lists(&c, &[(month(7), vec![g])]);
        assert_eq!(items.len(), 7);
        assert_eq!(lists.len(), 1);
        assert_eq!((lists[0].top.len(), lists[0].rest), (5, 2));
        let order: Vec<&str> = lists[0].top.iter().map(|&i| items[i].indicator.as_str()).collect();
        assert_eq!(order, ["Q1", "Q2", "Q3", "Q4", "Q5"], "severity, then points lost");
        assert_eq!(items[0].weight, 600.0, "(80 − 20) × 10 answers");
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
        assert_eq!(items[0].severity, Severity::High);
    }

    #[test]
    fn a_thin_sample_is_watched_not_raised_but_a_red_line_is() {
        let c = config("");
        // 20 responses: Q9 at 50 (20 answers, ≥ 5) would be an item with enough responses;
        // Q10, a red line, has one unfavourable answer and, at 70, is below the line too.
        let g = thin(&c, "GS01", &[("Q9", 50.0, 20, 10), ("Q10", 70.0, 10, 3)]);
        let (items, watch) = run_with_watch(&c, &[(month(7), vec![g])]);
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["2026-07-GS01-Q10-red_line"], "only the red line is raised");
        assert_eq!(items[0].rules, [Rule::RedLine], "with its red-line rule alone");
        assert_eq!(items[0].severity, Severity::High);
        assert_eq!(
            watch.len(),
            1,
            "Q9 to watch; Q10's low score goes with its red-line item"
        );
        let w = &watch[0];
        assert_eq!(
            (w.indicator.as_str(), w.rules.as_slice(), w.current, w.current_n, w.n),
            ("Q9", &[Rule::BelowThreshold][..], Some(50.0), 20, 20)
        );
        assert_eq!(watch[0].enterprise_name, "天门市第一供水有限公司");
        assert!(watch[0].finding.contains("50.00"), "{}", watch[0].finding);
        // With 40 responses the same finding is an item, and nothing is watched.
        let g = group(&c, "GS01", &[("Q9", 50.0, 20, 10)]);
        let (items, watch) = run_with_watch(&c, &[(month(7), vec![g])]);
        assert_eq!(items.len(), 1);
        assert!(watch.is_empty(), "{watch:?}");
    }

    #[test]
    fn an_open_item_stays_open_when_the_sample_turns_thin() {
        let c = config("[thresholds]\ndeadline_days = 90\n");
        // July: 40 responses, Q9 at 70 (中).
        let low = group(&c, "GS01", &[("Q9", 70.0, 40, 12)]);
        // August: 20 responses, Q9 back at 100: thin data resolves nothing.
        let back = thin(&c, "GS01", &[("Q9", 100.0, 20, 0)]);
        let (items, watch) = run_with_watch(&c, &[(month(7), vec![low.clone()]), (month(8), vec![back])]);
        assert_eq!((items.len(), items[0].status), (1, ItemStatus::Open), "{items:?}");
        assert!(
            items[0].finding.contains("少于最低样本量 30 份") && items[0].finding.contains("暂不能判定已整改"),
            "{}",
            items[0].finding
        );
        assert!(watch.is_empty());
        // August: 20 responses, Q9 still at 70: the item stays open, not escalated to 高 (thin
        // data does not confirm it) nor seen again, and Q9 is not also on the watch list.
        let still = thin(&c, "GS01", &[("Q9", 70.0, 20, 6)]);
        let (items, watch) = run_with_watch(&c, &[(month(7), vec![low.clone()]), (month(8), vec![still])]);
        assert_eq!(items.len(), 1);
        assert_eq!(
            (items[0].status, items[0].severity, items[0].seen.as_slice()),
            (ItemStatus::Open, Severity::Medium, &[month(7)][..])
        );
        assert_eq!(items[0].current, Some(70.0), "its current value");
        assert!(watch.is_empty(), "{watch:?}");
        // September: 40 responses at 100 resolve it.
        let fixed = group(&c, "GS01", &[("Q9", 100.0, 40, 0)]);
        let thin_aug = thin(&c, "GS01", &[("Q9", 100.0, 20, 0)]);
        let (items, _) = run_with_watch(
            &c,
            &[
                (month(7), vec![low]),
                (month(8), vec![thin_aug]),
                (month(9), vec![fixed]),
            ],
        );
        assert_eq!(items[0].status, ItemStatus::Resolved);
    }
}
