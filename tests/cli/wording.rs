//! The wording is the one place a document's sentences come from: every entry of
//! `templates/report.toml` is looked up by the code, every lookup names an entry that exists,
//! and `src/render/` writes no Chinese sentence of its own.
//!
//! Lookups are string literals: `"report.no_complaints"` (a table, a dot, a key) for
//! `Wording::text`/`with`, or the bare key given to `Wording::name`/`title`/`paragraph` for the
//! first three tables. The test reads `src/` for them, so a key whose only lookup is removed,
//! or a lookup of a misspelt key, fails here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::REPO;

/// The tables looked up as `"table.key"`; the first three are also looked up by bare key.
const BARE: &[&str] = &["names", "titles", "paragraphs"];

/// Chinese literals that stay in `src/render/`, by file, and why: data and names that are not
/// a document's wording (log messages, folder names, keys of the results, numerals).
const ALLOWED: &[(&str, &[&str], &str)] = &[
    (
        "ledger.rs",
        &[
            "整改台账",
            "填报单位",
            "报表类型",
            "所属期",
            "截至",
            "整改闭环汇总",
            "退回意见",
            "整改台账退回意见",
            "申诉复核表",
        ],
        "ledger::FOLDER and FEEDBACK_FOLDER (delivery and the ledger summary live there) and the \
         renderers' names; the metadata labels the program reads back from a returned ledger or \
         review, as from any return",
    ),
    (
        "mod.rs",
        &["签发", "{ISSUED}/第{version}版", "【送审稿】"],
        "the folders of the issued versions and the drafts' file-name prefix (SPEC §9b): fixed \
         places that delivery, the manifest and the tests find documents by, not words",
    ),
    (
        "report.rs",
        &[
            "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
        ],
        "section numerals (一、… and （一）…), not words",
    ),
    (
        "report.rs",
        &["全市"],
        "the city group's key in the results (results::Level::City), data, not the label shown",
    ),
    (
        "report.rs",
        &["企业报告"],
        "report::FOLDER, the folder of the enterprise reports that delivery and the tests find them in",
    ),
    (
        "report.rs",
        &[
            "全市分析报告",
            "企业分析报告",
            "{}：字体中没有这些字符，已显示为 □：{chars}",
        ],
        "renderer names and a log message (RenderError, tracing), for the operator, not in a document",
    ),
    ("summary.rs", &["汇总表"], "the renderer's name in messages"),
    (
        "summary.rs",
        &["否"],
        "an answer value of the scheme (favourable = \"否\" in scheme.toml), data compared, not shown",
    ),
    (
        "detail.rs",
        &["明细表", "明细表: rows written in {:?}", "明细表写入线程异常退出"],
        "the renderer's name and log/error messages, for the operator",
    ),
    (
        "sheet_stream.rs",
        &[
            "工作簿骨架不符合预期:{what}",
            "写入时行数发生变化:应为 {n_rows} 行,实际 {written} 行",
        ],
        "error messages, for the operator",
    ),
    (
        "feedback.rs",
        &["退回意见"],
        "feedback::FOLDER (delivery finds the workbooks there) and the renderer's name",
    ),
    (
        "form.rs",
        &["调查问卷", "代码表", "=代码表!${col}$2:${col}${}"],
        "sheet names the form and intake agree on (form::DATA_SHEET, cited in cell places such as \
         调查问卷!B2) and the hidden code sheet its dropdown formulas point at",
    ),
    (
        "form.rs",
        &["填报单位", "报表类型", "所属期"],
        "the metadata labels above the header, which intake reads back (intake/layout.rs)",
    ),
    (
        "form.rs",
        &[
            "调查方式",
            "用户类型",
            "服务类别",
            "服务企业",
            "所属县市",
            "未回访原因",
            "是否题",
            "五级评价",
        ],
        "names of the dropdown lists: intake's column labels, the 代码表 headings",
    ),
    (
        "form.rs",
        &["供水", "供气", "是", "否", "不适用", "电话回访"],
        "answer and code values intake accepts (validate's METHODS, the scheme's yes/no answers)",
    ),
    (
        "mod.rs",
        &["{renderer}无法写出 {}:{}"],
        "RenderError's message, for the operator",
    ),
    (
        "mod.rs",
        &["{}年{}月{}日"],
        "the Chinese date format (as period.rs writes 2026年10月), not a sentence",
    ),
    (
        "public.rs",
        &["公示"],
        "public::FOLDER and the renderer's name in messages",
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// A file's code without its `#[cfg(test)]` module (the last item of each file that has one).
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests").map_or(text, |at| &text[..at])
}

/// The string literals of Rust source, unescaped as far as the test needs (`\"`, `\n`, `\\`),
/// with their line numbers; comments and char literals are skipped.
fn string_literals(src: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                line += usize::from(chars[i] == '\n');
                i += 1;
            }
            i += 2;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\'') or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !chars[i.saturating_sub(1)].is_alphanumeric()
        {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                i += 1;
                continue;
            }
            let close: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let start = (j + 1, line);
            j += 1;
            while j < chars.len() && chars[j..].get(..close.len()) != Some(&close[..]) {
                line += usize::from(chars[j] == '\n');
                j += 1;
            }
            out.push((start.1, chars[start.0..j].iter().collect()));
            i = j + close.len();
        } else if c == '"' {
            let start = line;
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    match chars.get(i + 1) {
                        Some('n') => s.push('\n'),
                        Some('\n') => {
                            // A continued line: the newline and the next line's indent go.
                            line += 1;
                            i += 2;
                            while chars.get(i).is_some_and(|c| c.is_whitespace()) {
                                line += usize::from(chars[i] == '\n');
                                i += 1;
                            }
                            continue;
                        }
                        Some(&e) => s.push(e),
                        None => {}
                    }
                    i += 2;
                } else {
                    line += usize::from(chars[i] == '\n');
                    s.push(chars[i]);
                    i += 1;
                }
            }
            out.push((start, s));
            i += 1;
        } else {
            i += 1;
        }
    }
    out
}

