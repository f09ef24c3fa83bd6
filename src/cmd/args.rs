//! The values of the command line's arguments, parsed and checked with a Chinese message
//! (clap calls these; the command line module says the rest of a usage error).

use crate::period::Period;

/// A 所属期 on the command line: a month or a quarter.
pub fn period_arg(s: &str) -> Result<Period, String> {
    Period::parse(s).ok_or_else(|| "所属期应写作 2026-10(月份)或 2026Q4(季度)".to_string())
}

/// A month, a quarter, or a year (`2026`, `2026年`, `2026年度`: its annual documents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Period(Period),
    Year(i32),
}

/// A 所属期 or a year on the command line.
pub fn target_arg(s: &str) -> Result<Target, String> {
    let t = s.trim();
    let digits = t.trim_end_matches("年度").trim_end_matches('年');
    if digits.len() == 4
        && let Ok(y) = digits.parse::<i32>()
        && (2000..=2100).contains(&y)
    {
        return Ok(Target::Year(y));
    }
    Period::parse(t)
        .map(Target::Period)
        .ok_or_else(|| "所属期应写作 2026-10(月份)、2026Q4(季度)或 2026(年度)".to_string())
}

/// A quarter on the command line.
pub fn quarter_arg(s: &str) -> Result<Period, String> {
    match Period::parse(s) {
        Some(p) if p.is_quarter() => Ok(p),
        Some(_) => Err("这里要的是季度,不是月份,应写作 2026Q4".to_string()),
        None => Err("季度应写作 2026Q4(或 2026年第4季度)".to_string()),
    }
}

/// A month on the command line.
pub fn month_arg(s: &str) -> Result<Period, String> {
    match Period::parse(s) {
        Some(p) if !p.is_quarter() => Ok(p),
        Some(_) => Err("这里要的是月份,不是季度,应写作 2026-11".to_string()),
        None => Err("月份应写作 2026-11(或 2026年11月)".to_string()),
    }
}

/// A count of at least 1 (people, users).
pub fn count_arg(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err("应为大于 0 的整数".to_string()),
    }
}

/// A whole number of at least 0 (a seed, a number of quarters).
pub fn whole_arg<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.trim().parse::<T>().map_err(|_| "应为不小于 0 的整数".to_string())
}

/// A proportion strictly between 0 and 1 (a margin of error, a confidence level).
pub fn fraction_arg(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x > 0.0 && x < 1.0 => Ok(x),
        _ => Err("应为 0 和 1 之间的小数(如 0.05)".to_string()),
    }
}
