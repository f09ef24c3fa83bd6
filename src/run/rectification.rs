//! The rectification loop's standing summary (SPEC §11): as of today, for every enterprise,
//! its open improvement items (of the latest issued month and quarter) and its complaint
//! cases with their deadlines, and who is listed for an interview (建议约谈); written to
//! `reports/整改台账/` by every run and release.

use std::collections::BTreeMap;

use chrono::Datelike;
use std::path::PathBuf;

use serde_json::Value;

use crate::config::Config;
use crate::period::Period;
use crate::results::cases::{CaseRates, CaseStatus, EnterpriseLoop, Interview, LoopSummary, PROGRESS, Records};
use crate::store::{Store, StoreError};

/// The issued results of each released period: its latest version's scores.json, by period.
fn issued_scores(config: &Config) -> BTreeMap<Period, Value> {
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(&config.paths.reports).into_iter().flatten().flatten() {
        let Some(period) = e.file_name().to_str().and_then(Period::parse) else {
            continue;
        };
        let dir = e.path();
        let Some(folder) = crate::render::json::latest_issued(&dir) else {
            continue;
        };
        let scores = std::fs::read(dir.join(folder).join(crate::render::json::SCORES))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
        if let Some(scores) = scores {
            out.insert(period, scores);
        }
    }
    out
}

fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The loop as of `config.today`.
pub fn summary(config: &Config, store: &Store) -> Result<LoopSummary, StoreError> {
    let today = config.today;
    let issued = issued_scores(config);
    let mut loops: Vec<EnterpriseLoop> = (config.enterprises.iter())
        .map(|e| EnterpriseLoop {
            code: e.code.clone(),
            name: e.name.clone(),
            ..Default::default()
        })
        .collect();
    // Open items: those of the latest issued month and the latest issued quarter, each with
    // its §4 status and what the enterprise reported of it (the latest report wins).
    let item_reports = crate::results::cases::latest_item_reports(store.item_reports()?);
    for quarters in [false, true] {
        let Some((_, scores)) = issued.iter().rev().find(|(p, _)| p.is_quarter() == quarters) else {
            continue;
        };
        for item in array(scores, "improvement_items").filter(|i| text(i, "status") != "resolved") {
            let Some(l) = loops.iter_mut().find(|l| l.code == text(item, "enterprise")) else {
                continue;
            };
            let id = text(item, "id").to_string();
            if l.open_items.iter().any(|(x, ..)| *x == id) {
                continue;
            }
            let due = chrono::NaiveDate::parse_from_str(text(item, "due"), "%Y-%m-%d").unwrap_or(today);
            let overdue = text(item, "status") == "overdue";
            let reported = item_reports.iter().rfind(|r| r.item_id == id);
            l.items += 1;
            l.items_overdue += u64::from(overdue);
            l.items_reported += u64::from(reported.is_some());
            l.items_done += u64::from(reported.is_some_and(|r| r.progress.as_deref() == Some(PROGRESS[0])));
            let name = format!("{} {}", text(item, "indicator"), text(item, "indicator_name"));
            l.open_items.push((id, name, due, overdue));
        }
    }
    // Each entry's history: every report and review, dated by the day its file came in.
    let received: std::collections::HashMap<i64, String> = (store.loop_files()?.into_iter())
        .map(|f| (f.id, f.received_at.get(..10).unwrap_or(&f.received_at).to_string()))
        .collect();
    let on = |file: i64| received.get(&file).cloned().unwrap_or_default();
    let opt = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for r in store.item_reports()? {
        if let Some(l) = loops.iter_mut().find(|l| l.code == r.enterprise) {
            let line = format!(
                "{} 企业报:{} {} {}",
                on(r.file_id),
                r.progress.as_deref().unwrap_or_default(),
                opt(r.done_on),
                r.measures.as_deref().unwrap_or_default()
            );
            push_history(l, &r.item_id, line);
        }
    }
    for r in &item_reports {
        if let (Some(l), Some(p)) = (loops.iter_mut().find(|l| l.code == r.enterprise), &r.progress) {
            l.item_progress.retain(|(id, _)| *id != r.item_id);
            l.item_progress.push((r.item_id.clone(), p.clone()));
        }
    }
    let records = Records::new(store.case_reports()?, store.appeal_reviews()?);
    for c in store.cases()? {
        let Some(l) = loops.iter_mut().find(|l| l.code == c.enterprise) else {
            continue;
        };
        let state = records.state(&c, today);
        l.cases += 1;
        l.cases_called_back += u64::from(state.called_on.is_some());
        l.cases_rectified += u64::from(state.done_on.is_some());
        l.cases_overdue += u64::from(state.status == CaseStatus::Overdue);
        l.overdue_callback +=
            u64::from(state.status == CaseStatus::Overdue && state.called_on.is_none() && today > c.callback_due);
        l.pending_appeals += u64::from(state.status == CaseStatus::Appealing);
        l.appeals += u64::from(state.appealed);
        l.appeals_upheld += u64::from(state.status == CaseStatus::AppealUpheld);
        let mut rates = CaseRates::default();
        rates.add(&c, &state, today);
        l.callback_due += rates.callback_due;
        l.called_back_in_time += rates.called_back_in_time;
        l.rectify_due += rates.rectify_due;
        l.rectified_in_time += rates.rectified_in_time;
        l.open_cases
            .push((c.number.clone(), state.status, c.callback_due, c.rectify_due));
        let (reports, reviews) = records.of(&c.number);
        for r in reports {
            let mut said = Vec::new();
            if let (Some(d), Some(how)) = (r.called_on, &r.call_result) {
                said.push(format!("回访 {d} {how}"));
            }
            if let Some(v) = &r.verified {
                said.push(format!("核实 {v}"));
            }
            if let Some(d) = r.done_on {
                said.push(format!("整改完成 {d}"));
            }
            if let Some(v) = &r.user_rating {
                said.push(format!("用户评价 {v}"));
            }
            if r.appeal {
                said.push(format!("申诉:{}", r.appeal_reason.as_deref().unwrap_or_default()));
            }
            push_history(l, &c.number, format!("{} 企业报:{}", on(r.file_id), said.join(";")));
        }
        for v in reviews {
            let decision = if v.upheld { "成立" } else { "不成立" };
            let line = format!(
                "{} {}复核:{decision} {}",
                v.decided_on,
                v.decided_by,
                v.opinion.as_deref().unwrap_or_default()
            );
            push_history(l, &c.number, line);
        }
    }
    let interviews = interviews(config, &issued, &loops);
    Ok(LoopSummary {
        as_of: today,
        enterprises: loops,
        interviews,
    })
}

