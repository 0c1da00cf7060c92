//! `grid.png`: scikit-learn's cluster-comparison layout: one row per
//! dataset, one column per algorithm (after the ground truth), noise grey,
//! the ARI and the fit time written in each panel.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::kit::{
    bold, drawn, fit_text, lines, ranges, render_png, style, text, text_width, wrap, Area, DResult,
    Header, BODY, SMALL,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::Study;
use crate::tables::secs;
use crate::Algorithm;

/// Panel side (px).
pub const PANEL: i32 = 176;
/// Row-title column width (px).
pub const LEFT: i32 = 150;
/// Column-title row height (px).
pub const TOP: i32 = 84;

pub fn size(rows: usize, cols: usize) -> (u32, u32) {
    (
        (LEFT + PANEL * cols as i32 + 12) as u32,
        (TOP + PANEL * rows as i32 + 40) as u32,
    )
}

pub fn render(studies: &[Study], algorithms: &[Algorithm], path: &Path) -> Result<(), ReportError> {
    let cols = algorithms.len() + 1;
    render_png(path, size(studies.len(), cols), |root| {
        draw(root, studies, algorithms)
    })
}

/// A deterministic jitter in [0.15, 0.85] for strips.
fn jitter(i: usize) -> f64 {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    0.15 + 0.7 * ((x % 10_000) as f64 / 10_000.0)
}

