//! scores.json and manifest.json through the real binary (SPEC §3, §4, §8): the committed
//! samples against the generator's independent reference scores, a month worked by hand,
//! declines with reference p-values, the improvement-item lifecycle, byte-identical
//! outputs, which periods a run recomputes, and `report` for a period without data.

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde_json::Value;

use crate::support::*;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The group of `level`/`key` in a scores.json document (exactly one).
fn group<'a>(doc: &'a Value, level: &str, key: &str) -> &'a Value {
    let found: Vec<&Value> = doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["level"] == level && g["key"] == key)
        .collect();
    assert_eq!(found.len(), 1, "one group {level}/{key} in {}", doc["period"]);
    found[0]
}

/// The column of an item (Q1…Q12, D1…D4) in the standard header.
fn column(id: &str) -> usize {
    let h = header();
    h.iter()
        .position(|c| matches!(c, C::S(x) if x == id))
        .unwrap_or_else(|| panic!("no column {id}"))
}

/// A row of [`row`] with some answers replaced ("" = blank).
fn answered(n: u32, date: &str, enterprise: &str, answers: &[(&str, &str)]) -> Vec<C> {
    let mut r = row(n, date, enterprise);
    for (id, a) in answers {
        r[column(id)] = C::from(*a);
    }
    r
}

/// A return: the metadata block, the header, the rows.
fn survey(unit: &str, kind: &str, period: &str, rows: Vec<Vec<C>>) -> Vec<Vec<C>> {
    let mut out = meta(unit, kind, period);
    out.push(header());
    out.extend(rows);
    out
}

