//! Delivery (SPEC §9a): every recipient gets its documents of each period once. Leaders get
//! the city report and the summary workbook, each enterprise its own report, each submitter
//! (unit or enterprise) its feedback workbook and the 退回通知 of its returns rejected whole.
//! Every recipient's documents are placed in `outbox/<recipient>/<period>/`; with
//! `[delivery.smtp]` they are also mailed, one message per recipient and period. Each delivery
//! is recorded with the document's sha256, so a document goes out once per version (the
//! subject then says 更新), a file the recipient took out of its outbox is not placed again
//! (`deliver --again` does so on request), and a failed sending is retried by the next run.
//! One message failing is that message's failure; only a server that cannot be reached holds
//! back the rest of the run's mail. The internal detail workbook is never delivered.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};

use std::collections::BTreeMap;

use crate::config::{Config, Party, Security, Smtp};
use crate::notice;
use crate::period::Period;
use crate::render::Handout;
use crate::store::{Attempt, Store, StoreError};
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

impl Recipient {
    /// A unit or an enterprise as a recipient, with its address if it has one.
    pub fn of(config: &Config, party: Party<'_>) -> Recipient {
        let d = &config.delivery;
        match party {
            Party::Unit(u) => Recipient {
                key: u.recipient_key(),
                name: u.name.clone(),
                email: d.units.get(&u.code).cloned(),
            },
            Party::Enterprise(e) => Recipient {
                key: e.recipient_key(),
                name: e.name.clone(),
                email: d.enterprises.get(&e.code).cloned(),
            },
        }
    }
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
    /// Messages sent: (recipient, period or folder, an update).
    pub sent: Vec<(String, String, bool)>,
    /// Deliveries that failed, said in Chinese; retried by the next run.
    pub failed: Vec<String>,
    /// What the operator should know: a message that may have gone twice.
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The names of a period's files, as the renderers make them; the city and bureau only for
/// what belongs to no period.
fn values(config: &Config, period: Option<Period>) -> Values {
    let mut v = Values::new();
    v.insert("city", config.city.clone());
    if let Some(period) = period {
        v.insert("period", period.to_string());
        v.insert("period_label", period.label_zh());
        v.insert("kind", period.kind().label().to_string());
    }
    let bureau = config.wording.bureau(&v);
    v.insert("bureau", bureau);
    v
}

/// The recipients of one outbox folder (a period, or [`notice::FOLDER`]) with their documents.
type Due = Vec<(Recipient, Vec<Document>)>;

/// Adds `doc` to what `r` is due.
fn add(due: &mut Due, r: Recipient, doc: Document) {
    match due.iter_mut().find(|(x, _)| x.key == r.key) {
        Some((_, docs)) => docs.push(doc),
        None => due.push((r, vec![doc])),
    }
}

/// The documents a manifest lists in one folder: where to find a document by its place.
struct Listed {
    dir: PathBuf,
    outputs: Vec<(String, String)>,
}

impl Listed {
    fn of(dir: PathBuf) -> Listed {
        let outputs = crate::render::json::manifest_outputs(&dir);
        Listed { dir, outputs }
    }

    fn find(&self, rel: &Path) -> Option<Document> {
        let rel = rel.to_string_lossy();
        self.find_by(|p| p == rel)
    }

