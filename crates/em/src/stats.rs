//! The sufficient statistics of one E-step, as both engines produce them
//! and the M-step consumes them: sums over the rows around a centre `c`.

use ndarray::{Array1, Array2, Array3};

use crate::model::CovarianceType;

/// Per-component sums over the rows: `N_j = Σ w r_j`, `S_j = Σ w r_j (x − c)`
/// and the second moments; plus the total weighted log-likelihood.
#[derive(Debug, Clone)]
pub(crate) struct SuffStats {
    /// Σ w·r per component (k).
    pub nk: Array1<f64>,
    /// Σ w·r·(x − c) per component (k × d).
    pub sx: Array2<f64>,
    /// Second moments, shaped by covariance type.
    pub second: SecondMoments,
    /// Σ w·ln p(x) over rows (zero when the pass had no E-step).
    pub ll_sum: f64,
    /// Σ w over rows.
    pub weight_sum: f64,
}

/// Second moments of the shifted data.
#[derive(Debug, Clone)]
pub(crate) enum SecondMoments {
    /// Σ w r_j (x − c)(x − c)ᵀ per component (k × d × d).
    PerComponent(Array3<f64>),
    /// Σ w r_j (x − c)² per component and feature (k × d), for diag.
    Diagonal(Array2<f64>),
    /// Σ w r_j ‖x − c‖² per component (k), for spherical.
    Spherical(Array1<f64>),
    /// Σ w (x − c)(x − c)ᵀ over all rows (d × d), for tied.
    Total(Array2<f64>),
}

impl SecondMoments {
    /// The covariance type these moments serve.
    pub(crate) fn kind(&self) -> CovarianceType {
        match self {
            SecondMoments::PerComponent(_) => CovarianceType::Full,
            SecondMoments::Diagonal(_) => CovarianceType::Diag,
            SecondMoments::Spherical(_) => CovarianceType::Spherical,
            SecondMoments::Total(_) => CovarianceType::Tied,
        }
    }
}

impl SuffStats {
    /// The same statistics with the second moments another type needs, from
    /// per-component matrices (a start from a model with k × d × d
    /// covariances for a fit of another representation): their diagonals,
    /// traces, or their sum (`Σ_j Q_j = Q` as responsibilities sum to 1).
    pub(crate) fn reduced_to(&self, ty: CovarianceType) -> SuffStats {
        let SecondMoments::PerComponent(q) = &self.second else {
            unreachable!("only per-component moments are reduced")
        };
        let (k, d, _) = q.dim();
        let second = match ty {
            CovarianceType::Full => SecondMoments::PerComponent(q.clone()),
            CovarianceType::Diag => {
                SecondMoments::Diagonal(Array2::from_shape_fn((k, d), |(j, a)| q[[j, a, a]]))
            }
            CovarianceType::Spherical => SecondMoments::Spherical(Array1::from_shape_fn(k, |j| {
                (0..d).map(|a| q[[j, a, a]]).sum()
            })),
            CovarianceType::Tied => SecondMoments::Total(q.sum_axis(ndarray::Axis(0))),
        };
        SuffStats {
            nk: self.nk.clone(),
            sx: self.sx.clone(),
            second,
            ll_sum: self.ll_sum,
            weight_sum: self.weight_sum,
        }
    }

    pub(crate) fn zeros(ty: CovarianceType, k: usize, d: usize) -> Self {
        let second = match ty {
            CovarianceType::Full => SecondMoments::PerComponent(Array3::zeros((k, d, d))),
            CovarianceType::Diag => SecondMoments::Diagonal(Array2::zeros((k, d))),
            CovarianceType::Spherical => SecondMoments::Spherical(Array1::zeros(k)),
            CovarianceType::Tied => SecondMoments::Total(Array2::zeros((d, d))),
        };
        SuffStats {
            nk: Array1::zeros(k),
            sx: Array2::zeros((k, d)),
            second,
            ll_sum: 0.0,
            weight_sum: 0.0,
        }
    }

    /// Add another shard's statistics to these.
    pub(crate) fn merge(&mut self, other: &SuffStats) {
        self.nk += &other.nk;
        self.sx += &other.sx;
        self.ll_sum += other.ll_sum;
        self.weight_sum += other.weight_sum;
        match (&mut self.second, &other.second) {
            (SecondMoments::PerComponent(a), SecondMoments::PerComponent(b)) => *a += b,
            (SecondMoments::Diagonal(a), SecondMoments::Diagonal(b)) => *a += b,
            (SecondMoments::Spherical(a), SecondMoments::Spherical(b)) => *a += b,
            (SecondMoments::Total(a), SecondMoments::Total(b)) => *a += b,
            _ => unreachable!("statistics of one fit share a covariance type"),
        }
    }
}
