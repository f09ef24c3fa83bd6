//! The evaluation scheme: items, answer values, polarity, dimensions, weights, thresholds
//! and suggested measures, read from `templates/scheme.toml` (embedded as the default).
//!
//! Every later stage asks the scheme instead of matching on question ids; the scheme
//! touches nothing but its own file.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::text::normalize_label;

/// The built-in scheme, the default reading of the policy.
pub const DEFAULT_SCHEME: &str = include_str!("../templates/scheme.toml");

/// How an item is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// 是/否
    YesNo,
    /// 非常满意 … 非常不满意
    FiveLevel,
}

/// Thresholds of the scheme; a deployment may override each in its config.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub action: f64,
    pub min_sample: u32,
    pub min_answers: u32,
    pub bias_flag: f64,
    pub significance: f64,
    pub deadline_days: u32,
    /// Mentions of one complaint topic for one enterprise in one period that raise an item.
    #[serde(default = "three")]
    pub topic_repeat: u32,
    /// Enterprises with at least `min_sample` responses needed before any is ranked (SPEC §8):
    /// with fewer, the documents say 不排名 and why.
    #[serde(default = "three")]
    pub min_ranked: u32,
}

fn three() -> u32 {
    3
}

/// Thresholds of the integrity checks of self-assessment data: when a submitter's data of a
/// period needs checking. Each check needs at least `min_n` responses.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Integrity {
    pub min_n: u32,
    /// Share (%) of responses whose answers are identical to another response's.
    pub straight_lining: f64,
    /// Share (%) of responses whose phone number is on another response about the same
    /// enterprise (this return or another submitter's).
    pub repeated_phone: f64,
    /// Share (%) of responses on the two most common survey dates.
    pub bunched_dates: f64,
    /// Months in a row (this one included) with the same number of responses.
    pub same_n_months: u32,
    /// Below this agreement (%) with the city's call-back of the same users.
    pub callback_agreement: f64,
    /// Users matched with the call-back before agreement is judged.
    pub callback_min_users: u32,
    /// Pairs of answers (an item and overall satisfaction) before an item's importance is derived.
    pub importance_min_n: u32,
}

impl Default for Integrity {
    fn default() -> Integrity {
        Integrity {
            min_n: 30,
            straight_lining: 60.0,
            repeated_phone: 10.0,
            bunched_dates: 80.0,
            same_n_months: 3,
            callback_agreement: 70.0,
            callback_min_users: 5,
            importance_min_n: 30,
        }
    }
}

/// The deadlines of a complaint case (差评件), in working days from its period's release.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cases {
    /// Call the respondent back within this many working days.
    pub callback_days: u32,
    /// Rectify within this many working days.
    pub rectify_days: u32,
    /// Periods of the same kind in a row below the action line (or last of its utility) after
    /// which an enterprise is listed for an interview (建议约谈).
    pub interview_after: u32,
}

impl Default for Cases {
    fn default() -> Cases {
        Cases {
            callback_days: 5,
            rectify_days: 15,
            interview_after: 2,
        }
    }
}

/// Users' monthly usage (SPEC §12), in m³ a month: the bands respondents are counted in, and
/// the line from which a user is a large customer (大客户), per utility.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Users {
    /// The bands' bounds, ascending: `[10, 100, 1000]` makes <10, 10–100, 100–1000, ≥1000.
    pub water_bands: Vec<f64>,
    pub gas_bands: Vec<f64>,
    pub large_water: f64,
    pub large_gas: f64,
}

impl Default for Users {
    fn default() -> Users {
        Users {
            water_bands: vec![10.0, 100.0, 1000.0],
            gas_bands: vec![30.0, 300.0, 3000.0],
            large_water: 1000.0,
            large_gas: 3000.0,
        }
    }
}

/// The year's assessment (考核, SPEC §13): the weights of its parts, renormalised over the
/// parts an enterprise has, and the grades by score.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Assessment {
    /// The pooled sampled score of the year's quarterly and unscheduled surveys.
    pub sampled: f64,
    /// The pooled self-assessment of the year's months.
    pub self_assessment: f64,
    /// The on-time rectification rate of the year's complaint cases (×100).
    pub rectification: f64,
    /// Grades from the highest: a score at or above `min` gets `name`; below the last, `below`.
    pub grades: Vec<AssessmentGrade>,
    pub below: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentGrade {
    pub name: String,
    pub min: f64,
}

