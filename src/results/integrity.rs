//! The integrity signals of self-assessment data (数据质量疑点) and the importance of each item,
//! as the analysis finds them (see the analysis stage's `integrity`).

/// The checks, with their code (scores.json) and how a reader calls them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    NoUnfavourable,
    StraightLining,
    RepeatedPhone,
    BunchedDates,
    SameN,
    CallbackAgreement,
    /// Quarters: a submitter's self-assessment against the sampled score of the enterprises
    /// it covers.
    SelfVsSampled,
}

impl Check {
    pub fn code(self) -> &'static str {
        match self {
            Check::NoUnfavourable => "no_unfavourable",
            Check::StraightLining => "straight_lining",
            Check::RepeatedPhone => "repeated_phone",
            Check::BunchedDates => "bunched_dates",
            Check::SameN => "same_n",
            Check::CallbackAgreement => "callback_agreement",
            Check::SelfVsSampled => "self_vs_sampled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Check::NoUnfavourable => "全部为有利回答",
            Check::StraightLining => "答案雷同",
            Check::RepeatedPhone => "联系电话重复",
            Check::BunchedDates => "调查日期集中",
            Check::SameN => "问卷数逐月相同",
            Check::CallbackAgreement => "与市局回访一致率",
            Check::SelfVsSampled => "自评高于抽查",
        }
    }

    /// What the value measures, for a reader.
    pub fn unit(self) -> &'static str {
        match self {
            Check::NoUnfavourable => "不利回答占比(%)",
            Check::StraightLining => "与他人答案完全相同的问卷占比(%)",
            Check::RepeatedPhone => "电话与其他问卷重复的占比(%)",
            Check::BunchedDates => "最集中两天的问卷占比(%)",
            Check::SameN => "问卷数相同的连续月数",
            Check::CallbackAgreement => "同一用户答案一致率(%)",
            Check::SelfVsSampled => "自评综合得分 − 所涉企业的抽查综合得分(分)",
        }
    }
}

/// One check of one submitter in one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub submitter: String,
    /// How people call the submitter (filled in from the registry).
    pub name: String,
    pub check: Check,
    /// Responses (or, for the call-back, matched users) behind it.
    pub n: u64,
    pub value: f64,
    pub threshold: f64,
    /// Needs checking.
    pub flagged: bool,
}

/// An item's derived importance and its score (the city's).
#[derive(Debug, Clone, PartialEq)]
pub struct Importance {
    pub id: String,
    pub name: String,
    /// Pearson correlation of the item's score with overall satisfaction; `None` with too
    /// few pairs or no variation.
    pub importance: Option<f64>,
    pub pairs: u64,
    pub score: Option<f64>,
    /// Important (at or above the median importance) and below the action threshold.
    pub priority: bool,
}
