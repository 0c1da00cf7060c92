//! The M-step: new weights, means and covariances from the sufficient
//! statistics, each a small function that reads like its equation. A component
//! whose weight collapses or whose covariance is not positive definite is
//! re-seeded at the worst-explained point, and the event is recorded.

use ndarray::{Array1, Array2, Array3, ArrayView1, ArrayView2, Axis};

use std::cell::OnceCell;

use crate::covariance_model::CovarianceModel;
use crate::engine::Engine;
use crate::linalg::cholesky_lower;
use crate::model::{
    full_precision_factor, precision_factors, CovarianceType, Covariances, GmmModel,
};
use crate::reference::{
    estimate_diag_covariance, estimate_eei_variances, estimate_eev_covariances,
    estimate_eii_variance, estimate_eve_covariances, estimate_evi_variances,
    estimate_evv_covariances, estimate_full_covariance, estimate_shifted_means,
    estimate_spherical_covariance, estimate_tied_covariance, estimate_vee_covariances,
    estimate_vei_variances, estimate_vev_covariances, estimate_vii_variances,
    estimate_vve_covariances, estimate_weights, posterior_e_variance, posterior_eee_covariance,
    posterior_eei_variances, posterior_eev_covariances, posterior_eii_variance,
    posterior_evi_variances, posterior_mean, posterior_v_variances, posterior_vei_variances,
    posterior_vev_covariances, posterior_vii_variances, posterior_vvi_variances,
    posterior_vvv_covariances, prior_mean_weight, scatter_diagonal, scatter_matrix, scatter_trace,
    InnerControl, Prior, WarmStart,
};
use crate::stats::{SecondMoments, SuffStats};

/// Added to every `N_j`, as scikit-learn does, so an empty component divides by a non-zero.
const N_EPS: f64 = 10.0 * f64::EPSILON;
/// A component whose share of the total weight falls to this is treated as collapsed.
const COLLAPSE: f64 = 1e-10;

/// Something the M-step had to do or wants the user to know.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event {
    /// The component was re-seeded at data point `point`.
    Reseeded {
        component: usize,
        point: usize,
        reason: &'static str,
    },
    /// The shared tied covariance was not positive definite and was reset to the data's variances.
    TiedReset,
    /// The covariance was singular before regularisation: `reg_covar` sets its
    /// smallest variance (duplicate or collinear points, a constant column, a one-point component).
    Singular { component: Option<usize> },
}

/// How re-seeding ranks the points, worst-explained first.
pub(crate) enum Ranking<'a> {
    /// By log-likelihood under the model of the E-step (computed by the
    /// E-step's engine around `centre`, exactly as the E-step did), evaluated only if a re-seed asks.
    Model {
        engine: Engine,
        model: &'a GmmModel,
        centre: ArrayView1<'a, f64>,
        point_ll: OnceCell<Array1<f64>>,
    },
    /// A fixed order when there is no E-step yet (e.g. a shuffled index list).
    Order(&'a [usize]),
    /// The worst-explained points already found elsewhere (a distributed
    /// fit gathers them from every shard), worst first: (index, row). When
    /// more are asked for than given, `asked` counts them and a stand-in
    /// (an index past the data, a zero row) is returned, so a first M-step
    /// can find out how many points a second one needs.
    Given {
        points: &'a [(usize, Array1<f64>)],
        asked: std::cell::Cell<usize>,
    },
}

impl<'a> Ranking<'a> {
    /// Rank by the log-likelihood under `model`, lazily.
    pub(crate) fn model(engine: Engine, model: &'a GmmModel, centre: ArrayView1<'a, f64>) -> Self {
        Ranking::Model {
            engine,
            model,
            centre,
            point_ll: OnceCell::new(),
        }
    }
}

/// What re-seeding needs to know about the data.
pub(crate) struct Reseed<'a> {
    pub x: ArrayView2<'a, f64>,
    /// Per-feature (weighted) variance of the whole data.
    pub data_variance: ArrayView1<'a, f64>,
    /// Which points are worst explained.
    pub ranking: Ranking<'a>,
}

