//! The computed results of one period: the one model every renderer takes as its only
//! input. It is built once by the compute stage from the store (scores, analysis, improvement
//! items, the inputs it was computed from); no renderer queries the database or recomputes a
//! score. With it, the plain types every stage passes on ([`returns`], [`integrity`]): this
//! module imports no stage.

pub mod annual;
pub mod answers;
pub mod cases;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod integrity;
pub mod public;
pub mod release;
pub mod returns;
pub mod users;

pub use answers::{Answers, AnswersError};
pub use integrity::{Check, Importance, Signal};
pub use returns::{COLUMN_LABELS, Field, Layout, Meta, MetaCell, RowIssue, SheetDump, Status, Submission, Value};

use chrono::NaiveDate;

use crate::period::{Period, ReturnKind};

/// The group levels of SPEC §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    City,
    Enterprise,
    /// The submitter of the returns (a county office, a township, or an enterprise reporting
    /// itself), keyed by its code; `unit` in scores.json, 填报单位 in the documents.
    Submitter,
    County,
    Utility,
    UserType,
}

impl Level {
    pub const ALL: [Level; 6] = [
        Level::City,
        Level::Enterprise,
        Level::Submitter,
        Level::County,
        Level::Utility,
        Level::UserType,
    ];

    /// The code used in scores.json.
    pub fn code(self) -> &'static str {
        match self {
            Level::City => "city",
            Level::Enterprise => "enterprise",
            Level::Submitter => "unit",
            Level::County => "county",
            Level::Utility => "utility",
            Level::UserType => "user_type",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::City => "全市",
            Level::Enterprise => "企业",
            Level::Submitter => "填报单位",
            Level::County => "县市",
            Level::Utility => "行业",
            Level::UserType => "用户类型",
        }
    }
}

/// One item's score in one group.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemResult {
    pub id: String,
    pub name: String,
    /// Mean answer score, full precision; `None` when nobody answered it.
    pub score: Option<f64>,
    pub n: u64,
    pub unfavourable: u64,
    pub ci95: Option<(f64, f64)>,
}

/// The scores of one group (全市, an enterprise, a unit …) in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupResult {
    pub level: Level,
    /// Code (enterprise, unit), name (county, user type, utility) or 全市.
    pub key: String,
    /// How people call it.
    pub name: String,
    /// Responses in the group.
    pub n: u64,
    /// Responses an upheld appeal left out (SPEC §11), not in `n`.
    pub excluded: u64,
    pub composite: Option<f64>,
    pub overall: Option<f64>,
    /// In scheme order; `None` for a dimension with no answered item.
    pub dimensions: Vec<(String, Option<f64>)>,
    /// In scheme order.
    pub items: Vec<ItemResult>,
    /// n below the scheme's minimum sample: reported, marked 样本量不足.
    pub insufficient: bool,
    /// The overall-satisfaction item's answers per grade (label, count), in grade order.
    pub overall_grades: Vec<(String, u64)>,
}

impl GroupResult {
    pub fn item(&self, id: &str) -> Option<&ItemResult> {
        self.items.iter().find(|i| i.id == id)
    }

    /// The items with the largest unfavourable share (at most `top`), largest first.
    pub fn most_unfavourable(&self, top: usize) -> Vec<UnfavourableShare> {
        let mut items: Vec<UnfavourableShare> = (self.items.iter())
            .filter(|i| i.n > 0 && i.unfavourable > 0)
            .map(|i| UnfavourableShare {
                id: i.id.clone(),
                name: i.name.clone(),
                share: 100.0 * i.unfavourable as f64 / i.n as f64,
                unfavourable: i.unfavourable,
                n: i.n,
            })
            .collect();
        items.sort_by(|a, b| b.share.total_cmp(&a.share).then_with(|| a.id.cmp(&b.id)));
        items.truncate(top);
        items
    }

    pub fn dimension(&self, name: &str) -> Option<f64> {
        self.dimensions.iter().find(|(d, _)| d == name).and_then(|(_, s)| *s)
    }
}

/// An item among a group's lowest.
#[derive(Debug, Clone, PartialEq)]
pub struct LowItem {
    pub id: String,
    pub name: String,
    pub score: f64,
}

