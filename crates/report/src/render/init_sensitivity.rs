//! `init-sensitivity.png`: EM from many starts. Top left, every start's
//! final mean log-likelihood by init method (coloured by the optimum it
//! reached, with each method's share reaching the best); top right, the
//! distinct optima and how many starts reached each; below, the best and
//! the worst optimum drawn side by side with their ellipses.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::kit::{
    chart, densities, drawn, ellipses, legend_row, missing_input, padded, radius, ranges,
    render_png, style, text, to_px, Area, Axes, DResult, Entry, Header, Mark, SMALL,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::Study;
use clusterlab_study::fitting::component_groups;
use clusterlab_study::starts::{Endpoint, InitSensitivity};

pub const SIZE: (u32, u32) = (1400, 1160);

/// The methods in the order drawn.
const ORDER: [&str; 8] = [
    "default",
    "kmeans",
    "kmeans++",
    "random",
    "random-from-data",
    "kmeans-labels",
    "kmedoids-labels",
    "hdbscan-labels",
];

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    let r = s
        .init_sensitivity
        .as_ref()
        .map_err(|e| missing_input(path, e))?;
    render_png(path, SIZE, |root| draw(root, s, r))
}

/// Colour of optimum `id` (0 = the best).
pub fn optimum_colour(id: usize) -> RGBColor {
    const C: [RGBColor; 6] = [
        palette::CLUSTER[2],
        palette::CLUSTER[1],
        palette::CLUSTER[4],
        palette::CLUSTER[3],
        palette::CLUSTER[0],
        palette::CLUSTER[7],
    ];
    C.get(id).copied().unwrap_or(palette::NOISE)
}

fn draw(root: &Area, s: &Study, r: &InitSensitivity) -> DResult {
    let n_opt = r.optima.len();
    let best = &r.optima[0];
    let worst = &r.optima[n_opt - 1];
    let sample = if r.n_fitted < s.n {
        format!(" Fitted on a random {} of the {} points.", r.n_fitted, s.n)
    } else {
        String::new()
    };
    let (body, foot) = Header::new(
        format!(
            "{}: EM from {} starts reaches {} distinct optim{} (k = {})",
            s.name,
            r.starts.len(),
            n_opt,
            if n_opt == 1 { "um" } else { "a" },
            s.k
        ),
        format!(
            "Look at how many starts miss the best optimum, and at what the worse optima get wrong below.{sample}"
        ),
    )
    .pca_note(s)
    .page(root, 80)?;
    let h = body.dim_in_pixel().1 as i32;
    let (top, bottom) = body.split_vertically(h * 9 / 20);
    let (tl, tr) = top.split_horizontally(SIZE.0 as i32 * 17 / 25);
    by_method(&tl, r)?;
    optima_bars(&tr, r)?;
    let (bl, br) = bottom.split_horizontally(SIZE.0 as i32 / 2);
    // Colours: the best optimum's components take the groups of the study's
    // EM fit they match; the worst's those of the best's they match.
    let k = r.best.model.n_components();
    let reference: Option<Vec<i64>> = s.pair.as_ref().ok().map(|p| {
        r.rows
            .iter()
            .map(|&i| p.groups.get(p.em_labels()[i]).copied().unwrap_or(-1))
            .collect()
    });
    let best_groups = component_groups(&r.best.labels, k, reference.as_deref());
    let best_shown: Vec<i64> = r.best.labels.iter().map(|&l| best_groups[l]).collect();
    let worst_groups = component_groups(
        &r.worst.labels,
        r.worst.model.n_components(),
        Some(&best_shown),
    );
    endpoint(
        &bl,
        s,
        r,
        &r.best,
        &best_groups,
        &format!(
            "best optimum: mean log-likelihood {:.4}, reached by {}",
            best.log_likelihood, best.count
        ),
    )?;
    endpoint(
        &br,
        s,
        r,
        &r.worst,
        &worst_groups,
        &format!(
            "worst optimum: {:.4}, reached by {}",
            worst.log_likelihood, worst.count
        ),
    )?;
    let mut entries: Vec<Entry> = (0..n_opt.min(6))
        .map(|id| {
            (
                Mark::Dot(optimum_colour(id)),
                format!("optimum {}{}", id + 1, if id == 0 { " (best)" } else { "" }),
            )
        })
        .collect();
    if n_opt > 6 {
        entries.push((Mark::Dot(palette::NOISE), format!("optima 7–{n_opt}")));
    }
    entries.push((
        Mark::None,
        format!(
            "EM fits of all starts: {:.2} s in parallel; same optimum = log-likelihood within 0.01 and matched means within 0.1",
            r.fit_seconds
        ),
    ));
    legend_row(&foot, &entries, 8)?;
    Ok(())
}

