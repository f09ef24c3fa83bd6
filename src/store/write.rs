//! The store's write side: one file's return recorded in its own transaction (begun,
//! rows added in chunks, committed or rolled back), rejected files, the respondent index
//! that catches duplicates across submitters, and the improvement items of a period.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::params;

use super::{Ending, Known, KnownReturn, OpenReturn, Receipt, Replaced, Store, StoreError};
use crate::period::{Period, ReturnKind};
use crate::validate::{Response, ReturnMeta, RowIssue};

/// A date as stored, `2026-10-05` (as chrono writes it, without its formatting machinery).
fn date_text(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let year = d.year();
    if !(0..=9999).contains(&year) {
        return d.to_string();
    }
    let digits = |n: u32, width: u32| {
        (0..width)
            .rev()
            .map(move |k| char::from(b'0' + (n / 10u32.pow(k) % 10) as u8))
    };
    let mut out = String::with_capacity(10);
    out.extend(digits(year as u32, 4));
    out.push('-');
    out.extend(digits(d.month(), 2));
    out.push('-');
    out.extend(digits(d.day(), 2));
    out
}

impl Store {
    /// Removes from `responses` the respondents already stored for the same kind and period
    /// by another submitter (a resubmission by the same submitter replaces its own), and
    /// returns an issue for each.
    pub fn cross_duplicates(
        &mut self,
        meta: &ReturnMeta,
        user_cell: &str,
        responses: &mut Vec<Response>,
    ) -> Result<Vec<RowIssue>, StoreError> {
        let keys = responses.iter().map(Response::respondent_key).collect();
        Ok(self.cross_duplicates_keyed(meta, user_cell, responses, keys)?.0)
    }

    /// [`Store::cross_duplicates`] of rows whose respondent keys are known (`keys[i]` of
    /// `responses[i]`); returns the issues and the keys of the rows kept, in their order, for
    /// [`Store::add_keyed_rows`].
    pub fn cross_duplicates_keyed(
        &mut self,
        meta: &ReturnMeta,
        user_cell: &str,
        responses: &mut Vec<Response>,
        keys: Vec<String>,
    ) -> Result<(Vec<RowIssue>, Vec<String>), StoreError> {
        debug_assert_eq!(responses.len(), keys.len());
        let known = self.known_respondents(meta.kind, &meta.period.to_string())?;
        let mut issues = Vec::new();
        let mut kept = Vec::with_capacity(keys.len());
        let mut keys = keys.into_iter();
        responses.retain(|r| {
            let key = keys.next().unwrap_or_else(|| r.respondent_key());
            match known.get(&key) {
                Some(k) if k.of.submitter != meta.submitter_code => {
                    issues.push(RowIssue {
                        cell: format!("{user_cell}{}", r.row),
                        row: r.row,
                        value: r.user_name.clone(),
                        problem: format!(
                            "该用户(同一用户名称、联系电话和服务企业)本期已由{}报送,不重复计入",
                            k.place()
                        ),
                    });
                    false
                }
                _ => {
                    kept.push(key);
                    true
                }
            }
        });
        Ok((issues, kept))
    }

