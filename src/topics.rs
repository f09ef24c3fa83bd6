//! The complaint-topic dictionary: the keyword topics that the users' free-text complaints and
//! suggestions are grouped into (`templates/topics.toml`, embedded as the default; policy
//! §8.2, SPEC §4). Loaded with the configuration, like the scheme and the wording; the
//! analysis stage classifies with it. It touches nothing but its inputs: no
//! database, no files, no clock.

use std::collections::HashSet;

use serde::Deserialize;

use crate::text::half_width;

/// The built-in topic dictionary.
pub const DEFAULT_TOPICS: &str = include_str!("../templates/topics.toml");

/// One complaint topic: its name and the keywords that put a text into it. The catch-all
/// topic (其他) has no keywords.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub name: String,
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// The topic dictionary, in report order; the catch-all topic is last.
#[derive(Debug, Clone)]
pub struct Topics {
    pub topics: Vec<Topic>,
    /// Each topic's keywords folded once ([`fold`]), for [`Topics::classify`].
    folded: Vec<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicsFile {
    #[serde(default)]
    topic: Vec<Topic>,
}

impl Topics {
    /// The embedded default dictionary.
    pub fn builtin() -> Topics {
        Topics::parse(DEFAULT_TOPICS, "templates/topics.toml")
            .expect("the embedded topic dictionary is valid (checked by a unit test)")
    }

    /// Parses and checks a dictionary's text; `origin` (a path) only names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Topics, String> {
        let file: TopicsFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| format!(" 第 {} 行", text[..s.start.min(text.len())].matches('\n').count() + 1))
                .unwrap_or_default();
            format!("投诉主题词典 {origin}{line}:格式错误({})", e.message().trim())
        })?;
        let folded = file
            .topic
            .iter()
            .map(|t| t.keywords.iter().map(|k| fold(k)).filter(|k| !k.is_empty()).collect())
            .collect();
        let topics = Topics {
            topics: file.topic,
            folded,
        };
        topics.check().map_err(|e| format!("投诉主题词典 {origin}:{e}"))?;
        Ok(topics)
    }

    fn check(&self) -> Result<(), String> {
        if self.topics.is_empty() {
            return Err("至少需要一个主题([[topic]])".to_string());
        }
        let mut seen = HashSet::new();
        for (i, t) in self.topics.iter().enumerate() {
            let name = t.name.trim();
            if name.is_empty() {
                return Err(format!("第 {} 个主题的名称为空", i + 1));
            }
            if !seen.insert(name) {
                return Err(format!("主题名称“{name}”重复"));
            }
            if t.keywords.iter().any(|k| fold(k).is_empty()) {
                return Err(format!("主题“{name}”有空的关键词"));
            }
        }
        let catch_all: Vec<&str> = self
            .topics
            .iter()
            .filter(|t| t.keywords.is_empty())
            .map(|t| t.name.trim())
            .collect();
        match catch_all.as_slice() {
            [] => Err("缺少兜底主题:最后一个主题(如“其他”)应不设关键词,用于收纳未匹配任何主题的意见".to_string()),
            [_] if self.topics.last().is_some_and(|t| t.keywords.is_empty()) => Ok(()),
            [one] => Err(format!("不设关键词的兜底主题“{one}”应放在最后")),
            many => Err(format!("只能有一个不设关键词的兜底主题,现有:{}", many.join("、"))),
        }
    }

    /// Index of the catch-all topic (the one without keywords), if any.
    pub fn catch_all(&self) -> Option<usize> {
        self.topics.iter().rposition(|t| t.keywords.is_empty())
    }

    /// Indices of the topics a complaint text mentions (by keyword, after full-width→half-width
    /// and case folding), in dictionary order; the catch-all's index alone when none matches;
    /// empty for a text that is blank or says nothing (无, 没有, 无意见, 暂无, 满意, /, -, 没意见 …).
    pub fn classify(&self, text: &str) -> Vec<usize> {
        if says_nothing(text) {
            return Vec::new();
        }
        let folded = fold(text);
        let hits: Vec<usize> = self
            .folded
            .iter()
            .enumerate()
            .filter(|(_, keywords)| keywords.iter().any(|k| folded.contains(k.as_str())))
            .map(|(i, _)| i)
            .collect();
        if hits.is_empty() {
            self.catch_all().into_iter().collect()
        } else {
            hits
        }
    }
}

