//! The inbox lifecycle: finding returns (recursively), hashing them, and moving each to
//! `archive/<period>/` or `rejected/` (with a Chinese explanation beside it) only after
//! its database commit. Nothing is ever deleted or overwritten: a name clash gets a
//! suffix, and a move interrupted by a crash is completed by the next run.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::config::Paths;

/// A file found in the inbox.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub path: PathBuf,
    /// Its path relative to the inbox, `/`-separated (`JL/竟陵街道_月度自评_2026-10.xlsx`).
    pub name: String,
}

/// What identifies one version of a file on disk: a file replaced, rewritten or swapped for a
/// link between being read and being moved no longer has the identity it was read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileIdentity {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileIdentity {
    /// The identity of the file at `path` itself (a link is not followed); an error when it
    /// is not a regular file.
    pub fn of(path: &Path) -> std::io::Result<FileIdentity> {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::symlink_metadata(path)?;
        if !m.file_type().is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "已不是普通文件(可能被换成了链接)",
            ));
        }
        Ok(FileIdentity {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        })
    }
}

impl FileIdentity {
    /// Whether `moved` (the identity at the destination after a move) is this file: the same
    /// inode, size and modification time (a rename changes the change time). A copy to another
    /// disk is a new file and is taken as moved.
    pub fn moved_as(&self, moved: &FileIdentity) -> bool {
        moved.dev != self.dev || (moved.ino == self.ino && moved.size == self.size && moved.mtime == self.mtime)
    }
}

/// Files that are never returns: editors' lock files and partial downloads.
fn is_transient(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with("~$")
        || [".tmp", ".part", ".crdownload", ".partial"]
            .iter()
            .any(|s| name.to_lowercase().ends_with(s))
}

/// What a directory entry that is not a regular file is, in words (`None` for a regular file
/// or a folder).
fn special_kind(t: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if t.is_file() || t.is_dir() {
        None
    } else if t.is_symlink() {
        Some("符号链接")
    } else if t.is_fifo() {
        Some("管道(FIFO)")
    } else if t.is_socket() {
        Some("套接字")
    } else {
        Some("设备文件")
    }
}

/// How long ago a file last changed. A modification time in the future (a wrong clock on the
/// sending machine, or a touched file) says nothing: the kernel's change time decides then.
fn age(m: &std::fs::Metadata, now: std::time::SystemTime) -> Option<std::time::Duration> {
    use std::os::unix::fs::MetadataExt;
    let modified = m.modified().ok()?;
    if let Ok(age) = now.duration_since(modified) {
        return Some(age);
    }
    let ctime = std::time::UNIX_EPOCH.checked_add(std::time::Duration::new(
        u64::try_from(m.ctime()).ok()?,
        u32::try_from(m.ctime_nsec()).ok()?,
    ))?;
    now.duration_since(ctime).ok()
}

/// `JL/表.xlsx` for `JL/表(1).xlsx`, `JL/表 (2).xlsx`, `JL/表（1）.xlsx`, `JL/表 - 副本.xlsx`,
/// `JL/表 - Copy (2).xlsx`: the name of the file a copy was made of (the systems' own marks).
fn without_copy_mark(name: &str) -> String {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if !name[i..].contains('/') => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    let mut s = stem.trim_end();
    // A trailing number in brackets.
    if let Some(open) = s.rfind(['(', '（'])
        && (s.ends_with(')') || s.ends_with('）'))
    {
        let inner = s[open..].trim_start_matches(['(', '（']).trim_end_matches([')', '）']);
        if !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit()) {
            s = s[..open].trim_end();
        }
    }
    for mark in ["- 副本", "-副本", "- Copy", "-Copy", "副本"] {
        if let Some(rest) = s.strip_suffix(mark) {
            s = rest.trim_end();
            break;
        }
    }
    format!("{s}{ext}")
}

