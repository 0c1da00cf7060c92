//! `k-choice.png`: two answers to "how many components?". Left, BIC
//! (solid) and ICL (dashed) against k for the four covariance types (the
//! sweep behind `bic.png`; lower is better). Right, the variational Bayesian mixture started with
//! the sweep's largest k: its weights at iterations of its fit, one bar per
//! component, fading as a component's weight falls towards 0, so the
//! components it switches off can be watched going. Both answers are named.

use std::path::Path;

use clusterlab_em::CovarianceType;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::kit::{
    bold, chart, covariance_curve, legend_row, missing_input, padded, render_png, style, text,
    to_px, Area, Axes, DResult, Entry, Header, Mark, BODY, SMALL,
};
use crate::error::ReportError;
use crate::palette;
use crate::study::Study;
use clusterlab_study::questions::KChoice;

pub const SIZE: (u32, u32) = (1500, 760);
/// Iterations shown on the right (the first, the last and an even sample).
pub const SNAPSHOTS: usize = 8;

pub fn render(s: &Study, path: &Path) -> Result<(), ReportError> {
    let kc = s.k_choice.as_ref().map_err(|e| missing_input(path, e))?;
    render_png(path, SIZE, |root| draw(root, s, kc))
}

/// Which recorded weight vectors to show: all when few, else the first,
/// the last and an even sample between.
pub fn snapshots(total: usize) -> Vec<usize> {
    if total <= SNAPSHOTS {
        return (0..total).collect();
    }
    let mut v: Vec<usize> = (0..SNAPSHOTS)
        .map(|i| (i * (total - 1)) / (SNAPSHOTS - 1))
        .collect();
    v.dedup();
    v
}

/// How faint a bar is: full colour from weight `1/k` up, lightest at 0.
fn fade(weight: f64, k: usize) -> f64 {
    0.85 * (1.0 - (weight * k as f64).clamp(0.0, 1.0))
}

fn draw(root: &Area, s: &Study, kc: &KChoice) -> DResult {
    let bic = s.sweep.best;
    let bic_answer = match (bic, s.sweep.best_icl) {
        (Some((k, t, _)), Some((ki, ti, _))) => format!(
            "BIC picks k = {k} ({} covariances), ICL k = {ki} ({})",
            t.name(),
            ti.name()
        ),
        (Some((k, t, _)), None) => format!("BIC picks k = {k} ({} covariances)", t.name()),
        _ => "BIC: no fit succeeded".into(),
    };
    let sample = kc.sample.map_or(String::new(), |m| {
        format!(" Both fitted on {m} of {} points.", s.n)
    });
    let sub = format!(
        "Look at the right: starting from k = {} components, the Bayesian mixture fades out the ones the data do not need; {bic_answer}, the Bayesian mixture keeps {} above weight 1/(100·k), {} of them above 1/(2k).{sample}",
        kc.kmax,
        kc.k(),
        kc.substantial()
    );
    let title = format!(
        "{}: choosing k — BIC says {}, ICL {}; the Bayesian mixture keeps {} substantial ({} above 1/(100k))",
        s.name,
        bic.map_or("–".to_string(), |b| b.0.to_string()),
        s.sweep.best_icl.map_or("–".to_string(), |b| b.0.to_string()),
        kc.substantial(),
        kc.k()
    );
    let (body, foot) = Header::new(title, sub).page(root, 70)?;
    let (left, right) = body.split_horizontally(SIZE.0 as i32 / 2);
    draw_bic(&left.margin(0, 0, 0, 10), s)?;
    draw_weights(&right.margin(0, 0, 10, 10), kc)?;
    let mut entries: Vec<Entry> = CovarianceType::ALL
        .iter()
        .map(|&t| (Mark::Line(palette::covariance(t), 4), t.name().to_string()))
        .collect();
    entries.push((Mark::Dashed(palette::MUTED, 2), "ICL (dashed)".into()));
    entries.push((Mark::Ringed(WHITE, palette::INK), "lowest BIC, ICL".into()));
    entries.push((
        Mark::Swatch(palette::tint(palette::cluster(0), fade(0.0, 1))),
        format!("faded: weight → 0 (kept: above 1/(100·{}))", kc.kmax),
    ));
    legend_row(&foot, &entries, 8)?;
    Ok(())
}

