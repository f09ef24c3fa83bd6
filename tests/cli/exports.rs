//! Exports of online survey platforms (问卷星, 腾讯问卷) read as they come (SPEC §6): each
//! layout in each answer form, built as the platforms write them — 问卷星's leading columns
//! 序号, 提交答卷时间 (`2026/9/5 14:23:11`, text), 所用时间 (`136秒`), 来源, 来源详情, 来自IP
//! (`183.192.16.69(湖北-天门)`), questions headed `1、…`, `(跳过)`/`(空)` in the text download
//! and -3 in the numbered one; 腾讯问卷's 编号, 开始答题时间, 结束答题时间 (`05-Sep-2026
//! 14:23:11`), 答题时长 in seconds, questions headed `1.…`, options written `A.是`, its own
//! metadata (地理位置…, IP, UA) after the questions, skipped answers left empty.

use serde_json::Value as Json;

use crate::support::*;

/// The annex questionnaire's questions as an enterprise types them on a platform: Q1–Q12
/// (some retyped a little), then D1–D4 as one matrix question.
const QUESTIONS: [&str; 12] = [
    "用水(用气)报装服务流程、服务标准、承诺办理时限、收费标准及有关政策信息,通过线下渠道(如营业厅)或线上渠道(如微信公众号、服务网站及手机APP等)是否便于获取?",
    "办理用水报装时,是否被一次性告知所需提供的所有申请材料?",
    "在用水(用气)报装过程中,供水企业是否安排人员主动上门提供“一对一”免费咨询及技术指导?",
    "在当地政务服务大厅是否可以申请办理用水(用气)报装,实行一站式服务?",
    "在当地是否可以通过政务服务网、鄂汇办、供水(供气)企业门户网站(公众号)、移动支付等多种平台、方式,实现“互联网+”线上办理和预约上门服务?",
    "在当地办理用水(用气)报装是否实现了“最多跑一次”?",
    "当地供水企业是否提供24小时在线业务咨询、故障报修、紧急事故抢险、投诉等服务?",
    "在当地办理用水(用气)报装,除报装申请表外,是否还提供了其他材料?",
    // Retyped: 的 and 业务 left out.
    "供水企业是否在承诺时限内按时办结报装?",
    "供水(供气)企业在办理报装业务过程中是否违规收取其他费用?",
    "供水(供气)企业在提供服务过程中是否存在推诿情况?",
    "您对供水(供气)企业的报装服务总体情况是否满意?",
];
const MATRIX: &str = "请您对以下方面作出评价";
const MATRIX_ROWS: [&str; 4] = [
    "企业形象评价",
    "产品质量评价(水质水压)",
    "服务质量评价",
    "意见与投诉处理评价",
];

/// One respondent: yes/no answers of Q1–Q11 (`None` skipped), grades (1 非常满意 … 5 非常不满意)
/// of Q12 and D1–D4 (`None` skipped).
struct Resp {
    name: &'static str,
    phone: &'static str,
    user_type: &'static str,
    yes_no: [Option<bool>; 11],
    grades: [Option<u8>; 5],
    opinion: Option<&'static str>,
    /// Day of September 2026 and the time of day it was submitted.
    day: u32,
}

/// Q1–Q11 all favourable (Q8, Q10, Q11 are 否), but for the given (question, answer) changes.
fn yes_no(changes: &[(usize, Option<bool>)]) -> [Option<bool>; 11] {
    let mut a: [Option<bool>; 11] = std::array::from_fn(|i| Some(![8, 10, 11].contains(&(i + 1))));
    for &(q, v) in changes {
        a[q - 1] = v;
    }
    a
}

/// Four respondents whose scores are worked out by hand in [`check_scores`].
fn respondents() -> Vec<Resp> {
    vec![
        Resp {
            name: "张三",
            phone: "13800000001",
            user_type: "居民用户",
            yes_no: yes_no(&[]),
            grades: [Some(1); 5],
            opinion: None,
            day: 3,
        },
        Resp {
            name: "天门市某某超市",
            phone: "13800000002",
            user_type: "工商业用户",
            yes_no: yes_no(&[(1, Some(false))]),
            grades: [Some(2); 5],
            opinion: Some("报装材料太多"),
            day: 5,
        },
        Resp {
            name: "李四",
            phone: "13800000003",
            user_type: "居民用户",
            yes_no: yes_no(&[(1, None), (2, Some(false))]),
            grades: [Some(3), None, Some(3), Some(3), Some(3)],
            opinion: None,
            day: 12,
        },
        Resp {
            name: "王五",
            phone: "0728-5221234",
            user_type: "居民用户",
            yes_no: yes_no(&[]),
            grades: [Some(4); 5],
            opinion: Some("水压低"),
            day: 28,
        },
    ]
}