    /// The one document whose place `like` accepts (none if several do).
    fn find_by(&self, like: impl Fn(&str) -> bool) -> Option<Document> {
        let mut found = self.outputs.iter().filter(|(p, _)| like(p));
        let (p, sha) = found.next()?;
        if found.next().is_some() {
            return None;
        }
        Some(Document {
            path: self.dir.join(p),
            name: Path::new(p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            sha256: sha.clone(),
        })
    }

    /// An issued document by its place under today's names, else by its kind: a version
    /// issued before the names in `[names]` were edited keeps its names, and is still what is
    /// in force.
    fn issued(&self, rel: &Path, doc: Handout<'_>) -> Option<Document> {
        let top = |p: &str, ext: &str| !p.contains('/') && p.ends_with(ext) && p != crate::render::json::SCORES;
        self.find(rel).or_else(|| match doc {
            Handout::CityReport => self.find_by(|p| top(p, ".pdf")),
            Handout::SummaryWorkbook => self.find_by(|p| top(p, ".xlsx")),
            Handout::EnterpriseReport(name) => {
                let folder = format!("{}/", crate::render::report::FOLDER);
                self.find_by(|p| p.starts_with(&folder) && p.contains(name))
            }
            Handout::Ledger(name) => {
                let folder = format!("{}/", crate::render::ledger::FOLDER);
                self.find_by(|p| p.starts_with(&folder) && p.contains(name))
            }
            Handout::FeedbackWorkbook(_) => None,
        })
    }
}

/// Every recipient of a period with the documents due to them, from the period's manifests.
/// Under sign-off (SPEC §9b) leaders and enterprises get the version in force (nothing before
/// the first release) and the reviewers the drafts; feedback to submitters never waits.
pub fn due(config: &Config, period: Period) -> Due {
    let dir = config.paths.period_dir(period);
    let current = Listed::of(dir.clone());
    let signed_off = config.release.required;
    let issued = if signed_off {
        crate::render::json::latest_issued(&dir).map(|f| Listed::of(dir.join(f)))
    } else {
        Some(Listed::of(dir.clone()))
    };
    let v = values(config, Some(period));
    let mut out = Vec::new();
    let path = |doc| crate::render::document_path(&config.wording, &v, doc);
    let city_docs = [Handout::CityReport, Handout::SummaryWorkbook];
    let leaders_docs: Vec<Document> = (city_docs.iter())
        .filter_map(|doc| issued.as_ref()?.issued(&path(*doc), *doc))
        .collect();
    // The reviewers read what they sign: the city's documents and the disclosure to be published.
    let draft_disclosure = format!("{}/{}", crate::render::public::FOLDER, crate::render::DRAFT_PREFIX);
    let drafts: Vec<Document> = (city_docs.iter())
        .filter(|_| signed_off)
        .filter_map(|doc| current.find(&crate::render::as_draft(&path(*doc))))
        .chain(
            signed_off
                .then(|| current.find_by(|p| p.starts_with(&draft_disclosure) && p.ends_with(".pdf")))
                .flatten(),
        )
        .collect();
    out.extend(to_leaders(config, &leaders_docs, &drafts));
    // Each enterprise its report; every submitter, unit or enterprise, its feedback workbook.
    for e in &config.enterprises {
        let doc = Handout::EnterpriseReport(&e.name);
        let report = issued.as_ref().and_then(|i| i.issued(&path(doc), doc));
        // Its ledger of the version in force (only an issued version has one).
        let doc = Handout::Ledger(&e.name);
        let ledger = (issued.as_ref().filter(|_| signed_off)).and_then(|i| i.issued(&path(doc), doc));
        let feedback = current.find(&path(Handout::FeedbackWorkbook(&e.name)));
        for doc in report.into_iter().chain(ledger).chain(feedback) {
            add(&mut out, Recipient::of(config, Party::Enterprise(e)), doc);
        }
    }
    for u in &config.units {
        if let Some(doc) = current.find(&path(Handout::FeedbackWorkbook(&u.name))) {
            add(&mut out, Recipient::of(config, Party::Unit(u)), doc);
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
        .filter(|p| config.paths.period_dir(*p).join("manifest.json").is_file())
        .collect();
    out.sort();
    out
}

/// What is due in one outbox folder. `complete` when it is the whole of it (a written
/// period's documents): then whatever else the folder holds is withdrawn; otherwise only
/// notices are (a period waiting to be recomputed, or with no documents, gets its notices).
#[derive(Default)]
struct Folder {
    complete: bool,
    due: Due,
}

/// What is due, by outbox folder: each written period's documents (a period waiting to be
/// recomputed, after `ingest` and before `report`, waits), the 退回通知 of its returns (which
/// never wait), and the notices of returns of no known period under [`notice::FOLDER`].
fn everything_due(config: &Config, store: &Store) -> Result<BTreeMap<String, Folder>, StoreError> {
    let stale = store.stale_periods()?;
    let mut out: BTreeMap<String, Folder> = BTreeMap::new();
    for period in periods_written(config).into_iter().filter(|p| !stale.contains(p)) {
        let due = due(config, period);
        out.insert(period.to_string(), Folder { complete: true, due });
    }
    // The years (SPEC §13): each year's issued report and workbook to the leaders, its drafts
    // to the reviewers.
    for year in years_written(config) {
        out.insert(
            year.to_string(),
            Folder {
                complete: true,
                due: year_due(config, store, year)?,
            },
        );
    }
    // The loop's papers (SPEC §11): the appeal review to the city unit, and to each sender
    // the feedback on its returned ledger or review, while they stand.
    let folder = crate::render::ledger::FOLDER.to_string();
    out.insert(
        folder,
        Folder {
            complete: true,
            due: loop_due(config),
        },
    );
    for n in notice::notices(config, store)? {
        if n.settled {
            continue;
        }
        let Some(party) = config.party(&n.submitter) else {
            continue;
        };
        let path = notice::path(config, &n);
        // Not written (said when writing it): nothing to deliver yet.
        let Ok((sha256, _)) = crate::inbox::sha256(&path) else {
            continue;
        };
        let doc = Document {
            path,
            name: n.file.clone(),
            sha256,
        };
        add(
            &mut out.entry(n.folder.clone()).or_default().due,
            Recipient::of(config, party),
            doc,
        );
    }
    Ok(out)
}

/// The years with annual documents (`reports/<year>/scores.json`), oldest first.
fn years_written(config: &Config) -> Vec<i32> {
    let mut out: Vec<i32> = (std::fs::read_dir(&config.paths.reports).into_iter().flatten().flatten())
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let year: i32 = (name.len() == 4).then(|| name.parse().ok()).flatten()?;
            e.path().join(crate::render::json::SCORES).is_file().then_some(year)
        })
        .collect();
    out.sort();
    out
}

/// A year's documents due: its issued version's report and workbook (the latest version; all
/// its documents without sign-off) to the leaders, its drafts to the reviewers.
fn year_due(config: &Config, store: &Store, year: i32) -> Result<Due, StoreError> {
    let dir = config.paths.reports.join(year.to_string());
    let signed_off = config.release.required;
    let files = |dir: &Path, draft: bool| -> Vec<Document> {
        let mut v: Vec<Document> = (std::fs::read_dir(dir).into_iter().flatten().flatten())
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "pdf" || x == "xlsx"))
            .filter_map(|path| {
                let name = path.file_name()?.to_string_lossy().into_owned();
                (name.starts_with(crate::render::DRAFT_PREFIX) == draft).then_some(())?;
                let (sha256, _) = crate::inbox::sha256(&path).ok()?;
                Some(Document { path, name, sha256 })
            })
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    };
    let issued = if signed_off {
        match store.year_releases(year)?.pop() {
            Some(l) => files(&dir.join(crate::render::issued_folder(l.version)), false),
            None => Vec::new(),
        }
    } else {
        files(&dir, false)
    };
    let drafts = if signed_off { files(&dir, true) } else { Vec::new() };
    Ok(to_leaders(config, &issued, &drafts))
}

