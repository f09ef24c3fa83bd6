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
