//! CSV loader: every error case names file, line and column; labels;
//! the shipped datasets.

use std::fs;
use std::path::{Path, PathBuf};

use clusterlab_data::{load_csv, resolve, shipped_csvs, DataError};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

fn err(path: &Path, label: Option<&str>) -> (DataError, String) {
    let e = load_csv(path, label).expect_err("expected an error");
    let msg = e.to_string();
    assert!(!msg.contains('\n'), "message is not one line: {msg:?}");
    assert!(
        msg.starts_with(&path.display().to_string()),
        "message does not start with the file: {msg}"
    );
    (e, msg)
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("nope.csv");
    let (e, msg) = err(&p, None);
    assert!(matches!(e, DataError::NotFound { .. }));
    assert_eq!(msg, format!("{}: no such file", p.display()));
}

#[test]
fn unreadable_file_is_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("folder.csv");
    fs::create_dir(&p).unwrap();
    let (e, msg) = err(&p, None);
    assert!(matches!(e, DataError::Unreadable { .. }), "{e:?}");
    assert!(msg.contains("cannot read"), "{msg}");
}

#[test]
fn empty_file_and_blank_lines_only() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [("empty.csv", ""), ("blank.csv", "\n\n  \n")] {
        let p = write(dir.path(), name, text);
        let (e, msg) = err(&p, None);
        assert!(matches!(e, DataError::Empty { .. }), "{e:?}");
        assert!(msg.contains("empty"), "{msg}");
    }
}

#[test]
fn header_only() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "head.csv", "x1,x2,label\n");
    let (e, msg) = err(&p, None);
    assert!(matches!(e, DataError::NoRows { .. }));
    assert!(msg.contains("no data rows"), "{msg}");
}

#[test]
fn ragged_row_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "ragged.csv", "a,b\n1,2\n3,4\n5\n6,7\n");
    let (e, msg) = err(&p, None);
    assert_eq!(
        e,
        DataError::Ragged {
            path: p.display().to_string(),
            line: 4,
            expected: 2,
            found: 1
        }
    );
    assert_eq!(
        msg,
        format!(
            "{}: line 4 has 1 fields, the header (line 1) has 2",
            p.display()
        )
    );
    // Too many fields, too.
    let p = write(dir.path(), "wide.csv", "a,b\n1,2,3\n");
    let (e, _) = err(&p, None);
    assert!(matches!(
        e,
        DataError::Ragged {
            line: 2,
            found: 3,
            ..
        }
    ));
}

#[test]
fn non_numeric_cell_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "data.csv",
        "x1,x2\n1,2\n3,4\n5,6\n7,8\n9,10\n11,abc\n13,14\n",
    );
    let (_, msg) = err(&p, None);
    assert_eq!(
        msg,
        format!(
            "{}: line 7, column \"x2\": \"abc\" is not a number",
            p.display()
        )
    );
    // An empty cell is not a number either.
    let p = write(dir.path(), "hole.csv", "x1,x2\n1,\n");
    let (e, _) = err(&p, None);
    assert!(
        matches!(&e, DataError::NotANumber { line: 2, column, value, .. } if column == "x2" && value.is_empty())
    );
}

#[test]
fn blank_lines_do_not_shift_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "gaps.csv", "a,b\n\n1,2\n\nq,3\n");
    let (e, _) = err(&p, None);
    assert!(
        matches!(&e, DataError::NotANumber { line: 5, column, .. } if column == "a"),
        "{e:?}"
    );
    // Windows line ends, blank lines before the header.
    let p = write(
        dir.path(),
        "crlf.csv",
        "\r\n\r\na,b\r\n1,2\r\n\r\n3,4\r\n5,z\r\n",
    );
    let (e, _) = err(&p, None);
    assert!(
        matches!(&e, DataError::NotANumber { line: 7, column, .. } if column == "b"),
        "{e:?}"
    );
    // A quoted cell spanning two lines: the next record starts on line 4.
    let p = write(dir.path(), "quoted.csv", "a,b\n1,\"2\n\"\nw,4\n");
    let (e, _) = err(&p, None);
    assert!(matches!(&e, DataError::NotANumber { line: 4, .. }), "{e:?}");
}

