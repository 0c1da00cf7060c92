//! A Gaussian mixture: weights, means and covariances, with the Cholesky
//! factors of the precisions derived once so every density evaluation is a
//! triangular multiply.

use std::fmt;
use std::str::FromStr;

use ndarray::{s, Array1, Array2, Array3, ArrayView1, ArrayView2, Axis};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::covariance_model::CovarianceModel;
use crate::engine::Engine;
use crate::error::GmmError;
use crate::linalg::{cholesky_lower, precision_cholesky_from_lower};
use crate::noise::Noise;
use crate::reference::log_det_factor;

/// How each component's covariance is shaped (as in scikit-learn).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CovarianceType {
    /// Each component has its own d × d covariance.
    Full,
    /// Each component has its own diagonal covariance (d variances).
    Diag,
    /// Each component has one variance shared by all features.
    Spherical,
    /// All components share one d × d covariance.
    Tied,
}

impl CovarianceType {
    /// All four, in the order reports list them.
    pub const ALL: [CovarianceType; 4] = [
        CovarianceType::Full,
        CovarianceType::Diag,
        CovarianceType::Spherical,
        CovarianceType::Tied,
    ];

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            CovarianceType::Full => "full",
            CovarianceType::Diag => "diag",
            CovarianceType::Spherical => "spherical",
            CovarianceType::Tied => "tied",
        }
    }

    /// Free parameters of the covariances of `k` components in `d` dimensions.
    pub fn n_covariance_parameters(self, k: usize, d: usize) -> usize {
        match self {
            CovarianceType::Full => k * d * (d + 1) / 2,
            CovarianceType::Diag => k * d,
            CovarianceType::Spherical => k,
            CovarianceType::Tied => d * (d + 1) / 2,
        }
    }
}

impl fmt::Display for CovarianceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CovarianceType {
    type Err = GmmError;
    fn from_str(s: &str) -> Result<Self, GmmError> {
        match s {
            "full" => Ok(CovarianceType::Full),
            "diag" | "diagonal" => Ok(CovarianceType::Diag),
            "spherical" => Ok(CovarianceType::Spherical),
            "tied" => Ok(CovarianceType::Tied),
            other => Err(crate::error::invalid(
                "covariance",
                format!(
                    "unknown covariance type \"{other}\" (expected full, diag, spherical or tied)"
                ),
            )),
        }
    }
}

/// The covariances of all components, shaped as scikit-learn shapes them.
#[derive(Debug, Clone, PartialEq)]
pub enum Covariances {
    /// k × d × d.
    Full(Array3<f64>),
    /// k × d.
    Diag(Array2<f64>),
    /// k.
    Spherical(Array1<f64>),
    /// d × d, shared.
    Tied(Array2<f64>),
}

impl Covariances {
    pub fn covariance_type(&self) -> CovarianceType {
        match self {
            Covariances::Full(_) => CovarianceType::Full,
            Covariances::Diag(_) => CovarianceType::Diag,
            Covariances::Spherical(_) => CovarianceType::Spherical,
            Covariances::Tied(_) => CovarianceType::Tied,
        }
    }

    /// Component `j`'s covariance as a full d × d matrix (for drawing ellipses,
    /// sampling, or comparing types).
    pub fn component_matrix(&self, j: usize, d: usize) -> Array2<f64> {
        match self {
            Covariances::Full(c) => c.index_axis(Axis(0), j).to_owned(),
            Covariances::Diag(c) => Array2::from_diag(&c.row(j)),
            Covariances::Spherical(c) => Array2::eye(d) * c[j],
            Covariances::Tied(c) => c.clone(),
        }
    }
}

/// Cholesky factors of the precisions (`U` with `U Uᵀ = Σ⁻¹`), shaped like
/// the covariances, plus `ln det U` per component.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PrecisionFactors {
    /// k upper-triangular d × d factors.
    Full(Array3<f64>),
    /// k × d values `1/σ`.
    Diag(Array2<f64>),
    /// k values `1/σ`.
    Spherical(Array1<f64>),
    /// One upper-triangular d × d factor.
    Tied(Array2<f64>),
}

