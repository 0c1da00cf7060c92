//! `em-to-kmeans.gif` and `em-to-kmeans.png`: EM's limit is k-means. Every
//! component shares one spherical variance σ², held fixed per frame and
//! shrunk geometrically from the data's scale; at each σ² the means and
//! weights are re-estimated until they settle. The points are coloured by
//! their responsibilities (blends harden into k-means' flat colours), the
//! circles (σ and 2σ around each mean) shrink to points, and each frame
//! names σ², the mean entropy of the responsibilities and the share of
//! points whose most responsible component is k-means' cluster. The PNG is
//! a strip of five frames (first, last and three between).

use std::path::Path;

use clusterlab_em::{Covariances, GmmModel};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::kit::gif::GifWriter;
use super::kit::{
    chart, densities, ellipses, missing_input, padded, radius, ranges, render_atomically,
    render_png, style, text, Area, Axes, DResult, Header, BODY, SMALL,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::Study;
use clusterlab_study::questions::{EmToKmeans, LimitFrame};

pub const GIF_SIZE: (u32, u32) = (900, 560);
pub const STRIP_SIZE: (u32, u32) = (1600, 560);
/// Frames in the strip.
pub const STRIP_FRAMES: usize = 5;
/// Milliseconds per GIF frame.
pub const DELAY_MS: u32 = 500;
/// Extra copies of the last frame.
pub const HOLD: usize = 2;

/// The frames of the strip: the first, the last and evenly between.
pub fn strip_indices(total: usize) -> Vec<usize> {
    if total <= STRIP_FRAMES {
        return (0..total).collect();
    }
    let mut v: Vec<usize> = (0..STRIP_FRAMES)
        .map(|i| (i * (total - 1)) / (STRIP_FRAMES - 1))
        .collect();
    v.dedup();
    v
}

pub fn render_gif(s: &Study, path: &Path) -> Result<(), ReportError> {
    let e = s
        .em_to_kmeans
        .as_ref()
        .map_err(|m| missing_input(path, m))?;
    render_atomically(path, |tmp| {
        let mut gif = GifWriter::create(tmp, GIF_SIZE, DELAY_MS)?;
        let total = e.frames.len();
        for i in (0..total).chain(std::iter::repeat_n(total - 1, HOLD)) {
            gif.frame(|root| draw_gif_frame(root, s, e, i))?;
        }
        gif.finish()
    })
}

pub fn render_strip(s: &Study, path: &Path) -> Result<(), ReportError> {
    let e = s
        .em_to_kmeans
        .as_ref()
        .map_err(|m| missing_input(path, m))?;
    render_png(path, STRIP_SIZE, |root| draw_strip(root, s, e))
}

/// The frame's mixture: its means and weights, every covariance `σ² I`.
fn model_of(f: &LimitFrame) -> DResult<GmmModel> {
    let k = f.means.nrows();
    Ok(GmmModel::new(
        f.weights.clone(),
        f.means.clone(),
        Covariances::Spherical(ndarray::Array1::from_elem(k, f.sigma2)),
    )?)
}

fn last_words(e: &EmToKmeans) -> String {
    let last = e.frames.last().map_or(0.0, |f| f.agreement_with_kmeans);
    format!(
        "σ² → 0: EM's most responsible component is k-means' cluster (Lloyd from the same centres) for {:.1}% of the points.",
        100.0 * last
    )
}

/// One panel: points blended by responsibilities, circles at σ and 2σ.
fn draw_panel(area: &Area, s: &Study, e: &EmToKmeans, f: &LimitFrame, title: &str) -> DResult {
    let colors = palette::of_groups(&e.groups);
    let model = model_of(f)?;
    let blend = |row: usize| palette::blend_with(&f.responsibilities.row(row).to_vec(), &colors);
    if s.view.dim == 1 {
        let curves = densities(s, &model, ranges(s).0, 400);
        let ymax = curves
            .iter()
            .flat_map(|c| c.iter().map(|q| q.1))
            .fold(0.0, f64::max)
            .max(1e-9)
            * 1.15;
        let ax = Axes::along(title, s, (-0.15 * ymax, ymax), "π·N(x | μ, σ²)");
        let mut c = chart(area, &ax)?;
        for (j, cv) in curves.iter().enumerate() {
            c.draw_series(LineSeries::new(cv.clone(), colors[j].stroke_width(3)))?;
        }
        c.draw_series(e.points.iter().enumerate().map(|(row, &i)| {
            let q = s.view.point(i);
            Circle::new((q[0], -0.07 * ymax), 7, blend(row).filled())
        }))?;
    } else {
        let mut c = chart(area, &Axes::plane(title, s))?;
        let rad = radius(&c, area, e.points.len());
        c.draw_series(e.points.iter().enumerate().map(|(row, &i)| {
            let q = s.view.point(i);
            Circle::new((q[0], q[1]), rad, blend(row).filled())
        }))?;
        ellipses(&mut c, s, &model, &colors, 3)?;
    }
    Ok(())
}

fn draw_gif_frame(root: &Area, s: &Study, e: &EmToKmeans, i: usize) -> DResult {
    let f = &e.frames[i];
    let total = e.frames.len();
    let last = i + 1 == total;
    let head = format!(
        "{}: EM with one shared variance σ² = {:.3e} ({} of {total})",
        s.name,
        f.sigma2,
        i + 1
    );
    let sub = if last {
        last_words(e)
    } else {
        "Watch the colours harden and the circles (σ, 2σ; round in the features the algorithms see) shrink: as σ² → 0, EM's soft responsibilities become k-means' hard assignment.".to_string()
    };
    let top = Header::new(head, sub).compact().draw(root)?;
    let body = root.margin(top as u32, 4, 0, 0);
    let (left, right) = body.split_horizontally(540);
    draw_panel(&left, s, e, f, "")?;
    let (rw, _) = right.dim_in_pixel();
    text(
        &right,
        &format!(
            "mean entropy {:.3} nats · agreement {:.1}%",
            f.mean_entropy,
            100.0 * f.agreement_with_kmeans
        ),
        (rw as i32 / 2, 4),
        &style(BODY, palette::INK, HPos::Center, VPos::Top),
    )?;
    let right = right.margin(28, 0, 0, 0);
    // −log₁₀ σ² grows to the right as σ² shrinks.
    let xs: Vec<f64> = e.frames.iter().map(|f| -f.sigma2.log10()).collect();
    let ax = Axes::new(
        "",
        padded(xs.iter().copied(), 0.04, 0.1),
        (0.0, 1.05),
        "−log₁₀ σ² (σ² shrinking →)",
        "share",
    );
    let mut c = chart(&right, &ax)?;
    let upto = i + 1;
    let series = |get: fn(&LimitFrame) -> f64| -> Vec<(f64, f64)> {
        e.frames
            .iter()
            .take(upto)
            .map(|f| (-f.sigma2.log10(), get(f)))
            .collect()
    };
    let mmr = series(|f| f.mean_max_responsibility);
    let agree = series(|f| f.agreement_with_kmeans);
    c.draw_series(LineSeries::new(
        mmr.clone(),
        palette::EM_LINE.stroke_width(3),
    ))?;
    c.draw_series(LineSeries::new(
        agree.clone(),
        palette::KMEANS_LINE.stroke_width(2),
    ))?;
    for (pts, col) in [(&mmr, palette::EM_LINE), (&agree, palette::KMEANS_LINE)] {
        if let Some(&q) = pts.last() {
            c.draw_series(std::iter::once(Circle::new(q, 5, col.filled())))?;
        }
    }
    let (rw, rh) = right.dim_in_pixel();
    text(
        &right,
        "— mean largest responsibility",
        (rw as i32 - 12, rh as i32 - 120),
        &style(SMALL, palette::EM_LINE, HPos::Right, VPos::Top),
    )?;
    text(
        &right,
        "— agreement with k-means",
        (rw as i32 - 12, rh as i32 - 100),
        &style(SMALL, palette::KMEANS_LINE, HPos::Right, VPos::Top),
    )?;
    Ok(())
}

fn draw_strip(root: &Area, s: &Study, e: &EmToKmeans) -> DResult {
    let sample = e.sample.map_or(String::new(), |m| {
        format!(" Computed on {m} of {} points.", s.n)
    });
    let head = format!("{}: EM's limit is k-means", s.name);
    let sub = format!(
        "Left to right, one shared variance σ² shrinks from the data's scale: look how the blended colours harden and the circles (σ, 2σ; round in the features the algorithms see) shrink to the means. {}{sample}",
        last_words(e)
    );
    let top = Header::new(head, sub).pca_note(s).draw(root)?;
    let body = root.margin(top as u32, 0, 0, 0);
    let idx = strip_indices(e.frames.len());
    let panels = body.split_evenly((1, idx.len()));
    for (area, &i) in panels.iter().zip(&idx) {
        let f = &e.frames[i];
        let title = format!(
            "σ² = {:.2e} · H = {:.2} · {:.0}%",
            f.sigma2,
            f.mean_entropy,
            100.0 * f.agreement_with_kmeans
        );
        draw_panel(&area.margin(0, 6, 4, 4), s, e, f, &title)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_keeps_first_and_last() {
        assert_eq!(strip_indices(3), vec![0, 1, 2]);
        let v = strip_indices(16);
        assert_eq!(v, vec![0, 3, 7, 11, 15]);
    }
}