    fn known_respondents(&mut self, kind: ReturnKind, period: &str) -> Result<&HashMap<String, Known>, StoreError> {
        let key = (kind, period.to_string());
        if !self.respondents.contains_key(&key) {
            let mut st = self.conn.prepare(
                "SELECT r.user_name, r.phone, r.enterprise, s.submitter_code, s.submitter_name, s.original_name, r.row_no,
                    s.id
                 FROM response r JOIN submission s ON s.id = r.submission_id
                 WHERE s.kind = ?1 AND s.period = ?2 AND s.status = 'accepted'",
            )?;
            let mut map = HashMap::new();
            let mut returns: HashMap<i64, Arc<KnownReturn>> = HashMap::new();
            let mut rows = st.query(params![kind.code(), period])?;
            while let Some(r) = rows.next()? {
                let name: String = r.get(0)?;
                let phone: Option<String> = r.get(1)?;
                let ent: String = r.get(2)?;
                let k = crate::validate::respondent_key(&name, phone.as_deref(), &ent);
                let of = match returns.get(&r.get::<_, i64>(7)?) {
                    Some(of) => of.clone(),
                    None => {
                        let of = Arc::new(KnownReturn {
                            submitter: r.get(3)?,
                            submitter_name: r.get(4)?,
                            file_name: crate::inbox::base_name(std::path::Path::new(&r.get::<_, String>(5)?)),
                        });
                        returns.insert(r.get(7)?, of.clone());
                        of
                    }
                };
                map.entry(k).or_insert(Known { of, row: r.get(6)? });
            }
            self.respondents.insert(key.clone(), map);
        }
        Ok(&self.respondents[&key])
    }

