//! `bic.png`: BIC against k for the four covariance types, the best marked
//! (as mclust's BIC plot, but with scikit-learn's sign: lower is better).

use std::path::Path;

use clusterlab_em::CovarianceType;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::kit::{
    bold, chart, covariance_curve, legend_row, padded, render_png, style, text, to_px, Area, Axes,
    DResult, Entry, Header, Mark, BODY,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::Study;
use clusterlab_study::select::mclust_name;

pub const SIZE: (u32, u32) = (1200, 780);

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    render_png(path, SIZE, |root| draw(root, s))
}

fn draw(root: &Area, s: &Study) -> DResult {
    let w = SIZE.0 as i32;
    let sw = &s.sweep;
    let sub = match sw.best {
        Some((k, t, v)) => format!(
            "Best: k = {k} with {} ({} covariances, BIC {v:.1}): what mclust's Mclust would choose. BIC = −2 ln L + p ln n: the penalty p ln n grows with the free parameters.{}",
            mclust_name(t),
            t.name(),
            sw.sample.map_or(String::new(), |m| format!(" Fitted on {m} of {} points.", s.n))
        ),
        None => "No fit succeeded.".into(),
    };
    let sub = if s.d == 1 {
        format!("{sub} With one feature, full, diag and spherical are the same model.")
    } else {
        sub
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
    for (t_i, &t) in CovarianceType::ALL.iter().enumerate() {
        let pts: Vec<(f64, f64)> = sw
            .ks
            .iter()
            .zip(&sw.bic)
            .filter_map(|(&k, row)| row[t_i].map(|v| (k as f64, v)))
            .collect();
        covariance_curve(&mut c, &plot, t, pts)?;
    }
    if let Some((k, t, v)) = sw.best {
        let px = to_px(&c, &plot, (k as f64, v));
        plot.draw(&Circle::new(px, 15, palette::INK.stroke_width(3)))?;
        let right = px.0 > (w * 2) / 3;
        text(
            &plot,
            &format!("best: k = {k}, {} ({})", mclust_name(t), t.name()),
            (if right { px.0 - 22 } else { px.0 + 22 }, px.1 + 14),
            &bold(
                BODY,
                palette::INK,
                if right { HPos::Right } else { HPos::Left },
                VPos::Top,
            ),
        )?;
    }
    let mut entries: Vec<Entry> = CovarianceType::ALL
        .iter()
        .map(|&t| {
            (
                Mark::Line(palette::covariance(t), 4),
                format!("{} ({})", mclust_name(t), t.name()),
            )
        })
        .collect();
    entries.push((Mark::Ringed(WHITE, palette::INK), "lowest BIC".into()));
    legend_row(&foot, &entries, 8)?;
    Ok(())
}
