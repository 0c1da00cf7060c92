//! `hdbscan-soft.png`: HDBSCAN's membership vectors (soft density clusters)
//! beside EM's responsibilities, each point's colour blended the same way
//! (`palette::blend_row`) from the same display groups, so the two soft
//! answers compare point by point. HDBSCAN's rows sum to the chance of
//! being in some cluster: the fainter a point, the more it is noise.

use std::path::Path;

use plotters::prelude::*;

use super::hard_vs_soft::{em_1d, em_2d};
use super::kit::{
    chart, cluster_entries, drawn, legend_row, missing_input, radius, render_png, Area, Axes,
    DResult, Entry, Header, Mark,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::{Pair, Study};
use clusterlab_study::density_soft::HdbscanSoft;

pub const SIZE: (u32, u32) = (1400, 840);

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    let soft = s
        .hdbscan_soft
        .as_ref()
        .map_err(|e| missing_input(path, e))?;
    let pair = s.pair.as_ref().map_err(|e| missing_input(path, e))?;
    render_png(path, SIZE, |root| draw(root, s, soft, pair))
}

/// A membership row's colour: the blend of its clusters' colours, by the
/// row normalised to sum 1 (as EM's), and the row's sum (its opacity).
pub fn blend(soft: &HdbscanSoft, t: usize, colors: &[RGBColor]) -> (RGBColor, f64) {
    let row = soft.vectors.row(t);
    let sum: f64 = row.sum();
    if sum <= 0.0 {
        return (palette::NOISE, 0.0);
    }
    let r: Vec<f64> = row.iter().map(|v| v / sum).collect();
    (palette::blend_with(&r, colors), sum.clamp(0.0, 1.0))
}

fn draw(root: &Area, s: &Study, soft: &HdbscanSoft, p: &Pair) -> DResult {
    let colors = palette::of_groups(&soft.groups);
    let (panels, foot) = Header::new(
        format!(
            "{}: soft density clusters (HDBSCAN, {} clusters) beside EM's responsibilities (k = {})",
            s.name, soft.summary.clusters, p.k
        ),
        "Compare point by point: the same colour blend on both sides; on the left a faint point has little chance of being in any cluster (noise-like), a mixed colour sits between two clusters.",
    )
    .pca_note(s)
    .page(root, 110)?;
    let (left, right) = panels.split_horizontally(SIZE.0 as i32 / 2);
    let title = format!(
        "HDBSCAN soft clusters: mean {:.2} in a cluster",
        soft.summary.mean_in_some_cluster
    );
    let strip = s.view.dim == 1;
    let ax = if strip {
        Axes::along(&title, s, (-0.05, 1.05), "chance of being in some cluster")
    } else {
        Axes::plane(&title, s)
    };
    let mut c = chart(&left, &ax)?;
    let rad = if strip { 7.0 } else { radius(&c, &left, s.n) };
    // Positions in `soft.rows` drawn (all, or a fixed sample).
    let mut idx = drawn(soft.rows.len());
    // Faint (noise-like) points first, the confident ones on top.
    idx.sort_by(|&a, &b| {
        soft.vectors
            .row(a)
            .sum()
            .total_cmp(&soft.vectors.row(b).sum())
    });
    c.draw_series(idx.iter().map(|&t| {
        let q = s.view.point(soft.rows[t]);
        let (col, sum) = blend(soft, t, &colors);
        let y = if strip { sum } else { q[1] };
        Circle::new((q[0], y), rad, col.mix(0.12 + 0.88 * sum).filled())
    }))?;
    if strip {
        em_1d(&right, s, p)?;
    } else {
        em_2d(&right, s, p)?;
    }
    let mut groups: Vec<i64> = soft.groups.clone();
    groups.extend(p.groups.iter().copied());
    let mut entries: Vec<Entry> = cluster_entries(&groups, Mark::Dot);
    let first = groups
        .iter()
        .copied()
        .filter(|g| *g >= 0)
        .min()
        .unwrap_or(0);
    let fade: Vec<RGBColor> = (0..5)
        .map(|t| palette::tint(palette::cluster(first), 0.85 - 0.2 * t as f64))
        .collect();
    entries.push((
        Mark::Blend(fade),
        "left: opacity = chance of being in some cluster 0 → 1".into(),
    ));
    entries.push((
        Mark::None,
        format!(
            "{:.0}% of HDBSCAN's clustered points keep most membership in their own cluster{}",
            100.0 * (1.0 - soft.summary.boundary_share),
            if soft.rows.len() < s.n {
                format!(
                    " (membership vectors of a random {} of the {} points)",
                    soft.rows.len(),
                    s.n
                )
            } else {
                String::new()
            }
        ),
    ));
    if !strip {
        entries.push((Mark::Line(palette::MUTED, 3), "right: EM 1σ ellipse".into()));
    }
    legend_row(&foot, &entries, 12)?;
    Ok(())
}
