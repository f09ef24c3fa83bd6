//! Setting up a deployment: what `init` writes (the systemd unit and timer, judged by systemd
//! itself), the inbox folders of the registered submitters.

use std::path::Path;
use std::process::Command;

use crate::support::*;

/// This binary under another path (a hard link, else a copy), so that `init` writes that path
/// into the unit (it names the program that runs it).
fn binary_at(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    if std::fs::hard_link(BIN, path).is_err() {
        std::fs::copy(BIN, path).unwrap();
    }
}

#[test]
fn the_systemd_unit_and_timer_init_writes_pass_systemd_analyze_verify() {
    // Issue 17 item 8: the unit said WorkingDirectory="/srv/…", which systemd refuses
    // ("path is not absolute", the quotes being part of the path): the timer never ran.
    if !tool("systemd-analyze") {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    // The program and the deployment in folders whose names need systemd's quoting: a space,
    // a % (a specifier to escape as %%), a $ (not to be doubled in the program's path).
    let exe = root.path().join("程序 50% $HOME").join("utility-eval");
    binary_at(&exe);
    let target = root.path().join("评价 部署 100%");
    let o = Command::new(&exe).arg("init").arg(&target).output().unwrap();
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let service = target.join("utility-eval.service");
    let timer = target.join("utility-eval.timer");
    // systemd reads the paths back as written: it checks that WorkingDirectory= is absolute,
    // that the ExecStart= program exists and is executable (so a path mangled by wrong quoting
    // or escaping fails), and the specifiers, the environment assignment and the timer's
    // calendar expression.
    let v = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&service)
        .arg(&timer)
        .output()
        .unwrap();
    let said = format!("{}{}", stdout(&v), stderr(&v));
    assert!(v.status.success(), "systemd-analyze verify: {said}");
    assert!(!said.contains("utility-eval."), "a warning about the unit: {said}");
    // And the values are this deployment's, as systemd takes them.
    let text = std::fs::read_to_string(&service).unwrap();
    let dir = std::fs::canonicalize(&target).unwrap();
    let esc = |p: &Path| p.display().to_string().replace('%', "%%");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.contains(&format!("WorkingDirectory={}", esc(&dir)).as_str()),
        "{text}"
    );
    assert!(
        lines.contains(&format!("ExecStart=\"{}\" run", esc(&exe)).as_str()),
        "{text}"
    );
    assert!(
        lines.contains(
            &format!(
                "Environment=\"UTILITY_EVAL_CONFIG={}\"",
                esc(&dir.join("utility-eval.toml"))
            )
            .as_str()
        ),
        "{text}"
    );
}

#[test]
fn init_says_the_registry_is_the_example_and_every_run_makes_each_submitters_inbox_folder() {
    // Issue 17 item 19: init did not say that the registry is 天门市's example, made inbox
    // folders for units only, and a submitter added later got none.
    let root = tempfile::tempdir().unwrap();
    let target = root.path().join("部署");
    let o = Command::new(BIN).arg("init").arg(&target).output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("天门市的示例") && out.contains("请换成本地的实际名单"),
        "{out}"
    );
    let config_path = target.join("utility-eval.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    assert!(
        config.starts_with("# 注意:") && config.contains("天门市的示例"),
        "{config}"
    );
    // Every registered unit and enterprise has its folder.
    for code in ["SZJJ", "JL", "YK", "ZS", "GS01", "GS02", "RQ01", "RQ02"] {
        assert!(target.join("inbox").join(code).is_dir(), "inbox/{code}");
    }
    // A unit and an enterprise added to the registry get theirs at the next run; a folder
    // the program did not make stays, and so does one removed by hand and made again.
    let added = format!(
        "{config}\n[[unit]]\ncode = \"HS\"\nname = \"黄潭镇\"\n\n[[enterprise]]\ncode = \"GS09\"\nname = \"天门市黄潭供水有限公司\"\nutility = \"供水\"\ncounty = \"黄潭镇\"\nhead = \"钱某\"\n"
    );
    std::fs::write(&config_path, added).unwrap();
    std::fs::create_dir_all(target.join("inbox/旧文件夹")).unwrap();
    std::fs::remove_dir(target.join("inbox/GS01")).unwrap();
    let o = Command::new(BIN)
        .args(["run"])
        .env("UTILITY_EVAL_CONFIG", &config_path)
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    for code in ["HS", "GS09", "GS01", "旧文件夹", "JL"] {
        assert!(target.join("inbox").join(code).is_dir(), "inbox/{code}");
    }
}

#[test]
fn the_readme_installs_the_program_where_its_cron_line_runs_it() {
    // Issue 17 item 19: the README's cron line ran /usr/local/bin/utility-eval, which no
    // step put there.
    let readme = std::fs::read_to_string(Path::new(REPO).join("README.md")).unwrap();
    let deployment = &readme[readme.find("## Deployment").unwrap()..];
    let install = deployment
        .find("--root /usr/local")
        .expect("an install step into /usr/local/bin");
    let cron = deployment.find("/usr/local/bin/utility-eval run").unwrap();
    let init = deployment.find("utility-eval init ").unwrap();
    assert!(install < init && init < cron, "install, then init, then the schedule");
    assert!(
        deployment[..cron].contains("天门市"),
        "the registry is said to be an example"
    );
}
