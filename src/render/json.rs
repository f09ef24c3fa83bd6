//! `scores.json`, the machine-readable results of SPEC §8 that other systems read, and
//! `manifest.json` (inputs and outputs with their SHA-256). Scores are rounded half away
//! from zero to two decimals, p-values to four.

use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};
use serde_json::{Map, Value, json};

use super::{RenderContext, RenderError, Renderer};
use crate::output::write_atomic;
use crate::results::users::{By, Users};
use crate::results::{
    AdhocSurvey, Bias, Decline, Dissatisfaction, GroupResult, HistoryPoint, ImprovementItem, Lowest, PeriodResults,
    SubmitterQuality, WatchFinding,
};
use crate::score::stats::round_half_away;

pub const SCORES: &str = "scores.json";
pub const MANIFEST: &str = "manifest.json";

pub struct ScoresJson;

impl Renderer for ScoresJson {
    fn name(&self) -> &'static str {
        "scores.json"
    }

    fn render(&self, cx: &RenderContext<'_>) -> Result<Vec<PathBuf>, RenderError> {
        let path = cx.dir.join(SCORES);
        write_atomic(&path, &scores_bytes(cx.results)).map_err(|e| RenderError::new(self.name(), &path, e))?;
        Ok(vec![path])
    }
}

fn to_bytes(v: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).expect("a JSON value serialises");
    out.push(b'\n');
    out
}

fn r2(x: f64) -> Value {
    json!(round_half_away(x, 2))
}

/// Users not reached by reason, in the order of the reasons' list (未接通, 空号, 拒访, 停机, 其他).
fn reasons_json(reasons: &std::collections::BTreeMap<String, u64>) -> Value {
    let mut v: Vec<(&String, &u64)> = reasons.iter().collect();
    v.sort_by_key(|(r, _)| crate::validate::NOT_REACHED.iter().position(|(c, _)| c == r));
    Value::Object(v.into_iter().map(|(r, n)| (r.clone(), json!(n))).collect())
}

fn r2o(x: Option<f64>) -> Value {
    x.map_or(Value::Null, r2)
}

fn p4(x: Option<f64>) -> Value {
    x.map_or(Value::Null, |p| json!(round_half_away(p, 4)))
}

fn group(g: &GroupResult) -> Value {
    let dimensions: Map<String, Value> = g.dimensions.iter().map(|(d, s)| (d.clone(), r2o(*s))).collect();
    let items: Map<String, Value> = g
        .items
        .iter()
        .map(|i| {
            let ci = i.ci95.map_or(Value::Null, |(lo, hi)| json!([r2(lo), r2(hi)]));
            (
                i.id.clone(),
                json!({"score": r2o(i.score), "n": i.n, "unfavourable": i.unfavourable, "ci95": ci}),
            )
        })
        .collect();
    json!({
        "level": g.level.code(),
        "key": g.key,
        "name": g.name,
        "n": g.n,
        "excluded": g.excluded,
        "composite": r2o(g.composite),
        "overall": r2o(g.overall),
        "dimensions": dimensions,
        "items": items,
        "insufficient_sample": g.insufficient,
    })
}

/// A list written element by element: each element's JSON is built, written and dropped,
/// so that a period of thousands of groups never holds the whole document as a tree.
struct Each<'a, T>(&'a [T], fn(&T) -> Value);

impl<T> Serialize for Each<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(self.1))
    }
}

/// The scores.json document (SPEC §8; keys beyond the specified ones are additions), in
/// this key order.
#[derive(Serialize)]
struct Scores<'a> {
    period: String,
    kind: &'static str,
    city: &'a str,
    previous_period: Option<String>,
    min_sample: u32,
    groups: Each<'a, GroupResult>,
    lowest: Each<'a, Lowest>,
    declines: Each<'a, Decline>,
    improvement_items: Each<'a, ImprovementItem>,
    /// Findings on enterprises under the minimum sample: to watch (待观察), not raised as items.
    watch: Each<'a, WatchFinding>,
    dissatisfaction: Each<'a, Dissatisfaction>,
    data_quality: Each<'a, SubmitterQuality>,
    trend: Each<'a, HistoryPoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    self_assessment_bias: Option<Each<'a, Bias>>,
    /// Quarterly: the months the self-assessment pools (fewer than three when one has no data).
    #[serde(skip_serializing_if = "Option::is_none")]
    self_assessment_months: Option<Vec<String>>,
    /// Quarterly, once drawn: the call-back per enterprise (drawn, answered, response rate).
    #[serde(skip_serializing_if = "Option::is_none")]
    sampling: Option<Value>,
    /// The checks of self-assessment data: one per submitter and check.
    integrity_signals: Vec<Value>,
    /// Each item's importance (correlation with overall satisfaction) and score.
    importance: Vec<Value>,
    /// Users and large customers (SPEC §12).
    users: Value,
    /// Months: the unscheduled sampled surveys (SPEC §13).
    #[serde(skip_serializing_if = "Option::is_none")]
    adhoc: Option<Vec<Value>>,
}

