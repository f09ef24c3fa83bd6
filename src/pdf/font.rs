//! The report font: Noto Sans SC (OFL-1.1), regular and bold, subset to GB2312 and the
//! symbols reports use (fonts/subset.py) and embedded in the binary. Text is measured from its
//! glyph advances; each document embeds a subset of only the glyphs it draws.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use printpdf::ParsedFont;

const REGULAR: &[u8] = include_bytes!("../../fonts/NotoSansSC-Report-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../../fonts/NotoSansSC-Report-Bold.ttf");

/// A character the face does not have, in [`Face`]'s table.
const ABSENT: u32 = u32::MAX;

/// Drawn for a character the font does not have (and reported): never a silent gap.
pub const REPLACEMENT: char = '□';

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weight {
    Regular,
    Bold,
}

/// One face's character map and advances.
pub struct Face {
    pub weight: Weight,
    /// The font file, read once for every subset made of it.
    file: report_font_subset::Font<'static>,
    glyphs: BTreeMap<u32, u16>,
    advances: BTreeMap<u16, u16>,
    /// Each Basic Multilingual Plane character's advance, [`ABSENT`] for one the face does
    /// not have: measuring text is a lookup per character, not two searches.
    bmp: Box<[u32]>,
    units_per_em: f32,
    /// Ascent and descent in em (descent negative).
    pub ascent: f32,
    pub descent: f32,
}

impl Face {
    fn load(weight: Weight, bytes: &'static [u8]) -> Face {
        // The embedded font is part of the program: a failure here is a build defect.
        let font = ParsedFont::from_bytes(bytes, 0, &mut Vec::new()).expect("embedded report font parses");
        let em = f32::from(font.units_per_em.max(1));
        let mut bmp = vec![ABSENT; 0x1_0000].into_boxed_slice();
        for (&c, g) in font.codepoint_to_glyph.range(..0x1_0000) {
            bmp[c as usize] = u32::from(font.glyph_widths.get(g).copied().unwrap_or(0));
        }
        Face {
            weight,
            file: report_font_subset::Font::new(bytes),
            glyphs: font.codepoint_to_glyph,
            advances: font.glyph_widths,
            bmp,
            units_per_em: em,
            ascent: f32::from(font.font_metrics.ascent) / em,
            descent: f32::from(font.font_metrics.descent) / em,
        }
    }

    pub fn has(&self, c: char) -> bool {
        match self.bmp.get(c as usize) {
            Some(&a) => a != ABSENT,
            None => self.glyphs.contains_key(&(c as u32)),
        }
    }

    /// The advance of a character at `size` points (the replacement's when it has none).
    pub fn advance(&self, c: char, size: f32) -> f32 {
        let units = match self.bmp.get(c as usize) {
            Some(&a) if a != ABSENT => a as u16,
            _ => {
                let gid = (self.glyphs.get(&(c as u32)))
                    .or_else(|| self.glyphs.get(&(REPLACEMENT as u32)))
                    .copied()
                    .unwrap_or(0);
                self.advances.get(&gid).copied().unwrap_or(0)
            }
        };
        f32::from(units) / self.units_per_em * size
    }

    /// The width of a text at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c, size)).sum()
    }

    /// A font holding only the glyphs of `chars` (plus .notdef), named with a subset tag
    /// derived from its content, so the same text gives the same bytes.
    pub fn subset(&self, chars: &BTreeSet<char>) -> Result<ParsedFont, String> {
        let mut gids: Vec<u16> = vec![0];
        gids.extend(chars.iter().filter_map(|c| self.glyphs.get(&(*c as u32)).copied()));
        gids[1..].sort_unstable();
        gids.dedup();
        let bytes = self.file.subset(&gids)?;
        let mut font = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new()).ok_or("子集字体无法解析")?;
        let name = match self.weight {
            Weight::Regular => "NotoSansSCReport-Regular",
            Weight::Bold => "NotoSansSCReport-Bold",
        };
        font.font_name = Some(format!("{}+{name}", tag(&gids)));
        Ok(font)
    }
}

/// Six capital letters from the glyph set (ISO 32000-1, 9.6.4: a subset font's name prefix).
fn tag(gids: &[u16]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for g in gids {
        h.update(g.to_le_bytes());
    }
    h.finalize().iter().take(6).map(|b| char::from(b'A' + b % 26)).collect()
}