/// Per enterprise, its complaint cases opened in `year`'s periods and their on-time rates'
/// counts, as of today (the year's assessment, SPEC §13).
pub fn case_rates(config: &Config, store: &Store, year: i32) -> Result<BTreeMap<String, (u64, CaseRates)>, StoreError> {
    let records = Records::new(store.case_reports()?, store.appeal_reviews()?);
    let mut out: BTreeMap<String, (u64, CaseRates)> = BTreeMap::new();
    for c in store
        .cases()?
        .into_iter()
        .filter(|c| c.period.first_day().year() == year)
    {
        let state = records.state(&c, config.today);
        let (n, rates) = out.entry(c.enterprise.clone()).or_default();
        *n += 1;
        rates.add(&c, &state, config.today);
    }
    Ok(out)
}

fn push_history(l: &mut EnterpriseLoop, number: &str, line: String) {
    let line = line.trim().to_string();
    match l.history.iter_mut().find(|(n, _)| n == number) {
        Some((_, lines)) => lines.push(line),
        None => l.history.push((number.to_string(), vec![line])),
    }
}

/// 建议约谈 (SPEC §11): below the action line with enough responses, or last of its utility,
/// in each of the last `interview_after` issued periods of a kind; or overdue cases.
fn interviews(config: &Config, issued: &BTreeMap<Period, Value>, loops: &[EnterpriseLoop]) -> Vec<Interview> {
    let after = config.scheme.cases.interview_after.max(1) as usize;
    let action = config.scheme.thresholds.action;
    let mut out: Vec<Interview> = Vec::new();
    let mut add = |code: &str, name: &str, reason: String| match out.iter_mut().find(|i| i.code == code) {
        Some(i) => i.reasons.push(reason),
        None => out.push(Interview {
            code: code.to_string(),
            name: name.to_string(),
            reasons: vec![reason],
        }),
    };
    for e in &config.enterprises {
        for quarters in [false, true] {
            let last: Vec<(&Period, &Value)> = (issued.iter().rev())
                .filter(|(p, _)| p.is_quarter() == quarters)
                .take(after)
                .collect();
            // Consecutive periods: each the one before the next.
            let consecutive = last.windows(2).all(|w| *w[1].0 == w[0].0.previous());
            if last.len() < after || !consecutive {
                continue;
            }
            let below = last.iter().all(|(_, s)| below_line(s, &e.code, action));
            let bottom = last.iter().all(|(_, s)| last_of_utility(config, s, &e.code, e.utility));
            let span = format!("{}至{}", last[last.len() - 1].0.label_zh(), last[0].0.label_zh());
            if below {
                add(
                    &e.code,
                    &e.name,
                    format!("{span}连续 {after} 期综合得分低于整改线 {action} 分"),
                );
            }
            if bottom {
                add(
                    &e.code,
                    &e.name,
                    format!("{span}连续 {after} 期为{}企业末位", e.utility.label()),
                );
            }
        }
    }
    for l in loops.iter().filter(|l| l.cases_overdue > 0) {
        let late_callback = l.overdue_callback;
        let late_rectify = l.cases_overdue - late_callback;
        if late_callback > 0 {
            add(
                &l.code,
                &l.name,
                format!("有 {late_callback} 件差评件超过回访期限未回访"),
            );
        }
        if late_rectify > 0 {
            add(
                &l.code,
                &l.name,
                format!("有 {late_rectify} 件差评件超过整改期限未整改"),
            );
        }
    }
    out
}

