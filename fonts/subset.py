#!/usr/bin/env python3
"""Makes the report fonts in this folder from Noto Sans CJK SC (Debian fonts-noto-cjk):
subset to the characters of GBK (regular) and GB2312 (bold; headings), ASCII,
Latin-1 and the punctuation and symbols reports use, with CFF outlines converted to TrueType
(glyf) outlines, which printpdf subsets and maps reliably.

    python3 -m venv /tmp/fontvenv && /tmp/fontvenv/bin/pip install fonttools
    /tmp/fontvenv/bin/python fonts/subset.py /usr/share/fonts/opentype/noto

A character outside the subset is drawn as □ in a report, with a warning naming it.
"""
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, newTable

SC = 2  # face index of Noto Sans CJK SC in the collection


def charset(encoding):
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    # Every character of the encoding: GBK for the regular face (GB2312 and the 14,000 less
    # common characters names use: 玥 珺 喆 昇 赟 祎 旻 …), GB2312 for the bold one (headings;
    # a character it lacks is drawn in the regular face).
    for hi in range(0x81, 0xFF):
        for lo in range(0x40, 0xFF):
            try:
                chars.add(ord(bytes([hi, lo]).decode(encoding)))
            except UnicodeDecodeError:
                pass
    extra = "−—–‘’“”…‰‱′″※€℃№™←↑→↓↗↘≈≠≤≥±×÷√∞□■▲△▼▽◆◇○●★☆✓✔✗、。〃〈〉《》「」『』【】〔〕〖〗〇・"
    chars |= {ord(c) for c in extra}
    chars |= set(range(0xFF01, 0xFF5F))  # fullwidth forms
    chars |= set(range(0x2460, 0x2474))  # ①…⑳
    return chars


def to_truetype(font):
    """CFF → glyf outlines (quadratic, max error 1 unit), as fontTools' otf2ttf does."""
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.numGlyphs = len(glyph_order)
    maxp.recalc(font)
    font["head"].glyphDataFormat = 0
    font["head"].indexToLocFormat = 0
    font["post"].formatType = 2.0
    font["post"].extraNames = []
    font["post"].mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"


def main(src):
    out = Path(__file__).resolve().parent
    for weight, encoding in (("Regular", "gbk"), ("Bold", "gb2312")):
        font = TTCollection(Path(src) / f"NotoSansCJK-{weight}.ttc").fonts[SC]
        options = subset.Options()
        options.layout_features = []  # no shaping: Chinese needs none
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.recalc_timestamp = False
        sub = subset.Subsetter(options)
        sub.populate(unicodes=charset(encoding))
        sub.subset(font)
        to_truetype(font)
        # Rename so that it is never taken for the full font.
        for rec in font["name"].names:
            if rec.nameID in (1, 3, 4, 6, 16):
                text = rec.toUnicode().replace("Noto Sans CJK SC", "Noto Sans SC Report")
                text = text.replace("NotoSansCJKsc", "NotoSansSCReport")
                rec.string = text
        path = out / f"NotoSansSC-Report-{weight}.ttf"
        font.save(path)
        print(path, path.stat().st_size)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto")
