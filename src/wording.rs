//! The report wording (`templates/report.toml`): the names of the files, the titles and the
//! paragraph templates every document uses, and one table per document (`[report]`,
//! `[summary]`, `[form]` …) of its headings, column headings, notes and labels, as data, so
//! that a city can change the text without touching code. Renderers look an entry up by its
//! path, `"report.no_complaints"` ([`Wording::text`], [`Wording::with`]); the names, titles and
//! paragraphs also by key ([`Wording::name`] …). Placeholders such as `{period_label}` are
//! filled at render time; a template naming a placeholder that does not exist is refused when
//! the file is read, and an entry a city's file leaves out keeps the built-in words.
//! `tests/cli/wording.rs` checks that every entry is looked up and every lookup exists.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

/// The built-in wording.
pub const DEFAULT_WORDING: &str = include_str!("../templates/report.toml");

/// The placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "change",
    "list",
    "status",
    "statuses",
    "reasons",
    "party",
    "what",
    "city",
    "period",
    "period_label",
    "kind",
    "enterprise",
    "unit",
    "responses",
    "enterprises",
    "units",
    "composite",
    "overall",
    "threshold",
    "min_sample",
    "min_answers",
    "deadline_days",
    "bureau",
    "items",
    "missing",
    "rank",
    "recipient",
    "documents",
    // The values of one sentence of a document (see the comments of its table).
    "count",
    "score",
    "name",
    "who",
    "dimension",
    "utility",
    "previous",
    "minor",
    "scope",
    "checked",
    "flagged",
    "why",
    "water",
    "year",
    "sampled",
    "self",
    "rectification",
    "gas",
    "large",
    "others",
    "weighted",
    "plain",
    "bias_flag",
    "significance",
    "drawn_at",
    "seed",
    "extra",
    "top",
    "rest",
    "ranked",
    "self_n",
    "self_composite",
    "sampled_n",
    "sampled_composite",
    "difference",
    "flag",
    "weight",
    "weights",
    "caption",
    "part",
    "parts",
    "grades",
    "reversed",
    "received_at",
    "value",
    "problem",
    "sheet",
    "version",
    "signer",
    "number",
    "start",
    "end",
    "days",
    "contact",
    "before",
    "after",
    "n_before",
    "n_after",
    "callback_days",
    "rectify_days",
    "date",
];

/// One table of the wording: key → template.
pub type Table = BTreeMap<String, String>;

/// The wording of the documents.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wording {
    /// The issuing authority (发布机关), e.g. `{city}住房和城乡建设局`.
    pub bureau: String,
    /// File names (without extension), by document.
    pub names: Table,
    /// Titles and section headings.
    pub titles: Table,
    /// Paragraph templates.
    pub paragraphs: Table,
    /// The words of the PDF analysis reports (city and enterprise), looked up as `report.KEY`.
    #[serde(default)]
    pub report: Table,
    /// The words of the summary workbook (`summary.KEY`).
    #[serde(default)]
    pub summary: Table,
    /// The words of the public page and its PDF (`public.KEY`).
    #[serde(default)]
    pub public: Table,
    /// The words of the blank return form (`form.KEY`).
    #[serde(default)]
    pub form: Table,
    /// The words of the internal detail workbook (`detail.KEY`).
    #[serde(default)]
    pub detail: Table,
    /// The words of the feedback workbooks (`feedback.KEY`).
    #[serde(default)]
    pub feedback: Table,
    /// The words of the return notices (`notice.KEY`).
    #[serde(default)]
    pub notice: Table,
    /// Words every workbook shares (`sheet.KEY`).
    #[serde(default)]
    pub sheet: Table,
    /// The marks and lines of review and sign-off (`release.KEY`, SPEC §9b).
    #[serde(default)]
    pub release: Table,
    /// The words of the enterprises' ledgers (`ledger.KEY`, SPEC §11).
    #[serde(default)]
    pub ledger: Table,
}

/// The tables of the wording, in the file's order.
pub const TABLES: &[&str] = &[
    "names",
    "titles",
    "paragraphs",
    "report",
    "summary",
    "public",
    "form",
    "detail",
    "feedback",
    "notice",
    "sheet",
    "release",
    "ledger",
];

/// The keys the documents look up; a wording file must define each.
const REQUIRED: &[(&str, &[&str])] = &[
    (
        "names",
        &[
            "summary_workbook",
            "detail_workbook",
            "city_report",
            "enterprise_report",
            "public_page",
            "feedback_workbook",
        ],
    ),
    ("titles", &["city_report", "enterprise_report", "public_page"]),
    (
        "paragraphs",
        &["overview", "method", "improvement", "public_intro", "public_note"],
    ),
];

