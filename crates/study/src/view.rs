//! Where the pictures put the data: the plane (or line) every scatter plot is
//! drawn in, and the maps between it and the space the algorithms saw.
//!
//! The algorithms see `z`, the data (usually z-scored). Pictures show
//! * d = 1: a strip in the original units;
//! * d = 2: the plane in the original units (axes named by the features);
//! * d > 2: the first two principal components of `z` ("PC1 (73% var)").
//!
//! Each view is affine, `p = A (z − c)`, so a model fitted on `z` maps onto
//! the picture exactly: a mean to `A (μ − c)`, a covariance to `A Σ Aᵀ`.
//! `View::lift` maps a picture point back to `z` (for d > 2, the point on
//! the PC1–PC2 plane through the data mean), which is where decision
//! boundaries are evaluated.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

/// The projection of one dataset into its pictures.
#[derive(Debug, Clone)]
pub struct View {
    /// 1 (a strip) or 2 (a plane).
    pub dim: usize,
    /// `dim × d`: picture = `a · (z − c)`.
    a: Array2<f64>,
    /// `d`: the centre subtracted before `a`.
    c: Array1<f64>,
    /// `d × dim`: z = `c + lift · p`.
    lift: Array2<f64>,
    /// Axis titles (x, then y when `dim == 2`).
    pub axis_labels: Vec<String>,
    /// For principal components, the fraction of variance of PC1 and PC2.
    pub explained: Option<[f64; 2]>,
    /// Every point in picture coordinates (`n × dim`).
    pub points: Array2<f64>,
}

impl View {
    /// The view of data `z` whose original columns had `means` and standard
    /// deviations `stds` (z = (x − mean) / std; pass zeros and ones when
    /// the data was not standardised).
    pub fn new(z: ArrayView2<f64>, feature_names: &[String], means: &[f64], stds: &[f64]) -> View {
        let d = z.ncols();
        let (dim, a, c, lift, labels, explained) = if d <= 2 {
            // Original units: x = mean + std · z, so A = diag(std), c = −mean/std.
            let s: Vec<f64> = stds
                .iter()
                .map(|&s| if s > 0.0 { s } else { 1.0 })
                .collect();
            let a = Array2::from_diag(&Array1::from(s.clone()));
            let c = Array1::from_iter((0..d).map(|j| -means[j] / s[j]));
            let lift = Array2::from_diag(&Array1::from_iter(s.iter().map(|v| 1.0 / v)));
            let labels = feature_names.to_vec();
            (d, a, c, lift, labels, None)
        } else {
            let mean = z.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(d));
            let centred = &z - &mean;
            let cov = centred.t().dot(&centred) / (z.nrows().max(1) as f64);
            let (vals, vecs) = symmetric_eigen(&cov);
            let total: f64 = vals.iter().map(|v| v.max(0.0)).sum();
            let mut a = Array2::zeros((2, d));
            for r in 0..2 {
                let mut v = vecs.column(r).to_owned();
                // Fix the sign so the largest loading is positive (stable pictures).
                let big = v
                    .iter()
                    .copied()
                    .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
                if big < 0.0 {
                    v.mapv_inplace(|x| -x);
                }
                a.row_mut(r).assign(&v);
            }
            let frac = |i: usize| {
                if total > 0.0 {
                    vals[i].max(0.0) / total
                } else {
                    0.0
                }
            };
            let ex = [frac(0), frac(1)];
            let labels = vec![
                format!("PC1 ({:.0}% of variance)", 100.0 * ex[0]),
                format!("PC2 ({:.0}% of variance)", 100.0 * ex[1]),
            ];
            let lift = a.t().to_owned();
            (2, a, mean, lift, labels, Some(ex))
        };
        let points = (&z - &c).dot(&a.t());
        View {
            dim,
            a,
            c,
            lift,
            axis_labels: labels,
            explained,
            points,
        }
    }

    /// A point of `z` in picture coordinates (`[x, 0]` on a strip).
    pub fn project(&self, z: ArrayView1<f64>) -> [f64; 2] {
        let p = self.a.dot(&(&z - &self.c));
        [p[0], if self.dim > 1 { p[1] } else { 0.0 }]
    }

    /// A covariance of `z` as seen in the picture (`A Σ Aᵀ`; 1-D in `[0][0]`).
    pub fn project_cov(&self, cov: ArrayView2<f64>) -> [[f64; 2]; 2] {
        let m = self.a.dot(&cov).dot(&self.a.t());
        if self.dim > 1 {
            [[m[[0, 0]], m[[0, 1]]], [m[[1, 0]], m[[1, 1]]]]
        } else {
            [[m[[0, 0]], 0.0], [0.0, 0.0]]
        }
    }

    /// Picture points back in `z` (rows of `p`: `[x, y]`, y ignored on a strip).
    pub fn lift_many(&self, p: &[[f64; 2]]) -> Array2<f64> {
        let d = self.c.len();
        let mut out = Array2::zeros((p.len(), d));
        for (i, q) in p.iter().enumerate() {
            let mut row = out.row_mut(i);
            row.assign(&self.c);
            for r in 0..self.dim {
                row.scaled_add(q[r], &self.lift.column(r));
            }
        }
        out
    }

    /// Picture x (and y) of point `i`.
    pub fn point(&self, i: usize) -> [f64; 2] {
        [
            self.points[[i, 0]],
            if self.dim > 1 {
                self.points[[i, 1]]
            } else {
                0.0
            },
        ]
    }

    /// The range of the points along picture axis `axis`, padded by `pad`
    /// of its width on each side.
    pub fn range(&self, axis: usize, pad: f64) -> (f64, f64) {
        let col = self.points.column(axis);
        let lo = col.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !(lo.is_finite() && hi.is_finite()) {
            return (-1.0, 1.0);
        }
        let w = if hi > lo {
            hi - lo
        } else {
            1.0f64.max(lo.abs())
        };
        (lo - pad * w, hi + pad * w)
    }

    /// Whether the picture is principal components (d > 2).
    pub fn is_pca(&self) -> bool {
        self.explained.is_some()
    }
}

