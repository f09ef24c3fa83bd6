//! Quarterly call-back sampling (SPEC §7, policy §5): from the sample frames (样本名单) the
//! units reported, a random sample per enterprise (the strata), of a fixed size or of the size
//! a margin of error needs, reproducible from a recorded seed, leaving out users called back in
//! the last quarters.

use std::collections::{BTreeMap, HashMap, HashSet};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::period::Period;
use crate::store::{Draw, FrameUser, Respondent, Store, StoreError, Unreached};

/// The call-back as it came back against its draw: the drawn users who answered, the drawn
/// users who were not reached (with the reason last given) and did not answer either, and
/// the rows of users who were not drawn (by return).
pub struct CallBack {
    pub answered: HashSet<(String, String, String)>,
    pub not_reached: HashMap<(String, String, String), String>,
    pub not_drawn: BTreeMap<i64, Vec<i64>>,
}

impl CallBack {
    /// Per enterprise of the draw: drawn, answered, and the users not reached by reason.
    pub fn by_enterprise(&self, draw: &Draw) -> BTreeMap<String, (u64, u64, BTreeMap<String, u64>)> {
        let mut by: BTreeMap<String, (u64, u64, BTreeMap<String, u64>)> = BTreeMap::new();
        for (u, _) in &draw.members {
            let e = by.entry(u.enterprise.clone()).or_default();
            let k = key(u);
            e.0 += 1;
            if self.answered.contains(&k) {
                e.1 += 1;
            } else if let Some(reason) = self.not_reached.get(&k) {
                *e.2.entry(reason.clone()).or_default() += 1;
            }
        }
        by
    }
}

/// Matches the quarter's sampled respondents, and the users it says were not reached, with
/// the draw (name + phone + enterprise). A drawn user who answered counts as answered even
/// when another row says a call failed; a not-reached user who was not drawn is not counted.
pub fn match_call_back(draw: &Draw, respondents: Vec<Respondent>, unreached: Vec<Unreached>) -> CallBack {
    let members: HashSet<(String, String, String)> = draw.members.iter().map(|(u, _)| key(u)).collect();
    let mut back = CallBack {
        answered: HashSet::new(),
        not_reached: HashMap::new(),
        not_drawn: BTreeMap::new(),
    };
    for (sub, enterprise, name, phone, row) in respondents {
        let k = (name, phone, enterprise);
        if members.contains(&k) {
            back.answered.insert(k);
        } else {
            back.not_drawn.entry(sub).or_default().push(row);
        }
    }
    for (enterprise, name, phone, reason) in unreached {
        let k = (name, phone, enterprise);
        if members.contains(&k) && !back.answered.contains(&k) {
            back.not_reached.insert(k, reason);
        }
    }
    back
}

/// The reasons of users not reached, in the order of [`crate::validate::NOT_REACHED`], with
/// their counts: `未接通 2、拒访 1`.
pub fn reasons_text(reasons: &BTreeMap<String, u64>) -> String {
    let mut v: Vec<(&String, &u64)> = reasons.iter().collect();
    v.sort_by_key(|(r, _)| crate::validate::NOT_REACHED.iter().position(|(c, _)| c == r));
    v.iter().map(|(r, n)| format!("{r} {n}")).collect::<Vec<_>>().join("、")
}

/// How many to draw per enterprise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Size {
    PerEnterprise(usize),
    /// The size for a margin of error `e` at a confidence, for a proportion `p` (0.5 is the
    /// most cautious), corrected for the enterprise's frame size.
    Margin {
        e: f64,
        confidence: f64,
        p: f64,
    },
}

/// The two-sided normal quantile of a confidence level: the table values for 90%, 95% and
/// 99% (1.645, 1.96, 2.576: those of the hand computation), else computed.
pub fn z(confidence: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    for (c, z) in [(0.90, 1.645), (0.95, 1.96), (0.99, 2.576)] {
        if (confidence - c).abs() < 1e-9 {
            return z;
        }
    }
    Normal::standard().inverse_cdf(1.0 - (1.0 - confidence) / 2.0)
}

/// n0 = z²·p(1−p)/e², the size for an infinite population.
pub fn n0(e: f64, confidence: f64, p: f64) -> f64 {
    z(confidence).powi(2) * p * (1.0 - p) / (e * e)
}

/// The sample size for a frame of `population` users: n0 corrected for the finite population,
/// n = n0 / (1 + (n0 − 1) / N), rounded up; never more than the frame.
pub fn size(population: usize, s: Size) -> usize {
    let n = match s {
        Size::PerEnterprise(n) => n,
        Size::Margin { e, confidence, p } => {
            let n0 = n0(e, confidence, p);
            let n = n0 / (1.0 + (n0 - 1.0) / population.max(1) as f64);
            (n - 1e-9).ceil() as usize
        }
    };
    n.min(population)
}