/// The leaders' share: the issued documents to every leader, the drafts to the reviewers among
/// them; with no leader named yet, all of it waits in the outbox under 领导.
fn to_leaders(config: &Config, issued: &[Document], drafts: &[Document]) -> Due {
    let d = &config.delivery;
    let mut out = Vec::new();
    if d.leaders.is_empty() && !(issued.is_empty() && drafts.is_empty()) {
        let r = Recipient {
            key: "领导".into(),
            name: "领导".into(),
            email: None,
        };
        out.push((r, [issued, drafts].concat()));
    }
    for l in &d.leaders {
        let r = Recipient {
            key: l.recipient_key(),
            name: l.name.clone(),
            email: Some(l.email.clone()),
        };
        let mut docs = issued.to_vec();
        if config.release.reviewers.contains(&l.name) {
            docs.extend(drafts.iter().cloned());
        }
        if !docs.is_empty() {
            out.push((r, docs));
        }
    }
    out
}

/// The loop's papers due, from the files standing in `reports/整改台账/`.
fn loop_due(config: &Config) -> Due {
    use crate::intake::ledger::LoopKind;
    use crate::render::ledger::{feedback_of, feedback_standing, review_path};
    let doc = |path: PathBuf| -> Option<Document> {
        let (sha256, _) = crate::inbox::sha256(&path).ok()?;
        let name = path.file_name()?.to_string_lossy().into_owned();
        Some(Document { path, name, sha256 })
    };
    let mut due = Due::new();
    let standing = feedback_standing(config);
    for u in &config.units {
        let review = (u.role == crate::config::Role::City)
            .then(|| doc(review_path(config)))
            .flatten();
        let feedback = [LoopKind::Ledger, LoopKind::Review].map(|k| feedback_of(&standing, config, &u.name, k));
        for d in review.into_iter().chain(feedback.into_iter().flatten().filter_map(doc)) {
            add(&mut due, Recipient::of(config, Party::Unit(u)), d);
        }
    }
    for e in &config.enterprises {
        for d in feedback_of(&standing, config, &e.name, LoopKind::Ledger)
            .into_iter()
            .filter_map(doc)
        {
            add(&mut due, Recipient::of(config, Party::Enterprise(e)), d);
        }
    }
    due
}