#[test]
fn nan_and_infinity_rejected() {
    let dir = tempfile::tempdir().unwrap();
    for (i, bad) in ["NaN", "nan", "inf", "-Infinity", "1e999"]
        .iter()
        .enumerate()
    {
        let p = write(
            dir.path(),
            &format!("nf{i}.csv"),
            &format!("u,v\n1,2\n3,{bad}\n"),
        );
        let (e, msg) = err(&p, None);
        assert!(
            matches!(e, DataError::NotFinite { line: 3, .. }),
            "{bad}: {e:?}"
        );
        assert!(msg.contains("line 3, column \"v\""), "{msg}");
        assert!(msg.contains(&format!("\"{bad}\"")), "{msg}");
    }
}

#[test]
fn bad_labels_rejected() {
    let dir = tempfile::tempdir().unwrap();
    for (i, bad) in ["1.5", "two", "-2", "", "1e300"].iter().enumerate() {
        let p = write(
            dir.path(),
            &format!("lab{i}.csv"),
            &format!("x,label\n0.5,0\n0.7,1\n0.9,{bad}\n"),
        );
        let (e, msg) = err(&p, None);
        assert!(
            matches!(e, DataError::BadLabel { line: 4, .. }),
            "{bad}: {e:?}"
        );
        assert!(msg.contains("line 4, column \"label\""), "{msg}");
        assert!(msg.contains("not an integer label"), "{msg}");
    }
}

#[test]
fn named_label_column_missing() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "nolab.csv", "x1,x2\n1,2\n");
    let (e, msg) = err(&p, Some("species"));
    assert!(matches!(e, DataError::MissingLabelColumn { .. }));
    assert_eq!(
        msg,
        format!(
            "{}: line 1 (header) has no label column \"species\" (columns: \"x1\", \"x2\")",
            p.display()
        )
    );
}

#[test]
fn no_feature_columns() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "onlylab.csv", "label\n0\n1\n");
    let (e, msg) = err(&p, None);
    assert!(matches!(e, DataError::NoFeatures { .. }));
    assert!(msg.contains("no feature columns"), "{msg}");
}

#[test]
fn duplicate_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "dup.csv", "a,b,a\n1,2,3\n");
    let (e, msg) = err(&p, None);
    assert!(matches!(e, DataError::DuplicateColumn { .. }));
    assert!(msg.contains("line 1 (header), column \"a\""), "{msg}");
}

#[test]
fn invalid_utf8_names_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bin.csv");
    fs::write(&p, b"a,b\n1,2\n\xff\xfe,3\n").unwrap();
    let (e, msg) = err(&p, None);
    assert!(matches!(e, DataError::Malformed { line: 3, .. }), "{e:?}");
    assert!(msg.contains("line 3"), "{msg}");
}

#[test]
fn default_label_column_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "small.csv",
        "\u{feff}x1, label ,x2\n 1.5 ,0, -2\n2.5,-1,3e2\n\n-0.25,2.0,4\n",
    );
    let ds = load_csv(&p, None).unwrap();
    assert_eq!(ds.name, "small");
    assert_eq!(ds.source, p.display().to_string());
    assert_eq!(ds.feature_names, vec!["x1", "x2"]);
    assert_eq!(ds.n(), 3);
    assert_eq!(ds.d(), 2);
    assert_eq!(
        ds.x,
        ndarray::array![[1.5, -2.0], [2.5, 300.0], [-0.25, 4.0]]
    );
    assert_eq!(ds.labels, Some(vec![0, -1, 2]));
    // -1 is noise, not a cluster.
    assert_eq!(ds.n_true_clusters(), Some(2));
}

#[test]
fn no_label_column_means_no_labels() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "plain.csv", "a\n1\n2\n");
    let ds = load_csv(&p, None).unwrap();
    assert_eq!(ds.labels, None);
    assert_eq!(ds.n_true_clusters(), None);
    assert_eq!(ds.x, ndarray::array![[1.0], [2.0]]);
}

#[test]
fn custom_label_column_makes_label_a_feature() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "custom.csv",
        "label,species,w\n0.5,3,1\n0.25,3,2\n0.125,7,3\n",
    );
    let ds = load_csv(&p, Some("species")).unwrap();
    assert_eq!(ds.feature_names, vec!["label", "w"]);
    assert_eq!(ds.labels, Some(vec![3, 3, 7]));
    assert_eq!(ds.n_true_clusters(), Some(2));
    assert_eq!(ds.x.column(0).to_vec(), vec![0.5, 0.25, 0.125]);
}

fn datasets_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

