//! `convergence.png`: EM's mean log-likelihood per iteration for the four
//! covariance types at the study's k.

use std::path::Path;

use clusterlab_em::CovarianceType;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::scatter::legend_row;
use super::{chart, render_png, style, text, title, Area, Axes, DResult, Mark, BODY};
use crate::error::ReportError;
use crate::palette;
use crate::study::Study;

pub const SIZE: (u32, u32) = (1200, 780);

/// Colour of a covariance type in the EM pictures.
pub fn type_color(t: CovarianceType) -> RGBColor {
    match t {
        CovarianceType::Full => palette::CLUSTER[0],
        CovarianceType::Diag => palette::CLUSTER[1],
        CovarianceType::Spherical => palette::CLUSTER[2],
        CovarianceType::Tied => palette::CLUSTER[3],
    }
}

/// Draws the marker of a covariance type (shapes differ as well as colours).
pub fn type_marker(area: &Area, t: CovarianceType, (x, y): (i32, i32), c: RGBColor) -> DResult {
    match t {
        CovarianceType::Full => area.draw(&Circle::new((x, y), 6, c.filled()))?,
        CovarianceType::Diag => area.draw(&Rectangle::new(
            [(x - 5, y - 5), (x + 5, y + 5)],
            c.filled(),
        ))?,
        CovarianceType::Spherical => area.draw(&TriangleMarker::new((x, y), 7, c.filled()))?,
        CovarianceType::Tied => super::draw_x(area, (x, y), 6, c, 3)?,
    }
    Ok(())
}

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    render_png(path, SIZE, |root| draw(root, s))
}

fn draw(root: &Area, s: &Study) -> DResult {
    let (w, h) = (SIZE.0 as i32, SIZE.1 as i32);
    title(
        root,
        w,
        &format!(
            "{}: EM convergence for the four covariance types (k = {})",
            s.name, s.k
        ),
    )?;
    text(
        root,
        "Mean log-likelihood per point at each E-step. EM never lowers it; it stops when a step gains less than tol.",
        (w / 2, 50),
        &style(BODY, palette::MUTED, HPos::Center, VPos::Top),
    )?;
    let body = root.margin(80, 0, 0, 0);
    let (plot, foot) = body.split_vertically(h - 80 - 90);
    let curves: Vec<_> = s
        .sweep
        .curves
        .iter()
        .filter_map(|c| c.result.as_ref().ok().map(|r| (c.covariance, r)))
        .collect();
    let max_it = curves
        .iter()
        .map(|(_, r)| r.0.len())
        .max()
        .unwrap_or(1)
        .max(2);
    let vals: Vec<f64> = curves
        .iter()
        .flat_map(|(_, r)| r.0.iter().copied())
        .filter(|v| v.is_finite())
        .collect();
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let pad = ((hi - lo) * 0.06).max(1e-3);
    let mut ax = Axes::new(
        "",
        (0.5, max_it as f64 + 0.5),
        (lo - pad, hi + pad),
        "iteration",
        "mean log-likelihood per point",
    );
    ax.x_integer = true;
    let mut c = chart(&plot, &ax)?;
    for (t, r) in &curves {
        let col = type_color(*t);
        let pts: Vec<(f64, f64)> =
            r.0.iter()
                .enumerate()
                .map(|(i, &v)| ((i + 1) as f64, v))
                .collect();
        c.draw_series(LineSeries::new(pts.clone(), col.stroke_width(3)))?;
        if pts.len() <= 60 {
            for q in &pts {
                let px = super::to_px(&c, &plot, *q);
                type_marker(&plot, *t, px, col)?;
            }
        } else if let Some(q) = pts.last() {
            type_marker(&plot, *t, super::to_px(&c, &plot, *q), col)?;
        }
    }
    let mut entries: Vec<(Mark, String)> = Vec::new();
    for cv in &s.sweep.curves {
        let label = match &cv.result {
            Ok((lb, conv, it)) => format!(
                "{}: {} iterations, {}, final {:.3}",
                cv.covariance.name(),
                it,
                if *conv { "converged" } else { "not converged" },
                lb.last().copied().unwrap_or(f64::NAN)
            ),
            Err(e) => format!(
                "{}: failed ({})",
                cv.covariance.name(),
                super::fit_text(e, BODY, 300)
            ),
        };
        entries.push((Mark::Line(type_color(cv.covariance), 4), label));
    }
    legend_row(&foot, &entries, (40, 8), BODY, w - 80)?;
    let _ = &mut c;
    Ok(())
}
