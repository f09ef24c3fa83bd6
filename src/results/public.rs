//! The public view of a period (公示, SPEC §8): what the bureau publishes online. It is built
//! from the full results but has no field that could hold a respondent's name, a phone
//! number or free text: only the registry's enterprise names, counts and scores. The public
//! page and its PDF are rendered from this type alone, so a leak is ruled out by the type.

use super::{Level, PeriodResults};
use crate::period::{Period, ReturnKind};

/// One enterprise's line in the public ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicRank {
    /// 1-based rank by composite score; `None` when the sample is under the minimum (样本不足)
    /// or when the period is not ranked ([`PublicView::unranked`]).
    pub rank: Option<usize>,
    /// The enterprise's registered name.
    pub enterprise: String,
    /// 供水 or 供气.
    pub utility: &'static str,
    /// Responses behind the scores.
    pub n: u64,
    pub composite: Option<f64>,
    pub overall: Option<f64>,
    /// Composite now minus composite in the previous period of the same kind.
    pub change: Option<f64>,
    /// n under the minimum sample: shown as 样本不足, not ranked.
    pub insufficient: bool,
}

/// A summary line (the whole city, or one utility).
#[derive(Debug, Clone, PartialEq)]
pub struct PublicSummary {
    pub label: String,
    pub n: u64,
    pub composite: Option<f64>,
    pub overall: Option<f64>,
    pub insufficient: bool,
}

/// Everything the public sees of one period.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicView {
    pub city: String,
    pub period: Period,
    pub kind: ReturnKind,
    pub previous: Option<Period>,
    pub min_sample: u32,
    pub action_threshold: f64,
    /// The dimensions the composite averages, with their weights.
    pub dimensions: Vec<(String, f64)>,
    pub city_summary: PublicSummary,
    /// Per utility (供水 first).
    pub utilities: Vec<PublicSummary>,
    /// Ranked enterprises first (by composite, then name), then those under the minimum sample;
    /// in registry order when the period is not ranked.
    pub ranking: Vec<PublicRank>,
    /// Why nobody is ranked (too few enterprises with enough responses, SPEC §8).
    pub unranked: Option<String>,
}

impl PublicRank {
    /// What the rank column shows: the rank, 样本不足, or 不排名 (enough responses, but the
    /// period is not ranked).
    pub fn rank_text(&self) -> String {
        match self.rank {
            Some(n) => n.to_string(),
            None if self.insufficient || self.composite.is_none() => "样本不足".into(),
            None => "不排名".into(),
        }
    }
}

impl PublicView {
    /// The public view of `r`, with the dimension weights and action threshold of the scheme.
    pub fn of(r: &PeriodResults, dimensions: Vec<(String, f64)>, action_threshold: f64) -> PublicView {
        let summary = |level: Level, key: &str, label: &str| {
            r.group(level, key).map(|g| PublicSummary {
                label: label.to_string(),
                n: g.n,
                composite: g.composite,
                overall: g.overall,
                insufficient: g.insufficient,
            })
        };
        let city_summary = summary(Level::City, "全市", "全市").unwrap_or(PublicSummary {
            label: "全市".into(),
            n: 0,
            composite: None,
            overall: None,
            insufficient: true,
        });
        let utilities = ["供水", "供气"]
            .iter()
            .filter_map(|u| summary(Level::Utility, u, u))
            .collect();
        let ranking = r
            .ranked_enterprises()
            .into_iter()
            // Under the minimum sample the public sees n and 样本不足, not a score (SPEC §8).
            .map(|(rank, g)| PublicRank {
                rank,
                enterprise: g.name.clone(),
                utility: r.enterprise_utility(&g.key).unwrap_or(""),
                n: g.n,
                composite: g.composite.filter(|_| !g.insufficient),
                overall: g.overall.filter(|_| !g.insufficient),
                change: r
                    .composite_change(Level::Enterprise, &g.key)
                    .filter(|_| !g.insufficient),
                insufficient: g.insufficient,
            })
            .collect();
        PublicView {
            city: r.city.clone(),
            period: r.period,
            kind: r.kind,
            previous: r.previous,
            min_sample: r.min_sample,
            action_threshold,
            dimensions,
            city_summary,
            utilities,
            ranking,
            unranked: r.unranked_reason(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::HistoryPoint;
    use crate::results::fixtures::{enterprise, results};

    #[test]
    fn ranks_by_composite_and_leaves_thin_samples_unranked() {
        let month = |m| Period::Month { year: 2026, month: m };
        let mut r = results(
            vec![
                enterprise("A", 40, 85.0, false),
                enterprise("B", 50, 91.5, false),
                enterprise("C", 12, 99.0, true),
            ],
            2,
        );
        r.history.push(HistoryPoint {
            period: month(9),
            level: Level::Enterprise,
            key: "A".into(),
            name: "A公司".into(),
            n: 35,
            composite: Some(80.0),
            overall: None,
        });
        let v = PublicView::of(&r, vec![("企业形象".into(), 0.25)], 80.0);
        let lines: Vec<(Option<usize>, &str, &str)> = v
            .ranking
            .iter()
            .map(|l| (l.rank, l.enterprise.as_str(), l.utility))
            .collect();
        assert_eq!(
            lines,
            [
                (Some(1), "B公司", "供气"),
                (Some(2), "A公司", "供水"),
                (None, "C公司", "供水")
            ],
            "the highest composite is first; 12 answers are too few to rank"
        );
        assert_eq!(v.ranking[1].change, Some(5.0), "85 now against 80 in September");
        assert_eq!(v.ranking[0].change, None, "no September figure");
        assert!(v.ranking[2].insufficient);
        assert_eq!(v.ranking[2].rank_text(), "样本不足");
        assert_eq!(v.unranked, None, "two with enough responses, two needed");
    }

    #[test]
    fn too_few_enterprises_with_enough_responses_are_not_ranked() {
        // Only A (40) and B (50) reach 30 responses; three are needed (the default).
        let r = results(
            vec![
                enterprise("B", 50, 91.5, false),
                enterprise("C", 12, 99.0, true),
                enterprise("A", 40, 62.0, false),
            ],
            3,
        );
        let v = PublicView::of(&r, vec![("企业形象".into(), 0.25)], 80.0);
        let lines: Vec<(String, &str)> = v
            .ranking
            .iter()
            .map(|l| (l.rank_text(), l.enterprise.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                ("不排名".to_string(), "A公司"),
                ("不排名".to_string(), "B公司"),
                ("样本不足".to_string(), "C公司")
            ],
            "registry order, not by score; the thin one last"
        );
        assert_eq!(
            v.unranked.as_deref(),
            Some("本期有效问卷达到最低样本量 30 份的企业只有 2 家，不足 3 家，不排名")
        );
        // Nobody with enough responses.
        let r = results(vec![enterprise("C", 12, 99.0, true)], 3);
        assert_eq!(
            r.unranked_reason().as_deref(),
            Some("本期没有企业的有效问卷达到最低样本量 30 份，不排名")
        );
    }
}
