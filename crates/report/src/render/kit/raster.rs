//! Rasters: a chart's plotting area cut into cells, each painted by the
//! value at its centre (decision regions, uncertainty shading), and the
//! cells where the label changes (boundaries).

use std::ops::Range;

use plotters::prelude::*;

use super::{Area, Chart, DResult};

/// The pixels of a chart's plotting area, and the data point at the centre
/// of each `step × step` cell, row by row from the top left.
pub struct Raster {
    pub xr: Range<i32>,
    pub yr: Range<i32>,
    pub step: i32,
    pub nx: usize,
    pub ny: usize,
    /// Cell centres in data coordinates, `ny` rows of `nx`.
    pub points: Vec<[f64; 2]>,
}

impl Raster {
    /// Cells of `step` pixels over the plotting area of `c`.
    pub fn new(c: &Chart, step: i32) -> Raster {
        let (xr, yr) = c.plotting_area().get_pixel_range();
        let xd = c.x_range();
        let yd = c.y_range();
        let step = step.max(1);
        let w = (xr.end - xr.start).max(1);
        let h = (yr.end - yr.start).max(1);
        let nx = ((w + step - 1) / step) as usize;
        let ny = ((h + step - 1) / step) as usize;
        let mut points = Vec::with_capacity(nx * ny);
        for r in 0..ny {
            let py = (r as f64 + 0.5) * step as f64;
            let y = yd.end - (py / h as f64) * (yd.end - yd.start);
            for col in 0..nx {
                let px = (col as f64 + 0.5) * step as f64;
                let x = xd.start + (px / w as f64) * (xd.end - xd.start);
                points.push([x, y]);
            }
        }
        Raster {
            xr,
            yr,
            step,
            nx,
            ny,
            points,
        }
    }

    /// Paints each cell in its colour (`None` leaves it as it is).
    pub fn paint(&self, root: &Area, colors: &[Option<RGBColor>]) -> DResult {
        let base = root.get_base_pixel();
        for r in 0..self.ny {
            for col in 0..self.nx {
                let Some(c) = colors[r * self.nx + col] else {
                    continue;
                };
                let x0 = self.xr.start + col as i32 * self.step;
                let y0 = self.yr.start + r as i32 * self.step;
                for y in y0..(y0 + self.step).min(self.yr.end) {
                    for x in x0..(x0 + self.step).min(self.xr.end) {
                        root.draw_pixel((x - base.0, y - base.1), &c)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Paints the boundaries between the cells' `labels` ([`Raster::edges`])
    /// in `color`.
    pub fn paint_edges(&self, root: &Area, labels: &[usize], color: RGBColor) -> DResult {
        let edges = self.edges(labels);
        let colors: Vec<Option<RGBColor>> = edges.iter().map(|&e| e.then_some(color)).collect();
        self.paint(root, &colors)
    }

    /// Cells where the label changes to the right or below, thickened to
    /// about `4 / step` cells.
    pub fn edges(&self, labels: &[usize]) -> Vec<bool> {
        let mut e = self.thin_edges(labels);
        let grow = (3 / self.step).max(1) as usize - 1;
        for _ in 0..grow {
            let before = e.clone();
            for r in 0..self.ny {
                for c in 0..self.nx {
                    let i = r * self.nx + c;
                    if before[i] {
                        continue;
                    }
                    let near = (c > 0 && before[i - 1])
                        || (c + 1 < self.nx && before[i + 1])
                        || (r > 0 && before[i - self.nx])
                        || (r + 1 < self.ny && before[i + self.nx]);
                    e[i] = near;
                }
            }
        }
        e
    }

    fn thin_edges(&self, labels: &[usize]) -> Vec<bool> {
        let mut e = vec![false; labels.len()];
        for r in 0..self.ny {
            for c in 0..self.nx {
                let i = r * self.nx + c;
                let right = c + 1 < self.nx && labels[i + 1] != labels[i];
                let down = r + 1 < self.ny && labels[i + self.nx] != labels[i];
                if right {
                    e[i] = true;
                    e[i + 1] = true;
                }
                if down {
                    e[i] = true;
                    e[i + self.nx] = true;
                }
            }
        }
        e
    }
}
