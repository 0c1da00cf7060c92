//! `em-vs-kmeans.png`: where EM differs from k-means. Both decision
//! boundaries over the plane (k-means' straight Voronoi edges dashed, EM's
//! curved ones solid), EM's uncertainty `1 − max_j r_j(x)` as grey shading,
//! the points whose most likely EM component is not their k-means cluster
//! ringed, and a caption saying how many differ and why.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::kit::{
    bold, chart, draw_centroids, drawn, frame, legend_row, lines, nearest, radius, render_pair_png,
    style, to_px, voronoi_segments, wrap, wrap_bold, Area, Axes, DResult, Entry, Header, Mark,
    Raster, BODY,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::{Pair, Study};

pub const SIZE: (u32, u32) = (1300, 1000);

/// Grey for uncertainty `u` out of the largest possible `umax = 1 − 1/k`.
pub fn shade(u: f64, umax: f64) -> RGBColor {
    let t = if umax > 0.0 {
        (u / umax).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let t = t.powf(0.6);
    let v = |hi: f64, lo: f64| (hi + (lo - hi) * t).round() as u8;
    RGBColor(v(255.0, 150.0), v(255.0, 150.0), v(255.0, 165.0))
}

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    render_pair_png(s, path, SIZE, draw)
}

fn draw(root: &Area, s: &Study, p: &Pair) -> DResult {
    let w = SIZE.0 as i32;
    let nd = p.differ.len();
    let finding = format!(
        "{nd} of {} points ({:.1}%) have an EM component (most likely) other than their k-means cluster: ringed below.",
        s.n,
        100.0 * nd as f64 / s.n.max(1) as f64
    );
    let title = format!("{}: where EM differs from k-means (k = {})", s.name, p.k);
    let (plot, foot) = Header::new(title, finding)
        .emphasised()
        .pca_note(s)
        .page(root, 150)?;
    if s.view.dim == 1 {
        plane_1d(&plot, s, p)?;
    } else {
        plane_2d(&plot, s, p)?;
    }
    // Legend row, then the caption.
    let umax = 1.0 - 1.0 / p.k.max(1) as f64;
    let mut entries: Vec<Entry> = vec![
        (
            Mark::Dashed(palette::KMEANS_LINE, 3),
            if s.view.dim == 1 {
                "k-means boundary (halfway)"
            } else {
                "k-means boundary (straight)"
            }
            .into(),
        ),
        (Mark::Line(palette::EM_LINE, 4), "EM boundary".into()),
        (
            Mark::Ringed(palette::NOISE, palette::INK),
            "EM ≠ k-means".into(),
        ),
    ];
    if let Some(nz) = p.em.model.noise() {
        entries.push((
            Mark::Dot(palette::NOISE),
            format!("EM noise (uniform, π = {:.2})", nz.proportion),
        ));
    }
    entries.push((
        Mark::Blend((0..5).map(|i| shade(umax * i as f64 / 4.0, umax)).collect()),
        format!("shading: EM uncertainty 1 − max r, 0 (white) to {umax:.2} (grey)"),
    ));
    let mut y = 6 + legend_row(&foot, &entries, 6)? + 8;
    // The caption: why they differ, the headline in bold.
    let told = crate::explain::tell(p);
    let (size, width) = (BODY + 1.0, (w - 100) as u32);
    let paragraphs = [
        (
            wrap_bold(&told.headline, size, width),
            bold(size, palette::INK, HPos::Left, VPos::Top),
        ),
        (
            wrap(&told.detail, size, width),
            style(size, palette::INK, HPos::Left, VPos::Top),
        ),
    ];
    for (para, st) in &paragraphs {
        y += lines(&foot, para, (50, y), 26, st)?;
    }
    Ok(())
}

/// EM at the raster points: labels, the background shade of each point (its
/// uncertainty 1 − max_j r_j), and the responsibilities themselves.
struct Shading {
    em: Vec<usize>,
    bg: Vec<Option<RGBColor>>,
    proba: ndarray::Array2<f64>,
}

