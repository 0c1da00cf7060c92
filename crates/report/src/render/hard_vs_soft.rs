//! `hard-vs-soft.png`: k-means (solid colours, centroids, Voronoi regions)
//! beside EM (colours blended from the responsibilities, covariance ellipses
//! at 1σ and 2σ, point size and opacity from the confidence), on the same
//! axes with the clusters matched. 1-D data: strips with the fitted
//! densities drawn over them.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::kit::{
    chart, densities, draw_centroids, draw_cross, drawn, ellipses, frame, legend_row,
    paint_regions, radius, ranges, render_pair_png, style, text, to_px, voronoi_segments, Area,
    Axes, Chart, DResult, Entry, Header, Mark, SMALL,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::{Pair, Study};

pub const SIZE: (u32, u32) = (1400, 840);

/// Draws the picture for `s` into `path`.
pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    render_pair_png(s, path, SIZE, draw)
}

/// Confidence in [0, 1]: 0 when the responsibilities are uniform, 1 when one is 1.
pub fn confidence(max_r: f64, k: usize) -> f64 {
    if k <= 1 {
        return 1.0;
    }
    let floor = 1.0 / k as f64;
    ((max_r - floor) / (1.0 - floor)).clamp(0.0, 1.0)
}

fn draw(root: &Area, s: &Study, p: &Pair) -> DResult {
    let colors = palette::of_groups(&p.groups);
    let (panels, foot) = Header::new(
        format!("{}: hard versus soft assignment (k = {})", s.name, p.k),
        "k-means puts every point in exactly one cluster; EM gives every point a responsibility for each component.",
    )
    .pca_note(s)
    .page(root, 110)?;
    let (left, right) = panels.split_horizontally(SIZE.0 as i32 / 2);
    if s.view.dim == 1 {
        kmeans_1d(&left, s, p)?;
        em_1d(&right, s, p)?;
    } else {
        kmeans_2d(&left, s, p)?;
        em_2d(&right, s, p)?;
    }
    // Legend: components (their shares of the mixture: with the noise
    // component, of the (1 − π₀) left to the Gaussians), then the marks.
    let noise = p.em.model.noise().map(|nz| nz.proportion);
    let share = 1.0 - noise.unwrap_or(0.0);
    let mut entries: Vec<Entry> = (0..p.k)
        .map(|j| {
            (
                Mark::Dot(colors[j]),
                format!(
                    "component {} · π = {:.2}",
                    j + 1,
                    share * p.em.model.weights()[j]
                ),
            )
        })
        .collect();
    if let Some(pi0) = noise {
        entries.push((Mark::Dot(palette::NOISE), format!("noise · π = {pi0:.2}")));
    }
    entries.push((Mark::Cross(palette::KMEANS_LINE), "k-means centroid".into()));
    if s.view.dim == 1 {
        entries.push((Mark::Line(palette::INK, 2), "EM mixture density".into()));
        entries.push((Mark::Line(palette::MUTED, 2), "π·N per component".into()));
    } else {
        entries.push((Mark::Line(palette::MUTED, 3), "EM 1σ ellipse".into()));
        entries.push((Mark::Dashed(palette::MUTED, 2), "2σ ellipse".into()));
    }
    let mix: Vec<RGBColor> = (0..=4)
        .map(|t| {
            let a = t as f64 / 4.0;
            let mut r = vec![0.0; p.k];
            r[0] = 1.0 - a;
            if p.k > 1 {
                r[1] = a;
            }
            palette::blend_with(&r, &colors)
        })
        .collect();
    entries.push((
        Mark::Blend(mix),
        "colour = responsibility-weighted mix".into(),
    ));
    entries.push((
        Mark::None,
        "small, faint points: EM is unsure (max responsibility near 1/k)".into(),
    ));
    legend_row(&foot, &entries, 14)?;
    Ok(())
}

fn kmeans_2d(area: &Area, s: &Study, p: &Pair) -> DResult {
    let colors = palette::of_groups(&p.groups);
    let ax = Axes::plane("k-means: hard clusters and Voronoi regions", s);
    let mut c = chart(area, &ax)?;
    paint_regions(&c, area, s, &p.km_centroids, &colors, 2)?;
    frame(&c, area)?;
    for seg in voronoi_segments(s, &p.km_centroids) {
        c.draw_series(std::iter::once(PathElement::new(
            seg.to_vec(),
            palette::EDGE.stroke_width(2),
        )))?;
    }
    let rad = radius(&c, area, s.n);
    c.draw_series(drawn(s.n).into_iter().map(|i| {
        let q = s.view.point(i);
        Circle::new((q[0], q[1]), rad, colors[p.km_labels[i]].filled())
    }))?;
    draw_centroids(&c, area, s, &p.km_centroids, 11)
}

