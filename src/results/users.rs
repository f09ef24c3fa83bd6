//! Users and large customers (SPEC §12): the respondents of a period by type, usage nature,
//! survey method and monthly-usage band, with their scores; large customers beside the other
//! users; the composite weighted by each response's usage; and how the mix moved over the
//! recent periods. Counts and scores only: no respondent is named here.

use crate::period::Period;
use crate::results::{Level, UnfavourableShare};

/// What respondents are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum By {
    /// 用户类型
    Type,
    /// 用水(用气)性质
    Nature,
    /// 调查方式
    Method,
    /// 月均用量 band, per utility
    Band,
}

impl By {
    pub const ALL: [By; 4] = [By::Type, By::Nature, By::Method, By::Band];

    /// Its list's name in scores.json `users`.
    pub fn code(self) -> &'static str {
        match self {
            By::Type => "by_type",
            By::Nature => "by_nature",
            By::Method => "by_method",
            By::Band => "by_band",
        }
    }
}

/// The respondents of one group (city or enterprise) of one kind (a type, a band …).
#[derive(Debug, Clone, PartialEq)]
pub struct UserGroup {
    pub level: Level,
    pub key: String,
    pub by: By,
    /// 供水 or 供气 for a band; empty otherwise.
    pub utility: String,
    /// The type, nature, method or band (未填 when the responses do not say).
    pub group: String,
    pub n: u64,
    pub composite: Option<f64>,
}

/// Large customers (大客户) of a group beside its other users.
#[derive(Debug, Clone, PartialEq)]
pub struct LargeCustomers {
    pub level: Level,
    pub key: String,
    pub n: u64,
    pub composite: Option<f64>,
    pub overall: Option<f64>,
    /// Every other response of the group (below the line, or not stating its usage).
    pub others_n: u64,
    pub others_composite: Option<f64>,
    pub others_overall: Option<f64>,
    /// The large customers' items with the largest unfavourable share.
    pub worst: Vec<UnfavourableShare>,
}

/// A group's composite with each response weighted by its monthly usage, over the responses
/// that state it.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageWeighted {
    pub level: Level,
    pub key: String,
    pub composite: Option<f64>,
    pub n_with_usage: u64,
}

/// The users' analysis of one period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Users {
    /// City first, then enterprises by code; within a group by kind, then in the order of
    /// the kind (bands lowest first, 未填 last; the others by name).
    pub groups: Vec<UserGroup>,
    pub large: Vec<LargeCustomers>,
    pub weighted: Vec<UsageWeighted>,
}

impl Users {
    /// The groups of one city or enterprise counted by one kind.
    pub fn of<'a>(&'a self, level: Level, key: &'a str, by: By) -> impl Iterator<Item = &'a UserGroup> + 'a {
        (self.groups.iter()).filter(move |g| g.level == level && g.key == key && g.by == by)
    }

    pub fn large_of(&self, level: Level, key: &str) -> Option<&LargeCustomers> {
        self.large.iter().find(|l| l.level == level && l.key == key)
    }

    pub fn weighted_of(&self, level: Level, key: &str) -> Option<&UsageWeighted> {
        self.weighted.iter().find(|l| l.level == level && l.key == key)
    }
}

/// One period's users by type and by band (the trend of the mix), oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct UsersPoint {
    pub period: Period,
    pub groups: Vec<UserGroup>,
}
