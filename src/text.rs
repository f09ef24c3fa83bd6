//! Text normalisation shared by every stage that compares what people typed:
//! full-width forms, stray spaces and line breaks, `*` marks and bracketed notes.

/// Full-width ASCII forms (`Ａ１：`) and the ideographic space become their half-width forms.
pub fn to_half_width(s: &str) -> String {
    // Full-width forms (U+FF01–U+FF5E) and the ideographic space (U+3000) are the only
    // characters that change, and their UTF-8 forms start with 0xEF or 0xE3.
    if !s.bytes().any(|b| b == 0xEF || b == 0xE3) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    out.extend(s.chars().map(half_width));
    out
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
    let half = to_half_width(s);
    if half.trim().len() == half.len() {
        half
    } else {
        half.trim().to_string()
    }
}

/// The key two names are compared by: half-width, no whitespace, ASCII upper-case.
pub fn match_key(s: &str) -> String {
    let mut key = String::with_capacity(s.len());
    for c in s.chars().map(half_width) {
        if !c.is_whitespace() {
            key.push(c.to_ascii_uppercase());
        }
    }
    key
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
    let names: Vec<&str> = candidates.into_iter().collect();
    NameIndex::new(names.iter().copied()).closest(typed).map(|i| names[i])
}

/// Candidate names for [`closest`] with their match keys worked out once, for a list that
/// is searched again and again (the registry's counties, its enterprises).
#[derive(Debug, Clone, Default)]
pub struct NameIndex {
    /// Each candidate's match key, and the key as characters.
    keys: Vec<(String, Vec<char>)>,
}

impl NameIndex {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> NameIndex {
        let keys = names
            .into_iter()
            .map(|n| {
                let k = match_key(n);
                let chars = k.chars().collect();
                (k, chars)
            })
            .collect();
        NameIndex { keys }
    }

    /// The position of the candidate closest to `typed`, as [`closest`] chooses it: the
    /// first of the most similar (normalised Levenshtein over characters, at least 0.75 when
    /// one name contains the other), if that is at least 0.5.
    pub fn closest(&self, typed: &str) -> Option<usize> {
        let key = match_key(typed);
        if key.is_empty() {
            return None;
        }
        let typed_chars: Vec<char> = key.chars().collect();
        let mut row = Vec::new();
        let mut best: Option<(f64, usize)> = None;
        for (i, (ck, cand_chars)) in self.keys.iter().enumerate() {
            let contains = ck.contains(&key) || key.contains(ck.as_str());
            let longest = typed_chars.len().max(cand_chars.len());
            // The distance is at least the difference in length: a candidate that cannot
            // beat the best so far (or reach 0.5) is not measured.
            let bound = 1.0 - (typed_chars.len().abs_diff(cand_chars.len()) as f64) / (longest as f64);
            let bound = if contains { bound.max(0.75) } else { bound };
            if bound < 0.5 || best.is_some_and(|(s, _)| bound <= s) {
                continue;
            }
            let mut sim = 1.0 - (levenshtein(&typed_chars, cand_chars, &mut row) as f64) / (longest as f64);
            // A name that contains the typed text (or the other way round) is a strong hint.
            if contains {
                sim = sim.max(0.75);
            }
            if best.is_none_or(|(s, _)| sim > s) {
                best = Some((sim, i));
            }
        }
        best.filter(|(s, _)| *s >= 0.5).map(|(_, i)| i)
    }
}

/// The Levenshtein distance of two character strings (`row` is scratch space).
fn levenshtein(a: &[char], b: &[char], row: &mut Vec<usize>) -> usize {
    if a.is_empty() {
        return b.len();
    }
    row.clear();
    row.extend(1..=b.len());
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = i;
        let mut left = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j];
            let cost = if ca == cb { diagonal } else { diagonal + 1 };
            left = cost.min(above + 1).min(left + 1);
            diagonal = above;
            row[j] = left;
        }
    }
    if b.is_empty() { a.len() } else { row[b.len() - 1] }
}

