//! The pipeline's order, written down once and checked: a module of `src/` may use only
//! modules of its own stage or below it, and no two modules use each other. `results` is a leaf
//! of plain types that every stage may use (and it uses none). Every `crate::` path counts, in
//! code and in doc links alike, grouped (`crate::{a, b}`) or not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::REPO;

/// Each top-level module of `src/` and its stage, lowest first.
const STAGES: &[(&str, u32)] = &[
    ("text", 0),
    ("topics", 1),
    ("period", 1),
    ("calendar", 1),
    ("output", 1),
    ("scheme", 1),
    ("wording", 1),
    ("journal", 1),
    ("results", 1),
    ("config", 2),
    ("inbox", 3),
    ("intake", 3),
    ("validate", 4),
    ("store", 5),
    ("score", 6),
    ("sample", 6),
    ("analyse", 7),
    ("compute", 8),
    ("pdf", 9),
    ("render", 9),
    ("notice", 10),
    ("deliver", 11),
    ("run", 12),
    ("cmd", 13),
    ("cli", 13),
];

fn module_of(path: &Path, src: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// The top-level modules a path after `crate::` names: `config::Config` names `config`,
/// `{config::Config, store}` names both.
fn named_after(rest: &str) -> Vec<String> {
    let word = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let Some(inner) = rest.strip_prefix('{') else {
        return vec![word(rest)].into_iter().filter(|w| !w.is_empty()).collect();
    };
    // The group's top-level entries: split at commas outside nested braces.
    let mut out = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                out.push(word(inner[start..i].trim_start()));
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(word(inner[start..i].trim_start()));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.retain(|w| !w.is_empty());
    out
}

/// (importer, imported) for every `crate::<module>` named in `src/`, between distinct modules.
fn imports() -> BTreeSet<(String, String)> {
    let src = Path::new(REPO).join("src");
    let mut out = BTreeSet::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let from = module_of(&p, &src);
            if matches!(from.as_str(), "lib" | "main") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for (i, _) in text.match_indices("crate::") {
                for to in named_after(&text[i + 7..]) {
                    if to != from {
                        out.insert((from.clone(), to));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_module_has_a_stage() {
    let stages: BTreeMap<&str, u32> = STAGES.iter().copied().collect();
    let src = Path::new(REPO).join("src");
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let m = module_of(&p, &src);
        if !matches!(m.as_str(), "lib" | "main") {
            assert!(stages.contains_key(m.as_str()), "src/{m} has no stage in STAGES");
        }
    }
}

#[test]
fn a_grouped_path_names_each_module() {
    assert_eq!(named_after("config::Config;"), ["config"]);
    assert_eq!(
        named_after("{config::{Config, Paths}, store, period::Period};"),
        ["config", "store", "period"]
    );
    assert_eq!(
        named_after("{\n    analyse,\n    score::stats,\n};"),
        ["analyse", "score"]
    );
}

#[test]
fn stages_import_only_downward() {
    let stages: BTreeMap<&str, u32> = STAGES.iter().copied().collect();
    let found = imports();
    let wrong: Vec<_> = found
        .iter()
        .filter(|(from, to)| {
            let (Some(&a), Some(&b)) = (stages.get(from.as_str()), stages.get(to.as_str())) else {
                return false;
            };
            // Up a stage, or sideways into a module that imports back (a circle).
            let circle = found.contains(&(to.clone(), from.clone()));
            (to != "results" || from == "results") && (b > a || (b == a && circle))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "imports against the pipeline's order (importer, imported): {wrong:?}"
    );
    // The leaf uses no stage at all but the lowest.
    let leaf: Vec<_> = found
        .iter()
        .filter(|(from, to)| from == "results" && stages[to.as_str()] > 1)
        .collect();
    assert!(leaf.is_empty(), "results imports a stage: {leaf:?}");
}
