//! Uncertainty of soft memberships.

use ndarray::{Array1, ArrayView2};

/// Entropy in nats of each row of a membership matrix (rows = points,
/// columns = clusters, e.g. EM responsibilities): `−Σ_j p_j ln p_j` with
/// `0 · ln 0 = 0`. 0 for a point entirely in one cluster, `ln k` for a
/// point split evenly over `k` clusters.
///
/// Rows are used as given (not renormalised); entries ≤ 0 contribute
/// nothing and a NaN entry makes that row's entropy NaN.
pub fn soft_entropy(membership: ArrayView2<f64>) -> Array1<f64> {
    membership
        .rows()
        .into_iter()
        .map(|row| {
            row.iter()
                .map(|&p| {
                    if p.is_nan() {
                        f64::NAN
                    } else if p > 0.0 {
                        -p * p.ln()
                    } else {
                        0.0
                    }
                })
                .sum()
        })
        .collect()
}

/// Mean of [`soft_entropy`] over all points (nats); 0.0 when there are no
/// rows.
pub fn mean_soft_entropy(membership: ArrayView2<f64>) -> f64 {
    let h = soft_entropy(membership);
    if h.is_empty() {
        0.0
    } else {
        h.sum() / h.len() as f64
    }
}