const GRADES: [&str; 5] = ["非常满意", "满意", "一般", "不满意", "非常不满意"];

#[derive(Clone, Copy, PartialEq, Debug)]
enum Platform {
    Wjx,
    Tencent,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Form {
    /// 按选项文本 (腾讯问卷: `A.是`).
    Text,
    /// 按选项序号.
    Number,
}

/// The export of `people` as `platform` writes it in `form`; `enterprise_question` adds the
/// choice question a county office asks (which enterprise serves the user), naming `enterprise`.
fn export(platform: Platform, form: Form, people: &[Resp], enterprise_question: Option<&str>) -> Vec<Vec<C>> {
    let fill_ins = ["您的单位名称或姓名", "您的联系电话", "您的用户类型"];
    let mut header: Vec<String> = Vec::new();
    // 腾讯问卷 users put the fill-ins first here, so its question numbers are not the scheme's.
    let (first_q, first_fill) = match platform {
        Platform::Wjx => (1, 17),
        Platform::Tencent => (4, 1),
    };
    let number = |n: usize, text: &str| match platform {
        Platform::Wjx => format!("{n}、{text}"),
        Platform::Tencent => format!("{n}.{text}"),
    };
    let mut questions: Vec<String> = QUESTIONS
        .iter()
        .enumerate()
        .map(|(i, q)| number(first_q + i, q))
        .collect();
    let m = first_q + 12;
    for (k, r) in MATRIX_ROWS.iter().enumerate() {
        questions.push(match (platform, k) {
            (Platform::Wjx, 0) => format!("{}—{r}", number(m, MATRIX)),
            (Platform::Wjx, _) => r.to_string(),
            (Platform::Tencent, _) => format!("{}:{r}", number(m, MATRIX)),
        });
    }
    let mut fills: Vec<String> = fill_ins
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let f = if platform == Platform::Wjx && i < 2 {
                format!("{f} (填空题 *必答)")
            } else {
                f.to_string()
            };
            number(first_fill + i, &f)
        })
        .collect();
    let mut extra = first_fill.max(m + 1) + 3;
    if platform == Platform::Tencent {
        extra = m + 1;
    }
    if enterprise_question.is_some() {
        fills.push(number(extra, "为您服务的企业"));
        extra += 1;
    }
    fills.push(number(extra, "您的意见或投诉"));
    match platform {
        Platform::Wjx => {
            header.extend(["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"].map(String::from));
            header.extend(questions.iter().cloned());
            header.extend(fills.iter().cloned());
        }
        Platform::Tencent => {
            header.extend(["编号", "开始答题时间", "结束答题时间", "答题时长"].map(String::from));
            header.extend(fills[..3].iter().cloned());
            header.extend(questions.iter().cloned());
            header.extend(fills[3..].iter().cloned());
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
    }
    let mut rows = vec![header.iter().map(|h| s(h)).collect::<Vec<C>>()];
    let letter = |k: usize| (b'A' + k as u8) as char;
    for (n, p) in people.iter().enumerate() {
        let skipped = || match (platform, form) {
            (Platform::Wjx, Form::Text) => s("(跳过)"),
            (Platform::Wjx, Form::Number) => C::N(-3.0),
            (Platform::Tencent, _) => C::Blank,
        };
        let choice = |k: usize, text: &str| match (platform, form) {
            (_, Form::Number) => C::N(k as f64 + 1.0),
            (Platform::Wjx, Form::Text) => s(text),
            (Platform::Tencent, Form::Text) => C::S(format!("{}.{text}", letter(k))),
        };
        let mut answers: Vec<C> = p
            .yes_no
            .iter()
            .map(|a| match a {
                Some(true) => choice(0, "是"),
                Some(false) => choice(1, "否"),
                None => skipped(),
            })
            .collect();
        answers.extend(p.grades.iter().map(|g| match g {
            Some(g) => choice(*g as usize - 1, GRADES[*g as usize - 1]),
            None => skipped(),
        }));
        // The user type is a choice question too; its options in the template's order.
        let types = ["企事业单位", "工商业用户", "工矿企业", "居民用户", "其他"];
        let t = types.iter().position(|t| *t == p.user_type).unwrap();
        let user_type = match (platform, form) {
            (Platform::Tencent, Form::Text) => C::S(format!("{}.{}", letter(t), p.user_type)),
            (_, Form::Number) => C::N(t as f64 + 1.0),
            (_, Form::Text) => s(p.user_type),
        };
        let mut fill = vec![s(p.name), s(p.phone), user_type];
        if let Some(e) = enterprise_question {
            fill.push(match (platform, form) {
                (Platform::Tencent, Form::Text) => C::S(format!("B.{e}")),
                _ => s(e),
            });
        }
        fill.push(match (platform, p.opinion) {
            (_, Some(o)) => s(o),
            (Platform::Wjx, None) => s("(空)"),
            (Platform::Tencent, None) => C::Blank,
        });
        let seconds = 60 + 37 * n as u32;
        let mut row = Vec::new();
        match platform {
            Platform::Wjx => {
                row.push(C::N(n as f64 + 1.0));
                row.push(C::S(format!("2026/9/{} 14:23:{:02}", p.day, n * 7)));
                row.push(C::S(format!("{seconds}秒")));
                row.push(s("手机提交"));
                row.push(s("微信"));
                row.push(C::S(format!("183.95.160.{}(湖北-天门)", 10 + n)));
                row.extend(answers);
                row.extend(fill);
            }
            Platform::Tencent => {
                row.push(C::S(format!("{}", 100 - n)));
                row.push(C::S(format!("{:02}-Sep-2026 14:20:05", p.day)));
                row.push(C::S(format!("{:02}-Sep-2026 14:23:11", p.day)));
                row.push(C::S(seconds.to_string()));
                let rest = fill.split_off(3);
                row.extend(fill);
                row.extend(answers);
                row.extend(rest);
                row.extend(
                    [
                        "简体中文",
                        "未清洗",
                        "",
                        "中国",
                        "湖北省",
                        "天门市",
                        "微信",
                        "o86_0joQ",
                        "小明",
                        "",
                        "183***",
                        "Mozilla/5.0",
                        "",
                    ]
                    .map(C::from),
                );
            }
        }
        rows.push(row);
    }
    rows
}