impl Reseed<'_> {
    /// The worst-explained point not already used.
    fn point(&self, used: &[usize]) -> usize {
        match &self.ranking {
            Ranking::Model {
                engine,
                model,
                centre,
                point_ll,
            } => {
                let ll = point_ll.get_or_init(|| engine.evaluate_around(model, self.x, *centre).1);
                (0..ll.len())
                    .filter(|i| !used.contains(i))
                    .min_by(|a, b| ll[*a].total_cmp(&ll[*b]))
                    .unwrap_or(0)
            }
            Ranking::Order(order) => order
                .iter()
                .copied()
                .find(|i| !used.contains(i))
                .unwrap_or(0),
            Ranking::Given { points, asked } => {
                asked.set(asked.get() + 1);
                points
                    .iter()
                    .map(|(i, _)| *i)
                    .find(|i| !used.contains(i))
                    .unwrap_or(usize::MAX - used.len())
            }
        }
    }

    /// The data row of point `p` (from the given points when the ranking has them).
    fn row(&self, p: usize) -> Array1<f64> {
        match &self.ranking {
            Ranking::Given { points, .. } => points.iter().find(|(i, _)| *i == p).map_or_else(
                || Array1::zeros(self.data_variance.len()),
                |(_, r)| r.clone(),
            ),
            _ => self.x.row(p).to_owned(),
        }
    }

    /// A broad covariance for a fresh component: the data's variances (floored so it is positive definite).
    fn broad_variances(&self, reg: f64) -> Array1<f64> {
        let scale = 1.0 + self.data_variance.mean().unwrap_or(0.0);
        self.data_variance.mapv(|v| (v + reg).max(1e-12 * scale))
    }
}

/// Is the covariance's smallest eigenvalue before regularisation (that is, of
/// `Σ − reg·I`) at most `floor`? Then `reg_covar` (or, with `reg_covar = 0`,
/// rounding) decides its shape in some direction.
fn singular_before_reg(cov: ArrayView2<f64>, reg: f64, floor: f64) -> bool {
    cholesky_lower((&cov - &(Array2::<f64>::eye(cov.nrows()) * (reg + floor))).view()).is_none()
}

/// The variance below which a direction counts as degenerate: `reg_covar`,
/// but never less than 1e-10 of the data's mean variance (so `reg_covar = 0`
/// still notices a component that only rounding keeps positive definite).
fn degenerate_floor(reg: f64, data_variance: ArrayView1<f64>) -> f64 {
    reg.max(1e-10 * data_variance.mean().unwrap_or(0.0))
}

