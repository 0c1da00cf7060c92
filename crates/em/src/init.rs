//! Starting points: k-means (k-means++ seeding and Lloyd iterations, written
//! here), k-means++ centres alone, random responsibilities, random points.
//! Each returns responsibilities; the first M-step turns them into a model.
//! The random responsibilities are counter-based (row i's come from its own
//! position in one stream), so shards of the data can draw their own.

use std::sync::Mutex;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::seq::index::sample;
use rand::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Starts that depend only on the data, k and the random stream, remembered
/// across the fits of one data set: the 14 models of a selection draw the
/// same k-means and k-means++ start at each k (the stream reaches them in
/// the same state), so each is computed once. A fit reads from the memo
/// exactly what it would have computed, and leaves its stream where the
/// computation would have: the memo never changes a fit, only its cost.
#[derive(Debug, Default)]
pub struct StartMemo {
    d: usize,
    kmeans: Mutex<Vec<Remembered>>,
    kmeans_plus_plus: Mutex<Vec<Remembered>>,
}

/// One remembered start: rows, k, the stream before and after, the result.
#[derive(Debug)]
struct Remembered {
    rows: usize,
    k: usize,
    before: Xoshiro256PlusPlus,
    after: Xoshiro256PlusPlus,
    out: Vec<usize>,
}

/// Memos never change a fit, so any two are interchangeable.
impl PartialEq for StartMemo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl StartMemo {
    /// An empty memo for one data set of `d` features (its rows, or the
    /// subset of them that [`Init::Auto`](crate::Init::Auto) screens on: the
    /// row count and the stream's state tell them apart).
    pub fn new(d: usize) -> Self {
        StartMemo {
            d,
            ..Default::default()
        }
    }

    /// Whether this memo was made for data of `d` features.
    pub fn fits_features(&self, d: usize) -> bool {
        self.d == d
    }

