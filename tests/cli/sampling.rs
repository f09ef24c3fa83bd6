//! Quarterly call-back sampling: draw, call-back workbook, and the call-back tracked back.

use calamine::{Reader, Xlsx, open_workbook};

use crate::support::*;

/// The call-back workbook's users: (name, type, phone, enterprise, county) by header label.
fn callback_users(path: &std::path::Path) -> Vec<[String; 5]> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let data = wb.worksheet_range("调查问卷").unwrap();
    let rows: Vec<Vec<String>> = data.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let h = rows
        .iter()
        .position(|r| r.first().is_some_and(|c| c == "序号"))
        .unwrap();
    let col = |label: &str| {
        rows[h]
            .iter()
            .position(|c| c == label)
            .unwrap_or_else(|| panic!("{label}"))
    };
    let cols = [
        col("用户名称"),
        col("用户类型"),
        col("联系电话"),
        col("服务企业"),
        col("所属县市"),
    ];
    let method = col("调查方式");
    rows[h + 1..]
        .iter()
        .filter(|r| !r[cols[0]].is_empty())
        .map(|r| {
            assert_eq!(r[method], "电话回访");
            cols.map(|c| r[c].clone())
        })
        .collect()
}

#[test]
fn the_same_seed_draws_the_same_users_and_recent_ones_are_left_out() {
    let env = Env::ran_samples();
    let draw = |seed: &str, out: &str| {
        let o = env.run(&[
            "sample",
            "--quarter",
            "2026Q3",
            "--per-enterprise",
            "5",
            "--seed",
            seed,
            "--exclude-quarters",
            "0",
            "--out",
            out,
        ]);
        assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
        callback_users(&env.path(out))
    };
    let a = draw("11", "a.xlsx");
    let b = draw("11", "b.xlsx");
    let c = draw("12", "c.xlsx");
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.len(), 10, "5 for each of the two enterprises in 竟陵街道's frame");
    // A quarter without a sample frame cannot be drawn.
    let next = env.run(&["sample", "--quarter", "2026Q4", "--per-enterprise", "5"]);
    assert_eq!(code(&next), 1);
    assert!(stderr(&next).contains("还没有已接收的样本名单"), "{}", stderr(&next));
}

