//! Every committed sample, its bytes changed at random (bytes overwritten, dropped or put
//! in, the end cut off), read as a run reads it: a return either checks (its rows valid or
//! named) or is refused with a reason in words; reading never panics and never hangs. The
//! same property a fuzz target (`fuzz/`) explores without end where a nightly toolchain is.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use utility_eval::config::Config;
use utility_eval::validate::{Hint, Outcome, check_file};

use crate::support::{BIN, REPO};

/// The sample returns, in a fixed order.
fn samples() -> &'static [(PathBuf, Vec<u8>)] {
    static SAMPLES: std::sync::OnceLock<Vec<(PathBuf, Vec<u8>)>> = std::sync::OnceLock::new();
    SAMPLES.get_or_init(|| {
        let mut out = Vec::new();
        let mut stack = vec![Path::new(REPO).join("samples/inbox")];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let bytes = std::fs::read(&p).unwrap();
                    out.push((p, bytes));
                }
            }
        }
        out.sort();
        out
    })
}

fn config() -> &'static Config {
    static CONFIG: std::sync::OnceLock<Config> = std::sync::OnceLock::new();
    CONFIG.get_or_init(|| {
        let mut c = Config::load(&Path::new(REPO).join("samples/utility-eval.toml")).unwrap();
        // xls and ods are parsed in a child process: this program's.
        c.limits.worker_exe = Some(PathBuf::from(BIN));
        c
    })
}

/// One change to a file's bytes.
#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Drop(usize),
    Put(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        any::<usize>().prop_map(Edit::Drop),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Put(i, b)),
    ]
}

fn apply(bytes: &[u8], edits: &[Edit], cut: Option<usize>) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for e in edits {
        let n = b.len().max(1);
        match *e {
            Edit::Set(i, v) if !b.is_empty() => b[i % n] = v,
            Edit::Drop(i) if !b.is_empty() => {
                b.remove(i % n);
            }
            Edit::Put(i, v) => b.insert(i % (b.len() + 1), v),
            _ => {}
        }
    }
    if let Some(c) = cut {
        b.truncate(c % (b.len() + 1));
    }
    b
}

/// A zip package (xlsx, xlsm, ods) with the `edits` made inside one of its entries, `entry`
/// counted round the entries, and packed again: the change reaches the XML readers instead
/// of stopping at the package's checksums. `None` for a file that is no zip.
fn edit_inside(bytes: &[u8], entry: usize, edits: &[Edit], cut: Option<usize>) -> Option<Vec<u8>> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let chosen = entry % zip.len().max(1);
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).ok()?;
        let name = f.name().ok()?.to_string();
        let mut content = Vec::new();
        f.read_to_end(&mut content).ok()?;
        if i == chosen {
            content = apply(&content, edits, cut);
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).ok()?;
        out.write_all(&content).ok()?;
    }
    Some(out.finish().ok()?.into_inner())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_changed_sample_is_checked_or_refused_in_words(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..6),
        cut in prop::option::weighted(0.2, any::<usize>()),
        inside in prop::option::weighted(0.7, any::<usize>()),
    ) {
        let (path, bytes) = &samples()[which.index(samples().len())];
        let changed = inside
            .and_then(|entry| edit_inside(bytes, entry, &edits, cut))
            .unwrap_or_else(|| apply(bytes, &edits, cut));
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join(path.file_name().unwrap());
        std::fs::write(&copy, &changed).unwrap();
        let outcome = std::panic::catch_unwind(|| check_file(config(), &copy, &Hint::default()));
        prop_assert!(outcome.is_ok(), "reading {} panicked", path.display());
        if let Ok(Outcome::Rejected { reason, .. }) = outcome {
            let said = reason.to_string();
            prop_assert!(
                said.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{}: {said}", path.display()
            );
        }
    }
}

#[test]
fn the_samples_unchanged_read_as_a_run_reads_them() {
    // The property's baseline: every sample is found and the returns among them check.
    assert!(samples().len() >= 20, "{}", samples().len());
    let checked = (samples().iter())
        .filter(|(p, _)| matches!(check_file(config(), p, &Hint::default()), Outcome::Checked(_)))
        .count();
    assert!(checked >= 15, "{checked} of {}", samples().len());
}