/// scores.json's group.
fn group<'a>(doc: &'a Json, level: &str, key: &str) -> &'a Json {
    (doc["groups"].as_array().unwrap().iter())
        .find(|g| g["level"] == level && g["key"] == key)
        .unwrap_or_else(|| panic!("group {level}/{key}"))
}

/// The four respondents' scores, by hand (SPEC §3: a skipped answer is left out, not 0).
fn check_scores(g: &Json, what: &str) {
    let item = |id: &str| {
        (
            g["items"][id]["score"].as_f64().unwrap(),
            g["items"][id]["n"].as_i64().unwrap(),
        )
    };
    assert_eq!(g["n"], 4, "{what}");
    // Q1: 是, 否, skipped, 是 → 2 of 3.
    assert_eq!(item("Q1"), (66.67, 3), "{what}");
    // Q2: the third says 否 → 3 of 4.
    assert_eq!(item("Q2"), (75.0, 4), "{what}");
    // Q8 (否 favourable): all 否 → 100.
    assert_eq!(item("Q8"), (100.0, 4), "{what}");
    // Q12: 非常满意 100, 满意 80, 一般 60, 不满意 40.
    assert_eq!(item("Q12"), (70.0, 4), "{what}");
    // D1: the third skipped → (100 + 80 + 40) / 3.
    assert_eq!(item("D1"), (73.33, 3), "{what}");
    assert_eq!(item("D2"), (70.0, 4), "{what}");
    // Dimensions: 企业形象 Q3 Q10 Q11 D1; 产品质量 D2; 服务质量 Q1 Q2 Q4 Q5 Q6 Q8 Q9 Q12 D3;
    // 客户意见与投诉处理 Q7 D4 — equal weights.
    let image = (100.0 * 3.0 + 220.0 / 3.0) / 4.0;
    let product = 70.0;
    let service = (200.0 / 3.0 + 75.0 + 500.0 + 70.0 + 70.0) / 9.0;
    let complaints = (100.0 + 70.0) / 2.0;
    let composite: f64 = (image + product + service + complaints) / 4.0;
    let got = g["composite"].as_f64().unwrap();
    assert!(
        (got - (composite * 100.0).round() / 100.0).abs() < 1e-9,
        "{what}: {got} vs {composite}"
    );
}

