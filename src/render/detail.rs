//! The detail workbook (明细, internal, SPEC §8): every valid response of the period with the
//! return it came from (submitter, file, row), the answers as given and as scored. It holds
//! personal data (names, phones, free text): its name and its first sheet say so. The rows are
//! streamed from the store into a constant-memory worksheet, so 200,000 responses never sit in
//! memory at once.

use std::path::PathBuf;

use rust_xlsxwriter::{Format, XlsxError};

use super::sheet::{Formats, print_setup, text_width};
use super::sheet_stream::{Rows, save_with_rows};
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
        let Some(rows) = cx.detail else {
            let path = cx
                .dir
                .join(cx.wording.name("detail_workbook", &DetailSpec::of(cx.results).values));
            return Err(RenderError::new(
                self.name(),
                &path,
                std::io::Error::other("no rows given"),
            ));
        };
        write(&DetailSpec::of(cx.results), rows, cx.scheme, cx.wording, cx.dir)
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
/// threads: this one reads the store, scores the answers and writes the rows' XML; the other
/// compresses it into the workbook. Pieces of a quarter megabyte keep the channel cheap, and
/// its bound keeps memory flat.
fn stream(
    skeleton: &[u8],
    columns: &Columns,
    n: u32,
    rows: &dyn super::DetailRows,
    scheme: &crate::scheme::Scheme,
    w: &crate::wording::Wording,
    out: &mut std::io::BufWriter<std::fs::File>,
) -> std::io::Result<()> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<u8>, u32)>(8);
    std::thread::scope(|scope| -> std::io::Result<()> {
        let writer = scope.spawn(move || -> std::io::Result<()> {
            save_with_rows(skeleton, ZIP_LEVEL, ROWS_SHEET, columns.last(), n, out, |sink| {
                let mut written = 0;
                for (xml, k) in rx {
                    sink.write(&xml)?;
                    written += k;
                }
                Ok(written)
            })
            .map(|_| ())
        });
        let mut lines = Lines::new(columns, scheme, w);
        let mut closed = false;
        let mut failed = None;
        let read = rows.for_each(&mut |d| {
            if closed {
                return Ok(());
            }
            if let Err(e) = lines.line(d) {
                match e {
                    LineError::Answers(e) => return Err(e.into()),
                    // Excel cannot hold the row: said below, after the writer stops.
                    LineError::Xlsx(e) => {
                        failed = Some(e);
                        closed = true;
                        return Ok(());
                    }
                }
            }
            if lines.xml.as_bytes().len() >= PIECE {
                if tx.send((lines.xml.take(), lines.count)).is_err() {
                    // The writer stopped on an error: it is reported below.
                    closed = true;
                }
                lines.count = 0;
            }
            Ok(())
        });
        if !closed {
            let _ = tx.send((lines.xml.take(), lines.count));
        }
        drop(tx);
        let wrote = writer
            .join()
            .map_err(|_| std::io::Error::other("明细表写入线程异常退出"))?;
        // A row the store could not give, or Excel could not hold, stopped the rows short:
        // that is the cause to tell.
        read.map_err(|e| std::io::Error::other(e.to_string()))?;
        if let Some(e) = failed {
            return Err(std::io::Error::other(e.to_string()));
        }
        wrote
    })
}

/// The size of the pieces of XML handed to the compressing thread.
const PIECE: usize = 256 * 1024;

/// The detail's rows as XML, one response at a time.
struct Lines<'a> {
    xml: Rows,
    /// Rows written since the XML was last taken.
    count: u32,
    /// Rows written in all (the sheet's row of the last one).
    row: u32,
    table: AnswerTable,
    n_items: u16,
    parties: HashMap<&'a str, &'a str>,
    names: HashMap<&'a str, &'a str>,
    mark: Option<(u16, &'a str)>,
    /// One response's answers (ranges of `text`) and scores, by item.
    answers: Vec<Option<(usize, usize)>>,
    scores: Vec<Option<f64>>,
    text: String,
}

enum LineError {
    Answers(crate::results::AnswersError),
    Xlsx(XlsxError),
}