/// One unscheduled survey in scores.json `adhoc` (SPEC §13).
fn adhoc_json(a: &AdhocSurvey) -> Value {
    json!({
        "name": a.name,
        "n": a.n(),
        "returns" : a.returns,
        "groups": a.groups.iter().map(group).collect::<Vec<_>>(),
        "bias": a.bias.iter().map(bias).collect::<Vec<_>>(),
        "improvement_items": a.items.iter().map(improvement_item).collect::<Vec<_>>(),
        "watch": a.watch.iter().map(watch).collect::<Vec<_>>(),
    })
}

/// scores.json `users` (SPEC §12): counts and scores, no names.
fn users_json(u: &Users) -> Value {
    let mut out = Map::new();
    for by in By::ALL {
        let list: Vec<Value> = (u.groups.iter().filter(|g| g.by == by))
            .map(|g| {
                let mut v = json!({"level": g.level.code(), "key": g.key});
                let m = v.as_object_mut().expect("an object");
                if by == By::Band {
                    m.insert("utility".into(), json!(g.utility));
                    m.insert("band".into(), json!(g.group));
                } else {
                    m.insert("group".into(), json!(g.group));
                }
                m.insert("n".into(), json!(g.n));
                m.insert("composite".into(), r2o(g.composite));
                v
            })
            .collect();
        out.insert(by.code().into(), Value::Array(list));
    }
    let large: Vec<Value> = (u.large.iter())
        .map(|l| {
            let worst: Vec<Value> = (l.worst.iter())
                .map(|i| json!({"id": i.id, "unfavourable": i.unfavourable, "n": i.n, "share": r2(i.share)}))
                .collect();
            json!({"level": l.level.code(), "key": l.key, "n": l.n, "composite": r2o(l.composite),
                "overall": r2o(l.overall), "others_n": l.others_n, "others_composite": r2o(l.others_composite),
                "others_overall": r2o(l.others_overall), "most_unfavourable": worst})
        })
        .collect();
    out.insert("large".into(), Value::Array(large));
    let weighted: Vec<Value> = (u.weighted.iter())
        .map(|w| {
            json!({"level": w.level.code(), "key": w.key, "composite": r2o(w.composite),
                "n_with_usage": w.n_with_usage})
        })
        .collect();
    out.insert("usage_weighted".into(), Value::Array(weighted));
    Value::Object(out)
}

/// scores.json of `r`, as written.
pub fn scores_bytes(r: &PeriodResults) -> Vec<u8> {
    let doc = Scores {
        period: r.period.to_string(),
        kind: r.kind.code(),
        city: &r.city,
        previous_period: r.previous.map(|p| p.to_string()),
        min_sample: r.min_sample,
        groups: Each(&r.groups, group),
        lowest: Each(&r.lowest, lowest),
        declines: Each(&r.declines, decline),
        improvement_items: Each(&r.improvement_items, improvement_item),
        watch: Each(&r.watch, watch),
        dissatisfaction: Each(&r.dissatisfaction, dissatisfaction),
        data_quality: Each(&r.quality.submitters, quality),
        trend: Each(&r.history, trend),
        self_assessment_bias: r.period.is_quarter().then_some(Each(&r.bias, bias)),
        self_assessment_months: r
            .period
            .is_quarter()
            .then(|| r.bias_months.iter().map(|m| m.to_string()).collect()),
        integrity_signals: r
            .integrity
            .iter()
            .map(|s| {
                json!({
                    "submitter": s.submitter,
                    "signal": s.check.code(),
                    "value": round_half_away(s.value, 2),
                    "threshold": s.threshold,
                    "flagged": s.flagged,
                    "n": s.n,
                    "name": s.name,
                })
            })
            .collect(),
        importance: r
            .importance
            .iter()
            .map(|i| {
                json!({
                    "id": i.id,
                    "name": i.name,
                    "importance": i.importance.map(|m| round_half_away(m, 4)),
                    "pairs": i.pairs,
                    "score": r2o(i.score),
                    "priority": i.priority,
                })
            })
            .collect(),
        users: users_json(&r.users),
        adhoc: (!r.period.is_quarter()).then(|| r.adhoc.iter().map(adhoc_json).collect()),
        sampling: r.sampling.as_ref().map(|s| {
            json!({
                "seed": s.seed,
                "drawn_at": s.drawn_at,
                "not_drawn_responses": s.not_drawn,
                "enterprises": s.enterprises.iter().map(|e| json!({
                    "enterprise": e.enterprise,
                    "name": e.name,
                    "drawn": e.drawn,
                    "answered": e.answered,
                    "not_reached": e.not_reached,
                    "not_reached_reasons": reasons_json(&e.reasons),
                    "pending": e.pending,
                    "response_rate": r2o(e.rate),
                })).collect::<Vec<_>>(),
            })
        }),
    };
    let mut out = serde_json::to_vec_pretty(&doc).expect("the document serialises");
    out.push(b'\n');
    out
}