impl Wording {
    /// The embedded default wording.
    pub fn builtin() -> Wording {
        Wording::parse(DEFAULT_WORDING, Path::new("templates/report.toml"))
            .expect("the embedded wording is valid (checked by a unit test)")
    }

    /// Parses and checks a wording file's text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Wording, String> {
        let mut wording: Wording = toml::from_str(text).map_err(|e| crate::text::toml_error_zh(path, text, &e))?;
        let err = |msg: String| format!("报告用语 {}:{msg}", path.display());
        for (table, keys) in REQUIRED {
            let map = wording.table(table);
            for key in *keys {
                if !map.contains_key(*key) {
                    return Err(err(format!("[{table}] 缺少 {key}")));
                }
            }
        }
        if text != DEFAULT_WORDING {
            // Entries a city's file leaves out (headings added in later versions) keep the
            // built-in wording.
            let builtin = Wording::builtin();
            for table in TABLES {
                let mine = wording.table_mut(table);
                for (k, v) in builtin.table(table) {
                    mine.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        let all = std::iter::once(("", "bureau", &wording.bureau)).chain(
            TABLES
                .iter()
                .flat_map(|t| wording.table(t).iter().map(move |(k, v)| (*t, k.as_str(), v))),
        );
        for (table, key, template) in all {
            // File names are matched by delivery: they may use only what names a document.
            const NAME_PLACEHOLDERS: &[&str] =
                &["city", "period", "period_label", "kind", "bureau", "enterprise", "unit"];
            if table == "names"
                && let Some(bad) = placeholders(template)
                    .into_iter()
                    .find(|n| !NAME_PLACEHOLDERS.contains(n))
            {
                return Err(err(format!(
                    "[names] {key} 中的占位符 {{{bad}}} 不能用于文件名;文件名只能用 {}",
                    NAME_PLACEHOLDERS
                        .iter()
                        .map(|p| format!("{{{p}}}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                )));
            }
            for name in placeholders(template) {
                if !PLACEHOLDERS.contains(&name) {
                    let at = if table.is_empty() {
                        key.to_string()
                    } else {
                        format!("[{table}] {key}")
                    };
                    return Err(err(format!(
                        "{at} 中的占位符 {{{name}}} 不存在;可用的有 {}",
                        PLACEHOLDERS
                            .iter()
                            .map(|p| format!("{{{p}}}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    )));
                }
            }
        }
        Ok(wording)
    }

    /// The table named `name` (one of [`TABLES`]).
    pub fn table(&self, name: &str) -> &Table {
        match name {
            "names" => &self.names,
            "titles" => &self.titles,
            "report" => &self.report,
            "summary" => &self.summary,
            "public" => &self.public,
            "form" => &self.form,
            "detail" => &self.detail,
            "feedback" => &self.feedback,
            "notice" => &self.notice,
            "sheet" => &self.sheet,
            "release" => &self.release,
            "ledger" => &self.ledger,
            _ => &self.paragraphs,
        }
    }

    fn table_mut(&mut self, name: &str) -> &mut Table {
        match name {
            "names" => &mut self.names,
            "titles" => &mut self.titles,
            "report" => &mut self.report,
            "summary" => &mut self.summary,
            "public" => &mut self.public,
            "form" => &mut self.form,
            "detail" => &mut self.detail,
            "feedback" => &mut self.feedback,
            "notice" => &mut self.notice,
            "sheet" => &mut self.sheet,
            "release" => &mut self.release,
            "ledger" => &mut self.ledger,
            _ => &mut self.paragraphs,
        }
    }

    /// The template at `path` (`report.no_complaints`: table, dot, key) as written, for
    /// words without placeholders; a path the wording lacks gives itself.
    pub fn text<'a>(&'a self, path: &'a str) -> &'a str {
        path.split_once('.')
            .filter(|(table, _)| TABLES.contains(table))
            .and_then(|(table, key)| self.table(table).get(key))
            .map_or(path, String::as_str)
    }

    /// The template at `path` filled with `values`.
    pub fn fill(&self, path: &str, values: &Values) -> String {
        fill(self.text(path), values)
    }

    /// The template at `path` filled with a few named values: `w.with("report.rank",
    /// &[("rank", &3), ("ranked", &12)])`.
    pub fn with(&self, path: &str, values: &[(&'static str, &dyn std::fmt::Display)]) -> String {
        let values: Values = values.iter().map(|(k, v)| (*k, v.to_string())).collect();
        fill(self.text(path), &values)
    }

    /// A file name (`names.summary_workbook`) filled with `values`.
    pub fn name(&self, key: &str, values: &Values) -> String {
        fill(self.names.get(key).map_or(key, String::as_str), values)
    }

    /// A title or heading filled with `values`.
    pub fn title(&self, key: &str, values: &Values) -> String {
        fill(self.titles.get(key).map_or(key, String::as_str), values)
    }

    /// A paragraph filled with `values`.
    /// The template at `path` (`ledger.intro`) filled with `values`.
    pub fn paragraph_in(&self, path: &str, values: &Values) -> String {
        fill(self.text(path), values)
    }

    pub fn paragraph(&self, key: &str, values: &Values) -> String {
        fill(self.paragraphs.get(key).map_or("", String::as_str), values)
    }

    /// The issuing authority.
    pub fn bureau(&self, values: &Values) -> String {
        fill(&self.bureau, values)
    }
}

/// The values of the placeholders for one document.
pub type Values = BTreeMap<&'static str, String>;

/// The placeholder names in a template, in order.
fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

/// `template` with each `{name}` replaced by its value (an unknown or missing value by an
/// empty string: templates are checked when read).
pub fn fill(template: &str, values: &Values) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                if let Some(v) = values.get(&after[..close]) {
                    out.push_str(v);
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_wording_is_complete_and_fills() {
        let w = Wording::builtin();
        let values: Values = [
            ("period_label", "2026年10月".to_string()),
            ("city", "天门市".to_string()),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            w.name("summary_workbook", &values),
            "2026年10月供水供气企业服务满意度汇总表"
        );
        assert_eq!(w.bureau(&values), "天门市住房和城乡建设局");
        assert!(w.paragraph("method", &values).contains("加权平均"));
    }

    #[test]
    fn an_unknown_placeholder_is_refused_with_its_place() {
        let text = DEFAULT_WORDING.replace("{period_label}供水供气企业服务满意度汇总表", "{month}汇总表");
        let e = Wording::parse(&text, Path::new("/srv/report.toml")).unwrap_err();
        assert!(
            e.contains("[names] summary_workbook") && e.contains("{month}") && e.contains("/srv/report.toml"),
            "{e}"
        );
        let text = DEFAULT_WORDING.replace("public_note = ", "public_notes = ");
        let e = Wording::parse(&text, Path::new("r.toml")).unwrap_err();
        assert!(e.contains("缺少 public_note"), "{e}");
    }

    #[test]
    fn a_file_name_may_only_use_what_names_a_document() {
        let text = DEFAULT_WORDING.replace(
            "city_report = \"{period_label}{city}供水供气企业服务满意度分析报告\"",
            "city_report = \"{period_label}{city}分析报告(综合{composite}分)\"",
        );
        assert_ne!(text, DEFAULT_WORDING);
        let e = Wording::parse(&text, Path::new("r.toml")).unwrap_err();
        assert!(e.contains("[names] city_report") && e.contains("{composite}"), "{e}");
    }

    #[test]
    fn a_documents_sentence_is_reworded_and_what_a_file_leaves_out_is_the_builtin() {
        let builtin = Wording::builtin();
        let text = DEFAULT_WORDING.replace("本期没有收到意见或投诉。", "本期未收到意见。");
        // A city's file without the later tables ([form] onwards).
        let text = &text[..text.find("\n[form]").expect("the [form] table")];
        let w = Wording::parse(text, Path::new("r.toml")).unwrap();
        assert_eq!(w.text("report.no_complaints"), "本期未收到意见。");
        assert_eq!(
            w.text("form.sheet_instructions"),
            builtin.text("form.sheet_instructions")
        );
        assert_eq!(w.text("sheet.page_footer"), "第 &P 页,共 &N 页");
        assert_eq!(
            w.with("report.rank_of", &[("rank", &3), ("ranked", &12)]),
            "第 3 位（共 12 家参与排名）"
        );
    }

    #[test]
    fn an_unknown_placeholder_in_a_documents_table_is_refused_with_its_place() {
        let text = DEFAULT_WORDING.replace("与 {previous} 相比", "与 {last_period} 相比");
        assert_ne!(text, DEFAULT_WORDING);
        let e = Wording::parse(&text, Path::new("r.toml")).unwrap_err();
        assert!(e.contains("[report] no_declines") && e.contains("{last_period}"), "{e}");
    }

    #[test]
    fn the_improvement_paragraph_says_the_schemes_minimum_of_answers() {
        let w = Wording::builtin();
        let values: Values = [("min_answers", "8".to_string())].into_iter().collect();
        assert!(w.paragraph("improvement", &values).contains("有效回答不少于 8 份"));
    }

    #[test]
    fn fill_leaves_text_without_placeholders_alone() {
        let v = Values::new();
        assert_eq!(fill("无占位符", &v), "无占位符");
        assert_eq!(fill("未闭合{", &v), "未闭合{");
        assert_eq!(fill("{city}市", &v), "市");
    }
}
