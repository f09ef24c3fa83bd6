//! Usage errors on the command line (SPEC §9: exit 2, said in Chinese): each names the
//! argument, the value and what was expected, with no English left from clap.

use std::process::Command;

use crate::support::*;

/// Runs the binary with `args` in an empty folder (no config: a usage error comes first).
fn usage(args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .args(args)
        .env_remove("UTILITY_EVAL_CONFIG")
        .current_dir(dir.path())
        .output()
        .unwrap();
    (code(&o), stderr(&o))
}

/// The message without the words a user typed or may type (flags, subcommands, the program's
/// name, the values given, `-h`): no English word may be left.
fn assert_chinese(message: &str, typed: &[&str]) {
    let mut rest = message.to_string();
    for t in typed {
        rest = rest.replace(t, " ");
    }
    let words: Vec<&str> = rest
        .split(|c: char| !c.is_ascii_alphabetic() && c != '-')
        .filter(|w| !w.is_empty() && !w.starts_with('-') && w.chars().filter(|c| c.is_ascii_alphabetic()).count() > 1)
        .filter(|w| !["utility-eval", "h"].contains(w))
        .collect();
    assert!(words.is_empty(), "English left: {words:?} in {message}");
}

#[test]
fn a_missing_required_argument_is_named_not_left_blank() {
    // Issue 17 item 17: these printed 缺少必需的参数(the following required arguments were
    // not provided:) with nothing after it.
    let (c, e) = usage(&["sample", "--quarter", "2026Q4"]);
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("缺少必需的参数") && e.contains("--per-enterprise") && e.contains("--margin"),
        "{e}"
    );
    assert!(e.contains("二选一") && e.contains("utility-eval sample -h"), "{e}");
    assert_chinese(&e, &["--per-enterprise", "--margin", "sample"]);

    let (c, e) = usage(&["sample"]);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("--quarter <季度>") && e.contains("--per-enterprise"), "{e}");
    assert_chinese(&e, &["--quarter", "--per-enterprise", "--margin", "sample"]);

    let (c, e) = usage(&["report"]);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("缺少必需的参数:--period <所属期>"), "{e}");
    assert_chinese(&e, &["--period", "report"]);

    let (c, e) = usage(&["init"]);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("缺少必需的参数:<目录>"), "{e}");
}

#[test]
fn an_impossible_period_is_a_usage_error_exit_2_not_1() {
    // It was read after the config and failed with exit 1.
    let (c, e) = usage(&["report", "--period", "2026-13"]);
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("--period") && e.contains("“2026-13”") && e.contains("2026-10"),
        "{e}"
    );
    assert!(
        !e.contains("配置文件"),
        "the command line is judged before the config: {e}"
    );
    assert_chinese(&e, &["--period", "report"]);
    for args in [
        &["status", "--period", "十三月"][..],
        &["template", "--kind", "monthly", "--period", "2026-00"],
        &["sample", "--quarter", "2026-10", "--per-enterprise", "5"],
        &["sample", "--quarter", "2026Q5", "--margin", "0.05"],
    ] {
        let (c, e) = usage(args);
        assert_eq!(c, 2, "{args:?}: {e}");
        assert!(
            e.contains("命令行有误") && e.contains(&format!("{} -h", args[0])),
            "{args:?}: {e}"
        );
        assert_chinese(&e, args);
    }
}

#[test]
fn numbers_out_of_range_are_usage_errors_naming_the_argument() {
    for (args, flag, expected) in [
        (
            &["sample", "--quarter", "2026Q4", "--per-enterprise", "0"][..],
            "--per-enterprise",
            "大于 0 的整数",
        ),
        (
            &["sample", "--quarter", "2026Q4", "--per-enterprise", "x"],
            "--per-enterprise",
            "大于 0 的整数",
        ),
        (
            &["sample", "--quarter", "2026Q4", "--margin", "1.5"],
            "--margin",
            "0 和 1 之间",
        ),
        (
            &[
                "sample",
                "--quarter",
                "2026Q4",
                "--margin",
                "0.05",
                "--confidence",
                "95",
            ],
            "--confidence",
            "0 和 1 之间",
        ),
        (
            &[
                "sample",
                "--quarter",
                "2026Q4",
                "--per-enterprise",
                "5",
                "--seed",
                "3.5",
            ],
            "--seed",
            "整数",
        ),
    ] {
        let (c, e) = usage(args);
        assert_eq!(c, 2, "{args:?}: {e}");
        assert!(e.contains(flag) && e.contains(expected), "{args:?}: {e}");
        assert_chinese(&e, args);
    }
    let (c, e) = usage(&[
        "sample",
        "--quarter",
        "2026Q4",
        "--per-enterprise",
        "5",
        "--margin",
        "0.1",
    ]);
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("--per-enterprise <人数> 不能与 --margin <误差> 同时使用"),
        "{e}"
    );
}

#[test]
fn unknown_subcommands_arguments_and_values_are_said_in_chinese() {
    // "(unrecognized subcommand 'bogus')" was left in English.
    let (c, e) = usage(&["bogus"]);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("未知的子命令“bogus”"), "{e}");
    assert_chinese(&e, &["bogus"]);
    let (c, e) = usage(&["sampel"]);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("您是否指“sample”"), "{e}");
    assert_chinese(&e, &["sampel", "sample"]);
    let (c, e) = usage(&["report", "--perio", "2026-10"]);
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("未知的参数“--perio”") && e.contains("您是否指“--period”"),
        "{e}"
    );
    assert_chinese(&e, &["report"]);
    let (c, e) = usage(&["template", "--kind", "yearly"]);
    assert_eq!(c, 2, "{e}");
    assert!(
        e.contains("--kind <类型>") && e.contains("monthly、quarterly、frame、adhoc"),
        "{e}"
    );
    assert_chinese(&e, &["template", "yearly", "monthly", "quarterly", "frame", "adhoc"]);
    let (c, e) = usage(&["status", "--period"]);
    assert_eq!(c, 2, "{e}");
    assert!(e.contains("参数 --period <所属期> 缺少取值"), "{e}");
    assert_chinese(&e, &["status"]);
}

#[test]
fn sample_help_says_one_of_per_enterprise_or_margin_is_required() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .args(["sample", "-h"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0);
    let help = stdout(&o);
    let usage_line = help.lines().find(|l| l.starts_with("用法:")).unwrap();
    assert!(
        usage_line.contains("--quarter <季度>") && usage_line.contains("<--per-enterprise <人数>|--margin <误差>>"),
        "{help}"
    );
    assert!(!help.contains("[OPTIONS]") && !help.contains("[default"), "{help}");
    assert!(help.contains("二选一,必填其一"), "{help}");
}

#[test]
fn a_config_value_outside_its_list_is_said_without_english() {
    // "应为 `供水` or `供气`" was left half in English.
    let env = Env::new();
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replacen("utility = \"供水\"", "utility = \"自来水\"", 1)).unwrap();
    let o = env.run(&["status"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("自来水") && e.contains("应为 供水 或 供气"), "{e}");
    assert!(!e.contains(" or "), "{e}");
}
