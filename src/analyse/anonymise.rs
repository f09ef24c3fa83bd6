//! Anonymisation of complaint texts for quotes in reports: phone numbers, the respondent's
//! own name and person names in their common written forms are masked (SPEC §4: quotes carry
//! no names and no phone numbers). Pure text functions; part of the analysis stage.

use crate::text::half_width;

/// About 100 of the most common surnames (百家姓 as used today).
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁\
                        任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱\
                        戴严欧莫孔向常汤康易乔赖文施洪涂鲁";

/// Two-character surnames (复姓), also followed by 1–2 characters and a title.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "夏侯", "慕容", "尉迟", "长孙", "宇文", "司徒", "西门",
    "公孙", "端木", "独孤", "南宫", "轩辕", "澹台", "百里", "呼延",
];

/// Characters common in given names: a surname and two of them is taken for a name even
/// without a title (`王小明态度差`).
const GIVEN: &str = "小明华伟芳娜敏静丽强磊军洋勇艳杰娟涛超秀霞平刚桂英玲红建国志文斌辉鹏飞宇浩俊峰波琳婷雪梅兰凤玉春燕萍莉晶晓亮海林云新金慧佳欣怡子嘉博瑞晨鑫宏振永德福贵荣昌盛兴旺龙虎彪丹颖蕾蓉倩婉莹";

/// Chinese numerals as people write phone numbers (`一三九…`, `幺`).
const HAN_DIGITS: &str = "〇零一二三四五六七八九幺两";

/// Labels an instant-messaging or e-mail handle follows (`微信:abc_123`).
const HANDLE_LABELS: &[&str] = &[
    "微信号",
    "微信",
    "威信",
    "V信",
    "VX",
    "vx",
    "Vx",
    "WX",
    "wx",
    "QQ号",
    "QQ",
    "qq",
    "邮箱",
    "Email",
    "email",
    "E-mail",
];

/// What follows the number of a building, unit, room or house in an address (`3栋2单元501室`).
const ADDRESS_UNITS: &[&str] = &[
    "号楼", "单元", "栋", "幢", "座", "室", "号", "楼", "层", "户", "组", "号房",
];

/// Titles that follow a person's name, longest first.
const TITLES: &[&str] = &[
    "工程师",
    "先生",
    "女士",
    "小姐",
    "师傅",
    "经理",
    "主任",
    "科长",
    "站长",
    "所长",
    "局长",
    "处长",
    "部长",
    "队长",
    "组长",
    "班长",
    "书记",
    "同志",
    "老师",
    "阿姨",
    "工",
];

/// Labels a name follows (`姓名:张三`, `联系人张三`).
const LABELS: &[&str] = &[
    "联系人",
    "姓名",
    "户主",
    "投诉人",
    "反映人",
    "报修人",
    "受访人",
    "被访人",
    "经办人",
    "负责人",
];

/// Words that introduce one's own name (`我叫李四`).
const INTROS: &[&str] = &["我叫", "我是"];

/// Characters that do not occur in given names but often stand between a surname-like
/// character and a title in ordinary text: function words, and place and office words
/// (`杨林街道站长`).
const NOT_GIVEN: &str = "的了是在和与跟给让找叫向对把被说问请有没不也都就还又这那个位些们里上下来去到等及或将为从过着要会能该很太更\
                         最其之各每某总副当后再才已打帮替啊吧呢吗呀哦嗯并而但却则所以因如若虽即\
                         街镇乡村区市县路栋楼室厅局站所司厂组队部处科办";

/// Ordinary words made of a surname character and the next one (`周末施工`, `马上师傅就来`,
/// `谢谢师傅`), and local place names (`张港站长`); neither character starts a name.
const NOT_NAME_START: &[&str] = &[
    "周一", "周二", "周三", "周四", "周五", "周六", "周日", "周末", "周边", "周围", "周期", "白天", "白白", "万一",
    "于是", "向来", "向着", "高新", "高峰", "高层", "方面", "方式", "方法", "方案", "方便", "常常", "马上", "余额",
    "任何", "任务", "许多", "许可", "曾经", "段时", "金额", "龙头", "石头", "夏天", "夏季", "叶子", "程序", "谢谢",
    "文件", "黄色", "毛病", "何时", "江边", "田间", "陈旧", "胡乱", "杜绝", "严重", "严格", "左右", "钟头", "武汉",
    "江汉", "钟祥", "洪湖", "黄冈", "黄石", "石首", "武穴", "罗田", "黄梅", "江陵", "黄陂", "杨林", "张港", "蒋场",
    "汪场", "黄潭", "石河", "彭市", "马湾", "卢市", "胡市",
];

