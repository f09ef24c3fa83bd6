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

/// Files that are never returns: editors' lock files and partial downloads.
fn is_transient(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with("~$")
        || [".tmp", ".part", ".crdownload", ".partial"]
            .iter()
            .any(|s| name.to_lowercase().ends_with(s))
}

/// Every file under `inbox`, in name order, and the transient files that were left alone.
/// Files modified less than `settle` ago may still be arriving (a copy over the network):
/// they are listed in `waiting` and left for the next run.
pub fn discover(inbox: &Path, settle: std::time::Duration) -> std::io::Result<Discovered> {
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    let mut waiting = Vec::new();
    let now = std::time::SystemTime::now();
    let mut stack = vec![inbox.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if dir == inbox && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Discovered {
                    found,
                    skipped,
                    waiting,
                });
            }
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let path = entry.path();
            let file_type = entry.file_type()?;
            let rel = relative_name(inbox, &path);
            let base = entry.file_name().to_string_lossy().to_string();
            if file_type.is_dir() {
                if !base.starts_with('.') {
                    stack.push(path);
                }
            } else if is_transient(&base) {
                skipped.push(rel);
            } else if file_type.is_file() || path.is_file() {
                let modified = entry.metadata().and_then(|m| m.modified()).ok();
                let age = modified.and_then(|m| now.duration_since(m).ok()).unwrap_or(settle);
                if age < settle {
                    waiting.push(rel);
                } else {
                    found.push(Incoming { path, name: rel });
                }
            }
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    skipped.sort();
    waiting.sort();
    Ok(Discovered {
        found,
        skipped,
        waiting,
    })
}

/// What [`discover`] found in the inbox.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Files to take, in name order.
    pub found: Vec<Incoming>,
    /// Editors' lock files and partial downloads, never taken.
    pub skipped: Vec<String>,
    /// Files changed too recently, taken by a later run.
    pub waiting: Vec<String>,
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

/// Where a file goes: `archive/<period>/<name>` when accepted, `rejected/<name>` otherwise,
/// with `(2)`, `(3)`… before the extension if the name is taken (on disk or by `taken`).
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
    let (stem, ext) = match file_name.rfind('.') {
        Some(i) if i > 0 => (&file_name[..i], &file_name[i..]),
        _ => (file_name, ""),
    };
    let free = |p: &Path| !p.exists() && !explanation_path(p).exists() && !taken(p);
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

/// Moves `from` to `to` without ever overwriting: rename within a filesystem, else copy,
/// fsync and remove the original.
pub fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)?;
    }
    if to.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{} 已存在", to.display()),
        ));
    }
    match std::fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            // Another disk: copy under a temporary name, make it durable, give it its name,
            // and only then remove the original, so neither a crash nor a reader sees half a file.
            let bytes = std::fs::read(from)?;
            crate::output::write_atomic(to, &bytes)?;
            std::fs::remove_file(from)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destination_adds_a_suffix_on_a_clash() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths {
            inbox: dir.path().join("inbox"),
            archive: dir.path().join("archive"),
            rejected: dir.path().join("rejected"),
            reports: dir.path().join("reports"),
            database: dir.path().join("db.sqlite"),
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
        let d = discover(dir.path(), std::time::Duration::ZERO).unwrap();
        let names: Vec<_> = d.found.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["JL/a.xlsx", "b.xlsx"]);
        assert_eq!(d.skipped, [".DS_Store", "c.xlsx.part", "~$b.xlsx"]);
        // Just written: still arriving, as far as a one-hour settle time is concerned.
        let d = discover(dir.path(), std::time::Duration::from_secs(3600)).unwrap();
        assert!(d.found.is_empty());
        assert_eq!(d.waiting, ["JL/a.xlsx", "b.xlsx"]);
    }
}
