//! The EM loop: initialise, alternate E-step and M-step until the mean
//! log-likelihood stops improving by `tol`, keep the best of `n_init` runs,
//! then one more E-step so `labels` equal `predict` on the same data.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, CowArray, Ix2};
use rand::seq::SliceRandom;
use rand::Rng;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

use std::sync::Arc;

use crate::engine::{EStep, Engine};
use crate::error::GmmError;
use crate::hc::HcStart;
use crate::init;
use crate::init::StartMemo;
use crate::model::{argmax_rows, CovarianceType, GmmModel};
use crate::mstep::{m_step, Event, Ranking, Reseed};
use crate::noise::{gaussian_part, log_hypervolume, Noise};
use crate::params::{Init, ValidGmmParams};
use crate::reference::{default_prior, InnerControl, Prior, WarmStart};

/// The noise proportion a start gets when no noise labels are given.
const NOISE_START: f64 = 0.1;

/// One iteration of a traced fit.
#[derive(Debug, Clone, Serialize)]
pub struct TraceStep {
    /// 1-based iteration number.
    pub iteration: usize,
    /// Mean log-likelihood of the data under the model the E-step used.
    pub log_likelihood: f64,
    /// Responsibilities after the E-step (n × k).
    pub responsibilities: Array2<f64>,
    /// Parameters after the M-step.
    pub model: GmmModel,
}

/// A fitted mixture and how the fit went.
#[derive(Debug, Clone, Serialize)]
pub struct GmmFit {
    /// The returned model (the best run's).
    pub model: GmmModel,
    /// The model the best run started from (after initialisation; for
    /// [`Init::Auto`] above [`AUTO_SCREEN_ROWS`] rows, the best start after
    /// its screening on the sample: where the iterations on all rows began).
    pub initial_model: GmmModel,
    /// Most responsible component per point; equals `model.predict(x)`; k
    /// marks a point the noise component explains best (see
    /// [`GmmFit::labels_with_noise`]).
    pub labels: Array1<usize>,
    /// Responsibilities of the returned model (n × k, with noise n × (k + 1),
    /// the noise's column last); equal `model.predict_proba(x)`.
    pub responsibilities: Array2<f64>,
    /// Mean per-sample log-likelihood of the returned model on the data.
    pub log_likelihood: f64,
    /// `lower_bounds[i]`: the mean log-likelihood computed in iteration i's E-step.
    pub lower_bounds: Vec<f64>,
    pub n_iter: usize,
    pub converged: bool,
    /// Re-seeded components and components whose shape `reg_covar` decides.
    pub warnings: Vec<String>,
    /// Per-iteration responsibilities and parameters, when asked for.
    pub trace: Option<Vec<TraceStep>>,
    /// EM's path, when asked for ([`crate::GmmParams::record_path`]):
    /// `path[i]` is the model after iteration `i + 1`'s M-step, so
    /// `initial_model`, `path[0]`, … `path[n_iter − 1]` (= `model`) are every
    /// model the fit went through, and `lower_bounds[i]` is the mean
    /// log-likelihood of the one before `path[i]`. Only the models (no
    /// responsibilities): what an explorer needs to scrub through the fit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<GmmModel>>,
}

/// Iterations each start of [`Init::Auto`] runs before the best goes on.
pub const AUTO_SHORT_ITER: usize = 50;

/// Inner rounds (EVE/VVE's MM, VEI/VEE/VEV's loops) each M-step of a
/// screening run of [`Init::Auto`] takes at most: the run that goes on gets
/// the full [`ValidGmmParams::inner_max_iter`]. Warm-started across
/// iterations, fifty short M-steps still take hundreds of rounds in all.
pub const AUTO_SHORT_INNER_ITER: usize = 25;

/// Above this many rows, [`Init::Auto`] makes and screens its starts on a
/// random sample of this many rows ([`screen_sample`]) and only the best start
/// runs on all of them: the starts then cost the same at 10,000 rows as at 10
/// million.
/// Chosen on the 96-case measurement of `scripts/bench_best_fit.md` (2,500
/// keeps every case the full screening reaches; 1,500 loses three).
pub const AUTO_SCREEN_ROWS: usize = 2500;

/// The rows (ascending) [`Init::Auto`] works on for data of `n` rows, drawn
/// from `seed`: `None` (all rows) up to [`AUTO_SCREEN_ROWS`].
pub fn screen_sample(n: usize, seed: u64) -> Option<Vec<usize>> {
    (n > AUTO_SCREEN_ROWS).then(|| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x7363_7265_656e);
        let mut idx = rand::seq::index::sample(&mut rng, n, AUTO_SCREEN_ROWS).into_vec();
        idx.sort_unstable();
        idx
    })
}

/// A record of the screened iterations followed by that of the rest (either
/// alone when the other was not kept).
fn joined<T>(first: Option<Vec<T>>, then: Option<Vec<T>>) -> Option<Vec<T>> {
    match (first, then) {
        (Some(mut a), Some(b)) => {
            a.extend(b);
            Some(a)
        }
        (a, b) => a.or(b),
    }
}

/// At most this many re-seed warnings are listed individually.
pub(crate) const MAX_RESEED_WARNINGS: usize = 20;

