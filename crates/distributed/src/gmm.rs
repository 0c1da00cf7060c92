//! EM across workers: a [`Collective`] whose sums are the exchange's
//! all-gathers, added in worker order (so every worker holds the same sum).

use clusterlab_em::{
    argmax_rows, shard_point_log_likelihoods, shard_statistics, Collective, CollectiveFit, Engine,
    GmmError, GmmModel, ShardStats, ValidGmmParams,
};
use ndarray::{Array1, Array2, ArrayView1};

use crate::exchange::Exchanger;
use crate::shard::Shard;

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

impl Collective for Workers<'_, '_> {
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
