//! The kernels at every SIMD level the CPU supports.

/// Each level's `vmath`, a vector at a time, for the tests.
#[cfg(test)]
mod lanes {
    // Tests call the levels directly, not the run-time choice.
    #![allow(dead_code)]
    use super::super::dispatch::*;
    #[cfg(target_arch = "x86_64")]
    use super::super::simd::{Avx2, Avx512};
    use super::super::simd::{Pair, Vector};

    /// `e^x` (`ln = false`) or `ln x` of each value.
    #[inline(always)]
    fn map_lanes_body<V: Vector, const NV: usize>(x: &[f64], out: &mut [f64], ln: bool) {
        for (xv, ov) in x.chunks_exact(V::W).zip(out.chunks_exact_mut(V::W)) {
            let v = V::load(xv);
            let y = if ln {
                v.ln_positive()
            } else {
                v.exp_nonpositive()
            };
            y.store(ov);
        }
    }

    dispatch!(grouped map_lanes, map_lanes_at, map_lanes_avx2, map_lanes_avx512, map_lanes_body, (x: &[f64], out: &mut [f64], ln: bool));
}

use super::dispatch::*;
use super::estep::{BLOCK, STRIDE};
use super::layout::Buffers;
use super::log_density::Factors;
use super::log_sum_exp::RowLogLik;
use super::stats::{dot, sum, LaneStats, Second};
use lanes::map_lanes_at;
use ndarray::{Array1, Array2, Array3, Axis};

use crate::model::CovarianceType;
use crate::reference::{
    log_det_factor, log_gaussian_density_diag, log_gaussian_density_full,
    log_gaussian_density_spherical, log_gaussian_density_tied, log_likelihoods,
    log_responsibilities, sufficient_statistics, LN_2PI,
};
use crate::stats::SecondMoments;

/// `f` of each level's `exp_nonpositive` (`ln = false`) or `ln_positive`
/// over `xs`, with the worst error `err(got, want)` against the standard library.
fn worst_lane_error(xs: &[f64], ln: bool, err: impl Fn(f64, f64) -> f64) -> f64 {
    let mut all: f64 = 0.0;
    let whole = xs.len() / 8 * 8;
    for level in levels() {
        let mut worst: f64 = 0.0;
        let mut out = vec![f64::NAN; whole];
        map_lanes_at(level, &xs[..whole], &mut out, ln);
        for (x, got) in xs.iter().zip(&out) {
            let want = if ln { x.ln() } else { x.exp() };
            let e = err(*got, want);
            assert!(e.is_finite(), "{level:?} at {x}: {got} vs {want}");
            worst = worst.max(e);
        }
        all = all.max(worst);
    }
    all
}

#[test]
fn exp_matches_std_to_an_ulp_at_every_level() {
    let xs: Vec<f64> = (0..51_000).map(|i| -0.0137 * i as f64).collect();
    let worst = worst_lane_error(&xs, false, |got, want| ((got - want) / want).abs());
    assert!(worst < 5e-16, "worst relative error {worst}");
    // The ends: exactly 1 at 0, and 0 far below (also at −∞).
    let ends = [
        0.0,
        -800.0,
        f64::NEG_INFINITY,
        -1e300,
        -0.0,
        -1e-300,
        -5e-17,
        -1.0,
    ];
    let mut padded = ends.to_vec();
    padded.resize(8, 0.0);
    for level in levels() {
        let mut out = [f64::NAN; 8];
        map_lanes_at(level, &padded, &mut out, false);
        assert_eq!(&out[..4], &[1.0, 0.0, 0.0, 0.0], "{level:?}");
        assert_eq!(&out[4..6], &[1.0, 1.0], "{level:?}");
        assert_eq!(out[6], 1.0 - 5e-17, "{level:?}");
        assert!(
            (out[7] - (-1.0f64).exp()).abs() <= f64::EPSILON / 2.0,
            "{level:?}"
        );
    }
}