fn enterprise_group<'a>(scores: &'a Value, code: &str) -> Option<&'a Value> {
    array(scores, "groups").find(|g| text(g, "level") == "enterprise" && text(g, "key") == code)
}

fn composite_with_enough(scores: &Value, g: &Value) -> Option<f64> {
    let min = scores.get("min_sample").and_then(Value::as_u64).unwrap_or(0);
    let n = g.get("n").and_then(Value::as_u64).unwrap_or(0);
    (n >= min).then(|| g.get("composite").and_then(Value::as_f64)).flatten()
}

fn below_line(scores: &Value, code: &str, action: f64) -> bool {
    enterprise_group(scores, code)
        .and_then(|g| composite_with_enough(scores, g))
        .is_some_and(|c| c < action)
}

/// Last of its utility among the enterprises of the utility with enough responses, when at
/// least `min_ranked` of them are (as the public ranking, SPEC §8); tied last, each is.
fn last_of_utility(config: &Config, scores: &Value, code: &str, utility: crate::config::Utility) -> bool {
    let same = |key: &str| config.enterprises.iter().any(|e| e.code == key && e.utility == utility);
    let ranked: Vec<(&str, f64)> = array(scores, "groups")
        .filter(|g| text(g, "level") == "enterprise" && same(text(g, "key")))
        .filter_map(|g| composite_with_enough(scores, g).map(|c| (text(g, "key"), c)))
        .collect();
    let shown = |c: f64| crate::score::stats::round_half_away(c, 2);
    let lowest = ranked.iter().map(|(_, c)| shown(*c)).fold(f64::INFINITY, f64::min);
    ranked.len() >= (config.scheme.thresholds.min_ranked as usize).max(2)
        && ranked.iter().any(|(k, c)| *k == code && shown(*c) == lowest)
}