#[test]
fn a_margin_of_error_sizes_each_enterprise_from_its_frame() {
    let env = Env::ran_samples();
    let o = env.run(&[
        "sample",
        "--quarter",
        "2026Q3",
        "--margin",
        "0.1",
        "--seed",
        "5",
        "--out",
        "m.xlsx",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // By hand, frames of 30 and 26 users: n0 = 1.96² × 0.25 / 0.01 = 96.04;
    // n = 96.04 / (1 + 95.04 / 30) = 23.05 → 24; 96.04 / (1 + 95.04 / 26) = 20.62 → 21.
    let out = stdout(&o);
    assert!(
        out.contains("名单 30 人,抽取 24 人") && out.contains("名单 26 人,抽取 21 人"),
        "{out}"
    );
    assert_eq!(callback_users(&env.path("m.xlsx")).len(), 45);
}

#[test]
fn the_call_back_comes_back_through_the_inbox_with_rates_and_flags() {
    let env = Env::ran_samples();
    let o = env.run(&[
        "sample",
        "--quarter",
        "2026Q3",
        "--per-enterprise",
        "4",
        "--seed",
        "3",
        "--surveyors",
        "2",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let book = env.path("reports/2026Q3/2026年第3季度抽查回访表.xlsx");
    let users = callback_users(&book);
    assert_eq!(users.len(), 8);
    // The surveyors fill it in: every drawn user but the last answers; one more user who was
    // not drawn is called too.
    let mut rows = meta("天门市住房和城乡建设局", "季度抽查", "2026Q3");
    rows.push(header());
    for (i, u) in users.iter().take(7).enumerate() {
        let mut r = row(i as u32 + 1, "2026-08-20", &u[3]);
        r[2] = s("电话回访");
        r[3] = s(&u[0]);
        r[4] = s(&u[1]);
        r[7] = s(&u[2]);
        r[8] = s(if u[3].contains("燃气") || u[3].contains("天然气") {
            "供气"
        } else {
            "供水"
        });
        r[10] = s(&u[4]);
        rows.push(r);
    }
    // The last drawn user could not be reached: the row comes back as pre-filled, no date, no
    // answer.
    let mut unreached = vec![C::Blank; 29];
    unreached[0] = C::N(8.0);
    unreached[2] = s("电话回访");
    unreached[3] = s(&users[7][0]);
    unreached[4] = s(&users[7][1]);
    unreached[7] = s(&users[7][2]);
    unreached[9] = s(&users[7][3]);
    rows.push(unreached);
    let mut extra = row(9, "2026-08-21", &users[0][3]);
    extra[3] = s("没有抽到的用户有限公司");
    extra[8] = s(if users[0][3].contains("燃气") || users[0][3].contains("天然气") {
        "供气"
    } else {
        "供水"
    });
    rows.push(extra);
    write_xlsx(&env.inbox("SZJJ/回访结果_2026Q3.xlsx"), "调查问卷", &rows);
    let o = env.run(&["run"]);
    assert!(matches!(code(&o), 0 | 3), "{}{}", stdout(&o), stderr(&o));
    let scores: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("reports/2026Q3/scores.json")).unwrap()).unwrap();
    let sampling = &scores["sampling"];
    assert_eq!(sampling["seed"], 3);
    assert_eq!(sampling["not_drawn_responses"], 1, "{sampling}");
    let enterprises = sampling["enterprises"].as_array().unwrap();
    let drawn: u64 = enterprises.iter().map(|e| e["drawn"].as_u64().unwrap()).sum();
    let answered: u64 = enterprises.iter().map(|e| e["answered"].as_u64().unwrap()).sum();
    assert_eq!((drawn, answered), (8, 7), "{sampling}");
    let last = &users[7][3];
    for e in enterprises {
        let (d, a) = (e["drawn"].as_u64().unwrap(), e["answered"].as_u64().unwrap());
        assert_eq!(d, 4);
        let expected = if e["name"].as_str() == Some(last.as_str()) {
            3
        } else {
            4
        };
        assert_eq!(a, expected, "{e}");
        assert_eq!(e["response_rate"].as_f64().unwrap(), a as f64 * 100.0 / 4.0);
    }
    // The user who was not drawn is flagged in the city bureau's feedback.
    let feedback = env.files("reports/2026Q3/退回意见");
    assert_eq!(feedback.len(), 1, "{feedback:?}");
    let mut wb: Xlsx<_> = open_workbook(env.path("reports/2026Q3/退回意见").join(&feedback[0])).unwrap();
    let first = wb.sheet_names()[0].clone();
    let guide: String = wb
        .worksheet_range(&first)
        .unwrap()
        .rows()
        .flatten()
        .map(|c| c.to_string())
        .collect();
    // Rows: 3 metadata and a blank, the header (5), 7 answers (6–12), the unreached user (13,
    // not an error), the extra user (14).
    assert!(guide.contains("非抽样用户") && guide.contains("第 14 行"), "{guide}");
    let db = env.db();
    let rejected: i64 = db
        .query_row(
            "SELECT rows_rejected FROM submission WHERE original_name LIKE '%回访结果%' AND status = 'accepted'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rejected, 0, "an unreached user is no error");
    // status follows the draw.
    let status = stdout(&env.run(&["status", "--period", "2026Q3"]));
    assert!(
        status.contains("抽取 8 人") && status.contains("已回访 7 人"),
        "{status}"
    );
}

/// The data sheet of a workbook as it was written: every cell as text or number.
fn sheet_cells(path: &std::path::Path) -> Vec<Vec<C>> {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let data = wb.worksheet_range("调查问卷").unwrap();
    data.rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    calamine::Data::Empty => C::Blank,
                    calamine::Data::Float(x) => C::N(*x),
                    calamine::Data::Int(x) => C::N(*x as f64),
                    other => C::S(other.to_string()),
                })
                .collect()
        })
        .collect()
}

fn text(c: &C) -> String {
    match c {
        C::S(s) => s.clone(),
        C::N(x) => x.to_string(),
        _ => String::new(),
    }
}

