//! linfa's `Fit` and `PredictInplace`, so the crate drops into linfa code.

use linfa::dataset::DatasetBase;
use linfa::traits::{Fit, PredictInplace};
use ndarray::{Array1, Array2};

use crate::error::GmmError;
use crate::fit::GmmFit;
use crate::model::GmmModel;
use crate::params::ValidGmmParams;

impl<T> Fit<Array2<f64>, T, GmmError> for ValidGmmParams {
    type Object = GmmFit;

    /// Fits on the dataset's records, using its sample weights if it has any.
    fn fit(&self, dataset: &DatasetBase<Array2<f64>, T>) -> Result<GmmFit, GmmError> {
        let weights = dataset
            .weights()
            .map(|w| w.iter().map(|v| *v as f64).collect::<Array1<f64>>());
        ValidGmmParams::fit(
            self,
            dataset.records().view(),
            weights.as_ref().map(|w| w.view()),
        )
    }
}

impl PredictInplace<Array2<f64>, Array1<usize>> for GmmModel {
    /// Writes the most responsible component of each row into `y`. Rows with
    /// a different number of features than the model leave `y` untouched.
    fn predict_inplace(&self, x: &Array2<f64>, y: &mut Array1<usize>) {
        assert_eq!(x.nrows(), y.len(), "one target per row");
        if let Ok(labels) = self.predict(x.view()) {
            y.assign(&labels);
        }
    }

    fn default_target(&self, x: &Array2<f64>) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}

impl PredictInplace<Array2<f64>, Array1<usize>> for GmmFit {
    fn predict_inplace(&self, x: &Array2<f64>, y: &mut Array1<usize>) {
        self.model.predict_inplace(x, y)
    }

    fn default_target(&self, x: &Array2<f64>) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}
