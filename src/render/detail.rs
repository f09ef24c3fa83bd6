//! The detail workbook (明细, internal, SPEC §8): every valid response of the period with the
//! return it came from (submitter, file, row), the answers as given and as scored. It holds
//! personal data (names, phones, free text): its name and its first sheet say so. The rows are
//! streamed from the store into a constant-memory worksheet, so 200,000 responses never sit in
//! memory at once.

use std::path::PathBuf;

use rust_xlsxwriter::{Format, XlsxError};

use super::sheet::{Formats, print_setup, text_width};
use super::sheet_stream::{Cell, Rows, save_with_rows};
use super::{RenderContext, RenderError, Renderer};
use crate::score::AnswerTable;
use crate::store::DetailRow;
use std::collections::HashMap;

pub struct DetailWorkbook;

impl Renderer for DetailWorkbook {
    fn name(&self) -> &'static str {
        "明细表"
    }

    fn render(&self, cx: &RenderContext<'_>) -> Result<Vec<PathBuf>, RenderError> {
        write(&DetailSpec::of(cx.results), cx.detail, cx.scheme, cx.wording, cx.dir)
    }
}

/// What the detail workbook needs of a period besides its rows: all known before the period
/// is scored, so that the workbook can be written while it is (see `run::publish`).
pub struct DetailSpec {
    /// The values its name is made of (the period, its label, the city, the kind).
    pub values: crate::wording::Values,
    /// Whether an upheld appeal left responses out (a last column says which).
    pub excluded: bool,
    /// Each submitter's and each enterprise's name by code.
    pub parties: HashMap<String, String>,
    pub enterprises: HashMap<String, String>,
}

impl DetailSpec {
    /// The spec of `period`'s detail in `city`: its name's values, whether an upheld appeal left
    /// a response out, and the names by code of the submitters and of the enterprises.
    pub fn new<'a>(
        city: &str,
        period: crate::period::Period,
        excluded: bool,
        parties: impl IntoIterator<Item = (&'a str, &'a str)>,
        enterprises: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> DetailSpec {
        let mut values = crate::wording::Values::new();
        values.insert("city", city.to_string());
        values.insert("period", period.to_string());
        values.insert("period_label", period.label_zh());
        values.insert("kind", period.kind().label().to_string());
        let owned = |pairs: &mut dyn Iterator<Item = (&str, &str)>| -> HashMap<String, String> {
            pairs.map(|(c, n)| (c.to_string(), n.to_string())).collect()
        };
        DetailSpec {
            values,
            excluded,
            parties: owned(&mut parties.into_iter()),
            enterprises: owned(&mut enterprises.into_iter()),
        }
    }

    /// The spec as a period's results give it.
    pub fn of(r: &crate::results::PeriodResults) -> DetailSpec {
        DetailSpec::new(
            &r.city,
            r.period,
            r.city_group().is_some_and(|g| g.excluded > 0),
            (r.quality.submitters.iter()).map(|q| (q.code.as_str(), q.name.as_str())),
            (r.enterprises.iter()).map(|e| (e.code.as_str(), e.name.as_str())),
        )
    }
}

/// The detail's zip compression: 200,000 rows at the fastest level (a somewhat larger file)
/// keep it to seconds.
const ZIP_LEVEL: i64 = 1;

/// The detail sheet's place among the workbook's worksheets (after the sheet about it).
const ROWS_SHEET: usize = 2;

/// Writes the detail workbook of `spec`'s period, its rows from `rows`, into `dir`.
pub fn write(
    spec: &DetailSpec,
    rows: &dyn super::DetailRows,
    scheme: &crate::scheme::Scheme,
    wording: &crate::wording::Wording,
    dir: &std::path::Path,
) -> Result<Vec<PathBuf>, RenderError> {
    let name = wording.name("detail_workbook", &spec.values);
    let path = dir.join(format!("{name}.xlsx"));
    let fail = |e: std::io::Error| RenderError::new(DetailWorkbook.name(), &path, e);
    let started = std::time::Instant::now();
    let n = rows.count().map_err(|e| fail(std::io::Error::other(e.to_string())))?;
    let columns = Columns::new(spec, scheme, wording);
    let skeleton = skeleton(&columns, wording, &name, n).map_err(fail)?;
    super::xlsx::write_atomic_with(&path, |file| {
        stream(&skeleton, &columns, n, rows, scheme, wording, file)
    })
    .map_err(fail)?;
    tracing::debug!("明细表: rows written in {:?}", started.elapsed());
    Ok(vec![path])
}

