//! Complaint cases (差评件, SPEC §11): the responses they come from, and the cases opened.

use rusqlite::params;

use super::{Store, StoreError};
use crate::period::Period;
use crate::results::cases::{AppealReview, Case, CaseReport, ItemReport};

/// A valid response of a period, as a case is opened from it.
#[derive(Debug, Clone)]
pub struct CaseSource {
    pub response_id: i64,
    /// The enterprise's code.
    pub enterprise: String,
    pub user_name: String,
    pub phone: Option<String>,
    pub survey_date: Option<String>,
    /// Item id → canonical answer, in the stored order.
    pub answers: Vec<(String, String)>,
    pub opinion: Option<String>,
    pub utility: String,
    pub user_type: Option<String>,
    pub monthly_usage: Option<f64>,
}

impl Store {
    /// The valid responses of `period`, by submitter, return and row.
    pub fn case_sources(&self, period: Period) -> Result<Vec<CaseSource>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT r.id, r.enterprise, r.user_name, r.phone, r.survey_date, r.answers, r.opinion,
                    s.original_name, r.row_no, r.utility, r.user_type, r.monthly_usage
             FROM response r JOIN submission s ON s.id = r.submission_id
             WHERE r.submission_id = ?1
             ORDER BY r.id",
        )?;
        let mut out = Vec::new();
        for id in self.accepted_in_order(period)? {
            let mut rows = st.query(params![id])?;
            while let Some(r) = rows.next()? {
                let json: String = r.get(5)?;
                let mut answers = Vec::new();
                crate::results::answers::decode(&json, |id, a| answers.push((id.to_string(), a.to_string()))).map_err(
                    |e| {
                        let file: String = r.get(7).unwrap_or_default();
                        super::answers_at(StoreError::Answers(e), &file, r.get(8).unwrap_or(0))
                    },
                )?;
                out.push(CaseSource {
                    response_id: r.get(0)?,
                    enterprise: r.get(1)?,
                    user_name: r.get(2)?,
                    phone: r.get(3)?,
                    survey_date: r.get(4)?,
                    answers,
                    opinion: r.get(6)?,
                    utility: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
                    user_type: r.get(10)?,
                    monthly_usage: r.get(11)?,
                });
            }
        }
        Ok(out)
    }

    /// Records cases not recorded yet (a response has one case).
    pub fn save_cases(&mut self, cases: &[Case]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut st = tx.prepare_cached(
                "INSERT OR IGNORE INTO complaint_case
                    (number, period, enterprise, response_id, aspects, opened_on, callback_due, rectify_due, estimated)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for c in cases {
                st.execute(params![
                    c.number,
                    c.period,
                    c.enterprise,
                    c.response_id,
                    c.aspects.join("\n"),
                    c.opened_on.to_string(),
                    c.callback_due.to_string(),
                    c.rectify_due.to_string(),
                    c.estimated
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every case of a response in force (not of a return since corrected), with what the
    /// ledger shows of its response, by number.
    pub fn cases(&self) -> Result<Vec<Case>, StoreError> {
        self.cases_where("s.status = 'accepted'")
    }

    /// The cases of `period` whose responses a correction has since replaced: carried over to
    /// the corrected response of the same respondent, if it is still a case.
    pub fn superseded_cases(&self, period: Period) -> Result<Vec<Case>, StoreError> {
        let mut out = self.cases_where("s.status <> 'accepted'")?;
        out.retain(|c| c.period == period);
        Ok(out)
    }

    /// Every case whose response a correction has replaced.
    pub fn all_superseded_cases(&self) -> Result<Vec<Case>, StoreError> {
        self.cases_where("s.status <> 'accepted'")
    }

    /// How many cases each enterprise has in `period`, corrected returns' included: the next
    /// case's number follows them.
    pub fn case_counts(&self, period: Period) -> Result<std::collections::HashMap<String, usize>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT enterprise, count(*) FROM complaint_case WHERE period = ?1 GROUP BY enterprise")?;
        let rows = st.query_map([period], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Gives case `number` the corrected response `response_id` of the same respondent.
    pub fn carry_case(&self, number: &str, response_id: i64, aspects: &[String]) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE complaint_case SET response_id = ?2, aspects = ?3 WHERE number = ?1",
            params![number, response_id, aspects.join("\n")],
        )?;
        Ok(())
    }

    fn cases_where(&self, filter: &str) -> Result<Vec<Case>, StoreError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT c.number, c.period, c.enterprise, c.response_id, r.user_name, r.phone, r.survey_date,
                    c.aspects, r.opinion, c.opened_on, c.callback_due, c.rectify_due, c.estimated,
                    r.utility, r.user_type, r.monthly_usage
             FROM complaint_case c JOIN response r ON r.id = c.response_id
                  JOIN submission s ON s.id = r.submission_id
             WHERE {filter}
             ORDER BY c.number"
        ))?;
        let day = |s: String| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").unwrap_or_default();
        let rows = st.query_map([], |r| {
            let period: String = r.get(1)?;
            let aspects: String = r.get(7)?;
            Ok(Case {
                number: r.get(0)?,
                period: Period::parse(&period).unwrap_or(Period::Month { year: 2000, month: 1 }),
                enterprise: r.get(2)?,
                response_id: r.get(3)?,
                user_name: r.get(4)?,
                phone: r.get(5)?,
                survey_date: r.get(6)?,
                aspects: aspects.lines().map(str::to_string).collect(),
                opinion: r.get(8)?,
                opened_on: day(r.get(9)?),
                callback_due: day(r.get(10)?),
                rectify_due: day(r.get(11)?),
                estimated: r.get(12)?,
                utility: r.get::<_, Option<String>>(13)?.unwrap_or_default(),
                user_type: r.get(14)?,
                monthly_usage: r.get(15)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A returned ledger or review as received (SPEC §11), and where it is filed.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopFile {
    pub id: i64,
    pub sha256: String,
    pub original_name: String,
    pub size: u64,
    pub submitter: Option<String>,
    /// `ledger` or `review`.
    pub kind: String,
    pub enterprise: Option<String>,
    pub period: Option<String>,
    pub received_at: String,
    pub accepted: bool,
    pub rows_accepted: usize,
    pub rows_rejected: usize,
    /// Why it was rejected whole.
    pub reason: Option<String>,
    /// The rows sent back: (place, why).
    pub problems: Vec<(String, String)>,
    pub stored_path: String,
    pub filed: bool,
}

/// What one returned file reports, recorded together.
#[derive(Debug, Default)]
pub struct LoopReports {
    pub items: Vec<ItemReport>,
    pub cases: Vec<CaseReport>,
    pub reviews: Vec<AppealReview>,
}

/// The responses an upheld appeal excludes, with their periods, as `conn` sees them.
fn excluded_in(conn: &rusqlite::Connection) -> Result<std::collections::BTreeSet<(i64, String)>, StoreError> {
    let mut st = conn.prepare_cached(
        "SELECT c.response_id, c.period FROM complaint_case c
         JOIN appeal_review a ON a.case_number = c.number
         WHERE a.rowid = (SELECT max(rowid) FROM appeal_review WHERE case_number = c.number) AND a.upheld = 1",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn day(s: Option<String>) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(&s?, "%Y-%m-%d").ok()
}

impl Store {
    /// Records a returned ledger or review and what it reports, in one transaction; returns
    /// its id. A review that changes whether a response counts marks its period for recomputing.
    pub fn record_loop_file(&mut self, f: &LoopFile, reports: &LoopReports) -> Result<i64, StoreError> {
        let before = self.excluded_responses()?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO loop_file (sha256, original_name, size, submitter_code, kind, enterprise, period,
                 received_at, status, rows_accepted, rows_rejected, reason, problems, stored_path)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                f.sha256,
                f.original_name,
                f.size as i64,
                f.submitter,
                f.kind,
                f.enterprise,
                f.period,
                f.received_at,
                if f.accepted { "accepted" } else { "rejected" },
                f.rows_accepted as i64,
                f.rows_rejected as i64,
                f.reason,
                serde_json::to_string(&f.problems).unwrap_or_default(),
                f.stored_path
            ],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO item_report (item_id, enterprise, file_id, row_no, measures, department, progress, done_on, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for r in &reports.items {
                st.execute(params![
                    r.item_id,
                    r.enterprise,
                    id,
                    r.row,
                    r.measures,
                    r.department,
                    r.progress,
                    r.done_on.map(|d| d.to_string()),
                    r.note
                ])?;
            }
            let mut st = tx.prepare_cached(
                "INSERT INTO case_report (case_number, file_id, row_no, called_on, call_result, verified, measures,
                     done_on, user_rating, appeal, appeal_reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for r in &reports.cases {
                st.execute(params![
                    r.number,
                    id,
                    r.row,
                    r.called_on.map(|d| d.to_string()),
                    r.call_result,
                    r.verified,
                    r.measures,
                    r.done_on.map(|d| d.to_string()),
                    r.user_rating,
                    r.appeal,
                    r.appeal_reason
                ])?;
            }
            let mut st = tx.prepare_cached(
                "INSERT INTO appeal_review (case_number, file_id, row_no, upheld, opinion, decided_by, decided_on)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for r in &reports.reviews {
                st.execute(params![
                    r.number,
                    id,
                    r.row,
                    r.upheld,
                    r.opinion,
                    r.decided_by,
                    r.decided_on.to_string()
                ])?;
            }
        }
        // A review that changes whether a response counts marks its period, in the same
        // transaction: a crash cannot keep the decision and lose the recomputation.
        let after = excluded_in(&tx)?;
        for (_, period) in before.symmetric_difference(&after) {
            tx.execute("INSERT OR IGNORE INTO stale_period (period) VALUES (?1)", [period])?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// The responses an upheld appeal excludes from every score, with their cases' periods: a
    /// case's latest review says 成立.
    pub fn excluded_responses(&self) -> Result<std::collections::BTreeSet<(i64, String)>, StoreError> {
        excluded_in(&self.conn)
    }

    /// A returned ledger or review by its bytes' hash, the latest first.
    pub fn loop_files_by_sha(&self, sha: &str) -> Result<Vec<LoopFile>, StoreError> {
        self.loop_files_where("sha256 = ?1 ORDER BY id DESC", [sha])
    }

    /// Every returned ledger and review, in the order received.
    pub fn loop_files(&self) -> Result<Vec<LoopFile>, StoreError> {
        self.loop_files_where("1 ORDER BY id", [])
    }

    fn loop_files_where(&self, filter: &str, p: impl rusqlite::Params) -> Result<Vec<LoopFile>, StoreError> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT id, sha256, original_name, size, submitter_code, kind, enterprise, period, received_at, status,
                    rows_accepted, rows_rejected, reason, problems, stored_path, filed
             FROM loop_file WHERE {filter}"
        ))?;
        let rows = st.query_map(p, |r| {
            let problems: Option<String> = r.get(13)?;
            Ok(LoopFile {
                id: r.get(0)?,
                sha256: r.get(1)?,
                original_name: r.get(2)?,
                size: r.get::<_, i64>(3)? as u64,
                submitter: r.get(4)?,
                kind: r.get(5)?,
                enterprise: r.get(6)?,
                period: r.get(7)?,
                received_at: r.get(8)?,
                accepted: r.get::<_, String>(9)? == "accepted",
                rows_accepted: r.get::<_, i64>(10)? as usize,
                rows_rejected: r.get::<_, i64>(11)? as usize,
                reason: r.get(12)?,
                problems: problems.and_then(|p| serde_json::from_str(&p).ok()).unwrap_or_default(),
                stored_path: r.get(14)?,
                filed: r.get(15)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Where the returned file `id` is to be filed (its first place was taken meanwhile).
    pub fn set_loop_destination(&self, id: i64, path: &str) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE loop_file SET stored_path = ?2 WHERE id = ?1", params![id, path])?;
        Ok(())
    }

    /// The returned file `id` is where it was to be filed.
    pub fn mark_loop_filed(&self, id: i64) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE loop_file SET filed = 1 WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Every report of an improvement item, in the order received.
    pub fn item_reports(&self) -> Result<Vec<ItemReport>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT item_id, enterprise, file_id, row_no, measures, department, progress, done_on, note
             FROM item_report ORDER BY file_id, row_no",
        )?;
        let rows = st.query_map([], |r| {
            Ok(ItemReport {
                item_id: r.get(0)?,
                enterprise: r.get(1)?,
                file_id: r.get(2)?,
                row: r.get(3)?,
                measures: r.get(4)?,
                department: r.get(5)?,
                progress: r.get(6)?,
                done_on: day(r.get(7)?),
                note: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every report of a case, in the order received.
    pub fn case_reports(&self) -> Result<Vec<CaseReport>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT case_number, file_id, row_no, called_on, call_result, verified, measures, done_on, user_rating,
                    appeal, appeal_reason
             FROM case_report ORDER BY file_id, row_no",
        )?;
        let rows = st.query_map([], |r| {
            Ok(CaseReport {
                number: r.get(0)?,
                file_id: r.get(1)?,
                row: r.get(2)?,
                called_on: day(r.get(3)?),
                call_result: r.get(4)?,
                verified: r.get(5)?,
                measures: r.get(6)?,
                done_on: day(r.get(7)?),
                user_rating: r.get(8)?,
                appeal: r.get(9)?,
                appeal_reason: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every appeal review, in the order received.
    pub fn appeal_reviews(&self) -> Result<Vec<AppealReview>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT case_number, file_id, row_no, upheld, opinion, decided_by, decided_on
             FROM appeal_review ORDER BY file_id, row_no",
        )?;
        let rows = st.query_map([], |r| {
            Ok(AppealReview {
                number: r.get(0)?,
                file_id: r.get(1)?,
                row: r.get(2)?,
                upheld: r.get(3)?,
                opinion: r.get(4)?,
                decided_by: r.get(5)?,
                decided_on: day(r.get(6)?).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every improvement item recorded, with its enterprise: id → enterprise code.
    pub fn item_owners(&self) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, enterprise FROM improvement_item")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Store {
    /// The cases whose deadlines were counted Monday to Friday: (number, the day opened).
    pub fn estimated_cases(&self) -> Result<Vec<(String, chrono::NaiveDate)>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT number, opened_on FROM complaint_case WHERE estimated = 1")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for r in rows {
            let (number, opened) = r?;
            if let Some(d) = day(Some(opened)) {
                out.push((number, d));
            }
        }
        Ok(out)
    }

    /// Sets a case's deadlines (recounted once the calendar knows their year).
    pub fn set_deadlines(
        &self,
        number: &str,
        callback: chrono::NaiveDate,
        rectify: chrono::NaiveDate,
        estimated: bool,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE complaint_case SET callback_due = ?2, rectify_due = ?3, estimated = ?4 WHERE number = ?1",
            params![number, callback.to_string(), rectify.to_string(), estimated],
        )?;
        Ok(())
    }
}