fn em_shading(p: &Pair, z: &ndarray::Array2<f64>) -> DResult<Shading> {
    let proba =
        p.em.model
            .predict_proba(z.view())
            .map_err(|e| e.to_string())?;
    let em: Vec<usize> = clusterlab_em::argmax_rows(proba.view()).to_vec();
    let umax = 1.0 - 1.0 / p.k.max(1) as f64;
    let bg = proba
        .rows()
        .into_iter()
        .map(|r| Some(shade(1.0 - r.iter().copied().fold(0.0, f64::max), umax)))
        .collect();
    Ok(Shading { em, bg, proba })
}

fn plane_2d(area: &Area, s: &Study, p: &Pair) -> DResult {
    let colors = palette::of_groups(&p.groups);
    let mut ax = Axes::plane("", s);
    ax.grid = false;
    let mut c = chart(area, &ax)?;
    let raster = Raster::new(&c, if s.d > 2 { 2 } else { 1 });
    let z = s.view.lift_many(&raster.points);
    let Shading { em, bg, .. } = em_shading(p, &z)?;
    raster.paint(area, &bg)?;
    frame(&c, area)?;
    let rad = radius(&c, area, s.n);
    let em_labels = p.em_labels();
    c.draw_series(drawn(s.n).into_iter().map(|i| {
        let q = s.view.point(i);
        Circle::new((q[0], q[1]), rad, colors[em_labels[i]].mix(0.9).filled())
    }))?;
    // Boundaries over the points, then the rings on top.
    raster.paint_edges(area, &em, palette::EM_LINE)?;
    for seg in voronoi_segments(s, &p.km_centroids) {
        c.draw_series(DashedLineSeries::new(
            seg.to_vec(),
            14,
            9,
            WHITE.stroke_width(6),
        ))?;
        c.draw_series(DashedLineSeries::new(
            seg.to_vec(),
            14,
            9,
            palette::KMEANS_LINE.stroke_width(3),
        ))?;
    }
    for &i in &p.differ {
        let q = s.view.point(i);
        let px = to_px(&c, area, (q[0], q[1]));
        area.draw(&Circle::new(px, (rad + 4.0) as i32, WHITE.stroke_width(4)))?;
        area.draw(&Circle::new(
            px,
            (rad + 4.0) as i32,
            palette::INK.stroke_width(2),
        ))?;
        area.draw(&Circle::new(px, rad as i32, colors[em_labels[i]].filled()))?;
    }
    draw_centroids(&c, area, s, &p.km_centroids, 10)
}

fn plane_1d(area: &Area, s: &Study, p: &Pair) -> DResult {
    let colors = palette::of_groups(&p.groups);
    let mut ax = Axes::along("", s, (-0.2, 1.05), "EM responsibility r_j(x)");
    ax.grid = false;
    let mut c = chart(area, &ax)?;
    let raster = Raster::new(&c, 1);
    let z = s.view.lift_many(&raster.points);
    let km = nearest(&p.km_centroids, z.view());
    let Shading { em, bg, proba } = em_shading(p, &z)?;
    raster.paint(area, &bg)?;
    // Vertical boundaries: where the label changes along x (first raster row).
    let nx = raster.nx;
    for col in 1..nx {
        let x = raster.points[col][0];
        if em[col] != em[col - 1] {
            c.draw_series(std::iter::once(PathElement::new(
                vec![(x, -0.2), (x, 1.05)],
                palette::EM_LINE.stroke_width(4),
            )))?;
        }
        if km[col] != km[col - 1] {
            c.draw_series(DashedLineSeries::new(
                vec![(x, -0.2), (x, 1.05)],
                12,
                8,
                palette::KMEANS_LINE.stroke_width(3),
            ))?;
        }
    }
    frame(&c, area)?;
    for j in 0..p.k {
        let curve: Vec<(f64, f64)> = (0..nx)
            .map(|col| (raster.points[col][0], proba[[col, j]]))
            .collect();
        c.draw_series(LineSeries::new(curve, colors[j].stroke_width(3)))?;
    }
    let em_labels = p.em_labels();
    let y = -0.1;
    for i in drawn(s.n) {
        let q = s.view.point(i);
        let px = to_px(&c, area, (q[0], y));
        if p.differ.contains(&i) {
            area.draw(&Circle::new(px, 13, palette::INK.stroke_width(2)))?;
        }
        area.draw(&Circle::new(px, 8, colors[em_labels[i]].filled()))?;
    }
    Ok(())
}
