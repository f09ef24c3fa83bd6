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
