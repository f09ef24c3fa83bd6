//! Delivery: the outbox for every recipient, and mail through a real SMTP server on 127.0.0.1
//! (Python's aiosmtpd, which CI installs into `.venv`), read back as a mail client would.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::support::*;

/// The Python with aiosmtpd: `UTILITY_EVAL_PYTHON`, else the repository's `.venv`.
fn python() -> Option<PathBuf> {
    let p = std::env::var_os("UTILITY_EVAL_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"));
    let ok = Command::new(&p)
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        // python3 -m venv .venv && .venv/bin/pip install aiosmtpd
        missing("aiosmtpd");
        return None;
    }
    Some(p)
}

/// An SMTP server on 127.0.0.1 storing what it receives in a Maildir; stopped when dropped.
struct Server {
    child: Child,
}

impl Server {
    fn start(python: &Path, port: u16, maildir: &Path) -> Server {
        Server::start_with(python, port, maildir, &[])
    }

    /// A server that misbehaves as `tests/fixtures/smtp_server.py` is told (`--slow`, `--drop`).
    fn start_with(python: &Path, port: u16, maildir: &Path, how: &[&str]) -> Server {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smtp_server.py");
        let child = Command::new(python)
            .arg(script)
            .arg(port.to_string())
            .arg(maildir)
            .args(how)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "the SMTP server did not start");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Server { child }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The messages received so far, decoded by Python's email package.
fn mail(python: &Path, maildir: &Path) -> Vec<serde_json::Value> {
    if !maildir.join("new").is_dir() {
        return Vec::new();
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/read_mail.py");
    let o = Command::new(python).arg(script).arg(maildir).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice::<serde_json::Value>(&o.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The samples with mail to the server on `port`.
fn with_smtp(env: &Env, port: u16) {
    let config = env.path("utility-eval.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text += &format!("\n[delivery.smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n");
    std::fs::write(&config, text).unwrap();
}

/// Every file in the outbox: (recipient/period/name, sha256).
fn outbox(env: &Env) -> Vec<(String, String)> {
    env.files("outbox")
        .into_iter()
        .map(|f| (f.clone(), sha256(&env.path("outbox").join(&f))))
        .collect()
}

/// (recipient folder, period) pairs of the outbox whose recipient has an address.
fn mailed_folders(env: &Env) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = outbox(env)
        .into_iter()
        .map(|(f, _)| {
            let mut parts = f.split('/');
            (parts.next().unwrap().to_string(), parts.next().unwrap().to_string())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[test]
fn the_samples_fill_the_outbox_for_every_recipient_and_a_second_run_changes_nothing() {
    let env = Env::samples();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("已放入发件箱"), "{}", stdout(&o));
    let files = outbox(&env);
    let folders: std::collections::BTreeSet<String> = files
        .iter()
        .map(|(f, _)| f.split('/').next().unwrap().to_string())
        .collect();
    for who in [
        "领导_王局长",
        "领导_李副局长",
        "企业_GS01_天门市第一供水有限公司",
        "企业_GS02_天门市岳口供水有限公司",
        "企业_RQ01_天门市天然气有限公司",
        "企业_RQ02_天门市皂市燃气有限公司",
        "单位_JL_竟陵街道",
    ] {
        assert!(folders.contains(who), "{who} in {folders:?}");
    }
    // Each file is the period's document, byte for byte; the detail workbook goes to nobody.
    for (f, sha) in &files {
        assert!(!f.contains("明细"), "{f}");
        let mut parts = f.splitn(3, '/');
        let (_, period, name) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        let source = env
            .files(&format!("reports/{period}"))
            .into_iter()
            .find(|r| r.ends_with(name))
            .unwrap_or_else(|| panic!("{name} in reports/{period}"));
        assert_eq!(&sha256(&env.path(&format!("reports/{period}/{source}"))), sha, "{f}");
    }
    // Leaders get the city report and the summary of each period; an enterprise its own report.
    let leader: Vec<&String> = files
        .iter()
        .map(|(f, _)| f)
        .filter(|f| f.starts_with("领导_王局长/2026-09/"))
        .collect();
    assert_eq!(leader.len(), 2, "{leader:?}");
    // A second run with nothing new: nothing said, nothing rewritten.
    let stamp = |env: &Env| {
        env.files("outbox")
            .into_iter()
            .map(|f| {
                let m = std::fs::metadata(env.path("outbox").join(&f)).unwrap();
                (f, std::os::unix::fs::MetadataExt::ino(&m), m.modified().unwrap())
            })
            .collect::<Vec<_>>()
    };
    let before = stamp(&env);
    let again = env.run(&["run"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(stdout(&again), "", "nothing to do, nothing said");
    assert_eq!(stamp(&env), before);
}

#[test]
fn each_recipient_gets_one_message_per_period_with_readable_chinese_and_the_documents() {
    let Some(python) = python() else { return };
    let env = Env::samples();
    let port = free_port();
    with_smtp(&env, port);
    let maildir = env.path("maildir");
    let _server = Server::start(&python, port, &maildir);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    let messages = mail(&python, &maildir);
    // One message per recipient with an address and period in the outbox (all have one here).
    let folders = mailed_folders(&env);
    assert_eq!(messages.len(), folders.len(), "{}", stdout(&o));
    let files = outbox(&env);
    for m in &messages {
        let subject = m["subject"].as_str().unwrap();
        // The period's documents, or the 退回通知 of a file rejected whole (岳口镇's Word file).
        let notice = subject.ends_with("报表退回通知");
        assert!(
            subject.starts_with("天门市住房和城乡建设局\u{ff1a}")
                && (notice || subject.contains("供水供气企业服务满意度评价材料")),
            "{subject}"
        );
        assert!(!subject.starts_with("【更新】"));
        assert!(
            m["raw_subject_ascii"].as_bool().unwrap(),
            "the subject is encoded (RFC 2047)"
        );
        assert!(m["from"].as_str().unwrap().contains("天门市住建局"), "{}", m["from"]);
        let body = m["body"].as_str().unwrap();
        assert!(
            (body.contains("附件是") || notice && body.contains("退回通知见附件"))
                && body.contains("天门市住房和城乡建设局"),
            "{body}"
        );
        // Its attachments are the recipient's documents of that period, byte for byte, under
        // their Chinese names (RFC 2231, and RFC 2047 in the Content-Type).
        for a in m["attachments"].as_array().unwrap() {
            let name = a["filename"].as_str().unwrap();
            assert_eq!(a["content_type_name"].as_str(), Some(name));
            assert!(body.contains(name), "the body lists {name}");
            let sha = a["sha256"].as_str().unwrap();
            assert!(
                files.iter().any(|(f, s)| f.ends_with(&format!("/{name}")) && s == sha),
                "{name}"
            );
        }
    }
    let to_wang: Vec<_> = messages
        .iter()
        .filter(|m| m["to"].as_str().unwrap().contains("wang@example.gov.cn"))
        .collect();
    // The four periods' and the year's (SPEC §13: its report and workbook).
    assert_eq!(to_wang.len(), 5, "a message for each of the four periods and the year");
    assert!(
        to_wang
            .iter()
            .any(|m| m["subject"].as_str().unwrap_or_default().contains("2026年度")),
        "the year's message says so"
    );
    assert!(to_wang.iter().all(|m| m["to"].as_str().unwrap().contains("王局长")));
    assert!(to_wang.iter().all(|m| m["attachments"].as_array().unwrap().len() == 2));
    // Nothing changed: nothing sent again.
    let again = env.run(&["run"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(mail(&python, &maildir).len(), messages.len());
    assert_eq!(stdout(&again), "");
}

#[test]
fn with_the_server_down_the_run_fails_and_the_next_run_sends_each_message_once() {
    let Some(python) = python() else { return };
    let env = Env::samples();
    let port = free_port();
    with_smtp(&env, port);
    let started = std::time::Instant::now();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("投递失败") && stderr(&o).contains("下次运行时重试"),
        "{}",
        stderr(&o)
    );
    // After the first refused connection the rest wait for the next run (no attempt each).
    assert!(stderr(&o).contains("未发出:"), "{}", stderr(&o));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    // The outbox is filled all the same.
    assert!(!outbox(&env).is_empty());
    let db = env.db();
    let failed: i64 = db
        .query_row(
            "SELECT count(*) FROM delivery WHERE channel = 'mail' AND result != 'delivered'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(failed > 0);
    drop(db);
    let maildir = env.path("maildir");
    let _server = Server::start(&python, port, &maildir);
    let retry = env.run(&["run"]);
    assert_eq!(code(&retry), 0, "{}{}", stdout(&retry), stderr(&retry));
    assert!(stdout(&retry).contains("已发送邮件"), "{}", stdout(&retry));
    let messages = mail(&python, &maildir);
    assert_eq!(messages.len(), mailed_folders(&env).len());
    let mut keys: Vec<String> = messages
        .iter()
        .map(|m| format!("{}|{}", m["to"], m["subject"]))
        .collect();
    keys.sort();
    let n = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), n, "each message exactly once");
    // The attempts are on record.
    let db = env.db();
    let (delivered, attempts): (i64, i64) = db
        .query_row(
            "SELECT count(*), min(attempts) FROM delivery WHERE channel = 'mail' AND result = 'delivered'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(delivered > 0 && attempts == 2, "{delivered} {attempts}");
    let third = env.run(&["run"]);
    assert_eq!(code(&third), 0);
    assert_eq!(mail(&python, &maildir).len(), n);
}

#[test]
fn a_recomputed_document_is_sent_again_marked_as_an_update() {
    let Some(python) = python() else { return };
    let env = Env::samples();
    let port = free_port();
    with_smtp(&env, port);
    let maildir = env.path("maildir");
    let _server = Server::start(&python, port, &maildir);
    assert_eq!(code(&env.run(&["run"])), 3);
    let first = mail(&python, &maildir).len();
    // A change of wording recomputes every period: every document changes.
    let wording = env.path("my-report.toml");
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/report.toml")).unwrap();
    std::fs::write(&wording, text.replace("每道题按回答计分", "每道题按回答分别计分")).unwrap();
    let config = env.path("utility-eval.toml");
    let c = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        c.replacen("city = ", "report = \"my-report.toml\"\ncity = ", 1),
    )
    .unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let all = mail(&python, &maildir);
    let updates: Vec<_> = all
        .iter()
        .filter(|m| m["subject"].as_str().unwrap().starts_with("【更新】"))
        .collect();
    assert!(!updates.is_empty(), "{}", stdout(&o));
    assert_eq!(all.len(), first + updates.len());
    for m in &updates {
        assert!(m["body"].as_str().unwrap().contains("重新计算"), "{}", m["body"]);
    }
}

#[test]
fn a_document_no_longer_due_is_taken_out_of_the_outbox() {
    let env = Env::samples();
    assert_eq!(code(&env.run(&["run"])), 3);
    let old = "单位_JL_竟陵街道/2026-07/2026年7月竟陵街道报表退回意见.xlsx";
    assert!(env.path("outbox").join(old).is_file(), "{:?}", outbox(&env));
    // The unit is renamed: every document is recomputed, its feedback under the new name.
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replacen("name = \"竟陵街道\"", "name = \"竟陵街道办\"", 1),
    )
    .unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("已从发件箱撤下"), "{}", stdout(&o));
    assert!(!env.path("outbox").join(old).exists());
    assert!(
        !env.path("outbox/单位_JL_竟陵街道").exists(),
        "its empty folders go too"
    );
    assert!(
        env.path("outbox/单位_JL_竟陵街道办/2026-07/2026年7月竟陵街道办报表退回意见.xlsx")
            .is_file()
    );
}

/// The texts of every cell of a workbook's first sheet, joined by new lines.
fn first_sheet_text(path: &Path) -> String {
    use calamine::{Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    range
        .rows()
        .flatten()
        .map(|c| c.to_string())
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Issue 17, item 3: a server that answered the end of a message's data after 35 s was taken
/// to be down after a 30 s timeout, and everyone's mail waited. RFC 5321 allows it 10 minutes,
/// the default (pinned by a unit test in config.rs); here the setting is shortened so that the
/// test need not wait that long: a reply within it is waited for, one beyond it is not.
#[test]
fn a_slow_reply_to_the_end_of_a_message_is_waited_for_and_holds_back_no_one() {
    let Some(python) = python() else { return };
    let env = Env::samples();
    let port = free_port();
    with_smtp(&env, port);
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap() + "timeout_seconds = 12\n";
    std::fs::write(&config, text).unwrap();
    let maildir = env.path("maildir");
    let _server = Server::start_with(&python, port, &maildir, &["--slow", "gs01@example.com=5"]);
    let started = std::time::Instant::now();
    let o = env.run(&["run"]);
    assert!(started.elapsed() >= std::time::Duration::from_secs(5));
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    assert!(!stderr(&o).contains("投递失败"), "{}", stderr(&o));
    assert_eq!(mail(&python, &maildir).len(), mailed_folders(&env).len());
}

/// The other side of the same setting: a reply slower than `timeout_seconds` fails that message
/// and says why, and the next run sends it (the server is not asked again this run).
#[test]
fn a_reply_slower_than_the_timeout_is_given_up_and_sent_next_run() {
    let Some(python) = python() else { return };
    let env = Env::samples();
    let port = free_port();
    with_smtp(&env, port);
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap() + "timeout_seconds = 2\n";
    std::fs::write(&config, text).unwrap();
    let maildir = env.path("maildir");
    let _server = Server::start_with(&python, port, &maildir, &["--slow", "gs01@example.com=6"]);
    let o = env.run(&["run"]);
    assert_ne!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stderr(&o).contains("等待回复超时"), "{}", stderr(&o));
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    // Every message reached the server once at least; the one given up on is the same message
    // (one Message-ID) when it went through before the reply was late.
    let mut ids: Vec<String> = mail(&python, &maildir)
        .iter()
        .map(|m| m["message_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), mailed_folders(&env).len());
}

/// Issue 17, item 3: a server that dropped the connection after one recipient's message
/// blocked everyone after it, every run.
#[test]
fn a_connection_dropped_for_one_recipient_fails_that_message_only() {
    let Some(python) = python() else { return };
    let env = Env::samples();
    let port = free_port();
    with_smtp(&env, port);
    let maildir = env.path("maildir");
    let server = Server::start_with(&python, port, &maildir, &["--drop", "gs01@example.com"]);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let gs01 = "企业_GS01_天门市第一供水有限公司";
    let folders = mailed_folders(&env);
    let theirs = folders.iter().filter(|(r, _)| r == gs01).count();
    assert!(theirs >= 4, "{folders:?}");
    // Every failure is GS01's; every other message arrived.
    let err = stderr(&o);
    let failures: Vec<&str> = err.lines().filter(|l| l.contains("投递失败")).collect();
    assert_eq!(failures.len(), theirs, "{}", stderr(&o));
    assert!(
        failures.iter().all(|l| l.contains("天门市第一供水有限公司")),
        "{failures:?}"
    );
    let received = mail(&python, &maildir);
    assert_eq!(received.len(), folders.len() - theirs);
    assert!(received.iter().all(|m| !m["to"].as_str().unwrap().contains("gs01@")));
    drop(server);
    // The next run, with a server that behaves, sends GS01's messages and nothing else.
    let maildir2 = env.path("maildir2");
    let _server = Server::start(&python, port, &maildir2);
    let retry = env.run(&["run"]);
    assert_eq!(code(&retry), 0, "{}{}", stdout(&retry), stderr(&retry));
    let resent = mail(&python, &maildir2);
    assert_eq!(resent.len(), theirs);
    assert!(
        resent
            .iter()
            .all(|m| m["to"].as_str().unwrap().contains("gs01@example.com"))
    );
}

/// Issue 17, item 3: a run killed while a message was being sent sent it again next time
/// without a word. Now the next run says the message may have gone twice, and the copy has the
/// same Message-ID, so that a mail client or person can tell it is one message.
#[test]
fn a_run_killed_while_sending_says_so_next_time_and_the_copy_keeps_its_message_id() {
    let Some(python) = python() else { return };
    let env = Env::samples();
    let port = free_port();
    with_smtp(&env, port);
    let maildir = env.path("maildir");
    let _server = Server::start_with(&python, port, &maildir, &["--slow", "wang@example.gov.cn=120"]);
    let mut child = Command::new(BIN)
        .arg("run")
        .env("UTILITY_EVAL_CONFIG", env.path("utility-eval.toml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The message is on the server, its reply not yet given: the run is killed there.
    let marker = env.path("maildir.slow");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !marker.exists() {
        assert!(std::time::Instant::now() < deadline, "no message reached the server");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stderr(&o).contains("王局长") && stderr(&o).contains("可能已经发出"),
        "{}",
        stderr(&o)
    );
    let messages = mail(&python, &maildir);
    let mut ids: Vec<&str> = messages.iter().map(|m| m["message_id"].as_str().unwrap()).collect();
    ids.sort();
    let twice: Vec<&&str> = ids.windows(2).filter(|w| w[0] == w[1]).map(|w| &w[0]).collect();
    assert_eq!(twice.len(), 1, "one message went twice, under one id: {ids:?}");
    let copies: Vec<_> = messages.iter().filter(|m| m["message_id"] == *twice[0]).collect();
    assert!(
        copies
            .iter()
            .all(|m| m["to"].as_str().unwrap().contains("wang@example.gov.cn"))
    );
    assert_eq!(copies[0]["subject"], copies[1]["subject"]);
    // Every folder of every recipient with an address was sent exactly once otherwise.
    assert_eq!(messages.len(), mailed_folders(&env).len() + 1);
}

/// Issue 17, item 11: a file the recipient took out of its outbox was placed again at every
/// run (and each run then printed a summary, so cron sent mail every 30 minutes).
#[test]
fn a_document_taken_out_of_the_outbox_stays_out_until_asked_for_again() {
    let env = Env::samples();
    assert_eq!(code(&env.run(&["run"])), 3);
    let taken = env.path("outbox/领导_王局长/2026-09/2026年9月天门市供水供气企业服务满意度分析报告.pdf");
    assert!(taken.is_file());
    std::fs::remove_file(&taken).unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "nothing to do, nothing said");
    assert!(!taken.exists());
    // On request, the recipient's documents are placed again (here one period's).
    let o = env.run(&["deliver", "--again", "王局长", "--period", "2026-09"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("已放入发件箱 2 份文件"), "{}", stdout(&o));
    assert!(taken.is_file());
    let o = env.run(&["deliver"]);
    assert_eq!(stdout(&o), "");
    // A unit by its code; an unknown recipient or period is a usage error.
    let o = env.run(&["deliver", "--again", "JL"]);
    assert!(stdout(&o).contains("单位_JL_竟陵街道"), "{}", stdout(&o));
    let o = env.run(&["deliver", "--again", "张三"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("没有名为“张三”的收件人"), "{}", stderr(&o));
    let o = env.run(&["deliver", "--again", "王局长", "--period", "2026-13"]);
    assert_eq!(code(&o), 2);
}

/// Issue 17, item 5: the samples wrote feedback workbooks for GS01 (2026-07, 2026-09) and RQ02
/// (2026-08), and none reached them: every submitter gets its feedback.
#[test]
fn every_submitter_with_feedback_has_it_in_its_outbox() {
    let env = Env::samples();
    assert_eq!(code(&env.run(&["run"])), 3);
    let reports: Vec<String> = env
        .files("reports")
        .into_iter()
        .filter(|f| f.contains("/退回意见/"))
        .collect();
    assert!(reports.len() >= 5, "{reports:?}");
    for f in &reports {
        let (period, name) = (f.split('/').next().unwrap(), f.rsplit('/').next().unwrap());
        let who = name
            .trim_start_matches(|c: char| c != '月' && c != '度')
            .trim_start_matches(['月', '度'])
            .trim_end_matches("报表退回意见.xlsx");
        let folder = env
            .files("outbox")
            .into_iter()
            .find(|o| o.ends_with(&format!("/{period}/{name}")))
            .unwrap_or_else(|| panic!("{name} of {who} is in nobody's outbox"));
        assert!(folder.contains(who), "{folder} is {who}'s");
        assert_eq!(
            sha256(&env.path("outbox").join(&folder)),
            sha256(&env.path("reports").join(f))
        );
    }
    for o in [
        "企业_GS01_天门市第一供水有限公司/2026-07/2026年7月天门市第一供水有限公司报表退回意见.xlsx",
        "企业_GS01_天门市第一供水有限公司/2026-09/2026年9月天门市第一供水有限公司报表退回意见.xlsx",
        "企业_RQ02_天门市皂市燃气有限公司/2026-08/2026年8月天门市皂市燃气有限公司报表退回意见.xlsx",
    ] {
        assert!(env.path("outbox").join(o).is_file(), "{o}");
    }
}

/// Issue 17, item 6: a file rejected whole told its submitter nothing (only `rejected/` on the
/// server changed), and the feedback on its earlier return stayed in the outbox, so the clerk
/// took the correction to be pending. Now a 退回通知 goes to the submitter and replaces it, and
/// goes away once a correction is accepted.
#[test]
fn a_file_rejected_whole_sends_a_notice_that_replaces_the_stale_feedback() {
    let env = Env::samples();
    assert_eq!(code(&env.run(&["run"])), 3);
    // 岳口镇 put a Word file in its folder: a notice, under no period.
    let yk: Vec<String> = env
        .files("outbox/单位_YK_岳口镇")
        .into_iter()
        .filter(|f| f.starts_with("退回通知/"))
        .collect();
    assert_eq!(yk.len(), 1, "{yk:?}");
    let text = first_sheet_text(&env.path("outbox/单位_YK_岳口镇").join(&yk[0]));
    assert!(
        text.contains("报表退回通知") && text.contains("岳口镇工作总结") && text.contains("Word 文档"),
        "{text}"
    );
    // Files from no one known (at the top of the inbox, an unregistered 填报单位) have none.
    assert!(
        !env.files("outbox")
            .iter()
            .any(|f| f.contains("第九供水") || f.contains("新建")),
        "{:?}",
        env.files("outbox")
    );
    // 竟陵街道 corrects its July return, but the correction lost its question columns.
    let feedback = env.path("outbox/单位_JL_竟陵街道/2026-07/2026年7月竟陵街道报表退回意见.xlsx");
    assert!(feedback.is_file());
    let mut rows = meta("竟陵街道", "月度自评", "2026-07");
    rows.push(header()[..11].to_vec());
    for i in 1..=3 {
        rows.push(row(i, "2026-07-05", "天门市第一供水有限公司")[..11].to_vec());
    }
    write_xlsx(&env.inbox("JL/竟陵街道_2026年7月_更正.xlsx"), "调查问卷", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    assert!(!feedback.exists(), "the stale feedback is withdrawn");
    let jl = |prefix: &str| -> Vec<String> {
        env.files("outbox/单位_JL_竟陵街道/2026-07")
            .into_iter()
            .filter(|f| f.starts_with(prefix))
            .collect()
    };
    let notices = jl("退回通知_竟陵街道_2026年7月_更正_");
    assert_eq!(notices.len(), 1, "{:?}", env.files("outbox/单位_JL_竟陵街道"));
    let text = first_sheet_text(&env.path("outbox/单位_JL_竟陵街道/2026-07").join(&notices[0]));
    let reason = env
        .db()
        .query_row(
            "SELECT reason FROM submission WHERE original_name = 'JL/竟陵街道_2026年7月_更正.xlsx'",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    assert!(text.contains(&reason), "the reason: {text}");
    assert!(text.contains("2026年7月月度自评"), "{text}");
    assert!(text.contains("仍然有效"), "the July return stays in force: {text}");
    // A second try without the 用户名称 column: rejected whole for its rows, so its own
    // feedback (the cells to correct) goes with its notice.
    let mut rows = meta("竟陵街道", "月度自评", "2026-07");
    let mut h = header();
    h.remove(3);
    rows.push(h);
    for i in 1..=3 {
        let mut r = row(i, "2026-07-05", "天门市第一供水有限公司");
        r.remove(3);
        rows.push(r);
    }
    write_xlsx(&env.inbox("JL/竟陵街道_2026年7月_更正2.xlsx"), "调查问卷", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(jl("退回通知_").len(), 2);
    let (guide, reasons) = feedback_workbook(&env, "2026-07", "2026年7月", "竟陵街道");
    assert!(guide.contains("竟陵街道_2026年7月_更正2.xlsx"), "{guide}");
    assert_eq!(reasons.len(), 3);
    assert_eq!(
        sha256(&feedback),
        sha256(&env.path("reports/2026-07/退回意见/2026年7月竟陵街道报表退回意见.xlsx"))
    );
    // A correction that is accepted takes the notice out again.
    let mut rows = meta("竟陵街道", "月度自评", "2026-07");
    rows.push(header());
    for i in 1..=3 {
        rows.push(row(i, "2026-07-05", "天门市第一供水有限公司"));
    }
    write_xlsx(&env.inbox("JL/竟陵街道_2026年7月_再次更正.xlsx"), "调查问卷", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        !env.files("outbox/单位_JL_竟陵街道")
            .iter()
            .any(|f| f.contains("退回通知")),
        "{:?}",
        env.files("outbox/单位_JL_竟陵街道")
    );
    // Nor is the feedback on the rejected attempt still due: the accepted correction is clean.
    assert!(!feedback.exists(), "{:?}", env.files("outbox/单位_JL_竟陵街道"));
    assert!(
        !env.path("reports/2026-07/退回意见/2026年7月竟陵街道报表退回意见.xlsx")
            .exists()
    );
}

/// A return rejected whole for a month with no accepted return yet: its notice goes out at
/// once (the month has nothing to compute, and its mark must not hold the notice back).
#[test]
fn a_notice_goes_out_for_a_month_with_nothing_accepted() {
    let env = Env::new();
    let mut rows = meta("竟陵街道", "月度自评", "2026-10");
    rows.push(header()[..11].to_vec());
    rows.push(row(1, "2026-10-05", "天门市第一供水有限公司")[..11].to_vec());
    write_xlsx(&env.inbox("JL/十月.xlsx"), "调查问卷", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    let notices: Vec<String> = env
        .files("outbox/单位_JL_竟陵街道/2026-10")
        .into_iter()
        .filter(|f| f.starts_with("退回通知_十月_"))
        .collect();
    assert_eq!(notices.len(), 1, "{:?}", env.files("outbox"));
    let text = first_sheet_text(&env.path("outbox/单位_JL_竟陵街道/2026-10").join(&notices[0]));
    assert!(text.contains("没有 Q1–Q12") && text.contains("按未报送处理"), "{text}");
    assert_eq!(env.count("SELECT count(*) FROM stale_period"), 0);
}

/// Sign-off by mail (SPEC §9b): no enterprise is mailed a result before release; at release
/// each gets one message with its issued report; a correction's release sends the new version
/// once, marked 【更新】; feedback on their own returns never waits.
#[test]
fn enterprises_are_mailed_their_reports_at_release_and_a_correction_once_as_an_update() {
    let Some(python) = python() else { return };
    let env = Env::signed_samples();
    let port = free_port();
    with_smtp(&env, port);
    let maildir = env.path("maildir");
    let _server = Server::start(&python, port, &maildir);
    let enterprise = |m: &serde_json::Value| {
        let to = m["to"].as_str().unwrap();
        ["gs01", "gs02", "rq01", "rq02"]
            .into_iter()
            .find(|e| to.contains(&format!("{e}@example.com")))
    };
    let reports = |m: &serde_json::Value| -> Vec<String> {
        (m["attachments"].as_array().unwrap().iter())
            .map(|a| a["filename"].as_str().unwrap().to_string())
            .filter(|n| n.ends_with("服务满意度分析报告.pdf"))
            .collect()
    };
    assert_eq!(code(&env.run(&["run"])), 3);
    let before = mail(&python, &maildir);
    assert!(
        before.iter().any(|m| enterprise(m) == Some("gs01")),
        "GS01's feedback on its own return goes at once"
    );
    for m in before.iter().filter(|m| enterprise(m).is_some()) {
        assert_eq!(
            reports(m),
            Vec::<String>::new(),
            "no result before release: {}",
            m["subject"]
        );
    }

    let o = env.run(&["release", "--period", "2026-09", "--by", "王局长"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let all = mail(&python, &maildir);
    let issued: Vec<&serde_json::Value> = since(&all, &before)
        .into_iter()
        .filter(|m| enterprise(m).is_some())
        .collect();
    let mut who: Vec<&str> = issued.iter().filter_map(|m| enterprise(m)).collect();
    who.sort();
    assert_eq!(who, ["gs01", "gs02", "rq01", "rq02"], "one message each");
    for m in &issued {
        assert_eq!(reports(m).len(), 1, "its report");
        assert!(!m["subject"].as_str().unwrap().starts_with("【更新】"));
    }

    // A late return for 2026-09: the reviewer gets the correction's draft, no enterprise
    // anything, until the next release.
    let mut rows = meta("皂市镇", "月度自评", "2026-09");
    rows.push(header());
    for i in 1..=10 {
        let mut r = row(i, "2026-09-20", "天门市第一供水有限公司");
        r[10] = s("皂市镇");
        rows.push(r);
    }
    write_xlsx(&env.inbox("ZS/皂市镇_月度自评_2026-09.xlsx"), "调查问卷", &rows);
    assert_eq!(code(&env.run(&["run"])), 0);
    let after_run = mail(&python, &maildir);
    assert!(since(&after_run, &all).iter().all(|m| enterprise(m).is_none()));
    assert!(
        since(&after_run, &all)
            .iter()
            .any(|m| m["to"].as_str().unwrap().contains("wang@example.gov.cn")),
        "the reviewer is sent the correction's draft"
    );

    let o = env.run(&["release", "--period", "2026-09", "--by", "王局长"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let last = mail(&python, &maildir);
    let updates: Vec<&serde_json::Value> = since(&last, &after_run)
        .into_iter()
        .filter(|m| enterprise(m).is_some())
        .collect();
    assert!(
        updates.iter().any(|m| enterprise(m) == Some("gs01")),
        "GS01's figures changed"
    );
    let mut who: Vec<&str> = updates.iter().filter_map(|m| enterprise(m)).collect();
    who.sort();
    let n = who.len();
    who.dedup();
    assert_eq!(who.len(), n, "once each");
    let v2 = env.path("reports/2026-09/签发/第2版");
    for m in &updates {
        assert!(
            m["subject"].as_str().unwrap().starts_with("【更新】"),
            "{}",
            m["subject"]
        );
        for a in m["attachments"].as_array().unwrap() {
            let name = a["filename"].as_str().unwrap();
            let folder = if name.ends_with("整改台账.xlsx") {
                "整改台账"
            } else {
                "企业报告"
            };
            let issued = v2.join(folder).join(name);
            assert_eq!(a["sha256"].as_str().unwrap(), sha256(&issued), "version 2 of {name}");
        }
    }
    // Nothing changed since: nothing sent.
    assert_eq!(code(&env.run(&["run"])), 0);
    assert_eq!(mail(&python, &maildir).len(), last.len());
}

/// The messages of `now` that were not in `before` (by Message-ID): the server's files are not
/// in the order they came.
fn since<'a>(now: &'a [serde_json::Value], before: &[serde_json::Value]) -> Vec<&'a serde_json::Value> {
    let old: Vec<&serde_json::Value> = before.iter().map(|m| &m["message_id"]).collect();
    now.iter().filter(|m| !old.contains(&&m["message_id"])).collect()
}