/// One enterprise's part of a draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Stratum {
    pub enterprise: String,
    /// Users in its frame, and those left out as called back recently.
    pub frame: usize,
    pub excluded: usize,
    /// Drawn; all of the frame when it is no larger than the size.
    pub drawn: usize,
    pub all_taken: bool,
}

/// A user's key for deduplication and exclusion: name, phone, enterprise.
pub fn key(u: &FrameUser) -> (String, String, String) {
    (u.user_name.clone(), u.phone.clone(), u.enterprise.clone())
}

/// Draws per enterprise from `users` (sorted, deduplicated), leaving out `excluded`, with a
/// generator seeded by `seed`; splits the drawn list into `surveyors` even, contiguous parts
/// (1-based). The same frame and seed give the same sample.
pub fn draw(
    users: &[FrameUser],
    excluded: &HashSet<(String, String, String)>,
    s: Size,
    seed: u64,
    surveyors: Option<u32>,
) -> (Vec<Stratum>, Vec<(FrameUser, Option<u32>)>) {
    let mut by: BTreeMap<&str, Vec<&FrameUser>> = BTreeMap::new();
    for u in users {
        by.entry(u.enterprise.as_str()).or_default().push(u);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut strata = Vec::new();
    let mut drawn: Vec<FrameUser> = Vec::new();
    for (enterprise, all) in by {
        let candidates: Vec<&FrameUser> = all.iter().copied().filter(|u| !excluded.contains(&key(u))).collect();
        let n = size(candidates.len(), s);
        let mut picked = rand::seq::index::sample(&mut rng, candidates.len(), n).into_vec();
        picked.sort_unstable();
        drawn.extend(picked.iter().map(|&i| candidates[i].clone()));
        strata.push(Stratum {
            enterprise: enterprise.to_string(),
            frame: all.len(),
            excluded: all.len() - candidates.len(),
            drawn: n,
            all_taken: n == candidates.len(),
        });
    }
    let total = drawn.len().max(1);
    let members = drawn
        .into_iter()
        .enumerate()
        .map(|(i, u)| {
            let who = surveyors
                .filter(|n| *n > 1)
                .map(|n| (i * n as usize / total) as u32 + 1);
            (u, who)
        })
        .collect();
    (strata, members)
}

/// A recorded draw: each enterprise's part and the users drawn (with their surveyor).
pub struct Drawn {
    pub strata: Vec<Stratum>,
    pub members: Vec<(FrameUser, Option<u32>)>,
}

/// What a draw is for: the quarter's call-back, or an unscheduled survey of a month (SPEC §13).
#[derive(Debug, Clone, Copy)]
pub enum DrawFor<'a> {
    Quarter(Period),
    Adhoc { month: Period, name: &'a str },
}

impl DrawFor<'_> {
    /// The quarter whose frames it draws from (a month's is its quarter's, the month's own
    /// frames among them).
    fn quarter(self) -> Period {
        match self {
            DrawFor::Quarter(q) => q,
            DrawFor::Adhoc { month, .. } => month.quarter(),
        }
    }

    /// How the draw is recorded.
    fn key(self) -> String {
        match self {
            DrawFor::Quarter(q) => q.to_string(),
            DrawFor::Adhoc { month, name } => format!("{month} {name}"),
        }
    }
}

/// Draws a call-back sample from the sample frames in the store and records it: users drawn
/// in the last `exclude_quarters` quarters' draws are left out, the draw is saved with its
/// seed and parameters (at `now`), and a quarter is marked for recomputing (its results report
/// the call-back against this draw). `None` when there is no frame to draw from.
#[allow(clippy::too_many_arguments)]
pub fn draw_sample(
    store: &mut Store,
    what: DrawFor<'_>,
    size: Size,
    exclude_quarters: u32,
    seed: u64,
    surveyors: Option<u32>,
    now: &str,
) -> Result<Option<Drawn>, StoreError> {
    let quarter = what.quarter();
    let users = store.frame_users(quarter)?;
    if users.is_empty() {
        return Ok(None);
    }
    // The last quarters' call-backs; an unscheduled survey leaves out its own quarter's too.
    let mut quarters = Vec::new();
    if let DrawFor::Adhoc { .. } = what {
        quarters.push(quarter);
    }
    let mut q = quarter;
    for _ in 0..exclude_quarters {
        q = q.previous();
        quarters.push(q);
    }
    let mut excluded = HashSet::new();
    for q in quarters {
        if let Some(d) = store.draw(q)? {
            excluded.extend(d.members.iter().map(|(u, _)| key(u)));
        }
    }
    let (strata, members) = draw(&users, &excluded, size, seed, surveyors);
    let parameters = serde_json::json!({
        "size": match size {
            Size::PerEnterprise(n) => serde_json::json!({"per_enterprise": n}),
            Size::Margin { e, confidence, p } => serde_json::json!({
                "margin": e, "confidence": confidence, "p": p, "n0": n0(e, confidence, p)
            }),
        },
        "exclude_quarters": exclude_quarters,
        "surveyors": surveyors,
        "strata": strata.iter().map(|s| serde_json::json!({
            "enterprise": s.enterprise, "frame": s.frame, "excluded": s.excluded, "drawn": s.drawn, "all_taken": s.all_taken
        })).collect::<Vec<_>>(),
    });
    store.save_draw(&what.key(), seed, &parameters.to_string(), now, &members)?;
    if let DrawFor::Quarter(q) = what {
        store.mark_stale(q)?;
    }
    Ok(Some(Drawn { strata, members }))
}

