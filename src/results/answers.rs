//! The answers of one response as the store keeps them: a JSON object from item id to the
//! canonical answer (是/否, a grade, 不适用), in item order. Written by validation, read by
//! scoring, the integrity checks and the detail workbook; this is the one place that knows
//! the form, and text that is not in it is an error, never "no answers".

use std::fmt;

/// Answers being written, always a complete JSON object.
#[derive(Debug, Clone, PartialEq)]
pub struct Answers {
    json: String,
}

impl Answers {
    /// No answers yet, with room for about `items` of them.
    pub fn with_capacity(items: usize) -> Answers {
        let mut json = String::with_capacity(16 + 24 * items);
        json.push_str("{}");
        Answers { json }
    }

    /// Adds an item's answer (ids and answers are short; quotes, backslashes and control
    /// characters are escaped all the same).
    pub fn push(&mut self, id: &str, answer: &str) {
        self.json.pop();
        if self.json.len() > 1 {
            self.json.push(',');
        }
        push_string(&mut self.json, id);
        self.json.push(':');
        push_string(&mut self.json, answer);
        self.json.push('}');
    }

    /// The text the store keeps.
    pub fn as_str(&self) -> &str {
        &self.json
    }

    pub fn into_string(self) -> String {
        self.json
    }
}

/// Stored answers that are not a JSON object of strings (a database edited by hand).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct AnswersError {
    /// The text's beginning.
    pub text: String,
    /// Whose answers they are (`月报.xlsx 第 12 行`), when the reader knows.
    pub at: Option<String>,
}

impl fmt::Display for AnswersError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "数据库中{}的答案无法读取(“{}”):数据库可能被手工改动,请从备份恢复",
            self.at.as_deref().unwrap_or("一条回答"),
            self.text
        )
    }
}

/// Calls `f` with each (item id, answer) of stored answers, in order. An error, having called
/// nothing, when the text is not a JSON object whose values are strings.
pub fn decode(json: &str, mut f: impl FnMut(&str, &str)) -> Result<(), AnswersError> {
    if decode_flat(json, &mut f) {
        return Ok(());
    }
    // Not in the form written here (escapes, spaces): the general parser.
    let error = || AnswersError {
        text: json.chars().take(60).collect(),
        at: None,
    };
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json).map_err(|_| error())?;
    let mut pairs = Vec::with_capacity(map.len());
    for (k, v) in &map {
        pairs.push((k.as_str(), v.as_str().ok_or_else(error)?));
    }
    for (k, v) in pairs {
        f(k, v);
    }
    Ok(())
}

/// Reads `{"k":"v","k2":"v2"}` as [`Answers`] writes it (no escapes, no spaces), calling `f`
/// for each pair. Returns false, having called nothing, when the text is in another form.
fn decode_flat(json: &str, f: &mut impl FnMut(&str, &str)) -> bool {
    let Some(body) = json.strip_prefix('{').and_then(|b| b.strip_suffix('}')) else {
        return false;
    };
    if body.is_empty() {
        return true;
    }
    let bytes = body.as_bytes();
    // The closing quote of a key or value opened before `from`; none when it holds an escape
    // or a raw control character (no JSON has them), which are for the general parser.
    let close = |from: usize| -> Option<usize> {
        let k = bytes
            .get(from..)?
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        (bytes[from + k] == b'"').then_some(from + k)
    };
    // "k":"v","k":"v": each pair right after the one before and its comma, none inside keys or
    // values; read whole before `f` hears of any.
    let mut pairs: [(&str, &str); 64] = [("", ""); 64];
    let (mut count, mut at) = (0, 0);
    loop {
        if bytes.get(at) != Some(&b'"') || count == pairs.len() {
            return false;
        }
        let Some(key_end) = close(at + 1) else { return false };
        if bytes.get(key_end + 1..key_end + 3) != Some(b":\"".as_slice()) {
            return false;
        }
        let Some(value_end) = close(key_end + 3) else {
            return false;
        };
        pairs[count] = (&body[at + 1..key_end], &body[key_end + 3..value_end]);
        count += 1;
        at = value_end + 1;
        match bytes.get(at) {
            None => break,
            Some(b',') => at += 1,
            Some(_) => return false,
        }
    }
    for (k, v) in &pairs[..count] {
        f(k, v);
    }
    true
}