/// Ordinary words ending in a surname character (`感谢王师傅`: 谢 is not a surname here).
const NOT_SURNAME_AFTER: &[&str] = &[
    "感谢", "多谢", "致谢", "答谢", "道谢", "谢谢", "方向", "一向", "面向", "转向", "走向", "导向", "经常", "正常",
    "平常", "非常", "异常", "日常", "通常", "时常", "照常", "由于", "关于", "对于", "等于", "至于", "在于", "处于",
    "属于", "位于", "过于", "急于", "提高", "很高", "太高", "偏高", "较高", "升高", "其余", "多余", "剩余", "业余",
    "明白", "空白", "发黄", "变黄", "容易", "交易", "收钱", "交钱", "价钱", "给钱", "花钱", "押金", "资金", "现金",
    "租金", "地方", "双方", "对方", "各方", "多方", "官方", "一方", "长江", "过程", "工程", "流程", "全程", "进程",
    "专程", "路程", "行程", "上周", "本周", "下周", "每周", "一周", "两周", "几周", "水龙", "立马", "责任", "信任",
    "担任", "主任", "上任", "前任", "现任", "实施", "设施", "措施", "分钟", "点钟", "阶段", "地段", "时段", "手段",
    "前段", "这段", "一段", "那段", "如何", "任何", "为何", "也许", "允许", "或许", "不许", "不曾", "未曾", "森林",
    "园林", "树林", "农田", "健康", "打雷", "防洪", "祝贺",
];

/// Characters before `工` that make an ordinary word (`施工`, `员工`), not a title.
const GONG_BEFORE: &str =
    "施开完停员职动复竣误做打加用手分化电水暖木民人务怠罢技钳焊美童义零临散长短帮农矿军理玩赶上下收监社劳旷";

/// Characters after `工` that make an ordinary word (`工作`, `工程`), not a title.
const GONG_AFTER: &str = "作程人厂资具期地商艺业单序时区会种夫钱费分段友位伤龄装号";

/// Values after a label that are not names (`联系人:不详`).
const NOT_NAME_VALUE: &str = "不未无暂本匿略空见同详保";

/// Words that end a name written after a label (`联系人张三电话…`).
const AFTER_NAME: &[&str] = &[
    "电话", "手机", "联系", "地址", "住址", "身份", "性别", "年龄", "单位", "反映", "反应", "投诉", "表示", "认为",
    "要求", "希望", "建议", "多次", "一直", "今天", "昨天", "的", "在", "是", "说", "称", "住", "家", "来", "到", "对",
    "和", "与", "打", "男", "女", "号",
];

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

fn is_surname(c: char) -> bool {
    SURNAMES.contains(c)
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{3000}' | '\t' | '-' | '－' | '—' | '–' | '‐' | '‑' | '.' | '．' | '/' | '／' | '·'
    )
}

/// A digit as written in a phone number: `0`–`9` in either width, or a Chinese numeral.
fn is_phone_digit(c: char) -> bool {
    is_digit(c) || HAN_DIGITS.contains(c)
}

fn starts_with(chars: &[char], at: usize, word: &str) -> bool {
    (at..).zip(word.chars()).all(|(i, w)| chars.get(i) == Some(&w))
}

fn pair_in(list: &[&str], a: char, b: char) -> bool {
    list.iter().any(|w| {
        let mut it = w.chars();
        it.next() == Some(a) && it.next() == Some(b) && it.next().is_none()
    })
}

/// `YYYY-MM-DD`: a digit run that is a date, not a phone number.
fn is_date(span: &[char]) -> bool {
    let text: String = span
        .iter()
        .map(|&c| if is_separator(c) { '-' } else { half_width(c) })
        .collect();
    if span.iter().any(|c| c.is_whitespace()) {
        return false;
    }
    let parts: Vec<&str> = text.split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && (1..=2).contains(&m.len()) && (1..=2).contains(&d.len()) => {
            let (y, m, d) = (
                y.parse().unwrap_or(0u32),
                m.parse().unwrap_or(0u32),
                d.parse().unwrap_or(0u32),
            );
            (1900..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
        }
        _ => false,
    }
}