/// Delivers what is due: the outbox first, then mail.
pub fn deliver(config: &Config, store: &Store) -> Result<Delivered, DeliveryError> {
    let mut done = Delivered::default();
    let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let mut mailer = config.delivery.smtp.as_ref().map(Mailer::new);
    let mut due = everything_due(config, store)?;
    // A folder with nothing due any more may still hold notices of returns since corrected.
    for folder in store.outbox_folders()? {
        due.entry(folder).or_default();
    }
    for (folder, Folder { complete, due }) in &due {
        withdraw(config, store, folder, due, *complete, &mut done)?;
        for (r, docs) in due {
            place(config, store, folder, r, docs, &now, &mut done)?;
            if let (Some(mailer), Some(email)) = (mailer.as_mut(), &r.email) {
                mail(config, store, mailer, folder, r, email, docs, &now, &mut done)?;
            }
        }
    }
    Ok(done)
}

/// Takes out of the outbox what it holds of `folder` that is no longer due: a unit must not
/// find the feedback on a return it has since corrected. Of a folder not `complete` (a period
/// waiting to be recomputed, or known only from the records) only notices are taken out.
fn withdraw(
    config: &Config,
    store: &Store,
    folder: &str,
    due: &Due,
    complete: bool,
    done: &mut Delivered,
) -> Result<(), StoreError> {
    for (recipient, document) in store.outbox_documents(folder)? {
        let still = due
            .iter()
            .any(|(r, docs)| r.key == recipient && docs.iter().any(|d| d.name == document));
        if still || (!complete && !document.starts_with(notice::FOLDER)) {
            continue;
        }
        let path = config.delivery.outbox.join(&recipient).join(folder).join(&document);
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
        store.forget_outbox_document(&recipient, folder, &document)?;
        // Folders left empty go too (remove_dir leaves a folder that still holds anything).
        if let Some(dir) = path.parent() {
            let _ = std::fs::remove_dir(dir);
            if let Some(up) = dir.parent() {
                let _ = std::fs::remove_dir(up);
            }
        }
    }
    Ok(())
}

/// Places each version of a recipient's documents in its outbox once: a file the recipient
/// has taken out stays out until the document changes (or `deliver --again`).
fn place(
    config: &Config,
    store: &Store,
    folder: &str,
    r: &Recipient,
    docs: &[Document],
    now: &str,
    done: &mut Delivered,
) -> Result<(), StoreError> {
    let dir = config.delivery.outbox.join(&r.key).join(folder);
    for doc in docs {
        let target = dir.join(&doc.name);
        let place = target.to_string_lossy();
        if let Some((sha, at)) = store.placed(&r.key, folder, &doc.name)?
            && sha == doc.sha256
            && at.as_deref().is_none_or(|at| at == place)
        {
            continue;
        }
        let copied = std::fs::read(&doc.path).and_then(|b| crate::output::write_atomic(&target, &b));
        let error = copied
            .as_ref()
            .err()
            .map(|e| format!("无法放入发件箱 {}:{}", target.display(), crate::output::io_zh(e)));
        store.record_delivery(&Attempt {
            recipient: &r.key,
            period: folder,
            document: &doc.name,
            channel: "outbox",
            sha256: &doc.sha256,
            error: error.as_deref(),
            at: now,
        })?;
        match error {
            Some(e) => done.failed.push(e),
            None => {
                store.record_place(&r.key, folder, &doc.name, &place)?;
                done.placed += 1;
            }
        }
    }
    Ok(())
}

