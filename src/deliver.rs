//! Delivery (SPEC §9a): every recipient gets its documents of each period once. Leaders get
//! the city report and the summary workbook, each enterprise its own report, each reporting
//! unit its feedback workbook. Every recipient's documents are placed in
//! `outbox/<recipient>/<period>/`; with `[delivery.smtp]` they are also mailed, one message
//! per recipient and period. Each delivery is recorded with the document's sha256, so a
//! document goes out again only when it changed (the subject then says 更新), and a failed
//! sending is retried by the next run. The internal detail workbook is never delivered.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};

use crate::config::{Config, Security, Smtp};
use crate::period::Period;
use crate::render::Handout;
use crate::store::{Store, StoreError};
use crate::wording::Values;

/// Who receives documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Their folder in the outbox, and their key in the database: `领导_王某`,
    /// `企业_GS01_天门市第一供水有限公司`, `单位_JL_竟陵街道`.
    pub key: String,
    /// How a message addresses them.
    pub name: String,
    pub email: Option<String>,
}

/// A document due to a recipient: the file in the period's folder and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub path: PathBuf,
    pub name: String,
    pub sha256: String,
}

/// What one delivery run did.
#[derive(Debug, Default)]
pub struct Delivered {
    /// Documents placed in (or replaced in) the outbox.
    pub placed: usize,
    /// Documents taken out of the outbox: no longer due (a corrected return's feedback, a
    /// renamed document).
    pub withdrawn: usize,
    /// Messages sent: (recipient, period, an update).
    pub sent: Vec<(String, Period, bool)>,
    /// Deliveries that failed, said in Chinese; retried by the next run.
    pub failed: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The names of a period's files, as the renderers make them.
fn values(config: &Config, period: Period) -> Values {
    let mut v = Values::new();
    v.insert("city", config.city.clone());
    v.insert("period", period.to_string());
    v.insert("period_label", period.label_zh());
    v.insert("kind", period.kind().label().to_string());
    let bureau = config.wording.bureau(&v);
    v.insert("bureau", bureau);
    v
}

/// Every recipient of a period with the documents due to them, from the period's manifest.
pub fn due(config: &Config, period: Period) -> Vec<(Recipient, Vec<Document>)> {
    let dir = crate::compute::period_dir(config, period);
    let outputs = crate::render::json::manifest_outputs(&dir);
    let find = |rel: String| {
        outputs.iter().find(|(p, _)| *p == rel).map(|(p, sha)| Document {
            path: dir.join(p),
            name: Path::new(p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            sha256: sha.clone(),
        })
    };
    let v = values(config, period);
    let d = &config.delivery;
    let mut out = Vec::new();
    let path = |doc| {
        crate::render::document_path(&config.wording, &v, doc)
            .to_string_lossy()
            .into_owned()
    };
    let leaders_docs: Vec<Document> = [Handout::CityReport, Handout::SummaryWorkbook]
        .into_iter()
        .filter_map(|doc| find(path(doc)))
        .collect();
    if !leaders_docs.is_empty() {
        if d.leaders.is_empty() {
            // No leader named yet: the city's documents still wait in the outbox.
            let r = Recipient {
                key: "领导".into(),
                name: "领导".into(),
                email: None,
            };
            out.push((r, leaders_docs.clone()));
        }
        for l in &d.leaders {
            let r = Recipient {
                key: format!("领导_{}", l.name),
                name: l.name.clone(),
                email: Some(l.email.clone()),
            };
            out.push((r, leaders_docs.clone()));
        }
    }
    // Each enterprise its report, each unit its feedback workbook.
    let enterprises = (config.enterprises.iter()).map(|e| {
        let key = format!("企业_{}_{}", e.code, e.name);
        (
            key,
            &e.name,
            d.enterprises.get(&e.code),
            Handout::EnterpriseReport(&e.name),
        )
    });
    let units = (config.units.iter()).map(|u| {
        let key = format!("单位_{}_{}", u.code, u.name);
        (key, &u.name, d.units.get(&u.code), Handout::FeedbackWorkbook(&u.name))
    });
    for (key, name, email, doc) in enterprises.chain(units) {
        if let Some(doc) = find(path(doc)) {
            let r = Recipient {
                key,
                name: name.clone(),
                email: email.cloned(),
            };
            out.push((r, vec![doc]));
        }
    }
    out
}

/// The periods that have outputs (a manifest), oldest first.
fn periods_written(config: &Config) -> Vec<Period> {
    let mut out: Vec<Period> = std::fs::read_dir(&config.paths.reports)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| Period::parse(e.file_name().to_str()?))
        .filter(|p| crate::compute::period_dir(config, *p).join("manifest.json").is_file())
        .collect();
    out.sort();
    out
}

/// Delivers what is due for every period written: the outbox first, then mail.
pub fn deliver(config: &Config, store: &Store) -> Result<Delivered, DeliveryError> {
    let mut done = Delivered::default();
    let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let mut mailer: Option<Result<SmtpTransport, String>> = None;
    // Set when the server cannot be reached: the rest of this run's mail waits for the next.
    let mut down: Option<String> = None;
    // A period waiting to be recomputed (after `ingest`, before `report`) delivers once it is.
    let stale = store.stale_periods()?;
    for period in periods_written(config).into_iter().filter(|p| !stale.contains(p)) {
        let p = period.to_string();
        let due = due(config, period);
        // What the outbox holds of this period that is no longer due goes: a unit must not
        // find the feedback on a return it has since corrected.
        for (recipient, document) in store.outbox_documents(&p)? {
            let still = due
                .iter()
                .any(|(r, docs)| r.key == recipient && docs.iter().any(|d| d.name == document));
            if still {
                continue;
            }
            let path = config.delivery.outbox.join(&recipient).join(&p).join(&document);
            match std::fs::remove_file(&path) {
                Ok(()) => done.withdrawn += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    done.failed.push(format!(
                        "无法从发件箱撤下过时的 {}:{}",
                        path.display(),
                        crate::output::io_zh(&e)
                    ));
                    continue;
                }
            }
            store.forget_outbox_document(&recipient, &p, &document)?;
            // Folders left empty go too (remove_dir leaves a folder that still holds anything).
            if let Some(dir) = path.parent() {
                let _ = std::fs::remove_dir(dir);
                if let Some(up) = dir.parent() {
                    let _ = std::fs::remove_dir(up);
                }
            }
        }
        for (r, docs) in due {
            // The outbox, always.
            let dir = config.delivery.outbox.join(&r.key).join(&p);
            for doc in &docs {
                let target = dir.join(&doc.name);
                let had = store.delivered(&r.key, &p, &doc.name, "outbox")?;
                if had.as_deref() == Some(doc.sha256.as_str()) && target.is_file() {
                    continue;
                }
                let copied = std::fs::read(&doc.path).and_then(|b| crate::output::write_atomic(&target, &b));
                let error = copied
                    .as_ref()
                    .err()
                    .map(|e| format!("无法放入发件箱 {}:{}", target.display(), crate::output::io_zh(e)));
                store.record_delivery(&crate::store::Attempt {
                    recipient: &r.key,
                    period: &p,
                    document: &doc.name,
                    channel: "outbox",
                    sha256: &doc.sha256,
                    error: error.as_deref(),
                    at: &now,
                })?;
                match error {
                    Some(e) => done.failed.push(e),
                    None => done.placed += 1,
                }
            }
            // Mail, when configured and the recipient has an address.
            let (Some(smtp), Some(email)) = (&config.delivery.smtp, &r.email) else {
                continue;
            };
            let mut changed = Vec::new();
            let mut update = false;
            for doc in &docs {
                let had = store.delivered(&r.key, &p, &doc.name, "mail")?;
                if had.as_deref() != Some(doc.sha256.as_str()) {
                    update |= had.is_some();
                    changed.push(doc);
                }
            }
            if changed.is_empty() {
                continue;
            }
            if let Some(why) = &down {
                let error = format!("给{}({email})的{p}材料未发出:{why}", r.name);
                for doc in &changed {
                    store.record_delivery(&crate::store::Attempt {
                        recipient: &r.key,
                        period: &p,
                        document: &doc.name,
                        channel: "mail",
                        sha256: &doc.sha256,
                        error: Some(&error),
                        at: &now,
                    })?;
                }
                done.failed.push(error);
                continue;
            }
            let transport = mailer.get_or_insert_with(|| transport(smtp));
            let result = match transport {
                Ok(t) => message(config, period, &r, email, &changed, update).and_then(|m| {
                    t.send(&m).map(|_| ()).map_err(|e| {
                        let why = format!("邮件服务器 {}:{} 未能发送:{e}", smtp.host, smtp.port);
                        // A server that cannot be reached will not be reached by the next
                        // message either: the rest wait for the next run, not for a timeout each.
                        if !e.is_permanent() && !e.is_transient() {
                            down = Some(why.clone());
                        }
                        why
                    })
                }),
                Err(e) => Err(e.clone()),
            };
            let error = result
                .as_ref()
                .err()
                .map(|e| format!("给{}({email})的{p}材料未能发出:{e}", r.name));
            for doc in &changed {
                store.record_delivery(&crate::store::Attempt {
                    recipient: &r.key,
                    period: &p,
                    document: &doc.name,
                    channel: "mail",
                    sha256: &doc.sha256,
                    error: error.as_deref(),
                    at: &now,
                })?;
            }
            match error {
                Some(e) => done.failed.push(e),
                None => done.sent.push((r.name.clone(), period, update)),
            }
        }
    }
    Ok(done)
}

