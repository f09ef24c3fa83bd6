//! Review and sign-off (SPEC §9b) as plain data: how a period's documents are to be marked
//! ([`Issue`]: a draft for review, an issued version, or unmarked when sign-off is off), what a
//! recorded release holds ([`Release`]), and what changed between two versions ([`Change`]).

use chrono::NaiveDate;

/// How a period's documents are marked when written.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Issue {
    /// Sign-off is turned off (`[release] required = false`): every run issues what it writes,
    /// with no mark.
    #[default]
    Unsigned,
    /// A draft for the reviewers (送审稿); `correction` when a version is already issued and
    /// this draft would replace it (更正送审稿).
    Draft { correction: bool },
    /// An issued version.
    Issued(Release),
}

impl Issue {
    /// Whether documents carry the draft mark and the 【送审稿】 file-name prefix.
    pub fn is_draft(&self) -> bool {
        matches!(self, Issue::Draft { .. })
    }

    /// The issued version, if this is one.
    pub fn release(&self) -> Option<&Release> {
        match self {
            Issue::Issued(r) => Some(r),
            _ => None,
        }
    }
}

/// A recorded release of a period: one issued version.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    /// 1, 2, …: the second and later are corrections (更正).
    pub version: u32,
    /// Who signed it off (签发人).
    pub signer: String,
    /// The release date (data, not the clock of the run that writes a document).
    pub date: NaiveDate,
    /// The document number (文号), when given.
    pub number: Option<String>,
    /// The last day of the public notice period (公示期), `notice_days` working days on.
    pub notice_end: NaiveDate,
    /// The notice period ran into a year the working-day calendar lacks (counted Monday to
    /// Friday there): the disclosure says so.
    pub notice_estimated: bool,
    /// Where objections go during the notice period.
    pub contact: String,
    /// What changed since the previous version, per enterprise whose figures changed.
    pub changes: Vec<Change>,
}

impl Release {
    /// Whether this version corrects an earlier one.
    pub fn is_correction(&self) -> bool {
        self.version > 1
    }
}

/// An enterprise's figures as issued (the composite rounded to two decimals, as documents show
/// it): what a later version is compared with.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Figures {
    pub enterprise: String,
    pub composite: Option<f64>,
    pub n: u64,
    /// Under the minimum sample: the public documents show 样本不足, not the composite.
    #[serde(default)]
    pub insufficient: bool,
}

/// An enterprise whose composite or n changed between two issued versions (`None` where it
/// was not listed).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub enterprise: String,
    pub before: Option<Figures>,
    pub after: Option<Figures>,
}

/// The changes from `before` (the previous version's figures) to `after`: each enterprise
/// whose composite or n differs, or that is in one only; in the order of `after`, then those
/// only in `before`.
pub fn changes(before: &[Figures], after: &[Figures]) -> Vec<Change> {
    let key = |f: &Figures| (f.composite.map(f64::to_bits), f.n);
    let mut out = Vec::new();
    for a in after {
        let b = before.iter().find(|b| b.enterprise == a.enterprise);
        if b.map(key) != Some(key(a)) {
            out.push(Change {
                enterprise: a.enterprise.clone(),
                before: b.cloned(),
                after: Some(a.clone()),
            });
        }
    }
    for b in before
        .iter()
        .filter(|b| !after.iter().any(|a| a.enterprise == b.enterprise))
    {
        out.push(Change {
            enterprise: b.enterprise.clone(),
            before: Some(b.clone()),
            after: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_a_shown_composite_or_n_that_differs() {
        let f = |e: &str, c: f64, n: u64| Figures {
            enterprise: e.into(),
            composite: Some(c),
            n,
            insufficient: n < 30,
        };
        let before = [f("甲", 85.0, 40), f("乙", 80.0, 30), f("丙", 70.0, 10)];
        let after = [f("甲", 85.0, 40), f("乙", 79.0, 31), f("丁", 90.0, 5)];
        let c = changes(&before, &after);
        let names: Vec<&str> = c.iter().map(|c| c.enterprise.as_str()).collect();
        // 甲 is the same; 乙 changed; 丁 is new; 丙 is gone.
        assert_eq!(names, ["乙", "丁", "丙"]);
        assert_eq!(c[0].before, Some(f("乙", 80.0, 30)));
        assert_eq!(c[0].after, Some(f("乙", 79.0, 31)));
        assert_eq!(c[1].before, None);
        assert_eq!(c[2].after, None);
    }
}
