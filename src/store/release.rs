//! The release records (SPEC §9b): every issued version of a period, written once.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::period::Period;
use crate::results::release::Figures;

/// One issued version as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRecord {
    pub period: Period,
    pub version: u32,
    pub signer: String,
    pub date: chrono::NaiveDate,
    pub number: Option<String>,
    /// The configuration's dependency hash the version was computed under.
    pub depends_on: String,
    /// The fingerprint of the results issued (their scores.json's results): what a later
    /// computation is compared with.
    pub scores: String,
    /// The returns in force, as JSON ([{path, sha256}]).
    pub inputs: String,
    /// Each enterprise's composite and n as issued.
    pub figures: Vec<Figures>,
}

/// One issued version of a year (SPEC §13).
#[derive(Debug, Clone, PartialEq)]
pub struct YearRelease {
    pub year: i32,
    pub version: u32,
    pub signer: String,
    pub date: chrono::NaiveDate,
    pub number: Option<String>,
    /// The fingerprint of the year's results issued.
    pub scores: String,
}

impl Store {
    /// Records an issued version of a year. A version is never written twice.
    pub fn record_year_release(&self, r: &YearRelease) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO year_release (year, version, signer, released_on, number, scores) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![r.year, r.version, r.signer, r.date.to_string(), r.number, r.scores],
        )?;
        Ok(())
    }

    /// Every issued version of a year, the first first.
    pub fn year_releases(&self, year: i32) -> Result<Vec<YearRelease>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT version, signer, released_on, number, scores FROM year_release WHERE year = ?1 ORDER BY version",
        )?;
        let rows = st.query_map(params![year], |row| {
            let date: String = row.get(2)?;
            Ok(YearRelease {
                year,
                version: row.get(0)?,
                signer: row.get(1)?,
                date: chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap_or_default(),
                number: row.get(3)?,
                scores: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records an issued version. A version is never written twice.
    pub fn record_release(&self, r: &ReleaseRecord) -> Result<(), StoreError> {
        let figures = serde_json::to_string(&r.figures).unwrap_or_default();
        self.conn.execute(
            "INSERT INTO release (period, version, signer, released_on, number, depends_on, scores, inputs, figures)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                r.period,
                r.version,
                r.signer,
                r.date.to_string(),
                r.number,
                r.depends_on,
                r.scores,
                r.inputs,
                figures
            ],
        )?;
        Ok(())
    }

    /// Every issued version of `period`, the first first.
    pub fn releases(&self, period: Period) -> Result<Vec<ReleaseRecord>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT version, signer, released_on, number, depends_on, scores, inputs, figures
             FROM release WHERE period = ?1 ORDER BY version",
        )?;
        let rows = st.query_map(params![period], |row| {
            let date: String = row.get(2)?;
            let figures: String = row.get(7)?;
            Ok(ReleaseRecord {
                period,
                version: row.get(0)?,
                signer: row.get(1)?,
                date: chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap_or_default(),
                number: row.get(3)?,
                depends_on: row.get(4)?,
                scores: row.get(5)?,
                inputs: row.get(6)?,
                figures: serde_json::from_str(&figures).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether any period has been issued.
    pub fn latest_release_any(&self) -> Result<Option<Period>, StoreError> {
        let period: Option<String> = self
            .conn
            .query_row("SELECT period FROM release ORDER BY rowid DESC LIMIT 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(period.as_deref().and_then(Period::parse))
    }

    /// The version in force of `period`: its latest.
    pub fn latest_release(&self, period: Period) -> Result<Option<ReleaseRecord>, StoreError> {
        Ok(self.releases(period)?.pop())
    }
}
