//! The variational posterior's equations, one small function each
//! (scikit-learn's `BayesianGaussianMixture`, Bishop §10.2 and Blei & Jordan
//! 2006 for the stick-breaking weights).
//!
//! Notation: `N_j`, `x̄_j`, `S_j` the responsibility-weighted count, mean and
//! covariance of component j (EM's statistics, `reg_covar` on `S_j`'s
//! diagonal); `γ`, `β₀`, `m₀`, `ν₀`, `W₀⁻¹` the priors.
//!
//! M-step (the posterior's parameters):
//! * [`stick_breaking_concentration`]: `a_j = 1 + N_j`, `b_j = γ + Σ_{l>j} N_l`;
//! * [`dirichlet_concentration`]: `α_j = γ + N_j`;
//! * [`mean_precision`]: `β_j = β₀ + N_j`;
//! * [`posterior_means`]: `m_j = (β₀ m₀ + N_j x̄_j) / β_j`;
//! * [`wishart_full`] (and `_diag`, `_spherical`, [`wishart_tied`]):
//!   `ν_j = ν₀ + N_j`, `W_j⁻¹ = W₀⁻¹ + N_j S_j + N_j β₀/β_j (x̄_j − m₀)(x̄_j − m₀)ᵀ`,
//!   stored as the covariance `W_j⁻¹ / ν_j` (so `E[Λ_j] = ν_j W_j` is its inverse).
//!
//! E-step (`ln ρ_ij = E[ln π_j] + E[ln N(x_i | μ_j, Λ_j⁻¹)]`, up to a constant):
//! * [`expected_log_weights_stick`], [`expected_log_weights_dirichlet`];
//! * [`expected_log_det_precision`]: `d ln 2 + Σ_{i<d} ψ((ν_j − i)/2)` (plus `ln |W_j|`,
//!   which the Gaussian density of the stored covariance carries);
//! * [`log_weight_offsets`]: everything in `ln ρ_ij` but the Gaussian density
//!   of the stored covariance: `E[ln π_j] − (d/2) ln ν_j + ½(E ln|Λ̃_j| − d/β_j)`.
//!
//! Lower bound (scikit-learn's `lower_bound_`, constants dropped):
//! * [`responsibility_entropy`] `−Σ r ln r`;
//! * [`log_wishart_norm`], [`log_dirichlet_norm`], [`stick_breaking_norm`];
//! * [`lower_bound`]: `H(r) − Σ_j ln B(W_j, ν_j) − ln C(weights) − (d/2) Σ_j ln β_j`.
//!
//! Weights of the posterior mean: [`stick_breaking_weights`], [`dirichlet_weights`].

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use super::special::{digamma, ln_beta, ln_gamma};

/// `a_j = 1 + N_j`, `b_j = γ + Σ_{l>j} N_l`: the Beta posteriors of the sticks.
pub fn stick_breaking_concentration(nk: ArrayView1<f64>, gamma: f64) -> (Array1<f64>, Array1<f64>) {
    let k = nk.len();
    let a = nk.mapv(|n| 1.0 + n);
    let mut b = Array1::<f64>::zeros(k);
    let mut tail = 0.0;
    for j in (0..k).rev() {
        b[j] = gamma + tail;
        tail += nk[j];
    }
    (a, b)
}

/// `α_j = γ + N_j`: the Dirichlet posterior.
pub fn dirichlet_concentration(nk: ArrayView1<f64>, gamma: f64) -> Array1<f64> {
    nk.mapv(|n| gamma + n)
}

/// `β_j = β₀ + N_j`.
pub fn mean_precision(nk: ArrayView1<f64>, beta0: f64) -> Array1<f64> {
    nk.mapv(|n| beta0 + n)
}

/// `m_j = (β₀ m₀ + N_j x̄_j) / β_j`.
pub fn posterior_means(
    nk: ArrayView1<f64>,
    xk: ArrayView2<f64>,
    beta0: f64,
    m0: ArrayView1<f64>,
    beta: ArrayView1<f64>,
) -> Array2<f64> {
    Array2::from_shape_fn(xk.dim(), |(j, a)| {
        (beta0 * m0[a] + nk[j] * xk[[j, a]]) / beta[j]
    })
}

/// `ν_j = ν₀ + N_j` (full, diag, spherical).
pub fn degrees_of_freedom(nk: ArrayView1<f64>, nu0: f64) -> Array1<f64> {
    nk.mapv(|n| nu0 + n)
}

