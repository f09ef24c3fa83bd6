//! The report font's subsetting: a font holding only the given glyphs, for embedding in a PDF.
//!
//! A crate of its own for one reason: allsorts' subsetting is generic over the font's table
//! provider, so it is compiled in the crate that names the provider's type. Here that crate is
//! a dependency, which debug builds (and so the tests, which write hundreds of PDFs) compile
//! optimised (`[profile.dev.package.report-font-subset]` in the main Cargo.toml); in the main
//! crate it would be compiled unoptimised and take a third of a test run.

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile};

/// The font file `font` (TrueType or OpenType) reduced to `glyph_ids` (0, .notdef, first), with
/// a Unicode cmap, as a PDF embeds it.
pub fn subset(font: &[u8], glyph_ids: &[u16]) -> Result<Vec<u8>, String> {
    let data = ReadScope::new(font).read::<FontData<'_>>().map_err(|e| e.to_string())?;
    let provider = data.table_provider(0).map_err(|e| e.to_string())?;
    allsorts::subset::subset(&provider, glyph_ids, &SubsetProfile::Pdf, CmapTarget::Unicode).map_err(|e| e.to_string())
}
