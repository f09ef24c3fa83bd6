//! Regression tests for intake that loses, bends, misfiles or sticks on data without a word
//! (SPEC §5, §6, §9). Each test is named after the fault it caught.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::*;

fn show(o: &Output) -> String {
    format!("exit {}\n--- stdout\n{}\n--- stderr\n{}", code(o), stdout(o), stderr(o))
}

/// A stored submission: (submitter, kind, period, status).
type Stored = (Option<String>, Option<String>, Option<String>, String);

/// The stored submissions, oldest first.
fn submissions(env: &Env) -> Vec<Stored> {
    let db = env.db();
    let mut st = db
        .prepare("SELECT submitter_code, kind, period, status FROM submission ORDER BY id")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// A monthly return of `n` valid rows for `unit` about GS01, its 所属期 cell holding `period`.
fn monthly_of(unit: &str, period: C, date: &str, n: u32) -> Vec<Vec<C>> {
    let mut rows = vec![
        vec![s("填报单位"), s(unit)],
        vec![s("报表类型"), s("月度自评")],
        vec![s("所属期"), period],
        vec![],
        header(),
    ];
    for i in 1..=n {
        rows.push(row(i, date, "天门市第一供水有限公司"));
    }
    rows
}

/// Every filed submission's file holds the bytes it was recorded with.
fn assert_filed_files_match_their_records(env: &Env) {
    let db = env.db();
    let mut st = db
        .prepare("SELECT original_name, stored_path, sha256 FROM submission WHERE filed = 1")
        .unwrap();
    let rows: Vec<(String, String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (name, stored, sha) in rows {
        assert_eq!(
            sha256(Path::new(&stored)),
            sha,
            "{name} filed at {stored} under another version's record"
        );
    }
}

// 1 ─ the template's own header

/// The cells of the template's data sheet header, as written.
fn template_header(env: &Env) -> Vec<String> {
    use calamine::Reader;
    let form = env.path("form.xlsx");
    let o = env.run(&[
        "template",
        "--kind",
        "monthly",
        "--unit",
        "JL",
        "--period",
        "2026-10",
        "--out",
        form.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&form).unwrap();
    let range = wb.worksheet_range("调查问卷").unwrap();
    let header_row = (0..range.height())
        .find(|&r| {
            range
                .get((r, 0))
                .is_some_and(|v| *v == calamine::Data::String("序号".into()))
        })
        .expect("a header row");
    (0..range.width())
        .map(|c| range.get((header_row, c)).map(|v| v.to_string()).unwrap_or_default())
        .collect()
}

/// A value for the column a template header names, for user `n`.
fn value_for(header: &str, n: u32) -> C {
    let label = header.split('\n').next().unwrap_or(header);
    match label {
        "序号" => C::N(f64::from(n)),
        "调查日期" => s("2026-10-05"),
        "调查方式" => s("问卷"),
        "用户名称" => C::S(format!("模板用户{n}")),
        "用户类型" => s("工商业用户"),
        "用水(用气)性质" => s("生产经营"),
        "月均用量" => C::N(100.0),
        "联系电话" => C::S(format!("139{n:08}")),
        "服务类别" => s("供水"),
        "服务企业" => s("天门市第一供水有限公司"),
        "所属县市" => s("竟陵街道"),
        "Q8" | "Q10" | "Q11" => s("否"),
        "Q12" => s("满意"),
        q if q.starts_with('Q') => s("是"),
        d if d.starts_with('D') => s("满意"),
        _ => C::Blank,
    }
}

fn filled_template(header: &[String], n: u32) -> Vec<Vec<C>> {
    let mut rows = vec![
        vec![s("天门市供水供气企业服务满意度调查表(月度自评)")],
        vec![s("填报单位"), s("竟陵街道")],
        vec![s("报表类型"), s("月度自评")],
        vec![s("所属期"), s("2026-10")],
        vec![],
        header.iter().map(|h| C::S(h.clone())).collect(),
    ];
    for i in 1..=n {
        rows.push(header.iter().map(|h| value_for(h, i)).collect());
    }
    rows
}

#[test]
fn the_templates_own_header_scores_every_item() {
    let env = Env::new();
    let header = template_header(&env);
    assert!(
        header.iter().any(|h| h == "Q7\n24小时咨询报修抢险投诉"),
        "the template writes Q7 with its name on a second line: {header:?}"
    );
    write_xlsx(&env.inbox("JL/filled.xlsx"), "调查问卷", &filled_template(&header, 5));
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let scores = scores(&env, "2026-10");
    let city = &scores["groups"].as_array().unwrap()[0];
    assert_eq!(city["level"], "city");
    let items = city["items"].as_object().unwrap();
    let ids: Vec<String> = (1..=12)
        .map(|q| format!("Q{q}"))
        .chain((1..=4).map(|d| format!("D{d}")))
        .collect();
    for id in &ids {
        assert_eq!(items[id]["n"], 5, "{id} read from the template's header: {}", items[id]);
    }
}

#[test]
fn a_missing_question_column_is_said_where_submitter_and_operator_see_it() {
    let env = Env::new();
    let mut header = template_header(&env);
    header.retain(|h| !h.starts_with("Q7\n"));
    let path = env.inbox("JL/no_q7.xlsx");
    write_xlsx(&path, "调查问卷", &filled_template(&header, 5));
    let check = env.run(&["check", path.to_str().unwrap()]);
    assert!(
        stdout(&check).contains("缺少题目列 Q7(24小时咨询报修抢险投诉)"),
        "{}",
        show(&check)
    );
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "accepted, with a warning: {}", show(&o));
    assert!(stdout(&o).contains("缺少题目列 Q7"), "{}", show(&o));
    let (guide, _) = feedback_workbook(&env, "2026-10", "2026年10月", "竟陵街道");
    assert!(guide.contains("缺少题目列 Q7") && guide.contains("不计分"), "{guide}");
    let warnings: String = env
        .db()
        .query_row("SELECT warnings FROM submission", [], |r| r.get(0))
        .unwrap();
    assert!(warnings.contains("Q7"), "stored: {warnings}");
    let city = &scores(&env, "2026-10")["groups"][0];
    assert!(city["items"].get("Q7").is_none_or(|q| q["n"] == 0), "{}", city["items"]);
    assert_eq!(city["items"]["Q6"]["n"], 5);
}

#[test]
fn a_header_spread_over_two_merged_rows_is_read() {
    let env = Env::new();
    let mut top: Vec<C> = header().into_iter().take(11).collect();
    top.push(s("满意度评价"));
    let mut below: Vec<C> = vec![C::Blank; 11];
    below.extend(header().into_iter().skip(11));
    let mut rows = meta("竟陵街道", "月度自评", "2026-10");
    rows.push(top);
    rows.push(below);
    for i in 1..=3 {
        rows.push(row(i, "2026-10-05", "天门市第一供水有限公司"));
    }
    write_xlsx(&env.inbox("merged.xlsx"), "调查问卷", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let city = &scores(&env, "2026-10")["groups"][0];
    assert_eq!(city["n"], 3);
    assert_eq!(city["items"]["Q12"]["n"], 3);
}

// 2 ─ 所属期 typed 2026.10, stored by Excel as the number 2026.1

#[test]
fn a_period_typed_2026_10_is_not_read_as_january() {
    let env = Env::new();
    write_xlsx(
        &env.inbox("JL/十月.xlsx"),
        "调查问卷",
        &monthly_of("竟陵街道", C::N(2026.1), "2026-10-08", 4),
    );
    // The dates cannot tell: some in January, some in October.
    let mut both = monthly_of("岳口镇", C::N(2026.1), "2026-10-08", 2);
    both.push(row(9, "2026-01-08", "天门市第一供水有限公司"));
    write_xlsx(&env.inbox("YK/十月.xlsx"), "调查问卷", &both);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    assert!(stdout(&o).contains("按调查日期判断为 2026年10月"), "{}", show(&o));
    let subs = submissions(&env);
    assert_eq!(
        subs[0],
        (
            Some("JL".into()),
            Some("monthly".into()),
            Some("2026-10".into()),
            "accepted".into()
        )
    );
    assert_eq!(subs[1].3, "rejected");
    assert!(
        !subs.iter().any(|s| s.2.as_deref() == Some("2026-01")),
        "no phantom January: {subs:?}"
    );
    let why = env.explanation("十月.xlsx");
    assert!(
        why.contains("可能是 2026年1月,也可能是 2026年10月") && why.contains("调查日期1月和10月都有"),
        "{why}"
    );
    let status = env.run(&["status"]);
    assert!(
        !stdout(&status).contains("== 2026年1月"),
        "no January section: {}",
        show(&status)
    );
}

// 3 ─ a file replaced while a run reads it

#[test]
fn a_file_replaced_during_a_run_is_never_archived_under_the_other_versions_record() {
    let env = Env::new();
    let path = env.inbox("JL/月报.xlsx");
    write_xlsx(&path, "调查问卷", &monthly(20_000));
    // Version B: the same return with one answer corrected, saved under the same name the way
    // office programs save (a new file renamed over the old).
    let b = env.path("b.xlsx");
    let mut corrected = monthly(20_000);
    corrected[5][11] = s("否");
    write_xlsx(&b, "调查问卷", &corrected);
    let b_sha = sha256(&b);
    let child = Command::new(BIN)
        .arg("run")
        .env("UTILITY_EVAL_CONFIG", env.path("utility-eval.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    let tmp = env.inbox("JL/.月报.xlsx.saving");
    std::fs::copy(&b, &tmp).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    let first = child.wait_with_output().unwrap();
    assert!([0, 1].contains(&code(&first)), "{}", show(&first));
    let second = env.run(&["run"]);
    assert_eq!(code(&second), 0, "{}", show(&second));
    assert_filed_files_match_their_records(&env);
    let in_force: String = env
        .db()
        .query_row("SELECT sha256 FROM submission WHERE status = 'accepted'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(in_force, b_sha, "the corrected version is the return in force");
    assert!(env.files("inbox").is_empty(), "{:?}", env.files("inbox"));
}

// 4 ─ a folder that cannot be read

#[test]
fn a_folder_that_cannot_be_read_is_named_and_the_rest_processed() {
    let env = Env::new();
    write_xlsx(&env.inbox("JL/ok.xlsx"), "调查问卷", &monthly(2));
    // A path longer than the system's 4,096-byte limit, made one relative step at a time.
    let level = "d".repeat(200);
    let script = format!(
        "cd '{}' && mkdir deep && cd deep && for i in $(seq 1 25); do mkdir {level} && cd {level}; done && echo x > inside.xlsx",
        env.inbox("").display()
    );
    let made = Command::new("bash").arg("-c").arg(&script).output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 1, "the operator must act: {}", show(&o));
    assert!(stderr(&o).contains("无法读取收件箱中的 deep/ddd"), "{}", show(&o));
    assert!(
        env.files("archive").iter().any(|f| f.ends_with("ok.xlsx")),
        "the rest is processed"
    );
    assert_eq!(submissions(&env).len(), 1);
    // Not root: a folder without permissions is skipped the same way.
    let uid = Command::new("id").arg("-u").output().unwrap();
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(env.inbox("closed")).unwrap();
        std::fs::set_permissions(env.inbox("closed"), std::fs::Permissions::from_mode(0o000)).unwrap();
        let o = env.run(&["run"]);
        assert!(stderr(&o).contains("closed"), "{}", show(&o));
        std::fs::set_permissions(env.inbox("closed"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

// 5 ─ only the city unit submits 季度抽查

#[test]
fn a_county_cannot_submit_the_quarterly_sampled_survey() {
    let env = Env::new();
    let mut rows = meta("竟陵街道", "季度抽查", "2026Q3");
    rows.push(header());
    rows.push(row(1, "2026-08-05", "天门市第一供水有限公司"));
    write_xlsx(&env.inbox("抽查.xlsx"), "调查问卷", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    let why = env.explanation("抽查.xlsx");
    assert!(
        why.contains("季度抽查只能由市级单位“天门市住房和城乡建设局”报送") && why.contains("竟陵街道"),
        "{why}"
    );
    assert_eq!(env.count("SELECT count(*) FROM response"), 0);
}

// 6 ─ a folder that disagrees with the sheet

#[test]
fn a_folder_that_disagrees_with_the_sheet_never_replaces_another_units_return() {
    let env = Env::new();
    write_xlsx(&env.inbox("JL/竟陵.xlsx"), "调查问卷", &monthly(3));
    assert_eq!(code(&env.run(&["run"])), 0);
    // A 竟陵街道 return dropped into 岳口镇's folder.
    write_xlsx(&env.inbox("YK/竟陵.xlsx"), "调查问卷", &monthly(1));
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    let why = env.explanation("竟陵.xlsx");
    assert!(
        why.contains("填报单位为“竟陵街道”") && why.contains("“岳口镇”的文件夹"),
        "{why}"
    );
    assert_eq!(
        env.count("SELECT rows_accepted FROM submission WHERE status = 'accepted'"),
        3,
        "JL's return stays in force"
    );
    // A real correction says which return it replaced.
    write_xlsx(&env.inbox("JL/竟陵(更正).xlsx"), "调查问卷", &monthly(4));
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(
        stdout(&o).contains("替代了") && stdout(&o).contains("接收的同期报表“JL/竟陵.xlsx”"),
        "{}",
        show(&o)
    );
}

// 7 ─ folders that overlap the inbox

#[test]
fn folders_inside_the_inbox_are_refused_at_start_up() {
    for (key, inside) in [
        ("archive", "inbox/archive"),
        ("database", "inbox/db.sqlite"),
        ("reports", "./inbox/../inbox/reports"),
        ("rejected", "inbox"),
    ] {
        let env = Env::new();
        let config = env.path("utility-eval.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        let original = match key {
            "database" => "database = \"data/utility-eval.sqlite\"".to_string(),
            k => format!("{k} = \"{k}\""),
        };
        assert!(text.contains(&original), "{original}");
        std::fs::write(&config, text.replace(&original, &format!("{key} = \"{inside}\""))).unwrap();
        write_xlsx(&env.inbox("JL/a.xlsx"), "调查问卷", &monthly(1));
        let o = env.run(&["run"]);
        assert_eq!(code(&o), 1, "{}", show(&o));
        assert!(
            stderr(&o).contains(&format!("[paths] {key}")) && stderr(&o).contains("[paths] inbox"),
            "{}",
            show(&o)
        );
        assert!(env.inbox("JL/a.xlsx").exists(), "nothing moved");
    }
}

// 8 ─ nothing the program writes replaces a file

#[test]
fn an_explanation_never_overwrites_a_received_file() {
    let env = Env::new();
    // First, a received file that happens to bear an explanation's name (rejected: not a
    // spreadsheet), then a rejected 月报.xlsx whose explanation would take that name.
    std::fs::write(env.inbox("月报.xlsx.错误说明.txt"), "单位自己的说明").unwrap();
    assert_eq!(code(&env.run(&["run"])), 3);
    let received = env.path("rejected/月报.xlsx.错误说明.txt");
    assert_eq!(std::fs::read_to_string(&received).unwrap(), "单位自己的说明");
    std::fs::write(env.inbox("月报.xlsx"), "not a workbook either").unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    assert_eq!(
        std::fs::read_to_string(&received).unwrap(),
        "单位自己的说明",
        "never replaced"
    );
    let ours = env.path("rejected/月报(2).xlsx.错误说明.txt");
    assert!(
        std::fs::read_to_string(&ours).unwrap().contains("报表退回说明"),
        "{:?}",
        env.files("rejected")
    );
}

#[test]
fn feedback_workbooks_of_two_units_never_overwrite_each_other() {
    let env = Env::new();
    // Two accepted returns named 月报.xlsx, from two units, each with a bad row.
    for (dir, unit) in [("JL", "竟陵街道"), ("YK", "岳口镇")] {
        let mut rows = monthly_of(unit, s("2026-10"), "2026-10-05", 2);
        let mut bad = row(3, "2026-10-05", "天门市第一供水有限公司");
        bad[7] = s("12345");
        if dir == "YK" {
            bad[3] = s("岳口的用户");
            rows[5][3] = s("岳口用户1");
            rows[6][3] = s("岳口用户2");
        }
        rows.push(bad);
        write_xlsx(&env.inbox(&format!("{dir}/月报.xlsx")), "调查问卷", &rows);
    }
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    for unit in ["竟陵街道", "岳口镇"] {
        let (guide, reasons) = feedback_workbook(&env, "2026-10", "2026年10月", unit);
        assert!(guide.contains(unit), "{guide}");
        assert_eq!(reasons.len(), 1, "{unit}: {reasons:?}");
    }
}

// 9 ─ names that do not fit, names that are not UTF-8

#[test]
fn a_name_too_long_to_file_is_shortened_and_recorded_in_full() {
    let env = Env::new();
    let long = format!("{}.xlsx", "竟陵街道二〇二六年十月供水服务满意度月度自评报表".repeat(3));
    assert!(long.len() > 200 && long.len() < 256, "{}", long.len());
    write_xlsx(&env.inbox(&format!("JL/{long}")), "调查问卷", &monthly(2));
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(env.files("inbox").is_empty());
    let archived = env.files("archive");
    assert_eq!(archived.len(), 1);
    assert!(
        archived[0].len() < long.len() && archived[0].ends_with("….xlsx"),
        "{archived:?}"
    );
    let name: String = env
        .db()
        .query_row("SELECT original_name FROM submission", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, format!("JL/{long}"));
    assert_eq!(code(&env.run(&["run"])), 0, "and the next run is clean");
}

#[test]
fn a_non_utf8_name_is_recovered_by_its_recorded_path_not_taken_for_a_duplicate() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let name = std::ffi::OsStr::from_bytes(b"JL/\xd4\xc2\xb1\xa8.xlsx"); // 月报 in GBK
    let path = env.path("inbox").join(name);
    write_xlsx(&path, "调查问卷", &monthly(2));
    assert_eq!(code(&env.run(&["run"])), 0);
    // Undo the move as a kill between commit and move would leave it.
    let stored: String = env
        .db()
        .query_row("SELECT stored_path FROM submission", [], |r| r.get(0))
        .unwrap();
    std::fs::rename(&stored, &path).unwrap();
    env.db().execute("UPDATE submission SET filed = 0", []).unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(
        !stdout(&o).contains("内容相同"),
        "not a duplicate of itself: {}",
        show(&o)
    );
    assert_eq!(env.count("SELECT count(*) FROM submission"), 1);
    assert_eq!(env.count("SELECT filed FROM submission"), 1);
    assert!(env.files("rejected").is_empty(), "{:?}", env.files("rejected"));
    assert!(Path::new(&stored).exists());
}

// 10 ─ links and other non-files

#[test]
fn links_and_fifos_are_not_followed_and_are_listed_once() {
    let env = Env::new();
    let outside = env.path("elsewhere/外部.xlsx");
    write_xlsx(&outside, "调查问卷", &monthly(2));
    std::os::unix::fs::symlink(&outside, env.inbox("链接.xlsx")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", env.inbox("passwd.xlsx")).unwrap();
    let fifo = env.inbox("管道.xlsx");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let out = stdout(&o);
    assert!(
        out.contains("链接.xlsx(符号链接)")
            && out.contains("passwd.xlsx(符号链接)")
            && out.contains("管道.xlsx(管道(FIFO))"),
        "{}",
        show(&o)
    );
    assert_eq!(
        env.count("SELECT count(*) FROM submission"),
        0,
        "nothing read through them"
    );
    assert!(env.files("rejected").is_empty() && env.files("archive").is_empty());
    assert!(
        std::fs::symlink_metadata(env.inbox("链接.xlsx"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let again = env.run(&["run"]);
    assert!(!stdout(&again).contains("符号链接"), "said once: {}", show(&again));
    // `ingest` does not follow one either.
    let o = env.run(&["ingest", env.inbox("链接.xlsx").to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", show(&o));
    assert!(stderr(&o).contains("不是普通文件"), "{}", show(&o));
}

// 11 ─ the smaller ones

#[test]
fn a_file_dated_in_the_future_still_settles_by_its_change_time() {
    let env = Env::with_config_extra("");
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("settle_seconds = 0", "settle_seconds = 3600")).unwrap();
    let path = env.inbox("JL/future.xlsx");
    write_xlsx(&path, "调查问卷", &monthly(1));
    let future = std::time::SystemTime::now() + std::time::Duration::from_secs(86_400 * 365);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(future)
        .unwrap();
    let o = env.run(&["run"]);
    assert!(
        stdout(&o).contains("可能仍在上传") && path.exists(),
        "just written: waits\n{}",
        show(&o)
    );
}

#[test]
fn a_closed_stdout_does_not_panic_the_run() {
    let env = Env::new();
    write_xlsx(&env.inbox("退回.xlsx"), "调查问卷", &[vec![s("不是报表")]]);
    write_xlsx(&env.inbox("JL/a.xlsx"), "调查问卷", &monthly(2));
    let mut child = Command::new(BIN)
        .arg("run")
        .env("UTILITY_EVAL_CONFIG", env.path("utility-eval.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // `run | head -0`
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 3, "{}", show(&o));
    assert!(
        !stderr(&o).contains("panicked") && !stderr(&o).contains("内部错误"),
        "{}",
        show(&o)
    );
    assert!(env.files("inbox").is_empty());
}

#[test]
fn temporaries_left_by_a_killed_run_are_cleaned_from_archive_and_reports() {
    let env = Env::new();
    for dir in ["archive/2026-10", "reports/2026-10"] {
        std::fs::create_dir_all(env.path(dir)).unwrap();
        std::fs::write(env.path(&format!("{dir}/.utility-eval-4242-0.tmp")), "half").unwrap();
        std::fs::write(env.path(&format!("{dir}/单位的文件.tmp")), "theirs").unwrap();
    }
    assert_eq!(code(&env.run(&["run"])), 0);
    for dir in ["archive/2026-10", "reports/2026-10"] {
        assert!(!env.path(&format!("{dir}/.utility-eval-4242-0.tmp")).exists(), "{dir}");
        assert!(
            env.path(&format!("{dir}/单位的文件.tmp")).exists(),
            "only our own: {dir}"
        );
    }
}

#[test]
fn a_database_held_by_another_program_exits_75_at_once() {
    let env = Env::new();
    assert_eq!(code(&env.run(&["run"])), 0);
    write_xlsx(&env.inbox("JL/a.xlsx"), "调查问卷", &monthly(1));
    let holder = env.db();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let started = std::time::Instant::now();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 75, "{}", show(&o));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(
        stderr(&o).contains("正被另一个程序占用") && stderr(&o).contains("utility-eval.sqlite"),
        "{}",
        show(&o)
    );
    holder.execute_batch("ROLLBACK").unwrap();
    assert!(env.inbox("JL/a.xlsx").exists());
}

#[test]
fn a_database_that_cannot_be_opened_is_named_in_chinese() {
    let env = Env::new();
    std::fs::create_dir_all(env.path("data")).unwrap();
    std::fs::write(env.path("data/utility-eval.sqlite"), vec![b'x'; 4096]).unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 1, "{}", show(&o));
    assert!(
        stderr(&o).contains("数据库")
            && stderr(&o).contains("data/utility-eval.sqlite")
            && stderr(&o).contains("不是 SQLite 数据库文件"),
        "{}",
        show(&o)
    );
}

#[test]
fn limits_too_large_to_count_are_a_config_error_not_an_overflow() {
    let env = Env::with_config_extra("[limits]\nmax_file_mb = 18446744073709551615\n");
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 1, "{}", show(&o));
    assert!(
        stderr(&o).contains("max_file_mb") && stderr(&o).contains("超出范围"),
        "{}",
        show(&o)
    );
}

#[test]
fn an_empty_config_variable_counts_as_unset() {
    let env = Env::new();
    let o = Command::new(BIN)
        .arg("status")
        .env("UTILITY_EVAL_CONFIG", "")
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "./utility-eval.toml is used: {}", show(&o));
    let o = Command::new(BIN).args(["run", "--bogus"]).output().unwrap();
    assert_eq!(code(&o), 2, "{}", show(&o));
    assert!(stderr(&o).contains("命令行有误"), "{}", show(&o));
}

#[test]
fn control_characters_in_names_are_escaped_when_printed() {
    let env = Env::new();
    std::fs::write(env.inbox("坏\u{1b}[31m名\n字.xlsx"), "not a workbook").unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    let out = stdout(&o);
    assert!(!out.contains('\u{1b}'), "{out:?}");
    assert!(out.contains("坏\\u{1b}[31m名\\u{a}字.xlsx"), "{out:?}");
}

// 12 ─ county names as clerks write them

#[test]
fn counties_match_with_or_without_a_bureau_suffix() {
    let env = Env::with_config_extra(
        "[[unit]]\ncode = \"DH\"\nname = \"东华县住建局\"\n\n[[unit]]\ncode = \"XH\"\nname = \"西河片区\"\ncounty = \"西河镇\"\n",
    );
    let mut rows = meta("东华县住建局", "月度自评", "2026-10");
    rows.push(header());
    for (i, county) in [(1, "东华县"), (2, "东华县住建局"), (3, "西河镇"), (4, "西河片区")] {
        let mut r = row(i, "2026-10-05", "天门市第一供水有限公司");
        r[10] = s(county);
        rows.push(r);
    }
    write_xlsx(&env.inbox("DH/东华.xlsx"), "调查问卷", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let db = env.db();
    let mut st = db.prepare("SELECT county FROM response ORDER BY row_no").unwrap();
    let counties: Vec<String> = st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(counties, ["东华县", "东华县", "西河镇", "西河镇"]);
    // Rows stored before the suffix was understood (as 东华县住建局) count with 东华县.
    env.db()
        .execute("UPDATE response SET county = '东华县住建局' WHERE row_no = 6", [])
        .unwrap();
    let o = env.run(&["report", "--period", "2026-10"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let doc = scores(&env, "2026-10");
    let groups: Vec<(&str, u64)> = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["level"] == "county")
        .map(|g| (g["key"].as_str().unwrap(), g["n"].as_u64().unwrap()))
        .collect();
    assert_eq!(groups, [("东华县", 2), ("西河镇", 2)], "one group per county");
}

#[test]
fn a_faulty_sheet_after_the_data_sheet_does_not_reject_the_return() {
    use std::io::{Read, Write};
    let env = Env::new();
    let good = env.path("good.xlsx");
    write_xlsx_sheets(
        &good,
        &[("调查问卷", monthly(3).as_slice()), ("备注", &[vec![s("说明")]])],
    );
    // The second sheet's XML broken, as a damaged save leaves it.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&good).unwrap()).unwrap();
    std::fs::create_dir_all(env.inbox("JL")).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(env.inbox("JL/两表.xlsx")).unwrap());
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == "xl/worksheets/sheet2.xml" {
            bytes =
                b"<worksheet><sheetData><row r=\"5\"><c r=\"A5\" t=\"s\"><v>999</v></c></row><row r=\"2\">".to_vec();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert_eq!(env.count("SELECT count(*) FROM response"), 3);
}

// 13 ─ one cause behind many identical row errors

#[test]
fn a_missing_phone_column_is_said_once_before_the_rows() {
    let env = Env::new();
    let mut rows = monthly(3);
    for r in rows.iter_mut().skip(4) {
        r.remove(7);
    }
    write_xlsx(&env.inbox("无电话.xlsx"), "调查问卷", &rows);
    assert_eq!(code(&env.run(&["run"])), 3);
    let why = env.explanation("无电话.xlsx");
    let reason = why.lines().find(|l| l.starts_with("退回原因")).unwrap();
    assert!(reason.contains("表头中没有“联系电话”列"), "{why}");
    assert!(why.contains("缺少必填项“联系电话”"), "the rows follow: {why}");
}

#[test]
fn a_period_none_of_the_dates_fall_in_is_said_once_with_the_likely_period() {
    let env = Env::new();
    write_xlsx(
        &env.inbox("错期.xlsx"),
        "调查问卷",
        &monthly_of("竟陵街道", s("2026-10"), "2026-09-12", 5),
    );
    assert_eq!(code(&env.run(&["run"])), 3);
    let why = env.explanation("错期.xlsx");
    let reason = why.lines().find(|l| l.starts_with("退回原因")).unwrap();
    assert!(
        reason.contains("全部 5 行的调查日期都不在该期内") && reason.contains("是否应为 2026-09"),
        "{why}"
    );
}

// 14 ─ answers as clerks type them

#[test]
fn unambiguous_answer_spellings_are_accepted_and_ambiguous_ones_explained() {
    let env = Env::new();
    let mut rows = monthly(3);
    rows[4 + 1][11] = s("是的");
    rows[4 + 1][22] = s("非常满意。");
    rows[4 + 2][11] = s("对");
    rows[4 + 2][23] = s("比较满意");
    rows[4 + 3][24] = s("基本满意");
    write_xlsx(&env.inbox("JL/答案.xlsx"), "调查问卷", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    assert_eq!(env.count("SELECT rows_accepted FROM submission"), 2);
    let problem: String = env
        .db()
        .query_row("SELECT problem FROM row_issue", [], |r| r.get(0))
        .unwrap();
    assert!(problem.contains("非常满意/满意/一般/不满意/非常不满意"), "{problem}");
    let answers: String = env
        .db()
        .query_row("SELECT answers FROM response WHERE row_no = 6", [], |r| r.get(0))
        .unwrap();
    assert!(
        answers.contains("\"Q1\":\"是\"") && answers.contains("\"Q12\":\"非常满意\""),
        "{answers}"
    );
}

// 15 ─ a second data sheet

#[test]
fn a_second_data_sheet_is_not_ignored_silently() {
    let env = Env::new();
    let sep = monthly_of("竟陵街道", s("2026-09"), "2026-09-05", 2);
    let oct = monthly_of("竟陵街道", s("2026-10"), "2026-10-05", 2);
    write_xlsx_sheets(
        &env.inbox("JL/两个月.xlsx"),
        &[("9月", sep.as_slice()), ("10月", oct.as_slice())],
    );
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(
        stdout(&o).contains("只读取了工作表“9月”;工作表“10月”也像是数据表,未读取"),
        "{}",
        show(&o)
    );
}

// 16 ─ check finds what run would

#[test]
fn check_finds_a_respondent_another_unit_already_reported() {
    let env = Env::new();
    write_xlsx(&env.inbox("JL/竟陵.xlsx"), "调查问卷", &monthly(2));
    assert_eq!(code(&env.run(&["run"])), 0);
    let before = env.count("SELECT count(*) FROM submission");
    // 岳口镇 reports user 1 again (same name, phone and enterprise).
    let yk = env.path("岳口.xlsx");
    write_xlsx(&yk, "调查问卷", &monthly_of("岳口镇", s("2026-10"), "2026-10-06", 2));
    let o = env.run(&["check", yk.to_str().unwrap()]);
    assert_eq!(code(&o), 3, "{}", show(&o));
    let out = stdout(&o);
    assert!(out.contains("本期已由“竟陵街道”的“竟陵.xlsx”第 6 行"), "{}", show(&o));
    let issues: Vec<&str> = out.lines().filter(|l| l.starts_with("  ")).collect();
    assert!(
        issues.iter().all(|l| !l.contains(env.dir.path().to_str().unwrap())),
        "no other unit's server path: {out}"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM submission"),
        before,
        "check writes nothing"
    );
}

// 17 ─ survey dates after today

#[test]
fn survey_dates_after_today_are_flagged() {
    use chrono::{Datelike, Days, Local};
    let today = Local::now().date_naive();
    let tomorrow = today.checked_add_days(Days::new(1)).unwrap();
    // The city's quarterly survey of this quarter holds tomorrow unless today ends the quarter.
    let quarter = (today.month() - 1) / 3 + 1;
    let same_quarter = (tomorrow.month() - 1) / 3 + 1 == quarter && tomorrow.year() == today.year();
    let (period, date) = if same_quarter {
        (format!("{}Q{quarter}", today.year()), tomorrow)
    } else {
        let month = today.checked_add_days(Days::new(2)).unwrap();
        (format!("{}-{:02}", month.year(), month.month()), month)
    };
    let env = Env::new();
    let kind = if same_quarter { "季度抽查" } else { "月度自评" };
    let unit = if same_quarter {
        "天门市住房和城乡建设局"
    } else {
        "竟陵街道"
    };
    let mut rows = meta(unit, kind, &period);
    rows.push(header());
    rows.push(row(1, &date.to_string(), "天门市第一供水有限公司"));
    write_xlsx(&env.inbox("未来.xlsx"), "调查问卷", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(
        stdout(&o).contains(&format!("调查日期晚于今天({today}):调查问卷!B6")),
        "{}",
        show(&o)
    );
}

/// An .ods return of `rows` data rows, written directly (content.xml in a zip): large enough
/// that its parsing child takes seconds.
fn write_big_ods(path: &Path, rows: usize) {
    use std::io::Write;
    let cell =
        |v: &str| format!("<table:table-cell office:value-type=\"string\"><text:p>{v}</text:p></table:table-cell>");
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content \
         xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\">\
         <office:body><office:spreadsheet><table:table table:name=\"调查问卷\"><table:table-row>",
    );
    for h in ["序号", "用户名称", "联系电话"]
        .into_iter()
        .map(String::from)
        .chain((1..=12).map(|q| format!("Q{q}")))
    {
        xml.push_str(&cell(&h));
    }
    xml.push_str("</table:table-row>");
    let mut row = String::from("<table:table-row>");
    for v in ["1", "某用户", "13800000000"]
        .into_iter()
        .chain(std::iter::repeat_n("是", 12))
    {
        row.push_str(&cell(v));
    }
    row.push_str("</table:table-row>");
    xml.push_str(&row.repeat(rows));
    xml.push_str("</table:table></office:spreadsheet></office:body></office:document-content>");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    let deflated = zip::write::SimpleFileOptions::default();
    zip.start_file("META-INF/manifest.xml", deflated).unwrap();
    zip.write_all(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest \
          xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">\
          <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
          <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>",
    )
    .unwrap();
    zip.start_file("content.xml", deflated).unwrap();
    zip.write_all(xml.as_bytes()).unwrap();
    zip.finish().unwrap();
}

/// The pid of a `parse-worker` process whose parent is `parent`.
fn parse_worker_of(parent: u32) -> Option<u32> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // pid (comm) state ppid …: the command name may hold spaces, so read after its ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1));
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if ppid == Some(&parent.to_string()) && String::from_utf8_lossy(&cmdline).contains("parse-worker") {
            return Some(pid);
        }
    }
    None
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z'))
    })
}

#[test]
fn a_killed_run_leaves_no_parsing_child_behind() {
    let env = Env::new();
    std::fs::create_dir_all(env.inbox("JL")).unwrap();
    write_big_ods(&env.inbox("JL/大.ods"), 60_000);
    let mut run = Command::new(BIN)
        .arg("run")
        .env("UTILITY_EVAL_CONFIG", env.path("utility-eval.toml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let worker = loop {
        if let Some(pid) = parse_worker_of(run.id()) {
            break pid;
        }
        assert!(std::time::Instant::now() < deadline, "no parsing child seen");
        assert!(
            run.try_wait().unwrap().is_none(),
            "the run ended before its child was seen"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    run.kill().unwrap(); // SIGKILL: no chance to clean up
    run.wait().unwrap();
    let gone_by = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while alive(worker) && std::time::Instant::now() < gone_by {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(!alive(worker), "the parsing child {worker} outlived its killed parent");
    // The next run parses the file from the start.
    assert!(env.inbox("JL/大.ods").exists());
}
