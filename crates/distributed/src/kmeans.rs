//! k-means across workers, with the single-process fit's seeding and stopping rule.
//!
//! The seeding draws from the same random stream (`run_rng(seed, run)`)
//! and makes the same choices: the first centre uniform over the rows; each
//! next one the best (lowest potential) of `2 + ⌊ln k⌋` candidates drawn
//! with probability ∝ D(x)², a draw being the first row (in global row
//! order) whose running sum of D(x)² passes `v = u · potential`. The
//! running sums go block by block over the same blocks of `CHUNK` global
//! rows as the single-process seeding; each block's sum is added up by
//! worker (so it can differ from the single-process sum in the last bits)
//! and the rows of the block a draw falls into are gathered in global
//! order to find the row. None of it depends on how many workers there are,
//! except through that rounding.
//!
//! Lloyd's iterations are exact (every distance computed, ties to the lower
//! index): per-cluster sums and counts are all-gathered and added in worker
//! order; the stopping rule is scikit-learn's (labels unchanged, or a
//! squared centroid move of at most `tol` · the mean feature variance).

use clusterlab_algos::kmeans::{run_rng, CHUNK};
use clusterlab_algos::{KMeansInit, ValidKMeansParams};
use ndarray::Array2;
use rand::seq::index;
use rand::Rng;

use crate::exchange::Exchanger;
use crate::shard::{in_row_order, Shard};

/// The k-means parameters a distributed fit uses.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansJob {
    pub k: usize,
    pub n_init: usize,
    pub max_iter: usize,
    pub tol: f64,
    pub seed: u64,
    pub init: KMeansInit,
}

impl KMeansJob {
    /// From checked parameters (the Lloyd backend's behaviour).
    pub fn from_params(p: &ValidKMeansParams) -> Self {
        KMeansJob {
            k: p.n_clusters(),
            n_init: p.n_init(),
            max_iter: p.max_iter(),
            tol: p.tol(),
            seed: p.seed(),
            init: p.init(),
        }
    }
}

/// What process 0 gets back.
#[derive(Debug, Clone)]
pub struct KMeansOutcome {
    /// k × d.
    pub centroids: Array2<f64>,
    pub inertia: f64,
    pub n_iter: usize,
    /// Rows fitted.
    pub n: usize,
    pub labels: Option<Vec<i64>>,
    pub fit_seconds: f64,
}

pub(crate) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b) {
        let t = x - y;
        s += t * t;
    }
    s
}

/// Nearest centroid (ties to the lower index) and its squared distance.
pub(crate) fn nearest(p: &[f64], centroids: &[f64], d: usize) -> (u32, f64) {
    let mut best = (0u32, f64::INFINITY);
    for (j, c) in centroids.chunks_exact(d).enumerate() {
        let t = sq_dist(p, c);
        if t < best.1 {
            best = (j as u32, t);
        }
    }
    best
}

/// One worker's rows held in memory for the fit (row-major), with their global indices.
struct Rows {
    x: Vec<f64>,
    idx: Vec<usize>,
    d: usize,
}

impl Rows {
    fn row(&self, r: usize) -> &[f64] {
        &self.x[r * self.d..(r + 1) * self.d]
    }
    fn len(&self) -> usize {
        self.idx.len()
    }
}

struct Ctx<'a, 'w> {
    ex: &'a mut Exchanger<'w>,
    rows: Rows,
    n: usize,
    d: usize,
    blocks: usize,
}

impl Ctx<'_, '_> {
    fn gather(&mut self, payload: Vec<f64>) -> Result<Vec<Vec<f64>>, String> {
        self.ex.all_gather(Ok(payload)).map_err(|e| e.0)
    }

    /// Sums of equal-length vectors, added in worker order.
    fn sum(&mut self, payload: Vec<f64>) -> Result<Vec<f64>, String> {
        let parts = self.gather(payload)?;
        let mut total = vec![0.0; parts.first().map_or(0, Vec::len)];
        for p in &parts {
            for (t, v) in total.iter_mut().zip(p) {
                *t += v;
            }
        }
        Ok(total)
    }

