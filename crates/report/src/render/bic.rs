//! `bic.png`: BIC against k for every covariance model, the best marked (as
//! mclust's BIC plot, but with scikit-learn's sign: lower is better). Fourteen
//! curves do not read apart, so scikit-learn's four (VII, VVI, EEE, VVV) are
//! drawn in their colours, the best of the other ten in black, and the other
//! nine as thin grey lines.

use std::path::Path;

use clusterlab_em::CovarianceModel;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::kit::{
    bold, chart, covariance_curve, legend_row, padded, render_png, style, text, to_px, Area, Axes,
    DResult, Entry, Header, Mark, BODY,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::Study;

pub const SIZE: (u32, u32) = (1200, 780);

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    render_png(path, SIZE, |root| draw(root, s))
}

fn draw(root: &Area, s: &Study) -> DResult {
    let w = SIZE.0 as i32;
    let sw = &s.sweep;
    let sub = match sw.best {
        Some((k, m, v)) => format!(
            "Best: {m} with k = {k} (BIC {v:.1}), what mclust's Mclust would choose among {} models. BIC = −2 ln L + p ln n: the penalty p ln n grows with the free parameters.{}",
            sw.models.len(),
            sw.sample.map_or(String::new(), |m| format!(" Fitted on {m} of {} points.", s.n))
        ),
        None => "No fit succeeded.".into(),
    };

    let title = format!("{}: choosing k by BIC (lower is better)", s.name);
    let (plot, foot) = Header::new(title, sub).page(root, 70)?;
    let (lo, hi) = padded(sw.bic.iter().flatten().flatten().copied(), 0.06, 1.0);
    let kmax = *sw.ks.last().unwrap_or(&1);
    let mut ax = Axes::new(
        "",
        (0.5, kmax as f64 + 0.5),
        (lo, hi),
        "number of components k",
        "BIC",
    );
    ax.x_integer = true;
    let mut c = chart(&plot, &ax)?;
    // The k the study uses.
    if s.k <= kmax {
        c.draw_series(DashedLineSeries::new(
            vec![(s.k as f64, lo), (s.k as f64, hi)],
            8,
            6,
            palette::MUTED.stroke_width(2),
        ))?;
        let (x, y) = to_px(&c, &plot, (s.k as f64, hi));
        text(
            &plot,
            &format!("k used: {} ({})", s.k, s.k_rule.describe()),
            (x + 8, y + 6),
            &style(BODY, palette::MUTED, HPos::Left, VPos::Top),
        )?;
    }
    // A model's curve, as runs of consecutive k: a k whose fit failed (NA)
    // is a gap, not a line drawn across it.
    let curve = |m: usize| -> Vec<Vec<(f64, f64)>> {
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (&k, row) in sw.ks.iter().zip(&sw.bic) {
            match row[m] {
                Some(v) => runs.last_mut().expect("one run").push((k as f64, v)),
                None if runs.last().is_some_and(|r| !r.is_empty()) => runs.push(Vec::new()),
                None => {}
            }
        }
        runs.retain(|r| !r.is_empty());
        runs
    };
    let lowest = |m: usize| {
        sw.bic
            .iter()
            .filter_map(|row| row[m])
            .fold(f64::INFINITY, f64::min)
    };
    // The best model without a scikit-learn name (drawn in black).
    let other = (0..sw.models.len())
        .filter(|&m| sw.models[m].alias().is_none() && lowest(m).is_finite())
        .min_by(|&a, &b| lowest(a).total_cmp(&lowest(b)));
    for m in 0..sw.models.len() {
        if sw.models[m].alias().is_none() && Some(m) != other {
            for run in curve(m) {
                c.draw_series(LineSeries::new(run, palette::NOISE.stroke_width(1)))?;
            }
        }
    }
    if let Some(m) = other {
        for run in curve(m) {
            c.draw_series(LineSeries::new(run.clone(), palette::INK.stroke_width(3)))?;
            for q in run {
                plot.draw(&Circle::new(to_px(&c, &plot, q), 5, palette::INK.filled()))?;
            }
        }
    }
    for m in 0..sw.models.len() {
        if let Some(t) = sw.models[m].alias() {
            for run in curve(m) {
                covariance_curve(&mut c, &plot, t, run)?;
            }
        }
    }
    if let Some((k, t, v)) = sw.best {
        let t: CovarianceModel = t;
        let px = to_px(&c, &plot, (k as f64, v));
        plot.draw(&Circle::new(px, 15, palette::INK.stroke_width(3)))?;
        let right = px.0 > (w * 2) / 3;
        text(
            &plot,
            &format!("best: {t}, k = {k}"),
            (if right { px.0 - 22 } else { px.0 + 22 }, px.1 + 14),
            &bold(
                BODY,
                palette::INK,
                if right { HPos::Right } else { HPos::Left },
                VPos::Top,
            ),
        )?;
    }
    let mut entries: Vec<Entry> = sw
        .models
        .iter()
        .filter_map(|m| m.alias().map(|t| (m, t)))
        .map(|(m, t)| {
            (
                Mark::Line(palette::covariance(t), 4),
                format!("{m} ({})", t.name()),
            )
        })
        .collect();
    if let Some(m) = other {
        entries.push((
            Mark::Line(palette::INK, 4),
            format!("{} (best of the other models)", sw.models[m]),
        ));
    }
    if sw.models.iter().filter(|m| m.alias().is_none()).count() > 1 {
        entries.push((Mark::Line(palette::NOISE, 1), "other models".into()));
    }
    entries.push((Mark::Ringed(WHITE, palette::INK), "lowest BIC".into()));
    legend_row(&foot, &entries, 8)?;
    Ok(())
}
