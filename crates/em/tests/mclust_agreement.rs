//! Agreement with R mclust 6.0.0's EM for its covariance models, run for run.
//!
//! `tests/fixtures/mclust_models.json` is written by
//! `scripts/make_fixtures_mclust.R`: for six datasets (iris from the species
//! and from thirds of sepal length, faithful, wine (not EVE, VVE: their MM
//! inner loops at d = 13 are too slow for a debug test), a sheared 2-D set drawn
//! in the script, faithful's eruptions alone for E and V) and every model,
//! mclust's `me(model, data, z = unmap(labels))` with
//! `emControl(tol = c(1e-11, 1e-12))`; and every model mclust has a
//! conjugate prior for again with `prior = priorControl()` (its default
//! prior; our `--prior`; wine's VEI, EVI and VVI are left out there, as
//! mclust returns NA for them); and with the noise component, mclust's
//! `me(..., Vinv = hypvol(X, reciprocal = TRUE))` from starts where some rows
//! are noise (iris, the sheared set with 30 uniform background points,
//! faithful's eruptions and waiting alone for E and V): our `--noise
//! --noise-init`, also checking the noise's proportion and `ln V`; and the
//! same noise starts with the prior too, `me(..., prior = priorControl(),
//! Vinv = ...)`, for the 12 models with a prior (our `--prior --noise`). We start from the same partition
//! (`Init::Labels`: an M-step on the one-hot responsibilities first) with
//! `reg_covar = 0` and tolerances tight enough to reach the same fixed point,
//! on both engines, and check: the converged mean log-likelihood within 1e-6
//! relative; proportions within 1e-4; means and covariances within 1e-4 of
//! the data's scale (`1e-4·(1 + |value|)` for a mean, `1e-4·(1 + √(Σ_aa Σ_bb))`
//! for a covariance entry, as wine's features run up to 1680); free
//! parameters equal to mclust's `nMclustParams`; BIC and ICL equal to
//! mclust's with the sign converted, within 1e-6 relative.
//!
//! `dbscan_noise_cases` are the default noise start (`--noise` without
//! `--noise-init`) as mclust makes it: the rows DBSCAN's rule leaves as noise
//! start as noise, mclust's `hc` on the other rows cut at k starts the
//! clusters, then `me(..., Vinv)`. Here the same rows start as noise
//! ([`NoiseStart`]) with our `Init::Hc`: its start must be exactly the
//! fixture's labels' start, and the fit mclust's. (That DBSCAN marks those
//! rows under our defaults is checked in `crates/algos/tests/noise_start.rs`.)

mod common;
use clusterlab_em::{CovarianceModel, Engine, GaussianMixture, Init, NoiseStart};
use common::{floats, matrix};
use ndarray::Array2;
use serde_json::Value;

const LL_TOL: f64 = 1e-6;
const PARAM_TOL: f64 = 1e-4;
const EXPECTED_CASES: usize = 175;

