//! Hostile files: every crafted file in `tests/fixtures/hostile` and every calamine test
//! workbook, dropped into one inbox, is dealt with in one run that neither crashes nor
//! stalls, and no file is lost.

use std::path::Path;

use crate::support::*;

/// The expected outcome of each hostile fixture, from its README's category column.
fn categories() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(Path::new(REPO).join("tests/fixtures/hostile/README.md")).unwrap();
    readme
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cols: Vec<&str> = l.split('|').map(str::trim).collect();
            let name = cols[1].trim_matches('`').to_string();
            let category = cols[3].trim_matches('`').to_string();
            (name, category)
        })
        .collect()
}

/// Phrases of the Chinese explanation each category must carry.
fn phrases(category: &str) -> &'static [&'static str] {
    match category {
        "empty" => &["文件为空"],
        "not_spreadsheet" => &["不是电子表格文件"],
        "corrupt" => &["损坏", "解析失败", "顺序异常"],
        "encrypted" => &["密码"],
        "too_large" => &["上限", "过大", "超出", "过长", "异常"],
        "no_header" => &["未找到表头行"],
        other => panic!("unknown category {other}"),
    }
}

#[test]
fn every_hostile_file_is_rejected_with_its_reason_while_the_good_one_is_accepted() {
    let env = Env::new();
    let cats = categories();
    assert!(cats.len() >= 30, "the README lists the fixtures ({})", cats.len());
    for (name, _) in &cats {
        std::fs::copy(
            Path::new(REPO).join("tests/fixtures/hostile").join(name),
            env.inbox(name),
        )
        .unwrap();
    }
    let out = env.run(&["run"]);
    assert_eq!(code(&out), 3, "{}{}", stdout(&out), stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert!(env.files("inbox").is_empty(), "inbox left: {:?}", env.files("inbox"));

    let archived = env.files("archive");
    let rejected = env.files("rejected");
    for (name, category) in &cats {
        // A sheet whose <dimension> merely claims A1:XFD1048576 holds a valid return:
        // the streaming reader never trusts the claim, so the return is accepted.
        if name == "good.xlsx" || name.starts_with("10_dimension") {
            assert!(
                archived.contains(&format!("2026-10/{name}")),
                "{name} accepted: {archived:?}"
            );
            continue;
        }
        assert!(rejected.contains(name), "{name} rejected");
        let text = env.explanation(name);
        assert!(text.contains(name), "{name}: the explanation names the file");
        assert!(
            phrases(category).iter().any(|p| text.contains(p)),
            "{name} ({category}): explanation lacks {:?}:\n{text}",
            phrases(category)
        );
    }
    // Nothing lost: each input is in exactly one place, byte for byte.
    let moved = archived.len() + rejected.iter().filter(|f| !f.ends_with("说明.txt")).count();
    assert_eq!(moved, cats.len());
    for (name, _) in &cats {
        let original = sha256(&Path::new(REPO).join("tests/fixtures/hostile").join(name));
        let place = if archived.contains(&format!("2026-10/{name}")) {
            env.path("archive/2026-10").join(name)
        } else {
            env.path("rejected").join(name)
        };
        assert_eq!(sha256(&place), original, "{name} unchanged");
    }
    // The good return's three rows are stored once.
    assert_eq!(
        env.count("SELECT count(*) FROM submission WHERE original_name = 'good.xlsx' AND status <> 'rejected'"),
        1
    );
    assert_eq!(env.count("SELECT count(*) FROM response r JOIN submission s ON s.id = r.submission_id WHERE s.original_name = 'good.xlsx'"), 3);
}

#[test]
fn the_calamine_test_workbooks_never_crash_or_stall_a_run() {
    let env = Env::new();
    let dir = Path::new(REPO).join("tests/fixtures/calamine");
    let mut names = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".md") {
            continue;
        }
        std::fs::copy(&p, env.inbox(&name)).unwrap();
        names.push(name);
    }
    assert!(names.len() >= 130, "{} workbooks", names.len());
    let out = env.run(&["run"]);
    assert!([0, 3].contains(&code(&out)), "{}{}", stdout(&out), stderr(&out));
    assert!(env.files("inbox").is_empty());
    let everywhere: Vec<String> = env
        .files("archive")
        .into_iter()
        .chain(env.files("rejected"))
        .filter(|f| !f.ends_with("说明.txt"))
        .map(|f| f.rsplit('/').next().unwrap().to_string())
        .collect();
    for n in &names {
        assert_eq!(
            everywhere.iter().filter(|f| *f == n).count(),
            1,
            "{n} ends in exactly one place"
        );
    }
    // None of them is a survey return; each rejection is explained.
    for n in &names {
        let text = env.explanation(n);
        assert!(text.contains("退回原因:") && !text.contains("(未记录)"), "{n}: {text}");
    }
    assert_eq!(env.count("SELECT count(*) FROM submission"), names.len() as i64);
}

/// A poor man's fuzzer (cargo-fuzz needs a nightly toolchain, which this project's machines
/// lack): 150 byte-damaged copies of a good xlsx and of a good xls, seeded, dropped into one
/// inbox. The run must finish, account for every file and keep every valid row it accepts.
#[test]
fn byte_damaged_workbooks_never_end_a_run() {
    use rand::{Rng, SeedableRng};
    let env = Env::new();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let good_xlsx = std::fs::read(Path::new(REPO).join("tests/fixtures/hostile/good.xlsx")).unwrap();
    let good_xls = std::fs::read(Path::new(REPO).join("tests/fixtures/calamine/date.xls")).unwrap();
    let mut names = Vec::new();
    for i in 0..150 {
        let (base, ext) = if i % 3 == 0 {
            (&good_xls, "xls")
        } else {
            (&good_xlsx, "xlsx")
        };
        let mut bytes = base.clone();
        for _ in 0..rng.random_range(1..12) {
            let at = rng.random_range(0..bytes.len());
            bytes[at] ^= rng.random_range(1..=255u8);
        }
        if rng.random_bool(0.1) {
            bytes.truncate(rng.random_range(1..bytes.len()));
        }
        let name = format!("damaged_{i:03}.{ext}");
        std::fs::write(env.inbox(&name), &bytes).unwrap();
        names.push(name);
    }
    let out = env.run(&["run"]);
    assert!([0, 3].contains(&code(&out)), "{}{}", stdout(&out), stderr(&out));
    assert!(env.files("inbox").is_empty());
    let placed = env
        .files("archive")
        .into_iter()
        .chain(env.files("rejected"))
        .filter(|f| !f.ends_with("说明.txt"))
        .count();
    assert_eq!(placed, names.len());
    assert_eq!(env.count("SELECT count(*) FROM submission"), names.len() as i64);
    // Whatever was accepted kept its rows: counts agree with what is stored.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM submission s WHERE status <> 'rejected'
             AND rows_accepted <> (SELECT count(*) FROM response r WHERE r.submission_id = s.id)"
        ),
        0
    );
}
