//! Label-comparison scores: adjusted Rand index, normalised mutual information.

use crate::contingency::Contingency;

/// Adjusted Rand index of two labelings of the same points, as
/// scikit-learn's `adjusted_rand_score`.
///
/// `-1` is treated as an ordinary label (noise forms one group), the
/// score is symmetric, 1.0 for identical partitions (whatever the label
/// values), about 0 for independent ones and can be negative. Computed from
/// the pair-confusion counts in exact integer arithmetic; when neither
/// labeling splits a pair the other joins (e.g. both a single cluster, or
/// no points at all) the result is 1.0, as in scikit-learn.
///
/// Returns NaN if the labelings have different lengths.
pub fn adjusted_rand_index(a: &[i64], b: &[i64]) -> f64 {
    if a.len() != b.len() {
        return f64::NAN;
    }
    let t = Contingency::new(a, b);
    let n = i128::from(t.n);
    let sq = |v: u64| i128::from(v) * i128::from(v);
    let sum_squares: i128 = t.cells.iter().map(|&(_, _, v)| sq(v)).sum();
    let rows_sq: i128 = t.row_sums.iter().map(|&v| sq(v)).sum();
    let cols_sq: i128 = t.col_sums.iter().map(|&v| sq(v)).sum();
    // Ordered pairs: together in both (tp), apart in a but together in b
    // (fp), together in a but apart in b (fn), apart in both (tn).
    let tp = sum_squares - n;
    let fp = cols_sq - sum_squares;
    let fnn = rows_sq - sum_squares;
    let tn = n * n - fp - fnn - sum_squares;
    if fnn == 0 && fp == 0 {
        return 1.0;
    }
    // |counts| <= n², so the products stay below 2n⁴: exact in i128 for any
    // n up to ~3·10⁹; beyond that fall back to floating point.
    let exact = || -> Option<(i128, i128)> {
        let num = tp.checked_mul(tn)?.checked_sub(fnn.checked_mul(fp)?)?;
        let den = (tp + fnn)
            .checked_mul(fnn + tn)?
            .checked_add((tp + fp).checked_mul(fp + tn)?)?;
        Some((num, den))
    };
    match exact() {
        Some((num, den)) => 2.0 * (num as f64) / (den as f64),
        None => {
            let (tp, fp, fnn, tn) = (tp as f64, fp as f64, fnn as f64, tn as f64);
            2.0 * (tp * tn - fnn * fp) / ((tp + fnn) * (fnn + tn) + (tp + fp) * (fp + tn))
        }
    }
}

/// Entropy (nats) of the label distribution given by the counts.
fn entropy_of_counts(counts: &[u64]) -> f64 {
    let nz: Vec<f64> = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| c as f64)
        .collect();
    if nz.len() <= 1 {
        return 0.0;
    }
    let total: f64 = nz.iter().sum();
    let log_total = total.ln();
    -nz.iter()
        .map(|&p| (p / total) * (p.ln() - log_total))
        .sum::<f64>()
}

/// Mutual information (nats) of the contingency table, as scikit-learn's
/// `mutual_info_score`: terms below machine epsilon are dropped and the
/// sum is clipped at 0.
fn mutual_info(t: &Contingency) -> f64 {
    if t.rows.len() == 1 || t.cols.len() == 1 {
        return 0.0;
    }
    let total = t.n as f64;
    let log_total = total.ln();
    let log_row_total = (t.row_sums.iter().sum::<u64>() as f64).ln();
    let log_col_total = (t.col_sums.iter().sum::<u64>() as f64).ln();
    let mut mi = 0.0;
    for &(r, c, v) in &t.cells {
        let v = v as f64;
        let p = v / total;
        let outer = t.row_sums[r] as f64 * t.col_sums[c] as f64;
        let log_outer = -outer.ln() + log_row_total + log_col_total;
        let term = p * (v.ln() - log_total) + p * log_outer;
        if term.abs() >= f64::EPSILON {
            mi += term;
        }
    }
    mi.max(0.0)
}

/// Normalised mutual information of two labelings, as scikit-learn's
/// `normalized_mutual_info_score` with its default arithmetic-mean
/// normalisation: `MI(a, b) / ((H(a) + H(b)) / 2)`, natural logarithms.
///
/// `-1` is treated as an ordinary label. Both labelings a single cluster
/// (or both empty): 1.0; otherwise zero mutual information gives 0.0.
///
/// Returns NaN if the labelings have different lengths.
pub fn normalized_mutual_info(a: &[i64], b: &[i64]) -> f64 {
    if a.len() != b.len() {
        return f64::NAN;
    }
    let t = Contingency::new(a, b);
    let (ka, kb) = (t.rows.len(), t.cols.len());
    if (ka == 1 && kb == 1) || (ka == 0 && kb == 0) {
        return 1.0;
    }
    let mi = mutual_info(&t);
    if mi == 0.0 {
        return 0.0;
    }
    let h_a = entropy_of_counts(&t.row_sums);
    let h_b = entropy_of_counts(&t.col_sums);
    mi / ((h_a + h_b) / 2.0)
}
