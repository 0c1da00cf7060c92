//! Bad parameters and bad data are errors (one line naming the parameter),
//! never panics.

use clusterlab_algos::{
    AlgoError, ClusterMethod, Clusterer, DbscanParams, GaussianMixture, HdbscanParams,
    KMeansParams, KMedoidsParams, OpticsParams, Size,
};
use ndarray::{array, Array2};

fn names(e: &AlgoError, param: &str) {
    let s = e.to_string();
    assert!(s.contains(param), "'{s}' should name {param}");
    assert!(!s.contains('\n'), "'{s}' should be one line");
}

#[test]
fn checked_builders_reject_bad_values() {
    for eps in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        names(&DbscanParams::new(eps, 5).check().unwrap_err(), "eps");
    }
    assert_eq!(
        DbscanParams::new(-1.0, 5).check().unwrap_err().to_string(),
        "eps must be > 0 and finite (got -1)"
    );
    names(
        &DbscanParams::new(0.5, 0).check().unwrap_err(),
        "min_samples",
    );

    names(&KMeansParams::new(0).check().unwrap_err(), "k");
    names(
        &KMeansParams::new(3).n_init(0).check().unwrap_err(),
        "n_init",
    );
    names(
        &KMeansParams::new(3).max_iter(0).check().unwrap_err(),
        "max_iter",
    );
    names(&KMeansParams::new(3).tol(-1.0).check().unwrap_err(), "tol");
    names(&KMedoidsParams::new(0).check().unwrap_err(), "k");
    names(
        &KMedoidsParams::new(2).max_iter(0).check().unwrap_err(),
        "max_iter",
    );
    names(
        &KMedoidsParams::new(2).n_init(0).check().unwrap_err(),
        "n_init",
    );

    for xi in [0.0, 1.0, -0.1, 1.5, f64::NAN] {
        names(&OpticsParams::new(5).xi(xi).check().unwrap_err(), "xi");
    }
    for ms in [
        Size::Count(0),
        Size::Count(1),
        Size::Fraction(0.0),
        Size::Fraction(1.5),
    ] {
        names(&OpticsParams::new(ms).check().unwrap_err(), "min_samples");
    }
    for mcs in [
        Size::Count(1),
        Size::Fraction(-0.2),
        Size::Fraction(f64::NAN),
    ] {
        names(
            &OpticsParams::new(5)
                .min_cluster_size(Some(mcs))
                .check()
                .unwrap_err(),
            "min_cluster_size",
        );
        names(
            &HdbscanParams::new(mcs).check().unwrap_err(),
            "min_cluster_size",
        );
    }
    names(
        &OpticsParams::new(5).max_eps(0.0).check().unwrap_err(),
        "max_eps",
    );
    names(
        &OpticsParams::new(5).eps(Some(-1.0)).check().unwrap_err(),
        "eps",
    );
    names(
        &OpticsParams::new(5)
            .max_eps(1.0)
            .eps(Some(2.0))
            .check()
            .unwrap_err(),
        "eps",
    );
    // A dbscan cut needs an eps when max_eps is ∞.
    names(
        &OpticsParams::new(5)
            .cluster_method(ClusterMethod::Dbscan)
            .check()
            .unwrap_err(),
        "eps",
    );
    names(
        &HdbscanParams::new(5)
            .min_samples(Some(0))
            .check()
            .unwrap_err(),
        "min_samples",
    );
    assert!(GaussianMixture::params(0).check().is_err());

    // Strings: sizes and methods.
    assert_eq!("0.05".parse::<Size>().unwrap(), Size::Fraction(0.05));
    assert_eq!("10".parse::<Size>().unwrap(), Size::Count(10));
    assert!("ten".parse::<Size>().is_err());
    assert!("xi".parse::<ClusterMethod>().is_ok());
    names(
        &"ward".parse::<ClusterMethod>().unwrap_err(),
        "cluster_method",
    );
}

