//! EM over data that no one participant holds: the minimal interface a
//! distributed run needs from this crate.
//!
//! One iteration is a map over shards (E-step + sufficient statistics, the
//! fast engine's [`shard_statistics`]) and a sum of those statistics
//! ([`ShardStats`]: plain numbers in a fixed layout, added in a fixed
//! order), followed by the M-step every participant applies to the same sum.
//! [`ValidGmmParams::fit_collective`] is the driver: the same loop as the
//! single-process fit (`n_init`, convergence on `tol`, re-seeding of collapsed
//! components, warnings), asking a [`Collective`] for the sums. The
//! data-driven starts are the single-process ones: the same random stream
//! drawn in the same order, the collective running the k-means++ draws and
//! Lloyd iterations over its shards ([`Collective::kmeans_plus_plus`],
//! [`Start::KMeans`]) and summing the start's statistics
//! ([`Collective::start_statistics`]) for the first M-step.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::engine::Engine;
use crate::error::GmmError;
use crate::fit::{
    describe_identical, describe_reg_covar_scale, describe_reseed, describe_singular,
    screen_sample, Problem, MAX_RESEED_WARNINGS,
};
use crate::hc::HcStart;
use crate::init;
use crate::model::{CovarianceType, GmmModel};
use crate::mstep::{m_step, Event, Ranking, Reseed};
use crate::params::{Init, ValidGmmParams};
use crate::reference::WarmStart;
use crate::stats::{SecondMoments, SuffStats};

/// The sufficient statistics of one shard (or of a sum of shards), flat:
/// `N_j` (k), `S_j` (k × d), the second moments (k·d·d for full, k·d for
/// diag, k for spherical, d·d for tied), then `Σ ln p(x)` and the row count.
/// Adding two of them adds every number; the layout depends only on the
/// covariance type, k and d.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardStats {
    ty: CovarianceType,
    k: usize,
    d: usize,
    values: Vec<f64>,
}

/// Numbers in the second moments of one covariance type.
fn second_len(ty: CovarianceType, k: usize, d: usize) -> usize {
    match ty {
        CovarianceType::Full => k * d * d,
        CovarianceType::Diag => k * d,
        CovarianceType::Spherical => k,
        CovarianceType::Tied => d * d,
    }
}

impl ShardStats {
    /// Numbers in the flat layout: k·(1 + d) + the second moments + 2.
    pub fn len_for(ty: CovarianceType, k: usize, d: usize) -> usize {
        k * (1 + d) + second_len(ty, k, d) + 2
    }

    /// All zeros: the sum of no shards.
    pub fn zeros(ty: CovarianceType, k: usize, d: usize) -> Self {
        ShardStats {
            ty,
            k,
            d,
            values: vec![0.0; Self::len_for(ty, k, d)],
        }
    }

    /// Statistics sent as plain numbers, checked for their length.
    pub fn from_flat(
        ty: CovarianceType,
        k: usize,
        d: usize,
        values: Vec<f64>,
    ) -> Result<Self, GmmError> {
        let want = Self::len_for(ty, k, d);
        if values.len() != want {
            return Err(GmmError::InvalidData(format!(
                "statistics of {} numbers where {ty} with k = {k}, d = {d} has {want}",
                values.len()
            )));
        }
        Ok(ShardStats { ty, k, d, values })
    }

    /// The flat numbers (to send).
    pub fn as_slice(&self) -> &[f64] {
        &self.values
    }

    /// Adds another shard's statistics to these.
    pub fn add(&mut self, other: &ShardStats) {
        for (a, b) in self.values.iter_mut().zip(&other.values) {
            *a += b;
        }
    }

    /// Rows summed (the total weight).
    pub fn rows(&self) -> f64 {
        self.values[self.values.len() - 1]
    }

    /// `Σ ln p(x_i)` over the rows.
    pub fn log_likelihood_sum(&self) -> f64 {
        self.values[self.values.len() - 2]
    }