#[test]
fn shipped_datasets_load() {
    let files = shipped_csvs(&datasets_dir());
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["faithful.csv", "iris.csv", "wine.csv"]);
    let shapes: Vec<(String, usize, usize, Option<usize>)> = files
        .iter()
        .map(|p| {
            let ds = load_csv(p, None).unwrap();
            (ds.name.clone(), ds.n(), ds.d(), ds.n_true_clusters())
        })
        .collect();
    assert_eq!(
        shapes,
        vec![
            ("faithful".to_string(), 272, 2, None),
            ("iris".to_string(), 150, 4, Some(3)),
            ("wine".to_string(), 178, 13, Some(3)),
        ]
    );
    let iris = load_csv(&files[1], None).unwrap();
    // First row of Fisher's data: 5.1, 3.5, 1.4, 0.2, setosa.
    assert_eq!(iris.x.row(0).to_vec(), vec![5.1, 3.5, 1.4, 0.2]);
    let labels = iris.labels.unwrap();
    for k in 0..3 {
        assert_eq!(labels.iter().filter(|&&l| l == k).count(), 50);
    }
}

#[test]
fn shipped_csvs_filters_and_sorts() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b.csv", "x\n1\n");
    write(dir.path(), "a.CSV", "x\n1\n");
    write(dir.path(), "notes.txt", "x\n");
    fs::create_dir(dir.path().join("sub.csv")).unwrap();
    let found = shipped_csvs(dir.path());
    assert_eq!(
        found,
        vec![dir.path().join("a.CSV"), dir.path().join("b.csv")]
    );
    assert!(shipped_csvs(&dir.path().join("missing")).is_empty());
}

#[test]
fn resolve_builtin_path_and_unknown() {
    let moons = resolve("noisy-moons", None, 3).unwrap();
    assert_eq!(moons.source, "built-in");
    assert_eq!(moons.n(), 500);

    let iris_path = datasets_dir().join("iris.csv");
    let iris = resolve(iris_path.to_str().unwrap(), None, 0).unwrap();
    assert_eq!(iris.name, "iris");
    assert_eq!(iris.n(), 150);

    let e = resolve("no-such-thing", None, 0).unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("no-such-thing: "), "{msg}");
    for name in clusterlab_data::builtin_names() {
        assert!(msg.contains(name), "{msg} lacks {name}");
    }

    // A given label column is passed through to the loader.
    let e = resolve(iris_path.to_str().unwrap(), Some("species"), 0).unwrap_err();
    assert!(matches!(e, DataError::MissingLabelColumn { .. }));
}

/// A file named like a built-in dataset does not silently lose to it: the
/// name is an error that says how to mean either.
#[test]
fn a_file_named_like_a_builtin_is_ambiguous() {
    let dir = tempfile::tempdir().unwrap();
    let old = std::env::current_dir().unwrap();
    std::fs::write(dir.path().join("blobs"), "x,y\n1,2\n3,4\n").unwrap();
    std::env::set_current_dir(dir.path()).unwrap();
    let named = clusterlab_data::resolve("blobs", None, 0);
    let explicit = clusterlab_data::resolve("./blobs", None, 0);
    std::env::set_current_dir(old).unwrap();
    let e = named.unwrap_err().to_string();
    assert!(
        e.contains("both a built-in") && e.contains("./blobs"),
        "{e}"
    );
    assert_eq!(explicit.unwrap().n(), 2);
}

/// A symlink loop is reported with the OS reason, not as "no such file".
#[cfg(unix)]
#[test]
fn a_symlink_loop_names_the_os_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let e = clusterlab_data::resolve(a.to_str().unwrap(), None, 0)
        .unwrap_err()
        .to_string();
    assert!(!e.contains("no such file"), "{e}");
    assert!(e.contains("a.csv") && e.contains("cannot read"), "{e}");
}

/// `Label` (any case) is the ground truth when no column is named
/// exactly `label`, not a feature.
#[test]
fn a_label_column_in_another_case_is_the_ground_truth() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("l.csv");
    std::fs::write(&p, "x,Label\n1,0\n2,0\n8,1\n").unwrap();
    let ds = clusterlab_data::load_csv(&p, None).unwrap();
    assert_eq!(ds.d(), 1);
    assert_eq!(ds.labels.as_deref(), Some(&[0, 0, 1][..]));
}

/// A stream without line breaks is refused after a bounded read.
#[cfg(unix)]
#[test]
fn an_endless_line_is_refused() {
    let e = clusterlab_data::load_csv(std::path::Path::new("/dev/zero"), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("/dev/zero") && e.contains("longer than"), "{e}");
}