#[test]
fn ln_matches_std_to_an_ulp_at_every_level() {
    // Either side of the √2 switch between mantissa ranges.
    let below = f64::from_bits(std::f64::consts::SQRT_2.to_bits() - 1);
    let above = f64::from_bits(std::f64::consts::SQRT_2.to_bits() + 1);
    let mut xs = vec![];
    let mut x: f64 = 1e-300;
    while x < 1e300 {
        xs.extend([x, x * 1.000_123_4, x * below, x * above, x * 1.9999]);
        x *= 1.37;
    }
    // The range the log-sum-exp sees most: 1 ≤ s ≤ k.
    xs.extend((0..50_000).map(|i| 1.0 + 0.0013 * i as f64));
    let abs_or_rel = |got: f64, want: f64| (got - want).abs() / want.abs().max(1.0);
    let worst = worst_lane_error(&xs, true, abs_or_rel);
    assert!(worst < 4e-16, "worst error {worst}");
    let exact = [1.0, 2.0, 0.5, 4.0, 1.0, 1.0, 1.0, 1.0];
    for level in levels() {
        let mut out = [f64::NAN; 8];
        map_lanes_at(level, &exact, &mut out, true);
        let ln2 = std::f64::consts::LN_2;
        assert_eq!(&out[..4], &[0.0, ln2, -ln2, 2.0 * ln2], "{level:?}");
    }
}

/// A deterministic stream of numbers in [−1, 1).
fn numbers(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

fn levels() -> Vec<Simd> {
    supported_levels()
}

fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-12 * (1.0 + want.abs()),
        "{what}: {got} vs {want}"
    );
}

/// Every compiled level of `log_prob` and `stats` against the reference
/// engine's equations (`reference::log_gaussian_density_*` plus `ln π_j`,
/// and the reference sufficient statistics), on a block whose length is not
/// a multiple of any vector width.
#[test]
fn every_level_agrees_with_the_reference() {
    // Feature counts that leave every remainder of the 8-, 4- and 2-wide
    // tiles; five components leave a last tile of one on every level.
    for d in [1, 2, 3, 5, 6, 8, 11, 13] {
        agreement_with_the_reference(d, 3);
    }
    for d in [10, 15] {
        agreement_with_the_reference(d, 5);
    }
}

/// Factors as the kernels take them, their offsets, and the reference's
/// `ln N(x_i | μ_j, Σ_j)` as a function of `(i, j)`.
type LogProbCase<'a> = (Factors<'a>, Vec<f64>, &'a dyn Fn(usize, usize) -> f64);

