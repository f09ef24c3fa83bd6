//! Computing a period, between analysis and rendering: a period's [`PeriodResults`] from
//! the store (scores of every group, the analyses, the improvement items carried over the
//! periods of the same kind, data quality, feedback, trends), the one input of the renderers;
//! and which periods have scored returns. The only place results are computed; writing them
//! out is `run::publish`'s.

mod annual;

use std::collections::BTreeMap;

use crate::analyse::improve::{Ledger, PeriodFindings};
use crate::analyse::{self};
use crate::config::Config;
use crate::period::Period;
use crate::period::ReturnKind;
use crate::results::AdhocSurvey;
use crate::results::users::{By, UsersPoint};
use crate::results::{
    Decline, Dissatisfaction, EnterpriseInfo, FeedbackReturn, GroupResult, HISTORY_PERIODS, HistoryPoint, Input, Level,
    Lowest, PeriodResults, SampledEnterprise, SamplingProgress,
};
use crate::score;
use crate::store::{Status, Store, StoreError};
use crate::topics::Topics;

/// Scores and analyses of one period, before improvement items.
struct Core {
    groups: Vec<GroupResult>,
    lowest: Vec<Lowest>,
    dissatisfaction: Vec<Dissatisfaction>,
    declines: Vec<Decline>,
    previous: Option<Period>,
}

/// What the integrity checks read of a period's responses, in one pass: the checker fed
/// with them; a quarter's call-back responses, and the monthly self-assessments of the users
/// it reached with each monthly submitter's responses per enterprise.
struct IntegrityPass<'c> {
    checker: crate::analyse::integrity::Checker<'c>,
    callback: Vec<crate::analyse::integrity::Kept>,
    monthly: Vec<crate::analyse::integrity::Kept>,
    covered: BTreeMap<(String, String), u64>,
}

fn integrity_pass<'c>(config: &'c Config, store: &Store, period: Period) -> Result<IntegrityPass<'c>, StoreError> {
    use crate::analyse::integrity::{Checker, Kept};
    let mut checker = Checker::new(&config.scheme);
    // One pass over the period's responses; a quarter's (the call-back) are also kept for
    // matching with the monthly self-assessments.
    let quarter = period.is_quarter();
    let mut callback = Vec::new();
    store.for_each_checked(period, &mut |r| {
        checker.add(r)?;
        if quarter {
            callback.push(Kept::of(r));
        }
        Ok(())
    })?;
    let mut monthly = Vec::new();
    // Each monthly submitter's responses per enterprise, to weigh the sampled scores.
    let mut covered: BTreeMap<(String, String), u64> = BTreeMap::new();
    if quarter {
        let wanted: std::collections::HashSet<(&str, &str, &str)> = (callback.iter())
            .map(|c| (c.user.0.as_str(), c.user.1.as_str(), c.user.2.as_str()))
            .collect();
        for m in period.months() {
            store.for_each_checked(m, &mut |r| {
                *covered
                    .entry((r.submitter.to_string(), r.enterprise.to_string()))
                    .or_default() += 1;
                if wanted.contains(&(r.user_name, r.phone, r.enterprise)) {
                    monthly.push(Kept::of(r));
                }
                Ok(())
            })?;
        }
    }
    Ok(IntegrityPass {
        checker,
        callback,
        monthly,
        covered,
    })
}

/// Computes results, caching each period's core so that replays share the work.
pub struct Reporter<'c> {
    config: &'c Config,
    store: &'c Store,
    topics: Topics,
    cores: BTreeMap<Period, Core>,
    /// Each period's tallies and group scores, read and computed once: a period is also the
    /// next one's "previous", and a month is part of its quarter's self-assessment.
    tallies: BTreeMap<Period, score::Tallies<'c>>,
    groups: BTreeMap<Period, Vec<GroupResult>>,
    /// The improvement items after each period replayed.
    ledgers: BTreeMap<Period, Ledger>,
    /// The periods with scored returns, read once.
    scored: Option<Vec<Period>>,
    /// Each month's integrity signals once computed (the year counts them again).
    signals: BTreeMap<Period, Vec<crate::analyse::integrity::Signal>>,
    /// Each period's users (SPEC §12), computed once: the period's own and its successors'
    /// trends show them.
    users: BTreeMap<Period, crate::results::users::Users>,
}