/// A Gaussian mixture model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ModelWire", into = "ModelWire")]
pub struct GmmModel {
    weights: Array1<f64>,
    means: Array2<f64>,
    covariances: Covariances,
    pub(crate) factors: PrecisionFactors,
    /// `ln det U_j = Σ ln diag(U_j)` per component: the normalising term of the log-density.
    pub(crate) log_det_factor: Array1<f64>,
    /// mclust's covariance model (the representation's own by default).
    model: CovarianceModel,
    /// A uniform noise component, when the model has one.
    noise: Option<Noise>,
}

/// How a component's covariance failed to give a Cholesky factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotPositiveDefinite {
    /// The failing component (0 for a tied covariance).
    pub component: usize,
}

/// The precision factor `U = L⁻ᵀ` of one full covariance, or `None` when it is not positive definite.
pub(crate) fn full_precision_factor(cov: ArrayView2<f64>) -> Option<Array2<f64>> {
    cholesky_lower(cov).map(|l| precision_cholesky_from_lower(l.view()))
}

/// Precision factors and their log-determinants from covariances; the first
/// component that is not positive definite is named in the error.
pub(crate) fn precision_factors(
    cov: &Covariances,
    k: usize,
    d: usize,
) -> Result<(PrecisionFactors, Array1<f64>), NotPositiveDefinite> {
    let positive = |v: f64| v > 0.0 && v.is_finite();
    match cov {
        Covariances::Full(c) => {
            let mut f = Array3::<f64>::zeros((k, d, d));
            let mut ld = Array1::<f64>::zeros(k);
            for j in 0..k {
                let u = full_precision_factor(c.index_axis(Axis(0), j))
                    .ok_or(NotPositiveDefinite { component: j })?;
                ld[j] = log_det_factor(u.view());
                f.index_axis_mut(Axis(0), j).assign(&u);
            }
            Ok((PrecisionFactors::Full(f), ld))
        }
        Covariances::Diag(c) => {
            let mut f = Array2::<f64>::zeros((k, d));
            let mut ld = Array1::<f64>::zeros(k);
            for j in 0..k {
                for i in 0..d {
                    let v = c[[j, i]];
                    if !positive(v) {
                        return Err(NotPositiveDefinite { component: j });
                    }
                    f[[j, i]] = 1.0 / v.sqrt();
                    ld[j] -= 0.5 * v.ln();
                }
            }
            Ok((PrecisionFactors::Diag(f), ld))
        }
        Covariances::Spherical(c) => {
            let mut f = Array1::<f64>::zeros(k);
            let mut ld = Array1::<f64>::zeros(k);
            for j in 0..k {
                if !positive(c[j]) {
                    return Err(NotPositiveDefinite { component: j });
                }
                f[j] = 1.0 / c[j].sqrt();
                ld[j] = -0.5 * d as f64 * c[j].ln();
            }
            Ok((PrecisionFactors::Spherical(f), ld))
        }
        Covariances::Tied(c) => {
            let u = full_precision_factor(c.view()).ok_or(NotPositiveDefinite { component: 0 })?;
            let ld = Array1::from_elem(k, log_det_factor(u.view()));
            Ok((PrecisionFactors::Tied(u), ld))
        }
    }
}