/// The M-step. Returns the new model and what happened to degenerate components.
#[allow(clippy::too_many_arguments)]
pub(crate) fn m_step(
    stats: &SuffStats,
    model: CovarianceModel,
    centre: ArrayView1<f64>,
    reg: f64,
    reseed: &Reseed,
    warm: &mut WarmStart,
    control: InnerControl,
    prior: Option<&Prior>,
) -> (GmmModel, Vec<Event>) {
    let ty = model.representation();
    let reduced;
    let stats = if stats.second.kind() == ty {
        stats
    } else {
        reduced = stats.reduced_to(ty);
        &reduced
    };
    let (k, d) = stats.sx.dim();
    let mut events = Vec::new();
    let mut used = Vec::new();
    let total = stats.nk.sum();
    let mut nk = stats.nk.mapv(|v| v + N_EPS);
    let mut m = estimate_shifted_means(nk.view(), stats.sx.view());
    let fresh_share = (total / k as f64).max(N_EPS);
    let floor = degenerate_floor(reg, reseed.data_variance);
    // The shared tied covariance comes from the statistics as they are, before
    // any collapsed component is re-seeded.
    let tied = match &stats.second {
        SecondMoments::Total(q) => {
            Some(estimate_tied_covariance(q.view(), nk.view(), m.view(), reg))
        }
        _ => None,
    };

    // Components whose weight collapsed: re-seed before estimating covariances.
    let mut reseeded = vec![false; k];
    for j in 0..k {
        if !(stats.nk[j] > COLLAPSE * total) {
            let p = reseed.point(&used);
            used.push(p);
            m.row_mut(j).assign(&(&reseed.row(p) - &centre));
            nk[j] = fresh_share;
            reseeded[j] = true;
            events.push(Event::Reseeded {
                component: j,
                point: p,
                reason: "its weight collapsed to zero",
            });
        }
    }
    let broad = reseed.broad_variances(reg);
    let posterior = prior.map(|prior| {
        posterior_mode(
            stats, model, centre, reg, &reseeded, &broad, warm, control, prior,
        )
    });
    if let Some((_, means)) = &posterior {
        for (j, row) in means.iter() {
            m.row_mut(*j).assign(row);
        }
    }
    let mut cov = match (posterior, model.alias()) {
        (Some((cov, _)), _) => Some(cov),
        (None, Some(_)) => None,
        (None, None) => Some(parsimonious_covariances(
            stats,
            model,
            reg,
            &reseeded,
            &broad,
            warm,
            InnerControl {
                singular_variance: reg + floor,
                ..control
            },
        )),
    }
    .unwrap_or_else(|| match (&stats.second, ty) {
        (SecondMoments::PerComponent(q), CovarianceType::Full) => {
            let mut c = Array3::<f64>::zeros((k, d, d));
            for j in 0..k {
                let cj = if reseeded[j] {
                    Array2::from_diag(&broad)
                } else {
                    estimate_full_covariance(q.index_axis(Axis(0), j), nk[j], m.row(j), reg)
                };
                c.index_axis_mut(Axis(0), j).assign(&cj);
            }
            Covariances::Full(c)
        }
        (SecondMoments::Diagonal(q), CovarianceType::Diag) => {
            let mut c = Array2::<f64>::zeros((k, d));
            for j in 0..k {
                let cj = if reseeded[j] {
                    broad.clone()
                } else {
                    estimate_diag_covariance(q.row(j), nk[j], m.row(j), reg)
                };
                c.row_mut(j).assign(&cj);
            }
            Covariances::Diag(c)
        }
        (SecondMoments::Spherical(q), CovarianceType::Spherical) => Covariances::Spherical(
            (0..k)
                .map(|j| {
                    if reseeded[j] {
                        broad.mean().unwrap_or(1.0)
                    } else {
                        estimate_spherical_covariance(q[j], nk[j], m.row(j), reg)
                    }
                })
                .collect(),
        ),
        (SecondMoments::Total(_), CovarianceType::Tied) => Covariances::Tied(
            tied.clone()
                .expect("tied statistics give a tied covariance"),
        ),
        _ => unreachable!("statistics match the covariance type"),
    });

    // Covariances that are not positive definite: re-seed the component (or,
    // for the shared tied covariance, reset it to the data's variances).
    let not_pd = |cov: &Covariances, j: usize| -> bool {
        match cov {
            Covariances::Full(c) => full_precision_factor(c.index_axis(Axis(0), j)).is_none(),
            Covariances::Diag(c) => c.row(j).iter().any(|v| !(*v > 0.0 && v.is_finite())),
            Covariances::Spherical(c) => !(c[j] > 0.0 && c[j].is_finite()),
            Covariances::Tied(c) => full_precision_factor(c.view()).is_none(),
        }
    };
    if let Covariances::Tied(c) = &mut cov {
        // Without reg_covar, a covariance only rounding keeps positive definite is not usable either.
        if full_precision_factor(c.view()).is_none()
            || (reg == 0.0 && singular_before_reg(c.view(), reg, floor))
        {
            c.assign(&Array2::from_diag(&broad));
            events.push(Event::TiedReset);
        } else if singular_before_reg(c.view(), reg, floor) {
            events.push(Event::Singular { component: None });
        }
    } else {
        for j in 0..k {
            if reseeded[j] {
                continue;
            }
            if not_pd(&cov, j) || (reg == 0.0 && component_singular(&cov, j, reg, floor)) {
                let p = reseed.point(&used);
                used.push(p);
                m.row_mut(j).assign(&(&reseed.row(p) - &centre));
                nk[j] = fresh_share;
                set_component_covariance(&mut cov, j, &broad);
                events.push(Event::Reseeded {
                    component: j,
                    point: p,
                    reason: "its covariance was not positive definite",
                });
            } else if component_singular(&cov, j, reg, floor) {
                events.push(Event::Singular { component: Some(j) });
            }
        }
    }

    let weights = estimate_weights(nk.view());
    let means = &m + &centre;
    let (factors, log_det) =
        precision_factors(&cov, k, d).expect("every covariance was checked or re-seeded");
    (
        GmmModel::from_parts(weights, means, cov, factors, log_det).with_model_unchecked(model),
        events,
    )
}