/// The SMTP connection's settings, with the password read now from where the config says.
fn transport(smtp: &Smtp) -> Result<SmtpTransport, String> {
    let builder = match smtp.security {
        Security::None => SmtpTransport::builder_dangerous(&smtp.host),
        Security::Starttls => SmtpTransport::starttls_relay(&smtp.host).map_err(|e| e.to_string())?,
        Security::Tls => SmtpTransport::relay(&smtp.host).map_err(|e| e.to_string())?,
    };
    let mut builder = builder.port(smtp.port).timeout(Some(Duration::from_secs(30)));
    if let Some(user) = &smtp.user {
        let password = match (&smtp.password_env, &smtp.password_file) {
            (Some(var), _) => std::env::var(var).map_err(|_| format!("环境变量 {var} 中没有邮件密码"))?,
            (None, Some(file)) => std::fs::read_to_string(file)
                .map_err(|e| format!("无法读取密码文件 {}:{}", file.display(), crate::output::io_zh(&e)))?
                .lines()
                .next()
                .unwrap_or("")
                .to_string(),
            (None, None) => String::new(),
        };
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    Ok(builder.build())
}

fn content_type(name: &str) -> &'static str {
    if name.ends_with(".pdf") {
        "application/pdf"
    } else if name.ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "application/octet-stream"
    }
}

