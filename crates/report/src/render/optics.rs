//! `optics-reachability.png`: the reachability plot (one bar per point in
//! OPTICS' visiting order, its height the reachability distance; valleys
//! are clusters), coloured by the extracted cluster, beside the clusters in
//! the plane.

use std::path::Path;

use clusterlab_algos::Extras;
use plotters::prelude::*;

use super::kit::{
    chart, cluster_entries, drawn, fitted, legend_row, render_png, Area, Axes, DResult, Mark,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::Study;
use crate::Algorithm;

pub const SIZE: (u32, u32) = (1400, 760);

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    render_png(path, SIZE, |root| draw(root, s))
}

fn draw(root: &Area, s: &Study) -> DResult {
    let f = fitted(s, Algorithm::Optics)?;
    let Extras::Optics {
        ordering,
        reachability,
        ..
    } = &f.fit.extras
    else {
        return Err("OPTICS returned no reachability".into());
    };
    let shown = f.shown;
    let (panels, foot) = f
        .header(
            s,
            "OPTICS reachability plot",
            "Points in the order OPTICS visits them; bar height = reachability distance. Valleys are dense regions (clusters).",
        )
        .page(root, 64)?;
    let (left, right) = panels.split_horizontally(880);
    let n = ordering.len();
    let top = reachability
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.12;
    let ax = Axes::new(
        "reachability",
        (0.0, n as f64),
        (0.0, top),
        "cluster order (OPTICS visiting order)",
        "reachability distance",
    );
    let mut c = chart(&left, &ax)?;
    let bars = ordering.iter().enumerate().map(|(pos, &i)| {
        let r = reachability[i];
        let (hgt, col) = if r.is_finite() {
            (r, palette::cluster(shown[i]))
        } else {
            (top, palette::UNDEFINED)
        };
        Rectangle::new([(pos as f64, 0.0), (pos as f64 + 1.0, hgt)], col.filled())
    });
    c.draw_series(bars)?;
    if let Some(eps) = f.run.params.get("eps").and_then(|v| v.as_f64()) {
        c.draw_series(DashedLineSeries::new(
            vec![(0.0, eps), (n as f64, eps)],
            10,
            6,
            palette::INK.stroke_width(2),
        ))?;
    }
    // The plane, same colours.
    if s.view.dim == 2 {
        let mut c2 = chart(&right, &Axes::plane("clusters in the plane", s))?;
        let idx = drawn(s.n);
        c2.draw_series(idx.iter().filter(|&&i| shown[i] < 0).map(|&i| {
            let q = s.view.point(i);
            Circle::new((q[0], q[1]), 2.5, palette::NOISE.filled())
        }))?;
        c2.draw_series(idx.iter().filter(|&&i| shown[i] >= 0).map(|&i| {
            let q = s.view.point(i);
            Circle::new((q[0], q[1]), 3.5, palette::cluster(shown[i]).filled())
        }))?;
    } else {
        let mut c2 = chart(&right, &Axes::strip("clusters on the line", s))?;
        c2.draw_series((0..s.n).map(|i| {
            let q = s.view.point(i);
            Circle::new((q[0], 0.5), 8, palette::cluster(shown[i]).filled())
        }))?;
    }
    let mut entries = cluster_entries(shown, Mark::Swatch);
    entries.push((Mark::Swatch(palette::NOISE), "noise".into()));
    entries.push((
        Mark::Swatch(palette::UNDEFINED),
        "undefined (∞): start of a new expansion".into(),
    ));
    legend_row(&foot, &entries, 8)?;
    Ok(())
}