/// The detail sheet's columns: their headers, and the excluded mark's column when an upheld
/// appeal left responses out.
struct Columns {
    headers: Vec<String>,
    /// How many columns there are without the mark.
    plain: usize,
    mark: Option<u16>,
    parties: HashMap<String, String>,
    enterprises: HashMap<String, String>,
}

impl Columns {
    fn new(spec: &DetailSpec, scheme: &crate::scheme::Scheme, w: &crate::wording::Wording) -> Columns {
        let mut headers: Vec<String> = [
            w.text("detail.col_unit"),
            w.text("detail.col_file"),
            w.text("detail.col_sheet"),
            w.text("detail.col_row"),
            w.text("detail.col_date"),
            w.text("detail.col_method"),
            w.text("detail.col_user"),
            w.text("detail.col_user_type"),
            w.text("detail.col_nature"),
            w.text("detail.col_usage"),
            w.text("detail.col_phone"),
            w.text("detail.col_enterprise"),
            w.text("detail.col_utility"),
            w.text("detail.col_county"),
        ]
        .map(String::from)
        .to_vec();
        headers.extend((scheme.items.iter()).map(|i| w.with("detail.col_answer", &[("name", &i.id)])));
        headers.extend((scheme.items.iter()).map(|i| w.with("detail.col_score", &[("name", &i.id)])));
        headers.extend([
            w.text("detail.col_opinion").to_string(),
            w.text("detail.col_suggestion").to_string(),
        ]);
        // A period with responses an upheld appeal left out says which, in a last column.
        let plain = headers.len();
        let mark = spec.excluded.then(|| {
            headers.push(w.text("detail.col_excluded").to_string());
            (headers.len() - 1) as u16
        });
        Columns {
            headers,
            plain,
            mark,
            parties: spec.parties.clone(),
            enterprises: spec.enterprises.clone(),
        }
    }

    fn last(&self) -> u16 {
        (self.headers.len() - 1) as u16
    }
}

/// The workbook as the library saves it with the detail sheet's header row only, knowing that
/// `n` rows follow: the sheet about the detail, the columns' widths, the frozen header, the
/// print setup and the filter over all rows.
fn skeleton(columns: &Columns, w: &crate::wording::Wording, title: &str, n: u32) -> std::io::Result<Vec<u8>> {
    let xlsx = |e: XlsxError| std::io::Error::other(e.to_string());
    let mut wb = super::xlsx::pinned(title).map_err(xlsx)?;
    wb.set_zip_compression_level(ZIP_LEVEL as u8);
    let f = Formats::new();
    {
        let ws = wb
            .add_worksheet()
            .set_name(w.text("detail.sheet_about"))
            .map_err(xlsx)?;
        ws.set_column_width(0, 100).map_err(xlsx)?;
        let warning = Format::new()
            .set_bold()
            .set_font_size(14)
            .set_font_color(rust_xlsxwriter::Color::RGB(0xC00000));
        let lines = [
            w.text("detail.warning"),
            w.text("detail.rows"),
            w.text("detail.rejected_rows"),
        ];
        ws.write_string_with_format(0, 0, title, &f.title).map_err(xlsx)?;
        ws.write_string_with_format(2, 0, lines[0], &warning).map_err(xlsx)?;
        for (i, l) in lines.iter().enumerate().skip(1) {
            ws.write_string_with_format(2 + i as u32, 0, *l, &f.note)
                .map_err(xlsx)?;
        }
    }
    let ws = wb.add_worksheet_with_constant_memory().map_err(xlsx)?;
    ws.set_name(w.text("detail.sheet_rows")).map_err(xlsx)?;
    print_setup(ws, w, title);
    let plain = columns.plain;
    // Widths must be set before any row in a constant-memory sheet.
    for (c, h) in columns.headers.iter().enumerate() {
        let width = match c {
            1 => 30.0,
            6 | 11 => 26.0,
            _ if c + 2 >= plain && c < plain => 40.0,
            _ => text_width(h) + 2.0,
        };
        ws.set_column_width(c as u16, width).map_err(xlsx)?;
    }
    for (c, h) in columns.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &f.header).map_err(xlsx)?;
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx)?;
    ws.set_repeat_rows(0, 0).map_err(xlsx)?;
    ws.autofilter(0, 0, n.max(1), columns.last()).map_err(xlsx)?;
    wb.save_to_buffer().map_err(xlsx)
}

