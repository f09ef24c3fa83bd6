//! Analysis, per SPEC §4 and policy §8: the lowest indicators of each group, what users are
//! most dissatisfied with (unfavourable shares and complaint topics), declines against the
//! previous period of the same kind, the quarterly self-assessment bias; improvement items
//! in [`improve`]. Works on tallies and results; touches no file and renders nothing.

pub mod anonymise;
pub mod assessment;
pub mod cases;
pub mod improve;
pub mod integrity;
pub mod quality;

use crate::config::Config;
use crate::results::{Bias, Decline, Dissatisfaction, GroupResult, Level, LowItem, Lowest, TopicCount};
use crate::scheme::{ItemKind, Scheme};
use crate::score::{Tallies, stats};
use crate::topics::Topics;

/// Quotes per topic and their length in characters.
const QUOTES: usize = 3;
const QUOTE_CHARS: usize = 40;

/// The three lowest items and the lowest dimension of each group (policy §8.1).
pub fn lowest(groups: &[GroupResult]) -> Vec<Lowest> {
    groups
        .iter()
        .map(|g| {
            let mut items: Vec<LowItem> = g
                .items
                .iter()
                .filter_map(|i| {
                    i.score.map(|score| LowItem {
                        id: i.id.clone(),
                        name: i.name.clone(),
                        score,
                    })
                })
                .collect();
            items.sort_by(|a, b| a.score.total_cmp(&b.score));
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
/// (policy §8.2). One pass over the complaints: each is classified once (by its distinct
/// text) and counted in every group it belongs to.
pub fn dissatisfaction(groups: &[GroupResult], tallies: &Tallies<'_>, topics: &Topics) -> Vec<Dissatisfaction> {
    let mut by_text: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    // Per level, per group index: each topic's count, quotes and texts tried for a quote.
    type Counts = Vec<(TopicCount, usize)>;
    let fresh = || -> Counts {
        (topics.topics.iter().enumerate())
            .map(|(i, t)| {
                let count = TopicCount {
                    topic: t.name.clone(),
                    catch_all: i + 1 == topics.topics.len(),
                    count: 0,
                    quotes: Vec::new(),
                };
                (count, 0)
            })
            .collect()
    };
    let mut per_group: [std::collections::HashMap<usize, Counts>; 6] = Default::default();
    for c in &tallies.complaints {
        let found = by_text
            .entry(c.text.as_str())
            .or_insert_with(|| topics.classify(&c.text));
        if found.is_empty() {
            continue;
        }
        // The quote is made at most once per complaint, when some group still wants one.
        let mut quote: Option<String> = None;
        for (l, &index) in c.groups.iter().enumerate() {
            let counts = per_group[l].entry(index).or_insert_with(fresh);
            for &t in found.iter() {
                let (count, tried) = &mut counts[t];
                count.count += 1;
                // A few distinct quotes, found among the first few texts.
                *tried += 1;
                if count.quotes.len() < QUOTES && *tried <= QUOTES * 4 {
                    let q = quote.get_or_insert_with(|| {
                        let q = anonymise::quote(&c.text, &[c.user_name.as_str()], QUOTE_CHARS);
                        q.trim_end_matches([';', ',', '、', ';', ',', ' ']).to_string()
                    });
                    if !q.is_empty() && !count.quotes.contains(q) {
                        count.quotes.push(q.clone());
                    }
                }
            }
        }
    }
    groups
        .iter()
        .map(|g| {
            let items = g.most_unfavourable(3);
            let counts = tallies
                .index_of(g.level, &g.key)
                .and_then(|i| per_group[g.level as usize].remove(&i))
                .unwrap_or_default();
            let mut counts: Vec<TopicCount> = counts.into_iter().map(|(c, _)| c).filter(|t| t.count > 0).collect();
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

/// A self-assessment composite against the sampled one (自评偏差, SPEC §3): self − sampled, and
/// whether it needs checking. The one rule for every such comparison (the quarter's table per
/// enterprise, the integrity signal per submitter): flagged when above the scheme's bias flag
/// and both sides have the minimum sample (a firm conclusion); a difference over a thin sample
/// is shown but not flagged. Each side is (composite, responses).
pub fn self_vs_sampled(scheme: &Scheme, own: (f64, u64), sampled: (f64, u64)) -> (f64, bool) {
    let difference = own.0 - sampled.0;
    let firm = |n: u64| n >= u64::from(scheme.thresholds.min_sample);
    (
        difference,
        firm(own.1) && firm(sampled.1) && difference > scheme.thresholds.bias_flag,
    )
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
            let (self_n, sampled_n) = (own.as_ref().map_or(0, |g| g.n), city.as_ref().map_or(0, |g| g.n));
            let self_composite = own.as_ref().and_then(|g| g.composite);
            let sampled_composite = city.as_ref().and_then(|g| g.composite);
            let compared = self_composite
                .zip(sampled_composite)
                .map(|(a, b)| self_vs_sampled(&config.scheme, (a, self_n), (b, sampled_n)));
            Some(Bias {
                enterprise: e.code.clone(),
                name: e.name.clone(),
                self_n,
                self_composite,
                sampled_n,
                sampled_composite,
                bias: compared.map(|(d, _)| d),
                flagged: compared.is_some_and(|(_, f)| f),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_is_flagged_only_above_the_flag_with_a_firm_sample_on_both_sides() {
        let scheme = Scheme::builtin();
        // Defaults: bias flag 10 points, minimum sample 30 (SPEC §2).
        assert_eq!((scheme.thresholds.bias_flag, scheme.thresholds.min_sample), (10.0, 30));
        let flagged = |own, sampled| self_vs_sampled(&scheme, own, sampled).1;
        assert!(flagged((95.0, 30), (84.9, 30)));
        assert!(!flagged((95.0, 30), (85.0, 30)), "exactly the flag is not above it");
        assert!(!flagged((95.0, 29), (70.0, 400)), "a thin self-assessment");
        assert!(!flagged((95.0, 400), (70.0, 29)), "a thin call-back");
        assert!(!flagged((70.0, 400), (95.0, 400)), "self below sampled");
        let (d, _) = self_vs_sampled(&scheme, (91.25, 40), (80.0, 40));
        assert!((d - 11.25).abs() < 1e-12);
    }
}