/// The lowest indicators of a group (policy §8.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Lowest {
    pub level: Level,
    pub key: String,
    /// Up to three items, lowest first.
    pub items: Vec<LowItem>,
    /// The lowest dimension and its score.
    pub dimension: Option<(String, f64)>,
}

/// An item's share of unfavourable answers in a group.
#[derive(Debug, Clone, PartialEq)]
pub struct UnfavourableShare {
    pub id: String,
    pub name: String,
    /// 0–100.
    pub share: f64,
    pub unfavourable: u64,
    pub n: u64,
}

/// What users are most dissatisfied with in a group (policy §8.2).
#[derive(Debug, Clone, PartialEq)]
pub struct Dissatisfaction {
    pub level: Level,
    pub key: String,
    /// Up to three items with the largest unfavourable share.
    pub items: Vec<UnfavourableShare>,
    /// Complaint topics, most mentioned first.
    pub topics: Vec<TopicCount>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TopicCount {
    pub topic: String,
    /// The dictionary's catch-all topic (其他): complaints no keyword matched.
    pub catch_all: bool,
    pub count: u64,
    /// A few short anonymised quotes.
    pub quotes: Vec<String>,
}

/// An indicator lower than in the same group's previous period of the same kind (policy §8.3).
#[derive(Debug, Clone, PartialEq)]
pub struct Decline {
    pub level: Level,
    pub key: String,
    /// An item id or a dimension name.
    pub indicator: String,
    pub is_dimension: bool,
    pub previous: f64,
    pub current: f64,
    pub delta: f64,
    pub p: Option<f64>,
    pub significant: bool,
}

/// Quarterly: an enterprise's pooled monthly self-assessment against the sampled survey, its
/// self-assessment bias (SPEC §3; flagged by `analyse::self_vs_sampled`, the rule the
/// integrity signal `Check::SelfVsSampled` per submitter shares).
#[derive(Debug, Clone, PartialEq)]
pub struct Bias {
    pub enterprise: String,
    pub name: String,
    pub self_n: u64,
    pub self_composite: Option<f64>,
    pub sampled_n: u64,
    pub sampled_composite: Option<f64>,
    /// self − sampled
    pub bias: Option<f64>,
    pub flagged: bool,
}

/// One unscheduled sampled survey of a month (不定期抽查, SPEC §13): its groups scored on its own
/// responses, each enterprise's month self-assessment against it (the §3 bias rule), and the
/// improvement items its results raise.
#[derive(Debug, Clone, PartialEq)]
pub struct AdhocSurvey {
    /// 调查名称.
    pub name: String,
    pub returns: usize,
    pub groups: Vec<GroupResult>,
    /// Per enterprise it surveyed.
    pub bias: Vec<Bias>,
    pub items: Vec<ImprovementItem>,
    /// Findings on enterprises under the minimum sample (but red lines): to watch.
    pub watch: Vec<WatchFinding>,
}

impl AdhocSurvey {
    /// Its responses.
    pub fn n(&self) -> u64 {
        self.groups.iter().find(|g| g.level == Level::City).map_or(0, |g| g.n)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ItemStatus {
    /// Raised in this period.
    New,
    /// Raised earlier, not yet resolved, not past its due date.
    Open,
    Overdue,
    /// Resolved in this period.
    Resolved,
}

impl ItemStatus {
    pub fn code(self) -> &'static str {
        match self {
            ItemStatus::New => "new",
            ItemStatus::Open => "open",
            ItemStatus::Overdue => "overdue",
            ItemStatus::Resolved => "resolved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::New => "新增",
            ItemStatus::Open => "整改中",
            ItemStatus::Overdue => "逾期",
            ItemStatus::Resolved => "已整改",
        }
    }
}

/// The scheme rule that found a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// An unfavourable answer on a red-line item (Q10, Q11).
    RedLine,
    /// An item or dimension below the action threshold, with enough answers.
    BelowThreshold,
    /// A significant decline against the previous period of the same kind.
    SignificantDecline,
    /// A complaint topic mentioned repeatedly.
    RepeatedTopic,
}

impl Rule {
    /// The code used in scores.json and the database.
    pub fn code(self) -> &'static str {
        match self {
            Rule::RedLine => "red_line",
            Rule::BelowThreshold => "below_threshold",
            Rule::SignificantDecline => "significant_decline",
            Rule::RepeatedTopic => "repeated_topic",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Rule::RedLine => "红线指标",
            Rule::BelowThreshold => "低于整改线",
            Rule::SignificantDecline => "显著下降",
            Rule::RepeatedTopic => "集中投诉",
        }
    }
}

