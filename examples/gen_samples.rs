//! Deterministic generator of the sample inbox (`samples/`) and of benchmark inputs.
//!
//! ```text
//! cargo run --release --example gen_samples -- samples                 # regenerate samples/inbox (owned files) + samples/expected.json
//! cargo run --release --example gen_samples -- samples --table         # same, and print the file table used in samples/README.md
//! cargo run --release --example gen_samples -- --convert-sources DIR   # xlsx sources of the .xls/.ods/.xlsm samples + DIR/convert.tsv
//! cargo run --release --example gen_samples -- --bench-many DIR        # 500 valid monthly returns x 200 rows
//! cargo run --release --example gen_samples -- --bench-big DIR         # one return with 100,000 rows
//! cargo run --release --example gen_samples -- --bench-month DIR [--returns N] [--bad-county]
//!     # N (default 1000) returns x 200 rows, all of 2026-10, from N units, over 100 enterprises;
//!     # --bad-county: (almost) every row names an unregistered county (the row-error path)
//! ```
//!
//! Everything is derived from a fixed ChaCha8 seed and workbook creation dates are pinned,
//! so the same command writes the same bytes. The normal run writes only the files it owns
//! (every sample except the `.xls`/`.ods`/`.xlsm` ones, which `scripts/convert_samples.sh` makes with
//! LibreOffice from the xlsx sources written by `--convert-sources`). `samples/README.md`
//! describes every file; `samples/expected.json` is the machine-readable form of that list.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::Path;

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Workbook, XlsxError};
use serde::Serialize;

type Res<T> = Result<T, Box<dyn Error>>;

/// The deployment config of the samples; the bench folders get a copy of it.
const REGISTRY: &str = include_str!("../samples/utility-eval.toml");
const SEED: u64 = 20_261_001;
const TITLE: &str = "天门市供水供气企业服务满意度调查表";

// ---------------------------------------------------------------------------------------------
// Registry (must agree with samples/utility-eval.toml)
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Utility {
    Water,
    Gas,
}

impl Utility {
    fn label(self) -> &'static str {
        match self {
            Utility::Water => "供水",
            Utility::Gas => "供气",
        }
    }
    fn medium(self) -> &'static str {
        match self {
            Utility::Water => "水",
            Utility::Gas => "气",
        }
    }
}

struct Enterprise {
    code: &'static str,
    name: &'static str,
    utility: Utility,
    county: &'static str,
    aliases: &'static [&'static str],
    /// place-name prefixes for invented user names
    places: &'static [&'static str],
}

const ENTERPRISES: [Enterprise; 4] = [
    Enterprise {
        code: "GS01",
        name: "天门市第一供水有限公司",
        utility: Utility::Water,
        county: "竟陵街道",
        aliases: &["第一供水公司", "市一水司"],
        places: &["天门市", "竟陵", "天门"],
    },
    Enterprise {
        code: "GS02",
        name: "天门市岳口供水有限公司",
        utility: Utility::Water,
        county: "岳口镇",
        aliases: &["岳口水厂"],
        places: &["岳口", "天门市岳口"],
    },
    Enterprise {
        code: "RQ01",
        name: "天门市天然气有限公司",
        utility: Utility::Gas,
        county: "竟陵街道",
        aliases: &["天然气公司"],
        places: &["天门市", "竟陵", "天门"],
    },
    Enterprise {
        code: "RQ02",
        name: "天门市皂市燃气有限公司",
        utility: Utility::Gas,
        county: "皂市镇",
        aliases: &["皂市燃气"],
        places: &["皂市", "天门市皂市"],
    },
];
const GS01: usize = 0;
const GS02: usize = 1;
const RQ01: usize = 2;
const RQ02: usize = 3;

/// Monthly submitters in the order the samples and the bench use them: (code, name, enterprises surveyed).
const SUBMITTERS: [(&str, &str, &[usize]); 7] = [
    ("JL", "竟陵街道", &[GS01, RQ01]),
    ("YK", "岳口镇", &[GS02]),
    ("ZS", "皂市镇", &[RQ02]),
    ("GS01", "天门市第一供水有限公司", &[GS01]),
    ("GS02", "天门市岳口供水有限公司", &[GS02]),
    ("RQ01", "天门市天然气有限公司", &[RQ01]),
    ("RQ02", "天门市皂市燃气有限公司", &[RQ02]),
];

// ---------------------------------------------------------------------------------------------
// Questionnaire
// ---------------------------------------------------------------------------------------------

const Q_TEXT: [&str; 12] = [
    "用水(用气)报装服务流程、服务标准、承诺办理时限、收费标准及有关政策信息,通过线下渠道(如营业厅)或线上渠道(如微信公众号、服务网站及手机APP等)是否便于获取?",
    "办理用水(用气)报装时,是否被一次性告知所需提供的所有申请材料?",
    "在用水(用气)报装过程中,供水企业是否安排人员主动上门提供“一对一”免费咨询及技术指导?",
    "在当地政务服务大厅是否可以申请办理用水(用气)报装,实行一站式服务?",
    "在当地是否可以通过政务服务网、鄂汇办、供水(供气)企业门户网站(公众号)、移动支付等多种平台、方式,实现“互联网+”线上办理和预约上门服务?",
    "在当地办理用水(用气)报装是否实现了“最多跑一次”?",
    "当地供水(用气)企业是否提供24小时在线业务咨询、故障报修、紧急事故抢险、投诉等服务?",
    "在当地办理用水(用气)报装,除报装申请表外,是否还提供了其他材料?",
    "供水(供气)企业是否在承诺的时限内按时办结报装业务?",
    "供水(供气)企业在办理报装业务过程中是否违规收取其他费用?",
    "供水(供气)企业在提供服务过程中是否存在推诿情况?",
    "您对供水(供气)企业的报装服务总体情况是否满意?",
];
const D_TEXT: [&str; 4] = ["企业形象评价", "产品质量评价", "服务质量评价", "意见与投诉处理评价"];
const FIVE_LABEL: [&str; 5] = ["非常不满意", "不满意", "一般", "满意", "非常满意"]; // index = level-1
const FIVE_SCORE: [f64; 5] = [0.0, 40.0, 60.0, 80.0, 100.0];
/// Q8, Q10, Q11 (0-based 7, 9, 10): "是" is the unfavourable answer.
const NEGATIVE: [bool; 11] = [false, false, false, false, false, false, false, true, false, true, true];

/// Favourable probability of Q1..Q11, per enterprise, baseline (July, answered to a county unit).
const YN_BASE: [[f64; 11]; 4] = [
    [0.96, 0.94, 0.90, 0.95, 0.91, 0.93, 0.97, 0.88, 0.95, 0.99, 0.97], // GS01: good
    [0.94, 0.93, 0.88, 0.93, 0.88, 0.93, 0.95, 0.87, 0.94, 0.99, 0.96], // GS02: declines month by month
    [0.95, 0.92, 0.90, 0.94, 0.70, 0.90, 0.96, 0.85, 0.92, 0.99, 0.97], // RQ01: weak on Q5 (online)
    [0.90, 0.85, 0.82, 0.88, 0.80, 0.82, 0.84, 0.80, 0.58, 0.96, 0.75], // RQ02: weak Q9, Q11
];
/// Target mean score of Q12, D1..D4.
const FIVE_BASE: [[f64; 5]; 4] = [
    [87.0, 86.0, 85.0, 86.0, 84.0],
    [86.0, 85.0, 84.0, 85.0, 83.0],
    [83.0, 84.0, 86.0, 82.0, 81.0],
    [71.0, 75.0, 78.0, 72.0, 50.0], // RQ02: weak D4
];
/// How much less favourable the city's sampled survey is (probability, points).
const CITY_SHIFT: [(f64, f64); 4] = [(-0.04, -5.0), (-0.11, -13.0), (-0.06, -7.0), (-0.12, -14.0)];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Unit,
    SelfEnt,
    City,
}

fn yn_fav_prob(ent: usize, item: usize, month: u32, src: Source) -> f64 {
    let mut p = YN_BASE[ent][item];
    if ent == GS02 {
        let k = (month.clamp(7, 9) - 7) as f64;
        let drop = match item {
            1 | 5 | 8 => 0.11,
            9 => 0.015,
            _ => 0.03,
        };
        p -= drop * k;
    }
    p += match src {
        Source::Unit => 0.0,
        Source::SelfEnt => 0.03,
        Source::City => CITY_SHIFT[ent].0,
    };
    p.clamp(0.02, 0.995)
}

fn five_target(ent: usize, k: usize, month: u32, src: Source) -> f64 {
    let mut t = FIVE_BASE[ent][k];
    if ent == GS02 {
        let m = (month.clamp(7, 9) - 7) as f64;
        t -= m * if matches!(k, 0 | 2 | 3) { 9.0 } else { 4.0 };
    }
    t += match src {
        Source::Unit => 0.0,
        Source::SelfEnt => 4.0,
        Source::City => CITY_SHIFT[ent].1,
    };
    t
}

