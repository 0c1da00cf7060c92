//! Pieces the scatter pictures share: ranges, the points drawn for large
//! data, nearest-centroid regions, component ellipses and 1-D densities,
//! and a horizontal legend.

use clusterlab_em::GmmModel;
use ndarray::{Array2, ArrayView2};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{draw_mark, plot_rect, style, text, text_width, Area, Chart, DResult, Mark};
use crate::palette;
use crate::study::Study;

/// Most points drawn in one panel (an even sample beyond).
pub const MAX_DRAWN: usize = 20_000;

/// The picture ranges of a study's plane (x, y), padded 5%.
pub fn ranges(s: &Study) -> ((f64, f64), (f64, f64)) {
    let x = s.view.range(0, if s.view.dim > 1 { 0.05 } else { 0.2 });
    let y = if s.view.dim > 1 {
        s.view.range(1, 0.05)
    } else {
        (0.0, 1.0)
    };
    (x, y)
}

/// The points drawn (all, or an even sample of [`MAX_DRAWN`]).
pub fn drawn(n: usize) -> Vec<usize> {
    clusterlab_study::fitting::even_sample(n, MAX_DRAWN)
}

/// Marker radius for `n` points in a panel about `w` pixels wide.
pub fn radius(n: usize, w: i32) -> f64 {
    let r = (w as f64 / 190.0) * (500.0 / n.max(1) as f64).powf(0.25);
    r.clamp(2.0, 8.0)
}

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

/// EM's responsibilities at picture points (lifted into the model's space).
pub fn proba_at(s: &Study, model: &GmmModel, pts: &[[f64; 2]]) -> Array2<f64> {
    let z = s.view.lift_many(pts);
    model.predict_proba(z.view()).unwrap_or_else(|_| {
        Array2::from_elem(
            (pts.len(), model.n_components()),
            1.0 / model.n_components() as f64,
        )
    })
}

/// Draws each component's ellipses at 1σ (solid) and 2σ (dashed), and its
/// mean, in the picture plane.
pub fn ellipses(
    c: &mut Chart,
    s: &Study,
    model: &GmmModel,
    colors: &[RGBColor],
    width: u32,
) -> DResult {
    let d = model.n_features();
    for j in 0..model.n_components() {
        let mean = s.view.project(model.means().row(j));
        let cov = s
            .view
            .project_cov(model.covariances().component_matrix(j, d).view());
        let col = palette::shade(colors[j], 0.25);
        // A white halo under each line keeps it readable over points.
        let one = super::ellipse(mean, cov, 1.0);
        let two = super::ellipse(mean, cov, 2.0);
        c.draw_series(std::iter::once(PathElement::new(
            one.clone(),
            WHITE.stroke_width(width + 3),
        )))?;
        c.draw_series(std::iter::once(PathElement::new(
            one,
            col.stroke_width(width),
        )))?;
        c.draw_series(DashedLineSeries::new(
            two,
            12,
            7,
            col.stroke_width(width.saturating_sub(1).max(1)),
        ))?;
        c.draw_series(std::iter::once(Circle::new(
            (mean[0], mean[1]),
            6,
            WHITE.filled(),
        )))?;
        c.draw_series(std::iter::once(Circle::new(
            (mean[0], mean[1]),
            4,
            col.filled(),
        )))?;
    }
    Ok(())
}

/// `π N(x | μ, σ²)` at `m` points over `range`.
pub fn density_curve(
    range: (f64, f64),
    weight: f64,
    mean: f64,
    var: f64,
    m: usize,
) -> Vec<(f64, f64)> {
    let sd = var.max(1e-300).sqrt();
    (0..=m)
        .map(|i| {
            let x = range.0 + (range.1 - range.0) * i as f64 / m as f64;
            let u = (x - mean) / sd;
            (
                x,
                weight * (-0.5 * u * u).exp() / (sd * (2.0 * std::f64::consts::PI).sqrt()),
            )
        })
        .collect()
}

/// Picture-space weights, means and variances of a 1-D view of `model`.
pub fn components_1d(s: &Study, model: &GmmModel) -> Vec<(f64, f64, f64)> {
    let d = model.n_features();
    (0..model.n_components())
        .map(|j| {
            let m = s.view.project(model.means().row(j))[0];
            let v = s
                .view
                .project_cov(model.covariances().component_matrix(j, d).view())[0][0];
            (model.weights()[j], m, v)
        })
        .collect()
}

/// A thin frame around the plotting area (rasters paint over the axis line).
pub fn frame(c: &Chart, area: &Area) -> DResult {
    let (l, t, r, b) = plot_rect(c, area);
    area.draw(&Rectangle::new(
        [(l, t), (r, b)],
        palette::MUTED.stroke_width(1),
    ))?;
    Ok(())
}

/// Draws legend entries left to right from `at`, wrapping at `max_w`;
/// returns the height used.
pub fn legend_row(
    area: &Area,
    entries: &[(Mark, String)],
    at: (i32, i32),
    size: f64,
    max_w: i32,
) -> DResult<i32> {
    let row_h = (size * 1.9) as i32;
    let (mut x, mut y) = at;
    for (m, t) in entries {
        let w = text_width(t, size) as i32 + if matches!(m, Mark::None) { 0 } else { 34 } + 26;
        if x + w > at.0 + max_w && x > at.0 {
            x = at.0;
            y += row_h;
        }
        if !matches!(m, Mark::None) {
            draw_mark(area, m, (x + 12, y + row_h / 2))?;
            text(
                area,
                t,
                (x + 34, y + row_h / 2),
                &style(size, palette::INK, HPos::Left, VPos::Center),
            )?;
        } else {
            text(
                area,
                t,
                (x, y + row_h / 2),
                &style(size, palette::MUTED, HPos::Left, VPos::Center),
            )?;
        }
        x += w;
    }
    Ok(y + row_h - at.1)
}

/// Ground-truth-free label of a component: "component 2 · π = 0.31".
pub fn component_label(j: usize, weight: f64) -> String {
    format!("component {} · π = {:.2}", j + 1, weight)
}

/// k-means' Voronoi edges in the picture plane, as straight segments.
///
/// The edge between centroids i and j is where `|z − c_i|² = |z − c_j|²`,
/// linear in z; the view is affine, so it is a straight line in the picture
/// too. Each line is sampled across the picture and kept where i and j are
/// (jointly) the nearest centroids, giving the edge's segments.
pub fn voronoi_segments(
    s: &Study,
    centroids: &Array2<f64>,
    xr: (f64, f64),
    yr: (f64, f64),
) -> Vec<[(f64, f64); 2]> {
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

/// Draws [`pca_note`] (if any) in small lines under a picture's subtitle,
/// centred in an area `w` pixels wide from y = 74; returns the height it used.
pub fn draw_pca_note(root: &Area, s: &Study, w: i32) -> DResult<i32> {
    let mut used = 0;
    if let Some(note) = pca_note(s) {
        for line in super::wrap(&note, super::SMALL, (w - 120) as u32) {
            text(
                root,
                &line,
                (w / 2, 74 + used),
                &style(super::SMALL, palette::MUTED, HPos::Center, VPos::Top),
            )?;
            used += 20;
        }
    }
    Ok(used)
}

/// A note for pictures of data with more than two features.
pub fn pca_note(s: &Study) -> Option<String> {
    s.view.is_pca().then(|| {
        format!(
            "{} features, drawn on their first two principal components; regions and boundaries are the models' slice through that plane at the data mean, so points off the plane can sit across a line.",
            s.d
        )
    })
}