/// How urgent an improvement item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    /// 低, 中, 高 (also the value in scores.json).
    pub fn label(self) -> &'static str {
        match self {
            Severity::Low => "低",
            Severity::Medium => "中",
            Severity::High => "高",
        }
    }

    /// One level up (a problem that persists), at most 高.
    pub fn escalated(self) -> Severity {
        match self {
            Severity::Low => Severity::Medium,
            _ => Severity::High,
        }
    }
}

/// An improvement item (整改事项) as it stands in this period: one per enterprise and
/// indicator while it is open, whatever rules found it and however often.
#[derive(Debug, Clone, PartialEq)]
pub struct ImprovementItem {
    /// Stable: `<raised period>-<enterprise>-<indicator>-<first rule>`.
    pub id: String,
    pub enterprise: String,
    pub enterprise_name: String,
    /// An item id, a dimension name or a complaint topic.
    pub indicator: String,
    pub indicator_name: String,
    /// Every rule that has found it, the one that raised it first.
    pub rules: Vec<Rule>,
    pub severity: Severity,
    /// The item as it stands in this period: what the rules found now, or its current value.
    pub finding: String,
    pub measure: String,
    pub responsible: String,
    /// For a decline: the level it fell from, which it must regain to be resolved.
    pub baseline: Option<f64>,
    pub raised: Period,
    /// The periods in which a rule found it, oldest first.
    pub seen: Vec<Period>,
    /// The indicator's value in this period (a score, or a topic's mentions), and its answers.
    pub current: Option<f64>,
    pub current_n: u64,
    pub due: NaiveDate,
    pub status: ItemStatus,
    /// The period it was resolved in.
    pub resolved: Option<Period>,
    /// Orders the work list within a severity: the gap to the threshold weighted by the
    /// answers behind it (points lost), or the unfavourable answers or mentions.
    pub weight: f64,
}

impl ImprovementItem {
    /// The rule that raised it.
    pub fn rule(&self) -> Rule {
        self.rules[0]
    }

    /// Still to be worked on in this period.
    pub fn is_open(&self) -> bool {
        self.status != ItemStatus::Resolved
    }
}

/// A finding on an enterprise with fewer responses than the minimum sample (SPEC §4): listed
/// to watch (待观察), not raised as an improvement item. Red-line findings are raised whatever
/// the sample; an indicator with an open item stays on the work list instead.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchFinding {
    pub enterprise: String,
    pub enterprise_name: String,
    /// An item id, a dimension name or a complaint topic.
    pub indicator: String,
    pub indicator_name: String,
    /// The rules that found it.
    pub rules: Vec<Rule>,
    /// What the rules found, with the numbers.
    pub finding: String,
    /// The indicator's value in this period (a score, or a topic's mentions), and its answers.
    pub current: Option<f64>,
    pub current_n: u64,
    /// The enterprise's responses in the period (fewer than the minimum sample).
    pub n: u64,
}

/// How many of an enterprise's open items the documents show first.
pub const TOP_ITEMS: usize = 5;

/// An enterprise's work list in this period: its open items in priority order.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkList {
    pub enterprise: String,
    /// Indices into [`PeriodResults::improvement_items`], highest priority first, at most [`TOP_ITEMS`].
    pub top: Vec<usize>,
    /// Open items beyond the top ones.
    pub rest: usize,
}

/// Where a submitter's return for the period stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnState {
    Accepted,
    /// Accepted, replacing an earlier return.
    Corrected,
    /// Only rejected returns: a new one is awaited.
    Rejected,
    /// Nothing received.
    Missing,
}