// ---------------------------------------------------------------------------------------------
// Dates and periods
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct Ymd {
    y: i32,
    m: u32,
    d: u32,
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

impl Ymd {
    fn new(y: i32, m: u32, d: u32) -> Ymd {
        Ymd { y, m, d }
    }
    fn excel(self) -> Result<ExcelDateTime, XlsxError> {
        ExcelDateTime::from_ymd(self.y as u16, self.m as u8, self.d as u8)
    }
    fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Period {
    Month(i32, u32),
    Quarter(i32, u32),
}

impl Period {
    fn key(self) -> String {
        match self {
            Period::Month(y, m) => format!("{y:04}-{m:02}"),
            Period::Quarter(y, q) => format!("{y:04}Q{q}"),
        }
    }
    fn month_range(self) -> (Ymd, Ymd) {
        match self {
            Period::Month(y, m) => (Ymd::new(y, m, 1), Ymd::new(y, m, days_in_month(y, m))),
            Period::Quarter(y, q) => {
                let m1 = q * 3 - 2;
                (Ymd::new(y, m1, 1), Ymd::new(y, m1 + 2, days_in_month(y, m1 + 2)))
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Monthly,
    Quarterly,
    Frame,
    Adhoc,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Monthly => "月度自评",
            Kind::Quarterly => "季度抽查",
            Kind::Frame => "样本名单",
            Kind::Adhoc => "不定期抽查",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Respondents and responses
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct User {
    name: String,
    utype: &'static str,
    nature: &'static str,
    usage: f64,
    phone: String,
    county: &'static str,
    ent: usize,
}

#[derive(Clone, Debug)]
struct Fault {
    /// machine code: unknown_enterprise | unknown_user_type | date_outside_period |
    /// duplicate_respondent | formula_error | missing_required
    code: &'static str,
    col: Col,
    /// the value as written
    value: String,
    zh: String,
}

#[derive(Clone, Debug)]
struct Resp {
    date: Ymd,
    method: &'static str,
    user: User,
    utype_text: String,
    ent_text: String,
    /// Q1..Q11: Some(true) = the answer "是"
    yn: [Option<bool>; 11],
    /// Q12, D1..D4: level 5 = 非常满意 … 1 = 非常不满意
    five: [Option<u8>; 5],
    complaint: String,
    suggestion: String,
    remark: String,
    pii: bool,
    fault: Option<Fault>,
}

impl Resp {
    fn ent(&self) -> usize {
        self.user.ent
    }
}

// ---------------------------------------------------------------------------------------------
// Layout of a return workbook
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug, PartialOrd, Ord)]
enum Col {
    Seq,
    Date,
    Method,
    Name,
    UType,
    Nature,
    Usage,
    Phone,
    Utility,
    Ent,
    County,
    Q(u8),
    D(u8),
    Complaint,
    Suggestion,
    Remark,
}

fn std_cols() -> Vec<Col> {
    let mut v = vec![
        Col::Seq,
        Col::Date,
        Col::Method,
        Col::Name,
        Col::UType,
        Col::Nature,
        Col::Usage,
        Col::Phone,
        Col::Utility,
        Col::Ent,
        Col::County,
    ];
    v.extend((1..=12).map(Col::Q));
    v.extend((1..=4).map(Col::D));
    v.push(Col::Complaint);
    v.push(Col::Suggestion);
    v
}

fn frame_cols() -> Vec<Col> {
    vec![
        Col::Seq,
        Col::Name,
        Col::UType,
        Col::Nature,
        Col::Usage,
        Col::Phone,
        Col::Utility,
        Col::Ent,
        Col::County,
    ]
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Meta {
    /// A2 "填报单位" | B2 value, A3 "报表类型" | B3, A4 "所属期" | B4
    LabelValue,
    /// "填报单位<colon>value" in column A, one line each
    OneCellRows(char),
    /// the three "label<colon>value" cells on one line (columns A, E, I)
    OneCellLine(char),
    /// no metadata in the sheet (folder + file name tell)
    Absent,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum QStyle {
    /// "Q5", "D1"
    Q,
    /// "问题5", "D1"
    Wen,
    /// numeric header cell 5, "D1"
    Num,
    /// "5.在当地是否可以…", "D1.企业形象评价"
    Full,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum YnStyle {
    ShiFou,
    Yn,
    Check,
    OneZeroNum,
    FullWidthYn,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FiveStyle {
    Text,
    Letter,
    DigitNum,
    DigitText,
    FullWidthLetter,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DateStyle {
    Excel,
    Slash,
    Compact,
    IsoText,
    /// odd rows real Excel dates, even rows "2026年9月5日"
    Mixed,
}

#[derive(Clone, PartialEq, Eq)]
enum Trailer {
    None,
    Sign(String),
    /// "合计" row (with "共N户" and =SUM() of 月均用量), then a signature row
    SumSign(String),
    /// "合计" row with a count only, then a signature row
    CountSign(String),
}

#[derive(Clone)]
struct Layout {
    sheet: &'static str,
    instructions: bool,
    pre_rows: Vec<String>,
    meta: Meta,
    blank_after_meta: bool,
    cols: Vec<Col>,
    q: QStyle,
    noted_headers: bool,
    name_label: &'static str,
    yn: YnStyle,
    five: FiveStyle,
    date: DateStyle,
    /// an empty row is inserted after the k-th data row (1-based), once per entry
    blank_after: Vec<usize>,
    trailer: Trailer,
    phone_numeric: bool,
    /// blank yes/no answers are written as "不适用"
    na_text: bool,
    /// the answers exported from an online survey platform instead of the template
    export: Option<Platform>,
}

/// An online survey platform whose answer export a return imitates.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Platform {
    /// 问卷星, 按选项文本下载: 序号 提交答卷时间 所用时间 来源 来源详情 来自IP, then `1、题干`;
    /// skipped `(跳过)`, unanswered `(空)`; the submission time is text `2026/8/5 14:23:11`.
    Wjx,
    /// 腾讯问卷: 编号 开始答题时间 结束答题时间 答题时长, then `1.题干` (its fill-ins first
    /// here, so its numbers are not the scheme's), options as `A.是`, its own columns after the
    /// questions; times `05-Aug-2026 14:23:11`; skipped answers empty.
    Tencent,
}

impl Layout {
    fn pristine() -> Layout {
        Layout {
            sheet: "调查问卷",
            instructions: false,
            pre_rows: vec![TITLE.to_string()],
            meta: Meta::LabelValue,
            blank_after_meta: true,
            cols: std_cols(),
            q: QStyle::Q,
            noted_headers: false,
            name_label: "用户名称",
            yn: YnStyle::ShiFou,
            five: FiveStyle::Text,
            date: DateStyle::Excel,
            blank_after: vec![],
            trailer: Trailer::None,
            phone_numeric: false,
            na_text: false,
            export: None,
        }
    }
}

fn header_text(col: Col, lay: &Layout) -> Result<String, f64> {
    let noted = lay.noted_headers;
    let s = match col {
        Col::Seq => "序号".to_string(),
        Col::Date if noted => "调查日期（必填）".into(),
        Col::Date => "调查日期".into(),
        Col::Method => "调查方式".into(),
        Col::Name if noted => format!("{}\n(单位全称)", lay.name_label),
        Col::Name => lay.name_label.into(),
        Col::UType if noted => "*用户类型".into(),
        Col::UType => "用户类型".into(),
        Col::Nature if noted => "用水（用气）性质".into(),
        Col::Nature => "用水(用气)性质".into(),
        Col::Usage if noted => "月均用量\n（吨/立方米）".into(),
        Col::Usage => "月均用量".into(),
        Col::Phone if noted => "*联系电话".into(),
        Col::Phone => "联系电话".into(),
        Col::Utility => "服务类别".into(),
        Col::Ent if noted => "服务企业\n(填写企业全称)".into(),
        Col::Ent => "服务企业".into(),
        Col::County => "所属县市".into(),
        Col::Q(k) => match lay.q {
            QStyle::Q => format!("Q{k}"),
            QStyle::Wen => format!("问题{k}"),
            QStyle::Num => return Err(k as f64),
            QStyle::Full => format!("{k}.{}", Q_TEXT[k as usize - 1]),
        },
        Col::D(k) => match lay.q {
            QStyle::Full => format!("D{k}.{}", D_TEXT[k as usize - 1]),
            _ => format!("D{k}"),
        },
        Col::Complaint if noted => "意见或投诉\n（如有请填写）".into(),
        Col::Complaint => "意见或投诉".into(),
        Col::Suggestion => "建议".into(),
        Col::Remark => "备注".into(),
    };
    Ok(s)
}

fn col_letter(mut c: u16) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Returns and sample files
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
struct Return {
    /// unit or enterprise code of the true submitter ("" when unknown)
    submitter: &'static str,
    unit_text: String,
    kind_text: String,
    period_text: String,
    kind: Kind,
    period: Period,
    author: String,
    layout: Layout,
    rows: Vec<Resp>,
    /// An unscheduled survey's 调查名称, written after 所属期.
    survey_name: Option<String>,
}

enum Content {
    Return(Box<Return>),
    Bytes(Vec<u8>),
}

struct SampleFile {
    /// final path relative to the samples folder
    rel: String,
    format: &'static str,
    /// produced by scripts/convert_samples.sh (LibreOffice) from an xlsx source
    converted: bool,
    content: Content,
    /// None = accepted; Some((code, Chinese reason)) = rejected whole
    reject: Option<(&'static str, String)>,
    metadata_source: &'static str,
    supersedes: Option<String>,
    superseded_by: Option<String>,
    variants: Vec<String>,
}

struct Rendered {
    header_row: u32,
    /// 1-based sheet row of each response
    rows: Vec<u32>,
    col_letter: BTreeMap<Col, String>,
}

// ---------------------------------------------------------------------------------------------
// Generator state
// ---------------------------------------------------------------------------------------------

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗", "彭", "熊", "万", "邓",
];
const GIVEN: [&str; 40] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
    "平", "刚", "桂英", "建华", "红梅", "志强", "海燕", "文", "斌", "晓燕", "国庆", "春兰", "德明", "小红", "卫东",
    "丽华", "俊", "新民", "玉兰", "金山", "雪梅",
];
const BRANDS: [&str; 40] = [
    "鑫源", "华康", "利民", "恒通", "金穗", "顺达", "宏发", "瑞祥", "永兴", "福源", "佳和", "兴隆", "聚福", "天润",
    "康达", "锦程", "春晖", "万家", "盛昌", "德丰", "新源", "广益", "长青", "和美", "惠民", "安泰", "荣兴", "益友",
    "佳乐", "泰和", "汉江", "陆羽", "茶圣", "楚韵", "金鼎", "祥云", "富民", "嘉禾", "同心", "百川",
];
const SHOPS: [&str; 16] = [
    "超市",
    "酒楼",
    "餐馆",
    "宾馆",
    "大药房",
    "服装店",
    "洗车行",
    "烘焙坊",
    "茶楼",
    "便利店",
    "火锅店",
    "汽修厂",
    "商贸有限公司",
    "餐饮管理有限公司",
    "农家乐",
    "粮油店",
];
const INSTITUTIONS: [&str; 7] = [
    "物业服务有限公司",
    "幼儿园",
    "社区卫生服务站",
    "酒店管理有限公司",
    "建设工程有限公司",
    "培训学校",
    "文化传媒有限公司",
];
const INDUSTRIES: [&str; 12] = [
    "食品",
    "纺织",
    "机械制造",
    "新型建材",
    "塑料制品",
    "包装材料",
    "农产品加工",
    "棉业",
    "服饰",
    "生物科技",
    "印务",
    "再生资源",
];
const OTHERS: [&str; 4] = ["村民委员会", "养老院", "农民专业合作社", "社区居民委员会"];
const PHONE_PREFIX: [&str; 22] = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "157",
    "158", "159", "177", "180", "186", "189",
];

struct Gen {
    rng: ChaCha8Rng,
    names: HashSet<String>,
    phones: HashSet<String>,
    pools: Vec<Vec<User>>,
    used: BTreeMap<String, BTreeSet<(usize, usize)>>,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
            names: HashSet::new(),
            phones: HashSet::new(),
            pools: Vec::new(),
            used: BTreeMap::new(),
        }
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        *xs.choose(&mut self.rng).expect("non-empty")
    }

    fn person(&mut self) -> String {
        let s = self.pick(&SURNAMES);
        let g = self.pick(&GIVEN);
        format!("{s}{g}")
    }

    fn phone(&mut self) -> String {
        loop {
            let p = self.pick(&PHONE_PREFIX);
            let rest: u32 = self.rng.random_range(0..100_000_000);
            let s = format!("{p}{rest:08}");
            if self.phones.insert(s.clone()) {
                return s;
            }
        }
    }

    fn user(&mut self, ent: usize) -> User {
        let e = &ENTERPRISES[ent];
        let r: f64 = self.rng.random();
        let (utype, nature) = match r {
            x if x < 0.40 => ("工商业用户", "生产经营"),
            x if x < 0.60 => ("企事业单位", "办公"),
            x if x < 0.74 => ("工矿企业", "生产经营"),
            x if x < 0.96 => ("居民用户", "居民生活"),
            _ => ("其他", "公共服务"),
        };
        let mut name;
        let mut tries = 0;
        loop {
            let place = self.pick(e.places);
            let brand = self.pick(&BRANDS);
            name = match utype {
                "工商业用户" => format!("{place}{brand}{}", self.pick(&SHOPS)),
                "企事业单位" => format!("{place}{brand}{}", self.pick(&INSTITUTIONS)),
                "工矿企业" => format!("天门市{brand}{}有限公司", self.pick(&INDUSTRIES)),
                "居民用户" => self.person(),
                _ => format!("{place}{brand}{}", self.pick(&OTHERS)),
            };
            tries += 1;
            if utype == "居民用户" && tries > 3 && self.names.contains(&name) {
                // residents may share a name; the phone tells them apart
                break;
            }
            if self.names.insert(name.clone()) {
                break;
            }
        }
        let usage: f64 = match utype {
            "工矿企业" => (self.rng.random_range(50..800) * 10) as f64,
            "工商业用户" => self.rng.random_range(20..600) as f64,
            "企事业单位" => self.rng.random_range(50..1500) as f64,
            "居民用户" => self.rng.random_range(5..36) as f64,
            _ => self.rng.random_range(10..200) as f64,
        };
        User {
            name,
            utype,
            nature,
            usage,
            phone: self.phone(),
            county: e.county,
            ent,
        }
    }

    /// n distinct pool users of `ent` not yet surveyed in `period`.
    fn draw(&mut self, ent: usize, n: usize, period: &str) -> Vec<User> {
        let used = self.used.entry(period.to_string()).or_default();
        let mut idx: Vec<usize> = (0..self.pools[ent].len())
            .filter(|i| !used.contains(&(ent, *i)))
            .collect();
        assert!(idx.len() >= n, "pool of {} too small", ENTERPRISES[ent].code);
        idx.shuffle(&mut self.rng);
        idx.truncate(n);
        idx.sort_unstable();
        let used = self.used.entry(period.to_string()).or_default();
        idx.iter()
            .map(|&i| {
                used.insert((ent, i));
                self.pools[ent][i].clone()
            })
            .collect()
    }

    fn date_in(&mut self, period: Period, late_bias: bool) -> Ymd {
        let (a, b) = period.month_range();
        if a.m == b.m {
            Ymd::new(a.y, a.m, self.rng.random_range(1..=b.d.min(28)))
        } else {
            // quarter: the city surveys mostly in the last month
            let m = if late_bias && self.rng.random_bool(0.75) {
                b.m
            } else {
                self.rng.random_range(a.m..=b.m)
            };
            Ymd::new(a.y, m, self.rng.random_range(1..=days_in_month(a.y, m).min(28)))
        }
    }

    fn five_level(&mut self, target: f64) -> u8 {
        let w: Vec<f64> = FIVE_SCORE
            .iter()
            .map(|s| (-0.5 * ((s - target) / 16.0).powi(2)).exp())
            .collect();
        let total: f64 = w.iter().sum();
        let mut x = self.rng.random::<f64>() * total;
        for (i, wi) in w.iter().enumerate() {
            if x < *wi {
                return i as u8 + 1;
            }
            x -= wi;
        }
        5
    }

    fn respond(&mut self, user: User, date: Ymd, method: &'static str, src: Source) -> Resp {
        let ent = user.ent;
        let mood: f64 = self.rng.random_range(-0.06..0.06);
        let mut yn = [None; 11];
        for (i, a) in yn.iter_mut().enumerate() {
            let blank = if i == 2 { 0.06 } else { 0.015 };
            if self.rng.random_bool(blank) {
                continue;
            }
            let p = (yn_fav_prob(ent, i, date.m, src) + mood).clamp(0.01, 0.995);
            let fav = self.rng.random_bool(p);
            *a = Some(if NEGATIVE[i] { !fav } else { fav });
        }
        let mut five = [None; 5];
        for (k, a) in five.iter_mut().enumerate() {
            if k > 0 && self.rng.random_bool(0.01) {
                continue;
            }
            let t = five_target(ent, k, date.m, src) + mood * 100.0;
            *a = Some(self.five_level(t));
        }
        let mut r = Resp {
            date,
            method,
            utype_text: user.utype.to_string(),
            ent_text: ENTERPRISES[ent].name.to_string(),
            user,
            yn,
            five,
            complaint: String::new(),
            suggestion: String::new(),
            remark: String::new(),
            pii: false,
            fault: None,
        };
        self.comment(&mut r);
        r
    }

    fn comment(&mut self, r: &mut Resp) {
        let u = ENTERPRISES[r.ent()].utility;
        let mut topics: Vec<Topic> = Vec::new();
        for (i, a) in r.yn.iter().enumerate() {
            if let Some(ans) = a
                && *ans == NEGATIVE[i]
            {
                let t = match i {
                    0 | 4 => Topic::Online,
                    1 | 3 | 7 => Topic::Materials,
                    2 => Topic::Attitude,
                    5 => Topic::Materials,
                    6 => {
                        if self.rng.random_bool(0.5) {
                            Topic::Hotline
                        } else {
                            Topic::Repair
                        }
                    }
                    8 => Topic::Time,
                    9 => Topic::Fee,
                    _ => Topic::Buck,
                };
                topics.push(t);
            }
        }
        for (k, a) in r.five.iter().enumerate() {
            if let Some(l) = a
                && *l <= 2
            {
                let t = match k {
                    0 | 3 => Topic::Time,
                    1 => Topic::Attitude,
                    2 => {
                        if self.rng.random_bool(0.5) {
                            Topic::Pressure
                        } else {
                            Topic::Outage
                        }
                    }
                    _ => *[Topic::Hotline, Topic::Buck, Topic::Repair]
                        .choose(&mut self.rng)
                        .expect("non-empty"),
                };
                topics.push(t);
            }
        }
        topics.dedup();
        let write = if topics.is_empty() {
            if self.rng.random_bool(0.03) {
                topics.push(Topic::Other);
                true
            } else {
                false
            }
        } else {
            self.rng.random_bool(0.5)
        };
        if write {
            topics.shuffle(&mut self.rng);
            topics.truncate(2);
            let texts: Vec<String> = topics.iter().map(|t| self.topic_text(*t, u)).collect();
            r.complaint = texts.join("；");
            if self.rng.random_bool(0.04) {
                self.add_pii(r);
            }
        }
        if self.rng.random_bool(0.12) {
            let s = self.pick(&[
                "建议开通线上报装和缴费",
                "希望停{w}前提前通知",
                "建议增加营业网点",
                "希望进一步缩短报装时间",
                "建议公开收费标准",
                "希望热线24小时有人接听",
                "无",
            ]);
            r.suggestion = s.replace("{w}", u.medium());
        }
    }

    fn add_pii(&mut self, r: &mut Resp) {
        let staff = self.person();
        let phone = self.phone();
        let form = self.rng.random_range(0..3);
        r.complaint = match form {
            0 => format!("{}。当时接待的是{staff}，电话{phone}", r.complaint),
            1 => format!("联系人{staff}，电话{phone}，请尽快回复：{}", r.complaint),
            _ => format!("{}，我的电话{phone}，请{staff}经理回电", r.complaint),
        };
        r.pii = true;
    }

    fn topic_text(&mut self, t: Topic, u: Utility) -> String {
        let w = u.medium();
        let meter = if u == Utility::Water { "水表" } else { "燃气表" };
        let opts: &[&str] = match t {
            Topic::Fee => &[
                "报装时除安装费外另收了{n}元“材料费”，没有开具发票",
                "收费标准没有公示清楚，问了几次都说不明白",
                "接{w}工程费比别家贵很多，不知道收费依据",
            ],
            Topic::Time => &[
                "报装申请交上去半个多月还没通{w}，超过了承诺的办理时限",
                "说好5个工作日办结，实际拖了两周多",
                "办理时间太长，影响了开业",
            ],
            Topic::Materials => &[
                "申请时让补交营业执照复印件和房产证明，来回跑了三趟",
                "所需申请材料没有一次性告知，反复补材料",
                "除了申请表还要求提供施工图纸等材料",
            ],
            Topic::Buck => &[
                "营业厅说归工程部管，工程部又让找营业厅，互相推诿",
                "反映的问题一直推来推去没人负责",
                "打电话问进度总说不归自己管，推诿扯皮",
            ],
            Topic::Attitude => &[
                "窗口工作人员服务态度生硬，不耐烦",
                "上门安装的师傅服务态度不好",
                "咨询时工作人员爱理不理",
            ],
            Topic::Pressure => {
                if u == Utility::Water {
                    &["用水高峰期水压不足，三楼以上经常没水", "水压不稳，有时水发黄"]
                } else {
                    &["用气高峰期气压不稳，灶火很小", "气压偏低，影响正常经营"]
                }
            }
            Topic::Outage => &[
                "经常临时停{w}，没有提前通知",
                "停{w}通知只贴在小区门口，很多人不知道",
                "上个月停{w}两次，影响营业",
            ],
            Topic::Repair => &[
                "管道漏{w}报修后抢修人员第二天才到",
                "{meter}故障报修后等了三天才来修",
                "抢修完路面一直没有恢复",
            ],
            Topic::Hotline => &[
                "服务热线经常打不通",
                "热线接通后只登记不处理，也没有回访",
                "晚上打热线没人接",
            ],
            Topic::Online => &[
                "微信公众号上办不了报装，只能跑营业厅",
                "线上办理入口不好找，网上缴费经常失败",
                "线上预约上门后一直没人联系",
            ],
            Topic::Other => &["希望营业厅周末也能办理业务", "营业厅停车不方便"],
        };
        let s = self.pick(opts);
        let n = self.rng.random_range(2..9) * 50;
        s.replace("{w}", w)
            .replace("{meter}", meter)
            .replace("{n}", &n.to_string())
    }

    /// A survey of `n` users of the given enterprises (weights) in `period`.
    fn survey(&mut self, ents: &[(usize, f64)], n: usize, period: Period, src: Source) -> Vec<Resp> {
        let key = period.key();
        let mut counts = vec![0usize; ents.len()];
        for _ in 0..n {
            let total: f64 = ents.iter().map(|e| e.1).sum();
            let mut x = self.rng.random::<f64>() * total;
            let mut k = ents.len() - 1;
            for (i, e) in ents.iter().enumerate() {
                if x < e.1 {
                    k = i;
                    break;
                }
                x -= e.1;
            }
            counts[k] += 1;
        }
        let mut users = Vec::new();
        for (i, e) in ents.iter().enumerate() {
            users.extend(self.draw(e.0, counts[i], &key));
        }
        users.shuffle(&mut self.rng);
        let mut rows: Vec<Resp> = users
            .into_iter()
            .map(|u| {
                let date = self.date_in(period, src == Source::City);
                let method = self.method(src);
                self.respond(u, date, method, src)
            })
            .collect();
        rows.sort_by_key(|r| r.date);
        rows
    }

    fn method(&mut self, src: Source) -> &'static str {
        let r: f64 = self.rng.random();
        match src {
            Source::City if r < 0.75 => "电话回访",
            Source::City => "现场",
            _ if r < 0.70 => "问卷",
            _ if r < 0.90 => "电话回访",
            _ => "现场",
        }
    }

    fn alias_some(&mut self, rows: &mut [Resp], rate: f64) {
        for r in rows.iter_mut() {
            if r.fault.is_none() && self.rng.random_bool(rate) {
                r.ent_text = self.pick(ENTERPRISES[r.ent()].aliases).to_string();
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Topic {
    Fee,
    Time,
    Materials,
    Buck,
    Attitude,
    Pressure,
    Outage,
    Repair,
    Hotline,
    Online,
    Other,
}

// ---------------------------------------------------------------------------------------------
// Rendering a return as xlsx
// ---------------------------------------------------------------------------------------------

fn properties(author: &str) -> Result<DocProperties, XlsxError> {
    let created = ExcelDateTime::from_ymd(2026, 10, 1)?.and_hms(9, 0, 0)?;
    Ok(DocProperties::new()
        .set_title(TITLE)
        .set_author(author)
        .set_company("天门市")
        .set_creation_datetime(&created))
}

fn yn_cell(v: bool, style: YnStyle) -> Result<&'static str, f64> {
    match (style, v) {
        (YnStyle::ShiFou, true) => Ok("是"),
        (YnStyle::ShiFou, false) => Ok("否"),
        (YnStyle::Yn, true) => Ok("Y"),
        (YnStyle::Yn, false) => Ok("N"),
        (YnStyle::Check, true) => Ok("√"),
        (YnStyle::Check, false) => Ok("×"),
        (YnStyle::FullWidthYn, true) => Ok("Ｙ"),
        (YnStyle::FullWidthYn, false) => Ok("Ｎ"),
        (YnStyle::OneZeroNum, true) => Err(1.0),
        (YnStyle::OneZeroNum, false) => Err(0.0),
    }
}

fn five_cell(level: u8, style: FiveStyle) -> Result<String, f64> {
    let i = level as usize - 1;
    match style {
        FiveStyle::Text => Ok(FIVE_LABEL[i].to_string()),
        FiveStyle::Letter => Ok(["E", "D", "C", "B", "A"][i].to_string()),
        FiveStyle::FullWidthLetter => Ok(["Ｅ", "Ｄ", "Ｃ", "Ｂ", "Ａ"][i].to_string()),
        FiveStyle::DigitNum => Err(level as f64),
        FiveStyle::DigitText => Ok(level.to_string()),
    }
}

fn date_text(d: Ymd, style: DateStyle, row_index: usize) -> Option<String> {
    match style {
        DateStyle::Excel => None,
        DateStyle::Slash => Some(format!("{}/{}/{}", d.y, d.m, d.d)),
        DateStyle::Compact => Some(format!("{:04}{:02}{:02}", d.y, d.m, d.d)),
        DateStyle::IsoText => Some(d.iso()),
        DateStyle::Mixed if row_index.is_multiple_of(2) => None,
        DateStyle::Mixed => Some(format!("{}年{}月{}日", d.y, d.m, d.d)),
    }
}

/// The text a cell shows (for expected.json).
fn shown(r: &Resp, col: Col, lay: &Layout, i: usize) -> String {
    match col {
        Col::Date => date_text(r.date, lay.date, i).unwrap_or_else(|| r.date.iso()),
        Col::Name => r.user.name.clone(),
        Col::UType => match &r.fault {
            Some(f) if f.code == "formula_error" => "#N/A".into(),
            _ => r.utype_text.clone(),
        },
        Col::Ent => r.ent_text.clone(),
        _ => String::new(),
    }
}

fn render(ret: &Return) -> Result<(Vec<u8>, Rendered), XlsxError> {
    let lay = &ret.layout;
    if let Some(platform) = lay.export {
        return render_export(ret, platform);
    }
    let mut wb = Workbook::new();
    wb.set_properties(&properties(&ret.author)?);
    let bold = Format::new().set_bold();
    let title_fmt = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let head_fmt = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_background_color("#DDEBF7");
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");

    if lay.instructions {
        let ws = wb.add_worksheet();
        ws.set_name("填表说明")?;
        ws.set_column_width(0, 100)?;
        let lines = [
            "填表说明",
            "1. 本表按月填报，每月5日前报送上月调查结果；季度抽查由市住建局组织。",
            "2. 调查采用实名制，请如实填写用户名称和联系电话。",
            "3. Q1—Q11 填“是”或“否”；Q12、D1—D4 填“非常满意、满意、一般、不满意、非常不满意”。",
            "4. Q8、Q10、Q11 为反向题，回答“是”表示存在问题。",
            "5. 请勿修改表头，勿合并单元格。",
        ];
        for (i, l) in lines.iter().enumerate() {
            if i == 0 {
                ws.write_string_with_format(i as u32, 0, *l, &bold)?;
            } else {
                ws.write_string(i as u32, 0, *l)?;
            }
        }
    }

    let ws = wb.add_worksheet();
    ws.set_name(lay.sheet)?;
    let ncols = lay.cols.len() as u16;
    let mut r: u32 = 0;
    for (i, t) in lay.pre_rows.iter().enumerate() {
        if i == 0 {
            ws.merge_range(r, 0, r, ncols - 1, t, &title_fmt)?;
            ws.set_row_height(r, 28)?;
        } else {
            ws.write_string(r, 0, t)?;
        }
        r += 1;
    }
    let mut meta = vec![
        ("填报单位", ret.unit_text.as_str()),
        ("报表类型", ret.kind_text.as_str()),
        ("所属期", ret.period_text.as_str()),
    ];
    if let Some(name) = &ret.survey_name {
        meta.push(("调查名称", name.as_str()));
    }
    match lay.meta {
        Meta::LabelValue => {
            for (l, v) in meta {
                ws.write_string_with_format(r, 0, l, &bold)?;
                ws.write_string(r, 1, v)?;
                r += 1;
            }
        }
        Meta::OneCellRows(c) => {
            for (l, v) in meta {
                ws.write_string(r, 0, format!("{l}{c}{v}"))?;
                r += 1;
            }
        }
        Meta::OneCellLine(c) => {
            for (i, (l, v)) in meta.iter().enumerate() {
                ws.write_string(r, (i * 4) as u16, format!("{l}{c}{v}"))?;
            }
            r += 1;
        }
        Meta::Absent => {}
    }
    if lay.blank_after_meta {
        r += 1;
    }

    // header
    let header_row = r;
    let mut col_letter_map = BTreeMap::new();
    let mut tall = false;
    for (c, col) in lay.cols.iter().enumerate() {
        let c = c as u16;
        match header_text(*col, lay) {
            Ok(s) => {
                tall |= s.contains('\n') || s.chars().count() > 12;
                ws.write_string_with_format(r, c, s, &head_fmt)?;
            }
            Err(n) => {
                ws.write_number_with_format(r, c, n, &head_fmt)?;
            }
        }
        col_letter_map.insert(*col, col_letter(c));
        let width = match col {
            Col::Seq => 6.0,
            Col::Date => 12.0,
            Col::Name | Col::Ent => 26.0,
            Col::Phone => 14.0,
            Col::Complaint | Col::Suggestion | Col::Remark => 36.0,
            Col::Q(_) | Col::D(_) if lay.q == QStyle::Full => 22.0,
            Col::Q(_) | Col::D(_) => 7.0,
            _ => 11.0,
        };
        ws.set_column_width(c, width)?;
    }
    if tall {
        ws.set_row_height(r, if lay.q == QStyle::Full { 150 } else { 42 })?;
    }
    r += 1;

    let col_of = |col: Col| lay.cols.iter().position(|c| *c == col).map(|p| p as u16);
    let first_data = r;
    let mut rows = Vec::with_capacity(ret.rows.len());
    for (i, resp) in ret.rows.iter().enumerate() {
        for (c, col) in lay.cols.iter().enumerate() {
            let c = c as u16;
            match *col {
                Col::Seq => {
                    ws.write_number(r, c, (i + 1) as f64)?;
                }
                Col::Date => match date_text(resp.date, lay.date, i) {
                    Some(s) => {
                        ws.write_string(r, c, s)?;
                    }
                    None => {
                        ws.write_datetime_with_format(r, c, resp.date.excel()?, &date_fmt)?;
                    }
                },
                Col::Method => {
                    ws.write_string(r, c, resp.method)?;
                }
                Col::Name => {
                    if !resp.user.name.is_empty() {
                        ws.write_string(r, c, &resp.user.name)?;
                    }
                }
                Col::UType => match &resp.fault {
                    Some(f) if f.code == "formula_error" => {
                        let name_cell = format!("{}{}", col_letter(col_of(Col::Name).unwrap_or(0)), r + 1);
                        let f = Formula::new(format!("=VLOOKUP({name_cell},$AZ$2:$BA$60,2,FALSE)")).set_result("#N/A");
                        ws.write_formula(r, c, f)?;
                    }
                    _ => {
                        ws.write_string(r, c, &resp.utype_text)?;
                    }
                },
                Col::Nature => {
                    ws.write_string(r, c, resp.user.nature)?;
                }
                Col::Usage => {
                    ws.write_number(r, c, resp.user.usage)?;
                }
                Col::Phone => {
                    if lay.phone_numeric {
                        let n: f64 = resp.user.phone.parse().unwrap_or(0.0);
                        ws.write_number(r, c, n)?;
                    } else {
                        ws.write_string(r, c, &resp.user.phone)?;
                    }
                }
                Col::Utility => {
                    ws.write_string(r, c, ENTERPRISES[resp.ent()].utility.label())?;
                }
                Col::Ent => {
                    if !resp.ent_text.is_empty() {
                        ws.write_string(r, c, &resp.ent_text)?;
                    }
                }
                Col::County => {
                    ws.write_string(r, c, resp.user.county)?;
                }
                Col::Q(k) if k <= 11 => match resp.yn[k as usize - 1] {
                    Some(v) => match yn_cell(v, lay.yn) {
                        Ok(s) => {
                            ws.write_string(r, c, s)?;
                        }
                        Err(n) => {
                            ws.write_number(r, c, n)?;
                        }
                    },
                    None if lay.na_text => {
                        ws.write_string(r, c, "不适用")?;
                    }
                    None => {}
                },
                Col::Q(_) | Col::D(_) => {
                    let k = match *col {
                        Col::D(d) => d as usize,
                        _ => 0,
                    };
                    if let Some(l) = resp.five[k] {
                        match five_cell(l, lay.five) {
                            Ok(s) => {
                                ws.write_string(r, c, s)?;
                            }
                            Err(n) => {
                                ws.write_number(r, c, n)?;
                            }
                        }
                    }
                }
                Col::Complaint => {
                    if !resp.complaint.is_empty() {
                        ws.write_string(r, c, &resp.complaint)?;
                    }
                }
                Col::Suggestion => {
                    if !resp.suggestion.is_empty() {
                        ws.write_string(r, c, &resp.suggestion)?;
                    }
                }
                Col::Remark => {
                    if !resp.remark.is_empty() {
                        ws.write_string(r, c, &resp.remark)?;
                    }
                }
            }
        }
        rows.push(r + 1);
        r += 1;
        r += lay.blank_after.iter().filter(|k| **k == i + 1).count() as u32;
    }
    let last_data = r.saturating_sub(1);
    match &lay.trailer {
        Trailer::None => {}
        Trailer::Sign(s) => {
            ws.write_string(r, 0, s)?;
        }
        Trailer::SumSign(s) | Trailer::CountSign(s) => {
            ws.write_string_with_format(r, 0, "合计", &bold)?;
            if let Some(c) = col_of(Col::Name) {
                ws.write_string(r, c, format!("共{}户", ret.rows.len()))?;
            }
            if let (Trailer::SumSign(_), Some(c)) = (&lay.trailer, col_of(Col::Usage)) {
                let l = col_letter(c);
                let sum: f64 = ret.rows.iter().map(|x| x.user.usage).sum();
                let f = Formula::new(format!("=SUM({l}{}:{l}{})", first_data + 1, last_data + 1))
                    .set_result(format!("{sum}"));
                ws.write_formula(r, c, f)?;
            }
            ws.write_string(r + 1, 0, s)?;
        }
    }
    let bytes = wb.save_to_buffer()?;
    Ok((
        bytes,
        Rendered {
            header_row: header_row + 1,
            rows,
            col_letter: col_letter_map,
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// The sample set
// ---------------------------------------------------------------------------------------------

/// A monthly return as an online platform exports its answers (the questionnaire set up as
/// `template`'s guide says): one header row, one row per answer sheet.
fn render_export(ret: &Return, platform: Platform) -> Result<(Vec<u8>, Rendered), XlsxError> {
    const UTYPES: [&str; 5] = ["企事业单位", "工商业用户", "工矿企业", "居民用户", "其他"];
    let gas = ret
        .rows
        .first()
        .is_some_and(|r| ENTERPRISES[r.ent()].utility == Utility::Gas);
    let medium = if gas { "气" } else { "水" };
    let county_office = !ENTERPRISES.iter().any(|e| e.code == ret.submitter);
    // The questionnaire: (column, header words).
    let mut fills: Vec<(Col, String)> = vec![
        (Col::Name, "您的单位名称或姓名".into()),
        (Col::Phone, "您的联系电话".into()),
        (Col::UType, "您的用户类型".into()),
    ];
    if county_office {
        fills.push((Col::Ent, "为您服务的企业".into()));
    } else {
        fills.push((Col::Nature, format!("您的用{medium}性质")));
        fills.push((Col::Usage, format!("您每月大约用{medium}多少(立方米)")));
    }
    let mut questions: Vec<(Col, String)> = (1..=12u8)
        .map(|q| {
            // Retyped for the enterprise: its own utility only.
            let text = Q_TEXT[q as usize - 1]
                .replace(if gas { "用水(用气)" } else { "(用气)" }, if gas { "用气" } else { "" })
                .replace(if gas { "供水(供气)" } else { "(供气)" }, if gas { "供气" } else { "" });
            (Col::Q(q), text)
        })
        .collect();
    let matrix = "请您对以下方面作出评价";
    questions.extend((1..=4u8).map(|d| (Col::D(d), D_TEXT[d as usize - 1].to_string())));
    let tail: Vec<(Col, String)> = vec![
        (Col::Complaint, "您的意见或投诉".into()),
        (Col::Suggestion, "您的建议".into()),
    ];
    let order: Vec<(Col, String)> = match platform {
        Platform::Wjx => questions.iter().chain(&fills).chain(&tail).cloned().collect(),
        Platform::Tencent => fills.iter().chain(&questions).chain(&tail).cloned().collect(),
    };
    let mut header: Vec<String> = match platform {
        Platform::Wjx => ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
            .map(String::from)
            .to_vec(),
        Platform::Tencent => ["编号", "开始答题时间", "结束答题时间", "答题时长"]
            .map(String::from)
            .to_vec(),
    };
    let lead = header.len();
    let mut col_letter_map = BTreeMap::new();
    let mut n = 0;
    let mut matrix_no = 0;
    for (k, (col, words)) in order.iter().enumerate() {
        let c = (lead + k) as u16;
        col_letter_map.insert(*col, col_letter(c));
        let numbered = |n: usize, w: &str| match platform {
            Platform::Wjx => format!("{n}、{w}"),
            Platform::Tencent => format!("{n}.{w}"),
        };
        header.push(match col {
            Col::D(d) => {
                if *d == 1 {
                    n += 1;
                    matrix_no = n;
                }
                match (platform, d) {
                    (Platform::Wjx, 1) => format!("{}—{words}", numbered(matrix_no, matrix)),
                    (Platform::Wjx, _) => words.clone(),
                    (Platform::Tencent, _) => format!("{}:{words}", numbered(matrix_no, matrix)),
                }
            }
            Col::Name | Col::Phone if platform == Platform::Wjx => {
                n += 1;
                numbered(n, &format!("{words} (填空题 *必答)"))
            }
            _ => {
                n += 1;
                numbered(n, words)
            }
        });
    }
    if platform == Platform::Tencent {
        header.extend(
            [
                "语言",
                "清洗数据结果",
                "智能清洗数据无效概率",
                "地理位置国家和地区",
                "地理位置省",
                "地理位置市",
                "用户类型",
                "用户标识",
                "昵称",
                "自定义字段",
                "IP",
                "UA",
                "Referrer",
            ]
            .map(String::from),
        );
    }
    let mut wb = Workbook::new();
    wb.set_properties(&properties(&ret.author)?);
    let ws = wb.add_worksheet();
    ws.set_name(ret.layout.sheet)?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, h)?;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let letter = |k: usize| (b'A' + k as u8) as char;
    let mut rows = Vec::new();
    for (i, r) in ret.rows.iter().enumerate() {
        let row = 1 + i as u32;
        rows.push(row + 1);
        let (h, m, sec) = (8 + (i * 7) % 11, (i * 13) % 60, (i * 29) % 60);
        let spent = 45 + (i * 37) % 300;
        let lead_cells: Vec<String> = match platform {
            Platform::Wjx => vec![
                (i + 1).to_string(),
                format!("{}/{}/{} {h}:{m:02}:{sec:02}", r.date.y, r.date.m, r.date.d),
                format!("{spent}秒"),
                if i % 4 == 0 { "链接" } else { "手机提交" }.into(),
                if i % 4 == 0 { "直接访问" } else { "微信" }.into(),
                format!("183.95.{}.{}(湖北-天门)", 160 + i % 7, 10 + i % 200),
            ],
            Platform::Tencent => {
                let t = |extra: usize| {
                    let total = h * 3600 + m * 60 + sec + extra;
                    format!(
                        "{:02}-{}-{} {:02}:{:02}:{:02}",
                        r.date.d,
                        MONTHS[r.date.m as usize - 1],
                        r.date.y,
                        total / 3600,
                        total / 60 % 60,
                        total % 60
                    )
                };
                vec![(9000 - i).to_string(), t(0), t(spent), spent.to_string()]
            }
        };
        for (c, v) in lead_cells.iter().enumerate() {
            ws.write_string(row, c as u16, v)?;
        }
        let skipped = match platform {
            Platform::Wjx => "(跳过)",
            Platform::Tencent => "",
        };
        let option = |k: usize, text: &str| match platform {
            Platform::Wjx => text.to_string(),
            Platform::Tencent => format!("{}.{text}", letter(k)),
        };
        for (k, (col, _)) in order.iter().enumerate() {
            let c = (lead + k) as u16;
            let value: String = match col {
                Col::Q(q) if *q <= 11 => match r.yn[*q as usize - 1] {
                    Some(true) => option(0, "是"),
                    Some(false) => option(1, "否"),
                    None => skipped.into(),
                },
                Col::Q(_) | Col::D(_) => {
                    let f = match col {
                        Col::D(d) => r.five[*d as usize],
                        _ => r.five[0],
                    };
                    match f {
                        // Options listed 非常满意 first.
                        Some(level) => option(5 - level as usize, FIVE_LABEL[level as usize - 1]),
                        None => skipped.into(),
                    }
                }
                Col::Name => r.user.name.clone(),
                Col::Phone => r.user.phone.clone(),
                Col::UType => {
                    let k = UTYPES.iter().position(|t| *t == r.utype_text).unwrap_or(UTYPES.len());
                    option(k, &r.utype_text)
                }
                Col::Nature => r.user.nature.to_string(),
                Col::Usage => crate_number(r.user.usage),
                Col::Ent => {
                    let k = ENTERPRISES
                        .iter()
                        .position(|e| e.code == ENTERPRISES[r.ent()].code)
                        .unwrap_or(0);
                    option(k, &r.ent_text)
                }
                Col::Complaint | Col::Suggestion => {
                    let t = if *col == Col::Complaint {
                        &r.complaint
                    } else {
                        &r.suggestion
                    };
                    match (t.is_empty(), platform) {
                        (false, _) => t.clone(),
                        (true, Platform::Wjx) => "(空)".into(),
                        (true, Platform::Tencent) => String::new(),
                    }
                }
                _ => String::new(),
            };
            if !value.is_empty() {
                ws.write_string(row, c, &value)?;
            }
        }
        if platform == Platform::Tencent {
            let tail = [
                "简体中文".to_string(),
                "未清洗".into(),
                String::new(),
                "中国".into(),
                "湖北省".into(),
                "天门市".into(),
                "微信".into(),
                format!("o86_0j{:06}", 1000 + i * 17),
                String::new(),
                String::new(),
                "183***********************************".into(),
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) MicroMessenger/8.0.50".into(),
                String::new(),
            ];
            for (k, v) in tail.iter().enumerate().filter(|(_, v)| !v.is_empty()) {
                ws.write_string(row, (lead + order.len() + k) as u16, v)?;
            }
        }
    }
    let bytes = wb.save_to_buffer()?;
    Ok((
        bytes,
        Rendered {
            header_row: 1,
            rows,
            col_letter: col_letter_map,
        },
    ))
}

/// A usage as a respondent types it into a fill-in question.
fn crate_number(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

#[allow(clippy::too_many_arguments)]
fn unit_ret(
    submitter: &'static str,
    unit_text: &str,
    kind: Kind,
    kind_text: &str,
    period: Period,
    period_text: &str,
    author: &str,
    layout: Layout,
    rows: Vec<Resp>,
) -> Return {
    Return {
        submitter,
        unit_text: unit_text.into(),
        kind_text: kind_text.into(),
        period_text: period_text.into(),
        kind,
        period,
        author: author.into(),
        layout,
        rows,
        survey_name: None,
    }
}

fn file(
    rel: &str,
    format: &'static str,
    converted: bool,
    ret: Return,
    metadata_source: &'static str,
    variants: &[&str],
) -> SampleFile {
    SampleFile {
        rel: rel.into(),
        format,
        converted,
        content: Content::Return(Box::new(ret)),
        reject: None,
        metadata_source,
        supersedes: None,
        superseded_by: None,
        variants: variants.iter().map(|s| s.to_string()).collect(),
    }
}

fn set_fault(r: &mut Resp, code: &'static str, col: Col, value: &str, zh: &str) {
    r.fault = Some(Fault {
        code,
        col,
        value: value.into(),
        zh: zh.into(),
    });
}

/// Index of the first row at or after `from` serving `ent` and without a fault.
fn row_of(rows: &[Resp], ent: usize, from: usize) -> usize {
    (from..rows.len())
        .chain(0..from)
        .find(|i| rows[*i].ent() == ent && rows[*i].fault.is_none())
        .expect("a row of that enterprise")
}

fn build_samples() -> Vec<SampleFile> {
    let mut g = Gen::new(SEED);
    g.pools = (0..4).map(|e| (0..240).map(|_| g.user(e)).collect()).collect();

    let mut out: Vec<SampleFile> = Vec::new();
    let sign = |a: &str, b: &str| format!("填报人：{a}    审核人：{b}");

    for month in [7u32, 8, 9] {
        let p = Period::Month(2026, month);

        // ---------------- JL 竟陵街道 ----------------
        {
            let n = g.rng.random_range(25..=60);
            let mut rows = g.survey(&[(GS01, 0.55), (RQ01, 0.45)], n, p, Source::Unit);
            match month {
                7 => {
                    let i = row_of(&rows, GS01, 11);
                    rows[i].ent_text = "天门市第一供水有线公司".into();
                    set_fault(
                        &mut rows[i],
                        "unknown_enterprise",
                        Col::Ent,
                        "天门市第一供水有线公司",
                        "服务企业不存在，应提示“您是否指‘天门市第一供水有限公司’?”",
                    );
                    let mut lay = Layout::pristine();
                    lay.instructions = true;
                    lay.trailer = Trailer::SumSign(sign("某某", "某某"));
                    out.push(file(
                        "inbox/JL/竟陵街道_月度自评_2026-07.xlsx",
                        "xlsx",
                        false,
                        unit_ret(
                            "JL",
                            "竟陵街道",
                            Kind::Monthly,
                            "月度自评",
                            p,
                            "2026-07",
                            "竟陵街道",
                            lay,
                            rows,
                        ),
                        "sheet",
                        &[
                            "标准版式（标题、A2:B4 元数据“标签|值”、第6行表头、第7行起数据）",
                            "首个工作表为“填表说明”，数据在第二个工作表“调查问卷”",
                            "所属期“2026-07”；调查日期为 Excel 日期",
                            "表尾“合计”行（含 =SUM 公式）和“填报人：某某    审核人：某某”行",
                        ],
                    ));
                }
                8 => {
                    let original = rows.clone();
                    // the original has two bad rows that the correction fixes
                    let mut orig = original;
                    let i = orig.len() / 4;
                    orig[i].user.name = String::new();
                    set_fault(&mut orig[i], "missing_required", Col::Name, "", "用户名称为空（必填）");
                    let j = orig.len() * 3 / 4;
                    orig[j].date = Ymd::new(2026, 7, 31);
                    set_fault(
                        &mut orig[j],
                        "date_outside_period",
                        Col::Date,
                        "2026-07-31",
                        "调查日期不在所属期 2026年8月 内",
                    );
                    // the correction: same respondents, the two rows fixed, three more users,
                    // two answers revised
                    let mut corr = rows;
                    let extra = g.survey(&[(GS01, 0.55), (RQ01, 0.45)], 3, p, Source::Unit);
                    corr.extend(extra);
                    corr.sort_by_key(|r| r.date);
                    for k in [2usize, 9] {
                        if let Some(r) = corr.get_mut(k) {
                            r.five[0] = Some(if r.five[0] == Some(5) { 4 } else { 5 });
                        }
                    }
                    let mut lay = Layout::pristine();
                    lay.meta = Meta::OneCellLine('：');
                    lay.five = FiveStyle::Letter;
                    let mut f1 = file(
                        "inbox/JL/竟陵街道_月度自评_2026-08.xlsx",
                        "xlsx",
                        false,
                        unit_ret(
                            "JL",
                            "竟陵街道",
                            Kind::Monthly,
                            "月度自评",
                            p,
                            "2026年8月",
                            "竟陵街道",
                            lay.clone(),
                            orig,
                        ),
                        "sheet",
                        &[
                            "元数据写在第2行的三个单元格：A2“填报单位：竟陵街道”、E2“报表类型：月度自评”、I2“所属期：2026年8月”（全角冒号）；表头在第4行",
                            "所属期“2026年8月”",
                            "五级题用字母 A–E（A=非常满意 … E=非常不满意）",
                            "原报表：随后被同目录的“_更正”文件取代",
                        ],
                    );
                    f1.superseded_by = Some("inbox/JL/竟陵街道_月度自评_2026-08_更正.xlsx".into());
                    out.push(f1);
                    let mut f2 = file(
                        "inbox/JL/竟陵街道_月度自评_2026-08_更正.xlsx",
                        "xlsx",
                        false,
                        unit_ret(
                            "JL",
                            "竟陵街道",
                            Kind::Monthly,
                            "月度自评",
                            p,
                            "2026年8月",
                            "竟陵街道",
                            lay,
                            corr,
                        ),
                        "sheet",
                        &[
                            "更正报表：同一单位、类型、所属期，内容不同（修正原表2行错误、另增3户、改2个Q12答案）",
                            "文件名按字节排序在原表之后（“.” < “_”）",
                            "与原表的受访者大部分相同：重复受访者检查必须排除被取代的原表",
                        ],
                    );
                    f2.supersedes = Some("inbox/JL/竟陵街道_月度自评_2026-08.xlsx".into());
                    out.push(f2);
                }
                _ => {
                    g.alias_some(&mut rows, 0.35);
                    let mut lay = Layout::pristine();
                    lay.pre_rows = vec![
                        TITLE.into(),
                        "（依据《天门市供水和供气企业服务评价制度》开展）".into(),
                        "填表说明：Q1—Q11 填√或×；Q12、D1—D4 填满意程度。".into(),
                    ];
                    lay.yn = YnStyle::Check;
                    lay.date = DateStyle::Mixed;
                    out.push(file(
                        "inbox/竟陵街道_2026年9月份_月报.xlsx",
                        "xlsx",
                        false,
                        unit_ret(
                            "JL",
                            "竟陵街道办事处",
                            Kind::Monthly,
                            "月报",
                            p,
                            "2026年9月份",
                            "竟陵街道",
                            lay,
                            rows,
                        ),
                        "sheet",
                        &[
                            "直接放在 inbox/ 下（无单位子目录）",
                            "表头前有3行标题/说明行，元数据在第4–6行，表头在第8行",
                            "填报单位用别名“竟陵街道办事处”；报表类型“月报”；所属期“2026年9月份”",
                            "是否题用 √/×",
                            "调查日期混用 Excel 日期与文本“2026年9月5日”",
                            "服务企业部分使用别名（第一供水公司、市一水司、天然气公司）",
                        ],
                    ));
                }
            }
        }

        // ---------------- YK 岳口镇 ----------------
        {
            let n = g.rng.random_range(25..=60);
            let mut rows = g.survey(&[(GS02, 1.0)], n, p, Source::Unit);
            match month {
                7 => {
                    for r in rows.iter_mut() {
                        if !r.complaint.is_empty() {
                            r.remark = "已转企业核实".into();
                        }
                    }
                    let mut lay = Layout::pristine();
                    let mut cols = vec![
                        Col::Seq,
                        Col::Name,
                        Col::UType,
                        Col::Phone,
                        Col::County,
                        Col::Utility,
                        Col::Ent,
                        Col::Nature,
                        Col::Usage,
                        Col::Date,
                        Col::Method,
                    ];
                    cols.extend((1..=12).map(Col::Q));
                    cols.extend((1..=4).map(Col::D));
                    cols.extend([Col::Complaint, Col::Suggestion, Col::Remark]);
                    lay.cols = cols;
                    lay.noted_headers = true;
                    lay.yn = YnStyle::Yn;
                    lay.five = FiveStyle::Letter;
                    lay.date = DateStyle::Slash;
                    out.push(file(
                        "inbox/YK/岳口镇_月度自评_2026-07.xlsx",
                        "xlsx",
                        false,
                        unit_ret("YK", "岳口镇", Kind::Monthly, "月度自评", p, "2026-07", "岳口镇", lay, rows),
                        "sheet",
                        &[
                            "列顺序不同（用户信息在前，调查日期/方式在 J、K 列）",
                            "表头带注释和换行：“用户名称\\n(单位全称)”“*联系电话”“*用户类型”“调查日期（必填）”“月均用量\\n（吨/立方米）”“服务企业\\n(填写企业全称)”“意见或投诉\\n（如有请填写）”",
                            "表头“用水（用气）性质”用全角括号",
                            "多出一列“备注”（应忽略并提示一次）",
                            "是否题用 Y/N；五级题用 A–E",
                            "调查日期为文本“2026/7/5”",
                        ],
                    ));
                }
                8 => {
                    // The town's survey on 腾讯问卷: no 所属县市 question, so the town's own
                    // county stands for every user's.
                    for r in rows.iter_mut() {
                        r.user.county = "岳口镇";
                    }
                    let mut lay = Layout::pristine();
                    lay.sheet = "Sheet1";
                    lay.meta = Meta::Absent;
                    lay.export = Some(Platform::Tencent);
                    out.push(file(
                        "inbox/YK/岳口镇_月度自评_2026-08.xlsx",
                        "xlsx",
                        false,
                        unit_ret("YK", "", Kind::Monthly, "", p, "", "", lay, rows),
                        "folder+filename",
                        &[
                            "腾讯问卷导出的答卷原样报送：编号、开始答题时间、结束答题时间（文本“05-Aug-2026 14:23:11”，取结束时间的日期为调查日期）、答题时长（秒），题目列为“1.题干”；平台自带的列（语言、地理位置、用户类型=登录方式、IP、UA 等）在题目之后",
                            "填空题和单选题“您的单位名称或姓名”“您的联系电话”“您的用户类型”“为您服务的企业”排在最前（第1–4题），评价题为第5–16题、D1–D4 为第17题矩阵（“17.请您对以下方面作出评价:企业形象评价”）：按题目文字认，不按题号",
                            "选项带字母，如“A.是”“B.满意”“D.居民用户”；跳过的题为空；没有所属县市题（取岳口镇）",
                            "没有元数据；填报单位取自目录 inbox/YK/，报表类型和所属期取自文件名；工作表名“Sheet1”",
                        ],
                    ));
                }
                _ => {
                    g.alias_some(&mut rows, 0.5);
                    let mut lay = Layout::pristine();
                    lay.q = QStyle::Full;
                    lay.yn = YnStyle::OneZeroNum;
                    lay.five = FiveStyle::DigitNum;
                    lay.date = DateStyle::Compact;
                    lay.blank_after = vec![8, 17, 17];
                    out.push(file(
                        "inbox/YK/岳口镇_月度自评_2026-09.xlsx",
                        "xlsx",
                        false,
                        unit_ret("YK", "岳口镇人民政府", Kind::Monthly, "月报", p, "2026.09", "岳口镇", lay, rows),
                        "sheet",
                        &[
                            "填报单位用别名“岳口镇人民政府”；报表类型“月报”；所属期“2026.09”",
                            "问题表头为带序号的完整题干（如“5.在当地是否可以通过政务服务网、鄂汇办……?”），D 列为“D1.企业形象评价”等",
                            "是否题为数字 1/0，五级题为数字 5–1（数值单元格）",
                            "调查日期为文本“20260905”",
                            "数据中间有空行（第8户后1行，第17户后2行）",
                            "服务企业部分用别名“岳口水厂”",
                        ],
                    ));
                }
            }
        }

        // ---------------- ZS 皂市镇 (no return for September) ----------------
        if month != 9 {
            let n = g.rng.random_range(25..=60);
            let mut rows = g.survey(&[(RQ02, 1.0)], n, p, Source::Unit);
            if month == 7 {
                let mut lay = Layout::pristine();
                lay.q = QStyle::Wen;
                lay.blank_after = vec![5, 20];
                out.push(file(
                    "inbox/ZS/皂市镇_月度自评_2026-07.ods",
                    "ods",
                    true,
                    unit_ret(
                        "ZS",
                        "皂市镇",
                        Kind::Monthly,
                        "月度自评",
                        p,
                        "2026-07",
                        "皂市镇",
                        lay,
                        rows,
                    ),
                    "sheet",
                    &[
                        "OpenDocument .ods（LibreOffice 由 xlsx 转换）",
                        "问题表头写作“问题1”…“问题12”",
                        "数据中间有空行（第5户、第20户后）",
                    ],
                ));
            } else {
                let i = 4;
                let j = rows.len() - 3;
                let src = rows[i].user.clone();
                rows[j].user = src.clone();
                rows[j].utype_text = src.utype.into();
                set_fault(
                    &mut rows[j],
                    "duplicate_respondent",
                    Col::Name,
                    &src.name,
                    "重复受访者：与本表前面一行用户名称、联系电话、服务企业相同（同一所属期）",
                );
                let mut lay = Layout::pristine();
                lay.q = QStyle::Wen;
                lay.yn = YnStyle::FullWidthYn;
                lay.five = FiveStyle::FullWidthLetter;
                out.push(file(
                    "inbox/皂市镇_月度自评_202608.xlsx",
                    "xlsx",
                    false,
                    unit_ret(
                        "ZS",
                        "皂市镇人民政府",
                        Kind::Monthly,
                        "月度自评",
                        p,
                        "202608",
                        "皂市镇",
                        lay,
                        rows,
                    ),
                    "sheet",
                    &[
                        "直接放在 inbox/ 下；填报单位用别名“皂市镇人民政府”；所属期“202608”",
                        "问题表头“问题N”",
                        "全角答案：是否题“Ｙ/Ｎ”，五级题“Ａ–Ｅ”",
                    ],
                ));
            }
        }

        // ---------------- enterprises' own returns ----------------
        for ent in [GS01, GS02, RQ01, RQ02] {
            let e = &ENTERPRISES[ent];
            let n = g.rng.random_range(30..=60);
            let mut rows = g.survey(&[(ent, 1.0)], n, p, Source::SelfEnt);
            match (ent, month) {
                (GS01, 7) => {
                    for r in rows.iter_mut() {
                        r.ent_text.clear();
                    }
                    let i = rows.len() / 2;
                    rows[i].date = Ymd::new(2026, 8, 2);
                    set_fault(
                        &mut rows[i],
                        "date_outside_period",
                        Col::Date,
                        "2026-08-02",
                        "调查日期不在所属期 2026年7月 内",
                    );
                    let lay = Layout::pristine();
                    out.push(file(
                        "inbox/GS01/第一供水公司_月度自评_2026-07.xlsx",
                        "xlsx",
                        false,
                        unit_ret(
                            "GS01",
                            "第一供水公司",
                            Kind::Monthly,
                            "月度自评",
                            p,
                            "2026-07",
                            e.name,
                            lay,
                            rows,
                        ),
                        "sheet",
                        &[
                            "企业自评；填报单位用企业别名“第一供水公司”",
                            "服务企业列全部留空（即填报企业本身）",
                        ],
                    ));
                }
                (GS01, 8) => {
                    let mut lay = Layout::pristine();
                    lay.five = FiveStyle::DigitText;
                    out.push(file(
                        "inbox/GS01/第一供水公司_月度自评_2026-08.ods",
                        "ods",
                        true,
                        unit_ret(
                            "GS01",
                            e.name,
                            Kind::Monthly,
                            "月度自评",
                            p,
                            "2026年8月",
                            e.name,
                            lay,
                            rows,
                        ),
                        "sheet",
                        &[
                            "OpenDocument .ods（LibreOffice 由 xlsx 转换）",
                            "所属期“2026年8月”；服务企业填本企业全称",
                            "五级题为文本数字“5”…“1”",
                        ],
                    ));
                }
                (GS01, _) => {
                    let i = rows.len() * 2 / 3;
                    set_fault(
                        &mut rows[i],
                        "formula_error",
                        Col::UType,
                        "#N/A",
                        "用户类型为公式错误值 #N/A",
                    );
                    let mut lay = Layout::pristine();
                    lay.sheet = "Sheet1";
                    lay.q = QStyle::Num;
                    lay.date = DateStyle::Slash;
                    lay.pre_rows = vec![TITLE.into(), "（2026年第三季度 · 企业月度自评）".into()];
                    out.push(file(
                        "inbox/天门市第一供水有限公司_2026年9月自评.xlsx",
                        "xlsx",
                        false,
                        unit_ret(
                            "GS01",
                            "GS01",
                            Kind::Monthly,
                            "月度自评",
                            p,
                            "2026-09",
                            e.name,
                            lay,
                            rows,
                        ),
                        "sheet",
                        &[
                            "直接放在 inbox/ 下；文件名不符合“单位_类型_所属期”格式（元数据在表内）",
                            "填报单位写企业代码“GS01”",
                            "工作表名“Sheet1”；表头前有2行标题，表头在第7行",
                            "问题表头为数值单元格 1…12",
                            "调查日期为文本“2026/9/5”",
                        ],
                    ));
                }
                (GS02, 7) => {
                    g.alias_some(&mut rows, 0.4);
                    let lay = Layout::pristine();
                    out.push(file(
                        "inbox/GS02_月度自评_2026-07.xls",
                        "xls",
                        true,
                        unit_ret(
                            "GS02",
                            e.name,
                            Kind::Monthly,
                            "月度自评",
                            p,
                            "2026-07",
                            e.name,
                            lay,
                            rows,
                        ),
                        "sheet",
                        &[
                            "Excel 97-2003 .xls（LibreOffice 由 xlsx 转换）；直接放在 inbox/ 下",
                            "服务企业部分用别名“岳口水厂”",
                        ],
                    ));
                }
                (GS02, 8) => {
                    let mut lay = Layout::pristine();
                    let mut cols = vec![
                        Col::Seq,
                        Col::Date,
                        Col::Name,
                        Col::Phone,
                        Col::UType,
                        Col::Nature,
                        Col::Usage,
                        Col::Ent,
                        Col::Utility,
                        Col::County,
                        Col::Method,
                    ];
                    cols.extend((1..=4).map(Col::D));
                    cols.extend((1..=12).map(Col::Q));
                    cols.extend([Col::Suggestion, Col::Complaint]);
                    lay.cols = cols;
                    lay.name_label = "客户名称";
                    lay.yn = YnStyle::Yn;
                    lay.date = DateStyle::IsoText;
                    out.push(file(
                        "inbox/GS02/岳口供水_月度自评_2026-08.xlsx",
                        "xlsx",
                        false,
                        unit_ret(
                            "GS02",
                            "岳口水厂",
                            Kind::Monthly,
                            "月报",
                            p,
                            "2026年8月",
                            e.name,
                            lay,
                            rows,
                        ),
                        "sheet",
                        &[
                            "填报单位用别名“岳口水厂”；报表类型“月报”；所属期“2026年8月”",
                            "列顺序不同（D1–D4 在 Q1–Q12 之前，“建议”在“意见或投诉”之前）",
                            "“用户名称”写作同义词“客户名称”",
                            "是否题用 Y/N；调查日期为文本“2026-08-05”",
                        ],
                    ));
                }
                (GS02, _) => {
                    let k = rows.iter().position(|r| !r.complaint.is_empty()).unwrap_or(0);
                    if !rows[k].pii {
                        g.add_pii(&mut rows[k]);
                    }
                    for (i, r) in rows.iter_mut().enumerate() {
                        if i % 7 == 3 {
                            r.remark = "用户未办理过报装，Q2—Q9 不适用".into();
                            for a in r.yn.iter_mut().take(9).skip(1) {
                                *a = None;
                            }
                        }
                    }
                    let mut lay = Layout::pristine();
                    lay.na_text = true;
                    lay.cols.push(Col::Remark);
                    out.push(file(
                        "inbox/GS02/岳口供水_月度自评_2026-09.xlsx",
                        "xlsx",
                        false,
                        unit_ret(
                            "GS02",
                            e.name,
                            Kind::Monthly,
                            "月度自评",
                            p,
                            "2026-09",
                            e.name,
                            lay,
                            rows,
                        ),
                        "sheet",
                        &[
                            "未作答的是否题写“不适用”（不计分，不是错误）；每7户中有1户 Q2—Q9 全部“不适用”",
                            "多出一列“备注”",
                            "意见中含人名和电话（供脱敏测试）",
                        ],
                    ));
                }
                (RQ01, 7) => {
                    let mut lay = Layout::pristine();
                    lay.meta = Meta::OneCellRows(':');
                    lay.yn = YnStyle::OneZeroNum;
                    lay.five = FiveStyle::DigitNum;
                    lay.phone_numeric = true;
                    out.push(file(
                        "inbox/RQ01/天然气公司_月度自评_2026-07.xlsx",
                        "xlsx",
                        false,
                        unit_ret(
                            "RQ01",
                            "天然气公司",
                            Kind::Monthly,
                            "月度自评",
                            p,
                            "2026-07",
                            e.name,
                            lay,
                            rows,
                        ),
                        "sheet",
                        &[
                            "元数据写在A列单元格内“填报单位:天然气公司”（半角冒号），报表类型、所属期同",
                            "是否题为数字 1/0，五级题为数字 5–1",
                            "联系电话为数值单元格（如 13912345678）",
                        ],
                    ));
                }
                (RQ01, 8) => {
                    let mut lay = Layout::pristine();
                    lay.pre_rows = vec![
                        TITLE.into(),
                        "天门市天然气有限公司".into(),
                        "（企业月度自评）".into(),
                        "说明：本表由客户服务中心汇总".into(),
                        "".into(),
                    ];
                    lay.name_label = "单位名称";
                    lay.yn = YnStyle::Check;
                    lay.five = FiveStyle::Letter;
                    out.push(file(
                        "inbox/天然气公司_月度自评_2026-08.xlsx",
                        "xlsx",
                        false,
                        unit_ret(
                            "RQ01",
                            e.name,
                            Kind::Monthly,
                            "月度自评",
                            p,
                            "2026年8月",
                            e.name,
                            lay,
                            rows,
                        ),
                        "sheet",
                        &[
                            "直接放在 inbox/ 下",
                            "标题后另有4行（副标题、说明、空行），元数据在第6–8行，表头在第10行",
                            "“用户名称”写作同义词“单位名称”",
                            "是否题用 √/×；五级题用 A–E",
                        ],
                    ));
                }
                (RQ01, _) => {
                    let lay = Layout::pristine();
                    out.push(file(
                        "inbox/RQ01/天然气公司_月度自评_2026-09.xls",
                        "xls",
                        true,
                        unit_ret(
                            "RQ01",
                            "天然气公司",
                            Kind::Monthly,
                            "月报",
                            p,
                            "2026年9月份",
                            e.name,
                            lay,
                            rows,
                        ),
                        "sheet",
                        &[
                            "Excel 97-2003 .xls（LibreOffice 由 xlsx 转换）",
                            "报表类型“月报”；所属期“2026年9月份”",
                        ],
                    ));
                }
                (_, 7) => {
                    let ks: Vec<usize> = rows
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| !r.complaint.is_empty() && !r.pii)
                        .map(|(i, _)| i)
                        .take(2)
                        .collect();
                    for k in ks {
                        g.add_pii(&mut rows[k]);
                    }
                    let mut lay = Layout::pristine();
                    lay.trailer = Trailer::Sign("填报人: 某某  审核人: 某某".into());
                    out.push(file(
                        "inbox/RQ02/皂市燃气_月度自评_2026-07.xlsx",
                        "xlsx",
                        false,
                        unit_ret(
                            "RQ02",
                            e.name,
                            Kind::Monthly,
                            "月度自评",
                            p,
                            "2026-07",
                            e.name,
                            lay,
                            rows,
                        ),
                        "sheet",
                        &[
                            "标准版式；表尾“填报人: 某某  审核人: 某某”行（无合计行）",
                            "意见中含人名和电话（供脱敏测试）",
                        ],
                    ));
                }
                (_, 8) => {
                    let i = rows.len() / 3;
                    rows[i].utype_text = "农业用户".into();
                    set_fault(
                        &mut rows[i],
                        "unknown_user_type",
                        Col::UType,
                        "农业用户",
                        "用户类型不在代码表内（企事业单位/工商业用户/工矿企业/居民用户/其他）",
                    );
                    g.alias_some(&mut rows, 0.3); // (not shown: the export has no 服务企业 column)
                    // The enterprise's own survey on 问卷星: no 所属县市 question, so its
                    // registered county stands for every user's.
                    for r in rows.iter_mut() {
                        r.user.county = e.county;
                    }
                    let mut lay = Layout::pristine();
                    lay.export = Some(Platform::Wjx);
                    lay.sheet = "Sheet1";
                    out.push(file(
                        "inbox/RQ02/皂市燃气_月度自评_2026-08.xlsx",
                        "xlsx",
                        false,
                        unit_ret(
                            "RQ02",
                            "皂市燃气",
                            Kind::Monthly,
                            "月度自评",
                            p,
                            "202608",
                            e.name,
                            lay,
                            rows,
                        ),
                        "folder+filename",
                        &[
                            "问卷星“按选项文本下载”的答卷原样报送：序号、提交答卷时间（文本“2026/8/5 14:23:11”）、所用时间、来源、来源详情、来自IP，题目列为“1、题干”（企业只留“用气”的字样），D1–D4 为一道矩阵单选题（“13、请您对以下方面作出评价—企业形象评价”及各行标题）",
                            "填空题“您的单位名称或姓名 (填空题 *必答)”“您的联系电话”“您的用户类型”“您的用气性质”“您每月大约用气多少(立方米)”“您的意见或投诉”“您的建议”；没有服务企业、所属县市题（企业自评，县市取企业登记的县市）",
                            "跳过的题写“(跳过)”，未填的填空题写“(空)”；没有元数据，填报单位取自目录，报表类型和所属期取自文件名",
                        ],
                    ));
                }
                _ => {
                    let mut lay = Layout::pristine();
                    lay.blank_after = vec![10];
                    out.push(file(
                        "inbox/RQ02/皂市燃气_月度自评_2026-09.xlsm",
                        "xlsm",
                        true,
                        unit_ret(
                            "RQ02",
                            e.name,
                            Kind::Monthly,
                            "月度自评",
                            p,
                            "2026年9月份",
                            e.name,
                            lay,
                            rows,
                        ),
                        "sheet",
                        &[
                            "启用宏的工作簿 .xlsm（LibreOffice 由 xlsx 转换，无宏）",
                            "所属期“2026年9月份”；第10户后有一个空行",
                        ],
                    ));
                }
            }
        }
    }

    // ---------------- JL sample frame for 2026Q3 ----------------
    let q3 = Period::Quarter(2026, 3);
    let mut frame_users: Vec<User> = Vec::new();
    {
        let n1 = g.rng.random_range(28..=32);
        let n2 = g.rng.random_range(26..=30);
        let mut pick = |ent: usize, n: usize, g: &mut Gen| {
            let mut idx: Vec<usize> = (0..g.pools[ent].len()).collect();
            idx.shuffle(&mut g.rng);
            idx.truncate(n);
            idx.sort_unstable();
            for i in idx {
                frame_users.push(g.pools[ent][i].clone());
            }
        };
        pick(GS01, n1, &mut g);
        pick(RQ01, n2, &mut g);
        let rows: Vec<Resp> = frame_users
            .iter()
            .map(|u| Resp {
                date: Ymd::new(2026, 9, 1),
                method: "",
                user: u.clone(),
                utype_text: u.utype.into(),
                ent_text: ENTERPRISES[u.ent].name.into(),
                yn: [None; 11],
                five: [None; 5],
                complaint: String::new(),
                suggestion: String::new(),
                remark: String::new(),
                pii: false,
                fault: None,
            })
            .collect();
        let mut lay = Layout::pristine();
        lay.sheet = "样本名单";
        lay.pre_rows = vec!["天门市供水供气企业服务评价样本名单".into()];
        lay.cols = frame_cols();
        out.push(file(
            "inbox/JL/竟陵街道_样本名单_2026Q3.xlsx",
            "xlsx",
            false,
            unit_ret(
                "JL",
                "竟陵街道",
                Kind::Frame,
                "样本名单",
                q3,
                "2026Q3",
                "竟陵街道",
                lay,
                rows,
            ),
            "sheet",
            &[
                "样本名单：只有用户信息列（无调查日期、调查方式、Q/D 列、意见建议）",
                "工作表名“样本名单”；所属期“2026Q3”",
                "第一供水公司和天然气公司的用户",
            ],
        ));
    }

    // ---------------- SZJJ quarterly sampled survey 2026Q3 ----------------
    {
        let mut rows: Vec<Resp> = Vec::new();
        let qk = q3.key();
        // fixed sizes: GS02 and RQ02 (the biased ones) reach the minimum sample of 30
        for (ent, n) in [(GS01, 26), (GS02, 30), (RQ01, 24), (RQ02, 30)] {
            let users: Vec<User> = if ent == GS01 || ent == RQ01 {
                let mut us: Vec<User> = frame_users.iter().filter(|u| u.ent == ent).cloned().collect();
                us.shuffle(&mut g.rng);
                us.truncate(n);
                // mark them used for the quarter
                let set = g.used.entry(qk.clone()).or_default();
                for u in &us {
                    if let Some(i) = g.pools[ent].iter().position(|p| p.phone == u.phone) {
                        set.insert((ent, i));
                    }
                }
                us
            } else {
                g.draw(ent, n, &qk)
            };
            for u in users {
                let date = g.date_in(q3, true);
                let method = g.method(Source::City);
                let mut r = g.respond(u, date, method, Source::City);
                if method == "电话回访" {
                    r.remark = format!("回访录音 HF2026{:02}{:04}", date.m, g.rng.random_range(1..10000));
                }
                rows.push(r);
            }
        }
        rows.sort_by_key(|r| r.date);
        g.alias_some(&mut rows, 0.3);
        let k = rows.iter().position(|r| !r.complaint.is_empty()).unwrap_or(0);
        if !rows[k].pii {
            g.add_pii(&mut rows[k]);
        }
        let mut lay = Layout::pristine();
        lay.cols.push(Col::Remark);
        lay.trailer = Trailer::CountSign("填报人：某某  审核人：某某  （市住建局城建科）".into());
        out.push(file(
            "inbox/SZJJ/市住建局_季度抽查_2026年第三季度.xlsx",
            "xlsx",
            false,
            unit_ret(
                "SZJJ",
                "市住建局",
                Kind::Quarterly,
                "抽查",
                q3,
                "2026年第三季度",
                "天门市住房和城乡建设局",
                lay,
                rows,
            ),
            "sheet",
            &[
                "季度抽查（市住建局，填报单位用别名“市住建局”）；报表类型“抽查”；所属期“2026年第三季度”",
                "覆盖全部4家企业；第一供水、天然气公司的受访者取自竟陵街道样本名单",
                "调查方式以“电话回访”为主；多出一列“备注”（回访录音编号）",
                "表尾“合计”行（共N户）和“填报人/审核人”行",
                "评价整体低于各企业月度自评，形成自评偏差",
            ],
        ));
    }

    // ---------------- files rejected whole ----------------
    {
        let p = Period::Month(2026, 8);
        let mut g2 = Gen::new(SEED ^ 0x9);
        g2.pools = vec![(0..30).map(|_| g2.user(GS01)).collect(), vec![], vec![], vec![]];
        let mut rows = g2.survey(&[(GS01, 1.0)], 20, p, Source::Unit);
        for r in rows.iter_mut() {
            r.ent_text = "天门市第九供水公司".into();
        }
        let lay = Layout::pristine();
        let mut f = file(
            "inbox/天门市第九供水公司_月度自评_2026-08.xlsx",
            "xlsx",
            false,
            unit_ret(
                "",
                "天门市第九供水公司",
                Kind::Monthly,
                "月度自评",
                p,
                "2026年8月",
                "第九供水",
                lay,
                rows,
            ),
            "sheet",
            &["填报单位“天门市第九供水公司”不在登记表中（文件名中的单位同样未知）"],
        );
        f.reject = Some((
            "unknown_unit",
            "填报单位“天门市第九供水公司”不存在，应提示最接近的名称（您是否指“天门市第一供水有限公司”?）".into(),
        ));
        out.push(f);
    }
    out.push(SampleFile {
        rel: "inbox/YK/岳口镇工作总结.xlsx".into(),
        format: "docx-renamed",
        converted: false,
        content: Content::Bytes(fake_docx().expect("docx")),
        reject: Some((
            "not_a_spreadsheet",
            "文件扩展名为 .xlsx，但内容是 Word 文档（docx 压缩包，无工作簿），无法读取".into(),
        )),
        metadata_source: "-",
        supersedes: None,
        superseded_by: None,
        variants: vec!["Word 文档（.docx 压缩包）改名为 .xlsx".into()],
    });
    out.push(SampleFile {
        rel: "inbox/说明.xlsx".into(),
        format: "text-renamed",
        converted: false,
        content: Content::Bytes(
            "各单位：\r\n请于每月5日前将上月供水供气企业服务满意度调查表报送市住建局。\r\n联系人：某某\r\n"
                .as_bytes()
                .to_vec(),
        ),
        reject: Some((
            "not_a_spreadsheet",
            "文件扩展名为 .xlsx，但内容是纯文本，不是电子表格".into(),
        )),
        metadata_source: "-",
        supersedes: None,
        superseded_by: None,
        variants: vec!["纯文本文件改名为 .xlsx".into()],
    });
    out.push(SampleFile {
        rel: "inbox/调查表导出.csv".into(),
        format: "csv",
        converted: false,
        content: Content::Bytes(csv_export()),
        reject: Some((
            "unsupported_format",
            "不支持 .csv 格式，请使用 .xlsx/.xls/.ods 等 Excel 格式报送".into(),
        )),
        metadata_source: "-",
        supersedes: None,
        superseded_by: None,
        variants: vec!["CSV 文件（UTF-8 带 BOM，内容是一份调查表导出）".into()],
    });
    out.push(SampleFile {
        rel: "inbox/新建 Microsoft Excel 工作表.xlsx".into(),
        format: "empty",
        converted: false,
        content: Content::Bytes(Vec::new()),
        reject: Some(("empty_file", "空文件（0 字节），无法读取".into())),
        metadata_source: "-",
        supersedes: None,
        superseded_by: None,
        variants: vec!["0 字节的 .xlsx（文件名含空格）".into()],
    });

    // ---------------- SZJJ unscheduled survey, 2026-09 (SPEC §13) ----------------
    // Its own generator: the files above keep their bytes.
    {
        let p = Period::Month(2026, 9);
        let mut g3 = Gen::new(SEED ^ 0xA);
        g3.pools = (0..ENTERPRISES.len())
            .map(|e| {
                if e == GS02 || e == RQ02 {
                    (0..40).map(|_| g3.user(e)).collect()
                } else {
                    vec![]
                }
            })
            .collect();
        let mut rows = g3.survey(&[(GS02, 1.0)], 30, p, Source::City);
        rows.extend(g3.survey(&[(RQ02, 1.0)], 30, p, Source::City));
        rows.sort_by_key(|r| r.date);
        let mut ret = unit_ret(
            "SZJJ",
            "市住建局",
            Kind::Adhoc,
            "不定期抽查",
            p,
            "2026-09",
            "天门市住房和城乡建设局",
            Layout::pristine(),
            rows,
        );
        ret.survey_name = Some(ADHOC_SURVEY.into());
        out.push(file(
            "inbox/SZJJ/市住建局_不定期抽查_2026-09.xlsx",
            "xlsx",
            false,
            ret,
            "sheet",
            &[
                "不定期抽查（市住建局）；调查名称“9月水压投诉专项抽查”；所属期“2026-09”",
                "岳口供水、皂市燃气各 30 户，评价低于两家企业 9 月的月度自评",
            ],
        ));
    }
    out
}

/// The samples' unscheduled survey.
const ADHOC_SURVEY: &str = "9月水压投诉专项抽查";

fn fake_docx() -> Res<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opt = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        let parts: [(&str, String); 3] = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#
                    .to_string(),
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#
                    .to_string(),
            ),
            (
                "word/document.xml",
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{}</w:body></w:document>"#,
                    [
                        "岳口镇2026年8月供水供气服务工作总结",
                        "一、基本情况：本月走访用水用气单位四十余家。",
                        "二、存在问题：部分区域高峰期水压不足。",
                        "三、下步打算：督促供水企业加快管网改造。",
                    ]
                    .iter()
                    .map(|t| format!("<w:p><w:r><w:t>{t}</w:t></w:r></w:p>"))
                    .collect::<String>()
                ),
            ),
        ];
        for (name, body) in parts {
            z.start_file(name, opt)?;
            z.write_all(body.as_bytes())?;
        }
        z.finish()?;
    }
    Ok(buf.into_inner())
}

fn csv_export() -> Vec<u8> {
    let mut g = Gen::new(SEED ^ 0xC5);
    g.pools = vec![vec![], (0..20).map(|_| g.user(GS02)).collect(), vec![], vec![]];
    let rows = g.survey(&[(GS02, 1.0)], 12, Period::Month(2026, 9), Source::Unit);
    let mut s = String::from("\u{feff}");
    let cols = std_cols();
    let lay = Layout::pristine();
    let heads: Vec<String> = cols.iter().map(|c| header_text(*c, &lay).unwrap_or_default()).collect();
    s.push_str(&heads.join(","));
    s.push_str("\r\n");
    for (i, r) in rows.iter().enumerate() {
        let mut cells: Vec<String> = Vec::new();
        for c in &cols {
            let v = match *c {
                Col::Seq => (i + 1).to_string(),
                Col::Date => r.date.iso(),
                Col::Method => r.method.into(),
                Col::Name => r.user.name.clone(),
                Col::UType => r.utype_text.clone(),
                Col::Nature => r.user.nature.into(),
                Col::Usage => r.user.usage.to_string(),
                Col::Phone => r.user.phone.clone(),
                Col::Utility => "供水".into(),
                Col::Ent => r.ent_text.clone(),
                Col::County => r.user.county.into(),
                Col::Q(k) if k <= 11 => match r.yn[k as usize - 1] {
                    Some(true) => "是".into(),
                    Some(false) => "否".into(),
                    None => String::new(),
                },
                Col::Q(_) => r.five[0]
                    .map(|l| FIVE_LABEL[l as usize - 1].to_string())
                    .unwrap_or_default(),
                Col::D(k) => r.five[k as usize]
                    .map(|l| FIVE_LABEL[l as usize - 1].to_string())
                    .unwrap_or_default(),
                Col::Complaint => r.complaint.clone(),
                Col::Suggestion => r.suggestion.clone(),
                Col::Remark => String::new(),
            };
            cells.push(if v.contains(',') || v.contains('"') {
                format!("\"{}\"", v.replace('"', "\"\""))
            } else {
                v
            });
        }
        s.push_str(&cells.join(","));
        s.push_str("\r\n");
    }
    s.into_bytes()
}

// ---------------------------------------------------------------------------------------------
// expected.json
// ---------------------------------------------------------------------------------------------

#[derive(Serialize)]
struct ExpRowError {
    row: u32,
    cell: String,
    value: String,
    error: String,
    note: String,
}

#[derive(Serialize)]
struct ExpFile {
    path: String,
    format: String,
    produced_by: String,
    expected: String,
    reject_code: Option<String>,
    reject_reason: Option<String>,
    submitter: Option<String>,
    kind: Option<String>,
    period: Option<String>,
    metadata_source: String,
    sheet: Option<String>,
    header_row: Option<u32>,
    first_data_row: Option<u32>,
    data_rows: usize,
    valid_rows: usize,
    invalid_rows: Vec<ExpRowError>,
    supersedes: Option<String>,
    superseded_by: Option<String>,
    pii_cells: Vec<String>,
    variants: Vec<String>,
}

#[derive(Serialize)]
struct ExpScore {
    period: String,
    kind: String,
    level: String,
    key: String,
    n: usize,
    composite: f64,
    overall: f64,
    dimensions: BTreeMap<String, f64>,
    items: BTreeMap<String, ExpItem>,
}

#[derive(Serialize)]
struct ExpItem {
    score: f64,
    n: usize,
    unfavourable: usize,
}

#[derive(Serialize)]
struct ExpBias {
    quarter: String,
    enterprise: String,
    self_n: usize,
    self_composite: f64,
    sampled_n: usize,
    sampled_composite: f64,
    bias: f64,
    flagged: bool,
}

/// An enterprise's September self-assessment against the unscheduled survey (SPEC §13).
#[derive(Serialize)]
struct ExpAdhoc {
    period: String,
    name: String,
    enterprise: String,
    self_n: usize,
    self_composite: f64,
    sampled_n: usize,
    sampled_composite: f64,
    bias: f64,
    flagged: bool,
}

#[derive(Serialize)]
struct ExpMissing {
    unit: String,
    kind: String,
    period: String,
}

#[derive(Serialize)]
struct Expected {
    note: String,
    seed: u64,
    config: String,
    files: Vec<ExpFile>,
    missing_returns: Vec<ExpMissing>,
    reference_scores: Vec<ExpScore>,
    self_assessment_bias: Vec<ExpBias>,
    adhoc_bias: Vec<ExpAdhoc>,
    annual_sampled: Vec<ExpAnnual>,
}

/// An enterprise's year (SPEC §13): its sampled responses (quarterly and unscheduled) pooled,
/// and its self-assessment pooled.
#[derive(Serialize)]
struct ExpAnnual {
    year: i32,
    enterprise: String,
    n: usize,
    composite: f64,
    self_n: usize,
    self_composite: f64,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

const DIMS: [&str; 4] = ["企业形象", "产品质量", "服务质量", "客户意见与投诉处理"];

/// Dimension of Q1..Q11, Q12, D1..D4 (index 0..16).
fn item_dim(i: usize) -> usize {
    match i {
        2 | 9 | 10 | 12 => 0,
        13 => 1,
        6 | 15 => 3,
        _ => 2,
    }
}

struct Scores {
    composite: f64,
    overall: f64,
    dims: BTreeMap<String, f64>,
    items: BTreeMap<String, ExpItem>,
}

/// SPEC §3 scores of a group of responses.
fn score(rows: &[&Resp]) -> Scores {
    let mut sums = [0.0f64; 16];
    let mut ns = [0usize; 16];
    let mut unfav = [0usize; 16];
    for r in rows {
        for i in 0..11 {
            if let Some(a) = r.yn[i] {
                let fav = a != NEGATIVE[i];
                sums[i] += if fav { 100.0 } else { 0.0 };
                ns[i] += 1;
                unfav[i] += usize::from(!fav);
            }
        }
        for k in 0..5 {
            if let Some(l) = r.five[k] {
                sums[11 + k] += FIVE_SCORE[l as usize - 1];
                ns[11 + k] += 1;
                unfav[11 + k] += usize::from(l <= 2);
            }
        }
    }
    let mut dsum = [0.0f64; 4];
    let mut dn = [0usize; 4];
    let mut items = BTreeMap::new();
    for i in 0..16 {
        if ns[i] > 0 {
            let sc = sums[i] / ns[i] as f64;
            dsum[item_dim(i)] += sc;
            dn[item_dim(i)] += 1;
            let id = if i < 12 {
                format!("Q{}", i + 1)
            } else {
                format!("D{}", i - 11)
            };
            items.insert(
                id,
                ExpItem {
                    score: round2(sc),
                    n: ns[i],
                    unfavourable: unfav[i],
                },
            );
        }
    }
    let mut dims = BTreeMap::new();
    let mut comp = 0.0;
    let mut nd = 0;
    for d in 0..4 {
        if dn[d] > 0 {
            let s = dsum[d] / dn[d] as f64;
            dims.insert(DIMS[d].to_string(), round2(s));
            comp += s;
            nd += 1;
        }
    }
    let overall = if ns[11] > 0 { sums[11] / ns[11] as f64 } else { 0.0 };
    Scores {
        composite: if nd > 0 { comp / nd as f64 } else { 0.0 },
        overall,
        dims,
        items,
    }
}

fn expected(files: &[SampleFile]) -> Res<Expected> {
    let mut out = Vec::new();
    for f in files {
        let mut e = ExpFile {
            path: f.rel.clone(),
            format: f.format.into(),
            produced_by: if f.converted {
                "scripts/convert_samples.sh".into()
            } else {
                "examples/gen_samples.rs".into()
            },
            expected: if f.reject.is_some() { "rejected" } else { "accepted" }.into(),
            reject_code: f.reject.as_ref().map(|r| r.0.to_string()),
            reject_reason: f.reject.as_ref().map(|r| r.1.clone()),
            submitter: None,
            kind: None,
            period: None,
            metadata_source: f.metadata_source.into(),
            sheet: None,
            header_row: None,
            first_data_row: None,
            data_rows: 0,
            valid_rows: 0,
            invalid_rows: vec![],
            supersedes: f.supersedes.clone(),
            superseded_by: f.superseded_by.clone(),
            pii_cells: vec![],
            variants: f.variants.clone(),
        };
        if let Content::Return(ret) = &f.content {
            let (_, rd) = render(ret)?;
            let lay = &ret.layout;
            e.submitter = (!ret.submitter.is_empty()).then(|| ret.submitter.to_string());
            e.kind = Some(ret.kind.label().into());
            e.period = Some(ret.period.key());
            e.sheet = Some(lay.sheet.into());
            e.header_row = Some(rd.header_row);
            e.first_data_row = rd.rows.first().copied();
            e.data_rows = ret.rows.len();
            for (i, r) in ret.rows.iter().enumerate() {
                if let Some(ft) = &r.fault {
                    let cell = format!("{}!{}{}", lay.sheet, rd.col_letter[&ft.col], rd.rows[i]);
                    let value = if ft.value.is_empty() {
                        shown(r, ft.col, lay, i)
                    } else {
                        ft.value.clone()
                    };
                    e.invalid_rows.push(ExpRowError {
                        row: rd.rows[i],
                        cell,
                        value,
                        error: ft.code.into(),
                        note: ft.zh.clone(),
                    });
                }
                if r.pii && lay.cols.contains(&Col::Complaint) {
                    e.pii_cells.push(format!(
                        "{}!{}{}",
                        lay.sheet,
                        rd.col_letter[&Col::Complaint],
                        rd.rows[i]
                    ));
                }
            }
            e.valid_rows = if f.reject.is_some() {
                0
            } else {
                e.data_rows - e.invalid_rows.len()
            };
        }
        out.push(e);
    }

    // reference scores over effective valid responses
    let mut by: BTreeMap<(String, String, String, String), Vec<&Resp>> = BTreeMap::new();
    let mut quarter_self: BTreeMap<String, Vec<&Resp>> = BTreeMap::new();
    for f in files {
        let Content::Return(ret) = &f.content else { continue };
        if f.reject.is_some() || f.superseded_by.is_some() || ret.kind == Kind::Frame {
            continue;
        }
        for r in ret.rows.iter().filter(|r| r.fault.is_none()) {
            let pk = ret.period.key();
            let kind = ret.kind.label().to_string();
            by.entry((pk.clone(), kind.clone(), "city".into(), "全市".into()))
                .or_default()
                .push(r);
            by.entry((pk, kind, "enterprise".into(), ENTERPRISES[r.ent()].code.into()))
                .or_default()
                .push(r);
            if ret.kind == Kind::Monthly {
                quarter_self
                    .entry(ENTERPRISES[r.ent()].code.into())
                    .or_default()
                    .push(r);
            }
        }
    }
    let mut scores = Vec::new();
    for ((period, kind, level, key), rows) in &by {
        let sc = score(rows);
        scores.push(ExpScore {
            period: period.clone(),
            kind: kind.clone(),
            level: level.clone(),
            key: key.clone(),
            n: rows.len(),
            composite: round2(sc.composite),
            overall: round2(sc.overall),
            dimensions: sc.dims,
            items: sc.items,
        });
    }
    let mut bias = Vec::new();
    for e in &ENTERPRISES {
        let selfr = &quarter_self[e.code];
        let sampled = &by[&(
            "2026Q3".to_string(),
            "季度抽查".to_string(),
            "enterprise".to_string(),
            e.code.to_string(),
        )];
        let cs = score(selfr).composite;
        let cq = score(sampled).composite;
        bias.push(ExpBias {
            quarter: "2026Q3".into(),
            enterprise: e.code.into(),
            self_n: selfr.len(),
            self_composite: round2(cs),
            sampled_n: sampled.len(),
            sampled_composite: round2(cq),
            bias: round2(cs - cq),
            flagged: cs - cq > 10.0,
        });
    }
    let mut adhoc_bias = Vec::new();
    for code in ["GS02", "RQ02"] {
        let key = |kind: &str| {
            (
                "2026-09".to_string(),
                kind.to_string(),
                "enterprise".to_string(),
                code.to_string(),
            )
        };
        let (selfr, sampled) = (&by[&key("月度自评")], &by[&key("不定期抽查")]);
        let (cs, cq) = (score(selfr).composite, score(sampled).composite);
        adhoc_bias.push(ExpAdhoc {
            period: "2026-09".into(),
            name: ADHOC_SURVEY.into(),
            enterprise: code.into(),
            self_n: selfr.len(),
            self_composite: round2(cs),
            sampled_n: sampled.len(),
            sampled_composite: round2(cq),
            bias: round2(cs - cq),
            flagged: cs - cq > 10.0,
        });
    }
    // The year: every sampled response of the enterprise pooled (the quarter's and the
    // unscheduled survey's), and every monthly one.
    let mut annual_sampled = Vec::new();
    for e in &ENTERPRISES {
        let mut sampled: Vec<&Resp> = Vec::new();
        let mut own: Vec<&Resp> = Vec::new();
        for ((_, kind, level, key), rows) in &by {
            if level != "enterprise" || key != e.code {
                continue;
            }
            match kind.as_str() {
                "季度抽查" | "不定期抽查" => sampled.extend(rows.iter().copied()),
                "月度自评" => own.extend(rows.iter().copied()),
                _ => {}
            }
        }
        annual_sampled.push(ExpAnnual {
            year: 2026,
            enterprise: e.code.into(),
            n: sampled.len(),
            composite: round2(score(&sampled).composite),
            self_n: own.len(),
            self_composite: round2(score(&own).composite),
        });
    }
    Ok(Expected {
        note: "Generated by examples/gen_samples.rs; see samples/README.md. Scores follow SPEC §3 \
               over the valid rows of accepted, non-superseded returns (rounded to 2 decimals)."
            .into(),
        seed: SEED,
        config: "utility-eval.toml".into(),
        files: out,
        missing_returns: vec![ExpMissing {
            unit: "ZS".into(),
            kind: "月度自评".into(),
            period: "2026-09".into(),
        }],
        reference_scores: scores,
        self_assessment_bias: bias,
        adhoc_bias,
        annual_sampled,
    })
}

// ---------------------------------------------------------------------------------------------
// Modes
// ---------------------------------------------------------------------------------------------

fn write_file(path: &Path, bytes: &[u8]) -> Res<()> {
    if let Some(d) = path.parent() {
        fs::create_dir_all(d)?;
    }
    fs::write(path, bytes)?;
    Ok(())
}

fn gen_samples(dir: &Path, table: bool) -> Res<()> {
    let files = build_samples();
    let mut written = 0;
    for f in &files {
        if f.converted {
            // the committed .xls/.ods/.xlsm file is left alone; drop a stray xlsx source beside it
            if let Some((stem, _)) = f.rel.rsplit_once('.') {
                let stray = dir.join(format!("{stem}.xlsx"));
                if stray.exists() {
                    fs::remove_file(&stray)?;
                }
            }
            continue;
        }
        let bytes = match &f.content {
            Content::Return(ret) => render(ret)?.0,
            Content::Bytes(b) => b.clone(),
        };
        write_file(&dir.join(&f.rel), &bytes)?;
        written += 1;
    }
    let exp = expected(&files)?;
    let mut json = serde_json::to_string_pretty(&exp)?;
    json.push('\n');
    write_file(&dir.join("expected.json"), json.as_bytes())?;
    eprintln!(
        "wrote {written} files and expected.json under {}; {} .xls/.ods/.xlsm samples are made by scripts/convert_samples.sh",
        dir.display(),
        files.iter().filter(|f| f.converted).count()
    );
    if table {
        print!("{}", markdown_table(&exp));
    }
    Ok(())
}

fn markdown_table(exp: &Expected) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "| # | 文件 file | 单位/类型/所属期 | 行数 rows | 有效 valid | 预期 expected |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for (i, f) in exp.files.iter().enumerate() {
        let who = match (&f.submitter, &f.kind, &f.period) {
            (Some(u), Some(k), Some(p)) => format!("{u} / {k} / {p}"),
            (None, Some(k), Some(p)) => format!("（未知）/ {k} / {p}"),
            _ => "—".into(),
        };
        let mut result = match (&f.reject_code, f.superseded_by.is_some(), f.supersedes.is_some()) {
            (Some(c), _, _) => format!("**整表退回 rejected** (`{c}`)"),
            (None, true, _) => "接收，后被更正表取代 accepted, then superseded".into(),
            (None, _, true) => "接收，取代原表 accepted, supersedes the original".into(),
            _ => "接收 accepted".into(),
        };
        for e in &f.invalid_rows {
            let v = if e.value.is_empty() {
                "（空）"
            } else {
                e.value.as_str()
            };
            let _ = write!(result, "<br>无效行 {}：`{}` `{}`", e.cell, e.error, v);
        }
        let _ = writeln!(
            s,
            "| {} | `{}` | {} | {} | {} | {} |",
            i + 1,
            f.path,
            who,
            if f.reject_code.is_some() && f.data_rows == 0 {
                "—".to_string()
            } else {
                f.data_rows.to_string()
            },
            if f.reject_code.is_some() {
                "0".to_string()
            } else {
                f.valid_rows.to_string()
            },
            result
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "### 逐个文件 / file by file");
    for (i, f) in exp.files.iter().enumerate() {
        let _ = writeln!(s);
        let _ = writeln!(s, "**{}. `{}`** — {}", i + 1, f.path, f.format);
        if let (Some(sheet), Some(h), Some(d)) = (&f.sheet, f.header_row, f.first_data_row) {
            let _ = writeln!(
                s,
                "- 工作表 sheet `{sheet}`，表头第 {h} 行，数据自第 {d} 行；元数据来源 metadata from: {}",
                f.metadata_source
            );
        }
        for v in &f.variants {
            let _ = writeln!(s, "- {}", v.replace('\n', "\\n"));
        }
        for e in &f.invalid_rows {
            let v = if e.value.is_empty() {
                "（空）"
            } else {
                e.value.as_str()
            };
            let _ = writeln!(
                s,
                "- 无效行 invalid row {}（`{}`，值 `{}`）：{}",
                e.cell, e.error, v, e.note
            );
        }
        if let Some(x) = &f.supersedes {
            let _ = writeln!(s, "- 取代 supersedes `{x}`");
        }
        if let Some(x) = &f.superseded_by {
            let _ = writeln!(s, "- 被取代 superseded by `{x}`");
        }
        if let Some(r) = &f.reject_reason {
            let _ = writeln!(s, "- **整表退回**：{r}");
        }
        if !f.pii_cells.is_empty() {
            let _ = writeln!(s, "- 意见中含人名/电话 PII in free text: {}", f.pii_cells.join(", "));
        }
    }
    s
}

fn convert_sources(dir: &Path) -> Res<()> {
    let files = build_samples();
    let mut list = String::new();
    for f in files.iter().filter(|f| f.converted) {
        let Content::Return(ret) = &f.content else { continue };
        let stem = f.rel.rsplit_once('.').map(|x| x.0).unwrap_or(&f.rel);
        let src = format!("{stem}.xlsx");
        write_file(&dir.join(&src), &render(ret)?.0)?;
        let _ = writeln!(list, "{src}\t{}", f.format);
    }
    write_file(&dir.join("convert.tsv"), list.as_bytes())?;
    Ok(())
}

/// A bench return: pristine layout, all rows valid, respondents distinct by phone.
fn bench_return(seed: u64, sub: usize, period: Period, n: usize, phone_base: u64) -> Return {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (code, name, ents) = SUBMITTERS[sub];
    let src = if sub >= 3 { Source::SelfEnt } else { Source::Unit };
    let (y, m) = match period {
        Period::Month(y, m) => (y, m),
        Period::Quarter(y, q) => (y, q * 3),
    };
    let dim = days_in_month(y, m);
    let mut g = Gen::new(seed);
    let mut rows = Vec::with_capacity(n);
    for i in 0..n {
        let ent = ents[i % ents.len()];
        let e = &ENTERPRISES[ent];
        // a stable user per (submitter, row): the same users reappear month after month
        let (utype, nature) = match (i * 13 + sub) % 20 {
            0..=8 => ("工商业用户", "生产经营"),
            9..=12 => ("企事业单位", "办公"),
            13..=15 => ("工矿企业", "生产经营"),
            _ => ("居民用户", "居民生活"),
        };
        let brand = BRANDS[(i * 7 + sub * 3) % BRANDS.len()];
        let name = match utype {
            "工商业用户" => format!(
                "{}{brand}{}",
                e.places[0],
                SHOPS[(i / BRANDS.len() + sub) % SHOPS.len()]
            ),
            "企事业单位" => format!(
                "{}{brand}{}",
                e.places[0],
                INSTITUTIONS[(i / BRANDS.len() + sub) % INSTITUTIONS.len()]
            ),
            "工矿企业" => format!(
                "天门市{brand}{}有限公司",
                INDUSTRIES[(i / BRANDS.len() + sub) % INDUSTRIES.len()]
            ),
            _ => format!(
                "{}{}",
                SURNAMES[(i + sub) % SURNAMES.len()],
                GIVEN[(i / SURNAMES.len()) % GIVEN.len()]
            ),
        };
        let user = User {
            name,
            utype,
            nature,
            usage: ((i * 37 + sub * 11) % 900 + 5) as f64,
            phone: format!("1{:010}", 3_000_000_000 + phone_base + i as u64),
            county: e.county,
            ent,
        };
        let date = Ymd::new(y, m, rng.random_range(1..=dim));
        let method = if rng.random_bool(0.7) { "问卷" } else { "电话回访" };
        rows.push(g.respond(user, date, method, src));
    }
    rows.sort_by_key(|r| r.date);
    Return {
        submitter: code,
        unit_text: name.into(),
        kind_text: "月度自评".into(),
        period_text: period.key(),
        kind: Kind::Monthly,
        period,
        author: name.into(),
        layout: Layout::pristine(),
        rows,
        survey_name: None,
    }
}

fn bench_many(dir: &Path) -> Res<()> {
    write_file(&dir.join("utility-eval.toml"), REGISTRY.as_bytes())?;
    // 500 distinct (submitter, month) pairs: 7 submitters x 72 months (2021-01 .. 2026-12),
    // so no return supersedes another and every row counts.
    let mut jobs = Vec::new();
    'outer: for y in 2021..=2026 {
        for m in 1..=12u32 {
            for sub in 0..SUBMITTERS.len() {
                if jobs.len() == 500 {
                    break 'outer;
                }
                jobs.push((jobs.len(), sub, Period::Month(y, m)));
            }
        }
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(8);
    let chunks: Vec<Vec<(usize, usize, Period)>> = (0..threads)
        .map(|t| jobs.iter().copied().skip(t).step_by(threads).collect())
        .collect();
    std::thread::scope(|s| -> Res<()> {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || -> Result<(), String> {
                    for (k, sub, period) in chunk {
                        let ret = bench_return(SEED + 1000 + k as u64, sub, period, 200, (sub as u64) * 10_000_000);
                        let (bytes, _) = render(&ret).map_err(|e| e.to_string())?;
                        let (code, name, _) = SUBMITTERS[sub];
                        let rel = format!("inbox/{code}/{name}_月度自评_{}.xlsx", period.key());
                        write_file(&dir.join(rel), &bytes).map_err(|e| e.to_string())?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| "bench thread panicked")??;
        }
        Ok(())
    })?;
    eprintln!("wrote {} returns x 200 rows under {}/inbox", jobs.len(), dir.display());
    Ok(())
}

fn bench_big(dir: &Path) -> Res<()> {
    write_file(&dir.join("utility-eval.toml"), REGISTRY.as_bytes())?;
    let ret = bench_return(SEED + 7, 0, Period::Month(2026, 7), 100_000, 0);
    let (bytes, _) = render(&ret)?;
    write_file(&dir.join("inbox/JL/竟陵街道_月度自评_2026-07.xlsx"), &bytes)?;
    eprintln!("wrote 1 return x 100000 rows under {}/inbox/JL", dir.display());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Bench: one month, many submitters (`--bench-month`)
// ---------------------------------------------------------------------------------------------

/// Characters of the invented town names (none of them in the real registry's names).
const TOWN_CHARS: [&str; 40] = [
    "东", "西", "南", "北", "上", "下", "前", "后", "新", "老", "大", "小", "高", "长", "清", "明", "华", "兴", "安",
    "和", "平", "福", "寿", "永", "丰", "金", "银", "石", "桥", "河", "湖", "山", "林", "田", "园", "青", "白", "红",
    "松", "柏",
];
const MONTH_ENTERPRISES: usize = 100;
/// Enterprises each unit surveys (its rows go round them).
const MONTH_ENTS_PER_UNIT: usize = 3;
/// Distinct unregistered county values of `--bad-county`.
const BAD_COUNTIES: usize = 300;

/// The name stem of invented unit k (k < 3200): two characters, then 镇 (k < 1600) or 乡.
fn town_stem(k: usize) -> String {
    format!("{}{}", TOWN_CHARS[(k / 40) % 40], TOWN_CHARS[k % 40])
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The registry of the one-month bench: `units` county units U0001… and 100 enterprises
/// QY001…, enterprise j sited in the county of unit 10·j, even j water, odd j gas.
struct MonthRegistry {
    /// (code, name)
    units: Vec<(&'static str, &'static str)>,
    /// (code, name, alias, county, utility, scoring profile = index into ENTERPRISES)
    ents: Vec<(String, &'static str, String, &'static str, Utility, usize)>,
}

impl MonthRegistry {
    fn new(units: usize) -> MonthRegistry {
        assert!(
            (MONTH_ENTERPRISES * 10..=3200).contains(&units),
            "--returns must be within 1000..=3200"
        );
        let units: Vec<(&'static str, &'static str)> = (0..units)
            .map(|k| {
                let suffix = if k < 1600 { "镇" } else { "乡" };
                (
                    leak(format!("U{:04}", k + 1)),
                    leak(format!("{}{suffix}", town_stem(k))),
                )
            })
            .collect();
        let ents = (0..MONTH_ENTERPRISES)
            .map(|j| {
                let county = units[j * 10].1;
                let stem = town_stem(j * 10);
                let (utility, kind, alias, profile) = if j % 2 == 0 {
                    (Utility::Water, "供水", "水厂", if j % 4 == 0 { GS01 } else { GS02 })
                } else {
                    (Utility::Gas, "燃气", "燃气站", if j % 4 == 1 { RQ01 } else { RQ02 })
                };
                (
                    format!("QY{:03}", j + 1),
                    leak(format!("天门市{stem}{kind}有限公司")),
                    format!("{stem}{alias}"),
                    county,
                    utility,
                    profile,
                )
            })
            .collect();
        MonthRegistry { units, ents }
    }

    /// The enterprises unit u surveys: three distinct, water and gas mixed.
    fn ents_of(&self, u: usize) -> [usize; MONTH_ENTS_PER_UNIT] {
        [
            u % MONTH_ENTERPRISES,
            (u + 37) % MONTH_ENTERPRISES,
            (u + 71) % MONTH_ENTERPRISES,
        ]
    }

    fn toml(&self) -> String {
        let mut s = String::from(
            "# Bench registry written by `gen_samples --bench-month`: one month, many submitters.\n\
             city = \"天门市\"\n\n[paths]\ninbox = \"inbox\"\narchive = \"archive\"\nrejected = \"rejected\"\n\
             reports = \"reports\"\ndatabase = \"data/utility-eval.sqlite\"\n\n[intake]\nsettle_seconds = 0\n\n\
             [[unit]]\ncode = \"SZJJ\"\nname = \"天门市住房和城乡建设局\"\naliases = [\"市住建局\"]\nrole = \"city\"\n",
        );
        for (code, name) in &self.units {
            let _ = write!(
                s,
                "\n[[unit]]\ncode = \"{code}\"\nname = \"{name}\"\naliases = [\"{name}人民政府\"]\n"
            );
        }
        for (j, (code, name, alias, county, utility, _)) in self.ents.iter().enumerate() {
            let _ = write!(
                s,
                "\n[[enterprise]]\ncode = \"{code}\"\nname = \"{name}\"\nutility = \"{}\"\ncounty = \"{county}\"\nhead = \"{}某\"\naliases = [\"{alias}\"]\n",
                utility.label(),
                SURNAMES[j % SURNAMES.len()],
            );
        }
        s
    }
}

/// Return u of the one-month bench: unit u's monthly self-assessment of `period`, `n` rows over
/// its three enterprises, every row a distinct respondent (phones are unique across the month).
/// With `bad_county`, every row names an unregistered county (one of BAD_COUNTIES values: half
/// "未登记县市N", half a near miss "<town>县" that draws a 您是否指 hint), except row 1 of every
/// tenth return, so 1 return in 10 is accepted with one valid row and the rest are rejected whole.
fn month_return(reg: &MonthRegistry, u: usize, period: Period, n: usize, bad_county: bool) -> Return {
    let seed = SEED + 50_000 + u as u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (code, name) = reg.units[u];
    let ents = reg.ents_of(u);
    let (y, m) = match period {
        Period::Month(y, m) => (y, m),
        Period::Quarter(y, q) => (y, q * 3),
    };
    let dim = days_in_month(y, m);
    let mut g = Gen::new(seed);
    let mut rows = Vec::with_capacity(n);
    for i in 0..n {
        let (_, ent_name, _, county, _, profile) = &reg.ents[ents[i % ents.len()]];
        let (utype, nature) = match (i * 13 + u) % 20 {
            0..=8 => ("工商业用户", "生产经营"),
            9..=12 => ("企事业单位", "办公"),
            13..=15 => ("工矿企业", "生产经营"),
            _ => ("居民用户", "居民生活"),
        };
        let brand = BRANDS[(i * 7 + u * 3) % BRANDS.len()];
        let stem = town_stem(u);
        let user_name = match utype {
            "工商业用户" => format!("{stem}{brand}{}", SHOPS[(i / BRANDS.len() + u) % SHOPS.len()]),
            "企事业单位" => format!(
                "{stem}{brand}{}",
                INSTITUTIONS[(i / BRANDS.len() + u) % INSTITUTIONS.len()]
            ),
            "工矿企业" => format!(
                "天门市{brand}{}有限公司",
                INDUSTRIES[(i / BRANDS.len() + u) % INDUSTRIES.len()]
            ),
            _ => format!(
                "{}{}",
                SURNAMES[(i + u) % SURNAMES.len()],
                GIVEN[(i / SURNAMES.len()) % GIVEN.len()]
            ),
        };
        let county: &'static str = if bad_county && !(i == 0 && u.is_multiple_of(10)) {
            let b = (u * 13 + i * 7) % BAD_COUNTIES;
            if b.is_multiple_of(2) {
                leak(format!("未登记县市{b}"))
            } else {
                leak(format!("{}县", town_stem(b)))
            }
        } else {
            county
        };
        let user = User {
            name: user_name,
            utype,
            nature,
            usage: ((i * 37 + u * 11) % 900 + 5) as f64,
            phone: format!("1{:010}", 3_500_000_000 + (u * 1000 + i) as u64),
            county,
            ent: *profile,
        };
        let date = Ymd::new(y, m, rng.random_range(1..=dim));
        let method = if rng.random_bool(0.7) { "问卷" } else { "电话回访" };
        let mut r = g.respond(user, date, method, Source::Unit);
        r.ent_text = ent_name.to_string();
        rows.push(r);
    }
    rows.sort_by_key(|r| r.date);
    Return {
        submitter: code,
        unit_text: name.into(),
        kind_text: "月度自评".into(),
        period_text: period.key(),
        kind: Kind::Monthly,
        period,
        author: name.into(),
        layout: Layout::pristine(),
        rows,
        survey_name: None,
    }
}

/// `returns` monthly returns x 200 rows, all of 2026-10, one per unit (`inbox/U0001/` …),
/// evaluating 100 enterprises; with `bad_county`, the county column names unregistered counties.
fn bench_month(dir: &Path, returns: usize, bad_county: bool) -> Res<()> {
    let reg = MonthRegistry::new(returns);
    write_file(&dir.join("utility-eval.toml"), reg.toml().as_bytes())?;
    let period = Period::Month(2026, 10);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(8);
    let reg = &reg;
    std::thread::scope(|s| -> Res<()> {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || -> Result<(), String> {
                    for u in (t..returns).step_by(threads) {
                        let ret = month_return(reg, u, period, 200, bad_county);
                        let (bytes, _) = render(&ret).map_err(|e| e.to_string())?;
                        let (code, name) = reg.units[u];
                        let rel = format!("inbox/{code}/{name}_月度自评_{}.xlsx", period.key());
                        write_file(&dir.join(rel), &bytes).map_err(|e| e.to_string())?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| "bench thread panicked")??;
        }
        Ok(())
    })?;
    eprintln!(
        "wrote {returns} returns x 200 rows of {} ({} units, {MONTH_ENTERPRISES} enterprises{}) under {}/inbox",
        period.key(),
        returns,
        if bad_county { ", unregistered counties" } else { "" },
        dir.display()
    );
    Ok(())
}

fn usage() -> ! {
    eprintln!(
        "usage: gen_samples SAMPLES_DIR [--table]\n       gen_samples --convert-sources DIR\n       gen_samples --bench-many DIR\n       gen_samples --bench-big DIR\n       gen_samples --bench-month DIR [--returns N] [--bad-county]"
    );
    std::process::exit(2)
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--convert-sources", d] => convert_sources(Path::new(d)),
        ["--bench-many", d] => bench_many(Path::new(d)),
        ["--bench-big", d] => bench_big(Path::new(d)),
        ["--bench-month", d, rest @ ..] => {
            let (mut returns, mut bad) = (1000, false);
            let mut it = rest.iter();
            while let Some(a) = it.next() {
                match *a {
                    "--bad-county" => bad = true,
                    "--returns" => match it.next().and_then(|n| n.parse().ok()) {
                        Some(n) if (1000..=3200).contains(&n) => returns = n,
                        _ => usage(),
                    },
                    _ => usage(),
                }
            }
            bench_month(Path::new(d), returns, bad)
        }
        [d] if !d.starts_with("--") => gen_samples(Path::new(d), false),
        [d, "--table"] | ["--table", d] => gen_samples(Path::new(d), true),
        _ => usage(),
    }
}