/// A Chinese character (CJK ideographs; punctuation such as （）、 alone is not a word).
fn is_hanzi(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
}

/// The Chinese literals of `src/render/` outside tests, the allow-list aside.
fn chinese_literals_in_render(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&root.join("src/render"), &mut files);
    files.sort();
    let mut found = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        for (line, lit) in string_literals(without_tests(&text)) {
            let allowed = ALLOWED
                .iter()
                .any(|(file, lits, _)| *file == name && lits.contains(&lit.as_str()));
            if lit.chars().any(is_hanzi) && !allowed {
                found.push(format!("src/render/{name}:{line}: {lit:?}"));
            }
        }
    }
    found
}

#[test]
fn no_chinese_sentence_is_written_in_the_renderers() {
    let found = chinese_literals_in_render(Path::new(REPO));
    assert!(
        found.is_empty(),
        "Chinese text in src/render/ belongs in templates/report.toml (or, if it is data, in \
         the allow-list of tests/cli/wording.rs with a reason):\n{}",
        found.join("\n")
    );
}

/// Every (table, key) of a wording file's text.
fn entries(text: &str) -> Vec<(String, String)> {
    let doc: toml::Table = text.parse().unwrap();
    let mut out = Vec::new();
    for (table, value) in doc {
        if let toml::Value::Table(t) = value {
            out.extend(t.keys().map(|k| (table.clone(), k.clone())));
        }
    }
    out
}

/// The literals of `src/` (outside `src/wording.rs`, whose tests name keys as examples).
fn code_literals(root: &Path) -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files
        .iter()
        .filter(|p| !p.ends_with("wording.rs"))
        .flat_map(|p| string_literals(without_tests(&std::fs::read_to_string(p).unwrap())))
        .map(|(_, s)| s)
        .collect()
}

/// The entries of the wording no code looks up.
fn unused(wording: &str, literals: &BTreeSet<String>) -> Vec<String> {
    entries(wording)
        .into_iter()
        .filter(|(table, key)| {
            let dotted = literals.contains(&format!("{table}.{key}"));
            let bare = BARE.contains(&table.as_str()) && literals.contains(key);
            !dotted && !bare
        })
        .map(|(table, key)| format!("[{table}] {key}"))
        .collect()
}

