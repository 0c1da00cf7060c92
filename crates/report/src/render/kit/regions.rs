//! k-means' regions: the nearest centroid of any point, the regions
//! painted on a raster, and the Voronoi edges as straight segments.

use ndarray::{Array2, ArrayView2};
use plotters::prelude::*;

use super::axes::ranges;
use super::raster::Raster;
use super::{Area, Chart, DResult};
use crate::palette;
use crate::study::Study;

/// Index of the nearest row of `centroids` for each row of `z`.
pub fn nearest(centroids: &Array2<f64>, z: ArrayView2<f64>) -> Vec<usize> {
    z.rows()
        .into_iter()
        .map(|p| {
            let mut best = (0, f64::INFINITY);
            for (j, c) in centroids.rows().into_iter().enumerate() {
                let d: f64 = p.iter().zip(c.iter()).map(|(a, b)| (a - b) * (a - b)).sum();
                if d < best.1 {
                    best = (j, d);
                }
            }
            best.0
        })
        .collect()
}

/// Paints each cell of a [`Raster`] of `step` pixels over `c` in a light
/// tint of the colour (`colors`) of its nearest centroid; returns the
/// raster and the cells' centroid indices.
pub fn paint_regions(
    c: &Chart,
    area: &Area,
    s: &Study,
    centroids: &Array2<f64>,
    colors: &[RGBColor],
    step: i32,
) -> DResult<(Raster, Vec<usize>)> {
    let raster = Raster::new(c, step);
    let z = s.view.lift_many(&raster.points);
    let labels = nearest(centroids, z.view());
    let tints: Vec<Option<RGBColor>> = labels
        .iter()
        .map(|&j| Some(palette::tint(colors[j], 0.84)))
        .collect();
    raster.paint(area, &tints)?;
    Ok((raster, labels))
}

/// k-means' Voronoi edges in the picture plane, as straight segments.
///
/// The edge between centroids i and j is where `|z − c_i|² = |z − c_j|²`,
/// linear in z; the view is affine, so it is a straight line in the picture
/// too. Each line is sampled across the picture and kept where i and j are
/// (jointly) the nearest centroids, giving the edge's segments (within the
/// picture [`ranges`] of `s`).
pub fn voronoi_segments(s: &Study, centroids: &Array2<f64>) -> Vec<[(f64, f64); 2]> {
    let (xr, yr) = ranges(s);
    let k = centroids.nrows();
    let origin = s.view.lift_many(&[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]);
    let c0 = origin.row(0).to_owned();
    let lx = &origin.row(1) - &c0;
    let ly = &origin.row(2) - &c0;
    let mut out = Vec::new();
    let m = 2000;
    for i in 0..k {
        for j in i + 1..k {
            let dc = &centroids.row(j) - &centroids.row(i);
            // 2 dc·(c0 + L p) = |c_j|² − |c_i|²  →  a·p = b.
            let ax = 2.0 * dc.dot(&lx);
            let ay = 2.0 * dc.dot(&ly);
            let b = centroids.row(j).dot(&centroids.row(j))
                - centroids.row(i).dot(&centroids.row(i))
                - 2.0 * dc.dot(&c0);
            if ax.abs() < 1e-300 && ay.abs() < 1e-300 {
                continue;
            }
            let pts: Vec<[f64; 2]> = (0..=m)
                .map(|t| {
                    let f = t as f64 / m as f64;
                    if ay.abs() >= ax.abs() {
                        let x = xr.0 + f * (xr.1 - xr.0);
                        [x, (b - ax * x) / ay]
                    } else {
                        let y = yr.0 + f * (yr.1 - yr.0);
                        [(b - ay * y) / ax, y]
                    }
                })
                .collect();
            let z = s.view.lift_many(&pts);
            let keep: Vec<bool> = pts
                .iter()
                .zip(z.rows())
                .map(|(p, zr)| {
                    if p[0] < xr.0 || p[0] > xr.1 || p[1] < yr.0 || p[1] > yr.1 {
                        return false;
                    }
                    let d = |c: usize| -> f64 {
                        zr.iter()
                            .zip(centroids.row(c).iter())
                            .map(|(a, b)| (a - b) * (a - b))
                            .sum()
                    };
                    let dij = 0.5 * (d(i) + d(j));
                    (0..k)
                        .filter(|&c| c != i && c != j)
                        .all(|c| d(c) >= dij * (1.0 - 1e-9))
                })
                .collect();
            let mut start: Option<usize> = None;
            for t in 0..=m + 1 {
                let on = t <= m && keep[t];
                match (on, start) {
                    (true, None) => start = Some(t),
                    (false, Some(s0)) => {
                        if t - 1 > s0 {
                            out.push([(pts[s0][0], pts[s0][1]), (pts[t - 1][0], pts[t - 1][1])]);
                        }
                        start = None;
                    }
                    _ => {}
                }
            }
        }
    }
    out
}
