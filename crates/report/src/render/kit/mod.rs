//! The kit every picture is drawn with (its modules are listed in
//! [`crate::render`]). Everything is re-exported here, so a picture
//! imports `super::kit::{…}`; the types below are the drawing area, the
//! chart and the result every drawing function uses.

pub mod axes;
pub mod components;
pub mod covariance;
pub mod gif;
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
