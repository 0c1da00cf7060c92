//! EM across workers: a [`Collective`] whose sums are the exchange's
//! all-gathers, added in worker order (so every worker holds the same sum).

use clusterlab_em::{
    argmax_rows, random_responsibility_row, shard_point_log_likelihoods, shard_statistics,
    shard_statistics_from_responsibilities, Collective, CollectiveFit, CovarianceType, Engine,
    GmmError, GmmModel, ShardStats, Start, ValidGmmParams, KMEANS_START_MAX_ITER, KMEANS_START_TOL,
};
use ndarray::{Array1, Array2, ArrayView1};
use rand::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::exchange::Exchanger;
use crate::shard::{in_row_order, own_rows, Shard};

/// The collective of one worker.
struct Workers<'a, 'w> {
    ex: &'a mut Exchanger<'w>,
    shard: &'a Shard,
    engine: Engine,
    /// The exchange's error, kept whole (the fit only sees that one happened).
    failure: Option<String>,
    iteration: usize,
}

impl Workers<'_, '_> {
    fn gather(&mut self, payload: Vec<f64>) -> Result<Vec<Vec<f64>>, GmmError> {
        self.ex.all_gather(Ok(payload)).map_err(|e| {
            self.failure = Some(e.0);
            GmmError::InvalidData("the exchange failed".into())
        })
    }
}

/// Global rows per block of the k-means++ draws' running sums (a draw
/// finds its block from the per-block sums, then the row in the block).
const DRAW_BLOCK: usize = 4096;

/// Squared euclidean distance, summed in feature order (as `init.rs`).
fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The nearest centre (strictly nearer wins: ties to the lower index) and its squared distance.
fn nearest(p: &[f64], centres: &[f64], d: usize) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centres.chunks_exact(d).enumerate() {
        let t = sq_dist(p, c);
        if t < best.1 {
            best = (j, t);
        }
    }
    best
}

/// D(x)²: the squared distance to the nearest of `centres` (taken in order).
fn closest(x: &[f64], centres: &[f64], d: usize) -> f64 {
    let mut best = f64::INFINITY;
    for (j, c) in centres.chunks_exact(d).enumerate() {
        let t = sq_dist(x, c);
        best = if j == 0 { t } else { best.min(t) };
    }
    best
}

impl Workers<'_, '_> {
    /// Equal-length vectors summed over the workers, in worker order.
    fn sum(&mut self, payload: Vec<f64>) -> Result<Vec<f64>, GmmError> {
        let parts = self.gather(payload)?;
        let mut total = vec![0.0; parts.first().map_or(0, Vec::len)];
        for p in &parts {
            for (t, v) in total.iter_mut().zip(p) {
                *t += v;
            }
        }
        Ok(total)
    }

    /// Calls `f(global row index, row)` on every row of this worker, in order.
    fn each_row(&self, mut f: impl FnMut(usize, &[f64])) {
        self.shard.for_each_block(|idx, x| {
            for (r, &i) in idx.iter().enumerate() {
                f(i, x.row(r).as_slice().expect("a standard layout row"));
            }
        });
    }

