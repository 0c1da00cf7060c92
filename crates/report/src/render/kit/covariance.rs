//! How a covariance type is drawn in the EM pictures: its marker (the
//! shapes differ as well as the colours, from [`palette::covariance`]) and
//! its curve.

use clusterlab_em::CovarianceType;
use plotters::prelude::*;

use super::axes::to_px;
use super::shapes::draw_x;
use super::{Area, Chart, DResult};
use crate::palette;

/// Curves with more points than this get a marker on their last point only.
const MAX_MARKERS: usize = 60;

/// The marker of covariance type `t` in colour `c`: full ●, diag ■,
/// spherical ▲, tied ×.
pub fn covariance_marker(
    area: &Area,
    t: CovarianceType,
    (x, y): (i32, i32),
    c: RGBColor,
) -> DResult {
    match t {
        CovarianceType::Full => area.draw(&Circle::new((x, y), 6, c.filled()))?,
        CovarianceType::Diag => area.draw(&Rectangle::new(
            [(x - 5, y - 5), (x + 5, y + 5)],
            c.filled(),
        ))?,
        CovarianceType::Spherical => area.draw(&TriangleMarker::new((x, y), 7, c.filled()))?,
        CovarianceType::Tied => draw_x(area, (x, y), 6, c, 3)?,
    }
    Ok(())
}

/// Draws the curve `pts` of covariance type `t` in its colour, with its
/// marker on each point (on the last only past 60 points).
pub fn covariance_curve(
    c: &mut Chart,
    area: &Area,
    t: CovarianceType,
    pts: Vec<(f64, f64)>,
) -> DResult {
    let col = palette::covariance(t);
    c.draw_series(LineSeries::new(pts.clone(), col.stroke_width(3)))?;
    let marked = if pts.len() <= MAX_MARKERS {
        &pts[..]
    } else {
        &pts[pts.len() - 1..]
    };
    for q in marked {
        covariance_marker(area, t, to_px(c, area, *q), col)?;
    }
    Ok(())
}
