//! Why EM and k-means differ, in words: the study's [`Reason`] (numbers and
//! a cause) told with the colours the pictures give the components.

use serde::Serialize;

use crate::palette;
use crate::study::{Cause, Pair, Reason};

/// The two sentences the pictures, the page and `metrics.json` show.
#[derive(Debug, Clone, Serialize)]
pub struct Told {
    /// The main cause.
    pub headline: String,
    /// Which clusters the differing points move between.
    pub detail: String,
    pub variance_ratio: f64,
    pub weight_ratio: f64,
    pub max_elongation: f64,
}

/// The pair's reason in words, naming components by their colour.
pub fn tell(p: &Pair) -> Told {
    let colors = palette::of_groups(&p.groups);
    let name = |j: usize| palette::name(colors.get(j).copied().unwrap_or(palette::NOISE));
    let (headline, detail) = sentences(&p.reason, &name);
    let r = &p.reason;
    Told {
        headline,
        detail,
        variance_ratio: r.variance_ratio,
        weight_ratio: r.weight_ratio,
        max_elongation: r.max_elongation,
    }
}

/// Headline and detail of a reason, components named by `name`.
pub fn sentences(r: &Reason, name: &dyn Fn(usize) -> &'static str) -> (String, String) {
    let (a, b) = (r.from, r.to);
    let (vr, wr) = (r.variance_ratio, r.weight_ratio);
    if r.cause == Cause::Agree {
        let n = r.n;
        return (
            format!("EM's most likely component and k-means' cluster agree on all {n} points."),
            if r.k > 1 {
                format!(
                    "The boundaries differ only where no point lies (component variance ratio {vr:.1}, weight ratio {wr:.1})."
                )
            } else {
                "With one component there is no boundary.".into()
            },
        );
    }
    let noise = format!(
        "{} of the {} are points EM gives to its uniform noise component (grey), which k-means does not have.",
        r.n_noise, r.n_differ
    );
    if r.cause == Cause::Noise {
        return (
            "Every point where they differ is one EM's noise component explains best: k-means has no noise, so it puts each in the nearest cluster.".into(),
            noise,
        );
    }
    let mut detail = format!(
        "{} of the {} move from k-means' {} cluster to EM's {} component (mean EM confidence on them {:.2}).",
        r.moved,
        r.n_differ,
        name(a),
        name(b),
        r.mean_confidence
    );
    if r.n_noise > 0 {
        detail = format!("{detail} {noise}");
    }
    let pr = r.pair_ratio;
    let headline = match r.cause {
        Cause::UnequalSpreads => {
            let which = if (pr - vr).abs() <= 0.05 * vr {
                format!("{} against {}", name(b), name(a))
            } else {
                format!("{} against {}; {vr:.1} at most", name(b), name(a))
            };
            format!(
                "EM's components have unequal spreads (variance ratio {pr:.1}, {which}): k-means' equal-variance boundary cuts into the wider one, {}.",
                name(b)
            )
        }
        Cause::Elongated => format!(
            "EM's components are elongated (axis ratio up to {:.1}): EM's boundary follows their tilt, k-means' assumes round clusters and cuts across them.",
            r.pair_elongation
        ),
        Cause::UnequalWeights => format!(
            "EM's components have unequal weights ({} π = {:.2} vs {} π = {:.2}): EM's boundary moves toward the lighter component, k-means' stays halfway.",
            name(b),
            r.weights.1,
            name(a),
            r.weights.0
        ),
        Cause::SpreadsAndOverlap => format!(
            "EM's components have unequal spreads (variance ratio {vr:.1}) and overlap: near the boundary EM weighs spread and weight, k-means only distance to the centre."
        ),
        Cause::Overlap | Cause::Agree | Cause::Noise => format!(
            "The clusters overlap and the components are alike (variance ratio {vr:.1}): the differing points sit near both boundaries, where EM is nearly undecided."
        ),
    };
    (headline, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::explain;
    use clusterlab_em::{Covariances, GmmModel};
    use ndarray::{array, Array1, Array3};

    #[test]
    fn unequal_spreads_are_told_with_colours() {
        let mut cov = Array3::zeros((2, 2, 2));
        cov[[0, 0, 0]] = 1.0;
        cov[[0, 1, 1]] = 1.0;
        cov[[1, 0, 0]] = 6.0;
        cov[[1, 1, 1]] = 6.0;
        let model = GmmModel::new(
            Array1::from(vec![0.5, 0.5]),
            array![[0.0, 0.0], [4.0, 0.0]],
            Covariances::Full(cov),
        )
        .unwrap();
        let resp = array![[0.9, 0.1], [0.4, 0.6], [0.1, 0.9]];
        let r = explain(&model, resp.view(), &[0, 0, 1], &[0, 1, 1], &[1]);
        assert_eq!(r.cause, Cause::UnequalSpreads);
        assert_eq!((r.from, r.to, r.moved), (0, 1, 1));
        assert!((r.variance_ratio - 6.0).abs() < 1e-9);
        let name = |j: usize| ["blue", "orange"][j];
        let (h, d) = sentences(&r, &name);
        assert!(
            h.contains("unequal spreads (variance ratio 6.0, orange against blue)"),
            "{h}"
        );
        assert_eq!(
            d,
            "1 of the 1 move from k-means' blue cluster to EM's orange component (mean EM confidence on them 0.60)."
        );
        // With the noise component (label k = 2): the differing point is EM's noise.
        let r = explain(&model, resp.view(), &[0, 0, 1], &[0, 2, 1], &[1]);
        assert_eq!((r.cause, r.n_noise), (Cause::Noise, 1));
        let (h, d) = sentences(&r, &name);
        assert!(
            h.starts_with("Every point where they differ is one EM's noise"),
            "{h}"
        );
        assert_eq!(
            d,
            "1 of the 1 are points EM gives to its uniform noise component (grey), which k-means does not have."
        );
        let r = explain(&model, resp.view(), &[0, 0, 1], &[1, 2, 1], &[0, 1]);
        assert_eq!((r.cause, r.n_noise, r.moved), (Cause::UnequalSpreads, 1, 1));
        assert!(sentences(&r, &name).1.ends_with(" 1 of the 2 are points EM gives to its uniform noise component (grey), which k-means does not have."));
        let same = explain(&model, resp.view(), &[0, 0, 1], &[0, 0, 1], &[]);
        assert_eq!(same.cause, Cause::Agree);
        assert!(sentences(&same, &name).0.contains("agree on all 3"));
    }
}