impl<'c> Reporter<'c> {
    pub fn new(config: &'c Config, store: &'c Store, topics: Topics) -> Reporter<'c> {
        Reporter {
            config,
            store,
            topics,
            cores: BTreeMap::new(),
            tallies: BTreeMap::new(),
            groups: BTreeMap::new(),
            ledgers: BTreeMap::new(),
            scored: None,
            signals: BTreeMap::new(),
            users: BTreeMap::new(),
        }
    }

    /// Reads a period's tallies and scores its groups, once.
    fn read(&mut self, period: Period) -> Result<(), StoreError> {
        if !self.tallies.contains_key(&period) {
            let t = score::tally(self.config, self.store, &[period])?;
            self.groups.insert(period, t.results());
            self.tallies.insert(period, t);
        }
        Ok(())
    }

    fn core(&mut self, period: Period) -> Result<&Core, StoreError> {
        if !self.cores.contains_key(&period) {
            let started = std::time::Instant::now();
            let prev = period.previous();
            self.read(period)?;
            self.read(prev)?;
            tracing::debug!("{period}: tallied and scored in {:?}", started.elapsed());
            let (now, before) = (&self.tallies[&period], &self.tallies[&prev]);
            let groups = self.groups[&period].clone();
            let has_previous = before.tally(crate::results::Level::City, "全市").is_some();
            let declines = if has_previous {
                analyse::declines(self.config, &groups, &self.groups[&prev], now, before)
            } else {
                Vec::new()
            };
            let core = Core {
                lowest: analyse::lowest(&groups),
                dissatisfaction: analyse::dissatisfaction(&groups, now, &self.topics),
                declines,
                previous: has_previous.then_some(prev),
                groups,
            };
            tracing::debug!("{period}: scored and analysed in {:?}", started.elapsed());
            self.cores.insert(period, core);
        }
        Ok(&self.cores[&period])
    }

    /// The improvement items as they stand after `period`: replayed over the scored periods
    /// of its kind, going on from the latest period already replayed (periods are published
    /// in order, so each is one step).
    fn ledger(&mut self, period: Period) -> Result<Ledger, StoreError> {
        if self.scored.is_none() {
            self.scored = Some(scored_periods(self.store)?);
        }
        let mut history: Vec<Period> = (self.scored.iter().flatten())
            .copied()
            .filter(|p| p.is_quarter() == period.is_quarter() && *p < period)
            .collect();
        history.push(period);
        let start = history.iter().rposition(|p| self.ledgers.contains_key(p));
        let mut ledger = start.map(|i| self.ledgers[&history[i]].clone()).unwrap_or_default();
        for &p in &history[start.map_or(0, |i| i + 1)..] {
            self.core(p)?;
            let c = &self.cores[&p];
            let f = PeriodFindings {
                period: p,
                groups: &c.groups,
                declines: &c.declines,
                dissatisfaction: &c.dissatisfaction,
            };
            ledger.advance(self.config, &f);
            self.ledgers.insert(p, ledger.clone());
        }
        Ok(ledger)
    }

    /// The returns of a period that go back to their senders: rejected ones, and accepted
    /// ones with rows left out or warnings; the current return of each submitter and kind
    /// (a superseded return's problems are history).
    fn feedback(
        &self,
        subs: &[crate::store::Submission],
        not_drawn: &BTreeMap<i64, Vec<i64>>,
    ) -> Result<Vec<FeedbackReturn>, StoreError> {
        // Only each submitter's latest return counts: once a correction is accepted, whatever
        // was said about earlier attempts (accepted or rejected) is history.
        let mut latest: BTreeMap<&str, (&str, i64)> = BTreeMap::new();
        for s in subs.iter().filter(|s| s.status != Status::Superseded) {
            let code = s.submitter_code.as_deref().unwrap_or_default();
            let slot = latest.entry(code).or_insert((&s.received_at, s.id));
            if (s.received_at.as_str(), s.id) > *slot {
                *slot = (&s.received_at, s.id);
            }
        }
        let mut out = Vec::new();
        for s in (subs.iter())
            .filter(|s| s.status != Status::Superseded)
            .filter(|s| latest.get(s.submitter_code.as_deref().unwrap_or_default()).map(|l| l.1) == Some(s.id))
        {
            let mut warnings: Vec<String> = (s.warnings.iter())
                .flat_map(|w| w.lines())
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect();
            if let Some(rows) = not_drawn.get(&s.id) {
                let list: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
                warnings.push(format!(
                    "第 {} 行的用户不在本季度的抽样名单中(非抽样用户):已接收并计入,请核对是否回访错了对象",
                    list.join("、")
                ));
            }
            let accepted = s.status == Status::Accepted;
            if accepted && s.rows_rejected == 0 && warnings.is_empty() {
                continue;
            }
            let code = s.submitter_code.clone().unwrap_or_default();
            let name = self
                .config
                .party(&code)
                .map(|p| p.name().to_string())
                .unwrap_or_else(|| code.clone());
            out.push(FeedbackReturn {
                submitter: code,
                submitter_name: name,
                original_name: s.original_name.clone(),
                period: s.period.clone(),
                stored_path: s.stored_path.clone(),
                received_at: s.received_at.clone(),
                accepted,
                reason: s.reason.clone(),
                warnings,
                issues: self.store.issues_of(s.id)?,
                sheet: self.read_back(s),
            });
        }
        out.sort_by(|a, b| {
            (&a.submitter, &a.received_at, &a.original_name).cmp(&(&b.submitter, &b.received_at, &b.original_name))
        });
        Ok(out)
    }

    /// A return's sheet read back from where it is kept, for its feedback workbook. A file
    /// rejected as no workbook has none; an archived or rejected file that cannot be read
    /// back (moved or deleted by hand) is said, as it costs its submitter the workbook.
    fn read_back(&self, s: &crate::store::Submission) -> Option<crate::intake::SheetDump> {
        let path = std::path::Path::new(&s.stored_path);
        match crate::intake::dump_sheet(path, &self.config.scheme, &self.config.limits) {
            Ok(sheet) => Some(sheet),
            Err(e) => {
                if s.status == Status::Accepted || !path.is_file() {
                    tracing::warn!(
                        "无法读回 {}(用于给{}的退回意见):{e}",
                        path.display(),
                        s.submitter_code.as_deref().unwrap_or("报送单位")
                    );
                }
                None
            }
        }
    }

    /// The last periods of `period`'s kind with data (their cores are computed by the ledger's
    /// replay), oldest first.
    fn recent(&self, period: Period) -> Vec<Period> {
        let periods: Vec<Period> = (self.cores.keys())
            .copied()
            .filter(|p| p.is_quarter() == period.is_quarter() && *p <= period)
            .collect();
        let start = periods.len().saturating_sub(HISTORY_PERIODS);
        periods[start..].to_vec()
    }

    /// The users of the recent periods by type and by band (SPEC §12's 用户发展趋势).
    fn users_history(&mut self, period: Period) -> Vec<UsersPoint> {
        (self.recent(period).into_iter())
            .filter_map(|p| {
                let mut groups = self.users(p)?.groups.clone();
                groups.retain(|g| matches!(g.by, By::Type | By::Band));
                Some(UsersPoint { period: p, groups })
            })
            .collect()
    }

    /// A period's users, from its tallies (`None` before they are read).
    fn users(&mut self, period: Period) -> Option<&crate::results::users::Users> {
        if !self.users.contains_key(&period) {
            let users = self.tallies.get(&period)?.users();
            self.users.insert(period, users);
        }
        self.users.get(&period)
    }

    /// A month's unscheduled sampled surveys (SPEC §13), by name in the order they first came:
    /// each scored on its own returns, its enterprises' month self-assessment against it, the
    /// items its results raise.
    fn adhoc(&self, period: Period) -> Result<Vec<AdhocSurvey>, StoreError> {
        if period.is_quarter() {
            return Ok(Vec::new());
        }
        let returns = self.store.accepted(ReturnKind::Adhoc, period)?;
        let mut names: Vec<String> = Vec::new();
        for s in &returns {
            if !names.iter().any(|n| n == s.survey()) {
                names.push(s.survey().to_string());
            }
        }
        let month = &self.cores[&period].groups;
        let mut out = Vec::new();
        for name in names {
            let mine: Vec<_> = (returns.iter()).filter(|s| s.survey() == name).cloned().collect();
            let tallies = score::tally_returns(self.config, self.store, &mine)?;
            let groups = tallies.results();
            let dissatisfaction = analyse::dissatisfaction(&groups, &tallies, &self.topics);
            let f = PeriodFindings {
                period,
                groups: &groups,
                declines: &[],
                dissatisfaction: &dissatisfaction,
            };
            let (mut items, watch) = analyse::improve::one_off(self.config, &f);
            // Told apart from the month's own items, and from another survey's, by the survey's
            // name (not its place among the month's surveys: a correction may change that).
            let tag: String = {
                use sha2::{Digest, Sha256};
                Sha256::digest(name.as_bytes())[..3]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect()
            };
            for i in &mut items {
                i.id = format!("{period}-A{tag}-{}-{}-{}", i.enterprise, i.indicator, i.rules[0].code());
            }
            let mut bias = analyse::bias(self.config, month, &groups);
            bias.retain(|b| b.sampled_n > 0);
            out.push(AdhocSurvey {
                name,
                returns: mine.len(),
                groups,
                bias,
                items,
                watch,
            });
        }
        Ok(out)
    }

    /// The city and each enterprise over the recent periods, oldest first.
    fn history(&self, period: Period) -> Vec<HistoryPoint> {
        let mut out = Vec::new();
        for p in &self.recent(period) {
            for g in (self.cores[p].groups.iter()).filter(|g| matches!(g.level, Level::City | Level::Enterprise)) {
                out.push(HistoryPoint {
                    period: *p,
                    level: g.level,
                    key: g.key.clone(),
                    name: g.name.clone(),
                    n: g.n,
                    composite: g.composite,
                    overall: g.overall,
                });
            }
        }
        out
    }

    /// Everything of one period.
    pub fn compute(&mut self, period: Period) -> Result<PeriodResults, StoreError> {
        let kind = period.kind();
        // The integrity checks' pass over the responses reads the store on a connection of its
        // own, on another core, while this one scores.
        let config = self.config;
        let reader = self.store.reader();
        let (ledger, pass) = std::thread::scope(|scope| {
            let pass = reader.map(|r| scope.spawn(move || integrity_pass(config, &r, period)));
            let ledger = self.ledger(period);
            let pass = pass.map(|p| p.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
            (ledger, pass)
        });
        let ledger = ledger?;
        // Read again on the store's own connection when the other could not read it.
        let pass = match pass {
            Some(Ok(pass)) => pass,
            Some(Err(e)) => {
                tracing::debug!("{period}: integrity pass on a second connection: {e}");
                integrity_pass(config, self.store, period)?
            }
            None => integrity_pass(config, self.store, period)?,
        };
        // A quarter's self-assessment pools its months' responses (not their means): once, for
        // the bias and for the integrity checks.
        let (pooled, bias_months) = self.pooled_months(period)?;
        let bias = if period.is_quarter() {
            analyse::bias(self.config, &pooled, &self.cores[&period].groups)
        } else {
            Vec::new()
        };
        let started = std::time::Instant::now();
        let (integrity, importance) = self.integrity(period, &pooled, pass)?;
        tracing::debug!("{period}: integrity signals in {:?}", started.elapsed());
        if !period.is_quarter() {
            self.signals.insert(period, integrity.clone());
        }
        let weights: BTreeMap<String, f64> = (importance.iter())
            .filter_map(|i| Some((i.id.clone(), i.importance?)))
            .collect();
        let (improvement_items, work_lists, watch) = {
            let c = &self.cores[&period];
            let f = PeriodFindings {
                period,
                groups: &c.groups,
                declines: &c.declines,
                dissatisfaction: &c.dissatisfaction,
            };
            let (items, lists) = ledger.report_weighted(self.config, &f, &weights);
            (items, lists, ledger.watch(self.config, &f))
        };
        let started = std::time::Instant::now();
        let (sampling, not_drawn) = self.sampling(period)?;
        let users_history = self.users_history(period);
        let users = (self.users(period).cloned()).unwrap_or_else(|| self.tallies[&period].users());
        let core = &self.cores[&period];
        let subs = self.store.submissions(Some(&period.to_string()))?;
        let duplicates = self.store.duplicates(period)?;
        let quality = crate::analyse::quality::data_quality(self.config, period, &subs, &duplicates);
        let feedback = self.feedback(&subs, &not_drawn)?;
        let history = self.history(period);
        let adhoc = self.adhoc(period)?;
        tracing::debug!(
            "{period}: sampling, data quality, feedback and history in {:?}",
            started.elapsed()
        );
        let inputs = subs
            .into_iter()
            .filter(|s| s.kind == Some(kind))
            .map(|s| Input {
                path: s.original_name,
                sha256: s.sha256,
                status: s.status,
                submitter: s.submitter_code.unwrap_or_default(),
                rows: s.rows_accepted,
            })
            .collect();
        let enterprises = (self.config.enterprises.iter())
            .map(|e| EnterpriseInfo {
                code: e.code.clone(),
                name: e.name.clone(),
                utility: e.utility.label(),
                county: e.county.clone(),
                head: e.head.clone(),
            })
            .collect();
        Ok(PeriodResults {
            counties: self.config.counties().map(str::to_string).collect(),
            city: self.config.city.clone(),
            period,
            kind,
            previous: core.previous,
            groups: core.groups.clone(),
            lowest: core.lowest.clone(),
            dissatisfaction: core.dissatisfaction.clone(),
            declines: core.declines.clone(),
            bias,
            improvement_items,
            work_lists,
            watch,
            enterprises,
            quality,
            feedback,
            history,
            users,
            users_history,
            adhoc,
            inputs,
            min_sample: self.config.scheme.thresholds.min_sample,
            min_ranked: self.config.scheme.thresholds.min_ranked,
            bias_months,
            depends_on: self.config.dependency_hash(),
            sampling,
            integrity,
            importance,
            cases: Vec::new(),
            rectification: None,
            case_reports: Vec::new(),
            item_reports: Vec::new(),
        })
    }

    /// A quarter's months pooled (their responses, not their means) and the months with data;
    /// nothing for a month.
    fn pooled_months(&mut self, period: Period) -> Result<(Vec<GroupResult>, Vec<Period>), StoreError> {
        if !period.is_quarter() {
            return Ok((Vec::new(), Vec::new()));
        }
        let months = period.months();
        for m in &months {
            self.read(*m)?;
        }
        let mut pooled = score::Tallies::new(self.config);
        let mut with_data = Vec::new();
        for m in &months {
            if self.tallies[m].tally(Level::City, "全市").is_some() {
                with_data.push(*m);
            }
            pooled.merge(self.tallies[m].clone());
        }
        Ok((pooled.results(), with_data))
    }

    /// Each monthly submitter's pooled self-assessment composite over the quarter against the
    /// sampled composite of the enterprises it covers (weighted by its responses about each):
    /// a difference above the scheme's bias flag needs checking.
    fn self_vs_sampled_by_submitter(
        &self,
        period: Period,
        own: &[GroupResult],
        covered: &BTreeMap<(String, String), u64>,
    ) -> Vec<crate::analyse::integrity::Signal> {
        use crate::analyse::integrity::{Check, Signal};
        let sampled = &self.cores[&period].groups;
        let mut out = Vec::new();
        let submitters: std::collections::BTreeSet<&String> = covered.keys().map(|(s, _)| s).collect();
        for submitter in submitters {
            let Some(mine) = own.iter().find(|g| g.level == Level::Submitter && g.key == *submitter) else {
                continue;
            };
            let Some(self_composite) = mine.composite else { continue };
            let (mut sum, mut weight, mut reached) = (0.0, 0.0, 0);
            for ((s, e), n) in covered.range((submitter.clone(), String::new())..) {
                if s != submitter {
                    break;
                }
                // Only enterprises the call-back reached enough users of.
                if let Some(g) = sampled
                    .iter()
                    .find(|g| g.level == Level::Enterprise && g.key == *e && !g.insufficient)
                    && let Some(c) = g.composite
                {
                    sum += c * *n as f64;
                    weight += *n as f64;
                    reached += g.n;
                }
            }
            if weight == 0.0 {
                continue;
            }
            let scheme = &self.config.scheme;
            let (value, flagged) = analyse::self_vs_sampled(scheme, (self_composite, mine.n), (sum / weight, reached));
            out.push(Signal {
                submitter: submitter.clone(),
                name: String::new(),
                check: Check::SelfVsSampled,
                n: mine.n,
                value,
                threshold: scheme.thresholds.bias_flag,
                flagged,
            });
        }
        out
    }

    /// The integrity checks and the items' importance. A month: its responses' checks per
    /// submitter (the same number of responses counted back over the months before) and the
    /// importance over them. A quarter: the sampled responses' importance, and the monthly
    /// submitters' agreement with the call-back of the users both reached.
    #[allow(clippy::type_complexity)]
    fn integrity(
        &mut self,
        period: Period,
        pooled: &[GroupResult],
        pass: IntegrityPass<'c>,
    ) -> Result<
        (
            Vec<crate::analyse::integrity::Signal>,
            Vec<crate::analyse::integrity::Importance>,
        ),
        StoreError,
    > {
        use crate::analyse::integrity::callback_agreement;
        self.core(period)?;
        let scores: Vec<(String, Option<f64>)> = (self.cores[&period].groups.iter())
            .find(|g| g.level == Level::City)
            .map(|g| g.items.iter().map(|i| (i.id.clone(), i.score)).collect())
            .unwrap_or_default();
        let IntegrityPass {
            checker,
            callback,
            monthly,
            covered,
        } = pass;
        let importance = checker.importance(&scores);
        let mut signals = if period.is_quarter() {
            let mut signals = callback_agreement(&self.config.scheme, &monthly, &callback)?;
            signals.extend(self.self_vs_sampled_by_submitter(period, pooled, &covered));
            signals
        } else {
            let back = self.config.scheme.integrity.same_n_months.saturating_sub(1);
            let mut previous = Vec::new();
            let mut m = period;
            for _ in 0..back {
                m = m.previous();
                previous.push(self.store.monthly_counts(m)?);
            }
            checker.signals(&previous)
        };
        for s in &mut signals {
            s.name = self
                .config
                .party(&s.submitter)
                .map_or(s.submitter.clone(), |p| p.name().to_string());
        }
        Ok((signals, importance))
    }

    /// A quarter's call-back against its draw: per enterprise drawn, answered and the rate;
    /// and the rows of users who were not drawn, by return.
    #[allow(clippy::type_complexity)]
    fn sampling(&self, period: Period) -> Result<(Option<SamplingProgress>, BTreeMap<i64, Vec<i64>>), StoreError> {
        if !period.is_quarter() {
            return Ok((None, BTreeMap::new()));
        }
        let Some(draw) = self.store.draw(period)? else {
            return Ok((None, BTreeMap::new()));
        };
        let back = crate::sample::match_call_back(
            &draw,
            self.store.sampled_respondents(period)?,
            self.store.sampled_not_reached(period)?,
        );
        let by = back.by_enterprise(&draw);
        let not_drawn = back.not_drawn;
        let count = not_drawn.values().map(|rows| rows.len() as u64).sum();
        let enterprises = by
            .into_iter()
            .map(|(code, (drawn, answered, reasons))| {
                let not_reached = reasons.values().sum();
                SampledEnterprise {
                    name: self
                        .config
                        .enterprise_by_code(&code)
                        .map_or(code.clone(), |e| e.name.clone()),
                    enterprise: code,
                    drawn,
                    answered,
                    not_reached,
                    pending: drawn - answered - not_reached,
                    reasons,
                    rate: (drawn > 0).then(|| answered as f64 * 100.0 / drawn as f64),
                }
            })
            .collect();
        Ok((
            Some(SamplingProgress {
                seed: draw.seed,
                drawn_at: draw.drawn_at,
                enterprises,
                not_drawn: count,
            }),
            not_drawn,
        ))
    }
}

/// The periods, in order, with accepted returns of the kind that is scored for them.
pub fn scored_periods(store: &Store) -> Result<Vec<Period>, StoreError> {
    let mut out = Vec::new();
    for p in store.periods()? {
        if !store.accepted(p.kind(), p)?.is_empty() {
            out.push(p);
        }
    }
    Ok(out)
}