pub(crate) fn validate_data(
    x: ArrayView2<f64>,
    w: Option<ArrayView1<f64>>,
    k: usize,
) -> Result<(), GmmError> {
    let (n, d) = x.dim();
    if n == 0 || d == 0 {
        return Err(GmmError::InvalidData(format!(
            "need at least one point and one feature (got {n} × {d})"
        )));
    }
    if let Some((idx, v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(GmmError::InvalidData(format!(
            "row {}, column {} is {v}",
            idx.0, idx.1
        )));
    }
    if k > n {
        return Err(crate::error::invalid(
            "k",
            format!("k = {k} exceeds the number of points n = {n}"),
        ));
    }
    if let Some(w) = w {
        if w.len() != n {
            return Err(GmmError::InvalidData(format!(
                "{} sample weights for {n} points",
                w.len()
            )));
        }
        if let Some((i, v)) = w
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
        {
            return Err(GmmError::InvalidData(format!(
                "sample weight {i} is {v}; weights must be finite and ≥ 0"
            )));
        }
        if !(w.sum() > 0.0) {
            return Err(GmmError::InvalidData("sample weights sum to 0".into()));
        }
    }
    Ok(())
}

/// Weighted mean and per-feature variance of the data.
fn weighted_moments(x: ArrayView2<f64>, w: Option<ArrayView1<f64>>) -> (Array1<f64>, Array1<f64>) {
    let d = x.ncols();
    let (mut mean, mut total) = (Array1::<f64>::zeros(d), 0.0);
    for (i, row) in x.rows().into_iter().enumerate() {
        let wi = w.map_or(1.0, |w| w[i]);
        mean.scaled_add(wi, &row);
        total += wi;
    }
    mean /= total;
    let mut var = Array1::<f64>::zeros(d);
    for (i, row) in x.rows().into_iter().enumerate() {
        let wi = w.map_or(1.0, |w| w[i]);
        for a in 0..d {
            let z = row[a] - mean[a];
            var[a] += wi * z * z;
        }
    }
    var /= total;
    (mean, var)
}

/// Everything the runs share.
pub(crate) struct Problem<'a> {
    x: ArrayView2<'a, f64>,
    w: Option<ArrayView1<'a, f64>>,
    centre: Array1<f64>,
    variance: Array1<f64>,
    /// The hierarchical start, when the init is `Hc` or `Auto`.
    pub(crate) hc: Option<Arc<HcStart>>,
    /// Starts shared with other fits of the same data.
    memo: Option<Arc<StartMemo>>,
    /// mclust's default conjugate prior, when asked for.
    prior: Option<Prior>,
    /// `ln V` of the noise component, when there is one.
    log_volume: Option<f64>,
    /// Σ of the sample weights (n without them): the mean log-likelihood × this is the total.
    total_weight: f64,
    /// The rows the clusters' start sees when rows start as noise.
    clusters: Option<ClusterRows>,
}

impl<'a> Problem<'a> {
    /// Unweighted rows around a given centre, without prior or noise (the
    /// distributed fit's gathered sample).
    pub(crate) fn plain(
        x: ArrayView2<'a, f64>,
        centre: ArrayView1<f64>,
        variance: ArrayView1<f64>,
    ) -> Self {
        Problem {
            x,
            w: None,
            centre: centre.to_owned(),
            variance: variance.to_owned(),
            hc: None,
            memo: None,
            prior: None,
            log_volume: None,
            total_weight: x.nrows() as f64,
            clusters: None,
        }
    }

    /// The same problem on other rows (a sample of these): the data's centre,
    /// scale, prior and noise volume stay those of all rows; without the
    /// tree and the memo (the caller gives the sample its own when its
    /// starts are made on it).
    fn on_rows<'b>(&self, x: ArrayView2<'b, f64>, w: Option<ArrayView1<'b, f64>>) -> Problem<'b> {
        Problem {
            x,
            w,
            centre: self.centre.clone(),
            variance: self.variance.clone(),
            hc: None,
            memo: None,
            prior: self.prior.clone(),
            log_volume: self.log_volume,
            total_weight: w.map_or(x.nrows() as f64, |w| w.sum()),
            clusters: None,
        }
    }
}

/// The rows that do not start as noise ([`crate::NoiseStart`]).
struct ClusterRows {
    /// Their indices, ascending.
    idx: Vec<usize>,
    x: Array2<f64>,
    w: Option<Array1<f64>>,
}

/// One run from one start.
pub(crate) struct Run {
    pub(crate) initial: GmmModel,
    pub(crate) model: GmmModel,
    pub(crate) lower_bounds: Vec<f64>,
    pub(crate) n_iter: usize,
    pub(crate) converged: bool,
    pub(crate) reseeds: Vec<String>,
    pub(crate) final_events: Vec<Event>,
    trace: Option<Vec<TraceStep>>,
    /// The model after each iteration, when the path is recorded.
    path: Option<Vec<GmmModel>>,
    /// The iterative M-steps' state, to go on from `model`.
    pub(crate) warm: WarmStart,
}

impl Run {
    fn final_lower_bound(&self) -> f64 {
        self.lower_bounds
            .last()
            .copied()
            .unwrap_or(f64::NEG_INFINITY)
    }
}

pub(crate) fn describe_reseed(e: &Event, iteration: usize) -> Option<String> {
    let when = if iteration == 0 {
        "at initialisation".to_string()
    } else {
        format!("in iteration {iteration}")
    };
    match e {
        Event::Reseeded {
            component,
            point,
            reason,
        } => Some(format!(
            "component {component} re-seeded at point {point} {when}: {reason}"
        )),
        Event::TiedReset => Some(format!(
            "the tied covariance was not positive definite {when}; reset to the data's variances"
        )),
        Event::Singular { .. } => None,
    }
}

pub(crate) fn describe_singular(e: &Event, reg: f64) -> Option<String> {
    let what = match e {
        Event::Singular { component: Some(j) } => format!("component {j}'s covariance"),
        Event::Singular { component: None } => "the tied covariance".to_string(),
        _ => return None,
    };
    let (level, setter) = if reg > 0.0 {
        (
            format!("≤ reg_covar = {reg:e}"),
            "reg_covar sets its shape there",
        )
    } else {
        (
            "at rounding level".to_string(),
            "raise reg_covar to keep it well conditioned",
        )
    };
    Some(format!(
        "{what} is singular before regularisation (variance {level} in some direction: \
         duplicate or collinear points, a constant column, or a one-point component); {setter}"
    ))
}