#[test]
fn a_user_not_reached_comes_back_with_its_reason_and_counts_in_the_call_back() {
    // Issue 17 item 21: the call-back workbook had no column for why a user was not reached,
    // so 未接通 or 空号 typed into 意见或投诉 was lost, and the quarter said nothing of them; and
    // its file name said 季度季度.
    let env = Env::ran_samples();
    let o = env.run(&["sample", "--quarter", "2026Q3", "--per-enterprise", "5", "--seed", "9"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let book = env.path("reports/2026Q3/2026年第3季度抽查回访表.xlsx");
    assert!(book.is_file(), "{:?}", env.files("reports/2026Q3"));
    let mut rows = sheet_cells(&book);
    let h = rows
        .iter()
        .position(|r| r.first().is_some_and(|c| text(c) == "序号"))
        .unwrap();
    let header: Vec<String> = rows[h].iter().map(text).collect();
    let col = |label: &str| {
        header
            .iter()
            .position(|c| c == label || c.starts_with(&format!("{label}\n")))
            .unwrap_or_else(|| panic!("{label} in {header:?}"))
    };
    let reason = col("未回访原因");
    // The column has its dropdown: the list on the hidden 代码表 sheet, and a validation over
    // the column's rows.
    let mut wb: Xlsx<_> = open_workbook(&book).unwrap();
    let codes = wb.worksheet_range("代码表").unwrap();
    let codes: Vec<Vec<String>> = codes
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let list = codes[0].iter().position(|c| c == "未回访原因").unwrap();
    let values: Vec<&str> = codes[1..]
        .iter()
        .map(|r| r[list].as_str())
        .filter(|v| !v.is_empty())
        .collect();
    assert_eq!(values, ["未接通", "空号", "拒访", "停机", "其他"]);
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip::ZipArchive::new(std::fs::File::open(&book).unwrap())
            .unwrap()
            .by_name("xl/worksheets/sheet2.xml")
            .unwrap(),
        &mut xml,
    )
    .unwrap();
    let letter = (b'A' + reason as u8) as char;
    let list_letter = (b'A' + list as u8) as char;
    assert!(
        xml.contains(&format!("sqref=\"{letter}{}:{letter}{}\"", h + 2, h + 11))
            && xml.contains(&format!("代码表!${list_letter}$2:${list_letter}$6")),
        "{xml}"
    );

    // The surveyors: five users answer; three are not reached (two by the new column, one the
    // old way, in words in 意见或投诉); one has both a reason and answers; one is not called yet.
    let users: Vec<usize> = (h + 1..rows.len())
        .filter(|&r| !text(&rows[r][col("用户名称")]).is_empty())
        .collect();
    assert_eq!(users.len(), 10);
    let answer = |rows: &mut Vec<Vec<C>>, r: usize| {
        rows[r].resize(header.len(), C::Blank);
        rows[r][col("调查日期")] = s("2026-08-20");
        for (c, label) in header.iter().enumerate() {
            let id = label.split('\n').next().unwrap();
            let v = match id {
                "Q8" | "Q10" | "Q11" => "否",
                "Q12" | "D1" | "D2" | "D3" | "D4" => "满意",
                q if q.starts_with('Q') && q.len() <= 3 => "是",
                _ => continue,
            };
            rows[r][c] = s(v);
        }
    };
    for &r in &users[..5] {
        answer(&mut rows, r);
    }
    for &r in &users[5..] {
        rows[r].resize(header.len(), C::Blank);
    }
    rows[users[5]][reason] = s("未接通");
    rows[users[6]][reason] = s("空号");
    rows[users[6]][col("意见或投诉")] = s("号码已注销");
    rows[users[7]][col("意见或投诉")] = s("拒绝回访。");
    answer(&mut rows, users[8]);
    rows[users[8]][reason] = s("停机");
    let enterprise_of = |r: usize| text(&rows[r][col("服务企业")]);
    write_xlsx(
        &env.inbox("SZJJ/2026年第3季度抽查回访表(已回访).xlsx"),
        "调查问卷",
        &rows,
    );
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("1 行有问题已退回"), "{}", stdout(&o));

    // Recorded with the reason, and what else was written; the row with both is an error.
    let db = env.db();
    let mut st = db
        .prepare("SELECT user_name, reason, note FROM not_reached ORDER BY row_no")
        .unwrap();
    let got: Vec<(String, String, Option<String>)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let name = |r: usize| text(&rows[r][col("用户名称")]);
    assert_eq!(
        got,
        [
            (name(users[5]), "未接通".to_string(), None),
            (name(users[6]), "空号".to_string(), Some("号码已注销".to_string())),
            (name(users[7]), "拒访".to_string(), Some("拒绝回访。".to_string())),
        ]
    );
    let (accepted, rejected): (i64, i64) = db
        .query_row(
            "SELECT rows_accepted, rows_rejected FROM submission WHERE original_name LIKE '%已回访%' AND status = 'accepted'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (accepted, rejected),
        (5, 1),
        "not reached is neither a response nor an error"
    );
    let issue: String = db
        .query_row(
            "SELECT problem FROM row_issue WHERE row_no = ?1",
            [users[8] as i64 + 1],
            |r| r.get(0),
        )
        .unwrap();
    assert!(issue.contains("又填写了未回访原因"), "{issue}");

    // The quarter's call-back per enterprise: drawn = answered + not reached + pending.
    let scores: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("reports/2026Q3/scores.json")).unwrap()).unwrap();
    let enterprises = scores["sampling"]["enterprises"].as_array().unwrap();
    assert_eq!(enterprises.len(), 2);
    for e in enterprises {
        let mine = |range: &[usize]| {
            range
                .iter()
                .filter(|&&r| enterprise_of(r) == e["name"].as_str().unwrap())
                .count() as u64
        };
        assert_eq!(e["drawn"], 5, "{e}");
        assert_eq!(e["answered"].as_u64().unwrap(), mine(&users[..5]), "{e}");
        assert_eq!(e["not_reached"].as_u64().unwrap(), mine(&users[5..8]), "{e}");
        assert_eq!(e["pending"].as_u64().unwrap(), mine(&users[8..]), "{e}");
        let reasons = e["not_reached_reasons"].as_object().unwrap();
        let expected: Vec<&str> = [(5, "未接通"), (6, "空号"), (7, "拒访")]
            .iter()
            .filter(|(i, _)| enterprise_of(users[*i]) == e["name"].as_str().unwrap())
            .map(|(_, r)| *r)
            .collect();
        assert_eq!(reasons.keys().map(String::as_str).collect::<Vec<_>>(), expected, "{e}");
        assert!(reasons.values().all(|n| n == 1), "{e}");
    }
    let status = stdout(&env.run(&["status", "--period", "2026Q3"]));
    assert!(
        status.contains("已回访 5 人,未回访 3 人(未接通 1、空号 1、拒访 1),待回访 2 人"),
        "{status}"
    );
    if tool("pdftotext") {
        let pdf = env.path("reports/2026Q3/2026年第3季度天门市供水供气企业服务满意度分析报告.pdf");
        let o = std::process::Command::new("pdftotext")
            .args(["-layout", "-enc", "UTF-8"])
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8(o.stdout).unwrap();
        let section = &text[text.find("季度抽查回访情况").expect("the call-back section")..];
        assert!(
            section.contains("未回访原因") && section.contains("空号 1"),
            "{section}"
        );
    }
}

