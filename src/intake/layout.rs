//! Finding a return's shape: the metadata block (填报单位, 报表类型, 所属期) and the header
//! row among the first rows of a sheet, and which column holds which field.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::Value;
use crate::results::{COLUMN_LABELS, Field, Layout, Meta, MetaCell};
use crate::scheme::Scheme;
use crate::text::{normalize_label, split_label_value};

/// How many rows from the top of a sheet are searched for metadata and the header.
pub const HEADER_SEARCH_ROWS: u32 = 30;

/// The fixed columns, their label in the template ([`COLUMN_LABELS`]) and the other labels
/// they go by (compared after [`normalize_label`]).
pub const FIELDS: &[(Field, &str, &[&str])] = &[
    (Field::Seq, COLUMN_LABELS[0], &["编号", "NO", "NO.", "序"]),
    (
        Field::SurveyDate,
        COLUMN_LABELS[1],
        &["日期", "调查时间", "回访日期", "评价日期", "走访日期"],
    ),
    (Field::Method, COLUMN_LABELS[2], &["方式", "评价方式", "回访方式"]),
    (
        Field::UserName,
        COLUMN_LABELS[3],
        &[
            "单位名称",
            "客户名称",
            "用户名",
            "用户",
            "用户单位",
            "用户姓名",
            "姓名",
            "客户",
        ],
    ),
    (
        Field::UserType,
        COLUMN_LABELS[4],
        &["用户类别", "客户类型", "用户分类", "客户类别"],
    ),
    (
        Field::UsageNature,
        COLUMN_LABELS[5],
        &["用水性质", "用气性质", "使用性质", "用水用气性质", "用途"],
    ),
    (
        Field::MonthlyUsage,
        COLUMN_LABELS[6],
        &["月用量", "月均用水量", "月均用气量", "用量", "月均用水用气量"],
    ),
    (
        Field::Phone,
        COLUMN_LABELS[7],
        &["电话", "手机", "手机号", "联系方式", "电话号码", "手机号码"],
    ),
    (
        Field::Utility,
        COLUMN_LABELS[8],
        &["类别", "业务类别", "服务类型", "行业类别", "供水供气"],
    ),
    (
        Field::Enterprise,
        COLUMN_LABELS[9],
        &[
            "供水企业",
            "供气企业",
            "供水供气企业",
            "被评价企业",
            "企业",
            "所属企业",
            "评价企业",
            "服务单位",
        ],
    ),
    (
        Field::County,
        COLUMN_LABELS[10],
        &[
            "县市",
            "所属区域",
            "区域",
            "所属地区",
            "地区",
            "所属乡镇街道",
            "乡镇街道",
            "所属街道",
        ],
    ),
    (
        Field::Opinion,
        COLUMN_LABELS[11],
        &[
            "意见",
            "投诉",
            "意见和投诉",
            "投诉意见",
            "意见建议",
            "主要意见",
            "意见及投诉",
            "不满意原因",
        ],
    ),
    (
        Field::Suggestion,
        COLUMN_LABELS[12],
        &["改进建议", "用户建议", "其他建议"],
    ),
    (
        Field::NotReached,
        COLUMN_LABELS[13],
        &["未访原因", "未接通原因", "失访原因", "未回访说明", "未完成原因"],
    ),
];

/// The user columns of a sample frame (样本名单) and of every survey return.
pub const USER_FIELDS: &[Field] = &[
    Field::Seq,
    Field::UserName,
    Field::UserType,
    Field::UsageNature,
    Field::MonthlyUsage,
    Field::Phone,
    Field::Utility,
    Field::Enterprise,
    Field::County,
];