fn all_forms() -> [(Platform, Form); 4] {
    [
        (Platform::Wjx, Form::Text),
        (Platform::Wjx, Form::Number),
        (Platform::Tencent, Form::Text),
        (Platform::Tencent, Form::Number),
    ]
}

#[test]
fn each_export_layout_in_each_answer_form_is_read_and_scored_by_hand() {
    for (platform, form) in all_forms() {
        let what = format!("{platform:?} {form:?}");
        let env = Env::new();
        // The enterprise's own survey: no 服务企业 question, the folder says who.
        let file = env.inbox("GS02/岳口供水_月度自评_2026-09.xlsx");
        write_xlsx(&file, "Sheet1", &export(platform, form, &respondents(), None));
        let check = env.run(&["check", file.to_str().unwrap()]);
        let said = stdout(&check);
        assert_eq!(code(&check), 0, "{what}: check\n{said}{}", stderr(&check));
        assert!(!said.contains("错误"), "{what}: {said}");
        let name = if platform == Platform::Wjx {
            "问卷星"
        } else {
            "腾讯问卷"
        };
        assert!(
            said.contains(&format!("工作表“Sheet1”是{name}导出的答卷")),
            "{what}: {said}"
        );
        assert!(!said.contains("缺少题目列"), "{what}: every question found\n{said}");
        // Q9 was retyped: read by likeness, and named for checking (the others are its words).
        let checked = said
            .lines()
            .find(|l| l.contains("按最相近的题目读取"))
            .unwrap_or_default();
        assert!(
            checked.contains("→ Q9") && checked.matches('→').count() == 1,
            "{what}: {said}"
        );
        if form == Form::Number {
            assert_eq!(
                said.matches("是按选项序号下载的").count(),
                1,
                "{what}: said once\n{said}"
            );
        }
        let o = env.run(&["run"]);
        assert_eq!(code(&o), 0, "{what}: {}{}", stdout(&o), stderr(&o));
        let doc = scores(&env, "2026-09");
        check_scores(group(&doc, "enterprise", "GS02"), &what);
        // The submission time's date is the survey date; the enterprise's county stands in
        // for the missing 所属县市.
        assert_eq!(
            env.count(
                "SELECT count(*) FROM response WHERE enterprise = 'GS02' AND county = '岳口镇' \
                 AND survey_date IN ('2026-09-03', '2026-09-05', '2026-09-12', '2026-09-28')"
            ),
            4,
            "{what}"
        );
        assert_eq!(
            env.count(
                "SELECT count(*) FROM response WHERE user_name = '王五' AND phone = '07285221234' \
                 AND user_type = '居民用户' AND opinion = '水压低'"
            ),
            1,
            "{what}: the fill-in questions read by meaning"
        );
        // (空) is a blank opinion, not the text “(空)”.
        assert_eq!(
            env.count("SELECT count(*) FROM response WHERE opinion IS NOT NULL"),
            2,
            "{what}"
        );
    }
}

#[test]
fn a_county_office_export_takes_the_office_county_and_a_month_from_its_dates() {
    let env = Env::new();
    // No 所属期 in the name: the dates (all in September) say it, and the feedback says so.
    let file = env.inbox("JL/竟陵街道_月度自评.xlsx");
    write_xlsx(
        &file,
        "Sheet1",
        &export(
            Platform::Wjx,
            Form::Text,
            &respondents(),
            Some("天门市岳口供水有限公司"),
        ),
    );
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let doc = scores(&env, "2026-09");
    check_scores(group(&doc, "enterprise", "GS02"), "county office");
    // No 所属县市 column: the county office's own county, not the enterprise's (岳口镇).
    assert_eq!(group(&doc, "county", "竟陵街道")["n"], 4);
    assert_eq!(env.count("SELECT count(*) FROM response WHERE county = '岳口镇'"), 0);
    assert!(stdout(&o).contains("按调查日期"), "{}", stdout(&o));
    let (guide, _) = feedback_workbook(&env, "2026-09", "2026年9月", "竟陵街道");
    assert!(
        guide.contains("没有写明所属期,按调查日期(全部 4 行都在 2026年9月)取为 2026年9月"),
        "the submitter is told the month taken: {guide}"
    );
}

