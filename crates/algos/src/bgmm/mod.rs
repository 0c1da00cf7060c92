//! The variational Bayesian Gaussian mixture from `clusterlab-em`
//! ([`clusterlab_em::bayes`]) as a [`Clusterer`]: `k` is an upper bound,
//! the hard labels are each point's most responsible component, the soft
//! membership is the responsibilities, and the clusters are the components
//! some point is most responsible to.

pub mod plan;
use std::time::Instant;

use clusterlab_em::bayes::ValidBgmmParams;
use ndarray::ArrayView2;

use crate::clustering::{Clustering, Extras};
use crate::error::AlgoError;
use crate::Clusterer;

impl Clusterer for ValidBgmmParams {
    fn name(&self) -> &'static str {
        "bgmm"
    }

    fn fit(&self, x: ArrayView2<f64>) -> Result<Clustering, AlgoError> {
        let start = Instant::now();
        let fit = ValidBgmmParams::fit(self, x).map_err(|e| AlgoError::Backend {
            algorithm: "bgmm",
            message: e.to_string(),
        })?;
        let fit_seconds = start.elapsed().as_secs_f64();
        let labels: Vec<i64> = fit.labels.iter().map(|l| *l as i64).collect();
        let mut used = labels.clone();
        used.sort_unstable();
        used.dedup();
        Ok(Clustering {
            algorithm: "bgmm",
            labels,
            membership: Some(fit.responsibilities.clone()),
            scores: None,
            n_clusters: used.len(),
            n_noise: 0,
            fit_seconds,
            extras: Extras::Bgmm(Box::new(fit)),
            approximation: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clusterlab_em::bayes::BayesianMixture;
    use ndarray::array;

    /// The seed's six points with room for four components: the prior (the
    /// data's own spread) outweighs six points, so one component takes them
    /// all, as scikit-learn 1.9.1's `BayesianGaussianMixture(4,
    /// random_state=0)` on the same points (weights 0.96525, 0.02804,
    /// 0.00559, 0.00112; to 1e-4, as both stop at tol = 1e-3 on their own starts).
    #[test]
    fn the_seed_through_the_common_interface() {
        let x = array![[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]];
        let p = BayesianMixture::params(4).check().unwrap();
        let c = Clusterer::fit(&p, x.view()).unwrap();
        assert_eq!(c.algorithm, "bgmm");
        assert_eq!(c.labels, vec![0; 6]);
        assert_eq!(c.n_clusters, 1);
        let Extras::Bgmm(fit) = &c.extras else {
            panic!("bgmm extras")
        };
        assert_eq!(fit.responsibilities, *c.membership.as_ref().unwrap());
        let sklearn = [0.96525313, 0.02804068, 0.00558855, 0.00111764];
        for (w, s) in fit.weights.iter().zip(sklearn) {
            assert!((w - s).abs() < 1e-4, "{} vs {sklearn:?}", fit.weights);
        }
    }
}
