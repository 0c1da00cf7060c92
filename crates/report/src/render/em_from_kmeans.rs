//! `em-from-kmeans.png`: EM started from k-means' labels. An arrow from each
//! k-means centroid to the mean EM ends at, EM's final ellipses, every point
//! in the colour of EM's final component, and the points whose component is
//! not their k-means cluster ringed; the log-likelihood of the start and of
//! the end in the title.

use std::path::Path;

use plotters::prelude::*;

use super::kit::{
    chart, draw_cross, drawn, ellipses, legend_row, missing_input, radius, render_png, to_px, Area,
    Axes, DResult, Entry, Header, Mark,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::Study;
use clusterlab_study::from_kmeans::EmFromKmeans;

pub const SIZE: (u32, u32) = (1200, 960);

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    let e = s
        .em_from_kmeans
        .as_ref()
        .map_err(|er| missing_input(path, er))?;
    render_png(path, SIZE, |root| draw(root, s, e))
}

/// An arrow in pixels from `a` to `b`: the shaft and a head of two strokes.
pub fn arrow(area: &Area, a: (i32, i32), b: (i32, i32), color: RGBColor, width: u32) -> DResult {
    area.draw(&PathElement::new(vec![a, b], color.stroke_width(width)))?;
    let (dx, dy) = ((b.0 - a.0) as f64, (b.1 - a.1) as f64);
    let len = (dx * dx + dy * dy).sqrt();
    if len < 1.0 {
        return Ok(());
    }
    let head = 16.0f64.min(len * 0.6);
    let (ux, uy) = (dx / len, dy / len);
    for turn in [0.45f64, -0.45] {
        let (c, s) = (turn.cos(), turn.sin());
        let (rx, ry) = (ux * c - uy * s, ux * s + uy * c);
        let tip = (
            b.0 - (rx * head).round() as i32,
            b.1 - (ry * head).round() as i32,
        );
        area.draw(&PathElement::new(vec![b, tip], color.stroke_width(width)))?;
    }
    Ok(())
}

fn draw(root: &Area, s: &Study, e: &EmFromKmeans) -> DResult {
    let m = &e.summary;
    let colors = palette::of_groups(&e.groups);
    let (plot, foot) = Header::new(
        format!(
            "{}: EM started from k-means' answer, log-likelihood {:.4} → {:.4} in {} iterations",
            s.name, m.start_log_likelihood, m.end_log_likelihood, m.n_iter
        ),
        format!(
            "Follow the arrows from each k-means centroid to where EM's mean ends; the {} ringed points ({:.1}%) end in another cluster than k-means gave them.",
            m.points_changed,
            100.0 * m.share_changed
        ),
    )
    .pca_note(s)
    .page(root, 80)?;
    let strip = s.view.dim == 1;
    let ax = if strip {
        Axes::strip("", s)
    } else {
        Axes::plane("", s)
    };
    let mut c = chart(&plot, &ax)?;
    let rad = if strip { 8.0 } else { radius(&c, &plot, s.n) };
    let at = |i: usize| {
        let q = s.view.point(i);
        (q[0], if strip { 0.35 } else { q[1] })
    };
    let idx = drawn(s.n);
    c.draw_series(
        idx.iter()
            .map(|&i| Circle::new(at(i), rad, colors[e.em_labels[i]].mix(0.75).filled())),
    )?;
    let ring = (rad + 3.0).max(5.0) as i32;
    for &i in idx.iter().filter(|&&i| e.em_labels[i] != e.km_labels[i]) {
        plot.draw(&Circle::new(
            to_px(&c, &plot, at(i)),
            ring,
            palette::INK.stroke_width(2),
        ))?;
    }
    if !strip {
        ellipses(&mut c, s, &e.model, &colors, 2)?;
    }
    let k = e.centroids.nrows();
    for j in 0..k {
        let from = s.view.project(e.centroids.row(j));
        let to = s.view.project(e.model.means().row(j));
        let y = |v: f64| if strip { 0.65 } else { v };
        let a = to_px(&c, &plot, (from[0], y(from[1])));
        let b = to_px(&c, &plot, (to[0], y(to[1])));
        arrow(&plot, a, b, WHITE, 6)?;
        arrow(&plot, a, b, palette::shade(colors[j], 0.35), 3)?;
        draw_cross(&plot, a, 11, palette::KMEANS_LINE)?;
        plot.draw(&Circle::new(b, 6, palette::shade(colors[j], 0.35).filled()))?;
    }
    let mut entries: Vec<Entry> = (0..k)
        .map(|j| (Mark::Dot(colors[j]), format!("EM component {}", j + 1)))
        .collect();
    if let Some(nz) = e.model.noise() {
        entries.push((
            Mark::Dot(palette::NOISE),
            format!("EM noise (uniform, π = {:.2})", nz.proportion),
        ));
    }
    entries.push((
        Mark::Cross(palette::KMEANS_LINE),
        "k-means centroid (the start)".into(),
    ));
    entries.push((
        Mark::Line(palette::INK, 3),
        "arrow: to EM's final mean".into(),
    ));
    entries.push((
        Mark::Ringed(WHITE, palette::INK),
        "changed cluster from k-means to EM".into(),
    ));
    legend_row(&foot, &entries, 10)?;
    Ok(())
}
