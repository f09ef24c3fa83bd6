//! A document being laid out: a cursor moving down A4 pages, and the elements reports are
//! made of. Coordinates are points from the page's top left; they are turned into PDF's
//! bottom-left coordinates when drawn.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use printpdf::{
    Color, FontId, Line, LineDashPattern, LinePoint, Op, PaintMode, PdfDocument, PdfFont, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Polygon, PolygonRing, Pt, TextItem, WindingOrder,
};

use super::chart::{Anchor, Canvas, Chart, GREY, INK, RULE, Rgb};
use super::font::{REPLACEMENT, Weight, face};
use super::text::wrap;

pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
pub const MARGIN_X: f32 = 62.0;
const TOP: f32 = 72.0;
const BOTTOM: f32 = PAGE_H - 66.0;
pub const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

pub const BODY: f32 = 10.5;
const SMALL: f32 = 9.0;
const LEADING: f32 = 1.75;
const HEADER_FILL: Rgb = Rgb(0xe8, 0xee, 0xf4);
const STRIPE: Rgb = Rgb(0xf6, 0xf8, 0xfa);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

/// How a table row reads: as is, in red (needs attention), or grey (for reference only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Normal,
    Alert,
    Muted,
}

pub struct Column {
    pub title: String,
    /// Relative width.
    pub width: f32,
    pub align: Align,
}

impl Column {
    pub fn new(title: &str, width: f32, align: Align) -> Column {
        Column {
            title: title.to_string(),
            width,
            align,
        }
    }
}

pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<(Vec<String>, Tone)>,
}

/// How a text is drawn: its size in points, weight and colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub size: f32,
    pub weight: Weight,
    pub fill: Rgb,
}

impl Style {
    pub fn new(size: f32, weight: Weight, fill: Rgb) -> Style {
        Style { size, weight, fill }
    }
}

/// A document: its pages' operations so far and the glyphs they use.
pub struct Doc {
    title: String,
    /// At the top of every numbered page.
    running: String,
    author: String,
    date: NaiveDate,
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    y: f32,
    /// Pages before this one carry no header and no number (the cover).
    first_numbered: usize,
    used: [BTreeSet<char>; 2],
    /// Characters the font lacks, drawn as □.
    pub missing: BTreeSet<char>,
}

fn pt(x: f32, y: f32) -> Point {
    Point {
        x: Pt(x),
        y: Pt(PAGE_H - y),
    }
}

fn color(c: Rgb) -> Color {
    Color::Rgb(printpdf::Rgb {
        r: f32::from(c.0) / 255.0,
        g: f32::from(c.1) / 255.0,
        b: f32::from(c.2) / 255.0,
        icc_profile: None,
    })
}

fn font_id(w: Weight) -> FontId {
    FontId(match w {
        Weight::Regular => "F1".into(),
        Weight::Bold => "F2".into(),
    })
}

impl Doc {
    /// A document dated `date` (the end of the period: never the wall clock).
    pub fn new(title: &str, running: &str, author: &str, date: NaiveDate) -> Doc {
        Doc {
            title: title.to_string(),
            running: running.to_string(),
            author: author.to_string(),
            date,
            pages: Vec::new(),
            ops: Vec::new(),
            y: TOP,
            first_numbered: 0,
            used: [BTreeSet::new(), BTreeSet::new()],
            missing: BTreeSet::new(),
        }
    }

    pub fn y(&self) -> f32 {
        self.y
    }

    pub fn set_y(&mut self, y: f32) {
        self.y = y;
    }

    pub fn page_count(&self) -> usize {
        self.pages.len() + 1
    }

    /// Space left on this page.
    pub fn room(&self) -> f32 {
        BOTTOM - self.y
    }