/// The covariances of one of mclust's models that scikit-learn does not
/// have, from the scatter matrices about the component means (computed from
/// the statistics as they were, before re-seeding). Re-seeded components are
/// left out of the shared estimates and get the broad covariance.
#[allow(clippy::too_many_arguments)]
fn parsimonious_covariances(
    stats: &SuffStats,
    model: CovarianceModel,
    reg: f64,
    reseeded: &[bool],
    broad: &Array1<f64>,
    warm: &mut WarmStart,
    control: InnerControl,
) -> Covariances {
    let (k, d) = stats.sx.dim();
    let keep: Vec<usize> = (0..k).filter(|j| !reseeded[*j]).collect();
    let nk0 = stats.nk.mapv(|v| v + N_EPS);
    let m0 = estimate_shifted_means(nk0.view(), stats.sx.view());
    let nk: Array1<f64> = keep.iter().map(|j| nk0[*j]).collect();
    if keep.is_empty() {
        return broad_covariances(model.representation(), k, broad);
    }
    match &stats.second {
        SecondMoments::Spherical(q) => {
            let traces: Array1<f64> = keep
                .iter()
                .map(|j| scatter_trace(q[*j], nk0[*j], m0.row(*j), reg))
                .collect();
            let v = match model {
                CovarianceModel::EII | CovarianceModel::E => Array1::from_elem(
                    keep.len(),
                    estimate_eii_variance(traces.view(), nk.view(), d),
                ),
                CovarianceModel::V => estimate_vii_variances(traces.view(), nk.view(), d),
                _ => unreachable!("the other spherical models are scikit-learn's"),
            };
            let mut c = Array1::from_elem(k, broad.mean().unwrap_or(1.0));
            for (r, j) in keep.iter().enumerate() {
                c[*j] = v[r];
            }
            Covariances::Spherical(c)
        }
        SecondMoments::Diagonal(q) => {
            let mut w = Array2::<f64>::zeros((keep.len(), d));
            for (r, j) in keep.iter().enumerate() {
                w.row_mut(r)
                    .assign(&scatter_diagonal(q.row(*j), nk0[*j], m0.row(*j), reg));
            }
            let v = match model {
                CovarianceModel::EEI => estimate_eei_variances(w.view(), nk.view()),
                CovarianceModel::VEI => estimate_vei_variances(w.view(), nk.view(), warm, control),
                CovarianceModel::EVI => estimate_evi_variances(w.view(), nk.view()),
                _ => unreachable!("the other diagonal models are scikit-learn's"),
            };
            let mut c = Array2::<f64>::zeros((k, d));
            for j in 0..k {
                c.row_mut(j).assign(broad);
            }
            for (r, j) in keep.iter().enumerate() {
                c.row_mut(*j).assign(&v.row(r));
            }
            Covariances::Diag(c)
        }
        SecondMoments::PerComponent(q) => {
            let mut w = Array3::<f64>::zeros((keep.len(), d, d));
            for (r, j) in keep.iter().enumerate() {
                w.index_axis_mut(Axis(0), r).assign(&scatter_matrix(
                    q.index_axis(Axis(0), *j),
                    nk0[*j],
                    m0.row(*j),
                    reg,
                ));
            }
            let v = match model {
                CovarianceModel::VEE => {
                    estimate_vee_covariances(w.view(), nk.view(), warm, control)
                }
                CovarianceModel::EVE => {
                    estimate_eve_covariances(w.view(), nk.view(), warm, control)
                }
                CovarianceModel::VVE => {
                    estimate_vve_covariances(w.view(), nk.view(), warm, control)
                }
                CovarianceModel::EEV => estimate_eev_covariances(w.view(), nk.view()),
                CovarianceModel::VEV => {
                    estimate_vev_covariances(w.view(), nk.view(), warm, control)
                }
                CovarianceModel::EVV => estimate_evv_covariances(w.view(), nk.view()),
                _ => unreachable!("the other full models are scikit-learn's"),
            };
            let mut c = Array3::<f64>::zeros((k, d, d));
            let b = Array2::from_diag(broad);
            for j in 0..k {
                c.index_axis_mut(Axis(0), j).assign(&b);
            }
            for (r, j) in keep.iter().enumerate() {
                c.index_axis_mut(Axis(0), *j)
                    .assign(&v.index_axis(Axis(0), r));
            }
            Covariances::Full(c)
        }
        SecondMoments::Total(_) => unreachable!("EEE is scikit-learn's tied"),
    }
}