/// Mails a recipient what changed of its documents of `folder` since they were last sent, in
/// one message.
#[allow(clippy::too_many_arguments)]
fn mail(
    config: &Config,
    store: &Store,
    mailer: &mut Mailer<'_>,
    folder: &str,
    r: &Recipient,
    email: &str,
    docs: &[Document],
    now: &str,
    done: &mut Delivered,
) -> Result<(), StoreError> {
    let mut changed = Vec::new();
    let mut update = false;
    for doc in docs {
        let had = store.delivered(&r.key, folder, &doc.name, "mail")?;
        if had.as_deref() != Some(doc.sha256.as_str()) {
            update |= had.is_some();
            changed.push(doc);
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    fn attempt<'a>(
        r: &'a Recipient,
        folder: &'a str,
        doc: &'a Document,
        error: Option<&'a str>,
        now: &'a str,
    ) -> Attempt<'a> {
        Attempt {
            recipient: &r.key,
            period: folder,
            document: &doc.name,
            channel: "mail",
            sha256: &doc.sha256,
            error,
            at: now,
        }
    }
    let result = match &mailer.down {
        // The server cannot be reached: the rest wait for the next run, not for a timeout each.
        Some(why) => Err(format!("给{}({email})的{folder}材料未发出:{why}", r.name)),
        None => {
            // A run killed between sending and recording may have sent this message already.
            for doc in &changed {
                if let Some(at) = store.was_sending(&r.key, folder, &doc.name)? {
                    done.warnings.push(format!(
                        "{at} 那次运行在给{}({email})发送{folder}材料时中断,这封邮件可能已经发出;现重新发送,重复的一封与它的 Message-ID 相同",
                        r.name
                    ));
                    break;
                }
            }
            for doc in &changed {
                store.mark_sending(&attempt(r, folder, doc, None, now))?;
            }
            message(config, folder, r, email, &changed, update)
                .and_then(|m| mailer.send(&m))
                .map_err(|e| format!("给{}({email})的{folder}材料未能发出:{e}", r.name))
        }
    };
    let error = result.err();
    for doc in &changed {
        store.record_delivery(&attempt(r, folder, doc, error.as_deref(), now))?;
    }
    match error {
        Some(e) => done.failed.push(e),
        None => done.sent.push((r.name.clone(), folder.to_string(), update)),
    }
    Ok(())
}

/// Forgets what `who` (a leader's name, a unit's or enterprise's code, name or alias, or an
/// outbox folder's name) was delivered, of one period or all, so that the next delivery
/// places and mails it again. Returns the recipient's folder name and how many records went;
/// `None` when no such recipient is registered.
pub fn again(
    config: &Config,
    store: &Store,
    who: &str,
    period: Option<&str>,
) -> Result<Option<(String, usize)>, StoreError> {
    if who == "领导" && !config.delivery.leaders.is_empty() {
        // Every leader.
        let mut n = 0;
        for l in &config.delivery.leaders {
            n += store.forget_deliveries(&l.recipient_key(), period)?;
        }
        return Ok(Some(("领导_*".to_string(), n)));
    }
    let key = if let Some(l) = config.delivery.leaders.iter().find(|l| l.name == who) {
        l.recipient_key()
    } else if let Some(party) = config.party(who) {
        Recipient::of(config, party).key
    } else if who == "领导" || store.delivery_recipients()?.iter().any(|k| k == who) {
        who.to_string()
    } else {
        return Ok(None);
    };
    let n = store.forget_deliveries(&key, period)?;
    Ok(Some((key, n)))
}

/// Sends mail through one server: checks once that it can be reached, then sends each message
/// on its own connection, waiting for each reply as long as the config says (RFC 5321: up to
/// 10 minutes for the end of a message).
struct Mailer<'a> {
    smtp: &'a Smtp,
    transport: Option<Result<SmtpTransport, String>>,
    /// Why the server is taken to be down for the rest of the run.
    down: Option<String>,
    reached: bool,
}

