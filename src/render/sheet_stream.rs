//! A large worksheet's rows streamed straight into its saved workbook, byte for byte as
//! rust_xlsxwriter writes a constant-memory worksheet.
//!
//! The library writes such a sheet's rows to a temporary file as they come and, on saving,
//! copies that file into the workbook's zip: 200,000 rows are 440 MB of XML formatted cell by
//! cell, written to disk and read back before they are compressed. Here the library writes
//! the workbook with the sheet's header row only (its skeleton, knowing how many rows follow),
//! and the rows are formatted as it formats them and compressed as they come, into the same
//! entries in the same order. Deflate's output depends on how its input is cut into writes, so
//! the rows reach the compressor in the library's pieces too (the copy of its temporary file:
//! 8 KiB reads from the first row on): the same rows give the same bytes as the library's own
//! save (a test holds the two side by side).

use std::io::{Read, Write};

use rust_xlsxwriter::XlsxError;
use zip::write::SimpleFileOptions;

/// Rows of unformatted cells as rust_xlsxwriter formats a constant-memory worksheet's rows
/// (`Worksheet::flush_data_row`, default row height, no x14 extensions): a row is begun, its
/// cells given in column order, each column once, then ended.
#[derive(Default)]
pub struct Rows {
    columns: Vec<String>,
    xml: Vec<u8>,
    /// The row being written (1-based, as the sheet numbers it).
    at: u32,
}

/// The longest string a cell holds, in UTF-16 units (Excel's limit, the library's check).
const MAX_STRING_LEN: usize = 32_767;

impl Rows {
    /// Begins row `row` (0-based).
    pub fn begin(&mut self, row: u32) {
        self.at = row + 1;
        self.xml.extend_from_slice(b"<row r=\"");
        push_u64(&mut self.xml, u64::from(self.at));
        self.xml.extend_from_slice(b"\">");
    }

    pub fn end(&mut self) {
        self.xml.extend_from_slice(b"</row>");
    }

    /// Names the columns up to `col` (`A`, …, `AA`, …).
    fn name(&mut self, col: u16) {
        while self.columns.len() <= usize::from(col) {
            let c = self.columns.len() as u16;
            self.columns.push(rust_xlsxwriter::utility::column_number_to_name(c));
        }
    }

    /// A text cell of the row begun; an empty text is no cell.
    pub fn text(&mut self, col: u16, t: &str) -> Result<(), XlsxError> {
        if t.is_empty() {
            return Ok(());
        }
        let r = self.at;
        self.name(col);
        push_text(&mut self.xml, self.columns[usize::from(col)].as_bytes(), r, t)
    }

    /// A number cell of the row begun; what Excel cannot hold as a number is written as the
    /// library writes it, as its text.
    pub fn number(&mut self, col: u16, v: f64) -> Result<(), XlsxError> {
        if !v.is_finite() {
            let text = if v.is_nan() {
                "NAN"
            } else if v > 0.0 {
                "INF"
            } else {
                "-INF"
            };
            return self.text(col, text);
        }
        let r = self.at;
        self.name(col);
        let xml = &mut self.xml;
        xml.extend_from_slice(b"<c r=\"");
        xml.extend_from_slice(self.columns[usize::from(col)].as_bytes());
        push_u64(xml, u64::from(r));
        xml.extend_from_slice(b"\"><v>");
        push_f64(xml, v);
        xml.extend_from_slice(b"</v></c>");
        Ok(())
    }

    /// The XML of the rows appended since the last [`take`](Rows::take).
    pub fn as_bytes(&self) -> &[u8] {
        &self.xml
    }

    /// Hands over the XML written so far.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.xml)
    }
}

/// An inline string cell.
fn push_text(xml: &mut Vec<u8>, name: &[u8], r: u32, t: &str) -> Result<(), XlsxError> {
    if t.len() > MAX_STRING_LEN && t.encode_utf16().count() > MAX_STRING_LEN {
        return Err(XlsxError::MaxStringLengthExceeded);
    }
    let white = [b'\t', b'\n', b' '];
    let preserve = t.as_bytes().first().is_some_and(|b| white.contains(b))
        || t.as_bytes().last().is_some_and(|b| white.contains(b));
    xml.extend_from_slice(b"<c r=\"");
    xml.extend_from_slice(name);
    push_u64(xml, u64::from(r));
    xml.extend_from_slice(if preserve {
        b"\" t=\"inlineStr\"><is><t xml:space=\"preserve\">".as_slice()
    } else {
        b"\" t=\"inlineStr\"><is><t>".as_slice()
    });
    push_escaped(xml, t);
    xml.extend_from_slice(b"</t></is></c>");
    Ok(())
}

fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// A finite number as the library writes it (Rust's `Display`, without the `ryu` feature).
fn push_f64(out: &mut Vec<u8>, v: f64) {
    // Whole numbers print as integers; -0 keeps its sign, so it goes the long way.
    if v.fract() == 0.0 && v.abs() < 1e15 && !(v == 0.0 && v.is_sign_negative()) {
        if v < 0.0 {
            out.push(b'-');
        }
        push_u64(out, v.abs() as u64);
    } else {
        let _ = write!(out, "{v}");
    }
}

/// `t` escaped as the library escapes cell text: a literal `_xHHHH_` gets its underscore
/// escaped (`_x005F_xHHHH_`), then `&`, `<`, `>`, the control characters but tab and line feed
/// (`_xHHHH_`) and the non-characters U+FFFE and U+FFFF.
fn push_escaped(out: &mut Vec<u8>, t: &str) {
    if !needs_escaping(t.as_bytes()) {
        out.extend_from_slice(t.as_bytes());
        return;
    }
    for ch in escape_escapes(t).chars() {
        match ch {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '\t' | '\n' => out.push(ch as u8),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                let _ = write!(out, "_x{:04X}_", c as u32);
            }
            c => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
}

/// Whether `t` holds anything [`push_escaped`] changes: `&`, `<`, `>`, a control character but
/// tab and line feed, `_x`, U+FFFE or U+FFFF (`EF BF BE`, `EF BF BF` in UTF-8). One pass.
fn needs_escaping(t: &[u8]) -> bool {
    t.iter().enumerate().any(|(i, &b)| match b {
        b'&' | b'<' | b'>' => true,
        b'\t' | b'\n' => false,
        0..0x20 => true,
        b'_' => t.get(i + 1) == Some(&b'x'),
        0xEF => t.get(i + 1) == Some(&0xBF) && matches!(t.get(i + 2), Some(0xBE | 0xBF)),
        _ => false,
    })
}

/// Each literal `_xHHHH_` (four hex digits) with `_x005F` put before it.
fn escape_escapes(t: &str) -> std::borrow::Cow<'_, str> {
    const LEN: usize = 7; // _xHHHH_
    let mut escaped = t.to_string();
    let mut changed = false;
    // From the right, so that the earlier matches' places hold.
    for (i, _) in t.rmatch_indices("_x") {
        if i + LEN > t.len() || !t.is_char_boundary(i + LEN - 1) || !t[i + LEN - 1..].starts_with('_') {
            continue;
        }
        if t[i + 2..i + LEN - 1].chars().all(|c| c.is_ascii_hexdigit()) {
            escaped.replace_range(i..i, "_x005F");
            changed = true;
        }
    }
    if changed {
        std::borrow::Cow::Owned(escaped)
    } else {
        std::borrow::Cow::Borrowed(t)
    }
}

/// How the library's copy of a constant-memory sheet's temporary file reaches the compressor:
/// in reads of this size from the sheet's first row.
const COPY_CHUNK: usize = 8 * 1024;

/// Where the rows go: the sheet's zip entry, in the library's pieces.
pub struct RowSink<'a, W: Write> {
    zip: &'a mut zip::ZipWriter<zip::write::StreamWriter<W>>,
    pending: Vec<u8>,
}

impl<W: Write> RowSink<'_, W> {
    /// Appends rows' XML; whole pieces go to the compressor as they fill, the rest waits.
    pub fn write(&mut self, mut xml: &[u8]) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            let room = COPY_CHUNK - self.pending.len();
            let (now, later) = xml.split_at(room.min(xml.len()));
            self.pending.extend_from_slice(now);
            xml = later;
            if self.pending.len() < COPY_CHUNK {
                return Ok(());
            }
            self.zip.write_all(&self.pending)?;
            self.pending.clear();
        }
        let mut pieces = xml.chunks_exact(COPY_CHUNK);
        for piece in &mut pieces {
            self.zip.write_all(piece)?;
        }
        self.pending.extend_from_slice(pieces.remainder());
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<()> {
        for piece in self.pending.chunks(COPY_CHUNK) {
            self.zip.write_all(piece)?;
        }
        self.pending.clear();
        Ok(())
    }
}