/// Runs of 7 or more digits, also with spaces or dashes inside, become `***`.
fn mask_digits(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_phone_digit(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let (start, mut end, mut digits) = (i, i, 0);
        let mut j = i;
        // One kind of digit a run: Chinese numerals and figures side by side are two things.
        let han_run = HAN_DIGITS.contains(chars[i]);
        let same = |c: char| if han_run { HAN_DIGITS.contains(c) } else { is_digit(c) };
        while j < chars.len() {
            if same(chars[j]) {
                digits += 1;
                j += 1;
                end = j;
            } else if is_separator(chars[j]) {
                let mut k = j;
                while k < chars.len() && is_separator(chars[k]) {
                    k += 1;
                }
                if k - j <= 3 && k < chars.len() && same(chars[k]) {
                    j = k;
                } else {
                    break;
                }
            } else {
                break;
            }
        }
        // Chinese numerals alone count only in a long run (`一二三四五六七` is no phone).
        let han = chars[start..end].iter().filter(|c| HAN_DIGITS.contains(**c)).count();
        let is_phone = digits >= 7 && (han == 0 || digits >= 11);
        if is_phone && !is_date(&chars[start..end]) {
            // an identity card number may end in X
            if digits >= 15 && matches!(chars.get(end), Some('X' | 'x' | 'Ｘ' | 'ｘ')) {
                end += 1;
            }
            out.extend(['*', '*', '*']);
        } else {
            out.extend_from_slice(&chars[start..end]);
        }
        i = end;
    }
    out
}

/// Length of the name written at `at` after a label, if it is one.
fn labelled_name_len(chars: &[char], at: usize, after_colon: bool) -> Option<usize> {
    let max = if after_colon { 4 } else { 3 };
    let mut n = 0;
    while n < max
        && chars.get(at + n).is_some_and(|&c| is_han(c))
        && !AFTER_NAME.iter().any(|w| starts_with(chars, at + n, w))
        && !TITLES.iter().any(|w| starts_with(chars, at + n, w))
    {
        n += 1;
    }
    let name = &chars[at..at + n];
    let first = *name.first()?;
    let plausible = if after_colon {
        !NOT_NAME_VALUE.contains(first)
    } else {
        is_surname(first)
    };
    (n >= 2 && plausible && !name.contains(&'某')).then_some(n)
}

/// Length of the name written at `at` after `我叫`/`我是`: a surname and one or two more
/// characters, standing alone (`我是李四,…`, not `我是高新区的用户`).
fn introduced_name_len(chars: &[char], at: usize) -> Option<usize> {
    let n = chars[at..].iter().take_while(|&&c| is_han(c)).count();
    let name = &chars[at..at + n];
    ((2..=3).contains(&n) && is_surname(name[0]) && !name.contains(&'某') && !pair_in(NOT_NAME_START, name[0], name[1]))
        .then_some(n)
}

