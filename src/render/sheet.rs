//! Writing tables into worksheets the same way in every workbook: typed cells (text is always
//! a text cell, never a formula, whatever it starts with), Chinese-aware column widths, bold
//! headers, frozen header rows, autofilters, and A4 landscape printing with the title in the
//! header and page numbers in the footer.

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, written as a text cell (a value like `=HYPERLINK(…)` stays text).
    Text(String),
    /// A score or share shown with two decimals.
    Score(f64),
    /// A p-value shown with four decimals.
    P(f64),
    /// A count.
    Count(u64),
    /// A long text, wrapped in its column.
    Wrap(String),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// A score, or empty when there is none.
    pub fn score(x: Option<f64>) -> Cell {
        x.map_or(Cell::Empty, |x| Cell::Score(crate::score::stats::round_half_away(x, 2)))
    }

    /// How wide the cell shows, in Excel's character units.
    fn width(&self) -> f64 {
        match self {
            Cell::Text(s) => text_width(s),
            Cell::Score(_) => 8.0,
            Cell::P(_) => 8.0,
            Cell::Count(n) => n.to_string().len() as f64 + 1.0,
            Cell::Wrap(_) => 40.0,
            Cell::Empty => 0.0,
        }
    }
}

/// The width a text takes in Excel's units (the width of a `0`): a Chinese character takes
/// about two, an ASCII character one; the widest line counts.
pub fn text_width(s: &str) -> f64 {
    s.lines()
        .map(|l| {
            l.chars()
                .map(|c| if (c as u32) < 0x1100 { 1.1 } else { 2.1 })
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

/// The formats a table uses.
pub struct Formats {
    pub header: Format,
    pub text: Format,
    pub score: Format,
    pub p: Format,
    pub count: Format,
    pub title: Format,
    pub note: Format,
    pub wrap: Format,
}

impl Formats {
    pub fn new() -> Formats {
        let border = |f: Format| f.set_border(FormatBorder::Thin).set_border_color(Color::RGB(0xBFBFBF));
        Formats {
            header: border(
                Format::new()
                    .set_bold()
                    .set_text_wrap()
                    .set_align(FormatAlign::Center)
                    .set_align(FormatAlign::VerticalCenter)
                    .set_background_color(Color::RGB(0xDDEBF7)),
            ),
            text: border(Format::new().set_align(FormatAlign::Top)),
            score: border(Format::new().set_num_format("0.00").set_align(FormatAlign::Top)),
            p: border(Format::new().set_num_format("0.0000").set_align(FormatAlign::Top)),
            count: border(Format::new().set_num_format("0").set_align(FormatAlign::Top)),
            title: Format::new().set_bold().set_font_size(14),
            wrap: border(Format::new().set_text_wrap().set_align(FormatAlign::Top)),
            note: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

impl Default for Formats {
    fn default() -> Self {
        Formats::new()
    }
}

/// Writes `headers` at `row` and `rows` below it from column 0, sets the columns' widths to
/// fit (between 6 and `max_width`) and puts an autofilter on the table. Returns the row after
/// the table. [`main_table`] also freezes and repeats its header.
pub fn table(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    headers: &[&str],
    rows: &[Vec<Cell>],
    max_width: f64,
) -> Result<u32, XlsxError> {
    let mut widths: Vec<f64> = headers.iter().map(|h| text_width(h) + 2.0).collect();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &f.header)?;
    }
    for (i, cells) in rows.iter().enumerate() {
        let r = row + 1 + i as u32;
        for (c, cell) in cells.iter().enumerate() {
            write(ws, f, r, c as u16, cell)?;
            if let Some(w) = widths.get_mut(c) {
                *w = w.max(cell.width() + 1.5);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, w.clamp(6.0, max_width))?;
    }
    // Wrapped texts get the lines they need (not every program sizes rows by itself).
    for (i, cells) in rows.iter().enumerate() {
        let lines = cells
            .iter()
            .enumerate()
            .filter_map(|(c, cell)| match cell {
                Cell::Wrap(s) => {
                    // Each line of the text, wrapped at the column's width.
                    let width = widths.get(c).map_or(40.0, |w| w.clamp(6.0, max_width) - 1.0);
                    Some(s.lines().map(|l| (text_width(l) / width).ceil().max(1.0)).sum::<f64>())
                }
                _ => None,
            })
            .fold(1.0, f64::max)
            .ceil();
        if lines > 1.0 {
            ws.set_row_height(row + 1 + i as u32, 15.0 * lines)?;
        }
    }
    let last = row + rows.len() as u32;
    if !headers.is_empty() {
        ws.autofilter(row, 0, last.max(row), headers.len() as u16 - 1)?;
    }
    Ok(last + 1)
}

/// A sheet's one table: [`table`], its header frozen and repeated on every printed page.
pub fn main_table(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    headers: &[&str],
    rows: &[Vec<Cell>],
    max_width: f64,
) -> Result<u32, XlsxError> {
    let next = table(ws, f, row, headers, rows, max_width)?;
    ws.set_freeze_panes(row + 1, 0)?;
    ws.set_repeat_rows(row, row)?;
    Ok(next)
}

/// Writes one cell.
pub fn write(ws: &mut Worksheet, f: &Formats, row: u32, col: u16, cell: &Cell) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(s) => ws.write_string_with_format(row, col, s, &f.text)?,
        Cell::Score(x) => ws.write_number_with_format(row, col, *x, &f.score)?,
        Cell::P(x) => ws.write_number_with_format(row, col, *x, &f.p)?,
        Cell::Count(n) => ws.write_number_with_format(row, col, *n as f64, &f.count)?,
        Cell::Wrap(s) => ws.write_string_with_format(row, col, s, &f.wrap)?,
        Cell::Empty => ws.write_blank(row, col, &f.text)?,
    };
    Ok(())
}

/// A4 landscape, one page wide, the title in the header and the wording's page footer
/// (第 N 页/共 M 页) in the footer.
pub fn print_setup(ws: &mut Worksheet, w: &crate::wording::Wording, title: &str) {
    ws.set_paper_size(9);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    // `&` starts a header code: a literal one is doubled.
    ws.set_header(format!("&C{}", title.replace('&', "&&")));
    ws.set_footer(format!("&C{}", w.text("sheet.page_footer")));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_takes_twice_the_width() {
        assert!((text_width("企业") - 4.2).abs() < 1e-9);
        assert!((text_width("GS01") - 4.4).abs() < 1e-9);
        assert!(
            (text_width("一行\n较长的第二行") - 12.6).abs() < 1e-9,
            "the widest line"
        );
    }
}