/// Every file under `inbox`, in name order (a copy beside its original, see below), and what
/// was left alone. Files modified less
/// than `settle` ago may still be arriving (a copy over the network): they are listed in
/// `waiting` and left for the next run. Links, FIFOs and sockets are never followed or
/// taken; a folder that cannot be read is named and skipped, the rest is still taken.
pub fn discover(inbox: &Path, settle: std::time::Duration) -> std::io::Result<Discovered> {
    let mut d = Discovered::default();
    let now = std::time::SystemTime::now();
    let mut stack = vec![inbox.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if dir == inbox && e.kind() == std::io::ErrorKind::NotFound => return Ok(d),
            Err(e) if dir == inbox => {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!("无法读取收件箱 {}:{}", inbox.display(), crate::output::io_zh(&e)),
                ));
            }
            Err(e) => {
                d.unreadable
                    .push((relative_name(inbox, &dir), crate::output::io_zh(&e)));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    d.unreadable
                        .push((relative_name(inbox, &dir), crate::output::io_zh(&e)));
                    break;
                }
            };
            let path = entry.path();
            let rel = relative_name(inbox, &path);
            let file_type = match entry.file_type() {
                Ok(t) => t,
                Err(e) => {
                    d.unreadable.push((rel, crate::output::io_zh(&e)));
                    continue;
                }
            };
            let base = entry.file_name().to_string_lossy().to_string();
            if let Some(kind) = special_kind(&file_type) {
                d.special.push(Special { path, name: rel, kind });
            } else if file_type.is_dir() {
                if !base.starts_with('.') {
                    stack.push(path);
                }
            } else if is_transient(&base) {
                d.skipped.push(rel);
            } else {
                let age = entry.metadata().ok().and_then(|m| age(&m, now));
                if age.is_none_or(|a| a < settle) {
                    d.waiting.push(rel);
                } else {
                    d.found.push(Incoming { path, name: rel });
                }
            }
        }
    }
    // In name order, a copy (`表(1).xlsx`, `表 - 副本.xlsx`) beside its original: of the two,
    // the earlier received first, then the shorter name, so that of two files with the same
    // bytes the original is taken and the copy is the duplicate.
    d.found.sort_by_cached_key(|f| {
        let changed = std::fs::symlink_metadata(&f.path).and_then(|m| m.modified()).ok();
        (
            without_copy_mark(&f.name),
            changed,
            f.name.chars().count(),
            f.name.clone(),
        )
    });
    d.skipped.sort();
    d.waiting.sort();
    d.special.sort_by(|a, b| a.name.cmp(&b.name));
    d.unreadable.sort();
    Ok(d)
}

/// What [`discover`] found in the inbox.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Files to take, in name order, a copy beside its original (the earlier received first).
    pub found: Vec<Incoming>,
    /// Editors' lock files and partial downloads, never taken.
    pub skipped: Vec<String>,
    /// Files changed too recently, taken by a later run.
    pub waiting: Vec<String>,
    /// Links, FIFOs, sockets: never followed or taken.
    pub special: Vec<Special>,
    /// Folders (or entries) that could not be read, and why.
    pub unreadable: Vec<(String, String)>,
}

/// An inbox entry that is not a regular file.
#[derive(Debug, Clone)]
pub struct Special {
    pub path: PathBuf,
    pub name: String,
    /// 符号链接, 管道(FIFO) …
    pub kind: &'static str,
}

/// `path` relative to `base`, `/`-separated; the whole path if it is not under `base` (a file
/// given to `ingest` from elsewhere), so that an interrupted move can find it again.
pub fn relative_name(base: &Path, path: &Path) -> String {
    match path.strip_prefix(base) {
        Ok(rel) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => path.to_string_lossy().to_string(),
    }
}

/// The last component of a path, as text (`JL/表.xlsx` → `表.xlsx`).
pub fn base_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// SHA-256 of a file's bytes, in hex, and its size.
pub fn sha256(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((hex, size))
}

