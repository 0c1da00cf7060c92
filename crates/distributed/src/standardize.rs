//! `--standardize` across workers: every column z-scored exactly as
//! `clusterlab_data::zscore` does it on one machine (the same power-of-two
//! unit, the mean and then the variance about it in that unit, a constant
//! column set to 0), from per-worker sums added in worker order.

use crate::exchange::{Exchanger, RoundError};
use crate::shard::{Shard, ZColumn};

/// Combines every worker's equal-length vectors with `f`, in worker order.
fn reduce(
    ex: &mut Exchanger,
    mine: Vec<f64>,
    f: impl Fn(f64, f64) -> f64,
) -> Result<Vec<f64>, RoundError> {
    let parts = ex.all_gather(Ok(mine))?;
    let mut out = parts[0].clone();
    for p in &parts[1..] {
        for (o, v) in out.iter_mut().zip(p) {
            *o = f(*o, *v);
        }
    }
    Ok(out)
}

/// The power of two at or below a column's largest magnitude (1 for a zero or non-finite one).
fn unit_of(big: f64) -> f64 {
    if big > 0.0 && big.is_finite() {
        2f64.powi(big.log2().floor() as i32)
    } else {
        1.0
    }
}

/// z-scores `shard`'s rows with the columns' statistics over all workers.
pub(crate) fn zscore(ex: &mut Exchanger, shard: &mut Shard) -> Result<(), RoundError> {
    let (n, d) = (shard.n_total as f64, shard.d);
    ex.stage = "the columns' range (--standardize)".into();
    // [largest magnitude, −min, max] per column, combined by max.
    let mut range = vec![f64::NEG_INFINITY; 3 * d];
    shard.for_each_block(|_, x| {
        for row in x.rows() {
            for (a, &v) in row.iter().enumerate() {
                range[a] = range[a].max(v.abs());
                range[d + a] = range[d + a].max(-v);
                range[2 * d + a] = range[2 * d + a].max(v);
            }
        }
    });
    let range = reduce(ex, range, f64::max)?;
    let unit: Vec<f64> = range[..d].iter().map(|&b| unit_of(b)).collect();
    ex.stage = "the columns' means (--standardize)".into();
    let mut sum = vec![0.0; d];
    shard.for_each_block(|_, x| {
        for row in x.rows() {
            for (a, &v) in row.iter().enumerate() {
                sum[a] += v / unit[a];
            }
        }
    });
    let mean_u: Vec<f64> = reduce(ex, sum, |a, b| a + b)?
        .into_iter()
        .map(|s| s / n)
        .collect();
    ex.stage = "the columns' variances (--standardize)".into();
    let mut sq = vec![0.0; d];
    shard.for_each_block(|_, x| {
        for row in x.rows() {
            for (a, &v) in row.iter().enumerate() {
                let t = v / unit[a] - mean_u[a];
                sq[a] += t * t;
            }
        }
    });
    let sq = reduce(ex, sq, |a, b| a + b)?;
    let columns = (0..d)
        .map(|a| {
            let constant = -range[d + a] == range[2 * d + a];
            let std_u = (sq[a] / n).sqrt();
            ZColumn {
                unit: unit[a],
                mean_u: mean_u[a],
                std_u: if !constant && std_u > 0.0 && std_u.is_finite() {
                    std_u
                } else {
                    0.0
                },
            }
        })
        .collect();
    shard.set_zscore(columns);
    Ok(())
}