/// Whether two arrays agree to 1e-9 relative to their largest magnitude.
fn nearly_equal<'a>(
    a: impl IntoIterator<Item = &'a f64>,
    b: impl IntoIterator<Item = &'a f64>,
) -> bool {
    let (mut diff, mut size) = (0.0f64, 0.0f64);
    for (x, y) in a.into_iter().zip(b) {
        diff = diff.max((x - y).abs());
        size = size.max(x.abs()).max(y.abs());
    }
    diff <= 1e-9 * size
}

/// The warning when two components ended the same (mean and covariance):
/// EM cannot separate them from there, so the model has fewer distinct
/// components than k, whatever "converged" says. A start whose variances
/// dwarf the data (1e300) makes every point equally likely under each
/// component and lands here in one step.
pub(crate) fn describe_identical(m: &GmmModel) -> Option<String> {
    let (k, d) = m.means().dim();
    for a in 0..k {
        for b in a + 1..k {
            let same_mean = nearly_equal(m.means().row(a), m.means().row(b));
            if same_mean
                && nearly_equal(
                    &m.covariances().component_matrix(a, d),
                    &m.covariances().component_matrix(b, d),
                )
            {
                return Some(format!(
                    "components {a} and {b} are identical (the same mean and covariance): EM \
                     cannot separate them, so the model has fewer distinct components than k \
                     (a start whose variances dwarf the data's gives every point the same \
                     responsibilities)"
                ));
            }
        }
    }
    None
}

/// Share of a column's variance above which `reg_covar` is said to decide
/// the covariances rather than the data.
const REG_COVAR_SHARE: f64 = 0.01;

/// The warning when `reg_covar` (an absolute amount, as in scikit-learn) is
/// a noticeable share of some column's variance: on data of a small scale
/// (raw values ~1e-6) it swamps the covariances and EM fits the
/// regularisation, e.g. one component over two clear groups.
pub(crate) fn describe_reg_covar_scale(
    reg_covar: f64,
    variance: ArrayView1<f64>,
) -> Option<String> {
    let (j, v) = variance
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, v)| *v > 0.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    (reg_covar >= REG_COVAR_SHARE * v).then(|| {
        let ratio = reg_covar / v;
        let share = if ratio < 10.0 {
            format!("{:.1}% of", 100.0 * ratio)
        } else {
            format!("{ratio:.1e} times")
        };
        format!(
            "reg_covar = {reg_covar:e} is {share} the variance of column {} ({v:.3e}): at \
             this scale the regularisation, not the data, shapes the covariances; z-score \
             the data (--standardize) or lower reg_covar",
            j + 1
        )
    })
}

/// The warning of a run in which some point had zero density under every
/// component (its log-likelihood −∞): EM shared it evenly, which is no EM step.
fn describe_underflow(iteration: usize) -> String {
    format!(
        "in iteration {iteration} every component's density underflowed to 0 for some points \
         (squared Mahalanobis distances beyond f64's range: means too far apart or variances \
         too small); those points were shared evenly, so the fit is unreliable and not converged"
    )
}

/// Refuses a starting model under which some point has zero density in
/// every component (a mean ~1e200 away, variances ~1e-320): EM's first step
/// would share that point evenly and collapse the components onto one mean.
fn reaches_every_point(engine: Engine, m: &GmmModel, p: &Problem) -> Result<(), GmmError> {
    let (_, ll) = engine.evaluate_around(m, p.x, p.centre.view());
    match ll.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(crate::error::invalid(
            "init-model",
            format!(
                "under this model every component's density at row {} underflows to 0 (its \
                 squared Mahalanobis distance to every mean exceeds f64's range, ~1.8e308): the \
                 model's means are too far from the data or its variances too small; rescale \
                 the model to the data",
                i + 1
            ),
        )),
    }
}

/// The noise proportion the statistics imply: `1 − Σ_j N_j / Σ_i w_i`.
fn noise_from(stats: &crate::stats::SuffStats, log_volume: f64) -> Noise {
    let gauss = stats.nk.sum() / stats.weight_sum;
    Noise {
        proportion: (1.0 - gauss).clamp(0.0, 1.0 - f64::EPSILON),
        log_volume,
    }
}

impl ValidGmmParams {
    /// The first model from a partition with noise (−1) labels: an M-step on
    /// the one-hot responsibilities, the noise's column last.
    fn noise_labels_start(
        &self,
        p: &Problem,
        labels: &[i64],
        rng: &mut Xoshiro256PlusPlus,
        warm: &mut WarmStart,
    ) -> Result<(GmmModel, Vec<String>), GmmError> {
        let (n, k) = (p.x.nrows(), self.n_components);
        let mut resp = Array2::<f64>::zeros((n, k + 1));
        for (i, l) in labels.iter().enumerate() {
            let col = if *l < 0 { k } else { *l as usize };
            resp[[i, col]] = 1.0;
        }
        self.noise_responsibilities_start(p, resp, rng, warm)
    }

    /// The first model from responsibilities with the noise's column last
    /// (n × (k + 1)): one M-step, the noise proportion the column's share.
    fn noise_responsibilities_start(
        &self,
        p: &Problem,
        resp: Array2<f64>,
        rng: &mut Xoshiro256PlusPlus,
        warm: &mut WarmStart,
    ) -> Result<(GmmModel, Vec<String>), GmmError> {
        let n = p.x.nrows();
        let (mut gauss, u) = gaussian_part(resp.view(), p.w);
        let mut stats = self.engine.stats_from_responsibilities(
            self.model.representation(),
            p.x,
            Some(u.view()),
            p.centre.view(),
            &mut gauss,
        );
        stats.weight_sum = p.w.map_or(n as f64, |w| w.sum());
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(rng);
        let reseed = Reseed {
            x: p.x.view(),
            data_variance: p.variance.view(),
            ranking: Ranking::Order(&order),
        };
        let (mut model, events) = m_step(
            &stats,
            self.model,
            p.centre.view(),
            self.reg_covar,
            &reseed,
            warm,
            self.inner_control(),
            p.prior.as_ref(),
        );
        let lv = p
            .log_volume
            .expect("noise labels come with the noise component");
        model.set_noise(Some(noise_from(&stats, lv)));
        Ok((
            model,
            events
                .iter()
                .filter_map(|e| describe_reseed(e, 0))
                .collect(),
        ))
    }

