//! Text: the embedded font, the sizes, styles, measuring, shortening and
//! wrapping, and y-axis titles rotated a quarter turn (plotters' `y_desc`
//! does not rotate with this font backend).

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Area, DResult};

/// The one font family, registered from the embedded DejaVu Sans.
pub const FONT: &str = "sans-serif";
/// Title size (px).
pub const TITLE: f64 = 24.0;
/// Axis title size (px).
pub const AXIS: f64 = 18.0;
/// Tick labels, legends, captions (px).
pub const BODY: f64 = 16.0;
/// Smallest text (px).
pub const SMALL: f64 = 14.0;

static FONTS: Once = Once::new();

/// Registers DejaVu Sans as `sans-serif` (once per process); no system fonts are used.
pub fn ensure_fonts() {
    FONTS.call_once(|| {
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// A text style of `size` px in `color`, anchored at (h, v).
pub fn style(size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    let mut t = TextStyle::from((FONT, size).into_font()).pos(Pos::new(h, v));
    t.color = color.to_backend_color();
    t
}

/// Bold variant of [`style`].
pub fn bold(size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    let mut t = TextStyle::from((FONT, size, FontStyle::Bold).into_font()).pos(Pos::new(h, v));
    t.color = color.to_backend_color();
    t
}

/// Draws `s` at `pos` (area pixels) with the anchor of `st`.
pub fn text(area: &Area, s: &str, pos: (i32, i32), st: &TextStyle) -> DResult {
    area.draw_text(s, st, pos)?;
    Ok(())
}

/// Draws each line of `lines` with `st`, the first at `pos` and each next
/// one `step` pixels lower; returns the height used (`step` per line).
pub fn lines<S: AsRef<str>>(
    area: &Area,
    lines: &[S],
    pos: (i32, i32),
    step: i32,
    st: &TextStyle,
) -> DResult<i32> {
    let mut used = 0;
    for line in lines {
        text(area, line.as_ref(), (pos.0, pos.1 + used), st)?;
        used += step;
    }
    Ok(used)
}

/// Draws `s` rotated a quarter turn counter-clockwise (reading upwards),
/// centred on `pos` (area pixels): a y-axis title.
pub fn text_up(area: &Area, s: &str, pos: (i32, i32), size: f64, color: RGBColor) -> DResult {
    let st = TextStyle::from((FONT, size).into_font().transform(FontTransform::Rotate270))
        .color(&color)
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw_text(s, &st, pos)?;
    Ok(())
}

/// Width in pixels of `s` at `size`.
pub fn text_width(s: &str, size: f64) -> u32 {
    ensure_fonts();
    let font = (FONT, size).into_font();
    font.box_size(s)
        .map(|(w, _)| w)
        .unwrap_or((s.len() as f64 * size * 0.6) as u32)
}

/// Width in pixels of `s` in bold at `size`.
pub fn bold_width(s: &str, size: f64) -> u32 {
    ensure_fonts();
    let font = (FONT, size, FontStyle::Bold).into_font();
    font.box_size(s)
        .map(|(w, _)| w)
        .unwrap_or((s.len() as f64 * size * 0.7) as u32)
}

/// Shortens `s` with an ellipsis so it fits in `width` pixels at `size`.
pub fn fit_text(s: &str, size: f64, width: u32) -> String {
    if text_width(s, size) <= width {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    for keep in (1..chars.len()).rev() {
        let t: String = chars[..keep].iter().collect::<String>() + "…";
        if text_width(&t, size) <= width {
            return t;
        }
    }
    "…".to_string()
}

/// Wraps `s` into lines of at most `width` pixels at `size`.
pub fn wrap(s: &str, size: f64, width: u32) -> Vec<String> {
    wrap_by(s, width, |t| text_width(t, size))
}

/// Wraps bold text `s` into lines of at most `width` pixels at `size`.
pub fn wrap_bold(s: &str, size: f64, width: u32) -> Vec<String> {
    wrap_by(s, width, |t| bold_width(t, size))
}

fn wrap_by(s: &str, width: u32, measure: impl Fn(&str) -> u32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        let cand = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if measure(&cand) > width && !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        } else {
            cur = cand;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_respects_width() {
        let lines = wrap(
            "one two three four five six seven eight nine ten",
            BODY,
            120,
        );
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(text_width(l, BODY) <= 120 || !l.contains(' '));
        }
    }
}