/// `ν = ν₀ + Σ N / k`: the tied Wishart's degrees of freedom.
pub fn tied_degrees_of_freedom(nk: ArrayView1<f64>, nu0: f64) -> f64 {
    nu0 + nk.sum() / nk.len() as f64
}

/// Full: `(W₀⁻¹ + N S + N β₀/β (x̄ − m₀)(x̄ − m₀)ᵀ) / ν` for one component.
pub fn wishart_full(
    prior: ArrayView2<f64>,
    nk: f64,
    xk: ArrayView1<f64>,
    sk: ArrayView2<f64>,
    m0: ArrayView1<f64>,
    beta0: f64,
    beta: f64,
    nu: f64,
) -> Array2<f64> {
    let shrink = nk * beta0 / beta;
    Array2::from_shape_fn(prior.dim(), |(a, b)| {
        let (da, db) = (xk[a] - m0[a], xk[b] - m0[b]);
        (prior[[a, b]] + nk * sk[[a, b]] + shrink * (da * db)) / nu
    })
}

/// Tied: `(W₀⁻¹ + S Σ N / k + (β₀/k) Σ_j (N_j/β_j)(x̄_j − m₀)(x̄_j − m₀)ᵀ) / ν`.
pub fn wishart_tied(
    prior: ArrayView2<f64>,
    nk: ArrayView1<f64>,
    xk: ArrayView2<f64>,
    sk: ArrayView2<f64>,
    m0: ArrayView1<f64>,
    beta0: f64,
    beta: ArrayView1<f64>,
    nu: f64,
) -> Array2<f64> {
    let k = nk.len() as f64;
    let d = prior.nrows();
    let mut between = Array2::<f64>::zeros((d, d));
    for j in 0..nk.len() {
        let s = nk[j] / beta[j];
        for a in 0..d {
            for b in 0..d {
                between[[a, b]] += s * (xk[[j, a]] - m0[a]) * (xk[[j, b]] - m0[b]);
            }
        }
    }
    let total = nk.sum() / k;
    Array2::from_shape_fn((d, d), |(a, b)| {
        (prior[[a, b]] + sk[[a, b]] * total + beta0 / k * between[[a, b]]) / nu
    })
}

/// Diag: `(w₀ + N (s + β₀/β (x̄ − m₀)²)) / ν` per feature, for one component.
pub fn wishart_diag(
    prior: ArrayView1<f64>,
    nk: f64,
    xk: ArrayView1<f64>,
    sk: ArrayView1<f64>,
    m0: ArrayView1<f64>,
    beta0: f64,
    beta: f64,
    nu: f64,
) -> Array1<f64> {
    Array1::from_shape_fn(prior.len(), |a| {
        let diff = xk[a] - m0[a];
        (prior[a] + nk * (sk[a] + beta0 / beta * diff * diff)) / nu
    })
}

/// Spherical: `(w₀ + N (s + β₀/β ‖x̄ − m₀‖²/d)) / ν` for one component.
pub fn wishart_spherical(
    prior: f64,
    nk: f64,
    xk: ArrayView1<f64>,
    sk: f64,
    m0: ArrayView1<f64>,
    beta0: f64,
    beta: f64,
    nu: f64,
) -> f64 {
    let d = xk.len() as f64;
    let mean_sq = xk
        .iter()
        .zip(m0.iter())
        .map(|(x, m)| (x - m) * (x - m))
        .sum::<f64>()
        / d;
    (prior + nk * (sk + beta0 / beta * mean_sq)) / nu
}

/// `E[ln v_j] + Σ_{l<j} E[ln(1 − v_l)]` with `v_j ~ Beta(a_j, b_j)`:
/// `ψ(a_j) − ψ(a_j + b_j) + Σ_{l<j} (ψ(b_l) − ψ(a_l + b_l))`.
pub fn expected_log_weights_stick(a: ArrayView1<f64>, b: ArrayView1<f64>) -> Array1<f64> {
    let mut out = Array1::<f64>::zeros(a.len());
    let mut rest = 0.0;
    for j in 0..a.len() {
        let sum = digamma(a[j] + b[j]);
        out[j] = digamma(a[j]) - sum + rest;
        rest += digamma(b[j]) - sum;
    }
    out
}

/// `E[ln π_j] = ψ(α_j) − ψ(Σ α)`.
pub fn expected_log_weights_dirichlet(alpha: ArrayView1<f64>) -> Array1<f64> {
    let total = digamma(alpha.sum());
    alpha.mapv(|a| digamma(a) - total)
}

