//! The commands around ingestion: init, template (and its round trip through intake),
//! check, status, the run lock, and configuration errors.

use std::fs::File;

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::support::*;

#[test]
fn init_writes_a_working_starter_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("评价");
    let out = std::process::Command::new(BIN)
        .arg("init")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for f in [
        "utility-eval.toml",
        "templates/scheme.toml",
        "templates/topics.toml",
        "templates/月度自评_报表模板.xlsx",
        "templates/样本名单_报表模板.xlsx",
    ] {
        assert!(target.join(f).is_file(), "{f}");
    }
    assert!(target.join("inbox/JL").is_dir());
    // Scheduling: a systemd service and timer and a crontab line, with this deployment's paths.
    let service = std::fs::read_to_string(target.join("utility-eval.service")).unwrap();
    let config = std::fs::canonicalize(&target).unwrap().join("utility-eval.toml");
    assert!(
        service.contains(&format!("Environment=\"UTILITY_EVAL_CONFIG={}\"", config.display())),
        "{service}"
    );
    assert!(
        service.contains(" run\n") && service.contains("SuccessExitStatus=3 75"),
        "{service}"
    );
    let timer = std::fs::read_to_string(target.join("utility-eval.timer")).unwrap();
    assert!(timer.contains("OnCalendar=*:0/30") && timer.contains("WantedBy=timers.target"));
    let cron = std::fs::read_to_string(target.join("utility-eval.cron")).unwrap();
    assert!(
        cron.contains(&format!("*/30 * * * * UTILITY_EVAL_CONFIG='{}'", config.display())),
        "{cron}"
    );
    // The starter runs as is, on an empty inbox.
    let run = std::process::Command::new(BIN)
        .args(["--config"])
        .arg(target.join("utility-eval.toml"))
        .arg("run")
        .output()
        .unwrap();
    assert_eq!(code(&run), 0, "{}{}", stdout(&run), stderr(&run));
    // Nothing to do: nothing on stdout (cron mails whatever a job prints).
    assert_eq!(stdout(&run), "", "{}", stderr(&run));
    assert!(target.join("data/utility-eval.sqlite").is_file());
    // A second init does not overwrite.
    let again = std::process::Command::new(BIN)
        .arg("init")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(code(&again), 1);
    assert!(stderr(&again).contains("已存在"));
}

fn cell(range: &calamine::Range<Data>, r: u32, c: u32) -> String {
    range.get_value((r, c)).map(|v| v.to_string()).unwrap_or_default()
}

