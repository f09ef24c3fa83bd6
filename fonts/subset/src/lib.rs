//! The report font's subsetting: a font holding only the given glyphs, for embedding in a PDF.
//!
//! A crate of its own for one reason: allsorts' subsetting is generic over the font's table
//! provider, so it is compiled in the crate that names the provider's type. Here that crate is
//! a dependency, which debug builds (and so the tests, which write hundreds of PDFs) compile
//! optimised (`[profile.dev.package.report-font-subset]` in the main Cargo.toml); in the main
//! crate it would be compiled unoptimised and take a third of a test run.
//!
//! [`Font`] subsets a font many times over. allsorts reads every glyph record, the whole
//! character map and every glyph name of the font it is given for each subset (22,000 glyphs
//! for a few hundred kept); [`Font`] gives it instead a font of only the kept glyphs, built from
//! tables read once. The subset allsorts makes does not depend on the glyphs' old numbers, so
//! it is the same bytes as [`subset`] of the whole font (held so by the tests).

use std::borrow::Cow;

use allsorts::binary::read::ReadScope;
use allsorts::error::ParseError;
use allsorts::font::Encoding;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile};
use allsorts::tables::FontTableProvider;
use allsorts::tables::cmap::Cmap;
use allsorts::tag;

/// The font file `font` (TrueType or OpenType) reduced to `glyph_ids` (0, .notdef, first), with
/// a Unicode cmap, as a PDF embeds it.
pub fn subset(font: &[u8], glyph_ids: &[u16]) -> Result<Vec<u8>, String> {
    let data = ReadScope::new(font).read::<FontData<'_>>().map_err(|e| e.to_string())?;
    let provider = data.table_provider(0).map_err(|e| e.to_string())?;
    subset_of(&provider, glyph_ids)
}

fn subset_of(provider: &impl FontTableProvider, glyph_ids: &[u16]) -> Result<Vec<u8>, String> {
    allsorts::subset::subset(provider, glyph_ids, &SubsetProfile::Pdf, CmapTarget::Unicode).map_err(|e| e.to_string())
}

/// A font read once and subset many times: each subset the same bytes as [`subset`] gives.
pub struct Font<'a> {
    bytes: &'a [u8],
    /// The tables a subset is built from, when the font is one they serve (a TrueType font
    /// with a Unicode character map); otherwise each subset is allsorts' of the whole font.
    parts: Option<Parts<'a>>,
}

/// What [`Font`] builds the font of only the kept glyphs from.
struct Parts<'a> {
    head: &'a [u8],
    maxp: &'a [u8],
    hhea: &'a [u8],
    hmtx: &'a [u8],
    glyf: &'a [u8],
    /// The other tables a subset for a PDF keeps as they are.
    kept: Vec<(u32, &'a [u8])>,
    /// The post table's header, as version 3 (no glyph names: a subset drops them).
    post: [u8; 32],
    long_loca: bool,
    num_glyphs: u16,
    num_h_metrics: u16,
    /// Each glyph's byte range in `glyf` (`num_glyphs + 1` offsets).
    loca: Vec<u32>,
    /// The characters the character map gives each glyph: those of glyph `g` are
    /// `chars[first[g]..first[g + 1]]`, in the map's order.
    first: Vec<u32>,
    chars: Vec<u32>,
}