fn agreement_with_the_reference(d: usize, k: usize) {
    let rows = 203;
    let mut next = numbers(7 + d as u64);
    let mut b = Buffers::new(Second::Spherical, d, k);
    for a in 0..d {
        for i in 0..rows {
            b.xt[a * STRIDE + i] = 3.0 * next();
        }
    }
    // The block's rows as the reference sees them (the centre is 0).
    let xs = Array2::from_shape_fn((rows, d), |(i, a)| b.xt[a * STRIDE + i]);
    let zero = Array1::<f64>::zeros(d);
    // Upper-triangular factors with a positive diagonal.
    let u = Array3::from_shape_fn((k, d, d), |(_, a, c)| match a.cmp(&c) {
        std::cmp::Ordering::Less => 0.5 * next(),
        std::cmp::Ordering::Equal => 1.0 + next().abs(),
        std::cmp::Ordering::Greater => 0.0,
    });
    let mu = Array2::from_shape_fn((k, d), |_| next());
    let p = Array2::from_shape_fn((k, d), |_| 0.5 + next().abs());
    let ln_pi: Vec<f64> = (0..k).map(|_| -0.1 - next().abs()).collect();
    let uj = |j: usize| u.index_axis(Axis(0), j);
    let tied_u = uj(0);
    let flat = |a: &Array2<f64>| a.iter().copied().collect::<Vec<f64>>();
    // What the kernels take: μᵀU (full, tied), μ·p (diag, spherical), and
    // ln π_j + ln det U_j − ½ d ln 2π per component.
    let mu_u = flat(&Array2::from_shape_fn((k, d), |(j, a)| {
        (0..d).map(|c| mu[[j, c]] * u[[j, c, a]]).sum()
    }));
    let mu_tied = flat(&mu.dot(&tied_u));
    let mu_diag = flat(&(&mu * &p));
    let mu_sph = flat(&Array2::from_shape_fn((k, d), |(j, a)| {
        mu[[j, a]] * p[[j, 0]]
    }));
    let (u_flat, p_flat) = (u.iter().copied().collect::<Vec<f64>>(), flat(&p));
    let p_sph: Vec<f64> = (0..k).map(|j| p[[j, 0]]).collect();
    let half_d_ln_2pi = 0.5 * d as f64 * LN_2PI;
    let offsets = |ln_det: &dyn Fn(usize) -> f64| -> Vec<f64> {
        (0..k)
            .map(|j| ln_pi[j] + ln_det(j) - half_d_ln_2pi)
            .collect()
    };
    let cases: [LogProbCase; 4] = [
        (
            Factors::Full {
                u: &u_flat,
                mu_u: &mu_u,
            },
            offsets(&|j| log_det_factor(uj(j))),
            &|i, j| log_gaussian_density_full(xs.row(i), mu.row(j), uj(j)),
        ),
        (
            Factors::Tied {
                u: &u_flat[..d * d],
                mu_u: &mu_tied,
            },
            offsets(&|_| log_det_factor(tied_u)),
            &|i, j| log_gaussian_density_tied(xs.row(i), mu.row(j), tied_u),
        ),
        (
            Factors::Diag {
                p: &p_flat,
                m: &mu_diag,
            },
            offsets(&|j| p.row(j).iter().map(|v| v.ln()).sum()),
            &|i, j| log_gaussian_density_diag(xs.row(i), mu.row(j), p.row(j)),
        ),
        (
            Factors::Spherical {
                p: &p_sph,
                m: &mu_sph,
            },
            offsets(&|j| d as f64 * p_sph[j].ln()),
            &|i, j| log_gaussian_density_spherical(xs.row(i), mu.row(j), p_sph[j]),
        ),
    ];
    for level in levels() {
        augment_at(
            level,
            Second::Spherical,
            d,
            rows.next_multiple_of(32),
            &mut b.xt,
        );
        for i in 0..rows {
            let want = xs.row(i).dot(&xs.row(i));
            close(b.xt[(d + 1) * STRIDE + i], want, "‖x‖²");
        }
        for (f, offset, log_density) in &cases {
            log_prob_at(level, f, offset, d, rows, &mut b);
            for j in 0..k {
                for i in 0..rows {
                    close(
                        b.logp[j * STRIDE + i],
                        ln_pi[j] + log_density(i, j),
                        &format!("{level:?} ln π + ln N"),
                    );
                }
            }
        }
        // Statistics of positive "responsibilities", unweighted and
        // weighted, over whole row groups with the rows past the data zero.
        let padded_rows = rows.next_multiple_of(32);
        let w: Vec<f64> = (0..rows).map(|_| 0.1 + next().abs()).collect();
        for a in 0..d {
            b.xt[a * STRIDE + rows..a * STRIDE + padded_rows].fill(0.0);
        }
        for j in 0..k {
            for i in 0..padded_rows {
                let r = if i < rows { next().abs() } else { 0.0 };
                b.logp[j * STRIDE + i] = r;
                b.rw[j * STRIDE + i] = if i < rows { r * w[i] } else { 0.0 };
            }
        }
        let resp = Array2::from_shape_fn((rows, k), |(i, j)| b.logp[j * STRIDE + i]);
        let w = Array1::from(w);
        for weighted in [false, true] {
            let wv = weighted.then(|| w.view());
            for i in 0..padded_rows {
                b.t[i] = if i >= rows {
                    0.0
                } else if weighted {
                    w[i]
                } else {
                    1.0
                };
            }
            for (kind, ty) in [
                (Second::Full, CovarianceType::Full),
                (Second::Diag, CovarianceType::Diag),
                (Second::Spherical, CovarianceType::Spherical),
                (Second::Total, CovarianceType::Tied),
            ] {
                // The block as the kernels see it for this kind.
                let mut bk = Buffers::new(kind, d, k);
                bk.xt[..d * STRIDE].copy_from_slice(&b.xt[..d * STRIDE]);
                bk.logp.copy_from_slice(&b.logp);
                bk.rw.copy_from_slice(&b.rw);
                bk.t.copy_from_slice(&b.t);
                augment_at(level, kind, d, padded_rows, &mut bk.xt);
                let mut acc = LaneStats::new(kind, d, k);
                stats_at(level, d, padded_rows, &bk, weighted, &mut acc);
                let (nk, sx, second) = acc.totals();
                let want = sufficient_statistics(ty, xs.view(), wv, resp.view(), zero.view());
                for (got, want) in nk.iter().zip(&want.nk) {
                    close(*got, *want, &format!("{level:?} N"));
                }
                for (got, want) in sx.iter().zip(&want.sx) {
                    close(*got, *want, &format!("{level:?} S"));
                }
                // The kernels fill the lower triangle of d × d moments.
                let lower = |a: usize, c: usize| c <= a;
                match &want.second {
                    SecondMoments::PerComponent(q) => {
                        for ((j, a, c), want) in q.indexed_iter() {
                            if lower(a, c) {
                                close(second[(j * d + a) * d + c], *want, "full");
                            }
                        }
                    }
                    SecondMoments::Total(q) => {
                        for ((a, c), want) in q.indexed_iter() {
                            if lower(a, c) {
                                close(second[a * d + c], *want, "total");
                            }
                        }
                    }
                    SecondMoments::Diagonal(q) => {
                        for (got, want) in second.iter().zip(q) {
                            close(*got, *want, "diagonal");
                        }
                    }
                    SecondMoments::Spherical(q) => {
                        for (got, want) in second.iter().zip(q) {
                            close(*got, *want, "spherical");
                        }
                    }
                }
            }
        }
    }
}

