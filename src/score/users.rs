//! The running sums of SPEC §12's users' analysis, kept beside the group tallies while the
//! responses are read: per city and enterprise, a tally per user type, usage nature, survey
//! method and usage band, the large customers' and the other users', and the sums of the
//! usage-weighted scores.

use super::{AnswerValue, Tally, group_result};
use crate::config::Config;
use crate::results::Level;
use crate::results::users::{By, LargeCustomers, UsageWeighted, UserGroup, Users};
use crate::scheme::{NO_USAGE, Users as UsersScheme};
use crate::store::ResponseRow;

/// One city's or enterprise's sums.
#[derive(Clone, Default)]
pub struct Slots {
    groups: Vec<Slot>,
    /// Large customers, and every other response.
    large: Option<Tally>,
    others: Option<Tally>,
    /// Responses stating their usage, and per item: Σ usage × score, Σ usage.
    with_usage: u64,
    weighted: Vec<(f64, f64)>,
    /// The slot each kind's last response went to, looked at first (neighbouring responses
    /// are mostly of one type, nature and method).
    last: [usize; 4],
}

#[derive(Clone)]
struct Slot {
    by: By,
    utility: String,
    group: String,
    tally: Tally,
}

/// The users' sums of the city and of each enterprise (in the order of the enterprise tallies).
#[derive(Clone)]
pub struct UserTallies {
    city: Slots,
    enterprises: Vec<Slots>,
    /// The band names of 供水 and 供气.
    bands: [Vec<String>; 2],
}

fn fresh(items: usize) -> Tally {
    Tally::new(items, 0, 0)
}

/// What one response is counted by: (kind, utility of a band, group).
type Kinds<'a> = [(By, &'a str, &'a str); 4];

impl Slots {
    fn add(&mut self, kinds: &Kinds<'_>, large: bool, usage: Option<f64>, answers: &[Option<AnswerValue>]) {
        for (k, &(by, utility, group)) in kinds.iter().enumerate() {
            let same = |s: &Slot| s.by == by && s.group == group && s.utility == utility;
            let last = self.last[k];
            let found = if self.groups.get(last).is_some_and(same) {
                Some(last)
            } else {
                self.groups.iter().position(same)
            };
            let i = match found {
                Some(i) => i,
                None => {
                    self.groups.push(Slot {
                        by,
                        utility: utility.to_string(),
                        group: group.to_string(),
                        tally: fresh(answers.len()),
                    });
                    self.groups.len() - 1
                }
            };
            self.last[k] = i;
            self.groups[i].tally.add(answers, &[], None);
        }
        let side = if large { &mut self.large } else { &mut self.others };
        side.get_or_insert_with(|| fresh(answers.len())).add(answers, &[], None);
        if let Some(w) = usage {
            self.with_usage += 1;
            self.weighted.resize(answers.len(), (0.0, 0.0));
            for (slot, a) in self.weighted.iter_mut().zip(answers) {
                if let Some(a) = a {
                    slot.0 += w * a.score;
                    slot.1 += w;
                }
            }
        }
    }

    fn merge(&mut self, other: Slots) {
        for s in other.groups {
            match (self.groups.iter_mut()).find(|m| m.by == s.by && m.group == s.group && m.utility == s.utility) {
                Some(m) => m.tally.merge(&s.tally),
                None => self.groups.push(s),
            }
        }
        for (mine, theirs) in [(&mut self.large, other.large), (&mut self.others, other.others)] {
            match (mine.as_mut(), theirs) {
                (Some(m), Some(t)) => m.merge(&t),
                (None, t) => *mine = t,
                (Some(_), None) => {}
            }
        }
        self.with_usage += other.with_usage;
        if self.weighted.len() < other.weighted.len() {
            self.weighted.resize(other.weighted.len(), (0.0, 0.0));
        }
        for (a, b) in self.weighted.iter_mut().zip(&other.weighted) {
            a.0 += b.0;
            a.1 += b.1;
        }
    }

