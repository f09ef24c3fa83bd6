//! The committed samples: a copy of `samples/` goes through `run`, and every file ends
//! as `samples/expected.json` (written by the generator, independently of the program)
//! says: accepted or rejected, its valid rows, the cells of its invalid rows.

use std::path::Path;

use crate::support::*;

#[test]
fn the_samples_end_as_expected() {
    let env = Env::samples();
    let out = env.run(&["run"]);
    assert_eq!(code(&out), 3, "{}{}", stdout(&out), stderr(&out));
    assert!(env.files("inbox").is_empty());

    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(Path::new(REPO).join("samples/expected.json")).unwrap()).unwrap();
    let files = expected["files"].as_array().unwrap();
    assert!(files.len() >= 25);
    let db = env.db();
    for f in files {
        let name = f["path"].as_str().unwrap().strip_prefix("inbox/").unwrap();
        let (status, rows, id): (String, i64, i64) = db
            .query_row(
                "SELECT status, rows_accepted, id FROM submission WHERE original_name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = f["expected"].as_str().unwrap();
        match want {
            "accepted" | "superseded" => {
                let want_status = if f["superseded_by"].is_null() {
                    "accepted"
                } else {
                    "superseded"
                };
                assert_eq!(status, want_status, "{name}");
                assert_eq!(rows, f["valid_rows"].as_i64().unwrap(), "{name}: valid rows");
                assert_eq!(
                    f["submitter"].as_str().unwrap(),
                    db.query_row("SELECT submitter_code FROM submission WHERE id = ?1", [id], |r| r
                        .get::<_, String>(0))
                        .unwrap(),
                    "{name}"
                );
                assert_eq!(
                    f["period"].as_str().unwrap(),
                    db.query_row("SELECT period FROM submission WHERE id = ?1", [id], |r| r
                        .get::<_, String>(0))
                        .unwrap(),
                    "{name}"
                );
                let mut cells: Vec<String> = db
                    .prepare("SELECT cell FROM row_issue WHERE submission_id = ?1 ORDER BY cell")
                    .unwrap()
                    .query_map([id], |r| r.get(0))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                let mut want_cells: Vec<String> = f["invalid_rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["cell"].as_str().unwrap().to_string())
                    .collect();
                cells.sort();
                want_cells.sort();
                assert_eq!(cells, want_cells, "{name}: invalid cells");
            }
            "rejected" => {
                assert_eq!(status, "rejected", "{name}");
                let base = Path::new(name).file_name().unwrap().to_string_lossy().to_string();
                assert!(env.path("rejected").join(&base).is_file(), "{name} in rejected/");
                assert!(env.explanation(&base).contains("退回原因"), "{name}");
            }
            other => panic!("{name}: unknown expectation {other}"),
        }
    }
    // The one missing return shows in status.
    let status = stdout(&env.run(&["status", "--period", "2026-09"]));
    let line = status.lines().find(|l| l.starts_with("皂市镇")).unwrap();
    assert!(line.contains("未报送"), "{status}");
    assert!(status.contains("缺报 1 份"), "{status}");
}

#[test]
fn run_samples_runs_the_program_cargo_reports_wherever_the_target_dir_is() {
    // Issue 17 item 16: the script ran target/release/utility-eval after `cargo build
    // --release --quiet`, so with CARGO_TARGET_DIR set it built for minutes in silence and
    // then failed with exit 127. Here a stand-in `cargo` says, as cargo's JSON messages do,
    // that it built the program at a path of its own (a wrapper that notes each call and runs
    // the real binary): the script must run that one, and let the build's progress through.
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let shims = dir.path().join("bin");
    std::fs::create_dir_all(&shims).unwrap();
    let calls = dir.path().join("calls.txt");
    let program = dir.path().join("elsewhere/release/utility-eval");
    std::fs::create_dir_all(program.parent().unwrap()).unwrap();
    let script = |path: &Path, text: String| {
        std::fs::write(path, text).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    script(
        &program,
        format!("#!/bin/sh\necho \"$@\" >> '{}'\nexec '{BIN}' \"$@\"\n", calls.display()),
    );
    script(
        &shims.join("cargo"),
        format!(
            "#!/bin/sh\necho \"cargo $*\" >> '{calls}'\n\
             echo '   Compiling utility-eval v0.1.0 (stand-in)' >&2\n\
             echo '{{\"reason\":\"compiler-artifact\",\"target\":{{\"kind\":[\"bin\"],\"name\":\"utility-eval\"}},\"executable\":\"{exe}\",\"fresh\":false}}'\n\
             echo '{{\"reason\":\"build-finished\",\"success\":true}}'\n",
            calls = calls.display(),
            exe = program.display()
        ),
    );
    let demo = dir.path().join("demo");
    let path = format!("{}:{}", shims.display(), std::env::var("PATH").unwrap_or_default());
    let o = std::process::Command::new(Path::new(REPO).join("scripts/run-samples.sh"))
        .arg(&demo)
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", dir.path().join("elsewhere"))
        .env_remove("UTILITY_EVAL_CONFIG")
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let calls = std::fs::read_to_string(&calls).unwrap();
    let cargo = calls.lines().next().unwrap();
    assert!(
        cargo.starts_with("cargo build --release --message-format=json"),
        "{calls}"
    );
    assert!(!cargo.contains("--quiet"), "the build's progress is shown: {calls}");
    assert!(stderr(&o).contains("Compiling utility-eval"), "{}", stderr(&o));
    assert!(calls.contains(" run\n") && calls.contains(" status\n"), "{calls}");
    assert!(stdout(&o).contains("退出码 3"), "{}", stdout(&o));
    assert!(demo.join("reports/2026Q3/scores.json").is_file());
    // The loop as the samples show it on 2026-10-28: 天门市第一供水有限公司's ledger came back
    // whole (samples/after-release/), with cases called back, put right and appealed, and
    // others overdue; the appeal waits for the city unit in its review.
    assert!(
        calls.contains("release --period 2026-09 --by 王局长 --date 2026-10-14"),
        "{calls}"
    );
    assert!(
        calls.contains("release --period 2026Q3 --by 王局长 --date 2026-10-22"),
        "{calls}"
    );
    assert_eq!(std::fs::read_dir(demo.join("archive/整改反馈")).unwrap().count(), 1);
    let text = std::fs::read_to_string(demo.join("reports/整改台账/rectification.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["as_of"], "2026-10-28");
    let gs01 = (doc["rectification"].as_array().unwrap().iter())
        .find(|e| e["enterprise"] == "GS01")
        .unwrap();
    let n = |k: &str| gs01[k].as_u64().unwrap();
    assert_eq!(
        [n("cases_called_back"), n("cases_rectified"), n("appeals")],
        [4, 2, 1],
        "{gs01}"
    );
    assert!(n("cases_overdue") > 0 && n("items_reported") > 0, "{gs01}");
    assert!(
        demo.join("outbox/单位_SZJJ_天门市住房和城乡建设局/整改台账/申诉复核表.xlsx")
            .is_file()
    );
    assert!(stdout(&o).contains("申诉待复核 1 件"), "{}", stdout(&o));
}