fn draw_bic(area: &Area, s: &Study) -> DResult {
    let sw = &s.sweep;
    // scikit-learn's four types among the models (mclust's other ten are in bic.png).
    let four: Vec<(usize, CovarianceType)> = sw
        .models
        .iter()
        .enumerate()
        .filter_map(|(m, model)| model.alias().map(|t| (m, t)))
        .collect();
    let (lo, hi) = padded(
        sw.bic
            .iter()
            .chain(&sw.icl)
            .flat_map(|row| four.iter().filter_map(|&(m, _)| row[m]))
            .chain(sw.best_icl.map(|b| b.2)),
        0.06,
        1.0,
    );
    let kmax = *sw.ks.last().unwrap_or(&1);
    let mut ax = Axes::new(
        "BIC (solid) and ICL (dashed) against k, lower is better",
        (0.5, kmax as f64 + 0.5),
        (lo, hi),
        "number of components k",
        "BIC, ICL",
    );
    ax.x_integer = true;
    let mut c = chart(area, &ax)?;
    for &(t_i, t) in &four {
        let pts: Vec<(f64, f64)> = sw
            .ks
            .iter()
            .zip(&sw.bic)
            .filter_map(|(&k, row)| row[t_i].map(|v| (k as f64, v)))
            .collect();
        covariance_curve(&mut c, area, t, pts)?;
        let icl: Vec<(f64, f64)> = sw
            .ks
            .iter()
            .zip(&sw.icl)
            .filter_map(|(&k, row)| row[t_i].map(|v| (k as f64, v)))
            .collect();
        c.draw_series(DashedLineSeries::new(
            icl,
            9,
            6,
            palette::covariance(t).stroke_width(2),
        ))?;
    }
    if let Some((k, t, v)) = sw.best_icl {
        let px = to_px(&c, area, (k as f64, v));
        area.draw(&Circle::new(px, 12, palette::MUTED.stroke_width(2)))?;
        let w = area.dim_in_pixel().0 as i32;
        let right = px.0 > (w * 2) / 3;
        text(
            area,
            &format!("ICL: k = {k}, {}", t.name()),
            (if right { px.0 - 18 } else { px.0 + 18 }, px.1 - 12),
            &bold(
                BODY,
                palette::MUTED,
                if right { HPos::Right } else { HPos::Left },
                VPos::Bottom,
            ),
        )?;
    }
    if let Some((k, t, v)) = sw.best {
        let px = to_px(&c, area, (k as f64, v));
        area.draw(&Circle::new(px, 15, palette::INK.stroke_width(3)))?;
        let w = area.dim_in_pixel().0 as i32;
        let right = px.0 > (w * 2) / 3;
        text(
            area,
            &format!("BIC: k = {k}, {}", t.name()),
            (if right { px.0 - 22 } else { px.0 + 22 }, px.1 + 14),
            &bold(
                BODY,
                palette::INK,
                if right { HPos::Right } else { HPos::Left },
                VPos::Top,
            ),
        )?;
    }
    Ok(())
}

fn draw_weights(area: &Area, kc: &KChoice) -> DResult {
    let hist = &kc.fit.weights_history;
    let idx = snapshots(hist.len());
    let k = kc.kmax;
    let top = hist
        .iter()
        .flat_map(|w| w.iter().copied())
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.12;
    let mut ax = Axes::new("", (-0.5, idx.len() as f64 - 0.5), (0.0, top), "", "weight");
    ax.x_ticks = false;
    ax.x_label_room = 34;
    let title = format!(
        "Bayesian mixture's weights, {} covariances, {} prior",
        kc.covariance.name(),
        kc.params
            .get("weight_prior")
            .and_then(|v| v.as_str())
            .unwrap_or("dirichlet-process")
    );
    ax.title = &title;
    let mut c = chart(area, &ax)?;
    let slot = 0.8 / k as f64;
    for (col, &h) in idx.iter().enumerate() {
        let w = &hist[h];
        for j in 0..k {
            let x0 = col as f64 - 0.4 + j as f64 * slot;
            let colour = palette::tint(palette::cluster(j as i64), fade(w[j], k));
            c.draw_series(std::iter::once(Rectangle::new(
                [(x0, 0.0), (x0 + slot * 0.9, w[j])],
                colour.filled(),
            )))?;
        }
        let label = if h == 0 {
            "start".to_string()
        } else {
            format!("iter {h}")
        };
        let (px, py) = to_px(&c, area, (col as f64, 0.0));
        text(
            area,
            &label,
            (px, py + 8),
            &style(SMALL, palette::MUTED, HPos::Center, VPos::Top),
        )?;
    }
    let kept = kc.k();
    let (px, py) = to_px(&c, area, (idx.len() as f64 - 0.5, top));
    text(
        area,
        &format!(
            "kept: {kept} of {k}, {} above 1/(2k) ({})",
            kc.substantial(),
            if kc.fit.converged {
                format!("converged after {} iterations", kc.fit.n_iter)
            } else {
                format!("stopped after {} iterations", kc.fit.n_iter)
            }
        ),
        (px - 8, py + 8),
        &bold(BODY, palette::INK, HPos::Right, VPos::Top),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_keep_first_and_last() {
        assert_eq!(snapshots(3), vec![0, 1, 2]);
        let v = snapshots(41);
        assert_eq!(v.len(), SNAPSHOTS);
        assert_eq!((v[0], *v.last().unwrap()), (0, 40));
        assert!(v.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn fade_by_weight() {
        assert_eq!(fade(0.5, 4), 0.0);
        assert!((fade(0.0, 4) - 0.85).abs() < 1e-15);
        assert!(fade(0.1, 4) > fade(0.2, 4));
    }
}
