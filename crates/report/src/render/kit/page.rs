//! The page every picture is drawn on: atomic output of a PNG
//! ([`render_png`], [`render_pair_png`]) or any other bitmap
//! ([`render_atomically`]); a picture's input when it may be missing (the
//! EM / k-means pair, one algorithm's run: [`fitted`]); and the header
//! above the panels ([`Header`]: title, subtitle, the note for data drawn
//! on principal components, and the split into panels and a legend foot).

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::text::{bold, ensure_fonts, lines, style, wrap, BODY, SMALL, TITLE};
use super::{Area, DResult};
use crate::atomic;
use crate::error::{one_line, ReportError};
use crate::palette;
use crate::study::{AlgoRun, Pair, Study};
use crate::tables::params_text;
use crate::Algorithm;
use clusterlab_algos::Clustering;

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

/// [`render_png`] for the pictures drawn from the study's EM / k-means pair
/// (an error naming `path` when the pair could not be fitted).
pub fn render_pair_png(
    s: &Study,
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area, &Study, &Pair) -> DResult,
) -> Result<(), ReportError> {
    let pair = s.pair.as_ref().map_err(|e| missing_input(path, e))?;
    render_png(path, size, |root| draw(root, s, pair))
}

/// A successful run of one algorithm, as a picture of it needs it.
pub struct Fitted<'s> {
    pub run: &'s AlgoRun,
    pub fit: &'s Clustering,
    /// The labels in the study's colours ([`AlgoRun::shown`], else the fit's own).
    pub shown: &'s [i64],
}

impl Fitted<'_> {
    /// The header of a picture of this run on `s`: `DATASET: WHAT (N
    /// clusters, M noise points)` over `about`, the parameters used and, for
    /// a fit on a sample, how the other points were placed.
    pub fn header(&self, s: &Study, what: &str, about: &str) -> Header {
        let sampled = self
            .fit
            .approximation
            .as_ref()
            .map_or(String::new(), |a| format!(". {}: {}.", a.method, a.note));
        Header::new(
            format!(
                "{}: {what} ({} clusters, {} noise points)",
                s.name, self.fit.n_clusters, self.fit.n_noise
            ),
            format!("{about} {}{sampled}", params_text(&self.run.params)),
        )
        .pca_note(s)
    }
}

/// The run of `algorithm` in `s`, or the error that it was not run or failed.
pub fn fitted(s: &Study, algorithm: Algorithm) -> DResult<Fitted<'_>> {
    let run = s
        .run(algorithm)
        .ok_or_else(|| format!("{} was not run", algorithm.title()))?;
    let fit = run.result.as_ref().map_err(|e| e.clone())?;
    let shown = run.shown.as_deref().unwrap_or(&fit.labels);
    Ok(Fitted { run, fit, shown })
}

/// What a picture draws across its top: a bold title, a subtitle wrapped
/// to the page, and a note in small type (see [`Header::pca_note`]).
pub struct Header {
    title: String,
    subtitle: String,
    emphasised: bool,
    small: bool,
    compact: bool,
    note: Option<String>,
}

/// Where the lines of a header go (px).
struct Layout {
    title_size: f64,
    title_y: i32,
    subtitle_y: i32,
    /// Between the last line and the body.
    gap: i32,
}

impl Header {
    /// A header titled `title`, with the subtitle in muted text.
    pub fn new(title: impl Into<String>, subtitle: impl Into<String>) -> Self {
        Header {
            title: title.into(),
            subtitle: subtitle.into(),
            emphasised: false,
            small: false,
            compact: false,
            note: None,
        }
    }

    /// The subtitle in ink and one size up: a finding rather than a description.
    pub fn emphasised(mut self) -> Self {
        self.emphasised = true;
        self
    }

    /// The subtitle in small type.
    pub fn small_subtitle(mut self) -> Self {
        self.small = true;
        self
    }

    /// A smaller title set closer to the subtitle (for small pictures).
    pub fn compact(mut self) -> Self {
        self.compact = true;
        self
    }

    /// A note under the subtitle: for data with more than two features, that
    /// the picture shows its first two principal components; for more points
    /// than a panel draws, that the markers are a sample.
    pub fn pca_note(mut self, s: &Study) -> Self {
        self.note = pca_note(s);
        self
    }

    fn layout(&self) -> Layout {
        if self.compact {
            Layout {
                title_size: TITLE - 2.0,
                title_y: 10,
                subtitle_y: 40,
                gap: 2,
            }
        } else {
            Layout {
                title_size: TITLE,
                title_y: 14,
                subtitle_y: 50,
                gap: 6,
            }
        }
    }

    /// Draws the header centred across `root`; returns the y (px) where the
    /// body below it starts.
    pub fn draw(&self, root: &Area) -> DResult<i32> {
        let w = root.dim_in_pixel().0 as i32;
        let at = self.layout();
        let title = bold(at.title_size, palette::INK, HPos::Center, VPos::Top);
        root.draw_text(&self.title, &title, (w / 2, at.title_y))?;
        let (size, color) = if self.small {
            (SMALL, palette::MUTED)
        } else if self.emphasised {
            (BODY + 1.0, palette::INK)
        } else {
            (BODY, palette::MUTED)
        };
        let mut y = at.subtitle_y;
        y += lines(
            root,
            &wrap(&self.subtitle, size, (w - 60) as u32),
            (w / 2, y),
            24,
            &style(size, color, HPos::Center, VPos::Top),
        )?;
        if let Some(note) = &self.note {
            y += lines(
                root,
                &wrap(note, SMALL, (w - 120) as u32),
                (w / 2, y),
                20,
                &style(SMALL, palette::MUTED, HPos::Center, VPos::Top),
            )?;
        }
        Ok(y + at.gap)
    }

    /// Draws the header and splits the rest of `root` into the panels and,
    /// at the bottom, a foot `foot_h` pixels tall (for the legend).
    pub fn page<'a>(&self, root: &Area<'a>, foot_h: i32) -> DResult<(Area<'a>, Area<'a>)> {
        let top = self.draw(root)?;
        let h = root.dim_in_pixel().1 as i32;
        let body = root.margin(top as u32, 0, 0, 0);
        Ok(body.split_vertically(h - top - foot_h))
    }
}

/// The note of a scatter picture: the principal-components view (more
/// than two features) and the markers' sample (more than
/// [`super::scatter::MAX_DRAWN`] points).
pub fn pca_note(s: &Study) -> Option<String> {
    let pca = s.view.is_pca().then(|| {
        format!(
            "{} features, drawn on their first two principal components; regions and boundaries are the models' slice through that plane at the data mean, so points off the plane can sit across a line.",
            s.d
        )
    });
    let markers = (s.n > super::scatter::MAX_DRAWN).then(|| {
        format!(
            "Markers: a random {} of the {} points.",
            super::scatter::MAX_DRAWN,
            s.n
        )
    });
    match (pca, markers) {
        (Some(p), Some(m)) => Some(format!("{p} {m}")),
        (p, m) => p.or(m),
    }
}