/// Eigenvalues (descending) and eigenvectors (columns, same order) of a
/// symmetric matrix, by cyclic Jacobi rotations.
pub fn symmetric_eigen(m: &Array2<f64>) -> (Vec<f64>, Array2<f64>) {
    let n = m.nrows();
    let mut a = m.clone();
    let mut v = Array2::<f64>::eye(n);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[[i, j]] * a[[i, j]])
            .sum();
        let scale: f64 = a.iter().map(|x| x * x).sum::<f64>().max(f64::MIN_POSITIVE);
        if off <= 1e-24 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[[p, q]];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (a[[q, q]] - a[[p, p]]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let akp = a[[k, p]];
                    let akq = a[[k, q]];
                    a[[k, p]] = c * akp - s * akq;
                    a[[k, q]] = s * akp + c * akq;
                }
                for k in 0..n {
                    let apk = a[[p, k]];
                    let aqk = a[[q, k]];
                    a[[p, k]] = c * apk - s * aqk;
                    a[[q, k]] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let vkp = v[[k, p]];
                    let vkq = v[[k, q]];
                    v[[k, p]] = c * vkp - s * vkq;
                    v[[k, q]] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| a[[j, j]].total_cmp(&a[[i, i]]));
    let vals = order.iter().map(|&i| a[[i, i]]).collect();
    let mut vecs = Array2::zeros((n, n));
    for (c, &i) in order.iter().enumerate() {
        vecs.column_mut(c).assign(&v.column(i));
    }
    (vals, vecs)
}

/// Eigen-decomposition of a symmetric 2 × 2 matrix: (λ1 ≥ λ2, angle of the
/// first eigenvector in radians).
pub fn eigen2(m: [[f64; 2]; 2]) -> (f64, f64, f64) {
    let (a, b, d) = (m[0][0], 0.5 * (m[0][1] + m[1][0]), m[1][1]);
    let tr = a + d;
    let disc = ((a - d) * (a - d) / 4.0 + b * b).sqrt();
    let l1 = tr / 2.0 + disc;
    let l2 = tr / 2.0 - disc;
    let angle = if b.abs() < 1e-300 {
        if a >= d {
            0.0
        } else {
            std::f64::consts::FRAC_PI_2
        }
    } else {
        (l1 - a).atan2(b)
    };
    (l1, l2, angle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn jacobi_matches_known_eigen() {
        let m = array![[4.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 1.0]];
        let (vals, vecs) = symmetric_eigen(&m);
        let l1 = 3.5 + (1.25f64).sqrt();
        assert!((vals[0] - l1).abs() < 1e-10);
        assert!((vals[2] - 1.0).abs() < 1e-10);
        let v = vecs.column(0);
        let mv = m.dot(&v);
        for i in 0..3 {
            assert!((mv[i] - l1 * v[i]).abs() < 1e-9);
        }
    }

    #[test]
    fn eigen2_angle() {
        let (l1, l2, ang) = eigen2([[1.0, 0.0], [0.0, 4.0]]);
        assert!((l1 - 4.0).abs() < 1e-12 && (l2 - 1.0).abs() < 1e-12);
        assert!((ang - std::f64::consts::FRAC_PI_2).abs() < 1e-12);
        let (l1, _, ang) = eigen2([[2.0, 1.0], [1.0, 2.0]]);
        assert!((l1 - 3.0).abs() < 1e-12);
        assert!((ang - std::f64::consts::FRAC_PI_4).abs() < 1e-12);
    }

    #[test]
    fn plane_view_roundtrips() {
        let z = array![[0.0, 1.0], [1.0, -1.0], [-1.0, 0.0]];
        let names = vec!["a".to_string(), "b".to_string()];
        let v = View::new(z.view(), &names, &[10.0, 5.0], &[2.0, 3.0]);
        let p = v.point(1);
        assert_eq!(p, [12.0, 2.0]);
        let back = v.lift_many(&[p]);
        assert!((back[[0, 0]] - 1.0).abs() < 1e-12 && (back[[0, 1]] + 1.0).abs() < 1e-12);
        let c = v.project_cov(array![[1.0, 0.0], [0.0, 1.0]].view());
        assert_eq!(c, [[4.0, 0.0], [0.0, 9.0]]);
    }

    #[test]
    fn pca_view_explains_variance() {
        let z = array![
            [1.0, 1.0, 0.0],
            [-1.0, -1.0, 0.1],
            [2.0, 2.0, -0.1],
            [-2.0, -2.0, 0.0]
        ];
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let v = View::new(z.view(), &names, &[0.0; 3], &[1.0; 3]);
        let ex = v.explained.unwrap();
        assert!(ex[0] > 0.99, "{ex:?}");
        assert!(v.axis_labels[0].starts_with("PC1 (100%"));
    }
}