#[test]
fn the_template_has_instructions_metadata_a_frozen_header_and_dropdowns() {
    let env = Env::new();
    let out = env.run(&[
        "template",
        "--kind",
        "monthly",
        "--unit",
        "JL",
        "--period",
        "2026年10月",
        "--out",
        "form.xlsx",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut wb: Xlsx<_> = open_workbook(env.path("form.xlsx")).unwrap();
    assert_eq!(wb.sheet_names(), ["填报说明", "调查问卷", "代码表"]);
    let help = wb.worksheet_range("填报说明").unwrap();
    let help_text: String = help.rows().flatten().map(|c| c.to_string()).collect();
    assert!(help_text.contains("Q10 违规收取其他费用(反向题)"), "{help_text}");
    let data = wb.worksheet_range("调查问卷").unwrap();
    assert_eq!(
        (cell(&data, 1, 0), cell(&data, 1, 1)),
        ("填报单位".into(), "竟陵街道".into())
    );
    assert_eq!(
        (cell(&data, 2, 0), cell(&data, 2, 1)),
        ("报表类型".into(), "月度自评".into())
    );
    assert_eq!(
        (cell(&data, 3, 0), cell(&data, 3, 1)),
        ("所属期".into(), "2026-10".into())
    );
    assert_eq!(cell(&data, 5, 0), "序号");
    assert_eq!(cell(&data, 5, 3), "用户名称");
    assert_eq!(cell(&data, 5, 11), "Q1\n报装信息便于获取");
    assert_eq!(cell(&data, 6, 0), "1");
    assert_eq!(cell(&data, 205, 0), "200");
    // Freeze panes and validations live in the sheet XML.
    let mut zip = zip::ZipArchive::new(File::open(env.path("form.xlsx")).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet2.xml").unwrap(), &mut xml).unwrap();
    assert!(
        xml.contains(r#"state="frozen""#) && xml.contains(r#"topLeftCell="E7""#),
        "frozen below the header"
    );
    let validations = xml.matches("<dataValidation ").count();
    // 调查方式, 用户类型, 服务类别, 服务企业, 所属县市, 16 items, 报表类型 and 所属期.
    assert_eq!(validations, 23, "{xml}");
    // 所属期 must stay text: a typed 2026.10 would otherwise become the number 2026.1.
    assert!(xml.contains("ISTEXT(B4)"), "所属期 validated as text");
    assert!(xml.contains("代码表!$D$2:$D$5"), "enterprise list of 4");
}

#[test]
fn a_filled_in_template_is_accepted() {
    let env = Env::new();
    assert_eq!(
        code(&env.run(&[
            "template", "--kind", "monthly", "--unit", "YK", "--period", "2026-10", "--out", "f.xlsx"
        ])),
        0
    );
    // Fill two rows the way a clerk would, into the template's own cells.
    let mut wb: Xlsx<_> = open_workbook(env.path("f.xlsx")).unwrap();
    let data = wb.worksheet_range("调查问卷").unwrap();
    let mut rows: Vec<Vec<C>> = (0..6u32)
        .map(|r| (0..32u32).map(|c| C::from(cell(&data, r, c).as_str())).collect())
        .collect();
    let mut r1 = row(1, "2026-10-08", "天门市岳口供水有限公司");
    r1[10] = s("岳口镇");
    let mut r2 = row(2, "2026/10/9", "岳口水厂");
    r2[10] = s("岳口镇");
    rows.push(r1);
    rows.push(r2);
    write_xlsx(&env.inbox("YK/填好的.xlsx"), "调查问卷", &rows);
    let out = env.run(&["run"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(
        env.count(
            "SELECT count(*) FROM submission WHERE submitter_code = 'YK' AND period = '2026-10' AND status = 'accepted'"
        ),
        1
    );
    assert_eq!(
        env.count("SELECT count(*) FROM response WHERE enterprise = 'GS02' AND county = '岳口镇'"),
        2
    );
}

#[test]
fn check_reports_problems_without_storing_anything() {
    let env = Env::new();
    let mut rows = monthly(2);
    rows[5][4] = s("个体户"); // 用户类型 of the first data row: E6
    write_xlsx(&env.path("报表.xlsx"), "调查问卷", &rows);
    let out = env.run(&["check", "报表.xlsx"]);
    assert_eq!(code(&out), 3);
    let text = stdout(&out);
    assert!(
        text.contains("调查问卷!E6") && text.contains("个体户") && text.contains("企事业单位、工商业用户"),
        "{text}"
    );
    assert!(text.contains("有效 1 行"), "{text}");
    assert!(env.path("报表.xlsx").is_file(), "check never moves");
    assert!(!env.path("data/utility-eval.sqlite").exists(), "check never stores");

    write_xlsx(&env.path("好.xlsx"), "调查问卷", &monthly(2));
    assert_eq!(code(&env.run(&["check", "好.xlsx"])), 0);
}

#[test]
fn status_shows_received_and_missing_returns() {
    let env = Env::new();
    write_xlsx(&env.inbox("a.xlsx"), "调查问卷", &monthly(3));
    copy(&env.path("utility-eval.toml"), &env.inbox("JL/坏.xlsx"));
    assert_eq!(code(&env.run(&["run"])), 3);
    let all = stdout(&env.run(&["status"]));
    assert!(
        all.contains("未能确定所属期的退回文件 1 个") && all.contains("JL/坏.xlsx"),
        "{all}"
    );
    let out = env.run(&["status", "--period", "2026-10"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let line = |who: &str| {
        text.lines()
            .find(|l| l.starts_with(who))
            .unwrap_or_else(|| panic!("{who} in {text}"))
            .to_string()
    };
    assert!(line("竟陵街道").contains("已接收"), "{text}");
    assert!(line("岳口镇").contains("未报送"), "{text}");
    assert!(line("天门市第一供水有限公司").contains("未报送"), "{text}");
    // 3 county units + 4 enterprises expected monthly; 竟陵街道 sent.
    assert!(text.contains("缺报 6 份"), "{text}");
}

#[test]
fn a_second_run_while_one_holds_the_lock_exits_75() {
    let env = Env::new();
    std::fs::create_dir_all(env.path("data")).unwrap();
    let lock = File::create(env.path("data/utility-eval.sqlite.lock")).unwrap();
    lock.lock().unwrap();
    write_xlsx(&env.inbox("a.xlsx"), "调查问卷", &monthly(1));
    let out = env.run(&["run"]);
    assert_eq!(code(&out), 75, "{}", stderr(&out));
    assert!(stderr(&out).contains("正在运行"));
    assert!(env.inbox("a.xlsx").is_file(), "nothing touched");
    drop(lock);
    assert_eq!(code(&env.run(&["run"])), 0);
}

#[test]
fn a_config_error_names_the_file_and_the_key() {
    let env = Env::with_config_extra("[limits]\nmax_rowz = 5\n");
    let out = env.run(&["run"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("utility-eval.toml") && err.contains("max_rowz") && err.contains("未知的配置项"),
        "{err}"
    );
    assert!(err.contains("[limits]"), "{err}");
}

#[test]
fn a_missing_config_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(BIN)
        .arg("run")
        .current_dir(dir.path())
        .env_remove("UTILITY_EVAL_CONFIG")
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("utility-eval init"), "{}", stderr(&out));
}

#[test]
fn each_run_that_did_something_leaves_its_account_in_a_bounded_log() {
    let env = Env::samples();
    // An old log past the bound is set aside, not appended to without end.
    std::fs::create_dir_all(env.path("logs")).unwrap();
    std::fs::write(env.path("logs/utility-eval.log"), vec![b'x'; 1_100_000]).unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(
        std::fs::metadata(env.path("logs/utility-eval.log.1")).unwrap().len(),
        1_100_000
    );
    let log = std::fs::read_to_string(env.path("logs/utility-eval.log")).unwrap();
    let first = log.lines().next().unwrap();
    assert!(first.starts_with("== ") && first.contains("run(退出码 3)"), "{first}");
    // Everything the run said on stdout is in it.
    for line in stdout(&o).lines() {
        assert!(log.contains(line), "{line}");
    }
    // A run with nothing to do says nothing and leaves the log alone.
    let again = env.run(&["run"]);
    assert_eq!(code(&again), 0);
    assert_eq!(std::fs::read_to_string(env.path("logs/utility-eval.log")).unwrap(), log);
    // A failure is logged with its error: a deliver whose outbox cannot be made.
    std::fs::write(env.path("outbox-blocker"), b"").unwrap();
    let config = std::fs::read_to_string(env.path("utility-eval.toml")).unwrap();
    std::fs::write(
        env.path("utility-eval.toml"),
        config.replace("outbox = \"outbox\"", "outbox = \"outbox-blocker/x\""),
    )
    .unwrap();
    let failed = env.run(&["deliver"]);
    assert_eq!(code(&failed), 1, "{}", stderr(&failed));
    let log = std::fs::read_to_string(env.path("logs/utility-eval.log")).unwrap();
    assert!(log.contains("deliver(退出码 1)") && log.contains("投递失败"), "{log}");
}

#[test]
fn status_reconciles_every_file_a_unit_sent() {
    let env = Env::new();
    // 竟陵街道: a return, the same bytes again, a correction, a return with no valid row, and
    // a file in its folder whose submitter is misspelt (no submitter, no period).
    write_xlsx(&env.inbox("JL/第一次.xlsx"), "调查问卷", &monthly(3));
    assert_eq!(code(&env.run(&["run"])), 0);
    copy(&env.path("archive/2026-10/第一次.xlsx"), &env.inbox("JL/又一次.xlsx"));
    write_xlsx(&env.inbox("JL/更正.xlsx"), "调查问卷", &monthly(4));
    let mut bad = monthly(2);
    for r in bad.iter_mut().skip(5) {
        r[1] = s("2031-01-01");
    }
    write_xlsx(&env.inbox("JL/全错.xlsx"), "调查问卷", &bad);
    let mut typo = monthly(2);
    typo[0][1] = s("竟陵街到办");
    write_xlsx(&env.inbox("JL/错名.xlsx"), "调查问卷", &typo);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&env.run(&["status", "--period", "2026-10"]));
    let line = out
        .lines()
        .find(|l| l.starts_with("竟陵街道"))
        .unwrap_or_else(|| panic!("{out}"));
    let n: Vec<&str> = line.split_whitespace().collect();
    // 填报单位 报表类型 收到 接收 退回 被替代 重复 有效行 问题行 状态
    assert_eq!(&n[2..7], ["4", "1", "1", "1", "1"], "{out}");
    assert_eq!(n[7], "4", "the correction's rows");
    let all = stdout(&env.run(&["status"]));
    assert!(all.contains("JL/错名.xlsx(来自竟陵街道)"), "{all}");
}

#[test]
fn template_refuses_to_overwrite_or_write_a_non_xlsx_and_lists_the_codes() {
    let env = Env::new();
    let args = ["template", "--kind", "monthly", "--unit", "JL", "--out", "f.xlsx"];
    assert_eq!(code(&env.run(&args)), 0);
    let before = sha256(&env.path("f.xlsx"));
    let again = env.run(&args);
    assert_eq!(code(&again), 1);
    assert!(
        stderr(&again).contains("已存在") && stderr(&again).contains("--force"),
        "{}",
        stderr(&again)
    );
    assert_eq!(sha256(&env.path("f.xlsx")), before);
    let mut forced = args.to_vec();
    forced.push("--force");
    assert_eq!(code(&env.run(&forced)), 0);
    let csv = env.run(&["template", "--kind", "monthly", "--out", "f.csv"]);
    assert_eq!(code(&csv), 1);
    assert!(stderr(&csv).contains(".xlsx"), "{}", stderr(&csv));
    assert!(!env.path("f.csv").exists());
    let unknown = env.run(&["template", "--kind", "monthly", "--unit", "XX"]);
    assert_eq!(code(&unknown), 1);
    let err = stderr(&unknown);
    assert!(
        err.contains("JL 竟陵街道") && err.contains("GS01 天门市第一供水有限公司"),
        "{err}"
    );
}

#[test]
fn the_quarterly_form_names_the_city_bureau_and_the_frame_form_has_its_own_instructions() {
    let env = Env::new();
    assert_eq!(
        code(&env.run(&["template", "--kind", "quarterly", "--out", "q.xlsx"])),
        0
    );
    let mut wb: Xlsx<_> = open_workbook(env.path("q.xlsx")).unwrap();
    let data = wb.worksheet_range("调查问卷").unwrap();
    assert_eq!(cell(&data, 1, 1), "天门市住房和城乡建设局");
    assert_eq!(cell(&data, 2, 1), "季度抽查");
    assert_eq!(code(&env.run(&["template", "--kind", "frame", "--out", "s.xlsx"])), 0);
    let mut wb: Xlsx<_> = open_workbook(env.path("s.xlsx")).unwrap();
    let help: String = wb
        .worksheet_range("填报说明")
        .unwrap()
        .rows()
        .flatten()
        .map(|c| c.to_string())
        .collect();
    assert!(
        help.contains("样本名单是本单位本季度服务的用户名单") && !help.contains("问卷题目:"),
        "{help}"
    );
    for field in ["用户名称", "用户类型", "联系电话", "服务企业"] {
        assert!(help.contains(field), "{field}");
    }
    let mut wb: Xlsx<_> = open_workbook(env.path("q.xlsx")).unwrap();
    let help: String = wb
        .worksheet_range("填报说明")
        .unwrap()
        .rows()
        .flatten()
        .map(|c| c.to_string())
        .collect();
    for field in ["调查日期", "用户名称", "用户类型", "联系电话", "服务企业"] {
        assert!(help.contains(field), "{field}");
    }
}

/// A return the submitter does not owe, sent back, is not a missing one: 竟陵街道 sends a
/// quarterly survey (only the city unit does those). `status` shows it as sent back and counts
/// only the city unit's quarterly return as missing; the documents of the month it also sent
/// count the month's own missing returns only.
#[test]
fn a_return_that_is_not_owed_and_sent_back_is_not_missing() {
    let env = Env::new();
    let mut quarterly = meta("竟陵街道", "季度抽查", "2026Q4");
    quarterly.push(header());
    quarterly.push(row(1, "2026-10-05", "天门市第一供水有限公司"));
    write_xlsx(&env.inbox("JL/竟陵街道_季度抽查_2026Q4.xlsx"), "Sheet1", &quarterly);
    write_xlsx(&env.inbox("JL/竟陵街道_月度自评_2026-10.xlsx"), "Sheet1", &monthly(3));
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    let rejected = env.files("rejected");
    assert!(
        rejected.iter().any(|f| f.ends_with("竟陵街道_季度抽查_2026Q4.xlsx")),
        "{rejected:?}"
    );
    let text = stdout(&env.run(&["status", "--period", "2026Q4"]));
    let line = |who: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with(who))
            .map(str::to_string)
            .collect()
    };
    assert!(line("竟陵街道").iter().any(|l| l.contains("已退回")), "{text}");
    // The city unit owes the quarter's sampled survey; nobody else owes anything for it.
    assert!(
        line("天门市住房和城乡建设局").iter().any(|l| l.contains("未报送")),
        "{text}"
    );
    assert!(text.contains("缺报 1 份"), "{text}");
    // The month: 3 county units and 4 enterprises owe it, 竟陵街道 sent it.
    let oct = scores(&env, "2026-10");
    let missing: Vec<&str> = (oct["data_quality"].as_array().unwrap().iter())
        .filter(|q| q["missing"] == true)
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    assert_eq!(missing.len(), 6, "{missing:?}");
    assert!(!missing.contains(&"竟陵街道"), "{missing:?}");
}
