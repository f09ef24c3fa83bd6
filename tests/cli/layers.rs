//! The pipeline's order, written down once and checked (issue 18): a module of `src/` may use
//! only modules of its own stage or below it, and no two stages use each other. `results` is a
//! leaf of plain types that every stage may use. The imports that still go the wrong way are
//! listed in `KNOWN`: a new one fails this test, and so does one that has gone (take it off
//! the list), so the list only shrinks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::REPO;

/// Each top-level module of `src/` and its stage, lowest first.
const STAGES: &[(&str, u32)] = &[
    ("text", 0),
    ("period", 1),
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
    ("chart", 9),
    ("pdf", 9),
    ("render", 9),
    ("notice", 10),
    ("deliver", 11),
    ("run", 12),
    ("cmd", 13),
    ("cli", 13),
];

/// Imports that still go up or round in a circle (importer, imported), to be taken away.
const KNOWN: &[(&str, &str)] = &[
    // The config loads the topic dictionary and the intake limits.
    ("config", "analyse"),
    ("config", "intake"),
    // results holds types of the stages that fill it.
    ("results", "analyse"),
    ("results", "compute"),
    ("results", "config"),
    ("results", "intake"),
    ("results", "store"),
    ("results", "validate"),
    // compute publishes (renders and copies to public/): a step for run/.
    ("compute", "render"),
    // The charts measure text with the PDF's font; the PDF draws the charts.
    ("chart", "pdf"),
    ("pdf", "chart"),
    // The command line holds each command's arguments; the commands print usage.
    ("cli", "cmd"),
    ("cmd", "cli"),
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
                let to: String = text[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !to.is_empty() && to != from {
                    out.insert((from.clone(), to));
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
fn stages_import_only_downward_but_for_the_known_exceptions() {
    let stages: BTreeMap<&str, u32> = STAGES.iter().copied().collect();
    let found = imports();
    let wrong: BTreeSet<(String, String)> = found
        .iter()
        .filter(|(from, to)| {
            let (Some(&a), Some(&b)) = (stages.get(from.as_str()), stages.get(to.as_str())) else {
                return false;
            };
            // Up a stage, or sideways into a module that imports back (a circle).
            let circle = found.contains(&(to.clone(), from.clone()));
            to != "results" && (b > a || (b == a && circle))
        })
        .cloned()
        .collect();
    let known: BTreeSet<(String, String)> = KNOWN.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    let new: Vec<_> = wrong.difference(&known).collect();
    assert!(new.is_empty(), "imports against the pipeline's order: {new:?}");
    let gone: Vec<_> = known.difference(&wrong).collect();
    assert!(gone.is_empty(), "no longer there, take them off KNOWN: {gone:?}");
}