fn lowest(l: &Lowest) -> Value {
    json!({
        "level": l.level.code(),
        "key": l.key,
        "items": l.items.iter().map(|i| json!({"id": i.id, "name": i.name, "score": r2(i.score)})).collect::<Vec<_>>(),
        "dimension": l.dimension.as_ref().map(|(d, s)| json!({"name": d, "score": r2(*s)})),
    })
}

fn decline(d: &Decline) -> Value {
    json!({
        "level": d.level.code(),
        "key": d.key,
        "indicator": d.indicator,
        "type": if d.is_dimension { "dimension" } else { "item" },
        "previous": r2(d.previous),
        "current": r2(d.current),
        "delta": r2(d.delta),
        "p": p4(d.p),
        "significant": d.significant,
    })
}

fn improvement_item(i: &ImprovementItem) -> Value {
    json!({
        "id": i.id,
        "enterprise": i.enterprise,
        "enterprise_name": i.enterprise_name,
        "indicator": i.indicator,
        "indicator_name": i.indicator_name,
        "rule": i.rule().code(),
        "rules": i.rules.iter().map(|r| r.code()).collect::<Vec<_>>(),
        "severity": i.severity.label(),
        "finding": i.finding,
        "current": r2o(i.current),
        "current_n": i.current_n,
        "seen": i.seen.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        "measure": i.measure,
        "responsible": i.responsible,
        "raised": i.raised.to_string(),
        "due": i.due.to_string(),
        "status": i.status.code(),
        "resolved": i.resolved.map(|p| p.to_string()),
    })
}

fn watch(w: &WatchFinding) -> Value {
    json!({
        "enterprise": w.enterprise,
        "enterprise_name": w.enterprise_name,
        "indicator": w.indicator,
        "indicator_name": w.indicator_name,
        "rules": w.rules.iter().map(|r| r.code()).collect::<Vec<_>>(),
        "finding": w.finding,
        "current": r2o(w.current),
        "current_n": w.current_n,
        "n": w.n,
        "status": "watch",
    })
}

fn dissatisfaction(d: &Dissatisfaction) -> Value {
    json!({
        "level": d.level.code(),
        "key": d.key,
        "items": d.items.iter().map(|i| json!({"id": i.id, "name": i.name, "share": r2(i.share), "unfavourable": i.unfavourable, "n": i.n})).collect::<Vec<_>>(),
        "topics": d.topics.iter().map(|t| json!({"topic": t.topic, "count": t.count, "quotes": t.quotes})).collect::<Vec<_>>(),
    })
}

fn bias(b: &Bias) -> Value {
    json!({
        "enterprise": b.enterprise,
        "name": b.name,
        "self_n": b.self_n,
        "self_composite": r2o(b.self_composite),
        "sampled_n": b.sampled_n,
        "sampled_composite": r2o(b.sampled_composite),
        "bias": r2o(b.bias),
        "flagged": b.flagged,
    })
}

fn quality(q: &SubmitterQuality) -> Value {
    json!({
        "submitter": q.code,
        "name": q.name,
        "kind": q.kind.code(),
        "received": q.received,
        "accepted": q.accepted,
        "rejected": q.rejected,
        "superseded": q.superseded,
        "duplicates": q.duplicates,
        "rows_valid": q.rows_valid,
        "rows_rejected": q.rows_rejected,
        "missing": q.is_missing(),
    })
}

fn trend(h: &HistoryPoint) -> Value {
    json!({
        "period": h.period.to_string(),
        "level": h.level.code(),
        "key": h.key,
        "n": h.n,
        "composite": r2o(h.composite),
        "overall": r2o(h.overall),
    })
}