pub(crate) fn em_2d(area: &Area, s: &Study, p: &Pair) -> DResult {
    let colors = palette::of_groups(&p.groups);
    let title = format!(
        "EM ({} covariance): soft responsibilities",
        p.covariance.name()
    );
    let mut c = chart(area, &Axes::plane(&title, s))?;
    let rad = radius(&c, area, s.n);
    let mut idx = drawn(s.n);
    // Confident points first, the unsure ones on top.
    idx.sort_by(|&a, &b| p.uncertainty(a).total_cmp(&p.uncertainty(b)));
    c.draw_series(idx.iter().map(|&i| {
        let q = s.view.point(i);
        let conf = confidence(1.0 - p.uncertainty(i), p.k);
        let col = palette::blend_row(p.em.responsibilities.row(i), &colors);
        Circle::new(
            (q[0], q[1]),
            rad * (0.5 + 0.5 * conf),
            col.mix(0.3 + 0.7 * conf).filled(),
        )
    }))?;
    ellipses(&mut c, s, &p.em.model, &colors, 3)?;
    Ok(())
}

/// Labels `x1`, `x2`, … for tiny data, as the seed's table names its points.
fn point_names(c: &Chart, area: &Area, s: &Study, y: f64) -> DResult {
    if s.n > 12 {
        return Ok(());
    }
    for i in 0..s.n {
        let q = s.view.point(i);
        let px = to_px(c, area, (q[0], y));
        text(
            area,
            &format!("x{}", i + 1),
            (px.0, px.1 - 14),
            &style(SMALL, palette::INK, HPos::Center, VPos::Bottom),
        )?;
    }
    Ok(())
}

fn kmeans_1d(area: &Area, s: &Study, p: &Pair) -> DResult {
    let colors = palette::of_groups(&p.groups);
    let ax = Axes::strip("k-means: hard clusters, split halfway between centroids", s);
    let mut c = chart(area, &ax)?;
    let (raster, lab) = paint_regions(&c, area, s, &p.km_centroids, &colors, 2)?;
    raster.paint_edges(area, &lab, palette::EDGE)?;
    frame(&c, area)?;
    let y = 0.45;
    c.draw_series(drawn(s.n).into_iter().map(|i| {
        let q = s.view.point(i);
        Circle::new((q[0], y), 9, colors[p.km_labels[i]].filled())
    }))?;
    point_names(&c, area, s, y)?;
    for j in 0..p.k {
        let q = s.view.project(p.km_centroids.row(j));
        let px = to_px(&c, area, (q[0], 0.2));
        draw_cross(area, px, 11, palette::KMEANS_LINE)?;
        text(
            area,
            &format!("μ = {:.2}", q[0]),
            (px.0, px.1 + 16),
            &style(SMALL, palette::INK, HPos::Center, VPos::Top),
        )?;
    }
    Ok(())
}

pub(crate) fn em_1d(area: &Area, s: &Study, p: &Pair) -> DResult {
    let colors = palette::of_groups(&p.groups);
    let curves = densities(s, &p.em.model, ranges(s).0, 400);
    let total: Vec<(f64, f64)> = (0..=400)
        .map(|i| (curves[0][i].0, curves.iter().map(|cv| cv[i].1).sum()))
        .collect();
    let ymax = total.iter().map(|q| q.1).fold(0.0, f64::max) * 1.15;
    let ax = Axes::along(
        "EM: weighted component densities π·N(x | μ, σ²)",
        s,
        (-0.12 * ymax, ymax),
        "density",
    );
    let mut c = chart(area, &ax)?;
    for (j, cv) in curves.iter().enumerate() {
        c.draw_series(std::iter::once(Polygon::new(
            fill_under(cv),
            colors[j].mix(0.18).filled(),
        )))?;
        c.draw_series(LineSeries::new(cv.clone(), colors[j].stroke_width(3)))?;
    }
    c.draw_series(LineSeries::new(total, palette::INK.stroke_width(2)))?;
    let y = -0.06 * ymax;
    c.draw_series(drawn(s.n).into_iter().map(|i| {
        let q = s.view.point(i);
        let conf = confidence(1.0 - p.uncertainty(i), p.k);
        Circle::new(
            (q[0], y),
            5.0 + 4.0 * conf,
            palette::blend_row(p.em.responsibilities.row(i), &colors)
                .mix(0.35 + 0.65 * conf)
                .filled(),
        )
    }))?;
    point_names(&c, area, s, y)?;
    Ok(())
}

/// The closed outline under a curve (down to y = 0), for a filled polygon.
fn fill_under(cv: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut v = Vec::with_capacity(cv.len() + 2);
    v.push((cv[0].0, 0.0));
    v.extend_from_slice(cv);
    v.push((cv[cv.len() - 1].0, 0.0));
    v
}
