//! Writing files atomically: a temporary file in the same folder (tempfile's), fsync, then
//! its name by a rename, replacing or never replacing (tempfile's persist_noclobber; a
//! prepared file gets its name by a hard link). A reader (or a crash) never sees half a file.

use std::io::Write;
use std::path::Path;

use tempfile::{NamedTempFile, TempPath};

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = temporary_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes `bytes` to `path` atomically, never replacing an existing file: `AlreadyExists`
/// when `path` is taken, unless it already holds exactly these bytes (a step repeated after
/// an interrupted run).
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(());
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = temporary_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    // Fails when the name is taken, where a rename would replace it.
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

/// Bytes written and synced under a temporary name in a folder, waiting to be given their
/// name by [`Prepared::publish`] (the first half of [`write_new`], done ahead of time). The
/// temporary file is removed when this is dropped.
#[derive(Debug)]
pub struct Prepared {
    tmp: TempPath,
}

/// Writes `bytes` to a new temporary file in `dir` and syncs it.
pub fn prepare(dir: &Path, bytes: &[u8]) -> std::io::Result<Prepared> {
    std::fs::create_dir_all(dir)?;
    let mut tmp = temporary_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    Ok(Prepared {
        tmp: tmp.into_temp_path(),
    })
}

impl Prepared {
    /// Gives the prepared `bytes` the name `path` exactly as [`write_new`] would write them:
    /// never replacing an existing file (`AlreadyExists`), unless it already holds these bytes.
    pub fn publish(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        if self.tmp.parent() != Some(path.parent().unwrap_or(Path::new("."))) {
            return write_new(path, bytes);
        }
        if std::fs::read(path).is_ok_and(|existing| existing == bytes) {
            return Ok(());
        }
        match std::fs::hard_link(&self.tmp, path) {
            // The folder or the temporary file went away meanwhile: write it afresh.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => write_new(path, bytes),
            r => r,
        }
    }
}

/// Makes everything this process creates unreadable to other users of the machine, whatever
/// the umask it was started with (files 0640, folders 0750 at most; a stricter umask stays):
/// the database, the archive, the detail and feedback workbooks, the outbox and the logs hold
/// respondents' names and phones. What is meant for the website is opened up again by
/// [`make_public`].
pub fn private_umask() {
    // SAFETY: umask only sets the process's file-creation mask; it cannot fail.
    unsafe {
        let old = libc::umask(0o077);
        libc::umask(old | 0o027);
    }
}

/// Takes access for other users away from folders and files that already exist (a deployment
/// made under a looser umask): not recursive, the folders' closing is enough.
pub fn make_private(paths: &[&Path]) {
    use std::os::unix::fs::PermissionsExt;
    for p in paths {
        if let Ok(m) = std::fs::symlink_metadata(p)
            && !m.file_type().is_symlink()
            && m.permissions().mode() & 0o007 != 0
        {
            let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(m.permissions().mode() & !0o007));
        }
    }
}

/// Opens a file or folder of `public/` to everyone (the web server reads it): 0644 or 0755.
pub fn make_public(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = if path.is_dir() { 0o755 } else { 0o644 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

/// The prefix of this program's temporary files.
pub const TEMP_PREFIX: &str = ".utility-eval-";

/// A new temporary file in `dir`, named so that [`remove_stale_temporaries`] knows it, with
/// the mode an ordinary new file gets (0666 less the umask; tempfile's own is 0600), and
/// removed unless it is given its name.
fn temporary_in(dir: &Path) -> std::io::Result<NamedTempFile> {
    use std::os::unix::fs::PermissionsExt;
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
}

/// Removes this program's own temporary files left by a killed run in `dir` and the folders
/// below it down to `depth` levels (`archive/2026-10/`, `reports/2026Q3/企业报告/`,
/// `outbox/<recipient>/<period>/`), never anything else and never through a link.
pub fn remove_stale_temporaries_below(dir: &Path, depth: u32) {
    remove_stale_temporaries(dir);
    if depth == 0 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            remove_stale_temporaries_below(&e.path(), depth - 1);
        }
    }
}

/// Removes this program's own temporary files left by a killed run (never anything else).
pub fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with(TEMP_PREFIX) && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// An I/O error in words a county office or an IT officer reads: the kind in Chinese, the
/// system's own text after it.
pub fn io_zh(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let kind = match e.kind() {
        K::NotFound => "文件或目录不存在",
        K::PermissionDenied => "没有权限",
        K::AlreadyExists => "目标已存在",
        K::StorageFull => "磁盘已满",
        K::ReadOnlyFilesystem => "文件系统只读",
        K::CrossesDevices => "不能跨磁盘移动",
        K::Interrupted | K::TimedOut => "操作中断",
        K::InvalidFilename => "文件名过长或无效",
        K::NotADirectory => "不是目录",
        _ => "读写失败",
    };
    format!("{kind}({e})")
}
