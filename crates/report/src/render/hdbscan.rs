//! `hdbscan.png`: HDBSCAN's clusters with each point's opacity from its
//! membership probability, noise marked ×, and the strongest GLOSH outliers
//! ringed.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::scatter::{self, legend_row};
use super::{
    chart, draw_x, render_png, style, text, title, to_px, Area, Axes, DResult, Mark, BODY,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::Study;
use crate::tables::params_text;
use crate::Algorithm;

pub const SIZE: (u32, u32) = (1200, 960);
/// Share of points ringed as the strongest outliers.
pub const OUTLIER_SHARE: f64 = 0.02;

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    render_png(path, SIZE, |root| draw(root, s))
}

fn draw(root: &Area, s: &Study) -> DResult {
    let (w, h) = (SIZE.0 as i32, SIZE.1 as i32);
    let run = s.run(Algorithm::Hdbscan).ok_or("HDBSCAN was not run")?;
    let fit = run.result.as_ref().map_err(|e| e.clone())?;
    let shown = run.shown.as_ref().unwrap_or(&fit.labels);
    let probs: Vec<f64> = fit
        .scores
        .as_ref()
        .map(|sc| sc.probabilities.clone())
        .unwrap_or_else(|| {
            shown
                .iter()
                .map(|&l| if l < 0 { 0.0 } else { 1.0 })
                .collect()
        });
    let outl: Option<&Vec<f64>> = fit.scores.as_ref().map(|sc| &sc.outlier_scores);
    title(
        root,
        w,
        &format!(
            "{}: HDBSCAN ({} clusters, {} noise points)",
            s.name, fit.n_clusters, fit.n_noise
        ),
    )?;
    text(
        root,
        &format!(
            "Opacity = membership probability (how deep in its cluster a point lies). {}",
            params_text(&run.params)
        ),
        (w / 2, 50),
        &style(BODY, palette::MUTED, HPos::Center, VPos::Top),
    )?;
    let body = root.margin(80, 0, 0, 0);
    let (plot, foot) = body.split_vertically(h - 80 - 70);
    let (xr, yr) = scatter::ranges(s);
    let strip = s.view.dim == 1;
    let ax = Axes::new(
        "",
        xr,
        if strip { (-0.06, 1.08) } else { yr },
        &s.view.axis_labels[0],
        if strip {
            "membership probability"
        } else {
            &s.view.axis_labels[1]
        },
    );
    let mut c = chart(&plot, &ax)?;
    let (l, _, r, _) = super::plot_rect(&c, &plot);
    let rad = if strip {
        9.0
    } else {
        scatter::radius(s.n, r - l)
    };
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
    let idx = scatter::drawn(s.n);
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
    let mut ids: Vec<i64> = shown.iter().copied().filter(|&l| l >= 0).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut entries: Vec<(Mark, String)> = ids
        .iter()
        .take(10)
        .map(|&l| (Mark::Dot(palette::cluster(l)), format!("cluster {}", l + 1)))
        .collect();
    if ids.len() > 10 {
        entries.push((Mark::None, format!("… {} clusters in all", ids.len())));
    }
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
    legend_row(&foot, &entries, (40, 8), BODY, w - 80)?;
    let _ = &mut c;
    Ok(())
}
