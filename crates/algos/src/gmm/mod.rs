//! EM for Gaussian mixtures, from `clusterlab-em`, as a [`Clusterer`]: the
//! hard labels are each point's most responsible component and the soft
//! membership is the responsibilities.
//!
//! The checked parameters are the EM crate's own [`ValidGmmParams`]
//! (`GaussianMixture::params(k)…check()?`), so every EM option is available.

pub mod plan;
use std::time::Instant;

use clusterlab_em::ValidGmmParams;
use ndarray::ArrayView2;

use crate::clustering::{Clustering, Extras};
use crate::error::AlgoError;
use crate::Clusterer;

impl Clusterer for ValidGmmParams {
    fn name(&self) -> &'static str {
        "gmm"
    }

    fn fit(&self, x: ArrayView2<f64>) -> Result<Clustering, AlgoError> {
        let start = Instant::now();
        let fit = ValidGmmParams::fit(self, x, None)?;
        let fit_seconds = start.elapsed().as_secs_f64();
        // Points the noise component explains best are noise (−1).
        let labels = fit.labels_with_noise();
        let n_noise = labels.iter().filter(|l| **l < 0).count();
        // Clusters are the components that are some point's most likely one.
        let mut used: Vec<i64> = labels.iter().copied().filter(|l| *l >= 0).collect();
        used.sort_unstable();
        used.dedup();
        Ok(Clustering {
            algorithm: "gmm",
            labels,
            membership: Some(fit.responsibilities.clone()),
            scores: None,
            n_clusters: used.len(),
            n_noise,
            fit_seconds,
            extras: Extras::Gmm(Box::new(fit)),
            approximation: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clusterlab_em::GaussianMixture;
    use ndarray::array;

    #[test]
    fn the_seed_through_the_common_interface() {
        let x = array![[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]];
        let p = GaussianMixture::params(2).check().unwrap();
        let c = Clusterer::fit(&p, x.view()).unwrap();
        assert_eq!(c.algorithm, "gmm");
        assert_eq!(c.n_clusters, 2);
        assert_eq!(c.labels[0], c.labels[2]);
        assert_ne!(c.labels[0], c.labels[3]);
        let m = c.membership.as_ref().unwrap();
        for row in m.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-12);
        }
        let Extras::Gmm(fit) = &c.extras else {
            panic!("gmm extras")
        };
        assert_eq!(fit.responsibilities, *m);
    }

    #[test]
    fn em_errors_become_algo_errors() {
        let x = array![[0.0], [1.0]];
        let p = GaussianMixture::params(3).check().unwrap();
        let e = Clusterer::fit(&p, x.view()).unwrap_err();
        assert!(e.to_string().contains("k = 3"), "{e}");
    }
}
