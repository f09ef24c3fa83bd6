//! What every workbook the program writes shares: pinned document properties (a fixed
//! creation date, so that the same content gives the same bytes) and an atomic save (a
//! reader never sees half a workbook). Used by the blank return form and the summary,
//! feedback and call-back workbooks.

use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook, XlsxError};

/// A new workbook titled `title`, its creation date pinned.
pub fn pinned(title: &str) -> Result<Workbook, XlsxError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2026, 1, 1)?;
    wb.set_properties(&DocProperties::new().set_title(title).set_creation_datetime(&created));
    Ok(wb)
}

/// Saves `wb` to `path` atomically: written to a temporary file beside it (never held whole in
/// memory), synced, then renamed over `path`.
pub fn save_atomic(wb: &mut Workbook, path: &Path) -> Result<(), XlsxError> {
    let mut failed = None;
    let saved = write_atomic_with(path, |file| {
        wb.save_to_writer(file).map_err(|e| {
            let said = std::io::Error::other(e.to_string());
            failed = Some(e);
            said
        })
    });
    match (saved, failed) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(e)) => Err(e),
        (Err(e), None) => Err(XlsxError::IoError(e)),
    }
}

/// Writes `path` atomically with `write`: into a temporary file beside it, synced, then renamed
/// over `path`; the temporary file goes if anything fails.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // Workbooks are saved on more than one thread at once (the detail beside the others):
    // each save its own temporary name.
    static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(
        "{}{}-{n}-xlsx.tmp",
        crate::output::TEMP_PREFIX,
        std::process::id()
    ));
    let saved = std::fs::File::create(&tmp)
        .and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            write(&mut out)?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    if saved.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    saved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_content_gives_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str| {
            let mut wb = pinned("标题").unwrap();
            wb.add_worksheet().write_string(0, 0, "内容").unwrap();
            let path = dir.path().join(name);
            save_atomic(&mut wb, &path).unwrap();
            std::fs::read(path).unwrap()
        };
        assert_eq!(write("a.xlsx"), write("b.xlsx"));
    }
}
