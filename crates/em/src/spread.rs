//! Data on which a covariance model has no maximum likelihood.
//!
//! If no row varies along some direction `v` (the data's scatter is rank
//! deficient: fewer rows than features, a column that is a combination of
//! others), every component mean lies on the same hyperplane `vᵀx = c` as
//! the rows, so a component free to turn an axis onto `v` can shrink its
//! variance there to zero at no cost in fit: the likelihood grows without
//! bound. That holds for every model whose orientation is not the identity
//! (EEE … VVV), at every k and from every start; with a constant column the
//! same holds for the diagonal models with a free shape (EEI, VEI, EVI,
//! VVI), and with all rows one point for every model. mclust answers NA
//! there; a fit with `reg_covar` only crawls toward the boundary the ridge
//! holds up (50 × 60 points, EVE: 1000 iterations, 38 s). A conjugate prior
//! (`--prior`) bounds the likelihood again, so it rules nothing out. On
//! such rows a uniform noise component has no density either: their
//! hypervolume is 0 ([`Spread::no_hypervolume`]).

use ndarray::{ArrayView2, Axis};

use crate::{linalg, CovarianceModel};

/// How far the rows of a data set spread: the rank of their scatter and the
/// columns with no spread at all.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    n: usize,
    d: usize,
    rank: usize,
    /// Columns (0-based) in which every row has the same value.
    flat: Vec<usize>,
}

impl Spread {
    /// The spread of the rows of `x`. A column is flat when every row has
    /// the same value in it. The rank is that of the correlation matrix of
    /// the other columns (so a column's units do not matter: values of
    /// 10⁶ beside values of 10⁻⁶ are not a shortfall), numerically: its
    /// eigenvalues at most `max(n, d) · ε` times the largest count as zero
    /// (rounding leaves a rank-deficient matrix's null eigenvalues near `ε`
    /// times the largest).
    pub fn of(x: ArrayView2<f64>) -> Spread {
        let (n, d) = x.dim();
        let flat: Vec<usize> = (0..d)
            .filter(|&m| {
                let c = x.column(m);
                c.iter().all(|v| *v == c[0])
            })
            .collect();
        let varied: Vec<usize> = (0..d).filter(|m| !flat.contains(m)).collect();
        if varied.is_empty() {
            return Spread {
                n,
                d,
                rank: 0,
                flat,
            };
        }
        let mut centred = x.select(Axis(1), &varied);
        let mean = centred.mean_axis(Axis(0)).expect("at least one row");
        centred -= &mean;
        for mut c in centred.columns_mut() {
            let norm = c.dot(&c).sqrt();
            c /= norm;
        }
        let correlation = centred.t().dot(&centred);
        let values = linalg::symmetric_eigenvalues(correlation.view());
        let tol = values[0] * n.max(d) as f64 * f64::EPSILON;
        let rank = values.iter().filter(|&&v| v > tol).count();
        Spread { n, d, rank, flat }
    }

    /// The rank of the rows' scatter (`d` when they vary in every direction).
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// How the rows fall short of spanning every dimension (`None` when
    /// they span them all): "all 4 rows are the same point", "the data's
    /// 50 rows span at most 49 of its 60 dimensions", ….
    fn shortfall(&self) -> Option<String> {
        let (n, d, rank) = (self.n, self.d, self.rank);
        if rank == d {
            return None;
        }
        Some(match (rank, n) {
            (0, 1) => "the data is one row".to_string(),
            (0, _) => format!("all {n} rows are the same point"),
            _ if n <= d => format!(
                "the data's {n} rows span at most {} of its {d} dimensions",
                n - 1
            ),
            _ => format!(
                "the data's rows span only {rank} of its {d} dimensions (a column is constant \
                 or a combination of others)"
            ),
        })
    }

    /// Why `model` has no maximum likelihood on these rows (at any k), or
    /// `None` when it may have one.
    pub fn rules_out(&self, model: CovarianceModel) -> Option<String> {
        let shortfall = self.shortfall();
        if self.rank == 0 {
            return Some(format!(
                "no maximum likelihood (mclust: NA): {}, so every component can shrink onto it",
                shortfall.unwrap_or_default()
            ));
        }
        let [_, shape, orientation] = model.letters();
        if let (true, Some(why)) = (matches!(orientation, 'E' | 'V'), shortfall) {
            return Some(format!(
                "no maximum likelihood (mclust: NA): {why}, so a component free to turn \
                 ({model}) can shrink to zero variance along a direction no row varies in"
            ));
        }
        if matches!(shape, 'E' | 'V') && orientation == 'I' {
            if let Some(&m) = self.flat.first() {
                return Some(format!(
                    "no maximum likelihood (mclust: NA): column {} has one value in every row, so \
                     a component free to shape its axes ({model}) can shrink to zero variance \
                     along it",
                    m + 1
                ));
            }
        }
        None
    }

