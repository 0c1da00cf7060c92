//! Every colour the pictures use. Clusters: the Okabe–Ito palette first
//! (distinguishable under the common colour-vision deficiencies), then Paul
//! Tol's "muted" colours beyond seven; noise is grey. Also the ink, the
//! lines, the colour of each covariance type, and the blends, tints and
//! shades made from them.

use clusterlab_em::CovarianceType;
use plotters::style::RGBColor;

/// Cluster colours in the order labels 0, 1, 2, … use them.
pub const CLUSTER: [RGBColor; 15] = [
    RGBColor(0, 114, 178),   // Okabe–Ito blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(240, 228, 66),  // yellow
    RGBColor(51, 34, 136),   // Tol indigo
    RGBColor(136, 34, 85),   // Tol wine
    RGBColor(17, 119, 51),   // Tol green
    RGBColor(153, 153, 51),  // Tol olive
    RGBColor(68, 170, 153),  // Tol teal
    RGBColor(221, 204, 119), // Tol sand
    RGBColor(204, 102, 119), // Tol rose
    RGBColor(136, 204, 238), // Tol cyan
];

/// Noise points (label −1).
pub const NOISE: RGBColor = RGBColor(150, 150, 150);
/// Text and axes.
pub const INK: RGBColor = RGBColor(30, 30, 30);
/// Secondary text.
pub const MUTED: RGBColor = RGBColor(90, 90, 90);
/// k-means' boundary and centroids.
pub const KMEANS_LINE: RGBColor = RGBColor(0, 0, 0);
/// EM's boundary (Tol's wine: far from the first Okabe–Ito colours).
pub const EM_LINE: RGBColor = RGBColor(136, 34, 85);
/// k-means' region edges where they are not the subject (hard-vs-soft).
pub const EDGE: RGBColor = RGBColor(60, 60, 60);
/// Chart grid lines.
pub const GRID: RGBColor = RGBColor(228, 228, 228);
/// A value that is not defined (OPTICS' infinite reachability).
pub const UNDEFINED: RGBColor = RGBColor(220, 220, 220);

/// Colour of a covariance type in the EM pictures (convergence, BIC).
pub fn covariance(t: CovarianceType) -> RGBColor {
    match t {
        CovarianceType::Full => CLUSTER[0],
        CovarianceType::Diag => CLUSTER[1],
        CovarianceType::Spherical => CLUSTER[2],
        CovarianceType::Tied => CLUSTER[3],
    }
}

/// Colour of cluster `label` (`−1` is noise); cycles past the palette.
pub fn cluster(label: i64) -> RGBColor {
    if label < 0 {
        NOISE
    } else {
        CLUSTER[label as usize % CLUSTER.len()]
    }
}

/// The colours of display groups (a study's `Pair::groups`, `Trace::groups`).
pub fn of_groups(groups: &[i64]) -> Vec<RGBColor> {
    groups.iter().map(|&g| cluster(g)).collect()
}

/// [`blend_with`] of one row of responsibilities.
pub fn blend_row(r: ndarray::ArrayView1<f64>, colors: &[RGBColor]) -> RGBColor {
    match r.as_slice() {
        Some(s) => blend_with(s, colors),
        None => blend_with(&r.to_vec(), colors),
    }
}

/// The name of a palette colour, for captions (grey for anything else).
pub fn name(c: RGBColor) -> &'static str {
    const NAMES: [&str; 15] = [
        "blue",
        "orange",
        "green",
        "pink",
        "vermillion",
        "sky blue",
        "yellow",
        "indigo",
        "wine",
        "dark green",
        "olive",
        "teal",
        "sand",
        "rose",
        "cyan",
    ];
    CLUSTER
        .iter()
        .position(|&p| p == c)
        .map_or("grey", |i| NAMES[i])
}

/// The responsibility-weighted mix of the cluster colours `0..k` (see [`blend_with`]).
pub fn blend(resp: &[f64]) -> RGBColor {
    let colors: Vec<RGBColor> = (0..resp.len()).map(|j| cluster(j as i64)).collect();
    blend_with(resp, &colors)
}

/// The responsibility-weighted mix of `colors` (in linear light, so a
/// 50/50 point looks like a true mix rather than too dark).
pub fn blend_with(resp: &[f64], colors: &[RGBColor]) -> RGBColor {
    let lin = |c: u8| (c as f64 / 255.0).powf(2.2);
    let (mut r, mut g, mut b, mut total) = (0.0, 0.0, 0.0, 0.0);
    for (j, &w) in resp.iter().enumerate() {
        if !(w > 0.0) {
            continue;
        }
        let c = colors.get(j).copied().unwrap_or(NOISE);
        r += w * lin(c.0);
        g += w * lin(c.1);
        b += w * lin(c.2);
        total += w;
    }
    if !(total > 0.0) {
        return NOISE;
    }
    let enc = |v: f64| {
        ((v / total).powf(1.0 / 2.2) * 255.0)
            .round()
            .clamp(0.0, 255.0) as u8
    };
    RGBColor(enc(r), enc(g), enc(b))
}

/// `c` mixed with white: `t = 0` is `c`, `t = 1` is white.
pub fn tint(c: RGBColor, t: f64) -> RGBColor {
    let m = |v: u8| {
        (v as f64 + (255.0 - v as f64) * t)
            .round()
            .clamp(0.0, 255.0) as u8
    };
    RGBColor(m(c.0), m(c.1), m(c.2))
}

/// `c` mixed with black: `t = 0` is `c`, `t = 1` is black.
pub fn shade(c: RGBColor, t: f64) -> RGBColor {
    let m = |v: u8| (v as f64 * (1.0 - t)).round().clamp(0.0, 255.0) as u8;
    RGBColor(m(c.0), m(c.1), m(c.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blend_of_one_hot_is_the_colour() {
        assert_eq!(blend(&[0.0, 1.0, 0.0]), CLUSTER[1]);
        assert_eq!(blend(&[1.0, 0.0]), CLUSTER[0]);
        let mid = blend(&[0.5, 0.5]);
        assert_ne!(mid, CLUSTER[0]);
        assert_ne!(mid, CLUSTER[1]);
    }

    #[test]
    fn noise_is_grey() {
        assert_eq!(cluster(-1), NOISE);
        assert_eq!(cluster(15), CLUSTER[0]);
    }
}