/// A TOML error in Chinese, naming the file, the line and the table it is in.
pub fn toml_error_zh(path: &std::path::Path, text: &str, e: &toml::de::Error) -> String {
    let (line, table) = match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let table = before
                .lines()
                .rev()
                .map(str::trim)
                .find(|l| l.starts_with('['))
                .map(|l| format!(" {}", l.split('#').next().unwrap_or(l).trim()))
                .unwrap_or_default();
            (format!("第 {line} 行"), table)
        }
        None => (String::new(), String::new()),
    };
    let msg = e.message().trim();
    let zh = if let Some(rest) = msg.strip_prefix("unknown field ") {
        let field = rest.split(',').next().unwrap_or(rest);
        format!("未知的配置项 {field}(请检查拼写)")
    } else if let Some(rest) = msg.strip_prefix("missing field ") {
        format!("缺少必填项 {rest}")
    } else if let Some(rest) = msg.strip_prefix("unknown variant ") {
        format!(
            "取值 {} 无效,应为 {}",
            rest.split(',').next().unwrap_or(rest),
            expected_zh(rest.split_once("expected").map_or("", |(_, e)| e))
        )
    } else if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        format!(
            "取值类型错误:写的是{},应为{}",
            serde_kind_zh(found),
            serde_kind_zh(expected)
        )
    } else if msg.contains("duplicate key") {
        format!("重复的配置项({msg})")
    } else {
        format!("格式错误({msg})")
    };
    format!("配置文件 {} {line}{table}:{zh}", path.display())
}

/// serde's list of the values it expected (`` `供水` or `供气` ``, `` one of `a`, `b`, `c` ``)
/// in Chinese: `供水 或 供气`, `a、b 或 c 之一`.
fn expected_zh(list: &str) -> String {
    let list = list.trim();
    let (list, one_of) = match list.strip_prefix("one of ") {
        Some(rest) => (rest, true),
        None => (list, false),
    };
    let names: Vec<&str> = list
        .split([',', ' '])
        .filter(|w| !w.is_empty() && *w != "or")
        .map(|w| w.trim_matches('`'))
        .collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => {
            let said = format!("{} 或 {last}", rest.join("、"));
            if one_of { format!("{said} 之一") } else { said }
        }
    }
}

/// A kind of value as serde names it (`a string`, `integer `5``, `u32`) in Chinese.
fn serde_kind_zh(kind: &str) -> String {
    let kind = kind.trim();
    let (what, value) = match kind.split_once(' ') {
        Some((w, v)) if v.starts_with(['`', '"']) => (w, Some(v)),
        _ => (kind, None),
    };
    let zh = match what.trim_start_matches("a ").trim_start_matches("an ") {
        "string" | "str" | "char" | "a string" => "文本",
        "integer" | "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" => "整数",
        "float" | "f32" | "f64" | "floating point" => "数字",
        "boolean" | "bool" => "true 或 false",
        "sequence" | "array" => "列表 […]",
        "map" | "struct" | "table" => "表",
        w if w.starts_with("string") => "文本",
        w if w.starts_with("struct") || w.starts_with("map") => "表",
        w if w.starts_with("sequence") => "列表 […]",
        _ => return kind.to_string(),
    };
    match value {
        Some(v) => format!("{zh} {v}"),
        None => zh.to_string(),
    }
}

/// A quantity as people write it: whole numbers without decimals (`1000`, `2.5`).
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_expectations_are_said_in_chinese() {
        assert_eq!(expected_zh(" `供水` or `供气`"), "供水 或 供气");
        assert_eq!(
            expected_zh(" one of `starttls`, `tls`, `none`"),
            "starttls、tls 或 none 之一"
        );
        assert_eq!(expected_zh(" `city`"), "city");
        assert_eq!(serde_kind_zh("integer `5`"), "整数 `5`");
        assert_eq!(serde_kind_zh("a string"), "文本");
        assert_eq!(serde_kind_zh("u32"), "整数");
    }

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

    #[test]
    fn levenshtein_agrees_with_strsim() {
        let words = [
            "",
            "a",
            "ab",
            "东华县",
            "东华",
            "华东县",
            "天门市第一供水有限公司",
            "kitten",
            "sitting",
            "竟陵街到",
        ];
        let mut row = Vec::new();
        for a in words {
            for b in words {
                let (ac, bc): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                assert_eq!(levenshtein(&ac, &bc, &mut row), strsim::levenshtein(a, b), "{a} / {b}");
            }
        }
    }

    #[test]
    fn the_index_chooses_as_the_plain_search_did() {
        // The first of equally close names wins, and the length bound skips no winner.
        let names = ["东华县", "东南县", "华东县", "东华县住建局", "", "东"];
        let index = NameIndex::new(names);
        for typed in ["东华", "东华县x", "东南", "华", "x", "东华县住建", "县"] {
            let plain = {
                let key = match_key(typed);
                let mut best: Option<(f64, usize)> = None;
                for (i, c) in names.iter().enumerate() {
                    let ck = match_key(c);
                    let mut sim = strsim::normalized_levenshtein(&key, &ck);
                    if ck.contains(&key) || key.contains(&ck) {
                        sim = sim.max(0.75);
                    }
                    if best.is_none_or(|(s, _)| sim > s) {
                        best = Some((sim, i));
                    }
                }
                best.filter(|(s, _)| *s >= 0.5).map(|(_, i)| i)
            };
            assert_eq!(index.closest(typed), plain, "{typed}");
        }
    }
}