#[test]
fn a_sample_below_the_minimum_sample_is_warned() {
    // Issue 17 item 21: --per-enterprise 5 (min_sample 30) drew without a word, and every
    // enterprise's sampled score came out marked 样本量不足.
    let env = Env::ran_samples();
    let o = env.run(&[
        "sample",
        "--quarter",
        "2026Q3",
        "--per-enterprise",
        "5",
        "--seed",
        "1",
        "--out",
        "a.xlsx",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--per-enterprise 5 少于最小样本量 30"),
        "{}",
        stderr(&o)
    );
    // A margin whose sizes fall below it names the enterprises.
    let o = env.run(&[
        "sample",
        "--quarter",
        "2026Q3",
        "--margin",
        "0.2",
        "--seed",
        "1",
        "--out",
        "b.xlsx",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("少于最小样本量 30") && stderr(&o).contains("天门市第一供水有限公司(抽取"),
        "{}",
        stderr(&o)
    );
    // Enough asked, but a frame too small to give it: that enterprise alone is named (the
    // frames hold 30 users of 天门市第一供水有限公司 and 26 of 天门市天然气有限公司).
    let o = env.run(&[
        "sample",
        "--quarter",
        "2026Q3",
        "--per-enterprise",
        "30",
        "--seed",
        "1",
        "--out",
        "c.xlsx",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("天门市天然气有限公司(抽取 26 人)") && !e.contains("天门市第一供水有限公司"),
        "{e}"
    );
}