impl GmmModel {
    /// A model from its parameters, checked: `weights` has k non-negative
    /// entries summing to 1 (within 1e-6), `means` is k × d, the covariances
    /// have the shape of their type and are positive definite.
    pub fn new(
        weights: Array1<f64>,
        means: Array2<f64>,
        covariances: Covariances,
    ) -> Result<Self, GmmError> {
        let (k, d) = means.dim();
        let bad = |m: String| Err(GmmError::InvalidModel(m));
        if k == 0 || d == 0 {
            return bad(format!("means must be k × d with k, d ≥ 1 (got {k} × {d})"));
        }
        if weights.len() != k {
            return bad(format!(
                "weights has {} entries but means has {k} rows",
                weights.len()
            ));
        }
        if let Some((j, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w >= 0.0))
        {
            return bad(format!(
                "weights[{j}] = {w} is not a finite non-negative number"
            ));
        }
        let total: f64 = weights.sum();
        if (total - 1.0).abs() > 1e-6 {
            return bad(format!("weights sum to {total}, not 1"));
        }
        if means.iter().any(|v| !v.is_finite()) {
            return bad("means contain a NaN or infinite value".into());
        }
        let expected = match &covariances {
            Covariances::Full(c) => (c.shape() == [k, d, d], format!("{k} × {d} × {d}")),
            Covariances::Diag(c) => (c.shape() == [k, d], format!("{k} × {d}")),
            Covariances::Spherical(c) => (c.len() == k, format!("{k}")),
            Covariances::Tied(c) => (c.shape() == [d, d], format!("{d} × {d}")),
        };
        let (shape_ok, shape) = expected;
        let ty = covariances.covariance_type();
        if !shape_ok {
            return bad(format!("{ty} covariances must be {shape}"));
        }
        if let Covariances::Full(c) = &covariances {
            for j in 0..k {
                let m = c.index_axis(Axis(0), j);
                if !is_symmetric(m) {
                    return bad(format!("covariance of component {j} is not symmetric"));
                }
            }
        }
        if let Covariances::Tied(c) = &covariances {
            if !is_symmetric(c.view()) {
                return bad("the tied covariance is not symmetric".into());
            }
        }
        let (factors, log_det_factor) = precision_factors(&covariances, k, d).map_err(|e| {
            GmmError::InvalidModel(match ty {
                CovarianceType::Tied => "the tied covariance is not positive definite".into(),
                _ => format!(
                    "covariance of component {} is not positive definite",
                    e.component
                ),
            })
        })?;
        Ok(GmmModel {
            weights,
            means,
            model: CovarianceModel::from_type(ty),
            noise: None,
            covariances,
            factors,
            log_det_factor,
        })
    }

    /// The same parameters labelled as one of mclust's models, which must be
    /// stored in this model's representation ([`CovarianceModel::representation`];
    /// `E` and `V` need one feature). The parameters are not required to
    /// satisfy the model's constraints: a model used as a start is only evaluated.
    pub fn with_model(self, model: CovarianceModel) -> Result<Self, GmmError> {
        if model.representation() != self.covariance_type() {
            return Err(GmmError::InvalidModel(format!(
                "{model} covariances are stored as {} but these are {}",
                model.representation(),
                self.covariance_type()
            )));
        }
        if model.is_univariate() && self.n_features() != 1 {
            return Err(GmmError::InvalidModel(format!(
                "{model} is a model of one feature but the model has {}",
                self.n_features()
            )));
        }
        Ok(self.with_model_unchecked(model))
    }

    pub(crate) fn with_model_unchecked(mut self, model: CovarianceModel) -> Self {
        self.model = model;
        self
    }

    /// mclust's name of the covariance model.
    pub fn model(&self) -> CovarianceModel {
        self.model
    }

    /// The same model with a uniform noise component (density `1/V`,
    /// proportion `π_0` in [0, 1); the Gaussian weights keep summing to 1 and
    /// are scaled by `1 − π_0` in the mixture), or without one.
    pub fn with_noise(mut self, noise: Option<Noise>) -> Result<Self, GmmError> {
        if let Some(nz) = noise {
            if !(nz.proportion >= 0.0 && nz.proportion < 1.0 && nz.log_volume.is_finite()) {
                return Err(GmmError::InvalidModel(format!(
                    "the noise proportion must be in [0, 1) and the hypervolume finite and \
                     positive (got {} and ln V = {})",
                    nz.proportion, nz.log_volume
                )));
            }
        }
        self.noise = noise;
        Ok(self)
    }

    pub(crate) fn set_noise(&mut self, noise: Option<Noise>) {
        self.noise = noise;
    }

    /// The noise component, if the model has one.
    pub fn noise(&self) -> Option<Noise> {
        self.noise
    }

    /// A model whose parameters were produced by the M-step (already checked).
    pub(crate) fn from_parts(
        weights: Array1<f64>,
        means: Array2<f64>,
        covariances: Covariances,
        factors: PrecisionFactors,
        log_det_factor: Array1<f64>,
    ) -> Self {
        GmmModel {
            weights,
            means,
            model: CovarianceModel::from_type(covariances.covariance_type()),
            noise: None,
            covariances,
            factors,
            log_det_factor,
        }
    }

    pub fn n_components(&self) -> usize {
        self.means.nrows()
    }
    pub fn n_features(&self) -> usize {
        self.means.ncols()
    }
    pub fn covariance_type(&self) -> CovarianceType {
        self.covariances.covariance_type()
    }
    /// Mixing weights π, summing to 1.
    pub fn weights(&self) -> &Array1<f64> {
        &self.weights
    }
    /// Component means, k × d.
    pub fn means(&self) -> &Array2<f64> {
        &self.means
    }
    pub fn covariances(&self) -> &Covariances {
        &self.covariances
    }