fn fixture() -> Value {
    common::read_fixture("mclust_models.json", "scripts/make_fixtures_mclust.R")
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// Fits the case and checks it against mclust's numbers; panics naming the case.
fn check_case(case: &Value, x: &Array2<f64>, engine: Engine) {
    let prior = case["prior"].as_bool().unwrap();
    let noise = case["noise"].as_bool().unwrap();
    let name = format!(
        "{}/{}{}{} ({engine})",
        case["dataset"].as_str().unwrap(),
        case["model"].as_str().unwrap(),
        if prior { " with the prior" } else { "" },
        if noise { " with noise" } else { "" }
    );
    let model: CovarianceModel = case["model"].as_str().unwrap().parse().unwrap();
    let k = case["k"].as_u64().unwrap() as usize;
    let raw: Vec<i64> = floats(&case["labels"]).iter().map(|l| *l as i64).collect();
    let init = if noise {
        Init::LabelsWithNoise(raw)
    } else {
        Init::Labels(raw.iter().map(|l| *l as usize).collect())
    };
    let (n, d) = x.dim();
    let params = GaussianMixture::params(k)
        .model(model)
        .prior(prior)
        .noise(noise)
        .init(init)
        .reg_covar(0.0)
        .tol(1e-13)
        .max_iter(20_000)
        .inner_control(1e-13, 10_000)
        .engine(engine);
    let fit = params
        .clone()
        .check()
        .unwrap()
        .fit(x.view(), None)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    // A case of DBSCAN's noise start (mclust's hc on the rows that are not
    // noise): the same fit from the rows marked as noise and the
    // hierarchical start on the others, whose start is exactly the labels'.
    let fit = if case.get("eps").is_some() {
        let rows: Vec<bool> = floats(&case["labels"]).iter().map(|l| *l < 0.0).collect();
        let marked = params
            .init(Init::Hc)
            .noise_start(Some(NoiseStart {
                rows,
                source: "the fixture's noise rows".into(),
            }))
            .check()
            .unwrap()
            .fit(x.view(), None)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            marked.initial_model, fit.initial_model,
            "{name}: the start from noise rows and hc is not the labels' start"
        );
        assert_eq!(marked.log_likelihood, fit.log_likelihood, "{name}");
        marked
    } else {
        fit
    };
    assert!(
        fit.converged,
        "{name}: not converged in {} iterations",
        fit.n_iter
    );
    assert!(fit.warnings.is_empty(), "{name}: {:?}", fit.warnings);
    let ll = case["loglik"].as_f64().unwrap() / n as f64;
    assert!(
        relative(fit.log_likelihood, ll) <= LL_TOL,
        "{name}: mean log-likelihood {} vs mclust {ll}",
        fit.log_likelihood
    );
    assert_eq!(
        fit.model.n_parameters(),
        case["df"].as_u64().unwrap() as usize,
        "{name}: free parameters"
    );
    // mclust's proportions: the Gaussians' in the mixture, then the noise's.
    let pro = floats(&case["pro"]);
    let noise_share = fit.model.noise().map_or(0.0, |nz| nz.proportion);
    let mut ours: Vec<f64> = fit
        .model
        .weights()
        .iter()
        .map(|w| w * (1.0 - noise_share))
        .collect();
    if let Some(nz) = fit.model.noise() {
        ours.push(nz.proportion);
        let lv = case["log_hypervolume"].as_f64().unwrap();
        assert!(
            relative(nz.log_volume, lv) <= 1e-12,
            "{name}: ln V {} vs {lv}",
            nz.log_volume
        );
    }
    assert_eq!(ours.len(), pro.len(), "{name}: proportions");
    for (a, b) in ours.iter().zip(&pro) {
        assert!((a - b).abs() <= PARAM_TOL, "{name}: proportion {a} vs {b}");
    }
    let means = matrix(&case["mean"]);
    for (a, b) in fit.model.means().iter().zip(means.iter()) {
        assert!(
            (a - b).abs() <= PARAM_TOL * (1.0 + b.abs()),
            "{name}: mean {a} vs {b}"
        );
    }
    let sigma = floats(&case["sigma"]);
    assert_eq!(sigma.len(), k * d * d, "{name}: sigma shape");
    for j in 0..k {
        let ours = fit.model.covariances().component_matrix(j, d);
        let at = |a: usize, b: usize| sigma[j * d * d + a * d + b];
        for a in 0..d {
            for b in 0..d {
                let scale = 1.0 + (at(a, a) * at(b, b)).sqrt();
                assert!(
                    (ours[[a, b]] - at(a, b)).abs() <= PARAM_TOL * scale,
                    "{name}: covariance {j}[{a},{b}] {} vs {}",
                    ours[[a, b]],
                    at(a, b)
                );
            }
        }
    }
    let bic = fit.bic(x.view()).unwrap();
    let want = -case["bic"].as_f64().unwrap();
    assert!(relative(bic, want) <= LL_TOL, "{name}: BIC {bic} vs {want}");
    let icl = fit.icl(x.view()).unwrap();
    let want = -case["icl"].as_f64().unwrap();
    assert!(relative(icl, want) <= LL_TOL, "{name}: ICL {icl} vs {want}");
}

