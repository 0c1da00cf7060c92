//! `hard-vs-soft.png`: k-means (solid colours, centroids, Voronoi regions)
//! beside EM (colours blended from the responsibilities, covariance ellipses
//! at 1σ and 2σ, point size and opacity from the confidence), on the same
//! axes with the clusters matched. 1-D data: strips with the fitted
//! densities drawn over them.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::scatter::{self, legend_row};
use super::{
    chart, render_pair_png, style, text, title, to_px, Area, Axes, Chart, DResult, Mark, Raster,
    BODY,
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
    let (w, h) = (SIZE.0 as i32, SIZE.1 as i32);
    title(
        root,
        w,
        &format!("{}: hard versus soft assignment (k = {})", s.name, p.k),
    )?;
    text(
        root,
        "k-means puts every point in exactly one cluster; EM gives every point a responsibility for each component.",
        (w / 2, 50),
        &style(BODY, palette::MUTED, HPos::Center, VPos::Top),
    )?;
    let top = 80 + scatter::draw_pca_note(root, s, w)?;
    let body = root.margin(top as u32, 0, 0, 0);
    let (panels, foot) = body.split_vertically(h - top - 110);
    let (left, right) = panels.split_horizontally(w / 2);
    if s.view.dim == 1 {
        kmeans_1d(&left, s, p)?;
        em_1d(&right, s, p)?;
    } else {
        kmeans_2d(&left, s, p)?;
        em_2d(&right, s, p)?;
    }
    // Legend: components, then what the marks mean.
    let mut entries: Vec<(Mark, String)> = (0..p.k)
        .map(|j| {
            (
                Mark::Dot(colors[j]),
                scatter::component_label(j, p.em.model.weights()[j]),
            )
        })
        .collect();
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
    legend_row(&foot, &entries, (40, 14), BODY, w - 80)?;
    Ok(())
}

fn kmeans_2d(area: &Area, s: &Study, p: &Pair) -> DResult {
    let colors = palette::of_groups(&p.groups);
    let (xr, yr) = scatter::ranges(s);
    let ax = Axes::new(
        "k-means: hard clusters and Voronoi regions",
        xr,
        yr,
        &s.view.axis_labels[0],
        &s.view.axis_labels[1],
    );
    let mut c = chart(area, &ax)?;
    let raster = Raster::new(&c, 2);
    let z = s.view.lift_many(&raster.points);
    let lab = scatter::nearest(&p.km_centroids, z.view());
    let cols: Vec<Option<RGBColor>> = lab
        .iter()
        .map(|&j| Some(palette::tint(colors[j], 0.84)))
        .collect();
    raster.paint(area, &cols)?;
    scatter::frame(&c, area)?;
    for seg in scatter::voronoi_segments(s, &p.km_centroids, xr, yr) {
        c.draw_series(std::iter::once(PathElement::new(
            seg.to_vec(),
            RGBColor(60, 60, 60).stroke_width(2),
        )))?;
    }
    let (l, _, r, _) = super::plot_rect(&c, area);
    let rad = scatter::radius(s.n, r - l);
    let idx = scatter::drawn(s.n);
    c.draw_series(idx.iter().map(|&i| {
        let q = s.view.point(i);
        Circle::new((q[0], q[1]), rad, colors[p.km_labels[i]].filled())
    }))?;
    for j in 0..p.k {
        let q = s.view.project(p.km_centroids.row(j));
        let px = to_px(&c, area, (q[0], q[1]));
        super::draw_cross(area, px, 11, palette::KMEANS_LINE)?;
    }
    Ok(())
}

fn em_2d(area: &Area, s: &Study, p: &Pair) -> DResult {
    let colors = palette::of_groups(&p.groups);
    let (xr, yr) = scatter::ranges(s);
    let title = format!(
        "EM ({} covariance): soft responsibilities",
        p.covariance.name()
    );
    let ax = Axes::new(
        &title,
        xr,
        yr,
        &s.view.axis_labels[0],
        &s.view.axis_labels[1],
    );
    let mut c = chart(area, &ax)?;
    let (l, _, r, _) = super::plot_rect(&c, area);
    let rad = scatter::radius(s.n, r - l);
    let mut idx = scatter::drawn(s.n);
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
    scatter::ellipses(&mut c, s, &p.em.model, &colors, 3)?;
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
            &style(super::SMALL, palette::INK, HPos::Center, VPos::Bottom),
        )?;
    }
    Ok(())
}

fn kmeans_1d(area: &Area, s: &Study, p: &Pair) -> DResult {
    let colors = palette::of_groups(&p.groups);
    let (xr, _) = scatter::ranges(s);
    let mut ax = Axes::new(
        "k-means: hard clusters, split halfway between centroids",
        xr,
        (0.0, 1.0),
        &s.view.axis_labels[0],
        "",
    );
    ax.y_ticks = false;
    let mut c = chart(area, &ax)?;
    let raster = Raster::new(&c, 2);
    let z = s.view.lift_many(&raster.points);
    let lab = scatter::nearest(&p.km_centroids, z.view());
    raster.paint(
        area,
        &lab.iter()
            .map(|&j| Some(palette::tint(colors[j], 0.84)))
            .collect::<Vec<_>>(),
    )?;
    let edges = raster.edges(&lab, false);
    raster.paint(
        area,
        &edges
            .iter()
            .map(|&e| e.then_some(RGBColor(60, 60, 60)))
            .collect::<Vec<_>>(),
    )?;
    scatter::frame(&c, area)?;
    let y = 0.45;
    c.draw_series(scatter::drawn(s.n).into_iter().map(|i| {
        let q = s.view.point(i);
        Circle::new((q[0], y), 9, colors[p.km_labels[i]].filled())
    }))?;
    point_names(&c, area, s, y)?;
    for j in 0..p.k {
        let q = s.view.project(p.km_centroids.row(j));
        let px = to_px(&c, area, (q[0], 0.2));
        super::draw_cross(area, px, 11, palette::KMEANS_LINE)?;
        text(
            area,
            &format!("μ = {:.2}", q[0]),
            (px.0, px.1 + 16),
            &style(super::SMALL, palette::INK, HPos::Center, VPos::Top),
        )?;
    }
    Ok(())
}

fn em_1d(area: &Area, s: &Study, p: &Pair) -> DResult {
    let colors = palette::of_groups(&p.groups);
    let (xr, _) = scatter::ranges(s);
    let comps = scatter::components_1d(s, &p.em.model);
    let curves: Vec<Vec<(f64, f64)>> = comps
        .iter()
        .map(|&(w, m, v)| scatter::density_curve(xr, w, m, v, 400))
        .collect();
    let total: Vec<(f64, f64)> = (0..=400)
        .map(|i| (curves[0][i].0, curves.iter().map(|cv| cv[i].1).sum()))
        .collect();
    let ymax = total.iter().map(|q| q.1).fold(0.0, f64::max) * 1.15;
    let title = "EM: weighted component densities π·N(x | μ, σ²)";
    let ax = Axes::new(
        title,
        xr,
        (-0.12 * ymax, ymax),
        &s.view.axis_labels[0],
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
    c.draw_series(scatter::drawn(s.n).into_iter().map(|i| {
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