impl Default for Assessment {
    fn default() -> Assessment {
        let grade = |name: &str, min| AssessmentGrade { name: name.into(), min };
        Assessment {
            sampled: 60.0,
            self_assessment: 20.0,
            rectification: 20.0,
            grades: vec![grade("优秀", 90.0), grade("良好", 80.0), grade("合格", 70.0)],
            below: "不合格".into(),
        }
    }
}

impl Assessment {
    /// The grade of a score.
    pub fn grade(&self, score: f64) -> &str {
        (self.grades.iter())
            .find(|g| score >= g.min)
            .map_or(self.below.as_str(), |g| g.name.as_str())
    }

    fn check(&self) -> Result<(), String> {
        let weights = [self.sampled, self.self_assessment, self.rectification];
        if weights.iter().any(|w| !w.is_finite() || *w < 0.0) || weights.iter().sum::<f64>() <= 0.0 {
            return Err("[assessment] 的权重应为非负数,且不全为 0".into());
        }
        if self.grades.windows(2).any(|g| g[0].min <= g[1].min) {
            return Err("[assessment] 的 grades 应按分数线从高到低排列".into());
        }
        Ok(())
    }
}

/// How exports of online survey platforms (问卷星, 腾讯问卷 …) are read: the columns each
/// platform adds, the wordings of the fill-in questions, the markers of skipped answers. Data,
/// not code: a scheme without `[export]` takes the default scheme's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    /// Markers a platform writes for a skipped or unanswered question, read as blank.
    #[serde(default)]
    pub blank: Vec<String>,
    /// Openings of a fill-in question dropped before its words are matched (您的, 请填写 …).
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// A template column's label (用户名称) and the other ways a question asks for it.
    #[serde(default)]
    pub columns: BTreeMap<String, Vec<String>>,
    /// Words that mean the same in a question (an enterprise keeps its own utility's: 用气 for
    /// 用水(用气)): each pair's first read as its second before a question's words are compared.
    #[serde(default)]
    pub same: Vec<[String; 2]>,
    #[serde(default, rename = "platform")]
    pub platforms: Vec<Platform>,
}

/// An online survey platform, known by the columns it adds to every export.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    pub name: String,
    /// The columns of when an answer sheet was submitted, read as 调查日期 (the first present).
    pub time: Vec<String>,
    /// The platform's own columns (time taken, source, IP …): not read, named once in the feedback.
    pub columns: Vec<String>,
}

impl Export {
    /// The default scheme's `[export]`.
    fn builtin() -> Export {
        #[derive(Deserialize)]
        struct Only {
            export: Export,
        }
        let only: Only = toml::from_str(DEFAULT_SCHEME).expect("the embedded scheme is valid");
        only.export
    }

    fn check(&self, labels: &[&str]) -> Result<(), String> {
        for key in self.columns.keys() {
            if !labels.contains(&key.as_str()) {
                return Err(format!(
                    "[export.columns] 的“{key}”不是模板的列名,应为 {} 之一",
                    labels.join("、")
                ));
            }
        }
        if self.platforms.iter().any(|p| p.time.is_empty() && p.columns.is_empty()) {
            return Err("[[export.platform]] 应列出平台的提交时间列(time)或自带的列(columns)".into());
        }
        Ok(())
    }
}

/// The band of responses that do not state their usage.
pub const NO_USAGE: &str = "未填";

impl Users {
    /// Whether a utility (as stored) is 供气.
    pub fn is_gas(utility: &str) -> bool {
        utility == "供气"
    }

    /// The band bounds of a utility (供水, 供气).
    pub fn bounds(&self, utility: &str) -> &[f64] {
        if Users::is_gas(utility) {
            &self.gas_bands
        } else {
            &self.water_bands
        }
    }

    /// The large-customer line of a utility.
    pub fn large(&self, utility: &str) -> f64 {
        if Users::is_gas(utility) {
            self.large_gas
        } else {
            self.large_water
        }
    }

    /// Each band's name, lowest first: `<10`, `10–100`, …, `≥1000`.
    pub fn band_names(&self, utility: &str) -> Vec<String> {
        let b = self.bounds(utility);
        let f = crate::text::number;
        let mut out = Vec::with_capacity(b.len() + 1);
        if let Some(first) = b.first() {
            out.push(format!("<{}", f(*first)));
        }
        out.extend(b.windows(2).map(|w| format!("{}–{}", f(w[0]), f(w[1]))));
        out.push(b.last().map_or_else(|| "全部".to_string(), |l| format!("≥{}", f(*l))));
        out
    }