/// The call-back workbook's file name: `2026年第4季度抽查回访表.xlsx`, or for an unscheduled
/// survey `2026年11月<name>回访表.xlsx`.
pub fn form_file_name(what: DrawFor<'_>) -> String {
    match what {
        DrawFor::Quarter(q) => format!("{}抽查回访表.xlsx", q.label_zh()),
        DrawFor::Adhoc { month, name } => format!("{}{name}回访表.xlsx", month.label_zh()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(enterprise: &str, n: usize) -> Vec<FrameUser> {
        (0..n)
            .map(|i| FrameUser {
                enterprise: enterprise.into(),
                user_name: format!("用户{i:04}"),
                phone: format!("138{i:08}"),
                user_type: Some("居民用户".into()),
                county: Some("竟陵街道".into()),
            })
            .collect()
    }

    #[test]
    fn the_size_for_500_users_at_5_percent_and_95_percent_is_218() {
        // By hand: n0 = 1.96² × 0.5 × 0.5 / 0.05² = 3.8416 × 0.25 / 0.0025 = 384.16;
        // n = 384.16 / (1 + 383.16 / 500) = 384.16 / 1.76632 = 217.49…, rounded up: 218.
        assert!((n0(0.05, 0.95, 0.5) - 384.16).abs() < 1e-9);
        let s = Size::Margin {
            e: 0.05,
            confidence: 0.95,
            p: 0.5,
        };
        assert_eq!(size(500, s), 218);
        // A small frame is taken whole; a fixed size never exceeds the frame.
        assert_eq!(size(40, s), 37);
        assert_eq!(size(10, Size::PerEnterprise(30)), 10);
        // Other confidences: the table values, or the computed quantile.
        assert!((z(0.99) - 2.576).abs() < 1e-12);
        assert!((z(0.80) - 1.2816).abs() < 1e-3);
    }

    #[test]
    fn the_same_seed_gives_the_same_sample_and_another_seed_another() {
        let mut all = users("GS01", 300);
        all.extend(users("RQ01", 20));
        all.sort();
        let none = HashSet::new();
        let (strata, a) = draw(&all, &none, Size::PerEnterprise(30), 42, None);
        let (_, b) = draw(&all, &none, Size::PerEnterprise(30), 42, None);
        let (_, c) = draw(&all, &none, Size::PerEnterprise(30), 43, None);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 30 + 20);
        let rq = strata.iter().find(|s| s.enterprise == "RQ01").unwrap();
        assert!(rq.all_taken && rq.drawn == 20);
        // No user twice.
        let keys: HashSet<_> = a.iter().map(|(u, _)| key(u)).collect();
        assert_eq!(keys.len(), a.len());
    }

    #[test]
    fn users_called_back_recently_are_left_out_and_surveyors_split_evenly() {
        let all = users("GS01", 50);
        let excluded: HashSet<_> = all.iter().take(45).map(key).collect();
        let (strata, drawn) = draw(&all, &excluded, Size::PerEnterprise(10), 7, Some(2));
        assert_eq!(strata[0].excluded, 45);
        assert_eq!(drawn.len(), 5, "only the 5 not called back");
        assert!(drawn.iter().all(|(u, _)| !excluded.contains(&key(u))));
        let (_, drawn) = draw(&all, &HashSet::new(), Size::PerEnterprise(10), 7, Some(3));
        let counts: Vec<usize> = (1..=3)
            .map(|s| drawn.iter().filter(|(_, w)| *w == Some(s)).count())
            .collect();
        assert_eq!(counts.iter().sum::<usize>(), 10);
        assert!(counts.iter().all(|c| (3..=4).contains(c)), "{counts:?}");
    }
}