impl From<XlsxError> for LineError {
    fn from(e: XlsxError) -> Self {
        LineError::Xlsx(e)
    }
}

impl<'a> Lines<'a> {
    fn new(columns: &'a Columns, scheme: &crate::scheme::Scheme, w: &'a crate::wording::Wording) -> Lines<'a> {
        let n_items = scheme.items.len();
        Lines {
            xml: Rows::default(),
            count: 0,
            row: 0,
            table: AnswerTable::new(scheme),
            n_items: n_items as u16,
            // Names by code, looked up once per row.
            parties: (columns.parties.iter())
                .map(|(c, n)| (c.as_str(), n.as_str()))
                .collect(),
            names: (columns.enterprises.iter())
                .map(|(c, n)| (c.as_str(), n.as_str()))
                .collect(),
            mark: columns.mark.map(|col| (col, w.text("detail.excluded"))),
            answers: vec![None; n_items],
            scores: vec![None; n_items],
            text: String::new(),
        }
    }

    /// Writes a stored response as its row, cell by cell in column order: every value from a
    /// return as text (never a formula), the row number, the usage and the scores as numbers,
    /// the answers as stored and their scores as scoring gives them; empty cells left out.
    fn line(&mut self, d: &DetailRow<'_>) -> Result<(), LineError> {
        // The answers first (an item given twice keeps its last answer and its last score).
        self.answers.fill(None);
        self.scores.fill(None);
        self.text.clear();
        let (answers, scores, text) = (&mut self.answers, &mut self.scores, &mut self.text);
        let decoded = self.table.each(d.answers, |i, answer, value| {
            if !answer.is_empty() {
                answers[i] = Some((text.len(), text.len() + answer.len()));
                text.push_str(answer);
            }
            if let Some(v) = value {
                scores[i] = Some(v.score);
            }
        });
        decoded.map_err(LineError::Answers)?;
        self.row += 1;
        self.count += 1;
        let x = &mut self.xml;
        x.begin(self.row);
        x.text(0, self.parties.get(d.submitter).copied().unwrap_or(d.submitter))?;
        x.text(1, d.file)?;
        x.text(2, d.sheet)?;
        x.number(3, d.row as f64)?;
        x.text(4, d.survey_date.unwrap_or(""))?;
        x.text(5, d.method.unwrap_or(""))?;
        x.text(6, d.user_name)?;
        x.text(7, d.user_type.unwrap_or(""))?;
        x.text(8, d.usage_nature.unwrap_or(""))?;
        if let Some(u) = d.monthly_usage {
            x.number(9, u)?;
        }
        x.text(10, d.phone.unwrap_or(""))?;
        x.text(11, self.names.get(d.enterprise).copied().unwrap_or(d.enterprise))?;
        x.text(12, d.utility)?;
        x.text(13, d.county)?;
        let base = 14u16;
        let n = self.n_items;
        for (i, a) in self.answers.iter().enumerate() {
            if let Some((from, to)) = *a {
                x.text(base + i as u16, &self.text[from..to])?;
            }
        }
        for (i, v) in self.scores.iter().enumerate() {
            if let Some(v) = *v {
                x.number(base + n + i as u16, v)?;
            }
        }
        x.text(base + 2 * n, d.opinion.unwrap_or(""))?;
        x.text(base + 2 * n + 1, d.suggestion.unwrap_or(""))?;
        if let (Some((col, mark)), true) = (self.mark, d.excluded) {
            x.text(col, mark)?;
        }
        x.end();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;
    use calamine::{Data, Reader};

    /// `n` responses as the store would give them, saying `count` of them.
    struct Responses {
        n: u32,
        count: u32,
        names: Vec<String>,
    }

    impl Responses {
        fn new(n: u32, count: u32) -> Responses {
            let names = (0..n).map(|i| format!("用户{i}")).collect();
            Responses { n, count, names }
        }
    }

    impl super::super::DetailRows for Responses {
        fn for_each(&self, f: &mut dyn FnMut(&DetailRow<'_>) -> Result<(), StoreError>) -> Result<(), StoreError> {
            for i in 0..self.n {
                // Odd rows answer in another order, and name an item twice (the last counts).
                let answers = if i % 2 == 0 {
                    r#"{"Q1":"是","Q12":"满意"}"#
                } else {
                    r#"{"D1":"非常满意","Q1":"是","Q1":"否"}"#
                };
                f(&DetailRow {
                    submitter: "U1",
                    file: "U1/东东镇_月度自评_2026-10.xlsx",
                    sheet: "调查问卷",
                    row: i64::from(i) + 5,
                    survey_date: Some("2026-10-03"),
                    method: None,
                    user_name: &self.names[i as usize],
                    user_type: Some("居民用户"),
                    usage_nature: None,
                    monthly_usage: (i % 3 == 0).then_some(12.5),
                    phone: Some("13800000000"),
                    enterprise: "QY001",
                    utility: "供水",
                    county: "东东镇",
                    answers,
                    opinion: (i == 7).then_some("水压 <低> & 不稳"),
                    suggestion: None,
                    excluded: false,
                })?;
            }
            Ok(())
        }

        fn count(&self) -> Result<u32, StoreError> {
            Ok(self.count)
        }
    }

    fn spec() -> DetailSpec {
        DetailSpec::new(
            "天门市",
            crate::period::Period::parse("2026-10").unwrap(),
            false,
            [("U1", "东东镇")],
            [("QY001", "天门市东东供水有限公司")],
        )
    }

    /// Rows enough for the XML to go to the compressor in several pieces, read back.
    #[test]
    fn every_row_is_written_across_the_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let scheme = crate::scheme::Scheme::builtin();
        let wording = crate::wording::Wording::builtin();
        let n = 3000;
        let files = write(&spec(), &Responses::new(n, n), &scheme, &wording, dir.path()).unwrap();
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&files[0]).unwrap();
        let sheet = wb.worksheet_range(wording.text("detail.sheet_rows")).unwrap();
        assert_eq!(sheet.height(), n as usize + 1, "the header and every response");
        let at = |id: &str| scheme.items.iter().position(|i| i.id == id).unwrap() as u32;
        let items = scheme.items.len() as u32;
        let answer = |id: &str| 14 + at(id);
        let score = |id: &str| 14 + items + at(id);
        let cell = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(Data::Empty);
        // Response i is on row i + 1: its number in the return, its answers and their scores.
        for i in [0u32, 1, 7, 1500, 2999] {
            let r = i + 1;
            assert_eq!(cell(r, 0), Data::String("东东镇".into()));
            assert_eq!(cell(r, 3), Data::Float(f64::from(i) + 5.0));
            assert_eq!(cell(r, 6), Data::String(format!("用户{i}")));
            assert_eq!(cell(r, 9), if i % 3 == 0 { Data::Float(12.5) } else { Data::Empty });
            assert_eq!(cell(r, 11), Data::String("天门市东东供水有限公司".into()));
            if i % 2 == 0 {
                assert_eq!(cell(r, answer("Q1")), Data::String("是".into()));
                assert_eq!(cell(r, score("Q1")), Data::Float(100.0));
                assert_eq!(cell(r, score("Q12")), Data::Float(80.0));
                assert_eq!(cell(r, answer("D1")), Data::Empty);
            } else {
                assert_eq!(cell(r, answer("Q1")), Data::String("否".into()));
                assert_eq!(cell(r, score("Q1")), Data::Float(0.0));
                assert_eq!(cell(r, score("D1")), Data::Float(100.0));
                assert_eq!(cell(r, score("Q12")), Data::Empty);
            }
        }
        assert_eq!(cell(8, 14 + 2 * items), Data::String("水压 <低> & 不稳".into()));
    }

    #[test]
    fn rows_other_than_counted_leave_no_workbook() {
        let dir = tempfile::tempdir().unwrap();
        let scheme = crate::scheme::Scheme::builtin();
        let wording = crate::wording::Wording::builtin();
        let err = write(&spec(), &Responses::new(2000, 2001), &scheme, &wording, dir.path()).unwrap_err();
        assert!(err.to_string().contains("2001"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing left behind");
    }
}