    /// `N_j`: the summed responsibilities of each component.
    pub fn counts(&self) -> &[f64] {
        &self.values[..self.k]
    }

    fn from_suff(s: &SuffStats, ty: CovarianceType) -> Self {
        let (k, d) = s.sx.dim();
        let mut values = Vec::with_capacity(Self::len_for(ty, k, d));
        values.extend(s.nk.iter());
        values.extend(s.sx.iter());
        match &s.second {
            SecondMoments::PerComponent(q) => values.extend(q.iter()),
            SecondMoments::Diagonal(q) => values.extend(q.iter()),
            SecondMoments::Spherical(q) => values.extend(q.iter()),
            SecondMoments::Total(q) => values.extend(q.iter()),
        }
        values.push(s.ll_sum);
        values.push(s.weight_sum);
        ShardStats { ty, k, d, values }
    }

    fn to_suff(&self) -> SuffStats {
        let (k, d, v) = (self.k, self.d, &self.values);
        let shape = "the layout was checked";
        let nk = Array1::from(v[..k].to_vec());
        let sx = ndarray::Array2::from_shape_vec((k, d), v[k..k + k * d].to_vec()).expect(shape);
        let q = v[k + k * d..k + k * d + second_len(self.ty, k, d)].to_vec();
        let second = match self.ty {
            CovarianceType::Full => SecondMoments::PerComponent(
                ndarray::Array3::from_shape_vec((k, d, d), q).expect(shape),
            ),
            CovarianceType::Diag => {
                SecondMoments::Diagonal(ndarray::Array2::from_shape_vec((k, d), q).expect(shape))
            }
            CovarianceType::Spherical => SecondMoments::Spherical(Array1::from(q)),
            CovarianceType::Tied => {
                SecondMoments::Total(ndarray::Array2::from_shape_vec((d, d), q).expect(shape))
            }
        };
        SuffStats {
            nk,
            sx,
            second,
            ll_sum: self.log_likelihood_sum(),
            weight_sum: self.rows(),
        }
    }
}

/// The E-step and its statistics on one shard of rows `x`, around `centre`,
/// with the engine `engine` (the same kernels the single-process fit runs).
pub fn shard_statistics(
    engine: Engine,
    model: &GmmModel,
    x: ArrayView2<f64>,
    centre: ArrayView1<f64>,
) -> ShardStats {
    let s = engine.e_step(model, x, None, centre, None).stats;
    ShardStats::from_suff(&s, model.covariance_type())
}

/// The statistics of a shard's rows `x` under given responsibilities
/// `resp` (rows × k), for covariance representation `ty`, around `centre`:
/// what the first M-step of a data-driven start sums. The log-likelihood
/// entry is 0 (there is no model yet).
pub fn shard_statistics_from_responsibilities(
    engine: Engine,
    ty: CovarianceType,
    x: ArrayView2<f64>,
    centre: ArrayView1<f64>,
    resp: &mut Array2<f64>,
) -> ShardStats {
    let s = engine.stats_from_responsibilities(ty, x, None, centre, resp);
    let mut out = ShardStats::from_suff(&s, ty);
    let len = out.values.len();
    out.values[len - 2] = 0.0;
    out
}

/// `ln p(x_i)` of each row of a shard under `model`, computed around
/// `centre` exactly as the single-process fit ranks points for re-seeding.
pub fn shard_point_log_likelihoods(
    engine: Engine,
    model: &GmmModel,
    x: ArrayView2<f64>,
    centre: ArrayView1<f64>,
) -> Array1<f64> {
    engine.evaluate_around(model, x, centre).1
}