#[test]
fn a_platform_file_name_is_no_period() {
    // 腾讯问卷 names the download by its survey and the download time (October): the dates say
    // September.
    let env = Env::new();
    let file = env.inbox("GS02/14470283_202610011030120001.xlsx");
    write_xlsx(
        &file,
        "Sheet1",
        &export(Platform::Tencent, Form::Text, &respondents(), None),
    );
    let o = env.run(&["check", file.to_str().unwrap()]);
    let said = stdout(&o);
    assert_eq!(code(&o), 0, "{said}");
    assert!(
        said.contains("月度自评 2026-09,有效 4 行") && said.contains("按调查日期"),
        "{said}"
    );
}

#[test]
fn dates_across_months_without_a_period_are_refused_with_the_spread() {
    let env = Env::new();
    let mut people = respondents();
    people[3].day = 40; // not a September day: written below as October's
    let mut rows = export(Platform::Wjx, Form::Text, &people, None);
    rows[4][1] = s("2026/10/2 09:01:00");
    let file = env.inbox("GS02/岳口供水_月度自评.xlsx");
    write_xlsx(&file, "Sheet1", &rows);
    let o = env.run(&["check", file.to_str().unwrap()]);
    let said = stdout(&o);
    assert_eq!(code(&o), 3, "{said}");
    assert!(
        said.contains("未写明所属期") && said.contains("2026年9月 3 行") && said.contains("2026年10月 1 行"),
        "{said}"
    );
}

#[test]
fn a_question_missing_or_renamed_beyond_recognition_is_named() {
    let env = Env::new();
    let mut rows = export(Platform::Tencent, Form::Text, &respondents(), None);
    // Q5's column reworded past recognition, Q9's (number 12 on this platform) dropped.
    let q5 = rows[0]
        .iter()
        .position(|c| matches!(c, C::S(t) if t.starts_with("8.在当地是否可以通过")))
        .unwrap();
    rows[0][q5] = s("8.您是否在网上办过业务");
    let q9 = rows[0]
        .iter()
        .position(|c| matches!(c, C::S(t) if t.starts_with("12.")))
        .unwrap();
    for r in rows.iter_mut() {
        r.remove(q9);
    }
    let file = env.inbox("GS02/岳口供水_月度自评_2026-09.xlsx");
    write_xlsx(&file, "Sheet1", &rows);
    let o = env.run(&["check", file.to_str().unwrap()]);
    let said = stdout(&o);
    assert_eq!(code(&o), 0, "{said}");
    assert!(
        said.contains("缺少题目列 Q5(“互联网+”线上办理)、Q9(承诺时限内办结)"),
        "the platform's numbers 8 and 12 are not taken for Q8 and Q12's neighbours: {said}"
    );
    assert!(
        said.contains("8.您是否在网上办过业务"),
        "the unread column is named: {said}"
    );
}

#[test]
fn platform_like_columns_do_not_make_a_template_return_an_export() {
    // A template return with columns a platform also has (来源, 填写人, 总分, 审核状态, 答题时长):
    // it has its 调查日期 and no platform's submission time, so it is no export — 1 is still 是
    // and 5 非常满意, and 用户类型 is the user's.
    let env = Env::new();
    let mut rows = monthly(2);
    rows[4].extend(["来源", "填写人", "总分", "审核状态", "答题时长"].map(s));
    for r in rows.iter_mut().skip(5) {
        r[11] = C::N(1.0); // Q1
        r[22] = C::N(5.0); // Q12
        r.extend(["微信", "王某", "95", "通过", "120"].map(s));
    }
    write_xlsx(&env.inbox("JL/竟陵街道_月度自评_2026-10.xlsx"), "调查问卷", &rows);
    assert_eq!(code(&env.run(&["run"])), 0);
    let doc = scores(&env, "2026-10");
    let g = group(&doc, "enterprise", "GS01");
    assert_eq!(g["items"]["Q1"]["score"], 100.0);
    assert_eq!(g["items"]["Q12"]["score"], 100.0);
}