    /// Starts recording an accepted return: opens the file's transaction and inserts its
    /// submission. Rows follow with [`Store::add_rows`]; [`Store::commit_return`] ends it,
    /// [`Store::rollback`] forgets it.
    pub fn begin_return(&mut self, receipt: &Receipt<'_>, meta: &ReturnMeta) -> Result<OpenReturn, StoreError> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let inserted = self.exec(
            "INSERT INTO submission (sha256, original_name, size, submitter_code, submitter_name, kind, period,
                received_at, status, stored_path, source_path, survey_name)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'accepted', '', ?9, ?10)",
            params![
                receipt.sha256,
                receipt.original_name,
                receipt.size as i64,
                meta.submitter_code,
                meta.submitter_name,
                meta.kind.code(),
                meta.period.to_string(),
                receipt.received_at,
                super::path_bytes(receipt.source),
                meta.survey_name,
            ],
        );
        if let Err(e) = inserted {
            self.rollback();
            return Err(e.into());
        }
        Ok(OpenReturn {
            id: self.conn.last_insert_rowid(),
            meta: meta.clone(),
            rows: 0,
            keys: Vec::new(),
            file_name: crate::inbox::base_name(std::path::Path::new(receipt.original_name)),
        })
    }

    /// Writes rows of an open return.
    pub fn add_rows(&mut self, open: &mut OpenReturn, rows: &[Response]) -> Result<(), StoreError> {
        let keys = rows.iter().map(Response::respondent_key).collect();
        self.add_keyed_rows(open, rows, keys)
    }

    /// Writes rows of an open return whose respondent keys are known (`keys[i]` of `rows[i]`).
    pub fn add_keyed_rows(
        &mut self,
        open: &mut OpenReturn,
        rows: &[Response],
        keys: Vec<String>,
    ) -> Result<(), StoreError> {
        debug_assert_eq!(rows.len(), keys.len());
        let mut st = self.conn.prepare_cached(
            "INSERT INTO response (submission_id, row_no, survey_date, method, user_name, user_type, usage_nature,
                monthly_usage, phone, enterprise, utility, county, opinion, suggestion, answers)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?;
        for r in rows {
            st.execute(params![
                open.id,
                r.row,
                r.survey_date.map(date_text),
                r.method,
                r.user_name,
                r.user_type,
                r.usage_nature,
                r.monthly_usage,
                r.phone,
                r.enterprise,
                r.utility,
                r.county,
                r.opinion,
                r.suggestion,
                r.answers.as_str()
            ])?;
        }
        open.keys.extend(keys.into_iter().zip(rows.iter().map(|r| r.row)));
        open.rows += rows.len();
        Ok(())
    }

    /// Ends an open return: its counts, issues and place, and supersedes the submitter's
    /// earlier return of the same kind and period; commits. Returns the returns it replaced
    /// (their file name as received and receipt time).
    pub fn commit_return(&mut self, open: OpenReturn, end: &Ending<'_>) -> Result<Vec<Replaced>, StoreError> {
        let m = &open.meta;
        let result = (|| -> Result<Vec<(i64, Replaced)>, StoreError> {
            self.exec(
                "UPDATE submission SET format = ?2, rows_accepted = ?3, rows_rejected = ?4, notes = ?5, stored_path = ?6,
                    warnings = ?7, sheet = ?8
                 WHERE id = ?1",
                params![
                    open.id,
                    end.format,
                    open.rows as i64,
                    crate::validate::rows_with_issues(end.issues) as i64,
                    end.notes,
                    end.stored_path,
                    end.warnings,
                    end.sheet
                ],
            )?;
            let replaced = {
                let mut st = self.conn.prepare_cached(
                    "SELECT id, original_name, received_at FROM submission
                     WHERE submitter_code = ?1 AND kind = ?2 AND period = ?3 AND status = 'accepted' AND id <> ?4
                       AND coalesce(survey_name, '') = coalesce(?5, '')",
                )?;
                let rows = st.query_map(
                    params![
                        m.submitter_code,
                        m.kind.code(),
                        m.period.to_string(),
                        open.id,
                        m.survey_name
                    ],
                    |r| {
                        Ok((
                            r.get(0)?,
                            Replaced {
                                original_name: r.get(1)?,
                                received_at: r.get(2)?,
                            },
                        ))
                    },
                )?;
                rows.collect::<Result<Vec<_>, _>>()?
            };
            for (id, _) in &replaced {
                self.exec(
                    "UPDATE submission SET status = 'superseded', superseded_by = ?1 WHERE id = ?2",
                    params![open.id, id],
                )?;
            }
            self.insert_issues(open.id, end.issues)?;
            let mut st = self.conn.prepare_cached(
                "INSERT INTO not_reached (submission_id, row_no, enterprise, user_name, phone, reason, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for n in end.not_reached {
                st.execute(params![
                    open.id,
                    n.row,
                    n.enterprise,
                    n.user_name,
                    n.phone,
                    n.reason,
                    n.note
                ])?;
            }
            drop(st);
            if m.kind != ReturnKind::Frame {
                self.exec(
                    "INSERT OR IGNORE INTO stale_period (period) VALUES (?1)",
                    [m.period.to_string()],
                )?;
            }
            self.conn.execute_batch("COMMIT")?;
            Ok(replaced)
        })();
        let replaced = match result {
            Ok(r) => r,
            Err(e) => {
                self.rollback();
                return Err(e);
            }
        };
        // Keep the in-memory respondent index in step with what was committed: the replaced
        // returns' respondents leave it (read back for just those returns), this one's enter.
        let key = (m.kind, m.period.to_string());
        if self.respondents.contains_key(&key) {
            let mut gone = Vec::new();
            for (id, _) in &replaced {
                let mut st = self
                    .conn
                    .prepare_cached("SELECT user_name, phone, enterprise FROM response WHERE submission_id = ?1")?;
                let rows = st.query_map([id], |r| {
                    let phone: Option<String> = r.get(1)?;
                    Ok(crate::validate::respondent_key(
                        &r.get::<_, String>(0)?,
                        phone.as_deref(),
                        &r.get::<_, String>(2)?,
                    ))
                })?;
                gone.extend(rows.collect::<Result<Vec<_>, _>>()?);
            }
            let map = self.respondents.get_mut(&key).expect("checked above");
            for k in gone {
                if map.get(&k).is_some_and(|known| known.of.submitter == m.submitter_code) {
                    map.remove(&k);
                }
            }
            let of = Arc::new(KnownReturn {
                submitter: m.submitter_code.clone(),
                submitter_name: m.submitter_name.clone(),
                file_name: open.file_name,
            });
            map.reserve(open.keys.len());
            for (k, row) in open.keys {
                map.entry(k).or_insert_with(|| Known {
                    of: of.clone(),
                    row: row.into(),
                });
            }
        }
        Ok(replaced.into_iter().map(|(_, r)| r).collect())
    }

    /// Abandons the open transaction, if any.
    pub fn rollback(&mut self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }

    /// Records a rejected file, with what is known of it and its row issues, in one transaction.
    pub fn record_rejected(
        &mut self,
        receipt: &Receipt<'_>,
        meta: Option<&ReturnMeta>,
        end: &Ending<'_>,
    ) -> Result<i64, StoreError> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let result = (|| -> Result<i64, StoreError> {
            self.exec(
                "INSERT INTO submission (sha256, original_name, size, format, submitter_code, submitter_name, kind,
                    period, received_at, status, rows_rejected, reason, notes, stored_path, source_path, survey_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'rejected', ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    receipt.sha256,
                    receipt.original_name,
                    receipt.size as i64,
                    end.format,
                    meta.map(|m| m.submitter_code.as_str()),
                    meta.map(|m| m.submitter_name.as_str()),
                    meta.map(|m| m.kind.code()),
                    meta.map(|m| m.period.to_string()),
                    receipt.received_at,
                    crate::validate::rows_with_issues(end.issues) as i64,
                    end.reason,
                    end.notes,
                    end.stored_path,
                    super::path_bytes(receipt.source),
                    meta.and_then(|m| m.survey_name.as_deref())
                ],
            )?;
            let id = self.conn.last_insert_rowid();
            self.insert_issues(id, end.issues)?;
            // The period's feedback and data quality now say this file was rejected.
            if let Some(m) = meta.filter(|m| m.kind != ReturnKind::Frame) {
                self.exec(
                    "INSERT OR IGNORE INTO stale_period (period) VALUES (?1)",
                    [m.period.to_string()],
                )?;
            }
            self.conn.execute_batch("COMMIT")?;
            Ok(id)
        })();
        if result.is_err() {
            self.rollback();
        }
        result
    }

    fn insert_issues(&self, id: i64, issues: &[RowIssue]) -> Result<(), StoreError> {
        let mut st = self.conn.prepare_cached(
            "INSERT INTO row_issue (submission_id, row_no, cell, value, problem) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for i in issues {
            st.execute(params![id, i.row, i.cell, i.value, i.problem])?;
        }
        Ok(())
    }

    /// Records the improvement items as reported for `period` (replacing an earlier
    /// computation of the same period), in one transaction.
    pub fn save_items(&mut self, period: Period, items: &[crate::results::ImprovementItem]) -> Result<(), StoreError> {
        let kind = period.kind();
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM improvement_status WHERE period = ?1 AND item_id IN (SELECT id FROM improvement_item WHERE kind = ?2)", params![period, kind.code()])?;
        {
            let mut up = tx.prepare_cached(
                "INSERT INTO improvement_item (id, kind, enterprise, indicator, rule, severity, raised_period, due_date,
                    finding, measure, responsible)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT(id) DO UPDATE SET severity = excluded.severity, due_date = excluded.due_date,
                    finding = excluded.finding, measure = excluded.measure, responsible = excluded.responsible",
            )?;
            let mut st =
                tx.prepare_cached("INSERT INTO improvement_status (item_id, period, status) VALUES (?1, ?2, ?3)")?;
            for i in items {
                up.execute(params![
                    i.id,
                    kind.code(),
                    i.enterprise,
                    i.indicator,
                    i.rule().code(),
                    i.severity.label(),
                    i.raised.to_string(),
                    i.due.to_string(),
                    i.finding,
                    i.measure,
                    i.responsible
                ])?;
                st.execute(params![i.id, period, i.status.code()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_written_as_chrono_writes_them() {
        for (y, m, d) in [
            (2026, 10, 5),
            (2026, 1, 31),
            (999, 12, 1),
            (0, 1, 1),
            (9999, 12, 31),
            (10000, 1, 1),
            (-1, 3, 4),
        ] {
            let date = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(super::date_text(date), date.to_string());
        }
    }
}