    /// Free parameters: means k·d, covariances (mclust's `nVarParams` of the
    /// model), weights k − 1; with noise 2 more (its proportion and the
    /// hypervolume, as mclust's `nMclustParams(noise = TRUE)` counts them).
    pub fn n_parameters(&self) -> usize {
        let (k, d) = self.means.dim();
        let noise = if self.noise.is_some() { 2 } else { 0 };
        k * d + self.model.n_covariance_parameters(k, d) + (k - 1) + noise
    }

    fn check_features(&self, x: ArrayView2<f64>) -> Result<(), GmmError> {
        if x.ncols() != self.n_features() {
            return Err(GmmError::InvalidData(format!(
                "data has {} features but the model has {}",
                x.ncols(),
                self.n_features()
            )));
        }
        Ok(())
    }

    /// Log-density of each row under the mixture: `ln Σ_j π_j N(x | μ_j, Σ_j)`
    /// (computed by the fast engine).
    pub fn score_samples(&self, x: ArrayView2<f64>) -> Result<Array1<f64>, GmmError> {
        self.score_samples_with(Engine::Fast, x)
    }

    /// [`GmmModel::score_samples`] computed by the given engine.
    pub fn score_samples_with(
        &self,
        engine: Engine,
        x: ArrayView2<f64>,
    ) -> Result<Array1<f64>, GmmError> {
        self.check_features(x)?;
        Ok(engine.evaluate(self, x).1)
    }

    /// Mean log-density per row (scikit-learn's `score`), by the fast engine.
    pub fn score(&self, x: ArrayView2<f64>) -> Result<f64, GmmError> {
        self.score_with(Engine::Fast, x)
    }

    /// [`GmmModel::score`] computed by the given engine.
    pub fn score_with(&self, engine: Engine, x: ArrayView2<f64>) -> Result<f64, GmmError> {
        let s = self.score_samples_with(engine, x)?;
        Ok(engine.mean_log_likelihood(s.view(), None))
    }

    /// Responsibilities: the posterior probability of each component for each
    /// row (n × k), by the fast engine.
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, GmmError> {
        self.predict_proba_with(Engine::Fast, x)
    }

    /// [`GmmModel::predict_proba`] computed by the given engine.
    pub fn predict_proba_with(
        &self,
        engine: Engine,
        x: ArrayView2<f64>,
    ) -> Result<Array2<f64>, GmmError> {
        self.check_features(x)?;
        Ok(engine.evaluate(self, x).0)
    }

    /// The most responsible component of each row.
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>, GmmError> {
        Ok(argmax_rows(self.predict_proba(x)?.view()))
    }

    /// Bayesian information criterion on `x`: `−2 ln L + p ln n` (lower is better).
    pub fn bic(&self, x: ArrayView2<f64>) -> Result<f64, GmmError> {
        let n = x.nrows() as f64;
        let total = self.score(x)? * n;
        Ok(-2.0 * total + self.n_parameters() as f64 * n.ln())
    }

    /// Akaike information criterion on `x`: `−2 ln L + 2p` (lower is better).
    pub fn aic(&self, x: ArrayView2<f64>) -> Result<f64, GmmError> {
        let n = x.nrows() as f64;
        let total = self.score(x)? * n;
        Ok(-2.0 * total + 2.0 * self.n_parameters() as f64)
    }

    /// Draw `n` points from the mixture. Returns the points and the component
    /// each came from, grouped by component in order (as scikit-learn does).
    pub fn sample<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> (Array2<f64>, Array1<usize>) {
        let (k, d) = self.means.dim();
        // Component counts: one categorical draw per sample.
        let mut counts = vec![0usize; k];
        for _ in 0..n {
            let u: f64 = rng.gen();
            let mut acc = 0.0;
            let mut chosen = k - 1;
            for (j, w) in self.weights.iter().enumerate() {
                acc += w;
                if u < acc {
                    chosen = j;
                    break;
                }
            }
            counts[chosen] += 1;
        }
        let mut out = Array2::<f64>::zeros((n, d));
        let mut comp = Array1::<usize>::zeros(n);
        let mut row = 0;
        for (j, &c) in counts.iter().enumerate() {
            let l = cholesky_lower(self.covariances.component_matrix(j, d).view())
                .expect("a fitted covariance is positive definite");
            for _ in 0..c {
                let z: Vec<f64> = (0..d).map(|_| standard_normal(rng)).collect();
                for a in 0..d {
                    let mut v = self.means[[j, a]];
                    for b in 0..=a {
                        v += l[[a, b]] * z[b];
                    }
                    out[[row, a]] = v;
                }
                comp[row] = j;
                row += 1;
            }
        }
        (out, comp)
    }
}