/// The form keywords and texts are compared in: half-width, lower-case, no whitespace.
fn fold(s: &str) -> String {
    s.chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Answers that say nothing (compared without punctuation, spaces or symbols).
const NOTHING: &[&str] = &[
    "无",
    "无无",
    "暂无",
    "没有",
    "没",
    "无意见",
    "没意见",
    "没有意见",
    "暂无意见",
    "暂时没有",
    "目前没有",
    "目前无",
    "无建议",
    "没有建议",
    "暂无建议",
    "无意见建议",
    "无意见和建议",
    "无意见或建议",
    "暂无意见建议",
    "暂无意见和建议",
    "无其他意见",
    "没有其他意见",
    "暂无其他意见",
    "无投诉",
    "没有投诉",
    "无异议",
    "没什么",
    "没什么意见",
    "没啥",
    "没啥意见",
    "无问题",
    "没问题",
    "没有问题",
    "满意",
    "很满意",
    "非常满意",
    "比较满意",
    "基本满意",
    "都满意",
    "满意无意见",
    "好",
    "很好",
    "挺好",
    "挺好的",
    "都好",
    "还好",
    "还行",
    "可以",
    "正常",
    "一切正常",
    "一切都好",
    "不清楚",
    "不知道",
    "none",
    "no",
    "na",
    "nil",
    "null",
];

fn says_nothing(text: &str) -> bool {
    let core: String = fold(text).chars().filter(|c| c.is_alphanumeric()).collect();
    core.is_empty() || NOTHING.contains(&core.as_str())
}

// ---------------------------------------------------------------------------------------------
// Anonymisation

#[cfg(test)]
mod tests {
    use super::*;

    fn names(t: &Topics, text: &str) -> Vec<String> {
        t.classify(text).into_iter().map(|i| t.topics[i].name.clone()).collect()
    }

    #[test]
    fn builtin_dictionary_has_the_spec_topics_in_order() {
        let t = Topics::builtin();
        let got: Vec<&str> = t.topics.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            got,
            [
                "收费",
                "办理时限",
                "申请材料",
                "推诿",
                "服务态度",
                "水压水质/气压",
                "停水停气",
                "抢修",
                "热线",
                "线上办理",
                "其他"
            ]
        );
        for topic in &t.topics[..10] {
            assert!(
                (6..=15).contains(&topic.keywords.len()),
                "{}: {}",
                topic.name,
                topic.keywords.len()
            );
        }
        assert_eq!(t.catch_all(), Some(10));
        assert!(t.topics[10].keywords.is_empty());
    }

    #[test]
    fn classify_finds_one_topic() {
        let t = Topics::builtin();
        assert_eq!(names(&t, "安装的时候乱收费,还要交押金"), ["收费"]);
        assert_eq!(names(&t, "报装等了一个多月,迟迟没有通水"), ["办理时限"]);
        assert_eq!(names(&t, "水质浑浊,有时候发黄"), ["水压水质/气压"]);
        assert_eq!(names(&t, "两个部门互相推,踢皮球"), ["推诿"]);
        assert_eq!(names(&t, "营业厅工作人员态度差"), ["服务态度"]);
        assert_eq!(names(&t, "停水没通知"), ["停水停气"]);
        assert_eq!(names(&t, "报修后两天才来人"), ["抢修"]);
        assert_eq!(names(&t, "热线电话打不通"), ["热线"]);
        assert_eq!(names(&t, "希望能在鄂汇办上办理"), ["线上办理"]);
        assert_eq!(names(&t, "要提供的申请材料太多"), ["申请材料"]);
    }

    #[test]
    fn classify_finds_several_topics_in_dictionary_order() {
        let t = Topics::builtin();
        assert_eq!(
            t.classify("气压太低火小,打热线没人接,上门维修还收费"),
            [0, 5, 7, 8] // 收费, 水压水质/气压, 抢修, 热线
        );
    }

    #[test]
    fn classify_folds_full_width_and_case() {
        let t = Topics::builtin();
        assert_eq!(names(&t, "ａｐｐ上没法报装"), ["线上办理"]);
        assert_eq!(names(&t, "App 老是登不上"), ["线上办理"]);
        assert_eq!(names(&t, "打１２３４５才有人管"), ["热线"]);
        assert_eq!(names(&t, "水 压 低"), ["水压水质/气压"]);
    }

    #[test]
    fn classify_puts_unmatched_complaints_into_the_catch_all() {
        let t = Topics::builtin();
        assert_eq!(names(&t, "希望多开展节水宣传"), ["其他"]);
        assert_eq!(names(&t, "不满意"), ["其他"]);
    }

    #[test]
    fn classify_ignores_answers_that_say_nothing() {
        let t = Topics::builtin();
        for text in [
            "",
            "   ",
            "无",
            "无。",
            "没有",
            "没有!",
            "无意见",
            "暂无",
            "暂无。",
            "满意",
            "很满意",
            "/",
            "-",
            "—",
            "——",
            "没意见",
            "无意见和建议",
            "ＮＯＮＥ",
            "n/a",
            "……",
            " 无 ",
        ] {
            assert!(t.classify(text).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn parse_rejects_a_duplicate_name() {
        let text = "[[topic]]\nname = \"收费\"\nkeywords = [\"收费\"]\n[[topic]]\nname = \"收费\"\nkeywords = [\"押金\"]\n[[topic]]\nname = \"其他\"\n";
        let e = Topics::parse(text, "my/topics.toml").unwrap_err();
        assert!(e.contains("my/topics.toml") && e.contains("“收费”重复"), "{e}");
    }

    #[test]
    fn parse_rejects_a_missing_or_misplaced_catch_all() {
        let missing = "[[topic]]\nname = \"收费\"\nkeywords = [\"收费\"]\n";
        let e = Topics::parse(missing, "t.toml").unwrap_err();
        assert!(e.contains("t.toml") && e.contains("缺少兜底主题"), "{e}");

        let not_last = "[[topic]]\nname = \"其他\"\n[[topic]]\nname = \"收费\"\nkeywords = [\"收费\"]\n";
        let e = Topics::parse(not_last, "t.toml").unwrap_err();
        assert!(e.contains("“其他”应放在最后"), "{e}");

        let two = "[[topic]]\nname = \"杂项\"\nkeywords = []\n[[topic]]\nname = \"其他\"\n";
        let e = Topics::parse(two, "t.toml").unwrap_err();
        assert!(e.contains("只能有一个") && e.contains("杂项、其他"), "{e}");
    }

    #[test]
    fn parse_rejects_no_topics_blank_keywords_and_bad_toml() {
        let e = Topics::parse("# 空\n", "t.toml").unwrap_err();
        assert!(e.contains("至少需要一个主题"), "{e}");

        let blank = "[[topic]]\nname = \"收费\"\nkeywords = [\"收费\", \" \"]\n[[topic]]\nname = \"其他\"\n";
        let e = Topics::parse(blank, "t.toml").unwrap_err();
        assert!(e.contains("“收费”有空的关键词"), "{e}");

        let unknown = "[[topic]]\nname = \"其他\"\nkeyword = [\"x\"]\n";
        let e = Topics::parse(unknown, "t.toml").unwrap_err();
        assert!(e.contains("t.toml 第 3 行") && e.contains("格式错误"), "{e}");
    }

    #[test]
    fn parse_accepts_a_minimal_dictionary() {
        let t = Topics::parse(
            "[[topic]]\nname = \"水压\"\nkeywords = [\"水压\"]\n[[topic]]\nname = \"其他\"\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(t.classify("水压低"), [0]);
        assert_eq!(t.classify("别的"), [1]);
    }
}