/// Metadata labels: 填报单位, 报表类型, 所属期, and an unscheduled survey's 调查名称.
const META_LABELS: &[(MetaKey, &[&str])] = &[
    (
        MetaKey::Submitter,
        &["填报单位", "报送单位", "填表单位", "报表单位", "填报部门", "上报单位"],
    ),
    (MetaKey::Kind, &["报表类型", "报表种类", "类型", "调查类型", "报表类别"]),
    (
        MetaKey::SurveyName,
        &["调查名称", "抽查名称", "调查主题", "抽查主题", "专项名称"],
    ),
    (
        MetaKey::Period,
        &[
            "所属期",
            "所属期间",
            "报表期间",
            "所属月份",
            "所属季度",
            "统计期间",
            "期间",
            "月份",
            "调查期间",
            "报告期",
        ],
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaKey {
    Submitter,
    Kind,
    Period,
    SurveyName,
}

/// `A1`-style name of a 0-based (row, column).
pub fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        let rem = (c - 1) % 26;
        letters.push(b'A' + rem as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

/// Every label of the fixed columns, normalised, to its field.
fn field_labels() -> &'static HashMap<String, Field> {
    static LABELS: OnceLock<HashMap<String, Field>> = OnceLock::new();
    LABELS.get_or_init(|| {
        let mut map = HashMap::new();
        for &(field, main, synonyms) in FIELDS {
            for label in std::iter::once(main).chain(synonyms.iter().copied()) {
                map.entry(normalize_label(label)).or_insert(field);
            }
        }
        map
    })
}

/// The field a header label names, if any: a template column (by its label or another label
/// it goes by) or a question of the scheme.
pub fn field_for_label(label: &str, scheme: &Scheme) -> Option<Field> {
    let norm = normalize_label(label);
    if norm.is_empty() {
        return None;
    }
    field_labels()
        .get(&norm)
        .copied()
        .or_else(|| scheme.item_for_header(&norm).map(Field::Item))
}

/// The field a header of an online platform's export names, and how closely (1 by its words
/// or a label; below, a question's words retyped): a template column, a fill-in question by
/// meaning (`15、您的单位名称` → 用户名称, from the scheme's `[export]`; its number is the
/// platform's own), or a question by its words (a matrix row by its title, `13(企业形象评价)`
/// too).
fn export_field(label: &str, scheme: &Scheme) -> Option<(Field, f64)> {
    let norm = normalize_label(label);
    if norm.is_empty() {
        return None;
    }
    let column = |words: &str| {
        field_labels().get(words).copied().or_else(|| {
            let label = scheme.column_for_words(words)?;
            field_labels().get(&normalize_label(label)).copied()
        })
    };
    let fill_in = std::iter::once(norm.as_str()).chain(scheme.question_words(&norm));
    if let Some(field) = fill_in.into_iter().find_map(column) {
        return Some((field, 1.0));
    }
    if let Some((i, likeness)) = scheme.item_for_export_header(&norm) {
        return Some((Field::Item(i), likeness));
    }
    // `13(企业形象评价)`: the title in the brackets the label's normalising drops.
    let inner = label
        .split_once(['(', '('])
        .map(|(_, r)| r.trim_end_matches([')', ')', ' ']))?;
    let (i, likeness) = scheme.item_for_export_header(&normalize_label(inner))?;
    Some((Field::Item(i), likeness))
}

/// The platform whose export a header row is: its submission time, another column of its own
/// that is no template column, and no 调查日期 of the template's.
fn export_of(cells: &[(u32, Value)], scheme: &Scheme) -> Option<usize> {
    let mut times = Vec::new();
    let mut own = Vec::new();
    for (_, v) in cells {
        let Some(text) = text_of(v) else { continue };
        let norm = normalize_label(text);
        if field_labels().get(&norm) == Some(&Field::SurveyDate) {
            return None;
        }
        match scheme.platform_column(&norm) {
            Some((p, Some(_))) => times.push(p),
            Some((p, None)) if !field_labels().contains_key(&norm) => own.push(p),
            _ => {}
        }
    }
    times.into_iter().find(|p| own.contains(p))
}

fn text_of(v: &Value) -> Option<&str> {
    match v {
        Value::Text(s) => Some(s),
        _ => None,
    }
}

/// The labels of one row (or two) read as a header: the fields it names (each once, in column
/// order), the cells that name none (with their column), and an online survey platform's own
/// columns (each with its platform's index in the scheme's `[export]`).
#[derive(Debug, Clone)]
struct HeaderRow {
    columns: Vec<(u32, Field)>,
    ignored: Vec<(u32, Unnamed)>,
    platform: Vec<(u32, usize, Unnamed)>,
    /// The platform whose export the row is.
    export: Option<usize>,
    /// The columns taken for a question by words only alike to its own (column, item).
    approximate: Vec<(u32, usize)>,
}

/// A header cell that names no field (or one named already), as it will be reported if its
/// row turns out to be the header: put into words only then.
#[derive(Debug, Clone)]
struct Unnamed {
    text: String,
    row: u32,
    /// It names a field an earlier column names.
    repeated: bool,
}

impl Unnamed {
    fn describe(&self, col: u32) -> String {
        if self.repeated {
            format!("{}(重复的列 {})", self.text.trim(), cell_name(self.row, col))
        } else {
            format!("{}({})", self.text.trim(), cell_name(self.row, col))
        }
    }
}

fn header_cells(row: u32, cells: &[(u32, Value)], scheme: &Scheme) -> HeaderRow {
    let mut columns: Vec<(u32, Field)> = Vec::new();
    let mut ignored = Vec::new();
    let mut platform = Vec::new();
    // An online platform's export numbers its questions its own way and asks for the template's
    // columns in its own words.
    let export = export_of(cells, scheme);
    // How closely each question's column matched, in an export: one with the question's own
    // words keeps it; of two only alike to it, neither does.
    let mut likeness: HashMap<usize, (u32, f64)> = HashMap::new();
    let mut contested: Vec<usize> = Vec::new();
    // The platform's submission-time columns and their rank in its list.
    let mut times: Vec<(u32, usize)> = Vec::new();
    for (col, v) in cells {
        // Question numbers typed into Excel arrive as numbers: 5 names Q5.
        let number;
        let text = match v {
            Value::Text(s) => s.as_str(),
            Value::Number(n) if n.fract() == 0.0 && (1.0..100.0).contains(n) => {
                number = format!("{n}");
                number.as_str()
            }
            _ => continue,
        };
        let unnamed = |repeated| Unnamed {
            text: text.to_string(),
            row,
            repeated,
        };
        // In an export, its submission time is the survey date and its other columns are its
        // own, even one named as a template column (腾讯问卷's 用户类型 is a login's).
        if let Some(p) = export
            && let Some((q, time)) = scheme.platform_column(&normalize_label(text))
            && q == p
        {
            if let Some(rank) = time
                && times.iter().all(|&(_, r)| r != rank)
            {
                times.push((*col, rank));
            }
            platform.push((*col, p, unnamed(false)));
            continue;
        }
        let found = match export {
            Some(_) => export_field(text, scheme),
            None => field_for_label(text, scheme).map(|f| (f, 1.0)),
        };
        match found {
            // A question two columns are both only alike to: neither is taken for it.
            Some((Field::Item(i), l)) if l < 1.0 && contested.contains(&i) => {
                ignored.push((*col, unnamed(false)));
            }
            Some((f, l)) if !columns.iter().any(|&(_, g)| g == f) => {
                if let Field::Item(i) = f {
                    likeness.insert(i, (*col, l));
                }
                columns.push((*col, f))
            }
            // A column with a question's own words takes it over from one only alike to it.
            Some((Field::Item(i), l)) if likeness.get(&i).is_some_and(|&(_, before)| before < 1.0) => {
                let (was, _) = likeness[&i];
                columns.retain(|&(c, _)| c != was);
                let text = cells
                    .iter()
                    .find(|(c, _)| *c == was)
                    .and_then(|(_, v)| text_of(v))
                    .unwrap_or_default();
                let displaced = Unnamed {
                    text: text.to_string(),
                    row,
                    repeated: false,
                };
                ignored.push((was, displaced));
                if l < 1.0 {
                    // Both only alike: which is the question cannot be told.
                    likeness.remove(&i);
                    contested.push(i);
                    ignored.push((*col, unnamed(false)));
                } else {
                    columns.push((*col, Field::Item(i)));
                    likeness.insert(i, (*col, l));
                }
            }
            Some(_) => ignored.push((*col, unnamed(true))),
            None => ignored.push((*col, unnamed(false))),
        }
    }
    // The first of the platform's time columns it lists is the survey date (结束答题时间, the
    // submission, before 开始答题时间).
    if let Some(&(col, _)) = times.iter().min_by_key(|&&(_, rank)| rank)
        && !columns.iter().any(|&(_, f)| f == Field::SurveyDate)
    {
        columns.push((col, Field::SurveyDate));
    }
    columns.sort_by_key(|&(c, _)| c);
    ignored.sort_by_key(|(c, _)| *c);
    let approximate = (likeness.into_iter())
        .filter(|&(_, (_, l))| l < 1.0)
        .map(|(i, (col, _))| (col, i))
        .collect();
    HeaderRow {
        columns,
        ignored,
        platform,
        export,
        approximate,
    }
}

/// A header spread over two rows (`用户名称` merged down over both, `满意度评价` merged across
/// over `Q1`…`Q12` below it): the second row's labels fill the columns the first leaves
/// unnamed. Only when every cell of the second row is a label of such a column, so a data
/// row is never taken for half a header.
fn merge_second_row(first: &HeaderRow, second_row: u32, second: &[(u32, Value)], scheme: &Scheme) -> Option<HeaderRow> {
    // Any cell of the second row that is not a label (a data row's name or number) rules
    // it out at once.
    let is_label = |v: &Value| match v {
        Value::Text(s) => field_for_label(s, scheme).is_some(),
        Value::Number(n) => {
            n.fract() == 0.0 && (1.0..100.0).contains(n) && field_for_label(&format!("{n}"), scheme).is_some()
        }
        _ => false,
    };
    if second.len() < 2 || !second.iter().all(|(_, v)| is_label(v)) {
        return None;
    }
    let HeaderRow {
        columns: below,
        ignored: unnamed,
        ..
    } = header_cells(second_row, second, scheme);
    let named_above = |c: u32| first.columns.iter().any(|&(col, _)| col == c);
    if below.len() < 2
        || !unnamed.is_empty()
        || below.len() != second.len()
        || below.iter().any(|&(c, _)| named_above(c))
    {
        return None;
    }
    let mut columns = first.columns.clone();
    for &(c, f) in &below {
        if !columns.iter().any(|&(_, g)| g == f) {
            columns.push((c, f));
        }
    }
    columns.sort_by_key(|&(c, _)| c);
    // A group label above the second row's labels (`满意度评价` over Q1…) is not an unknown column.
    let (lo, hi) = (below[0].0, below[below.len() - 1].0);
    let ignored = first
        .ignored
        .iter()
        .filter(|(c, _)| !(lo..=hi).contains(c))
        .cloned()
        .collect();
    Some(HeaderRow {
        columns,
        ignored,
        platform: first.platform.clone(),
        export: first.export,
        approximate: first.approximate.clone(),
    })
}

/// Looks for the header among `rows` (the first rows of one sheet, 0-based index and the
/// non-empty cells of each, in column order) and reads the metadata above it.
pub fn detect(sheet: &str, rows: &[(u32, Vec<(u32, Value)>)], scheme: &Scheme) -> Option<Layout> {
    struct Candidate {
        /// The first row of the header and the row the data follows.
        top: u32,
        row: u32,
        header: HeaderRow,
    }
    let plausible = |columns: &[(u32, Field)]| {
        let items = columns.iter().filter(|(_, f)| matches!(f, Field::Item(_))).count();
        let has_user = columns.iter().any(|&(_, f)| f == Field::UserName);
        // Bare numbers name questions, so a row of numbers alone is not a header.
        let fixed = columns.len() - items;
        columns.len() >= 3 && (has_user || (items >= 3 && fixed >= 1))
    };
    let mut best: Option<Candidate> = None;
    for (k, (row, cells)) in rows.iter().enumerate() {
        // Data follows the header: a row well below the best header so far is not one.
        if best.as_ref().is_some_and(|b| *row > b.row + 2) {
            break;
        }
        let single = header_cells(*row, cells, scheme);
        let merged = rows
            .get(k + 1)
            .filter(|(next, _)| *next == row + 1)
            .and_then(|(next, below)| merge_second_row(&single, *next, below, scheme).map(|m| (*next, m)));
        let candidates = std::iter::once((*row, single)).chain(merged);
        for (last, header) in candidates {
            if plausible(&header.columns)
                && best
                    .as_ref()
                    .is_none_or(|b| header.columns.len() > b.header.columns.len())
            {
                best = Some(Candidate {
                    top: *row,
                    row: last,
                    header,
                });
            }
        }
    }
    let Candidate {
        top,
        row: header_row,
        header:
            HeaderRow {
                columns,
                ignored,
                platform,
                export,
                mut approximate,
            },
    } = best?;
    let above: Vec<_> = rows.iter().filter(|(r, _)| *r < top).collect();
    let meta = read_meta(sheet, &above);
    // The platform's own columns not read (its submission time is, as the survey date).
    let platform_columns = (platform.iter())
        .filter(|(col, _, _)| !columns.iter().any(|&(c, _)| c == *col))
        .map(|(col, _, u)| u.describe(*col))
        .collect();
    approximate.sort_unstable();
    let approximate = (approximate.into_iter())
        .map(|(col, i)| format!("{} → {}", cell_name(header_row, col), scheme.items[i].id))
        .collect();
    Some(Layout {
        sheet: sheet.to_string(),
        approximate,
        header_row,
        columns,
        ignored: ignored.iter().map(|(col, u)| u.describe(*col)).collect(),
        platform: export.map(|p| scheme.export.platforms[p].name.clone()),
        platform_columns,
        meta,
    })
}

fn meta_key(label: &str) -> Option<MetaKey> {
    let norm = normalize_label(label);
    META_LABELS
        .iter()
        .find(|(_, labels)| labels.iter().any(|l| *l == norm))
        .map(|&(k, _)| k)
}

/// Metadata as `label | value` cells or `label:value` in one cell.
fn read_meta(sheet: &str, rows: &[&(u32, Vec<(u32, Value)>)]) -> Meta {
    let mut meta = Meta::default();
    for (row, cells) in rows {
        for (i, (col, v)) in cells.iter().enumerate() {
            let Some(text) = text_of(v) else { continue };
            let found = if let Some(key) = meta_key(text) {
                // The value is the next cell to the right, if it is close (a value cell merged
                // over a few columns starts right after its label) and is not itself a label
                // or a note; a blank value leaves the folder and file name to say it.
                cells
                    .get(i + 1)
                    .filter(|(c, v)| *c <= col + META_VALUE_REACH && !is_note_or_label(v))
                    .map(|(c, v)| (key, v.clone(), *c))
            } else if let Some((label, value)) = split_label_value(text)
                && let Some(key) = meta_key(label)
                && !value.is_empty()
            {
                Some((key, Value::Text(value.to_string()), *col))
            } else {
                None
            };
            if let Some((key, value, c)) = found {
                let slot = match key {
                    MetaKey::Submitter => &mut meta.submitter,
                    MetaKey::Kind => &mut meta.kind,
                    MetaKey::Period => &mut meta.period,
                    MetaKey::SurveyName => &mut meta.survey_name,
                };
                if slot.is_none() {
                    *slot = Some(MetaCell {
                        value,
                        cell: format!("{sheet}!{}", cell_name(*row, c)),
                    });
                }
            }
        }
    }
    meta
}

/// How many columns right of its label a metadata value may start.
const META_VALUE_REACH: u32 = 2;

fn is_note_or_label(v: &Value) -> bool {
    match v {
        Value::Text(s) => {
            let t = s.trim_start();
            t.starts_with(['←', '(', '(', '注', '*', '※']) || meta_key(t).is_some() || t.starts_with("例")
        }
        _ => false,
    }
}

/// Rows that are not data: blank (or only a 序号), and trailing 合计/填报人/审核人 lines.
pub fn is_skippable(layout: &Layout, cells: &[(u32, Value)]) -> bool {
    let seq_col = layout.column_of(Field::Seq);
    let mut content = cells.iter().filter(|(c, v)| Some(*c) != seq_col && !is_blank(v));
    let Some((_, first)) = content.next() else { return true };
    let first_cell = cells
        .iter()
        .find(|(_, v)| !is_blank(v))
        .map(|(_, v)| v)
        .unwrap_or(first);
    match text_of(first_cell) {
        // Only a few first characters can open a 合计/填报人 line: skip the work otherwise.
        Some(t)
            if !t.trim_start().starts_with([
                '合', '总', '小', '填', '审', '制', '负', '说', '备', '注', '*', '＊', '(', '（',
            ]) =>
        {
            false
        }
        Some(t) => {
            let t = normalize_label(t);
            [
                "合计",
                "总计",
                "小计",
                "填报人",
                "审核人",
                "制表人",
                "填表人",
                "负责人",
                "填报日期",
                "说明",
                "备注:",
                "注:",
            ]
            .iter()
            .any(|p| t.starts_with(p))
        }
        None => false,
    }
}

pub fn is_blank(v: &Value) -> bool {
    matches!(v, Value::Text(s) if s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    fn row(r: u32, texts: &[&str]) -> (u32, Vec<(u32, Value)>) {
        (
            r,
            texts
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.is_empty())
                .map(|(c, s)| (c as u32, t(s)))
                .collect(),
        )
    }

    #[test]
    fn slots_follow_the_field_table() {
        for (i, (f, _, _)) in FIELDS.iter().enumerate() {
            assert_eq!(f.slot(), i, "{f:?}");
        }
    }

    #[test]
    fn cell_names() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(16, 13), "N17");
        assert_eq!(cell_name(0, 25), "Z1");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }

    #[test]
    fn finds_header_below_title_and_metadata() {
        let s = Scheme::builtin();
        let rows = vec![
            row(0, &["天门市供水供气企业服务满意度调查表"]),
            row(1, &["填报单位", "竟陵街道"]),
            row(2, &["报表类型：月度自评", "", "所属期: 2026年10月"]),
            row(
                4,
                &[
                    "序号",
                    "*用户名称\n(单位全称)",
                    "联系 电话",
                    "5.在当地是否可以通过政务服务网、鄂汇办",
                    "Q12",
                    "备注",
                ],
            ),
        ];
        let l = detect("调查问卷", &rows, &s).expect("header found");
        assert_eq!(l.header_row, 4);
        assert_eq!(l.column_of(Field::UserName), Some(1));
        assert_eq!(l.column_of(Field::Phone), Some(2));
        let q5 = s.items.iter().position(|i| i.id == "Q5").unwrap();
        assert_eq!(l.column_of(Field::Item(q5)), Some(3));
        assert_eq!(l.ignored, vec!["备注(F5)".to_string()]);
        assert_eq!(
            l.meta.submitter,
            Some(MetaCell {
                value: t("竟陵街道"),
                cell: "调查问卷!B2".into()
            })
        );
        assert_eq!(l.meta.kind.as_ref().map(|m| m.value.clone()), Some(t("月度自评")));
        assert_eq!(l.meta.period.as_ref().map(|m| m.cell.as_str()), Some("调查问卷!C3"));
    }

    #[test]
    fn a_blank_metadata_value_is_not_taken_from_a_note_further_right() {
        let s = Scheme::builtin();
        let rows = vec![
            row(1, &["填报单位", "竟陵街道"]),
            row(2, &["报表类型", "月度自评"]),
            row(3, &["所属期", "", "", "", "← 月报填 2026-10"]),
            row(5, &["序号", "用户名称", "联系电话", "Q1"]),
        ];
        let l = detect("调查问卷", &rows, &s).unwrap();
        assert_eq!(l.meta.period, None);
        assert!(l.meta.submitter.is_some());
        // A value in the merged cell right after its label is taken.
        let rows = vec![
            row(3, &["所属期", "", "2026-10"]),
            row(5, &["序号", "用户名称", "联系电话", "Q1"]),
        ];
        assert_eq!(
            detect("x", &rows, &s).unwrap().meta.period.map(|m| m.cell),
            Some("x!C4".into())
        );
    }

    #[test]
    fn a_header_over_two_merged_rows_is_read() {
        let s = Scheme::builtin();
        let rows = vec![
            row(0, &["填报单位", "竟陵街道"]),
            row(
                2,
                &["序号", "用户名称", "联系电话", "满意度评价(是/否)", "", "", "备注"],
            ),
            row(3, &["", "", "", "Q1", "Q2", "Q3"]),
            row(4, &["1", "某超市", "13800000000", "是", "是", "否"]),
        ];
        let l = detect("x", &rows, &s).expect("header found");
        assert_eq!(l.header_row, 3, "data follows the second header row");
        let q3 = s.items.iter().position(|i| i.id == "Q3").unwrap();
        assert_eq!(l.column_of(Field::Item(q3)), Some(5));
        assert_eq!(l.column_of(Field::Phone), Some(2));
        assert_eq!(
            l.ignored,
            vec!["备注(G3)".to_string()],
            "the group label is not reported"
        );
        assert!(l.meta.submitter.is_some());
        // A data row under a complete header is never read as its second half.
        let rows = vec![
            row(0, &["序号", "用户名称", "联系电话", "Q1", "Q2", "Q3"]),
            row(1, &["1", "某超市", "13800000000", "是", "是", "否"]),
        ];
        assert_eq!(detect("x", &rows, &s).unwrap().header_row, 0);
    }

    #[test]
    fn no_header_in_a_title_and_numbers() {
        let s = Scheme::builtin();
        let rows = vec![row(0, &["某某统计表"]), row(1, &["1", "2", "3"])];
        assert!(detect("Sheet1", &rows, &s).is_none());
    }

    #[test]
    fn skips_blank_numbered_and_total_rows() {
        let s = Scheme::builtin();
        let l = detect("x", &[row(0, &["序号", "用户名称", "联系电话", "Q1"])], &s).unwrap();
        assert!(is_skippable(&l, &row(1, &["7"]).1));
        assert!(is_skippable(&l, &row(1, &["", "  "]).1));
        assert!(is_skippable(&l, &row(1, &["合计", "", "", "30"]).1));
        assert!(is_skippable(&l, &row(1, &["填报人：王某", "审核人：李某"]).1));
        assert!(!is_skippable(&l, &row(1, &["1", "某某超市", "13800000000", "是"]).1));
    }
}