    /// [`kmeans_labels`] through the memo.
    pub(crate) fn kmeans_labels(
        &self,
        x: ArrayView2<f64>,
        w: Option<ArrayView1<f64>>,
        k: usize,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Vec<usize> {
        remember(&self.kmeans, x.nrows(), k, rng, |r| {
            kmeans_labels(x, w, k, r)
        })
    }

    /// [`kmeans_plus_plus`] through the memo.
    pub(crate) fn kmeans_plus_plus(
        &self,
        x: ArrayView2<f64>,
        w: Option<ArrayView1<f64>>,
        k: usize,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Vec<usize> {
        remember(&self.kmeans_plus_plus, x.nrows(), k, rng, |r| {
            kmeans_plus_plus(x, w, k, r)
        })
    }
}

/// The remembered result for (k, this stream state), or a new one computed and kept.
fn remember(
    table: &Mutex<Vec<Remembered>>,
    rows: usize,
    k: usize,
    rng: &mut Xoshiro256PlusPlus,
    compute: impl FnOnce(&mut Xoshiro256PlusPlus) -> Vec<usize>,
) -> Vec<usize> {
    fn lock(t: &Mutex<Vec<Remembered>>) -> std::sync::MutexGuard<'_, Vec<Remembered>> {
        t.lock().unwrap_or_else(|e| e.into_inner())
    }
    if let Some(r) = lock(table)
        .iter()
        .find(|r| r.rows == rows && r.k == k && r.before == *rng)
    {
        *rng = r.after.clone();
        return r.out.clone();
    }
    let before = rng.clone();
    let out = compute(rng);
    lock(table).push(Remembered {
        rows,
        k,
        before,
        after: rng.clone(),
        out: out.clone(),
    });
    out
}

/// Squared euclidean distance.
fn sq_dist(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Pick an index with probability proportional to `weights` (all ≥ 0); uniform if they sum to 0.
fn weighted_choice<R: Rng + ?Sized>(weights: &[f64], rng: &mut R) -> usize {
    let total: f64 = weights.iter().sum();
    if !(total > 0.0) {
        return rng.gen_range(0..weights.len());
    }
    let mut u = rng.gen::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

/// k-means++ seeding (greedy: `2 + ln k` candidates per step, keep the one
/// that lowers the potential most). Returns the indices of the k centres.
pub(crate) fn kmeans_plus_plus<R: Rng + ?Sized>(
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    k: usize,
    rng: &mut R,
) -> Vec<usize> {
    let n = x.nrows();
    let weight = |i: usize| w.map_or(1.0, |w| w[i]);
    let trials = 2 + (k as f64).ln().floor() as usize;
    let first_w: Vec<f64> = (0..n).map(weight).collect();
    let first = weighted_choice(&first_w, rng);
    let mut centres = vec![first];
    let mut closest: Vec<f64> = (0..n).map(|i| sq_dist(x.row(i), x.row(first))).collect();
    while centres.len() < k {
        let pot: Vec<f64> = (0..n).map(|i| closest[i] * weight(i)).collect();
        let mut best: Option<(f64, usize, Vec<f64>)> = None;
        for _ in 0..trials {
            let c = weighted_choice(&pot, rng);
            let cand: Vec<f64> = (0..n)
                .map(|i| closest[i].min(sq_dist(x.row(i), x.row(c))))
                .collect();
            let p: f64 = cand.iter().enumerate().map(|(i, v)| v * weight(i)).sum();
            if best.as_ref().is_none_or(|b| p < b.0) {
                best = Some((p, c, cand));
            }
        }
        let (_, c, cand) = best.expect("at least one trial");
        centres.push(c);
        closest = cand;
    }
    centres
}

/// Most Lloyd iterations of the k-means start.
pub const KMEANS_START_MAX_ITER: usize = 300;
/// The k-means start stops when the centres' squared move is at most this
/// times the data's mean per-feature variance.
pub const KMEANS_START_TOL: f64 = 1e-4;

/// Lloyd's k-means from k-means++ centres; returns the final labels.
/// An empty cluster is moved to the point farthest from its centre.
pub(crate) fn kmeans_labels<R: Rng + ?Sized>(
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    k: usize,
    rng: &mut R,
) -> Vec<usize> {
    let (n, d) = x.dim();
    let weight = |i: usize| w.map_or(1.0, |w| w[i]);
    let mut centres = Array2::<f64>::zeros((k, d));
    for (j, i) in kmeans_plus_plus(x, w, k, rng).into_iter().enumerate() {
        centres.row_mut(j).assign(&x.row(i));
    }
    // Tolerance relative to the data's mean variance, as scikit-learn does.
    let mean = x.mean_axis(ndarray::Axis(0)).expect("n ≥ 1");
    let var_mean = x
        .rows()
        .into_iter()
        .map(|r| sq_dist(r, mean.view()))
        .sum::<f64>()
        / (n * d) as f64;
    let tol = KMEANS_START_TOL * var_mean;
    let mut labels = vec![0usize; n];
    for _ in 0..KMEANS_START_MAX_ITER {
        let mut dist = vec![0.0; n];
        for i in 0..n {
            let (mut bj, mut bd) = (0, f64::INFINITY);
            for j in 0..k {
                let dd = sq_dist(x.row(i), centres.row(j));
                if dd < bd {
                    bd = dd;
                    bj = j;
                }
            }
            labels[i] = bj;
            dist[i] = bd;
        }
        let mut sums = Array2::<f64>::zeros((k, d));
        let mut counts = Array1::<f64>::zeros(k);
        for i in 0..n {
            let wi = weight(i);
            counts[labels[i]] += wi;
            sums.row_mut(labels[i]).scaled_add(wi, &x.row(i));
        }
        let mut new = centres.clone();
        let mut taken = Vec::new();
        for j in 0..k {
            if counts[j] > 0.0 {
                new.row_mut(j).assign(&(&sums.row(j) / counts[j]));
            } else {
                // Relocate an empty cluster to the worst-served point.
                let far = (0..n)
                    .filter(|i| !taken.contains(i))
                    .max_by(|a, b| dist[*a].total_cmp(&dist[*b]))
                    .unwrap_or(0);
                taken.push(far);
                new.row_mut(j).assign(&x.row(far));
            }
        }
        let shift: f64 = (0..k).map(|j| sq_dist(new.row(j), centres.row(j))).sum();
        centres = new;
        if shift <= tol {
            break;
        }
    }
    // Final assignment to the final centres.
    for i in 0..n {
        labels[i] = (0..k)
            .min_by(|a, b| {
                sq_dist(x.row(i), centres.row(*a)).total_cmp(&sq_dist(x.row(i), centres.row(*b)))
            })
            .expect("k ≥ 1");
    }
    labels
}

/// One-hot responsibilities from labels.
pub(crate) fn one_hot(labels: &[usize], k: usize) -> Array2<f64> {
    let mut r = Array2::<f64>::zeros((labels.len(), k));
    for (i, l) in labels.iter().enumerate() {
        r[[i, *l]] = 1.0;
    }
    r
}

/// One-hot responsibilities placing component j on point `centres[j]` only.
pub(crate) fn one_hot_at(n: usize, centres: &[usize]) -> Array2<f64> {
    let mut r = Array2::<f64>::zeros((n, centres.len()));
    for (j, i) in centres.iter().enumerate() {
        r[[*i, j]] = 1.0;
    }
    r
}

/// SplitMix64's output function: a bijective mix of 64 bits.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The counter-based uniform draw number `counter` of `stream`, in [0, 1):
/// the top 53 bits of `mix64(stream + (counter + 1)·φ)` (SplitMix64 at a
/// given position), so any row's draws can be made without the rows before it.
fn counter_uniform(stream: u64, counter: u64) -> f64 {
    let z = mix64(stream.wrapping_add(counter.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    (z >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Row `i`'s random responsibilities (k of them) from `stream`: draws
/// `i·k .. i·k + k` of the stream, normalised to sum to 1. A shard can draw
/// its own rows' without drawing anyone else's.
pub fn random_responsibility_row(stream: u64, i: usize, out: &mut [f64]) {
    let k = out.len() as u64;
    for (j, r) in out.iter_mut().enumerate() {
        *r = counter_uniform(stream, i as u64 * k + j as u64);
    }
    let s: f64 = out.iter().sum();
    for r in out.iter_mut() {
        *r /= s;
    }
}

/// Uniform random responsibilities, each row normalised to sum to 1; row i
/// is [`random_responsibility_row`]`(stream, i)`.
pub(crate) fn random_responsibilities(n: usize, k: usize, stream: u64) -> Array2<f64> {
    let mut r = Array2::<f64>::zeros((n, k));
    for (i, mut row) in r.rows_mut().into_iter().enumerate() {
        random_responsibility_row(
            stream,
            i,
            row.as_slice_mut().expect("a standard layout row"),
        );
    }
    r
}

/// k distinct random row indices.
pub(crate) fn random_points<R: Rng + ?Sized>(n: usize, k: usize, rng: &mut R) -> Vec<usize> {
    sample(rng, n, k).into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn the_memo_gives_what_the_computation_gives_and_leaves_the_stream_alike() {
        let x = Array2::from_shape_fn((60, 2), |(i, j)| {
            ((i * 7 + j * 13) % 17) as f64 + (i % 3) as f64 * 9.0
        });
        let memo = StartMemo::new(2);
        for seed in [1u64, 2] {
            for k in [2usize, 3] {
                let mut direct = Xoshiro256PlusPlus::seed_from_u64(seed);
                let want = kmeans_labels(x.view(), None, k, &mut direct);
                let want_next: u64 = direct.gen();
                // Twice through the memo: computed, then remembered.
                for _ in 0..2 {
                    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
                    assert_eq!(memo.kmeans_labels(x.view(), None, k, &mut rng), want);
                    assert_eq!(rng.gen::<u64>(), want_next);
                }
                let mut direct = Xoshiro256PlusPlus::seed_from_u64(seed);
                let want = kmeans_plus_plus(x.view(), None, k, &mut direct);
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
                memo.kmeans_plus_plus(x.view(), None, k, &mut rng);
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
                assert_eq!(memo.kmeans_plus_plus(x.view(), None, k, &mut rng), want);
                assert_eq!(rng, direct);
            }
        }
        // Four (seed, k) pairs, each computed once.
        assert_eq!(memo.kmeans.lock().unwrap().len(), 4);
        assert_eq!(memo.kmeans_plus_plus.lock().unwrap().len(), 4);
    }

    #[test]
    fn kmeans_splits_two_obvious_groups() {
        let x = array![
            [0.0, 0.0],
            [0.1, 0.0],
            [0.0, 0.1],
            [10.0, 10.0],
            [10.1, 10.0],
            [10.0, 10.1]
        ];
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let l = kmeans_labels(x.view(), None, 2, &mut rng);
        assert_eq!(l[0], l[1]);
        assert_eq!(l[1], l[2]);
        assert_eq!(l[3], l[4]);
        assert_eq!(l[4], l[5]);
        assert_ne!(l[0], l[3]);
    }

    #[test]
    fn kmeans_plus_plus_picks_distinct_far_points() {
        let x = array![[0.0], [0.0], [0.0], [100.0]];
        for seed in 0..20 {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let c = kmeans_plus_plus(x.view(), None, 2, &mut rng);
            // The second centre must be the only point at positive distance.
            assert!(c.contains(&3), "seed {seed}: {c:?}");
        }
    }
}