    /// D(x)² of every row of global block `b` (its rows read again), in global row order.
    fn block_values(&mut self, b: usize, centres: &[f64]) -> Result<Vec<f64>, GmmError> {
        let (t, me, n, d) = (
            self.shard.peers,
            self.shard.index,
            self.shard.n_total,
            self.shard.d,
        );
        let (lo, hi) = (b * DRAW_BLOCK, ((b + 1) * DRAW_BLOCK).min(n));
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

    /// `init.rs`'s weighted draw ([`crate::kmeans::pick_row`]).
    fn pick(&mut self, v: f64, sums: &[f64], centres: &[f64]) -> Result<usize, GmmError> {
        crate::kmeans::pick_row(v, sums, DRAW_BLOCK, |b| self.block_values(b, centres))
    }

    /// `init.rs`'s Lloyd iterations from the centres at rows `seeds`;
    /// returns the final centres (k × d, flat). Nothing per row is kept: a
    /// row's label is recomputed from the centres on every scan.
    fn lloyd_centres(
        &mut self,
        seeds: &[usize],
        centre: ArrayView1<f64>,
    ) -> Result<Vec<f64>, GmmError> {
        let (d, k, n) = (self.shard.d, seeds.len(), self.shard.n_total);
        let mut centres: Vec<f64> = self.rows_at(seeds)?.iter().flatten().copied().collect();
        let centre = centre.to_vec();
        let mut own = 0.0;
        self.each_row(|_, x| own += sq_dist(x, &centre));
        self.ex.stage = "the k-means start's tolerance".into();
        let tol = KMEANS_START_TOL * self.sum(vec![own])?[0] / (n * d) as f64;
        for it in 0..KMEANS_START_MAX_ITER {
            self.ex.stage = format!("the k-means start's iteration {}", it + 1);
            let mut payload = vec![0.0; k * d + k];
            self.each_row(|_, x| {
                let (j, _) = nearest(x, &centres, d);
                for (s, v) in payload[j * d..(j + 1) * d].iter_mut().zip(x) {
                    *s += v;
                }
                payload[k * d + j] += 1.0;
            });
            let total = self.sum(payload)?;
            let mut new = centres.clone();
            let empty: Vec<usize> = (0..k).filter(|&j| total[k * d + j] <= 0.0).collect();
            for j in 0..k {
                let count = total[k * d + j];
                if count > 0.0 {
                    for a in 0..d {
                        new[j * d + a] = total[j * d + a] / count;
                    }
                }
            }
            if !empty.is_empty() {
                // Each empty cluster to the farthest row (from its centre) not
                // yet taken, ties to the higher index: the top rows of every worker.
                let far =
                    |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1));
                let mut mine: Vec<(f64, usize)> = Vec::new();
                self.each_row(|i, x| {
                    mine.push((nearest(x, &centres, d).1, i));
                    if mine.len() > 2 * empty.len() + 64 {
                        mine.sort_by(far);
                        mine.truncate(empty.len());
                    }
                });
                mine.sort_by(far);
                mine.truncate(empty.len());
                let payload = mine.iter().flat_map(|(v, i)| [*v, *i as f64]).collect();
                let mut all: Vec<(f64, usize)> = self
                    .gather(payload)?
                    .iter()
                    .flat_map(|p| p.chunks_exact(2).map(|c| (c[0], c[1] as usize)))
                    .collect();
                all.sort_by(far);
                let which: Vec<usize> = all.iter().take(empty.len()).map(|p| p.1).collect();
                let rows = self.rows_at(&which)?;
                for (&j, row) in empty.iter().zip(&rows) {
                    new[j * d..(j + 1) * d].copy_from_slice(row.as_slice().expect("a row"));
                }
            }
            let shift: f64 = new
                .chunks_exact(d)
                .zip(centres.chunks_exact(d))
                .map(|(a, b)| sq_dist(a, b))
                .sum();
            centres = new;
            if shift <= tol {
                break;
            }
        }
        Ok(centres)
    }
}

impl Collective for Workers<'_, '_> {
    fn rows_at(&mut self, which: &[usize]) -> Result<Vec<Array1<f64>>, GmmError> {
        let (t, me, d) = (self.shard.peers, self.shard.index, self.shard.d);
        let mut payload = Vec::new();
        let mut row = vec![0.0; d];
        for &i in which {
            if i % t == me {
                self.shard.row(i, &mut row);
                payload.extend_from_slice(&row);
            }
        }
        let parts = self.gather(payload)?;
        Ok(in_row_order(&parts, which.iter().copied(), d)
            .chunks(d)
            .map(|r| Array1::from(r.to_vec()))
            .collect())
    }

