//! The inbox lifecycle: same bytes twice, corrected resubmissions, name clashes, an
//! interrupted move finished by the next run, and a run killed again and again.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::support::*;

/// A monthly return of `n` rows from `unit` about GS01, users numbered from `first`.
fn return_rows(unit: &str, period: &str, first: u32, n: u32) -> Vec<Vec<C>> {
    let mut rows = meta(unit, "月度自评", period);
    rows.push(header());
    for i in first..first + n {
        rows.push(row(i, &format!("{period}-05"), "天门市第一供水有限公司"));
    }
    rows
}

fn active_responses(env: &Env) -> i64 {
    env.count("SELECT count(*) FROM response r JOIN submission s ON s.id = r.submission_id WHERE s.status = 'accepted'")
}

#[test]
fn the_same_bytes_again_are_recognised_and_not_counted_twice() {
    let env = Env::new();
    write_xlsx(&env.inbox("a.xlsx"), "调查问卷", &monthly(4));
    assert_eq!(code(&env.run(&["run"])), 0);
    copy(&env.path("archive/2026-10/a.xlsx"), &env.inbox("JL/a-copy.xlsx"));
    let out = env.run(&["run"]);
    assert_eq!(code(&out), 3, "a duplicate is input not taken: {}", stdout(&out));
    assert!(stdout(&out).contains("重复"), "{}", stdout(&out));
    assert_eq!(env.count("SELECT count(*) FROM submission"), 1);
    assert_eq!(active_responses(&env), 4);
    let text = env.explanation("a-copy.xlsx");
    assert!(text.contains("内容完全相同") && text.contains("a.xlsx"), "{text}");
    assert_eq!(
        sha256(&env.path("rejected/a-copy.xlsx")),
        sha256(&env.path("archive/2026-10/a.xlsx"))
    );
}

