//! Axes: a chart with tick labels, an x title and a rotated y title
//! ([`chart`]), set up from a study's plane ([`Axes::plane`]) or line
//! ([`Axes::along`], [`Axes::strip`]); tick labels with as many decimals as
//! the step needs; pixel positions of data points and of the plotting area.

use plotters::prelude::*;

use super::text::{text_up, AXIS, BODY, FONT, TITLE};
use super::{Area, Chart, DResult};
use crate::palette;
use crate::study::Study;

/// How an x-y panel is set up.
pub struct Axes<'s> {
    pub title: &'s str,
    pub x: (f64, f64),
    pub y: (f64, f64),
    pub xlabel: &'s str,
    pub ylabel: &'s str,
    /// Light grid lines.
    pub grid: bool,
    /// Title size (px).
    pub title_size: f64,
    /// Tick labels on the y axis (off for strips, where y means nothing).
    pub y_ticks: bool,
    /// Tick labels on the x axis (off when the picture labels x itself).
    pub x_ticks: bool,
    /// Extra room below the plot for hand-drawn x labels (px).
    pub x_label_room: u32,
    /// Only whole numbers on the x axis (iterations, k).
    pub x_integer: bool,
}

impl<'s> Axes<'s> {
    pub fn new(
        title: &'s str,
        x: (f64, f64),
        y: (f64, f64),
        xlabel: &'s str,
        ylabel: &'s str,
    ) -> Self {
        Axes {
            title,
            x,
            y,
            xlabel,
            ylabel,
            grid: true,
            title_size: TITLE - 2.0,
            y_ticks: true,
            x_ticks: true,
            x_label_room: 0,
            x_integer: false,
        }
    }

    /// The study's picture plane: both ranges ([`ranges`]) and axis labels
    /// from its view.
    pub fn plane(title: &'s str, s: &'s Study) -> Self {
        let (x, y) = ranges(s);
        Axes::new(title, x, y, &s.view.axis_labels[0], &s.view.axis_labels[1])
    }

    /// The study's first picture axis across, `y` (titled `ylabel`) up.
    pub fn along(title: &'s str, s: &'s Study, y: (f64, f64), ylabel: &'s str) -> Self {
        Axes::new(title, ranges(s).0, y, &s.view.axis_labels[0], ylabel)
    }

    /// A strip for 1-D data: [`Axes::along`] with y in [0, 1] and no y ticks
    /// or title (y means nothing).
    pub fn strip(title: &'s str, s: &'s Study) -> Self {
        let mut ax = Axes::along(title, s, (0.0, 1.0), "");
        ax.y_ticks = false;
        ax
    }
}

/// The picture ranges of a study's plane (x, y): x padded 5% (20% on a
/// line), y padded 5% (`(0, 1)` on a line).
pub fn ranges(s: &Study) -> ((f64, f64), (f64, f64)) {
    let x = s.view.range(0, if s.view.dim > 1 { 0.05 } else { 0.2 });
    let y = if s.view.dim > 1 {
        s.view.range(1, 0.05)
    } else {
        (0.0, 1.0)
    };
    (x, y)
}

/// The range of the finite `values` padded by `share` of its width (at
/// least `min_pad`) on each side.
pub fn padded(values: impl IntoIterator<Item = f64>, share: f64, min_pad: f64) -> (f64, f64) {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let pad = ((hi - lo) * share).max(min_pad);
    (lo - pad, hi + pad)
}

/// A chart on `area` with a title, tick labels, an x title and a rotated y
/// title.
pub fn chart<'a, 'b>(area: &'a Area<'b>, ax: &Axes) -> DResult<Chart<'a, 'b>> {
    let has_title = !ax.title.is_empty();
    let mut b = ChartBuilder::on(area);
    b.margin_top(if has_title { 6 } else { 12 })
        .margin_right(18)
        .margin_left(6)
        .x_label_area_size(if ax.xlabel.is_empty() { 34 } else { 58 } + ax.x_label_room)
        .y_label_area_size(if ax.ylabel.is_empty() { 60 } else { 86 });
    if has_title {
        b.caption(
            ax.title,
            (FONT, ax.title_size).into_font().color(&palette::INK),
        );
    }
    let (x0, x1) = nonempty(ax.x);
    let (y0, y1) = nonempty(ax.y);
    let mut c = b.build_cartesian_2d(x0..x1, y0..y1)?;
    let xstep = tick_step((x0, x1), 9);
    let ystep = tick_step((y0, y1), 8);
    let xint = ax.x_integer;
    let xf = move |v: &f64| {
        if xint {
            if (v - v.round()).abs() < 1e-9 {
                format!("{}", v.round() as i64)
            } else {
                String::new()
            }
        } else {
            tick(*v, xstep)
        }
    };
    let yf = move |v: &f64| tick(*v, ystep);
    let mut mesh = c.configure_mesh();
    mesh.x_labels(9)
        .y_labels(8)
        .x_label_formatter(&xf)
        .y_label_formatter(&yf)
        .label_style((FONT, BODY).into_font().color(&palette::INK))
        .axis_desc_style((FONT, AXIS).into_font().color(&palette::INK))
        .axis_style(palette::MUTED)
        .light_line_style(TRANSPARENT);
    if ax.grid {
        mesh.bold_line_style(palette::GRID);
    } else {
        mesh.disable_mesh();
    }
    if !ax.xlabel.is_empty() {
        mesh.x_desc(ax.xlabel);
    }
    if !ax.y_ticks {
        mesh.y_labels(0);
    }
    if !ax.x_ticks {
        mesh.x_labels(0);
    }
    mesh.draw()?;
    if !ax.ylabel.is_empty() {
        let (_, yr) = c.plotting_area().get_pixel_range();
        let base = area.get_base_pixel();
        let cy = (yr.start + yr.end) / 2 - base.1;
        text_up(area, ax.ylabel, (16, cy), AXIS, palette::INK)?;
    }
    Ok(c)
}