    /// The rows with global indices `which`, in that order (their owners send them).
    fn rows_at(&mut self, which: &[usize]) -> Result<Vec<f64>, String> {
        let t = self.ex.peers;
        let me = self.ex.index;
        let mut payload = Vec::new();
        for &i in which {
            if i % t == me {
                payload.extend_from_slice(self.rows.row(i / t));
            }
        }
        let parts = self.gather(payload)?;
        Ok(in_row_order(&parts, which.iter().copied(), self.d))
    }

    /// D(x)² of every row of global block `b`, in global row order.
    fn block_values(&mut self, b: usize, closest: &[f64]) -> Result<Vec<f64>, String> {
        let (lo, hi) = (b * CHUNK, ((b + 1) * CHUNK).min(self.n));
        let mine: Vec<f64> = (0..self.rows.len())
            .filter(|&r| (lo..hi).contains(&self.rows.idx[r]))
            .map(|r| closest[r])
            .collect();
        let parts = self.gather(mine)?;
        Ok(in_row_order(&parts, lo..hi, 1))
    }

    /// Per-block sums of `f(r)` over this worker's rows, summed over workers.
    fn block_sums(
        &mut self,
        count: usize,
        f: impl Fn(usize, usize) -> f64,
    ) -> Result<Vec<f64>, String> {
        // count values per block: [block][value].
        let mut mine = vec![0.0; self.blocks * count];
        for r in 0..self.rows.len() {
            let b = self.rows.idx[r] / CHUNK;
            for c in 0..count {
                mine[b * count + c] += f(r, c);
            }
        }
        self.sum(mine)
    }

    /// The row a draw `v` lands on ([`pick_row`] over this worker's blocks).
    fn pick(&mut self, v: f64, block_sums: &[f64], closest: &[f64]) -> Result<usize, String> {
        pick_row(v, block_sums, CHUNK, |b| self.block_values(b, closest))
    }

    /// The greedy k-means++ start of one run; returns the centres and each row's label.
    fn plus_plus(&mut self, k: usize, rng: &mut impl Rng) -> Result<(Vec<f64>, Vec<u32>), String> {
        let d = self.d;
        let trials = 2 + (k as f64).ln() as usize;
        let first = rng.gen_range(0..self.n);
        let mut centres = self.rows_at(&[first])?;
        let mut closest: Vec<f64> = (0..self.rows.len())
            .map(|r| sq_dist(self.rows.row(r), &centres[..d]))
            .collect();
        let mut labels = vec![0u32; self.rows.len()];
        let mut block_sums = {
            let c = closest.clone();
            self.block_sums(1, move |r, _| c[r])?
        };
        let mut pot: f64 = block_sums.iter().sum();
        for c in 1..k {
            self.ex.stage = format!("k-means++ centre {}", c + 1);
            let mut ids = Vec::with_capacity(trials);
            for _ in 0..trials {
                let v = rng.gen::<f64>() * pot;
                ids.push(self.pick(v, &block_sums, &closest)?);
            }
            let cands = self.rows_at(&ids)?;
            let (cl, rows) = (&closest, &self.rows);
            let dists: Vec<Vec<f64>> = (0..rows.len())
                .map(|r| {
                    cands
                        .chunks_exact(d)
                        .map(|q| sq_dist(rows.row(r), q))
                        .collect()
                })
                .collect();
            let per = {
                let cl = cl.clone();
                let dists = dists.clone();
                self.block_sums(trials, move |r, t| {
                    let x = dists[r][t];
                    if x < cl[r] {
                        x
                    } else {
                        cl[r]
                    }
                })?
            };
            let p: Vec<f64> = (0..trials)
                .map(|t| (0..self.blocks).map(|b| per[b * trials + t]).sum())
                .collect();
            let mut best = 0;
            for t in 1..trials {
                if p[t] < p[best] {
                    best = t;
                }
            }
            pot = p[best];
            block_sums = (0..self.blocks).map(|b| per[b * trials + best]).collect();
            for r in 0..closest.len() {
                let x = dists[r][best];
                if x < closest[r] {
                    closest[r] = x;
                    labels[r] = c as u32;
                }
            }
            centres.extend_from_slice(&cands[best * d..(best + 1) * d]);
        }
        Ok((centres, labels))
    }

