//! The CSV loader under random input: random bytes, and well-formed CSV of
//! random numbers across the whole f64 range (every bit pattern, so
//! subnormals, ±0, 1e308, NaN and infinities appear, written the ways a
//! file may spell them). Never a panic; either a one-line error naming the
//! file, or a dataset whose values are finite, whose shape matches the text
//! and whose z-scored copy is finite too. A few hundred cases, well under a
//! few seconds in a debug build.

use std::path::Path;

use clusterlab_data::{load_csv, DataError};
use proptest::prelude::*;

/// Loads `bytes` as `fuzz.csv` in a fresh folder.
fn load(bytes: &[u8]) -> (Result<clusterlab_data::Dataset, DataError>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fuzz.csv");
    std::fs::write(&path, bytes).unwrap();
    let shown = path.display().to_string();
    (load_csv(&path, None), shown)
}

/// The loader's contract on any input.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let (r, shown) = load(bytes);
    match r {
        Err(e) => {
            let m = e.to_string();
            prop_assert!(!m.is_empty() && !m.contains('\n'), "not one line: {m:?}");
            prop_assert!(m.contains(&shown), "does not name the file: {m}");
        }
        Ok(ds) => {
            prop_assert!(ds.x.iter().all(|v| v.is_finite()), "non-finite value");
            prop_assert_eq!(ds.feature_names.len(), ds.d());
            if let Some(l) = &ds.labels {
                prop_assert_eq!(l.len(), ds.n());
                prop_assert!(l.iter().all(|v| *v >= -1));
            }
            let z = ds.standardized();
            prop_assert!(
                z.x.iter().all(|v| v.is_finite()),
                "z-scoring left f64: {:?}",
                ds.x
            );
        }
    }
    Ok(())
}

/// One number as a CSV cell: Rust's shortest form, scientific, or a
/// spelling of a special value some tools write.
fn cell(bits: u64, style: u8) -> String {
    let v = f64::from_bits(bits);
    match style % 4 {
        0 => format!("{v}"),
        1 => format!("{v:e}"),
        2 => format!("{v:.3e}"),
        _ => ["nan", "inf", "-Infinity", "1e999", "-0", "", " 1", "0x10"][(bits % 8) as usize]
            .to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check(&bytes)?;
    }

    #[test]
    fn random_text_never_panics(text in "[a-z0-9,.\\-+e\"\r\n ]{0,300}") {
        check(text.as_bytes())?;
    }

    #[test]
    fn numbers_across_f64_never_panic(
        d in 1usize..4,
        cells in proptest::collection::vec((any::<u64>(), 0u8..16), 1..40),
        header_label in any::<bool>(),
    ) {
        let mut s = (0..d).map(|j| format!("f{j}")).collect::<Vec<_>>().join(",");
        if header_label {
            s.push_str(",label");
        }
        s.push('\n');
        let width = d + usize::from(header_label);
        for row in cells.chunks(width) {
            let r: Vec<String> = row.iter().map(|(b, st)| cell(*b, *st)).collect();
            s.push_str(&r.join(","));
            s.push('\n');
        }
        check(s.as_bytes())?;
    }

    #[test]
    fn finite_numbers_of_any_magnitude_load_exactly(
        vals in proptest::collection::vec(
            any::<u64>().prop_map(f64::from_bits).prop_filter("finite", |v| v.is_finite()),
            2..30,
        )
    ) {
        // One column of finite values in shortest round-trip form reads back bit for bit.
        let mut s = String::from("x\n");
        for v in &vals {
            s.push_str(&format!("{v}\n"));
        }
        let (r, _) = load(s.as_bytes());
        let ds = r.map_err(|e| TestCaseError::fail(e.to_string()))?;
        let got: Vec<u64> = ds.x.iter().map(|v| v.to_bits()).collect();
        let want: Vec<u64> = vals.iter().map(|v| v.to_bits()).collect();
        prop_assert_eq!(got, want);
        prop_assert!(ds.standardized().x.iter().all(|v| v.is_finite()));
    }
}

#[test]
fn the_loader_names_a_missing_file() {
    let e = load_csv(Path::new("/nonexistent/x.csv"), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/x.csv"), "{e}");
}