/// Every level's log-sum-exp against the reference's `log_sum_exp` and
/// `log_responsibilities`, per row and as a sum, on a block whose length is
/// not a multiple of any vector width, with log densities from −800 to 0 so
/// some terms underflow.
#[test]
fn every_level_normalises_like_the_reference() {
    for (k, rows) in [(1, 13), (3, 203), (5, BLOCK), (7, 77), (11, 150)] {
        let mut next = numbers(k as u64);
        let logp: Vec<f64> = (0..k * STRIDE)
            .map(|_| {
                let u = next().abs();
                -800.0 * u * u * u
            })
            .collect();
        // Rows × components, as the reference takes them.
        let weighted_log_prob = Array2::from_shape_fn((rows, k), |(i, j)| logp[j * STRIDE + i]);
        let want_ll = log_likelihoods(weighted_log_prob.view());
        let want_r = log_responsibilities(weighted_log_prob.view(), want_ll.view()).mapv(f64::exp);
        for level in levels() {
            let mut b = Buffers::new(Second::Full, 1, k);
            b.logp.copy_from_slice(&logp);
            let mut ll = vec![f64::NAN; rows];
            normalise_at(level, k, rows, &mut b, &mut RowLogLik::PerRow(&mut ll), &[]);
            for i in 0..rows {
                close(ll[i], want_ll[i], &format!("{level:?} ln p, row {i}"));
                for j in 0..k {
                    // e^(ln r) carries the rounding of ln r, about ε·|ln p(x_i)|.
                    let (got, want) = (b.logp[j * STRIDE + i], want_r[[i, j]]);
                    let tol = 1e-15 * (1.0 + want_ll[i].abs());
                    assert!((got - want).abs() <= tol, "{level:?} r: {got} vs {want}");
                }
            }
            let responsibilities = b.logp.clone();
            b.logp.copy_from_slice(&logp);
            let mut total = 0.5;
            normalise_at(level, k, rows, &mut b, &mut RowLogLik::Sum(&mut total), &[]);
            let want: f64 = 0.5 + want_ll.iter().sum::<f64>();
            assert!(
                (total - want).abs() <= 1e-13 * want.abs(),
                "{level:?} Σ ln p: {total} vs {want}"
            );
            for i in 0..rows {
                for j in 0..k {
                    assert_eq!(b.logp[j * STRIDE + i], responsibilities[j * STRIDE + i]);
                }
            }
        }
    }
}