impl ReturnState {
    pub fn label(self) -> &'static str {
        match self {
            ReturnState::Accepted => "已接收",
            ReturnState::Corrected => "已接收(含更正)",
            ReturnState::Rejected => "已退回,待重报",
            ReturnState::Missing => "未报送",
        }
    }

    /// No accepted return: counted as missing when the return is owed, which only
    /// [`SubmitterQuality::is_missing`] knows (so not public).
    fn is_missing(self) -> bool {
        matches!(self, ReturnState::Rejected | ReturnState::Missing)
    }
}

/// What one submitter sent for the period.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmitterQuality {
    pub code: String,
    pub name: String,
    pub kind: ReturnKind,
    /// Files received, of every outcome: accepted + rejected + superseded + duplicates.
    pub received: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub superseded: usize,
    /// Files received again with the same bytes as a return in force (not counted twice).
    pub duplicates: usize,
    /// Rows of the accepted return counted, and left out.
    pub rows_valid: u64,
    pub rows_rejected: u64,
    pub state: ReturnState,
    /// The return is owed this period (the registry's units and enterprises for the period's
    /// kind); otherwise the row is only there because something of that kind was sent.
    pub expected: bool,
}

impl SubmitterQuality {
    /// An owed return with none accepted: 未报送 (or sent back and not yet sent again). A
    /// return of a kind the submitter does not owe, sent back, is not missing.
    pub fn is_missing(&self) -> bool {
        self.expected && self.state.is_missing()
    }

    /// Owed, and nothing at all received for it (not even a file sent back).
    pub fn sent_nothing(&self) -> bool {
        self.is_missing() && self.received == 0
    }
}

/// Data quality per submitter: everyone expected, then anyone else who sent something.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataQuality {
    pub submitters: Vec<SubmitterQuality>,
    /// Expected returns with no accepted return.
    pub missing: usize,
}

/// An evaluated enterprise as registered.
#[derive(Debug, Clone, PartialEq)]
pub struct EnterpriseInfo {
    pub code: String,
    pub name: String,
    /// 供水 or 供气.
    pub utility: &'static str,
    pub county: String,
    /// The person responsible for its improvement items.
    pub head: String,
}

/// One period's headline figures of the city or an enterprise, for trends.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPoint {
    pub period: Period,
    pub level: Level,
    pub key: String,
    pub name: String,
    pub n: u64,
    pub composite: Option<f64>,
    pub overall: Option<f64>,
}

/// How many periods of the same kind the trends show, this one included.
pub const HISTORY_PERIODS: usize = 12;

/// A return of the period that goes back to its sender: rejected, or accepted with rows left
/// out or with something to say. Only the latest return of each submitter is one: what was
/// said about its earlier attempts is history.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackReturn {
    pub submitter: String,
    pub submitter_name: String,
    /// As received (its path under the inbox).
    pub original_name: String,
    /// Its 所属期 as settled (`2026-10`), when known.
    pub period: Option<String>,
    /// Where the file now is (archive/… or rejected/…).
    pub stored_path: String,
    pub received_at: String,
    pub accepted: bool,
    /// Why it was rejected whole.
    pub reason: Option<String>,
    pub warnings: Vec<String>,
    /// Every problem cell, in row order.
    pub issues: Vec<RowIssue>,
    /// The data sheet as the sender filled it in, read back from the stored file (`None` when
    /// it is no workbook, or is gone).
    pub sheet: Option<SheetDump>,
}

/// One enterprise's part of the quarter's call-back: drawn = answered + not reached +
/// pending, and the response rate.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledEnterprise {
    pub enterprise: String,
    pub name: String,
    pub drawn: u64,
    /// Drawn users with a response in the quarter's accepted sampled returns.
    pub answered: u64,
    /// Drawn users the returns say were not reached (and who did not answer either).
    pub not_reached: u64,
    /// How many were not reached for each reason (未接通, 空号, 拒访, 停机, 其他).
    pub reasons: std::collections::BTreeMap<String, u64>,
    /// Drawn users with no result yet.
    pub pending: u64,
    /// answered / drawn, 0–100.
    pub rate: Option<f64>,
}

/// How the quarter's call-back went against its draw (SPEC §7).
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingProgress {
    pub seed: u64,
    pub drawn_at: String,
    pub enterprises: Vec<SampledEnterprise>,
    /// Responses from users who were not drawn (非抽样用户): accepted, counted, flagged.
    pub not_drawn: u64,
}

