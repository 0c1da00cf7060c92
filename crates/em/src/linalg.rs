//! The little dense linear algebra EM needs: a Cholesky factorisation and a
//! triangular solve on d × d matrices. No explicit inverse of a covariance is
//! ever formed; the precision enters only through its Cholesky factor.

use ndarray::{Array2, ArrayView2};

/// Lower-triangular `L` with `L Lᵀ = a`, or `None` if `a` is not (numerically)
/// positive definite. Only the lower triangle of `a` is read.
pub fn cholesky_lower(a: ArrayView2<f64>) -> Option<Array2<f64>> {
    let d = a.nrows();
    let mut l = Array2::<f64>::zeros((d, d));
    for j in 0..d {
        let mut diag = a[[j, j]];
        for p in 0..j {
            diag -= l[[j, p]] * l[[j, p]];
        }
        if !(diag > 0.0) || !diag.is_finite() {
            return None;
        }
        let ljj = diag.sqrt();
        l[[j, j]] = ljj;
        for i in (j + 1)..d {
            let mut s = a[[i, j]];
            for p in 0..j {
                s -= l[[i, p]] * l[[j, p]];
            }
            l[[i, j]] = s / ljj;
        }
    }
    Some(l)
}

/// The Cholesky factor of the precision, `U = L⁻ᵀ` (upper triangular), from the
/// covariance factor `L`: solves `L Z = I` by forward substitution and returns
/// `Zᵀ`. Then `U Uᵀ = Σ⁻¹` and `‖(x − μ)ᵀ U‖² = (x − μ)ᵀ Σ⁻¹ (x − μ)`.
pub fn precision_cholesky_from_lower(l: ArrayView2<f64>) -> Array2<f64> {
    let d = l.nrows();
    let mut u = Array2::<f64>::zeros((d, d));
    // Column c of Z = L⁻¹ solves L z = e_c; z is zero above c. Row c of U is that z.
    for c in 0..d {
        for i in c..d {
            let mut s = if i == c { 1.0 } else { 0.0 };
            for p in c..i {
                s -= l[[i, p]] * u[[c, p]];
            }
            u[[c, i]] = s / l[[i, i]];
        }
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn cholesky_of_a_hand_matrix() {
        // [[4, 2], [2, 3]] = L Lᵀ with L = [[2, 0], [1, √2]].
        let a = array![[4.0, 2.0], [2.0, 3.0]];
        let l = cholesky_lower(a.view()).unwrap();
        assert!((l[[0, 0]] - 2.0).abs() < 1e-15);
        assert!((l[[1, 0]] - 1.0).abs() < 1e-15);
        assert!((l[[1, 1]] - 2f64.sqrt()).abs() < 1e-15);
        assert_eq!(l[[0, 1]], 0.0);
    }

    #[test]
    fn not_positive_definite_is_none() {
        assert!(cholesky_lower(array![[1.0, 2.0], [2.0, 1.0]].view()).is_none());
        assert!(cholesky_lower(array![[0.0]].view()).is_none());
    }

    #[test]
    fn precision_factor_whitens() {
        // Σ⁻¹ of [[4,2],[2,3]] is [[3,-2],[-2,4]]/8.
        let a = array![[4.0, 2.0], [2.0, 3.0]];
        let l = cholesky_lower(a.view()).unwrap();
        let u = precision_cholesky_from_lower(l.view());
        let p = u.dot(&u.t());
        let expect = array![[3.0, -2.0], [-2.0, 4.0]] / 8.0;
        for (x, y) in p.iter().zip(expect.iter()) {
            assert!((x - y).abs() < 1e-14);
        }
    }
}