/// Writes the workbook `skeleton` (saved by the library at zip compression `level`, its
/// worksheet number `sheet` holding its header row only, columns `0..=last_col`) to `out` with
/// `n_rows` data rows after that header row, which `rows` writes into the sink it is given
/// (their XML from [`Rows`]) and counts. Fails when `rows` wrote another number of rows than
/// `n_rows` (the sheet's dimension, written before them, says `n_rows`).
pub fn save_with_rows<W: Write>(
    skeleton: &[u8],
    level: i64,
    sheet: usize,
    last_col: u16,
    n_rows: u32,
    out: W,
    rows: impl FnOnce(&mut RowSink<'_, W>) -> std::io::Result<u32>,
) -> std::io::Result<W> {
    let bad = |what: &str| std::io::Error::other(format!("工作簿骨架不符合预期:{what}"));
    let zip_err = |e: zip::result::ZipError| std::io::Error::other(e.to_string());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(skeleton)).map_err(zip_err)?;
    let mut zip = zip::ZipWriter::new_stream(out);
    let target = format!("xl/worksheets/sheet{sheet}.xml");
    let mut rows = Some(rows);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(zip_err)?;
        let name = entry.name().map_err(zip_err)?.into_owned();
        // The library's options (`Packager::new`): the workbook's level, or stored as is.
        let options = SimpleFileOptions::default()
            .unix_permissions(0o600)
            .last_modified_time(zip::DateTime::default())
            .large_file(false);
        let options = match entry.compression() {
            zip::CompressionMethod::Stored => options.compression_method(zip::CompressionMethod::Stored),
            _ => options
                .compression_method(zip::CompressionMethod::Deflated)
                .compression_level(Some(level)),
        };
        let mut data = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut data)?;
        zip.start_file(name.as_str(), options).map_err(zip_err)?;
        let Some(write_rows) = rows.take_if(|_| name == target) else {
            zip.write_all(&data)?;
            continue;
        };
        let xml = std::str::from_utf8(&data).map_err(|_| bad("UTF-8"))?;
        let open = xml.find("<sheetData>").ok_or_else(|| bad("sheetData"))? + "<sheetData>".len();
        let close = xml.rfind("</sheetData>").ok_or_else(|| bad("/sheetData"))?;
        let head = &xml[..open];
        // The dimension the rows make: the header's columns, down to the last row.
        let header_only = format!(
            "<dimension ref=\"{}\"/>",
            rust_xlsxwriter::utility::cell_range(0, 0, 0, last_col)
        );
        let with_rows = format!(
            "<dimension ref=\"{}\"/>",
            rust_xlsxwriter::utility::cell_range(0, 0, n_rows, last_col)
        );
        if head.matches(&header_only).count() != 1 {
            return Err(bad("dimension"));
        }
        zip.write_all(head.replacen(&header_only, &with_rows, 1).as_bytes())?;
        let mut sink = RowSink {
            zip: &mut zip,
            pending: Vec::with_capacity(COPY_CHUNK),
        };
        sink.write(&data[open..close])?;
        let written = write_rows(&mut sink)?;
        sink.finish()?;
        if written != n_rows {
            return Err(std::io::Error::other(format!(
                "写入时行数发生变化:应为 {n_rows} 行,实际 {written} 行"
            )));
        }
        zip.write_all(&data[close..])?;
    }
    if rows.is_some() {
        return Err(bad(&target));
    }
    Ok(zip.finish().map_err(zip_err)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{Format, Workbook};

    /// A cell's value: text written as an inline string, or a number.
    enum Cell {
        Text(String),
        Number(f64),
    }

    /// Appends row `row` (0-based) with `cells` in any order (a column given twice keeps its
    /// last value). As the library writes them for rows with a non-empty cell each and no
    /// column whose last value is an empty text (the library keeps the earlier value there,
    /// and writes no row without cells): what these tests give it.
    fn row(xml: &mut Rows, row: u32, cells: &mut [(u16, Cell)]) -> Result<(), XlsxError> {
        // Stable: of a column given twice the last is kept, as the library's cell map does.
        cells.sort_by_key(|(col, _)| *col);
        xml.begin(row);
        for (k, (col, cell)) in cells.iter().enumerate() {
            if cells.get(k + 1).is_some_and(|(next, _)| next == col) {
                continue;
            }
            match cell {
                Cell::Number(v) => xml.number(*col, *v)?,
                Cell::Text(t) => xml.text(*col, t)?,
            }
        }
        xml.end();
        Ok(())
    }

    const HEADER: [&str; 5] = ["序号", "名称", "得分", "意见", "备注"];

    /// Rows meant to catch every difference from the library: the characters it escapes, the
    /// strings it marks as keeping their spaces, numbers of every form, columns out of order,
    /// a column given twice, and enough bytes to cross many of the copy's pieces.
    fn rows() -> Vec<Vec<(u16, Cell)>> {
        let texts = [
            "供水",
            " lead",
            "trail ",
            "\ttab",
            "line\n",
            "a&b<c>d",
            "_x0041_",
            "_x00ZZ_",
            "x_x1234_y_X5678_z",
            "_x12",
            "\u{1}ctl\u{1f}",
            "\u{b}",
            "non\u{fffe}char\u{ffff}",
            "全角，（标点）\u{fffd}",
            "quote\"s'",
            "中文_x00AB_",
            "é ü",
            "",
        ];
        let numbers = [
            0.0,
            -0.0,
            1.0,
            -3.0,
            1.5,
            83.33333333333333,
            0.1 + 0.2,
            1e15,
            1e16,
            1e21,
            -2.5e-7,
            123456789012.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            100.0,
        ];
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        (0..3000)
            .map(|i| {
                let mut cells = vec![
                    (4, Cell::Text(texts[next() % texts.len()].repeat(1 + next() % 3))),
                    (0, Cell::Number(i as f64)),
                    (2, Cell::Number(numbers[next() % numbers.len()])),
                    (1, Cell::Text(texts[next() % texts.len()].to_string())),
                ];
                if i % 7 == 0 {
                    cells.push((2, Cell::Text("后写的".into())));
                }
                if i % 11 == 0 {
                    cells.retain(|(c, _)| *c != 1);
                }
                cells
            })
            .collect()
    }

    fn workbook(n: u32) -> Workbook {
        let mut wb = crate::render::xlsx::pinned("明细").unwrap();
        wb.set_zip_compression_level(1);
        let ws = wb.add_worksheet_with_constant_memory().unwrap();
        ws.set_column_width(1, 30).unwrap();
        for (c, h) in HEADER.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &Format::new().set_bold())
                .unwrap();
        }
        ws.set_freeze_panes(1, 0).unwrap();
        ws.autofilter(0, 0, n.max(1), 4).unwrap();
        wb
    }

    /// The library writing every cell itself.
    fn by_library(rows: &[Vec<(u16, Cell)>]) -> Vec<u8> {
        let mut wb = workbook(rows.len() as u32);
        let ws = wb.worksheet_from_index(0).unwrap();
        for (r, cells) in rows.iter().enumerate() {
            for (c, cell) in cells {
                match cell {
                    Cell::Text(t) => ws.write_string(r as u32 + 1, *c, t).unwrap(),
                    Cell::Number(v) => ws.write_number(r as u32 + 1, *c, *v).unwrap(),
                };
            }
        }
        wb.save_to_buffer().unwrap()
    }

    /// The skeleton and the rows streamed in.
    fn streamed(rows: Vec<Vec<(u16, Cell)>>) -> Vec<u8> {
        let n = rows.len() as u32;
        let skeleton = workbook(n).save_to_buffer().unwrap();
        save_with_rows(&skeleton, 1, 1, 4, n, Vec::new(), |sink| {
            let mut xml = Rows::default();
            for (r, mut cells) in rows.into_iter().enumerate() {
                row(&mut xml, r as u32 + 1, &mut cells).unwrap();
                if xml.as_bytes().len() > 5000 {
                    sink.write(&xml.take())?;
                }
            }
            sink.write(&xml.take())?;
            Ok(n)
        })
        .unwrap()
    }

    #[test]
    fn the_rows_streamed_give_the_librarys_bytes() {
        let a = by_library(&rows());
        let b = streamed(rows());
        assert!(a.len() > 50_000, "{}", a.len());
        assert!(a == b, "{} bytes against {}", a.len(), b.len());
        // And with no row at all, and with one.
        assert!(by_library(&[]) == streamed(Vec::new()));
        let one = || rows().into_iter().take(1).collect::<Vec<_>>();
        assert!(by_library(&one()) == streamed(one()));
    }

    #[test]
    fn rows_other_than_promised_are_refused() {
        let skeleton = workbook(2).save_to_buffer().unwrap();
        let err = save_with_rows(&skeleton, 1, 1, 4, 2, Vec::new(), |sink| {
            let mut xml = Rows::default();
            row(&mut xml, 1, &mut [(0, Cell::Number(1.0))]).unwrap();
            sink.write(xml.as_bytes())?;
            Ok(1)
        })
        .unwrap_err();
        assert!(err.to_string().contains("应为 2 行"), "{err}");
    }

    #[test]
    fn a_string_longer_than_excel_holds_is_refused_as_the_library_refuses_it() {
        let mut xml = Rows::default();
        let long = "中".repeat(MAX_STRING_LEN + 1);
        let err = row(&mut xml, 1, &mut [(0, Cell::Text(long))]).unwrap_err();
        assert!(matches!(err, XlsxError::MaxStringLengthExceeded));
        assert!(row(&mut xml, 1, &mut [(0, Cell::Text("中".repeat(MAX_STRING_LEN)))]).is_ok());
    }
}