fn run_ok(env: &Env) -> String {
    let out = env.run(&["run"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    stdout(&out)
}

/// The periods named by the run's "已更新报告:…(见 …)" line (none if there is no such line).
fn updated(stdout: &str) -> BTreeSet<String> {
    let Some(line) = stdout.lines().find(|l| l.starts_with("已更新报告:")) else {
        return BTreeSet::new();
    };
    let list = line.trim_start_matches("已更新报告:");
    let list = list.split('(').next().unwrap();
    list.split('、').map(|p| p.trim().to_string()).collect()
}

fn set(xs: &[&str]) -> BTreeSet<String> {
    xs.iter().map(|x| x.to_string()).collect()
}

/// Identity of a written file: inode and modification time (writes go through a rename, so a
/// rewrite gives a new inode even when the bytes are the same).
fn stamp(env: &Env, period: &str) -> (u64, i64, i64) {
    let m = std::fs::metadata(env.path(&format!("reports/{period}/scores.json"))).unwrap();
    (m.ino(), m.mtime(), m.mtime_nsec())
}

/// Improvement items of a scores.json by id.
fn items_by_id(doc: &Value) -> Vec<(String, &Value)> {
    doc["improvement_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_str().unwrap().to_string(), i))
        .collect()
}

fn is_two_decimals(x: f64) -> bool {
    ((x * 100.0).round() - x * 100.0).abs() < 1e-6
}

// ---------------------------------------------------------------------------------------
// 1. The samples against the generator's reference scores
// ---------------------------------------------------------------------------------------

/// SPEC §8 shape of one group.
fn check_group_shape(period: &str, g: &Value) {
    let what = format!("{period} {}/{}", g["level"], g["key"]);
    for k in ["level", "key", "n", "composite", "overall", "dimensions", "items"] {
        assert!(g.get(k).is_some(), "{what}: key {k}");
    }
    let level = g["level"].as_str().unwrap();
    assert!(
        ["city", "enterprise", "unit", "county", "utility", "user_type"].contains(&level),
        "{what}: level {level}"
    );
    assert!(g["key"].is_string(), "{what}");
    assert!(g["n"].as_u64().is_some_and(|n| n > 0), "{what}: n");
    for k in ["composite", "overall"] {
        assert!(
            g[k].is_null() || g[k].as_f64().is_some_and(is_two_decimals),
            "{what}: {k} {}",
            g[k]
        );
    }
    let dims = g["dimensions"]
        .as_object()
        .unwrap_or_else(|| panic!("{what}: dimensions"));
    assert_eq!(dims.len(), 4, "{what}: the four dimensions");
    for (d, v) in dims {
        assert!(
            v.is_null() || v.as_f64().is_some_and(is_two_decimals),
            "{what}: {d} {v}"
        );
    }
    let items = g["items"].as_object().unwrap_or_else(|| panic!("{what}: items"));
    assert_eq!(items.len(), 16, "{what}: Q1–Q12 and D1–D4");
    for (id, i) in items {
        for k in ["score", "n", "unfavourable", "ci95"] {
            assert!(i.get(k).is_some(), "{what} {id}: key {k}");
        }
        let n = i["n"].as_u64().unwrap();
        let unfav = i["unfavourable"].as_u64().unwrap();
        assert!(unfav <= n, "{what} {id}");
        if n == 0 {
            assert!(i["score"].is_null(), "{what} {id}: no answers, no score");
            continue;
        }
        let s = i["score"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&s) && is_two_decimals(s), "{what} {id}: {s}");
        let ci = i["ci95"].as_array().unwrap_or_else(|| panic!("{what} {id}: ci95"));
        assert_eq!(ci.len(), 2, "{what} {id}");
        let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
        assert!(
            0.0 <= lo && lo <= s && s <= hi && hi <= 100.0,
            "{what} {id}: {s} in [{lo}, {hi}]"
        );
    }
}

#[test]
fn the_samples_scores_match_the_independent_reference() {
    let env = Env::samples();
    let out = env.run(&["run"]);
    assert_eq!(code(&out), 3, "{}{}", stdout(&out), stderr(&out));

    let expected = read_json(&Path::new(REPO).join("samples/expected.json"));
    let reference = expected["reference_scores"].as_array().unwrap();
    assert!(reference.len() >= 20);
    let mut periods = BTreeSet::new();
    for r in reference {
        let period = r["period"].as_str().unwrap();
        let (level, key) = (r["level"].as_str().unwrap(), r["key"].as_str().unwrap());
        let what = format!("{period} {level}/{key}");
        periods.insert(period.to_string());
        let mut doc = scores(&env, period);
        let kind = match r["kind"].as_str().unwrap() {
            "月度自评" => "monthly",
            "季度抽查" => "quarterly",
            // An unscheduled survey is scored on its own, in its month's `adhoc` (SPEC §13).
            "不定期抽查" => "adhoc",
            k => panic!("{what}: kind {k}"),
        };
        if kind == "adhoc" {
            assert_eq!(doc["kind"], "monthly", "{what}");
            let surveys = doc["adhoc"].as_array().unwrap();
            assert_eq!(surveys.len(), 1, "{what}");
            doc = surveys[0].clone();
        } else {
            assert_eq!(doc["kind"], kind, "{what}");
        }
        let g = group(&doc, level, key);
        for k in ["n", "composite", "overall"] {
            assert_eq!(g[k], r[k], "{what}: {k}");
        }
        let want_dims = r["dimensions"].as_object().unwrap();
        let got_dims = g["dimensions"].as_object().unwrap();
        assert_eq!(
            got_dims.keys().collect::<BTreeSet<_>>(),
            want_dims.keys().collect::<BTreeSet<_>>(),
            "{what}: dimension names"
        );
        for (d, v) in want_dims {
            assert_eq!(&got_dims[d], v, "{what}: dimension {d}");
        }
        let want_items = r["items"].as_object().unwrap();
        let got_items = g["items"].as_object().unwrap();
        assert_eq!(
            got_items.keys().collect::<BTreeSet<_>>(),
            want_items.keys().collect::<BTreeSet<_>>(),
            "{what}: item ids"
        );
        for (id, want) in want_items {
            for k in ["score", "n", "unfavourable"] {
                assert_eq!(got_items[id][k], want[k], "{what}: {id}.{k}");
            }
        }
    }
    assert_eq!(periods, set(&["2026-07", "2026-08", "2026-09", "2026Q3"]));

    // Self-assessment bias of 2026Q3: pooled monthly self-assessment − sampled survey.
    let q3 = scores(&env, "2026Q3");
    let bias = q3["self_assessment_bias"]
        .as_array()
        .expect("self_assessment_bias in 2026Q3");
    let want_bias = expected["self_assessment_bias"].as_array().unwrap();
    assert_eq!(bias.len(), want_bias.len());
    for w in want_bias {
        assert_eq!(w["quarter"], "2026Q3");
        let e = w["enterprise"].as_str().unwrap();
        let got = bias
            .iter()
            .find(|b| b["enterprise"] == e)
            .unwrap_or_else(|| panic!("bias of {e}"));
        for k in [
            "self_n",
            "self_composite",
            "sampled_n",
            "sampled_composite",
            "bias",
            "flagged",
        ] {
            assert_eq!(got[k], w[k], "bias {e}.{k}");
        }
    }

    // The unscheduled survey of 2026-09 against each enterprise's September self-assessment.
    let sep = scores(&env, "2026-09");
    let want_adhoc = expected["adhoc_bias"].as_array().unwrap();
    assert_eq!(want_adhoc.len(), 2);
    for w in want_adhoc {
        let survey = (sep["adhoc"].as_array().unwrap().iter())
            .find(|a| a["name"] == w["name"])
            .unwrap_or_else(|| panic!("survey {}", w["name"]));
        let e = w["enterprise"].as_str().unwrap();
        let got = (survey["bias"].as_array().unwrap().iter())
            .find(|b| b["enterprise"] == e)
            .unwrap_or_else(|| panic!("adhoc bias of {e}"));
        for k in [
            "self_n",
            "self_composite",
            "sampled_n",
            "sampled_composite",
            "bias",
            "flagged",
        ] {
            assert_eq!(got[k], w[k], "adhoc bias {e}.{k}");
        }
    }

    // SPEC §8 shape of every document and every group.
    for p in &periods {
        let doc = scores(&env, p);
        for k in ["period", "kind", "groups", "lowest", "declines", "improvement_items"] {
            assert!(doc.get(k).is_some(), "{p}: top-level key {k}");
        }
        assert_eq!(doc["period"], p.as_str());
        for k in ["groups", "lowest", "declines", "improvement_items"] {
            assert!(doc[k].is_array(), "{p}: {k} is an array");
        }
        let groups = doc["groups"].as_array().unwrap();
        let levels: BTreeSet<&str> = groups.iter().map(|g| g["level"].as_str().unwrap()).collect();
        assert_eq!(
            levels,
            ["city", "county", "enterprise", "unit", "user_type", "utility"]
                .into_iter()
                .collect(),
            "{p}: every level present"
        );
        for g in groups {
            check_group_shape(p, g);
        }
        assert_eq!(
            groups.iter().filter(|g| g["level"] == "city").count(),
            1,
            "{p}: one city group"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 2. One month worked by hand
// ---------------------------------------------------------------------------------------

/// Four responses of 竟陵街道 about GS01 in 2026-10 (r1–r3 工商业用户, r4 居民用户). Blank = "",
/// 不适用 excluded like a blank; Q8, Q10, Q11 negative (是 unfavourable).
///
/// | item | r1 | r2 | r3 | r4 | scores | GS01 score, n, unfavourable |
/// |---|---|---|---|---|---|---|
/// | Q1 | 是 | 是 | 是 | 是 | 100×4 | 100, 4, 0 |
/// | Q2 | 是 | 否 | 是 | 是 | 100 0 100 100 | 75, 4, 1 |
/// | Q3 | 是 | 是 | 是 | 否 | | 75, 4, 1 |
/// | Q4 | 是 | 是 | — | 是 | blank excluded | 100, 3, 0 |
/// | Q5 | — | — | — | — | nobody | null, 0, 0 |
/// | Q6 | 是 ×4 | | | | | 100, 4, 0 |
/// | Q7 | 是 | 是 | 否 | 是 | | 75, 4, 1 (工商业用户 r1–r3: 2/3 → 66.67) |
/// | Q8− | 是 | 否 | 否 | 否 | 0 100 100 100 | 75, 4, 1 |
/// | Q9 | 是 | 否 | 不适用 | — | 100 0 | 50, 2, 1 |
/// | Q10− | 否 | 否 | 否 | 不适用 | 100 100 100 | 100, 3, 0 |
/// | Q11− | 是 | 否 | 不适用 | — | 0 100 | 50, 2, 1 |
/// | Q12 | 满意 | 一般 | 非常满意 | 不满意 | 80 60 100 40 | 70, 4, 1 (不满意) |
/// | D1 | 非常满意 | 非常满意 | 非常满意 | 满意 | 100 100 100 80 | 95, 4, 0 |
/// | D2 | 不适用 | — | 不适用 | — | nobody | null, 0, 0 |
/// | D3 | 非常满意 | 满意 | 满意 | 满意 | 100 80 80 80 | 85, 4, 0 |
/// | D4 | 非常满意 | 满意 | 满意 | 满意 | | 85, 4, 0 |
///
/// Dimensions (weights 1): 企业形象 {Q3, Q10, Q11, D1} = (75 + 100 + 50 + 95) / 4 = 80;
/// 产品质量 {D2} = no answers → null; 客户意见与投诉处理 {Q7, D4} = (75 + 85) / 2 = 80;
/// 服务质量 {Q1, Q2, Q4, Q5, Q6, Q8, Q9, Q12, D3}, Q5 unanswered so 8 items:
/// (100 + 75 + 100 + 100 + 75 + 50 + 70 + 85) / 8 = 655 / 8 = 81.875 → shown 81.88.
/// Composite over the three dimensions present, weights 0.25 renormalised to 0.75:
/// (80 + 80 + 81.875) / 3 = 241.875 / 3 = 80.625 → **80.63** half away from zero (half-even
/// or truncation would show 80.62; without renormalisation it would be 60.47).
///
/// Construction of the …5: every GS01 item mean is a multiple of 5 over 4 answers (or 100 over
/// 3, 100 or 0 over 2), so the dimension scores are multiples of 0.625 = 5/8 and the composite
/// of three of them is a multiple of 5/24; choosing sums that make it a multiple of 1/8 with an
/// odd numerator (80.625 = 645/8) gives a value exactly representable in binary, so the half
/// is a true half, not an artefact of floating point.
///
/// Overall = Q12 = 70. n = 4. The 工商业用户 group (r1–r3) has Q7 = 是 是 否 = 200/3 = 66.666…
/// → 66.67 (n 3, 1 unfavourable) and Q12 = (80 + 60 + 100) / 3 = 80; 居民用户 (r4) n = 1.
#[test]
fn hand_computed_month() {
    let env = Env::new();
    let e = "天门市第一供水有限公司";
    let d = "2026-10-05";
    let rows = vec![
        answered(
            1,
            d,
            e,
            &[
                ("Q1", "是"),
                ("Q2", "是"),
                ("Q3", "是"),
                ("Q4", "是"),
                ("Q5", ""),
                ("Q6", "是"),
                ("Q7", "是"),
                ("Q8", "是"),
                ("Q9", "是"),
                ("Q10", "否"),
                ("Q11", "是"),
                ("Q12", "满意"),
                ("D1", "非常满意"),
                ("D2", "不适用"),
                ("D3", "非常满意"),
                ("D4", "非常满意"),
            ],
        ),
        answered(
            2,
            d,
            e,
            &[
                ("Q1", "是"),
                ("Q2", "否"),
                ("Q3", "是"),
                ("Q4", "是"),
                ("Q5", ""),
                ("Q6", "是"),
                ("Q7", "是"),
                ("Q8", "否"),
                ("Q9", "否"),
                ("Q10", "否"),
                ("Q11", "否"),
                ("Q12", "一般"),
                ("D1", "非常满意"),
                ("D2", ""),
                ("D3", "满意"),
                ("D4", "满意"),
            ],
        ),
        answered(
            3,
            d,
            e,
            &[
                ("Q1", "是"),
                ("Q2", "是"),
                ("Q3", "是"),
                ("Q4", ""),
                ("Q5", ""),
                ("Q6", "是"),
                ("Q7", "否"),
                ("Q8", "否"),
                ("Q9", "不适用"),
                ("Q10", "否"),
                ("Q11", "不适用"),
                ("Q12", "非常满意"),
                ("D1", "非常满意"),
                ("D2", "不适用"),
                ("D3", "满意"),
                ("D4", "满意"),
            ],
        ),
        {
            let mut r = answered(
                4,
                d,
                e,
                &[
                    ("Q1", "是"),
                    ("Q2", "是"),
                    ("Q3", "否"),
                    ("Q4", "是"),
                    ("Q5", ""),
                    ("Q6", "是"),
                    ("Q7", "是"),
                    ("Q8", "否"),
                    ("Q9", ""),
                    ("Q10", "不适用"),
                    ("Q11", ""),
                    ("Q12", "不满意"),
                    ("D1", "满意"),
                    ("D2", ""),
                    ("D3", "满意"),
                    ("D4", "满意"),
                ],
            );
            r[4] = s("居民用户"); // 用户类型
            r
        },
    ];
    write_xlsx(
        &env.inbox("竟陵街道_月度自评_2026-10.xlsx"),
        "调查问卷",
        &survey("竟陵街道", "月度自评", "2026-10", rows),
    );
    let out = run_ok(&env);
    assert_eq!(updated(&out), set(&["2026-10"]), "{out}");

    let doc = scores(&env, "2026-10");
    assert_eq!(doc["period"], "2026-10");
    assert_eq!(doc["kind"], "monthly");
    // Every level holds the same four responses except user type.
    for (level, key) in [
        ("city", "全市"),
        ("enterprise", "GS01"),
        ("unit", "JL"),
        ("county", "竟陵街道"),
        ("utility", "供水"),
    ] {
        let g = group(&doc, level, key);
        check_group_shape("2026-10", g);
        assert_eq!(g["n"], 4, "{level}");
        assert_eq!(
            g["composite"], 80.63,
            "{level}: (80 + 80 + 81.875) / 3 = 80.625 → 80.63"
        );
        assert_eq!(g["overall"], 70.0, "{level}: overall = Q12 = 70");
        assert_eq!(g["dimensions"]["企业形象"], 80.0, "{level}");
        assert_eq!(
            g["dimensions"]["产品质量"],
            Value::Null,
            "{level}: D2 only blank/不适用"
        );
        assert_eq!(g["dimensions"]["服务质量"], 81.88, "{level}: 655 / 8 = 81.875 → 81.88");
        assert_eq!(g["dimensions"]["客户意见与投诉处理"], 80.0, "{level}");
        let want: [(&str, Option<f64>, u64, u64); 16] = [
            ("Q1", Some(100.0), 4, 0),
            ("Q2", Some(75.0), 4, 1),
            ("Q3", Some(75.0), 4, 1),
            ("Q4", Some(100.0), 3, 0),
            ("Q5", None, 0, 0),
            ("Q6", Some(100.0), 4, 0),
            ("Q7", Some(75.0), 4, 1),
            ("Q8", Some(75.0), 4, 1),
            ("Q9", Some(50.0), 2, 1),
            ("Q10", Some(100.0), 3, 0),
            ("Q11", Some(50.0), 2, 1),
            ("Q12", Some(70.0), 4, 1),
            ("D1", Some(95.0), 4, 0),
            ("D2", None, 0, 0),
            ("D3", Some(85.0), 4, 0),
            ("D4", Some(85.0), 4, 0),
        ];
        for (id, score, n, unfav) in want {
            let i = &g["items"][id];
            assert_eq!(i["score"].as_f64(), score, "{level} {id}.score");
            assert_eq!(i["n"], n, "{level} {id}.n");
            assert_eq!(i["unfavourable"], unfav, "{level} {id}.unfavourable");
        }
    }
    let business = group(&doc, "user_type", "工商业用户");
    assert_eq!(business["n"], 3);
    assert_eq!(business["items"]["Q7"]["score"], 66.67, "2/3 × 100 = 66.666… → 66.67");
    assert_eq!(business["items"]["Q7"]["n"], 3);
    assert_eq!(business["items"]["Q7"]["unfavourable"], 1);
    assert_eq!(business["overall"], 80.0, "(80 + 60 + 100) / 3");
    assert_eq!(group(&doc, "user_type", "居民用户")["n"], 1);

    // The red-line item Q11 had one unfavourable answer: an improvement item of severity 高,
    // even with only 2 answers; nothing is below the threshold with ≥ 5 answers.
    let items = items_by_id(&doc);
    let ids: Vec<&str> = items.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["2026-10-GS01-Q11-red_line"], "{}", doc["improvement_items"]);
    let i = items[0].1;
    assert_eq!(i["severity"], "高");
    assert_eq!(i["status"], "new");
    assert_eq!(i["responsible"], "张某");
    assert_eq!(i["due"], "2026-11-30", "30 days after 2026-10-31");
    // Nothing to decline against.
    assert_eq!(doc["declines"], serde_json::json!([]));
}

// ---------------------------------------------------------------------------------------
// 3. Declines with reference p-values
// ---------------------------------------------------------------------------------------

/// 30 responses of 竟陵街道 about GS01 in `period`: Q1 是 for the first `q1_yes`, Q2 是 for the
/// first `q2_yes`, Q12 from `q12` (grades in order, one per response).
fn month_of_30(period: &str, q1_yes: u32, q2_yes: u32, q12: &[&str]) -> Vec<Vec<C>> {
    assert_eq!(q12.len(), 30);
    let date = format!("{period}-10");
    let rows = (1..=30)
        .map(|n| {
            answered(
                n,
                &date,
                "天门市第一供水有限公司",
                &[
                    ("Q1", if n <= q1_yes { "是" } else { "否" }),
                    ("Q2", if n <= q2_yes { "是" } else { "否" }),
                    ("Q12", q12[n as usize - 1]),
                ],
            )
        })
        .collect();
    survey("竟陵街道", "月度自评", period, rows)
}

fn grades(spec: &[(&'static str, usize)]) -> Vec<&'static str> {
    spec.iter().flat_map(|&(g, k)| std::iter::repeat_n(g, k)).collect()
}

/// 2026-09 → 2026-10, GS01, 30 responses each:
/// Q1 28/30 是 (93.33) → 18/30 (60.00), Q2 27/30 (90.00) → 25/30 (83.33),
/// Q12 12 非常满意 + 18 满意 (mean 88) → 6 非常满意 + 14 满意 + 8 一般 + 2 不满意 (mean 76).
///
/// Reference p-values, computed independently with Python 3.11, statsmodels 0.15.0, scipy 1.17.1:
/// - Q1: `statsmodels.stats.proportion.proportions_ztest([18, 28], [30, 30])` (pooled
///   two-proportion z-test) → z = −3.05234, p = 0.0022706589776 → 0.0023, significant;
/// - Q2: `proportions_ztest([25, 27], [30, 30])` → z = −0.75955, p = 0.4475209101 → 0.4475, not;
/// - Q12: `scipy.stats.ttest_ind(oct, sep, equal_var=False)` with oct = [100]*6 + [80]*14 +
///   [60]*8 + [40]*2, sep = [100]*12 + [80]*18 (Welch) → t = −3.34451, df = 46.93,
///   p = 0.0016276523751 → 0.0016, significant.
#[test]
fn declines_with_p_values() {
    let env = Env::new();
    let sep = grades(&[("非常满意", 12), ("满意", 18)]);
    let oct = grades(&[("非常满意", 6), ("满意", 14), ("一般", 8), ("不满意", 2)]);
    write_xlsx(
        &env.inbox("竟陵街道_月度自评_2026-09.xlsx"),
        "调查问卷",
        &month_of_30("2026-09", 28, 27, &sep),
    );
    write_xlsx(
        &env.inbox("竟陵街道_月度自评_2026-10.xlsx"),
        "调查问卷",
        &month_of_30("2026-10", 18, 25, &oct),
    );
    let out = run_ok(&env);
    assert_eq!(updated(&out), set(&["2026-09", "2026-10"]), "{out}");

    // September has no previous month: no declines.
    assert_eq!(scores(&env, "2026-09")["declines"], serde_json::json!([]));

    let doc = scores(&env, "2026-10");
    assert_eq!(doc["previous_period"], "2026-09");
    let declines = doc["declines"].as_array().unwrap();
    let find = |ind: &str| {
        let found: Vec<&Value> = declines
            .iter()
            .filter(|d| d["level"] == "enterprise" && d["key"] == "GS01" && d["indicator"] == ind)
            .collect();
        assert_eq!(found.len(), 1, "one decline of GS01 {ind}: {declines:?}");
        found[0]
    };
    // (indicator, previous, current, delta, reference p)
    let want = [
        ("Q1", 93.33, 60.0, -33.33, 0.0022706589776426895),
        ("Q2", 90.0, 83.33, -6.67, 0.44752091013046924),
        ("Q12", 88.0, 76.0, -12.0, 0.0016276523750643243),
    ];
    for (ind, previous, current, delta, p_ref) in want {
        let d = find(ind);
        assert_eq!(d["type"], "item", "{ind}");
        assert_eq!(d["previous"], previous, "{ind}.previous");
        assert_eq!(d["current"], current, "{ind}.current");
        assert_eq!(d["delta"], delta, "{ind}.delta");
        let p = d["p"].as_f64().unwrap_or_else(|| panic!("{ind}: p {}", d["p"]));
        // scores.json shows p to 4 decimals.
        assert!(
            (p - p_ref).abs() <= 0.00005 + 1e-12,
            "{ind}: p {p} vs reference {p_ref}"
        );
        assert_eq!(
            p,
            (p_ref * 10_000.0).round() / 10_000.0,
            "{ind}: p rounded to 4 decimals"
        );
        assert_eq!(d["significant"], p_ref < 0.05, "{ind}.significant");
    }
    // Items that did not fall are no declines.
    for ind in ["Q3", "Q9", "D1"] {
        assert!(
            !declines
                .iter()
                .any(|d| d["level"] == "enterprise" && d["key"] == "GS01" && d["indicator"] == ind),
            "{ind} did not fall"
        );
    }
    // The significant declines raise improvement items (joining the item of an indicator that
    // is also below the threshold: one item per indicator); the insignificant one does not.
    let rules_of = |indicator: &str| -> Vec<String> {
        items_by_id(&doc)
            .into_iter()
            .filter(|(_, i)| i["enterprise"] == "GS01" && i["indicator"] == indicator)
            .flat_map(|(_, i)| {
                i["rules"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    assert!(
        rules_of("Q1").contains(&"significant_decline".to_string()),
        "{}",
        doc["improvement_items"]
    );
    assert!(
        rules_of("Q12").contains(&"significant_decline".to_string()),
        "{}",
        doc["improvement_items"]
    );
    assert!(
        !rules_of("Q2").contains(&"significant_decline".to_string()),
        "{}",
        doc["improvement_items"]
    );
    let per_indicator: Vec<(String, String)> = items_by_id(&doc)
        .into_iter()
        .map(|(_, i)| {
            (
                i["enterprise"].as_str().unwrap().to_string(),
                i["indicator"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let distinct: std::collections::BTreeSet<_> = per_indicator.iter().collect();
    assert_eq!(
        distinct.len(),
        per_indicator.len(),
        "one item per enterprise and indicator: {per_indicator:?}"
    );
}

// ---------------------------------------------------------------------------------------
// 4. Improvement items over three months
// ---------------------------------------------------------------------------------------

/// 10 responses about GS01 and 10 about RQ01 in `month` (2026-07…): Q9 否 for the first
/// `gs01_no` of GS01's and the first `rq01_no` of RQ01's, everything else favourable.
fn two_enterprises(month: &str, gs01_no: u32, rq01_no: u32) -> Vec<Vec<C>> {
    let date = format!("{month}-05");
    let mut rows = Vec::new();
    for n in 1..=10 {
        rows.push(answered(
            n,
            &date,
            "天门市第一供水有限公司",
            &[("Q9", if n <= gs01_no { "否" } else { "是" })],
        ));
    }
    for n in 11..=20 {
        let mut r = answered(
            n,
            &date,
            "天门市天然气有限公司",
            &[("Q9", if n - 10 <= rq01_no { "否" } else { "是" })],
        );
        r[8] = s("供气"); // 服务类别
        rows.push(r);
    }
    survey("竟陵街道", "月度自评", month, rows)
}

#[test]
fn improvement_items_lifecycle_over_three_months() {
    // 45 days round to one month: July's items are due 2026-08-31, when August ends: open in
    // August's report, overdue in September's. Ten responses per enterprise are a full sample
    // here (min_sample 10): under the minimum sample findings are only watched (issue 17).
    let env = Env::with_config_extra("[thresholds]\ndeadline_days = 45\nmin_sample = 10\n");
    let drop = |month: &str, gs01_no: u32, rq01_no: u32| {
        write_xlsx(
            &env.inbox(&format!("竟陵街道_月度自评_{month}.xlsx")),
            "调查问卷",
            &two_enterprises(month, gs01_no, rq01_no),
        );
        run_ok(&env)
    };
    let gs = "2026-07-GS01-Q9-below_threshold";
    let rq = "2026-07-RQ01-Q9-below_threshold";

    // July: Q9 6 of 10 否 → 40 < 80 with 10 ≥ 5 answers, for both enterprises.
    let out = drop("2026-07", 6, 6);
    assert_eq!(updated(&out), set(&["2026-07"]), "{out}");
    let jul = scores(&env, "2026-07");
    assert_eq!(group(&jul, "enterprise", "GS01")["items"]["Q9"]["score"], 40.0);
    let items = items_by_id(&jul);
    let ids: Vec<&str> = items.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, [gs, rq], "{}", jul["improvement_items"]);
    for ((_, i), (code, name, head)) in items.iter().zip([
        ("GS01", "天门市第一供水有限公司", "张某"),
        ("RQ01", "天门市天然气有限公司", "赵某"),
    ]) {
        assert_eq!(i["enterprise"], code);
        assert_eq!(i["enterprise_name"], name);
        assert_eq!(i["indicator"], "Q9");
        assert_eq!(i["rule"], "below_threshold");
        assert_eq!(i["severity"], "高", "40 < 60");
        assert_eq!(i["responsible"], head);
        assert_eq!(i["raised"], "2026-07");
        assert_eq!(i["due"], "2026-08-31", "45 days: one month after July");
        assert_eq!(i["status"], "new");
        assert_eq!(i["resolved"], Value::Null);
        let finding = i["finding"].as_str().unwrap();
        assert!(finding.contains("40.00") && finding.contains("80.00"), "{finding}");
        assert!(!i["measure"].as_str().unwrap().is_empty());
    }

    // August: still 40 for both → the same two items, open (due when August ends), not raised
    // again, escalated, saying August's value.
    let out = drop("2026-08", 6, 6);
    assert_eq!(updated(&out), set(&["2026-08"]), "{out}");
    let aug = scores(&env, "2026-08");
    let items = items_by_id(&aug);
    let ids: Vec<&str> = items.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, [gs, rq], "{}", aug["improvement_items"]);
    for (_, i) in &items {
        assert_eq!(i["status"], "open", "{i}");
        assert_eq!(i["due"], "2026-08-31");
        assert_eq!(i["seen"], serde_json::json!(["2026-07", "2026-08"]), "{i}");
        assert_eq!(i["current"], 40.0);
    }

    // September: GS01 all 是 (100, n 10) → resolved; RQ01 still 40 → overdue (09-30 > 08-31).
    let out = drop("2026-09", 0, 6);
    assert_eq!(updated(&out), set(&["2026-09"]), "{out}");
    let sep = scores(&env, "2026-09");
    assert_eq!(group(&sep, "enterprise", "GS01")["items"]["Q9"]["score"], 100.0);
    let items = items_by_id(&sep);
    let ids: Vec<&str> = items.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, [gs, rq], "{}", sep["improvement_items"]);
    assert_eq!(items[0].1["status"], "resolved");
    assert_eq!(items[0].1["resolved"], "2026-09");
    assert_eq!(items[1].1["status"], "overdue");
    assert_eq!(items[1].1["resolved"], Value::Null);
    assert_eq!(items[1].1["responsible"], "赵某");

    // The earlier months still say what they said.
    assert_eq!(items_by_id(&scores(&env, "2026-07"))[0].1["status"], "new");
    assert_eq!(items_by_id(&scores(&env, "2026-08"))[0].1["status"], "open");
}

// ---------------------------------------------------------------------------------------
// 5. Byte-identical outputs
// ---------------------------------------------------------------------------------------

#[test]
fn outputs_are_byte_identical_for_the_same_database() {
    let env = Env::new();
    let name = "竟陵街道_月度自评_2026-10.xlsx";
    write_xlsx(&env.inbox(name), "调查问卷", &monthly(6));
    let original = sha256(&env.inbox(name));
    run_ok(&env);
    let scores_path = env.path("reports/2026-10/scores.json");
    let manifest_path = env.path("reports/2026-10/manifest.json");
    let first = (sha256(&scores_path), sha256(&manifest_path));
    let mut inode = stamp(&env, "2026-10").0;
    for _ in 0..2 {
        let out = env.run(&["report", "--period", "2026-10"]);
        assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
        let again = stamp(&env, "2026-10").0;
        assert_ne!(again, inode, "report rewrote scores.json");
        inode = again;
        assert_eq!((sha256(&scores_path), sha256(&manifest_path)), first, "same bytes");
    }

    let manifest = read_json(&manifest_path);
    assert_eq!(manifest["period"], "2026-10");
    let inputs = manifest["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 1, "{manifest}");
    let archived = env.path("archive/2026-10").join(name);
    assert!(archived.is_file());
    assert_eq!(
        inputs[0]["sha256"],
        sha256(&archived).as_str(),
        "sha256 of the archived file"
    );
    assert_eq!(inputs[0]["sha256"], original.as_str(), "the original bytes");
    assert_eq!(inputs[0]["status"], "accepted");
    assert!(
        inputs[0]["path"].as_str().unwrap().ends_with(name),
        "{}",
        inputs[0]["path"]
    );
    let outputs = manifest["outputs"].as_array().unwrap();
    let scores_entry = outputs
        .iter()
        .find(|o| o["path"] == "scores.json")
        .unwrap_or_else(|| panic!("scores.json in outputs: {manifest}"));
    assert_eq!(scores_entry["sha256"], sha256(&scores_path).as_str());
    // Every output listed exists with that hash.
    for o in outputs {
        let p = env.path("reports/2026-10").join(o["path"].as_str().unwrap());
        assert_eq!(o["sha256"], sha256(&p).as_str(), "{o}");
    }
    // No temporary files are left behind: the outputs and the manifest only.
    assert_eq!(
        env.files("reports/2026-10"),
        [
            "2026年10月供水供气企业服务满意度汇总表.xlsx",
            "2026年10月供水供气企业服务满意度调查明细(内部资料,含个人信息).xlsx",
            "2026年10月天门市供水供气企业服务满意度分析报告.pdf",
            "manifest.json",
            "scores.json",
            "企业报告/2026年10月天门市第一供水有限公司服务满意度分析报告.pdf",
            "公示/2026年10月天门市供水供气企业服务满意度评价结果公示.html",
            "公示/2026年10月天门市供水供气企业服务满意度评价结果公示.pdf"
        ]
    );
}

// ---------------------------------------------------------------------------------------
// 6. Only the affected periods are recomputed
// ---------------------------------------------------------------------------------------

/// 5 rows of `unit` (a name) about GS01 in a month, or in a quarter (sampled survey), users
/// numbered from `first` (a respondent may answer only once per enterprise and period).
fn small_return(unit: &str, period: &str, first: u32) -> Vec<Vec<C>> {
    let (kind, date) = if period.contains('Q') {
        // 2026Q3 → a date in its middle month.
        let q: u32 = period[5..].parse().unwrap();
        ("季度抽查", format!("{}-{:02}-15", &period[..4], q * 3 - 1))
    } else {
        ("月度自评", format!("{period}-05"))
    };
    let rows = (first..first + 5)
        .map(|i| row(i, &date, "天门市第一供水有限公司"))
        .collect();
    survey(unit, kind, period, rows)
}

fn drop_return(env: &Env, file: &str, unit: &str, period: &str) {
    // Distinct users per submitter.
    let first = if unit == "竟陵街道" { 1 } else { 101 };
    write_xlsx(&env.inbox(file), "调查问卷", &small_return(unit, period, first));
}

#[test]
fn only_affected_periods_are_recomputed() {
    let env = Env::new();
    drop_return(&env, "jl-07.xlsx", "竟陵街道", "2026-07");
    drop_return(&env, "jl-10.xlsx", "竟陵街道", "2026-10");
    drop_return(&env, "city-q3.xlsx", "天门市住房和城乡建设局", "2026Q3");
    let out = run_ok(&env);
    assert_eq!(updated(&out), set(&["2026-07", "2026-10", "2026Q3"]), "{out}");
    let all = ["2026-07", "2026-10", "2026Q3"];
    let before: Vec<_> = all.iter().map(|p| stamp(&env, p)).collect();

    // Nothing new: nothing rewritten.
    let out = run_ok(&env);
    assert!(updated(&out).is_empty(), "{out}");
    let now: Vec<_> = all.iter().map(|p| stamp(&env, p)).collect();
    assert_eq!(now, before);

    // A second return for 2026-10 (GS01 reports itself): only 2026-10 (its quarter 2026Q4 has
    // no sampled survey, so no outputs).
    std::thread::sleep(std::time::Duration::from_millis(20));
    drop_return(&env, "gs01-10.xlsx", "天门市第一供水有限公司", "2026-10");
    let out = run_ok(&env);
    assert_eq!(updated(&out), set(&["2026-10"]), "{out}");
    assert_ne!(stamp(&env, "2026-10"), before[1], "2026-10 rewritten");
    assert_eq!(stamp(&env, "2026-07"), before[0], "2026-07 untouched");
    assert_eq!(stamp(&env, "2026Q3"), before[2], "2026Q3 untouched");
    assert_eq!(group(&scores(&env, "2026-10"), "enterprise", "GS01")["n"], 10);
    let oct = stamp(&env, "2026-10");

    // A return for 2026-08: 2026-08 itself, the later month 2026-10 (its declines and
    // improvement items replay the months before it), and 2026Q3 (its self-assessment pools
    // July–September). 2026-07 comes before and is untouched.
    std::thread::sleep(std::time::Duration::from_millis(20));
    drop_return(&env, "jl-08.xlsx", "竟陵街道", "2026-08");
    let out = run_ok(&env);
    assert_eq!(updated(&out), set(&["2026-08", "2026-10", "2026Q3"]), "{out}");
    assert!(env.path("reports/2026-08/scores.json").is_file());
    assert_ne!(stamp(&env, "2026-10"), oct, "2026-10 rewritten");
    assert_ne!(stamp(&env, "2026Q3"), before[2], "2026Q3 rewritten");
    assert_eq!(stamp(&env, "2026-07"), before[0], "2026-07 untouched");
    let q3 = scores(&env, "2026Q3");
    let gs01 = q3["self_assessment_bias"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["enterprise"] == "GS01")
        .unwrap()
        .clone();
    assert_eq!(gs01["self_n"], 10, "July 5 + August 5 pooled");
    assert_eq!(gs01["sampled_n"], 5);
}

/// A changed month affects its own quarter (the pooled self-assessment), not later quarters:
/// a quarter's outputs read only its own months and the quarterly surveys.
#[test]
fn a_changed_month_does_not_recompute_later_quarters() {
    let env = Env::new();
    drop_return(&env, "jl-07.xlsx", "竟陵街道", "2026-07");
    drop_return(&env, "city-q3.xlsx", "天门市住房和城乡建设局", "2026Q3");
    drop_return(&env, "city-q4.xlsx", "天门市住房和城乡建设局", "2026Q4");
    let out = run_ok(&env);
    assert_eq!(updated(&out), set(&["2026-07", "2026Q3", "2026Q4"]), "{out}");
    let q4 = stamp(&env, "2026Q4");
    std::thread::sleep(std::time::Duration::from_millis(20));
    drop_return(&env, "jl-08.xlsx", "竟陵街道", "2026-08");
    let out = run_ok(&env);
    assert_eq!(updated(&out), set(&["2026-08", "2026Q3"]), "{out}");
    assert_eq!(stamp(&env, "2026Q4"), q4, "2026Q4 untouched");
}

// ---------------------------------------------------------------------------------------
// 7. `report` for a period without data
// ---------------------------------------------------------------------------------------

#[test]
fn report_for_a_period_without_data_fails_clearly() {
    let env = Env::new();
    // An empty deployment.
    let out = env.run(&["report", "--period", "2026-05"]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("错误") && err.contains("2026年5月") && err.contains("没有"),
        "{err}"
    );
    assert!(!env.path("reports/2026-05").exists());

    // Data for 2026-10 only: another month and the quarter (no sampled survey) fail too.
    write_xlsx(&env.inbox("竟陵街道_月度自评_2026-10.xlsx"), "调查问卷", &monthly(3));
    run_ok(&env);
    for (period, label) in [("2026-09", "2026年9月"), ("2026Q4", "2026年第4季度")] {
        let out = env.run(&["report", "--period", period]);
        assert_eq!(code(&out), 1, "{period}: {}{}", stdout(&out), stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(label) && err.contains("没有"), "{period}: {err}");
        assert!(!env.path(&format!("reports/{period}")).exists(), "{period}");
    }
    assert!(stderr(&env.run(&["report", "--period", "2026Q4"])).contains("季度抽查"));

    // A period that is no period: a usage error (exit 2), said before anything is read.
    let out = env.run(&["report", "--period", "2026-13"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("“2026-13”无效"), "{}", stderr(&out));

    // The month with data still works.
    let out = env.run(&["report", "--period", "2026-10"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// `report --period P` rewrites P but leaves its dependants to the next `run`: a corrected
/// August ingested and reported alone still updates September at the next run.
#[test]
fn report_of_one_period_leaves_its_dependants_to_the_next_run() {
    let env = Env::new();
    let month = |period: &str, no: u32| {
        let rows = (1..=10)
            .map(|n| {
                answered(
                    n,
                    &format!("{period}-05"),
                    "天门市第一供水有限公司",
                    &[("Q1", if n <= no { "否" } else { "是" })],
                )
            })
            .collect();
        survey("竟陵街道", "月度自评", period, rows)
    };
    write_xlsx(&env.inbox("a/竟陵街道_2026-08.xlsx"), "调查问卷", &month("2026-08", 1));
    write_xlsx(&env.inbox("a/竟陵街道_2026-09.xlsx"), "调查问卷", &month("2026-09", 1));
    run_ok(&env);
    let before = stamp(&env, "2026-09");
    write_xlsx(&env.path("更正.xlsx"), "调查问卷", &month("2026-08", 5));
    assert_eq!(code(&env.run(&["ingest", "更正.xlsx"])), 0);
    assert_eq!(code(&env.run(&["report", "--period", "2026-08"])), 0);
    assert_eq!(stamp(&env, "2026-09"), before, "report touched only 2026-08");
    let out = run_ok(&env);
    // (2026Q3 has no sampled returns, so it has no outputs to redo.)
    assert_eq!(updated(&out), set(&["2026-08", "2026-09"]), "{out}");
    // September compares with the corrected August (Q1 50 → 90: no decline any more).
    let sep = scores(&env, "2026-09");
    let q1 = sep["declines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == "GS01" && d["indicator"] == "Q1");
    assert!(q1.is_none(), "{q1:?}");
    assert!(
        run_ok(&env).lines().all(|l| !l.starts_with("已更新报告")),
        "nothing left to do"
    );
}
