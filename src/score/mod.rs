//! Scoring, per SPEC §3: answers become answer scores (blank and 不适用 excluded), items are
//! means over the answers a group gave, dimensions weighted means of their answered items,
//! the composite a weighted mean of the dimensions present, weights renormalised. Reads
//! stored responses through the store and produces [`GroupResult`]s; renders nothing.

pub mod stats;

use std::collections::HashMap;

use crate::config::Config;
use crate::period::ReturnKind;
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

    /// Fills `out` (one slot per item) from a response's answers JSON.
    pub fn read(&self, json: &str, out: &mut [Option<AnswerValue>]) {
        out.iter_mut().for_each(|v| *v = None);
        let mut cursor = 0;
        let mut put = |id: &str, answer: &str| {
            if let Some(i) = self.index_of(id, cursor) {
                out[i] = self.values[i].iter().find(|(a, _)| a == answer).map(|&(_, v)| v);
                cursor = i + 1;
            }
        };
        if !parse_flat_object(json, &mut put) {
            // Not in the form intake writes (escapes, spaces): the general parser.
            if let Ok(map) = serde_json::from_str::<HashMap<String, String>>(json) {
                for (k, v) in &map {
                    put(k, v);
                }
            }
        }
    }
}

/// Parses `{"k":"v","k2":"v2"}` as written by intake (no escapes, no spaces), calling `f`
/// for each pair. Returns false, having called nothing, when the text is in another form.
fn parse_flat_object(json: &str, f: &mut impl FnMut(&str, &str)) -> bool {
    let Some(body) = json.strip_prefix('{').and_then(|b| b.strip_suffix('}')) else {
        return false;
    };
    if body.contains('\\') {
        return false;
    }
    if body.is_empty() {
        return true;
    }
    let mut pairs = Vec::with_capacity(20);
    for pair in body.split("\",\"") {
        let pair = pair.trim_start_matches('"').trim_end_matches('"');
        let Some((k, v)) = pair.split_once("\":\"") else {
            return false;
        };
        pairs.push((k, v));
    }
    for (k, v) in pairs {
        f(k, v);
    }
    true
}

/// The running sums of one group.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub n: u64,
    /// Per item: answer scores and unfavourable answers.
    pub items: Vec<(Moments, u64)>,
    /// Per dimension: each response's own dimension score (for tests of a decline).
    pub dims: Vec<Moments>,
}

impl Tally {
    fn new(items: usize, dims: usize) -> Tally {
        Tally {
            n: 0,
            items: vec![(Moments::default(), 0); items],
            dims: vec![Moments::default(); dims],
        }
    }

    fn add(&mut self, answers: &[Option<AnswerValue>], dims: &[Option<f64>]) {
        self.n += 1;
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
}

/// One complaint text and the groups of the response it came with.
#[derive(Debug, Clone)]
pub struct Complaint {
    /// Per level (in [`Level::ALL`] order): the group key.
    pub keys: [String; 6],
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
        }
    }

    /// Adds one response to its city, enterprise, unit, county, utility and user-type groups.
    pub fn add(&mut self, r: &ResponseRow<'_>) {
        self.table.read(r.answers, &mut self.answers);
        self.response_dimensions();
        let keys = [
            "全市",
            r.enterprise,
            r.submitter,
            r.county,
            r.utility,
            r.user_type.unwrap_or("未填"),
        ];
        let (items, dims) = (self.answers.len(), self.dim_scores.len());
        for (l, key) in keys.iter().enumerate() {
            let i = match self.keys[l].get(*key) {
                Some(&i) => i,
                None => {
                    self.tallies[l].push((key.to_string(), Tally::new(items, dims)));
                    self.keys[l].insert(key.to_string(), self.tallies[l].len() - 1);
                    self.tallies[l].len() - 1
                }
            };
            self.tallies[l][i].1.add(&self.answers, &self.dim_scores);
        }
        if let Some(text) = r.opinion.filter(|t| !t.trim().is_empty()) {
            self.complaints.push(Complaint {
                keys: keys.map(str::to_string),
                text: text.to_string(),
                user_name: r.user_name.to_string(),
            });
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

    /// The tally of one group, if it has responses.
    pub fn tally(&self, level: Level, key: &str) -> Option<&Tally> {
        let l = level as usize;
        self.keys[l].get(key).map(|&i| &self.tallies[l][i].1)
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

/// Reads every response of `kind` in `periods` into tallies.
pub fn tally<'c>(
    config: &'c Config,
    store: &Store,
    kind: ReturnKind,
    periods: &[String],
) -> Result<Tallies<'c>, StoreError> {
    let mut t = Tallies::new(config);
    store.for_each_response(kind, periods, |r| t.add(r))?;
    Ok(t)
}

/// The name people know a group by.
pub fn group_name(config: &Config, level: Level, key: &str) -> String {
    match level {
        Level::City => config.city.clone(),
        Level::Enterprise | Level::Unit => config
            .party(key)
            .map(|p| p.name().to_string())
            .unwrap_or_else(|| key.to_string()),
        _ => key.to_string(),
    }
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
    let dimensions: Vec<(String, Option<f64>)> = scheme
        .dimensions
        .iter()
        .map(|d| {
            let (sum, w) = scheme
                .items
                .iter()
                .zip(&items)
                .filter(|(item, r)| item.dimension == d.name && r.score.is_some())
                .fold((0.0, 0.0), |(s, w), (item, r)| {
                    (s + item.weight * r.score.unwrap_or(0.0), w + item.weight)
                });
            (d.name.clone(), (w > 0.0).then(|| sum / w))
        })
        .collect();
    let (sum, w) = scheme
        .dimensions
        .iter()
        .zip(&dimensions)
        .filter_map(|(d, (_, s))| s.map(|s| (d.weight, s)))
        .fold((0.0, 0.0), |(acc, w), (dw, s)| (acc + dw * s, w + dw));
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
        composite: (w > 0.0).then(|| sum / w),
        overall,
        dimensions,
        items,
        insufficient: t.n < u64::from(scheme.thresholds.min_sample),
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
            answers,
            opinion: None,
            user_name: "某用户",
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
            t.add(&response(a, "GS01"));
        }
        let results = t.results();
        results.into_iter().find(|g| g.level == Level::Enterprise).unwrap()
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
        t.add(&response(r#"{"Q1":"是"}"#, "GS01"));
        for _ in 0..3 {
            t.add(&response(r#"{"Q1":"否"}"#, "GS01"));
        }
        let city = t.results().into_iter().find(|g| g.level == Level::City).unwrap();
        assert_eq!(city.item("Q1").unwrap().score, Some(25.0));
        assert_eq!(city.n, 4);
    }

    #[test]
    fn every_level_gets_its_group() {
        let config = config_with(None);
        let mut t = Tallies::new(&config);
        t.add(&response(THREE[0], "GS01"));
        t.add(&response(THREE[1], "RQ01"));
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
        table.read(r#"{"Q1":"是","Q8":"是","Q12":"满意","D2":"不适用"}"#, &mut out);
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
        table.read(r#"{ "Q12" : "不满意" }"#, &mut out);
        assert_eq!(
            out[11],
            Some(AnswerValue {
                score: 40.0,
                unfavourable: true
            })
        );
        assert_eq!(out[0], None);
        table.read("{}", &mut out);
        assert!(out.iter().all(Option::is_none));
    }
}