    /// The band a monthly usage falls in (an index into [`Users::band_names`]).
    pub fn band(&self, utility: &str, usage: f64) -> usize {
        self.bounds(utility).iter().take_while(|b| usage >= **b).count()
    }

    fn check(&self) -> Result<(), String> {
        for (name, b) in [("water_bands", &self.water_bands), ("gas_bands", &self.gas_bands)] {
            if b.iter().any(|v| !v.is_finite() || *v <= 0.0) || b.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("[users] {name} 应为递增的正数"));
            }
        }
        if [self.large_water, self.large_gas]
            .iter()
            .any(|v| !v.is_finite() || *v <= 0.0)
        {
            return Err("[users] large_water、large_gas 应为正数".into());
        }
        Ok(())
    }
}

/// One level of the five-level rating.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    pub label: String,
    pub score: f64,
    #[serde(default)]
    pub codes: Vec<String>,
    /// Counted as an unfavourable answer (不满意, 非常不满意).
    #[serde(default)]
    pub unfavourable: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    pub name: String,
    pub weight: f64,
}

/// One question of the survey.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    /// Its number in the policy's questionnaire, if it has one.
    pub number: Option<u32>,
    pub name: String,
    pub question: String,
    pub kind: ItemKind,
    /// The favourable answer of a yes/no item (是 or 否).
    pub favourable: Option<String>,
    pub dimension: String,
    pub area: Option<String>,
    #[serde(default = "one")]
    pub weight: f64,
    #[serde(default)]
    pub red_line: bool,
    /// The item that measures overall satisfaction (Q12 by default).
    #[serde(default)]
    pub overall: bool,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub measure: String,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    pub name: String,
    pub thresholds: Thresholds,
    /// The checks of self-assessment data (数据质量疑点).
    #[serde(default)]
    pub integrity: Integrity,
    /// Complaint cases (差评件, SPEC §11): their deadlines in working days.
    #[serde(default)]
    pub cases: Cases,
    /// Usage bands and large customers (SPEC §12).
    #[serde(default)]
    pub users: Users,
    /// The year's assessment (SPEC §13).
    #[serde(default)]
    pub assessment: Assessment,
    /// Exports of online survey platforms.
    #[serde(default = "Export::builtin")]
    pub export: Export,
    #[serde(rename = "grade")]
    pub grades: Vec<Grade>,
    #[serde(rename = "dimension")]
    pub dimensions: Vec<Dimension>,
    pub areas: Vec<String>,
    #[serde(rename = "item")]
    pub items: Vec<Item>,
    /// Per item: its normalised names and aliases, and its normalised question text,
    /// computed once so that header matching does not renormalise them per cell.
    #[serde(skip)]
    header_keys: Vec<(Vec<String>, String)>,
    /// Per item: its id and its normalised names and aliases, upper-cased once.
    #[serde(skip)]
    header_upper: Vec<(String, Vec<String>)>,
    /// Per item: its normalised question with `[export] same` applied, as an export's words
    /// are compared with it, and that question's sorted bigrams.
    #[serde(skip)]
    export_questions: Vec<String>,
    #[serde(skip)]
    question_pairs: Vec<Vec<(char, char)>>,
    /// `[export]` compiled (ordered maps: the scheme's `Debug` goes into the outputs'
    /// dependency hash and must not vary between runs): each normalised wording to its column's label, the normalised
    /// openings, the blank markers' match keys, each platform column to its platform's index
    /// and whether it is a submission time.
    #[serde(skip)]
    wordings: BTreeMap<String, String>,
    #[serde(skip)]
    prefixes: Vec<String>,
    #[serde(skip)]
    blank_keys: Vec<String>,
    #[serde(skip)]
    platform_keys: BTreeMap<String, (usize, Option<usize>)>,
}

impl Scheme {
    /// The embedded default scheme.
    pub fn builtin() -> Scheme {
        Scheme::parse(DEFAULT_SCHEME, Path::new("templates/scheme.toml"))
            .expect("the embedded scheme is valid (checked by a unit test)")
    }