#[test]
fn data_dependent_checks_fail_in_fit_before_work() {
    let x = array![[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]];
    let v = x.view();
    names(
        &KMeansParams::new(4).check().unwrap().fit(v).unwrap_err(),
        "k",
    );
    names(
        &KMedoidsParams::new(4).check().unwrap().fit(v).unwrap_err(),
        "k",
    );
    names(
        &OpticsParams::new(4).check().unwrap().fit(v).unwrap_err(),
        "min_samples",
    );
    names(
        &OpticsParams::new(2)
            .min_cluster_size(Some(Size::Count(5)))
            .check()
            .unwrap()
            .fit(v)
            .unwrap_err(),
        "min_cluster_size",
    );
    names(
        &HdbscanParams::new(4).check().unwrap().fit(v).unwrap_err(),
        "min_cluster_size",
    );
    names(
        &HdbscanParams::new(2)
            .min_samples(Some(9))
            .check()
            .unwrap()
            .fit(v)
            .unwrap_err(),
        "min_samples",
    );
    assert_eq!(
        KMeansParams::new(4)
            .check()
            .unwrap()
            .fit(v)
            .unwrap_err()
            .to_string(),
        "k must be at most the number of points 3 (got 4)"
    );
}

#[test]
fn bad_data_is_an_error_for_every_algorithm() {
    let algos: Vec<Box<dyn Clusterer>> = vec![
        Box::new(KMeansParams::new(1).check().unwrap()),
        Box::new(KMedoidsParams::new(1).check().unwrap()),
        Box::new(DbscanParams::new(0.5, 2).check().unwrap()),
        Box::new(OpticsParams::new(2).check().unwrap()),
        Box::new(HdbscanParams::new(2).check().unwrap()),
        Box::new(GaussianMixture::params(1).check().unwrap()),
    ];
    let nan = array![[0.0, 1.0], [f64::NAN, 1.0], [2.0, 2.0]];
    let inf = array![[0.0, 1.0], [1.0, f64::INFINITY], [2.0, 2.0]];
    let empty = Array2::<f64>::zeros((0, 2));
    let no_cols = Array2::<f64>::zeros((3, 0));
    for a in &algos {
        for x in [&nan, &inf, &empty, &no_cols] {
            assert!(a.fit(x.view()).is_err(), "{} on {x:?}", a.name());
        }
    }
    let e = DbscanParams::new(0.5, 2)
        .check()
        .unwrap()
        .fit(nan.view())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "data must be finite (row 1, column 0 is NaN)"
    );
}

#[test]
fn degenerate_but_valid_inputs_work() {
    // One point; all points identical.
    let one = array![[1.0, 2.0]];
    assert_eq!(
        KMeansParams::new(1)
            .check()
            .unwrap()
            .fit(one.view())
            .unwrap()
            .labels,
        vec![0]
    );
    assert_eq!(
        KMedoidsParams::new(1)
            .check()
            .unwrap()
            .fit(one.view())
            .unwrap()
            .labels,
        vec![0]
    );
    assert_eq!(
        DbscanParams::new(0.5, 2)
            .check()
            .unwrap()
            .fit(one.view())
            .unwrap()
            .labels,
        vec![-1]
    );
    let same = Array2::from_elem((20, 3), 4.0);
    let c = DbscanParams::new(0.5, 5)
        .check()
        .unwrap()
        .fit(same.view())
        .unwrap();
    assert_eq!(c.labels, vec![0; 20]);
    let c = OpticsParams::new(5)
        .check()
        .unwrap()
        .fit(same.view())
        .unwrap();
    assert_eq!(c.n_noise + c.labels.iter().filter(|&&l| l >= 0).count(), 20);
    let c = HdbscanParams::new(5)
        .check()
        .unwrap()
        .fit(same.view())
        .unwrap();
    assert_eq!(c.labels.len(), 20);
    let c = KMeansParams::new(3)
        .check()
        .unwrap()
        .fit(same.view())
        .unwrap();
    assert_eq!(c.labels.len(), 20);
    let c = KMedoidsParams::new(3)
        .check()
        .unwrap()
        .fit(same.view())
        .unwrap();
    assert_eq!(c.labels.len(), 20);
}