    /// The start from rows marked as noise ([`crate::NoiseStart`]): the
    /// clusters' start by the init method on the other rows (when the
    /// hierarchical start saw a subset of them: one M-step there and the
    /// E-step of that model on all of them, as mclust's `mclustBIC` does),
    /// the marked rows in the noise's column, then one M-step on it all.
    fn noise_rows_start(
        &self,
        p: &Problem,
        c: &ClusterRows,
        rng: &mut Xoshiro256PlusPlus,
        warm: &mut WarmStart,
    ) -> Result<(GmmModel, Vec<String>), GmmError> {
        let (n, k) = (p.x.nrows(), self.n_components);
        let (x, w) = (c.x.view(), c.w.as_ref().map(|w| w.view()));
        let (resp, subset) =
            self.cluster_responsibilities(x, w, p.hc.as_deref(), p.memo.as_deref(), rng)?;
        let gauss = match subset {
            None => resp,
            Some((xs, ws)) => {
                let (m0, _) = self.gaussian_m_step(
                    p,
                    xs.view(),
                    ws.as_ref().map(|w| w.view()),
                    resp,
                    rng,
                    &mut WarmStart::default(),
                );
                self.engine.evaluate(&m0, x).0
            }
        };
        let mut full = Array2::<f64>::zeros((n, k + 1));
        full.column_mut(k).fill(1.0);
        for (r, &i) in c.idx.iter().enumerate() {
            full[[i, k]] = 0.0;
            for j in 0..k {
                full[[i, j]] = gauss[[r, j]];
            }
        }
        self.noise_responsibilities_start(p, full, rng, warm)
    }

