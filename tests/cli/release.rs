//! Review and sign-off (SPEC §9b) played through by its people with the real binary: the
//! cron run writes drafts for the reviewing leader; the leader reads the draft and signs the
//! period off; enterprises and the public get the issued version; a late correction makes a
//! correction's draft while the issued version stays in force, until the next release issues
//! version 2 with its 更正说明.

use std::collections::BTreeMap;

use crate::support::*;

const PERIOD: &str = "2026-09";
const CITY_REPORT: &str = "2026年9月天门市供水供气企业服务满意度分析报告.pdf";
const PUBLIC_PAGE: &str = "2026年9月天门市供水供气企业服务满意度评价结果公示";
const GS01: &str = "天门市第一供水有限公司";

/// Every file under a folder with its sha256.
fn hashes(env: &Env, rel: &str) -> BTreeMap<String, String> {
    (env.files(rel).into_iter())
        .map(|f| {
            let h = sha256(&env.path(rel).join(&f));
            (f, h)
        })
        .collect()
}

/// The files of the enterprises' outbox folders that are results (not feedback on their own
/// returns, which never waits).
fn enterprise_results(env: &Env) -> Vec<String> {
    (env.files("outbox").into_iter())
        .filter(|f| f.starts_with("企业_"))
        .filter(|f| !f.contains("退回意见") && !f.contains("退回通知"))
        .collect()
}

/// A late return of 皂市镇 for 2026-09: ten users of 天门市第一供水有限公司, every answer favourable.
fn late_return(env: &Env) {
    let mut rows = meta("皂市镇", "月度自评", PERIOD);
    rows.push(header());
    for i in 1..=10 {
        let mut r = row(i, "2026-09-20", GS01);
        r[10] = s("皂市镇");
        rows.push(r);
    }
    write_xlsx(&env.inbox("ZS/皂市镇_月度自评_2026-09.xlsx"), "调查问卷", &rows);
}