    /// Lloyd from `centres` (labels: the assignment to them); returns
    /// (centroids, labels, inertia, n_iter).
    fn lloyd(
        &mut self,
        mut centroids: Vec<f64>,
        mut labels: Vec<u32>,
        max_iter: usize,
        tol_sq: f64,
    ) -> Result<(Vec<f64>, Vec<u32>, f64, usize), String> {
        let (d, k) = (self.d, centroids.len() / self.d);
        let mut strict = false;
        let mut n_iter = 0;
        for it in 0..max_iter {
            self.ex.stage = format!("Lloyd iteration {}", it + 1);
            let mut changed = false;
            if it > 0 {
                for r in 0..self.rows.len() {
                    let (b, _) = nearest(self.rows.row(r), &centroids, d);
                    if b != labels[r] {
                        labels[r] = b;
                        changed = true;
                    }
                }
            }
            let mut payload = vec![0.0; k * d + k + 1];
            for r in 0..self.rows.len() {
                let l = labels[r] as usize;
                for (s, v) in payload[l * d..(l + 1) * d].iter_mut().zip(self.rows.row(r)) {
                    *s += v;
                }
                payload[k * d + l] += 1.0;
            }
            payload[k * d + k] = if changed { 1.0 } else { 0.0 };
            let total = self.sum(payload)?;
            if it > 0 && total[k * d + k] == 0.0 {
                strict = true;
                n_iter = it + 1;
                break;
            }
            let mut new = centroids.clone();
            for j in 0..k {
                let count = total[k * d + j];
                if count > 0.0 {
                    for a in 0..d {
                        new[j * d + a] = total[j * d + a] / count;
                    }
                }
            }
            n_iter = it + 1;
            let shift: f64 = new
                .chunks_exact(d)
                .zip(centroids.chunks_exact(d))
                .map(|(a, b)| sq_dist(a, b))
                .sum();
            centroids = new;
            if shift <= tol_sq {
                break;
            }
        }
        if !strict {
            for r in 0..self.rows.len() {
                labels[r] = nearest(self.rows.row(r), &centroids, d).0;
            }
        }
        self.ex.stage = "the inertia".into();
        let mut own = 0.0;
        for r in 0..self.rows.len() {
            let l = labels[r] as usize;
            own += sq_dist(self.rows.row(r), &centroids[l * d..(l + 1) * d]);
        }
        let inertia = self.sum(vec![own])?[0];
        Ok((centroids, labels, inertia, n_iter))
    }

    /// The mean over the features of the population variance.
    fn mean_variance(&mut self) -> Result<f64, String> {
        let d = self.d;
        let mut s = vec![0.0; d];
        for r in 0..self.rows.len() {
            for (a, v) in s.iter_mut().zip(self.rows.row(r)) {
                *a += v;
            }
        }
        let n = self.n as f64;
        let mean: Vec<f64> = self.sum(s)?.into_iter().map(|v| v / n).collect();
        let mut ss = vec![0.0; d];
        for r in 0..self.rows.len() {
            for ((a, v), m) in ss.iter_mut().zip(self.rows.row(r)).zip(&mean) {
                let t = v - m;
                *a += t * t;
            }
        }
        Ok(self.sum(ss)?.iter().map(|v| v / n).sum::<f64>() / d as f64)
    }
}

