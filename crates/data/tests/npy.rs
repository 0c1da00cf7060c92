//! `.npy` reading and writing against files NumPy wrote
//! (`scripts/make_fixtures_npy.py`, fixtures in `tests/fixtures/`).

use std::path::PathBuf;

use clusterlab_data::{
    load_npy, read_labels, read_npy_header, resolve, write_labels_npy, write_npy, DataError, Dtype,
    NpyMatrix,
};
use ndarray::Array2;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The script's formula: x[i, j] = (i + 1) / 3 − 2.5 j + 1e-7 i j.
fn expected() -> Array2<f64> {
    Array2::from_shape_fn((7, 3), |(i, j)| {
        (i + 1) as f64 / 3.0 - 2.5 * j as f64 + 1e-7 * (i * j) as f64
    })
}

const LABELS: [i64; 7] = [0, 1, 2, 0, 1, 2, -1];

#[test]
fn reads_what_numpy_wrote() {
    let h = read_npy_header(&fixture("small.npy")).unwrap();
    assert_eq!(
        (h.dtype, h.shape.clone(), h.data_offset),
        (Dtype::F64, vec![7, 3], 128)
    );
    let ds = load_npy(&fixture("small.npy")).unwrap();
    assert_eq!(ds.x, expected());
    assert_eq!(ds.labels.as_deref(), Some(&LABELS[..]));
    assert_eq!(ds.name, "small");
    assert_eq!(ds.feature_names, ["x1", "x2", "x3"]);
    // Version 2.0 headers (4-byte length) read the same.
    assert_eq!(load_npy(&fixture("small_v2.npy")).unwrap().x, expected());
    assert_eq!(read_labels(&fixture("labels_i4.npy"), 7).unwrap(), LABELS);
    // resolve() reads .npy wherever it reads CSV.
    let r = resolve(fixture("small.npy").to_str().unwrap(), None, 0).unwrap();
    assert_eq!(r.x, expected());
}

#[test]
fn memory_mapped_rows() {
    let m = NpyMatrix::open(&fixture("small.npy")).unwrap();
    assert_eq!((m.n(), m.d()), (7, 3));
    let mut rows = Vec::new();
    m.read_rows(2, 4, &mut rows);
    let e = expected();
    assert_eq!(
        rows,
        [
            e[[2, 0]],
            e[[2, 1]],
            e[[2, 2]],
            e[[3, 0]],
            e[[3, 1]],
            e[[3, 2]]
        ]
    );
    let mut one = [0.0; 3];
    m.read_row(6, &mut one);
    assert_eq!(one.to_vec(), e.row(6).to_vec());
}

#[test]
fn writes_the_bytes_numpy_writes() {
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("out.npy");
    write_npy(&x, &expected()).unwrap();
    assert_eq!(
        std::fs::read(&x).unwrap(),
        std::fs::read(fixture("small.npy")).unwrap()
    );
    let l = dir.path().join("out.labels.npy");
    write_labels_npy(&l, &LABELS).unwrap();
    assert_eq!(
        std::fs::read(&l).unwrap(),
        std::fs::read(fixture("small.labels.npy")).unwrap()
    );
    // No temporary file is left beside the output.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn errors_name_the_file() {
    let msg = |e: DataError| e.to_string();
    let e = msg(load_npy(&fixture("fortran.npy")).unwrap_err());
    assert!(
        e.starts_with(fixture("fortran.npy").to_str().unwrap()),
        "{e}"
    );
    assert!(e.contains("Fortran order"), "{e}");
    let e = msg(NpyMatrix::open(&fixture("missing.npy")).err().unwrap());
    assert!(e.contains("missing.npy: no such file"), "{e}");
    // A labels file is not a feature matrix.
    let e = msg(NpyMatrix::open(&fixture("small.labels.npy")).err().unwrap());
    assert!(e.contains("'<i8'") && e.contains("expected '<f8'"), "{e}");
    // Truncated data: the size disagrees with the header.
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.npy");
    let bytes = std::fs::read(fixture("small.npy")).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() - 8]).unwrap();
    let e = msg(NpyMatrix::open(&cut).err().unwrap());
    assert!(
        e.contains("cut.npy") && e.contains("288 bytes") && e.contains("needs 296"),
        "{e}"
    );
    // Not a .npy at all.
    let csv = dir.path().join("a.npy");
    std::fs::write(&csv, "x,y\n1,2\n").unwrap();
    let e = msg(load_npy(&csv).unwrap_err());
    assert!(e.contains("a.npy") && e.contains("not a .npy file"), "{e}");
    // Labels of the wrong length.
    let e = msg(read_labels(&fixture("small.labels.npy"), 8).unwrap_err());
    assert!(e.contains("8 rows"), "{e}");
}