fn push_string(out: &mut String, s: &str) {
    out.push('"');
    if !s.chars().any(|c| c == '"' || c == '\\' || (c as u32) < 0x20) {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pairs(json: &str) -> Result<Vec<(String, String)>, AnswersError> {
        let mut out = Vec::new();
        decode(json, |k, v| out.push((k.to_string(), v.to_string())))?;
        Ok(out)
    }

    #[test]
    fn what_is_written_reads_back_the_same_in_order() {
        let mut a = Answers::with_capacity(3);
        assert_eq!(a.as_str(), "{}");
        a.push("Q1", "是");
        a.push("Q12", "非常满意");
        a.push("D\"2", "a\\b\n");
        let json = a.as_str().to_string();
        let read: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&json).unwrap();
        assert_eq!(read.len(), 3, "{json}");
        assert_eq!(
            pairs(&json).unwrap(),
            [("Q1", "是"), ("Q12", "非常满意"), ("D\"2", "a\\b\n")].map(|(k, v)| (k.to_string(), v.to_string()))
        );
        assert_eq!(pairs("{}").unwrap(), []);
    }

    /// The flat reader as it was before it read in one pass: the same answers, the same refusals.
    fn decode_flat_before(json: &str, f: &mut impl FnMut(&str, &str)) -> bool {
        let Some(body) = json.strip_prefix('{').and_then(|b| b.strip_suffix('}')) else {
            return false;
        };
        if body.bytes().any(|b| b == b'\\' || b < 0x20) {
            return false;
        }
        if body.is_empty() {
            return true;
        }
        let mut pairs: [(&str, &str); 64] = [("", ""); 64];
        let (mut count, mut end) = (0, 0);
        let mut quotes = body.match_indices('"').map(|(i, _)| i);
        while let Some(a) = quotes.next() {
            let (Some(b), Some(c), Some(d)) = (quotes.next(), quotes.next(), quotes.next()) else {
                return false;
            };
            let separated = &body[b + 1..c] == ":" && (d + 1 == body.len() || body.as_bytes()[d + 1] == b',');
            if a != end + usize::from(count > 0) || !separated || count == pairs.len() {
                return false;
            }
            pairs[count] = (&body[a + 1..b], &body[c + 1..d]);
            count += 1;
            end = d + 1;
        }
        if end != body.len() {
            return false;
        }
        for (k, v) in &pairs[..count] {
            f(k, v);
        }
        true
    }

    type Read = fn(&str, &mut dyn FnMut(&str, &str)) -> bool;

    fn flat(json: &str, read: Read) -> Option<Vec<(String, String)>> {
        let mut out = Vec::new();
        read(json, &mut |k, v| out.push((k.to_string(), v.to_string()))).then_some(out)
    }

    proptest! {
        /// Objects of pairs whose keys and values may hold what the flat form refuses (quotes,
        /// escapes, control characters), their colons and commas mostly right, and runs of
        /// well-formed pairs past the 64 the flat reader takes.
        #[test]
        fn the_one_pass_reader_reads_as_the_one_before(
            pairs in proptest::collection::vec(
                (
                    "[a-zQ0-9是否满意\"\\\\\n\u{1}\u{1f}:, ]{0,4}",
                    "[a-z是否满意\"\\\\\n\u{1}:,{} ]{0,4}",
                    proptest::sample::select(vec![":", ":", ":", ": ", ""]),
                    proptest::sample::select(vec![",", ",", ",", ", ", ";", ""]),
                ),
                0..6,
            ),
            many in 0..70usize,
            ends in proptest::sample::select(vec![("{", "}"), ("{", "}"), ("{", ""), ("", "}"), ("{", "},")]),
        ) {
            let body: Vec<String> = (pairs.iter()).map(|(k, v, colon, _)| format!("\"{k}\"{colon}\"{v}\"")).collect();
            let mut text = String::from(ends.0);
            for (i, part) in body.iter().enumerate() {
                text.push_str(part);
                if i + 1 < body.len() {
                    text.push_str(pairs[i].3);
                }
            }
            text.push_str(ends.1);
            let long = format!("{{{}}}", (0..many).map(|i| format!("\"Q{i}\":\"是\"")).collect::<Vec<_>>().join(","));
            for json in [text, long] {
                let now = flat(&json, |j, f| decode_flat(j, &mut |k, v| f(k, v)));
                let before = flat(&json, |j, f| decode_flat_before(j, &mut |k, v| f(k, v)));
                prop_assert_eq!(now, before, "{:?}", json);
            }
        }
    }

    #[test]
    fn json_in_another_form_is_read_by_the_general_parser() {
        assert_eq!(
            pairs(r#"{ "Q12" : "不满意" }"#).unwrap(),
            [("Q12".to_string(), "不满意".to_string())]
        );
    }

    #[test]
    fn text_that_is_not_answers_is_an_error_and_nothing_is_read() {
        for bad in [
            "",
            "null",
            "[]",
            r#"{"Q1":1}"#,
            r#"{"Q1":"是""#,
            "是",
            r#"{"Q1":"是"}x"#,
            r#"{"Q1":"是",}"#,
        ] {
            let mut called = false;
            let e = decode(bad, |_, _| called = true).unwrap_err();
            assert!(!called, "{bad}");
            assert!(e.to_string().contains("答案无法读取"), "{bad}: {e}");
        }
    }
}