/// The keys of scores.json that are the period's results as documents state them: what a
/// release is compared with (SPEC §9b). Counts of returns received (data_quality), the trend
/// and the call-back's progress move without the results changing, and keys added by later
/// versions are left out until they are listed here.
const RESULT_KEYS: &[&str] = &[
    "groups",
    "lowest",
    "declines",
    "improvement_items",
    "watch",
    "dissatisfaction",
    "self_assessment_bias",
    "adhoc",
];

/// A fingerprint of the results in the scores.json at `path` (sha256 of its [`RESULT_KEYS`]),
/// if it can be read.
pub fn results_fingerprint(path: &Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    let doc: Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let mut doc = match doc {
        Value::Object(doc) => doc,
        _ => Map::new(),
    };
    let mut picked: Map<String, Value> = RESULT_KEYS
        .iter()
        .map(|k| (k.to_string(), doc.remove(*k).unwrap_or(Value::Null)))
        .collect();
    // A month without unscheduled surveys fingerprints as before scores.json listed them.
    if picked.get("adhoc").and_then(Value::as_array).is_some_and(Vec::is_empty) {
        picked.insert("adhoc".into(), Value::Null);
    }
    // A group without excluded responses fingerprints as before groups said so (SPEC §11):
    // results issued before then are not taken for changed.
    if let Some(Value::Array(groups)) = picked.get_mut("groups") {
        for g in groups.iter_mut().filter_map(Value::as_object_mut) {
            if g.get("excluded").and_then(Value::as_u64) == Some(0) {
                g.remove("excluded");
            }
        }
    }
    // Serialised straight into the hash.
    let mut h = Sha256::new();
    serde_json::to_writer(&mut h, &picked).ok()?;
    Some(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The dependency hash a period's outputs in `dir` were made under (its manifest's
/// `depends_on`), if they have one.
pub fn depends_on(dir: &Path) -> Option<String> {
    let text = std::fs::read(dir.join(MANIFEST)).ok()?;
    let doc: Value = serde_json::from_slice(&text).ok()?;
    doc.get("depends_on")?.as_str().map(str::to_string)
}

/// The files a period's previous outputs in `dir` listed (its manifest's `outputs`), as paths.
pub fn previous_outputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read(dir.join(MANIFEST)) else {
        return Vec::new();
    };
    let Ok(doc) = serde_json::from_slice::<Value>(&text) else {
        return Vec::new();
    };
    doc.get("outputs")
        .and_then(Value::as_array)
        .map(|outputs| {
            outputs
                .iter()
                .filter_map(|o| o.get("path")?.as_str())
                // Only files inside the period's folder, whatever the manifest says.
                .filter(|p| !p.contains("..") && !p.starts_with('/'))
                .map(|p| dir.join(p))
                .collect()
        })
        .unwrap_or_default()
}

/// The folder of the version in force of a period in `dir` (its manifest's last release),
/// relative to `dir`, if it has been issued.
pub fn latest_issued(dir: &Path) -> Option<String> {
    let text = std::fs::read(dir.join(MANIFEST)).ok()?;
    let doc: Value = serde_json::from_slice(&text).ok()?;
    let folder = doc.get("releases")?.as_array()?.last()?.get("folder")?.as_str()?;
    (!folder.contains("..") && !folder.starts_with('/')).then(|| folder.to_string())
}

/// The outputs a period's manifest lists, relative to its folder, with their sha256.
pub fn manifest_outputs(dir: &Path) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read(dir.join(MANIFEST)) else {
        return Vec::new();
    };
    let Ok(doc) = serde_json::from_slice::<Value>(&text) else {
        return Vec::new();
    };
    doc.get("outputs")
        .and_then(Value::as_array)
        .map(|outputs| {
            outputs
                .iter()
                .filter_map(|o| {
                    Some((
                        o.get("path")?.as_str()?.to_string(),
                        o.get("sha256")?.as_str()?.to_string(),
                    ))
                })
                .filter(|(p, _)| !p.contains("..") && !p.starts_with('/'))
                .collect()
        })
        .unwrap_or_default()
}

