//! Issue 17: what a new user found in intake's account of itself (items 12, 13, 18, 20, 22, 25).

use crate::support::*;

/// Item 18: of a return and its copy `表(1).xlsx` with the same bytes, the copy was kept and the
/// original rejected as its duplicate (name order put `(` first).
#[test]
fn of_a_return_and_its_copy_the_original_is_kept() {
    let env = Env::new();
    write_xlsx(&env.inbox("JL/十月.xlsx"), "调查问卷", &monthly(3));
    copy(&env.inbox("JL/十月.xlsx"), &env.inbox("JL/十月(1).xlsx"));
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", stdout(&o));
    assert!(
        env.path("archive/2026-10/十月.xlsx").is_file(),
        "{:?}",
        env.files("archive")
    );
    assert!(
        stdout(&o).contains("重复  JL/十月(1).xlsx:与已接收的“JL/十月.xlsx”内容相同"),
        "{}",
        stdout(&o)
    );
}

/// Item 12: a file rejected for a period of its own (a misdated return) made a phantom period
/// in `status`: a 2026年1月 block, every unit 未报送, 缺报 5 份.
#[test]
fn a_misdated_rejected_file_makes_no_period_of_its_own() {
    let env = Env::new();
    write_xlsx(&env.inbox("JL/十月.xlsx"), "调查问卷", &monthly(3));
    // A January return without its question columns: rejected, but its period is known.
    let mut rows = meta("竟陵街道", "月度自评", "2026-01");
    rows.push(header()[..11].to_vec());
    rows.push(row(1, "2026-01-05", "天门市第一供水有限公司")[..11].to_vec());
    write_xlsx(&env.inbox("JL/一月.xlsx"), "调查问卷", &rows);
    assert_eq!(code(&env.run(&["run"])), 3);
    let o = env.run(&["status"]);
    let out = stdout(&o);
    assert!(out.contains("== 2026年10月(2026-10) =="), "{out}");
    assert!(!out.contains("== 2026年1月"), "no phantom period: {out}");
    assert!(
        out.contains("所属期没有已接收报表的退回文件 1 个") && out.contains("JL/一月.xlsx(所属期 2026-01)"),
        "listed, not lost: {out}"
    );
    // Asked for by name, it is shown.
    let o = env.run(&["status", "--period", "2026-01"]);
    assert!(stdout(&o).contains("== 2026年1月(2026-01) =="), "{}", stdout(&o));
    // A month between two months with returns is expected: shown, everyone missing.
    let mut dec = monthly(2);
    dec[2][1] = s("2026-12");
    for r in dec.iter_mut().skip(5) {
        r[1] = s("2026-12-05");
    }
    write_xlsx(&env.inbox("JL/十二月.xlsx"), "调查问卷", &dec);
    assert_eq!(code(&env.run(&["run"])), 0);
    let out = stdout(&env.run(&["status"]));
    assert!(out.contains("== 2026年11月(2026-11) =="), "{out}");
}

/// Item 22: `status` counted a file received again with the same bytes (3 received) while
/// scores.json's data_quality said 2: one definition, received = accepted + rejected +
/// superseded + duplicates.
#[test]
fn status_and_the_documents_count_a_duplicate_alike() {
    let env = Env::new();
    write_xlsx(&env.inbox("JL/十月.xlsx"), "调查问卷", &monthly(3));
    assert_eq!(code(&env.run(&["run"])), 0);
    copy(&env.path("archive/2026-10/十月.xlsx"), &env.inbox("JL/再报一次.xlsx"));
    write_xlsx(&env.inbox("JL/更正.xlsx"), "调查问卷", &monthly(4));
    assert_eq!(code(&env.run(&["run"])), 3);
    let scores: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("reports/2026-10/scores.json")).unwrap()).unwrap();
    let jl = scores["data_quality"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["submitter"] == "JL")
        .unwrap()
        .clone();
    // 十月 (superseded), its copy (a duplicate), 更正 (accepted).
    assert_eq!(
        (&jl["received"], &jl["accepted"], &jl["superseded"], &jl["duplicates"]),
        (&3.into(), &1.into(), &1.into(), &1.into()),
        "{jl}"
    );
    let out = stdout(&env.run(&["status"]));
    let line = out.lines().find(|l| l.starts_with("竟陵街道")).unwrap();
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&cols[2..7], ["3", "1", "0", "1", "1"], "{line}");
}

