//! The store: the embedded SQLite database of submissions, responses and row issues.
//! It is the only stage that touches the database. Each file is recorded in one
//! transaction, so a kill at any moment leaves either all of a file or none of it.

pub mod cases;
mod release;
mod schema;
mod write;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::period::{Period, ReturnKind};
pub use crate::results::{Status, Submission};
use crate::validate::{ReturnMeta, RowIssue};
pub use cases::CaseSource;
pub use release::{ReleaseRecord, YearRelease};

/// Commits between two checkpoints by [`checkpoint_on_signal`].
const COMMITS_PER_CHECKPOINT: usize = 16;

/// Copies the write-ahead log into the database (a passive checkpoint, which never blocks the
/// writer) after every `COMMITS_PER_CHECKPOINT` (16) signals on `commits`, until its sender is
/// dropped. Run on a thread of its own with a connection of its own, it keeps the log short
/// so that the writing connection's commits seldom have to checkpoint it themselves
/// (SQLite's automatic checkpoint at 1,000 pages stays in force). Durability is untouched:
/// each commit still syncs the log.
pub fn checkpoint_on_signal(conn: Connection, commits: std::sync::mpsc::Receiver<()>) {
    let mut since = 0;
    for () in commits {
        since += 1;
        if since >= COMMITS_PER_CHECKPOINT {
            since = 0;
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::debug!("checkpoint: {e}");
            }
        }
    }
}

/// A file being received: the fields known before its rows.
pub struct Receipt<'a> {
    pub sha256: &'a str,
    pub original_name: &'a str,
    /// The path the file was received at.
    pub source: &'a Path,
    pub size: u64,
    pub received_at: &'a str,
}

/// How a received file ends.
pub struct Ending<'a> {
    pub format: Option<&'a str>,
    pub issues: &'a [RowIssue],
    /// Why the whole file was rejected; `None` when accepted.
    pub reason: Option<&'a str>,
    pub notes: &'a str,
    /// One a line.
    pub warnings: &'a str,
    pub stored_path: &'a str,
    /// The sheet the rows were read from.
    pub sheet: Option<&'a str>,
    /// Call-back users who were not reached (kept with an accepted return).
    pub not_reached: &'a [crate::validate::NotReached],
}

/// An accepted return whose rows are being written, inside its open transaction.
pub struct OpenReturn {
    pub id: i64,
    meta: ReturnMeta,
    pub rows: usize,
    /// (respondent key, row) of every stored row, for the respondent index on commit.
    keys: Vec<(String, u32)>,
    /// The file's name as received (without its folders), for other units' duplicate notes.
    file_name: String,
}

/// An earlier return that a correction replaced.
#[derive(Debug, Clone, PartialEq)]
pub struct Replaced {
    pub original_name: String,
    pub received_at: String,
}

/// One stored response as scoring reads it, borrowed from the database row.
#[derive(Debug, Clone, Copy)]
pub struct ResponseRow<'a> {
    /// Code of the unit or enterprise that submitted the return.
    pub submitter: &'a str,
    pub enterprise: &'a str,
    pub county: &'a str,
    pub utility: &'a str,
    pub user_type: Option<&'a str>,
    /// 调查方式, 用水(用气)性质 and 月均用量 (m³), when given.
    pub method: Option<&'a str>,
    pub usage_nature: Option<&'a str>,
    pub monthly_usage: Option<f64>,
    /// JSON object: item id → canonical answer.
    pub answers: &'a str,
    pub opinion: Option<&'a str>,
    pub user_name: &'a str,
    /// An upheld appeal left it out of every score (SPEC §11).
    pub excluded: bool,
}

/// A user of a sample frame (样本名单), or one drawn for the call-back.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FrameUser {
    pub enterprise: String,
    pub user_name: String,
    pub phone: String,
    pub user_type: Option<String>,
    pub county: Option<String>,
}

/// A response as the integrity checks see it.
#[derive(Debug, Clone, Copy)]
pub struct CheckedRow<'a> {
    pub submitter: &'a str,
    pub user_name: &'a str,
    pub phone: &'a str,
    pub survey_date: Option<&'a str>,
    pub enterprise: &'a str,
    pub answers: &'a str,
}

/// A respondent of a sampled return: (submission, enterprise, user name, phone, row).
pub type Respondent = (i64, String, String, String, i64);

/// A call-back user who was not reached: enterprise, user name, phone, reason.
pub type Unreached = (String, String, String, String);

/// A draw in force for a quarter.
#[derive(Debug, Clone, PartialEq)]
pub struct Draw {
    pub id: i64,
    pub quarter: String,
    pub seed: u64,
    pub parameters: String,
    pub drawn_at: String,
    /// Who was drawn, with their surveyor (1-based) when the list was split.
    pub members: Vec<(FrameUser, Option<u32>)>,
}

/// An attempt to deliver a document to a recipient (SPEC §9a).
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub recipient: &'a str,
    pub period: &'a str,
    /// The document's file name.
    pub document: &'a str,
    /// `outbox` or `mail`.
    pub channel: &'a str,
    pub sha256: &'a str,
    /// Why it failed; `None` when it was delivered.
    pub error: Option<&'a str>,
    pub at: &'a str,
}

