//! The explorable part of `index.html`: every dataset's points, every
//! algorithm's labels, EM's responsibilities and its path, as one compact
//! JSON object embedded in the page, drawn by an inline script
//! (`explorer.js`, `explorer.css`): a linked scatter, a tooltip per point,
//! an iteration slider over EM's fit, the disagreements with k-means ranked
//! by EM's uncertainty. No network, no server.
//!
//! The page's test hook (`window.clusterlab`) is described in `explorer.js`.

use clusterlab_algos::{Algorithm, Extras};
use clusterlab_study::study::Study;
use serde_json::{json, Value};

use crate::palette;

/// Above this many points the markers are a stratified sample and a density
/// shading shows every point.
pub const MAX_ALL_MARKERS: usize = 50_000;
/// Markers drawn for larger data.
pub const SAMPLE_MARKERS: usize = 20_000;
/// Fewest markers of each EM component in the sample (when it has that many points).
pub const MIN_PER_STRATUM: usize = 200;
/// Cells of the density shading along x and y.
pub const DENSITY_GRID: (usize, usize) = (96, 64);

/// The script and style sheet, inlined into the page.
pub const SCRIPT: &str = include_str!("explorer.js");
pub const STYLE: &str = include_str!("explorer.css");

/// `x` rounded to `sig` significant digits (for a compact JSON number).
pub fn sig(x: f64, sig: usize) -> Value {
    if !x.is_finite() {
        return Value::Null;
    }
    let s = format!("{:.*e}", sig.saturating_sub(1), x);
    s.parse::<f64>().map(|v| json!(v)).unwrap_or(Value::Null)
}

/// A responsibility as the hundredths `fit gmm --proba` shows when printed
/// with two decimals (`{:.2}`), e.g. 0.876 → 88.
pub fn hundredths(r: f64) -> i64 {
    let s = format!("{r:.2}");
    let (int, frac) = s.split_once('.').unwrap_or((&s, "0"));
    let neg = int.starts_with('-');
    let v = int.trim_start_matches('-').parse::<i64>().unwrap_or(0) * 100
        + frac.parse::<i64>().unwrap_or(0);
    if neg {
        -v
    } else {
        v
    }
}

/// The markers: every point, or above [`MAX_ALL_MARKERS`] a sample
/// stratified by EM's most likely component (proportional, at least
/// [`MIN_PER_STRATUM`] each), ascending.
pub fn marker_rows(n: usize, strata: Option<&[usize]>, seed: u64) -> Vec<usize> {
    if n <= MAX_ALL_MARKERS {
        return (0..n).collect();
    }
    let Some(strata) = strata.filter(|s| s.len() == n) else {
        return clusterlab_algos::plan::sample::sample_indices(n, SAMPLE_MARKERS, seed);
    };
    let k = strata.iter().copied().max().map_or(1, |m| m + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &s) in strata.iter().enumerate() {
        members[s].push(i);
    }
    let mut out = Vec::with_capacity(SAMPLE_MARKERS + k * MIN_PER_STRATUM);
    for (j, m) in members.iter().enumerate() {
        let share = (SAMPLE_MARKERS as f64 * m.len() as f64 / n as f64).round() as usize;
        let take = share.max(MIN_PER_STRATUM).min(m.len());
        let picks = clusterlab_algos::plan::sample::sample_indices(m.len(), take, seed + j as u64);
        out.extend(picks.into_iter().map(|p| m[p]));
    }
    out.sort_unstable();
    out
}

/// Counts of all points per cell of a `DENSITY_GRID` over `range`
/// (`[x0, x1, y0, y1]`), row-major from the bottom-left.
pub fn density(points: &[[f64; 2]], range: [f64; 4]) -> Vec<u32> {
    let (gx, gy) = DENSITY_GRID;
    let mut c = vec![0u32; gx * gy];
    let cell = |v: f64, lo: f64, hi: f64, g: usize| -> Option<usize> {
        let t = (v - lo) / (hi - lo);
        (t.is_finite() && (0.0..=1.0).contains(&t)).then(|| ((t * g as f64) as usize).min(g - 1))
    };
    for p in points {
        if let (Some(i), Some(j)) = (
            cell(p[0], range[0], range[1], gx),
            cell(p[1], range[2], range[3], gy),
        ) {
            c[j * gx + i] += 1;
        }
    }
    c
}