#[test]
fn every_entry_of_the_wording_is_used_and_every_lookup_exists() {
    let root = Path::new(REPO);
    let wording = std::fs::read_to_string(root.join("templates/report.toml")).unwrap();
    let literals = code_literals(root);
    let unused = unused(&wording, &literals);
    assert!(
        unused.is_empty(),
        "entries of templates/report.toml no code reads: {unused:?}"
    );
    // The other way: a "table.key" literal naming a wording table names an entry.
    let tables: BTreeSet<String> = entries(&wording).into_iter().map(|(t, _)| t).collect();
    let known: BTreeSet<String> = entries(&wording).into_iter().map(|(t, k)| format!("{t}.{k}")).collect();
    let missing: Vec<&String> = literals
        .iter()
        .filter(|l| {
            l.split_once('.').is_some_and(|(t, k)| {
                tables.contains(t) && !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            }) && !known.contains(*l)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "lookups of entries templates/report.toml lacks: {missing:?}"
    );
}

/// The checks themselves fail on what they are meant to catch.
#[test]
fn the_checks_catch_an_unused_entry_and_a_literal() {
    let literals: BTreeSet<String> = ["report.used", "method"].map(String::from).into();
    let wording = "[report]\nused = \"a\"\nforgotten = \"b\"\n[titles]\nmethod = \"c\"\n[paragraphs]\nx = \"d\"\n";
    assert_eq!(unused(wording, &literals), ["[paragraphs] x", "[report] forgotten"]);
    let src = "fn f() { let a = 'x'; d.note(\"本期没有整改事项。\"); // \"注释\"\n let b = r#\"原始\"#; }\n#[cfg(test)]\nmod tests { \"测试\" }";
    let found: Vec<(usize, String)> = string_literals(without_tests(src));
    assert_eq!(found, [(1, "本期没有整改事项。".to_string()), (2, "原始".to_string())]);
}

/// Makes `text` the deployment's wording file (`report = "my-report.toml"` in its config).
fn use_wording(env: &crate::support::Env, text: &str) {
    std::fs::write(env.path("my-report.toml"), text).unwrap();
    let config = env.path("utility-eval.toml");
    let before = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("report = \"my-report.toml\"\n{before}")).unwrap();
}

/// A deployment's wording reaches the documents: a sheet name of the summary workbook, a
/// heading of the public page and a line of the city report, while what its file leaves out
/// keeps the built-in words.
#[test]
fn a_deployments_wording_reaches_the_documents() {
    use crate::support::{Env, code, stderr, stdout};
    use calamine::{Reader, Xlsx, open_workbook};
    let env = Env::samples();
    let builtin = std::fs::read_to_string(Path::new(REPO).join("templates/report.toml")).unwrap();
    let mine = builtin
        .replace("sheet_overview = \"总览\"", "sheet_overview = \"概况\"")
        .replace("city_summary = \"全市总体情况\"", "city_summary = \"全市概况\"")
        .replace(
            "tile_enterprises = \"参评企业（家）\"",
            "tile_enterprises = \"参评企业数\"",
        );
    // Without the tables after [summary]: they keep the built-in words.
    let mine = &mine[..mine.find("\n[form]").unwrap()];
    use_wording(&env, mine);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));

    let dir = env.path("reports/2026-09");
    let summary = dir.join("2026年9月供水供气企业服务满意度汇总表.xlsx");
    let wb: Xlsx<_> = open_workbook(&summary).unwrap();
    assert_eq!(wb.sheet_names()[..2], ["概况", "企业排名"]);
    let public = std::fs::read_dir(dir.join("公示"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "html"))
        .unwrap();
    let html = std::fs::read_to_string(public).unwrap();
    assert!(html.contains("<h2 id=\"s-summary\">全市概况</h2>") && html.contains("<dt>参评企业数</dt>"));
    assert!(html.contains("<dt>有效问卷（份）</dt>"), "the rest as built in");
    // The city report's key figures (pdftotext; skipped, and said, when it is not installed).
    if crate::support::tool("pdftotext") {
        let pdf = dir.join("2026年9月天门市供水供气企业服务满意度分析报告.pdf");
        let o = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(
            text.contains("参评企业数") && !text.contains("参评企业（家）"),
            "{text}"
        );
    }
}

/// The public index is written last by a period's publication, as before the years' documents
/// were written beside the periods': a deployment whose public page title names the period
/// sees a period's label in it, not an empty place (the year's page fills only the city).
#[test]
fn the_public_index_is_written_last_by_a_period() {
    use crate::support::{Env, code, stderr, stdout};
    let env = Env::samples();
    let builtin = std::fs::read_to_string(Path::new(REPO).join("templates/report.toml")).unwrap();
    let title = "public_page = \"{city}供水供气企业服务满意度评价结果公示\"";
    assert!(builtin.contains(title));
    let mine = builtin.replace(title, "public_page = \"{city}〔{period_label}〕公示\"");
    use_wording(&env, &mine);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    let index = std::fs::read_to_string(env.path("public/index.html")).unwrap();
    let page = scraper::Html::parse_document(&index);
    let title = page
        .select(&scraper::Selector::parse("title").unwrap())
        .next()
        .map(|t| t.text().collect::<String>())
        .unwrap_or_default();
    assert!(
        title.starts_with("天门市〔2026年") && title.ends_with("〕公示"),
        "{title}"
    );
}