/// One valid response with where it came from, as the internal detail workbook shows it
/// (personal data: names, phones, free text), borrowed from the database row.
#[derive(Debug, Clone, Copy)]
pub struct DetailRow<'a> {
    pub submitter: &'a str,
    /// The file as received.
    pub file: &'a str,
    /// The sheet the row is on.
    pub sheet: &'a str,
    /// Its 1-based row in the file.
    pub row: i64,
    pub survey_date: Option<&'a str>,
    pub method: Option<&'a str>,
    pub user_name: &'a str,
    pub user_type: Option<&'a str>,
    pub usage_nature: Option<&'a str>,
    pub monthly_usage: Option<f64>,
    pub phone: Option<&'a str>,
    pub enterprise: &'a str,
    pub utility: &'a str,
    pub county: &'a str,
    /// JSON object: item id → canonical answer.
    pub answers: &'a str,
    pub opinion: Option<&'a str>,
    pub suggestion: Option<&'a str>,
    /// An upheld appeal left it out of every score (SPEC §11).
    pub excluded: bool,
}

/// A respondent already stored for a period: who reported them, and where.
#[derive(Debug, Clone)]
struct Known {
    of: std::sync::Arc<KnownReturn>,
    /// The 1-based row of the return.
    row: i64,
}

/// A stored return whose respondents are in the index (shared by all of its rows).
#[derive(Debug)]
struct KnownReturn {
    submitter: String,
    submitter_name: String,
    /// The file's name as received, without its folders.
    file_name: String,
}

impl Known {
    /// Where the respondent was reported: the other unit's file by its name only, never its
    /// path on the server.
    fn place(&self) -> String {
        format!(
            "“{}”的“{}”第 {} 行",
            self.of.submitter_name, self.of.file_name, self.row
        )
    }
}

pub struct Store {
    conn: Connection,
    /// Commits do not sync the log: whoever relies on one syncs it first ([`Store::defer_sync`]).
    deferred_sync: bool,
    /// (kind, period) → respondent key → first stored occurrence; loaded on first use.
    respondents: HashMap<(ReturnKind, String), HashMap<String, Known>>,
}

