//! The evaluation scheme: items, answer values, polarity, dimensions, weights, thresholds
//! and suggested measures, read from `templates/scheme.toml` (embedded as the default).
//!
//! Every later stage asks the scheme instead of matching on question ids; the scheme
//! touches nothing but its own file.

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

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// Finds the item a header cell names: its id (`Q5`), its number (`5`, `问题5`,
    /// `第5题`, `5.在当地…`), its short name, an alias, or the opening words of its question.
    /// `label` must already be normalised with [`normalize_label`].
    pub fn item_for_header(&self, label: &str) -> Option<usize> {
        let upper = label.to_uppercase();
        if let Some(i) = self.items.iter().position(|i| i.id.eq_ignore_ascii_case(&upper)) {
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
