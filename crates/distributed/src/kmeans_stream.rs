//! `fit kmeans --workers W --stream`: the distributed k-means with nothing
//! per row kept between passes. Every pass walks the memory-mapped rows
//! (`Shard::for_each_block`), so a worker's resident memory is its sums and
//! one block: each k-means++ step is one scan (a row's D(x)² recomputed from
//! the centres chosen so far), a draw reads the rows of the one block it
//! falls in, and each Lloyd iteration assigns every row to both the current
//! and the previous centroids (to see whether any label changed). The
//! numbers are those of the in-memory fit (`kmeans.rs`): the same values
//! summed in the same order.

use clusterlab_algos::kmeans::{run_rng, CHUNK};
use clusterlab_algos::KMeansInit;
use ndarray::Array2;
use rand::seq::index;
use rand::Rng;

use crate::exchange::Exchanger;
use crate::kmeans::{finish, nearest, pick_row, sq_dist, KMeansJob, KMeansOutcome};
use crate::shard::{in_row_order, own_rows, Shard};

struct Stream<'a, 'w> {
    ex: &'a mut Exchanger<'w>,
    shard: &'a Shard,
    n: usize,
    d: usize,
    blocks: usize,
}

/// D(x)²: the squared distance to the nearest of `centres`, taken in order.
fn closest(x: &[f64], centres: &[f64], d: usize) -> f64 {
    let mut best = f64::INFINITY;
    for (j, c) in centres.chunks_exact(d).enumerate() {
        let t = sq_dist(x, c);
        if j == 0 || t < best {
            best = t;
        }
    }
    best
}

impl Stream<'_, '_> {
    fn gather(&mut self, payload: Vec<f64>) -> Result<Vec<Vec<f64>>, String> {
        self.ex.all_gather(Ok(payload)).map_err(|e| e.0)
    }

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

    /// Calls `f(global index, row)` on this worker's rows, in order.
    fn scan(&self, mut f: impl FnMut(usize, &[f64])) {
        self.shard.for_each_block(|idx, x| {
            for (r, &i) in idx.iter().enumerate() {
                f(i, x.row(r).as_slice().expect("a standard layout row"));
            }
        });
    }

    fn rows_at(&mut self, which: &[usize]) -> Result<Vec<f64>, String> {
        let (t, me, d) = (self.ex.peers, self.ex.index, self.d);
        let mut payload = Vec::new();
        let mut row = vec![0.0; d];
        for &i in which {
            if i % t == me {
                self.shard.row(i, &mut row);
                payload.extend_from_slice(&row);
            }
        }
        let parts = self.gather(payload)?;
        Ok(in_row_order(&parts, which.iter().copied(), d))
    }

    /// D(x)² of every row of global block `b` (read again), in global row order.
    fn block_values(&mut self, b: usize, centres: &[f64]) -> Result<Vec<f64>, String> {
        let (t, me, d) = (self.ex.peers, self.ex.index, self.d);
        let (lo, hi) = (b * CHUNK, ((b + 1) * CHUNK).min(self.n));
        let mut row = vec![0.0; d];
        let mine: Vec<f64> = own_rows(lo, hi, t, me)
            .map(|i| {
                self.shard.row(i, &mut row);
                closest(&row, centres, d)
            })
            .collect();
        let parts = self.gather(mine)?;
        Ok(in_row_order(&parts, lo..hi, 1))
    }

    /// The row a draw `v` lands on ([`pick_row`]).
    fn pick(&mut self, v: f64, block_sums: &[f64], centres: &[f64]) -> Result<usize, String> {
        pick_row(v, block_sums, CHUNK, |b| self.block_values(b, centres))
    }

    /// The greedy k-means++ start (one scan per centre); returns the centres.
    fn plus_plus(&mut self, k: usize, rng: &mut impl Rng) -> Result<Vec<f64>, String> {
        let d = self.d;
        let trials = 2 + (k as f64).ln() as usize;
        let first = rng.gen_range(0..self.n);
        let mut centres = self.rows_at(&[first])?;
        let mut mine = vec![0.0; self.blocks];
        self.scan(|i, x| mine[i / CHUNK] += sq_dist(x, &centres[..d]));
        let mut block_sums = self.sum(mine)?;
        let mut pot: f64 = block_sums.iter().sum();
        for c in 1..k {
            self.ex.stage = format!("k-means++ centre {}", c + 1);
            let mut ids = Vec::with_capacity(trials);
            for _ in 0..trials {
                let v = rng.gen::<f64>() * pot;
                ids.push(self.pick(v, &block_sums, &centres)?);
            }
            let cands = self.rows_at(&ids)?;
            let mut mine = vec![0.0; self.blocks * trials];
            self.scan(|i, x| {
                let cl = closest(x, &centres, d);
                let b = i / CHUNK;
                for (t, q) in cands.chunks_exact(d).enumerate() {
                    let x = sq_dist(x, q);
                    mine[b * trials + t] += if x < cl { x } else { cl };
                }
            });
            let per = self.sum(mine)?;
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
            centres.extend_from_slice(&cands[best * d..(best + 1) * d]);
        }
        Ok(centres)
    }