/// The two faces, parsed once per process.
pub fn face(weight: Weight) -> &'static Face {
    static REG: OnceLock<Face> = OnceLock::new();
    static BLD: OnceLock<Face> = OnceLock::new();
    match weight {
        Weight::Regular => REG.get_or_init(|| Face::load(Weight::Regular, REGULAR)),
        Weight::Bold => BLD.get_or_init(|| Face::load(Weight::Bold, BOLD)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_one_em_and_latin_narrower() {
        let f = face(Weight::Regular);
        assert!((f.width("满意度", 10.0) - 30.0).abs() < 0.01);
        let w = f.width("abc", 10.0);
        assert!(w > 10.0 && w < 20.0, "{w}");
        assert!(f.has('竟') && f.has('，') && f.has('—') && f.has(REPLACEMENT));
        assert!(!f.has('𠀀'));
    }

    #[test]
    fn a_subset_keeps_only_what_is_drawn_and_maps_it() {
        let f = face(Weight::Bold);
        let chars: BTreeSet<char> = "天门市供水".chars().collect();
        let sub = f.subset(&chars).unwrap();
        for c in &chars {
            assert!(sub.lookup_glyph_index(*c as u32).is_some_and(|g| g > 0), "{c}");
        }
        assert!(sub.codepoint_to_glyph.len() <= 6, "{:?}", sub.codepoint_to_glyph);
        assert!(sub.original_bytes.len() < 20_000, "{}", sub.original_bytes.len());
        assert_eq!(sub.font_name, f.subset(&chars).unwrap().font_name);
    }

    /// allsorts' subset of the whole font: what a face's subsets must be, byte for byte.
    fn whole(weight: Weight, ids: &[u16]) -> Result<Vec<u8>, String> {
        report_font_subset::subset(if weight == Weight::Regular { REGULAR } else { BOLD }, ids)
    }

    /// The font's number of glyphs, from its maxp table (read here, not by the code tested).
    fn glyph_count(weight: Weight) -> u16 {
        let bytes = if weight == Weight::Regular { REGULAR } else { BOLD };
        let be = |at: usize, n: usize| bytes[at..at + n].iter().fold(0usize, |v, &b| v << 8 | usize::from(b));
        let maxp = (0..be(4, 2))
            .map(|i| 12 + 16 * i)
            .find(|&r| &bytes[r..r + 4] == b"maxp")
            .unwrap();
        be(be(maxp + 8, 4) + 4, 2) as u16
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// A face's subsets are allsorts' subsets of the whole font, in any order of any glyphs.
        #[test]
        fn a_subset_is_the_whole_fonts_subset(
            bold: bool,
            picks in proptest::collection::vec(proptest::prelude::any::<u16>(), 0..600),
            shuffle: bool,
        ) {
            let weight = if bold { Weight::Bold } else { Weight::Regular };
            let n = glyph_count(weight);
            let mut ids: Vec<u16> = picks.iter().map(|p| 1 + p % (n - 1)).collect();
            ids.sort_unstable();
            ids.dedup();
            if shuffle {
                ids.reverse();
            }
            ids.insert(0, 0);
            let ours = face(weight).file.subset(&ids);
            proptest::prop_assert!(ours.is_ok(), "{ours:?}");
            proptest::prop_assert!(ours == whole(weight, &ids));
        }
    }

    #[test]
    fn every_glyph_at_once_and_what_allsorts_refuses_the_same() {
        for weight in [Weight::Regular, Weight::Bold] {
            let n = glyph_count(weight);
            let f = &face(weight).file;
            assert!(n > 7000, "{weight:?}: {n} glyphs");
            // The subsets these tests compare are built from the tables read once.
            assert!(f.reads_once(), "{weight:?}");
            let all: Vec<u16> = (0..n).collect();
            assert!(f.subset(&all) == whole(weight, &all), "{weight:?}: every glyph");
            // Handed to allsorts whole, with allsorts' answer: no .notdef first, a glyph twice,
            // a glyph the font does not have.
            for ids in [vec![5, 0, 7], vec![0, 9, 9], vec![0, n], vec![0, u16::MAX]] {
                assert_eq!(f.subset(&ids), whole(weight, &ids), "{weight:?} {ids:?}");
            }
        }
    }
}
