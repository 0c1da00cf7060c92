//! `hdbscan.png`: HDBSCAN's clusters with each point's opacity from its
//! membership probability, noise marked ×, and the strongest GLOSH outliers
//! ringed.

use std::path::Path;

use plotters::prelude::*;

use super::kit::{
    chart, cluster_entries, draw_x, drawn, fitted, legend_row, radius, render_png, to_px, Area,
    Axes, DResult, Mark,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::Study;
use crate::Algorithm;

pub const SIZE: (u32, u32) = (1200, 960);
/// Share of points ringed as the strongest outliers.
pub const OUTLIER_SHARE: f64 = 0.02;

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    render_png(path, SIZE, |root| draw(root, s))
}

fn draw(root: &Area, s: &Study) -> DResult {
    let f = fitted(s, Algorithm::Hdbscan)?;
    let shown = f.shown;
    let probs: Vec<f64> = f
        .fit
        .scores
        .as_ref()
        .map(|sc| sc.probabilities.clone())
        .unwrap_or_else(|| {
            shown
                .iter()
                .map(|&l| if l < 0 { 0.0 } else { 1.0 })
                .collect()
        });
    let outl: Option<&Vec<f64>> = f.fit.scores.as_ref().map(|sc| &sc.outlier_scores);
    let (plot, foot) = f
        .header(
            s,
            "HDBSCAN",
            "Opacity = membership probability (how deep in its cluster a point lies).",
        )
        .page(root, 70)?;
    let strip = s.view.dim == 1;
    let ax = if strip {
        Axes::along("", s, (-0.06, 1.08), "membership probability")
    } else {
        Axes::plane("", s)
    };
    let mut c = chart(&plot, &ax)?;
    let rad = if strip { 9.0 } else { radius(&c, &plot, s.n) };
    let at = |i: usize| -> (f64, f64) {
        let q = s.view.point(i);
        // On a strip the height shows the membership probability.
        (
            q[0],
            if strip {
                probs[i].clamp(0.0, 1.0)
            } else {
                q[1]
            },
        )
    };
    let idx = drawn(s.n);
    for &i in idx.iter().filter(|&&i| shown[i] < 0) {
        draw_x(
            &plot,
            to_px(&c, &plot, at(i)),
            (rad * 0.8).max(3.0) as i32,
            palette::NOISE,
            2,
        )?;
    }
    c.draw_series(idx.iter().filter(|&&i| shown[i] >= 0).map(|&i| {
        let a = 0.15 + 0.85 * probs[i].clamp(0.0, 1.0);
        Circle::new(at(i), rad, palette::cluster(shown[i]).mix(a).filled())
    }))?;
    let mut ringed = 0;
    if let Some(o) = outl {
        let mut order: Vec<usize> = (0..s.n).collect();
        order.sort_by(|&a, &b| o[b].total_cmp(&o[a]));
        let m = ((OUTLIER_SHARE * s.n as f64).ceil() as usize).clamp(1, 50);
        for &i in order.iter().take(m).filter(|&&i| o[i] > 0.0) {
            plot.draw(&Circle::new(
                to_px(&c, &plot, at(i)),
                (rad + 5.0) as i32,
                palette::INK.stroke_width(2),
            ))?;
            ringed += 1;
        }
    }
    let mut entries = cluster_entries(shown, Mark::Dot);
    entries.push((Mark::XMark(palette::NOISE), "noise".into()));
    if ringed > 0 {
        entries.push((
            Mark::Ringed(WHITE, palette::INK),
            format!("{ringed} highest GLOSH outlier scores"),
        ));
    }
    entries.push((
        Mark::Blend(
            (0..5)
                .map(|t| palette::tint(palette::cluster(0), 0.85 - 0.2 * t as f64))
                .collect(),
        ),
        "membership probability 0 → 1".into(),
    ));
    legend_row(&foot, &entries, 8)?;
    Ok(())
}
