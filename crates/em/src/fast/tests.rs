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

/// Every compiled level of `log_prob` and `stats` against the formulas
/// written out one row at a time, on a block whose length is not a
/// multiple of any vector width.
#[test]
fn every_level_agrees_with_the_formulas() {
    // Feature counts that leave every remainder of the 8-, 4- and 2-wide
    // tiles; five components leave a last tile of one on every level.
    for d in [1, 2, 3, 5, 6, 8, 11, 13] {
        agreement_with_the_formulas(d, 3);
    }
    for d in [10, 15] {
        agreement_with_the_formulas(d, 5);
    }
}

fn agreement_with_the_formulas(d: usize, k: usize) {
    let rows = 203;
    let mut next = numbers(7 + d as u64);
    let mut b = Buffers::new(Second::Spherical, d, k);
    for a in 0..d {
        for i in 0..rows {
            b.xt[a * STRIDE + i] = 3.0 * next();
        }
    }
    let x = |b: &Buffers, i: usize, a: usize| b.xt[a * STRIDE + i];
    // Upper-triangular factors with a positive diagonal.
    let u: Vec<f64> = (0..k * d * d)
        .map(|e| {
            let (a, c) = ((e % (d * d)) / d, e % d);
            match a.cmp(&c) {
                std::cmp::Ordering::Less => 0.5 * next(),
                std::cmp::Ordering::Equal => 1.0 + next().abs(),
                std::cmp::Ordering::Greater => 0.0,
            }
        })
        .collect();
    let mu: Vec<f64> = (0..k * d).map(|_| next()).collect();
    let p: Vec<f64> = (0..k * d).map(|_| 0.5 + next().abs()).collect();
    let offset: Vec<f64> = (0..k).map(|_| next()).collect();
    let tied_u = &u[..d * d];
    // Diagonal and spherical means come scaled by 1/σ.
    let mu_diag: Vec<f64> = (0..k * d).map(|e| mu[e] * p[e]).collect();
    let mu_sph: Vec<f64> = (0..k * d).map(|e| mu[e] * p[e / d]).collect();
    let cases = [
        Factors::Full { u: &u, mu_u: &mu },
        Factors::Tied {
            u: tied_u,
            mu_u: &mu,
        },
        Factors::Diag { p: &p, m: &mu_diag },
        Factors::Spherical {
            p: &p[..k],
            m: &mu_sph,
        },
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
            let want: f64 = (0..d).map(|a| x(&b, i, a) * x(&b, i, a)).sum();
            close(b.xt[(d + 1) * STRIDE + i], want, "‖x‖²");
        }
        for f in &cases {
            log_prob_at(level, f, &offset, d, rows, &mut b);
            for j in 0..k {
                for i in 0..rows {
                    let q: f64 = (0..d)
                        .map(|a| {
                            let z = match f {
                                Factors::Full { u, mu_u } => {
                                    (0..=a)
                                        .map(|c| u[j * d * d + c * d + a] * x(&b, i, c))
                                        .sum::<f64>()
                                        - mu_u[j * d + a]
                                }
                                Factors::Tied { u, mu_u } => {
                                    (0..=a).map(|c| u[c * d + a] * x(&b, i, c)).sum::<f64>()
                                        - mu_u[j * d + a]
                                }
                                Factors::Diag { p, .. } => {
                                    (x(&b, i, a) - mu[j * d + a]) * p[j * d + a]
                                }
                                Factors::Spherical { p, .. } => {
                                    (x(&b, i, a) - mu[j * d + a]) * p[j]
                                }
                            };
                            z * z
                        })
                        .sum();
                    close(
                        b.logp[j * STRIDE + i],
                        offset[j] - 0.5 * q,
                        &format!("{level:?} log p"),
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
        for weighted in [false, true] {
            let wt = |i: usize| if weighted { w[i] } else { 1.0 };
            for i in 0..padded_rows {
                b.t[i] = if i < rows { wt(i) } else { 0.0 };
            }
            let r = |b: &Buffers, j: usize, i: usize| b.logp[j * STRIDE + i] * wt(i);
            for kind in [Second::Full, Second::Diag, Second::Spherical, Second::Total] {
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
                if kind == Second::Spherical {
                    for j in 0..k {
                        let want: f64 = (0..rows)
                            .map(|i| {
                                (0..d)
                                    .map(|a| r(&b, j, i) * x(&b, i, a).powi(2))
                                    .sum::<f64>()
                            })
                            .sum();
                        close(second[j], want, "spherical");
                    }
                }
                for j in 0..k {
                    close(nk[j], (0..rows).map(|i| r(&b, j, i)).sum(), "N");
                    for a in 0..d {
                        let want: f64 = (0..rows).map(|i| r(&b, j, i) * x(&b, i, a)).sum();
                        close(sx[j * d + a], want, "S");
                    }
                }
                for a in 0..d {
                    for c in 0..=a {
                        let moment = |j: Option<usize>| -> f64 {
                            (0..rows)
                                .map(|i| {
                                    j.map_or(wt(i), |j| r(&b, j, i)) * x(&b, i, a) * x(&b, i, c)
                                })
                                .sum()
                        };
                        match kind {
                            Second::Full => {
                                for j in 0..k {
                                    close(second[(j * d + a) * d + c], moment(Some(j)), "full");
                                }
                            }
                            Second::Diag if a == c => {
                                for j in 0..k {
                                    close(second[j * d + a], moment(Some(j)), "diagonal");
                                }
                            }
                            Second::Diag | Second::Spherical => {}
                            Second::Total => close(second[a * d + c], moment(None), "total"),
                        }
                    }
                }
            }
        }
    }
}

/// Every level's log-sum-exp against the formulas, per row and as a sum,
/// on a block whose length is not a multiple of any vector width, with
/// log densities from −800 to 0 so some terms underflow.
#[test]
fn every_level_normalises_like_the_formulas() {
    for (k, rows) in [(1, 13), (3, 203), (5, BLOCK), (7, 77), (11, 150)] {
        let mut next = numbers(k as u64);
        let logp: Vec<f64> = (0..k * STRIDE)
            .map(|_| {
                let u = next().abs();
                -800.0 * u * u * u
            })
            .collect();
        let max: Vec<f64> = (0..rows)
            .map(|i| {
                (0..k)
                    .map(|j| logp[j * STRIDE + i])
                    .fold(f64::MIN, f64::max)
            })
            .collect();
        let (logp_ref, max_ref) = (&logp, &max);
        let terms = |i: usize| (0..k).map(move |j| (logp_ref[j * STRIDE + i] - max_ref[i]).exp());
        let want_ll: Vec<f64> = (0..rows)
            .map(|i| max[i] + terms(i).sum::<f64>().ln())
            .collect();
        for level in levels() {
            let mut b = Buffers::new(Second::Full, 1, k);
            b.logp.copy_from_slice(&logp);
            let mut ll = vec![f64::NAN; rows];
            normalise_at(level, k, rows, &mut b, &mut RowLogLik::PerRow(&mut ll), &[]);
            for i in 0..rows {
                close(ll[i], want_ll[i], &format!("{level:?} ln p, row {i}"));
                for j in 0..k {
                    let want = (logp[j * STRIDE + i] - max[i]).exp() / terms(i).sum::<f64>();
                    let got = b.logp[j * STRIDE + i];
                    assert!((got - want).abs() <= 1e-14, "{level:?} r: {got} vs {want}");
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