/// Each of `outputs` as a manifest lists it: its path under `dir`, its sha256 and size. Hashed
/// on two threads, each taking the next file as it comes free (the detail workbook alone is
/// tens of megabytes, a hundred enterprise reports as many).
fn listed(dir: &Path, outputs: &[PathBuf]) -> std::io::Result<Vec<Value>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hash = |p: &PathBuf| -> std::io::Result<Value> {
        let (sha, size) = crate::inbox::sha256(p)?;
        let name = p.strip_prefix(dir).unwrap_or(p).to_string_lossy().to_string();
        Ok(json!({"path": name, "sha256": sha, "bytes": size}))
    };
    // The largest first, so that no thread is left with it at the end.
    let size = |p: &PathBuf| std::fs::metadata(p).map_or(0, |m| m.len());
    let mut order: Vec<usize> = (0..outputs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(size(&outputs[i])));
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            done.push((i, hash(&outputs[i])));
        }
        done
    };
    let mut done = std::thread::scope(|scope| {
        let other = scope.spawn(work);
        let mut done = work();
        done.extend(other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        done
    });
    // In the outputs' order, the first failure in that order.
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, listed)| listed).collect()
}

/// Writes manifest.json: the inputs the results came from and the files written, with hashes.
/// `releases`: the period's issued versions (SPEC §9b), listed when there are any.
pub fn write_manifest(
    r: &PeriodResults,
    dir: &Path,
    outputs: &[PathBuf],
    releases: &[crate::store::ReleaseRecord],
) -> std::io::Result<PathBuf> {
    let files = listed(dir, outputs)?;
    let accepted = r
        .inputs
        .iter()
        .filter(|i| i.status == crate::store::Status::Accepted)
        .count();
    let mut doc = json!({
        "period": r.period.to_string(),
        "kind": r.kind.code(),
        "generator": format!("utility-eval {}", env!("CARGO_PKG_VERSION")),
        "depends_on": r.depends_on,
        "inputs": r.inputs.iter().map(|i| json!({"path": i.path, "sha256": i.sha256, "status": i.status.code(), "submitter": i.submitter, "rows": i.rows})).collect::<Vec<_>>(),
        "outputs": files,
        "counts": {
            "inputs": r.inputs.len(),
            "accepted_returns": accepted,
            "responses": r.city_group().map_or(0, |g| g.n),
            "groups": r.groups.len(),
            "declines": r.declines.len(),
            "improvement_items": r.improvement_items.len(),
            "watch": r.watch.len(),
        },
    });
    if !releases.is_empty() {
        doc["releases"] = releases_json(releases);
    }
    let path = dir.join(MANIFEST);
    write_atomic(&path, &to_bytes(&doc))?;
    Ok(path)
}

fn releases_json(releases: &[crate::store::ReleaseRecord]) -> Value {
    releases
        .iter()
        .map(|x| {
            json!({
                "version": x.version,
                "signer": x.signer,
                "date": x.date.to_string(),
                "number": x.number,
                "depends_on": x.depends_on,
                "results": x.scores,
                "folder": crate::render::issued_folder(x.version),
            })
        })
        .collect()
}

/// The manifest of documents issued before sign-off was required, taken over as version 1 as
/// they were (SPEC §9b): the files kept, with hashes, and the release that records them.
pub fn write_adopted_manifest(
    dir: &Path,
    period: crate::period::Period,
    outputs: &[PathBuf],
    release: &crate::store::ReleaseRecord,
) -> std::io::Result<PathBuf> {
    let files = listed(dir, outputs)?;
    let doc = json!({
        "period": period.to_string(),
        "kind": period.kind().code(),
        "generator": format!("utility-eval {}", env!("CARGO_PKG_VERSION")),
        "issued_before_sign_off": true,
        "outputs": files,
        "releases": releases_json(std::slice::from_ref(release)),
    });
    let path = dir.join(MANIFEST);
    write_atomic(&path, &to_bytes(&doc))?;
    Ok(path)
}

/// The manifest's `depends_on` and `inputs` (as JSON text) of the outputs in `dir`.
pub fn manifest_basis(dir: &Path) -> (String, String) {
    let doc: Value = std::fs::read(dir.join(MANIFEST))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let depends_on = doc
        .get("depends_on")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let inputs = doc.get("inputs").cloned().unwrap_or(json!([]));
    (depends_on, inputs.to_string())
}

/// Each enterprise's composite and n in the scores.json at `path`: (name, composite, n,
/// under the minimum sample).
pub fn enterprise_figures(path: &Path) -> Vec<(String, Option<f64>, u64, bool)> {
    let Some(doc) = std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
    else {
        return Vec::new();
    };
    let min = doc.get("min_sample").and_then(Value::as_u64).unwrap_or(0);
    (doc.get("groups").and_then(Value::as_array).into_iter().flatten())
        .filter(|g| g.get("level").and_then(Value::as_str) == Some("enterprise"))
        .map(|g| {
            let n = g.get("n").and_then(Value::as_u64).unwrap_or(0);
            let name = g.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
            (name, g.get("composite").and_then(Value::as_f64), n, n < min)
        })
        .collect()
}