    pub fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.ops));
        self.y = TOP;
    }

    /// Starts a new page unless `h` points fit on this one.
    pub fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP + 1.0 {
            self.new_page();
        }
    }

    /// Ends the cover: the pages so far carry no header and no number.
    pub fn end_cover(&mut self) {
        self.new_page();
        self.first_numbered = self.pages.len();
    }

    pub fn space(&mut self, h: f32) {
        self.y = (self.y + h).min(BOTTOM);
    }

    // Drawing primitives.

    /// Text with its baseline at `y`; characters the font lacks become □ and are reported.
    pub fn text(&mut self, x: f32, y: f32, text: &str, style: Style, anchor: Anchor) {
        let Style { size, weight, fill } = style;
        // Each character in the face asked for, else in the regular face (the bold one holds
        // fewer characters), else □.
        let mut runs: Vec<(Weight, String)> = Vec::new();
        for c in text.chars() {
            let (w, c) = if matches!(c, '\t' | '\n' | '\r') {
                (weight, ' ')
            } else if face(weight).has(c) {
                (weight, c)
            } else if face(Weight::Regular).has(c) {
                (Weight::Regular, c)
            } else {
                self.missing.insert(c);
                (weight, REPLACEMENT)
            };
            match runs.last_mut() {
                Some((rw, s)) if *rw == w => s.push(c),
                _ => runs.push((w, c.to_string())),
            }
        }
        if runs.iter().all(|(_, s)| s.trim().is_empty()) {
            return;
        }
        let advances: Vec<f32> = runs.iter().map(|(w, s)| face(*w).width(s, size)).collect();
        let width: f32 = advances.iter().sum();
        let mut x = match anchor {
            Anchor::Start => x,
            Anchor::Middle => x - width / 2.0,
            Anchor::End => x - width,
        };
        for ((w, shown), advance) in runs.into_iter().zip(advances) {
            self.used[w as usize].extend(shown.chars());
            self.ops.extend([
                Op::StartTextSection,
                Op::SetFillColor { col: color(fill) },
                Op::SetFont {
                    font: PdfFontHandle::External(font_id(w)),
                    size: Pt(size),
                },
                Op::SetTextCursor { pos: pt(x, y) },
                Op::ShowText {
                    items: vec![TextItem::Text(shown)],
                },
                Op::EndTextSection,
            ]);
            x += advance;
        }
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Rgb) {
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        let ring = [pt(x, y), pt(x + w, y), pt(x + w, y + h), pt(x, y + h)]
            .map(|p| LinePoint { p, bezier: false })
            .to_vec();
        self.ops.extend([
            Op::SetFillColor { col: color(fill) },
            Op::DrawPolygon {
                polygon: Polygon {
                    rings: vec![PolygonRing { points: ring }],
                    mode: PaintMode::Fill,
                    winding_order: WindingOrder::NonZero,
                },
            },
        ]);
    }

    pub fn line(&mut self, points: &[(f32, f32)], stroke: Rgb, width: f32, dashed: bool) {
        if points.len() < 2 {
            return;
        }
        let dash = if dashed {
            LineDashPattern::new(0.0, &[4.0, 3.0])
        } else {
            LineDashPattern::solid()
        };
        self.ops.extend([
            Op::SaveGraphicsState,
            Op::SetOutlineColor { col: color(stroke) },
            Op::SetOutlineThickness { pt: Pt(width) },
            Op::SetLineDashPattern { dash },
            Op::DrawLine {
                line: Line {
                    points: points
                        .iter()
                        .map(|&(x, y)| LinePoint {
                            p: pt(x, y),
                            bezier: false,
                        })
                        .collect(),
                    is_closed: false,
                },
            },
            Op::RestoreGraphicsState,
        ]);
    }

    // Flow elements.

    /// A numbered section heading (一、…) or a sub-heading, kept with the first lines of what
    /// follows.
    pub fn heading(&mut self, text: &str, level: u8) {
        self.heading_keep(text, level, 60.0);
    }

    /// A heading kept with the `keep` points that follow it (a chart's height). A heading
    /// wider than the text column (a long enterprise name) wraps onto further lines.
    pub fn heading_keep(&mut self, text: &str, level: u8, keep: f32) {
        let (size, before, after) = match level {
            1 => (15.0, 16.0, 8.0),
            2 => (12.0, 10.0, 5.0),
            _ => (10.5, 6.0, 4.0),
        };
        let lines = wrap(face(Weight::Bold), text, size, CONTENT_W);
        let lh = size * 1.4;
        let height = size + lh * lines.len().saturating_sub(1) as f32;
        self.ensure(before + height + after + keep.min(BOTTOM - TOP - 60.0));
        if self.y > TOP + 1.0 {
            self.space(before);
        }
        self.y += size;
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                self.y += lh;
            }
            let y = self.y;
            self.text(MARGIN_X, y, line, Style::new(size, Weight::Bold, INK), Anchor::Start);
        }
        self.y += after;
    }

    /// A paragraph of body text, its first line indented by two characters.
    pub fn paragraph(&mut self, text: &str) {
        self.lines(
            &format!("\u{3000}\u{3000}{text}"),
            BODY,
            Weight::Regular,
            INK,
            MARGIN_X,
            CONTENT_W,
        );
        self.space(4.0);
    }

    /// Small grey text (notes under a table or chart).
    pub fn note(&mut self, text: &str) {
        self.lines(text, SMALL, Weight::Regular, GREY, MARGIN_X, CONTENT_W);
        self.space(3.0);
    }

    /// Wrapped lines at the cursor, breaking pages between lines.
    pub fn lines(&mut self, text: &str, size: f32, weight: Weight, fill: Rgb, x: f32, width: f32) {
        let lh = size * LEADING;
        for line in wrap(face(weight), text, size, width) {
            self.ensure(lh);
            let y = self.y + lh * 0.72;
            self.text(x, y, &line, Style::new(size, weight, fill), Anchor::Start);
            self.y += lh;
        }
    }

    /// A row of key figures: a value over its label in a box each.
    pub fn tiles(&mut self, tiles: &[(String, String)]) {
        let per_row = 4usize;
        let gap = 8.0;
        let w = (CONTENT_W - gap * (per_row as f32 - 1.0)) / per_row as f32;
        let h = 50.0;
        for chunk in tiles.chunks(per_row) {
            self.ensure(h + gap);
            for (i, (label, value)) in chunk.iter().enumerate() {
                let x = MARGIN_X + i as f32 * (w + gap);
                let y = self.y;
                self.rect(x, y, w, h, HEADER_FILL);
                self.rect(x, y, 3.0, h, super::chart::BLUE);
                self.text(
                    x + w / 2.0,
                    y + 25.0,
                    value,
                    Style::new(17.0, Weight::Bold, super::chart::BLUE),
                    Anchor::Middle,
                );
                self.text(
                    x + w / 2.0,
                    y + 41.0,
                    label,
                    Style::new(SMALL, Weight::Regular, GREY),
                    Anchor::Middle,
                );
            }
            self.y += h + gap;
        }
    }

    /// A table across the content width; rows that do not fit go to the next page under a
    /// repeated header.
    pub fn table(&mut self, t: &Table) {
        let size = SMALL;
        let lh = size * 1.45;
        let pad = 3.5;
        let total: f32 = t.columns.iter().map(|c| c.width).sum::<f32>().max(0.001);
        let widths: Vec<f32> = t.columns.iter().map(|c| c.width / total * CONTENT_W).collect();
        let cell_lines = |text: &str, w: f32, weight: Weight| wrap(face(weight), text, size, w - 2.0 * pad);
        let header: Vec<Vec<String>> = t
            .columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| cell_lines(&c.title, *w, Weight::Bold))
            .collect();
        let header_h = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * pad;
        let draw_header = |d: &mut Doc| {
            let y = d.y;
            d.rect(MARGIN_X, y, CONTENT_W, header_h, HEADER_FILL);
            let mut x = MARGIN_X;
            for ((lines, w), c) in header.iter().zip(&widths).zip(&t.columns) {
                d.cell(x, y + pad, *w, pad, lh, lines, c.align, Weight::Bold, INK);
                x += w;
            }
            d.line(&[(MARGIN_X, y), (MARGIN_X + CONTENT_W, y)], INK, 0.8, false);
            d.line(
                &[(MARGIN_X, y + header_h), (MARGIN_X + CONTENT_W, y + header_h)],
                INK,
                0.5,
                false,
            );
            d.y += header_h;
        };
        let first_h = t.rows.first().map_or(0.0, |(cells, _)| {
            cells
                .iter()
                .zip(&widths)
                .map(|(s, w)| cell_lines(s, *w, Weight::Regular).len())
                .max()
                .unwrap_or(1) as f32
                * lh
                + 2.0 * pad
        });
        self.ensure(header_h + first_h);
        draw_header(self);
        for (i, (cells, tone)) in t.rows.iter().enumerate() {
            let lines: Vec<Vec<String>> = cells
                .iter()
                .zip(&widths)
                .map(|(s, w)| cell_lines(s, *w, Weight::Regular))
                .collect();
            let h = lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * pad;
            if self.y + h > BOTTOM {
                self.line(&[(MARGIN_X, self.y), (MARGIN_X + CONTENT_W, self.y)], INK, 0.8, false);
                self.new_page();
                draw_header(self);
            }
            let y = self.y;
            if i % 2 == 1 {
                self.rect(MARGIN_X, y, CONTENT_W, h, STRIPE);
            }
            let fill = match tone {
                Tone::Normal => INK,
                Tone::Alert => super::chart::RED,
                Tone::Muted => GREY,
            };
            let mut x = MARGIN_X;
            for ((cell, w), c) in lines.iter().zip(&widths).zip(&t.columns) {
                self.cell(x, y + pad, *w, pad, lh, cell, c.align, Weight::Regular, fill);
                x += w;
            }
            self.line(&[(MARGIN_X, y + h), (MARGIN_X + CONTENT_W, y + h)], RULE, 0.4, false);
            self.y += h;
        }
        self.line(&[(MARGIN_X, self.y), (MARGIN_X + CONTENT_W, self.y)], INK, 0.8, false);
        self.space(8.0);
    }

    #[allow(clippy::too_many_arguments)]
    fn cell(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        pad: f32,
        lh: f32,
        lines: &[String],
        align: Align,
        weight: Weight,
        fill: Rgb,
    ) {
        for (k, l) in lines.iter().enumerate() {
            let base = y + k as f32 * lh + lh * 0.75;
            let (tx, anchor) = match align {
                Align::Left => (x + pad, Anchor::Start),
                Align::Center => (x + w / 2.0, Anchor::Middle),
                Align::Right => (x + w - pad, Anchor::End),
            };
            self.text(tx, base, l, Style::new(SMALL, weight, fill), anchor);
        }
    }

    /// A chart across the content width with its caption above; a ranking taller than a page
    /// is the caller's to split.
    /// The height [`Doc::chart`] takes.
    pub fn chart_height(chart: &Chart) -> f32 {
        chart.height(CONTENT_W) + 24.0
    }

    pub fn chart(&mut self, caption: &str, chart: &Chart) {
        let h = chart.height(CONTENT_W);
        self.ensure(h + 24.0);
        self.y += 12.0;
        let y = self.y;
        self.text(
            PAGE_W / 2.0,
            y,
            caption,
            Style::new(10.0, Weight::Bold, INK),
            Anchor::Middle,
        );
        self.y += 6.0;
        let top = self.y;
        chart.draw(self, MARGIN_X, top, CONTENT_W, h);
        self.y = top + h + 6.0;
    }

    /// The finished PDF: running header and `— n —` page numbers on every page after the
    /// cover, the font subset to the glyphs drawn, metadata dated `date`, and a document ID
    /// derived from the content, so the same document gives the same bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, String> {
        if !self.ops.is_empty() || self.pages.is_empty() {
            self.pages.push(std::mem::take(&mut self.ops));
        }
        let pages = std::mem::take(&mut self.pages);
        let mut out = Vec::with_capacity(pages.len());
        for (i, body) in pages.into_iter().enumerate() {
            self.ops = Vec::new();
            if i >= self.first_numbered {
                let n = i + 1 - self.first_numbered;
                let running = super::text::ellipsize(face(Weight::Regular), &self.running, 8.0, CONTENT_W);
                self.text(
                    MARGIN_X,
                    44.0,
                    &running,
                    Style::new(8.0, Weight::Regular, GREY),
                    Anchor::Start,
                );
                self.line(&[(MARGIN_X, 50.0), (PAGE_W - MARGIN_X, 50.0)], RULE, 0.5, false);
                self.text(
                    PAGE_W / 2.0,
                    PAGE_H - 36.0,
                    &format!("— {n} —"),
                    Style::new(10.0, Weight::Regular, INK),
                    Anchor::Middle,
                );
            }
            let mut ops = body;
            ops.append(&mut self.ops);
            out.push(PdfPage::new(printpdf::Mm(210.0), printpdf::Mm(297.0), ops));
        }
        let mut doc = PdfDocument::new(&self.title);
        let when = self.date.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp());
        let when = printpdf::OffsetDateTime::from_unix_timestamp(when).map_err(str::to_string)?;
        let info = &mut doc.metadata.info;
        info.creation_date = when;
        info.modification_date = when;
        info.metadata_date = when;
        info.author = self.author.clone();
        info.creator = "utility-eval".into();
        info.producer = "utility-eval (printpdf)".into();
        info.subject = self.title.clone();
        // The two faces' subsets side by side.
        let used = &self.used;
        let subset = |w: Weight| (!used[w as usize].is_empty()).then(|| face(w).subset(&used[w as usize]));
        let (regular, bold) = std::thread::scope(|scope| {
            let bold = scope.spawn(|| subset(Weight::Bold));
            let regular = subset(Weight::Regular);
            (
                regular,
                bold.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            )
        });
        for (w, font) in [(Weight::Regular, regular), (Weight::Bold, bold)] {
            if let Some(font) = font {
                doc.resources.fonts.map.insert(font_id(w), PdfFont::new(font?));
            }
        }
        doc.pages = out;
        let opts = PdfSaveOptions {
            optimize: true,
            subset_fonts: false,
            secure: true,
            image_optimization: None,
        };
        let mut warnings = Vec::new();
        let mut lo = printpdf::to_lopdf_doc(&doc, &opts, &mut warnings);
        // printpdf draws the ID from a process-wide counter: derive it from the content.
        lo.trailer.remove(b"ID");
        let id = {
            use sha2::{Digest, Sha256};
            // The document as saved without its ID, hashed as it is written.
            let mut h = Sha256::new();
            lo.save_to(&mut h).map_err(|e| e.to_string())?;
            h.finalize()
                .iter()
                .take(16)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        let id = lopdf::Object::String(id.into_bytes(), lopdf::StringFormat::Literal);
        lo.trailer.set("ID", lopdf::Object::Array(vec![id.clone(), id]));
        compress(&mut lo);
        let mut bytes = Vec::new();
        lo.save_to(&mut bytes).map_err(|e| e.to_string())?;
        Ok(bytes)
    }
}

