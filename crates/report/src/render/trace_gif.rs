//! `em-trace.gif`: EM animated. Each frame is one iteration: the points
//! coloured by that E-step's responsibilities, the ellipses (or, in 1-D,
//! the densities) of the model it used, and the log-likelihood so far; the
//! last frame (the converged model) is held.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::kit::gif::GifWriter;
use super::kit::{
    chart, densities, ellipses, missing_input, padded, radius, ranges, render_atomically, style,
    text, Area, Axes, DResult, Header, BODY,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::{Frame, Study, Trace};

pub const SIZE: (u32, u32) = (900, 540);
/// Frames at most (iterations beyond are sampled evenly).
pub const MAX_FRAMES: usize = 18;
/// Milliseconds per frame.
pub const DELAY_MS: u32 = 450;
/// Extra copies of the last frame (a pause before the loop restarts).
pub const HOLD: usize = 2;

/// The iterations shown: all of them, or the first few and an even sample.
pub fn frame_indices(total: usize) -> Vec<usize> {
    if total <= MAX_FRAMES {
        return (0..total).collect();
    }
    let head = MAX_FRAMES / 2;
    let mut v: Vec<usize> = (0..head).collect();
    let rest = MAX_FRAMES - head;
    for i in 1..=rest {
        v.push(head + (i * (total - 1 - head)) / rest);
    }
    v.dedup();
    v
}

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    let t = s.trace.as_ref().map_err(|e| missing_input(path, e))?;
    render_atomically(path, |tmp| {
        let mut gif = GifWriter::create(tmp, SIZE, DELAY_MS)?;
        let idx = frame_indices(t.frames.len());
        let total = t.frames.len();
        for &i in &idx {
            gif.frame(|root| draw_frame(root, s, t, &t.frames[i], total, false))?;
        }
        for _ in 0..=HOLD {
            gif.frame(|root| draw_frame(root, s, t, &t.last, total, true))?;
        }
        gif.finish()
    })
}

fn draw_frame(root: &Area, s: &Study, t: &Trace, f: &Frame, total: usize, last: bool) -> DResult {
    let colors = palette::of_groups(&t.groups);
    let head = if last {
        format!(
            "{}: EM {} after {} iterations",
            s.name,
            if t.converged { "converged" } else { "stopped" },
            total
        )
    } else {
        format!("{}: EM iteration {} of {}", s.name, f.iteration, total)
    };
    let sub = match &t.start {
        Some(note) if f.iteration <= 1 && !last => format!("E-step from the start model, {note}."),
        _ => "E-step: colours = responsibilities. M-step: means, covariances and weights move."
            .to_string(),
    };
    let top = Header::new(head, sub).compact().draw(root)?;
    let body = root.margin(top as u32, 4, 0, 0);
    let (left, right) = body.split_horizontally(540);
    let k = f.model.n_components();
    let blend = |row: usize| {
        let r = f.responsibilities.row(row);
        palette::blend_with(&r.to_vec(), &colors)
    };
    if s.view.dim == 1 {
        let curves = densities(s, &f.model, ranges(s).0, 300);
        let ymax = curves
            .iter()
            .flat_map(|c| c.iter().map(|q| q.1))
            .fold(0.0, f64::max)
            .max(1e-9)
            * 1.15;
        let ax = Axes::along("", s, (-0.15 * ymax, ymax), "π·N(x | μ, σ²)");
        let mut c = chart(&left, &ax)?;
        for (j, cv) in curves.iter().enumerate() {
            c.draw_series(LineSeries::new(cv.clone(), colors[j].stroke_width(3)))?;
        }
        c.draw_series(t.points.iter().enumerate().map(|(row, &i)| {
            let q = s.view.point(i);
            Circle::new((q[0], -0.07 * ymax), 8, blend(row).filled())
        }))?;
    } else {
        let mut c = chart(&left, &Axes::plane("", s))?;
        let rad = radius(&c, &left, t.points.len());
        c.draw_series(t.points.iter().enumerate().map(|(row, &i)| {
            let q = s.view.point(i);
            Circle::new((q[0], q[1]), rad, blend(row).filled())
        }))?;
        ellipses(&mut c, s, &f.model, &colors, 3)?;
    }
    // The log-likelihood so far.
    let lls: Vec<f64> = t.frames.iter().map(|fr| fr.log_likelihood).collect();
    let y = padded(
        lls.iter().copied().chain([t.last.log_likelihood]),
        0.08,
        1e-3,
    );
    let weights: Vec<String> = (0..k)
        .map(|j| format!("{:.2}", f.model.weights()[j]))
        .collect();
    let (rw, _) = right.dim_in_pixel();
    text(
        &right,
        &format!("weights π: {}", weights.join(", ")),
        (rw as i32 / 2, 4),
        &style(BODY, palette::INK, HPos::Center, VPos::Top),
    )?;
    let right = right.margin(28, 0, 0, 0);
    let mut ax = Axes::new(
        "",
        (0.5, total.max(2) as f64 + 0.5),
        y,
        "iteration",
        "mean log-likelihood",
    );
    ax.x_integer = true;
    let mut c = chart(&right, &ax)?;
    let upto = if last { total } else { f.iteration.min(total) };
    let pts: Vec<(f64, f64)> = lls
        .iter()
        .take(upto)
        .enumerate()
        .map(|(i, &v)| ((i + 1) as f64, v))
        .collect();
    c.draw_series(LineSeries::new(pts.clone(), palette::INK.stroke_width(2)))?;
    if let Some(&q) = pts.last() {
        c.draw_series(std::iter::once(Circle::new(
            q,
            6,
            palette::EM_LINE.filled(),
        )))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_sampled() {
        assert_eq!(frame_indices(5), vec![0, 1, 2, 3, 4]);
        let v = frame_indices(100);
        assert!(v.len() <= MAX_FRAMES);
        assert_eq!(v[0], 0);
        assert_eq!(*v.last().unwrap(), 99);
        assert!(v.windows(2).all(|w| w[0] < w[1]));
    }
}