/// `d ln 2 + Σ_{i<d} ψ((ν − i)/2)`: `E[ln |Λ|] − ln |W|` under a Wishart.
pub fn expected_log_det_precision(nu: f64, d: usize) -> f64 {
    d as f64 * std::f64::consts::LN_2 + (0..d).map(|i| digamma(0.5 * (nu - i as f64))).sum::<f64>()
}

/// `E[ln π_j] − (d/2) ln ν_j + ½(E ln|Λ̃_j| − d/β_j)`: added to the Gaussian
/// log-density of the stored covariance, this is `ln ρ_ij`.
pub fn log_weight_offsets(
    expected_log_weights: ArrayView1<f64>,
    nu: ArrayView1<f64>,
    beta: ArrayView1<f64>,
    d: usize,
) -> Array1<f64> {
    let df = d as f64;
    Array1::from_shape_fn(nu.len(), |j| {
        expected_log_weights[j] - 0.5 * df * nu[j].ln()
            + 0.5 * (expected_log_det_precision(nu[j], d) - df / beta[j])
    })
}

/// `−Σ_i Σ_j r_ij ln r_ij` (a zero responsibility adds nothing).
pub fn responsibility_entropy(resp: ArrayView2<f64>) -> f64 {
    -resp
        .iter()
        .filter(|r| **r > 0.0)
        .map(|r| r * r.ln())
        .sum::<f64>()
}

/// The log normaliser of a Wishart with `ν` degrees of freedom, as
/// scikit-learn drops its constants: `−(ν ln|U| + ν (d/2) ln 2 + Σ_{i<d} ln Γ((ν − i)/2))`,
/// `ln|U|` the log-determinant of the Cholesky factor of `W`.
pub fn log_wishart_norm(nu: f64, log_det_factor: f64, d: usize) -> f64 {
    let df = d as f64;
    -(nu * log_det_factor
        + nu * df * 0.5 * std::f64::consts::LN_2
        + (0..d).map(|i| ln_gamma(0.5 * (nu - i as f64))).sum::<f64>())
}

/// `ln Γ(Σ α) − Σ ln Γ(α_j)`: the Dirichlet's log normaliser.
pub fn log_dirichlet_norm(alpha: ArrayView1<f64>) -> f64 {
    ln_gamma(alpha.sum()) - alpha.iter().map(|a| ln_gamma(*a)).sum::<f64>()
}

/// `−Σ_j ln B(a_j, b_j)`: the sticks' log normaliser.
pub fn stick_breaking_norm(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    -a.iter()
        .zip(b.iter())
        .map(|(a, b)| ln_beta(*a, *b))
        .sum::<f64>()
}

/// `H(r) − Σ_j ln B(W_j, ν_j) − ln C(weights) − (d/2) Σ_j ln β_j`.
pub fn lower_bound(
    entropy: f64,
    log_wishart: f64,
    log_norm_weight: f64,
    beta: ArrayView1<f64>,
    d: usize,
) -> f64 {
    entropy
        - log_wishart
        - log_norm_weight
        - 0.5 * d as f64 * beta.iter().map(|b| b.ln()).sum::<f64>()
}

/// Posterior-mean weights of the sticks: `π_j = a_j/(a_j + b_j) Π_{l<j} b_l/(a_l + b_l)`, normalised.
pub fn stick_breaking_weights(a: ArrayView1<f64>, b: ArrayView1<f64>) -> Array1<f64> {
    let mut w = Array1::<f64>::zeros(a.len());
    let mut left = 1.0;
    for j in 0..a.len() {
        let s = a[j] + b[j];
        w[j] = a[j] / s * left;
        left *= b[j] / s;
    }
    let total = w.sum();
    w / total
}