/// How long to try to open a connection to the server before taking it to be down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

impl<'a> Mailer<'a> {
    fn new(smtp: &'a Smtp) -> Mailer<'a> {
        Mailer {
            smtp,
            transport: None,
            down: None,
            reached: false,
        }
    }

    /// Whether a connection to the server can be made; marks it down when not.
    fn reachable(&mut self) -> bool {
        use std::net::{TcpStream, ToSocketAddrs};
        let (host, port) = (self.smtp.host.as_str(), self.smtp.port);
        let result = (host, port)
            .to_socket_addrs()
            .map_err(|e| e.to_string())
            .and_then(|addrs| {
                let mut last = "没有可用的地址".to_string();
                for a in addrs {
                    match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
                        Ok(_) => return Ok(()),
                        Err(e) => last = crate::output::io_zh(&e),
                    }
                }
                Err(last)
            });
        match result {
            Ok(()) => true,
            Err(e) => {
                self.down = Some(format!("无法连接邮件服务器 {host}:{port}:{e}"));
                false
            }
        }
    }

    fn send(&mut self, m: &Message) -> Result<(), String> {
        if !self.reached {
            if !self.reachable() {
                return Err(self.down.clone().unwrap_or_default());
            }
            self.reached = true;
        }
        let smtp = self.smtp;
        let t = self.transport.get_or_insert_with(|| transport(smtp)).as_ref()?;
        t.send(m).map(|_| ()).map_err(|e| {
            let why = format!("邮件服务器 {}:{} 未能发送:{e}", smtp.host, smtp.port);
            // A refusal is this message's; a connection lost is checked: a server gone makes
            // the rest wait, one that is still there takes the next message. A server that
            // let the whole timeout pass without a reply is not waited for again this run.
            if timed_out(&e) {
                self.down = Some(format!("{why}(等待回复超时)"));
            } else if !e.is_permanent() && !e.is_transient() {
                self.reachable();
            }
            why
        })
    }
}

/// Whether the server let the timeout pass without a reply. lettre says so itself for some
/// waits; a read that timed out on the socket comes back as a network error whose cause is
/// `WouldBlock` (EAGAIN, Unix's answer to a receive timeout) or `TimedOut`.
fn timed_out(e: &lettre::transport::smtp::Error) -> bool {
    use std::error::Error;
    let mut cause: Option<&(dyn Error + 'static)> = e.source();
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return matches!(io.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut);
        }
        cause = c.source();
    }
    e.is_timeout()
}