#[test]
fn the_template_guide_names_the_questions_an_export_is_read_by() {
    let env = Env::new();
    let path = env.path("月度自评.xlsx");
    let o = env.run(&["template", "--kind", "monthly", "-o", path.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    use calamine::{Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let guide: String = (wb.worksheet_range("填报说明").unwrap().rows().flatten())
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    // The questions the fixtures above add, as the guide tells an enterprise to add them.
    for q in [
        "“您的单位名称或姓名”",
        "“您的联系电话”",
        "“您的用户类型”",
        "“为您服务的企业”",
        "“您的意见或投诉”",
    ] {
        assert!(guide.contains(q), "{q} in the guide:\n{guide}");
    }
    assert!(guide.contains("是否题的选项依次为 是、否") && guide.contains("非常满意、满意、一般、不满意、非常不满意"));
    assert!(guide.contains("按选项文本下载"), "{guide}");
}

#[test]
fn a_multi_sheet_export_reads_its_answer_sheet() {
    // A statistics sheet first (as a platform's 统计 download has), the answers after it.
    let env = Env::new();
    let stats: Vec<Vec<C>> = vec![
        vec![s("第1题:用水(用气)报装服务流程…是否便于获取? [单选题]")],
        vec![s("选项"), s("小计"), s("比例")],
        vec![s("是"), C::N(3.0), s("75%")],
        vec![s("否"), C::N(1.0), s("25%")],
        vec![s("本题有效填写人次"), C::N(4.0)],
    ];
    let answers = export(Platform::Wjx, Form::Text, &respondents(), None);
    let file = env.inbox("GS02/岳口供水_月度自评_2026-09.xlsx");
    write_xlsx_sheets(&file, &[("统计", &stats), ("答卷数据", &answers)]);
    let o = env.run(&["check", file.to_str().unwrap()]);
    let said = stdout(&o);
    assert_eq!(code(&o), 0, "{said}");
    assert!(said.contains("有效 4 行") && !said.contains("只读取了工作表"), "{said}");
}

#[test]
fn the_samples_hold_one_export_of_each_platform_read_as_it_came() {
    let env = Env::samples();
    for (file, platform, rows) in [
        ("RQ02/皂市燃气_月度自评_2026-08.xlsx", "问卷星", "有效 55 行,问题 1 处"),
        ("YK/岳口镇_月度自评_2026-08.xlsx", "腾讯问卷", "有效 51 行,问题 0 处"),
    ] {
        let o = env.run(&["check", env.inbox(file).to_str().unwrap()]);
        let said = stdout(&o);
        assert!(said.contains(&format!("是{platform}导出的答卷")), "{file}: {said}");
        assert!(said.contains(rows), "{file}: {said}");
        assert!(!said.contains("缺少题目列"), "{file}: {said}");
        // The gas enterprise's 用气报装 for 用水(用气)报装 is the question's own words.
        assert!(!said.contains("按最相近的题目读取"), "{file}: {said}");
    }
}

#[test]
fn an_added_question_like_a_scheme_question_does_not_take_its_place() {
    // The enterprise added its own question before Q1, worded much like Q12, answered 非常不满意
    // by all: Q12 is still the column with Q12's words.
    let env = Env::new();
    let mut rows = export(Platform::Wjx, Form::Text, &respondents(), None);
    for (k, r) in rows.iter_mut().enumerate() {
        let cell = if k == 0 {
            s("1、您对供水企业的维修服务总体情况是否满意?")
        } else {
            s("非常不满意")
        };
        r.insert(6, cell);
    }
    let file = env.inbox("GS02/岳口供水_月度自评_2026-09.xlsx");
    write_xlsx(&file, "Sheet1", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("1、您对供水企业的维修服务总体情况是否满意?"),
        "named as not read: {}",
        stdout(&o)
    );
    check_scores(group(&scores(&env, "2026-09"), "enterprise", "GS02"), "added question");
}

#[test]
fn star_ratings_in_a_text_download_and_bracketed_matrix_rows_are_read() {
    // A 腾讯问卷 text download whose D1 is a five-star rating (5 stars 非常满意), and a 问卷星
    // numbered download whose matrix columns are headed `13(企业形象评价)`.
    let env = Env::new();
    let mut stars = export(Platform::Tencent, Form::Text, &respondents(), None);
    let d1 = stars[0]
        .iter()
        .position(|c| matches!(c, C::S(t) if t.ends_with(":企业形象评价")))
        .unwrap();
    for (r, p) in stars.iter_mut().skip(1).zip(respondents()) {
        r[d1] = p.grades[1].map_or(C::Blank, |g| C::N(6.0 - f64::from(g)));
    }
    write_xlsx(&env.inbox("GS02/岳口供水_月度自评_2026-09.xlsx"), "Sheet1", &stars);
    assert_eq!(code(&env.run(&["run"])), 0);
    check_scores(group(&scores(&env, "2026-09"), "enterprise", "GS02"), "stars");

    let env = Env::new();
    let mut numbered = export(Platform::Wjx, Form::Number, &respondents(), None);
    for (k, title) in MATRIX_ROWS.iter().enumerate() {
        let col = numbered[0]
            .iter()
            .position(|c| matches!(c, C::S(t) if t.ends_with(title)))
            .unwrap();
        numbered[0][col] = C::S(format!("13({title})"));
        assert!(k < 4);
    }
    write_xlsx(&env.inbox("GS02/岳口供水_月度自评_2026-09.xlsx"), "Sheet1", &numbered);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    check_scores(
        group(&scores(&env, "2026-09"), "enterprise", "GS02"),
        "bracketed matrix",
    );
}

#[test]
fn a_numbered_download_whose_first_rows_have_few_answers_waits_for_one_that_tells() {
    // The first respondent skipped all but Q12 (option 1, 非常满意) and D1 (option 2, 满意):
    // read as option numbers once the next row shows the download is numbered.
    let env = Env::new();
    let mut people = respondents();
    people.insert(
        0,
        Resp {
            name: "赵六",
            phone: "13800000009",
            user_type: "居民用户",
            yes_no: [None; 11],
            grades: [Some(1), Some(2), None, None, None],
            opinion: None,
            day: 2,
        },
    );
    let file = env.inbox("GS02/岳口供水_月度自评_2026-09.xlsx");
    write_xlsx(&file, "Sheet1", &export(Platform::Wjx, Form::Number, &people, None));
    assert_eq!(code(&env.run(&["run"])), 0);
    let answers: String = env
        .db()
        .query_row("SELECT answers FROM response WHERE user_name = '赵六'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        answers.contains("非常满意") && answers.contains("满意") && !answers.contains("不满意"),
        "{answers}"
    );
}

#[test]
fn platform_numbers_written_as_q_numbers_decide_nothing() {
    // 腾讯问卷 headed `Q4.用水(用气)报装…`: the fill-ins come first, so Q4 is Q1's words.
    let env = Env::new();
    let mut rows = export(Platform::Tencent, Form::Text, &respondents(), None);
    for c in rows[0].iter_mut() {
        if let C::S(t) = c
            && let Some((n, rest)) = t.split_once('.')
            && n.chars().all(|c| c.is_ascii_digit())
        {
            *t = format!("Q{n}.{rest}");
        }
    }
    write_xlsx(&env.inbox("GS02/岳口供水_月度自评_2026-09.xlsx"), "Sheet1", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    check_scores(group(&scores(&env, "2026-09"), "enterprise", "GS02"), "Q-numbered");
}

#[test]
fn two_columns_only_alike_to_one_question_give_it_neither() {
    // Q12 retyped, and an added question about as alike to Q12: which is Q12 cannot be told.
    let env = Env::new();
    let mut rows = export(Platform::Wjx, Form::Text, &respondents(), None);
    let q12 = rows[0]
        .iter()
        .position(|c| matches!(c, C::S(t) if t.starts_with("12、")))
        .unwrap();
    rows[0][q12] = s("12、您对燃气公司的报装服务总体情况是否满意?");
    for (k, r) in rows.iter_mut().enumerate() {
        r.insert(
            6,
            if k == 0 {
                s("1、您对供气企业的服务总体情况是否满意?")
            } else {
                s("非常满意")
            },
        );
    }
    let file = env.inbox("GS02/岳口供水_月度自评_2026-09.xlsx");
    write_xlsx(&file, "Sheet1", &rows);
    let said = stdout(&env.run(&["check", file.to_str().unwrap()]));
    assert!(said.contains("缺少题目列 Q12"), "{said}");
    assert!(
        said.contains("1、您对供气企业的服务总体情况是否满意?")
            && said.contains("12、您对燃气公司的报装服务总体情况是否满意?"),
        "both named as not read: {said}"
    );
}

#[test]
fn template_returns_read_as_before() {
    // What an export reads its own way, a template return reads as it always did: a platform's
    // marker is no blank, a number before a question's words decides, a county office's rows
    // without 所属县市 take the enterprise's county, a period in a file name's date is read.
    let env = Env::new();
    let mut rows = monthly(2);
    rows[4][11] = s("1、在当地是否可以通过政务服务网、鄂汇办办理?"); // Q1's number, Q5's words
    rows[4].remove(10); // 所属县市
    for r in rows.iter_mut().skip(5) {
        r.remove(10);
        r[9] = s("天门市岳口供水有限公司");
    }
    rows[6][12] = s("(空)"); // Q2 of the second row
    for r in rows.iter_mut().take(4) {
        r.clear();
    }
    rows[0] = vec![s("填报单位"), s("竟陵街道")];
    write_xlsx(&env.inbox("JL/竟陵街道_月度自评_20261005.xlsx"), "调查问卷", &rows);
    let o = env.run(&["run"]);
    let said = stdout(&o);
    assert_eq!(code(&o), 3, "{said}");
    assert!(
        said.contains("“(空)”") || env.count("SELECT count(*) FROM row_issue WHERE value = '(空)'") == 1,
        "{said}"
    );
    assert_eq!(
        env.count("SELECT count(*) FROM response WHERE county = '岳口镇'"),
        1,
        "{said}"
    );
    // Had the words decided, the column would be Q5 and the template's own Q5 column a repeat,
    // with Q1 missing.
    assert!(!said.contains("重复的列") && !said.contains("缺少题目列"), "{said}");
    assert_eq!(scores(&env, "2026-10")["period"], "2026-10");
}

/// Opens the workbook `from` as a clerk would (openpyxl edits the very file, as Excel does) and
/// saves it as `to`: on its data sheet, in the row that names `user`, the column whose header
/// holds `heading` gets `value`.
const CORRECT: &str = r#"
import sys, openpyxl
src, dst, user, heading, value = sys.argv[1:6]
wb = openpyxl.load_workbook(src)
ws = wb.worksheets[1]
head = next(r for r in ws.iter_rows() if any(isinstance(c.value, str) and heading in c.value for c in r))
col = next(c.column for c in head if isinstance(c.value, str) and heading in c.value)
row = next(r[0].row for r in ws.iter_rows(min_row=head[0].row + 1) if any(c.value == user for c in r))
ws.cell(row=row, column=col, value=value)
wb.save(dst)
"#;

#[test]
fn a_clerk_corrects_an_export_in_its_feedback_and_sends_it_back() {
    let python = std::env::var_os("UTILITY_EVAL_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(REPO).join(".venv/bin/python"));
    if !std::process::Command::new(&python)
        .args(["-c", "import openpyxl"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        missing("openpyxl");
        return;
    }
    // The enterprise's 问卷星 export: 王五's user type typed as 农业用户, no such type.
    let env = Env::new();
    let mut people = respondents();
    people[3].user_type = "其他";
    let mut rows = export(Platform::Wjx, Form::Text, &people, None);
    let col = rows[0]
        .iter()
        .position(|c| matches!(c, C::S(t) if t.contains("您的用户类型")))
        .unwrap();
    rows[4][col] = s("农业用户");
    let sent = env.inbox("GS02/岳口供水_月度自评_2026-09.xlsx");
    write_xlsx(&sent, "Sheet1", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}", stdout(&o));
    assert_eq!(
        scores(&env, "2026-09")["groups"][0]["n"],
        3,
        "the three good rows count meanwhile"
    );

    // The feedback marks the cell; the clerk corrects it there and drops the file back.
    let (guide, reasons) = feedback_workbook(&env, "2026-09", "2026年9月", "天门市岳口供水有限公司");
    assert!(guide.contains("岳口供水_月度自评_2026-09.xlsx"), "{guide}");
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].1.contains("农业用户") && reasons[0].1.contains("用户类型"),
        "{reasons:?}"
    );
    let feedback = env.path("reports/2026-09/退回意见/2026年9月天门市岳口供水有限公司报表退回意见.xlsx");
    let back = env.inbox("GS02/2026年9月天门市岳口供水有限公司报表退回意见.xlsx");
    let o = std::process::Command::new(&python)
        .args(["-c", CORRECT])
        .arg(&feedback)
        .arg(&back)
        .args(["王五", "您的用户类型", "居民用户"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = env.run(&["run"]);
    let said = stdout(&o);
    assert_eq!(code(&o), 0, "{said}");
    assert!(
        said.contains("替代了") && said.contains("问卷星"),
        "the corrected export replaces the first: {said}"
    );
    check_scores(group(&scores(&env, "2026-09"), "enterprise", "GS02"), "corrected");
    assert!(!feedback.exists(), "nothing left to correct: the feedback is gone");
}