/// Posterior-mean weights of the Dirichlet: `α_j / Σ α`.
pub fn dirichlet_weights(alpha: ArrayView1<f64>) -> Array1<f64> {
    &alpha / alpha.sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// N = (3, 2, 1), γ = ½: a = (4, 3, 2), b = (½ + 3, ½ + 1, ½).
    #[test]
    fn sticks_by_hand() {
        let (a, b) = stick_breaking_concentration(array![3.0, 2.0, 1.0].view(), 0.5);
        assert_eq!(a, array![4.0, 3.0, 2.0]);
        assert_eq!(b, array![3.5, 1.5, 0.5]);
        // Weights: 4/7.5; (3.5/7.5)(3/4.5); (3.5/7.5)(1.5/4.5)(2/2.5); they sum to 1 already.
        let w = stick_breaking_weights(a.view(), b.view());
        let want = [
            4.0 / 7.5,
            3.5 / 7.5 * 3.0 / 4.5,
            3.5 / 7.5 * 1.5 / 4.5 * 2.0 / 2.5,
        ];
        let scale: f64 = want.iter().sum();
        for j in 0..3 {
            assert!((w[j] - want[j] / scale).abs() < 1e-15);
        }
    }

    /// One component of a 1-D problem by hand: N = 4, x̄ = 3, S = 2, m₀ = 1,
    /// β₀ = 1, w₀ = 5, ν₀ = 1: β = 5, m = (1 + 12)/5, ν = 5,
    /// W⁻¹ = 5 + 8 + 4·(1/5)·4 = 16.2, stored 16.2/5.
    #[test]
    fn one_component_by_hand() {
        let nk = array![4.0];
        let beta = mean_precision(nk.view(), 1.0);
        assert_eq!(beta, array![5.0]);
        let m = posterior_means(
            nk.view(),
            array![[3.0]].view(),
            1.0,
            array![1.0].view(),
            beta.view(),
        );
        assert!((m[[0, 0]] - 13.0 / 5.0).abs() < 1e-15);
        let nu = degrees_of_freedom(nk.view(), 1.0)[0];
        let full = wishart_full(
            array![[5.0]].view(),
            4.0,
            array![3.0].view(),
            array![[2.0]].view(),
            array![1.0].view(),
            1.0,
            5.0,
            nu,
        );
        assert!((full[[0, 0]] - 16.2 / 5.0).abs() < 1e-14);
        let diag = wishart_diag(
            array![5.0].view(),
            4.0,
            array![3.0].view(),
            array![2.0].view(),
            array![1.0].view(),
            1.0,
            5.0,
            nu,
        );
        let sph = wishart_spherical(
            5.0,
            4.0,
            array![3.0].view(),
            2.0,
            array![1.0].view(),
            1.0,
            5.0,
            nu,
        );
        assert!((diag[0] - 16.2 / 5.0).abs() < 1e-14 && (sph - 16.2 / 5.0).abs() < 1e-14);
        // Tied with one component is the full one with ν = ν₀ + N.
        let tied = wishart_tied(
            array![[5.0]].view(),
            nk.view(),
            array![[3.0]].view(),
            array![[2.0]].view(),
            array![1.0].view(),
            1.0,
            beta.view(),
            tied_degrees_of_freedom(nk.view(), 1.0),
        );
        assert!((tied[[0, 0]] - 16.2 / 5.0).abs() < 1e-14);
    }

    /// Dirichlet: E[ln π] of Dir(1, 1) is ψ(1) − ψ(2) = −1 for both; its
    /// normaliser is ln Γ(2) − 2 ln Γ(1) = 0. Sticks with one component:
    /// ψ(a) − ψ(a + b).
    #[test]
    fn expectations_by_hand() {
        let e = expected_log_weights_dirichlet(array![1.0, 1.0].view());
        assert!((e[0] + 1.0).abs() < 1e-14 && (e[1] + 1.0).abs() < 1e-14);
        assert!(log_dirichlet_norm(array![1.0, 1.0].view()).abs() < 1e-14);
        // Beta(1, 1) sticks: E ln v = ψ(1) − ψ(2) = −1; E ln(1 − v) = −1 too.
        let s = expected_log_weights_stick(array![1.0, 1.0].view(), array![1.0, 1.0].view());
        assert!((s[0] + 1.0).abs() < 1e-14 && (s[1] + 2.0).abs() < 1e-14);
        // ln B(1, 1) = 0; ln B(2, 2) = ln(1/6).
        let norm = stick_breaking_norm(array![1.0, 2.0].view(), array![1.0, 2.0].view());
        assert!((norm - 6f64.ln()).abs() < 1e-14, "{norm}");
        // d = 1, ν = 2: ln 2 + ψ(1).
        let want = std::f64::consts::LN_2 + digamma(1.0);
        assert!((expected_log_det_precision(2.0, 1) - want).abs() < 1e-15);
        // d = 1, ν = 2, ln|U| = 0: −(ln 2 + ln Γ(1)) = −ln 2.
        assert!((log_wishart_norm(2.0, 0.0, 1) + std::f64::consts::LN_2).abs() < 1e-14);
    }

    /// Entropy of (½, ½) rows is ln 2 each; one-hot rows add nothing.
    #[test]
    fn entropy_by_hand() {
        let r = array![[0.5, 0.5], [1.0, 0.0], [0.5, 0.5]];
        assert!((responsibility_entropy(r.view()) - 2.0 * std::f64::consts::LN_2).abs() < 1e-15);
    }
}