/// `姓名:张三`, `联系人张三`, `我叫李四`, `我是李四` → the surname and `**`.
fn mask_labelled(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    'scan: while i < chars.len() {
        for label in LABELS {
            if starts_with(chars, i, label) {
                let mut k = i + label.chars().count();
                let mut colon = false;
                while let Some(&c) = chars.get(k) {
                    match c {
                        ':' | '：' => colon = true,
                        ' ' | '\u{3000}' => {}
                        _ => break,
                    }
                    k += 1;
                }
                out.extend_from_slice(&chars[i..k]);
                if let Some(n) = labelled_name_len(chars, k, colon) {
                    out.extend([chars[k], '*', '*']);
                    i = k + n;
                } else {
                    i = k;
                }
                continue 'scan;
            }
        }
        for intro in INTROS {
            if starts_with(chars, i, intro) {
                let k = i + intro.chars().count();
                out.extend_from_slice(&chars[i..k]);
                if let Some(n) = introduced_name_len(chars, k) {
                    out.extend([chars[k], '*', '*']);
                    i = k + n;
                } else {
                    i = k;
                }
                continue 'scan;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Length of the title at `at`, if one starts there.
fn title_len(chars: &[char], at: usize) -> Option<usize> {
    let title = TITLES.iter().find(|t| starts_with(chars, at, t))?;
    if *title == "工" {
        let before = at.checked_sub(1).map(|b| chars[b]);
        let after = chars.get(at + 1);
        if before.is_some_and(|c| GONG_BEFORE.contains(c)) || after.is_some_and(|&c| GONG_AFTER.contains(c)) {
            return None;
        }
    }
    Some(title.chars().count())
}

/// Length of a surname + one or two characters + title at `at` (`王建国师傅`, `欧阳娜娜经理`),
/// and the title's.
fn titled_name_at(chars: &[char], at: usize) -> Option<(usize, usize)> {
    if let Some(compound) = COMPOUND_SURNAMES.iter().find(|c| starts_with(chars, at, c)) {
        let s = compound.chars().count();
        for given in [2, 1] {
            if let Some(name) = chars.get(at + s..at + s + given)
                && name.iter().all(|&c| is_han(c) && !NOT_GIVEN.contains(c))
                && let Some(t) = title_len(chars, at + s + given)
            {
                return Some((s + given, t));
            }
        }
    }
    let surname = chars[at];
    if !is_surname(surname) {
        return None;
    }
    if at > 0 && (pair_in(NOT_SURNAME_AFTER, chars[at - 1], surname) || pair_in(NOT_NAME_START, chars[at - 1], surname))
    {
        return None;
    }
    let next = *chars.get(at + 1)?;
    if pair_in(NOT_NAME_START, surname, next) || (matches!(surname, '向' | '于') && is_surname(next)) {
        return None;
    }
    for given in [2, 1] {
        let Some(name) = chars.get(at + 1..at + 1 + given) else {
            continue;
        };
        if name.iter().all(|&c| is_han(c) && !NOT_GIVEN.contains(c))
            && let Some(t) = title_len(chars, at + 1 + given)
        {
            return Some((1 + given, t));
        }
    }
    None
}

/// Length of a name written without a title at `at`: a common surname and two characters
/// common in given names (`王小明`), not part of a longer run of such characters.
fn bare_name_at(chars: &[char], at: usize) -> Option<usize> {
    let surname = chars[at];
    if !is_surname(surname) {
        return None;
    }
    let before = at.checked_sub(1).map(|b| chars[b]);
    if before.is_some_and(|b| pair_in(NOT_SURNAME_AFTER, b, surname) || pair_in(NOT_NAME_START, b, surname)) {
        return None;
    }
    let given = chars.get(at + 1..at + 3)?;
    if !given.iter().all(|&c| GIVEN.contains(c)) || pair_in(NOT_NAME_START, surname, given[0]) {
        return None;
    }
    Some(3)
}

/// `王建国师傅` → `王**师傅`; `王小明` → `王**`.
fn mask_titled(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some((name, title)) = titled_name_at(chars, i) {
            let surname = COMPOUND_SURNAMES
                .iter()
                .find(|c| starts_with(chars, i, c))
                .map_or(1, |c| c.chars().count());
            out.extend_from_slice(&chars[i..i + surname.min(name - 1)]);
            out.extend(['*', '*']);
            out.extend_from_slice(&chars[i + name..i + name + title]);
            i += name + title;
        } else if let Some(name) = bare_name_at(chars, i) {
            out.extend([chars[i], '*', '*']);
            i += name;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// `someone@example.com` → `***`.
fn mask_emails(chars: &[char]) -> Vec<char> {
    let local = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+');
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if matches!(chars[i], '@' | '＠') {
            let mut start = out.len();
            while start > 0 && local(out[start - 1]) {
                start -= 1;
            }
            let mut end = i + 1;
            while end < chars.len() && (local(chars[end])) {
                end += 1;
            }
            if start < out.len() && end > i + 1 {
                out.truncate(start);
                out.extend(['*', '*', '*']);
                i = end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// `微信:wxid_abc123`, `QQ 123456`, `VX:abc-123` → the label and `***`.
fn mask_handles(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    'scan: while i < chars.len() {
        for label in HANDLE_LABELS {
            if starts_with(chars, i, label) {
                let mut k = i + label.chars().count();
                while chars
                    .get(k)
                    .is_some_and(|&c| matches!(c, ':' | '：' | ' ' | '\u{3000}' | '是' | '为'))
                {
                    k += 1;
                }
                let n = chars[k..]
                    .iter()
                    .take_while(|&&c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
                    .count();
                out.extend_from_slice(&chars[i..k]);
                if n >= 5 {
                    out.extend(['*', '*', '*']);
                }
                i = k + if n >= 5 { n } else { 0 };
                continue 'scan;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// A number and the address unit after it at `at` (`3栋`, `501室`): their lengths, and
/// whether the unit is a dwelling's own (室, 户, 号房).
fn address_part_at(chars: &[char], at: usize) -> Option<(usize, usize, bool)> {
    let n = chars[at..]
        .iter()
        .take_while(|&&c| is_digit(c) || c.is_ascii_uppercase() || c == '-')
        .count();
    if !chars[at..at + n].iter().any(|&c| is_digit(c)) {
        return None;
    }
    let unit = ADDRESS_UNITS.iter().find(|u| starts_with(chars, at + n, u))?;
    Some((n, unit.chars().count(), matches!(*unit, "室" | "户" | "号房")))
}

/// The numbers of a dwelling's address (`3栋2单元501室`, `8号楼501`, `302室`) → `*栋*单元*室`;
/// a lone building or range (`第3-5栋`) is no one's address and is kept.
fn mask_address_numbers(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        // A chain of parts; a number right after the last unit is a room (`8号楼501`).
        let mut parts = Vec::new();
        let mut k = i;
        while let Some((n, u, room)) = address_part_at(chars, k) {
            parts.push((k, n, u, room));
            k += n + u;
        }
        let trailing = chars[k..].iter().take_while(|&&c| is_digit(c)).count();
        let personal = parts.len() >= 2 || parts.iter().any(|p| p.3) || (!parts.is_empty() && trailing >= 3);
        if !personal {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        for (at, n, u, _) in parts {
            out.push('*');
            out.extend_from_slice(&chars[at + n..at + n + u]);
        }
        if trailing > 0 {
            out.push('*');
        }
        i = k + trailing;
    }
    out
}

/// The given name of a respondent who is a person (`张三丰` → `三丰`; `欧阳娜娜` → `娜娜`):
/// texts mention people by it.
fn given_name(name: &str) -> Option<String> {
    let chars: Vec<char> = name.trim().chars().collect();
    if !(2..=4).contains(&chars.len()) || !chars.iter().all(|&c| is_han(c)) {
        return None;
    }
    let surname = COMPOUND_SURNAMES
        .iter()
        .find(|c| name.trim().starts_with(*c))
        .map(|c| c.chars().count())
        .or_else(|| is_surname(chars[0]).then_some(1))?;
    // A one-character given name (王平 → 平) is part of too many ordinary words to mask.
    let given: String = chars[surname..].iter().collect();
    (given.chars().count() >= 2).then_some(given)
}

/// The text with personal data removed: runs of 7 or more digits (phone numbers, also with
/// spaces/dashes inside like 138-0013-8000) → "***"; the respondent's own name(s) given in
/// `names` (user name, e.g. a company or person) → "**"; person names in common written forms
/// → surname + "**": a common surname followed by 1–2 Han characters and a title (先生, 女士,
/// 师傅, 经理, 主任, 科长, 站长, 所长, 工, 同志, 老师 …), e.g. "王建国师傅" → "王**师傅";
/// "姓名:张三"/"联系人张三"/"我叫李四"/"我是李四" → "张**"/"李**"; an existing "X某" is kept.
/// Ordinary words ("王府井", "天门市", "高新区", "周末施工", "谢谢师傅") are left alone.
pub fn anonymise(text: &str, names: &[&str]) -> String {
    let mut own: Vec<String> = names
        .iter()
        .map(|n| n.trim().to_string())
        .filter(|n| n.chars().count() >= 2)
        .collect();
    own.extend(names.iter().filter_map(|n| given_name(n)));
    own.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    let mut s = text.to_string();
    for name in own {
        s = s.replace(&name, "**");
    }
    let chars: Vec<char> = s.chars().collect();
    let chars = mask_emails(&chars);
    let chars = mask_handles(&chars);
    let chars = mask_digits(&chars);
    let chars = mask_address_numbers(&chars);
    let chars = mask_labelled(&chars);
    mask_titled(&chars).into_iter().collect()
}

const SENTENCE_END: &[char] = &['。', '！', '？', '!', '?', '；', ';'];
const CLAUSE_END: &[char] = &['，', ',', '、', '：', ':', ' '];

/// A short quote for a report: anonymised, whitespace collapsed, at most `max_chars`
/// characters (cut at a sentence or clause boundary where possible, else with "…").
pub fn quote(text: &str, names: &[&str], max_chars: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let anonymised = anonymise(&collapsed, names);
    let chars: Vec<char> = anonymised.chars().collect();
    if chars.len() <= max_chars {
        return anonymised;
    }
    if max_chars <= 1 {
        return "…".repeat(max_chars);
    }
    // a boundary counts only if it keeps at least half the room
    let min = max_chars.div_ceil(2);
    let trimmed = |end: usize| chars[..end].iter().collect::<String>().trim_end().to_string();
    if let Some(i) = (min.saturating_sub(1)..max_chars)
        .rev()
        .find(|&i| SENTENCE_END.contains(&chars[i]))
    {
        return trimmed(i + 1);
    }
    if let Some(i) = (min..max_chars).rev().find(|&i| CLAUSE_END.contains(&chars[i])) {
        return trimmed(i) + "…";
    }
    let mut end = max_chars - 1;
    while end > 0 && chars[end] == '*' && chars[end - 1] == '*' {
        end -= 1;
    }
    trimmed(end) + "…"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymise_masks_phone_numbers() {
        assert_eq!(anonymise("电话13800138000", &[]), "电话***");
        // The boundaries: a 7-digit local landline is a phone, 6 digits are not; separators of
        // up to three characters inside a number, not more.
        assert_eq!(anonymise("座机5221234找我", &[]), "座机***找我");
        assert_eq!(anonymise("编号522123找我", &[]), "编号522123找我");
        assert_eq!(anonymise("手机138  0013  8000", &[]), "手机***");
        assert_eq!(anonymise("手机138 - 0013 - 8000", &[]), "手机***");
        assert_eq!(anonymise("第138    0013号", &[]), "第138    0013号");
        assert_eq!(anonymise("打138-0013-8000找我", &[]), "打***找我");
        assert_eq!(anonymise("手机 138 0013 8000。", &[]), "手机 ***。");
        assert_eq!(anonymise("座机0728-5221234", &[]), "座机***");
        assert_eq!(anonymise("号码１３８００１３８０００", &[]), "号码***");
        assert_eq!(anonymise("身份证42900619800101123X", &[]), "身份证***");
    }

    #[test]
    fn anonymise_keeps_short_numbers_and_dates() {
        for text in [
            "等了15天",
            "打12345投诉",
            "2026年10月",
            "2026-10-15停水",
            "交了300元",
            "第3-5栋",
        ] {
            assert_eq!(anonymise(text, &[]), text);
        }
    }

    #[test]
    fn anonymise_masks_the_respondents_own_names() {
        assert_eq!(
            anonymise(
                "天门市某某食品有限公司反映水压低,张三说",
                &["天门市某某食品有限公司", "张三"]
            ),
            "**反映水压低,**说"
        );
        assert_eq!(anonymise("王府井", &["", " "]), "王府井");
    }

    #[test]
    fn anonymise_masks_names_before_titles() {
        assert_eq!(anonymise("王建国师傅来修过", &[]), "王**师傅来修过");
        for title in [
            "先生",
            "女士",
            "师傅",
            "经理",
            "主任",
            "科长",
            "站长",
            "所长",
            "工",
            "同志",
            "老师",
            "工程师",
        ] {
            assert_eq!(
                anonymise(&format!("找李明{title}。"), &[]),
                format!("找李**{title}。"),
                "{title}"
            );
            assert_eq!(
                anonymise(&format!("刘小红{title}说"), &[]),
                format!("刘**{title}说"),
                "{title}"
            );
        }
        assert_eq!(anonymise("感谢王建国师傅", &[]), "感谢王**师傅");
        assert_eq!(anonymise("向王建国站长反映", &[]), "向王**站长反映");
    }

    #[test]
    fn anonymise_masks_labelled_and_introduced_names() {
        assert_eq!(anonymise("姓名：张三,电话13800138000", &[]), "姓名：张**,电话***");
        assert_eq!(anonymise("姓名:欧阳娜娜", &[]), "姓名:欧**");
        assert_eq!(anonymise("联系人张三", &[]), "联系人张**");
        assert_eq!(anonymise("联系人张三电话0728-5221234", &[]), "联系人张**电话***");
        assert_eq!(anonymise("我叫李四,家里水压低", &[]), "我叫李**,家里水压低");
        assert_eq!(anonymise("我是李四。", &[]), "我是李**。");
        assert_eq!(anonymise("联系人张三师傅", &[]), "联系人张**师傅");
    }

    #[test]
    fn anonymise_keeps_existing_x_mou() {
        for text in ["王某师傅来过", "姓名:张某", "我是李某某", "联系人刘某"] {
            assert_eq!(anonymise(text, &[]), text);
        }
    }

    #[test]
    fn anonymise_never_touches_ordinary_words() {
        for text in [
            "王府井",
            "天门市",
            "高新区",
            "水压",
            "我是王府井小区的",
            "我是高新区的用户",
            "我是用户",
            "谢谢师傅",
            "感谢王师傅",
            "王师傅态度好",
            "向王站长反映过",
            "周末施工扰民",
            "马上师傅就来了",
            "这段时间经理不在",
            "工作人员态度好",
            "王总经理",
            "李副主任",
            "张港站长",
            "杨林街道站长",
            "白天经理不在",
            "十分钟后主任来了",
            "我是黄石人",
            "联系人不详",
            "联系人电话打不通",
            "高新区施工",
        ] {
            assert_eq!(anonymise(text, &[]), text);
        }
    }

    #[test]
    fn anonymise_masks_what_else_identifies_a_person() {
        for (text, masked) in [
            ("电话139.1234.5678", "电话***"),
            ("电话139/1234/5678", "电话***"),
            ("电话一三九一二三四五六七八", "电话***"),
            ("打幺三九幺二三四五六七八", "打***"),
            ("邮箱zhang.san@example.com,谢谢", "邮箱***,谢谢"),
            ("发到 li_si@qq.com", "发到 ***"),
            ("微信:wxid_abc123", "微信:***"),
            ("加我VX abc-12345", "加我VX ***"),
            ("QQ 12345678", "QQ ***"),
            ("住幸福小区3栋2单元501室", "住幸福小区*栋*单元*室"),
            ("8号楼501漏水", "*号楼*漏水"),
            ("302室停水", "*室停水"),
            ("欧阳娜娜经理不接电话", "欧阳**经理不接电话"),
            ("营业厅王小明态度差", "营业厅王**态度差"),
        ] {
            assert_eq!(anonymise(text, &[]), masked, "{text}");
        }
        // The respondent's given name, as texts call people.
        assert_eq!(anonymise("三丰说水压低", &["张三丰"]), "**说水压低");
        assert_eq!(anonymise("娜娜反映", &["欧阳娜娜"]), "**反映");
        // A one-character given name is not masked on its own: it is in ordinary words.
        assert_eq!(anonymise("水平太低,王平说", &["王平"]), "水平太低,**说");
        assert_eq!(anonymise("停水三天", &["张三"]), "停水三天");
        assert_eq!(anonymise("高 新区停水", &[]), "高 新区停水", "a space is no given name");
        // Kept: dates, amounts, a range of buildings, counts in Chinese numerals.
        for text in [
            "2026.10.15停水",
            "2026/10/15",
            "交了1.5万元",
            "第3-5栋停水",
            "等了一二三天",
            "三四个月",
        ] {
            assert_eq!(anonymise(text, &[]), text);
        }
    }

    proptest::proptest! {
        /// Whatever the mix, no generated piece of personal data survives anonymisation.
        #[test]
        fn no_personal_data_survives(
            pieces in proptest::collection::vec((0usize..9, 0usize..6, 0u64..100_000_000), 1..6),
            fillers in proptest::collection::vec(0usize..8, 1..6),
        ) {
            const FILLER: &[&str] = &["水压太低,", "报装太慢。", "希望改进", "营业厅", "停水三天", "收费不合理;", "热线打不通", "谢谢师傅"];
            const SEP: &[&str] = &["-", ".", "/", " ", "", "—"];
            const SURNAMES2: &[&str] = &["王", "李", "张", "刘", "陈", "欧阳", "司马"];
            const GIVEN2: &[&str] = &["小明", "建国", "娜娜", "丽华", "志强", "海燕"];
            const TITLES2: &[&str] = &["经理", "师傅", "主任", "先生", "女士"];
            let respondent = "赵海燕";
            let mut text = String::new();
            let mut secrets: Vec<String> = Vec::new();
            for (i, (kind, pick, n)) in pieces.iter().enumerate() {
                text.push_str(FILLER[fillers[i % fillers.len()]]);
                let sep = SEP[*pick];
                let piece = match kind {
                    0 => {
                        let d = format!("13{:09}", n % 1_000_000_000);
                        secrets.push(d.clone());
                        format!("{}{sep}{}{sep}{}", &d[..3], &d[3..7], &d[7..])
                    }
                    1 => {
                        let d = format!("13{:09}", n % 1_000_000_000);
                        secrets.push(d.clone());
                        let han: String = d.chars().map(|c| "〇一二三四五六七八九".chars().nth(c as usize - '0' as usize).unwrap()).collect();
                        secrets.push(han.clone());
                        han
                    }
                    2 => {
                        let user = format!("user{n}");
                        secrets.push(user.clone());
                        format!("邮箱{user}@example.com")
                    }
                    3 => {
                        let id = format!("wx_{n:06}");
                        secrets.push(id.clone());
                        format!("微信:{id}")
                    }
                    4 => {
                        let room = format!("{}0{}", n % 30 + 1, n % 9 + 1);
                        secrets.push(format!("{room}室"));
                        format!("{}栋{}单元{room}室", n % 20 + 1, n % 6 + 1)
                    }
                    5 => {
                        let given = GIVEN2[*pick];
                        secrets.push(given.to_string());
                        format!("{}{given}{}", SURNAMES2[(*n % 7) as usize], TITLES2[(*n % 5) as usize])
                    }
                    6 => {
                        let given = GIVEN2[*pick];
                        secrets.push(given.to_string());
                        format!("王{given}态度差")
                    }
                    7 => {
                        secrets.push("海燕".into());
                        "海燕说".to_string()
                    }
                    _ => {
                        secrets.push(respondent.into());
                        format!("我是{respondent}")
                    }
                };
                text.push_str(&piece);
            }
            let masked = anonymise(&text, &[respondent]);
            for secret in &secrets {
                proptest::prop_assert!(!masked.contains(secret.as_str()), "{secret} survived in {masked} (from {text})");
            }
        }
    }

    #[test]
    fn quote_returns_short_texts_whole_with_whitespace_collapsed() {
        assert_eq!(quote("  水压\n\n太低 ,\t希望改进  ", &[], 40), "水压 太低 , 希望改进");
        assert_eq!(quote("张建国师傅电话13800138000", &[], 40), "张**师傅电话***");
    }

    #[test]
    fn quote_cuts_at_a_sentence_boundary() {
        let q = quote("报装等了一个多月才通水。希望以后加快进度,别再拖了。", &[], 20);
        assert_eq!(q, "报装等了一个多月才通水。");
    }

    #[test]
    fn quote_cuts_at_a_clause_boundary_with_an_ellipsis() {
        let q = quote("报装等了一个多月才通水,希望以后加快进度别再拖了", &[], 16);
        assert_eq!(q, "报装等了一个多月才通水…");
    }

    #[test]
    fn quote_cuts_hard_with_an_ellipsis_when_there_is_no_boundary() {
        let q = quote("报装等了一个多月才通水希望以后加快进度别再拖了", &[], 10);
        assert_eq!(q, "报装等了一个多月才…");
        // never inside a mask
        let q = quote("一二三四五六七八13800138000", &[], 10);
        assert_eq!(q, "一二三四五六七八…");
    }

    #[test]
    fn quote_never_exceeds_the_limit() {
        let text = "水压低,经常停水。热线打不通!  王建国师傅说电话13800138000;等了很久,材料又多、手续繁琐";
        for max in 0..80 {
            let q = quote(text, &[], max);
            assert!(q.chars().count() <= max, "{max}: {q}");
            assert!(!q.contains("1380"), "{q}");
        }
    }
}