    /// The clusters' start of the init method (not a model) on the rows
    /// `x`: responsibilities, and the rows they are of when the
    /// hierarchical start saw a subset (else they are of all of `x`).
    #[allow(clippy::type_complexity)]
    fn cluster_responsibilities(
        &self,
        x: ArrayView2<f64>,
        w: Option<ArrayView1<f64>>,
        hc: Option<&HcStart>,
        memo: Option<&StartMemo>,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Result<(Array2<f64>, Option<(Array2<f64>, Option<Array1<f64>>)>), GmmError> {
        let (n, k) = (x.nrows(), self.n_components);
        let mut subset = None;
        let resp = match &self.init {
            Init::Model(_) | Init::LabelsWithNoise(_) => {
                unreachable!("a model or noise labels start on their own")
            }
            Init::Labels(labels) => {
                if labels.len() != n {
                    return Err(crate::error::invalid(
                        "init-labels",
                        format!("{} labels for {n} data rows", labels.len()),
                    ));
                }
                init::one_hot(labels, k)
            }
            // `fit` gives each start of `Auto` its own method (`run_auto`);
            // a caller that asks for one start of it gets k-means.
            Init::KMeans | Init::Auto => {
                let labels = match memo {
                    Some(m) => m.kmeans_labels(x, w, k, rng),
                    None => init::kmeans_labels(x, w, k, rng),
                };
                init::one_hot(&labels, k)
            }
            Init::KMeansPlusPlus => {
                let points = match memo {
                    Some(m) => m.kmeans_plus_plus(x, w, k, rng),
                    None => init::kmeans_plus_plus(x, w, k, rng),
                };
                init::one_hot_at(n, &points)
            }
            Init::Random => init::random_responsibilities(n, k, rng.gen::<u64>()),
            Init::RandomFromData => init::one_hot_at(n, &init::random_points(n, k, rng)),
            Init::Hc => {
                let start = hc.expect("built in fit for Init::Hc");
                let labels = start.labels(k)?;
                if let Some(idx) = &start.subset {
                    subset = Some((x.select(Axis(0), idx), w.map(|w| w.select(Axis(0), idx))));
                }
                init::one_hot(&labels, k)
            }
        };
        Ok((resp, subset))
    }

    /// One M-step of the Gaussians on responsibilities of the rows `x`.
    fn gaussian_m_step(
        &self,
        p: &Problem,
        x: ArrayView2<f64>,
        w: Option<ArrayView1<f64>>,
        mut resp: Array2<f64>,
        rng: &mut Xoshiro256PlusPlus,
        warm: &mut WarmStart,
    ) -> (GmmModel, Vec<Event>) {
        let representation = self.model.representation();
        // The tied covariance's statistics sum the scatter of every row, as
        // if each row's responsibilities summed to one (true after an
        // E-step, and scikit-learn's estimate always). A start that names
        // only some rows (k-means++, random points: one-hot at k rows) would
        // then divide all n rows' scatter by k, a covariance n/k times the
        // data's that merges every component into one within a step. The
        // start's statistics come from the rows it names.
        let named = (representation == CovarianceType::Tied)
            .then(|| {
                (0..resp.nrows())
                    .filter(|&i| resp.row(i).sum() > 0.0)
                    .collect::<Vec<usize>>()
            })
            .filter(|named| named.len() < resp.nrows());
        let stats = if let Some(named) = named {
            let ws = w.map(|w| w.select(Axis(0), &named));
            let mut stats = self.engine.stats_from_responsibilities(
                representation,
                x.select(Axis(0), &named).view(),
                ws.as_ref().map(|w| w.view()),
                p.centre.view(),
                &mut resp.select(Axis(0), &named),
            );
            stats.weight_sum = w.map_or(x.nrows() as f64, |w| w.sum());
            stats
        } else {
            self.engine.stats_from_responsibilities(
                representation,
                x,
                w,
                p.centre.view(),
                &mut resp,
            )
        };
        let mut order: Vec<usize> = (0..x.nrows()).collect();
        order.shuffle(rng);
        let reseed = Reseed {
            x: x.view(),
            data_variance: p.variance.view(),
            ranking: Ranking::Order(&order),
        };
        m_step(
            &stats,
            self.model,
            p.centre.view(),
            self.reg_covar,
            &reseed,
            warm,
            self.inner_control(),
            p.prior.as_ref(),
        )
    }

    pub(crate) fn inner_control(&self) -> InnerControl {
        InnerControl {
            tol: self.inner_tol,
            itmax: self.inner_max_iter,
            // Set by the M-step, which knows the data's scale.
            singular_variance: 0.0,
        }
    }

    /// The model a run starts from, and the re-seed warnings its making produced.
    fn initial_model(
        &self,
        p: &Problem,
        rng: &mut Xoshiro256PlusPlus,
        warm: &mut WarmStart,
    ) -> Result<(GmmModel, Vec<String>), GmmError> {
        let n = p.x.nrows();
        match &self.init {
            Init::Model(m) => {
                if m.n_features() != p.x.ncols() {
                    return Err(crate::error::invalid(
                        "init-model",
                        format!(
                            "the model has {} features but the data has {}",
                            m.n_features(),
                            p.x.ncols()
                        ),
                    ));
                }
                reaches_every_point(self.engine, m, p)?;
                let mut start = (**m).clone();
                if let Some(lv) = p.log_volume {
                    let proportion = start.noise().map_or(NOISE_START, |nz| nz.proportion);
                    start.set_noise(Some(Noise {
                        proportion,
                        log_volume: lv,
                    }));
                } else {
                    start.set_noise(None);
                }
                return Ok((start, Vec::new()));
            }
            Init::LabelsWithNoise(labels) => {
                if labels.len() != n {
                    return Err(crate::error::invalid(
                        "noise-init",
                        format!("{} labels for {n} data rows", labels.len()),
                    ));
                }
                return self.noise_labels_start(p, labels, rng, warm);
            }
            _ => {}
        }
        if let Some(c) = &p.clusters {
            return self.noise_rows_start(p, c, rng, warm);
        }
        // The rows the first M-step sees: all, or the hierarchical start's subset.
        let (resp, subset) =
            self.cluster_responsibilities(p.x, p.w, p.hc.as_deref(), p.memo.as_deref(), rng)?;
        let (x, w) = match &subset {
            Some((xs, ws)) => (xs.view(), ws.as_ref().map(|w| w.view())),
            None => (p.x.view(), p.w.as_ref().map(|w| w.view())),
        };
        let (mut model, events) = self.gaussian_m_step(p, x, w, resp, rng, warm);
        if let Some(lv) = p.log_volume {
            model.set_noise(Some(Noise {
                proportion: NOISE_START,
                log_volume: lv,
            }));
        }
        Ok((
            model,
            events
                .iter()
                .filter_map(|e| describe_reseed(e, 0))
                .collect(),
        ))
    }

    /// EM from one start until convergence or `max_iter` (iterations
    /// numbered from `done + 1`, for a run that goes on from another).
    pub(crate) fn run(
        &self,
        p: &Problem,
        initial: GmmModel,
        mut reseeds: Vec<String>,
        mut warm: WarmStart,
        done: usize,
    ) -> Run {
        let (n, k) = (p.x.nrows(), self.n_components);
        // Responsibilities are written only for the trace: the M-step needs
        // just the statistics, and the fit's result comes from a final E-step.
        let columns = k + usize::from(p.log_volume.is_some());
        let mut resp = self.trace.then(|| Array2::<f64>::zeros((n, columns)));
        let mut point_ll = self.trace.then(|| Array1::<f64>::zeros(n));
        let mut model = initial.clone();
        let mut lower_bounds = Vec::new();
        let mut trace = self.trace.then(Vec::new);
        let mut path = self.record_path.then(Vec::new);
        let mut final_events = Vec::new();
        let mut converged = false;
        let mut previous = f64::NEG_INFINITY;
        let mut underflowed = false;
        for iteration in (done + 1)..=(done + self.max_iter) {
            let EStep { stats, lower_bound } = self.engine.e_step(
                &model,
                p.x,
                p.w,
                p.centre.view(),
                resp.as_mut()
                    .zip(point_ll.as_mut())
                    .map(|(r, l)| (r.view_mut(), l.view_mut())),
            );
            let reseed = Reseed {
                x: p.x.view(),
                data_variance: p.variance.view(),
                ranking: Ranking::model(self.engine, &model, p.centre.view()),
            };
            let (next, events) = m_step(
                &stats,
                self.model,
                p.centre.view(),
                self.reg_covar,
                &reseed,
                &mut warm,
                self.inner_control(),
                p.prior.as_ref(),
            );
            let mut next = next;
            if let Some(lv) = p.log_volume {
                next.set_noise(Some(noise_from(&stats, lv)));
            }
            reseeds.extend(events.iter().filter_map(|e| describe_reseed(e, iteration)));
            if !lower_bound.is_finite() && !underflowed {
                underflowed = true;
                reseeds.push(describe_underflow(iteration));
            }
            final_events = events;
            if let Some(t) = trace.as_mut() {
                t.push(TraceStep {
                    iteration,
                    log_likelihood: lower_bound,
                    responsibilities: resp.clone().expect("written when tracing"),
                    model: next.clone(),
                });
            }
            if let Some(ms) = path.as_mut() {
                ms.push(next.clone());
            }
            model = next;
            lower_bounds.push(lower_bound);
            let change = lower_bound - previous;
            previous = lower_bound;
            // mclust's test: |ΔL| ≤ rtol (1 + |L|) on the total log-likelihood L.
            let relative = self.rtol > 0.0
                && (change * p.total_weight).abs()
                    <= self.rtol * (1.0 + (lower_bound * p.total_weight).abs());
            if change.abs() < self.tol || relative {
                // A run whose densities underflowed is not EM's: never "converged".
                converged = !underflowed;
                break;
            }
        }
        Run {
            initial,
            model,
            n_iter: lower_bounds.len(),
            lower_bounds,
            converged,
            reseeds,
            final_events,
            trace,
            path,
            warm,
        }
    }

    /// The start method of run `r` of [`Init::Auto`].
    pub(crate) fn auto_method(r: usize) -> Init {
        match r {
            0 => Init::Hc,
            _ => [Init::KMeans, Init::KMeansPlusPlus, Init::RandomFromData][(r - 1) % 3].clone(),
        }
    }

    /// The screening of [`Init::Auto`]: every start, made from the rows of
    /// `p`, for at most [`AUTO_SHORT_ITER`] iterations on the rows of `p`
    /// or of `sample` (a sample of them); the best run.
    pub(crate) fn screen_auto(
        &self,
        p: &Problem,
        sample: Option<&Problem>,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Result<Run, GmmError> {
        let mut best: Option<Run> = None;
        for r in 0..self.n_init {
            let mut q = self.clone();
            q.init = Self::auto_method(r);
            q.max_iter = self.max_iter.min(AUTO_SHORT_ITER);
            q.inner_max_iter = self.inner_max_iter.min(AUTO_SHORT_INNER_ITER);
            // A sample's iterations are not the fit's: nothing to trace or record.
            q.trace &= sample.is_none();
            q.record_path &= sample.is_none();
            let mut warm = WarmStart::default();
            let (initial, reseeds) = q.initial_model(p, rng, &mut warm)?;
            let run = match sample {
                Some(s) => q.run(s, initial, reseeds, warm, 0),
                None => q.run(p, initial, reseeds, warm, 0),
            };
            if best
                .as_ref()
                .is_none_or(|b| run.final_lower_bound() > b.final_lower_bound())
            {
                best = Some(run);
            }
        }
        Ok(best.expect("n_init ≥ 1"))
    }

    /// [`Init::Auto`]: every start for at most [`AUTO_SHORT_ITER`]
    /// iterations, then the best on to convergence. Above
    /// [`AUTO_SCREEN_ROWS`] rows the starts are made and screened on a
    /// sample ([`screen_sample`]; made from all rows when some start as
    /// noise); the run on all rows then starts from the best screened model,
    /// which is the fit's `initial_model`, and its iterations are the fit's
    /// (`lower_bounds`, `n_iter` and the trace count only those).
    fn run_auto(&self, p: &Problem, rng: &mut Xoshiro256PlusPlus) -> Result<Run, GmmError> {
        let best = match screen_sample(p.x.nrows(), self.seed) {
            Some(idx) => {
                let xs = p.x.select(Axis(0), &idx);
                let ws = p.w.map(|w| w.select(Axis(0), &idx));
                let mut sample = p.on_rows(xs.view(), ws.as_ref().map(|w| w.view()));
                let screened = if p.clusters.is_some() {
                    self.screen_auto(p, Some(&sample), rng)?
                } else {
                    // The tree was built on the sample (`hc_rows`).
                    sample.hc = p.hc.clone();
                    sample.memo = p.memo.clone();
                    self.screen_auto(&sample, None, rng)?
                };
                Run {
                    initial: screened.model.clone(),
                    lower_bounds: Vec::new(),
                    n_iter: 0,
                    converged: false,
                    trace: None,
                    path: None,
                    ..screened
                }
            }
            None => self.screen_auto(p, None, rng)?,
        };
        if best.converged || best.n_iter >= self.max_iter {
            return Ok(best);
        }
        let mut q = self.clone();
        q.max_iter = self.max_iter - best.n_iter;
        let rest = q.run(p, best.model.clone(), best.reseeds, best.warm, best.n_iter);
        let mut lower_bounds = best.lower_bounds;
        lower_bounds.extend(rest.lower_bounds);
        let trace = joined(best.trace, rest.trace);
        let path = joined(best.path, rest.path);
        Ok(Run {
            initial: best.initial,
            model: rest.model,
            n_iter: lower_bounds.len(),
            lower_bounds,
            converged: rest.converged,
            reseeds: rest.reseeds,
            final_events: rest.final_events,
            trace,
            path,
            warm: rest.warm,
        })
    }

    /// Whether rows start as noise: with the noise component, a start
    /// method (not a model or labels) and a usable [`crate::NoiseStart`].
    /// Returns the other rows, or the warning why the noise start was not used.
    fn cluster_rows(
        &self,
        x: ArrayView2<f64>,
        w: Option<ArrayView1<f64>>,
    ) -> Result<(Option<ClusterRows>, Option<String>), GmmError> {
        let applies = self.noise
            && !matches!(
                self.init,
                Init::Model(_) | Init::Labels(_) | Init::LabelsWithNoise(_)
            );
        let Some(start) = self.noise_start.as_deref().filter(|_| applies) else {
            return Ok((None, None));
        };
        let n = x.nrows();
        if start.rows.len() != n {
            return Err(crate::error::invalid(
                "noise-init",
                format!(
                    "the noise start marks {} rows but the data has {n}",
                    start.rows.len()
                ),
            ));
        }
        if let Some(why) = start.unusable() {
            return Ok((None, Some(why)));
        }
        let idx: Vec<usize> = (0..n).filter(|&i| !start.rows[i]).collect();
        Ok((
            Some(ClusterRows {
                x: x.select(Axis(0), &idx),
                w: w.map(|w| w.select(Axis(0), &idx)),
                idx,
            }),
            None,
        ))
    }

    /// The hierarchical start `fit` builds for `x` with these parameters
    /// (on the rows that do not start as noise, when some do), to share
    /// among fits of the same data ([`GmmParams::hc_start`]).
    ///
    /// [`GmmParams::hc_start`]: crate::GmmParams::hc_start
    pub fn build_hc_start(&self, x: ArrayView2<f64>) -> Result<Arc<HcStart>, GmmError> {
        let clusters = self.cluster_rows(x, None)?.0;
        Ok(Arc::new(HcStart::new(
            self.hc_rows(x.view(), clusters.as_ref()).view(),
            self.seed,
        )))
    }

    /// The shared hierarchical start ([`GmmParams::hc_start`]), when one was
    /// given: it must have been built on `n` rows of `d` features.
    ///
    /// [`GmmParams::hc_start`]: crate::GmmParams::hc_start
    pub(crate) fn given_hc_start(
        &self,
        n: usize,
        d: usize,
    ) -> Result<Option<&Arc<HcStart>>, GmmError> {
        match &self.hc_start {
            Some(s) if !s.fits_shape(n, d) => Err(crate::error::invalid(
                "init",
                "the hierarchical start was built for other data (its shape differs)",
            )),
            s => Ok(s.as_ref()),
        }
    }

    /// The rows the hierarchical start is built on: those that do not start
    /// as noise (when some do), else [`Init::Auto`]'s sample
    /// ([`Self::auto_sample`]) when it works on one, else all of `x`.
    fn hc_rows<'b>(
        &self,
        x: ArrayView2<'b, f64>,
        clusters: Option<&'b ClusterRows>,
    ) -> CowArray<'b, f64, Ix2> {
        match (clusters, self.auto_sample(x.nrows(), clusters)) {
            (Some(c), _) => CowArray::from(c.x.view()),
            (None, Some(idx)) => CowArray::from(x.select(Axis(0), &idx)),
            (None, None) => CowArray::from(x),
        }
    }