/// Item 20: `run`'s summary left out what was noted of a return (columns ignored), and a file
/// rejected whole for its 44 row problems was summed up as "问题行 0 行".
#[test]
fn the_run_summary_says_the_notes_and_counts_a_rejected_files_rows() {
    let env = Env::new();
    let mut rows = monthly(3);
    rows[4].push(s("备注"));
    write_xlsx(&env.inbox("JL/十月.xlsx"), "调查问卷", &rows);
    let mut bad = monthly(4);
    bad[0][1] = s("岳口镇");
    for r in bad.iter_mut().skip(5) {
        r[1] = s("2031-01-01");
    }
    write_xlsx(&env.inbox("YK/十月.xlsx"), "调查问卷", &bad);
    let o = env.run(&["run"]);
    let out = stdout(&o);
    assert!(out.contains("说明:已忽略无法识别的列:备注"), "{out}");
    assert!(out.contains("有效数据 3 行,问题行 4 行"), "{out}");
}

/// Item 13: a run killed while writing left `.utility-eval-*.tmp` in `public/` and the
/// outbox, which rsync copies to the website; the next run sweeps them (only its own).
#[test]
fn temporaries_left_in_public_and_the_outbox_are_swept() {
    let env = Env::samples();
    assert_eq!(code(&env.run(&["run"])), 3);
    let left = [
        "public/.utility-eval-99999-0.tmp",
        "public/2026-09/.utility-eval-99999-1.tmp",
        "outbox/领导_王局长/2026-09/.utility-eval-99999-2.tmp",
    ];
    for f in left {
        std::fs::write(env.path(f), b"half").unwrap();
    }
    std::fs::write(env.path("public/2026-09/说明.tmp"), b"not ours").unwrap();
    env.run(&["run"]);
    for f in left {
        assert!(!env.path(f).exists(), "{f}");
    }
    assert!(env.path("public/2026-09/说明.tmp").exists(), "only its own");
}

/// Item 25: under the usual umask 0022 the database, archive, reports, outbox and logs were
/// readable by every local user. Now nothing holding personal data is, whatever the umask;
/// `public/` stays readable for the web server.
#[test]
fn files_with_personal_data_are_not_readable_by_other_users() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::samples();
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("umask 0000 && exec '{BIN}' run"))
        .env("UTILITY_EVAL_CONFIG", env.path("utility-eval.toml"))
        .current_dir(env.path(""))
        .output()
        .unwrap();
    assert_eq!(code(&o), 3, "{}", String::from_utf8_lossy(&o.stderr));
    let mode = |rel: &str| std::fs::metadata(env.path(rel)).unwrap().permissions().mode() & 0o777;
    for private in [
        "data/utility-eval.sqlite",
        "data",
        "archive",
        "rejected",
        "reports",
        "outbox",
        "logs",
    ] {
        assert_eq!(mode(private) & 0o007, 0, "{private}: {:o}", mode(private));
    }
    for dir in ["archive", "reports", "outbox"] {
        for f in env.files(dir) {
            let rel = format!("{dir}/{f}");
            assert_eq!(mode(&rel) & 0o007, 0, "{rel}: {:o}", mode(&rel));
        }
    }
    assert_eq!(mode("public"), 0o755);
    for f in env.files("public") {
        let rel = format!("public/{f}");
        assert_eq!(mode(&rel), 0o644, "{rel}");
    }
    assert_eq!(mode("public/2026-09"), 0o755);
    // A deployment made under a looser umask by an older version: its folders are closed.
    std::fs::set_permissions(env.path("archive"), std::fs::Permissions::from_mode(0o755)).unwrap();
    env.run(&["run"]);
    assert_eq!(mode("archive"), 0o750);
}
