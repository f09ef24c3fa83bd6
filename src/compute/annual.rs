//! The year's results (SPEC §13) from the store and the periods' computed cores: pooled
//! sampled and self-assessment scores (responses pooled, not means of means), each month's
//! and quarter's composite, the improvement items of the year's replays, integrity flags,
//! and the assessment.

use std::collections::BTreeMap;

use chrono::Datelike;

use super::{Reporter, scored_periods};
use crate::analyse;
use crate::period::{Period, ReturnKind};
use crate::results::annual::{AnnualEnterprise, AnnualResults, Assessment, Pooled};
use crate::results::cases::CaseRates;
use crate::results::{GroupResult, ItemStatus, Level};
use crate::score;
use crate::store::StoreError;

fn pooled(groups: &[GroupResult], level: Level, key: &str) -> Pooled {
    (groups.iter())
        .find(|g| g.level == level && g.key == key)
        .map_or_else(Pooled::default, |g| Pooled {
            n: g.n,
            composite: g.composite,
        })
}

impl Reporter<'_> {
    /// The year's results; `cases` gives each enterprise's complaint cases of the year and
    /// their on-time counts (none before the loop has begun).
    pub fn annual(
        &mut self,
        year: i32,
        cases: &BTreeMap<String, (u64, CaseRates)>,
    ) -> Result<AnnualResults, StoreError> {
        let config = self.config;
        let periods: Vec<Period> = (scored_periods(self.store)?.into_iter())
            .filter(|p| p.first_day().year() == year)
            .collect();
        let months: Vec<Period> = periods.iter().copied().filter(|p| !p.is_quarter()).collect();
        let quarters: Vec<Period> = periods.iter().copied().filter(|p| p.is_quarter()).collect();
        for &p in &periods {
            self.core(p)?;
        }
        // The year's self-assessment, pooled; and its sampled surveys (quarterly and
        // unscheduled), pooled.
        // The months' tallies are read already (their cores): merged, not read again.
        let own = match months.split_first() {
            Some((first, rest)) => {
                let mut t = self.tallies[first].clone();
                for m in rest {
                    t.merge(self.tallies[m].clone());
                }
                t.results()
            }
            None => Vec::new(),
        };
        let mut sampled_returns = Vec::new();
        for q in 1..=4 {
            sampled_returns.extend(
                self.store
                    .accepted(ReturnKind::Quarterly, Period::Quarter { year, quarter: q })?,
            );
        }
        for m in 1..=12 {
            sampled_returns.extend(
                self.store
                    .accepted(ReturnKind::Adhoc, Period::Month { year, month: m })?,
            );
        }
        let sampled = score::tally_returns(config, self.store, &sampled_returns)?.results();
        let bias = analyse::bias(config, &own, &sampled);
        // Items: raised and resolved in each of the year's periods (each kind's replay), and
        // overdue as the last month and the last quarter stand.
        let mut raised: BTreeMap<String, u64> = BTreeMap::new();
        let mut resolved: BTreeMap<String, u64> = BTreeMap::new();
        let mut overdue: BTreeMap<String, u64> = BTreeMap::new();
        let last = [months.last().copied(), quarters.last().copied()];
        for &p in &periods {
            let ledger = self.ledger(p)?;
            let c = &self.cores[&p];
            let f = analyse::improve::PeriodFindings {
                period: p,
                groups: &c.groups,
                declines: &c.declines,
                dissatisfaction: &c.dissatisfaction,
            };
            for i in ledger.report(config, &f).0 {
                if i.raised == p {
                    *raised.entry(i.enterprise.clone()).or_default() += 1;
                }
                if i.resolved == Some(p) {
                    *resolved.entry(i.enterprise.clone()).or_default() += 1;
                }
                if last.contains(&Some(p)) && i.status == ItemStatus::Overdue {
                    *overdue.entry(i.enterprise.clone()).or_default() += 1;
                }
            }
        }
        // Integrity signals flagged on each submitter's own returns over the months.
        let mut flags: BTreeMap<String, u64> = BTreeMap::new();
        for &m in &months {
            let signals = match self.signals.get(&m) {
                Some(s) => s.clone(),
                None => {
                    let pass = super::integrity_pass(self.config, self.store, m)?;
                    self.integrity(m, &[], pass)?.0
                }
            };
            for s in signals.into_iter().filter(|s| s.flagged) {
                *flags.entry(s.submitter).or_default() += 1;
            }
        }
        let series = |level: Level, key: &str, of: &[Period]| -> Vec<(Period, Pooled)> {
            of.iter()
                .map(|p| (*p, pooled(&self.cores[p].groups, level, key)))
                .collect()
        };
        let mut enterprises: Vec<AnnualEnterprise> = (config.enterprises.iter())
            .map(|e| {
                let b = bias.iter().find(|b| b.enterprise == e.code);
                let (n_cases, rates) = cases.get(&e.code).copied().unwrap_or_default();
                let count = |m: &BTreeMap<String, u64>| m.get(&e.code).copied().unwrap_or(0);
                AnnualEnterprise {
                    code: e.code.clone(),
                    name: e.name.clone(),
                    utility: e.utility.label().to_string(),
                    sampled: pooled(&sampled, Level::Enterprise, &e.code),
                    self_assessment: pooled(&own, Level::Enterprise, &e.code),
                    bias: b.and_then(|b| b.bias),
                    bias_flagged: b.is_some_and(|b| b.flagged),
                    months: series(Level::Enterprise, &e.code, &months),
                    quarters: series(Level::Enterprise, &e.code, &quarters),
                    items_raised: count(&raised),
                    items_resolved: count(&resolved),
                    items_overdue: count(&overdue),
                    cases: n_cases,
                    callback_due: rates.callback_due,
                    called_back_in_time: rates.called_back_in_time,
                    rectify_due: rates.rectify_due,
                    rectified_in_time: rates.rectified_in_time,
                    integrity_flags: count(&flags),
                    assessment: Assessment::default(),
                }
            })
            .collect();
        enterprises.sort_by(|a, b| a.code.cmp(&b.code));
        analyse::assessment::assess(&config.scheme.assessment, &mut enterprises);
        let through = periods.iter().copied().max_by_key(|p| (p.last_day(), p.is_quarter()));
        Ok(AnnualResults {
            year,
            city: config.city.clone(),
            through,
            complete: quarters.contains(&Period::Quarter { year, quarter: 4 }),
            city_months: series(Level::City, "全市", &months),
            city_quarters: series(Level::City, "全市", &quarters),
            city_sampled: pooled(&sampled, Level::City, "全市"),
            city_self: pooled(&own, Level::City, "全市"),
            enterprises,
            loop_started: !cases.is_empty(),
            as_of: config.today,
            depends_on: config.dependency_hash(),
        })
    }
}