/// One standard normal draw (Box–Muller).
fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1: f64 = 1.0 - rng.gen::<f64>(); // in (0, 1]
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn is_symmetric(m: ArrayView2<f64>) -> bool {
    let d = m.nrows();
    for i in 0..d {
        for j in 0..i {
            let (a, b) = (m[[i, j]], m[[j, i]]);
            if (a - b).abs() > 1e-9 * (1.0 + a.abs().max(b.abs())) {
                return false;
            }
        }
    }
    true
}

/// Index of the largest entry of each row (first on ties).
pub fn argmax_rows(p: ArrayView2<f64>) -> Array1<usize> {
    p.rows().into_iter().map(argmax).collect::<Vec<_>>().into()
}

fn argmax(r: ArrayView1<f64>) -> usize {
    let mut best = 0;
    for (j, v) in r.iter().enumerate() {
        if *v > r[best] {
            best = j;
        }
    }
    best
}

/// The JSON shape of a model: scikit-learn's attribute names and shapes,
/// plus mclust's model name (`model`); `covariance_type` is scikit-learn's
/// name where one exists, else mclust's. The ten models scikit-learn does not
/// have write k × d × d covariances.
#[derive(Serialize, Deserialize)]
struct ModelWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    covariance_type: String,
    weights: Vec<f64>,
    means: Vec<Vec<f64>>,
    covariances: CovWire,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    noise_proportion: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    log_hypervolume: Option<f64>,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum CovWire {
    Cube(Vec<Vec<Vec<f64>>>),
    Matrix(Vec<Vec<f64>>),
    Vector(Vec<f64>),
}

fn matrix_from_rows(rows: &[Vec<f64>], what: &str) -> Result<Array2<f64>, String> {
    let r = rows.len();
    let c = rows.first().map_or(0, |x| x.len());
    if let Some(i) = rows.iter().position(|x| x.len() != c) {
        return Err(format!(
            "{what}: row {i} has {} entries, row 0 has {c}",
            rows[i].len()
        ));
    }
    Array2::from_shape_vec((r, c), rows.concat()).map_err(|e| format!("{what}: {e}"))
}