fn nonempty((a, b): (f64, f64)) -> (f64, f64) {
    if a.is_finite() && b.is_finite() && b > a {
        (a, b)
    } else if a.is_finite() {
        (a - 0.5, a + 0.5)
    } else {
        (0.0, 1.0)
    }
}

/// A tick label for `v` on an axis whose ticks are exactly `step` apart:
/// as many decimals as the step needs, the same for every tick.
pub fn tick(v: f64, step: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let mag = v.abs().max(step.abs());
    if mag != 0.0 && !(1e-3..1e6).contains(&mag) {
        return format!("{v:.1e}");
    }
    let decimals = if step > 0.0 && step.is_finite() {
        ((-step.log10()) - 1e-9).ceil().clamp(0.0, 6.0) as usize
    } else {
        2
    };
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// The spacing of the ticks plotters draws on `range` with at most
/// `max_points` labels (its own key-point rule, reproduced so labels can
/// have a fixed number of decimals).
pub fn tick_step(range: (f64, f64), max_points: usize) -> f64 {
    let (lo, hi) = (range.0.min(range.1), range.0.max(range.1));
    if !(hi > lo) || max_points == 0 {
        return 1.0;
    }
    let rem = |a: f64, b: f64| {
        let r = a - (a / b).floor() * b;
        if (r - b).abs() < f64::EPSILON {
            0.0
        } else {
            r
        }
    };
    let mut scale = 10f64.powf((hi - lo).log10().floor());
    if 1 + ((hi - lo) / scale).floor() as usize > max_points {
        scale *= 10.0;
    }
    'outer: loop {
        let old = scale;
        for nxt in [2.0, 5.0, 10.0] {
            let mut left = lo - rem(lo, old / nxt);
            if left < lo {
                left += old / nxt;
            }
            let right = hi - rem(hi, old / nxt);
            let npoints = 1.0 + ((right - left) / old * nxt);
            if npoints.round() as usize > max_points {
                break 'outer;
            }
            scale = old / nxt;
        }
        scale = old / 10.0;
    }
    scale
}

/// A data point of a chart in area pixels.
pub fn to_px(c: &Chart, area: &Area, p: (f64, f64)) -> (i32, i32) {
    let (x, y) = c.backend_coord(&p);
    let base = area.get_base_pixel();
    (x - base.0, y - base.1)
}

/// The plotting rectangle of `c` in `area` pixels: (left, top, right, bottom).
pub fn plot_rect(c: &Chart, area: &Area) -> (i32, i32, i32, i32) {
    let (xr, yr) = c.plotting_area().get_pixel_range();
    let base = area.get_base_pixel();
    (
        xr.start - base.0,
        yr.start - base.1,
        xr.end - base.0,
        yr.end - base.1,
    )
}

/// Width in pixels of the plotting area of `c`.
pub fn plot_width(c: &Chart, area: &Area) -> i32 {
    let (l, _, r, _) = plot_rect(c, area);
    r - l
}

/// A thin frame around the plotting area (rasters paint over the axis line).
pub fn frame(c: &Chart, area: &Area) -> DResult {
    let (l, t, r, b) = plot_rect(c, area);
    area.draw(&Rectangle::new(
        [(l, t), (r, b)],
        palette::MUTED.stroke_width(1),
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_well() {
        assert_eq!(tick(0.30000000000000004, 0.1), "0.3");
        assert_eq!(tick(1500.0, 500.0), "1500");
        assert_eq!(tick(2.0, 0.5), "2.0");
        assert_eq!(tick(2.0, 1.0), "2");
        assert_eq!(tick(-2.6, 0.01), "-2.60");
        assert_eq!(tick(-0.0000001, 0.5), "0.0");
        assert_eq!(tick_step((0.0, 10.0), 9), 2.0);
        assert_eq!(tick_step((-2.65, -2.59), 8), 0.01);
    }

    #[test]
    fn padding_ignores_non_finite_values() {
        assert_eq!(padded([1.0, f64::NAN, 3.0], 0.5, 0.1), (0.0, 4.0));
        assert_eq!(padded([2.0], 0.5, 0.25), (1.75, 2.25));
    }
}