    /// The results of one city or enterprise, appended to `out`.
    fn results(&self, config: &Config, level: Level, key: &str, out: &mut Users) {
        let mut groups: Vec<&Slot> = self.groups.iter().collect();
        let order = |s: &Slot| -> (By, String, usize, String) {
            let band = if s.by == By::Band {
                (config.scheme.users.band_names(&s.utility).iter())
                    .position(|b| *b == s.group)
                    .unwrap_or(usize::MAX)
            } else if s.group == NO_USAGE {
                usize::MAX
            } else {
                // Types and methods in the order of their lists, natures by name.
                let list = match s.by {
                    By::Type => crate::validate::USER_TYPES,
                    By::Method => crate::validate::METHODS,
                    _ => &[],
                };
                list.iter().position(|(code, _)| *code == s.group).unwrap_or(list.len())
            };
            (s.by, s.utility.clone(), band, s.group.clone())
        };
        groups.sort_by_cached_key(|s| order(s));
        for s in groups {
            let g = group_result(config, level, key, &s.tally);
            out.groups.push(UserGroup {
                level,
                key: key.to_string(),
                by: s.by,
                utility: s.utility.clone(),
                group: s.group.clone(),
                n: s.tally.n,
                composite: g.composite,
            });
        }
        let result = |t: &Option<Tally>| t.as_ref().map(|t| group_result(config, level, key, t));
        let (large, others) = (result(&self.large), result(&self.others));
        out.large.push(LargeCustomers {
            level,
            key: key.to_string(),
            n: large.as_ref().map_or(0, |g| g.n),
            composite: large.as_ref().and_then(|g| g.composite),
            overall: large.as_ref().and_then(|g| g.overall),
            others_n: others.as_ref().map_or(0, |g| g.n),
            others_composite: others.as_ref().and_then(|g| g.composite),
            others_overall: others.as_ref().and_then(|g| g.overall),
            worst: large.as_ref().map(|g| g.most_unfavourable(3)).unwrap_or_default(),
        });
        let means: Vec<Option<f64>> = (self.weighted.iter())
            .map(|(sum, w)| (*w > 0.0).then(|| sum / w))
            .collect();
        out.weighted.push(UsageWeighted {
            level,
            key: key.to_string(),
            composite: super::composite_of(&config.scheme, &means),
            n_with_usage: self.with_usage,
        });
    }
}

impl UserTallies {
    pub(super) fn new(config: &Config) -> UserTallies {
        let users = &config.scheme.users;
        UserTallies {
            city: Slots::default(),
            enterprises: Vec::new(),
            bands: [users.band_names("供水"), users.band_names("供气")],
        }
    }

    /// Adds a (counted) response to the city's and its enterprise's sums; `enterprise` is the
    /// index of its enterprise's group.
    pub(super) fn add(
        &mut self,
        config: &Config,
        enterprise: usize,
        r: &ResponseRow<'_>,
        answers: &[Option<AnswerValue>],
    ) {
        let users = &config.scheme.users;
        // A usage that is not a quantity (negative) is no usage.
        let usage = r.monthly_usage.filter(|u| u.is_finite() && *u >= 0.0);
        let names = &self.bands[usize::from(UsersScheme::is_gas(r.utility))];
        let band = usage.map_or(NO_USAGE, |u| names[users.band(r.utility, u)].as_str());
        let kinds: Kinds<'_> = [
            (By::Type, "", r.user_type.unwrap_or(NO_USAGE)),
            (By::Nature, "", r.usage_nature.unwrap_or(NO_USAGE)),
            (By::Method, "", r.method.unwrap_or(NO_USAGE)),
            (By::Band, r.utility, band),
        ];
        let large = usage.is_some_and(|u| u >= users.large(r.utility));
        self.city.add(&kinds, large, usage, answers);
        if self.enterprises.len() <= enterprise {
            self.enterprises.resize_with(enterprise + 1, Slots::default);
        }
        self.enterprises[enterprise].add(&kinds, large, usage, answers);
    }

    /// Adds another reader's sums; `remap` takes its enterprise indices to these.
    pub(super) fn merge(&mut self, other: UserTallies, remap: &[usize]) {
        self.city.merge(other.city);
        for (i, s) in other.enterprises.into_iter().enumerate() {
            let mine = remap[i];
            if self.enterprises.len() <= mine {
                self.enterprises.resize_with(mine + 1, Slots::default);
            }
            self.enterprises[mine].merge(s);
        }
    }

    /// The city's results, then each enterprise's (`keys`: the enterprise of each index).
    pub(super) fn results(&self, config: &Config, keys: &[&str]) -> Users {
        let mut out = Users::default();
        self.city.results(config, Level::City, "全市", &mut out);
        let mut order: Vec<(usize, &str)> = keys.iter().copied().enumerate().collect();
        order.sort_by(|a, b| a.1.cmp(b.1));
        for (i, key) in order {
            if let Some(s) = self.enterprises.get(i) {
                s.results(config, Level::Enterprise, key, &mut out);
            }
        }
        out
    }
}