/// Fits on this worker's shard with the others; worker 0 returns the outcome.
pub(crate) fn run(
    ex: &mut Exchanger,
    shard: &Shard,
    job: &KMeansJob,
    want_labels: bool,
) -> Result<Option<KMeansOutcome>, String> {
    let started = std::time::Instant::now();
    let d = shard.d;
    let mut x = Vec::with_capacity(shard.len() * d);
    let mut idx = Vec::with_capacity(shard.len());
    shard.for_each_block(|i, rows| {
        idx.extend_from_slice(i);
        x.extend(rows.iter());
    });
    let n = shard.n_total;
    if job.k > n {
        return Err(format!(
            "invalid parameter k: k = {} exceeds the number of points n = {n}",
            job.k
        ));
    }
    let mut ctx = Ctx {
        ex,
        rows: Rows { x, idx, d },
        n,
        d,
        blocks: n.div_ceil(CHUNK),
    };
    let tol_sq = job.tol * ctx.mean_variance()?;
    let mut best: Option<(Vec<f64>, Vec<u32>, f64, usize)> = None;
    for run in 0..job.n_init {
        let mut rng = run_rng(job.seed, run);
        let (centres, labels) = match job.init {
            KMeansInit::KMeansPlusPlus => ctx.plus_plus(job.k, &mut rng)?,
            KMeansInit::Random => {
                let ids = index::sample(&mut rng, n, job.k).into_vec();
                let centres = ctx.rows_at(&ids)?;
                let labels = (0..ctx.rows.len())
                    .map(|r| nearest(ctx.rows.row(r), &centres, d).0)
                    .collect();
                (centres, labels)
            }
        };
        let result = ctx.lloyd(centres, labels, job.max_iter, tol_sq)?;
        if best.as_ref().is_none_or(|b| result.2 < b.2) {
            best = Some(result);
        }
    }
    let (centroids, labels, inertia, n_iter) = best.expect("n_init ≥ 1");
    let fit_seconds = started.elapsed().as_secs_f64();
    let mine = want_labels.then(|| labels.iter().map(|&l| l as f64).collect());
    let fitted = KMeansOutcome {
        centroids: Array2::from_shape_vec((job.k, d), centroids).expect("k × d centroids"),
        inertia,
        n_iter,
        n,
        labels: None,
        fit_seconds,
    };
    finish(ctx.ex, fitted, mine)
}

/// The end of both drivers (rows in memory, rows streamed): this worker's
/// labels (`mine`, in its row order, when they are wanted) gathered into
/// row order, and the outcome on the first worker of process 0 (`None` on
/// the others).
pub(crate) fn finish(
    ex: &mut Exchanger,
    mut fitted: KMeansOutcome,
    mine: Option<Vec<f64>>,
) -> Result<Option<KMeansOutcome>, String> {
    if let Some(payload) = mine {
        ex.stage = "gathering the labels".into();
        if let Some(parts) = ex.gather(Ok(payload)).map_err(|e| e.0)? {
            fitted.labels = Some(
                in_row_order(&parts, 0..fitted.n, 1)
                    .iter()
                    .map(|&v| v as i64)
                    .collect(),
            );
        }
    }
    Ok((ex.index == 0).then_some(fitted))
}

/// The row a k-means++ draw `v` lands on, from the D(x)² of rows in blocks
/// of `block` rows: the first row whose running sum passes `v` (and whose
/// D(x)² is positive); past the end (rounding), the last row of positive
/// D(x)². `block_sums[b]` is block b's total; `values(b)` its rows' D(x)²,
/// fetched only for the block the draw lands in.
pub(crate) fn pick_row<E>(
    v: f64,
    block_sums: &[f64],
    block: usize,
    mut values: impl FnMut(usize) -> Result<Vec<f64>, E>,
) -> Result<usize, E> {
    let mut acc = 0.0;
    for (b, &s) in block_sums.iter().enumerate() {
        if acc + s > v {
            let mut a = acc;
            for (j, x) in values(b)?.into_iter().enumerate() {
                a += x;
                if a > v && x > 0.0 {
                    return Ok(b * block + j);
                }
            }
        }
        acc += s;
    }
    for b in (0..block_sums.len()).rev() {
        if let Some(j) = values(b)?.iter().rposition(|&x| x > 0.0) {
            return Ok(b * block + j);
        }
    }
    Ok(0)
}
