//! Scoring, per SPEC §3: answers become answer scores (blank and 不适用 excluded), items are
//! means over the answers a group gave, dimensions weighted means of their answered items,
//! the composite a weighted mean of the dimensions present, weights renormalised. Reads
//! stored responses through the store and produces [`GroupResult`]s; renders nothing.

pub mod stats;
pub mod users;

use std::collections::HashMap;

use crate::config::Config;
use crate::period::Period;
use crate::results::answers::{self, AnswersError};
use crate::results::{GroupResult, ItemResult, Level};
use crate::scheme::{ItemKind, Scheme};
use crate::store::{ResponseRow, Store, StoreError};
use stats::Moments;

/// What one canonical answer is worth for one item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnswerValue {
    pub score: f64,
    pub unfavourable: bool,
}

/// Per item: canonical answer text → its value. 不适用 and unknown texts are absent.
#[derive(Clone)]
pub struct AnswerTable {
    ids: Vec<String>,
    values: Vec<Vec<(String, AnswerValue)>>,
}

impl AnswerTable {
    pub fn new(scheme: &Scheme) -> AnswerTable {
        let values = scheme
            .items
            .iter()
            .map(|item| match item.kind {
                ItemKind::YesNo => {
                    let fav = item.favourable.as_deref().unwrap_or("是");
                    ["是", "否"]
                        .iter()
                        .map(|a| {
                            let good = *a == fav;
                            (
                                a.to_string(),
                                AnswerValue {
                                    score: if good { 100.0 } else { 0.0 },
                                    unfavourable: !good,
                                },
                            )
                        })
                        .collect()
                }
                ItemKind::FiveLevel => scheme
                    .grades
                    .iter()
                    .map(|g| {
                        (
                            g.label.clone(),
                            AnswerValue {
                                score: g.score,
                                unfavourable: g.unfavourable,
                            },
                        )
                    })
                    .collect(),
            })
            .collect();
        AnswerTable {
            ids: scheme.items.iter().map(|i| i.id.clone()).collect(),
            values,
        }
    }

    fn index_of(&self, id: &str, hint: usize) -> Option<usize> {
        if self.ids.get(hint).is_some_and(|i| i == id) {
            return Some(hint);
        }
        self.ids.iter().position(|i| i == id)
    }

    /// Fills `out` (one slot per item) from a response's stored answers.
    pub fn read(&self, json: &str, out: &mut [Option<AnswerValue>]) -> Result<(), AnswersError> {
        out.iter_mut().for_each(|v| *v = None);
        self.each(json, |i, _, value| out[i] = value)
    }

    /// Calls `f` with each answer of a response's stored answers: the item's index, the answer
    /// as stored, and its value (`None` for 不适用). Ids the scheme does not have are passed over.
    pub fn each(&self, json: &str, mut f: impl FnMut(usize, &str, Option<AnswerValue>)) -> Result<(), AnswersError> {
        let mut cursor = 0;
        answers::decode(json, |id, answer| {
            if let Some(i) = self.index_of(id, cursor) {
                f(
                    i,
                    answer,
                    self.values[i].iter().find(|(a, _)| a == answer).map(|&(_, v)| v),
                );
                cursor = i + 1;
            }
        })
    }
}

/// The running sums of one group.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub n: u64,
    /// Responses left out by an upheld appeal (SPEC §11): not in `n` nor in any score.
    pub excluded: u64,
    /// Per item: answer scores and unfavourable answers.
    pub items: Vec<(Moments, u64)>,
    /// Per dimension: each response's own dimension score (for tests of a decline).
    pub dims: Vec<Moments>,
    /// The overall-satisfaction item's answers per grade, in the scheme's grade order.
    pub overall_grades: Vec<u64>,
}

impl Tally {
    fn new(items: usize, dims: usize, grades: usize) -> Tally {
        Tally {
            n: 0,
            excluded: 0,
            items: vec![(Moments::default(), 0); items],
            dims: vec![Moments::default(); dims],
            overall_grades: vec![0; grades],
        }
    }

