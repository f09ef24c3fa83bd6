//! The programs the tests read documents back with: a missing one skips its checks, and the
//! run says so where it can be seen.

use std::process::Command;

#[test]
fn skipped_checks_are_named_in_one_line_at_the_end_of_the_test_run() {
    // Issue 17 item 23: a skipped check said so only inside the test's captured output, which
    // cargo test shows for failing tests alone. This test binary is run again on one test that
    // needs systemd-analyze, with nothing on PATH: the skip must be said on stderr as its last
    // line, after the test's result.
    let empty = tempfile::tempdir().unwrap();
    let o = Command::new(std::env::current_exe().unwrap())
        .args([
            "deployment::the_systemd_unit_and_timer_init_writes_pass_systemd_analyze_verify",
            "--exact",
        ])
        .env("PATH", empty.path())
        .env_remove("UTILITY_EVAL_REQUIRE_TOOLS")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("test result: ok. 1 passed"), "{out}");
    let last = err.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
    assert_eq!(
        last,
        "note: 1 check skipped, not installed: systemd-analyze (systemd) (CI installs them: .ci/run; see the README's Requirements)",
        "{err}"
    );
}