/// A period is kept as its text (`2026-10`, `2026Q4`), as everywhere in the database.
impl rusqlite::ToSql for Period {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::from(self.to_string()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("数据库 {path} 打不开:{}", sql_zh(.source))]
    Open { path: String, source: rusqlite::Error },
    #[error("数据库 {path} 的版本({found})比本程序支持的({supported})新,请升级 utility-eval")]
    TooNew { path: String, found: i64, supported: i64 },
    #[error("数据库 {path} 正被另一个程序占用(加锁),本次退出")]
    Busy { path: String },
    #[error("数据库出错:{}", sql_zh(.0))]
    Sql(#[from] rusqlite::Error),
    #[error(transparent)]
    Answers(#[from] crate::results::AnswersError),
}

/// Names the response whose stored answers could not be read: its file and row.
fn answers_at(e: StoreError, file: &str, row: i64) -> StoreError {
    match e {
        StoreError::Answers(mut a) => {
            a.at = Some(format!("报表“{file}”第 {row} 行"));
            StoreError::Answers(a)
        }
        e => e,
    }
}

impl StoreError {
    /// Whether another process holds the database (the run ends with 75, not 1).
    pub fn is_busy(&self) -> bool {
        let busy = |e: &rusqlite::Error| {
            matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            )
        };
        match self {
            StoreError::Busy { .. } => true,
            StoreError::Open { source, .. } | StoreError::Sql(source) => busy(source),
            StoreError::TooNew { .. } | StoreError::Answers(_) => false,
        }
    }
}

/// An SQLite error in words an IT officer acts on, the library's own text after it.
fn sql_zh(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode as C;
    let what = match e.sqlite_error_code() {
        Some(C::ReadOnly) => "数据库文件或其所在目录只读,请检查权限",
        Some(C::CannotOpen) => "无法打开(目录不存在或没有权限)",
        Some(C::PermissionDenied) => "没有权限",
        Some(C::DatabaseBusy | C::DatabaseLocked) => "被另一个程序占用",
        Some(C::DiskFull) => "磁盘已满",
        Some(C::NotADatabase) => "不是 SQLite 数据库文件",
        Some(C::DatabaseCorrupt) => "数据库文件已损坏",
        Some(C::SystemIoFailure) => "读写失败",
        _ => "操作失败",
    };
    format!("{what}({e})")
}

const SUBMISSION_COLUMNS: &str = "id, sha256, original_name, submitter_code, kind, period, status, rows_accepted, rows_rejected, reason, stored_path, filed, received_at, warnings, source_path, survey_name";

/// A path as the bytes the system names it by.
pub(crate) fn path_bytes(p: &Path) -> &[u8] {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes()
}

fn submission_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Submission> {
    let kind: Option<String> = r.get(4)?;
    Ok(Submission {
        id: r.get(0)?,
        sha256: r.get(1)?,
        original_name: r.get(2)?,
        submitter_code: r.get(3)?,
        kind: kind.as_deref().and_then(ReturnKind::from_code),
        period: r.get(5)?,
        status: {
            let code: String = r.get(6)?;
            Status::from_code(&code).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    6,
                    rusqlite::types::Type::Text,
                    format!("status {code}").into(),
                )
            })?
        },
        rows_accepted: r.get(7)?,
        rows_rejected: r.get(8)?,
        reason: r.get(9)?,
        stored_path: r.get(10)?,
        filed: r.get(11)?,
        received_at: r.get(12)?,
        warnings: r.get(13)?,
        source_path: r.get::<_, Option<Vec<u8>>>(14)?.map(|b| {
            use std::os::unix::ffi::OsStringExt;
            std::path::PathBuf::from(std::ffi::OsString::from_vec(b))
        }),
        survey_name: r.get(15)?,
    })
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let mut conn = Connection::open(path).map_err(open_err)?;
        // Another program holding a write lock (a backup, an sqlite3 shell) is said at once.
        conn.busy_timeout(std::time::Duration::from_secs(2)).map_err(open_err)?;
        let probe = conn.execute_batch("BEGIN IMMEDIATE; COMMIT;");
        if let Err(e) = probe {
            let e = open_err(e);
            return Err(if e.is_busy() {
                StoreError::Busy {
                    path: path.display().to_string(),
                }
            } else {
                e
            });
        }
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(open_err)?;
        // A file is moved out of the inbox right after its commit, so the commit must survive
        // a power cut, not only a crash of this process.
        conn.pragma_update(None, "synchronous", "FULL").map_err(open_err)?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let supported = schema::MIGRATIONS.len() as i64;
        if version > supported {
            return Err(StoreError::TooNew {
                path: path.display().to_string(),
                found: version,
                supported,
            });
        }
        // Migrations run with foreign keys off (a table rebuilt to change a constraint is
        // dropped and renamed, SQLite's documented way), each checked after it runs, all of
        // them in one transaction: the database is upgraded whole or not at all (and a new one
        // is made with one commit, not one per step).
        conn.pragma_update(None, "foreign_keys", "OFF").map_err(open_err)?;
        if (version as usize) < schema::MIGRATIONS.len() {
            let tx = conn.transaction()?;
            for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
                tx.execute_batch(sql)?;
                let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
                if broken > 0 {
                    return Err(StoreError::Sql(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
                        Some(format!(
                            "数据库升级到第 {} 版后有 {broken} 处外键不一致,已撤销升级",
                            i + 1
                        )),
                    )));
                }
                tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            }
            tx.commit()?;
        }
        conn.pragma_update(None, "foreign_keys", "ON").map_err(open_err)?;
        Ok(Store {
            conn,
            deferred_sync: false,
            respondents: HashMap::new(),
        })
    }

    /// A read-only connection to this store's database, for reading on another thread while
    /// this one goes on; `None` for a database in memory, inside a transaction (another
    /// connection would not see its changes), or when it cannot be opened.
    pub fn reader(&self) -> Option<Store> {
        if !self.conn.is_autocommit() {
            return None;
        }
        let path = self.conn.path().filter(|p| !p.is_empty())?;
        Store::open_reader(Path::new(path)).ok()
    }

    /// A second, read-only connection to an existing database (for reading on another thread).
    pub fn open_reader(path: &Path) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        // A connection is used by one thread at a time (it is not Sync): SQLite need not lock
        // it for each call (rusqlite's own default; without it each column read takes a mutex).
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(open_err)?;
        Ok(Store {
            conn,
            deferred_sync: false,
            respondents: HashMap::new(),
        })
    }

    /// The database's write-ahead log (`<database>-wal`), opened for syncing.
    fn log_file(&self) -> std::io::Result<std::fs::File> {
        let path = self
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .ok_or(std::io::ErrorKind::NotFound)?;
        std::fs::File::open(format!("{path}-wal"))
    }

    /// Makes sure every commit so far is on disk: syncs the write-ahead log (a commit is in
    /// the log until a checkpoint, which syncs the database, copies it over).
    pub fn sync_log(&self) -> std::io::Result<()> {
        match self.log_file() {
            Ok(log) => log.sync_all(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// From now on commits write the log without syncing it (`synchronous = NORMAL`), so
    /// that the writer need not wait for the disk: whoever relies on a commit, before moving
    /// the file it records, syncs the returned log file first, which makes that commit (and
    /// every one before it) as durable as `synchronous = FULL` would have. `None`, changing
    /// nothing, if the log cannot be opened. [`Store::restore_sync`] ends it.
    pub fn defer_sync(&mut self) -> Option<std::fs::File> {
        let log = self.log_file().ok()?;
        self.conn.pragma_update(None, "synchronous", "NORMAL").ok()?;
        self.deferred_sync = true;
        Some(log)
    }

    /// Commits sync the log again (`synchronous = FULL`).
    pub fn restore_sync(&mut self) -> Result<(), StoreError> {
        if self.deferred_sync {
            self.conn.pragma_update(None, "synchronous", "FULL")?;
            self.deferred_sync = false;
        }
        Ok(())
    }

    /// Whether a transaction is open.
    pub fn in_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }

    /// A second connection to this database, for [`checkpoint_on_signal`] (none if it cannot
    /// be opened: the commits then checkpoint the log themselves, as they always may).
    pub fn checkpoint_connection(&self) -> Option<Connection> {
        let path = self.conn.path().filter(|p| !p.is_empty())?;
        let conn = Connection::open(path).ok()?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).ok()?;
        Some(conn)
    }

    /// Runs a statement through the statement cache (these run once per file or per row).
    fn exec(&self, sql: &str, params: impl rusqlite::Params) -> Result<usize, rusqlite::Error> {
        self.conn.prepare_cached(sql)?.execute(params)
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Submissions with these bytes, oldest first.
    pub fn by_sha256(&self, sha: &str) -> Result<Vec<Submission>, StoreError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submission WHERE sha256 = ?1 ORDER BY id"
        ))?;
        let rows = st.query_map([sha], submission_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Submissions recorded but whose file has not yet reached its place (a run was
    /// interrupted between the commit and the move).
    pub fn unfiled(&self) -> Result<Vec<Submission>, StoreError> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submission WHERE filed = 0 ORDER BY id"
        ))?;
        let rows = st.query_map([], submission_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    // Deliveries are kept by the outbox folder they go under (`period` below): a period's
    // text, or the notices' own folder (退回通知) for a file that belongs to no period.

    /// What a recipient last had delivered of a document by a channel: the hash delivered.
    pub fn delivered(
        &self,
        recipient: &str,
        period: &str,
        document: &str,
        channel: &str,
    ) -> Result<Option<String>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT delivered_sha FROM delivery WHERE recipient = ?1 AND period = ?2 AND document = ?3 AND channel = ?4",
        )?;
        let mut rows = st.query(params![recipient, period, document, channel])?;
        Ok(match rows.next()? {
            Some(r) => r.get(0)?,
            None => None,
        })
    }

    /// The documents placed in the outbox for a period: (recipient, document).
    pub fn outbox_documents(&self, period: &str) -> Result<Vec<(String, String)>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT recipient, document FROM delivery WHERE period = ?1 AND channel = 'outbox' ORDER BY 1, 2",
        )?;
        let rows = st.query_map([period], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The outbox folders (periods, 退回通知) with anything placed on record.
    pub fn outbox_folders(&self) -> Result<Vec<String>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT DISTINCT period FROM delivery WHERE channel = 'outbox' ORDER BY 1")?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Forgets a document taken out of the outbox.
    pub fn forget_outbox_document(&self, recipient: &str, period: &str, document: &str) -> Result<(), StoreError> {
        self.exec(
            "DELETE FROM delivery WHERE recipient = ?1 AND period = ?2 AND document = ?3 AND channel = 'outbox'",
            params![recipient, period, document],
        )?;
        Ok(())
    }

    /// Where and which version of a document was last placed in a recipient's outbox.
    pub fn placed(
        &self,
        recipient: &str,
        period: &str,
        document: &str,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT delivered_sha, place FROM delivery WHERE recipient = ?1 AND period = ?2 AND document = ?3
             AND channel = 'outbox' AND delivered_sha IS NOT NULL",
        )?;
        Ok(st
            .query_row(params![recipient, period, document], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// Records where a document was placed (after [`Store::record_delivery`] of its placing).
    pub fn record_place(&self, recipient: &str, period: &str, document: &str, place: &str) -> Result<(), StoreError> {
        self.exec(
            "UPDATE delivery SET place = ?4 WHERE recipient = ?1 AND period = ?2 AND document = ?3 AND channel = 'outbox'",
            params![recipient, period, document, place],
        )?;
        Ok(())
    }

    /// Notes that a message with these documents is about to be sent: if the run is killed
    /// before the result is recorded, the next run knows the message may have gone.
    pub fn mark_sending(&self, a: &Attempt<'_>) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO delivery (recipient, period, document, channel, sha256, delivered_sha, attempts, result, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, NULL, 0, 'sending', ?6)
                 ON CONFLICT (recipient, period, document, channel) DO UPDATE SET
                    sha256 = excluded.sha256, result = 'sending', at = excluded.at",
            )?
            .execute(params![a.recipient, a.period, a.document, a.channel, a.sha256, a.at])?;
        Ok(())
    }

    /// Whether a sending of this document was begun and never finished (the run was killed).
    pub fn was_sending(&self, recipient: &str, period: &str, document: &str) -> Result<Option<String>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT at FROM delivery WHERE recipient = ?1 AND period = ?2 AND document = ?3 AND channel = 'mail' AND result = 'sending'",
        )?;
        Ok(st
            .query_row(params![recipient, period, document], |r| r.get(0))
            .optional()?)
    }

    /// Forgets what a recipient was delivered (of one period, or all), so that the next
    /// delivery places and sends it again (`deliver --again`). Returns the records forgotten.
    pub fn forget_deliveries(&self, recipient: &str, period: Option<&str>) -> Result<usize, StoreError> {
        Ok(self.exec(
            "DELETE FROM delivery WHERE recipient = ?1 AND (?2 IS NULL OR period = ?2)",
            params![recipient, period],
        )?)
    }

    /// The recipients with anything on record, for `deliver --again` to say who there is.
    pub fn delivery_recipients(&self) -> Result<Vec<String>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT DISTINCT recipient FROM delivery ORDER BY 1")?;
        let rows = st.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every file rejected whole since 退回通知 exist (schema 11), oldest first.
    pub fn rejected_submissions(&self) -> Result<Vec<Submission>, StoreError> {
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submission WHERE status = 'rejected'
             AND id > (SELECT coalesce(max(after_submission), 0) FROM notice_start) ORDER BY id"
        );
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map([], submission_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether a return of the same submitter, kind and period was accepted after `sub`.
    pub fn accepted_after(&self, sub: &Submission) -> Result<bool, StoreError> {
        let (Some(code), Some(kind), Some(period)) = (&sub.submitter_code, sub.kind, &sub.period) else {
            return Ok(false);
        };
        let mut st = self.conn.prepare_cached(
            "SELECT count(*) FROM submission WHERE submitter_code = ?1 AND kind = ?2 AND period = ?3
             AND status IN ('accepted', 'superseded') AND id > ?4
             AND coalesce(survey_name, '') = coalesce(?5, '')",
        )?;
        let n: i64 = st.query_row(params![code, kind.code(), period, sub.id, sub.survey_name], |r| {
            r.get(0)
        })?;
        Ok(n > 0)
    }

    /// Records an attempt to deliver a document.
    pub fn record_delivery(&self, a: &Attempt<'_>) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO delivery (recipient, period, document, channel, sha256, delivered_sha, attempts, result, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?6 IS NULL THEN ?5 END, 1, coalesce(?6, 'delivered'), ?7)
                 ON CONFLICT (recipient, period, document, channel) DO UPDATE SET
                    sha256 = excluded.sha256,
                    delivered_sha = CASE WHEN ?6 IS NULL THEN ?5 ELSE delivered_sha END,
                    attempts = attempts + 1,
                    result = excluded.result,
                    at = excluded.at",
            )?
            .execute(params![a.recipient, a.period, a.document, a.channel, a.sha256, a.error, a.at])?;
        Ok(())
    }

    /// The users of the accepted sample frames of a quarter and its months, deduplicated by
    /// user name + phone + enterprise, in a stable order.
    pub fn frame_users(&self, quarter: Period) -> Result<Vec<FrameUser>, StoreError> {
        let mut periods: Vec<String> = quarter.months().iter().map(|m| m.to_string()).collect();
        periods.push(quarter.to_string());
        let mut st = self.conn.prepare(
            "SELECT r.enterprise, r.user_name, coalesce(r.phone, ''), r.user_type, r.county
             FROM response r JOIN submission s ON s.id = r.submission_id
             WHERE s.kind = 'frame' AND s.status = 'accepted' AND s.period IN (?1, ?2, ?3, ?4)",
        )?;
        let rows = st.query_map(params![periods[0], periods[1], periods[2], periods[3]], |r| {
            Ok(FrameUser {
                enterprise: r.get(0)?,
                user_name: r.get(1)?,
                phone: r.get(2)?,
                user_type: r.get(3)?,
                county: r.get(4)?,
            })
        })?;
        let mut users: Vec<FrameUser> = rows.collect::<Result<_, _>>()?;
        users.sort();
        users.dedup_by(|a, b| (&a.enterprise, &a.user_name, &a.phone) == (&b.enterprise, &b.user_name, &b.phone));
        Ok(users)
    }

    /// The respondents of a quarter's accepted sampled returns: (submission, enterprise,
    /// user name, phone, row).
    pub fn sampled_respondents(&self, quarter: Period) -> Result<Vec<Respondent>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT s.id, r.enterprise, r.user_name, coalesce(r.phone, ''), r.row_no
             FROM response r JOIN submission s ON s.id = r.submission_id
             WHERE s.kind = 'quarterly' AND s.status = 'accepted' AND s.period = ?1 ORDER BY s.id, r.id",
        )?;
        let rows = st.query_map([quarter], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The users the quarter's accepted sampled returns say were not reached, in the order
    /// they were received (a later return's word last).
    pub fn sampled_not_reached(&self, quarter: Period) -> Result<Vec<Unreached>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT n.enterprise, n.user_name, coalesce(n.phone, ''), n.reason
             FROM not_reached n JOIN submission s ON s.id = n.submission_id
             WHERE s.kind = 'quarterly' AND s.status = 'accepted' AND s.period = ?1 ORDER BY s.id, n.row_no",
        )?;
        let rows = st.query_map([quarter], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every accepted response of a kind and period (but those an upheld appeal left out of the
    /// scores) for the integrity checks: submitter, user
    /// name, phone, survey date, enterprise, answers JSON; one at a time.
    pub fn for_each_checked(
        &self,
        period: Period,
        f: &mut dyn FnMut(&CheckedRow<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT s.submitter_code, r.user_name, coalesce(r.phone, ''), r.survey_date, r.enterprise, r.answers,
                    s.original_name, r.row_no, r.id
             FROM response r JOIN submission s ON s.id = r.submission_id
             WHERE r.submission_id = ?1
             ORDER BY r.id",
        )?;
        let out = self.upheld_out()?;
        for id in self.accepted_in_order(period)? {
            let mut rows = st.query(params![id])?;
            while let Some(r) = rows.next()? {
                if !out.is_empty() && out.contains(&r.get::<_, i64>(8)?) {
                    continue;
                }
                let text = |i: usize| r.get_ref(i).ok().and_then(|v| v.as_str().ok());
                f(&CheckedRow {
                    submitter: text(0).unwrap_or(""),
                    user_name: text(1).unwrap_or(""),
                    phone: text(2).unwrap_or(""),
                    survey_date: text(3),
                    enterprise: text(4).unwrap_or(""),
                    // Not text (a hand edit): no answers to read, which reading them says.
                    answers: text(5).unwrap_or(""),
                })
                .map_err(|e| answers_at(e, text(6).unwrap_or(""), r.get(7).unwrap_or(0)))?;
            }
        }
        Ok(())
    }

    /// Responses in the accepted monthly returns per submitter for a month.
    pub fn monthly_counts(&self, month: Period) -> Result<BTreeMap<String, i64>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT submitter_code, sum(rows_accepted) FROM submission
             WHERE kind = 'monthly' AND status = 'accepted' AND period = ?1 AND submitter_code IS NOT NULL
             GROUP BY submitter_code",
        )?;
        let rows = st.query_map([month], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Marks a period for recomputing by the next run.
    pub fn mark_stale(&self, period: Period) -> Result<(), StoreError> {
        self.exec("INSERT OR IGNORE INTO stale_period (period) VALUES (?1)", [period])?;
        Ok(())
    }

    /// Records a draw (of a quarter, `2026Q4`, or of an unscheduled survey, `2026-11 <name>`);
    /// returns its id.
    pub fn save_draw(
        &mut self,
        key: &str,
        seed: u64,
        parameters: &str,
        drawn_at: &str,
        members: &[(FrameUser, Option<u32>)],
    ) -> Result<i64, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO sample_draw (quarter, seed, parameters, drawn_at) VALUES (?1, ?2, ?3, ?4)",
            params![key, seed as i64, parameters, drawn_at],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut st = tx.prepare(
                "INSERT INTO sample_member (draw_id, enterprise, user_name, phone, user_type, county, surveyor)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for (u, surveyor) in members {
                st.execute(params![
                    id,
                    u.enterprise,
                    u.user_name,
                    u.phone,
                    u.user_type,
                    u.county,
                    surveyor
                ])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// The draw in force for a quarter (its latest), with who was drawn.
    pub fn draw(&self, quarter: Period) -> Result<Option<Draw>, StoreError> {
        let head = self
            .conn
            .query_row(
                "SELECT id, seed, parameters, drawn_at FROM sample_draw WHERE quarter = ?1 ORDER BY id DESC LIMIT 1",
                [quarter],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, seed, parameters, drawn_at)) = head else {
            return Ok(None);
        };
        let mut st = self.conn.prepare(
            "SELECT enterprise, user_name, phone, user_type, county, surveyor FROM sample_member WHERE draw_id = ?1
             ORDER BY rowid",
        )?;
        let members = st
            .query_map([id], |r| {
                Ok((
                    FrameUser {
                        enterprise: r.get(0)?,
                        user_name: r.get(1)?,
                        phone: r.get(2)?,
                        user_type: r.get(3)?,
                        county: r.get(4)?,
                    },
                    r.get::<_, Option<u32>>(5)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        Ok(Some(Draw {
            id,
            quarter: quarter.to_string(),
            seed: seed as u64,
            parameters,
            drawn_at,
            members,
        }))
    }

    /// Notes a file received again with the bytes of return `of`.
    pub fn note_duplicate(&self, of: i64, original_name: &str, received_at: &str) -> Result<(), StoreError> {
        self.exec(
            "INSERT INTO duplicate_receipt (of_submission, original_name, received_at) VALUES (?1, ?2, ?3)",
            params![of, original_name, received_at],
        )?;
        Ok(())
    }

    /// Duplicates received per submitter and kind (its code) for a period.
    pub fn duplicates(&self, period: Period) -> Result<BTreeMap<(String, String), usize>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT s.submitter_code, s.kind, count(*) FROM duplicate_receipt d JOIN submission s ON s.id = d.of_submission
             WHERE s.period = ?1 AND s.submitter_code IS NOT NULL GROUP BY s.submitter_code, s.kind",
        )?;
        let rows = st.query_map([period], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                r.get::<_, i64>(2)? as usize,
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records inbox entries that are not files; returns those not seen before (to be said once).
    pub fn note_skipped(&self, entries: &[(&Path, &str)], now: &str) -> Result<Vec<usize>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO skipped_entry (path, kind, first_seen) VALUES (?1, ?2, ?3)")?;
        let mut new = Vec::new();
        for (i, (path, kind)) in entries.iter().enumerate() {
            if st.execute(params![path_bytes(path), kind, now])? > 0 {
                new.push(i);
            }
        }
        Ok(new)
    }

    /// Whether some unfiled submission is headed for `stored_path`.
    pub fn destination_taken(&self, stored_path: &str) -> Result<bool, StoreError> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM submission WHERE stored_path = ?1")?
            .query_row([stored_path], |r| r.get(0))?;
        Ok(n > 0)
    }

    pub fn set_destination(&self, id: i64, stored_path: &str) -> Result<(), StoreError> {
        self.exec(
            "UPDATE submission SET stored_path = ?2 WHERE id = ?1",
            params![id, stored_path],
        )?;
        Ok(())
    }

    /// Notes that a file reached its place. Not worth an fsync: if the note is lost, the next
    /// run finds the file at its recorded place and notes it again.
    pub fn mark_filed(&self, id: i64) -> Result<(), StoreError> {
        if self.deferred_sync {
            self.exec("UPDATE submission SET filed = 1 WHERE id = ?1", [id])?;
            return Ok(());
        }
        self.exec("PRAGMA synchronous = NORMAL", [])?;
        let updated = self.exec("UPDATE submission SET filed = 1 WHERE id = ?1", [id]);
        self.exec("PRAGMA synchronous = FULL", [])?;
        updated?;
        Ok(())
    }

    /// Calls `f` with every response of the given returns (`submitters` holds each
    /// one's submitter), return by return, each in row order, borrowed from the row.
    pub fn for_each_response_of(
        &self,
        returns: &[i64],
        submitters: &[String],
        mut f: impl FnMut(&ResponseRow<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        // The index on submission_id gives this order without a sort.
        let mut st = self.conn.prepare_cached(
            "SELECT enterprise, county, utility, user_type, answers, opinion, user_name, row_no, id,
                    method, usage_nature, monthly_usage
             FROM response WHERE submission_id = ?1 ORDER BY id",
        )?;
        let out = self.upheld_out()?;
        for (id, submitter) in returns.iter().zip(submitters) {
            let mut rows = st.query([id])?;
            while let Some(r) = rows.next()? {
                let text = |i: usize| r.get_ref(i).ok().and_then(|v| v.as_str().ok());
                f(&ResponseRow {
                    submitter,
                    enterprise: text(0).unwrap_or(""),
                    county: text(1).unwrap_or(""),
                    utility: text(2).unwrap_or(""),
                    user_type: text(3),
                    method: text(9),
                    usage_nature: text(10),
                    monthly_usage: r.get(11)?,
                    answers: text(4).unwrap_or(""),
                    opinion: text(5),
                    user_name: text(6).unwrap_or(""),
                    excluded: !out.is_empty() && out.contains(&r.get::<_, i64>(8)?),
                })
                .map_err(|e| {
                    let file = self.submission(*id).ok().flatten().map(|s| s.original_name);
                    answers_at(e, file.as_deref().unwrap_or(""), r.get(7).unwrap_or(0))
                })?;
            }
        }
        Ok(())
    }

    /// Calls `f` with every valid response of the accepted returns of one kind and period, by
    /// submitter and file, in row order, one at a time (the internal detail workbook holds
    /// 200,000 rows without holding them in memory).
    pub fn for_each_detail(
        &self,
        period: Period,
        f: &mut dyn FnMut(&DetailRow<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let returns = self.accepted_in_order(period)?;
        let mut st = self.conn.prepare_cached(
            "SELECT s.submitter_code, s.original_name, r.row_no, r.survey_date, r.method, r.user_name, r.user_type,
                    r.usage_nature, r.monthly_usage, r.phone, r.enterprise, r.utility, r.county, r.answers,
                    r.opinion, r.suggestion, s.sheet, r.id
             FROM response r JOIN submission s ON s.id = r.submission_id
             WHERE r.submission_id = ?1
             ORDER BY r.id",
        )?;
        let out = self.upheld_out()?;
        for id in returns {
            let mut rows = st.query(params![id])?;
            while let Some(r) = rows.next()? {
                let text = |i: usize| r.get_ref(i).ok().and_then(|v| v.as_str().ok());
                f(&DetailRow {
                    submitter: text(0).unwrap_or(""),
                    file: text(1).unwrap_or(""),
                    row: r.get(2)?,
                    survey_date: text(3),
                    method: text(4),
                    user_name: text(5).unwrap_or(""),
                    user_type: text(6),
                    usage_nature: text(7),
                    monthly_usage: r.get(8)?,
                    phone: text(9),
                    enterprise: text(10).unwrap_or(""),
                    utility: text(11).unwrap_or(""),
                    county: text(12).unwrap_or(""),
                    answers: text(13).unwrap_or(""),
                    opinion: text(14),
                    suggestion: text(15),
                    sheet: text(16).unwrap_or(""),
                    excluded: !out.is_empty() && out.contains(&r.get::<_, i64>(17)?),
                })
                .map_err(|e| answers_at(e, text(1).unwrap_or(""), r.get(2).unwrap_or(0)))?;
            }
        }
        Ok(())
    }

    /// The responses an upheld appeal leaves out of every score (SPEC §11): those whose case's
    /// latest review upheld the appeal. Read once per pass over the responses (few, mostly
    /// none) instead of asked of each response.
    fn upheld_out(&self) -> Result<std::collections::HashSet<i64>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT c.response_id FROM complaint_case c JOIN appeal_review a ON a.case_number = c.number
             WHERE a.upheld = 1 AND a.rowid = (SELECT max(rowid) FROM appeal_review WHERE case_number = c.number)",
        )?;
        let ids = st.query_map([], |r| r.get(0))?;
        Ok(ids.collect::<Result<_, _>>()?)
    }

    /// How many responses [`for_each_detail`](Store::for_each_detail) gives for `period`.
    pub fn count_detail(&self, period: Period) -> Result<u32, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM response r JOIN submission s ON s.id = r.submission_id
             WHERE s.kind = ?1 AND s.period = ?2 AND s.status = 'accepted'",
            params![period.kind().code(), period],
            |r| r.get(0),
        )?)
    }

    /// Whether an upheld appeal leaves out a response of the period's accepted returns (the
    /// detail workbook then marks which).
    pub fn any_excluded(&self, period: Period) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM complaint_case c JOIN appeal_review a ON a.case_number = c.number
                    JOIN response r ON r.id = c.response_id JOIN submission s ON s.id = r.submission_id
                    WHERE a.upheld = 1 AND a.rowid = (SELECT max(rowid) FROM appeal_review WHERE case_number = c.number)
                      AND s.kind = ?1 AND s.period = ?2 AND s.status = 'accepted')",
            params![period.kind().code(), period],
            |r| r.get(0),
        )?)
    }

    /// The accepted returns of a period's kind, by submitter and then as received: the order
    /// their rows are read in. Each return's rows are then read in order through its index
    /// (one query ordering every row would sort 200,000 wide rows in a temporary b-tree).
    pub(crate) fn accepted_in_order(&self, period: Period) -> Result<Vec<i64>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT id FROM submission WHERE kind = ?1 AND period = ?2 AND status = 'accepted'
             ORDER BY submitter_code, id",
        )?;
        let ids = st.query_map(params![period.kind().code(), period], |r| r.get(0))?;
        Ok(ids.collect::<Result<_, _>>()?)
    }

    /// Periods whose returns changed since their outputs were written.
    pub fn stale_periods(&self) -> Result<Vec<Period>, StoreError> {
        let mut st = self.conn.prepare("SELECT period FROM stale_period")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        let mut v: Vec<Period> = rows.filter_map(|p| p.ok().and_then(|p| Period::parse(&p))).collect();
        v.sort();
        Ok(v)
    }

    /// Marks periods as written (after their outputs are on disk).
    pub fn clear_stale(&self, periods: &[Period]) -> Result<(), StoreError> {
        for p in periods {
            self.conn
                .execute("DELETE FROM stale_period WHERE period = ?1", [p.to_string()])?;
        }
        Ok(())
    }

    /// The accepted returns of one kind and period, oldest first.
    pub fn accepted(&self, kind: ReturnKind, period: Period) -> Result<Vec<Submission>, StoreError> {
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submission WHERE kind = ?1 AND period = ?2 AND status = 'accepted' ORDER BY id"
        );
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map(params![kind.code(), period], submission_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every submission, optionally of one period, oldest first.
    pub fn submissions(&self, period: Option<&str>) -> Result<Vec<Submission>, StoreError> {
        let sql = format!("SELECT {SUBMISSION_COLUMNS} FROM submission WHERE ?1 IS NULL OR period = ?1 ORDER BY id");
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map([period], submission_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The row issues of one submission.
    pub fn issues_of(&self, id: i64) -> Result<Vec<RowIssue>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT cell, row_no, value, problem FROM row_issue WHERE submission_id = ?1 ORDER BY id")?;
        let rows = st.query_map([id], |r| {
            Ok(RowIssue {
                cell: r.get(0)?,
                row: r.get(1)?,
                value: r.get(2)?,
                problem: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Periods with at least one submission, in order.
    pub fn periods(&self) -> Result<Vec<Period>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT DISTINCT period FROM submission WHERE period IS NOT NULL")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        let mut v: Vec<Period> = rows.filter_map(|p| p.ok().and_then(|p| Period::parse(&p))).collect();
        v.sort();
        Ok(v)
    }

    /// Number of responses in accepted submissions (for checks and summaries).
    pub fn active_response_count(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM response r JOIN submission s ON s.id = r.submission_id WHERE s.status = 'accepted'",
            [],
            |r| r.get(0),
        )?)
    }

    pub fn submission(&self, id: i64) -> Result<Option<Submission>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {SUBMISSION_COLUMNS} FROM submission WHERE id = ?1"))?;
        Ok(st.query_row([id], submission_from_row).optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(s: &str) -> Period {
        Period::parse(s).unwrap()
    }

    #[test]
    fn a_new_database_has_every_migration_and_nothing_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("data/e.sqlite")).unwrap();
        assert_eq!(store.schema_version().unwrap(), schema::MIGRATIONS.len() as i64);
        assert!(store.periods().unwrap().is_empty());
        assert!(
            store
                .accepted(ReturnKind::Monthly, period("2026-10"))
                .unwrap()
                .is_empty()
        );
        assert!(store.draw(period("2026Q4")).unwrap().is_none());
    }

    /// An older database is brought up to date in one transaction: a step that fails leaves it
    /// as it was, the steps before that one undone too; once the cause is gone it is upgraded
    /// whole, its rows kept.
    #[test]
    fn an_older_database_is_upgraded_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.sqlite");
        let table = |conn: &Connection, name: &str| -> bool {
            conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [name],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
                > 0
        };
        // Version 12, with a return in it, as an older program left it.
        let old = 12;
        {
            let conn = Connection::open(&path).unwrap();
            for sql in &schema::MIGRATIONS[..old] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", old as i64).unwrap();
            conn.execute(
                "INSERT INTO submission (sha256, original_name, stored_path, size, received_at, status) \
                 VALUES ('ab', 'a.xlsx', 'archive/a.xlsx', 1, '2026-10-01 08:00:00', 'rejected')",
                [],
            )
            .unwrap();
            assert!(!table(&conn, "complaint_case"), "made by step 13");
            // In the way of step 14 (it makes this table): the upgrade fails there.
            conn.execute_batch("CREATE TABLE loop_file (x INTEGER)").unwrap();
        }
        assert!(Store::open(&path).is_err());
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, old as i64);
        assert!(!table(&conn, "complaint_case"), "step 13 undone with 14");
        conn.execute_batch("DROP TABLE loop_file").unwrap();
        drop(conn);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), schema::MIGRATIONS.len() as i64);
        assert_eq!(store.submissions(None).unwrap().len(), 1);
    }

    #[test]
    fn a_database_of_a_newer_program_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.sqlite");
        drop(Store::open(&path).unwrap());
        let newer = schema::MIGRATIONS.len() as i64 + 1;
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", newer)
            .unwrap();
        let e = Store::open(&path).err().expect("refused");
        assert!(matches!(e, StoreError::TooNew { found, .. } if found == newer), "{e}");
        assert!(e.to_string().contains("请升级 utility-eval"), "{e}");
        let kept: i64 = Connection::open(&path)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(kept, newer);
    }

    #[test]
    fn recompute_marks_are_kept_once_per_period_until_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("e.sqlite")).unwrap();
        for p in ["2026Q4", "2026-10", "2026-10", "2026-09"] {
            store.mark_stale(period(p)).unwrap();
        }
        let mut stale = store.stale_periods().unwrap();
        stale.sort();
        assert_eq!(stale, [period("2026-09"), period("2026-10"), period("2026Q4")]);
        store.clear_stale(&[period("2026-10"), period("2026Q4")]).unwrap();
        assert_eq!(store.stale_periods().unwrap(), [period("2026-09")]);
    }

    #[test]
    fn a_period_is_stored_as_its_text() {
        let conn = Connection::open_in_memory().unwrap();
        for p in ["2026-01", "2026-12", "2026Q1", "2026Q4"] {
            let stored: String = conn.query_row("SELECT ?1", [period(p)], |r| r.get(0)).unwrap();
            assert_eq!(stored, p);
            assert_eq!(Period::parse(&stored), Some(period(p)));
        }
    }
}
