//! Dataset methods: standardisation by hand, CSV round trip, write errors.

use std::fs;

use clusterlab_data::{builtin, load_csv, DataError, Dataset};
use ndarray::array;

fn small() -> Dataset {
    Dataset {
        name: "small".into(),
        x: array![
            [1.0, 5.0, 2.0, 0.1],
            [2.0, 5.0, 0.0, 0.1],
            [3.0, 5.0, 0.0, 0.1],
            [4.0, 5.0, 2.0, 0.1]
        ],
        feature_names: vec!["a".into(), "b".into(), "c".into(), "d".into()],
        labels: Some(vec![0, 0, 1, -1]),
        source: "hand".into(),
    }
}

#[test]
fn counts() {
    let ds = small();
    assert_eq!((ds.n(), ds.d()), (4, 4));
    assert_eq!(ds.n_true_clusters(), Some(2));
}

#[test]
fn standardized_by_hand() {
    let z = small().standardized();
    // Column a = 1,2,3,4: mean 2.5, population variance (2.25+0.25+0.25+2.25)/4 = 1.25.
    let s = 1.25f64.sqrt();
    let expect_a = [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s];
    // Same numbers written out: 1.5/sqrt(1.25) = 1.3416407864998738.
    assert!((expect_a[3] - 1.341_640_786_499_873_8).abs() < 1e-15);
    for i in 0..4 {
        assert!((z.x[[i, 0]] - expect_a[i]).abs() < 1e-15);
    }
    // Column c = 2,0,0,2: mean 1, variance 1 -> 1,-1,-1,1 exactly.
    assert_eq!(z.x.column(2).to_vec(), vec![1.0, -1.0, -1.0, 1.0]);
    // Constant columns (also one whose mean is not exact in floating point) -> 0.
    assert_eq!(z.x.column(1).to_vec(), vec![0.0; 4]);
    assert_eq!(z.x.column(3).to_vec(), vec![0.0; 4]);
    assert!(z.x.iter().all(|v| v.is_finite()));
    assert_eq!(z.labels, small().labels);
    assert_eq!(z.feature_names, small().feature_names);
    assert_eq!(z.name, "small");
}

#[test]
fn standardized_seed_points() {
    // 0.8 1.1 1.4 4.7 5.1 5.5: mean 18.6/6 = 3.1,
    // squared deviations 5.29 4.0 2.89 2.56 4.0 5.76 -> sum 24.5, variance 24.5/6.
    let z = builtin("seed-1d", 0).unwrap().standardized();
    let sd = (24.5f64 / 6.0).sqrt();
    let x = [0.80, 1.10, 1.40, 4.70, 5.10, 5.50];
    for i in 0..6 {
        assert!((z.x[[i, 0]] - (x[i] - 3.1) / sd).abs() < 1e-12);
    }
    // First point: -2.3 / sqrt(4.08333...) = -2.3 / 2.0207259421636903 = -1.1382048164...
    assert!((z.x[[0, 0]] + 1.138_204_816_4).abs() < 1e-9);
}

#[test]
fn standardized_empty_is_fine() {
    let ds = Dataset {
        name: "none".into(),
        x: ndarray::Array2::zeros((0, 2)),
        feature_names: vec!["a".into(), "b".into()],
        labels: None,
        source: "hand".into(),
    };
    assert_eq!(ds.standardized().x.dim(), (0, 2));
}

#[test]
fn round_trip_with_labels() {
    let dir = tempfile::tempdir().unwrap();
    let mut ds = builtin("overlap", 11).unwrap();
    // Awkward values survive exactly.
    ds.x[[0, 0]] = 1e-300;
    ds.x[[0, 1]] = -0.1 - 0.2;
    ds.x[[1, 0]] = 123_456_789.123_456_79;
    ds.labels.as_mut().unwrap()[2] = -1;
    let p = dir.path().join("over lap.csv");
    ds.write_csv(&p).unwrap();
    let back = load_csv(&p, None).unwrap();
    assert_eq!(back.name, "over lap");
    assert_eq!(back.feature_names, ds.feature_names);
    assert_eq!(back.labels, ds.labels);
    assert_eq!(back.x, ds.x);
    let first = fs::read_to_string(&p).unwrap();
    assert!(first.starts_with("x1,x2,label\n"));
    // Only the target file is left, no temporary.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn round_trip_without_labels_and_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("u.csv");
    fs::write(&p, "old contents\n").unwrap();
    let mut ds = builtin("no-structure", 2).unwrap();
    ds.feature_names = vec!["with,comma".into(), "quote\"d".into()];
    ds.write_csv(&p).unwrap();
    let back = load_csv(&p, None).unwrap();
    assert_eq!(back.labels, None);
    assert_eq!(back.feature_names, ds.feature_names);
    assert_eq!(back.x, ds.x);
}

#[test]
fn write_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("missing-dir").join("x.csv");
    let e = small().write_csv(&p).unwrap_err();
    assert!(matches!(e, DataError::Write { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.starts_with(&p.display().to_string()) && !msg.contains('\n'));

    let ok = dir.path().join("x.csv");
    let mut bad = small();
    bad.labels = Some(vec![0, 1]);
    assert!(matches!(
        bad.write_csv(&ok).unwrap_err(),
        DataError::Inconsistent { .. }
    ));
    let mut bad = small();
    bad.feature_names[0] = "label".into();
    assert!(matches!(
        bad.write_csv(&ok).unwrap_err(),
        DataError::Inconsistent { .. }
    ));
    let mut bad = small();
    bad.x[[2, 1]] = f64::NAN;
    let msg = bad.write_csv(&ok).unwrap_err().to_string();
    assert!(msg.contains("row 3, column \"b\""), "{msg}");
    assert!(!ok.exists());
}

/// z-scores do not depend on the unit: data around 1e160 or 1e-170 gives
/// the same z-scores as the same data around 1 (no overflow, no underflow).
#[test]
fn zscores_survive_extreme_units() {
    let base = ndarray::array![[0.5, -1.0], [1.5, 2.0], [4.0, 0.25], [2.0, 1.0]];
    let (z, _, _) = clusterlab_data::zscore(&base);
    for scale in [1e160, 1e-170, 2f64.powi(1000), 2f64.powi(-1000)] {
        let (zs, _, stds) = clusterlab_data::zscore(&base.mapv(|v| v * scale));
        for (a, b) in z.iter().zip(zs.iter()) {
            assert!((a - b).abs() < 1e-12, "scale {scale:e}: {a} vs {b}");
        }
        assert!(stds.iter().all(|s| *s > 0.0 && s.is_finite()), "{stds:?}");
    }
}
