//! Analysis, per SPEC §4 and policy §8: the lowest indicators of each group, what users are
//! most dissatisfied with (unfavourable shares and complaint topics), declines against the
//! previous period of the same kind, the quarterly self-assessment bias; improvement items
//! in [`improve`]. Works on tallies and results; touches no file and renders nothing.

pub mod anonymise;
pub mod improve;
pub mod topics;

use crate::config::Config;
use crate::results::{Bias, Decline, Dissatisfaction, GroupResult, Level, Lowest, TopicCount};
use crate::scheme::ItemKind;
use crate::score::{Tallies, stats};
use topics::Topics;

/// Quotes per topic and their length in characters.
const QUOTES: usize = 3;
const QUOTE_CHARS: usize = 40;

/// The three lowest items and the lowest dimension of each group (policy §8.1).
pub fn lowest(groups: &[GroupResult]) -> Vec<Lowest> {
    groups
        .iter()
        .map(|g| {
            let mut items: Vec<(String, String, f64)> = g
                .items
                .iter()
                .filter_map(|i| i.score.map(|s| (i.id.clone(), i.name.clone(), s)))
                .collect();
            items.sort_by(|a, b| a.2.total_cmp(&b.2));
            items.truncate(3);
            let dimension = g
                .dimensions
                .iter()
                .filter_map(|(d, s)| s.map(|s| (d.clone(), s)))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            Lowest {
                level: g.level,
                key: g.key.clone(),
                items,
                dimension,
            }
        })
        .collect()
}

/// The items with the largest unfavourable share, and the complaint topics, of each group
/// (policy §8.2).
pub fn dissatisfaction(groups: &[GroupResult], tallies: &Tallies<'_>, topics: &Topics) -> Vec<Dissatisfaction> {
    // Classify each distinct complaint text once.
    let mut by_text: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    let classified: Vec<&[usize]> = {
        for c in &tallies.complaints {
            by_text
                .entry(c.text.as_str())
                .or_insert_with(|| topics.classify(&c.text));
        }
        tallies
            .complaints
            .iter()
            .map(|c| by_text[c.text.as_str()].as_slice())
            .collect()
    };
    groups
        .iter()
        .map(|g| {
            let mut items: Vec<(String, String, f64, u64, u64)> = g
                .items
                .iter()
                .filter(|i| i.n > 0 && i.unfavourable > 0)
                .map(|i| {
                    (
                        i.id.clone(),
                        i.name.clone(),
                        100.0 * i.unfavourable as f64 / i.n as f64,
                        i.unfavourable,
                        i.n,
                    )
                })
                .collect();
            items.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
            items.truncate(3);
            let (l, index) = (g.level as usize, tallies.index_of(g.level, &g.key));
            let mut counts: Vec<TopicCount> = topics
                .topics
                .iter()
                .enumerate()
                .map(|(i, t)| TopicCount {
                    topic: t.name.clone(),
                    catch_all: i + 1 == topics.topics.len(),
                    count: 0,
                    quotes: Vec::new(),
                })
                .collect();
            let mut tried = vec![0usize; counts.len()];
            for (c, found) in tallies.complaints.iter().zip(&classified) {
                if Some(c.groups[l]) != index {
                    continue;
                }
                for &t in *found {
                    counts[t].count += 1;
                    // A few distinct quotes, found among the first few texts.
                    tried[t] += 1;
                    if counts[t].quotes.len() < QUOTES && tried[t] <= QUOTES * 4 {
                        let q = anonymise::quote(&c.text, &[c.user_name.as_str()], QUOTE_CHARS);
                        let q = q.trim_end_matches([';', ',', '、', ';', ',', ' ']).to_string();
                        if !q.is_empty() && !counts[t].quotes.contains(&q) {
                            counts[t].quotes.push(q);
                        }
                    }
                }
            }
            counts.retain(|t| t.count > 0);
            counts.sort_by_key(|t| std::cmp::Reverse(t.count));
            Dissatisfaction {
                level: g.level,
                key: g.key.clone(),
                items,
                topics: counts,
            }
        })
        .collect()
}

/// Items and dimensions lower than in the same group's previous period (policy §8.3), with
/// a two-proportion z-test (yes/no items), Welch's t-test (five-level items, and dimensions
/// over each response's own dimension score).
pub fn declines(
    config: &Config,
    current: &[GroupResult],
    previous: &[GroupResult],
    now: &Tallies<'_>,
    before: &Tallies<'_>,
) -> Vec<Decline> {
    let scheme = &config.scheme;
    let alpha = scheme.thresholds.significance;
    let mut out = Vec::new();
    for g in current {
        let (Some(cur), Some(prev)) = (now.tally(g.level, &g.key), before.tally(g.level, &g.key)) else {
            continue;
        };
        for (i, item) in scheme.items.iter().enumerate() {
            let (a, b) = (&cur.items[i].0, &prev.items[i].0);
            let (Some(x), Some(y)) = (a.mean(), b.mean()) else {
                continue;
            };
            if x >= y {
                continue;
            }
            let p = match item.kind {
                ItemKind::YesNo => {
                    stats::two_proportion_p((a.sum / 100.0).round() as u64, a.n, (b.sum / 100.0).round() as u64, b.n)
                }
                ItemKind::FiveLevel => stats::welch_p(a, b),
            };
            out.push(decline(g, &item.id, false, y, x, p, alpha));
        }
        let Some(prev_result) = previous.iter().find(|p| p.level == g.level && p.key == g.key) else {
            continue;
        };
        for (d, dim) in scheme.dimensions.iter().enumerate() {
            let (Some(x), Some(y)) = (g.dimension(&dim.name), prev_result.dimension(&dim.name)) else {
                continue;
            };
            if x >= y {
                continue;
            }
            let p = stats::welch_p(&cur.dims[d], &prev.dims[d]);
            out.push(decline(g, &dim.name, true, y, x, p, alpha));
        }
    }
    out
}

fn decline(
    g: &GroupResult,
    indicator: &str,
    is_dimension: bool,
    previous: f64,
    current: f64,
    p: Option<f64>,
    alpha: f64,
) -> Decline {
    Decline {
        level: g.level,
        key: g.key.clone(),
        indicator: indicator.to_string(),
        is_dimension,
        previous,
        current,
        delta: current - previous,
        p,
        significant: p.is_some_and(|p| p < alpha),
    }
}

/// Per enterprise: the quarter's pooled monthly self-assessment against the sampled survey.
pub fn bias(config: &Config, pooled: &[GroupResult], sampled: &[GroupResult]) -> Vec<Bias> {
    let find = |gs: &[GroupResult], code: &str| {
        gs.iter()
            .find(|g| g.level == Level::Enterprise && g.key == code)
            .cloned()
    };
    config
        .enterprises
        .iter()
        .filter_map(|e| {
            let own = find(pooled, &e.code);
            let city = find(sampled, &e.code);
            if own.is_none() && city.is_none() {
                return None;
            }
            let self_composite = own.as_ref().and_then(|g| g.composite);
            let sampled_composite = city.as_ref().and_then(|g| g.composite);
            let bias = self_composite.zip(sampled_composite).map(|(a, b)| a - b);
            Some(Bias {
                enterprise: e.code.clone(),
                name: e.name.clone(),
                self_n: own.map_or(0, |g| g.n),
                self_composite,
                sampled_n: city.map_or(0, |g| g.n),
                sampled_composite,
                bias,
                flagged: bias.is_some_and(|b| b > config.scheme.thresholds.bias_flag),
            })
        })
        .collect()
}