/// Cases whose responses a correction replaced go on with the corrected response of the same
/// respondent (same enterprise and name, and the same phone or survey date) while it is still a
/// case: their number, deadlines and reports kept. Run before the periods are recomputed, so that
/// an upheld appeal goes on leaving the respondent out; such a period is marked for it.
pub fn carry_cases(config: &Config, store: &mut Store) -> Result<(), StoreError> {
    let orphans = store.all_superseded_cases()?;
    if orphans.is_empty() {
        return Ok(());
    }
    let cased: std::collections::HashSet<i64> = store.cases()?.iter().map(|c| c.response_id).collect();
    let excluded: std::collections::HashSet<i64> = store.excluded_responses()?.into_iter().map(|(r, _)| r).collect();
    let mut periods: Vec<Period> = orphans.iter().map(|c| c.period).collect();
    periods.sort();
    periods.dedup();
    for period in periods {
        let sources = store.case_sources(period)?;
        for c in orphans.iter().filter(|c| c.period == period) {
            let same = |s: &&crate::store::cases::CaseSource| {
                s.enterprise == c.enterprise
                    && s.user_name == c.user_name
                    && (s.phone == c.phone || (s.survey_date.is_some() && s.survey_date == c.survey_date))
                    && !cased.contains(&s.response_id)
            };
            let Some(s) = sources.iter().find(same) else {
                continue;
            };
            let aspects = crate::analyse::cases::aspects(&config.scheme, &s.answers);
            if aspects.is_empty() {
                continue;
            }
            store.carry_case(&c.number, s.response_id, &aspects)?;
            if excluded.contains(&c.response_id) {
                store.mark_stale(period)?;
            }
        }
    }
    Ok(())
}

/// The loop for a period's documents: once a period has been issued under sign-off.
pub fn for_documents(config: &Config, store: &Store) -> Result<Option<LoopSummary>, StoreError> {
    if !config.release.required || store.latest_release_any()?.is_none() {
        return Ok(None);
    }
    summary(config, store).map(Some)
}

/// Rewrites the standing summary in `reports/整改台账/` (rectification.json and the workbook)
/// once the loop has begun (a period issued under sign-off); returns the files written.
pub fn refresh(config: &Config, store: &Store) -> Result<Vec<PathBuf>, super::publish::PublishError> {
    if !config.release.required || store.latest_release_any()?.is_none() {
        return Ok(Vec::new());
    }
    // Deadlines counted Monday to Friday for want of their year in the calendar are counted
    // again once a city has added it.
    // Never earlier than the enterprise's ledger printed them: a make-up working weekend may
    // bring a counted deadline a day forward, and the printed one stands.
    let printed: std::collections::HashMap<String, (chrono::NaiveDate, chrono::NaiveDate)> =
        (store.cases()?.into_iter())
            .filter(|c| c.estimated)
            .map(|c| (c.number, (c.callback_due, c.rectify_due)))
            .collect();
    for (number, opened) in store.estimated_cases()? {
        let callback = config.calendar.after(opened, config.scheme.cases.callback_days);
        let rectify = config.calendar.after(opened, config.scheme.cases.rectify_days);
        if !callback.estimated && !rectify.estimated {
            let (c, r) = printed.get(&number).copied().unwrap_or((callback.date, rectify.date));
            store.set_deadlines(&number, callback.date.max(c), rectify.date.max(r), false)?;
        }
    }
    let summary = summary(config, store)?;
    let dir = config.paths.reports.join(crate::render::ledger::FOLDER);
    let mut files = crate::render::ledger::write_summary(&dir, &config.wording, &summary)?;
    // The appeals waiting for the city bureau, in its review (none: no review).
    let path = crate::render::ledger::review_path(config);
    let records = Records::new(store.case_reports()?, store.appeal_reviews()?);
    let cases = store.cases()?;
    let pending: Vec<crate::render::ledger::PendingAppeal<'_>> = (cases.iter())
        .filter_map(|c| {
            let state = records.state(c, config.today);
            let reason = state.pending_appeal?;
            let latest = state.latest.unwrap_or_default();
            Some(crate::render::ledger::PendingAppeal {
                case: c,
                enterprise: (config.party(&c.enterprise)).map_or(c.enterprise.clone(), |p| p.name().to_string()),
                verified: latest.verified,
                call_result: latest.call_result,
                reason,
            })
        })
        .collect();
    let city = config.units.iter().find(|u| u.role == crate::config::Role::City);
    match city {
        Some(unit) if !pending.is_empty() => {
            files.push(crate::render::ledger::write_review(
                &path,
                &config.wording,
                &unit.name,
                config.today,
                &pending,
            )?);
        }
        _ => {
            let _ = std::fs::remove_file(&path);
        }
    }
    Ok(files)
}