    /// The rows [`Init::Auto`] makes and screens its starts on, when not all:
    /// [`screen_sample`]'s, unless rows start as noise (then the starts are
    /// made from all the other rows and only screened on the sample).
    fn auto_sample(&self, n: usize, clusters: Option<&ClusterRows>) -> Option<Vec<usize>> {
        if self.init != Init::Auto || clusters.is_some() {
            return None;
        }
        screen_sample(n, self.seed)
    }

    /// Fit the mixture to the rows of `x`, optionally weighting each row.
    pub fn fit(
        &self,
        x: ArrayView2<f64>,
        sample_weight: Option<ArrayView1<f64>>,
    ) -> Result<GmmFit, GmmError> {
        validate_data(x, sample_weight, self.n_components)?;
        if self.model.is_univariate() && x.ncols() != 1 {
            return Err(crate::error::invalid(
                "covariance",
                format!(
                    "{} is a model of one feature but the data has {}",
                    self.model,
                    x.ncols()
                ),
            ));
        }
        // The rows' spread, when needed: the noise's volume now, a singular
        // fit's reason at the end.
        let spread = self.noise.then(|| crate::Spread::of(x));
        if let Some(why) = spread.as_ref().and_then(crate::Spread::no_hypervolume) {
            return Err(crate::error::invalid("noise", why));
        }
        let (centre, variance) = weighted_moments(x, sample_weight);
        let (clusters, noise_warning) = self.cluster_rows(x, sample_weight)?;
        let wants_hc = matches!(self.init, Init::Hc | Init::Auto);
        let hc = if wants_hc {
            let hx = self.hc_rows(x.view(), clusters.as_ref());
            Some(match self.given_hc_start(hx.nrows(), x.ncols())? {
                Some(s) => s.clone(),
                None => Arc::new(HcStart::new(hx.view(), self.seed)),
            })
        } else {
            None
        };
        let total_weight = sample_weight.map_or(x.nrows() as f64, |w| w.sum());
        let problem = Problem {
            x: x.view(),
            w: sample_weight.as_ref().map(|w| w.view()),
            centre,
            variance,
            hc,
            memo: self
                .start_memo
                .clone()
                .filter(|m| m.fits_features(x.ncols())),
            prior: self
                .prior
                .then(|| default_prior(self.model, x, sample_weight, self.n_components)),
            log_volume: self.noise.then(|| log_hypervolume(x)),
            total_weight,
            clusters,
        };
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        let mut best: Option<Run> = None;
        // A start from a given model or partition (or mclust's deterministic
        // tree) is the same every run.
        let runs = match self.init {
            Init::Model(_) | Init::Labels(_) | Init::LabelsWithNoise(_) | Init::Hc => 1,
            _ => self.n_init,
        };
        if self.init == Init::Auto {
            best = Some(self.run_auto(&problem, &mut rng)?);
        }
        for _ in 0..if best.is_some() { 0 } else { runs } {
            let mut warm = WarmStart::default();
            let (initial, reseeds) = self.initial_model(&problem, &mut rng, &mut warm)?;
            let run = self.run(&problem, initial, reseeds, warm, 0);
            if best
                .as_ref()
                .is_none_or(|b| run.final_lower_bound() > b.final_lower_bound())
            {
                best = Some(run);
            }
        }
        let best = best.expect("n_init ≥ 1");
        // One more E-step so labels agree with predict on the same data.
        let (responsibilities, point_ll) = self.engine.evaluate(&best.model, x);
        let log_likelihood = self
            .engine
            .mean_log_likelihood(point_ll.view(), sample_weight);
        let labels = argmax_rows(responsibilities.view());
        let mut warnings: Vec<String> = noise_warning.into_iter().collect();
        warnings.extend(best.reseeds.iter().take(MAX_RESEED_WARNINGS).cloned());
        if best.reseeds.len() > MAX_RESEED_WARNINGS {
            warnings.push(format!(
                "… and {} more re-seeds",
                best.reseeds.len() - MAX_RESEED_WARNINGS
            ));
        }
        let before = warnings.len();
        warnings.extend(
            best.final_events
                .iter()
                .filter_map(|e| describe_singular(e, self.reg_covar)),
        );
        // A singular fit of a model with no maximum on these rows at all
        // (what `select` marks NA without fitting) says so.
        if warnings.len() > before {
            let spread = spread.unwrap_or_else(|| crate::Spread::of(x));
            if let Some(why) = self.no_maximum_on(&spread) {
                warnings.push(format!("{why}: only reg_covar holds this fit up"));
            }
        }
        warnings.extend(describe_identical(&best.model));
        warnings.extend(describe_reg_covar_scale(
            self.reg_covar,
            problem.variance.view(),
        ));
        Ok(GmmFit {
            model: best.model,
            initial_model: best.initial,
            labels,
            responsibilities,
            log_likelihood,
            lower_bounds: best.lower_bounds,
            n_iter: best.n_iter,
            converged: best.converged,
            warnings,
            trace: best.trace,
            path: best.path,
        })
    }
}

