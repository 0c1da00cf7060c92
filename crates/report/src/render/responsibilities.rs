//! `responsibilities.png`: the boundary points (highest EM uncertainty),
//! each a stacked bar of its responsibilities, with k-means' hard choice
//! beneath it: the seed's table of r_ij turned into a picture.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::kit::{
    chart, legend_row, plot_rect, render_pair_png, style, text, text_up, text_width, tick, to_px,
    Area, Axes, DResult, Entry, Header, Mark, BODY, SMALL,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::{Pair, Study};

pub const SIZE: (u32, u32) = (1300, 800);
/// Bars shown at most.
pub const MAX_BARS: usize = 30;
/// Data this small is shown whole, in its own order (like the seed's table).
pub const SHOW_ALL: usize = 12;

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    render_pair_png(s, path, SIZE, draw)
}

/// The points shown: every point of tiny data, else the most uncertain.
pub fn chosen(s: &Study, p: &Pair) -> Vec<usize> {
    if s.n <= SHOW_ALL {
        return (0..s.n).collect();
    }
    let mut idx: Vec<usize> = (0..s.n).collect();
    idx.sort_by(|&a, &b| {
        p.uncertainty(b)
            .total_cmp(&p.uncertainty(a))
            .then(a.cmp(&b))
    });
    idx.truncate(MAX_BARS);
    idx
}

fn draw(root: &Area, s: &Study, p: &Pair) -> DResult {
    let colors = palette::of_groups(&p.groups);
    let pts = chosen(s, p);
    let m = pts.len();
    let heading = if s.n <= SHOW_ALL {
        format!("{}: every point's responsibilities (k = {})", s.name, p.k)
    } else {
        format!(
            "{}: responsibilities of the {m} most uncertain points (k = {})",
            s.name, p.k
        )
    };
    let (plot, foot) = Header::new(
        heading,
        "Each bar is one point split by r_ij = P(component j | point i); they sum to 1. In the M-step the point counts r_ij toward each component.",
    )
    .page(root, 70)?;
    let mut ax = Axes::new("", (0.0, m as f64), (0.0, 1.0), "", "responsibility");
    ax.x_ticks = false;
    ax.x_label_room = 66;
    let mut c = chart(&plot, &ax)?;
    let em_labels = p.em_labels();
    let cols = p.em.responsibilities.ncols();
    for (b, &i) in pts.iter().enumerate() {
        let x0 = b as f64 + 0.12;
        let x1 = b as f64 + 0.88;
        let mut y = 0.0;
        // With the noise component, its column last, grey as DBSCAN's noise.
        for j in 0..cols {
            let r = p.em.responsibilities[[i, j]];
            if r <= 0.0 {
                continue;
            }
            c.draw_series(std::iter::once(Rectangle::new(
                [(x0, y), (x1, y + r)],
                colors.get(j).copied().unwrap_or(palette::NOISE).filled(),
            )))?;
            y += r;
        }
        c.draw_series(std::iter::once(Rectangle::new(
            [(x0, 0.0), (x1, 1.0)],
            palette::INK.stroke_width(1),
        )))?;
        // The values themselves, where the segment has room (the seed's table).
        let bar_px = to_px(&c, &plot, (x1, 0.0)).0 - to_px(&c, &plot, (x0, 0.0)).0;
        if bar_px >= 44 {
            let mut y = 0.0;
            for j in 0..cols {
                let r = p.em.responsibilities[[i, j]];
                if r >= 0.07 {
                    let (tx, ty) = to_px(&c, &plot, (b as f64 + 0.5, y + r / 2.0));
                    let ink = if j < colors.len() && luminance(colors[j]) < 0.45 {
                        WHITE
                    } else {
                        palette::INK
                    };
                    text(
                        &plot,
                        &format!("{r:.2}"),
                        (tx, ty),
                        &style(BODY, ink, HPos::Center, VPos::Center),
                    )?;
                }
                y += r.max(0.0);
            }
        }
    }
    c.draw_series(DashedLineSeries::new(
        vec![(0.0, 0.5), (m as f64, 0.5)],
        10,
        6,
        palette::INK.stroke_width(2),
    ))?;
    // Under each bar: the point's name and k-means' hard choice.
    let few = s.n <= SHOW_ALL;
    for (b, &i) in pts.iter().enumerate() {
        let (cx, by) = to_px(&c, &plot, (b as f64 + 0.5, 0.0));
        let bw = (to_px(&c, &plot, (b as f64 + 0.88, 0.0)).0
            - to_px(&c, &plot, (b as f64 + 0.12, 0.0)).0)
            .max(6);
        let sq = (bw / 2).clamp(6, 14);
        plot.draw(&Rectangle::new(
            [(cx - sq, by + 8), (cx + sq, by + 8 + 2 * sq)],
            colors[p.km_labels[i]].filled(),
        ))?;
        if p.km_labels[i] != em_labels[i] {
            plot.draw(&Rectangle::new(
                [(cx - sq - 3, by + 5), (cx + sq + 3, by + 11 + 2 * sq)],
                palette::INK.stroke_width(2),
            ))?;
        }
        let name = if few {
            format!("x{} = {}", i + 1, tick(s.view.point(i)[0], 0.01))
        } else {
            format!("#{}", i + 1)
        };
        if few {
            text(
                &plot,
                &name,
                (cx, by + 16 + 2 * sq),
                &style(BODY, palette::INK, HPos::Center, VPos::Top),
            )?;
        } else {
            let tw = text_width(&name, SMALL) as i32;
            text_up(
                &plot,
                &name,
                (cx, by + 16 + 2 * sq + tw / 2),
                SMALL,
                palette::INK,
            )?;
        }
    }
    // Row titles left of the squares and the names.
    let (l, _, _, b) = plot_rect(&c, &plot);
    for (row, color, dy) in [("k-means", palette::INK, 10), ("point", palette::MUTED, 40)] {
        text(
            &plot,
            row,
            (l - 10, b + dy),
            &style(SMALL, color, HPos::Right, VPos::Top),
        )?;
    }
    let mut entries: Vec<Entry> = (0..p.k)
        .map(|j| (Mark::Swatch(colors[j]), format!("component {}", j + 1)))
        .collect();
    if cols > p.k {
        entries.push((Mark::Swatch(palette::NOISE), "noise (uniform)".into()));
    }
    entries.push((Mark::Dashed(palette::INK, 2), "r = 0.5".into()));
    entries.push((Mark::None, "squares under the bars: k-means' single cluster (boxed where EM's most likely component differs)".into()));
    legend_row(&foot, &entries, 10)?;
    Ok(())
}

/// Relative luminance in [0, 1] (for choosing white or dark text).
fn luminance(c: RGBColor) -> f64 {
    (0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64) / 255.0
}