    fn kmeans_plus_plus(
        &mut self,
        k: usize,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Result<Vec<usize>, GmmError> {
        let (n, d) = (self.shard.n_total, self.shard.d);
        let trials = 2 + (k as f64).ln().floor() as usize;
        let blocks = n.div_ceil(DRAW_BLOCK);
        // The first centre: init.rs's draw over unit weights, u = g·n lands on row ⌊u⌋.
        let u = rng.gen::<f64>() * n as f64;
        let first = (u.floor() as usize).min(n - 1);
        self.ex.stage = "k-means++ centre 1".into();
        let mut centres: Vec<f64> = self.rows_at(&[first])?.remove(0).to_vec();
        let mut chosen = vec![first];
        // Per-block sums of D(x)² under the centres so far (one scan).
        let mut mine = vec![0.0; blocks];
        self.each_row(|i, x| mine[i / DRAW_BLOCK] += sq_dist(x, &centres));
        let mut sums = self.sum(mine)?;
        while chosen.len() < k {
            self.ex.stage = format!("k-means++ centre {}", chosen.len() + 1);
            let total: f64 = sums.iter().sum();
            let mut ids = Vec::with_capacity(trials);
            for _ in 0..trials {
                ids.push(if !(total > 0.0) {
                    rng.gen_range(0..n)
                } else {
                    let v = rng.gen::<f64>() * total;
                    self.pick(v, &sums, &centres)?
                });
            }
            let cands: Vec<f64> = self.rows_at(&ids)?.iter().flatten().copied().collect();
            // One scan: each candidate's potential, per block (the next step's sums).
            let mut mine = vec![0.0; blocks * trials];
            self.each_row(|i, x| {
                let cl = closest(x, &centres, d);
                let b = i / DRAW_BLOCK;
                for (t, c) in cands.chunks_exact(d).enumerate() {
                    mine[b * trials + t] += cl.min(sq_dist(x, c));
                }
            });
            let per = self.sum(mine)?;
            let p: Vec<f64> = (0..trials)
                .map(|t| (0..blocks).map(|b| per[b * trials + t]).sum())
                .collect();
            let mut best = 0;
            for t in 1..trials {
                if p[t] < p[best] {
                    best = t;
                }
            }
            sums = (0..blocks).map(|b| per[b * trials + best]).collect();
            centres.extend_from_slice(&cands[best * d..(best + 1) * d]);
            chosen.push(ids[best]);
        }
        Ok(chosen)
    }

    fn start_statistics(
        &mut self,
        start: &Start,
        ty: CovarianceType,
        k: usize,
        centre: ArrayView1<f64>,
    ) -> Result<ShardStats, GmmError> {
        let kmeans = match start {
            Start::KMeans(seeds) => Some(self.lloyd_centres(seeds, centre)?),
            _ => None,
        };
        self.ex.stage = "the start's statistics".into();
        let d = self.shard.d;
        let mut mine = ShardStats::zeros(ty, k, d);
        let engine = self.engine;
        self.shard.for_each_block(|idx, x| {
            if x.nrows() == 0 {
                return;
            }
            let mut resp = Array2::<f64>::zeros((x.nrows(), k));
            for (r, &i) in idx.iter().enumerate() {
                let mut row = resp.row_mut(r);
                match start {
                    Start::Points(p) => {
                        for (j, &at) in p.iter().enumerate() {
                            if at == i {
                                row[j] = 1.0;
                            }
                        }
                    }
                    Start::Labels(l) => row[l[i]] = 1.0,
                    Start::Random(stream) => random_responsibility_row(
                        *stream,
                        i,
                        row.as_slice_mut().expect("a standard layout row"),
                    ),
                    Start::KMeans(_) => {
                        let c = kmeans.as_ref().expect("computed above");
                        row[nearest(x.row(r).as_slice().expect("a row"), c, d).0] = 1.0
                    }
                }
            }
            mine.add(&shard_statistics_from_responsibilities(
                engine, ty, x, centre, &mut resp,
            ));
        });
        let parts = self.gather(mine.as_slice().to_vec())?;
        let mut total = ShardStats::zeros(ty, k, d);
        for p in parts {
            total.add(&ShardStats::from_flat(ty, k, d, p)?);
        }
        Ok(total)
    }

    fn moments(&mut self) -> Result<(usize, Array1<f64>, Array1<f64>), GmmError> {
        let d = self.shard.d;
        self.ex.stage = "the data's mean".into();
        let mut sum = vec![0.0; d + 1];
        self.shard.for_each_block(|_, x| {
            for row in x.rows() {
                for (s, v) in sum.iter_mut().zip(row) {
                    *s += v;
                }
            }
            sum[d] += x.nrows() as f64;
        });
        let parts = self.gather(sum)?;
        let mut total = vec![0.0; d + 1];
        for p in &parts {
            for (t, v) in total.iter_mut().zip(p) {
                *t += v;
            }
        }
        let n = total[d];
        let mean = Array1::from_iter(total[..d].iter().map(|s| s / n));
        self.ex.stage = "the data's variance".into();
        let mut sq = vec![0.0; d];
        self.shard.for_each_block(|_, x| {
            for row in x.rows() {
                for a in 0..d {
                    let z = row[a] - mean[a];
                    sq[a] += z * z;
                }
            }
        });
        let parts = self.gather(sq)?;
        let mut var = Array1::<f64>::zeros(d);
        for p in &parts {
            for (t, v) in var.iter_mut().zip(p) {
                *t += v;
            }
        }
        var /= n;
        Ok((n as usize, mean, var))
    }

    fn statistics(
        &mut self,
        model: &GmmModel,
        centre: ArrayView1<f64>,
    ) -> Result<ShardStats, GmmError> {
        self.iteration += 1;
        self.ex.stage = format!("EM exchange {}", self.iteration);
        let (ty, k, d) = (model.covariance_type(), model.n_components(), self.shard.d);
        let mut mine = ShardStats::zeros(ty, k, d);
        let engine = self.engine;
        self.shard.for_each_block(|_, x| {
            if x.nrows() > 0 {
                mine.add(&shard_statistics(engine, model, x, centre));
            }
        });
        let parts = self.gather(mine.as_slice().to_vec())?;
        let mut total = ShardStats::zeros(ty, k, d);
        for p in parts {
            total.add(&ShardStats::from_flat(ty, k, d, p)?);
        }
        Ok(total)
    }

    fn worst_points(
        &mut self,
        model: &GmmModel,
        centre: ArrayView1<f64>,
        count: usize,
    ) -> Result<Vec<(usize, Array1<f64>)>, GmmError> {
        self.ex.stage = format!("re-seeding after EM exchange {}", self.iteration);
        let d = self.shard.d;
        // This worker's `count` worst: (ln p, index, row).
        let mut worst: Vec<(f64, usize, Vec<f64>)> = Vec::new();
        let engine = self.engine;
        self.shard.for_each_block(|idx, x| {
            if x.nrows() == 0 {
                return;
            }
            let ll = shard_point_log_likelihoods(engine, model, x, centre);
            for (r, &i) in idx.iter().enumerate() {
                worst.push((ll[r], i, x.row(r).to_vec()));
            }
            worst.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            worst.truncate(count);
        });
        let mut payload = Vec::with_capacity(worst.len() * (2 + d));
        for (ll, i, row) in &worst {
            payload.push(*ll);
            payload.push(*i as f64);
            payload.extend(row);
        }
        let parts = self.gather(payload)?;
        let mut all: Vec<(f64, usize, Array1<f64>)> = parts
            .iter()
            .flat_map(|p| p.chunks_exact(2 + d))
            .map(|c| (c[0], c[1] as usize, Array1::from(c[2..].to_vec())))
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        Ok(all
            .into_iter()
            .take(count)
            .map(|(_, i, r)| (i, r))
            .collect())
    }
}

/// What process 0 gets back from a distributed EM fit.
#[derive(Debug, Clone)]
pub struct GmmOutcome {
    pub fit: CollectiveFit,
    /// Most responsible component per row, when asked for.
    pub labels: Option<Vec<i64>>,
    /// Responsibilities (n × k), when asked for.
    pub responsibilities: Option<Array2<f64>>,
    /// Seconds of the fit (data opened, before output).
    pub fit_seconds: f64,
}

/// Fits on this worker's shard with the others; worker 0 returns the outcome.
pub(crate) fn run(
    ex: &mut Exchanger,
    shard: &Shard,
    params: &ValidGmmParams,
    labels: bool,
    proba: bool,
) -> Result<Option<GmmOutcome>, String> {
    let started = std::time::Instant::now();
    let mut w = Workers {
        ex,
        shard,
        engine: params.engine(),
        failure: None,
        iteration: 0,
    };
    let fit = match params.fit_collective(&mut w) {
        Ok(f) => f,
        Err(e) => return Err(w.failure.take().unwrap_or_else(|| e.to_string())),
    };
    let fit_seconds = started.elapsed().as_secs_f64();
    let (mut labels_out, mut resp_out) = (None, None);
    if labels || proba {
        let k = fit.model.n_components();
        w.ex.stage = "gathering the labels".into();
        // Per row: the label, then (when asked) the k responsibilities.
        let width = 1 + if proba { k } else { 0 };
        let mut payload = Vec::with_capacity(shard.len() * width);
        shard.for_each_block(|_, x| {
            if x.nrows() == 0 {
                return;
            }
            let r = fit
                .model
                .predict_proba_with(params.engine(), x)
                .expect("the model's features match the data");
            let l = argmax_rows(r.view());
            for (i, row) in r.rows().into_iter().enumerate() {
                payload.push(l[i] as f64);
                if proba {
                    payload.extend(row.iter());
                }
            }
        });
        let parts = w.ex.gather(Ok(payload)).map_err(|e| e.0)?;
        if let Some(parts) = parts {
            let (n, t) = (fit.n, parts.len());
            let mut l = vec![0i64; n];
            let mut resp = Array2::<f64>::zeros((if proba { n } else { 0 }, k));
            for (worker, p) in parts.iter().enumerate() {
                for (r, c) in p.chunks_exact(width).enumerate() {
                    let i = worker + r * t;
                    l[i] = c[0] as i64;
                    if proba {
                        resp.row_mut(i).assign(&ArrayView1::from(&c[1..]));
                    }
                }
            }
            labels_out = labels.then_some(l);
            resp_out = proba.then_some(resp);
        }
    }
    if w.ex.index != 0 {
        return Ok(None);
    }
    Ok(Some(GmmOutcome {
        fit,
        labels: labels_out,
        responsibilities: resp_out,
        fit_seconds,
    }))
}
