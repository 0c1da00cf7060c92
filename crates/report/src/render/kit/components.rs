//! EM's components as drawn: ellipses at 1σ and 2σ in the picture plane,
//! and weighted densities `π·N(x | μ, σ²)` on a line.

use clusterlab_em::GmmModel;
use plotters::prelude::*;

use super::shapes::ellipse;
use super::{Chart, DResult};
use crate::palette;
use crate::study::Study;

/// Draws each component's ellipses at 1σ (solid, `width` px, over a white
/// halo) and 2σ (dashed), and its mean, in the picture plane, each in a
/// darker shade of its colour in `colors`.
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
        let one = ellipse(mean, cov, 1.0);
        let two = ellipse(mean, cov, 2.0);
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

/// Each component's `π N(x | μ, σ²)` on a 1-D view of `model`, at `m + 1`
/// evenly spaced points across `range`.
pub fn densities(s: &Study, model: &GmmModel, range: (f64, f64), m: usize) -> Vec<Vec<(f64, f64)>> {
    let d = model.n_features();
    (0..model.n_components())
        .map(|j| {
            let mean = s.view.project(model.means().row(j))[0];
            let var = s
                .view
                .project_cov(model.covariances().component_matrix(j, d).view())[0][0];
            density_curve(range, model.weights()[j], mean, var, m)
        })
        .collect()
}

/// `weight · N(x | mean, var)` at `m + 1` points over `range`.
fn density_curve(range: (f64, f64), weight: f64, mean: f64, var: f64, m: usize) -> Vec<(f64, f64)> {
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