/// A return the results were computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub path: String,
    pub sha256: String,
    pub status: Status,
    pub submitter: String,
    pub rows: i64,
}

/// Everything computed for one period.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodResults {
    pub city: String,
    pub period: Period,
    pub kind: ReturnKind,
    pub previous: Option<Period>,
    pub groups: Vec<GroupResult>,
    pub lowest: Vec<Lowest>,
    pub dissatisfaction: Vec<Dissatisfaction>,
    pub declines: Vec<Decline>,
    /// Quarterly only.
    pub bias: Vec<Bias>,
    /// Per enterprise, priority first (severity, then weight); resolved items last.
    pub improvement_items: Vec<ImprovementItem>,
    /// Each enterprise's open items, top first.
    pub work_lists: Vec<WorkList>,
    /// Findings on enterprises under the minimum sample, to watch (待观察), by enterprise.
    pub watch: Vec<WatchFinding>,
    /// The registry's enterprises, in registry order.
    pub enterprises: Vec<EnterpriseInfo>,
    /// The registry's counties, as a return may name them (the feedback workbook's dropdown).
    pub counties: Vec<String>,
    /// Per submitter: received, accepted and rejected returns and rows, missing returns.
    pub quality: DataQuality,
    /// The returns that go back to their senders, by submitter.
    pub feedback: Vec<FeedbackReturn>,
    /// The city and each enterprise over the last [`HISTORY_PERIODS`] periods of this kind
    /// with data, oldest first, this one last.
    pub history: Vec<HistoryPoint>,
    /// Users and large customers (SPEC §12), and the mix by type and band over the periods of
    /// `history`.
    pub users: users::Users,
    pub users_history: Vec<users::UsersPoint>,
    /// A month's unscheduled sampled surveys (不定期抽查, SPEC §13), each scored on its own.
    pub adhoc: Vec<AdhocSurvey>,
    pub inputs: Vec<Input>,
    pub min_sample: u32,
    /// Enterprises with enough responses needed before any is ranked (SPEC §8).
    pub min_ranked: u32,
    /// Quarterly: the months whose self-assessments the bias pools (fewer than three when a
    /// month has none), in order.
    pub bias_months: Vec<Period>,
    /// The configuration's dependency hash at the time of computing.
    pub depends_on: String,
    /// Quarters with a recorded draw: the call-back's progress.
    pub sampling: Option<SamplingProgress>,
    /// The integrity checks of the self-assessment data, one per submitter and check (months:
    /// the five checks of each submitter's data; quarters: agreement with the call-back).
    pub integrity: Vec<Signal>,
    /// Each item's importance (correlation with overall satisfaction) against its score.
    pub importance: Vec<Importance>,
    /// The complaint cases open when the period is issued (SPEC §11), every enterprise's: set by
    /// `release` for the ledgers, empty otherwise.
    pub cases: Vec<cases::Case>,
    /// The rectification loop as of when the period's documents are written, once a period
    /// has been issued under sign-off (SPEC §11): their 整改闭环 sections.
    pub rectification: Option<cases::LoopSummary>,
    /// What the enterprises last reported of the open cases and items (each column's latest
    /// value): the ledgers go out with it filled in, to go on from. Set by `release`.
    pub case_reports: Vec<cases::CaseReport>,
    pub item_reports: Vec<cases::ItemReport>,
}

impl PeriodResults {
    pub fn group(&self, level: Level, key: &str) -> Option<&GroupResult> {
        self.groups.iter().find(|g| g.level == level && g.key == key)
    }

    pub fn city_group(&self) -> Option<&GroupResult> {
        self.groups.iter().find(|g| g.level == Level::City)
    }

    /// The significant declines (policy §8.3 in the documents), largest fall first.
    pub fn significant_declines(&self) -> impl Iterator<Item = &Decline> {
        self.declines.iter().filter(|d| d.significant)
    }