/// What `lopdf::Document::compress` does (each stream that allows it, deflated on its own), on
/// two threads: the largest streams on one, the rest on the other. Each stream's bytes are its
/// own, so the document is the same.
fn compress(doc: &mut lopdf::Document) {
    let mut streams: Vec<&mut lopdf::Stream> = (doc.objects.values_mut())
        .filter_map(|o| match o {
            lopdf::Object::Stream(s) if s.allows_compression => Some(s),
            _ => None,
        })
        .collect();
    // Largest first, each to the side with less so far.
    streams.sort_by_key(|s| std::cmp::Reverse(s.content.len()));
    let (mut one, mut other) = (Vec::new(), Vec::new());
    let (mut a, mut b) = (0, 0);
    for s in streams {
        if a <= b {
            a += s.content.len();
            one.push(s);
        } else {
            b += s.content.len();
            other.push(s);
        }
    }
    // An error leaves that stream as it was, as lopdf's own pass does.
    let run = |part: Vec<&mut lopdf::Stream>| {
        for s in part {
            let _ = s.compress();
        }
    };
    std::thread::scope(|scope| {
        scope.spawn(|| run(other));
        run(one);
    });
}

impl Canvas for Doc {
    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Rgb) {
        Doc::rect(self, x, y, w, h, fill);
    }

    fn line(&mut self, points: &[(f32, f32)], stroke: Rgb, width: f32, dashed: bool) {
        Doc::line(self, points, stroke, width, dashed);
    }

    fn text(&mut self, x: f32, y: f32, text: &str, size: f32, color: Rgb, anchor: Anchor) {
        Doc::text(self, x, y, text, Style::new(size, Weight::Regular, color), anchor);
    }

    fn measure(&self, text: &str, size: f32) -> f32 {
        face(Weight::Regular).width(text, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(ops: &[Op]) -> Vec<String> {
        ops.iter()
            .filter_map(|op| match op {
                Op::ShowText { items } => Some(
                    items
                        .iter()
                        .filter_map(|i| match i {
                            TextItem::Text(t) => Some(t.clone()),
                            _ => None,
                        })
                        .collect(),
                ),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_long_table_splits_across_pages_with_its_header_on_each() {
        let date = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        let mut d = Doc::new("测试", "测试报告", "市住建局", date);
        d.heading("一、排名", 1);
        let rows = (1..=120)
            .map(|i| {
                (
                    vec![
                        i.to_string(),
                        format!("第{i}家企业"),
                        format!("{:.2}", 60.0 + i as f64 / 4.0),
                    ],
                    Tone::Normal,
                )
            })
            .collect();
        d.table(&Table {
            columns: vec![
                Column::new("排名", 1.0, Align::Center),
                Column::new("企业名称", 4.0, Align::Left),
                Column::new("综合得分", 1.0, Align::Right),
            ],
            rows,
        });
        d.pages.push(std::mem::take(&mut d.ops));
        assert!(d.pages.len() >= 3, "{} pages", d.pages.len());
        let mut seen = 0;
        for (p, ops) in d.pages.iter().enumerate() {
            let t = texts(ops);
            assert_eq!(
                t.iter().filter(|s| *s == "企业名称").count(),
                1,
                "header on page {}",
                p + 1
            );
            // Every row once, in order, none cut between pages.
            for s in t.iter().filter(|s| s.starts_with('第')) {
                seen += 1;
                assert_eq!(*s, format!("第{seen}家企业"));
            }
        }
        assert_eq!(seen, 120);
    }

    #[test]
    fn a_character_the_bold_face_lacks_is_drawn_in_the_regular_one() {
        let date = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        let mut d = Doc::new("测试", "测试报告", "市住建局", date);
        // 玥 is in GBK (the regular face) but not in GB2312 (the bold face).
        assert!(!face(Weight::Bold).has('玥') && face(Weight::Regular).has('玥'));
        d.heading("王玥负责", 1);
        assert!(d.missing.is_empty());
        assert!(d.used[Weight::Regular as usize].contains(&'玥'));
        assert!(d.used[Weight::Bold as usize].contains(&'王') && !d.used[Weight::Bold as usize].contains(&'玥'));
        assert!(d.finish().is_ok());
    }

    #[test]
    fn the_same_content_gives_the_same_bytes_and_a_numbered_page_after_the_cover() {
        let make = || {
            let date = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
            let mut d = Doc::new("测试", "测试报告", "市住建局", date);
            d.text(100.0, 300.0, "封面", Style::new(24.0, Weight::Bold, INK), Anchor::Start);
            d.end_cover();
            d.paragraph("正文,含一个字体没有的字:𠀀。");
            d
        };
        let d = make();
        assert_eq!(d.missing.iter().collect::<String>(), "𠀀");
        let a = d.finish().unwrap();
        let b = make().finish().unwrap();
        assert_eq!(a, b);
        assert!(a.starts_with(b"%PDF-") && a.len() < 60_000, "{}", a.len());
    }
}
