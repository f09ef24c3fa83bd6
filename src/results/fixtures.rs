//! Results built by hand for the unit tests: enterprises A, B and C (in the registry in that
//! order), a month with a previous one, and nothing else computed.

use super::{EnterpriseInfo, GroupResult, Level, PeriodResults};
use crate::period::{Period, ReturnKind};

pub(crate) fn enterprise(code: &str, n: u64, composite: f64, insufficient: bool) -> GroupResult {
    GroupResult {
        level: Level::Enterprise,
        key: code.into(),
        name: format!("{code}公司"),
        n,
        excluded: 0,
        composite: Some(composite),
        overall: Some(composite - 1.0),
        dimensions: Vec::new(),
        items: Vec::new(),
        insufficient,
        overall_grades: Vec::new(),
    }
}

pub(crate) fn info(code: &str, utility: &'static str) -> EnterpriseInfo {
    EnterpriseInfo {
        code: code.into(),
        name: format!("{code}公司"),
        utility,
        county: "竟陵街道".into(),
        head: "张某".into(),
    }
}

pub(crate) fn results(groups: Vec<GroupResult>, min_ranked: u32) -> PeriodResults {
    let month = |m| Period::Month { year: 2026, month: m };
    PeriodResults {
        city: "天门市".into(),
        period: month(10),
        kind: ReturnKind::Monthly,
        previous: Some(month(9)),
        groups,
        lowest: Vec::new(),
        dissatisfaction: Vec::new(),
        declines: Vec::new(),
        bias: Vec::new(),
        improvement_items: Vec::new(),
        work_lists: Vec::new(),
        watch: Vec::new(),
        enterprises: vec![info("A", "供水"), info("B", "供气"), info("C", "供水")],
        counties: Vec::new(),
        quality: Default::default(),
        feedback: Vec::new(),
        history: Vec::new(),
        users: Default::default(),
        users_history: Vec::new(),
        adhoc: Vec::new(),
        inputs: Vec::new(),
        min_sample: 30,
        min_ranked,
        bias_months: Vec::new(),
        depends_on: String::new(),
        sampling: None,
        integrity: Vec::new(),
        importance: Vec::new(),
        cases: Vec::new(),
        rectification: None,
        case_reports: Vec::new(),
        item_reports: Vec::new(),
    }
}
