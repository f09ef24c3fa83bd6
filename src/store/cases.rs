//! Complaint cases (差评件, SPEC §11): the responses they come from, and the cases opened.

use rusqlite::params;

use super::{Store, StoreError};
use crate::period::Period;
use crate::results::cases::Case;

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
}

impl Store {
    /// The valid responses of `period`, by submitter, return and row.
    pub fn case_sources(&self, period: Period) -> Result<Vec<CaseSource>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT r.id, r.enterprise, r.user_name, r.phone, r.survey_date, r.answers, r.opinion,
                    s.original_name, r.row_no
             FROM response r JOIN submission s ON s.id = r.submission_id
             WHERE s.kind = ?1 AND s.period = ?2 AND s.status = 'accepted'
             ORDER BY s.submitter_code, s.id, r.id",
        )?;
        let mut rows = st.query(params![period.kind().code(), period])?;
        let mut out = Vec::new();
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
            });
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

    /// Every recorded case, with what the ledger shows of its response, by number.
    pub fn cases(&self) -> Result<Vec<Case>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT c.number, c.period, c.enterprise, c.response_id, r.user_name, r.phone, r.survey_date,
                    c.aspects, r.opinion, c.opened_on, c.callback_due, c.rectify_due, c.estimated
             FROM complaint_case c JOIN response r ON r.id = c.response_id
             ORDER BY c.number",
        )?;
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
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
