//! `optics-reachability.png`: the reachability plot (one bar per point in
//! OPTICS' visiting order, its height the reachability distance; valleys
//! are clusters), coloured by the extracted cluster, beside the clusters in
//! the plane.

use std::path::Path;

use clusterlab_algos::Extras;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::scatter::{self, legend_row};
use super::{chart, render_png, style, text, title, Area, Axes, DResult, Mark, BODY};
use crate::error::ReportError;
use crate::palette;
use crate::study::Study;
use crate::tables::params_text;
use crate::Algorithm;

pub const SIZE: (u32, u32) = (1400, 760);

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    render_png(path, SIZE, |root| draw(root, s))
}

fn draw(root: &Area, s: &Study) -> DResult {
    let (w, h) = (SIZE.0 as i32, SIZE.1 as i32);
    let run = s.run(Algorithm::Optics).ok_or("OPTICS was not run")?;
    let fit = run.result.as_ref().map_err(|e| e.clone())?;
    let Extras::Optics {
        ordering,
        reachability,
        ..
    } = &fit.extras
    else {
        return Err("OPTICS returned no reachability".into());
    };
    let shown = run.shown.as_ref().unwrap_or(&fit.labels);
    title(
        root,
        w,
        &format!(
            "{}: OPTICS reachability plot ({} clusters, {} noise)",
            s.name, fit.n_clusters, fit.n_noise
        ),
    )?;
    text(
        root,
        &format!(
            "Points in the order OPTICS visits them; bar height = reachability distance. Valleys are dense regions (clusters). {}",
            params_text(&run.params)
        ),
        (w / 2, 50),
        &style(BODY, palette::MUTED, HPos::Center, VPos::Top),
    )?;
    let body = root.margin(80, 0, 0, 0);
    let (panels, foot) = body.split_vertically(h - 80 - 64);
    let (left, right) = panels.split_horizontally(880);
    let n = ordering.len();
    let finite: Vec<f64> = reachability
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let top = finite.iter().copied().fold(0.0, f64::max).max(1e-9) * 1.12;
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
            (top, RGBColor(220, 220, 220))
        };
        Rectangle::new([(pos as f64, 0.0), (pos as f64 + 1.0, hgt)], col.filled())
    });
    c.draw_series(bars)?;
    if let Some(eps) = run.params.get("eps").and_then(|v| v.as_f64()) {
        c.draw_series(DashedLineSeries::new(
            vec![(0.0, eps), (n as f64, eps)],
            10,
            6,
            palette::INK.stroke_width(2),
        ))?;
    }
    // The plane, same colours.
    if s.view.dim == 2 {
        let (xr, yr) = scatter::ranges(s);
        let ax2 = Axes::new(
            "clusters in the plane",
            xr,
            yr,
            &s.view.axis_labels[0],
            &s.view.axis_labels[1],
        );
        let mut c2 = chart(&right, &ax2)?;
        let idx = scatter::drawn(s.n);
        c2.draw_series(idx.iter().filter(|&&i| shown[i] < 0).map(|&i| {
            let q = s.view.point(i);
            Circle::new((q[0], q[1]), 2.5, palette::NOISE.filled())
        }))?;
        c2.draw_series(idx.iter().filter(|&&i| shown[i] >= 0).map(|&i| {
            let q = s.view.point(i);
            Circle::new((q[0], q[1]), 3.5, palette::cluster(shown[i]).filled())
        }))?;
    } else {
        let (xr, _) = scatter::ranges(s);
        let mut ax2 = Axes::new(
            "clusters on the line",
            xr,
            (0.0, 1.0),
            &s.view.axis_labels[0],
            "",
        );
        ax2.y_ticks = false;
        let mut c2 = chart(&right, &ax2)?;
        c2.draw_series((0..s.n).map(|i| {
            let q = s.view.point(i);
            Circle::new((q[0], 0.5), 8, palette::cluster(shown[i]).filled())
        }))?;
    }
    let mut ids: Vec<i64> = shown.iter().copied().filter(|&l| l >= 0).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut entries: Vec<(Mark, String)> = ids
        .iter()
        .take(10)
        .map(|&l| {
            (
                Mark::Swatch(palette::cluster(l)),
                format!("cluster {}", l + 1),
            )
        })
        .collect();
    if ids.len() > 10 {
        entries.push((Mark::None, format!("… {} clusters in all", ids.len())));
    }
    entries.push((Mark::Swatch(palette::NOISE), "noise".into()));
    entries.push((
        Mark::Swatch(RGBColor(220, 220, 220)),
        "undefined (∞): start of a new expansion".into(),
    ));
    legend_row(&foot, &entries, (40, 8), BODY, w - 80)?;
    let _ = &mut c;
    Ok(())
}
