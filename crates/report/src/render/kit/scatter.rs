//! Points: which of a study's points are drawn, how large, and k-means'
//! centroids among them.

use ndarray::Array2;

use super::axes::{plot_rect, to_px};
use super::shapes::draw_cross;
use super::{Area, Chart, DResult};
use crate::palette;
use crate::study::Study;

/// Most points drawn in one panel (a fixed random sample beyond, stated in the header).
pub const MAX_DRAWN: usize = 20_000;

/// The points drawn (all, or a fixed random sample of [`MAX_DRAWN`]).
pub fn drawn(n: usize) -> Vec<usize> {
    clusterlab_study::fitting::sample_rows(n, MAX_DRAWN)
}

/// Marker radius for `n` points on the plotting area of `c`: smaller for
/// more points and narrower panels, from 2 to 8 pixels.
pub fn radius(c: &Chart, area: &Area, n: usize) -> f64 {
    let (l, _, r, _) = plot_rect(c, area);
    let w = (r - l) as f64;
    let r = (w / 190.0) * (500.0 / n.max(1) as f64).powf(0.25);
    r.clamp(2.0, 8.0)
}

/// Draws each row of `centroids` (in the model's space) as a cross of arm
/// `r` where it falls in the study's picture plane.
pub fn draw_centroids(
    c: &Chart,
    area: &Area,
    s: &Study,
    centroids: &Array2<f64>,
    r: i32,
) -> DResult {
    for row in centroids.rows() {
        let q = s.view.project(row);
        draw_cross(area, to_px(c, area, (q[0], q[1])), r, palette::KMEANS_LINE)?;
    }
    Ok(())
}