/// The posterior mode under mclust's conjugate prior: the covariances of
/// every component (re-seeded ones broad) and the shrunk shifted means of
/// the components kept. Models without a prior never get here (checked with
/// the parameters).
#[allow(clippy::too_many_arguments)]
fn posterior_mode(
    stats: &SuffStats,
    model: CovarianceModel,
    centre: ArrayView1<f64>,
    reg: f64,
    reseeded: &[bool],
    broad: &Array1<f64>,
    warm: &mut WarmStart,
    control: InnerControl,
    prior: &Prior,
) -> (Covariances, Vec<(usize, Array1<f64>)>) {
    use CovarianceModel as M;
    let (k, d) = stats.sx.dim();
    let keep: Vec<usize> = (0..k).filter(|j| !reseeded[*j]).collect();
    let nk0 = stats.nk.mapv(|v| v + N_EPS);
    let m0 = estimate_shifted_means(nk0.view(), stats.sx.view());
    let nk: Array1<f64> = keep.iter().map(|j| nk0[*j]).collect();
    let mu_p = &prior.mean - &centre;
    let delta = |j: usize| &m0.row(j) - &mu_p;
    let c = |j: usize| prior_mean_weight(nk0[j], prior);
    let means: Vec<(usize, Array1<f64>)> = keep
        .iter()
        .map(|j| {
            let mean = if model == M::EEI {
                m0.row(*j).to_owned()
            } else {
                posterior_mean(m0.row(*j), nk0[*j], mu_p.view(), prior.shrinkage)
            };
            (*j, mean)
        })
        .collect();
    if keep.is_empty() {
        return (broad_covariances(model.representation(), k, broad), means);
    }
    let mut cov = broad_covariances(model.representation(), k, broad);
    match &stats.second {
        SecondMoments::Spherical(q) => {
            let t: Array1<f64> = keep
                .iter()
                .map(|j| {
                    let dl = delta(*j);
                    scatter_trace(q[*j], nk0[*j], m0.row(*j), reg) + c(*j) * dl.dot(&dl)
                })
                .collect();
            let v = match model {
                M::E => {
                    let v = posterior_e_variance(t.view(), stats.weight_sum, prior);
                    Array1::from_elem(keep.len(), v)
                }
                M::V => posterior_v_variances(t.view(), nk.view(), prior),
                M::EII => Array1::from_elem(
                    keep.len(),
                    posterior_eii_variance(t.view(), nk.view(), d, prior),
                ),
                M::VII => posterior_vii_variances(t.view(), nk.view(), d, prior),
                _ => unreachable!("spherical models"),
            };
            if let Covariances::Spherical(out) = &mut cov {
                for (r, j) in keep.iter().enumerate() {
                    out[*j] = v[r];
                }
            }
        }
        SecondMoments::Diagonal(q) => {
            let mut w = Array2::<f64>::zeros((keep.len(), d));
            for (r, j) in keep.iter().enumerate() {
                let dl = delta(*j);
                let sd = scatter_diagonal(q.row(*j), nk0[*j], m0.row(*j), reg);
                w.row_mut(r).assign(&(&sd + &(dl.mapv(|x| x * x) * c(*j))));
            }
            let v = match model {
                M::EEI => posterior_eei_variances(w.view(), nk.view(), prior),
                M::VEI => posterior_vei_variances(w.view(), nk.view(), prior, warm, control),
                M::EVI => posterior_evi_variances(w.view(), nk.view(), prior),
                M::VVI => posterior_vvi_variances(w.view(), nk.view(), prior),
                _ => unreachable!("diagonal models"),
            };
            if let Covariances::Diag(out) = &mut cov {
                for (r, j) in keep.iter().enumerate() {
                    out.row_mut(*j).assign(&v.row(r));
                }
            }
        }
        SecondMoments::Total(q) => {
            let mut sum =
                estimate_tied_covariance(q.view(), nk0.view(), m0.view(), reg) * nk0.sum();
            for j in &keep {
                let dl = delta(*j);
                for a in 0..d {
                    for b in 0..d {
                        sum[[a, b]] += c(*j) * dl[a] * dl[b];
                    }
                }
            }
            cov = Covariances::Tied(posterior_eee_covariance(sum.view(), nk.view(), prior));
        }
        SecondMoments::PerComponent(q) => {
            let mut w = Array3::<f64>::zeros((keep.len(), d, d));
            for (r, j) in keep.iter().enumerate() {
                let dl = delta(*j);
                let mut s = scatter_matrix(q.index_axis(Axis(0), *j), nk0[*j], m0.row(*j), reg);
                for a in 0..d {
                    for b in 0..d {
                        s[[a, b]] += c(*j) * dl[a] * dl[b];
                    }
                }
                w.index_axis_mut(Axis(0), r).assign(&s);
            }
            let v = match model {
                M::EEV => posterior_eev_covariances(w.view(), nk.view(), prior),
                M::VEV => posterior_vev_covariances(w.view(), nk.view(), prior, warm, control),
                M::VVV => posterior_vvv_covariances(w.view(), nk.view(), prior),
                _ => unreachable!("models with a prior"),
            };
            if let Covariances::Full(out) = &mut cov {
                for (r, j) in keep.iter().enumerate() {
                    out.index_axis_mut(Axis(0), *j)
                        .assign(&v.index_axis(Axis(0), r));
                }
            }
        }
    }
    (cov, means)
}