impl TryFrom<ModelWire> for GmmModel {
    type Error = String;
    fn try_from(w: ModelWire) -> Result<Self, String> {
        let means = matrix_from_rows(&w.means, "means")?;
        let (k, d) = means.dim();
        if w.weights.len() != k {
            return Err(format!(
                "weights has {} values but means has {k} rows (one per component)",
                w.weights.len()
            ));
        }
        let name = w.model.as_deref().unwrap_or(&w.covariance_type);
        let model: CovarianceModel = name.parse().map_err(|e: GmmError| match e {
            GmmError::InvalidParameter { reason, .. } => reason,
            other => other.to_string(),
        })?;
        // The four scikit-learn types keep their shapes; the other models are k × d × d.
        let ty = model.alias().unwrap_or(CovarianceType::Full);
        let wrong = || match model.alias() {
            Some(t) => format!("{t} covariances must have shape {}", shape_text(t, k, d)),
            None => format!("{model} covariances must have shape {k} × {d} × {d}"),
        };
        let cov = match (ty, w.covariances) {
            (CovarianceType::Full, CovWire::Cube(c)) => {
                let mut a = Array3::<f64>::zeros((c.len(), d, d));
                if c.len() != k {
                    return Err(wrong());
                }
                for (j, m) in c.iter().enumerate() {
                    let m = matrix_from_rows(m, "covariances")?;
                    if m.dim() != (d, d) {
                        return Err(wrong());
                    }
                    a.slice_mut(s![j, .., ..]).assign(&m);
                }
                Covariances::Full(a)
            }
            (CovarianceType::Diag, CovWire::Matrix(c)) => {
                Covariances::Diag(matrix_from_rows(&c, "covariances")?)
            }
            (CovarianceType::Tied, CovWire::Matrix(c)) => {
                Covariances::Tied(matrix_from_rows(&c, "covariances")?)
            }
            (CovarianceType::Spherical, CovWire::Vector(c)) => Covariances::Spherical(c.into()),
            _ => return Err(wrong()),
        };
        let cov = match (model.alias(), cov) {
            (None, Covariances::Full(c)) => stored_as(model.representation(), c),
            (_, cov) => cov,
        };
        let invalid = |e: GmmError| match e {
            GmmError::InvalidModel(m) => m,
            other => other.to_string(),
        };
        let (weights, noise) = match (w.noise_proportion, w.log_hypervolume) {
            (None, None) => (Array1::from(w.weights), None),
            (Some(p), Some(lv)) => {
                // The JSON's weights are the mixture's, summing to 1 − π_0.
                let weights = Array1::from(w.weights);
                let total = weights.sum();
                if (total + p - 1.0).abs() > 1e-6 {
                    return Err(format!(
                        "weights sum to {total} and noise_proportion is {p}: together not 1"
                    ));
                }
                (
                    &weights / total,
                    Some(Noise {
                        proportion: p,
                        log_volume: lv,
                    }),
                )
            }
            _ => {
                return Err("noise_proportion and log_hypervolume come together".into());
            }
        };
        GmmModel::new(weights, means, cov)
            .map_err(invalid)?
            .with_model(model)
            .map_err(invalid)?
            .with_noise(noise)
            .map_err(invalid)
    }
}

/// k × d × d covariances in a model's representation: the variance (the
/// diagonal's mean) for the spherical models, the diagonal for the diagonal ones.
fn stored_as(ty: CovarianceType, c: Array3<f64>) -> Covariances {
    let (k, d, _) = c.dim();
    match ty {
        CovarianceType::Spherical => Covariances::Spherical(Array1::from_shape_fn(k, |j| {
            (0..d).map(|a| c[[j, a, a]]).sum::<f64>() / d as f64
        })),
        CovarianceType::Diag => {
            Covariances::Diag(Array2::from_shape_fn((k, d), |(j, a)| c[[j, a, a]]))
        }
        CovarianceType::Tied => Covariances::Tied(c.index_axis(Axis(0), 0).to_owned()),
        CovarianceType::Full => Covariances::Full(c),
    }
}

fn shape_text(ty: CovarianceType, k: usize, d: usize) -> String {
    match ty {
        CovarianceType::Full => format!("{k} × {d} × {d}"),
        CovarianceType::Diag => format!("{k} × {d}"),
        CovarianceType::Spherical => format!("{k}"),
        CovarianceType::Tied => format!("{d} × {d}"),
    }
}

fn rows_of(a: ArrayView2<f64>) -> Vec<Vec<f64>> {
    a.rows().into_iter().map(|r| r.to_vec()).collect()
}

impl From<GmmModel> for ModelWire {
    fn from(m: GmmModel) -> Self {
        let (k, d) = m.means.dim();
        let covariances = match (&m.covariances, m.model.alias()) {
            (Covariances::Full(c), _) => CovWire::Cube(c.outer_iter().map(rows_of).collect()),
            (Covariances::Diag(c) | Covariances::Tied(c), Some(_)) => {
                CovWire::Matrix(rows_of(c.view()))
            }
            (Covariances::Spherical(c), Some(_)) => CovWire::Vector(c.to_vec()),
            (other, None) => CovWire::Cube(
                (0..k)
                    .map(|j| rows_of(other.component_matrix(j, d).view()))
                    .collect(),
            ),
        };
        let scale = m.noise.map_or(1.0, |nz| 1.0 - nz.proportion);
        ModelWire {
            model: Some(m.model.name().to_string()),
            covariance_type: m.model.type_name().to_string(),
            weights: m.weights.iter().map(|w| w * scale).collect(),
            noise_proportion: m.noise.map(|nz| nz.proportion),
            log_hypervolume: m.noise.map(|nz| nz.log_volume),
            means: rows_of(m.means.view()),
            covariances,
        }
    }
}
