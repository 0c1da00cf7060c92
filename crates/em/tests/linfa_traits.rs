//! The crate drops into linfa code: `Fit` on a `DatasetBase`, `Predict` on records.

use clusterlab_em::{CovarianceType, GaussianMixture, GmmError, GmmFit};
use linfa::prelude::*;
use ndarray::{array, Array1};

#[test]
fn fit_and_predict_through_linfa_traits() {
    let x = array![[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]];
    let ds = DatasetBase::from(x.clone());
    // The unchecked params go through linfa's ParamGuard: check, then fit.
    let fit: GmmFit = GaussianMixture::params(2)
        .covariance_type(CovarianceType::Spherical)
        .seed(1)
        .fit(&ds)
        .unwrap();
    let predicted: Array1<usize> = Predict::predict(&fit.model, &x);
    assert_eq!(predicted, fit.labels);
    assert_eq!(predicted[0], predicted[2]);
    assert_ne!(predicted[0], predicted[5]);
    // An invalid setting is an error from the same call, before any work.
    let bad: Result<GmmFit, GmmError> = GaussianMixture::params(2).tol(-1.0).fit(&ds);
    assert!(matches!(
        bad,
        Err(GmmError::InvalidParameter { name: "tol", .. })
    ));
}

#[test]
fn sample_weights_of_a_linfa_dataset_are_used() {
    // Weighting the three right-hand points by 3 moves the weights to 1/4 and 3/4.
    let x = array![[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]];
    let ds = DatasetBase::from(x).with_weights(Array1::from(vec![1.0f32, 1.0, 1.0, 3.0, 3.0, 3.0]));
    let fit: GmmFit = GaussianMixture::params(2).seed(0).fit(&ds).unwrap();
    let mut w = fit.model.weights().to_vec();
    w.sort_by(f64::total_cmp);
    assert!(
        (w[0] - 0.25).abs() < 1e-6 && (w[1] - 0.75).abs() < 1e-6,
        "{w:?}"
    );
}