/// Writes the workbook `skeleton` with the `n` rows of `rows` into `out`, in two stages on two
/// threads: this one reads the store and scores the answers into owned rows; the other turns
/// them into the sheet's XML and compresses it. Batches keep the channel cheap, and its bound
/// keeps memory flat.
fn stream(
    skeleton: &[u8],
    columns: &Columns,
    n: u32,
    rows: &dyn super::DetailRows,
    scheme: &crate::scheme::Scheme,
    w: &crate::wording::Wording,
    out: &mut std::io::BufWriter<std::fs::File>,
) -> std::io::Result<()> {
    let xlsx = |e: XlsxError| std::io::Error::other(e.to_string());
    let n_items = scheme.items.len() as u16;
    let table = AnswerTable::new(scheme);
    // Names by code, looked up once per row.
    let parties: HashMap<&str, &str> = (columns.parties.iter())
        .map(|(c, n)| (c.as_str(), n.as_str()))
        .collect();
    let names: HashMap<&str, &str> = (columns.enterprises.iter())
        .map(|(c, n)| (c.as_str(), n.as_str()))
        .collect();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Line>>(8);
    std::thread::scope(|scope| -> std::io::Result<()> {
        let writer = scope.spawn(move || -> std::io::Result<()> {
            save_with_rows(skeleton, ZIP_LEVEL, ROWS_SHEET, columns.last(), n, out, |sink| {
                let mut xml = Rows::default();
                let mut row = 0u32;
                for batch in rx {
                    for mut line in batch {
                        row += 1;
                        xml.row(row, &mut line.cells).map_err(xlsx)?;
                    }
                    sink.write(xml.as_bytes())?;
                    xml.clear();
                }
                Ok(row)
            })
            .map(|_| ())
        });
        let mut batch = Vec::with_capacity(BATCH);
        let mut closed = false;
        let read = rows.for_each(&mut |d| {
            if closed {
                return Ok(());
            }
            let mut l = line(d, &table, n_items, &parties, &names)?;
            if let (Some(col), true) = (columns.mark, d.excluded) {
                l.cells.push((col, Cell::Text(w.text("detail.excluded").to_string())));
            }
            batch.push(l);
            if batch.len() == BATCH
                && tx
                    .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                    .is_err()
            {
                // The writer stopped on an error: it is reported below.
                closed = true;
            }
            Ok(())
        });
        if !batch.is_empty() && !closed {
            let _ = tx.send(batch);
        }
        drop(tx);
        let wrote = writer
            .join()
            .map_err(|_| std::io::Error::other("明细表写入线程异常退出"))?;
        // A row the store could not give stopped the rows short: that is the cause to tell.
        read.map_err(|e| std::io::Error::other(e.to_string()))?;
        wrote
    })
}

const BATCH: usize = 512;

/// One response as the cells of its row (empty cells left out).
struct Line {
    cells: Vec<(u16, Cell)>,
}

/// Turns a stored response into its row: every value from a return as text (never a formula),
/// the row number, the usage and the scores as numbers.
fn line(
    d: &DetailRow<'_>,
    table: &AnswerTable,
    n_items: u16,
    parties: &HashMap<&str, &str>,
    names: &HashMap<&str, &str>,
) -> Result<Line, crate::results::AnswersError> {
    let mut cells = Vec::with_capacity(20 + 2 * n_items as usize);
    let mut text = |col: u16, t: &str| {
        if !t.is_empty() {
            cells.push((col, Cell::Text(t.to_string())));
        }
    };
    text(0, parties.get(d.submitter).copied().unwrap_or(d.submitter));
    text(1, d.file);
    text(2, d.sheet);
    text(4, d.survey_date.unwrap_or(""));
    text(5, d.method.unwrap_or(""));
    text(6, d.user_name);
    text(7, d.user_type.unwrap_or(""));
    text(8, d.usage_nature.unwrap_or(""));
    text(10, d.phone.unwrap_or(""));
    text(11, names.get(d.enterprise).copied().unwrap_or(d.enterprise));
    text(12, d.utility);
    text(13, d.county);
    let base = 14u16;
    text(base + 2 * n_items, d.opinion.unwrap_or(""));
    text(base + 2 * n_items + 1, d.suggestion.unwrap_or(""));
    cells.push((3, Cell::Number(d.row as f64)));
    if let Some(u) = d.monthly_usage {
        cells.push((9, Cell::Number(u)));
    }
    // The answers as stored, and their scores as scoring gives them.
    table.each(d.answers, |i, answer, value| {
        let i = i as u16;
        if !answer.is_empty() {
            cells.push((base + i, Cell::Text(answer.to_string())));
        }
        if let Some(v) = value {
            cells.push((base + n_items + i, Cell::Number(v.score)));
        }
    })?;
    Ok(Line { cells })
}