/// The fused diag/spherical E-step gives what `log_prob` then
/// `normalise` give, at every level, per row and as a sum.
#[test]
fn every_level_fuses_like_the_two_kernels() {
    for (d, k) in [(1, 1), (2, 3), (3, 5), (10, 8)] {
        let rows = 203;
        let mut next = numbers(11 + d as u64);
        let mut b = Buffers::new(Second::Spherical, d, k);
        for a in 0..d {
            for i in 0..rows {
                b.xt[a * STRIDE + i] = 2.0 * next();
            }
        }
        let p: Vec<f64> = (0..k * d).map(|_| 0.5 + next().abs()).collect();
        let m: Vec<f64> = (0..k * d).map(|_| next()).collect();
        let offset: Vec<f64> = (0..k).map(|_| next()).collect();
        let cases = [
            Factors::Diag { p: &p, m: &m },
            Factors::Spherical { p: &p[..k], m: &m },
        ];
        for level in levels() {
            augment_at(
                level,
                Second::Spherical,
                d,
                rows.next_multiple_of(32),
                &mut b.xt,
            );
            for f in &cases {
                let (mut want_ll, mut got_ll) = (vec![0.0; rows], vec![0.0; rows]);
                log_prob_at(level, f, &offset, d, rows, &mut b);
                normalise_at(
                    level,
                    k,
                    rows,
                    &mut b,
                    &mut RowLogLik::PerRow(&mut want_ll),
                    &[],
                );
                let want_r: Vec<f64> = b.logp[..k * STRIDE].to_vec();
                b.logp.fill(f64::NAN);
                fused_at(
                    level,
                    f,
                    &offset,
                    d,
                    rows,
                    &mut b,
                    &mut RowLogLik::PerRow(&mut got_ll),
                    &[],
                );
                for i in 0..rows {
                    close(got_ll[i], want_ll[i], &format!("{level:?} fused ln p"));
                    for j in 0..k {
                        let (got, want) = (b.logp[j * STRIDE + i], want_r[j * STRIDE + i]);
                        assert!((got - want).abs() <= 1e-12, "{level:?} r: {got} vs {want}");
                    }
                }
                let mut total = 0.0;
                fused_at(
                    level,
                    f,
                    &offset,
                    d,
                    rows,
                    &mut b,
                    &mut RowLogLik::Sum(&mut total),
                    &[],
                );
                let want: f64 = want_ll.iter().sum();
                assert!(
                    (total - want).abs() <= 1e-12 * want.abs(),
                    "{level:?} Σ ln p"
                );
            }
        }
    }
}

#[test]
fn every_level_transposes_like_the_definition() {
    for d in [1, 2, 7, 8, 10, 16, 19] {
        transposes_like_the_definition(d);
    }
}

fn transposes_like_the_definition(d: usize) {
    let rows = 203;
    let mut next = numbers(3);
    let flat: Vec<f64> = (0..rows * d).map(|_| next()).collect();
    let centre: Vec<f64> = (0..d).map(|_| next()).collect();
    for level in levels() {
        let mut xt = vec![f64::NAN; d * STRIDE];
        transpose_at(level, &flat, &centre, rows, &mut xt);
        for i in 0..rows {
            for a in 0..d {
                assert_eq!(xt[a * STRIDE + i], flat[i * d + a] - centre[a], "{level:?}");
            }
        }
    }
}

#[test]
fn dot_and_sum_by_hand() {
    let a: Vec<f64> = (1..=11).map(f64::from).collect();
    assert_eq!(sum(&a), 66.0);
    // Σ i² for i = 1..11 = 11·12·23/6 = 506.
    assert_eq!(dot(&a, &a), 506.0);
}