/// The longest file name this program gives a file it files away, in bytes: room is left
/// under the usual 255-byte limit for `(12)` and `.错误说明.txt` after it.
pub const MAX_NAME_BYTES: usize = 200;

/// `name` shortened to [`MAX_NAME_BYTES`] on a character boundary, its extension kept
/// (`很长的名字….xlsx`); the original is recorded in the database.
pub fn fit_name(name: &str) -> String {
    if name.len() <= MAX_NAME_BYTES {
        return name.to_string();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 && name.len() - i <= 16 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    let room = MAX_NAME_BYTES - ext.len() - '…'.len_utf8();
    let mut cut = room.min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…{ext}", &stem[..cut])
}

/// Where a file goes: `archive/<period>/<name>` when accepted, `rejected/<name>` otherwise,
/// with `(2)`, `(3)`… before the extension if the name is taken (on disk or by `taken`).
/// A name too long to file is shortened ([`fit_name`]).
pub fn destination(
    paths: &Paths,
    accepted: bool,
    period: Option<&str>,
    file_name: &str,
    taken: &dyn Fn(&Path) -> bool,
) -> PathBuf {
    let dir = if accepted {
        paths.archive.join(period.unwrap_or("未知所属期"))
    } else {
        paths.rejected.clone()
    };
    let file_name = &fit_name(file_name);
    let (stem, ext) = match file_name.rfind('.') {
        Some(i) if i > 0 => (&file_name[..i], &file_name[i..]),
        _ => (file_name.as_str(), ""),
    };
    let exists = |p: &Path| std::fs::symlink_metadata(p).is_ok();
    let free = |p: &Path| !exists(p) && !exists(&explanation_path(p)) && !taken(p);
    let first = dir.join(file_name);
    if free(&first) {
        return first;
    }
    (2..)
        .map(|n| dir.join(format!("{stem}({n}){ext}")))
        .find(|p| free(p))
        .expect("an unbounded range finds a free name")
}

/// `<name>.错误说明.txt` beside a rejected file.
pub fn explanation_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".错误说明.txt");
    dest.with_file_name(name)
}

/// Moves `from` to `to` without ever overwriting: a rename that fails when `to` exists
/// (`RENAME_NOREPLACE`) within a filesystem, else a copy made durable under its name before
/// the original is removed.
pub fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)?;
    }
    match rename_noreplace(from, to) {
        // The submitter's file, with names and phones: not readable by other users (it came
        // with the uploader's mode).
        Ok(()) => {
            crate::output::make_private(&[to]);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            // Another disk: copy under a temporary name, make it durable, give it its name
            // (never replacing), sync the folder, and only then remove the original, so that
            // neither a crash nor a reader sees half a file and a power cut loses neither.
            let bytes = std::fs::read(from)?;
            crate::output::write_new(to, &bytes)?;
            if let Some(dir) = to.parent() {
                std::fs::File::open(dir)?.sync_all()?;
            }
            std::fs::remove_file(from)
        }
        Err(e) => Err(e),
    }
}

