//! Line breaking for Chinese text with 避头尾: no line starts with a closing mark
//! (，。、；：？！）》」』 …) and none ends with an opening one (（《「『 …). A Chinese
//! character may break anywhere; a run of Latin letters and digits (a number, a code, a
//! word) stays whole unless it is wider than the line.

use super::font::Face;

/// Marks that never start a line.
const NO_START: &str = "，。、；：？！）》」』】〕〉〗…‥％‰℃,.;:?!)]}%·”’～";
/// Marks that never end a line.
const NO_END: &str = "（《「『【〔〈〖([{“‘";

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '/' | '_' | '#' | '@' | '&' | '=' | '\'')
}

/// The text cut into pieces that are never split (unless one is wider than a line): a
/// Chinese character, a Latin word, a space, each with the closing marks after it and the
/// opening marks before it attached. Each piece is a run of the text, given by its byte range.
fn pieces(text: &str) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    // Opening (or leading closing) marks waiting for the character they go with: they run
    // from here to the character before the current one.
    let mut pending: Option<usize> = None;
    let mut prev_word = false;
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        // A dash of two (——) stays whole.
        if c == '—' && pending.is_none() && out.last().is_some_and(|&(a, b)| text[a..b].ends_with('—')) {
            if let Some(last) = out.last_mut() {
                last.1 = end;
            }
            continue;
        }
        if NO_START.contains(c) && !(c == '.' && prev_word) {
            // A space typed before the mark (水压不稳 ，) does not let it start a line.
            if pending.is_none() && out.len() >= 2 && out.last().is_some_and(|&(a, b)| text[a..b].trim().is_empty()) {
                let space = out.pop().unwrap_or_default();
                if let Some(last) = out.last_mut() {
                    last.1 = space.1;
                }
            }
            match out.last_mut() {
                Some(last) if pending.is_none() => last.1 = end,
                _ => {
                    pending.get_or_insert(i);
                }
            }
            prev_word = false;
            continue;
        }
        if NO_END.contains(c) {
            pending.get_or_insert(i);
            prev_word = false;
            continue;
        }
        if is_word_char(c)
            && prev_word
            && pending.is_none()
            && let Some(last) = out.last_mut()
        {
            last.1 = end;
            continue;
        }
        out.push((pending.take().unwrap_or(i), end));
        prev_word = is_word_char(c);
    }
    if let Some(start) = pending {
        out.push((start, text.len()));
    }
    out
}