fn css(c: plotters::style::RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// A 1-D view's vertical position of point `i`: a fixed jitter in [−1, 1].
fn jitter(i: usize) -> f64 {
    let t = (i as f64 * 0.618_033_988_749_895).fract();
    2.0 * t - 1.0
}

/// One dataset's explorer data (see the module doc).
pub fn dataset_json(s: &Study) -> Value {
    let n = s.n;
    let d = s.d;
    let pair = s.pair.as_ref().ok();
    let em_labels: Option<Vec<usize>> = pair.map(|p| p.em_labels().to_vec());
    let rows = marker_rows(n, em_labels.as_deref(), 0);
    let sampled = rows.len() < n;
    let pic = |i: usize| -> [f64; 2] {
        let p = s.view.point(i);
        if s.view.dim == 1 {
            [p[0], jitter(i)]
        } else {
            p
        }
    };
    let (x0, x1) = s.view.range(0, 0.04);
    let (y0, y1) = if s.view.dim == 1 {
        (-1.3, 1.3)
    } else {
        s.view.range(1, 0.04)
    };
    let range = [x0, x1, y0, y1];
    let x: Vec<Value> = rows
        .iter()
        .map(|&i| {
            Value::Array(
                (0..d)
                    .map(|c| sig(s.means[c] + s.stds[c] * s.z[[i, c]], 7))
                    .collect(),
            )
        })
        .collect();
    let p: Vec<Value> = rows
        .iter()
        .flat_map(|&i| {
            let q = pic(i);
            [sig(q[0], 6), sig(q[1], 6)]
        })
        .collect();

    // Every algorithm's labels: its own (the tooltip) and its display
    // groups (the colours, matched across algorithms as in the PNGs).
    let mut algos = Vec::new();
    for r in &s.runs {
        let Ok(c) = &r.result else { continue };
        let shown = r.shown.as_ref().unwrap_or(&c.labels);
        algos.push(json!({
            "key": r.algorithm.name(),
            "title": r.algorithm.title(),
            "labels": rows.iter().map(|&i| c.labels[i]).collect::<Vec<_>>(),
            "groups": rows.iter().map(|&i| shown[i]).collect::<Vec<_>>(),
        }));
    }
    if let Some(t) = &s.truth {
        algos.push(json!({
            "key": "truth",
            "title": "ground truth",
            "labels": rows.iter().map(|&i| t[i]).collect::<Vec<_>>(),
            "groups": rows.iter().map(|&i| t[i]).collect::<Vec<_>>(),
        }));
    }

    let em = pair.map(|p| {
        let k = p.k;
        let r: Vec<i64> = rows
            .iter()
            .flat_map(|&i| (0..k).map(move |j| (i, j)))
            .map(|(i, j)| hundredths(p.em.responsibilities[[i, j]]))
            .collect();
        let pos: std::collections::HashMap<usize, usize> =
            rows.iter().enumerate().map(|(s, &i)| (i, s)).collect();
        let mut ranked: Vec<usize> = p.differ.iter().copied().filter(|i| pos.contains_key(i)).collect();
        ranked.sort_by(|&a, &b| p.uncertainty(b).total_cmp(&p.uncertainty(a)).then(a.cmp(&b)));
        let centroids: Vec<Value> = (0..p.km_centroids.nrows())
            .map(|j| {
                let q = s.view.project(p.km_centroids.row(j));
                json!([sig(q[0], 6), if s.view.dim == 1 { json!(0) } else { sig(q[1], 6) }])
            })
            .collect();
        // With the noise component: its column (hundredths) and label −1.
        let noise = (p.em.responsibilities.ncols() > k).then(|| {
            rows.iter()
                .map(|&i| hundredths(p.em.responsibilities[[i, k]]))
                .collect::<Vec<_>>()
        });
        let labels = p.em_labels_with_noise();
        json!({
            "k": k,
            "covariance": p.covariance.name(),
            "groups": p.groups,
            "r": r,
            "noise": noise,
            "label": rows.iter().map(|&i| labels[i]).collect::<Vec<_>>(),
            "km": rows.iter().map(|&i| p.km_labels[i]).collect::<Vec<_>>(),
            "ranked": ranked.iter().map(|&i| json!([pos[&i], sig(p.uncertainty(i), 4)])).collect::<Vec<_>>(),
            "differ": p.differ.len(),
            "centroids": centroids,
        })
    });

    let path = s.em_path.as_ref().ok().map(|path| {
        let iters: Vec<Value> = path
            .models
            .iter()
            .map(|m| {
                let k = m.n_components();
                let comps: Vec<Value> = (0..k)
                    .map(|j| {
                        let cov = m.covariances().component_matrix(j, d);
                        let c2 = s.view.project_cov(cov.view());
                        let c = s.view.project(m.means().row(j));
                        json!({
                            "w": sig(m.weights()[j], 8),
                            "mu": m.means().row(j).iter().map(|&v| sig(v, 8)).collect::<Vec<_>>(),
                            "cov": cov.iter().map(|&v| sig(v, 8)).collect::<Vec<_>>(),
                            "c": [sig(c[0], 6), if s.view.dim == 1 { json!(0) } else { sig(c[1], 6) }],
                            "c2": [sig(c2[0][0], 6), sig(c2[0][1], 6), sig(c2[1][1], 6)],
                        })
                    })
                    .collect();
                Value::Array(comps)
            })
            .collect();
        // With the noise component: each iteration's [proportion, ln V], for
        // the page's own E-step before the end.
        let noise = path.models.iter().any(|m| m.noise().is_some()).then(|| {
            path.models
                .iter()
                .map(|m| m.noise().map(|nz| json!([sig(nz.proportion, 8), sig(nz.log_volume, 10)])))
                .collect::<Vec<_>>()
        });
        let mut out = json!({
            "ll": path.log_likelihoods.iter().map(|&v| sig(v, 8)).collect::<Vec<_>>(),
            "models": iters,
            "converged": path.converged,
        });
        if let Some(noise) = noise {
            out["noise"] = json!(noise);
        }
        out
    });
    let path_error = s.em_path.as_ref().err().cloned();

    let hdbscan = s
        .run(Algorithm::Hdbscan)
        .and_then(|r| r.result.as_ref().ok())
        .and_then(|c| {
            c.scores.as_ref().map(|sc| {
            json!({
                "prob": rows.iter().map(|&i| sig(sc.probabilities[i], 3)).collect::<Vec<_>>(),
                "outlier": rows.iter().map(|&i| sig(sc.outlier_scores[i], 3)).collect::<Vec<_>>(),
            })
        })
        });
    let optics = s
        .run(Algorithm::Optics)
        .and_then(|r| r.result.as_ref().ok())
        .and_then(|c| {
            let Extras::Optics {
                ordering,
                reachability,
                ..
            } = &c.extras
            else {
                return None;
            };
            let pos: std::collections::HashMap<usize, usize> =
                rows.iter().enumerate().map(|(s, &i)| (i, s)).collect();
            Some(json!({
                "reach": rows.iter().map(|&i| sig(reachability[i], 4)).collect::<Vec<_>>(),
                "order": ordering.iter().filter_map(|i| pos.get(i)).collect::<Vec<_>>(),
            }))
        });
    let shading = sampled.then(|| {
        let all: Vec<[f64; 2]> = (0..n).map(pic).collect();
        json!({ "grid": [DENSITY_GRID.0, DENSITY_GRID.1], "counts": density(&all, range) })
    });
    json!({
        "name": s.name,
        "slug": s.slug(),
        "n": n,
        "d": d,
        "dim": s.view.dim,
        "features": s.feature_names,
        "axes": s.view.axis_labels,
        "pca": s.view.is_pca(),
        "range": range.iter().map(|&v| sig(v, 6)).collect::<Vec<_>>(),
        "index": if sampled { json!(rows) } else { Value::Null },
        "sample": if sampled {
            json!(format!("Markers: a sample of {} of the {} points, stratified by EM's most likely component (in proportion, at least {} of each); the grey shading is the density of all {} points.", rows.len(), n, MIN_PER_STRATUM, n))
        } else { Value::Null },
        "zm": s.means.iter().map(|&v| sig(v, 12)).collect::<Vec<_>>(),
        "zs": s.stds.iter().map(|&v| sig(v, 12)).collect::<Vec<_>>(),
        "x": x,
        "p": p,
        "algos": algos,
        "em": em,
        "path": path,
        "pathError": path_error,
        "hdbscan": hdbscan,
        "optics": optics,
        "density": shading,
    })
}

/// The whole page's data: the palette and every dataset.
pub fn data_json(studies: &[Study]) -> String {
    let v = json!({
        "palette": palette::CLUSTER.iter().map(|&c| css(c)).collect::<Vec<_>>(),
        "noise": css(palette::NOISE),
        "datasets": studies.iter().map(dataset_json).collect::<Vec<_>>(),
    });
    // Inside <script>: no "</" may close the element early.
    serde_json::to_string(&v)
        .unwrap_or_else(|_| "{}".into())
        .replace("</", "<\\/")
}

/// The explorer's section of the page: controls, canvases, the data and the script.
pub fn section(studies: &[Study]) -> String {
    let mut o = String::new();
    o.push_str("<section id=\"explorer\" aria-labelledby=\"ex-title\">\n<h2 id=\"ex-title\">Explore: every algorithm's answer for one point</h2>\n");
    o.push_str("<p class=\"lead\">Hover a point (or focus the plot and use the arrow keys) to see its features, every algorithm's label, EM's responsibilities, HDBSCAN's membership and OPTICS' reachability. The slider replays EM's fit from its start (iteration 0) to the fitted model. Shapes name the groups, so the plot reads without colour.</p>\n");
    o.push_str(r#"<div class="ex-controls">
<label>Dataset <select id="ex-dataset"></select></label>
<label>Colour by <select id="ex-colour"></select></label>
<label class="ex-check"><input type="checkbox" id="ex-differ"> EM/k-means disagreements only</label>
</div>
<div class="ex-main">
<div class="ex-plot">
<canvas id="ex-scatter" tabindex="0" role="img" aria-describedby="ex-help" width="760" height="560"></canvas>
<div id="ex-tip" role="tooltip" hidden></div>
<p id="ex-help" class="ex-note"></p>
<div id="ex-legend" class="ex-legend"></div>
</div>
<div class="ex-side">
<div class="ex-iter"><button type="button" id="ex-play">Play</button>
<label>EM iteration <input type="range" id="ex-iter" min="0" max="0" value="0"></label> <output id="ex-iter-out" for="ex-iter"></output></div>
<canvas id="ex-ll" width="420" height="150" role="img" aria-label="EM's mean log-likelihood per iteration, the current iteration marked"></canvas>
<h3>Responsibilities</h3>
<div id="ex-bars" class="ex-bars" aria-live="polite"></div>
<h3>OPTICS reachability</h3>
<canvas id="ex-reach" width="420" height="130" role="img" aria-label="OPTICS reachability plot, the chosen point marked"></canvas>
<h3>Disagreements, most uncertain first</h3>
<p class="ex-note">Uncertainty is 1 − EM's largest responsibility; k-means' clusters are numbered by the EM component they match.</p>
<ol id="ex-list" class="ex-list"></ol>
</div>
</div>
"#);
    o.push_str("<script type=\"application/json\" id=\"clusterlab-data\">");
    o.push_str(&data_json(studies));
    o.push_str("</script>\n<script>\n");
    o.push_str(SCRIPT);
    o.push_str("\n</script>\n</section>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hundredths_round_as_printed() {
        assert_eq!(hundredths(0.876), 88);
        assert_eq!(hundredths(1.0), 100);
        assert_eq!(hundredths(0.0), 0);
        assert_eq!(hundredths(0.004999), 0);
        assert_eq!(hundredths(0.995), 99); // 0.995 is 0.99499999… in binary
        assert_eq!(hundredths(0.125), 12); // a tie rounds to even, as `{:.2}` does
    }

    #[test]
    fn significant_digits() {
        assert_eq!(sig(1234.5678, 3), json!(1230.0));
        assert_eq!(sig(0.000123456, 2), json!(0.00012));
        assert_eq!(sig(f64::INFINITY, 3), Value::Null);
    }

    #[test]
    fn small_data_shows_every_point() {
        assert_eq!(marker_rows(5, None, 0), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn large_data_is_a_stratified_sample() {
        // 60,000 points: 59,000 in stratum 0, 1,000 in stratum 1.
        let n = 60_000;
        let strata: Vec<usize> = (0..n).map(|i| usize::from(i % 60 == 0)).collect();
        let rows = marker_rows(n, Some(&strata), 0);
        assert!(rows.windows(2).all(|w| w[0] < w[1]));
        let ones = rows.iter().filter(|&&i| strata[i] == 1).count();
        // In proportion: 20,000 · 1/60 ≈ 333 (more than the minimum of 200).
        assert_eq!(ones, 333);
        assert_eq!(rows.len() - ones, 19_667);
    }

    /// The overlap dataset as the page gets it: the CSV's values, EM's
    /// responsibilities as `{:.2}` prints them, the path of the fit, the
    /// disagreements ranked.
    #[test]
    fn a_dataset_as_the_page_gets_it() {
        let cfg = clusterlab_study::CompareConfig {
            bic_max_k: 3,
            ..Default::default()
        };
        let ds = clusterlab_data::resolve("overlap", None, cfg.seed).unwrap();
        let algos = [Algorithm::KMeans, Algorithm::Gmm];
        let s = clusterlab_study::study(&ds, &algos, &cfg, &clusterlab_study::Silent).unwrap();
        let v = dataset_json(&s);
        let n = ds.x.nrows();
        assert_eq!(v["n"], json!(n));
        assert!(v["index"].is_null() && v["density"].is_null() && v["sample"].is_null());
        assert_eq!(v["p"].as_array().unwrap().len(), 2 * n);
        // Feature values back in the CSV's units (7 significant digits).
        for i in [0, 17, n - 1] {
            for c in 0..2 {
                let shown = v["x"][i][c].as_f64().unwrap();
                let x = ds.x[[i, c]];
                assert!(
                    (shown - x).abs() <= 1e-6 * x.abs().max(1.0),
                    "{shown} vs {x}"
                );
            }
        }
        let pair = s.pair.as_ref().unwrap();
        let k = pair.k;
        let r = v["em"]["r"].as_array().unwrap();
        assert_eq!(r.len(), n * k);
        for i in 0..n {
            let row: Vec<i64> = (0..k).map(|j| r[i * k + j].as_i64().unwrap()).collect();
            let sum: i64 = row.iter().sum();
            assert!((99..=101).contains(&sum), "point {i}: {row:?}");
            for j in 0..k {
                let printed = format!("{:.2}", pair.em.responsibilities[[i, j]]);
                assert_eq!(format!("{}.{:02}", row[j] / 100, row[j] % 100), printed);
            }
        }
        let ranked = v["em"]["ranked"].as_array().unwrap();
        assert_eq!(ranked.len(), pair.differ.len());
        assert!(!ranked.is_empty());
        let u: Vec<f64> = ranked.iter().map(|e| e[1].as_f64().unwrap()).collect();
        assert!(u.windows(2).all(|w| w[0] >= w[1]), "{u:?}");
        for e in ranked {
            let i = e[0].as_u64().unwrap() as usize;
            assert_ne!(pair.em_labels()[i], pair.km_labels[i]);
        }
        let gmm = s.run(Algorithm::Gmm).unwrap().gmm().unwrap();
        let path = &v["path"];
        assert_eq!(path["models"].as_array().unwrap().len(), gmm.n_iter + 1);
        assert_eq!(path["ll"].as_array().unwrap().len(), gmm.n_iter + 1);
        assert_eq!(path["ll"][gmm.n_iter], sig(gmm.log_likelihood, 8));
        assert_eq!(path["ll"][0], sig(gmm.lower_bounds[0], 8));
        assert_eq!(
            path["models"][gmm.n_iter][0]["w"],
            sig(gmm.model.weights()[0], 8)
        );
        let keys: Vec<&str> = v["algos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["kmeans", "gmm", "truth"]);
    }

    /// With VVE (its MM warm-started from one M-step to the next, which a
    /// replay from the models alone could not reproduce) the page still gets
    /// EM's whole path: the fit's own models, iteration by iteration.
    #[test]
    fn a_vve_fit_gives_the_page_its_path() {
        let mut cfg = clusterlab_study::CompareConfig {
            bic_max_k: 2,
            ..Default::default()
        };
        cfg.settings.insert(
            Algorithm::Gmm,
            clusterlab_algos::Settings::default().with("covariance", json!("vve"), "test"),
        );
        let ds = clusterlab_data::resolve("overlap", None, cfg.seed).unwrap();
        let algos = [Algorithm::KMeans, Algorithm::Gmm];
        let s = clusterlab_study::study(&ds, &algos, &cfg, &clusterlab_study::Silent).unwrap();
        let v = dataset_json(&s);
        let gmm = s.run(Algorithm::Gmm).unwrap().gmm().unwrap();
        assert_eq!(gmm.model.model().name(), "VVE");
        assert!(gmm.n_iter >= 2, "{} iterations", gmm.n_iter);
        assert!(v["pathError"].is_null(), "{}", v["pathError"]);
        let path = &v["path"];
        assert_eq!(path["models"].as_array().unwrap().len(), gmm.n_iter + 1);
        for (t, want) in gmm.lower_bounds.iter().enumerate() {
            assert_eq!(path["ll"][t], sig(*want, 8), "iteration {t}");
        }
        let recorded = gmm.path.as_ref().unwrap();
        for t in [0, gmm.n_iter / 2, gmm.n_iter - 1] {
            assert_eq!(
                path["models"][t + 1][1]["mu"][0],
                sig(recorded[t].means()[[1, 0]], 8),
                "iteration {}",
                t + 1
            );
        }
    }

    #[test]
    fn density_counts_every_point_once() {
        let pts = [[0.0, 0.0], [1.0, 1.0], [0.5, 0.5], [2.0, 0.0]];
        let c = density(&pts, [0.0, 1.0, 0.0, 1.0]);
        assert_eq!(c.iter().sum::<u32>(), 3); // the last is outside
        assert_eq!(c[0], 1);
        let (gx, gy) = DENSITY_GRID;
        assert_eq!(c[gx * gy - 1], 1);
        assert_eq!(c[(gy / 2) * gx + gx / 2], 1);
    }
}