fn draw(root: &Area, studies: &[Study], algorithms: &[Algorithm]) -> DResult {
    let sampled: Vec<String> = studies
        .iter()
        .flat_map(|s| {
            s.runs.iter().filter_map(move |r| {
                let a = r.result.as_ref().ok()?.approximation.as_ref()?;
                Some(format!(
                    "{} on {}: {} of {}",
                    r.algorithm.title(),
                    s.name,
                    a.method,
                    a.sample_n
                ))
            })
        })
        .collect();
    let sub = if sampled.is_empty() {
        "grey = noise · ARI against the ground truth (bottom) · fit time (top)".to_string()
    } else {
        format!(
            "grey = noise · ARI against the ground truth (bottom) · fit time (top) · fitted on samples: {}",
            sampled.join("; ")
        )
    };
    Header::new("Every algorithm on every dataset", sub)
        .compact()
        .small_subtitle()
        .draw(root)?;
    let mut titles = vec!["ground truth".to_string()];
    titles.extend(algorithms.iter().map(|a| a.title().to_string()));
    for (c, t) in titles.iter().enumerate() {
        let x = LEFT + PANEL * c as i32 + PANEL / 2;
        text(
            root,
            t,
            (x, TOP - 10),
            &bold(BODY, palette::INK, HPos::Center, VPos::Bottom),
        )?;
    }
    for (r, s) in studies.iter().enumerate() {
        let y0 = TOP + PANEL * r as i32;
        let name = fit_text(&s.name, BODY, (LEFT - 14) as u32);
        text(
            root,
            &name,
            (LEFT - 10, y0 + PANEL / 2 - 10),
            &bold(BODY, palette::INK, HPos::Right, VPos::Center),
        )?;
        let facts = format!("n={} d={} k={}", s.n, s.d, s.k);
        text(
            root,
            &fit_text(&facts, SMALL, (LEFT - 14) as u32),
            (LEFT - 10, y0 + PANEL / 2 + 12),
            &style(SMALL, palette::MUTED, HPos::Right, VPos::Center),
        )?;
        let (xr, yr) = ranges(s);
        let yr = if s.view.dim == 1 { (0.0, 1.0) } else { yr };
        for c in 0..titles.len() {
            let x0 = LEFT + PANEL * c as i32;
            let panel = root
                .margin(y0 as u32 + 3, 0, x0 as u32 + 3, 0)
                .shrink((0, 0), ((PANEL - 6) as u32, (PANEL - 6) as u32));
            panel.fill(&RGBColor(250, 250, 250))?;
            let (pw, ph) = panel.dim_in_pixel();
            let (pw, ph) = (pw as i32, ph as i32);
            let to = |q: [f64; 2]| -> (i32, i32) {
                let fx = (q[0] - xr.0) / (xr.1 - xr.0);
                let fy = (q[1] - yr.0) / (yr.1 - yr.0);
                (
                    (4.0 + fx * (pw - 8) as f64) as i32,
                    (ph as f64 - 4.0 - fy * (ph - 8) as f64) as i32,
                )
            };
            let point = |i: usize| -> [f64; 2] {
                let q = s.view.point(i);
                if s.view.dim == 1 {
                    [q[0], jitter(i)]
                } else {
                    q
                }
            };
            let rad = if s.n <= 12 {
                5
            } else if s.n <= 1000 {
                2
            } else {
                1
            };
            let labels: Option<&Vec<i64>> = if c == 0 {
                s.truth.as_ref()
            } else {
                match s.run(algorithms[c - 1]) {
                    Some(run) => match (&run.result, &run.shown) {
                        (Ok(_), Some(l)) => Some(l),
                        (Err(e), _) => {
                            panel.draw(&Rectangle::new(
                                [(0, 0), (pw - 1, ph - 1)],
                                RGBColor(200, 200, 200).stroke_width(1),
                            ))?;
                            text(
                                &panel,
                                "failed",
                                (pw / 2, ph / 2 - 20),
                                &bold(BODY, RGBColor(176, 0, 32), HPos::Center, VPos::Center),
                            )?;
                            let mut why = wrap(e, SMALL - 1.0, (pw - 12) as u32);
                            why.truncate(4);
                            lines(
                                &panel,
                                &why,
                                (pw / 2, ph / 2 + 2),
                                17,
                                &style(SMALL - 1.0, palette::MUTED, HPos::Center, VPos::Center),
                            )?;
                            continue;
                        }
                        _ => None,
                    },
                    None => None,
                }
            };
            let idx = drawn(s.n);
            match labels {
                Some(l) => {
                    for &i in idx.iter().filter(|&&i| l[i] < 0) {
                        panel.draw(&Circle::new(
                            to(point(i)),
                            rad,
                            palette::NOISE.mix(0.8).filled(),
                        ))?;
                    }
                    for &i in idx.iter().filter(|&&i| l[i] >= 0) {
                        panel.draw(&Circle::new(
                            to(point(i)),
                            rad,
                            palette::cluster(l[i]).filled(),
                        ))?;
                    }
                }
                None => {
                    for &i in &idx {
                        panel.draw(&Circle::new(
                            to(point(i)),
                            rad,
                            RGBColor(120, 120, 120).filled(),
                        ))?;
                    }
                    if c == 0 {
                        text(
                            &panel,
                            "no ground truth",
                            (pw / 2, 6),
                            &style(SMALL, palette::MUTED, HPos::Center, VPos::Top),
                        )?;
                    }
                }
            }
            if c > 0 {
                if let Some(run) = s.run(algorithms[c - 1]) {
                    if let Ok(f) = &run.result {
                        let bg = WHITE.mix(0.8);
                        let t = secs(f.fit_seconds);
                        let tw = text_width(&t, SMALL) as i32;
                        panel.draw(&Rectangle::new(
                            [(pw - tw - 10, 2), (pw - 2, 22)],
                            bg.filled(),
                        ))?;
                        text(
                            &panel,
                            &t,
                            (pw - 6, 4),
                            &style(SMALL, palette::INK, HPos::Right, VPos::Top),
                        )?;
                        let a = match run.ari {
                            Some(v) => format!("ARI {:.2}", if v.abs() < 0.005 { 0.0 } else { v }),
                            None => format!("{} clusters", f.n_clusters),
                        };
                        let aw = text_width(&a, BODY) as i32;
                        panel.draw(&Rectangle::new(
                            [(pw - aw - 10, ph - 24), (pw - 2, ph - 2)],
                            bg.filled(),
                        ))?;
                        text(
                            &panel,
                            &a,
                            (pw - 6, ph - 4),
                            &bold(BODY, palette::INK, HPos::Right, VPos::Bottom),
                        )?;
                    }
                }
            }
        }
    }
    Ok(())
}