/// A name as an RFC 2047 encoded word, for mail clients that read the attachment's name from
/// its Content-Type rather than the RFC 2231 filename.
fn encoded_word(s: &str) -> String {
    use base64::Engine;
    format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(s))
}

/// One message: the wording's subject (【更新】 first for an update) and body, the documents
/// attached under their Chinese names.
fn message(
    config: &Config,
    period: Period,
    r: &Recipient,
    email: &str,
    docs: &[&Document],
    update: bool,
) -> Result<Message, String> {
    let sender = config.delivery.sender.as_deref().unwrap_or_default();
    let mut v = values(config, period);
    v.insert("recipient", r.name.clone());
    let list: Vec<String> = docs.iter().map(|d| format!("  {}", d.name)).collect();
    v.insert("documents", list.join("\n"));
    let mut subject = config.wording.title("mail_subject", &v);
    let mut body = config.wording.paragraph("mail_body", &v);
    if update {
        subject = format!("【更新】{subject}");
        body = format!("{}\n\n{body}", config.wording.paragraph("mail_update", &v));
    }
    let to = Mailbox::new(
        Some(r.name.clone()),
        email.parse().map_err(|e| format!("收件人地址 {email}:{e}"))?,
    );
    let from: Mailbox = sender.parse().map_err(|e| format!("发件人地址 {sender}:{e}"))?;
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(body));
    for d in docs {
        let bytes = std::fs::read(&d.path)
            .map_err(|e| format!("无法读取 {}:{}", d.path.display(), crate::output::io_zh(&e)))?;
        let ct = ContentType::parse(&format!(
            "{}; name=\"{}\"",
            content_type(&d.name),
            encoded_word(&d.name)
        ))
        .map_err(|e| e.to_string())?;
        parts = parts.singlepart(Attachment::new(d.name.clone()).body(bytes, ct));
    }
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .multipart(parts)
        .map_err(|e| e.to_string())
}
