//! The kit every picture is drawn with; each module is one kind of thing:
//!
//! * [`page`]: atomic PNG/bitmap output and the header (title, subtitle,
//!   PCA note) above a picture's panels.
//! * [`text`]: the embedded font, sizes, styles, measuring, wrapping,
//!   rotated axis titles.
//! * [`axes`]: [`Axes`] and [`chart`] (ticks, titles), ranges, pixel
//!   positions of data.
//! * [`legend`]: legend marks, the legend row under the panels, cluster
//!   entries.
//! * [`scatter`]: which points are drawn, their size, centroids.
//! * [`shapes`]: crosses, × marks, covariance-type markers, ellipse outlines.
//! * [`components`]: EM's components (ellipses, 1-D densities).
//! * [`regions`]: k-means' nearest-centroid regions and Voronoi edges.
//! * [`raster`]: [`Raster`], a plotting area painted cell by cell.
//!
//! Everything is re-exported here, so a picture imports `super::kit::{…}`.

pub mod axes;
pub mod components;
pub mod covariance;
pub mod legend;
pub mod page;
pub mod raster;
pub mod regions;
pub mod scatter;
pub mod shapes;
pub mod text;

pub use axes::*;
pub use components::*;
pub use covariance::*;
pub use legend::*;
pub use page::*;
pub use raster::*;
pub use regions::*;
pub use scatter::*;
pub use shapes::*;
pub use text::*;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

/// A drawing area in pixels.
pub type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
/// A chart with two linear f64 axes.
pub type Chart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
/// What drawing code returns.
pub type DResult<T = ()> = Result<T, Box<dyn std::error::Error>>;