    /// Parses and checks a scheme file's text; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Scheme, String> {
        let mut scheme: Scheme = toml::from_str(text).map_err(|e| crate::text::toml_error_zh(path, text, &e))?;
        scheme.header_keys = scheme
            .items
            .iter()
            .map(|i| {
                let names = std::iter::once(&i.name)
                    .chain(&i.aliases)
                    .map(|n| normalize_label(n))
                    .collect();
                (names, normalize_label(&i.question))
            })
            .collect();
        scheme.header_upper = (scheme.items.iter())
            .zip(&scheme.header_keys)
            .map(|(i, (names, _))| (i.id.to_uppercase(), names.iter().map(|n| n.to_uppercase()).collect()))
            .collect();
        scheme.export_questions = (scheme.header_keys.iter()).map(|(_, q)| scheme.neutral(q)).collect();
        scheme.question_pairs = scheme.export_questions.iter().map(|q| bigrams(q)).collect();
        scheme.compile_export();
        scheme
            .check()
            .map_err(|e| format!("评价方案 {}: {e}", path.display()))?;
        Ok(scheme)
    }

    fn check(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for item in &self.items {
            if !seen.insert(item.id.as_str()) {
                return Err(format!("题目编号 {} 重复", item.id));
            }
            if !self.dimensions.iter().any(|d| d.name == item.dimension) {
                return Err(format!(
                    "题目 {} 的维度“{}”未在 [[dimension]] 中定义",
                    item.id, item.dimension
                ));
            }
            if let Some(area) = &item.area
                && !self.areas.contains(area)
            {
                return Err(format!("题目 {} 的评价内容“{area}”未在 areas 中定义", item.id));
            }
            match (item.kind, item.favourable.as_deref()) {
                (ItemKind::YesNo, Some("是" | "否")) | (ItemKind::FiveLevel, None) => {}
                (ItemKind::YesNo, _) => {
                    return Err(format!("是否题 {} 的 favourable 应为 \"是\" 或 \"否\"", item.id));
                }
                (ItemKind::FiveLevel, Some(_)) => {
                    return Err(format!("五级题 {} 不应设置 favourable", item.id));
                }
            }
            if item.weight.is_nan() || item.weight <= 0.0 {
                return Err(format!("题目 {} 的权重应大于 0", item.id));
            }
        }
        self.users.check()?;
        self.assessment.check()?;
        self.export.check(&crate::results::COLUMN_LABELS)?;
        if self.grades.is_empty() {
            return Err("缺少 [[grade]] 评价档次".into());
        }
        if self.dimensions.iter().any(|d| d.weight.is_nan() || d.weight <= 0.0) {
            return Err("维度权重应大于 0".into());
        }
        if self.items.iter().filter(|i| i.overall).count() > 1 {
            return Err("只能有一个 overall = true 的总体满意度题目".into());
        }
        Ok(())
    }

    fn compile_export(&mut self) {
        let e = &self.export;
        self.wordings = (e.columns.iter())
            .flat_map(|(label, words)| words.iter().map(move |w| (normalize_label(w), label.clone())))
            .collect();
        self.prefixes = e.prefixes.iter().map(|p| normalize_label(p)).collect();
        // Longest first, so that 请填写您的 goes before 请填写.
        self.prefixes.sort_by_key(|p| std::cmp::Reverse(p.len()));
        self.blank_keys = e.blank.iter().map(|b| crate::text::match_key(b)).collect();
        self.platform_keys = BTreeMap::new();
        for (k, p) in e.platforms.iter().enumerate() {
            let times = p.time.iter().enumerate().map(|(rank, c)| (c, Some(rank)));
            for (c, time) in times.chain(p.columns.iter().map(|c| (c, None))) {
                self.platform_keys.entry(normalize_label(c)).or_insert((k, time));
            }
        }
    }

    /// The item whose question a header's words open (`label` normalised, its number
    /// dropped), at least 8 characters.
    fn item_by_opening(&self, words: &str) -> Option<usize> {
        words.chars().nth(7)?;
        let words = self.neutral(words);
        (self.export_questions.iter()).position(|question| question_opening_matches(question, &words))
    }

    /// Words with `[export] same`'s pairs read as one (用气 as 用水).
    fn neutral(&self, words: &str) -> String {
        let e = &self.export;
        e.same
            .iter()
            .fold(words.to_string(), |w, [from, to]| w.replace(from.as_str(), to))
    }

    /// The item whose question a header's words nearly are (an online survey's question
    /// retyped, a word changed), with the likeness: clearly the closest, and alike enough.
    /// Words longer than any question could be are none.
    fn item_alike(&self, words: &str) -> Option<(usize, f64)> {
        let n = words.chars().count();
        if !(8..=WORDS_LONGEST).contains(&n) {
            return None;
        }
        let pairs = bigrams(&self.neutral(words));
        let mut scores: Vec<(f64, usize)> = (self.question_pairs.iter().enumerate())
            .map(|(i, q)| (bigram_similarity(&pairs, q), i))
            .collect();
        scores.sort_by(|a, b| b.0.total_cmp(&a.0));
        match scores.as_slice() {
            [(best, i), rest @ ..]
                if *best >= WORDS_ALIKE && rest.first().is_none_or(|(next, _)| best - next >= WORDS_MARGIN) =>
            {
                Some((*i, *best))
            }
            _ => None,
        }
    }

    /// The template column's label (用户名称) that `[export.columns]` gives for normalised words.
    pub fn column_for_words(&self, words: &str) -> Option<&str> {
        self.wordings.get(words).map(String::as_str)
    }

    /// A fill-in question's words without its number and its opening (`15、您的单位名称` →
    /// `您的单位名称`, `单位名称`), for matching by meaning. `label` normalised.
    pub fn question_words<'l>(&self, label: &'l str) -> Vec<&'l str> {
        let words = strip_question_number(label).unwrap_or(label);
        let mut out = Vec::with_capacity(2);
        if words.len() < label.len() && !words.is_empty() {
            out.push(words);
        }
        if let Some(rest) = self.prefixes.iter().find_map(|p| words.strip_prefix(p.as_str()))
            && !rest.is_empty()
        {
            out.push(rest);
        }
        out
    }

    /// An online platform's own column: the platform's index in `export.platforms` and, for
    /// a submission time, its rank in the platform's `time`. `label` normalised.
    pub fn platform_column(&self, label: &str) -> Option<(usize, Option<usize>)> {
        self.platform_keys.get(label).copied()
    }

    /// Whether an answer is a platform's marker of a skipped or unanswered question.
    pub fn is_blank_marker(&self, text: &str) -> bool {
        !self.blank_keys.is_empty() && {
            let key = crate::text::match_key(text);
            self.blank_keys.contains(&key)
        }
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// Finds the item a header cell names: its id (`Q5`), its number (`5`, `问题5`,
    /// `第5题`, `5.在当地…`), its short name, an alias, or the opening words of its question.
    /// `label` must already be normalised with [`normalize_label`].
    pub fn item_for_header(&self, label: &str) -> Option<usize> {
        self.item_for(label, false)
    }

    /// Like [`Scheme::item_for_header`], for an online platform's export, with how closely it
    /// matched (1 its words, a name or an opening; below, the bigram likeness of words retyped).
    /// A question's number is the platform's own, so it decides nothing: words that match no
    /// question name none, and the question goes missing rather than wrong.
    pub fn item_for_export_header(&self, label: &str) -> Option<(usize, f64)> {
        let words = strip_question_number(label).unwrap_or(label);
        if words.is_empty() {
            return None; // a number alone (`2`, `第3题`): the platform's own numbering
        }
        if let Some(i) = self.item_for(label, true) {
            return Some((i, 1.0));
        }
        // A matrix question's rows: `13、请对以下方面评价—企业形象评价` (问卷星), `13.…:企业形象评价` (腾讯问卷).
        let row = words
            .rsplit_once(['—', '-', ':'])
            .map(|(_, r)| r)
            .filter(|r| !r.is_empty());
        let named = |w: &str| {
            let upper = w.to_uppercase();
            (self.header_upper.iter())
                .position(|(_, names)| names.contains(&upper))
                .or_else(|| self.item_by_opening(w))
                .map(|i| (i, 1.0))
        };
        row.and_then(named)
            .or_else(|| self.item_alike(words))
            .or_else(|| row.and_then(|r| self.item_alike(r)))
    }

    /// The item a header names (see [`Scheme::item_for_header`]); in an online platform's
    /// export (`export`) the question's number and an id followed by text decide nothing (the
    /// platform numbers its questions its own way): its words, or a name, do.
    fn item_for(&self, label: &str, export: bool) -> Option<usize> {
        let upper = label.to_uppercase();
        if !export && let Some(i) = self.items.iter().position(|i| i.id.eq_ignore_ascii_case(&upper)) {
            return Some(i);
        }
        // The template's own form, `Q7` + line break + `24小时咨询报修抢险投诉` (normalised to
        // `Q724小时…`): the id followed by the item's short name or an alias. Checked before
        // the question number, which a name opening with digits would lengthen.
        if let Some(i) = self.header_upper.iter().position(|(id, names)| {
            upper.strip_prefix(id.as_str()).is_some_and(|rest| {
                let rest = rest.trim_start_matches(['.', '、', ':', '．', '。', '-', '_']);
                // `upper` is the label upper-cased; names are compared upper-cased too.
                !rest.is_empty() && names.iter().any(|n| n == rest)
            })
        }) {
            return Some(i);
        }
        if export {
            // `4、用水(用气)报装…` is Q1's words; `5、报装信息便于获取` Q1's name.
            let words = strip_question_number(label).unwrap_or(label);
            let upper_words = words.to_uppercase();
            return (self.header_upper.iter())
                .position(|(_, names)| names.contains(&upper_words))
                .or_else(|| self.item_by_opening(words));
        }
        if let Some(n) = leading_question_number(&upper) {
            // `Q5…`, `5.…`, `问题5`, `第5题`: the number decides.
            if let Some(i) = self.items.iter().position(|i| i.number == Some(n)) {
                return Some(i);
            }
        }
        // `D2产品质量评价…`: an id followed by text.
        if let Some(i) = self.items.iter().zip(&self.header_upper).position(|(i, (id, _))| {
            upper.starts_with(id.as_str()) && upper[i.id.len()..].chars().next().is_some_and(|c| !c.is_ascii_digit())
        }) {
            return Some(i);
        }
        self.header_keys
            .iter()
            .position(|(names, question)| names.iter().any(|n| n == label) || question_opening_matches(question, label))
    }
}

