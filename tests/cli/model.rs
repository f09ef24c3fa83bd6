//! The result model the documents are built from, as scores.json carries it: data quality
//! per submitter and the trend over the recent periods.

use crate::support::*;

fn month_of(period: &str, date: &str, n: u32, bad_phone_rows: u32) -> Vec<Vec<C>> {
    let mut rows = meta("竟陵街道", "月度自评", period);
    rows.push(header());
    for i in 1..=n {
        let mut r = row(i, date, "天门市第一供水有限公司");
        if i <= bad_phone_rows {
            r[7] = s("123");
        }
        rows.push(r);
    }
    rows
}

#[test]
fn data_quality_counts_returns_rows_and_missing_returns_per_submitter() {
    let env = Env::new();
    write_xlsx(
        &env.inbox("JL/九月.xlsx"),
        "调查问卷",
        &month_of("2026-09", "2026-09-05", 4, 0),
    );
    write_xlsx(
        &env.inbox("JL/十月.xlsx"),
        "调查问卷",
        &month_of("2026-10", "2026-10-05", 5, 2),
    );
    // 岳口镇 sends nothing readable for October.
    std::fs::create_dir_all(env.inbox("YK")).unwrap();
    std::fs::write(env.inbox("YK/十月.xlsx"), "not a workbook").unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    let oct = scores(&env, "2026-10");
    let quality = oct["data_quality"].as_array().unwrap();
    let jl = quality.iter().find(|q| q["submitter"] == "JL").unwrap();
    assert_eq!(
        (
            &jl["received"],
            &jl["accepted"],
            &jl["rows_valid"],
            &jl["rows_rejected"],
            &jl["missing"]
        ),
        (&1.into(), &1.into(), &3.into(), &2.into(), &false.into()),
        "{jl}"
    );
    // Expected but missing: the other county units and the four enterprises (8 in all,
    // 岳口镇's unreadable file having no period to count against).
    let missing: Vec<&str> = quality
        .iter()
        .filter(|q| q["missing"] == true)
        .map(|q| q["submitter"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["YK", "ZS", "GS01", "GS02", "RQ01", "RQ02"], "{quality:?}");
    // The trend: September and October for the city and GS01.
    let trend = oct["trend"].as_array().unwrap();
    let city: Vec<(&str, u64)> = trend
        .iter()
        .filter(|t| t["level"] == "city")
        .map(|t| (t["period"].as_str().unwrap(), t["n"].as_u64().unwrap()))
        .collect();
    assert_eq!(city, [("2026-09", 4), ("2026-10", 3)]);
    assert!(
        trend
            .iter()
            .any(|t| t["level"] == "enterprise" && t["key"] == "GS01" && t["period"] == "2026-09")
    );
    // No free text or personal data in these parts.
    let text = format!("{}{}", oct["data_quality"], oct["trend"]);
    assert!(!text.contains("测试用户") && !text.contains("138"), "{text}");
}

/// The periods named by the run's "已更新报告:…(见 …)" line.
fn updated(o: &std::process::Output) -> Vec<String> {
    let out = stdout(o);
    let Some(line) = out.lines().find(|l| l.starts_with("已更新报告:")) else {
        return Vec::new();
    };
    let list = line.trim_start_matches("已更新报告:").split('(').next().unwrap();
    list.split('、').map(|p| p.trim().to_string()).collect()
}

#[test]
fn an_edit_of_anything_the_outputs_depend_on_recomputes_them() {
    let env = Env::new();
    // Q9 at 70 for GS01 in September and October: below 80, an improvement item; not below 65.
    // 30 responses, the minimum sample (with fewer, the finding is only watched: issue 17).
    for (name, period, date) in [("九月", "2026-09", "2026-09-05"), ("十月", "2026-10", "2026-10-05")] {
        let mut rows = month_of(period, date, 30, 0);
        for r in rows.iter_mut().skip(5).take(9) {
            r[19] = s("否"); // Q9
        }
        write_xlsx(&env.inbox(&format!("JL/{name}.xlsx")), "调查问卷", &rows);
    }
    let o = env.run(&["run"]);
    assert_eq!(updated(&o), ["2026-09", "2026-10"], "{}", stdout(&o));
    let items = |env: &Env| scores(env, "2026-10")["improvement_items"].as_array().unwrap().len();
    assert_eq!(items(&env), 1);
    assert_eq!(updated(&env.run(&["run"])), Vec::<String>::new(), "nothing changed");
    // The action threshold lowered to 65: Q9 at 70 no longer needs improving.
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\n[thresholds]\naction = 65.0\n")).unwrap();
    let o = env.run(&["run"]);
    assert_eq!(updated(&o), ["2026-09", "2026-10"], "{}", stdout(&o));
    assert_eq!(items(&env), 0, "recomputed under the new threshold");
    // A period rewritten alone leaves its dependants to the next run, which finishes them.
    std::fs::write(&config, &text).unwrap();
    let o = env.run(&["report", "--period", "2026-09"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let o = env.run(&["run"]);
    assert_eq!(updated(&o), ["2026-10"], "{}", stdout(&o));
    assert_eq!(items(&env), 1);
    // The wording is a dependency too.
    std::fs::create_dir_all(env.path("templates")).unwrap();
    let wording = std::fs::read_to_string(std::path::Path::new(REPO).join("templates/report.toml")).unwrap();
    std::fs::write(
        env.path("templates/report.toml"),
        wording.replace("主要数据", "关键数据"),
    )
    .unwrap();
    std::fs::write(&config, format!("report = \"templates/report.toml\"\n{text}")).unwrap();
    assert_eq!(updated(&env.run(&["run"])), ["2026-09", "2026-10"]);
}

#[test]
fn a_quarter_says_which_months_its_self_assessment_pools() {
    let env = Env::new();
    write_xlsx(
        &env.inbox("JL/八月.xlsx"),
        "调查问卷",
        &month_of("2026-08", "2026-08-05", 3, 0),
    );
    let mut sampled = meta("天门市住房和城乡建设局", "季度抽查", "2026Q3");
    sampled.push(header());
    sampled.push(row(1, "2026-09-05", "天门市第一供水有限公司"));
    write_xlsx(&env.inbox("抽查.xlsx"), "调查问卷", &sampled);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let q3 = scores(&env, "2026Q3");
    assert_eq!(q3["self_assessment_months"], serde_json::json!(["2026-08"]), "{q3}");
    assert_eq!(q3["self_assessment_bias"][0]["self_n"], 3);
}

#[test]
fn responses_stream_to_the_detail_and_problem_returns_read_back_whole() {
    use utility_eval::period::Period;
    use utility_eval::store::Store;
    let env = Env::new();
    write_xlsx(
        &env.inbox("JL/十月.xlsx"),
        "调查问卷",
        &month_of("2026-10", "2026-10-05", 5, 2),
    );
    write_xlsx(&env.inbox("YK/十月.xlsx"), "调查问卷", &{
        let mut rows = month_of("2026-10", "2026-10-06", 0, 0);
        rows[0][1] = s("岳口镇");
        for i in 11..=13 {
            rows.push(row(i, "2026-10-06", "天门市第一供水有限公司"));
        }
        rows
    });
    assert_eq!(code(&env.run(&["run"])), 3);
    let store = Store::open(&env.path("data/utility-eval.sqlite")).unwrap();
    let mut seen = Vec::new();
    store
        .for_each_detail(Period::parse("2026-10").unwrap(), &mut |r| {
            seen.push((r.submitter.to_string(), r.row, r.user_name.to_string()));
            Ok(())
        })
        .unwrap();
    let expected: Vec<(String, i64, String)> = [("JL", 8), ("JL", 9), ("JL", 10), ("YK", 6), ("YK", 7), ("YK", 8)]
        .iter()
        .zip([3, 4, 5, 11, 12, 13])
        .map(|((u, r), n)| (u.to_string(), *r, format!("测试用户{n}有限公司")))
        .collect();
    assert_eq!(seen, expected, "by submitter, in row order, the bad rows left out");
    // The JL return, with two bad rows, read back whole for its feedback.
    let archived = env.path("archive/2026-10/十月.xlsx");
    let scheme = utility_eval::scheme::Scheme::builtin();
    let dump = utility_eval::intake::dump_sheet(&archived, &scheme, &Default::default()).unwrap();
    assert_eq!(dump.name, "调查问卷");
    let phone_of = |row: u32| {
        dump.rows
            .iter()
            .find(|(r, _)| *r == row)
            .and_then(|(_, cells)| cells.iter().find(|(c, _)| *c == 7))
            .map(|(_, v)| v.display())
    };
    assert_eq!(
        phone_of(5).as_deref(),
        Some("123"),
        "the problem cell as the sender typed it"
    );
    assert_eq!(
        dump.rows[0].1[1],
        (1, utility_eval::intake::Value::Text("竟陵街道".to_string())),
        "the metadata rows too"
    );
}

/// Issue 18, finding 5: answers in the database that cannot be read were taken for a response
/// with no answers, and the period scored without saying so. Now the computation stops and
/// says what it met; the documents already written stay.
#[test]
fn answers_the_database_cannot_read_stop_the_computation_with_a_message() {
    let env = Env::ran_samples();
    let before = std::fs::read(env.path("reports/2026-09/scores.json")).unwrap();
    let (id, file, row): (i64, String, i64) = env
        .db()
        .query_row(
            "SELECT r.id, s.original_name, r.row_no FROM response r JOIN submission s ON s.id = r.submission_id
             WHERE s.period = '2026-09' AND s.status = 'accepted' ORDER BY r.id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    env.db()
        .execute("UPDATE response SET answers = '{\"Q1\":1}' WHERE id = ?1", [id])
        .unwrap();
    let o = env.run(&["report", "--period", "2026-09"]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let said = format!("报表“{file}”第 {row} 行的答案无法读取(“{{\"Q1\":1}}”)");
    assert!(stderr(&o).contains(&said), "{said}\n{}", stderr(&o));
    assert_eq!(std::fs::read(env.path("reports/2026-09/scores.json")).unwrap(), before);
}