/// `rename(2)` that fails with `AlreadyExists` instead of replacing `to`.
fn rename_noreplace(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "路径中有空字符"))
    };
    let (f, t) = (c(from)?, c(to)?);
    // SAFETY: both are valid NUL-terminated paths; AT_FDCWD resolves them like rename(2).
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            f.as_ptr(),
            libc::AT_FDCWD,
            t.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        // A filesystem without RENAME_NOREPLACE: check, then rename.
        Some(libc::EINVAL) | Some(libc::ENOSYS) => {
            if std::fs::symlink_metadata(to).is_ok() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!("{} 已存在", to.display()),
                ));
            }
            std::fs::rename(from, to)
        }
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_sorts_with_its_original() {
        for copy in [
            "JL/表(1).xlsx",
            "JL/表 (2).xlsx",
            "JL/表（1）.xlsx",
            "JL/表 - 副本.xlsx",
            "JL/表 - Copy (2).xlsx",
        ] {
            assert_eq!(without_copy_mark(copy), "JL/表.xlsx", "{copy}");
        }
        assert_eq!(without_copy_mark("JL/表(更正).xlsx"), "JL/表(更正).xlsx");
        assert_eq!(without_copy_mark("JL/2026(10)"), "JL/2026");
        assert_eq!(without_copy_mark("a.b/表"), "a.b/表");
    }

    #[test]
    fn destination_adds_a_suffix_on_a_clash() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            inbox: dir.path().join("inbox"),
            archive: dir.path().join("archive"),
            rejected: dir.path().join("rejected"),
            reports: dir.path().join("reports"),
            database: dir.path().join("db.sqlite"),
            public: dir.path().join("public"),
            logs: dir.path().join("logs"),
        };
        let none = |_: &Path| false;
        let d = destination(&paths, true, Some("2026-10"), "表.xlsx", &none);
        assert_eq!(d, dir.path().join("archive/2026-10/表.xlsx"));
        std::fs::create_dir_all(d.parent().unwrap()).unwrap();
        std::fs::write(&d, b"x").unwrap();
        let d2 = destination(&paths, true, Some("2026-10"), "表.xlsx", &none);
        assert_eq!(d2, dir.path().join("archive/2026-10/表(2).xlsx"));
        let taken = |p: &Path| p.ends_with("表(2).xlsx");
        assert_eq!(
            destination(&paths, true, Some("2026-10"), "表.xlsx", &taken),
            dir.path().join("archive/2026-10/表(3).xlsx")
        );
        assert_eq!(
            explanation_path(&d2),
            dir.path().join("archive/2026-10/表(2).xlsx.错误说明.txt")
        );
    }

    #[test]
    fn long_names_are_shortened_on_a_character_boundary() {
        let long = format!("{}.xlsx", "竟陵街道月度自评".repeat(12));
        assert!(long.len() > 255);
        let fit = fit_name(&long);
        assert!(fit.len() <= MAX_NAME_BYTES, "{}", fit.len());
        assert!(fit.ends_with("….xlsx") && fit.starts_with("竟陵街道"), "{fit}");
        assert_eq!(fit_name("短.xlsx"), "短.xlsx");
    }

    #[test]
    fn move_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("sub/b"));
        std::fs::write(&a, b"1").unwrap();
        move_file(&a, &b).unwrap();
        std::fs::write(&a, b"2").unwrap();
        assert!(move_file(&a, &b).is_err());
        assert_eq!(std::fs::read(&b).unwrap(), b"1");
        assert_eq!(std::fs::read(&a).unwrap(), b"2");
    }

    #[test]
    fn discover_walks_folders_and_skips_lock_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("JL")).unwrap();
        for n in ["b.xlsx", "JL/a.xlsx", "~$b.xlsx", ".DS_Store", "c.xlsx.part"] {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        std::os::unix::fs::symlink(dir.path().join("b.xlsx"), dir.path().join("link.xlsx")).unwrap();
        let d = discover(dir.path(), std::time::Duration::ZERO).unwrap();
        let names: Vec<_> = d.found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["JL/a.xlsx", "b.xlsx"]);
        let special: Vec<_> = d.special.iter().map(|s| (s.name.as_str(), s.kind)).collect();
        assert_eq!(special, [("link.xlsx", "符号链接")]);
        assert_eq!(d.skipped, [".DS_Store", "c.xlsx.part", "~$b.xlsx"]);
        // Just written: still arriving, as far as a one-hour settle time is concerned.
        let d = discover(dir.path(), std::time::Duration::from_secs(3600)).unwrap();
        assert!(d.found.is_empty());
        assert_eq!(d.waiting, ["JL/a.xlsx", "b.xlsx"]);
    }
}