/// The question number a header starts with: `5`, `5.…`, `5、…`, `Q5…`, `问题5`, `第5题`.
fn leading_question_number(label: &str) -> Option<u32> {
    let rest = label
        .strip_prefix("问题")
        .or_else(|| label.strip_prefix("题"))
        .or_else(|| label.strip_prefix('第'))
        .or_else(|| label.strip_prefix('Q'))
        .unwrap_or(label);
    let digits = &rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len())];
    if digits.is_empty() || digits.len() > 2 {
        return None;
    }
    let after = &rest[digits.len()..];
    let ok = after.is_empty()
        || after.starts_with(['.', '、', ':', '题', ' ', '．', '。'])
        || (!label.starts_with(|c: char| c.is_ascii_digit())
            && !after.starts_with(|c: char| c.is_ascii_alphanumeric()));
    if ok { digits.parse().ok() } else { None }
}

/// What follows a question number at the start of a header: `15、…`, `15.…`, `Q15.…`, `Q15…`,
/// `第15题…`, `问题15…`; `None` when it opens with no question number.
fn strip_question_number(label: &str) -> Option<&str> {
    let (rest, bare) = match label.strip_prefix(['Q', 'q']) {
        Some(r) => (r, false),
        None => match label.strip_prefix('第').or_else(|| label.strip_prefix("问题")) {
            Some(r) => (r, false),
            None => (label, true),
        },
    };
    let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    if digits == 0 || digits > 3 {
        return None;
    }
    let after = &rest[digits..];
    let after = after.strip_prefix('题').unwrap_or(after);
    match after.chars().next() {
        Some('、' | ':' | '．' | '。' | ')' | '_') => Some(&after[after.chars().next()?.len_utf8()..]),
        Some('.') if !after[1..].starts_with(|c: char| c.is_ascii_digit()) => Some(&after[1..]),
        None => Some(after),
        Some(_) if !bare => Some(after),
        Some(_) => None,
    }
}