/// The SMTP connection's settings, with the password read now from where the config says.
fn transport(smtp: &Smtp) -> Result<SmtpTransport, String> {
    let builder = match smtp.security {
        Security::None => SmtpTransport::builder_dangerous(&smtp.host),
        Security::Starttls => SmtpTransport::starttls_relay(&smtp.host).map_err(|e| e.to_string())?,
        Security::Tls => SmtpTransport::relay(&smtp.host).map_err(|e| e.to_string())?,
    };
    let mut builder = builder.port(smtp.port).timeout(Some(smtp.timeout));
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

/// A message's Message-ID, the same for the same recipient, folder and documents: a copy sent
/// twice (a run killed after sending, before recording it) is recognisable as one message.
fn message_id(config: &Config, folder: &str, r: &Recipient, docs: &[&Document]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(r.key.as_bytes());
    h.update([0]);
    h.update(folder.as_bytes());
    for d in docs {
        h.update([0]);
        h.update(d.name.as_bytes());
        h.update([0]);
        h.update(d.sha256.as_bytes());
    }
    let hex: String = h.finalize().iter().take(20).map(|b| format!("{b:02x}")).collect();
    let sender = config.delivery.sender.as_deref().unwrap_or_default();
    let domain = sender
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').trim())
        .filter(|d| !d.is_empty() && d.is_ascii())
        .unwrap_or("utility-eval.invalid");
    format!("<{hex}.utility-eval@{domain}>")
}

/// One message: the wording's subject (【更新】 first for an update) and body, the documents
/// attached under their Chinese names; a message of 退回通知 only has the notice's wording.
fn message(
    config: &Config,
    folder: &str,
    r: &Recipient,
    email: &str,
    docs: &[&Document],
    update: bool,
) -> Result<Message, String> {
    let sender = config.delivery.sender.as_deref().unwrap_or_default();
    let mut v = values(config, Period::parse(folder));
    // A year's folder (SPEC §13): its documents are the year's assessment.
    if folder.len() == 4 && folder.parse::<i32>().is_ok() {
        v.insert("period", folder.to_string());
        v.insert(
            "period_label",
            config.wording.with("report.annual_year", &[("year", &folder)]),
        );
        v.insert(
            "kind",
            config.wording.text("report.annual_assessment_heading").to_string(),
        );
    }
    v.insert("recipient", r.name.clone());
    let list: Vec<String> = docs.iter().map(|d| format!("  {}", d.name)).collect();
    v.insert("documents", list.join("\n"));
    let notices_only = docs.iter().all(|d| d.name.starts_with(notice::FOLDER));
    let (subject_key, body_key) = if notices_only {
        ("notice_subject", "notice_body")
    } else {
        ("mail_subject", "mail_body")
    };
    let mut subject = config.wording.title(subject_key, &v);
    let mut body = config.wording.paragraph(body_key, &v);
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
        .message_id(Some(message_id(config, folder, r, docs)))
        .from(from)
        .to(to)
        .subject(subject)
        .multipart(parts)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(sender: &str) -> Config {
        let text = format!(
            "city = \"天门市\"\n[paths]\ninbox = \"i\"\narchive = \"a\"\nrejected = \"r\"\nreports = \"o\"\ndatabase = \"d/e.sqlite\"\n[delivery]\nsender = \"{sender}\"\n"
        );
        Config::from_str(&text, std::path::Path::new("/srv/eval/utility-eval.toml")).unwrap()
    }

    fn doc(name: &str, sha: &str) -> Document {
        Document {
            path: PathBuf::from(name),
            name: name.into(),
            sha256: sha.into(),
        }
    }

    fn recipient(key: &str) -> Recipient {
        Recipient {
            key: key.into(),
            name: key.into(),
            email: Some("x@tm.gov.cn".into()),
        }
    }

    #[test]
    fn a_message_id_is_the_same_for_the_same_message_and_differs_for_any_other() {
        let c = config("天门市住建局 <eval@tm.gov.cn>");
        let (a, b) = (doc("报告.pdf", "11"), doc("汇总表.xlsx", "22"));
        let id = message_id(&c, "2026-10", &recipient("领导_王某"), &[&a, &b]);
        assert_eq!(id, message_id(&c, "2026-10", &recipient("领导_王某"), &[&a, &b]));
        assert!(id.starts_with('<') && id.ends_with(".utility-eval@tm.gov.cn>"), "{id}");
        for other in [
            message_id(&c, "2026-11", &recipient("领导_王某"), &[&a, &b]),
            message_id(&c, "2026-10", &recipient("领导_李某"), &[&a, &b]),
            message_id(&c, "2026-10", &recipient("领导_王某"), &[&a, &doc("汇总表.xlsx", "23")]),
            message_id(&c, "2026-10", &recipient("领导_王某"), &[&a]),
        ] {
            assert_ne!(id, other);
        }
        // A sender without a usable domain still gives a valid Message-ID.
        let plain = message_id(&config("eval@住建局"), "2026-10", &recipient("领导_王某"), &[&a]);
        assert!(plain.ends_with("@utility-eval.invalid>"), "{plain}");
    }

    #[test]
    fn an_attachment_name_is_an_encoded_word_that_decodes_back() {
        use base64::Engine;
        let w = encoded_word("2026年10月全市分析报告.pdf");
        let b64 = w.strip_prefix("=?UTF-8?B?").and_then(|s| s.strip_suffix("?=")).unwrap();
        let back = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
        assert_eq!(String::from_utf8(back).unwrap(), "2026年10月全市分析报告.pdf");
        assert!(w.is_ascii());
        assert_eq!(content_type("a.pdf"), "application/pdf");
        assert_eq!(
            content_type("a.xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(content_type("a.txt"), "application/octet-stream");
    }
}