/// What a distributed fit asks of its participants. Every method returns
/// the same value on every participant (sums in a fixed order).
pub trait Collective {
    /// Number of rows, their mean and per-feature (population) variance.
    fn moments(&mut self) -> Result<(usize, Array1<f64>, Array1<f64>), GmmError>;
    /// The sum over all shards of [`shard_statistics`] under `model` around `centre`.
    fn statistics(
        &mut self,
        model: &GmmModel,
        centre: ArrayView1<f64>,
    ) -> Result<ShardStats, GmmError>;
    /// The `count` points with the lowest `ln p(x)` under `model` (from
    /// [`shard_point_log_likelihoods`] around `centre`), ties to the lower
    /// row index, worst first: (row index, row).
    fn worst_points(
        &mut self,
        model: &GmmModel,
        centre: ArrayView1<f64>,
        count: usize,
    ) -> Result<Vec<(usize, Array1<f64>)>, GmmError>;
    /// The rows with global indices `which`, in that order (each from its owner).
    fn rows_at(&mut self, which: &[usize]) -> Result<Vec<Array1<f64>>, GmmError>;
    /// The k-means++ centres of the single-process `kmeans`/`kmeans++`
    /// starts (`init.rs`: the first uniform over the rows, each next the
    /// best of `2 + ⌊ln k⌋` candidates drawn ∝ D(x)²), drawing from `rng`
    /// exactly as the single-process seeding does: global row indices.
    fn kmeans_plus_plus(
        &mut self,
        k: usize,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Result<Vec<usize>, GmmError>;
    /// The sum over all shards of [`shard_statistics_from_responsibilities`]
    /// under the start's responsibilities.
    fn start_statistics(
        &mut self,
        start: &Start,
        ty: CovarianceType,
        k: usize,
        centre: ArrayView1<f64>,
    ) -> Result<ShardStats, GmmError>;
}

/// The responsibilities a data-driven start gives each global row `i`.
#[derive(Debug, Clone, Copy)]
pub enum Start<'a> {
    /// One-hot: component j on row `points[j]` only (`kmeans++`, `random-from-data`).
    Points(&'a [usize]),
    /// One-hot at `labels[i]` (`--init-labels`).
    Labels(&'a [usize]),
    /// [`random_responsibility_row`](crate::random_responsibility_row)`(stream, i)` (`random`).
    Random(u64),
    /// One-hot at the label of Lloyd's k-means run from the centres at these
    /// rows, as `init.rs` runs it (`kmeans`): at most
    /// [`KMEANS_START_MAX_ITER`](crate::KMEANS_START_MAX_ITER) iterations,
    /// stopping when the centres' squared move is at most
    /// [`KMEANS_START_TOL`](crate::KMEANS_START_TOL) × the mean feature
    /// variance, an empty cluster moved to the farthest row not yet taken
    /// (ties to the higher index), labels ties to the lower component.
    KMeans(&'a [usize]),
}

/// A distributed fit's outcome (no per-row values: those stay with the shards).
#[derive(Debug, Clone)]
pub struct CollectiveFit {
    pub model: GmmModel,
    pub initial_model: GmmModel,
    /// Mean per-sample log-likelihood of the returned model.
    pub log_likelihood: f64,
    pub lower_bounds: Vec<f64>,
    pub n_iter: usize,
    pub converged: bool,
    pub warnings: Vec<String>,
    /// Rows fitted.
    pub n: usize,
}

/// One run of a collective fit.
/// The rows with global indices `idx`, in that order, gathered from their
/// owners into one n × d array.
fn gather_rows(c: &mut dyn Collective, idx: &[usize], d: usize) -> Result<Array2<f64>, GmmError> {
    let rows = c.rows_at(idx)?;
    let mut xs = Array2::<f64>::zeros((idx.len(), d));
    for (mut r, v) in xs.rows_mut().into_iter().zip(&rows) {
        r.assign(v);
    }
    Ok(xs)
}

struct RunOutcome {
    initial: GmmModel,
    model: GmmModel,
    lower_bounds: Vec<f64>,
    converged: bool,
    reseeds: Vec<String>,
    final_events: Vec<Event>,
    /// The inner M-step's warm start after the last iteration (to go on from).
    warm: WarmStart,
}

impl RunOutcome {
    fn final_lower_bound(&self) -> f64 {
        self.lower_bounds
            .last()
            .copied()
            .unwrap_or(f64::NEG_INFINITY)
    }
}

impl ValidGmmParams {
    /// Fits from the shards a [`Collective`] reaches: the single-process
    /// loop with every sum taken by the collective. Every start gives the
    /// single-process start (`hc` gathers the at most
    /// [`crate::hc::HC_SUBSET`] rows its tree is built on): the same random stream (seeded by
    /// `seed`, drawn in the same order), the first M-step from the start's
    /// responsibilities summed over the shards, re-seeding at initialisation
    /// from the same shuffled row order.
    pub fn fit_collective(&self, c: &mut dyn Collective) -> Result<CollectiveFit, GmmError> {
        if self.prior || self.noise {
            return Err(crate::error::invalid(
                if self.prior { "prior" } else { "noise" },
                "a distributed fit does not take mclust's prior or noise component yet \
                 (both need statistics of all rows before the first step); fit on one machine",
            ));
        }
        let (n, centre, variance) = c.moments()?;
        if let Init::Model(start) = &self.init {
            if start.n_features() != centre.len() {
                return Err(crate::error::invalid(
                    "init-model",
                    format!(
                        "the model has {} features but the data has {}",
                        start.n_features(),
                        centre.len()
                    ),
                ));
            }
        }
        if self.model.is_univariate() && centre.len() != 1 {
            return Err(crate::error::invalid(
                "covariance",
                format!(
                    "{} is a model of one feature but the data has {}",
                    self.model,
                    centre.len()
                ),
            ));
        }
        if self.n_components > n {
            return Err(crate::error::invalid(
                "k",
                format!(
                    "k = {} exceeds the number of points n = {n}",
                    self.n_components
                ),
            ));
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        let runs = match self.init {
            Init::Model(_) | Init::Labels(_) | Init::Hc => 1,
            _ => self.n_init,
        };
        let mut best: Option<RunOutcome> = None;
        if self.init == Init::Auto {
            best =
                Some(self.run_auto_collective(c, n, centre.view(), variance.view(), &mut rng)?);
        }
        for _ in 0..if best.is_some() { 0 } else { runs } {
            let mut warm = WarmStart::default();
            let (initial, reseeds) =
                self.initial_collective(c, n, centre.view(), variance.view(), &mut rng, &mut warm)?;
            let run =
                self.run_collective(c, initial, reseeds, warm, centre.view(), variance.view(), 0)?;
            if best
                .as_ref()
                .is_none_or(|b| run.final_lower_bound() > b.final_lower_bound())
            {
                best = Some(run);
            }
        }
        let RunOutcome {
            initial,
            model,
            lower_bounds,
            converged,
            reseeds,
            final_events,
            ..
        } = best.expect("n_init ≥ 1");
        let n_iter = lower_bounds.len();
        // The returned model's log-likelihood, around the mixture's mean as the single-process fit scores it.
        let mix_centre = model.weights().dot(model.means());
        let s = c.statistics(&model, mix_centre.view())?;
        let log_likelihood = s.log_likelihood_sum() / s.rows();
        let mut warnings: Vec<String> = reseeds.iter().take(MAX_RESEED_WARNINGS).cloned().collect();
        if reseeds.len() > MAX_RESEED_WARNINGS {
            warnings.push(format!(
                "… and {} more re-seeds",
                reseeds.len() - MAX_RESEED_WARNINGS
            ));
        }
        warnings.extend(
            final_events
                .iter()
                .filter_map(|e| describe_singular(e, self.reg_covar)),
        );
        warnings.extend(describe_identical(&model));
        warnings.extend(describe_reg_covar_scale(self.reg_covar, variance.view()));
        Ok(CollectiveFit {
            model,
            initial_model: initial,
            log_likelihood,
            lower_bounds,
            n_iter,
            converged,
            warnings,
            n,
        })
    }

    /// The model a run starts from (as `fit.rs`'s `initial_model`, drawing
    /// from `rng` in the same order) and the re-seed warnings its making produced.
    fn initial_collective(
        &self,
        c: &mut dyn Collective,
        n: usize,
        centre: ArrayView1<f64>,
        variance: ArrayView1<f64>,
        rng: &mut Xoshiro256PlusPlus,
        warm: &mut WarmStart,
    ) -> Result<(GmmModel, Vec<String>), GmmError> {
        let k = self.n_components;
        let points;
        let start = match &self.init {
            Init::Model(m) => return Ok(((**m).clone(), Vec::new())),
            Init::Hc => return self.hc_collective(c, n, centre, variance, rng, warm),
            Init::Auto => unreachable!("fit_collective runs each of auto's starts by name"),
            Init::LabelsWithNoise(_) => {
                return Err(crate::error::invalid(
                    "init-labels",
                    "labels with noise (−1) need the noise component, which a distributed fit does not take",
                ))
            }
            Init::Labels(labels) => {
                if labels.len() != n {
                    return Err(crate::error::invalid(
                        "init-labels",
                        format!("{} labels for {n} data rows", labels.len()),
                    ));
                }
                Start::Labels(labels)
            }
            Init::KMeans => {
                points = c.kmeans_plus_plus(k, rng)?;
                Start::KMeans(&points)
            }
            Init::KMeansPlusPlus => {
                points = c.kmeans_plus_plus(k, rng)?;
                Start::Points(&points)
            }
            Init::Random => Start::Random(rng.gen::<u64>()),
            Init::RandomFromData => {
                points = init::random_points(n, k, rng);
                Start::Points(&points)
            }
        };
        let ty = self.model.representation();
        let suff = match start {
            // As `fit.rs`: a tied start that names only k rows takes its
            // scatter from those rows (gathered, in row order), not from all.
            Start::Points(points) if ty == CovarianceType::Tied => {
                let mut named = points.to_vec();
                named.sort_unstable();
                named.dedup();
                let xs = gather_rows(c, &named, centre.len())?;
                let mut resp = Array2::<f64>::zeros((named.len(), k));
                for (j, at) in points.iter().enumerate() {
                    let r = named.binary_search(at).expect("every point is named");
                    resp[[r, j]] = 1.0;
                }
                let mut stats =
                    self.engine
                        .stats_from_responsibilities(ty, xs.view(), None, centre, &mut resp);
                stats.weight_sum = n as f64;
                stats
            }
            _ => c.start_statistics(&start, ty, k, centre)?.to_suff(),
        };
        // The same shuffled order as the single-process fit (the stream stays in step).
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(rng);
        let (model, events) = self.gathered_m_step(&suff, centre, variance, warm, |asked| {
            // Re-seeding takes the first unused rows of the order: `asked` suffice.
            let which = &order[..asked.min(n)];
            let rows = c.rows_at(which)?;
            Ok(which.iter().copied().zip(rows).collect())
        })?;
        Ok((
            model,
            events
                .iter()
                .filter_map(|e| describe_reseed(e, 0))
                .collect(),
        ))
    }

    /// mclust's hierarchical start (as `fit.rs`): the rows it is built on
    /// (all up to [`crate::hc::HC_SUBSET`], else the subset drawn from
    /// `seed`) gathered from their owners, the tree cut at k on every
    /// participant, one M-step on those rows.
    fn hc_collective(
        &self,
        c: &mut dyn Collective,
        n: usize,
        centre: ArrayView1<f64>,
        variance: ArrayView1<f64>,
        rng: &mut Xoshiro256PlusPlus,
        warm: &mut WarmStart,
    ) -> Result<(GmmModel, Vec<String>), GmmError> {
        let d = centre.len();
        let given = self.given_hc_start(n, d)?;
        let subset = match given {
            Some(s) => s.subset.clone(),
            None => HcStart::subset_of(n, self.seed),
        };
        let idx: Vec<usize> = subset.clone().unwrap_or_else(|| (0..n).collect());
        let xs = gather_rows(c, &idx, d)?;
        let start = match given {
            Some(s) => s.clone(),
            None => std::sync::Arc::new(HcStart::from_rows(n, subset, xs.clone())),
        };
        let labels = start.labels(self.n_components)?;
        let mut resp = init::one_hot(&labels, self.n_components);
        let stats = self.engine.stats_from_responsibilities(
            self.model.representation(),
            xs.view(),
            None,
            centre,
            &mut resp,
        );
        let mut order: Vec<usize> = (0..xs.nrows()).collect();
        order.shuffle(rng);
        let reseed = Reseed {
            x: xs.view(),
            data_variance: variance.view(),
            ranking: Ranking::Order(&order),
        };
        let (model, events) = m_step(
            &stats,
            self.model,
            centre,
            self.reg_covar,
            &reseed,
            warm,
            self.inner_control(),
            None,
        );
        Ok((
            model,
            events
                .iter()
                .filter_map(|e| describe_reseed(e, 0))
                .collect(),
        ))
    }

    /// An M-step whose re-seeds take points gathered from the shards: first
    /// without points, to learn how many re-seeds it needs; when it needs
    /// some, `gather(asked)` fetches them and the M-step runs again from the
    /// same warm start.
    fn gathered_m_step(
        &self,
        suff: &SuffStats,
        centre: ArrayView1<f64>,
        variance: ArrayView1<f64>,
        warm: &mut WarmStart,
        gather: impl FnOnce(usize) -> Result<Vec<(usize, Array1<f64>)>, GmmError>,
    ) -> Result<(GmmModel, Vec<Event>), GmmError> {
        let empty = Array2::<f64>::zeros((0, centre.len()));
        let m_step_with = |points: &[(usize, Array1<f64>)], warm: &mut WarmStart| {
            let reseed = Reseed {
                x: empty.view(),
                data_variance: variance.view(),
                ranking: Ranking::Given {
                    points,
                    asked: std::cell::Cell::new(0),
                },
            };
            let (model, events) = m_step(
                suff,
                self.model,
                centre,
                self.reg_covar,
                &reseed,
                warm,
                self.inner_control(),
                None,
            );
            let asked = match &reseed.ranking {
                Ranking::Given { asked, .. } => asked.get(),
                _ => 0,
            };
            (model, events, asked)
        };
        let mut probe_warm = warm.clone();
        let (model, events, asked) = m_step_with(&[], &mut probe_warm);
        if asked == 0 {
            *warm = probe_warm;
            return Ok((model, events));
        }
        let points = gather(asked)?;
        let (model, events, _) = m_step_with(&points, warm);
        Ok((model, events))
    }

    /// One run from `initial`, as `fit.rs`'s `run`.
    fn run_collective(
        &self,
        c: &mut dyn Collective,
        initial: GmmModel,
        mut reseeds: Vec<String>,
        mut warm: WarmStart,
        centre: ArrayView1<f64>,
        variance: ArrayView1<f64>,
        done: usize,
    ) -> Result<RunOutcome, GmmError> {
        let mut model = initial.clone();
        let mut lower_bounds = Vec::new();
        let mut final_events = Vec::new();
        let mut converged = false;
        let mut previous = f64::NEG_INFINITY;
        for iteration in (done + 1)..=(done + self.max_iter) {
            let stats = c.statistics(&model, centre)?;
            let lower_bound = stats.log_likelihood_sum() / stats.rows();
            let suff = stats.to_suff();
            let (next, events) =
                self.gathered_m_step(&suff, centre, variance, &mut warm, |asked| {
                    c.worst_points(&model, centre, asked)
                })?;
            reseeds.extend(events.iter().filter_map(|e| describe_reseed(e, iteration)));
            final_events = events;
            model = next;
            lower_bounds.push(lower_bound);
            let change = lower_bound - previous;
            previous = lower_bound;
            // mclust's test as in `fit.rs`: |ΔL| ≤ rtol (1 + |L|) on the total log-likelihood L.
            let total = stats.rows();
            let relative = self.rtol > 0.0
                && (change * total).abs() <= self.rtol * (1.0 + (lower_bound * total).abs());
            if change.abs() < self.tol || relative {
                converged = true;
                break;
            }
        }
        Ok(RunOutcome {
            initial,
            model,
            lower_bounds,
            converged,
            reseeds,
            final_events,
            warm,
        })
    }

    /// `auto` as `fit.rs`'s `run_auto`: each of its starts for at most
    /// [`AUTO_SHORT_ITER`](crate::AUTO_SHORT_ITER) iterations, then the best
    /// on. Above [`AUTO_SCREEN_ROWS`](crate::AUTO_SCREEN_ROWS) rows the
    /// sample the single-process fit works on ([`screen_sample`]) is
    /// gathered to every participant, which makes and screens the starts on
    /// it in memory exactly as the single-process fit does (each does the
    /// same work, so all keep the same best); all rows go on from that.
    fn run_auto_collective(
        &self,
        c: &mut dyn Collective,
        n: usize,
        centre: ArrayView1<f64>,
        variance: ArrayView1<f64>,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Result<RunOutcome, GmmError> {
        let best = match screen_sample(n, self.seed) {
            Some(idx) => {
                let xs = gather_rows(c, &idx, centre.len())?;
                let mut p = Problem::plain(xs.view(), centre, variance);
                p.hc = Some(match self.given_hc_start(xs.nrows(), xs.ncols())? {
                    Some(s) => s.clone(),
                    None => std::sync::Arc::new(HcStart::new(xs.view(), self.seed)),
                });
                let run = self.screen_auto(&p, None, rng)?;
                // The sample's iterations are not the fit's: all rows go on from its best.
                RunOutcome {
                    initial: run.model.clone(),
                    model: run.model,
                    lower_bounds: Vec::new(),
                    converged: false,
                    reseeds: run.reseeds,
                    final_events: run.final_events,
                    warm: run.warm,
                }
            }
            None => {
                let mut best: Option<RunOutcome> = None;
                for r in 0..self.n_init {
                    let mut q = self.clone();
                    q.init = Self::auto_method(r);
                    q.max_iter = self.max_iter.min(crate::fit::AUTO_SHORT_ITER);
                    q.inner_max_iter = self.inner_max_iter.min(crate::fit::AUTO_SHORT_INNER_ITER);
                    let mut warm = WarmStart::default();
                    let (initial, reseeds) =
                        q.initial_collective(c, n, centre, variance, rng, &mut warm)?;
                    let run = q.run_collective(c, initial, reseeds, warm, centre, variance, 0)?;
                    if best
                        .as_ref()
                        .is_none_or(|b| run.final_lower_bound() > b.final_lower_bound())
                    {
                        best = Some(run);
                    }
                }
                best.expect("n_init ≥ 1")
            }
        };
        let n_iter = best.lower_bounds.len();
        if best.converged || n_iter >= self.max_iter {
            return Ok(best);
        }
        let mut q = self.clone();
        q.max_iter = self.max_iter - n_iter;
        let rest = q.run_collective(
            c,
            best.model.clone(),
            best.reseeds,
            best.warm,
            centre,
            variance,
            n_iter,
        )?;
        let mut lower_bounds = best.lower_bounds;
        lower_bounds.extend(rest.lower_bounds);
        Ok(RunOutcome {
            initial: best.initial,
            model: rest.model,
            lower_bounds,
            converged: rest.converged,
            reseeds: rest.reseeds,
            final_events: rest.final_events,
            warm: rest.warm,
        })
    }
}