/// A text's character bigrams, sorted (for [`bigram_similarity`]).
fn bigrams(text: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = text.chars().collect();
    let mut pairs: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
    pairs.sort_unstable();
    pairs
}

/// Dice's coefficient of two texts' sorted bigrams: 1 for the same text, 0 for none shared;
/// one pass over both.
fn bigram_similarity(a: &[(char, char)], b: &[(char, char)]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * shared as f64 / (a.len() + b.len()) as f64
}

/// The longest header words compared by likeness (a question is under 100 characters).
const WORDS_LONGEST: usize = 200;

/// How alike a header's words must be to a question (bigram similarity) to be taken for it,
/// and by how much it must beat the next question.
const WORDS_ALIKE: f64 = 0.6;
const WORDS_MARGIN: f64 = 0.15;

/// A header holding the question text (possibly cut short, possibly without its number).
fn question_opening_matches(question: &str, label: &str) -> bool {
    let label = label.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | '、' | ':' | '．'));
    // At least 8 characters (a UTF-8 character is at most 4 bytes, so fewer than 8 bytes is
    // fewer than 8 characters).
    label.len() >= 8 && label.chars().nth(7).is_some() && (question.starts_with(label) || label.starts_with(question))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_numbers_of_every_form_are_dropped_and_nothing_else() {
        let cases = [
            ("15、用户类型", Some("用户类型")),
            ("3.您的联系电话", Some("您的联系电话")),
            ("Q7.服务热线", Some("服务热线")),
            ("Q12", Some("")),
            ("第6题", Some("")),
            ("第6题用户名称", Some("用户名称")),
            ("问题3:是否满意", Some("是否满意")),
            ("1.5倍", None),
            ("2026年", None),
            ("13800000000", None),
            ("用户名称", None),
        ];
        for (label, want) in cases {
            assert_eq!(strip_question_number(label), want, "{label}");
        }
    }

    #[test]
    fn an_export_header_is_known_by_its_words_not_its_number() {
        let s = Scheme::builtin();
        let id = |h: &str| {
            s.item_for_export_header(&normalize_label(h))
                .map(|(i, _)| s.items[i].id.as_str())
        };
        // The platform's number 4 is Q1's words.
        assert_eq!(
            id("4、用水(用气)报装服务流程、服务标准、承诺办理时限、收费标准及有关政策信息是否便于获取?"),
            Some("Q1")
        );
        // Retyped a little: nearly Q9's words.
        assert_eq!(id("12.供水企业是否在承诺时限内按时办结报装?"), Some("Q9"));
        // Words of no question: none, though 5 is a question's number.
        assert_eq!(id("5、您是否在网上办过业务"), None);
        // A number alone is the platform's own numbering; a matrix row names its item.
        assert_eq!(id("Q5"), None);
        assert_eq!(id("2"), None);
        assert_eq!(id("13、请您对以下方面作出评价—企业形象评价"), Some("D1"));
        assert_eq!(id("13.请您对以下方面作出评价:产品质量评价(水质水压)"), Some("D2"));
        // Outside an export the number decides as before.
        assert_eq!(
            s.item_for_header(&normalize_label("5、您是否在网上办过业务"))
                .map(|i| s.items[i].id.as_str()),
            Some("Q5")
        );
    }

    #[test]
    fn a_template_header_keeps_its_question_and_a_huge_header_is_no_work() {
        let s = Scheme::builtin();
        // `Q7投诉`: the id and a word, as before.
        assert_eq!(
            s.item_for_header(&normalize_label("Q7投诉"))
                .map(|i| s.items[i].id.as_str()),
            Some("Q7")
        );
        // A 32,000-character header is compared with no question.
        let huge = "满意".repeat(16_000);
        let started = std::time::Instant::now();
        assert_eq!(s.item_for_export_header(&huge), None);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn no_two_questions_are_alike_enough_to_be_taken_for_each_other() {
        let s = Scheme::builtin();
        let q = &s.question_pairs;
        for i in 0..q.len() {
            for j in 0..q.len() {
                let sim = bigram_similarity(&q[i], &q[j]);
                if i == j {
                    assert_eq!(sim, 1.0);
                } else {
                    assert!(sim < WORDS_ALIKE, "{} ~ {}: {sim}", s.items[i].id, s.items[j].id);
                }
            }
        }
    }

    #[test]
    fn fill_in_questions_are_known_by_their_words_from_the_scheme() {
        let s = Scheme::builtin();
        assert_eq!(s.column_for_words("单位或姓名"), Some("用户名称"));
        assert_eq!(s.question_words("17、您的联系电话"), ["您的联系电话", "联系电话"]);
        assert_eq!(s.question_words("您对我们有什么意见或投诉"), ["有什么意见或投诉"]);
        assert!(s.is_blank_marker("(跳过)") && s.is_blank_marker("（空）") && s.is_blank_marker("-3"));
        assert!(!s.is_blank_marker("跳过") && !s.is_blank_marker("3"));
        let wjx = &s.export.platforms[s.platform_column("来自IP").unwrap().0];
        assert_eq!(wjx.name, "问卷星");
        assert_eq!(s.platform_column("提交答卷时间").map(|(_, t)| t), Some(Some(0)));
        // A scheme without [export] reads exports as the default one does.
        let text = DEFAULT_SCHEME.split("[export]").next().unwrap().to_string()
            + &DEFAULT_SCHEME[DEFAULT_SCHEME.find("# 五级评价档次").unwrap()..];
        let own = Scheme::parse(&text, Path::new("own.toml")).unwrap();
        assert_eq!(own.column_for_words("单位或姓名"), Some("用户名称"));
        // A column that is no template column is refused.
        let bad = DEFAULT_SCHEME.replace("\"建议\" = [", "\"备注\" = [");
        let e = Scheme::parse(&bad, Path::new("bad.toml")).unwrap_err();
        assert!(e.contains("“备注”不是模板的列名"), "{e}");
    }

    #[test]
    fn builtin_scheme_matches_the_spec_table() {
        let s = Scheme::builtin();
        assert_eq!(s.items.len(), 16);
        let negative: Vec<_> = s
            .items
            .iter()
            .filter(|i| i.favourable.as_deref() == Some("否"))
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(negative, ["Q8", "Q10", "Q11"]);
        let red: Vec<_> = s.items.iter().filter(|i| i.red_line).map(|i| i.id.as_str()).collect();
        assert_eq!(red, ["Q10", "Q11"]);
        assert_eq!(s.item("D2").unwrap().dimension, "产品质量");
        assert_eq!(s.thresholds.action, 80.0);
        assert_eq!(s.thresholds.min_sample, 30);
        assert_eq!(s.thresholds.min_ranked, 3);
        let total: f64 = s.dimensions.iter().map(|d| d.weight).sum();
        assert!((total - 1.0).abs() < 1e-12);
        assert!(s.items.iter().find(|i| i.overall).is_some_and(|i| i.id == "Q12"));
    }

    #[test]
    fn headers_find_their_items() {
        let s = Scheme::builtin();
        let id = |h: &str| s.item_for_header(&normalize_label(h)).map(|i| s.items[i].id.clone());
        assert_eq!(id("Q5").as_deref(), Some("Q5"));
        assert_eq!(id("q5").as_deref(), Some("Q5"));
        assert_eq!(id("5").as_deref(), Some("Q5"));
        assert_eq!(id("问题5").as_deref(), Some("Q5"));
        assert_eq!(id("第5题").as_deref(), Some("Q5"));
        assert_eq!(id("5.在当地是否可以通过政务服务网、鄂汇办…").as_deref(), Some("Q5"));
        assert_eq!(id("５．在当地是否可以通过政务服务网").as_deref(), Some("Q5"));
        assert_eq!(id("Q12 报装服务总体满意度").as_deref(), Some("Q12"));
        assert_eq!(id("10、是否违规收取其他费用").as_deref(), Some("Q10"));
        assert_eq!(id("D2 产品质量评价(水质水压/气质气压)").as_deref(), Some("D2"));
        assert_eq!(id("企业形象评价").as_deref(), Some("D1"));
        assert_eq!(
            id("在当地办理用水(用气)报装是否实现了“最多跑一次”").as_deref(),
            Some("Q6")
        );
        assert_eq!(id("Q7\n24小时咨询报修抢险投诉").as_deref(), Some("Q7"));
        assert_eq!(id("Q7 24小时咨询报修抢险投诉").as_deref(), Some("Q7"));
        assert_eq!(id("Q12\n报装服务总体满意度").as_deref(), Some("Q12"));
        assert_eq!(id("Q1\n报装信息便于获取").as_deref(), Some("Q1"));
        assert_eq!(id("D2\n产品质量评价(水质水压/气质气压)").as_deref(), Some("D2"));
        assert_eq!(id("用户名称"), None);
        assert_eq!(id("2026"), None);
    }
}