    fn merge(&mut self, t: &Tally) {
        self.n += t.n;
        self.excluded += t.excluded;
        for (a, b) in self.items.iter_mut().zip(&t.items) {
            a.0.merge(&b.0);
            a.1 += b.1;
        }
        for (a, b) in self.dims.iter_mut().zip(&t.dims) {
            a.merge(b);
        }
        for (a, b) in self.overall_grades.iter_mut().zip(&t.overall_grades) {
            *a += b;
        }
    }

    fn add(&mut self, answers: &[Option<AnswerValue>], dims: &[Option<f64>], overall_grade: Option<usize>) {
        self.n += 1;
        if let Some(g) = overall_grade {
            self.overall_grades[g] += 1;
        }
        for (slot, a) in self.items.iter_mut().zip(answers) {
            if let Some(a) = a {
                slot.0.add(a.score);
                slot.1 += u64::from(a.unfavourable);
            }
        }
        for (slot, d) in self.dims.iter_mut().zip(dims) {
            if let Some(d) = d {
                slot.add(*d);
            }
        }
    }
}

/// The tallies of every group of every level, built from responses one at a time.
#[derive(Clone)]
pub struct Tallies<'c> {
    config: &'c Config,
    table: AnswerTable,
    /// item index → dimension index
    item_dim: Vec<usize>,
    /// per level: key → index into `tallies`
    keys: Vec<HashMap<String, usize>>,
    tallies: Vec<Vec<(String, Tally)>>,
    answers: Vec<Option<AnswerValue>>,
    dim_scores: Vec<Option<f64>>,
    /// The complaint texts (意见或投诉) of the responses, with their groups.
    pub complaints: Vec<Complaint>,
    /// Users and large customers (SPEC §12).
    users: users::UserTallies,
    /// Per level: the group of the previous response.
    last: [usize; 6],
    /// The overall-satisfaction item, and the scores of the grades (to count its answers by grade).
    overall: Option<usize>,
    grade_scores: Vec<f64>,
    /// A county as stored → its group: rows stored before a county was matched without its
    /// bureau suffix (东华县住建局) count with the county as registered now (东华县).
    county_of: HashMap<String, usize>,
}

/// One complaint text and the groups of the response it came with.
#[derive(Debug, Clone)]
pub struct Complaint {
    /// Per level (in [`Level::ALL`] order): the group's index ([`Tallies::index_of`]).
    pub groups: [usize; 6],
    pub text: String,
    /// The respondent's name, to be kept out of quotes.
    pub user_name: String,
}