    /// Why a uniform noise component has no density on these rows, or `None`.
    /// Its density is `1/V` over the data's hypervolume `V` (mclust's
    /// `hypvol`), and where the rows span fewer dimensions than the data
    /// has, the box of their principal components has no width in the
    /// others: `V` is 0 but for rounding (on 50 rows × 60 columns `ln V`
    /// came out −272, and the "noise" took 96 % of the points).
    pub fn no_hypervolume(&self) -> Option<String> {
        let fewer = if self.rank > 0 {
            ", or fit fewer columns (principal components, say)"
        } else {
            ""
        };
        self.shortfall().map(|why| {
            format!(
                "the noise component's density is 1/V over the data's hypervolume V, and V is 0 \
                 here: {why}; leave the noise out{fewer}"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    fn ruled_out(s: &Spread) -> Vec<&'static str> {
        CovarianceModel::ALL
            .iter()
            .filter(|m| s.rules_out(**m).is_some())
            .map(|m| m.name())
            .collect()
    }

    /// Four points in three dimensions span a 3-d affine space (full rank);
    /// three span a plane; a column that is the sum of two others leaves a
    /// plane too; a constant column is flat.
    #[test]
    fn the_rank_and_the_flat_columns_are_counted() {
        let four = array![
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [0.0, 2.0, 0.0],
            [0.0, 0.0, 3.0]
        ];
        let s = Spread::of(four.view());
        assert_eq!((s.rank(), s.flat.len()), (3, 0));
        assert!(ruled_out(&s).is_empty());

        let three = four.slice(ndarray::s![..3, ..]).to_owned();
        let s = Spread::of(three.view());
        // The third column is 0 in all three rows: flat as well.
        assert_eq!((s.rank(), s.flat.clone()), (2, vec![2]));
        assert_eq!(
            ruled_out(&s),
            ["EEI", "VEI", "EVI", "VVI", "EEE", "VEE", "EVE", "VVE", "EEV", "VEV", "EVV", "VVV"]
        );
        assert!(s
            .rules_out(CovarianceModel::VVE)
            .unwrap()
            .contains("3 rows span at most 2 of its 3 dimensions"));
        assert!(s
            .rules_out(CovarianceModel::VEI)
            .unwrap()
            .contains("column 3 has one value"));

        // 200 rows on the plane z = 0.1·x + 0.7·y (not representable
        // exactly, so rounding leaves a tiny null eigenvalue).
        let plane = Array2::from_shape_fn((200, 3), |(i, j)| {
            let (x, y) = (
                (i as f64 * 0.37).sin() * 3.0,
                (i as f64 * 1.3).cos() + 0.01 * i as f64,
            );
            [x, y, 0.1 * x + 0.7 * y][j]
        });
        let s = Spread::of(plane.view());
        assert_eq!((s.rank(), s.flat.len()), (2, 0));
        assert_eq!(
            ruled_out(&s),
            ["EEE", "VEE", "EVE", "VVE", "EEV", "VEV", "EVV", "VVV"]
        );
        assert!(s
            .rules_out(CovarianceModel::EEE)
            .unwrap()
            .contains("rows span only 2 of its 3 dimensions"));

        assert!(s
            .no_hypervolume()
            .unwrap()
            .contains("V is 0 here: the data's rows span only 2 of its 3 dimensions"));

        // Lifted off the plane by a little in one row: full rank again.
        let mut lifted = plane.clone();
        lifted[[7, 2]] += 1e-3;
        let s = Spread::of(lifted.view());
        assert_eq!(s.rank(), 3);
        assert!(ruled_out(&s).is_empty());
        assert_eq!(s.no_hypervolume(), None);
    }

    /// Units do not matter: columns of 10⁶ and 10⁻⁶ (variances 10²⁴
    /// apart) span the plane; the same columns with a third their sum do not.
    #[test]
    fn a_columns_units_are_not_a_shortfall() {
        let scaled = Array2::from_shape_fn((100, 2), |(i, j)| {
            let t = i as f64;
            [1e6 * (t * 0.3).sin(), 1e-6 * (t * 0.7).cos()][j]
        });
        let s = Spread::of(scaled.view());
        assert_eq!((s.rank(), s.flat.len()), (2, 0));
        assert!(ruled_out(&s).is_empty() && s.no_hypervolume().is_none());
        let with_sum = Array2::from_shape_fn((100, 3), |(i, j)| match j {
            2 => scaled[[i, 0]] * 1e-12 + scaled[[i, 1]],
            _ => scaled[[i, j]],
        });
        assert_eq!(Spread::of(with_sum.view()).rank(), 2);
    }

    /// All rows one point: every model, the spherical and one-feature ones too.
    #[test]
    fn one_point_rules_out_every_model() {
        let same = Array2::from_elem((5, 2), 1.5);
        let s = Spread::of(same.view());
        assert_eq!(s.rank(), 0);
        assert!(CovarianceModel::ALL
            .iter()
            .all(|m| s.rules_out(*m).is_some()));
        assert!(s
            .no_hypervolume()
            .unwrap()
            .ends_with("all 5 rows are the same point; leave the noise out"));
        let row = Array2::from_elem((1, 3), 0.5);
        assert!(Spread::of(row.view())
            .no_hypervolume()
            .unwrap()
            .contains("the data is one row"));
        let column = Array2::from_elem((5, 1), -2.0);
        assert!(Spread::of(column.view())
            .rules_out(CovarianceModel::E)
            .is_some());
        let varied = array![[0.0], [1.0], [3.0]];
        assert!(Spread::of(varied.view())
            .rules_out(CovarianceModel::V)
            .is_none());
    }
}
