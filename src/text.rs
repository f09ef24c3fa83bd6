//! Text normalisation shared by every stage that compares what people typed:
//! full-width forms, stray spaces and line breaks, `*` marks and bracketed notes.

/// Full-width ASCII forms (`Ａ１：`) and the ideographic space become their half-width forms.
pub fn to_half_width(s: &str) -> String {
    s.chars().map(half_width).collect()
}

/// One character's half-width form (`Ａ` → `A`, the ideographic space → a space).
pub fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// A value as typed, half-width and trimmed (inner spaces kept).
pub fn clean_value(s: &str) -> String {
    to_half_width(s).trim().to_string()
}

/// The key two names are compared by: half-width, no whitespace, ASCII upper-case.
pub fn match_key(s: &str) -> String {
    to_half_width(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A header or metadata label normalised for matching: half-width, no whitespace or line
/// breaks, no `*` marks, no bracketed notes (`(必填)`, `【单位全称】`), no trailing colon.
pub fn normalize_label(s: &str) -> String {
    let half = to_half_width(s);
    let mut out = String::with_capacity(half.len());
    let mut depth = 0u32;
    for c in half.chars() {
        match c {
            '(' | '[' | '【' | '〔' | '<' | '《' => depth += 1,
            ')' | ']' | '】' | '〕' | '>' | '》' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            '*' | '＊' => {}
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    while out.ends_with([':', '：']) {
        out.pop();
    }
    out
}

/// Splits "label:value" (half- or full-width colon) into its trimmed parts.
pub fn split_label_value(s: &str) -> Option<(&str, &str)> {
    let (pos, len) = s
        .char_indices()
        .find(|&(_, c)| c == ':' || c == '：')
        .map(|(i, c)| (i, c.len_utf8()))?;
    Some((s[..pos].trim(), s[pos + len..].trim()))
}

/// A name as it may be printed: control characters (a line break or an escape sequence in a
/// file name) shown as `\u{1b}` instead of acting on the terminal or the log.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// Columns a string takes in a terminal: CJK and full-width characters take two.
pub fn display_width(s: &str) -> usize {
    s.chars().map(|c| if (c as u32) < 0x1100 { 1 } else { 2 }).sum()
}

/// `s` padded with spaces to `width` terminal columns (left-aligned), or right-aligned.
pub fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(display_width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// The "did you mean" tail of a message: `,您是否指“…”?` for a suggestion, else `fallback`.
pub fn did_you_mean(suggestion: Option<&str>, fallback: &str) -> String {
    suggestion
        .map(|s| format!(",您是否指“{s}”?"))
        .unwrap_or_else(|| fallback.to_string())
}

/// The closest of `candidates` to `typed`, if it is close enough to be a plausible misspelling.
pub fn closest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let key = match_key(typed);
    if key.is_empty() {
        return None;
    }
    let mut best: Option<(f64, &str)> = None;
    for cand in candidates {
        let ck = match_key(cand);
        let mut sim = strsim::normalized_levenshtein(&key, &ck);
        // A name that contains the typed text (or the other way round) is a strong hint.
        if ck.contains(&key) || key.contains(&ck) {
            sim = sim.max(0.75);
        }
        if best.is_none_or(|(s, _)| sim > s) {
            best = Some((sim, cand));
        }
    }
    best.filter(|(s, _)| *s >= 0.5).map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_becomes_half_width() {
        assert_eq!(to_half_width("Ａ１：２０２６　年"), "A1:2026 年");
        assert_eq!(to_half_width("是"), "是");
    }

    #[test]
    fn labels_lose_spaces_marks_and_notes() {
        assert_eq!(normalize_label(" *用户名称\n(单位全称) "), "用户名称");
        assert_eq!(normalize_label("调查日期（必填）"), "调查日期");
        assert_eq!(normalize_label("联系 电话【手机】"), "联系电话");
        assert_eq!(normalize_label("用水(用气)性质"), "用水性质");
        assert_eq!(normalize_label("所属期："), "所属期");
        assert_eq!(normalize_label("＊服务企业"), "服务企业");
    }

    #[test]
    fn control_characters_are_escaped_for_printing() {
        assert_eq!(printable("竟陵\n街道\u{1b}[31m.xlsx"), "竟陵\\u{a}街道\\u{1b}[31m.xlsx");
        assert!(matches!(printable("竟陵街道.xlsx"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn label_value_splits_on_either_colon() {
        assert_eq!(split_label_value("填报单位：竟陵街道"), Some(("填报单位", "竟陵街道")));
        assert_eq!(split_label_value("所属期: 2026-10"), Some(("所属期", "2026-10")));
        assert_eq!(split_label_value("竟陵街道"), None);
    }

    #[test]
    fn closest_suggests_the_misspelled_name() {
        let names = ["天门市第一供水有限公司", "天门市天然气有限公司", "竟陵街道"];
        assert_eq!(closest("天门市第一供水有线公司", names), Some("天门市第一供水有限公司"));
        assert_eq!(closest("竟陵街到", names), Some("竟陵街道"));
        assert_eq!(closest("第一供水", names), Some("天门市第一供水有限公司"));
        assert_eq!(closest("完全不相干的名字xyz", names), None);
    }
}
