//! `condensed-tree.png`: HDBSCAN's condensed tree as the hdbscan library's
//! `condensed_tree_.plot(select_clusters=True)` draws it: λ = 1/distance
//! down the vertical axis (the root at the top), each cluster a bar whose
//! width is the number of points still in it at that λ (points falling out
//! narrow it), children hanging from the λ where their parent splits, and
//! the selected clusters ringed in their label colours.

use std::path::Path;

use plotters::prelude::*;

use super::kit::{
    ellipse, legend_row, missing_input, render_png, text_up, tick, tick_step, Area, DResult, Entry,
    Header, Mark, AXIS, BODY, FONT,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::Study;
use clusterlab_algos::hdbscan::CondensedTree;
use clusterlab_study::density_soft::HdbscanSoft;

pub const SIZE: (u32, u32) = (1200, 900);
/// Width steps drawn per cluster at most (λ binned beyond).
const MAX_STEPS: usize = 400;
/// Share of its slot a bar fills at its widest (room between siblings).
const FILL: f64 = 0.8;
/// Bar colour of the clusters not selected.
const BAR: RGBColor = RGBColor(120, 140, 170);

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    let soft = s
        .hdbscan_soft
        .as_ref()
        .map_err(|e| missing_input(path, e))?;
    render_png(path, SIZE, |root| draw(root, s, soft))
}

/// One cluster's bar: where it hangs and how its width falls with λ.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Centre on the x axis (in points).
    pub x: f64,
    /// λ of its birth and of its last event.
    pub birth: f64,
    pub death: f64,
    /// `(λ, points left from this λ on)`, λ ascending, starting at the birth.
    pub steps: Vec<(f64, f64)>,
    pub parent: Option<usize>,
}

/// The bars of every condensed cluster (index 0 = root): slots nested in
/// their parent's, each as wide as the cluster's size at birth, so a bar is
/// never wider than its slot.
pub fn layout(t: &CondensedTree) -> Vec<Bar> {
    let n = t.n;
    let k = t.n_clusters_condensed();
    let mut size = vec![n as f64; k];
    let mut birth = vec![0.0; k];
    let mut parent = vec![None; k];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); k];
    let mut events: Vec<Vec<(f64, f64)>> = vec![Vec::new(); k];
    for r in &t.rows {
        let p = r.parent - n;
        events[p].push((r.lambda, r.size as f64));
        if r.child >= n {
            let c = r.child - n;
            size[c] = r.size as f64;
            birth[c] = r.lambda;
            parent[c] = Some(p);
            children[p].push(c);
        }
    }
    let mut slot = vec![(0.0, n as f64); k];
    for c in 0..k {
        // Parents come first (lower ids); place the children in c's slot.
        let (lo, hi) = slot[c];
        let total: f64 = children[c].iter().map(|&ch| size[ch]).sum();
        let gap = ((hi - lo) - total) / (children[c].len() + 1) as f64;
        let mut x = lo + gap;
        for &ch in &children[c] {
            slot[ch] = (x, x + size[ch]);
            x += size[ch] + gap;
        }
    }
    (0..k)
        .map(|c| {
            let mut ev = std::mem::take(&mut events[c]);
            ev.sort_by(|a, b| a.0.total_cmp(&b.0));
            let death = ev
                .iter()
                .map(|e| e.0)
                .filter(|l| l.is_finite())
                .fold(birth[c], f64::max);
            let mut left = size[c];
            let mut steps = vec![(birth[c], left)];
            for (lam, s) in ev {
                left -= s;
                let lam = if lam.is_finite() { lam } else { death };
                match steps.last_mut() {
                    Some(last) if last.0 == lam => last.1 = left.max(0.0),
                    _ => steps.push((lam, left.max(0.0))),
                }
            }
            Bar {
                x: (slot[c].0 + slot[c].1) / 2.0,
                birth: birth[c],
                death,
                steps: thin(steps),
                parent: parent[c],
            }
        })
        .collect()
}

/// At most [`MAX_STEPS`] steps: λ binned, each bin keeping its first width.
fn thin(steps: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    if steps.len() <= MAX_STEPS {
        return steps;
    }
    let (lo, hi) = (steps[0].0, steps[steps.len() - 1].0);
    let w = (hi - lo) / MAX_STEPS as f64;
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(MAX_STEPS + 1);
    for s in steps {
        let bin = ((s.0 - lo) / w).floor();
        match out.last() {
            Some(last) if ((last.0 - lo) / w).floor() == bin => {}
            _ => out.push(s),
        }
    }
    out
}

