//! Statistics for scoring (SPEC §3): running moments of answer scores, the 95% intervals that
//! every item score carries (Wilson for yes/no items, t-based for five-level items), the
//! significance tests for a decline (pooled two-proportion z-test, Welch's t-test) and the
//! half-away-from-zero rounding used when a score is shown.
//!
//! Everything here is a pure function of its arguments on `f64`. Degenerate input never
//! panics: where no answer exists (an empty sample, a variance from one observation, a test
//! with no variation, a confidence level outside (0, 1), a count larger than its total) the
//! function returns `None`, and each function documents exactly when. The distributions come
//! from `statrs` (`Normal`, `StudentsT`); their quantile functions panic outside [0, 1], so
//! every `alpha` is checked to lie strictly inside (0, 1) before use.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Running moments of a sample of scores (0–100): count, sum, sum of squares.
///
/// The three fields are plain sums, so two samples are combined by adding them field by field
/// ([`Moments::merge`]) and the result does not depend on the order of the observations beyond
/// ordinary floating-point rounding. Answer scores are integers (100/80/60/40/0), for which the
/// sums — and the variance numerator `n·Σx² − (Σx)²` — are exact in `f64` as long as they stay
/// below 2^53 (for scores up to 100 that is any n below about 900 000), so a constant sample
/// has a variance of exactly 0. Observations are expected to be finite.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    /// Number of observations.
    pub n: u64,
    /// Sum of the observations.
    pub sum: f64,
    /// Sum of the squared observations.
    pub sum_sq: f64,
}

impl Moments {
    /// Adds one observation.
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
    }

    /// Adds every observation of `other`, as if each had been passed to [`Moments::add`].
    pub fn merge(&mut self, other: &Moments) {
        self.n += other.n;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
    }

    /// Arithmetic mean. `None` if `n == 0` (or if the sums are not finite).
    pub fn mean(&self) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let mean = self.sum / self.n as f64;
        mean.is_finite().then_some(mean)
    }

    /// Sample variance (divisor `n − 1`), computed as `(n·Σx² − (Σx)²) / (n·(n − 1))`.
    ///
    /// `None` if `n < 2` (or if the sums are not finite). Never negative: a numerator that
    /// rounding has pushed below zero is clamped to 0.
    pub fn variance(&self) -> Option<f64> {
        if self.n < 2 {
            return None;
        }
        let n = self.n as f64;
        let var = (n * self.sum_sq - self.sum * self.sum) / (n * (n - 1.0));
        // Check before clamping: `f64::max` would silently turn a NaN into 0.
        var.is_finite().then(|| var.max(0.0))
    }
}

/// `true` if `alpha` is a usable significance level, strictly between 0 and 1.
fn valid_alpha(alpha: f64) -> bool {
    alpha > 0.0 && alpha < 1.0
}

/// Clamps a score to the 0–100 scale.
fn clamp_score(x: f64) -> f64 {
    x.clamp(0.0, 100.0)
}