    /// Lloyd from `centres` (as `kmeans.rs`'s `lloyd`); returns (centroids, n_iter).
    fn lloyd(
        &mut self,
        mut centroids: Vec<f64>,
        max_iter: usize,
        tol_sq: f64,
    ) -> Result<(Vec<f64>, usize), String> {
        let (d, k) = (self.d, centroids.len() / self.d);
        let mut previous = centroids.clone();
        let mut n_iter = 0;
        for it in 0..max_iter {
            self.ex.stage = format!("Lloyd iteration {}", it + 1);
            let mut payload = vec![0.0; k * d + k + 1];
            let mut changed = false;
            self.scan(|_, x| {
                let l = nearest(x, &centroids, d).0 as usize;
                if it > 0 && nearest(x, &previous, d).0 as usize != l {
                    changed = true;
                }
                for (s, v) in payload[l * d..(l + 1) * d].iter_mut().zip(x) {
                    *s += v;
                }
                payload[k * d + l] += 1.0;
            });
            payload[k * d + k] = if changed { 1.0 } else { 0.0 };
            let total = self.sum(payload)?;
            if it > 0 && total[k * d + k] == 0.0 {
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
            previous = std::mem::replace(&mut centroids, new);
            if shift <= tol_sq {
                break;
            }
        }
        Ok((centroids, n_iter))
    }

    /// The inertia of the rows' assignment to their nearest centroid (the
    /// final labels of the in-memory fit, strict stop or not), summed.
    fn inertia(&mut self, centroids: &[f64]) -> Result<f64, String> {
        let d = self.d;
        let mut own = 0.0;
        self.scan(|_, x| {
            let l = nearest(x, centroids, d).0 as usize;
            own += sq_dist(x, &centroids[l * d..(l + 1) * d]);
        });
        Ok(self.sum(vec![own])?[0])
    }

    /// The mean over the features of the population variance (two scans).
    fn mean_variance(&mut self) -> Result<f64, String> {
        let d = self.d;
        let mut s = vec![0.0; d];
        self.scan(|_, x| {
            for (a, v) in s.iter_mut().zip(x) {
                *a += v;
            }
        });
        let n = self.n as f64;
        let mean: Vec<f64> = self.sum(s)?.into_iter().map(|v| v / n).collect();
        let mut ss = vec![0.0; d];
        self.scan(|_, x| {
            for ((a, v), m) in ss.iter_mut().zip(x).zip(&mean) {
                let t = v - m;
                *a += t * t;
            }
        });
        Ok(self.sum(ss)?.iter().map(|v| v / n).sum::<f64>() / d as f64)
    }
}

/// Fits on this worker's streamed shard with the others; worker 0 returns the outcome.
pub(crate) fn run(
    ex: &mut Exchanger,
    shard: &Shard,
    job: &KMeansJob,
    want_labels: bool,
) -> Result<Option<KMeansOutcome>, String> {
    let started = std::time::Instant::now();
    let (n, d) = (shard.n_total, shard.d);
    if job.k > n {
        return Err(format!(
            "invalid parameter k: k = {} exceeds the number of points n = {n}",
            job.k
        ));
    }
    let mut s = Stream {
        ex,
        shard,
        n,
        d,
        blocks: n.div_ceil(CHUNK),
    };
    let tol_sq = job.tol * s.mean_variance()?;
    let mut best: Option<(Vec<f64>, f64, usize)> = None;
    for run in 0..job.n_init {
        let mut rng = run_rng(job.seed, run);
        let centres = match job.init {
            KMeansInit::KMeansPlusPlus => s.plus_plus(job.k, &mut rng)?,
            KMeansInit::Random => {
                let ids = index::sample(&mut rng, n, job.k).into_vec();
                s.rows_at(&ids)?
            }
        };
        let (centroids, n_iter) = s.lloyd(centres, job.max_iter, tol_sq)?;
        s.ex.stage = "the inertia".into();
        let inertia = s.inertia(&centroids)?;
        if best.as_ref().is_none_or(|b| inertia < b.1) {
            best = Some((centroids, inertia, n_iter));
        }
    }
    let (centroids, inertia, n_iter) = best.expect("n_init ≥ 1");
    let fit_seconds = started.elapsed().as_secs_f64();
    let mine = want_labels.then(|| {
        let mut payload = Vec::with_capacity(shard.len());
        s.scan(|_, x| payload.push(nearest(x, &centroids, d).0 as f64));
        payload
    });
    let fitted = KMeansOutcome {
        centroids: Array2::from_shape_vec((job.k, d), centroids).expect("k × d centroids"),
        inertia,
        n_iter,
        n,
        labels: None,
        fit_seconds,
    };
    finish(s.ex, fitted, mine)
}