fn draw(root: &Area, s: &Study, soft: &HdbscanSoft) -> DResult {
    let t = &soft.tree;
    let bars = layout(t);
    let selected: Vec<usize> = t.selected.iter().map(|c| c - t.n).collect();
    let (plot, foot) = Header::new(
        format!(
            "{}: HDBSCAN's condensed tree ({} clusters selected)",
            s.name,
            selected.len()
        ),
        "Read down from the root as λ = 1/distance grows: bars narrow as points fall out, split where a cluster breaks in two, and the ringed bars are the clusters kept (the most stable ones).",
    )
    .page(root, 70)?;
    // λ axis: to the largest λ any bar reaches, past a few extreme points.
    let mut lams: Vec<f64> = bars
        .iter()
        .map(|b| b.death)
        .filter(|l| l.is_finite())
        .collect();
    lams.sort_by(f64::total_cmp);
    let lam_max = lams.last().copied().unwrap_or(1.0).max(1e-12) * 1.04;
    let xmax = t.n as f64;
    let ystep = tick_step((0.0, lam_max), 8);
    let yf = move |v: &f64| tick(-*v, ystep);
    let mut c = ChartBuilder::on(&plot)
        .margin(12)
        .margin_right(24)
        .x_label_area_size(20)
        .y_label_area_size(96)
        .build_cartesian_2d(-0.02 * xmax..1.02 * xmax, -lam_max..0.0)?;
    c.configure_mesh()
        .x_labels(0)
        .y_labels(8)
        .y_label_formatter(&yf)
        .label_style((FONT, BODY).into_font().color(&palette::INK))
        .axis_style(palette::MUTED)
        .light_line_style(TRANSPARENT)
        .bold_line_style(palette::GRID)
        .draw()?;
    let (_, yr) = c.plotting_area().get_pixel_range();
    let cy = (yr.start + yr.end) / 2 - plot.get_base_pixel().1;
    text_up(&plot, "λ = 1 / distance", (18, cy), AXIS, palette::INK)?;
    let group_of = |c: usize| -> Option<i64> {
        selected
            .iter()
            .position(|&sc| sc == c)
            .map(|j| soft.groups.get(j).copied().unwrap_or(j as i64))
    };
    for (ci, b) in bars.iter().enumerate() {
        let fill = match group_of(ci) {
            Some(g) => palette::tint(palette::cluster(g), 0.35),
            None => BAR,
        };
        let mut rects = Vec::with_capacity(b.steps.len());
        for pair in b.steps.windows(2) {
            let (l0, width) = pair[0];
            let l1 = pair[1].0;
            if width > 0.0 && l1 > l0 {
                let half = FILL * width / 2.0;
                rects.push(Rectangle::new(
                    [(b.x - half, -l0), (b.x + half, -l1)],
                    fill.filled(),
                ));
            }
        }
        c.draw_series(rects)?;
        if let Some(p) = b.parent {
            let px = bars[p].x;
            c.draw_series(std::iter::once(PathElement::new(
                vec![(px, -b.birth), (b.x, -b.birth)],
                palette::INK.stroke_width(1),
            )))?;
        }
    }
    let mut entries: Vec<(i64, Entry)> = Vec::new();
    for (j, &sc) in selected.iter().enumerate() {
        let b = &bars[sc];
        let g = soft.groups.get(j).copied().unwrap_or(j as i64);
        let half_w =
            FILL * b.steps.iter().map(|q| q.1).fold(1.0, f64::max) / 2.0 * 1.15 + 0.01 * xmax;
        let top = b.birth;
        let bottom = b.death.min(lam_max);
        let half_h = ((bottom - top) / 2.0).max(0.01 * lam_max) * 1.15;
        let centre = [b.x, -(top + bottom) / 2.0];
        let ring = ellipse(
            centre,
            [[half_w * half_w, 0.0], [0.0, half_h * half_h]],
            1.0,
        );
        c.draw_series(std::iter::once(PathElement::new(
            ring,
            palette::shade(palette::cluster(g), 0.1).stroke_width(3),
        )))?;
        entries.push((
            g,
            (
                Mark::Ringed(WHITE, palette::cluster(g)),
                format!("cluster {} (selected)", g + 1),
            ),
        ));
    }
    entries.sort_by_key(|e| e.0);
    let mut entries: Vec<Entry> = entries.into_iter().map(|e| e.1).take(12).collect();
    entries.push((Mark::Swatch(BAR), "clusters not selected".into()));
    entries.push((
        Mark::None,
        format!("bar width = points left in the cluster (root: all {})", t.n),
    ));
    legend_row(&foot, &entries, 10)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clusterlab_algos::hdbscan::CondensedRow;

    /// The tree of `tree.rs`'s test: the root (5 points) loses point 4 at
    /// λ = 0.1 and splits at 0.25 into two clusters of 2, whose points leave
    /// at λ = 1. Slots: root [0, 5]; children of 2 with gaps of 1/3.
    #[test]
    fn layout_by_hand() {
        let row = |parent, child, lambda, size| CondensedRow {
            parent,
            child,
            lambda,
            size,
        };
        let t = CondensedTree {
            n: 5,
            rows: vec![
                row(5, 4, 0.1, 1),
                row(5, 6, 0.25, 2),
                row(5, 7, 0.25, 2),
                row(6, 0, 1.0, 1),
                row(6, 1, 1.0, 1),
                row(7, 2, 1.0, 1),
                row(7, 3, 1.0, 1),
            ],
            selected: vec![6, 7],
            point_rows: None,
            stand_in: None,
        };
        let b = layout(&t);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].steps, vec![(0.0, 5.0), (0.1, 4.0), (0.25, 0.0)]);
        assert_eq!(b[0].death, 0.25);
        assert!((b[1].x - (1.0 / 3.0 + 1.0)).abs() < 1e-12);
        assert!((b[2].x - (2.0 / 3.0 + 2.0 + 1.0)).abs() < 1e-12);
        assert_eq!(b[1].steps, vec![(0.25, 2.0), (1.0, 0.0)]);
        assert_eq!(b[2].parent, Some(0));
    }
}
