//! Shapes: the centroid cross and the × marker (in pixels), and the
//! outline of an ellipse given by a mean and a covariance (in data units).

use plotters::prelude::*;

use super::{Area, DResult};

/// A centroid marker: a white-edged plus sign of colour `c` and arm `r`.
pub fn draw_cross(area: &Area, (x, y): (i32, i32), r: i32, c: RGBColor) -> DResult {
    for (w, col) in [(6, WHITE), (3, c)] {
        area.draw(&PathElement::new(
            vec![(x - r, y), (x + r, y)],
            col.stroke_width(w),
        ))?;
        area.draw(&PathElement::new(
            vec![(x, y - r), (x, y + r)],
            col.stroke_width(w),
        ))?;
    }
    Ok(())
}

/// An × marker.
pub fn draw_x(area: &Area, (x, y): (i32, i32), r: i32, c: RGBColor, w: u32) -> DResult {
    area.draw(&PathElement::new(
        vec![(x - r, y - r), (x + r, y + r)],
        c.stroke_width(w),
    ))?;
    area.draw(&PathElement::new(
        vec![(x - r, y + r), (x + r, y - r)],
        c.stroke_width(w),
    ))?;
    Ok(())
}

/// The points of the ellipse `{x : (x − m)ᵀ C⁻¹ (x − m) = s²}`.
pub fn ellipse(mean: [f64; 2], cov: [[f64; 2]; 2], s: f64) -> Vec<(f64, f64)> {
    let (l1, l2, ang) = crate::view::eigen2(cov);
    let (a, b) = (l1.max(0.0).sqrt() * s, l2.max(0.0).sqrt() * s);
    let (ca, sa) = (ang.cos(), ang.sin());
    (0..=120)
        .map(|i| {
            let t = i as f64 / 120.0 * std::f64::consts::TAU;
            let (u, v) = (a * t.cos(), b * t.sin());
            (mean[0] + u * ca - v * sa, mean[1] + u * sa + v * ca)
        })
        .collect()
}
