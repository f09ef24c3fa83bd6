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
        let child = Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir)
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
        assert!(
            subject.starts_with("天门市住房和城乡建设局\u{ff1a}") && subject.contains("供水供气企业服务满意度评价材料"),
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
            body.contains("附件是") && body.contains("天门市住房和城乡建设局"),
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
    assert_eq!(to_wang.len(), 4, "a message for each of the four periods");
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