/// Breaks `text` into lines no wider than `width` at `size` points; `\n` breaks a line.
pub fn wrap(face: &Face, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0;
        for (a, b) in pieces(para) {
            let piece = &para[a..b];
            let w = face.width(piece, size);
            if line_w + w <= width + 0.01 || line.is_empty() && w <= width {
                line.push_str(piece);
                line_w += w;
                continue;
            }
            if !line.trim().is_empty() {
                lines.push(line.trim_end().to_string());
            }
            line.clear();
            line_w = 0.0;
            let piece = if piece.starts_with(' ') {
                piece.trim_start()
            } else {
                piece
            };
            if face.width(piece, size) <= width {
                line_w = face.width(piece, size);
                line.push_str(piece);
            } else {
                // Wider than a line: cut by characters.
                for c in piece.chars() {
                    let cw = face.advance(c, size);
                    if line_w + cw > width + 0.01 && !line.is_empty() && !NO_START.contains(c) {
                        lines.push(std::mem::take(&mut line));
                        line_w = 0.0;
                    }
                    line.push(c);
                    line_w += cw;
                }
            }
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Shortens `text` with … to fit `width`.
pub fn ellipsize(face: &Face, text: &str, size: f32, width: f32) -> String {
    if face.width(text, size) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut w = face.advance('…', size);
    for c in text.chars() {
        w += face.advance(c, size);
        if w > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::super::font::{Weight, face};
    use super::*;

    fn f() -> &'static Face {
        face(Weight::Regular)
    }

    #[test]
    fn no_line_starts_with_a_closing_mark_or_ends_with_an_opening_one() {
        // 10 pt, 5 characters a line: the comma would start line 2 without 避头尾.
        let lines = wrap(f(), "供水企业服务，用户（居民）满意。", 10.0, 50.0);
        for l in &lines {
            let first = l.chars().next().unwrap();
            let last = l.chars().last().unwrap();
            assert!(!NO_START.contains(first), "{lines:?}");
            assert!(!NO_END.contains(last), "{lines:?}");
            assert!(f().width(l, 10.0) <= 50.0 + 10.0, "{lines:?}");
        }
        assert_eq!(lines.concat(), "供水企业服务，用户（居民）满意。");
    }

    #[test]
    fn every_character_is_kept_and_lines_fit() {
        let text = "2026年10月全市共收到有效调查问卷 1234 份，综合得分 87.65 分。报装服务总体满意度较上期下降 2.10 分（p=0.03），需重点关注。";
        for width in [40.0, 61.0, 100.0, 173.0, 400.0] {
            let lines = wrap(f(), text, 10.0, width);
            assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""), "width {width}");
            for l in &lines {
                // A closing mark may hang past the edge by its own width.
                assert!(f().width(l, 10.0) <= width + 10.0, "{width}: {l}");
                assert!(!NO_START.contains(l.chars().next().unwrap()), "{width}: {lines:?}");
            }
        }
        // Numbers stay whole.
        let lines = wrap(f(), text, 10.0, 100.0);
        assert!(lines.iter().any(|l| l.contains("87.65")), "{lines:?}");
    }

    #[test]
    fn a_space_before_a_closing_mark_and_a_double_dash_do_not_break_the_rules() {
        for width in [30.0, 40.0, 50.0, 60.0] {
            let lines = wrap(f(), "水压不稳 ，经常停水 。办理时限——太长了——", 10.0, width);
            for l in &lines {
                assert!(!NO_START.contains(l.chars().next().unwrap()), "{width}: {lines:?}");
                assert!(
                    !l.starts_with('—') || !l.ends_with('—') || l.contains("——"),
                    "{lines:?}"
                );
            }
            // No line ends in the middle of ——.
            for pair in lines.windows(2) {
                assert!(
                    !(pair[0].ends_with('—') && pair[1].starts_with('—')),
                    "{width}: {lines:?}"
                );
            }
        }
    }

    #[test]
    fn newlines_break_and_long_words_are_cut() {
        assert_eq!(wrap(f(), "第一行\n第二行", 10.0, 200.0), vec!["第一行", "第二行"]);
        let lines = wrap(f(), "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10.0, 50.0);
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| f().width(l, 10.0) <= 50.01));
    }

    // The reader as it was before it cut pieces as ranges: the oracle of the property below.
    /// The text cut into pieces that are never split (unless one is wider than a line): a
    /// Chinese character, a Latin word, a space, each with the closing marks after it and the
    /// opening marks before it attached.
    fn pieces_before(text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut pending_open = String::new();
        let mut prev_word = false;
        for c in text.chars() {
            // A dash of two (——) stays whole.
            if c == '—' && pending_open.is_empty() && out.last().is_some_and(|l| l.ends_with('—')) {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
                continue;
            }
            if NO_START.contains(c) && !(c == '.' && prev_word) {
                // A space typed before the mark (水压不稳 ，) does not let it start a line.
                if pending_open.is_empty() && out.len() >= 2 && out.last().is_some_and(|l| l.trim().is_empty()) {
                    let space = out.pop().unwrap_or_default();
                    if let Some(last) = out.last_mut() {
                        last.push_str(&space);
                    }
                }
                match out.last_mut() {
                    Some(last) if pending_open.is_empty() => last.push(c),
                    _ => {
                        pending_open.push(c);
                    }
                }
                prev_word = false;
                continue;
            }
            if NO_END.contains(c) {
                pending_open.push(c);
                prev_word = false;
                continue;
            }
            if is_word_char(c)
                && prev_word
                && pending_open.is_empty()
                && let Some(last) = out.last_mut()
            {
                last.push(c);
                continue;
            }
            let mut piece = std::mem::take(&mut pending_open);
            piece.push(c);
            out.push(piece);
            prev_word = is_word_char(c);
        }
        if !pending_open.is_empty() {
            out.push(pending_open);
        }
        out
    }

    /// Breaks `text` into lines no wider than `width` at `size` points; `\n` breaks a line.
    fn wrap_before(face: &Face, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            let mut line_w = 0.0;
            for piece in pieces_before(para) {
                let w = face.width(&piece, size);
                if line_w + w <= width + 0.01 || line.is_empty() && w <= width {
                    line.push_str(&piece);
                    line_w += w;
                    continue;
                }
                if !line.trim().is_empty() {
                    lines.push(line.trim_end().to_string());
                }
                line.clear();
                line_w = 0.0;
                let piece = if piece.starts_with(' ') {
                    piece.trim_start().to_string()
                } else {
                    piece
                };
                if face.width(&piece, size) <= width {
                    line_w = face.width(&piece, size);
                    line = piece;
                } else {
                    // Wider than a line: cut by characters.
                    for c in piece.chars() {
                        let cw = face.advance(c, size);
                        if line_w + cw > width + 0.01 && !line.is_empty() && !NO_START.contains(c) {
                            lines.push(std::mem::take(&mut line));
                            line_w = 0.0;
                        }
                        line.push(c);
                        line_w += cw;
                    }
                }
            }
            lines.push(line.trim_end().to_string());
        }
        lines
    }

    proptest::proptest! {
        /// Any text of Chinese, Latin words, numbers, spaces, marks that may not start or end a
        /// line, dashes and line breaks, at any width: the same lines as before.
        #[test]
        fn the_lines_are_those_of_the_reader_before(
            text in "[供水服务企业用户满意度 ab1.2，。、；：？！）》」』…%（《「『【“‘—\\n]{0,40}",
            width in 5.0f32..200.0,
            size in proptest::sample::select(vec![8.0f32, 9.0, 10.0, 12.0]),
        ) {
            proptest::prop_assert_eq!(wrap(f(), &text, size, width), wrap_before(f(), &text, size, width));
        }
    }

    #[test]
    fn ellipsis_fits() {
        let s = ellipsize(f(), "天门市自来水公司城区供水服务部", 10.0, 60.0);
        assert!(s.ends_with('…') && f().width(&s, 10.0) <= 60.0, "{s}");
    }
}
