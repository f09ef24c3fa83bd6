//! The year (SPEC §13): per enterprise, the pooled sampled score of its quarterly and
//! unscheduled surveys, the pooled self-assessment and the bias, each quarter's and month's
//! composite, its improvement items and complaint cases, integrity flags, and the assessment
//! (考核) that ranks the enterprises. The one input of the annual documents.

use crate::period::Period;

/// One part of an assessment: its value (0–100), its weight as configured, and its weight
/// renormalised over the parts present.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub value: f64,
    pub weight: f64,
    pub share: f64,
}

/// An enterprise's assessment: its parts (absent ones left out), score, grade and rank.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Assessment {
    pub sampled: Option<Part>,
    pub self_assessment: Option<Part>,
    pub rectification: Option<Part>,
    pub score: Option<f64>,
    pub grade: Option<String>,
    /// 1 = best; equal scores (as shown, two decimals) share a rank.
    pub rank: Option<usize>,
}

/// A pooled score: its responses and composite.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Pooled {
    pub n: u64,
    pub composite: Option<f64>,
}

/// One enterprise over the year.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnualEnterprise {
    pub code: String,
    pub name: String,
    pub utility: String,
    /// The year's quarterly and unscheduled surveys' responses, pooled.
    pub sampled: Pooled,
    /// The year's monthly self-assessment responses, pooled.
    pub self_assessment: Pooled,
    /// self − sampled, flagged by the §3 rule.
    pub bias: Option<f64>,
    pub bias_flagged: bool,
    /// Each month's and quarter's composite (its own period's results), in order.
    pub months: Vec<(Period, Pooled)>,
    pub quarters: Vec<(Period, Pooled)>,
    /// Improvement items raised in the year's periods, resolved in them, and overdue at the
    /// last of them.
    pub items_raised: u64,
    pub items_resolved: u64,
    pub items_overdue: u64,
    /// Complaint cases of the year's released periods, and the on-time rates' counts.
    pub cases: u64,
    pub callback_due: u64,
    pub called_back_in_time: u64,
    pub rectify_due: u64,
    pub rectified_in_time: u64,
    /// Integrity signals flagged on the enterprise's own returns over the year's months.
    pub integrity_flags: u64,
    pub assessment: Assessment,
}

impl AnnualEnterprise {
    /// 按期整改率 (%), when a rectification was due.
    pub fn rectify_rate(&self) -> Option<f64> {
        (self.rectify_due > 0).then(|| 100.0 * self.rectified_in_time as f64 / self.rectify_due as f64)
    }

    /// 按期回访率 (%), when a call-back was due.
    pub fn callback_rate(&self) -> Option<f64> {
        (self.callback_due > 0).then(|| 100.0 * self.called_back_in_time as f64 / self.callback_due as f64)
    }
}

/// The year's results.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnualResults {
    pub year: i32,
    pub city: String,
    /// The last month or quarter with data: the year is 截至 it until the fourth quarter is in.
    pub through: Option<Period>,
    pub complete: bool,
    /// The city's months and quarters.
    pub city_months: Vec<(Period, Pooled)>,
    pub city_quarters: Vec<(Period, Pooled)>,
    pub city_sampled: Pooled,
    pub city_self: Pooled,
    /// Enterprises by code.
    pub enterprises: Vec<AnnualEnterprise>,
    /// Whether the loop has begun (cases exist): before, the rectification part is absent and
    /// the documents say so.
    pub loop_started: bool,
    /// The day its cases' rates are counted on.
    pub as_of: chrono::NaiveDate,
    pub depends_on: String,
}

impl AnnualResults {
    /// The enterprises in assessment order (ranked first, by rank, then the unranked by code).
    pub fn ranked(&self) -> Vec<&AnnualEnterprise> {
        let mut v: Vec<&AnnualEnterprise> = self.enterprises.iter().collect();
        v.sort_by_key(|e| (e.assessment.rank.unwrap_or(usize::MAX), e.code.clone()));
        v
    }

    /// `2026年` or `2026年（截至2026年第3季度）`.
    pub fn label(&self) -> String {
        format!("{}年", self.year)
    }
}
