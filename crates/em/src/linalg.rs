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

/// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations:
/// `(values, vectors)` with `a = V diag(values) Vᵀ`, the values in
/// decreasing order and the eigenvectors as the columns of `V`.
pub fn symmetric_eigen(a: ArrayView2<f64>) -> (Vec<f64>, Array2<f64>) {
    let d = a.nrows();
    let (m, v) = jacobi(a, true);
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|x, y| m[*y * d + *y].total_cmp(&m[*x * d + *x]));
    let values = order.iter().map(|i| m[*i * d + *i]).collect();
    let vectors = Array2::from_shape_fn((d, d), |(r, c)| v[r * d + order[c]]);
    (values, vectors)
}

/// The eigenvalues of [`symmetric_eigen`] (bit for bit: the same rotations),
/// in decreasing order, without accumulating the eigenvectors.
pub fn symmetric_eigenvalues(a: ArrayView2<f64>) -> Vec<f64> {
    let d = a.nrows();
    let (m, _) = jacobi(a, false);
    let mut values: Vec<f64> = (0..d).map(|i| m[i * d + i]).collect();
    values.sort_by(|x, y| y.total_cmp(x));
    values
}

/// Cyclic Jacobi on the symmetric part of `a`: the rotated matrix (its
/// diagonal the eigenvalues) and, when asked for, the product of the
/// rotations, both d × d row-major.
fn jacobi(a: ArrayView2<f64>, with_vectors: bool) -> (Vec<f64>, Vec<f64>) {
    let d = a.nrows();
    let mut m: Vec<f64> = (0..d * d)
        .map(|x| 0.5 * (a[[x / d, x % d]] + a[[x % d, x / d]]))
        .collect();
    let mut v: Vec<f64> = if with_vectors {
        (0..d * d)
            .map(|x| f64::from(u8::from(x / d == x % d)))
            .collect()
    } else {
        Vec::new()
    };
    let scale: f64 = m.iter().map(|x| x * x).sum::<f64>().sqrt();
    for _sweep in 0..100 {
        let off: f64 = (0..d)
            .flat_map(|i| (0..d).filter(move |j| *j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * d + j] * m[i * d + j])
            .sum::<f64>()
            .sqrt();
        if off <= 1e-15 * scale || off == 0.0 {
            break;
        }
        for p in 0..d {
            for q in (p + 1)..d {
                let apq = m[p * d + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (m[q * d + q] - m[p * d + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in m.chunks_exact_mut(d) {
                    let (mkp, mkq) = (row[p], row[q]);
                    row[p] = c * mkp - s * mkq;
                    row[q] = s * mkp + c * mkq;
                }
                let (lo, hi) = m.split_at_mut(q * d);
                for (mp, mq) in lo[p * d..(p + 1) * d].iter_mut().zip(&mut hi[..d]) {
                    let (mpk, mqk) = (*mp, *mq);
                    *mp = c * mpk - s * mqk;
                    *mq = s * mpk + c * mqk;
                }
                for row in v.chunks_exact_mut(d) {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    (m, v)
}

/// The orthogonal polar factor `P Rᵀ` of a square matrix with singular value
/// decomposition `F = P B Rᵀ` (the orthogonal matrix nearest to `F`), by
/// one-sided Jacobi rotations (each sweep in rounds of disjoint column
/// pairs): `F R = P B`.
pub fn polar_orthogonal(f: ArrayView2<f64>) -> Array2<f64> {
    polar_orthogonal_from(f, None).0
}

/// [`polar_orthogonal`] with the rotations started from an orthogonal `R₀`
/// (the `R` of a nearby matrix's factorisation: then `F R₀` is nearly
/// column-orthogonal and a sweep or two finish it); returns `P Rᵀ` and this
/// `R`, to start the next one from.
pub fn polar_orthogonal_from(
    f: ArrayView2<f64>,
    start: Option<ArrayView2<f64>>,
) -> (Array2<f64>, Array2<f64>) {
    let (p, r, _) = polar_jacobi(f, start);
    (p, r)
}

/// The column at place `i` of round `round` of the circle method over
/// `slots` (even) places: place 0 stays, the others turn one step a round;
/// place i meets place slots − 1 − i.
fn circle(round: usize, i: usize, slots: usize) -> usize {
    if i == 0 {
        0
    } else {
        1 + (i - 1 + round) % (slots - 1)
    }
}

/// [`polar_orthogonal_from`], and the number of Jacobi sweeps it took.
fn polar_jacobi(
    f: ArrayView2<f64>,
    start: Option<ArrayView2<f64>>,
) -> (Array2<f64>, Array2<f64>, usize) {
    let d = f.nrows();
    // Columns as rows of the transposes: column p of U is `ut[p*d..]`.
    let (mut ut, mut rt): (Vec<f64>, Vec<f64>) = match start {
        Some(r0) => (
            f.dot(&r0).t().iter().copied().collect(),
            r0.t().iter().copied().collect(),
        ),
        None => (
            f.t().iter().copied().collect(),
            Array2::<f64>::eye(d).into_raw_vec_and_offset().0,
        ),
    };
    // Four partial sums, so the products can go four at a time.
    let dot = |a: &[f64], b: &[f64]| {
        let mut acc = [0.0; 4];
        let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
        let tail: f64 = ca
            .remainder()
            .iter()
            .zip(cb.remainder())
            .map(|(x, y)| x * y)
            .sum();
        for (x, y) in ca.zip(cb) {
            for l in 0..4 {
                acc[l] += x[l] * y[l];
            }
        }
        (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
    };
    // Squared column norms, fresh each sweep and carried through its
    // rotations (a rotation by t moves t·γ from one to the other).
    let mut norms = vec![0.0; d];
    // Columns 0..d on the circle, one slot more when d is odd (its partner sits out).
    let slots = d + d % 2;
    let (mut pairs, mut cs) = (Vec::with_capacity(slots / 2), Vec::with_capacity(slots / 2));
    let mut sweeps = 0;
    for _ in 0..100 {
        sweeps += 1;
        let mut rotated = false;
        // The largest γ²/(αβ) of the sweep: once |γ|/√(αβ) is below 1e-8, the
        // next sweep's would be below its square (Jacobi converges
        // quadratically), under the 1e-15 at which no rotation is made.
        let mut worst = 0.0f64;
        for (p, v) in norms.iter_mut().enumerate() {
            let up = &ut[p * d..(p + 1) * d];
            *v = dot(up, up);
        }
        // A column whose norm is below 1e-14 of the largest is a zero
        // singular value's (completed below): rotating against it only
        // chases rounding (γ²/(αβ) need not fall when α or β is nil), so a
        // rank-deficient F would take all 100 sweeps.
        let negligible = 1e-28 * norms.iter().copied().fold(0.0, f64::max);
        // The pairs in rounds of disjoint ones (the circle method): a round's
        // rotations do not depend on one another, so their scalar work (two
        // divisions, two roots each) runs side by side instead of in one
        // chain, and they apply in any order.
        for round in 0..slots - 1 {
            pairs.clear();
            for i in 0..slots / 2 {
                let (a, b) = (circle(round, i, slots), circle(round, slots - 1 - i, slots));
                let (p, q) = (a.min(b), a.max(b));
                if q >= d || norms[p] <= negligible || norms[q] <= negligible {
                    continue;
                }
                let gamma = dot(&ut[p * d..(p + 1) * d], &ut[q * d..(q + 1) * d]);
                // |γ| ≤ 1e-15 √(αβ), without the root.
                let (g2, ab) = (gamma * gamma, norms[p] * norms[q]);
                if g2 <= 1e-30 * ab || gamma == 0.0 {
                    continue;
                }
                worst = worst.max(g2 / ab);
                pairs.push((p, q, gamma));
            }
            rotated |= !pairs.is_empty();
            cs.clear();
            cs.extend(pairs.iter().map(|&(p, q, gamma)| {
                let (alpha, beta) = (norms[p], norms[q]);
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let t = if zeta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (1.0 + t * t).sqrt();
                (t, c, c * t)
            }));
            for (&(p, q, gamma), &(t, c, s)) in pairs.iter().zip(&cs) {
                norms[p] -= t * gamma;
                norms[q] += t * gamma;
                for m in [&mut ut, &mut rt] {
                    let (lo, hi) = m.split_at_mut(q * d);
                    let (cp, cq) = (&mut lo[p * d..(p + 1) * d], &mut hi[..d]);
                    for k in 0..d {
                        let (vp, vq) = (cp[k], cq[k]);
                        cp[k] = c * vp - s * vq;
                        cq[k] = s * vp + c * vq;
                    }
                }
            }
        }
        if !rotated || worst < 1e-16 {
            break;
        }
    }
    let mut u = Array2::from_shape_vec((d, d), ut)
        .expect("d × d")
        .reversed_axes();
    let r = Array2::from_shape_vec((d, d), rt)
        .expect("d × d")
        .reversed_axes();
    // Columns of U are P's columns scaled by the singular values; a zero
    // singular value leaves its column of P free: complete P to an orthonormal
    // basis with the unit vectors (for F = 0, P = R = I as LAPACK returns).
    let largest = (0..d)
        .map(|c| u.column(c).dot(&u.column(c)).sqrt())
        .fold(0.0, f64::max);
    let mut zero = Vec::new();
    for c in 0..d {
        let norm = u.column(c).dot(&u.column(c)).sqrt();
        if norm > 1e-14 * largest && norm > 0.0 {
            u.column_mut(c).mapv_inplace(|v| v / norm);
        } else {
            zero.push(c);
        }
    }
    if zero.len() == d {
        return (Array2::eye(d), Array2::eye(d), sweeps);
    }
    let mut e = 0;
    for c in zero {
        loop {
            let mut v = ndarray::Array1::<f64>::zeros(d);
            v[e % d] = 1.0;
            e += 1;
            for o in 0..d {
                let col = u.column(o).to_owned();
                if o != c && col.dot(&col) > 0.5 {
                    let p = v.dot(&col);
                    v.scaled_add(-p, &col);
                }
            }
            let norm = v.dot(&v).sqrt();
            if norm > 1e-6 {
                u.column_mut(c).assign(&(v / norm));
                break;
            }
        }
    }
    (u.dot(&r.t()), r, sweeps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Each sweep's rounds meet every pair of columns exactly once, each
    /// column at most once a round (odd d: one sits out each round).
    #[test]
    fn the_circle_meets_every_pair_once() {
        for d in 1..=9 {
            let slots = d + d % 2;
            let mut met = vec![0; d * d];
            for round in 0..slots.saturating_sub(1) {
                let mut seen = vec![false; slots];
                for i in 0..slots / 2 {
                    let (a, b) = (circle(round, i, slots), circle(round, slots - 1 - i, slots));
                    assert!(a != b && !seen[a] && !seen[b], "d {d} round {round}");
                    seen[a] = true;
                    seen[b] = true;
                    if a.max(b) < d {
                        met[a.min(b) * d + a.max(b)] += 1;
                    }
                }
            }
            for p in 0..d {
                for q in (p + 1)..d {
                    assert_eq!(met[p * d + q], 1, "d {d}: ({p}, {q})");
                }
            }
        }
    }

    /// The values alone are the decomposition's, bit for bit (the same
    /// rotations, the vectors not accumulated).
    #[test]
    fn eigenvalues_alone_are_the_decompositions() {
        for (d, seed) in [(1, 1.0), (2, 2.0), (5, 3.0), (13, 4.0)] {
            let b = Array2::from_shape_fn((d, d), |(i, j)| {
                ((i * 7 + j * 3) as f64 * 0.37 + seed).sin()
            });
            let a = b.t().dot(&b);
            let (values, vectors) = symmetric_eigen(a.view());
            assert_eq!(symmetric_eigenvalues(a.view()), values);
            // And a decomposition: A V = V diag(values).
            let av = a.dot(&vectors);
            for c in 0..d {
                for r in 0..d {
                    let want = vectors[[r, c]] * values[c];
                    assert!((av[[r, c]] - want).abs() < 1e-12 * values[0].max(1.0));
                }
            }
        }
    }

    /// A rank-deficient F (rank 2 of 6, as the common-orientation M-steps
    /// meet with fewer points than features): the Jacobi sweeps stop, no
    /// rotating against the nil columns' rounding for all 100; P is still
    /// orthogonal with PᵀF symmetric positive semi-definite.
    #[test]
    fn a_rank_deficient_polar_factor_takes_few_sweeps() {
        let a = Array2::from_shape_fn((6, 2), |(i, j)| ((i * 7 + j * 3) % 5) as f64 - 1.7);
        let b = Array2::from_shape_fn((2, 6), |(i, j)| ((i * 5 + j * 2) % 7) as f64 * 0.3 - 0.8);
        let f = a.dot(&b);
        let (p, _, sweeps) = polar_jacobi(f.view(), None);
        assert!(sweeps <= 10, "{sweeps} sweeps");
        let eye = p.t().dot(&p);
        let h = p.t().dot(&f);
        for i in 0..6 {
            for j in 0..6 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((eye[[i, j]] - want).abs() < 1e-12, "PᵀP {eye}");
                assert!((h[[i, j]] - h[[j, i]]).abs() < 1e-12, "PᵀF {h}");
            }
        }
        let (values, _) = symmetric_eigen(((&h + &h.t()) * 0.5).view());
        assert!(values.iter().all(|&v| v > -1e-12), "{values:?}");
    }

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
    fn eigen_of_a_hand_matrix() {
        // [[2, 1], [1, 2]]: eigenvalues 3 and 1, vectors (1, 1)/√2 and (1, −1)/√2.
        let (vals, vecs) = symmetric_eigen(array![[2.0, 1.0], [1.0, 2.0]].view());
        assert!((vals[0] - 3.0).abs() < 1e-14 && (vals[1] - 1.0).abs() < 1e-14);
        let h = 0.5f64.sqrt();
        assert!((vecs[[0, 0]].abs() - h).abs() < 1e-14);
        assert!((vecs[[0, 0]] - vecs[[1, 0]]).abs() < 1e-14);
        assert!((vecs[[0, 1]] + vecs[[1, 1]]).abs() < 1e-14);
        let a = array![[4.0, 1.0, 0.5], [1.0, 3.0, -0.2], [0.5, -0.2, 1.0]];
        let (vals, v) = symmetric_eigen(a.view());
        let back = v
            .dot(&Array2::from_diag(&ndarray::Array1::from(vals)))
            .dot(&v.t());
        for (x, y) in back.iter().zip(a.iter()) {
            assert!((x - y).abs() < 1e-13);
        }
    }

    #[test]
    fn polar_factor_of_a_rotation_times_spd() {
        // F = Q S with Q a rotation and S symmetric positive definite: the polar factor is Q.
        let (c, s) = (0.6, 0.8);
        let q = array![[c, -s], [s, c]];
        let f = q.dot(&array![[3.0, 1.0], [1.0, 2.0]]);
        let p = polar_orthogonal(f.view());
        for (x, y) in p.iter().zip(q.iter()) {
            assert!((x - y).abs() < 1e-13, "{p}");
        }
    }

    #[test]
    fn a_warm_started_polar_factor_is_the_cold_one() {
        // F = Q S (Q orthogonal, S symmetric positive definite) in 4-D; the
        // start is the rotation of a nearby matrix's factorisation.
        let f = array![
            [2.0, 0.3, -0.5, 0.1],
            [0.2, 1.5, 0.4, -0.3],
            [-0.6, 0.1, 3.0, 0.2],
            [0.3, -0.2, 0.1, 0.8]
        ];
        let (p, r) = polar_orthogonal_from(f.view(), None);
        assert_eq!(p, polar_orthogonal(f.view()));
        let near = &f
            + &array![
                [0.01, 0.0, 0.02, 0.0],
                [0.0, -0.01, 0.0, 0.01],
                [0.0, 0.03, 0.0, 0.0],
                [0.02, 0.0, 0.0, 0.01]
            ];
        let (cold, _) = polar_orthogonal_from(near.view(), None);
        let (warm, r2) = polar_orthogonal_from(near.view(), Some(r.view()));
        for (x, y) in warm.iter().zip(cold.iter()) {
            assert!((x - y).abs() < 1e-13, "{warm} vs {cold}");
        }
        // Both are orthogonal; so is the returned rotation.
        for m in [&warm, &r2] {
            let i: Array2<f64> = m.t().dot(&m.view());
            for ((a, b), v) in i.indexed_iter() {
                assert!((v - f64::from(u8::from(a == b))).abs() < 1e-13);
            }
        }
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
