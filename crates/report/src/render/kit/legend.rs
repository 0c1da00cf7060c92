//! Legends: what an entry shows before its text ([`Mark`]), the row of
//! entries under a picture's panels ([`legend_row`]) and the entries for
//! the clusters of a labelling ([`cluster_entries`]).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::shapes::{draw_cross, draw_x};
use super::text::{style, text, text_width, BODY};
use super::{Area, DResult};
use crate::palette;

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
    /// Nothing: a note, in muted text.
    None,
}

/// A legend entry: its mark and its text.
pub type Entry = (Mark, String);

/// Left and right margin of a legend row (px).
const SIDE: i32 = 40;
/// Room for the mark before an entry's text (px).
const MARK_W: i32 = 34;
/// Space after an entry (px).
const GAP: i32 = 26;

/// Draws `entries` left to right across `area` from `y` (a margin of 40 px
/// each side), wrapping into more rows where they do not fit; returns the
/// height used.
pub fn legend_row(area: &Area, entries: &[Entry], y: i32) -> DResult<i32> {
    let size = BODY;
    let max_w = area.dim_in_pixel().0 as i32 - 2 * SIDE;
    let row_h = (size * 1.9) as i32;
    let (mut x, mut y0) = (SIDE, y);
    for (m, t) in entries {
        let marked = !matches!(m, Mark::None);
        let w = text_width(t, size) as i32 + if marked { MARK_W } else { 0 } + GAP;
        if x + w > SIDE + max_w && x > SIDE {
            x = SIDE;
            y0 += row_h;
        }
        let cy = y0 + row_h / 2;
        if marked {
            draw_mark(area, m, (x + 12, cy))?;
            text(
                area,
                t,
                (x + MARK_W, cy),
                &style(size, palette::INK, HPos::Left, VPos::Center),
            )?;
        } else {
            text(
                area,
                t,
                (x, cy),
                &style(size, palette::MUTED, HPos::Left, VPos::Center),
            )?;
        }
        x += w;
    }
    Ok(y0 + row_h - y)
}

/// Clusters listed in a legend at most.
pub const MAX_CLUSTERS: usize = 10;

/// One entry per cluster of `labels` (noise, label −1, left out), `mark`
/// of its colour and "cluster 1", "cluster 2", …; past [`MAX_CLUSTERS`] a
/// note of how many there are in all.
pub fn cluster_entries(labels: &[i64], mark: impl Fn(RGBColor) -> Mark) -> Vec<Entry> {
    let mut ids: Vec<i64> = labels.iter().copied().filter(|&l| l >= 0).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut entries: Vec<Entry> = ids
        .iter()
        .take(MAX_CLUSTERS)
        .map(|&l| (mark(palette::cluster(l)), format!("cluster {}", l + 1)))
        .collect();
    if ids.len() > MAX_CLUSTERS {
        entries.push((Mark::None, format!("… {} clusters in all", ids.len())));
    }
    entries
}

/// Draws `m` centred on `(x, y)` (area pixels).
pub fn draw_mark(area: &Area, m: &Mark, (x, y): (i32, i32)) -> DResult {
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