    /// An enterprise's utility (供水/供气), by code.
    pub fn enterprise_utility(&self, code: &str) -> Option<&'static str> {
        self.enterprises.iter().find(|e| e.code == code).map(|e| e.utility)
    }

    /// The enterprises in ranking order, each with its rank (SPEC §8): the one ranking every
    /// document shows. Ranks go only to enterprises with enough responses (not 样本不足, with a
    /// composite), by composite (then name), and only when at least `min_ranked` of them
    /// have enough; otherwise nobody has a rank ([`PeriodResults::unranked_reason`] says why)
    /// and the enterprises are listed in registry order, so that no order by score stands in
    /// for the ranking. Those under the minimum sample come last.
    pub fn ranked_enterprises(&self) -> Vec<(Option<usize>, &GroupResult)> {
        let mut e: Vec<&GroupResult> = self.groups.iter().filter(|g| g.level == Level::Enterprise).collect();
        let rankable = |g: &GroupResult| !g.insufficient && g.composite.is_some();
        if self.unranked_reason().is_some() {
            let registered = |g: &GroupResult| {
                (self.enterprises.iter())
                    .position(|x| x.code == g.key)
                    .unwrap_or(usize::MAX)
            };
            e.sort_by(|a, b| (!rankable(a), registered(a), &a.name).cmp(&(!rankable(b), registered(b), &b.name)));
            return e.into_iter().map(|g| (None, g)).collect();
        }
        e.sort_by(|a, b| {
            (a.insufficient, a.composite.is_none())
                .cmp(&(b.insufficient, b.composite.is_none()))
                .then(b.composite.unwrap_or(0.0).total_cmp(&a.composite.unwrap_or(0.0)))
                .then(a.name.cmp(&b.name))
        });
        let mut rank = 0;
        e.into_iter()
            .map(|g| {
                let ranked = rankable(g);
                rank += usize::from(ranked);
                (ranked.then_some(rank), g)
            })
            .collect()
    }

    /// How many enterprises have enough responses to be ranked.
    pub fn rankable_enterprises(&self) -> usize {
        (self.groups.iter())
            .filter(|g| g.level == Level::Enterprise && !g.insufficient && g.composite.is_some())
            .count()
    }

    /// Why the period's enterprises are not ranked (fewer than `min_ranked` have enough
    /// responses), as the documents say it; `None` when they are ranked (or there are none).
    pub fn unranked_reason(&self) -> Option<String> {
        if !self.groups.iter().any(|g| g.level == Level::Enterprise) {
            return None;
        }
        let k = self.rankable_enterprises();
        if k >= self.min_ranked as usize {
            return None;
        }
        Some(if k == 0 {
            format!("本期没有企业的有效问卷达到最低样本量 {} 份，不排名", self.min_sample)
        } else {
            format!(
                "本期有效问卷达到最低样本量 {} 份的企业只有 {k} 家，不足 {} 家，不排名",
                self.min_sample, self.min_ranked
            )
        })
    }

    /// A group's composite now minus in the previous period of the same kind.
    pub fn composite_change(&self, level: Level, key: &str) -> Option<f64> {
        let before = self.previous_point(level, key)?.composite?;
        Some(self.group(level, key)?.composite? - before)
    }

    /// A group's headline figures in the previous period of the same kind, if it had any.
    pub fn previous_point(&self, level: Level, key: &str) -> Option<&HistoryPoint> {
        let previous = self.previous?;
        self.history
            .iter()
            .find(|h| h.period == previous && h.level == level && h.key == key)
    }

    /// How many declines were not significant (given as a count in the documents).
    pub fn minor_declines(&self) -> usize {
        self.declines.iter().filter(|d| !d.significant).count()
    }
}

/// A 退回通知 due to the submitter of a file rejected whole (SPEC §8), as the notice stage
/// assembles it and the renderer writes it.
#[derive(Debug, Clone)]
pub struct Notice {
    pub submission: Submission,
    /// The code of the unit or enterprise told.
    pub submitter: String,
    pub submitter_name: String,
    /// The outbox folder it goes under: the return's period, else `退回通知`.
    pub folder: String,
    /// The notice's file name.
    pub file: String,
    pub issues: Vec<RowIssue>,
    /// The return of the same slot still in force, by its file name, if any.
    pub in_force: Option<String>,
    /// A later return of the same slot was accepted: the notice is no longer due.
    pub settled: bool,
}