#[test]
fn every_model_matches_mclust_from_the_same_partition() {
    let f = fixture();
    let cases = f["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), EXPECTED_CASES);
    let mut seen = std::collections::BTreeSet::new();
    for case in cases {
        let x = matrix(&f["data"][case["dataset"].as_str().unwrap()]);
        seen.insert(case["model"].as_str().unwrap().to_string());
        for engine in Engine::ALL {
            check_case(case, &x, engine);
        }
    }
    // All 14 models and the two of one feature were compared.
    assert_eq!(seen.len(), 16);
}

/// The default noise start's shape (DBSCAN's noise points, hc on the other
/// rows) against mclust's `mclustBIC` noise branch: the fixture's labels
/// are mclust's own hc classes of the rows its DBSCAN rule left, and our
/// hierarchical start on those rows must give the same classes.
#[test]
fn the_noise_start_from_marked_rows_matches_mclust() {
    let f = fixture();
    let cases = f["dbscan_noise_cases"]
        .as_array()
        .expect("dbscan_noise_cases");
    assert_eq!(cases.len(), 11);
    for case in cases {
        let x = matrix(&f["data"][case["dataset"].as_str().unwrap()]);
        for engine in Engine::ALL {
            check_case(case, &x, engine);
        }
    }
}

/// No noise row, or more than half of them: the noise start is not used;
/// the fit starts as without it (the start's model, noise proportion 0.1)
/// and says why.
#[test]
fn an_unusable_noise_start_falls_back_and_warns() {
    let f = fixture();
    let x = matrix(&f["data"]["faithful"]);
    let n = x.nrows();
    let base = GaussianMixture::params(2).noise(true).init(Init::Hc);
    let plain = base.clone().check().unwrap().fit(x.view(), None).unwrap();
    assert_eq!(plain.initial_model.noise().unwrap().proportion, 0.1);
    for (rows, why) in [
        (vec![false; n], "marked no point as noise".to_string()),
        (
            (0..n).map(|i| i <= n / 2).collect(),
            format!(
                "marked {} of the {n} points as noise, more than half",
                n / 2 + 1
            ),
        ),
    ] {
        let fit = base
            .clone()
            .noise_start(Some(NoiseStart {
                rows,
                source: "DBSCAN (eps = 1, min_samples = 10)".into(),
            }))
            .check()
            .unwrap()
            .fit(x.view(), None)
            .unwrap();
        assert_eq!(fit.initial_model, plain.initial_model);
        assert_eq!(
            fit.warnings,
            vec![format!(
                "the noise start: DBSCAN (eps = 1, min_samples = 10) {why}; started instead from \
                 the start's model with a noise proportion of 0.1"
            )]
        );
    }
    // Exactly half is still a start: 136 of 272 rows begin as noise.
    let half: Vec<bool> = (0..n).map(|i| i % 2 == 0).collect();
    let fit = base
        .noise_start(Some(NoiseStart {
            rows: half,
            source: "half".into(),
        }))
        .check()
        .unwrap()
        .fit(x.view(), None)
        .unwrap();
    assert!(fit.warnings.is_empty(), "{:?}", fit.warnings);
    assert!((fit.initial_model.noise().unwrap().proportion - 0.5).abs() < 1e-15);
}

#[test]
fn every_model_round_trips_through_json_and_starts_a_fit() {
    let f = fixture();
    let x = matrix(&f["data"]["iris"]);
    let labels: Vec<usize> = (0..x.nrows()).map(|i| i / 50).collect();
    for model in CovarianceModel::ALL {
        let fit = GaussianMixture::params(3)
            .model(model)
            .init(Init::Labels(labels.clone()))
            .check()
            .unwrap()
            .fit(x.view(), None)
            .unwrap();
        let json = serde_json::to_value(&fit.model).unwrap();
        assert_eq!(json["model"], model.name(), "{model}");
        assert_eq!(json["covariance_type"], model.type_name(), "{model}");
        let shape: Vec<usize> = {
            let c = &json["covariances"];
            let mut s = vec![c.as_array().unwrap().len()];
            if let Some(inner) = c[0].as_array() {
                s.push(inner.len());
                if let Some(inner2) = c[0][0].as_array() {
                    s.push(inner2.len());
                }
            }
            s
        };
        let want = match model.sklearn_name() {
            Some("spherical") => vec![3],
            Some("diag") => vec![3, 4],
            Some("tied") => vec![4, 4],
            _ => vec![3, 4, 4],
        };
        assert_eq!(shape, want, "{model}");
        let back: clusterlab_em::GmmModel = serde_json::from_value(json).unwrap();
        assert_eq!(back, fit.model, "{model}");
        // A model with k × d × d covariances starts a fit of any model: the
        // first step is an E-step from exactly it.
        if model == CovarianceModel::VEV {
            for other in CovarianceModel::ALL {
                let p = GaussianMixture::params(3)
                    .model(other)
                    .init(Init::Model(Box::new(back.clone())))
                    .max_iter(1)
                    .check()
                    .unwrap();
                let g = p.fit(x.view(), None).unwrap();
                let first = back.score(x.view()).unwrap();
                assert!((g.lower_bounds[0] - first).abs() < 1e-12, "{other}");
                assert_eq!(g.model.model(), other);
            }
        }
    }
}

#[test]
fn the_prior_is_refused_where_mclust_has_none() {
    for model in CovarianceModel::ALL {
        let r = GaussianMixture::params(2).model(model).prior(true).check();
        assert_eq!(r.is_ok(), model.has_prior(), "{model}");
        if let Err(e) = r {
            let e = e.to_string();
            assert!(
                e.contains(&format!("no conjugate prior for {model}")),
                "{e}"
            );
        }
    }
    let with: Vec<&str> = CovarianceModel::ALL
        .into_iter()
        .filter(|m| !m.has_prior())
        .map(|m| m.name())
        .collect();
    assert_eq!(with, ["VEE", "EVE", "VVE", "EVV"]);
}

#[test]
fn a_noise_fit_labels_background_points_and_round_trips() {
    let f = fixture();
    let x = matrix(&f["data"]["sheared-noise"]);
    // The default start (k-means, then a noise proportion of 0.1).
    let fit = GaussianMixture::params(3)
        .noise(true)
        .check()
        .unwrap()
        .fit(x.view(), None)
        .unwrap();
    let (n, k) = (x.nrows(), 3);
    assert_eq!(fit.responsibilities.dim(), (n, k + 1));
    for row in fit.responsibilities.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-12);
    }
    let labels = fit.labels_with_noise();
    let noise: Vec<usize> = (0..n).filter(|i| labels[*i] == -1).collect();
    // The 30 background points are the last rows; those away from the three
    // groups (13 of them with this draw) end as noise, and few group points do.
    let background = noise.iter().filter(|i| **i >= n - 30).count();
    assert!(
        background >= 10,
        "{background} of 30 background points are noise"
    );
    assert!(noise.len() - background <= 10, "{noise:?}");
    let nz = fit.model.noise().expect("a noise component");
    assert!(
        nz.proportion > 0.05 && nz.proportion < 0.4,
        "{}",
        nz.proportion
    );
    // Free parameters: VVV's 3·2 + 3·3 + 2 plus the noise's 2.
    assert_eq!(fit.model.n_parameters(), 6 + 9 + 2 + 2);
    let json = serde_json::to_value(&fit.model).unwrap();
    let total: f64 =
        floats(&json["weights"]).iter().sum::<f64>() + json["noise_proportion"].as_f64().unwrap();
    assert!((total - 1.0).abs() < 1e-12);
    let back: clusterlab_em::GmmModel = serde_json::from_value(json).unwrap();
    assert_eq!(back.noise(), fit.model.noise());
    for (a, b) in back.weights().iter().zip(fit.model.weights()) {
        assert!((a - b).abs() < 1e-15);
    }
    let again = back.predict_proba(x.view()).unwrap();
    for (a, b) in again.iter().zip(fit.responsibilities.iter()) {
        assert!((a - b).abs() < 1e-12);
    }
    // Noise labels need the noise component; −2 is no label.
    let e = GaussianMixture::params(3)
        .init(Init::LabelsWithNoise(vec![0; n]))
        .check()
        .unwrap_err()
        .to_string();
    assert!(e.contains("needs the noise component"), "{e}");
    let e = GaussianMixture::params(3)
        .noise(true)
        .init(Init::LabelsWithNoise(vec![-2, 0, 1]))
        .check()
        .unwrap_err()
        .to_string();
    assert!(e.contains("row 1: label -2 is outside -1..2"), "{e}");
}

