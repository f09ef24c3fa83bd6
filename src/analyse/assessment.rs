//! The year's assessment (考核, SPEC §13): each enterprise's score as the weighted mean of the
//! parts it has — the pooled sampled score, the pooled self-assessment, the on-time
//! rectification rate — the weights of the scheme's `[assessment]` renormalised over those
//! parts; its grade by the scheme's bands; and the enterprises ranked by score.

use crate::results::annual::{AnnualEnterprise, Assessment, Part};
use crate::scheme::Assessment as Scheme;
use crate::score::stats::round_half_away;

/// Fills in every enterprise's assessment.
pub fn assess(scheme: &Scheme, enterprises: &mut [AnnualEnterprise]) {
    for e in enterprises.iter_mut() {
        let values = [
            (e.sampled.composite, scheme.sampled),
            (e.self_assessment.composite, scheme.self_assessment),
            (e.rectify_rate(), scheme.rectification),
        ];
        let total: f64 = (values.iter())
            .filter(|(v, w)| v.is_some() && *w > 0.0)
            .map(|(_, w)| w)
            .sum();
        let part = |(v, w): (Option<f64>, f64)| {
            v.filter(|_| w > 0.0 && total > 0.0).map(|value| Part {
                value,
                weight: w,
                share: w / total,
            })
        };
        let [sampled, self_assessment, rectification] = values.map(part);
        let score = (total > 0.0).then(|| {
            [&sampled, &self_assessment, &rectification]
                .iter()
                .filter_map(|p| p.as_ref())
                .map(|p| p.value * p.share)
                .sum::<f64>()
        });
        e.assessment = Assessment {
            sampled,
            self_assessment,
            rectification,
            grade: score.map(|s| scheme.grade(round_half_away(s, 2)).to_string()),
            score,
            rank: None,
        };
    }
    // Ranked by the score as shown: equal shown scores share a rank (1, 2, 2, 4).
    let mut scored: Vec<(usize, f64)> = (enterprises.iter().enumerate())
        .filter_map(|(i, e)| e.assessment.score.map(|s| (i, round_half_away(s, 2))))
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (place, &(i, s)) in scored.iter().enumerate() {
        let rank = scored.iter().position(|(_, t)| *t == s).unwrap_or(place) + 1;
        enterprises[i].assessment.rank = Some(rank);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::annual::Pooled;

    fn enterprise(code: &str, sampled: Option<f64>, own: Option<f64>, rectify: (u64, u64)) -> AnnualEnterprise {
        let pooled = |c: Option<f64>| Pooled {
            n: u64::from(c.is_some()) * 40,
            composite: c,
        };
        AnnualEnterprise {
            code: code.into(),
            name: code.into(),
            utility: "供水".into(),
            sampled: pooled(sampled),
            self_assessment: pooled(own),
            bias: None,
            bias_flagged: false,
            months: Vec::new(),
            quarters: Vec::new(),
            items_raised: 0,
            items_resolved: 0,
            items_overdue: 0,
            cases: rectify.0,
            callback_due: 0,
            called_back_in_time: 0,
            rectify_due: rectify.0,
            rectified_in_time: rectify.1,
            integrity_flags: 0,
            assessment: Assessment::default(),
        }
    }

    /// By hand, default weights 60/20/20 and grades 90/80/70:
    /// A: sampled 85, self 90, 9 of 10 rectified on time (90) → 0.6·85 + 0.2·90 + 0.2·90 = 87 → 良好.
    /// B: sampled 70, self 88, no case due → weights 60/20 renormalised to 0.75/0.25:
    ///    0.75·70 + 0.25·88 = 74.5 → 合格.
    /// C: no sampled survey, self 95, 4 of 4 (100) → 0.5·95 + 0.5·100 = 97.5 → 优秀.
    /// D: sampled 60, self 65, 1 of 4 (25) → 36 + 13 + 5 = 54 → 不合格.
    /// E: nothing → no score, no rank. Ranks: C 1, A 2, B 3, D 4.
    #[test]
    fn a_small_year_assessed_by_hand() {
        let mut es = vec![
            enterprise("A", Some(85.0), Some(90.0), (10, 9)),
            enterprise("B", Some(70.0), Some(88.0), (0, 0)),
            enterprise("C", None, Some(95.0), (4, 4)),
            enterprise("D", Some(60.0), Some(65.0), (4, 1)),
            enterprise("E", None, None, (0, 0)),
        ];
        assess(&Scheme::default(), &mut es);
        let got: Vec<(Option<f64>, Option<&str>, Option<usize>)> = (es.iter())
            .map(|e| {
                (
                    e.assessment.score.map(|s| round_half_away(s, 2)),
                    e.assessment.grade.as_deref(),
                    e.assessment.rank,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (Some(87.0), Some("良好"), Some(2)),
                (Some(74.5), Some("合格"), Some(3)),
                (Some(97.5), Some("优秀"), Some(1)),
                (Some(54.0), Some("不合格"), Some(4)),
                (None, None, None),
            ]
        );
        let b = &es[1].assessment;
        assert!(b.rectification.is_none());
        assert!((b.sampled.as_ref().unwrap().share - 0.75).abs() < 1e-12);
    }

    #[test]
    fn equal_scores_share_a_rank() {
        let mut es = vec![
            enterprise("A", Some(80.0), Some(80.0), (0, 0)),
            enterprise("B", Some(80.0), Some(80.0), (0, 0)),
            enterprise("C", Some(70.0), Some(70.0), (0, 0)),
        ];
        assess(&Scheme::default(), &mut es);
        let ranks: Vec<Option<usize>> = es.iter().map(|e| e.assessment.rank).collect();
        assert_eq!(ranks, [Some(1), Some(1), Some(3)]);
    }
}
