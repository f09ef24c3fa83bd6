//! Issue 17, items 1, 2, 4, 14 and 15: settings that deleted archives, published personal data,
//! wrote outside the deployment, mixed two recipients' documents or sent a password in clear
//! are refused at start-up, naming the keys, before anything is touched.

use crate::support::*;

/// The samples run once, then `edit` applied to the config; returns the next run's output.
fn rerun_with(edit: impl Fn(&str) -> String) -> (Env, std::process::Output) {
    let env = Env::samples();
    assert_eq!(code(&env.run(&["run"])), 3);
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, edit(&text)).unwrap();
    let o = env.run(&["run"]);
    (env, o)
}

#[test]
fn public_equal_to_archive_is_refused_and_the_archive_kept() {
    let (env, o) = rerun_with(|t| t.replace("public = \"public\"", "public = \"archive\""));
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("[paths] archive") && e.contains("[paths] public") && e.contains("相同"),
        "{e}"
    );
    // Every file the samples' list expects accepted (a superseded one too) is archived.
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(std::path::Path::new(REPO).join("samples/expected.json")).unwrap(),
    )
    .unwrap();
    let accepted = (expected["files"].as_array().unwrap().iter())
        .filter(|f| f["expected"] == "accepted")
        .count();
    assert_eq!(
        env.files("archive").len(),
        accepted,
        "all {accepted} archived returns are still there"
    );
}

#[test]
fn public_holding_reports_the_database_or_the_deployment_is_refused() {
    let mut ran: Option<Env> = None;
    for (public, other) in [
        ("reports", "[paths] reports"),
        ("reports/公开", "[paths] reports"),
        ("data", "[paths] database"),
        (".", "[paths] inbox"),
        ("archive/../reports", "[paths] reports"),
    ] {
        // One deployment for every setting: each run is refused before it touches anything.
        let env = ran.get_or_insert_with(Env::ran_samples);
        let config = env.path("utility-eval.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(
            &config,
            text.replace("public = \"public\"", &format!("public = \"{public}\"")),
        )
        .unwrap();
        let o = env.run(&["run"]);
        std::fs::write(&config, &text).unwrap();
        assert_eq!(code(&o), 1, "{public}: {}{}", stdout(&o), stderr(&o));
        let e = stderr(&o);
        assert!(e.contains("[paths] public") && e.contains(other), "{public}: {e}");
        assert!(env.path("reports/2026-09/scores.json").is_file(), "{public}");
    }
}

#[test]
fn a_public_folder_reached_through_a_link_is_refused_too() {
    let env = Env::samples();
    std::os::unix::fs::symlink(env.path("reports"), env.path("网站")).unwrap();
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("public = \"public\"", "public = \"网站\"")).unwrap();
    std::fs::create_dir_all(env.path("reports")).unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("[paths] reports"), "{}", stderr(&o));
}

#[test]
fn an_outbox_inside_public_is_refused() {
    let (env, o) = rerun_with(|t| t.replace("outbox = \"outbox\"", "outbox = \"public/outbox\""));
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("[delivery] outbox") && e.contains("[paths] public"), "{e}");
    assert!(
        !env.path("public/outbox").exists(),
        "no feedback with names and phones in public/"
    );
}

#[test]
fn a_city_that_cannot_be_part_of_a_file_name_is_refused() {
    // As written in the TOML file.
    for city in [
        r#""市/../../../../ESCAPED""#,
        r#""<script>alert(1)</script>""#,
        r#""天门市\u0007""#,
    ] {
        let env = Env::new();
        let config = env.path("utility-eval.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(&config, text.replace("city = \"天门市\"", &format!("city = {city}"))).unwrap();
        let o = env.run(&["run"]);
        assert_eq!(code(&o), 1, "{city}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("city = ") && stderr(&o).contains("不能用于文件名"),
            "{city}: {}",
            stderr(&o)
        );
    }
    let env = Env::new();
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("city = \"天门市\"", &format!("city = \"{}\"", "长".repeat(21))),
    )
    .unwrap();
    let o = env.run(&["status"]);
    assert!(code(&o) == 1 && stderr(&o).contains("过长"), "{}", stderr(&o));
}

#[test]
fn two_recipients_sharing_an_outbox_folder_are_refused() {
    let env = Env::new();
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replacen(
        "code = \"JL\"\nname = \"竟陵街道\"",
        "code = \"JL\"\nname = \"竟陵_街道\"",
        1,
    ) + "\n[[unit]]\ncode = \"JL_竟陵\"\nname = \"街道\"\n";
    std::fs::write(&config, text).unwrap();
    let o = env.run(&["status"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("单位_JL_竟陵_街道") && stderr(&o).contains("同一个文件夹"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_leader_name_too_long_for_a_folder_is_refused() {
    let env = Env::new();
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("name = \"王局长\"", &format!("name = \"{}\"", "王".repeat(100))),
    )
    .unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("[[delivery.leader]]") && stderr(&o).contains("过长"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_password_in_clear_to_another_host_needs_an_explicit_choice() {
    let smtp = |host: &str, extra: &str| {
        let env = Env::samples();
        let config = env.path("utility-eval.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(
            &config,
            format!("{text}\n[delivery.smtp]\nhost = \"{host}\"\nsecurity = \"none\"\nuser = \"pj\"\npassword_env = \"SMTP_PASSWORD\"\n{extra}"),
        )
        .unwrap();
        env.run(&["status"])
    };
    let o = smtp("mail.example.gov.cn", "");
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("明文") && stderr(&o).contains("allow_plaintext_password"),
        "{}",
        stderr(&o)
    );
    let o = smtp("mail.example.gov.cn", "allow_plaintext_password = true\n");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("明文传输"), "said: {}", stderr(&o));
    let o = smtp("127.0.0.1", "");
    assert_eq!(code(&o), 0, "a relay on this machine: {}", stderr(&o));
}