/// GS01's composite and n in a scores.json.
fn gs01(scores: &serde_json::Value) -> (f64, u64) {
    let g = (scores["groups"].as_array().unwrap().iter())
        .find(|g| g["level"] == "enterprise" && g["key"] == "GS01")
        .unwrap();
    (g["composite"].as_f64().unwrap(), g["n"].as_u64().unwrap())
}

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_period_is_a_draft_for_the_reviewer_until_signed_off_and_a_correction_is_a_second_version() {
    let pdf = tool("pdftotext");
    let env = Env::signed_samples();

    // The cron run: drafts, for the reviewing leader only.
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("2026-09 为送审稿,待签发"), "{}", stdout(&o));
    assert!(
        !env.path("public").join(PERIOD).exists(),
        "nothing public before release"
    );
    assert_eq!(
        enterprise_results(&env),
        Vec::<String>::new(),
        "no enterprise gets a result"
    );
    let draft = env.path(&format!("outbox/领导_王局长/{PERIOD}/【送审稿】{CITY_REPORT}"));
    assert!(
        draft.is_file(),
        "the reviewer has the draft: {:?}",
        env.files("outbox/领导_王局长")
    );
    assert!(
        !env.path(&format!("outbox/领导_李副局长/{PERIOD}")).exists(),
        "a leader who is not a reviewer waits for the issued version"
    );
    if pdf {
        let text = pdf_text(&draft);
        assert!(text.contains("送审稿"), "the draft says it is one");
        assert!(!text.contains("签发人"));
    }
    // The draft disclosure is for the reviewers to read: it says when it will be public.
    let draft_page = env.path(&format!("reports/{PERIOD}/公示/【送审稿】{PUBLIC_PAGE}.html"));
    let text = std::fs::read_to_string(&draft_page).unwrap();
    assert!(
        text.contains("送审稿：本页经审核签发后公示，公示期自签发之日起 5 个工作日"),
        "{text}"
    );
    // The draft summary workbook says so in its title.
    let workbook = env.path(&format!(
        "reports/{PERIOD}/【送审稿】2026年9月供水供气企业服务满意度汇总表.xlsx"
    ));
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&workbook).unwrap();
    use calamine::Reader;
    let first = wb.worksheet_range_at(0).unwrap().unwrap();
    let title = first.get_value((0, 0)).unwrap().to_string();
    assert!(title.starts_with("【送审稿】"), "{title}");
    let status = env.run(&["status", "--period", PERIOD]);
    assert!(stdout(&status).contains("送审稿,待签发"), "{}", stdout(&status));

    // Usage errors: no signer, a period that is not one.
    assert_eq!(code(&env.run(&["release", "--period", PERIOD])), 2);
    assert_eq!(code(&env.run(&["release", "--period", "2026-13", "--by", "王局长"])), 2);

    // The leader signs September off.
    let o = env.run(&[
        "release",
        "--period",
        PERIOD,
        "--by",
        "王局长",
        "--number",
        "天住建〔2026〕12号",
        "--date",
        "2026-10-15",
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("第 1 版已签发"), "{}", stdout(&o));
    let v1 = env.path(&format!("reports/{PERIOD}/签发/第1版"));
    let issued = v1.join(CITY_REPORT);
    assert!(issued.is_file());
    assert!(
        !env.path(&format!("reports/{PERIOD}/【送审稿】{CITY_REPORT}")).exists(),
        "the draft is gone once issued"
    );
    assert!(!draft.exists(), "and out of the reviewer's outbox");
    for leader in ["王局长", "李副局长"] {
        let copy = env.path(&format!("outbox/领导_{leader}/{PERIOD}/{CITY_REPORT}"));
        assert_eq!(sha256(&copy), sha256(&issued), "{leader} has the issued report");
    }
    let theirs = format!("企业_GS01_{GS01}/{PERIOD}/2026年9月{GS01}服务满意度分析报告.pdf");
    assert!(
        enterprise_results(&env).contains(&theirs),
        "{:?}",
        enterprise_results(&env)
    );
    let page = std::fs::read_to_string(env.path(&format!("public/{PERIOD}/index.html"))).unwrap();
    // 2026-10-15 is a Thursday: five working days are Thu, Fri, Mon, Tue, Wed 21st.
    assert!(
        page.contains("公示期：2026年10月15日至2026年10月21日（5 个工作日）"),
        "{page}"
    );
    assert!(page.contains("0728-5221234"), "where objections go");
    assert!(page.contains("签发人：王局长") && page.contains("天住建〔2026〕12号"));
    assert!(env.path(&format!("public/{PERIOD}/{PUBLIC_PAGE}.pdf")).is_file());
    assert!(!page.contains("送审稿"));
    if pdf {
        let text = pdf_text(&issued);
        assert!(!text.contains("送审稿"), "an issued report carries no draft mark");
        for said in ["签发人：王局长", "文号：天住建〔2026〕12号", "2026年10月15日"] {
            assert!(text.contains(said), "{said}");
        }
    }
    let status = env.run(&["status", "--period", PERIOD]);
    assert!(
        stdout(&status).contains("已签发 第1版 2026-10-15 王局长"),
        "{}",
        stdout(&status)
    );

    // Signing again what has not changed does nothing.
    let before = hashes(&env, "reports");
    let o = env.run(&["release", "--period", PERIOD, "--by", "王局长"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("无需重新签发"), "{}", stdout(&o));
    assert_eq!(hashes(&env, "reports"), before);

    // A late return changes September: a correction's draft; the issued version stays.
    let public = hashes(&env, "public");
    let outbox: BTreeMap<String, String> = (hashes(&env, "outbox").into_iter())
        .filter(|(f, _)| f.starts_with("企业_"))
        .collect();
    late_return(&env);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("已签发的 2026-09 有变动,待重新签发"),
        "{}",
        stdout(&o)
    );
    assert_eq!(hashes(&env, "public"), public, "the public keeps the issued version");
    let enterprises: BTreeMap<String, String> = (hashes(&env, "outbox").into_iter())
        .filter(|(f, _)| f.starts_with("企业_"))
        .collect();
    assert_eq!(enterprises, outbox, "and so do the enterprises");
    let correction = env.path(&format!("reports/{PERIOD}/【送审稿】{CITY_REPORT}"));
    assert!(correction.is_file());
    if pdf {
        assert!(pdf_text(&correction).contains("更正送审稿"));
    }
    assert!(stdout(&env.run(&["status"])).contains("待重新签发"));

    // The second release: version 2, marked as a correction, with what changed.
    let o = env.run(&[
        "release",
        "--period",
        PERIOD,
        "--by",
        "李副局长",
        "--date",
        "2026-10-20",
    ]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let v2 = env.path(&format!("reports/{PERIOD}/签发/第2版"));
    assert!(v2.join(CITY_REPORT).is_file());
    assert_eq!(
        sha256(&v1.join(CITY_REPORT)),
        sha256(&issued),
        "version 1 is kept as issued"
    );
    let (old, new) = (
        gs01(&read_json(&v1.join("scores.json"))),
        gs01(&read_json(&v2.join("scores.json"))),
    );
    assert_eq!(new.1, old.1 + 10, "the late return's ten responses");
    let change = format!(
        "综合得分 {:.2} → {:.2}；有效问卷 {} → {} 份",
        old.0, new.0, old.1, new.1
    );
    let page = std::fs::read_to_string(env.path(&format!("public/{PERIOD}/index.html"))).unwrap();
    assert!(page.contains("第 2 版（更正）") && page.contains("更正说明"), "{page}");
    assert!(page.contains(&format!("{GS01}：{change}")), "{change}\n{page}");
    assert!(
        page.contains("公示期：2026年10月20日至2026年10月26日"),
        "counted from the new date"
    );
    if pdf {
        let text = pdf_text(&v2.join(CITY_REPORT)).replace('\n', "");
        assert!(text.contains("第 2 版（更正）") && text.contains("更正说明"));
        assert!(text.contains(&change), "{change}");
        let own = pdf_text(&v2.join(format!("企业报告/2026年9月{GS01}服务满意度分析报告.pdf")));
        assert!(own.replace('\n', "").contains("本报告更正第 1 版"));
    }
    let report = env.path(&format!("outbox/{theirs}"));
    assert_eq!(
        sha256(&report),
        sha256(&v2.join(format!("企业报告/2026年9月{GS01}服务满意度分析报告.pdf"))),
        "the enterprise now has version 2"
    );
    let manifest = read_json(&env.path(&format!("reports/{PERIOD}/manifest.json")));
    let signers: Vec<&str> = (manifest["releases"].as_array().unwrap().iter())
        .map(|r| r["signer"].as_str().unwrap())
        .collect();
    assert_eq!(signers, ["王局长", "李副局长"], "the history in the manifest");
    assert_eq!(env.count("SELECT count(*) FROM release WHERE period = '2026-09'"), 2);
}

#[test]
fn release_refuses_without_a_contact_for_objections_and_says_why() {
    let env = Env::signed_samples();
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let without: String = (text.lines())
        .filter(|l| !l.starts_with("contact ="))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&config, without).unwrap();
    assert_eq!(code(&env.run(&["run"])), 3);
    let o = env.run(&["release", "--period", PERIOD, "--by", "王局长"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("[release] 中填写 contact"), "{}", stderr(&o));
    assert!(!env.path("public").join(PERIOD).exists());
    assert_eq!(env.count("SELECT count(*) FROM release"), 0);
}

#[test]
fn without_sign_off_every_run_issues_what_it_writes() {
    let env = Env::samples();
    assert_eq!(code(&env.run(&["run"])), 3);
    assert!(env.path(&format!("reports/{PERIOD}/{CITY_REPORT}")).is_file());
    assert!(env.path(&format!("public/{PERIOD}/index.html")).is_file());
    assert!(
        !env.files("reports")
            .iter()
            .any(|f| f.contains("送审稿") || f.contains("签发"))
    );
    let o = env.run(&["release", "--period", PERIOD, "--by", "王局长"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("无需签发"), "{}", stdout(&o));
    assert_eq!(env.count("SELECT count(*) FROM release"), 0);
}

/// Same database content, same bytes (SPEC §9b): two deployments given the same returns and
/// signed off on the same date issue identical documents. And `release` on a period whose
/// returns changed since it was written (a file ingested, no run since) computes it afresh first.
#[test]
fn the_same_release_gives_the_same_bytes_and_a_stale_period_is_recomputed_before_issue() {
    let issue = |late: bool, date: &str| {
        let env = Env::signed_samples();
        assert_eq!(code(&env.run(&["run"])), 3);
        if late {
            late_return(&env);
            let file = env.inbox("ZS/皂市镇_月度自评_2026-09.xlsx");
            let o = env.run(&["ingest", file.to_str().unwrap()]);
            assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
        }
        let o = env.run(&["release", "--period", PERIOD, "--by", "王局长", "--date", date]);
        assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
        env
    };
    let (a, b) = (issue(false, "2026-09-29"), issue(false, "2026-09-29"));
    let v1 = format!("reports/{PERIOD}/签发/第1版");
    let issued = hashes(&a, &v1);
    assert!(issued.keys().any(|f| f.ends_with(CITY_REPORT)), "{issued:?}");
    assert_eq!(issued, hashes(&b, &v1));
    assert_eq!(hashes(&a, "public"), hashes(&b, "public"));
    // Released Tuesday 2026-09-29, five working days by the State Council's schedule: Tue 29th,
    // Wed 30th, then 1–7 October off, Thu 8th, Fri 9th and Saturday 10th (调休上班).
    let page = std::fs::read_to_string(a.path(&format!("public/{PERIOD}/index.html"))).unwrap();
    assert!(
        page.contains("公示期：2026年9月29日至2026年10月10日（5 个工作日）"),
        "{page}"
    );
    assert!(!page.contains("按周一至周五计算"));

    let c = issue(true, "2027-01-04");
    let page = std::fs::read_to_string(c.path(&format!("public/{PERIOD}/index.html"))).unwrap();
    // 2027 is not in the calendar: Monday 4th to Friday 8th, and the page says how it counted.
    assert!(
        page.contains("公示期：2027年1月4日至2027年1月8日") && page.contains("按周一至周五计算"),
        "{page}"
    );
    let scores = read_json(&c.path(&format!("{v1}/scores.json")));
    let (_, n) = gs01(&scores);
    let (_, n_before) = gs01(&read_json(&a.path(&format!("{v1}/scores.json"))));
    assert_eq!(n, n_before + 10, "the ingested return is in the issued results");
    assert_eq!(
        read_json(&c.path(&format!("reports/{PERIOD}/scores.json"))),
        scores,
        "and the period's folder holds the same results"
    );
}

/// Sign off 2026-09 on 2026-10-15.
fn sign(env: &Env) {
    let o = env.run(&["release", "--period", PERIOD, "--by", "王局长", "--date", "2026-10-15"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

/// A deployment that issued without sign-off (an earlier version, or `required = false`) and
/// then requires it: what its recipients and the public hold is taken over as version 1, not
/// withdrawn; results that did not change need no new release.
#[test]
fn turning_sign_off_on_keeps_what_was_issued_as_version_one() {
    let env = Env::samples();
    assert_eq!(code(&env.run(&["run"])), 3);
    let report = env.path(&format!("reports/{PERIOD}/{CITY_REPORT}"));
    let issued = sha256(&report);
    let before = enterprise_results(&env);
    assert!(!before.is_empty());
    let public = hashes(&env, "public");
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replacen("required = false", "required = true", 1)).unwrap();
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(!stdout(&o).contains("待重新签发"), "{}", stdout(&o));
    let kept = env.path(&format!("reports/{PERIOD}/签发/第1版/{CITY_REPORT}"));
    assert_eq!(sha256(&kept), issued, "the report as it was issued");
    assert_eq!(
        enterprise_results(&env),
        before,
        "nothing taken back from the enterprises"
    );
    assert_eq!(hashes(&env, "public"), public);
    // The year's documents (reports/2026/) are drafts until the year is signed off.
    assert!(
        !(env.files("reports").iter()).any(|f| f.contains("【送审稿】") && !f.starts_with("2026/")),
        "no draft: nothing changed"
    );
    let status = stdout(&env.run(&["status", "--period", PERIOD]));
    assert!(
        status.contains("已签发 第1版") && status.contains("启用审核签发前已印发"),
        "{status}"
    );
}

/// After release: a rejected file for the period (its counts of returns move, its results do
/// not) asks for no new release; an edited file name in the wording does not take the issued
/// version out of anyone's outbox; and a release cut short (its public page and the period's
/// record of it lost) is finished by releasing again.
#[test]
fn an_issued_version_stays_in_force_through_a_rejected_file_a_renamed_document_and_a_cut_short_release() {
    let env = Env::signed_samples();
    assert_eq!(code(&env.run(&["run"])), 3);
    sign(&env);
    let outbox = hashes(&env, "outbox");
    // A return of 竟陵街道 for September without its 用户名称 column: rejected whole, counted.
    let mut rows = meta("竟陵街道", "月度自评", PERIOD);
    let mut h = header();
    h.remove(3);
    rows.push(h);
    let mut r = row(1, "2026-09-20", GS01);
    r.remove(3);
    rows.push(r);
    write_xlsx(&env.inbox("JL/竟陵街道_月度自评_2026-09(补).xlsx"), "调查问卷", &rows);
    let o = env.run(&["run"]);
    assert_eq!(code(&o), 3, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("已更新报告:2026-09"), "recomputed: {}", stdout(&o));
    assert!(!stdout(&o).contains("待重新签发"), "{}", stdout(&o));
    assert!(stdout(&env.run(&["status", "--period", PERIOD])).contains("已签发 第1版 2026-10-15 王局长"));

    let wording = std::fs::read_to_string(std::path::Path::new(REPO).join("templates/report.toml")).unwrap();
    let renamed = wording.replacen(
        "city_report = \"{period_label}{city}供水供气企业服务满意度分析报告\"",
        "city_report = \"{period_label}{city}供水供气服务满意度报告\"",
        1,
    );
    assert_ne!(renamed, wording);
    std::fs::write(env.path("report.toml"), renamed).unwrap();
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("report = \"report.toml\"\n{text}")).unwrap();
    let o = env.run(&["run"]);
    assert!(code(&o) == 0 || code(&o) == 3, "{}{}", stdout(&o), stderr(&o));
    let held: BTreeMap<String, String> = hashes(&env, "outbox")
        .into_iter()
        .filter(|(f, _)| f.contains(PERIOD) && !f.contains("退回"))
        .collect();
    let issued: BTreeMap<String, String> = outbox
        .into_iter()
        .filter(|(f, _)| f.contains(PERIOD) && !f.contains("退回"))
        .collect();
    assert_eq!(held, issued, "the issued version is still in every outbox");

    // The release's last steps undone, as if it had stopped there.
    std::fs::remove_dir_all(env.path(&format!("public/{PERIOD}"))).unwrap();
    let manifest = env.path(&format!("reports/{PERIOD}/manifest.json"));
    let mut m = read_json(&manifest);
    m.as_object_mut().unwrap().remove("releases");
    std::fs::write(&manifest, serde_json::to_vec(&m).unwrap()).unwrap();
    let o = env.run(&["release", "--period", PERIOD, "--by", "王局长"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("无需重新签发"), "{}", stdout(&o));
    assert!(
        env.path(&format!("public/{PERIOD}/index.html")).is_file(),
        "published again"
    );
    assert!(
        read_json(&manifest)["releases"].is_array(),
        "the period records its release again"
    );
}

/// The public 更正说明 shows no score the disclosure withholds: an enterprise under the minimum
/// sample is 样本不足 there, with its numbers in the internal city report.
#[test]
fn a_public_correction_shows_sample_too_small_where_the_disclosure_withholds_the_score() {
    let pdf = tool("pdftotext");
    let env = Env::signed_samples();
    let config = env.path("utility-eval.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\n[thresholds]\nmin_sample = 50\n")).unwrap();
    assert_eq!(code(&env.run(&["run"])), 3);
    sign(&env);
    let v1 = read_json(&env.path(&format!("reports/{PERIOD}/签发/第1版/scores.json")));
    let old = gs01(&v1);
    assert!(old.1 < 50, "GS01 is under the minimum sample: {old:?}");
    late_return(&env);
    assert_eq!(code(&env.run(&["run"])), 0);
    let o = env.run(&["release", "--period", PERIOD, "--by", "王局长", "--date", "2026-10-16"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let v2 = env.path(&format!("reports/{PERIOD}/签发/第2版"));
    let new = gs01(&read_json(&v2.join("scores.json")));
    let page = std::fs::read_to_string(env.path(&format!("public/{PERIOD}/index.html"))).unwrap();
    let public = format!(
        "{GS01}：综合得分 样本不足 → {:.2}；有效问卷 {} → {} 份",
        new.0, old.1, new.1
    );
    assert!(page.contains(&public), "{public}\n{page}");
    assert!(
        !page.contains(&format!("{:.2} →", old.0)),
        "the withheld score is not shown"
    );
    if pdf {
        let text = pdf_text(&v2.join(CITY_REPORT)).replace('\n', "");
        assert!(
            text.contains(&format!("综合得分 {:.2} → {:.2}", old.0, new.0)),
            "the leaders see it"
        );
    }
}

#[test]
fn a_release_dated_before_the_version_in_force_is_refused() {
    let env = Env::signed_samples();
    assert_eq!(code(&env.run(&["run"])), 3);
    sign(&env);
    late_return(&env);
    assert_eq!(code(&env.run(&["run"])), 0);
    let o = env.run(&["release", "--period", PERIOD, "--by", "王局长", "--date", "2026-10-14"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("早于第 1 版的签发日期 2026-10-15"),
        "{}",
        stderr(&o)
    );
}
