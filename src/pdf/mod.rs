//! The PDF layout layer the reports are built on: A4 pages, Chinese text measured from the
//! embedded font's glyph advances and broken with 避头尾 ([`text`]), headings, paragraphs,
//! key-figure tiles, tables that split across pages with their header repeated, charts
//! ([`chart`]) drawn with the PDF's own vector operations, a running header and the
//! official `— 1 —` page numbers. Output goes through printpdf's operations; each document
//! embeds a subset of the report font with only the glyphs it draws ([`font`]), and the same
//! content gives the same bytes.

pub mod chart;
pub mod doc;
pub mod font;
pub mod text;

pub use doc::{Align, Column, Doc, Style, Table, Tone};
