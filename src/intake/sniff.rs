//! Telling a workbook's format from its bytes (never from its extension), and refusing
//! zip packages that would inflate past the caps before any parser touches them.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use super::{FileError, Limits};

/// A workbook format calamine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xlsb => "xlsb",
            Format::Xls => "xls",
            Format::Ods => "ods",
        }
    }
}

const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Decides the format of the file at `path`, checking size and zip caps on the way.
pub fn sniff(path: &Path, limits: &Limits) -> Result<Format, FileError> {
    let meta = std::fs::metadata(path).map_err(|e| FileError::Io(e.to_string()))?;
    if meta.len() == 0 {
        return Err(FileError::Empty);
    }
    if meta.len() > limits.max_file_bytes {
        return Err(FileError::FileTooLarge {
            size: meta.len(),
            cap: limits.max_file_bytes,
        });
    }
    let mut head = [0u8; 8];
    let mut f = File::open(path).map_err(|e| FileError::Io(e.to_string()))?;
    let n = read_up_to(&mut f, &mut head).map_err(|e| FileError::Io(e.to_string()))?;
    let head = &head[..n];
    if head == CFB_MAGIC {
        return sniff_cfb(path);
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return sniff_zip(path, limits);
    }
    Err(FileError::NotSpreadsheet {
        what: describe_other(path),
    })
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// An OLE compound file is either a legacy .xls or an encrypted OOXML package
/// (Office wraps password-protected .xlsx/.xlsb files in one).
fn sniff_cfb(path: &Path) -> Result<Format, FileError> {
    let bytes = std::fs::read(path).map_err(|e| FileError::Io(e.to_string()))?;
    let utf16 = |s: &str| s.encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<u8>>();
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if has(&utf16("EncryptedPackage")) || has(&utf16("EncryptionInfo")) {
        return Err(FileError::Encrypted);
    }
    if has(&utf16("Workbook")) || has(&utf16("Book")) || has(&utf16("WORKBOOK")) {
        return Ok(Format::Xls);
    }
    Err(FileError::NotSpreadsheet {
        what: "Office 复合文档,但不含工作簿(可能是 Word 或 PowerPoint 文件)".into(),
    })
}

/// A zip package: xlsx/xlsm (xl/workbook.xml), xlsb (xl/workbook.bin) or ods (mimetype).
/// The declared inflated sizes are checked against the caps here; the zip reader then
/// refuses to inflate any entry past its declared size, so a lying header cannot slip by.
fn sniff_zip(path: &Path, limits: &Limits) -> Result<Format, FileError> {
    let file = File::open(path).map_err(|e| FileError::Io(e.to_string()))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| FileError::Corrupt {
        detail: format!("压缩包结构损坏:{e}"),
    })?;
    if zip.len() > 10_000 {
        return Err(FileError::Inflated {
            what: format!("压缩包含 {} 个条目", zip.len()),
            cap: limits.max_inflated_bytes,
        });
    }
    let mut total: u64 = 0;
    let mut format = None;
    let mut mimetype_ods = false;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| FileError::Corrupt {
            detail: format!("压缩包条目损坏:{e}"),
        })?;
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        if entry.encrypted() {
            return Err(FileError::Encrypted);
        }
        total = total.saturating_add(entry.size());
        // Spreadsheet XML deflates 5–30 fold; a thousandfold entry is a bomb (and a single
        // inflated text node would sit whole in the XML parser's buffer).
        if entry.size() > 16 << 20 && entry.size() / entry.compressed_size().max(1) > 200 {
            return Err(FileError::Inflated {
                what: format!(
                    "条目 {name} 压缩比异常({} 字节解压为 {} 字节)",
                    entry.compressed_size(),
                    entry.size()
                ),
                cap: limits.max_inflated_bytes,
            });
        }
        if entry.size() > limits.max_inflated_bytes || total > limits.max_inflated_bytes {
            return Err(FileError::Inflated {
                what: format!("条目 {name} 解压后 {} 字节", entry.size()),
                cap: limits.max_inflated_bytes,
            });
        }
        match name.as_str() {
            "xl/workbook.xml" => format = Some(Format::Xlsx),
            "xl/workbook.bin" => format = Some(Format::Xlsb),
            "mimetype" => mimetype_ods = true,
            "content.xml" if format.is_none() => format = Some(Format::Ods),
            _ => {}
        }
    }
    if format == Some(Format::Xlsx) {
        check_shared_strings(&mut zip)?;
    }
    if format == Some(Format::Ods) {
        let mut m = String::new();
        if mimetype_ods && let Ok(entry) = zip.by_name("mimetype") {
            let _ = entry.take(200).read_to_string(&mut m);
        }
        if !m.contains("spreadsheet") {
            return Err(FileError::NotSpreadsheet {
                what: format!("OpenDocument 文件,但不是电子表格({})", m.trim()),
            });
        }
    }
    format.ok_or_else(|| {
        let word = zip.file_names().any(|n| n.is_ok_and(|n| n == "word/document.xml"));
        FileError::NotSpreadsheet {
            what: if word {
                "Word 文档".into()
            } else {
                "压缩包,但不是 Excel 工作簿".into()
            },
        }
    })
}

/// calamine sizes its shared-string table from the `uniqueCount` the file declares, and
/// a forged count aborts the process on allocation. A real count cannot exceed the
/// entry's size divided by the 5 bytes of the smallest `<si/>`.
fn check_shared_strings<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>) -> Result<(), FileError> {
    let Ok(entry) = zip.by_name("xl/sharedStrings.xml") else {
        return Ok(());
    };
    let size = entry.size();
    let mut head = Vec::with_capacity(4096);
    entry
        .take(4096)
        .read_to_end(&mut head)
        .map_err(|e| FileError::Corrupt {
            detail: format!("共享字符串表损坏:{e}"),
        })?;
    let head = String::from_utf8_lossy(&head);
    let Some(sst) = head.find("<sst").map(|i| &head[i..]) else {
        return Ok(());
    };
    let tag = &sst[..sst.find('>').unwrap_or(sst.len())];
    for attr in ["uniqueCount=\""] {
        if let Some(i) = tag.find(attr) {
            let digits: String = tag[i + attr.len()..].chars().take_while(char::is_ascii_digit).collect();
            if digits.parse::<u64>().map_or(!digits.is_empty(), |n| n > size / 5 + 1) {
                return Err(FileError::Inflated {
                    what: format!("共享字符串表声明 {digits} 项,与其大小 {size} 字节不符"),
                    cap: size,
                });
            }
        }
    }
    Ok(())
}

/// A human name for a file that is not a workbook, from its first bytes.
fn describe_other(path: &Path) -> String {
    let mut buf = vec![0u8; 512];
    let n = File::open(path)
        .and_then(|mut f| read_up_to(&mut f, &mut buf))
        .unwrap_or(0);
    let head = &buf[..n];
    let lower = String::from_utf8_lossy(head).to_lowercase();
    if head.starts_with(b"%PDF") {
        "PDF 文件".into()
    } else if lower.contains("<html") || lower.contains("<table") || lower.contains("<!doctype html") {
        "网页(HTML)文件,常见于系统导出的“假 xls”".into()
    } else if head.starts_with(b"{\\rtf") {
        "RTF 文档".into()
    } else if std::str::from_utf8(head).is_ok() || head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        if lower
            .lines()
            .next()
            .is_some_and(|l| l.contains(',') || l.contains('\t'))
        {
            "CSV 或文本文件".into()
        } else {
            "文本文件".into()
        }
    } else {
        "未知格式的文件".into()
    }
}