/// `−2 Σ_i ln max_j r_ij`: twice the entropy term of the MAP classification.
pub(crate) fn classification_entropy(resp: ArrayView2<f64>) -> f64 {
    -2.0 * resp
        .rows()
        .into_iter()
        .map(|r| r.iter().copied().fold(0.0, f64::max).ln())
        .sum::<f64>()
}

impl ValidGmmParams {
    /// EM started from a hard partition (`labels[i]` in `0..k` for row `i`):
    /// these parameters with [`Init::Labels`], one run. This is how EM starts
    /// from k-means', k-medoids' or HDBSCAN's answer.
    pub fn fit_from_labels(
        &self,
        x: ArrayView2<f64>,
        labels: &[usize],
    ) -> Result<GmmFit, GmmError> {
        let mut p = self.clone();
        p.init = Init::Labels(labels.to_vec());
        p.n_init = 1;
        crate::params::GmmParams(p).check()?.fit(x, None)
    }
}

impl GmmFit {
    /// Bayesian information criterion of the fitted model on `x`.
    pub fn bic(&self, x: ArrayView2<f64>) -> Result<f64, GmmError> {
        self.model.bic(x)
    }
    /// Akaike information criterion of the fitted model on `x`.
    pub fn aic(&self, x: ArrayView2<f64>) -> Result<f64, GmmError> {
        self.model.aic(x)
    }
    /// Integrated complete-data likelihood criterion on `x` (lower is
    /// better): `BIC − 2 Σ_i ln ẑ_i,map(i)`, the BIC plus twice the entropy
    /// of the MAP classification (mclust's `icl()`, negated). `x` must be
    /// the data the fit's responsibilities are of.
    pub fn icl(&self, x: ArrayView2<f64>) -> Result<f64, GmmError> {
        if x.nrows() != self.responsibilities.nrows() {
            return Err(GmmError::InvalidData(format!(
                "ICL needs the fitted data: {} rows given, the fit has {}",
                x.nrows(),
                self.responsibilities.nrows()
            )));
        }
        Ok(self.bic(x)? + classification_entropy(self.responsibilities.view()))
    }
    /// Labels with −1 for noise: `labels[i]`, except that a point whose most
    /// responsible component is the noise (label k) gets −1.
    pub fn labels_with_noise(&self) -> Vec<i64> {
        let k = self.model.n_components();
        self.labels
            .iter()
            .map(|l| if *l == k { -1 } else { *l as i64 })
            .collect()
    }
    /// Number of components.
    pub fn n_components(&self) -> usize {
        self.model.n_components()
    }
    /// `1 − max_j r_ij` per point: how unsure EM is about each point.
    pub fn uncertainty(&self) -> Array1<f64> {
        self.responsibilities
            .map_axis(Axis(1), |r| 1.0 - r.iter().copied().fold(0.0, f64::max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Covariances;
    use crate::params::GaussianMixture;
    use ndarray::{array, Array3};

    /// A run whose E-step underflows for every component (a model
    /// `initial_model` would refuse, given to `run` directly) says so and is
    /// never "converged", by both engines.
    #[test]
    fn a_run_whose_densities_underflow_warns_and_does_not_converge() {
        let x = array![[0.0], [0.1], [8.0], [8.1]];
        let mut c = Array3::<f64>::zeros((2, 1, 1));
        c.fill(1.0);
        let far = GmmModel::new(
            array![0.5, 0.5],
            array![[1e200], [-1e200]],
            Covariances::Full(c),
        )
        .unwrap();
        let (centre, variance) = weighted_moments(x.view(), None);
        let p = Problem {
            x: x.view(),
            w: None,
            centre,
            variance,
            hc: None,
            memo: None,
            prior: None,
            log_volume: None,
            total_weight: 4.0,
            clusters: None,
        };
        for engine in [Engine::Fast, Engine::Reference] {
            let params = GaussianMixture::params(2)
                .engine(engine)
                .max_iter(20)
                .check()
                .unwrap();
            let run = params.run(&p, far.clone(), Vec::new(), WarmStart::default(), 0);
            assert!(!run.converged, "{engine:?}");
            assert!(
                run.reseeds
                    .iter()
                    .any(|w| w.starts_with("in iteration 1 every component's density underflowed")),
                "{engine:?}: {:?}",
                run.reseeds
            );
        }
    }
}
