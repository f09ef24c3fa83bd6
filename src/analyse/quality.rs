//! Data quality per submitter (SPEC §8): for one period, who was expected to send what, and
//! what each unit and enterprise sent: returns received, accepted and rejected, valid and
//! rejected rows, returns still missing. Computed from the period's submissions; `status`
//! prints it and the documents show it.

use std::collections::BTreeMap;

use crate::config::{Config, Role};
use crate::period::{Period, ReturnKind};
use crate::results::{DataQuality, ReturnState, SubmitterQuality};
use crate::store::{Status, Submission};

/// Who owes a return for `period`: county units and enterprises a monthly self-assessment
/// each month, the city unit the quarterly sampled survey each quarter.
pub fn expected(config: &Config, period: Period) -> Vec<(String, String, ReturnKind)> {
    let mut out = Vec::new();
    if period.is_quarter() {
        for u in config.units.iter().filter(|u| u.role == Role::City) {
            out.push((u.code.clone(), u.name.clone(), ReturnKind::Quarterly));
        }
    } else {
        for u in config.units.iter().filter(|u| u.role == Role::County) {
            out.push((u.code.clone(), u.name.clone(), ReturnKind::Monthly));
        }
        for e in &config.enterprises {
            out.push((e.code.clone(), e.name.clone(), ReturnKind::Monthly));
        }
    }
    out
}

/// The registered submitter whose inbox folder a file was received in (`JL/表.xlsx` → JL).
pub fn folder_unit(config: &Config, original_name: &str) -> Option<String> {
    let (folder, _) = original_name.split_once('/')?;
    config.party(folder).map(|p| p.code().to_string())
}

/// The data quality of one period from its submissions (every status) and the files received
/// again with the same bytes, by (submitter code, kind code): received = accepted + rejected +
/// superseded + duplicates, one definition for `status` and the documents.
pub fn data_quality(
    config: &Config,
    period: Period,
    subs: &[Submission],
    duplicates: &BTreeMap<(String, String), usize>,
) -> DataQuality {
    let mut by: BTreeMap<(String, ReturnKind), Vec<&Submission>> = BTreeMap::new();
    for s in subs {
        // A file whose submitter could not be read counts under the unit whose inbox folder
        // it was dropped in; one whose kind could not be read, under the period's kind.
        let code = s
            .submitter_code
            .clone()
            .or_else(|| folder_unit(config, &s.original_name));
        if let Some(code) = code {
            by.entry((code, s.kind.unwrap_or(period.kind()))).or_default().push(s);
        }
    }
    let mut rows: Vec<(String, String, ReturnKind, bool)> = (expected(config, period).into_iter())
        .map(|(code, name, kind)| (code, name, kind, true))
        .collect();
    for (code, kind) in by.keys() {
        if !rows.iter().any(|(c, _, k, _)| c == code && k == kind) {
            let name = config
                .party(code)
                .map(|p| p.name().to_string())
                .unwrap_or_else(|| code.clone());
            rows.push((code.clone(), name, *kind, false));
        }
    }
    let submitters: Vec<SubmitterQuality> = rows
        .into_iter()
        .map(|(code, name, kind, expected)| {
            let list = by.get(&(code.clone(), kind)).map(Vec::as_slice).unwrap_or(&[]);
            let accepted: Vec<_> = list.iter().filter(|s| s.status == Status::Accepted).collect();
            let rejected = list.iter().filter(|s| s.status == Status::Rejected).count();
            let superseded = list.iter().filter(|s| s.status == Status::Superseded).count();
            let state = match (accepted.is_empty(), superseded > 0, rejected > 0) {
                (false, true, _) => ReturnState::Corrected,
                (false, false, _) => ReturnState::Accepted,
                (true, _, true) => ReturnState::Rejected,
                (true, _, false) => ReturnState::Missing,
            };
            let dup = duplicates
                .get(&(code.clone(), kind.code().to_string()))
                .copied()
                .unwrap_or(0);
            SubmitterQuality {
                code,
                name,
                kind,
                received: list.len() + dup,
                duplicates: dup,
                accepted: accepted.len(),
                rejected,
                superseded,
                rows_valid: accepted.iter().map(|s| s.rows_accepted.max(0) as u64).sum(),
                rows_rejected: accepted.iter().map(|s| s.rows_rejected.max(0) as u64).sum(),
                state,
                expected,
            }
        })
        .collect();
    let missing = submitters.iter().filter(|s| s.is_missing()).count();
    DataQuality { submitters, missing }
}
