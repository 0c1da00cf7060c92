//! The pictures: one module per picture, each a pure function from computed
//! results ([`crate::study`]) to a file. This module holds what they share:
//! the embedded font, atomic PNG output, text (including rotated axis
//! titles, which plotters' `y_desc` does not rotate with this font backend),
//! axes, rasters (decision regions and shading), ellipses and legends.

pub mod bic;
pub mod convergence;
pub mod em_vs_kmeans;
pub mod grid;
pub mod hard_vs_soft;
pub mod hdbscan;
pub mod optics;
pub mod responsibilities;
pub mod scatter;
pub mod trace_gif;

use std::ops::Range;
use std::path::Path;
use std::sync::Once;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::atomic;
use crate::error::{one_line, ReportError};
use crate::palette;
use crate::study::{Pair, Study};

/// A drawing area in pixels.
pub type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
/// A chart with two linear f64 axes.
pub type Chart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
/// What drawing code returns.
pub type DResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// The one font family, registered from the embedded DejaVu Sans.
pub const FONT: &str = "sans-serif";
/// Title size (px).
pub const TITLE: f64 = 24.0;
/// Axis title size (px).
pub const AXIS: f64 = 18.0;
/// Tick labels, legends, captions (px).
pub const BODY: f64 = 16.0;
/// Smallest text (px).
pub const SMALL: f64 = 14.0;

static FONTS: Once = Once::new();