impl<'c> Tallies<'c> {
    pub fn new(config: &'c Config) -> Tallies<'c> {
        let scheme = &config.scheme;
        let item_dim = scheme
            .items
            .iter()
            .map(|i| {
                scheme
                    .dimensions
                    .iter()
                    .position(|d| d.name == i.dimension)
                    .expect("checked at load")
            })
            .collect();
        Tallies {
            config,
            table: AnswerTable::new(scheme),
            item_dim,
            keys: vec![HashMap::new(); Level::ALL.len()],
            tallies: vec![Vec::new(); Level::ALL.len()],
            answers: vec![None; scheme.items.len()],
            dim_scores: vec![None; scheme.dimensions.len()],
            complaints: Vec::new(),
            users: users::UserTallies::new(config),
            last: [usize::MAX; 6],
            county_of: HashMap::new(),
            overall: scheme.items.iter().position(|i| i.overall),
            grade_scores: scheme.grades.iter().map(|g| g.score).collect(),
        }
    }

    /// Adds one response to its city, enterprise, unit, county, utility and user-type groups.
    pub fn add(&mut self, r: &ResponseRow<'_>) -> Result<(), AnswersError> {
        if r.excluded {
            self.add_excluded(r);
            return Ok(());
        }
        self.table.read(r.answers, &mut self.answers)?;
        self.response_dimensions();
        let overall_grade = self
            .overall
            .and_then(|i| self.answers[i])
            .and_then(|a| self.grade_scores.iter().position(|s| *s == a.score));
        let keys = group_keys(r);
        let mut groups = [0usize; 6];
        for (l, key) in keys.iter().enumerate() {
            // Consecutive rows mostly share their groups: try the last one first.
            let last = self.last[l];
            let i = if self.tallies[l].get(last).is_some_and(|(k, _)| k == key) {
                last
            } else if l == Level::County as usize {
                self.county_index(key)
            } else {
                self.group_index(l, key)
            };
            self.last[l] = i;
            self.tallies[l][i].1.add(&self.answers, &self.dim_scores, overall_grade);
            groups[l] = i;
        }
        let config = self.config;
        (self.users).add(config, groups[Level::Enterprise as usize], r, &self.answers);
        if let Some(text) = r.opinion.filter(|t| !t.trim().is_empty()) {
            self.complaints.push(Complaint {
                groups,
                text: text.to_string(),
                user_name: r.user_name.to_string(),
            });
        }
        Ok(())
    }

    /// Counts a response an upheld appeal left out in each of its groups, and nothing else.
    fn add_excluded(&mut self, r: &ResponseRow<'_>) {
        let keys = group_keys(r);
        for (l, key) in keys.iter().enumerate() {
            let i = if l == Level::County as usize {
                self.county_index(key)
            } else {
                self.group_index(l, key)
            };
            self.tallies[l][i].1.excluded += 1;
        }
    }

    fn county_index(&mut self, stored: &str) -> usize {
        if let Some(&i) = self.county_of.get(stored) {
            return i;
        }
        let canonical = self.config.county(stored).unwrap_or(stored).to_string();
        let i = self.group_index(Level::County as usize, &canonical);
        self.county_of.insert(stored.to_string(), i);
        i
    }

    fn group_index(&mut self, level: usize, key: &str) -> usize {
        if let Some(&i) = self.keys[level].get(key) {
            return i;
        }
        let (items, dims) = (self.answers.len(), self.dim_scores.len());
        let grades = self.grade_scores.len();
        self.tallies[level].push((key.to_string(), Tally::new(items, dims, grades)));
        self.keys[level].insert(key.to_string(), self.tallies[level].len() - 1);
        self.tallies[level].len() - 1
    }

    /// Adds another set of tallies (of other responses) to these.
    pub fn merge(&mut self, other: Tallies<'_>) {
        let mut remap: Vec<Vec<usize>> = Vec::with_capacity(Level::ALL.len());
        for (l, groups) in other.tallies.into_iter().enumerate() {
            let mut map = Vec::with_capacity(groups.len());
            for (key, t) in groups {
                let i = self.group_index(l, &key);
                self.tallies[l][i].1.merge(&t);
                map.push(i);
            }
            remap.push(map);
        }
        self.users.merge(other.users, &remap[Level::Enterprise as usize]);
        for mut c in other.complaints {
            for (l, g) in c.groups.iter_mut().enumerate() {
                *g = remap[l][*g];
            }
            self.complaints.push(c);
        }
    }

    /// This response's own score in each dimension: the weighted mean of its answers there.
    fn response_dimensions(&mut self) {
        let items = &self.config.scheme.items;
        let mut sums = vec![(0.0, 0.0); self.dim_scores.len()];
        for (i, a) in self.answers.iter().enumerate() {
            if let Some(a) = a {
                let s = &mut sums[self.item_dim[i]];
                s.0 += items[i].weight * a.score;
                s.1 += items[i].weight;
            }
        }
        for (slot, (sum, w)) in self.dim_scores.iter_mut().zip(sums) {
            *slot = (w > 0.0).then(|| sum / w);
        }
    }

    /// The index of a group within its level, if it has responses.
    pub fn index_of(&self, level: Level, key: &str) -> Option<usize> {
        self.keys[level as usize].get(key).copied()
    }

    /// The tally of one group, if it has responses.
    pub fn tally(&self, level: Level, key: &str) -> Option<&Tally> {
        let l = level as usize;
        self.keys[l].get(key).map(|&i| &self.tallies[l][i].1)
    }

    /// The users' analysis (SPEC §12) of the city and each enterprise.
    pub fn users(&self) -> crate::results::users::Users {
        let keys: Vec<&str> = (self.tallies[Level::Enterprise as usize].iter())
            .map(|(k, _)| k.as_str())
            .collect();
        self.users.results(self.config, &keys)
    }

    /// Every group's result, levels in order, keys sorted.
    pub fn results(&self) -> Vec<GroupResult> {
        let mut out = Vec::new();
        for level in Level::ALL {
            let mut groups: Vec<&(String, Tally)> = self.tallies[level as usize].iter().collect();
            groups.sort_by(|a, b| a.0.cmp(&b.0));
            for (key, tally) in groups {
                out.push(group_result(self.config, level, key, tally));
            }
        }
        out
    }
}

/// Reads every response of `periods` (returns of each one's kind) into tallies. With many rows, the returns
/// are split in two contiguous halves, the second read on another thread over its own
/// database connection, and the halves merged: the same database always splits the same way.
pub fn tally<'c>(config: &'c Config, store: &Store, periods: &[Period]) -> Result<Tallies<'c>, StoreError> {
    let mut returns = Vec::new();
    for &p in periods {
        returns.extend(store.accepted(p.kind(), p)?);
    }
    tally_returns(config, store, &returns)
}