#[test]
fn a_corrected_resubmission_supersedes_the_earlier_return_which_is_kept() {
    let env = Env::new();
    write_xlsx(
        &env.inbox("JL/竟陵街道_月度自评_2026-10.xlsx"),
        "调查问卷",
        &return_rows("竟陵街道", "2026-10", 1, 3),
    );
    assert_eq!(code(&env.run(&["run"])), 0);
    write_xlsx(
        &env.inbox("JL/竟陵街道_月度自评_2026-10.xlsx"),
        "调查问卷",
        &return_rows("竟陵街道", "2026-10", 1, 5),
    );
    let out = env.run(&["run"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("替代"), "{}", stdout(&out));
    let db = env.db();
    let rows: Vec<(i64, String, Option<i64>, i64)> = db
        .prepare("SELECT id, status, superseded_by, rows_accepted FROM submission ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows,
        vec![(1, "superseded".into(), Some(2), 3), (2, "accepted".into(), None, 5)]
    );
    assert_eq!(active_responses(&env), 5);
    // The earlier rows stay in the database, marked by their submission.
    assert_eq!(env.count("SELECT count(*) FROM response"), 8);
    // Both files are archived; the second under a suffixed name.
    assert_eq!(
        env.files("archive"),
        [
            "2026-10/竟陵街道_月度自评_2026-10(2).xlsx",
            "2026-10/竟陵街道_月度自评_2026-10.xlsx"
        ]
    );
}

#[test]
fn a_resubmission_in_the_same_run_is_taken_in_name_order() {
    let env = Env::new();
    write_xlsx(
        &env.inbox("JL_月度自评_2026-10.xlsx"),
        "调查问卷",
        &return_rows("竟陵街道", "2026-10", 1, 3),
    );
    write_xlsx(
        &env.inbox("JL_月度自评_2026-10_更正.xlsx"),
        "调查问卷",
        &return_rows("竟陵街道", "2026-10", 1, 6),
    );
    assert_eq!(code(&env.run(&["run"])), 0);
    assert_eq!(active_responses(&env), 6);
    assert_eq!(
        env.count(
            "SELECT count(*) FROM submission WHERE status = 'superseded' AND original_name = 'JL_月度自评_2026-10.xlsx'"
        ),
        1
    );
}

#[test]
fn a_rejected_file_sent_again_after_the_registry_is_fixed_is_accepted() {
    let env = Env::new();
    let mut rows = return_rows("竟陵街道", "2026-10", 1, 2);
    rows[0][1] = s("多宝镇");
    write_xlsx(&env.inbox("多宝镇.xlsx"), "调查问卷", &rows);
    assert_eq!(code(&env.run(&["run"])), 3);
    assert!(env.explanation("多宝镇.xlsx").contains("“多宝镇”未在登记名单中"));
    let config = std::fs::read_to_string(env.path("utility-eval.toml")).unwrap();
    std::fs::write(
        env.path("utility-eval.toml"),
        format!("{config}\n[[unit]]\ncode = \"DB\"\nname = \"多宝镇\"\n"),
    )
    .unwrap();
    std::fs::rename(env.path("rejected/多宝镇.xlsx"), env.inbox("多宝镇.xlsx")).unwrap();
    assert_eq!(code(&env.run(&["run"])), 0);
    assert_eq!(
        env.count("SELECT count(*) FROM submission WHERE submitter_code = 'DB' AND status = 'accepted'"),
        1
    );
    assert_eq!(active_responses(&env), 2);
}

#[test]
fn same_names_from_different_folders_never_overwrite() {
    let env = Env::new();
    write_xlsx(
        &env.inbox("JL/报表.xlsx"),
        "调查问卷",
        &return_rows("竟陵街道", "2026-10", 1, 2),
    );
    write_xlsx(
        &env.inbox("YK/报表.xlsx"),
        "调查问卷",
        &return_rows("岳口镇", "2026-10", 100, 2),
    );
    assert_eq!(code(&env.run(&["run"])), 0);
    assert_eq!(env.files("archive"), ["2026-10/报表(2).xlsx", "2026-10/报表.xlsx"]);
    assert_eq!(active_responses(&env), 4);
}

#[test]
fn a_move_interrupted_after_the_commit_is_finished_by_the_next_run() {
    let env = Env::new();
    write_xlsx(&env.inbox("JL/a.xlsx"), "调查问卷", &monthly(3));
    assert_eq!(code(&env.run(&["run"])), 0);
    // As if the run had died between its commit and its move.
    std::fs::rename(env.path("archive/2026-10/a.xlsx"), env.inbox("JL/a.xlsx")).unwrap();
    env.db().execute("UPDATE submission SET filed = 0", []).unwrap();
    let out = env.run(&["run"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(env.files("archive"), ["2026-10/a.xlsx"]);
    assert!(env.files("inbox").iter().all(|f| !f.ends_with(".xlsx")));
    assert_eq!(env.count("SELECT count(*) FROM submission"), 1);
    assert_eq!(env.count("SELECT count(*) FROM submission WHERE filed = 1"), 1);
    assert_eq!(active_responses(&env), 3);
}

/// Inputs of the kill test, written to `staging/`: (relative name, rows that must end up
/// stored, 0 when rejected). 24 monthly returns of 150 rows, one correction, two bad files.
fn kill_inputs(env: &Env) -> Vec<(String, usize)> {
    let mut v = Vec::new();
    let units = [("JL", "竟陵街道"), ("YK", "岳口镇"), ("ZS", "皂市镇")];
    let months = [
        "2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10",
    ];
    for (m, month) in months.iter().enumerate() {
        for (u, (code, name)) in units.iter().enumerate() {
            let first = (m * 10_000 + u * 1_000) as u32;
            let rel = format!("{code}/{name}_月度自评_{month}.xlsx");
            write_xlsx(
                &env.path("staging").join(&rel),
                "调查问卷",
                &return_rows(name, month, first, 150),
            );
            v.push((rel, 150));
        }
    }
    // A correction of the first return: it must supersede it whatever runs die around it.
    let rel = "JL/竟陵街道_月度自评_2026-03_更正.xlsx".to_string();
    write_xlsx(
        &env.path("staging").join(&rel),
        "调查问卷",
        &return_rows("竟陵街道", "2026-03", 0, 160),
    );
    v.push((rel, 160));
    std::fs::write(env.path("staging/坏文件.xlsx"), b"not a workbook").unwrap();
    v.push(("坏文件.xlsx".into(), 0));
    std::fs::write(env.path("staging/空.xlsx"), b"").unwrap();
    v.push(("空.xlsx".into(), 0));
    v
}

#[test]
fn runs_killed_at_random_moments_lose_no_file_and_double_no_row() {
    let env = Env::new();
    let inputs = kill_inputs(&env);
    let hashes: HashMap<String, String> = inputs
        .iter()
        .map(|(n, _)| (sha256(&env.path("staging").join(n)), n.clone()))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(20261126);
    let mut killed_mid_way = 0;
    let mut pending = inputs.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>().into_iter();
    for i in 0..24 {
        // Files keep arriving while runs keep dying.
        for _ in 0..if i == 0 { 5 } else { 1 } {
            if let Some(n) = pending.next() {
                std::fs::create_dir_all(env.inbox(&n).parent().unwrap()).unwrap();
                std::fs::rename(env.path("staging").join(&n), env.inbox(&n)).unwrap();
            }
        }
        let mut child = Command::new(BIN)
            .arg("run")
            .env("UTILITY_EVAL_CONFIG", env.path("utility-eval.toml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(rng.random_range(1..60)));
        if child.try_wait().unwrap().is_none() {
            killed_mid_way += 1;
        }
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
    }
    for n in pending {
        std::fs::create_dir_all(env.inbox(&n).parent().unwrap()).unwrap();
        std::fs::rename(env.path("staging").join(&n), env.inbox(&n)).unwrap();
    }
    assert!(
        killed_mid_way >= 12,
        "most runs were killed mid-way ({killed_mid_way} of 24)"
    );
    let out = env.run(&["run"]);
    assert!([0, 3].contains(&code(&out)), "{}{}", stdout(&out), stderr(&out));

    // No file lost: every input's bytes sit in exactly one place outside the inbox.
    let left: Vec<String> = env
        .files("inbox")
        .into_iter()
        .filter(|f| !f.rsplit('/').next().unwrap().starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let mut placed: HashMap<String, usize> = HashMap::new();
    for dir in ["archive", "rejected"] {
        for f in env.files(dir) {
            if f.ends_with("说明.txt") || f.rsplit('/').next().unwrap().starts_with('.') {
                continue;
            }
            *placed.entry(sha256(&env.path(dir).join(&f))).or_default() += 1;
        }
    }
    for (hash, name) in &hashes {
        assert_eq!(placed.get(hash), Some(&1), "{name} is in exactly one place");
    }
    assert_eq!(placed.values().sum::<usize>(), hashes.len());

    // No row doubled: one submission per input, rows as built.
    let listing: Vec<String> = env
        .db()
        .prepare("SELECT original_name, status, rows_accepted, filed FROM submission ORDER BY id")
        .unwrap()
        .query_map([], |r| {
            Ok(format!(
                "{} {} {} {}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        env.count("SELECT count(*) FROM submission WHERE filed = 0"),
        0,
        "{listing:#?}"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM submission"),
        inputs.len() as i64,
        "{listing:#?}"
    );
    let expected_active: usize = inputs.iter().map(|(_, n)| n).sum::<usize>() - 150; // the corrected return
    assert_eq!(active_responses(&env), expected_active as i64, "{listing:#?}");
    assert_eq!(
        env.count(
            "SELECT count(*) FROM submission s WHERE status <> 'rejected'
             AND rows_accepted <> (SELECT count(*) FROM response r WHERE r.submission_id = s.id)"
        ),
        0
    );
    // Reports caught up too: no period left marked stale, every month has its scores.json.
    assert_eq!(env.count("SELECT count(*) FROM stale_period"), 0);
    for month in ["2026-03", "2026-06", "2026-10"] {
        assert!(env.path(&format!("reports/{month}/scores.json")).is_file(), "{month}");
    }
    assert_eq!(
        env.count("SELECT count(*) FROM submission WHERE status = 'superseded' AND original_name = 'JL/竟陵街道_月度自评_2026-03.xlsx'"),
        1,
        "{listing:#?}"
    );
}

#[test]
fn a_large_return_is_written_in_chunks_and_counted_once() {
    let env = Env::new();
    // Over 1 MB, so it is read on a thread of its own and written in chunks meanwhile.
    let mut rows = return_rows("竟陵街道", "2026-10", 1, 20000);
    // Row 4500 (sheet row 4505) repeats the respondent of the first data row (sheet row 6).
    rows[4504] = row(1, "2026-10-05", "天门市第一供水有限公司");
    write_xlsx(&env.inbox("大.xlsx"), "调查问卷", &rows);
    assert!(std::fs::metadata(env.inbox("大.xlsx")).unwrap().len() > 1 << 20);
    // Another submitter already reported respondent 3000 this period.
    let mut other = return_rows("岳口镇", "2026-10", 3000, 1);
    other.truncate(6);
    write_xlsx(&env.inbox("0_岳口镇.xlsx"), "调查问卷", &other);
    let out = env.run(&["run"]);
    assert_eq!(code(&out), 3, "{}", stdout(&out));
    assert_eq!(
        env.count("SELECT rows_accepted FROM submission WHERE original_name = '大.xlsx'"),
        19998
    );
    assert_eq!(env.count("SELECT count(*) FROM response r JOIN submission s ON s.id = r.submission_id WHERE s.original_name = '大.xlsx'"), 19998);
    let cells: Vec<String> = env
        .db()
        .prepare("SELECT cell FROM row_issue ORDER BY row_no")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // Respondent 3000 is data row 3000, sheet row 3005; the repeat is at sheet row 4505.
    assert_eq!(cells, ["调查问卷!D3005", "调查问卷!D4505"]);
}

#[test]
fn a_return_rejected_after_rows_were_written_leaves_none_behind() {
    let env = Env::with_config_extra("[limits]\nmax_rows = 19000\n");
    write_xlsx(
        &env.inbox("超限.xlsx"),
        "调查问卷",
        &return_rows("竟陵街道", "2026-10", 1, 20000),
    );
    let out = env.run(&["run"]);
    assert_eq!(code(&out), 3, "{}", stdout(&out));
    let text = env.explanation("超限.xlsx");
    assert!(text.contains("超过上限 19000 行"), "{text}");
    assert_eq!(env.count("SELECT count(*) FROM response"), 0);
    assert_eq!(
        env.count("SELECT count(*) FROM submission WHERE status = 'rejected'"),
        1
    );
}

#[test]
fn a_superseded_return_sent_again_is_taken_again() {
    let env = Env::new();
    write_xlsx(
        &env.path("v1.xlsx"),
        "调查问卷",
        &return_rows("竟陵街道", "2026-10", 1, 3),
    );
    write_xlsx(
        &env.path("v2.xlsx"),
        "调查问卷",
        &return_rows("竟陵街道", "2026-10", 1, 5),
    );
    copy(&env.path("v1.xlsx"), &env.inbox("JL/a.xlsx"));
    assert_eq!(code(&env.run(&["run"])), 0);
    copy(&env.path("v2.xlsx"), &env.inbox("JL/b.xlsx"));
    assert_eq!(code(&env.run(&["run"])), 0);
    // The unit goes back to its first version: the same bytes as the superseded return.
    copy(&env.path("v1.xlsx"), &env.inbox("JL/c.xlsx"));
    let out = env.run(&["run"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(active_responses(&env), 3);
    assert_eq!(
        env.count("SELECT count(*) FROM submission WHERE status = 'accepted' AND original_name = 'JL/c.xlsx'"),
        1
    );
}

#[test]
fn a_blocked_destination_does_not_stop_the_batch() {
    let env = Env::new();
    write_xlsx(
        &env.inbox("JL/a.xlsx"),
        "调查问卷",
        &return_rows("竟陵街道", "2026-10", 1, 2),
    );
    write_xlsx(
        &env.inbox("YK/b.xlsx"),
        "调查问卷",
        &return_rows("岳口镇", "2026-10", 100, 2),
    );
    // archive/2026-10 cannot be created: a file stands in its way.
    std::fs::create_dir_all(env.path("archive")).unwrap();
    std::fs::write(env.path("archive/2026-10"), b"in the way").unwrap();
    let out = env.run(&["run"]);
    assert_eq!(
        code(&out),
        1,
        "a file that cannot be moved is the IT officer's business"
    );
    let text = stdout(&out);
    assert!(text.contains("未移动") && text.contains("archive/2026-10"), "{text}");
    assert_eq!(active_responses(&env), 4, "both returns are stored");
    assert!(
        env.inbox("JL/a.xlsx").is_file() && env.inbox("YK/b.xlsx").is_file(),
        "and stay in the inbox"
    );
    // Once the obstacle is gone, the next run moves them and stores nothing twice.
    std::fs::remove_file(env.path("archive/2026-10")).unwrap();
    let out = env.run(&["run"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(env.files("archive"), ["2026-10/a.xlsx", "2026-10/b.xlsx"]);
    assert_eq!(active_responses(&env), 4);
    assert_eq!(env.count("SELECT count(*) FROM submission"), 2);
}

#[test]
fn a_file_ingested_from_outside_the_inbox_is_found_again_after_a_failed_move() {
    let env = Env::new();
    let outside = tempfile::tempdir().unwrap();
    let file = outside.path().join("报表.xlsx");
    write_xlsx(&file, "调查问卷", &monthly(2));
    std::fs::create_dir_all(env.path("archive")).unwrap();
    std::fs::write(env.path("archive/2026-10"), b"in the way").unwrap();
    assert_eq!(code(&env.run(&["ingest", file.to_str().unwrap()])), 1);
    assert!(file.is_file());
    std::fs::remove_file(env.path("archive/2026-10")).unwrap();
    // The next run finishes the move of the recorded file where it was given.
    assert_eq!(code(&env.run(&["run"])), 0);
    assert!(!file.exists());
    assert_eq!(env.files("archive"), ["2026-10/报表.xlsx"]);
    assert_eq!(env.count("SELECT count(*) FROM submission WHERE filed = 1"), 1);
    assert_eq!(active_responses(&env), 2);
}

#[test]
fn files_still_arriving_wait_for_the_next_run() {
    let env = Env::with_config_extra("");
    // Replace the test setting with the default settle time.
    let config = std::fs::read_to_string(env.path("utility-eval.toml"))
        .unwrap()
        .replace(SETTLED, "");
    std::fs::write(env.path("utility-eval.toml"), config).unwrap();
    write_xlsx(&env.inbox("a.xlsx"), "调查问卷", &monthly(2));
    let out = env.run(&["run"]);
    assert_eq!(code(&out), 0);
    // One coherent thing: the file waiting, and nothing else (no "no new files" beside it).
    assert_eq!(
        stdout(&out).trim(),
        "收件箱中有 1 个文件刚刚改动、可能仍在上传,下次运行时处理:a.xlsx"
    );
    assert!(env.inbox("a.xlsx").is_file());
    // Ten minutes later it has settled.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(600);
    std::fs::File::options()
        .write(true)
        .open(env.inbox("a.xlsx"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    assert_eq!(code(&env.run(&["run"])), 0);
    assert_eq!(active_responses(&env), 2);
}
