//! `convergence.png`: EM's mean log-likelihood per iteration for the four
//! covariance types at the study's k.

use std::path::Path;

use super::kit::{
    chart, covariance_curve, fit_text, legend_row, padded, render_png, Area, Axes, DResult, Entry,
    Header, Mark, BODY,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::Study;

pub const SIZE: (u32, u32) = (1200, 780);

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    render_png(path, SIZE, |root| draw(root, s))
}

fn draw(root: &Area, s: &Study) -> DResult {
    let (plot, foot) = Header::new(
        format!(
            "{}: EM convergence for the four covariance types (k = {})",
            s.name, s.k
        ),
        format!(
            "Mean log-likelihood per point at each E-step. EM never lowers it; it stops when a step gains less than tol.{}",
            s.sweep.sample.map_or(String::new(), |m| format!(" Fitted on {m} of {} points.", s.n))
        ),
    )
    .page(root, 90)?;
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
    let y = padded(
        curves.iter().flat_map(|(_, r)| r.0.iter().copied()),
        0.06,
        1e-3,
    );
    let mut ax = Axes::new(
        "",
        (0.5, max_it as f64 + 0.5),
        y,
        "iteration",
        "mean log-likelihood per point",
    );
    ax.x_integer = true;
    let mut c = chart(&plot, &ax)?;
    for (t, r) in &curves {
        let pts: Vec<(f64, f64)> =
            r.0.iter()
                .enumerate()
                .map(|(i, &v)| ((i + 1) as f64, v))
                .collect();
        covariance_curve(&mut c, &plot, *t, pts)?;
    }
    let entries: Vec<Entry> = s
        .sweep
        .curves
        .iter()
        .map(|cv| {
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
                    fit_text(e, BODY, 300)
                ),
            };
            (Mark::Line(palette::covariance(cv.covariance), 4), label)
        })
        .collect();
    legend_row(&foot, &entries, 8)?;
    Ok(())
}