/// Reads every response of some accepted returns into tallies (as [`tally`]).
pub fn tally_returns<'c>(
    config: &'c Config,
    store: &Store,
    returns: &[crate::results::Submission],
) -> Result<Tallies<'c>, StoreError> {
    let total: i64 = returns.iter().map(|s| s.rows_accepted).sum();
    let mut cut = 0;
    let mut acc = 0;
    while cut < returns.len() && acc * 2 < total {
        acc += returns[cut].rows_accepted;
        cut += 1;
    }
    let parallel = total >= PARALLEL_ROWS && cut > 0 && cut < returns.len();
    let ids: Vec<i64> = returns.iter().map(|s| s.id).collect();
    let submitters: Vec<String> = returns
        .iter()
        .map(|s| s.submitter_code.clone().unwrap_or_default())
        .collect();
    let (first, second) = if parallel {
        ids.split_at(cut)
    } else {
        (&ids[..], &[][..])
    };
    let read = |store: &Store, ids: &[i64], subs: &[String]| -> Result<Tallies<'c>, StoreError> {
        let mut t = Tallies::new(config);
        store.for_each_response_of(ids, subs, |r| Ok(t.add(r)?))?;
        Ok(t)
    };
    if second.is_empty() {
        return read(store, first, &submitters);
    }
    let (subs_a, subs_b) = submitters.split_at(cut);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| -> Result<Tallies<'c>, StoreError> {
            let reader = Store::open_reader(&config.paths.database)?;
            read(&reader, second, subs_b)
        });
        let mut mine = read(store, first, subs_a)?;
        let theirs = other.join().unwrap_or_else(|p| std::panic::resume_unwind(p))?;
        mine.merge(theirs);
        Ok(mine)
    })
}

/// A response's group at each level, in [`Level::ALL`] order.
fn group_keys<'a>(r: &ResponseRow<'a>) -> [&'a str; 6] {
    [
        "全市",
        r.enterprise,
        r.submitter,
        r.county,
        r.utility,
        r.user_type.unwrap_or("未填"),
    ]
}

/// Below this many rows a period is tallied on one thread.
const PARALLEL_ROWS: i64 = 100_000;

/// The name people know a group by.
pub fn group_name(config: &Config, level: Level, key: &str) -> String {
    match level {
        Level::City => config.city.clone(),
        Level::Enterprise | Level::Submitter => config
            .party(key)
            .map(|p| p.name().to_string())
            .unwrap_or_else(|| key.to_string()),
        _ => key.to_string(),
    }
}

/// Each dimension's score from a group's item scores (in scheme order): the weighted mean of
/// its answered items (SPEC §3).
fn dimension_scores(scheme: &Scheme, items: &[Option<f64>]) -> Vec<Option<f64>> {
    (scheme.dimensions.iter())
        .map(|d| {
            let (s, w) = (scheme.items.iter().zip(items))
                .filter(|(item, score)| item.dimension == d.name && score.is_some())
                .fold((0.0, 0.0), |(s, w), (item, score)| {
                    (s + item.weight * score.unwrap_or(0.0), w + item.weight)
                });
            (w > 0.0).then(|| s / w)
        })
        .collect()
}