impl<'a> Font<'a> {
    /// Reads `bytes` (a font file). A font whose tables are not as [`Font`] needs them is
    /// still subset, each time from the whole font.
    pub fn new(bytes: &'a [u8]) -> Font<'a> {
        Font {
            bytes,
            parts: Parts::read(bytes),
        }
    }

    /// Whether subsets are built from the tables read once (the font is one they serve);
    /// otherwise each is allsorts' subset of the whole font.
    pub fn reads_once(&self) -> bool {
        self.parts.is_some()
    }

    /// The font reduced to `glyph_ids` (0, .notdef, first), as [`subset`] reduces it.
    pub fn subset(&self, glyph_ids: &[u16]) -> Result<Vec<u8>, String> {
        match self.parts.as_ref().and_then(|p| p.only(glyph_ids)) {
            Some(only) => {
                let ids: Vec<u16> = (0..glyph_ids.len()).map(|i| i as u16).collect();
                subset_of(&only, &ids)
            }
            None => subset(self.bytes, glyph_ids),
        }
    }
}

/// A font's tables by tag (the table directory of an sfnt file).
fn tables(bytes: &[u8]) -> Option<Vec<(u32, &[u8])>> {
    if be32(bytes, 0)? != 0x0001_0000 {
        return None;
    }
    (0..usize::from(be16(bytes, 4)?))
        .map(|i| {
            let at = 12 + 16 * i;
            let offset = usize::try_from(be32(bytes, at + 8)?).ok()?;
            let length = usize::try_from(be32(bytes, at + 12)?).ok()?;
            Some((be32(bytes, at)?, bytes.get(offset..offset.checked_add(length)?)?))
        })
        .collect()
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

impl<'a> Parts<'a> {
    fn read(bytes: &'a [u8]) -> Option<Parts<'a>> {
        let all = tables(bytes)?;
        let table = |t: u32| all.iter().find(|(tag, _)| *tag == t).map(|(_, data)| *data);
        if table(tag::CFF).is_some() || table(tag::CFF2).is_some() {
            return None;
        }
        let (head, maxp, hhea, hmtx, loca, glyf) = (
            table(tag::HEAD)?,
            table(tag::MAXP)?,
            table(tag::HHEA)?,
            table(tag::HMTX)?,
            table(tag::LOCA)?,
            table(tag::GLYF)?,
        );
        let long_loca = match be16(head, 50)? {
            0 => false,
            1 => true,
            _ => return None,
        };
        let num_glyphs = be16(maxp, 4)?;
        let num_h_metrics = be16(hhea, 34)?;
        if num_h_metrics == 0 || num_h_metrics > num_glyphs {
            return None;
        }
        let n = usize::from(num_glyphs);
        let loca: Vec<u32> = (0..=n)
            .map(|i| {
                if long_loca {
                    be32(loca, 4 * i)
                } else {
                    be16(loca, 2 * i).map(|o| 2 * u32::from(o))
                }
            })
            .collect::<Option<_>>()?;
        // Every glyph record as allsorts reads it: within glyf, and a glyph that has data at
        // least as long as its contour count (allsorts refuses the font otherwise).
        let in_glyf =
            |w: &[u32]| w[0] <= w[1] && w[1] - w[0] != 1 && usize::try_from(w[1]).is_ok_and(|end| end <= glyf.len());
        let metrics = 4 * usize::from(num_h_metrics) + 2 * (n - usize::from(num_h_metrics));
        if !loca.windows(2).all(in_glyf) || hmtx.len() < metrics {
            return None;
        }
        // allsorts reads the whole post table (refusing the font when it cannot) and keeps
        // its header as version 3.
        let post_table = table(tag::POST)?;
        ReadScope::new(post_table)
            .read::<allsorts::post::PostTable<'_>>()
            .ok()?;
        let mut post: [u8; 32] = post_table.get(..32)?.try_into().ok()?;
        post[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
        // The character map allsorts picks, when it is Unicode's, each character once.
        let cmap = ReadScope::new(table(tag::CMAP)?).read::<Cmap<'_>>().ok()?;
        let (encoding, map) = allsorts::font::read_cmap_subtable(&cmap).ok()??;
        if encoding != Encoding::Unicode {
            return None;
        }
        let mut pairs = Vec::new();
        map.mappings_fn(|c, g| {
            // A glyph the font does not have is never kept (allsorts refuses its number).
            if g != 0 && g < num_glyphs && char::from_u32(c).is_some() {
                pairs.push((g, c));
            }
        })
        .ok()?;
        let mut seen: Vec<u32> = pairs.iter().map(|&(_, c)| c).collect();
        seen.sort_unstable();
        if seen.windows(2).any(|w| w[0] == w[1]) {
            return None;
        }
        pairs.sort_by_key(|&(g, _)| g); // stable: each glyph's characters in the map's order
        let mut first = vec![0u32; n + 1];
        for &(g, _) in &pairs {
            first[usize::from(g) + 1] += 1;
        }
        for g in 1..first.len() {
            first[g] += first[g - 1];
        }
        let chars = pairs.into_iter().map(|(_, c)| c).collect();
        let kept = [tag::NAME, tag::CVT, tag::FPGM, tag::PREP]
            .into_iter()
            .filter_map(|t| table(t).map(|data| (t, data)))
            .collect();
        Some(Parts {
            head,
            maxp,
            hhea,
            hmtx,
            glyf,
            kept,
            post,
            long_loca,
            num_glyphs,
            num_h_metrics,
            loca,
            first,
            chars,
        })
    }

    /// A font of only the glyphs `glyph_ids`, numbered in that order, with every other table
    /// as the whole font has it; `None` when allsorts must see the whole font (ids it would
    /// refuse, or a composite glyph, whose parts are named by their old numbers).
    fn only(&self, glyph_ids: &[u16]) -> Option<Only<'a>> {
        if glyph_ids.first() != Some(&0) || glyph_ids.len() > usize::from(u16::MAX) {
            return None;
        }
        let mut sorted = glyph_ids.to_vec();
        sorted.sort_unstable();
        if sorted.windows(2).any(|w| w[0] == w[1]) || sorted.last().is_some_and(|&g| g >= self.num_glyphs) {
            return None;
        }
        let n = glyph_ids.len();
        let mut glyf = Vec::new();
        let mut loca = Vec::with_capacity((n + 1) * 4);
        let mut hmtx = Vec::with_capacity(n * 4);
        let mut groups = Vec::new();
        let offset = |at: usize, loca: &mut Vec<u8>| {
            if self.long_loca {
                loca.extend_from_slice(&u32::try_from(at).ok()?.to_be_bytes());
            } else {
                loca.extend_from_slice(&u16::try_from(at / 2).ok()?.to_be_bytes());
            }
            Some(())
        };
        let last_long = usize::from(self.num_h_metrics) - 1;
        for (new, &old) in glyph_ids.iter().enumerate() {
            let old = usize::from(old);
            let data = &self.glyf[self.loca[old] as usize..self.loca[old + 1] as usize];
            if data.len() >= 2 && i16::from_be_bytes([data[0], data[1]]) < 0 {
                return None;
            }
            offset(glyf.len(), &mut loca)?;
            glyf.extend_from_slice(data);
            let (advance, lsb) = if old <= last_long {
                (&self.hmtx[4 * old..4 * old + 2], &self.hmtx[4 * old + 2..4 * old + 4])
            } else {
                let at = 4 * (last_long + 1) + 2 * (old - last_long - 1);
                (&self.hmtx[4 * last_long..4 * last_long + 2], &self.hmtx[at..at + 2])
            };
            hmtx.extend_from_slice(advance);
            hmtx.extend_from_slice(lsb);
            if new > 0 {
                let chars = &self.chars[self.first[old] as usize..self.first[old + 1] as usize];
                groups.extend(chars.iter().map(|&c| (c, new as u32)));
            }
        }
        offset(glyf.len(), &mut loca)?;
        groups.sort_unstable();
        let count = u16::try_from(n).ok()?;
        let mut maxp = self.maxp.to_vec();
        maxp[4..6].copy_from_slice(&count.to_be_bytes());
        let mut hhea = self.hhea.to_vec();
        hhea[34..36].copy_from_slice(&count.to_be_bytes());
        // A format 12 character map (Windows, UCS-4): one group per character.
        let length = u32::try_from(16 + 12 * groups.len()).ok()?;
        let mut cmap = Vec::with_capacity(12 + length as usize);
        cmap.extend_from_slice(&[0, 0, 0, 1, 0, 3, 0, 10, 0, 0, 0, 12, 0, 12, 0, 0]);
        cmap.extend_from_slice(&length.to_be_bytes());
        cmap.extend_from_slice(&0u32.to_be_bytes());
        cmap.extend_from_slice(&u32::try_from(groups.len()).ok()?.to_be_bytes());
        for (c, g) in groups {
            for v in [c, c, g] {
                cmap.extend_from_slice(&v.to_be_bytes());
            }
        }
        let mut tables: Vec<(u32, Cow<'a, [u8]>)> = vec![
            (tag::HEAD, Cow::Borrowed(self.head)),
            (tag::MAXP, Cow::Owned(maxp)),
            (tag::HHEA, Cow::Owned(hhea)),
            (tag::HMTX, Cow::Owned(hmtx)),
            (tag::LOCA, Cow::Owned(loca)),
            (tag::GLYF, Cow::Owned(glyf)),
            (tag::CMAP, Cow::Owned(cmap)),
            (tag::POST, Cow::Owned(self.post.to_vec())),
        ];
        tables.extend(self.kept.iter().map(|&(t, data)| (t, Cow::Borrowed(data))));
        Some(Only { tables })
    }
}

/// A font of only some glyphs, as tables in memory.
struct Only<'a> {
    tables: Vec<(u32, Cow<'a, [u8]>)>,
}

impl FontTableProvider for Only<'_> {
    fn table_data(&self, tag: u32) -> Result<Option<Cow<'_, [u8]>>, ParseError> {
        Ok((self.tables.iter())
            .find(|(t, _)| *t == tag)
            .map(|(_, data)| Cow::Borrowed(data.as_ref())))
    }

    fn has_table(&self, tag: u32) -> bool {
        self.tables.iter().any(|(t, _)| *t == tag)
    }

    fn table_tags(&self) -> Option<Vec<u32>> {
        Some(self.tables.iter().map(|(t, _)| *t).collect())
    }
}