/// Every component with the broad covariance, in a representation.
fn broad_covariances(ty: CovarianceType, k: usize, broad: &Array1<f64>) -> Covariances {
    match ty {
        CovarianceType::Spherical => {
            Covariances::Spherical(Array1::from_elem(k, broad.mean().unwrap_or(1.0)))
        }
        CovarianceType::Diag => {
            Covariances::Diag(Array2::from_shape_fn((k, broad.len()), |(_, a)| broad[a]))
        }
        CovarianceType::Tied => Covariances::Tied(Array2::from_diag(broad)),
        CovarianceType::Full => {
            let d = broad.len();
            Covariances::Full(Array3::from_shape_fn((k, d, d), |(_, a, b)| {
                if a == b {
                    broad[a]
                } else {
                    0.0
                }
            }))
        }
    }
}

fn set_component_covariance(cov: &mut Covariances, j: usize, broad: &Array1<f64>) {
    match cov {
        Covariances::Full(c) => c
            .index_axis_mut(Axis(0), j)
            .assign(&Array2::from_diag(broad)),
        Covariances::Diag(c) => c.row_mut(j).assign(broad),
        Covariances::Spherical(c) => c[j] = broad.mean().unwrap_or(1.0),
        Covariances::Tied(_) => unreachable!("tied covariances are shared"),
    }
}

fn component_singular(cov: &Covariances, j: usize, reg: f64, floor: f64) -> bool {
    match cov {
        Covariances::Full(c) => singular_before_reg(c.index_axis(Axis(0), j), reg, floor),
        Covariances::Diag(c) => c.row(j).iter().any(|v| *v <= reg + floor),
        Covariances::Spherical(c) => c[j] <= reg + floor,
        Covariances::Tied(c) => singular_before_reg(c.view(), reg, floor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn full_covariance_from_moments_by_hand() {
        // Points (0,0), (2,0), (0,2), (2,2) all with r = 1: mean (1,1), covariance I.
        let q = array![[8.0, 4.0], [4.0, 8.0]];
        let c = estimate_full_covariance(q.view(), 4.0, array![1.0, 1.0].view(), 0.5);
        assert_eq!(c, array![[1.5, 0.0], [0.0, 1.5]]);
    }

    #[test]
    fn singular_detection() {
        let reg = 1e-6;
        // Collinear: rank-1 plus reg.
        let c = array![[1.0 + reg, 1.0], [1.0, 1.0 + reg]];
        assert!(singular_before_reg(c.view(), reg, reg));
        let c = array![[1.0 + reg, 0.5], [0.5, 1.0 + reg]];
        assert!(!singular_before_reg(c.view(), reg, reg));
    }
}