/// The weighted mean of the dimensions present, weights renormalised (SPEC §3).
fn composite_over(scheme: &Scheme, dimensions: &[Option<f64>]) -> Option<f64> {
    let (sum, w) = (scheme.dimensions.iter().zip(dimensions))
        .filter_map(|(d, s)| s.map(|s| (d.weight, s)))
        .fold((0.0, 0.0), |(acc, w), (dw, s)| (acc + dw * s, w + dw));
    (w > 0.0).then(|| sum / w)
}

/// The composite of a group's item scores (in scheme order).
pub fn composite_of(scheme: &Scheme, items: &[Option<f64>]) -> Option<f64> {
    composite_over(scheme, &dimension_scores(scheme, items))
}

/// Scores of one group from its tally (SPEC §3).
pub fn group_result(config: &Config, level: Level, key: &str, t: &Tally) -> GroupResult {
    let scheme = &config.scheme;
    let alpha = 0.05;
    let items: Vec<ItemResult> = scheme
        .items
        .iter()
        .zip(&t.items)
        .map(|(item, (m, unfav))| {
            let ci95 = match item.kind {
                ItemKind::YesNo => {
                    // Favourable answers score 100, so their count is sum / 100 exactly.
                    let favourable = (m.sum / 100.0).round() as u64;
                    stats::wilson(favourable, m.n, alpha)
                }
                // One answer gives no interval: the whole scale.
                ItemKind::FiveLevel => stats::t_interval(m, alpha).or_else(|| m.mean().map(|_| (0.0, 100.0))),
            };
            ItemResult {
                id: item.id.clone(),
                name: item.name.clone(),
                score: m.mean(),
                n: m.n,
                unfavourable: *unfav,
                ci95,
            }
        })
        .collect();
    let scores: Vec<Option<f64>> = items.iter().map(|i| i.score).collect();
    let dimension_scores = dimension_scores(scheme, &scores);
    let composite = composite_over(scheme, &dimension_scores);
    let dimensions: Vec<(String, Option<f64>)> = (scheme.dimensions.iter())
        .map(|d| d.name.clone())
        .zip(dimension_scores)
        .collect();
    let overall = scheme
        .items
        .iter()
        .zip(&items)
        .find(|(i, _)| i.overall)
        .and_then(|(_, r)| r.score);
    GroupResult {
        level,
        key: key.to_string(),
        name: group_name(config, level, key),
        n: t.n,
        excluded: t.excluded,
        composite,
        overall,
        dimensions,
        items,
        insufficient: t.n < u64::from(scheme.thresholds.min_sample),
        overall_grades: scheme
            .grades
            .iter()
            .zip(&t.overall_grades)
            .map(|(g, n)| (g.label.clone(), *n))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const REGISTRY: &str = include_str!("../../samples/utility-eval.toml");

    fn config_with(scheme: Option<&str>) -> Config {
        let dir = tempfile::tempdir().unwrap();
        let mut text = REGISTRY.to_string();
        if let Some(s) = scheme {
            std::fs::write(dir.path().join("scheme.toml"), s).unwrap();
            text = text.replacen("city = ", "scheme = \"scheme.toml\"\ncity = ", 1);
        }
        Config::from_str(&text, &dir.path().join("utility-eval.toml")).unwrap()
    }

    fn response<'a>(answers: &'a str, enterprise: &'a str) -> ResponseRow<'a> {
        ResponseRow {
            submitter: "JL",
            enterprise,
            county: "竟陵街道",
            utility: "供水",
            user_type: Some("工商业用户"),
            method: None,
            usage_nature: None,
            monthly_usage: None,
            answers,
            opinion: None,
            user_name: "某用户",
            excluded: false,
        }
    }

    /// Three responses, worked by hand:
    /// Q1 是/否/blank → 100, 0 → 50 (n 2, 1 unfavourable);
    /// Q8 (negative) 是/否/否 → 0, 100, 100 → 66.67 (n 3, 1 unfavourable);
    /// Q12 满意/一般/不适用 → 80, 60 → 70 (n 2); D1 非常满意/blank/不满意 → 100, 40 → 70 (n 2, 1 unfavourable).
    /// 服务质量 = (50 + 66.667 + 70) / 3 = 62.222; 企业形象 = D1 = 70; 产品质量 and
    /// 客户意见与投诉处理 have no answers. Composite = (62.222 + 70) / 2 = 66.111; overall = 70.
    const THREE: [&str; 3] = [
        r#"{"Q1":"是","Q8":"是","Q12":"满意","D1":"非常满意"}"#,
        r#"{"Q1":"否","Q8":"否","Q12":"一般"}"#,
        r#"{"Q8":"否","Q12":"不适用","D1":"不满意"}"#,
    ];

    fn scored(config: &Config) -> GroupResult {
        let mut t = Tallies::new(config);
        for a in THREE {
            t.add(&response(a, "GS01")).unwrap();
        }
        let results = t.results();
        results.into_iter().find(|g| g.level == Level::Enterprise).unwrap()
    }

    /// THREE with usages 2000 (a large customer), 5 and none, by hand. Alone, the first scores
    /// 服务质量 (100 + 0 + 80) / 3 = 60, 企业形象 100 → 80; the other two together: Q1 0, Q8 100,
    /// Q12 60 → 服务质量 53.333, D1 40 → 46.667, overall 60. Weighted: Q1 and Q8 each
    /// (2000·100 + 5·0) / 2005 = 100 and (2000·0 + 5·100) / 2005 → their sum is 100 exactly;
    /// Q12 (2000·80 + 5·60) / 2005 = 160300 / 2005; 服务质量 (100 + 160300 / 2005) / 3; D1 100
    /// (the third states no usage) → composite (服务质量 + 100) / 2 ≈ 79.9917.
    #[test]
    fn users_by_band_large_customers_and_the_usage_weighted_composite() {
        let config = config_with(None);
        let mut t = Tallies::new(&config);
        for (a, usage) in THREE.iter().zip([Some(2000.0), Some(5.0), None]) {
            let mut r = response(a, "GS01");
            r.monthly_usage = usage;
            t.add(&r).unwrap();
        }
        let users = t.users();
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
        for level in [Level::City, Level::Enterprise] {
            let key = if level == Level::City { "全市" } else { "GS01" };
            let bands: Vec<(&str, u64)> = (users.of(level, key, crate::results::users::By::Band))
                .map(|g| (g.group.as_str(), g.n))
                .collect();
            assert_eq!(bands, [("<10", 1), ("≥1000", 1), ("未填", 1)]);
            let large = users.large_of(level, key).unwrap();
            assert_eq!((large.n, large.others_n), (1, 2));
            assert!(close(large.composite, 80.0) && close(large.overall, 80.0));
            assert!(close(large.others_composite, 140.0 / 3.0) && close(large.others_overall, 60.0));
            let w = users.weighted_of(level, key).unwrap();
            assert_eq!(w.n_with_usage, 2);
            let quality = (100.0 + 160300.0 / 2005.0) / 3.0;
            assert!(close(w.composite, (quality + 100.0) / 2.0), "{:?}", w.composite);
        }
    }

    #[test]
    fn hand_computed_scores_with_blanks_negatives_and_missing_dimensions() {
        let config = config_with(None);
        let g = scored(&config);
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
        assert_eq!(g.n, 3);
        let q1 = g.item("Q1").unwrap();
        assert!(close(q1.score, 50.0) && q1.n == 2 && q1.unfavourable == 1, "{q1:?}");
        let q8 = g.item("Q8").unwrap();
        assert!(
            close(q8.score, 200.0 / 3.0) && q8.n == 3 && q8.unfavourable == 1,
            "{q8:?}"
        );
        let q12 = g.item("Q12").unwrap();
        assert!(close(q12.score, 70.0) && q12.n == 2 && q12.unfavourable == 0, "{q12:?}");
        // Q12 by grade: one 满意, one 一般 (不适用 counts in none).
        let grades: Vec<u64> = g.overall_grades.iter().map(|(_, n)| *n).collect();
        assert_eq!(grades, [0, 1, 1, 0, 0], "{:?}", g.overall_grades);
        let d1 = g.item("D1").unwrap();
        assert!(close(d1.score, 70.0) && d1.n == 2 && d1.unfavourable == 1, "{d1:?}");
        assert_eq!(g.item("Q2").unwrap().score, None);
        assert!(close(g.dimension("服务质量"), (50.0 + 200.0 / 3.0 + 70.0) / 3.0));
        assert!(close(g.dimension("企业形象"), 70.0));
        assert_eq!(g.dimension("产品质量"), None);
        assert_eq!(g.dimension("客户意见与投诉处理"), None);
        assert!(close(g.composite, ((50.0 + 200.0 / 3.0 + 70.0) / 3.0 + 70.0) / 2.0));
        assert!(close(g.overall, 70.0));
        assert!(g.insufficient, "3 < 30");
    }

    #[test]
    fn dimension_weights_are_renormalised_over_the_dimensions_present() {
        let scheme = crate::scheme::DEFAULT_SCHEME.replacen(
            "name = \"企业形象\"\nweight = 0.25",
            "name = \"企业形象\"\nweight = 0.5",
            1,
        );
        let config = config_with(Some(&scheme));
        let g = scored(&config);
        let service = (50.0 + 200.0 / 3.0 + 70.0) / 3.0;
        let want = (0.25 * service + 0.5 * 70.0) / 0.75;
        assert!(
            (g.composite.unwrap() - want).abs() < 1e-9,
            "{:?} vs {want}",
            g.composite
        );
    }

    #[test]
    fn a_pooled_quarter_is_not_a_mean_of_monthly_means() {
        let config = config_with(None);
        // Month A: one 是 (100); month B: three 否 (0). Pooled: 1 of 4 = 25, not (100 + 0) / 2.
        let mut t = Tallies::new(&config);
        t.add(&response(r#"{"Q1":"是"}"#, "GS01")).unwrap();
        for _ in 0..3 {
            t.add(&response(r#"{"Q1":"否"}"#, "GS01")).unwrap();
        }
        let city = t.results().into_iter().find(|g| g.level == Level::City).unwrap();
        assert_eq!(city.item("Q1").unwrap().score, Some(25.0));
        assert_eq!(city.n, 4);
    }

    #[test]
    fn every_level_gets_its_group() {
        let config = config_with(None);
        let mut t = Tallies::new(&config);
        t.add(&response(THREE[0], "GS01")).unwrap();
        t.add(&response(THREE[1], "RQ01")).unwrap();
        let groups = t.results();
        let keys: Vec<(&str, &str)> = groups.iter().map(|g| (g.level.code(), g.key.as_str())).collect();
        assert_eq!(
            keys,
            [
                ("city", "全市"),
                ("enterprise", "GS01"),
                ("enterprise", "RQ01"),
                ("unit", "JL"),
                ("county", "竟陵街道"),
                ("utility", "供水"),
                ("user_type", "工商业用户")
            ]
        );
        assert_eq!(groups[1].name, "天门市第一供水有限公司");
        let _ = Path::new(".");
    }

    #[test]
    fn the_intake_form_of_answers_parses_fast_and_others_fall_back() {
        let s = Scheme::builtin();
        let table = AnswerTable::new(&s);
        let mut out = vec![None; s.items.len()];
        table
            .read(r#"{"Q1":"是","Q8":"是","Q12":"满意","D2":"不适用"}"#, &mut out)
            .unwrap();
        assert_eq!(
            out[0],
            Some(AnswerValue {
                score: 100.0,
                unfavourable: false
            })
        );
        // Q8 is negative: 是 is unfavourable.
        assert_eq!(
            out[7],
            Some(AnswerValue {
                score: 0.0,
                unfavourable: true
            })
        );
        assert_eq!(
            out[11],
            Some(AnswerValue {
                score: 80.0,
                unfavourable: false
            })
        );
        assert_eq!(out[13], None, "不适用 is excluded");
        assert_eq!(out[1], None, "blank is excluded");
        table.read(r#"{ "Q12" : "不满意" }"#, &mut out).unwrap();
        assert_eq!(
            out[11],
            Some(AnswerValue {
                score: 40.0,
                unfavourable: true
            })
        );
        assert_eq!(out[0], None);
        table.read("{}", &mut out).unwrap();
        assert!(out.iter().all(Option::is_none));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    const ANSWERS_YN: [&str; 4] = ["是", "否", "不适用", ""];
    const ANSWERS_5: [&str; 7] = ["非常满意", "满意", "一般", "不满意", "非常不满意", "不适用", ""];
    const ENTERPRISES: [&str; 3] = ["GS01", "GS02", "RQ01"];

    fn config() -> Config {
        let text = include_str!("../../samples/utility-eval.toml");
        Config::from_str(text, std::path::Path::new("/tmp/utility-eval.toml")).unwrap()
    }

    /// A response: an enterprise and one choice per item (index into the answer lists).
    fn responses() -> impl Strategy<Value = Vec<(usize, Vec<usize>)>> {
        prop::collection::vec((0..ENTERPRISES.len(), prop::collection::vec(0usize..7, 16)), 1..60)
    }

    fn json(config: &Config, choices: &[usize]) -> String {
        let pairs: Vec<String> = config
            .scheme
            .items
            .iter()
            .zip(choices)
            .filter_map(|(item, &c)| {
                let a = match item.kind {
                    ItemKind::YesNo => ANSWERS_YN[c % ANSWERS_YN.len()],
                    ItemKind::FiveLevel => ANSWERS_5[c],
                };
                (!a.is_empty()).then(|| format!("\"{}\":\"{a}\"", item.id))
            })
            .collect();
        format!("{{{}}}", pairs.join(","))
    }

    fn score_all(config: &Config, rs: &[(usize, Vec<usize>)]) -> Vec<GroupResult> {
        let mut t = Tallies::new(config);
        for (e, choices) in rs {
            let answers = json(config, choices);
            t.add(&ResponseRow {
                submitter: ENTERPRISES[*e],
                enterprise: ENTERPRISES[*e],
                county: "竟陵街道",
                utility: "供水",
                user_type: Some("企事业单位"),
                method: None,
                usage_nature: None,
                monthly_usage: None,
                answers: &answers,
                opinion: None,
                user_name: "x",
                excluded: false,
            })
            .unwrap();
        }
        t.results()
    }

    proptest! {
        #[test]
        fn every_score_lies_between_0_and_100(rs in responses()) {
            let config = config();
            for g in score_all(&config, &rs) {
                let all = g.items.iter().map(|i| i.score)
                    .chain(g.dimensions.iter().map(|d| d.1))
                    .chain([g.composite, g.overall]);
                for s in all.flatten() {
                    prop_assert!((0.0..=100.0).contains(&s), "{s}");
                }
                for (lo, hi) in g.items.iter().filter_map(|i| i.ci95) {
                    prop_assert!(0.0 <= lo && lo <= hi && hi <= 100.0);
                }
            }
        }

        #[test]
        fn row_order_changes_nothing(rs in responses(), seed in any::<u64>()) {
            let config = config();
            let mut shuffled = rs.clone();
            // A deterministic shuffle from the seed.
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            prop_assert_eq!(score_all(&config, &rs), score_all(&config, &shuffled));
        }

        #[test]
        fn splitting_rows_over_returns_changes_nothing(rs in responses(), cut in 0usize..60) {
            // Two returns of one period are tallied as one pool of rows.
            let config = config();
            let cut = cut.min(rs.len());
            let (a, b) = rs.split_at(cut);
            let mut joined = b.to_vec();
            joined.extend_from_slice(a);
            prop_assert_eq!(score_all(&config, &rs), score_all(&config, &joined));
        }
    }
}