/// Every start's final log-likelihood, by method; under each method the
/// share of its starts that reach the best optimum.
fn by_method(area: &Area, r: &InitSensitivity) -> DResult {
    let methods: Vec<&str> = ORDER
        .iter()
        .copied()
        .filter(|m| r.starts.iter().any(|s| s.method == *m))
        .collect();
    let y = padded(r.starts.iter().map(|s| s.log_likelihood), 0.08, 1e-3);
    let mut ax = Axes::new(
        "final mean log-likelihood of each start, by init method",
        (-0.5, methods.len() as f64 - 0.5),
        y,
        "",
        "mean log-likelihood",
    );
    ax.x_ticks = false;
    ax.x_label_room = 56;
    let mut c = chart(area, &ax)?;
    c.draw_series(DashedLineSeries::new(
        vec![
            (-0.5, r.optima[0].log_likelihood),
            (methods.len() as f64 - 0.5, r.optima[0].log_likelihood),
        ],
        8,
        6,
        optimum_colour(0).stroke_width(2),
    ))?;
    for (x, m) in methods.iter().enumerate() {
        let of: Vec<_> = r.starts.iter().filter(|s| s.method == *m).collect();
        let count = of.len();
        c.draw_series(of.iter().enumerate().map(|(i, st)| {
            // Deterministic spread across the column.
            let dx = if count > 1 {
                -0.3 + 0.6 * i as f64 / (count - 1) as f64
            } else {
                0.0
            };
            Circle::new(
                (x as f64 + dx, st.log_likelihood),
                6,
                optimum_colour(st.optimum).mix(0.85).filled(),
            )
        }))?;
        let share = r.best_share_by_method.get(*m).copied().unwrap_or(0.0);
        let hit = of.iter().filter(|s| s.optimum == 0).count();
        let (px, py) = to_px(&c, area, (x as f64, y.0));
        let (l1, l2) = method_lines(m);
        for (dy, line) in [(8, l1), (26, l2)] {
            text(
                area,
                line,
                (px, py + dy),
                &style(SMALL, palette::INK, HPos::Center, VPos::Top),
            )?;
        }
        text(
            area,
            &format!("{hit}/{count} best ({:.0}%)", 100.0 * share),
            (px, py + 46),
            &style(SMALL, palette::MUTED, HPos::Center, VPos::Top),
        )?;
    }
    Ok(())
}

/// A method's name on two lines under its column.
fn method_lines(m: &str) -> (&str, &str) {
    match m {
        "default" => ("default", "fit"),
        "random-from-data" => ("random", "from data"),
        "kmeans-labels" => ("from", "k-means"),
        "kmedoids-labels" => ("from", "k-medoids"),
        "hdbscan-labels" => ("from", "HDBSCAN"),
        other => (other, "init"),
    }
}

/// The distinct optima, best first: how many starts reached each.
fn optima_bars(area: &Area, r: &InitSensitivity) -> DResult {
    let m = r.optima.len();
    let top = r.optima.iter().map(|o| o.count).max().unwrap_or(1) as f64 * 1.18;
    let mut ax = Axes::new(
        "distinct optima, best first: starts reaching each",
        (0.5, m as f64 + 0.5),
        (0.0, top),
        "optimum",
        "starts",
    );
    ax.x_integer = true;
    let mut c = chart(area, &ax)?;
    for o in &r.optima {
        let x = o.id as f64 + 1.0;
        c.draw_series(std::iter::once(Rectangle::new(
            [(x - 0.35, 0.0), (x + 0.35, o.count as f64)],
            optimum_colour(o.id).filled(),
        )))?;
        if m <= 6 {
            let (px, py) = to_px(&c, area, (x, o.count as f64));
            text(
                area,
                &format!("{:.3}", o.log_likelihood),
                (px, py - 4),
                &style(SMALL, palette::INK, HPos::Center, VPos::Bottom),
            )?;
        }
    }
    Ok(())
}

/// One optimum's model over the points it labels.
fn endpoint(
    area: &Area,
    s: &Study,
    r: &InitSensitivity,
    e: &Endpoint,
    groups: &[i64],
    title: &str,
) -> DResult {
    let colors = palette::of_groups(groups);
    if s.view.dim == 1 {
        let curves = densities(s, &e.model, ranges(s).0, 300);
        let ymax = curves
            .iter()
            .flat_map(|cv| cv.iter().map(|q| q.1))
            .fold(0.0, f64::max)
            .max(1e-12)
            * 1.15;
        let mut c = chart(
            area,
            &Axes::along(title, s, (-0.15 * ymax, ymax), "density"),
        )?;
        for (j, cv) in curves.iter().enumerate() {
            c.draw_series(LineSeries::new(cv.clone(), colors[j].stroke_width(3)))?;
        }
        c.draw_series(r.rows.iter().enumerate().map(|(t, &i)| {
            let q = s.view.point(i);
            Circle::new((q[0], -0.07 * ymax), 6, colors[e.labels[t]].filled())
        }))?;
        return Ok(());
    }
    let mut c = chart(area, &Axes::plane(title, s))?;
    let rad = radius(&c, area, r.rows.len());
    let shown = drawn(r.rows.len());
    c.draw_series(shown.iter().map(|&t| {
        let q = s.view.point(r.rows[t]);
        Circle::new((q[0], q[1]), rad, colors[e.labels[t]].mix(0.7).filled())
    }))?;
    ellipses(&mut c, s, &e.model, &colors, 3)?;
    Ok(())
}