/// The (1 − `alpha`) Wilson score interval for `successes` of `n`, as percentages `(lo, hi)`
/// in 0..=100 (95% for `alpha = 0.05`).
///
/// With p̂ = successes/n and z the (1 − alpha/2) quantile of the standard normal:
/// centre = (p̂ + z²/2n) / (1 + z²/n), half-width = z/(1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²).
/// The ends are exactly 0 when `successes == 0` and exactly 100 when `successes == n` (the
/// formula gives those values up to rounding), and are clamped to [0, 100] otherwise.
///
/// `None` if `n == 0`, if `successes > n`, or if `alpha` is not strictly inside (0, 1).
pub fn wilson(successes: u64, n: u64, alpha: f64) -> Option<(f64, f64)> {
    if n == 0 || successes > n || !valid_alpha(alpha) {
        return None;
    }
    let z = Normal::standard().inverse_cdf(1.0 - alpha / 2.0);
    let nf = n as f64;
    let p = successes as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = z / denom * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    let lo = if successes == 0 {
        0.0
    } else {
        clamp_score(100.0 * (centre - half))
    };
    let hi = if successes == n {
        100.0
    } else {
        clamp_score(100.0 * (centre + half))
    };
    (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}

/// The (1 − `alpha`) t-based interval for the mean of a sample of scores:
/// mean ± t_{1−alpha/2, n−1} · s/√n, each end clamped to [0, 100].
///
/// A sample with zero variance gives `(mean, mean)` (clamped). `None` if `n < 2` (no variance
/// exists), if `alpha` is not strictly inside (0, 1), or if the moments are not finite.
pub fn t_interval(m: &Moments, alpha: f64) -> Option<(f64, f64)> {
    if !valid_alpha(alpha) {
        return None;
    }
    let mean = m.mean()?;
    let var = m.variance()?;
    if var == 0.0 {
        return Some((clamp_score(mean), clamp_score(mean)));
    }
    let df = (m.n - 1) as f64;
    let t = StudentsT::new(0.0, 1.0, df).ok()?.inverse_cdf(1.0 - alpha / 2.0);
    let half = t * (var / m.n as f64).sqrt();
    let (lo, hi) = (mean - half, mean + half);
    (lo.is_finite() && hi.is_finite()).then(|| (clamp_score(lo), clamp_score(hi)))
}

/// Two-sided p-value of the pooled two-proportion z-test of `x1` of `n1` against `x2` of `n2`:
/// z = (p̂₁ − p̂₂) / √(p̂(1 − p̂)(1/n₁ + 1/n₂)) with the pooled p̂ = (x₁ + x₂)/(n₁ + n₂),
/// p = 2·P(Z > |z|).
///
/// `None` if either `n` is 0, if a count exceeds its total, or if the pooled proportion is 0
/// or 1 (every answer in both samples is the same, so there is no variation to test and no
/// evidence of a difference). Callers treat `None` as "not significant".
pub fn two_proportion_p(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<f64> {
    if n1 == 0 || n2 == 0 || x1 > n1 || x2 > n2 {
        return None;
    }
    let pooled_x = x1 + x2;
    let pooled_n = n1 + n2;
    if pooled_x == 0 || pooled_x == pooled_n {
        return None;
    }
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let pooled = pooled_x as f64 / pooled_n as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / n1f + 1.0 / n2f)).sqrt();
    let z = (x1 as f64 / n1f - x2 as f64 / n2f) / se;
    if !z.is_finite() {
        return None;
    }
    let p = 2.0 * Normal::standard().sf(z.abs());
    p.is_finite().then(|| p.clamp(0.0, 1.0))
}

/// Two-sided p-value of Welch's unequal-variances t-test of the mean of `a` against the mean
/// of `b`: t = (ā − b̄) / √(s²_a/n_a + s²_b/n_b), with the Welch–Satterthwaite degrees of
/// freedom ν = (s²_a/n_a + s²_b/n_b)² / ((s²_a/n_a)²/(n_a − 1) + (s²_b/n_b)²/(n_b − 1)).
///
/// One sample with zero variance is fine (its term drops out). When both variances are 0 the
/// statistic is undefined: if the means differ the difference is certain and the result is
/// `Some(0.0)`; if they are equal there is no evidence of anything and the result is `None`.
/// Also `None` if either sample has fewer than 2 observations or the moments are not finite.
/// Callers treat `None` as "not significant".
pub fn welch_p(a: &Moments, b: &Moments) -> Option<f64> {
    let (mean_a, var_a) = (a.mean()?, a.variance()?);
    let (mean_b, var_b) = (b.mean()?, b.variance()?);
    let se2_a = var_a / a.n as f64;
    let se2_b = var_b / b.n as f64;
    let se2 = se2_a + se2_b;
    if se2 == 0.0 {
        return (mean_a != mean_b).then_some(0.0);
    }
    let t = (mean_a - mean_b) / se2.sqrt();
    let df = se2 * se2 / (se2_a * se2_a / (a.n - 1) as f64 + se2_b * se2_b / (b.n - 1) as f64);
    if !t.is_finite() || !df.is_finite() || df <= 0.0 {
        return None;
    }
    let p = 2.0 * StudentsT::new(0.0, 1.0, df).ok()?.sf(t.abs());
    p.is_finite().then(|| p.clamp(0.0, 1.0))
}