#[test]
fn the_e_model_with_prior_and_noise_divides_by_every_row() {
    // Six points, labels 0 0 0 1 1 −1 (the last is noise), model E with the
    // prior: the first M-step by hand. The prior (all six rows): mean 3.1,
    // var = 24.5 / 5 = 4.9, scale 4.9 / G² = 1.225, dof 3, shrinkage 0.01.
    // Cluster 1: N = 3, x̄ = 1.1, W = 0.18, δ = −2, c δ² = 0.03·4 / 3.01;
    // cluster 2: N = 2, x̄ = 4.9, W = 0.08, δ = 1.8, c δ² = 0.02·3.24 / 2.01.
    // mclust's me1ep divides by ν + n + G + 2 with n = 6 rows (not the
    // clusters' 5): σ² = (1.225 + 0.26 + 0.12/3.01 + 0.0648/2.01) / 13
    // = 0.119777378123 (R mclust 6.0.0's me(..., itmax = 1) prints
    // 0.119777378123438); the means (3.3 + 0.031) / 3.01 and
    // (9.8 + 0.031) / 2.01; the noise's proportion 1/6.
    let x = ndarray::array![[0.80], [1.10], [1.40], [4.70], [5.10], [5.50]];
    let sigma2: f64 = (1.225 + 0.26 + 0.12 / 3.01 + 0.0648 / 2.01) / 13.0;
    assert!((sigma2 - 0.119777378123438).abs() < 1e-12);
    for engine in Engine::ALL {
        let fit = GaussianMixture::params(2)
            .model(CovarianceModel::E)
            .prior(true)
            .noise(true)
            .init(Init::LabelsWithNoise(vec![0, 0, 0, 1, 1, -1]))
            .reg_covar(0.0)
            .max_iter(1)
            .engine(engine)
            .check()
            .unwrap()
            .fit(x.view(), None)
            .unwrap();
        let m = &fit.initial_model;
        for j in 0..2 {
            let v = m.covariances().component_matrix(j, 1)[[0, 0]];
            assert!((v - sigma2).abs() < 1e-12, "{engine}: σ² {v} vs {sigma2}");
        }
        let means = [3.331 / 3.01, 9.831 / 2.01];
        for (a, b) in m.means().iter().zip(means) {
            assert!((a - b).abs() < 1e-12, "{engine}: mean {a} vs {b}");
        }
        assert!((m.noise().unwrap().proportion - 1.0 / 6.0).abs() < 1e-12);
        for (a, b) in m.weights().iter().zip([0.6, 0.4]) {
            assert!((a - b).abs() < 1e-12, "{engine}: weight {a} vs {b}");
        }
    }
}
