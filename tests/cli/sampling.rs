//! Quarterly call-back sampling: draw, call-back workbook, and the call-back tracked back.

use calamine::{Reader, Xlsx, open_workbook};

use crate::support::*;

fn ran_samples() -> Env {
    let env = Env::samples();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    env
}

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
    let env = ran_samples();
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
    let env = ran_samples();
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
    let env = ran_samples();
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
    let book = env.path("reports/2026Q3/2026年第3季度季度抽查回访表.xlsx");
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