/// Relative tolerance of [`round_half_away`]: a scaled value whose fractional part falls short
/// of one half by at most this fraction of its magnitude counts as a half.
const ROUND_REL_EPS: f64 = 1e-9;

/// Rounds `x` half away from zero to `places` decimals, robust to binary representation.
///
/// A decimal half such as 80.125 or 2.675 usually reaches us as the nearest `f64`, which may
/// lie just below the half (2.675 is stored as 2.67499999999999982…), or as the result of a
/// computation that lands a few ulps short (80.12499999999999 for a true 80.125). So `x` is
/// scaled by 10^places to y, and the fractional part of |y| is treated as reaching one half
/// when it is within `1e-9 · |y|` of it: 80.125 → 80.13, 2.675 → 2.68, 1.005 → 1.01,
/// −80.125 → −80.13, 80.124999999 → 80.13, while 80.124 → 80.12. The price is that a value
/// truly below a half by less than that relative margin (for a 0–100 score at 2 decimals,
/// less than about 1e-5 in the scaled value, 1e-7 in the score) also rounds away from zero;
/// scores are means of a finite number of 0–100 answers, so in practice they are either
/// exactly on a half or far further from it.
///
/// A zero result is returned as +0.0 (so −0.001 shows as 0.00, not −0.00). Non-finite `x`, and
/// `x` that has no fractional digits at this precision (|x|·10^places ≥ 2^52, or `places` too
/// large to scale by), are returned unchanged.
pub fn round_half_away(x: f64, places: u32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let Ok(exp) = i32::try_from(places) else {
        return x;
    };
    let scale = 10f64.powi(exp);
    let y = x.abs() * scale;
    // 2^52: from here on every f64 is an integer, so there is nothing to round.
    if !y.is_finite() || y >= 4_503_599_627_370_496.0 {
        return x;
    }
    let floor = y.floor();
    let frac = y - floor;
    let rounded = if frac + ROUND_REL_EPS * y >= 0.5 {
        floor + 1.0
    } else {
        floor
    };
    let out = rounded / scale;
    if out == 0.0 { 0.0 } else { out.copysign(x) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values were computed with Python 3.11, scipy 1.17.1 and statsmodels 0.15.0
    /// (and, where noted, by hand), never from this module's output.
    const TOL: f64 = 1e-6;

    fn moments(xs: &[f64]) -> Moments {
        let mut m = Moments::default();
        for &x in xs {
            m.add(x);
        }
        m
    }

    fn assert_close(got: f64, want: f64, tol: f64) {
        assert!((got - want).abs() <= tol, "got {got}, want {want} (tol {tol})");
    }

    fn assert_pair(got: Option<(f64, f64)>, want: (f64, f64), tol: f64) {
        let (lo, hi) = got.expect("interval expected");
        assert_close(lo, want.0, tol);
        assert_close(hi, want.1, tol);
    }

    const SAMPLE_A: [f64; 6] = [100.0, 80.0, 80.0, 60.0, 100.0, 40.0];
    const SAMPLE_B: [f64; 7] = [60.0, 40.0, 60.0, 80.0, 40.0, 20.0, 60.0];

    #[test]
    fn moments_mean_and_variance() {
        let m = moments(&SAMPLE_A);
        assert_eq!(m.n, 6);
        // By hand: Σx = 460, Σx² = 38000; numpy.mean → 76.66666666666667,
        // numpy.var(ddof=1) → 546.6666666666667.
        assert_close(m.mean().unwrap(), 76.66666666666667, 1e-12);
        assert_close(m.variance().unwrap(), 546.6666666666667, 1e-9);
    }

    #[test]
    fn moments_degenerate() {
        let empty = Moments::default();
        assert_eq!(empty.mean(), None);
        assert_eq!(empty.variance(), None);
        let one = moments(&[80.0]);
        assert_eq!(one.mean(), Some(80.0));
        assert_eq!(one.variance(), None);
        // A constant sample has a variance of exactly 0, never a tiny negative number.
        let constant = moments(&[60.0; 1000]);
        assert_eq!(constant.variance(), Some(0.0));
        let awkward = moments(&[0.1; 7]);
        assert!(awkward.variance().unwrap() >= 0.0);
        // Sums pushed negative by rounding are clamped, not reported.
        let bad = Moments {
            n: 3,
            sum: 3.0,
            sum_sq: 2.999_999,
        };
        assert_eq!(bad.variance(), Some(0.0));
        let nan = Moments {
            n: 3,
            sum: f64::NAN,
            sum_sq: 1.0,
        };
        assert_eq!(nan.mean(), None);
        assert_eq!(nan.variance(), None);
    }

    #[test]
    fn moments_merge_equals_adding_all() {
        let mut merged = moments(&SAMPLE_A);
        merged.merge(&moments(&SAMPLE_B));
        let all: Vec<f64> = SAMPLE_A.iter().chain(SAMPLE_B.iter()).copied().collect();
        assert_eq!(merged, moments(&all));
        let mut with_empty = moments(&SAMPLE_A);
        with_empty.merge(&Moments::default());
        assert_eq!(with_empty, moments(&SAMPLE_A));
    }

    #[test]
    fn wilson_reference_values() {
        // statsmodels proportion_confint(8, 10, alpha=0.05, method='wilson') × 100
        // → (49.01624715366418, 94.33178485456247); by hand with z = 1.959964:
        // centre = (0.8 + 0.192073)/1.384146 = 0.716739, half = 0.226576.
        assert_pair(wilson(8, 10, 0.05), (49.01624715366418, 94.33178485456247), TOL);
        // proportion_confint(0, 10, method='wilson') × 100 → (0.0, 27.753279986288927)
        assert_pair(wilson(0, 10, 0.05), (0.0, 27.753279986288927), TOL);
        // proportion_confint(10, 10, method='wilson') × 100 → (72.24672001371107, 100.0)
        assert_pair(wilson(10, 10, 0.05), (72.24672001371107, 100.0), TOL);
        // proportion_confint(1, 1, method='wilson') × 100 → (20.65493143772374, 100.0)
        assert_pair(wilson(1, 1, 0.05), (20.65493143772374, 100.0), TOL);
        // proportion_confint(37, 50, alpha=0.10, method='wilson') × 100
        // → (62.75387029219313, 82.78213679006589)
        assert_pair(wilson(37, 50, 0.10), (62.75387029219313, 82.78213679006589), TOL);
    }

    #[test]
    fn wilson_exact_ends_and_degenerate() {
        let (lo, _) = wilson(0, 10, 0.05).unwrap();
        assert_eq!(lo, 0.0);
        let (_, hi) = wilson(10, 10, 0.05).unwrap();
        assert_eq!(hi, 100.0);
        assert_eq!(wilson(0, 0, 0.05), None);
        assert_eq!(wilson(11, 10, 0.05), None);
        assert_eq!(wilson(8, 10, 0.0), None);
        assert_eq!(wilson(8, 10, 1.0), None);
        assert_eq!(wilson(8, 10, f64::NAN), None);
        assert_eq!(wilson(8, 10, -0.05), None);
    }

    #[test]
    fn t_interval_reference_values() {
        let m = moments(&SAMPLE_A);
        // scipy.stats.t.interval(0.95, df=5, loc=mean, scale=scipy.stats.sem(a))
        // → (52.129912832567186, 101.20342050076616); the upper end is clamped to 100.
        assert_pair(t_interval(&m, 0.05), (52.129912832567186, 100.0), TOL);
        // scipy.stats.t.interval(0.90, df=5, ...) → (57.43259863784778, 95.90073469548555)
        assert_pair(t_interval(&m, 0.10), (57.43259863784778, 95.90073469548555), TOL);
        // [100, 100, 100, 0]: scipy.stats.t.interval(0.95, df=3, loc=75, scale=25)
        // → (-4.561157632092687, 154.5611576320927), clamped to (0, 100).
        assert_pair(
            t_interval(&moments(&[100.0, 100.0, 100.0, 0.0]), 0.05),
            (0.0, 100.0),
            TOL,
        );
        // A sample whose interval is not clamped (see T_UNCLAMPED).
        let unclamped = moments(&[80.0, 60.0, 80.0, 100.0, 80.0, 60.0, 80.0, 80.0, 100.0, 60.0]);
        assert_pair(t_interval(&unclamped, 0.05), T_UNCLAMPED, TOL);
    }

    // scipy.stats.t.interval(0.95, df=9, loc=78.0, scale=scipy.stats.sem(sample)) for
    // [80, 60, 80, 100, 80, 60, 80, 80, 100, 60].
    // → (67.44326657360838, 88.55673342639162).
    const T_UNCLAMPED: (f64, f64) = (67.44326657360838, 88.55673342639162);

    #[test]
    fn t_interval_degenerate() {
        assert_eq!(t_interval(&Moments::default(), 0.05), None);
        assert_eq!(t_interval(&moments(&[80.0]), 0.05), None);
        assert_eq!(t_interval(&moments(&[80.0, 80.0, 80.0]), 0.05), Some((80.0, 80.0)));
        assert_eq!(t_interval(&moments(&SAMPLE_A), 0.0), None);
        assert_eq!(t_interval(&moments(&SAMPLE_A), 1.0), None);
        assert_eq!(t_interval(&moments(&SAMPLE_A), f64::NAN), None);
    }

    #[test]
    fn two_proportion_reference_values() {
        // statsmodels proportions_ztest([45, 35], [50, 50]) → z = 2.500000000000001,
        // p = 0.012419330651552235. By hand: pooled 0.8, se = √(0.8·0.2·(2/50)) = 0.08,
        // z = 0.2/0.08 = 2.5, p = 2·(1 − Φ(2.5)) = 0.0124193.
        assert_close(two_proportion_p(45, 50, 35, 50).unwrap(), 0.012419330651552235, TOL);
        // Symmetric in the direction of the difference.
        assert_close(two_proportion_p(35, 50, 45, 50).unwrap(), 0.012419330651552235, TOL);
        // proportions_ztest([3, 1], [10, 12]) → p = 0.18952626866051037
        assert_close(two_proportion_p(3, 10, 1, 12).unwrap(), 0.18952626866051037, TOL);
        // proportions_ztest([50, 49], [50, 50]) → p = 0.31487864133641963
        assert_close(two_proportion_p(50, 50, 49, 50).unwrap(), 0.31487864133641963, TOL);
        // Equal proportions: z = 0, p = 1.
        assert_close(two_proportion_p(20, 40, 10, 20).unwrap(), 1.0, TOL);
    }

    #[test]
    fn two_proportion_degenerate() {
        assert_eq!(two_proportion_p(0, 0, 3, 10), None);
        assert_eq!(two_proportion_p(3, 10, 0, 0), None);
        assert_eq!(two_proportion_p(0, 10, 0, 12), None);
        assert_eq!(two_proportion_p(10, 10, 12, 12), None);
        assert_eq!(two_proportion_p(11, 10, 3, 12), None);
    }

    #[test]
    fn welch_reference_values() {
        // scipy.stats.ttest_ind(A, B, equal_var=False) → t = 2.092069043439513,
        // df = 9.83338588535968, p = 0.06337449739920127
        let (a, b) = (moments(&SAMPLE_A), moments(&SAMPLE_B));
        assert_close(welch_p(&a, &b).unwrap(), 0.06337449739920127, TOL);
        assert_close(welch_p(&b, &a).unwrap(), 0.06337449739920127, TOL);
        // ttest_ind([100, 100, 80, 100, 80, 100, 60, 100, 100, 80], [60, 40, 60, 80, 40],
        // equal_var=False) → t = 3.9000674757995495, df = 6.972103004291846,
        // p = 0.005944724563071111
        let c = moments(&[100.0, 100.0, 80.0, 100.0, 80.0, 100.0, 60.0, 100.0, 100.0, 80.0]);
        let d = moments(&[60.0, 40.0, 60.0, 80.0, 40.0]);
        assert_close(welch_p(&c, &d).unwrap(), 0.005944724563071111, TOL);
        // One variance zero: ttest_ind([80, 80, 80], [60, 40, 80, 100], equal_var=False)
        // → t = 0.7745966692414834, df = 3.0, p = 0.4950253460597111
        let e = moments(&[80.0, 80.0, 80.0]);
        let f = moments(&[60.0, 40.0, 80.0, 100.0]);
        assert_close(welch_p(&e, &f).unwrap(), 0.4950253460597111, TOL);
        // Identical samples: ttest_ind(A, A, equal_var=False) → t = 0, p = 1.0
        assert_close(welch_p(&a, &a).unwrap(), 1.0, TOL);
    }

    #[test]
    fn welch_degenerate() {
        let a = moments(&SAMPLE_A);
        assert_eq!(welch_p(&a, &Moments::default()), None);
        assert_eq!(welch_p(&moments(&[80.0]), &a), None);
        assert_eq!(welch_p(&a, &moments(&[80.0])), None);
        let eighty = moments(&[80.0, 80.0, 80.0]);
        let sixty = moments(&[60.0, 60.0]);
        assert_eq!(welch_p(&eighty, &sixty), Some(0.0));
        assert_eq!(welch_p(&eighty, &moments(&[80.0, 80.0])), None);
    }

    #[test]
    fn round_half_away_cases() {
        // Expected values: Python decimal.Decimal(<literal>).quantize(Decimal('0.01'),
        // rounding=ROUND_HALF_UP), i.e. half away from zero on the decimal literal.
        assert_eq!(round_half_away(80.125, 2), 80.13);
        assert_eq!(round_half_away(-80.125, 2), -80.13);
        assert_eq!(round_half_away(2.675, 2), 2.68);
        assert_eq!(round_half_away(1.005, 2), 1.01);
        assert_eq!(round_half_away(80.124, 2), 80.12);
        assert_eq!(round_half_away(0.0, 2), 0.0);
        // 100·641/800 = 80.125 exactly (by hand).
        assert_eq!(round_half_away(100.0 * 641.0 / 800.0, 2), 80.13);
        // A true 80.125 that a computation delivered a few ulps short, and the literal
        // 80.124999999 of the brief: both within the documented epsilon, both → 80.13.
        assert_eq!(round_half_away(80.124_999_999_999_99, 2), 80.13);
        assert_eq!(round_half_away(80.124_999_999, 2), 80.13);
        // Clearly below the half, and clearly above.
        assert_eq!(round_half_away(80.1249, 2), 80.12);
        assert_eq!(round_half_away(80.1251, 2), 80.13);
        assert_eq!(round_half_away(100.0, 2), 100.0);
        assert_eq!(round_half_away(0.5, 0), 1.0);
        assert_eq!(round_half_away(-0.5, 0), -1.0);
        assert_eq!(round_half_away(2.5, 0), 3.0);
    }

    #[test]
    fn round_half_away_edges() {
        // A zero result is +0.0, never -0.0.
        let z = round_half_away(-0.001, 2);
        assert_eq!(z, 0.0);
        assert!(z.is_sign_positive());
        assert!(round_half_away(f64::NAN, 2).is_nan());
        assert_eq!(round_half_away(f64::INFINITY, 2), f64::INFINITY);
        assert_eq!(round_half_away(1.5, 400), 1.5);
        assert_eq!(round_half_away(1e20, 2), 1e20);
        assert_eq!(round_half_away(12.5, u32::MAX), 12.5);
    }
}