/// Registers DejaVu Sans as `sans-serif` (once per process); no system fonts are used.
pub fn ensure_fonts() {
    FONTS.call_once(|| {
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Runs `draw` on a temporary sibling of `path` with the fonts registered,
/// then renames it onto `path`; on failure removes it and reports one line.
pub fn render_atomically(
    path: &Path,
    draw: impl FnOnce(&Path) -> DResult,
) -> Result<(), ReportError> {
    ensure_fonts();
    let tmp = atomic::temp_sibling(path);
    match draw(&tmp) {
        Ok(()) => atomic::commit(&tmp, path),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(ReportError::Render {
                path: path.display().to_string(),
                message: one_line(&e.to_string()),
            })
        }
    }
}

/// The error for a picture whose input could not be computed (`message`).
pub fn missing_input(path: &Path, message: &str) -> ReportError {
    ReportError::Render {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// [`render_png`] for the pictures drawn from the study's EM / k-means pair.
pub fn render_pair_png(
    s: &Study,
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area, &Study, &Pair) -> DResult,
) -> Result<(), ReportError> {
    let pair = s.pair.as_ref().map_err(|e| missing_input(path, e))?;
    render_png(path, size, |root| draw(root, s, pair))
}

/// Draws a `size` PNG with `draw` on a white background and writes it
/// atomically to `path`.
pub fn render_png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area) -> DResult,
) -> Result<(), ReportError> {
    render_atomically(path, |tmp| {
        let root = BitMapBackend::new(tmp, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
        Ok(())
    })
}

/// A text style of `size` px in `color`, anchored at (h, v).
pub fn style(size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    let mut t = TextStyle::from((FONT, size).into_font()).pos(Pos::new(h, v));
    t.color = color.to_backend_color();
    t
}

/// Bold variant of [`style`].
pub fn bold(size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    let mut t = TextStyle::from((FONT, size, FontStyle::Bold).into_font()).pos(Pos::new(h, v));
    t.color = color.to_backend_color();
    t
}

/// A picture's title: bold, centred at the top of an area `width` pixels wide.
pub fn title(area: &Area, width: i32, s: &str) -> DResult {
    text(
        area,
        s,
        (width / 2, 14),
        &bold(TITLE, palette::INK, HPos::Center, VPos::Top),
    )
}

/// Draws `s` at `pos` (area pixels) with the anchor of `st`.
pub fn text(area: &Area, s: &str, pos: (i32, i32), st: &TextStyle) -> DResult {
    area.draw_text(s, st, pos)?;
    Ok(())
}

/// Draws `s` rotated a quarter turn counter-clockwise (reading upwards),
/// centred on `pos` (area pixels): a y-axis title.
pub fn text_up(area: &Area, s: &str, pos: (i32, i32), size: f64, color: RGBColor) -> DResult {
    let st = TextStyle::from((FONT, size).into_font().transform(FontTransform::Rotate270))
        .color(&color)
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw_text(s, &st, pos)?;
    Ok(())
}

/// Width in pixels of `s` at `size`.
pub fn text_width(s: &str, size: f64) -> u32 {
    ensure_fonts();
    let font = (FONT, size).into_font();
    font.box_size(s)
        .map(|(w, _)| w)
        .unwrap_or((s.len() as f64 * size * 0.6) as u32)
}

/// Shortens `s` with an ellipsis so it fits in `width` pixels at `size`.
pub fn fit_text(s: &str, size: f64, width: u32) -> String {
    if text_width(s, size) <= width {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    for keep in (1..chars.len()).rev() {
        let t: String = chars[..keep].iter().collect::<String>() + "…";
        if text_width(&t, size) <= width {
            return t;
        }
    }
    "…".to_string()
}

/// Width in pixels of `s` in bold at `size`.
pub fn bold_width(s: &str, size: f64) -> u32 {
    ensure_fonts();
    let font = (FONT, size, FontStyle::Bold).into_font();
    font.box_size(s)
        .map(|(w, _)| w)
        .unwrap_or((s.len() as f64 * size * 0.7) as u32)
}

/// Wraps bold text `s` into lines of at most `width` pixels at `size`.
pub fn wrap_bold(s: &str, size: f64, width: u32) -> Vec<String> {
    wrap_by(s, width, |t| bold_width(t, size))
}

/// Wraps `s` into lines of at most `width` pixels at `size`.
pub fn wrap(s: &str, size: f64, width: u32) -> Vec<String> {
    wrap_by(s, width, |t| text_width(t, size))
}

fn wrap_by(s: &str, width: u32, measure: impl Fn(&str) -> u32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        let cand = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if measure(&cand) > width && !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        } else {
            cur = cand;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
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
        mesh.bold_line_style(RGBColor(228, 228, 228));
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

/// 1, 2 or 5 times a power of ten, near `raw`.
pub fn nice_step(raw: f64) -> f64 {
    if !(raw > 0.0) || !raw.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    let k = if m < 1.5 {
        1.0
    } else if m < 3.5 {
        2.0
    } else if m < 7.5 {
        5.0
    } else {
        10.0
    };
    k * p
}

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

    /// Cells where the label changes to the right or below, thickened to
    /// about `4 / step` cells. With `dashed`, every other run of 7 cells
    /// along the diagonal is left out so the line reads as dashed.
    pub fn edges(&self, labels: &[usize], dashed: bool) -> Vec<bool> {
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
        if dashed {
            for r in 0..self.ny {
                for c in 0..self.nx {
                    if ((r + c) * self.step as usize / 14) % 2 == 1 {
                        e[r * self.nx + c] = false;
                    }
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

/// What a legend entry shows before its text.
#[derive(Debug, Clone)]
pub enum Mark {
    /// A filled dot.
    Dot(RGBColor),
    /// A dot with a ring around it.
    Ringed(RGBColor, RGBColor),
    /// A small filled square.
    Swatch(RGBColor),
    /// A line of this colour and width.
    Line(RGBColor, u32),
    /// A dashed line.
    Dashed(RGBColor, u32),
    /// A cross (centroid).
    Cross(RGBColor),
    /// An x marker (outlier, noise).
    XMark(RGBColor),
    /// A row of blended dots (soft membership).
    Blend(Vec<RGBColor>),
    /// Nothing: a heading or note.
    None,
}

/// Draws a legend box with its top-left corner at `at` (area pixels) and
/// returns its size.
pub fn legend(
    area: &Area,
    entries: &[(Mark, String)],
    at: (i32, i32),
    size: f64,
) -> DResult<(i32, i32)> {
    let row = (size * 1.6) as i32;
    let mark_w = 34;
    let w = entries
        .iter()
        .map(|(m, t)| text_width(t, size) as i32 + if matches!(m, Mark::None) { 0 } else { mark_w })
        .max()
        .unwrap_or(0)
        + 20;
    let h = row * entries.len() as i32 + 12;
    area.draw(&Rectangle::new(
        [at, (at.0 + w, at.1 + h)],
        WHITE.mix(0.9).filled(),
    ))?;
    area.draw(&Rectangle::new(
        [at, (at.0 + w, at.1 + h)],
        ShapeStyle::from(&RGBColor(180, 180, 180)).stroke_width(1),
    ))?;
    for (i, (m, t)) in entries.iter().enumerate() {
        let cy = at.1 + 6 + row * i as i32 + row / 2;
        let mx = at.0 + 10 + 12;
        draw_mark(area, m, (mx, cy))?;
        let tx = if matches!(m, Mark::None) {
            at.0 + 10
        } else {
            at.0 + 10 + mark_w
        };
        text(
            area,
            t,
            (tx, cy),
            &style(size, palette::INK, HPos::Left, VPos::Center),
        )?;
    }
    Ok((w, h))
}

/// Size of the legend [`legend`] would draw.
pub fn legend_size(entries: &[(Mark, String)], size: f64) -> (i32, i32) {
    let row = (size * 1.6) as i32;
    let w = entries
        .iter()
        .map(|(m, t)| text_width(t, size) as i32 + if matches!(m, Mark::None) { 0 } else { 34 })
        .max()
        .unwrap_or(0)
        + 20;
    (w, row * entries.len() as i32 + 12)
}

pub(crate) fn draw_mark(area: &Area, m: &Mark, (x, y): (i32, i32)) -> DResult {
    match m {
        Mark::Dot(c) => area.draw(&Circle::new((x, y), 6, c.filled()))?,
        Mark::Ringed(c, ring) => {
            area.draw(&Circle::new((x, y), 5, c.filled()))?;
            area.draw(&Circle::new((x, y), 9, ring.stroke_width(2)))?;
        }
        Mark::Swatch(c) => area.draw(&Rectangle::new(
            [(x - 8, y - 7), (x + 8, y + 7)],
            c.filled(),
        ))?,
        Mark::Line(c, w) => area.draw(&PathElement::new(
            vec![(x - 13, y), (x + 13, y)],
            c.stroke_width(*w),
        ))?,
        Mark::Dashed(c, w) => {
            area.draw(&PathElement::new(
                vec![(x - 13, y), (x - 5, y)],
                c.stroke_width(*w),
            ))?;
            area.draw(&PathElement::new(
                vec![(x + 2, y), (x + 13, y)],
                c.stroke_width(*w),
            ))?;
        }
        Mark::Cross(c) => draw_cross(area, (x, y), 8, *c)?,
        Mark::XMark(c) => draw_x(area, (x, y), 5, *c, 2)?,
        Mark::Blend(cs) => {
            let n = cs.len().max(1) as i32;
            for (i, c) in cs.iter().enumerate() {
                let cx = x - 12 + (24 * i as i32) / (n - 1).max(1);
                area.draw(&Circle::new((cx, y), 4, c.filled()))?;
            }
        }
        Mark::None => {}
    }
    Ok(())
}

/// A centroid marker: a white-edged black plus sign.
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
        assert_eq!(nice_step(0.23), 0.2);
        assert_eq!(nice_step(7.9), 10.0);
    }

    #[test]
    fn wrapping_respects_width() {
        let lines = wrap(
            "one two three four five six seven eight nine ten",
            BODY,
            120,
        );
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(text_width(l, BODY) <= 120 || !l.contains(' '));
        }
    }
}
